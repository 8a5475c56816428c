#!/usr/bin/env bash
# tests/data/servers/quic-hello.pcap (+ quic-hello.keylog): one aioquic HTTP/3 connection
# whose ClientHello offers 150 more ALPN names than h3, so that it takes two Initial
# packets (the detail shows it whole in the second, as tshark does). Same server and
# client as quic.pcap (tests/scripts/modern_traffic.py; make-modern-captures.sh).
#
# Usage: sudo tests/scripts/make-quic-hello-capture.sh [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/data/servers}
TRAFFIC="$ROOT/tests/scripts/modern_traffic.py"
mkdir -p "$OUT"
source "$ROOT/tests/scripts/lib.sh"

need_packages openssl tcpdump
python3 -c 'import aioquic' 2>/dev/null || pip install -q aioquic

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=quic.wirelens.test" \
    -addext "subjectAltName=DNS:quic.wirelens.test" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

python3 "$TRAFFIC" quic-server 24434 "$WORK/cert.pem" "$WORK/key.pem" &
PIDS+=($!)
sleep 2
: >"$WORK/quic-hello.keylog"
capture quic-hello "udp port 24434" python3 "$TRAFFIC" quic-long-hello 24434 "$WORK/quic-hello.keylog"
cp "$WORK/quic-hello.keylog" "$OUT/quic-hello.keylog"
