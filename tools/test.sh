#!/usr/bin/env bash
# Runs every test of libuid2 with Bazel, offline (after tools/bootstrap.sh).
#
#   tools/test.sh                 # all tests: bazel test //...
#   tools/test.sh //go/...        # a subset (any bazel target patterns)
#
# Prints its own last line `N passed, N failed`, counting test TARGETS from
# Bazel's per-target summary. FAILED, TIMEOUT, NO STATUS, FAILED TO BUILD,
# INCOMPLETE count as failed. Exits non-zero on any failure or when no test ran.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(//...)

startup=()
extra=()
if [ "${CI:-}" = "true" ]; then
  # CI runs in a fresh clone: let its Bazel server go away soon after, and
  # keep the log short.
  startup+=(--max_idle_secs=60)
  extra+=(--show_progress_rate_limit=30 --curses=no --color=no)
fi

log=$(mktemp "${TMPDIR:-/tmp}/libuid2-test.XXXXXX")
trap 'rm -f "$log"' EXIT

bazel "${startup[@]}" test --keep_going "${extra[@]}" -- "${targets[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Per-target summary lines, e.g.
#   //go/token:token_test     PASSED in 0.3s
#   //go/keys:keys_test       (cached) PASSED in 0.2s
#   //capi:abi_test           FAILED TO BUILD
#   //bindings/python:test    NO STATUS
read -r passed failed < <(awk '
  $1 ~ /^(\/\/|@)/ {
    line = $0
    sub(/^[^ \t]+[ \t]+/, "", line)
    sub(/^\(cached\) /, "", line)
    if (line ~ /^(PASSED|FLAKY)( |$)/) p++
    else if (line ~ /^(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|REMOTE FAILURE|FAILED TO BUILD)( |$)/) f++
  }
  END { printf "%d %d\n", p + 0, f + 0 }' "$log")

status=0
if [ "$failed" -gt 0 ]; then
  status=1
elif [ "$rc" -ne 0 ]; then
  # e.g. a non-test target failed to build, or no test targets matched
  echo "bazel exited with status $rc"
  [ "$passed" -gt 0 ] && failed=1
  status=1
elif [ "$passed" -eq 0 ]; then
  echo "no test ran"
  status=1
fi
echo "$passed passed, $failed failed"
exit $status
