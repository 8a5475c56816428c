//! Wireshark's per-PDU memcache fields (`memcache.*`), text and binary protocols, as
//! tshark 4.0 shows them.
//!
//! Wireshark does not parse memcached's protocol the way memcached does, and its fields
//! follow from how it cuts the stream, so this module reproduces both halves:
//!
//! - TCP's desegmentation ([`Side`]): each segment, or the multi-segment PDU it
//!   completes, is handed to the memcache dissector, which either dissects it or asks
//!   for more bytes (the whole next segment, or a count); the bytes after a completed
//!   multi-segment PDU are handed over again on their own.
//! - The memcache dissector on what it is handed ([`call`]): a first byte of 0x80 or
//!   0x81 means a run of binary PDUs (24-byte header and a body); anything else is ONE
//!   text message: its first line decides what it is, and the message takes every byte
//!   it was handed, so a second pipelined command in the same segment adds nothing.
//!   Unknown lines (`ERROR`, `touch`, meta commands, an `incr` reply) still show the
//!   protocol, with no field.
//!
//! A PDU's values go to the packet that completed it; several PDUs dissected on one
//! packet give several occurrences, in order.
//!
//! Memcached's protocols: <https://github.com/memcached/memcached/blob/master/doc/protocol.txt>
//! and the binary protocol's wiki page.

use super::{PduFields, PduOut};
pub use crate::ingest::app::memcache::wireshark::MAX_PDU;
use crate::ingest::app::memcache::wireshark::{
    ascii, text_cut, text_fields, More, TextCut, TextField, TextSink,
};
use crate::query::fields::{AppValue, Fid};

/// The binary header.
const HEADER_LEN: usize = 24;
/// The part of the header that holds the body length (Wireshark's fixed length).
const LENGTH_PART: usize = 12;

/// Binary opcodes.
mod op {
    pub const GET: u8 = 0x00;
    pub const SET: u8 = 0x01;
    pub const ADD: u8 = 0x02;
    pub const REPLACE: u8 = 0x03;
    pub const DELETE: u8 = 0x04;
    pub const INCREMENT: u8 = 0x05;
    pub const DECREMENT: u8 = 0x06;
    pub const QUIT: u8 = 0x07;
    pub const FLUSH: u8 = 0x08;
    pub const GET_Q: u8 = 0x09;
    pub const VERSION: u8 = 0x0b;
    pub const GET_K: u8 = 0x0c;
    pub const GET_K_Q: u8 = 0x0d;
    pub const APPEND: u8 = 0x0e;
    pub const PREPEND: u8 = 0x0f;
    pub const STAT: u8 = 0x10;
    pub const SET_Q: u8 = 0x11;
    pub const ADD_Q: u8 = 0x12;
    pub const REPLACE_Q: u8 = 0x13;
    pub const DELETE_Q: u8 = 0x14;
    pub const INCREMENT_Q: u8 = 0x15;
    pub const DECREMENT_Q: u8 = 0x16;
    pub const QUIT_Q: u8 = 0x17;
    pub const FLUSH_Q: u8 = 0x18;
    pub const APPEND_Q: u8 = 0x19;
    pub const PREPEND_Q: u8 = 0x1a;
}

/// Offsets in the binary header.
mod field {
    use core::ops::Range;
    pub const MAGIC: usize = 0;
    pub const OPCODE: usize = 1;
    pub const KEY_LENGTH: Range<usize> = 2..4;
    pub const EXTRAS_LENGTH: usize = 4;
    pub const DATA_TYPE: usize = 5;
    pub const STATUS: Range<usize> = 6..8;
    pub const BODY_LENGTH: Range<usize> = 8..12;
    pub const OPAQUE: Range<usize> = 12..16;
    pub const CAS: Range<usize> = 16..24;
}

/// A PDU being gathered over segments (TCP's multi-segment PDU).
struct Msp {
    buf: Vec<u8>,
    /// Stream bytes it covers so far, lost ones included.
    len: u64,
    /// Its length once complete; None: it ends with the next segment.
    end: Option<u64>,
    /// Bytes of it were lost or not kept: it will not be dissected.
    broken: bool,
    /// A text message waiting for the end of its first line, its first word known: until
    /// a CR or LF comes, a call would ask for the next segment again.
    waits_line: bool,
}

impl Msp {
    /// A PDU of `bytes` so far; `whole_call`: they are all a call had (not a part after
    /// PDUs it dissected).
    fn new(bytes: &[u8], more: More, whole_call: bool) -> Self {
        let len = bytes.len() as u64;
        let mut m = Msp {
            buf: Vec::new(),
            len: 0,
            end: None,
            broken: false,
            waits_line: false,
        };
        m.push(bytes);
        m.end = match more {
            More::Segment => None,
            More::Bytes(n) => Some(len + u64::from(n)),
        };
        m.waits_line = whole_call && !m.broken && waits_line(&m.buf, more);
        m
    }

    fn push(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.broken {
            return;
        }
        if self.buf.len() + bytes.len() > MAX_PDU {
            self.broken = true;
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }
}

/// One direction of the conversation: the PDU being gathered, if any.
#[derive(Default)]
struct Side {
    msp: Option<Msp>,
}

impl Side {
    /// One segment's bytes, in order.
    fn segment(&mut self, mut seg: &[u8], packet: u64, out: &mut PduOut<'_>) {
        while !seg.is_empty() {
            let Some(mut m) = self.msp.take() else {
                if let Some((off, more)) = call(seg, packet, out) {
                    self.msp = open(Msp::new(&seg[off..], more, off == 0));
                }
                return;
            };
            let before = m.len;
            let after_cr = m.buf.last() == Some(&b'\r');
            // What of the segment joins the PDU; the rest is handed over afresh.
            let take = match m.end {
                None => seg.len(),
                Some(end) => (end - m.len).min(seg.len() as u64) as usize,
            };
            let (part, rest) = seg.split_at(take);
            m.push(part);
            seg = rest;
            if m.end.is_some_and(|end| m.len < end)
                || (m.waits_line && !after_cr && !part.iter().any(|&b| b == b'\r' || b == b'\n'))
            {
                self.msp = Some(m);
                return;
            }
            if m.broken {
                continue;
            }
            let Some((off, more)) = call(&m.buf, packet, out) else {
                continue;
            };
            if off as u64 <= before {
                // The PDU that wants more began in earlier segments: it grows, and all
                // of it is dissected again once complete. Wireshark leaves the rest of
                // the segment alone then (memcache never asks again for a PDU it had
                // whole, so there is none).
                m.end = match more {
                    More::Segment => None,
                    More::Bytes(n) => Some(m.len + u64::from(n)),
                };
                m.waits_line = waits_line(&m.buf, more);
                self.msp = open(m);
                return;
            }
            self.msp = open(Msp::new(&m.buf[off..], more, false));
        }
    }

