#!/usr/bin/env bash
# Runs JUnit 5 tests with the console launcher (Bazel's //bindings/java:test and stress targets).
# Usage: junit-test.sh JAR TEST_JAR UID2_CLI JUNIT_CONSOLE_STANDALONE_JAR WATCHDOG LIMIT FAULT_JNI
#          [LAUNCHER_ARGS...]
# UID2_CLI is the uid2 command. LAUNCHER_ARGS select the tests (default: the whole io.libuid2
# package). The run is killed with thread dumps after LIMIT seconds. FAULT_JNI is the test-only JNI
# library of FaultTest. UID2_STRESS_SECONDS, when set, is how long SignalStressTest's children run.
# Run from the root of a tree that has tests/vectors and capi/uid2.h (Bazel's runfiles).
set -euo pipefail
jar=$(readlink -f "$1")
tests=$(readlink -f "$2")
export UID2_CLI=$(readlink -f "$3")
junit=$4
watchdog=$(readlink -f "$5")
limit=$6
fault_jni=$(readlink -f "$7")
shift 7
[ $# -gt 0 ] || set -- --select-package io.libuid2
unset UID2_LIBRARY_PATH
scratch=${TEST_TMPDIR:-$(mktemp -d)}
props=(-Duid2.repoRoot="$PWD" -Duid2.scratch="$scratch" -Duid2.faultjni="$fault_jni")
[ -z "${UID2_STRESS_SECONDS:-}" ] || props+=(-Duid2.stress.seconds="$UID2_STRESS_SECONDS")
exec "$watchdog" "$limit" java "${props[@]}" -cp "$tests:$jar:$junit" \
  org.junit.platform.console.ConsoleLauncher --disable-banner --disable-ansi-colors --details=tree \
  --fail-if-no-tests "$@"
