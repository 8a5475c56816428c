//! The link layers of capture mechanisms as Wireshark 4.0 shows them: NFLOG
//! (packet-nflog.c), PKTAP (packet-pktap.c, and packet-user_encap.c's `user_dlt` item
//! for PKTAP written as USER2), Solaris IPNET (packet-ipnet.c), IP over InfiniBand
//! (packet-ipoib.c) and Linux ARCNET (packet-arcnet.c).

use super::l2::{be16, be32, etype_node, slice, At};
use super::{bits_text, colon_hex, escape, Node};
use crate::ingest::wire::capture_hdr::{nflog_tlvs, IPNET_LEN, IPOIB_GRH, NFLOG_TLVS, PKTAP_MIN};
use crate::query::fields::value::format_abs_time;

/// An unsigned field shown in decimal, `{label}: {v}`.
fn dec(name: &'static str, label: &str, v: u64, b: &[u8], at: usize, size: usize) -> Node {
    Node::field(name, format!("{label}: {v}"), v.to_string(), at, size).hex_own(slice(b, at, size))
}

/// An unsigned field shown in hex with `digits` digits, `{label}: 0x…`.
fn hexf(
    name: &'static str,
    label: &str,
    v: u64,
    digits: usize,
    b: &[u8],
    at: usize,
    size: usize,
) -> Node {
    let s = format!("0x{v:0digits$x}");
    Node::field(name, format!("{label}: {s}"), s.clone(), at, size).hex_own(slice(b, at, size))
}

/// A NUL-terminated string in a fixed-size field (`FT_STRINGZ`).
fn stringz(name: &'static str, label: &str, b: &[u8], at: usize, size: usize) -> Node {
    let raw = slice(b, at, size);
    let s = escape(&raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())]);
    Node::field(name, format!("{label}: {s}"), s, at, size).hex_own(raw)
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |x| u16::from_le_bytes([x[0], x[1]]))
}

/// packet-netlink.c's `nfproto_family_vals`.
fn nfproto_family(f: u8) -> &'static str {
    match f {
        0 => "Unspecified",
        1 => "IPv4/IPv6",
        2 => "IPv4",
        3 => "ARP",
        5 => "Netdev",
        7 => "Bridge",
        10 => "IPv6",
        12 => "DECNET",
        _ => "Unknown",
    }
}

/// packet-netlink.c's `netfilter_hooks_vals`.
fn netfilter_hook(h: u8) -> &'static str {
    match h {
        0 => "Pre-routing",
        1 => "Local in",
        2 => "Forward",
        3 => "Local out",
        4 => "Post-routing",
        5 => "Number of hooks",
        _ => "Unknown",
    }
}

/// packet-nflog.c's `nflog_tlv_vals`.
const NFULA: [&str; 18] = [
    "NFULA_UNSPEC",
    "NFULA_PACKET_HDR",
    "NFULA_MARK",
    "NFULA_TIMESTAMP",
    "NFULA_IFINDEX_INDEV",
    "NFULA_IFINDEX_OUTDEV",
    "NFULA_IFINDEX_PHYSINDEV",
    "NFULA_IFINDEX_PHYSOUTDEV",
    "NFULA_HWADDR",
    "NFULA_PAYLOAD",
    "NFULA_PREFIX",
    "NFULA_UID",
    "NFULA_SEQ",
    "NFULA_SEQ_GLOBAL",
    "NFULA_GID",
    "NFULA_HWTYPE",
    "NFULA_HWHEADER",
    "NFULA_HWLEN",
];

