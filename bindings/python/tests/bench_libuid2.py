"""Benchmarks (pytest-benchmark); not part of the test pass. Run on purpose:

    pip install pytest-benchmark
    cd bindings/python
    python -m pytest tests/bench_libuid2.py --benchmark-timer=time.process_time \
        --benchmark-json=bench.json

Single and batch decrypt and encrypt of v4 tokens (218 characters). A batch
call handles BATCH items: items per second are in each benchmark's
extra_info (items_per_s_median, items_per_s_best) in the JSON.

On a shared machine, time.process_time (CPU time of the process, all its
threads, Go's included) measures the work; the default wall clock also
measures waiting for a CPU. With `uid2-client` installed (pip install
uid2-client), the official SDK is measured on the same keys and token.
"""

from __future__ import annotations

import json
import time

import pytest

from conftest import RAW_UID, make_keys

from libuid2 import SharingClient

pytest.importorskip("pytest_benchmark")

BATCH = 10_000


@pytest.fixture(scope="module")
def client():
    with SharingClient() as c:
        assert c.refresh_json(json.dumps(make_keys(int(time.time())))).success
        yield c


@pytest.fixture(scope="module")
def tokens(client):
    out = [r.encrypted_data for r in client.encrypt_raw_uids_into_tokens([RAW_UID] * BATCH)]
    assert all(out) and len(out[0]) == 218
    return out


def _per_item(benchmark, items: int) -> None:
    stats = benchmark.stats.stats
    benchmark.extra_info["items_per_call"] = items
    benchmark.extra_info["items_per_s_median"] = round(items / stats.median)
    # A coarse timer can read 0 for one fast call.
    benchmark.extra_info["items_per_s_best"] = round(items / stats.min) if stats.min else None


def test_decrypt_single(benchmark, client, tokens):
    token = tokens[0]
    result = benchmark(client.decrypt_token_into_raw_uid, token)
    assert result.uid == RAW_UID
    _per_item(benchmark, 1)


def test_decrypt_single_read_uid(benchmark, client, tokens):
    """Decrypt and read .uid and .success, as a caller would."""
    token = tokens[0]
    decrypt = client.decrypt_token_into_raw_uid

    def run():
        r = decrypt(token)
        return r.success and r.uid

    assert benchmark(run) == RAW_UID
    _per_item(benchmark, 1)


def test_decrypt_batch(benchmark, client, tokens):
    results = benchmark(client.decrypt_tokens_into_raw_uids, tokens)
    assert len(results) == BATCH
    _per_item(benchmark, BATCH)


def test_decrypt_batch_read_uid(benchmark, client, tokens):
    """Batch decrypt and read every .uid."""
    decrypt = client.decrypt_tokens_into_raw_uids

    def run():
        return [r.uid for r in decrypt(tokens)]

    assert benchmark(run)[-1] == RAW_UID
    _per_item(benchmark, BATCH)


def test_decrypt_batch_c_call_only(benchmark, client, tokens):
    """The floor: uid2_decrypt_batch alone, inputs prepared and results not
    turned into Python objects (the Go work plus one ctypes call)."""
    from libuid2 import _client, _native

    joined, offsets = _client._join(tokens, "tokens")
    results = _client._result_array(BATCH)
    call = _native.lib().uid2_decrypt_batch
    args = (client._handle, joined, offsets.buffer_info()[0], BATCH, None, 0, 0, results)
    assert benchmark(call, *args) == 0
    _per_item(benchmark, BATCH)


def test_official_sdk_decrypt_single(benchmark, client, tokens):
    """The official uid2-client's SharingClient on the same keys and token."""
    import base64

    uid2_client = pytest.importorskip("uid2_client")
    official = uid2_client.SharingClient("http://127.0.0.1:1", "key", base64.b64encode(bytes(32)).decode())
    keys = make_keys(int(time.time()))
    keys["site_data"] = []
    assert official._refresh_json(json.dumps({"body": keys})).success
    token = client.encrypt_raw_uid_into_token(RAW_UID).encrypted_data
    assert benchmark(lambda: official.decrypt_token_into_raw_uid(token).uid) == RAW_UID
    _per_item(benchmark, 1)


def test_encrypt_single(benchmark, client):
    result = benchmark(client.encrypt_raw_uid_into_token, RAW_UID)
    assert result.success
    _per_item(benchmark, 1)


def test_encrypt_batch(benchmark, client):
    raw_uids = [RAW_UID] * BATCH
    results = benchmark(client.encrypt_raw_uids_into_tokens, raw_uids)
    assert results[-1].success
    _per_item(benchmark, BATCH)
