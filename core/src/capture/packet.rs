//! The packet index: one row per packet ([`PacketRow`]), kept compressed ([`Packets`]).
//! Packet bytes are not kept; a row says where to re-read them.

use crate::capture::flow::Direction;
use serde::Serialize;

/// Flow id of a packet that belongs to no TCP/UDP conversation.
pub const NO_FLOW: u32 = u32::MAX;

/// One packet of the index, as [`Packets`] gives it back: 48 bytes decoded, 8.9 kept on bench.pcap
/// (the memory notes of `crate::ingest`). Besides where the bytes are, it holds what the
/// TCP analysis says of nearly every segment, and the TCP header fields filters ask most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PacketRow {
    /// Timestamp, ns since the Unix epoch.
    pub ts_ns: i64,
    /// Offset of the packet bytes in its file.
    pub offset: u64,
    /// Bytes captured.
    pub caplen: u32,
    /// Length on the wire.
    pub len: u32,
    /// Conversation id, or [`NO_FLOW`].
    pub flow: u32,
    /// `tcp.analysis.bytes_in_flight`; 0: none.
    #[serde(skip)]
    pub bytes_in_flight: u32,
    /// Interface, an index into `Capture::interfaces`.
    pub iface: u16,
    /// File, an index into `Capture::files`.
    pub file: u16,
    /// Bit flags (`FLAG_*`).
    pub flags: u8,
    /// `tcp.len`, `tcp.flags` and `tcp.hdr_len`, when the ingest could tell them for sure.
    #[serde(skip)]
    pub tcp: TcpHeader,
    /// How many packets back the segment this one acknowledges exactly is
    /// (`tcp.analysis.acks_frame`; the ACK RTT is the difference of the timestamps): 0
    /// for none, [`PacketRow::ACKS_FAR`] for 65,535 or more (`Capture::tcp_acks_far`
    /// says how far). Read it with `Capture::tcp_ack`.
    #[serde(skip)]
    pub acks_back: u16,
}

impl PacketRow {
    /// A row of no packet: in no conversation, everything else zero.
    pub const NONE: PacketRow = PacketRow {
        ts_ns: 0,
        offset: 0,
        caplen: 0,
        len: 0,
        flow: NO_FLOW,
        bytes_in_flight: 0,
        iface: 0,
        file: 0,
        flags: 0,
        tcp: TcpHeader::Unknown,
        acks_back: 0,
    };

    /// The way the packet went in its conversation ([`PacketRow::FLAG_B_TO_A`]).
    pub fn dir(&self) -> Direction {
        if self.flags & PacketRow::FLAG_B_TO_A != 0 {
            Direction::BToA
        } else {
            Direction::AToB
        }
    }

    /// The packet went from side B to side A of its conversation.
    pub const FLAG_B_TO_A: u8 = 1;
    /// The packet carries IP in IP: its conversation's addresses are the inner header's,
    /// and the outer header adds more (`ip.addr` has four occurrences).
    pub const FLAG_TUNNELED: u8 = 2;
    /// A TCP segment Wireshark shows SEQ/ACK analysis for (it carries data, acknowledges
    /// a segment exactly, or has `tcp.analysis` flags): where `tcp.analysis.initial_rtt`
    /// appears.
    pub const FLAG_SEQ_ANALYSIS: u8 = 4;
    /// `acks_back` of a segment that acknowledges one too far back to say in 16 bits.
    pub const ACKS_FAR: u16 = u16::MAX;
}

/// What the index knows of a packet's TCP header: enough for `tcp.len`, `tcp.hdr_len`,
/// `tcp.flags` and `tcp.flags.*`, the TCP fields filters ask most, to be answered without
/// reading the packet again, as Wireshark shows them (the header of a fragmented datagram
/// in the frame that completes it, the innermost header of a tunnel). The ingest says
/// [`TcpHeader::Unknown`] when it cannot say for sure (a second TCP header, an ICMP
/// error quoting one, a header cut short or bogus): those packets are read again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TcpHeader {
    /// Not known: read the packet's bytes (also every row not made by a dissecting ingest).
    #[default]
    Unknown,
    /// The packet has no TCP header: the fields are absent.
    Absent,
    /// The packet has exactly one TCP header, its first 20 bytes captured.
    One {
        /// `tcp.len`: the payload bytes the IP length gives the segment, captured or not.
        len: u32,
        /// Bytes 12 and 13 of the header (RFC 9293 §3.1): the data offset in 32-bit words
        /// (the top four bits) and the twelve bits of `tcp.flags`.
        word: u16,
    },
}

