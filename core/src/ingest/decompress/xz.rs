//! xz: `xz4rust` (a safe port of xz-embedded) with in/out buffers, streams and stream
//! padding handled here (xz file format §2).
//!
//! Restart points are block starts, which the stream's index lists (§4: each block's
//! unpadded and uncompressed size), read from the stream's last bytes when it ends.
//! A block depends on nothing before it but the stream's check type: decoding starts at
//! one behind a stream header of our own, and stops at the index (whose block count
//! would not match).

use super::{corrupt, unsupported, DecompressErrorKind, Fail, Sink, MAX_WINDOW};
use crate::capture::restart::{RestartPoint, RestartState};

/// Largest input handed to the xz decoder per call: it reports no offset with an error,
/// so this bounds how far off the reported offset can be.
const XZ_IN_STEP: usize = 16 * 1024;
/// Bytes of a stream's end kept while recording, to read its index from (about 10 bytes a
/// block: 100,000 blocks).
const TAIL: usize = 1 << 20;
const HEADER_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];

pub(super) struct Xz {
    dec: Box<xz4rust::XzDecoder<'static>>,
    /// Inside a stream (else between streams, where stream padding may come).
    in_stream: bool,
    /// Streams started.
    streams: u64,
    /// Zero bytes of stream padding since the last stream.
    padding: u64,
    /// Recording: where the current stream starts (stored, decompressed), its first bytes
    /// (the header) and its last bytes.
    stream_at: (u64, u64),
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Resuming at a block: (index start, stream end) of its stream, and the header of
    /// our own still to feed.
    resume: Option<(u64, u64)>,
    header: Vec<u8>,
}

impl Xz {
    pub(super) fn new() -> Self {
        // The dictionary is allocated when a block header says how large it is.
        Self {
            dec: xz4rust::XzDecoder::in_heap_with_alloc_dict_size(0, MAX_WINDOW),
            in_stream: false,
            streams: 0,
            padding: 0,
            stream_at: (0, 0),
            head: Vec::new(),
            tail: Vec::new(),
            resume: None,
            header: Vec::new(),
        }
    }

    /// A decoder that starts at a restart point.
    pub(super) fn resume(point: &RestartPoint) -> Self {
        let mut d = Self::new();
        d.streams = 1;
        if let RestartState::XzBlock {
            flags,
            blocks_end,
            stream_end,
        } = point.state
        {
            // Stream header (§2.1.1): magic, flags, CRC-32 of the flags.
            d.header.extend_from_slice(&HEADER_MAGIC);
            d.header.extend_from_slice(&flags);
            d.header
                .extend_from_slice(&crc32fast::hash(&flags).to_le_bytes());
            d.resume = Some((blocks_end, stream_end));
            d.in_stream = true;
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
        let Some((blocks_end, stream_end)) = self.resume else {
            return self.feed_streams(input, base, buf, sink);
        };
        if !self.header.is_empty() {
            let header = std::mem::take(&mut self.header);
            self.decode(&header, base, buf, sink)?;
        }
        let blocks = (blocks_end.saturating_sub(base) as usize).min(input.len());
        self.decode(&input[..blocks], base, buf, sink)?;
        let end = base + input.len() as u64;
        if end >= stream_end {
            // The blocks are out; the index and footer are skipped, the rest read as usual.
            self.resume = None;
            self.in_stream = false;
            let rest = (stream_end.saturating_sub(base) as usize).min(input.len());
            return self.feed_streams(&input[rest..], base + rest as u64, buf, sink);
        }
        Ok(())
    }

    fn feed_streams(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if !self.in_stream {
                // xz file format §2.2: streams may be followed by zero padding in multiples
                // of four bytes, and by further streams.
                let zeros = rest.iter().take_while(|&&b| b == 0).count();
                pos += zeros;
                self.padding += zeros as u64;
                let Some(&b) = rest.get(zeros) else {
                    return Ok(());
                };
                let at = base + pos as u64;
                if self.streams > 0 && (b != 0xfd || !self.padding.is_multiple_of(4)) {
                    return Err((at, DecompressErrorKind::TrailingData));
                }
                if self.streams == 0 && self.padding > 0 {
                    return Err(corrupt(at - self.padding, "not an xz stream"));
                }
                self.dec.reset();
                self.in_stream = true;
                self.streams += 1;
                self.padding = 0;
                if sink.recording() {
                    if self.streams > 1 && sink.due() {
                        sink.record(at, RestartState::Unit);
                    }
                    self.stream_at = (at, *sink.total);
                    self.head.clear();
                    self.tail.clear();
                }
                continue;
            }
            if rest.is_empty() {
                return Ok(());
            }
            let at = base + pos as u64;
            let (used, end) = self.decode_some(rest, at, buf, sink)?;
            if sink.recording() {
                let bytes = &rest[..used];
                if self.head.len() < 12 {
                    let n = (12 - self.head.len()).min(bytes.len());
                    self.head.extend_from_slice(&bytes[..n]);
                }
                self.tail.extend_from_slice(bytes);
                if self.tail.len() > 2 * TAIL {
                    self.tail.drain(..self.tail.len() - TAIL);
                }
            }
            pos += used;
            if end {
                self.in_stream = false;
                if sink.recording() {
                    self.record_blocks(base + pos as u64, sink);
                }
            }
        }
    }