    fn gap(&mut self, len: u64) {
        let Some(m) = self.msp.as_mut() else { return };
        match m.end {
            // Bytes after the loss up to the PDU's end still join it; it never completes.
            Some(end) if m.len.saturating_add(len) < end => {
                m.len += len;
                m.broken = true;
                m.buf = Vec::new();
            }
            _ => self.msp = None,
        }
    }
}

/// Whether a call that asked for the next segment on `buf` was a text message whose
/// first line has no end yet but whose first word is known (a space follows it): more
/// bytes with no CR or LF would change nothing.
fn waits_line(buf: &[u8], more: More) -> bool {
    more == More::Segment
        && buf.first().is_some_and(|&b| b != 0x80 && b != 0x81)
        && buf.contains(&b' ')
}

/// `m`, if TCP will ever add to it: it compares sequence numbers modulo 2^32, so an end
/// 2^31 bytes or more ahead counts as behind, and the next segment is handed over afresh.
fn open(m: Msp) -> Option<Msp> {
    match m.end {
        Some(end) if end - m.len >= 1 << 31 => None,
        _ => Some(m),
    }
}

/// The memcache field dissector of one conversation.
#[derive(Default)]
pub struct Dissector {
    /// To the server, to the client. Wireshark reads both the same way.
    sides: [Side; 2],
}

impl Dissector {
    /// A dissector for a new conversation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held for PDUs being gathered, both sides (at most [`MAX_PDU`] each).
    pub fn buffered(&self) -> usize {
        self.sides
            .iter()
            .filter_map(|s| s.msp.as_ref())
            .map(|m| m.buf.len())
            .sum()
    }
}

impl PduFields for Dissector {
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>) {
        if bytes.is_empty() {
            return;
        }
        self.sides[usize::from(!to_server)].segment(bytes, packet, out);
    }

    fn gap(&mut self, to_server: bool, len: u64) {
        self.sides[usize::from(!to_server)].gap(len);
    }
}

/// Puts the fields of one packet.
struct Emit<'a, 'b> {
    out: &'a mut PduOut<'b>,
    packet: u64,
    /// For the packet detail: the address of the bytes handed to the call, and where each
    /// field goes with its place in them.
    placed: Option<(usize, &'a mut Vec<Placed>)>,
    /// The one field placed, when not all are ([`starts`]: a value's text built for
    /// each placed field was a fifth of `wirelens list`'s CPU on memcached captures).
    only: Option<Fid>,
}

/// A field of a PDU and where its bytes are, for the packet detail.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// The field.
    pub field: Fid,
    /// Its value.
    pub value: AppValue,
    /// Offset of its bytes in those handed to [`placed`].
    pub off: usize,
    /// Their length.
    pub len: usize,
}

impl Emit<'_, '_> {
    /// Whether `field` is placed.
    fn placing(&self, field: Fid) -> bool {
        self.placed.is_some() && self.only.is_none_or(|f| f == field)
    }

    fn place(&mut self, field: Fid, value: &AppValue, at: &[u8]) {
        if !self.placing(field) {
            return;
        }
        if let Some((base, v)) = &mut self.placed {
            v.push(Placed {
                field,
                value: value.clone(),
                off: (at.as_ptr() as usize).wrapping_sub(*base),
                len: at.len(),
            });
        }
    }

    /// A number read from the bytes `at`.
    fn uint(&mut self, field: Fid, v: u64, at: &[u8]) {
        self.place(field, &AppValue::Uint(v), at);
        self.out.add(self.packet, field, AppValue::Uint(v));
    }

    /// An item with no value over the bytes `at`.
    fn present(&mut self, field: Fid, at: &[u8]) {
        self.place(field, &AppValue::Present, at);
        self.out.add(self.packet, field, AppValue::Present);
    }

    /// A string field read as ASCII.
    fn text(&mut self, field: Fid, bytes: &[u8]) {
        if self.out.wants(field) || self.placing(field) {
            let v = AppValue::Text(ascii(bytes));
            self.place(field, &v, bytes);
            self.out.add(self.packet, field, v);
        }
    }

    fn bytes(&mut self, field: Fid, bytes: &[u8]) {
        if self.out.wants(field) || self.placing(field) {
            let v = AppValue::Bytes(bytes.to_vec());
            self.place(field, &v, bytes);
            self.out.add(self.packet, field, v);
        }
    }
}

/// One call of the dissector on `t`, for the packet detail: the fields with their
/// places in `t`, and, when a PDU needs more bytes, where it begins and how many more
/// it needs (0: the whole next segment).
pub fn placed(t: &[u8]) -> (Vec<Placed>, Option<(usize, u32)>) {
    placed_only(t, None)
}

/// Where each message one call of the dissector on `t` dissects begins (the places of
/// its `memcache` items), with no other field's value built: the packet list's Info.
pub fn starts(t: &[u8]) -> Vec<usize> {
    let (placed, _) = placed_only(t, Some(Fid::Memcache));
    placed.iter().map(|p| p.off).collect()
}

/// Where the PDU that one call of the dissector on `t` leaves needing more bytes begins
/// and how many more it needs (0: the whole next segment), as [`placed`] says, with no
/// field placed: what feeding the packet detail's application state asks of every
/// segment (placing every field built each value's text, most of a `tcp.segment.count`
/// filter's time on memcached captures).
pub fn needs_more(t: &[u8]) -> Option<(usize, u32)> {
    one_call(t, None, None)
}

/// [`placed`], of field `only` alone when given.
fn placed_only(t: &[u8], only: Option<Fid>) -> (Vec<Placed>, Option<(usize, u32)>) {
    let mut v = Vec::new();
    let more = one_call(t, Some(&mut v), only);
    (v, more)
}

/// One call of the dissector on `t`, the fields (`only`, or all) placed into `placed`
/// when given; where the PDU that needs more bytes begins, and how many more.
fn one_call(t: &[u8], placed: Option<&mut Vec<Placed>>, only: Option<Fid>) -> Option<(usize, u32)> {
    let mut values = super::PduValues::default();
    let none = std::collections::HashSet::new();
    let mut out = PduOut::new(&mut values, Some(&none));
    let mut e = Emit {
        out: &mut out,
        packet: 0,
        placed: placed.map(|v| (t.as_ptr() as usize, v)),
        only,
    };
    dispatch(t, &mut e).map(|(off, m)| {
        (
            off,
            match m {
                More::Segment => 0,
                More::Bytes(n) => n,
            },
        )
    })
}

