"""The conformance drivers for the programs that run them: check.py and the sharing demo (//tools/demo)."""

# Each language's driver: "LANG=PATH" (java: the classpath) -> the labels it needs.
_DRIVERS = {
    "go=$(rootpath //tests/conformance:go_driver)": ["//tests/conformance:go_driver"],
    "c=$(rootpath //tests/conformance:c_driver)": ["//tests/conformance:c_driver"],
    "cpp=$(rootpath //tests/conformance:cpp_driver)": ["//tests/conformance:cpp_driver"],
    "python=$(rootpath //tests/conformance:python_driver)": ["//tests/conformance:python_driver"],
    "java=$(rootpath //tests/conformance:java_driver):$(rootpath //bindings/java:jar)": [
        "//tests/conformance:java_driver",
        "//bindings/java:jar",
    ],
    "csharp=$(rootpath //tests/conformance:csharp/Driver.exe)": [
        "//tests/conformance:csharp/Driver.exe",
        "//tests/conformance:csharp/LibUid2.dll",
    ],
}

# Everything the drivers need at run time.
_DRIVER_DATA = [label for labels in _DRIVERS.values() for label in labels]

def drivers_py(name, main, args, data, test = False, deps = [], **kwargs):
    """A py_binary (py_test if test) running MAIN with ARGS, then every driver as LANG=PATH.

    MAIN imports drivers.py (and DEPS); the drivers are in its data, besides DATA.
    """
    (native.py_test if test else native.py_binary)(
        name = name,
        srcs = [main],
        main = main,
        args = args + _DRIVERS.keys(),
        data = data + _DRIVER_DATA,
        legacy_create_init = False,
        python_version = "PY3",
        deps = ["//tests/conformance:drivers"] + deps,
        **kwargs
    )
