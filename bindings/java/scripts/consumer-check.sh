#!/usr/bin/env bash
# Compiles src/consumer/Consumer.java against JAR alone, in a fresh temporary directory outside the
# source tree, and runs it with nothing but the jar on the class path (no java.library.path, no
# UID2_LIBRARY_PATH): the jar must carry and load its native library itself.
# Usage: consumer-check.sh JAR [Consumer.java]
set -euo pipefail
jar=$(readlink -f "${1:?usage: consumer-check.sh JAR [Consumer.java]}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=${2:-$(dirname "$0")/../src/consumer/Consumer.java}
cp "$src" "$tmp/Consumer.java"
cd "$tmp"
javac -cp "$jar" -d . Consumer.java
env -u UID2_LIBRARY_PATH -u LD_LIBRARY_PATH java -cp "$jar:." Consumer
