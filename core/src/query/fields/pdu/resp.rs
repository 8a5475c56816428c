//! Wireshark 4.0's per-PDU `resp.*` fields (epan/dissectors/packet-resp.c, the REdis
//! Serialization Protocol), reproduced as tshark shows them.
//!
//! What tshark does, and so what this does:
//!
//! - Every time TCP hands resp a buffer, resp adds its protocol item and dissects
//!   messages until the buffer ends: `+` string, `-` error, `:` integer, `$` bulk string,
//!   `*` array. Any other line is a "fragment" (no value field; RESP3 types included, as
//!   4.0 does not know them) and an empty line is skipped. A line ends at the first CR or
//!   LF, but two bytes are always skipped after it, whatever they are.
//! - An array counts its elements, but one whose elements run out exactly at the end of
//!   the buffer is done; arrays nested deeper than 30 are not entered (their elements
//!   become elements of the enclosing array).
//! - A message cut off by the end of the buffer (a line without its end, a bulk string
//!   short of bytes, an array header with nothing after it) makes resp ask TCP for more:
//!   the exact bytes missing for a top-level bulk string, otherwise the next segment, from
//!   the start of the top-level message. What was dissected before the cut stays in the
//!   frame: the same fields show again in every frame until the message is complete.
//! - TCP then keeps the bytes (only if at most 1 MiB of them are in that segment) and
//!   calls resp again with the kept bytes and the next segment, or once the exact count
//!   has arrived; bytes after an exact count are a new buffer. A partial message at the
//!   end of the stream shows nothing more.
//! - Numbers are read like C's `strtoll` (leading spaces, sign, digits, saturating); a
//!   bulk string's length is then cut to 32 bits, and the two largest lengths make the
//!   rest of the frame malformed. Strings are ASCII with other bytes as U+FFFD, cut at a
//!   NUL.
//!
//! Unlike tshark, this does not dissect the messages before the cut over again: it keeps
//! their fields ([`MAX_CACHE`]) and resumes at the message element that was cut off, so a
//! large array across many segments costs linear time. Memory is bounded: an
//! unfinished line or segment tail is kept up to [`MAX_PENDING`] bytes, a wanted bulk
//! string value up to [`MAX_VALUE`] bytes.
//!
//! Where the bounds bite, values differ from tshark's: a huge array over many segments
//! (past [`MAX_CACHE`] / [`MAX_REPLAY`] of fields) no longer shows its earlier elements
//! again in later frames. Not reproduced either: tshark stops a frame whose tree would
//! pass 1,000,000 items (`gui.max_tree_items`).

use super::{PduFields, PduOut};
use crate::query::fields::{AppValue, Fid};

/// Deepest array entered (packet-resp.c `MAX_ARRAY_DEPTH_TO_RECURSE`).
const MAX_ARRAY_DEPTH: usize = 30;
/// A desegment length with TCP's special meanings (epan/packet.h
/// `DESEGMENT_ONE_MORE_SEGMENT`, `DESEGMENT_UNTIL_FIN`): resp asks for these by accident
/// when a bulk string lacks exactly that many bytes.
const ONE_MORE_SEGMENT: u32 = 0x0fff_ffff;
const UNTIL_FIN: u32 = 0x0fff_fffe;
/// TCP keeps the rest of a segment for reassembly only if it is at most this long
/// (packet-tcp.c `desegment_tcp`).
const MAX_NEW_PDU: u64 = 1 << 20;

/// Bytes kept of an unfinished element (a line without its end, the bytes after a bulk
/// string that is still being completed). Past this the PDU is dropped as if lost.
pub const MAX_PENDING: usize = 1 << 20;
/// Bytes of a wanted bulk string value kept while it is reassembled; a longer value is
/// not put out (its length is).
pub const MAX_VALUE: usize = 32 << 20;
/// Bytes of fields kept to show again in later frames while a message is reassembled;
/// past this, or once [`MAX_REPLAY`] bytes were shown again, later frames show only the
/// fields of the newly arrived part.
pub const MAX_CACHE: usize = 1 << 20;
/// Bytes of fields shown again over the reassembly of one message.
pub const MAX_REPLAY: usize = 64 << 20;

/// One occurrence of a field.
type Item = (Fid, AppValue);

/// The resp field dissector of one conversation.
#[derive(Default)]
pub struct Dissector {
    /// Per side, client's first: the message TCP is reassembling.
    pending: [Option<Pdu>; 2],
}

impl Dissector {
    /// A dissector for a new conversation.
    pub fn new() -> Self {
        Self::default()
    }
}