impl TcpHeader {
    /// `tcp.flags` (12 bits: three reserved, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN).
    pub fn flags(word: u16) -> u16 {
        word & 0x0fff
    }

    /// `tcp.hdr_len` in bytes.
    pub fn hdr_len(word: u16) -> u8 {
        (word >> 12) as u8 * 4
    }
}

/// Rows a block holds: random access decodes from the start of a block, so at most
/// `BLOCK - 1` rows are decoded only to be skipped; a block costs 8 bytes of header and
/// the first row's values in full (it starts from zero), about 0.3 bytes a row.
const BLOCK: usize = 64;

/// The packet index: every packet's [`PacketRow`], in timeline order, compressed.
///
/// A 20 GB capture holds tens of millions of packets, and the page's wasm32 heap must hold
/// the index and every table at a few dozen bytes a packet (issue 12): 48 bytes a row
/// would take all of it. Consecutive rows differ little, so rows are kept as deltas of
/// variable length: 8.9 bytes a packet on bench.pcap (1.09 GB, 242,489 packets):
///
/// - Rows come in blocks of [`BLOCK`]; a block's rows are encoded when it fills, into one
///   chunk of [`CHUNK`] bytes (chunks never move), and the rows of the last, unfilled
///   block are kept as they are.
///   A block's header is where its bytes start (and the time unit, below); its first row
///   is encoded against a row of zeros, so any block decodes on its own. `get` decodes
///   from the start of the block (32 rows on average); iterators decode each row once,
///   in order, and a [`Reader`] keeps the last two blocks it read decoded.
/// - Each row starts with a control byte: the three known flags, and bits saying whether
///   the row's flow, interface or file changed, whether it has bytes in flight or an
///   acknowledged segment, and whether its flags hold anything else (then they follow
///   in full). Then varints (LEB128): the time as the zig-zag
///   difference from the row before, divided by the block's unit (1,000 ns when every
///   difference of the block is a multiple of it, as pcap's µs timestamps are; 1
///   otherwise); the offset as the zig-zag difference from where the row before ended
///   (offset + caplen: 16 for pcap records, the block's header and options in pcapng);
///   `caplen`; `len - caplen` shifted left by three, the low bits saying what follows of
///   the TCP header ([`TcpHeader`]: unknown, absent, or one with the same lengths and
///   flags as the block's last TCP row, the same lengths and a new flag byte, or all
///   new: `len - tcp.len` as a zig-zag varint and the two bytes of the word); the flow
///   as a zig-zag difference (so that `NO_FLOW` after a low flow id is one byte too);
///   interface and file; bytes in flight; `acks_back`. On bench.pcap, where the headers
///   of a connection's segments differ only in PSH, the TCP header costs 0.4 bytes a row.
///
/// Differences wrap, so every value round-trips exactly, extremes and disorder included
/// (out-of-order times, offsets of merged files).
#[derive(Clone, Default)]
pub struct Packets {
    /// Per filled block: where its rows start, as [`head`] packs it (the chunk, the
    /// offset in it, and whether its times are in units of 1,000 ns).
    blocks: Vec<u64>,
    /// The encoded rows of every filled block, in chunks of about [`CHUNK`] bytes that
    /// never move; a block lies whole in one chunk. One growing vector would double and
    /// leave its old block behind, a hole in a wasm32 heap that never shrinks, or be
    /// reserved ahead at a guessed rate.
    chunks: Vec<Vec<u8>>,
    /// The block being encoded (its rows' bytes before they go into a chunk).
    scratch: Vec<u8>,
    /// The rows after the last filled block (fewer than [`BLOCK`]), as they are.
    tail: Vec<PacketRow>,
}

/// Bytes of a chunk of encoded rows: a chunk wastes less than a block's bytes at its end
/// (about 600 on bench.pcap, 1%), and the allocator fits one into most holes.
const CHUNK: usize = 64 * 1024;

