//! memcached, text and binary protocols, as transactions.
//!
//! - Text: memcached's `doc/protocol.txt` — retrievals (`get`, `gets`, `gat`, `gats`),
//!   storage (`set`, `add`, `replace`, `append`, `prepend`, `cas`) with their data block,
//!   `delete`, `incr`/`decr`, `touch`, `stats`, `version`, `flush_all`, `verbosity`,
//!   `quit`, and the meta commands (`mg`, `ms`, `md`, `ma`, `mn`, `me`).
//! - Binary: the "BinaryProtocolRevamped" spec — a 24-byte header (magic 0x80 request,
//!   0x81 response), extras, key, value; replies matched by opaque; quiet opcodes answer
//!   only on a miss (GetQ) or an error (SetQ, …).
//!
//! Requests queue in the order they were sent and text replies come back in that order.
//! A `noreply` request expects nothing and completes at once; a quiet binary request
//! completes when a later reply shows the server went past it.
//!
//! Memory is bounded: values are counted and passed over, never held; a command line is
//! kept up to [`MAX_LINE`] bytes (the rest of a longer multi-get is dropped, and the
//! transaction says it was cut); at most [`MAX_PENDING`] requests wait for replies.
//! After a gap inside a value whose length is known the parser stays in step; after
//! any other gap it drops bytes until a line (or binary header) it recognises.

use super::StreamParser;
use crate::capture::app::memcache::{Key, Memcache};
use crate::capture::app::{At, Detail, Span, Transaction};
use serde::Serialize;
use std::collections::VecDeque;

/// Longest command or reply line kept; the rest of a longer line is dropped.
pub const MAX_LINE: usize = 64 * 1024;
/// Requests waiting for their replies; past this the oldest is reported without one.
pub const MAX_PENDING: usize = 4096;
/// Bytes of a binary error reply's value kept as its message.
const MAX_MESSAGE: usize = 256;
/// Values over this many bytes stand out in the tables (memcached's default item limit).
pub const LARGE_VALUE: u64 = 1 << 20;

/// The reply a request waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// One line.
    Line,
    /// `VALUE` blocks then `END`.
    Values,
    /// Lines until `END`.
    Stats,
    /// Meta command: one line, with a value after `VA`.
    Meta,
    /// A binary reply with the same opaque.
    Binary,
    /// Binary stat replies until one with an empty key.
    BinaryStat,
}

/// A request read, waiting for its reply.
struct Pending {
    detail: Memcache,
    request: Span,
    expect: Expect,
    opaque: u32,
    /// Meta `q` / binary quiet: a reply comes only on a miss or an error.
    quiet: bool,
    /// A meta command's opaque token (`O…`), which its reply echoes.
    token: Option<Vec<u8>>,
    /// The reply read so far (multi-part replies).
    response: Option<Span>,
}

/// Where one direction's reader stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Between messages, or reading a text line into `buf`.
    Text,
    /// Reading a binary header (24 bytes) and then its extras and key into `buf`.
    BinaryHead,
}

/// One direction's reader.
struct Side {
    mode: Mode,
    buf: Vec<u8>,
    /// The line in `buf` went over [`MAX_LINE`]: bytes up to its end are dropped.
    overflow: bool,
    /// Value bytes still to pass over.
    skip: u64,
    /// Bytes of the value kept in `buf` (binary error text), up to [`MAX_MESSAGE`].
    keep: usize,
    /// `\r\n` bytes still expected after a text value.
    crlf: u8,
    /// After a gap or at a stream joined mid-way: drop bytes until a recognisable line.
    hunting: bool,
    /// The message in progress: its first packet and bytes so far.
    first: Option<At>,
    bytes: u64,
    /// Bytes of the message were lost in a gap.
    lost: bool,
}

impl Side {
    fn new() -> Self {
        Side {
            mode: Mode::Text,
            buf: Vec::new(),
            overflow: false,
            skip: 0,
            keep: 0,
            crlf: 0,
            hunting: true,
            first: None,
            bytes: 0,
            lost: false,
        }
    }

    /// Counts `n` bytes of the message in progress, which started at `at` if it is new.
    fn take(&mut self, n: usize, at: At) {
        if self.first.is_none() {
            self.first = Some(at);
        }
        self.bytes += n as u64;
    }

    /// Ends the message in progress: its span, and whether bytes were lost.
    fn finish(&mut self, at: At) -> (Span, bool) {
        let span = Span {
            first: self.first.unwrap_or(at),
            last: at,
            bytes: self.bytes,
        };
        let lost = self.lost;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
        (span, lost)
    }

    /// Drops everything in progress and hunts for the next recognisable message.
    fn resync(&mut self) {
        self.mode = Mode::Text;
        self.buf.clear();
        self.overflow = false;
        self.skip = 0;
        self.keep = 0;
        self.crlf = 0;
        self.hunting = true;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
    }
}

/// What the client's reader is in the middle of (beyond `Side`).
enum Request {
    None,
    /// A text storage command whose data block is being passed over.
    Text(Pending),
    /// A binary request whose value is being passed over.
    Binary(Pending),
}

/// A text reply in progress on the server side.
#[derive(Default)]
struct Reply {
    /// The command it answers (guessed when the request was not seen).
    command: String,
    status: Option<String>,
    message: Option<String>,
    /// Keys returned so far, in order, with their value lengths.
    values: Vec<(String, u64)>,
    stats: u32,
    incomplete: bool,
    /// After the current value: the reply is complete (meta `VA`).
    done_after_value: bool,
}

/// A binary reply whose value is being passed over.
struct BinReply {
    opcode: u8,
    status: u16,
    opaque: u32,
    key: Vec<u8>,
    value_len: u64,
}

/// The memcached parser of one conversation. The dispatcher's constructor:
/// [`Parser::new`].
pub struct Parser {
    client: Side,
    server: Side,
    request: Request,
    pending: VecDeque<Pending>,
    reply: Option<Reply>,
    bin_reply: Option<BinReply>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser for a new conversation.
    pub fn new() -> Self {
        Parser {
            client: Side::new(),
            server: Side::new(),
            request: Request::None,
            pending: VecDeque::new(),
            reply: None,
            bin_reply: None,
        }
    }

    /// Bytes held for the messages in progress (lines and binary headers), and the
    /// requests waiting for replies: both bounded ([`MAX_LINE`], [`MAX_PENDING`]).
    pub fn buffered(&self) -> (usize, usize) {
        (
            self.client.buf.len() + self.server.buf.len(),
            self.pending.len(),
        )
    }

    // ---- the client's bytes --------------------------------------------------------

    fn client_data(&mut self, mut input: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !input.is_empty() {
            let n = self.client_step(input, at, out);
            input = &input[n..];
        }
    }

    /// Consumes some of `input` (at least one byte) and returns how many.
    fn client_step(&mut self, input: &[u8], at: At, out: &mut Vec<Transaction>) -> usize {
        let side = &mut self.client;
        if side.skip > 0 {
            let n = (side.skip.min(input.len() as u64)) as usize;
            side.skip -= n as u64;
            side.take(n, at);
            if side.skip == 0 {
                match std::mem::replace(&mut self.request, Request::None) {
                    Request::Text(p) => {
                        self.client.crlf = 2;
                        self.request = Request::Text(p);
                    }
                    Request::Binary(p) => self.request_done(p, at, out),
                    Request::None => {}
                }
            }
            return n;
        }
        if side.crlf > 0 {
            let want = if side.crlf == 2 { b'\r' } else { b'\n' };
            let consumed = if input[0] == want {
                side.take(1, at);
                side.crlf -= 1;
                1
            } else {
                // memcached answers "CLIENT_ERROR bad data chunk"; the bytes are read as
                // the next command.
                side.crlf = 0;
                0
            };
            if side.crlf == 0 {
                if let Request::Text(p) = std::mem::replace(&mut self.request, Request::None) {
                    self.request_done(p, at, out);
                }
            }
            // Nothing consumed on a mismatch: the state moved on, so the loop progresses.
            return consumed;
        }
        if side.mode == Mode::Text && side.buf.is_empty() && !side.overflow && input[0] == 0x80 {
            side.mode = Mode::BinaryHead;
        }
        match side.mode {
            Mode::Text => {
                let (n, line) = read_line(side, input, at);
                if let Some(truncated) = line {
                    let line = std::mem::take(&mut self.client.buf);
                    self.client_line(&line, truncated, at, out);
                    self.client.buf = line;
                    self.client.buf.clear();
                }
                n
            }
            Mode::BinaryHead => {
                let (n, head) = read_binary_head(side, input, at, 0x80);
                match head {
                    BinHead::More => {}
                    BinHead::Invalid => self.client.resync(),
                    BinHead::Done(h) => self.binary_request(h, at, out),
                }
                n
            }
        }
    }

