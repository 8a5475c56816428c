//! DNS messages (RFC 1035 §4; over TCP with a 2-byte length, §4.2.2), and the same
//! messages as mDNS (RFC 6762) and LLMNR (RFC 4795), which `packet-dns.c` names apart.

use crate::query::detail::{bits, colon_hex, escape, hex, secs_words, string_field, Node};
use std::fmt::Write as _;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The name at `at` of message `m`: its text and the bytes it takes there.
fn name(m: &[u8], at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut pos = at;
    let mut len = None;
    let mut hops = 0;
    loop {
        let l = *m.get(pos)? as usize;
        if l == 0 {
            if len.is_none() {
                len = Some(pos + 1 - at);
            }
            break;
        }
        if l & 0xc0 == 0xc0 {
            let p = (be16(m, pos)? & 0x3fff) as usize;
            if len.is_none() {
                len = Some(pos + 2 - at);
            }
            hops += 1;
            if hops > 64 || p >= m.len() {
                return None;
            }
            pos = p;
            continue;
        }
        let label = m.get(pos + 1..pos + 1 + l)?;
        if !out.is_empty() {
            out.push('.');
        }
        for &c in label {
            if c.is_ascii_graphic() {
                out.push(c as char);
            } else {
                let _ = write!(out, "\\{c:03}");
            }
        }
        pos += 1 + l;
    }
    if out.is_empty() {
        out.push_str("<Root>");
    }
    Some((out, len?))
}

fn type_name(t: u16) -> (&'static str, &'static str) {
    match t {
        1 => ("A", "A (Host Address)"),
        2 => ("NS", "NS (authoritative Name Server)"),
        5 => ("CNAME", "CNAME (Canonical NAME for an alias)"),
        6 => ("SOA", "SOA (Start Of a zone of Authority)"),
        12 => ("PTR", "PTR (domain name PoinTeR)"),
        15 => ("MX", "MX (Mail eXchange)"),
        16 => ("TXT", "TXT (Text strings)"),
        28 => ("AAAA", "AAAA (IPv6 Address)"),
        33 => ("SRV", "SRV (Server Selection)"),
        41 => ("OPT", "OPT"),
        43 => ("DS", "DS (Delegation Signer)"),
        46 => ("RRSIG", "RRSIG (Resource Record Signature)"),
        47 => ("NSEC", "NSEC (Next Secure)"),
        48 => ("DNSKEY", "DNSKEY (DNS Public Key)"),
        50 => ("NSEC3", "NSEC3 (Next Secure v3)"),
        64 => ("SVCB", "SVCB (General Purpose Service Endpoints)"),
        65 => ("HTTPS", "HTTPS (HTTPS Specific Service Endpoints)"),
        255 => (
            "ANY",
            "* (A request for all records the server/cache has available)",
        ),
        _ => ("Unknown", "Unknown"),
    }
}

fn class_name(c: u16) -> &'static str {
    match c & 0x7fff {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        255 => "ANY",
        _ => "Unknown",
    }
}

fn rcode_name(r: u16) -> &'static str {
    match r {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        _ => "Unknown error",
    }
}

fn opcode_name(o: u16) -> &'static str {
    match o {
        0 => "Standard query",
        1 => "Inverse query",
        2 => "Server status request",
        4 => "Zone change notification",
        5 => "Dynamic update",
        _ => "Unknown operation",
    }
}

/// Seconds as Wireshark words a TTL: `300 (5 minutes)`.
fn ttl_text(s: u32) -> String {
    if s == 0 {
        return "0 (0 seconds)".into();
    }
    let parts = [
        (s / 86_400, "day"),
        (s / 3600 % 24, "hour"),
        (s / 60 % 60, "minute"),
        (s % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    format!("{s} ({})", words.join(", "))
}

/// The protocol a DNS message is shown as: `packet-dns.c` registers DNS, mDNS and LLMNR
/// on UDP ports of their own, and each shows the message under its own name, mDNS with
/// a class's top bit apart (RFC 6762 §§5.4, 10.2), LLMNR with flags of its own (RFC 4795
/// §2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavour {
    Dns,
    Mdns,
    Llmnr,
}

impl Flavour {
    /// The protocol of a message in a datagram between UDP ports `ports` (the lower port
    /// first, as UDP tries them: a DNS server's answer to a client on 5353 is DNS).
    pub(super) fn of_udp(ports: [u16; 2]) -> Flavour {
        let (lo, hi) = (ports[0].min(ports[1]), ports[0].max(ports[1]));
        for p in [lo, hi] {
            match p {
                53 => return Flavour::Dns,
                5353 => return Flavour::Mdns,
                5355 => return Flavour::Llmnr,
                _ => {}
            }
        }
        Flavour::Dns
    }

    /// The layer's name (`frame.protocols`).
    pub(super) fn name(self) -> &'static str {
        match self {
            Flavour::Dns => "dns",
            Flavour::Mdns => "mdns",
            Flavour::Llmnr => "llmnr",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Flavour::Dns => "Domain Name System",
            Flavour::Mdns => "Multicast Domain Name System",
            Flavour::Llmnr => "Link-local Multicast Name Resolution",
        }
    }
}

