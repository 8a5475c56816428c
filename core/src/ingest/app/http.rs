//! HTTP/1.x (RFC 9112): requests and responses of one connection paired into
//! transactions.
//!
//! - Message framing follows RFC 9112 §6.3: no body for HEAD responses, 1xx, 204 and
//!   304; a chunked transfer coding (with trailers); else Content-Length; else a response
//!   runs until the connection closes and a request has no body.
//! - Requests queue up (pipelining) and responses pair with them in order; 1xx interim
//!   responses are noted on the transaction that is waiting for its final response.
//!   CONNECT (2xx) and 101 Switching Protocols end HTTP on the connection.
//! - A gap inside a body of known length only makes the message incomplete; anywhere else
//!   the side resynchronises at the next line that starts a request (`GET `, …) or a
//!   response (`HTTP/1.`).
//! - Header sections are held until complete, up to [`MAX_HEAD`] bytes; bodies are never
//!   held.

use super::sniff::{starts, HTTP_METHODS};
use super::{report, text, StreamParser};
use crate::capture::app::http::{
    response_has_no_body, HeaderLines, Interim, Parts, RequestHead, ResponseHead,
};
use crate::capture::app::{At, Detail, Span, Transaction};
use std::collections::VecDeque;
use std::sync::Arc;

/// The longest header section (start line and headers) we hold before giving up on it.
pub const MAX_HEAD: usize = 64 << 10;
/// The longest chunk-size line.
const MAX_CHUNK_LINE: usize = 1024;
/// Requests waiting for responses; beyond this the oldest is reported without one.
pub const MAX_PENDING: usize = 1024;
/// Bytes of a line looked at when resynchronising.
const RESYNC_PEEK: usize = 16;
/// Header lines kept per message for the field values (`http.request.line`, …).
pub const MAX_KEPT_LINES: usize = 64;
/// Bytes kept of each such line (the rest is cut). Long list headers
/// (`Accept-Charset`, `Cookie`) pass 1 KiB in real traffic; the whole section is bounded
/// by [`MAX_HEAD`] anyway.
pub const MAX_KEPT_LINE: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    /// Between messages: a start line is expected.
    Idle,
    /// Collecting the start line and headers.
    Head,
    /// Content-Length body: bytes still to come.
    Body(u64),
    /// Collecting a chunk-size line.
    ChunkSize,
    /// Chunk data still to come.
    ChunkData(u64),
    /// The CRLF after chunk data: bytes of it still to come.
    ChunkEnd(u8),
    /// Collecting the trailer section after the last chunk.
    Trailers,
    /// A response body delimited by the end of the connection.
    UntilClose,
    /// After a gap or garbage: looking for the next start line.
    Resync,
    /// No longer HTTP (CONNECT, Upgrade).
    Tunnel,
}

/// One direction's framing state.
struct Side {
    st: St,
    /// Header section, chunk-size line or trailers being collected; when resynchronising,
    /// the start of the current line.
    buf: Vec<u8>,
    /// Where to resume looking for the end of the header section in `buf`.
    scan: usize,
    /// Resynchronising: we are at the start of a line.
    line_start: bool,
    /// Bytes were skipped since the last message (a gap, or garbage).
    resynced: bool,
    /// Current message: first byte, bytes so far, body bytes so far.
    first: Option<At>,
    bytes: u64,
    body: u64,
    last: At,
    incomplete: bool,
    /// The message is not whole (as `incomplete`), or it ran to a close the capture
    /// ended before: packet-http.c never dissects it.
    cut: bool,
}

impl Side {
    fn new() -> Self {
        Side {
            st: St::Idle,
            buf: Vec::new(),
            scan: 0,
            line_start: true,
            resynced: false,
            first: None,
            bytes: 0,
            body: 0,
            last: At::default(),
            incomplete: false,
            cut: false,
        }
    }

    fn reset(&mut self) {
        self.st = St::Idle;
        self.buf.clear();
        self.scan = 0;
        self.first = None;
        self.bytes = 0;
        self.body = 0;
        self.incomplete = false;
        self.cut = false;
    }

    fn span(&self) -> Span {
        Span {
            first: self.first.unwrap_or(self.last),
            last: self.last,
            bytes: self.bytes,
        }
    }

    fn resync(&mut self) {
        self.reset();
        self.resynced = true;
        self.st = St::Resync;
        self.line_start = true;
    }
}

/// A request waiting for (or receiving) its response.
struct Pending {
    http: Parts,
    request: Option<Span>,
    request_done: bool,
    response_first: Option<At>,
    response_bytes: u64,
}

impl Pending {
    fn is_head(&self) -> bool {
        self.http.method() == "HEAD"
    }
}

