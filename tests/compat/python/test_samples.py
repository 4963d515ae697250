"""Code in the shapes that users of the official uid2-client write
(samples/: the official guides' DSP and sharer flows, the legacy client and
its auto refresher, legacy data encryption, a service's own unit tests with
built results), run against libuid2 with only the import renamed
(uid2_client -> libuid2), against the local key service `uid2 serve`.

The same files run unchanged against the official SDK when it is installed
(UID2_OFFICIAL_PYTHON, or where tools/bootstrap.sh puts it), which keeps
them honest: they are the official SDK's shapes, not libuid2's."""

import base64
import glob
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# The Python binding's test helpers: the key service fixture and RAW_UID.
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bindings", "python", "tests"))

from conftest import RAW_UID, KeyService  # noqa: E402

SAMPLES = sorted(glob.glob(os.path.join(HERE, "samples", "*.py")))
IMPORT = re.compile(r"^(from|import) uid2_client\b", re.M)
DOMAIN = "example.com"


def renamed(text: str) -> str:
    """The sample with its imports renamed, and nothing else."""
    out = IMPORT.sub(r"\1 libuid2", text)
    assert out != text and "uid2_client" not in out, "a sample names uid2_client outside its imports"
    return out


def _official_python():
    path = os.environ.get("UID2_OFFICIAL_PYTHON") or os.path.expanduser(
        "~/.cache/libuid2/official-sdks/python/bin/python")
    return os.path.abspath(path) if os.path.exists(path) else None


@pytest.fixture(scope="module")
def service():
    svc = KeyService()
    site = svc.participant("compat", ["publisher", "dsp"], ["sharer", "generator", "bidder"], [DOMAIN])
    import libuid2

    with libuid2.SharingClient(svc.url, site.api_key, site.secret) as client:
        assert client.refresh().success
        token = client.encrypt_raw_uid_into_token(RAW_UID).encrypted_data
    yield [svc.url, site.api_key, site.secret, token, RAW_UID, DOMAIN]
    svc.stop()


def run(python, script, args, env):
    proc = subprocess.run([python, script, *args], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("ok"), proc.stdout + proc.stderr
    return proc


@pytest.mark.parametrize("sample", SAMPLES, ids=os.path.basename)
def test_sample_runs_on_libuid2(service, sample, tmp_path):
    with open(sample, encoding="utf-8") as f:
        text = f.read()
    script = tmp_path / os.path.basename(sample)
    script.write_text(renamed(text))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    run(sys.executable, str(script), service, env)


@pytest.mark.parametrize("sample", SAMPLES, ids=os.path.basename)
def test_sample_runs_on_the_official_sdk(service, sample):
    python = _official_python()
    if python is None:
        pytest.skip("the official uid2-client is not installed (tools/bootstrap.sh installs it)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run(python, sample, service, env)


def test_renaming_touches_imports_only():
    assert renamed("from uid2_client import A\nimport uid2_client\nx = 1\n") == "from libuid2 import A\nimport libuid2\nx = 1\n"
    with pytest.raises(AssertionError):
        renamed("from uid2_client import A\nuid2_client.thing\n")
    assert base64.b64decode(RAW_UID)
