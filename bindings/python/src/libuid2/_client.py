"""SharingClient and BidstreamClient: thin wrappers over libuid2.so handles."""

from __future__ import annotations

import ctypes
import datetime as _dt
import logging
import threading
from array import array
from functools import partial
from itertools import accumulate
from typing import Iterable, List, Optional, Sequence, Union

from . import _native
from ._native import (
    BUFFER_TOO_SMALL,
    FORK_MESSAGE,
    FORKED_PROCESS,
    INVALID_HANDLE,
    RESULT_INTS,
    ForkedProcessError,
)
from ._types import (
    DecryptedToken,
    DecryptedTokens,
    EncryptionDataResponse,
    RefreshResponse,
    RefreshState,
    _ms_to_datetime,
    datetime_to_ms,
    new_result,
)

__all__ = ["SharingClient", "BidstreamClient", "EncryptionKeysCollection", "LOGGER_NAME"]

#: The logger that reports automatic refreshes (failures as warnings).
LOGGER_NAME = "libuid2"
_log = logging.getLogger(LOGGER_NAME)

_new_encrypted = partial(tuple.__new__, EncryptionDataResponse)
_INT32_MAX = 2**31 - 1

# ctypes converts a plain int argument through the argtype's from_param on
# every call, which dominates a 7-argument call; an instance of the argtype
# passes straight through. Hot paths therefore pass ctypes instances: the
# handle (one per client), constants, per-thread buffer addresses and a
# cache of sizes.
_NO_HANDLE = ctypes.c_uint64(0)
_SIZE_0 = ctypes.c_size_t(0)
_NOW = ctypes.c_int64(0)  # UID2_NOW: the system clock
_DEFAULT_KEYSET = ctypes.c_int64(0)  # keyset_id 0: the default keyset
_sizes: dict = {}
_ENCRYPT_OUT_CAP = 1024  # per-thread encrypt buffer; larger tokens retry with the size needed
_ENCRYPT_OUT_CAP_ARG = ctypes.c_size_t(_ENCRYPT_OUT_CAP)


def _size(n: int) -> ctypes.c_size_t:
    """A c_size_t for n, shared for the lengths that recur (token lengths)."""
    size = _sizes.get(n)
    if size is None:
        size = ctypes.c_size_t(n)
        if n < 65536 and len(_sizes) < 4096:
            _sizes[n] = size
    return size


class _ThreadBuffers(threading.local):
    """Per-thread output buffers, so single calls allocate nothing but their result.

    ``encrypt`` is one tuple: (buffer, its address, length, its address). A
    call takes it into a local variable, which keeps the buffers alive for as
    long as the library may write to them. The thread's own reference is not
    enough: at interpreter exit Python frees every thread's thread-local data,
    also of daemon threads that are still inside a call, and the library
    would then write into freed memory.
    """

    def __init__(self) -> None:
        out = ctypes.create_string_buffer(_ENCRYPT_OUT_CAP)
        out_len = ctypes.c_size_t()
        self.encrypt = (out, ctypes.c_void_p(ctypes.addressof(out)), out_len,
                        ctypes.c_void_p(ctypes.addressof(out_len)))


_tls = _ThreadBuffers()


def _encode_text(value: object, what: str) -> bytes:
    """UTF-8 bytes of a str argument; TypeError for anything else. Lone
    surrogates are passed through (the library reports a status for them)."""
    if isinstance(value, str):
        try:
            return value.encode()
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    raise TypeError(f"{what} must be str, not {type(value).__name__}")


