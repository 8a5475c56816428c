//! Capture formats: classic pcap (both byte orders, µs/ns, modified) and pcapng, read
//! push-style from chunks of any size.
//!
//! [`RecordReader::feed`] takes bytes as they arrive; a record may straddle two chunks.
//! Complete records are handed to a callback with their absolute file offset, so the
//! packet bytes need not be kept: they can be re-read from the file later.

use pcap_parser::nom;
use pcap_parser::pcapng::{
    parse_block_be, parse_block_le, parse_sectionheaderblock, Block, InterfaceDescriptionBlock,
};
use pcap_parser::{PcapError, PcapHeader};
use serde::Serialize;
use std::fmt;

/// The largest record we accept. Real captures stay far below this (Wireshark's own
/// maximum snapshot length is 256 KiB); anything larger is corruption, and refusing it
/// keeps a damaged length field from making us buffer gigabytes.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// A capture file format, as detected from its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Format {
    /// Classic libpcap format.
    Pcap {
        /// Big-endian file.
        big_endian: bool,
        /// Nanosecond timestamps (magic `a1b23c4d`).
        nanos: bool,
        /// Kuznetzov's modified pcap (24-byte record headers).
        modified: bool,
    },
    /// pcapng; the byte order is per section.
    PcapNg,
}

/// One interface (pcap file header or pcapng IDB).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// Link-layer type (LINKTYPE_*).
    pub linktype: u16,
    /// Snapshot length declared for the interface.
    pub snaplen: u32,
    /// `if_name`, when the capture carries one.
    pub name: Option<String>,
}

/// One packet record, borrowed from the reader's buffer.
#[derive(Debug)]
pub struct Record<'a> {
    /// Timestamp, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Absolute offset of the packet bytes in the file.
    pub offset: u64,
    /// Bytes captured (`data.len()`).
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub len: u32,
    /// Index of the interface within this file (see [`Event::Interface`]).
    pub iface: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// What the reader reports, in file order.
#[derive(Debug)]
pub enum Event<'a> {
    /// The format was recognised.
    Format(Format),
    /// A new interface; its index is the number of interfaces announced before it.
    Interface(Interface),
    /// A packet.
    Packet(Record<'a>),
}

/// Why a file could not be read (further).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum SourceErrorKind {
    /// The file holds no bytes at all.
    Empty,
    /// The first bytes are not a pcap or pcapng magic.
    NotACapture {
        /// The first bytes, for the message.
        magic: [u8; 4],
    },
    /// The file ends inside a record or block.
    Truncated {
        /// Bytes the record needs.
        needed: u64,
        /// Bytes present.
        present: u64,
    },
    /// A record claims more bytes than any real packet has.
    RecordTooLarge {
        /// The claimed length.
        claimed: u64,
    },
    /// A pcapng block is malformed.
    BadBlock {
        /// What was wrong.
        detail: String,
    },
    /// A packet names an interface that was never described.
    UnknownInterface {
        /// The interface id.
        id: u32,
    },
}

impl fmt::Display for SourceErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the file is empty"),
            Self::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng file (starts with {:02x} {:02x} {:02x} {:02x})",
                magic[0], magic[1], magic[2], magic[3]
            ),
            Self::Truncated { needed, present } => write!(
                f,
                "the file is cut short: the last record needs {needed} bytes, {present} present"
            ),
            Self::RecordTooLarge { claimed } => {
                write!(f, "a record claims {claimed} bytes, more than any real packet")
            }
            Self::BadBlock { detail } => write!(f, "malformed pcapng block: {detail}"),
            Self::UnknownInterface { id } => {
                write!(f, "packet refers to interface {id}, which was never described")
            }
        }
    }
}

/// A reading error with where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceError {
    /// Byte offset in the file where the bad record or block starts.
    pub offset: u64,
    /// What was wrong.
    pub kind: SourceErrorKind,
}

enum State {
    /// Waiting for the first 4 bytes.
    Start,
    Pcap { header: PcapHeader },
    PcapNg(NgState),
    /// An error stopped reading; everything after it is ignored.
    Failed,
}

struct NgInterface {
    /// Units per second.
    resolution: u64,
    /// Seconds added to every timestamp.
    offset_s: i64,
}

