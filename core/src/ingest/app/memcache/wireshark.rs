//! How Wireshark's memcache dissector (tshark 4.0) cuts a TCP stream into PDUs, shared by
//! the field dissector that reproduces its fields (`crate::query::fields::pdu::memcache`)
//! and by [`Commands`], which notes at ingest where it shows `memcache` and
//! `memcache.command`, so a filter on them needs no second reading of the capture.
//!
//! What Wireshark is handed, and what it makes of it: see the field dissector's notes.

use crate::capture::app::memcache::{shown, Change, CutLine, COMMANDS, NO_COMMAND, RESPONSES};
use crate::ingest::hash;
use std::hash::Hasher;

/// Most bytes a side keeps of a PDU spread over segments. A longer one is given up: it
/// adds no field, and the side starts afresh after it.
pub const MAX_PDU: usize = 8 << 20;

/// What a call of the dissector wants beyond the bytes it was handed (`desegment_len`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum More {
    /// All of the next segment.
    Segment,
    /// This many bytes more.
    Bytes(u32),
}

/// Wireshark's `tvb_find_line_end` from `from`: the end of the line and the start of
/// the next one. A line ends at CR LF, CR or LF. With `whole`, a line with no end yet
/// (or a CR as the last byte, which may be the first half of CR LF) is None; without,
/// the line runs to the end of `t`.
pub fn line_end(t: &[u8], from: usize, whole: bool) -> Option<(usize, usize)> {
    let rest = t.get(from..).unwrap_or_default();
    match memchr::memchr2(b'\r', b'\n', rest) {
        None if whole => None,
        None => Some((t.len(), t.len())),
        Some(i) => {
            let eol = from + i;
            if t[eol] == b'\r' {
                match t.get(eol + 1) {
                    None if whole => None,
                    Some(b'\n') => Some((eol, eol + 2)),
                    _ => Some((eol, eol + 1)),
                }
            } else {
                Some((eol, eol + 1))
            }
        }
    }
}

/// The tokens of one line (Wireshark's `get_token_len`): a token ends at a blank, CR or
/// LF, and the blanks after it are skipped.
pub struct Tokens<'a> {
    /// The line.
    pub line: &'a [u8],
    /// The next token's offset in `line`.
    pub pos: usize,
}

impl<'a> Tokens<'a> {
    /// The next token; an empty one means the line ended (or a blank came first).
    #[allow(clippy::should_implement_trait)] // never ends: not an iterator
    pub fn next(&mut self) -> &'a [u8] {
        let start = self.pos.min(self.line.len());
        let rest = &self.line[start..];
        let len = memchr::memchr3(b' ', b'\r', b'\n', rest).unwrap_or(rest.len());
        let blanks = rest[len..].iter().take_while(|&&b| b == b' ').count();
        self.pos = start + len + blanks;
        &rest[..len]
    }

    /// The next token if it is not empty and at most `max` bytes long.
    pub fn next_max(&mut self, max: usize) -> Option<&'a [u8]> {
        Some(self.next()).filter(|t| !t.is_empty() && t.len() <= max)
    }
}

/// C's `strtoul(s, NULL, 10)` with a 64-bit `unsigned long`: blanks skipped, a sign,
/// the digits up to any other byte (none: 0); too big is the maximum, and a minus sign
/// negates modulo 2^64. The string ends at a NUL.
pub fn strtoul(s: &[u8]) -> u64 {
    scan(s).unwrap_or(0)
}

/// `strtoul`, or None when no digit follows the blanks and the sign.
pub fn scan(s: &[u8]) -> Option<u64> {
    let s = &s[..memchr::memchr(0, s).unwrap_or(s.len())];
    let blanks = s
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let s = &s[blanks..];
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let v = s[..digits].iter().try_fold(0u64, |v, &d| {
        v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    Some(match v {
        None => u64::MAX,
        Some(v) if neg => v.wrapping_neg(),
        Some(v) => v,
    })
}

/// `sscanf(s, "%u")`: `strtoul` cut to 32 bits, but no digit is no number.
pub fn scan_u32(s: &[u8]) -> Option<u32> {
    scan(s).map(|v| v as u32)
}

/// What the first token of a text message makes of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A request.
    Request {
        /// Which.
        cmd: Cmd,
        /// A data block follows the line.
        content: bool,
    },
    /// A reply.
    Response(Reply),
}

/// Text requests Wireshark knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `get`, `gets`.
    Get,
    /// `set`, `add`, `replace`, `append`, `prepend`.
    Store,
    /// `cas`.
    Cas,
    /// `incr`, `decr`.
    Incr,
    /// `delete`.
    Delete,
    /// `stats`.
    Stats,
    /// `flush_all`.
    FlushAll,
    /// `quit`, `version`.
    Bare,
}

