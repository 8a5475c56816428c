#!/usr/bin/env python3
"""Write tests/data/udp-names.pcap: datagrams of the UDP protocols whose layer the packet
detail names as tshark 4.0 does beyond DNS, DHCP, NTP, syslog and SSDP: mDNS (RFC 6762:
questions asking for a unicast answer, records with the cache-flush bit, on port 5353)
and LLMNR (RFC 4795: its conflict and tentative flags, on port 5355), each as the query
and the response; TFTP (RFC 1350, options of RFC 2347-2349: a read and a write request
with options, the option acknowledgement, data, an acknowledgement, errors, an unknown
opcode, a request cut short).

The messages are written by hand from their RFCs (no traffic is sent anywhere); the
PDML golden (tests/golden/pdml) compares what tshark 4.0 shows of them with Wirelens.

Usage: tests/scripts/make-udp-names-capture.py [OUT]   (default tests/data/udp-names.pcap)
"""
import importlib.util
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    "udp_apps", os.path.join(ROOT, "tests", "scripts", "make-udp-apps-capture.py"))
udp_apps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(udp_apps)
udp = udp_apps.udp

A, B = "10.0.0.1", "10.0.0.2"
MDNS, LLMNR = "224.0.0.251", "224.0.0.252"


def dname(name):
    """A name's labels (RFC 1035 §3.1)."""
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def question(name, qtype, qclass=1):
    return dname(name) + struct.pack("!HH", qtype, qclass)


def record(name, rtype, rclass, ttl, rdata):
    return dname(name) + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def message(qid, flags, qs=(), ans=(), auth=(), add=()):
    head = struct.pack("!HHHHHH", qid, flags, len(qs), len(ans), len(auth), len(add))
    return head + b"".join(qs) + b"".join(ans) + b"".join(auth) + b"".join(add)


def mdns_frames():
    c = lambda p: udp(A, MDNS, 5353, 5353, p)
    return [
        # A question asking for a unicast answer (QU, RFC 6762 §5.4) and one that does not.
        c(message(0, 0, [question("_ipp._tcp.local", 12, 0x8001), question("host.local", 1)])),
        # A response: records with and without the cache-flush bit (RFC 6762 §10.2).
        c(message(0, 0x8400, ans=[
            record("host.local", 1, 0x8001, 120, bytes([10, 0, 0, 1])),
            record("_ipp._tcp.local", 12, 1, 4500, dname("printer._ipp._tcp.local")),
        ])),
        # A unicast query to port 5353 from another port (a legacy resolver, §6.7).
        udp(A, B, 40200, 5353, message(0x1234, 0x0100, [question("host.local", 28)])),
    ]


def llmnr_frames():
    c = lambda p: udp(A, LLMNR, 40300, 5355, p)
    s = lambda p: udp(B, A, 5355, 40300, p)
    return [
        # Queries: plain, with the conflict bit (C) and the tentative bit (T) set.
        c(message(0x2001, 0, [question("printer", 1)])),
        c(message(0x2002, 0x0400 | 0x0100, [question("printer", 28)])),
        # Responses: one answer; one with the conflict bit and an error code.
        s(message(0x2001, 0x8000, [question("printer", 1)],
                  ans=[record("printer", 1, 1, 30, bytes([10, 0, 0, 2]))])),
        s(message(0x2002, 0x8000 | 0x0400 | 0x0100 | 3, [question("printer", 28)])),
    ]


def tftp_frames():
    c = lambda p, sport=40400: udp(A, B, sport, 69, p)
    s = lambda p, sport=40400: udp(B, A, 50000, sport, p)
    a = lambda p, sport=40400: udp(A, B, sport, 50000, p)
    return [
        # A read request with options (RFC 2347: blksize, tsize, timeout), the option
        # acknowledgement, data, the acknowledgement.
        c(b"\x00\x01boot/pxelinux.0\x00octet\x00blksize\x001428\x00tsize\x000\x00timeout\x005\x00"),
        s(b"\x00\x06blksize\x001428\x00tsize\x0012345\x00"),
        a(b"\x00\x04\x00\x00"),
        s(b"\x00\x03\x00\x01" + b"x" * 40),
        a(b"\x00\x04\x00\x01"),
        # A write request in netascii, refused with an error; an error of an unknown code.
        c(b"\x00\x02up.txt\x00netascii\x00", 40401),
        udp(B, A, 50001, 40401, b"\x00\x05\x00\x02Access violation\x00"),
        c(b"\x00\x01x\x00octet\x00", 40402),
        udp(B, A, 50002, 40402, b"\x00\x05\x00\x63odd\x00"),
        # An unknown opcode, and a request whose mode has no end.
        c(b"\x00\x09abc", 40403),
        c(b"\x00\x01file\x00oct", 40404),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "udp-names.pcap")
    frames = mdns_frames() + llmnr_frames() + tftp_frames()
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, len(frame), len(frame)) + frame)
    print(f"{out}: {len(frames)} packets")


if __name__ == "__main__":
    main()