    /// One command line (without its line end).
    fn client_line(&mut self, line: &[u8], truncated: bool, at: At, out: &mut Vec<Transaction>) {
        let line = trim_eol(line);
        let mut tokens: Vec<&[u8]> = line
            .split(|&b| b == b' ')
            .filter(|t| !t.is_empty())
            .collect();
        if truncated {
            // The last token was cut.
            tokens.pop();
        }
        let Some(&cmd) = tokens.first() else {
            if !self.client.hunting {
                // memcached answers an empty line with ERROR.
                let mut d = Memcache {
                    command: String::new(),
                    ..Memcache::default()
                };
                d.incomplete = truncated;
                let (span, lost) = self.client.finish(at);
                d.incomplete |= lost;
                self.queue(
                    Pending {
                        detail: d,
                        request: span,
                        expect: Expect::Line,
                        opaque: 0,
                        quiet: false,
                        token: None,
                        response: None,
                    },
                    out,
                );
            } else {
                self.client.finish(at);
            }
            return;
        };
        let args = &tokens[1..];
        let text = |t: &[u8]| String::from_utf8_lossy(t).into_owned();
        let key = |t: &[u8]| Key {
            key: text(t),
            hit: None,
            value_len: None,
        };
        let noreply = args.last().is_some_and(|a| *a == b"noreply");
        let mut d = Memcache {
            command: text(cmd),
            incomplete: truncated,
            ..Memcache::default()
        };
        let mut expect = Expect::Line;
        let mut quiet = false;
        let mut token = None;
        let mut data: Option<u64> = None;
        let known = match cmd {
            b"get" | b"gets" | b"gat" | b"gats" => {
                let keys = if cmd.starts_with(b"gat") {
                    d.arg = args.first().map(|a| text(a));
                    args.get(1..).unwrap_or(&[])
                } else {
                    args
                };
                d.keys = keys.iter().map(|k| key(k)).collect();
                expect = Expect::Values;
                !d.keys.is_empty() || truncated
            }
            b"set" | b"add" | b"replace" | b"append" | b"prepend" | b"cas" => {
                let want = if cmd == b"cas" { 5 } else { 4 };
                match (args.first(), args.get(3).and_then(|b| parse_u64(b))) {
                    (Some(k), Some(len)) if args.len() >= want => {
                        d.keys.push(Key {
                            key: text(k),
                            hit: None,
                            value_len: Some(len),
                        });
                        d.noreply = noreply && args.len() > want;
                        data = Some(len);
                        true
                    }
                    // A bad command line: memcached answers CLIENT_ERROR and reads no data.
                    (Some(k), _) => {
                        d.keys.push(key(k));
                        true
                    }
                    _ => true,
                }
            }
            b"delete" => {
                d.keys.extend(args.first().map(|k| key(k)));
                d.noreply = noreply;
                true
            }
            b"incr" | b"decr" | b"touch" => {
                d.keys.extend(args.first().map(|k| key(k)));
                d.arg = args.get(1).filter(|a| **a != b"noreply").map(|a| text(a));
                d.noreply = noreply && args.len() >= 3;
                true
            }
            b"stats" => {
                d.arg = args.first().map(|a| text(a));
                expect = Expect::Stats;
                true
            }
            b"flush_all" | b"verbosity" => {
                d.arg = args.first().filter(|a| **a != b"noreply").map(|a| text(a));
                d.noreply = noreply;
                true
            }
            b"version" | b"quit" | b"shutdown" | b"cache_memlimit" | b"slabs" | b"lru_crawler"
            | b"watch" | b"lru" | b"misbehave" | b"verify_key" => {
                d.arg = args.first().map(|a| text(a));
                // quit closes the connection: no reply.
                d.noreply = cmd == b"quit";
                true
            }
            b"mg" | b"ms" | b"md" | b"ma" | b"me" | b"mn" => {
                expect = Expect::Meta;
                if cmd != b"mn" {
                    d.keys.extend(args.first().map(|k| key(k)));
                }
                let flags = if cmd == b"ms" {
                    args.get(2..).unwrap_or(&[])
                } else {
                    args.get(1..).unwrap_or(&[])
                };
                quiet = flags.iter().any(|f| *f == b"q");
                token = flags
                    .iter()
                    .find(|f| f.first() == Some(&b'O'))
                    .map(|f| f.to_vec());
                d.noreply = quiet;
                if cmd == b"ms" {
                    if let Some(len) = args.get(1).and_then(|b| parse_u64(b)) {
                        if let Some(k) = d.keys.first_mut() {
                            k.value_len = Some(len);
                        }
                        data = Some(len);
                    }
                }
                true
            }
            _ => false,
        };
        if !known && self.client.hunting {
            // Not a command: bytes of a stream joined mid-way or after a gap.
            self.client.finish(at);
            return;
        }
        if !known && !is_text(line) {
            self.client.finish(at);
            self.client.hunting = true;
            return;
        }
        self.client.hunting = false;
        // An unknown command still gets a reply (ERROR), which keeps the order.
        let p = Pending {
            detail: d,
            request: Span::default(),
            expect,
            opaque: 0,
            quiet,
            token,
            response: None,
        };
        match data {
            Some(len) => {
                self.client.skip = len;
                self.request = Request::Text(p);
                if len == 0 {
                    self.client.crlf = 2;
                }
            }
            None => self.request_done(p, at, out),
        }
    }

    /// A binary request's header, extras and key are in.
    fn binary_request(&mut self, h: Header, at: At, out: &mut Vec<Transaction>) {
        let side = &mut self.client;
        side.hunting = false;
        side.mode = Mode::Text;
        let key = side
            .buf
            .get(24 + h.extras as usize..)
            .unwrap_or(&[])
            .to_vec();
        side.buf.clear();
        let (name, quiet) = opcode_name(h.opcode);
        let value_len = h.value_len();
        let mut d = Memcache {
            binary: true,
            command: name.to_owned(),
            opcode: Some(h.opcode),
            noreply: quiet,
            ..Memcache::default()
        };
        let is_storage = matches!(h.opcode, 0x01..=0x03 | 0x0e | 0x0f | 0x11..=0x13 | 0x19 | 0x1a);
        if !key.is_empty() || is_storage {
            d.keys.push(Key {
                key: String::from_utf8_lossy(&key).into_owned(),
                hit: None,
                value_len: is_storage.then_some(value_len),
            });
        }
        let expect = if h.opcode == 0x10 {
            Expect::BinaryStat
        } else {
            Expect::Binary
        };
        let p = Pending {
            detail: d,
            request: Span::default(),
            expect,
            opaque: h.opaque,
            quiet,
            token: None,
            response: None,
        };
        if value_len > 0 {
            self.client.skip = value_len;
            self.request = Request::Binary(p);
        } else {
            self.request_done(p, at, out);
        }
    }

    /// A request is complete: it waits for its reply, or is done if none will come.
    fn request_done(&mut self, mut p: Pending, at: At, out: &mut Vec<Transaction>) {
        let (span, lost) = self.client.finish(at);
        p.request = span;
        p.detail.incomplete |= lost;
        self.queue(p, out);
    }

    fn queue(&mut self, p: Pending, out: &mut Vec<Transaction>) {
        // noreply text commands (and quit) complete now; quiet meta and binary commands
        // wait: an error or a miss still gets a reply.
        if p.detail.noreply && !p.quiet {
            emit(p, None, out);
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            if let Some(mut old) = self.pending.pop_front() {
                old.detail.incomplete = true;
                emit(old, None, out);
            }
        }
        self.pending.push_back(p);
    }

    // ---- the server's bytes --------------------------------------------------------

    fn server_data(&mut self, mut input: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !input.is_empty() {
            let n = self.server_step(input, at, out);
            input = &input[n..];
        }
    }

    fn server_step(&mut self, input: &[u8], at: At, out: &mut Vec<Transaction>) -> usize {
        let side = &mut self.server;
        if side.skip > 0 {
            let n = (side.skip.min(input.len() as u64)) as usize;
            if side.keep > 0 {
                let k = side.keep.min(n);
                side.buf.extend_from_slice(&input[..k]);
                side.keep -= k;
            }
            side.skip -= n as u64;
            side.take(n, at);
            if side.skip == 0 {
                if let Some(r) = self.bin_reply.take() {
                    self.binary_reply(r, at, out);
                } else {
                    self.server.crlf = 2;
                }
            }
            return n;
        }
        if side.crlf > 0 {
            let want = if side.crlf == 2 { b'\r' } else { b'\n' };
            let ok = input[0] == want;
            if ok {
                side.take(1, at);
                side.crlf -= 1;
            } else {
                side.crlf = 0;
            }
            if side.crlf == 0 {
                self.value_done(at, out);
            }
            return usize::from(ok);
        }
        if side.mode == Mode::Text && side.buf.is_empty() && !side.overflow && input[0] == 0x81 {
            side.mode = Mode::BinaryHead;
        }
        match side.mode {
            Mode::Text => {
                let (n, line) = read_line(side, input, at);
                if let Some(truncated) = line {
                    let line = std::mem::take(&mut self.server.buf);
                    self.server_line(&line, truncated, at, out);
                    self.server.buf = line;
                    self.server.buf.clear();
                }
                n
            }
            Mode::BinaryHead => {
                let (n, head) = read_binary_head(side, input, at, 0x81);
                match head {
                    BinHead::More => {}
                    BinHead::Invalid => self.server.resync(),
                    BinHead::Done(h) => {
                        let side = &mut self.server;
                        side.hunting = false;
                        side.mode = Mode::Text;
                        let key = side
                            .buf
                            .get(24 + h.extras as usize..)
                            .unwrap_or(&[])
                            .to_vec();
                        side.buf.clear();
                        let value_len = h.value_len();
                        let r = BinReply {
                            opcode: h.opcode,
                            status: h.status,
                            opaque: h.opaque,
                            key,
                            value_len,
                        };
                        if value_len > 0 {
                            side.skip = value_len;
                            side.keep = if h.status != 0 { MAX_MESSAGE } else { 0 };
                            self.bin_reply = Some(r);
                        } else {
                            self.binary_reply(r, at, out);
                        }
                    }
                }
                n
            }
        }
    }

    /// The value after a text `VALUE`/`VA` line (and its `\r\n`) was passed over.
    fn value_done(&mut self, at: At, out: &mut Vec<Transaction>) {
        if self.reply.as_ref().is_some_and(|r| r.done_after_value) {
            if let Some(r) = self.reply.take() {
                self.finish_reply(r, at, out);
            }
        }
    }