/// One call of Wireshark's memcache dissector on `t`: puts the fields of what it
/// dissects, and says where the PDU that needs more bytes begins and how many it needs.
fn call(t: &[u8], packet: u64, out: &mut PduOut<'_>) -> Option<(usize, More)> {
    let mut e = Emit {
        out,
        packet,
        placed: None,
        only: None,
    };
    dispatch(t, &mut e)
}

fn dispatch(t: &[u8], e: &mut Emit<'_, '_>) -> Option<(usize, More)> {
    let e = &mut *e;
    match t.first() {
        None => None,
        Some(0x80 | 0x81) => binary(t, e),
        Some(_) => text(t, e).map(|more| (0, more)),
    }
}

/// A run of binary PDUs (Wireshark's `tcp_dissect_pdus`).
fn binary(t: &[u8], e: &mut Emit<'_, '_>) -> Option<(usize, More)> {
    let mut off = 0;
    while off < t.len() {
        let rest = &t[off..];
        if rest.len() < LENGTH_PART {
            return Some((off, More::Segment));
        }
        let plen = be32(&rest[field::BODY_LENGTH]).wrapping_add(HEADER_LEN as u32);
        if plen == 0 {
            return Some((off, More::Segment));
        }
        if (plen as usize) < LENGTH_PART {
            // A length that wraps: a bounds error, and the rest is not looked at.
            return None;
        }
        if rest.len() < plen as usize {
            return Some((off, More::Bytes(plen - rest.len() as u32)));
        }
        // A PDU that runs out of its bytes stops there; the next one is still read.
        let _ = binary_pdu(&rest[..plen as usize], e);
        off += plen as usize;
    }
    None
}

/// A binary PDU's bytes, read like a Wireshark tvbuff: asking past its end ends the PDU.
struct Pdu<'a>(&'a [u8]);

/// Read past the end of a PDU (Wireshark's bounds exception).
struct Bounds;

impl<'a> Pdu<'a> {
    fn get(&self, off: usize, len: usize) -> Result<&'a [u8], Bounds> {
        let end = off.checked_add(len).ok_or(Bounds)?;
        self.0.get(off..end).ok_or(Bounds)
    }
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn be64(b: &[u8]) -> u64 {
    b.iter().fold(0, |v, &x| (v << 8) | u64::from(x))
}

/// One binary PDU of at least [`LENGTH_PART`] bytes.
fn binary_pdu(p: &[u8], e: &mut Emit<'_, '_>) -> Result<(), Bounds> {
    let pdu = Pdu(p);
    e.present(Fid::Memcache, p);
    let magic = p[field::MAGIC];
    let opcode = p[field::OPCODE];
    let key_len = be16(&p[field::KEY_LENGTH]);
    let extras_len = p[field::EXTRAS_LENGTH];
    let status = be16(&p[field::STATUS]);
    let body_len = be32(&p[field::BODY_LENGTH]);
    e.uint(
        Fid::MemcacheMagic,
        magic.into(),
        &p[field::MAGIC..=field::MAGIC],
    );
    e.uint(
        Fid::MemcacheOpcode,
        opcode.into(),
        &p[field::OPCODE..=field::OPCODE],
    );
    e.uint(
        Fid::MemcacheKeyLength,
        key_len.into(),
        &p[field::KEY_LENGTH],
    );
    let el = field::EXTRAS_LENGTH;
    e.uint(Fid::MemcacheExtrasLength, extras_len.into(), &p[el..=el]);
    let dt = field::DATA_TYPE;
    e.uint(Fid::MemcacheDataType, p[dt].into(), &p[dt..=dt]);
    // The low bit of the magic tells a response, whatever the rest of it.
    let request = magic & 1 == 0;
    let status_field = if request {
        Fid::MemcacheReserved
    } else {
        Fid::MemcacheStatus
    };
    e.uint(status_field, status.into(), &p[field::STATUS]);
    let value_len = body_len
        .wrapping_sub(extras_len.into())
        .wrapping_sub(key_len.into());
    // (Wireshark puts the value length, which it computes, over no bytes at the body
    // length.)
    let at = field::BODY_LENGTH.start;
    e.uint(Fid::MemcacheValueLength, value_len.into(), &p[at..at]);
    e.uint(
        Fid::MemcacheTotalBodyLength,
        body_len.into(),
        &p[field::BODY_LENGTH],
    );
    let opaque = pdu.get(field::OPAQUE.start, 4)?;
    e.uint(Fid::MemcacheOpaque, be32(opaque).into(), opaque);
    let cas = pdu.get(field::CAS.start, 8)?;
    e.uint(Fid::MemcacheCas, be64(cas), cas);
    // A request's reserved field counts as a status here too.
    if status == 0 {
        let key_at = HEADER_LEN + usize::from(extras_len);
        extras(&pdu, extras_len, opcode, request, e)?;
        if key_len > 0 {
            e.text(Fid::MemcacheKey, pdu.get(key_at, key_len.into())?);
        }
        let value_at = key_at + usize::from(key_len);
        if value_len > 0 {
            if !request && matches!(opcode, op::INCREMENT | op::DECREMENT) {
                let v = pdu.get(value_at, 8)?;
                e.uint(Fid::MemcacheExtrasResponse, be64(v), v);
            } else {
                let v = pdu.get(value_at, value_len as usize)?;
                e.text(Fid::MemcacheValue, v);
            }
        }
    } else if body_len > 0 {
        // An error status: the body is the message.
        e.text(Fid::MemcacheValue, pdu.get(HEADER_LEN, body_len as usize)?);
    }
    Ok(())
}

/// The extras of a binary PDU: what each opcode carries, or the bytes as unknown.
fn extras(
    pdu: &Pdu<'_>,
    len: u8,
    opcode: u8,
    request: bool,
    e: &mut Emit<'_, '_>,
) -> Result<(), Bounds> {
    if len == 0 {
        return Ok(());
    }
    let len = usize::from(len);
    let mut at = HEADER_LEN;
    // An item with no value: Wireshark does not check that its bytes are there.
    let all = &pdu.0[HEADER_LEN.min(pdu.0.len())..];
    e.present(Fid::MemcacheExtras, &all[..len.min(all.len())]);
    let mut uint = |field: Fid, size: usize, e: &mut Emit<'_, '_>| {
        let b = pdu.get(at, size)?;
        e.uint(field, be64(b), b);
        at += size;
        Ok::<(), Bounds>(())
    };
    // Extras an opcode must not have are shown as unknown bytes too.
    let illegal = match opcode {
        op::GET | op::GET_Q | op::GET_K | op::GET_K_Q => {
            if !request {
                uint(Fid::MemcacheExtrasFlags, 4, e)?;
            }
            request
        }
        op::SET | op::SET_Q | op::ADD | op::ADD_Q | op::REPLACE | op::REPLACE_Q => {
            if request {
                uint(Fid::MemcacheExtrasFlags, 4, e)?;
                uint(Fid::MemcacheExtrasExpiration, 4, e)?;
            }
            !request
        }
        op::INCREMENT | op::INCREMENT_Q | op::DECREMENT | op::DECREMENT_Q => {
            if request {
                uint(Fid::MemcacheExtrasDelta, 8, e)?;
                uint(Fid::MemcacheExtrasInitial, 8, e)?;
                uint(Fid::MemcacheExtrasExpiration, 4, e)?;
            }
            !request
        }
        op::FLUSH | op::FLUSH_Q => {
            uint(Fid::MemcacheExtrasExpiration, 4, e)?;
            false
        }
        op::DELETE
        | op::DELETE_Q
        | op::QUIT
        | op::QUIT_Q
        | op::VERSION
        | op::APPEND
        | op::APPEND_Q
        | op::PREPEND
        | op::PREPEND_Q
        | op::STAT => true,
        _ => true,
    };
    if illegal {
        e.bytes(Fid::MemcacheExtrasUnknown, pdu.get(at, len)?);
    }
    Ok(())
}

