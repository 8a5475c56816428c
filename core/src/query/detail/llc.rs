//! IEEE 802.2 LLC as packet-llc.c shows it (after an 802.3 length, in an 802.11 data
//! frame, after FDDI): the SAPs with their I/G and C/R bits, the control field as
//! packet-xdlc.c words it (U frames one byte, I and S frames two, little endian), and
//! SNAP's organization code and protocol ID.

use super::l2::{be16, slice, At};
use super::{bits_text, manuf, Node};
use crate::query::fields::value_strings::string_of;

/// The LLC layer at `l`.
pub(super) fn llc(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let mut n = Node::proto("llc", "Logical-Link Control", o, l.header_len as usize);
    let (Some(&dsap), Some(&ssap)) = (b.get(o), b.get(o + 1)) else {
        return n;
    };
    let response = ssap & 1 != 0;
    for (name, label, v, at, low) in [
        (
            "llc.dsap",
            "DSAP",
            dsap,
            o,
            ("llc.dsap.ig", "IG Bit", ["Individual", "Group"]),
        ),
        (
            "llc.ssap",
            "SSAP",
            ssap,
            o + 1,
            ("llc.ssap.cr", "CR Bit", ["Command", "Response"]),
        ),
    ] {
        // The byte's name (its low bit included) on the field, the SAP's on its bits.
        let byte_name = string_of(name, i64::from(v)).unwrap_or("Unknown");
        let sap_name = string_of("llc.dsap", i64::from(v & 0xfe)).unwrap_or("Unknown");
        let mut f = Node::field(
            name,
            format!("{label}: {byte_name} (0x{v:02x})"),
            format!("0x{v:02x}"),
            at,
            1,
        )
        .hex_own(slice(b, at, 1));
        let own = slice(b, at, 1);
        f.push(
            Node::field(
                format!("{name}.sap"),
                bits_text(v.into(), 0xfe, 8, format_args!("SAP: {sap_name}")),
                (v >> 1).to_string(),
                at,
                1,
            )
            .masked_own((v >> 1).into(), own),
        );
        let bit = usize::from(v & 1);
        f.push(
            Node::field(
                low.0,
                bits_text(v.into(), 0x01, 8, format_args!("{}: {}", low.1, low.2[bit])),
                bit.to_string(),
                at,
                1,
            )
            .masked_own(bit as u64, own),
        );
        n.push(f);
    }
    let Some(&c0) = b.get(o + 2) else { return n };
    if c0 & 3 == 3 {
        n.push(unnumbered(b, o + 2, c0, response));
    } else if b.len() >= o + 4 {
        n.push(numbered(b, o + 2, response));
    }
    if dsap == 0xaa && ssap == 0xaa && c0 & 3 == 3 && b.len() >= o + 8 {
        snap(&mut n, b, o + 3);
    }
    n
}

/// A U frame's one-byte control field.
fn unnumbered(b: &[u8], at: usize, c: u8, response: bool) -> Node {
    let modifier = c & 0xec;
    let func = match (modifier, response) {
        (0x00, _) => "UI",
        (0x20, _) => "UP",
        (0x40, false) => "DISC",
        (0x40, true) => "RD",
        (0x60, _) => "UA",
        (0x80, _) => "SNRM",
        (0xe0, _) => "TEST",
        (0x04, false) => "SIM",
        (0x04, true) => "RIM",
        (0x84, _) => "FRMR",
        (0xc4, _) => "CFG",
        (0x0c, false) => "SARM",
        (0x0c, true) => "DM",
        (0x2c, _) => "SABM",
        (0x4c, _) => "SARME",
        (0x6c, _) => "SABME",
        (0x8c, _) => "RESET",
        (0xac, _) => "XID",
        (0xcc, _) => "SNRME",
        (0xec, _) => "BCN",
        _ => "Unknown",
    };
    let pf = c & 0x10 != 0;
    let mark = pf_mark(pf, response);
    let own = slice(b, at, 1);
    let mut n = Node::field(
        "llc.control",
        format!("Control field: U{mark}, func={func} (0x{c:02X})"),
        format!("0x{c:04x}"),
        at,
        1,
    )
    .hex_own(own);
    if pf {
        n.push(pf_field(c.into(), 0x10, 8, response, at, 1, own));
    }
    // The modifier bits under packet-xdlc.c's mask 0xec, shifted as proto.c shifts a
    // masked value (by the mask's lowest bit).
    let m = u64::from((c & 0xec) >> 2);
    let (name, label, table) = if response {
        (
            "llc.control.u_modifier_resp",
            "Response",
            "llc.control.u_modifier_resp",
        )
    } else {
        (
            "llc.control.u_modifier_cmd",
            "Command",
            "llc.control.u_modifier_cmd",
        )
    };
    let text = string_of(table, m as i64).unwrap_or("Unknown");
    n.push(
        Node::field(
            name,
            bits_text(
                c.into(),
                0xec,
                8,
                format_args!("{label}: {text} (0x{m:02x})"),
            ),
            format!("0x{m:02x}"),
            at,
            1,
        )
        .masked_own(m, own),
    );
    n.push(
        Node::field(
            "llc.control.ftype",
            bits_text(
                c.into(),
                0x03,
                8,
                format_args!("Frame type: Unnumbered frame (0x3)"),
            ),
            "0x03",
            at,
            1,
        )
        .masked_own(3, own),
    );
    n
}