/// A block's header: its chunk, where its bytes start in it, and its time unit.
fn head(chunk: usize, at: usize, coarse: bool) -> u64 {
    (chunk as u64) << 33 | (at as u64) << 1 | u64::from(coarse)
}

/// The chunk, offset and time unit a [`head`] says.
#[inline]
fn unhead(head: u64) -> (usize, usize, i64) {
    let unit = if head & 1 != 0 { COARSE_UNIT } else { 1 };
    (
        (head >> 33) as usize,
        (head >> 1 & 0xffff_ffff) as usize,
        unit,
    )
}

/// What a row is encoded against: the row before it in its block (zeros for a block's
/// first row).
#[derive(Clone, Copy, Default)]
struct State {
    ts_ns: i64,
    /// Where the row before ended in its file: offset + caplen.
    end: u64,
    flow: u32,
    iface: u16,
    file: u16,
    /// The block's last row with a TCP header: `len - tcp.len`, and its word.
    tcp_gap: u32,
    tcp_word: u16,
}

const KNOWN_FLAGS: u8 =
    PacketRow::FLAG_B_TO_A | PacketRow::FLAG_TUNNELED | PacketRow::FLAG_SEQ_ANALYSIS;
/// Control byte bits besides the three known flags.
const C_RAW_FLAGS: u8 = 8;
const C_IN_FLIGHT: u8 = 16;
const C_ACKS: u8 = 32;
const C_SAME_FLOW: u8 = 64;
const C_PLACE: u8 = 128;
/// The time unit of a block whose time differences are all multiples of it.
const COARSE_UNIT: i64 = 1_000;
/// What follows of the TCP header ([`TcpHeader`]), in the low bits of `len - caplen`.
const T_UNKNOWN: u64 = 0;
const T_ABSENT: u64 = 1;
/// One, as the block's last: `len - tcp.len` and the word.
const T_SAME: u64 = 2;
/// One with the last's `len - tcp.len` and data offset; the flag byte follows.
const T_FLAGS: u64 = 3;
/// One, all new: `len - tcp.len` (zig-zag) and the word follow.
const T_NEW: u64 = 4;
const T_BITS: u32 = 3;

fn put(v: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        v.push(x as u8 | 0x80);
        x >>= 7;
    }
    v.push(x as u8);
}

/// A varint of bytes this module wrote (so in bounds and well formed).
#[inline]
fn take(b: &[u8], at: &mut usize) -> u64 {
    let mut x = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*at];
        *at += 1;
        x |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return x;
        }
        shift += 7;
    }
}