/// Text replies Wireshark knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `VALUE`.
    Value,
    /// `VERSION`.
    Version,
    /// `STAT`.
    Stat,
    /// `OK`, `END`, `EXISTS`, `STORED`, `DELETED`, `NOT_FOUND`, `NOT_STORED`.
    Status,
}

/// Wireshark's reading of a line's first word (up to the first space only).
pub fn classify(line: &[u8]) -> Option<Kind> {
    let word = &line[..memchr::memchr(b' ', line).unwrap_or(line.len())];
    let reply = match word {
        b"VALUE" => Some(Reply::Value),
        b"VERSION" => Some(Reply::Version),
        b"STAT" => Some(Reply::Stat),
        b"OK" | b"END" | b"EXISTS" | b"STORED" | b"DELETED" | b"NOT_FOUND" | b"NOT_STORED" => {
            Some(Reply::Status)
        }
        _ => None,
    };
    if let Some(r) = reply {
        return Some(Kind::Response(r));
    }
    let (cmd, content) = match word {
        b"get" | b"gets" => (Cmd::Get, false),
        b"set" | b"add" | b"replace" | b"append" | b"prepend" => (Cmd::Store, true),
        b"cas" => (Cmd::Cas, true),
        b"incr" | b"decr" => (Cmd::Incr, false),
        b"delete" => (Cmd::Delete, false),
        b"stats" => (Cmd::Stats, false),
        b"flush_all" => (Cmd::FlushAll, false),
        b"quit" | b"version" => (Cmd::Bare, false),
        _ => return None,
    };
    Some(Kind::Request { cmd, content })
}

/// What the dissector does with a text message handed to it (`t`, not empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextCut {
    /// It stops before any field (a data block's length it cannot read): all of `t` is
    /// taken, nothing shown.
    Nothing,
    /// It dissects all of `t`: a message of `kind` (None: an unknown first line, which
    /// still shows the protocol) whose first line ends at `line_end`.
    Whole {
        /// What the first line's first word makes of it.
        kind: Option<Kind>,
        /// Where the first line ends (its CR or LF, or the end of `t`).
        line_end: usize,
    },
    /// It asks for more bytes before it dissects anything.
    More(More),
}

/// The call of the dissector on a text message `t`: whether it dissects it, and how it
/// reads its first line.
pub fn text_cut(t: &[u8]) -> TextCut {
    let Some((end, _)) = line_end(t, 0, false) else {
        return TextCut::Nothing;
    };
    let line = &t[..end];
    let kind = classify(line);
    if let Some(kind) = kind {
        // The first line must be whole, and the data block it announces there.
        let Some((_, data_at)) = line_end(t, 0, true) else {
            return TextCut::More(More::Segment);
        };
        let length_token = match kind {
            Kind::Request { content: true, .. } => Some(5),
            Kind::Response(Reply::Value) => Some(4),
            _ => None,
        };
        if let Some(n) = length_token {
            let mut tokens = Tokens { line, pos: 0 };
            let mut token = &[][..];
            for _ in 0..n {
                token = tokens.next();
                if token.is_empty() {
                    return TextCut::Nothing;
                }
            }
            let Some(len) = scan_u32(token) else {
                return TextCut::Nothing;
            };
            let have = t.len() - data_at;
            if len > i32::MAX as u32 || have < len as usize {
                let more = len.wrapping_add(2).wrapping_sub(have as u32);
                return match more {
                    0 => TextCut::Nothing,
                    n => TextCut::More(More::Bytes(n)),
                };
            }
        }
    }
    TextCut::Whole {
        kind,
        line_end: end,
    }
}

/// The fields of a text message, as Wireshark's memcache dissector names them
/// (`memcache`, `memcache.command`, `memcache.key`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextField {
    /// `memcache`.
    Memcache,
    /// `memcache.command`.
    Command,
    /// `memcache.key`.
    Key,
    /// `memcache.flags`.
    Flags,
    /// `memcache.expiration`.
    Expiration,
    /// `memcache.value.length`.
    ValueLength,
    /// `memcache.cas`.
    Cas,
    /// `memcache.noreply`.
    Noreply,
    /// `memcache.value`.
    Value,
    /// `memcache.response`.
    Response,
    /// `memcache.version`.
    Version,
    /// `memcache.subcommand`.
    Subcommand,
    /// `memcache.slabclass`.
    Slabclass,
    /// `memcache.name`.
    Name,
    /// `memcache.name_value`.
    NameValue,
}

