#!/bin/sh
# Runs the Portal's browser tests under the interpreter of the Playwright venv
# (@portal_browser), which is not Bazel's Python toolchain, with the runfiles'
# relative paths made absolute. Usage: run.sh PYTHON
set -eu
for v in UID2_CLI UID2_LIBRARY_PATH LIBUID2_PY_SRC UID2_OFFICIAL_PYTHON UID2_OFFICIAL_DRIVER; do
  eval "p=\${$v}"
  case $p in /*) ;; *) export "$v=$PWD/$p" ;; esac
done
export PYTHONPATH=tests/portal:tests/keyservice
exec "$1" tests/portal/portal_test.py
