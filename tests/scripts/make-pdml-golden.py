#!/usr/bin/env python3
"""Generate the packet-detail goldens with tshark's PDML.

For every capture of tests/golden/pdml/CAPTURES (capture, tshark options, packets), run
`tshark -n -r CAPTURE OPTIONS -c PACKETS -T pdml` (TZ=UTC) and keep, of every packet, the
<proto> and <field> elements whose name tests/golden/pdml/FIELDS lists (the names
`wirelens list -T pdml` can emit): one line each,

    frame <TAB> name <TAB> pos <TAB> size <TAB> show <TAB> showname

in document order, written gzipped to tests/golden/pdml/<capture path, / as _>.tsv.gz. A tab, line
feed, carriage return or backslash in a value is written as \\t, \\n, \\r, \\\\; a value
longer than 96 characters as `~LENGTH:DIGEST` (FNV-1a, 64 bits, of its UTF-8, in hex). tests/it/
pdml_golden.rs compares `wirelens list -T pdml` with these, field by field.

Options name files relative to the repository's root (key logs) and may name `{RSA_KEY}`:
a throwaway RSA key made here (tshark 4.0 hands decrypted TLS on a port to a protocol
such as memcache only through an RSA key association, `uat:ssl_keys`, whose key file it
never uses with ECDHE suites).

Usage: tests/scripts/make-pdml-golden.py        (regenerate all)
"""
import gzip
import os
import shlex
import subprocess
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "pdml")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
# Values longer than this many characters are stored as `~LENGTH:FNV-1a-64`.
LONG = 96


def captures():
    with open(os.path.join(GOLDEN, "CAPTURES")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                capture, options, packets = line.split("\t")
                yield capture, shlex.split(options), int(packets)


def names():
    with open(os.path.join(GOLDEN, "FIELDS")) as f:
        return {l.strip() for l in f if l.strip() and not l.startswith("#")}


def golden_name(capture):
    """`tests/data/servers/redis.pcap` → `servers_redis.pcap`, `corpus:deepflow/redis/redis.pcap` → `deepflow_redis_redis.pcap`."""
    name = capture.removeprefix("corpus:").removeprefix("tests/data/")
    return name.replace("/", "_")


def fnv(s):
    """FNV-1a, 64 bits, of the UTF-8 bytes."""
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8", "surrogatepass"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def esc(s):
    # A long value (a payload in hex) is kept as its length and digest.
    if len(s) > LONG:
        return f"~{len(s)}:{fnv(s):016x}"
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def walk(el, frame, keep, out):
    for child in el:
        if child.tag not in ("proto", "field"):
            continue
        a = child.attrib
        name = a.get("name", "")
        if name in keep:
            out.append("\t".join([
                str(frame), name, a.get("pos", ""), a.get("size", ""),
                esc(a.get("show", "")), esc(a.get("showname", "")),
            ]))
        walk(child, frame, keep, out)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)


def generate(tmp):
    keep = names()
    key = os.path.join(tmp, "unused.key")
    for capture, options, packets in captures():
        path = capture.replace("corpus:", CORPUS + "/", 1)
        if not os.path.exists(os.path.join(ROOT, path)):
            raise SystemExit(f"{path} is missing")
        if any("{RSA_KEY}" in o for o in options):
            if not os.path.exists(key):
                subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
            options = [o.replace("{RSA_KEY}", key) for o in options]
        cmd = ["tshark", "-n", "-r", path, *options, "-c", str(packets), "-T", "pdml"]
        xml = subprocess.run(cmd, env=ENV, cwd=ROOT, check=True, capture_output=True).stdout
        root = ET.fromstring(xml)
        out = []
        for packet in root.iter("packet"):
            frame = next(
                f.get("show") for f in packet.iter("field") if f.get("name") == "num"
            )
            walk(packet, frame, keep, out)
        dest = os.path.join(GOLDEN, f"{golden_name(capture)}.tsv.gz")
        data = ("\n".join(out) + "\n").encode("utf-8", "surrogatepass")
        with open(dest, "wb") as f:
            f.write(gzip.compress(data, compresslevel=9, mtime=0))
        print(f"{dest}: {len(out)} fields")


if __name__ == "__main__":
    main()
