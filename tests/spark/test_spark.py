"""libuid2 inside Spark (local mode), both routes: the PySpark helpers
(libuid2.spark, mapInArrow) and the JVM artifact (libuid2-spark.jar: SQL
functions, the mapPartitions batch path), each checked row by row against the
single-process batch API. The million-row runs are in test_spark_million.py."""

from __future__ import annotations

import os
import random
import threading
import time

import pyarrow as pa
import pytest
from conftest import (
    DECRYPT_NOW,
    ENCRYPT_NOW,
    VECTOR_KEYS,
    assert_columns,
    assert_encrypted,
    binding,
    encrypt,
    expected_decrypt,
    jars,
    raw_uids,
    sharing_vectors,
    sorted_by_id,
)
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

import libuid2
from libuid2.spark import Keys, decrypt_tokens, encrypt_raw_uids

SCHEMA = StructType([StructField("id", LongType()), StructField("token", StringType())])


def frame(spark, column_values, name="token", partitions=4):
    """A DataFrame (id, NAME) over the values, split into `partitions` in order."""
    schema = StructType([StructField("id", LongType()), StructField(name, StringType())])
    rows = list(enumerate(column_values))
    return spark.createDataFrame(spark.sparkContext.parallelize(rows, partitions), schema)


def bad_rows():
    """Good tokens mixed with every sharing vector token (tampered, truncated,
    unknown keys, expired, EUID, opted out, a 63 KiB one, non-ASCII, NUL),
    tokens from keys the reader does not have, and nulls."""
    good = encrypt(raw_uids(300, seed=1))
    vectors = [c["token"] for c in sharing_vectors()["cases"] if c["op"] == "decrypt"]
    foreign = encrypt(raw_uids(5, seed=2), key_json=binding.json.dumps(binding.make_keys(1700000000, variant=7)))
    tampered = [t[:40] + ("A" if t[40] != "A" else "B") + t[41:] for t in good[:20]]
    tokens = good + vectors + foreign + tampered + [None] * 3
    random.Random(0).shuffle(tokens)  # spread them over the batches
    return tokens


def check_bad_row_statuses(expected):
    statuses = set(expected["status"])
    for must in ("SUCCESS", "INVALID_PAYLOAD", "EXPIRED_TOKEN", "NOT_AUTHORIZED_FOR_KEY",
                 "NOT_AUTHORIZED_FOR_MASTER_KEY", "VERSION_NOT_SUPPORTED"):
        assert must in statuses, must


# -- PySpark ------------------------------------------------------------------------


def test_python_bad_rows_keep_their_status(spark):
    tokens = bad_rows()
    expected = expected_decrypt(tokens)
    check_bad_row_statuses(expected)
    keys = Keys.from_json(spark, VECTOR_KEYS)
    out = decrypt_tokens(frame(spark, tokens), "token", keys, now=DECRYPT_NOW)
    table = sorted_by_id(out.toArrow())
    assert table.column("token").to_pylist() == tokens  # the input columns come back as they were
    assert_columns(table, expected)


def test_python_encrypt_keeps_nulls_and_reports_failures(spark):
    uids = raw_uids(2500, seed=3)
    uids[17] = None
    out = sorted_by_id(encrypt_raw_uids(frame(spark, uids, "raw_uid"), "raw_uid",
                                        Keys.from_json(spark, VECTOR_KEYS), now=ENCRYPT_NOW).toArrow())
    assert out.column("uid2_status")[17].as_py() is None and out.column("uid2_token")[17].as_py() is None
    kept = [i for i in range(len(uids)) if i != 17]
    assert_encrypted(out.take(kept), [uids[i] for i in kept])
    # Keys whose default keyset has no key: every row reports it, the job does not fail.
    keys = binding.make_keys(1700000000)
    keys["default_keyset_id"] = 424242
    out = encrypt_raw_uids(frame(spark, uids[:50], "raw_uid"), "raw_uid",
                           Keys.from_json(spark, binding.json.dumps(keys)), now=ENCRYPT_NOW).toArrow()
    assert set(out.column("uid2_status").to_pylist()) - {None} == {"NOT_AUTHORIZED_FOR_KEY"}
    assert set(out.column("uid2_status_code").to_pylist()) - {None} == {1}


