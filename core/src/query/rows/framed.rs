//! Protocol and Info of HTTP/2 and PostgreSQL packets, from the PDUs the ingest kept
//! (`Capture::pdus`, over TLS too) and the transactions of their streams, worded as
//! Wireshark 4.0's packet-http2.c and packet-pgsql.c word them: `HEADERS[1]: GET /`,
//! `SETTINGS[0], WINDOW_UPDATE[0]`, `Magic`; `>Q`, `<T/D/C/Z`.

use crate::capture::app::pdu::{quic_frames, Pdu, PduKind, QUIC_OPENED};
use crate::capture::app::Detail;
use crate::capture::Capture;
use crate::ingest::app::http2::frame::{flag, kind, type_name};
use crate::ingest::app::quic::varint;
use crate::query::detail::http2_headers;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Built once per packet list: which HTTP/2 HEADERS frame opens each side of each
/// stream, and the stream's transaction.
#[derive(Default)]
pub(super) struct Streams {
    /// (conversation, stream, from the client) → index in `Capture::pdus` of the side's
    /// first HEADERS frame.
    first_headers: HashMap<(u32, u32, bool), usize>,
    /// (conversation, stream) → index in `Capture::transactions`.
    transactions: HashMap<(u32, u32), usize>,
    /// TLS 1.3 conversations → the packet of their ServerHello: packet-tls.c names the
    /// records from there on by the version the server chose (`TLSv1.3`), not by the
    /// record layer's (`0x0303`, RFC 8446 §5.1).
    tls13: HashMap<u32, u64>,
}

impl Streams {
    pub(super) fn new(capture: &Capture) -> Self {
        let mut s = Streams::default();
        for (i, p) in capture.pdus.iter().enumerate() {
            if p.kind == PduKind::Http2Frame && p.code == kind::HEADERS {
                s.first_headers
                    .entry((p.conv, p.stream, p.from_client))
                    .or_insert(i);
            }
        }
        for (i, t) in capture.transactions.iter().enumerate() {
            match &t.detail {
                Detail::Http(h) => {
                    if let Some(h2) = h.http2() {
                        s.transactions.entry((t.conv, h2.stream_id)).or_insert(i);
                    }
                }
                Detail::Tls(tls) if tls.tls13() => {
                    if let Some(r) = t.response {
                        s.tls13.entry(t.conv).or_insert(r.first());
                    }
                }
                _ => {}
            }
        }
        s
    }

    /// Whether packet `index` of conversation `conv` is past a TLS 1.3 ServerHello.
    pub(super) fn tls13(&self, conv: u32, index: u64) -> bool {
        self.tls13.get(&conv).is_some_and(|&p| index >= p)
    }
}

/// Protocol and Info of packet `index`, when it completed HTTP/2 frames or PostgreSQL
/// messages.
pub(super) fn info(capture: &Capture, streams: &Streams, index: u64) -> Option<(String, String)> {
    let lo = capture.pdus.partition_point(|p| p.packet < index);
    let pdus = capture.pdus_of(index);
    let first = pdus.first()?;
    if first.kind == PduKind::Pgsql {
        let mut info = String::from(if first.from_client { ">" } else { "<" });
        for (k, p) in pdus.iter().enumerate() {
            if k > 0 {
                info.push('/');
            }
            if let Some(c) = p.pgsql_type_char() {
                info.push(c);
            }
        }
        return Some(("PGSQL".into(), info));
    }
    let mut info = String::new();
    // packet-http2.c sets the Protocol column to HTTP2 for each frame; packet-grpc.c sets
    // GRPC and fences it, so a frame after a gRPC message appends HTTP2 (`GRPCHTTP2`).
    let mut protocol = String::new();
    let mut fence = 0;
    for (k, p) in pdus.iter().enumerate() {
        if k > 0 {
            info.push_str(", ");
        }
        protocol.truncate(fence);
        protocol.push_str("HTTP2");
        if http2_frame(capture, streams, lo + k, p, &mut info) {
            protocol.truncate(fence);
            protocol.push_str("GRPC");
            fence = protocol.len();
        }
    }
    Some((protocol, info))
}

