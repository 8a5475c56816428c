#!/usr/bin/env bash
# Makes the TLS benchmark captures: the same real HTTP/1.1 traffic (curl fetching files
# of 1 KB … 1 MB from nginx, keep-alive, 10 files a connection) over TLS 1.3 and 1.2
# (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, in turn) with curl's key log, and in
# clear, captured with tcpdump on loopback into two files until the TLS one reaches
# SIZE_MB MiB. The clear capture gets the same requests, so the two hold the same
# application bytes. Loopback packets can be up to 64 KB: that is real too.
#
# Usage: tests/scripts/make-tls-bench-capture.sh [OUT_DIR] [SIZE_MB]
#   OUT_DIR  default: bench-data/ (gitignored): tls-bench.pcap, tls-bench.keylog,
#            clear-bench.pcap
#   SIZE_MB  default: 1024
# Needs root (tcpdump), nginx, curl, openssl, tcpdump (apt-get installs what is missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/bench-data}
SIZE_MB=${2:-1024}
TLS_PORT=${TLS_PORT:-18443}
CLEAR_PORT=${CLEAR_PORT:-18081}
mkdir -p "$OUT"
source "$ROOT/tests/scripts/lib.sh"
chmod 755 "$WORK"
# A large buffer and no per-packet flush: the traffic runs flat out.
TCPDUMP=(tcpdump -i lo -B 262144)
need_packages nginx curl openssl tcpdump

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=bench.wirelens.test" \
    -addext "subjectAltName=DNS:bench.wirelens.test" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
chmod 644 "$WORK/key.pem"
mkdir -p "$WORK/www" "$WORK/nginx"
SIZES=(1 4 16 64 256 1024 2 8 32 512) # KiB, one file each
for s in "${SIZES[@]}"; do head -c $((s * 1024)) /dev/urandom >"$WORK/www/f$s.bin"; done
cat >"$WORK/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    keepalive_requests 1000;
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    server {
        listen 127.0.0.1:$TLS_PORT ssl;
        ssl_certificate $WORK/cert.pem;
        ssl_certificate_key $WORK/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305;
        root $WORK/www;
    }
    server { listen 127.0.0.1:$CLEAR_PORT; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf" &
PIDS+=($!)
wait_port "$TLS_PORT"
wait_port "$CLEAR_PORT"

start_dump "$OUT/tls-bench.pcap" "tcp port $TLS_PORT"
TLS_DUMP=$DUMP
start_dump "$OUT/clear-bench.pcap" "tcp port $CLEAR_PORT"
CLEAR_DUMP=$DUMP

urls() { # base
    for s in "${SIZES[@]}"; do printf -- '-o /dev/null %s/f%s.bin ' "$1" "$s"; done
}
TLS13=(TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256)
TLS12=(ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305)
target=$((SIZE_MB * 1024 * 1024))
i=0
while (($(stat -c %s "$OUT/tls-bench.pcap") < target)); do
    if ((i % 2 == 0)); then
        suite=(--tlsv1.3 --tls13-ciphers "${TLS13[$((i / 2 % 3))]}")
    else
        suite=(--tls-max 1.2 --ciphers "${TLS12[$((i / 2 % 3))]}")
    fi
    # shellcheck disable=SC2046
    SSLKEYLOGFILE="$WORK/keys.log" curl -sk --http1.1 "${suite[@]}" $(urls "https://127.0.0.1:$TLS_PORT")
    # shellcheck disable=SC2046
    curl -s --http1.1 $(urls "http://127.0.0.1:$CLEAR_PORT")
    i=$((i + 1))
done
sleep 1
stop_dump "$TLS_DUMP" "$OUT/tls-bench.pcap"
stop_dump "$CLEAR_DUMP" "$OUT/clear-bench.pcap"
cp "$WORK/keys.log" "$OUT/tls-bench.keylog"
echo "$i connections each"
ls -l "$OUT"/tls-bench.pcap "$OUT"/clear-bench.pcap "$OUT"/tls-bench.keylog
