#!/usr/bin/env python3
"""Generate golden conversation tables with tshark.

For each capture listed in tests/golden/conv/CAPTURES (paths relative to the repo root;
`corpus:` means ../shared/corpus), write tests/golden/conv/<name>.json holding the TCP and
UDP conversations as tshark computes them, with the keys `wirelens conv --json` prints.

tshark's `-z conv,tcp` table rounds bytes to kB, so exact values come from per-frame
fields (tcp.stream / udp.stream, frame.len, frame.time_relative), and every row is
cross-checked against the `-z conv,tcp` and `-z conv,udp` tables (frames exactly, bytes
to the table's precision, start to 1 µs, duration to the 4 decimals it prints). A file
where the two disagree is reported and not written.

Usage: tests/scripts/make-conv-golden.py          (regenerate all)
"""
import json
from decimal import Decimal
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "conv")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
# ICMP/ICMPv6 error types quote an IP header: the TCP/UDP taps do not count those frames.
ICMP_ERRORS = {"3", "4", "5", "11", "12"}
ICMPV6_ERRORS = {"1", "2", "3", "4"}


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def tshark(*args):
    out = subprocess.run(["tshark", "-n", *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def last(value):
    """The innermost occurrence of a field (tunnels repeat ip.src)."""
    return value.split(",")[-1] if value else ""


def per_frame(path):
    fields = ["frame.protocols", "frame.time_relative", "frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.stream", "tcp.srcport", "tcp.dstport", "udp.stream", "udp.srcport",
              "udp.dstport", "icmp.type", "icmpv6.type"]
    args = ["-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a"]
    for f in fields:
        args += ["-e", f]
    frames = 0
    convs = {}
    for line in tshark(*args).splitlines():
        frames += 1
        v = dict(zip(fields, line.split("\t")))
        icmp, icmp6 = v["icmp.type"].split(","), v["icmpv6.type"].split(",")
        if set(icmp) & ICMP_ERRORS or set(icmp6) & ICMPV6_ERRORS:
            continue
        src = last(v["ipv6.src"]) or last(v["ip.src"])
        dst = last(v["ipv6.dst"]) or last(v["ip.dst"])
        # With both IPv4 and IPv6 in one frame (6in4), the inner header is the later one;
        # tshark lists fields by name, so pick the family of the innermost by position.
        if v["ip.src"] and v["ipv6.src"]:
            src, dst = last(v["ipv6.src"]), last(v["ipv6.dst"])
        t, ln = Decimal(v["frame.time_relative"]), int(v["frame.len"])
        # Tunnels (VXLAN, Geneve, GTP-U, GRE…) put several transport layers in a frame, each
        # a conversation between the addresses of the IP layer before it.
        layer_ends, seen = {"tcp": [], "udp": []}, {"ip": 0, "ipv6": 0}
        ip_before = None
        for name in v["frame.protocols"].split(":"):
            if name in seen:
                ip_before = (name, seen[name])
                seen[name] += 1
            elif name in layer_ends and ip_before:
                family, k = ip_before
                srcs, dsts = v[f"{family}.src"].split(","), v[f"{family}.dst"].split(",")
                layer_ends[name].append((srcs[k], dsts[k]) if k < len(srcs) else (src, dst))
        occurrences = []
        for proto in ("tcp", "udp"):
            streams = [x for x in v[f"{proto}.stream"].split(",") if x]
            sports, dports = v[f"{proto}.srcport"].split(","), v[f"{proto}.dstport"].split(",")
            ends = layer_ends[proto]
            if len(ends) != len(streams):
                ends = [(src, dst)] * len(streams)
            for k, stream in enumerate(streams):
                occurrences.append((proto, stream, int(sports[k]), int(dports[k]), ends[k]))
        for proto, stream, sport, dport, (src, dst) in occurrences:
            key = (proto, int(stream))
            c = convs.get(key)
            if c is None:
                c = convs[key] = {"proto": proto, "stream": int(stream), "a": src, "port_a": sport,
                                  "b": dst, "port_b": dport, "frames_ab": 0, "bytes_ab": 0,
                                  "frames_ba": 0, "bytes_ba": 0, "first": t, "last": t}
            if (src, sport) == (c["a"], c["port_a"]):
                c["frames_ab"] += 1
                c["bytes_ab"] += ln
            else:
                c["frames_ba"] += 1
                c["bytes_ba"] += ln
            c["first"], c["last"] = min(c["first"], t), max(c["last"], t)
    return frames, convs


ROW = re.compile(r"^(\S+):(\d+)\s+<-> (\S+):(\d+)\s+(\d+) (\d+) (bytes|kB|MB|GB)\s+(\d+) (\d+) "
                 r"(bytes|kB|MB|GB)\s+\d+ \d+ (?:bytes|kB|MB|GB)\s+([\d.]+)\s+([\d.]+)\s*$")
UNIT = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}


def conv_table(path, proto):
    rows = []
    for line in tshark("-r", path, "-q", "-z", f"conv,{proto}").splitlines():
        m = ROW.match(line)
        if m:
            a, pa, b, pb, fba, bba, uba, fab, bab, uab, start, dur = m.groups()
            rows.append({"a": a, "port_a": int(pa), "b": b, "port_b": int(pb),
                         "frames_ba": int(fba), "bytes_ba": (int(bba), UNIT[uba]),
                         "frames_ab": int(fab), "bytes_ab": (int(bab), UNIT[uab]),
                         "rel_start": Decimal(start), "duration": Decimal(dur)})
    return rows


def agrees(c, r):
    if (c["a"], c["port_a"], c["b"], c["port_b"]) != (r["a"], r["port_a"], r["b"], r["port_b"]):
        return False
    if (c["frames_ab"], c["frames_ba"]) != (r["frames_ab"], r["frames_ba"]):
        return False
    for k in ("bytes_ab", "bytes_ba"):
        shown, unit = r[k]
        if unit == 1 and c[k] != shown or abs(c[k] / unit - shown) > 1:
            return False
    # The table computes the start in floating point: large values carry ~50 ns of noise.
    return abs(c["first"] - r["rel_start"]) <= Decimal("0.000001") and abs(c["last"] - c["first"] - r["duration"]) <= Decimal("0.00005")


def golden(entry):
    path = resolve(entry)
    frames, convs = per_frame(path)
    out = {"capture": entry, "packets": frames}
    for proto in ("tcp", "udp"):
        rows = []
        mine = [c for (p, _), c in sorted(convs.items()) if p == proto]
        table = conv_table(path, proto)
        unmatched = [c for c in mine if not any(agrees(c, r) for r in table)]
        if unmatched or len(table) != len(mine):
            raise RuntimeError(f"{entry}: per-frame {proto} conversations disagree with -z conv,{proto} "
                               f"({len(mine)} vs {len(table)} rows; first unmatched: {unmatched[:1]})")
        rows = []
        for c in mine:
            row = {k: v for k, v in c.items() if k not in ("first", "last")}
            row["rel_start"], row["duration"] = float(c["first"]), float(c["last"] - c["first"])
            rows.append(row)
        out[proto] = rows
    return out


def main():
    with open(os.path.join(GOLDEN, "CAPTURES")) as f:
        entries = [l.split("#")[0].strip() for l in f]
    failed = 0
    for entry in filter(None, entries):
        name = os.path.basename(entry) + ".json"
        try:
            data = golden(entry)
        except (RuntimeError, FileNotFoundError) as e:
            print(f"SKIP {e}", file=sys.stderr)
            failed += 1
            continue
        with open(os.path.join(GOLDEN, name), "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        print(f"{name}: {data['packets']} packets, {len(data['tcp'])} tcp, {len(data['udp'])} udp")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