fn zigzag(x: i64) -> u64 {
    ((x << 1) ^ (x >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    (u >> 1) as i64 ^ -((u & 1) as i64)
}

impl State {
    fn encode(&mut self, r: &PacketRow, unit: i64, out: &mut Vec<u8>) {
        let raw = r.flags & !KNOWN_FLAGS != 0;
        let place = (r.iface, r.file) != (self.iface, self.file);
        let mut c = r.flags & KNOWN_FLAGS;
        for (on, bit) in [
            (raw, C_RAW_FLAGS),
            (r.bytes_in_flight != 0, C_IN_FLIGHT),
            (r.acks_back != 0, C_ACKS),
            (r.flow == self.flow, C_SAME_FLOW),
            (place, C_PLACE),
        ] {
            if on {
                c |= bit;
            }
        }
        out.push(c);
        if raw {
            out.push(r.flags);
        }
        put(out, zigzag(r.ts_ns.wrapping_sub(self.ts_ns) / unit));
        put(out, zigzag(r.offset.wrapping_sub(self.end) as i64));
        put(out, u64::from(r.caplen));
        let (tcp, gap) = match r.tcp {
            TcpHeader::Unknown => (T_UNKNOWN, 0),
            TcpHeader::Absent => (T_ABSENT, 0),
            TcpHeader::One { len, word } => {
                let gap = r.len.wrapping_sub(len);
                let t = if gap != self.tcp_gap || word >> 8 != self.tcp_word >> 8 {
                    T_NEW
                } else if word != self.tcp_word {
                    T_FLAGS
                } else {
                    T_SAME
                };
                (t, gap)
            }
        };
        put(out, u64::from(r.len.wrapping_sub(r.caplen)) << T_BITS | tcp);
        if let TcpHeader::One { word, .. } = r.tcp {
            if tcp == T_NEW {
                put(out, zigzag(i64::from(gap as i32)));
                out.extend_from_slice(&word.to_be_bytes());
            } else if tcp == T_FLAGS {
                out.push(word as u8);
            }
        }
        if r.flow != self.flow {
            put(
                out,
                zigzag(i64::from(r.flow.wrapping_sub(self.flow) as i32)),
            );
        }
        if place {
            put(out, u64::from(r.iface));
            put(out, u64::from(r.file));
        }
        if r.bytes_in_flight != 0 {
            put(out, u64::from(r.bytes_in_flight));
        }
        if r.acks_back != 0 {
            put(out, u64::from(r.acks_back));
        }
        self.advance(r);
    }

    fn advance(&mut self, r: &PacketRow) {
        let (tcp_gap, tcp_word) = match r.tcp {
            TcpHeader::One { len, word } => (r.len.wrapping_sub(len), word),
            _ => (self.tcp_gap, self.tcp_word),
        };
        *self = State {
            ts_ns: r.ts_ns,
            end: r.offset.wrapping_add(u64::from(r.caplen)),
            flow: r.flow,
            iface: r.iface,
            file: r.file,
            tcp_gap,
            tcp_word,
        };
    }

    #[inline]
    fn decode(&mut self, b: &[u8], at: &mut usize, unit: i64) -> PacketRow {
        let c = b[*at];
        *at += 1;
        let flags = if c & C_RAW_FLAGS != 0 {
            *at += 1;
            b[*at - 1]
        } else {
            c & KNOWN_FLAGS
        };
        let ts_ns = self
            .ts_ns
            .wrapping_add(unzigzag(take(b, at)).wrapping_mul(unit));
        let offset = self.end.wrapping_add(unzigzag(take(b, at)) as u64);
        let caplen = take(b, at) as u32;
        let rest = take(b, at);
        let len = caplen.wrapping_add((rest >> T_BITS) as u32);
        let one = |gap: u32, word: u16| TcpHeader::One {
            len: len.wrapping_sub(gap),
            word,
        };
        let tcp = match rest & ((1 << T_BITS) - 1) {
            T_UNKNOWN => TcpHeader::Unknown,
            T_ABSENT => TcpHeader::Absent,
            T_SAME => one(self.tcp_gap, self.tcp_word),
            T_FLAGS => {
                *at += 1;
                one(self.tcp_gap, self.tcp_word & 0xff00 | u16::from(b[*at - 1]))
            }
            _ => {
                let gap = unzigzag(take(b, at)) as i32 as u32;
                *at += 2;
                one(gap, u16::from_be_bytes([b[*at - 2], b[*at - 1]]))
            }
        };
        let flow = if c & C_SAME_FLOW != 0 {
            self.flow
        } else {
            self.flow.wrapping_add(unzigzag(take(b, at)) as i32 as u32)
        };
        let (iface, file) = if c & C_PLACE != 0 {
            (take(b, at) as u16, take(b, at) as u16)
        } else {
            (self.iface, self.file)
        };
        let bytes_in_flight = if c & C_IN_FLIGHT != 0 {
            take(b, at) as u32
        } else {
            0
        };
        let acks_back = if c & C_ACKS != 0 {
            take(b, at) as u16
        } else {
            0
        };
        let row = PacketRow {
            ts_ns,
            offset,
            caplen,
            len,
            flow,
            bytes_in_flight,
            iface,
            file,
            flags,
            tcp,
            acks_back,
        };
        self.advance(&row);
        row
    }
}

impl Packets {
    /// An empty index.
    pub fn new() -> Packets {
        Packets::default()
    }

    /// Packets in the index.
    pub fn len(&self) -> usize {
        self.blocks.len() * BLOCK + self.tail.len()
    }

    /// Whether the index holds no packet.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty() && self.tail.is_empty()
    }

    /// Appends the next packet's row (rows are never changed once pushed).
    pub fn push(&mut self, row: PacketRow) {
        self.tail.push(row);
        if self.tail.len() == BLOCK {
            self.seal();
        }
    }

    /// Encodes the full tail as a block.
    fn seal(&mut self) {
        let mut before = 0i64;
        let coarse = self.tail.iter().all(|r| {
            let d = r.ts_ns.wrapping_sub(before);
            before = r.ts_ns;
            d % COARSE_UNIT == 0
        });
        let unit = if coarse { COARSE_UNIT } else { 1 };
        let mut s = State::default();
        self.scratch.clear();
        for r in &self.tail {
            s.encode(r, unit, &mut self.scratch);
        }
        self.tail.clear();
        let n = self.scratch.len();
        match self.chunks.last_mut() {
            Some(c) if c.len() + n <= CHUNK => {
                // Only a chunk given back by `shrink_to_fit` lacks the room.
                c.reserve_exact(CHUNK - c.len());
            }
            _ => self.chunks.push(Vec::with_capacity(CHUNK.max(n))),
        }
        let chunk = self.chunks.len() - 1;
        let c = &mut self.chunks[chunk];
        self.blocks.push(head(chunk, c.len(), coarse));
        c.extend_from_slice(&self.scratch);
    }

    /// The row of packet `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<PacketRow> {
        if index >= self.len() {
            return None;
        }
        let mut it = self.iter_from(index);
        it.next()
    }

    /// The rows of packets `indices`, each None past the end, read together: rows of
    /// one block are decoded in one pass from the first asked for, where a `get` each
    /// decodes from the start of the block every time (a transaction's table row asks
    /// for the packets that start and complete its request and its response, mostly in
    /// one block).
    pub fn rows<const N: usize>(&self, indices: [usize; N]) -> [Option<PacketRow>; N] {
        let mut out = [None; N];
        let mut order: [usize; N] = std::array::from_fn(|k| k);
        order.sort_unstable_by_key(|&k| indices[k]);
        // The last row decoded (its index), and the iterator past it.
        let mut last: Option<(usize, PacketRow, Iter<'_>)> = None;
        for k in order {
            let i = indices[k];
            if i >= self.len() {
                break;
            }
            let row = match &mut last {
                Some((at, row, _)) if *at == i => *row,
                // Going on costs less than starting again at the block's start.
                Some((_, _, it)) if it.next <= i && i - it.next <= i % BLOCK => {
                    it.nth(i - it.next).expect("a row below len")
                }
                _ => {
                    let mut it = self.iter_from(i);
                    let row = it.next().expect("a row below len");
                    last = Some((i, row, it));
                    out[k] = Some(row);
                    continue;
                }
            };
            if let Some(l) = &mut last {
                (l.0, l.1) = (i, row);
            }
            out[k] = Some(row);
        }
        out
    }

    /// The row of packet `index`, for an index the caller knows is in range (one it
    /// computed from this capture).
    ///
    /// # Panics
    /// When `index` is not below [`Packets::len`].
    #[track_caller]
    pub fn at(&self, index: usize) -> PacketRow {
        match self.get(index) {
            Some(row) => row,
            None => panic!(
                "packet index {index} out of range for {} packets",
                self.len()
            ),
        }
    }

    /// The first packet's row.
    pub fn first(&self) -> Option<PacketRow> {
        self.get(0)
    }

    /// The last packet's row.
    pub fn last(&self) -> Option<PacketRow> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Every row, in order.
    pub fn iter(&self) -> Iter<'_> {
        self.range(0..self.len())
    }

    /// The rows from packet `start` on (none when it is past the end).
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        self.range(start..self.len())
    }

    /// The rows of packets `range` (clamped to the index).
    pub fn range(&self, range: std::ops::Range<usize>) -> Iter<'_> {
        let end = range.end.min(self.len());
        let mut it = Iter {
            packets: self,
            next: range.start.min(end),
            end,
            state: State::default(),
            chunk: 0,
            at: 0,
            unit: 1,
        };
        let sealed = self.blocks.len() * BLOCK;
        if it.next < end && it.next < sealed && !it.next.is_multiple_of(BLOCK) {
            // Decode the block's rows before the first one asked for.
            let from = it.next;
            it.next = from - from % BLOCK;
            while it.next < from {
                it.next();
            }
        }
        it
    }

    /// A reader for packets asked for with locality (a filter's run, a sorted list, the
    /// packet before): it keeps the blocks it read last decoded.
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            packets: self,
            slots: [(usize::MAX, Vec::new()), (usize::MAX, Vec::new())],
        }
    }

    /// Gives back the spare capacity (the index is kept for the capture's life).
    pub fn shrink_to_fit(&mut self) {
        self.blocks.shrink_to_fit();
        self.chunks.shrink_to_fit();
        if let Some(c) = self.chunks.last_mut() {
            c.shrink_to_fit();
        }
        self.scratch = Vec::new();
        self.tail.shrink_to_fit();
    }

    /// Rows the index has room for before its block headers grow.
    pub fn capacity(&self) -> usize {
        (self.blocks.capacity() * BLOCK).max(self.len())
    }

    /// `done` of the `total` bytes of the input have been read: makes room at once for
    /// the block headers of the rows the rest will likely add, at the rate seen so far (8
    /// bytes a block; the rows' bytes go in chunks that need no room made). A `Vec` left
    /// to grow doubles, and holds its old and new blocks while it copies. Again only when
    /// nearly full.
    pub fn reserve_expected(&mut self, done: u64, total: u64) {
        let n = self.len();
        if done == 0 || done >= total || n == 0 {
            return;
        }
        let expected = (n as u128 * total as u128 / done as u128).min(usize::MAX as u128) as usize;
        let room = self.capacity();
        let nearly_full = room - n <= n / 16;
        if expected > room && (nearly_full || room < expected / 2) {
            let rows = expected + expected / 16;
            let blocks = rows.div_ceil(BLOCK);
            self.blocks
                .reserve_exact(blocks.saturating_sub(self.blocks.len()));
        }
    }

    /// Bytes of heap the index holds (its capacity, spare room included).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * std::mem::size_of::<u64>()
            + self.chunks.capacity() * std::mem::size_of::<Vec<u8>>()
            + self.chunks.iter().map(Vec::capacity).sum::<usize>()
            + self.scratch.capacity()
            + self.tail.capacity() * std::mem::size_of::<PacketRow>()
    }
}