def test_python_arguments_checked_on_the_driver(spark):
    df = frame(spark, ["x"])
    with pytest.raises(ValueError, match="key JSON not accepted"):
        Keys.from_json(spark, "{not json")
    keys = Keys.from_json(spark, VECTOR_KEYS)
    with pytest.raises(ValueError, match="no column"):
        decrypt_tokens(df, "nope", keys)
    with pytest.raises(TypeError, match="string column"):
        decrypt_tokens(df, "id", keys)
    with pytest.raises(ValueError, match="prefix"):
        decrypt_tokens(df.withColumn("uid2_status", F.lit(1)), "token", keys)


def worker_probe(keys):
    """Runs in a Python worker: its pid, its parent's (the daemon), whether each
    maps libuid2, the handle of the client the worker already held for `keys`
    (0: none), the one libuid2.spark gives it now, and the live handles."""
    source = keys._source()
    slot = ("json", source[1])

    def probe(batches):
        import libuid2
        import libuid2.spark as s

        def maps(pid):
            with open("/proc/%d/maps" % pid) as f:
                return "libuid2" in f.read()
        for _ in batches:
            pass
        held = s._clients.get(slot)
        before = held._handle.value if held is not None else 0
        now = s._client(source)._handle.value if held is not None else 0
        yield pa.RecordBatch.from_pylist(schema=PROBE_ARROW, mapping=[{
            "pid": os.getpid(), "daemon": os.getppid(), "worker_maps": maps(os.getpid()),
            "daemon_maps": maps(os.getppid()), "held": before, "given": now,
            "clients": len(s._clients), "live_handles": libuid2.client_count() if held is not None else 0}])
    return probe


PROBE_SCHEMA = "pid long, daemon long, worker_maps boolean, daemon_maps boolean, held long, given long, " \
               "clients long, live_handles long"
PROBE_ARROW = pa.schema([("pid", pa.int64()), ("daemon", pa.int64()), ("worker_maps", pa.bool_()),
                         ("daemon_maps", pa.bool_()), ("held", pa.int64()), ("given", pa.int64()),
                         ("clients", pa.int64()), ("live_handles", pa.int64())])


def test_python_workers_load_the_library_after_the_fork_and_keep_one_client(spark):
    keys = Keys.from_json(spark, VECTOR_KEYS)
    tokens = encrypt(raw_uids(4000, seed=4))
    for _ in range(3):  # three jobs of 8 tasks and 4 batches each
        out = decrypt_tokens(frame(spark, tokens, partitions=8), "token", keys, now=DECRYPT_NOW)
        assert out.filter("uid2_status_code = 0").count() == len(tokens)
    probes = frame(spark, ["x"] * 64, partitions=16).mapInArrow(worker_probe(keys), PROBE_SCHEMA).collect()
    assert not any(p.daemon_maps for p in probes), "the daemon that forks the workers mapped libuid2"
    busy = [p for p in probes if p.held]
    assert busy, "no probe ran in a worker that decrypted"
    assert all(p.worker_maps for p in busy)
    # The client a worker made in the first batch that needed it is the one it is given later,
    # one per worker whatever the number of batches, tasks and jobs; no other handle is alive
    # beside the worker's clients (one per Keys object it met).
    assert all(p.given == p.held for p in busy)
    assert all(p.live_handles == p.clients for p in busy)
    held = {}
    for p in busy:
        held.setdefault(p.pid, set()).add(p.held)
    assert all(len(handles) == 1 for handles in held.values()), held
    assert len(held) <= 2  # local[2]: the workers are reused


