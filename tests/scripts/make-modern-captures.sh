#!/usr/bin/env bash
# Captures real TLS, HTTP/2, gRPC, PostgreSQL and QUIC traffic between real servers and
# real clients on loopback into tests/data/servers/ (or $1), each TLS capture with the key
# log its clients wrote (NSS key log format, as SSLKEYLOGFILE writes it):
#
# - tls.pcap + tls.keylog: nginx, HTTP/1.1 over TLS 1.2 and 1.3 with each AEAD suite
#   (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305), curl: keep-alive, a 404, a 405, a body
#   over several records;
# - tls-dsb.pcapng: the same with the key log inside (editcap --inject-secrets);
# - tls-kv.pcap + tls-kv.keylog: memcached (TLS 1.2) and Redis (TLS 1.3) over TLS, Python
#   clients;
# - http2.pcap + http2.keylog: nginx, HTTP/2 over TLS 1.3 and 1.2 (ALPN h2) and cleartext
#   with prior knowledge (h2c), curl: streams one after another and multiplexed, a 404, a
#   POST, a body over many DATA frames;
# - grpc.pcap: grpcio client and server over h2c: unary calls, NOT_FOUND, UNIMPLEMENTED,
#   a slow call, server streaming;
# - pgsql.pcap: PostgreSQL 15, psycopg 3: SCRAM login, simple and extended queries, a
#   prepared statement, pg_sleep, errors 42P01 and 42601, a failed login;
# - quic.pcap + quic.keylog: aioquic HTTP/3 client and server, two connections;
# - mysql-tls.pcap + mysql-tls.keylog: MariaDB with TLS, PyMySQL (Python's ssl): a login
#   upgraded to TLS 1.3 (the SSL request), queries, a slow one, error 1146; a failed login
#   over TLS 1.2;
# - pgsql-tls.pcap + pgsql-tls.keylog: PostgreSQL 15 with ssl=on (pg_hba: hostssl,
#   SCRAM-SHA-256), a v3-protocol client of our own over Python's ssl (libpq 15 writes no
#   key log): the SSLRequest answered 'S', then TLS 1.3: SCRAM login, simple queries (rows,
#   pg_sleep(0.3), error 42P01), a statement prepared by name and run twice (Parse, Bind,
#   Describe, Execute, Sync), Terminate; a login and an UPDATE over TLS 1.2; then with
#   ssl=off an SSLRequest answered 'N' and the login refused in clear (28000, hostssl only).
#
# With ONLY=mysql-tls or ONLY=pgsql-tls only that capture is made (the others stay as they
# are).
# Servers run on non-default ports under a temporary directory and are stopped on exit;
# only loopback is used. Needs root (tcpdump) and Debian's nginx, memcached, redis-server,
# postgresql, curl, openssl, tcpdump and wireshark-common (editcap), plus PyPI's
# pymemcache, redis, grpcio, psycopg[binary] and aioquic (`cargo xtask setup` installs
# them all; this script installs what is missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/data/servers}
TRAFFIC="$ROOT/tests/scripts/modern_traffic.py"
mkdir -p "$OUT"
source "$ROOT/tests/scripts/lib.sh"
chmod 755 "$WORK" # nginx workers run as www-data, postgres as postgres
on_exit() {
    local d
    for d in "$WORK/pg" "$WORK/pgtls/data"; do
        [ -f "$d/postmaster.pid" ] && runuser -u postgres -- pg_ctl -D "$d" -m fast stop >/dev/null 2>&1
    done
    return 0
}

need_packages nginx memcached redis-server postgresql mariadb-server curl openssl tcpdump wireshark-common
python3 -c 'import pymemcache, redis, grpc, psycopg, aioquic, pymysql' 2>/dev/null ||
    pip install -q pymemcache redis grpcio 'psycopg[binary]' aioquic pymysql

# A self-signed certificate for the test names.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=www.wirelens.test" \
    -addext "subjectAltName=DNS:www.wirelens.test,DNS:quic.wirelens.test,DNS:kv.wirelens.test" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
chmod 644 "$WORK/key.pem"

