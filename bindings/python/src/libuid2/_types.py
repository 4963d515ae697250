"""Public enums and result types. Names and values follow the official
``uid2-client`` Python SDK; additions are marked."""

from __future__ import annotations

import ctypes
import datetime as _dt
import operator
from functools import partial
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from ._native import DecryptionResult

__all__ = [
    "DecryptionStatus",
    "EncryptionStatus",
    "IdentityScope",
    "IdentityType",
    "AdvertisingTokenVersion",
    "DecryptedToken",
    "DecryptionResponse",
    "EncryptionDataResponse",
    "EncryptionError",
    "RefreshResponse",
    "RefreshState",
]

UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_MS = _dt.timedelta(milliseconds=1)
_MAX_DATETIME = _dt.datetime.max.replace(tzinfo=UTC)


class DecryptionStatus(Enum):
    """Outcome of a decryption. String-valued, with the official SDK's values."""

    SUCCESS = "success"
    NOT_AUTHORIZED_FOR_KEY = "not authorized for key"
    NOT_AUTHORIZED_FOR_MASTER_KEY = "not authorized for master key"
    NOT_INITIALIZED = "keys not initialized"
    INVALID_PAYLOAD = "invalid payload"
    EXPIRED_TOKEN = "token expired"
    KEYS_NOT_SYNCED = (
        "no keys available or all keys have expired; refresh the latest keys from UID2 service"
    )
    VERSION_NOT_SUPPORTED = "token version not supported"
    INVALID_TOKEN_LIFETIME = "invalid token lifetime"
    DOMAIN_NAME_CHECK_FAILED = "domain name check failed"
    #: Alias of DOMAIN_NAME_CHECK_FAILED (the Java/.NET name; the check covers app names too).
    DOMAIN_OR_APP_NAME_CHECK_FAILED = "domain name check failed"
    # Not in the official Python SDK (it has no such check), as in Java/.NET:
    INVALID_IDENTITY_SCOPE = "invalid identity scope"
    USER_OPTED_OUT = "user opted out"
    #: Not in the official SDK: a bug inside libuid2 was caught (or the library
    #: returned a status this binding does not know).
    INTERNAL_ERROR = "internal error"


class EncryptionStatus(Enum):
    """Outcome of an encryption. String-valued, with the official SDK's values."""

    SUCCESS = "success"
    NOT_AUTHORIZED_FOR_KEY = "No Keyset Key Found"
    NOT_AUTHORIZED_FOR_MASTER_KEY = "not authorized for master key"
    NOT_INITIALIZED = "keys not initialized"
    KEYS_NOT_SYNCED = (
        "no keys available or all keys have expired; refresh the latest keys from UID2 service"
    )
    ENCRYPTION_FAILURE = "Failed to encrypt"
    #: Not in the official SDK: a bug inside libuid2 was caught.
    INTERNAL_ERROR = "internal error"


class IdentityScope(IntEnum):
    """UID2 or EUID (from the key response). An ``IntEnum``, as in the official
    SDK: ``IdentityScope.UID2 == 0``."""

    UID2 = 0
    EUID = 1


class IdentityType(IntEnum):
    """Kind of directly identifying information behind the raw UID. An
    ``IntEnum``, as in the official SDK: ``IdentityType.Phone == 1``."""

    Email = 0
    Phone = 1
    #: Upper-case aliases (not in the official SDK).
    EMAIL = 0
    PHONE = 1


class AdvertisingTokenVersion(IntEnum):
    """Token format version; values are the official SDK's (the v3/v4 version byte)."""

    ADVERTISING_TOKEN_V2 = 2
    ADVERTISING_TOKEN_V3 = 112
    ADVERTISING_TOKEN_V4 = 128


