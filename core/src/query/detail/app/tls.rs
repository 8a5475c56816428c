//! TLS records (RFC 8446 §5.1, RFC 5246 §6.2) and the handshake messages that are not
//! encrypted: the hellos with their extensions, the server name (RFC 6066 §3) among them.
//!
//! With the session's secrets ([`Decrypt`]) the records are opened again, as tshark
//! shows them with a key log: what each carried, and the PDUs of the protocol inside.

use super::{pdu_len, Pdu, MAX_PDU};
use crate::capture::app::AppProto;
use crate::ingest::app::tls::conn::{content, Conn, Event};
use crate::ingest::app::tls::keylog::KeyLog;
use crate::query::detail::{colon_hex, hex, Node};
use crate::query::fields::format_abs_time;

mod cert;
mod hello;
mod kex;
mod message;
mod names;
mod x509;

pub(in crate::query::detail) use hello::md5;
pub(crate) use kex::Kex;

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

pub(crate) fn handshake_name(t: u8) -> &'static str {
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

/// The name of the handshake message at the start of `hs` (its type, length and body):
/// a ServerHello whose random is the special value is a HelloRetryRequest (RFC 8446
/// §4.1.3), which Wireshark names apart.
pub(crate) fn message_name(hs: &[u8]) -> &'static str {
    match hs.first() {
        Some(2) if hs.get(6..38) == Some(&crate::ingest::app::tls::HRR_RANDOM[..]) => {
            "Hello Retry Request"
        }
        Some(&t) => handshake_name(t),
        None => "Unknown",
    }
}

