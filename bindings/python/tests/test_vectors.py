"""Every case of every file in tests/vectors, every field, through the single
and the batch calls; encrypt cases byte-exact through the insecure nonce path."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import load_vectors, vector_files

import libuid2
from libuid2 import (
    AdvertisingTokenVersion,
    BidstreamClient,
    DecryptionStatus,
    EncryptionStatus,
    IdentityScope,
    IdentityType,
    SharingClient,
)

UTC = dt.timezone.utc
VECTORS = load_vectors()
_DECODED = {"SUCCESS", "EXPIRED_TOKEN", "INVALID_TOKEN_LIFETIME", "DOMAIN_OR_APP_NAME_CHECK_FAILED", "USER_OPTED_OUT"}
_VERSION_CODE = {2: 2, 3: 3, 4: 4, 0: 0}
_VERSION_ENUM = {
    2: AdvertisingTokenVersion.ADVERTISING_TOKEN_V2,
    3: AdvertisingTokenVersion.ADVERTISING_TOKEN_V3,
    4: AdvertisingTokenVersion.ADVERTISING_TOKEN_V4,
}
_STATUS_CODE = {
    "SUCCESS": 0, "NOT_AUTHORIZED_FOR_KEY": 1, "NOT_AUTHORIZED_FOR_MASTER_KEY": 2, "NOT_INITIALIZED": 3,
    "INVALID_PAYLOAD": 4, "EXPIRED_TOKEN": 5, "KEYS_NOT_SYNCED": 6, "VERSION_NOT_SUPPORTED": 7,
    "INVALID_IDENTITY_SCOPE": 9, "INVALID_TOKEN_LIFETIME": 10, "DOMAIN_OR_APP_NAME_CHECK_FAILED": 11,
    "USER_OPTED_OUT": 12, "ENCRYPTION_FAILURE": 13,
}
_TYPE_CODE = {"EMAIL": 0, "PHONE": 1, None: -1}


def test_vectors_present():
    assert vector_files(), "no vector files found (tests/vectors/*.json)"
    assert sum(len(v["cases"]) for v in VECTORS) > 0


def _ms(value: dt.datetime) -> int:
    return (value - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(milliseconds=1)


def _when(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


_clients: dict = {}


def _client(data: dict):
    key = data["_file"]
    if key not in _clients:
        cls = SharingClient if data["client"] == "sharing" else BidstreamClient
        client = cls()
        if data["keys"] is not None:
            response = client.refresh_json(json.dumps(data["keys"]))
            assert response.success, response.reason
        _clients[key] = client
    return _clients[key]


def _decrypt(client, case, batch: bool):
    now = _when(case["now_ms"])
    if isinstance(client, BidstreamClient):
        if batch:
            return client.decrypt_tokens_into_raw_uids([case["token"]], case["domain"], now=now)[0]
        return client.decrypt_token_into_raw_uid(case["token"], case["domain"], now=now)
    if batch:
        return client.decrypt_tokens_into_raw_uids([case["token"]], now=now)[0]
    return client.decrypt_token_into_raw_uid(case["token"], now=now)


def check_decrypt(result, exp: dict) -> None:
    status = exp["status"]
    decoded = status in _DECODED
    # Public fields, as a user sees them.
    assert result.status is DecryptionStatus[status]
    assert result.success is (status == "SUCCESS")
    assert result.uid == (exp["uid"] if status == "SUCCESS" else None)
    assert result.uid2 == result.uid
    assert result.identity_scope is IdentityScope[exp["identity_scope"]]
    if decoded:
        assert result.established == _when(exp["established_ms"])
        assert result.expiry == _when(exp["expiry_ms"])
        assert result.established.tzinfo is not None and result.expiry.utcoffset() == dt.timedelta(0)
        assert result.site_id == exp["site_id"]
        assert result.site_key_site_id == exp["site_key_site_id"]
        assert result.identity_type is (None if exp["identity_type"] is None else IdentityType[exp["identity_type"]])
        assert result.advertising_token_version is _VERSION_ENUM.get(exp["version"])
        assert result.is_client_side_generated is exp["is_client_side_generated"]
    else:
        for field in ("established", "expiry", "site_id", "site_key_site_id", "identity_type",
                      "advertising_token_version", "is_client_side_generated"):
            assert getattr(result, field) is None, field
    # Every field of the C result, exactly (what the vector fixes).
    r = result
    assert r._status == _STATUS_CODE[status]
    assert (r._site_id, r._site_key_site_id) == (exp["site_id"], exp["site_key_site_id"])
    assert r._identity_scope == (0 if exp["identity_scope"] == "UID2" else 1)
    assert r._identity_type == _TYPE_CODE[exp["identity_type"]]
    assert r._advertising_token_version == _VERSION_CODE[exp["version"]]
    assert r._is_client_side_generated == int(exp["is_client_side_generated"])
    assert (r._established_ms, r._expiry_ms) == (exp["established_ms"], exp["expiry_ms"])
    assert r._uid_len == len(exp["uid"].encode())
    assert r._uid_bytes().decode() == exp["uid"]


def check_encrypt(result, exp: dict) -> None:
    assert result.status is EncryptionStatus[exp["status"]]
    assert result.success is (exp["status"] == "SUCCESS")
    assert result.encrypted_data == (exp["token"] if exp["status"] == "SUCCESS" else None)


CASES = [
    pytest.param(data, case, id=f"{data['_file']}::{case['name']}")
    for data in VECTORS
    for case in data["cases"]
]


@pytest.mark.parametrize("data,case", CASES)
def test_vector(data, case):
    client = _client(data)
    if case["op"] == "decrypt":
        check_decrypt(_decrypt(client, case, batch=False), case["expect"])
        check_decrypt(_decrypt(client, case, batch=True), case["expect"])
    elif case["op"] == "encrypt":
        assert isinstance(client, SharingClient)
        result = client._encrypt_with_nonces_insecure_for_tests(
            case["raw_uid"], bytes.fromhex(case["nonces"]), keyset_id=case["keyset_id"], now=_when(case["now_ms"])
        )
        check_encrypt(result, case["expect"])
        normal = client.encrypt_raw_uid_into_token(case["raw_uid"], case["keyset_id"], now=_when(case["now_ms"]))
        batch = client.encrypt_raw_uids_into_tokens([case["raw_uid"]], case["keyset_id"], now=_when(case["now_ms"]))[0]
        # The random-nonce paths: the same status, and tokens that decrypt as
        # the vector's own token does (its "<name>/decrypt" case).
        follow = {c["name"]: c for c in data["cases"]}.get(case["name"] + "/decrypt")
        for other in (normal, batch):
            assert other.status is result.status
            if other.success:
                assert len(other.encrypted_data) == len(case["expect"]["token"])
                assert follow is not None, "a successful encrypt case has a /decrypt case"
                back = client.decrypt_token_into_raw_uid(other.encrypted_data, now=_when(follow["now_ms"]))
                assert back.success and back.uid == follow["expect"]["uid"]
    else:
        pytest.fail(f"unknown op {case['op']!r}")


@pytest.mark.parametrize("data", [pytest.param(d, id=d["_file"]) for d in VECTORS])
def test_file_as_one_batch(data):
    """All decrypt cases of a file that share a `now` and a domain, in one
    batch call, give the same results as one by one."""
    client = _client(data)
    groups: dict = {}
    for case in data["cases"]:
        if case["op"] == "decrypt":
            groups.setdefault((case["now_ms"], case["domain"]), []).append(case)
    for (now_ms, domain), cases in groups.items():
        tokens = [c["token"] for c in cases]
        if isinstance(client, BidstreamClient):
            results = client.decrypt_tokens_into_raw_uids(tokens, domain, now=_when(now_ms))
        else:
            results = client.decrypt_tokens_into_raw_uids(tokens, now=_when(now_ms))
        assert len(results) == len(cases)
        for result, case in zip(results, cases):
            check_decrypt(result, case["expect"])


_baseline = 0


def setup_module(module):
    global _baseline
    _baseline = libuid2.client_count()


def teardown_module(module):
    for client in _clients.values():
        client.close()
    _clients.clear()
    assert libuid2.client_count() == _baseline
