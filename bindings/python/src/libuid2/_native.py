"""Loading ``libuid2.so`` and declaring its C ABI (``capi/uid2.h``) for ctypes.

Internal module. Nothing here knows about tokens or keys: it finds the
library, checks its ABI version and declares the argument and result types
of every exported function.
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import POINTER, c_char_p, c_int32, c_size_t, c_uint32, c_uint64, c_void_p

__all__ = [
    "LibraryError",
    "ForkedProcessError",
    "lib",
    "library_path",
]

# The ABI this binding was written against (capi/uid2.h).
ABI_MAJOR = 1
ABI_MINOR = 3  # uid2_wait_for_keys, uid2_refresh_event_wait, legacy encrypted data

# Statuses of capi/uid2.h used by the binding itself (not token statuses).
SUCCESS = 0
BUFFER_TOO_SMALL = 100
INVALID_HANDLE = 101
INVALID_ARGUMENT = 102
INTERNAL_ERROR = 103
FORKED_PROCESS = 104
REFRESH_FAILED = 105
INVALID_KEYS = 106
WRONG_CLIENT_TYPE = 107
TIMED_OUT = 109

CLIENT_SHARING = 1
CLIENT_BIDSTREAM = 2

UID_INLINE_CAPACITY = 256

class DecryptionResult(ctypes.Structure):
    """uid2_decryption_result. The binding's DecryptedToken is this structure
    (a view of the library's output, decoded on attribute access)."""

    _fields_ = [
        ("_status", c_int32),
        ("_site_id", c_int32),
        ("_site_key_site_id", c_int32),
        ("_identity_scope", c_int32),
        ("_identity_type", c_int32),
        ("_advertising_token_version", c_int32),
        ("_is_client_side_generated", c_int32),
        ("_uid_len", c_int32),
        ("_established_ms", ctypes.c_int64),
        ("_expiry_ms", ctypes.c_int64),
        ("_uid", ctypes.c_char * (UID_INLINE_CAPACITY + 1)),
    ]


RESULT_SIZE = ctypes.sizeof(DecryptionResult)
assert RESULT_SIZE == 312, RESULT_SIZE
# A result's size in int32s (the stride of the status column of a batch).
RESULT_INTS = RESULT_SIZE // 4


class RefreshStateStruct(ctypes.Structure):
    """uid2_refresh_state."""

    _fields_ = [
        ("last_success_ms", ctypes.c_int64),
        ("last_failure_ms", ctypes.c_int64),
        ("consecutive_failures", c_int32),
        ("auto_refresh_running", c_int32),
        ("has_keys", c_int32),
        ("key_count", c_int32),
    ]


class RefreshEvent(ctypes.Structure):
    """uid2_refresh_event."""

    _fields_ = [
        ("seq", c_uint64),
        ("time_ms", ctypes.c_int64),
        ("success", c_int32),
        ("automatic", c_int32),
        ("key_count", c_int32),
        ("consecutive_failures", c_int32),
    ]


class EncryptDataRequest(ctypes.Structure):
    """uid2_encrypt_data_request (bytes assigned to the pointer fields are
    kept alive by the structure)."""

    _fields_ = [
        ("data", c_char_p),
        ("data_len", c_size_t),
        ("site_id", c_int32),
        ("advertising_token", c_char_p),
        ("advertising_token_len", c_size_t),
        ("key_id", ctypes.c_int64),
        ("iv", c_char_p),
        ("iv_len", c_size_t),
        ("now_ms", ctypes.c_int64),
    ]


class LibraryError(RuntimeError):
    """libuid2.so cannot be used: not found, not loadable, or an ABI it does not
    implement."""


class ForkedProcessError(RuntimeError):
    """A libuid2 call was made in a child process forked after the library was
    loaded (by the first client) in the parent.

    The Go runtime inside libuid2.so does not survive ``fork()``: a forked
    child that used it would hang at its first garbage collection, so every
    call in such a child raises this error instead. Create clients only in the
    process that uses them, after it has forked (see FORK_MESSAGE and the
    README's Deploying section).
    """


FORK_MESSAGE = (
    "libuid2 was loaded in this process before it was forked (by a client created in the parent), and its "
    "Go runtime does not survive fork(), so this child process cannot use it. Create libuid2 clients only "
    "after the fork, in the process that uses them: multiprocessing: use the 'spawn' or 'forkserver' start "
    "method (multiprocessing.set_start_method('forkserver')), or create no client in the parent before the "
    "pool starts and one per worker in the pool's initializer; gunicorn: no client at import time with "
    "--preload (create clients in a post_fork hook, or lazily in each worker), or run without --preload; "
    "Celery prefork: create clients in a worker_process_init signal handler, or use --pool=threads or "
    "--pool=solo. Importing libuid2 before forking is fine: the library loads with the first client."
)

_i32 = c_int32
_u64 = c_uint64
_sz = c_size_t
_i64 = ctypes.c_int64
_vp = c_void_p
_cp = c_char_p

# name: (restype, argtypes)
_SIGNATURES = {
    "uid2_abi_version": (c_uint32, []),
    "uid2_version": (_cp, []),
    "uid2_status_name": (_cp, [_i32]),
    "uid2_last_error_message": (_sz, [_vp, _sz]),
    "uid2_client_new": (_i32, [ctypes.c_int, _cp, _cp, _cp, POINTER(c_uint64)]),
    "uid2_client_free": (_i32, [_u64]),
    "uid2_client_count": (_sz, []),
    "uid2_refresh": (_i32, [_u64, c_uint32]),
    "uid2_refresh_json": (_i32, [_u64, _cp, _sz]),
    "uid2_auto_refresh_start": (_i32, [_u64, c_uint32, c_uint32]),
    "uid2_auto_refresh_stop": (_i32, [_u64]),
    "uid2_refresh_state_get": (_i32, [_u64, POINTER(RefreshStateStruct), _vp, _sz]),
    "uid2_decrypt": (_i32, [_u64, _cp, _sz, _cp, _sz, _i64, POINTER(DecryptionResult)]),
    "uid2_decrypt_to_buffer": (
        _i32,
        [_u64, _cp, _sz, _cp, _sz, _i64, POINTER(DecryptionResult), _vp, _sz],
    ),
    "uid2_decrypt_batch": (_i32, [_u64, _cp, _vp, _sz, _cp, _sz, _i64, _vp]),
    "uid2_encrypt": (_i32, [_u64, _cp, _sz, _i64, _i64, _vp, _sz, _vp]),
    "uid2_encrypt_batch": (
        _i32,
        [_u64, _cp, _vp, _sz, _i64, _i64, _vp, _sz, _vp, _vp, _vp],
    ),
    "uid2_wait_for_keys": (_i32, [_u64, c_uint32]),
    "uid2_refresh_event_wait": (
        _i32,
        [_u64, _u64, c_uint32, POINTER(RefreshEvent), _vp, _sz, POINTER(c_size_t)],
    ),
    "uid2_encrypt_data": (_i32, [_u64, POINTER(EncryptDataRequest), _vp, _sz, POINTER(c_size_t)]),
    "uid2_decrypt_data": (
        _i32,
        [_u64, _cp, _sz, _vp, _sz, POINTER(c_size_t), POINTER(ctypes.c_int64), POINTER(c_int32)],
    ),
    "uid2_encrypt_with_nonces_insecure_for_tests": (
        _i32,
        [_u64, _cp, _sz, _i64, _i64, _cp, _vp, _sz, _vp],
    ),
}

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_path: str | None = None
_pid = 0  # the process that loaded the library


def lib_unforked() -> ctypes.CDLL:
    """lib(), raising ForkedProcessError in a child forked after the library
    was loaded, for the calls that cannot return a status (the library's
    uid2_version and uid2_client_count answer "unknown" and 0 there)."""
    handle = lib()
    if os.getpid() != _pid:
        raise ForkedProcessError(FORK_MESSAGE)
    return handle


def _candidates() -> list[str]:
    """Where to look, in order: UID2_LIBRARY_PATH (only that, when set), the
    copy shipped in this package, then the system loader."""
    env = os.environ.get("UID2_LIBRARY_PATH")
    if env:
        return [env]
    found = []
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libuid2.so")
    if os.path.exists(bundled):
        found.append(bundled)
    found.append("libuid2.so.1")
    return found


def _load() -> ctypes.CDLL:
    errors = []
    for candidate in _candidates():
        try:
            handle = ctypes.CDLL(candidate)
        except OSError as exc:
            errors.append(f"{candidate}: {exc}")
            continue
        try:
            for name, (restype, argtypes) in _SIGNATURES.items():
                fn = getattr(handle, name)
                fn.restype = restype
                fn.argtypes = argtypes
        except AttributeError as exc:
            raise LibraryError(f"{candidate} is not a usable libuid2: {exc}") from None
        version = handle.uid2_abi_version()
        major, minor = version >> 16, version & 0xFFFF
        if major != ABI_MAJOR or minor < ABI_MINOR:
            raise LibraryError(
                f"{candidate} implements libuid2 ABI {major}.{minor}; this binding "
                f"needs {ABI_MAJOR}.x with x >= {ABI_MINOR}"
            )
        global _path, _pid
        _path, _pid = candidate, os.getpid()
        return handle
    raise LibraryError(
        "libuid2.so not found (set UID2_LIBRARY_PATH to its full path): " + "; ".join(errors)
    )


def lib() -> ctypes.CDLL:
    """The loaded library, loading it on first use (not at import, so that
    ``import libuid2`` before a fork is harmless)."""
    handle = _lib
    if handle is None:
        with _lock:
            handle = _lib
            if handle is None:
                handle = _load()
                globals()["_lib"] = handle
    return handle


def library_path() -> str:
    """The path (or soname) libuid2 was loaded from."""
    lib()
    assert _path is not None
    return _path


def last_error_message() -> str:
    """uid2_last_error_message() for this thread, as text."""
    handle = lib()
    size = handle.uid2_last_error_message(None, 0)
    if size == 0:
        return ""
    buf = ctypes.create_string_buffer(size + 1)
    handle.uid2_last_error_message(buf, size + 1)
    return buf.value.decode("utf-8", "replace")


def status_name(status: int) -> str:
    return lib().uid2_status_name(status).decode("ascii", "replace")
