"""In-tree PEP 517 build backend for the libuid2 wheel (standard library only).

The wheel is a platform wheel: pure-Python code (ctypes, so it is tagged
``py3-none-<platform>``) plus ``libuid2/libuid2.so``. The library is

* taken from ``UID2_PREBUILT_LIBRARY`` (a path) when set, or
* built by ``capi/build.sh`` (``go build -buildmode=c-shared``), found at
  ``../../capi`` in a source checkout or ``_native/capi`` inside an sdist.

The platform tag is ``manylinux_2_<N>_<arch>`` where N is the highest
``GLIBC_2.N`` symbol version the library needs (checked against
``auditwheel show`` by the tests), or ``UID2_WHEEL_PLATFORM`` when set.

Also a command line for Bazel and scripts::

    python3 build_backend.py --library path/to/libuid2.so --out DIR
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.8-3.10 read pyproject.toml with _read_toml
    tomllib = None

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "libuid2"
GUARD = "_libuid2_import_guard"
# Files of the Go module and capi copied into an sdist so that it can build
# the library without the rest of the repository.
_NATIVE_SUFFIXES = (".go", ".h", ".c", ".map", ".s", ".sh", "go.mod", "go.sum")
# Sources are dated for reproducible archives (the zip epoch).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


_TOML_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<lit>'[^']*')|(?P<punct>[\[\]{},=])"""
    r"""|(?P<bare>[A-Za-z0-9_.+:-]+)|(?P<comment>\#[^\n]*))""",
)


def _read_toml(text: str) -> dict:
    """The TOML this project's pyproject.toml uses (tables, dotted table
    names, strings, numbers, booleans, arrays, inline tables), for Python
    3.8-3.10, which have no tomllib. Keys and values are tokens; a key is
    followed by "=" and one value."""
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos] in " \t\r\n":
            pos += 1
            continue
        m = _TOML_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"pyproject.toml: cannot read at offset {pos}")
        pos = m.end()
        if m.lastgroup != "comment":
            tokens.append((m.lastgroup, m.group(m.lastgroup)))
    result: dict = {}
    table = result
    i = 0

    def value(i: int):
        kind, tok = tokens[i]
        if kind == "str":
            return json.loads(tok), i + 1
        if kind == "lit":
            return tok[1:-1], i + 1
        if kind == "bare":
            if tok in ("true", "false"):
                return tok == "true", i + 1
            return (float(tok) if "." in tok else int(tok)), i + 1
        if tok == "[":
            items = []
            i += 1
            while True:
                while tokens[i][1] == ",":
                    i += 1
                if tokens[i][1] == "]":
                    return items, i + 1
                item, i = value(i)
                items.append(item)
        if tok == "{":
            inline: dict = {}
            i += 1
            while tokens[i][1] != "}":
                if tokens[i][1] == ",":
                    i += 1
                    continue
                key = tokens[i][1].strip("\"'")
                inline[key], i = value(i + 2)
            return inline, i + 1
        raise ValueError(f"pyproject.toml: unexpected {tok!r}")

    while i < len(tokens):
        tok = tokens[i][1]
        if tok == "[":  # a table header (arrays are read by value())
            j = tokens.index(("punct", "]"), i)
            table = result
            for part in "".join(t for _, t in tokens[i + 1 : j]).split("."):
                table = table.setdefault(part.strip("\"'"), {})
            i = j + 1
        else:
            table[tok.strip("\"'")], i = value(i + 2)  # key = value
    return result


def _project() -> dict:
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        data = f.read()
    if tomllib is not None:
        return tomllib.loads(data.decode("utf-8"))["project"]
    return _read_toml(data.decode("utf-8"))["project"]  # pragma: no cover


def _dist_name() -> str:
    return re.sub(r"[-_.]+", "_", _project()["name"])


