//! What a hello offers or chooses, as packet-tls-utils.c shows it: the cipher suites,
//! the bodies of the extensions users filter on (supported groups, EC point formats,
//! signature algorithms, ALPN, supported versions; RFC 8446 §4.2, RFC 7301, RFC 8422),
//! and the JA3 and JA3S fingerprints tshark computes from them.

use super::names;
use super::{be16, uint};
use crate::query::detail::shown_bytes;
use crate::query::detail::{string_field, Node};

/// A GREASE value (RFC 8701 §2: 0x?a?a with both bytes equal), which JA3 leaves out.
pub(super) fn grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

/// A vector of an extension's body (RFC 8446 §3.4): the field of its length (`width`
/// bytes at the start of `d`, at `at` in the source, `len` its name and label) is added
/// to `e`; then the node over its items (`name`, its text made from the length) and the
/// items' bytes. None when the body is shorter than the length says.
fn vector<'a>(
    d: &'a [u8],
    at: usize,
    width: usize,
    len: (&'static str, &str),
    name: &'static str,
    text: impl Fn(usize) -> String,
    e: &mut Node,
) -> Option<(Node, &'a [u8])> {
    let l = match width {
        1 => *d.first()? as usize,
        _ => be16(d, 0)? as usize,
    };
    e.push(uint(len.0, len.1, l as u64, d, 0, width, at));
    let list = d.get(width..width + l)?;
    let node = Node::field(name, text(l), "", at + width, l).none();
    Some((node, list))
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// A 16-bit value shown as `Label: name (0x1234)` (a `BASE_HEX` field with names).
fn named16(field: &'static str, label: &str, name: &str, v: u16, b: &[u8], at: usize) -> Node {
    Node::field(
        field,
        format!("{label}: {name} (0x{v:04x})"),
        format!("0x{v:04x}"),
        at,
        2,
    )
    .hex(b)
}

/// `tls.handshake.ciphersuite` of the suite `v` at `at` (its bytes `b`).
pub(super) fn cipher_suite(v: u16, b: &[u8], at: usize) -> Node {
    named16(
        "tls.handshake.ciphersuite",
        "Cipher Suite",
        names::cipher_suite(v),
        v,
        b,
        at,
    )
}

/// The values of a hello JA3 (or JA3S) is made of, in decimal joined by `-`.
#[derive(Default)]
pub(super) struct Ja3 {
    ciphers: String,
    extensions: String,
    groups: String,
    points: String,
}

fn join(list: &mut String, v: u16) {
    if !list.is_empty() {
        list.push('-');
    }
    list.push_str(&v.to_string());
}

impl Ja3 {
    /// A cipher suite the client offers (or the one the server chose).
    pub(super) fn cipher(&mut self, v: u16) {
        if !grease(v) {
            join(&mut self.ciphers, v);
        }
    }

    /// An extension of the hello.
    pub(super) fn extension(&mut self, t: u16) {
        if !grease(t) {
            join(&mut self.extensions, t);
        }
    }

    /// `tls.handshake.ja3_full` and `tls.handshake.ja3` (a ClientHello of version
    /// `version`; `tls.handshake.ja3s_full` and `ja3s` for a ServerHello), computed
    /// values at `at`.
    pub(super) fn nodes(&self, client: bool, version: u16, at: usize, n: &mut Node) {
        let (full, hash, label) = if client {
            let s = format!(
                "{version},{},{},{},{}",
                self.ciphers, self.extensions, self.groups, self.points
            );
            (s, "tls.handshake.ja3", "JA3")
        } else {
            let s = format!("{version},{},{}", self.ciphers, self.extensions);
            (s, "tls.handshake.ja3s", "JA3S")
        };
        let digest = crate::query::detail::hex(&md5(full.as_bytes()));
        let name = format!("{hash}_full");
        n.push(string_field(name, &format!("{label} Fullstring"), full, at, 0).gen());
        n.push(string_field(hash, label, digest, at, 0).gen());
    }
}

/// The body `d` (at `at`) of an extension of type `t` in a ClientHello (`client`) or a
/// ServerHello, added to its node `e`; what JA3 takes from it goes to `ja3`. Bodies of
/// other extensions, and what is cut short, are left as their bytes.
pub(super) fn extension(
    t: u16,
    d: &[u8],
    at: usize,
    client: bool,
    e: &mut Node,
    ja3: &mut Ja3,
) -> Option<()> {
    match t {
        10 => {
            let (mut g, list) = vector(
                d,
                at,
                2,
                (
                    "tls.handshake.extensions_supported_groups_length",
                    "Supported Groups List Length",
                ),
                "tls.handshake.extensions_supported_groups",
                |l| format!("Supported Groups ({})", plural(l / 2, "group")),
                e,
            )?;
            for (k, v) in list.chunks_exact(2).enumerate() {
                let x = u16::from_be_bytes([v[0], v[1]]);
                if !grease(x) {
                    join(&mut ja3.groups, x);
                }
                g.push(named16(
                    "tls.handshake.extensions_supported_group",
                    "Supported Group",
                    names::group(x),
                    x,
                    v,
                    at + 2 + 2 * k,
                ));
            }
            e.push(g);
        }
        11 => {
            let (mut f, list) = vector(
                d,
                at,
                1,
                (
                    "tls.handshake.extensions_ec_point_formats_length",
                    "EC point formats Length",
                ),
                "tls.handshake.extensions_ec_point_formats",
                |l| format!("Elliptic curves point formats ({l})"),
                e,
            )?;
            for (k, &v) in list.iter().enumerate() {
                join(&mut ja3.points, v.into());
                let name = match v {
                    0 => "uncompressed",
                    1 => "ansiX962_compressed_prime",
                    2 => "ansiX962_compressed_char2",
                    _ => "Unknown",
                };
                f.push(
                    Node::field(
                        "tls.handshake.extensions_ec_point_format",
                        format!("EC point format: {name} ({v})"),
                        v.to_string(),
                        at + 1 + k,
                        1,
                    )
                    .hex(&[v]),
                );
            }
            e.push(f);
        }
        13 | 50 => {
            let (mut s, list) = vector(
                d,
                at,
                2,
                (
                    "tls.handshake.sig_hash_alg_len",
                    "Signature Hash Algorithms Length",
                ),
                "tls.handshake.sig_hash_algs",
                |l| format!("Signature Hash Algorithms ({})", plural(l / 2, "algorithm")),
                e,
            )?;
            for (k, v) in list.chunks_exact(2).enumerate() {
                s.push(sig_alg(v, at + 2 + 2 * k));
            }
            e.push(s);
        }
        16 => {
            let (mut a, list) = vector(
                d,
                at,
                2,
                ("tls.handshake.extensions_alpn_len", "ALPN Extension Length"),
                "tls.handshake.extensions_alpn_list",
                |_| "ALPN Protocol".into(),
                e,
            )?;
            let mut p = 0;
            while p < list.len() {
                let sl = list[p] as usize;
                a.push(uint(
                    "tls.handshake.extensions_alpn_str_len",
                    "ALPN string length",
                    sl as u64,
                    list,
                    p,
                    1,
                    at + 2,
                ));
                let Some(s) = list.get(p + 1..p + 1 + sl) else {
                    break;
                };
                let text = String::from_utf8_lossy(s).into_owned();
                a.push(
                    Node::field(
                        "tls.handshake.extensions_alpn_str",
                        format!("ALPN Next Protocol: {text}"),
                        text,
                        at + 2 + p + 1,
                        sl,
                    )
                    .hex(s),
                );
                p += 1 + sl;
            }
            e.push(a);
        }
        43 if client => {
            let l = *d.first()? as usize;
            e.push(uint(
                "tls.handshake.extensions.supported_versions_len",
                "Supported Versions length",
                l as u64,
                d,
                0,
                1,
                at,
            ));
            let list = d.get(1..1 + l)?;
            for (k, v) in list.chunks_exact(2).enumerate() {
                e.push(version(v, at + 1 + 2 * k));
            }
        }
        43 => {
            e.push(version(d.get(..2)?, at));
        }
        5 if !d.is_empty() => status_request(d, at, e)?,
        17 => {
            let l = be16(d, 0)? as usize;
            e.push(uint(
                "tls.handshake.extensions_status_request_list_len",
                "Certificate Status List Length",
                l as u64,
                d,
                0,
                2,
                at,
            ));
            let mut p = 2;
            while p + 3 <= (2 + l).min(d.len()) {
                e.push(status_type(d, p, at));
                let rl = be16(d, p + 1)? as usize;
                e.push(uint(
                    "tls.handshake.extensions_status_request_len",
                    "Certificate Status Length",
                    rl as u64,
                    d,
                    p + 1,
                    2,
                    at,
                ));
                status_request_body(d.get(..p + 3 + rl)?, p + 3, at, e)?;
                p += 3 + rl;
            }
        }
        15 => {
            let m = *d.first()?;
            let word = match m {
                1 => "Peer allowed to send requests",
                2 => "Peer not allowed to send requests",
                _ => "Unknown",
            };
            e.push(
                Node::field(
                    "tls.handshake.extension.heartbeat.mode",
                    format!("Mode: {word} ({m})"),
                    m.to_string(),
                    at,
                    1,
                )
                .hex(&d[..1]),
            );
        }
        21 => {
            let mut f = Node::field(
                "tls.handshake.extensions_padding_data",
                format!("Padding Data: {}", shown_bytes(d)),
                "",
                at,
                d.len(),
            )
            .show_bytes(d)
            .hex(d);
            if d.is_empty() {
                f.showname = "Padding Data: <MISSING>".into();
            }
            e.push(f);
        }
        27 => {
            let l = *d.first()? as usize;
            e.push(uint(
                "tls.compress_certificate.algorithms_length",
                "Algorithms Length",
                l as u64,
                d,
                0,
                1,
                at,
            ));
            for (k, v) in d.get(1..1 + l)?.chunks_exact(2).enumerate() {
                let x = u16::from_be_bytes([v[0], v[1]]);
                let word = match x {
                    1 => "zlib",
                    2 => "brotli",
                    3 => "zstd",
                    _ => "Unknown",
                };
                e.push(
                    Node::field(
                        "tls.compress_certificate.algorithm",
                        format!("Algorithm: {word} ({x})"),
                        x.to_string(),
                        at + 1 + 2 * k,
                        2,
                    )
                    .hex(v),
                );
            }
        }
        28 => {
            let v = be16(d, 0)?;
            e.push(uint(
                "tls.record_size_limit",
                "Record Size Limit",
                v.into(),
                d,
                0,
                2,
                at,
            ));
        }
        45 => {
            let l = *d.first()? as usize;
            e.push(uint(
                "tls.extension.psk_ke_modes_length",
                "PSK Key Exchange Modes Length",
                l as u64,
                d,
                0,
                1,
                at,
            ));
            for (k, &m) in d.get(1..1 + l)?.iter().enumerate() {
                let word = match m {
                    0 => "PSK-only key establishment (psk_ke)",
                    1 => "PSK with (EC)DHE key establishment (psk_dhe_ke)",
                    _ => "Unknown",
                };
                e.push(
                    Node::field(
                        "tls.extension.psk_ke_mode",
                        format!("PSK Key Exchange Mode: {word} ({m})"),
                        m.to_string(),
                        at + 1 + k,
                        1,
                    )
                    .hex(&[m]),
                );
            }
        }
        51 => key_share(d, at, client, e)?,
        57 | 0xffa5 => transport_parameters(d, at, e)?,
        65281 => {
            let l = *d.first()? as usize;
            let mut r = Node::text("Renegotiation Info extension", at, d.len()).hex(d);
            r.push(uint(
                "tls.handshake.extensions_reneg_info_len",
                "Renegotiation info extension length",
                l as u64,
                d,
                0,
                1,
                at,
            ));
            e.push(r);
        }
        35 => {
            let n = d.len();
            e.push(
                Node::field(
                    "tls.handshake.extension.data",
                    format!("Data ({n} byte{})", if n == 1 { "" } else { "s" }),
                    "",
                    at,
                    n,
                )
                .show_bytes(d)
                .hex(d),
            );
        }
        t if !dissected(t) => {
            let label = if d.is_empty() {
                "Data: <MISSING>".to_owned()
            } else {
                format!("Data: {}", shown_bytes(d))
            };
            e.push(
                Node::field("tls.handshake.extension.data", label, "", at, d.len())
                    .show_bytes(d)
                    .hex(d),
            );
        }
        _ => {}
    }
    Some(())
}

/// The extension types packet-tls-utils.c dissects (or knows to be empty); the bytes
/// of any other are shown as `tls.handshake.extension.data`.
fn dissected(t: u16) -> bool {
    matches!(
        t,
        0..=24 | 27 | 28 | 34 | 35 | 41..=45 | 47..=51 | 53 | 54 | 57 | 13172 | 17513 | 65281 | 65486 | 0xffa5 | 0xfe0d
    )
}

/// QUIC's transport parameters (RFC 9000 §18): each one's type, length and bytes
/// under a `Parameter: name (len=N)` item, and the value of those that are numbers (or
/// a connection id) as its own field.
fn transport_parameters(d: &[u8], at: usize, e: &mut Node) -> Option<()> {
    use crate::ingest::app::quic::varint;
    let mut p = 0;
    while p < d.len() {
        let start = p;
        let t = varint(d, &mut p)?;
        let tl = p - start;
        let ls = p;
        let l = varint(d, &mut p)? as usize;
        let ll = p - ls;
        let v = d.get(p..p + l)?;
        let name = parameter_name(t);
        let mut text = format!("Parameter: {name} (len={l})");
        let mut own = None;
        match t {
            0x01 | 0x03..=0x09 | 0x0b | 0x0e => {
                let mut q = 0;
                let n = varint(v, &mut q)?;
                text.push_str(&format!(" {n}{}", if t == 1 { " ms" } else { "" }));
                own = match t {
                    0x01 => Some(("tls.quic.parameter.max_idle_timeout", "max_idle_timeout")),
                    0x03 => Some((
                        "tls.quic.parameter.max_udp_payload_size",
                        "max_udp_payload_size",
                    )),
                    0x04 => Some(("tls.quic.parameter.initial_max_data", "initial_max_data")),
                    0x05 => Some((
                        "tls.quic.parameter.initial_max_stream_data_bidi_local",
                        "initial_max_stream_data_bidi_local",
                    )),
                    0x06 => Some((
                        "tls.quic.parameter.initial_max_stream_data_bidi_remote",
                        "initial_max_stream_data_bidi_remote",
                    )),
                    0x07 => Some((
                        "tls.quic.parameter.initial_max_stream_data_uni",
                        "initial_max_stream_data_uni",
                    )),
                    0x08 => Some((
                        "tls.quic.parameter.initial_max_streams_bidi",
                        "initial_max_streams_bidi",
                    )),
                    0x09 => Some((
                        "tls.quic.parameter.initial_max_streams_uni",
                        "initial_max_streams_uni",
                    )),
                    0x0b => Some(("tls.quic.parameter.max_ack_delay", "max_ack_delay")),
                    0x0e => Some((
                        "tls.quic.parameter.active_connection_id_limit",
                        "Active Connection ID Limit",
                    )),
                    _ => None,
                }
                .map(|(f, label)| {
                    Node::field(f, format!("{label}: {n}"), n.to_string(), at + p, q).hex(&v[..q])
                });
            }
            0x0f => {
                let label = if v.is_empty() {
                    "<MISSING>".to_owned()
                } else {
                    shown_bytes(v)
                };
                own = Some(
                    Node::field(
                        "tls.quic.parameter.initial_source_connection_id",
                        format!("Initial Source Connection ID: {label}"),
                        "",
                        at + p,
                        l,
                    )
                    .show_bytes(v)
                    .hex(v),
                );
            }
            _ => {}
        }
        let mut n = Node::text(text, at + start, p + l - start).hex(&d[start..p + l]);
        n.push(
            Node::field(
                "tls.quic.parameter.type",
                format!("Type: {name} (0x{t:02x})"),
                t.to_string(),
                at + start,
                tl,
            )
            .hex(&d[start..ls]),
        );
        n.push(
            Node::field(
                "tls.quic.parameter.length",
                format!("Length: {l}"),
                l.to_string(),
                at + ls,
                ll,
            )
            .hex(&d[ls..ls + ll]),
        );
        let label = if v.is_empty() {
            "<MISSING>".to_owned()
        } else {
            shown_bytes(v)
        };
        n.push(
            Node::field(
                "tls.quic.parameter.value",
                format!("Value: {label}"),
                "",
                at + p,
                l,
            )
            .show_bytes(v)
            .hex(v),
        );
        if let Some(o) = own {
            n.push(o);
        }
        e.push(n);
        p += l;
    }
    Some(())
}

/// A transport parameter's name as packet-tls-utils.c words it.
fn parameter_name(t: u64) -> &'static str {
    match t {
        0x00 => "original_destination_connection_id",
        0x01 => "max_idle_timeout",
        0x02 => "stateless_reset_token",
        0x03 => "max_udp_payload_size",
        0x04 => "initial_max_data",
        0x05 => "initial_max_stream_data_bidi_local",
        0x06 => "initial_max_stream_data_bidi_remote",
        0x07 => "initial_max_stream_data_uni",
        0x08 => "initial_max_streams_bidi",
        0x09 => "initial_max_streams_uni",
        0x0a => "ack_delay_exponent",
        0x0b => "max_ack_delay",
        0x0c => "disable_active_migration",
        0x0d => "preferred_address",
        0x0e => "active_connection_id_limit",
        0x0f => "initial_source_connection_id",
        0x10 => "retry_source_connection_id",
        0x11 => "version_information",
        0x20 => "max_datagram_frame_size",
        t if t >= 27 && (t - 27) % 31 == 0 => "GREASE",
        _ => "Unknown",
    }
}

