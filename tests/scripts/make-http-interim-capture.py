#!/usr/bin/env python3
"""Make tests/data/http/interim.pcap: HTTP/1.1 conversations on port 80 with 1xx interim
responses, as curl and nginx exchange them: a POST with `Expect: 100-continue` answered
`100 Continue` before its body is sent (its body cut over two segments), then the final
response; a PUT whose `100 Continue` comes in the same segment as the final response; an
interim response with a header of its own before a 500. packet-http.c
dissects each interim response as a response of its own (`http.response.code == 100`),
and pairs the request with the final one. Compared with tshark 4.0 by the filter and
columns goldens.

Usage: tests/scripts/make-http-interim-capture.py [OUT]
"""
import os
import sys

from tcp_talk import Conv, write_pcap  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "http", "interim.pcap")

BODY = b'{"name": "upload", "size": 24, "ok": true}'
frames = []

c = Conv(frames, 41080, 80)
c.send(True, b"POST /upload HTTP/1.1\r\nHost: api.example\r\nUser-Agent: curl/8.5.0\r\n"
       b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
       b"Content-Length: %d\r\n\r\n" % len(BODY))
c.send(False, b"HTTP/1.1 100 Continue\r\n\r\n")
c.cut(True, BODY, [20])
c.send(False, b"HTTP/1.1 201 Created\r\nServer: nginx\r\nContent-Type: text/plain\r\n"
       b"Content-Length: 7\r\n\r\ncreated")

c = Conv(frames, 41081, 80)
c.send(True, b"PUT /item/7 HTTP/1.1\r\nHost: api.example\r\nExpect: 100-continue\r\n"
       b"Content-Length: 5\r\n\r\n")
c.send(True, b"hello")
c.send(False, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nServer: nginx\r\n\r\n")

c = Conv(frames, 41082, 80)
c.send(True, b"POST /slow HTTP/1.1\r\nHost: api.example\r\nExpect: 100-continue\r\n"
       b"Content-Length: 4\r\n\r\n")
c.send(False, b"HTTP/1.1 100 Continue\r\nServer: nginx\r\n\r\n")
c.send(True, b"data")
c.send(False, b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")

write_pcap(OUT, frames, 1_700_000_000)
