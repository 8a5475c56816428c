//! Capture formats: classic pcap (both byte orders, µs/ns, Kuznetzov's modified format)
//! and pcapng (every standard block, several sections and interfaces), read push-style
//! from chunks of any size.
//!
//! [`RecordReader::feed`] takes bytes as they arrive; a record may straddle two chunks.
//! Everything the file says is handed to a callback as an [`Event`], packets with their
//! absolute file offset, so packet bytes need not be kept: they can be re-read later.
//! What libpcap refuses to open we refuse too, with the same reason.

use crate::capture::file::{Format, IfStats, Interface, Process, Section};
use pcap_parser::nom;
use pcap_parser::pcapng::{
    parse_block_be, parse_block_le, parse_sectionheaderblock, Block, InterfaceDescriptionBlock,
    OptionCode, PcapNGOption,
};
use pcap_parser::PcapError;
use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The largest record we accept. Real captures stay far below this (Wireshark's own
/// maximum snapshot length is 256 KiB); anything larger is corruption, and refusing it
/// keeps a damaged length field from making us buffer gigabytes.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// libpcap's sanity limit for a Section Header Block (BT_SHB_INSANE_MAX).
const MAX_SHB: usize = 1024 * 1024;

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

#[derive(Clone, Copy)]
struct PcapHeader {
    big_endian: bool,
    nanos: bool,
    modified: bool,
    snaplen: u32,
}

enum State {
    /// Waiting for the first bytes.
    Start,
    Pcap(PcapHeader),
    PcapNg(NgState),
    /// An error stopped reading; everything after it is ignored.
    Failed,
}

struct NgInterface {
    ts_per_sec: u64,
    offset_s: i64,
    snaplen: u32,
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
    /// Index (within the file) of the current section's first process (PIB).
    section_pib_base: u32,
    /// Processes announced so far in the whole file.
    total_pibs: u32,
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
                State::Pcap(header) => pcap_record(header, rest, offset, on_event),
                State::PcapNg(ng) => ng_block(ng, rest, offset, on_event),
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
    let magic = [buf[0], buf[1], buf[2], buf[3]];
    let (big_endian, nanos, modified) = match u32::from_le_bytes(magic) {
        0xa1b2_c3d4 => (false, false, false),
        0xa1b2_3c4d => (false, true, false),
        0xa1b2_cd34 => (false, false, true),
        0xd4c3_b2a1 => (true, false, false),
        0x4d3c_b2a1 => (true, true, false),
        0x34cd_b2a1 => (true, false, true),
        _ => return Step::Fail(SourceErrorKind::NotACapture { magic }),
    };
    if buf.len() < 24 {
        return Step::NeedMore(Some(24));
    }
    let (major, minor) = (
        read_u16(&buf[4..6], big_endian),
        read_u16(&buf[6..8], big_endian),
    );
    // libpcap reads 2.4, and 2.2/2.3 files (identical records). Some writers store the
    // version in the other byte order than the magic; Wireshark reads those, so do we.
    let swapped_version = (major, minor) == (0x0200, 0x0400);
    if !swapped_version && (major != 2 || minor > 4) {
        return Step::Fail(invalid(format!(
            "unsupported pcap savefile version {major}.{minor}"
        )));
    }
    let snaplen = read_u32(&buf[16..20], big_endian);
    let network = read_u32(&buf[20..24], big_endian);
    // Bits 16–25 are reserved; the top bits may carry the FCS length (pcap spec §4).
    if network & 0x03ff_0000 != 0 {
        return Step::Fail(invalid(format!(
            "savefile linktype reserved field not zero (0x{:08x})",
            network & 0x03ff_0000
        )));
    }
    on_event(Event::Format(Format::Pcap {
        big_endian,
        nanos,
        modified,
    }));
    if swapped_version {
        on_event(Event::Anomaly {
            offset: 4,
            message: "the version field (2.4) is in the wrong byte order".into(),
        });
    }
    on_event(Event::Interface(Interface {
        linktype: (network & 0xffff) as u16,
        snaplen,
        ts_per_sec: if nanos { 1_000_000_000 } else { 1_000_000 },
        ..Interface::default()
    }));
    *state = State::Pcap(PcapHeader {
        big_endian,
        nanos,
        modified,
        snaplen,
    });
    Step::Consumed(24)
}

fn pcap_record(
    h: &PcapHeader,
    buf: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    let hdr_len = if h.modified { 24 } else { 16 };
    if buf.len() < 16 {
        return Step::NeedMore(None);
    }
    let be = h.big_endian;
    let (ts_sec, ts_frac) = (read_u32(&buf[0..4], be), read_u32(&buf[4..8], be));
    let (caplen, len) = (read_u32(&buf[8..12], be), read_u32(&buf[12..16], be));
    let total = hdr_len + caplen as usize;
    if buf.len() < total {
        return Step::NeedMore(Some(total));
    }
    if h.snaplen != 0 && caplen > h.snaplen {
        on_event(Event::Anomaly {
            offset,
            message: format!(
                "captured length {caplen} is larger than the snapshot length {}",
                h.snaplen
            ),
        });
    }
    if caplen > len {
        on_event(Event::Anomaly {
            offset,
            message: format!("captured length {caplen} is larger than the original length {len}"),
        });
    }
    let frac_ns = if h.nanos {
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
        comments: Vec::new(),
        process: None,
    }));
    Step::Consumed(total)
}

