//! How Wireshark's memcache dissector (tshark 4.0) cuts a TCP stream into PDUs, shared by
//! the field dissector that reproduces its fields (`crate::query::fields::pdu::memcache`)
//! and by [`Commands`], which notes at ingest where it shows `memcache` and
//! `memcache.command`, so a filter on them needs no second reading of the capture.
//!
//! What Wireshark is handed, and what it makes of it: see the field dissector's notes.

use crate::capture::app::memcache::{COMMANDS, NO_COMMAND};

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

/// A PDU gathered over segments, as far as where it ends.
#[derive(Clone, Copy, Debug)]
struct Msp {
    /// Stream bytes it covers so far.
    len: u64,
    /// Its length when complete.
    end: u64,
    /// The command it names (an index into [`COMMANDS`], or [`NO_COMMAND`]).
    command: u8,
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

/// Where Wireshark shows a memcache message (`memcache`) and its command
/// (`memcache.command`) in one memcached conversation, noted as its bytes go by: the same cut of each side into PDUs as the field dissector's, as long as
/// the conversation stays on the simple path (text messages, PDUs whose length the first
/// line says). Anything else — a gap, a binary message, a first line cut by a segment,
/// a `STAT` reply (which names a command too) — makes it [`Commands::complex`]: then
/// only dissecting the packets again says where the fields are.
#[derive(Debug, Default)]
pub struct Commands {
    /// Each direction's PDU being gathered.
    sides: [Option<Msp>; 2],
    /// (packet, index into [`COMMANDS`] or [`NO_COMMAND`]) of each message shown, in the
    /// order shown.
    pub found: Found,
    /// The conversation left the simple path: `found` is not the whole story.
    pub complex: bool,
}

impl Commands {
    /// In-order bytes of one direction (0 or 1), carried by packet `packet`.
    pub fn data(&mut self, side: usize, mut seg: &[u8], packet: u64) {
        let Ok(packet) = u32::try_from(packet) else {
            self.complex = true;
            return;
        };
        while !seg.is_empty() && !self.complex {
            let Some(mut m) = self.sides[side].take() else {
                self.sides[side] = self.call(seg, packet);
                return;
            };
            let take = (m.end - m.len).min(seg.len() as u64) as usize;
            m.len += take as u64;
            seg = &seg[take..];
            if m.len < m.end {
                self.sides[side] = Some(m);
                return;
            }
            // Complete: dissected whole (its first line said how long it is), unless it
            // grew past what Wireshark keeps; the rest is handed over afresh.
            if m.end <= MAX_PDU as u64 {
                self.found.push(packet, m.command);
            }
        }
    }

    /// Bytes of one direction were never captured.
    pub fn gap(&mut self) {
        self.complex = true;
    }

    /// A call of the dissector on bytes handed to it afresh: the PDU it opens, if it
    /// asks for more bytes.
    fn call(&mut self, t: &[u8], packet: u32) -> Option<Msp> {
        if matches!(t.first(), Some(0x80 | 0x81)) {
            self.complex = true;
            return None;
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
                    Some(Kind::Request { .. }) => match command() {
                        Some(c) => self.found.push(packet, c),
                        None => self.complex = true,
                    },
                    Some(Kind::Response(Reply::Stat)) => self.complex = true,
                    _ => self.found.push(packet, NO_COMMAND),
                }
                None
            }
            TextCut::More(More::Bytes(n)) if n < 1 << 31 => Some(Msp {
                len: t.len() as u64,
                end: t.len() as u64 + u64::from(n),
                command: match classify(line) {
                    Some(Kind::Request { .. }) => command().unwrap_or(NO_COMMAND),
                    _ => NO_COMMAND,
                },
            }),
            TextCut::More(_) => {
                self.complex = true;
                None
            }
        }
    }
}
