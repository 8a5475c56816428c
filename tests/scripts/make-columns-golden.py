#!/usr/bin/env python3
"""Generate the golden packet-list columns with tshark.

For every capture of tests/golden/columns/CAPTURES (path, tshark options), write
`tshark -n -r CAPTURE OPTIONS --color -T fields -e frame.number -e _ws.col.Source
-e _ws.col.Destination -e _ws.col.Protocol -e _ws.col.Length -e _ws.col.Info
-e frame.coloring_rule.name` to tests/golden/columns/<capture path, / as _>.tsv
(`--color` applies the default colouring rules, which name the row's colour). tshark
runs with TZ=UTC.

Usage: tests/scripts/make-columns-golden.py        (regenerate all)
"""
import os
import shlex
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "columns")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
COLUMNS = ["frame.number", "_ws.col.Source", "_ws.col.Destination", "_ws.col.Protocol",
           "_ws.col.Length", "_ws.col.Info", "frame.coloring_rule.name"]


def captures():
    with open(os.path.join(GOLDEN, "CAPTURES")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                path, *options = shlex.split(line)
                yield path, options


def golden_name(capture):
    """`tests/data/servers/redis.pcap` → `servers_redis.pcap`, `corpus:deepflow/redis/redis.pcap` → `deepflow_redis_redis.pcap`."""
    name = capture.removeprefix("corpus:").removeprefix("tests/data/")
    return name.replace("/", "_")


def main():
    for capture, options in captures():
        path = capture.replace("corpus:", CORPUS + "/", 1)
        if not capture.startswith("corpus:"):
            path = os.path.join(ROOT, capture)
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing")
        cmd = ["tshark", "-n", "-r", path, *options, "--color", "-T", "fields"]
        for c in COLUMNS:
            cmd += ["-e", c]
        # From the repository's root: options name files relative to it (key logs).
        out = subprocess.run(cmd, env=ENV, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        dest = os.path.join(GOLDEN, f"{golden_name(capture)}.tsv")
        with open(dest, "w") as f:
            f.write(out)
        print(f"{dest}: {out.count(chr(10))} frames")


if __name__ == "__main__":
    main()
