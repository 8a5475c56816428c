//! Redis RESP2 and RESP3 (redis.io "Redis serialization protocol specification"), as
//! transactions.
//!
//! The client sends commands as arrays of bulk strings (or inline, as a line of words);
//! the server answers each in order, so replies are matched to the queue of commands
//! sent. RESP3 pushes (`>`) and RESP2 pub/sub messages are out of band: they become
//! transactions of their own, without a request. An attribute (`|`) before a reply is
//! passed over.
//!
//! Memory is bounded: a bulk string is counted and passed over, keeping at most
//! [`MAX_ARG_TEXT`] bytes of it (the first [`MAX_ARGS`] arguments of a command, the
//! first element of a reply); a line is kept up to [`MAX_LINE`] bytes; nesting deeper
//! than [`MAX_DEPTH`] is an error; at most [`MAX_PENDING`] commands wait for replies.
//! After a gap inside a bulk string of known length the parser stays in step; after any
//! other gap it drops bytes until a line that starts a message.

use super::StreamParser;
use crate::capture::app::redis::{Redis, ReplyType};
use crate::capture::app::{At, Detail, Span, Transaction};
use serde::Serialize;
use std::collections::VecDeque;

/// Longest line (simple string, error, inline command) kept.
pub const MAX_LINE: usize = 64 * 1024;
/// Arguments of a command kept (the rest are counted).
pub const MAX_ARGS: usize = 64;
/// Bytes of an argument (or of a reply's text) kept.
pub const MAX_ARG_TEXT: usize = 256;
/// Keys of a command kept (the rest are counted).
pub const MAX_KEYS: usize = 64;
/// Nesting of aggregates accepted.
pub const MAX_DEPTH: usize = 64;
/// Commands waiting for their replies; past this the oldest is reported without one.
pub const MAX_PENDING: usize = 4096;

/// One open aggregate.
#[derive(Clone, Copy, Debug)]
struct Frame {
    remaining: u64,
    attribute: bool,
}

/// What one message said, gathered while it is read.
#[derive(Default, Debug)]
struct Msg {
    /// Type, text and length of the top-level value.
    top: Option<ReplyType>,
    top_text: Option<Vec<u8>>,
    top_len: Option<u64>,
    /// The texts of the first [`MAX_ARGS`] + 1 elements of a top-level aggregate.
    elems: Vec<Vec<u8>>,
    /// Elements of the top-level aggregate.
    count: u64,
    /// Bulk string bytes anywhere in the message.
    bulk_bytes: u64,
    /// The longest element of the top-level aggregate that is not a key (commands).
    max_value: u64,
    keys: Vec<Vec<u8>>,
    resp3: bool,
    inline: bool,
    error: Option<Vec<u8>>,
}

/// One direction's reader.
struct Reader {
    client: bool,
    buf: Vec<u8>,
    overflow: bool,
    stack: Vec<Frame>,
    /// Bulk bytes still to read, then `\r\n`.
    bulk: u64,
    crlf: u8,
    /// The bulk string being read: its type, and whether (and up to where) it is kept.
    bulk_type: u8,
    keep: Option<Vec<u8>>,
    hunting: bool,
    /// Nothing read yet: the stream's first line may be any inline command.
    fresh: bool,
    first: Option<At>,
    bytes: u64,
    lost: bool,
    msg: Msg,
}

/// What a step of a reader produced.
enum Step {
    /// Nothing yet.
    More,
    /// A message is complete.
    Done(Msg, Span, bool),
}

impl Reader {
    fn new(client: bool) -> Self {
        Reader {
            client,
            buf: Vec::new(),
            overflow: false,
            stack: Vec::new(),
            bulk: 0,
            crlf: 0,
            bulk_type: b'$',
            keep: None,
            hunting: true,
            fresh: true,
            first: None,
            bytes: 0,
            lost: false,
            msg: Msg::default(),
        }
    }

    fn take(&mut self, n: usize, at: At) {
        if self.first.is_none() {
            self.first = Some(at);
        }
        self.bytes += n as u64;
    }

    fn resync(&mut self) {
        self.buf.clear();
        self.overflow = false;
        self.stack.clear();
        self.bulk = 0;
        self.crlf = 0;
        self.keep = None;
        self.hunting = true;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
        self.msg = Msg::default();
    }

    /// A message in progress (bytes read since the last complete one).
    fn in_message(&self) -> bool {
        self.first.is_some()
    }

