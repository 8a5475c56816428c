#!/usr/bin/env python3
"""Reads a lake made by `wirelens export` with Spark (PySpark, local mode), as a fleet's
Spark would (`spark.read.parquet`): the tables' types (timestamps, the `id` struct, the
lists, the `date` and `sensor` partitions), the README's Spark recipe, and per sensor the
sessions, bytes and first times, and the µs timestamps against the ns columns, against
DuckDB's reading of the same files. Exits 1 when they differ.

Not part of `cargo xtask test` (PySpark is 300 MB and a JVM): a check run by hand.
Needs `pip install pyspark duckdb` and Java 17.

Usage: tests/scripts/spark-check.py LAKE
"""
import sys

import duckdb
from pyspark.sql import SparkSession

lake = sys.argv[1]
spark = (SparkSession.builder.master("local[1]").appName("wirelens-lake")
         .config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
for t in ["sessions", "transactions", "captures"]:
    df = spark.read.parquet(f"{lake}/{t}")
    print(t, df.count(), "rows;", ", ".join(
        f"{f.name}: {f.dataType.simpleString()}" for f in df.schema.fields
        if f.name in ("ts", "id", "date", "sensor", "packets", "keys", "orig_pkts", "status_code")))
s = spark.read.parquet(f"{lake}/sessions")
print("README's recipe:")
s.where("id.resp_p = 3306 AND duration > 1").groupBy("sensor").count().show()
agg = (s.groupBy("sensor").agg({"*": "count", "orig_bytes": "sum", "ts_ns": "min"})
       .withColumnRenamed("count(1)", "n").withColumnRenamed("sum(orig_bytes)", "ob")
       .withColumnRenamed("min(ts_ns)", "first").collect())
got = {r["sensor"]: (r["n"], r["ob"], r["first"]) for r in agg}
want = {r[0]: (r[1], r[2], r[3]) for r in duckdb.sql(
    "SELECT sensor, count(*), sum(orig_bytes), min(ts_ns) "
    f"FROM read_parquet('{lake}/sessions/*/*/*.parquet', hive_partitioning = true) "
    "GROUP BY sensor").fetchall()}
print("Spark: ", dict(sorted(got.items())))
print("DuckDB:", dict(sorted(want.items())))
bad_ts = s.selectExpr("unix_micros(ts) AS us", "ts_ns").where("us != ts_ns div 1000").count()
print("timestamps that are not ts_ns in µs:", bad_ts)
t = spark.read.parquet(f"{lake}/transactions")
print("memcached key user:1 by sensor and server:")
t.where("service = 'memcache' AND array_contains(keys, 'user:1')").groupBy("sensor", "id.resp_h").count().show()
spark.stop()
ok = got == want and bad_ts == 0
print("Spark reads what DuckDB reads" if ok else "Spark and DuckDB DIFFER")
sys.exit(0 if ok else 1)