/// The HTTP/1.x parser of one connection.
pub struct Parser {
    req: Side,
    resp: Side,
    /// Requests whose response is not complete, oldest first.
    queue: VecDeque<Pending>,
    /// The last request's and response's heads: on a kept-alive connection the next
    /// ones mostly say the same, so their texts are shared rather than made again.
    last_request: Arc<RequestHead>,
    last_response: Arc<ResponseHead>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

/// What a header section says.
struct Head<'a> {
    /// Request: method, target, version. Response: version, code, reason.
    start: [&'a [u8]; 3],
    content_length: Option<u64>,
    /// Transfer-Encoding present: is its last coding `chunked`?
    transfer_encoding: Option<bool>,
    host: Option<&'a [u8]>,
    user_agent: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
}

/// Is `line` (the first bytes of a line) the start of a request or response? Some(true)
/// yes, Some(false) maybe (a prefix), None no.
fn start_verdict(request: bool, line: &[u8]) -> Option<bool> {
    let candidates: &[&[u8]] = if request {
        &HTTP_METHODS
    } else {
        &[b"HTTP/1."]
    };
    let mut maybe = false;
    for c in candidates {
        match starts(line, c) {
            Some(true) => return Some(true),
            Some(false) => maybe = true,
            None => {}
        }
    }
    maybe.then_some(false)
}

/// The end (index after the empty line) of a header section, searching from `from`.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(p) = memchr::memchr(b'\n', &buf[i..]) {
        let nl = i + p;
        match buf.get(nl + 1) {
            Some(b'\n') => return Some(nl + 2),
            Some(b'\r') if buf.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
            _ => {}
        }
        i = nl + 1;
    }
    None
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// The bytes of the header lines kept of a header section (after its start line, before
/// the empty line), each with its line ending, bounded by [`MAX_KEPT_LINES`] and
/// [`MAX_KEPT_LINE`].
fn head_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    // `split_inclusive` on `\n`, found with memchr.
    let mut rest = head;
    let mut lines = std::iter::from_fn(move || {
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(end);
        rest = after;
        (!line.is_empty()).then_some(line)
    });
    lines.next();
    lines
        .take_while(|l| !matches!(*l, b"\r\n" | b"\n"))
        .take(MAX_KEPT_LINES)
        .map(|l| &l[..l.len().min(MAX_KEPT_LINE)])
}

/// The header lines of a header section ([`head_lines`]) as text, sharing those equal to
/// the line at the same place in `prev` (all of `prev` when every line is).
fn kept_lines(head: &[u8], prev: &HeaderLines) -> HeaderLines {
    let mut n = 0;
    let same = head_lines(head).all(|l| {
        n += 1;
        prev.get(n - 1).is_some_and(|p| p.as_bytes() == l)
    });
    if same && n == prev.len() {
        return prev.clone();
    }
    head_lines(head)
        .enumerate()
        .map(|(i, l)| match prev.get(i) {
            Some(p) if p.as_bytes() == l => p.clone(),
            _ => text(l),
        })
        .collect()
}

/// `b` as text ([`text`]), shared with `prev` when it says the same.
fn text_like(prev: &Arc<str>, b: &[u8]) -> Arc<str> {
    // Equal bytes are valid UTF-8, so `text` would give the same.
    if prev.as_bytes() == b {
        prev.clone()
    } else {
        text(b)
    }
}

/// [`text_like`] for a header that may be absent.
fn text_like_opt(prev: &Option<Arc<str>>, b: Option<&[u8]>) -> Option<Arc<str>> {
    b.map(|b| match prev {
        Some(p) => text_like(p, b),
        None => text(b),
    })
}

/// Whether two optional texts are the same allocation.
fn same_opt(a: &Option<Arc<str>>, b: &Option<Arc<str>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The value of a kept header line (see [`crate::capture::app::http::Http::request_headers`]) when its name is
/// `name` (case-insensitive): after the colon, without the surrounding blanks and the
/// line ending.
pub fn header_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let (n, v) = line.split_once(':')?;
    n.eq_ignore_ascii_case(name)
        .then(|| v.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
}

/// Parses a header section (start line, header fields) ending with its empty line.
fn parse_head(request: bool, head: &[u8]) -> Option<Head<'_>> {
    // `split` on `\n`, found with memchr.
    let mut rest = Some(head);
    let mut lines = std::iter::from_fn(move || {
        let r = rest?;
        Some(match memchr::memchr(b'\n', r) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                &r[..i]
            }
            None => {
                rest = None;
                r
            }
        })
    })
    .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let start = lines.next()?;
    let mut parts = start.splitn(3, |&b| b == b' ');
    let (a, b, c) = (
        parts.next()?,
        parts.next().unwrap_or(b""),
        parts.next().unwrap_or(b""),
    );
    if request {
        // method SP request-target SP HTTP-version (RFC 9112 §3), with a method we know:
        // the same test that finds a request after a gap.
        if start_verdict(true, start) != Some(true) || b.is_empty() || !c.starts_with(b"HTTP/") {
            return None;
        }
    } else {
        // HTTP-version SP status-code SP [reason-phrase] (RFC 9112 §4)
        if start_verdict(false, start) != Some(true)
            || b.len() != 3
            || !b.iter().all(u8::is_ascii_digit)
        {
            return None;
        }
    }
    let mut h = Head {
        start: [a, b, c],
        content_length: None,
        transfer_encoding: None,
        host: None,
        user_agent: None,
        content_type: None,
    };
    for line in lines {
        if line.is_empty() {
            break;
        }
        // obs-fold continuation lines are skipped: they only extend a value.
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"content-length") {
            if h.content_length.is_none() {
                // A list of equal values is allowed (RFC 9110 §8.6); take the first.
                let first = value.split(|&b| b == b',').next().map(trim).unwrap_or(b"");
                h.content_length = std::str::from_utf8(first).ok().and_then(|s| s.parse().ok());
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = value.rsplit(|&b| b == b',').next().map(trim).unwrap_or(b"");
            h.transfer_encoding = Some(last.eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"host") {
            h.host.get_or_insert(value);
        } else if name.eq_ignore_ascii_case(b"user-agent") {
            h.user_agent.get_or_insert(value);
        } else if name.eq_ignore_ascii_case(b"content-type") {
            h.content_type.get_or_insert(value);
        }
    }
    Some(h)
}

