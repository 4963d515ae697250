"""The conformance drivers as programs to run (README.md, "Driver contract"):
check.py runs them over the vectors and the round trip, and the sharing demo
(tools/demo) runs them against a local key service.

A driver is given as LANG=PATH: the executable; for java the classpath (the
driver's jar and the binding's jar), for csharp Driver.exe.
"""

import os
import subprocess
import time

# Every language has a driver (drivers.bzl passes them all).
LANGUAGES = ("go", "c", "cpp", "python", "java", "csharp")
DRIVER_TIMEOUT = 120


class Driver:
    def __init__(self, lang, path, env):
        self.lang = lang
        if lang == "java":
            classpath = ":".join(os.path.abspath(p) for p in path.split(":"))
            self.argv = ["java", "-Xshare:auto", "-cp", classpath, "io.libuid2.conformance.Driver"]
        elif lang == "csharp":
            self.argv = ["mono", os.path.abspath(path)]
        else:
            self.argv = [os.path.abspath(path)]
        self.env = env
        self.seconds = 0.0

    def run(self, *args, env=None):
        """Runs the driver with args and, added to its environment, env; raises RuntimeError
        (with the end of its output) when it exits non-zero."""
        start = time.monotonic()
        proc = subprocess.run(self.argv + list(args), env=dict(self.env, **(env or {})), capture_output=True,
                              text=True, timeout=DRIVER_TIMEOUT)
        self.seconds += time.monotonic() - start
        if proc.returncode != 0:
            raise RuntimeError("%s driver failed (exit %d): %s\n%s%s" % (
                self.lang, proc.returncode, " ".join(args[:1]), proc.stdout[-1000:], proc.stderr[-1500:]))


def from_specs(specs, libuid2_so):
    """The drivers of LANG=PATH specs, each loading libuid2_so."""
    env = dict(os.environ, UID2_LIBRARY_PATH=os.path.abspath(libuid2_so))
    env.pop("JAVA_TOOL_OPTIONS", None)
    return [Driver(*spec.split("=", 1), env) for spec in specs]
