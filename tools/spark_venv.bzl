"""spark_venv: the PySpark virtual environment that tools/bootstrap.sh installed, as a repository.

tools/bootstrap.sh installs the PySpark pinned in tests/spark/requirements.txt (with pyarrow,
pandas < 3 and pytest) once into ~/.cache/libuid2/spark (or $LIBUID2_CACHE/spark), and copies the
pin file there last. This rule downloads nothing: it checks that copy against the checked-in pin
file -- otherwise the cache is missing or stale, and it fails saying to run tools/bootstrap.sh --
and links the cache in:

  @spark_venv//:python       python/bin/python (the venv's interpreter: the Spark driver, the
                             Python workers and pytest)
  @spark_venv//:python/pyvenv.cfg, :requirements.txt
                             what says which venv it is (the tests run the venv in place,
                             through the real path of pyvenv.cfg; the pin file's copy changes
                             when it is reinstalled)
  @spark_venv//:jars         pyspark's bundled Spark jars (Spark 4.x, Scala 2.13): the classpath
                             the JVM artifact compiles against and runs on
"""

load("//tools:official_sdks.bzl", "checked_cache")

_BUILD = """\
package(default_visibility = ["//visibility:public"])

alias(
    name = "python",
    actual = "python/bin/python",
)

exports_files(["python/bin/python", "python/pyvenv.cfg", "requirements.txt"])

filegroup(
    name = "jars",
    srcs = glob(["python/lib/python3*/site-packages/pyspark/jars/*.jar"]),
)
"""

def _spark_venv_impl(ctx):
    root = checked_cache(ctx, "spark", [ctx.attr.pins], "PySpark")
    ctx.symlink(root.get_child("python"), "python")
    ctx.symlink(root.get_child(ctx.attr.pins.name), "requirements.txt")
    ctx.file("BUILD.bazel", _BUILD)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

spark_venv = repository_rule(
    implementation = _spark_venv_impl,
    attrs = {
        "pins": attr.label(
            allow_single_file = True,
            doc = "the pin file whose copy in the cache says what it holds",
        ),
    },
    environ = ["HOME", "LIBUID2_CACHE"],
    local = True,
)
