"""Macros for the two builds of libuid2.so in capi/BUILD.bazel (plain and
with the C side under AddressSanitizer) and their C ABI tests."""

def soname_import(name, library, out, visibility = None):
    """libuid2 copied under its SONAME (out, e.g. libuid2.so.1) as a cc_import.

    A cc_test or cc_binary depending on it gets NEEDED libuid2.so.1, which
    resolves through Bazel's _solib RUNPATH.
    """
    native.genrule(
        name = name + "_soname",
        srcs = [library],
        outs = [out],
        cmd = "cp $< $@",
    )
    native.cc_import(
        name = name,
        hdrs = ["uid2.h"],
        shared_library = out,
        visibility = visibility,
    )

def capi_test(name, library, copts = [], linkopts = [], env = {}):
    """The C ABI tests (GoogleTest, test/*_test.cc, with C helpers in test/*.c) against library."""
    test_env = {
        "UID2_CLI": "$(rootpath //go/cmd/uid2)",
        "UID2_VECTORS": "tests/vectors",
    }
    test_env.update(env)
    native.cc_test(
        name = name,
        size = "medium",
        srcs = native.glob(["test/*_test.cc", "test/*.c"], exclude = [
            "test/host_test.c",
            "test/mono_host_test.c",
        ]),
        copts = ["-iquote", "capi"] + copts,
        linkopts = linkopts,
        data = [
            "//go/cmd/uid2",
            "//tests/vectors",
        ],
        env = test_env,
        deps = [
            library,
            "//tests/keyservice:key_service",
            "//third_party:gtest_main",
        ],
    )
