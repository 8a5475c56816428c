//! TLS records (RFC 8446 §5.1, RFC 5246 §6.2) and the handshake messages that are not
//! encrypted: the hellos with their extensions, the server name (RFC 6066 §3) among them.

use crate::query::detail::{colon_hex, hex, Node};
use crate::query::fields::format_abs_time;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be24(b: &[u8], at: usize) -> Option<u32> {
    let x = b.get(at..at + 3)?;
    Some(u32::from_be_bytes([0, x[0], x[1], x[2]]))
}

fn version_name(v: u16) -> &'static str {
    match v {
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        _ => "Unknown",
    }
}

fn record_prefix(v: u16) -> &'static str {
    match v {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        _ => "TLS",
    }
}

fn content_name(t: u8) -> &'static str {
    match t {
        20 => "Change Cipher Spec",
        21 => "Alert",
        22 => "Handshake",
        23 => "Application Data",
        24 => "Heartbeat",
        _ => "Unknown",
    }
}

pub(super) fn handshake_name(t: u8) -> &'static str {
    match t {
        0 => "Hello Request",
        1 => "Client Hello",
        2 => "Server Hello",
        4 => "New Session Ticket",
        5 => "End of Early Data",
        8 => "Encrypted Extensions",
        11 => "Certificate",
        12 => "Server Key Exchange",
        13 => "Certificate Request",
        14 => "Server Hello Done",
        15 => "Certificate Verify",
        16 => "Client Key Exchange",
        20 => "Finished",
        24 => "Key Update",
        _ => "Unknown",
    }
}

fn extension_name(t: u16) -> &'static str {
    match t {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        57 => "quic_transport_parameters",
        13172 => "next_protocol_negotiation",
        17513 => "application_settings",
        65281 => "renegotiation_info",
        _ if t & 0x0f0f == 0x0a0a => "Reserved (GREASE)",
        _ => "Unknown",
    }
}

fn uint(name: &str, label: &str, v: u64, b: &[u8], at: usize, len: usize, base: usize) -> Node {
    Node::field(name, format!("{label}: {v}"), v.to_string(), base + at, len)
        .hex(b.get(at..at + len).unwrap_or(&[]))
}

/// The `tls` layer of one record `r` at `at`; `encrypted`: the side sent its Change
/// Cipher Spec before, so its handshake records are encrypted.
pub(super) fn record(r: &[u8], at: usize, encrypted: bool) -> Option<Node> {
    let ct = *r.first()?;
    let ver = be16(r, 1)?;
    let len = be16(r, 3)? as usize;
    let body = r.get(5..5 + len)?;
    let prefix = record_prefix(ver);
    let (title, what) = match ct {
        22 if encrypted => (
            format!("{prefix} Record Layer: Handshake Protocol: Encrypted Handshake Message"),
            None,
        ),
        22 => {
            let hs = handshake_name(*body.first()?);
            (
                format!("{prefix} Record Layer: Handshake Protocol: {hs}"),
                Some(hs),
            )
        }
        20 => (
            format!("{prefix} Record Layer: Change Cipher Spec Protocol: Change Cipher Spec"),
            None,
        ),
        // An alert of other than two bytes is encrypted too (the Change Cipher Spec
        // before it may not have been captured).
        21 if encrypted || len != 2 => (format!("{prefix} Record Layer: Encrypted Alert"), None),
        21 => (format!("{prefix} Record Layer: Alert"), None),
        23 => (
            format!("{prefix} Record Layer: Application Data Protocol: Application Data"),
            None,
        ),
        _ => (format!("{prefix} Record Layer: {}", content_name(ct)), None),
    };
    let mut n = Node::field("tls.record", title, "", at, 5 + len).none();
    n.push(
        Node::field(
            "tls.record.content_type",
            format!("Content Type: {} ({ct})", content_name(ct)),
            ct.to_string(),
            at,
            1,
        )
        .hex(&r[..1]),
    );
    n.push(
        Node::field(
            "tls.record.version",
            format!("Version: {} (0x{ver:04x})", version_name(ver)),
            format!("0x{ver:04x}"),
            at + 1,
            2,
        )
        .hex(&r[1..3]),
    );
    n.push(uint("tls.record.length", "Length", len as u64, r, 3, 2, at));
    let b = at + 5;
    match ct {
        22 if encrypted => {
            n.push(
                Node::field(
                    "tls.handshake",
                    "Handshake Protocol: Encrypted Handshake Message",
                    "",
                    b,
                    len,
                )
                .none(),
            );
        }
        22 => {
            if let Some(hs) = what {
                n.push(handshake(body, b, hs));
            }
        }
        20 => {
            n.push(
                Node::field(
                    "tls.change_cipher_spec",
                    "Change Cipher Spec Message",
                    "",
                    b,
                    len,
                )
                .none(),
            );
        }
        _ => {}
    }
    Some(n)
}

