//! HTTP/2 (RFC 9113): one transaction per stream, over TLS (ALPN `h2`) or in the clear
//! (h2c with prior knowledge).
//!
//! Each direction is cut into frames ([`frame::Reader`]); header blocks (HEADERS or
//! PUSH_PROMISE and their CONTINUATIONs) are decoded with that direction's HPACK table
//! ([`hpack`]). A stream's request is the client's header block and DATA up to
//! END_STREAM, its response the server's (1xx interim responses, the final one,
//! trailers); the transaction is reported when both ends are in, or when the stream is
//! reset. gRPC calls (`content-type: application/grpc`) get their service and method
//! (`:path`), `grpc-status` and `grpc-message` (trailers, or a Trailers-Only response)
//! and the count of length-prefixed messages each way.
//!
//! Bounded: DATA is never held (its bytes are counted as they come); a header block is
//! held up to [`MAX_BLOCK`]; at most [`MAX_STREAMS`] streams are open at once (the oldest
//! is reported incomplete past that); each HPACK table is at most
//! [`hpack::MAX_TABLE_SIZE`].

pub mod frame;
pub mod hpack;
mod huffman;

use super::http::{MAX_KEPT_LINE, MAX_KEPT_LINES};
use super::{lossy, report, StreamParser};
use crate::capture::app::http::{Grpc, Http2, Interim, Parts, RequestHead};
use crate::capture::app::pdu::{Pdu, PduKind};
use crate::capture::app::{At, Detail, Span, Transaction};
use frame::{flag, kind, Header, Piece, Reader};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;

/// Longest header block held (HEADERS and CONTINUATIONs).
pub const MAX_BLOCK: usize = 256 << 10;

/// Streams open at once.
pub const MAX_STREAMS: usize = 1024;

/// Streams remembered as closed (their late frames are not a new stream).
const MAX_CLOSED: usize = 4096;

/// Frames other than DATA are handed on whole up to this length.
pub const MAX_FRAME_HELD: usize = MAX_BLOCK;

/// One side of a stream: when its frames came and how many bytes they took.
#[derive(Clone, Copy, Default)]
struct Half {
    first: Option<At>,
    last: Option<At>,
    bytes: u64,
    /// END_STREAM seen (or the stream was reset).
    done: bool,
    /// Its first header block was read (later ones are trailers).
    headers: bool,
}

impl Half {
    fn span(&self) -> Option<Span> {
        Some(Span {
            first: self.first?,
            last: self.last.or(self.first)?,
            bytes: self.bytes,
        })
    }
}

/// gRPC's length-prefixed messages of one direction, counted as DATA comes.
#[derive(Clone, Copy, Default)]
struct Messages {
    /// Bytes of the 5-byte prefix read so far, and the prefix.
    have: usize,
    prefix: [u8; 5],
    /// Message bytes still to skip.
    skip: u64,
    count: u64,
}

impl Messages {
    fn feed(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            if self.skip > 0 {
                let n = (self.skip.min(b.len() as u64)) as usize;
                self.skip -= n as u64;
                b = &b[n..];
                continue;
            }
            let n = (5 - self.have).min(b.len());
            self.prefix[self.have..self.have + n].copy_from_slice(&b[..n]);
            self.have += n;
            b = &b[n..];
            if self.have == 5 {
                self.have = 0;
                self.count += 1;
                self.skip = u32::from_be_bytes([
                    self.prefix[1],
                    self.prefix[2],
                    self.prefix[3],
                    self.prefix[4],
                ]) as u64;
            }
        }
    }
}

struct Stream {
    http: Parts,
    halves: [Half; 2],
    messages: [Messages; 2],
    /// Opened by the server (PUSH_PROMISE).
    pushed: bool,
}

impl Stream {
    fn new(id: u32) -> Stream {
        Stream {
            http: Parts {
                request_head: Arc::new(RequestHead {
                    version: "HTTP/2".into(),
                    ..RequestHead::default()
                }),
                http2: Some(Box::new(Http2 {
                    stream_id: id,
                    ..Http2::default()
                })),
                ..Parts::default()
            },
            halves: [Half::default(); 2],
            messages: [Messages::default(); 2],
            pushed: false,
        }
    }
}

/// A header block being gathered.
#[derive(Default)]
struct Block {
    stream: u32,
    end_stream: bool,
    /// PUSH_PROMISE: the promised stream.
    promised: Option<u32>,
    bytes: Vec<u8>,
    active: bool,
    /// Too long: dropped (the HPACK table is out of step after it).
    dropped: bool,
}

