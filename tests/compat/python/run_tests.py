"""Entry point of the Bazel py_test: runs this directory's pytest files."""

import os
import sys

import pytest

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    args = [here, "-q", "-ra", "-p", "no:cacheprovider"]
    tmp = os.environ.get("TEST_TMPDIR")  # Bazel's private temporary directory
    if tmp:
        args += ["--basetemp", os.path.join(tmp, "pytest")]
    sys.exit(pytest.main(args))
