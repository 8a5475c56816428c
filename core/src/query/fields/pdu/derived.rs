//! memcached's text fields without the packets: `memcache` and `memcache.command` from
//! the ingest's message table (`CommandIndex`), and `memcache.key`, `.flags`,
//! `.expiration`, `.value.length`, `.noreply` and `.response` derived from each message's
//! code there and the conversation's transactions, checked against the digest the ingest
//! made of the bytes.
//!
//! A message's code says what it shows ([`shown`]): a request's command (whose keys and
//! value length are those of the conversation's next request not ended before the
//! message's packet: the requests Wireshark did not show, pipelined behind another or
//! cut by a lost segment, are passed over by their packets), `VALUE` lines (the next keys
//! found by the retrievals, with their lengths), or a reply word. Flags and expiration
//! are the conversation's first. Where that is not what Wireshark shows (keys that are
//! not ASCII, a reply out of order, flags that vary, a parser that read a stream again
//! after a gap otherwise than Wireshark, …) the digests differ and the conversation's
//! packets are dissected again, as are those the table does not cover.

use super::{PduOut, PduValues};
use crate::capture::app::memcache::{
    command_of, shown, Change, ConvFields, Key, Memcache, RESPONSES,
};
use crate::capture::app::Detail;
use crate::capture::Capture;
use crate::ingest::app::memcache::wireshark::{fold, MessageDigest, TextField};
use crate::query::fields::{Fid, ValueRef};
use std::collections::HashSet;

/// The fields the table gives: `memcache` and `memcache.command` in every conversation it
/// covers, the others where the derived values agree with the ingest's digest.
pub const FIELDS: [Fid; 8] = [
    Fid::Memcache,
    Fid::MemcacheCommand,
    Fid::MemcacheKey,
    Fid::MemcacheFlags,
    Fid::MemcacheExpiration,
    Fid::MemcacheValueLength,
    Fid::MemcacheNoreply,
    Fid::MemcacheResponse,
];

/// Whether the table gives every memcache field of `wanted` (and one is wanted).
pub fn gives(wanted: &HashSet<Fid>) -> bool {
    let mut memcache = wanted
        .iter()
        .filter(|&&f| super::proto_of(f) == Some(crate::capture::app::AppProto::Memcache))
        .peekable();
    memcache.peek().is_some() && memcache.all(|f| FIELDS.contains(f))
}

/// Puts the values of `wanted` (memcache fields all in [`FIELDS`]) of the conversations
/// the table gives; returns them (indexed by conversation), the others to be dissected.
///
/// A conversation at a time: its transactions are found through one index of 4 bytes a
/// transaction, and its values go straight where they are kept, taken back when its
/// digest differs. (The transactions of every conversation at once, and each
/// conversation's values made apart before they were kept, took 20 MB at the scan's peak
/// on bench-5g.pcap for `memcache.value.length > 1000000`, of 8 kept.)
pub fn memcache(capture: &Capture, wanted: &HashSet<Fid>, values: &mut PduValues) -> Vec<bool> {
    let table = &capture.memcache_commands;
    let commands_only = wanted.iter().all(|f| !FIELDS[2..].contains(f));
    // The memcached transactions of the conversations to derive, by conversation and then
    // in capture order.
    let mut by_conv: Vec<u32> = Vec::new();
    if !commands_only {
        by_conv = (0..capture.transactions.len() as u32)
            .filter(|&t| {
                capture.transactions.get(t as usize).is_some_and(|t| {
                    matches!(t.detail, Detail::Memcache(_)) && table.covers(t.conv)
                })
            })
            .collect();
        by_conv.sort_by_key(|&t| capture.transactions.get(t as usize).map(|t| t.conv));
    }
    let conv_of = |t: &u32| capture.transactions.get(*t as usize).map(|t| t.conv);
    let mut given = vec![false; capture.conversations.len()];
    let mut txs = Vec::new();
    for (conv, conv_messages, stat_lines) in table.conversations() {
        if !table.covers(conv) {
            continue;
        }
        let mut out = PduOut::new(values, Some(wanted));
        if commands_only {
            commands(&conv_messages, stat_lines, &mut out);
            given[conv as usize] = true;
            continue;
        }
        let Some(fields) = table.fields_of(conv) else {
            continue;
        };
        let from = by_conv.partition_point(|t| conv_of(t) < Some(conv));
        let to = from + by_conv[from..].partition_point(|t| conv_of(t) == Some(conv));
        txs.clear();
        txs.extend(by_conv[from..to].iter().filter_map(|&t| {
            let t = capture.transactions.get(t as usize)?;
            let Detail::Memcache(m) = &t.detail else {
                return None;
            };
            Some(Tx {
                request: t.request.map(|r| (r.first(), r.last())),
                reply_end: t.response.map_or(0, |r| r.last()),
                m,
            })
        }));
        let mark = out.values.mark();
        commands(&conv_messages, stat_lines, &mut out);
        if derive(fields, &txs, &conv_messages, &mut out) {
            given[conv as usize] = true;
        } else {
            out.values.truncate(mark);
        }
    }
    given
}

