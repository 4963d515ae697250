#!/bin/sh
# Builds libuid2.so without Bazel: go build in c-shared mode, linked with the
# SONAME that carries the ABI major version and the version script that
# exports only the uid2_* symbols (cgo refuses these linker flags in #cgo
# directives, so they are passed here), without the Go symbol table and
# DWARF (-s -w: 9.7 MB -> about 4 MB). Usage: capi/build.sh [OUT]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/libuid2.so}
cd "$here"
exec go build -buildmode=c-shared -trimpath \
  -ldflags "-s -w -extldflags '-Wl,-soname,libuid2.so.1 -Wl,--version-script=$here/uid2.map'" \
  -o "$out" .