/// The current DATA frame of a side: where its body lies in the payload.
#[derive(Clone, Copy, Default)]
struct Data {
    pos: usize,
    pad: Option<usize>,
}

/// The HTTP/2 parser of one connection.
pub struct Parser {
    readers: [Reader; 2],
    decoders: [hpack::Decoder; 2],
    current: [Header; 2],
    data: [Data; 2],
    blocks: [Block; 2],
    streams: BTreeMap<u32, Stream>,
    /// Streams reported lately: a frame on one of them (a DATA frame the client sent
    /// after the server reset the stream) is not a new stream.
    closed: HashSet<u32>,
    closed_order: VecDeque<u32>,
    /// Header blocks that did not decode (the table may be out of step).
    pub hpack_errors: u64,
    stopped: [bool; 2],
    /// Frames read since the dispatcher last took them.
    pdus: Vec<Pdu>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

fn side(from_client: bool) -> usize {
    usize::from(!from_client)
}

impl Parser {
    /// A parser at the start of a connection.
    pub fn new() -> Self {
        Parser {
            readers: [
                Reader::new(true, MAX_FRAME_HELD),
                Reader::new(false, MAX_FRAME_HELD),
            ],
            decoders: [hpack::Decoder::new(), hpack::Decoder::new()],
            current: [Header::default(); 2],
            data: [Data::default(); 2],
            blocks: [Block::default(), Block::default()],
            streams: BTreeMap::new(),
            closed: HashSet::new(),
            closed_order: VecDeque::new(),
            hpack_errors: 0,
            stopped: [false; 2],
            pdus: Vec::new(),
        }
    }

    /// Bytes held: frame headers and held frames, header blocks being gathered, the
    /// HPACK tables (at most 2 × ([`MAX_FRAME_HELD`] + [`MAX_BLOCK`] +
    /// [`hpack::MAX_TABLE_SIZE`])), beside the open streams' records.
    pub fn buffered(&self) -> usize {
        (0..2)
            .map(|s| {
                self.readers[s].buffered() + self.blocks[s].bytes.len() + self.decoders[s].size()
            })
            .sum()
    }

    /// Streams open.
    pub fn open_streams(&self) -> usize {
        self.streams.len()
    }

