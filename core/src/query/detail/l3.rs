//! Network layers: IPv4 (RFC 791), IPv6 (RFC 8200), ARP (RFC 826).

use super::l2::{be16, be32, slice, At};
use super::{bits_text, expert, mac, Group, Node};
use crate::capture::tcp::Severity;
use std::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol numbers as Wireshark names them.
pub(super) fn ipproto_name(p: u8) -> &'static str {
    match p {
        0 => "IPv6 Hop-by-Hop Option",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        43 => "Routing Header for IPv6",
        44 => "Fragment Header for IPv6",
        47 => "Generic Routing Encapsulation",
        50 => "Encap Security Payload",
        51 => "Authentication Header",
        58 => "ICMPv6",
        59 => "IPv6 No Next Header",
        60 => "Destination Options for IPv6",
        89 => "OSPF IGP",
        103 => "PIM",
        112 => "Virtual Router Redundancy Protocol",
        132 => "SCTP",
        136 => "UDPLite",
        // The others as `ip.proto`'s value strings name them.
        _ => crate::query::fields::value_strings::string_of("ip.proto", i64::from(p))
            .unwrap_or("Unknown"),
    }
}

fn dscp_short(d: u8) -> String {
    match d {
        0 => "CS0".into(),
        1 => "LE".into(),
        8 => "CS1".into(),
        10 => "AF11".into(),
        12 => "AF12".into(),
        14 => "AF13".into(),
        16 => "CS2".into(),
        18 => "AF21".into(),
        20 => "AF22".into(),
        22 => "AF23".into(),
        24 => "CS3".into(),
        26 => "AF31".into(),
        28 => "AF32".into(),
        30 => "AF33".into(),
        32 => "CS4".into(),
        34 => "AF41".into(),
        36 => "AF42".into(),
        38 => "AF43".into(),
        40 => "CS5".into(),
        44 => "VOICE-ADMIT".into(),
        46 => "EF PHB".into(),
        48 => "CS6".into(),
        56 => "CS7".into(),
        _ => "Unknown".into(),
    }
}

fn dscp_long(d: u8) -> &'static str {
    match d {
        0 => "Default",
        1 => "Lower Effort",
        8 => "Class Selector 1",
        10 => "Assured Forwarding 11",
        12 => "Assured Forwarding 12",
        14 => "Assured Forwarding 13",
        16 => "Class Selector 2",
        18 => "Assured Forwarding 21",
        20 => "Assured Forwarding 22",
        22 => "Assured Forwarding 23",
        24 => "Class Selector 3",
        26 => "Assured Forwarding 31",
        28 => "Assured Forwarding 32",
        30 => "Assured Forwarding 33",
        32 => "Class Selector 4",
        34 => "Assured Forwarding 41",
        36 => "Assured Forwarding 42",
        38 => "Assured Forwarding 43",
        40 => "Class Selector 5",
        44 => "Voice Admit",
        46 => "Expedited Forwarding",
        48 => "Class Selector 6",
        56 => "Class Selector 7",
        _ => "Unknown",
    }
}

const ECN_SHORT: [&str; 4] = ["Not-ECT", "ECT(1)", "ECT(0)", "CE"];
const ECN_LONG: [&str; 4] = [
    "Not ECN-Capable Transport",
    "ECN-Capable Transport codepoint '01'",
    "ECN-Capable Transport codepoint '10'",
    "Congestion Experienced",
];

/// An address field and the hidden fields Wireshark adds beside it.
fn addr_nodes(n: &mut Node, p: &str, at: usize, bytes: &[u8], s: String, src: bool) {
    let (name, label, host, host_label) = if src {
        ("src", "Source Address", "src_host", "Source Host")
    } else {
        ("dst", "Destination Address", "dst_host", "Destination Host")
    };
    let len = bytes.len();
    n.push(
        Node::field(
            format!("{p}.{name}"),
            format!("{label}: {s}"),
            s.clone(),
            at,
            len,
        )
        .hex_own(bytes),
    );
    n.push(
        Node::field(
            format!("{p}.addr"),
            format!("Source or Destination Address: {s}"),
            s.clone(),
            at,
            len,
        )
        .hex_own(bytes)
        .hide(),
    );
    n.push(
        Node::field(
            format!("{p}.{host}"),
            format!("{host_label}: {s}"),
            s.clone(),
            at,
            len,
        )
        .hex_own(bytes)
        .hide(),
    );
    n.push(
        Node::field(
            format!("{p}.host"),
            format!("Source or Destination Host: {s}"),
            s,
            at,
            len,
        )
        .hex_own(bytes)
        .hide(),
    );
}

