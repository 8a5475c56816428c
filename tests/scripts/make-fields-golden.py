#!/usr/bin/env python3
"""Generate golden field values with tshark.

For every set of tests/golden/fields/SETS (name, capture, tshark options, fields), write
`tshark -n -r CAPTURE OPTIONS -T fields -E occurrence=a -e frame.number -e FIELD…` to
tests/golden/fields/<capture path, / as _>.<set name>.tsv. tshark runs with TZ=UTC.

Usage: tests/scripts/make-fields-golden.py        (regenerate all)
"""
import os
import shlex
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "fields")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def sets():
    with open(os.path.join(GOLDEN, "SETS")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                name, capture, options, fields = line.split("\t")
                yield name, capture, shlex.split(options), fields.split()


def golden_name(capture):
    """`tests/data/servers/redis.pcap` → `servers_redis.pcap`, `corpus:deepflow/redis/redis.pcap` → `deepflow_redis_redis.pcap`."""
    name = capture.removeprefix("corpus:").removeprefix("tests/data/")
    return name.replace("/", "_")


def main():
    for name, capture, options, fields in sets():
        path = capture.replace("corpus:", CORPUS + "/", 1)
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing")
        cmd = ["tshark", "-n", "-r", path, *options, "-T", "fields", "-E", "occurrence=a", "-e", "frame.number"]
        for f in fields:
            cmd += ["-e", f]
        # From the repository's root: options name files relative to it (key logs).
        out = subprocess.run(cmd, env=ENV, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        dest = os.path.join(GOLDEN, f"{golden_name(capture)}.{name}.tsv")
        with open(dest, "w") as f:
            f.write(out)
        print(f"{dest}: {out.count(chr(10))} frames")


if __name__ == "__main__":
    main()
