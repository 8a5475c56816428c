#!/usr/bin/env python3
"""Write core/src/query/detail/app/tls/names.rs: the names tshark gives TLS's cipher
suites, supported groups and signature algorithms, from its value strings
(`tshark -G values`, the `V` lines of the fields below). tshark 4.0.17 wrote the
committed file.

Usage: tests/scripts/make-tls-names.py
"""
import os

import names_rs  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEST = os.path.join(ROOT, "core", "src", "query", "detail", "app", "tls", "names.rs")

# (Rust function, tshark field, doc comment)
TABLES = [
    ("cipher_suite", "tls.handshake.ciphersuite", "A cipher suite (`tls.handshake.ciphersuite`)."),
    ("group", "tls.handshake.extensions_supported_group", "A named group (`tls.handshake.extensions_supported_group`)."),
    ("sig_alg", "tls.handshake.sig_hash_alg", "A signature scheme (`tls.handshake.sig_hash_alg`)."),
    ("tls_version", "tls.handshake.extensions.supported_version", "A protocol version (`tls.handshake.extensions.supported_version`)."),
]


def main():
    names_rs.write(DEST, "TLS's", "make-tls-names.py", TABLES, hex_keys=True)


if __name__ == "__main__":
    main()