impl PduFields for Dissector {
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>) {
        let wants = Wants::of(out);
        let pending = &mut self.pending[usize::from(!to_server)];
        let mut off = 0;
        while off < bytes.len() {
            let rest = &bytes[off..];
            let Some(mut pdu) = pending.take() else {
                // A new buffer: the rest of the segment.
                let mut em = Emit::new(wants);
                let stop = run(rest, 0, 0, &mut Nest::default(), &mut em);
                em.flush(packet, out);
                if let Stop::More(halt) = stop {
                    let kept = rest.len() as u64 - halt.at;
                    if kept <= MAX_NEW_PDU {
                        *pending = Some(Pdu::from_halt(halt, em.items, rest.len() as u64, false));
                    }
                }
                return;
            };
            let take = match pdu.next {
                Next::Segment => rest.len(),
                Next::At(end) => rest
                    .len()
                    .min(usize::try_from(end.saturating_sub(pdu.len)).unwrap_or(usize::MAX)),
            };
            let kept = pdu.push(&rest[..take]);
            off += take;
            if !kept {
                // Past our bounds: drop it, as if lost; what follows starts anew.
                continue;
            }
            if let Next::At(end) = pdu.next {
                if pdu.len < end {
                    *pending = Some(pdu);
                    return;
                }
            }
            if pdu.holed {
                // Bytes of it were never captured: TCP never hands it on.
                continue;
            }
            // Reassembled: resp dissects the whole PDU again.
            let (len, old_len) = (pdu.len, pdu.len - take as u64);
            let mut em = Emit::new(wants);
            let stop = pdu.dissect(&mut em);
            em.flush(packet, out);
            match stop {
                Stop::Done => {}
                Stop::Malformed => return,
                Stop::More(halt) if halt.at <= old_len => {
                    // It still needs more for what started before this segment: TCP
                    // extends the same PDU (and the rest of the segment goes into it).
                    *pending = Some(Pdu::from_halt(halt, em.items, len, true));
                }
                Stop::More(halt) => {
                    // The PDU was done; a new one starts in this segment.
                    let kept = len - halt.at + (bytes.len() - off) as u64;
                    if kept <= MAX_NEW_PDU {
                        *pending = Some(Pdu::from_halt(halt, em.items, len, false));
                    }
                }
            }
        }
    }

    fn gap(&mut self, to_server: bool, len: u64) {
        let pending = &mut self.pending[usize::from(!to_server)];
        if let Some(mut pdu) = pending.take() {
            // TCP waits for an exact count through a hole (and then never completes the
            // PDU); a PDU waiting for the next segment is left behind.
            if let Next::At(end) = pdu.next {
                if pdu.len.saturating_add(len) < end {
                    pdu.len += len;
                    pdu.holed = true;
                    pdu.elem = Elem::Raw {
                        bytes: Vec::new(),
                        line: false,
                    };
                    pdu.cache = Vec::new();
                    *pending = Some(pdu);
                }
            }
        }
    }
}

/// When TCP hands a PDU being reassembled to resp again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// With the whole next segment.
    Segment,
    /// Once it is this long.
    At(u64),
}

/// A message TCP is reassembling for resp (a multi-segment PDU), with where resp's
/// dissection of it stopped last time.
struct Pdu {
    /// Bytes of it so far.
    len: u64,
    next: Next,
    /// Fields of the part before `elem_at` (resp dissects it the same way every time).
    cache: Vec<Item>,
    /// Bytes of fields shown again so far.
    replayed: usize,
    /// Arrays open at `elem_at`.
    nest: Nest,
    /// Offset of the element the dissection stopped at.
    elem_at: u64,
    elem: Elem,
    /// Bytes of a raw element seen by the last dissection.
    seen: usize,
    /// Bytes were lost inside it.
    holed: bool,
}

/// The element a dissection stopped at.
#[derive(Debug)]
enum Elem {
    /// Its bytes so far; `line` when it is a line still without its end (not an array
    /// header with nothing after it).
    Raw { bytes: Vec<u8>, line: bool },
    /// A bulk string whose header was read: `hdr` bytes of header (as resp counts them),
    /// `len` of value, then CR LF. Bytes after it are kept in `after`.
    Bulk {
        hdr: u64,
        len: u64,
        /// The value so far, when wanted and not too long.
        value: Option<Vec<u8>>,
        after: Vec<u8>,
    },
}

impl Pdu {
    /// The PDU TCP keeps after resp stopped at `halt` in a buffer of `len` bytes whose
    /// fields are `items`: the same PDU (`keep`) or a new one from the top-level message
    /// that was cut off.
    fn from_halt(halt: Halt, items: Vec<Item>, len: u64, keep: bool) -> Pdu {
        let Halt {
            at,
            elem_at,
            elem_item,
            mut nest,
            elem,
            need,
            replayed,
        } = halt;
        let elem_item = elem_item.min(items.len());
        let (shift, first, replayed) = if keep {
            (0, 0, replayed)
        } else {
            (at, nest.top_item.min(elem_item), 0)
        };
        let mut cache = items;
        cache.truncate(elem_item);
        cache.drain(..first);
        nest.top_at -= shift;
        nest.top_item -= first;
        if weight(&cache) > MAX_CACHE {
            cache = Vec::new();
            nest.top_item = 0;
        }
        let pdu_len = len - shift;
        let next = match need {
            ONE_MORE_SEGMENT => Next::Segment,
            // Until the stream ends: it never completes here.
            UNTIL_FIN => Next::At(u64::MAX),
            // (Never 0, which would stall.)
            n => Next::At(pdu_len + u64::from(n.max(1))),
        };
        let seen = match &elem {
            Elem::Raw { bytes, .. } => bytes.len(),
            Elem::Bulk { .. } => 0,
        };
        Pdu {
            len: pdu_len,
            next,
            cache,
            replayed,
            nest,
            elem_at: elem_at - shift,
            elem,
            seen,
            holed: false,
        }
    }

