"""libuid2: the UID2 server-side SDK (sharing and bidstream clients) for Python.

A thin binding over ``libuid2.so`` (the Go core of libuid2). Its public names
follow the official ``uid2-client`` package::

    from libuid2 import BidstreamClient

    with BidstreamClient(base_url, auth_key, secret_key) as client:
        client.refresh()
        result = client.decrypt_token_into_raw_uid(token, "example.com")
        if result.success:
            print(result.uid)

The library is loaded on first use: from ``UID2_LIBRARY_PATH`` when set, else
the copy inside this package, else the system's ``libuid2.so.1``.

Do not fork a process after it has created a client (the Go runtime inside
the library does not survive ``fork()``): calls in such a child raise
:class:`ForkedProcessError`. Use the ``spawn`` or ``forkserver``
multiprocessing start method; with gunicorn ``--preload``, uWSGI or Celery
prefork, create clients after the fork in each worker (see the README,
Deploying).
"""

from __future__ import annotations

from ._client import LOGGER_NAME, BidstreamClient, EncryptionKeysCollection, SharingClient
from ._legacy import (
    DecryptedData,
    EncryptionKeysAutoRefreshResult,
    EncryptionKeysAutoRefresher,
    EuidClientFactory,
    Uid2Client,
    Uid2ClientError,
    Uid2ClientFactory,
    decrypt,
    decrypt_data,
    encrypt,
    encrypt_data,
)
from ._native import ForkedProcessError, LibraryError
from ._types import (
    AdvertisingTokenVersion,
    DecryptedToken,
    DecryptedTokens,
    DecryptionResponse,
    DecryptionStatus,
    EncryptionDataResponse,
    EncryptionError,
    EncryptionStatus,
    IdentityScope,
    IdentityType,
    RefreshResponse,
    RefreshState,
)

__version__ = "0.1.0"

__all__ = [
    "AdvertisingTokenVersion",
    "BidstreamClient",
    "DecryptedData",
    "DecryptedToken",
    "DecryptedTokens",
    "DecryptionResponse",
    "DecryptionStatus",
    "EncryptionDataResponse",
    "EncryptionError",
    "EncryptionKeysAutoRefreshResult",
    "EncryptionKeysAutoRefresher",
    "EncryptionKeysCollection",
    "EncryptionStatus",
    "EuidClientFactory",
    "ForkedProcessError",
    "IdentityScope",
    "IdentityType",
    "LOGGER_NAME",
    "LibraryError",
    "RefreshResponse",
    "RefreshState",
    "SharingClient",
    "Uid2Client",
    "Uid2ClientError",
    "Uid2ClientFactory",
    "client_count",
    "decrypt",
    "decrypt_data",
    "encrypt",
    "encrypt_data",
    "library_path",
    "library_version",
]


def library_version() -> str:
    """The release version of the loaded libuid2.so, e.g. ``"0.1.0"``."""
    from . import _native

    return _native.lib_unforked().uid2_version().decode("ascii", "replace")


def library_path() -> str:
    """The path (or soname) libuid2.so was loaded from."""
    from . import _native

    return _native.library_path()


def client_count() -> int:
    """The number of live client handles in this process (for leak checks)."""
    from . import _native

    return _native.lib_unforked().uid2_client_count()