fn extension_name(t: u16) -> &'static str {
    match t {
        0 => "server_name",
        1 => "max_fragment_length",
        2 => "client_certificate_url",
        3 => "trusted_ca_keys",
        4 => "truncated_hmac",
        5 => "status_request",
        6 => "user_mapping",
        7 => "client_authz",
        8 => "server_authz",
        9 => "cert_type",
        10 => "supported_groups",
        11 => "ec_point_formats",
        12 => "srp",
        13 => "signature_algorithms",
        14 => "use_srtp",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        17 => "status_request_v2",
        18 => "signed_certificate_timestamp",
        19 => "client_certificate_type",
        20 => "server_certificate_type",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        24 => "token_binding",
        25 => "cached_info",
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

fn uint(
    name: &'static str,
    label: &str,
    v: u64,
    b: &[u8],
    at: usize,
    len: usize,
    base: usize,
) -> Node {
    Node::field(name, format!("{label}: {v}"), v.to_string(), base + at, len)
        .hex(b.get(at..at + len).unwrap_or(&[]))
}

/// A record's `tls.record.version` and `tls.record.length` (record `r` at `at`).
fn version_and_length(n: &mut Node, r: &[u8], at: usize, ver: u16, len: usize) {
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
}

/// The `tls` layer of one record `r` at `at`; `encrypted`: the side sent its Change
/// Cipher Spec before, so its handshake records are encrypted; `tls13`: a ServerHello
/// chose TLS 1.3 before it (Wireshark then names its records TLSv1.3's); `named`: the
/// protocol Application Data is named after.
pub(super) fn record(
    r: &[u8],
    at: usize,
    encrypted: bool,
    tls13: bool,
    named: Option<&str>,
    kex: Option<Kex>,
) -> Option<Node> {
    let ct = *r.first()?;
    let ver = be16(r, 1)?;
    let len = be16(r, 3)? as usize;
    let body = r.get(5..5 + len)?;
    let prefix = if tls13 { "TLSv1.3" } else { record_prefix(ver) };
    let (title, what) = match ct {
        22 if encrypted => (
            format!("{prefix} Record Layer: Handshake Protocol: Encrypted Handshake Message"),
            None,
        ),
        22 => {
            body.first()?;
            let hs = if messages(body).nth(1).is_some() {
                "Multiple Handshake Messages"
            } else {
                message_name(body)
            };
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
        21 => (
            format!(
                "{prefix} Record Layer: Alert (Level: {}, Description: {})",
                alert_level(body[0]),
                alert_desc(body[1])
            ),
            None,
        ),
        23 => (
            format!(
                "{prefix} Record Layer: Application Data Protocol: {}",
                named.unwrap_or("Application Data")
            ),
            None,
        ),
        _ => (format!("{prefix} Record Layer: {}", content_name(ct)), None),
    };
    let mut n = Node::field("tls.record", title, "", at, 5 + len).none();
    // TLS 1.3's Application Data type is only the outer one (RFC 8446 §5.2).
    let (field, label) = if tls13 && ct == 23 {
        ("tls.record.opaque_type", "Opaque Type")
    } else {
        ("tls.record.content_type", "Content Type")
    };
    n.push(
        Node::field(
            field,
            format!("{label}: {} ({ct})", content_name(ct)),
            ct.to_string(),
            at,
            1,
        )
        .hex(&r[..1]),
    );
    version_and_length(&mut n, r, at, ver, len);
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
        22 if what.is_some() => {
            for (off, h) in messages(body) {
                let s = kex::Session {
                    kex,
                    tls12: ver >= 0x0303,
                };
                n.push(handshake_in(h, b + off, message_name(h), tls13, s));
            }
        }
        23 => {
            n.push(app_data(body, b));
            if let Some(name) = named {
                n.push(app_data_proto(name, at));
            }
        }
        // An alert the record layer cannot read: its message is named, not dissected.
        21 if encrypted || len != 2 => {
            n.push(
                Node::field(
                    "tls.alert_message",
                    "Alert Message: Encrypted Alert",
                    "",
                    b,
                    len,
                )
                .none(),
            );
        }
        21 => {
            n.push(alert_message(body, b, 0));
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

/// The handshake messages of a record's body, each with its offset: all that start in
/// it (a record may hold several, RFC 5246 §6.2.1), the last perhaps cut short.
fn messages(body: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut off = 0;
    std::iter::from_fn(move || {
        let h = body.get(off..)?;
        if h.is_empty() || (off > 0 && h.len() < 4) {
            return None;
        }
        let len = (4 + be24(h, 1).unwrap_or(0) as usize).min(h.len());
        let at = off;
        off += len;
        Some((at, &h[..len]))
    })
}

/// A handshake message `h` at `at` (QUIC's CRYPTO frames carry them without records).
pub(super) fn handshake(h: &[u8], at: usize, name: &str) -> Node {
    handshake_in(h, at, name, false, kex::Session::default())
}

/// A handshake message `h` at `at`, named `name`; `tls13`: the session is known to be
/// TLS 1.3 already (a HelloRetryRequest came before it).
fn handshake_in(h: &[u8], at: usize, name: &str, tls13: bool, s: kex::Session) -> Node {
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
            format!("Handshake Type: {} ({t})", handshake_name(t)),
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
    match t {
        1 | 2 => {
            hello(h, at, t == 1, tls13, &mut n);
        }
        _ => message_body(h, at, tls13, s, &mut n),
    }
    n
}

/// The body of a handshake message after the hellos (`h` from its type byte, at `at`):
/// Certificate, NewSessionTicket, CertificateVerify, Finished (`tls13`: the session's
/// version, whose Certificate and ticket carry more).
fn message_body(h: &[u8], at: usize, tls13: bool, s: kex::Session, n: &mut Node) {
    match h.first() {
        Some(12) if !tls13 => {
            kex::server_key_exchange(h, at, s, n);
        }
        Some(13) if !tls13 => {
            kex::certificate_request(h, at, s, n);
        }
        Some(16) if !tls13 => {
            kex::client_key_exchange(h, at, s, n);
        }
        Some(4) => {
            message::session_ticket(h, at, tls13, n);
        }
        Some(11) => {
            cert::certificate(h, at, tls13, n);
        }
        Some(15) => {
            message::certificate_verify(h, at, n);
        }
        Some(20) => message::finished(h, at, n),
        _ => {}
    }
}

fn hello(h: &[u8], at: usize, client: bool, session13: bool, n: &mut Node) -> Option<()> {
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
    let hrr = if random == crate::ingest::app::tls::HRR_RANDOM {
        " (HelloRetryRequest magic)"
    } else {
        ""
    };
    let mut rn = Node::field(
        "tls.handshake.random",
        format!("Random: {}{hrr}", hex(random)),
        colon_hex(random),
        at + p,
        32,
    )
    .hex(random);
    // A TLS 1.3 hello's random has no time in it (RFC 8446 §4.1.3): Wireshark shows it
    // whole once it knows the version (the ServerHello's own, or a HelloRetryRequest's
    // before a second ClientHello).
    let mut tls = crate::capture::app::tls::Tls::default();
    let tls13 = session13
        || !client
            && crate::ingest::app::tls::server_hello(h.get(4..).unwrap_or(&[]), &mut tls).is_some()
            && tls.tls13();
    let secs = u32::from_be_bytes([random[0], random[1], random[2], random[3]]);
    let mut t = String::new();
    format_abs_time(secs as i64 * 1_000_000_000, &mut t);
    if tls13 {
        n.push(rn);
        return hello_rest(h, at, client, v, n, p + 32);
    }
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
    hello_rest(h, at, client, v, n, p + 32)
}

/// A hello of version `version` after its random, from `p`.
fn hello_rest(
    h: &[u8],
    at: usize,
    client: bool,
    version: u16,
    n: &mut Node,
    mut p: usize,
) -> Option<()> {
    let mut ja3 = hello::Ja3::default();
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
        let mut cs = Node::field(
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
        .none();
        let suites = h.get(p..p + cl);
        for (k, b) in suites.unwrap_or(&[]).chunks_exact(2).enumerate() {
            let v = u16::from_be_bytes([b[0], b[1]]);
            ja3.cipher(v);
            cs.push(hello::cipher_suite(v, b, at + p + 2 * k));
        }
        n.push(cs);
        suites?;
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
        let b = h.get(p..p + 2)?;
        let v = u16::from_be_bytes([b[0], b[1]]);
        ja3.cipher(v);
        n.push(hello::cipher_suite(v, b, at + p));
        p += 2;
        let c = *h.get(p)?;
        n.push(comp(c, h, p, at));
        p += 1;
    }
    let ja3_at = at + p;
    extensions(h, p, at, client, n, &mut ja3)?;
    ja3.nodes(client, version, ja3_at, n);
    Some(())
}

/// The extensions block of handshake message `h` (at `at` in its source) from `p`: its
/// `tls.handshake.extensions_length` and each extension, added to `n` (`client`: a
/// ClientHello's); what JA3 takes goes to `ja3`. None when it is cut short.
fn extensions(
    h: &[u8],
    mut p: usize,
    at: usize,
    client: bool,
    n: &mut Node,
    ja3: &mut hello::Ja3,
) -> Option<()> {
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
        ja3.extension(et);
        if et == 0 && client {
            server_name(data, at + p + 4, &mut e);
        } else {
            hello::extension(et, data, at + p + 4, client, &mut e, ja3);
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

/// What a record carried, opened with the session's secrets.
#[derive(Debug)]
pub(crate) struct Opened {
    /// The content type inside (TLS 1.3's inner type).
    ct: u8,
    /// TLS 1.3: the record's outer type (Application Data) hides the real one
    /// (`tls.record.opaque_type`, RFC 8446 §5.2).
    tls13: bool,
    /// The plaintext.
    bytes: Vec<u8>,
    /// The protocol its application data carries.
    inner: Option<AppProto>,
}

impl Opened {
    /// The plaintext (a `Decrypted TLS` byte source of the packet).
    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The content type inside.
    pub(super) fn content_type(&self) -> u8 {
        self.ct
    }
}

/// Where a PDU of the protocol inside TLS lies.
#[derive(Clone, Debug)]
pub(crate) enum Plain {
    /// In the plaintext of one record of the packet: the `nth` record opened in it, at
    /// `off`.
    Record { nth: usize, off: usize },
    /// Gathered over several records: (frame number, bytes) of each piece (Wireshark's
    /// `Reassembled TLS`).
    Reassembled(Vec<(u64, usize)>),
}

/// A piece of plaintext: the `nth` record opened by `packet`, from `off`, `len` bytes.
#[derive(Clone, Copy, Debug)]
struct Piece {
    packet: u64,
    nth: usize,
    off: usize,
    len: usize,
}

/// One side's plaintext not yet cut into PDUs.
#[derive(Default)]
struct PlainStream {
    buf: Vec<u8>,
    pieces: Vec<Piece>,
    want: Option<usize>,
}

/// One TLS conversation's records opened again with the capture's secrets (the ingest's
/// record layer, [`Conn`]), and the plaintext cut into the PDUs of the protocol inside
/// as Wireshark's TLS desegmentation gathers them: a PDU is shown in the packet whose
/// record completed it.
pub(super) struct Decrypt {
    conn: Conn,
    inner: Option<AppProto>,
    /// Client's side, server's side.
    sides: [PlainStream; 2],
    /// The last HTTP request inside was a HEAD (see [`super::Flow`]'s).
    head_request: bool,
    /// The packet whose records are being opened, and how many it opened so far.
    at: (u64, usize),
}

impl Decrypt {
    /// A conversation from its start; `inner` is the protocol its records carry.
    pub(super) fn new(inner: Option<AppProto>) -> Self {
        Decrypt {
            conn: Conn::new(),
            inner,
            sides: Default::default(),
            head_request: false,
            at: (u64::MAX, 0),
        }
    }

    /// Opens one whole record sent by the client (`to_server`) or the server, completed
    /// by `packet`: what it carried, with the PDUs of the protocol inside it completes
    /// put in `done`.
    pub(super) fn record(
        &mut self,
        keys: &KeyLog,
        to_server: bool,
        rec: &[u8],
        packet: u64,
        done: &mut Vec<Pdu>,
    ) -> Option<Box<Opened>> {
        let mut opened: Option<Box<Opened>> = None;
        let tls13 = self.conn.version() == Some(0x0304);
        let inner = self.inner;
        self.conn
            .data(to_server, rec, keys, packet, &mut |ev| match ev {
                Event::Record {
                    content_type,
                    decrypted: true,
                    ..
                } => {
                    opened = Some(Box::new(Opened {
                        ct: content_type,
                        tls13,
                        bytes: Vec::new(),
                        inner,
                    }));
                }
                Event::Plaintext { data, .. } => {
                    if let Some(o) = opened.as_mut() {
                        o.bytes = data.to_vec();
                    }
                }
                _ => {}
            });
        let o = opened?;
        if self.at.0 != packet {
            self.at = (packet, 0);
        }
        let nth = self.at.1;
        self.at.1 += 1;
        if o.ct == content::APP_DATA {
            if let Some(proto) = self.inner {
                let side = &mut self.sides[usize::from(!to_server)];
                side.push(&o.bytes, packet, nth);
                side.cut(proto, to_server, &mut self.head_request, done);
            }
        }
        Some(o)
    }

    /// A ServerHello chose TLS 1.3.
    pub(super) fn tls13(&self) -> bool {
        self.conn.version() == Some(0x0304)
    }

    /// Bytes of one side were lost: its records can no longer be followed.
    pub(super) fn gap(&mut self, to_server: bool) {
        self.conn.gap(to_server, &mut |_| {});
        self.sides[usize::from(!to_server)] = PlainStream::default();
    }
}

impl PlainStream {
    fn push(&mut self, data: &[u8], packet: u64, nth: usize) {
        if data.is_empty() {
            return;
        }
        if self.buf.len() + data.len() > MAX_PDU {
            *self = PlainStream::default();
            return;
        }
        self.buf.extend_from_slice(data);
        self.pieces.push(Piece {
            packet,
            nth,
            off: 0,
            len: data.len(),
        });
    }

    /// Cuts the complete PDUs off the front (as [`super::Stream::cut`] does with TCP's
    /// bytes).
    fn cut(
        &mut self,
        proto: AppProto,
        to_server: bool,
        head_request: &mut bool,
        done: &mut Vec<Pdu>,
    ) {
        while !self.buf.is_empty() {
            let n = match self
                .want
                .or_else(|| pdu_len(proto, to_server, *head_request, &self.buf))
            {
                Some(n) => n,
                None => return,
            };
            if n == 0 {
                *self = PlainStream::default();
                return;
            }
            if n > self.buf.len() {
                self.want = Some(n);
                return;
            }
            self.want = None;
            let mut left = n;
            let mut covered = Vec::new();
            while left > 0 && !self.pieces.is_empty() {
                let p = self.pieces[0];
                if p.len <= left {
                    covered.push(p);
                    left -= p.len;
                    self.pieces.remove(0);
                } else {
                    covered.push(Piece { len: left, ..p });
                    self.pieces[0] = Piece {
                        off: p.off + left,
                        len: p.len - left,
                        ..p
                    };
                    left = 0;
                }
            }
            let bytes: Vec<u8> = self.buf.drain(..n).collect();
            if proto == AppProto::Http && to_server {
                *head_request = super::http::is_head(&bytes);
            }
            let plain = match covered.as_slice() {
                [one] => Plain::Record {
                    nth: one.nth,
                    off: one.off,
                },
                many => Plain::Reassembled(many.iter().map(|p| (p.packet + 1, p.len)).collect()),
            };
            done.push(Pdu {
                proto,
                to_server,
                bytes,
                frame_off: None,
                segments: Vec::new(),
                mysql: super::mysql::Packet::default(),
                encrypted: false,
                tls: super::TlsPart::Inner(plain),
            });
        }
    }
}

/// `tls.app_data`: a record's application data `body` at `at`, as it came (encrypted).
fn app_data(body: &[u8], at: usize) -> Node {
    super::quic::bytes_field("tls.app_data", "Encrypted Application Data", body, at)
}

/// `tls.app_data_proto`, a value Wireshark computes, at `at`.
fn app_data_proto(name: &str, at: usize) -> Node {
    Node::field(
        "tls.app_data_proto",
        format!("Application Data Protocol: {name}"),
        name,
        at,
        0,
    )
    .gen()
}

/// Wireshark's name of a protocol inside TLS (`tls.app_data_proto`).
pub(super) fn long_name(p: AppProto) -> &'static str {
    match p {
        AppProto::Http => "Hypertext Transfer Protocol",
        AppProto::Http2 => "HyperText Transfer Protocol 2",
        AppProto::Memcache => "Memcache Protocol",
        AppProto::Redis => "Redis Protocol",
        AppProto::Mysql => "MySQL Protocol",
        AppProto::Pgsql => "PostgreSQL",
        AppProto::Dns => "Domain Name System",
        AppProto::Tls => "Transport Layer Security",
        AppProto::Quic => "QUIC IETF",
    }
}

/// An alert's level, as Wireshark names it.
pub(crate) fn alert_level(l: u8) -> &'static str {
    match l {
        1 => "Warning",
        2 => "Fatal",
        _ => "Unknown",
    }
}

/// Alert descriptions (RFC 8446 §6, IANA's TLS Alerts registry), as Wireshark names them.
pub(crate) fn alert_desc(d: u8) -> &'static str {
    match d {
        0 => "Close Notify",
        10 => "Unexpected Message",
        20 => "Bad Record MAC",
        21 => "Decryption Failed",
        22 => "Record Overflow",
        30 => "Decompression Failure",
        40 => "Handshake Failure",
        41 => "No Certificate",
        42 => "Bad Certificate",
        43 => "Unsupported Certificate",
        44 => "Certificate Revoked",
        45 => "Certificate Expired",
        46 => "Certificate Unknown",
        47 => "Illegal Parameter",
        48 => "Unknown CA",
        49 => "Access Denied",
        50 => "Decode Error",
        51 => "Decrypt Error",
        60 => "Export Restriction",
        70 => "Protocol Version",
        71 => "Insufficient Security",
        80 => "Internal Error",
        86 => "Inappropriate Fallback",
        90 => "User Canceled",
        100 => "No Renegotiation",
        109 => "Missing Extension",
        110 => "Unsupported Extension",
        112 => "Unrecognized Name",
        113 => "Bad Certificate Status Response",
        115 => "Unknown PSK Identity",
        116 => "Certificate Required",
        120 => "No Application Protocol",
        _ => "Unknown",
    }
}

/// The `tls.record` of a record `r` at `at` that was opened (`o`); its plaintext is byte
/// source `src` of the packet, and the bytes TLS was handed start at `start` of the
/// record's source. As tshark shows it with the key log: a TLS 1.3 record's outer type
/// as `tls.record.opaque_type` and the real one as `tls.record.content_type`, the
/// handshake messages and alerts inside at their offsets in the plaintext.
pub(super) fn opened_record(
    r: &[u8],
    at: usize,
    o: &Opened,
    (src, start): (u8, usize),
) -> Option<Node> {
    let outer = *r.first()?;
    let ver = be16(r, 1)?;
    let len = be16(r, 3)? as usize;
    let prefix = if o.tls13 {
        "TLSv1.3"
    } else {
        record_prefix(ver)
    };
    let p = &o.bytes;
    let what = match o.ct {
        22 => format!(
            "Handshake Protocol: {}",
            handshake_name(*p.first().unwrap_or(&255))
        ),
        23 => format!(
            "Application Data Protocol: {}",
            o.inner.map_or("Application Data", long_name)
        ),
        21 if p.len() >= 2 => format!(
            "Alert (Level: {}, Description: {})",
            alert_level(p[0]),
            alert_desc(p[1])
        ),
        ct => content_name(ct).to_owned(),
    };
    let mut n = Node::field(
        "tls.record",
        format!("{prefix} Record Layer: {what}"),
        "",
        at,
        5 + len,
    )
    .none();
    let ct_node = |ct: u8| {
        Node::field(
            "tls.record.content_type",
            format!("Content Type: {} ({ct})", content_name(ct)),
            ct.to_string(),
            at,
            1,
        )
        .hex(&[ct])
    };
    if o.tls13 {
        n.push(
            Node::field(
                "tls.record.opaque_type",
                format!("Opaque Type: {} ({outer})", content_name(outer)),
                outer.to_string(),
                at,
                1,
            )
            .hex(&r[..1]),
        );
    } else {
        n.push(ct_node(o.ct));
    }
    version_and_length(&mut n, r, at, ver, len);
    if o.tls13 {
        // The real type, from inside the plaintext: a value Wireshark computes.
        n.push(ct_node(o.ct).gen());
    }
    match o.ct {
        22 => {
            // Each message in the plaintext (PDML writes an item that starts before its
            // parent at the parent's start plus its own: the record's).
            let mut off = 0;
            while off + 4 <= p.len() {
                let t = p[off];
                let hl = be24(p, off + 1).unwrap_or(0) as usize;
                let name = message_name(&p[off..]);
                let mut h = Node::field(
                    "tls.handshake",
                    format!("Handshake Protocol: {name}"),
                    "",
                    off,
                    (4 + hl).min(p.len() - off),
                )
                .none()
                .src(src);
                h.push(
                    Node::field(
                        "tls.handshake.type",
                        format!("Handshake Type: {} ({t})", handshake_name(t)),
                        t.to_string(),
                        off,
                        1,
                    )
                    .hex(&p[off..off + 1])
                    .src(src),
                );
                h.push(
                    uint(
                        "tls.handshake.length",
                        "Length",
                        hl as u64,
                        p,
                        off + 1,
                        3,
                        0,
                    )
                    .src(src),
                );
                let first = h.children.len();
                let msg = &p[off..(off + 4 + hl).min(p.len())];
                opened_message(msg, off, o.tls13, &mut h);
                for c in &mut h.children[first..] {
                    c.set_source(src);
                }
                n.push(h);
                off += 4 + hl;
            }
        }
        21 if p.len() >= 2 => {
            n.push(alert_message(p, 0, src));
        }
        23 => {
            n.push(app_data(r.get(5..5 + len).unwrap_or(&[]), at + 5));
            if let Some(inner) = o.inner {
                // At the start of what TLS was handed (Wireshark's item at offset 0).
                n.push(app_data_proto(long_name(inner), start));
            }
        }
        _ => {}
    }
    Some(n)
}

/// The body of a handshake message `h` (at `at` in a record's plaintext) that the
/// record layer hides without the key log, added to its node `n`: what packet-tls.c
/// shows of each once the record is opened. Cut short, it shows what is whole.
fn opened_message(h: &[u8], at: usize, tls13: bool, n: &mut Node) {
    match h.first() {
        // EncryptedExtensions (RFC 8446 §4.3.1): the server's extensions.
        Some(8) if h.len() >= 6 => {
            extensions(h, 4, at, false, n, &mut hello::Ja3::default());
        }
        _ => message_body(h, at, tls13, kex::Session::default(), n),
    }
}

/// An alert's `tls.alert_message` (its two bytes `p`, at `at` in byte source `src`) with
/// its level and description.
fn alert_message(p: &[u8], at: usize, src: u8) -> Node {
    let mut a = Node::field("tls.alert_message", "Alert Message", "", at, 2)
        .none()
        .src(src);
    for (k, name, label, text) in [
        (
            0,
            "tls.alert_message.level",
            "Level",
            alert_level as fn(u8) -> &'static str,
        ),
        (1, "tls.alert_message.desc", "Description", alert_desc),
    ] {
        let Some(&v) = p.get(k) else {
            break;
        };
        a.push(
            Node::field(
                name,
                format!("{label}: {} ({v})", text(v)),
                v.to_string(),
                at + k,
                1,
            )
            .hex(&p[k..k + 1])
            .src(src),
        );
    }
    a
}

/// The byte source and offset of a PDU of the protocol inside TLS: the plaintext of the
/// packet's record it lies in, or a `Reassembled TLS` source of its own (added to `d`,
/// with `tls.segments` naming its pieces, as tshark shows them).
pub(super) fn inner_source(
    plain: &Plain,
    bytes: &[u8],
    opened: &[u8],
    d: &mut crate::query::detail::Detail,
) -> Option<(u8, usize)> {
    match plain {
        Plain::Record { nth, off } => Some((*opened.get(*nth)?, *off)),
        Plain::Reassembled(pieces) => Some((
            super::reassembled(d, super::Gathered::Tls, pieces, bytes),
            0,
        )),
    }
}

/// An HTTP request inside TLS: Wireshark's full URI is https's.
pub(super) fn https(nodes: &mut [Node]) {
    for n in nodes {
        if n.name == "http.request.full_uri" {
            if let Some(rest) = n.show.strip_prefix("http://") {
                n.show = format!("https://{rest}");
                n.showname = n.showname.replacen("http://", "https://", 1);
            }
        }
        https(&mut n.children);
    }
}

#[cfg(test)]
mod test {
    //! Real captures with their key logs (tests/data/servers); expected values are
    //! tshark 4.0.17's (`-o tls.keylog_file:… -T pdml`).
    use crate::capture::Capture;
    use crate::ingest::app::testkit;
    use crate::query::detail::{detail, pdml, Apps, Detail, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};

    fn bytes(name: &str) -> Vec<u8> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers")
            .join(name);
        std::fs::read(path).expect("tests/data/servers is in the repository")
    }

    fn trees(c: &Capture, b: &[u8], order: &mut dyn Iterator<Item = usize>) -> Vec<Detail> {
        let mut src = MemorySource { files: vec![b] };
        let mut ctx = FieldCtx::new(c);
        let mut apps = Apps::new();
        let mut out = vec![Detail::default(); c.packets.len()];
        for i in order {
            out[i] = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
        }
        out
    }

    fn names(d: &Detail) -> Vec<&str> {
        d.layers.iter().map(|l| l.name.as_ref()).collect()
    }

    #[test]
    fn http2_inside_tls_13_is_shown_from_the_decrypted_records() {
        let c = testkit::capture_with_keys("http2.pcap");
        let b = bytes("http2.pcap");
        let n = c.packets.len();
        let d = trees(&c, &b, &mut (0..n));
        // Frame 9: the client's preface, SETTINGS and WINDOW_UPDATE, each an http2 layer
        // over the record's plaintext.
        let f = &d[8];
        assert_eq!(f.sources[1].name, "Decrypted TLS (64 bytes)");
        let h2: Vec<_> = f.layers.iter().filter(|l| l.name == "http2").collect();
        assert_eq!(h2.len(), 3, "{:?}", names(f));
        assert!(h2.iter().all(|l| l.source == 1));
        let magic = f.find("http2.magic").unwrap();
        assert_eq!((magic.pos, magic.size), (0, 24));
        let rec = f.find("tls.record").unwrap();
        assert_eq!(
            rec.showname,
            "TLSv1.3 Record Layer: Application Data Protocol: HyperText Transfer Protocol 2"
        );
        assert_eq!(
            f.find("frame.protocols").unwrap().show,
            "eth:ethertype:ip:tcp:tls:http2"
        );
        // Asked for backwards (the page), every tree is the same.
        let back = trees(&c, &b, &mut (0..n).rev());
        for i in 0..n {
            let (mut x, mut y) = (String::new(), String::new());
            pdml::packet(&mut x, &d[i]);
            pdml::packet(&mut y, &back[i]);
            assert_eq!(x, y, "frame {}", i + 1);
        }
    }

    #[test]
    fn memcached_inside_tls_12_and_a_pdu_over_three_records() {
        let c = testkit::capture_with_keys("tls-kv.pcap");
        let b = bytes("tls-kv.pcap");
        let d = trees(&c, &b, &mut (0..c.packets.len()));
        assert_eq!(names(&d[9])[4..], ["tls", "memcache"]);
        let cmd = d[9].find("memcache.command").unwrap();
        assert_eq!(
            (cmd.show.as_str(), cmd.pos, cmd.size, cmd.source),
            ("set", 0, 3, 1)
        );
        // Frame 23 completes a set of 40,000 bytes that began in frame 21's record.
        let f = &d[22];
        let seg = f.find("tls.segments").unwrap();
        assert_eq!(
            seg.showname,
            "3 Reassembled TLS segments (40030 bytes): #21(16384), #23(16384), #23(7262)"
        );
        assert_eq!(
            f.sources.last().unwrap().name,
            "Reassembled TLS (40030 bytes)"
        );
        let len = f.find("memcache.value.length").unwrap();
        assert_eq!((len.show.as_str(), len.pos), ("40000", 13));
        // A TLS 1.2 Finished, decrypted.
        let fin = d[7].layers.iter().find(|l| l.name == "tls").unwrap();
        let last = fin.children.last().unwrap();
        assert_eq!(
            last.showname,
            "TLSv1.2 Record Layer: Handshake Protocol: Finished"
        );
        // The alert that ends the connection, decrypted.
        assert_eq!(
            d[32].find("tls.record").unwrap().showname,
            "TLSv1.2 Record Layer: Alert (Level: Fatal, Description: Decode Error)"
        );
    }

    /// No input panics: every packet of the decrypted captures with bytes changed (the
    /// records then fail to authenticate, or open to other plaintext) still gives a tree.
    #[test]
    fn changed_records_do_not_panic() {
        use crate::capture::packet::PacketRow;
        use crate::query::fields::PacketSource;
        struct Changed<'a> {
            file: &'a [u8],
            seed: u64,
        }
        impl PacketSource for Changed<'_> {
            fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
                let start = row.offset as usize;
                let Some(b) = self.file.get(start..start + row.caplen as usize) else {
                    return false;
                };
                buf.clear();
                buf.extend_from_slice(b);
                // Past the headers (66 bytes on these loopback captures): a payload byte.
                let x = (self.seed.wrapping_mul(2654435761) ^ i as u64) as usize;
                if buf.len() > 66 && x.is_multiple_of(3) {
                    let at = 66 + x % (buf.len() - 66);
                    buf[at] ^= 0x5a;
                }
                true
            }
        }
        for name in ["tls.pcap", "http2.pcap", "tls-kv.pcap"] {
            let c = testkit::capture_with_keys(name);
            let b = bytes(name);
            for seed in 0..3 {
                let mut src = Changed { file: &b, seed };
                let mut ctx = FieldCtx::new(&c);
                let mut apps = Apps::new();
                for i in 0..c.packets.len() {
                    let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                    assert_eq!(d.number, i as u64 + 1);
                }
            }
        }
    }

    /// An alert in the clear shows its level and description; one it cannot read (after
    /// the side's Change Cipher Spec, or not of two bytes) is named Encrypted Alert, its
    /// bytes `tls.alert_message` (tshark 4.0: deepflow's decapsulate_erspan1.pcap frame
    /// 161, zeek's pop3-starttls.pcap frame 30). Cut records give no record, no panic.
    #[test]
    fn alerts_clear_and_encrypted() {
        let clear = [21, 3, 0, 0, 2, 2, 40];
        let n = super::record(&clear, 96, false, false, None, None).unwrap();
        assert_eq!(
            n.showname,
            "SSLv3 Record Layer: Alert (Level: Fatal, Description: Handshake Failure)"
        );
        let a = n.find("tls.alert_message").unwrap();
        assert_eq!(
            (a.showname.as_str(), a.pos, a.size),
            ("Alert Message", 101, 2)
        );
        let desc = a.find("tls.alert_message.desc").unwrap();
        assert_eq!((desc.show.as_str(), desc.pos), ("40", 102));
        let mut sealed = vec![21, 3, 3, 0, 32];
        sealed.extend([0xab; 32]);
        for (r, encrypted) in [(&sealed[..], false), (&clear[..], true)] {
            let n = super::record(r, 56, encrypted, false, None, None).unwrap();
            assert!(n.showname.ends_with("Record Layer: Encrypted Alert"));
            let a = n.find("tls.alert_message").unwrap();
            assert_eq!(a.showname, "Alert Message: Encrypted Alert");
            assert_eq!((a.pos as usize, a.size as usize), (61, r.len() - 5));
            assert!(a.children.is_empty() && a.show.is_empty());
        }
        for cut in 0..sealed.len() {
            assert!(super::record(&sealed[..cut], 0, false, false, None, None).is_none());
        }
        for cut in 0..clear.len() {
            assert!(super::record(&clear[..cut], 0, false, false, None, None).is_none());
        }
    }

    /// The `show` of every node named `name`, depth first.
    fn all<'a>(d: &'a Detail, name: &str) -> Vec<&'a str> {
        fn walk<'a>(n: &'a [crate::query::detail::Node], name: &str, out: &mut Vec<&'a str>) {
            for n in n {
                if n.name == name {
                    out.push(n.show.as_str());
                }
                walk(&n.children, name, out);
            }
        }
        let mut out = Vec::new();
        walk(&d.layers, name, &mut out);
        out
    }

    /// The hellos' offers and choices, as tshark 4.0.17 shows them without the key log.
    #[test]
    fn hellos_show_suites_extensions_and_fingerprints() {
        let c = testkit::capture("tls.pcap", &[]);
        let b = bytes("tls.pcap");
        let d = trees(&c, &b, &mut (0..6));
        let ch = &d[3];
        assert_eq!(all(ch, "tls.handshake.ciphersuite"), ["0x1301", "0x00ff"]);
        let suite = ch.find("tls.handshake.ciphersuite").unwrap();
        assert_eq!(
            (suite.showname.as_str(), suite.pos, suite.size),
            ("Cipher Suite: TLS_AES_128_GCM_SHA256 (0x1301)", 144, 2)
        );
        assert_eq!(
            all(ch, "tls.handshake.extensions_supported_group").len(),
            10
        );
        assert_eq!(all(ch, "tls.handshake.extensions_alpn_str"), ["http/1.1"]);
        assert_eq!(
            all(ch, "tls.handshake.extensions.supported_version"),
            ["0x0304"]
        );
        assert_eq!(all(ch, "tls.handshake.sig_hash_alg").len(), 14);
        assert_eq!(
            all(ch, "tls.handshake.ja3"),
            ["0ab4026bf9ce9095232b4d0c5fc11206"]
        );
        assert_eq!(
            all(ch, "tls.handshake.ja3_full"),
            ["771,4865-255,0-11-10-16-22-23-49-13-43-45-51-21,29-23-30-25-24-256-257-258-259-260,0-1-2"]
        );
        let sh = &d[5];
        assert_eq!(all(sh, "tls.handshake.ciphersuite"), ["0x1301"]);
        assert_eq!(
            all(sh, "tls.handshake.ja3s"),
            ["f4febc55ea12b31ae17cfb7e614afda8"]
        );
        assert_eq!(all(sh, "tls.handshake.ja3s_full"), ["771,4865,43-51"]);
        // The encrypted records after the ServerHello: their bytes as they came.
        let data = sh.find("tls.app_data").unwrap();
        assert_eq!((data.pos, data.size), (204, 42));
        assert!(data.show.starts_with("3c:66:ec:42"));
    }

    /// Every prefix of a ClientHello and a ServerHello gives a tree (nothing panics) and
    /// no fingerprint of a hello cut before its extensions.
    #[test]
    fn cut_hellos_do_not_panic() {
        let c = testkit::capture("tls.pcap", &[]);
        let b = bytes("tls.pcap");
        for i in [3, 5] {
            let row = &c.packets.get(i).unwrap();
            let frame = &b[row.offset as usize..][..row.caplen as usize];
            let body = &frame[66 + 5..];
            for n in 0..body.len() {
                let h = super::handshake(&body[..n.max(1)], 0, "x");
                if n < 40 {
                    assert!(h.find("tls.handshake.ja3").is_none());
                }
            }
        }
    }

    /// With the key log, the decrypted handshake messages show their bodies as tshark
    /// 4.0 shows them (tests/data/servers/tls.pcap, frames 6 and 9): EncryptedExtensions'
    /// extensions, the Certificate's list and subject, CertificateVerify's signature,
    /// Finished's verify data, the ticket's fields; all in the plaintext's source.
    #[test]
    fn decrypted_handshake_messages_show_their_bodies() {
        let c = testkit::capture_with_keys("tls.pcap");
        let b = bytes("tls.pcap");
        let d = trees(&c, &b, &mut (0..c.packets.len()));
        let f = &d[5];
        assert_eq!(
            all(f, "tls.handshake.extension.type"),
            ["43", "51", "0", "16"]
        );
        let alpn = all(f, "tls.handshake.extensions_alpn_str");
        assert_eq!(alpn, ["http/1.1"]);
        let ee_len = f.find("tls.handshake.extensions_length").unwrap();
        assert_eq!(ee_len.show, "46");
        let cert = f.find("tls.handshake.certificate").unwrap();
        assert!(cert
            .showname
            .ends_with(" (id-at-commonName=www.wirelens.test)"));
        assert_eq!((cert.pos, cert.size), (11, 867));
        assert_ne!(cert.source, 0);
        assert_eq!(all(f, "tls.handshake.client_cert_vrfy.sig_len"), ["256"]);
        assert_eq!(all(f, "tls.handshake.verify_data").len(), 1);
        let t = &d[8];
        assert_eq!(
            all(t, "tls.handshake.session_ticket_lifetime_hint"),
            ["300"]
        );
        assert_eq!(all(t, "tls.handshake.session_ticket_length"), ["240"]);
        // Without the key log none of it.
        let closed = testkit::capture("tls.pcap", &[]);
        let d = trees(&closed, &b, &mut (0..closed.packets.len()));
        assert!(d[5].find("tls.handshake.certificate").is_none());
        assert!(d[8].find("tls.handshake.session_ticket").is_none());
    }

    #[test]
    fn without_the_key_log_the_records_stay_closed() {
        let c = testkit::capture("tls.pcap", &[]);
        let b = bytes("tls.pcap");
        let d = trees(&c, &b, &mut (0..c.packets.len()));
        assert!(d
            .iter()
            .all(|d| d.sources.len() == 1 || !d.sources[1].name.contains("TLS")));
        assert_eq!(names(&d[10])[4..], ["tls"]);
        // Still TLS 1.3's record, as tshark names it without the key log: the
        // ServerHello chose the version in the clear.
        assert!(d[10].find("tls.record.opaque_type").is_some());
        assert!(d[10].find("tls.record.content_type").is_none());
    }

    /// A record holding several handshake messages shows each (the last cut short), and
    /// is titled as tshark titles it.
    #[test]
    fn a_record_of_several_handshake_messages() {
        let r = [
            22, 3, 3, 0, 14, 14, 0, 0, 0, 14, 0, 0, 0, 20, 0, 0, 12, 1, 2,
        ];
        let n = super::record(&r, 0, false, false, None, None).unwrap();
        assert_eq!(
            n.showname,
            "TLSv1.2 Record Layer: Handshake Protocol: Multiple Handshake Messages"
        );
        let hs: Vec<(&str, u32, u32)> = n
            .children
            .iter()
            .filter(|c| c.name == "tls.handshake")
            .map(|c| (c.showname.as_str(), c.pos, c.size))
            .collect();
        assert_eq!(
            hs,
            [
                ("Handshake Protocol: Server Hello Done", 5, 4),
                ("Handshake Protocol: Server Hello Done", 9, 4),
                ("Handshake Protocol: Finished", 13, 6)
            ]
        );
        // Three bytes after a message are no message.
        let mut three = r[..16].to_vec();
        three[4] = 11;
        let n = super::record(&three, 0, false, false, None, None).unwrap();
        assert!(n.showname.ends_with("Multiple Handshake Messages"));
        assert_eq!(
            n.children
                .iter()
                .filter(|c| c.name == "tls.handshake")
                .count(),
            2
        );
    }
}