def _metadata() -> str:
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {p['name']}",
        f"Version: {p['version']}",
        f"Summary: {p.get('description', '')}",
        f"Requires-Python: {p.get('requires-python', '>=3.8')}",
    ]
    lic = p.get("license", {})
    if isinstance(lic, dict) and "text" in lic:
        lines.append(f"License: {lic['text']}")
    for c in p.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    if p.get("keywords"):
        lines.append("Keywords: " + ",".join(p["keywords"]))
    for label, url in p.get("urls", {}).items():
        lines.append(f"Project-URL: {label}, {url}")
    # Extras only (the base package has no dependencies).
    for extra, requirements in p.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines.extend(f'Requires-Dist: {r}; extra == "{extra}"' for r in requirements)
    readme = os.path.join(HERE, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = f.read()
    return "\n".join(lines) + "\n\n" + body


def _native_root() -> str:
    """The directory holding capi/ and go/ (repo root or sdist's _native)."""
    for root in (os.path.join(HERE, "_native"), os.path.normpath(os.path.join(HERE, "..", ".."))):
        if os.path.isfile(os.path.join(root, "capi", "uid2.h")) and os.path.isdir(os.path.join(root, "go")):
            return root
    raise BuildError(
        "libuid2 sources (capi/, go/) not found: build from the repository or an sdist, "
        "or set UID2_PREBUILT_LIBRARY to a built libuid2.so"
    )


# Where Go is looked for besides PATH (its official installer's place).
GO_DIRS = ["/usr/local/go/bin"]


class BuildError(SystemExit):
    """Why the library cannot be built, said plainly: a SystemExit, so that
    pip and build print the message instead of a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__("libuid2 build: " + message)


def _find_go() -> str:
    path = os.pathsep.join([os.environ.get("PATH", "")] + GO_DIRS)
    go = shutil.which("go", path=path)
    if go is None:
        raise BuildError(
            "Go was not found (looked on PATH and in " + ", ".join(GO_DIRS) + "). Building libuid2 "
            "from source needs Go 1.26 or later and a C compiler (cgo). Install Go "
            "(https://go.dev/doc/install), or install the libuid2 wheel instead of the sdist, or set "
            "UID2_PREBUILT_LIBRARY to the path of a built libuid2.so."
        )
    return go


def _build_library(tmp: str) -> str:
    prebuilt = os.environ.get("UID2_PREBUILT_LIBRARY")
    if prebuilt:
        if not os.path.isfile(prebuilt):
            raise BuildError(f"UID2_PREBUILT_LIBRARY={prebuilt} does not exist")
        return prebuilt
    go = _find_go()
    capi = os.path.join(_native_root(), "capi")
    out = os.path.join(tmp, "libuid2.so")
    env = dict(os.environ, CGO_ENABLED="1")
    env["PATH"] = os.path.dirname(go) + os.pathsep + env.get("PATH", "")
    # capi/build.sh: go build -buildmode=c-shared with the soname and symbol version script.
    done = subprocess.run(["sh", os.path.join(capi, "build.sh"), out], env=env)
    if done.returncode != 0:
        raise BuildError(
            f"building libuid2.so with {go} failed (capi/build.sh exited with {done.returncode}; "
            "its output is above). It needs Go 1.26 or later and a C compiler (cc) for cgo."
        )
    header = os.path.join(tmp, "libuid2.h")  # cgo's generated header; not shipped
    if os.path.exists(header):
        os.remove(header)
    return out


def platform_tag(library: str) -> str:
    """manylinux_2_N_<arch> from the GLIBC symbol versions the library needs."""
    forced = os.environ.get("UID2_WHEEL_PLATFORM")
    if forced:
        return forced
    arch = platform.machine()
    with open(library, "rb") as f:
        data = f.read()
    versions = [int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", data)]
    if not versions or not sys.platform.startswith("linux"):
        return f"linux_{arch}"
    return f"manylinux_2_{max(max(versions), 17)}_{arch}"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _zip_write(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o755 if executable else 0o644) << 16
    zf.writestr(info, data)


def make_wheel(library: str, out_dir: str) -> str:
    """Write the wheel into out_dir and return its file name."""
    p = _project()
    name, version = _dist_name(), p["version"]
    tag = f"py3-none-{platform_tag(library)}"
    dist_info = f"{name}-{version}.dist-info"
    files = []
    src = os.path.join(HERE, "src", PACKAGE)
    for fname in sorted(os.listdir(src)):
        if fname.endswith(".py") or fname == "py.typed":
            with open(os.path.join(src, fname), "rb") as f:
                files.append((f"{PACKAGE}/{fname}", f.read(), False))
    with open(library, "rb") as f:
        files.append((f"{PACKAGE}/libuid2.so", f.read(), True))
    # Beside the package: a guard against a loose libuid2.so on sys.path
    # (see the module), run at interpreter start by a .pth file.
    with open(os.path.join(HERE, "src", GUARD + ".py"), "rb") as f:
        files.append((f"{GUARD}.py", f.read(), False))
    files.append((f"{PACKAGE}-import-guard.pth", f"import {GUARD}\n".encode(), False))
    wheel_meta = (
        "Wheel-Version: 1.0\nGenerator: libuid2-build-backend\n"
        f"Root-Is-Purelib: false\nTag: {tag}\n"
    )
    files.append((f"{dist_info}/METADATA", _metadata().encode("utf-8"), False))
    files.append((f"{dist_info}/WHEEL", wheel_meta.encode(), False))
    record = [_record_line(path, data) for path, data, _ in files]
    record.append(f"{dist_info}/RECORD,,")
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), False))
    wheel_name = f"{name}-{version}-{tag}.whl"
    os.makedirs(out_dir, exist_ok=True)
    with zipfile.ZipFile(os.path.join(out_dir, wheel_name), "w") as zf:
        for path, data, executable in files:
            _zip_write(zf, path, data, executable)
    return wheel_name


# -- PEP 517 hooks -----------------------------------------------------------


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with tempfile.TemporaryDirectory(prefix="libuid2-wheel-") as tmp:
        return make_wheel(_build_library(tmp), wheel_directory)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    dist_info = f"{_dist_name()}-{p['version']}.dist-info"
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    with open(os.path.join(metadata_directory, dist_info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return dist_info


def build_sdist(sdist_directory, config_settings=None):
    """An sdist with this directory plus the Go sources (capi/, go/) under
    _native/, so that building a wheel from it needs only Go and a C compiler."""
    p = _project()
    base = f"{_dist_name()}-{p['version']}"
    members = []
    for rel in ("pyproject.toml", "build_backend.py", "README.md"):
        if os.path.exists(os.path.join(HERE, rel)):
            members.append((os.path.join(HERE, rel), rel))
    for top in ("src", "tests"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for fname in sorted(filenames):
                full = os.path.join(dirpath, fname)
                members.append((full, os.path.relpath(full, HERE)))
    root = os.path.normpath(os.path.join(HERE, "..", ".."))
    if os.path.isdir(os.path.join(root, "capi")):
        for top in ("capi", "go"):
            for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "testdata")))
                for fname in sorted(filenames):
                    if fname.endswith(_NATIVE_SUFFIXES) and not fname.endswith("_test.go"):
                        full = os.path.join(dirpath, fname)
                        members.append((full, os.path.join("_native", os.path.relpath(full, root))))
    pkg_info = _metadata().encode("utf-8")
    name = f"{base}.tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for full, rel in members:
            info = tar.gettarinfo(full, arcname=f"{base}/{rel}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            with open(full, "rb") as f:
                tar.addfile(info, f)
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size, info.mode = len(pkg_info), 0o644
        tar.addfile(info, io.BytesIO(pkg_info))
    return name


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Build the libuid2 wheel from a built libuid2.so")
    parser.add_argument("--library", help="libuid2.so to ship (default: build it with go)")
    parser.add_argument("--out", required=True, help="directory (or .whl path) to write")
    parser.add_argument(
        "--expect-platform",
        help="fail unless the platform tag computed from the library is this one "
        "(for build systems that must name the wheel before building it)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="libuid2-wheel-") as tmp:
        if args.library:
            library = args.library
        else:
            library = _build_library(tmp)
        if args.expect_platform and platform_tag(library) != args.expect_platform:
            print(
                f"build_backend: {library} needs platform tag {platform_tag(library)}, "
                f"not {args.expect_platform}: update the wheel's name",
                file=sys.stderr,
            )
            return 1
        if args.out.endswith(".whl"):
            built = make_wheel(library, tmp)
            shutil.copyfile(os.path.join(tmp, built), args.out)
            print(args.out)
        else:
            print(os.path.join(args.out, make_wheel(library, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
