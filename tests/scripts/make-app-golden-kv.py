#!/usr/bin/env python3
"""Generate golden memcached, MySQL and Redis fields with tshark.

For each capture in CAPTURES below (paths relative to the repo root; `corpus:` means
../shared/corpus), write tests/golden/app/kv/<name>.json with what tshark 4.0 says,
frame by frame, with the capture's decode-as rules (`-d`, as in
tests/data/servers/README.md). tests/it/app_golden_kv.rs compares
`wirelens memcache|mysql|redis --list --json` with these.

Sections (same conventions as tests/scripts/make-app-golden.py: one object per frame
where the protocol was dissected, every field as a list of its occurrences):
- memcache: frame, stream, whether the client sent it, magic (binary: 128 request, 129
            response), opcode, command (tshark also puts a stats reply's STAT lines
            there), key, value.length, status, response
- mysql:    frame, stream, command, query, error_code, sqlstate, response_code
- resp:     frame, stream, whether the client sent it, the client's bulk strings (hex, the
            first BULK_KEPT bytes of each) and their lengths, the server's bulk strings
            counted, errors, and whether tshark says
            the frame holds only part of an array (its bulk strings are then shown
            again, whole, in a later frame)

Empty lists and false flags are left out, to keep the files small.

Usage: tests/scripts/make-app-golden-kv.py [NAME...]   (regenerate all, or the named ones)
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "app", "kv")
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
# A separator no field value contains, for tshark's aggregated (occurrence=a) fields.
AGG = "\x1f"
# Bytes of each Redis bulk string kept (as hex); wirelens keeps 256 of each argument.
BULK_KEPT = 64

# (capture, decode-as rules, sections, server port)
CAPTURES = [
    # Real servers (tests/data/servers/README.md).
    ("tests/data/servers/memcached.pcap", ["tcp.port==21211,memcache"], ["memcache"]),
    ("tests/data/servers/redis.pcap", ["tcp.port==26379,resp"], ["resp"]),
    ("tests/data/servers/mariadb.pcap", ["tcp.port==23306,mysql"], ["mysql"]),
    # memcached from the corpus (port 11211, tshark's default).
    ("corpus:deepflow/memcached/memcached.pcap", [], ["memcache"]),
    ("corpus:deepflow/memcached/memcached-userdata.pcap", [], ["memcache"]),
    # Redis from the corpus (port 6379, tshark's default for RESP).
    ("corpus:deepflow/redis/redis.pcap", [], ["resp"]),
    ("corpus:deepflow/redis/redis-error.pcap", [], ["resp"]),
    ("corpus:deepflow/redis/redis-debug.pcap", [], ["resp"]),
    ("corpus:zeek/redis/almost-resp.pcap", [], ["resp"]),
    ("corpus:zeek/redis/attr.pcap", [], ["resp"]),
    ("corpus:zeek/redis/auth.pcap", [], ["resp"]),
    ("corpus:zeek/redis/bulk-loading.pcap", [], ["resp"]),
    ("corpus:zeek/redis/django-cloud.pcapng", ["tcp.port==10625,resp"], ["resp"]),
    ("corpus:zeek/redis/pipelining-example.pcap", [], ["resp"]),
    ("corpus:zeek/redis/pubsub.pcap", [], ["resp"]),
    ("corpus:zeek/redis/start-with-server.pcapng", [], ["resp"]),
    ("corpus:zeek/redis/large-requests-responses.pcap", [], ["resp"]),
    ("corpus:tcpdump/resp_1_benchmark.pcap", [], ["resp"]),
    ("corpus:tcpdump/resp_2_inline.pcap", [], ["resp"]),
    # MySQL from the corpus (3306 is tshark's default; deepflow's servers are elsewhere).
    ("corpus:deepflow/mysql/mysql.pcap", ["tcp.port==20130,mysql"], ["mysql"]),
    ("corpus:deepflow/mysql/mysql-error.pcap", ["tcp.port==20130,mysql"], ["mysql"]),
    ("corpus:deepflow/mysql/mysql-login-error.pcap", [], ["mysql"]),
    ("corpus:deepflow/mysql/mysql-statement.pcap", ["tcp.port==30130,mysql"], ["mysql"]),
    ("corpus:deepflow/mysql/large-response.pcap", ["tcp.port==6033,mysql"], ["mysql"]),
    ("corpus:deepflow/mysql/truncate-1024.pcap", ["tcp.port==6033,mysql"], ["mysql"]),
    ("corpus:deepflow/mysql/mysql-compressed-response.pcap", ["tcp.port==30130,mysql"], ["mysql"]),
    ("corpus:deepflow/mysql/partial-packet-compressed.pcap", ["tcp.port==30130,mysql"], ["mysql"]),
    ("corpus:zeek/mysql/mysql.pcap", [], ["mysql"]),
    ("corpus:zeek/mysql/auth.pcap", [], ["mysql"]),
    ("corpus:zeek/mysql/encrypted.pcap", [], ["mysql"]),
    ("corpus:zeek/mysql/caching_sha2_password-after-auth-switch.pcapng", [], ["mysql"]),
    ("corpus:zeek/mysql/many-query-attrs.pcap", [], ["mysql"]),
    ("corpus:zeek/mysql/tls-13-amazon-rds.pcap", [], ["mysql"]),
]


def golden_name(entry):
    """tests/data/servers/redis.pcap -> servers__redis.pcap.json; corpus:a/b.pcap -> a__b.pcap.json"""
    rel = entry[len("corpus:"):] if entry.startswith("corpus:") else entry.replace("tests/data/", "", 1)
    return rel.replace("/", "__") + ".json"


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def tshark(path, decode_as, *args):
    cmd = ["tshark", "-n", "-r", path]
    for rule in decode_as:
        cmd += ["-d", rule]
    out = subprocess.run(cmd + list(args), capture_output=True, text=True, errors="surrogateescape")
    if out.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)}: {out.stderr}")
    return out.stdout


def fields(path, decode_as, filt, names):
    args = ["-Y", filt, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", f"aggregator={AGG}"]
    for n in names:
        args += ["-e", n]
    rows = []
    for line in tshark(path, decode_as, *args).splitlines():
        v = dict(zip(names, line.split("\t")))
        rows.append({k: (v.get(k, "").split(AGG) if v.get(k, "") != "" else []) for k in names})
    return rows


def compact(row):
    return {k: v for k, v in row.items() if not (v == [] or v is False or v == "" or (k == "bulks" and v == 0))}


def ints(values):
    return [int(v, 0) for v in values]


def server_ports(decode_as, default):
    """The server's port: the decode-as rules', or the protocol's default."""
    return {int(r.split("==")[1].split(",")[0]) for r in decode_as} or {default}


