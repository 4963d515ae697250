"""Installed by the libuid2 wheel beside the package and run at interpreter
start by its ``libuid2-import-guard.pth``: makes ``import libuid2`` find the
package when a loose ``libuid2.so`` (the C library) sits in a directory that
comes earlier on ``sys.path``, such as a script's own directory. Python would
take that file for an extension module named ``libuid2`` and fail with
"dynamic module does not define module export function (PyInit_libuid2)".

It acts only on ``import libuid2``, and only when the first match on
``sys.path`` is such a file: it skips it with a warning and takes the package.
"""

import importlib.machinery
import sys
import warnings


class LooseLibraryFinder:
    """A meta path finder for the top-level name ``libuid2`` only."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "libuid2" or path is not None:
            return None
        skipped = []
        for entry in sys.path:
            spec = importlib.machinery.PathFinder.find_spec(name, [entry])
            if spec is None:
                continue
            if not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
                if skipped:
                    warnings.warn(
                        "libuid2: ignoring " + ", ".join(skipped) + ", a loose copy of the C library on "
                        "sys.path (Python would take it for a module named libuid2); using the package "
                        "at " + str(spec.origin) + ". Move the file out of directories on sys.path, "
                        "or point UID2_LIBRARY_PATH at it where it is.",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                return spec
            if not skipped and spec.origin and not spec.origin.endswith("libuid2.so"):
                return None  # a real extension module of that name: not ours to judge
            skipped.append(str(spec.origin))
        return None


if LooseLibraryFinder not in sys.meta_path:
    sys.meta_path.insert(0, LooseLibraryFinder)