    /// Consumes some of `input` (returns how many bytes; 0 only when the state moved).
    fn step(&mut self, input: &[u8], at: At) -> (usize, Step) {
        if self.bulk > 0 {
            let n = self.bulk.min(input.len() as u64) as usize;
            if let Some(k) = self.keep.as_mut() {
                let room = MAX_ARG_TEXT.saturating_sub(k.len()).min(n);
                k.extend_from_slice(&input[..room]);
            }
            self.bulk -= n as u64;
            self.take(n, at);
            if self.bulk == 0 {
                self.crlf = 2;
            }
            return (n, Step::More);
        }
        if self.crlf > 0 {
            let want = if self.crlf == 2 { b'\r' } else { b'\n' };
            if input[0] != want {
                // A bulk string not ended by CRLF: the length lied.
                self.resync();
                return (0, Step::More);
            }
            self.take(1, at);
            self.crlf -= 1;
            if self.crlf == 0 {
                let kept = self.keep.take();
                let t = match self.bulk_type {
                    b'!' => ReplyType::BulkError,
                    b'=' => ReplyType::VerbatimString,
                    _ => ReplyType::BulkString,
                };
                return (1, self.element(t, kept, at));
            }
            return (1, Step::More);
        }
        // A line.
        let (n, complete) = match input.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (input.len(), false),
        };
        let room = MAX_LINE.saturating_sub(self.buf.len());
        if n > room {
            self.overflow = true;
        }
        self.buf.extend_from_slice(&input[..n.min(room)]);
        self.take(n, at);
        if !complete {
            return (n, Step::More);
        }
        let mut line = std::mem::take(&mut self.buf);
        let truncated = std::mem::replace(&mut self.overflow, false);
        let step = self.line(&line, truncated, at);
        line.clear();
        if self.buf.capacity() == 0 {
            self.buf = line;
        }
        (n, step)
    }

    /// A complete line (with its `\n`).
    fn line(&mut self, raw: &[u8], _truncated: bool, at: At) -> Step {
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let fresh = std::mem::replace(&mut self.fresh, false);
        if self.hunting {
            let ok = if self.stack.is_empty() && self.client {
                (line.first() == Some(&b'*') && parse_len(&line[1..]).is_some_and(|n| n > 0))
                    || inline_command(line)
                    || (fresh && plausible_inline(line))
            } else {
                plausible_reply(line)
            };
            if !ok {
                self.first = None;
                self.bytes = 0;
                self.lost = false;
                return Step::More;
            }
            self.hunting = false;
        }
        let Some(&t) = line.first() else {
            // An empty line: an empty inline command (the server ignores it).
            if self.stack.is_empty() {
                self.first = None;
                self.bytes = 0;
                return Step::More;
            }
            return self.invalid();
        };
        let rest = &line[1..];
        // A client's message that is not an array is an inline command (as the server
        // reads it: `processInlineBuffer`).
        let t = if self.client && self.stack.is_empty() && t != b'*' {
            0
        } else {
            t
        };
        match t {
            b'$' | b'!' | b'=' => match parse_signed(rest) {
                Some(-1) if t == b'$' => self.element(ReplyType::Null, None, at),
                Some(n) if n >= 0 => {
                    let n = n as u64;
                    self.msg.bulk_bytes += n;
                    self.note_len(n);
                    self.bulk_type = t;
                    let depth = self.stack.len();
                    let index = self.stack.last().map_or(0, |_| self.msg.count);
                    let keep = if self.client {
                        depth == 1 && index <= MAX_ARGS as u64
                    } else {
                        // A bulk error's text; a push's kind, pattern, channel and payload.
                        (depth == 0 && t == b'!') || (depth == 1 && index < 4)
                    };
                    self.keep = keep.then(Vec::new);
                    if n == 0 {
                        self.crlf = 2;
                    } else {
                        self.bulk = n;
                    }
                    if t != b'$' {
                        self.msg.resp3 = true;
                    }
                    Step::More
                }
                _ => self.invalid(),
            },
            b'*' | b'%' | b'~' | b'>' | b'|' => match parse_signed(rest) {
                Some(-1) if t == b'*' => self.element(ReplyType::Null, None, at),
                Some(n) if n >= 0 => {
                    if self.stack.len() >= MAX_DEPTH {
                        return self.invalid();
                    }
                    let n = n as u64;
                    let ty = match t {
                        b'*' => ReplyType::Array,
                        b'%' => ReplyType::Map,
                        b'~' => ReplyType::Set,
                        _ => ReplyType::Push,
                    };
                    if t != b'*' {
                        self.msg.resp3 = true;
                    }
                    let attribute = t == b'|';
                    if self.stack.is_empty() && !attribute {
                        self.msg.top = Some(ty);
                        self.msg.top_len = Some(n);
                    }
                    let elements = if t == b'%' || attribute {
                        n.saturating_mul(2)
                    } else {
                        n
                    };
                    if elements == 0 {
                        if attribute {
                            return Step::More;
                        }
                        return self.element(ty, None, at);
                    }
                    self.stack.push(Frame {
                        remaining: elements,
                        attribute,
                    });
                    Step::More
                }
                _ => self.invalid(),
            },
            b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => {
                let ty = match t {
                    b'+' => ReplyType::SimpleString,
                    b'-' => ReplyType::Error,
                    b':' => ReplyType::Integer,
                    b'_' => ReplyType::Null,
                    b'#' => ReplyType::Boolean,
                    b',' => ReplyType::Double,
                    _ => ReplyType::BigNumber,
                };
                let valid = match t {
                    b':' => parse_signed(rest).is_some(),
                    b'_' => rest.is_empty(),
                    b'#' => rest == b"t" || rest == b"f",
                    _ => true,
                };
                if !valid {
                    return self.invalid();
                }
                if matches!(t, b'_' | b'#' | b',' | b'(') {
                    self.msg.resp3 = true;
                }
                self.element(ty, Some(rest[..rest.len().min(MAX_ARG_TEXT)].to_vec()), at)
            }
            _ if self.client && self.stack.is_empty() => {
                // An inline command: words, with quotes.
                let words = split_inline(line);
                if words.is_empty() {
                    self.first = None;
                    self.bytes = 0;
                    return Step::More;
                }
                self.msg.inline = true;
                self.msg.top = Some(ReplyType::Array);
                self.msg.top_len = Some(words.len() as u64);
                self.stack.push(Frame {
                    remaining: words.len() as u64,
                    attribute: false,
                });
                let mut step = Step::More;
                for w in words {
                    self.msg.bulk_bytes += w.len() as u64;
                    let len = w.len() as u64;
                    self.note_len(len);
                    let keep = self.msg.count <= MAX_ARGS as u64;
                    step = self.element(
                        ReplyType::BulkString,
                        keep.then(|| w[..w.len().min(MAX_ARG_TEXT)].to_vec()),
                        at,
                    );
                }
                step
            }
            _ => self.invalid(),
        }
    }

    /// The length of a bulk string about to be read, for the command's values.
    fn note_len(&mut self, n: u64) {
        if self.client && self.stack.len() == 1 {
            let index = self.msg.count as usize;
            let total = self.msg.top_len.unwrap_or(0);
            let name = self.msg.elems.first().map_or(&[][..], |v| &v[..]);
            if index > 0
                && has_keys(name)
                && !is_key(
                    self.msg.elems.first().map_or(&[][..], |v| &v[..]),
                    index,
                    &self.msg.elems,
                    total,
                )
            {
                self.msg.max_value = self.msg.max_value.max(n);
            }
        }
    }

    /// A protocol error: the message is dropped and the reader hunts for the next one.
    fn invalid(&mut self) -> Step {
        self.resync();
        Step::More
    }

    /// One element is complete (a simple value, a bulk string, or an empty aggregate).
    fn element(&mut self, ty: ReplyType, text: Option<Vec<u8>>, at: At) -> Step {
        let depth = self.stack.len();
        if depth == 0 {
            self.msg.top = Some(ty);
            match ty {
                ReplyType::Error | ReplyType::BulkError => self.msg.error = text,
                ReplyType::BulkString | ReplyType::VerbatimString => {
                    self.msg.top_len = Some(self.msg.bulk_bytes)
                }
                ReplyType::Array | ReplyType::Map | ReplyType::Set | ReplyType::Push => {}
                ReplyType::Null => {}
                _ => self.msg.top_text = text,
            }
            return self.complete(at);
        }
        // Inside an aggregate: a top-level element (depth 1, not inside an attribute).
        let in_attribute = self.stack.iter().any(|f| f.attribute);
        if depth == 1 && !in_attribute {
            let index = self.msg.count as usize;
            if self.client && index > 0 {
                let name = self.msg.elems.first().map_or(&[][..], |v| &v[..]);
                if is_key(name, index, &self.msg.elems, self.msg.top_len.unwrap_or(0))
                    && self.msg.keys.len() < MAX_KEYS
                {
                    if let Some(t) = &text {
                        self.msg.keys.push(t.clone());
                    }
                }
            }
            if self.msg.elems.len() <= MAX_ARGS {
                if let Some(t) = text {
                    self.msg.elems.push(t);
                } else if self.client || index == 0 {
                    self.msg.elems.push(Vec::new());
                }
            }
            self.msg.count += 1;
        }
        // Close what this element completes.
        loop {
            let Some(top) = self.stack.last_mut() else {
                return self.complete(at);
            };
            top.remaining -= 1;
            if top.remaining > 0 {
                return Step::More;
            }
            let done = self.stack.pop().expect("just seen");
            if done.attribute {
                // An attribute is not an element: what follows it is.
                return Step::More;
            }
            if self.stack.is_empty() {
                return self.complete(at);
            }
            // A nested aggregate completed: it is one element of its parent.
            if self.stack.len() == 1 && !self.stack.iter().any(|f| f.attribute) {
                if self.msg.elems.len() <= MAX_ARGS && (self.client || self.msg.count == 0) {
                    self.msg.elems.push(Vec::new());
                }
                self.msg.count += 1;
            }
        }
    }

    fn complete(&mut self, at: At) -> Step {
        let span = Span {
            first: self.first.unwrap_or(at),
            last: at,
            bytes: self.bytes,
        };
        let lost = std::mem::replace(&mut self.lost, false);
        self.first = None;
        self.bytes = 0;
        Step::Done(std::mem::take(&mut self.msg), span, lost)
    }
}

