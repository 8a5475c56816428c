#!/usr/bin/env bash
# Makes a fleet of sensors for the lake's measurements (issue 15): SENSORS directories of
# FILES rotated captures each, every sensor the same real traffic (the first PACKETS
# packets of the benchmark capture: wrk against nginx and memcached on loopback, made by
# make-bench-capture.sh) with its own addresses: clients 10.S.0.10, servers 10.S.1.1
# (tcpprep tells the sides by the servers' ports, tcprewrite rewrites them), split into
# FILES files by editcap as a capture daemon rotates them.
#
# Usage: tests/scripts/make-fleet.sh OUT [SOURCE] [SENSORS] [FILES] [PACKETS]
#   OUT      the fleet: OUT/web01/web01-00000_….pcap …
#   SOURCE   default bench-data/bench.pcap
#   SENSORS  default 10;  FILES default 20;  PACKETS default 120000 (≈ 550 MB a sensor)
# Ports of the servers: HTTP_PORT (18480), MC_PORT (21411), as make-bench-capture.sh.
# Needs tcpprep, tcprewrite (Debian's tcpreplay) and editcap (wireshark-common).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: make-fleet.sh OUT [SOURCE] [SENSORS] [FILES] [PACKETS]}
src=${2:-$repo/bench-data/bench.pcap}
sensors=${3:-10}
files=${4:-20}
packets=${5:-120000}
for tool in tcpprep tcprewrite editcap; do
    command -v "$tool" >/dev/null || { echo "make-fleet.sh: $tool is missing (apt-get install tcpreplay wireshark-common)" >&2; exit 2; }
done
[ -f "$src" ] || { echo "make-fleet.sh: no $src (tests/scripts/make-bench-capture.sh makes it)" >&2; exit 2; }

mkdir -p "$out"
tmp=$(mktemp -d "$out/.make-fleet.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
editcap -r "$src" "$tmp/head.pcap" "1-$packets"
printf 'bench-http %s/tcp\nbench-memcached %s/tcp\n' "${HTTP_PORT:-18480}" "${MC_PORT:-21411}" >"$tmp/services"
tcpprep --port --services="$tmp/services" -i "$tmp/head.pcap" -o "$tmp/head.cache"
per_file=$(( (packets + files - 1) / files ))
for s in $(seq 1 "$sensors"); do
    name=$(printf 'web%02d' "$s")
    mkdir -p "$out/$name"
    tcprewrite --endpoints="10.$s.0.10:10.$s.1.1" --cachefile="$tmp/head.cache" \
        -i "$tmp/head.pcap" -o "$tmp/$name.pcap"
    editcap -c "$per_file" "$tmp/$name.pcap" "$out/$name/$name.pcap"
    rm "$tmp/$name.pcap"
    echo "$name: $(ls "$out/$name" | wc -l) files, $(du -sh "$out/$name" | cut -f1)"
done
du -sh "$out"
