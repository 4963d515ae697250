"""Entry point of the Bazel py_test: runs this directory's pytest suite."""

import os
import sys

import pytest

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    # Bazel gives each test a private TEST_TMPDIR; keep pytest's files there.
    tmp = os.environ.get("TEST_TMPDIR")
    args = [here, "-p", "no:cacheprovider", "-q", "-ra"]
    if tmp:
        args += ["--basetemp", os.path.join(tmp, "pytest")]
    sys.exit(pytest.main(args + sys.argv[1:]))
