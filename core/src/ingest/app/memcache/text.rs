//! memcached's text protocol (`doc/protocol.txt`): command lines and their data blocks,
//! reply lines (`VALUE` blocks up to `END`, `STAT` lines, meta replies with their
//! values), matched to the requests in the order they were sent.

use super::{emit, is_binary, report, text, Expect, Parser, Pending, Request, Side, MAX_LINE};
use crate::capture::app::memcache::{Key, Parts};
use crate::capture::app::{At, Detail, Span, Transaction};
use std::sync::Arc;

impl Parser {
    /// One command line (without its line end).
    pub(super) fn client_line(
        &mut self,
        line: &[u8],
        truncated: bool,
        at: At,
        out: &mut Vec<Transaction>,
    ) {
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
                let mut d = Parts {
                    command: "".into(),
                    ..Parts::default()
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
        let key = |t: &[u8]| Key::new(text(t), None, None);
        let noreply = args.last().is_some_and(|a| *a == b"noreply");
        let mut d = Parts {
            command: text(cmd),
            incomplete: truncated,
            ..Parts::default()
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
                        d.keys.push(Key::new(text(k), None, Some(len)));
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
                            k.set_value_len(len);
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

    /// The value after a text `VALUE`/`VA` line (and its `\r\n`) was passed over.
    pub(super) fn value_done(&mut self, at: At, out: &mut Vec<Transaction>) {
        if self.reply.as_ref().is_some_and(|r| r.done_after_value) {
            if let Some(r) = self.reply.take() {
                self.finish_reply(r, at, out);
            }
        }
    }

    /// One reply line (with its line end).
    pub(super) fn server_line(
        &mut self,
        raw: &[u8],
        truncated: bool,
        at: At,
        out: &mut Vec<Transaction>,
    ) {
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
                        r.values.push((text(key), len));
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
                _ if &*r.command == "stats" || r.stats > 0 => {
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
                .is_some_and(|p| matches!(&*p.detail.command, "incr" | "decr"));
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
                        && p.detail.keys.iter().any(|k| k.key().as_bytes() == key)
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
            None => guess_command(word).into(),
        };
        let mut r = Reply {
            command,
            incomplete: truncated || head.is_none(),
            ..Reply::default()
        };
        if let Some((key, len)) = value {
            r.values.push((text(key), len));
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
                .map(|k| k.text().clone())
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
            let (possible, silent): (&[&[u8]], &str) = match &*p.detail.command {
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
                    k.set_hit(false);
                    p.detail.misses += 1;
                }
            }
            emit(p, None, out);
        }
    }

    /// A text reply is complete: it belongs to the first waiting text request.
    pub(super) fn finish_reply(&mut self, r: Reply, at: At, out: &mut Vec<Transaction>) {
        let (span, lost) = self.server.finish(at);
        let pos = self.pending.iter().position(|p| !is_binary(p));
        let Some(mut p) = pos.and_then(|i| self.pending.remove(i)) else {
            // A reply without its request (a stream joined mid-way).
            let mut d = Parts {
                command: r.command,
                status: r.status,
                message: r.message,
                stats: r.stats,
                incomplete: true,
                ..Parts::default()
            };
            d.error = is_error_word(d.status.as_deref());
            d.keys = r
                .values
                .into_iter()
                .map(|(key, len)| Key::new(key, Some(true), Some(len)))
                .collect();
            d.hits = d.keys.len() as u32;
            report(out, None, Some(span), Detail::Memcache(Box::new(d.into())));
            return;
        };
        let d = &mut p.detail;
        d.status = r.status;
        d.message = r.message;
        d.incomplete |= r.incomplete || lost;
        d.stats = r.stats;
        d.error = is_error_word(d.status.as_deref());
        let retrieval = matches!(&*d.command, "get" | "gets" | "gat" | "gats" | "mg");
        if retrieval && !d.error {
            // Each key asked for is a hit if a value came back for it.
            let mut values = r.values;
            let status = d.status.clone().unwrap_or_default();
            for k in &mut d.keys {
                let hit = match values.iter().position(|(key, _)| key == k.text()) {
                    Some(i) => {
                        k.set_value_len(values.remove(i).1);
                        true
                    }
                    // mg without the `v` flag: HD is a hit.
                    None => &*d.command == "mg" && &*status == "HD",
                };
                k.set_hit(hit);
                if hit {
                    d.hits += 1;
                } else {
                    d.misses += 1;
                }
            }
        } else if matches!(
            &*d.command,
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
                    k.set_hit(hit);
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
}

/// A text reply in progress on the server side.
#[derive(Default)]
pub(super) struct Reply {
    /// The command it answers (guessed when the request was not seen).
    command: Arc<str>,
    status: Option<Arc<str>>,
    message: Option<Arc<str>>,
    /// Keys returned so far, in order, with their value lengths.
    values: Vec<(Arc<str>, u64)>,
    stats: u32,
    pub(super) incomplete: bool,
    /// After the current value: the reply is complete (meta `VA`).
    done_after_value: bool,
}

fn is_error_word(status: Option<&str>) -> bool {
    matches!(status, Some("ERROR" | "CLIENT_ERROR" | "SERVER_ERROR"))
}

fn set_status(r: &mut Reply, word: &[u8], rest: &[u8]) {
    r.status = Some(text(word));
    if !rest.is_empty() {
        r.message = Some(text(rest));
    }
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

/// Reads into `side.buf` up to and including a `\n`. Returns the bytes consumed and,
/// when a line is complete, whether it was cut at [`MAX_LINE`].
pub(super) fn read_line(side: &mut Side, input: &[u8], at: At) -> (usize, Option<bool>) {
    let (n, complete) = match memchr::memchr(b'\n', input) {
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