/// A handshake message `h` at `at` (QUIC's CRYPTO frames carry them without records).
pub(super) fn handshake(h: &[u8], at: usize, name: &str) -> Node {
    let t = h[0];
    let hl = be24(h, 1).unwrap_or(0) as usize;
    let mut n = Node::field(
        "tls.handshake",
        format!("Handshake Protocol: {name}"),
        "",
        at,
        h.len().min(4 + hl),
    )
    .none();
    n.push(
        Node::field(
            "tls.handshake.type",
            format!("Handshake Type: {name} ({t})"),
            t.to_string(),
            at,
            1,
        )
        .hex(&h[..1]),
    );
    if h.len() < 4 {
        return n;
    }
    n.push(uint(
        "tls.handshake.length",
        "Length",
        hl as u64,
        h,
        1,
        3,
        at,
    ));
    if matches!(t, 1 | 2) {
        hello(h, at, t == 1, &mut n);
    }
    n
}

fn hello(h: &[u8], at: usize, client: bool, n: &mut Node) -> Option<()> {
    let mut p = 4;
    let v = be16(h, p)?;
    n.push(
        Node::field(
            "tls.handshake.version",
            format!("Version: {} (0x{v:04x})", version_name(v)),
            format!("0x{v:04x}"),
            at + p,
            2,
        )
        .hex(&h[p..p + 2]),
    );
    p += 2;
    let random = h.get(p..p + 32)?;
    let mut rn = Node::field(
        "tls.handshake.random",
        format!("Random: {}", hex(random)),
        colon_hex(random),
        at + p,
        32,
    )
    .hex(random);
    let secs = u32::from_be_bytes([random[0], random[1], random[2], random[3]]);
    let mut t = String::new();
    format_abs_time(secs as i64 * 1_000_000_000, &mut t);
    rn.push(
        Node::field(
            "tls.handshake.random_time",
            format!("GMT Unix Time: {t}"),
            t,
            at + p,
            4,
        )
        .hex(&random[..4]),
    );
    rn.push(
        Node::field(
            "tls.handshake.random_bytes",
            format!("Random Bytes: {}", hex(&random[4..])),
            colon_hex(&random[4..]),
            at + p + 4,
            28,
        )
        .hex(&random[4..]),
    );
    n.push(rn);
    p += 32;
    let sl = *h.get(p)? as usize;
    n.push(uint(
        "tls.handshake.session_id_length",
        "Session ID Length",
        sl as u64,
        h,
        p,
        1,
        at,
    ));
    p += 1;
    if sl > 0 {
        let sid = h.get(p..p + sl)?;
        n.push(
            Node::field(
                "tls.handshake.session_id",
                format!("Session ID: {}", hex(sid)),
                colon_hex(sid),
                at + p,
                sl,
            )
            .hex(sid),
        );
    }
    p += sl;
    if client {
        let cl = be16(h, p)? as usize;
        n.push(uint(
            "tls.handshake.cipher_suites_length",
            "Cipher Suites Length",
            cl as u64,
            h,
            p,
            2,
            at,
        ));
        p += 2;
        n.push(
            Node::field(
                "tls.handshake.ciphersuites",
                format!(
                    "Cipher Suites ({} suite{})",
                    cl / 2,
                    if cl / 2 == 1 { "" } else { "s" }
                ),
                "",
                at + p,
                cl,
            )
            .none(),
        );
        p += cl;
        let ml = *h.get(p)? as usize;
        n.push(uint(
            "tls.handshake.comp_methods_length",
            "Compression Methods Length",
            ml as u64,
            h,
            p,
            1,
            at,
        ));
        p += 1;
        let mut m = Node::field(
            "tls.handshake.comp_methods",
            format!(
                "Compression Methods ({ml} method{})",
                if ml == 1 { "" } else { "s" }
            ),
            "",
            at + p,
            ml,
        )
        .none();
        for k in 0..ml {
            let c = *h.get(p + k)?;
            m.push(comp(c, h, p + k, at));
        }
        n.push(m);
        p += ml;
    } else {
        p += 2;
        let c = *h.get(p)?;
        n.push(comp(c, h, p, at));
        p += 1;
    }
    let el = be16(h, p)? as usize;
    n.push(uint(
        "tls.handshake.extensions_length",
        "Extensions Length",
        el as u64,
        h,
        p,
        2,
        at,
    ));
    p += 2;
    let end = (p + el).min(h.len());
    while p + 4 <= end {
        let et = be16(h, p)?;
        let len = be16(h, p + 2)? as usize;
        let data = h.get(p + 4..p + 4 + len)?;
        let name = extension_name(et);
        let mut e = Node::text(format!("Extension: {name} (len={len})"), at + p, 4 + len)
            .hex(&h[p..p + 4 + len]);
        e.push(
            Node::field(
                "tls.handshake.extension.type",
                format!("Type: {name} ({et})"),
                et.to_string(),
                at + p,
                2,
            )
            .hex(&h[p..p + 2]),
        );
        e.push(uint(
            "tls.handshake.extension.len",
            "Length",
            len as u64,
            h,
            p + 2,
            2,
            at,
        ));
        if et == 0 && client {
            server_name(data, at + p + 4, &mut e);
        }
        n.push(e);
        p += 4 + len;
    }
    Some(())
}

