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

mod binary;
#[cfg(test)]
mod test;
mod text;
pub mod wireshark;

pub use binary::{opcode_name, status_name};

use super::{report, text, StreamParser};
use crate::capture::app::memcache::Parts;
use crate::capture::app::{At, Detail, Span, Transaction};
use binary::{read_binary_head, silence, BinHead, BinReply};
use std::collections::VecDeque;
use text::{read_line, Reply};

/// Longest command or reply line kept; the rest of a longer line is dropped.
pub const MAX_LINE: usize = 64 * 1024;
/// Requests waiting for their replies; past this the oldest is reported without one.
pub const MAX_PENDING: usize = 4096;
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
    detail: Parts,
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

    // ---- reading ---------------------------------------------------------------------

    /// Bytes of one side.
    fn read(&mut self, client: bool, mut input: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !input.is_empty() {
            let n = self.step(client, input, at, out);
            input = &input[n..];
        }
    }

    /// Consumes some of `input` and returns how many bytes: at least one, or none when
    /// the state moved on (so the loop progresses).
    fn step(&mut self, client: bool, input: &[u8], at: At, out: &mut Vec<Transaction>) -> usize {
        let side = if client {
            &mut self.client
        } else {
            &mut self.server
        };
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
                self.value_passed(client, at, out);
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
                // memcached answers "CLIENT_ERROR bad data chunk"; the bytes are read as
                // the next message.
                side.crlf = 0;
            }
            if side.crlf == 0 {
                if client {
                    if let Request::Text(p) = std::mem::replace(&mut self.request, Request::None) {
                        self.request_done(p, at, out);
                    }
                } else {
                    self.value_done(at, out);
                }
            }
            return usize::from(ok);
        }
        // Requests start with 0x80, responses with 0x81 (binary); anything else is text.
        let magic = if client { 0x80 } else { 0x81 };
        if side.mode == Mode::Text && side.buf.is_empty() && !side.overflow && input[0] == magic {
            side.mode = Mode::BinaryHead;
        }
        match side.mode {
            Mode::Text => {
                let (n, line) = read_line(side, input, at);
                if let Some(truncated) = line {
                    let line = std::mem::take(&mut side.buf);
                    if client {
                        self.client_line(&line, truncated, at, out);
                    } else {
                        self.server_line(&line, truncated, at, out);
                    }
                    let side = if client {
                        &mut self.client
                    } else {
                        &mut self.server
                    };
                    side.buf = line;
                    side.buf.clear();
                }
                n
            }
            Mode::BinaryHead => {
                let (n, head) = read_binary_head(side, input, at, magic);
                match head {
                    BinHead::More => {}
                    BinHead::Invalid => side.resync(),
                    BinHead::Done(h) if client => self.binary_request(h, at, out),
                    BinHead::Done(h) => self.binary_reply_head(h, at, out),
                }
                n
            }
        }
    }

    /// The value of a side's message was passed over: a text value's `\r\n` follows, a
    /// binary message is complete.
    fn value_passed(&mut self, client: bool, at: At, out: &mut Vec<Transaction>) {
        if client {
            match std::mem::replace(&mut self.request, Request::None) {
                Request::Text(p) => {
                    self.client.crlf = 2;
                    self.request = Request::Text(p);
                }
                Request::Binary(p) => self.request_done(p, at, out),
                Request::None => {}
            }
        } else if let Some(r) = self.bin_reply.take() {
            self.binary_reply(r, at, out);
        } else {
            self.server.crlf = 2;
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

    // ---- gaps ----------------------------------------------------------------------

    /// Bytes of a side never captured. Inside a value of known length the side stays in
    /// step; else what was in progress is lost and the side hunts for the next message.
    fn lost(&mut self, client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        let side = if client {
            &mut self.client
        } else {
            &mut self.server
        };
        if side.skip >= len && side.skip > 0 {
            side.skip -= len;
            side.bytes += len;
            side.lost = true;
            side.keep = 0;
            if side.skip == 0 {
                self.value_passed(client, at, out);
            }
        } else if client {
            self.client_lost(at, out);
        } else {
            self.server_lost(out);
        }
    }

    fn client_lost(&mut self, at: At, out: &mut Vec<Transaction>) {
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

    fn server_lost(&mut self, out: &mut Vec<Transaction>) {
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
        self.read(from_client, bytes, at, out);
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        if len == 0 {
            return;
        }
        self.lost(from_client, len, at, out);
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
    report(
        out,
        Some(p.request),
        response.or(p.response),
        Detail::Memcache(Box::new(p.detail.into())),
    );
}

fn is_binary(p: &Pending) -> bool {
    p.expect == Expect::Binary || p.expect == Expect::BinaryStat
}
