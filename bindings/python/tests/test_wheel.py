"""The wheel: built by the in-tree PEP 517 backend, a platform wheel holding
libuid2.so, installed into a fresh virtual environment outside the source
tree and used there (no UID2_LIBRARY_PATH: the library inside the package)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import BINDING, RAW_UID, make_keys, make_token

UID2_WHEEL = os.environ.get("UID2_WHEEL")  # a prebuilt wheel (Bazel's //bindings/python:wheel)
# This binding in the source tree: Bazel's :sdist_test names the tree by its WORKSPACE file, as
# the sdist takes capi/ and go/ from beside it; elsewhere the tests run in the tree itself.
SOURCE_BINDING = (os.path.join(os.path.dirname(os.path.realpath(os.environ["UID2_SOURCE_WORKSPACE"])), "bindings", "python")
                  if os.environ.get("UID2_SOURCE_WORKSPACE") else BINDING)


def _backend(binding=BINDING):
    spec = importlib.util.spec_from_file_location("libuid2_build_backend", os.path.join(binding, "build_backend.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if UID2_WHEEL:
        return os.path.abspath(UID2_WHEEL)
    out = tmp_path_factory.mktemp("dist")
    backend = _backend()
    old = os.environ.get("UID2_PREBUILT_LIBRARY")
    os.environ["UID2_PREBUILT_LIBRARY"] = os.environ["UID2_LIBRARY_PATH"]
    try:
        name = backend.build_wheel(str(out))  # the PEP 517 hook `python -m build` calls
    finally:
        if old is None:
            del os.environ["UID2_PREBUILT_LIBRARY"]
        else:
            os.environ["UID2_PREBUILT_LIBRARY"] = old
    return str(out / name)


def test_building_without_go_says_so(tmp_path, monkeypatch):
    """No Go: a clear message (a SystemExit, so pip prints it without a
    traceback) that says what to install or use instead."""
    backend = _backend()
    monkeypatch.setattr(backend, "GO_DIRS", [])
    monkeypatch.setenv("PATH", str(tmp_path))  # no go there
    monkeypatch.delenv("UID2_PREBUILT_LIBRARY", raising=False)
    with pytest.raises(SystemExit) as info:
        backend.build_wheel(str(tmp_path / "dist"))
    message = str(info.value)
    assert message.startswith("libuid2 build: Go was not found") and "UID2_PREBUILT_LIBRARY" in message
    assert "wheel" in message and not os.path.exists(tmp_path / "dist")


def test_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        dist_info = next(n.split("/")[0] for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = zf.read(f"{dist_info}/METADATA").decode()
    import libuid2

    for line in ("Name: libuid2", f"Version: {libuid2.__version__}", "Requires-Python: >=3.8",
                 "License: Apache-2.0", "Project-URL: Source, https://github.com/libuid2/libuid2"):
        assert line + "\n" in meta, line
    assert libuid2.__version__ == libuid2.library_version()  # the package is the library's release


def test_wheel_contents(wheel):
    name = os.path.basename(wheel)
    assert name.startswith("libuid2-") and "-py3-none-" in name
    tag = name[:-4].split("-")[-1]
    assert tag.startswith(("manylinux_", "linux_")) and tag != "any"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {"libuid2/__init__.py", "libuid2/py.typed", "libuid2/libuid2.so", "_libuid2_import_guard.py",
                "libuid2-import-guard.pth"} <= names
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/WHEEL"))
        wheel_meta = zf.read(f"{dist_info}/WHEEL").decode()
        assert "Root-Is-Purelib: false" in wheel_meta and f"Tag: py3-none-{tag}" in wheel_meta
        record = zf.read(f"{dist_info}/RECORD").decode()
        assert "libuid2/libuid2.so,sha256=" in record
        assert zf.read("libuid2/libuid2.so")[:4] == b"\x7fELF"
        assert not any(n.startswith(("tests/", "src/")) for n in names)


def test_auditwheel_agrees(wheel):
    # Bazel passes the pinned one (an interpreter with it installed); elsewhere any on PATH.
    python = os.environ.get("UID2_AUDITWHEEL_PYTHON")
    if python:
        command = [os.path.abspath(python), "-m", "auditwheel"]
    elif shutil.which("auditwheel"):
        command = [shutil.which("auditwheel")]
    else:
        pytest.skip("auditwheel not installed (pip install auditwheel)")
    proc = subprocess.run(command + ["show", wheel], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    tag = os.path.basename(wheel)[:-4].split("-")[-1]
    assert f'consistent with the following platform tag: "{tag}"' in text, text


def test_installed_in_fresh_venv(wheel, tmp_path):
    venv = tmp_path / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot create a venv with pip here: {made.stderr.strip()[:200]}")
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", wheel],
        check=True, capture_output=True, text=True,
    )
    import time

    keys = make_keys(int(time.time()))
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    (tmp_path / "token.txt").write_text(make_token(keys))
    script = tmp_path / "use.py"
    script.write_text(
        "import libuid2\n"
        "with libuid2.SharingClient() as c:\n"
        "    assert c.refresh_json(open('keys.json').read()).success\n"
        "    r = c.decrypt_token_into_raw_uid(open('token.txt').read())\n"
        f"    assert r.success and r.uid == {RAW_UID!r}, r\n"
        "print(libuid2.__file__)\n"
        "print(libuid2.library_path())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("UID2_LIBRARY_PATH", "PYTHONPATH")}
    proc = subprocess.run([python, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "loose" not in proc.stderr
    # A loose copy of the C library beside the script (first on sys.path)
    # would be taken for a module named libuid2: the wheel's import guard
    # skips it with a warning and imports the package.
    shutil.copyfile(os.environ["UID2_LIBRARY_PATH"], tmp_path / "libuid2.so")
    stray = subprocess.run([python, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert stray.returncode == 0, stray.stderr
    assert stray.stdout == proc.stdout and "ignoring " + str(tmp_path / "libuid2.so") in stray.stderr
    module_file, lib_path = proc.stdout.split()
    site = str(venv)
    assert module_file.startswith(site) and lib_path.startswith(site), proc.stdout
    assert lib_path.endswith("libuid2/libuid2.so")
    # The type information ships too.
    assert os.path.exists(os.path.join(os.path.dirname(module_file), "py.typed"))


def test_sdist_builds_a_wheel(tmp_path):
    """build_sdist carries the package, the backend and the Go sources; a
    wheel builds from the unpacked sdist (here with a prebuilt library)."""
    import tarfile

    assert os.path.exists(os.path.join(SOURCE_BINDING, "..", "..", "capi", "uid2.h")), \
        "no source tree beside " + SOURCE_BINDING + " (under Bazel this test runs in :sdist_test)"
    backend = _backend(SOURCE_BINDING)
    name = backend.build_sdist(str(tmp_path / "sdist"))
    with tarfile.open(tmp_path / "sdist" / name) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked")
    base = name[: -len(".tar.gz")]
    for member in ("pyproject.toml", "build_backend.py", "src/libuid2/__init__.py", "src/libuid2/py.typed",
                   "_native/capi/uid2.h", "_native/capi/build.sh", "_native/go/go.mod", "PKG-INFO"):
        assert f"{base}/{member}" in names, member
    assert not any(n.endswith("_test.go") for n in names)
    root = tmp_path / "unpacked" / base
    spec = importlib.util.spec_from_file_location("unpacked_backend", root / "build_backend.py")
    unpacked = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unpacked)
    assert unpacked._native_root() == str(root / "_native")
    os.environ["UID2_PREBUILT_LIBRARY"] = os.environ["UID2_LIBRARY_PATH"]
    try:
        wheel_name = unpacked.build_wheel(str(tmp_path / "dist"))
    finally:
        del os.environ["UID2_PREBUILT_LIBRARY"]
    assert wheel_name.endswith(".whl") and "-py3-none-" in wheel_name