/// Where [`text_fields`] puts the fields of a message, each with the bytes it was read
/// from.
pub trait TextSink {
    /// A number read from the bytes `at`.
    fn uint(&mut self, field: TextField, v: u64, at: &[u8]);
    /// A string: the bytes `at` read as ASCII ([`ascii`]).
    fn text(&mut self, field: TextField, at: &[u8]);
    /// An item with no value over the bytes `at`.
    fn present(&mut self, field: TextField, at: &[u8]);
}

/// Bytes as Wireshark's ASCII strings read them: a byte above 0x7f is U+FFFD, and the
/// value ends at a NUL (it is a C string).
pub fn ascii(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes[..end]
        .iter()
        .map(|&b| if b < 0x80 { char::from(b) } else { '\u{fffd}' })
        .collect()
}

/// The fields of one text message `t` Wireshark dissects whole ([`TextCut::Whole`]: a
/// message of `kind` whose first line ends at `end`), in the order it shows them. (The
/// same fields come of the first part of a message whose data block is still to come:
/// they are all on its first line.)
pub fn text_fields<S: TextSink + ?Sized>(t: &[u8], kind: Option<Kind>, end: usize, e: &mut S) {
    let line = &t[..end];
    e.present(TextField::Memcache, t);
    match kind {
        None => {}
        Some(Kind::Request { cmd, .. }) => request(t, line, cmd, e),
        Some(Kind::Response(Reply::Value)) => values(t, 0, e),
        Some(Kind::Response(Reply::Version)) => {
            let mut tokens = Tokens { line, pos: 0 };
            tokens.next();
            let version = tokens.next();
            if !version.is_empty() {
                e.text(TextField::Version, version);
            }
        }
        Some(Kind::Response(Reply::Stat)) => stats(t, e),
        Some(Kind::Response(Reply::Status)) => {
            let word = Tokens { line, pos: 0 }.next();
            e.text(TextField::Response, word);
        }
    }
}

/// A text request's fields; reading stops at the first token Wireshark does not expect.
fn request<S: TextSink + ?Sized>(t: &[u8], line: &[u8], cmd: Cmd, e: &mut S) {
    let mut tk = Tokens { line, pos: 0 };
    let command = tk.next();
    if command.is_empty() {
        return;
    }
    e.text(TextField::Command, command);
    // `noreply`, or else a number in the expiration's place.
    let noreply_or_exp = |token: &[u8], e: &mut S| {
        if token == b"noreply" {
            e.text(TextField::Noreply, token);
        } else {
            e.uint(
                TextField::Expiration,
                u64::from(strtoul(token) as u32),
                token,
            );
        }
    };
    match cmd {
        Cmd::Store | Cmd::Cas => {
            let _ = store(t, &mut tk, cmd == Cmd::Cas, e);
        }
        Cmd::Incr => {
            let key = tk.next();
            if key.is_empty() {
                return;
            }
            e.text(TextField::Key, key);
            let delta = tk.next();
            if delta.is_empty() {
                return;
            }
            e.text(TextField::Value, delta);
            let token = tk.next();
            if token == b"noreply" {
                e.text(TextField::Noreply, token);
            }
        }
        Cmd::Delete => {
            let key = tk.next();
            if key.is_empty() {
                return;
            }
            e.text(TextField::Key, key);
            if let Some(token) = tk.next_max(10) {
                noreply_or_exp(token, e);
            }
        }
        Cmd::Get => loop {
            let key = tk.next();
            if key.is_empty() {
                return;
            }
            e.text(TextField::Key, key);
        },
        Cmd::Stats => {
            let sub = tk.next();
            if !sub.is_empty() {
                e.text(TextField::Subcommand, sub);
            }
        }
        Cmd::FlushAll => {
            let Some(token) = tk.next_max(10) else { return };
            noreply_or_exp(token, e);
            let token = tk.next();
            if token == b"noreply" {
                e.text(TextField::Noreply, token);
            }
        }
        Cmd::Bare => {}
    }
}

/// `set`, `add`, `replace`, `append`, `prepend` and `cas`: the line's numbers, then the
/// data block.
fn store<S: TextSink + ?Sized>(t: &[u8], tk: &mut Tokens<'_>, cas: bool, e: &mut S) -> Option<()> {
    let key = Some(tk.next()).filter(|k| !k.is_empty())?;
    e.text(TextField::Key, key);
    let flags = tk.next_max(5)?;
    e.uint(TextField::Flags, u64::from(strtoul(flags) as u16), flags);
    let exp = tk.next_max(10)?;
    e.uint(TextField::Expiration, u64::from(strtoul(exp) as u32), exp);
    let len_token = tk.next_max(10)?;
    let bytes = strtoul(len_token) as u32;
    e.uint(TextField::ValueLength, bytes.into(), len_token);
    if cas {
        let unique = tk.next_max(20)?;
        e.uint(TextField::Cas, strtoul(unique), unique);
    }
    // One more token is skipped (`noreply` or not), then two bytes for the line's end,
    // whatever the line's end really is.
    let token = tk.next();
    if token == b"noreply" {
        e.text(TextField::Noreply, token);
    }
    data_block(t, tk.pos + 2, bytes, e);
    Some(())
}

