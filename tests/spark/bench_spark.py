"""Throughput of libuid2 inside Spark (a benchmark, not a test): tokens/s for
each route at local[1] and local[2], beside the same job doing nothing
(passthrough), and the `uid2 decrypt|encrypt` command-line baseline on the same
tokens. Parquet in, Spark's `noop` sink out (everything but writing).

    tools/bootstrap.sh && bazel build //capi:libuid2 //go/cmd/uid2 //bindings/java:jar //bindings/java/spark:jar
    ~/.cache/libuid2/spark/python/bin/python tests/spark/bench_spark.py [--rows 1000000] [--repeat 2]

Prints a Markdown table (the best of --repeat warm runs per row; the first
job of each session is a warm-up and not counted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.path.join(REPO, "bazel-bin")
DEFAULTS = {
    "UID2_LIBRARY_PATH": os.path.join(BIN, "capi", "libuid2.so"),
    "UID2_CLI": os.path.join(BIN, "go", "cmd", "uid2", "uid2_", "uid2"),
    "UID2_JARS": ",".join([os.path.join(BIN, "bindings", "java", "libuid2.jar"),
                           os.path.join(BIN, "bindings", "java", "spark", "libuid2-spark.jar")]),
}
for name, value in DEFAULTS.items():
    os.environ.setdefault(name, value)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
sys.path.insert(0, os.path.join(REPO, "bindings", "python", "src"))
os.environ["PYTHONPATH"] = os.path.join(REPO, "bindings", "python", "src")

ENCRYPT_NOW = dt.datetime.fromtimestamp(1700000000, dt.timezone.utc)
DECRYPT_NOW = dt.datetime.fromtimestamp(1700086400, dt.timezone.utc)


def vector_keys() -> str:
    import json
    with open(os.path.join(REPO, "tests", "vectors", "sharing.json")) as f:
        return json.dumps(json.load(f)["keys"])


def make_files(d: str, rows: int) -> None:
    """tokens.parquet (id, token) and uids.parquet (id, raw_uid); tokens.txt, uids.txt for the CLI."""
    import base64
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    import libuid2
    rng = random.Random(1)
    uids = [base64.b64encode(rng.randbytes(32)).decode() for _ in range(rows)]
    with libuid2.SharingClient() as client:
        assert client.refresh_json(vector_keys()).success
        tokens = [r.encrypted_data for r in client.encrypt_raw_uids_into_tokens(uids, now=ENCRYPT_NOW)]
    ids = pa.array(range(rows), pa.int64())
    pq.write_table(pa.table({"id": ids, "token": tokens}), os.path.join(d, "tokens.parquet"), row_group_size=131072)
    pq.write_table(pa.table({"id": ids, "raw_uid": uids}), os.path.join(d, "uids.parquet"), row_group_size=131072)
    for name, values in (("tokens.txt", tokens), ("uids.txt", uids)):
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(values) + "\n")
    with open(os.path.join(d, "keys.json"), "w") as f:
        f.write(vector_keys())


def cli_baseline(d: str, rows: int) -> list:
    out = []
    for op, src, now in (("decrypt", "tokens.txt", DECRYPT_NOW), ("encrypt", "uids.txt", ENCRYPT_NOW)):
        with open(os.path.join(d, src)) as stdin:
            t = time.perf_counter()
            subprocess.run([os.environ["UID2_CLI"], op, "--keys", os.path.join(d, "keys.json"),
                            "--now", str(int(now.timestamp() * 1000))], stdin=stdin,
                           stdout=subprocess.DEVNULL, check=True)
            out.append(("`uid2 %s` (one process, stdin to /dev/null)" % op, "-", rows / (time.perf_counter() - t)))
    return out


def spark_runs(master: str, d: str, rows: int, repeat: int) -> list:
    from pyspark.sql import DataFrame, SparkSession

    from libuid2.spark import Keys, decrypt_tokens, encrypt_raw_uids
    os.environ["PYSPARK_PYTHON"] = sys.executable
    master, _, gomaxprocs = master.partition("/GOMAXPROCS=")
    builder = SparkSession.builder
    if gomaxprocs:  # the Python workers' Go runtimes (the JVM's own is set by the environment)
        builder = builder.config("spark.executorEnv.GOMAXPROCS", gomaxprocs)
    spark = (builder.master(master).appName("libuid2 bench")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.files.maxPartitionBytes", str(32 << 20))
             .config("spark.jars", os.environ["UID2_JARS"])
             .config("spark.driver.memory", "2g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark._jvm.io.libuid2.spark
    py_keys = Keys.from_json(spark, vector_keys())
    jvm_keys = jvm.Uid2Keys.fromJson(spark._jsparkSession, vector_keys())
    jvm.Uid2Functions.register(spark._jsparkSession, jvm_keys,
                               spark._jvm.java.time.Instant.ofEpochMilli(int(DECRYPT_NOW.timestamp() * 1000)))
    tokens = spark.read.parquet(os.path.join(d, "tokens.parquet"))
    uids = spark.read.parquet(os.path.join(d, "uids.parquet"))

    def passthrough(batches):
        yield from batches

    def ms(t):
        return int(t.timestamp() * 1000)
    jobs = [
        ("PySpark mapInArrow passthrough (no libuid2)", lambda: tokens.mapInArrow(passthrough, tokens.schema)),
        ("PySpark `decrypt_tokens`", lambda: decrypt_tokens(tokens, "token", py_keys, now=DECRYPT_NOW)),
        ("PySpark `encrypt_raw_uids`", lambda: encrypt_raw_uids(uids, "raw_uid", py_keys, now=ENCRYPT_NOW)),
        ("JVM passthrough (scan + `length(token)`, no libuid2)", lambda: tokens.selectExpr("id", "length(token) AS n")),
        ("JVM batch `Uid2Spark.decryptTokens`", lambda: DataFrame(
            jvm.Uid2Spark.decryptTokens(tokens._jdf, "token", jvm_keys, ms(DECRYPT_NOW), "uid2_"), spark)),
        ("JVM batch `Uid2Spark.encryptRawUids`", lambda: DataFrame(
            jvm.Uid2Spark.encryptRawUids(uids._jdf, "raw_uid", jvm_keys, ms(ENCRYPT_NOW), "uid2_"), spark)),
        ("JVM SQL `uid2_decrypt(token).*` (per row)", lambda: tokens.selectExpr("id", "uid2_decrypt(token) AS r").select("id", "r.*")),
    ]
    # Warm-up: the session's first JVM and Python jobs pay JIT and worker start.
    for _, make in jobs:
        make().limit(20000).write.format("noop").mode("overwrite").save()
    out = []
    for name, make in jobs:
        best = None
        for _ in range(repeat):
            t = time.perf_counter()
            make().write.format("noop").mode("overwrite").save()
            elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
        out.append((name, master + ("" if not gomaxprocs else ", workers' GOMAXPROCS=" + gomaxprocs), rows / best))
    spark.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--masters", default="local[1],local[2],local[2]/GOMAXPROCS=1",
                    help="Spark masters, comma-separated; /GOMAXPROCS=N sets the Python workers' GOMAXPROCS")
    ap.add_argument("--dir", help="keep the data here (default: a temporary directory)")
    ap.add_argument("--only-master", help=argparse.SUPPRESS)  # one session, in a child process
    args = ap.parse_args()
    if args.only_master:
        for name, master, rate in spark_runs(args.only_master, args.dir, args.rows, args.repeat):
            print("ROW\t%s\t%s\t%.0f" % (name, master, rate), flush=True)
        return
    d = args.dir or tempfile.mkdtemp(prefix="libuid2-bench-")
    if not os.path.exists(os.path.join(d, "tokens.parquet")):
        make_files(d, args.rows)
    rows = cli_baseline(d, args.rows)
    for master in args.masters.split(","):
        proc = subprocess.run([sys.executable, __file__, "--only-master", master, "--dir", d, "--rows", str(args.rows),
                               "--repeat", str(args.repeat)], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(proc.stderr[-3000:])
        rows += [tuple(line.split("\t")[1:]) for line in proc.stdout.splitlines() if line.startswith("ROW\t")]
    print("| route | master | tokens/s |")
    print("|---|---|---|")
    for name, master, rate in rows:
        print("| %s | %s | %s |" % (name, master, "{:,.0f}".format(float(rate))))


if __name__ == "__main__":
    main()
