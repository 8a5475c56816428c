#!/usr/bin/env python3
"""Write tests/data/udp-apps.pcap: datagrams of the UDP application protocols tshark names
by port that the corpus lacks or holds few of (syslog, SNMP, SIP, TFTP with a transfer
from the server's new port, DHCP, NTP, RIP, DHCPv6, LLMNR, mDNS, SSDP), and the edge
cases of choosing among them: an empty payload,
payloads too short for a dissector's first reads, bytes a dissector refuses (SSDP, SIP
and SNMP look at them first, and the higher port is then tried), ports of ours
(DNS 53, QUIC 443, memcached 11211) beside theirs, and datagrams on no port of theirs.

The messages are written by hand from their RFCs (no traffic is sent anywhere); the
golden tests compare what tshark 4.0 makes of them with Wirelens.

Usage: tests/scripts/make-udp-apps-capture.py [OUT]   (default tests/data/udp-apps.pcap)
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def udp(src, dst, sport, dport, payload):
    """An Ethernet frame with IPv4 and UDP (checksums right) around `payload`."""
    length = 8 + len(payload)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, length)
    head = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(pseudo + head + payload) or 0xFFFF
    datagram = struct.pack("!HHHH", sport, dport, length, c) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, 1, 0, 64, 17, 0, ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + datagram


def dhcp(op, xid, mac, msg_type=None):
    """A BOOTP message (RFC 2131 §2) with the magic cookie and a DHCP message type."""
    b = struct.pack("!BBBBIHH", op, 1, 6, 0, xid, 0, 0x8000) + b"\0" * 16
    b += mac + b"\0" * 10 + b"\0" * 192 + b"\x63\x82\x53\x63"
    if msg_type is not None:
        b += bytes([53, 1, msg_type])
    return b + b"\xff" + b"\0" * 8


def ntp(mode, version=4):
    """An NTP header (RFC 5905 §7.3), 48 bytes."""
    return bytes([version << 3 | mode, 2, 6, 0xEC]) + b"\0" * 8 + b"\xc0\xa8\x00\x01" + b"\0" * 32


def ber(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    return bytes([tag, 0x81, n]) + body


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.insert(0, 0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(enc)
    return ber(0x06, out)


def snmp(version, pdu_tag, request_id, oids, value=b"\x05\x00"):
    """An SNMP message (RFC 3416 §3): version, community, a PDU with varbinds."""
    binds = b"".join(ber(0x30, oid(o) + value) for o in oids)
    pdu = ber(pdu_tag, ber(0x02, bytes([request_id])) + b"\x02\x01\x00\x02\x01\x00" + ber(0x30, binds))
    return ber(0x30, ber(0x02, bytes([version])) + ber(0x04, b"public") + pdu)


def sip(first, call):
    return (first + "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
            "From: <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bob@example.com>\r\n"
            f"Call-ID: {call}@10.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").encode()


def rip(command, version):
    """A RIP message (RFC 2453 §4) with one route."""
    return struct.pack("!BBH", command, version, 0) + struct.pack("!HH", 2, 0) + ip4("10.1.0.0") \
        + b"\0" * 8 + struct.pack("!I", 1)


def dhcpv6(msg_type, xid, duid):
    """A DHCPv6 message (RFC 8415 §8) with a client identifier."""
    return bytes([msg_type]) + xid.to_bytes(3, "big") + struct.pack("!HH", 1, len(duid)) + duid


def dns_query(qid, name, qtype=1):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "udp-apps.pcap")
    a, b, c = "10.0.0.1", "10.0.0.2", "10.0.0.3"
    mac = b"\x02\x00\x00\x00\x00\x01"
    frames = [
        # Syslog (RFC 5424 / 3164 over UDP 514).
        udp(a, b, 40001, 514, b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"),
        udp(a, b, 40001, 514, b"<165>1 2003-10-11T22:14:15.003Z host app - ID47 - hello"),
        udp(a, b, 40001, 514, b"no priority at all"),
        # SNMP: a get and its response, a v2c trap, bytes SNMP refuses on its port.
        udp(a, b, 40002, 161, snmp(1, 0xA0, 1, ["1.3.6.1.2.1.1.5.0"])),
        udp(b, a, 161, 40002, snmp(1, 0xA2, 1, ["1.3.6.1.2.1.1.5.0"], ber(0x04, b"router"))),
        udp(b, c, 40003, 162, snmp(1, 0xA7, 7, ["1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.1.1.4.1.0"])),
        udp(a, b, 40002, 161, b"not snmp at all"),
        # SIP over UDP 5060: a request, a response, bytes SIP refuses.
        udp(a, b, 5060, 5060, sip("INVITE sip:bob@example.com SIP/2.0", "a84b4c76e66710")),
        udp(b, a, 5060, 5060, sip("SIP/2.0 180 Ringing", "a84b4c76e66710")),
        udp(a, b, 40004, 5060, b"OPTIONS not a sip line\r\n\r\n"),
        # SSDP below SIP: the request URI's colon makes the line look like a header to
        # SSDP, which takes it (and shows the UDP row).
        udp(a, b, 1900, 5060, sip("BYE sip:bob@example.com SIP/2.0", "b5")),
        # TFTP: a read request to 69 (the reply comes from a new port).
        udp(a, b, 40005, 69, b"\x00\x01file.txt\x00octet\x00"),
        udp(a, b, 40006, 69, b"\x00\x02upload.bin\x00netascii\x00"),
        # DHCP: the four of a lease, a BOOTP request with no message type, a short one.
        udp("0.0.0.0", "255.255.255.255", 68, 67, dhcp(1, 0x1234ABCD, mac, 1)),
        udp(b, "255.255.255.255", 67, 68, dhcp(2, 0x1234ABCD, mac, 2)),
        udp("0.0.0.0", "255.255.255.255", 68, 67, dhcp(1, 0x1234ABCD, mac, 3)),
        udp(b, "255.255.255.255", 67, 68, dhcp(2, 0x1234ABCD, mac, 5)),
        udp(a, b, 68, 67, dhcp(1, 0x42, mac)),
        udp(a, b, 68, 67, dhcp(1, 0x43, mac)[:20]),
        # NTP: client and server, version 3 symmetric, one byte only.
        udp(a, b, 40007, 123, ntp(3)),
        udp(b, a, 123, 40007, ntp(4)),
        udp(a, b, 123, 123, ntp(1, 3)),
        udp(a, b, 40008, 123, b"\x1b"),
        # RIPv1 request, RIPv2 response.
        udp(a, "255.255.255.255", 520, 520, rip(1, 1)),
        udp(a, "224.0.0.9", 520, 520, rip(2, 2)),
        # DHCPv6 over IPv4 ports (the ports decide): solicit and reply.
        udp(a, b, 546, 547, dhcpv6(1, 0xABCDEF, b"\x00\x03\x00\x01" + mac)),
        udp(b, a, 547, 546, dhcpv6(7, 0xABCDEF, b"\x00\x03\x00\x01" + mac)),
        # LLMNR and mDNS queries, and a too-short mDNS datagram.
        udp(a, "224.0.0.252", 40009, 5355, dns_query(0x1111, "wpad")),
        udp(a, "224.0.0.251", 5353, 5353, dns_query(0, "_http._tcp.local", 12)),
        udp(a, "224.0.0.251", 5353, 5353, b"\x00\x00\x00"),
        # SSDP's discovery.
        udp(a, "239.255.255.250", 40010, 1900,
            b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"),
        # Ports of ours beside theirs: DNS on 53 is lower than NTP's 123; 123 is lower
        # than QUIC's 443; memcached's 11211 is higher than syslog's 514.
        udp(a, b, 53, 123, dns_query(0x2222, "example.com")),
        udp(a, b, 443, 123, ntp(3)),
        udp(a, b, 11211, 514, b"<13>memcached beside syslog"),
        # Empty payloads on their ports.
        udp(a, b, 40011, 67, b""),
        udp(a, b, 40011, 123, b""),
        udp(a, b, 40011, 514, b""),
        # No port of theirs: DNS, and a datagram on two unnamed ports.
        udp(a, b, 40012, 53, dns_query(0x3333, "example.org")),
        udp(a, b, 40013, 40014, b"<13>not syslog: no port of it"),
        # The transfer of the read request above (frame 12): the server answers from a
        # port of its own (RFC 1350 §4), which TFTP's conversation follows; the same
        # client port to another host, and another client port, are not TFTP's.
        udp(b, a, 50000, 40005, b"\x00\x03\x00\x01" + b"x" * 512),
        udp(a, b, 40005, 50000, b"\x00\x04\x00\x01"),
        udp(b, a, 50000, 40005, b"\x00\x03\x00\x02" + b"y" * 100),
        udp(a, b, 40005, 50000, b"\x00\x04\x00\x02"),
        udp(a, c, 40005, 50000, b"\x00\x04\x00\x02"),
        udp(a, b, 40099, 50000, b"\x00\x04\x00\x02"),
        # SSDP (HTTP's parser) takes a first line that looks like a header, or a request
        # line with no line end, but shows neither as SSDP; other lines it leaves.
        udp(a, b, 40020, 1900, b"x y: z\r\n"),
        udp(a, b, 40021, 1900, b"NOTIFY * HTTP/1.1"),
        udp(a, b, 40022, 1900, b"hello world\r\nfoo: bar\r\n\r\n"),
        # SIP's heuristic finds it on ports no dissector has: a final response names
        # its request's method (CSeq), a provisional one does not (frame 9).
        udp(a, b, 40030, 40031, sip("OPTIONS sip:bob@example.com SIP/2.0", "c7")),
        udp(b, a, 40031, 40030, sip("SIP/2.0 200 OK", "c7")),
    ]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, len(frame), len(frame)) + frame)
    print(f"{out}: {len(frames)} packets")


if __name__ == "__main__":
    main()
