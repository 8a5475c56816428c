#!/usr/bin/env python3
"""Generate golden TCP sessions (the tcplife view) with tshark.

For every capture under tests/data (and static/sample.pcapng) and under the corpus
directories deepflow/, PcapPlusPlus/ and zeek/ of ../shared/corpus, write
tests/golden/sessions/<path with / as __>.json holding one row per tcp.stream, computed
from tshark's per-frame fields only:

  - start / end: the earliest and latest frame.time_epoch of the stream (ns);
  - bytes each way: the sum of tcp.len per direction;
  - local side: the side with an address of the capturing host when the file's IDBs
    name one (if_IPv4addr / if_IPv6addr, read here from the pcapng blocks: tshark does
    not print them) and exactly one side has it; otherwise the initiator: the sender of
    the first SYN without ACK, else the receiver of the first SYN-ACK, else the sender
    of the stream's first frame;
  - pid / comm: the first frame.comment of the stream of the form `pid=N comm=NAME`;
  - the row `wirelens sessions -stT` must print, formatted here the way bcc's tcplife
    formats it (TIME(s) "%.6f" of whole µs since the first frame, TX_KB/RX_KB bytes
    / 1024 rounded down by "%d", MS "%.2f" of the lifespan in whole µs / 1000).

Frames inside ICMP errors are skipped (the TCP conversation tap skips them too).
A capture tshark cannot read, or without TCP, gets no golden file.

Also compared: tests/golden/sessions/daemon-any.pcapng, written by wirelens-capture
-i any: its IDB names the host's addresses and its packets carry `pid=… comm=…`
comments, so it checks the host-address rule and the processes end to end. Remake it
(root, ip netns, python3, and the binaries built) with --daemon-capture.

Usage: tests/scripts/make-sessions-golden.py    (regenerates all; prints a summary)
       tests/scripts/make-sessions-golden.py --daemon-capture [TARGET_DIR]
"""
from decimal import Decimal
import glob
import json
import os
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "sessions")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)
CORPUS_DIRS = ["deepflow", "PcapPlusPlus", "zeek"]
EXTENSIONS = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")
ICMP_ERRORS = {"3", "4", "5", "11", "12"}
ICMPV6_ERRORS = {"1", "2", "3", "4"}
FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.stream",
          "tcp.srcport", "tcp.dstport", "tcp.len", "tcp.flags.syn", "tcp.flags.ack",
          "icmp.type", "icmpv6.type", "frame.comment"]
CSV_HEADER = "TIME,TIME(s),PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS"


def captures():
    """(entry, path) of every candidate capture; entry is how the golden names it."""
    found = [("static/sample.pcapng", os.path.join(ROOT, "static", "sample.pcapng"))]
    for path in sorted(glob.glob(os.path.join(GOLDEN, "*.pcapng"))):
        found.append((os.path.relpath(path, ROOT), path))
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "**", "*"), recursive=True)):
        if path.endswith(EXTENSIONS):
            found.append((os.path.relpath(path, ROOT), path))
    for d in CORPUS_DIRS:
        for path in sorted(glob.glob(os.path.join(CORPUS, d, "**", "*"), recursive=True)):
            if path.endswith(EXTENSIONS):
                found.append(("corpus:" + os.path.relpath(path, CORPUS), path))
    return found


def last(value):
    """The innermost occurrence of a field (tunnels repeat ip.src)."""
    return value.split(",")[-1] if value else ""


