"""javac_jar: compile Java sources into a jar with the system JDK (no java_tools needed)."""

JAVA_RUNTIME = "@bazel_tools//tools/jdk:current_java_runtime"

CC_TOOLCHAIN = "@bazel_tools//tools/cpp:current_cc_toolchain"

def jni_library(name, src, out, linkopts = "", **kwargs):
    """A genrule: a JNI library compiled from one C file against uid2.h and linked with //capi:libuid2.

    Args:
      name: target name.
      src: the C source.
      out: the .so to write (DT_NEEDED libuid2.so.1, the library's SONAME).
      linkopts: more linker flags.
      **kwargs: passed to genrule.
    """
    native.genrule(
        name = name,
        srcs = [
            src,
            "//capi:uid2.h",
            "//capi:libuid2",
        ],
        outs = [out],
        cmd = " ".join([
            "$(CC) -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror",
            "-I$(JAVABASE)/include -I$(JAVABASE)/include/linux",
            "-I$$(dirname $(location //capi:uid2.h))",
            "-o $@ $(location %s) $(location //capi:libuid2) -Wl,-z,defs" % src,
            linkopts,
        ]),
        toolchains = [
            JAVA_RUNTIME,
            CC_TOOLCHAIN,
        ],
        tools = [
            JAVA_RUNTIME,
            CC_TOOLCHAIN,
        ],
        **kwargs
    )

def javac_jar(name, srcs, out, release = "11", classpath = [], extra_srcs = [], stage = "", manifest = {}, **kwargs):
    """A genrule: javac --release RELEASE SRCS into a staging directory, then jar it into OUT.

    Compiling with --release N checks the sources against the API of Java N (no later class or method can
    be referenced) and writes class files for Java N.

    Args:
      name: target name.
      srcs: a label whose files are the .java sources.
      out: the jar to write.
      release: the Java version of the API and the class files (default 11).
      classpath: labels of jars to compile against.
      extra_srcs: other inputs that `stage` uses.
      stage: shell commands run before jarring, with $$t the staging directory.
      manifest: manifest attributes (name: value) added to the jar's META-INF/MANIFEST.MF.
      **kwargs: passed to genrule.
    """
    cp = ["$(location %s)" % c for c in classpath]
    native.genrule(
        name = name,
        srcs = [srcs] + classpath + extra_srcs,
        outs = [out],
        cmd = "\n".join([
            "set -e",
            "t=$(@D)/%s.tmp" % name,
            "rm -rf $$t && mkdir -p $$t",
            "$(JAVABASE)/bin/javac --release %s -encoding UTF-8 -Xlint:all %s -d $$t $(locations %s)" % (
                release,
                ("-cp " + ":".join(cp)) if cp else "",
                srcs,
            ),
            stage,
            "printf '%s' > $$t.mf" % "".join(["%s: %s\\n" % (k, v) for k, v in manifest.items()]),
            "$(JAVABASE)/bin/jar --create --file $@ --manifest $$t.mf -C $$t .",
            "rm -f $$t.mf",
            "rm -rf $$t",
        ]),
        toolchains = [JAVA_RUNTIME],
        tools = [JAVA_RUNTIME],
        **kwargs
    )
