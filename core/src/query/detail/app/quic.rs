//! QUIC packets (RFC 9000 §17) as Wireshark's packet-quic.c shows them without secrets:
//! each of a datagram's coalesced packets as its own `quic` layer with its header; an
//! Initial packet opened with the keys RFC 9001 §5.2 derives from the client's first
//! Destination Connection ID, its frames read from a byte source of their own
//! (`Decrypted QUIC (N bytes)`) and the TLS handshake inside its CRYPTO frames; the
//! other packets' protected payload as it is.
//!
//! The header reading, the keys and the decryption are the ingest's
//! ([`crate::ingest::app::quic`]): the connection's datagrams that carry Initial
//! packets are fed to its parser, which picks the keys as it did at ingest.

use super::tls;
use crate::capture::app::pdu::{PduKind, QUIC_OPENED};
use crate::capture::app::{AppProto, At};
use crate::capture::tcp::Severity;
use crate::capture::Capture;
use crate::ingest::app::quic::{long_header, open, skip_ack, varint, Parser};
use crate::ingest::app::{payload_of, StreamParser as _};
use crate::ingest::wire;
use crate::query::detail::{
    bits, colon_hex, expert, hex, shown_bytes, Detail, Group, Node, Source,
};
use crate::query::fields::PacketSource;

/// One connection's QUIC state: the ingest's parser, fed with the connection's
/// datagrams that carry an Initial packet, up to packet `next`.
#[derive(Default)]
pub(super) struct Conn {
    parser: Parser,
    next: usize,
    /// Each side's CRYPTO frames in the Initial packets fed (client's, server's): a
    /// hello cut over several packets is shown whole in the one that completes it.
    crypto: [Vec<Fragment>; 2],
}

/// One CRYPTO frame's data and the frame (1-based) it came in.
struct Fragment {
    offset: u64,
    data: Vec<u8>,
    frame: u64,
}

/// Most CRYPTO bytes kept a side (as the ingest keeps).
const MAX_CRYPTO: usize = crate::ingest::app::quic::MAX_CRYPTO;

/// Feeds the datagrams of `flow` before `index` that carry an Initial packet (the ones
/// that name keys or carry the hellos) to the connection's parser.
fn catch_up(
    conn: &mut Conn,
    capture: &Capture,
    src: &mut dyn PacketSource,
    flow: u32,
    index: usize,
) {
    if index < conn.next {
        // An earlier packet: start the connection over.
        *conn = Conn::default();
    }
    let from = capture
        .pdus
        .partition_point(|p| p.packet < conn.next as u64);
    let mut wanted: Vec<(u64, bool)> = Vec::new();
    for p in &capture.pdus[from..] {
        if p.packet >= index as u64 {
            break;
        }
        let initial = p.kind == PduKind::Quic && p.conv == flow && p.code == 0;
        if initial && wanted.last().map(|w| w.0) != Some(p.packet) {
            wanted.push((p.packet, p.from_client));
        }
    }
    let mut buf = Vec::new();
    for (packet, from_client) in wanted {
        feed(conn, capture, src, packet as usize, from_client, &mut buf);
    }
    conn.next = conn.next.max(index);
}

fn feed(
    conn: &mut Conn,
    capture: &Capture,
    src: &mut dyn PacketSource,
    i: usize,
    from_client: bool,
    buf: &mut Vec<u8>,
) {
    let row = capture.packets.at(i);
    if !src.read(i, &row, buf) {
        return;
    }
    let s = wire::dissect(capture.linktype_of(&row), buf);
    if let Some(payload) = payload_of(&s, buf, &[]) {
        keep_crypto(conn, from_client, payload, i as u64 + 1);
        let at = At {
            packet: i as u64,
            ts_ns: row.ts_ns,
        };
        conn.parser
            .datagram(from_client, payload, at, &mut Vec::new());
    }
}

