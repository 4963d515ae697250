#!/usr/bin/env bash
# Installs every Debian package the libuid2 build and tests need.
# Idempotent and fast when everything is already there: dpkg-query first,
# `apt-get update` + `apt-get install` only for what is missing.
# Sources: Debian apt, and once, for the interop tests, the pinned official UID2
# SDKs (and auditwheel) from PyPI and Maven Central into
# ~/.cache/libuid2/official-sdks (Go modules come later from the Go module
# proxy, through Bazel's repository rules).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # Bazel 4.2.3 and the rule sets WORKSPACE takes from /usr/share/bazel
  bazel-bootstrap bazel-skylib bazel-rules-cc bazel-rules-java
  default-jdk-headless
  # C / C++ (the C++ binding's tests: GoogleTest, nlohmann JSON for the
  # vectors, ASan/UBSan runtimes, cmake + pkg-config for the consumer test)
  gcc g++ make cmake pkg-config libgtest-dev libbenchmark-dev nlohmann-json3-dev
  libasan8 libubsan1 valgrind
  # Python binding (venv: the wheel is installed into a fresh venv in a test)
  python3 python3-pytest python3-venv
  # Java binding (JUnit 5 is the target; junit4 + hamcrest kept for JUnitCore runs)
  junit5 junit4 libhamcrest-java
  # tests/interop: Maven resolves the official Java SDK, pip (into a venv) the Python one
  maven python3-pip
  # C# binding (Mono: mcs + mono; NUnit 2.6 console runner)
  mono-devel nunit-console libnunit-cil-dev
  # tests/portal: the Portal's browser tests drive Debian's Chromium
  chromium
  # packaging / misc
  zip unzip git ca-certificates
)

# One dpkg-query for all: the packages that are fully installed.
# (dpkg-query exits 1 when a package is unknown to dpkg: not an error here)
installed=" $({ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true; } |
  awk '$2 == "ii" { printf "%s ", $1 }') "
missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
      echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Go is not from Debian (bookworm's golang is 1.19; the module needs >= 1.26):
# it is expected at /usr/local/go or on PATH.
GO=$(command -v go || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
if [ -z "$GO" ]; then
  echo "bootstrap: Go >= 1.26 not found (expected /usr/local/go/bin/go or go on PATH)" >&2
  exit 1
fi

# The official UID2 SDKs that tests/interop compares libuid2 with, pinned in
# tests/interop/official/ (the Python venv also holds auditwheel, which the
# Python binding's tests run): the Python SDK (with its dependencies, by version and
# wheel hash) into a virtual environment of its own, the Java SDK and its runtime
# dependencies resolved through Maven. They are fetched once: the copies of the
# pin files written last into the cache say what it holds, and both this script
# and the Bazel repository rule that exposes the cache (tools/official_sdks.bzl)
# compare them with the checked-in ones. Bazel itself never downloads them.
quietly() { # runs "$@", showing its output only when it fails
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; echo "bootstrap: failed: $*" >&2; return 1; }
}
OFFICIAL=${LIBUID2_CACHE:-$HOME/.cache/libuid2}/official-sdks
PINS=tests/interop/official
official_current() {
  cmp -s "$PINS/requirements.txt" "$OFFICIAL/requirements.txt" && cmp -s "$PINS/pom.xml" "$OFFICIAL/pom.xml"
}
if ! official_current; then
  mkdir -p "$(dirname "$OFFICIAL")"
  exec 9>"$OFFICIAL.lock"
  flock 9 # another clone may be bootstrapping at the same time
  if ! official_current; then
    echo "bootstrap: installing the official UID2 SDKs pinned in $PINS into $OFFICIAL" >&2
    rm -rf "$OFFICIAL"
    mkdir -p "$OFFICIAL"
    # The venv has no pip of its own: Debian's pip installs into it.
    quietly /usr/bin/python3 -m venv --without-pip "$OFFICIAL/python"
    quietly /usr/bin/python3 -m pip --python "$OFFICIAL/python/bin/python" install --no-deps \
      --require-hashes --only-binary=:all: --no-warn-script-location -r "$PINS/requirements.txt"
    quietly mvn -B -f "$PINS/pom.xml" dependency:copy-dependencies -DoutputDirectory="$OFFICIAL/java"
    cp "$PINS/requirements.txt" "$PINS/pom.xml" "$OFFICIAL/"
  fi
  exec 9>&-
fi

# Playwright for Python, which drives the system's chromium in the Portal's
# browser tests (tests/portal), pinned in tests/portal/requirements.txt, into a
# virtual environment of its own; the same scheme as the official SDKs above
# (the pin file's copy, written last, says what the cache holds; the
# repository rule in tools/portal_browser.bzl checks it). Playwright's own
# browser download is never used.
BROWSER=${LIBUID2_CACHE:-$HOME/.cache/libuid2}/portal-browser
BROWSER_PINS=tests/portal/requirements.txt
if ! cmp -s "$BROWSER_PINS" "$BROWSER/requirements.txt"; then
  mkdir -p "$(dirname "$BROWSER")"
  exec 9>"$BROWSER.lock"
  flock 9
  if ! cmp -s "$BROWSER_PINS" "$BROWSER/requirements.txt"; then
    echo "bootstrap: installing Playwright for Python pinned in $BROWSER_PINS into $BROWSER" >&2
    rm -rf "$BROWSER"
    mkdir -p "$BROWSER"
    out=$( { /usr/bin/python3 -m venv --without-pip "$BROWSER/python" &&
      /usr/bin/python3 -m pip --python "$BROWSER/python/bin/python" install --no-deps \
        --require-hashes --only-binary=:all: --no-warn-script-location -r "$BROWSER_PINS"; } 2>&1) ||
      { printf '%s\n' "$out" >&2; echo "bootstrap: failed to install Playwright" >&2; exit 1; }
    cp "$BROWSER_PINS" "$BROWSER/requirements.txt"
  fi
  exec 9>&-
fi

# PySpark for tests/spark (pinned in tests/spark/requirements.txt, pandas < 3),
# in a virtual environment of its own: its bundled Spark jars also compile and
# run the JVM Spark artifact. Same scheme as the official SDKs: installed once,
# the pin file copied in last; tools/spark_venv.bzl compares the copy and links
# the cache into Bazel, which downloads nothing. pyspark is an sdist: pip builds
# it once (about a minute) and keeps the wheel in its cache.
SPARK=${LIBUID2_CACHE:-$HOME/.cache/libuid2}/spark
SPARK_PINS=tests/spark/requirements.txt
if ! cmp -s "$SPARK_PINS" "$SPARK/requirements.txt"; then
  mkdir -p "$(dirname "$SPARK")"
  exec 9>"$SPARK.lock"
  flock 9
  if ! cmp -s "$SPARK_PINS" "$SPARK/requirements.txt"; then
    echo "bootstrap: installing PySpark pinned in $SPARK_PINS into $SPARK" >&2
    rm -rf "$SPARK"
    mkdir -p "$SPARK"
    quietly /usr/bin/python3 -m venv --without-pip "$SPARK/python"
    quietly /usr/bin/python3 -m pip --python "$SPARK/python/bin/python" install --no-deps \
      --no-warn-script-location -r "$SPARK_PINS"
    cp "$SPARK_PINS" "$SPARK/"
  fi
  exec 9>&-
fi
