#!/usr/bin/env python3
"""Real client (and server) traffic for make-modern-captures.sh: TLS with key logs,
HTTP/2, gRPC, PostgreSQL and QUIC.

Each function drives one real server on loopback with a real client library and does
what the captures must contain. Bounded: every loop has a fixed count; every socket a
timeout. Key logs are written where SSLKEYLOGFILE says (curl and Python's ssl module
both honour it); aioquic is given the file explicitly.

Usage: modern_traffic.py KIND PORT [ARGS...]
  tls-kv MEMCACHED_PORT REDIS_PORT   memcached and Redis over TLS (Python ssl, key log)
  grpc-server PORT                   a gRPC server (grpcio, cleartext HTTP/2)
  grpc PORT                          gRPC calls: unary, an error status, server streaming
  pgsql PORT                         PostgreSQL through psycopg 3
  mysql-tls PORT                     MariaDB over TLS through PyMySQL (key log)
  pgsql-tls PORT                     PostgreSQL over TLS, a v3-protocol client of its own
                                     over Python's ssl (key log): TLS 1.3 and TLS 1.2
  pgsql-refused PORT                 PostgreSQL refusing the SSLRequest ('N'), in clear
  quic-server PORT CERT KEY          an HTTP/3 server (aioquic)
  quic PORT KEYLOG                   HTTP/3 requests (aioquic)
"""
import os
import socket
import ssl
import sys
import time


