#!/usr/bin/env python3
"""Generate golden field values with tshark.

For every set of tests/golden/fields/SETS (name, capture, tshark options, fields), write
`tshark -n -r CAPTURE OPTIONS -T fields -E occurrence=a -e frame.number -e FIELD…` to
tests/golden/fields/<capture path, / as _>.<set name>.tsv. tshark runs with TZ=UTC.

Options may name `{RSA_KEY}`: a throwaway RSA key made here (tshark 4.0 hands decrypted
TLS on a port to a protocol such as memcache only through an RSA key association,
`uat:ssl_keys`, whose key file it never uses with ECDHE suites).

Usage: tests/scripts/make-fields-golden.py        (regenerate all)
"""
import os
import shlex
import subprocess
import tempfile

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


def rsa_key(tmp):
    """A throwaway RSA key for tshark's TLS associations."""
    path = os.path.join(tmp, "unused.key")
    if not os.path.exists(path):
        subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True, capture_output=True)
    return path


def main():
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)


def generate(tmp):
    for name, capture, options, fields in sets():
        if any("{RSA_KEY}" in o for o in options):
            key = rsa_key(tmp)
            options = [o.replace("{RSA_KEY}", key) for o in options]
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
