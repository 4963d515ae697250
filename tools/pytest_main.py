"""Entry point of the project's Bazel py_tests (see tools/py.bzl).

Usage: pytest_main.py [--env=NAME=RUNFILES_PATH ...] TEST_FILE [pytest args]
Each --env sets NAME to the absolute path of a runfiles-relative path (Bazel
runs a test with the runfiles root of the workspace as working directory),
then pytest runs TEST_FILE. pytest's own exit status is the test's.
"""
import os
import sys

import pytest


def main(argv):
    args = []
    for a in argv:
        if a.startswith("--env="):
            name, _, value = a[len("--env="):].partition("=")
            os.environ[name] = os.path.abspath(value) if value else ""
        else:
            args.append(a)
    # no .pytest_cache in the (read-only) runfiles; JUnit XML for Bazel
    extra = ["-p", "no:cacheprovider", "-q", "-rs"]
    xml = os.environ.get("XML_OUTPUT_FILE")
    if xml:
        extra.append("--junitxml=" + xml)
    return pytest.main(extra + args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
