"""Benchmarks (pytest-benchmark); not part of the test pass. Run on purpose:

    pip install pytest-benchmark
    cd bindings/python && python -m pytest tests/bench_libuid2.py --benchmark-columns=min,median,mean,ops,rounds

Single and batch decrypt and encrypt of v4 tokens. Batch results are per
call of BATCH items: divide ops by... (see the `tokens/s` printed in extra_info).
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
    benchmark.extra_info["items_per_s_best"] = round(items / stats.min)


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


def test_encrypt_single(benchmark, client):
    result = benchmark(client.encrypt_raw_uid_into_token, RAW_UID)
    assert result.success
    _per_item(benchmark, 1)


def test_encrypt_batch(benchmark, client):
    raw_uids = [RAW_UID] * BATCH
    results = benchmark(client.encrypt_raw_uids_into_tokens, raw_uids)
    assert results[-1].success
    _per_item(benchmark, BATCH)
