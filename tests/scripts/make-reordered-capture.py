#!/usr/bin/env python3
"""Make tests/data/servers/http-reordered.pcap from http.pcap: frames 22 and 23, two
segments of one 300 kB HTTP response, swap places (each keeps its timestamp), as a
segment reordered on its way to the capture point arrives. Frame 22 then comes ahead of
a hole ("Previous segment not captured") and frame 23 fills it ("Out-Of-Order").

Usage: tests/scripts/make-reordered-capture.py
"""
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "tests", "data", "servers", "http.pcap")
DST = os.path.join(ROOT, "tests", "data", "servers", "http-reordered.pcap")
SWAP = (22, 23)


def main():
    data = open(SRC, "rb").read()
    head, records, at = data[:24], [], 24
    while at < len(data):
        caplen = struct.unpack_from("<I", data, at + 8)[0]
        # (timestamp, lengths and bytes)
        records.append([data[at : at + 8], data[at + 8 : at + 16 + caplen]])
        at += 16 + caplen
    a, b = (n - 1 for n in SWAP)
    records[a][1], records[b][1] = records[b][1], records[a][1]
    with open(DST, "wb") as f:
        f.write(head + b"".join(t + r for t, r in records))
    print(f"{DST}: {len(records)} packets")


if __name__ == "__main__":
    main()
