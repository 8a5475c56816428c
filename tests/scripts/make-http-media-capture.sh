#!/usr/bin/env bash
# Captures tests/data/servers/http-media.pcap (or $1): a Python HTTP/1.1 server on
# loopback port 28084 answering one keep-alive client with bodies of many media types,
# each fitting its type or not (tests/scripts/http_media_traffic.py). Needs root (tcpdump).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(dirname "${1:-$ROOT/tests/data/servers/http-media.pcap}")
NAME=$(basename "${1:-http-media.pcap}" .pcap)
source "$ROOT/tests/scripts/lib.sh"
need_packages tcpdump
capture "$NAME" "tcp port 28084" python3 "$ROOT/tests/scripts/http_media_traffic.py" 28084
