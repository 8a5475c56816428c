//! HTTP/1.x bodies as the dissectors packet-http.c hands them to show them: the
//! protocols `frame.protocols` names for a body (`xml`, `data-text-lines`, the images,
//! `media`; [`body`]) and JSON's fields ([`json`]), in the packet that completes each
//! message, as tshark's desegmentation puts them there.
//!
//! The messages are cut as packet-http.c cuts them (RFC 9112 §6.3): a request's body by
//! its Content-Length or chunks; a response's likewise, none for a HEAD request's, a 1xx,
//! a 204 or a 304, and to the connection's close without either. A message with bytes
//! missing (a lost segment, the capture's end) is never whole: tshark dissects none of
//! it, and its side is taken up again at the next segment that starts a message.
//! `json` and `urlencoded-form` need no bytes: the transactions give them
//! ([`crate::query::fields::TransactionFields`]).

pub(crate) mod body;
pub(crate) mod json;

use super::{PduFields, PduOut};
use crate::capture::app::http::response_has_no_body;
use crate::capture::Capture;
use crate::ingest::app::HTTP_METHODS;
use crate::query::fields::{AppValue, Fid, PacketValues};
use std::collections::VecDeque;

/// The longest head (start line and header lines) kept before the side is given up.
const MAX_HEAD: usize = 64 << 10;
/// The longest chunk-size or trailer line.
const MAX_LINE: usize = 4096;
/// Body bytes kept of a JSON body, or of an encoded one (decoded whole): beyond them the
/// body is taken as cut there. Of other bodies only what their dissectors look at is kept.
const MAX_BODY: usize = 16 << 20;
/// Of other bodies: enough for the signatures of images and an XML declaration.
const PEEK: usize = 64;
/// Requests whose responses are awaited (their methods) before the oldest is forgotten.
const MAX_PENDING: usize = 1024;

