"""Shared fixtures: the library under test, the vectors, the local key service.

Runs under plain pytest (from bindings/python/) and under Bazel's py_test.
Environment (all optional):
  UID2_LIBRARY_PATH  libuid2.so to test (default: built with `go build` from
                     ../../capi into a temporary directory)
  UID2_VECTORS_DIR   the vector files (default: ../../tests/vectors)
  UID2_CLI           the uid2 command, for its key service `uid2 serve`
                     (default: built with `go build` from ../../go/cmd/uid2)
"""

from __future__ import annotations

import base64
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING = os.path.dirname(HERE)
REPO = os.path.normpath(os.path.join(BINDING, "..", ".."))
SRC = os.path.join(BINDING, "src")

if os.environ.get("UID2_TEST_INSTALLED") != "1" and SRC not in sys.path:
    sys.path.insert(0, SRC)

_BUILD_DIR = os.path.join(tempfile.gettempdir(), f"libuid2-python-tests-{os.getuid()}")


def _go() -> str:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not os.path.exists(go) and shutil.which(go) is None:
        pytest.exit("go not found: set UID2_LIBRARY_PATH to a built libuid2.so", returncode=3)
    return go


def _abs_env(name: str) -> str | None:
    value = os.environ.get(name)
    if not value:
        return None
    value = os.path.abspath(value)
    os.environ[name] = value
    return value


def _go_build(package_dir: str, out: str, *flags: str) -> str:
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run([_go(), "build", *flags, "-o", out, "."], cwd=package_dir, check=True)
    return out


def library_path() -> str:
    path = _abs_env("UID2_LIBRARY_PATH")
    if path is None:
        path = os.path.join(_BUILD_DIR, "libuid2.so")
        os.makedirs(_BUILD_DIR, exist_ok=True)
        _go()
        subprocess.run(["sh", os.path.join(REPO, "capi", "build.sh"), path], check=True)
        os.environ["UID2_LIBRARY_PATH"] = path
    return path


def pytest_configure(config):
    # Before any test creates a client (the library is loaded lazily).
    library_path()


def vectors_dir() -> str:
    return _abs_env("UID2_VECTORS_DIR") or os.path.join(REPO, "tests", "vectors")


def vector_files() -> list[str]:
    return sorted(glob.glob(os.path.join(vectors_dir(), "*.json")))


def load_vectors() -> list[dict]:
    out = []
    for path in vector_files():
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        data["_file"] = os.path.basename(path)
        out.append(data)
    return out


def first_success(op: str, client: str = "sharing", scope: str | None = None):
    """(vector file, case) of the first successful `op` case of a client type,
    for tests that need valid keys and tokens without making any."""
    for data in load_vectors():
        if data["client"] != client or data["keys"] is None:
            continue
        for case in data["cases"]:
            exp = case["expect"]
            if case["op"] == op and exp["status"] == "SUCCESS":
                if op == "decrypt" and (scope and exp["identity_scope"] != scope or len(exp["uid"]) > 256):
                    continue
                return data, case
    pytest.fail(f"no successful {client} {op} vector: the shared vectors lost the case this test needs")


def make_keys(now_s: int, scope: str = "UID2", variant: int = 1) -> dict:
    """A key response body valid around now_s (epoch seconds): a master key
    (keyset 9999999) and a site key (default keyset 99999). Serves both
    client types; `variant` gives other secrets and key ids. Test data only:
    tokens are made by the library's own encrypt."""
    def key(key_id: int, keyset: int, fill: int) -> dict:
        return {"id": key_id, "keyset_id": keyset, "created": now_s - 3600, "activates": now_s - 3600,
                "expires": now_s + 30 * 86400, "secret": base64.b64encode(bytes([fill]) * 32).decode()}
    return {
        "caller_site_id": 1000 + variant, "master_keyset_id": 9999999, "default_keyset_id": 99999,
        "token_expiry_seconds": "86400", "identity_scope": scope, "allow_clock_skew_seconds": 1800,
        "max_sharing_lifetime_seconds": 30 * 86400, "max_bidstream_lifetime_seconds": 30 * 86400,
        "keys": [key(10 * variant + 1, 9999999, variant), key(10 * variant + 2, 99999, variant + 100)],
    }


RAW_UID = base64.b64encode(bytes(range(32))).decode()


def make_token(keys: dict, raw_uid: str = RAW_UID, now=None) -> str:
    """A v4 token for raw_uid made with the library's encrypt."""
    import libuid2

    with libuid2.SharingClient() as client:
        assert client.refresh_json(json.dumps(keys)).success
        result = client.encrypt_raw_uid_into_token(raw_uid, now=now)
        assert result.success, result
        return result.encrypted_data


# -- the local key service (`uid2 serve`, go/cmd/uid2) -------------------------


def uid2_path() -> str:
    return _abs_env("UID2_CLI") or _go_build(os.path.join(REPO, "go", "cmd", "uid2"),
                                             os.path.join(_BUILD_DIR, "uid2"))


@dataclass(frozen=True)
class Participant:
    """A site of the key service and one API key of it."""
    site_id: int
    api_key: str
    secret: str


class KeyService:
    """`uid2 serve --memory --faults` on a loopback port, driven through its
    admin API; stopped by the fixture. Its sharing tokens last 72 h, the
    bidstream's maximum, so that a bidstream client accepts them too."""

    def __init__(self) -> None:
        self.admin_token = base64.urlsafe_b64encode(os.urandom(24)).decode()
        self.proc = subprocess.Popen(
            [uid2_path(), "serve", "--memory", "--faults", "--listen", "127.0.0.1:0", "--token-expiry", "72h",
             "--until-stdin-closes"],
            env=dict(os.environ, UID2_ADMIN_TOKEN=self.admin_token),
            # stdin: a pipe that closes when this process ends, however it ends; the service then ends too.
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"uid2 serve did not start: {line!r} {self.proc.stderr.read()}")
        self.url = line
        # Drain its output so that it never blocks on a full pipe.
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=stream.read, daemon=True).start()

    def admin(self, method: str, path: str, body: object = None) -> dict:
        req = urllib.request.Request(
            self.url + "/admin/v1" + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + self.admin_token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {path}: HTTP {e.code} {e.read().decode()}") from None

    def participant(self, name: str, types: list, roles: list, domains: list = ()) -> Participant:
        site = self.admin("POST", "/sites", {"name": name, "types": types, "domain_names": list(domains)})
        key = self.admin("POST", f"/sites/{site['id']}/apikeys", {"roles": roles})
        return Participant(site["id"], key["api_key"], key["secret"])

    def grant(self, sender: Participant, receiver: Participant) -> None:
        self.admin("POST", f"/sites/{sender.site_id}/grants", {"site": receiver.site_id})

    def revoke(self, sender: Participant, receiver: Participant) -> None:
        self.admin("DELETE", f"/sites/{sender.site_id}/grants/site/{receiver.site_id}")

    def rotate(self, site: Participant) -> None:
        """Gives the site a new current key; returns once it is active (a
        rotation in the second its current key activated waits a second)."""
        key = self.admin("POST", f"/sites/{site.site_id}/keys/rotate")
        time.sleep(max(0.0, key["activates"] - time.time()))

    def fault(self, mode: str) -> None:
        self.admin("POST", "/faults", {"mode": mode})

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def key_service():
    """A fresh key service for one test."""
    service = KeyService()
    yield service
    service.stop()