/// The layer of message `b` (with its 2-byte length first when `tcp`), at `at`, shown
/// as `flavour`.
pub(super) fn dissect(b: &[u8], at: usize, tcp: bool, flavour: Flavour) -> Vec<Node> {
    let (m, off) = if tcp {
        (&b[2.min(b.len())..], at + 2)
    } else {
        (b, at)
    };
    let Some(flags) = be16(m, 2) else {
        return Vec::new();
    };
    let response = flags & 0x8000 != 0;
    let mut n = Node::proto(
        flavour.name(),
        format!(
            "{} ({})",
            flavour.title(),
            if response { "response" } else { "query" }
        ),
        at,
        b.len(),
    );
    if tcp {
        let l = be16(b, 0).unwrap_or(0);
        n.push(
            Node::field("dns.length", format!("Length: {l}"), l.to_string(), at, 2).hex(&b[..2]),
        );
    }
    if m.len() < 12 {
        // A header cut short: the rest is not dissected.
        return vec![n];
    }
    let id = be16(m, 0).unwrap_or(0);
    n.push(
        Node::field(
            "dns.id",
            format!("Transaction ID: 0x{id:04x}"),
            format!("0x{id:04x}"),
            off,
            2,
        )
        .hex(&m[..2]),
    );
    let opcode = (flags >> 11) & 0xf;
    let rcode = flags & 0xf;
    let mut ftext = format!("Flags: 0x{flags:04x} {}", opcode_name(opcode));
    if response {
        let _ = write!(ftext, " response, {}", rcode_name(rcode));
    }
    let fb = &m[2..4];
    let f = n.push(Node::field("dns.flags", ftext, format!("0x{flags:04x}"), off + 2, 2).hex(fb));
    let fl = flags as u64;
    let bit =
        |f: &mut Node, name: &'static str, label: &str, mask: u64, on: &str, off_text: &str| {
            f.push(flag_bit(fl, off + 2, fb, name, label, mask, on, off_text));
        };
    bit(
        f,
        "dns.flags.response",
        "Response",
        0x8000,
        "Message is a response",
        "Message is a query",
    );
    f.push(
        Node::field(
            "dns.flags.opcode",
            format!(
                "{}Opcode: {} ({opcode})",
                bits(fl, 0x7800, 16),
                opcode_name(opcode)
            ),
            opcode.to_string(),
            off + 2,
            2,
        )
        .masked(opcode as u64, fb),
    );
    if flavour == Flavour::Llmnr {
        // RFC 4795 §2.1.1: C, TC and T where DNS has AA, TC and RD; nothing after T
        // but the response code.
        let (on, off_text) = if response {
            (
                "The name is not considered unique",
                "The name is considered unique",
            )
        } else {
            ("The sender received multiple responses", "None")
        };
        bit(f, "dns.flags.conflict", "Conflict", 0x0400, on, off_text);
        bit(
            f,
            "dns.flags.truncated",
            "Truncated",
            0x0200,
            "Message is truncated",
            "Message is not truncated",
        );
        bit(
            f,
            "dns.flags.tentative",
            "Tentative",
            0x0100,
            "Tentative",
            "Not tentative",
        );
        if response {
            rcode_field(f, fl, rcode, off + 2, fb);
        }
    } else {
        dns_flags(f, fl, response, off + 2, fb);
    }
    questions_and_records(&mut n, m, off, flavour);
    vec![n]
}