/// packet-ip.c's expert item on a TTL: the one a packet to the local network control
/// block (224.0.0.0/24, RFC 3171) should have, or one so small a router would drop the
/// packet soon (not for multicast, PIM or OSPF).
fn ttl_expert(ttl: u8, proto: u8, dst: u32) -> Option<Node> {
    if dst & 0xffff_ff00 == 0xe000_0000 {
        // VRRP, Cisco's GLBP and mDNS send with 255, LLMNR with any, the others with 1.
        let want = match dst {
            0xe000_0012 | 0xe000_0066 | 0xe000_00fb => 255,
            0xe000_00fc => return None,
            _ => 1,
        };
        (ttl != want).then(|| {
            expert(
                "ip.ttl.lncb",
                &format!(
                    "\"Time To Live\" != {want} for a packet sent to the Local Network Control Block (see RFC 3171)"
                ),
                Severity::Note,
                Group::Sequence,
            )
        })
    } else if dst & 0xf000_0000 != 0xe000_0000 && ttl < 5 && proto != 103 && proto != 89 {
        Some(expert(
            "ip.ttl.too_small",
            &format!("\"Time To Live\" only {ttl}"),
            Severity::Note,
            Group::Sequence,
        ))
    } else {
        None
    }
}

/// The IPv4 header at `l` as packet-ip.c shows it; `reported` is where the bytes the
/// link layer hands it end on the wire (None inside an ICMP error's quote or a
/// reassembled datagram, whose lengths packet-ip.c does not hold against it). A header
/// packet-ip.c stops at (a version other than 4, a header or total length too short)
/// shows the fields up to the bad one, with its expert item.
pub(super) fn ipv4(b: &[u8], l: &At, reported: Option<usize>) -> Node {
    let o = l.offset as usize;
    let v0 = b.get(o).copied().unwrap_or(0) as u64;
    let hl = (v0 as usize & 0x0f) * 4;
    let version = v0 >> 4;
    let total = be16(b, o + 2);
    let bad = version != 4 || hl < 20 || (total != 0 && usize::from(total) < hl);
    let src = Ipv4Addr::from(be32(b, o + 12));
    let dst = Ipv4Addr::from(be32(b, o + 16));
    let title = if bad {
        "Internet Protocol Version 4".to_string()
    } else {
        format!("Internet Protocol Version 4, Src: {src}, Dst: {dst}")
    };
    // The item reaches no further than the captured bytes (a header cut short).
    let mut n = Node::proto("ip", title, o, hl.min(b.len().saturating_sub(o)));
    let b0 = slice(b, o, 1);
    let vf = n.push(
        Node::field(
            "ip.version",
            bits_text(v0, 0xf0, 8, format_args!("Version: {version}")),
            version.to_string(),
            o,
            1,
        )
        .hex_own(b0),
    );
    if version != 4 {
        vf.push(expert(
            "ip.bogus_ip_version",
            "Bogus IPv4 version",
            Severity::Error,
            Group::Protocol,
        ));
        return n;
    }
    let hf = n.push(
        Node::field(
            "ip.hdr_len",
            bits_text(
                v0,
                0x0f,
                8,
                format_args!("Header Length: {hl} bytes ({})", hl / 4),
            ),
            hl.to_string(),
            o,
            1,
        )
        .hex_own(b0),
    );
    if hl < 20 {
        hf.push(expert(
            "ip.bogus_header_length",
            &format!("Bogus IP header length ({hl}, must be at least 20)"),
            Severity::Error,
            Group::Protocol,
        ));
        return n;
    }
    let tos = b.get(o + 1).copied().unwrap_or(0);
    let (dscp, ecn) = (tos >> 2, tos & 3);
    let tb = slice(b, o + 1, 1);
    let ds = n.push(
        Node::field(
            "ip.dsfield",
            format!(
                "Differentiated Services Field: 0x{tos:02x} (DSCP: {}, ECN: {})",
                dscp_short(dscp),
                ECN_SHORT[ecn as usize]
            ),
            format!("0x{tos:02x}"),
            o + 1,
            1,
        )
        .hex_own(tb),
    );
    ds.push(
        Node::field(
            "ip.dsfield.dscp",
            bits_text(
                tos as u64,
                0xfc,
                8,
                format_args!(
                    "Differentiated Services Codepoint: {} ({dscp})",
                    dscp_long(dscp)
                ),
            ),
            dscp.to_string(),
            o + 1,
            1,
        )
        .masked_own(dscp as u64, tb),
    );
    ds.push(
        Node::field(
            "ip.dsfield.ecn",
            bits_text(
                tos as u64,
                0x03,
                8,
                format_args!(
                    "Explicit Congestion Notification: {} ({ecn})",
                    ECN_LONG[ecn as usize]
                ),
            ),
            ecn.to_string(),
            o + 1,
            1,
        )
        .masked_own(ecn as u64, tb),
    );
    let lb = slice(b, o + 2, 2);
    let remaining = reported.map(|r| r.saturating_sub(o));
    match remaining {
        Some(r) if total == 0 => {
            // TSO hands the stack a datagram before its length is set: packet-ip.c takes
            // the bytes it has.
            n.push(
                Node::field(
                    "ip.len",
                    format!("Total Length: {r} bytes (reported as 0, presumed to be because of \"TCP segmentation offload\" (TSO))"),
                    r.to_string(),
                    o + 2,
                    2,
                )
                .hex_own(lb),
            );
        }
        _ if bad => {
            let mut f = Node::field(
                "ip.len",
                format!("Total Length: {total} bytes (bogus, less than header length {hl})"),
                total.to_string(),
                o + 2,
                2,
            )
            .hex_own(lb);
            f.push(expert(
                "ip.bogus_ip_length",
                "Bogus IP length",
                Severity::Error,
                Group::Protocol,
            ));
            n.push(f);
            return n;
        }
        _ => {
            let f = n.push(
                Node::field(
                    "ip.len",
                    format!("Total Length: {total}"),
                    total.to_string(),
                    o + 2,
                    2,
                )
                .hex_own(lb),
            );
            if let Some(r) = remaining.filter(|&r| usize::from(total) > r) {
                f.push(expert(
                    "ip.bogus_ip_length",
                    &format!("IPv4 total length exceeds packet length ({r} bytes)"),
                    Severity::Error,
                    Group::Protocol,
                ));
            }
        }
    }
    let id = be16(b, o + 4);
    n.push(
        Node::field(
            "ip.id",
            format!("Identification: 0x{id:04x} ({id})"),
            format!("0x{id:04x}"),
            o + 4,
            2,
        )
        .hex_own(slice(b, o + 4, 2)),
    );
    let fw = be16(b, o + 6) as u64;
    let flags = fw >> 13;
    let f0 = slice(b, o + 6, 1);
    let fb = fw >> 8;
    let mut names = Vec::new();
    if flags & 4 != 0 {
        names.push("Reserved bit");
    }
    if flags & 2 != 0 {
        names.push("Don't fragment");
    }
    if flags & 1 != 0 {
        names.push("More fragments");
    }
    let mut ftext = bits_text(fb, 0xe0, 8, format_args!("Flags: 0x{flags:x}"));
    for name in &names {
        ftext.push_str(", ");
        ftext.push_str(name);
    }
    let fl = n.push(
        Node::field("ip.flags", ftext, format!("0x{flags:02x}"), o + 6, 1).masked_own(flags, f0),
    );
    for (name, label, m) in [
        ("ip.flags.rb", "Reserved bit", 0x80u64),
        ("ip.flags.df", "Don't fragment", 0x40),
        ("ip.flags.mf", "More fragments", 0x20),
    ] {
        let on = fb & m != 0;
        fl.push(
            Node::field(
                name,
                bits_text(fb, m, 8, format_args!("{label}: {}", super::set(on))),
                u8::from(on).to_string(),
                o + 6,
                1,
            )
            .masked_own(u64::from(on), f0),
        );
    }
    let off = fw & 0x1fff;
    n.push(
        Node::field(
            "ip.frag_offset",
            bits_text(fw, 0x1fff, 16, format_args!("Fragment Offset: {}", off * 8)),
            // packet-ip.c's value is in 8-byte units; only its text is in bytes.
            off.to_string(),
            o + 6,
            2,
        )
        .masked_own(off, slice(b, o + 6, 2)),
    );
    let ttl = b.get(o + 8).copied().unwrap_or(0);
    let p = b.get(o + 9).copied().unwrap_or(0);
    let t = n.push(
        Node::field(
            "ip.ttl",
            format!("Time to Live: {ttl}"),
            ttl.to_string(),
            o + 8,
            1,
        )
        .hex_own(slice(b, o + 8, 1)),
    );
    if b.len() >= o + 20 {
        if let Some(e) = ttl_expert(ttl, p, be32(b, o + 16)) {
            t.push(e);
        }
    }
    n.push(
        Node::field(
            "ip.proto",
            format!("Protocol: {} ({p})", ipproto_name(p)),
            p.to_string(),
            o + 9,
            1,
        )
        .hex_own(slice(b, o + 9, 1)),
    );
    let ck = be16(b, o + 10);
    n.push(
        Node::field(
            "ip.checksum",
            format!("Header Checksum: 0x{ck:04x} [validation disabled]"),
            format!("0x{ck:04x}"),
            o + 10,
            2,
        )
        .hex_own(slice(b, o + 10, 2)),
    );
    n.push(
        Node::field(
            "ip.checksum.status",
            "Header checksum status: Unverified",
            "2",
            o + 10,
            0,
        )
        .gen(),
    );
    addr_nodes(
        &mut n,
        "ip",
        o + 12,
        slice(b, o + 12, 4),
        src.to_string(),
        true,
    );
    addr_nodes(
        &mut n,
        "ip",
        o + 16,
        slice(b, o + 16, 4),
        dst.to_string(),
        false,
    );
    n
}

