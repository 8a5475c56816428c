#!/usr/bin/env python3
"""Generate golden TCP analysis flags with tshark.

For each capture listed in tests/golden/tcp/CAPTURES (paths relative to the repo root;
`corpus:` means ../shared/corpus), write tests/golden/tcp/<name>.json with what
`tshark -n` (Wireshark 4.0) says of every frame that has a `tcp.analysis.*` item:

    {"capture": ..., "tshark": "4.0.17", "packets": N, "tcp_frames": M,
     "frames": [{"frame": 2, "stream": 0, "flags": ["retransmission"]},
                {"frame": 9, "stream": 0, "flags": ["duplicate_ack"],
                 "dup_ack_num": 1, "dup_ack_frame": 8}, ...],
     "initial_rtt": {"0": "0.225400000", ...}, "analysis_last": {"0": 8, ...},
     "ack_rtt": {"0": [[3, "0.000100000", "0.150000000"], [1, "0.010000000", "0.010000000"]]}}

`flags` are the tcp.analysis fields present in the frame (tshark prints them only when
set), in Wireshark's order; `initial_rtt` is each stream's tcp.analysis.initial_rtt as
tshark prints it (seconds, 9 decimals), taken from the first frame that shows it.
tshark shows the initial RTT only in frames that have a SEQ/ACK analysis subtree
(`tcp.analysis`: a flag, an ACK of a whole segment, or data), so `analysis_last` gives
each stream's last such frame: a stream whose RTT was measured after it shows none.
`ack_rtt` gives per stream, for the data side A (the first frame's source) sent and for
the data B sent, the count, minimum and maximum of tcp.analysis.ack_rtt (shown on the
ACK, so an ACK from B counts for A's data).
Relative sequence numbers are on (`-o tcp.relative_sequence_numbers:TRUE`, the
default), and so is the analysis (`tcp.analyze_sequence_numbers:TRUE`).

A frame whose TCP header tshark shows more than once (inside an ICMP error, or
tunnelled twice) keeps the last occurrence, the innermost.

It first writes the crafted captures under tests/golden/tcp/crafted/ (raw IPv4, one
TCP conversation each; the segments are those of the unit tests in core/src/tcp.rs, at
CRAFT_T0 + the offsets in ms): every analysis item on a few segments, read by tshark like
any other capture.

Captures that do not exist are skipped with a message (the server captures under
tests/data/servers/ appear once tests/scripts/make-server-captures.sh has run; the
corpus only where ../shared/corpus is).

Usage: tests/scripts/make-tcp-golden.py [CAPTURE-ENTRY...]   (default: all in CAPTURES)
"""
from decimal import Decimal
import json
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "tcp")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)

# In the order Wireshark prints them (packet-tcp.c tcp_print_sequence_number_analysis).
KINDS = ["reused_ports", "retransmission", "fast_retransmission", "spurious_retransmission",
         "out_of_order", "lost_segment", "ack_lost_segment", "window_update", "window_full",
         "keep_alive", "keep_alive_ack", "duplicate_ack", "zero_window_probe", "zero_window",
         "zero_window_probe_ack"]


