"""The official SDK's legacy API, deprecated there and kept for code that
still uses it: ``Uid2Client`` (from ``Uid2ClientFactory`` and
``EuidClientFactory``), ``EncryptionKeysAutoRefresher``, and the module
functions ``decrypt``, ``encrypt``, ``encrypt_data`` and ``decrypt_data``.

Same names, arguments and exceptions as the official ``uid2-client``; the
keys stay inside the library (an :class:`EncryptionKeysCollection` is a view
of a client's keys), and every token, key and crypto step is the library's.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import logging
import sys
import threading
from dataclasses import dataclass
from typing import Any, NoReturn, Optional, Union

from . import _native
from ._client import LOGGER_NAME, EncryptionKeysCollection, SharingClient
from ._types import (
    DecryptedToken,
    DecryptionStatus,
    EncryptionDataResponse,
    EncryptionError,
    IdentityScope,
    _ms_to_datetime,
    datetime_to_ms,
)

__all__ = [
    "DecryptedData",
    "EncryptionKeysAutoRefreshResult",
    "EncryptionKeysAutoRefresher",
    "EuidClientFactory",
    "Uid2Client",
    "Uid2ClientError",
    "Uid2ClientFactory",
    "decrypt",
    "decrypt_data",
    "encrypt",
    "encrypt_data",
]

_log = logging.getLogger(LOGGER_NAME)

# Why encrypt_data/decrypt_data failed, in the official SDK's words where it
# has them (capi/uid2.h statuses).
_DATA_ERRORS = {
    1: "not authorized for key",
    3: DecryptionStatus.NOT_INITIALIZED.value,
    4: "invalid payload",
    6: DecryptionStatus.KEYS_NOT_SYNCED.value,
    7: "unsupported encrypted data format/version",
    8: "incorrect content type",
    9: "invalid identity scope",
    14: "advertising token could not be decrypted",
    15: "key is either expired or not active yet",
}


class Uid2ClientError(Exception):
    """Raised by ``Uid2Client.refresh_keys`` and ``refresh_json`` when the
    refresh fails (the official SDK raises a plain ``Exception`` there, of
    which this is a subclass)."""


class Uid2Client:
    """The legacy client (deprecated in the official SDK: use
    :class:`SharingClient` or :class:`BidstreamClient`). Create it with
    ``Uid2ClientFactory.create(base_url, auth_key, secret_key)`` or
    ``EuidClientFactory.create(...)``. It loads sharing keys
    (``/v2/key/sharing``), decrypts and encrypts tokens, and raises
    :class:`EncryptionError` where the new clients return a status."""

    def __init__(self, base_url: Optional[str], auth_key: Optional[str], secret_key: Optional[str]) -> None:
        self._client = SharingClient(base_url, auth_key, secret_key)
        self._identity_scope: Optional[IdentityScope] = None

    @classmethod
    def create_uid2(cls, base_url: Optional[str], auth_key: Optional[str], secret_key: Optional[str]) -> "Uid2Client":
        client = cls(base_url, auth_key, secret_key)
        client._identity_scope = IdentityScope.UID2
        return client

    @classmethod
    def create_euid(cls, base_url: Optional[str], auth_key: Optional[str], secret_key: Optional[str]) -> "Uid2Client":
        client = cls(base_url, auth_key, secret_key)
        client._identity_scope = IdentityScope.EUID
        return client

    def refresh_keys(self) -> EncryptionKeysCollection:
        """Fetch the latest keys over HTTP; returns the client's keys, raises
        :class:`Uid2ClientError` with the reason if the refresh fails (the
        previous keys stay)."""
        return self._keys_or_raise(self._client.refresh())

    def refresh_json(self, json_str: Union[str, bytes]) -> EncryptionKeysCollection:
        """Load keys from a key response JSON; returns the client's keys,
        raises :class:`Uid2ClientError` if it cannot be loaded."""
        return self._keys_or_raise(self._client.refresh_json(json_str))

    @staticmethod
    def _keys_or_raise(response: Any) -> EncryptionKeysCollection:
        if not response.success:
            raise Uid2ClientError(response.reason)
        return response.keys

    def encrypt(self, uid2: str, keyset_id: Optional[int] = None) -> str:
        """Encrypt a raw UID into a sharing token; raises
        :class:`EncryptionError` (with the status's text) if it cannot."""
        result = self._client.encrypt_raw_uid_into_token(uid2, keyset_id)
        if not result.success:
            raise EncryptionError(result.status.value)
        return result.encrypted_data  # type: ignore[return-value]

    def decrypt(self, token: str) -> DecryptedToken:
        """Decrypt a token; raises :class:`EncryptionError` unless it
        decrypts (``str`` of the status, as the official SDK)."""
        return _success_or_raise(self._client.decrypt_token_into_raw_uid(token))

    def close(self) -> None:
        """Free the client (not in the official SDK; the garbage collector
        frees it too)."""
        self._client.close()

    def __enter__(self) -> "Uid2Client":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Uid2ClientFactory:
    @staticmethod
    def create(endpoint: Optional[str], auth_key: Optional[str], secret_key: Optional[str]) -> Uid2Client:
        """A legacy client for UID2."""
        return Uid2Client.create_uid2(endpoint, auth_key, secret_key)


class EuidClientFactory:
    @staticmethod
    def create(endpoint: Optional[str], auth_key: Optional[str], secret_key: Optional[str]) -> Uid2Client:
        """A legacy client for EUID."""
        return Uid2Client.create_euid(endpoint, auth_key, secret_key)


def _success_or_raise(result: DecryptedToken) -> DecryptedToken:
    if not result.success:
        raise EncryptionError(str(result.status))
    return result


def _client_of(keys: object, what: str = "keys") -> Any:
    if not isinstance(keys, EncryptionKeysCollection):
        raise TypeError(
            f"{what} must be the EncryptionKeysCollection of a client (RefreshResponse.keys, "
            f"Uid2Client.refresh_keys()), not {type(keys).__name__}"
        )
    return keys._client


def decrypt(token: str, keys: EncryptionKeysCollection, now: Optional[_dt.datetime] = None) -> DecryptedToken:
    """Legacy: decrypt a token with a client's keys; raises
    :class:`EncryptionError` unless it decrypts."""
    client = _client_of(keys)
    if isinstance(client, SharingClient):
        return _success_or_raise(client.decrypt_token_into_raw_uid(token, now))
    return _success_or_raise(client.decrypt_token_into_raw_uid(token, None, now))


def encrypt(
    uid2: str,
    identity_scope: Optional[IdentityScope],
    keys: EncryptionKeysCollection,
    keyset_id: Optional[int] = None,
    **kwargs: Any,
) -> EncryptionDataResponse:
    """Legacy: encrypt a raw UID with a sharing client's keys (keyword
    ``now``). The token's identity scope is the keys' (their key response's),
    whatever ``identity_scope`` says."""
    client = _client_of(keys)
    if not isinstance(client, SharingClient):
        raise TypeError("only the keys of a sharing client (or Uid2Client) encrypt")
    return client.encrypt_raw_uid_into_token(uid2, keyset_id, kwargs.get("now"))


@dataclass(frozen=True)
class DecryptedData:
    """What ``decrypt_data`` returns: ``data`` (bytes), ``encrypted_at`` (an
    aware UTC datetime) and, not in the official SDK, ``site_id`` (the site
    the data was encrypted for)."""

    data: bytes
    encrypted_at: _dt.datetime
    site_id: Optional[int] = None


def _raise_data_error(status: int) -> NoReturn:
    if status < 100:
        raise EncryptionError(_DATA_ERRORS.get(status, _native.status_name(status)))
    if status == _native.INVALID_ARGUMENT:
        raise ValueError(_native.last_error_message() or "invalid argument")
    if status == _native.FORKED_PROCESS:
        raise _native.ForkedProcessError(_native.FORK_MESSAGE)
    if status == _native.INVALID_HANDLE:
        raise ValueError("the client of these keys is closed")
    raise RuntimeError(f"libuid2: unexpected status {status}: {_native.last_error_message()}")


def encrypt_data(data: bytes, identity_scope: Optional[IdentityScope] = None, **kwargs: Any) -> str:
    """Legacy (deprecated in the official SDK): encrypt bytes into the legacy
    encrypted-data blob (v3), as base64 text.

    Keyword arguments as the official SDK: ``keys`` (a client's
    :class:`EncryptionKeysCollection`, required here: the keys live in the
    library) with exactly one of ``site_id`` (that site's active key),
    ``advertising_token`` (its site's) or ``key`` (a loaded key: its id, or
    an object with a ``key_id``); ``now`` (an aware datetime) and ``iv``
    (12 bytes, for tests only). The blob's identity scope is the keys'.
    Raises :class:`EncryptionError` when no key fits, ``ValueError`` for a
    wrong combination of arguments."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    keys, key = kwargs.get("keys"), kwargs.get("key")
    if keys is None:
        raise ValueError("keys= is needed (a client's EncryptionKeysCollection): the keys live in the library")
    site_id, token = kwargs.get("site_id"), kwargs.get("advertising_token")
    if sum(x is not None for x in (site_id, token, key)) != 1:
        raise ValueError("give exactly one of site_id, advertising_token and key")
    client = _client_of(keys)
    request = _native.EncryptDataRequest()
    raw = bytes(data)
    request.data, request.data_len = raw, len(raw)
    if site_id is not None:
        if isinstance(site_id, bool) or not isinstance(site_id, int):
            raise TypeError(f"site_id must be int, not {type(site_id).__name__}")
        request.site_id = site_id
    elif token is not None:
        if not isinstance(token, str):
            raise TypeError(f"advertising_token must be str, not {type(token).__name__}")
        encoded = token.encode("utf-8", "surrogatepass")
        request.advertising_token, request.advertising_token_len = encoded, len(encoded)
    else:
        key_id = key if isinstance(key, int) and not isinstance(key, bool) else getattr(key, "key_id", None)
        if not isinstance(key_id, int):
            raise TypeError("key must be a key id (int) or have a key_id")
        request.key_id = key_id
    iv = kwargs.get("iv")
    if iv is not None:
        if not isinstance(iv, bytes) or len(iv) != 12:
            raise ValueError("iv must be 12 bytes")
        request.iv, request.iv_len = iv, 12
    now = kwargs.get("now")
    request.now_ms = 0 if now is None else datetime_to_ms(now)
    out_len = ctypes.c_size_t()
    cap = 4 * (len(raw) + 64) // 3 + 8
    for _ in range(3):
        out = ctypes.create_string_buffer(cap)
        status = client._lib.uid2_encrypt_data(client._handle, ctypes.byref(request), out, cap, ctypes.byref(out_len))
        if status != _native.BUFFER_TOO_SMALL:
            break
        cap = out_len.value + 1
    if status != 0:
        _raise_data_error(status)
    return out.raw[: out_len.value].decode("ascii")


def decrypt_data(encrypted_data: str, keys: EncryptionKeysCollection) -> DecryptedData:
    """Legacy (deprecated in the official SDK): decrypt a legacy
    encrypted-data blob (v2 or v3) with a client's keys. Raises
    :class:`EncryptionError` if it is malformed or its key is not loaded."""
    client = _client_of(keys)
    if isinstance(encrypted_data, str):
        raw = encrypted_data.encode("utf-8", "surrogatepass")
    elif isinstance(encrypted_data, (bytes, bytearray)):  # base64 text as bytes, as the official SDK takes it
        raw = bytes(encrypted_data)
    else:
        raise TypeError(f"encrypted_data must be str, not {type(encrypted_data).__name__}")
    out = ctypes.create_string_buffer(max(len(raw), 1))
    out_len, at_ms, site_id = ctypes.c_size_t(), ctypes.c_int64(), ctypes.c_int32()
    status = client._lib.uid2_decrypt_data(
        client._handle, raw, len(raw), out, len(out), ctypes.byref(out_len), ctypes.byref(at_ms), ctypes.byref(site_id)
    )
    if status != 0:
        _raise_data_error(status)
    return DecryptedData(out.raw[: out_len.value], _ms_to_datetime(at_ms.value), site_id.value)


class EncryptionKeysAutoRefreshResult:
    """A snapshot of an :class:`EncryptionKeysAutoRefresher`: ``keys`` (None
    until a refresh succeeded), ``last_error`` (``sys.exc_info()`` of the
    last failure, None after a success), ``last_success_time``, ``ready``."""

    def __init__(self, keys: Optional[EncryptionKeysCollection], error: Any, last_success: Optional[_dt.datetime]) -> None:
        self.keys = keys
        self.last_error = error
        self.last_success_time = last_success

    @property
    def ready(self) -> bool:
        return self.keys is not None

    def __repr__(self) -> str:
        return f"<{self.keys}, {self.last_error[1] if self.last_error else None}>"


class EncryptionKeysAutoRefresher(threading.Thread):
    """Legacy: a thread that calls ``client.refresh_keys()`` every
    ``refresh_interval`` (a timedelta), or ``retry_interval`` after a
    failure, as in the official SDK: ``start()``, ``cancel()``, ``join()``,
    ``current_result()``, or ``with``. Failures are also logged as warnings
    (logger ``"libuid2"``). New code: ``start_auto_refresh()`` on a client."""

    def __init__(self, client: Uid2Client, refresh_interval: _dt.timedelta, retry_interval: _dt.timedelta) -> None:
        super().__init__(name="libuid2-keys-auto-refresher")
        self._client = client
        self._refresh_interval = refresh_interval.total_seconds()
        self._retry_interval = retry_interval.total_seconds()
        self._finished = threading.Event()
        not_yet = RuntimeError("Refresh has not started or completed yet")
        self._result = EncryptionKeysAutoRefreshResult(None, (RuntimeError, not_yet, None), None)

    def current_result(self) -> EncryptionKeysAutoRefreshResult:
        """The latest result (take it once and read its fields from it)."""
        return self._result

    def run(self) -> None:
        while not self._finished.is_set():
            ok = self._try_refresh_keys()
            self._finished.wait(self._refresh_interval if ok else self._retry_interval)

    def cancel(self) -> None:
        """Tell the thread to stop."""
        self._finished.set()

    def _try_refresh_keys(self) -> bool:
        try:
            keys = self._client.refresh_keys()
        except Exception as exc:
            _log.warning("EncryptionKeysAutoRefresher: key refresh failed: %s", exc)
            self._result = EncryptionKeysAutoRefreshResult(self._result.keys, sys.exc_info(), self._result.last_success_time)
            return False
        self._result = EncryptionKeysAutoRefreshResult(keys, None, _dt.datetime.now(_dt.timezone.utc))
        return True

    def __enter__(self) -> "EncryptionKeysAutoRefresher":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()
        self.join()