def tls_context():
    """A client context that writes the key log ($SSLKEYLOGFILE) and trusts the test
    certificate (self-signed)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        ctx.keylog_filename = keylog
    return ctx


def tls_kv(mc_port, redis_port):
    from pymemcache.client.base import Client

    ctx = tls_context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # one connection of each version
    c = Client(("127.0.0.1", int(mc_port)), timeout=5, connect_timeout=5, tls_context=ctx)
    c.set("user:1", b"alice")
    for _ in range(3):
        c.get("user:1")
    c.get_many(["user:1", "missing:1"])
    c.set("blob", b"B" * 40000)  # a value over several TLS records
    c.get("blob")
    c.delete("user:1")
    c.close()

    import redis

    # redis-py builds its context with ssl.create_default_context(), which honours
    # SSLKEYLOGFILE.
    r = redis.Redis(host="127.0.0.1", port=int(redis_port), ssl=True, ssl_cert_reqs="none",
                    ssl_min_version=ssl.TLSVersion.TLSv1_3, socket_timeout=5)
    r.set("k1", "v1")
    r.get("k1")
    r.get("nothere")
    p = r.pipeline(transaction=False)
    for i in range(5):
        p.incr("counter")
    p.execute()
    try:
        r.execute_command("NOSUCHCOMMAND")
    except redis.ResponseError:
        pass
    r.close()


GRPC_SERVICE = "wirelens.Shop"


def grpc_server(port):
    import grpc
    from concurrent import futures

    def get_item(request, context):
        if request == b"missing":
            context.abort(grpc.StatusCode.NOT_FOUND, "no item named missing")
        return b"item:" + request

    def slow(request, context):
        time.sleep(0.2)
        return b"done"

    def list_items(request, context):
        for i in range(3):
            yield b"item-%d" % i

    handlers = {
        "GetItem": grpc.unary_unary_rpc_method_handler(get_item),
        "Slow": grpc.unary_unary_rpc_method_handler(slow),
        "ListItems": grpc.unary_stream_rpc_method_handler(list_items),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(GRPC_SERVICE, handlers),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination(timeout=120)


def grpc_client(port):
    import grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        get = ch.unary_unary(f"/{GRPC_SERVICE}/GetItem")
        get(b"apple", timeout=5)
        get(b"pear", timeout=5)
        try:
            get(b"missing", timeout=5)
        except grpc.RpcError:
            pass
        ch.unary_unary(f"/{GRPC_SERVICE}/Slow")(b"", timeout=5)
        for _ in ch.unary_stream(f"/{GRPC_SERVICE}/ListItems")(b"", timeout=5):
            pass
        try:
            ch.unary_unary(f"/{GRPC_SERVICE}/NoSuchMethod")(b"", timeout=5)
        except grpc.RpcError:
            pass


def pgsql(port):
    import psycopg

    dsn = f"host=127.0.0.1 port={port} user=wl password=wl dbname=shop sslmode=disable connect_timeout=5"
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric)")
        for i in range(5):  # extended protocol: Parse/Bind/Describe/Execute/Sync
            cur.execute("INSERT INTO orders (customer, total) VALUES (%s, %s)", (f"c{i}", i * 10))
        cur.execute("SELECT id, customer, total FROM orders ORDER BY id")
        cur.fetchall()
        cur.execute("SELECT pg_sleep(0.3), 'slow'")  # a slow query
        try:
            cur.execute("SELECT * FROM no_such_table")  # 42P01
        except psycopg.Error:
            pass
        try:
            cur.execute("SELEC 1")  # 42601
        except psycopg.Error:
            pass
        # A server-side prepared statement, executed several times.
        for i in range(4):
            cur.execute("SELECT customer FROM orders WHERE id = %s", (i + 1,), prepare=True)
            cur.fetchall()
        # The simple query protocol: several statements in one Query message.
        cur.execute(b"BEGIN; UPDATE orders SET total = total + 1 WHERE id < 3; COMMIT")
        with conn.transaction():
            cur.execute("DELETE FROM orders WHERE id = %s", (5,))
    # A failed login.
    try:
        psycopg.connect(dsn.replace("password=wl", "password=wrong"))
    except psycopg.Error:
        pass


def mysql_tls(port):
    import pymysql

    def connect(password="wl", tls12=False):
        ctx = tls_context()
        if tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        return pymysql.connect(host="127.0.0.1", port=int(port), user="wl", password=password,
                               database="shop", ssl=ctx, connect_timeout=5, autocommit=True)

    conn = connect()
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(40), total INT)")
        for i in range(3):
            cur.execute("INSERT INTO orders (customer, total) VALUES (%s, %s)", (f"c{i}", i * 10))
        cur.execute("SELECT id, customer, total FROM orders ORDER BY id")
        cur.fetchall()
        cur.execute("SELECT SLEEP(0.3), 'slow'")  # a slow query
        try:
            cur.execute("SELECT * FROM no_such_table")  # 1146
        except pymysql.MySQLError:
            pass
        cur.execute("UPDATE orders SET total = total + 1 WHERE id < 3")
    conn.close()
    # A failed login, over TLS 1.2.
    try:
        connect("wrong", tls12=True).close()
    except pymysql.MySQLError:
        pass


class PgClient:
    """A PostgreSQL frontend/backend protocol 3 client (PostgreSQL's documentation,
    §55.2, §55.7) over a socket, TLS after an SSLRequest answered 'S'. libpq 15 cannot
    write a key log; Python's ssl can (keylog_filename). Each send() is one write, so the
    capture shows the messages as a driver batches them."""

    def __init__(self, port, tls_version=None):
        import struct

        self.struct = struct
        self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
        self.sock.sendall(struct.pack("!II", 8, 80877103))  # SSLRequest
        self.answer = self.sock.recv(1)
        if self.answer == b"S":
            ctx = tls_context()
            ctx.minimum_version = ctx.maximum_version = tls_version
            self.sock = ctx.wrap_socket(self.sock)
        self.buf = b""

    @staticmethod
    def msg(kind, body=b""):
        import struct

        return kind + struct.pack("!I", len(body) + 4) + body

    def send(self, *messages):
        self.sock.sendall(b"".join(messages))

    def read(self):
        """The next message: (type, body)."""
        while True:
            if len(self.buf) >= 5:
                n = self.struct.unpack("!I", self.buf[1:5])[0]
                if len(self.buf) >= 1 + n:
                    kind, body = self.buf[:1], self.buf[5:1 + n]
                    self.buf = self.buf[1 + n:]
                    return kind, body
            more = self.sock.recv(65536)
            if not more:
                raise EOFError("server closed")
            self.buf += more

    def until_ready(self):
        """Messages up to ReadyForQuery; the SQLSTATE of an error, if any."""
        state = None
        while True:
            kind, body = self.read()
            if kind == b"E":
                state = dict((f[:1], f[1:]) for f in body.split(b"\0") if f).get(b"C")
            if kind == b"Z":
                return state

    def login(self, user, password, database):
        """StartupMessage and SCRAM-SHA-256 (RFC 5802, RFC 7677; §55.3.1), without
        channel binding; the SQLSTATE of a refusal, if any."""
        import base64
        import hashlib
        import hmac

        params = b"".join(k + b"\0" + v + b"\0" for k, v in [
            (b"user", user.encode()), (b"database", database.encode()),
            (b"application_name", b"wirelens")]) + b"\0"
        body = self.struct.pack("!I", 196608) + params
        self.send(self.struct.pack("!I", len(body) + 4) + body)
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=,r={nonce}"
        while True:
            kind, body = self.read()
            if kind == b"E":
                return dict((f[:1], f[1:]) for f in body.split(b"\0") if f).get(b"C")
            if kind != b"R":
                continue
            code = self.struct.unpack("!I", body[:4])[0]
            if code == 10:  # AuthenticationSASL: the mechanisms
                data = ("n,," + first_bare).encode()
                self.send(self.msg(b"p", b"SCRAM-SHA-256\0" + self.struct.pack("!I", len(data)) + data))
            elif code == 11:  # AuthenticationSASLContinue: the server-first-message
                server_first = body[4:].decode()
                attrs = dict(a.split("=", 1) for a in server_first.split(","))
                salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                             base64.b64decode(attrs["s"]), int(attrs["i"]))
                client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
                stored = hashlib.sha256(client_key).digest()
                without_proof = f"c=biws,r={attrs['r']}"
                auth = f"{first_bare},{server_first},{without_proof}".encode()
                sig = hmac.new(stored, auth, hashlib.sha256).digest()
                proof = bytes(a ^ b for a, b in zip(client_key, sig))
                self.send(self.msg(b"p", f"{without_proof},p={base64.b64encode(proof).decode()}".encode()))
            elif code == 0:  # AuthenticationOk
                return self.until_ready()

    def query(self, sql):
        self.send(self.msg(b"Q", sql.encode() + b"\0"))
        return self.until_ready()

    def close(self):
        self.send(self.msg(b"X"))
        self.sock.close()


def pgsql_tls(port):
    c = PgClient(port, ssl.TLSVersion.TLSv1_3)
    assert c.answer == b"S", c.answer
    assert c.login("wl", "wl", "shop") is None
    c.query("CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric)")
    c.query("INSERT INTO orders (customer, total) VALUES ('c0', 0), ('c1', 10), ('c2', 20)")
    c.query("SELECT id, customer, total FROM orders ORDER BY id")
    c.query("SELECT pg_sleep(0.3), 'slow'")  # a slow query
    assert c.query("SELECT * FROM no_such_table") == b"42P01"
    # The extended protocol: a statement prepared by name, run twice.
    m, p = PgClient.msg, c.struct.pack
    param = lambda v: p("!HHI", 0, 1, len(v)) + v + p("!H", 0)  # one parameter, as text
    c.send(m(b"P", b"by_id\0SELECT customer, total FROM orders WHERE id = $1\0" + p("!H", 0)),
           m(b"B", b"\0by_id\0" + param(b"1")), m(b"D", b"P\0"), m(b"E", b"\0" + p("!I", 0)),
           m(b"S"))
    c.until_ready()
    c.send(m(b"B", b"\0by_id\0" + param(b"2")), m(b"D", b"P\0"), m(b"E", b"\0" + p("!I", 0)),
           m(b"S"))
    c.until_ready()
    c.close()
    # TLS 1.2: a query on another connection.
    c = PgClient(port, ssl.TLSVersion.TLSv1_2)
    assert c.answer == b"S", c.answer
    assert c.login("wl", "wl", "shop") is None
    c.query("UPDATE orders SET total = total + 1 WHERE id < 3")
    c.close()


def pgsql_refused(port):
    # ssl = off: the SSLRequest is answered 'N', the StartupMessage follows in clear, and
    # pg_hba.conf (hostssl only) refuses it (28000).
    c = PgClient(port)
    assert c.answer == b"N", c.answer
    assert c.login("wl", "wl", "shop") == b"28000"
    c.sock.close()


def quic_server(port, cert, key):
    import asyncio
    from aioquic.asyncio import serve
    from aioquic.h3.connection import H3_ALPN, H3Connection
    from aioquic.h3.events import HeadersReceived
    from aioquic.asyncio.protocol import QuicConnectionProtocol
    from aioquic.quic.configuration import QuicConfiguration

    class Server(QuicConnectionProtocol):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.h3 = H3Connection(self._quic)

        def quic_event_received(self, event):
            for ev in self.h3.handle_event(event):
                if isinstance(ev, HeadersReceived):
                    path = dict(ev.headers).get(b":path", b"/")
                    status = b"200" if path == b"/" else b"404"
                    body = b"hello over HTTP/3\n" if status == b"200" else b"not found\n"
                    self.h3.send_headers(ev.stream_id, [(b":status", status),
                                                        (b"content-type", b"text/plain")])
                    self.h3.send_data(ev.stream_id, body, end_stream=True)
                    self.transmit()

    async def main():
        config = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
        config.load_cert_chain(cert, key)
        await serve("127.0.0.1", int(port), configuration=config, create_protocol=Server)
        await asyncio.sleep(120)

    asyncio.run(main())


def quic_client(port, keylog, connections=2, extra_alpn=0):
    import asyncio
    from aioquic.asyncio import connect
    from aioquic.asyncio.protocol import QuicConnectionProtocol
    from aioquic.h3.connection import H3_ALPN, H3Connection
    from aioquic.h3.events import DataReceived
    from aioquic.quic.configuration import QuicConfiguration

    class Client(QuicConnectionProtocol):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.h3 = H3Connection(self._quic)
            self.waiting = {}

        def quic_event_received(self, event):
            for ev in self.h3.handle_event(event):
                if isinstance(ev, DataReceived) and ev.stream_ended:
                    self.waiting.pop(ev.stream_id).set_result(True)

        async def get(self, path):
            sid = self._quic.get_next_available_stream_id()
            self.h3.send_headers(sid, [(b":method", b"GET"), (b":scheme", b"https"),
                                       (b":authority", b"quic.wirelens.test"),
                                       (b":path", path.encode())], end_stream=True)
            fut = asyncio.get_running_loop().create_future()
            self.waiting[sid] = fut
            self.transmit()
            await asyncio.wait_for(fut, 5)

    async def main():
        with open(keylog, "a") as log:
            # extra_alpn: names offered after h3 (a ClientHello longer than one packet).
            alpn = H3_ALPN + ["x-wirelens-%03d" % i for i in range(int(extra_alpn))]
            config = QuicConfiguration(is_client=True, alpn_protocols=alpn,
                                       server_name="quic.wirelens.test", secrets_log_file=log)
            config.verify_mode = ssl.CERT_NONE
            async with connect("127.0.0.1", int(port), configuration=config,
                               create_protocol=Client) as c:
                await c.get("/")
                await c.get("/missing")

    for _ in range(int(connections)):
        asyncio.run(main())


if __name__ == "__main__":
    kind, args = sys.argv[1], sys.argv[2:]
    {"tls-kv": tls_kv, "grpc-server": grpc_server, "grpc": grpc_client, "pgsql": pgsql,
     "mysql-tls": mysql_tls, "pgsql-tls": pgsql_tls, "pgsql-refused": pgsql_refused,
     "quic-server": quic_server, "quic": quic_client,
     # One connection whose ClientHello (150 more ALPN names) takes two Initial packets.
     "quic-long-hello": lambda port, keylog: quic_client(port, keylog, 1, 150)}[kind](*args)