/// DNS's flags after the opcode (RFC 1035 §4.1.1, RFC 4035 §3.2), at `at`.
fn dns_flags(f: &mut Node, fl: u64, response: bool, at: usize, fb: &[u8]) {
    let rcode = (fl & 0xf) as u16;
    let bit =
        |f: &mut Node, name: &'static str, label: &str, mask: u64, on: &str, off_text: &str| {
            f.push(flag_bit(fl, at, fb, name, label, mask, on, off_text));
        };
    if response {
        bit(
            f,
            "dns.flags.authoritative",
            "Authoritative",
            0x0400,
            "Server is an authority for domain",
            "Server is not an authority for domain",
        );
    }
    bit(
        f,
        "dns.flags.truncated",
        "Truncated",
        0x0200,
        "Message is truncated",
        "Message is not truncated",
    );
    bit(
        f,
        "dns.flags.recdesired",
        "Recursion desired",
        0x0100,
        "Do query recursively",
        "Don't do query recursively",
    );
    if response {
        bit(
            f,
            "dns.flags.recavail",
            "Recursion available",
            0x0080,
            "Server can do recursive queries",
            "Server can't do recursive queries",
        );
    }
    let z = (fl >> 6) & 1;
    f.push(
        Node::field(
            "dns.flags.z",
            format!("{}Z: reserved ({z})", bits(fl, 0x0040, 16)),
            z.to_string(),
            at,
            2,
        )
        .masked(z, fb),
    );
    if response {
        bit(
            f,
            "dns.flags.authenticated",
            "Answer authenticated",
            0x0020,
            "Answer/authority portion was authenticated by the server",
            "Answer/authority portion was not authenticated by the server",
        );
    } else if fl & 0x0020 != 0 {
        // packet-dns.c's hf_dns_flags_ad: a query's AD bit (RFC 6840 §5.7), shown only set.
        bit(
            f,
            "dns.flags.authenticated",
            "AD bit",
            0x0020,
            "Set",
            "Not set",
        );
    }
    bit(
        f,
        "dns.flags.checkdisable",
        "Non-authenticated data",
        0x0010,
        "Acceptable",
        "Unacceptable",
    );
    if response {
        rcode_field(f, fl, rcode, at, fb);
    }
}

/// `dns.flags.rcode`, at `at`.
fn rcode_field(f: &mut Node, fl: u64, rcode: u16, at: usize, fb: &[u8]) {
    f.push(
        Node::field(
            "dns.flags.rcode",
            format!(
                "{}Reply code: {} ({rcode})",
                bits(fl, 0x000f, 16),
                rcode_name(rcode)
            ),
            rcode.to_string(),
            at,
            2,
        )
        .masked(rcode as u64, fb),
    );
}

/// A one-bit flag of the flags at `at`.
#[allow(clippy::too_many_arguments)]
fn flag_bit(
    fl: u64,
    at: usize,
    fb: &[u8],
    name: &'static str,
    label: &str,
    mask: u64,
    on: &str,
    off_text: &str,
) -> Node {
    let v = fl & mask != 0;
    Node::field(
        name,
        format!(
            "{}{label}: {}",
            bits(fl, mask, 16),
            if v { on } else { off_text }
        ),
        u8::from(v).to_string(),
        at,
        2,
    )
    .masked(u64::from(v), fb)
}

