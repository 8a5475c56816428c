//! Tunnel headers (VXLAN, Geneve, GRE), as Wireshark 4.0's packet-vxlan.c,
//! packet-geneve.c and packet-gre.c show them; the inner packet's layers follow as any.

use super::l2::{be16, be32, slice, At};
use super::{bits_text, Node};

/// The name packet-etypes.h gives an EtherType a tunnel header names.
fn ethertype_name(t: u16) -> &'static str {
    match t {
        0x0800 => "IP",
        0x86dd => "IPv6",
        0x6558 => "Transparent Ethernet bridging",
        0x88be => "ERSPAN",
        0x22eb => "ERSPAN3",
        0x8847 => "MPLS label switched packet",
        0x880b => "PPP",
        0x8909 => "CiscoMetaData",
        0x0806 => "ARP",
        0x8100 => "802.1Q Virtual LAN",
        _ => "Unknown",
    }
}

/// A 24-bit field.
fn be24(b: &[u8], at: usize) -> u32 {
    be32(b, at) >> 8
}

pub(super) fn vxlan(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let flags = be16(b, o);
    let mut n = Node::proto("vxlan", "Virtual eXtensible Local Area Network", o, 8);
    let shown = if flags & 0x0800 != 0 {
        ", VXLAN Network ID (VNI)"
    } else {
        ""
    };
    let mut f = Node::field(
        "vxlan.flags",
        format!("Flags: 0x{flags:04x}{shown}"),
        format!("0x{flags:04x}"),
        o,
        2,
    )
    .hex_own(slice(b, o, 2));
    let i = u64::from(flags >> 11 & 1);
    f.push(
        Node::field(
            "vxlan.flag_i",
            bits_text(
                flags.into(),
                0x0800,
                16,
                format_args!(
                    "VXLAN Network ID (VNI): {}",
                    if i == 1 { "True" } else { "False" }
                ),
            ),
            i.to_string(),
            o,
            2,
        )
        .masked_own(i, slice(b, o, 2)),
    );
    n.push(f);
    let vni = be24(b, o + 4);
    n.push(
        Node::field(
            "vxlan.vni",
            format!("VXLAN Network Identifier (VNI): {vni}"),
            vni.to_string(),
            o + 4,
            3,
        )
        .hex_own(slice(b, o + 4, 3)),
    );
    n
}

pub(super) fn geneve(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let vni = be24(b, o + 4);
    let mut n = Node::proto(
        "geneve",
        format!("Generic Network Virtualization Encapsulation, VNI: 0x{vni:06x}"),
        o,
        l.header_len as usize,
    );
    let first = b.get(o).copied().unwrap_or(0);
    let version = first >> 6;
    n.push(
        Node::field(
            "geneve.version",
            format!("Version: {version}"),
            version.to_string(),
            o,
            1,
        )
        .hex_own(slice(b, o, 1)),
    );
    let opts = (first & 0x3f) as usize * 4;
    n.push(
        Node::field(
            "geneve.option.length",
            format!("Length: {opts} bytes"),
            opts.to_string(),
            o,
            1,
        )
        .hex_own(slice(b, o, 1)),
    );
    let t = be16(b, o + 2);
    n.push(
        Node::field(
            "geneve.proto_type",
            format!("Protocol Type: {} (0x{t:04x})", ethertype_name(t)),
            format!("0x{t:04x}"),
            o + 2,
            2,
        )
        .hex_own(slice(b, o + 2, 2)),
    );
    n.push(
        Node::field(
            "geneve.vni",
            format!("Virtual Network Identifier (VNI): 0x{vni:06x} ({vni})"),
            format!("0x{vni:06x}"),
            o + 4,
            3,
        )
        .hex_own(slice(b, o + 4, 3)),
    );
    n
}

pub(super) fn gre(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let flags = be16(b, o);
    let t = be16(b, o + 2);
    let mut n = Node::proto(
        "gre",
        format!("Generic Routing Encapsulation ({})", ethertype_name(t)),
        o,
        l.header_len as usize,
    );
    let fb = slice(b, o, 2);
    let mut f = Node::field(
        "gre.flags_and_version",
        format!("Flags and Version: 0x{flags:04x}"),
        format!("0x{flags:04x}"),
        o,
        2,
    )
    .hex_own(fb);
    for (name, label, mask) in [
        ("gre.flags.checksum", "Checksum Bit", 0x8000u16),
        ("gre.flags.routing", "Routing Bit", 0x4000),
        ("gre.flags.key", "Key Bit", 0x2000),
        ("gre.flags.sequence_number", "Sequence Number Bit", 0x1000),
    ] {
        let v = u64::from(flags & mask != 0);
        f.push(
            Node::field(
                name,
                bits_text(
                    flags.into(),
                    mask.into(),
                    16,
                    format_args!("{label}: {}", if v == 1 { "Yes" } else { "No" }),
                ),
                v.to_string(),
                o,
                2,
            )
            .masked_own(v, fb),
        );
    }
    n.push(f);
    n.push(
        Node::field(
            "gre.proto",
            format!("Protocol Type: {} (0x{t:04x})", ethertype_name(t)),
            format!("0x{t:04x}"),
            o + 2,
            2,
        )
        .hex_own(slice(b, o + 2, 2)),
    );
    let mut at = o + 4;
    if flags & 0xc000 != 0 {
        at += 4;
    }
    let pptp = flags & 7 == 1;
    if flags & 0x2000 != 0 && !pptp {
        let key = be32(b, at);
        n.push(
            Node::field(
                "gre.key",
                format!("Key: 0x{key:08x}"),
                format!("0x{key:08x}"),
                at,
                4,
            )
            .hex_own(slice(b, at, 4)),
        );
    }
    if flags & 0x2000 != 0 {
        at += 4;
    }
    if flags & 0x1000 != 0 {
        let seq = be32(b, at);
        n.push(
            Node::field(
                "gre.sequence_number",
                format!("Sequence Number: {seq}"),
                seq.to_string(),
                at,
                4,
            )
            .hex_own(slice(b, at, 4)),
        );
    }
    n
}