/// The IPv6 header at `l`, with `ext` bytes of extension headers after it.
pub(super) fn ipv6(b: &[u8], l: &At, ext: usize) -> Node {
    let o = l.offset as usize;
    let a = |at: usize| {
        let s = slice(b, at, 16);
        let mut x = [0u8; 16];
        x[..s.len()].copy_from_slice(s);
        Ipv6Addr::from(x)
    };
    let (src, dst) = (a(o + 8), a(o + 24));
    let mut n = Node::proto(
        "ipv6",
        format!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
        o,
        40 + ext,
    );
    let w = be32(b, o) as u64;
    let b0 = slice(b, o, 1);
    n.push(
        Node::field(
            "ipv6.version",
            bits_text(w >> 24, 0xf0, 8, format_args!("Version: 6")),
            "6",
            o,
            1,
        )
        .hex_own(b0),
    );
    n.push(
        Node::field(
            "ip.version",
            bits_text(w >> 24, 0xf0, 8, format_args!("Version: 6 [This field makes the filter match on \"ip.version == 6\" possible]")),
            "6",
            o,
            1,
        )
        .masked_own(6, b0)
        .hide(),
    );
    let tc = ((w >> 20) & 0xff) as u8;
    let (dscp, ecn) = (tc >> 2, tc & 3);
    let w4 = slice(b, o, 4);
    let t = n.push(
        Node::field(
            "ipv6.tclass",
            bits_text(
                w,
                0x0ff0_0000,
                32,
                format_args!(
                    "Traffic Class: 0x{tc:02x} (DSCP: {}, ECN: {})",
                    dscp_short(dscp),
                    ECN_SHORT[ecn as usize]
                ),
            ),
            format!("0x{tc:08x}"),
            o,
            4,
        )
        .masked_own(tc as u64, w4),
    );
    t.push(
        Node::field(
            "ipv6.tclass.dscp",
            bits_text(
                w,
                0x0fc0_0000,
                32,
                format_args!(
                    "Differentiated Services Codepoint: {} ({dscp})",
                    dscp_long(dscp)
                ),
            ),
            dscp.to_string(),
            o,
            4,
        )
        .masked_own(dscp as u64, w4),
    );
    t.push(
        Node::field(
            "ipv6.tclass.ecn",
            bits_text(
                w,
                0x0030_0000,
                32,
                format_args!(
                    "Explicit Congestion Notification: {} ({ecn})",
                    ECN_LONG[ecn as usize]
                ),
            ),
            ecn.to_string(),
            o,
            4,
        )
        .masked_own(ecn as u64, w4),
    );
    let flow = w & 0xf_ffff;
    n.push(
        Node::field(
            "ipv6.flow",
            bits_text(
                w & 0xff_ffff,
                0xf_ffff,
                24,
                format_args!("Flow Label: 0x{flow:05x}"),
            ),
            format!("0x{flow:06x}"),
            o + 1,
            3,
        )
        .masked_own(flow, slice(b, o + 1, 3)),
    );
    let plen = be16(b, o + 4);
    let nxt = b.get(o + 6).copied().unwrap_or(0);
    n.push(
        Node::field(
            "ipv6.plen",
            if plen == 0 && nxt == 0 {
                // RFC 2675: the length is in the hop-by-hop header's Jumbo option.
                format!("Payload Length: {plen} (Jumbogram)")
            } else {
                format!("Payload Length: {plen}")
            },
            plen.to_string(),
            o + 4,
            2,
        )
        .hex_own(slice(b, o + 4, 2)),
    );
    n.push(
        Node::field(
            "ipv6.nxt",
            format!("Next Header: {} ({nxt})", ipproto_name(nxt)),
            nxt.to_string(),
            o + 6,
            1,
        )
        .hex_own(slice(b, o + 6, 1)),
    );
    let hl = b.get(o + 7).copied().unwrap_or(0);
    n.push(
        Node::field(
            "ipv6.hlim",
            format!("Hop Limit: {hl}"),
            hl.to_string(),
            o + 7,
            1,
        )
        .hex_own(slice(b, o + 7, 1)),
    );
    addr_nodes(
        &mut n,
        "ipv6",
        o + 8,
        slice(b, o + 8, 16),
        src.to_string(),
        true,
    );
    addr_nodes(
        &mut n,
        "ipv6",
        o + 24,
        slice(b, o + 24, 16),
        dst.to_string(),
        false,
    );
    slaac_mac(&mut n, b, o + 8, "ipv6.src_slaac_mac", "Source SLAAC MAC");
    slaac_mac(
        &mut n,
        b,
        o + 24,
        "ipv6.dst_slaac_mac",
        "Destination SLAAC MAC",
    );
    n
}