/// The NFLOG layer: its header and each TLV with the value packet-nflog.c decodes.
pub(super) fn nflog(b: &[u8], l: &At) -> Node {
    let (o, end) = (l.offset as usize, (l.end() as usize).min(b.len()));
    let f = &b[o.min(end)..end];
    let mut n = Node::proto("nflog", "Linux Netfilter NFLOG", o, l.len as usize);
    if f.len() < NFLOG_TLVS {
        return n;
    }
    let fam = f[0];
    n.push(
        Node::field(
            "nflog.family",
            format!("Family: {} ({fam})", nfproto_family(fam)),
            fam.to_string(),
            o,
            1,
        )
        .hex_own(&f[..1]),
    );
    n.push(dec("nflog.version", "Version", f[1].into(), b, o + 1, 1));
    n.push(dec(
        "nflog.res_id",
        "Resource id",
        be16(f, 2).into(),
        b,
        o + 2,
        2,
    ));
    for (at, len, t) in nflog_tlvs(f, l.len as usize) {
        let name = NFULA.get(t as usize).copied().unwrap_or("Unknown");
        let bytes = slice(f, at, len);
        let mut tlv = Node::field(
            "nflog.tlv",
            format!("TLV Type: {name} ({t}), Length: {len}"),
            colon_hex(bytes),
            o + at,
            len,
        )
        .hex_own(bytes);
        tlv.push(dec("nflog.tlv_length", "Length", len as u64, b, o + at, 2));
        let raw = le16(f, at + 2);
        tlv.push(
            Node::field(
                "nflog.tlv_type",
                bits_text(raw.into(), 0x7fff, 16, format_args!("Type: {name} ({t})")),
                t.to_string(),
                o + at + 2,
                2,
            )
            .masked_own(t.into(), slice(f, at + 2, 2)),
        );
        let (v, vlen) = (at + 4, len - 4);
        let value = match (t, vlen) {
            (1, 4) => {
                let p = be16(f, v);
                tlv.push(etype_node("nflog.protocol", "HW protocol", p, b, o + v));
                let h = f.get(v + 2).copied().unwrap_or(0);
                Some(
                    Node::field(
                        "nflog.hook",
                        format!("Netfilter hook: {} ({h})", netfilter_hook(h)),
                        h.to_string(),
                        o + v + 2,
                        1,
                    )
                    .hex_own(slice(f, v + 2, 1)),
                )
            }
            (4, 4) => Some(dec(
                "nflog.ifindex_indev",
                "IFINDEX_INDEV",
                be32(f, v).into(),
                b,
                o + v,
                4,
            )),
            (5, 4) => Some(dec(
                "nflog.ifindex_outdev",
                "IFINDEX_OUTDEV",
                be32(f, v).into(),
                b,
                o + v,
                4,
            )),
            (6, 4) => Some(dec(
                "nflog.ifindex_physindev",
                "IFINDEX_PHYSINDEV",
                be32(f, v).into(),
                b,
                o + v,
                4,
            )),
            (7, 4) => Some(dec(
                "nflog.ifindex_physoutdev",
                "IFINDEX_PHYSOUTDEV",
                be32(f, v).into(),
                b,
                o + v,
                4,
            )),
            (9, _) => None,
            (10, 1..) => Some(stringz("nflog.prefix", "Prefix", b, o + v, vlen)),
            (11 | 14, 4) => {
                let id = be32(f, v) as i32;
                let (field, label) = if t == 11 {
                    ("nflog.uid", "UID")
                } else {
                    ("nflog.gid", "GID")
                };
                Some(
                    Node::field(field, format!("{label}: {id}"), id.to_string(), o + v, 4)
                        .hex_own(slice(f, v, 4)),
                )
            }
            (3, 16) => {
                let secs = u64::from(be32(f, v)) << 32 | u64::from(be32(f, v + 4));
                let usecs = u64::from(be32(f, v + 8)) << 32 | u64::from(be32(f, v + 12));
                let ns = (secs as i64)
                    .saturating_mul(1_000_000_000)
                    .saturating_add((usecs as i64).saturating_mul(1_000));
                let mut s = String::new();
                format_abs_time(ns, &mut s);
                Some(
                    Node::field("nflog.timestamp", format!("Timestamp: {s}"), s, o + v, 16)
                        .hex_own(slice(f, v, 16)),
                )
            }
            _ => {
                let val = slice(f, v, vlen);
                Some(
                    Node::field(
                        "nflog.tlv_value",
                        format!("Value: {}", super::shown_bytes(val)),
                        colon_hex(val),
                        o + v,
                        vlen,
                    )
                    .hex_own(val),
                )
            }
        };
        if let Some(value) = value {
            tlv.push(value);
        }
        n.push(tlv);
    }
    n
}

/// packet-user_encap.c's item for a USER link type: the whole frame, no fields.
pub(super) fn user_dlt(l: &At) -> Node {
    Node::proto(
        "user_dlt",
        "DLT: 149, Payload: pktap (PKTAP packet header)",
        l.offset as usize,
        l.len as usize,
    )
}