/// status_request's body (RFC 6066 §8): the status type and its OCSP request.
fn status_request(d: &[u8], at: usize, e: &mut Node) -> Option<()> {
    e.push(status_type(d, 0, at));
    status_request_body(d, 1, at, e)
}

fn status_type(d: &[u8], p: usize, at: usize) -> Node {
    let t = d.get(p).copied().unwrap_or(0);
    let word = match t {
        1 => "OCSP",
        2 => "OCSP Multi",
        _ => "Unknown",
    };
    Node::field(
        "tls.handshake.extensions_status_request_type",
        format!("Certificate Status Type: {word} ({t})"),
        t.to_string(),
        at + p,
        1,
    )
    .hex(d.get(p..p + 1).unwrap_or_default())
}

/// An OCSPStatusRequest at `p`: the responder ids' and the extensions' lengths.
fn status_request_body(d: &[u8], p: usize, at: usize, e: &mut Node) -> Option<()> {
    let rl = be16(d, p)? as usize;
    e.push(uint(
        "tls.handshake.extensions_status_request_responder_ids_len",
        "Responder ID list Length",
        rl as u64,
        d,
        p,
        2,
        at,
    ));
    let q = p + 2 + rl;
    let xl = be16(d, q)?;
    e.push(uint(
        "tls.handshake.extensions_status_request_exts_len",
        "Request Extensions Length",
        xl.into(),
        d,
        q,
        2,
        at,
    ));
    Some(())
}

