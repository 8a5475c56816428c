#!/usr/bin/env bash
# Measures the lake on a fleet made by make-fleet.sh (issue 15): `wirelens export` of
# every sensor's files (MB/s and peak RSS) beside `wirelens conv` of the same files, the
# lake's size as a fraction of the captures, exporting again (nothing to add), and the
# wall time of the README's three questions in DuckDB (Python's duckdb), each run twice.
#
# Usage: tests/scripts/fleet-bench.sh FLEET LAKE [WIRELENS]
#   FLEET     made by make-fleet.sh (one directory a sensor)
#   LAKE      where the lake goes (removed first)
#   WIRELENS  default target/release/wirelens
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
fleet=${1:?usage: fleet-bench.sh FLEET LAKE [WIRELENS]}
lake=${2:?usage: fleet-bench.sh FLEET LAKE [WIRELENS]}
wl=${3:-$repo/target/release/wirelens}
rm -rf "$lake"
bytes=$(du -sb "$fleet" | cut -f1)
files=$(find "$fleet" -type f -name '*.pcap*' | wc -l)
echo "fleet: $(ls "$fleet" | wc -l) sensors, $files files, $((bytes / 1000000)) MB"

# Seconds (wall), peak RSS (MiB) and CPU seconds (user + system) of one command, from GNU
# time: on a shared machine the wall time swings with the load, the CPU time less.
measure() {
    /usr/bin/time -f '%e %M %U %S' -o "$lake.time" "$@" >/dev/null 2>"$lake.err" || { cat "$lake.err" >&2; exit 1; }
    read -r secs kib user sys <"$lake.time"
    echo "$secs $((kib / 1024)) $(echo "$user + $sys" | bc -l)"
}
total_export=0; total_conv=0; cpu_export=0; cpu_conv=0; max_rss=0; max_conv_rss=0
for dir in "$fleet"/*/; do
    sensor=$(basename "$dir")
    read -r es er ec < <(measure "$wl" export "$dir" -o "$lake" --sensor "$sensor")
    read -r cs cr cc < <(measure "$wl" conv "$dir"*)
    sb=$(du -sb "$dir" | cut -f1)
    printf '%s: %5d MB  export %6.1f s (CPU %5.1f s) %5.0f MB/s %5d MiB RSS   conv %6.1f s (CPU %5.1f s) %5.0f MB/s %5d MiB RSS\n' \
        "$sensor" $((sb / 1000000)) "$es" "$ec" "$(echo "$sb / 1000000 / $es" | bc -l)" "$er" \
        "$cs" "$cc" "$(echo "$sb / 1000000 / $cs" | bc -l)" "$cr"
    total_export=$(echo "$total_export + $es" | bc -l); total_conv=$(echo "$total_conv + $cs" | bc -l)
    cpu_export=$(echo "$cpu_export + $ec" | bc -l); cpu_conv=$(echo "$cpu_conv + $cc" | bc -l)
    [ "$er" -gt "$max_rss" ] && max_rss=$er
    [ "$cr" -gt "$max_conv_rss" ] && max_conv_rss=$cr
done
lake_bytes=$(du -sb "$lake" | cut -f1)
printf 'export: %.1f s, %.0f MB/s (CPU %.1f s, %.0f MB per CPU second), peak RSS %d MiB\n' \
    "$total_export" "$(echo "$bytes / 1000000 / $total_export" | bc -l)" "$cpu_export" \
    "$(echo "$bytes / 1000000 / $cpu_export" | bc -l)" "$max_rss"
printf 'conv:   %.1f s, %.0f MB/s (CPU %.1f s, %.0f MB per CPU second), peak RSS %d MiB\n' \
    "$total_conv" "$(echo "$bytes / 1000000 / $total_conv" | bc -l)" "$cpu_conv" \
    "$(echo "$bytes / 1000000 / $cpu_conv" | bc -l)" "$max_conv_rss"
printf 'lake: %.1f MB in %d files, %.3f%% of the captures\n' "$(echo "$lake_bytes / 1000000" | bc -l)" \
    "$(find "$lake" -name '*.parquet' | wc -l)" "$(echo "100 * $lake_bytes / $bytes" | bc -l)"
before=$(du -sb "$lake" | cut -f1)
read -r as ar ac < <(measure "$wl" export "$fleet" -o "$lake")
echo "export again (every file already in the lake): $as s, $ar MiB RSS; lake $before -> $(du -sb "$lake" | cut -f1) bytes"
rm -f "$lake.time" "$lake.err"

python3 - "$lake" <<'PY'
import sys, time, duckdb
lake = sys.argv[1]
s = f"read_parquet('{lake}/sessions/*/*/*.parquet', hive_partitioning = true)"
t = f"read_parquet('{lake}/transactions/*/*/*.parquet', hive_partitioning = true)"
con = duckdb.connect()
rows = con.sql(f"SELECT (SELECT count(*) FROM {s}), (SELECT count(*) FROM {t})").fetchall()[0]
print(f"rows: {rows[0]} sessions, {rows[1]} transactions")
key = con.sql(f"SELECT key FROM {t} WHERE service = 'memcache' AND key IS NOT NULL "
              "GROUP BY key ORDER BY count(*) DESC LIMIT 1").fetchall()[0][0]
questions = {
    "sessions of client 10.3.0.10 to :18480 longer than 0.05 s":
        f"SELECT sensor, ts, id.orig_h, id.orig_p, id.resp_h, duration, orig_bytes, resp_bytes, uid "
        f"FROM {s} WHERE id.orig_h = '10.3.0.10' AND id.resp_p = 18480 AND duration > 0.05 ORDER BY ts",
    f"hosts that saw memcached key {key!r}":
        f"SELECT sensor, id.resp_h AS server, count(*) AS transactions, min(ts) AS first, max(ts) AS last "
        f"FROM {t} WHERE service = 'memcache' AND list_contains(keys, '{key}') "
        "GROUP BY ALL ORDER BY transactions DESC",
    "HTTP 4xx/5xx per server per minute":
        f"SELECT sensor, id.resp_h AS server, id.resp_p AS port, date_trunc('minute', ts) AS minute, "
        f"count(*) AS errors FROM {t} WHERE service = 'http' AND status_code >= 400 "
        "GROUP BY ALL ORDER BY minute, sensor, server",
}
for name, q in questions.items():
    times = []
    for _ in range(2):
        c = duckdb.connect()
        a = time.perf_counter()
        n = len(c.sql(q).fetchall())
        times.append(time.perf_counter() - a)
    print(f"DuckDB: {name}: {n} rows, {times[0]:.3f} s (again {times[1]:.3f} s)")
PY