/// Keeps the CRYPTO frames of the Initial packets of datagram `d` (frame `frame`).
fn keep_crypto(conn: &mut Conn, from_client: bool, mut d: &[u8], frame: u64) {
    let side = usize::from(!from_client);
    while let Some(h) = long_header(d) {
        let (Some(pn_offset), Some(end)) = (h.pn_offset(), h.end().filter(|&e| e <= d.len()))
        else {
            return;
        };
        if h.kind == 0 {
            let dcid = &d[h.dcid.clone()];
            let opened = conn
                .parser
                .keys_for(from_client, h.version, dcid)
                .and_then(|k| open(k, &d[..end], pn_offset).ok());
            if let Some(o) = opened {
                let at = pn_offset + o.pn_len;
                let f = &o.bytes[at..at + o.plain];
                let held: usize = conn.crypto[side].iter().map(|c| c.data.len()).sum();
                let mut room = MAX_CRYPTO.saturating_sub(held);
                for (offset, data) in crypto_frames(f) {
                    if data.len() <= room && offset < MAX_CRYPTO as u64 {
                        room -= data.len();
                        conn.crypto[side].push(Fragment {
                            offset,
                            data: data.to_vec(),
                            frame,
                        });
                    }
                }
            }
        }
        if end == 0 || end >= d.len() {
            return;
        }
        d = &d[end..];
    }
}

/// The CRYPTO frames of an opened packet's frames `f`: (offset, data); stops at a frame
/// an Initial does not carry.
fn crypto_frames(f: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < f.len() {
        let Some(t) = varint(f, &mut i) else {
            break;
        };
        let ok = match t {
            0x00 | 0x01 => Some(()),
            0x02 | 0x03 => skip_ack(f, &mut i, t == 0x03),
            0x06 => (|| {
                let offset = varint(f, &mut i)?;
                let len = usize::try_from(varint(f, &mut i)?).ok()?;
                let data = f.get(i..i.checked_add(len)?)?;
                i += len;
                out.push((offset, data));
                Some(())
            })(),
            _ => None,
        };
        if ok.is_none() {
            break;
        }
    }
    out
}

/// Wireshark's QUIC connection number: QUIC conversations numbered in the order they
/// began.
fn connection_number(capture: &Capture, flow: u32) -> usize {
    capture
        .app_protos
        .iter()
        .take(flow as usize)
        .filter(|p| **p == Some(AppProto::Quic))
        .count()
}

/// Whether `index` holds the connection's first short-header packet after its server
/// Initial opened: Wireshark tries (and without secrets fails) to make its 1-RTT
/// keys there once, once TLS knows the cipher suite, and says so on that packet only.
fn first_short(capture: &Capture, flow: u32, index: usize) -> bool {
    let mut hello = false;
    for p in capture
        .pdus
        .iter()
        .filter(|p| p.conv == flow && p.kind == PduKind::Quic)
    {
        if p.packet > index as u64 {
            break;
        }
        if p.code == 0 && !p.from_client && p.flags & QUIC_OPENED != 0 {
            hello = true;
        }
        if p.code == 4 && hello {
            return p.packet == index as u64;
        }
    }
    false
}

/// The `quic` layers of packet `index`, whose UDP payload is `datagram` at `base` in the
/// frame; adds a byte source per opened packet to `d` and names the protocols.
#[allow(clippy::too_many_arguments)]
pub(super) fn show(
    conn: &mut Conn,
    capture: &Capture,
    src: &mut dyn PacketSource,
    index: usize,
    datagram: &[u8],
    base: usize,
    from_client: bool,
    d: &mut Detail,
    protocols: &mut Vec<&'static str>,
) {
    let row = capture.packets.at(index);
    catch_up(conn, capture, src, row.flow, index);
    let number = connection_number(capture, row.flow);
    let pdus = capture.pdus_of(index as u64);
    let mut short_dcid = pdus
        .iter()
        .filter(|p| p.kind == PduKind::Quic && p.code == 4)
        .map(|p| p.stream as usize)
        .next();
    let mut tls_shown = false;
    let mut b = datagram;
    let mut at = base;
    let mut first = true;
    while let Some(&byte) = b.first() {
        if byte & 0xc0 == 0 {
            // Neither header form nor the Fixed Bit: zeros a sender pads the datagram
            // with after its last packet (RFC 9000 §12.2, §14.1).
            let mut n = Node::proto("quic", "QUIC IETF", at, b.len());
            n.push(expert(
                "quic.coalesced_padding_data",
                "(Random) padding data appended to the datagram",
                Severity::Note,
                Group::Protocol,
            ));
            d.layers.push(n);
            break;
        }
        let mut n = Node::proto("quic", "QUIC IETF", at, 0);
        if first {
            let mut c = Node::text("QUIC Connection information", at, 0);
            c.push(
                Node::field(
                    "quic.connection.number",
                    format!("Connection Number: {number}"),
                    number.to_string(),
                    at,
                    0,
                )
                .gen(),
            );
            n.push(c);
        }
        first = false;
        if byte & 0x80 == 0 {
            let dcil = short_dcid.take().unwrap_or(0);
            let first_short = first_short(capture, row.flow, index);
            short(&mut n, b, at, dcil, first_short);
            d.layers.push(n);
            break;
        }
        let frame = index as u64 + 1;
        let used = long(
            &mut n,
            conn,
            b,
            at,
            from_client,
            frame,
            &mut d.sources,
            &mut tls_shown,
        );
        d.layers.push(n);
        match used {
            Some(len) if len > 0 && len < b.len() => {
                b = &b[len..];
                at += len;
            }
            _ => break,
        }
    }
    protocols.push("quic");
    if tls_shown {
        protocols.push("tls");
    }
}

