#!/usr/bin/env python3
"""Generate golden statistics with tshark: Ethernet and IP conversations, endpoints, and
the protocol hierarchy.

For each capture listed in tests/golden/stats/CAPTURES (paths relative to the repo root;
`corpus:` means ../shared/corpus), write tests/golden/stats/<name>.json holding what tshark
computes for

  -z conv,eth   -z conv,ip   -z conv,ipv6
  -z endpoints,eth   -z endpoints,ip   -z endpoints,ipv6   -z endpoints,tcp   -z endpoints,udp
  -z io,phs

with the keys `wirelens conv --json`, `wirelens endpoints --json` and `wirelens phs --json`
print. The hierarchy is tshark's whole tree, into application protocols; the Rust test
(tests/it/stats_golden.rs) cuts it where Wirelens' dissection ends by design (after the
first protocol `wire::Proto::is_leaf` names: tcp, udp, icmp, arp, gre, …), so the goldens
need not change when the dissector learns a protocol.

Exact values come from tshark's per-frame dissection tree (`-T pdml`): its top-level
protocols are exactly what tshark's taps and the protocol hierarchy see. A protocol
quoted inside an ICMP error is a subtree of `icmp`, not a top-level protocol, and tshark's
conversation and endpoint taps ignore it (it is dissected as an "error packet"); tunnels
(VXLAN, GRE, IP in IP, Teredo, …) put every encapsulated header at the top level, and the
taps count each of them. (Not quite everywhere: a tap also fires for a protocol dissected
inside another one's tree, such as an Ethernet frame carried by OpenFlow, and does not for a
header whose dissection throws before its tap, such as a bogus length. The cross-check
catches these.) Every row is then cross-checked against tshark's own tables:
conversations (frames exactly, bytes to the kB/MB the table prints, start to 1 µs,
duration to the 4 decimals it prints), endpoints (all six counts exactly) and the protocol
hierarchy (frames and bytes of every node exactly, children in the same order, down to
the first protocol that is not one of the link and network layers in CHECKED: below it,
PDML does not keep the order of top-level non-protocol items such as `tcp.segments`; the
hierarchy stored is tshark's table, whose counts are exact). A file where the two
disagree is reported and not written.

Tables that differ from tshark for a known reason (say, a tunnel our core does not
decapsulate) are listed in tests/golden/stats/KNOWN_DIFFERENCES, not here: the Rust test
checks the other tables exactly, and that the listed ones still differ.

Usage: tests/scripts/make-stats-golden.py [NAME…]     (regenerate all, or the named files)
"""
from decimal import Decimal
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "stats")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)

# Link and network layers through which the per-frame hierarchy is cross-checked.
CHECKED = {"eth", "sll", "null", "raw", "vlan", "ieee8021ad", "llc", "mpls", "pppoes", "ppp", "ip",
           "ipv6", "ah", "shim6"}
# Top-level items that are not protocols of the frame (tap-protohierstat.c skips them).
NOT_LAYERS = {"geninfo", "frame", "pkt_comment", "_ws.col"}
TABLES = ["conv.eth", "conv.ip", "conv.ipv6", "endpoints.eth", "endpoints.ip", "endpoints.ipv6",
          "endpoints.tcp", "endpoints.udp", "phs"]


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def tshark(*args):
    out = subprocess.run(["tshark", "-n", *args], capture_output=True)
    if out.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)}: {out.stderr.decode(errors='replace').strip()}")
    return out.stdout


def top_level_names(protos):
    """The names of the top-level items of tshark's tree, as its hierarchy tap walks them.
    PDML wraps top-level items that it does not print as protocols (the `data` protocol,
    reassembly items such as `tcp.segments`) in a `fake-field-wrapper`."""
    names = []
    for p in protos:
        name = p.get("name")
        if name == "fake-field-wrapper":
            names += [f.get("name") for f in p.findall("field")]
        elif name not in NOT_LAYERS:
            names.append(name)
    return names


def field(proto, name):
    """The `show` value of a direct child field of a PDML proto element."""
    for f in proto.findall("field"):
        if f.get("name") == name:
            return f.get("show")
    return None