/// key_share's body (RFC 8446 §4.2.8) under a `Key Share extension` item: a client's
/// list of entries, a server's one entry, a HelloRetryRequest's selected group.
fn key_share(d: &[u8], at: usize, client: bool, e: &mut Node) -> Option<()> {
    let k = e.push(Node::text("Key Share extension", at, d.len()).hex(d));
    let (mut p, end) = if client {
        let l = be16(d, 0)? as usize;
        k.push(uint(
            "tls.handshake.extensions_key_share_client_length",
            "Client Key Share Length",
            l as u64,
            d,
            0,
            2,
            at,
        ));
        (2, (2 + l).min(d.len()))
    } else if d.len() == 2 {
        let g = be16(d, 0)?;
        k.push(uint(
            "tls.handshake.extensions_key_share_selected_group",
            "Selected Group",
            g.into(),
            d,
            0,
            2,
            at,
        ));
        k.children.last_mut()?.showname = format!("Selected Group: {} ({g})", names::group(g));
        return Some(());
    } else {
        (0, d.len())
    };
    while p + 4 <= end {
        let g = be16(d, p)?;
        let l = be16(d, p + 2)? as usize;
        let name = names::group(g);
        let mut entry = Node::text(
            format!("Key Share Entry: Group: {name}, Key Exchange length: {l}"),
            at + p,
            (4 + l).min(end - p),
        )
        .hex(d.get(p..(p + 4 + l).min(end))?);
        let mut gn = uint(
            "tls.handshake.extensions_key_share_group",
            "Group",
            g.into(),
            d,
            p,
            2,
            at,
        );
        gn.showname = format!("Group: {name} ({g})");
        entry.push(gn);
        entry.push(uint(
            "tls.handshake.extensions_key_share_key_exchange_length",
            "Key Exchange Length",
            l as u64,
            d,
            p + 2,
            2,
            at,
        ));
        let Some(x) = d.get(p + 4..p + 4 + l) else {
            k.push(entry);
            break;
        };
        entry.push(
            Node::field(
                "tls.handshake.extensions_key_share_key_exchange",
                format!("Key Exchange: {}", shown_bytes(x)),
                "",
                at + p + 4,
                l,
            )
            .show_bytes(x)
            .hex(x),
        );
        k.push(entry);
        p += 4 + l;
    }
    Some(())
}

