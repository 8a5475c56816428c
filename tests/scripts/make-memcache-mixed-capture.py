#!/usr/bin/env python3
"""A memcached capture on loopback for the message table's coverage (not kept in the
repository: 356 MB with OPS=100000): one long text connection that asks `stats` every
2,000 commands (as a pooled monitoring client does), one long binary-protocol connection
(get, set, getkq + noop, delete, stat: its stat replies are most of its PDUs), and four
short text connections without stats; pipelined batches of 1 to 20 commands. Needs
memcached and tcpdump, and root for tcpdump; memcached listens on 127.0.0.1:11211.

Usage: tests/scripts/make-memcache-mixed-capture.py OUT.pcap [OPS]"""
import os, random, signal, socket, struct, subprocess, sys, threading, time

OUT = sys.argv[1]
OPS = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
PORT = 11211
rnd = random.Random(7)
mc = subprocess.Popen(["memcached", "-u", "root", "-p", str(PORT), "-l", "127.0.0.1", "-U", "0",
                       "-m", "1024", "-I", "2m", "-t", "2"])
time.sleep(0.5)
dump = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "0", "-B", "262144", "-U", "-w", OUT,
                         f"tcp port {PORT}"], stderr=subprocess.DEVNULL)
time.sleep(1.0)

def conn():
    s = socket.create_connection(("127.0.0.1", PORT))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = threading.Thread(target=lambda: [None for _ in iter(lambda: s.recv(1 << 20), b"")])
    t.start()
    return s, t

def value(n):
    return bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(min(n, 64))) * (n // 64 + 1)

def key(i):
    return (f"session:x{i % 5000}" if i % 3 == 0 else f"user:{i % 20000}").encode()

def text(ops, stats_every):
    s, t = conn()
    batch = []
    for i in range(ops):
        k = key(i)
        r = rnd.random()
        if r < 0.3:
            v = value(rnd.choice([10, 100, 700, 3000]))[: rnd.choice([10, 100, 700, 3000])]
            batch.append(b"set %s 0 0 %d\r\n%s\r\n" % (k, len(v), v))
        elif r < 0.9:
            batch.append(b"get %s\r\n" % k)
        else:
            batch.append(b"delete %s\r\n" % k)
        if stats_every and i % stats_every == stats_every - 1:
            batch.append(rnd.choice([b"stats\r\n", b"stats slabs\r\n", b"stats items\r\n"]))
        if len(batch) >= rnd.choice([1, 1, 4, 20]):
            s.sendall(b"".join(batch))
            batch = []
            if i % 64 == 0:
                time.sleep(0.0005)
    s.sendall(b"".join(batch) + b"quit\r\n")
    t.join()
    s.close()

def bin_req(op, k=b"", extras=b"", v=b"", opaque=0):
    body = len(extras) + len(k) + len(v)
    return struct.pack(">BBHBBHIIQ", 0x80, op, len(k), len(extras), 0, 0, body, opaque, 0) + extras + k + v

def binary(ops):
    s, t = conn()
    batch = []
    for i in range(ops):
        k = key(i)
        r = rnd.random()
        if r < 0.3:
            n = rnd.choice([10, 100, 700, 3000, 20000])
            batch.append(bin_req(0x01, k, struct.pack(">II", 0, 0), value(n)[:n], i))
        elif r < 0.7:
            batch.append(bin_req(0x00, k, opaque=i))
        elif r < 0.85:
            batch.append(bin_req(0x0d, k, opaque=i))  # getkq
            batch.append(bin_req(0x0a, opaque=i))      # noop
        elif r < 0.95:
            batch.append(bin_req(0x04, k, opaque=i))
        else:
            batch.append(bin_req(0x10, opaque=i))      # stat
        if len(batch) >= rnd.choice([1, 1, 4, 20]):
            s.sendall(b"".join(batch))
            batch = []
            if i % 64 == 0:
                time.sleep(0.0005)
    s.sendall(b"".join(batch) + bin_req(0x07))
    t.join()
    s.close()

threads = [threading.Thread(target=text, args=(OPS, 2000)),
           threading.Thread(target=binary, args=(OPS,))]
threads += [threading.Thread(target=text, args=(OPS // 10, 0)) for _ in range(4)]
for th in threads:
    th.start()
for th in threads:
    th.join()
time.sleep(1.0)
dump.send_signal(signal.SIGINT)
dump.wait()
mc.terminate()
mc.wait()
print("wrote", OUT, os.path.getsize(OUT))