fn comp(c: u8, h: &[u8], p: usize, at: usize) -> Node {
    let name = match c {
        0 => "null",
        1 => "DEFLATE",
        64 => "LZS",
        _ => "Unknown",
    };
    Node::field(
        "tls.handshake.comp_method",
        format!("Compression Method: {name} ({c})"),
        c.to_string(),
        at + p,
        1,
    )
    .hex(&h[p..p + 1])
}

/// The server_name extension's list (RFC 6066 §3).
fn server_name(d: &[u8], at: usize, e: &mut Node) -> Option<()> {
    let mut s = Node::text("Server Name Indication extension", at, d.len()).hex(d);
    let ll = be16(d, 0)?;
    s.push(uint(
        "tls.handshake.extensions_server_name_list_len",
        "Server Name list length",
        ll.into(),
        d,
        0,
        2,
        at,
    ));
    let mut p = 2;
    while p + 3 <= d.len() {
        let t = d[p];
        s.push(
            Node::field(
                "tls.handshake.extensions_server_name_type",
                format!(
                    "Server Name Type: {} ({t})",
                    if t == 0 { "host_name" } else { "Unknown" }
                ),
                t.to_string(),
                at + p,
                1,
            )
            .hex(&d[p..p + 1]),
        );
        let l = be16(d, p + 1)? as usize;
        s.push(uint(
            "tls.handshake.extensions_server_name_len",
            "Server Name length",
            l as u64,
            d,
            p + 1,
            2,
            at,
        ));
        let name = d.get(p + 3..p + 3 + l)?;
        let text = String::from_utf8_lossy(name).into_owned();
        s.push(
            Node::field(
                "tls.handshake.extensions_server_name",
                format!("Server Name: {text}"),
                text,
                at + p + 3,
                l,
            )
            .hex(name),
        );
        p += 3 + l;
    }
    e.push(s);
    Some(())
}