fn ng_block(
    ng: &mut NgState,
    buf: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    if buf.len() < 12 {
        return Step::NeedMore(None);
    }
    let is_shb = buf[..4] == PCAPNG_SHB;
    let mut big_endian = ng.big_endian;
    if is_shb {
        big_endian = match buf[8..12] {
            [0x1a, 0x2b, 0x3c, 0x4d] => true,
            [0x4d, 0x3c, 0x2b, 0x1a] => false,
            _ => {
                return Step::Fail(invalid(
                    "Section Header Block has an invalid byte-order magic",
                ))
            }
        };
    }
    let block_type = read_u32(&buf[0..4], big_endian);
    let block_len = read_u32(&buf[4..8], big_endian) as usize;
    if is_shb && !(28..=MAX_SHB).contains(&block_len) {
        return Step::Fail(invalid(format!(
            "Section Header Block has invalid length {block_len}"
        )));
    }
    if block_len < 12 {
        return Step::Fail(invalid(format!("block has a length of {block_len} < 12")));
    }
    if block_len % 4 != 0 {
        return Step::Fail(invalid(format!(
            "block has a length of {block_len} that is not a multiple of 4"
        )));
    }
    if buf.len() < block_len {
        return Step::NeedMore(Some(block_len));
    }
    let bytes = &buf[..block_len];
    let trailer = read_u32(&bytes[block_len - 4..], big_endian) as usize;
    if trailer != block_len {
        return Step::Fail(invalid(format!(
            "block total length in header {block_len} and trailer {trailer} don't match"
        )));
    }
    let kind = BlockKind::of(block_type);
    on_event(Event::Block { kind, offset });
    if is_shb {
        let (major, minor) = (
            read_u16(&bytes[12..14], big_endian),
            read_u16(&bytes[14..16], big_endian),
        );
        if major != 1 || minor != 0 {
            return Step::Fail(invalid(format!(
                "unsupported pcapng savefile version {major}.{minor}"
            )));
        }
        ng.big_endian = big_endian;
    }
    if kind == BlockKind::Pb {
        return packet_block(ng, bytes, offset, on_event);
    }
    let parsed = if is_shb {
        parse_sectionheaderblock(bytes).map(|(r, b)| (r, Block::SectionHeader(b)))
    } else if big_endian {
        parse_block_be(bytes)
    } else {
        parse_block_le(bytes)
    };
    let block = match parsed {
        Ok((_, block)) => block,
        Err(e) => {
            return Step::Fail(invalid(format!(
                "malformed {} block: {}",
                kind.name(),
                describe(&e)
            )))
        }
    };
    match block {
        Block::SectionHeader(shb) => {
            ng.section_ifaces.clear();
            ng.section_base = ng.total_ifaces;
            ng.section_pib_base = ng.total_pibs;
            on_event(Event::Section(Section {
                big_endian,
                hardware: option_str(&shb.options, OptionCode::ShbHardware),
                os: option_str(&shb.options, OptionCode::ShbOs),
                application: option_str(&shb.options, OptionCode::ShbUserAppl),
                comments: comments(&shb.options),
            }));
        }
        Block::InterfaceDescription(idb) => {
            let (ts_per_sec, offset_s) = match idb_time_options(&idb, big_endian) {
                Ok(t) => t,
                Err(detail) => return Step::Fail(invalid(detail)),
            };
            let mut iface = interface_of(&idb);
            iface.ts_per_sec = ts_per_sec;
            ng.section_ifaces.push(NgInterface {
                ts_per_sec,
                offset_s,
                snaplen: idb.snaplen,
            });
            ng.total_ifaces += 1;
            on_event(Event::Interface(iface));
        }
        Block::EnhancedPacket(epb) => {
            let Some(iface) = ng.section_ifaces.get(epb.if_id as usize) else {
                return Step::Fail(no_interface(epb.if_id, ng));
            };
            if epb.caplen as usize > epb.data.len() {
                return Step::Fail(invalid(format!(
                    "Enhanced Packet Block claims {} captured bytes but holds {}",
                    epb.caplen,
                    epb.data.len()
                )));
            }
            check_lengths(iface, epb.caplen, epb.origlen, offset, on_event);
            let ts = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
            on_event(Event::Packet(Record {
                ts_ns: ts_to_ns(ts, iface.ts_per_sec, iface.offset_s),
                // EPB body: type, length, if_id, ts_high, ts_low, caplen, origlen = 28 bytes.
                offset: offset + 28,
                caplen: epb.caplen,
                len: epb.origlen,
                iface: ng.section_base + epb.if_id,
                data: &epb.data[..epb.caplen as usize],
                comments: comments(&epb.options),
                process: pib_index(&epb.options, big_endian)
                    .filter(|&i| i < ng.total_pibs - ng.section_pib_base)
                    .map(|i| ng.section_pib_base + i),
            }));
        }
        Block::SimplePacket(spb) => {
            // pcapng §4.3: an SPB belongs to the first interface; its captured length is
            // the smaller of the original length and the interface's snap length.
            let Some(iface) = ng.section_ifaces.first() else {
                return Step::Fail(no_interface(0, ng));
            };
            let mut caplen = (spb.origlen as usize).min(spb.data.len());
            if iface.snaplen != 0 {
                caplen = caplen.min(iface.snaplen as usize);
            }
            on_event(Event::Packet(Record {
                ts_ns: 0,
                offset: offset + 12,
                caplen: caplen as u32,
                len: spb.origlen,
                iface: ng.section_base,
                data: &spb.data[..caplen],
                comments: Vec::new(),
                process: None,
            }));
        }
        Block::NameResolution(nrb) => {
            let mut names = Vec::new();
            for rec in &nrb.nr {
                names.extend(name_record(rec.record_type.0, rec.record_value));
            }
            on_event(Event::Names(names));
        }
        Block::InterfaceStatistics(isb) => {
            let Some(iface) = ng.section_ifaces.get(isb.if_id as usize) else {
                return Step::Fail(no_interface(isb.if_id, ng));
            };
            let ts = ((isb.ts_high as u64) << 32) | isb.ts_low as u64;
            let counter = |code: OptionCode| {
                isb.options
                    .iter()
                    .find(|o| o.code == code && value(o).len() == 8)
                    .map(|o| read_u64(value(o), big_endian))
            };
            on_event(Event::Stats(IfStats {
                iface: ng.section_base + isb.if_id,
                ts_ns: ts_to_ns(ts, iface.ts_per_sec, iface.offset_s),
                received: counter(OptionCode::IsbIfRecv),
                dropped: counter(OptionCode::IsbIfDrop),
                filter_accepted: counter(OptionCode::IsbFilterAccept),
                os_dropped: counter(OptionCode::IsbOsDrop),
                delivered: counter(OptionCode::IsbUsrDeliv),
            }));
        }
        Block::DecryptionSecrets(dsb) => {
            on_event(Event::Secrets {
                kind: dsb.secrets_type.0,
                data: dsb.data.to_vec(),
            });
        }
        Block::ProcessInformation(pib) => {
            ng.total_pibs += 1;
            on_event(Event::Process(Process {
                pid: pib.process_id,
                name: option_str(&pib.options, OptionCode(2)),
            }));
        }
        // Custom blocks, systemd journal entries and unknown blocks
        // are skipped: their length is known, so the next block is found regardless.
        _ => {}
    }
    Step::Consumed(block_len)
}