def memcache_section(path, decode_as):
    names = ["frame.number", "tcp.stream", "tcp.dstport", "memcache.magic", "memcache.opcode", "memcache.command",
             "memcache.key", "memcache.value.length", "memcache.status", "memcache.response"]
    ports = server_ports(decode_as, 11211)
    out = []
    for v in fields(path, decode_as, "memcache", names):
        out.append(compact({
            "frame": int(v["frame.number"][0]),
            "stream": int(v["tcp.stream"][-1]),
            "client": int(v["tcp.dstport"][-1]) in ports,
            "magic": ints(v["memcache.magic"]),
            "opcode": ints(v["memcache.opcode"]),
            "command": v["memcache.command"],
            "key": v["memcache.key"],
            "value_length": ints(v["memcache.value.length"]),
            "status": ints(v["memcache.status"]),
            "response": v["memcache.response"],
        }))
    return out


def mysql_section(path, decode_as):
    names = ["frame.number", "tcp.stream", "tcp.srcport", "mysql.command", "mysql.query", "mysql.error_code",
             "mysql.sqlstate", "mysql.response_code"]
    out = []
    for v in fields(path, decode_as, "mysql", names):
        out.append(compact({
            "frame": int(v["frame.number"][0]),
            "stream": int(v["tcp.stream"][-1]),
            "command": ints(v["mysql.command"]),
            "query": v["mysql.query"],
            "error_code": ints(v["mysql.error_code"]),
            "sqlstate": v["mysql.sqlstate"],
            "response_code": ints(v["mysql.response_code"]),
        }))
    return out


def resp_section(path, decode_as):
    names = ["frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport", "resp.bulk_string.value",
             "resp.bulk_string.length", "resp.error", "resp.reassembled_in_next_frame", "resp.fragment"]
    ports = server_ports(decode_as, 6379)
    out = []
    for v in fields(path, decode_as, "resp", names):
        client = int(v["tcp.dstport"][-1]) in ports
        out.append(compact({
            "frame": int(v["frame.number"][0]),
            "stream": int(v["tcp.stream"][-1]),
            "client": client,
            # The server's bulk strings are not compared one by one: only counted.
            "bulk": [b[:2 * BULK_KEPT] for b in v["resp.bulk_string.value"]] if client else [],
            "bulk_length": ints(v["resp.bulk_string.length"]) if client else [],
            "bulks": 0 if client else len(v["resp.bulk_string.length"]),
            "error": v["resp.error"],
            "partial": bool(v["resp.reassembled_in_next_frame"]),
            "fragment": bool(v["resp.fragment"]),
        }))
    return out


SECTIONS = {
    "memcache": memcache_section,
    "mysql": mysql_section,
    "resp": resp_section,
}


def main():
    only = set(sys.argv[1:])
    os.makedirs(GOLDEN, exist_ok=True)
    failed = 0
    for entry, decode_as, sections in CAPTURES:
        name = golden_name(entry)
        if only and name not in only and os.path.basename(entry) not in only:
            continue
        path = resolve(entry)
        if not os.path.exists(path):
            print(f"SKIP {entry}: not found (../shared/corpus absent?)", file=sys.stderr)
            failed += 1
            continue
        data = {"capture": entry, "decode_as": decode_as}
        try:
            for s in sections:
                data[s] = SECTIONS[s](path, decode_as)
        except RuntimeError as e:
            print(f"SKIP {entry}: {e}", file=sys.stderr)
            failed += 1
            continue
        with open(os.path.join(GOLDEN, name), "w") as f:
            json.dump(data, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(f"{name}: " + ", ".join(f"{s} {len(data[s])} frames" for s in sections))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
