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

mod commands;
mod resp;
#[cfg(test)]
mod test;

use super::{lossy, report, StreamParser};
use crate::capture::app::redis::{Redis, ReplyType};
use crate::capture::app::{At, Detail, Span, Transaction};
use commands::has_keys;
use resp::{Msg, Reader, Step};
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
            report(out, None, Some(span), Detail::Redis(Box::new(d)));
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
    report(
        out,
        Some(p.request),
        response.or(p.response),
        Detail::Redis(Box::new(p.detail)),
    );
}
