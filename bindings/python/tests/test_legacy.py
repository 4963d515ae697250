"""The official SDK's legacy API: Uid2Client from its factories,
EncryptionKeysAutoRefresher, and the module functions decrypt, encrypt,
encrypt_data and decrypt_data (legacy encrypted data, uid2-spec §2.7)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time

import pytest

from conftest import RAW_UID, make_keys, make_token

import libuid2
from libuid2 import (
    DecryptedData,
    EncryptionError,
    EncryptionKeysAutoRefresher,
    EncryptionKeysCollection,
    EuidClientFactory,
    IdentityScope,
    Uid2Client,
    Uid2ClientError,
    Uid2ClientFactory,
    decrypt,
    decrypt_data,
    encrypt,
    encrypt_data,
)

UTC = dt.timezone.utc
SITE = 5


@pytest.fixture
def keys():
    return make_keys(int(time.time()))


@pytest.fixture
def legacy(keys):
    with Uid2ClientFactory.create(None, None, None) as client:
        client.refresh_json(json.dumps({"body": keys}))
        yield client


def legacy_array(now_s: int) -> str:
    """A legacy key array (keys that name their site), as data encryption by
    site needs: site SITE has an active key (201) and a future one (202)."""
    def key(key_id, site_id, activates, fill):
        return {"id": key_id, "site_id": site_id, "created": now_s - 7200, "activates": activates,
                "expires": now_s + 86400, "secret": base64.b64encode(bytes([fill]) * 32).decode()}
    return json.dumps([key(201, SITE, now_s - 3600, 1), key(202, SITE, now_s + 3600, 2), key(301, 9, now_s - 3600, 3)])


@pytest.fixture
def data_keys():
    client = Uid2ClientFactory.create(None, None, None)
    keys = client.refresh_json(legacy_array(int(time.time())))
    yield keys
    client.close()


def test_factories_make_legacy_clients(legacy, keys):
    assert isinstance(legacy, Uid2Client)
    token = legacy.encrypt(RAW_UID)
    assert isinstance(token, str) and token.startswith("A")
    result = legacy.decrypt(token)
    assert result.success and result.uid == RAW_UID
    assert legacy.encrypt(RAW_UID, keyset_id=99999)
    with EuidClientFactory.create(None, None, None) as euid:
        euid_keys = euid.refresh_json(json.dumps({"body": make_keys(int(time.time()), scope="EUID")}))
        assert isinstance(euid_keys, EncryptionKeysCollection) and len(euid_keys) == 2
        assert euid.encrypt(RAW_UID).startswith("E")
    assert Uid2Client.create_euid(None, None, None)._identity_scope is IdentityScope.EUID


def test_legacy_client_raises_where_new_clients_return_statuses(legacy):
    with pytest.raises(EncryptionError, match="invalid payload|INVALID_PAYLOAD"):
        legacy.decrypt("not a token")
    with pytest.raises(EncryptionError, match="No Keyset Key Found"):
        legacy.encrypt(RAW_UID, keyset_id=12345)
    with Uid2ClientFactory.create(None, None, None) as empty:
        with pytest.raises(EncryptionError, match="NOT_INITIALIZED"):
            empty.decrypt(make_token(make_keys(int(time.time()))))
        with pytest.raises(Uid2ClientError) as info:
            empty.refresh_json("{}")
        assert isinstance(info.value, Exception) and str(info.value)
        with pytest.raises(ValueError):
            empty.refresh_keys()  # no base URL or credentials


def test_module_decrypt_and_encrypt(legacy, keys):
    collection = legacy.refresh_json(json.dumps(keys))
    response = encrypt(RAW_UID, IdentityScope.UID2, collection)
    assert response.success
    assert decrypt(response.encrypted_data, collection).uid == RAW_UID
    later = dt.datetime.now(UTC) + dt.timedelta(days=2)  # the token lasts a day, the keys 30
    with pytest.raises(EncryptionError, match="EXPIRED_TOKEN"):
        decrypt(response.encrypted_data, collection, now=later)
    at = dt.datetime.now(UTC) - dt.timedelta(minutes=5)
    old = encrypt(RAW_UID, IdentityScope.UID2, collection, now=at)
    assert decrypt(old.encrypted_data, collection).established == at.replace(microsecond=at.microsecond // 1000 * 1000)
    with pytest.raises(TypeError):
        decrypt(response.encrypted_data, {"keys": []})  # type: ignore[arg-type]
    with libuid2.BidstreamClient() as bidstream:
        bid_keys = bidstream.refresh_json(json.dumps(keys)).keys
        assert decrypt(response.encrypted_data, bid_keys).uid == RAW_UID
        with pytest.raises(TypeError):
            encrypt(RAW_UID, IdentityScope.UID2, bid_keys)


def test_encrypt_data_round_trip(data_keys):
    now = dt.datetime.now(UTC).replace(microsecond=123000)
    blob = encrypt_data(b"some data \0 bytes", IdentityScope.UID2, keys=data_keys, site_id=SITE, now=now)
    assert isinstance(blob, str) and base64.b64decode(blob)
    result = decrypt_data(blob, data_keys)
    assert isinstance(result, DecryptedData)
    assert result.data == b"some data \0 bytes" and result.encrypted_at == now and result.site_id == SITE
    assert decrypt_data(blob.encode(), data_keys) == result  # base64 text given as bytes, as official takes it
    with pytest.raises(TypeError):
        decrypt_data(None, data_keys)  # type: ignore[arg-type]
    assert encrypt_data(b"", IdentityScope.UID2, keys=data_keys, site_id=SITE) != blob
    assert decrypt_data(encrypt_data(bytearray(b"x" * 5000), keys=data_keys, site_id=SITE), data_keys).data == b"x" * 5000
    # By key: that key's site. A fixed IV makes the blob byte-exact.
    iv = bytes(range(12))
    a = encrypt_data(b"abc", IdentityScope.UID2, keys=data_keys, key=301, iv=iv, now=now)
    b = encrypt_data(b"abc", IdentityScope.UID2, keys=data_keys, key=301, iv=iv, now=now)
    assert a == b and decrypt_data(a, data_keys).site_id == 9


def test_encrypt_data_for_the_site_of_a_token(keys):
    token = make_token(keys)
    with Uid2ClientFactory.create(None, None, None) as client:
        collection = client.refresh_json(json.dumps(keys))
        with pytest.raises(EncryptionError, match="not authorized for key"):
            # Keys from a /v2/key/sharing response name no site (as in the official SDKs).
            encrypt_data(b"x", IdentityScope.UID2, keys=collection, advertising_token=token)
        with pytest.raises(EncryptionError, match="could not be decrypted"):
            encrypt_data(b"x", IdentityScope.UID2, keys=collection, advertising_token="garbage")


def test_encrypt_data_errors(data_keys):
    with pytest.raises(EncryptionError, match="not authorized for key"):
        encrypt_data(b"x", IdentityScope.UID2, keys=data_keys, site_id=4321)
    with pytest.raises(EncryptionError, match="not active"):
        encrypt_data(b"x", IdentityScope.UID2, keys=data_keys, key=202)
    with pytest.raises(EncryptionError, match="not authorized for key"):
        encrypt_data(b"x", IdentityScope.UID2, keys=data_keys, key=999)
    with pytest.raises(ValueError):
        encrypt_data(b"x", IdentityScope.UID2, keys=data_keys, site_id=SITE, advertising_token="AAAA")
    with pytest.raises(ValueError):
        encrypt_data(b"x", IdentityScope.UID2, keys=data_keys)
    with pytest.raises(ValueError):
        encrypt_data(b"x", IdentityScope.UID2, site_id=SITE)  # no keys
    with pytest.raises(ValueError):
        encrypt_data(b"x", IdentityScope.UID2, keys=data_keys, site_id=SITE, iv=b"short")
    with pytest.raises(TypeError):
        encrypt_data("text", IdentityScope.UID2, keys=data_keys, site_id=SITE)  # type: ignore[arg-type]


def test_decrypt_data_errors(data_keys):
    blob = encrypt_data(b"payload", IdentityScope.UID2, keys=data_keys, site_id=SITE)
    raw = bytearray(base64.b64decode(blob))
    with pytest.raises(EncryptionError, match="invalid payload"):
        decrypt_data("not base64!", data_keys)
    tampered = bytes(raw[:-1]) + bytes([raw[-1] ^ 1])
    with pytest.raises(EncryptionError, match="invalid payload"):
        decrypt_data(base64.b64encode(tampered).decode(), data_keys)
    wrong_version = bytes(raw[:1]) + b"\x01" + bytes(raw[2:])
    with pytest.raises(EncryptionError, match="version"):
        decrypt_data(base64.b64encode(wrong_version).decode(), data_keys)
    with Uid2ClientFactory.create(None, None, None) as other:
        other_keys = other.refresh_json(json.dumps(make_keys(int(time.time()))))
        with pytest.raises(EncryptionError, match="not authorized for key"):
            decrypt_data(blob, other_keys)


def test_auto_refresher(key_service, caplog):
    site = key_service.participant("legacy", ["advertiser"], ["sharer"])
    client = Uid2ClientFactory.create(key_service.url, site.api_key, site.secret)
    with EncryptionKeysAutoRefresher(client, dt.timedelta(hours=1), dt.timedelta(seconds=1)) as refresher:
        deadline = time.monotonic() + 10
        while not refresher.current_result().ready and time.monotonic() < deadline:
            time.sleep(0.02)
        result = refresher.current_result()
        assert result.ready and result.last_error is None and len(result.keys) >= 1
        assert result.last_success_time.tzinfo is not None
    assert not refresher.is_alive()
    bad = Uid2ClientFactory.create(key_service.url, "wrong-key", site.secret)
    with caplog.at_level(logging.WARNING, logger="libuid2"):
        with EncryptionKeysAutoRefresher(bad, dt.timedelta(hours=1), dt.timedelta(seconds=1)) as refresher:
            deadline = time.monotonic() + 10
            while refresher.current_result().last_error[0] is RuntimeError and time.monotonic() < deadline:
                time.sleep(0.02)
            result = refresher.current_result()
            assert not result.ready and result.last_error[0] is Uid2ClientError
    assert any("key refresh failed" in r.getMessage() for r in caplog.records)
    assert not any(site.secret in r.getMessage() for r in caplog.records)
    client.close()
    bad.close()