fn no_interface(id: u32, ng: &NgState) -> SourceErrorKind {
    if ng.total_ifaces == 0 {
        invalid("the capture file has a packet block before any Interface Description Blocks")
    } else {
        invalid(format!(
            "a block refers to interface {id}, which this section never described"
        ))
    }
}

fn check_lengths(
    iface: &NgInterface,
    caplen: u32,
    origlen: u32,
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) {
    if iface.snaplen != 0 && caplen > iface.snaplen {
        on_event(Event::Anomaly {
            offset,
            message: format!(
                "captured length {caplen} is larger than the snapshot length {}",
                iface.snaplen
            ),
        });
    }
    if caplen > origlen {
        on_event(Event::Anomaly {
            offset,
            message: format!(
                "captured length {caplen} is larger than the original length {origlen}"
            ),
        });
    }
}

/// The obsolete Packet Block (pcapng appendix): like an EPB with a 16-bit interface id
/// and a drop counter; pcap-parser does not decode it.
fn packet_block(
    ng: &NgState,
    bytes: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    let be = ng.big_endian;
    if bytes.len() < 32 {
        return Step::Fail(invalid(format!(
            "Packet Block is {} bytes, shorter than its 32-byte minimum",
            bytes.len()
        )));
    }
    let if_id = read_u16(&bytes[8..10], be) as u32;
    let Some(iface) = ng.section_ifaces.get(if_id as usize) else {
        return Step::Fail(no_interface(if_id, ng));
    };
    let ts = ((read_u32(&bytes[12..16], be) as u64) << 32) | read_u32(&bytes[16..20], be) as u64;
    let caplen = read_u32(&bytes[20..24], be);
    let origlen = read_u32(&bytes[24..28], be);
    let data_end = 28usize.saturating_add(caplen as usize);
    if data_end > bytes.len() - 4 {
        return Step::Fail(invalid(format!(
            "Packet Block claims {caplen} captured bytes but holds {}",
            bytes.len() - 32
        )));
    }
    check_lengths(iface, caplen, origlen, offset, on_event);
    let options =
        &bytes[(28 + (caplen as usize).div_ceil(4) * 4).min(bytes.len() - 4)..bytes.len() - 4];
    on_event(Event::Packet(Record {
        ts_ns: ts_to_ns(ts, iface.ts_per_sec, iface.offset_s),
        offset: offset + 28,
        caplen,
        len: origlen,
        iface: ng.section_base + if_id,
        data: &bytes[28..data_end],
        comments: raw_comments(options, be),
        process: None,
    }));
    Step::Consumed(bytes.len())
}