def ipv6_tapped(ipv6):
    """Whether tshark's ipv6 tap sees this header. Unlike IPv4, whose tap sees every
    fragment, the IPv6 tap misses fragments whose payload is not dissected in this frame:
    all but the one that completes reassembly (found empirically with tshark 4.0)."""
    frag = next((p for p in ipv6.iter("proto") if p.get("name") == "ipv6.fraghdr"), None)
    if frag is None:
        return True
    offset, more = field(frag, "ipv6.fraghdr.offset"), field(frag, "ipv6.fraghdr.more")
    if offset == "0" and more == "0":
        return True  # an atomic fragment (RFC 6946)
    return any(f.get("name") == "ipv6.fragments" for f in ipv6.iter("field"))


def routing_final_dst(ipv6):
    """The final destination a type 0 routing header names, which tshark gives the
    transport layer as the packet's destination (RFC 8200 section 8.1)."""
    for rt in ipv6.iter("proto"):
        if rt.get("name") != "ipv6.routing" or field(rt, "ipv6.routing.type") != "0":
            continue
        addrs = [f.get("show") for f in rt.findall("field") if f.get("name") == "ipv6.routing.src.addr"]
        if addrs and field(rt, "ipv6.routing.segleft") != "0":
            return addrs[-1]
    return None


class Conversations:
    """Address-pair conversations as tshark's conversation table keeps them."""

    def __init__(self):
        self.rows = {}

    def add(self, src, dst, t, ln):
        key = frozenset((src, dst))
        c = self.rows.get(key)
        if c is None:
            c = self.rows[key] = {"a": src, "b": dst, "frames_ab": 0, "bytes_ab": 0, "frames_ba": 0,
                                  "bytes_ba": 0, "first": t, "last": t}
        d = "ab" if src == c["a"] else "ba"
        c["frames_" + d] += 1
        c["bytes_" + d] += ln
        c["first"], c["last"] = min(c["first"], t), max(c["last"], t)


class Endpoints:
    def __init__(self):
        self.rows = {}

    def _get(self, key):
        e = self.rows.get(key)
        if e is None:
            e = self.rows[key] = {"address": key[0]}
            if key[1] is not None:
                e["port"] = key[1]
            e.update(packets=0, bytes=0, tx_packets=0, tx_bytes=0, rx_packets=0, rx_bytes=0)
        return e

    def add(self, src, dst, ln, sport=None, dport=None):
        for key, d in (((src, sport), "tx"), ((dst, dport), "rx")):
            e = self._get(key)
            e["packets"] += 1
            e["bytes"] += ln
            e[d + "_packets"] += 1
            e[d + "_bytes"] += ln


