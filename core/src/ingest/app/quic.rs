//! QUIC (RFC 9000): the TLS handshake of a connection's Initial packets, read as tshark
//! reads it without any secret. Initial packets are protected with keys anyone can
//! derive from the client's first Destination Connection ID (RFC 9001 §5.2); their
//! CRYPTO frames carry the ClientHello and ServerHello, whose server name and ALPN make
//! the connection's [`Tls`] transaction — so HTTP/3 endpoints appear among the TLS server
//! names.
//!
//! Versions 1 (RFC 9000), 2 (RFC 9369) and draft-29 are read. Each side's CRYPTO stream
//! is put back together up to [`MAX_CRYPTO`] bytes; nothing past the Initial packets is
//! decrypted.

use super::tls::crypto::{aes128_block, Aead, Bulk, Hash};
use super::tls::{client_hello, server_hello};
use super::{report, StreamParser};
use crate::capture::app::pdu::{Pdu, PduKind, QUIC_OPENED};
use crate::capture::app::tls::Tls;
use crate::capture::app::{At, Detail, Span, Transaction};

/// CRYPTO bytes gathered per side (a ClientHello with post-quantum key shares takes
/// two Initial packets; 64 KiB is far more).
pub const MAX_CRYPTO: usize = 64 << 10;

/// The versions whose Initial packets we can open: (version, salt, label prefix).
fn version_keys(version: u32) -> Option<(&'static [u8], &'static str)> {
    const V1: [u8; 20] = [
        0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c,
        0xad, 0xcc, 0xbb, 0x7f, 0x0a,
    ];
    const V2: [u8; 20] = [
        0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d,
        0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
    ];
    const DRAFT29: [u8; 20] = [
        0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11,
        0xe0, 0x43, 0x90, 0xa8, 0x99,
    ];
    match version {
        1 => Some((&V1, "quic")),
        0x6b33_43cf => Some((&V2, "quicv2")),
        0xff00_001d => Some((&DRAFT29, "quic")),
        _ => None,
    }
}

/// Whether `version` is one whose Initial packets we read.
pub fn known_version(version: u32) -> bool {
    version_keys(version).is_some()
}

/// The packet type of an Initial packet in this version (RFC 9369 §3.2: v2 renumbers).
fn initial_type(version: u32) -> u8 {
    if version == 0x6b33_43cf {
        1
    } else {
        0
    }
}

/// Keys of one direction's Initial packets.
pub(crate) struct Keys {
    aead: Aead,
    iv: [u8; 12],
    hp: Vec<u8>,
}

/// The Initial keys of both directions for a client's Destination Connection ID (RFC
/// 9001 §5.2): (client's, server's).
fn initial_keys(version: u32, dcid: &[u8]) -> Option<(Keys, Keys)> {
    let (salt, prefix) = version_keys(version)?;
    let h = Hash::Sha256;
    let initial = h.hkdf_extract(salt, dcid);
    let side = |label: &[u8]| -> Option<Keys> {
        let secret = h.expand_label(&initial, label, b"", 32);
        let key = h.expand_label(&secret, format!("{prefix} key").as_bytes(), b"", 16);
        let iv = h.expand_label(&secret, format!("{prefix} iv").as_bytes(), b"", 12);
        let hp = h.expand_label(&secret, format!("{prefix} hp").as_bytes(), b"", 16);
        Some(Keys {
            aead: Aead::new(Bulk::Aes128Gcm, &key)?,
            iv: iv.try_into().ok()?,
            hp,
        })
    };
    Some((side(b"client in")?, side(b"server in")?))
}

/// A long header (RFC 9000 §17.2) of a version we read, as ranges of the packet's bytes.
pub(crate) struct LongHeader {
    /// The version.
    pub version: u32,
    /// Destination and Source Connection IDs.
    pub dcid: std::ops::Range<usize>,
    pub scid: std::ops::Range<usize>,
    /// The packet type as version 1 numbers it (Initial 0, 0-RTT 1, Handshake 2, Retry 3;
    /// RFC 9369 §3.2 renumbers them in version 2).
    pub kind: u8,
    /// An Initial's Token Length field and token.
    pub token: Option<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    /// The Length field and its value (the packet number's and the payload's bytes);
    /// None for a Retry, or when the header is cut short.
    pub length: Option<(std::ops::Range<usize>, usize)>,
}