    /// One reply line (with its line end).
    fn server_line(&mut self, raw: &[u8], truncated: bool, at: At, out: &mut Vec<Transaction>) {
        let line = trim_eol(raw);
        let mut words = line.splitn(2, |&b| b == b' ');
        let word = words.next().unwrap_or(&[]);
        let rest = words.next().unwrap_or(&[]);
        let is_error = matches!(word, b"ERROR" | b"CLIENT_ERROR" | b"SERVER_ERROR");

        // Inside a multi-line reply.
        if let Some(mut r) = self.reply.take() {
            match word {
                b"VALUE" => {
                    if let Some((key, len)) = parse_value_line(rest) {
                        r.values.push((lossy(key), len));
                        self.reply = Some(r);
                        self.start_value(len);
                        return;
                    }
                }
                b"END" => {
                    r.status = Some("END".into());
                    return self.finish_reply(r, at, out);
                }
                _ if is_error => {
                    set_status(&mut r, word, rest);
                    return self.finish_reply(r, at, out);
                }
                _ if r.command == "stats" || r.stats > 0 => {
                    r.stats += 1;
                    self.reply = Some(r);
                    return;
                }
                _ => {}
            }
            // A line no such reply carries: the reply was cut short.
            r.incomplete = true;
            self.finish_reply(r, at, out);
            self.server.hunting = true;
            return;
        }

        let digits = !word.is_empty() && word.iter().all(u8::is_ascii_digit);
        let value = if word == b"VALUE" {
            parse_value_line(rest)
        } else {
            None
        };
        if self.server.hunting {
            // After a gap or mid-way: only a line a reply starts with will do (not a
            // number, which a value's bytes may well be).
            let counter = self
                .pending
                .iter()
                .find(|p| !is_binary(p))
                .is_some_and(|p| matches!(p.detail.command.as_str(), "incr" | "decr"));
            let ok = value.is_some()
                || (digits && counter)
                || is_error
                || matches!(
                    word,
                    b"END"
                        | b"STAT"
                        | b"STORED"
                        | b"NOT_STORED"
                        | b"EXISTS"
                        | b"NOT_FOUND"
                        | b"DELETED"
                        | b"TOUCHED"
                        | b"OK"
                        | b"VERSION"
                        | b"HD"
                        | b"VA"
                        | b"EN"
                        | b"NS"
                        | b"EX"
                        | b"NF"
                        | b"MN"
                );
            if !ok {
                self.server.finish(at);
                return;
            }
            self.server.hunting = false;
            // Realign on a VALUE whose key a waiting retrieval asked for: the requests
            // before it lost their replies in the gap.
            if let Some((key, _)) = value {
                let pos = self.pending.iter().position(|p| {
                    p.expect == Expect::Values
                        && p.detail.keys.iter().any(|k| k.key.as_bytes() == key)
                });
                for _ in 0..pos.unwrap_or(0) {
                    if let Some(mut p) = self.pending.pop_front() {
                        p.detail.incomplete = true;
                        emit(p, None, out);
                    }
                }
            }
        }
        let meta = matches!(
            word,
            b"VA" | b"HD" | b"EN" | b"NS" | b"EX" | b"NF" | b"MN" | b"ME"
        );
        if meta {
            let token = rest
                .split(|&b| b == b' ')
                .find(|f| f.first() == Some(&b'O'));
            self.skip_quiet_meta(word, token, out);
        }
        let head = self.pending.iter().find(|p| !is_binary(p));
        let expect = head.map(|p| p.expect);
        let command = match head {
            Some(p) => p.detail.command.clone(),
            None => guess_command(word).to_owned(),
        };
        let mut r = Reply {
            command,
            incomplete: truncated || head.is_none(),
            ..Reply::default()
        };
        if let Some((key, len)) = value {
            r.values.push((lossy(key), len));
            self.reply = Some(r);
            self.start_value(len);
            return;
        }
        if word == b"VA" && (expect == Some(Expect::Meta) || expect.is_none()) {
            let len = rest
                .split(|&b| b == b' ')
                .next()
                .and_then(parse_u64)
                .unwrap_or(0);
            r.status = Some("VA".into());
            let key = head
                .and_then(|p| p.detail.keys.first())
                .map(|k| k.key.clone())
                .unwrap_or_default();
            r.values.push((key, len));
            r.done_after_value = true;
            self.reply = Some(r);
            self.start_value(len);
            return;
        }
        let stats = expect == Some(Expect::Stats)
            || (expect.is_none() && matches!(word, b"STAT" | b"ITEM"));
        if stats && !is_error && word != b"END" {
            r.command = "stats".into();
            r.stats = 1;
            self.reply = Some(r);
            return;
        }
        set_status(&mut r, word, rest);
        self.finish_reply(r, at, out);
    }

    /// A text value of `len` bytes follows, then `\r\n`.
    fn start_value(&mut self, len: u64) {
        self.server.skip = len;
        if len == 0 {
            self.server.crlf = 2;
        }
    }

    /// Before a meta reply: waiting quiet meta requests this reply cannot be for were
    /// answered by silence (`HD`, or `EN` for `mg`; protocol.txt, the `q` flag).
    fn skip_quiet_meta(&mut self, word: &[u8], token: Option<&[u8]>, out: &mut Vec<Transaction>) {
        while let Some(p) = self.pending.front() {
            if !(p.quiet && p.expect == Expect::Meta) {
                break;
            }
            // The reply echoes the opaque token of the request it answers.
            if let (Some(t), Some(mine)) = (token, p.token.as_deref()) {
                if t == mine {
                    break;
                }
            }
            let (possible, silent): (&[&[u8]], &str) = match p.detail.command.as_str() {
                "mg" => (&[b"VA", b"HD"], "EN"),
                "ms" => (&[b"NS", b"EX"], "HD"),
                "md" => (&[b"NF", b"EX"], "HD"),
                "ma" => (&[b"NF", b"NS", b"EX", b"VA"], "HD"),
                "mn" => (&[b"MN"], "MN"),
                _ => (&[b"ME", b"EN"], "EN"),
            };
            if possible.contains(&word) && (token.is_none() || p.token.is_none()) {
                break;
            }
            let mut p = self.pending.pop_front().expect("front exists");
            p.detail.status = Some(silent.into());
            if silent == "EN" {
                for k in &mut p.detail.keys {
                    k.hit = Some(false);
                    p.detail.misses += 1;
                }
            }
            emit(p, None, out);
        }
    }

    /// A text reply is complete: it belongs to the first waiting text request.
    fn finish_reply(&mut self, r: Reply, at: At, out: &mut Vec<Transaction>) {
        let (span, lost) = self.server.finish(at);
        let pos = self.pending.iter().position(|p| !is_binary(p));
        let Some(mut p) = pos.and_then(|i| self.pending.remove(i)) else {
            // A reply without its request (a stream joined mid-way).
            let mut d = Memcache {
                command: r.command,
                status: r.status,
                message: r.message,
                stats: r.stats,
                incomplete: true,
                ..Memcache::default()
            };
            d.error = is_error_word(d.status.as_deref());
            d.keys = r
                .values
                .into_iter()
                .map(|(key, len)| Key {
                    key,
                    hit: Some(true),
                    value_len: Some(len),
                })
                .collect();
            d.hits = d.keys.len() as u32;
            out.push(Transaction {
                conv: 0,
                request: None,
                response: Some(span),
                detail: Detail::Memcache(d),
            });
            return;
        };
        let d = &mut p.detail;
        d.status = r.status;
        d.message = r.message;
        d.incomplete |= r.incomplete || lost;
        d.stats = r.stats;
        d.error = is_error_word(d.status.as_deref());
        let retrieval = matches!(d.command.as_str(), "get" | "gets" | "gat" | "gats" | "mg");
        if retrieval && !d.error {
            // Each key asked for is a hit if a value came back for it.
            let mut values = r.values;
            let status = d.status.clone().unwrap_or_default();
            for k in &mut d.keys {
                let hit = match values.iter().position(|(key, _)| *key == k.key) {
                    Some(i) => {
                        k.value_len = Some(values.remove(i).1);
                        true
                    }
                    // mg without the `v` flag: HD is a hit.
                    None => d.command == "mg" && status == "HD",
                };
                k.hit = Some(hit);
                if hit {
                    d.hits += 1;
                } else {
                    d.misses += 1;
                }
            }
        } else if matches!(
            d.command.as_str(),
            "delete" | "incr" | "decr" | "touch" | "md" | "ma"
        ) {
            let status = d.status.as_deref().unwrap_or("");
            let hit = match status {
                "NOT_FOUND" | "NF" => Some(false),
                "DELETED" | "TOUCHED" | "HD" | "VA" => Some(true),
                s if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Some(true),
                _ => None,
            };
            if let Some(hit) = hit {
                for k in &mut d.keys {
                    k.hit = Some(hit);
                }
                if hit {
                    d.hits += d.keys.len() as u32;
                } else {
                    d.misses += d.keys.len() as u32;
                }
            }
        }
        emit(p, Some(span), out);
    }

    /// A binary reply is complete.
    fn binary_reply(&mut self, r: BinReply, at: At, out: &mut Vec<Transaction>) {
        let message = (r.status != 0 && !self.server.buf.is_empty())
            .then(|| String::from_utf8_lossy(&self.server.buf).into_owned());
        self.server.buf.clear();
        self.server.keep = 0;
        // A stat reply with a key is one of many: the one with an empty key ends them.
        if r.opcode == 0x10 && !r.key.is_empty() && r.status == 0 {
            if let Some(p) = self
                .pending
                .iter_mut()
                .find(|p| p.expect == Expect::BinaryStat && p.opaque == r.opaque)
            {
                p.detail.stats += 1;
                let (span, _) = self.server.finish(at);
                let resp = p.response.get_or_insert(Span {
                    first: span.first,
                    last: span.last,
                    bytes: 0,
                });
                resp.last = span.last;
                resp.bytes += span.bytes;
                return;
            }
        }
        let (mut span, lost) = self.server.finish(at);
        // The request with this opaque; quiet requests before it were answered by silence.
        let binary = |p: &Pending| p.expect == Expect::Binary || p.expect == Expect::BinaryStat;
        let pos = self
            .pending
            .iter()
            .position(|p| binary(p) && p.opaque == r.opaque && p.detail.opcode == Some(r.opcode))
            .or_else(|| {
                self.pending
                    .iter()
                    .position(|p| binary(p) && p.opaque == r.opaque)
            });
        let Some(pos) = pos else {
            let (name, _) = opcode_name(r.opcode);
            let mut d = Memcache {
                binary: true,
                command: name.into(),
                opcode: Some(r.opcode),
                incomplete: true,
                ..Memcache::default()
            };
            if !r.key.is_empty() || r.value_len > 0 {
                d.keys.push(Key {
                    key: String::from_utf8_lossy(&r.key).into_owned(),
                    hit: None,
                    value_len: (r.value_len > 0).then_some(r.value_len),
                });
            }
            binary_status(&mut d, r.status, message);
            out.push(Transaction {
                conv: 0,
                request: None,
                response: Some(span),
                detail: Detail::Memcache(d),
            });
            return;
        };
        let mut i = 0;
        let mut remaining = pos;
        while remaining > 0 {
            remaining -= 1;
            if !binary(&self.pending[i]) {
                i += 1;
                continue;
            }
            let mut p = self.pending.remove(i).expect("index within");
            if p.quiet {
                silence(&mut p.detail);
            } else {
                p.detail.incomplete = true;
            }
            emit(p, None, out);
        }
        let mut p = self.pending.remove(i).expect("position found");
        if let Some(prev) = p.response {
            span.first = prev.first;
            span.bytes += prev.bytes;
        }
        let d = &mut p.detail;
        d.incomplete |= lost;
        binary_status(d, r.status, message);
        let retrieval = matches!(
            r.opcode,
            0x00 | 0x09 | 0x0c | 0x0d | 0x1d | 0x1e | 0x23 | 0x24
        );
        if retrieval && d.keys.is_empty() && !r.key.is_empty() {
            d.keys.push(Key {
                key: String::from_utf8_lossy(&r.key).into_owned(),
                hit: None,
                value_len: None,
            });
        }
        if retrieval || matches!(r.opcode, 0x04 | 0x05 | 0x06 | 0x14 | 0x15 | 0x16 | 0x1c) {
            let hit = match r.status {
                0 => Some(true),
                1 => Some(false),
                _ => None,
            };
            if let Some(hit) = hit {
                for k in &mut d.keys {
                    k.hit = Some(hit);
                    if hit && retrieval {
                        k.value_len = Some(r.value_len);
                    }
                }
                if hit {
                    d.hits += d.keys.len() as u32;
                } else {
                    d.misses += d.keys.len() as u32;
                }
            }
        }
        emit(p, Some(span), out);
    }

