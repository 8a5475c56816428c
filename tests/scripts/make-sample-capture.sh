#!/usr/bin/env bash
# Makes static/sample.pcapng, the capture the page opens on first visit: real HTTP
# traffic to nginx and real memcached traffic (TCP text protocol and one UDP request),
# captured with tcpdump on loopback. Needs root (tcpdump), nginx-light, memcached,
# curl, python3 and editcap.
#
# Usage: tests/scripts/make-sample-capture.sh [OUTPUT]   (default: static/sample.pcapng)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/static/sample.pcapng}
# Non-default ports so a memcached or web server already running here is left alone.
http_port=${HTTP_PORT:-18080}
mc_port=${MC_PORT:-21211}

source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/www/static"
cat >"$WORK/www/index.html" <<'HTML'
<!doctype html>
<html><head><title>Wirelens sample</title></head>
<body><h1>Hello from nginx</h1><p>This page was served on loopback for the Wirelens sample capture.</p></body></html>
HTML
# A body larger than one segment at the default MSS of a real link, and a JSON document.
python3 -c 'import sys; sys.stdout.write("".join(f"line {i:05d} of a plain-text file served by nginx\n" for i in range(400)))' \
    >"$WORK/www/static/notes.txt"
printf '{"service":"wirelens-sample","items":[1,2,3],"ok":true}\n' >"$WORK/www/api.json"

cat >"$WORK/nginx.conf" <<CONF
# One process, as the invoking user (root): the temp dir is not readable by nobody.
master_process off;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events {}
http {
    access_log $WORK/access.log;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    types { text/html html; text/plain txt; application/json json; }
    server {
        listen 127.0.0.1:$http_port;
        root $WORK/www;
        location / { }
    }
}
CONF

nginx -p "$WORK" -c "$WORK/nginx.conf" 2>"$WORK/nginx.stderr" &
PIDS+=($!)
memcached -u root -l 127.0.0.1 -p "$mc_port" -U "$mc_port" -m 16 &
PIDS+=($!)
wait_port "$http_port"
wait_port "$mc_port"

start_dump "$WORK/raw.pcap" "port $http_port or port $mc_port"
dump=$DUMP
sleep 0.3

base=http://127.0.0.1:$http_port
curl -sS -o /dev/null "$base/"
sleep 0.05
# Two requests on one keep-alive connection.
curl -sS -o /dev/null -o /dev/null "$base/api.json" "$base/static/notes.txt"
sleep 0.05
curl -sS -o /dev/null "$base/no/such/page"   # 404
sleep 0.05
curl -sS -o /dev/null -X POST -d 'name=wirelens&kind=sample' "$base/api.json"   # 405
sleep 0.05

MC_PORT=$mc_port python3 - <<'PY'
import os, socket, time

port = int(os.environ["MC_PORT"])

def roundtrip(sock, req, until):
    sock.sendall(req)
    buf = b""
    while not buf.endswith(until):
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf

s = socket.create_connection(("127.0.0.1", port))
roundtrip(s, b"set greeting 0 0 5\r\nhello\r\n", b"\r\n")
roundtrip(s, b"get greeting\r\n", b"END\r\n")
roundtrip(s, b"get missing-key\r\n", b"END\r\n")
value = b"x" * 6000
roundtrip(s, b"set big:value 0 300 %d\r\n%s\r\n" % (len(value), value), b"\r\n")
roundtrip(s, b"get big:value\r\n", b"END\r\n")
roundtrip(s, b"incr missing-counter 1\r\n", b"\r\n")
roundtrip(s, b"delete greeting\r\n", b"\r\n")
s.sendall(b"quit\r\n")
s.close()
time.sleep(0.05)

# A second client: several gets on one connection.
s = socket.create_connection(("127.0.0.1", port))
for i in range(5):
    roundtrip(s, b"set user:%d 0 0 2\r\n%02d\r\n" % (i, i), b"\r\n")
roundtrip(s, b"get user:0 user:1 user:2 user:3 user:4\r\n", b"END\r\n")
s.close()
time.sleep(0.05)

# memcached's UDP protocol: an 8-byte frame header (request id, sequence, count, reserved).
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(2)
u.sendto(b"\x00\x01\x00\x00\x00\x01\x00\x00get user:3\r\n", ("127.0.0.1", port))
u.recvfrom(65536)
u.close()
PY

sleep 0.3
stop_dump "$dump" "$WORK/raw.pcap"

mkdir -p "$(dirname "$out")"
editcap -F pcapng "$WORK/raw.pcap" "$out"
echo "wrote $out: $(tshark -r "$out" 2>/dev/null | wc -l) packets, $(stat -c %s "$out") bytes"
