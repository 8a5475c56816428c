#!/usr/bin/env python3
"""Real client traffic against the local servers started by make-server-captures.sh.

Each function drives one server on loopback with a real client library (or, where no
library speaks the protocol, hand-built packets on a plain socket) and exercises what the
captures must contain. Bounded: every loop has a fixed count; every socket a timeout.

Usage: server_traffic.py memcached|memcached-fields|redis|mariadb|http|dns PORT [PORT2]
"""
import http.client
import socket
import struct
import sys
import time


def memcached(port):
    from pymemcache.client.base import Client

    c = Client(("127.0.0.1", port), timeout=5, connect_timeout=5)
    c.set("user:1", b"alice", expire=300)
    c.set("user:2", b"bob")
    c.set("session:abc", b"x" * 3000)
    for _ in range(20):  # a hot key
        c.get("user:1")
    c.get_many(["user:1", "user:2", "missing:1", "session:abc"])  # multi-get with a miss
    c.gets("user:2")
    _, cas = c.gets("user:2")
    c.cas("user:2", b"bobby", cas)
    c.add("user:1", b"not stored")  # NOT_STORED
    c.replace("user:3", b"nobody")  # NOT_STORED
    c.append("user:1", b"+")
    c.prepend("user:1", b"+")
    c.set("counter", b"10")
    c.incr("counter", 5)
    c.decr("counter", 3)
    c.touch("user:1", 600)
    c.delete("user:2")
    c.delete("user:404")  # NOT_FOUND
    c.set("quiet", b"1", noreply=True)
    c.set("big:blob", b"B" * (1024 * 1024 + 4096))  # a value over 1 MB
    c.get("big:blob")
    c.stats()
    c.close()
    # Pipelined text commands in one write.
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"set p1 0 0 1\r\na\r\nset p2 0 0 2\r\nbb\r\nget p1 p2 p3\r\ndelete p1\r\n")
    read_until(s, b"DELETED\r\n")
    s.close()
    # The binary protocol: get (hit and miss) and set, by hand (no client library speaks it).
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(mc_bin(0x01, b"bin:key", b"value", extras=struct.pack(">II", 0, 0), opaque=1))  # SET
    s.sendall(mc_bin(0x00, b"bin:key", opaque=2))  # GET hit
    s.sendall(mc_bin(0x00, b"bin:missing", opaque=3))  # GET miss
    s.sendall(mc_bin(0x04, b"bin:key", opaque=4))  # DELETE
    for _ in range(4):
        read_mc_bin(s)
    s.close()



