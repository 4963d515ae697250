"""official_sdks: the official UID2 SDKs that tools/bootstrap.sh installed, as a repository.

tools/bootstrap.sh fetches the pinned official Python SDK (a virtual environment) and Java
SDK (jars, resolved through Maven) once into ~/.cache/libuid2/official-sdks (or
$LIBUID2_CACHE/official-sdks), and copies the pin files there last. This rule downloads
nothing: it checks that those copies equal the checked-in pin files -- otherwise the cache is
missing or stale, and it fails saying to run tools/bootstrap.sh -- and links the cache in:

  @official_sdks//:python_venv      every file of the venv (the interpreter is python/bin/python)
  @official_sdks//:python           python/bin/python
  @official_sdks//:java_classpath   every jar: the SDK and its runtime dependencies
  @official_sdks//:uid2_client_jar  the SDK's jar alone; @official_sdks//:gson_jar, Gson's
"""

# A virtual environment linked in as python/: :python, its interpreter, and :python_venv, its
# files (tools/portal_browser.bzl uses it too).
VENV_BUILD = """\
package(default_visibility = ["//visibility:public"])

exports_files(["python/bin/python"])

alias(
    name = "python",
    actual = "python/bin/python",
)

# lib64 is a link to lib; byte code is not an input (the venv holds what pip compiled).
filegroup(
    name = "python_venv",
    srcs = glob(
        ["python/**"],
        exclude = ["python/lib64/**", "**/__pycache__/**"],
    ),
)
"""

_BUILD = VENV_BUILD + """
filegroup(
    name = "java_classpath",
    srcs = glob(["java/*.jar"]),
)

filegroup(
    name = "uid2_client_jar",
    srcs = ["java/{uid2_client}"],
)

filegroup(
    name = "gson_jar",
    srcs = ["java/{gson}"],
)
"""

def checked_cache(ctx, subdir, pins, what):
    """The cache folder subdir that tools/bootstrap.sh filled, after checking that the copy of
    each pin file there equals the checked-in one; fails saying to run bootstrap otherwise.
    (tools/portal_browser.bzl and tools/spark_venv.bzl use it too.)"""
    env = ctx.os.environ
    cache = env.get("LIBUID2_CACHE") or (env.get("HOME", "") + "/.cache/libuid2")
    root = ctx.path(cache + "/" + subdir)
    for pin in pins:
        copy = root.get_child(pin.name)
        if not copy.exists or ctx.read(copy) != ctx.read(pin):
            fail("%s holds no %s installed from the current %s (missing or stale): run tools/bootstrap.sh" %
                 (root, what, pin.name))
    return root

def _one_jar(jars, prefix, root):
    found = [j for j in jars if j.startswith(prefix) and j[len(prefix)].isdigit()]
    if len(found) != 1:
        fail("expected one %s*.jar in %s, found %s (run tools/bootstrap.sh)" % (prefix, root, found))
    return found[0]

def _official_sdks_impl(ctx):
    root = checked_cache(ctx, "official-sdks", ctx.attr.pins, "official SDKs")
    for d in ["python", "java"]:
        ctx.symlink(root.get_child(d), d)
    jars = [f.basename for f in root.get_child("java").readdir() if f.basename.endswith(".jar")]
    ctx.file("BUILD.bazel", _BUILD.format(
        uid2_client = _one_jar(jars, "uid2-client-", root),
        gson = _one_jar(jars, "gson-", root),
    ))
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

official_sdks = repository_rule(
    implementation = _official_sdks_impl,
    attrs = {
        "pins": attr.label_list(
            allow_files = True,
            doc = "the pin files whose copies in the cache say what it holds",
        ),
    },
    environ = ["HOME", "LIBUID2_CACHE"],
    local = True,
)