    /// Appends bytes; false when the PDU went past the bounds (and must be dropped).
    fn push(&mut self, bytes: &[u8]) -> bool {
        let start = self.len;
        self.len += bytes.len() as u64;
        if self.holed {
            return true;
        }
        match &mut self.elem {
            Elem::Raw { bytes: raw, .. } => {
                raw.extend_from_slice(bytes);
                raw.len() <= MAX_PENDING
            }
            Elem::Bulk {
                hdr,
                len,
                value,
                after,
            } => {
                let from = self.elem_at + *hdr;
                let (to, end) = (from + *len, from + *len + 2);
                if let Some(v) = value {
                    let part = slice_at(bytes, start, from, to);
                    if v.len() + part.len() <= MAX_VALUE {
                        v.extend_from_slice(part);
                    } else {
                        *value = None;
                    }
                }
                after.extend_from_slice(slice_at(bytes, start, end, u64::MAX));
                after.len() <= MAX_PENDING
            }
        }
    }

    /// resp's dissection of the reassembled PDU.
    fn dissect(self, em: &mut Emit) -> Stop {
        let Pdu {
            len,
            cache,
            mut replayed,
            mut nest,
            elem_at,
            elem,
            seen,
            ..
        } = self;
        let w = weight(&cache);
        if replayed + w <= MAX_REPLAY {
            replayed += w;
            em.items = cache;
        } else {
            nest.top_item = 0;
        }
        let stop = match elem {
            // A line still without its end stops at the same place: only the new bytes
            // (and a CR that was last) need a look.
            Elem::Raw {
                bytes: raw,
                line: true,
            } if !raw[seen.saturating_sub(1).min(raw.len())..]
                .iter()
                .any(|&b| b == b'\r' || b == b'\n') =>
            {
                Stop::More(Halt {
                    at: nest.top_at,
                    elem_at,
                    elem_item: em.items.len(),
                    need: ONE_MORE_SEGMENT,
                    nest,
                    elem: Elem::Raw {
                        bytes: raw,
                        line: true,
                    },
                    replayed: 0,
                })
            }
            Elem::Raw { bytes: raw, .. } => run(&raw, elem_at, elem_at, &mut nest, em),
            Elem::Bulk {
                hdr,
                len: blen,
                value,
                after,
            } => {
                let end = elem_at + hdr + blen + 2;
                if len < end {
                    // Still short: it stops at the same place.
                    let remaining = len.saturating_sub(elem_at + hdr);
                    Stop::More(Halt {
                        at: nest.top_at,
                        elem_at,
                        elem_item: em.items.len(),
                        need: if nest.frames.is_empty() {
                            (blen + 2 - remaining) as u32
                        } else {
                            ONE_MORE_SEGMENT
                        },
                        nest,
                        elem: Elem::Bulk {
                            hdr,
                            len: blen,
                            value,
                            after,
                        },
                        replayed: 0,
                    })
                } else {
                    em.add(Fid::RespBulkString, || AppValue::Present);
                    em.add(Fid::RespBulkStringLength, || AppValue::Int(blen as i64));
                    if blen > 0 {
                        if let Some(v) = value {
                            em.add(Fid::RespBulkStringValue, || AppValue::Bytes(v));
                        }
                    }
                    nest.bump();
                    run(&after, end, end, &mut nest, em)
                }
            }
        };
        match stop {
            // The count of what was shown again stays with the PDU.
            Stop::More(halt) => Stop::More(Halt { replayed, ..halt }),
            stop => stop,
        }
    }
}

/// The part of `bytes` (which sit at stream offset `start`) between offsets `from` and `to`.
fn slice_at(bytes: &[u8], start: u64, from: u64, to: u64) -> &[u8] {
    let lo = from.saturating_sub(start).min(bytes.len() as u64) as usize;
    let hi = to.saturating_sub(start).min(bytes.len() as u64) as usize;
    &bytes[lo..hi.max(lo)]
}

/// Rough bytes of memory of some fields.
fn weight(items: &[Item]) -> usize {
    items
        .iter()
        .map(|(_, v)| {
            32 + match v {
                AppValue::Text(t) => t.len(),
                AppValue::Bytes(b) => b.len(),
                _ => 0,
            }
        })
        .sum()
}

/// Arrays open during a dissection.
#[derive(Clone, Debug, Default)]
struct Nest {
    /// Outermost first: (elements announced, elements dissected).
    frames: Vec<(i64, i64)>,
    /// Offset of the top-level message being dissected, and the index of its first field.
    top_at: u64,
    top_item: usize,
}

impl Nest {
    /// One more element of the innermost array is done.
    fn bump(&mut self) {
        if let Some(f) = self.frames.last_mut() {
            f.1 += 1;
        }
    }
}

/// How a dissection ended.
#[derive(Debug)]
enum Stop {
    /// The buffer is used up.
    Done,
    /// An exception: the rest of the frame is not dissected.
    Malformed,
    /// A message was cut off.
    More(Halt),
}