impl LongHeader {
    /// Where the (protected) packet number starts.
    pub fn pn_offset(&self) -> Option<usize> {
        Some(self.length.as_ref()?.0.end)
    }

    /// Where the packet ends (the next coalesced packet starts).
    pub fn end(&self) -> Option<usize> {
        let (r, len) = self.length.as_ref()?;
        r.end.checked_add(*len)
    }
}

/// The long header at the start of `b`: None when it is not one, is cut before its
/// Source Connection ID, or is of a version we do not read.
pub(crate) fn long_header(b: &[u8]) -> Option<LongHeader> {
    let first = *b.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let version = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?);
    let dcil = *b.get(5)? as usize;
    let dcid = 6..6 + dcil;
    b.get(dcid.clone())?;
    let scil = *b.get(dcid.end)? as usize;
    let scid = dcid.end + 1..dcid.end + 1 + scil;
    b.get(scid.clone())?;
    if version == 0 || !known_version(version) {
        return None;
    }
    let ptype = (first >> 4) & 0x03;
    let mut h = LongHeader {
        version,
        dcid,
        scid,
        kind: (ptype + 4 - initial_type(version)) & 3,
        token: None,
        length: None,
    };
    if h.kind == 3 {
        return Some(h);
    }
    let mut at = h.scid.end;
    let from = at;
    if h.kind == 0 {
        let token =
            varint(b, &mut at).and_then(|n| Some(at..at.checked_add(usize::try_from(n).ok()?)?));
        let Some(token) = token else {
            return Some(h);
        };
        h.token = Some((from..at, token.clone()));
        at = token.end;
    }
    let from = at;
    if let Some(n) = varint(b, &mut at) {
        h.length = Some((from..at, n as usize));
    }
    Some(h)
}

/// An Initial packet opened: its header with the protection removed and its payload
/// decrypted.
pub(crate) struct Opened {
    /// The packet with its first byte and packet number unprotected and the payload
    /// decrypted in place (the tag left as it was).
    pub bytes: Vec<u8>,
    /// The packet number and the bytes it takes.
    pub pn: u64,
    pub pn_len: usize,
    /// The frames: `bytes[pn_offset + pn_len..][..plain]`.
    pub plain: usize,
}

/// Why an Initial packet did not open.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unopened {
    /// Too short for the header protection's sample.
    Short,
    /// The AEAD tag did not verify (other keys, or damaged bytes).
    Auth,
}

/// Opens one Initial packet (`packet`: its bytes to its end) with its side's keys:
/// header protection off (RFC 9001 §5.4), then the payload (§5.3).
pub(crate) fn open(k: &Keys, packet: &[u8], pn_offset: usize) -> Result<Opened, Unopened> {
    // Header protection: a mask from 16 bytes 4 past the packet number's start.
    let sample: [u8; 16] = packet
        .get(pn_offset + 4..pn_offset + 20)
        .and_then(|s| s.try_into().ok())
        .ok_or(Unopened::Short)?;
    let mask = aes128_block(&k.hp, &sample).ok_or(Unopened::Short)?;
    let mut buf = packet.to_vec();
    buf[0] ^= mask[0] & 0x0f;
    let pn_len = (buf[0] & 0x03) as usize + 1;
    let mut pn: u64 = 0;
    for i in 0..pn_len {
        buf[pn_offset + i] ^= mask[1 + i];
        pn = pn << 8 | buf[pn_offset + i] as u64;
    }
    // Initial packet numbers start at 0 and stay small: the truncated number is the
    // number (RFC 9000 §17.1 needs no reconstruction below 2^(8·pn_len−1)).
    let mut nonce = k.iv;
    for (i, x) in pn.to_be_bytes().iter().enumerate() {
        nonce[4 + i] ^= x;
    }
    let (header, payload) = buf.split_at_mut(pn_offset + pn_len);
    let plain = k.aead.open(&nonce, header, payload).ok_or(Unopened::Auth)?;
    Ok(Opened {
        bytes: buf,
        pn,
        pn_len,
        plain,
    })
}

