#!/usr/bin/env python3
"""Write core/src/query/detail/app/mysql/names.rs: the names tshark gives MySQL's and
MariaDB's commands, collations, column types and session trackers, from its value strings (`tshark -G values`, the
`V` lines of the fields below). tshark 4.0.17 wrote the committed file.

Usage: tests/scripts/make-mysql-names.py
"""
import os

import names_rs  # beside this script

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


def main():
    names_rs.write(DEST, "MySQL's", "make-mysql-names.py", TABLES, optional=True)


if __name__ == "__main__":
    main()