/// A data block at `at`, `len` bytes long (Wireshark's `content_data_dissector`):
/// the value, or whatever is there if `len` bytes and two more are not. Returns where
/// the next line starts, as Wireshark reckons it.
fn data_block<S: TextSink + ?Sized>(t: &[u8], at: usize, len: u32, e: &mut S) -> usize {
    if at >= t.len() {
        return at;
    }
    let have = t.len() - at;
    // The length is a C int there: a huge one is negative and takes everything.
    let (take, whole) = match i32::try_from(len) {
        Ok(len) if have >= len as usize + 2 => (len as usize, true),
        _ => (have, false),
    };
    if take > 0 {
        e.text(TextField::Value, &t[at..at + take]);
        at + take + if whole { 2 } else { 0 }
    } else {
        at
    }
}

/// A `VALUE` reply from `at`: each `VALUE` line and its data block, up to `END`.
fn values<S: TextSink + ?Sized>(t: &[u8], mut at: usize, e: &mut S) {
    while at < t.len() {
        let Some((end, next)) = line_end(t, at, false) else {
            return;
        };
        let mut tk = Tokens {
            line: &t[at..end],
            pos: 0,
        };
        if tk.next() != b"VALUE" {
            return;
        }
        let key = tk.next();
        if key.is_empty() {
            return;
        }
        e.text(TextField::Key, key);
        let Some(flags) = tk.next_max(5) else { return };
        e.uint(TextField::Flags, u64::from(strtoul(flags) as u16), flags);
        let Some(len_token) = tk.next_max(10) else {
            return;
        };
        let bytes = strtoul(len_token) as u32;
        e.uint(TextField::ValueLength, bytes.into(), len_token);
        let unique = tk.next();
        if unique.len() > 20 {
            return;
        }
        if !unique.is_empty() {
            e.uint(TextField::Cas, strtoul(unique), unique);
            // Wireshark then looks for the line's end at the cas token again, finds a
            // token and gives up: a `gets` reply shows no value.
            return;
        }
        at = data_block(t, next, bytes, e);
    }
}

/// A `stats` reply: `STAT` lines (`name value`, `slab:name value` or
/// `sub:slab:name value`) up to `END`.
fn stats<S: TextSink + ?Sized>(t: &[u8], e: &mut S) {
    let mut at = 0;
    while at < t.len() {
        let Some((end, next)) = line_end(t, at, false) else {
            return;
        };
        let line = &t[at..end];
        let mut tk = Tokens { line, pos: 0 };
        let word = tk.next();
        if word != b"STAT" {
            return;
        }
        e.text(TextField::Command, word);
        // Colons anywhere in the rest of the line count, the value's too.
        let rest = &line[tk.pos..];
        let colons: Vec<usize> = rest
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b':')
            .map(|(i, _)| i)
            .take(3)
            .collect();
        let slab = |s: &[u8]| (1..=10).contains(&s.len()).then(|| strtoul(s) as u32);
        match colons[..] {
            [first, second] => {
                e.text(TextField::Subcommand, &rest[..first]);
                let Some(class) = slab(&rest[first + 1..second]) else {
                    return;
                };
                e.uint(TextField::Slabclass, class.into(), &rest[first + 1..second]);
                tk.pos += second + 1;
            }
            [first] => {
                let Some(class) = slab(&rest[..first]) else {
                    return;
                };
                e.uint(TextField::Slabclass, class.into(), &rest[..first]);
                tk.pos += first + 1;
            }
            [] => {}
            _ => return,
        }
        let name = tk.next();
        if name.is_empty() {
            return;
        }
        e.text(TextField::Name, name);
        let value = tk.next();
        if value.is_empty() {
            return;
        }
        e.text(TextField::NameValue, value);
        at = next;
    }
}

/// What a side has gathered over segments for the dissector's next call.
#[derive(Clone, Debug)]
enum Pending {
    /// A PDU whose first line or binary header said how long it is.
    Block(Msp),
    /// A first line with no end yet, or a binary header cut before its length (the
    /// dissector asked for the next segment): its bytes so far, which TCP hands to it
    /// again with the whole next segment.
    Line(Vec<u8>),
}

/// The longest first line [`Commands`] waits for; a longer one makes the conversation
/// [`Commands::complex`] (a multi-get of a few hundred keys takes tens of KiB).
const LINE_MAX: usize = 64 << 10;