/// The PKTAP header (its fields little endian).
pub(super) fn pktap(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let hdrlen = le32(b, o) as usize;
    let mut n = Node::proto("pktap", "PKTAP packet header", o, hdrlen);
    n.push(dec("pktap.hdrlen", "Header length", hdrlen as u64, b, o, 4));
    if hdrlen < PKTAP_MIN {
        return n;
    }
    let u32f = |name, label, at: usize| dec(name, label, le32(b, o + at).into(), b, o + at, 4);
    n.push(u32f("pktap.rectype", "Record type", 4));
    n.push(u32f("pktap.dlt", "DLT", 8));
    n.push(stringz("pktap.ifname", "Interface name", b, o + 12, 24));
    n.push(hexf(
        "pktap.flags",
        "Flags",
        le32(b, o + 36).into(),
        8,
        b,
        o + 36,
        4,
    ));
    n.push(u32f("pktap.pfamily", "Protocol family", 40));
    n.push(u32f("pktap.llhdrlen", "Link-layer header length", 44));
    n.push(u32f("pktap.lltrlrlen", "Link-layer trailer length", 48));
    n.push(u32f("pktap.pid", "Process ID", 52));
    n.push(stringz("pktap.cmdname", "Command name", b, o + 56, 20));
    n.push(u32f("pktap.svc_class", "Service class", 76));
    n.push(dec(
        "pktap.iftype",
        "Interface type",
        le16(b, o + 80).into(),
        b,
        o + 80,
        2,
    ));
    n.push(dec(
        "pktap.ifunit",
        "Interface unit",
        le16(b, o + 82).into(),
        b,
        o + 82,
        2,
    ));
    n.push(u32f("pktap.epid", "Effective process ID", 84));
    n.push(stringz(
        "pktap.ecmdname",
        "Effective command name",
        b,
        o + 88,
        20,
    ));
    n
}

/// The Solaris IPNET header (big endian).
pub(super) fn ipnet(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let mut n = Node::proto("ipnet", "Solaris IPNET", o, IPNET_LEN);
    let v = b.get(o).copied().unwrap_or(0);
    n.push(dec("ipnet.version", "Header version", v.into(), b, o, 1));
    let fam = b.get(o + 1).copied().unwrap_or(0);
    let fam_name = match fam {
        2 => "Solaris AF_INET",
        26 => "Solaris AF_INET6",
        _ => "Unknown",
    };
    n.push(
        Node::field(
            "ipnet.family",
            format!("Address family: {fam_name} ({fam})"),
            fam.to_string(),
            o + 1,
            1,
        )
        .hex_own(slice(b, o + 1, 1)),
    );
    let h = be16(b, o + 2);
    let hook = match h {
        0 => "Inbound",
        1 => "Outbound",
        2 => "Local",
        _ => "Unknown",
    };
    n.push(
        Node::field(
            "ipnet.htype",
            format!("Hook type: {hook} ({h})"),
            h.to_string(),
            o + 2,
            2,
        )
        .hex_own(slice(b, o + 2, 2)),
    );
    for (name, label, at) in [
        ("ipnet.pktlen", "Data length", 4),
        ("ipnet.ifindex", "Interface index", 8),
        ("ipnet.grifindex", "Group interface index", 12),
        ("ipnet.zsrc", "Source Zone ID", 16),
        ("ipnet.zdst", "Destination Zone ID", 20),
    ] {
        n.push(dec(name, label, be32(b, o + at).into(), b, o + at, 4));
    }
    n
}

/// The GID at `at` as an IPv6 address.
fn gid(name: &'static str, label: &str, b: &[u8], at: usize) -> Node {
    let raw = slice(b, at, 16);
    let a: [u8; 16] = raw.try_into().unwrap_or([0; 16]);
    let s = std::net::Ipv6Addr::from(a).to_string();
    Node::field(name, format!("{label}: {s}"), s, at, 16).hex_own(raw)
}

/// A 24-bit queue pair number.
fn qpn(name: &'static str, label: &str, b: &[u8], at: usize) -> Node {
    let v = u64::from(be32(b, at - 1) & 0x00ff_ffff);
    hexf(name, label, v, 6, b, at, 3)
}