impl PartialEq for Packets {
    fn eq(&self, other: &Packets) -> bool {
        // The rows, not the scratch room of the block encoded last.
        (&self.blocks, &self.chunks, &self.tail) == (&other.blocks, &other.chunks, &other.tail)
    }
}

impl std::fmt::Debug for Packets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<PacketRow> for Packets {
    fn from_iter<I: IntoIterator<Item = PacketRow>>(rows: I) -> Packets {
        let mut p = Packets::new();
        p.extend(rows);
        p
    }
}

impl Extend<PacketRow> for Packets {
    fn extend<I: IntoIterator<Item = PacketRow>>(&mut self, rows: I) {
        for r in rows {
            self.push(r);
        }
    }
}

impl<'a> IntoIterator for &'a Packets {
    type Item = PacketRow;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The rows of a [`Packets`] in order, each decoded once.
#[derive(Clone)]
pub struct Iter<'a> {
    packets: &'a Packets,
    /// The packet the next call returns.
    next: usize,
    end: usize,
    /// The row before `next` in its block.
    state: State,
    /// The chunk of `next`'s block, and where `next` starts in it.
    chunk: usize,
    at: usize,
    unit: i64,
}

impl Iterator for Iter<'_> {
    type Item = PacketRow;

    #[inline]
    fn next(&mut self) -> Option<PacketRow> {
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let p = self.packets;
        let block = i / BLOCK;
        let Some(&head) = p.blocks.get(block) else {
            return Some(p.tail[i - p.blocks.len() * BLOCK]);
        };
        if i.is_multiple_of(BLOCK) {
            self.state = State::default();
            (self.chunk, self.at, self.unit) = unhead(head);
        }
        Some(
            self.state
                .decode(&p.chunks[self.chunk], &mut self.at, self.unit),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Random access with locality ([`Packets::reader`]): the last two blocks read are kept
/// decoded, so packets asked for in rising order, and those a little before them (the
/// packet before, the segment an ACK acknowledges), cost about what iterating does.
#[derive(Clone)]
pub struct Reader<'a> {
    packets: &'a Packets,
    /// The two blocks decoded last, the newer first: (block number, its rows).
    slots: [(usize, Vec<PacketRow>); 2],
}

impl Reader<'_> {
    /// The row of packet `index`, if there is one.
    #[inline]
    pub fn get(&mut self, index: usize) -> Option<PacketRow> {
        let p = self.packets;
        if index >= p.len() {
            return None;
        }
        let (block, k) = (index / BLOCK, index % BLOCK);
        if block == p.blocks.len() {
            return p.tail.get(k).copied();
        }
        if self.slots[0].0 != block {
            self.slots.swap(0, 1);
            if self.slots[0].0 != block {
                let (n, rows) = &mut self.slots[0];
                *n = block;
                rows.clear();
                rows.extend(p.range(block * BLOCK..(block + 1) * BLOCK));
            }
        }
        self.slots[0].1.get(k).copied()
    }

    /// The row of packet `index`, for an index the caller knows is in range.
    ///
    /// # Panics
    /// When `index` is not below [`Packets::len`].
    #[track_caller]
    pub fn at(&mut self, index: usize) -> PacketRow {
        match self.get(index) {
            Some(row) => row,
            None => panic!(
                "packet index {index} out of range for {} packets",
                self.packets.len()
            ),
        }
    }
}

