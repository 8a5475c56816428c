#!/usr/bin/env python3
"""Write tests/data/tcpapps/lines.pcap: FTP, Telnet, POP, SMTP and IMAP conversations on
their TCP ports, with commands cut over segments and STARTTLS accepted or refused, for
the `ftp`, `telnet`, `pop`, `smtp` and `imap` filters (compared with tshark 4.0 in the
filter-proto golden). tshark's POP, FTP and Telnet add their item to every segment; SMTP
and IMAP gather a line cut over segments; after an accepted STARTTLS (RFC 2595, 3207,
4217) the bytes are TLS.

The bytes are made here (no mail, FTP or Telnet server on the test machines).

Usage: tests/scripts/make-tcpapps-capture.py [OUT]
"""
import os
import sys

from tcp_talk import Conv, write_pcap  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "tcpapps", "lines.pcap")

frames = []

# A TLS ClientHello's first bytes: what follows an accepted STARTTLS.
HELLO = bytes([0x16, 3, 1, 0, 0x30, 1, 0, 0, 0x2c, 3, 3]) + bytes(40)

# (port, [(from client, bytes)]).
talks = [
    (21, [(False, b"220 ready\r\n"), (True, b"USER a\r\n"), (False, b"331 Pass"),
          (True, b"PA"), (False, b"word required\r\n"), (True, b"SS b\r\n"),
          (True, b"LIST\r\nPWD\r\n"), (True, b"AUTH TLS\r\n"),
          (False, b"234 AUTH TLS OK.\r\n"), (True, HELLO)]),
    (23, [(False, b"\xff\xfd\x18login: "), (True, b"r"), (True, b"oot\r\n")]),
    (25, [(False, b"220 mail ESMTP\r\n"), (True, b"EHLO x\r\n"),
          (False, b"250-mail\r\n250 OK\r\n"), (True, b"MAIL FR"), (True, b"OM:<a@b>\r\n"),
          (True, b"STARTTLS\r\n"), (False, b"454 TLS not available\r\n"),
          (True, b"STARTTLS\r\n"), (False, b"220 Go ahead\r\n"), (True, HELLO)]),
    (110, [(False, b"+OK POP3\r\n"), (True, b"USER a\r\n"), (False, b"+OK\r\n"),
           (True, b"PA"), (True, b"SS b\r\n"), (True, b"STLS\r\n"),
           (False, b"+OK Begin TLS\r\n"), (True, HELLO)]),
    (143, [(False, b"* OK IMAP\r\n"), (True, b"a1 LOG"), (False, b"a1 OK done\r\n"),
           (True, b"IN a b\r\n"), (True, b"a2 NOOP\r\n"), (True, b"a3 STARTTLS\r\n"),
           (False, b"a3 OK Begin TLS\r\n"), (True, HELLO)]),
]
for port, talk in talks:
    c = Conv(frames, 41000 + port, port)
    for from_client, payload in talk:
        c.send(from_client, payload)

write_pcap(OUT, frames, 1_700_000_000)
