#!/usr/bin/env bash
# Runs a Spark test file with pytest in the PySpark virtual environment.
# Usage: run.sh PYVENV_CFG TEST_FILE LIBUID2_SO UID2_CLI [JAR...] [-- PYTEST_ARGS...]
# PYVENV_CFG: the venv's pyvenv.cfg; the venv runs in place, from its real path.
set -euo pipefail
venv=$(dirname "$(readlink -f "$1")")
test=$2
export UID2_LIBRARY_PATH=$PWD/$3 UID2_CLI=$PWD/$4
shift 4
jars=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do jars+=("$PWD/$1"); shift; done
[ $# -gt 0 ] && shift
UID2_JARS=$(IFS=,; echo "${jars[*]-}")
export UID2_JARS
export SPARK_LOCAL_IP=127.0.0.1  # Spark binds to loopback, not the machine's address
export HOME=${TEST_TMPDIR:-$HOME}  # Spark and Ivy write under HOME
args=(-p no:cacheprovider -q -rs)
[ -n "${XML_OUTPUT_FILE:-}" ] && args+=("--junitxml=$XML_OUTPUT_FILE")
[ -n "${TEST_TMPDIR:-}" ] && args+=(--basetemp "$TEST_TMPDIR/pytest")
exec "$venv/bin/python" -m pytest "${args[@]}" "$PWD/$test" "$@"