/// Parses a chunk-size line (RFC 9112 §7.1: hex size, optional extensions).
fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let line = trim(line.strip_suffix(b"\n").unwrap_or(line));
    let hex = line.split(|&b| b == b';').next().map(trim)?;
    if hex.is_empty() || hex.len() > 15 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

impl Parser {
    /// A parser at the start of a connection (or joined mid-flight: it resynchronises).
    pub fn new() -> Self {
        Parser {
            req: Side::new(),
            resp: Side::new(),
            queue: VecDeque::new(),
            last_request: Arc::default(),
            last_response: Arc::default(),
        }
    }

    /// Bytes held (header sections, chunk lines, resynchronisation peeks) and requests
    /// waiting for responses: bounded by [`MAX_HEAD`] per side and 1024 requests.
    pub fn buffered(&self) -> (usize, usize) {
        (self.req.buf.len() + self.resp.buf.len(), self.queue.len())
    }

    fn side(&mut self, client: bool) -> &mut Side {
        if client {
            &mut self.req
        } else {
            &mut self.resp
        }
    }

    /// Runs one side's state machine over `data`.
    fn run(&mut self, client: bool, mut data: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !data.is_empty() {
            let side = self.side(client);
            side.last = at;
            match side.st {
                St::Idle => {
                    // Empty lines before a start line are allowed (RFC 9112 §2.2).
                    let skip = data
                        .iter()
                        .position(|b| !matches!(b, b'\r' | b'\n'))
                        .unwrap_or(data.len());
                    data = &data[skip..];
                    if data.is_empty() {
                        break;
                    }
                    side.first = Some(at);
                    side.st = St::Head;
                }
                St::Head => {
                    let consumed = self.head(client, data, at, out);
                    data = &data[consumed..];
                }
                St::Body(rem) => {
                    let n = rem.min(data.len() as u64);
                    side.body += n;
                    side.bytes += n;
                    data = &data[n as usize..];
                    if n == rem {
                        self.done(client, at, out);
                    } else {
                        side.st = St::Body(rem - n);
                    }
                }
                St::ChunkData(rem) => {
                    let n = rem.min(data.len() as u64);
                    side.body += n;
                    side.bytes += n;
                    data = &data[n as usize..];
                    side.st = if n == rem {
                        St::ChunkEnd(2)
                    } else {
                        St::ChunkData(rem - n)
                    };
                }
                St::ChunkEnd(left) => {
                    // CRLF after chunk data; a bare LF is tolerated.
                    let b = data[0];
                    if b == b'\r' && left == 2 || b == b'\n' {
                        side.bytes += 1;
                        data = &data[1..];
                        side.st = if b == b'\n' {
                            St::ChunkSize
                        } else {
                            St::ChunkEnd(1)
                        };
                    } else {
                        side.st = St::ChunkSize;
                    }
                }
                St::ChunkSize | St::Trailers => {
                    let consumed = self.line_state(client, data, at, out);
                    data = &data[consumed..];
                }
                St::UntilClose => {
                    side.body += data.len() as u64;
                    side.bytes += data.len() as u64;
                    data = &[];
                }
                St::Resync => {
                    let consumed = self.resync(client, data, at, out);
                    data = &data[consumed..];
                }
                St::Tunnel => data = &[],
            }
        }
    }

    /// Collects a header section; returns the bytes of `data` consumed.
    fn head(&mut self, client: bool, data: &[u8], at: At, out: &mut Vec<Transaction>) -> usize {
        let side = self.side(client);
        // The common case: the whole section in one piece, parsed where it lies.
        if side.buf.is_empty() {
            if let Some(end) = head_end(data, 0) {
                let Some(h) = parse_head(client, &data[..end]) else {
                    // Not a start line: look for one from the next line on.
                    side.resync();
                    side.line_start = false;
                    return 0;
                };
                side.bytes += end as u64;
                self.head_parsed(client, h, &data[..end], at, out);
                return end;
            }
        }
        let from = side.buf.len().saturating_sub(2).max(side.scan);
        let room = MAX_HEAD.saturating_sub(side.buf.len());
        let take = data.len().min(room);
        let old = side.buf.len();
        side.buf.extend_from_slice(&data[..take]);
        if let Some(end) = head_end(&side.buf, from) {
            if parse_head(client, &side.buf[..end]).is_none() {
                // The first line, begun in earlier bytes, is no start line: rescan these.
                side.resync();
                side.line_start = false;
                return 0;
            }
            let consumed = end - old;
            side.bytes += end as u64;
            let buf = std::mem::take(&mut side.buf);
            self.parsed_head(client, &buf[..end], at, out);
            let side = self.side(client);
            if side.buf.capacity() == 0 {
                side.buf = buf;
                side.buf.clear();
            }
            return consumed;
        }
        side.scan = side.buf.len().saturating_sub(2);
        // A first line that cannot start a message, or a section too long: resynchronise.
        let first_line_bad = match memchr::memchr(b'\n', &side.buf) {
            Some(nl) => parse_head(client, &side.buf[..=nl]).is_none(),
            None => start_verdict(client, &side.buf[..side.buf.len().min(RESYNC_PEEK)]).is_none(),
        };
        if first_line_bad || side.buf.len() >= MAX_HEAD {
            // Rescan this piece from its start, skipping to the next line.
            side.resync();
            side.line_start = false;
            return 0;
        }
        take
    }

