#!/usr/bin/env bash
# libuid2's demo (README): UID2 sharing from start to end, then a publisher's
# tokens in the bid stream and an advertiser's identity map, in every
# language, against a local key service.
#
# Installs what the build needs (tools/bootstrap.sh), then `bazel run
# //tools/demo:demo`: Bazel builds libuid2.so, the uid2 command (its `serve`
# is the key service) and the conformance driver of every language, and runs
# tools/demo/run.py with their paths — the same script, with the same
# arguments, as the test //tools/demo:demo_test. run.py tells the story and
# prints a table of who decrypted what; it exits non-zero if any cell differs
# from the expected outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
exec bazel run //tools/demo:demo
