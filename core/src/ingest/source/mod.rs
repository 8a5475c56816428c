//! Capture formats: classic pcap (both byte orders, µs/ns, Kuznetzov's modified format)
//! and pcapng (every standard block, several sections and interfaces), read push-style
//! from chunks of any size.
//!
//! [`RecordReader::feed`] takes bytes as they arrive; a record may straddle two chunks.
//! Everything the file says is handed to a callback as an [`Event`], packets with their
//! absolute file offset, so packet bytes need not be kept: they can be re-read later.
//! What libpcap refuses to open we refuse too, with the same reason.

mod options;
mod pcap;
mod pcapng;

use crate::capture::file::{Format, IfStats, Interface, PacketOptions, Process, Section};
use pcap::PcapHeader;
use pcapng::NgState;
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// The largest record we accept. Real captures stay far below this (Wireshark's own
/// maximum snapshot length is 256 KiB); anything larger is corruption, and refusing it
/// keeps a damaged length field from making us buffer gigabytes.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// Kinds of pcapng block, for counting and for conformance checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum BlockKind {
    /// Section Header Block.
    Shb,
    /// Interface Description Block.
    Idb,
    /// Enhanced Packet Block.
    Epb,
    /// Simple Packet Block.
    Spb,
    /// Obsolete Packet Block.
    Pb,
    /// Name Resolution Block.
    Nrb,
    /// Interface Statistics Block.
    Isb,
    /// Decryption Secrets Block.
    Dsb,
    /// Custom Block (copyable).
    Cb,
    /// Custom Block (do not copy).
    Dcb,
    /// Any other block type, skipped.
    Other(u32),
}

impl BlockKind {
    fn of(block_type: u32) -> Self {
        match block_type {
            0x0a0d_0d0a => Self::Shb,
            0x0000_0001 => Self::Idb,
            0x0000_0006 => Self::Epb,
            0x0000_0003 => Self::Spb,
            0x0000_0002 => Self::Pb,
            0x0000_0004 => Self::Nrb,
            0x0000_0005 => Self::Isb,
            0x0000_000a => Self::Dsb,
            0x0000_0bad => Self::Cb,
            0x4000_0bad => Self::Dcb,
            t => Self::Other(t),
        }
    }

    /// The abbreviation the pcapng specification uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::Shb => "SHB",
            Self::Idb => "IDB",
            Self::Epb => "EPB",
            Self::Spb => "SPB",
            Self::Pb => "PB",
            Self::Nrb => "NRB",
            Self::Isb => "ISB",
            Self::Dsb => "DSB",
            Self::Cb => "CB",
            Self::Dcb => "DCB",
            Self::Other(_) => "unknown",
        }
    }
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
    /// Packet comments (pcapng `opt_comment`).
    pub comments: Vec<String>,
    /// The block's flags and drop count (pcapng `epb_flags`, `epb_dropcount`), and
    /// whether it has a timestamp.
    pub options: PacketOptions,
    /// The process of the packet (Apple's `epb_pib_index`): an index into the processes
    /// this file announced with [`Event::Process`], counted over all its sections.
    pub process: Option<u32>,
}