    /// Acts on a complete header section.
    fn parsed_head(&mut self, client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        let Some(h) = parse_head(client, bytes) else {
            self.side(client).resync();
            return;
        };
        self.head_parsed(client, h, bytes, at, out);
    }

    /// Acts on a complete header section `bytes`, parsed as `h`.
    fn head_parsed(
        &mut self,
        client: bool,
        h: Head<'_>,
        bytes: &[u8],
        at: At,
        out: &mut Vec<Transaction>,
    ) {
        if client {
            let chunked = h.transfer_encoding == Some(true);
            let prev = &self.last_request;
            let head = RequestHead {
                method: text_like(&prev.method, h.start[0]),
                uri: text_like(&prev.uri, h.start[1]),
                version: text_like(&prev.version, h.start[2]),
                host: text_like_opt(&prev.host, h.host),
                user_agent: text_like_opt(&prev.user_agent, h.user_agent),
                content_type: text_like_opt(&prev.content_type, h.content_type),
                headers: kept_lines(bytes, &prev.headers),
            };
            let same = Arc::ptr_eq(&head.method, &prev.method)
                && Arc::ptr_eq(&head.uri, &prev.uri)
                && Arc::ptr_eq(&head.version, &prev.version)
                && same_opt(&head.host, &prev.host)
                && same_opt(&head.user_agent, &prev.user_agent)
                && same_opt(&head.content_type, &prev.content_type)
                && Arc::ptr_eq(&head.headers, &prev.headers);
            if !same {
                self.last_request = Arc::new(head);
            }
            let mut http = Parts {
                request_head: self.last_request.clone(),
                ..Parts::default()
            };
            http.incomplete = self.req.incomplete;
            http.request_cut = self.req.incomplete;
            let span = self.req.span();
            if self.queue.len() >= MAX_PENDING {
                if let Some(p) = self.queue.pop_front() {
                    emit(p, None, out);
                }
            }
            self.queue.push_back(Pending {
                http,
                request: Some(span),
                request_done: false,
                response_first: None,
                response_bytes: 0,
            });
            let side = &mut self.req;
            side.st = if chunked {
                St::ChunkSize
            } else {
                match h.content_length {
                    Some(n) if n > 0 => St::Body(n),
                    _ => {
                        self.done(true, at, out);
                        return;
                    }
                }
            };
        } else {
            let code: u16 = std::str::from_utf8(h.start[1])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if std::mem::take(&mut self.resp.resynced) && self.queue.len() > 1 {
                // Responses were lost with the bytes skipped: as Wireshark does, pair this
                // one with the newest request; the older ones got theirs in the gap.
                while self.queue.len() > 1 {
                    if let Some(mut p) = self.queue.pop_front() {
                        p.http.incomplete = true;
                        emit(p, None, out);
                    }
                }
            }
            if self.queue.is_empty() {
                // A response to a request we did not capture.
                let http = Parts {
                    request_head: Arc::new(RequestHead {
                        version: text(h.start[0]),
                        ..RequestHead::default()
                    }),
                    ..Parts::default()
                };
                self.queue.push_front(Pending {
                    http,
                    request: None,
                    request_done: true,
                    response_first: None,
                    response_bytes: 0,
                });
            }
            let side_first = self.resp.first;
            let prev = &self.last_response;
            let r = ResponseHead {
                reason: text_like_opt(&prev.reason, Some(h.start[2])),
                content_type: text_like_opt(&prev.content_type, h.content_type),
                headers: kept_lines(bytes, &prev.headers),
            };
            let same = same_opt(&r.reason, &prev.reason)
                && same_opt(&r.content_type, &prev.content_type)
                && Arc::ptr_eq(&r.headers, &prev.headers);
            if !same {
                self.last_response = Arc::new(r);
            }
            let p = self.queue.front_mut().expect("just ensured");
            p.response_first.get_or_insert(side_first.unwrap_or(at));
            if (100..200).contains(&code) && code != 101 {
                // An interim response: the final one is still to come (RFC 9110 §15.2).
                p.http.interim.push(Interim {
                    code,
                    packet: at.packet,
                    head: self.last_response.clone(),
                });
                p.response_bytes += self.resp.bytes;
                self.resp.reset();
                return;
            }
            let head = p.is_head();
            let connect = p.http.method() == "CONNECT";
            p.http.status = Some(code);
            p.http.response_head = self.last_response.clone();
            if p.http.version().is_empty() {
                p.http.request_head_mut().version = text(h.start[0]);
            }
            let chunked = h.transfer_encoding == Some(true);
            p.http.chunked = chunked && !head;
            let side = &mut self.resp;
            if code == 101 || connect && (200..300).contains(&code) {
                // The connection carries something else from here on (RFC 9110 §9.3.6, §15.2.2).
                self.done(false, at, out);
                self.req.st = St::Tunnel;
                self.resp.st = St::Tunnel;
                return;
            }
            side.st = if response_has_no_body(head, code) {
                self.done(false, at, out);
                return;
            } else if chunked {
                St::ChunkSize
            } else if h.transfer_encoding == Some(false) {
                St::UntilClose
            } else {
                match h.content_length {
                    Some(0) => {
                        self.done(false, at, out);
                        return;
                    }
                    Some(n) => St::Body(n),
                    None => St::UntilClose,
                }
            };
        }
    }