def test_python_keys_updated_by_the_driver_between_jobs(spark):
    uids = raw_uids(3000, seed=5)
    mine = binding.make_keys(1700000000, variant=3)
    tokens = encrypt(uids, key_json=binding.json.dumps(mine))
    keys = Keys.from_json(spark, VECTOR_KEYS)  # not the keys the tokens were made with
    df = frame(spark, tokens)
    before = decrypt_tokens(df, "token", keys, now=ENCRYPT_NOW).groupBy("uid2_status").count().collect()
    assert {r.uid2_status for r in before} == {"NOT_AUTHORIZED_FOR_MASTER_KEY"}
    keys.update(binding.json.dumps(mine))
    after = sorted_by_id(decrypt_tokens(df, "token", keys, now=ENCRYPT_NOW).toArrow())
    assert after.column("uid2_raw_uid").to_pylist() == uids


def gate(marker_dir):
    """Holds every partition but the first until the test says the keys changed."""
    def run(batches):
        from pyspark import TaskContext
        if TaskContext.get().partitionId() > 0:
            deadline = time.time() + 120
            while not os.path.exists(os.path.join(marker_dir, "granted")) and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(3)  # three refresh intervals
        yield from batches
    return run


def mark_first_partition_done(marker_dir):
    def run(batches):
        from pyspark import TaskContext
        yield from batches
        if TaskContext.get().partitionId() == 0:
            open(os.path.join(marker_dir, "first-done"), "w").close()
    return run


def test_python_keys_refresh_mid_job_from_the_key_service(spark, key_service, sites, tmp_path):
    """The executors' clients get keys from the key service during one job: the
    sender grants the receiver access after the first partition was decrypted;
    the rest of the job reads the tokens. (The second partition's worker may
    make its client after the grant: that its clients refresh in the background
    is checked afterwards in the workers.)"""
    sender, receiver = sites
    with libuid2.SharingClient(key_service.url, sender.api_key, sender.secret) as client:
        assert client.refresh().success
        uids = raw_uids(2000, seed=6)
        tokens = [r.encrypted_data for r in client.encrypt_raw_uids_into_tokens(uids)]
    df = frame(spark, tokens, partitions=2).mapInArrow(gate(str(tmp_path)), SCHEMA)
    out = decrypt_tokens(df, "token", Keys.from_key_service(refresh_interval=1.0))
    out = out.mapInArrow(mark_first_partition_done(str(tmp_path)), out.schema)
    result = {}
    job = threading.Thread(target=lambda: result.update(table=out.toArrow()))
    job.start()
    deadline = time.time() + 300
    while not (tmp_path / "first-done").exists() and job.is_alive() and time.time() < deadline:
        time.sleep(0.1)
    key_service.grant(sender, receiver)
    key_service.granted = True
    (tmp_path / "granted").touch()
    job.join(300)
    granted_at = time.time()
    table = sorted_by_id(result["table"])
    half = len(tokens) // 2
    statuses = table.column("uid2_status").to_pylist()
    assert statuses[:half] == ["NOT_AUTHORIZED_FOR_KEY"] * half
    assert statuses[half:] == ["SUCCESS"] * (len(tokens) - half)
    assert table.column("uid2_raw_uid").to_pylist()[half:] == uids[half:]
    assert table.column("uid2_site_id").to_pylist()[half:] == [sender.site_id] * (len(tokens) - half)
    # The first partition's client keeps refreshing in the background after its task: a worker's
    # later tasks get keys newer than those it started with.
    time.sleep(2)
    states = frame(spark, ["x"] * 16, partitions=8).mapInArrow(refresh_probe, "running boolean, last long").collect()
    seen = [s for s in states if s.last]
    assert seen and all(s.running for s in seen)
    assert max(s.last for s in seen) > granted_at * 1000


def refresh_probe(batches):
    """In a worker: whether its key-service client refreshes in the background, and when it last did."""
    import libuid2.spark as s
    for _ in batches:
        pass
    slot = ("service", os.environ["UID2_BASE_URL"], os.environ["UID2_API_KEY"])
    client = s._clients.get(slot)
    state = client.refresh_state() if client is not None else None
    yield pa.RecordBatch.from_pylist(schema=pa.schema([("running", pa.bool_()), ("last", pa.int64())]), mapping=[{
        "running": bool(state and state.auto_refresh_running),
        "last": int(state.last_success.timestamp() * 1000) if state and state.last_success else 0}])