/// Where a dissection stopped for want of bytes.
#[derive(Debug)]
struct Halt {
    /// TCP's desegment offset: the start of the top-level message cut off.
    at: u64,
    /// The element cut off: its offset, and the number of fields before it.
    elem_at: u64,
    elem_item: usize,
    nest: Nest,
    elem: Elem,
    /// TCP's desegment length (bytes wanted beyond the buffer, or a special value).
    need: u32,
    /// Bytes of fields shown again so far over the PDU.
    replayed: usize,
}

/// Which resp fields are wanted, asked once per call.
#[derive(Clone, Copy)]
struct Wants(u16);

const FIELDS: [Fid; 10] = [
    Fid::Resp,
    Fid::RespString,
    Fid::RespError,
    Fid::RespBulkString,
    Fid::RespBulkStringValue,
    Fid::RespBulkStringLength,
    Fid::RespInteger,
    Fid::RespArray,
    Fid::RespArrayLength,
    Fid::RespFragment,
];

impl Wants {
    fn of(out: &PduOut<'_>) -> Wants {
        let mut bits = 0;
        for (i, &f) in FIELDS.iter().enumerate() {
            if out.wants(f) {
                bits |= 1 << i;
            }
        }
        Wants(bits)
    }

    fn has(self, field: Fid) -> bool {
        FIELDS
            .iter()
            .position(|&f| f == field)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// The fields of one call of resp, in order.
struct Emit {
    wants: Wants,
    items: Vec<Item>,
}

impl Emit {
    fn new(wants: Wants) -> Emit {
        Emit {
            wants,
            items: Vec::new(),
        }
    }

    fn add(&mut self, field: Fid, value: impl FnOnce() -> AppValue) {
        if self.wants.has(field) {
            self.items.push((field, value()));
        }
    }

    /// Puts out the protocol item and the fields.
    fn flush(&self, packet: u64, out: &mut PduOut<'_>) {
        out.add(packet, Fid::Resp, AppValue::Present);
        for (f, v) in &self.items {
            out.add(packet, *f, v.clone());
        }
    }
}

/// Dissects messages in a buffer whose bytes from offset `base` on are `buf` (and end
/// there), starting at `offset` inside the arrays of `nest`
/// (packet-resp.c `dissect_resp_loop`).
fn run(buf: &[u8], base: u64, mut offset: u64, nest: &mut Nest, em: &mut Emit) -> Stop {
    let end = base + buf.len() as u64;
    loop {
        if offset >= end {
            // Arrays whose elements run out with the buffer are done too.
            return Stop::Done;
        }
        if let Some(&(want, done)) = nest.frames.last() {
            if done == want {
                nest.frames.pop();
                nest.bump();
                continue;
            }
        }
        if nest.frames.is_empty() {
            nest.top_at = offset;
            nest.top_item = em.items.len();
        }
        let rest = &buf[(offset - base) as usize..];
        let elem_item = em.items.len();
        let halt = |nest: &Nest, elem: Elem, need: u32| {
            Stop::More(Halt {
                at: nest.top_at,
                elem_at: offset,
                elem_item,
                // Arrays ask for the next segment, from the start of the top-level one.
                need: if nest.frames.is_empty() {
                    need
                } else {
                    ONE_MORE_SEGMENT
                },
                nest: nest.clone(),
                elem,
                replayed: 0,
            })
        };
        let Some(line) = line_len(rest) else {
            let elem = Elem::Raw {
                bytes: rest.to_vec(),
                line: true,
            };
            return halt(nest, elem, ONE_MORE_SEGMENT);
        };
        let arg = &rest[1.min(line)..line];
        // Two bytes are skipped after a line, whether CR LF or not.
        let mut used = line as u64 + 2;
        match rest[0] {
            // A string item may not run past the buffer (`proto_tree_add_string` checks),
            // which a line ended by a lone CR or LF at the very end does.
            b'+' | b'-' if offset + used > end => return Stop::Malformed,
            b'+' => em.add(Fid::RespString, || AppValue::Text(text(arg))),
            b'-' => em.add(Fid::RespError, || AppValue::Text(text(arg))),
            b':' => em.add(Fid::RespInteger, || AppValue::Int(strtoll(arg))),
            b'$' => {
                // The 64-bit number is cut to packet-resp.c's int.
                let len = strtoll(arg) as i32;
                if len >= 0 {
                    let from = offset + used;
                    let remaining = end.saturating_sub(from);
                    // packet-resp.c adds the CR LF in int: it wraps for the two largest.
                    let whole = len.wrapping_add(2);
                    if (remaining as i64) < i64::from(whole) {
                        let value = em.wants.has(Fid::RespBulkStringValue).then(|| {
                            let v = rest.get(used as usize..).unwrap_or(&[]);
                            v[..v.len().min(len as usize)].to_vec()
                        });
                        let elem = Elem::Bulk {
                            hdr: used,
                            len: len as u64,
                            value,
                            after: Vec::new(),
                        };
                        return halt(nest, elem, (whole as u32).wrapping_sub(remaining as u32));
                    }
                    em.add(Fid::RespBulkString, || AppValue::Present);
                    em.add(Fid::RespBulkStringLength, || AppValue::Int(len.into()));
                    if whole < 0 {
                        // The value runs past the buffer: an exception.
                        return Stop::Malformed;
                    }
                    if len > 0 {
                        let v = &rest[used as usize..used as usize + len as usize];
                        em.add(Fid::RespBulkStringValue, || AppValue::Bytes(v.to_vec()));
                    }
                    used += len as u64 + 2;
                } else {
                    // -1 is the null string; other negative lengths are malformed (an
                    // expert item only).
                    em.add(Fid::RespBulkString, || AppValue::Present);
                    em.add(Fid::RespBulkStringLength, || AppValue::Int(len.into()));
                }
            }
            b'*' => {
                let len = strtoll(arg);
                em.add(Fid::RespArray, || AppValue::Present);
                em.add(Fid::RespArrayLength, || AppValue::Int(len));
                if len > 0 && nest.frames.len() <= MAX_ARRAY_DEPTH {
                    if offset + used >= end {
                        let elem = Elem::Raw {
                            bytes: rest.to_vec(),
                            line: false,
                        };
                        return halt(nest, elem, ONE_MORE_SEGMENT);
                    }
                    nest.frames.push((len, 0));
                    offset += used;
                    continue;
                }
            }
            // An empty line: its first byte is CR or LF.
            b'\r' | b'\n' => used = 2,
            // Anything else is a "fragment", with no value.
            _ => em.add(Fid::RespFragment, || AppValue::Present),
        }
        offset += used;
        nest.bump();
    }
}

/// Length of the line at the start of `buf` (`tvb_find_line_end` with desegmentation):
/// up to the first CR or LF, unknown while none came or a CR is the last byte.
fn line_len(buf: &[u8]) -> Option<usize> {
    let i = buf.iter().position(|&b| b == b'\r' || b == b'\n')?;
    (buf[i] == b'\n' || i + 1 < buf.len()).then_some(i)
}

/// A string as `tvb_get_string_enc(ENC_ASCII)` makes it, cut at a NUL as C reads it.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes[..end]
        .iter()
        .map(|&b| if b.is_ascii() { b as char } else { '\u{fffd}' })
        .collect()
}

/// C's `strtoll(s, NULL, 10)` in the C locale (`g_ascii_strtoll`): leading white space,
/// a sign, then digits up to the first other byte; out of range saturates.
fn strtoll(s: &[u8]) -> i64 {
    let mut i = s
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .unwrap_or(s.len());
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut mag: u64 = 0;
    for &b in s[i..].iter().take_while(|b| b.is_ascii_digit()) {
        mag = mag.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    if neg {
        if mag > 1 << 63 {
            i64::MIN
        } else {
            (mag as i128).wrapping_neg() as i64
        }
    } else {
        i64::try_from(mag).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::pdu::PduValues;
    use std::collections::HashSet;
    use AppValue::{Bytes, Int, Present, Text};

    /// One call per segment: (to server, bytes); packet i is segment i. `None` is a gap
    /// of that many bytes on the server's side.
    enum Seg<'a> {
        Data(bool, &'a [u8]),
        Gap(bool, u64),
    }
    use Seg::{Data, Gap};

    fn run_with(segs: &[Seg<'_>], wanted: Option<&HashSet<Fid>>) -> PduValues {
        let mut values = PduValues::default();
        let mut d = Dissector::new();
        for (i, s) in segs.iter().enumerate() {
            let mut out = PduOut::new(&mut values, wanted);
            match *s {
                Data(to_server, b) => d.data(to_server, b, i as u64, &mut out),
                Gap(to_server, len) => d.gap(to_server, len),
            }
        }
        values.settle();
        values
    }

    fn run(segs: &[Seg<'_>]) -> PduValues {
        run_with(segs, None)
    }

    /// Server segments, one per packet.
    fn replies(segs: &[&[u8]]) -> PduValues {
        let segs: Vec<Seg<'_>> = segs.iter().map(|b| Data(false, b)).collect();
        run(&segs)
    }

    fn get(v: &PduValues, packet: u64, f: Fid) -> Vec<AppValue> {
        v.get(packet, f).map(AppValue::from).collect()
    }

    fn ints(v: &PduValues, packet: u64, f: Fid) -> Vec<i64> {
        get(v, packet, f)
            .into_iter()
            .map(|x| match x {
                Int(i) => i,
                other => panic!("not an int: {other:?}"),
            })
            .collect()
    }

    fn bytes(v: &PduValues, packet: u64) -> Vec<Vec<u8>> {
        get(v, packet, Fid::RespBulkStringValue)
            .into_iter()
            .map(|x| match x {
                Bytes(b) => b,
                other => panic!("not bytes: {other:?}"),
            })
            .collect()
    }

    fn texts(v: &PduValues, packet: u64, f: Fid) -> Vec<String> {
        get(v, packet, f)
            .into_iter()
            .map(|x| match x {
                Text(t) => t,
                other => panic!("not text: {other:?}"),
            })
            .collect()
    }

    fn resp_items(v: &PduValues, packet: u64) -> usize {
        get(v, packet, Fid::Resp).len()
    }

    #[test]
    fn pipelined_commands_in_one_segment() {
        let v = run(&[Data(
            true,
            b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
        )]);
        assert_eq!(resp_items(&v, 0), 1);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength), [2, 3]);
        assert_eq!(get(&v, 0, Fid::RespArray), [Present, Present]);
        assert_eq!(ints(&v, 0, Fid::RespBulkStringLength), [3, 1, 3, 1, 0]);
        // The empty string has no value item.
        assert_eq!(bytes(&v, 0), [&b"GET"[..], b"k", b"SET", b"k"]);
        assert_eq!(get(&v, 0, Fid::RespBulkString).len(), 5);
    }

    #[test]
    fn replies_of_every_type() {
        let v = replies(&[b"+OK\r\n-ERR no\r\n:-42\r\n$-1\r\n*-1\r\n*0\r\n$5\r\nhello\r\n"]);
        assert_eq!(texts(&v, 0, Fid::RespString), ["OK"]);
        assert_eq!(texts(&v, 0, Fid::RespError), ["ERR no"]);
        assert_eq!(ints(&v, 0, Fid::RespInteger), [-42]);
        assert_eq!(ints(&v, 0, Fid::RespBulkStringLength), [-1, 5]);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength), [-1, 0]);
        assert_eq!(bytes(&v, 0), [b"hello"]);
    }

    #[test]
    fn bulk_string_split_across_segments() {
        // TCP waits for the exact count: the middle segment is not dissected at all.
        let v = replies(&[b"$10\r\nabc", b"def", b"ghij\r\n+OK\r\n"]);
        assert_eq!(resp_items(&v, 0), 1);
        assert!(get(&v, 0, Fid::RespBulkStringLength).is_empty());
        assert_eq!(resp_items(&v, 1), 0);
        // The bulk string, then the rest of the segment as a second buffer.
        assert_eq!(resp_items(&v, 2), 2);
        assert_eq!(ints(&v, 2, Fid::RespBulkStringLength), [10]);
        assert_eq!(bytes(&v, 2), [b"abcdefghij"]);
        assert_eq!(texts(&v, 2, Fid::RespString), ["OK"]);
    }

    #[test]
    fn array_split_shows_its_start_in_every_frame() {
        let v = replies(&[
            b"*3\r\n$3\r\nSET\r\n$4\r\nblob\r\n$10\r\n01234",
            b"56",
            b"789\r\n",
        ]);
        for p in 0..2 {
            assert_eq!(ints(&v, p, Fid::RespArrayLength), [3]);
            assert_eq!(bytes(&v, p), [&b"SET"[..], b"blob"]);
        }
        assert_eq!(ints(&v, 2, Fid::RespArrayLength), [3]);
        assert_eq!(bytes(&v, 2), [&b"SET"[..], b"blob", b"0123456789"]);
    }

    #[test]
    fn array_whose_elements_end_with_the_segment_is_done() {
        // packet-resp.c stops an array at the end of the buffer: the next segment's bulk
        // strings are top-level ones.
        let v = run(&[
            Data(true, b"*3\r\n$3\r\nSET\r\n"),
            Data(true, b"$3\r\nkey\r\n$1\r\nv\r\n"),
        ]);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength), [3]);
        assert_eq!(bytes(&v, 0), [b"SET"]);
        assert!(get(&v, 1, Fid::RespArrayLength).is_empty());
        assert_eq!(bytes(&v, 1), [&b"key"[..], b"v"]);
    }

    #[test]
    fn array_header_alone_waits_for_the_next_segment() {
        let v = replies(&[b"*1\r\n", b"$1\r\na\r\n*1\r\n$1\r\nb", b"\r\n"]);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength), [1]);
        // The first array is done; the second stops in its bulk string.
        assert_eq!(ints(&v, 1, Fid::RespArrayLength), [1, 1]);
        assert_eq!(bytes(&v, 1), [b"a"]);
        assert_eq!(ints(&v, 2, Fid::RespArrayLength), [1]);
        assert_eq!(bytes(&v, 2), [b"b"]);
    }

    #[test]
    fn nested_arrays_and_the_depth_limit() {
        let v = replies(&[b"*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n$-1\r\n:3\r\n"]);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength), [2, 2, 1]);
        assert_eq!(ints(&v, 0, Fid::RespInteger), [1, 2, 3]);
        assert_eq!(ints(&v, 0, Fid::RespBulkStringLength), [-1]);

        // 32 nested arrays: the innermost (depth 31) is not entered, so it counts as the
        // one element of its parent and its integer is a top-level message.
        let mut deep = b"*1\r\n".repeat(32);
        deep.extend_from_slice(b":7\r\n");
        let v = replies(&[&deep]);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength), [1; 32]);
        assert_eq!(ints(&v, 0, Fid::RespInteger), [7]);
        // Nesting starts again after the limit: a megabyte of array headers.
        let deeper = b"*1\r\n".repeat(1 << 18);
        let v = replies(&[&deeper]);
        assert_eq!(ints(&v, 0, Fid::RespArrayLength).len(), 1 << 18);
    }

    #[test]
    fn lengths_read_like_strtoll() {
        let v = replies(&[
            b"$ 2\r\nab\r\n$2x\r\nab\r\n$4294967297\r\na\r\n$-4294967297\r\n$-5\r\n",
            b":99999999999999999999\r\n:-99999999999999999999\r\n:\t12\r\n:x\r\n*\r\n",
        ]);
        // 2^32 + 1 is cut to 32 bits (1); -2^32 - 1 to -1.
        assert_eq!(ints(&v, 0, Fid::RespBulkStringLength), [2, 2, 1, -1, -5]);
        assert_eq!(bytes(&v, 0), [&b"ab"[..], b"ab", b"a"]);
        assert_eq!(ints(&v, 1, Fid::RespInteger), [i64::MAX, i64::MIN, 12, 0]);
        assert_eq!(ints(&v, 1, Fid::RespArrayLength), [0]);
    }

    #[test]
    fn largest_bulk_lengths_are_malformed() {
        // packet-resp.c's length + 2 wraps: the value runs past the buffer and the rest of
        // the frame is lost; the next segment starts afresh.
        let v = replies(&[b"$2147483647\r\nab\r\n+X\r\n", b"+Y\r\n"]);
        assert_eq!(ints(&v, 0, Fid::RespBulkStringLength), [2147483647]);
        assert!(get(&v, 0, Fid::RespString).is_empty());
        assert_eq!(texts(&v, 1, Fid::RespString), ["Y"]);
        // One less waits for its two gigabytes, without allocating them.
        let v = replies(&[b"$2147483645\r\nab", b"cd\r\n"]);
        assert_eq!(resp_items(&v, 0), 1);
        assert_eq!(resp_items(&v, 1), 0);
    }

    #[test]
    fn lines_end_at_cr_or_lf_but_two_bytes_are_skipped() {
        // "$5\n": the header is counted as 4 bytes, so the value starts one byte late.
        let v = replies(&[b"$5\nabcdef\r\n+X\r\n+a\rb\r\n"]);
        assert_eq!(bytes(&v, 0), [b"bcdef"]);
        assert_eq!(texts(&v, 0, Fid::RespString), ["X", "a"]);
        // A string whose lone LF is the last byte runs past the buffer: malformed.
        let v = replies(&[b"+ab\n", b":12\n"]);
        assert!(get(&v, 0, Fid::RespString).is_empty());
        assert_eq!(ints(&v, 1, Fid::RespInteger), [12]);
        // A CR as the last byte waits for the next segment.
        let v = replies(&[b"+a", b"b\r", b"\n"]);
        assert_eq!(resp_items(&v, 1), 1);
        assert_eq!(texts(&v, 2, Fid::RespString), ["ab"]);
    }

    #[test]
    fn array_header_ending_in_lf_swallows_a_byte() {
        // "*2x\n" is counted as 5 bytes: the '+' after it is skipped, and the array waits
        // for the next segment; then its first element is the line "-Z\xff:".
        let v = replies(&[b"*", b"2x\n+", b"-Z\xff:", b"\r\n"]);
        assert_eq!(ints(&v, 1, Fid::RespArrayLength), [2]);
        assert_eq!(ints(&v, 2, Fid::RespArrayLength), [2]);
        assert_eq!(ints(&v, 3, Fid::RespArrayLength), [2]);
        assert_eq!(texts(&v, 3, Fid::RespError), ["Z\u{fffd}:"]);
    }

    #[test]
    fn header_ending_in_lf_at_the_end_is_dissected_twice() {
        // TCP reassembles the count resp asked for, which is one short; resp asks for
        // one more byte, then the rest of the segment is a new buffer.
        let v = replies(&[b"$3\n", b"abc\r\n+OK\r\n"]);
        assert_eq!(resp_items(&v, 1), 3);
        assert_eq!(bytes(&v, 1), [b"bc\r"]);
        assert!(get(&v, 1, Fid::RespString).is_empty());
    }

    #[test]
    fn strings_as_ascii() {
        let v = replies(&[b"+c\x00d\r\n+e\xff\xfeg\x01\r\n-\x80\r\n+\r\n"]);
        assert_eq!(
            texts(&v, 0, Fid::RespString),
            ["c", "e\u{fffd}\u{fffd}g\u{1}", ""]
        );
        assert_eq!(texts(&v, 0, Fid::RespError), ["\u{fffd}"]);
    }

    #[test]
    fn other_lines_are_fragments() {
        // Inline commands and RESP3 types are fragments with no value; an empty line's
        // CR LF is skipped; a leading LF makes the skip swallow the next byte.
        let v = run(&[
            Data(true, b"PING\r\nPING\n\n\n\n"),
            Data(false, b"%1\r\n+a\r\n:1\r\n"),
            Data(false, b"\n-ERR x\r\n"),
        ]);
        let keys: HashSet<(u64, Fid)> = v.keys().collect();
        let want = [
            (0, Fid::Resp),
            (1, Fid::Resp),
            (1, Fid::RespString),
            (1, Fid::RespInteger),
            (2, Fid::Resp),
            (0, Fid::RespFragment),
            (1, Fid::RespFragment),
            (2, Fid::RespFragment),
        ];
        assert_eq!(keys, want.into());
        assert_eq!(get(&v, 0, Fid::RespFragment).len(), 2);
        assert_eq!(texts(&v, 1, Fid::RespString), ["a"]);
        assert_eq!(ints(&v, 1, Fid::RespInteger), [1]);
        assert!(get(&v, 2, Fid::RespError).is_empty());
    }

    #[test]
    fn sides_are_apart() {
        let v = run(&[
            Data(true, b"*1\r\n$4\r\nPI"),
            Data(false, b"+PONG\r\n"),
            Data(true, b"NG\r\n"),
        ]);
        assert_eq!(texts(&v, 1, Fid::RespString), ["PONG"]);
        assert_eq!(bytes(&v, 2), [b"PING"]);
    }

    #[test]
    fn gaps() {
        // A hole inside a bulk string: TCP still counts up to its end, never dissects
        // it, and the bytes after it are a new buffer.
        let v = run(&[
            Data(false, b"$10\r\nab"),
            Gap(false, 3),
            Data(false, b"fghij\r\n+OK\r\n"),
        ]);
        assert!(get(&v, 2, Fid::RespBulkStringLength).is_empty());
        assert_eq!(texts(&v, 2, Fid::RespString), ["OK"]);
        // A hole past its end: what follows is dissected afresh.
        let v = run(&[
            Data(false, b"$4\r\nab"),
            Gap(false, 5),
            Data(false, b"+N\r\n"),
        ]);
        assert_eq!(texts(&v, 2, Fid::RespString), ["N"]);
        // A message waiting for the next segment is left behind.
        let v = run(&[
            Data(false, b"*2\r\n$1\r\na\r\n$1"),
            Gap(false, 5),
            Data(false, b"+OK\r\n"),
        ]);
        assert_eq!(texts(&v, 2, Fid::RespString), ["OK"]);
        assert!(get(&v, 2, Fid::RespArrayLength).is_empty());
    }

    #[test]
    fn only_wanted_fields() {
        let wanted: HashSet<Fid> = [Fid::RespBulkStringLength].into();
        let v = run_with(
            &[
                Data(false, b"*2\r\n$5\r\nhel"),
                Data(false, b"lo\r\n$2\r\nab\r\n"),
            ],
            Some(&wanted),
        );
        assert!(v.keys().all(|(_, f)| f == Fid::RespBulkStringLength));
        assert_eq!(ints(&v, 1, Fid::RespBulkStringLength), [5, 2]);
    }

    #[test]
    fn long_array_across_many_segments() {
        // Every frame shows the array so far; each segment costs only its own bytes.
        // Segments end inside elements (an array ending with its segment would be done).
        let mut segs = vec![b"*1000\r\n:".to_vec()];
        for i in 0..1000 {
            let last = segs.last_mut().expect("one");
            last.extend_from_slice(format!("{i}\r").as_bytes());
            segs.push(if i < 999 {
                b"\n:".to_vec()
            } else {
                b"\n".to_vec()
            });
        }
        let segs: Vec<&[u8]> = segs.iter().map(Vec::as_slice).collect();
        let v = replies(&segs);
        assert_eq!(
            ints(&v, 1000, Fid::RespInteger),
            (0..1000).collect::<Vec<_>>()
        );
        assert_eq!(
            ints(&v, 500, Fid::RespInteger),
            (0..500).collect::<Vec<_>>()
        );
        assert_eq!(ints(&v, 500, Fid::RespArrayLength), [1000]);
    }

    #[test]
    fn strtoll_edges() {
        assert_eq!(strtoll(b"-9223372036854775808"), i64::MIN);
        assert_eq!(strtoll(b"9223372036854775808"), i64::MAX);
        assert_eq!(strtoll(b"+-5"), 0);
        assert_eq!(strtoll(b" \x0b\x0c-7x"), -7);
        assert_eq!(strtoll(b"\x802"), 0);
    }

    proptest::proptest! {
        /// Any bytes, cut anywhere, with holes: no panic, and what is held stays bounded.
        #[test]
        fn never_panics(
            stream in proptest::collection::vec(
                proptest::sample::select(b"*$+-:\r\n0123456789-abc\x00\xff".to_vec()),
                0..600,
            ),
            cuts in proptest::collection::vec(1usize..40, 1..40),
            holes in proptest::collection::vec(proptest::bool::weighted(0.1), 40),
        ) {
            let mut d = Dissector::new();
            let mut values = PduValues::default();
            let (mut at, mut i) = (0, 0);
            while at < stream.len() {
                let n = cuts[i % cuts.len()].min(stream.len() - at);
                let mut out = PduOut::new(&mut values, None);
                if holes[i % holes.len()] {
                    d.gap(i % 2 == 0, n as u64);
                } else {
                    d.data(i % 2 == 0, &stream[at..at + n], i as u64, &mut out);
                }
                at += n;
                i += 1;
            }
            for p in d.pending.iter().flatten() {
                if let Elem::Raw { bytes: r, .. } = &p.elem {
                    proptest::prop_assert!(r.len() <= MAX_PENDING);
                }
            }
        }
    }
}
