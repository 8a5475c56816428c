"""TCP conversations made byte by byte for the test captures that no server on the test
machines can make (SSH, FTP, SMTP, POP, IMAP, Telnet): Ethernet, IPv4 and TCP frames with
valid checksums between 10.0.0.1 (the client) and 10.0.0.2, and a pcap of them."""
import struct

CLIENT, SERVER = [10, 0, 0, 1], [10, 0, 0, 2]


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


class Conv:
    """One conversation from client port `cport` to server port `sport`, its frames
    appended to `frames`: the handshake at once, then each `send` acknowledged."""

    def __init__(self, frames, cport, sport):
        self.frames = frames
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
        self.frames.append(frame(src, dst, sport, dport, self.seq[from_client],
                                 self.seq[not from_client], flags, payload))
        self.seq[from_client] += len(payload)

    def cut(self, from_client, payload, sizes):
        """`payload` in segments of `sizes` bytes, the rest in one more."""
        at = 0
        for n in sizes:
            self.send(from_client, payload[at:at + n])
            at += n
        if at < len(payload):
            self.send(from_client, payload[at:])


def write_pcap(path, frames, first_second):
    """`frames` as a microsecond pcap, 1 ms apart from `first_second`."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", first_second, i * 1000, len(fr), len(fr)))
            f.write(fr)
    print(f"{path}: {len(frames)} frames")