/// An IPv6 fragment header (RFC 8200 §4.5) at `o`, as packet-ipv6.c shows it.
pub(super) fn fraghdr(b: &[u8], o: usize) -> Node {
    let mut n = Node::proto("ipv6.fraghdr", "Fragment Header for IPv6", o, 8);
    let nxt = b.get(o).copied().unwrap_or(0);
    n.push(
        Node::field(
            "ipv6.fraghdr.nxt",
            format!("Next header: {} ({nxt})", ipproto_name(nxt)),
            nxt.to_string(),
            o,
            1,
        )
        .hex_own(slice(b, o, 1)),
    );
    let r = b.get(o + 1).copied().unwrap_or(0);
    n.push(
        Node::field(
            "ipv6.fraghdr.reserved_octet",
            format!("Reserved octet: 0x{r:02x}"),
            format!("0x{r:02x}"),
            o + 1,
            1,
        )
        .hex_own(slice(b, o + 1, 1)),
    );
    let w = u64::from(be16(b, o + 2));
    let two = slice(b, o + 2, 2);
    let (off, res, more) = (w >> 3, (w >> 1) & 3, w & 1);
    n.push(
        Node::field(
            "ipv6.fraghdr.offset",
            bits_text(
                w,
                0xfff8,
                16,
                format_args!("Offset: {off} ({} bytes)", off * 8),
            ),
            off.to_string(),
            o + 2,
            2,
        )
        .masked_own(off, two),
    );
    n.push(
        Node::field(
            "ipv6.fraghdr.reserved_bits",
            bits_text(w, 0x0006, 16, format_args!("Reserved bits: {res}")),
            res.to_string(),
            o + 2,
            2,
        )
        .masked_own(res, two),
    );
    let yes = if more == 1 { "Yes" } else { "No" };
    n.push(
        Node::field(
            "ipv6.fraghdr.more",
            bits_text(w, 0x0001, 16, format_args!("More Fragments: {yes}")),
            more.to_string(),
            o + 2,
            2,
        )
        .masked_own(more, two),
    );
    let id = be32(b, o + 4);
    n.push(
        Node::field(
            "ipv6.fraghdr.ident",
            format!("Identification: 0x{id:08x}"),
            format!("0x{id:08x}"),
            o + 4,
            4,
        )
        .hex_own(slice(b, o + 4, 4)),
    );
    n
}

