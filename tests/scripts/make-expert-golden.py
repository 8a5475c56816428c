#!/usr/bin/env python3
"""Generate the expert-info goldens with tshark: what `tshark -q -z expert` prints.

For each capture listed in tests/golden/expert/CAPTURES (paths relative to the repo root;
`corpus:` means ../shared/corpus; after a tab, tshark's options for it), write
tests/golden/expert/<path with / as __>.json holding tshark's sections in its order:
each line's severity, group, protocol, summary and count. tshark cuts a summary as it
cuts a label (239 bytes); the goldens keep what it prints. tests/it/expert_golden.rs
compares `wirelens expert --json` with them.

Usage: tests/scripts/make-expert-golden.py [NAME…]     (regenerate all, or the named files)
"""
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "expert")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)

# tshark's section titles (tap-expert.c) and the severities `wirelens expert` names.
SEVERITIES = {"Errors": "error", "Warns": "warning", "Notes": "note", "Chats": "chat",
              "Comments": "comment"}
SECTION = re.compile(r"^(\w+) \((\d+)\)$")
# tap-expert.c prints "%12u %10s %18s  %s" (a protocol's name may hold a space: "IPv6
# Routing"; two spaces end it).
LINE = re.compile(r"^ *(\d+) +(\S+) +(\S+(?: \S+)*)  (.*)$")


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def golden_name(entry):
    return entry.replace("corpus:", "").replace("/", "__") + ".json"


def expert(path, options):
    out = subprocess.run(["tshark", "-n", *options, "-r", path, "-q", "-z", "expert"],
                         capture_output=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"tshark on {path}: {out.stderr.decode(errors='replace').strip()}")
    lines, severity, counts = [], None, {}
    for text in out.stdout.decode("utf-8", errors="surrogateescape").split("\n"):
        m = SECTION.match(text)
        if m and m.group(1) in SEVERITIES:
            severity = SEVERITIES[m.group(1)]
            counts[severity] = int(m.group(2))
            continue
        m = LINE.match(text)
        if m and severity:
            lines.append({"severity": severity, "group": m.group(2), "protocol": m.group(3),
                          "summary": m.group(4), "count": int(m.group(1))})
    for sev, n in counts.items():
        got = sum(l["count"] for l in lines if l["severity"] == sev)
        if got != n:
            raise RuntimeError(f"{path}: section {sev} says {n} items, its lines {got}")
    return lines


def main():
    wanted = set(sys.argv[1:])
    with open(os.path.join(GOLDEN, "CAPTURES")) as f:
        entries = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    for cols in entries:
        entry, options = cols[0], shlex.split(cols[1]) if len(cols) > 1 else []
        name = golden_name(entry)
        if wanted and entry not in wanted and name not in wanted:
            continue
        path = resolve(entry)
        if not os.path.exists(path):
            print(f"skip {entry}: missing", file=sys.stderr)
            continue
        lines = expert(path, options)
        with open(os.path.join(GOLDEN, name), "w") as f:
            json.dump({"capture": entry, "tshark_options": options, "lines": lines}, f,
                      indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{name}: {sum(l['count'] for l in lines)} items, {len(lines)} lines")


if __name__ == "__main__":
    main()
