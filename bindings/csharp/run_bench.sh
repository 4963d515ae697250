#!/usr/bin/env bash
# bazel run //bindings/csharp:bench -- [seconds-per-run] [runs]
set -euo pipefail
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
bench_exe=$(absolute "$1")
export UID2_LIBRARY_PATH=$(absolute "$2")
shift 2
exec mono "$bench_exe" "$@"
