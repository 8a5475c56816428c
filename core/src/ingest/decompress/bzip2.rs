//! bzip2: the `bzip2` crate (on `libbz2-rs-sys`, a Rust port of libbzip2 1.0.8), one
//! stream after another as bzip2(1) reads them.
//!
//! Restart points are block starts. A block begins with a 48-bit magic at any bit offset
//! and depends on nothing before it, so decoding can start at one: the block's bits,
//! shifted to a byte boundary behind a stream header of our own, make a stream the
//! decoder reads. While recording, the input is scanned for block magics and fed to the
//! decoder up to each one: libbzip2 hands out a block's output before it reads the next
//! block, so its output count there is the block's decompressed offset. A magic found
//! inside a block's data (a false match) would show no output since the previous magic:
//! only a magic with output before it is taken.

use super::{corrupt, unsupported, DecompressErrorKind, Fail, Sink};
use crate::capture::restart::{RestartPoint, RestartState};

/// A block header's magic, 0x314159265359 (the digits of π).
const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
/// The end-of-stream marker's magic, 0x177245385090 (√π).
const EOS_MAGIC: u64 = 0x1772_4538_5090;
const MASK48: u64 = (1 << 48) - 1;

pub(super) struct Bzip2 {
    /// The current stream's decoder; `None` between streams.
    stream: Option<::bzip2::Decompress>,
    /// Compressed offset where the current stream starts.
    stream_at: u64,
    /// Streams started.
    streams: u64,
    /// Recording: the last 64 bits of input, for magics at any bit offset.
    scan: u64,
    /// Output count at the last block magic the decoder was stopped at (None: none, or a
    /// magic could not be checked since).
    last_magic: Option<u64>,
    /// Bit offsets of the end-of-stream magics seen and not yet matched to a stream end.
    eos_bits: Vec<u64>,
    /// Points recorded in the current stream, waiting for its end (indices into the
    /// recorder's points).
    open_points: Vec<usize>,
    /// Resuming inside a stream: the block bits being realigned.
    shift: Option<Shift>,
}

/// Feeds the decoder a stream made of "BZh9" and the bits `[next_bit, end_bit)` of the
/// file shifted to a byte boundary, then skips to `stream_end`, where the file's next
/// stream starts.
struct Shift {
    next_bit: u64,
    end_bit: u64,
    stream_end: u64,
    /// Bits taken but not yet handed on, and how many.
    acc: u64,
    nacc: u32,
    header: bool,
}

impl Bzip2 {
    pub(super) fn new() -> Self {
        Self {
            stream: None,
            stream_at: 0,
            streams: 0,
            scan: 0,
            last_magic: None,
            eos_bits: Vec::new(),
            open_points: Vec::new(),
            shift: None,
        }
    }

    /// A decoder that starts at a restart point.
    pub(super) fn resume(point: &RestartPoint) -> Self {
        let mut d = Self::new();
        // Whatever follows is not the file's first stream (trailing data rules).
        d.streams = 1;
        if let RestartState::Bzip2Block {
            bit,
            blocks_end,
            stream_end,
        } = point.state
        {
            d.shift = Some(Shift {
                next_bit: point.stored * 8 + u64::from(bit),
                end_bit: blocks_end,
                stream_end,
                acc: 0,
                nacc: 0,
                header: false,
            });
        }
        d
    }

    pub(super) fn feed(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        if self.shift.is_some() {
            return self.feed_shifted(input, base, buf, sink);
        }
        if !sink.recording() {
            return self.feed_stream(input, base, buf, sink);
        }
        // Block magics in this input (bit offsets), then the input fed up to each.
        let mut magics = Vec::new();
        for (k, &b) in input.iter().enumerate() {
            self.scan = (self.scan << 8) | u64::from(b);
            let end = (base + k as u64 + 1) * 8;
            for s in 0..8 {
                let v = (self.scan >> s) & MASK48;
                if (v == BLOCK_MAGIC || v == EOS_MAGIC) && end >= 48 + s {
                    let bit = end - 48 - s;
                    if v == BLOCK_MAGIC {
                        magics.push(bit);
                    } else {
                        self.eos_bits.push(bit);
                    }
                }
            }
        }
        let mut fed = 0usize;
        for bit in magics {
            // The byte holding the magic's first bit also ends the block before it.
            let upto = (bit / 8 + 1).saturating_sub(base) as usize;
            if upto <= fed {
                // Its first byte went to the decoder with the previous input.
                self.last_magic = None;
                continue;
            }
            self.feed_stream(&input[fed..upto], base + fed as u64, buf, sink)?;
            fed = upto;
            let out = *sink.total;
            if self.last_magic.is_some_and(|prev| out > prev) && sink.due() {
                if let Some(i) = sink.record(
                    bit / 8,
                    RestartState::Bzip2Block {
                        bit: (bit % 8) as u8,
                        blocks_end: u64::MAX,
                        stream_end: u64::MAX,
                    },
                ) {
                    self.open_points.push(i);
                }
            }
            self.last_magic = Some(out);
        }
        self.feed_stream(&input[fed..], base + fed as u64, buf, sink)
    }