    /// Decodes all of `input` inside a stream.
    fn decode(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        let mut pos = 0;
        while pos < input.len() {
            let (used, end) = self.decode_some(&input[pos..], base + pos as u64, buf, sink)?;
            pos += used;
            if end {
                break;
            }
        }
        Ok(())
    }

    /// One call of the decoder; returns the bytes used and whether the stream ended.
    fn decode_some(
        &mut self,
        rest: &[u8],
        at: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(usize, bool), Fail> {
        // Hold back the last byte for a call of its own: the decoder cannot be called
        // without input, so output still pending when it runs out of input would stay
        // stuck if the input ended there.
        let offer = rest
            .get(..(rest.len() - 1).clamp(1, XZ_IN_STEP))
            .unwrap_or(rest);
        let r = self
            .dec
            .decode(offer, buf)
            .map_err(|e| xz_error(e, at, self.streams))?;
        let (used, written) = (r.input_consumed().min(offer.len()), r.output_produced());
        sink.emit(buf.get(..written).unwrap_or_default());
        if r.is_end_of_stream() {
            return Ok((used, true));
        }
        if used == 0 && written == 0 {
            return Err(corrupt(at, "the decoder made no progress"));
        }
        Ok((used, false))
    }

    /// A stream ended at `end`: its index (before the 12-byte footer) lists its blocks.
    fn record_blocks(&mut self, end: u64, sink: &mut Sink<'_>) {
        let (Some(flags), Some((index_at, blocks))) = (
            self.head.get(6..8).map(|f| [f[0], f[1]]),
            index(&self.tail, end),
        ) else {
            return;
        };
        let (mut stored, mut plain) = (self.stream_at.0 + 12, self.stream_at.1);
        let mut points = Vec::new();
        for (k, &(unpadded, uncompressed)) in blocks.iter().enumerate() {
            if k > 0 {
                points.push((stored, plain));
            }
            stored += unpadded.div_ceil(4) * 4;
            plain += uncompressed;
        }
        // The index must describe exactly the stream's bytes and output.
        if stored != index_at || plain != *sink.total {
            return;
        }
        for (stored, plain) in points {
            if sink.due_at(plain) {
                sink.record_at(
                    stored,
                    plain,
                    RestartState::XzBlock {
                        flags,
                        blocks_end: index_at,
                        stream_end: end,
                    },
                );
            }
        }
    }

    pub(super) fn finish(&mut self, end: u64) -> Result<(), Fail> {
        if self.in_stream || self.streams == 0 {
            return Err((end, DecompressErrorKind::Truncated));
        }
        if !self.padding.is_multiple_of(4) {
            return Err(corrupt(
                end - self.padding,
                "stream padding is not a multiple of four bytes",
            ));
        }
        Ok(())
    }
}

/// The blocks a stream's index lists, from the stream's last bytes (`tail`, ending at
/// file offset `end`): where the index starts, and each block's (unpadded size,
/// uncompressed size). None if the tail does not hold a well-formed index.
fn index(tail: &[u8], end: u64) -> Option<(u64, Vec<(u64, u64)>)> {
    // Stream footer (§2.1.2): CRC-32, backward size, flags, "YZ".
    let footer = tail.get(tail.len().checked_sub(12)?..)?;
    if footer[10..12] != *b"YZ" {
        return None;
    }
    let backward = u32::from_le_bytes([footer[4], footer[5], footer[6], footer[7]]);
    let size = (u64::from(backward) + 1) * 4;
    let start = tail.len().checked_sub(12 + usize::try_from(size).ok()?)?;
    let idx = &tail[start..tail.len() - 12];
    // Index (§4): indicator 0, number of records, records, padding, CRC-32.
    if idx.first() != Some(&0) {
        return None;
    }
    let stored_crc = u32::from_le_bytes(idx[idx.len() - 4..].try_into().ok()?);
    if crc32fast::hash(&idx[..idx.len() - 4]) != stored_crc {
        return None;
    }
    let mut pos = 1;
    let count = vli(idx, &mut pos)?;
    let mut blocks = Vec::new();
    for _ in 0..count {
        let unpadded = vli(idx, &mut pos)?;
        let uncompressed = vli(idx, &mut pos)?;
        blocks.push((unpadded, uncompressed));
    }
    Some((end - 12 - size, blocks))
}

/// A variable-length integer (§1.2): 7 bits a byte, least significant first.
fn vli(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn xz_error(e: xz4rust::XzError, at: u64, streams: u64) -> Fail {
    use xz4rust::XzError as E;
    match e {
        E::StreamHeaderMagicNumberMismatch if streams > 1 => {
            (at, DecompressErrorKind::TrailingData)
        }
        E::StreamHeaderMagicNumberMismatch => corrupt(at, "not an xz stream"),
        E::DictionaryTooLarge(n) => unsupported(
            at,
            format!("a dictionary of {n} bytes, more than the {MAX_WINDOW}-byte limit"),
        ),
        E::UnsupportedStreamHeaderOption
        | E::UnsupportedBlockHeaderOption
        | E::UnsupportedLzmaProperties(_)
        | E::UnsupportedCheckType(_)
        | E::UnsupportedBcjFilter(_) => unsupported(at, e.to_string()),
        e => corrupt(at, e.to_string()),
    }
}