/// One text message: all of `t`, or a request for more bytes before it can be read.
fn text(t: &[u8], e: &mut Emit<'_, '_>) -> Option<More> {
    match text_cut(t) {
        TextCut::Nothing => None,
        TextCut::More(more) => Some(more),
        TextCut::Whole { kind, line_end } => {
            text_fields(t, kind, line_end, e);
            None
        }
    }
}

/// The field of a text message.
fn fid(field: TextField) -> Fid {
    match field {
        TextField::Memcache => Fid::Memcache,
        TextField::Command => Fid::MemcacheCommand,
        TextField::Key => Fid::MemcacheKey,
        TextField::Flags => Fid::MemcacheFlags,
        TextField::Expiration => Fid::MemcacheExpiration,
        TextField::ValueLength => Fid::MemcacheValueLength,
        TextField::Cas => Fid::MemcacheCas,
        TextField::Noreply => Fid::MemcacheNoreply,
        TextField::Value => Fid::MemcacheValue,
        TextField::Response => Fid::MemcacheResponse,
        TextField::Version => Fid::MemcacheVersion,
        TextField::Subcommand => Fid::MemcacheSubcommand,
        TextField::Slabclass => Fid::MemcacheSlabclass,
        TextField::Name => Fid::MemcacheName,
        TextField::NameValue => Fid::MemcacheNameValue,
    }
}

impl TextSink for Emit<'_, '_> {
    fn uint(&mut self, field: TextField, v: u64, at: &[u8]) {
        Emit::uint(self, fid(field), v, at);
    }

    fn text(&mut self, field: TextField, at: &[u8]) {
        Emit::text(self, fid(field), at);
    }

    fn present(&mut self, field: TextField, at: &[u8]) {
        Emit::present(self, fid(field), at);
    }
}

#[cfg(test)]
mod test {
    //! Expected values are tshark 4.0.17's on the same bytes in the same segments.

    use super::*;
    use crate::ingest::app::memcache::wireshark::{scan_u32, strtoul};
    use crate::query::fields::pdu::PduValues;
    use crate::query::fields::ValueRef;

