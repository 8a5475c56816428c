#!/usr/bin/env bash
# Captures real traffic between real servers and real clients on loopback, one file per
# protocol, into tests/data/servers/ (or $1): memcached (text, pipelined, multi-get, a
# value over 1 MB, the binary protocol; memcached-fields: what Wireshark's memcache.*
# fields cover), Redis (pipelines, errors, a slow command), MariaDB (queries, a slow
# query, errors, a prepared statement), HTTP (nginx keep-alive, 404, pipelining; an
# application server with chunked bodies, a 500, a slow endpoint) and DNS (dnsmasq, UDP
# and TCP, NXDOMAIN).
#
# Servers run on non-default ports under a temporary directory and are stopped on exit;
# only loopback is used. Needs root (tcpdump) and Debian's memcached, redis-server,
# mariadb-server, nginx-light, dnsmasq-base, tcpdump, plus PyPI's pymemcache, pymysql,
# redis and dnspython; it installs what is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/data/servers}
TRAFFIC="$ROOT/tests/scripts/server_traffic.py"
mkdir -p "$OUT"
source "$ROOT/tests/scripts/lib.sh"
chmod 755 "$WORK" # nginx workers run as www-data

need_packages memcached redis-server mariadb-server nginx-light dnsmasq-base tcpdump
python3 -c 'import pymemcache, pymysql, redis, dns' 2>/dev/null || pip install -q pymemcache pymysql redis dnspython

# memcached, with items up to 2 MB so a value over 1 MB is stored.
memcached -u nobody -l 127.0.0.1 -p 21211 -U 0 -I 2m -m 64 &
PIDS+=($!)
wait_port 21211
capture memcached "tcp port 21211" python3 "$TRAFFIC" memcached 21211
capture memcached-fields "tcp port 21211" python3 "$TRAFFIC" memcached-fields 21211

redis-server --port 26379 --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --enable-debug-command yes --dir "$WORK" >/dev/null &
PIDS+=($!)
wait_port 26379
capture redis "tcp port 26379" python3 "$TRAFFIC" redis 26379

mkdir -p "$WORK/mysql"
mariadb-install-db --user=root --datadir="$WORK/mysql" --auth-root-authentication-method=normal >/dev/null 2>&1
mariadbd --user=root --datadir="$WORK/mysql" --socket="$WORK/mysql.sock" --port=23306 \
    --bind-address=127.0.0.1 --skip-grant-tables=0 --pid-file="$WORK/mysql.pid" >"$WORK/mysql.log" 2>&1 &
PIDS+=($!)
wait_port 23306
mariadb --socket="$WORK/mysql.sock" -uroot -e \
    "CREATE DATABASE shop; CREATE USER 'wl'@'127.0.0.1' IDENTIFIED BY 'wl'; GRANT ALL ON shop.* TO 'wl'@'127.0.0.1';"
capture mariadb "tcp port 23306" python3 "$TRAFFIC" mariadb 23306

mkdir -p "$WORK/www" "$WORK/nginx"
echo "<html><body>Wirelens test page</body></html>" >"$WORK/www/index.html"
head -c 300000 /dev/urandom >"$WORK/www/big.bin"
cat >"$WORK/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    server { listen 127.0.0.1:28080; root $WORK/www; keepalive_requests 100; }
}
CONF
nginx -c "$WORK/nginx.conf" &
PIDS+=($!)
python3 "$TRAFFIC" app-server 28081 &
PIDS+=($!)
wait_port 28080
wait_port 28081
capture http "tcp port 28080 or tcp port 28081" python3 "$TRAFFIC" http 28080 28081

cat >"$WORK/dnsmasq.conf" <<CONF
port=25353
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
address=/www.wirelens.test/10.9.8.7
address=/www.wirelens.test/fd00::7
address=/db.wirelens.test/10.9.8.8
mx-host=wirelens.test,mail.wirelens.test,10
cname=cache.wirelens.test,db.wirelens.test
local=/wirelens.test/
CONF
dnsmasq --keep-in-foreground --conf-file="$WORK/dnsmasq.conf" --pid-file="$WORK/dnsmasq.pid" --user=root &
PIDS+=($!)
wait_port 25353
capture dns "port 25353" python3 "$TRAFFIC" dns 25353