    /// Feeds the realigned bits of a block-resumed stream, then the rest of the file.
    fn feed_shifted(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        let Some(sh) = self.shift.as_mut() else {
            return Ok(());
        };
        let mut aligned = Vec::with_capacity(input.len() + 5);
        if !sh.header {
            sh.header = true;
            aligned.extend_from_slice(b"BZh9");
        }
        for (k, &b) in input.iter().enumerate() {
            let o = (base + k as u64) * 8;
            let from = sh.next_bit.max(o);
            let to = sh.end_bit.min(o + 8);
            if from >= to {
                continue;
            }
            let (a, c) = ((from - o) as u32, (to - o) as u32);
            let v = (u64::from(b) >> (8 - c)) & ((1 << (c - a)) - 1);
            sh.acc = (sh.acc << (c - a)) | v;
            sh.nacc += c - a;
            sh.next_bit = to;
            while sh.nacc >= 8 {
                sh.nacc -= 8;
                aligned.push((sh.acc >> sh.nacc) as u8);
            }
            sh.acc &= (1 << sh.nacc) - 1;
        }
        let blocks_done = sh.next_bit >= sh.end_bit;
        if blocks_done && sh.nacc > 0 {
            // The last block's final bits, padded: the decoder stops at its end.
            aligned.push((sh.acc << (8 - sh.nacc)) as u8);
            sh.nacc = 0;
        }
        let stream_end = sh.stream_end;
        self.feed_stream(&aligned, base, buf, sink)?;
        let end = base + input.len() as u64;
        if blocks_done && end >= stream_end {
            // The stream's blocks are out; its end marker (whose combined CRC covers
            // blocks before the restart) is skipped, and the next stream read as usual.
            self.shift = None;
            self.stream = None;
            let rest = (stream_end.saturating_sub(base) as usize).min(input.len());
            return self.feed_stream(&input[rest..], base + rest as u64, buf, sink);
        }
        Ok(())
    }

    fn feed_stream(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        use ::bzip2::{Error, Status};
        let mut pos = 0;
        loop {
            let dec = match &mut self.stream {
                Some(dec) => dec,
                None => {
                    if pos >= input.len() {
                        return Ok(());
                    }
                    // Like bzip2(1), a new stream may follow the end of one.
                    self.streams += 1;
                    self.stream_at = base + pos as u64;
                    self.stream.insert(::bzip2::Decompress::new(false))
                }
            };
            let rest = input.get(pos..).unwrap_or_default();
            let (in0, out0) = (dec.total_in(), dec.total_out());
            let r = dec.decompress(rest, buf);
            let used = dec.total_in().saturating_sub(in0) as usize;
            let written = dec.total_out().saturating_sub(out0) as usize;
            pos += used.min(rest.len());
            sink.emit(buf.get(..written).unwrap_or_default());
            let at = base + pos as u64;
            match r {
                Ok(Status::StreamEnd) => {
                    self.stream = None;
                    self.end_points(at, sink);
                }
                Ok(Status::MemNeeded) => {
                    return Err(unsupported(at, "the decoder ran out of memory"))
                }
                Ok(_) => {
                    if pos >= input.len() && written < buf.len() {
                        return Ok(());
                    }
                    if used == 0 && written == 0 {
                        return Err(corrupt(at, "the decoder made no progress"));
                    }
                }
                Err(Error::DataMagic) if self.streams > 1 => {
                    return Err((self.stream_at, DecompressErrorKind::TrailingData))
                }
                Err(Error::DataMagic) => return Err(corrupt(at, "not a bzip2 stream")),
                Err(Error::Data) => {
                    return Err(corrupt(at, "invalid compressed data or CRC mismatch"))
                }
                Err(e) => return Err(corrupt(at, e.to_string())),
            }
        }
    }

    /// A stream ended at byte `end`: its points learn where its blocks end. The end
    /// marker (48-bit magic, 32-bit CRC) is followed by at most 7 bits of padding.
    fn end_points(&mut self, end: u64, sink: &mut Sink<'_>) {
        let points = std::mem::take(&mut self.open_points);
        let eos = self
            .eos_bits
            .iter()
            .copied()
            .find(|&b| b + 80 <= end * 8 && end * 8 - (b + 80) < 8);
        self.eos_bits.retain(|&b| b >= end * 8);
        let Some(eos) = eos else {
            // Without the marker's place the blocks' end is unknown: no points.
            if let Some(&first) = points.first() {
                sink.drop_points(first);
            }
            return;
        };
        for i in points {
            if let Some(RestartState::Bzip2Block {
                blocks_end,
                stream_end,
                ..
            }) = sink.point_state(i)
            {
                *blocks_end = eos;
                *stream_end = end;
            }
        }
    }

    pub(super) fn finish(&mut self, end: u64) -> Result<(), Fail> {
        if self.stream.is_some() || self.streams == 0 {
            return Err((end, DecompressErrorKind::Truncated));
        }
        Ok(())
    }
}
