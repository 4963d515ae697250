"""The Spark tests' shared pieces: one local SparkSession per test process, the
local key service, and the single-process oracle every Spark result is checked
against (the Python binding's batch API, called here directly).

Environment (Bazel sets it; tests/spark/run.sh):
  UID2_LIBRARY_PATH  libuid2.so        UID2_CLI        the uid2 command (key service)
  UID2_VECTORS_DIR   tests/vectors     UID2_JARS       libuid2.jar,libuid2-spark.jar
The Python package is imported from bindings/python/src (PYTHONPATH), in the
driver and in the Python workers alike.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import json
import os
import random
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SRC = os.path.join(REPO, "bindings", "python", "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)
# Workers are separate processes: they find the package, and the test modules whose functions
# they run, through PYTHONPATH.
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, HERE, os.environ.get("PYTHONPATH")) if p)

# The Python binding's test helpers (key service, key JSON), loaded under another name.
_spec = importlib.util.spec_from_file_location(
    "libuid2_binding_conftest", os.path.join(REPO, "bindings", "python", "tests", "conftest.py"))
binding = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = binding  # dataclasses look their module up
_spec.loader.exec_module(binding)
binding.library_path()

import libuid2  # noqa: E402

UTC = dt.timezone.utc
# The vector keys (tests/vectors/sharing.json) are valid around this time: tokens are made at
# ENCRYPT_NOW and read at DECRYPT_NOW, when the vector "expired by 1 ms" has just expired.
ENCRYPT_NOW = dt.datetime.fromtimestamp(1700000000, UTC)
DECRYPT_NOW = dt.datetime.fromtimestamp(1700086400.001, UTC)


def sharing_vectors() -> dict:
    with open(os.path.join(binding.vectors_dir(), "sharing.json"), encoding="utf-8") as f:
        return json.load(f)


VECTOR_KEYS = json.dumps(sharing_vectors()["keys"])


def raw_uids(count: int, seed: int) -> list:
    """count distinct-looking raw UIDs (base64 of 32 random bytes), the same for a seed."""
    rng = random.Random(seed)
    return [base64.b64encode(rng.randbytes(32)).decode() for _ in range(count)]


def oracle_client(key_json: str = VECTOR_KEYS) -> "libuid2.SharingClient":
    client = libuid2.SharingClient()
    assert client.refresh_json(key_json).success
    return client


def encrypt(uids: list, key_json: str = VECTOR_KEYS, now=ENCRYPT_NOW) -> list:
    with oracle_client(key_json) as client:
        results = client.encrypt_raw_uids_into_tokens(uids, now=now)
    assert all(r.success for r in results)
    return [r.encrypted_data for r in results]


DECRYPT_FIELDS = ["status", "status_code", "raw_uid", "site_id", "established", "identity_type", "identity_scope"]


def expected_decrypt(tokens: list, key_json: str = VECTOR_KEYS, now=DECRYPT_NOW) -> dict:
    """What every route must give, column by column: the batch API's results
    in the public names (null token: every field null)."""
    present = [t for t in tokens if t is not None]
    with oracle_client(key_json) as client:
        results = iter(client.decrypt_tokens_into_raw_uids(present, now))
    cols = {name: [] for name in DECRYPT_FIELDS}
    for token in tokens:
        r = next(results) if token is not None else None
        row = [None] * 7 if r is None else [
            r.status.name, r.status_code, r.uid, r.site_id, r.established,
            None if r.identity_type is None else r.identity_type.name.upper(),
            None if r.identity_scope is None else r.identity_scope.name]
        for name, value in zip(DECRYPT_FIELDS, row):
            cols[name].append(value)
    return cols


def assert_columns(table, expected: dict, prefix: str = "uid2_") -> None:
    """Every row of the Arrow table (sorted by id) equals the oracle's."""
    for name, want in expected.items():
        got = table.column(prefix + name).to_pylist()
        if got != want:
            bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w) if len(got) == len(want) else None
            pytest.fail("%s%s differs (%d rows vs %d); first at row %s: %r != %r" % (
                prefix, name, len(got), len(want), bad,
                got[bad] if bad is not None else None, want[bad] if bad is not None else None))


def assert_encrypted(table, uids: list, prefix: str = "uid2_", key_json: str = VECTOR_KEYS) -> None:
    """Every row encrypted: SUCCESS, and its token decrypts (batch API) to the row's raw UID."""
    assert table.column(prefix + "status").to_pylist() == ["SUCCESS"] * len(uids)
    assert table.column(prefix + "status_code").to_pylist() == [0] * len(uids)
    tokens = table.column(prefix + "token").to_pylist()
    with oracle_client(key_json) as client:
        back = client.decrypt_tokens_into_raw_uids(tokens, DECRYPT_NOW)
        assert [r.uid for r in back] == uids


def sorted_by_id(table):
    return table.sort_by("id")


# -- the key service and the session ------------------------------------------------


@pytest.fixture(scope="session")
def key_service():
    service = binding.KeyService()
    service.granted = False  # set once a test grants the receiver the sender's keys
    yield service
    service.stop()


@pytest.fixture(scope="session")
def sites(key_service):
    """(sender, receiver): the receiver's credentials are the executors' (spark.executorEnv.*);
    it gets the sender's keys only once a test grants them."""
    sender = key_service.participant("spark sender", ["advertiser"], ["sharer"])
    receiver = key_service.participant("spark receiver", ["dsp"], ["sharer"])
    return sender, receiver


def jars() -> list:
    return [j for j in os.environ.get("UID2_JARS", "").split(",") if j]


@pytest.fixture(scope="session")
def spark(key_service, sites, tmp_path_factory):
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers: this venv, not python3 from PATH
    receiver = sites[1]
    builder = (
        SparkSession.builder.master(os.environ.get("UID2_SPARK_MASTER", "local[2]"))
        .appName("libuid2 tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
        # Small batches and files: many batches and tasks even on small data.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
        .config("spark.sql.files.maxRecordsPerFile", "0")
        .config("spark.executorEnv.UID2_BASE_URL", key_service.url)
        .config("spark.executorEnv.UID2_API_KEY", receiver.api_key)
        .config("spark.executorEnv.UID2_SECRET_KEY", receiver.secret)
        .config("spark.executorEnv.UID2_LIBRARY_PATH", os.environ["UID2_LIBRARY_PATH"])
    )
    if jars():
        builder = (builder.config("spark.jars", ",".join(jars()))
                   .config("spark.sql.extensions", "io.libuid2.spark.Uid2Extensions"))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