fn no_keys() -> Node {
    expert(
        "quic.decryption_failed",
        "Failed to create decryption context: Secrets are not available",
        Severity::Warning,
        Group::Decryption,
    )
}

pub(crate) fn bytes_field(name: &'static str, label: &str, v: &[u8], pos: usize) -> Node {
    Node::field(
        name,
        format!("{label}: {}", shown_bytes(v)),
        colon_hex(v),
        pos,
        v.len(),
    )
    .hex(v)
}

/// A field of one byte's bits under `mask`.
fn flag(
    name: &'static str,
    byte: u8,
    raw: u8,
    mask: u8,
    text: String,
    show: u64,
    at: usize,
) -> Node {
    Node::field(
        name,
        format!("{}{text}", bits(byte as u64, mask as u64, 8)),
        show.to_string(),
        at,
        1,
    )
    .masked(show, &[raw])
}

fn uint(name: &'static str, label: &str, v: u64, pos: usize, size: usize, b: &[u8]) -> Node {
    Node::field(name, format!("{label}: {v}"), v.to_string(), pos, size).hex(b)
}

/// A short-header packet (RFC 9000 §17.3): the unprotected bits, the Destination
/// Connection ID when the handshake named it (`dcil`), and the protected rest.
fn short(n: &mut Node, b: &[u8], at: usize, dcil: usize, first_short: bool) {
    let first = b[0];
    n.size = b.len() as u32;
    n.push(
        Node::field(
            "quic.packet_length",
            format!("Packet Length: {}", b.len()),
            b.len().to_string(),
            at,
            0,
        )
        .gen(),
    );
    let dcid = b.get(1..1 + dcil).filter(|_| dcil > 0);
    let title = match dcid {
        Some(c) => format!("QUIC Short Header DCID={}", hex(c)),
        None => "QUIC Short Header".into(),
    };
    let mut h = Node::field("quic.short", title, "", at, b.len()).none();
    h.push(flag(
        "quic.header_form",
        first,
        first,
        0x80,
        "Header Form: Short Header (0)".into(),
        0,
        at,
    ));
    let fixed = first & 0x40 != 0;
    h.push(flag(
        "quic.fixed_bit",
        first,
        first,
        0x40,
        format!("Fixed Bit: {}", if fixed { "True" } else { "False" }),
        fixed.into(),
        at,
    ));
    let spin = first & 0x20 != 0;
    h.push(flag(
        "quic.spin_bit",
        first,
        first,
        0x20,
        format!("Spin Bit: {}", if spin { "True" } else { "False" }),
        spin.into(),
        at,
    ));
    let mut rest = 1;
    if let Some(c) = dcid {
        h.push(
            Node::field(
                "quic.dcid",
                format!("Destination Connection ID: {}", hex(c)),
                colon_hex(c),
                at + 1,
                c.len(),
            )
            .hex(c),
        );
        rest += c.len();
    }
    n.push(h);
    if first_short {
        n.push(no_keys());
    }
    if let Some(p) = b.get(rest..).filter(|p| !p.is_empty()) {
        n.push(bytes_field(
            "quic.remaining_payload",
            "Remaining Payload",
            p,
            at + rest,
        ));
    }
}

fn version_name(v: u32) -> String {
    match v {
        1 => "1".into(),
        0x6b33_43cf => "2".into(),
        0xff00_0000..=0xff00_00ff => format!("draft-{}", v & 0xff),
        _ => "Unknown".into(),
    }
}