# MariaDB with TLS on 23307 (its SSL request upgrades the connection after the greeting).
mysql_tls() {
    mkdir -p "$WORK/mysql"
    mariadb-install-db --user=root --datadir="$WORK/mysql" --auth-root-authentication-method=normal >/dev/null 2>&1
    mariadbd --user=root --datadir="$WORK/mysql" --socket="$WORK/mysql.sock" --port=23307 \
        --bind-address=127.0.0.1 --pid-file="$WORK/mysql.pid" --ssl-cert="$WORK/cert.pem" \
        --ssl-key="$WORK/key.pem" >"$WORK/mysql.log" 2>&1 &
    PIDS+=($!)
    wait_port 23307
    mariadb --socket="$WORK/mysql.sock" -uroot -e \
        "CREATE DATABASE shop; CREATE USER 'wl'@'127.0.0.1' IDENTIFIED BY 'wl'; GRANT ALL ON shop.* TO 'wl'@'127.0.0.1';"
    SSLKEYLOGFILE="$WORK/mysql-tls.keylog" capture mysql-tls "tcp port 23307" python3 "$TRAFFIC" mysql-tls 23307
    cp "$WORK/mysql-tls.keylog" "$OUT/mysql-tls.keylog"
}
if [ "${ONLY:-}" = mysql-tls ]; then
    mysql_tls
    exit 0
fi

# PostgreSQL 15 with TLS on 25433 (it refuses to run as root): hostssl only, SCRAM.
pgsql_tls() {
    local pg=$WORK/pgtls
    mkdir -p "$pg"
    chown postgres "$pg"
    runuser -u postgres -- initdb -D "$pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    install -o postgres -m 600 "$WORK/key.pem" "$pg/data/server.key"
    install -o postgres -m 644 "$WORK/cert.pem" "$pg/data/server.crt"
    printf 'local all all trust\nhostssl all wl 127.0.0.1/32 scram-sha-256\n' >"$pg/data/pg_hba.conf"
    # In the file, not on the command line, so that ALTER SYSTEM can turn it off below.
    echo "ssl = on" >>"$pg/data/postgresql.conf"
    runuser -u postgres -- pg_ctl -D "$pg/data" -l "$pg/log" -w \
        -o "-p 25433 -k $pg -c listen_addresses=127.0.0.1" start >/dev/null
    psql_tls() { runuser -u postgres -- psql -h "$pg" -p 25433 -U postgres -q "$@"; }
    psql_tls -c "CREATE USER wl PASSWORD 'wl'" -c "CREATE DATABASE shop OWNER wl"
    traffic() {
        python3 "$TRAFFIC" pgsql-tls 25433
        # ssl = off (a reload): the next SSLRequest is answered 'N'.
        psql_tls -c "ALTER SYSTEM SET ssl = off" -c "SELECT pg_reload_conf()" >/dev/null
        sleep 0.5
        python3 "$TRAFFIC" pgsql-refused 25433
    }
    SSLKEYLOGFILE="$WORK/pgsql-tls.keylog" capture pgsql-tls "tcp port 25433" traffic
    cp "$WORK/pgsql-tls.keylog" "$OUT/pgsql-tls.keylog"
    runuser -u postgres -- pg_ctl -D "$pg/data" -m fast stop >/dev/null
}
if [ "${ONLY:-}" = pgsql-tls ]; then
    pgsql_tls
    exit 0
fi

# nginx: HTTP/1.1 and HTTP/2 over TLS on 28443, HTTP/2 with prior knowledge on 28082.
mkdir -p "$WORK/www" "$WORK/nginx"
echo "<html><body>Wirelens over TLS</body></html>" >"$WORK/www/index.html"
head -c 20000 /dev/urandom >"$WORK/www/big.bin"
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
    server {
        listen 127.0.0.1:28443 ssl http2;
        server_name www.wirelens.test;
        ssl_certificate $WORK/cert.pem;
        ssl_certificate_key $WORK/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
        root $WORK/www;
    }
    server { listen 127.0.0.1:28082 http2; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf" &
PIDS+=($!)
wait_port 28443
wait_port 28082

H=www.wirelens.test
URL=https://$H:28443
# curl OPTIONS URL...: the URLs on one connection, each response body thrown away.
fetch() {
    local args=()
    for a in "$@"; do
        case $a in http*) args+=(-o /dev/null "$a") ;; *) args+=("$a") ;; esac
    done
    curl -sk --resolve "$H:28443:127.0.0.1" --max-time 10 "${args[@]}"
}