    // ---- gaps ----------------------------------------------------------------------

    fn client_gap(&mut self, len: u64, at: At, out: &mut Vec<Transaction>) {
        let side = &mut self.client;
        if side.skip >= len && side.skip > 0 {
            // Inside a value of known length: still in step.
            side.skip -= len;
            side.bytes += len;
            side.lost = true;
            if side.skip == 0 {
                match std::mem::replace(&mut self.request, Request::None) {
                    Request::Text(p) => {
                        self.client.crlf = 2;
                        self.request = Request::Text(p);
                    }
                    Request::Binary(p) => self.request_done(p, at, out),
                    Request::None => {}
                }
            }
            return;
        }
        // A command line cut by the gap is still a command (its last word may be cut).
        if self.client.mode == Mode::Text
            && !self.client.buf.is_empty()
            && !self.client.hunting
            && self.client.crlf == 0
        {
            let line = std::mem::take(&mut self.client.buf);
            self.client.lost = true;
            self.client_line(&line, true, at, out);
        }
        // The request in progress is known but its end is lost; it may still be answered.
        match std::mem::replace(&mut self.request, Request::None) {
            Request::Text(mut p) | Request::Binary(mut p) => {
                p.detail.incomplete = true;
                self.request_done(p, at, out);
            }
            Request::None => {}
        }
        self.client.resync();
    }

    fn server_gap(&mut self, len: u64, at: At, out: &mut Vec<Transaction>) {
        let side = &mut self.server;
        if side.skip >= len && side.skip > 0 {
            side.skip -= len;
            side.bytes += len;
            side.lost = true;
            side.keep = 0;
            if side.skip == 0 {
                if let Some(r) = self.bin_reply.take() {
                    self.binary_reply(r, at, out);
                } else {
                    self.server.crlf = 2;
                }
            }
            return;
        }
        // The reply in progress — or, between replies, the next one — is lost: its
        // request completes without it. Quiet requests ahead of it may have had no reply.
        self.bin_reply = None;
        self.reply = None;
        self.server.resync();
        if let Some(mut p) = self.pending.pop_front() {
            p.detail.incomplete = true;
            emit(p, None, out);
        }
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if from_client {
            self.client_data(bytes, at, out);
        } else {
            self.server_data(bytes, at, out);
        }
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        if len == 0 {
            return;
        }
        if from_client {
            self.client_gap(len, at, out);
        } else {
            self.server_gap(len, at, out);
        }
    }

    fn end(&mut self, at: At, out: &mut Vec<Transaction>) {
        // A reply in progress completes as it stands; then whatever still waits.
        if let Some(mut r) = self.reply.take() {
            r.incomplete = true;
            self.finish_reply(r, at, out);
        }
        if let Some(r) = self.bin_reply.take() {
            self.server.lost = true;
            self.binary_reply(r, at, out);
        }
        match std::mem::replace(&mut self.request, Request::None) {
            Request::Text(mut p) | Request::Binary(mut p) => {
                p.detail.incomplete |= self.client.skip > 0 || self.client.crlf > 0;
                self.client.skip = 0;
                self.client.crlf = 0;
                self.request_done(p, at, out);
            }
            Request::None => {}
        }
        while let Some(mut p) = self.pending.pop_front() {
            if p.quiet && p.detail.binary {
                silence(&mut p.detail);
            } else {
                p.detail.incomplete = true;
            }
            emit(p, None, out);
        }
        self.client.resync();
        self.server.resync();
    }
}

fn emit(p: Pending, response: Option<Span>, out: &mut Vec<Transaction>) {
    out.push(Transaction {
        conv: 0,
        request: Some(p.request),
        response: response.or(p.response),
        detail: Detail::Memcache(p.detail),
    });
}

fn is_error_word(status: Option<&str>) -> bool {
    matches!(status, Some("ERROR" | "CLIENT_ERROR" | "SERVER_ERROR"))
}

fn set_status(r: &mut Reply, word: &[u8], rest: &[u8]) {
    r.status = Some(lossy(word));
    if !rest.is_empty() {
        r.message = Some(lossy(rest));
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn is_binary(p: &Pending) -> bool {
    p.expect == Expect::Binary || p.expect == Expect::BinaryStat
}

/// The command a reply without its request most likely answers.
fn guess_command(word: &[u8]) -> &'static str {
    match word {
        b"VALUE" | b"END" => "get",
        b"STAT" | b"ITEM" => "stats",
        b"STORED" | b"NOT_STORED" | b"EXISTS" => "set",
        b"DELETED" => "delete",
        b"TOUCHED" => "touch",
        b"VERSION" => "version",
        b"VA" | b"EN" => "mg",
        b"MN" => "mn",
        w if !w.is_empty() && w.iter().all(u8::is_ascii_digit) => "incr",
        _ => "",
    }
}

/// A quiet binary request the server went past without a reply: a quiet get missed,
/// anything else succeeded.
fn silence(d: &mut Memcache) {
    let get = matches!(d.opcode, Some(0x09 | 0x0d | 0x1e | 0x24));
    binary_status(d, u16::from(get), None);
    d.status = Some(
        if get {
            "Key not found (no reply)"
        } else {
            "No error (no reply)"
        }
        .into(),
    );
    d.status_code = None;
    if get {
        for k in &mut d.keys {
            k.hit = Some(false);
        }
        d.misses += d.keys.len() as u32;
    }
}

/// Sets the status fields of a binary reply.
fn binary_status(d: &mut Memcache, status: u16, message: Option<String>) {
    d.status_code = Some(status);
    d.status = Some(status_name(status).into());
    d.message = message;
    // Not found, exists and not stored are answers, not errors.
    d.error = !matches!(status, 0 | 1 | 2 | 5);
}

/// Names of binary statuses (BinaryProtocolRevamped "Response Status").
pub fn status_name(status: u16) -> &'static str {
    match status {
        0x00 => "No error",
        0x01 => "Key not found",
        0x02 => "Key exists",
        0x03 => "Value too large",
        0x04 => "Invalid arguments",
        0x05 => "Item not stored",
        0x06 => "Incr/Decr on non-numeric value",
        0x07 => "The vbucket belongs to another server",
        0x08 => "Authentication error",
        0x09 => "Authentication continue",
        0x81 => "Unknown command",
        0x82 => "Out of memory",
        0x83 => "Not supported",
        0x84 => "Internal error",
        0x85 => "Busy",
        0x86 => "Temporary failure",
        _ => "Unknown status",
    }
}

/// A binary opcode's name and whether it is a quiet variant.
pub fn opcode_name(opcode: u8) -> (&'static str, bool) {
    match opcode {
        0x00 => ("get", false),
        0x01 => ("set", false),
        0x02 => ("add", false),
        0x03 => ("replace", false),
        0x04 => ("delete", false),
        0x05 => ("increment", false),
        0x06 => ("decrement", false),
        0x07 => ("quit", false),
        0x08 => ("flush", false),
        0x09 => ("getq", true),
        0x0a => ("noop", false),
        0x0b => ("version", false),
        0x0c => ("getk", false),
        0x0d => ("getkq", true),
        0x0e => ("append", false),
        0x0f => ("prepend", false),
        0x10 => ("stat", false),
        0x11 => ("setq", true),
        0x12 => ("addq", true),
        0x13 => ("replaceq", true),
        0x14 => ("deleteq", true),
        0x15 => ("incrementq", true),
        0x16 => ("decrementq", true),
        0x17 => ("quitq", true),
        0x18 => ("flushq", true),
        0x19 => ("appendq", true),
        0x1a => ("prependq", true),
        0x1b => ("verbosity", false),
        0x1c => ("touch", false),
        0x1d => ("gat", false),
        0x1e => ("gatq", true),
        0x20 => ("sasl_list_mechs", false),
        0x21 => ("sasl_auth", false),
        0x22 => ("sasl_step", false),
        0x23 => ("gatk", false),
        0x24 => ("gatkq", true),
        _ => ("unknown", false),
    }
}

/// A binary header (BinaryProtocolRevamped "Packet Structure").
#[derive(Clone, Copy, Debug)]
struct Header {
    opcode: u8,
    key_len: u16,
    extras: u8,
    /// vbucket id (request) or status (response).
    status: u16,
    body: u32,
    opaque: u32,
}

impl Header {
    fn parse(h: &[u8]) -> Option<Header> {
        let h: &[u8; 24] = h.get(..24)?.try_into().ok()?;
        let header = Header {
            opcode: h[1],
            key_len: u16::from_be_bytes([h[2], h[3]]),
            extras: h[4],
            status: u16::from_be_bytes([h[6], h[7]]),
            body: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
            opaque: u32::from_be_bytes([h[12], h[13], h[14], h[15]]),
        };
        // Data type 0 (raw bytes) is the only one defined; extras and key fit the body.
        (h[5] == 0 && header.key_len as u32 + header.extras as u32 <= header.body).then_some(header)
    }

    fn value_len(&self) -> u64 {
        self.body as u64 - self.key_len as u64 - self.extras as u64
    }

    /// Header, extras and key.
    fn head_len(&self) -> usize {
        24 + self.extras as usize + self.key_len as usize
    }

    /// What a real header looks like, to resynchronise on after a gap: a known opcode,
    /// a key memcached would take (at most 250 bytes), small extras.
    fn plausible(&self) -> bool {
        opcode_name(self.opcode).0 != "unknown"
            && self.key_len <= 250
            && self.extras <= 20
            && self.body <= 1 << 30
    }
}

enum BinHead {
    More,
    Invalid,
    Done(Header),
}

/// Reads a binary header, then its extras and key, into `side.buf`. An invalid header
/// is dropped (the caller resynchronises); at least one byte is always consumed.
fn read_binary_head(side: &mut Side, input: &[u8], at: At, magic: u8) -> (usize, BinHead) {
    let need = match Header::parse(&side.buf) {
        Some(h) if side.buf.len() >= 24 => h.head_len(),
        _ => 24,
    };
    let n = need.saturating_sub(side.buf.len()).min(input.len());
    side.buf.extend_from_slice(&input[..n]);
    side.take(n, at);
    if side.buf.len() < 24 {
        return (n, BinHead::More);
    }
    match Header::parse(&side.buf) {
        Some(h) if side.buf[0] == magic && (!side.hunting || h.plausible()) => {
            if side.buf.len() < h.head_len() {
                (n, BinHead::More)
            } else {
                (n, BinHead::Done(h))
            }
        }
        _ => (n.max(1).min(input.len()), BinHead::Invalid),
    }
}

