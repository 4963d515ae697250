"""Decrypt or encrypt a column of a PySpark DataFrame with libuid2.

Needs the ``spark`` extra (``pip install 'libuid2[spark]'``: pyspark, pyarrow,
pandas); the rest of the package does not. ::

    from libuid2.spark import Keys, decrypt_tokens, encrypt_raw_uids

    keys = Keys.from_json(spark, key_json)          # broadcast from the driver
    # or: keys = Keys.from_key_service()            # each executor refreshes itself
    out = decrypt_tokens(df, "token", keys)
    out.write.parquet("s3a://bucket/decrypted/")

Both functions return the input DataFrame with result columns appended (see
:data:`DECRYPT_COLUMNS`, :data:`ENCRYPT_COLUMNS`). A row that cannot be
decrypted or encrypted keeps its status (``uid2_status``, the status's public
name, and ``uid2_status_code``, its number in ``capi/uid2.h``): bad rows never
fail the job. A null input gives null results (status too).

They run on ``mapInArrow``: each Arrow batch
(``spark.sql.execution.arrow.maxRecordsPerBatch`` rows, 10,000 by default)
crosses into the library once. Each Python worker makes its client the first
time it needs one -- after Spark forked the worker, never in the daemon that
forks them -- and keeps it for every later batch and task it runs.

Keys reach the executors in one of two ways (docs/SPARK.md):

* :meth:`Keys.from_json`: key JSON (a key service response) broadcast from the
  driver. :meth:`Keys.update` broadcasts newer keys; DataFrames built after it
  use them, and each worker loads them into the client it already has.
* :meth:`Keys.from_key_service`: each executor's client refreshes from the key
  service itself, then keeps refreshing in the background. The credentials
  come from the executors' environment, set through Spark's configuration:
  ``spark.executorEnv.UID2_BASE_URL``, ``spark.executorEnv.UID2_API_KEY``,
  ``spark.executorEnv.UID2_SECRET_KEY``.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
import uuid
from typing import Dict, Iterator, List, Optional, Tuple

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import (
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from ._client import SharingClient
from ._types import DECRYPTION_STATUS_BY_CODE, ENCRYPTION_STATUS_BY_CODE, datetime_to_ms

__all__ = [
    "DECRYPT_COLUMNS",
    "ENCRYPT_COLUMNS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_SECRET_KEY",
    "Keys",
    "decrypt_tokens",
    "encrypt_raw_uids",
]

#: The executor environment variables :meth:`Keys.from_key_service` reads.
ENV_BASE_URL = "UID2_BASE_URL"
ENV_API_KEY = "UID2_API_KEY"
ENV_SECRET_KEY = "UID2_SECRET_KEY"

#: Columns :func:`decrypt_tokens` appends (after the prefix, ``uid2_`` by default).
DECRYPT_COLUMNS = StructType([
    StructField("status", StringType()),  # the DecryptionStatus name, e.g. SUCCESS
    StructField("status_code", IntegerType()),  # its number in capi/uid2.h
    StructField("raw_uid", StringType()),  # set on SUCCESS only
    StructField("site_id", IntegerType()),  # the token's site; with established, identity_type:
    StructField("established", TimestampType()),  # set on SUCCESS, EXPIRED_TOKEN,
    StructField("identity_type", StringType()),  # INVALID_TOKEN_LIFETIME, USER_OPTED_OUT
    StructField("identity_scope", StringType()),  # UID2 or EUID, when known
])

#: Columns :func:`encrypt_raw_uids` appends (after the prefix).
ENCRYPT_COLUMNS = StructType([
    StructField("status", StringType()),  # the EncryptionStatus name
    StructField("status_code", IntegerType()),
    StructField("token", StringType()),  # set on SUCCESS only
])


# --- where executors get keys ------------------------------------------------


class Keys:
    """Where the executors' clients get their keys: make one with
    :meth:`from_json` or :meth:`from_key_service`."""

    def __init__(self, spark: Optional[SparkSession], key_json: Optional[str],
                 refresh_interval: float, timeout: float) -> None:
        self._spark = spark
        self._id = uuid.uuid4().hex
        self._broadcast = None
        self._version = 0  # counts updates: a worker never goes back to older keys
        self.refresh_interval = refresh_interval
        self.timeout = timeout
        if key_json is not None:
            self.update(key_json)

    @classmethod
    def from_json(cls, spark: SparkSession, key_json: str) -> "Keys":
        """Key JSON (a whole key service response or its body), validated here
        and broadcast to the executors."""
        return cls(spark, key_json, 0.0, 0.0)

    @classmethod
    def from_key_service(cls, refresh_interval: float = 3600.0, timeout: float = 30.0) -> "Keys":
        """Each executor's client refreshes from the key service when it is
        made, then every ``refresh_interval`` seconds in the background. The
        service URL and credentials are read on the executors from
        ``UID2_BASE_URL``, ``UID2_API_KEY`` and ``UID2_SECRET_KEY`` (set them
        with ``spark.executorEnv.*``; they never travel with the tasks)."""
        if refresh_interval <= 0 or timeout <= 0:
            raise ValueError("refresh_interval and timeout must be positive")
        return cls(None, None, refresh_interval, timeout)

    def update(self, key_json: str) -> None:
        """Broadcasts newer key JSON (:meth:`from_json` keys only). DataFrames
        made by :func:`decrypt_tokens`/:func:`encrypt_raw_uids` after this call
        use it; workers load it into the client they already have."""
        if self._spark is None:
            raise ValueError("keys from the key service refresh on the executors; update() is for key JSON")
        if not isinstance(key_json, str):
            raise TypeError("key_json must be str")
        # Checked on the driver, so that bad JSON fails here and not in every task.
        with SharingClient() as probe:
            response = probe.refresh_json(key_json)
        if not response.success:
            raise ValueError("key JSON not accepted: %s" % response.reason)
        old, self._broadcast = self._broadcast, self._spark.sparkContext.broadcast(key_json)
        self._version += 1
        if old is not None:
            old.unpersist()  # not destroy(): a DataFrame built earlier may still use it

    def _source(self) -> tuple:
        """What a task needs to find its client (pickled into the task)."""
        if self._broadcast is not None:
            return ("json", self._id, self._broadcast, self._version)
        return ("service", self.refresh_interval, self.timeout)


# --- on the executors: one client per worker process -------------------------

_lock = threading.Lock()
# ("json", id of the Keys) or ("service", url, api_key): the worker's client
# for that source, and for "json" the version of the key JSON it loaded last.
_clients: Dict[tuple, SharingClient] = {}
_loaded_broadcast: Dict[tuple, int] = {}


def _client(source: tuple) -> SharingClient:
    with _lock:
        if source[0] == "json":
            _, keys_id, broadcast, version = source
            slot = ("json", keys_id)
            client = _clients.get(slot)
            if client is None:
                client = _clients[slot] = SharingClient()
            if version > _loaded_broadcast.get(slot, 0):
                response = client.refresh_json(broadcast.value)
                if not response.success:
                    raise ValueError("libuid2: broadcast key JSON not accepted: %s" % response.reason)
                _loaded_broadcast[slot] = version
            return client
        _, interval, timeout = source
        url, api_key, secret = (os.environ.get(n) for n in (ENV_BASE_URL, ENV_API_KEY, ENV_SECRET_KEY))
        if not (url and api_key and secret):
            raise RuntimeError(
                "libuid2: the executor has no key service credentials: set spark.executorEnv.%s, "
                "spark.executorEnv.%s and spark.executorEnv.%s" % (ENV_BASE_URL, ENV_API_KEY, ENV_SECRET_KEY))
        slot = ("service", url, api_key)
        client = _clients.get(slot)
        if client is None:
            client = SharingClient(url, api_key, secret)
            response = client.refresh(timeout)
            if not response.success:
                client.close()
                raise RuntimeError("libuid2: key refresh from %s failed: %s" % (url, response.reason))
            client.start_auto_refresh(interval, timeout)
            _clients[slot] = client
        return client


def _now(now_ms: Optional[int]) -> Optional[_dt.datetime]:
    if now_ms is None:
        return None
    return _dt.datetime.fromtimestamp(now_ms / 1000, _dt.timezone.utc)


def _input_strings(column: pa.Array) -> Tuple[List[str], List[int]]:
    """The column's non-null values and the row index of each."""
    values = column.to_pylist()
    rows = [i for i, v in enumerate(values) if v is not None]
    if len(rows) == len(values):
        return values, rows
    return [values[i] for i in rows], rows


