#!/usr/bin/env python3
"""Write the manufacturers' names of 24-bit OUIs from Wireshark's manuf file.

tshark shows a MAC address's OUI with its manufacturer's long name (`eth.src.oui`,
`eth.src.oui_resolved`), even with -n. It reads /usr/share/wireshark/manuf (package
libwireshark-data) as 4.0's epan/addr_resolv.c parse_ether_line() does: a `#` starts a
comment; the address, then the short name (up to a space or tab), then the long name (up to
a tab; the short name when there is none), cut to 63 bytes (MAXNAMELEN); a later line of an
OUI replaces an earlier one. Only lines of a bare 24-bit prefix name an OUI (those with a
/28 or /36 mask go to other tables).

Two files are written to core/src/query/detail/manuf/, kept small for the page's worker:
`names.bin`, each distinct long name once, sorted, each ended by a line feed; `ouis.bin`,
six bytes an OUI, sorted for a binary search: the OUI (3 bytes, big-endian), then the
offset of its name in names.bin (3 bytes, big-endian).

Usage: tests/scripts/make-manuf.py [--check]   (--check: exit 1 if the files differ)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANUF = "/usr/share/wireshark/manuf"
OUT = os.path.join(ROOT, "core", "src", "query", "detail", "manuf")
# epan/addr_resolv.h MAXNAMELEN: names are copied with g_strlcpy into 64 bytes.
MAXNAMELEN = 64


def ouis(path):
    """OUI → long name (bytes), as tshark reads the file."""
    names = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n").split(b"#", 1)[0]
            # strtok(line, " \t"): the address, then the short name.
            tokens = re.match(rb"[ \t]*([^ \t]+)[ \t]+([^ \t]+)(?:[ \t](.*))?$", line)
            if not tokens:
                continue
            addr, short, rest = tokens.groups()
            if not re.fullmatch(rb"[0-9A-Fa-f]{2}([:.-][0-9A-Fa-f]{2}){2}", addr):
                continue
            # strtok(NULL, "\t"): the long name runs to the next tab.
            long_name = next((p for p in (rest or b"").split(b"\t") if p), short)
            oui = int(re.sub(rb"[:.-]", b"", addr), 16)
            names[oui] = long_name[: MAXNAMELEN - 1]
    return names


def tables(names):
    distinct = sorted(set(names.values()))
    offset, at = {}, 0
    for n in distinct:
        offset[n] = at
        at += len(n) + 1
    text = b"".join(n + b"\n" for n in distinct)
    table = b"".join(
        oui.to_bytes(3, "big") + offset[names[oui]].to_bytes(3, "big") for oui in sorted(names)
    )
    return table, text


def main():
    names = ouis(MANUF)
    table, text = tables(names)
    files = {"ouis.bin": table, "names.bin": text}
    if sys.argv[1:] == ["--check"]:
        for name, data in files.items():
            path = os.path.join(OUT, name)
            if not os.path.exists(path) or open(path, "rb").read() != data:
                sys.exit(f"{path} differs from {MANUF}: run tests/scripts/make-manuf.py")
        return
    os.makedirs(OUT, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"{len(names)} OUIs, {len(set(names.values()))} names: {len(table)} + {len(text)} bytes")


if __name__ == "__main__":
    main()
