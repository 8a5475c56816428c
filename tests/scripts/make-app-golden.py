#!/usr/bin/env python3
"""Generate golden application-layer fields and follow-stream outputs with tshark.

For each capture in CAPTURES below (paths relative to the repo root; `corpus:` means
../shared/corpus), write tests/golden/app/<name>.json with, per section, what tshark
says, frame by frame, with the capture's decode-as rules (`-d`). One runner,
tests/it/app_golden.rs, compares `wirelens <proto> --json`, `wirelens follow` and
`wirelens memcache|mysql|redis --list --json` with these.

Sections (each protocol's owner keeps its own; add a function and list it in SECTIONS),
one object per frame where the protocol was dissected, every field as a list of its
occurrences:
- http:   per frame with http.request/http.response: method, uri, code, http.time, request_in
- dns:    per frame with dns: id, response flag, qry.name, rcode, dns.time (per message)
- tls:    per frame with a ClientHello: tls.handshake.extensions_server_name
- follow: per TCP/UDP stream, `tshark -q -z follow,tcp|udp,raw,N` (and for the first
          streams also ascii and hex): length and FNV-1a 64 hash of tshark's output, which
          `wirelens follow` must reproduce byte for byte
- memcache: frame, stream, whether the client sent it, magic (binary: 128 request, 129
            response), opcode, command (tshark also puts a stats reply's STAT lines
            there), key, value.length, status, response
- mysql:    frame, stream, command, query, error_code, sqlstate, response_code
- http2:    per frame with an HTTP/2 HEADERS frame (tshark -T json): each HEADERS frame's
            stream id, END_STREAM flag and its :method, :path, :authority, :status and
            grpc-status (the TLS captures decrypted with their key logs, `keylog` below)
- pgsql:    frame, stream, pgsql.query, pgsql.code (SQLSTATE) and pgsql.tag of every
            message of the frame
- resp:     frame, stream, whether the client sent it, the client's bulk strings (hex, the
            first BULK_KEPT bytes of each) and their lengths, the server's bulk strings
            counted, errors, and whether tshark says the frame holds only part of an array
            (its bulk strings are then shown again, whole, in a later frame)
In the memcache, mysql and resp sections empty lists and false flags are left out, to
keep the files small.

Usage: tests/scripts/make-app-golden.py [NAME...]   (regenerate all, or the named ones)
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "app")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
# A separator no field value contains, for tshark's aggregated (occurrence=a) fields.
AGG = "\x1f"
# Follow outputs kept as hashes; ascii and hex are checked on this many streams per file.
FOLLOW_MODES_STREAMS = 3
# Bytes of each Redis bulk string kept (as hex); wirelens keeps 256 of each argument.
BULK_KEPT = 64

# Key logs (NSS SSLKEYLOGFILE) of captures with TLS, given to tshark as
# `-o tls.keylog_file:PATH` and recorded in the golden as `keylog` (from the repo root).
KEYLOGS = {
    "tests/data/servers/http2.pcap": "tests/data/servers/http2.keylog",
    "tests/data/servers/tls.pcap": "tests/data/servers/tls.keylog",
    "tests/data/servers/mysql-tls.pcap": "tests/data/servers/mysql-tls.keylog",
    "tests/data/servers/pgsql-tls.pcap": "tests/data/servers/pgsql-tls.keylog",
}
# The key log of the capture being read (main sets it).
KEYLOG = [None]

SERVERS_HTTP = ["tcp.port==28080,http", "tcp.port==28081,http"]
SERVERS_DNS = ["udp.port==25353,dns", "tcp.port==25353,dns"]

# (capture, decode-as rules, sections)
CAPTURES = [
    # Real servers (tests/data/servers/README.md).
    ("tests/data/servers/http.pcap", SERVERS_HTTP, ["http", "follow"]),
    ("tests/data/servers/dns.pcap", SERVERS_DNS, ["dns", "follow"]),
    ("tests/data/servers/memcached.pcap", ["tcp.port==21211,memcache"], ["follow", "memcache"]),
    ("tests/data/servers/redis.pcap", ["tcp.port==26379,resp"], ["follow", "resp"]),
    ("tests/data/servers/mariadb.pcap", ["tcp.port==23306,mysql"], ["follow", "mysql"]),
    # Modern servers (tests/scripts/make-modern-captures.sh).
    ("tests/data/servers/http2.pcap", ["tcp.port==28082,http2"], ["http2"]),
    ("tests/data/servers/grpc.pcap", ["tcp.port==25051,http2"], ["http2"]),
    ("tests/data/servers/tls.pcap", [], ["http"]),
    # The same, its key log in a pcapng Decryption Secrets Block: no key log given.
    ("tests/data/servers/tls-dsb.pcapng", [], ["http"]),
    ("tests/data/servers/pgsql.pcap", ["tcp.port==25432,pgsql"], ["pgsql", "follow"]),
    ("tests/data/servers/mysql-tls.pcap", ["tcp.port==23307,mysql"], ["mysql", "follow"]),
    ("tests/data/servers/pgsql-tls.pcap", ["tcp.port==25433,pgsql"], ["pgsql", "follow"]),
    # HTTP/2 and PostgreSQL from the corpus.
    ("corpus:deepflow/http/h2c_ascii.pcap", ["tcp.port==7070,http2"], ["http2"]),
    ("corpus:deepflow/http/http2-multi.pcap", ["tcp.port==3550,http2"], ["http2"]),
    ("corpus:deepflow/http/grpc-segmented.pcap", ["tcp.port==20035,http2"], ["http2"]),
    ("corpus:PcapPlusPlus/packet/postgres.pcapng", [], ["pgsql"]),
    # HTTP from the corpus.
    ("corpus:deepflow/http/httpv1.pcap", [], ["http", "follow"]),
    ("corpus:deepflow/http/istio-tcp-frag.pcap", [], ["http", "follow"]),
    ("corpus:deepflow/http.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/examples/http-packets.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/examples/tcp-reassembly.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/4KHttpRequests.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/650HttpResponses.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/three_http_streams.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/one_http_stream_fin.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/one_http_stream_fin2.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/one_http_stream_rst.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/one_ipv6_http_stream.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/four_ipv6_http_streams.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/one_tcp_stream.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/one_tcp_stream_max_seq.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/unidirectional_tcp_stream_with_missing_packet.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/packet/TwoHttpRequests.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/packet/PartialHttpRequest.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/packet/HttpMalformedResponse.pcapng", [], ["http", "follow"]),
    ("corpus:zeek/http/basic-auth-with-colon.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/connect-with-header.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/cooper-grill-dvwa.pcapng", [], ["http", "follow"]),
    ("corpus:zeek/http/entity_gap.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/get-without-fins.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/get.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/get_nosyn.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/http-large-gap.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/pipelined-requests.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/post.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/smuggle-http-request.pcap", [], ["http", "follow"]),
    ("corpus:zeek/http/1000-requests-one-dropped-response.pcap.gz", [], ["http"]),
    ("corpus:zeek/tcp/reassembly.pcap", [], ["http", "follow"]),
    ("corpus:deepflow/out-of-order.pcap", [], ["http", "follow"]),
    # IP fragments: the transport layer (and the follow) of reassembled datagrams.
    ("corpus:PcapPlusPlus/pcap/frag_http_req.pcap", [], ["http", "follow"]),
    ("corpus:PcapPlusPlus/pcap/ip4_fragments.pcap", [], ["follow"]),
    ("corpus:PcapPlusPlus/pcap/ip6_fragments.pcap", [], ["follow"]),
    ("corpus:deepflow/ip-fragment.pcap", [], ["http", "follow"]),
    ("corpus:zeek/ipv6-fragmented-dns.pcap", [], ["dns", "follow"]),
    ("corpus:zeek/ipv4/fragmented-1.pcap", [], ["follow"]),
    ("corpus:zeek/ipv6-http-atomic-frag.pcap", [], ["http", "follow"]),
    # DNS.
    ("corpus:deepflow/dns/dns.pcap", [], ["dns", "follow"]),
    ("corpus:deepflow/dns/dns-tcp-multi.pcap", [], ["dns", "follow"]),
    ("corpus:deepflow/dns/nxdomain.pcap", [], ["dns", "follow"]),
    ("corpus:PcapPlusPlus/pcap/DnsPackets.pcap", [], ["dns"]),
    ("corpus:PcapPlusPlus/packet/dns_over_tcp.pcapng", [], ["dns"]),
    ("corpus:zeek/dns/dns-corrupt.pcap", [], ["dns"]),
    ("corpus:zeek/dns/ech.pcap", [], ["dns"]),
    ("corpus:zeek/dns/max-compression-depth.pcap", [], ["dns"]),
    ("corpus:zeek/dns-two-responses.pcap", [], ["dns"]),
    ("corpus:zeek/dns-inverse-query.pcap", [], ["dns"]),
    # NetBIOS name service (UDP 137) beside DNS: tshark's nbns, not dns.
    ("corpus:PcapPlusPlus/pcap/sll.pcap", [], ["dns"]),
    # TLS.
    ("corpus:PcapPlusPlus/examples/tls.pcap", [], ["tls", "follow"]),
    ("corpus:PcapPlusPlus/packet/tls1_3.pcap", [], ["tls"]),
    ("corpus:zeek/tls/tls1.2.pcap", [], ["tls", "follow"]),
    ("corpus:zeek/tls/tls13_wolfssl.pcap", [], ["tls", "follow"]),
    ("corpus:zeek/tls/hrr.pcap", [], ["tls"]),
    ("corpus:zeek/tls/ml-dsa-44-cert.pcap", [], ["tls"]),
    ("corpus:zeek/tls/openjdk-25.0.2-zeek.org.pcap", [], ["tls"]),
    ("corpus:zeek/tls/irc-starttls.pcap", [], ["tls"]),
    ("corpus:zeek/tls/pop3-starttls.pcap", [], ["tls"]),
    ("corpus:zeek/tls/tls-fragmented-handshake.pcap.gz", [], ["tls"]),
    # QUIC: the ClientHello of the Initial packets, decrypted as tshark does by default.
    ("tests/data/servers/quic.pcap", [], ["tls"]),
    ("corpus:tcpdump/quic_handshake.pcap", [], ["tls"]),
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
    """tests/data/servers/http.pcap -> servers__http.pcap.json; corpus:a/b.pcap -> a__b.pcap.json"""
    rel = entry[len("corpus:"):] if entry.startswith("corpus:") else entry.replace("tests/data/", "", 1)
    return rel.replace("/", "__") + ".json"


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def tshark(path, decode_as, *args, text=True):
    cmd = ["tshark", "-n", "-r", path]
    if KEYLOG[0]:
        cmd += ["-o", "tls.keylog_file:" + os.path.join(ROOT, KEYLOG[0])]
    for rule in decode_as:
        cmd += ["-d", rule]
    out = subprocess.run(cmd + list(args), capture_output=True, text=text,
                         errors="surrogateescape" if text else None)
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


def http_section(path, decode_as):
    names = ["frame.number", "tcp.stream", "http.request.method", "http.request.uri",
             "http.response.code", "http.time", "http.request_in"]
    out = []
    for v in fields(path, decode_as, "http.request or http.response", names):
        out.append({
            "frame": int(v["frame.number"][0]),
            "stream": int(v["tcp.stream"][-1]) if v["tcp.stream"] else None,
            "method": v["http.request.method"],
            "uri": v["http.request.uri"],
            "code": [int(c) for c in v["http.response.code"]],
            "time": v["http.time"],
            "request_in": [int(r) for r in v["http.request_in"]],
        })
    return out


def dns_section(path, decode_as):
    names = ["frame.number", "udp.stream", "tcp.stream", "dns.id", "dns.flags.response",
             "dns.qry.name", "dns.flags.rcode", "dns.time"]
    out = []
    for v in fields(path, decode_as, "dns", names):
        out.append({
            "frame": int(v["frame.number"][0]),
            "transport": "udp" if v["udp.stream"] else "tcp",
            "stream": int((v["udp.stream"] or v["tcp.stream"])[-1]),
            "id": [int(i, 16) for i in v["dns.id"]],
            "response": [r in ("1", "True") for r in v["dns.flags.response"]],
            "name": v["dns.qry.name"],
            "rcode": [int(r) for r in v["dns.flags.rcode"]],
            "time": v["dns.time"],
        })
    return out


def tls_section(path, decode_as):
    names = ["frame.number", "tcp.stream", "udp.stream", "tls.handshake.extensions_server_name"]
    out = []
    for v in fields(path, decode_as, "tls.handshake.type == 1", names):
        out.append({
            "frame": int(v["frame.number"][0]),
            # QUIC's ClientHello is in a UDP datagram's Initial packets.
            "stream": int((v["tcp.stream"] or v["udp.stream"])[-1]),
            "sni": v["tls.handshake.extensions_server_name"],
        })
    return out


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def follow_section(path, decode_as):
    out = {}
    for proto in ("tcp", "udp"):
        # The outermost layer's stream: headers carried inside a payload (sFlow samples,
        # ICMP errors) get stream numbers from tshark but are no conversation of ours.
        streams = set()
        for line in tshark(path, decode_as, "-T", "fields", "-e", "frame.protocols", "-e", f"{proto}.stream").splitlines():
            protocols, _, stream = line.partition("\t")
            layers = protocols.split(":")
            outer = next((p for p in layers if p in ("tcp", "udp", "icmp", "icmpv6")), None)
            if stream and outer == proto:
                streams.add(int(stream.split(",")[0]))
        streams = sorted(streams)
        rows = []
        # One tshark run follows every stream (in batches, to bound the command line).
        for mode in ("raw", "ascii", "hex"):
            wanted = streams if mode == "raw" else streams[:FOLLOW_MODES_STREAMS]
            for i in range(0, len(wanted), 100):
                batch = wanted[i:i + 100]
                args = ["-q"]
                for s in batch:
                    args += ["-z", f"follow,{proto},{mode},{s}"]
                text = tshark(path, decode_as, *args, text=False)
                # Outputs are printed one after another, each starting with "\n" + separator.
                sep = b"\n===================================================================\nFollow: "
                parts = text.split(sep)
                assert parts[0] == b"" and len(parts) == len(batch) + 1, (path, proto, mode, len(parts))
                # tshark prints the taps in its own order: each output names its stream.
                by_stream = {}
                for part in parts[1:]:
                    filt = part.split(b"\nFilter: ", 1)[1].split(b"\n", 1)[0].decode()
                    by_stream[int(filt.rsplit(" ", 1)[1])] = sep + part
                assert sorted(by_stream) == sorted(batch), (path, proto, mode)
                for s in batch:
                    whole = by_stream[s]
                    rows.append({"stream": s, "mode": mode, "len": len(whole), "fnv1a64": fnv1a64(whole)})
        out[proto] = rows
    return out


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


def http2_section(path, decode_as):
    wanted = {":method": "method", ":path": "path", ":authority": "authority",
              ":status": "status", "grpc-status": "grpc_status"}
    packets = json.loads(tshark(path, decode_as, "-Y", "http2.type == 1", "-T", "json",
                                "--no-duplicate-keys", "-J", "frame tcp http2"))
    listed = lambda v: v if isinstance(v, list) else [v]
    out = []
    for p in packets:
        layers = p["_source"]["layers"]
        headers = []
        for h2 in listed(layers.get("http2", [])):
            for st in listed(h2.get("http2.stream", [])):
                if not isinstance(st, dict) or st.get("http2.type") != "1":
                    continue
                flags = st.get("http2.flags_tree", {})
                row = {"stream_id": int(st["http2.streamid"]),
                       "end_stream": flags.get("http2.flags.end_stream") == "1"}
                for h in listed(st.get("http2.header", [])):
                    name = h.get("http2.header.name") if isinstance(h, dict) else None
                    if name in wanted:
                        row[wanted[name]] = h.get("http2.header.value", "")
                headers.append(row)
        out.append({
            "frame": int(listed(layers["frame"]["frame.number"])[0]),
            "stream": int(listed(layers["tcp"])[-1]["tcp.stream"]),
            "headers": headers,
        })
    return out


def pgsql_section(path, decode_as):
    names = ["frame.number", "tcp.stream", "pgsql.query", "pgsql.code", "pgsql.tag"]
    out = []
    for v in fields(path, decode_as, "pgsql", names):
        out.append(compact({
            "frame": int(v["frame.number"][0]),
            "stream": int(v["tcp.stream"][-1]),
            "query": v["pgsql.query"],
            "code": v["pgsql.code"],
            "tag": v["pgsql.tag"],
        }))
    return out


SECTIONS = {
    "http": http_section,
    "dns": dns_section,
    "tls": tls_section,
    "follow": follow_section,
    "memcache": memcache_section,
    "mysql": mysql_section,
    "resp": resp_section,
    "http2": http2_section,
    "pgsql": pgsql_section,
}


def dumps(data):
    """JSON with one line per row, so that a changed row is a one-line diff."""
    def rows(v, indent):
        if not v:
            return "[]"
        pad = " " * indent
        return "[\n" + ",\n".join(pad + json.dumps(r, separators=(",", ":")) for r in v) + "\n" + pad[:-1] + "]"
    out = []
    for k, v in data.items():
        if isinstance(v, list):
            text = rows(v, 2)
        elif isinstance(v, dict):
            text = "{\n" + ",\n".join(f"  {json.dumps(p)}: {rows(r, 3)}" for p, r in v.items()) + "\n }"
        else:
            text = json.dumps(v)
        out.append(f" {json.dumps(k)}: {text}")
    return "{\n" + ",\n".join(out) + "\n}\n"


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
        KEYLOG[0] = KEYLOGS.get(entry)
        if KEYLOG[0]:
            data["keylog"] = KEYLOG[0]
        try:
            for s in sections:
                data[s] = SECTIONS[s](path, decode_as)
        except RuntimeError as e:
            print(f"SKIP {entry}: {e}", file=sys.stderr)
            failed += 1
            continue
        with open(os.path.join(GOLDEN, name), "w") as f:
            f.write(dumps(data))
        counts = ", ".join(f"{s} {len(data[s]) if s != 'follow' else sum(len(v) for v in data[s].values())}" for s in sections)
        print(f"{name}: {counts}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
