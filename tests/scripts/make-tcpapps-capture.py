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
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "tcpapps", "lines.pcap")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b)//2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = bytes(src) + bytes(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


CLIENT, SERVER = [10, 0, 0, 1], [10, 0, 0, 2]
frames = []


class Conv:
    def __init__(self, cport, sport):
        self.cport = cport
        self.sport = sport
        self.seq = {True: 1000, False: 5000}
        self.send(True, b"", 0x02)  # SYN
        self.seq[True] += 1
        self.send(False, b"", 0x12)  # SYN-ACK
        self.seq[False] += 1
        self.send(True, b"", 0x10)

    def send(self, from_client, payload, flags=0x18):
        src, dst = (CLIENT, SERVER) if from_client else (SERVER, CLIENT)
        sport, dport = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        frames.append(frame(src, dst, sport, dport, self.seq[from_client], self.seq[not from_client],
                            flags, payload))
        self.seq[from_client] += len(payload)

    def cut(self, from_client, payload, sizes):
        at = 0
        for n in sizes:
            self.send(from_client, payload[at:at + n])
            at += n
        if at < len(payload):
            self.send(from_client, payload[at:])



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
    c = Conv(41000 + port, port)
    for from_client, payload in talk:
        c.send(from_client, payload)

with open(OUT, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1_700_000_000, i * 1000, len(fr), len(fr)))
        f.write(fr)
print(f"{OUT}: {len(frames)} frames")