# C ABI numbers -> enum members (capi/uid2.h).
_D = DecryptionStatus
DECRYPTION_STATUS_BY_CODE = {
    0: _D.SUCCESS,
    1: _D.NOT_AUTHORIZED_FOR_KEY,
    2: _D.NOT_AUTHORIZED_FOR_MASTER_KEY,
    3: _D.NOT_INITIALIZED,
    4: _D.INVALID_PAYLOAD,
    5: _D.EXPIRED_TOKEN,
    6: _D.KEYS_NOT_SYNCED,
    7: _D.VERSION_NOT_SUPPORTED,
    9: _D.INVALID_IDENTITY_SCOPE,
    10: _D.INVALID_TOKEN_LIFETIME,
    11: _D.DOMAIN_OR_APP_NAME_CHECK_FAILED,
    12: _D.USER_OPTED_OUT,
}
_E = EncryptionStatus
ENCRYPTION_STATUS_BY_CODE = {
    0: _E.SUCCESS,
    1: _E.NOT_AUTHORIZED_FOR_KEY,
    2: _E.NOT_AUTHORIZED_FOR_MASTER_KEY,
    3: _E.NOT_INITIALIZED,
    6: _E.KEYS_NOT_SYNCED,
    13: _E.ENCRYPTION_FAILURE,
}
_ENCRYPTION_CODES = {status: code for code, status in ENCRYPTION_STATUS_BY_CODE.items()}
_ENCRYPTION_CODES[EncryptionStatus.INTERNAL_ERROR] = 103
_SCOPES = (IdentityScope.UID2, IdentityScope.EUID)
_TYPES = {0: IdentityType.Email, 1: IdentityType.Phone}
_VERSIONS = {
    2: AdvertisingTokenVersion.ADVERTISING_TOKEN_V2,
    3: AdvertisingTokenVersion.ADVERTISING_TOKEN_V3,
    4: AdvertisingTokenVersion.ADVERTISING_TOKEN_V4,
}
# Statuses whose result carries every field but the uid (capi/uid2.h).
_DECODED = frozenset((0, 5, 10, 11, 12))


def _ms_to_datetime(ms: int) -> _dt.datetime:
    try:
        return _EPOCH + ms * _MS
    except OverflowError:
        return _MAX_DATETIME if ms > 0 else _EPOCH


def datetime_to_ms(now: _dt.datetime) -> int:
    """Unix epoch milliseconds of an aware datetime (the ``now=`` arguments)."""
    if not isinstance(now, _dt.datetime):
        raise TypeError(f"now must be a timezone-aware datetime.datetime, not {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime (e.g. datetime.now(timezone.utc))")
    ms = (now - _EPOCH) // _MS
    if ms <= 0:
        raise ValueError("now must be after 1970-01-01T00:00:00Z")
    return ms