def _encode_all(values: Sequence[object], what: str) -> List[bytes]:
    try:
        return [v.encode() for v in values]  # type: ignore[attr-defined]
    except (AttributeError, TypeError, UnicodeEncodeError):
        return [_encode_text(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _join(values: Sequence[object], what: str) -> tuple:
    """One joined UTF-8 buffer of a sequence of str, with its int32 offsets
    (count + 1 entries)."""
    try:
        text = "".join(values)  # type: ignore[arg-type]
    except TypeError:
        text = None
    if text is not None and text.isascii():  # one encode for the whole batch
        joined = text.encode("ascii")
        lengths = map(len, values)  # type: ignore[arg-type]
    else:
        parts = _encode_all(values, what)
        joined = b"".join(parts)
        lengths = map(len, parts)
    if len(joined) > _INT32_MAX:
        raise ValueError(f"{what}: a batch holds at most {_INT32_MAX} bytes; split it")
    offsets = array("i", [0])
    offsets.extend(accumulate(lengths))
    return joined, offsets


def _result_array(count: int):
    """A zeroed array of at least count results. Sizes are powers of two so
    that ctypes creates (and caches forever) few array types."""
    return (DecryptedToken * (1 << (count - 1).bit_length()))()


def _now_ms(now: Optional[_dt.datetime]) -> int:
    return 0 if now is None else datetime_to_ms(now)


class _Client:
    """Shared by both clients: the handle, key refresh and decrypt."""

    _CLIENT_TYPE = 0

    def __init__(
        self,
        base_url: Optional[str] = None,
        auth_key: Optional[str] = None,
        secret_key: Optional[str] = None,
    ) -> None:
        self._handle = _NO_HANDLE
        lib = _native.lib()
        args: List[Optional[bytes]] = []
        for name, value in (("base_url", base_url), ("auth_key", auth_key), ("secret_key", secret_key)):
            if value is None:
                args.append(None)
                continue
            raw = _encode_text(value, name)
            if b"\0" in raw:
                raise ValueError(f"{name} must not contain NUL characters")
            args.append(raw)
        out = ctypes.c_uint64()
        status = lib.uid2_client_new(self._CLIENT_TYPE, args[0], args[1], args[2], ctypes.byref(out))
        if status == FORKED_PROCESS:
            raise ForkedProcessError(FORK_MESSAGE)
        if status != 0:
            raise ValueError(_native.last_error_message() or _native.status_name(status))
        self._lib = lib
        self._refresh_logger: Optional[threading.Thread] = None
        self._decrypt = lib.uid2_decrypt
        self._decrypt_batch = lib.uid2_decrypt_batch
        self._encrypt = lib.uid2_encrypt
        self._handle = out  # a c_uint64: passed to every call as is

    # -- lifetime ---------------------------------------------------------

    def close(self) -> None:
        """Free the client's handle (and stop its automatic refresh).
        Idempotent; any later call raises ValueError."""
        handle, self._handle = self._handle, _NO_HANDLE
        if handle.value:
            self._lib.uid2_client_free(handle)

    @property
    def closed(self) -> bool:
        return self._handle.value == 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    def _raise_for(self, status: int) -> None:
        """Raise for a status that is a programmer error or an unusable library."""
        if status == FORKED_PROCESS:
            raise ForkedProcessError(FORK_MESSAGE)
        if status == INVALID_HANDLE:
            raise ValueError(f"{type(self).__name__} is closed")
        raise RuntimeError(
            f"libuid2: unexpected status {status} ({_native.status_name(status)}): "
            f"{_native.last_error_message()}"
        )

    # -- keys -------------------------------------------------------------

    def refresh(self, timeout: float = 30.0) -> RefreshResponse:
        """Fetch the latest keys from the UID2 service (blocking, at most
        ``timeout`` seconds). A failure keeps the previous keys and returns
        ``RefreshResponse(success=False, reason=...)``."""
        status = self._lib.uid2_refresh(self._handle, _timeout_ms(timeout, "timeout"))
        return self._refresh_response(status)

    def refresh_json(self, json_text: Union[str, bytes]) -> RefreshResponse:
        """Load keys from a key response JSON (``{"body": ...}``), its body, or
        a legacy key array, without HTTP. A failure keeps the previous keys."""
        if isinstance(json_text, str):
            raw = json_text.encode("utf-8", "surrogatepass")
        elif isinstance(json_text, (bytes, bytearray, memoryview)):
            raw = bytes(json_text)
        else:
            raise TypeError(f"json_text must be str or bytes, not {type(json_text).__name__}")
        status = self._lib.uid2_refresh_json(self._handle, raw, len(raw))
        return self._refresh_response(status)

    def _refresh_response(self, status: int) -> RefreshResponse:
        if status == 0:
            return RefreshResponse(True, None, EncryptionKeysCollection(self))
        if status in (_native.REFRESH_FAILED, _native.INVALID_KEYS):
            return RefreshResponse(False, _native.last_error_message() or _native.status_name(status))
        if status == _native.INVALID_ARGUMENT:
            raise ValueError(_native.last_error_message() or "invalid argument")
        self._raise_for(status)
        raise AssertionError  # unreachable

    def start_auto_refresh(self, interval: float = 3600.0, timeout: float = 30.0) -> None:
        """Refresh keys over HTTP in the background: now, then every
        ``interval`` seconds (with jitter; failures retry sooner). Needs
        base_url, auth_key and secret_key. Restarting applies new settings."""
        status = self._lib.uid2_auto_refresh_start(
            self._handle, _timeout_ms(interval, "interval"), _timeout_ms(timeout, "timeout")
        )
        if status == _native.INVALID_ARGUMENT:
            raise ValueError(_native.last_error_message() or "automatic refresh needs base_url, auth_key and secret_key")
        if status != 0:
            self._raise_for(status)
        with _logger_lock:
            if self._refresh_logger is None:
                self._refresh_logger = threading.Thread(
                    target=_log_refreshes, args=(self._lib, self._handle.value, type(self).__name__),
                    name="libuid2-refresh-log", daemon=True,
                )
                self._refresh_logger.start()

    def wait_for_keys(self, timeout: float = 30.0) -> None:
        """Wait until the client has keys (from any refresh: automatic, HTTP or
        JSON), at most ``timeout`` seconds (0: do not wait). Returns at once if
        it has them; raises ``TimeoutError`` saying why (with the last
        refresh failure's reason) if it has none by then. For
        ``start_auto_refresh()``, which returns before its first refresh."""
        status = self._lib.uid2_wait_for_keys(self._handle, _timeout_ms(timeout, "timeout", 0))
        if status == _native.TIMED_OUT:
            raise TimeoutError(_native.last_error_message() or f"no keys after {timeout} s")
        if status != 0:
            self._raise_for(status)

    def stop_auto_refresh(self) -> None:
        """Stop the background refresh (waits for an attempt in progress)."""
        status = self._lib.uid2_auto_refresh_stop(self._handle)
        if status != 0:
            self._raise_for(status)

    def refresh_state(self) -> RefreshState:
        """Keys loaded and the outcome of recent refreshes."""
        state = _native.RefreshStateStruct()
        buf = ctypes.create_string_buffer(1024)
        status = self._lib.uid2_refresh_state_get(self._handle, ctypes.byref(state), buf, len(buf))
        if status != 0:
            self._raise_for(status)
        message = buf.value.decode("utf-8", "replace")
        return RefreshState(
            has_keys=bool(state.has_keys),
            key_count=state.key_count,
            last_success=_ms_to_datetime(state.last_success_ms) if state.last_success_ms else None,
            last_failure=_ms_to_datetime(state.last_failure_ms) if state.last_failure_ms else None,
            consecutive_failures=state.consecutive_failures,
            auto_refresh_running=bool(state.auto_refresh_running),
            last_error=message or None,
        )

    # -- decrypt ----------------------------------------------------------

    def _decrypt_one(self, token: object, domain: Optional[bytes], now: Optional[_dt.datetime]) -> DecryptedToken:
        if token.__class__ is str:
            try:
                raw = token.encode()  # type: ignore[union-attr]
            except UnicodeEncodeError:
                raw = _encode_text(token, "token")
        elif isinstance(token, (bytes, bytearray, memoryview)):
            # Not a token (tokens are text), as the official SDK finds too:
            # the library's status for a token that is not one.
            raw = b""
        else:
            raw = _encode_text(token, "token")
        now_arg = _NOW if now is None else ctypes.c_int64(datetime_to_ms(now))
        result = new_result()
        status = self._decrypt(
            self._handle, raw, _sizes.get(len(raw)) or _size(len(raw)),
            domain, _SIZE_0 if domain is None else _size(len(domain)), now_arg, result,
        )
        if status < 100:
            return result
        if status == BUFFER_TOO_SMALL:
            return self._decrypt_long(raw, domain, now_arg.value)
        self._raise_for(status)
        raise AssertionError  # unreachable

    def _decrypt_long(self, raw: bytes, domain: Optional[bytes], now_ms: int) -> DecryptedToken:
        """A raw UID longer than the inline buffer: decrypt into a buffer of
        the size the library reported, kept beside the result."""
        result = new_result()
        cap = 2 * _native.UID_INLINE_CAPACITY
        for _ in range(4):
            uid_buf = ctypes.create_string_buffer(cap + 1)
            status = self._lib.uid2_decrypt_to_buffer(
                self._handle, raw, len(raw), domain, 0 if domain is None else len(domain),
                now_ms, result, uid_buf, cap + 1,
            )
            if status != BUFFER_TOO_SMALL:
                break
            cap = max(cap * 2, result._uid_len)
        if status >= 100:
            self._raise_for(status)
        if status == 0:
            object.__setattr__(result, "_long_uid", uid_buf.raw[: result._uid_len])
        return result

    def _decrypt_many(
        self, tokens: Iterable[str], domain: Optional[bytes], now: Optional[_dt.datetime]
    ) -> Sequence[DecryptedToken]:
        if isinstance(tokens, (str, bytes)):
            raise TypeError("tokens must be a sequence of str, not a single " + type(tokens).__name__)
        if not isinstance(tokens, (list, tuple)):
            tokens = list(tokens)
        count = len(tokens)
        if count == 0:
            return DecryptedTokens([], 0, {})
        now_ms = _now_ms(now)
        joined, offsets = _join(tokens, "tokens")
        results = _result_array(count)
        status = self._decrypt_batch(
            self._handle, joined, offsets.buffer_info()[0], count, domain,
            0 if domain is None else len(domain), now_ms, results,
        )
        if status != 0:
            self._raise_for(status)
        long = {}
        statuses = memoryview(results).cast("B").cast("i")[: count * RESULT_INTS : RESULT_INTS].tolist()
        if BUFFER_TOO_SMALL in statuses:
            for i, s in enumerate(statuses):
                if s == BUFFER_TOO_SMALL:
                    long[i] = self._decrypt_long(_encode_text(tokens[i], "token"), domain, now_ms)
        return DecryptedTokens(results, count, long)


class EncryptionKeysCollection:
    """The keys of a client (the official SDK's name): what
    ``RefreshResponse.keys`` and the legacy ``Uid2Client.refresh_keys()``
    return, and what ``encrypt_data``/``decrypt_data`` take as ``keys``.

    The keys themselves stay inside the library: this is a view of the
    client's current keys (a later refresh of the client changes them), with
    ``len()`` the number of keys. While it is referenced, its client is not
    collected (``close()`` still closes it).
    """

    __slots__ = ("_client",)

    def __init__(self, client: "_Client") -> None:
        self._client = client

    def __len__(self) -> int:
        return self._client.refresh_state().key_count

    def __repr__(self) -> str:
        return f"<EncryptionKeysCollection of {type(self._client).__name__}>"


_logger_lock = threading.Lock()
_EVENT_WAIT_MS = 600_000


def _log_refreshes(lib: ctypes.CDLL, handle: int, client: str) -> None:
    """A client's refresh logger (a daemon thread from its first
    start_auto_refresh until it is closed): logs each failed automatic
    refresh as a warning, with the library's reason (which never holds a
    secret), and the first success after failures. It holds the handle's
    number, not the client, so the client can still be collected; freeing
    the handle ends the wait and the thread."""
    event = _native.RefreshEvent()
    message = ctypes.create_string_buffer(2048)
    seq, failing = 0, False
    while True:
        status = lib.uid2_refresh_event_wait(handle, seq, _EVENT_WAIT_MS, ctypes.byref(event), message, len(message), None)
        if status == _native.TIMED_OUT:
            continue
        if status != 0:  # INVALID_HANDLE: the client was closed
            return
        seq = event.seq
        if not event.automatic:
            continue  # refresh() and refresh_json() report to their caller
        if not event.success:
            failing = True
            _log.warning(
                "automatic key refresh of %s failed (%d in a row; %d keys kept): %s",
                client, event.consecutive_failures, event.key_count, message.value.decode("utf-8", "replace"),
            )
        elif failing:
            failing = False
            _log.info("automatic key refresh of %s succeeded again (%d keys)", client, event.key_count)


def _timeout_ms(seconds: float, what: str, minimum_ms: int = 1) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, not {type(seconds).__name__}")
    ms = int(seconds * 1000)
    if not minimum_ms <= ms <= 0xFFFFFFFF:
        raise ValueError(f"{what} must be between {minimum_ms / 1000} and {0xFFFFFFFF // 1000} seconds")
    return ms


def _keyset(keyset_id: Optional[int]) -> int:
    if keyset_id is None:
        return 0
    if isinstance(keyset_id, bool) or not isinstance(keyset_id, int):
        raise TypeError(f"keyset_id must be int or None, not {type(keyset_id).__name__}")
    if not 0 < keyset_id < 2**63:
        raise ValueError("keyset_id must be positive")
    return keyset_id


class SharingClient(_Client):
    """A sharing participant: encrypts raw UIDs into sharing tokens and
    decrypts the sharing tokens of participants that granted it permission.

    ``SharingClient(base_url, auth_key, secret_key)`` as in the official SDK;
    all three may be ``None`` for a client that only loads keys with
    :meth:`refresh_json`. Use as a context manager, or call :meth:`close`.
    Decrypt and encrypt are safe from any number of threads.
    """

    _CLIENT_TYPE = _native.CLIENT_SHARING

    def decrypt_token_into_raw_uid(self, token: str, now: Optional[_dt.datetime] = None) -> DecryptedToken:
        """Decrypt a sharing token. Every token, however malformed, gives a
        result with a status; ``now`` (an aware datetime) defaults to the clock."""
        return self._decrypt_one(token, None, now)

    def decrypt_tokens_into_raw_uids(
        self, tokens: Sequence[str], now: Optional[_dt.datetime] = None
    ) -> Sequence[DecryptedToken]:
        """Decrypt many sharing tokens with one call into the library. The
        results, one per token in order, are a :class:`DecryptedTokens`."""
        return self._decrypt_many(tokens, None, now)

    def encrypt_raw_uid_into_token(
        self,
        raw_uid: Optional[str] = None,
        keyset_id: Optional[int] = None,
        now: Optional[_dt.datetime] = None,
        *,
        uid2: Optional[str] = None,
    ) -> EncryptionDataResponse:
        """Encrypt a raw UID (base64 text) into a v4 sharing token with the
        default keyset's active key, or ``keyset_id``'s. ``uid2=`` is the
        official SDK's name of ``raw_uid``."""
        if uid2 is not None:
            if raw_uid is not None:
                raise TypeError("give raw_uid or uid2, not both")
            raw_uid = uid2
        raw = _encode_text(raw_uid, "raw_uid")
        keyset = _DEFAULT_KEYSET if keyset_id is None else ctypes.c_int64(_keyset(keyset_id))
        now_arg = _NOW if now is None else ctypes.c_int64(datetime_to_ms(now))
        out, out_addr, out_len, out_len_addr = _tls.encrypt  # held until the call returns
        status = self._encrypt(
            self._handle, raw, _sizes.get(len(raw)) or _size(len(raw)), now_arg, keyset,
            out_addr, _ENCRYPT_OUT_CAP_ARG, out_len_addr,
        )
        if status == 0:
            token: bytes = out[: out_len.value]  # type: ignore[assignment]
            return _new_encrypted((0, token.decode("ascii")))
        if status < 100:
            return _new_encrypted((status, ""))
        if status == BUFFER_TOO_SMALL:
            return self._encrypt_long(raw, now_arg.value, keyset.value, out_len.value, None)
        self._raise_for(status)
        raise AssertionError  # unreachable

    def _encrypt_long(
        self, raw: bytes, now_ms: int, keyset: int, needed: int, nonces: Optional[bytes]
    ) -> EncryptionDataResponse:
        out_len = ctypes.c_size_t()
        for _ in range(4):
            out = ctypes.create_string_buffer(needed + 1)
            if nonces is None:
                status = self._encrypt(
                    self._handle, raw, len(raw), now_ms, keyset, out, needed + 1, ctypes.byref(out_len)
                )
            else:
                status = self._lib.uid2_encrypt_with_nonces_insecure_for_tests(
                    self._handle, raw, len(raw), now_ms, keyset, nonces, out, needed + 1, ctypes.byref(out_len)
                )
            if status != BUFFER_TOO_SMALL:
                break
            needed = max(out_len.value, 2 * needed)
        if status == 0:
            return _new_encrypted((0, out.raw[: out_len.value].decode("ascii")))
        if status < 100:
            return _new_encrypted((status, ""))
        self._raise_for(status)
        raise AssertionError  # unreachable

    def encrypt_raw_uids_into_tokens(
        self,
        raw_uids: Sequence[str],
        keyset_id: Optional[int] = None,
        now: Optional[_dt.datetime] = None,
    ) -> List[EncryptionDataResponse]:
        """Encrypt many raw UIDs with one call into the library."""
        if isinstance(raw_uids, (str, bytes)):
            raise TypeError("raw_uids must be a sequence of str, not a single " + type(raw_uids).__name__)
        if not isinstance(raw_uids, (list, tuple)):
            raw_uids = list(raw_uids)
        count = len(raw_uids)
        keyset = _keyset(keyset_id)
        now_ms = _now_ms(now)
        if count == 0:
            return []
        joined, offsets = _join(raw_uids, "raw_uids")
        out_offsets = array("i", bytes(4 * (count + 1)))
        statuses = array("i", bytes(4 * count))
        needed = ctypes.c_size_t()
        cap = 2 * len(joined) + 256 * count
        for _ in range(3):
            out = bytearray(cap)
            cout = (ctypes.c_char * cap).from_buffer(out)
            status = self._lib.uid2_encrypt_batch(
                self._handle, joined, offsets.buffer_info()[0], count, now_ms, keyset,
                cout, cap, out_offsets.buffer_info()[0], statuses.buffer_info()[0], ctypes.byref(needed),
            )
            del cout
            if status != BUFFER_TOO_SMALL:
                break
            cap = max(needed.value, 2 * cap)
        if status != 0:
            self._raise_for(status)
        bounds = out_offsets.tolist()
        text = out[: bounds[-1]].decode("ascii")
        tokens = map(text.__getitem__, map(slice, bounds, bounds[1:]))
        return list(map(_new_encrypted, zip(statuses, tokens)))

    def _encrypt_with_nonces_insecure_for_tests(
        self,
        raw_uid: str,
        nonces: bytes,
        keyset_id: Optional[int] = None,
        now: Optional[_dt.datetime] = None,
    ) -> EncryptionDataResponse:
        """INSECURE — FOR TESTS ONLY. Encrypt with the two given 12-byte AES-GCM
        nonces (master layer, then site layer) so that test vectors are
        byte-exact. Reusing a nonce destroys the security of every token made
        with it: never call this outside tests."""
        raw = _encode_text(raw_uid, "raw_uid")
        if not isinstance(nonces, bytes) or len(nonces) != 24:
            raise ValueError("nonces must be 24 bytes")
        return self._encrypt_long(raw, _now_ms(now), _keyset(keyset_id), _ENCRYPT_OUT_CAP, nonces)


class BidstreamClient(_Client):
    """A DSP: decrypts advertising tokens from bid requests, checking the
    domain or app name of client-side generated tokens.

    ``BidstreamClient(base_url, auth_key, secret_key)`` as in the official SDK;
    all three may be ``None`` for a client that only loads keys with
    :meth:`refresh_json`. Use as a context manager, or call :meth:`close`.
    """

    _CLIENT_TYPE = _native.CLIENT_BIDSTREAM

    def decrypt_token_into_raw_uid(
        self,
        token: str,
        domain_or_app_name: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
        *,
        domain_name: Optional[str] = None,
    ) -> DecryptedToken:
        """Decrypt an advertising token. ``domain_or_app_name`` (the official
        SDK calls it ``domain_name``) is the site's registrable domain or the
        app's name from the bid request, or ``None``; it is checked for
        client-side generated tokens. Every token, however malformed, gives a
        result with a status; ``now`` (an aware datetime) defaults to the clock."""
        if domain_name is not None:
            if domain_or_app_name is not None:
                raise TypeError("give domain_or_app_name or domain_name, not both")
            domain_or_app_name = domain_name
        domain = None if domain_or_app_name is None else _encode_text(domain_or_app_name, "domain_or_app_name")
        return self._decrypt_one(token, domain, now)

    def decrypt_tokens_into_raw_uids(
        self,
        tokens: Sequence[str],
        domain_or_app_name: Optional[str] = None,
        now: Optional[_dt.datetime] = None,
    ) -> Sequence[DecryptedToken]:
        """Decrypt many advertising tokens from the same domain or app with one
        call into the library. The results, one per token in order, are a
        :class:`DecryptedTokens`."""
        domain = None if domain_or_app_name is None else _encode_text(domain_or_app_name, "domain_or_app_name")
        return self._decrypt_many(tokens, domain, now)
