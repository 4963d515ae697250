#!/usr/bin/env bash
# Checks the README's install steps as a Java user follows them: in a directory holding the four files
# (libuid2-V.jar, -sources.jar, -javadoc.jar, .pom), runs the README's `mvn install:install-file`
# block as written into a new local Maven repository, then builds a project whose pom has the README's
# dependency block with Maven (no network), and runs the program (src/consumer/Consumer.java) from that
# repository's jar. No network: every repository is mirrored by the machine's Maven cache
# (UID2_MAVEN_CACHE, default ~/.m2/repository), which must hold Maven's install, resources and
# compiler plugins (`mvn -f bindings/java/pom.xml package` once fills it).
# Usage: install-check.sh ARTIFACT_JAR README.md Consumer.java  (the other three files beside the jar)
set -euo pipefail
art=$(dirname "$(readlink -f "$1")")
readme=$(readlink -f "$2")
consumer=$(readlink -f "$3")
home=$(getent passwd "$(id -u)" | cut -d: -f6)
cache=${UID2_MAVEN_CACHE:-$home/.m2/repository}
if ! command -v mvn >/dev/null || [ ! -d "$cache/org/apache/maven/plugins/maven-install-plugin" ] ||
   [ ! -d "$cache/org/apache/maven/plugins/maven-compiler-plugin/3.13.0" ]; then
  echo "install-check: SKIPPED: needs mvn and Maven's plugins in $cache (run mvn -f bindings/java/pom.xml package once)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/settings.xml" <<XML
<settings>
  <localRepository>$tmp/repo</localRepository>
  <offline>false</offline>
  <mirrors><mirror><id>machine-cache</id><mirrorOf>*</mirrorOf><url>file://$cache</url></mirror></mirrors>
</settings>
XML
# mvn as the README runs it, with the settings above.
mvn() { command mvn -B -q -s "$tmp/settings.xml" "$@"; }

# A fenced block of the README: the one after the line <!-- install-check: NAME -->.
block() { awk -v m="<!-- install-check: $1 -->" '$0 == m {f = 1; next} f && /^```/ {if (g) exit; g = 1; next} g' "$readme"; }

mkdir "$tmp/download"
cp "$art"/* "$tmp/download/"
block install > "$tmp/install.sh"
grep -q "install:install-file" "$tmp/install.sh" || { echo "install-check: no install block in the README"; exit 1; }
(cd "$tmp/download" && source "$tmp/install.sh")
version=$(sed -n 's|.*<version>\(.*\)</version>.*|\1|p' <(block dependency) | head -1)
installed=$tmp/repo/io/libuid2/libuid2/$version
for f in "libuid2-$version.jar" "libuid2-$version.pom" "libuid2-$version-sources.jar" "libuid2-$version-javadoc.jar"; do
  [ -s "$installed/$f" ] || { echo "install-check: not installed: $f"; ls -l "$installed" || true; exit 1; }
done

# A user's project: the README's dependency block, Java 8; Maven reads only the machine's cache.
mkdir -p "$tmp/app/src/main/java"
cp "$consumer" "$tmp/app/src/main/java/Consumer.java"
cat > "$tmp/app/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>app</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <maven.compiler.release>8</maven.compiler.release>
  </properties>
  <dependencies>
$(block dependency)
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId>
    <artifactId>maven-compiler-plugin</artifactId>
    <version>3.13.0</version>
  </plugin></plugins></build>
</project>
XML
(cd "$tmp/app" && mvn compile)
env -u UID2_LIBRARY_PATH -u LD_LIBRARY_PATH java -cp "$tmp/app/target/classes:$installed/libuid2-$version.jar" Consumer
echo "install-check: installed libuid2 $version with sources and javadoc; a Maven project built against it and ran"