/// A long-header packet (RFC 9000 §17.2) at the start of `b`, at `at` in frame
/// `frame`; an opened Initial packet's frames go to a byte source of their own. Returns
/// the packet's length (None when the rest of the datagram cannot be stepped over).
#[allow(clippy::too_many_arguments)]
fn long(
    n: &mut Node,
    conn: &mut Conn,
    b: &[u8],
    at: usize,
    from_client: bool,
    frame: u64,
    sources: &mut Vec<Source>,
    tls_shown: &mut bool,
) -> Option<usize> {
    let first = b[0];
    let Some(h) = long_header(b) else {
        // A version we do not read (or Version Negotiation): its bytes as they are.
        n.size = b.len() as u32;
        n.push(flag(
            "quic.header_form",
            first,
            first,
            0x80,
            "Header Form: Long Header (1)".into(),
            1,
            at,
        ));
        if let Some(p) = b.get(1..).filter(|p| !p.is_empty()) {
            n.push(bytes_field(
                "quic.remaining_payload",
                "Remaining Payload",
                p,
                at + 1,
            ));
        }
        return None;
    };
    let end = h.end().filter(|&e| e <= b.len());
    let len = end.unwrap_or(b.len());
    n.size = len as u32;
    n.push(
        Node::field(
            "quic.packet_length",
            format!("Packet Length: {len}"),
            len.to_string(),
            at,
            0,
        )
        .gen(),
    );
    // An Initial opens (its header protection too) with the connection's keys.
    let opened = match (h.kind, h.pn_offset(), end) {
        (0, Some(pn_offset), Some(end)) => {
            let dcid = &b[h.dcid.clone()];
            conn.parser
                .keys_for(from_client, h.version, dcid)
                .and_then(|k| open(k, &b[..end], pn_offset).ok())
        }
        _ => None,
    };
    let plain_first = opened.as_ref().map_or(first, |o| o.bytes[0]);
    n.push(flag(
        "quic.header_form",
        first,
        first,
        0x80,
        "Header Form: Long Header (1)".into(),
        1,
        at,
    ));
    let fixed = first & 0x40 != 0;
    n.push(flag(
        "quic.fixed_bit",
        first,
        first,
        0x40,
        format!("Fixed Bit: {}", if fixed { "True" } else { "False" }),
        fixed.into(),
        at,
    ));
    let ptype = (first >> 4) & 3;
    let type_name = ["Initial", "0-RTT", "Handshake", "Retry"][h.kind as usize & 3];
    n.push(flag(
        "quic.long.packet_type",
        first,
        first,
        0x30,
        format!("Packet Type: {type_name} ({ptype})"),
        ptype.into(),
        at,
    ));
    if let Some(o) = &opened {
        let reserved = (plain_first >> 2) & 3;
        n.push(flag(
            "quic.long.reserved",
            plain_first,
            first,
            0x0c,
            format!("Reserved: {reserved}"),
            reserved.into(),
            at,
        ));
        let pl = plain_first & 3;
        n.push(flag(
            "quic.packet_number_length",
            plain_first,
            first,
            0x03,
            format!("Packet Number Length: {} bytes ({pl})", o.pn_len),
            pl.into(),
            at,
        ));
    }
    n.push(
        Node::field(
            "quic.version",
            format!("Version: {} (0x{:08x})", version_name(h.version), h.version),
            format!("0x{:08x}", h.version),
            at + 1,
            4,
        )
        .hex(&b[1..5]),
    );
    let dcid = &b[h.dcid.clone()];
    n.push(uint(
        "quic.dcil",
        "Destination Connection ID Length",
        dcid.len() as u64,
        at + 5,
        1,
        &b[5..6],
    ));
    if !dcid.is_empty() {
        n.push(
            Node::field(
                "quic.dcid",
                format!("Destination Connection ID: {}", hex(dcid)),
                colon_hex(dcid),
                at + h.dcid.start,
                dcid.len(),
            )
            .hex(dcid),
        );
    }
    let scid = &b[h.scid.clone()];
    let scil_at = h.dcid.end;
    n.push(uint(
        "quic.scil",
        "Source Connection ID Length",
        scid.len() as u64,
        at + scil_at,
        1,
        &b[scil_at..scil_at + 1],
    ));
    if !scid.is_empty() {
        n.push(
            Node::field(
                "quic.scid",
                format!("Source Connection ID: {}", hex(scid)),
                colon_hex(scid),
                at + h.scid.start,
                scid.len(),
            )
            .hex(scid),
        );
    }
    if let Some((field, token)) = &h.token {
        let tl = token.len() as u64;
        n.push(uint(
            "quic.token_length",
            "Token Length",
            tl,
            at + field.start,
            field.len(),
            &b[field.clone()],
        ));
        if let Some(t) = b.get(token.clone()).filter(|t| !t.is_empty()) {
            n.push(bytes_field("quic.token", "Token", t, at + token.start));
        }
    }
    let (field, length) = h.length.clone()?;
    n.push(uint(
        "quic.length",
        "Length",
        length as u64,
        at + field.start,
        field.len(),
        &b[field.clone()],
    ));
    let pn_offset = field.end;
    let Some(o) = opened else {
        if h.kind == 2 || h.kind == 1 {
            n.push(no_keys());
        }
        if let Some(p) = b.get(pn_offset..len).filter(|p| !p.is_empty()) {
            n.push(bytes_field(
                "quic.remaining_payload",
                "Remaining Payload",
                p,
                at + pn_offset,
            ));
        }
        return end;
    };
    n.push(uint(
        "quic.packet_number",
        "Packet Number",
        o.pn,
        at + pn_offset,
        o.pn_len,
        &b[pn_offset..pn_offset + o.pn_len],
    ));
    let payload_at = pn_offset + o.pn_len;
    n.push(bytes_field(
        "quic.payload",
        "Payload",
        &b[payload_at..len],
        at + payload_at,
    ));
    let plain = &o.bytes[payload_at..payload_at + o.plain];
    let s = sources.len() as u8;
    sources.push(Source {
        name: format!("Decrypted QUIC ({} bytes)", plain.len()),
        bytes: plain.to_vec(),
    });
    let mut cx = Cx {
        prior: &conn.crypto[usize::from(!from_client)],
        frame,
        sources,
        tls_shown,
    };
    for mut f in frames(plain, &mut cx) {
        f.fill_source(s);
        n.push(f);
    }
    end
}