    /// One segment, or bytes lost on one side.
    enum Step<'a> {
        Client(&'a [u8]),
        Server(&'a [u8]),
        LostClient(u64),
    }
    use Step::*;

    /// Feeds the steps (segment `i` is packet `i`) and returns the values.
    fn run(steps: &[Step<'_>]) -> PduValues {
        let mut values = PduValues::default();
        let mut d = Dissector::new();
        for (i, step) in steps.iter().enumerate() {
            let mut out = PduOut::new(&mut values, None);
            match *step {
                Client(b) => d.data(true, b, i as u64, &mut out),
                Server(b) => d.data(false, b, i as u64, &mut out),
                LostClient(n) => d.gap(true, n),
            }
        }
        values.settle();
        values
    }

    fn get(v: &PduValues, packet: u64, field: Fid) -> Vec<AppValue> {
        v.get(packet, field).map(AppValue::from).collect()
    }

    fn texts(v: &PduValues, packet: u64, field: Fid) -> Vec<String> {
        get(v, packet, field)
            .into_iter()
            .map(|x| match x {
                AppValue::Text(s) => s,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn uints(v: &PduValues, packet: u64, field: Fid) -> Vec<u64> {
        get(v, packet, field)
            .into_iter()
            .map(|x| match x {
                AppValue::Uint(u) => u,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    /// How many PDUs packet `packet` shows.
    fn pdus(v: &PduValues, packet: u64) -> usize {
        get(v, packet, Fid::Memcache).len()
    }

    /// A binary PDU.
    fn bin(magic: u8, opcode: u8, key: &[u8], extras: &[u8], value: &[u8], status: u16) -> Vec<u8> {
        let body = (extras.len() + key.len() + value.len()) as u32;
        let mut p = vec![magic, opcode];
        p.extend_from_slice(&(key.len() as u16).to_be_bytes());
        p.extend_from_slice(&[extras.len() as u8, 0]);
        p.extend_from_slice(&status.to_be_bytes());
        p.extend_from_slice(&body.to_be_bytes());
        p.extend_from_slice(&7u32.to_be_bytes());
        p.extend_from_slice(&99u64.to_be_bytes());
        p.extend_from_slice(extras);
        p.extend_from_slice(key);
        p.extend_from_slice(value);
        p
    }

    /// What a call leaves needing more is the same whether or not its fields are
    /// placed: every prefix of text and binary messages, pipelined and malformed.
    #[test]
    fn needing_more_does_not_depend_on_placing() {
        let mut streams: Vec<Vec<u8>> = [
            &b"set k 0 0 10\r\nabcdefghij\r\nget k\r\n"[..],
            b"VALUE a 1 3\r\nabc\r\nVALUE b 2 2\r\nxy\r\nEND\r\n",
            b"cas k 1x 2 3 18446744073709551616\r\nabc\r\n",
            b"set k 1 2\r\nabc\r\n",
            b"getx a\r\nget b\r\n",
        ]
        .iter()
        .map(|s| s.to_vec())
        .collect();
        let mut pipelined = bin(0x80, op::GET, b"foo", b"", b"", 0);
        pipelined.extend(bin(0x81, op::GET, b"foo", &[0, 0, 0, 1], b"value", 0));
        pipelined.extend(bin(0x80, 0x0a, b"", b"", b"", 0));
        streams.push(pipelined);
        let mut compared = 0;
        for s in &streams {
            for end in 0..=s.len() {
                let t = &s[..end];
                assert_eq!(
                    needs_more(t),
                    placed(t).1,
                    "{:?}",
                    String::from_utf8_lossy(t)
                );
                compared += 1;
            }
        }
        assert!(compared > 200, "{compared}");
    }

    #[test]
    fn one_text_message_per_segment() {
        // The `get` takes the rest of the segment: the pipelined commands show nothing.
        let v = run(&[Client(b"get a\r\nget b\r\nset c 0 0 1\r\nx\r\n")]);
        assert_eq!(pdus(&v, 0), 1);
        assert_eq!(texts(&v, 0, Fid::MemcacheCommand), ["get"]);
        assert_eq!(texts(&v, 0, Fid::MemcacheKey), ["a"]);
        assert!(get(&v, 0, Fid::MemcacheValue).is_empty());
    }

    #[test]
    fn data_block_over_segments_then_the_rest() {
        let v = run(&[
            Client(b"set k 0 0 10\r\nabc"),
            Client(b"defg"),
            Client(b"hij\r\nget k\r\n"),
        ]);
        assert_eq!(pdus(&v, 0) + pdus(&v, 1), 0);
        // The gathered PDU ends at the data block; what follows is a message of its own.
        assert_eq!(pdus(&v, 2), 2);
        assert_eq!(texts(&v, 2, Fid::MemcacheCommand), ["set", "get"]);
        assert_eq!(texts(&v, 2, Fid::MemcacheKey), ["k", "k"]);
        assert_eq!(texts(&v, 2, Fid::MemcacheValue), ["abcdefghij"]);
        assert_eq!(uints(&v, 2, Fid::MemcacheValueLength), [10]);
        assert_eq!(uints(&v, 2, Fid::MemcacheFlags), [0]);
    }

    #[test]
    fn line_split_at_cr() {
        let v = run(&[Client(b"set k 0 0 3\r"), Client(b"\nabc\r\n")]);
        assert_eq!(pdus(&v, 0), 0);
        assert_eq!(texts(&v, 1, Fid::MemcacheValue), ["abc"]);
    }

    #[test]
    fn line_split_word_not_known_yet() {
        // "get" then "x a": the first word is "getx", an unknown line.
        let v = run(&[Client(b"get"), Client(b"x a\r\n"), Client(b"get b\r\n")]);
        assert_eq!(pdus(&v, 1), 1);
        assert!(get(&v, 1, Fid::MemcacheCommand).is_empty());
        assert_eq!(texts(&v, 2, Fid::MemcacheKey), ["b"]);
        let v = run(&[Client(b"get"), Client(b"x a"), Client(b"\r\nget b\r\n")]);
        assert_eq!((pdus(&v, 0), pdus(&v, 1), pdus(&v, 2)), (0, 1, 1));
        assert_eq!(v.len(), 2);
        // A known word: the line is waited for over any number of segments.
        let v = run(&[
            Client(b"get "),
            Client(b"abc"),
            Client(b"def"),
            Client(b"\r\n"),
        ]);
        assert_eq!(texts(&v, 3, Fid::MemcacheKey), ["abcdef"]);
        assert_eq!((0..3).map(|p| pdus(&v, p)).sum::<usize>(), 0);
    }

    #[test]
    fn replies() {
        let v = run(&[
            Server(b"VALUE a 1 3\r\nabc\r\nVALUE b 2 2\r\nxy\r\nEND\r\n"),
            Server(b"END\r\n"),
            Server(b"VALUE k 0 3 77\r\nabc\r\nEND\r\n"),
            Server(b"VERSION 1.6.18\r\n"),
            Server(b"42\r\n"),
            Server(b"STAT pid 123\r\nSTAT items:1:number 5\r\nSTAT 1:chunk_size 96\r\nSTAT time 12:34:56\r\nEND\r\n"),
        ]);
        // An END closing VALUE lines adds no response; one on its own does.
        assert_eq!(texts(&v, 0, Fid::MemcacheKey), ["a", "b"]);
        assert_eq!(texts(&v, 0, Fid::MemcacheValue), ["abc", "xy"]);
        assert_eq!(uints(&v, 0, Fid::MemcacheFlags), [1, 2]);
        assert!(get(&v, 0, Fid::MemcacheResponse).is_empty());
        assert_eq!(texts(&v, 1, Fid::MemcacheResponse), ["END"]);
        // A `gets` reply: the cas, and Wireshark gives up before the value.
        assert_eq!(uints(&v, 2, Fid::MemcacheCas), [77]);
        assert!(get(&v, 2, Fid::MemcacheValue).is_empty());
        assert_eq!(texts(&v, 3, Fid::MemcacheVersion), ["1.6.18"]);
        // An incr reply is not recognised: the protocol only.
        assert_eq!(pdus(&v, 4), 1);
        assert_eq!(v.keys().filter(|&(p, _)| p == 4).count(), 1);
        assert_eq!(
            texts(&v, 5, Fid::MemcacheName),
            ["pid", "number", "chunk_size", "56"]
        );
        assert_eq!(texts(&v, 5, Fid::MemcacheNameValue), ["123", "5", "96"]);
        assert_eq!(texts(&v, 5, Fid::MemcacheSubcommand), ["items", "time 12"]);
        assert_eq!(uints(&v, 5, Fid::MemcacheSlabclass), [1, 1, 34]);
    }

    #[test]
    fn numbers_as_strtoul_reads_them() {
        let v = run(&[
            Client(b"set k 99999 0 3\r\nabc\r\n"),
            Client(b"set k -1 4294967296 3\r\nabc\r\n"),
            Client(b"cas k 1x 2 3 18446744073709551616\r\nabc\r\n"),
        ]);
        assert_eq!(uints(&v, 0, Fid::MemcacheFlags), [34463]);
        assert_eq!(uints(&v, 1, Fid::MemcacheFlags), [65535]);
        assert_eq!(uints(&v, 1, Fid::MemcacheExpiration), [0]);
        assert_eq!(uints(&v, 2, Fid::MemcacheFlags), [1]);
        assert_eq!(uints(&v, 2, Fid::MemcacheCas), [u64::MAX]);
    }

    #[test]
    fn malformed_lines() {
        let v = run(&[
            // No length token: the data block cannot be found, nothing at all.
            Client(b"set k 1 2\r\nabc\r\n"),
            // Flags too long: reading stops after the key.
            Client(b"set k 123456 0 3\r\nabc\r\n"),
            Client(b"bogus command\r\n"),
            Client(b"get k\xff\xfeey\r\n"),
        ]);
        assert!(v.keys().all(|(p, _)| p != 0));
        assert_eq!(texts(&v, 1, Fid::MemcacheKey), ["k"]);
        assert!(get(&v, 1, Fid::MemcacheFlags).is_empty());
        assert_eq!(pdus(&v, 2), 1);
        assert!(get(&v, 2, Fid::MemcacheCommand).is_empty());
        assert_eq!(texts(&v, 3, Fid::MemcacheKey), ["k\u{fffd}\u{fffd}ey"]);
    }

    #[test]
    fn binary_header_split() {
        let foo = bin(0x80, op::GET, b"foo", b"", b"", 0);
        let bar = bin(0x80, op::GET, b"bar", b"", b"", 0);
        let mut second = foo[5..].to_vec();
        second.extend_from_slice(&bar[..20]);
        let v = run(&[Client(&foo[..5]), Client(&second), Client(&bar[20..])]);
        assert_eq!(pdus(&v, 0), 0);
        assert_eq!(texts(&v, 1, Fid::MemcacheKey), ["foo"]);
        assert_eq!(texts(&v, 2, Fid::MemcacheKey), ["bar"]);
        assert_eq!(uints(&v, 2, Fid::MemcacheOpaque), [7]);
        assert_eq!(uints(&v, 2, Fid::MemcacheCas), [99]);
        assert_eq!(uints(&v, 2, Fid::MemcacheReserved), [0]);
        // Every split of one PDU gives it whole, in the packet with its last byte.
        for cut in 1..foo.len() {
            let v = run(&[Client(&foo[..cut]), Client(&foo[cut..])]);
            assert_eq!(pdus(&v, 0), 0, "{cut}");
            assert_eq!(texts(&v, 1, Fid::MemcacheKey), ["foo"], "{cut}");
        }
    }

    #[test]
    fn binary_opcodes() {
        let set = bin(
            0x80,
            op::SET,
            b"k",
            &[0, 0, 0xbe, 0xef, 0, 0, 1, 44],
            b"hello",
            0,
        );
        let incr = bin(0x81, op::INCREMENT, b"", b"", &15u64.to_be_bytes(), 0);
        let miss = bin(0x81, op::GET, b"", b"", b"Not found", 1);
        let illegal = bin(0x80, op::DELETE, b"k", &[1, 2], b"", 0);
        let mut run_of_pdus = set.clone();
        run_of_pdus.extend_from_slice(&illegal);
        let v = run(&[Client(&run_of_pdus), Server(&incr), Server(&miss)]);
        assert_eq!(pdus(&v, 0), 2);
        assert_eq!(uints(&v, 0, Fid::MemcacheExtrasFlags), [0xbeef]);
        assert_eq!(uints(&v, 0, Fid::MemcacheExtrasExpiration), [300]);
        assert_eq!(texts(&v, 0, Fid::MemcacheValue), ["hello"]);
        assert_eq!(uints(&v, 0, Fid::MemcacheValueLength), [5, 0]);
        assert_eq!(
            get(&v, 0, Fid::MemcacheExtrasUnknown),
            [AppValue::Bytes(vec![1, 2])]
        );
        assert_eq!(get(&v, 0, Fid::MemcacheExtras).len(), 2);
        assert_eq!(uints(&v, 1, Fid::MemcacheExtrasResponse), [15]);
        assert_eq!(uints(&v, 1, Fid::MemcacheStatus), [0]);
        // An error status: the body is the value.
        assert_eq!(uints(&v, 2, Fid::MemcacheStatus), [1]);
        assert_eq!(texts(&v, 2, Fid::MemcacheValue), ["Not found"]);
    }

    #[test]
    fn binary_pdu_short_of_its_extras() {
        // Extras length 8 in a 4-byte body: the extras item is there (Wireshark does not
        // check it), the flags fit, the expiration does not, and the next PDU is read.
        let mut p = bin(0x80, op::SET, b"", &[1, 2, 3, 4], b"", 0);
        p[field::EXTRAS_LENGTH] = 8;
        p.extend_from_slice(&bin(0x80, 0x0a, b"", b"", b"", 0));
        let v = run(&[Client(&p)]);
        assert_eq!(pdus(&v, 0), 2);
        assert_eq!(get(&v, 0, Fid::MemcacheExtras).len(), 1);
        assert_eq!(uints(&v, 0, Fid::MemcacheExtrasFlags), [0x01020304]);
        assert!(get(&v, 0, Fid::MemcacheExtrasExpiration).is_empty());
        assert_eq!(
            uints(&v, 0, Fid::MemcacheValueLength),
            [u64::from(u32::MAX - 3), 0]
        );
    }

    #[test]
    fn text_after_binary_and_back() {
        let noop = bin(0x80, 0x0a, b"", b"", b"", 0);
        let mut first = noop.clone();
        first.extend_from_slice(b"get a\r\n");
        let v = run(&[Client(&first), Client(b"get b\r\n"), Client(&noop)]);
        // After a binary PDU the rest of the segment is read as binary (and is too
        // short): the text waits for more, then comes with the next segment.
        assert_eq!(pdus(&v, 0), 1);
        assert_eq!(pdus(&v, 1), 1);
        assert_eq!(pdus(&v, 2), 1);
        assert_eq!(uints(&v, 2, Fid::MemcacheOpcode), [0x0a]);
    }

    #[test]
    fn lost_bytes_in_a_data_block() {
        // The PDU never completes; what comes after its end is read afresh.
        let v = run(&[
            Client(b"set k 0 0 20\r\nabcde"),
            LostClient(5),
            Client(b"fghij"),
            Client(b"klmno\r\nget a\r\n"),
            Client(b"get b\r\n"),
        ]);
        assert!(v.keys().all(|(p, _)| p >= 3));
        assert_eq!(texts(&v, 3, Fid::MemcacheKey), ["a"]);
        assert_eq!(texts(&v, 4, Fid::MemcacheKey), ["b"]);
        // The same in one segment running past the end.
        let v = run(&[
            Client(b"set k 0 0 20\r\nabcde"),
            LostClient(5),
            Client(b"fghijklmno\r\nget a\r\n"),
            Client(b"get b\r\n"),
        ]);
        assert_eq!(texts(&v, 2, Fid::MemcacheKey), ["a"]);
        assert_eq!(texts(&v, 3, Fid::MemcacheKey), ["b"]);
    }

    #[test]
    fn a_length_too_big_to_wait_for() {
        // 2^32 - 1 bytes: TCP would wait for an end that lies behind it, so the next
        // segment is read afresh. 2^31 bytes: it waits for ever.
        let v = run(&[
            Client(b"set k 0 0 4294967295\r\nabc\r\n"),
            Client(b"get a\r\n"),
        ]);
        assert_eq!(texts(&v, 1, Fid::MemcacheKey), ["a"]);
        let v = run(&[
            Client(b"set k 0 0 2147483648\r\nabc\r\n"),
            Client(b"get a\r\n"),
        ]);
        assert!(v.is_empty());
    }

    #[test]
    fn strtoul_and_scanf() {
        assert_eq!(strtoul(b"42"), 42);
        assert_eq!(strtoul(b"\t7x"), 7);
        assert_eq!(strtoul(b"-1"), u64::MAX);
        assert_eq!(strtoul(b"x"), 0);
        assert_eq!(strtoul(b"99999999999999999999"), u64::MAX);
        assert_eq!(scan_u32(b"4294967296"), Some(0));
        assert_eq!(scan_u32(b"-5"), Some(u32::MAX - 4));
        assert_eq!(scan_u32(b"+"), None);
        assert_eq!(scan_u32(b"5\09"), Some(5));
    }

    /// A side's bytes in one segment, or lost.
    enum Seg {
        Data(usize, std::ops::Range<usize>),
        Lost(usize, u64),
    }

    /// Feeds the two sides' streams, cut as `segs` says (segment `i` is packet `i`), to
    /// this dissector and to the ingest's table ([`Commands`]); where the table covers
    /// the conversation, asserts that it shows `memcache` and `memcache.command` where
    /// the dissector does, as often and in the same order. Returns whether it covered it
    /// and the commands it showed.
    fn table_agrees(sides: &[Vec<u8>; 2], segs: &[Seg], what: &str) -> (bool, usize) {
        use crate::capture::app::memcache::{command_of, shown};
        use crate::ingest::app::memcache::wireshark::Commands;
        let mut d = Dissector::new();
        let mut c = Commands::default();
        let mut values = PduValues::default();
        let wanted: std::collections::HashSet<Fid> = [Fid::MemcacheCommand, Fid::Memcache].into();
        for (packet, seg) in segs.iter().enumerate() {
            match seg {
                Seg::Data(s, r) => {
                    let bytes = &sides[*s][r.clone()];
                    let mut out = PduOut::new(&mut values, Some(&wanted));
                    d.data(*s == 0, bytes, packet as u64, &mut out);
                    c.data(*s, bytes, packet as u64);
                }
                Seg::Lost(s, n) => {
                    d.gap(*s == 0, *n);
                    c.gap(*s, *n);
                }
            }
        }
        if c.complex {
            return (false, 0);
        }
        // Commands in the order shown (the values of a packet keep theirs), and how many
        // messages each packet shows.
        values.settle();
        let mut want: Vec<(u64, String)> = values
            .iter()
            .filter(|&(_, f, _)| f == Fid::MemcacheCommand)
            .map(|(p, _, x)| match x {
                ValueRef::Text(t) => (p, t.to_owned()),
                other => panic!("{other:?}"),
            })
            .collect();
        want.sort_by_key(|w| w.0);
        let mut stat_lines = c.stat_lines.iter();
        let mut got: Vec<(u64, String)> = Vec::new();
        for &(p, code) in &c.found {
            let times = match code {
                shown::STATS => *stat_lines.next().expect("a count for each stats reply"),
                _ => 1,
            };
            if let Some(name) = command_of(code) {
                got.extend((0..times).map(|_| (u64::from(p), name.to_string())));
            }
        }
        assert_eq!(stat_lines.next(), None, "{what}");
        assert_eq!(got, want, "{what}");
        let mut want: Vec<(u64, usize)> = Vec::new();
        for (p, _, _) in values.iter().filter(|&(_, f, _)| f == Fid::Memcache) {
            match want.last_mut() {
                Some((q, n)) if *q == p => *n += 1,
                _ => want.push((p, 1)),
            }
        }
        let mut shown_in: Vec<(u64, usize)> = Vec::new();
        for &(p, _) in &c.found {
            match shown_in.last_mut() {
                Some((q, n)) if *q == u64::from(p) => *n += 1,
                _ => shown_in.push((u64::from(p), 1)),
            }
        }
        assert_eq!(shown_in, want, "{what}");
        (true, got.len())
    }

    /// The ingest's table of `memcache.command` ([`Commands`]) says what this dissector
    /// says, wherever it covers a conversation: streams of real and odd messages, text,
    /// binary and both, cut anywhere, the two sides interleaved, bytes lost now and then.
    #[test]
    fn the_ingest_command_table_agrees_where_it_covers() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let big: Vec<u8> = (0..3000).map(|j| b"abc get set "[j % 12]).collect();
        let text_requests: [&[u8]; 13] = [
            b"get k\r\n",
            b"gets a b c\r\n",
            b"set k 0 0 5\r\nhello\r\n",
            b"add k 1 2 3 noreply\r\nabc\r\n",
            b"cas k 0 0 2 7\r\nxy\r\n",
            b"set big 0 0 3000\r\n",
            b"delete k\r\n",
            b"incr n 1\r\n",
            b"touch k 10\r\n",
            b"mg k v\r\n",
            b"version\r\n",
            b"set k 0 0 x\r\n",
            b"stats slabs\r\n",
        ];
        let text_replies: [&[u8]; 10] = [
            b"VALUE k 0 5\r\nhello\r\nEND\r\n",
            b"END\r\n",
            b"STORED\r\n",
            b"VALUE big 0 3000\r\n",
            b"NOT_FOUND\r\n",
            b"ERROR\r\n",
            b"42\r\n",
            b"STAT pid 1\r\nEND\r\n",
            b"STAT pid 1\r\nSTAT items:1:number 5\r\nSTAT a:1:b 2\r\nSTAT x:y:z:w 1\r\nEND\r\n",
            b"STAT curr_connections 10\r\nSTAT uptime\r\nSTAT threads 4\r\nEND\r\n",
        ];
        let binary_requests: Vec<Vec<u8>> = vec![
            bin(0x80, op::GET, b"k", b"", b"", 0),
            bin(0x80, op::GET_K_Q, b"key", b"", b"", 0),
            bin(0x80, op::SET, b"k", &[0, 0, 0, 1, 0, 0, 0, 0], b"hello", 0),
            bin(0x80, op::SET_Q, b"big", &[0; 8], &big, 0),
            bin(0x80, op::DELETE, b"k", b"", b"", 0),
            bin(0x80, op::INCREMENT, b"n", &[0; 20], b"", 0),
            bin(0x80, op::STAT, b"", b"", b"", 0),
            bin(0x80, 0x0a, b"", b"", b"", 0),
        ];
        let binary_replies: Vec<Vec<u8>> = vec![
            bin(0x81, op::GET, b"", &[0, 0, 0, 1], b"hello", 0),
            bin(0x81, op::GET, b"", b"", b"Not found", 1),
            bin(0x81, op::GET_K, b"k", &[0; 4], &big, 0),
            bin(0x81, op::SET, b"", b"", b"", 0),
            bin(0x81, op::STAT, b"pid", b"", b"42", 0),
            bin(0x81, op::STAT, b"", b"", b"", 0),
            bin(0x81, op::INCREMENT, b"", b"", &7u64.to_be_bytes(), 0),
        ];
        let (mut covered, mut shown, mut stats, mut binary) = (0, 0, 0, 0);
        for trial in 0..600 {
            // Text only, binary only, or both; a 3000-byte block follows its announcing
            // line.
            let mode = trial % 3;
            let mut sides = [Vec::new(), Vec::new()];
            for (i, side) in sides.iter_mut().enumerate() {
                for _ in 0..next() % 12 {
                    let m: &[u8] = match (mode, i, next() % 2) {
                        (0, 0, _) | (2, 0, 0) => text_requests[(next() % 13) as usize],
                        (0, _, _) | (2, _, 0) => text_replies[(next() % 10) as usize],
                        (_, 0, _) => &binary_requests[(next() % 8) as usize],
                        _ => &binary_replies[(next() % 7) as usize],
                    };
                    side.extend_from_slice(m);
                    if m.ends_with(b" 3000\r\n") {
                        side.extend_from_slice(&big);
                        side.extend_from_slice(b"\r\n");
                    }
                }
            }
            let mut segs = Vec::new();
            let mut at = [0, 0];
            while at[0] < sides[0].len() || at[1] < sides[1].len() {
                let s = if at[0] >= sides[0].len() {
                    1
                } else if at[1] >= sides[1].len() {
                    0
                } else {
                    (next() % 2) as usize
                };
                // Segments end at a message's end most often, as clients send them.
                let n = match next() % 3 {
                    0 => 1 + next() % 40,
                    1 => 1 + next() % 4000,
                    _ => 1 << 20,
                } as usize;
                let end = (at[s] + n).min(sides[s].len());
                // One trial in eight loses a segment now and then.
                if trial % 8 == 7 && next() % 10 == 0 {
                    segs.push(Seg::Lost(s, (end - at[s]) as u64));
                } else {
                    segs.push(Seg::Data(s, at[s]..end));
                }
                at[s] = end;
            }
            let (c, n) = table_agrees(&sides, &segs, &format!("trial {trial}"));
            covered += usize::from(c);
            shown += n;
            stats += usize::from(c && sides[1].windows(5).any(|w| w == b"STAT "));
            binary += usize::from(c && mode != 0 && sides.iter().any(|s| !s.is_empty()));
        }
        // Every trial is covered: `stats` replies and binary PDUs are followed (387 of
        // 400 text trials were covered when a STAT reply left the simple path, and no
        // binary one). Only a first line over LINE_MAX or a binary length of 0 leaves it.
        assert_eq!(covered, 600);
        assert!(
            shown > 400 && stats > 200 && binary > 350,
            "{shown} {stats} {binary}"
        );
    }

    /// Binary and `stats` conversations cut by one segment's end at every offset, and by
    /// two at every pair of offsets a few bytes apart: the table covers them and agrees.
    #[test]
    fn the_ingest_command_table_agrees_cut_at_every_offset() {
        let mut client = Vec::new();
        client.extend(bin(
            0x80,
            op::SET,
            b"k",
            &[0, 0, 0, 1, 0, 0, 0, 0],
            b"hello",
            0,
        ));
        client.extend(bin(0x80, op::GET_K_Q, b"key", b"", b"", 0));
        client.extend(bin(0x80, op::STAT, b"", b"", b"", 0));
        client.extend_from_slice(b"stats\r\nget k\r\n");
        client.extend(bin(0x80, op::GET, b"k", b"", b"", 0));
        let mut server = Vec::new();
        server.extend(bin(0x81, op::SET, b"", b"", b"", 0));
        server.extend(bin(0x81, op::STAT, b"pid", b"", b"42", 0));
        server.extend(bin(0x81, op::STAT, b"", b"", b"", 0));
        server.extend_from_slice(b"STAT pid 1\r\nSTAT items:1:number 5\r\nEND\r\n");
        server.extend_from_slice(b"VALUE k 0 5\r\nhello\r\nEND\r\n");
        server.extend(bin(0x81, op::GET, b"", &[0, 0, 0, 1], b"hello", 0));
        let sides = [client, server];
        let mut trials = 0;
        for s in 0..2 {
            let len = sides[s].len();
            let other = 1 - s;
            for a in 0..len {
                for b in [a + 1, a + 2, a + 5, a + 13, a + 25, len] {
                    let b = b.min(len);
                    let mut segs = vec![Seg::Data(other, 0..sides[other].len())];
                    segs.extend(
                        [0..a, a..b, b..len]
                            .into_iter()
                            .filter(|r| !r.is_empty())
                            .map(|r| Seg::Data(s, r)),
                    );
                    let what = format!("side {s} cut at {a} and {b}");
                    assert!(table_agrees(&sides, &segs, &what).0, "{what}");
                    trials += 1;
                }
            }
        }
        assert!(trials > 1000);
    }

    #[test]
    fn no_panic_and_bounded_on_noise() {
        // A small xorshift generator: memcache-like words, numbers and raw bytes, cut
        // anywhere, with losses.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let words: [&[u8]; 12] = [
            b"get ",
            b"set k 0 0 ",
            b"VALUE k 1 ",
            b"STAT a:1:b 2",
            b"\r\n",
            b"\n",
            b" ",
            b"4294967295",
            b"5",
            b"END",
            b"\x80",
            b"\x81",
        ];
        for _ in 0..200 {
            let mut stream = Vec::new();
            for _ in 0..next() % 40 {
                match next() % 3 {
                    0 => stream.extend_from_slice(words[(next() % 12) as usize]),
                    1 => stream.push(next() as u8),
                    _ => stream.extend_from_slice(&bin(
                        0x80 | (next() as u8 & 1),
                        next() as u8 % 0x20,
                        b"k",
                        &[1; 4][..(next() % 5) as usize],
                        b"v",
                        (next() % 2) as u16,
                    )),
                }
            }
            let mut d = Dissector::new();
            let mut values = PduValues::default();
            let mut at = 0;
            let mut packet = 0;
            while at < stream.len() {
                let n = (1 + next() % 30) as usize;
                let end = (at + n).min(stream.len());
                let mut out = PduOut::new(&mut values, None);
                if next() % 20 == 0 {
                    d.gap(next() % 2 == 0, (end - at) as u64);
                } else {
                    d.data(next() % 2 == 0, &stream[at..end], packet, &mut out);
                }
                for side in &d.sides {
                    if let Some(m) = &side.msp {
                        assert!(m.buf.len() <= MAX_PDU);
                    }
                }
                at = end;
                packet += 1;
            }
        }
    }
}