    /// Collects a chunk-size line or the trailer section; returns the bytes consumed.
    fn line_state(
        &mut self,
        client: bool,
        data: &[u8],
        at: At,
        out: &mut Vec<Transaction>,
    ) -> usize {
        let side = self.side(client);
        let nl = memchr::memchr(b'\n', data);
        let take = nl.map_or(data.len(), |p| p + 1);
        let limit = if side.st == St::ChunkSize {
            MAX_CHUNK_LINE
        } else {
            MAX_HEAD
        };
        if side.buf.len() + take > limit {
            side.incomplete = true;
            self.lost_sync(client, at, out);
            return take;
        }
        side.buf.extend_from_slice(&data[..take]);
        side.bytes += take as u64;
        if nl.is_none() {
            return take;
        }
        match side.st {
            St::ChunkSize => {
                let line = std::mem::take(&mut side.buf);
                match parse_chunk_size(&line) {
                    Some(0) => {
                        side.st = St::Trailers;
                        side.buf = line;
                        side.buf.clear();
                    }
                    Some(n) => {
                        side.st = St::ChunkData(n);
                        side.buf = line;
                        side.buf.clear();
                    }
                    // An empty line here is a stray CRLF: keep looking for the size.
                    None if trim(&line).is_empty() || line == b"\r\n" => {
                        side.buf = line;
                        side.buf.clear();
                    }
                    None => {
                        side.incomplete = true;
                        self.lost_sync(client, at, out);
                    }
                }
            }
            _ => {
                // Trailers end with an empty line (RFC 9112 §7.1.2).
                let line_start = side.buf[..side.buf.len() - 1]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                let line = &side.buf[line_start..];
                if line == b"\r\n" || line == b"\n" {
                    side.buf.clear();
                    self.done(client, at, out);
                }
            }
        }
        take
    }

    /// Looks for the next start line after a gap or garbage; returns the bytes consumed.
    fn resync(&mut self, client: bool, data: &[u8], at: At, out: &mut Vec<Transaction>) -> usize {
        let mut i = 0;
        while i < data.len() {
            let side = self.side(client);
            if side.line_start {
                let want = RESYNC_PEEK - side.buf.len();
                let rest = &data[i..];
                let take = rest
                    .iter()
                    .take(want)
                    .position(|&b| b == b'\n')
                    .map_or(want.min(rest.len()), |p| p + 1);
                side.buf.extend_from_slice(&rest[..take]);
                i += take;
                match start_verdict(client, &side.buf) {
                    Some(true) => {
                        // Found: start a message with the bytes peeked at, then go on.
                        let peeked = std::mem::take(&mut side.buf);
                        side.reset();
                        self.run(client, &peeked, at, out);
                        return i;
                    }
                    Some(false)
                        if side.buf.last() != Some(&b'\n') && side.buf.len() < RESYNC_PEEK =>
                    {
                        // A prefix at the end of the data: wait for more.
                        continue;
                    }
                    _ => {
                        side.buf.clear();
                        side.line_start = data[i - 1] == b'\n';
                    }
                }
            } else {
                match memchr::memchr(b'\n', &data[i..]) {
                    Some(p) => {
                        i += p + 1;
                        side.line_start = true;
                    }
                    None => i = data.len(),
                }
            }
        }
        data.len()
    }

    /// The current message of one side is complete.
    fn done(&mut self, client: bool, at: At, out: &mut Vec<Transaction>) {
        if client {
            let side = &mut self.req;
            side.last = at;
            let span = side.span();
            let (body, incomplete, cut) = (side.body, side.incomplete, side.cut);
            side.reset();
            // The newest request that is not done is this one.
            if let Some(p) = self
                .queue
                .iter_mut()
                .rev()
                .find(|p| !p.request_done && p.request.is_some())
            {
                p.request = Some(span);
                p.request_done = true;
                p.http.request_body = body;
                p.http.incomplete |= incomplete;
                p.http.request_cut |= incomplete || cut;
            }
        } else {
            let side = &mut self.resp;
            side.last = at;
            let mut span = side.span();
            let (body, incomplete, cut) = (side.body, side.incomplete, side.cut);
            side.reset();
            if let Some(mut p) = self.queue.pop_front() {
                span.first = p.response_first.unwrap_or(span.first);
                span.bytes += p.response_bytes;
                p.http.response_body = body;
                p.http.incomplete |= incomplete || !p.request_done;
                p.http.response_cut |= incomplete || cut;
                p.http.request_cut |= !p.request_done;
                emit(p, Some(span), out);
            }
        }
    }

    /// Gives up the message in progress on one side and resynchronises.
    fn lost_sync(&mut self, client: bool, at: At, out: &mut Vec<Transaction>) {
        let side = self.side(client);
        let in_message = !matches!(side.st, St::Idle | St::Resync | St::Tunnel);
        let head_only = side.st == St::Head;
        if in_message {
            if head_only {
                // A header section never completed: nothing to report for it. A response
                // cut so still ends the transaction waiting for it.
                if !client {
                    side.incomplete = true;
                    self.done(false, at, out);
                }
            } else {
                side.incomplete = true;
                self.done(client, at, out);
            }
        }
        let side = self.side(client);
        if side.st != St::Tunnel {
            side.resync();
        }
    }
}