/// Fields of this module.
pub(crate) fn covers(field: Fid) -> bool {
    use Fid::*;
    matches!(
        field,
        Xml | DataTextLines
            | ImageGif
            | ImageJfif
            | Png
            | Media
            | JsonObject
            | JsonArray
            | JsonMember
            | JsonKey
            | JsonPath
            | JsonValueString
            | JsonValueNumber
            | JsonValueTrue
            | JsonValueFalse
            | JsonValueNull
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    /// Between messages.
    Idle,
    /// Collecting the head.
    Head,
    /// Body bytes of a Content-Length still to come.
    Body(u64),
    /// A chunk-size line.
    ChunkLine,
    /// Chunk data still to come.
    ChunkData(u64),
    /// The CR LF after chunk data.
    ChunkEnd,
    /// Its LF.
    ChunkEndLf,
    /// Trailer lines, up to an empty one.
    Trailers,
    /// A response body that runs to the close.
    UntilClose,
    /// Bytes were lost: waiting for a segment that starts a message.
    Lost,
    /// No longer HTTP (101 Switching Protocols, CONNECT).
    Tunnel,
}

/// One direction of the connection.
struct Side {
    st: St,
    /// The message so far: its head, then the body as sent (chunk lines included), as
    /// much of it as is kept.
    msg: Vec<u8>,
    /// Where the head ends in `msg`.
    head: usize,
    /// Body bytes to keep at most.
    keep: usize,
    /// A chunk-size or trailer line being collected.
    line: Vec<u8>,
}

impl Side {
    fn new() -> Self {
        Side {
            st: St::Idle,
            msg: Vec::new(),
            head: 0,
            keep: 0,
            line: Vec::new(),
        }
    }

    /// Keeps body bytes, as many as `keep` allows.
    fn body(&mut self, b: &[u8]) {
        let room = (self.head + self.keep).saturating_sub(self.msg.len());
        self.msg.extend_from_slice(&b[..b.len().min(room)]);
    }

    fn lost(&mut self) {
        self.st = St::Lost;
        self.msg = Vec::new();
        self.line = Vec::new();
    }
}

/// The dissector of one HTTP/1.x connection.
pub(crate) struct Dissector {
    /// The client's side, then the server's.
    sides: [Side; 2],
    /// Whether each request awaiting its response was a HEAD.
    heads: VecDeque<bool>,
}

impl Dissector {
    pub(crate) fn new() -> Self {
        Dissector {
            sides: [Side::new(), Side::new()],
            heads: VecDeque::new(),
        }
    }

    /// Runs one side over `data`, completed by `packet`.
    fn run(&mut self, to_server: bool, mut data: &[u8], packet: u64, out: &mut PduOut<'_>) {
        let s = usize::from(!to_server);
        while !data.is_empty() {
            let side = &mut self.sides[s];
            match side.st {
                St::Idle => {
                    // Empty lines before a start line are allowed (RFC 9112 §2.2).
                    let skip = data
                        .iter()
                        .position(|c| !matches!(c, b'\r' | b'\n'))
                        .unwrap_or(data.len());
                    data = &data[skip..];
                    if !data.is_empty() {
                        side.msg.clear();
                        side.head = 0;
                        side.st = St::Head;
                    }
                }
                St::Head => {
                    let from = side.msg.len().saturating_sub(3);
                    let take = data.len().min(MAX_HEAD - side.msg.len());
                    let old = side.msg.len();
                    side.msg.extend_from_slice(&data[..take]);
                    match find(&side.msg[from..], b"\r\n\r\n") {
                        Some(p) => {
                            let end = from + p + 4;
                            side.msg.truncate(end);
                            side.head = end;
                            data = &data[end - old..];
                            self.headed(s, packet, out);
                        }
                        None if side.msg.len() >= MAX_HEAD => side.lost(),
                        None => data = &[],
                    }
                }
                St::Body(rem) => {
                    let n = rem.min(data.len() as u64) as usize;
                    side.body(&data[..n]);
                    data = &data[n..];
                    if n as u64 == rem {
                        self.complete(s, packet, out);
                    } else {
                        side.st = St::Body(rem - n as u64);
                    }
                }
                St::ChunkData(rem) => {
                    let n = rem.min(data.len() as u64) as usize;
                    side.body(&data[..n]);
                    data = &data[n..];
                    side.st = if n as u64 == rem {
                        St::ChunkEnd
                    } else {
                        St::ChunkData(rem - n as u64)
                    };
                }
                St::ChunkEnd | St::ChunkEndLf => {
                    // CR LF after the data (a bare LF too).
                    let n = match (side.st, data[0]) {
                        (St::ChunkEnd, b'\r') => {
                            side.st = St::ChunkEndLf;
                            1
                        }
                        (_, b'\n') => {
                            side.st = St::ChunkLine;
                            1
                        }
                        _ => {
                            side.st = St::ChunkLine;
                            0
                        }
                    };
                    side.body(&data[..n]);
                    data = &data[n..];
                }
                St::ChunkLine | St::Trailers => {
                    let nl = data.iter().position(|&c| c == b'\n');
                    let take = nl.map_or(data.len(), |p| p + 1);
                    if side.line.len() + take > MAX_LINE {
                        side.lost();
                        continue;
                    }
                    side.line.extend_from_slice(&data[..take]);
                    side.body(&data[..take]);
                    data = &data[take..];
                    if nl.is_none() {
                        continue;
                    }
                    let line = std::mem::take(&mut side.line);
                    let text = trim_eol(&line);
                    if side.st == St::Trailers {
                        if text.is_empty() {
                            self.complete(s, packet, out);
                        }
                        continue;
                    }
                    match chunk_size(text) {
                        Some(0) => side.st = St::Trailers,
                        Some(n) => side.st = St::ChunkData(n),
                        None => side.lost(),
                    }
                }
                St::UntilClose => {
                    side.body(data);
                    data = &[];
                }
                St::Lost | St::Tunnel => data = &[],
            }
        }
    }

    /// Acts on a message's head, whole in `sides[s].msg`.
    fn headed(&mut self, s: usize, packet: u64, out: &mut PduOut<'_>) {
        let side = &mut self.sides[s];
        let head = &side.msg[..side.head];
        let line = &head[..head.iter().position(|&c| c == b'\r').unwrap_or(0)];
        let request = s == 0;
        if !starts_message(line, request) {
            side.lost();
            return;
        }
        let field = body::head_fields(head);
        // Some(true): chunked; Some(false): another transfer coding.
        let chunked = field("transfer-encoding").map(|t| t == "chunked");
        let length = field("content-length").and_then(|v| v.parse::<u64>().ok());
        let media = field("content-type")
            .map(|ct| ct.split(';').next().unwrap_or("").trim().to_owned())
            .filter(|m| !m.is_empty());
        let whole = field("content-encoding").is_some()
            || media
                .as_deref()
                .and_then(body::registered)
                .is_some_and(|d| d == body::Dissector::Json);
        side.keep = if whole { MAX_BODY } else { PEEK };
        if request {
            if self.heads.len() >= MAX_PENDING {
                self.heads.pop_front();
            }
            self.heads.push_back(line.starts_with(b"HEAD "));
            let side = &mut self.sides[s];
            side.st = match (chunked, length) {
                (Some(true), _) => St::ChunkLine,
                (_, Some(n)) if n > 0 => St::Body(n),
                _ => return self.complete(s, packet, out),
            };
            return;
        }
        let code: u16 = std::str::from_utf8(line.get(9..12).unwrap_or(&[]))
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        if (100..200).contains(&code) && code != 101 {
            // An interim response: the final one is still to come (RFC 9110 §15.2).
            return self.complete(s, packet, out);
        }
        let head_request = self.heads.pop_front().unwrap_or(false);
        let side = &mut self.sides[s];
        if code == 101 {
            self.complete(s, packet, out);
            self.sides[0].st = St::Tunnel;
            self.sides[1].st = St::Tunnel;
            return;
        }
        side.st = if response_has_no_body(head_request, code) {
            return self.complete(s, packet, out);
        } else {
            match (chunked, length) {
                (Some(true), _) => St::ChunkLine,
                (Some(false), _) => St::UntilClose,
                (None, Some(0)) => return self.complete(s, packet, out),
                (None, Some(n)) => St::Body(n),
                (None, None) => St::UntilClose,
            }
        };
    }

    /// The message of side `s` is whole in `packet`: its body's items go there.
    fn complete(&mut self, s: usize, packet: u64, out: &mut PduOut<'_>) {
        let side = &mut self.sides[s];
        side.st = St::Idle;
        let msg = std::mem::take(&mut side.msg);
        side.line.clear();
        let (media, body) = body::message_body(&msg, side.head);
        let protocols = body::body_protocols(media.as_deref(), &body);
        for &f in &protocols {
            out.add(packet, f, AppValue::Present);
        }
        if protocols.first() == Some(&Fid::Json) {
            put_json(&body, packet, out);
        }
        // The room of a big body goes; that of a small one serves the next message.
        if msg.capacity() <= MAX_HEAD {
            let side = &mut self.sides[s];
            side.msg = msg;
            side.msg.clear();
        }
    }
}

/// The protocols of HTTP/2 bodies that their media type names alone (`data-text-lines`,
/// `xml`), from the transactions: each in the frame that ends its body (END_STREAM), as
/// packet-http2.c hands a body on whole. Those whose bytes decide (an XML declaration in
/// text, an image's signature, JSON that does not parse) are not read again for HTTP/2.
pub(crate) fn http2_bodies(capture: &Capture, values: &mut PacketValues) {
    use crate::capture::app::Detail;
    let mut out = PduOut::new(values, None);
    for tx in &capture.transactions {
        let Detail::Http(h) = &tx.detail else {
            continue;
        };
        if h.http2().is_none() || h.incomplete() {
            continue;
        }
        let sides = [
            (tx.request, h.request_body(), h.request_content_type()),
            (tx.response, h.response_body(), h.response_content_type()),
        ];
        for (span, len, media) in sides {
            let (Some(span), Some(media)) = (span, media) else {
                continue;
            };
            let media = media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let f = match body::registered(&media) {
                Some(body::Dissector::Text) => Fid::DataTextLines,
                Some(body::Dissector::Xml) => Fid::Xml,
                _ => continue,
            };
            if len > 0 {
                out.add(span.last(), f, AppValue::Present);
            }
        }
    }
}

/// JSON's items of `body` as values of `packet`.
fn put_json(body: &[u8], packet: u64, out: &mut PduOut<'_>) {
    use json::Item;
    let wanted = [
        Fid::JsonObject,
        Fid::JsonArray,
        Fid::JsonMember,
        Fid::JsonKey,
        Fid::JsonPath,
        Fid::JsonValueString,
        Fid::JsonValueNumber,
        Fid::JsonValueTrue,
        Fid::JsonValueFalse,
        Fid::JsonValueNull,
    ];
    if !wanted.iter().any(|&f| out.wants(f)) {
        return;
    }
    json::parse(body, false, |(item, _, _)| {
        let (f, v) = match item {
            Item::End | Item::WithValue { .. } => return,
            Item::Object => (Fid::JsonObject, AppValue::Present),
            Item::Array => (Fid::JsonArray, AppValue::Present),
            Item::Member(k) => (Fid::JsonMember, AppValue::Text(k)),
            Item::Key(k) => (Fid::JsonKey, AppValue::Text(k)),
            Item::Path(p) => (Fid::JsonPath, AppValue::Text(p)),
            Item::String(s) => (Fid::JsonValueString, AppValue::Text(s)),
            Item::Number(n) => (
                Fid::JsonValueNumber,
                AppValue::Text(String::from_utf8_lossy(n).into_owned()),
            ),
            Item::True => (Fid::JsonValueTrue, AppValue::Present),
            Item::False => (Fid::JsonValueFalse, AppValue::Present),
            Item::Null => (Fid::JsonValueNull, AppValue::Present),
        };
        out.add(packet, f, v);
    });
}

impl PduFields for Dissector {
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>) {
        let side = &mut self.sides[usize::from(!to_server)];
        if side.st == St::Lost {
            // packet-http.c takes up a side again at a segment that starts a message.
            let line = &bytes[..bytes
                .iter()
                .position(|&c| c == b'\r')
                .unwrap_or(bytes.len())];
            if !starts_message(line, to_server) {
                return;
            }
            side.st = St::Idle;
        }
        self.run(to_server, bytes, packet, out);
    }

    fn gap(&mut self, to_server: bool, _len: u64) {
        let side = &mut self.sides[usize::from(!to_server)];
        if side.st != St::Tunnel {
            side.lost();
        }
    }

    fn end_at(&mut self, to_server: bool, packet: Option<u64>, out: &mut PduOut<'_>) {
        // The server's FIN completes a body that runs to the close, in the FIN's packet;
        // at the capture's end (no packet) packet-http.c is still waiting for it.
        match packet {
            Some(p) if !to_server && self.sides[1].st == St::UntilClose => self.complete(1, p, out),
            _ => {}
        }
    }
}