/// A command waiting for its reply.
struct Pending {
    detail: Redis,
    request: Span,
    /// Replies it takes (one per channel for SUBSCRIBE and the like).
    replies: u64,
    /// Its reply so far (several for SUBSCRIBE).
    response: Option<Span>,
}

/// The Redis parser of one conversation. The dispatcher's constructor: [`Parser::new`].
pub struct Parser {
    client: Reader,
    server: Reader,
    pending: VecDeque<Pending>,
    /// The connection switched to RESP3 (`HELLO 3`).
    resp3: bool,
    /// A SUBSCRIBE-family command was sent: arrays that look like pub/sub messages are
    /// out of band.
    pubsub: bool,
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
            client: Reader::new(true),
            server: Reader::new(false),
            pending: VecDeque::new(),
            resp3: false,
            pubsub: false,
        }
    }

    /// Bytes held for the messages in progress (lines, kept argument texts), and the
    /// commands waiting for replies: both bounded.
    pub fn buffered(&self) -> (usize, usize) {
        let held = |r: &Reader| {
            r.buf.len()
                + r.keep.as_ref().map_or(0, Vec::len)
                + r.msg.elems.iter().map(Vec::len).sum::<usize>()
                + r.msg.keys.iter().map(Vec::len).sum::<usize>()
        };
        (held(&self.client) + held(&self.server), self.pending.len())
    }

    fn command(&mut self, msg: Msg, span: Span, lost: bool, out: &mut Vec<Transaction>) {
        if msg.count == 0 {
            // `*0` or `*-1`: nothing to run, no reply.
            return;
        }
        let mut elems = msg.elems.into_iter();
        let name = elems.next().unwrap_or_default();
        let command = String::from_utf8_lossy(&name).to_ascii_uppercase();
        let args: Vec<String> = elems.take(MAX_ARGS).map(|a| lossy(&a)).collect();
        let arg_count = msg.count.saturating_sub(1);
        let keys = msg.keys.iter().map(|k| lossy(k)).collect();
        let mut replies = 1;
        match command.as_str() {
            "HELLO" => {
                if let Some(v) = args.first() {
                    self.resp3 = v == "3";
                }
            }
            "SUBSCRIBE" | "PSUBSCRIBE" | "SSUBSCRIBE" | "UNSUBSCRIBE" | "PUNSUBSCRIBE"
            | "SUNSUBSCRIBE" => {
                self.pubsub = true;
                replies = arg_count.max(1);
            }
            _ => {}
        }
        let detail = Redis {
            command,
            args,
            arg_count,
            keys,
            inline: msg.inline,
            value_len: (msg.max_value > 0).then_some(msg.max_value),
            resp3: self.resp3,
            incomplete: lost,
            ..Redis::default()
        };
        if self.pending.len() >= MAX_PENDING {
            if let Some(mut old) = self.pending.pop_front() {
                old.detail.incomplete = true;
                emit(old, None, out);
            }
        }
        self.pending.push_back(Pending {
            detail,
            request: span,
            replies,
            response: None,
        });
    }

    fn reply(&mut self, msg: Msg, span: Span, lost: bool, out: &mut Vec<Transaction>) {
        let kind = msg
            .elems
            .first()
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        let pubsub_kind = matches!(
            &kind[..],
            b"message"
                | b"pmessage"
                | b"smessage"
                | b"subscribe"
                | b"unsubscribe"
                | b"psubscribe"
                | b"punsubscribe"
                | b"ssubscribe"
                | b"sunsubscribe"
                | b"invalidate"
        );
        let head_cmd = self
            .pending
            .front()
            .map(|p| p.detail.command.to_ascii_lowercase());
        let answers_head = head_cmd
            .as_deref()
            .is_some_and(|c| c.as_bytes() == &kind[..]);
        let out_of_band = match msg.top {
            Some(ReplyType::Push) => !answers_head,
            Some(ReplyType::Array) => self.pubsub && pubsub_kind && !answers_head,
            _ => false,
        };
        let fill = |d: &mut Redis, msg: &Msg| {
            d.reply = msg.top;
            d.reply_text = msg
                .top_text
                .as_ref()
                .filter(|_| msg.error.is_none())
                .map(|t| lossy(t));
            d.reply_len = msg.top_len;
            d.error = msg.error.as_ref().map(|e| lossy(e));
            d.resp3 |= msg.resp3;
            if msg.bulk_bytes > 0 && (d.push || has_keys(d.command.as_bytes())) {
                d.value_len = Some(d.value_len.unwrap_or(0).max(msg.bulk_bytes));
            }
            d.incomplete |= lost;
        };
        if out_of_band || self.pending.is_empty() {
            let command = if out_of_band {
                lossy(&kind)
            } else {
                String::new()
            };
            let mut d = Redis {
                command,
                push: out_of_band,
                resp3: self.resp3,
                incomplete: !out_of_band,
                ..Redis::default()
            };
            if out_of_band {
                d.args = msg
                    .elems
                    .iter()
                    .skip(1)
                    .take(MAX_ARGS)
                    .map(|a| lossy(a))
                    .collect();
                d.arg_count = msg.count.saturating_sub(1);
            }
            fill(&mut d, &msg);
            out.push(Transaction {
                conv: 0,
                request: None,
                response: Some(span),
                detail: Detail::Redis(d),
            });
            return;
        }
        let mut p = self.pending.pop_front().expect("not empty");
        fill(&mut p.detail, &msg);
        let span = match p.response {
            Some(prev) => Span {
                first: prev.first,
                last: span.last,
                bytes: prev.bytes + span.bytes,
            },
            None => span,
        };
        p.replies = p.replies.saturating_sub(1);
        if p.replies > 0 && msg.error.is_none() {
            p.response = Some(span);
            self.pending.push_front(p);
            return;
        }
        emit(p, Some(span), out);
    }

    fn feed(&mut self, client: bool, mut input: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !input.is_empty() {
            let reader = if client {
                &mut self.client
            } else {
                &mut self.server
            };
            let (n, step) = reader.step(input, at);
            input = &input[n..];
            if let Step::Done(msg, span, lost) = step {
                if client {
                    self.command(msg, span, lost, out);
                } else {
                    self.reply(msg, span, lost, out);
                }
            }
        }
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.feed(from_client, bytes, at, out);
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        if len == 0 {
            return;
        }
        let reader = if from_client {
            &mut self.client
        } else {
            &mut self.server
        };
        if reader.bulk >= len {
            // Inside a bulk string of known length: still in step.
            reader.bulk -= len;
            reader.bytes += len;
            reader.lost = true;
            if reader.bulk == 0 {
                reader.crlf = 2;
            }
            return;
        }
        let started = reader.in_message();
        // A command cut by the gap was still sent whole: it gets a reply; keep it.
        let cut =
            (from_client && !reader.msg.elems.is_empty()).then(|| std::mem::take(&mut reader.msg));
        let span = Span {
            first: reader.first.unwrap_or(at),
            last: at,
            bytes: reader.bytes + len,
        };
        reader.resync();
        if let Some(msg) = cut {
            self.command(msg, span, true, out);
        }
        if !from_client && started {
            // The reply in progress is lost: its command completes without it.
            if let Some(mut p) = self.pending.pop_front() {
                p.detail.incomplete = true;
                emit(p, None, out);
            }
        }
    }

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
        while let Some(mut p) = self.pending.pop_front() {
            p.detail.incomplete = true;
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
        detail: Detail::Redis(p.detail),
    });
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse_signed(t: &[u8]) -> Option<i64> {
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse().ok()
}

