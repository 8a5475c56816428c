#!/usr/bin/env python3
"""Captures tests/data/resp/resp-fields.pcap (or the path given): real redis-server 7
traffic on loopback port 26379 covering what Wireshark's resp.* fields show.

A raw socket client sends pipelined RESP2 commands, inline commands, a command split over
several segments, nested arrays (EVAL), null bulk strings and arrays, empty ones, errors,
MULTI/EXEC, and a value read back with a small receive buffer so the reply spans many
segments; a second connection switches to RESP3 (HELLO 3: maps, sets, doubles, booleans,
nulls, which Wireshark 4.0 shows as fragments).

Needs root (tcpdump), redis-server and tcpdump. Decode with `-d tcp.port==26379,resp`.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

PORT = 26379
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/data/resp/resp-fields.pcap")


def cmd(*args):
    """A command as an array of bulk strings."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Conn:
    def __init__(self, rcvbuf=None):
        self.s = socket.socket()
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.connect(("127.0.0.1", PORT))
        self.s.settimeout(5)

    def send(self, *pieces, gap=0.05):
        """Sends each piece as its own segment, then waits for the replies."""
        for p in pieces:
            self.s.sendall(p)
            time.sleep(gap)
        self.drain()

    def drain(self, quiet=0.3):
        self.s.settimeout(quiet)
        try:
            while self.s.recv(1 << 16):
                pass
        except socket.timeout:
            pass
        self.s.settimeout(5)

    def close(self):
        self.s.close()


def traffic():
    a = Conn()
    # Pipelined: OK, a bulk string, a null bulk string, an integer.
    a.send(cmd("SET", "k", "v") + cmd("GET", "k") + cmd("GET", "missing") + cmd("DEL", "k"))
    a.send(cmd("RPUSH", "l", "a", "bb", "ccc"), cmd("LRANGE", "l", 0, -1), cmd("LRANGE", "nolist", 0, -1))
    # RESP2 null array.
    a.send(cmd("BLPOP", "nolist", "0.1"), gap=0.3)
    # Nested arrays, a status reply, an error reply from a script.
    a.send(cmd("EVAL", "return {1,{2,{3,'x',{}}},'y',-7}", 0))
    a.send(cmd("EVAL", "return redis.status_reply('FINE')", 0))
    a.send(cmd("EVAL", "return redis.error_reply('MYERR bad')", 0))
    # Empty and negative values, a wrong type, an unknown command.
    a.send(cmd("SET", "e", "") + cmd("GET", "e") + cmd("INCRBY", "n", -5) + cmd("LPUSH", "e", "x"))
    a.send(cmd("NOSUCH", "arg"))
    # Inline commands.
    a.send(b"PING\r\n", b"SET inl 5\r\nGET inl\r\n", b"EXISTS inl nope\r\n")
    # MULTI/EXEC: queued replies, then an array of mixed replies.
    a.send(cmd("MULTI") + cmd("SET", "m", 1) + cmd("INCR", "m") + cmd("GET", "m") + cmd("EXEC"))
    # A command split over segments, in the middle of lines and of the value.
    value = bytes(b"0123456789abcdef"[i % 16] for i in range(12000))
    whole = cmd("SET", "big", value)
    a.send(whole[:5], whole[5:17], whole[17:40], whole[40:3000], whole[3000:9000], whole[9000:])
    a.close()

    # A small receive buffer: the 12 kB reply arrives in many segments.
    b = Conn(rcvbuf=2048)
    b.send(cmd("GET", "big"), gap=0.5)
    b.send(cmd("MGET", "big", "k", "e"), gap=0.5)
    b.close()

    c = Conn()
    c.send(cmd("HELLO", 3))
    c.send(cmd("HSET", "h", "f1", "1", "f2", "2") + cmd("HGETALL", "h"))
    c.send(cmd("SADD", "s", "x") + cmd("SMEMBERS", "s"))
    c.send(cmd("ZADD", "z", "1.5", "m") + cmd("ZSCORE", "z", "m") + cmd("GET", "missing"))
    c.send(cmd("EVAL", "return true", 0) + cmd("EVAL", "return false", 0))
    c.close()


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    work = tempfile.mkdtemp()
    server = subprocess.Popen(
        ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", work],
        stdout=subprocess.DEVNULL,
    )
    log = open(os.path.join(work, "tcpdump.log"), "w+")
    dump = None
    try:
        # The server first, so that its readiness probe stays out of the capture.
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        dump = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-s", "0", "-U", "--immediate-mode", "-w", OUT, "tcp port %d" % PORT],
            stderr=log,
        )
        for _ in range(100):
            log.seek(0)
            if "listening on" in log.read():
                break
            time.sleep(0.1)
        time.sleep(0.5)
        traffic()
        time.sleep(0.5)
    finally:
        if dump:
            dump.terminate()
            dump.wait()
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
