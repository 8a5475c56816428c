#!/usr/bin/env python3
"""HTTP responses of many media types, each with a body that fits its type or not, for
tests/data/servers/http-media.pcap (tests/scripts/make-http-media-capture.sh).

packet-http.c hands a body to the dissector registered for its media type; when that
dissector rejects the bytes (a "GIF" that is not one), to the heuristic dissectors (PNG,
JFIF, GIF signatures); then to packet-media.c. Each name, dissector and kind of body
here is one of those paths, so the packet list's Protocol and Info can be compared with
tshark's for each.

Usage: http_media_traffic.py PORT   (serves on 127.0.0.1:PORT, runs the client, exits)
"""
import http.client
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(17)
GIF = b"GIF89a" + bytes([1, 0, 1, 0, 0, 0, 0]) + b";"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<root><item>1</item></root>\n'
XHTML = XML.replace(b"root", b"html")

# (path, Content-Type sent, body)
CASES = [
    ("/xml", "text/xml", XML),
    ("/app-xml", "application/xml; charset=utf-8", XML),
    ("/atom", "application/atom+xml", XML),
    ("/svg", "image/svg+xml", b"<svg/>"),
    ("/soap", "application/soap+xml", XML),
    ("/unregistered-xml", "application/x-thing+xml", XML),
    ("/xhtml", "text/html", XHTML),
    ("/short-xml-as-html", "text/html", b"<?xml version='1.0'?><a/>"),
    ("/html", "text/html; charset=ISO-8859-1", b"<html><body>hi</body></html>\n"),
    ("/plain", "text/plain", b"plain text\n"),
    ("/gif", "image/gif", GIF),
    ("/gif-not", "image/gif", b"\x00\x01not a gif at all"),
    ("/gif-png", "image/gif", PNG),
    ("/png", "image/png", PNG),
    ("/png-gif", "image/png", GIF),
    ("/png-not", "image/png", b"not a png"),
    ("/jpeg", "image/jpeg", JPEG),
    ("/jpeg-png", "image/jpeg", PNG),
    ("/jpeg-not", "image/jpeg", b"not a jpeg"),
    ("/fcs", "application/x-fcs", b"\x01"),
    ("/form", "application/x-www-form-urlencoded", b"a=1&b=2"),
    ("/octets", "application/octet-stream", b"\x00\x01\x02\x03"),
    ("/octets-png", "application/octet-stream", PNG),
    ("/js", "application/javascript", b"var a = 1;\n"),
    ("/js-gif", "application/javascript", GIF),
    ("/json", "application/json", b'{"a": 1}'),
    ("/problem", "application/problem+json", b'{"title": "x"}'),
    ("/none-png", None, PNG),
    ("/none-text", None, b"no type\n"),
    ("/upper", "Text/XML", XML),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        for path, ctype, body in CASES:
            if path == self.path:
                self.send_response(200)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        self.send_error(404)


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for path, _, _ in CASES:
        conn.request("GET", path)
        conn.getresponse().read()
    conn.close()
    server.shutdown()


if __name__ == "__main__":
    main()