fn emit(p: Pending, response: Option<Span>, out: &mut Vec<Transaction>) {
    if p.request.is_none() && response.is_none() {
        // Only interim (1xx) responses to a request never captured: nothing to pair.
        return;
    }
    report(
        out,
        p.request,
        response,
        Detail::Http(Box::new(p.http.into())),
    );
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.run(from_client, bytes, at, out);
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        let side = self.side(from_client);
        match side.st {
            // Missing body bytes of a known length: the message stays in step.
            St::Body(rem) | St::ChunkData(rem) if len <= rem => {
                side.incomplete = true;
                side.body += len;
                side.bytes += len;
                let left = rem - len;
                if let St::Body(_) = side.st {
                    if left == 0 {
                        self.done(from_client, at, out);
                    } else {
                        side.st = St::Body(left);
                    }
                } else {
                    side.st = if left == 0 {
                        St::ChunkEnd(2)
                    } else {
                        St::ChunkData(left)
                    };
                }
            }
            St::UntilClose => {
                side.incomplete = true;
                side.body += len;
                side.bytes += len;
            }
            St::Tunnel => {}
            _ => self.lost_sync(from_client, at, out),
        }
    }

    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        // The server's FIN completes a body delimited by the close, in the FIN's packet
        // (where Wireshark, reassembling until the FIN, dissects the response).
        if !from_client && self.resp.st == St::UntilClose {
            self.done(false, at, out);
        }
    }

    fn side_cut(&mut self, from_client: bool, _at: At, out: &mut Vec<Transaction>) {
        // The capture ended before the close: a body delimited by it is complete for the
        // transactions (at its last bytes), never for packet-http.c, which waits for the
        // FIN.
        if !from_client && self.resp.st == St::UntilClose {
            self.resp.cut = true;
            let last = self.resp.last;
            self.done(false, last, out);
        }
    }

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
        // A body delimited by the close is complete (at its last bytes: the close was not
        // captured); anything else in progress is not.
        if self.req.st != St::Idle
            && self.req.st != St::Resync
            && self.req.st != St::Tunnel
            && self.req.st != St::Head
        {
            self.req.incomplete = true;
            let last = self.req.last;
            self.done(true, last, out);
        }
        match self.resp.st {
            St::UntilClose => {
                self.resp.cut = true;
                let last = self.resp.last;
                self.done(false, last, out);
            }
            St::Idle | St::Resync | St::Tunnel => {}
            St::Head if self.resp.buf.is_empty() => {}
            _ => {
                self.resp.incomplete = true;
                let last = self.resp.last;
                self.done(false, last, out);
            }
        }
        for mut p in self.queue.drain(..) {
            p.http.incomplete |= !p.request_done;
            p.http.request_cut |= !p.request_done;
            emit(p, None, out);
        }
    }
}

#[cfg(test)]
mod test {
    use super::super::testkit::{self, at};
    use super::*;
    use crate::capture::app::http::Http;

    fn make() -> Box<dyn StreamParser> {
        Box::new(Parser::new())
    }

    /// Runs a conversation given as (from_client, bytes) pieces, one packet each, after
    /// checking that every split of every piece gives the same transactions.
    fn run(pieces: &[(bool, &[u8])]) -> Vec<Transaction> {
        testkit::run(&make, pieces)
    }

    fn http(t: &Transaction) -> &Http {
        match &t.detail {
            Detail::Http(h) => h,
            d => panic!("{d:?}"),
        }
    }

    fn summary(ts: &[Transaction]) -> Vec<(String, String, Option<u16>, u64, u64, bool)> {
        ts.iter()
            .map(|t| {
                let h = http(t);
                (
                    h.method().to_owned(),
                    h.uri().to_owned(),
                    h.status(),
                    h.request_body(),
                    h.response_body(),
                    h.incomplete(),
                )
            })
            .collect()
    }

    // Real bytes: tests/data/servers/http.pcap, tcp.stream 1 (a Python HTTP/1.1 server).
    const GET_CHUNKED: &[u8] =
        b"GET /chunked HTTP/1.1\r\nHost: 127.0.0.1:28081\r\nAccept-Encoding: identity\r\n\r\n";
    const CHUNKED_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\nDate: Mon, 23 Nov 2026 18:45:58 GMT\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    const GET_ERROR: &[u8] =
        b"GET /error HTTP/1.1\r\nHost: 127.0.0.1:28081\r\nAccept-Encoding: identity\r\n\r\n";
    const ERROR: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\nDate: Mon, 23 Nov 2026 18:45:58 GMT\r\nContent-Length: 15\r\n\r\ninternal error\n";
    const POST: &[u8] = b"POST /api/orders HTTP/1.1\r\nHost: 127.0.0.1:28081\r\nAccept-Encoding: identity\r\nContent-Length: 12\r\nContent-Type: application/json\r\n\r\n{\"item\": 42}";
    const CREATED: &[u8] = b"HTTP/1.1 201 Created\r\nServer: BaseHTTP/0.6 Python/3.11.7\r\nDate: Mon, 23 Nov 2026 18:45:59 GMT\r\nContent-Length: 9\r\n\r\n{\"id\": 7}";

    fn chunked_body() -> Vec<u8> {
        let mut v = b"6\r\nhello \r\n8\r\nchunked \r\n12c\r\n".to_vec();
        v.extend_from_slice("world\n".repeat(50).as_bytes());
        v.extend_from_slice(b"\r\n0\r\n\r\n");
        v
    }

    /// The real conversation, each side as one byte stream.
    fn conversation() -> (Vec<u8>, Vec<u8>) {
        let client = [GET_CHUNKED, GET_ERROR, POST].concat();
        let server = [CHUNKED_HEAD, &chunked_body(), ERROR, CREATED].concat();
        (client, server)
    }