/// Whether `line` starts a request (`to_server`) or a response.
fn starts_message(line: &[u8], to_server: bool) -> bool {
    if to_server {
        HTTP_METHODS.iter().any(|m| line.starts_with(m))
    } else {
        line.starts_with(b"HTTP/")
    }
}

fn find(b: &[u8], pat: &[u8]) -> Option<usize> {
    b.windows(pat.len()).position(|w| w == pat)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The size a chunk-size line gives (hex digits, then extensions after `;`).
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits: &[u8] = line.split(|&c| c == b';').next()?;
    let digits = std::str::from_utf8(digits).ok()?.trim();
    u64::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::{PacketValues, ValueRef};

    /// Feeds one side after the other (`true`: the client's), each piece its own packet
    /// (its index in the list), with `Some(len)` a gap; then the values by packet.
    fn run(pieces: &[(bool, Option<u64>, &[u8])], fin: Option<u64>) -> PacketValues {
        let mut values = PacketValues::default();
        let mut d = Dissector::new();
        for (i, &(to_server, gap, bytes)) in pieces.iter().enumerate() {
            let mut out = PduOut::new(&mut values, None);
            match gap {
                Some(len) => d.gap(to_server, len),
                None => d.data(to_server, bytes, i as u64, &mut out),
            }
        }
        d.end_at(false, fin, &mut PduOut::new(&mut values, None));
        values.settle();
        values
    }

    fn has(v: &PacketValues, packet: u64, f: Fid) -> bool {
        v.get(packet, f).len() > 0
    }

    fn texts(v: &PacketValues, packet: u64, f: Fid) -> Vec<String> {
        v.get(packet, f)
            .map(|x| match x {
                ValueRef::Text(s) => s.to_owned(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    const HEAD: &[u8] = b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n";

    #[test]
    fn bodies_are_named_where_their_message_completes() {
        let json =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n";
        let text =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
        let v = run(
            &[
                (true, None, GET),
                (false, None, json),
                (false, None, b"{\"error\": \"x\", "),
                (false, None, b"\"n\": 1} x"),
                (true, None, GET),
                (false, None, text),
                (false, None, b"5\r\nhello\r\n"),
                (false, None, b"0\r\n\r\n"),
            ],
            None,
        );
        // The JSON body completes in packet 3 (what follows the object is text).
        assert!(!has(&v, 2, Fid::JsonObject));
        assert!(has(&v, 3, Fid::JsonObject) && has(&v, 3, Fid::DataTextLines));
        assert_eq!(texts(&v, 3, Fid::JsonKey), ["error", "n"]);
        assert_eq!(texts(&v, 3, Fid::JsonValueString), ["x"]);
        assert_eq!(texts(&v, 3, Fid::JsonValueNumber), ["1"]);
        // The chunked text with its last chunk.
        assert!(!has(&v, 6, Fid::DataTextLines) && has(&v, 7, Fid::DataTextLines));
    }

    #[test]
    fn messages_with_no_body_to_hand_on() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
        let not_modified = b"HTTP/1.1 304 Not Modified\r\nContent-Type: text/plain\r\n\r\n";
        let text = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
        let v = run(
            &[
                (true, None, HEAD),
                (true, None, GET),
                (true, None, GET),
                (false, None, head),
                (false, None, not_modified),
                (false, None, text),
            ],
            None,
        );
        // The HEAD's response and the 304 have no body: the next response is read as one.
        for p in 0..5 {
            assert!(!has(&v, p, Fid::DataTextLines), "{p}");
        }
        assert!(has(&v, 5, Fid::DataTextLines));
    }

    #[test]
    fn messages_never_whole_are_not_dissected() {
        let long =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\n0123456789";
        let after = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4\r\n\r\n<a/>";
        let close = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the close";
        let pieces: &[(bool, Option<u64>, &[u8])] = &[
            (true, None, GET),
            (false, None, long),
            (false, Some(5), b""),
            (false, None, b"01234"),
            (true, None, GET),
            (false, None, after),
            (true, None, GET),
            (false, None, close),
        ];
        // A lost segment: nothing for that response; the side is taken up again at the
        // next one.
        let v = run(pieces, Some(8));
        assert!((0..5).all(|p| !has(&v, p, Fid::DataTextLines)));
        assert!(has(&v, 5, Fid::Xml));
        // A body to the close: named at the server's FIN, not at the capture's end.
        assert!(has(&v, 8, Fid::DataTextLines) && !has(&v, 7, Fid::DataTextLines));
        let v = run(pieces, None);
        assert!((6..10).all(|p| !has(&v, p, Fid::DataTextLines)));
    }
}