impl std::iter::FusedIterator for Iter<'_> {}

#[cfg(test)]
mod test {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_row_stays_small() {
        // Decoded rows are what readers hold, a few at a time; what every packet costs is
        // the encoded row (`Packets::heap_bytes`).
        assert_eq!(std::mem::size_of::<PacketRow>(), 48);
    }

    /// A row as a pcap ingest makes them: µs times, records one after the other.
    fn pcap_like(i: u64) -> PacketRow {
        PacketRow {
            ts_ns: 1_700_000_000_000_000_000 + i as i64 * 37_000,
            offset: 24 + i * (16 + 1514),
            caplen: 1514,
            len: 1514,
            flow: (i % 5) as u32,
            bytes_in_flight: if i.is_multiple_of(3) { 0 } else { 30_000 },
            flags: (i % 2) as u8 | PacketRow::FLAG_SEQ_ANALYSIS,
            acks_back: (i % 4) as u16,
            // A connection's segments: ACK or PSH, ACK, a SYN now and then.
            tcp: TcpHeader::One {
                len: 1448,
                word: match i % 50 {
                    0 => 0xa002,
                    n if n % 3 == 0 => 0x8010,
                    _ => 0x8018,
                },
            },
            ..PacketRow::NONE
        }
    }

    fn tcp_header() -> impl Strategy<Value = TcpHeader> {
        let words = prop_oneof![
            Just(0x8010u16),
            Just(0x8018),
            0x5000u16..0x5020,
            any::<u16>()
        ];
        let lens = prop_oneof![Just(0u32), Just(u32::MAX), 0u32..2_000, any::<u32>()];
        prop_oneof![
            Just(TcpHeader::Unknown),
            Just(TcpHeader::Absent),
            (lens, words).prop_map(|(len, word)| TcpHeader::One { len, word }),
        ]
    }