def _spread(values: list, rows: List[int], count: int) -> list:
    """values[k] at row rows[k], None elsewhere (null inputs)."""
    if len(rows) == count:
        return values
    out = [None] * count
    for row, value in zip(rows, values):
        out[row] = value
    return out


_DECRYPT_NAMES = {code: status.name for code, status in DECRYPTION_STATUS_BY_CODE.items()}
_ENCRYPT_NAMES = {code: status.name for code, status in ENCRYPTION_STATUS_BY_CODE.items()}


def _status_arrays(codes: list, names: Dict[int, str]) -> Tuple[pa.Array, pa.Array]:
    """The status names (INTERNAL_ERROR for a number this binding does not
    know, as the enums do) and numbers."""
    return (pa.array([None if c is None else names.get(c, "INTERNAL_ERROR") for c in codes], pa.string()),
            pa.array(codes, pa.int32()))


def _decrypt_batch(client: SharingClient, column: pa.Array, now: Optional[_dt.datetime]) -> List[pa.Array]:
    tokens, rows = _input_strings(column)
    results = list(client.decrypt_tokens_into_raw_uids(tokens, now)) if tokens else []  # one call
    n = len(column)
    status, code = _status_arrays(_spread([r.status_code for r in results], rows, n), _DECRYPT_NAMES)
    types = [r.identity_type for r in results]
    scopes = [r.identity_scope for r in results]
    return [
        status,
        code,
        pa.array(_spread([r.uid for r in results], rows, n), pa.string()),
        pa.array(_spread([r.site_id for r in results], rows, n), pa.int32()),
        pa.array(_spread([r.established for r in results], rows, n), pa.timestamp("us", "UTC")),
        pa.array(_spread([None if t is None else t.name.upper() for t in types], rows, n), pa.string()),
        pa.array(_spread([None if s is None else s.name for s in scopes], rows, n), pa.string()),
    ]