/// What the frames of an opened packet are dissected with.
struct Cx<'a> {
    /// The side's CRYPTO frames in earlier packets.
    prior: &'a [Fragment],
    /// The packet's frame number.
    frame: u64,
    sources: &'a mut Vec<Source>,
    tls_shown: &'a mut bool,
}

/// A variable-length integer field at `*i`: its node, value and the bytes it took.
fn var(f: &[u8], i: &mut usize, name: &'static str, label: &str) -> Option<(Node, u64)> {
    let from = *i;
    let v = varint(f, i)?;
    Some((uint(name, label, v, from, *i - from, &f[from..*i]), v))
}

/// The frames of an opened packet (RFC 9000 §19) that an Initial may carry: PADDING,
/// PING, ACK, CRYPTO (with the TLS handshake inside). Stops at any other frame.
fn frames(f: &[u8], cx: &mut Cx<'_>) -> Vec<Node> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < f.len() {
        let start = i;
        let Some(t) = varint(f, &mut i) else {
            break;
        };
        let name = match t {
            0x00 => "PADDING",
            0x01 => "PING",
            0x02 => "ACK",
            0x03 => "ACK_ECN",
            0x06 => "CRYPTO",
            _ => break,
        };
        let mut fr = Node::field("quic.frame", name, "", start, 0).none();
        fr.push(
            Node::field(
                "quic.frame_type",
                format!("Frame Type: {name} (0x{t:016x})"),
                t.to_string(),
                start,
                i - start,
            )
            .hex(&f[start..i]),
        );
        let ok = match t {
            0x00 => {
                // Wireshark folds a run of zeros into one PADDING frame.
                let zeros = f[i..].iter().take_while(|&&x| x == 0).count();
                let len = 1 + zeros;
                fr.showname = format!("PADDING Length: {len}");
                fr.push(
                    Node::field(
                        "quic.padding_length",
                        format!("Padding Length: {len}"),
                        len.to_string(),
                        i,
                        0,
                    )
                    .gen(),
                );
                i += zeros;
                true
            }
            0x01 => true,
            0x02 | 0x03 => ack(f, &mut i, t == 0x03, &mut fr).is_some(),
            _ => crypto(f, &mut i, &mut fr, cx).is_some(),
        };
        fr.size = (i - start) as u32;
        out.push(fr);
        if !ok {
            break;
        }
    }
    out
}