fn parse_len(t: &[u8]) -> Option<u64> {
    parse_signed(t).and_then(|n| u64::try_from(n).ok())
}

/// A line a reply could start with (to resynchronise on).
fn plausible_reply(line: &[u8]) -> bool {
    let Some((&t, rest)) = line.split_first() else {
        return false;
    };
    match t {
        b'+' | b'-' => rest.iter().all(|&b| b >= 0x20 || b == b'\t'),
        b':' => parse_signed(rest).is_some(),
        b'$' | b'*' => parse_signed(rest).is_some_and(|n| n >= -1),
        b'!' | b'=' | b'%' | b'~' | b'>' | b'|' => parse_len(rest).is_some(),
        b'_' => rest.is_empty(),
        b'#' => rest == b"t" || rest == b"f",
        b',' | b'(' => !rest.is_empty() && rest.iter().all(|b| b.is_ascii_graphic()),
        _ => false,
    }
}

/// Commands recognised inline when resynchronising (the common ones).
const INLINE_COMMANDS: [&str; 48] = [
    "PING",
    "ECHO",
    "GET",
    "SET",
    "DEL",
    "EXISTS",
    "INCR",
    "DECR",
    "INCRBY",
    "DECRBY",
    "MGET",
    "MSET",
    "SETEX",
    "EXPIRE",
    "TTL",
    "KEYS",
    "SCAN",
    "TYPE",
    "HGET",
    "HSET",
    "HGETALL",
    "HDEL",
    "LPUSH",
    "RPUSH",
    "LPOP",
    "RPOP",
    "LRANGE",
    "LLEN",
    "SADD",
    "SREM",
    "SMEMBERS",
    "ZADD",
    "ZRANGE",
    "ZREM",
    "INFO",
    "AUTH",
    "SELECT",
    "QUIT",
    "FLUSHDB",
    "FLUSHALL",
    "DBSIZE",
    "CONFIG",
    "CLIENT",
    "SUBSCRIBE",
    "PUBLISH",
    "MULTI",
    "EXEC",
    "HELLO",
];

/// An inline command line a client could have sent (to resynchronise on).
fn inline_command(line: &[u8]) -> bool {
    let word = line.split(|&b| b == b' ').next().unwrap_or(&[]);
    !word.is_empty()
        && line
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
        && INLINE_COMMANDS
            .iter()
            .any(|c| c.as_bytes().eq_ignore_ascii_case(word))
}

/// A line that reads as an inline command: printable, its first word a name.
fn plausible_inline(line: &[u8]) -> bool {
    let word = line.split(|&b| b == b' ').next().unwrap_or(&[]);
    (1..=32).contains(&word.len())
        && word
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.')
        && line
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
}

/// Splits an inline command into words: spaces separate, "double" (with backslash
/// escapes) and 'single' quotes group (redis `sdssplitargs`).
fn split_inline(line: &[u8]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let mut w = Vec::new();
        match line[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < line.len() && line[i] != q {
                    if q == b'"' && line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                        w.push(match line[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            c => c,
                        });
                    } else {
                        w.push(line[i]);
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < line.len() && !line[i].is_ascii_whitespace() {
                    w.push(line[i]);
                    i += 1;
                }
            }
        }
        words.push(w);
    }
    words
}

/// Whether a command names keys (and so moves values worth counting).
fn has_keys(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    !NO_KEYS.contains(&&upper[..]) || matches!(&upper[..], b"MEMORY" | b"OBJECT")
}

