#!/usr/bin/env python3
"""Write the value strings of the registered fields, from tshark 4.0's `tshark -G values`.

A display filter may name an integer or boolean field's value by the string Wireshark shows
for it (`ip.proto == "UDP"`, `tcp.flags.syn == "Set"`, `_ws.expert.severity == "Error"`),
as epan/dfilter/semcheck.c allows. core/src/query/fields/value_strings.tsv keeps tshark's
strings of every field core/src/query/fields/registry.rs names, one per line in tshark's
order: `name<TAB>V<TAB>value<TAB>string` (a value string; V64 lines are written as V),
`name<TAB>T<TAB>true<TAB>false` (a boolean's), `name<TAB>R<TAB>low<TAB>high<TAB>string`
(a range string, which 4.0's filters refuse). Run it again after registering fields;
tests/it/filter_golden.rs checks the file against tshark.

Usage: tests/scripts/make-value-strings.py
"""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGISTRY = os.path.join(ROOT, "core", "src", "query", "fields", "registry.rs")
OUT = os.path.join(ROOT, "core", "src", "query", "fields", "value_strings.tsv")


def main():
    names = set(re.findall(r'^\s*\w+ = "([^"]+)",', open(REGISTRY).read(), re.M))
    values = subprocess.run(
        ["tshark", "-G", "values"], capture_output=True, text=True, check=True
    ).stdout
    lines = []
    for line in values.split("\n"):
        cols = line.split("\t")
        if len(cols) < 4 or cols[1] not in names:
            continue
        kind = "V" if cols[0] == "V64" else cols[0]
        if kind in ("V", "T", "R"):
            lines.append("\t".join([cols[1], kind] + cols[2:]))
    # One field's lines together, in tshark's order.
    lines.sort(key=lambda l: l.split("\t", 1)[0])
    with open(OUT, "w") as f:
        f.write("".join(l + "\n" for l in lines))
    print(f"{len(lines)} value strings of {len({l.split(chr(9))[0] for l in lines})} fields")


if __name__ == "__main__":
    main()