def _encrypt_batch(client: SharingClient, column: pa.Array, now: Optional[_dt.datetime]) -> List[pa.Array]:
    raw_uids, rows = _input_strings(column)
    results = client.encrypt_raw_uids_into_tokens(raw_uids, now=now) if raw_uids else []  # one call
    n = len(column)
    status, code = _status_arrays(_spread([r.status_code for r in results], rows, n), _ENCRYPT_NAMES)
    return [status, code, pa.array(_spread([r.encrypted_data for r in results], rows, n), pa.string())]


class _Mapper:
    """What mapInArrow runs in the workers: input batch -> the same batch with
    the result columns appended. A class at module level, so that tasks carry
    only its fields and the workers import the code."""

    def __init__(self, batch_fn, source: tuple, column: str, now_ms: Optional[int], names: List[str]) -> None:
        self.batch_fn, self.source, self.column, self.now_ms, self.names = batch_fn, source, column, now_ms, names

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        client = None
        now = _now(self.now_ms)
        for batch in batches:
            if client is None:  # made (or found) in this worker at its first batch
                client = _client(self.source)
            results = self.batch_fn(client, batch.column(self.column), now)
            yield pa.RecordBatch.from_arrays(batch.columns + results, names=batch.schema.names + self.names)


def _apply(df: DataFrame, column: str, keys: Keys, now: Optional[_dt.datetime], prefix: str,
           result_schema: StructType, batch_fn) -> DataFrame:
    if not isinstance(keys, Keys):
        raise TypeError("keys must be a libuid2.spark.Keys (Keys.from_json or Keys.from_key_service)")
    if column not in df.columns:
        raise ValueError("no column %r in the DataFrame" % column)
    if not isinstance(df.schema[column].dataType, StringType):
        raise TypeError("column %r must be a string column, not %s" % (column, df.schema[column].dataType))
    fields = [StructField(prefix + f.name, f.dataType, True) for f in result_schema.fields]
    clash = sorted(set(df.columns) & {f.name for f in fields})
    if clash:
        raise ValueError("the DataFrame already has columns %s: choose another prefix" % clash)
    now_ms = None if now is None else datetime_to_ms(now)
    names = [f.name for f in fields]
    fn = _Mapper(batch_fn, keys._source(), column, now_ms, names)
    return df.mapInArrow(fn, StructType(df.schema.fields + fields))


def decrypt_tokens(df: DataFrame, column: str, keys: Keys, now: Optional[_dt.datetime] = None,
                   prefix: str = "uid2_") -> DataFrame:
    """``df`` with the :data:`DECRYPT_COLUMNS` of decrypting the sharing tokens
    in ``column`` appended, each name prefixed with ``prefix``. ``now`` (an
    aware datetime) fixes the time tokens are checked at; default each batch's
    clock."""
    return _apply(df, column, keys, now, prefix, DECRYPT_COLUMNS, _decrypt_batch)


def encrypt_raw_uids(df: DataFrame, column: str, keys: Keys, now: Optional[_dt.datetime] = None,
                     prefix: str = "uid2_") -> DataFrame:
    """``df`` with the :data:`ENCRYPT_COLUMNS` of encrypting the raw UIDs in
    ``column`` into sharing tokens (the default keyset's active key) appended."""
    return _apply(df, column, keys, now, prefix, ENCRYPT_COLUMNS, _encrypt_batch)
