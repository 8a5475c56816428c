#!/usr/bin/env python3
"""Generate golden display-filter results with tshark.

For every capture of tests/golden/filter/CAPTURES and every filter of
tests/golden/filter/EXPRESSIONS, record the frame numbers tshark shows for
`tshark -n -r CAPTURE [options] -Y FILTER` in tests/golden/filter/<capture path, / as _>.json.

Running tshark once per (capture, filter) takes about 0.5 s each, so the frame numbers
come from one tshark run per capture with a Lua tap per filter (a tap's filter is the
same display filter engine as -Y), and a sample of pairs (every 17th, shifted per
capture: about 20 per capture) is checked against real `-Y` runs; any disagreement stops
the script. Filters tshark rejects are an error too: the list holds only valid filters.
tshark reads absolute times in filters in local time: it runs with TZ=UTC, as Wirelens
reads them.

A capture read with a TLS key log (`-o tls.keylog_file:PATH`, PATH relative to the repo
root) gets `+keylog` in its golden's name, so it can be listed with and without it.

Usage: tests/scripts/make-filter-golden.py [--golden NAME] [CAPTURE…]   (regenerate all,
or the lines of CAPTURES whose path is given; needs tshark with Lua). NAME is the golden
directory under tests/golden (default `filter`; `filter-tcp` holds the TCP header's
filters over every capture of tests/data and the corpus's odd TCP packets).
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "filter")
if len(sys.argv) > 2 and sys.argv[1] == "--golden":
    GOLDEN = os.path.join(ROOT, "tests", "golden", sys.argv[2])
    del sys.argv[1:3]
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")

LUA = r"""
-- One tap listener per filter; frame numbers of each written at the end.
local filters = {}
for line in io.lines(os.getenv("WL_FILTERS")) do filters[#filters + 1] = line end
local results = {}
for i, f in ipairs(filters) do
  local ok, l = pcall(Listener.new, nil, f)
  if ok then
    local r = {}
    results[i] = r
    l.packet = function(pinfo) r[#r + 1] = pinfo.number end
  else
    results[i] = false
  end
end
local written = false
local last = Listener.new(nil, nil)
function last.draw()
  if written then return end
  written = true
  local out = io.open(os.getenv("WL_OUT"), "w")
  for i = 1, #filters do
    if results[i] == false then out:write("ERROR\n") else out:write(table.concat(results[i], " "), "\n") end
  end
  out:close()
end
"""


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def read_list(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def tshark(*args):
    out = subprocess.run(["tshark", "-n", *args], capture_output=True, text=True, env=ENV)
    if out.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def with_lua(path, options, filters, workdir):
    flist = os.path.join(workdir, "filters.txt")
    out = os.path.join(workdir, "out.txt")
    lua = os.path.join(workdir, "filters.lua")
    with open(flist, "w") as f:
        f.write("\n".join(filters) + "\n")
    with open(lua, "w") as f:
        f.write(LUA)
    env = dict(ENV, WL_FILTERS=flist, WL_OUT=out)
    r = subprocess.run(["tshark", "-n", "-q", "-r", path, *options, "-X", f"lua_script:{lua}"],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"tshark on {path}: {r.stderr.strip()}")
    with open(out) as f:
        lines = f.read().split("\n")[: len(filters)]
    results = []
    for flt, line in zip(filters, lines):
        if line == "ERROR":
            raise RuntimeError(f"tshark rejects the filter {flt!r}")
        results.append([int(x) for x in line.split()])
    return results


def with_y(path, options, flt):
    out = tshark("-r", path, *options, "-Y", flt, "-T", "fields", "-e", "frame.number")
    return [int(x) for x in out.split()]


def golden(entry, options, filters, shift):
    path = resolve(entry)
    packets = len(tshark("-r", path, *options, "-T", "fields", "-e", "frame.number").split())
    with tempfile.TemporaryDirectory() as d:
        results = with_lua(path, options, filters, d)
    sample = [i for i in range(len(filters)) if (i + shift) % 17 == 0]
    with ThreadPoolExecutor(max_workers=2) as pool:
        checks = list(pool.map(lambda i: (i, with_y(path, options, filters[i])), sample))
    for i, frames in checks:
        if frames != results[i]:
            raise RuntimeError(f"{entry}: tap and -Y disagree on {filters[i]!r}: {results[i]} vs {frames}")
    return {
        "capture": entry,
        "tshark_options": options,
        "packets": packets,
        "checked_with_Y": len(sample),
        "results": [{"filter": f, "frames": r} for f, r in zip(filters, results)],
    }


def main():
    filters = read_list("EXPRESSIONS")
    version = tshark("--version").splitlines()[0]
    failed = 0
    only = set(sys.argv[1:])
    for n, line in enumerate(read_list("CAPTURES")):
        entry, *options = shlex.split(line)
        if only and entry not in only:
            continue
        # Key log paths are relative to the repository.
        key = "tls.keylog_file:"
        options = [key + os.path.join(ROOT, o[len(key):]) if o.startswith(key) else o
                   for o in options]
        if not os.path.exists(resolve(entry)):
            print(f"SKIP {entry}: not found", file=sys.stderr)
            failed += 1
            continue
        try:
            data = golden(entry, options, filters, n)
        except RuntimeError as e:
            print(f"FAIL {e}", file=sys.stderr)
            failed += 1
            continue
        data["tshark"] = version
        data["tshark_options"] = shlex.split(line)[1:]
        # The capture's path, `/` as `_` (two captures may share a file name).
        name = entry.removeprefix("corpus:").removeprefix("tests/data/").replace("/", "_")
        if any(o.startswith("tls.keylog_file:") for o in options):
            name += "+keylog"
        name += ".json"
        with open(os.path.join(GOLDEN, name), "w") as f:
            # One filter per line keeps diffs readable.
            head = {k: v for k, v in data.items() if k != "results"}
            f.write(json.dumps(head, indent=1)[:-2] + ',\n "results": [\n')
            f.write(",\n".join("  " + json.dumps(r) for r in data["results"]))
            f.write("\n ]\n}\n")
        matched = sum(1 for r in data["results"] if r["frames"])
        print(f"{name}: {data['packets']} packets, {len(filters)} filters ({matched} match something), "
              f"{data['checked_with_Y']} checked with -Y")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
