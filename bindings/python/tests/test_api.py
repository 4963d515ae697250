"""The public surface: names and values of the official SDK, result types,
handles, refresh from JSON, batches, the library lookup."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import os
import subprocess
import sys

import pytest

import time

from conftest import RAW_UID, SRC, make_keys, make_token

import libuid2
from libuid2 import (
    AdvertisingTokenVersion,
    BidstreamClient,
    DecryptedToken,
    DecryptionStatus,
    EncryptionDataResponse,
    EncryptionStatus,
    IdentityScope,
    IdentityType,
    RefreshResponse,
    SharingClient,
)

UTC = dt.timezone.utc


def when(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


@pytest.fixture
def keys():
    return make_keys(int(time.time()))


@pytest.fixture
def sharing(keys):
    with SharingClient() as client:
        assert client.refresh_json(json.dumps(keys)).success
        yield client, make_token(keys)


def test_official_enum_values():
    assert DecryptionStatus.SUCCESS.value == "success"
    assert DecryptionStatus.NOT_AUTHORIZED_FOR_KEY.value == "not authorized for key"
    assert DecryptionStatus.NOT_INITIALIZED.value == "keys not initialized"
    assert DecryptionStatus.EXPIRED_TOKEN.value == "token expired"
    assert DecryptionStatus.DOMAIN_OR_APP_NAME_CHECK_FAILED is DecryptionStatus.DOMAIN_NAME_CHECK_FAILED
    assert EncryptionStatus.NOT_AUTHORIZED_FOR_KEY.value == "No Keyset Key Found"
    assert EncryptionStatus.ENCRYPTION_FAILURE.value == "Failed to encrypt"
    assert [v.value for v in AdvertisingTokenVersion] == [2, 112, 128]
    assert IdentityScope.UID2.value == 0 and IdentityScope.EUID.value == 1
    assert IdentityType.Email.value == 0 and IdentityType.Phone is IdentityType.PHONE


def test_decrypt_result(sharing):
    client, token = sharing
    result = client.decrypt_token_into_raw_uid(token)
    assert isinstance(result, DecryptedToken)
    assert result.success and result.status is DecryptionStatus.SUCCESS
    assert result.uid == RAW_UID
    assert result.established.tzinfo is UTC and result.expiry.tzinfo is UTC
    assert result.expiry - result.established == dt.timedelta(days=1)  # token_expiry_seconds
    assert result.site_id == 1001 and result.identity_scope is IdentityScope.UID2
    assert result.identity_type is IdentityType.Email
    assert result.advertising_token_version is AdvertisingTokenVersion.ADVERTISING_TOKEN_V4
    assert result.is_client_side_generated is False
    # frozen
    with pytest.raises(AttributeError):
        result.uid = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.anything = 1  # type: ignore[attr-defined]
    assert "uid=" in repr(result) and "DecryptedToken(" in repr(result)
    assert result._asdict()["uid"] == result.uid
    again = client.decrypt_token_into_raw_uid(token)
    assert again == result and hash(again) == hash(result)
    # now= moves the clock: after expiry the token is expired, fields still set
    later = client.decrypt_token_into_raw_uid(token, now=result.expiry + dt.timedelta(seconds=1))
    assert later.status is DecryptionStatus.EXPIRED_TOKEN and later.uid is None
    assert later.expiry == result.expiry and later.site_id == 1001
    at_expiry = client.decrypt_token_into_raw_uid(token, now=result.expiry)
    assert at_expiry.success


def test_encrypt_round_trip(sharing):
    client, _ = sharing
    enc = client.encrypt_raw_uid_into_token(RAW_UID)
    assert isinstance(enc, EncryptionDataResponse)
    assert enc.success and enc.status is EncryptionStatus.SUCCESS
    token = enc.encrypted_data
    assert token and not set("+/=") & set(token) and token[0] == "A"
    dec = client.decrypt_token_into_raw_uid(token)
    assert dec.success and dec.uid == RAW_UID
    with pytest.raises(AttributeError):
        enc.encrypted_data = "x"  # type: ignore[misc]
    # An unknown keyset: a status, not an exception.
    assert client.encrypt_raw_uid_into_token(RAW_UID, keyset_id=12345).status is EncryptionStatus.NOT_AUTHORIZED_FOR_KEY
    assert client.encrypt_raw_uid_into_token(RAW_UID, keyset_id=99999).success
    # Batch: many in one call, each decrypts to its own raw UID.
    raw_uids = [RAW_UID, "BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ"] * 25
    tokens = client.encrypt_raw_uids_into_tokens(raw_uids)
    assert len(tokens) == 50 and all(t.success for t in tokens)
    assert len({t.encrypted_data for t in tokens}) == 50  # fresh nonces
    back = client.decrypt_tokens_into_raw_uids([t.encrypted_data for t in tokens])
    assert [b.uid for b in back] == raw_uids
    assert back[1].identity_type is IdentityType.Phone


def test_long_raw_uid_round_trip(sharing):
    """Raw UIDs longer than the C result's inline buffer take the retry path."""
    client, _ = sharing
    import base64

    for size in (190, 192, 300, 3000):
        raw = base64.b64encode(bytes(range(256)) * (size // 256) + bytes(size % 256)).decode()
        enc = client.encrypt_raw_uid_into_token(raw)
        assert enc.success, (size, enc)
        long_result = client.decrypt_token_into_raw_uid(enc.encrypted_data)
        assert long_result.uid == raw
        import pickle

        assert pickle.loads(pickle.dumps(long_result)).uid == raw
        batch = client.encrypt_raw_uids_into_tokens([raw, RAW_UID, raw])
        assert [b.success for b in batch] == [True] * 3
        back = client.decrypt_tokens_into_raw_uids([b.encrypted_data for b in batch])
        assert [b.uid for b in back] == [raw, RAW_UID, raw]


def test_not_initialized():
    with SharingClient() as sharing, BidstreamClient() as bidstream:
        assert sharing.decrypt_token_into_raw_uid("A" * 100).status is DecryptionStatus.NOT_INITIALIZED
        assert bidstream.decrypt_token_into_raw_uid("A" * 100, "example.com").status is DecryptionStatus.NOT_INITIALIZED
        assert sharing.encrypt_raw_uid_into_token("AAAA").status is EncryptionStatus.NOT_INITIALIZED
        assert sharing.encrypt_raw_uid_into_token("AAAA").encrypted_data is None
        assert [r.status for r in sharing.decrypt_tokens_into_raw_uids(["x", "y"])] == [
            DecryptionStatus.NOT_INITIALIZED
        ] * 2
        assert sharing.refresh_state().has_keys is False


def test_refresh_json_failure_keeps_keys(sharing):
    client, token = sharing
    state = client.refresh_state()
    assert state.has_keys and state.key_count == 2 and state.last_success is not None
    for bad in ("", "not json", "{}", '{"body": 5}', "[" * 100000, b"\xff\xfe"):
        response = client.refresh_json(bad)
        assert isinstance(response, RefreshResponse)
        assert response.success is False and response.reason
        assert client.decrypt_token_into_raw_uid(token).success
    state = client.refresh_state()
    assert state.consecutive_failures >= 1 and state.last_error
    with pytest.raises(dataclasses.FrozenInstanceError):
        response.success = True  # type: ignore[misc]


def test_whole_response_and_bytes_accepted(keys):
    token = make_token(keys)
    for text in (json.dumps({"body": keys}), json.dumps(keys).encode()):
        with BidstreamClient() as client:
            assert client.refresh_json(text).success
            assert client.decrypt_token_into_raw_uid(token, "example.com").uid == RAW_UID


def test_bidstream_domain_name_alias(keys):
    token = make_token(keys)
    with BidstreamClient() as client:
        assert client.refresh_json(json.dumps(keys)).success
        a = client.decrypt_token_into_raw_uid(token, "example.com")
        b = client.decrypt_token_into_raw_uid(token, domain_name="example.com")
        c = client.decrypt_token_into_raw_uid(token)
        assert a == b == c and a.success
        with pytest.raises(TypeError):
            client.decrypt_token_into_raw_uid(token, "a.com", domain_name="b.com")
        assert not hasattr(client, "encrypt_raw_uid_into_token")


def test_identity_scope_is_checked():
    """A fix over the official Python SDK: an EUID token given to a UID2
    client is refused (INVALID_IDENTITY_SCOPE), not decrypted."""
    now = int(time.time())
    euid_token = make_token(make_keys(now, scope="EUID"))
    with SharingClient() as client:
        assert client.refresh_json(json.dumps(make_keys(now, scope="UID2"))).success
        result = client.decrypt_token_into_raw_uid(euid_token)
        assert result.status is DecryptionStatus.INVALID_IDENTITY_SCOPE and result.uid is None
    assert euid_token[0] == "E"


def test_close_and_context_manager():
    base = libuid2.client_count()
    client = SharingClient()
    assert libuid2.client_count() == base + 1 and not client.closed
    client.close()
    client.close()  # idempotent
    assert client.closed and libuid2.client_count() == base
    for call in (
        lambda: client.decrypt_token_into_raw_uid("abc"),
        lambda: client.decrypt_tokens_into_raw_uids(["abc"]),
        lambda: client.encrypt_raw_uid_into_token("abc"),
        lambda: client.encrypt_raw_uids_into_tokens(["abc"]),
        lambda: client.refresh_json("{}"),
        lambda: client.refresh_state(),
    ):
        with pytest.raises(ValueError, match="closed"):
            call()
    with BidstreamClient() as b:
        assert libuid2.client_count() == base + 1
    assert b.closed and libuid2.client_count() == base


def test_gc_frees_handles():
    base = libuid2.client_count()
    for _ in range(200):
        SharingClient()
        BidstreamClient()
    clients = [SharingClient() for _ in range(100)]
    assert libuid2.client_count() == base + 100
    del clients
    gc.collect()
    assert libuid2.client_count() == base


def test_batch_results_are_a_sequence(sharing):
    """decrypt_tokens_into_raw_uids returns a read-only sequence that reads
    like the list of single results, long raw UIDs included."""
    import base64
    import pickle
    from collections.abc import Sequence

    client, _ = sharing
    long_raw = base64.b64encode(bytes(range(256)) * 2).decode()
    raws = [RAW_UID, long_raw, RAW_UID]
    tokens = [t.encrypted_data for t in client.encrypt_raw_uids_into_tokens(raws)] + ["x"]
    singles = [client.decrypt_token_into_raw_uid(t) for t in tokens]
    batch = client.decrypt_tokens_into_raw_uids(tokens)
    assert isinstance(batch, libuid2.DecryptedTokens) and isinstance(batch, Sequence)
    assert len(batch) == 4
    assert batch == singles and singles == list(batch) and batch != singles[:3]
    assert [r.uid for r in batch] == raws + [None]
    assert batch[1].uid == long_raw and batch[-3].uid == long_raw
    assert batch[-1].status is DecryptionStatus.INVALID_PAYLOAD
    assert batch[1:3] == singles[1:3] and batch[::-1] == singles[::-1]
    assert list(reversed(batch)) == singles[::-1]
    assert singles[1] in batch and batch.index(singles[3]) == 3
    for bad in (4, -5):
        with pytest.raises(IndexError):
            batch[bad]
    with pytest.raises(TypeError):
        batch["0"]  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        batch[0] = singles[0]  # type: ignore[index]
    assert pickle.loads(pickle.dumps(batch)) == singles
    assert "DecryptedTokens([DecryptedToken(" in repr(batch)


def test_batch_makes_no_object_per_token(sharing):
    """The batch call leaves its results in the library's array: objects
    the garbage collector tracks do not grow with the batch, so a large
    batch does not fill the older generations."""
    client, _ = sharing
    tokens = [t.encrypted_data for t in client.encrypt_raw_uids_into_tokens([RAW_UID] * 2000)]
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        batch = client.decrypt_tokens_into_raw_uids(tokens)
        grown = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert grown < 50, grown
    assert all(r.uid == RAW_UID for r in batch)


def test_empty_batches(sharing):
    client, _ = sharing
    assert client.decrypt_tokens_into_raw_uids([]) == []
    assert client.encrypt_raw_uids_into_tokens([]) == []
    assert len(client.decrypt_tokens_into_raw_uids(iter(["a", "b"]))) == 2  # any iterable


def test_auto_refresh_needs_credentials():
    with SharingClient() as client:
        with pytest.raises(ValueError):
            client.start_auto_refresh()
        client.stop_auto_refresh()  # not running: fine


def test_constructor_arguments():
    with pytest.raises(ValueError):
        SharingClient("http://127.0.0.1:1", "key", "not base64 of 32 bytes")
    with pytest.raises(TypeError):
        SharingClient("http://127.0.0.1:1", 5, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SharingClient("http://127.0.0.1:1\0", "key", None)
    with SharingClient("http://127.0.0.1:1", "key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") as client:
        response = client.refresh(timeout=2)  # nothing listens there
        assert response.success is False and response.reason


def test_library_info():
    assert libuid2.library_version()
    assert os.path.samefile(libuid2.library_path(), os.environ["UID2_LIBRARY_PATH"])
    assert os.path.exists(os.path.join(SRC, "libuid2", "py.typed"))


def _run(code: str, **env) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=SRC, **env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=60)


def test_library_not_found():
    proc = _run(
        "import libuid2\n"
        "try:\n    libuid2.SharingClient()\n"
        "except libuid2.LibraryError as e:\n    print('LibraryError', e)\n",
        UID2_LIBRARY_PATH="/nonexistent/libuid2.so",
    )
    assert "LibraryError" in proc.stdout and "UID2_LIBRARY_PATH" in proc.stdout, proc.stderr


def test_not_a_libuid2():
    import ctypes.util

    libm = ctypes.util.find_library("m")
    if libm is None:
        pytest.skip("no libm to stand for a foreign library")
    proc = _run(
        "import libuid2\n"
        "try:\n    libuid2.BidstreamClient()\n"
        "except libuid2.LibraryError as e:\n    print('LibraryError', e)\n",
        UID2_LIBRARY_PATH=libm,
    )
    assert "LibraryError" in proc.stdout and "not a usable libuid2" in proc.stdout, (proc.stdout, proc.stderr)


def test_import_does_not_load_library():
    # Importing is fork-safe: the Go runtime starts with the first client.
    proc = _run("import libuid2, libuid2._native as n; print(n._lib is None)")
    assert proc.stdout.strip() == "True", proc.stderr


def test_fork_after_load_raises():
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    code = (
        "import os, sys, libuid2\n"
        "c = libuid2.SharingClient()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    try:\n"
        "        c.decrypt_token_into_raw_uid('abc')\n"
        "        os._exit(1)\n"
        "    except libuid2.ForkedProcessError:\n"
        "        pass\n"
        "    try:\n"
        "        libuid2.BidstreamClient()\n"
        "        os._exit(2)\n"
        "    except libuid2.ForkedProcessError:\n"
        "        os._exit(0)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print('child', os.waitstatus_to_exitcode(status))\n"
        "print(c.decrypt_token_into_raw_uid('abc').status.name)\n"
    )
    proc = _run(code)
    assert proc.stdout.split() == ["child", "0", "NOT_INITIALIZED"], (proc.stdout, proc.stderr)


def test_results_pickle_and_copy(sharing):
    import copy
    import pickle

    client, token = sharing
    for result in (client.decrypt_token_into_raw_uid(token), client.decrypt_tokens_into_raw_uids([token, "x"])[1]):
        again = pickle.loads(pickle.dumps(result))
        assert again == result and again.uid == result.uid and again.status is result.status
        assert copy.copy(result) == result
    enc = client.encrypt_raw_uid_into_token(RAW_UID)
    assert pickle.loads(pickle.dumps(enc)) == enc


def test_private_fields_are_frozen_too(sharing):
    client, token = sharing
    result = client.decrypt_token_into_raw_uid(token)
    with pytest.raises(AttributeError):
        result._status = 4  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del result._uid_len
    assert result.success