/// Reads into `side.buf` up to and including a `\n`. Returns the bytes consumed and,
/// when a line is complete, whether it was cut at [`MAX_LINE`].
fn read_line(side: &mut Side, input: &[u8], at: At) -> (usize, Option<bool>) {
    let (n, complete) = match input.iter().position(|&b| b == b'\n') {
        Some(i) => (i + 1, true),
        None => (input.len(), false),
    };
    let room = MAX_LINE.saturating_sub(side.buf.len());
    if n > room {
        side.overflow = true;
    }
    side.buf.extend_from_slice(&input[..n.min(room)]);
    side.take(n, at);
    if !complete {
        return (n, None);
    }
    let truncated = std::mem::replace(&mut side.overflow, false);
    (n, Some(truncated))
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_text(line: &[u8]) -> bool {
    line.len() <= 1024
        && line
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
}

fn parse_u64(t: &[u8]) -> Option<u64> {
    if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse().ok()
}

/// `VALUE <key> <flags> <bytes> [<cas unique>]`: the key and the value's length.
fn parse_value_line(rest: &[u8]) -> Option<(&[u8], u64)> {
    let mut t = rest.split(|&b| b == b' ').filter(|t| !t.is_empty());
    let key = t.next()?;
    let _flags = parse_u64(t.next()?)?;
    let len = parse_u64(t.next()?)?;
    Some((key, len))
}

// ---------------------------------------------------------------------------------------
// Tables: hot keys, largest values, commands.
// ---------------------------------------------------------------------------------------

/// Where a row's bytes are: the conversation and the packets (first and last) of the
/// transaction (request first, response last).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Flow id of the conversation (index into `Capture::conversations`).
    pub conv: u32,
    /// The first packet of the transaction.
    pub first_packet: u64,
    /// The last packet of the transaction.
    pub last_packet: u64,
}

impl Place {
    /// The packets of a transaction.
    pub fn of(t: &Transaction) -> Place {
        let first = t.request.or(t.response).map_or(0, |s| s.first.packet);
        let last = t.response.or(t.request).map_or(0, |s| s.last.packet);
        Place {
            conv: t.conv,
            first_packet: first,
            last_packet: last.max(first),
        }
    }
}

/// One key's traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HotKey {
    /// The key.
    pub key: String,
    /// Commands that named it.
    pub count: u64,
    /// Lookups that found it.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Value bytes sent with it and returned for it.
    pub bytes: u64,
    /// Its largest value.
    pub largest: u64,
    /// A value over [`LARGE_VALUE`] bytes was seen.
    pub over_1mb: bool,
    /// Conversations it was used in.
    pub conversations: u64,
    /// Its first transaction.
    pub first: Place,
    /// Its last transaction.
    pub last: Place,
}

/// The memcached transactions among `txs`.
pub fn transactions<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> impl Iterator<Item = (&'a Transaction, &'a Memcache)> {
    txs.into_iter().filter_map(|t| match &t.detail {
        Detail::Memcache(m) => Some((t, m)),
        _ => None,
    })
}

/// Keys by how often commands named them (then by bytes), most first.
pub fn hot_keys<'a>(txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<HotKey> {
    let mut keys: std::collections::HashMap<&'a str, (HotKey, u32)> =
        std::collections::HashMap::new();
    for (t, m) in transactions(txs) {
        let place = Place::of(t);
        for k in &m.keys {
            let (h, last_conv) = keys.entry(k.key.as_str()).or_insert_with(|| {
                (
                    HotKey {
                        key: k.key.clone(),
                        first: place,
                        ..HotKey::default()
                    },
                    u32::MAX,
                )
            });
            h.count += 1;
            match k.hit {
                Some(true) => h.hits += 1,
                Some(false) => h.misses += 1,
                None => {}
            }
            let len = k.value_len.unwrap_or(0);
            h.bytes += len;
            h.largest = h.largest.max(len);
            h.over_1mb |= len > LARGE_VALUE;
            if *last_conv != t.conv {
                // Transactions come conversation by conversation, roughly: count changes.
                h.conversations += 1;
                *last_conv = t.conv;
            }
            h.last = place;
        }
    }
    let mut rows: Vec<HotKey> = keys.into_values().map(|(h, _)| h).collect();
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.bytes.cmp(&a.bytes))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// One value, sent or returned.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Value {
    /// Its key.
    pub key: String,
    /// The command that moved it.
    pub command: String,
    /// Its length.
    pub value_len: u64,
    /// Over [`LARGE_VALUE`] bytes: it stands out.
    pub over_1mb: bool,
    /// Sent by the client (a storage command) rather than returned.
    pub sent: bool,
    /// Where.
    pub place: Place,
}

/// Values by length, largest first (ties in capture order).
pub fn largest_values<'a>(txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<Value> {
    let mut rows = Vec::new();
    for (t, m) in transactions(txs) {
        for k in &m.keys {
            if let Some(len) = k.value_len {
                rows.push(Value {
                    key: k.key.clone(),
                    command: m.command.clone(),
                    value_len: len,
                    over_1mb: len > LARGE_VALUE,
                    sent: k.hit.is_none(),
                    place: Place::of(t),
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        b.value_len
            .cmp(&a.value_len)
            .then(a.place.first_packet.cmp(&b.place.first_packet))
    });
    rows
}

/// One command's totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommandStats {
    /// The command.
    pub command: String,
    /// Transactions.
    pub count: u64,
    /// Keys found.
    pub hits: u64,
    /// Keys not found.
    pub misses: u64,
    /// Error replies.
    pub errors: u64,
    /// Sent with noreply (no reply expected).
    pub noreply: u64,
    /// Incomplete (bytes lost, or no reply seen).
    pub incomplete: u64,
    /// Value bytes.
    pub bytes: u64,
    /// Latency of those with a reply: total and largest, in ns.
    pub latency_total_ns: i64,
    /// The largest latency, in ns.
    pub latency_max_ns: i64,
    /// Transactions with a latency.
    pub timed: u64,
}

/// Totals per command, most used first.
pub fn commands<'a>(txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<CommandStats> {
    let mut by: std::collections::BTreeMap<&'a str, CommandStats> =
        std::collections::BTreeMap::new();
    for (t, m) in transactions(txs) {
        let c = by
            .entry(m.command.as_str())
            .or_insert_with(|| CommandStats {
                command: m.command.clone(),
                ..CommandStats::default()
            });
        c.count += 1;
        c.hits += m.hits as u64;
        c.misses += m.misses as u64;
        c.errors += u64::from(m.error);
        c.noreply += u64::from(m.noreply);
        c.incomplete += u64::from(m.incomplete);
        c.bytes += m.value_bytes();
        if let Some(ns) = t.latency_ns() {
            c.timed += 1;
            c.latency_total_ns += ns;
            c.latency_max_ns = c.latency_max_ns.max(ns);
        }
    }
    let mut rows: Vec<CommandStats> = by.into_values().collect();
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.command.cmp(&b.command))
    });
    rows
}

/// Test helpers shared by the key-value parsers' tests (memcache, redis, mysql): real
/// captures read, reassembled and replayed into a parser, in any chunking.
#[cfg(test)]
pub(crate) mod testkit {
    use super::super::{At, StreamParser, Transaction};
    use crate::capture::flow::Direction;
    use crate::ingest::reassembly::{Reassembler, StreamEvent};
    use crate::ingest::source::{Event, RecordReader};
    use crate::ingest::wire::{linktype, Tcp};
    use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::path::PathBuf;

    /// One piece of a conversation, in capture order.
    #[derive(Clone, Debug)]
    pub enum Piece {
        /// Bytes of one side.
        Data(bool, Vec<u8>, At),
        /// Bytes of one side never captured.
        Gap(bool, u64, At),
    }

