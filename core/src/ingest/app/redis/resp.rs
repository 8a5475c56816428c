//! The RESP reader (redis.io "Redis serialization protocol specification", RESP2 and
//! RESP3): one direction's bytes as messages — arrays of bulk strings, inline commands,
//! replies of every type, attributes passed over — keeping the few texts the
//! transactions show and counting the rest.

use super::commands::{has_keys, inline_command, is_key, plausible_inline, split_inline};
use super::{MAX_ARGS, MAX_ARG_TEXT, MAX_DEPTH, MAX_KEYS, MAX_LINE};
use crate::capture::app::redis::ReplyType;
use crate::capture::app::{At, Span};

/// One open aggregate.
#[derive(Clone, Copy, Debug)]
pub(super) struct Frame {
    remaining: u64,
    attribute: bool,
}

/// What one message said, gathered while it is read.
#[derive(Default, Debug)]
pub(super) struct Msg {
    /// Type, text and length of the top-level value.
    pub(super) top: Option<ReplyType>,
    pub(super) top_text: Option<Vec<u8>>,
    pub(super) top_len: Option<u64>,
    /// The texts of the first [`MAX_ARGS`] + 1 elements of a top-level aggregate.
    pub(super) elems: Vec<Vec<u8>>,
    /// Elements of the top-level aggregate.
    pub(super) count: u64,
    /// Bulk string bytes anywhere in the message.
    pub(super) bulk_bytes: u64,
    /// The longest element of the top-level aggregate that is not a key (commands).
    pub(super) max_value: u64,
    pub(super) keys: Vec<Vec<u8>>,
    pub(super) resp3: bool,
    pub(super) inline: bool,
    pub(super) error: Option<Vec<u8>>,
}

/// One direction's reader.
pub(super) struct Reader {
    pub(super) client: bool,
    pub(super) buf: Vec<u8>,
    pub(super) overflow: bool,
    pub(super) stack: Vec<Frame>,
    /// Bulk bytes still to read, then `\r\n`.
    pub(super) bulk: u64,
    pub(super) crlf: u8,
    /// The bulk string being read: its type, and whether (and up to where) it is kept.
    pub(super) bulk_type: u8,
    pub(super) keep: Option<Vec<u8>>,
    pub(super) hunting: bool,
    /// Nothing read yet: the stream's first line may be any inline command.
    pub(super) fresh: bool,
    pub(super) first: Option<At>,
    pub(super) bytes: u64,
    pub(super) lost: bool,
    pub(super) msg: Msg,
}

/// What a step of a reader produced.
pub(super) enum Step {
    /// Nothing yet.
    More,
    /// A message is complete.
    Done(Msg, Span, bool),
}

impl Reader {
    pub(super) fn new(client: bool) -> Self {
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

    pub(super) fn resync(&mut self) {
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
    pub(super) fn in_message(&self) -> bool {
        self.first.is_some()
    }

    /// Consumes some of `input` (returns how many bytes; 0 only when the state moved).
    pub(super) fn step(&mut self, input: &[u8], at: At) -> (usize, Step) {
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

fn parse_signed(t: &[u8]) -> Option<i64> {
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse().ok()
}

pub(super) fn parse_len(t: &[u8]) -> Option<u64> {
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
