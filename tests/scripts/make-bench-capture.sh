#!/usr/bin/env bash
# Makes the large benchmark capture: real HTTP traffic (wrk against nginx serving static
# files of 1 KB … 1 MB, plus 404s) and real memcached traffic (text protocol get/set/
# delete/multi-get, values from a few bytes to 1.9 MB, memcached -I 2m), captured with
# tcpdump on loopback until the file reaches SIZE_MB MiB. Loopback packets can be up to
# 64 KB: that is real too.
#
# Usage: tests/scripts/make-bench-capture.sh [--force] [OUT] [SIZE_MB]
#   OUT      default: bench-data/bench.pcap (bench-data/ is gitignored)
#   SIZE_MB  default: 1024
#   --force  capture again even if OUT exists and is big enough
# Environment: HTTP_PORT (18480), MC_PORT (21411), WRK_DELAY_MS (pacing of each wrk
# connection, default 1), MAX_SECONDS (give up after this long, default 900), NO_INSTALL=1
# (never apt-get install; fail with the command instead).
#
# Needs root (tcpdump), nginx-light, memcached, wrk, tcpdump, python3 and capinfos;
# missing Debian packages are installed with apt-get. Everything it starts is stopped on
# exit, whatever the exit.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
force=0
pos=()
for arg in "$@"; do
    case $arg in
        --force) force=1 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $arg" >&2; exit 2 ;;
        *) pos+=("$arg") ;;
    esac
done
out=${pos[0]:-$repo/bench-data/bench.pcap}
size_mb=${pos[1]:-1024}
if ! [[ $size_mb =~ ^[0-9]+$ ]] || ((size_mb == 0)); then
    echo "SIZE_MB must be a positive number of MiB, not '$size_mb'" >&2
    exit 2
fi
target=$((size_mb * 1024 * 1024))
# Non-default ports: a memcached or web server already running here, or another test's,
# is left alone and stays out of the capture filter.
http_port=${HTTP_PORT:-18480}
mc_port=${MC_PORT:-21411}
wrk_delay_ms=${WRK_DELAY_MS:-1}
max_seconds=${MAX_SECONDS:-900}

if [[ $force == 0 && -f $out ]] && (($(stat -c %s "$out") >= target)); then
    echo "==> $out exists ($(stat -c %s "$out") bytes >= $size_mb MiB); skipping (--force to redo)"
    exit 0
fi

need=()
for tool in nginx:nginx-light memcached:memcached wrk:wrk tcpdump:tcpdump capinfos:wireshark-common python3:python3; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
    if [[ ${NO_INSTALL:-0} == 1 || $(id -u) != 0 ]]; then
        echo "missing ${need[*]}: run \`apt-get install -y ${need[*]}\` as root" >&2
        exit 1
    fi
    echo "==> apt-get install -y ${need[*]}"
    apt-get install -y "${need[@]}" || { apt-get update && apt-get install -y "${need[@]}"; }
fi
if [[ $(id -u) != 0 ]]; then
    echo "tcpdump on lo needs root" >&2
    exit 1
fi

for port in "$http_port" "$mc_port"; do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null; then
        echo "port $port is already in use; set HTTP_PORT / MC_PORT" >&2
        exit 1
    fi
done

mkdir -p "$(dirname "$out")"
source "$(dirname "$0")/lib.sh"
# The capture is written next to OUT and renamed when complete: OUT is never half a file.
partial="$out.partial.$$"
on_exit() { rm -f "$partial"; }
trap 'exit 130' INT TERM

# Static files of mixed sizes; random bytes so nothing along the way could shrink them.
mkdir -p "$WORK/www/static" "$WORK/www/img"
head -c 1024 /dev/urandom | base64 -w 76 >"$WORK/www/index.html"
head -c 4096 /dev/urandom | base64 -w 76 >"$WORK/www/static/app.css"
head -c 10240 /dev/urandom >"$WORK/www/static/app.js"
head -c 51200 /dev/urandom >"$WORK/www/img/photo.jpg"
head -c 102400 /dev/urandom >"$WORK/www/img/banner.png"
head -c 1048576 /dev/urandom >"$WORK/www/static/bundle.bin"
printf '{"service":"wirelens-bench","ok":true}\n' >"$WORK/www/api.json"

cat >"$WORK/nginx.conf" <<CONF
# One process, as the invoking user (root): the temp dir is not readable by nobody.
master_process off;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    types { text/html html; text/css css; application/javascript js; image/jpeg jpg;
            image/png png; application/json json; application/octet-stream bin; }
    server {
        listen 127.0.0.1:$http_port;
        root $WORK/www;
        location / { }
    }
}
CONF

# Weighted paths: by count mostly small responses, by bytes mostly the large ones;
# and each connection pauses a little between requests, as real clients do.
cat >"$WORK/mix.lua" <<LUA
local paths = {
  {"/", 300}, {"/api.json", 200}, {"/static/app.css", 150}, {"/static/app.js", 100},
  {"/img/photo.jpg", 60}, {"/img/banner.png", 30}, {"/static/bundle.bin", 5},
  {"/no/such/page", 90}, {"/img/missing.png", 65},
}
local total = 0
for _, p in ipairs(paths) do total = total + p[2] end
math.randomseed(os.time())
request = function()
  local r = math.random(total)
  for _, p in ipairs(paths) do
    r = r - p[2]
    if r <= 0 then return wrk.format("GET", p[1]) end
  end
end
delay = function() return math.random(0, 2 * $wrk_delay_ms) end
LUA