/// `tls.handshake.extensions.supported_version` of the two bytes `v` at `at`.
fn version(v: &[u8], at: usize) -> Node {
    let x = u16::from_be_bytes([v[0], v[1]]);
    named16(
        "tls.handshake.extensions.supported_version",
        "Supported Version",
        names::tls_version(x),
        x,
        v,
        at,
    )
}

/// One signature scheme (RFC 8446 §4.2.3) of the two bytes `v` at `at`, with the hash
/// and signature halves TLS 1.2 gave them (RFC 5246 §7.4.1.4.1).
pub(super) fn sig_alg(v: &[u8], at: usize) -> Node {
    let x = u16::from_be_bytes([v[0], v[1]]);
    let hash = match v[0] {
        0 => "None",
        1 => "MD5",
        2 => "SHA1",
        3 => "SHA224",
        4 => "SHA256",
        5 => "SHA384",
        6 => "SHA512",
        7 => "SM3",
        _ => "Unknown",
    };
    let sig = match v[1] {
        0 => "Anonymous",
        1 => "RSA",
        2 => "DSA",
        3 => "ECDSA",
        4 => "SM2",
        _ => "Unknown",
    };
    // A scheme TLS 1.3 does not name is its TLS 1.2 pair's.
    let name = match names::sig_alg(x) {
        "Unknown" => format!("{hash} {sig}"),
        known => known.to_owned(),
    };
    let mut n = named16(
        "tls.handshake.sig_hash_alg",
        "Signature Algorithm",
        &name,
        x,
        v,
        at,
    );
    n.push(
        Node::field(
            "tls.handshake.sig_hash_hash",
            format!("Signature Hash Algorithm Hash: {hash} ({})", v[0]),
            v[0].to_string(),
            at,
            1,
        )
        .hex(&v[..1]),
    );
    n.push(
        Node::field(
            "tls.handshake.sig_hash_sig",
            format!("Signature Hash Algorithm Signature: {sig} ({})", v[1]),
            v[1].to_string(),
            at + 1,
            1,
        )
        .hex(&v[1..]),
    );
    n
}