/// Commands without keys (`COMMAND INFO` key specs); MEMORY and OBJECT have one as their
/// second argument.
const NO_KEYS: [&[u8]; 65] = [
    b"PING",
    b"ECHO",
    b"AUTH",
    b"HELLO",
    b"SELECT",
    b"INFO",
    b"CLIENT",
    b"CONFIG",
    b"COMMAND",
    b"DEBUG",
    b"MULTI",
    b"EXEC",
    b"DISCARD",
    b"QUIT",
    b"FLUSHDB",
    b"FLUSHALL",
    b"DBSIZE",
    b"TIME",
    b"SAVE",
    b"BGSAVE",
    b"BGREWRITEAOF",
    b"LASTSAVE",
    b"MONITOR",
    b"SLOWLOG",
    b"SCRIPT",
    b"SCAN",
    b"KEYS",
    b"RANDOMKEY",
    b"ROLE",
    b"SHUTDOWN",
    b"SLAVEOF",
    b"REPLICAOF",
    b"SYNC",
    b"PSYNC",
    b"WAIT",
    b"READONLY",
    b"READWRITE",
    b"CLUSTER",
    b"LATENCY",
    b"MODULE",
    b"ACL",
    b"FUNCTION",
    b"SUBSCRIBE",
    b"PSUBSCRIBE",
    b"SSUBSCRIBE",
    b"UNSUBSCRIBE",
    b"PUNSUBSCRIBE",
    b"SUNSUBSCRIBE",
    b"PUBLISH",
    b"SPUBLISH",
    b"PUBSUB",
    b"RESET",
    b"SWAPDB",
    b"UNWATCH",
    b"LOLWUT",
    b"FAILOVER",
    b"MEMORY",
    b"OBJECT",
    b"SENTINEL",
    b"REPLCONF",
    b"WAITAOF",
    b"EVAL",
    b"EVALSHA",
    b"FCALL",
    b"",
];

/// Whether argument `index` (1 = the first after the name) of command `name`, sent as an
/// array of `total` elements, is a key
/// (after the key specs of redis `COMMAND INFO`, for the common commands).
fn is_key(name: &[u8], index: usize, elems: &[Vec<u8>], total: u64) -> bool {
    let upper: Vec<u8> = name.to_ascii_uppercase();
    match &upper[..] {
        // EVAL script numkeys key... arg...
        b"EVAL" | b"EVALSHA" | b"EVAL_RO" | b"EVALSHA_RO" | b"FCALL" | b"FCALL_RO" => {
            let numkeys = elems.get(2).and_then(|n| parse_len(n)).unwrap_or(0) as usize;
            index >= 3 && index < 3 + numkeys
        }
        // MEMORY USAGE key / OBJECT ENCODING key.
        b"MEMORY" | b"OBJECT" => index == 2,
        u if NO_KEYS.contains(&u) => false,
        // Every argument.
        b"DEL" | b"UNLINK" | b"EXISTS" | b"MGET" | b"TOUCH" | b"WATCH" | b"SINTER" | b"SUNION"
        | b"SDIFF" | b"SINTERSTORE" | b"SUNIONSTORE" | b"SDIFFSTORE" | b"PFCOUNT" | b"PFMERGE"
        | b"RENAME" | b"RENAMENX" | b"RPOPLPUSH" | b"COPY" => {
            !(matches!(&upper[..], b"COPY") && index > 2)
        }
        // Keys and values alternate.
        b"MSET" | b"MSETNX" => index % 2 == 1,
        // Keys, then a timeout.
        b"BLPOP" | b"BRPOP" | b"BZPOPMIN" | b"BZPOPMAX" => (index as u64) + 1 < total,
        b"SMOVE" | b"LMOVE" | b"BLMOVE" | b"BRPOPLPUSH" => index <= 2,
        // The first argument.
        _ => index == 1,
    }
}

// ---------------------------------------------------------------------------------------
// Tables: hot keys, largest values, commands, slowest, errors.
// ---------------------------------------------------------------------------------------

pub use super::memcache::{Place, LARGE_VALUE};

/// The Redis transactions among `txs`.
pub fn transactions<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> impl Iterator<Item = (&'a Transaction, &'a Redis)> {
    txs.into_iter().filter_map(|t| match &t.detail {
        Detail::Redis(r) => Some((t, r)),
        _ => None,
    })
}

/// One key's traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HotKey {
    /// The key.
    pub key: String,
    /// Commands that named it.
    pub count: u64,
    /// Bytes of values moved by those commands (see [`Redis::value_len`]).
    pub bytes: u64,
    /// The largest value.
    pub largest: u64,
    /// A value over [`LARGE_VALUE`] bytes was seen.
    pub over_1mb: bool,
    /// Error replies.
    pub errors: u64,
    /// Its first transaction.
    pub first: Place,
    /// Its last transaction.
    pub last: Place,
}

/// Keys by how often commands named them (then by bytes), most first. A command with
/// several keys counts for each; its value bytes go to its first key.
pub fn hot_keys<'a>(txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<HotKey> {
    let mut keys: std::collections::HashMap<&'a str, HotKey> = std::collections::HashMap::new();
    for (t, r) in transactions(txs) {
        let place = Place::of(t);
        for (i, k) in r.keys.iter().enumerate() {
            let h = keys.entry(k.as_str()).or_insert_with(|| HotKey {
                key: k.clone(),
                first: place,
                ..HotKey::default()
            });
            h.count += 1;
            if i == 0 {
                let len = r.value_len.unwrap_or(0);
                h.bytes += len;
                h.largest = h.largest.max(len);
                h.over_1mb |= len > LARGE_VALUE;
            }
            h.errors += u64::from(r.error.is_some());
            h.last = place;
        }
    }
    let mut rows: Vec<HotKey> = keys.into_values().collect();
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.bytes.cmp(&a.bytes))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// One value moved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Value {
    /// The command's first key (empty for a push).
    pub key: String,
    /// The command.
    pub command: String,
    /// The value's length (see [`Redis::value_len`]).
    pub value_len: u64,
    /// Over [`LARGE_VALUE`] bytes: it stands out.
    pub over_1mb: bool,
    /// Where.
    pub place: Place,
}