/// Walks raw pcapng options and returns the comments (used where pcap-parser does not
/// parse the options for us).
fn raw_comments(mut options: &[u8], be: bool) -> Vec<String> {
    let mut out = Vec::new();
    while options.len() >= 4 {
        let (code, len) = (
            read_u16(&options[0..2], be),
            read_u16(&options[2..4], be) as usize,
        );
        if code == 0 || options.len() < 4 + len {
            break;
        }
        if code == 1 {
            out.push(String::from_utf8_lossy(&options[4..4 + len]).into_owned());
        }
        options = &options[(4 + len.div_ceil(4) * 4).min(options.len())..];
    }
    out
}

/// `if_tsresol` and `if_tsoffset`, validated as libpcap validates them.
fn idb_time_options(idb: &InterfaceDescriptionBlock<'_>, be: bool) -> Result<(u64, i64), String> {
    let (mut tsresol, mut tsoffset) = (None, None);
    for o in &idb.options {
        match o.code {
            OptionCode::EndOfOpt if o.len != 0 => {
                return Err(format!(
                    "Interface Description Block has opt_endofopt option with length {} != 0",
                    o.len
                ));
            }
            OptionCode::IfTsresol => {
                let v = value(o);
                if v.len() != 1 {
                    return Err(format!(
                        "Interface Description Block has if_tsresol option with length {} != 1",
                        o.len
                    ));
                }
                if tsresol.replace(v[0]).is_some() {
                    return Err(
                        "Interface Description Block has more than one if_tsresol option".into(),
                    );
                }
            }
            OptionCode::IfTsoffset => {
                let v = value(o);
                if v.len() != 8 {
                    return Err(format!(
                        "Interface Description Block has if_tsoffset option with length {} != 8",
                        o.len
                    ));
                }
                if tsoffset.replace(read_u64(v, be) as i64).is_some() {
                    return Err(
                        "Interface Description Block has more than one if_tsoffset option".into(),
                    );
                }
            }
            _ => {}
        }
    }
    let ts_per_sec = match tsresol {
        None => 1_000_000,
        Some(r) => ts_resolution(r).ok_or_else(|| {
            let (base, exp) = if r & 0x80 != 0 { (2, r & 0x7f) } else { (10, r) };
            format!("Interface Description Block if_tsresol option resolution {base}^-{exp} is too high")
        })?,
    };
    Ok((ts_per_sec, tsoffset.unwrap_or(0)))
}

/// Units per second for an `if_tsresol` value: 10^n, or 2^n when the top bit is set
/// (pcapng §4.2). None when it does not fit in 64 bits.
fn ts_resolution(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(n)
    } else {
        10u64.checked_pow(n)
    }
}