/// `memcache` and `memcache.command` of a conversation's messages, with how many `STAT`
/// lines each of its `stats` replies shows.
fn commands(messages: &[(u32, u8)], stat_lines: &[u32], out: &mut PduOut<'_>) {
    let mut stat_lines = stat_lines.iter();
    for &(p, code) in messages {
        out.add_ref(u64::from(p), Fid::Memcache, ValueRef::Present);
        let times = match code {
            shown::STATS => stat_lines.next().copied().unwrap_or(0),
            _ => 1,
        };
        if let Some(name) = command_of(code) {
            for _ in 0..times {
                out.add_ref(u64::from(p), Fid::MemcacheCommand, ValueRef::Text(name));
            }
        }
    }
}

/// A transaction of a conversation derived.
struct Tx<'a> {
    /// The first and last packets of its request, if seen.
    request: Option<(u64, u64)>,
    /// The packet that completed its reply (0 when none came).
    reply_end: u64,
    m: &'a Memcache,
}

/// The keys a retrieval found, in the order its reply returned them.
fn hits(m: &Memcache) -> impl Iterator<Item = &Key> {
    m.keys()
        .iter()
        .filter(|k| k.hit() == Some(true) && k.value_len().is_some())
}

/// A conversation's requests in the order of their first packets, each taken by the
/// message that shows it.
struct Requests<'a> {
    /// (first packet, last packet, what it says); None once taken.
    all: Vec<Option<(u64, u64, &'a Memcache)>>,
    /// Those before are taken or passed over.
    at: usize,
}

impl<'a> Requests<'a> {
    /// The first request not taken that had not ended before packet `packet` (those
    /// that had are passed over: Wireshark did not show them, pipelined behind another or
    /// cut by a lost segment).
    fn front(&mut self, packet: u64) -> Option<(u64, u64, &'a Memcache)> {
        while let Some(r) = self.all.get(self.at) {
            match r {
                Some(r) if r.1 >= packet => return Some(*r),
                _ => self.at += 1,
            }
        }
        None
    }

    /// Takes the request a message in packet `packet` shows, naming `command` (with
    /// `noreply` or not): the front one, or among those that began in the same packet as
    /// it, the first sent so. Requests of one packet are not all reported in the order
    /// sent (one with no reply, `quit` or `noreply`, before one waiting for its reply),
    /// and only the first of a segment is shown.
    fn take(&mut self, packet: u64, command: Option<&str>, noreply: bool) -> Option<&'a Memcache> {
        let (first, ..) = self.front(packet)?;
        let sent_so = |m: &Memcache| Some(m.command()) == command && m.noreply() == noreply;
        let same = self.all[self.at..]
            .iter()
            .take_while(|r| r.is_none_or(|r| r.0 == first))
            .position(|r| r.is_some_and(|r| sent_so(r.2) && r.1 >= packet))
            .unwrap_or(0);
        self.all[self.at + same].take().map(|r| r.2)
    }
}

/// One message's derived fields (those wanted), and the digest of them all.
struct Derived<'a, 'b> {
    out: &'a mut PduOut<'b>,
    packet: u32,
    digest: MessageDigest,
}

impl Derived<'_, '_> {
    fn uint(&mut self, field: TextField, fid: Fid, v: u64) {
        self.digest.uint(field, v);
        self.out.add_ref(self.packet.into(), fid, ValueRef::Uint(v));
    }

    fn text(&mut self, field: TextField, fid: Fid, s: &str) {
        self.digest.text(field, s);
        self.out.add_ref(self.packet.into(), fid, ValueRef::Text(s));
    }

    fn key(&mut self, k: &Key) {
        self.text(TextField::Key, Fid::MemcacheKey, k.key());
    }

    /// `memcache.flags` as a text line shows it (16 bits).
    fn flags(&mut self, c: &Change) {
        self.uint(TextField::Flags, Fid::MemcacheFlags, u64::from(c.flags));
    }

    /// `memcache.value.length` as a text line shows it (32 bits).
    fn value_length(&mut self, k: &Key) {
        if let Some(len) = k.value_len() {
            let len = u64::from(len as u32);
            self.uint(TextField::ValueLength, Fid::MemcacheValueLength, len);
        }
    }

    fn noreply(&mut self, code: u8) {
        if code & shown::NOREPLY != 0 {
            self.text(TextField::Noreply, Fid::MemcacheNoreply, "noreply");
        }
    }
}