def per_frame(path):
    """Conversations, endpoints and hierarchy from every frame's top-level protocols."""
    conv = {k: Conversations() for k in ("eth", "ip", "ipv6")}
    ends = {k: Endpoints() for k in ("eth", "ip", "ipv6", "tcp", "udp")}
    phs = []
    frames = 0
    out = subprocess.run(["tshark", "-n", "-r", path, "-T", "pdml"], capture_output=True)
    if out.returncode != 0:
        raise RuntimeError(f"tshark -T pdml on {path}: {out.stderr.decode(errors='replace').strip()}")
    # tshark writes some payload bytes into attributes unescaped; XML allows no control
    # characters but tab, newline and carriage return.
    pdml = io.BytesIO(re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", b"?", out.stdout))
    try:
        for _, packet in ET.iterparse(pdml):
            if packet.tag != "packet":
                continue
            frames += 1
            protos = packet.findall("proto")
            frame = next(p for p in protos if p.get("name") == "frame")
            t, ln = field(frame, "frame.time_relative"), field(frame, "frame.len")
            if t is None or ln is None:
                raise RuntimeError(f"{path}: frame {frames} has no frame.time_relative or frame.len")
            t, ln = Decimal(t), int(ln)
            names = top_level_names(protos)
            add_path(phs, cut_path(names), ln)
            net = None  # the addresses of the innermost IP header so far (what pinfo->src is)
            for p in protos:
                name = p.get("name")
                if name == "eth":
                    src, dst = field(p, "eth.src"), field(p, "eth.dst")
                    if src is not None and dst is not None:
                        conv["eth"].add(src, dst, t, ln)
                        ends["eth"].add(src, dst, ln)
                elif name in ("ip", "ipv6"):
                    src, dst = field(p, name + ".src"), field(p, name + ".dst")
                    if src is None or dst is None:
                        continue
                    if name == "ip" or ipv6_tapped(p):
                        conv[name].add(src, dst, t, ln)
                        ends[name].add(src, dst, ln)
                    net = (src, name == "ipv6" and routing_final_dst(p) or dst)
                elif name in ("tcp", "udp") and net is not None:
                    sport, dport = field(p, name + ".srcport"), field(p, name + ".dstport")
                    if sport is not None and dport is not None:
                        ends[name].add(net[0], net[1], ln, int(sport), int(dport))
            packet.clear()
    except ET.ParseError as e:
        raise RuntimeError(f"tshark -T pdml on {path}: {e}")
    return frames, conv, ends, phs


def cut_path(path):
    for i, name in enumerate(path):
        if name not in CHECKED:
            return path[:i + 1]
    return path


def cut_lines(lines):
    """A hierarchy table's lines with each frame's path cut as `cut_path` cuts it."""
    out, cut = [], None  # cut: lines deeper than this are below a cut
    for depth, name, frames, nbytes in lines:
        if cut is not None and depth > cut:
            continue
        cut = None
        out.append((depth, name, frames, nbytes))
        if name not in CHECKED:
            cut = depth
    return out


def tree(lines):
    """Nested nodes from a hierarchy table's (depth, name, frames, bytes) lines."""
    roots, stack = [], []
    for depth, name, frames, nbytes in lines:
        node = {"protocol": name, "frames": frames, "bytes": nbytes, "children": []}
        del stack[depth:]
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return roots


def add_path(nodes, path, ln):
    for name in path:
        node = next((n for n in nodes if n["protocol"] == name), None)
        if node is None:
            node = {"protocol": name, "frames": 0, "bytes": 0, "children": []}
            nodes.append(node)
        node["frames"] += 1
        node["bytes"] += ln
        nodes = node["children"]


UNIT = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}
SIZE = r"(\d+) (bytes|kB|MB|GB)"
CONV_ROW = re.compile(rf"^(\S+)\s+<-> (\S+)\s+(\d+) {SIZE}\s+(\d+) {SIZE}\s+\d+ {SIZE}\s+(-?[\d.]+)\s+(-?[\d.]+)\s*$")
END_ROW = re.compile(r"^(\S+)\s+(?:(\d+)\s+)?(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


def tables(path):
    """tshark's own tables: {"conv.eth": [rows], …, "phs": [(depth, name, frames, bytes)]}."""
    args = ["-r", path, "-q"]
    for t in TABLES:
        kind, what = t.split(".") if "." in t else ("io", "phs")
        args += ["-z", f"{kind},{what}"]
    text = tshark(*args).decode()
    out, current = {t: [] for t in TABLES}, None
    titles = {"Ethernet Conversations": "conv.eth", "IPv4 Conversations": "conv.ip",
              "IPv6 Conversations": "conv.ipv6", "Ethernet Endpoints": "endpoints.eth",
              "IPv4 Endpoints": "endpoints.ip", "IPv6 Endpoints": "endpoints.ipv6",
              "TCP Endpoints": "endpoints.tcp", "UDP Endpoints": "endpoints.udp",
              "Protocol Hierarchy Statistics": "phs"}
    for line in text.splitlines():
        if line.strip() in titles:
            current = titles[line.strip()]
            continue
        if current is None:
            continue
        if current == "phs":
            m = re.match(r"^( *)(\S+)\s+frames:(\d+) bytes:(\d+)$", line)
            if m:
                out["phs"].append((len(m.group(1)) // 2, m.group(2), int(m.group(3)), int(m.group(4))))
        elif current.startswith("conv"):
            m = CONV_ROW.match(line)
            if m:
                a, b, fba, bba, uba, fab, bab, uab, _, _, start, dur = m.groups()
                out[current].append({"a": a, "b": b, "frames_ba": int(fba), "bytes_ba": (int(bba), UNIT[uba]),
                                     "frames_ab": int(fab), "bytes_ab": (int(bab), UNIT[uab]),
                                     "rel_start": Decimal(start), "duration": Decimal(dur)})
        else:
            m = END_ROW.match(line)
            if m:
                addr, port, *counts = m.groups()
                row = {"address": addr}
                if port is not None:
                    row["port"] = int(port)
                row.update(zip(["packets", "bytes", "tx_packets", "tx_bytes", "rx_packets", "rx_bytes"],
                               map(int, counts)))
                out[current].append(row)
    return out


def conv_agrees(c, r):
    if (c["a"], c["b"]) != (r["a"], r["b"]) or (c["frames_ab"], c["frames_ba"]) != (r["frames_ab"], r["frames_ba"]):
        return False
    for k in ("bytes_ab", "bytes_ba"):
        shown, unit = r[k]
        if unit == 1 and c[k] != shown or abs(c[k] / unit - shown) > 1:
            return False
    # The table computes the start in floating point: large values carry ~50 ns of noise.
    return (abs(c["first"] - r["rel_start"]) <= Decimal("0.000001")
            and abs(c["last"] - c["first"] - r["duration"]) <= Decimal("0.00005"))


def phs_lines(nodes, depth=0):
    for n in nodes:
        yield depth, n["protocol"], n["frames"], n["bytes"]
        yield from phs_lines(n["children"], depth + 1)


def golden(entry):
    path = resolve(entry)
    frames, conv, ends, phs = per_frame(path)
    table = tables(path)
    out = {"capture": entry, "packets": frames}
    out["conv"] = {}
    for kind, c in conv.items():
        mine = list(c.rows.values())
        theirs = table["conv." + kind]
        unmatched = [r for r in mine if not any(conv_agrees(r, t) for t in theirs)]
        if unmatched or len(theirs) != len(mine):
            raise RuntimeError(f"{entry}: per-frame {kind} conversations disagree with -z conv,{kind} "
                               f"({len(mine)} vs {len(theirs)} rows; first unmatched: {unmatched[:1]})")
        out["conv"][kind] = [{"a": r["a"], "b": r["b"], "frames_ab": r["frames_ab"], "bytes_ab": r["bytes_ab"],
                              "frames_ba": r["frames_ba"], "bytes_ba": r["bytes_ba"],
                              "rel_start": float(r["first"]), "duration": float(r["last"] - r["first"])}
                             for r in mine]
    out["endpoints"] = {}
    for kind, e in ends.items():
        mine = list(e.rows.values())
        theirs = table["endpoints." + kind]
        unmatched = [r for r in mine if r not in theirs]
        if unmatched or len(theirs) != len(mine):
            raise RuntimeError(f"{entry}: per-frame {kind} endpoints disagree with -z endpoints,{kind} "
                               f"({len(mine)} vs {len(theirs)} rows; first unmatched: {unmatched[:1]})")
        out["endpoints"][kind] = mine
    mine, theirs = list(phs_lines(phs)), cut_lines(table["phs"])
    if mine != theirs:
        raise RuntimeError(f"{entry}: per-frame hierarchy disagrees with -z io,phs:\n  {mine}\n  {theirs}")
    out["phs"] = tree(table["phs"])
    return out


def parse_captures():
    entries = []
    with open(os.path.join(GOLDEN, "CAPTURES")) as f:
        for line in f:
            text = line.partition("#")[0].split()
            if text:
                entries.append(text[0])
    return entries


def main():
    entries = parse_captures()
    names = [os.path.basename(e) for e in entries]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        raise SystemExit(f"CAPTURES: two captures share a file name: {sorted(dups)}")
    only = set(sys.argv[1:])
    failed = 0
    for entry in entries:
        name = os.path.basename(entry) + ".json"
        if only and os.path.basename(entry) not in only and name not in only:
            continue
        try:
            data = golden(entry)
        except (RuntimeError, FileNotFoundError) as e:
            print(f"SKIP {e}", file=sys.stderr)
            failed += 1
            continue
        with open(os.path.join(GOLDEN, name), "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        counts = ", ".join(f"{len(v)} {k}" for k, v in data["conv"].items())
        ends = ", ".join(f"{len(v)} {k}" for k, v in data["endpoints"].items())
        print(f"{name}: {data['packets']} packets; conv {counts}; endpoints {ends}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
