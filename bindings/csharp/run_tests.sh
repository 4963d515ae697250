#!/usr/bin/env bash
# Bazel's //bindings/csharp:test (sh_test). Runs in the runfiles root:
#   run_tests.sh TESTS_EXE LIBUID2_SO UID2_CLI NUPKG BUILD_SH   (UID2_CLI: the uid2 command)
# Unpacks the .nupkg and builds the consumer against its lib/ only (under
# $TEST_TMPDIR), then runs the test runner, whose last line is "N passed, N failed".
set -euo pipefail
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
tests_exe=$(absolute "$1")
export UID2_LIBRARY_PATH=$(absolute "$2")
export UID2_CLI=$(absolute "$3")
export UID2_NUPKG=$(absolute "$4")
build_sh=$(absolute "$5")
export UID2_VECTORS_DIR="$PWD/tests/vectors"
export UID2_CONSUMER_DIR="${TEST_TMPDIR:-$(mktemp -d)}/consumer"
# Mono's signal-based suspend (hybrid, the default, and preemptive) deadlocks with Go.
export MONO_THREADS_SUSPEND=coop
"$build_sh" consumer "$UID2_NUPKG" "$UID2_CONSUMER_DIR"
cd "${TEST_TMPDIR:-/tmp}"
exec mono --debug "$tests_exe"