/// The counts, questions and records of message `m` (at `off` in the frame) under `n`.
fn questions_and_records(n: &mut Node, m: &[u8], off: usize, flavour: Flavour) {
    let counts: Vec<u16> = (0..4).map(|i| be16(m, 4 + 2 * i).unwrap_or(0)).collect();
    for (i, (name, label)) in [
        ("dns.count.queries", "Questions"),
        ("dns.count.answers", "Answer RRs"),
        ("dns.count.auth_rr", "Authority RRs"),
        ("dns.count.add_rr", "Additional RRs"),
    ]
    .iter()
    .enumerate()
    {
        let c = counts[i];
        n.push(
            Node::field(
                *name,
                format!("{label}: {c}"),
                c.to_string(),
                off + 4 + 2 * i,
                2,
            )
            .hex(&m[4 + 2 * i..6 + 2 * i]),
        );
    }
    let mut pos = 12;
    // Questions.
    if counts[0] > 0 {
        let start = pos;
        let mut qs = Vec::new();
        for _ in 0..counts[0] {
            let Some((qn, nl)) = name(m, pos) else { break };
            let (Some(t), Some(c)) = (be16(m, pos + nl), be16(m, pos + nl + 2)) else {
                break;
            };
            let (short, long) = type_name(t);
            let mut text = format!("{qn}: type {short}, class {}", class_name(c));
            if flavour == Flavour::Mdns {
                // RFC 6762 §5.4: the class's top bit asks for a unicast answer.
                text.push_str(if c & 0x8000 != 0 {
                    ", \"QU\" question"
                } else {
                    ", \"QM\" question"
                });
            }
            let mut q = Node::text(text, off + pos, nl + 4);
            q.push(
                Node::field(
                    "dns.qry.name",
                    format!("Name: {qn}"),
                    qn.clone(),
                    off + pos,
                    nl,
                )
                .hex(&m[pos..pos + nl]),
            );
            q.push(
                Node::field(
                    "dns.qry.name.len",
                    format!("Name Length: {}", qn.len()),
                    qn.len().to_string(),
                    off + pos,
                    nl,
                )
                .hex(&m[pos..pos + nl])
                .gen(),
            );
            let labels = if qn == "<Root>" {
                0
            } else {
                qn.split('.').count()
            };
            q.push(
                Node::field(
                    "dns.count.labels",
                    format!("Label Count: {labels}"),
                    labels.to_string(),
                    off + pos,
                    nl,
                )
                .hex(&m[pos..pos + nl])
                .gen(),
            );
            q.push(
                Node::field(
                    "dns.qry.type",
                    format!("Type: {long} ({t})"),
                    t.to_string(),
                    off + pos + nl,
                    2,
                )
                .hex(&m[pos + nl..pos + nl + 2]),
            );
            let cb = &m[pos + nl + 2..pos + nl + 4];
            q.children.extend(class_fields(
                c,
                off + pos + nl + 2,
                cb,
                flavour,
                ("dns.qry.class", "dns.qry.qu", "\"QU\" question"),
            ));
            qs.push(q);
            pos += nl + 4;
        }
        let mut t = Node::text("Queries", off + start, pos - start);
        t.children = qs;
        n.push(t);
    }
    for (count, title) in [
        (counts[1], "Answers"),
        (counts[2], "Authoritative nameservers"),
        (counts[3], "Additional records"),
    ] {
        if count == 0 {
            continue;
        }
        let start = pos;
        let mut rs = Vec::new();
        for _ in 0..count {
            let Some(r) = record(m, off, &mut pos, flavour) else {
                break;
            };
            rs.extend(r);
        }
        let mut t = Node::text(title, off + start, pos - start);
        t.children = rs;
        n.push(t);
    }
}