/// A variable-length integer (RFC 9000 §16) at `*at`.
pub fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let first = *b.get(*at)?;
    let len = 1usize << (first >> 6);
    let bytes = b.get(*at..*at + len)?;
    let mut v = (first & 0x3f) as u64;
    for &x in &bytes[1..] {
        v = v << 8 | x as u64;
    }
    *at += len;
    Some(v)
}

/// One side's CRYPTO stream, put back together from its frames' offsets.
#[derive(Default)]
struct Crypto {
    /// Contiguous bytes from offset 0.
    bytes: Vec<u8>,
    /// Frames that came ahead of a hole (offset, data), within [`MAX_CRYPTO`].
    ahead: Vec<(u64, Vec<u8>)>,
    first: Option<At>,
    /// The hello was read.
    done: bool,
}

impl Crypto {
    fn add(&mut self, offset: u64, data: &[u8]) {
        let end = offset + data.len() as u64;
        if end > MAX_CRYPTO as u64 || self.done {
            return;
        }
        self.ahead.push((offset, data.to_vec()));
        // Take whatever now continues the contiguous bytes.
        loop {
            let have = self.bytes.len() as u64;
            let Some(i) = self
                .ahead
                .iter()
                .position(|(o, d)| *o <= have && o + d.len() as u64 > have)
            else {
                self.ahead
                    .retain(|(o, d)| o + d.len() as u64 > self.bytes.len() as u64);
                return;
            };
            let (o, d) = self.ahead.swap_remove(i);
            self.bytes.extend_from_slice(&d[(have - o) as usize..]);
        }
    }

    /// The first handshake message, once whole: (type, body).
    fn message(&self) -> Option<(u8, &[u8])> {
        let b = &self.bytes;
        let len = u32::from_be_bytes([0, *b.get(1)?, *b.get(2)?, *b.get(3)?]) as usize;
        Some((b[0], b.get(4..4 + len)?))
    }
}

/// Steps over an ACK frame's fields after its type (RFC 9000 §19.3): largest, delay, range
/// count, first range, the ranges, and with `ecn` the three ECN counts.
pub(crate) fn skip_ack(frames: &[u8], i: &mut usize, ecn: bool) -> Option<()> {
    varint(frames, i)?;
    varint(frames, i)?;
    let ranges = varint(frames, i)?;
    varint(frames, i)?;
    for _ in 0..ranges.min(1 << 16) {
        varint(frames, i)?;
        varint(frames, i)?;
    }
    if ecn {
        for _ in 0..3 {
            varint(frames, i)?;
        }
    }
    Some(())
}

/// Names the kinds of an opened packet's frames in `pdu.len` ([`quic_frames`]'s
/// coding), in the order they first come; stops at a frame it cannot step over.
fn name_frames(frames: &[u8], pdu: &mut Pdu) {
    let mut kinds = 0u32;
    let mut count = 0;
    let mut i = 0;
    let mut add = |k: u32| {
        let seen = (0..count).any(|j| (kinds >> (4 * j)) & 0xf == k);
        if !seen && count < 8 {
            kinds |= k << (4 * count);
            count += 1;
        }
    };
    while i < frames.len() {
        let Some(t) = varint(frames, &mut i) else {
            break;
        };
        let step = match t {
            0x00 => {
                add(1);
                Some(())
            }
            0x01 => {
                add(2);
                Some(())
            }
            0x02 | 0x03 => {
                add(3);
                skip_ack(frames, &mut i, t == 0x03)
            }
            0x06 => {
                add(4);
                (|| {
                    varint(frames, &mut i)?;
                    let len = varint(frames, &mut i)? as usize;
                    i = i.checked_add(len).filter(|&e| e <= frames.len())?;
                    Some(())
                })()
            }
            0x1c | 0x1d => {
                add(5);
                None
            }
            _ => None,
        };
        if step.is_none() {
            break;
        }
    }
    pdu.len = kinds;
}