/// Writes a frame's Info; true when gRPC read a message from it.
fn http2_frame(
    capture: &Capture,
    streams: &Streams,
    at: usize,
    p: &Pdu,
    info: &mut String,
) -> bool {
    if p.kind == PduKind::Http2Magic {
        info.push_str("Magic");
        return false;
    }
    let _ = write!(info, "{}[{}]", type_name(p.code), p.stream);
    let http = streams
        .transactions
        .get(&(p.conv, p.stream))
        .and_then(|&t| capture.transactions.get(t))
        .and_then(|t| match &t.detail {
            Detail::Http(h) => Some(h),
            _ => None,
        });
    let Some(h) = http else {
        return false;
    };
    match p.code {
        // The side's first header block: the request line's method and path, the
        // response's status and its phrase (trailers add nothing).
        kind::HEADERS
            if streams
                .first_headers
                .get(&(p.conv, p.stream, p.from_client))
                == Some(&at) =>
        {
            if let Some(text) = http2_headers(h, p.from_client) {
                let _ = write!(info, ": {text}");
            }
        }
        // A gRPC message (a 5-byte prefix, then protobuf) in each DATA frame: packet-grpc.c
        // names it, and packet-protobuf.c the message when it is not empty.
        kind::DATA if h.grpc().is_some() && p.len >= 5 => {
            info.push_str(" (GRPC)");
            if p.len > 5 {
                info.push_str(" (PROTOBUF)");
            }
            return true;
        }
        // The body, whole at END_STREAM, goes to the dissector of its media type, which
        // names it (packet-media.c).
        kind::DATA if p.flags & flag::END_STREAM != 0 && h.grpc().is_none() => {
            let (body, ct) = if p.from_client {
                (h.request_body(), h.request_content_type())
            } else {
                (h.response_body(), h.response_content_type())
            };
            if let (true, Some(ct)) = (body > 0, ct) {
                let media = ct.split(';').next().unwrap_or("").trim();
                if !media.is_empty() {
                    let _ = write!(info, " ({})", media.to_ascii_lowercase());
                }
            }
        }
        _ => {}
    }
    false
}

/// Protocol and Info of a QUIC datagram, as packet-quic.c leaves them: the last of its
/// coalesced packets names itself (`Initial, DCID=…, SCID=…, PKN: 0, CRYPTO`,
/// `Handshake, …`, `Protected Payload (KP0), DCID=…`); the connection IDs are read from
/// the datagram, an Initial's packet number and frames from the ingest's PDUs (it opened
/// the packet with the keys RFC 9001 §5.2 derives).
pub(super) fn quic(capture: &Capture, index: u64, datagram: &[u8]) -> Option<(String, String)> {
    let pdus = capture.pdus_of(index);
    let last = pdus.iter().rev().find(|p| p.kind == PduKind::Quic)?;
    // Step over the coalesced packets before the last one (RFC 9000 §12.2).
    let mut b = datagram;
    for _ in 1..pdus.iter().filter(|p| p.kind == PduKind::Quic).count() {
        let n = long_len(b)?;
        b = b.get(n..)?;
    }
    let mut info = String::new();
    if last.code == 4 {
        info.push_str("Protected Payload (KP0)");
        let n = last.stream as usize;
        if n > 0 {
            let _ = write!(info, ", DCID={}", hex(b.get(1..1 + n)?));
        }
        return Some(("QUIC".into(), info));
    }
    info.push_str(match last.code {
        0 => "Initial",
        1 => "0-RTT",
        2 => "Handshake",
        _ => "Retry",
    });
    let dcil = *b.get(5)? as usize;
    let dcid = b.get(6..6 + dcil)?;
    let scil = *b.get(6 + dcil)? as usize;
    let scid = b.get(7 + dcil..7 + dcil + scil)?;
    if !dcid.is_empty() {
        let _ = write!(info, ", DCID={}", hex(dcid));
    }
    if !scid.is_empty() {
        let _ = write!(info, ", SCID={}", hex(scid));
    }
    if last.flags & QUIC_OPENED != 0 {
        let _ = write!(info, ", PKN: {}", last.stream);
        for f in quic_frames(last.len) {
            let _ = write!(info, ", {f}");
        }
    }
    Some(("QUIC".into(), info))
}

/// The length of the long-header packet at the start of `b` (its Length field counts
/// the packet number and payload, RFC 9000 §17.2).
fn long_len(b: &[u8]) -> Option<usize> {
    let first = *b.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let version = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?);
    let mut at = 5;
    at += 1 + *b.get(at)? as usize;
    at += 1 + *b.get(at)? as usize;
    let initial = if version == 0x6b33_43cf { 1 } else { 0 };
    if (first >> 4) & 3 == initial {
        let token = varint(b, &mut at)? as usize;
        at = at.checked_add(token)?;
    }
    let length = varint(b, &mut at)? as usize;
    at.checked_add(length)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
