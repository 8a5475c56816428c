#!/usr/bin/env python3
"""Generate golden per-frame dissections with tshark.

For each capture in CAPTURES below (paths relative to the repo root; `corpus:` means
../shared/corpus), write tests/golden/dissect/<name>.tsv: one line per frame with the
fields in FIELDS as `tshark -n -T fields` prints them (all occurrences, joined by `,`).
tests/it/dissect_golden.rs dissects the same frames with wirelens-core and compares.

tshark reassembles IP fragments by default (ip.defragment, ipv6.defragment): the frame
that completes a datagram carries its transport layer; the goldens rely on that.

To keep the files small, a cell equal to the cell above it is written as `^`.

Usage: tests/scripts/make-dissect-golden.py        (regenerate all)
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "dissect")
from corpus_dir import CORPUS  # noqa: E402 (beside this script)

CAPTURES = [
    # IP fragments, IPv4 and IPv6, in order, out of order, overlapping, reused ids.
    "corpus:PcapPlusPlus/examples/ip-frag.pcap",
    "corpus:PcapPlusPlus/examples/ipv6-frag.pcap",
    "corpus:PcapPlusPlus/pcap/ip4_fragments.pcap",
    "corpus:PcapPlusPlus/pcap/ip6_fragments.pcap",
    "corpus:PcapPlusPlus/pcap/frag_http_req.pcap",
    "corpus:PcapPlusPlus/packet/ipv6_opt_fragments.pcap",
    "corpus:deepflow/ip-fragment.pcap",
    "corpus:zeek/ipv6-fragmented-dns.pcap",
    "corpus:zeek/ipv6-http-atomic-frag.pcap",
    "corpus:tcpdump/ipv6_frag6_negative_len.pcap",
    # VLAN, QinQ (802.1ad and 0x8100 stacks), PPPoE over QinQ.
    "corpus:tcpdump/802.1ad_QinQ.pcap",
    "corpus:zeek/vlan-qinqinq.pcap",
    "corpus:zeek/http-qinq-0.pcap",
    "corpus:PcapPlusPlus/pcap/VlanPackets.pcap",
    "corpus:zeek/pppoe-over-qinq.pcap",
    # Linux cooked v1/v2, BSD loopback, raw IP, LINKTYPE_IPV4/IPV6.
    "corpus:zeek/linuxsll-arp.pcap",
    "corpus:zeek/linux_dlt_sll2.pcap",
    "tests/data/sll2.pcap",
    "corpus:PcapPlusPlus/pcap/null_loopback.pcap",
    "corpus:PcapPlusPlus/pcap/raw_ip.pcap",
    "corpus:PcapPlusPlus/pcap/linktype_ipv4.pcap",
    "corpus:PcapPlusPlus/pcap/linktype_ipv6.pcap",
    "corpus:tcpdump/LINKTYPE_IPV4_invalid.pcap",
    # IPv6 extension headers, AH, jumbograms, IP in IP.
    "corpus:tcpdump/ipv6-routing-header.pcap",
    "corpus:libpcap/filter/ipv6_ext_headers.pcap",
    "corpus:libpcap/filter/AH-IPcomp-IPv6.pcap",
    "corpus:tcpdump/ipv6_jumbogram_1.pcap",
    "corpus:tcpdump/bigtcp-ipv6-hbh.pcap",
    "corpus:tcpdump/ipv6hdr-heapoverflow.pcap",
    "corpus:deepflow/tunnels/ipip.pcap",
    # Tunnels between network namespaces (tests/scripts/make-tunnel-captures.sh).
    "tests/data/tunnels/netns-vxlan.pcap",
    "tests/data/tunnels/netns-geneve.pcap",
    "tests/data/tunnels/netns-gre.pcap",
    # ICMP and ICMPv6, errors quoting TCP/UDP; ARP; 802.3/LLC.
    "corpus:PcapPlusPlus/packet/IcmpPackets.pcap",
    "corpus:zeek/snap-arp.pcapng",
    "corpus:libpcap/filter/llc.pcap",
    # Our own small captures (test202-*.pcapng hold custom blocks, which tshark lists as
    # frames: they are left out).
    "tests/data/four_ipv6_http_streams.pcap",
    "tests/data/three_http_streams.pcap",
    "tests/data/tcp-handshake-nano.pcap",
    "tests/data/nanosecs_big_endian.pcap",
    "tests/data/servers/dns.pcap",
    "tests/data/servers/mariadb.pcap",
    "static/sample.pcapng",
]

FIELDS = [
    "frame.protocols",
    "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "ip.id", "ip.ttl", "ip.flags.mf", "ip.frag_offset", "ip.reassembled.length",
    "ipv6.fraghdr.ident", "ipv6.reassembled.length",
    "vlan.id", "ieee8021ad.id",
    "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
    "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.flags", "tcp.len", "tcp.stream",
    "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
    "udp.srcport", "udp.dstport", "udp.length", "udp.stream",
    "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
]


def resolve(entry):
    if entry.startswith("corpus:"):
        return os.path.join(CORPUS, entry[len("corpus:"):])
    return os.path.join(ROOT, entry)


def golden(entry):
    args = ["tshark", "-n", "-r", resolve(entry), "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"tshark on {entry}: {out.stderr.strip()}")
    lines = [f"# capture: {entry}", "\t".join(FIELDS)]
    above = None
    for line in out.stdout.splitlines():
        cells = line.split("\t")
        if len(cells) != len(FIELDS):
            raise RuntimeError(f"{entry}: {len(cells)} cells in {line!r}")
        if any("^" in c for c in cells):
            raise RuntimeError(f"{entry}: a cell holds the ditto mark: {line!r}")
        shown = [("^" if above is not None and c == a and c else c) for c, a in zip(cells, above or cells)]
        lines.append("\t".join(shown).rstrip("\t"))
        above = cells
    return lines


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    failed = 0
    for entry in CAPTURES:
        try:
            lines = golden(entry)
        except (RuntimeError, FileNotFoundError) as e:
            print(f"SKIP {e}", file=sys.stderr)
            failed += 1
            continue
        name = os.path.basename(entry) + ".tsv"
        with open(os.path.join(GOLDEN, name), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"{name}: {len(lines) - 2} frames")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