fn ack(f: &[u8], i: &mut usize, ecn: bool, fr: &mut Node) -> Option<()> {
    for (name, label) in [
        ("quic.ack.largest_acknowledged", "Largest Acknowledged"),
        ("quic.ack.ack_delay", "ACK Delay"),
    ] {
        fr.push(var(f, i, name, label)?.0);
    }
    let (node, ranges) = var(f, i, "quic.ack.ack_range_count", "ACK Range Count")?;
    fr.push(node);
    fr.push(var(f, i, "quic.ack.first_ack_range", "First ACK Range")?.0);
    for _ in 0..ranges {
        fr.push(var(f, i, "quic.ack.gap", "Gap")?.0);
        fr.push(var(f, i, "quic.ack.ack_range", "ACK Range")?.0);
    }
    if ecn {
        for (name, label) in [
            ("quic.ack.ect0_count", "ECT(0) Count"),
            ("quic.ack.ect1_count", "ECT(1) Count"),
            ("quic.ack.ecn_ce_count", "ECN-CE Count"),
        ] {
            fr.push(var(f, i, name, label)?.0);
        }
    }
    Some(())
}

fn crypto(f: &[u8], i: &mut usize, fr: &mut Node, cx: &mut Cx<'_>) -> Option<()> {
    let (node, offset) = var(f, i, "quic.crypto.offset", "Offset")?;
    fr.push(node);
    let (node, len) = var(f, i, "quic.crypto.length", "Length")?;
    fr.push(node);
    let data_at = *i;
    let data = f.get(data_at..data_at.checked_add(usize::try_from(len).ok()?)?)?;
    *i += data.len();
    fr.push(
        Node::field(
            "quic.crypto.crypto_data",
            "Crypto Data",
            "",
            data_at,
            data.len(),
        )
        .none(),
    );
    if let Some(t) = handshake(offset, data, data_at, cx) {
        fr.push(t);
        *cx.tls_shown = true;
    }
    Some(())
}

/// The `tls` layer of a CRYPTO frame's `data` (at `offset` in its side's stream, at
/// `data_at` in the decrypted packet): the handshake messages it holds whole, or the
/// hello it is a fragment of, shown whole (in a byte source of its own) in the frame
/// that completes it, as TLS's handshake reassembly shows it.
fn handshake(offset: u64, data: &[u8], data_at: usize, cx: &mut Cx<'_>) -> Option<Node> {
    if offset == 0 {
        let mut msgs = Vec::new();
        let mut p = 0;
        while p + 4 <= data.len() {
            let hl = u32::from_be_bytes([0, data[p + 1], data[p + 2], data[p + 3]]) as usize;
            let Some(m) = data.get(p..p + 4 + hl) else {
                break;
            };
            msgs.push((p, m));
            p += 4 + hl;
        }
        if !msgs.is_empty() {
            let title = if msgs.len() == 1 {
                tls::handshake_name(msgs[0].1[0])
            } else {
                "Multiple Handshake Messages"
            };
            let mut t = Node::proto(
                "tls",
                format!("TLSv1.3 Record Layer: Handshake Protocol: {title}"),
                data_at,
                data.len(),
            );
            for (p, m) in msgs {
                t.push(message(m, data_at + p));
            }
            return Some(t);
        }
    }
    // The first message of the stream, put together from the earlier frames and this one.
    let mut parts: Vec<(u64, &[u8], u64)> = cx
        .prior
        .iter()
        .map(|c| (c.offset, &c.data[..], c.frame))
        .collect();
    parts.push((offset, data, cx.frame));
    let stream = contiguous(&mut parts);
    let (&kind, head) = stream.0.split_first()?;
    let msg_len = 4 + u32::from_be_bytes([0, *head.first()?, *head.get(1)?, *head.get(2)?]) as u64;
    let end = offset + data.len() as u64;
    if offset >= msg_len {
        return None;
    }
    let name = tls::handshake_name(kind);
    if end < msg_len || (stream.0.len() as u64) < msg_len {
        // A fragment of a message not whole yet; tshark titles a middle one as it titles a
        // record of several messages.
        let title = if offset == 0 {
            format!("{name} (fragment)")
        } else {
            "Multiple Handshake Messages".into()
        };
        let mut t = Node::proto(
            "tls",
            format!("TLSv1.3 Record Layer: Handshake Protocol: {title}"),
            data_at,
            data.len(),
        );
        t.push(
            Node::field(
                "tls.handshake",
                format!("Handshake Protocol: {name} (fragment)"),
                "",
                data_at,
                data.len(),
            )
            .none(),
        );
        return Some(t);
    }
    // This frame completes it: the fragments, then the message from a source of its own.
    let msg = &stream.0[..msg_len as usize];
    let r = cx.sources.len() as u8;
    cx.sources.push(Source {
        name: format!("Reassembled TLS Handshake ({msg_len} bytes)"),
        bytes: msg.to_vec(),
    });
    let mut t = Node::proto(
        "tls",
        format!("TLSv1.3 Record Layer: Handshake Protocol: {name}"),
        data_at,
        data.len(),
    );
    t.push(
        Node::field(
            "tls.handshake",
            format!("Handshake Protocol: {name} (last fragment)"),
            "",
            data_at,
            data.len(),
        )
        .none(),
    );
    let frags: Vec<(u64, u64, u64)> = stream
        .1
        .iter()
        .filter(|(from, _, _)| *from < msg_len)
        .map(|&(from, to, frame)| (from, to.min(msg_len), frame))
        .collect();
    let list: Vec<String> = frags
        .iter()
        .map(|(from, to, frame)| format!("#{frame}({})", to - from))
        .collect();
    let mut fl = Node::field(
        "tls.handshake.fragments",
        format!(
            "{} Reassembled Handshake Fragments ({msg_len} bytes): {}",
            frags.len(),
            list.join(", ")
        ),
        "",
        0,
        msg_len as usize,
    )
    .none()
    .gen()
    .src(r);
    for &(from, to, frame) in &frags {
        fl.push(
            Node::field(
                "tls.handshake.fragment",
                format!(
                    "Frame: {frame}, payload: {from}-{} ({} bytes)",
                    to - 1,
                    to - from
                ),
                frame.to_string(),
                from as usize,
                (to - from) as usize,
            )
            .gen()
            .src(r),
        );
    }
    fl.push(
        Node::field(
            "tls.handshake.fragment.count",
            format!("Handshake Fragment count: {}", frags.len()),
            frags.len().to_string(),
            0,
            0,
        )
        .gen()
        .src(r),
    );
    t.push(fl);
    let mut m = message(msg, 0);
    place(&mut m, r);
    t.push(m);
    Some(t)
}