/// One resource record at `*pos` (moved past it); None when it does not parse. An OPT
/// pseudo-record is skipped (Wireshark shows it with fields of its own).
fn record(m: &[u8], off: usize, pos: &mut usize, flavour: Flavour) -> Option<Option<Node>> {
    let p = *pos;
    let (rn, nl) = name(m, p)?;
    let t = be16(m, p + nl)?;
    let c = be16(m, p + nl + 2)?;
    let ttl = be32(m, p + nl + 4)?;
    let len = be16(m, p + nl + 8)? as usize;
    let d = p + nl + 10;
    let data = m.get(d..d + len)?;
    *pos = d + len;
    if t == 41 {
        // EDNS(0)'s OPT pseudo-record (RFC 6891 §6.1.2): class and TTL are other fields.
        let mut r = Node::text("<Root>: type OPT", off + p, nl + 10 + len);
        let q = off + p + nl;
        let ext = m[p + nl + 4];
        let ver = m[p + nl + 5];
        let z = be16(m, p + nl + 6)? as u64;
        let zb = &m[p + nl + 6..p + nl + 8];
        let mut zn = Node::field(
            "dns.resp.z",
            format!("Z: 0x{z:04x}"),
            format!("0x{z:04x}"),
            q + 6,
            2,
        )
        .hex(zb);
        let dok = z >> 15;
        zn.push(
            Node::field(
                "dns.resp.z.do",
                format!(
                    "{}DO bit: {}",
                    bits(z, 0x8000, 16),
                    if dok == 1 {
                        "Accepts DNSSEC security RRs"
                    } else {
                        "Cannot handle DNSSEC security RRs"
                    }
                ),
                dok.to_string(),
                q + 6,
                2,
            )
            .masked(dok, zb),
        );
        zn.push(
            Node::field(
                "dns.resp.z.reserved",
                format!("{}Reserved: 0x{:04x}", bits(z, 0x7fff, 16), z & 0x7fff),
                format!("0x{:04x}", z & 0x7fff),
                q + 6,
                2,
            )
            .masked(z & 0x7fff, zb),
        );
        r.children = vec![
            Node::field("dns.resp.name", format!("Name: {rn}"), rn, off + p, nl).hex(&m[p..p + nl]),
            Node::field("dns.resp.type", "Type: OPT (41)", "41", q, 2).hex(&m[p + nl..p + nl + 2]),
        ];
        let cb = &m[p + nl + 2..p + nl + 4];
        if flavour == Flavour::Mdns {
            // packet-dns.c reads the class of every mDNS record with its cache-flush bit,
            // OPT's payload size too (in hex).
            let mut f = class_fields(
                c,
                q + 2,
                cb,
                flavour,
                (
                    "dns.rr.udp_payload_size",
                    "dns.resp.cache_flush",
                    "Cache flush",
                ),
            );
            let low = c & 0x7fff;
            f[0].showname = format!(
                "{}UDP payload size: 0x{low:04x}",
                bits(u64::from(c), 0x7fff, 16)
            );
            r.children.extend(f);
        } else {
            r.children.push(
                Node::field(
                    "dns.rr.udp_payload_size",
                    format!("UDP payload size: {c}"),
                    c.to_string(),
                    q + 2,
                    2,
                )
                .hex(cb),
            );
        }
        r.children.extend([
            Node::field(
                "dns.resp.ext_rcode",
                format!("Higher bits in extended RCODE: 0x{ext:02x}"),
                format!("0x{ext:02x}"),
                q + 4,
                1,
            )
            .hex(&m[p + nl + 4..p + nl + 5]),
            Node::field(
                "dns.resp.edns0_version",
                format!("EDNS0 version: {ver}"),
                ver.to_string(),
                q + 5,
                1,
            )
            .hex(&m[p + nl + 5..p + nl + 6]),
            zn,
            Node::field(
                "dns.resp.len",
                format!("Data length: {len}"),
                len.to_string(),
                q + 8,
                2,
            )
            .hex(&m[p + nl + 8..p + nl + 10]),
        ]);
        r.children.extend(edns_options(data, off + d));
        return Some(Some(r));
    }
    let (short, long) = type_name(t);
    let mut text = format!("{rn}: type {short}, class {}", class_name(c));
    if flavour == Flavour::Mdns && c & 0x8000 != 0 {
        // RFC 6762 §10.2: the class's top bit is the cache-flush bit.
        text.push_str(", cache flush");
    }
    let mut kids = vec![
        Node::field(
            "dns.resp.name",
            format!("Name: {rn}"),
            rn.clone(),
            off + p,
            nl,
        )
        .hex(&m[p..p + nl]),
        Node::field(
            "dns.resp.type",
            format!("Type: {long} ({t})"),
            t.to_string(),
            off + p + nl,
            2,
        )
        .hex(&m[p + nl..p + nl + 2]),
    ];
    kids.extend(class_fields(
        c,
        off + p + nl + 2,
        &m[p + nl + 2..p + nl + 4],
        flavour,
        ("dns.resp.class", "dns.resp.cache_flush", "Cache flush"),
    ));
    kids.extend([
        Node::field(
            "dns.resp.ttl",
            format!("Time to live: {}", ttl_text(ttl)),
            ttl.to_string(),
            off + p + nl + 4,
            4,
        )
        .hex(&m[p + nl + 4..p + nl + 8]),
        Node::field(
            "dns.resp.len",
            format!("Data length: {len}"),
            len.to_string(),
            off + p + nl + 8,
            2,
        )
        .hex(&m[p + nl + 8..p + nl + 10]),
    ]);
    match (t, len) {
        (1, 4) => {
            let a = std::net::Ipv4Addr::new(data[0], data[1], data[2], data[3]).to_string();
            let _ = write!(text, ", addr {a}");
            kids.push(Node::field("dns.a", format!("Address: {a}"), a, off + d, 4).hex(data));
        }
        (28, 16) => {
            let mut x = [0u8; 16];
            x.copy_from_slice(data);
            let a = std::net::Ipv6Addr::from(x).to_string();
            let _ = write!(text, ", addr {a}");
            kids.push(
                Node::field("dns.aaaa", format!("AAAA Address: {a}"), a, off + d, 16).hex(data),
            );
        }
        (5 | 2 | 12, _) => {
            let (v, vl) = name(m, d)?;
            // packet-dns.c appends a pointer's name alone.
            let (f, label, word) = match t {
                5 => ("dns.cname", "CNAME", "cname "),
                2 => ("dns.ns", "Name Server", "ns "),
                _ => ("dns.ptr.domain_name", "Domain Name", ""),
            };
            let _ = write!(text, ", {word}{v}");
            kids.push(Node::field(f, format!("{label}: {v}"), v, off + d, vl).hex(&m[d..d + vl]));
        }
        (6, _) => {
            let (mname, ml) = name(m, d)?;
            let (rname, rl) = name(m, d + ml)?;
            let _ = write!(text, ", mname {mname}");
            kids.push(
                Node::field(
                    "dns.soa.mname",
                    format!("Primary name server: {mname}"),
                    mname,
                    off + d,
                    ml,
                )
                .hex(&m[d..d + ml]),
            );
            kids.push(
                Node::field(
                    "dns.soa.rname",
                    format!("Responsible authority's mailbox: {rname}"),
                    rname,
                    off + d + ml,
                    rl,
                )
                .hex(&m[d + ml..d + ml + rl]),
            );
            // RFC 1035 §3.3.13: the serial, then four times in seconds.
            let at = d + ml + rl;
            for (i, (field, label)) in [
                ("dns.soa.serial_number", "Serial Number"),
                ("dns.soa.refresh_interval", "Refresh Interval"),
                ("dns.soa.retry_interval", "Retry Interval"),
                ("dns.soa.expire_limit", "Expire limit"),
                ("dns.soa.minimum_ttl", "Minimum TTL"),
            ]
            .into_iter()
            .enumerate()
            {
                let q = at + 4 * i;
                let Some(v) = be32(m, q) else { break };
                let text = if i == 0 {
                    format!("{label}: {v}")
                } else {
                    format!("{label}: {v} ({})", secs_words(v))
                };
                kids.push(Node::field(field, text, v.to_string(), off + q, 4).hex(&m[q..q + 4]));
            }
        }
        (16, _) => {
            // RFC 1035 §3.3.14: one or more length-prefixed strings.
            let mut q = 0;
            while q < data.len() {
                let l = usize::from(data[q]);
                kids.push(
                    Node::field(
                        "dns.txt.length",
                        format!("TXT Length: {l}"),
                        l.to_string(),
                        off + d + q,
                        1,
                    )
                    .hex(&data[q..q + 1]),
                );
                let Some(t) = data.get(q + 1..q + 1 + l) else {
                    break;
                };
                kids.push(string_field("dns.txt", "TXT", escape(t), off + d + q + 1, l).hex(t));
                q += 1 + l;
            }
        }
        (15, _) if len >= 3 => {
            let pref = be16(m, d)?;
            let (v, vl) = name(m, d + 2)?;
            let _ = write!(text, ", preference {pref}, mx {v}");
            kids.push(
                Node::field(
                    "dns.mx.preference",
                    format!("Preference: {pref}"),
                    pref.to_string(),
                    off + d,
                    2,
                )
                .hex(&m[d..d + 2]),
            );
            kids.push(
                Node::field(
                    "dns.mx.mail_exchange",
                    format!("Mail Exchange: {v}"),
                    v,
                    off + d + 2,
                    vl,
                )
                .hex(&m[d + 2..d + 2 + vl]),
            );
        }
        _ => {}
    }
    let mut r = Node::text(text, off + p, nl + 10 + len);
    r.children = kids;
    Some(Some(r))
}

