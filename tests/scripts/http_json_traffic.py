#!/usr/bin/env python3
"""HTTP bodies of the media types tshark names in frame.protocols (json, xml,
data-text-lines, urlencoded-form, media) with what decides whether a body is handed to
its dissector at all, for tests/data/servers/http-json.pcap
(tests/scripts/make-http-json-capture.sh).

packet-http.c hands a message's body, dechunked and decoded, to the dissector of its
media type in the frame that completes the message: here JSON of every kind of value
(requests and responses), gzip and chunked bodies, an XML document sent as text/html
inside gzip and chunks, and the messages with no body to hand on (HEAD, 204, 304, an
empty one). A body of several segments comes last, then one that runs to the close; the
capture script cuts copies of the capture where a segment is lost and where the capture
ends inside a body.

Usage: http_json_traffic.py PORT   (serves on 127.0.0.1:PORT, runs the client, exits)
"""
import gzip
import http.client
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER = {
    "user": "ann",
    "age": 31,
    "admin": True,
    "guest": False,
    "tags": ["a", "b"],
    "spouse": None,
    "ratio": -1.5e3,
    "nested": {"error": "none", "empty": {}, "list": []},
}
ERROR = b'{"error": "not found", "code": 404}'
ARRAY = b'[1, "two", false, null, {"k": "v"}, [3, 4.25]]'
ESCAPED = '{"quote": "say \\"hi\\"", "back\\\\slash": "a\\\\b", "uni": "caf\\u00e9", "nl": "x\\ny"}'.encode()
XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<root><item>1</item></root>\n'
ITEMS = b", ".join(b'{"id": %d, "name": "item-%d"}' % (i, i) for i in range(120))
LONG = b'{"items": [' + ITEMS + b"]}"
# The long body cut in three segments, sent apart.
PIECES = [LONG[: len(LONG) // 3], LONG[len(LONG) // 3 : 2 * len(LONG) // 3], LONG[2 * len(LONG) // 3 :]]


def chunked(body, size):
    out = b""
    for i in range(0, len(body), size):
        part = body[i : i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


# path -> (status, headers, body as sent)
RESPONSES = {
    "/array": (200, [("Content-Type", "application/json")], ARRAY),
    "/escaped": (200, [("Content-Type", "application/json; charset=utf-8")], ESCAPED),
    "/gzip-json": (
        200,
        [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        gzip.compress(json.dumps(USER).encode(), mtime=0),
    ),
    "/chunked-json": (
        200,
        [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
        chunked(ARRAY, 10),
    ),
    "/chunked-gzip-xml": (
        200,
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
        chunked(gzip.compress(XML, mtime=0), 16),
    ),
    "/not-json": (200, [("Content-Type", "application/json")], b"this is not {json"),
    "/empty-json": (200, [("Content-Type", "application/json")], b""),
    "/204": (204, [("Content-Type", "application/json")], b""),
    "/304": (304, [("Content-Type", "application/json")], b""),
    "/ndjson": (200, [("Content-Type", "application/x-ndjson")], b'{"a": 1}\n{"b": [true]}\n'),
    "/text": (200, [("Content-Type", "text/plain")], b"line one\nline two\n"),
    "/xml": (200, [("Content-Type", "application/xml")], XML),
    "/octets": (200, [("Content-Type", "application/octet-stream")], b"\x00\x01\x02"),
    "/unknown": (200, [("Content-Type", "application/x-unknown")], b"what\n"),
    "/none": (200, [], b"no type\n"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def reply(self, status, headers, body, head=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status not in (204, 304) and not any(k == "Transfer-Encoding" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_HEAD(self):
        self.reply(200, [("Content-Type", "application/json")], ERROR, head=True)

    def do_GET(self):
        if self.path == "/long":
            # One body in three segments (each written apart, the socket without Nagle).
            body = b"".join(PIECES)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            for p in PIECES:
                time.sleep(0.05)
                self.wfile.write(p)
            return
        if self.path == "/until-close":
            # No length: the body runs to the close.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            time.sleep(0.05)
            self.wfile.write(b'{"closing": true}')
            self.close_connection = True
            return
        status, headers, body = RESPONSES.get(self.path, (404, [("Content-Type", "application/json")], ERROR))
        self.reply(status, headers, body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        if self.path == "/form":
            self.reply(200, [("Content-Type", "text/plain")], b"ok\n")
        else:
            self.reply(404, [("Content-Type", "application/json")], ERROR)


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/api", body=json.dumps(USER).encode(), headers={"Content-Type": "application/json"})
    conn.getresponse().read()
    conn.request("POST", "/form", body=b"name=ann&age=31", headers={"Content-Type": "application/x-www-form-urlencoded"})
    conn.getresponse().read()
    conn.request("POST", "/empty-post", body=b"", headers={"Content-Type": "application/json"})
    conn.getresponse().read()
    conn.request("HEAD", "/head")
    conn.getresponse().read()
    for path in RESPONSES:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        conn.getresponse().read()
    conn.request("GET", "/long")
    conn.getresponse().read()
    conn.close()
    # A second connection: the body delimited by the close.
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/until-close")
    conn.getresponse().read()
    conn.close()
    # A third: a long body again, which the script's cut copy ends inside.
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/long")
    conn.getresponse().read()
    conn.close()
    server.shutdown()


if __name__ == "__main__":
    main()