fn place(n: &mut Node, s: u8) {
    n.source = s;
    for c in &mut n.children {
        place(c, s);
    }
}

/// One whole handshake message at `at`, by the TLS detail. QUIC's handshake is TLS 1.3
/// from its first message, whose Random holds no time: Wireshark does not split it
/// (packet-tls-utils.c).
fn message(m: &[u8], at: usize) -> Node {
    let mut h = tls::handshake(m, at, tls::handshake_name(m[0]));
    if let Some(r) = h
        .children
        .iter_mut()
        .find(|c| c.name == "tls.handshake.random")
    {
        r.children.clear();
    }
    h
}

/// The bytes contiguous from offset 0 of a stream's `parts` (offset, data, frame), and
/// the parts that made them: (from, to, frame), in stream order, later copies of bytes
/// already had left out.
fn contiguous(parts: &mut [(u64, &[u8], u64)]) -> (Vec<u8>, Vec<(u64, u64, u64)>) {
    parts.sort_by_key(|p| p.0);
    let mut bytes = Vec::new();
    let mut used = Vec::new();
    for &(offset, data, frame) in parts.iter() {
        let have = bytes.len() as u64;
        let end = offset + data.len() as u64;
        if offset > have {
            break;
        }
        if end <= have {
            continue;
        }
        bytes.extend_from_slice(&data[(have - offset) as usize..]);
        used.push((have, end, frame));
        if bytes.len() > MAX_CRYPTO {
            break;
        }
    }
    (bytes, used)
}

#[cfg(test)]
mod test {
    use crate::query::detail::{detail, pdml, Apps, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};