    const EXPECTED: [(&str, &str, u16, u64, u64); 3] = [
        ("GET", "/chunked", 200, 0, 314),
        ("GET", "/error", 500, 0, 15),
        ("POST", "/api/orders", 201, 12, 9),
    ];

    fn expected() -> Vec<(String, String, Option<u16>, u64, u64, bool)> {
        EXPECTED
            .iter()
            .map(|&(m, u, s, q, r)| (m.into(), u.into(), Some(s), q, r, false))
            .collect()
    }

    #[test]
    fn a_real_conversation_with_chunked_error_and_post() {
        let body = chunked_body();
        let t = run(&[
            (true, GET_CHUNKED),
            (false, CHUNKED_HEAD),
            (false, &body[..11]),
            (false, &body[11..]),
            (true, GET_ERROR),
            (false, ERROR),
            (true, &POST[..131]),
            (true, &POST[131..]),
            (false, CREATED),
        ]);
        assert_eq!(summary(&t), expected());
        let h = http(&t[0]);
        assert_eq!(
            (h.chunked(), h.response_content_type(), h.host()),
            (true, Some("text/plain"), Some("127.0.0.1:28081"))
        );
        // http.time: from the request's packet to the packet that completed the response.
        assert_eq!(
            (t[0].request.unwrap().last(), t[0].response.unwrap().last()),
            (0, 3)
        );
        assert_eq!(t[0].response.unwrap().first(), 1);
        assert_eq!(t[2].latency_ns(&testkit::packets(9)), Some(1000)); // request complete at 7, response at 8
        assert_eq!(
            t[0].response.unwrap().bytes(),
            (CHUNKED_HEAD.len() + body.len()) as u64
        );
        assert_eq!(http(&t[2]).request_content_type(), Some("application/json"));
    }

    #[test]
    fn header_lines_are_kept_for_the_field_values() {
        let t = run(&[
            (true, GET_ERROR),
            (false, ERROR),
            (true, POST),
            (false, CREATED),
        ]);
        assert_eq!(
            http(&t[1])
                .request_headers()
                .iter()
                .map(|l| &**l)
                .collect::<Vec<_>>(),
            [
                "Host: 127.0.0.1:28081\r\n",
                "Accept-Encoding: identity\r\n",
                "Content-Length: 12\r\n",
                "Content-Type: application/json\r\n"
            ]
        );
        let server = &*http(&t[0]).response_headers()[0];
        assert_eq!(server, "Server: BaseHTTP/0.6 Python/3.11.7\r\n");
        assert_eq!(
            header_value(server, "server"),
            Some("BaseHTTP/0.6 Python/3.11.7")
        );
        assert_eq!(header_value(server, "Date"), None);
        let long = format!("GET / HTTP/1.1\nX: {}\n\n", "a".repeat(MAX_KEPT_LINE));
        let lines = kept_lines(long.as_bytes(), &HeaderLines::default());
        assert_eq!((lines.len(), lines[0].len()), (1, MAX_KEPT_LINE));
    }

    #[test]
    fn every_split_point_gives_the_same_transactions() {
        // One byte at a time, and every two-piece cut of each side (the test kit's).
        let (client, server) = conversation();
        assert_eq!(
            summary(&run(&[(true, &client), (false, &server)])),
            expected()
        );
    }

