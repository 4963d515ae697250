#!/usr/bin/env bash
# Runs the Java compatibility tests (//tests/compat/java:test) with the JUnit 5 console launcher.
# Usage: run.sh JAR TESTS_JAR LIBUID2_TESTS_JAR SAMPLES_JAR JUNIT UID2_CLI WATCHDOG OFFICIAL_JAR [CLASSPATH_JARS...]
# JAR is libuid2's jar; TESTS_JAR this directory's tests; LIBUID2_TESTS_JAR the binding's test fixtures
# (the local key service); SAMPLES_JAR the samples renamed to io.libuid2; OFFICIAL_JAR the official
# uid2-client jar and CLASSPATH_JARS its dependencies (both may be absent: "" and nothing).
# Run from the root of a tree that has tests/compat/java (Bazel's runfiles).
set -euo pipefail
jar=$(readlink -f "$1")
tests=$(readlink -f "$2")
fixtures=$(readlink -f "$3")
samples=$(readlink -f "$4")
junit=$(readlink -f "$5")
export UID2_CLI=$(readlink -f "$6")
watchdog=$(readlink -f "$7")
official=${8:+$(readlink -f "$8")}
shift 8
cp="$tests:$samples:$fixtures:$jar:$junit"
for j in "$@"; do cp="$cp:$(readlink -f "$j")"; done
unset UID2_LIBRARY_PATH
scratch=${TEST_TMPDIR:-$(mktemp -d)}
exec "$watchdog" 300 java -Duid2.repoRoot="$PWD" -Duid2.scratch="$scratch" -Duid2.compat.dir="$PWD/tests/compat/java" \
  -Duid2.jar="$jar" -Duid2.officialJar="$official" -cp "$cp" \
  org.junit.platform.console.ConsoleLauncher --disable-banner --disable-ansi-colors --details=tree \
  --fail-if-no-tests --select-class io.libuid2.CompatSamplesTest --select-class io.libuid2.compat.ApiTableTest