    /// A path under the repository (`tests/data/...`) or the corpus (`corpus:...`); None
    /// when a corpus file is absent.
    pub fn path(p: &str) -> Option<PathBuf> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = match p.strip_prefix("corpus:") {
            Some(rest) => root.join("../shared/corpus").join(rest),
            None => root.join(p),
        };
        if path.exists() {
            Some(path)
        } else {
            eprintln!("skipped: {} is absent", path.display());
            None
        }
    }

    /// The TCP conversations of a capture with `port` at either end, as pieces; the side
    /// on `port` is the server.
    pub fn conversations(p: &str, port: u16) -> Option<Vec<Vec<Piece>>> {
        let bytes = std::fs::read(path(p)?).expect("read capture");
        let mut reader = RecordReader::new();
        let mut linktypes = Vec::new();
        let mut packets: Vec<(i64, u16, Vec<u8>)> = Vec::new();
        reader.feed(&bytes, &mut |e| match e {
            Event::Interface(i) => linktypes.push(i.linktype),
            Event::Packet(r) => {
                let lt = linktypes
                    .get(r.iface as usize)
                    .copied()
                    .unwrap_or(linktype::ETHERNET);
                packets.push((r.ts_ns, lt, r.data.to_vec()));
            }
            _ => {}
        });
        reader.finish();
        let mut flows: HashMap<(IpAddr, u16, IpAddr, u16), u32> = HashMap::new();
        let mut client_is_a: Vec<bool> = Vec::new();
        let mut a_of: Vec<(IpAddr, u16)> = Vec::new();
        let mut pieces: Vec<Vec<Piece>> = Vec::new();
        let mut reasm = Reassembler::new();
        let mut ts_of = Vec::new();
        for (i, (ts, lt, data)) in packets.iter().enumerate() {
            ts_of.push(*ts);
            let Some((src, dst, tcp, payload)) = tcp_of(*lt, data) else {
                continue;
            };
            if tcp.src_port != port && tcp.dst_port != port {
                continue;
            }
            let (lo, hi) = if (src, tcp.src_port) <= (dst, tcp.dst_port) {
                ((src, tcp.src_port), (dst, tcp.dst_port))
            } else {
                ((dst, tcp.dst_port), (src, tcp.src_port))
            };
            let n = flows.len() as u32;
            let conv = *flows.entry((lo.0, lo.1, hi.0, hi.1)).or_insert(n);
            if conv == n {
                a_of.push((src, tcp.src_port));
                client_is_a.push(tcp.dst_port == port);
                pieces.push(Vec::new());
            }
            let dir = if a_of[conv as usize] == (src, tcp.src_port) {
                Direction::AToB
            } else {
                Direction::BToA
            };
            let at = At {
                packet: i as u64,
                ts_ns: *ts,
            };
            reasm.segment(conv, dir, &tcp, payload, i as u64, &mut |e| {
                record(&mut pieces, &client_is_a, e, Some(at), &ts_of)
            });
        }
        reasm.finish(&mut |e| record(&mut pieces, &client_is_a, e, None, &ts_of));
        Some(pieces)
    }

    fn record(
        pieces: &mut [Vec<Piece>],
        client_is_a: &[bool],
        e: StreamEvent<'_>,
        at: Option<At>,
        ts_of: &[i64],
    ) {
        let side =
            |conv: u32, dir: Direction| (dir == Direction::AToB) == client_is_a[conv as usize];
        match e {
            StreamEvent::Data {
                conv,
                dir,
                bytes,
                packet,
                ..
            } => {
                let at = At {
                    packet,
                    ts_ns: ts_of.get(packet as usize).copied().unwrap_or_default(),
                };
                pieces[conv as usize].push(Piece::Data(side(conv, dir), bytes.to_vec(), at));
            }
            StreamEvent::Gap { conv, dir, len, .. } => {
                let at = at.unwrap_or(At {
                    packet: ts_of.len() as u64 - 1,
                    ts_ns: *ts_of.last().unwrap_or(&0),
                });
                pieces[conv as usize].push(Piece::Gap(side(conv, dir), len, at));
            }
            StreamEvent::End { .. } => {}
        }
    }

    /// Source, destination, TCP header and the captured payload of a frame.
    fn tcp_of(lt: u16, data: &[u8]) -> Option<(IpAddr, IpAddr, Tcp, &[u8])> {
        let sliced = match lt {
            linktype::ETHERNET => LaxSlicedPacket::from_ethernet(data).ok()?,
            linktype::NULL | linktype::LOOP => LaxSlicedPacket::from_ip(data.get(4..)?).ok()?,
            linktype::LINUX_SLL => LaxSlicedPacket::from_ether_type(
                EtherType(u16::from_be_bytes([data[14], data[15]])),
                data.get(16..)?,
            ),
            _ => LaxSlicedPacket::from_ip(data).ok()?,
        };
        let (src, dst, ip_payload_len) = match sliced.net.as_ref()? {
            LaxNetSlice::Ipv4(ip) => {
                let h = ip.header();
                (
                    IpAddr::V4(h.source_addr()),
                    IpAddr::V4(h.destination_addr()),
                    (h.total_len() as usize).saturating_sub(h.ihl() as usize * 4),
                )
            }
            LaxNetSlice::Ipv6(ip) => {
                let h = ip.header();
                (
                    IpAddr::V6(h.source_addr()),
                    IpAddr::V6(h.destination_addr()),
                    (h.payload_length() as usize).saturating_sub(ip.extensions().slice().len()),
                )
            }
            LaxNetSlice::Arp(_) => return None,
        };
        let TransportSlice::Tcp(t) = sliced.transport? else {
            return None;
        };
        let flags = (t.fin() as u8)
            | (t.syn() as u8) << 1
            | (t.rst() as u8) << 2
            | (t.psh() as u8) << 3
            | (t.ack() as u8) << 4;
        let tcp = Tcp {
            src_port: t.source_port(),
            dst_port: t.destination_port(),
            seq: t.sequence_number(),
            ack: t.acknowledgment_number(),
            flags,
            payload_len: ip_payload_len.saturating_sub(t.header_len()) as u32,
            ..Tcp::default()
        };
        Some((src, dst, tcp, t.payload()))
    }

    /// Feeds pieces to a new parser, each data piece cut by `cut` (piece index, length
    /// → the lengths to cut it into), and returns the transactions.
    pub fn replay(
        make: &dyn Fn() -> Box<dyn StreamParser>,
        pieces: &[Piece],
        cut: &dyn Fn(usize, usize) -> Vec<usize>,
    ) -> Vec<Transaction> {
        let mut p = make();
        let mut out = Vec::new();
        let mut last = At::default();
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Data(client, bytes, at) => {
                    let mut rest = &bytes[..];
                    for n in cut(i, bytes.len()) {
                        let n = n.min(rest.len());
                        p.data(*client, &rest[..n], *at, &mut out);
                        rest = &rest[n..];
                    }
                    if !rest.is_empty() {
                        p.data(*client, rest, *at, &mut out);
                    }
                    last = *at;
                }
                Piece::Gap(client, len, at) => {
                    p.gap(*client, *len, *at, &mut out);
                    last = *at;
                }
            }
        }
        p.end(last, &mut out);
        out
    }

    /// Encodes pieces as the fuzz targets read them (fuzz/fuzz_targets/{memcache,redis,
    /// mysql}.rs): a flag byte (bit 0 client, bit 1 gap, bits 2–7 chunk size) and a
    /// length byte, then the bytes; longer pieces are cut into 255-byte ones.
    pub fn fuzz_input(pieces: &[Piece], chunk: u8) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                Piece::Data(client, bytes, _) => {
                    for c in bytes.chunks(255) {
                        out.push(u8::from(*client) | chunk << 2);
                        out.push(c.len() as u8);
                        out.extend_from_slice(c);
                    }
                }
                Piece::Gap(client, len, _) => {
                    out.push(u8::from(*client) | 2);
                    out.push((*len).clamp(1, 256) as u8 - 1);
                }
            }
        }
        out
    }

    /// Writes seed inputs for the fuzz targets into fuzz/corpus/<target>/ (gitignored):
    /// the first bytes of each real conversation. Run with
    /// `cargo test -p wirelens-core --lib seed_fuzz_corpus -- --ignored`.
    #[test]
    #[ignore]
    fn seed_fuzz_corpus() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        let captures: [(&str, &str, u16); 14] = [
            ("memcache", "tests/data/servers/memcached.pcap", 21211),
            (
                "memcache",
                "corpus:deepflow/memcached/memcached.pcap",
                11211,
            ),
            (
                "memcache",
                "corpus:deepflow/memcached/memcached-userdata.pcap",
                11211,
            ),
            ("redis", "tests/data/servers/redis.pcap", 26379),
            ("redis", "corpus:zeek/redis/pubsub.pcap", 6379),
            ("redis", "corpus:zeek/redis/attr.pcap", 6379),
            ("redis", "corpus:tcpdump/resp_3_malicious.pcap", 6379),
            ("redis", "corpus:zeek/redis/django-cloud.pcapng", 10625),
            ("mysql", "tests/data/servers/mariadb.pcap", 23306),
            ("mysql", "corpus:zeek/mysql/many-query-attrs.pcap", 3306),
            ("mysql", "corpus:zeek/mysql/auth.pcap", 3306),
            ("mysql", "corpus:deepflow/mysql/mysql-statement.pcap", 30130),
            (
                "mysql",
                "corpus:deepflow/mysql/partial-packet-compressed.pcap",
                30130,
            ),
            ("mysql", "corpus:zeek/mysql/encrypted.pcap", 3306),
        ];
        for (target, capture, port) in captures {
            let Some(convs) = conversations(capture, port) else {
                continue;
            };
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).expect("create the corpus directory");
            for (i, c) in convs.iter().enumerate().take(20) {
                // Keep seeds small: the first 12 pieces, each at most 4 KiB.
                let head: Vec<Piece> = c
                    .iter()
                    .take(12)
                    .map(|p| match p {
                        Piece::Data(cl, b, at) => {
                            Piece::Data(*cl, b[..b.len().min(4096)].to_vec(), *at)
                        }
                        g => g.clone(),
                    })
                    .collect();
                let name = format!("{}-{i}", capture.rsplit('/').next().unwrap_or("x"));
                std::fs::write(dir.join(name), fuzz_input(&head, 5)).expect("write a seed");
            }
        }
    }

    /// Whole pieces.
    pub fn whole(_: usize, len: usize) -> Vec<usize> {
        vec![len]
    }

    /// One byte at a time.
    pub fn bytewise(_: usize, len: usize) -> Vec<usize> {
        vec![1; len]
    }

    /// Checks that 1-byte pieces, and every two-piece cut of every piece up to `max`
    /// bytes (a sample of cuts beyond), give the same transactions as whole pieces.
    pub fn check_splits(make: &dyn Fn() -> Box<dyn StreamParser>, pieces: &[Piece], max: usize) {
        let want = replay(make, pieces, &whole);
        assert_eq!(
            replay(make, pieces, &bytewise),
            want,
            "1-byte pieces differ"
        );
        for (i, piece) in pieces.iter().enumerate() {
            let Piece::Data(_, bytes, _) = piece else {
                continue;
            };
            let step = if bytes.len() <= max {
                1
            } else {
                bytes.len() / max + 1
            };
            for k in (1..bytes.len()).step_by(step) {
                let got = replay(make, pieces, &|j, len| {
                    if j == i {
                        vec![k, len - k]
                    } else {
                        vec![len]
                    }
                });
                assert_eq!(got, want, "piece {i} cut at {k} of {} differs", bytes.len());
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::testkit::{self, Piece};
    use super::*;

    fn make() -> Box<dyn StreamParser> {
        Box::new(Parser::new())
    }

    fn details(txs: &[Transaction]) -> Vec<&Memcache> {
        txs.iter()
            .map(|t| match &t.detail {
                Detail::Memcache(m) => m,
                other => panic!("not memcache: {other:?}"),
            })
            .collect()
    }

    fn at(packet: u64) -> At {
        At {
            packet,
            ts_ns: packet as i64 * 1000,
        }
    }

    /// A conversation of (from_client, bytes) pieces, each its own packet.
    fn pieces(parts: &[(bool, &[u8])]) -> Vec<Piece> {
        parts
            .iter()
            .enumerate()
            .map(|(i, (c, b))| Piece::Data(*c, b.to_vec(), at(i as u64)))
            .collect()
    }

    fn run(parts: &[(bool, &[u8])]) -> Vec<Transaction> {
        let p = pieces(parts);
        testkit::check_splits(&make, &p, usize::MAX);
        testkit::replay(&make, &p, &testkit::whole)
    }

    fn keys(m: &Memcache) -> Vec<(&str, Option<bool>, Option<u64>)> {
        m.keys
            .iter()
            .map(|k| (k.key.as_str(), k.hit, k.value_len))
            .collect()
    }

    #[test]
    fn real_capture_of_text_and_binary_protocols() {
        let Some(convs) = testkit::conversations("tests/data/servers/memcached.pcap", 21211) else {
            return;
        };
        assert_eq!(convs.len(), 3);
        let txs: Vec<Transaction> = convs
            .iter()
            .flat_map(|c| testkit::replay(&make, c, &testkit::whole))
            .collect();
        let d = details(&txs);
        assert_eq!(d.len(), 49);
        assert!(d.iter().all(|m| !m.incomplete), "nothing lost");
        // 20 gets of the hot key, plus one in the multi-get.
        let hot = d
            .iter()
            .filter(|m| {
                m.command == "get"
                    && m.keys
                        .iter()
                        .any(|k| k.key == "user:1" && k.hit == Some(true))
            })
            .count();
        assert_eq!(hot, 21);
        let multi = d.iter().find(|m| m.keys.len() == 4).expect("the multi-get");
        assert_eq!(
            keys(multi),
            [
                ("user:1", Some(true), Some(5)),
                ("user:2", Some(true), Some(3)),
                ("missing:1", Some(false), None),
                ("session:abc", Some(true), Some(3000))
            ]
        );
        assert_eq!((multi.hits, multi.misses), (3, 1));
        // pymemcache sends storage commands with noreply: complete on the request.
        let big = txs
            .iter()
            .zip(&d)
            .find(|(_, m)| m.command == "set" && m.keys[0].key == "big:blob")
            .expect("the big set");
        assert_eq!(big.1.keys[0].value_len, Some(1_052_672));
        assert!(big.1.noreply && big.0.response.is_none());
        assert_eq!(
            big.0.request.map(|s| (s.first.packet, s.last.packet)),
            Some((67, 91))
        );
        let get_big = txs
            .iter()
            .zip(&d)
            .find(|(_, m)| m.command == "get" && m.keys[0].key == "big:blob")
            .expect("get big");
        assert_eq!(get_big.1.keys[0].value_len, Some(1_052_672));
        assert_eq!(
            get_big.0.response.map(|s| (s.first.packet, s.last.packet)),
            Some((94, 127))
        );
        let cas = d.iter().find(|m| m.command == "cas").expect("cas");
        assert_eq!(cas.status.as_deref(), Some("STORED"));
        let incr = d.iter().find(|m| m.command == "incr").expect("incr");
        assert_eq!(
            (incr.status.as_deref(), incr.arg.as_deref(), incr.hits),
            (Some("15"), Some("5"), 1)
        );
        let stats = d.iter().find(|m| m.command == "stats").expect("stats");
        assert_eq!((stats.stats, stats.status.as_deref()), (92, Some("END")));
        // The pipelined connection: replies in order.
        let pipelined: Vec<_> = d
            .iter()
            .filter(|m| m.keys.iter().any(|k| k.key.starts_with("p")))
            .map(|m| (m.command.as_str(), m.status.as_deref(), m.hits, m.misses))
            .collect();
        assert_eq!(
            pipelined,
            [
                ("set", Some("STORED"), 0, 0),
                ("set", Some("STORED"), 0, 0),
                ("get", Some("END"), 2, 1),
                ("delete", Some("DELETED"), 1, 0)
            ]
        );
        // The binary connection.
        let binary: Vec<_> = d
            .iter()
            .filter(|m| m.binary)
            .map(|m| {
                (
                    m.command.as_str(),
                    m.status_code,
                    m.hits,
                    m.misses,
                    m.keys[0].value_len,
                )
            })
            .collect();
        assert_eq!(
            binary,
            [
                ("set", Some(0), 0, 0, Some(5)),
                ("get", Some(0), 1, 0, Some(5)),
                ("get", Some(1), 0, 1, None),
                ("delete", Some(0), 1, 0, None)
            ]
        );
        let miss = d
            .iter()
            .find(|m| m.binary && m.misses == 1)
            .expect("binary miss");
        assert_eq!(miss.message.as_deref(), Some("Not found"));
        // Latency: the get of the big value took from packet 93 to 127.
        assert!(get_big.0.duration_ns().is_some_and(|ns| ns > 0));
    }

    #[test]
    fn every_split_of_the_real_capture_gives_the_same_transactions() {
        let Some(convs) = testkit::conversations("tests/data/servers/memcached.pcap", 21211) else {
            return;
        };
        for c in &convs {
            testkit::check_splits(&make, c, 64);
        }
    }

    #[test]
    fn corpus_captures() {
        if let Some(convs) =
            testkit::conversations("corpus:deepflow/memcached/memcached.pcap", 11211)
        {
            let txs = testkit::replay(&make, &convs[0], &testkit::whole);
            let d = details(&txs);
            let summary: Vec<_> = d
                .iter()
                .map(|m| (m.command.as_str(), m.status.as_deref()))
                .collect();
            assert_eq!(
                summary,
                [
                    ("set", Some("STORED")),
                    ("get", Some("END")),
                    ("quit", None)
                ]
            );
            testkit::check_splits(&make, &convs[0], usize::MAX);
        }
        if let Some(convs) =
            testkit::conversations("corpus:deepflow/memcached/memcached-userdata.pcap", 11211)
        {
            let txs = testkit::replay(&make, &convs[0], &testkit::whole);
            let d = details(&txs);
            // 10154 requests; the last one's reply was not captured.
            assert_eq!(d.len(), 10154);
            assert_eq!(d.iter().filter(|m| m.incomplete).count(), 1);
            assert!(txs.iter().all(|t| t.request.is_some()));
            let count = |c: &str| d.iter().filter(|m| m.command == c).count();
            assert_eq!((count("get"), count("gets"), count("set")), (10041, 112, 1));
            testkit::check_splits(&make, &convs[0][..200], 8);
        }
    }

    #[test]
    fn commands_and_replies() {
        let txs = run(&[
            (true, b"version\r\nstats slabs\r\nflush_all 10\r\nverbosity 1 noreply\r\ntouch k 10\r\ngat 100 a b\r\n"),
            (false, b"VERSION 1.6.18\r\nSTAT 1:chunk_size 96\r\nSTAT active_slabs 1\r\nEND\r\nOK\r\nTOUCHED\r\nVALUE a 0 2\r\nxy\r\nEND\r\n"),
            (true, b"cas k 0 0 1 99\r\nz\r\nadd k 0 0 1\r\nz\r\ndelete nope\r\nincr nope 1\r\nbogus\r\nset k 0 0 abc\r\n"),
            (false, b"EXISTS\r\nNOT_STORED\r\nNOT_FOUND\r\nNOT_FOUND\r\nERROR\r\nCLIENT_ERROR bad command line format\r\n"),
            (true, b"get x\r\n"),
            (false, b"SERVER_ERROR out of memory\r\n"),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| {
                (
                    m.command.as_str(),
                    m.status.as_deref(),
                    m.message.as_deref(),
                    m.noreply,
                    m.error,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("verbosity", None, None, true, false),
                ("version", Some("VERSION"), Some("1.6.18"), false, false),
                ("stats", Some("END"), None, false, false),
                ("flush_all", Some("OK"), None, false, false),
                ("touch", Some("TOUCHED"), None, false, false),
                ("gat", Some("END"), None, false, false),
                ("cas", Some("EXISTS"), None, false, false),
                ("add", Some("NOT_STORED"), None, false, false),
                ("delete", Some("NOT_FOUND"), None, false, false),
                ("incr", Some("NOT_FOUND"), None, false, false),
                ("bogus", Some("ERROR"), None, false, true),
                (
                    "set",
                    Some("CLIENT_ERROR"),
                    Some("bad command line format"),
                    false,
                    true
                ),
                (
                    "get",
                    Some("SERVER_ERROR"),
                    Some("out of memory"),
                    false,
                    true
                ),
            ]
        );
        assert_eq!(d[2].arg.as_deref(), Some("slabs"));
        assert_eq!(d[2].stats, 2);
        assert_eq!(
            keys(d[5]),
            [("a", Some(true), Some(2)), ("b", Some(false), None)]
        );
        assert_eq!(d[5].arg.as_deref(), Some("100"));
        assert_eq!((d[8].misses, d[9].misses), (1, 1));
        // Request and response spans: the packets they came in.
        assert_eq!(txs[1].request.map(|s| s.first.packet), Some(0));
        assert_eq!(
            txs[1].response.map(|s| (s.first.packet, s.bytes)),
            Some((1, 16))
        );
        assert_eq!(txs[1].time_to_first_byte_ns(), Some(1000));
    }

    #[test]
    fn meta_commands_with_quiet_mode() {
        let txs = run(&[
            (
                true,
                b"mg hit v q\r\nmg miss v q\r\nms k 2 q\r\nhi\r\nmd gone q\r\nmn\r\nmg k s v\r\n",
            ),
            (false, b"VA 3\r\nabc\r\nNF\r\nMN\r\nVA 2 s2\r\nhi\r\n"),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| (m.command.as_str(), m.status.as_deref(), m.hits, m.misses))
            .collect();
        assert_eq!(
            got,
            [
                ("mg", Some("VA"), 1, 0),
                ("mg", Some("EN"), 0, 1),
                ("ms", Some("HD"), 0, 0),
                ("md", Some("NF"), 0, 1),
                ("mn", Some("MN"), 0, 0),
                ("mg", Some("VA"), 1, 0)
            ]
        );
        assert_eq!(keys(d[0]), [("hit", Some(true), Some(3))]);
        assert_eq!(keys(d[2]), [("k", None, Some(2))]);
    }

    /// A binary request or response (BinaryProtocolRevamped's header).
    fn bin(
        magic: u8,
        opcode: u8,
        key: &[u8],
        extras: &[u8],
        value: &[u8],
        status: u16,
        opaque: u32,
    ) -> Vec<u8> {
        let mut v = vec![magic, opcode];
        v.extend_from_slice(&(key.len() as u16).to_be_bytes());
        v.push(extras.len() as u8);
        v.push(0);
        v.extend_from_slice(&status.to_be_bytes());
        v.extend_from_slice(&((extras.len() + key.len() + value.len()) as u32).to_be_bytes());
        v.extend_from_slice(&opaque.to_be_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(extras);
        v.extend_from_slice(key);
        v.extend_from_slice(value);
        v
    }

    #[test]
    fn binary_quiet_opcodes_and_stats() {
        let mut req = Vec::new();
        req.extend(bin(0x80, 0x0d, b"a", b"", b"", 0, 1)); // GetKQ hit
        req.extend(bin(0x80, 0x0d, b"b", b"", b"", 0, 2)); // GetKQ miss: no reply
        req.extend(bin(0x80, 0x11, b"c", &[0; 8], b"val", 0, 3)); // SetQ ok: no reply
        req.extend(bin(0x80, 0x11, b"d", &[0; 8], b"vv", 0, 4)); // SetQ failing: a reply
        req.extend(bin(0x80, 0x0a, b"", b"", b"", 0, 5)); // Noop
        req.extend(bin(0x80, 0x10, b"", b"", b"", 0, 6)); // Stat
        req.extend(bin(0x80, 0x05, b"n", &[0; 20], b"", 0, 7)); // Increment
        let mut resp = Vec::new();
        resp.extend(bin(0x81, 0x0d, b"a", &[0; 4], b"AAAA", 0, 1));
        resp.extend(bin(0x81, 0x11, b"", b"", b"Too large.", 3, 4));
        resp.extend(bin(0x81, 0x0a, b"", b"", b"", 0, 5));
        resp.extend(bin(0x81, 0x10, b"pid", b"", b"42", 0, 6));
        resp.extend(bin(0x81, 0x10, b"uptime", b"", b"7", 0, 6));
        resp.extend(bin(0x81, 0x10, b"", b"", b"", 0, 6));
        resp.extend(bin(0x81, 0x05, b"", b"", &8u64.to_be_bytes(), 0, 7));
        let txs = run(&[(true, &req), (false, &resp)]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| {
                (
                    m.command.as_str(),
                    m.status_code,
                    m.hits,
                    m.misses,
                    m.error,
                    m.stats,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("getkq", Some(0), 1, 0, false, 0),
                ("getkq", None, 0, 1, false, 0),
                ("setq", None, 0, 0, false, 0),
                ("setq", Some(3), 0, 0, true, 0),
                ("noop", Some(0), 0, 0, false, 0),
                ("stat", Some(0), 0, 0, false, 2),
                ("increment", Some(0), 1, 0, false, 0),
            ]
        );
        assert_eq!(keys(d[0]), [("a", Some(true), Some(4))]);
        assert_eq!(d[3].message.as_deref(), Some("Too large."));
        assert!(txs[1].response.is_none() && txs[2].response.is_none());
    }

    #[test]
    fn a_value_over_one_megabyte_is_counted_not_buffered() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(true, b"set big 0 0 5000000\r\n", at(0), &mut out);
        let chunk = vec![b'x'; 65536];
        let mut sent = 0;
        let mut i = 1;
        while sent < 5_000_000 {
            let n = chunk.len().min(5_000_000 - sent);
            p.data(true, &chunk[..n], at(i), &mut out);
            sent += n;
            i += 1;
            assert!(p.client.buf.capacity() <= 4096, "the value is not held");
        }
        p.data(true, b"\r\nget big\r\n", at(i), &mut out);
        p.data(
            false,
            b"STORED\r\nVALUE big 0 5000000\r\n",
            at(i + 1),
            &mut out,
        );
        for _ in 0..76 {
            p.data(false, &chunk, at(i + 2), &mut out);
        }
        p.data(false, &chunk[..5_000_000 - 76 * 65536], at(i + 2), &mut out);
        p.data(false, b"\r\nEND\r\n", at(i + 3), &mut out);
        assert!(p.server.buf.capacity() <= 4096);
        let d = details(&out);
        assert_eq!(keys(d[0]), [("big", None, Some(5_000_000))]);
        assert_eq!(keys(d[1]), [("big", Some(true), Some(5_000_000))]);
        assert_eq!(
            out[0]
                .request
                .map(|s| (s.first.packet, s.last.packet, s.bytes)),
            Some((0, i, 21 + 5_000_000 + 2))
        );
    }

    #[test]
    fn a_multi_get_longer_than_the_line_limit_is_cut() {
        let mut line = b"get".to_vec();
        let mut n = 0;
        while line.len() < MAX_LINE + 1000 {
            line.extend_from_slice(format!(" key:{n:06}").as_bytes());
            n += 1;
        }
        line.extend_from_slice(b"\r\n");
        let txs = testkit::replay(
            &make,
            &pieces(&[
                (true, &line),
                (false, b"VALUE key:000001 0 1\r\nx\r\nEND\r\n"),
            ]),
            &testkit::whole,
        );
        let d = details(&txs);
        assert_eq!(d.len(), 1);
        assert!(d[0].incomplete);
        assert!(d[0].keys.len() < n && d[0].keys.len() > 5000);
        assert_eq!((d[0].hits, d[0].misses as usize), (1, d[0].keys.len() - 1));
    }

    #[test]
    fn gaps_inside_a_value_keep_step_others_resynchronise() {
        let Some(convs) = testkit::conversations("tests/data/servers/memcached.pcap", 21211) else {
            return;
        };
        let whole = testkit::replay(&make, &convs[0], &testkit::whole);
        // Replace each data piece in turn by a gap of its length: the transactions that
        // start a few packets after it are all there, unchanged.
        for i in 0..convs[0].len() {
            let Piece::Data(client, bytes, at) = &convs[0][i] else {
                continue;
            };
            let mut c = convs[0].clone();
            c[i] = Piece::Gap(*client, bytes.len() as u64, *at);
            let txs = testkit::replay(&make, &c, &testkit::whole);
            let lost = details(&txs).iter().filter(|m| m.incomplete).count();
            assert!(lost <= 2, "piece {i}: {lost} incomplete");
            for t in whole
                .iter()
                .filter(|t| t.request.is_some_and(|r| r.first.packet > at.packet + 4))
            {
                assert!(txs.contains(t), "piece {i}: {t:?} missing");
            }
        }
        // A gap inside the big value: the set is incomplete, the get after it intact.
        let mut c = convs[0].clone();
        let i = c
            .iter()
            .position(|p| matches!(p, Piece::Data(true, b, _) if b.len() > 60000))
            .expect("a big piece");
        let Piece::Data(_, b, at) = &c[i] else {
            unreachable!()
        };
        c[i] = Piece::Gap(true, b.len() as u64, *at);
        let txs = testkit::replay(&make, &c, &testkit::whole);
        let d = details(&txs);
        let set = d
            .iter()
            .find(|m| m.command == "set" && m.keys[0].key == "big:blob")
            .expect("set");
        assert!(set.incomplete && set.keys[0].value_len == Some(1_052_672));
        assert_eq!(d.iter().filter(|m| m.incomplete).count(), 1);
        assert_eq!(d.len(), whole.len());
    }

    #[test]
    fn a_gap_in_a_command_line_resynchronises_at_the_next_command() {
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, b"get a\r\nget b".to_vec(), at(0)),
                Piece::Gap(true, 10, at(1)),
                Piece::Data(true, b"garbage line\r\nget c\r\n".to_vec(), at(2)),
                Piece::Data(
                    false,
                    b"END\r\nEND\r\nVALUE c 0 1\r\nz\r\nEND\r\n".to_vec(),
                    at(3),
                ),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| {
                (
                    m.command.as_str(),
                    m.keys.first().map(|k| k.key.as_str()),
                    m.incomplete,
                )
            })
            .collect();
        // "get b…" was cut by the gap: it is reported incomplete (its last key may be cut,
        // so it is not kept); its reply (END) is taken in order; c still finds its value.
        assert_eq!(
            got,
            [
                ("get", Some("a"), false),
                ("get", None, true),
                ("get", Some("c"), false)
            ]
        );
        assert_eq!(d[2].hits, 1);
    }

    #[test]
    fn a_stream_joined_mid_value_waits_for_a_command() {
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, b"xxxxxxxx\r\nmore value\r\n".to_vec(), at(0)),
                Piece::Data(false, b"tail of a value\r\nEND\r\n".to_vec(), at(1)),
                Piece::Data(true, b"get k\r\n".to_vec(), at(2)),
                Piece::Data(false, b"VALUE k 0 1\r\nv\r\nEND\r\n".to_vec(), at(3)),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        // The server's first END has no request: reported on its own.
        assert_eq!(txs.len(), 2);
        assert!(txs[0].request.is_none() && d[0].incomplete);
        assert_eq!((d[1].command.as_str(), d[1].hits), ("get", 1));
    }

    #[test]
    fn tables_of_the_real_capture() {
        let Some(convs) = testkit::conversations("tests/data/servers/memcached.pcap", 21211) else {
            return;
        };
        let txs: Vec<Transaction> = convs
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                testkit::replay(&make, c, &testkit::whole)
                    .into_iter()
                    .map(move |mut t| {
                        t.conv = i as u32;
                        t
                    })
            })
            .collect();
        let hot = hot_keys(&txs);
        assert_eq!(
            (
                hot[0].key.as_str(),
                hot[0].count,
                hot[0].hits,
                hot[0].misses
            ),
            ("user:1", 26, 21, 0)
        );
        assert_eq!(hot[0].bytes, 21 * 5 + 5 + 10 + 1 + 1);
        let big = largest_values(&txs);
        assert_eq!(
            (
                big[0].key.as_str(),
                big[0].value_len,
                big[0].over_1mb,
                big[0].sent
            ),
            ("big:blob", 1_052_672, true, true)
        );
        assert_eq!(
            (big[1].key.as_str(), big[1].over_1mb, big[1].sent),
            ("big:blob", true, false)
        );
        assert!(!big[2].over_1mb);
        let blob = hot.iter().find(|h| h.key == "big:blob").expect("big:blob");
        assert!(
            blob.over_1mb
                && blob.largest == 1_052_672
                && blob.first.first_packet == 67
                && blob.last.last_packet == 127
        );
        let cmds = commands(&txs);
        assert_eq!(
            (
                cmds[0].command.as_str(),
                cmds[0].count,
                cmds[0].hits,
                cmds[0].misses
            ),
            ("get", 25, 27, 3)
        );
        assert!(cmds[0].latency_max_ns > 0 && cmds[0].timed == 25);
        let missing = hot.iter().find(|h| h.key == "missing:1").expect("a miss");
        assert_eq!((missing.count, missing.misses), (1, 1));
    }

    #[test]
    fn malformed_input_never_panics() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 400,
            ..ProptestConfig::default()
        });
        let chunk = proptest::collection::vec(
            prop_oneof![
                any::<u8>(),
                Just(b'\r'),
                Just(b'\n'),
                Just(b' '),
                Just(0x80),
                Just(0x81),
                Just(b'0'),
                Just(b'5')
            ],
            0..64,
        );
        let words = prop_oneof![
            Just(&b"get "[..]),
            Just(&b"VALUE k 0 3\r\n"[..]),
            Just(&b"set k 0 0 4\r\n"[..]),
            Just(&b"END\r\n"[..]),
            Just(&b"mg k v\r\n"[..]),
            Just(&b"VA 2\r\n"[..])
        ];
        let piece = (
            any::<bool>(),
            prop_oneof![chunk, words.prop_map(|w| w.to_vec())],
            0u8..8,
        );
        runner
            .run(&proptest::collection::vec(piece, 0..40), |parts| {
                let mut p = Parser::new();
                let mut out = Vec::new();
                for (i, (client, bytes, gap)) in parts.iter().enumerate() {
                    if *gap == 0 {
                        p.gap(*client, bytes.len() as u64 + 1, at(i as u64), &mut out);
                    } else {
                        p.data(*client, bytes, at(i as u64), &mut out);
                    }
                }
                p.end(at(99), &mut out);
                Ok(())
            })
            .expect("no panic");
    }
}
