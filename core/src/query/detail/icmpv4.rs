//! ICMP's (RFC 792) fields past the checksum as packet-icmp.c shows them, for the
//! messages other than echo: an error's unused bytes and RFC 4884 length, a redirect's
//! gateway, router advertisements (RFC 1256) with Mobile IP's extensions (RFC 5944),
//! timestamps, address masks, and the multi-part extensions after an error's quote
//! (RFC 4884) with their MPLS label stacks (RFC 4950).

use super::app::bytes_field;
use super::l2::{be16, be32, slice};
use super::{bits_text, expert, secs_words, Group, Node};
use crate::capture::tcp::Severity;
use crate::query::fields::value_strings::string_of;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// The error messages whose payload quotes the packet that caused them.
pub(super) fn is_error(t: u8) -> bool {
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

/// An IPv4 address field at `at`.
fn addr(name: &'static str, label: &str, b: &[u8], at: usize) -> Node {
    let a = Ipv4Addr::from(be32(b, at)).to_string();
    Node::field(name, format!("{label}: {a}"), a, at, 4).hex_own(slice(b, at, 4))
}

/// An unsigned field of `size` bytes at `at`, shown in decimal.
fn uint(name: &'static str, label: &str, b: &[u8], at: usize, size: usize) -> Node {
    let v = slice(b, at, size)
        .iter()
        .fold(0u64, |a, &x| a << 8 | u64::from(x));
    Node::field(name, format!("{label}: {v}"), v.to_string(), at, size).hex_own(slice(b, at, size))
}

/// The items of the message's second word (bytes 4 to 8) at `o`, for the types whose
/// second word is not an identifier and sequence number.
pub(super) fn second_word(n: &mut Node, b: &[u8], o: usize, t: u8, c: u8) {
    if b.len() < o + 8 {
        return;
    }
    let unused = |at: usize, len: usize| bytes_field("icmp.unused", "Unused", &b[at..at + len], at);
    // RFC 4884: the quoted datagram's length in 32-bit words, 0 where the sender
    // did not set it.
    let orig = b[o + 5];
    let lengths = |n: &mut Node| {
        n.push(uint("icmp.length", "Length", b, o + 5, 1));
        let l = u32::from(orig) * 4;
        n.push(
            Node::field(
                "icmp.length.original_datagram",
                format!("Length of original datagram: {l}"),
                l.to_string(),
                o + 5,
                1,
            )
            .hex_own(slice(b, o + 5, 1))
            .gen(),
        );
    };
    match t {
        3 if orig > 0 => {
            n.push(unused(o + 4, 1));
            lengths(n);
            if c == 4 {
                n.push(uint("icmp.mtu", "MTU of next hop", b, o + 6, 2));
            } else {
                n.push(unused(o + 6, 2));
            }
        }
        3 if c == 4 => {
            n.push(unused(o + 4, 2));
            n.push(uint("icmp.mtu", "MTU of next hop", b, o + 6, 2));
        }
        3 => {
            n.push(unused(o + 4, 4));
        }
        9 => {
            n.push(uint("icmp.num_addrs", "Number of addresses", b, o + 4, 1));
            n.push(uint(
                "icmp.addr_entry_size",
                "Address entry size",
                b,
                o + 5,
                1,
            ));
            let life = be16(b, o + 6);
            n.push(
                Node::field(
                    "icmp.lifetime",
                    format!("Lifetime: {life} ({})", secs_words(u32::from(life))),
                    life.to_string(),
                    o + 6,
                    2,
                )
                .hex_own(slice(b, o + 6, 2)),
            );
        }
        12 => {
            n.push(uint("icmp.pointer", "Pointer", b, o + 4, 1));
            if orig > 0 {
                lengths(n);
                n.push(unused(o + 6, 2));
            } else {
                n.push(unused(o + 5, 3));
            }
        }
        5 => {
            n.push(addr("icmp.redir_gw", "Gateway Address", b, o + 4));
        }
        11 if orig > 0 => {
            n.push(unused(o + 4, 1));
            lengths(n);
            n.push(unused(o + 6, 2));
        }
        11 => {
            n.push(unused(o + 4, 4));
        }
        _ => {}
    }
}

/// What follows the header of a router advertisement, a timestamp or an address mask
/// message at `o` (the message ends at `end`): None where the rest is data.
pub(super) fn body(
    n: &mut Node,
    b: &[u8],
    o: usize,
    end: usize,
    t: u8,
    c: u8,
    ts_ns: i64,
) -> Option<()> {
    match t {
        9 => {
            let (count, size) = (usize::from(*b.get(o + 4)?), *b.get(o + 5)?);
            if size != 2 {
                let at = (o + 8).min(end);
                if end > at {
                    n.push(super::data::layer(&b[at..end], at));
                }
                return Some(());
            }
            let mut at = o + 8;
            for _ in 0..count {
                if b.len() < at + 8 {
                    return Some(());
                }
                n.push(addr("icmp.router_address", "Router address", b, at));
                let pref = be32(b, at + 4) as i32;
                n.push(
                    Node::field(
                        "icmp.pref_level",
                        format!("Preference level: {pref}"),
                        pref.to_string(),
                        at + 4,
                        4,
                    )
                    .hex_own(slice(b, at + 4, 4)),
                );
                at += 8;
            }
            if c == 0 || c == 16 {
                mip_extensions(n, b, at, end);
            }
        }
        13 | 14 => {
            if b.len() < o + 20 {
                return Some(());
            }
            // The frame's time of day in milliseconds, which packet-icmp.c guesses each
            // timestamp's byte order by.
            let day_ms = (ts_ns.div_euclid(1_000_000) % 86_400_000) as u32;
            for (i, (name, label)) in [
                ("icmp.originate_timestamp", "Originate Timestamp"),
                ("icmp.receive_timestamp", "Receive Timestamp"),
                ("icmp.transmit_timestamp", "Transmit Timestamp"),
            ]
            .into_iter()
            .enumerate()
            {
                let at = o + 8 + 4 * i;
                let v = be32(b, at);
                let guess = ms_of_day(&b[at..at + 4], day_ms);
                n.push(
                    Node::field(
                        name,
                        format!("{label}: {v} ({} after midnight UTC)", msecs_words(guess)),
                        v.to_string(),
                        at,
                        4,
                    )
                    .hex_own(&b[at..at + 4]),
                );
            }
        }
        17 | 18 if b.len() >= o + 12 => {
            n.push(addr("icmp.address_mask", "Address Mask", b, o + 8));
        }
        _ => {}
    }
    Some(())
}

const MS_PER_DAY: u32 = 86_400_000;

/// packet-icmp.c's `get_best_guess_mstimeofday`: a timestamp's byte order is the one that
/// reads as a time of day, the nearer to the frame's (`day`) when both do.
fn ms_of_day(v: &[u8], day: u32) -> u32 {
    let be = u32::from_be_bytes([v[0], v[1], v[2], v[3]]) & 0x7fff_ffff;
    let le = u32::from_le_bytes([v[0], v[1], v[2], v[3]]) & 0x7fff_ffff;
    if be < MS_PER_DAY && le >= MS_PER_DAY {
        return be;
    }
    if le < MS_PER_DAY && be >= MS_PER_DAY {
        return le;
    }
    let (mut b2, mut l2) = (be, le);
    if be < MS_PER_DAY && le < MS_PER_DAY {
        // A rollover to a new day.
        let late = day >= MS_PER_DAY - MS_PER_DAY / 4;
        if be < day && be <= MS_PER_DAY / 4 && late {
            b2 += MS_PER_DAY;
        }
        if le < day && le <= MS_PER_DAY / 4 && late {
            l2 += MS_PER_DAY;
        }
    }
    if b2.wrapping_sub(day) < l2.wrapping_sub(day) {
        be
    } else {
        le
    }
}

/// Milliseconds as Wireshark's `signed_time_msecs_to_str` words them:
/// `4 hours, 28 minutes, 51.171 seconds`, `0 seconds`.
fn msecs_words(ms: u32) -> String {
    if ms == 0 {
        return "0 seconds".into();
    }
    let (s, frac) = (ms / 1000, ms % 1000);
    let mut out = String::new();
    for (v, unit) in [
        (s / 86_400, "day"),
        (s / 3600 % 24, "hour"),
        (s / 60 % 60, "minute"),
    ] {
        if v != 0 {
            if !out.is_empty() {
                out.push_str(", ");
            }
            let _ = write!(out, "{v} {unit}{}", if v == 1 { "" } else { "s" });
        }
    }
    let secs = s % 60;
    if secs != 0 || frac != 0 {
        if !out.is_empty() {
            out.push_str(", ");
        }
        if frac != 0 {
            let _ = write!(out, "{secs}.{frac:03} seconds");
        } else {
            let _ = write!(out, "{secs} second{}", if secs == 1 { "" } else { "s" });
        }
    }
    out
}

/// Mobile IP's agent advertisement extensions (RFC 5944 §2.1) from `at` to `end`, as
/// packet-icmp.c's `dissect_mip_extensions` shows them.
fn mip_extensions(n: &mut Node, b: &[u8], mut at: usize, end: usize) {
    while at < end && at < b.len() {
        let ty = b[at];
        let len = if ty != 0 {
            usize::from(b.get(at + 1).copied().unwrap_or(0))
        } else {
            0
        };
        let name = string_of("icmp.mip.type", i64::from(ty));
        let title = match name {
            Some(s) => format!("Ext: {s}"),
            None => format!("Ext: Unknown ext {ty}"),
        };
        let size = if ty != 0 { len + 2 } else { 1 };
        let mut e = Node::text(title, at, size.min(b.len() - at));
        e.push(
            Node::field(
                "icmp.mip.type",
                format!("Extension Type: {} ({ty})", name.unwrap_or("Unknown")),
                ty.to_string(),
                at,
                1,
            )
            .hex_own(slice(b, at, 1)),
        );
        let mut p = at + 1;
        if ty != 0 {
            e.push(uint("icmp.mip.length", "Length", b, p, 1));
            p += 1;
        }
        match ty {
            0 => {}
            16 => {
                e.push(uint("icmp.mip.seq", "Sequence Number", b, p, 2));
                e.push(uint("icmp.mip.life", "Registration Lifetime", b, p + 2, 2));
                e.push(mip_flags(b, p + 4));
                p += 6;
                for _ in 0..len.saturating_sub(6) / 4 {
                    e.push(addr("icmp.mip.coa", "Care-Of-Address", b, p));
                    p += 4;
                }
            }
            19 => {
                for _ in 0..len {
                    e.push(uint("icmp.mip.prefixlength", "Prefix Length", b, p, 1));
                    p += 1;
                }
            }
            24 => {
                e.push(bytes_field(
                    "icmp.mip.challenge",
                    "Challenge",
                    slice(b, p, len),
                    p,
                ));
                p += len;
            }
            _ if len != 0 => {
                let v = slice(b, p, len.saturating_sub(4));
                e.push(bytes_field("icmp.mip.content", "Content", v, p));
                p += len;
            }
            _ => {}
        }
        n.push(e);
        if p > b.len() {
            // packet-icmp.c's next read throws here.
            return;
        }
        at = p;
    }
}

/// A mobility agent advertisement's flags at `at` (RFC 5944 §2.1.1).
fn mip_flags(b: &[u8], at: usize) -> Node {
    let v = u64::from(be16(b, at));
    let fb = slice(b, at, 2);
    const FLAGS: [(&str, &str, u64); 10] = [
        ("icmp.mip.r", "Registration Required", 0x8000),
        ("icmp.mip.b", "Busy", 0x4000),
        ("icmp.mip.h", "Home Agent", 0x2000),
        ("icmp.mip.f", "Foreign Agent", 0x1000),
        ("icmp.mip.m", "Minimal Encapsulation", 0x0800),
        ("icmp.mip.g", "GRE", 0x0400),
        ("icmp.mip.v", "VJ Comp", 0x0200),
        ("icmp.mip.rt", "Reverse tunneling", 0x0100),
        ("icmp.mip.u", "UDP tunneling", 0x0080),
        ("icmp.mip.x", "Revocation support", 0x0040),
    ];
    let mut text = format!("Flags: 0x{v:04x}");
    for (_, label, m) in FLAGS {
        if v & m != 0 {
            text.push_str(", ");
            text.push_str(label);
        }
    }
    let mut f = Node::field("icmp.mip.flags", text, format!("0x{v:04x}"), at, 2).hex_own(fb);
    for (name, label, m) in FLAGS {
        let on = v & m != 0;
        f.push(
            Node::field(
                name,
                bits_text(
                    v,
                    m,
                    16,
                    format_args!("{label}: {}", if on { "True" } else { "False" }),
                ),
                u8::from(on).to_string(),
                at,
                2,
            )
            .masked_own(u64::from(on), fb),
        );
    }
    let r = v & 0x3f;
    f.push(
        Node::field(
            "icmp.mip.reserved",
            bits_text(v, 0x3f, 16, format_args!("Reserved: 0x{r:02x}")),
            format!("0x{r:04x}"),
            at,
            2,
        )
        .masked_own(r, fb),
    );
    f
}

/// RFC 4884's multi-part extensions after an error's quote, for the ICMP message at
/// `o` ending at `end` (its reported length): packet-icmp.c looks for them past the
/// first 128 bytes of the quote when the message is longer than that and the quoted
/// datagram's length says it is no longer (the MPLS-extension preference unset).
pub(super) fn extension(b: &[u8], o: usize, end: usize) -> Option<Node> {
    let checksum = |x: &[u8]| super::l4::checksum(x, 0);
    if end.saturating_sub(o) <= 8 + 128 || be16(b, o + 10) > 128 {
        return None;
    }
    let at = o + 8 + (usize::from(*b.get(o + 5)?) * 4).max(128);
    if at > end {
        return None;
    }
    let mut x = Node::field("icmp.ext", "ICMP Multi-Part Extensions", "", at, end - at).none();
    if end - at < 4 || b.len() < at + 4 {
        return Some(x);
    }
    let version = b[at] >> 4;
    x.push(
        Node::field(
            "icmp.ext.version",
            format!("Version: {version}"),
            version.to_string(),
            at,
            1,
        )
        .hex_own(slice(b, at, 1)),
    );
    let w = u64::from(be16(b, at));
    let res = w & 0x0fff;
    x.push(
        Node::field(
            "icmp.ext.res",
            bits_text(w, 0x0fff, 16, format_args!("Reserved: 0x{res:03x}")),
            format!("0x{res:04x}"),
            at,
            2,
        )
        .masked_own(res, slice(b, at, 2)),
    );
    let ck = be16(b, at + 2);
    let whole = end <= b.len();
    let (text, status, show, bad) = if ck == 0 {
        (
            format!("Checksum: 0x{ck:04x} [not present]"),
            "Not present",
            "3",
            None,
        )
    } else if !whole {
        (
            format!("Checksum: 0x{ck:04x} [unverified]"),
            "Unverified",
            "2",
            None,
        )
    } else if checksum(&b[at..end]) == 0 {
        (format!("Checksum: 0x{ck:04x} [correct]"), "Good", "1", None)
    } else {
        let want = checksum(&[&b[at..at + 2], &[0, 0], &b[at + 4..end]].concat());
        (
            format!("Checksum: 0x{ck:04x} incorrect, should be 0x{want:04x}"),
            "Bad",
            "0",
            Some(want),
        )
    };
    let c =
        x.push(
            Node::field("icmp.ext.checksum", text, format!("0x{ck:04x}"), at + 2, 2)
                .hex_own(slice(b, at + 2, 2)),
        );
    if let Some(want) = bad {
        c.push(expert(
            "icmp.ext.checksum_bad",
            &format!("Bad checksum [should be 0x{want:04x}]"),
            Severity::Warning,
            Group::Checksum,
        ));
    }
    x.push(
        Node::field(
            "icmp.ext.checksum.status",
            format!("Checksum Status: {status}"),
            show,
            at + 2,
            0,
        )
        .gen(),
    );
    if version != 1 && version != 2 {
        x.showname.push_str(" (unsupported version)");
        return Some(x);
    }
    let end = end.min(b.len());
    let mut p = at + 4;
    while end.saturating_sub(p) >= 4 {
        let len = usize::from(be16(b, p));
        let trunc = len.min(end - p);
        let obj_end = p + trunc;
        let class = b[p + 2];
        let ctype = b[p + 3];
        let mut obj = Node::text("Unknown object", p, trunc.max(4));
        obj.push(uint("icmp.ext.length", "Length", b, p, 2));
        let cname = string_of("icmp.ext.class", i64::from(class)).unwrap_or("Unknown");
        obj.push(
            Node::field(
                "icmp.ext.class",
                format!("Class: {cname} ({class})"),
                class.to_string(),
                p + 2,
                1,
            )
            .hex_own(slice(b, p + 2, 1)),
        );
        if len < 4 {
            obj.showname = "Object with bad length".into();
            x.push(obj);
            break;
        }
        let ct = uint("icmp.ext.ctype", "C-Type", b, p + 3, 1);
        if class == 1 && ctype == 1 {
            obj.push(ct);
            obj.showname = "MPLS Stack Entry".into();
            let mut e = p + 4;
            while e + 4 <= obj_end {
                obj.push(mpls_entry(b, e));
                e += 4;
            }
            if e < obj_end {
                obj.push(bytes_field("icmp.mpls.data", "Data", &b[e..obj_end], e));
            }
        } else {
            // The other objects (RFC 5837's interface information, RFC 8335's
            // identification, …) as packet-icmp.c shows an unknown one.
            obj.push(ct);
            obj.showname = format!("Unknown object ({class}/{ctype})");
            if trunc > 4 {
                obj.push(bytes_field(
                    "icmp.ext.data",
                    "Data",
                    &b[p + 4..obj_end],
                    p + 4,
                ));
            }
        }
        if trunc < len {
            obj.showname.push_str(" (truncated)");
        }
        x.push(obj);
        p = obj_end;
    }
    Some(x)
}

/// One MPLS label stack entry (RFC 3032 §2.1) at `at`.
fn mpls_entry(b: &[u8], at: usize) -> Node {
    let w = u64::from(be32(b, at));
    let (label, exp, s, ttl) = (w >> 12, (w >> 9) & 7, (w >> 8) & 1, w & 0xff);
    let mut e = Node::text(
        format!("Label: {label}, Exp: {exp}, S: {s}, TTL: {ttl}"),
        at,
        4,
    );
    let three = slice(b, at, 3);
    e.push(
        Node::field(
            "icmp.mpls.label",
            bits_text(w >> 8, 0x00ff_fff0, 24, format_args!("Label: {label}")),
            label.to_string(),
            at,
            3,
        )
        .masked_own(label, three),
    );
    // packet-icmp.c gives the third byte to these 24-bit fields.
    let third = (w >> 8) & 0xff;
    let tb = slice(b, at + 2, 1);
    e.push(
        Node::field(
            "icmp.mpls.exp",
            bits_text(third, 0x0e, 24, format_args!("Experimental: {exp}")),
            exp.to_string(),
            at + 2,
            1,
        )
        .masked_own(exp, tb),
    );
    e.push(
        Node::field(
            "icmp.mpls.s",
            bits_text(
                third,
                0x01,
                24,
                format_args!("Stack bit: {}", super::set(s == 1)),
            ),
            s.to_string(),
            at + 2,
            1,
        )
        .masked_own(s, tb),
    );
    e.push(
        Node::field(
            "icmp.mpls.ttl",
            format!("Time to live: {ttl}"),
            ttl.to_string(),
            at + 3,
            1,
        )
        .hex_own(slice(b, at + 3, 1)),
    );
    e
}
