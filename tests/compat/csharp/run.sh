#!/usr/bin/env bash
# //tests/compat/csharp:test (sh_test). Runs in the runfiles root:
#   run.sh COMPAT_EXE LIBUID2_DLL LIBUID2_SO UID2_CLI WATCHDOG LIMIT OFFICIAL_API_TSV DIFFERENCES_TSV
# Runs the compat harness (last line "N passed, N failed") under Mono's default thread suspend,
# with LibUid2.dll found through MONO_PATH, killed with thread dumps after LIMIT seconds.
set -euo pipefail
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
exe=$(absolute "$1")
export MONO_PATH=$(dirname "$(absolute "$2")")
export UID2_LIBRARY_PATH=$(absolute "$3")
export UID2_CLI=$(absolute "$4")
watchdog=$(absolute "$5")
limit=$6
official=$(absolute "$7")
differences=$(absolute "$8")
unset MONO_THREADS_SUSPEND
cd "${TEST_TMPDIR:-/tmp}"
exec "$watchdog" "$limit" mono --debug "$exe" "$official" "$differences"
