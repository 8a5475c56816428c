#!/usr/bin/env python3
"""Count the packet-list rows whose Protocol or Info differ from tshark 4.0's, per capture
and grouped by a rough cause, over every capture of the corpus with TCP.

For each capture file of the corpus (../shared/corpus, see corpus_dir.py) that tshark
reads and in which some frame has TCP, compare `tshark -n -r F -T fields -e frame.number
-e _ws.col.Protocol -e _ws.col.Info` with `wirelens list F` printing the same fields.
Prints one line per capture that differs (frames differing, frames), then the causes:
a key made of tshark's and our Protocol and the first words of each Info, with the number
of frames and a few examples (capture, frame). tshark's output is cached under
$TMPDIR/wirelens-rows-tshark (keyed by path, size and mtime), so a second run only runs
wirelens.

Usage: tests/scripts/rows-vs-tshark.py [--bin PATH] [--examples N] [--all] [--any]
                                       [--protocols P,Q] [PATH_SUBSTRING...]
  --bin       the wirelens binary ($CARGO_TARGET_DIR/debug/wirelens by default)
  --all       list every differing frame (capture, frame, tshark's row, ours)
  --any       every capture tshark reads, with TCP or without
  --protocols only the frames whose frame.protocols (tshark's) names one of these
  PATH_SUBSTRING  only captures whose corpus path contains one of them
"""
import argparse
import collections
import concurrent.futures
import hashlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_dir import CORPUS, ROOT  # noqa: E402

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
FIELDS = ["frame.number", "_ws.col.Protocol", "_ws.col.Info"]
SUFFIXES = (".pcap", ".pcapng", ".cap", ".gz")
CACHE = os.path.join(tempfile.gettempdir(), "wirelens-rows-tshark")
# Frames counted: those whose frame.protocols names one of these (all when empty).
PROTOCOLS = set()


def captures(only):
    for dirpath, _, files in os.walk(CORPUS):
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, CORPUS)
                if not only or any(o in rel for o in only):
                    yield rel, path


def tshark(path):
    """tshark's rows as {frame: (protocol, info)} and whether any frame has TCP, or None when
    tshark cannot read the file."""
    st = os.stat(path)
    key = hashlib.sha1(f"{path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()
    cached = os.path.join(CACHE, key)
    if os.path.exists(cached):
        with open(cached, encoding="utf-8", errors="replace") as f:
            out = f.read()
    else:
        cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.protocols"]
        for field in FIELDS:
            cmd += ["-e", field]
        r = subprocess.run(cmd, env=ENV, capture_output=True)
        out = r.stdout.decode("utf-8", "replace")
        if r.returncode != 0 and not out:
            out = "!unreadable\n"
        os.makedirs(CACHE, exist_ok=True)
        with open(cached, "w", encoding="utf-8") as f:
            f.write(out)
    if out.startswith("!unreadable"):
        return None, False
    rows, tcp = {}, False
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 4:
            continue
        tcp = tcp or ":tcp" in parts[0]
        if PROTOCOLS and not PROTOCOLS & set(parts[0].split(":")):
            continue
        rows[parts[1]] = (parts[2], parts[3])
    return rows, tcp


def ours(binary, path):
    cmd = [binary, "list", path, "-T", "fields"]
    for field in FIELDS:
        cmd += ["-e", field]
    r = subprocess.run(cmd, env=ENV, capture_output=True, cwd=ROOT)
    rows = {}
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows[parts[0]] = (parts[1], parts[2])
    return rows


def words(info, n=2):
    """The first words of an Info, numbers and quoted text blanked, as a cause's key."""
    info = re.sub(r"\d+", "N", info)
    return " ".join(info.split()[:n])


def cause(theirs, mine):
    (tp, ti), (op, oi) = theirs, mine
    if tp != op:
        return f"proto {tp} -> {op} | {words(ti)} -> {words(oi)}"
    return f"info [{tp}] {words(ti, 3)} -> {words(oi, 3)}"


def compare(binary, rel, path, any_capture):
    want, tcp = tshark(path)
    if want is None or not (tcp or any_capture) or not want:
        return rel, None, []
    got = ours(binary, path)
    diffs = []
    for frame, row in want.items():
        mine = got.get(frame, ("<missing>", ""))
        if mine != row:
            diffs.append((frame, row, mine))
    return rel, len(want), diffs


def main():
    ap = argparse.ArgumentParser()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    ap.add_argument("--bin", default=os.path.join(target, "debug", "wirelens"))
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--any", action="store_true")
    ap.add_argument("--protocols", default="")
    ap.add_argument("only", nargs="*")
    a = ap.parse_args()
    PROTOCOLS.update(p for p in a.protocols.split(",") if p)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(compare, a.bin, rel, path, a.any) for rel, path in captures(a.only)]
        for job in jobs:
            results.append(job.result())
    causes = collections.defaultdict(list)
    total = differing = files = 0
    for rel, frames, diffs in sorted(results):
        if frames is None:
            continue
        files += 1
        total += frames
        differing += len(diffs)
        if diffs:
            print(f"{len(diffs):6} of {frames:6}  {rel}")
        for frame, row, mine in diffs:
            causes[cause(row, mine)].append((rel, frame, row, mine))
            if a.all:
                print(f"    {frame}\n      tshark:   {row[0]}  {row[1]}\n      wirelens: {mine[0]}  {mine[1]}")
    kind = "captures" if a.any else "captures with TCP"
    print(f"\n{differing} of {total} frames differ in {files} {kind}\n")
    for key, items in sorted(causes.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(items):6}  {key}")
        for rel, frame, row, mine in items[: a.examples]:
            print(f"          {rel} #{frame}: {row[1][:90]!r} / {mine[1][:90]!r}")


if __name__ == "__main__":
    main()