cat >"$WORK/mc_client.py" <<'PY'
"""memcached text-protocol client: gets (hot keys more often), sets of mixed value
sizes (a few over 1 MB), multi-gets, deletes, misses. Runs until the stop file exists."""
import os, random, socket, sys, time

port, stop, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)

def value_size(k):
    # Each key keeps its size class (a value's size depends on what it is), with some
    # jitter between sets.
    r = random.Random(k).random()
    if r < 0.600: base = 8 + int(r * 800)
    elif r < 0.900: base = 1024 + int((r - 0.6) * 24000)
    elif r < 0.980: base = 20_000 + int((r - 0.9) * 2_000_000)
    elif r < 0.995: base = 200_000 + int((r - 0.98) * 45_000_000)
    else: base = 1_100_000 + int((r - 0.995) * 160_000_000)   # over 1 MB (memcached -I 2m)
    return min(1_950_000, max(1, int(base * rng.uniform(0.9, 1.1))))

def key():
    # Zipf-like: a few hot keys, a long tail.
    n = int(rng.paretovariate(1.2)) % 5000
    return b"user:%d:profile" % n if n % 3 else b"session:%08x" % (n * 2654435761 % 2**32)

class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        l, _, self.buf = self.buf.partition(b"\r\n")
        return l
    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d
    def fill(self):
        c = self.s.recv(1 << 20)
        if not c:
            raise ConnectionError("memcached closed the connection")
        self.buf += c
    def get(self, *keys):
        self.s.sendall(b"get " + b" ".join(keys) + b"\r\n")
        while True:
            l = self.line()
            if l == b"END":
                return
            n = int(l.split()[3])
            self.exact(n + 2)
    def set(self, k, n):
        blob = bytes([rng.randrange(32, 127)]) * n
        self.s.sendall(b"set %s 0 300 %d\r\n%s\r\n" % (k, n, blob))
        self.line()
    def delete(self, k):
        self.s.sendall(b"delete %s\r\n" % k)
        self.line()

conns = [Conn() for _ in range(3)]
i = 0
while True:
    if i % 64 == 0 and os.path.exists(stop):
        break
    i += 1
    c = rng.choice(conns)
    r = rng.random()
    if r < 0.60:
        c.get(key())
    elif r < 0.85:
        k = key()
        c.set(k, value_size(k))
    elif r < 0.92:
        c.get(*[key() for _ in range(rng.randint(2, 8))])
    elif r < 0.96:
        c.delete(key())
    else:
        c.get(b"missing:%d" % rng.randint(0, 10**9))
    # Now and then a client goes away and a new one connects (new TCP sessions).
    if rng.random() < 0.002:
        j = conns.index(c)
        c.s.sendall(b"quit\r\n")
        c.s.close()
        conns[j] = Conn()
    if rng.random() < 0.3:
        time.sleep(rng.random() * 0.002)
PY

echo "==> nginx on 127.0.0.1:$http_port, memcached on 127.0.0.1:$mc_port (temp dir $WORK)"
nginx -p "$WORK" -c "$WORK/nginx.conf" 2>"$WORK/nginx.stderr" &
PIDS+=($!)
memcached -u root -l 127.0.0.1 -p "$mc_port" -U 0 -m 512 -I 2m -c 64 &
PIDS+=($!)

wait_port "$http_port"
wait_port "$mc_port"

# No -U: packets are written a buffer at a time, as fast as loopback makes them.
TCPDUMP=(tcpdump -i lo -B 65536)
echo "==> ${TCPDUMP[*]} -s 0 -w $partial 'tcp port $http_port or tcp port $mc_port'"
start_dump "$partial" "tcp port $http_port or tcp port $mc_port"
dump=$DUMP
sleep 0.3

echo "==> traffic until the capture reaches $size_mb MiB (wrk -t2 -c8, 2 memcached clients)"
python3 "$WORK/mc_client.py" "$mc_port" "$WORK/stop" 1 &
PIDS+=($!)
python3 "$WORK/mc_client.py" "$mc_port" "$WORK/stop" 2 &
PIDS+=($!)

start=$SECONDS
size=0
while ((size < target)); do
    if ((SECONDS - start > max_seconds)); then
        echo "gave up after $max_seconds s: the capture has only $size bytes" >&2
        exit 1
    fi
    # Bounded runs, one after another; each stops at its duration or when we have enough.
    timeout -s INT 65 wrk -t2 -c8 -d60s --timeout 5s -s "$WORK/mix.lua" "http://127.0.0.1:$http_port" \
        >"$WORK/wrk.out" 2>&1 &
    wrk_pid=$!
    PIDS+=($wrk_pid)
    while kill -0 "$wrk_pid" 2>/dev/null; do
        size=$(stat -c %s "$partial" 2>/dev/null || echo 0)
        if ((size >= target || SECONDS - start > max_seconds)); then
            kill -INT "$wrk_pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    wait "$wrk_pid" 2>/dev/null || true
    grep -E "Requests/sec|Transfer/sec|Non-2xx" "$WORK/wrk.out" | sed 's/^/    wrk: /' || true
    size=$(stat -c %s "$partial" 2>/dev/null || echo 0)
    printf '    %d MiB after %d s\n' $((size / 1048576)) $((SECONDS - start))
done

touch "$WORK/stop"
sleep 0.5
stop_dump "$dump" "$partial"
mv "$partial" "$out"
echo "==> wrote $out"
capinfos -t -c -s -d -u -y -i -z "$out"