/// Derives the fields of one conversation's messages from their codes and its
/// transactions (`txs`, in capture order), those `out` wants into it; whether the digest
/// of them all is the one the ingest made (when it is not, the caller takes back what was
/// put).
fn derive(
    fields: &ConvFields,
    txs: &[Tx<'_>],
    messages: &[(u32, u8)],
    out: &mut PduOut<'_>,
) -> bool {
    // Requests in the order sent; retrievals, and in the one being shown how many of its
    // values were.
    let mut requests = Requests {
        all: txs
            .iter()
            .filter_map(|t| t.request.map(|(first, last)| Some((first, last, t.m))))
            .collect(),
        at: 0,
    };
    let retrievals: Vec<&Tx<'_>> = txs
        .iter()
        .filter(|t| matches!(t.m.command(), "get" | "gets" | "gat" | "gats"))
        .collect();
    let (mut at, mut shown) = (0, 0);
    let mut digest = 0;
    let mut changes = fields.changes.iter().peekable();
    let mut cuts = fields.cut.iter().peekable();
    let mut now = Change::default();
    for (i, &(packet, code)) in (0..).zip(messages) {
        if let Some(c) = changes.next_if(|c| c.message == i) {
            now = *c;
        }
        let cut = cuts.next_if(|c| c.message == i);
        let mut d = Derived {
            out: &mut *out,
            packet,
            digest: MessageDigest::default(),
        };
        match code {
            c if c < shown::CLIENT_OTHER => {
                // The request this message shows: not one that ended before its packet
                // (Wireshark showed only the first of the commands it was handed at once,
                // or lost bytes of it).
                let noreply = c & shown::NOREPLY != 0;
                let Some(m) = requests.take(u64::from(packet), command_of(c), noreply) else {
                    return false;
                };
                let key = m.keys().first();
                match command_of(c).unwrap_or("") {
                    "get" | "gets" => m.keys().iter().for_each(|k| d.key(k)),
                    "set" | "add" | "replace" | "append" | "prepend" | "cas" => {
                        if let Some(k) = key {
                            d.key(k);
                            d.flags(&now);
                            d.uint(
                                TextField::Expiration,
                                Fid::MemcacheExpiration,
                                u64::from(now.expiration),
                            );
                            d.value_length(k);
                        }
                        d.noreply(c);
                    }
                    "delete" | "incr" | "decr" => {
                        if let Some(k) = key {
                            d.key(k);
                        }
                        d.noreply(c);
                    }
                    "flush_all" => d.noreply(c),
                    _ => {}
                }
            }
            shown::CLIENT_OTHER => {
                // A line Wireshark does not know: a command it has no name for (which
                // is this message's request, begun by its packet), or bytes after a loss
                // (which may be none).
                if requests
                    .front(u64::from(packet))
                    .is_some_and(|r| r.0 <= u64::from(packet))
                {
                    requests.take(u64::from(packet), None, false);
                }
            }
            c if (shown::RESPONSE..shown::RESPONSE + RESPONSES.len() as u8).contains(&c) => {
                let word = RESPONSES[usize::from(c - shown::RESPONSE)];
                d.text(TextField::Response, Fid::MemcacheResponse, word);
            }
            // A `stats` reply's lines show none of the derived fields.
            shown::OTHER | shown::STATS => {}
            c if c >= shown::VALUES => {
                let lines = usize::from(c - shown::VALUES) + 1;
                // The retrieval whose reply this is: not one whose reply ended before this
                // packet (a value cut across segments leaves the rest of its reply
                // unshown), nor one whose values were all shown.
                while let Some(r) = retrievals.get(at) {
                    if r.reply_end < u64::from(packet) || hits(r.m).nth(shown).is_none() {
                        (at, shown) = (at + 1, 0);
                    } else {
                        break;
                    }
                }
                let Some(r) = retrievals.get(at) else {
                    return false;
                };
                for (n, k) in hits(r.m).skip(shown).take(lines).enumerate() {
                    match cut.filter(|_| n + 1 == lines) {
                        Some(cut) => {
                            d.text(TextField::Key, Fid::MemcacheKey, &cut.key);
                            if let Some(f) = cut.flags {
                                d.uint(TextField::Flags, Fid::MemcacheFlags, f.into());
                            }
                            if let Some(len) = cut.value_length {
                                d.uint(
                                    TextField::ValueLength,
                                    Fid::MemcacheValueLength,
                                    len.into(),
                                );
                            }
                        }
                        None => {
                            d.key(k);
                            d.flags(&now);
                            d.value_length(k);
                        }
                    }
                }
                shown += lines;
            }
            _ => return false,
        }
        digest = fold(digest, d.digest.finish());
    }
    digest == fields.digest
}