    /// Remembers a stream as closed.
    fn close(&mut self, id: u32) {
        if self.closed.insert(id) {
            self.closed_order.push_back(id);
            if self.closed_order.len() > MAX_CLOSED {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
    }

    /// Whether frames of this stream are read (it is not one closed already).
    fn open(&self, id: u32) -> bool {
        id != 0 && !self.closed.contains(&id)
    }

    fn stream(&mut self, id: u32, out: &mut Vec<Transaction>) -> &mut Stream {
        if !self.streams.contains_key(&id) && self.streams.len() >= MAX_STREAMS {
            // The oldest (lowest) stream is given up, incomplete.
            if let Some((_, mut s)) = self.streams.pop_first() {
                s.http.incomplete = true;
                emit(s, out);
            }
        }
        self.streams.entry(id).or_insert_with(|| Stream::new(id))
    }

    fn piece(&mut self, s: usize, p: Piece<'_>, at: At, out: &mut Vec<Transaction>) {
        match p {
            Piece::Preface => {}
            Piece::Header(h) => {
                self.current[s] = h;
                self.data[s] = Data::default();
                let counts = matches!(h.kind, kind::DATA | kind::HEADERS | kind::CONTINUATION);
                if self.open(h.stream) && counts {
                    let st = self.stream(h.stream, out);
                    let half = &mut st.halves[s];
                    half.first.get_or_insert(at);
                    half.bytes += 9 + h.len as u64;
                }
            }
            Piece::Payload { bytes, last } => {
                let h = self.current[s];
                match h.kind {
                    kind::DATA => self.data(s, h, bytes, last, at, out),
                    _ if !last => {}
                    kind::HEADERS => {
                        let mut b = bytes;
                        let mut pad = 0;
                        if h.flags & flag::PADDED != 0 {
                            pad = b.first().copied().unwrap_or(0) as usize;
                            b = b.get(1..).unwrap_or(&[]);
                        }
                        if h.flags & flag::PRIORITY != 0 {
                            b = b.get(5..).unwrap_or(&[]);
                        }
                        let b = &b[..b.len().saturating_sub(pad)];
                        self.begin_block(s, h, None, b, at, out);
                    }
                    kind::PUSH_PROMISE => {
                        let mut b = bytes;
                        let mut pad = 0;
                        if h.flags & flag::PADDED != 0 {
                            pad = b.first().copied().unwrap_or(0) as usize;
                            b = b.get(1..).unwrap_or(&[]);
                        }
                        let Some(id) = b.get(..4) else { return };
                        let promised =
                            u32::from_be_bytes([id[0], id[1], id[2], id[3]]) & 0x7fff_ffff;
                        let b = &b[4..];
                        let b = &b[..b.len().saturating_sub(pad)];
                        self.begin_block(s, h, Some(promised), b, at, out);
                    }
                    kind::CONTINUATION => {
                        let blk = &mut self.blocks[s];
                        if !blk.active || blk.stream != h.stream {
                            return;
                        }
                        if blk.bytes.len() + bytes.len() > MAX_BLOCK {
                            blk.dropped = true;
                            blk.bytes = Vec::new();
                        } else if !blk.dropped {
                            blk.bytes.extend_from_slice(bytes);
                        }
                        if h.flags & flag::END_HEADERS != 0 {
                            self.end_block(s, at, out);
                        }
                    }
                    kind::RST_STREAM => {
                        let Some(code) = bytes.get(..4) else { return };
                        let code = u32::from_be_bytes([code[0], code[1], code[2], code[3]]);
                        if let Some(mut st) = self.streams.remove(&h.stream) {
                            self.close(h.stream);
                            if let Some(h2) = &mut st.http.http2 {
                                h2.reset = Some(code);
                            }
                            // A reset with NO_ERROR after a whole response is how a server
                            // stops a request body it does not need (RFC 9113 §8.1): the
                            // transaction is whole.
                            if code == 0 && st.halves[1].done {
                                st.halves[0].done = true;
                            }
                            emit(st, out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn data(
        &mut self,
        s: usize,
        h: Header,
        bytes: &[u8],
        last: bool,
        at: At,
        out: &mut Vec<Transaction>,
    ) {
        if !self.open(h.stream) {
            return;
        }
        let d = &mut self.data[s];
        let start = d.pos;
        d.pos += bytes.len();
        let padded = h.flags & flag::PADDED != 0;
        if padded && d.pad.is_none() && start == 0 && !bytes.is_empty() {
            d.pad = Some(bytes[0] as usize);
        }
        // The body: after the pad length byte, before the padding.
        let body_start = usize::from(padded);
        let body_end = (h.len as usize).saturating_sub(d.pad.unwrap_or(0));
        let lo = body_start.max(start).min(start + bytes.len());
        let hi = body_end.min(start + bytes.len()).max(lo);
        let body = &bytes[lo - start..hi - start];
        let st = self.stream(h.stream, out);
        if s == 0 {
            st.http.request_body += body.len() as u64;
        } else {
            st.http.response_body += body.len() as u64;
        }
        if st.http.grpc.is_some() {
            st.messages[s].feed(body);
        }
        if last {
            st.halves[s].last = Some(at);
            if h.flags & flag::END_STREAM != 0 {
                st.halves[s].done = true;
                self.maybe_report(h.stream, out);
            }
        }
    }

    fn begin_block(
        &mut self,
        s: usize,
        h: Header,
        promised: Option<u32>,
        fragment: &[u8],
        at: At,
        out: &mut Vec<Transaction>,
    ) {
        let blk = &mut self.blocks[s];
        *blk = Block {
            stream: h.stream,
            end_stream: h.flags & flag::END_STREAM != 0,
            promised,
            bytes: std::mem::take(&mut blk.bytes),
            active: true,
            dropped: false,
        };
        blk.bytes.clear();
        if fragment.len() > MAX_BLOCK {
            blk.dropped = true;
        } else {
            blk.bytes.extend_from_slice(fragment);
        }
        if h.flags & flag::END_HEADERS != 0 {
            self.end_block(s, at, out);
        }
    }

    /// A whole header block: decoded, and given to its stream.
    fn end_block(&mut self, s: usize, at: At, out: &mut Vec<Transaction>) {
        let blk = std::mem::take(&mut self.blocks[s]);
        let Block {
            stream,
            end_stream,
            promised,
            bytes,
            dropped,
            ..
        } = blk;
        let mut fields: Vec<(String, String)> = Vec::new();
        if dropped {
            self.hpack_errors += 1;
        } else {
            let r = self.decoders[s].decode(&bytes, &mut |f| {
                fields.push((lossy(f.name), lossy(f.value)));
            });
            if r.is_err() {
                self.hpack_errors += 1;
            }
        }
        // Keep the block's buffer for the next one.
        self.blocks[s].bytes = bytes;
        self.blocks[s].bytes.clear();
        if !self.open(stream) {
            return;
        }
        if let Some(id) = promised {
            // A pushed stream: the promise is its request (RFC 9113 §8.4).
            let st = self.stream(id, out);
            st.pushed = true;
            st.halves[0] = Half {
                first: Some(at),
                last: Some(at),
                bytes: 0,
                done: true,
                headers: true,
            };
            request_headers(&mut st.http, &fields);
            return;
        }
        let st = self.stream(stream, out);
        st.halves[s].last = Some(at);
        let trailers = st.halves[s].headers;
        if s == 0 {
            if !trailers {
                request_headers(&mut st.http, &fields);
            }
        } else {
            response_headers(&mut st.http, &fields, trailers);
        }
        let status = st.http.status;
        // An interim (1xx) response is not the response's first header block.
        if s == 1 && !trailers && status.is_some_and(|c| (100..200).contains(&c)) {
            if let Some(c) = st.http.status.take() {
                st.http.interim.push(Interim {
                    code: c,
                    packet: at.packet,
                    head: Default::default(),
                });
            }
        } else {
            st.halves[s].headers = true;
        }
        if end_stream {
            st.halves[s].done = true;
            self.maybe_report(stream, out);
        }
    }

    fn maybe_report(&mut self, id: u32, out: &mut Vec<Transaction>) {
        let done = self
            .streams
            .get(&id)
            .is_some_and(|st| st.halves[0].done && st.halves[1].done);
        if done {
            if let Some(st) = self.streams.remove(&id) {
                self.close(id);
                emit(st, out);
            }
        }
    }
}

/// Reports a stream's transaction.
fn emit(mut st: Stream, out: &mut Vec<Transaction>) {
    if let Some(g) = &mut st.http.grpc {
        g.request_messages = st.messages[0].count;
        g.response_messages = st.messages[1].count;
    }
    if !(st.halves[0].done && st.halves[1].done) {
        st.http.incomplete = true;
    }
    report(
        out,
        st.halves[0].span(),
        st.halves[1].span(),
        Detail::Http(Box::new(st.http.into())),
    );
}

/// Keeps a header line as the HTTP/1 parser keeps them (`name: value\r\n`).
fn keep(lines: &mut Vec<Arc<str>>, name: &str, value: &str) {
    if lines.len() < MAX_KEPT_LINES {
        let mut l = format!("{name}: {value}\r\n");
        if l.len() > MAX_KEPT_LINE {
            let mut end = MAX_KEPT_LINE;
            while !l.is_char_boundary(end) {
                end -= 1;
            }
            l.truncate(end);
        }
        lines.push(l.into());
    }
}

fn request_headers(h: &mut Parts, fields: &[(String, String)]) {
    let mut kept = h.request_headers().to_vec();
    let mut grpc = None;
    let r = Arc::make_mut(&mut h.request_head);
    for (n, v) in fields {
        match n.as_str() {
            ":method" => r.method = v.as_str().into(),
            ":path" => r.uri = v.as_str().into(),
            ":authority" => r.host = Some(v.as_str().into()),
            ":scheme" => {
                if let Some(h2) = &mut h.http2 {
                    h2.scheme = Some(v.clone());
                }
            }
            "user-agent" => r.user_agent = Some(v.as_str().into()),
            "content-type" => {
                r.content_type = Some(v.as_str().into());
                if v.starts_with("application/grpc") {
                    // `:path` is `/package.Service/Method`.
                    let path = r.uri.trim_start_matches('/');
                    let (service, method) = path.split_once('/').unwrap_or((path, ""));
                    grpc = Some(Box::new(Grpc {
                        service: service.to_owned(),
                        method: method.to_owned(),
                        ..Grpc::default()
                    }));
                }
            }
            "host" if r.host.is_none() => r.host = Some(v.as_str().into()),
            _ => {}
        }
        if !n.starts_with(':') {
            keep(&mut kept, n, v);
        }
    }
    r.headers = kept.into();
    if grpc.is_some() {
        h.grpc = grpc;
    }
    // `content-type` may come before `:path` in a malformed block: name the call now.
    if let Some(g) = &mut h.grpc {
        if g.service.is_empty() {
            let path = h.request_head.uri.trim_start_matches('/');
            let (service, method) = path.split_once('/').unwrap_or((path, ""));
            g.service = service.to_owned();
            g.method = method.to_owned();
        }
    }
}

fn response_headers(h: &mut Parts, fields: &[(String, String)], trailers: bool) {
    let mut kept = h.response_headers().to_vec();
    for (n, v) in fields {
        match n.as_str() {
            ":status" if !trailers => h.status = v.parse().ok(),
            "content-type" if !trailers => {
                h.response_head_mut().content_type = Some(v.as_str().into())
            }
            "grpc-status" => {
                if let Some(g) = &mut h.grpc {
                    g.status = v.trim().parse().ok();
                }
            }
            "grpc-message" => {
                if let Some(g) = &mut h.grpc {
                    g.message = Some(percent_decode(v));
                }
            }
            _ => {}
        }
        if !n.starts_with(':') && !trailers {
            keep(&mut kept, n, v);
        }
    }
    h.response_head_mut().headers = kept.into();
}

/// `grpc-message` is percent-encoded (gRPC's PROTOCOL-HTTP2.md).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        let s = side(from_client);
        if self.stopped[s] {
            return;
        }
        let mut reader = std::mem::replace(&mut self.readers[s], Reader::new(false, 0));
        reader.feed(bytes, &mut |p| {
            // Each frame where its last byte came, as Wireshark shows it.
            match p {
                Piece::Preface => {
                    self.pdus
                        .push(Pdu::new(PduKind::Http2Magic, at.packet, from_client))
                }
                Piece::Payload { last: true, .. } => {
                    let h = self.current[s];
                    let mut pdu = Pdu::new(PduKind::Http2Frame, at.packet, from_client);
                    (pdu.code, pdu.flags, pdu.stream, pdu.len) = (h.kind, h.flags, h.stream, h.len);
                    self.pdus.push(pdu);
                }
                _ => {}
            }
            self.piece(s, p, at, out)
        });
        self.readers[s] = reader;
    }

    fn gap(&mut self, from_client: bool, _len: u64, _at: At, _out: &mut Vec<Transaction>) {
        // Frames can no longer be found on this side, nor its header table followed.
        let s = side(from_client);
        self.stopped[s] = true;
        self.blocks[s] = Block::default();
        for st in self.streams.values_mut() {
            st.http.incomplete = true;
        }
    }

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
        for (_, st) in std::mem::take(&mut self.streams) {
            emit(st, out);
        }
    }

    fn take_pdus(&mut self, out: &mut Vec<Pdu>) {
        out.append(&mut self.pdus);
    }
}

#[cfg(test)]
mod test {
    use super::super::testkit;
    use super::*;
    use crate::capture::app::http::Http;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
        f.push(kind);
        f.push(flags);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    /// A header block of literal fields without indexing, new names.
    fn block(fields: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        for (n, v) in fields {
            b.push(0);
            b.push(n.len() as u8);
            b.extend_from_slice(n.as_bytes());
            b.push(v.len() as u8);
            b.extend_from_slice(v.as_bytes());
        }
        b
    }

    fn make() -> Box<dyn StreamParser> {
        Box::new(Parser::new())
    }

    fn http(t: &Transaction) -> &Http {
        match &t.detail {
            Detail::Http(h) => h,
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn interleaved_streams_grpc_and_a_reset() {
        let mut client = frame::PREFACE.to_vec();
        client.extend(frame(kind::SETTINGS, 0, 0, &[]));
        let req = |path: &str| {
            block(&[
                (":method", "POST"),
                (":path", path),
                (":authority", "svc:50051"),
                ("content-type", "application/grpc"),
            ])
        };
        client.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS,
            1,
            &req("/pkg.Svc/Get"),
        ));
        client.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS,
            3,
            &req("/pkg.Svc/List"),
        ));
        // One message on stream 1, split over two DATA frames (one padded).
        client.extend(frame(kind::DATA, 0, 1, &[0, 0, 0, 0, 3, b'a']));
        client.extend(frame(
            kind::DATA,
            flag::END_STREAM | flag::PADDED,
            1,
            &[2, b'b', b'c', 0, 0],
        ));
        client.extend(frame(kind::DATA, flag::END_STREAM, 3, &[0, 0, 0, 0, 0]));
        let mut server = frame(kind::SETTINGS, 0, 0, &[]);
        let resp = block(&[(":status", "200"), ("content-type", "application/grpc")]);
        server.extend(frame(kind::HEADERS, flag::END_HEADERS, 3, &resp));
        server.extend(frame(
            kind::DATA,
            0,
            3,
            &[0, 0, 0, 0, 1, b'x', 0, 0, 0, 0, 1, b'y'],
        ));
        server.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            3,
            &block(&[("grpc-status", "0")]),
        ));
        // Stream 1: Trailers-Only, NOT_FOUND with a percent-encoded message.
        server.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            1,
            &block(&[
                (":status", "200"),
                ("content-type", "application/grpc"),
                ("grpc-status", "5"),
                ("grpc-message", "no%20such%20item"),
            ]),
        ));
        // Stream 5 is reset by the server.
        client.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            5,
            &req("/pkg.Svc/Slow"),
        ));
        server.extend(frame(kind::RST_STREAM, 0, 5, &8u32.to_be_bytes()));
        let t = testkit::run(&make, &[(true, &client), (false, &server)]);
        assert_eq!(t.len(), 3);
        let by_stream = |id: u32| {
            t.iter()
                .map(http)
                .find(|h| h.http2().unwrap().stream_id == id)
                .unwrap()
        };
        let s1 = by_stream(1);
        assert_eq!((s1.method(), s1.uri()), ("POST", "/pkg.Svc/Get"));
        let g = s1.grpc().unwrap();
        assert_eq!(
            (
                g.service.as_str(),
                g.method.as_str(),
                g.status,
                g.message.as_deref()
            ),
            ("pkg.Svc", "Get", Some(5), Some("no such item"))
        );
        assert_eq!((g.request_messages, s1.request_body()), (1, 8));
        assert!(s1.is_error());
        let s3 = by_stream(3);
        let g = s3.grpc().unwrap();
        assert_eq!(
            (g.status, g.response_messages, s3.status()),
            (Some(0), 2, Some(200))
        );
        assert!(!s3.is_error() && !s3.incomplete());
        let s5 = by_stream(5);
        assert_eq!(s5.http2().unwrap().reset, Some(8));
        assert!(s5.incomplete());
    }

    #[test]
    fn each_frame_is_kept_as_a_pdu_at_the_packet_that_completed_it() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        let at = |packet| At { packet, ts_ns: 0 };
        let mut client = frame::PREFACE.to_vec();
        client.extend(frame(kind::SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]));
        let data = frame(kind::DATA, flag::END_STREAM, 1, b"abcdef");
        // The DATA frame's header and first bytes in packet 1, the rest in packet 2.
        client.extend_from_slice(&data[..11]);
        StreamParser::data(&mut p, true, &client, at(1), &mut out);
        StreamParser::data(&mut p, true, &data[11..], at(2), &mut out);
        let mut pdus = Vec::new();
        p.take_pdus(&mut pdus);
        let seen: Vec<(u64, PduKind, u8, u32, u32, u8)> = pdus
            .iter()
            .map(|d| (d.packet, d.kind, d.code, d.stream, d.len, d.flags))
            .collect();
        assert_eq!(
            seen,
            [
                (1, PduKind::Http2Magic, 0, 0, 0, 0),
                (1, PduKind::Http2Frame, kind::SETTINGS, 0, 6, 0),
                (2, PduKind::Http2Frame, kind::DATA, 1, 6, flag::END_STREAM),
            ]
        );
    }

    #[test]
    fn hostile_bytes_do_not_panic() {
        const MESSAGES: &[&[u8]] = &[
            frame::PREFACE,
            b"\x00\x00\x00\x04\x00\x00\x00\x00\x00",
            b"\x00\x00\x05\x01\x05\x00\x00\x00\x01\x82\x86\x84\xbe\x41",
            b"\x00\x00\x02\x00\x01\x00\x00\x00\x01ab",
            b"\x00\x00\x04\x03\x00\x00\x00\x00\x01\x00\x00\x00\x08",
            b"\x00\x00\x03\x09\x04\x00\x00\x00\x01\x40\x81\xff",
        ];
        testkit::never_panics(
            &make,
            b"\x00\x01\x04\x09\x80\xff",
            testkit::one_of(MESSAGES),
        );
    }
}