/// The QUIC parser of one UDP conversation.
pub struct Parser {
    version: u32,
    /// The client's Destination Connection ID the Initial keys come from.
    dcid: Vec<u8>,
    keys: Option<(Keys, Keys)>,
    crypto: [Crypto; 2],
    /// The last packet of each side that carried hello bytes.
    last: [Option<At>; 2],
    bytes: [u64; 2],
    tls: Tls,
    reported: bool,
    /// Initial packets that did not open.
    pub undecryptable: u64,
    /// Each side's Source Connection ID (client, server), at most 20 bytes (RFC 9000
    /// §17.2): the other side's short headers carry it as their Destination Connection ID.
    scid: [Vec<u8>; 2],
    /// Packets read since the dispatcher last took them.
    pdus: Vec<Pdu>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser of a new connection.
    pub fn new() -> Self {
        Parser {
            version: 0,
            dcid: Vec::new(),
            keys: None,
            crypto: [Crypto::default(), Crypto::default()],
            last: [None; 2],
            bytes: [0; 2],
            tls: Tls::default(),
            reported: false,
            undecryptable: 0,
            scid: [Vec::new(), Vec::new()],
            pdus: Vec::new(),
        }
    }

    /// Bytes held: the CRYPTO streams (at most 2 × 2 × [`MAX_CRYPTO`]).
    pub fn buffered(&self) -> usize {
        self.crypto
            .iter()
            .map(|c| c.bytes.len() + c.ahead.iter().map(|a| a.1.len()).sum::<usize>())
            .sum()
    }

    /// The keys that open an Initial packet of this side whose Destination Connection
    /// ID is `dcid`: the client's first Initial (or its first after a Retry) names them.
    pub(crate) fn keys_for(
        &mut self,
        from_client: bool,
        version: u32,
        dcid: &[u8],
    ) -> Option<&Keys> {
        if from_client && (self.keys.is_none() || self.dcid != dcid) && !self.crypto[0].done {
            self.keys = initial_keys(version, dcid);
            self.dcid = dcid.to_vec();
            self.version = version;
        }
        let keys = self.keys.as_ref()?;
        Some(if from_client { &keys.0 } else { &keys.1 })
    }

    /// One long-header packet at the start of `b`; returns its length (to go on to the
    /// next coalesced packet), or None when `b` holds no more packets we read.
    fn packet(&mut self, from_client: bool, b: &[u8], at: At, pdu: &mut Pdu) -> Option<usize> {
        // A short header: 1-RTT, no more Initial packets in this datagram.
        let h = long_header(b)?;
        let scid = &b[h.scid.clone()];
        let mine = &mut self.scid[usize::from(!from_client)];
        if scid.len() <= 20 && mine.as_slice() != scid {
            *mine = scid.to_vec();
        }
        pdu.code = h.kind;
        if h.kind == 3 {
            // Retry: the client's next Initial names a new DCID.
            return None;
        }
        if h.kind == 0 {
            h.token.as_ref()?;
        }
        let pn_offset = h.pn_offset()?;
        let end = h.end()?;
        let packet = b.get(..end)?;
        if h.kind != 0 {
            return Some(end);
        }
        let Some(k) = self.keys_for(from_client, h.version, &b[h.dcid.clone()]) else {
            return Some(end);
        };
        let o = match open(k, packet, pn_offset) {
            Ok(o) => o,
            Err(Unopened::Short) => return None,
            Err(Unopened::Auth) => {
                self.undecryptable += 1;
                return Some(end);
            }
        };
        let s = usize::from(!from_client);
        pdu.flags |= QUIC_OPENED;
        pdu.stream = o.pn as u32;
        let frames = &o.bytes[pn_offset + o.pn_len..][..o.plain];
        if self.reported {
            // Past the hellos: the packet's frames are named, not read again.
            name_frames(frames, pdu);
            return Some(end);
        }
        self.bytes[s] += end as u64;
        name_frames(frames, pdu);
        let mut i = 0;
        while i < frames.len() {
            let t = varint(frames, &mut i)?;
            match t {
                0x00 | 0x01 => {}
                0x02 | 0x03 => skip_ack(frames, &mut i, t == 0x03)?,
                0x06 => {
                    let offset = varint(frames, &mut i)?;
                    let len = varint(frames, &mut i)? as usize;
                    let data = frames.get(i..i.checked_add(len)?)?;
                    i += len;
                    let c = &mut self.crypto[s];
                    c.first.get_or_insert(at);
                    c.add(offset, data);
                    self.last[s] = Some(at);
                }
                // CONNECTION_CLOSE and anything else end what we read of the packet.
                _ => break,
            }
        }
        Some(end)
    }