def test_python_parquet_and_csv_in_and_out(spark, tmp_path):
    uids = raw_uids(5000, seed=8)
    keys = Keys.from_json(spark, VECTOR_KEYS)
    frame(spark, uids, "raw_uid").write.csv(str(tmp_path / "uids.csv"), header=True)
    src = spark.read.csv(str(tmp_path / "uids.csv"), header=True, schema="id long, raw_uid string")
    encrypt_raw_uids(src, "raw_uid", keys, now=ENCRYPT_NOW).write.parquet(str(tmp_path / "tokens.parquet"))
    tokens_df = spark.read.parquet(str(tmp_path / "tokens.parquet")).select("id", F.col("uid2_token").alias("token"))
    decrypt_tokens(tokens_df, "token", keys, now=DECRYPT_NOW).write.csv(str(tmp_path / "out.csv"), header=True)
    back = spark.read.csv(str(tmp_path / "out.csv"), header=True, inferSchema=False).orderBy(F.col("id").cast("long"))
    rows = back.select("uid2_status", "uid2_raw_uid").collect()
    assert [r.uid2_status for r in rows] == ["SUCCESS"] * len(uids)
    assert [r.uid2_raw_uid for r in rows] == uids


# -- the JVM artifact (libuid2-spark.jar), driven from this session through py4j -------------


def jvm(spark):
    if not jars():
        pytest.fail("UID2_JARS is not set: the JVM tests need libuid2.jar and libuid2-spark.jar")
    return spark._jvm.io.libuid2.spark


def jvm_keys(spark, key_json):
    return jvm(spark).Uid2Keys.fromJson(spark._jsparkSession, key_json)


def jvm_batch(spark, df, column, keys, now, decrypt=True):
    """Uid2Spark's mapPartitions path as a PySpark DataFrame."""
    from pyspark.sql import DataFrame
    fn = jvm(spark).Uid2Spark.decryptTokens if decrypt else jvm(spark).Uid2Spark.encryptRawUids
    now_ms = None if now is None else int(now.timestamp() * 1000)
    return DataFrame(fn(df._jdf, column, keys, now_ms, "uid2_"), spark)


def jvm_register(spark, keys, now):
    instant = None if now is None else spark._jvm.java.time.Instant.ofEpochMilli(int(now.timestamp() * 1000))
    jvm(spark).Uid2Functions.register(spark._jsparkSession, keys, instant)


def with_prefix(df):
    return df.toDF(*["id"] + ["uid2_" + c for c in df.columns[1:]])


@pytest.fixture
def granted(key_service, sites):
    """The sender has granted the receiver (the executors' site) access to its keys."""
    sender, receiver = sites
    if not key_service.granted:
        key_service.grant(sender, receiver)
        key_service.granted = True
    return sender


def test_jvm_extension_functions_read_keys_from_the_key_service(spark, key_service, granted):
    """spark.sql.extensions=io.libuid2.spark.Uid2Extensions: uid2_decrypt and uid2_encrypt exist in
    every session, keyed by the key service credentials in spark.executorEnv.UID2_*."""
    with libuid2.SharingClient(key_service.url, granted.api_key, granted.secret) as client:
        assert client.refresh().success
        uids = raw_uids(500, seed=9)
        tokens = [r.encrypted_data for r in client.encrypt_raw_uids_into_tokens(uids)]
    frame(spark, tokens).createOrReplaceTempView("ext_tokens")
    rows = spark.sql("SELECT id, uid2_decrypt(token) AS r FROM ext_tokens ORDER BY id").collect()
    assert [r.r.status for r in rows] == ["SUCCESS"] * len(uids)
    assert [r.r.raw_uid for r in rows] == uids
    assert {r.r.site_id for r in rows} == {granted.site_id}
    enc = spark.sql("SELECT uid2_encrypt(raw_uid) AS r FROM VALUES ('%s') AS t(raw_uid)" % uids[0]).collect()
    assert enc[0].r.status == "SUCCESS" and enc[0].r.status_code == 0
    assert spark.sql("SELECT uid2_decrypt(NULL) AS r").collect()[0].r is None


