//! Protocol and Info of HTTP/2 and PostgreSQL packets, from the PDUs the ingest kept
//! (`Capture::pdus`, over TLS too) and the transactions of their streams, worded as
//! Wireshark 4.0's packet-http2.c and packet-pgsql.c word them: `HEADERS[1]: GET /`,
//! `SETTINGS[0], WINDOW_UPDATE[0]`, `Magic`; `>Q`, `<T/D/C/Z`.

use crate::capture::app::pdu::{Pdu, PduKind};
use crate::capture::app::Detail;
use crate::capture::Capture;
use crate::ingest::app::http2::frame::{flag, kind, type_name};
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
                    if let Some(h2) = &h.http2 {
                        s.transactions.entry((t.conv, h2.stream_id)).or_insert(i);
                    }
                }
                Detail::Tls(tls) if tls.server_version == Some(0x0304) => {
                    if let Some(r) = t.response {
                        s.tls13.entry(t.conv).or_insert(r.first.packet);
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
        kind::DATA if h.grpc.is_some() && p.len >= 5 => {
            info.push_str(" (GRPC)");
            if p.len > 5 {
                info.push_str(" (PROTOBUF)");
            }
            return true;
        }
        // The body, whole at END_STREAM, goes to the dissector of its media type, which
        // names it (packet-media.c).
        kind::DATA if p.flags & flag::END_STREAM != 0 && h.grpc.is_none() => {
            let (body, ct) = if p.from_client {
                (h.request_body, &h.request_content_type)
            } else {
                (h.response_body, &h.response_content_type)
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
