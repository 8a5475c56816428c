# Shared by the capture scripts (`source "$(dirname "$0")/lib.sh"`): a scratch directory
# and background processes stopped on exit, Debian packages installed when missing,
# waiting for a port, and tcpdump started only once it is capturing.
#
# After sourcing: $WORK is a fresh directory; a background process is added with
# `PIDS+=($!)`; a script defines `on_exit` for more clean-up (it runs after the processes
# are stopped, before $WORK is removed). $TCPDUMP is the tcpdump `capture` runs: on
# loopback unless the script sets another (an interface in a namespace, a larger buffer).

WORK=$(mktemp -d)
PIDS=()
TCPDUMP=(tcpdump -i lo -B 65536 -U --immediate-mode)
_lib_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if declare -F on_exit >/dev/null; then on_exit || true; fi
    rm -rf "$WORK"
}
trap _lib_cleanup EXIT

# need_packages PKG...: installs the Debian packages not installed yet.
need_packages() {
    local missing=() p
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ((${#missing[@]})); then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
}

# wait_port PORT: returns once something listens on 127.0.0.1:PORT (fails after 10 s).
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2
    return 1
}

# start_dump FILE FILTER: $TCPDUMP writes FILE in the background (its pid in $DUMP and in
# PIDS; its messages in FILE.log under $WORK), returning once it is capturing (slow on a
# busy machine).
start_dump() {
    local log
    log="$WORK/$(basename "$1").log"
    "${TCPDUMP[@]}" -s 0 -w "$1" "$2" 2>"$log" &
    DUMP=$!
    PIDS+=("$DUMP")
    for _ in $(seq 100); do
        grep -q "listening on" "$log" 2>/dev/null && break
        sleep 0.1
    done
}

# stop_dump PID FILE: stops that tcpdump and says how many packets FILE has, and what the
# kernel dropped.
stop_dump() {
    kill -INT "$1"
    wait "$1" || true
    echo "$(basename "$2"): $(tcpdump -r "$2" 2>/dev/null | wc -l) packets; $(grep -h "dropped by kernel" "$WORK/$(basename "$2").log")"
}

# capture NAME FILTER COMMAND...: $TCPDUMP writes $OUT/NAME.pcap while COMMAND runs.
capture() {
    local name=$1 filter=$2
    shift 2
    start_dump "$OUT/$name.pcap" "$filter"
    local dump=$DUMP
    sleep 0.5
    "$@"
    sleep 0.5
    stop_dump "$dump" "$OUT/$name.pcap"
}