/// An I or S frame's two-byte control field (LLC's extended, modulo-128 numbering).
fn numbered(b: &[u8], at: usize, response: bool) -> Node {
    let c = u16::from_le_bytes([b[at], b[at + 1]]);
    let own = slice(b, at, 2);
    let v = u64::from(c);
    let nr = v >> 9;
    let pf = c & 0x0100 != 0;
    let mark = pf_mark(pf, response);
    let supervisory = c & 1 != 0;
    let words = if supervisory {
        let func = ["RR", "RNR", "REJ", "SREJ"][usize::from((c >> 2) & 3)];
        format!("S{mark}, func={func}, N(R)={nr}")
    } else {
        format!("I{mark}, N(R)={nr}, N(S)={}", (v >> 1) & 0x7f)
    };
    let mut n = Node::field(
        "llc.control",
        format!("Control field: {words} (0x{c:04X})"),
        format!("0x{c:04x}"),
        at,
        2,
    )
    .hex_own(own);
    let field = |name: &'static str, mask: u64, text: std::fmt::Arguments<'_>, show: String, m| {
        Node::field(name, bits_text(v, mask, 16, text), show, at, 2).masked_own(m, own)
    };
    n.push(field(
        "llc.control.n_r",
        0xfe00,
        format_args!("N(R): {nr}"),
        nr.to_string(),
        nr,
    ));
    if !supervisory {
        let ns = (v >> 1) & 0x7f;
        n.push(field(
            "llc.control.n_s",
            0x00fe,
            format_args!("N(S): {ns}"),
            ns.to_string(),
            ns,
        ));
    }
    if pf {
        n.push(pf_field(v, 0x0100, 16, response, at, 2, own));
    }
    if supervisory {
        let s = (v >> 2) & 3;
        let name = string_of("llc.control.s_ftype", s as i64).unwrap_or("Unknown");
        n.push(field(
            "llc.control.s_ftype",
            0x000c,
            format_args!("Supervisory frame type: {name} (0x{s:x})"),
            format!("0x{s:04x}"),
            s,
        ));
        n.push(field(
            "llc.control.ftype",
            0x0003,
            format_args!("Frame type: Supervisory frame (0x1)"),
            "0x0001".into(),
            1,
        ));
    } else {
        n.push(field(
            "llc.control.ftype",
            0x0001,
            format_args!("Frame type: Information frame (0x0)"),
            "0x0000".into(),
            0,
        ));
    }
    n
}

/// The " P" (a command's poll) or " F" (a response's final) packet-xdlc.c puts after the
/// frame's kind when the bit is set.
fn pf_mark(pf: bool, response: bool) -> &'static str {
    match (pf, response) {
        (false, _) => "",
        (true, false) => " P",
        (true, true) => " F",
    }
}

/// The poll/final bit's item, shown where it is set.
fn pf_field(
    v: u64,
    mask: u64,
    width: u32,
    response: bool,
    at: usize,
    size: usize,
    own: &[u8],
) -> Node {
    let (name, label) = if response {
        ("llc.control.f", "Final")
    } else {
        ("llc.control.p", "Poll")
    };
    Node::field(
        name,
        bits_text(v, mask, width, format_args!("{label}: Set")),
        "1",
        at,
        size,
    )
    .masked_own(1, own)
}

/// SNAP (RFC 1042): the organization code, then an EtherType (OUI 0 and 0x0000f8) or
/// the organization's protocol ID.
fn snap(n: &mut Node, b: &[u8], at: usize) {
    let oui = u32::from_be_bytes([0, b[at], b[at + 1], b[at + 2]]);
    n.push(
        Node::field(
            "llc.oui",
            format!("Organization Code: {}", manuf::oui_text(oui)),
            oui.to_string(),
            at,
            3,
        )
        .hex_own(slice(b, at, 3)),
    );
    let pid = be16(b, at + 3);
    let (name, text) = match oui {
        0 | 0xf8 => ("llc.type", super::l2::ethertype_name(pid)),
        0x0c => (
            "llc.cisco_pid",
            string_of("llc.cisco_pid", i64::from(pid)).unwrap_or("Unknown"),
        ),
        _ => ("llc.pid", "Unknown"),
    };
    let label = if name == "llc.type" { "Type" } else { "PID" };
    n.push(
        Node::field(
            name,
            format!("{label}: {text} (0x{pid:04x})"),
            format!("0x{pid:04x}"),
            at + 3,
            2,
        )
        .hex_own(slice(b, at + 3, 2)),
    );
}
