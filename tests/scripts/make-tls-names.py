#!/usr/bin/env python3
"""Write core/src/query/detail/app/tls/names.rs: the names tshark gives TLS's cipher
suites, supported groups and signature algorithms, from its value strings
(`tshark -G values`, the `V` lines of the fields below). tshark 4.0.17 wrote the
committed file.

Usage: tests/scripts/make-tls-names.py
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEST = os.path.join(ROOT, "core", "src", "query", "detail", "app", "tls", "names.rs")

# (Rust function, tshark field, doc comment)
TABLES = [
    ("cipher_suite", "tls.handshake.ciphersuite", "A cipher suite (`tls.handshake.ciphersuite`)."),
    ("group", "tls.handshake.extensions_supported_group", "A named group (`tls.handshake.extensions_supported_group`)."),
    ("sig_alg", "tls.handshake.sig_hash_alg", "A signature scheme (`tls.handshake.sig_hash_alg`)."),
    ("tls_version", "tls.handshake.extensions.supported_version", "A protocol version (`tls.handshake.extensions.supported_version`)."),
]


FIELDS = {field for _, field, _ in TABLES}


def main():
    out = subprocess.run(["tshark", "-G", "values"], check=True, capture_output=True, text=True).stdout
    version = subprocess.run(["tshark", "--version"], check=True, capture_output=True, text=True).stdout.split("\n")[0]
    values = {}
    for line in out.split("\n"):
        f = line.split("\t")
        if len(f) == 4 and f[0] == "V" and f[1] in FIELDS:
            values.setdefault(f[1], {}).setdefault(int(f[2], 0), f[3])
    rs = [
        "//! Names tshark gives TLS's values, from its value strings (`tshark -G values`).",
        f"//! Written by tests/scripts/make-tls-names.py ({version.split(' (Git')[0]}); do not edit.",
        "",
    ]
    for fn, field, doc in TABLES:
        rs.append(f"/// {doc}")
        rs.append(f"pub(super) fn {fn}(v: u16) -> &'static str {{")
        rs.append("    match v {")
        for v, name in sorted(values[field].items()):
            text = name.replace("\\", "\\\\").replace('"', '\\"')
            rs.append(f"        0x{v:04x} => \"{text}\",")
        rs.append("        _ => \"Unknown\",")
        rs.append("    }")
        rs.append("}")
        rs.append("")
    with open(DEST, "w") as f:
        f.write("\n".join(rs))
    subprocess.run(["rustfmt", "--edition", "2021", DEST], check=True)


if __name__ == "__main__":
    main()