#[derive(Default)]
struct NgState {
    big_endian: bool,
    /// Interfaces of the current section.
    section_ifaces: Vec<NgInterface>,
    /// Index (within the file) of the current section's first interface.
    section_base: u32,
    /// Interfaces announced so far in the whole file.
    total_ifaces: u32,
}

/// Push-based reader of one capture file.
pub struct RecordReader {
    state: State,
    /// Bytes received but not yet consumed (an incomplete record).
    pending: Vec<u8>,
    /// File offset of `pending[0]`.
    pending_offset: u64,
    /// Total bytes fed.
    fed: u64,
    error: Option<SourceError>,
}

impl Default for RecordReader {
    fn default() -> Self {
        Self::new()
    }
}

/// Outcome of trying to parse one unit at the front of the buffer.
enum Step {
    /// Consumed this many bytes.
    Consumed(usize),
    /// Needs this many bytes in total (if known) before it can parse.
    NeedMore(Option<usize>),
    Fail(SourceErrorKind),
}

impl RecordReader {
    /// A reader at the start of a file.
    pub fn new() -> Self {
        Self {
            state: State::Start,
            pending: Vec::new(),
            pending_offset: 0,
            fed: 0,
            error: None,
        }
    }

    /// Total bytes fed so far.
    pub fn bytes_fed(&self) -> u64 {
        self.fed
    }

    /// The error that stopped reading, if any.
    pub fn error(&self) -> Option<&SourceError> {
        self.error.as_ref()
    }