/// MD5 (RFC 1321), which JA3 (and SSH's HASSH) names a fingerprint by. Not for
/// security: a fingerprint is a label.
pub(in crate::query::detail) fn md5(msg: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(abs(sin(i + 1)) * 2^32) (RFC 1321 §3.4), written out so no platform's
    // sin decides them.
    const K: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut m = msg.to_vec();
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&((msg.len() as u64).wrapping_mul(8)).to_le_bytes());
    for block in m.chunks_exact(64) {
        let w: [u32; 16] = std::array::from_fn(|i| {
            u32::from_le_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ])
        });
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let t = d;
            d = c;
            c = b;
            b = b.wrapping_add(
                a.wrapping_add(f)
                    .wrapping_add(K[i])
                    .wrapping_add(w[g])
                    .rotate_left(S[i]),
            );
            a = t;
        }
        h = [
            h[0].wrapping_add(a),
            h[1].wrapping_add(b),
            h[2].wrapping_add(c),
            h[3].wrapping_add(d),
        ];
    }
    let mut out = [0; 16];
    for (i, x) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::detail::hex;

    #[test]
    fn md5_of_rfc_1321s_test_suite() {
        for (m, d) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(hex(&md5(m.as_bytes())), d, "{m:?}");
        }
    }

    #[test]
    fn grease_values_are_both_bytes_0x_a() {
        assert!(grease(0x0a0a) && grease(0xfafa));
        assert!(!grease(0x0a1a) && !grease(0x1301));
    }

    #[test]
    fn short_extension_bodies_keep_what_is_whole() {
        let mut ja3 = Ja3::default();
        // supported_groups whose list says 6 bytes and has 4: the length, no list.
        let mut e = Node::text("x", 0, 0);
        assert!(extension(10, &[0, 6, 0, 0x1d, 0, 0x17], 0, true, &mut e, &mut ja3).is_none());
        assert_eq!(e.children.len(), 1);
        // ALPN whose string is cut: its length, not the string.
        let mut e = Node::text("x", 0, 0);
        extension(16, &[0, 4, 5, b'h', b'2', b'x'], 0, true, &mut e, &mut ja3);
        let list = e.find("tls.handshake.extensions_alpn_list").unwrap();
        assert_eq!(list.children.len(), 1);
        // Every prefix of every extension: no panic.
        let body = [0, 4, 2, b'h', b'2', 0, 0, 0, 0];
        for t in [
            5, 10, 11, 13, 15, 16, 17, 21, 27, 28, 35, 43, 45, 50, 51, 65281, 0x0a0a,
        ] {
            for n in 0..body.len() {
                for client in [true, false] {
                    let mut e = Node::text("x", 0, 0);
                    extension(t, &body[..n], 0, client, &mut e, &mut ja3);
                }
            }
        }
    }

    /// QUIC's transport parameters: a number's own field and the text's value, an
    /// empty connection id, a GREASE type of two bytes.
    #[test]
    fn quic_transport_parameters() {
        let mut ja3 = Ja3::default();
        let mut e = Node::text("x", 0, 0);
        let d = [0x01, 4, 0x80, 0, 0x75, 0x30, 0x0f, 0, 0x4c, 0xd2, 1, 0x1a];
        extension(57, &d, 10, true, &mut e, &mut ja3).unwrap();
        let words: Vec<&str> = e.children.iter().map(|c| c.showname.as_str()).collect();
        assert_eq!(
            words,
            [
                "Parameter: max_idle_timeout (len=4) 30000 ms",
                "Parameter: initial_source_connection_id (len=0)",
                "Parameter: GREASE (len=1)"
            ]
        );
        let t = e.children[0]
            .find("tls.quic.parameter.max_idle_timeout")
            .unwrap();
        assert_eq!((t.show.as_str(), t.pos, t.size), ("30000", 12, 4));
        assert_eq!(e.children[2].children[0].showname, "Type: GREASE (0xcd2)");
        for cut in 0..d.len() {
            let mut e = Node::text("x", 0, 0);
            let _ = extension(57, &d[..cut], 0, true, &mut e, &mut ja3);
        }
    }

    /// A client's key_share of two entries and a HelloRetryRequest's, as tshark words
    /// them; a status_request; the bytes of an extension not dissected.
    #[test]
    fn key_share_status_request_and_data() {
        let mut ja3 = Ja3::default();
        let mut e = Node::text("x", 0, 0);
        let body = [0, 9, 0x0a, 0x0a, 0, 1, 0, 0, 0x1d, 0, 0];
        extension(51, &body, 100, true, &mut e, &mut ja3).unwrap();
        let k = &e.children[0];
        assert_eq!(k.showname, "Key Share extension");
        assert_eq!(
            k.children[1].showname,
            "Key Share Entry: Group: Reserved (GREASE), Key Exchange length: 1"
        );
        assert_eq!(
            k.children[1].children[0].showname,
            "Group: Reserved (GREASE) (2570)"
        );
        assert_eq!(k.children[2].children[0].pos, 100 + 7);
        let mut e = Node::text("x", 0, 0);
        extension(51, &[0, 0x17], 0, false, &mut e, &mut ja3).unwrap();
        assert_eq!(
            e.find("tls.handshake.extensions_key_share_selected_group")
                .unwrap()
                .showname,
            "Selected Group: secp256r1 (23)"
        );
        let mut e = Node::text("x", 0, 0);
        extension(5, &[1, 0, 0, 0, 0], 0, true, &mut e, &mut ja3).unwrap();
        let words: Vec<&str> = e.children.iter().map(|c| c.showname.as_str()).collect();
        assert_eq!(
            words,
            [
                "Certificate Status Type: OCSP (1)",
                "Responder ID list Length: 0",
                "Request Extensions Length: 0"
            ]
        );
        let mut e = Node::text("x", 0, 0);
        extension(0x1a1a, &[], 0, true, &mut e, &mut ja3).unwrap();
        assert_eq!(e.children[0].showname, "Data: <MISSING>");
        let mut e = Node::text("x", 0, 0);
        extension(23, &[], 0, true, &mut e, &mut ja3).unwrap();
        assert!(e.children.is_empty());
    }
}
