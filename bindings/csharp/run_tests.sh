#!/usr/bin/env bash
# Bazel's //bindings/csharp:test and :stress_test (sh_test). Runs in the runfiles root:
#   run_tests.sh TESTS_EXE LIBUID2_SO UID2_CLI WATCHDOG LIMIT [--consumer NUPKG BUILD_SH] [RUNNER_ARGS...]
# (UID2_CLI: the uid2 command.) With --consumer, unpacks the .nupkg and builds the consumer
# against its lib/ only (under $TEST_TMPDIR) first. Then runs the test runner (last line
# "N passed, N failed") under Mono's default thread suspend, killed with thread dumps if it runs
# longer than LIMIT seconds.
set -euo pipefail
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
tests_exe=$(absolute "$1")
export UID2_LIBRARY_PATH=$(absolute "$2")
export UID2_CLI=$(absolute "$3")
watchdog=$(absolute "$4")
limit=$5
shift 5
export UID2_VECTORS_DIR="$PWD/tests/vectors"
if [ "${1:-}" = "--consumer" ]; then
  export UID2_NUPKG=$(absolute "$2")
  export UID2_CONSUMER_DIR="${TEST_TMPDIR:-$(mktemp -d)}/consumer"
  "$(absolute "$3")" consumer "$UID2_NUPKG" "$UID2_CONSUMER_DIR"
  shift 3
fi
unset MONO_THREADS_SUSPEND
cd "${TEST_TMPDIR:-/tmp}"
exec "$watchdog" "$limit" mono --debug "$tests_exe" "$@"