    /// Feeds the next chunk of the file; `on_event` sees every complete record in it.
    pub fn feed(&mut self, chunk: &[u8], on_event: &mut dyn FnMut(Event<'_>)) {
        self.fed += chunk.len() as u64;
        if matches!(self.state, State::Failed) {
            return;
        }
        if self.pending.is_empty() {
            // Fast path: parse straight from the caller's chunk, keep only the tail.
            let used = self.parse_all(chunk, self.pending_offset, on_event);
            self.pending_offset += used as u64;
            if !matches!(self.state, State::Failed) {
                self.pending.extend_from_slice(&chunk[used..]);
            }
        } else {
            let mut buf = std::mem::take(&mut self.pending);
            buf.extend_from_slice(chunk);
            let used = self.parse_all(&buf, self.pending_offset, on_event);
            self.pending_offset += used as u64;
            buf.drain(..used);
            if !matches!(self.state, State::Failed) {
                self.pending = buf;
            }
        }
    }

    /// Signals the end of the file. Returns the error that stopped reading, if any,
    /// including a record cut short at the end.
    pub fn finish(&mut self) -> Option<SourceError> {
        if self.error.is_none() {
            if self.fed == 0 {
                self.fail(0, SourceErrorKind::Empty);
            } else if !self.pending.is_empty() {
                let present = self.pending.len() as u64;
                let needed = match self.state {
                    State::Start => 4,
                    _ => self.needed_for_pending().unwrap_or(present + 1),
                };
                self.fail(
                    self.pending_offset,
                    SourceErrorKind::Truncated {
                        needed: needed.max(present + 1),
                        present,
                    },
                );
            }
        }
        self.pending = Vec::new();
        self.error.clone()
    }

    fn fail(&mut self, offset: u64, kind: SourceErrorKind) {
        self.state = State::Failed;
        self.pending = Vec::new();
        self.error = Some(SourceError { offset, kind });
    }

    /// The length the record at the front of `pending` claims, when its header is there.
    fn needed_for_pending(&self) -> Option<u64> {
        let p = &self.pending;
        match &self.state {
            State::Pcap { header } => {
                let hdr = if header.is_modified_format() { 24 } else { 16 };
                if p.len() < 12 {
                    return Some(hdr);
                }
                let caplen = read_u32(&p[8..12], header.is_bigendian());
                Some(hdr + caplen as u64)
            }
            State::PcapNg(ng) => {
                if p.len() < 8 {
                    return Some(12);
                }
                let be = if p[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
                    p[8..].len() >= 4 && p[8..12] == [0x1a, 0x2b, 0x3c, 0x4d]
                } else {
                    ng.big_endian
                };
                Some(read_u32(&p[4..8], be) as u64)
            }
            _ => None,
        }
    }

    /// Parses as many complete units as `buf` holds; returns the bytes consumed.
    fn parse_all(&mut self, buf: &[u8], base: u64, on_event: &mut dyn FnMut(Event<'_>)) -> usize {
        let mut pos = 0;
        loop {
            let rest = &buf[pos..];
            if rest.is_empty() {
                return pos;
            }
            let step = match &mut self.state {
                State::Failed => return pos,
                State::Start => start(rest, &mut self.state, on_event),
                State::Pcap { header } => pcap_record(header, rest, base + pos as u64, on_event),
                State::PcapNg(ng) => ng_block(ng, rest, base + pos as u64, on_event),
            };
            match step {
                Step::Consumed(n) => pos += n,
                Step::NeedMore(total) => {
                    if let Some(total) = total {
                        if total > MAX_RECORD {
                            self.fail(
                                base + pos as u64,
                                SourceErrorKind::RecordTooLarge { claimed: total as u64 },
                            );
                        }
                    }
                    return pos;
                }
                Step::Fail(kind) => {
                    self.fail(base + pos as u64, kind);
                    return pos;
                }
            }
        }
    }
}

fn read_u32(b: &[u8], big_endian: bool) -> u32 {
    let a = [b[0], b[1], b[2], b[3]];
    if big_endian {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

const PCAPNG_SHB: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

fn start(buf: &[u8], state: &mut State, on_event: &mut dyn FnMut(Event<'_>)) -> Step {
    if buf.len() < 4 {
        return Step::NeedMore(Some(4));
    }
    if buf[..4] == PCAPNG_SHB {
        on_event(Event::Format(Format::PcapNg));
        *state = State::PcapNg(NgState::default());
        return Step::Consumed(0);
    }
    if buf.len() < 24 {
        let magic = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
        if !matches!(
            magic,
            0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34 | 0xd4c3_b2a1 | 0x4d3c_b2a1 | 0x34cd_b2a1
        ) {
            return Step::Fail(SourceErrorKind::NotACapture { magic: [buf[0], buf[1], buf[2], buf[3]] });
        }
        return Step::NeedMore(Some(24));
    }
    match pcap_parser::parse_pcap_header(buf) {
        Ok((_, header)) => {
            on_event(Event::Format(Format::Pcap {
                big_endian: header.is_bigendian(),
                nanos: header.is_nanosecond_precision(),
                modified: header.is_modified_format(),
            }));
            // The low 16 bits hold the link type; the upper bits may carry FCS info.
            let linktype = (header.network.0 as u32 & 0xffff) as u16;
            on_event(Event::Interface(Interface { linktype, snaplen: header.snaplen, name: None }));
            *state = State::Pcap { header };
            Step::Consumed(24)
        }
        Err(_) => Step::Fail(SourceErrorKind::NotACapture { magic: [buf[0], buf[1], buf[2], buf[3]] }),
    }
}

fn pcap_record(
    header: &PcapHeader,
    buf: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    let be = header.is_bigendian();
    let hdr_len = if header.is_modified_format() { 24 } else { 16 };
    if buf.len() < 16 {
        return Step::NeedMore(None);
    }
    let ts_sec = read_u32(&buf[0..4], be);
    let ts_frac = read_u32(&buf[4..8], be);
    let caplen = read_u32(&buf[8..12], be);
    let len = read_u32(&buf[12..16], be);
    let total = hdr_len + caplen as usize;
    if buf.len() < total {
        return Step::NeedMore(Some(total));
    }
    let frac_ns = if header.is_nanosecond_precision() {
        ts_frac as i64
    } else {
        ts_frac as i64 * 1000
    };
    on_event(Event::Packet(Record {
        ts_ns: ts_sec as i64 * 1_000_000_000 + frac_ns,
        offset: offset + hdr_len as u64,
        caplen,
        len,
        iface: 0,
        data: &buf[hdr_len..total],
    }));
    Step::Consumed(total)
}

fn ng_block(ng: &mut NgState, buf: &[u8], offset: u64, on_event: &mut dyn FnMut(Event<'_>)) -> Step {
    if buf.len() < 12 {
        return Step::NeedMore(None);
    }
    let is_shb = buf[..4] == PCAPNG_SHB;
    if is_shb {
        // The byte-order magic decides the order of this section.
        ng.big_endian = buf[8..12] == [0x1a, 0x2b, 0x3c, 0x4d];
    }
    let block_len = read_u32(&buf[4..8], ng.big_endian) as usize;
    if block_len < 12 || block_len % 4 != 0 {
        return Step::Fail(SourceErrorKind::BadBlock {
            detail: format!("block length {block_len} is not a multiple of 4 of at least 12"),
        });
    }
    if buf.len() < block_len {
        return Step::NeedMore(Some(block_len));
    }
    let block_bytes = &buf[..block_len];
    let trailer = read_u32(&block_bytes[block_len - 4..], ng.big_endian) as usize;
    if trailer != block_len {
        return Step::Fail(SourceErrorKind::BadBlock {
            detail: format!("leading length {block_len} and trailing length {trailer} differ"),
        });
    }
    let parsed = if is_shb {
        parse_sectionheaderblock(block_bytes).map(|(r, b)| (r, Block::SectionHeader(b)))
    } else if ng.big_endian {
        parse_block_be(block_bytes)
    } else {
        parse_block_le(block_bytes)
    };
    let block = match parsed {
        Ok((_, block)) => block,
        Err(e) => return Step::Fail(SourceErrorKind::BadBlock { detail: describe(&e) }),
    };
    match block {
        Block::SectionHeader(_) => {
            ng.section_ifaces.clear();
            ng.section_base = ng.total_ifaces;
        }
        Block::InterfaceDescription(idb) => {
            on_event(Event::Interface(interface_of(&idb)));
            ng.section_ifaces.push(NgInterface {
                resolution: ts_resolution(idb.if_tsresol),
                offset_s: idb.if_tsoffset,
            });
            ng.total_ifaces += 1;
        }
        Block::EnhancedPacket(epb) => {
            let Some(iface) = ng.section_ifaces.get(epb.if_id as usize) else {
                return Step::Fail(SourceErrorKind::UnknownInterface { id: epb.if_id });
            };
            let caplen = epb.caplen.min(epb.data.len() as u32);
            let ts = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
            on_event(Event::Packet(Record {
                ts_ns: ts_to_ns(ts, iface.resolution, iface.offset_s),
                // EPB body: type, length, if_id, ts_high, ts_low, caplen, origlen = 28 bytes.
                offset: offset + 28,
                caplen,
                len: epb.origlen,
                iface: ng.section_base + epb.if_id,
                data: &epb.data[..caplen as usize],
            }));
        }
        Block::SimplePacket(spb) => {
            // RFC draft-ietf-opsawg-pcapng §4.4: an SPB belongs to the first interface; its
            // captured length is the smaller of the original length and the snap length.
            if ng.section_ifaces.is_empty() {
                return Step::Fail(SourceErrorKind::UnknownInterface { id: 0 });
            }
            let caplen = (spb.origlen as usize).min(spb.data.len());
            on_event(Event::Packet(Record {
                ts_ns: 0,
                offset: offset + 12,
                caplen: caplen as u32,
                len: spb.origlen,
                iface: ng.section_base,
                data: &spb.data[..caplen],
            }));
        }
        _ => {}
    }
    Step::Consumed(block_len)
}

fn interface_of(idb: &InterfaceDescriptionBlock<'_>) -> Interface {
    Interface {
        linktype: (idb.linktype.0 as u32 & 0xffff) as u16,
        snaplen: idb.snaplen,
        name: idb.if_name().and_then(|r| r.ok()).map(str::to_owned),
    }
}

/// Units per second for an `if_tsresol` value: 10^n, or 2^n when the top bit is set
/// (pcapng §4.2). Out-of-range values fall back to the default, microseconds.
fn ts_resolution(tsresol: u8) -> u64 {
    let n = u32::from(tsresol & 0x7f);
    let r = if tsresol & 0x80 != 0 { 1u64.checked_shl(n) } else { 10u64.checked_pow(n) };
    r.filter(|_| n < 64).unwrap_or(1_000_000)
}

/// Converts a pcapng timestamp in `resolution` units per second to nanoseconds.
fn ts_to_ns(ts: u64, resolution: u64, offset_s: i64) -> i64 {
    let resolution = resolution.max(1) as i128;
    let ns = (ts as i128 / resolution) * 1_000_000_000
        + (ts as i128 % resolution) * 1_000_000_000 / resolution
        + offset_s as i128 * 1_000_000_000;
    ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn describe(e: &nom::Err<PcapError<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(_) => "a field runs past the end of its block".to_owned(),
        nom::Err::Error(e) | nom::Err::Failure(e) => match e {
            PcapError::NomError(_, kind) => format!("{kind:?} while parsing its fields"),
            other => format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn pcap_le(records: &[(&[u8], u32)]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        v.extend_from_slice(&2u16.to_le_bytes());
        v.extend_from_slice(&4u16.to_le_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        for (i, (data, len)) in records.iter().enumerate() {
            v.extend_from_slice(&(1000 + i as u32).to_le_bytes());
            v.extend_from_slice(&(500u32).to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&len.to_le_bytes());
            v.extend_from_slice(data);
        }
        v
    }

    fn read_all(file: &[u8], chunk: usize) -> (Vec<(i64, u64, Vec<u8>)>, Option<SourceError>) {
        let mut r = RecordReader::new();
        let mut out = Vec::new();
        for c in file.chunks(chunk.max(1)) {
            r.feed(c, &mut |e| {
                if let Event::Packet(p) = e {
                    out.push((p.ts_ns, p.offset, p.data.to_vec()));
                }
            });
        }
        let err = r.finish();
        (out, err)
    }

    #[test]
    fn any_chunking_gives_the_same_records() {
        let file = pcap_le(&[(b"abcdef", 60), (b"", 0), (b"0123456789", 10)]);
        let (whole, err) = read_all(&file, file.len());
        assert_eq!(err, None);
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[0], (1000 * 1_000_000_000 + 500_000, 40, b"abcdef".to_vec()));
        for chunk in 1..file.len() {
            assert_eq!(read_all(&file, chunk), (whole.clone(), None), "chunk size {chunk}");
        }
    }

    #[test]
    fn every_prefix_keeps_complete_records_and_reports_truncation() {
        let file = pcap_le(&[(b"abcdef", 60), (b"0123456789", 10)]);
        for cut in 0..file.len() {
            let (recs, err) = read_all(&file[..cut], 7);
            let complete = [24 + 16 + 6, file.len()].iter().filter(|&&end| end <= cut).count();
            assert_eq!(recs.len(), complete, "cut {cut}");
            if cut == 24 || cut == 24 + 16 + 6 {
                assert_eq!(err, None, "a cut at a record boundary is a whole file");
                continue;
            }
            let err = err.expect("a cut file is an error");
            match err.kind {
                SourceErrorKind::Empty => assert_eq!(cut, 0),
                SourceErrorKind::Truncated { needed, present } => assert!(needed > present),
                other => panic!("cut {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn html_is_not_a_capture() {
        let (recs, err) = read_all(b"<!DOCTYPE html><html></html>", 5);
        assert!(recs.is_empty());
        assert!(matches!(err.unwrap().kind, SourceErrorKind::NotACapture { .. }));
    }

    #[test]
    fn a_huge_claimed_length_is_refused_without_buffering() {
        let mut file = pcap_le(&[(b"abcd", 4)]);
        file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
        file.extend_from_slice(&[0; 100]);
        let (recs, err) = read_all(&file, 50);
        assert_eq!(recs.len(), 1);
        let err = err.unwrap();
        assert_eq!(err.offset, 24 + 16 + 4);
        assert!(matches!(err.kind, SourceErrorKind::RecordTooLarge { .. }));
    }

    #[test]
    fn pcapng_timestamps_honour_resolution_and_offset() {
        assert_eq!(ts_to_ns(1_500_000, 1_000_000, 0), 1_500_000_000);
        assert_eq!(ts_to_ns(3, 2, 10), 11_500_000_000);
        assert_eq!(ts_to_ns(u64::MAX, 1, 0), i64::MAX);
        assert_eq!(ts_resolution(6), 1_000_000);
        assert_eq!(ts_resolution(9), 1_000_000_000);
        assert_eq!(ts_resolution(0x80 | 10), 1024);
        assert_eq!(ts_resolution(0x80 | 70), 1_000_000);
    }
}
