#!/usr/bin/env bash
# Builds and runs the C# binding's tests by hand (Bazel runs the same runner
# through BUILD.bazel). Closes with the runner's "N passed, N failed".
#
#   bindings/csharp/test.sh [runner args: test-name substrings]
#
# Uses, when set: LIBUID2_SO (a built libuid2.so; else built from capi/ with go),
# UID2_CLI (the uid2 command, for its key service; else built from go/cmd/uid2), UID2_VECTORS_DIR
# (else tests/vectors), UID2_STRESS_SECONDS (default 10), OUT (build folder;
# else a temporary one).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/libuid2-csharp.XXXXXX")}
mkdir -p "$out"

so=${LIBUID2_SO:-}
if [ -z "$so" ]; then
  so="$out/libuid2.so"
  (cd "$root/capi" && CGO_LDFLAGS_ALLOW='-Wl,.*' go build -buildmode=c-shared -o "$so" . && rm -f "$out/libuid2.h")
fi
if [ -z "${UID2_CLI:-}" ]; then
  (cd "$root/go" && go build -o "$out/uid2" ./cmd/uid2)
  export UID2_CLI="$out/uid2"
fi

"$here/build.sh" all "$out" "$so" >&2
version=$(sed -n 's/^const Version = "\(.*\)"$/\1/p' "$root/go/uid2/client.go" | head -1)

# Mono's default thread suspend (hybrid), as users get it.
unset MONO_THREADS_SUSPEND
export UID2_LIBRARY_PATH="$so"
export UID2_VECTORS_DIR="${UID2_VECTORS_DIR:-$root/tests/vectors}"
export UID2_NUPKG="$out/LibUid2.$version.nupkg"
export UID2_CONSUMER_DIR="$out/consumer"
cd "$out"
exec mono --debug LibUid2.Tests.exe "$@"
