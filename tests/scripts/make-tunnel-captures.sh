#!/usr/bin/env bash
# Captures tunnelled traffic between two network namespaces on the underlay, one file per
# tunnel, into tests/data/tunnels/ (or $1):
#
#   netns-vxlan.pcap   VXLAN (kernel driver, VNI 42 over IPv4 and VNI 46 over IPv6, port 4789)
#   netns-geneve.pcap  Geneve (port 6081, VNI 43, one option)
#   netns-gre.pcap     GRE with a key and sequence numbers (IPv4 and IPv6 inside) and GRE
#                transparent Ethernet bridging (gretap) with a key
#
# iproute2 makes the namespaces, the veth underlay and the overlay interfaces. The kernel's
# VXLAN driver does VXLAN; where the kernel has no Geneve or GRE driver (CONFIG_GENEVE,
# CONFIG_NET_IPGRE unset, as in the VMs this project runs on) tests/scripts/tunnel_encap.py
# encapsulates in user space between a TAP or TUN device and the underlay; with the
# drivers present `ip link add … type geneve|gre|gretap` is used instead.
#
# Over each tunnel: pings, two TCP connections (a request and an echoed reply each) and a
# UDP exchange, so the inner flows are conversations of their own. Needs root, ip,
# tcpdump, ping and python3 (it installs Debian's iputils-ping and tcpdump if missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/data/tunnels}
ENCAP="$ROOT/tests/scripts/tunnel_encap.py"
mkdir -p "$OUT"
source "$ROOT/tests/scripts/lib.sh"
A=wl-tun-a
B=wl-tun-b
on_exit() {
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
}
need_packages iputils-ping tcpdump
ip netns del "$A" 2>/dev/null || true
ip netns del "$B" 2>/dev/null || true

a() { ip netns exec "$A" "$@"; }
b() { ip netns exec "$B" "$@"; }

# The underlay: one veth pair, IPv4 and IPv6.
ip netns add "$A"
ip netns add "$B"
ip link add ul-a netns "$A" type veth peer name ul-b netns "$B"
a ip addr add 10.200.0.1/24 dev ul-a
b ip addr add 10.200.0.2/24 dev ul-b
a ip addr add fd00:200::1/64 dev ul-a nodad
b ip addr add fd00:200::2/64 dev ul-b nodad
for ns in "$A" "$B"; do
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip link set "ul-${ns##*-}" up
done

