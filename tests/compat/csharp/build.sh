#!/usr/bin/env bash
# Builds the C# compat checks with Mono's mcs:
#   build.sh LIBUID2.DLL OUT.exe
# The code of samples/ is written for the official UID2.Client; the one change made to it here is
# the namespace of its using directives (UID2.Client -> LibUid2), and a sample that names
# UID2.Client anywhere else but in a comment fails the build. Obsolete warnings stay warnings, as for users.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shared="$here/../../../bindings/csharp/tests"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
lib=$(abs "$1"); out=$(abs "$2")
stage=$(mktemp -d "${TMPDIR:-/tmp}/libuid2-compat.XXXXXX")
trap 'rm -rf "$stage"' EXIT
for f in "$here"/samples/*.cs; do
  sed 's/^using UID2\.Client;$/using LibUid2;/' "$f" > "$stage/$(basename "$f")"
  if grep -v '^ *//' "$stage/$(basename "$f")" | grep 'UID2\.Client'; then
    echo "build.sh: $(basename "$f") names UID2.Client beyond its using directive" >&2
    exit 1
  fi
done
${MCS:-mcs} -nologo -optimize+ -nowarn:618 -target:exe -main:Compat.Harness -out:"$out" -r:"$lib" -r:System.Core \
  "$stage"/*.cs "$here"/Harness.cs "$here"/ApiTable.cs "$shared"/Assert.cs "$shared"/Support.cs "$shared"/Json.cs
