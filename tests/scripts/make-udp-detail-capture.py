#!/usr/bin/env python3
"""Write tests/data/udp-detail.pcap: datagrams of the UDP protocols whose layer the packet
detail shows (DHCP, NTP …) with the cases real captures rarely hold: header fields and
options of every kind, lengths an option does not allow, options running past the
datagram, datagrams cut by the snap length, a missing magic cookie, option overload,
seconds written little-endian; NTP's reference IDs by stratum, its MAC and key ID,
extension fields, control and private modes, timestamps of both eras, and datagrams
too short for the header.

The messages are written by hand from their RFCs (no traffic is sent anywhere); the
PDML golden (tests/golden/pdml) compares what tshark 4.0 shows of them with Wirelens.

Usage: tests/scripts/make-udp-detail-capture.py [OUT]   (default tests/data/udp-detail.pcap)
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
MAC = b"\x02\x00\x00\x00\x00\x01"


def bootp(op=1, htype=1, hlen=6, chaddr=MAC, sname=b"", file=b"", flags=0x8000, secs=3,
          cookie=b"\x63\x82\x53\x63"):
    """BOOTP's fixed header (RFC 2131 §2) and the magic cookie."""
    b = struct.pack("!BBBBIHH", op, htype, hlen, 0, 7, secs, flags) + bytes([10, 0, 0, 1]) + b"\0" * 12
    return b + chaddr.ljust(16, b"\0") + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + cookie


def opt(code, value):
    return bytes([code, len(value)]) + value


def dhcp_frames():
    """(frame, captured length or None) of DHCP's cases."""
    c = lambda p: udp(A, B, 68, 67, p)
    s = lambda p: udp(B, A, 67, 68, p)
    return [
        # Header: a hardware type other than Ethernet, no address, one too long.
        (c(bootp(htype=7) + opt(53, b"\x01") + b"\xff"), None),
        (c(bootp(hlen=0) + opt(53, b"\x01") + b"\xff"), None),
        (c(bootp(hlen=20, chaddr=bytes(range(1, 17))) + b"\xff"), None),
        # Server and file names; no cookie (BOOTP); pads, and bytes after End.
        (c(bootp(sname=b"srv.example", file=b"/boot/pxe") + b"\xff"), None),
        (c(bootp(cookie=b"\0\0\0\0") + opt(53, b"\x01") + b"\xff"), None),
        (c(bootp() + b"\x00\x00" + opt(53, b"\x01") + b"\x00\xff\x01\x02"), None),
        # An option past the datagram's end, no End option, a code with no length.
        (c(bootp() + opt(53, b"\x01") + b"\x0c\x08abc"), None),
        (c(bootp() + opt(53, b"\x03")), None),
        (c(bootp() + opt(53, b"\x01") + b"\x0c"), None),
        # An offer with the common options, client identifiers of three kinds,
        # strings with and without their NUL.
        (s(bootp(op=2) + opt(53, b"\x02") + opt(54, bytes([10, 0, 0, 1]))
           + opt(51, b"\x00\x01\x51\x80") + opt(58, b"\x00\x00\x07\x08") + opt(59, b"\x00\x00\x0c\x4e")
           + opt(1, b"\xff\xff\xff\x00") + opt(3, bytes([10, 0, 0, 254]))
           + opt(6, bytes([10, 0, 0, 53, 10, 0, 0, 54])) + opt(15, b"example.com")
           + opt(28, bytes([10, 0, 0, 255])) + opt(42, bytes([10, 0, 0, 123]))
           + opt(26, b"\x05\xdc") + opt(23, b"\x40") + opt(66, b"tftp.example\0")
           + opt(61, b"\x01" + MAC) + opt(61, b"\x00ab") + opt(61, b"\x07abcd")
           + opt(60, b"MSFT 5.0") + b"\xff"), None),
        # A request: requested address, host name, parameter list, maximum size.
        (c(bootp() + opt(53, b"\x03") + opt(50, bytes([10, 0, 0, 10])) + opt(12, b"laptop-7")
           + opt(55, bytes([1, 3, 6, 15, 119, 252, 0, 255])) + opt(57, b"\x05\xdc")
           + opt(81, b"\x00\x00\x00laptop-7") + b"\xff" + b"\0" * 20), None),
        # Unusual values: infinite lease, unknown message type, a zero lease, a string
        # with control and non-ASCII bytes, lengths an option does not allow.
        (c(bootp() + opt(53, b"\x61") + opt(51, b"\xff\xff\xff\xff") + opt(58, b"\0\0\0\0")
           + opt(12, b"a\x05b\nc\xdcd") + opt(1, b"\xff\xff") + opt(3, b"\x0a\x00\x00")
           + opt(50, b"\x0a\x00\x00\x01\x02") + opt(53, b"") + b"\xff"), None),
        # Option overload (the name fields hold options), reserved flag bits.
        (c(bootp(flags=0x0001) + opt(53, b"\x08") + opt(52, b"\x03") + b"\xff"), None),
        # Cut by the snap length inside the options, and inside the header.
        (c(bootp() + opt(53, b"\x01") + opt(12, b"abcd") + b"\xff"), 42 + 244),
        (c(bootp() + opt(53, b"\x01") + b"\xff"), 42 + 100),
        # An opcode of neither kind with empty options; a reply shorter than the header.
        (c(bootp(op=3) + b"\x37\x00\x0c\x00\x3d\x00\xff"), None),
        (s(bootp(op=2)[:200]), None),
        # Seconds written little-endian (low byte zero), and not.
        (c(bootp(secs=0x1A00) + opt(53, b"\x01") + b"\xff"), None),
        (c(bootp(secs=0x1A01) + opt(53, b"\x01") + b"\xff"), None),
        # Long values: the text shows 36 bytes of them.
        (c(bootp() + opt(53, b"\x01") + opt(43, bytes(range(1, 60))) + b"\xff" + b"\0" * 50), None),
    ]


