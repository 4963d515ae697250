#!/usr/bin/env bash
# Runs a command with a deadline, and turns a hang into a failure with thread
# dumps: past the deadline the command gets SIGQUIT (the JVM and Mono install
# their own handler and print every thread's stack; other programs ignore it,
# as bash starts a background command with SIGQUIT ignored), then gdb prints
# the native backtrace of every thread when gdb is installed, then the
# command is killed.
#
#   tools/watchdog.sh SECONDS COMMAND [ARG...]
#
# Exits with the command's status, or 124 after a hang.
set -uo pipefail
limit=$1
shift
"$@" &
pid=$!
deadline=$((SECONDS + limit))
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "watchdog: '$*' still running after ${limit} s: thread dumps follow" >&2
    kill -QUIT "$pid" 2>/dev/null
    sleep 5
    if command -v gdb >/dev/null 2>&1; then
      timeout 60 gdb -p "$pid" -batch -nx -ex "set pagination off" -ex "thread apply all bt 40" >&2 2>&1
    else
      echo "watchdog: gdb is not installed; no native backtraces" >&2
    fi
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "watchdog: killed after ${limit} s (hang)" >&2
    exit 124
  fi
  sleep 1
done
wait "$pid"
