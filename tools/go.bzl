"""Project wrappers around rules_go, used through gazelle's map_kind (see the
root BUILD.bazel) so that regenerated BUILD files keep them."""

load("@io_bazel_rules_go//go:def.bzl", _go_test = "go_test")

def go_test(name, data = [], **kwargs):
    """go_test that can always read the conformance vectors.

    Go tests open ../../tests/vectors/*.json (relative to their package
    directory). rules_go runs a test in its package directory inside the
    runfiles tree, so that path works once //tests/vectors is in data.
    """
    if "//tests/vectors" not in data:
        data = data + ["//tests/vectors"]
    _go_test(name = name, data = data, **kwargs)