tls_traffic() {
    for c in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
        fetch --http1.1 --tlsv1.3 --tls13-ciphers "$c" "$URL/" "$URL/missing" "$URL/big.bin"
    done
    for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305; do
        fetch --http1.1 --tls-max 1.2 --ciphers "$c" "$URL/" "$URL/big.bin"
    done
    fetch --http1.1 -d 'name=wirelens' "$URL/form"
}
SSLKEYLOGFILE="$WORK/tls.keylog" capture tls "tcp port 28443" tls_traffic
cp "$WORK/tls.keylog" "$OUT/tls.keylog"
editcap --inject-secrets "tls,$OUT/tls.keylog" "$OUT/tls.pcap" "$OUT/tls-dsb.pcapng"

http2_traffic() {
    fetch --http2 --tlsv1.3 "$URL/" "$URL/missing" "$URL/big.bin"
    fetch --http2 --tlsv1.3 -Z "$URL/?a" "$URL/?b" "$URL/?c" "$URL/big.bin?d"
    fetch --http2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 "$URL/" "$URL/index.html" -d 'x=1'
    # (curl 7.88 fails a second request on a reused h2c connection: one each.)
    fetch --http2-prior-knowledge http://127.0.0.1:28082/
    fetch --http2-prior-knowledge http://127.0.0.1:28082/missing
}
SSLKEYLOGFILE="$WORK/http2.keylog" capture http2 "tcp port 28443 or tcp port 28082" http2_traffic
cp "$WORK/http2.keylog" "$OUT/http2.keylog"

# memcached and Redis over TLS.
memcached -u nobody -l 127.0.0.1 -p 21212 -U 0 -Z -o "ssl_chain_cert=$WORK/cert.pem,ssl_key=$WORK/key.pem" &
PIDS+=($!)
redis-server --port 0 --tls-port 26380 --bind 127.0.0.1 --tls-cert-file "$WORK/cert.pem" \
    --tls-key-file "$WORK/key.pem" --tls-auth-clients no --save '' --appendonly no \
    --daemonize no --dir "$WORK" >/dev/null &
PIDS+=($!)
wait_port 21212
wait_port 26380
SSLKEYLOGFILE="$WORK/tls-kv.keylog" capture tls-kv "tcp port 21212 or tcp port 26380" python3 "$TRAFFIC" tls-kv 21212 26380
cp "$WORK/tls-kv.keylog" "$OUT/tls-kv.keylog"

# gRPC over cleartext HTTP/2.
python3 "$TRAFFIC" grpc-server 25051 &
PIDS+=($!)
wait_port 25051
capture grpc "tcp port 25051" python3 "$TRAFFIC" grpc 25051

# PostgreSQL 15 (it refuses to run as root).
mkdir -p "$WORK/pg"
chown postgres "$WORK/pg"
runuser -u postgres -- initdb -D "$WORK/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
runuser -u postgres -- pg_ctl -D "$WORK/pg" -l "$WORK/pg/log" -w \
    -o "-p 25432 -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null
runuser -u postgres -- psql -h "$WORK/pg" -p 25432 -U postgres -q \
    -c "CREATE USER wl PASSWORD 'wl'" -c "CREATE DATABASE shop OWNER wl"
capture pgsql "tcp port 25432" python3 "$TRAFFIC" pgsql 25432

# QUIC (HTTP/3) with aioquic.
python3 "$TRAFFIC" quic-server 24433 "$WORK/cert.pem" "$WORK/key.pem" &
PIDS+=($!)
sleep 2
: >"$WORK/quic.keylog"
capture quic "udp port 24433" python3 "$TRAFFIC" quic 24433 "$WORK/quic.keylog"
cp "$WORK/quic.keylog" "$OUT/quic.keylog"

mysql_tls
pgsql_tls
