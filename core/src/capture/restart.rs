//! Restart points of a compressed file: places where decoding can start again other than
//! at the file's beginning, so that a packet deep in a large `.pcap.gz` is re-read by
//! decompressing a few MiB instead of everything before it (zran's idea, for every
//! format we read).
//!
//! The ingest's decoders record them ([`crate::ingest::decompress`]); the re-read planner
//! ([`crate::query::reread`]) starts from the last point before the packets it needs.
//! Points are at least [`Restarts::spacing`] decompressed bytes apart, so their memory is
//! bounded by the size of the data:
//! - gzip: member starts (about 40 bytes each) and, inside a member, deflate block
//!   boundaries (RFC 1951 §3.2.3), each with the 32 KiB of output before it that
//!   back-references may reach: 32 KiB + about 60 bytes a point. At one point per 4 MiB,
//!   at most 8 MiB per GiB of decompressed capture.
//! - bzip2: block starts (any bit offset; blocks are independent): about 60 bytes a point.
//! - zstd: frame starts (about 40 bytes). Blocks inside a frame share a window of up to
//!   128 MiB, so a file of one frame (what `zstd` writes) has only its start.
//! - xz: block starts, from the stream's index (about 60 bytes). `xz -T0` writes blocks
//!   of 3× the dictionary (24 MiB at `-6`); plain `xz` writes one block: only the start.

/// Where decoding of a compressed file can start again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestartPoint {
    /// Offset in the file as stored of the first byte to feed the decoder.
    pub stored: u64,
    /// Offset in the decompressed data of the first byte that decoding from here gives.
    pub plain: u64,
    /// What the decoder needs besides the bytes.
    pub state: RestartState,
}

/// The state a decoder starts from at a [`RestartPoint`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestartState {
    /// A gzip member, bzip2 stream, zstd frame or xz stream starts at `stored`: nothing
    /// before it is needed.
    Unit,
    /// A deflate block boundary inside a gzip member.
    Deflate {
        /// Bits of the byte before `stored` that the block starts with (0..=7)…
        num_bits: u8,
        /// …and those bits, in the low bits.
        bit_buf: u8,
        /// The member's last output before the point (32 KiB, fewer near its start),
        /// oldest first: what back-references may reach.
        window: Box<[u8]>,
        /// CRC-32 of the member's output before the point, for its trailer.
        crc: u32,
        /// Size (mod 2^32) of the member's output before the point, for its trailer.
        size: u32,
    },
    /// A bzip2 block inside a stream, starting at bit `bit` (0 is the most significant)
    /// of the byte at `stored`.
    Bzip2Block {
        /// The bit the block's magic starts at.
        bit: u8,
        /// Bit offset in the file of the stream's end-of-stream marker, where its last
        /// block ends (`u64::MAX`: the stream is cut short).
        blocks_end: u64,
        /// Byte offset in the file where the stream ends and the next may start.
        stream_end: u64,
    },
    /// An xz block inside a stream.
    XzBlock {
        /// The stream flags (check type), from its header.
        flags: [u8; 2],
        /// Offset in the file of the stream's index, where its last block ends.
        blocks_end: u64,
        /// Offset in the file where the stream (its footer) ends.
        stream_end: u64,
    },
}

/// The restart points of one file, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Restarts {
    /// The points, by increasing `stored` and `plain` offset.
    pub points: Vec<RestartPoint>,
    /// Decompressed bytes between two points, at least (the last point before a packet
    /// is at most this plus one format unit — a deflate block, a bzip2 block, an xz
    /// block, a zstd frame — before it).
    pub spacing: u64,
}

impl Restarts {
    /// The last point at or before decompressed offset `plain`.
    pub fn before(&self, plain: u64) -> Option<&RestartPoint> {
        let n = self.points.partition_point(|p| p.plain <= plain);
        n.checked_sub(1).map(|i| &self.points[i])
    }

    /// The first point at or after decompressed offset `plain`.
    pub fn after(&self, plain: u64) -> Option<&RestartPoint> {
        let n = self.points.partition_point(|p| p.plain < plain);
        self.points.get(n)
    }

    /// Bytes of memory the points hold.
    pub fn memory(&self) -> usize {
        self.points
            .iter()
            .map(|p| {
                std::mem::size_of::<RestartPoint>()
                    + match &p.state {
                        RestartState::Deflate { window, .. } => window.len(),
                        _ => 0,
                    }
            })
            .sum()
    }
}