/// The MAC address a SLAAC address (RFC 4291's modified EUI-64 of a universal MAC: `ff:fe`
/// amid its interface identifier, the universal/local bit set) at `at` was made from, as
/// packet-ipv6.c adds it after both addresses: the identifier's bytes without `ff:fe`,
/// that bit flipped back.
fn slaac_mac(n: &mut Node, b: &[u8], at: usize, name: &'static str, label: &str) {
    let iid = slice(b, at + 8, 8);
    if iid.len() < 8 || iid[0] & 0x02 == 0 || iid[3..5] != [0xff, 0xfe] {
        return;
    }
    let m = [iid[0] ^ 0x02, iid[1], iid[2], iid[5], iid[6], iid[7]];
    let s = mac(&m);
    n.push(
        Node::field(name, format!("{label}: {s}"), s.clone(), at + 8, 8)
            .hex_own(iid)
            .gen(),
    );
    n.push(
        Node::field("ipv6.slaac_mac", format!("SLAAC MAC: {s}"), s, at + 8, 8)
            .hex_own(iid)
            .gen()
            .hide(),
    );
}

pub(super) fn arp(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let hw = be16(b, o);
    let pt = be16(b, o + 2);
    let hs = b.get(o + 4).copied().unwrap_or(0) as usize;
    let ps = b.get(o + 5).copied().unwrap_or(0) as usize;
    let op = be16(b, o + 6);
    let opname = match op {
        1 => "request",
        2 => "reply",
        3 => "reverse request",
        4 => "reverse reply",
        _ => "Unknown",
    };
    let total = 8 + 2 * hs + 2 * ps;
    // An IPv4 request for the sender's own address announces it; one from 0.0.0.0
    // probes for it (RFC 5227).
    let (spa, tpa) = (o + 8 + hs, o + 8 + 2 * hs + ps);
    let v4 = pt == 0x0800 && ps == 4 && b.len() >= tpa + 4;
    let announce = v4 && op == 1 && slice(b, spa, 4) == slice(b, tpa, 4);
    let probe = v4 && op == 1 && slice(b, spa, 4) == [0, 0, 0, 0];
    let title = match op {
        1 if announce => "Address Resolution Protocol (ARP Announcement)",
        1 if probe => "Address Resolution Protocol (ARP Probe)",
        1 => "Address Resolution Protocol (request)",
        2 => "Address Resolution Protocol (reply)",
        3 => "Reverse Address Resolution Protocol (request)",
        4 => "Reverse Address Resolution Protocol (reply)",
        _ => "Address Resolution Protocol (opcode unknown)",
    };
    let mut n = Node::proto("arp", title, o, total);
    let hwname = crate::query::fields::value_strings::string_of("arp.hw.type", i64::from(hw))
        .unwrap_or("Unknown");
    n.push(
        Node::field(
            "arp.hw.type",
            format!("Hardware type: {hwname} ({hw})"),
            hw.to_string(),
            o,
            2,
        )
        .hex_own(slice(b, o, 2)),
    );
    n.push(
        Node::field(
            "arp.proto.type",
            format!(
                "Protocol type: {} (0x{pt:04x})",
                super::l2::ethertype_name(pt)
            ),
            format!("0x{pt:04x}"),
            o + 2,
            2,
        )
        .hex_own(slice(b, o + 2, 2)),
    );
    n.push(
        Node::field(
            "arp.hw.size",
            format!("Hardware size: {hs}"),
            hs.to_string(),
            o + 4,
            1,
        )
        .hex_own(slice(b, o + 4, 1)),
    );
    n.push(
        Node::field(
            "arp.proto.size",
            format!("Protocol size: {ps}"),
            ps.to_string(),
            o + 5,
            1,
        )
        .hex_own(slice(b, o + 5, 1)),
    );
    n.push(
        Node::field(
            "arp.opcode",
            format!("Opcode: {opname} ({op})"),
            op.to_string(),
            o + 6,
            2,
        )
        .hex_own(slice(b, o + 6, 2)),
    );
    let at = o + 8;
    let parts = [
        ("arp.src.hw_mac", "Sender MAC address", at, hs, true),
        (
            "arp.src.proto_ipv4",
            "Sender IP address",
            at + hs,
            ps,
            false,
        ),
        (
            "arp.dst.hw_mac",
            "Target MAC address",
            at + hs + ps,
            hs,
            true,
        ),
        (
            "arp.dst.proto_ipv4",
            "Target IP address",
            at + 2 * hs + ps,
            ps,
            false,
        ),
    ];
    for (name, label, at, len, is_mac) in parts {
        let v = slice(b, at, len);
        if is_mac && len == 6 && v.len() == 6 {
            let s = mac(v);
            n.push(Node::field(name, format!("{label}: {s}"), s, at, 6).hex_own(v));
        } else if !is_mac && len == 4 && pt == 0x0800 && v.len() == 4 {
            let s = Ipv4Addr::new(v[0], v[1], v[2], v[3]).to_string();
            n.push(Node::field(name, format!("{label}: {s}"), s, at, 4).hex_own(v));
        }
    }
    n
}