/// EDNS(0)'s options in an OPT record's data `o` at `at` (RFC 6891 §6.1.2), named as
/// packet-dns.c names them; a cookie (RFC 7873 §4) split into its client's and server's.
fn edns_options(o: &[u8], at: usize) -> Vec<Node> {
    let mut out = Vec::new();
    let mut q = 0;
    while let (Some(code), Some(l)) = (be16(o, q), be16(o, q + 2)) {
        let l = usize::from(l);
        let name = match code {
            0 => "Reserved",
            1 => "LLQ - Long-lived query",
            2 => "UL - Update lease",
            3 => "NSID - Name Server Identifier",
            4 => "Owner (reserved)",
            5 => "DAU - DNSSEC Algorithm Understood (RFC6975)",
            6 => "DHU - DS Hash Understood (RFC6975)",
            7 => "N3U - NSEC3 Hash Understood (RFC6975)",
            8 => "CSUBNET - Client subnet",
            9 => "EDNS EXPIRE (RFC7314)",
            10 => "COOKIE",
            11 => "EDNS TCP Keepalive",
            12 => "PADDING",
            13 => "CHAIN",
            15 => "Extended DNS Error",
            0x50fa => "Experimental - CSUBNET - Client subnet",
            _ => "",
        };
        let name = if name.is_empty() {
            format!("Unknown ({code})")
        } else {
            name.to_owned()
        };
        let p = at + q;
        let v = o.get(q + 4..(q + 4 + l).min(o.len())).unwrap_or_default();
        let mut n = Node::field("dns.opt", format!("Option: {name}"), "", p, 4 + v.len()).none();
        n.push(
            Node::field(
                "dns.opt.code",
                format!("Option Code: {name} ({code})"),
                code.to_string(),
                p,
                2,
            )
            .hex(&o[q..q + 2]),
        );
        n.push(
            Node::field(
                "dns.opt.len",
                format!("Option Length: {l}"),
                l.to_string(),
                p + 2,
                2,
            )
            .hex(&o[q + 2..q + 4]),
        );
        n.push(bytes_field("dns.opt.data", "Option Data", v, p + 4));
        if code == 10 && v.len() >= 8 {
            n.push(bytes_field(
                "dns.opt.cookie.client",
                "Client Cookie",
                &v[..8],
                p + 4,
            ));
            n.push(bytes_field(
                "dns.opt.cookie.server",
                "Server Cookie",
                &v[8..],
                p + 12,
            ));
        }
        out.push(n);
        if v.len() < l {
            break;
        }
        q += 4 + l;
    }
    out
}

