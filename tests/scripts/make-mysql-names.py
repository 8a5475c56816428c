#!/usr/bin/env python3
"""Write core/src/query/detail/app/mysql/names.rs: the names tshark gives MySQL's and
MariaDB's commands, collations, column types and session trackers, from its value strings (`tshark -G values`, the
`V` lines of the fields below). tshark 4.0.17 wrote the committed file.

Usage: tests/scripts/make-mysql-names.py
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEST = os.path.join(ROOT, "core", "src", "query", "detail", "app", "mysql", "names.rs")

# (Rust function, tshark field, doc comment)
TABLES = [
    ("collation", "mysql.server_language", "A MySQL collation (`mysql.server_language`, `mysql.charset`, `mysql.field.charsetnr`)."),
    ("mariadb_collation", "mariadb.server_language", "A MariaDB collation (`mariadb.server_language`, `mariadb.charset`)."),
    ("field_type", "mysql.field.type", "A column's type (`mysql.field.type`)."),
    ("command", "mysql.command", "A command (`mysql.command`)."),
    ("session_track_type", "mysql.session_track.type", "A session state tracker (`mysql.session_track.type`)."),
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
        "//! Names tshark gives MySQL's values, from its value strings (`tshark -G values`).",
        f"//! Written by tests/scripts/make-mysql-names.py ({version.split(' (Git')[0]}); do not edit.",
        "",
    ]
    for fn, field, doc in TABLES:
        rs.append(f"/// {doc}")
        rs.append(f"pub(super) fn {fn}(v: u16) -> Option<&'static str> {{")
        rs.append("    Some(match v {")
        for v, name in sorted(values[field].items()):
            text = name.replace("\\", "\\\\").replace('"', '\\"')
            rs.append(f"        {v} => \"{text}\",")
        rs.append("        _ => return None,")
        rs.append("    })")
        rs.append("}")
        rs.append("")
    with open(DEST, "w") as f:
        f.write("\n".join(rs))
    subprocess.run(["rustfmt", "--edition", "2021", DEST], check=True)


if __name__ == "__main__":
    main()