def memcached_fields(port):
    """What Wireshark's memcache fields cover beyond memcached(): every binary opcode,
    error statuses, quiet commands, text stats, incr/decr, flush_all, verbosity, meta
    commands, unknown and malformed lines, and commands split across segments."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def text(data, until):
        s.sendall(data)
        return read_until(s, until)

    text(b"set n 0 0 2\r\n10\r\n", b"STORED\r\n")
    text(b"incr n 5\r\n", b"\r\n")
    text(b"decr n 3\r\n", b"\r\n")
    text(b"incr n 1 noreply\r\ndecr n 1 noreply\r\nincr nothere 1\r\n", b"NOT_FOUND\r\n")
    text(b"version\r\n", b"\r\n")
    text(b"verbosity 1\r\n", b"OK\r\n")
    text(b"set a 5 0 3 noreply\r\nxyz\r\nappend a 0 0 1\r\n+\r\n", b"STORED\r\n")
    text(b"prepend a 0 0 1\r\n-\r\n", b"STORED\r\n")
    text(b"gets a\r\n", b"END\r\n")
    text(b"cas a 0 0 1 1\r\nq\r\n", b"\r\n")
    text(b"delete a 0\r\n", b"\r\n")
    text(b"delete a noreply\r\ndelete a\r\n", b"NOT_FOUND\r\n")
    text(b"touch n 100\r\n", b"TOUCHED\r\n")
    text(b"gat 100 n\r\n", b"END\r\n")
    for sub in (b"", b" items", b" slabs", b" sizes", b" settings", b" conns"):
        text(b"stats" + sub + b"\r\n", b"END\r\n")
    text(b"stats detail dump\r\n", b"END\r\n")
    # Meta commands (memcached 1.6).
    text(b"ms mk 2 T0\r\nhi\r\n", b"\r\n")
    text(b"mg mk v f t\r\n", b"hi\r\n")
    text(b"ma n\r\n", b"\r\n")
    text(b"md mk q\r\nmn\r\n", b"MN\r\n")
    # Unknown and malformed lines.
    text(b"bogus command\r\n", b"\r\n")
    text(b"set k 0 0\r\n", b"\r\n")
    text(b"get\r\n", b"\r\n")
    text(b"set k x 0 1\r\nz\r\n", b"\r\nERROR\r\n")  # CLIENT_ERROR, then z is a command
    # A command and a data block split over segments (a pause between the writes).
    for piece in (b"se", b"t split 0 0 10\r", b"\n01234", b"56789", b"\r\nget split\r\n"):
        s.sendall(piece)
        time.sleep(0.05)
    read_until(s, b"END\r\n")
    # A value of 100 kB (over several segments), and a multi-get of it with a small one.
    s.sendall(b"set big 0 0 100000\r\n" + b"v" * 100000 + b"\r\n")
    read_until(s, b"STORED\r\n")
    text(b"get n big n\r\n", b"END\r\n")
    text(b"flush_all 0\r\n", b"OK\r\n")
    text(b"flush_all noreply\r\nflush_all 0 noreply\r\nversion\r\n", b"\r\n")
    s.close()

    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def binary(pdus, replies):
        s.sendall(b"".join(pdus))
        for _ in range(replies):
            read_mc_bin(s)

    ex = struct.pack(">II", 0xCAFE, 0)
    binary([mc_bin(0x01, b"b:1", b"one", ex, opaque=1)], 1)  # SET
    binary([mc_bin(0x02, b"b:1", b"again", ex, opaque=2)], 1)  # ADD: exists
    binary([mc_bin(0x03, b"b:none", b"x", ex, opaque=3)], 1)  # REPLACE: not found
    binary([mc_bin(0x0E, b"b:1", b"+", opaque=4), mc_bin(0x0F, b"b:1", b"-", opaque=5)], 2)  # APPEND, PREPEND
    binary([mc_bin(0x00, b"b:1", opaque=6), mc_bin(0x0C, b"b:1", opaque=7)], 2)  # GET, GETK
    # GETQ and GETKQ: misses send nothing; NOOP ends the batch.
    binary([mc_bin(0x09, b"b:miss", opaque=8), mc_bin(0x0D, b"b:1", opaque=9), mc_bin(0x0A, opaque=10)], 2)
    binary([mc_bin(0x11, b"b:q", b"quiet", ex, opaque=11), mc_bin(0x0A, opaque=12)], 1)  # SETQ
    cnt = struct.pack(">QQI", 5, 100, 0)
    binary([mc_bin(0x05, b"b:n", extras=cnt, opaque=13)], 1)  # INCR: initial value
    binary([mc_bin(0x05, b"b:n", extras=cnt, opaque=14), mc_bin(0x06, b"b:n", extras=cnt, opaque=15)], 2)
    binary([mc_bin(0x05, b"b:1", extras=cnt, opaque=16)], 1)  # INCR of a non-number: error
    binary([mc_bin(0x1C, b"b:1", extras=struct.pack(">I", 100), opaque=17)], 1)  # TOUCH
    binary([mc_bin(0x1D, b"b:1", extras=struct.pack(">I", 100), opaque=18)], 1)  # GAT
    binary([mc_bin(0x0B, opaque=19)], 1)  # VERSION
    binary([mc_bin(0x04, b"b:1", opaque=20), mc_bin(0x04, b"b:1", opaque=21)], 2)  # DELETE, then not found
    # FLUSH, FLUSHQ (silent), NOOP
    binary([mc_bin(0x08, extras=struct.pack(">I", 0), opaque=22), mc_bin(0x18, opaque=23),
            mc_bin(0x0A, opaque=24)], 2)
    binary([mc_bin(0x42, opaque=25)], 1)  # unknown opcode (with a key memcached never answers)
    for key, opaque in ((b"", 26), (b"settings", 27)):
        s.sendall(mc_bin(0x10, key, opaque=opaque))  # STAT: a reply per statistic, then an empty one
        while read_mc_bin(s):
            pass
    # A header split over two segments, and a 70 kB value.
    pdu = mc_bin(0x01, b"b:big", b"w" * 70000, ex, opaque=28)
    s.sendall(pdu[:10])
    time.sleep(0.05)
    s.sendall(pdu[10:])
    read_mc_bin(s)
    binary([mc_bin(0x00, b"b:big", opaque=29)], 1)
    binary([mc_bin(0x07, opaque=30)], 1)  # QUIT
    s.close()


def mc_bin(opcode, key=b"", value=b"", extras=b"", opaque=0):
    body = extras + key + value
    return struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0, len(body), opaque, 0) + body


def read_mc_bin(s):
    head = read_exact(s, 24)
    total = struct.unpack(">I", head[8:12])[0]
    return read_exact(s, total)


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("server closed")
        buf += chunk
    return buf


def read_until(s, marker):
    buf = b""
    while not buf.endswith(marker):
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("server closed")
        buf += chunk
    return buf


def redis_traffic(port):
    import redis

    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
    r.set("user:1", "alice")
    for _ in range(15):
        r.get("user:1")
    r.get("missing")
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.hgetall("h")
    r.lpush("queue", *[f"job{i}" for i in range(10)])
    r.lrange("queue", 0, -1)
    r.set("blob", "v" * 200_000)
    r.get("blob")
    try:
        r.incr("user:1")  # WRONGTYPE/not an integer: an error reply
    except redis.ResponseError:
        pass
    try:
        r.execute_command("NOSUCHCOMMAND", "x")
    except redis.ResponseError:
        pass
    p = r.pipeline(transaction=False)  # a pipeline: many commands in one write
    for i in range(20):
        p.set(f"pipe:{i}", i)
        p.get(f"pipe:{i}")
    p.execute()
    r.execute_command("DEBUG", "SLEEP", "0.2")  # a slow command
    r.delete("h", "queue", "blob")
    r.close()


def mariadb(port):
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", port=port, user="wl", password="wl", database="shop",
                           connect_timeout=5, read_timeout=10, autocommit=True)
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(40), total DECIMAL(10,2))")
    for i in range(25):
        cur.execute("INSERT INTO orders (customer, total) VALUES (%s, %s)", (f"customer{i % 5}", i * 3.5))
    cur.execute("SELECT * FROM orders WHERE customer = %s", ("customer1",))
    cur.fetchall()
    cur.execute("SELECT COUNT(*), SUM(total) FROM orders")
    cur.fetchall()
    cur.execute("SELECT SLEEP(0.4), 'slow'")  # a slow query
    cur.fetchall()
    try:
        cur.execute("SELECT * FROM no_such_table")  # an error: 1146
    except pymysql.MySQLError:
        pass
    try:
        cur.execute("SELEC 1")  # a syntax error: 1064
    except pymysql.MySQLError:
        pass
    cur.execute("UPDATE orders SET total = total + 1 WHERE id < 5")
    # A server-side prepared statement: COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_CLOSE.
    # pymysql has no API for it, so send the commands on its connection by hand.
    stmt = prepare(conn, "SELECT id, customer FROM orders WHERE id = ?")
    execute(conn, stmt, 3)
    conn._execute_command(0x19, struct.pack("<I", stmt))  # COM_STMT_CLOSE: no reply
    cur.execute("SELECT 1")
    cur.fetchall()
    conn.close()


def prepare(conn, sql):
    conn._execute_command(0x16, sql)  # COM_STMT_PREPARE
    first = conn._read_packet()
    data = first.get_all_data()
    stmt_id, ncols, nparams = struct.unpack("<IHH", data[1:9])
    for _ in range(nparams + (1 if nparams else 0) + ncols + (1 if ncols else 0)):
        conn._read_packet()  # parameter and column definitions, each list ended by EOF
    return stmt_id


def execute(conn, stmt, value):
    # COM_STMT_EXECUTE: id, flags, iteration count, NULL bitmap, new-params flag, types, values.
    payload = struct.pack("<IBI", stmt, 0, 1) + b"\x00" + b"\x01" + struct.pack("<H", 3) + struct.pack("<i", value)
    conn._execute_command(0x17, payload)
    result = conn._read_packet()
    ncols = result.get_all_data()[0]
    packets = 0
    while True:  # column definitions, EOF, binary rows, EOF
        p = conn._read_packet()
        if p.is_eof_packet():
            packets += 1
            if packets == 2:
                break
    return ncols


def http_traffic(nginx_port, app_port):
    # nginx: keep-alive requests on one connection, a 404, a static file.
    c = http.client.HTTPConnection("127.0.0.1", nginx_port, timeout=5)
    for path in ["/", "/index.html", "/missing", "/big.bin", "/"]:
        c.request("GET", path, headers={"User-Agent": "wirelens-tests"})
        c.getresponse().read()
    c.close()
    # The application server: chunked bodies, a 500, a slow endpoint, a POST, pipelining.
    c = http.client.HTTPConnection("127.0.0.1", app_port, timeout=5)
    for method, path, body in [("GET", "/chunked", None), ("GET", "/error", None), ("GET", "/slow", None),
                               ("POST", "/api/orders", b'{"item": 42}'), ("GET", "/chunked", None)]:
        c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        c.getresponse().read()
    c.close()
    s = socket.create_connection(("127.0.0.1", nginx_port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()


def dns_traffic(port):
    import dns.message
    import dns.query

    for name, qtype in [("www.wirelens.test", "A"), ("www.wirelens.test", "AAAA"), ("db.wirelens.test", "A"),
                        ("nx.wirelens.test", "A"), ("wirelens.test", "MX"), ("cache.wirelens.test", "A")]:
        q = dns.message.make_query(name, qtype)
        dns.query.udp(q, "127.0.0.1", port=port, timeout=5)
    for name in ["www.wirelens.test", "db.wirelens.test"]:
        q = dns.message.make_query(name, "A")
        dns.query.tcp(q, "127.0.0.1", port=port, timeout=5)


def app_server(port):
    """A small HTTP/1.1 application server: chunked, 500, slow and POST endpoints."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/chunked":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in [b"hello ", b"chunked ", b"world\n" * 50]:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            elif self.path == "/error":
                self.reply(500, b"internal error\n")
            elif self.path == "/slow":
                time.sleep(0.5)
                self.reply(200, b"finally\n")
            else:
                self.reply(404, b"not found\n")

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.reply(201, b'{"id": 7}')

        def reply(self, code, body):
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    kind, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
    {"memcached": memcached, "memcached-fields": memcached_fields, "redis": redis_traffic, "mariadb": mariadb, "http": http_traffic, "dns": dns_traffic,
     "app-server": app_server}[kind](*ports)