def host_addresses(path):
    """Addresses the pcapng IDBs give (if_IPv4addr = 4, if_IPv6addr = 5), all sections."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        import gzip
        data = gzip.decompress(data)
    addrs, pos, endian = set(), 0, "<"
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        return addrs
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
            endian = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        kind, length = struct.unpack(endian + "II", data[pos:pos + 8])
        if length < 12 or pos + length > len(data):
            break
        if kind == 1:
            opt, end = pos + 16, pos + length - 4
            while opt + 4 <= end:
                code, olen = struct.unpack(endian + "HH", data[opt:opt + 4])
                value = data[opt + 4:opt + 4 + olen]
                if code == 0:
                    break
                if code == 4 and olen == 8:
                    addrs.add(".".join(str(b) for b in value[:4]))
                elif code == 5 and olen == 17:
                    import ipaddress
                    addrs.add(str(ipaddress.IPv6Address(value[:16])))
                opt += 4 + (olen + 3) // 4 * 4
        pos += length
    return addrs


def process_comment(text):
    """(pid, comm) from `pid=N comm=NAME`, as the core reads it."""
    text = text.lstrip()
    if not text.startswith("pid="):
        return None
    rest = text[4:]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if digits == 0:
        return None
    pid, rest = int(rest[:digits]), rest[digits:]
    if rest and not rest[0].isspace():
        return None
    rest = rest.lstrip()
    comm = rest[5:].rstrip("\r\n") if rest.startswith("comm=") else None
    return pid, comm


def tshark_frames(path):
    args = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
            "-E", "aggregator=\x1f"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode(errors="replace").strip())
    return out.stdout.decode("utf-8", errors="replace").splitlines()


def golden(entry, path):
    lines = tshark_frames(path)
    hosts = host_addresses(path)
    first_ns = None
    streams = {}
    for line in lines:
        v = dict(zip(FIELDS, line.split("\t")))
        # A Simple Packet Block has no timestamp: tshark prints none, the core reads 0.
        ns = int(Decimal(v["frame.time_epoch"] or "0") * 1_000_000_000)
        if first_ns is None:
            first_ns = ns
        icmp, icmp6 = v["icmp.type"].split("\x1f"), v["icmpv6.type"].split("\x1f")
        if set(icmp) & ICMP_ERRORS or set(icmp6) & ICMPV6_ERRORS:
            continue
        stream = last(v["tcp.stream"].replace("\x1f", ","))
        if not stream:
            continue
        get = lambda k: last(v[k].replace("\x1f", ","))
        src, dst = get("ipv6.src") or get("ip.src"), get("ipv6.dst") or get("ip.dst")
        if v["ip.src"] and v["ipv6.src"]:
            src, dst = get("ipv6.src"), get("ipv6.dst")
        sport, dport = int(get("tcp.srcport")), int(get("tcp.dstport"))
        s = streams.get(int(stream))
        if s is None:
            s = streams[int(stream)] = {"a": (src, sport), "b": (dst, dport), "bytes": {}, "first": ns,
                                        "last": ns, "syn": None, "synack": None, "process": None}
        me, peer = (src, sport), (dst, dport)
        s["bytes"][me] = s["bytes"].get(me, 0) + int(get("tcp.len") or 0)
        s["first"], s["last"] = min(s["first"], ns), max(s["last"], ns)
        syn, ack = get("tcp.flags.syn") in ("1", "True"), get("tcp.flags.ack") in ("1", "True")
        if syn and not ack and s["syn"] is None:
            s["syn"] = me
        if syn and ack and s["synack"] is None:
            s["synack"] = peer
        for comment in filter(None, v["frame.comment"].split("\x1f")):
            found = process_comment(comment)
            if found and s["process"] is None:
                s["process"] = found
    rows = []
    for n in sorted(streams):
        s = streams[n]
        initiator, by = s["a"], "first-packet"
        if s["syn"]:
            initiator, by = s["syn"], "syn"
        elif s["synack"]:
            initiator, by = s["synack"], "syn-ack"
        a_host, b_host = s["a"][0] in hosts, s["b"][0] in hosts
        if a_host != b_host:
            local, by = (s["a"] if a_host else s["b"]), "host"
        else:
            local = initiator
        remote = s["b"] if local == s["a"] else s["a"]
        tx, rx = s["bytes"].get(local, 0), s["bytes"].get(remote, 0)
        pid, comm = s["process"] or (None, None)
        rel_us = (s["first"] - first_ns) // 1000
        span_us = (s["last"] - s["first"]) // 1000
        ip = 6 if ":" in local[0] else 4
        sod = (s["first"] // 1_000_000_000) % 86400
        # tcplife prints "%.6f" of µs / 1e6; whole µs printed as integers give the same
        # digits without float rounding on captures whose times span centuries.
        rel = "%s%d.%06d" % (("-" if rel_us < 0 else ""), *divmod(abs(rel_us), 1_000_000))
        csv = "%s,%s,%s,%s,%d,%s,%d,%s,%d,%d,%d,%.2f" % (
            time.strftime("%H:%M:%S", time.gmtime(sod)), rel, "" if pid is None else pid, comm or "", ip,
            local[0], local[1], remote[0], remote[1], tx / 1024, rx / 1024, span_us / 1000)
        rows.append({"stream": n, "laddr": local[0], "lport": local[1], "raddr": remote[0],
                     "rport": remote[1], "tx_bytes": tx, "rx_bytes": rx, "start_ns": s["first"],
                     "end_ns": s["last"], "pid": pid, "comm": comm, "local_by": by, "csv": csv})
    return {"capture": entry, "frames": len(lines), "hosts": sorted(hosts), "sessions": rows}


DAEMON_CAPTURE = os.path.join(GOLDEN, "daemon-any.pcapng")


SERVER = """import socket,sys
l=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); l.bind((sys.argv[1],int(sys.argv[2]))); l.listen(8)
while True:
    c,_=l.accept()
    while c.recv(65536): pass
    c.sendall(b'thanks'*100); c.close()