/// An IPv6 hop-by-hop or destination options header (RFC 8200 §4.3, §4.6), or a
/// routing header (§4.4), at `o`, as packet-ipv6.c shows it under the ipv6 item;
/// `plen` is the IPv6 header's payload length (a jumbo payload option's rule).
/// False with the header when its options run past the captured bytes (packet-ipv6.c's
/// walk then throws before it sizes the ipv6 item).
pub(super) fn exthdr(b: &[u8], o: usize, kind: ExtKind, plen: u16) -> (Node, bool) {
    let len = (usize::from(b.get(o + 1).copied().unwrap_or(0)) + 1) * 8;
    let (name, title) = match kind {
        ExtKind::HopByHop => ("ipv6.hopopts", "IPv6 Hop-by-Hop Option".to_string()),
        ExtKind::Destination => ("ipv6.dstopts", "Destination Options for IPv6".to_string()),
        ExtKind::Routing => {
            let t = b.get(o + 2).copied().unwrap_or(0);
            let title = match routing_type_name(t) {
                Some(s) => format!("Routing Header for IPv6 ({s})"),
                None => format!("Routing Header for IPv6 (Unknown type {t})"),
            };
            ("ipv6.routing", title)
        }
    };
    let mut n = Node::proto(name, title, o, len);
    let nxt = b.get(o).copied().unwrap_or(0);
    n.push(
        Node::field(
            format!("{name}.nxt"),
            format!("Next Header: {} ({nxt})", ipproto_name(nxt)),
            nxt.to_string(),
            o,
            1,
        )
        .hex_own(slice(b, o, 1)),
    );
    let l = b.get(o + 1).copied().unwrap_or(0);
    n.push(
        Node::field(
            format!("{name}.len"),
            format!("Length: {l}"),
            l.to_string(),
            o + 1,
            1,
        )
        .hex_own(slice(b, o + 1, 1)),
    );
    n.push(
        Node::field(
            format!("{name}.len_oct"),
            format!("Length: {len} bytes"),
            len.to_string(),
            o + 1,
            1,
        )
        .hex_own(slice(b, o + 1, 1))
        .gen(),
    );
    match kind {
        ExtKind::Routing => routing(&mut n, b, o, len),
        _ => {
            let mut at = o + 2;
            while at < (o + len).min(b.len()) {
                match option(&mut n, b, at, kind, plen) {
                    Some(next) => at = next,
                    None => return (n, false),
                }
            }
        }
    }
    (n, true)
}

/// Which extension header [`exthdr`] shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ExtKind {
    HopByHop,
    Destination,
    Routing,
}

/// A routing type's name (`ipv6.routing.type`'s value strings).
fn routing_type_name(t: u8) -> Option<&'static str> {
    crate::query::fields::value_strings::string_of("ipv6.routing.type", i64::from(t))
}