/// The IPoIB header after libpcap's GRH pseudo-header: the destination (where the GRH
/// is not valid, its first 16 bits zero) or the GRH, then type and reserved.
pub(super) fn ipoib(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let mut n = Node::proto("ipoib", "IP over Infiniband", o, IPOIB_GRH + 4);
    if be16(b, o) == 0 {
        let mut d = Node::field("ipoib.daddr", "Destination address", "", o + 20, 20).none();
        d.push(qpn("ipoib.daddr.qpn", "Destination QPN", b, o + 21));
        d.push(gid("ipoib.dgid", "Destination GID", b, o + 24));
        n.push(d);
    } else {
        let mut g = Node::field("ipoib.grh", "Global Route Header", "", o, 40).none();
        let first = be32(b, o);
        let v = first >> 28;
        g.push(
            Node::field(
                "ipoib.grh.ipver",
                bits_text(
                    u64::from(first >> 24),
                    0xf0,
                    8,
                    format_args!("IP Version: {v}"),
                ),
                v.to_string(),
                o,
                1,
            )
            .masked_own(v.into(), slice(b, o, 1)),
        );
        let tc = (first >> 20) & 0xff;
        g.push(
            Node::field(
                "ipoib.grh.tclass",
                bits_text(
                    u64::from(first >> 16),
                    0x0ff0,
                    16,
                    format_args!("Traffic Class: {tc}"),
                ),
                tc.to_string(),
                o,
                2,
            )
            .masked_own(tc.into(), slice(b, o, 2)),
        );
        let fl = first & 0x000f_ffff;
        g.push(
            Node::field(
                "ipoib.grh.flowlabel",
                bits_text(
                    first.into(),
                    0x000f_ffff,
                    32,
                    format_args!("Flow Label: {fl}"),
                ),
                fl.to_string(),
                o,
                4,
            )
            .masked_own(fl.into(), slice(b, o, 4)),
        );
        g.push(qpn("ipoib.grh.sqpn", "Source QPN", b, o + 5));
        g.push(gid("ipoib.grh.sgid", "Source GID", b, o + 8));
        g.push(gid("ipoib.dgid", "Destination GID", b, o + 24));
        n.push(g);
    }
    n.push(etype_node(
        "ipoib.type",
        "Type",
        be16(b, o + IPOIB_GRH),
        b,
        o + IPOIB_GRH,
    ));
    n.push(hexf(
        "ipoib.reserved",
        "Reserved",
        be16(b, o + IPOIB_GRH + 2).into(),
        4,
        b,
        o + IPOIB_GRH + 2,
        2,
    ));
    n
}

/// packet-arcnet.c's `arcnet_prot_id_vals`.
fn arcnet_protocol(id: u8) -> &'static str {
    match id {
        240 => "RFC 1051 IP",
        241 => "RFC 1051 ARP",
        212 => "RFC 1201 IP",
        213 => "RFC 1201 ARP",
        214 => "RFC 1201 RARP",
        250 => "IPX",
        236 => "Novell of some sort",
        196 => "IPv6",
        232 => "Encapsulated Ethernet",
        0 => "Datapoint boot",
        1 => "Datapoint mount",
        8 => "PowerLAN beacon",
        243 => "PowerLAN beacon2",
        221 => "Appletalk",
        247 => "Banyan VINES",
        128 => "Diagnose",
        205 => "BACnet",
        _ => "Unknown",
    }
}

/// The Linux ARCNET header.
pub(super) fn arcnet(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let header = l.header_len as usize;
    let mut n = Node::proto("arcnet", "ARCNET", o, header);
    let byte = |at: usize| u64::from(b.get(o + at).copied().unwrap_or(0));
    n.push(hexf("arcnet.src", "Source", byte(0), 2, b, o, 1));
    n.push(hexf("arcnet.dst", "Dest", byte(1), 2, b, o + 1, 1));
    let off = slice(b, o + 2, 2);
    n.push(
        Node::field(
            "arcnet.offset",
            format!("Offset: {}", super::hex(off)),
            colon_hex(off),
            o + 2,
            2,
        )
        .hex_own(off),
    );
    let id = byte(4) as u8;
    n.push(
        Node::field(
            "arcnet.protID",
            format!("Protocol ID: {} (0x{id:02x})", arcnet_protocol(id)),
            format!("0x{id:02x}"),
            o + 4,
            1,
        )
        .hex_own(slice(b, o + 4, 1)),
    );
    if header >= 8 {
        n.push(dec("arcnet.split_flag", "Split Flag", byte(5), b, o + 5, 1));
        n.push(dec(
            "arcnet.sequence",
            "Sequence",
            be16(b, o + 6).into(),
            b,
            o + 6,
            2,
        ));
    }
    n
}
