#!/usr/bin/env python3
"""Write tests/data/tcpapps/rows.pcap: what the packet list words beside the lines of
lines.pcap and detail.pcap: POP's multi-line replies (a message RETR fetched, cut over
segments, and one whole in its reply's segment), SMTP's AUTH LOGIN and DATA, IMAP's
continuation request, FTP's multi-line reply and an empty line. Compared with tshark 4.0
in the columns golden (tests/golden/columns).

The bytes are made here (no mail or FTP server on the test machines).

Usage: tests/scripts/make-tcpapps-rows-capture.py [OUT]
"""
import os
import sys

from tcp_talk import Conv, write_pcap  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "tcpapps", "rows.pcap")

frames = []

# (port, [(from client, bytes)]).
talks = [
    (110, [(False, b"+OK POP3\r\n"), (True, b"RETR 1\r\n"), (False, b"+OK 120 octets\r\n"),
           (False, b"Subject: x\r\n\r\nbody\r\n"), (False, b".\r\n"), (True, b"RETR 2\r\n"),
           (False, b"+OK 9 octets\r\nSubject: y\r\n\r\nb\r\n.\r\n"), (True, b"QUIT\r\n"),
           (False, b"+OK bye\r\n")]),
    (25, [(False, b"220 mail\r\n"), (True, b"EHLO x\r\n"), (False, b"250 ok\r\n"),
          (True, b"AUTH LOGIN\r\n"), (False, b"334 VXNlcm5hbWU6\r\n"), (True, b"dXNlcg==\r\n"),
          (False, b"334 UGFzc3dvcmQ6\r\n"), (True, b"cGFzcw==\r\n"), (False, b"235 ok\r\n"),
          (True, b"DATA\r\n"), (False, b"354 go\r\n"), (True, b"Subject: x\r\n\r\nhello\r\n"),
          (True, b".\r\n"), (False, b"250 queued\r\n"), (True, b"QUIT\r\n"),
          (False, b"221 bye\r\n")]),
    (143, [(False, b"* OK IMAP\r\n"), (True, b"a1 APPEND INBOX {5}\r\n"),
           (False, b"+ go ahead\r\n"), (True, b"hello\r\n"), (False, b"* 3 EXISTS\r\n"),
           (False, b"a1 OK done\r\n")]),
    (21, [(False, b"220-first\r\n220 last\r\n"), (True, b"USER a\r\n"), (False, b"\r\n")]),
]
for port, talk in talks:
    c = Conv(frames, 42000 + port, port)
    for from_client, payload in talk:
        c.send(from_client, payload)

write_pcap(OUT, frames, 1_700_000_000)