/// A binary header.
const BINARY_HEADER: usize = 24;
/// The part of it that holds the body's length (Wireshark's fixed length).
const LENGTH_PART: usize = 12;

/// A PDU gathered over segments, as far as where it ends.
#[derive(Clone, Debug)]
struct Msp {
    /// Stream bytes it covers so far.
    len: u64,
    /// Its length when complete.
    end: u64,
    /// What it shows: its code ([`shown`]) and its fields.
    shown: Message,
    /// Bytes of it were lost: it is not dissected, and ends where its first line said.
    broken: bool,
}

/// (packet, command) pairs in blocks of [`Found::BLOCK`]: a long conversation notes
/// hundreds of thousands of messages, and one `Vec` of them would double, holding its old
/// and new blocks for a moment (three times what it uses) in a wasm32 heap that keeps its
/// peak.
#[derive(Debug, Default)]
pub struct Found {
    blocks: Vec<Vec<(u32, u8)>>,
}

impl Found {
    /// Pairs a block holds.
    pub const BLOCK: usize = 4096;

    /// Notes message `command` in packet `packet`. The first block grows as a `Vec`
    /// does (most conversations note a few messages), the others are whole.
    pub fn push(&mut self, packet: u32, command: u8) {
        match self.blocks.last_mut() {
            Some(b) if b.len() < b.capacity() || b.capacity() < Self::BLOCK => {
                b.push((packet, command))
            }
            _ => {
                let mut b = Vec::with_capacity(Self::BLOCK);
                b.push((packet, command));
                self.blocks.push(b);
            }
        }
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(Vec::len).sum()
    }

    /// No pair.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The pairs, in the order noted.
    pub fn iter(&self) -> impl Iterator<Item = &(u32, u8)> {
        self.blocks.iter().flatten()
    }

    /// Those of `other` after these (its last block gives back its spare room).
    pub fn append(&mut self, mut other: Found) {
        if let Some(b) = other.blocks.last_mut() {
            b.shrink_to_fit();
        }
        self.blocks.append(&mut other.blocks);
    }

    /// Each block as its packets and, beside them, its commands, the block freed as the
    /// next is made.
    pub fn into_columns(self) -> impl Iterator<Item = (Vec<u32>, Vec<u8>)> {
        self.blocks.into_iter().map(|b| b.into_iter().unzip())
    }
}

impl<'a> IntoIterator for &'a Found {
    type Item = &'a (u32, u8);
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<(u32, u8)>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.blocks.iter().flatten()
    }
}