def test_jvm_bad_rows_keep_their_status(spark):
    tokens = bad_rows()
    expected = expected_decrypt(tokens)
    check_bad_row_statuses(expected)
    keys = jvm_keys(spark, VECTOR_KEYS)
    df = frame(spark, tokens)
    batch = sorted_by_id(jvm_batch(spark, df, "token", keys, DECRYPT_NOW).toArrow())
    assert batch.column("token").to_pylist() == tokens
    assert_columns(batch, expected)
    jvm_register(spark, keys, DECRYPT_NOW)
    sql = sorted_by_id(with_prefix(df.selectExpr("id", "uid2_decrypt(token) AS r").select("id", "r.*")).toArrow())
    nulls = [i for i, t in enumerate(tokens) if t is None]
    # A null token gives a null struct: every field null, as the batch path's columns.
    assert_columns(sql, expected)
    assert all(sql.column("uid2_status")[i].as_py() is None for i in nulls)


def test_jvm_encrypt_and_arguments(spark):
    uids = raw_uids(2500, seed=10)
    keys = jvm_keys(spark, VECTOR_KEYS)
    df = frame(spark, uids, "raw_uid")
    assert_encrypted(sorted_by_id(jvm_batch(spark, df, "raw_uid", keys, ENCRYPT_NOW, decrypt=False).toArrow()), uids)
    jvm_register(spark, keys, ENCRYPT_NOW)
    sql = sorted_by_id(with_prefix(df.selectExpr("id", "uid2_encrypt(raw_uid) AS r").select("id", "r.*")).toArrow())
    assert_encrypted(sql, uids)
    # Java's IllegalArgumentException arrives as pyspark's.
    from pyspark.errors import IllegalArgumentException
    with pytest.raises(IllegalArgumentException, match="key JSON not accepted"):
        jvm_keys(spark, "{not json")
    with pytest.raises(IllegalArgumentException, match="no column"):
        jvm_batch(spark, df, "nope", keys, None)
    with pytest.raises(IllegalArgumentException, match="string column"):
        jvm_batch(spark, df, "id", keys, None)


def test_jvm_keys_updated_by_the_driver_between_jobs(spark):
    uids = raw_uids(3000, seed=11)
    mine = binding.json.dumps(binding.make_keys(1700000000, variant=4))
    tokens = encrypt(uids, key_json=mine)
    keys = jvm_keys(spark, VECTOR_KEYS)
    df = frame(spark, tokens)
    before = jvm_batch(spark, df, "token", keys, ENCRYPT_NOW).groupBy("uid2_status").count().collect()
    assert {r.uid2_status for r in before} == {"NOT_AUTHORIZED_FOR_MASTER_KEY"}
    keys.update(mine)
    after = sorted_by_id(jvm_batch(spark, df, "token", keys, ENCRYPT_NOW).toArrow())
    assert after.column("uid2_raw_uid").to_pylist() == uids


def test_jvm_parquet_and_csv_in_and_out(spark, tmp_path):
    uids = raw_uids(5000, seed=12)
    keys = jvm_keys(spark, VECTOR_KEYS)
    frame(spark, uids, "raw_uid").write.csv(str(tmp_path / "uids.csv"), header=True)
    src = spark.read.csv(str(tmp_path / "uids.csv"), header=True, schema="id long, raw_uid string")
    jvm_batch(spark, src, "raw_uid", keys, ENCRYPT_NOW, decrypt=False).write.parquet(str(tmp_path / "tokens.parquet"))
    tokens_df = spark.read.parquet(str(tmp_path / "tokens.parquet")).select("id", F.col("uid2_token").alias("token"))
    jvm_batch(spark, tokens_df, "token", keys, DECRYPT_NOW).write.csv(str(tmp_path / "out.csv"), header=True)
    back = spark.read.csv(str(tmp_path / "out.csv"), header=True).orderBy(F.col("id").cast("long"))
    rows = back.select("uid2_status", "uid2_raw_uid").collect()
    assert [r.uid2_status for r in rows] == ["SUCCESS"] * len(uids)
    assert [r.uid2_raw_uid for r in rows] == uids