def ntp(flags=0x23, stratum=2, poll=6, precision=0xEC, delay=0, disp=0, refid=b"\0\0\0\0",
        ts=(0, 0, 0, 0)):
    """An NTP header (RFC 5905 §7.3); `ts` the four timestamps as 64-bit numbers."""
    return struct.pack("!BBBBII4s", flags, stratum, poll, precision, delay, disp, refid) + \
        b"".join(struct.pack("!Q", t) for t in ts)


def ntp_frames():
    c = lambda p: udp(A, B, 40007, 123, p)
    s = lambda p: udp(B, A, 123, 40007, p)
    now = (0xE8F1A2B3 << 32) | 0x80000001
    era1 = (0x0000ABCD << 32) | 0xFFFFFFFF
    return [
        # Reference IDs: primary sources, an unknown one, a kiss code, an address.
        (s(ntp(0x24, 1, 10, 0xE9, 0x00000010, 0x00010001, b"GPS\0", (now, now, now, now))), None),
        (s(ntp(0x24, 1, 4, 0xFA, refid=b"XY\xffZ", ts=(now, 0, 0, now))), None),
        (s(ntp(0xE4, 0, 17, 0x80, refid=b"RATE")), None),
        (s(ntp(0x1C, 3, 18, 0x7F, 0xFFFFFFFF, 0x12345678, bytes([192, 168, 7, 1]), (era1, now, era1, 1))), None),
        (s(ntp(0x64, 16, 3, 0x20, refid=b"LOCL", ts=(1 << 32, 0, 0, 0))), None),
        # Key ID alone, MD5 and SHA-1 MACs, an extension field (longer than a MAC).
        (c(ntp(ts=(0, 0, 0, now)) + b"\0\0\0\x08"), None),
        (c(ntp(ts=(0, 0, 0, now)) + b"\0\0\0\x01" + bytes(range(16))), None),
        (c(ntp(ts=(0, 0, 0, now)) + b"\0\0\0\x02" + bytes(range(20))), None),
        (c(ntp(ts=(0, 0, 0, now)) + b"\x02\x02\x00\x1c" + bytes(24)), None),
        # Control (mode 6) and private (mode 7) messages; modes 0 and 5.
        (c(bytes([0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])), None),
        (c(bytes([0x17, 0x00, 0x03, 0x2A]) + bytes(4)), None),
        (c(ntp(flags=0x20)), None),
        (s(ntp(flags=0x25, stratum=2, refid=bytes([10, 0, 0, 1]), ts=(now, 0, 0, now))), None),
        # Too short for the header, and cut by the snap length.
        (c(ntp()[:30]), None),
        (c(ntp()), 42 + 20),
    ]


