"""Every case of the legacy encrypted-data vectors (tests/vectors/
encrypted-data/, schema in tests/vectors/README.md) through the public
legacy API: encrypt_data byte-exact with the case's IV and time, and
decrypt_data, each failure as the EncryptionError the official SDK raises."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os

import pytest

from conftest import vectors_dir

import libuid2
from libuid2 import DecryptionStatus, EncryptionError, decrypt_data, encrypt_data

# The message of the EncryptionError for each status of the vectors.
MESSAGES = {
    "NOT_INITIALIZED": DecryptionStatus.NOT_INITIALIZED.value,
    "KEYS_NOT_SYNCED": DecryptionStatus.KEYS_NOT_SYNCED.value,
    "NOT_AUTHORIZED_FOR_KEY": "not authorized for key",
    "KEY_INACTIVE": "key is either expired or not active yet",
    "TOKEN_DECRYPT_FAILURE": "advertising token could not be decrypted",
    "INVALID_PAYLOAD": "invalid payload",
    "INVALID_PAYLOAD_TYPE": "incorrect content type",
    "VERSION_NOT_SUPPORTED": "unsupported encrypted data format/version",
    "INVALID_IDENTITY_SCOPE": "invalid identity scope",
}
UTC = dt.timezone.utc


def vector_files() -> list:
    # Read while collecting; test_every_file_and_status_is_run fails if there are none.
    return sorted(glob.glob(os.path.join(vectors_dir(), "encrypted-data", "*.json")))


def cases():
    for path in vector_files():
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for case in data["cases"]:
            yield pytest.param(data["keys"], case, id=f"{os.path.basename(path)}:{case['name']}")


@pytest.fixture(scope="module")
def clients():
    made = {}
    yield made
    for client in made.values():
        client.close()


def keys_for(clients: dict, keys) -> libuid2.EncryptionKeysCollection:
    """One legacy client per key set (None: a client that never loaded any)."""
    text = json.dumps(keys)
    if text not in clients:
        clients[text] = libuid2.SharingClient()
        if keys is not None:
            assert clients[text].refresh_json(text).success
    return libuid2.EncryptionKeysCollection(clients[text])


@pytest.mark.parametrize("keys,case", list(cases()))
def test_vector(clients, keys, case):
    collection = keys_for(clients, keys)
    expect = case["expect"]
    if case["op"] == "encrypt_data":
        target = {name: case[arg] for name, arg in (("site_id", "site_id"), ("advertising_token", "advertising_token"),
                                                    ("key", "key_id")) if case[arg] is not None}
        now = dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=case["now_ms"])
        call = lambda: encrypt_data(bytes.fromhex(case["data"]), None, keys=collection, iv=bytes.fromhex(case["iv"]),  # noqa: E731
                                    now=now, **target)
        if expect["status"] == "SUCCESS":
            assert call() == expect["encrypted"]
            return
    else:
        call = lambda: decrypt_data(case["encrypted"], collection)  # noqa: E731
        if expect["status"] == "SUCCESS":
            result = call()
            assert result.data == bytes.fromhex(expect["data"]) and result.site_id == expect["site_id"]
            assert result.encrypted_at == dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(
                milliseconds=expect["encrypted_at_ms"])
            return
    with pytest.raises(EncryptionError) as info:
        call()
    assert str(info.value) == MESSAGES[expect["status"]]


def test_every_file_and_status_is_run():
    assert len(vector_files()) >= 3, "the legacy encrypted-data vectors are not in " + vectors_dir()
    statuses = {case.values[1]["expect"]["status"] for case in cases()}
    assert {"SUCCESS", "KEY_INACTIVE", "TOKEN_DECRYPT_FAILURE", "INVALID_PAYLOAD_TYPE",
            "NOT_INITIALIZED", "KEYS_NOT_SYNCED"} <= statuses