class DecryptedToken(DecryptionResult):
    """The result of decrypting a token (immutable).

    Attributes, as in the official SDK: ``status``, ``success``, ``uid`` (alias
    ``uid2``), ``established``, ``site_id``, ``site_key_site_id``,
    ``identity_scope``, ``identity_type``, ``advertising_token_version``,
    ``is_client_side_generated``, ``expiry``.

    ``uid`` is set only on success. On ``EXPIRED_TOKEN``,
    ``INVALID_TOKEN_LIFETIME``, ``DOMAIN_NAME_CHECK_FAILED`` and
    ``USER_OPTED_OUT`` every other field is set; on other failures only
    ``status`` and ``identity_scope`` are, the rest is ``None``.
    Datetimes are timezone-aware UTC.
    """

    # The C result itself (uid2_decryption_result), written by the library:
    # a batch's results are views of one array. Fields are decoded on access.
    # The library's results are made without __new__/__init__ (new_result,
    # ctypes arrays, from_buffer_copy); the constructor is the official one,
    # for results that users build (in their tests), and holds the values
    # exactly as given.
    __slots__ = ()

    def __new__(
        cls,
        status: DecryptionStatus,
        uid: Optional[str],
        established: Optional[_dt.datetime],
        site_id: Optional[int],
        site_key_site_id: Optional[int],
        identity_scope: Optional[IdentityScope],
        identity_type: Optional[IdentityType],
        advertising_token_version: Optional[AdvertisingTokenVersion],
        is_client_side_generated: Optional[bool],
        expiry: Optional[_dt.datetime],
    ) -> "DecryptedToken":
        self = _struct_new(_GivenDecryptedToken)
        self.__dict__["_given"] = (
            status, uid, established, site_id, site_key_site_id, identity_scope, identity_type,
            advertising_token_version, is_client_side_generated, expiry,
        )
        return self

    def __init__(self, *args: object) -> None:
        pass  # __new__ did it

    @staticmethod
    def make_error(decryption_status: DecryptionStatus) -> "DecryptedToken":
        """A result with this status and every other field ``None`` (official)."""
        return DecryptedToken(decryption_status, None, None, None, None, None, None, None, None, None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"DecryptedToken is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"DecryptedToken is immutable (cannot delete {name!r})")

    @property
    def status(self) -> DecryptionStatus:
        return DECRYPTION_STATUS_BY_CODE.get(self._status, DecryptionStatus.INTERNAL_ERROR)

    @property
    def status_code(self) -> int:
        """The status as its number in the C ABI (``capi/uid2.h``; 0 is success),
        for columnar output where an enum object per row would cost too much
        (not in the official SDK)."""
        return self._status

    @property
    def success(self) -> bool:
        return self._status == 0

    @property
    def uid(self) -> Optional[str]:
        if self._status != 0:
            return None
        raw = self._uid  # up to the first NUL
        if len(raw) != self._uid_len:
            raw = self._uid_bytes()
        return raw.decode("utf-8", "replace")

    uid2 = uid  # the official SDK's backward-compatible alias

    def _uid_bytes(self) -> bytes:
        """The raw UID's bytes, whatever they hold (NULs; longer than the
        inline buffer: kept beside the structure)."""
        long_uid = self.__dict__.get("_long_uid")
        if long_uid is not None:
            return long_uid
        return ctypes.string_at(ctypes.addressof(self) + DecryptionResult._uid.offset, self._uid_len)

    @property
    def established(self) -> Optional[_dt.datetime]:
        return _ms_to_datetime(self._established_ms) if self._status in _DECODED else None

    @property
    def expiry(self) -> Optional[_dt.datetime]:
        return _ms_to_datetime(self._expiry_ms) if self._status in _DECODED else None

    @property
    def site_id(self) -> Optional[int]:
        return self._site_id if self._status in _DECODED else None

    @property
    def site_key_site_id(self) -> Optional[int]:
        return self._site_key_site_id if self._status in _DECODED else None

    @property
    def identity_scope(self) -> Optional[IdentityScope]:
        s = self._identity_scope
        return _SCOPES[s] if 0 <= s < 2 else None

    @property
    def identity_type(self) -> Optional[IdentityType]:
        return _TYPES.get(self._identity_type) if self._status in _DECODED else None

    @property
    def advertising_token_version(self) -> Optional[AdvertisingTokenVersion]:
        return _VERSIONS.get(self._advertising_token_version) if self._status in _DECODED else None

    @property
    def is_client_side_generated(self) -> Optional[bool]:
        return bool(self._is_client_side_generated) if self._status in _DECODED else None

    _FIELDS = (
        "status",
        "uid",
        "established",
        "site_id",
        "site_key_site_id",
        "identity_scope",
        "identity_type",
        "advertising_token_version",
        "is_client_side_generated",
        "expiry",
    )

    def _asdict(self) -> dict:
        """The public fields as a dict."""
        return {name: getattr(self, name) for name in self._FIELDS}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._asdict().items())
        return f"DecryptedToken({inner})"

    def _key(self) -> tuple:
        return (
            self._status, self._site_id, self._site_key_site_id, self._identity_scope,
            self._identity_type, self._advertising_token_version, self._is_client_side_generated,
            self._established_ms, self._expiry_ms, self._uid_bytes() if self._status == 0 else b"",
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DecryptedToken):
            if type(self) is type(other):
                return self._key() == other._key()
            return self._asdict() == other._asdict()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self.status, self.uid))

    def __reduce__(self):
        return (_rebuild_decrypted, (bytes(self), self.__dict__.get("_long_uid")))


_struct_new = ctypes.Structure.__new__
#: A zeroed result for the library to write into (no constructor call).
new_result = partial(_struct_new, DecryptedToken)


class _GivenDecryptedToken(DecryptedToken):
    """A DecryptedToken made by the constructor or make_error: its fields are
    the values given (which need not follow the library's rules)."""

    __slots__ = ()

    @property
    def success(self) -> bool:
        return self.status == DecryptionStatus.SUCCESS

    def _key(self) -> tuple:
        return self.__dict__["_given"]

    def __reduce__(self):
        return (DecryptedToken, self.__dict__["_given"])


def _given_field(index: int) -> property:
    return property(lambda self: self.__dict__["_given"][index])


for _index, _name in enumerate(DecryptedToken._FIELDS):
    setattr(_GivenDecryptedToken, _name, _given_field(_index))
_GivenDecryptedToken.uid2 = _GivenDecryptedToken.uid  # type: ignore[attr-defined]


def _rebuild_decrypted(data: bytes, long_uid: Optional[bytes]) -> DecryptedToken:
    result = DecryptedToken.from_buffer_copy(data)
    if long_uid is not None:
        object.__setattr__(result, "_long_uid", long_uid)
    return result


#: Alias (the Java/.NET name of the same result).
DecryptionResponse = DecryptedToken