/// Converts a pcapng timestamp in `per_sec` units to nanoseconds since the epoch.
fn ts_to_ns(ts: u64, per_sec: u64, offset_s: i64) -> i64 {
    let per_sec = per_sec.max(1) as i128;
    let ns = (ts as i128 / per_sec) * 1_000_000_000
        + (ts as i128 % per_sec) * 1_000_000_000 / per_sec
        + offset_s as i128 * 1_000_000_000;
    ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// An option's value without its padding.
fn value<'a>(o: &'a PcapNGOption<'_>) -> &'a [u8] {
    &o.value[..(o.len as usize).min(o.value.len())]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_owned()
}

fn option_str(options: &[PcapNGOption<'_>], code: OptionCode) -> Option<String> {
    options
        .iter()
        .find(|o| o.code == code)
        .map(|o| text(value(o)))
}

fn comments(options: &[PcapNGOption<'_>]) -> Vec<String> {
    options
        .iter()
        .filter(|o| o.code == OptionCode::Comment)
        .map(|o| text(value(o)))
        .collect()
}

fn interface_of(idb: &InterfaceDescriptionBlock<'_>) -> Interface {
    // if_filter: the first byte says the filter's kind; 0 is a libpcap filter string.
    let filter = idb
        .options
        .iter()
        .find(|o| o.code == OptionCode::IfFilter && value(o).first() == Some(&0))
        .map(|o| text(&value(o)[1..]));
    Interface {
        linktype: (idb.linktype.0 as u32 & 0xffff) as u16,
        snaplen: idb.snaplen,
        name: option_str(&idb.options, OptionCode::IfName),
        description: option_str(&idb.options, OptionCode::IfDescription),
        filter,
        os: option_str(&idb.options, OptionCode::IfOs),
        ts_per_sec: 1_000_000,
        addresses: idb.options.iter().filter_map(interface_address).collect(),
    }
}

/// `if_IPv4addr` (address and netmask) or `if_IPv6addr` (address and prefix length).
fn interface_address(o: &PcapNGOption<'_>) -> Option<IpAddr> {
    let v = value(o);
    match (o.code, v.len()) {
        (OptionCode::IfIpv4Addr, 8) => Some(Ipv4Addr::new(v[0], v[1], v[2], v[3]).into()),
        (OptionCode(5), 17) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&v[..16]);
            Some(Ipv6Addr::from(a).into())
        }
        _ => None,
    }
}

/// Apple's `epb_pib_index` (0x8001), else `epb_e_pib_index` (0x8003, the process on
/// whose behalf the first one sent): the index of a PIB within the section.
fn pib_index(options: &[PcapNGOption<'_>], be: bool) -> Option<u32> {
    [0x8001, 0x8003].into_iter().find_map(|code| {
        options
            .iter()
            .find(|o| o.code == OptionCode(code) && value(o).len() == 4)
            .map(|o| read_u32(value(o), be))
    })
}

/// One NRB record: an address followed by one or more NUL-terminated names.
fn name_record(kind: u16, value: &[u8]) -> Vec<(IpAddr, String)> {
    let (addr, rest): (IpAddr, &[u8]) = match kind {
        1 if value.len() >= 4 => (
            Ipv4Addr::new(value[0], value[1], value[2], value[3]).into(),
            &value[4..],
        ),
        2 if value.len() >= 16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&value[..16]);
            (Ipv6Addr::from(a).into(), &value[16..])
        }
        _ => return Vec::new(),
    };
    rest.split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| (addr, String::from_utf8_lossy(n).into_owned()))
        .collect()
}

fn describe(e: &nom::Err<PcapError<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(_) => "a field runs past the end of the block".to_owned(),
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

    #[test]
    fn pcapng_timestamps_honour_resolution_and_offset() {
        assert_eq!(ts_to_ns(1_500_000, 1_000_000, 0), 1_500_000_000);
        assert_eq!(ts_to_ns(3, 2, 10), 11_500_000_000);
        assert_eq!(ts_to_ns(u64::MAX, 1, 0), i64::MAX);
        assert_eq!(ts_resolution(6), Some(1_000_000));
        assert_eq!(ts_resolution(9), Some(1_000_000_000));
        assert_eq!(ts_resolution(0x80 | 10), Some(1024));
        assert_eq!(ts_resolution(0x80 | 70), None);
        assert_eq!(ts_resolution(100), None);
    }
}