/// The type-specific part of a routing header at `o` (`len` bytes in all) after its
/// type and segments left.
fn routing(n: &mut Node, b: &[u8], o: usize, len: usize) {
    let t = b.get(o + 2).copied().unwrap_or(0);
    let name = routing_type_name(t);
    let tn = n.push(
        Node::field(
            "ipv6.routing.type",
            format!("Type: {} ({t})", name.unwrap_or("Unknown")),
            t.to_string(),
            o + 2,
            1,
        )
        .hex_own(slice(b, o + 2, 1)),
    );
    if t <= 1 {
        // RFC 5095 deprecated type 0; Nimrod was never used.
        tn.push(expert(
            "ipv6.routing.deprecated",
            "Routing header type is deprecated",
            Severity::Note,
            Group::Deprecated,
        ));
    }
    let left = b.get(o + 3).copied().unwrap_or(0);
    n.push(
        Node::field(
            "ipv6.routing.segleft",
            format!("Segments Left: {left}"),
            left.to_string(),
            o + 3,
            1,
        )
        .hex_own(slice(b, o + 3, 1)),
    );
    let end = (o + len).min(b.len());
    let addrs = |n: &mut Node, name: &'static str, first: usize, from: usize| {
        let mut at = from;
        let mut i = first;
        while at + 16 <= end {
            let mut x = [0u8; 16];
            x.copy_from_slice(&b[at..at + 16]);
            let s = Ipv6Addr::from(x).to_string();
            n.push(
                Node::field(name, format!("Address[{i}]: {s}"), s, at, 16).hex_own(&b[at..at + 16]),
            );
            at += 16;
            i += 1;
        }
    };
    let reserved = |n: &mut Node, name: &'static str| {
        let r = slice(b, o + 4, 4);
        n.push(
            Node::field(
                name,
                format!("Reserved: {}", super::hex(r)),
                super::colon_hex(r),
                o + 4,
                4,
            )
            .hex_own(r),
        );
    };
    match t {
        0 => {
            reserved(n, "ipv6.routing.src.reserved");
            addrs(n, "ipv6.routing.src.addr", 1, o + 8);
        }
        2 => {
            reserved(n, "ipv6.routing.mipv6.reserved");
            addrs(n, "ipv6.routing.mipv6.home_address", 1, o + 8);
        }
        4 => {
            let last = b.get(o + 4).copied().unwrap_or(0);
            n.push(
                Node::field(
                    "ipv6.routing.srh.last_entry",
                    format!("Last Entry: {last}"),
                    last.to_string(),
                    o + 4,
                    1,
                )
                .hex_own(slice(b, o + 4, 1)),
            );
            let fl = b.get(o + 5).copied().unwrap_or(0);
            n.push(
                Node::field(
                    "ipv6.routing.srh.flags",
                    format!("Flags: 0x{fl:02x}"),
                    format!("0x{fl:02x}"),
                    o + 5,
                    1,
                )
                .hex_own(slice(b, o + 5, 1)),
            );
            let tag = slice(b, o + 6, 2);
            n.push(
                Node::field(
                    "ipv6.routing.srh.tag",
                    format!("Tag: {}", super::hex(tag)),
                    super::colon_hex(tag),
                    o + 6,
                    2,
                )
                .hex_own(tag),
            );
            addrs(n, "ipv6.routing.srh.addr", 0, o + 8);
        }
        _ => {
            let d = slice(b, o + 4, len.saturating_sub(4));
            let mut f = Node::field(
                "ipv6.routing.unknown_data",
                format!("Type-Specific Data: {}", super::hex(d)),
                super::colon_hex(d),
                o + 4,
                d.len(),
            )
            .hex_own(d);
            f.push(expert(
                "ipv6.routing.undecoded",
                "Undecoded IPv6 routing header field",
                Severity::Note,
                Group::Undecoded,
            ));
            n.push(f);
        }
    }
}