# overlay NAME ADDR_A ADDR_B [ADDR6_A ADDR6_B]: addresses on an overlay interface that
# exists in both namespaces, and up.
overlay() {
    local dev=$1
    a ip addr add "$2/24" dev "$dev"
    b ip addr add "$3/24" dev "$dev"
    if (($# > 3)); then
        a ip addr add "$4/64" dev "$dev" nodad
        b ip addr add "$5/64" dev "$dev" nodad
    fi
    a ip link set "$dev" mtu 1400 up
    b ip link set "$dev" mtu 1400 up
}

# user_tunnel MODE DEV KEY: a tunnel_encap.py endpoint in each namespace.
user_tunnel() {
    # Simple commands, so that $! is the endpoint itself.
    ip netns exec "$A" python3 "$ENCAP" "$1" "$2" 10.200.0.1 10.200.0.2 "$3" &
    PIDS+=($!)
    ip netns exec "$B" python3 "$ENCAP" "$1" "$2" 10.200.0.2 10.200.0.1 "$3" &
    PIDS+=($!)
    for _ in $(seq 50); do
        a ip link show "$2" >/dev/null 2>&1 && b ip link show "$2" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "tunnel_encap.py $1 did not open $2" >&2
    return 1
}

# The inner traffic between ADDR_A (in A) and ADDR_B (in B): pings, two TCP connections
# and a UDP request and reply.
traffic() {
    local ip_a=$1 ip_b=$2
    a ping -c 2 -i 0.2 -W 2 "$ip_b" >/dev/null
    b python3 - "$ip_b" >"$WORK/server.log" 2>&1 <<'EOF' &
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
tcp = socket.socket(family, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((sys.argv[1], 8080))
tcp.listen()
udp = socket.socket(family, socket.SOCK_DGRAM)
udp.bind((sys.argv[1], 7777))
print("ready", flush=True)
for _ in range(2):
    conn, _ = tcp.accept()
    conn.sendall(b"echo " + conn.recv(1000))
    conn.close()
data, peer = udp.recvfrom(1000)
udp.sendto(b"echo " + data, peer)
EOF
    local server=$!
    for _ in $(seq 50); do
        grep -q ready "$WORK/server.log" 2>/dev/null && break
        sleep 0.1
    done
    a python3 - "$ip_b" <<'EOF'
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
for i in range(2):
    c = socket.create_connection((sys.argv[1], 8080), timeout=5)
    c.sendall(b"hello %d" % i)
    assert c.recv(1000).startswith(b"echo")
    c.close()
u = socket.socket(family, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b"ping over udp", (sys.argv[1], 7777))
assert u.recv(1000) == b"echo ping over udp"
EOF
    wait "$server"
    rm -f "$WORK/server.log"
}

# `capture` runs tcpdump on A's underlay interface (a simple command, so that its pid is
# tcpdump's own: ip netns exec execs it).
TCPDUMP=(ip netns exec "$A" tcpdump -i ul-a -U --immediate-mode)

has_driver() { # KIND: whether the kernel can make a link of this kind
    a ip link add probe0 type "$1" "${@:2}" 2>/dev/null && a ip link del probe0
}

# VXLAN over IPv4 and over IPv6, by the kernel.
a ip link add vx4 type vxlan id 42 local 10.200.0.1 remote 10.200.0.2 dstport 4789 dev ul-a
b ip link add vx4 type vxlan id 42 local 10.200.0.2 remote 10.200.0.1 dstport 4789 dev ul-b
a ip link add vx6 type vxlan id 46 local fd00:200::1 remote fd00:200::2 dstport 4789 dev ul-a
b ip link add vx6 type vxlan id 46 local fd00:200::2 remote fd00:200::1 dstport 4789 dev ul-b
overlay vx4 192.168.42.1 192.168.42.2 fd00:42::1 fd00:42::2
overlay vx6 192.168.46.1 192.168.46.2
vxlan_traffic() {
    traffic 192.168.42.1 192.168.42.2
    traffic fd00:42::1 fd00:42::2
    traffic 192.168.46.1 192.168.46.2
}
capture netns-vxlan "udp port 4789" vxlan_traffic

# Geneve.
if has_driver geneve id 1 remote 10.200.0.2; then
    a ip link add gnv0 type geneve id 43 remote 10.200.0.2
    b ip link add gnv0 type geneve id 43 remote 10.200.0.1
else
    user_tunnel geneve gnv0 43
fi
overlay gnv0 192.168.43.1 192.168.43.2
capture netns-geneve "udp port 6081" traffic 192.168.43.1 192.168.43.2

# GRE (IP in GRE, IPv4 and IPv6 inside) and GRE transparent Ethernet bridging.
if has_driver gre local 10.200.0.1 remote 10.200.0.2; then
    a ip link add gre0 type gre local 10.200.0.1 remote 10.200.0.2 key 44 seq
    b ip link add gre0 type gre local 10.200.0.2 remote 10.200.0.1 key 44 seq
    a ip link add gtap0 type gretap local 10.200.0.1 remote 10.200.0.2 key 45
    b ip link add gtap0 type gretap local 10.200.0.2 remote 10.200.0.1 key 45
else
    user_tunnel gre gre0 44
    user_tunnel gretap gtap0 45
fi
overlay gre0 192.168.44.1 192.168.44.2 fd00:44::1 fd00:44::2
overlay gtap0 192.168.45.1 192.168.45.2
gre_traffic() {
    traffic 192.168.44.1 192.168.44.2
    traffic fd00:44::1 fd00:44::2
    traffic 192.168.45.1 192.168.45.2
}
capture netns-gre "ip proto 47" gre_traffic
ls -l "$OUT"
