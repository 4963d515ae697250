#!/usr/bin/env bash
# Test: every Go source file of go/ and capi/ is as gofmt writes it, so that
# reviews and diffs never carry formatting noise. Fix: gofmt -w go capi.
#
# Arguments: the WORKSPACE file (through which it finds the source tree, so
# it is tagged "external", never cached), then the Go SDK's tool files, among
# them bin/gofmt (the SDK that builds the code, not whatever is on PATH).
set -euo pipefail
ws=$(readlink -f "$1")
shift
gofmt=
for f in "$@"; do
  case "$f" in */bin/gofmt) gofmt=$(readlink -f "$f") ;; esac
done
[ -n "$gofmt" ] || { echo "FAIL: no bin/gofmt among the Go SDK's tools"; exit 1; }
cd "$(dirname "$ws")"
bad=$("$gofmt" -l go capi)
if [ -n "$bad" ]; then
  echo "FAIL: not gofmt-formatted (run gofmt -w go capi):"
  echo "$bad"
  exit 1
fi
echo "OK: every .go file under go/ and capi/ is gofmt-formatted"