"""
CLIENT = """import socket,sys,time
s=socket.create_connection((sys.argv[1],int(sys.argv[2])))
for i in range(int(sys.argv[3])):
    s.sendall(b'wirelens'*64); time.sleep(0.05)
s.shutdown(socket.SHUT_WR)
while s.recv(65536): pass
s.close()
"""


def daemon_capture(target):
    """Runs wirelens-capture -i any while python3 clients make TCP connections that stay
    open about a second (the daemon looks processes up while they are open): an incoming
    one (client in a network namespace, server here), an outgoing one (client here,
    server in the namespace), one over loopback and one over IPv6 loopback."""
    import shutil
    import signal
    import tempfile
    daemon = os.path.join(target, "debug", "wirelens-capture")
    ns, host_if, peer_if = "wl-golden", "wlgold", "wlgoldp"
    host_ip, peer_ip = "10.232.0.1", "10.232.0.2"
    ports = [18561, 18562, 18563, 18564]

    def ip(*args):
        subprocess.run(["ip", *args], check=True)

    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    ip("netns", "add", ns)
    procs = []
    tmp = tempfile.mkdtemp()
    try:
        ip("link", "add", host_if, "type", "veth", "peer", "name", peer_if)
        ip("link", "set", peer_if, "netns", ns)
        ip("addr", "add", host_ip + "/24", "dev", host_if)
        ip("link", "set", host_if, "up")
        ip("-n", ns, "addr", "add", peer_ip + "/24", "dev", peer_if)
        ip("-n", ns, "link", "set", peer_if, "up")
        ip("-n", ns, "link", "set", "lo", "up")
        here, there = [], ["ip", "netns", "exec", ns]
        servers = [(here, host_ip, ports[0]), (there, peer_ip, ports[1]), (here, "127.0.0.1", ports[2]),
                   (here, "::1", ports[3])]
        for prefix, addr, port in servers:
            procs.append(subprocess.Popen(prefix + ["python3", "-c", SERVER, addr, str(port)]))
        time.sleep(1)
        filt = "tcp and (port %d or port %d or port %d or port %d)" % tuple(ports)
        cap = subprocess.Popen([daemon, "-i", "any", "-w", os.path.join(tmp, "g"), "-f", filt],
                               stderr=subprocess.PIPE)
        time.sleep(1.5)
        clients = [(there, host_ip, ports[0], 20), (here, peer_ip, ports[1], 12), (here, "127.0.0.1", ports[2], 16),
                   (here, "::1", ports[3], 8)]
        for prefix, addr, port, n in clients:
            subprocess.run(prefix + ["python3", "-c", CLIENT, addr, str(port), str(n)], check=True)
        time.sleep(0.5)
        cap.send_signal(signal.SIGINT)
        print(cap.communicate()[1].decode().strip())
        shutil.copy(os.path.join(tmp, "g-00001.pcapng"), DAEMON_CAPTURE)
        print("wrote", os.path.relpath(DAEMON_CAPTURE, ROOT))
    finally:
        for p in procs:
            p.terminate()
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", host_if], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if sys.argv[1:2] == ["--daemon-capture"]:
        target = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        daemon_capture(target)
        return 0
    os.makedirs(GOLDEN, exist_ok=True)
    for old in glob.glob(os.path.join(GOLDEN, "*.json")):
        os.remove(old)
    files = sessions = skipped = 0
    for entry, path in captures():
        try:
            data = golden(entry, path)
        except RuntimeError as e:
            print(f"SKIP {entry}: tshark: {e.splitlines()[-1] if str(e) else e}", file=sys.stderr)
            skipped += 1
            continue
        if not data["sessions"]:
            continue
        name = entry.replace("corpus:", "").replace("/", "__") + ".json"
        with open(os.path.join(GOLDEN, name), "w") as f:
            rows = data.pop("sessions")
            head = json.dumps(data)[:-1]
            # One session per line: reviewable diffs, small files.
            f.write(head + ', "sessions": [\n' + ",\n".join(json.dumps(r) for r in rows) + "\n]}\n")
        files += 1
        sessions += len(rows)
    print(f"{files} captures with TCP, {sessions} sessions; {skipped} captures tshark could not read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