def syslog_frames():
    c = lambda p: udp(A, B, 40001, 514, p)
    return [
        # RFC 5424 with an offset, fractions, a NIL timestamp, a BOM, UTF-8 in the text.
        (c("<14>1 2026-12-06T23:59:60.123456789-07:30 host.example app 4242 ID7 [x@1 a=\"b\"] caf\u00e9".encode()), None),
        (c(b"<14>1 - host app - - -"), None),
        (c(b"<14>1 2026-12-06T01:02:03Z h a p \xef\xbb\xbfhello"), None),
        (c(b"<14>1 2026-12-06T01:02:03Z h"), None),
        # RFC 3164: a tag with a process ID, a tag running to the end (read past it),
        # a timestamp shape that does not match.
        (c(b"<30>Dec  6 23:59:01 gw dhclient[812]: bound to 10.0.0.7"), None),
        (c(b"<30>Dec  6 23:59:01 gw abc"), None),
        (c(b"<30>Dec-6 23:59:01 gw dhclient: x"), None),
        # Priorities: the largest, none in the brackets, no closing bracket, a message
        # of nothing, control bytes, and a long one cut by the snap length.
        (c(b"<999>hello"), None),
        (c(b"<>hello"), None),
        (c(b"<13hello"), None),
        (c(b"<13>"), None),
        (c(b"<13>a\x01b\tc\x7f"), None),
        (c(b"<13>Dec  6 23:59:01 host " + b"x" * 300), 42 + 200),
    ]


def ssdp_frames():
    c = lambda p, sport=40100: udp(A, "239.255.255.250", sport, 1900, p)
    return [
        # A notification (NOTIFY: its unknown headers are not request lines), a search,
        # a search's answer, and a first line HTTP takes that is no HTTP line.
        (c(b"NOTIFY * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nCache-Control: max-age=1800\r\n"
           b"Location: http://10.0.0.1:49152/d.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
           b"Server: Linux/6.1 UPnP/1.0 x/1.0\r\nUSN: uuid:1::upnp:rootdevice\r\n\r\n"), None),
        (c(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
           b"MX: 2\r\nST: urn:schemas-upnp-org:device:MediaServer:1\r\nUser-Agent: x/1\r\n\r\n", 40101), None),
        (udp(B, A, 1900, 40101, b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=100\r\nEXT:\r\n"
             b"LOCATION: http://10.0.0.2:80/d.xml\r\nSERVER: x/1 UPnP/1.0 y/1\r\nST: upnp:rootdevice\r\n"
             b"USN: uuid:2::upnp:rootdevice\r\n\r\n"), None),
        (c(b"x-y: z\r\n", 40102), None),
    ]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "udp-detail.pcap")
    frames = dhcp_frames() + ntp_frames() + syslog_frames() + ssdp_frames()
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (frame, cap) in enumerate(frames):
            cap = len(frame) if cap is None else cap
            f.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, cap, len(frame)) + frame[:cap])
    print(f"{out}: {len(frames)} packets")


if __name__ == "__main__":
    main()