/// One option of a hop-by-hop or destination options header at `at`, as
/// packet-ipv6.c's `dissect_opts` shows it; returns where the next one starts, None
/// where the option runs past the captured bytes.
fn option(n: &mut Node, b: &[u8], at: usize, kind: ExtKind, plen: u16) -> Option<usize> {
    let t = b.get(at).copied().unwrap_or(0);
    let len = usize::from(b.get(at + 1).copied().unwrap_or(0));
    let tname = crate::query::fields::value_strings::string_of("ipv6.opt.type", i64::from(t));
    let title = match tname {
        Some(s) => s.to_string(),
        None => format!("Unknown IPv6 Option ({t})"),
    };
    // packet-ipv6.c reads the length byte before it knows the option is Pad1, and
    // gives the option's item that length even then.
    let size = (len + 2).min(b.len().saturating_sub(at));
    let tb = slice(b, at, 1);
    let opt = n.push(Node::field("ipv6.opt", title, "", at, size).none());
    let ty = opt.push(
        Node::field(
            "ipv6.opt.type",
            format!("Type: {} (0x{t:02x})", tname.unwrap_or("Unknown")),
            format!("0x{t:02x}"),
            at,
            1,
        )
        .hex_own(tb),
    );
    if t == 0 {
        opt.push(Node::field("ipv6.opt.pad1", "Pad1", "", at, 1).none());
        return Some(at + 1);
    }
    let v = u64::from(t);
    if t == 4 && kind != ExtKind::Destination {
        ty.push(expert(
            "ipv6.opt.header_mismatch",
            "Tunnel Encapsulation Limit must use a destination options header",
            Severity::Warning,
            Group::Protocol,
        ));
    }
    let action = t >> 6;
    ty.push(
        Node::field(
            "ipv6.opt.type.action",
            bits_text(
                v,
                0xc0,
                8,
                format_args!(
                    "Action: {} ({action})",
                    [
                        "Skip and continue",
                        "Discard",
                        "Discard and send ICMP Parameter Problem",
                        "Discard and send ICMP if not multicast"
                    ][usize::from(action)]
                ),
            ),
            action.to_string(),
            at,
            1,
        )
        .masked_own(u64::from(action), tb),
    );
    let change = (t >> 5) & 1;
    ty.push(
        Node::field(
            "ipv6.opt.type.change",
            bits_text(
                v,
                0x20,
                8,
                format_args!("May Change: {}", if change == 1 { "Yes" } else { "No" }),
            ),
            change.to_string(),
            at,
            1,
        )
        .masked_own(u64::from(change), tb),
    );
    let rest = t & 0x1f;
    ty.push(
        Node::field(
            "ipv6.opt.type.rest",
            bits_text(v, 0x1f, 8, format_args!("Low-Order Bits: 0x{rest:02x}")),
            format!("0x{rest:02x}"),
            at,
            1,
        )
        .masked_own(u64::from(rest), tb),
    );
    let lf = opt.push(
        Node::field(
            "ipv6.opt.length",
            format!("Length: {len}"),
            len.to_string(),
            at + 1,
            1,
        )
        .hex_own(slice(b, at + 1, 1)),
    );
    let d = at + 2;
    let data = slice(b, d, len);
    let bad_len = |lf: &mut Node, what: &str| {
        lf.push_expert(
            "ipv6.opt.invalid_len",
            &format!("{what} ({len} bytes)"),
            Severity::Error,
            Group::Malformed,
        );
    };
    let uint = |name: &'static str, label: &str, at: usize, size: usize| {
        let v = slice(b, at, size)
            .iter()
            .fold(0u64, |a, &x| a << 8 | u64::from(x));
        Node::field(name, format!("{label}: {v}"), v.to_string(), at, size)
            .hex_own(slice(b, at, size))
    };
    let bytes = |name: &'static str, label: &str| {
        let text = if data.is_empty() {
            format!("{label}: <none>")
        } else {
            format!("{label}: {}", super::hex(data))
        };
        let f = Node::field(name, text, super::colon_hex(data), d, data.len());
        if data.is_empty() {
            f
        } else {
            f.hex_own(data)
        }
    };
    let decoded = match t {
        0x01 => {
            opt.push(bytes("ipv6.opt.padn", "PadN"));
            len
        }
        0x04 => {
            if len != 1 {
                bad_len(lf, "Tunnel Encapsulation Limit: Invalid length");
            }
            opt.push(uint("ipv6.opt.tel", "Tunnel Encapsulation Limit", d, 1));
            1
        }
        0x05 => {
            if len != 2 {
                bad_len(lf, "Router alert: Invalid Length");
            }
            let v = be16(b, d);
            let s = crate::query::fields::value_strings::string_of(
                "ipv6.opt.router_alert",
                i64::from(v),
            )
            .unwrap_or("Unknown");
            opt.push(
                Node::field(
                    "ipv6.opt.router_alert",
                    format!("Router Alert: {s} ({v})"),
                    v.to_string(),
                    d,
                    2,
                )
                .hex_own(slice(b, d, 2)),
            );
            2
        }
        0x30 => {
            if len != 4 {
                bad_len(lf, "PMTU Option: Invalid Length");
            }
            opt.push(uint("ipv6.opt.pmtu.min", "Minimum Reported PMTU", d, 2));
            let rtn = be16(b, d + 2) & 0xfffe;
            opt.push(
                Node::field(
                    "ipv6.opt.pmtu.rtn",
                    format!("Return Minimum PMTU: {rtn}"),
                    rtn.to_string(),
                    d + 2,
                    2,
                )
                .hex_own(slice(b, d + 2, 2)),
            );
            let r = b.get(d + 3).copied().unwrap_or(0) & 1;
            opt.push(
                Node::field(
                    "ipv6.opt.pmtu.r_flag",
                    format!("Return Flag: {}", if r == 1 { "True" } else { "False" }),
                    r.to_string(),
                    d + 3,
                    1,
                )
                .hex_own(slice(b, d + 3, 1)),
            );
            4
        }
        0xc2 => {
            if len != 4 {
                bad_len(lf, "Jumbo Payload: Invalid length");
            }
            opt.push(uint("ipv6.opt.jumbo", "Payload Length", d, 4));
            if plen != 0 {
                opt.push(expert(
                    "ipv6.opt.jumbo.prohibited",
                    "When IPv6 payload length does not equal 0 a Jumbo Payload option must not be present",
                    Severity::Warning,
                    Group::Protocol,
                ));
            }
            4
        }
        0xc9 => {
            if len != 16 {
                bad_len(lf, "Home Address: Invalid length");
            }
            let s = slice(b, d, 16);
            let mut x = [0u8; 16];
            x[..s.len()].copy_from_slice(s);
            let a = Ipv6Addr::from(x).to_string();
            opt.push(
                Node::field(
                    "ipv6.opt.mipv6.home_address",
                    format!("MIPv6 Home Address: {a}"),
                    a,
                    d,
                    16,
                )
                .hex_own(s),
            );
            16
        }
        t if t & 0x1f == 0x1e => {
            opt.push(bytes("ipv6.opt.experimental", "Experimental Option"));
            len
        }
        _ if tname.is_none() => {
            let mut f = bytes("ipv6.opt.unknown", "Unknown Option Payload");
            f.push(expert(
                "ipv6.opt.unknown_data.expert",
                "Unknown Data (not interpreted)",
                Severity::Note,
                Group::Undecoded,
            ));
            opt.push(f);
            len
        }
        // The other options packet-ipv6.c names (CALIPSO, SMF_DPD, Quick-Start, IOAM,
        // RPL, MPL, …) are shown by their type and length only.
        _ => len,
    };
    if d + len > b.len() {
        // packet-ipv6.c's next read throws: the header's walk ends here.
        return None;
    }
    if decoded < len {
        // What an option's length leaves after the fields its dissector read.
        let rest = slice(b, d + decoded, len - decoded);
        let mut f = Node::field(
            "ipv6.opt_unknown_data",
            format!("Unknown Data: {}", super::hex(rest)),
            super::colon_hex(rest),
            d + decoded,
            rest.len(),
        )
        .hex_own(rest);
        f.push(expert(
            "ipv6.opt.unknown_data.expert",
            "Unknown Data (not interpreted)",
            Severity::Note,
            Group::Undecoded,
        ));
        opt.push(f);
    }
    Some(d + len)
}
