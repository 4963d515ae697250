"""Bad input gives a status or a clear TypeError/ValueError, never a crash."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import time

from conftest import make_keys

from libuid2 import BidstreamClient, DecryptionStatus, EncryptionStatus, SharingClient

UTC = dt.timezone.utc
MB = 1 << 20

BAD_TOKENS = [
    "",
    "A",
    "AAA",
    "AAAA",
    "A" * MB,
    "é" * 1000,
    "令牌" * 100,
    "\0" * 300,
    "AIAA\0" + "A" * 200,
    "\ud800" * 50,  # lone surrogates (not encodable as UTF-8)
    "AgAAAA" + "=" * 300,
    "!!!!" * 60,
]


@pytest.fixture(scope="module")
def clients():
    keys = json.dumps(make_keys(int(time.time())))
    sharing, bidstream = SharingClient(), BidstreamClient()
    assert sharing.refresh_json(keys).success
    assert bidstream.refresh_json(keys).success
    yield sharing, bidstream, None, None
    sharing.close()
    bidstream.close()


@pytest.mark.parametrize("token", BAD_TOKENS, ids=lambda t: f"{t[:8]!r}x{len(t)}")
def test_malformed_token_is_a_status(clients, token):
    sharing, bidstream, now_s, now_b = clients
    for result in (
        sharing.decrypt_token_into_raw_uid(token, now=now_s),
        bidstream.decrypt_token_into_raw_uid(token, "example.com", now=now_b),
        bidstream.decrypt_token_into_raw_uid(token, token, now=now_b),  # odd domain too
        sharing.decrypt_tokens_into_raw_uids([token, token], now=now_s)[1],
        bidstream.decrypt_tokens_into_raw_uids([token], None, now=now_b)[0],
    ):
        assert not result.success
        assert result.status in (DecryptionStatus.INVALID_PAYLOAD, DecryptionStatus.VERSION_NOT_SUPPORTED,
                                 DecryptionStatus.INVALID_IDENTITY_SCOPE,
                                 DecryptionStatus.NOT_AUTHORIZED_FOR_MASTER_KEY)
        assert result.uid is None


@pytest.mark.parametrize("raw_uid", ["", "not base64!", "é" * 100, "A" * MB, "\0" * 44, "\udfff"])
def test_bad_raw_uid_is_a_status(clients, raw_uid):
    sharing, _, now, _ = clients
    for result in (
        sharing.encrypt_raw_uid_into_token(raw_uid, now=now),
        sharing.encrypt_raw_uids_into_tokens([raw_uid], now=now)[0],
    ):
        assert isinstance(result.status, EncryptionStatus)
        if not result.success:
            assert result.encrypted_data is None


@pytest.mark.parametrize("bad", [None, 5, 3.5, b"AAAA", bytearray(b"AAAA"), ["AAAA"], object()])
def test_wrong_types_raise_type_error(clients, bad):
    sharing, bidstream, now, _ = clients
    if not isinstance(bad, (bytes, bytearray)):  # those: INVALID_PAYLOAD (test_official_shapes)
        with pytest.raises(TypeError, match="token"):
            sharing.decrypt_token_into_raw_uid(bad)
        with pytest.raises(TypeError, match="token"):
            bidstream.decrypt_token_into_raw_uid(bad, "example.com")
    with pytest.raises(TypeError, match="raw_uid"):
        sharing.encrypt_raw_uid_into_token(bad)
    if bad is not None and not isinstance(bad, (str, list)):
        with pytest.raises(TypeError, match="domain_or_app_name"):
            bidstream.decrypt_token_into_raw_uid("AAAA", bad)
    with pytest.raises(TypeError, match=r"tokens\[1\]"):
        sharing.decrypt_tokens_into_raw_uids(["AAAA", bad])
    with pytest.raises(TypeError, match=r"raw_uids\[2\]"):
        sharing.encrypt_raw_uids_into_tokens(["AAAA", "BBBB", bad])


def test_batch_argument_types(clients):
    sharing, bidstream, _, _ = clients
    for bad in ("AAAA", b"AAAA"):
        with pytest.raises(TypeError):
            sharing.decrypt_tokens_into_raw_uids(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            sharing.encrypt_raw_uids_into_tokens(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        bidstream.decrypt_tokens_into_raw_uids(None)  # type: ignore[arg-type]


def test_now_and_keyset_arguments(clients):
    sharing, _, _, _ = clients
    with pytest.raises(ValueError, match="timezone-aware"):
        sharing.decrypt_token_into_raw_uid("AAAA", now=dt.datetime(2030, 1, 1))
    with pytest.raises(TypeError):
        sharing.decrypt_token_into_raw_uid("AAAA", now=1700000000000)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sharing.decrypt_token_into_raw_uid("AAAA", now=dt.datetime(1960, 1, 1, tzinfo=UTC))
    with pytest.raises(TypeError):
        sharing.encrypt_raw_uid_into_token("AAAA", keyset_id="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sharing.encrypt_raw_uid_into_token("AAAA", keyset_id=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sharing.encrypt_raw_uid_into_token("AAAA", keyset_id=-1)
    # A non-UTC aware now is fine.
    tz = dt.timezone(dt.timedelta(hours=5))
    assert sharing.decrypt_token_into_raw_uid("AAAA", now=dt.datetime(2030, 1, 1, tzinfo=tz)).status


def test_refresh_json_types(clients):
    sharing, _, _, _ = clients
    with pytest.raises(TypeError):
        sharing.refresh_json(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sharing.refresh_json({"body": {}})  # type: ignore[arg-type]
    assert sharing.refresh_json("x" * MB).success is False
    assert sharing.refresh_json("\ud800").success is False
    with pytest.raises(TypeError):
        sharing.refresh(timeout="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sharing.refresh(timeout=0)


def test_many_bad_tokens_in_one_batch(clients):
    sharing, _, now, _ = clients
    tokens = BAD_TOKENS * 20
    results = sharing.decrypt_tokens_into_raw_uids(tokens, now=now)
    assert len(results) == len(tokens)
    assert not any(r.success for r in results)