    fn row() -> impl Strategy<Value = PacketRow> {
        // Extremes often, small values often, anything sometimes.
        let i64s = prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(0i64),
            (0i64..1_000_000).prop_map(|x| 1_700_000_000_000_000_000 + x * 1_000),
            any::<i64>(),
        ];
        let u64s = prop_oneof![Just(0u64), Just(u64::MAX), 0u64..100_000, any::<u64>()];
        let u32s = prop_oneof![Just(0u32), Just(u32::MAX), 0u32..2_000, any::<u32>()];
        let u16s = prop_oneof![Just(0u16), Just(u16::MAX), 0u16..3, any::<u16>()];
        let u8s = prop_oneof![0u8..8, any::<u8>()];
        (
            (i64s, u64s, u32s.clone(), u32s.clone()),
            (u32s.clone(), u32s, u16s.clone(), u16s.clone()),
            (u8s, tcp_header(), u16s),
        )
            .prop_map(
                |(
                    (ts_ns, offset, caplen, len),
                    (flow, bytes_in_flight, iface, file),
                    (flags, tcp, acks_back),
                )| PacketRow {
                    ts_ns,
                    offset,
                    caplen,
                    len,
                    flow,
                    bytes_in_flight,
                    iface,
                    file,
                    flags,
                    tcp,
                    acks_back,
                },
            )
    }

    proptest! {
        /// Any rows, extremes and disorder included, come back exactly: by index, in
        /// order, and from any packet on.
        #[test]
        fn every_row_round_trips(
            rows in prop::collection::vec(
                prop_oneof![row(), (0u64..10_000).prop_map(pcap_like)],
                0..300,
            ),
            from in 0usize..320,
        ) {
            let p: Packets = rows.iter().copied().collect();
            prop_assert_eq!(p.len(), rows.len());
            prop_assert_eq!(p.is_empty(), rows.is_empty());
            prop_assert_eq!(p.iter().collect::<Vec<_>>(), rows.clone());
            prop_assert_eq!(p.iter().len(), rows.len());
            for (i, r) in rows.iter().enumerate() {
                prop_assert_eq!(p.get(i), Some(*r));
            }
            prop_assert_eq!(p.get(rows.len()), None);
            let tail: Vec<PacketRow> = rows.iter().skip(from).copied().collect();
            prop_assert_eq!(p.iter_from(from).collect::<Vec<_>>(), tail);
            let (a, b) = (from.min(rows.len()), (from + 70).min(rows.len()));
            prop_assert_eq!(p.range(a..b).collect::<Vec<_>>(), rows[a..b].to_vec());
            prop_assert_eq!(p.last(), rows.last().copied());
            let mut reader = p.reader();
            for i in (0..rows.len()).step_by(from % 7 + 1).chain([from, 0, from / 2]) {
                prop_assert_eq!(reader.get(i), rows.get(i).copied());
            }
            // Read together, in any order, repeated, across blocks and past the end.
            let asked = [from + 1, from, from / 2, from, from + 64, usize::MAX, from + 3];
            prop_assert_eq!(p.rows(asked), asked.map(|i| rows.get(i).copied()));
        }
    }

    #[test]
    fn random_access_and_iteration_agree_and_rows_stay_small() {
        let rows: Vec<PacketRow> = (0..10_000).map(pcap_like).collect();
        let mut p: Packets = rows.iter().copied().collect();
        p.shrink_to_fit();
        for (i, r) in p.iter().enumerate() {
            assert_eq!(r, p.at(i));
            assert_eq!(r, rows[i]);
        }
        assert_eq!(p, rows.iter().copied().collect::<Packets>());
        assert_eq!(
            format!("{:?}", p.range(0..1).collect::<Vec<_>>()),
            format!("{:?}", &rows[..1])
        );
        // Control, time, offset, caplen, len and TCP header, flow, bytes in flight, acks:
        // 8 to 11 bytes here (a 1,514-byte caplen is two), a new flag byte one more.
        let per_row = p.heap_bytes() as f64 / rows.len() as f64;
        assert!(per_row < 12.0, "{per_row}");
    }

    #[test]
    fn chunks_hold_whole_blocks_and_never_move() {
        let rows: Vec<PacketRow> = (0..30_000).map(pcap_like).collect();
        let mut p: Packets = rows[..20_000].iter().copied().collect();
        assert!(p.chunks.len() > 1);
        let first = p.chunks[0].as_ptr();
        p.shrink_to_fit();
        // Rows pushed after the last chunk was given back go on where they left off.
        p.extend(rows[20_000..].iter().copied());
        assert_eq!(p.chunks[0].as_ptr(), first);
        assert!(p.chunks.iter().all(|c| c.len() <= CHUNK));
        assert_eq!(p.iter().collect::<Vec<_>>(), rows);
        assert_eq!(p, rows.iter().copied().collect::<Packets>());
        let mut reader = p.reader();
        for i in (0..rows.len()).rev().step_by(61) {
            assert_eq!(reader.at(i), rows[i]);
            assert_eq!(p.at(i), rows[i]);
        }
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn at_panics_past_the_end() {
        let p: Packets = (0..3).map(pcap_like).collect();
        p.at(3);
    }

    #[test]
    fn room_is_made_for_the_rows_to_come() {
        let mut p: Packets = (0..640).map(pcap_like).collect();
        // A tenth read: room for ten times the rows, and a sixteenth more.
        p.reserve_expected(100, 1000);
        assert_eq!(p.capacity(), 6_800usize.div_ceil(BLOCK) * BLOCK);
        let room = p.capacity();
        p.extend((640..1000).map(pcap_like));
        p.reserve_expected(150, 1000);
        assert_eq!(p.capacity(), room);
    }
}

// Decoded rows are 48 bytes in the page's wasm32 heap too.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<PacketRow>() == 48);
