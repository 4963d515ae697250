#!/usr/bin/env bash
# Test: every Go source file of go/ and capi/ is named in its directory's
# BUILD.bazel, so that `bazel test //...` builds and runs all of them. A new
# package or test file without a BUILD entry would otherwise be silently
# skipped by Bazel. Fix: run tools/gazelle.sh and commit the BUILD files.
#
# It reads the source tree itself (found through the WORKSPACE symlink in its
# runfiles), so it is tagged "external" (never cached).
set -euo pipefail
ws=$(readlink -f "${1:-WORKSPACE}")
root=$(dirname "$ws")
cd "$root"
bad=0
while IFS= read -r dir; do
  build="$dir/BUILD.bazel"
  for f in "$dir"/*.go; do
    base=$(basename "$f")
    # files that no build includes
    if grep -qE '^//go:build (ignore|none)$' "$f"; then continue; fi
    if [ ! -f "$build" ]; then
      echo "missing $build (for $f)"; bad=1; break
    fi
    if ! grep -q "\"$base\"" "$build"; then
      echo "$f is not in $build"; bad=1
    fi
  done
done < <(find go capi -name '*.go' -not -path '*/testdata/*' -not -path '*/vendor/*' -printf '%h\n' 2>/dev/null | sort -u)
if [ $bad -ne 0 ]; then
  echo "FAIL: BUILD files are out of date: run tools/gazelle.sh and commit the BUILD.bazel files"
  exit 1
fi
echo "OK: every .go file under go/ and capi/ is in a BUILD.bazel"