    /// Reads the hellos once their CRYPTO bytes are whole.
    fn hellos(&mut self, out: &mut Vec<Transaction>) {
        for s in 0..2 {
            let c = &self.crypto[s];
            if c.done {
                continue;
            }
            let Some((kind, body)) = c.message() else {
                continue;
            };
            match (s, kind) {
                (0, 1) => {
                    let _ = client_hello(body, &mut self.tls);
                }
                (1, 2) => {
                    let _ = server_hello(body, &mut self.tls);
                }
                _ => {}
            }
            let c = &mut self.crypto[s];
            c.done = true;
            c.bytes = Vec::new();
            c.ahead = Vec::new();
        }
        if self.crypto[0].done && self.crypto[1].done {
            self.report(out);
        }
    }

    fn span(&self, s: usize) -> Option<Span> {
        if !self.crypto[s].done {
            return None;
        }
        Some(Span {
            first: self.crypto[s].first?,
            last: self.last[s]?,
            bytes: self.bytes[s],
        })
    }

    fn report(&mut self, out: &mut Vec<Transaction>) {
        if self.reported || !(self.crypto[0].done || self.crypto[1].done) {
            return;
        }
        self.reported = true;
        report(
            out,
            self.span(0),
            self.span(1),
            Detail::Tls(Box::new(std::mem::take(&mut self.tls))),
        );
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.datagram(from_client, bytes, at, out);
    }

    fn datagram(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        // Coalesced packets (RFC 9000 §12.2), each kept as a PDU.
        let mut b = bytes;
        while let Some(&first) = b.first() {
            let mut pdu = Pdu::new(PduKind::Quic, at.packet, from_client);
            if first & 0xc0 == 0 {
                // Neither header form nor the Fixed Bit (RFC 9000 §17.3.1): the zeros a
                // sender pads the datagram with after its last packet.
                break;
            }
            if first & 0x80 == 0 {
                // A short header runs to the datagram's end. Its Destination Connection ID
                // is known when it is the other side's Source Connection ID (one issued
                // later, in encrypted frames, is not: tshark names it only then too).
                pdu.code = 4;
                let other = &self.scid[usize::from(from_client)];
                if !other.is_empty() && b.get(1..1 + other.len()) == Some(other.as_slice()) {
                    pdu.stream = other.len() as u32;
                }
                self.pdus.push(pdu);
                break;
            }
            let Some(n) = self.packet(from_client, b, at, &mut pdu) else {
                break;
            };
            self.pdus.push(pdu);
            if n == 0 || n > b.len() {
                break;
            }
            b = &b[n..];
        }
        if !self.reported {
            self.hellos(out);
        }
    }

    fn take_pdus(&mut self, out: &mut Vec<Pdu>) {
        out.append(&mut self.pdus);
    }

    fn gap(&mut self, _: bool, _: u64, _: At, _: &mut Vec<Transaction>) {}

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
        self.report(out);
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn varints_of_rfc9000_a1() {
        for (bytes, v) in [
            ("c2197c5eff14e88c", 151_288_809_941_952_652u64),
            ("9d7f3e7d", 494_878_333),
            ("7bbd", 15_293),
            ("25", 37),
        ] {
            let mut at = 0;
            assert_eq!(varint(&h(bytes), &mut at), Some(v));
        }
    }

    #[test]
    fn crypto_frames_out_of_order() {
        let mut c = Crypto::default();
        c.add(4, b"efgh");
        assert!(c.bytes.is_empty());
        c.add(0, b"abcdef");
        c.add(6, b"ghij");
        assert_eq!(c.bytes, b"abcdefghij");
        assert!(c.ahead.is_empty());
    }
}