# The crafted conversations: (ms after CRAFT_T0, from the client?, flags, seq, ack,
# window, payload length, window scale option). Client 10.0.0.1:40000, server 10.0.0.2:80.
CRAFT_T0 = 1_700_000_000
C, S = True, False
CRAFTED = {
    "basic": [  # handshake, SYN retransmission, lost segment, out of order, dup ACKs, fast/spurious/RTO retransmissions
        (0, C, "S", 1000, 0, 64240, 0, 7), (100, C, "S", 1000, 0, 64240, 0, 7),
        (150, S, "SA", 5000, 1001, 65160, 0, 7), (160, C, "A", 1001, 5001, 502, 0, None),
        (170, C, "PA", 1001, 5001, 502, 100, None), (171, C, "PA", 1201, 5001, 502, 100, None),
        (172, C, "PA", 1101, 5001, 502, 100, None), (180, S, "A", 5001, 1101, 509, 0, None),
        (181, S, "A", 5001, 1101, 509, 0, None), (182, S, "A", 5001, 1101, 509, 0, None),
        (190, C, "PA", 1101, 5001, 502, 100, None), (300, S, "A", 5001, 1301, 509, 0, None),
        (600, C, "PA", 1201, 5001, 502, 100, None), (900, C, "PA", 1301, 5001, 502, 100, None),
        (1300, C, "PA", 1301, 5001, 502, 100, None), (1310, S, "A", 5001, 1401, 509, 0, None),
    ],
    "windows": [  # window full (unscaled first, then scaled), zero window, probe, probe ACK, update, keep-alives
        (0, C, "S", 100, 0, 64240, 0, 2), (10, S, "SA", 900, 101, 1000, 0, 1),
        (20, C, "A", 101, 901, 500, 0, None), (30, C, "PA", 101, 901, 500, 1000, None),
        (40, S, "A", 901, 1101, 0, 0, None), (240, C, "A", 1101, 901, 500, 1, None),
        (250, S, "A", 901, 1101, 0, 0, None), (450, S, "A", 901, 1101, 300, 0, None),
        (460, C, "PA", 1101, 901, 500, 600, None), (470, S, "A", 901, 1701, 300, 0, None),
        (5000, C, "A", 1700, 901, 500, 0, None), (5010, S, "A", 901, 1701, 300, 0, None),
        (9000, C, "A", 1700, 901, 500, 1, None), (9010, S, "A", 901, 1701, 300, 0, None),
        (9020, S, "A", 901, 1701, 300, 0, None),
    ],
    "midstream-wrap-reuse": [  # picked up mid-stream across the 2^32 wrap, ACK of unseen data, FINs, port reuse
        (1000, C, "PA", 4294967000, 7000, 500, 200, None), (1001, S, "A", 7000, 4294967200, 500, 0, None),
        (1002, C, "PA", 4294967200, 7000, 500, 200, None), (1003, S, "A", 7000, 104, 500, 0, None),
        (1004, C, "PA", 304, 7000, 500, 100, None), (1005, S, "A", 7000, 404, 500, 0, None),
        (1006, S, "A", 7000, 404, 500, 0, None), (1007, C, "FA", 404, 7000, 500, 0, None),
        (1008, S, "FA", 7000, 405, 500, 0, None), (1009, C, "A", 405, 7001, 500, 0, None),
        (2000, C, "S", 123456, 0, 500, 0, None), (2010, S, "SA", 99999, 123457, 500, 0, None),
        (2020, C, "A", 123457, 100000, 500, 0, None), (2030, S, "SA", 55555, 123457, 500, 0, None),
    ],
    "syn-restores-nextseq": [  # a retransmitted SYN after a hole: the next segment is in order
        (0, C, "S", 1000, 0, 1000, 0, 2), (10, C, "A", 2000, 0, 1000, 10, None),
        (20, C, "S", 1000, 0, 1000, 0, 2), (30, C, "A", 1001, 0, 1000, 10, None),
    ],
    "ack-unseen-once": [  # ACKs of data never seen, with no hole: once, until a duplicate ACK
        (1000, C, "A", 1000, 5000, 500, 0, None), (1001, S, "A", 5000, 1001, 500, 0, None),
        (1002, C, "A", 1000, 5000, 500, 0, None), (1003, S, "A", 5000, 1002, 500, 0, None),
        (1004, C, "A", 1000, 5000, 500, 0, None), (1005, S, "A", 5000, 1003, 500, 0, None),
    ],
    "ack-unseen-hole-wrap": [  # a hole across the wrap, ACKed once; later ACKs are fine
        (1000, C, "A", 4294967000, 5000, 500, 0, None), (1001, C, "PA", 4294967200, 5000, 500, 200, None),
        (1002, S, "PA", 5000, 104, 500, 1, None), (1003, C, "PA", 104, 5001, 500, 10, None),
        (1004, S, "A", 5001, 114, 500, 0, None),
    ],
    "reuse-after-server-ack": [  # the server's ACK sets the client's base: a SYN with another ISN is a new session
        (1000, S, "A", 500, 1000, 500, 0, None), (1001, C, "S", 7777, 0, 500, 0, None),
        (1002, S, "SA", 900, 7778, 500, 0, None), (1003, C, "A", 7778, 901, 500, 0, None),
    ],
}


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def crafted_pcap(segments):
    """A raw-IPv4 pcap (link type 101, µs) of the segments, with valid checksums."""
    client, server = (bytes([10, 0, 0, 1]), 40000), (bytes([10, 0, 0, 2]), 80)
    bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]
    for ms, from_client, flags, seq, ack, window, length, wscale in segments:
        (src, sport), (dst, dport) = (client, server) if from_client else (server, client)
        opts = b"" if wscale is None else struct.pack("!BBBB", 1, 3, 3, wscale)
        hlen = 20 + len(opts)
        payload = b"x" * length
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (hlen // 4) << 4,
                          sum(bits[c] for c in flags), window, 0, 0) + opts
        pseudo = src + dst + struct.pack("!BBH", 0, 6, hlen + length)
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + hlen + length, 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        packet = ip + tcp + payload
        us = CRAFT_T0 * 1_000_000 + ms * 1000
        out.append(struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(packet), len(packet)) + packet)
    return b"".join(out)


def write_crafted():
    os.makedirs(os.path.join(GOLDEN, "crafted"), exist_ok=True)
    for name, segments in CRAFTED.items():
        with open(os.path.join(GOLDEN, "crafted", name + ".pcap"), "wb") as f:
            f.write(crafted_pcap(segments))


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def golden_name(entry):
    """A file name for the golden: the capture's path with / as __ (names repeat)."""
    rel = entry[len("corpus:"):] if entry.startswith("corpus:") else entry
    return rel.replace("/", "__") + ".json"


def tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return out.split()[2] if out.startswith("TShark") else "unknown"


def last(value):
    return value.split(",")[-1] if value else ""


def golden(entry):
    path = resolve(entry)
    fields = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.analysis.ack_rtt",
              "tcp.analysis", "tcp.analysis.flags"] + ["tcp.analysis." + k for k in KINDS] + [
        "tcp.analysis.duplicate_ack_num", "tcp.analysis.duplicate_ack_frame", "tcp.analysis.initial_rtt",
        "tcp.analysis.rto_frame"]
    args = ["tshark", "-n", "-r", path, "-o", "tcp.relative_sequence_numbers:TRUE",
            "-o", "tcp.analyze_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a"]
    for f in fields:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0 and not out.stdout:
        raise RuntimeError(f"tshark: {out.stderr.strip()}")
    packets, tcp_frames, frames, rtt, last_analysis, side_a, ack_rtt = 0, 0, [], {}, {}, {}, {}
    for line in out.stdout.splitlines():
        packets += 1
        v = dict(zip(fields, line.split("\t")))
        stream = last(v["tcp.stream"])
        if not stream:
            continue
        tcp_frames += 1
        flags = [k for k in KINDS if last(v["tcp.analysis." + k])]
        if bool(flags) != bool(last(v["tcp.analysis.flags"])):
            raise RuntimeError(f"{entry} frame {v['frame.number']}: tcp.analysis.flags disagrees with the items")
        if flags:
            row = {"frame": int(v["frame.number"]), "stream": int(stream), "flags": flags}
            if "duplicate_ack" in flags:
                row["dup_ack_num"] = int(last(v["tcp.analysis.duplicate_ack_num"]))
                row["dup_ack_frame"] = int(last(v["tcp.analysis.duplicate_ack_frame"]))
            if last(v["tcp.analysis.rto_frame"]):
                row["rto_frame"] = int(last(v["tcp.analysis.rto_frame"]))
            frames.append(row)
        if last(v["tcp.analysis"]):
            last_analysis[stream] = int(v["frame.number"])
        src = (last(v["ipv6.src"]) or last(v["ip.src"]), last(v["tcp.srcport"]))
        side_a.setdefault(stream, src)
        ack = last(v["tcp.analysis.ack_rtt"])
        if ack:
            # An ACK from A measures B's data.
            stats = ack_rtt.setdefault(stream, [[0, None, None], [0, None, None]])[1 if src == side_a[stream] else 0]
            stats[0] += 1
            stats[1] = ack if stats[1] is None or Decimal(ack) < Decimal(stats[1]) else stats[1]
            stats[2] = ack if stats[2] is None or Decimal(ack) > Decimal(stats[2]) else stats[2]
        irtt = last(v["tcp.analysis.initial_rtt"])
        if irtt:
            rtt.setdefault(stream, irtt)
    return {"capture": entry, "tshark": tshark_version(), "packets": packets, "tcp_frames": tcp_frames,
            "frames": frames, "initial_rtt": rtt, "analysis_last": last_analysis, "ack_rtt": ack_rtt}


def dumps(data):
    """JSON with one flagged frame per line: small, and reviewable as a diff."""
    compact = lambda v: json.dumps(v, separators=(",", ":"))
    lines = ["{"]
    for k in ("capture", "tshark", "packets", "tcp_frames"):
        lines.append(f" {json.dumps(k)}: {json.dumps(data[k])},")
    rows = [" " + compact(r) for r in data["frames"]]
    lines.append(' "frames": [' + ("\n" + ",\n".join(rows) + "\n ]," if rows else "],"))
    lines.append(f' "initial_rtt": {compact(data["initial_rtt"])},')
    lines.append(f' "analysis_last": {compact(data["analysis_last"])},')
    lines.append(f' "ack_rtt": {compact(data["ack_rtt"])}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def entries():
    with open(os.path.join(GOLDEN, "CAPTURES")) as f:
        return [e for e in (l.split("#")[0].strip() for l in f) if e]


def main():
    write_crafted()
    wanted = sys.argv[1:] or entries()
    missing = 0
    for entry in wanted:
        if not os.path.exists(resolve(entry)):
            print(f"SKIP {entry}: not present", file=sys.stderr)
            missing += 1
            continue
        data = golden(entry)
        name = golden_name(entry)
        with open(os.path.join(GOLDEN, name), "w") as f:
            f.write(dumps(data))
        flagged = sum(len(r["flags"]) for r in data["frames"])
        print(f"{name}: {data['packets']} packets, {data['tcp_frames']} TCP, {len(data['frames'])} flagged "
              f"({flagged} items), {len(data['initial_rtt'])} initial RTTs")
    if missing:
        print(f"{missing} captures skipped (absent)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