/// An `FT_BYTES` field of `v` at `at`: its text the hex, `<MISSING>` when empty.
fn bytes_field(field: &'static str, label: &str, v: &[u8], at: usize) -> Node {
    let text = if v.is_empty() {
        format!("{label}: <MISSING>")
    } else {
        format!("{label}: {}", hex(v))
    };
    Node::field(field, text, colon_hex(v), at, v.len()).hex(v)
}

/// A question's or record's class at `at` (`cb`: its bytes): for mDNS the class without
/// its top bit and that bit (`names`: the class's field, the bit's field and label).
fn class_fields(
    c: u16,
    at: usize,
    cb: &[u8],
    flavour: Flavour,
    names: (&'static str, &'static str, &'static str),
) -> Vec<Node> {
    let (class, top, label) = names;
    if flavour != Flavour::Mdns {
        return vec![Node::field(
            class,
            format!("Class: {} (0x{c:04x})", class_name(c)),
            format!("0x{c:04x}"),
            at,
            2,
        )
        .hex(cb)];
    }
    let v = u64::from(c);
    let low = c & 0x7fff;
    let set = c & 0x8000 != 0;
    vec![
        Node::field(
            class,
            format!(
                "{}Class: {} (0x{low:04x})",
                bits(v, 0x7fff, 16),
                class_name(c)
            ),
            format!("0x{low:04x}"),
            at,
            2,
        )
        .masked(u64::from(low), cb),
        Node::field(
            top,
            format!(
                "{}{label}: {}",
                bits(v, 0x8000, 16),
                if set { "True" } else { "False" }
            ),
            u8::from(set).to_string(),
            at,
            2,
        )
        .masked(u64::from(set), cb),
    ]
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_port_names_the_protocol() {
        assert_eq!(Flavour::of_udp([5353, 5353]), Flavour::Mdns);
        assert_eq!(Flavour::of_udp([40200, 5353]), Flavour::Mdns);
        assert_eq!(Flavour::of_udp([5355, 40300]), Flavour::Llmnr);
        // The lower port first: a DNS server answering a client on 5353.
        assert_eq!(Flavour::of_udp([5353, 53]), Flavour::Dns);
        assert_eq!(Flavour::of_udp([25353, 40000]), Flavour::Dns);
    }

    /// A query with an EDNS client cookie (tcpdump/dns_udp.pcap, frame 1): the option and
    /// its server cookie, missing, as tshark 4.0 shows them.
    #[test]
    fn an_edns_cookie() {
        let h = "593401200001000000000001037777770774637064756d70036f72670000010001\
                 000029100000000000000c000a000842f5d00996f90b13";
        let h: String = h.split_whitespace().collect();
        let q: Vec<u8> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect();
        let n = &dissect(&q, 42, false, Flavour::Dns)[0];
        let opt = n.find("dns.opt").unwrap();
        assert_eq!(
            (opt.showname.as_str(), opt.pos, opt.size),
            ("Option: COOKIE", 86, 12)
        );
        let names: Vec<(&str, &str)> = opt
            .children
            .iter()
            .map(|c| (c.name.as_ref(), c.showname.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("dns.opt.code", "Option Code: COOKIE (10)"),
                ("dns.opt.len", "Option Length: 8"),
                ("dns.opt.data", "Option Data: 42f5d00996f90b13"),
                ("dns.opt.cookie.client", "Client Cookie: 42f5d00996f90b13"),
                ("dns.opt.cookie.server", "Server Cookie: <MISSING>"),
            ]
        );
        // Cut anywhere: no panic.
        for cut in 0..q.len() {
            dissect(&q[..cut], 42, false, Flavour::Dns);
        }
    }

    /// SOA's fields and a TXT record's strings, from a record built as RFC 1035 lays
    /// them out.
    #[test]
    fn soa_and_txt_records() {
        let mut m = b"\x00\x01\x81\x80\x00\x00\x00\x02\x00\x00\x00\x00".to_vec();
        // <Root> SOA IN, TTL 60: mname a.b, rname c.d, serial 7, then 1800, 900, 604800, 86400.
        m.extend(b"\x00\x00\x06\x00\x01\x00\x00\x00\x3c\x00\x1e");
        m.extend(b"\x01a\x01b\x00\x01c\x01d\x00");
        for v in [7u32, 1800, 900, 604_800, 86_400] {
            m.extend(v.to_be_bytes());
        }
        // <Root> TXT IN: "hi" and "there".
        m.extend(b"\x00\x00\x10\x00\x01\x00\x00\x00\x3c\x00\x09\x02hi\x05there");
        let n = &dissect(&m, 0, false, Flavour::Dns)[0];
        let answers = n.children.last().unwrap();
        assert_eq!(
            answers.children[0].showname,
            "<Root>: type SOA, class IN, mname a.b"
        );
        let shown = |name: &str| n.find(name).map(|f| f.showname.clone());
        assert_eq!(
            shown("dns.soa.rname").as_deref(),
            Some("Responsible authority's mailbox: c.d")
        );
        assert_eq!(
            shown("dns.soa.expire_limit").as_deref(),
            Some("Expire limit: 604800 (7 days)")
        );
        let txt: Vec<&str> = answers.children[1]
            .children
            .iter()
            .filter(|c| c.name.starts_with("dns.txt"))
            .map(|c| c.showname.as_str())
            .collect();
        assert_eq!(
            txt,
            ["TXT Length: 2", "TXT: hi", "TXT Length: 5", "TXT: there"]
        );
        for cut in 0..m.len() {
            dissect(&m[..cut], 0, false, Flavour::Dns);
        }
    }

    /// mDNS's class bits and LLMNR's flags as tshark 4.0 shows them
    /// (tests/data/udp-names.pcap, frames 1, 2 and 7).
    #[test]
    fn mdns_classes_and_llmnr_flags() {
        // A question asking for a unicast answer.
        let q =
            b"\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x05local\x00\x00\x01\x80\x01";
        let n = &dissect(q, 42, false, Flavour::Mdns)[0];
        assert_eq!(
            (n.name.as_ref(), n.showname.as_str()),
            ("mdns", "Multicast Domain Name System (query)")
        );
        let class = n.find("dns.qry.class").unwrap();
        assert_eq!(
            (class.show.as_str(), class.showname.as_str()),
            ("0x0001", ".000 0000 0000 0001 = Class: IN (0x0001)")
        );
        assert_eq!(n.find("dns.qry.qu").unwrap().show, "1");
        assert_eq!(
            n.children.last().unwrap().children[0].showname,
            "a.local: type A, class IN, \"QU\" question"
        );
        // The same bytes as DNS keep the class whole.
        let n = &dissect(q, 42, false, Flavour::Dns)[0];
        assert_eq!(n.find("dns.qry.class").unwrap().show, "0x8001");
        assert!(n.find("dns.qry.qu").is_none());
        // An LLMNR response with the conflict and tentative bits and an error.
        let r = b"\x20\x02\x85\x03\x00\x00\x00\x00\x00\x00\x00\x00";
        let n = &dissect(r, 42, false, Flavour::Llmnr)[0];
        assert_eq!(n.name, "llmnr");
        let flags: Vec<(&str, &str)> = n
            .find("dns.flags")
            .unwrap()
            .children
            .iter()
            .map(|c| (c.name.as_ref(), c.show.as_str()))
            .collect();
        assert_eq!(
            flags,
            [
                ("dns.flags.response", "1"),
                ("dns.flags.opcode", "0"),
                ("dns.flags.conflict", "1"),
                ("dns.flags.truncated", "0"),
                ("dns.flags.tentative", "1"),
                ("dns.flags.rcode", "3"),
            ]
        );
        // Cut anywhere: no panic.
        for cut in 0..q.len() {
            dissect(&q[..cut], 42, false, Flavour::Mdns);
            dissect(&r[..cut.min(r.len())], 42, false, Flavour::Llmnr);
        }
    }
}