/// What the reader reports, in file order.
#[derive(Debug)]
pub enum Event<'a> {
    /// The format was recognised.
    Format(Format),
    /// A pcapng block was read (before the event it produces, if any).
    Block {
        /// Which block.
        kind: BlockKind,
        /// Its offset in the file.
        offset: u64,
    },
    /// A new pcapng section began.
    Section(Section),
    /// A new interface; its index is the number of interfaces announced before it.
    Interface(Interface),
    /// A packet.
    Packet(Record<'a>),
    /// Interface statistics.
    Stats(IfStats),
    /// A process (Apple Process Information Block); its index is the number of processes
    /// announced before it in the file.
    Process(Process),
    /// Address-to-name records (pcapng NRB).
    Names(Vec<(IpAddr, String)>),
    /// Decryption secrets (pcapng DSB), kept for later use.
    Secrets {
        /// `secrets_type` (e.g. 0x544c534b for a TLS key log).
        kind: u32,
        /// The secrets.
        data: Vec<u8>,
    },
    /// Something odd that does not stop reading (e.g. caplen larger than the snaplen).
    Anomaly {
        /// Offset of the record or block.
        offset: u64,
        /// What is odd.
        message: String,
    },
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
    /// The file header or a block is invalid.
    Invalid {
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for SourceErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the file is empty"),
            Self::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng file (it starts with {:02x} {:02x} {:02x} {:02x})",
                magic[0], magic[1], magic[2], magic[3]
            ),
            Self::Truncated { needed, present } => write!(
                f,
                "the file is cut short: the last record needs {needed} bytes, {present} present"
            ),
            Self::RecordTooLarge { claimed } => {
                write!(
                    f,
                    "a record claims {claimed} bytes, more than any real packet"
                )
            }
            Self::Invalid { detail } => f.write_str(detail),
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

fn invalid(detail: impl Into<String>) -> SourceErrorKind {
    SourceErrorKind::Invalid {
        detail: detail.into(),
    }
}

enum State {
    /// Waiting for the first bytes.
    Start,
    Pcap(PcapHeader),
    PcapNg(NgState),
    /// An error stopped reading; everything after it is ignored.
    Failed,
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

    /// Feeds the next chunk of the file; `on_event` sees everything complete in it.
    pub fn feed(&mut self, chunk: &[u8], on_event: &mut dyn FnMut(Event<'_>)) {
        self.fed += chunk.len() as u64;
        if matches!(self.state, State::Failed) {
            return;
        }
        if self.pending.is_empty() {
            // Fast path: parse straight from the caller's chunk.
            self.feed_in_place(chunk, on_event);
        } else {
            // A unit straddles the chunks: complete it with the bytes it still needs from
            // the front of this chunk (not a copy of the whole chunk), then parse the rest
            // of the chunk in place.
            let mut rest = chunk;
            while !self.pending.is_empty() && !rest.is_empty() {
                let take = match self.needed_for_pending() {
                    Some(n) if n > self.pending.len() as u64 => {
                        (n - self.pending.len() as u64).min(rest.len() as u64) as usize
                    }
                    _ => rest.len(),
                };
                let mut buf = std::mem::take(&mut self.pending);
                buf.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                let used = self.parse_all(&buf, self.pending_offset, on_event);
                self.pending_offset += used as u64;
                if matches!(self.state, State::Failed) {
                    return;
                }
                buf.drain(..used);
                self.pending = buf;
            }
            if self.pending.is_empty() {
                self.feed_in_place(rest, on_event);
            }
        }
    }

    /// Parses straight from `chunk` (nothing is pending), keeping only its tail.
    fn feed_in_place(&mut self, chunk: &[u8], on_event: &mut dyn FnMut(Event<'_>)) {
        let used = self.parse_all(chunk, self.pending_offset, on_event);
        self.pending_offset += used as u64;
        if !matches!(self.state, State::Failed) {
            self.pending.extend_from_slice(&chunk[used..]);
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
                let needed = self
                    .needed_for_pending()
                    .unwrap_or(present + 1)
                    .max(present + 1);
                self.fail(
                    self.pending_offset,
                    SourceErrorKind::Truncated { needed, present },
                );
            } else if let State::PcapNg(ng) = &self.state {
                if ng.total_ifaces == 0 {
                    // libpcap: "the capture file has no Interface Description Blocks".
                    self.fail(
                        0,
                        invalid("the capture file has no Interface Description Blocks"),
                    );
                }
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
            State::Start => Some(if p.starts_with(&PCAPNG_SHB) { 28 } else { 24 }),
            State::Pcap(h) => {
                let hdr = if h.modified { 24 } else { 16 };
                if p.len() < 12 {
                    return Some(hdr);
                }
                Some(hdr + read_u32(&p[8..12], h.big_endian) as u64)
            }
            State::PcapNg(ng) => {
                if p.len() < 8 {
                    return Some(12);
                }
                let be = if p.starts_with(&PCAPNG_SHB) {
                    p.len() >= 12 && p[8..12] == [0x1a, 0x2b, 0x3c, 0x4d]
                } else {
                    ng.big_endian
                };
                Some(read_u32(&p[4..8], be) as u64)
            }
            State::Failed => None,
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
            let offset = base + pos as u64;
            let step = match &mut self.state {
                State::Failed => return pos,
                State::Start => start(rest, &mut self.state, on_event),
                State::Pcap(header) => pcap::record(header, rest, offset, on_event),
                State::PcapNg(ng) => pcapng::block(ng, rest, offset, on_event),
            };
            match step {
                Step::Consumed(n) => pos += n,
                Step::NeedMore(total) => {
                    if let Some(total) = total.filter(|&t| t > MAX_RECORD) {
                        self.fail(
                            offset,
                            SourceErrorKind::RecordTooLarge {
                                claimed: total as u64,
                            },
                        );
                    }
                    return pos;
                }
                Step::Fail(kind) => {
                    self.fail(offset, kind);
                    return pos;
                }
            }
        }
    }
}

fn read_u16(b: &[u8], big_endian: bool) -> u16 {
    let a = [b[0], b[1]];
    if big_endian {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
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

fn read_u64(b: &[u8], big_endian: bool) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    if big_endian {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    }
}

const PCAPNG_SHB: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Recognises the file: pcapng by its SHB type, pcap by its magic and 24-byte header.
fn start(buf: &[u8], state: &mut State, on_event: &mut dyn FnMut(Event<'_>)) -> Step {
    if buf.len() < 4 {
        return Step::NeedMore(None);
    }
    if buf[..4] == PCAPNG_SHB {
        on_event(Event::Format(Format::PcapNg));
        *state = State::PcapNg(NgState::default());
        return Step::Consumed(0);
    }
    pcap::start(buf, state, on_event)
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

    /// (timestamp, offset, bytes) of each packet.
    type Records = Vec<(i64, u64, Vec<u8>)>;

    fn read_all(file: &[u8], chunk: usize) -> (Records, Option<SourceError>) {
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
        assert_eq!(
            whole[0],
            (1000 * 1_000_000_000 + 500_000, 40, b"abcdef".to_vec())
        );
        for chunk in 1..file.len() {
            assert_eq!(
                read_all(&file, chunk),
                (whole.clone(), None),
                "chunk size {chunk}"
            );
        }
    }

    #[test]
    fn every_prefix_keeps_complete_records_and_reports_truncation() {
        let file = pcap_le(&[(b"abcdef", 60), (b"0123456789", 10)]);
        for cut in 0..file.len() {
            let (recs, err) = read_all(&file[..cut], 7);
            let complete = [24 + 16 + 6, file.len()]
                .iter()
                .filter(|&&end| end <= cut)
                .count();
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
        assert!(matches!(
            err.unwrap().kind,
            SourceErrorKind::NotACapture { .. }
        ));
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
}