/// The digest of the text fields a message shows that a query derives from the
/// transactions (`memcache.key`, `.flags`, `.expiration`, `.value.length`, `.noreply`,
/// `.response`), in the order shown: the ingest makes it of the bytes ([`Commands`]), a
/// query of what it derives, and the derived values hold only where the two agree. Keyed
/// ([`hash::digest`]): a capture cannot be made to agree by chance.
pub struct MessageDigest(foldhash::fast::FoldHasher<'static>);

impl Default for MessageDigest {
    fn default() -> Self {
        MessageDigest(hash::digest())
    }
}

impl MessageDigest {
    /// A number shown as `field`.
    pub fn uint(&mut self, field: TextField, v: u64) {
        self.0.write_u8(field as u8);
        self.0.write_u64(v);
    }

    /// A string shown as `field`.
    pub fn text(&mut self, field: TextField, s: &str) {
        self.0.write_u8(field as u8);
        self.0.write_u64(s.len() as u64);
        self.0.write(s.as_bytes());
    }

    /// The digest so far.
    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// The digest of a conversation's messages: each message's ([`MessageDigest`]) folded in
/// the order the messages are shown.
pub fn fold(conv: u64, message: u64) -> u64 {
    let mut h = hash::digest();
    h.write_u64(conv);
    h.write_u64(message);
    h.finish()
}

/// What one message shows, as the ingest notes it.
#[derive(Clone, Debug)]
struct Message {
    /// Its code ([`shown`]).
    code: u8,
    /// Its [`MessageDigest`].
    digest: u64,
    /// Its first `memcache.flags` and `memcache.expiration`.
    flags: Option<u16>,
    expiration: Option<u32>,
    /// Its fields do not fit a code (too many `VALUE` lines).
    odd: bool,
    /// Its last `VALUE` line, cut short (`CutLine::message` is set when noted).
    cut: Option<Box<CutLine>>,
    /// The `STAT` lines of a `stats` reply ([`shown::STATS`]).
    lines: u32,
}

impl Message {
    /// A binary PDU: it shows `memcache` and no command, and its `memcache.key` and
    /// `memcache.value.length` (which every binary PDU shows) are not derived from the
    /// transactions: it makes its conversation's digest odd, so those are read again.
    fn binary() -> Self {
        Message {
            code: shown::OTHER,
            digest: 0,
            flags: None,
            expiration: None,
            odd: true,
            cut: None,
            lines: 0,
        }
    }
}

/// A [`TextSink`] that notes what a message shows: the fields a query derives, in a
/// digest, and what its code says.
#[derive(Default)]
struct Shown {
    digest: MessageDigest,
    /// The address of the message's bytes, and the last key's offset in them with the
    /// flags and value length shown after it.
    base: usize,
    last: Option<(usize, Option<u16>, Option<u32>)>,
    keys: usize,
    noreply: bool,
    response: Option<u8>,
    flags: Option<u16>,
    expiration: Option<u32>,
    /// `memcache.command`s shown (a `stats` reply's `STAT` lines).
    commands: u32,
}

impl TextSink for Shown {
    fn uint(&mut self, field: TextField, v: u64, _: &[u8]) {
        match field {
            TextField::Flags => {
                self.flags.get_or_insert(v as u16);
                if let Some(l) = &mut self.last {
                    l.1 = Some(v as u16);
                }
            }
            TextField::Expiration => {
                self.expiration.get_or_insert(v as u32);
            }
            TextField::ValueLength => {
                if let Some(l) = &mut self.last {
                    l.2 = Some(v as u32);
                }
            }
            _ => return,
        }
        self.digest.uint(field, v);
    }

    fn text(&mut self, field: TextField, at: &[u8]) {
        match field {
            TextField::Key => {
                self.keys += 1;
                self.last = Some(((at.as_ptr() as usize).wrapping_sub(self.base), None, None));
            }
            TextField::Noreply => self.noreply = true,
            TextField::Command => {
                self.commands = self.commands.saturating_add(1);
                return;
            }
            TextField::Response => {
                self.response = RESPONSES
                    .iter()
                    .position(|r| r.as_bytes() == at)
                    .map(|i| i as u8)
            }
            _ => return,
        }
        // Most keys are ASCII already: no string is made of them.
        match std::str::from_utf8(at) {
            Ok(s) if at.iter().all(|&b| b != 0 && b < 0x80) => self.digest.text(field, s),
            _ => self.digest.text(field, &ascii(at)),
        }
    }

    fn present(&mut self, _: TextField, _: &[u8]) {}
}

/// Where Wireshark shows a memcache message (`memcache`) and its command
/// (`memcache.command`) in one memcached conversation, noted as its bytes go by: the same
/// cut of each side into PDUs as the field dissector's, as long as the conversation stays
/// on the simple path (text messages, PDUs whose length the first line or the binary
/// header says, `stats` replies; after a gap it starts again where the dissector does,
/// [`Commands::gap`]; a first line or a binary header cut by a segment waits for the
/// next, [`Pending::Line`]). Anything else — a first line over [`LINE_MAX`], a binary
/// header whose length is 0 — makes it [`Commands::complex`]: then only dissecting the
/// packets again says where the fields are. Each message's code ([`shown`]) and the
/// digest of the conversation's fields ([`Commands::digest`]) let a query derive its
/// other text fields from the transactions and check them.
#[derive(Debug, Default)]
pub struct Commands {
    /// Each direction's PDU being gathered (the client's first).
    sides: [Option<Pending>; 2],
    /// (packet, code) of each message shown, in the order shown.
    pub found: Found,
    /// The conversation left the simple path: `found` is not the whole story.
    pub complex: bool,
    /// The [`MessageDigest`]s of the messages shown, folded ([`fold`]).
    pub digest: u64,
    /// Where `memcache.flags` and `memcache.expiration` change, by message.
    pub changes: Vec<Change>,
    /// The `VALUE` lines cut short.
    pub cut: Vec<CutLine>,
    /// How many `STAT` lines each `stats` reply of `found` shows, in order.
    pub stat_lines: Vec<u32>,
    /// The messages shown.
    messages: u32,
    /// A message's fields did not fit its code, or flags and expiration change too
    /// often to note: the digest will not agree.
    pub odd: bool,
}

impl Commands {
    /// In-order bytes of one direction (0 the client's, 1 the server's), carried by
    /// packet `packet`.
    pub fn data(&mut self, side: usize, mut seg: &[u8], packet: u64) {
        let Ok(packet) = u32::try_from(packet) else {
            self.complex = true;
            return;
        };
        while !seg.is_empty() && !self.complex {
            let mut m = match self.sides[side].take() {
                None => {
                    self.sides[side] = self.call(side, seg, packet);
                    return;
                }
                Some(Pending::Line(line))
                    if line.len() < LENGTH_PART && matches!(line.first(), Some(0x80 | 0x81)) =>
                {
                    self.sides[side] = self.binary_header(line, seg, packet);
                    return;
                }
                Some(Pending::Line(mut line)) => {
                    // The whole segment joins it, and the dissector is called on it all.
                    if line.len() + seg.len() > LINE_MAX {
                        self.complex = true;
                        return;
                    }
                    line.extend_from_slice(seg);
                    self.sides[side] = self.call(side, &line, packet);
                    return;
                }
                Some(Pending::Block(m)) => m,
            };
            let take = (m.end - m.len).min(seg.len() as u64) as usize;
            m.len += take as u64;
            seg = &seg[take..];
            if m.len < m.end {
                self.sides[side] = Some(Pending::Block(m));
                return;
            }
            // Complete: dissected whole (its first line said how long it is), unless it
            // grew past what Wireshark keeps or bytes of it were lost; the rest is handed
            // over afresh.
            if m.end <= MAX_PDU as u64 && !m.broken {
                self.push(packet, m.shown);
            }
        }
    }

    /// `len` bytes of one direction (0 the client's, 1 the server's) were never
    /// captured. As TCP's desegmentation does: lost inside a PDU whose end is known
    /// (a data block), the bytes after the loss up to that end still join it and it is
    /// never dissected; else the PDU being gathered (a first line waiting for its end
    /// too) is dropped. Either way the next bytes handed over afresh are a message of
    /// their own, wherever they fall.
    pub fn gap(&mut self, side: usize, len: u64) {
        match &mut self.sides[side] {
            Some(Pending::Block(m)) if m.len.saturating_add(len) < m.end => {
                m.len += len;
                m.broken = true;
            }
            _ => self.sides[side] = None,
        }
    }

    /// Notes a message shown in packet `packet`.
    fn push(&mut self, packet: u32, m: Message) {
        self.found.push(packet, m.code);
        if m.code == shown::STATS {
            self.stat_lines.push(m.lines);
        }
        if let Some(mut cut) = m.cut {
            cut.message = self.messages;
            self.cut.push(*cut);
        }
        self.digest = fold(self.digest, m.digest);
        self.odd |= m.odd;
        let last = self.changes.last().copied().unwrap_or_default();
        let now = Change {
            message: self.messages,
            flags: m.flags.unwrap_or(last.flags),
            expiration: m.expiration.unwrap_or(last.expiration),
        };
        if (now.flags, now.expiration) != (last.flags, last.expiration) {
            // More than one change in eight messages (and a few) is not worth noting.
            if self.changes.len() as u32 >= 4 + self.messages / 8 {
                self.odd = true;
            } else {
                self.changes.push(now);
            }
        }
        self.messages = self.messages.saturating_add(1);
    }

    /// A call of the dissector on bytes of `side` handed to it afresh, or gathered for it
    /// since it asked for the next segment: what it waits for, if it asks for more.
    fn call(&mut self, side: usize, t: &[u8], packet: u32) -> Option<Pending> {
        if matches!(t.first(), Some(0x80 | 0x81)) {
            return self.binary(t, packet);
        }
        // The command Wireshark shows: the first token of the first line, the word
        // `classify` read.
        let line = &t[..line_end(t, 0, false).map_or(t.len(), |(end, _)| end)];
        let command = || {
            let word = Tokens { line, pos: 0 }.next();
            COMMANDS
                .iter()
                .position(|c| c.as_bytes() == word)
                .map(|i| i as u8)
        };
        match text_cut(t) {
            TextCut::Nothing => None,
            TextCut::Whole { kind, line_end } => {
                debug_assert_eq!(line_end, line.len());
                match kind {
                    Some(Kind::Request { .. }) if command().is_none() => self.complex = true,
                    _ => {
                        let m = message(side, t, kind, line_end, command());
                        self.push(packet, m);
                    }
                }
                None
            }
            TextCut::More(More::Bytes(n)) if n < 1 << 31 => Some(Pending::Block(Msp {
                len: t.len() as u64,
                end: t.len() as u64 + u64::from(n),
                // Its fields are all on its first line, here already.
                shown: message(side, t, classify(line), line.len(), command()),
                broken: false,
            })),
            TextCut::More(More::Segment) if t.len() <= LINE_MAX => Some(Pending::Line(t.to_vec())),
            TextCut::More(_) => {
                self.complex = true;
                None
            }
        }
    }

    /// A run of binary PDUs from the start of `t`, whatever its first byte (the field
    /// dissector's `binary`, Wireshark's `tcp_dissect_pdus`): each whole PDU is a
    /// message shown in packet `packet`; returns what the side then waits for.
    fn binary(&mut self, t: &[u8], packet: u32) -> Option<Pending> {
        let mut off = 0;
        while off < t.len() {
            let rest = &t[off..];
            if rest.len() < LENGTH_PART {
                // The next segment joins these bytes and the dissector is called on them
                // afresh (as text, if they are).
                return Some(Pending::Line(rest.to_vec()));
            }
            match self.binary_pdu(&rest[..LENGTH_PART], rest.len() as u64, packet) {
                Ok(plen) => off += plen,
                Err(pending) => return pending,
            }
        }
        None
    }

    /// A binary PDU whose first [`LENGTH_PART`] bytes are `head`, `have` bytes of it
    /// here: its length when it is whole (and shown in packet `packet`), else what the
    /// side waits for (None: nothing, the rest of the call is not looked at).
    fn binary_pdu(
        &mut self,
        head: &[u8],
        have: u64,
        packet: u32,
    ) -> Result<usize, Option<Pending>> {
        let body = u32::from_be_bytes([head[8], head[9], head[10], head[11]]);
        let plen = body.wrapping_add(BINARY_HEADER as u32);
        if plen == 0 {
            // Wireshark waits for the next segment, and the one after, up to MAX_PDU
            // bytes: not followed.
            self.complex = true;
            return Err(None);
        }
        if (plen as usize) < LENGTH_PART {
            // A length that wraps: a bounds error, and the rest is not looked at.
            return Err(None);
        }
        if have < u64::from(plen) {
            // TCP compares sequence numbers modulo 2^32: an end 2^31 bytes or more ahead
            // counts as behind, and the next segment is handed over afresh.
            return Err((u64::from(plen) - have < 1 << 31).then(|| {
                Pending::Block(Msp {
                    len: have,
                    end: plen.into(),
                    shown: Message::binary(),
                    broken: false,
                })
            }));
        }
        self.push(packet, Message::binary());
        Ok(plen as usize)
    }

    /// The next segment `seg` after a binary header cut short (`head`, under
    /// [`LENGTH_PART`] bytes): the dissector is called on both, and reads a run of
    /// binary PDUs. Without joining them (a segment may be 64 KiB).
    fn binary_header(&mut self, mut head: Vec<u8>, seg: &[u8], packet: u32) -> Option<Pending> {
        let need = LENGTH_PART - head.len();
        if seg.len() < need {
            head.extend_from_slice(seg);
            return Some(Pending::Line(head));
        }
        let have = head.len();
        head.extend_from_slice(&seg[..need]);
        let total = (have + seg.len()) as u64;
        match self.binary_pdu(&head, total, packet) {
            Ok(plen) => self.binary(&seg[plen - have..], packet),
            Err(pending) => pending,
        }
    }
}

/// What the text message `t` of `side` shows: a message of `kind` whose first line ends
/// at `line_end`, naming `command` (an index into [`COMMANDS`]) if a request.
fn message(
    side: usize,
    t: &[u8],
    kind: Option<Kind>,
    line_end: usize,
    command: Option<u8>,
) -> Message {
    let mut s = Shown {
        base: t.as_ptr() as usize,
        ..Shown::default()
    };
    text_fields(t, kind, line_end, &mut s);
    let mut odd = false;
    // A `VALUE` line that runs to the end of the bytes (its end is in the next segment)
    // shows what it has so far.
    let cut = match (kind, s.last) {
        (Some(Kind::Response(Reply::Value)), Some((at, flags, value_length)))
            if at < t.len() && memchr::memchr2(b'\r', b'\n', &t[at..]).is_none() =>
        {
            let key = Tokens {
                line: &t[at..],
                pos: 0,
            }
            .next();
            Some(Box::new(CutLine {
                message: 0,
                key: ascii(key).into(),
                flags,
                value_length,
            }))
        }
        _ => None,
    };
    let code = match kind {
        Some(Kind::Request { .. }) => match command {
            Some(c) if s.noreply => c | shown::NOREPLY,
            Some(c) => c,
            None => NO_COMMAND,
        },
        Some(Kind::Response(Reply::Status)) => {
            s.response.map_or(shown::OTHER, |i| shown::RESPONSE + i)
        }
        Some(Kind::Response(Reply::Stat)) => shown::STATS,
        Some(Kind::Response(Reply::Value)) => match s.keys {
            0 => shown::OTHER,
            n if n <= shown::MAX_VALUES => shown::VALUES + (n - 1) as u8,
            _ => {
                odd = true;
                shown::OTHER
            }
        },
        _ if side == 0 => shown::CLIENT_OTHER,
        _ => shown::OTHER,
    };
    Message {
        code,
        digest: s.digest.finish(),
        flags: s.flags,
        expiration: s.expiration,
        odd,
        cut,
        lines: s.commands,
    }
}
