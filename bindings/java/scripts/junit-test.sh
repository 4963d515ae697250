#!/usr/bin/env bash
# Runs the JUnit 5 suite with the console launcher (Bazel's //bindings/java:test).
# Usage: junit-test.sh JAR TEST_JAR UID2_CLI JUNIT_CONSOLE_STANDALONE_JAR   (UID2_CLI: the uid2 command)
# Run from the root of a tree that has tests/vectors and capi/uid2.h (Bazel's runfiles).
set -euo pipefail
jar=$(readlink -f "$1")
tests=$(readlink -f "$2")
export UID2_CLI=$(readlink -f "$3")
junit=$4
unset UID2_LIBRARY_PATH
scratch=${TEST_TMPDIR:-$(mktemp -d)}
exec java -Duid2.repoRoot="$PWD" -Duid2.scratch="$scratch" -cp "$tests:$jar:$junit" \
  org.junit.platform.console.ConsoleLauncher --disable-banner --disable-ansi-colors --details=tree \
  --fail-if-no-tests --select-package io.libuid2
