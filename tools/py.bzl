"""pytest_test: a py_test that runs one pytest file under Debian's python3."""

def pytest_test(name, test, srcs = [], data = [], env_paths = {}, args = [], **kwargs):
    """Runs `pytest TEST` in the test's runfiles.

    Args:
      name: target name.
      test: the test file (e.g. "tests/test_api.py").
      srcs: other .py files the test imports (conftest.py, the package).
      data: runtime files (libraries, binaries, vectors).
      env_paths: {ENV_NAME: label}; the test sees ENV_NAME set to the
        absolute path of that label's (single) file. The label must be in data.
      args: extra pytest arguments.
      **kwargs: passed to py_test (size, tags, timeout, ...).
    """
    native.py_test(
        name = name,
        srcs = ["//tools:pytest_main.py", test] + srcs,
        main = "//tools:pytest_main.py",
        python_version = "PY3",
        # no generated __init__.py files in the runfiles: pytest must see the
        # test directory as a plain directory (so `from conftest import ...`
        # works as it does outside Bazel)
        legacy_create_init = False,
        data = data,
        args = ["--env=%s=$(rootpath %s)" % (k, v) for k, v in sorted(env_paths.items())] +
               ["$(rootpath %s)" % test] + args,
        **kwargs
    )