    #[test]
    fn a_gap_in_a_body_of_known_length_keeps_step() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(true, GET_ERROR, at(0), &mut out);
        p.data(false, &ERROR[..ERROR.len() - 15], at(1), &mut out);
        p.gap(false, 10, at(2), &mut out);
        p.data(false, b"rror\n", at(3), &mut out);
        p.data(true, POST, at(4), &mut out);
        p.data(false, CREATED, at(5), &mut out);
        p.end(at(6), &mut out);
        let s = summary(&out);
        assert_eq!(
            s[0],
            ("GET".into(), "/error".into(), Some(500), 0, 15, true)
        );
        assert_eq!(
            s[1],
            ("POST".into(), "/api/orders".into(), Some(201), 12, 9, false)
        );
    }

    /// Which side of a transaction is not whole, as packet-http.c would never have it
    /// whole: a gap in its body, the capture's end inside it, or inside a body that runs
    /// to a close never captured (whole for the transactions, at its last bytes).
    #[test]
    fn each_side_knows_whether_it_was_cut() {
        let cut = |ts: &[Transaction]| -> Vec<(bool, bool)> {
            ts.iter()
                .map(|t| (http(t).request_cut(), http(t).response_cut()))
                .collect()
        };
        // A gap in the first response's body; the second transaction whole.
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(true, GET_ERROR, at(0), &mut out);
        p.data(false, &ERROR[..ERROR.len() - 15], at(1), &mut out);
        p.gap(false, 10, at(2), &mut out);
        p.data(false, b"rror\n", at(3), &mut out);
        p.data(true, POST, at(4), &mut out);
        p.data(false, CREATED, at(5), &mut out);
        p.end(at(6), &mut out);
        assert_eq!(cut(&out), [(false, true), (false, false)]);
        // A request whose body the capture ends in.
        let mut out = Vec::new();
        let mut p = Parser::new();
        p.data(true, &POST[..POST.len() - 3], at(0), &mut out);
        p.end(at(1), &mut out);
        assert_eq!(cut(&out), [(true, false)]);
        // A body that runs to the close: whole at the server's FIN, cut when the capture
        // ends first.
        let until_close = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}";
        for fin in [true, false] {
            let mut out = Vec::new();
            let mut p = Parser::new();
            p.data(true, GET_ERROR, at(0), &mut out);
            p.data(false, until_close, at(1), &mut out);
            if fin {
                p.side_end(false, at(2), &mut out);
            } else {
                p.side_cut(false, at(9), &mut out);
            }
            p.end(at(3), &mut out);
            assert_eq!(cut(&out), [(false, !fin)], "fin {fin}");
            assert_eq!(
                out[0].response.map(|s| s.last()),
                Some(if fin { 2 } else { 1 })
            );
            assert_eq!(http(&out[0]).response_body(), 2);
        }
    }

    #[test]
    fn a_gap_in_headers_resynchronises_at_the_next_message() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(true, &GET_CHUNKED[..20], at(0), &mut out);
        p.gap(true, 40, at(1), &mut out);
        p.data(true, &GET_CHUNKED[60..], at(2), &mut out); // the rest of the lost request
        p.data(true, GET_ERROR, at(3), &mut out);
        // The server's answer to the lost request is lost too; then the 500 arrives.
        p.gap(false, 400, at(4), &mut out);
        p.data(false, ERROR, at(5), &mut out);
        p.end(at(6), &mut out);
        assert_eq!(
            summary(&out),
            [("GET".into(), "/error".into(), Some(500), 0, 15, false)]
        );
    }

    #[test]
    fn responses_lost_in_a_gap_leave_the_newest_request_to_the_next_response() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(true, GET_CHUNKED, at(0), &mut out);
        p.data(false, &CHUNKED_HEAD[..30], at(1), &mut out);
        p.gap(false, 5000, at(2), &mut out);
        p.data(true, GET_ERROR, at(3), &mut out);
        p.data(false, ERROR, at(4), &mut out);
        p.end(at(5), &mut out);
        let s = summary(&out);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!((s[0].1.as_str(), s[0].2, s[0].5), ("/chunked", None, true));
        assert_eq!((s[1].1.as_str(), s[1].2), ("/error", Some(500)));
    }

    #[test]
    fn head_204_304_have_no_body_and_1xx_are_interim() {
        let t = run(&[
            (true, b"HEAD /a HTTP/1.1\r\n\r\nPUT /b HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"),
            (false, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"),
            (true, b"abcGET /c HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\n"),
            (false, b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 77\r\n\r\n"),
            (false, b"HTTP/1.0 200 OK\r\n\r\nuntil the end"),
        ]);
        let s = summary(&t);
        assert_eq!(
            s,
            [
                ("HEAD".into(), "/a".into(), Some(200), 0, 0, false),
                ("PUT".into(), "/b".into(), Some(204), 3, 0, false),
                ("GET".into(), "/c".into(), Some(304), 0, 0, false),
                ("GET".into(), "/d".into(), Some(200), 0, 13, false),
            ]
        );
        let interim = http(&t[1]).interim();
        assert_eq!(interim.len(), 1);
        assert_eq!(
            (interim[0].code, interim[0].head.reason.as_deref()),
            (100, Some("Continue"))
        );
    }

    #[test]
    fn an_interim_response_alone_is_no_transaction() {
        // A 100 Continue to a request never captured, then the end (a fuzz find): a
        // transaction needs a request or a response.
        let t = run(&[(false, b"HTTP/1.1 100 Continue\r\n\r\n")]);
        assert!(t.is_empty());
    }

    #[test]
    fn trailers_connect_and_mid_stream_joins() {
        let t = run(&[
            (false, b"ody of something we joined late\r\n0\r\n\r\n"),
            (true, b"ers: 1\r\n\r\nPOST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n"),
            (false, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nT: 1\r\n\r\n"),
            (true, b"CONNECT example.com:443 HTTP/1.1\r\n\r\n"),
            (false, b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01\x02\x00"),
            (true, b"\x16\x03\x01 not http any more GET / HTTP/1.1\r\n\r\n"),
        ]);
        assert_eq!(
            summary(&t),
            [
                ("POST".into(), "/up".into(), Some(200), 3, 2, false),
                (
                    "CONNECT".into(),
                    "example.com:443".into(),
                    Some(200),
                    0,
                    0,
                    false
                )
            ]
        );
    }

    #[test]
    fn requests_without_responses_are_reported_at_the_end() {
        let t = run(&[(true, GET_ERROR), (true, &POST[..140])]);
        let s = summary(&t);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].2, s[0].5), (None, false));
        assert_eq!((s[1].1.as_str(), s[1].5), ("/api/orders", true));
    }

    #[test]
    fn garbage_is_skipped_and_bounded() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        let junk = vec![b'x'; 3 * MAX_HEAD];
        p.data(true, &junk, at(0), &mut out);
        p.data(false, &junk, at(1), &mut out);
        assert!(p.req.buf.len() <= RESYNC_PEEK && p.resp.buf.len() <= RESYNC_PEEK);
        p.data(true, b"\r\nGET / HTTP/1.1\r\nX: ", at(2), &mut out);
        p.data(true, &junk, at(3), &mut out); // a header section that never ends
        assert!(p.req.buf.len() <= MAX_HEAD);
        p.data(true, b"\r\n\r\nGET /x HTTP/1.1\r\n\r\n", at(4), &mut out);
        // Garbage leaves the server mid-line: a response starts after a line end.
        p.data(false, b"\r\n", at(5), &mut out);
        p.data(false, ERROR, at(5), &mut out);
        p.end(at(6), &mut out);
        assert_eq!(
            summary(&out),
            [("GET".into(), "/x".into(), Some(500), 0, 15, false)]
        );
    }
}
