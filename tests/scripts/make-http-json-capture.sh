#!/usr/bin/env bash
# Captures tests/data/servers/http-json.pcap (or $1): a Python HTTP/1.1 server on
# loopback port 28085 answering JSON and other bodies, and those with none (HEAD, 204,
# 304), to requests with JSON and form bodies (tests/scripts/http_json_traffic.py); then
# http-json-cut.pcap beside it: the same without the middle segment of the first long
# JSON body (a lost segment) and ending inside the last one (a capture cut short), cut
# with editcap at the frames tshark finds. Needs root (tcpdump), tshark and editcap.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(dirname "${1:-$ROOT/tests/data/servers/http-json.pcap}")
NAME=$(basename "${1:-http-json.pcap}" .pcap)
source "$ROOT/tests/scripts/lib.sh"
need_packages tcpdump tshark
capture "$NAME" "tcp port 28085" python3 "$ROOT/tests/scripts/http_json_traffic.py" 28085
# The segments with payload of the server's long bodies: each holds `item-60` (the
# middle one) or `item-110` (the last one), in the order sent.
segs() { tshark -n -r "$OUT/$NAME.pcap" -Y "tcp.srcport == 28085 && tcp.payload contains \"$1\"" -T fields -e frame.number; }
mapfile -t middle < <(segs item-60)
mapfile -t last < <(segs item-110)
total=$(tshark -n -r "$OUT/$NAME.pcap" -T fields -e frame.number | tail -1)
keep_to=$((${last[1]} - 1))
editcap -r "$OUT/$NAME.pcap" "$WORK/head.pcap" "1-$keep_to"
editcap "$WORK/head.pcap" "$OUT/$NAME-cut.pcap" "${middle[0]}"
echo "$NAME-cut.pcap: frame ${middle[0]} dropped, frames after $keep_to of $total dropped"
