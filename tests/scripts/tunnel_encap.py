#!/usr/bin/env python3
"""A userspace tunnel endpoint for kernels without the Geneve and GRE drivers.

make-tunnel-captures.sh runs one in each network namespace. It opens a TAP (Ethernet
frames) or TUN (IP packets) device that iproute2 then configures like any interface, and
moves what the kernel routes into it across the underlay, encapsulated:

  geneve   TAP, UDP to port 6081 (RFC 8926 §3.4), protocol 0x6558, with one 8-byte option
  gre      TUN, GRE (RFC 2784, RFC 2890) with a key and a sequence number, IPv4 or IPv6
  gretap   TAP, GRE with protocol 0x6558 (transparent Ethernet bridging) and a key

and decapsulates what arrives back into the device. Usage:
  tunnel_encap.py MODE DEVICE LOCAL_IP REMOTE_IP KEY
It runs until killed.
"""

import fcntl
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
GENEVE_PORT = 6081
IPPROTO_GRE = 47
GRE_KEY, GRE_SEQ = 0x2000, 0x1000


def open_device(name, tap):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = (IFF_TAP if tap else IFF_TUN) | IFF_NO_PI
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), flags))
    return fd


def deliver(dev, frame):
    """Hands a decapsulated frame to the device (dropped while the device is down)."""
    try:
        os.write(dev, frame)
    except OSError:
        pass


def geneve(dev, local, remote, vni):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind((local, GENEVE_PORT))
    # Senders use a source port of their own, as the kernel's driver does (a flow hash).
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.bind((local, 0))
    # One option (class 0x0103, type 0x80 "critical", 4 bytes of data): length 2 words.
    option = struct.pack("!HBB", 0x0103, 0x80, 1) + b"WLNS"
    header = struct.pack("!BBH", len(option) // 4, 0, 0x6558) + struct.pack("!I", vni << 8)
    while True:
        ready, _, _ = select.select([dev, rx], [], [])
        if dev in ready:
            tx.sendto(header + option + os.read(dev, 65535), (remote, GENEVE_PORT))
        if rx in ready:
            data = rx.recv(65535)
            if len(data) >= 8:
                deliver(dev, data[8 + (data[0] & 0x3F) * 4 :])


def gre(dev, local, remote, key, tap):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
    raw.bind((local, 0))
    seq = 0
    while True:
        ready, _, _ = select.select([dev, raw], [], [])
        if dev in ready:
            packet = os.read(dev, 65535)
            if tap:
                flags, proto, extra = GRE_KEY, 0x6558, struct.pack("!I", key)
            else:
                proto = 0x86DD if packet[0] >> 4 == 6 else 0x0800
                flags, extra = GRE_KEY | GRE_SEQ, struct.pack("!II", key, seq)
                seq += 1
            raw.sendto(struct.pack("!HH", flags, proto) + extra + packet, (remote, 0))
        if raw in ready:
            data = raw.recv(65535)
            at = (data[0] & 0x0F) * 4  # the outer IPv4 header comes with a raw socket
            flags, proto = struct.unpack_from("!HH", data, at)
            if (proto == 0x6558) != tap:
                continue
            skip = 4 + 4 * bool(flags & 0x8000) + 4 * bool(flags & GRE_KEY)
            skip += 4 * bool(flags & GRE_SEQ)
            deliver(dev, data[at + skip :])


def main():
    mode, name, local, remote, key = sys.argv[1:6]
    dev = open_device(name, tap=mode != "gre")
    if mode == "geneve":
        geneve(dev, local, remote, int(key))
    else:
        gre(dev, local, remote, int(key), tap=mode == "gretap")


if __name__ == "__main__":
    main()