class DecryptedTokens(Sequence[DecryptedToken]):
    """The results of a batch decrypt, one per token, in order: a read-only
    sequence (``len``, indexing, slicing, iteration, ``==`` with a list)
    over the array the library wrote them into.

    Each :class:`DecryptedToken` is made when it is read. The batch call
    itself makes no object per token, so results that are read and dropped
    are freed at once instead of piling into the garbage collector's older
    generations (which cost more than the decrypts in a large batch).
    """

    __slots__ = ("_array", "_count", "_long")

    def __init__(self, array: Any, count: int, long: Dict[int, DecryptedToken]) -> None:
        self._array = array  # a ctypes array of at least count results, or a list
        self._count = count
        self._long = long  # results re-decrypted because their raw UID was too long to inline

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> DecryptedToken: ...

    @overload
    def __getitem__(self, index: slice) -> List[DecryptedToken]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[DecryptedToken, List[DecryptedToken]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        i = operator.index(index)  # TypeError for a non-integer, as a list
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError("batch result index out of range")
        if self._long:
            result = self._long.get(i)
            if result is not None:
                return result
        return self._array[i]

    def __iter__(self) -> Iterator[DecryptedToken]:
        if self._long:
            return map(self.__getitem__, range(self._count))
        return map(self._array.__getitem__, range(self._count))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (DecryptedTokens, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are unhashable

    def __repr__(self) -> str:
        return f"DecryptedTokens({list(self)!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Unpickled, the results are held in a list instead of the array.
        return (DecryptedTokens, (list(self), self._count, {}))


class EncryptionDataResponse(tuple):
    """The result of encrypting a raw UID (immutable): ``status``,
    ``success``, ``encrypted_data`` (the token, ``None`` unless success)."""

    # (status code, token text). The library's results are made with
    # tuple.__new__; the constructor and factories are the official ones.
    __slots__ = ()

    def __new__(cls, encryption_status: EncryptionStatus, encrypted_data: Optional[str]) -> "EncryptionDataResponse":
        if not isinstance(encryption_status, EncryptionStatus):
            raise TypeError(f"encryption_status must be an EncryptionStatus, not {type(encryption_status).__name__}")
        return tuple.__new__(cls, (_ENCRYPTION_CODES[encryption_status], encrypted_data))

    def __reduce__(self):
        return (_rebuild_encrypted, (tuple(self),))

    @staticmethod
    def make_success(encrypted_data: str) -> "EncryptionDataResponse":
        return EncryptionDataResponse(EncryptionStatus.SUCCESS, encrypted_data)

    @staticmethod
    def make_error(encryption_status: EncryptionStatus) -> "EncryptionDataResponse":
        return EncryptionDataResponse(encryption_status, None)

    @property
    def status(self) -> EncryptionStatus:
        return ENCRYPTION_STATUS_BY_CODE.get(self[0], EncryptionStatus.INTERNAL_ERROR)

    @property
    def status_code(self) -> int:
        """The status as its number in the C ABI (``capi/uid2.h``; 0 is success;
        not in the official SDK)."""
        return self[0]

    @property
    def success(self) -> bool:
        return self[0] == 0

    @property
    def encrypted_data(self) -> Optional[str]:
        # The library's failures carry "", a constructed one what it was given.
        return self[1] if self[0] == 0 else self[1] or None

    def __repr__(self) -> str:
        return f"EncryptionDataResponse(status={self.status!r}, encrypted_data={self.encrypted_data!r})"


def _rebuild_encrypted(fields: tuple) -> EncryptionDataResponse:
    return tuple.__new__(EncryptionDataResponse, fields)


@dataclass(frozen=True)
class RefreshResponse:
    """The result of a key refresh: ``success``, on failure ``reason``, on
    success ``keys`` (the client's :class:`EncryptionKeysCollection`: the keys
    stay inside the library).

    A failed refresh keeps the keys loaded before it.
    """

    success: bool
    reason: Optional[str] = None
    keys: Any = field(default=None, compare=False)

    @staticmethod
    def make_success(keys: Any) -> "RefreshResponse":
        return RefreshResponse(True, None, keys)

    @staticmethod
    def make_error(reason: Any) -> "RefreshResponse":
        return RefreshResponse(False, reason, None)


class EncryptionError(Exception):
    """Raised by the legacy API (``Uid2Client.encrypt``/``decrypt``, the module
    functions ``decrypt``, ``encrypt_data``, ``decrypt_data``) when it fails,
    as in the official SDK. The clients' ``decrypt_token_into_raw_uid`` and
    ``encrypt_raw_uid_into_token`` return statuses instead."""


@dataclass(frozen=True)
class RefreshState:
    """What a client knows about its keys and refreshes (not in the official SDK)."""

    has_keys: bool
    key_count: int
    last_success: Optional[_dt.datetime]
    last_failure: Optional[_dt.datetime]
    consecutive_failures: int
    auto_refresh_running: bool
    last_error: Optional[str]
