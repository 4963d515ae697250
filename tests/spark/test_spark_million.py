"""A million rows through each route (PySpark mapInArrow, the JVM batch path,
the JVM SQL functions), decrypted and encrypted, Parquet in and out: every row
compared with the single-process batch API's result."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import (
    DECRYPT_NOW,
    ENCRYPT_NOW,
    VECTOR_KEYS,
    assert_columns,
    assert_encrypted,
    encrypt,
    expected_decrypt,
    raw_uids,
)
from test_spark import jvm_batch, jvm_keys, jvm_register, with_prefix

from libuid2.spark import Keys, decrypt_tokens, encrypt_raw_uids

ROWS = int(os.environ.get("UID2_SPARK_ROWS", "1000000"))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Parquet files of (id, raw_uid) and (id, token), the tokens made by the batch API."""
    d = tmp_path_factory.mktemp("million")
    uids = raw_uids(ROWS, seed=100)
    tokens = encrypt(uids)
    ids = pa.array(range(ROWS), pa.int64())
    pq.write_table(pa.table({"id": ids, "raw_uid": uids}), d / "uids.parquet", row_group_size=ROWS // 16 + 1)
    pq.write_table(pa.table({"id": ids, "token": tokens}), d / "tokens.parquet", row_group_size=ROWS // 16 + 1)
    return d, uids, tokens


@pytest.fixture(scope="module")
def expected(files):
    return expected_decrypt(files[2])


@pytest.fixture(scope="module")
def big(spark):
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(16 << 20))  # several tasks per file
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
    # Parquet timestamps as UTC microseconds (not INT96), which pyarrow reads back as aware datetimes.
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark


def written(df, path):
    df.write.parquet(str(path))
    return pq.read_table(str(path)).sort_by("id")


def routes(spark):
    """route name -> (decrypt(df), encrypt(df)) on (id, token) / (id, raw_uid) DataFrames."""
    py_keys = Keys.from_json(spark, VECTOR_KEYS)
    jvm = jvm_keys(spark, VECTOR_KEYS)

    def sql(call, column):
        def run(df):
            jvm_register(spark, jvm, DECRYPT_NOW if call == "uid2_decrypt" else ENCRYPT_NOW)
            return with_prefix(df.selectExpr("id", "%s(%s) AS r" % (call, column)).select("id", "r.*"))
        return run
    return {
        "python": (lambda df: decrypt_tokens(df, "token", py_keys, now=DECRYPT_NOW),
                   lambda df: encrypt_raw_uids(df, "raw_uid", py_keys, now=ENCRYPT_NOW)),
        "jvm_batch": (lambda df: jvm_batch(spark, df, "token", jvm, DECRYPT_NOW),
                      lambda df: jvm_batch(spark, df, "raw_uid", jvm, ENCRYPT_NOW, decrypt=False)),
        "jvm_sql": (sql("uid2_decrypt", "token"), sql("uid2_encrypt", "raw_uid")),
    }


@pytest.mark.parametrize("route", ["python", "jvm_batch", "jvm_sql"])
def test_million_rows_decrypted(big, files, expected, route, tmp_path):
    d, uids, _ = files
    decrypt, _ = routes(big)[route]
    table = written(decrypt(big.read.parquet(str(d / "tokens.parquet"))), tmp_path / "out")
    assert table.num_rows == ROWS
    assert_columns(table, expected)


@pytest.mark.parametrize("route", ["python", "jvm_batch", "jvm_sql"])
def test_million_rows_encrypted(big, files, route, tmp_path):
    d, uids, _ = files
    _, encrypt_fn = routes(big)[route]
    table = written(encrypt_fn(big.read.parquet(str(d / "uids.parquet"))), tmp_path / "out")
    assert_encrypted(table, uids)
