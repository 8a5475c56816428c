#!/usr/bin/env python3
"""Register the fields the packet detail shows that no extraction answers.

Every name of tests/golden/pdml/FIELDS (the field and protocol names `wirelens list -T
pdml` emits) that core/src/query/fields/registry.rs does not list by hand becomes an entry
of the registry's generated block, with its type, base and label from tshark 4.0's
`tshark -G fields`, and the status `Detail`: filters and `-e` read it from the packet's
detail tree (core/src/query/detail/values.rs). Names whose type has no counterpart here
(FT_GUID, FT_OID…) are left out and listed, and so are those of LEFT_OUT: fields the
detail shows for some packets only, where a filter would silently miss the others.

Usage: tests/scripts/make-detail-fields.py   (rewrites the block between the markers)
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGISTRY = os.path.join(ROOT, "core", "src", "query", "fields", "registry.rs")
FIELDS = os.path.join(ROOT, "tests", "golden", "pdml", "FIELDS")
BEGIN = "    // BEGIN detail fields"
END = "    // END detail fields"

# Shown by the detail for too few of the packets tshark shows them on: not registered, so
# a filter on them is an error rather than a wrong answer.
LEFT_OUT = {}

TYPES = {
    "FT_NONE": "None",
    "FT_PROTOCOL": "Protocol",
    "FT_BOOLEAN": "Boolean",
    "FT_CHAR": "Uint8",
    "FT_UINT8": "Uint8",
    "FT_UINT16": "Uint16",
    "FT_UINT24": "Uint24",
    "FT_UINT32": "Uint32",
    "FT_UINT40": "Uint64",
    "FT_UINT48": "Uint64",
    "FT_UINT56": "Uint64",
    "FT_UINT64": "Uint64",
    "FT_INT8": "Int32",
    "FT_INT16": "Int32",
    "FT_INT24": "Int32",
    "FT_INT32": "Int32",
    "FT_INT40": "Int64",
    "FT_INT48": "Int64",
    "FT_INT56": "Int64",
    "FT_INT64": "Int64",
    "FT_FRAMENUM": "Framenum",
    "FT_ABSOLUTE_TIME": "AbsoluteTime",
    "FT_RELATIVE_TIME": "RelativeTime",
    "FT_ETHER": "Ether",
    "FT_IPv4": "Ipv4",
    "FT_IPv6": "Ipv6",
    "FT_STRING": "String",
    "FT_STRINGZ": "String",
    "FT_STRINGZPAD": "String",
    "FT_STRINGZTRUNC": "String",
    "FT_UINT_STRING": "String",
    "FT_BYTES": "Bytes",
    "FT_UINT_BYTES": "Bytes",
    "FT_DOUBLE": "Double",
    "FT_FLOAT": "Double",
}


def tshark_fields():
    """abbrev -> (type, base, label), the first definition of each name."""
    out = subprocess.run(
        ["tshark", "-G", "fields"], capture_output=True, text=True, check=True
    ).stdout
    fields = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if cols[0] == "P" and len(cols) >= 3:
            fields.setdefault(cols[2], ("FT_PROTOCOL", "", cols[1]))
        elif cols[0] == "F" and len(cols) >= 6:
            fields.setdefault(cols[2], (cols[3], cols[5], cols[1]))
    return fields


def base_of(ty, base):
    if ty not in ("Uint8", "Uint16", "Uint24", "Uint32", "Uint64", "Int32", "Int64"):
        return "None"
    return "Hex" if base in ("BASE_HEX", "BASE_HEX_DEC") else "Dec"


def ident(name):
    return "D_" + re.sub(r"[^A-Za-z0-9]", "_", name)


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    src = open(REGISTRY).read()
    head, rest = src.split(BEGIN + "\n", 1)
    _, tail = rest.split(END + "\n", 1)
    # The block's own comment lines stay; the entries are written again.
    hand = set(re.findall(r'^\s*\w+ = "([^"]+)",', head + tail, re.M))
    names = []
    for line in open(FIELDS):
        line = line.strip()
        if line and not line.startswith("#") and line not in hand and line not in names:
            names.append(line)
    known = tshark_fields()
    entries, skipped = [], []
    for name in sorted(names):
        if name in LEFT_OUT:
            skipped.append(f"{name} ({LEFT_OUT[name]})")
            continue
        if name not in known:
            skipped.append(f"{name} (not in tshark -G fields)")
            continue
        ft, base, label = known[name]
        ty = TYPES.get(ft)
        if ty is None:
            skipped.append(f"{name} ({ft})")
            continue
        entries.append(
            f"    {ident(name)} = {rust_str(name)}, {ty}, {base_of(ty, base)}, Detail, "
            f"Wireshark, {rust_str(label)};\n"
        )
    block = (
        BEGIN
        + "\n"
        + "    // Fields the packet detail shows and no extraction above answers: read from\n"
        + "    // the packet's detail tree. Written by tests/scripts/make-detail-fields.py from\n"
        + "    // tests/golden/pdml/FIELDS and `tshark -G fields`; do not edit by hand.\n"
        + "".join(entries)
        + END
        + "\n"
    )
    open(REGISTRY, "w").write(head + block + tail)
    print(f"{len(entries)} detail fields registered", file=sys.stderr)
    for s in skipped:
        print(f"left out: {s}", file=sys.stderr)


if __name__ == "__main__":
    main()
