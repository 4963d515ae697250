"""What code written for the official uid2-client relies on beyond the
clients' methods: IntEnum identity enums, EncryptionError, result objects
that users build in their own tests, the official keyword names, bytes
tokens, RefreshResponse.keys, and the module functions in a forked child."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import time

import pytest

from conftest import RAW_UID, make_keys, make_token

import libuid2
from libuid2 import (
    AdvertisingTokenVersion,
    DecryptedToken,
    DecryptionStatus,
    EncryptionDataResponse,
    EncryptionError,
    EncryptionKeysCollection,
    EncryptionStatus,
    IdentityScope,
    IdentityType,
    RefreshResponse,
    SharingClient,
)

UTC = dt.timezone.utc


@pytest.fixture
def sharing():
    keys = make_keys(int(time.time()))
    with SharingClient() as client:
        assert client.refresh_json(json.dumps(keys)).success
        yield client, make_token(keys)


def test_identity_enums_are_int_enums():
    assert IdentityScope.UID2 == 0 and IdentityScope.EUID == 1 and int(IdentityScope.EUID) == 1
    assert IdentityType.Email == 0 and IdentityType.Phone == 1 and int(IdentityType.Phone) == 1
    assert IdentityScope(1) is IdentityScope.EUID and IdentityType(0) is IdentityType.Email
    assert sorted([IdentityType.Phone, IdentityType.Email]) == [IdentityType.Email, IdentityType.Phone]


def test_encryption_error_is_exported():
    assert issubclass(EncryptionError, Exception)
    with pytest.raises(libuid2.EncryptionError):
        raise EncryptionError("invalid payload")


def test_decrypted_token_built_as_in_users_tests(sharing):
    expiry = dt.datetime(2030, 1, 1, tzinfo=UTC)
    built = DecryptedToken(DecryptionStatus.SUCCESS, RAW_UID, expiry, 7, 8, IdentityScope.UID2,
                           IdentityType.Phone, AdvertisingTokenVersion.ADVERTISING_TOKEN_V4, True, expiry)
    assert isinstance(built, DecryptedToken) and built.success
    assert (built.uid, built.uid2, built.site_id, built.site_key_site_id) == (RAW_UID, RAW_UID, 7, 8)
    assert built.identity_type is IdentityType.Phone and built.is_client_side_generated is True
    assert built.established == expiry == built.expiry
    # Exactly what was given, even where the library would give something else.
    odd = DecryptedToken(DecryptionStatus.EXPIRED_TOKEN, "uid", None, None, None, None, None, None, None, expiry)
    assert not odd.success and odd.uid == "uid" and odd.site_id is None and odd.expiry == expiry
    error = DecryptedToken.make_error(DecryptionStatus.NOT_AUTHORIZED_FOR_KEY)
    assert error.status is DecryptionStatus.NOT_AUTHORIZED_FOR_KEY and not error.success
    assert all(v is None for k, v in error._asdict().items() if k != "status")
    with pytest.raises(AttributeError):
        error.uid = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        DecryptedToken()  # type: ignore[call-arg]  # the official constructor takes all ten
    assert pickle.loads(pickle.dumps(built)) == built
    # A built result equals the library's result with the same values.
    client, token = sharing
    real = client.decrypt_token_into_raw_uid(token)
    copy = DecryptedToken(*real._asdict().values())
    assert copy == real and real == copy and hash(copy) == hash(real) and copy != error


def test_encryption_data_response_built_as_in_users_tests():
    ok = EncryptionDataResponse.make_success("AIAAAA")
    assert ok.success and ok.status is EncryptionStatus.SUCCESS and ok.encrypted_data == "AIAAAA"
    bad = EncryptionDataResponse.make_error(EncryptionStatus.KEYS_NOT_SYNCED)
    assert not bad.success and bad.status is EncryptionStatus.KEYS_NOT_SYNCED and bad.encrypted_data is None
    direct = EncryptionDataResponse(EncryptionStatus.ENCRYPTION_FAILURE, None)
    assert direct.status is EncryptionStatus.ENCRYPTION_FAILURE and not direct.success
    assert EncryptionDataResponse(EncryptionStatus.SUCCESS, "x") == EncryptionDataResponse.make_success("x")
    with pytest.raises(TypeError):
        EncryptionDataResponse("success", "x")  # type: ignore[arg-type]


def test_refresh_response_built_and_keys(sharing):
    assert RefreshResponse.make_error("HTTP 401").reason == "HTTP 401"
    assert RefreshResponse.make_error("x").success is False and RefreshResponse.make_error("x").keys is None
    assert RefreshResponse(True, None, None).success
    client, _ = sharing
    response = client.refresh_json(json.dumps(make_keys(int(time.time()))))
    assert response.success and isinstance(response.keys, EncryptionKeysCollection)
    assert len(response.keys) == 2 == client.refresh_state().key_count
    assert RefreshResponse.make_success(response.keys).keys is response.keys
    failed = client.refresh_json("{}")
    assert not failed.success and failed.keys is None


def test_official_keyword_of_encrypt(sharing):
    client, _ = sharing
    result = client.encrypt_raw_uid_into_token(uid2=RAW_UID)
    assert result.success
    assert client.decrypt_token_into_raw_uid(result.encrypted_data).uid == RAW_UID
    assert client.encrypt_raw_uid_into_token(uid2=RAW_UID, keyset_id=12345).status is EncryptionStatus.NOT_AUTHORIZED_FOR_KEY
    with pytest.raises(TypeError):
        client.encrypt_raw_uid_into_token(RAW_UID, uid2=RAW_UID)
    with pytest.raises(TypeError):
        client.encrypt_raw_uid_into_token()


@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_bytes_token_is_invalid_payload(sharing, kind):
    """The official SDK reports a token given as bytes as an invalid payload."""
    client, token = sharing
    result = client.decrypt_token_into_raw_uid(kind(token.encode()))
    assert result.status is DecryptionStatus.INVALID_PAYLOAD and result.uid is None
    with libuid2.BidstreamClient() as bidstream:  # no keys yet: as for any token
        assert bidstream.decrypt_token_into_raw_uid(b"AAAA", "example.com").status is DecryptionStatus.NOT_INITIALIZED


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_module_functions_raise_in_a_forked_child(sharing):
    """The README's promise: every libuid2 call in a child forked after the
    library was loaded raises ForkedProcessError, these two included."""
    assert libuid2.client_count() >= 1 and libuid2.library_version()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        outcome = []
        for call in (libuid2.client_count, libuid2.library_version):
            try:
                outcome.append(repr(call()))
            except libuid2.ForkedProcessError:
                outcome.append("ForkedProcessError")
        os.write(write, ",".join(outcome).encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        assert f.read() == "ForkedProcessError,ForkedProcessError"
    assert status == 0


@pytest.mark.parametrize("secret", ["AAAA", "not base64 of 32 bytes", "A" * 42 + "=="])
def test_a_malformed_secret_raises_in_the_constructor(secret):
    """Kept as the official Java SDK does (a difference from official Python,
    which accepts some of these until refresh())."""
    with pytest.raises(ValueError):
        SharingClient("http://127.0.0.1:1", "key", secret)
    with pytest.raises(ValueError):
        libuid2.Uid2ClientFactory.create("http://127.0.0.1:1", "key", secret)