    /// Expected values are tshark 4.0.17's (`-T pdml`) on the same capture.
    #[test]
    fn initial_packets_open_and_show_their_hellos() {
        let bytes = include_bytes!("../../../../../tests/data/servers/quic.pcap");
        let capture = crate::ingest::ingest_bytes("quic.pcap", bytes);
        let mut src = MemorySource {
            files: vec![&bytes[..]],
        };
        let mut ctx = FieldCtx::new(&capture);
        // The server's first datagram asked for first: its Initial opens with the keys
        // of the client's Destination Connection ID in frame 1.
        let mut apps = Apps::new();
        let d = detail(&mut ctx, 1, &mut src, &mut apps, FrameInfo::default());
        let quic: Vec<_> = d.layers.iter().filter(|l| l.name == "quic").collect();
        assert_eq!(quic.len(), 2);
        assert_eq!((quic[0].pos, quic[0].size), (42, 177));
        assert_eq!(
            d.find("tls.handshake.type").unwrap().showname,
            "Handshake Type: Server Hello (2)"
        );
        assert_eq!(d.sources[1].name, "Decrypted QUIC (133 bytes)");
        let ack = d.find("quic.ack.ack_delay").unwrap();
        assert_eq!((ack.show.as_str(), ack.pos, ack.source), ("1817", 2, 1));
        assert!(quic[1].find("quic.decryption_failed").is_some());
        assert_eq!(
            d.find("frame.protocols").unwrap().show,
            "eth:ethertype:ip:udp:quic:tls"
        );
        let mut server = String::new();
        pdml::packet(&mut server, &d);
        // Then the client's: the ClientHello with its server name and ALPN.
        let d = detail(&mut ctx, 0, &mut src, &mut apps, FrameInfo::default());
        let sni = d.find("tls.handshake.extensions_server_name").unwrap();
        assert_eq!(
            (sni.show.as_str(), sni.pos, sni.source),
            ("quic.wirelens.test", 381, 1)
        );
        let pn = d.find("quic.packet_number_length").unwrap();
        assert_eq!(pn.showname, ".... ..01 = Packet Number Length: 2 bytes (1)");
        // Frame 1 ends in 673 bytes of zeros, a layer of its own.
        let pad = d.layers.last().unwrap();
        assert_eq!((pad.name.as_ref(), pad.pos, pad.size), ("quic", 569, 673));
        // The same trees in order, and PDML places the frames as tshark does.
        let mut apps = Apps::new();
        detail(&mut ctx, 0, &mut src, &mut apps, FrameInfo::default());
        let d = detail(&mut ctx, 1, &mut src, &mut apps, FrameInfo::default());
        let mut again = String::new();
        pdml::packet(&mut again, &d);
        assert_eq!(server, again);
        assert!(again.contains(
            "<field name=\"quic.frame\" showname=\"CRYPTO\" size=\"127\" pos=\"48\" show=\"\" value=\"\">"
        ));
        // A short header names the DCID the handshake gave it.
        let d = detail(&mut ctx, 5, &mut src, &mut apps, FrameInfo::default());
        assert_eq!(
            d.find("quic.short").unwrap().showname,
            "QUIC Short Header DCID=6fc0dea0daa6bb8f"
        );
        assert!(d.find("quic.decryption_failed").is_none());
    }

    /// A ClientHello in three Initial packets (frames 1, 3, 4): fragments, then the
    /// message whole in the frame that completes it, from a source of its own.
    #[test]
    fn a_hello_over_three_packets_is_shown_whole_in_the_last() {
        let bytes = include_bytes!("../../../../../tests/data/servers/quic-hello.pcap");
        let capture = crate::ingest::ingest_bytes("quic-hello.pcap", bytes);
        let mut src = MemorySource {
            files: vec![&bytes[..]],
        };
        let mut ctx = FieldCtx::new(&capture);
        let mut apps = Apps::new();
        // Asked for first: the earlier fragments are read from frames 1 and 3.
        let d = detail(&mut ctx, 3, &mut src, &mut apps, FrameInfo::default());
        let f = d.find("tls.handshake.fragments").unwrap();
        assert_eq!(
            f.showname,
            "3 Reassembled Handshake Fragments (2729 bytes): #1(1152), #3(1151), #4(426)"
        );
        assert_eq!(d.sources[2].name, "Reassembled TLS Handshake (2729 bytes)");
        let sni = d.find("tls.handshake.extensions_server_name").unwrap();
        assert_eq!((sni.show.as_str(), sni.source), ("quic.wirelens.test", 2));
        let mut first = String::new();
        pdml::packet(&mut first, &d);
        let d = detail(&mut ctx, 2, &mut src, &mut apps, FrameInfo::default());
        assert_eq!(
            d.find("tls").unwrap().showname,
            "TLSv1.3 Record Layer: Handshake Protocol: Multiple Handshake Messages"
        );
        let d = detail(&mut ctx, 0, &mut src, &mut apps, FrameInfo::default());
        assert_eq!(
            d.find("tls.handshake").unwrap().showname,
            "Handshake Protocol: Client Hello (fragment)"
        );
        // In order, the same tree.
        let mut apps = Apps::new();
        for i in 0..3 {
            detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
        }
        let d = detail(&mut ctx, 3, &mut src, &mut apps, FrameInfo::default());
        let mut again = String::new();
        pdml::packet(&mut again, &d);
        assert_eq!(first, again);
    }
}
