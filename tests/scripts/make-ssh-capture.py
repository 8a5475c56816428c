#!/usr/bin/env python3
"""Write tests/data/ssh/ssh-made.pcap: SSH conversations on TCP port 22 whose segments are
cut where tshark's SSH dissector (packet-ssh.c) has to gather bytes, for the rows and the
`ssh` filter (tests against tshark 4.0: the columns and filter-proto goldens).

The bytes are made here, not captured from a server (Debian's sshd is not installed on
the test machines): real SSH-2 framing (RFC 4253 §6) with a KEXINIT of real algorithm
names, a key exchange, NEWKEYS and then bytes standing for encrypted packets.

Conversations (client port 40001, 40002, …):
  1. curve25519 key exchange, aes128-ctr: encrypted packets read "Encrypted packet (len=N)";
     the client's KEXINIT cut over three segments, the server's banner and KEXINIT in one.
  2. diffie-hellman-group-exchange, chacha20-poly1305: encrypted packets read nothing (4.0
     tries to decrypt them with an all-zero key); the reply and NEWKEYS in one segment.
  3. the server speaks first, the client's banner after (the version is the client's).
  4. no banner at all (picked up in the middle): "SSH", encrypted packets.
  5. a 3-byte segment holding the start of a packet length (one more segment asked for).
  6-9. an elliptic-curve or fixed-group key exchange then AES-CBC, AES-GCM, ChaCha20 or
     AES-CTR: 4.0 tries to decrypt the packets after NEWKEYS (no key: nothing shown, or
     [Malformed Packet] for GCM); after a group exchange it does not.
  10. a banner cut before its line end.

Usage: tests/scripts/make-ssh-capture.py [OUT]
"""
import os
import struct
import sys

from tcp_talk import Conv, write_pcap  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "ssh", "ssh-made.pcap")


def packet(payload, block=8):
    """An SSH-2 binary packet (RFC 4253 §6): length, padding length, payload, padding."""
    pad = block - (len(payload) + 5) % block
    if pad < 4:
        pad += block
    return struct.pack("!IB", len(payload) + 1 + pad, pad) + payload + b"\0" * pad


def namelist(names):
    b = ",".join(names).encode()
    return struct.pack("!I", len(b)) + b


def kexinit(kex, enc, mac=("hmac-sha2-256",)):
    lists = [kex, ("ssh-ed25519", "rsa-sha2-512"), enc, enc, mac, mac, ("none",), ("none",), (), ()]
    return packet(bytes([20]) + b"\x11" * 16 + b"".join(namelist(l) for l in lists) + b"\0" + b"\0" * 4)


def msg(code, body=b""):
    return packet(bytes([code]) + body)


def string(b):
    return struct.pack("!I", len(b)) + b


HOSTKEY = string(string(b"ssh-ed25519") + string(b"\x5a" * 32))
SIGNATURE = string(string(b"ssh-ed25519") + string(b"\x5b" * 64))


frames = []


def conv(cport):
    """A conversation from `cport` to SSH's port."""
    return Conv(frames, cport, 22)


# 1. curve25519, aes128-ctr; the client's KEXINIT in three segments.
c = conv(40001)
c.send(True, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
c.send(False, b"SSH-2.0-OpenSSH_8.4p1\r\n" + kexinit(("curve25519-sha256", "diffie-hellman-group14-sha256"), ("aes128-ctr", "aes256-ctr")))
ki = kexinit(("curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256"), ("aes128-ctr", "chacha20-poly1305@openssh.com"))
c.cut(True, ki, [100, 120])
c.send(True, msg(30, string(b"\x22" * 32)))
c.send(False, msg(31, HOSTKEY + string(b"\x44" * 32) + SIGNATURE) + msg(21))
c.send(True, msg(21) + b"\x66" * 52)
c.send(False, b"\x77" * 44)
c.send(True, b"\x88" * 1200)
c.send(False, b"\x99" * 90)

# 2. group exchange, chacha20-poly1305; the reply and NEWKEYS in one segment.
c = conv(40002)
c.send(True, b"SSH-2.0-PuTTY_Release_0.78\r\n")
c.send(False, b"SSH-2.0-OpenSSH_7.4\r\n")
c.send(True, kexinit(("diffie-hellman-group-exchange-sha256",), ("chacha20-poly1305@openssh.com",)))
c.send(False, kexinit(("diffie-hellman-group-exchange-sha256", "curve25519-sha256"), ("chacha20-poly1305@openssh.com", "aes128-ctr")))
c.send(True, msg(34, struct.pack("!III", 2048, 4096, 8192)))
c.send(False, msg(31, string(b"\x01" * 257) + string(b"\x02")))
c.send(True, msg(32, string(b"\x03" * 256)))
c.send(False, msg(33, HOSTKEY + string(b"\x05" * 256) + SIGNATURE) + msg(21))
c.send(True, msg(21))
c.send(True, b"\x10" * 52)
c.send(False, b"\x11" * 36)

# 3. the server's banner first.
c = conv(40003)
c.send(False, b"SSH-2.0-OpenSSH_5.9p1 Debian-5ubuntu1\r\n")
c.send(True, b"SSH-2.0-OpenSSH_5.3\r\n")
c.send(True, kexinit(("diffie-hellman-group14-sha1",), ("aes128-cbc",)))
c.send(False, kexinit(("diffie-hellman-group14-sha1",), ("aes128-cbc",)))
c.send(True, msg(30, string(b"\x07" * 256)))

# 4. no banner: picked up in the middle.
c = conv(40004)
c.send(True, b"\x12" * 48)
c.send(False, b"\x13" * 64)

# 5. a packet length cut after 3 bytes.
c = conv(40005)
c.send(True, b"SSH-2.0-Go\r\n")
c.send(False, b"SSH-2.0-Go\r\n")
k = kexinit(("curve25519-sha256",), ("aes128-gcm@openssh.com",))
c.cut(True, k, [3])

# 6-9. Which ciphers 4.0 tries to decrypt (with an all-zero key, after an elliptic-curve
# key exchange): the packets after NEWKEYS read nothing where it does.
for port, kex, enc in [(40006, "ecdh-sha2-nistp256", "aes128-cbc"),
                       (40007, "curve25519-sha256@libssh.org", "aes256-gcm@openssh.com"),
                       (40008, "diffie-hellman-group14-sha256", "chacha20-poly1305@openssh.com"),
                       (40009, "curve25519-sha256", "aes192-ctr")]:
    c = conv(port)
    c.send(True, b"SSH-2.0-OpenSSH_9.2\r\n")
    c.send(False, b"SSH-2.0-OpenSSH_9.2\r\n")
    c.send(True, kexinit((kex,), (enc,)))
    c.send(False, kexinit((kex,), (enc,)))
    c.send(True, msg(30, string(b"\x22" * 32)))
    c.send(False, msg(31, HOSTKEY + string(b"\x44" * 32) + SIGNATURE))
    c.send(False, msg(21))
    c.send(True, msg(21))
    c.send(True, b"\x21" * 64)
    c.send(False, b"\x31" * 80)

# 10. A banner cut before its line end.
c = conv(40010)
c.send(True, b"SSH-2.0-Open")
c.send(True, b"SSH_9.2\r\n")
c.send(False, b"SSH-2.0-OpenSSH_9.2\r\n")

write_pcap(OUT, frames, 1_700_000_000)
