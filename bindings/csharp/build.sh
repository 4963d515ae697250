#!/usr/bin/env bash
# Builds the C# binding with Mono's mcs (no .NET SDK needed); used by
# BUILD.bazel and by hand. LibUid2.csproj builds the same sources with
# `dotnet build` where a .NET SDK exists.
#
#   build.sh lib      OUT.dll [VERSION]          LibUid2.dll (+ OUT.xml docs), its assembly
#                                                versions VERSION (default: libuid2's, from go/)
#   build.sh tests    LIB.dll OUT.exe            the test runner, with README.md's examples
#   build.sh bench    LIB.dll OUT.exe            the benchmark
#   build.sh nupkg    LIB.dll LIBUID2.so OUT.nupkg [VERSION]
#   build.sh consumer NUPKG OUTDIR               unpack NUPKG into OUTDIR/pkg and build
#                                                OUTDIR/Consumer.exe against pkg/lib/ only
#   build.sh all      OUTDIR [LIBUID2.so]        everything above into OUTDIR (builds
#                                                libuid2.so from capi/ with go if not given)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MCS=${MCS:-mcs}
MCSFLAGS=(-unsafe -optimize+ -nologo -warnaserror+ -nowarn:1591,1573)

version_from_go() {
  sed -n 's/^const Version = "\(.*\)"$/\1/p' "$here/../../go/uid2/client.go" | head -1
}

# README.md's examples (a ```csharp block after "<!-- example: NAME -->"), each as it is written,
# as the body of ReadmeExamples.NAME(endpoint, authKey, secretKey, token, domain): ReadmeTests runs them.
readme_examples() {
  awk '
    /^<!-- example: [A-Za-z]+ -->$/ { name = $3; next }
    name != "" && /^```csharp$/ { inside = 1; body = body "        internal static void " name \
        "(string endpoint, string authKey, string secretKey, string token, string domain)\n        {\n"; next }
    inside && /^```$/ { inside = 0; name = ""; body = body "        }\n"; next }
    inside && /^using [A-Za-z0-9.]+;$/ { usings[$0] = 1; next }
    inside { body = body "            " $0 "\n" }
    END {
      for (u in usings) print u
      print "namespace LibUid2.Tests\n{\n#pragma warning disable 618 // the legacy example uses the deprecated client, as its users do"
      print "    internal static class ReadmeExamples\n    {\n" body "    }\n}"
    }' "$1"
}

abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

cmd=${1:-}
shift || true
case "$cmd" in
  lib)
    out=$(abs "$1"); version=${2:-$(version_from_go)}
    [ -n "$version" ] || { echo "build.sh: no version" >&2; exit 1; }
    mkdir -p "$(dirname "$out")"
    # The version attributes `dotnet build` writes from the csproj's <Version>.
    info=$(mktemp "${TMPDIR:-/tmp}/libuid2-assemblyinfo.XXXXXX.cs")
    trap 'rm -f "$info"' EXIT
    printf '%s\n' \
      "[assembly: System.Reflection.AssemblyVersion(\"$version.0\")]" \
      "[assembly: System.Reflection.AssemblyFileVersion(\"$version.0\")]" \
      "[assembly: System.Reflection.AssemblyInformationalVersion(\"$version\")]" \
      "[assembly: System.Reflection.AssemblyProduct(\"libuid2\")]" \
      "[assembly: System.Reflection.AssemblyTitle(\"LibUid2\")]" > "$info"
    "$MCS" "${MCSFLAGS[@]}" -target:library -out:"$out" -doc:"${out%.dll}.xml" "$here"/src/LibUid2/*.cs "$info"
    ;;
  tests)
    examples=$(mktemp "${TMPDIR:-/tmp}/libuid2-readme.XXXXXX.cs")
    trap 'rm -f "$examples"' EXIT
    readme_examples "$here/README.md" > "$examples"
    "$MCS" "${MCSFLAGS[@]}" -target:exe -out:"$(abs "$2")" -r:"$(abs "$1")" -r:System.Core -r:System.IO.Compression -r:System.IO.Compression.FileSystem -r:System.Xml.Linq -r:System.Xml "$here"/tests/*.cs "$examples"
    ;;
  bench)
    "$MCS" "${MCSFLAGS[@]}" -target:exe -out:"$(abs "$2")" -r:"$(abs "$1")" -r:System.Core "$here"/bench/*.cs
    ;;
  nupkg)
    lib=$(abs "$1"); so=$(abs "$2"); out=$(abs "$3"); version=${4:-$(version_from_go)}
    [ -n "$version" ] || { echo "build.sh: no version" >&2; exit 1; }
    stage=$(mktemp -d "${TMPDIR:-/tmp}/libuid2-nupkg.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
    mkdir -p "$stage/lib/netstandard2.0" "$stage/runtimes/linux-x64/native" "$stage/_rels"
    cp "$lib" "$stage/lib/netstandard2.0/LibUid2.dll"
    [ -f "${lib%.dll}.xml" ] && cp "${lib%.dll}.xml" "$stage/lib/netstandard2.0/LibUid2.xml"
    cp "$so" "$stage/runtimes/linux-x64/native/libuid2.so"
    cp "$here/README.md" "$stage/README.md"
    cp "$here/LICENSE.txt" "$stage/LICENSE.txt"
    sed "s/@VERSION@/$version/g" "$here/LibUid2.nuspec" > "$stage/LibUid2.nuspec"
    cp "$here/packaging/[Content_Types].xml" "$stage/[Content_Types].xml"
    cp "$here/packaging/rels.xml" "$stage/_rels/.rels"
    # Reproducible: fixed order and timestamps (zip cannot store times before 1980).
    find "$stage" -exec touch -h -t 198001010000 {} +
    rm -f "$out"
    (cd "$stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | zip -q -X -D "$out" -@)
    ;;
  consumer)
    nupkg=$(abs "$1"); outdir=$(abs "$2")
    rm -rf "$outdir/pkg"
    mkdir -p "$outdir/pkg"
    (cd "$outdir/pkg" && unzip -q "$nupkg")
    # Compiled against lib/ only: the package's managed assembly, nothing from this tree's build.
    "$MCS" "${MCSFLAGS[@]}" -target:exe -out:"$outdir/Consumer.exe" \
      -r:"$outdir/pkg/lib/netstandard2.0/LibUid2.dll" -r:System.Core "$here"/consumer/*.cs "$here"/tests/Json.cs
    ;;
  all)
    outdir=$(abs "$1"); so=${2:-}
    mkdir -p "$outdir"
    if [ -z "$so" ]; then
      so="$outdir/libuid2.so"
      (cd "$here/../../capi" && CGO_LDFLAGS_ALLOW='-Wl,.*' go build -buildmode=c-shared -o "$so" .)
      rm -f "$outdir/libuid2.h"
    fi
    so=$(abs "$so")
    "$0" lib "$outdir/LibUid2.dll" "$(version_from_go)"
    "$0" tests "$outdir/LibUid2.dll" "$outdir/LibUid2.Tests.exe"
    "$0" bench "$outdir/LibUid2.dll" "$outdir/LibUid2.Bench.exe"
    "$0" nupkg "$outdir/LibUid2.dll" "$so" "$outdir/LibUid2.$(version_from_go).nupkg"
    "$0" consumer "$outdir/LibUid2.$(version_from_go).nupkg" "$outdir/consumer"
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