/// Values by length, largest first (ties in capture order).
pub fn largest_values<'a>(txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<Value> {
    let mut rows: Vec<Value> = transactions(txs)
        .filter_map(|(t, r)| {
            let len = r.value_len?;
            Some(Value {
                key: r.keys.first().cloned().unwrap_or_default(),
                command: r.command.clone(),
                value_len: len,
                over_1mb: len > LARGE_VALUE,
                place: Place::of(t),
            })
        })
        .collect();
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
    /// The command (upper-cased), or a push's kind.
    pub command: String,
    /// Transactions.
    pub count: u64,
    /// Error replies.
    pub errors: u64,
    /// Incomplete (bytes lost, or no reply seen).
    pub incomplete: u64,
    /// Value bytes.
    pub bytes: u64,
    /// Latency of those with a reply: total, in ns.
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
    for (t, r) in transactions(txs) {
        let c = by
            .entry(r.command.as_str())
            .or_insert_with(|| CommandStats {
                command: r.command.clone(),
                ..CommandStats::default()
            });
        c.count += 1;
        c.errors += u64::from(r.error.is_some());
        c.incomplete += u64::from(r.incomplete);
        c.bytes += r.value_len.unwrap_or(0);
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

/// Transactions by latency, slowest first (ties in capture order); those without a
/// reply are left out.
pub fn slowest<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<(&'a Transaction, &'a Redis)> {
    let mut rows: Vec<_> = transactions(txs)
        .filter(|(t, _)| t.latency_ns().is_some())
        .collect();
    rows.sort_by_key(|(t, _)| {
        (
            std::cmp::Reverse(t.latency_ns()),
            t.request.map(|s| s.first.packet),
        )
    });
    rows
}

/// Transactions answered with an error.
pub fn errors<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<(&'a Transaction, &'a Redis)> {
    transactions(txs)
        .filter(|(_, r)| r.error.is_some())
        .collect()
}

#[cfg(test)]
mod test {
    use super::super::memcache::testkit::{self, Piece};
    use super::*;

    fn make() -> Box<dyn StreamParser> {
        Box::new(Parser::new())
    }

    fn details(txs: &[Transaction]) -> Vec<&Redis> {
        txs.iter()
            .map(|t| match &t.detail {
                Detail::Redis(r) => r,
                other => panic!("not redis: {other:?}"),
            })
            .collect()
    }

    fn at(packet: u64) -> At {
        At {
            packet,
            ts_ns: packet as i64 * 1000,
        }
    }

    fn run(parts: &[(bool, &[u8])]) -> Vec<Transaction> {
        let p: Vec<Piece> = parts
            .iter()
            .enumerate()
            .map(|(i, (c, b))| Piece::Data(*c, b.to_vec(), at(i as u64)))
            .collect();
        testkit::check_splits(&make, &p, usize::MAX);
        testkit::replay(&make, &p, &testkit::whole)
    }

    fn conv(f: &str, port: u16) -> Option<Vec<Transaction>> {
        let convs = testkit::conversations(f, port)?;
        Some(
            convs
                .iter()
                .flat_map(|c| testkit::replay(&make, c, &testkit::whole))
                .collect(),
        )
    }

    #[test]
    fn real_capture_with_pipelines_errors_and_resp3() {
        let Some(txs) = conv("tests/data/servers/redis.pcap", 26379) else {
            return;
        };
        let d = details(&txs);
        assert_eq!(d.len(), 71);
        assert!(
            d.iter().all(|r| !r.incomplete && !r.push)
                && txs
                    .iter()
                    .all(|t| t.request.is_some() && t.response.is_some())
        );
        // redis-py 6 says HELLO 3: the rest is RESP3.
        assert_eq!(
            (
                d[0].command.as_str(),
                d[0].reply,
                d[0].reply_len,
                d[0].resp3
            ),
            ("HELLO", Some(ReplyType::Map), Some(7), true)
        );
        let errors: Vec<_> = d
            .iter()
            .filter_map(|r| r.error.as_deref().map(|e| (r.command.as_str(), e)))
            .collect();
        assert_eq!(errors.len(), 5);
        assert_eq!(
            errors[3],
            ("INCRBY", "ERR value is not an integer or out of range")
        );
        assert!(errors[4]
            .1
            .starts_with("ERR unknown command 'NOSUCHCOMMAND'"));
        let gets = d
            .iter()
            .filter(|r| r.command == "GET" && r.keys == ["user:1"])
            .count();
        assert_eq!(gets, 15);
        let missing = d.iter().find(|r| r.keys == ["missing"]).expect("the miss");
        assert_eq!(missing.reply, Some(ReplyType::Null));
        // The big value: counted on the way in and out.
        let big: Vec<_> = d
            .iter()
            .filter(|r| r.keys == ["blob"])
            .map(|r| (r.command.as_str(), r.value_len))
            .collect();
        assert_eq!(big, [("SET", Some(200_000)), ("GET", Some(200_000))]);
        // The pipeline: 40 commands in one segment, their replies in order.
        let pipe: Vec<_> = txs
            .iter()
            .zip(&d)
            .filter(|(_, r)| r.keys.first().is_some_and(|k| k.starts_with("pipe:")))
            .collect();
        assert_eq!(pipe.len(), 40);
        assert!(pipe
            .iter()
            .all(|(t, _)| t.request.map(|s| s.first.packet)
                == pipe[0].0.request.map(|s| s.first.packet)));
        for (i, (_, r)) in pipe.iter().enumerate() {
            let n = i / 2;
            if i % 2 == 0 {
                assert_eq!(
                    (r.command.as_str(), r.reply_text.as_deref()),
                    ("SET", Some("OK"))
                );
            } else {
                assert_eq!(
                    (r.command.as_str(), r.reply_len),
                    ("GET", Some(n.to_string().len() as u64))
                );
            }
        }
        // DEBUG SLEEP 0.2: the slow one.
        let slow = txs
            .iter()
            .zip(&d)
            .find(|(_, r)| r.command == "DEBUG")
            .expect("DEBUG");
        assert!(slow
            .0
            .time_to_first_byte_ns()
            .is_some_and(|ns| ns >= 200_000_000));
        let del = d.last().expect("DEL");
        assert_eq!(
            (
                del.command.as_str(),
                del.keys.len(),
                del.reply_text.as_deref()
            ),
            ("DEL", 3, Some("3"))
        );
    }

    #[test]
    fn every_split_of_real_captures_gives_the_same_transactions() {
        for (f, port) in [
            ("tests/data/servers/redis.pcap", 26379),
            ("corpus:zeek/redis/pubsub.pcap", 6379),
            ("corpus:zeek/redis/attr.pcap", 6379),
            ("corpus:tcpdump/resp_2_inline.pcap", 6379),
            ("corpus:zeek/redis/large-requests-responses.pcap", 6379),
        ] {
            let Some(convs) = testkit::conversations(f, port) else {
                continue;
            };
            for c in &convs {
                testkit::check_splits(&make, c, 48);
            }
        }
    }

    #[test]
    fn corpus_captures() {
        if let Some(txs) = conv("corpus:zeek/redis/pubsub.pcap", 6379) {
            let d = details(&txs);
            let got: Vec<_> = d
                .iter()
                .map(|r| (r.command.as_str(), r.push, r.args.len()))
                .collect();
            assert_eq!(
                got,
                [
                    ("SUBSCRIBE", false, 1),
                    ("PSUBSCRIBE", false, 1),
                    ("message", true, 2),
                    ("pmessage", true, 3),
                    ("pmessage", true, 3),
                    ("RESET", false, 0),
                    ("GET", false, 1),
                    ("PUBLISH", false, 2),
                    ("PUBLISH", false, 2),
                    ("SET", false, 2)
                ]
            );
            assert_eq!(d[2].args, ["Foo", "Hi there :)"]);
        }
        if let Some(txs) = conv("corpus:zeek/redis/start-with-server.pcapng", 6379) {
            let d = details(&txs);
            // The capture starts with a reply: reported without its request.
            assert!(
                txs[0].request.is_none()
                    && d[0].incomplete
                    && d[0].reply_text.as_deref() == Some("OK")
            );
            assert_eq!(
                (d[1].command.as_str(), d[1].keys.as_slice()),
                ("SET", &["hello".to_string()][..])
            );
        }
        if let Some(txs) = conv("corpus:zeek/redis/attr.pcap", 6379) {
            let d = details(&txs);
            // An attribute before the reply (and one inside it) is passed over.
            assert_eq!(
                (d[0].command.as_str(), d[0].reply, d[0].reply_len),
                ("FAKE", Some(ReplyType::Array), Some(3))
            );
            assert_eq!(
                (d[1].command.as_str(), d[1].reply, d[1].reply_len),
                ("FAKE2", Some(ReplyType::Array), Some(2))
            );
        }
        if let Some(txs) = conv("corpus:tcpdump/resp_2_inline.pcap", 6379) {
            let d = details(&txs);
            assert_eq!(d.len(), 12);
            assert!(d.iter().all(|r| r.inline && !r.incomplete));
            assert_eq!(
                (d[9].command.as_str(), d[9].reply_len),
                ("LRANGE", Some(174))
            );
        }
        if let Some(txs) = conv("corpus:zeek/redis/large-requests-responses.pcap", 6379) {
            let d = details(&txs);
            assert_eq!(
                (d[0].command.as_str(), d[0].reply_len),
                ("COMMAND", Some(544))
            );
            assert!(txs[0].response.is_some_and(|s| s.bytes > 200_000));
        }
        for f in [
            "corpus:tcpdump/resp_3_malicious.pcap",
            "corpus:tcpdump/resp_4_infiniteloop.pcapng",
            "corpus:zeek/redis/almost-resp.pcap",
        ] {
            let _ = conv(f, 6379);
        }
        if let Some(txs) = conv("corpus:zeek/redis/django-cloud.pcapng", 10625) {
            assert!(txs.len() > 100);
            assert!(details(&txs).iter().all(|r| !r.command.is_empty()));
        }
    }

    #[test]
    fn resp3_reply_types() {
        let txs = run(&[
            (true, b"*1\r\n$5\r\nHELLO\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n*1\r\n$1\r\nC\r\n*1\r\n$1\r\nD\r\n*1\r\n$1\r\nE\r\n*1\r\n$1\r\nF\r\n*1\r\n$1\r\nG\r\n*1\r\n$1\r\nH\r\n"),
            (
                false,
                b"%1\r\n+proto\r\n:3\r\n_\r\n#t\r\n,3.14\r\n(3492890328409238509324850943850943825024385\r\n=15\r\ntxt:Some string\r\n~2\r\n+a\r\n+b\r\n!21\r\nSYNTAX invalid syntax\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n|1\r\n+ttl\r\n:9\r\n$-1\r\n",
            ),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|r| {
                (
                    r.command.as_str(),
                    r.reply,
                    r.reply_text.as_deref(),
                    r.error.as_deref(),
                    r.push,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("HELLO", Some(ReplyType::Map), None, None, false),
                ("GET", Some(ReplyType::Null), None, None, false),
                ("A", Some(ReplyType::Boolean), Some("t"), None, false),
                ("B", Some(ReplyType::Double), Some("3.14"), None, false),
                (
                    "C",
                    Some(ReplyType::BigNumber),
                    Some("3492890328409238509324850943850943825024385"),
                    None,
                    false
                ),
                ("D", Some(ReplyType::VerbatimString), None, None, false),
                ("E", Some(ReplyType::Set), None, None, false),
                (
                    "F",
                    Some(ReplyType::BulkError),
                    None,
                    Some("SYNTAX invalid syntax"),
                    false
                ),
                ("message", Some(ReplyType::Push), None, None, true),
                ("G", Some(ReplyType::Null), None, None, false),
                ("H", None, None, None, false),
            ]
        );
        assert!(d[10].incomplete && txs[10].response.is_none());
        assert_eq!(d[5].reply_len, Some(15));
        assert!(txs[8].request.is_none());
    }

    #[test]
    fn inline_commands_with_quotes() {
        let txs = run(&[
            (
                true,
                b"SET greeting \"hello world\\n\"\r\nGET 'greeting'\r\n\r\nPING\r\n",
            ),
            (false, b"+OK\r\n$12\r\nhello world\n\r\n+PONG\r\n"),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|r| (r.command.as_str(), r.args.clone(), r.inline))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "SET",
                    vec!["greeting".to_string(), "hello world\n".into()],
                    true
                ),
                ("GET", vec!["greeting".to_string()], true),
                ("PING", vec![], true)
            ]
        );
        assert_eq!(d[0].value_len, Some(12));
    }

    #[test]
    fn keys_of_multi_key_commands() {
        let cmd = |words: &[&str]| -> Vec<u8> {
            let mut v = format!("*{}\r\n", words.len()).into_bytes();
            for w in words {
                v.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
            }
            v
        };
        let mut req = Vec::new();
        for w in [
            &["MSET", "a", "1", "b", "22"][..],
            &["BLPOP", "q1", "q2", "0"],
            &["EVAL", "return 1", "2", "k1", "k2", "argv"],
            &["PING"],
            &["HSET", "h", "f", "vvv"],
        ] {
            req.extend(cmd(w));
        }
        let txs = run(&[
            (true, &req),
            (false, b"+OK\r\n*-1\r\n:1\r\n+PONG\r\n:1\r\n"),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|r| (r.command.as_str(), r.keys.clone(), r.value_len))
            .collect();
        assert_eq!(
            got,
            [
                ("MSET", vec!["a".to_string(), "b".into()], Some(2)),
                ("BLPOP", vec!["q1".to_string(), "q2".into()], Some(1)),
                ("EVAL", vec!["k1".to_string(), "k2".into()], None),
                ("PING", vec![], None),
                ("HSET", vec!["h".to_string()], Some(3)),
            ]
        );
        assert_eq!(d[1].reply, Some(ReplyType::Null));
    }

    #[test]
    fn a_big_bulk_string_is_counted_not_buffered() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        let n = 3_000_000usize;
        p.data(
            true,
            format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${n}\r\n").as_bytes(),
            at(0),
            &mut out,
        );
        let chunk = vec![b'v'; 60_000];
        let mut sent = 0;
        while sent < n {
            let k = chunk.len().min(n - sent);
            p.data(true, &chunk[..k], at(1), &mut out);
            sent += k;
            assert!(
                p.client.buf.capacity() < 4096
                    && p.client
                        .keep
                        .as_ref()
                        .is_none_or(|k| k.len() <= MAX_ARG_TEXT)
            );
        }
        p.data(true, b"\r\n", at(2), &mut out);
        p.data(false, b"+OK\r\n", at(3), &mut out);
        let d = details(&out);
        assert_eq!(
            (d[0].command.as_str(), d[0].value_len, d[0].args[1].len()),
            ("SET", Some(n as u64), MAX_ARG_TEXT)
        );
        assert_eq!(
            out[0].request.map(|s| (s.first.packet, s.last.packet)),
            Some((0, 2))
        );
    }

    #[test]
    fn gaps() {
        // Inside a bulk string of known length: still in step.
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".to_vec(), at(0)),
                Piece::Data(false, b"$10\r\n01".to_vec(), at(1)),
                Piece::Gap(false, 5, at(2)),
                Piece::Data(false, b"789\r\n".to_vec(), at(3)),
                Piece::Data(true, b"*1\r\n$4\r\nPING\r\n".to_vec(), at(4)),
                Piece::Data(false, b"+PONG\r\n".to_vec(), at(5)),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        assert_eq!(
            d.iter()
                .map(|r| (r.command.as_str(), r.incomplete))
                .collect::<Vec<_>>(),
            [("GET", true), ("PING", false)]
        );
        assert_eq!(d[0].reply_len, Some(10));
        // Across messages: the reply in progress is lost (its command is reported without
        // it), and the parser takes the next line that starts a reply.
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*1\r\n$4\r\nPING\r\n".to_vec(), at(0)),
                Piece::Data(false, b"$3\r\nxy".to_vec(), at(1)),
                Piece::Gap(false, 30, at(2)),
                Piece::Data(false, b"zzz\r\n$1\r\nq\r\n+PONG\r\n".to_vec(), at(3)),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|r| (r.command.as_str(), r.incomplete, r.reply))
            .collect();
        assert_eq!(
            got,
            [
                ("GET", true, None),
                ("GET", false, Some(ReplyType::BulkString)),
                ("PING", false, Some(ReplyType::SimpleString))
            ]
        );
        // A gap in the client's bytes: the next array is a command again.
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, b"*2\r\n$3\r\nGET\r\n$5\r\nab".to_vec(), at(0)),
                Piece::Gap(true, 40, at(1)),
                Piece::Data(
                    true,
                    b"cd\r\n$2\r\nzz\r\n*1\r\n$4\r\nPING\r\n".to_vec(),
                    at(2),
                ),
                Piece::Data(false, b"$-1\r\n+PONG\r\n".to_vec(), at(3)),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        // The cut GET is reported (incomplete) with its reply.
        assert_eq!(
            d.iter()
                .map(|r| (r.command.as_str(), r.incomplete, r.reply))
                .collect::<Vec<_>>(),
            [
                ("GET", true, Some(ReplyType::Null)),
                ("PING", false, Some(ReplyType::SimpleString))
            ]
        );
    }

    #[test]
    fn tables_of_the_real_capture() {
        let Some(txs) = conv("tests/data/servers/redis.pcap", 26379) else {
            return;
        };
        let hot = hot_keys(&txs);
        assert_eq!(
            (hot[0].key.as_str(), hot[0].count, hot[0].errors),
            ("user:1", 17, 1)
        );
        let big = largest_values(&txs);
        assert_eq!(
            (big[0].key.as_str(), big[0].value_len, big[0].over_1mb),
            ("blob", 200_000, false)
        );
        let slow = slowest(&txs);
        assert_eq!(slow[0].1.command, "DEBUG");
        assert!(slow[0].0.latency_ns().is_some_and(|ns| ns >= 200_000_000));
        assert_eq!(errors(&txs).len(), 5);
        let cmds = commands(&txs);
        assert_eq!((cmds[0].command.as_str(), cmds[0].count), ("GET", 37));
    }

    #[test]
    fn malformed_input_never_panics() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 400,
            ..ProptestConfig::default()
        });
        let bytes = proptest::collection::vec(
            prop_oneof![
                any::<u8>(),
                Just(b'\r'),
                Just(b'\n'),
                Just(b'*'),
                Just(b'$'),
                Just(b'%'),
                Just(b'|'),
                Just(b'>'),
                Just(b'1'),
                Just(b'-')
            ],
            0..64,
        );
        let tokens = prop_oneof![
            Just(&b"*2\r\n"[..]),
            Just(&b"$3\r\nabc\r\n"[..]),
            Just(&b"%1\r\n"[..]),
            Just(&b"|1\r\n"[..]),
            Just(&b">2\r\n"[..]),
            Just(&b"$-1\r\n"[..]),
            Just(&b"+OK\r\n"[..]),
            Just(&b":1\r\n"[..])
        ];
        let piece = (
            any::<bool>(),
            prop_oneof![bytes, tokens.prop_map(|t| t.to_vec())],
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
        // Deep nesting is refused, not recursed into.
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(false, &b"*1\r\n".repeat(100_000), at(0), &mut out);
        assert!(p.server.stack.len() <= MAX_DEPTH);
    }
}
