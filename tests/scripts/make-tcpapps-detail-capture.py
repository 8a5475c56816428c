#!/usr/bin/env python3
"""Write tests/data/tcpapps/detail.pcap: FTP, POP, SMTP, IMAP and Telnet conversations on
their TCP ports whose packet detail (`list -V`, `-T pdml`) is compared with tshark 4.0's
PDML (tests/golden/pdml): replies of several lines, FTP's PASV, PORT, CWD and PWD, a reply
cut over segments, SMTP's DATA phase, POP's multi-line replies, IMAP's untagged replies
and Telnet's option negotiation.

The bytes are made here, as tests/scripts/make-tcpapps-capture.py makes lines.pcap (no
mail, FTP or Telnet server on the test machines).

Usage: tests/scripts/make-tcpapps-detail-capture.py [OUT]
"""
import os
import sys

from tcp_talk import Conv, write_pcap  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "tcpapps", "detail.pcap")

frames = []


# (port, [(from client, bytes)]).
talks = [
    (21, [(False, b"220-Welcome\r\n to the server\r\n220 ready\r\n"), (True, b"USER anonymous\r\n"),
          (False, b"331 Password required\r\n"), (True, b"PASS x@y\r\n"),
          (False, b"230 Logged in\r\n"), (True, b"CWD /pub\r\n"), (False, b"250 CWD ok\r\n"),
          (True, b"PWD\r\n"), (False, b'257 "/pub" is the current directory\r\n'),
          (True, b"PASV\r\n"), (False, b"227 Entering Passive Mode (10,0,0,2,195,80).\r\n"),
          (True, b"PORT 10,0,0,1,200,10\r\n"), (False, b"200 PORT ok\r\n"),
          (True, b"RETR  two  spaces\r\n"), (False, b"550 No such file\r\n"),
          (True, b"STOR caf\xc3\xa9\r\n"), (False, b"12\r\n"), (False, b"999 odd\r\n"),
          (True, b"NOOP"), (True, b"CDUP\r\n"), (False, b"250 ok\r\n"),
          (True, b"QUIT\r\n"), (False, b"221 Bye\r\n")]),
    (25, [(False, b"220 mail ESMTP\r\n"), (True, b"EHLO client\r\n"),
          (False, b"250-mail\r\n250-SIZE 1000\r\n250 OK\r\n"), (True, b"MAIL FROM:<a@b>\r\n"),
          (False, b"25"), (False, b"0 Sender ok\r\n"), (True, b"RCPT TO:<c@d>\r\n"),
          (False, b"250 ok\r\n"), (True, b"NOOP\r\nRSET\r\n"), (False, b"250 ok\r\n250 reset\r\n"),
          (True, b"QUIT\r\n"), (False, b"221 Bye\r\n")]),
    (110, [(False, b"+OK ready\r\n"), (True, b"USER a\r\n"), (False, b"+OK\r\n"),
           (True, b"PASS b\r\n"), (False, b"-ERR denied\r\n"), (True, b"STAT\r\n"),
           (False, b"+OK 2 320\r\n"), (True, b"LIST\r\n"),
           (False, b"+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"), (True, b"QUIT\r\n"),
           (False, b"+OK bye\r\n")]),
    (143, [(False, b"* OK IMAP4rev1 ready\r\n"), (True, b"a1 LOGIN user pass\r\n"),
           (False, b"a1 OK LOGIN completed\r\n"), (True, b"a2 SELECT INBOX\r\n"),
           (False, b"* 1 EXISTS\r\n* FLAGS (\\Seen)\r\na2 OK [READ-WRITE] SELECT done\r\n"),
           (True, b"a3 UID FETCH 1 (FLAGS)\r\n"), (False, b"* 1 FETCH (UID 7 FLAGS (\\Seen))\r\na3 OK done\r\n"),
           (True, b"a4 LOGOUT\r\n"), (False, b"* BYE\r\na4 OK bye\r\n")]),
    (23, [(False, b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18"), (True, b"\xff\xfd\x01\xff\xfb\x18"),
          (False, b"\xff\xfa\x18\x01\xff\xf0"), (True, b"\xff\xfa\x18\x00xterm\xff\xf0"),
          (False, b"Welcome\r\nlogin: "), (True, b"root\r\n"), (False, b"a\r\nb\xff\xffc\r\n")]),
]
for port, talk in talks:
    c = Conv(frames, 42000 + port, port)
    for from_client, payload in talk:
        c.send(from_client, payload)

write_pcap(OUT, frames, 1_700_000_100)
