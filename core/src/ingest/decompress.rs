//! Transparent, streaming decompression of gzip, bzip2, zstd and xz, recognised by their
//! magic bytes ([`detect`]), never by a file name.
//!
//! Push-based like the rest of the core: [`Decoder::feed`] takes compressed chunks of any
//! size and hands decompressed bytes to a callback as soon as the format lets it, in pieces
//! of at most [`OUT_CHUNK`] bytes. Nothing holds the whole output: memory is bounded by the
//! format's own window (at most [`MAX_WINDOW`]) plus one zstd block, so a decompression
//! bomb streams through. [`Decoder::finish`] reports a stream cut short; by then every byte
//! the cut prefix can yield has been emitted, so a truncated `.pcap.gz` still shows every
//! packet before the cut. Checksums are verified where the format has them, after the data
//! they cover has been emitted (a stream cannot be checked before it is read).
//!
//! The decoders are pure Rust, so the wasm32 build needs no C toolchain:
//! - gzip: `miniz_oxide`'s raw-deflate stream (the engine of flate2's Rust backend) with the
//!   RFC 1952 member framing done here. flate2's push decoder (`write::MultiGzDecoder`)
//!   would hide where an error is and may panic when written to after finishing; doing the
//!   framing here gives exact offsets, FHCRC, CRC-32 and ISIZE checks, concatenated members
//!   and the zero padding gzip tolerates after the last member.
//! - bzip2: the `bzip2` crate on its default backend, `libbz2-rs-sys`, the maintained
//!   (Trifecta Tech Foundation) Rust port of libbzip2 1.0.8. bzip2 sorts whole blocks, so
//!   output comes a block (≤ 900 kB of input) at a time.
//! - zstd: `ruzstd`. Its own streaming decoder pulls from `Read`, so we frame the input
//!   here (RFC 8878: frame header, then one block ≤ 128 KiB at a time) and hand its
//!   `FrameDecoder` whole blocks: pending input never exceeds one block. Output lags by
//!   the frame's window, which `ruzstd` keeps for back-references until the frame ends.
//! - xz: `xz4rust`, a safe port of xz-embedded (the Linux kernel's decoder) whose API is
//!   in/out buffers, i.e. push-based. `lzma-rs`'s push decoder only reads raw LZMA and
//!   `lzma-rust2` only pulls from `Read`.

use crate::capture::file::Compression;
use serde::Serialize;
use std::fmt;

/// Largest piece of output handed to the callback at once.
pub const OUT_CHUNK: usize = 64 * 1024;

/// Largest history window (zstd window, xz dictionary) a stream may ask for. Both are
/// allocated up front from the stream's header, so this is what a hostile header can cost.
/// 128 MiB is libzstd's default limit and covers every xz preset (`xz -9`: 64 MiB).
pub const MAX_WINDOW: usize = 128 * 1024 * 1024;

/// The most bytes [`detect`] ever needs.
pub const DETECT_LEN: usize = 6;

/// How many bytes of a stream its magic covers.
fn magic_len(c: Compression) -> usize {
    match c {
        Compression::Gzip => 2,
        Compression::Bzip2 | Compression::Zstd => 4,
        Compression::Xz => 6,
    }
}

/// Whether byte `i` of a stream may be `b`.
fn magic_byte(c: Compression, i: usize, b: u8) -> bool {
    let fixed: &[u8] = match c {
        Compression::Gzip => &[0x1f, 0x8b],
        // "BZh" and the block size, '1'..='9' (hundreds of kB).
        Compression::Bzip2 if i == 3 => return (b'1'..=b'9').contains(&b),
        Compression::Bzip2 => b"BZh",
        Compression::Zstd => &[0x28, 0xb5, 0x2f, 0xfd],
        Compression::Xz => &[0xfd, b'7', b'z', b'X', b'Z', 0x00],
    };
    fixed.get(i) == Some(&b)
}

/// What the first bytes of a file say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    /// A compressed stream of this format.
    Compressed(Compression),
    /// Not compressed (or not in a format we know).
    Plain,
    /// Too few bytes to tell; at the end of the input this means [`Detect::Plain`].
    NeedMore,
}

/// Recognises a compressed stream by its magic bytes. Never needs more than
/// [`DETECT_LEN`] bytes; returns [`Detect::NeedMore`] while `prefix` is shorter than a magic
/// it could still be.
pub fn detect(prefix: &[u8]) -> Detect {
    let mut undecided = false;
    for c in Compression::ALL {
        let n = magic_len(c).min(prefix.len());
        if prefix[..n]
            .iter()
            .enumerate()
            .all(|(i, &b)| magic_byte(c, i, b))
        {
            if n == magic_len(c) {
                return Detect::Compressed(c);
            }
            undecided = true;
        }
    }
    if undecided {
        Detect::NeedMore
    } else {
        Detect::Plain
    }
}

/// What is wrong with a compressed stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum DecompressErrorKind {
    /// The input ends inside a stream.
    Truncated,
    /// The data is invalid: a bad header, undecodable data or a checksum mismatch.
    Corrupt {
        /// What was wrong.
        detail: String,
    },
    /// Valid, but beyond what we decode (a window above [`MAX_WINDOW`], an unknown
    /// method, filter or dictionary).
    Unsupported {
        /// What was asked for.
        detail: String,
    },
    /// Bytes after the end of the last stream that do not start another one.
    TrailingData,
}

/// A decompression error and where in the compressed input it was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecompressError {
    /// The format being decoded.
    pub compression: Compression,
    /// Offset in the compressed input where the problem was detected. Exact for framing
    /// (headers, trailers, zstd blocks); for damage inside compressed data it is where the
    /// decoder noticed, which may be a little past the damage (best effort).
    pub offset: u64,
    /// What was wrong.
    pub kind: DecompressErrorKind,
}

impl fmt::Display for DecompressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, offset) = (self.compression.name(), self.offset);
        match &self.kind {
            DecompressErrorKind::Truncated => {
                write!(
                    f,
                    "{name} stream is cut short after {offset} compressed bytes"
                )
            }
            DecompressErrorKind::Corrupt { detail } => {
                write!(
                    f,
                    "corrupt {name} data at compressed byte {offset}: {detail}"
                )
            }
            DecompressErrorKind::Unsupported { detail } => {
                write!(
                    f,
                    "unsupported {name} data at compressed byte {offset}: {detail}"
                )
            }
            DecompressErrorKind::TrailingData => {
                write!(f, "unexpected data after the end of the {name} stream at compressed byte {offset}")
            }
        }
    }
}

impl std::error::Error for DecompressError {}

/// An error inside a format's decoder: offset and kind; [`Decoder`] adds the format.
type Fail = (u64, DecompressErrorKind);

fn corrupt(offset: u64, detail: impl Into<String>) -> Fail {
    (
        offset,
        DecompressErrorKind::Corrupt {
            detail: detail.into(),
        },
    )
}

fn unsupported(offset: u64, detail: impl Into<String>) -> Fail {
    (
        offset,
        DecompressErrorKind::Unsupported {
            detail: detail.into(),
        },
    )
}

/// The output side: counts bytes and passes them on in pieces of at most [`OUT_CHUNK`].
struct Sink<'a> {
    out: &'a mut dyn FnMut(&[u8]),
    total: &'a mut u64,
}

impl Sink<'_> {
    fn emit(&mut self, bytes: &[u8]) {
        for piece in bytes.chunks(OUT_CHUNK) {
            *self.total += piece.len() as u64;
            (self.out)(piece);
        }
    }
}

/// Push-based decoder of one compressed file: [`feed`](Self::feed) chunks of any size,
/// then [`finish`](Self::finish).
///
/// After an error the decoder stops: later calls return the same error and emit nothing.
pub struct Decoder {
    compression: Compression,
    inner: Inner,
    /// Output buffer shared by the formats that decode into caller memory.
    buf: Vec<u8>,
    /// Compressed bytes fed so far.
    bytes_in: u64,
    /// Decompressed bytes emitted so far.
    bytes_out: u64,
    error: Option<DecompressError>,
    finished: bool,
    /// For bzip2 and xz: compressed bytes since the last [`PIECE`] boundary.
    piece: Vec<u8>,
}

/// bzip2 and xz are fed in pieces at fixed compressed offsets, so what they report
/// (output before damage, error offsets) does not depend on how the caller chunks the file.
const PIECE: usize = 4096;

enum Inner {
    Gzip(Gzip),
    Bzip2(Bzip2),
    // Boxed: ruzstd's decoder state is large.
    Zstd(Box<Zstd>),
    Xz(Xz),
}

impl Decoder {
    /// A decoder at the start of a stream of the given format.
    pub fn new(compression: Compression) -> Self {
        let inner = match compression {
            Compression::Gzip => Inner::Gzip(Gzip::new()),
            Compression::Bzip2 => Inner::Bzip2(Bzip2::new()),
            Compression::Zstd => Inner::Zstd(Box::new(Zstd::new())),
            Compression::Xz => Inner::Xz(Xz::new()),
        };
        let buf = match compression {
            Compression::Zstd => Vec::new(),
            _ => vec![0; OUT_CHUNK],
        };
        Self {
            compression,
            inner,
            buf,
            bytes_in: 0,
            bytes_out: 0,
            error: None,
            finished: false,
            piece: Vec::new(),
        }
    }

    /// The format being decoded.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Compressed bytes fed so far (for progress: compare with the file size).
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    /// Decompressed bytes emitted so far.
    pub fn bytes_out(&self) -> u64 {
        self.bytes_out
    }

    /// Feeds the next compressed bytes; `out` receives every decompressed byte they make
    /// available, in order, in pieces of at most [`OUT_CHUNK`] bytes.
    pub fn feed(
        &mut self,
        input: &[u8],
        out: &mut dyn FnMut(&[u8]),
    ) -> Result<(), DecompressError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let base = self.bytes_in;
        self.bytes_in += input.len() as u64;
        let result = if self.finished && !input.is_empty() {
            // Bytes after `finish` cannot belong to the stream.
            Err((base, DecompressErrorKind::TrailingData))
        } else if input.is_empty() {
            Ok(())
        } else {
            let mut sink = Sink {
                out,
                total: &mut self.bytes_out,
            };
            match &mut self.inner {
                Inner::Gzip(d) => d.feed(input, base, &mut sink),
                Inner::Zstd(d) => d.feed(input, base, &mut sink),
                _ => feed_pieces(
                    &mut self.inner,
                    &mut self.piece,
                    input,
                    base,
                    &mut self.buf,
                    &mut sink,
                ),
            }
        };
        self.check(result)
    }

    /// Ends the input. Returns an error if it ended inside a stream (or the stream was
    /// already found bad); every byte the input could yield has been emitted to `out` by
    /// the time this returns.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) -> Result<(), DecompressError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.finished = true;
        let end = self.bytes_in;
        let mut sink = Sink {
            out,
            total: &mut self.bytes_out,
        };
        if !self.piece.is_empty() {
            let piece = std::mem::take(&mut self.piece);
            let at = end - piece.len() as u64;
            if let Err(e) = feed_piece(&mut self.inner, &piece, at, &mut self.buf, &mut sink) {
                return self.check(Err(e));
            }
        }
        let result = match &mut self.inner {
            Inner::Gzip(d) => d.finish(end),
            Inner::Bzip2(d) => d.finish(end),
            Inner::Zstd(d) => d.finish(end, &mut sink),
            Inner::Xz(d) => d.finish(end),
        };
        self.check(result)
    }

    fn check(&mut self, result: Result<(), Fail>) -> Result<(), DecompressError> {
        result.map_err(|(offset, kind)| {
            let e = DecompressError {
                compression: self.compression,
                offset,
                kind,
            };
            self.error = Some(e.clone());
            e
        })
    }
}

/// Cuts `input` (at compressed offset `base`) into pieces ending at multiples of [`PIECE`];
/// the bytes after the last boundary wait in `piece`.
fn feed_pieces(
    inner: &mut Inner,
    piece: &mut Vec<u8>,
    input: &[u8],
    base: u64,
    buf: &mut [u8],
    sink: &mut Sink<'_>,
) -> Result<(), Fail> {
    let (mut rest, mut at) = (input, base);
    if !piece.is_empty() {
        let take = (PIECE - piece.len()).min(rest.len());
        piece.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        at += take as u64;
        if piece.len() < PIECE {
            return Ok(());
        }
        let whole = std::mem::take(piece);
        feed_piece(inner, &whole, at - PIECE as u64, buf, sink)?;
    }
    while rest.len() >= PIECE {
        feed_piece(inner, &rest[..PIECE], at, buf, sink)?;
        rest = &rest[PIECE..];
        at += PIECE as u64;
    }
    piece.extend_from_slice(rest);
    Ok(())
}

fn feed_piece(
    inner: &mut Inner,
    bytes: &[u8],
    at: u64,
    buf: &mut [u8],
    sink: &mut Sink<'_>,
) -> Result<(), Fail> {
    match inner {
        Inner::Bzip2(d) => d.feed(bytes, at, buf, sink),
        Inner::Xz(d) => d.feed(bytes, at, buf, sink),
        Inner::Gzip(d) => d.feed(bytes, at, sink),
        Inner::Zstd(d) => d.feed(bytes, at, sink),
    }
}

// ---------------------------------------------------------------------------------------
// gzip (RFC 1952)

mod gz_flag {
    pub const FHCRC: u8 = 0x02;
    pub const FEXTRA: u8 = 0x04;
    pub const FNAME: u8 = 0x08;
    pub const FCOMMENT: u8 = 0x10;
    pub const RESERVED: u8 = 0xe0;
}

struct Gzip {
    state: GzState,
    /// miniz_oxide's core decoder over our own 32 KiB window (not its stream wrapper,
    /// which drops the window's pending output when it meets damaged data: every byte
    /// decoded before the damage must reach the reader).
    inflate: Box<miniz_oxide::inflate::core::DecompressorOxide>,
    window: Box<[u8; miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE]>,
    window_pos: usize,
    /// CRC-32 and size (mod 2^32) of the current member's output, for its trailer.
    crc: crc32fast::Hasher,
    size: u32,
    /// Members completed.
    members: u64,
}

enum GzState {
    Header(GzHeader),
    Body,
    /// The 8-byte trailer (CRC-32, ISIZE), starting at compressed offset `at`.
    Trailer {
        bytes: [u8; 8],
        have: usize,
        at: u64,
    },
    /// Zero bytes after the last member, which gzip ignores.
    Padding,
}

/// A member header being read byte by byte (its optional fields have no length bound
/// worth buffering: names and comments end at a zero byte).
struct GzHeader {
    fixed: [u8; 10],
    /// Header bytes seen so far.
    seen: u64,
    stage: HeaderStage,
    /// CRC-32 of the header bytes so far, for FHCRC.
    crc: crc32fast::Hasher,
}

#[derive(Clone, Copy)]
enum HeaderStage {
    Fixed,
    ExtraLen { lo: Option<u8> },
    Extra { left: u16 },
    Name,
    Comment,
    Hcrc { lo: Option<u8> },
}

impl GzHeader {
    fn new() -> Self {
        Self {
            fixed: [0; 10],
            seen: 0,
            stage: HeaderStage::Fixed,
            crc: crc32fast::Hasher::new(),
        }
    }

    fn flags(&self) -> u8 {
        self.fixed[3]
    }

    /// The stage after `done` (the optional fields come in the order of RFC 1952 §2.3).
    fn next_stage(&self, done: HeaderStage) -> Option<HeaderStage> {
        let f = self.flags();
        let order = [
            (gz_flag::FEXTRA, HeaderStage::ExtraLen { lo: None }),
            (gz_flag::FNAME, HeaderStage::Name),
            (gz_flag::FCOMMENT, HeaderStage::Comment),
            (gz_flag::FHCRC, HeaderStage::Hcrc { lo: None }),
        ];
        let from = match done {
            HeaderStage::Fixed => 0,
            HeaderStage::ExtraLen { .. } | HeaderStage::Extra { .. } => 1,
            HeaderStage::Name => 2,
            HeaderStage::Comment => 3,
            HeaderStage::Hcrc { .. } => 4,
        };
        order
            .iter()
            .skip(from)
            .find(|(bit, _)| f & bit != 0)
            .map(|&(_, s)| s)
    }

    /// Takes one header byte at compressed offset `at`; returns whether the header is
    /// complete. `first` says whether this is the file's first member.
    fn byte(&mut self, b: u8, at: u64, first: bool) -> Result<bool, Fail> {
        let seen = self.seen;
        self.seen += 1;
        let stage = self.stage;
        if !matches!(stage, HeaderStage::Hcrc { .. }) {
            self.crc.update(&[b]);
        }
        let next = match stage {
            HeaderStage::Fixed => {
                let i = seen as usize;
                if let Some(slot) = self.fixed.get_mut(i) {
                    *slot = b;
                }
                if i < 2 && !magic_byte(Compression::Gzip, i, b) {
                    return Err(if first {
                        corrupt(at, "not a gzip header")
                    } else {
                        (at - seen, DecompressErrorKind::TrailingData)
                    });
                }
                if i == 2 && b != 8 {
                    return Err(unsupported(
                        at,
                        format!("compression method {b} (only 8, deflate, exists)"),
                    ));
                }
                if i == 3 && b & gz_flag::RESERVED != 0 {
                    return Err(corrupt(at, format!("reserved header flags set ({b:#04x})")));
                }
                if i < 9 {
                    return Ok(false);
                }
                self.next_stage(stage)
            }
            HeaderStage::ExtraLen { lo: None } => Some(HeaderStage::ExtraLen { lo: Some(b) }),
            HeaderStage::ExtraLen { lo: Some(lo) } => {
                let left = u16::from_le_bytes([lo, b]);
                if left == 0 {
                    self.next_stage(stage)
                } else {
                    Some(HeaderStage::Extra { left })
                }
            }
            HeaderStage::Extra { left } => {
                if left > 1 {
                    Some(HeaderStage::Extra { left: left - 1 })
                } else {
                    self.next_stage(stage)
                }
            }
            HeaderStage::Name | HeaderStage::Comment => {
                if b == 0 {
                    self.next_stage(stage)
                } else {
                    Some(stage)
                }
            }
            HeaderStage::Hcrc { lo: None } => Some(HeaderStage::Hcrc { lo: Some(b) }),
            HeaderStage::Hcrc { lo: Some(lo) } => {
                let stored = u16::from_le_bytes([lo, b]);
                // FHCRC is the low 16 bits of the CRC-32 of the header before it.
                let actual = (self.crc.clone().finalize() & 0xffff) as u16;
                if stored != actual {
                    return Err(corrupt(
                        at - 1,
                        format!("header CRC mismatch (stored {stored:04x}, computed {actual:04x})"),
                    ));
                }
                None
            }
        };
        match next {
            Some(s) => {
                self.stage = s;
                Ok(false)
            }
            None => Ok(true),
        }
    }
}

impl Gzip {
    fn new() -> Self {
        use miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE;
        Self {
            state: GzState::Header(GzHeader::new()),
            inflate: Box::default(),
            window: Box::new([0; TINFL_LZ_DICT_SIZE]),
            window_pos: 0,
            crc: crc32fast::Hasher::new(),
            size: 0,
            members: 0,
        }
    }

    fn feed(&mut self, input: &[u8], base: u64, sink: &mut Sink<'_>) -> Result<(), Fail> {
        let mut pos = 0;
        loop {
            match &mut self.state {
                GzState::Header(h) => {
                    let Some(&b) = input.get(pos) else {
                        return Ok(());
                    };
                    if b == 0 && h.seen == 0 && self.members > 0 {
                        self.state = GzState::Padding;
                        continue;
                    }
                    let done = h.byte(b, base + pos as u64, self.members == 0)?;
                    pos += 1;
                    if done {
                        self.state = GzState::Body;
                    }
                }
                GzState::Body => {
                    let rest = input.get(pos..).unwrap_or_default();
                    let (used, end) = self.inflate_some(rest, base + pos as u64, sink)?;
                    pos += used;
                    if !end {
                        return Ok(());
                    }
                    self.state = GzState::Trailer {
                        bytes: [0; 8],
                        have: 0,
                        at: base + pos as u64,
                    };
                }
                GzState::Trailer { bytes, have, at } => {
                    let rest = input.get(pos..).unwrap_or_default();
                    let n = (8 - *have).min(rest.len());
                    bytes[*have..*have + n].copy_from_slice(&rest[..n]);
                    *have += n;
                    pos += n;
                    if *have < 8 {
                        return Ok(());
                    }
                    let crc = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                    let size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
                    let actual = std::mem::take(&mut self.crc).finalize();
                    if crc != actual {
                        return Err(corrupt(
                            *at,
                            format!(
                                "CRC-32 mismatch (trailer says {crc:08x}, data gives {actual:08x})"
                            ),
                        ));
                    }
                    if size != self.size {
                        return Err(corrupt(
                            *at + 4,
                            format!(
                                "length mismatch (trailer says {size} mod 2^32, data gives {})",
                                self.size
                            ),
                        ));
                    }
                    self.members += 1;
                    self.size = 0;
                    self.inflate.init();
                    self.window_pos = 0;
                    self.state = GzState::Header(GzHeader::new());
                }
                GzState::Padding => {
                    let rest = input.get(pos..).unwrap_or_default();
                    return match rest.iter().position(|&b| b != 0) {
                        None => Ok(()),
                        Some(i) => {
                            Err((base + (pos + i) as u64, DecompressErrorKind::TrailingData))
                        }
                    };
                }
            }
        }
    }

    /// Inflates from `input` until it is used up or the member's deflate stream ends.
    /// Returns the bytes consumed and whether the deflate stream ended.
    fn inflate_some(
        &mut self,
        input: &[u8],
        base: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(usize, bool), Fail> {
        use miniz_oxide::inflate::core::{
            decompress, inflate_flags::TINFL_FLAG_HAS_MORE_INPUT, TINFL_LZ_DICT_SIZE,
        };
        use miniz_oxide::inflate::TINFLStatus;
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            let (status, used, written) = decompress(
                &mut self.inflate,
                rest,
                &mut self.window[..],
                self.window_pos,
                TINFL_FLAG_HAS_MORE_INPUT,
            );
            pos += used;
            // The decoder writes from `window_pos` up to the window's end at most.
            let out = self
                .window
                .get(self.window_pos..self.window_pos + written)
                .unwrap_or_default();
            self.crc.update(out);
            self.size = self.size.wrapping_add(out.len() as u32);
            sink.emit(out);
            self.window_pos = (self.window_pos + written) & (TINFL_LZ_DICT_SIZE - 1);
            match status {
                TINFLStatus::Done => return Ok((pos, true)),
                TINFLStatus::HasMoreOutput => {}
                TINFLStatus::NeedsMoreInput => {
                    if pos >= input.len() {
                        return Ok((pos, false));
                    }
                    if used == 0 && written == 0 {
                        return Err(corrupt(
                            base + pos as u64,
                            "the deflate decoder made no progress",
                        ));
                    }
                }
                _ => return Err(corrupt(base + pos as u64, "invalid deflate data")),
            }
        }
    }

    fn finish(&mut self, end: u64) -> Result<(), Fail> {
        match &self.state {
            GzState::Header(h) if h.seen == 0 && self.members > 0 => Ok(()),
            GzState::Padding => Ok(()),
            _ => Err((end, DecompressErrorKind::Truncated)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// bzip2

struct Bzip2 {
    /// The current stream's decoder; `None` between streams.
    stream: Option<bzip2::Decompress>,
    /// Compressed offset where the current stream starts.
    stream_at: u64,
    /// Streams started.
    streams: u64,
}

impl Bzip2 {
    fn new() -> Self {
        Self {
            stream: None,
            stream_at: 0,
            streams: 0,
        }
    }

    fn feed(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        use bzip2::{Error, Status};
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
                    self.stream.insert(bzip2::Decompress::new(false))
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
                Ok(Status::StreamEnd) => self.stream = None,
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

    fn finish(&mut self, end: u64) -> Result<(), Fail> {
        if self.stream.is_some() || self.streams == 0 {
            return Err((end, DecompressErrorKind::Truncated));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// zstd (RFC 8878)

/// Largest block, compressed or not (RFC 8878 §3.1.1.2.3).
const ZSTD_MAX_BLOCK: usize = 128 * 1024;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

struct Zstd {
    frame: ruzstd::decoding::FrameDecoder,
    state: ZState,
    /// The unit being assembled (frame header, or block header + body [+ checksum]).
    pending: Vec<u8>,
    /// Compressed offset of `pending[0]`.
    unit_at: u64,
    /// Frames started (skippable ones included).
    frames: u64,
    /// The current frame ends with a content checksum.
    checksum: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ZState {
    /// At the start of a frame (or at the end of the input).
    Magic,
    /// Inside a frame, at a block.
    Block,
    /// Inside a skippable frame's data.
    Skip { left: u64 },
}

/// Sends `ruzstd`'s output on (it drains into a `Write`).
struct ZWriter<'s, 'a>(&'s mut Sink<'a>);

impl std::io::Write for ZWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.emit(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Zstd {
    fn new() -> Self {
        let mut frame = ruzstd::decoding::FrameDecoder::new();
        frame.set_max_window_size(MAX_WINDOW as u64);
        Self {
            frame,
            state: ZState::Magic,
            pending: Vec::new(),
            unit_at: 0,
            frames: 0,
            checksum: false,
        }
    }

    /// Total length of the unit starting at `pending[0]`, as far as its first bytes tell
    /// (it may grow as more of a header arrives).
    fn unit_len(&self) -> Result<usize, Fail> {
        let p = &self.pending;
        match self.state {
            ZState::Magic => {
                if p.len() < 4 {
                    return Ok(4);
                }
                if p[..4] == ZSTD_MAGIC {
                    let Some(&fhd) = p.get(4) else { return Ok(5) };
                    // §3.1.1.1.1: Frame_Header_Descriptor.
                    let single_segment = fhd & 0x20 != 0;
                    let window = usize::from(!single_segment);
                    let dict_id = [0, 1, 2, 4][usize::from(fhd & 3)];
                    let fcs = match fhd >> 6 {
                        0 => usize::from(single_segment),
                        1 => 2,
                        2 => 4,
                        _ => 8,
                    };
                    return Ok(5 + window + dict_id + fcs);
                }
                // §3.1.2: skippable frames, magic 0x184D2A5?.
                if p[0] & 0xf0 == 0x50 && p[1..4] == [0x2a, 0x4d, 0x18] {
                    return Ok(8);
                }
                Err(if self.frames == 0 {
                    corrupt(self.unit_at, "not a zstd frame")
                } else {
                    (self.unit_at, DecompressErrorKind::TrailingData)
                })
            }
            ZState::Block => {
                if p.len() < 3 {
                    return Ok(3);
                }
                let (last, body) = self.block_header()?;
                Ok(3 + body + if last && self.checksum { 4 } else { 0 })
            }
            ZState::Skip { .. } => Ok(0),
        }
    }

    /// Parses the block header at `pending[..3]` (§3.1.1.2): last-block flag, body length.
    fn block_header(&self) -> Result<(bool, usize), Fail> {
        let Some(&[a, b, c]) = self.pending.first_chunk::<3>() else {
            return Err(corrupt(self.unit_at, "block header cut short"));
        };
        let h = u32::from_le_bytes([a, b, c, 0]);
        let size = (h >> 3) as usize;
        if size > ZSTD_MAX_BLOCK {
            return Err(corrupt(
                self.unit_at,
                format!("block of {size} bytes, more than 128 KiB"),
            ));
        }
        let body = match (h >> 1) & 3 {
            0 | 2 => size, // raw, compressed
            1 => 1,        // RLE: one byte repeated `size` times
            _ => return Err(corrupt(self.unit_at, "reserved block type")),
        };
        Ok((h & 1 != 0, body))
    }

    fn feed(&mut self, input: &[u8], base: u64, sink: &mut Sink<'_>) -> Result<(), Fail> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if let ZState::Skip { left } = self.state {
                let n = left.min(rest.len() as u64);
                pos += n as usize;
                if n < left {
                    self.state = ZState::Skip { left: left - n };
                    return Ok(());
                }
                self.state = ZState::Magic;
                self.unit_at = base + pos as u64;
                continue;
            }
            if self.state == ZState::Magic && self.pending.is_empty() && rest.is_empty() {
                return Ok(());
            }
            let need = self.unit_len()?;
            if self.pending.len() < need {
                let n = (need - self.pending.len()).min(rest.len());
                self.pending.extend_from_slice(&rest[..n]);
                pos += n;
                if self.pending.len() < need {
                    return Ok(());
                }
                continue; // A longer header may now say the unit is longer still.
            }
            self.unit(sink)?;
            self.unit_at += self.pending.len() as u64;
            self.pending.clear();
        }
    }

    /// Decodes the complete unit in `pending`.
    fn unit(&mut self, sink: &mut Sink<'_>) -> Result<(), Fail> {
        use ruzstd::decoding::errors::FrameDecoderError as E;
        use ruzstd::decoding::BlockDecodingStrategy;
        let at = self.unit_at;
        match self.state {
            ZState::Magic if self.pending.get(..4) == Some(&ZSTD_MAGIC[..]) => {
                self.frames += 1;
                self.checksum = self.pending.get(4).is_some_and(|fhd| fhd & 4 != 0);
                self.frame
                    .reset(&mut self.pending.as_slice())
                    .map_err(|e| match e {
                        E::WindowSizeTooBig { requested, max } => unsupported(
                            at,
                            format!(
                                "a window of {requested} bytes, more than the {max}-byte limit"
                            ),
                        ),
                        E::DictNotProvided { dict_id } => unsupported(
                            at,
                            format!("needs dictionary {dict_id}, which we do not have"),
                        ),
                        e => corrupt(at, format!("bad frame header: {e}")),
                    })?;
                self.state = ZState::Block;
            }
            ZState::Magic => {
                self.frames += 1;
                // Frame_Size, after the magic (`unit_len` made it 8 bytes).
                let len = self
                    .pending
                    .get(4..8)
                    .and_then(|s| s.try_into().ok())
                    .map_or(0, u32::from_le_bytes);
                self.state = ZState::Skip {
                    left: u64::from(len),
                };
            }
            ZState::Block => {
                let (last, _) = self.block_header()?;
                self.frame
                    .decode_blocks(
                        &mut self.pending.as_slice(),
                        BlockDecodingStrategy::UptoBlocks(1),
                    )
                    .map_err(|e| corrupt(at, format!("bad block: {e}")))?;
                self.frame
                    .collect_to_writer(ZWriter(sink))
                    .map_err(|e| corrupt(at, format!("cannot drain the block: {e}")))?;
                if last {
                    self.state = ZState::Magic;
                    if self.checksum {
                        let stored = self.frame.get_checksum_from_data();
                        let actual = self.frame.get_calculated_checksum();
                        if stored != actual {
                            return Err(corrupt(
                                at + self.pending.len() as u64 - 4,
                                format!(
                                    "content checksum mismatch (frame says {:08x}, data gives {:08x})",
                                    stored.unwrap_or(0),
                                    actual.unwrap_or(0)
                                ),
                            ));
                        }
                    }
                }
            }
            ZState::Skip { .. } => {}
        }
        Ok(())
    }

    fn finish(&mut self, end: u64, sink: &mut Sink<'_>) -> Result<(), Fail> {
        match self.state {
            ZState::Magic if self.pending.is_empty() && self.frames > 0 => Ok(()),
            ZState::Block => {
                self.flush_cut_frame(sink);
                Err((end, DecompressErrorKind::Truncated))
            }
            _ => Err((end, DecompressErrorKind::Truncated)),
        }
    }

    /// The input ends inside a frame. `ruzstd` holds back the last window of output for
    /// back-references until the frame's last block; end the frame by hand so it lets go:
    /// decode the cut block if only its checksum is missing, else append an empty last
    /// block. Checksums are not verified: the frame is incomplete anyway.
    fn flush_cut_frame(&mut self, sink: &mut Sink<'_>) {
        use ruzstd::decoding::BlockDecodingStrategy;
        let whole_block = match self.block_header() {
            Ok((true, body)) if self.pending.len() >= 3 + body => Some(3 + body),
            _ => None,
        };
        let mut unit = match whole_block {
            Some(n) => self.pending[..n].to_vec(),
            // An empty raw block with the last-block flag set.
            None => vec![1, 0, 0],
        };
        if self.checksum {
            unit.extend_from_slice(&[0; 4]);
        }
        if self
            .frame
            .decode_blocks(&mut unit.as_slice(), BlockDecodingStrategy::UptoBlocks(1))
            .is_ok()
        {
            let _ = self.frame.collect_to_writer(ZWriter(sink));
        }
        self.pending.clear();
    }
}

// ---------------------------------------------------------------------------------------
// xz

/// Largest input handed to the xz decoder per call: it reports no offset with an error,
/// so this bounds how far off the reported offset can be.
const XZ_IN_STEP: usize = 16 * 1024;

struct Xz {
    dec: Box<xz4rust::XzDecoder<'static>>,
    /// Inside a stream (else between streams, where stream padding may come).
    in_stream: bool,
    /// Streams started.
    streams: u64,
    /// Zero bytes of stream padding since the last stream.
    padding: u64,
}

impl Xz {
    fn new() -> Self {
        // The dictionary is allocated when a block header says how large it is.
        Self {
            dec: xz4rust::XzDecoder::in_heap_with_alloc_dict_size(0, MAX_WINDOW),
            in_stream: false,
            streams: 0,
            padding: 0,
        }
    }

    fn feed(
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
                continue;
            }
            if rest.is_empty() {
                return Ok(());
            }
            // Hold back the last byte for a call of its own: the decoder cannot be called
            // without input, so output still pending when it runs out of input would stay
            // stuck if the input ended there.
            let offer = rest
                .get(..(rest.len() - 1).clamp(1, XZ_IN_STEP))
                .unwrap_or(rest);
            let at = base + pos as u64;
            let r = self
                .dec
                .decode(offer, buf)
                .map_err(|e| xz_error(e, at, self.streams))?;
            let (used, written) = (r.input_consumed().min(offer.len()), r.output_produced());
            pos += used;
            sink.emit(buf.get(..written).unwrap_or_default());
            if r.is_end_of_stream() {
                self.in_stream = false;
            } else if used == 0 && written == 0 {
                return Err(corrupt(at, "the decoder made no progress"));
            }
        }
    }

    fn finish(&mut self, end: u64) -> Result<(), Fail> {
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

#[cfg(test)]
mod test {
    use super::*;

    const PLAIN: &[u8] = include_bytes!("../../tests/data/compressed/one_tcp_stream.pcap");
    const GZ: &[u8] = include_bytes!("../../tests/data/compressed/one_tcp_stream.pcap.gz");
    const BZ2: &[u8] = include_bytes!("../../tests/data/compressed/one_tcp_stream.pcap.bz2");
    const ZST: &[u8] = include_bytes!("../../tests/data/compressed/one_tcp_stream.pcap.zst");
    const XZ: &[u8] = include_bytes!("../../tests/data/compressed/one_tcp_stream.pcap.xz");

    const FIXTURES: [(Compression, &[u8]); 4] = [
        (Compression::Gzip, GZ),
        (Compression::Bzip2, BZ2),
        (Compression::Zstd, ZST),
        (Compression::Xz, XZ),
    ];

    /// Decodes `input` fed in `chunk`-byte pieces; returns the output, the feed error if
    /// any, else the finish error.
    fn decode(
        c: Compression,
        input: &[u8],
        chunk: usize,
    ) -> (Vec<u8>, Result<(), DecompressError>) {
        let mut d = Decoder::new(c);
        let mut out = Vec::new();
        let mut emit = |b: &[u8]| {
            assert!(b.len() <= OUT_CHUNK, "a piece of {} bytes", b.len());
            out.extend_from_slice(b);
        };
        for piece in input.chunks(chunk.max(1)) {
            if let Err(e) = d.feed(piece, &mut emit) {
                assert_eq!(d.finish(&mut emit), Err(e.clone()), "errors are sticky");
                return (out, Err(e));
            }
        }
        let r = d.finish(&mut emit);
        assert_eq!(d.bytes_out(), out.len() as u64);
        (out, r)
    }

    /// Damage found by fuzzing: whatever the chunking, the same bytes come out before the
    /// damage (gzip used to drop its window's pending output; xz and bzip2 used to depend
    /// on where the caller's chunks ended) and the same error is reported.
    #[test]
    fn damaged_input_gives_the_same_result_whatever_the_chunking() {
        for (c, file) in [
            (Compression::Gzip, GZ),
            (Compression::Bzip2, BZ2),
            (Compression::Xz, XZ),
        ] {
            for at in [file.len() / 3, file.len() / 2, file.len() * 4 / 5] {
                let mut bad = file.to_vec();
                bad[at] ^= 0x5a;
                // (Damaged data may decode to wrong bytes until a checksum catches it.)
                let (whole, whole_err) = decode(c, &bad, bad.len());
                for chunk in [1, 7, 1000, 4095, 4097, 10_000] {
                    let (out, err) = decode(c, &bad, chunk);
                    assert_eq!(
                        (out.len(), &err),
                        (whole.len(), &whole_err),
                        "{c} damaged at {at}, chunk {chunk}"
                    );
                }
            }
        }
    }

    #[test]
    fn detect_every_magic() {
        for (c, file) in FIXTURES {
            assert_eq!(detect(file), Detect::Compressed(c), "{c}");
            assert_eq!(detect(&file[..magic_len(c)]), Detect::Compressed(c), "{c}");
            for n in 0..magic_len(c) {
                assert_eq!(detect(&file[..n]), Detect::NeedMore, "{c} prefix {n}");
            }
        }
        for level in b'1'..=b'9' {
            assert_eq!(
                detect(&[b'B', b'Z', b'h', level]),
                Detect::Compressed(Compression::Bzip2)
            );
        }
        assert_eq!(detect(b"BZh0"), Detect::Plain);
        assert_eq!(detect(b"BZx"), Detect::Plain);
        assert_eq!(detect(&[0xfd, b'7', b'z', b'X', b'Z', 1]), Detect::Plain);
        assert_eq!(detect(&[0x1f, 0x8c]), Detect::Plain);
        assert_eq!(detect(PLAIN), Detect::Plain, "pcap");
        assert_eq!(detect(&[0x0a, 0x0d, 0x0d, 0x0a]), Detect::Plain, "pcapng");
        assert_eq!(detect(&[0x1f]), Detect::NeedMore);
        assert_eq!(detect(&[0x28, 0xb5, 0x2f]), Detect::NeedMore);
        assert_eq!(detect(&[0xd4]), Detect::Plain);
        assert_eq!(detect(&[]), Detect::NeedMore);
    }

    #[test]
    fn every_chunk_size_gives_the_original() {
        for (c, file) in FIXTURES {
            let chunks = (1..=300).chain([509, 4096, 7000, file.len() - 1, file.len(), 1 << 20]);
            for chunk in chunks {
                let (out, r) = decode(c, file, chunk);
                assert_eq!(r, Ok(()), "{c} chunk {chunk}");
                assert!(out == PLAIN, "{c} chunk {chunk}: {} bytes out", out.len());
            }
        }
    }

    /// Every prefix of `file` yields a prefix of the original and a truncation error.
    fn check_every_truncated_prefix(c: Compression, file: &[u8]) {
        let mut longest = 0;
        for cut in 0..file.len() {
            let (out, r) = decode(c, &file[..cut], 997);
            assert!(
                PLAIN.starts_with(&out),
                "{c} cut {cut}: output is not a prefix"
            );
            let e = r.expect_err("a cut stream is an error");
            assert_eq!(e.kind, DecompressErrorKind::Truncated, "{c} cut {cut}: {e}");
            assert_eq!(e.offset, cut as u64, "{c} cut {cut}");
            assert!(
                out.len() >= longest,
                "{c} cut {cut}: less output than a shorter cut"
            );
            longest = out.len();
        }
        // Only the final checksums are missing: every byte has been emitted.
        let (out, _) = decode(c, &file[..file.len() - 1], 997);
        assert_eq!(out.len(), PLAIN.len(), "{c}");
    }

    // One test per format: they are the slow ones, and run in parallel.
    #[test]
    fn gzip_every_truncated_prefix() {
        check_every_truncated_prefix(Compression::Gzip, GZ);
    }

    #[test]
    fn bzip2_every_truncated_prefix() {
        check_every_truncated_prefix(Compression::Bzip2, BZ2);
    }

    #[test]
    fn zstd_every_truncated_prefix() {
        check_every_truncated_prefix(Compression::Zstd, ZST);
    }

    #[test]
    fn xz_every_truncated_prefix() {
        check_every_truncated_prefix(Compression::Xz, XZ);
    }

    #[test]
    fn truncation_message() {
        let e = decode(Compression::Gzip, &GZ[..1234], 100).1.unwrap_err();
        assert_eq!(
            e.to_string(),
            "gzip stream is cut short after 1234 compressed bytes"
        );
        let e = decode(Compression::Bzip2, &BZ2[..789], 100).1.unwrap_err();
        assert_eq!(
            e.to_string(),
            "bzip2 stream is cut short after 789 compressed bytes"
        );
    }

    /// Flipped bits give an error (or, where no check covers them, the right output),
    /// never a panic.
    fn check_corrupted_bytes(c: Compression, file: &[u8]) {
        let mut errors = 0;
        // Every byte of the headers and trailers, a sample of the data in between.
        let n = file.len();
        let positions = (0..n).filter(|&i| i < 128 || i + 64 >= n || i % 7 == 0);
        let mut tried = 0;
        for i in positions {
            for flip in [0x01, 0xff] {
                tried += 1;
                let mut bad = file.to_vec();
                bad[i] ^= flip;
                let (out, r) = decode(c, &bad, 4096);
                match r {
                    Err(e) => {
                        errors += 1;
                        assert!(e.offset <= bad.len() as u64, "{c} byte {i}: {e}");
                    }
                    // A flip may hit a byte no check covers (gzip's MTIME or OS field):
                    // then the output must still be right.
                    Ok(()) => assert!(
                        out == PLAIN,
                        "{c} byte {i} ^ {flip:#x}: accepted wrong data"
                    ),
                }
            }
        }
        assert!(
            errors * 10 > tried * 9,
            "{c}: only {errors} of {tried} corruptions noticed"
        );
    }

    #[test]
    fn gzip_corrupted_bytes() {
        check_corrupted_bytes(Compression::Gzip, GZ);
    }

    #[test]
    fn bzip2_corrupted_bytes() {
        check_corrupted_bytes(Compression::Bzip2, BZ2);
    }

    #[test]
    fn zstd_corrupted_bytes() {
        check_corrupted_bytes(Compression::Zstd, ZST);
    }

    #[test]
    fn xz_corrupted_bytes() {
        check_corrupted_bytes(Compression::Xz, XZ);
    }

    #[test]
    fn corruption_is_reported_near_where_it_is() {
        let mut bad = GZ.to_vec();
        let i = GZ.len() / 2;
        bad[i] ^= 0x55;
        let e = decode(Compression::Gzip, &bad, 100_000).1.unwrap_err();
        assert!(matches!(e.kind, DecompressErrorKind::Corrupt { .. }), "{e}");
        assert!(e.offset >= i as u64 && e.offset <= GZ.len() as u64, "{e}");
        // The trailer's CRC is exact.
        let mut bad = GZ.to_vec();
        let n = bad.len();
        bad[n - 8] ^= 1;
        let e = decode(Compression::Gzip, &bad, 100).1.unwrap_err();
        assert_eq!(e.offset, n as u64 - 8);
        assert!(
            e.to_string().starts_with(&format!(
                "corrupt gzip data at compressed byte {}: CRC-32",
                n - 8
            )),
            "{e}"
        );
    }

    #[test]
    fn random_input_never_panics() {
        // A small xorshift generator: deterministic, no dependency.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for (c, file) in FIXTURES {
            for round in 0..300 {
                let mut bad = file.to_vec();
                // Several random changes after a valid start, sometimes a random tail.
                for _ in 0..1 + next() % 8 {
                    let i = (next() % bad.len() as u64) as usize;
                    bad[i] = next() as u8;
                }
                if round % 3 == 0 {
                    let at = (next() % bad.len() as u64) as usize;
                    bad.truncate(at);
                    bad.extend((0..next() % 3000).map(|_| next() as u8));
                }
                let (out, r) = decode(c, &bad, 1 + (next() % 5000) as usize);
                if r.is_ok() {
                    assert!(out == PLAIN, "{c} round {round}: accepted wrong data");
                }
            }
        }
    }

    #[test]
    fn concatenated_streams_decode_to_the_concatenation() {
        let mut twice = PLAIN.to_vec();
        twice.extend_from_slice(PLAIN);
        for (c, file) in FIXTURES {
            let mut cat = file.to_vec();
            cat.extend_from_slice(file);
            for chunk in [1, 7, 1000, 1 << 20] {
                let (out, r) = decode(c, &cat, chunk);
                assert_eq!(r, Ok(()), "{c} chunk {chunk}");
                assert!(out == twice, "{c} chunk {chunk}: {} bytes", out.len());
            }
            // Cut inside the second stream: the whole first one is there.
            let (out, r) = decode(c, &cat[..file.len() + file.len() / 2], 1000);
            assert_eq!(r.unwrap_err().kind, DecompressErrorKind::Truncated, "{c}");
            assert!(out.len() >= PLAIN.len() && twice.starts_with(&out), "{c}");
        }
    }

    #[test]
    fn gzip_members_with_header_fields_and_padding() {
        // A member with FEXTRA, FNAME, FCOMMENT and FHCRC, built by hand around raw deflate.
        let deflated = miniz_oxide::deflate::compress_to_vec(b"hello ", 6);
        let mut member = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 255];
        member.extend_from_slice(&[3, 0, b'a', b'b', b'c']);
        member.extend_from_slice(b"name\0comment\0");
        let hcrc = crc32fast::hash(&member) as u16;
        member.extend_from_slice(&hcrc.to_le_bytes());
        member.extend_from_slice(&deflated);
        member.extend_from_slice(&crc32fast::hash(b"hello ").to_le_bytes());
        member.extend_from_slice(&6u32.to_le_bytes());
        let mut file = member.clone();
        file.extend_from_slice(GZ);
        file.extend_from_slice(&member);
        file.extend_from_slice(&[0; 10]);
        let mut expect = b"hello ".to_vec();
        expect.extend_from_slice(PLAIN);
        expect.extend_from_slice(b"hello ");
        for chunk in 1..40 {
            let (out, r) = decode(Compression::Gzip, &file, chunk);
            assert_eq!(r, Ok(()), "chunk {chunk}");
            assert!(out == expect, "chunk {chunk}");
        }
        // A wrong header CRC is caught.
        let mut bad = member.clone();
        bad[28] ^= 1; // the FHCRC field itself
        let e = decode(Compression::Gzip, &bad, 5).1.unwrap_err();
        assert_eq!(e.offset, 28);
        assert!(e.to_string().contains("header CRC mismatch"), "{e}");
        let mut bad = member.clone();
        bad[20] ^= 1; // a byte of the name, which only FHCRC covers
        let e = decode(Compression::Gzip, &bad, 5).1.unwrap_err();
        assert!(e.to_string().contains("header CRC mismatch"), "{e}");
        // Garbage after padding is reported where it starts, after all the data.
        let mut tail = member.clone();
        tail.extend_from_slice(&[0, 0, 7]);
        let (out, r) = decode(Compression::Gzip, &tail, 3);
        assert_eq!(out, b"hello ");
        let e = r.unwrap_err();
        assert_eq!(
            (e.kind, e.offset),
            (DecompressErrorKind::TrailingData, member.len() as u64 + 2)
        );
    }

    #[test]
    fn trailing_garbage_is_reported_after_all_output() {
        for (c, file) in FIXTURES {
            let mut f = file.to_vec();
            f.extend_from_slice(b"garbage!");
            let (out, r) = decode(c, &f, 1000);
            assert!(out == PLAIN, "{c}");
            let e = r.unwrap_err();
            assert_eq!(e.kind, DecompressErrorKind::TrailingData, "{c}: {e}");
            assert_eq!(e.offset, file.len() as u64, "{c}");
        }
    }

    #[test]
    fn xz_stream_padding() {
        let mut f = XZ.to_vec();
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(XZ);
        f.extend_from_slice(&[0; 4]);
        let (out, r) = decode(Compression::Xz, &f, 333);
        assert_eq!(r, Ok(()));
        assert_eq!(out.len(), 2 * PLAIN.len());
        let mut f = XZ.to_vec();
        f.extend_from_slice(&[0; 3]);
        let e = decode(Compression::Xz, &f, 333).1.unwrap_err();
        assert!(e.to_string().contains("multiple of four"), "{e}");
    }

    #[test]
    fn zstd_skippable_frames_and_multi_block_frames() {
        // ruzstd's own encoder splits the input into 128 KiB blocks.
        let data: Vec<u8> = (0..400_000u32)
            .map(|i| (i * 7 % 251) as u8 ^ (i >> 12) as u8)
            .collect();
        let z = ruzstd::encoding::compress_to_vec(
            &data[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let mut f = vec![0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5];
        f.extend_from_slice(&z);
        for chunk in [1, 100, 65536, 1 << 20] {
            let (out, r) = decode(Compression::Zstd, &f, chunk);
            assert_eq!(r, Ok(()), "chunk {chunk}");
            assert!(out == data, "chunk {chunk}");
        }
    }

    #[test]
    fn zstd_cut_frames_release_the_window() {
        // Raw (stored) blocks, so each block's output size is known from its header.
        let data: Vec<u8> = (0..600_000u32).map(|i| (i % 253) as u8).collect();
        let f = ruzstd::encoding::compress_to_vec(
            &data[..],
            ruzstd::encoding::CompressionLevel::Uncompressed,
        );
        let fhd = f[4];
        let checksum = if fhd & 4 != 0 { 4 } else { 0 };
        let mut pos = 5
            + usize::from(fhd & 0x20 == 0)
            + [0, 1, 2, 4][usize::from(fhd & 3)]
            + [usize::from(fhd & 0x20 != 0), 2, 4, 8][usize::from(fhd >> 6)];
        // (end of block in the file, output up to and including it)
        let mut ends = Vec::new();
        let mut total = 0;
        loop {
            let h = u32::from_le_bytes([f[pos], f[pos + 1], f[pos + 2], 0]);
            assert_eq!((h >> 1) & 3, 0, "a raw block");
            total += (h >> 3) as usize;
            pos += 3 + (h >> 3) as usize;
            ends.push((pos, total));
            if h & 1 != 0 {
                break;
            }
        }
        assert_eq!((pos + checksum, total), (f.len(), data.len()));
        assert!(ends.len() >= 4, "{} blocks", ends.len());
        // A cut anywhere yields every block before the cut (a last block lacking only its
        // checksum included): nothing stays held back in the window.
        let cuts = ends
            .iter()
            .flat_map(|&(e, _)| [e - 1, e, e + 1])
            .chain((7..f.len()).step_by(9973));
        for cut in cuts.filter(|&c| c < f.len()) {
            let (out, r) = decode(Compression::Zstd, &f[..cut], 4096);
            assert_eq!(
                r.unwrap_err().kind,
                DecompressErrorKind::Truncated,
                "cut {cut}"
            );
            assert!(data.starts_with(&out), "cut {cut}");
            let expect = ends
                .iter()
                .filter(|&&(e, _)| e <= cut)
                .map(|&(_, n)| n)
                .max()
                .unwrap_or(0);
            assert_eq!(out.len(), expect, "cut {cut}");
        }
    }

    #[test]
    fn bombs_stream_in_bounded_pieces() {
        // 8 MiB of zeros in every format that has an encoder at hand; output arrives in
        // pieces as the input is fed, never all at once.
        let zeros = vec![0u8; 8 << 20];
        let gz = {
            let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
            v.extend(miniz_oxide::deflate::compress_to_vec(&zeros, 1));
            v.extend(crc32fast::hash(&zeros).to_le_bytes());
            v.extend((zeros.len() as u32).to_le_bytes());
            v
        };
        let bz = {
            let mut c = bzip2::Compress::new(bzip2::Compression::fast(), 30);
            let mut v = Vec::with_capacity(1 << 20);
            let _ = c.compress_vec(&zeros, &mut v, bzip2::Action::Finish);
            v
        };
        let zst = ruzstd::encoding::compress_to_vec(
            &zeros[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        for (c, file) in [
            (Compression::Gzip, gz),
            (Compression::Bzip2, bz),
            (Compression::Zstd, zst),
        ] {
            assert!(file.len() < zeros.len() / 100, "{c}: {} bytes", file.len());
            let mut d = Decoder::new(c);
            let (mut total, mut pieces, mut largest) = (0usize, 0usize, 0usize);
            let mut emit = |b: &[u8]| {
                assert!(b.iter().all(|&x| x == 0));
                total += b.len();
                pieces += 1;
                largest = largest.max(b.len());
            };
            for chunk in file.chunks(1000) {
                d.feed(chunk, &mut emit).unwrap();
            }
            d.finish(&mut emit).unwrap();
            assert_eq!(total, zeros.len(), "{c}");
            assert!(
                largest <= OUT_CHUNK && pieces >= zeros.len() / OUT_CHUNK,
                "{c}: {pieces} pieces"
            );
        }
    }

    #[test]
    fn oversized_windows_are_refused_before_allocating() {
        // A zstd frame header asking for a 2 GiB window (Window_Descriptor exponent 21).
        let f = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0, 0, 0];
        let e = decode(Compression::Zstd, &f, 100).1.unwrap_err();
        assert!(
            matches!(e.kind, DecompressErrorKind::Unsupported { .. }),
            "{e}"
        );
        // An xz stream whose LZMA2 dictionary is 1.5 GiB: patch the fixture's first block
        // header (filter properties byte) and fix its CRC-32.
        let mut xz = XZ.to_vec();
        let hdr = 12;
        let len = (usize::from(xz[hdr]) + 1) * 4;
        let props = hdr + 2 + 1 + 1; // size, flags, filter id (0x21), props size (1)
        assert_eq!(&xz[hdr + 2..hdr + 4], &[0x21, 1]);
        xz[props] = 38; // 1.5 GiB (xz file format §5.3.1)
        let crc = crc32fast::hash(&xz[hdr..hdr + len - 4]);
        xz[hdr + len - 4..hdr + len].copy_from_slice(&crc.to_le_bytes());
        let e = decode(Compression::Xz, &xz, 100).1.unwrap_err();
        assert!(
            matches!(e.kind, DecompressErrorKind::Unsupported { .. }),
            "{e}"
        );
    }

    #[test]
    fn feeding_after_finish_or_empty_input() {
        let e = decode(Compression::Zstd, &[], 1).1.unwrap_err();
        assert_eq!(e.kind, DecompressErrorKind::Truncated);
        let mut d = Decoder::new(Compression::Gzip);
        let mut sink = |_: &[u8]| {};
        d.feed(GZ, &mut sink).unwrap();
        d.feed(&[], &mut sink).unwrap();
        d.finish(&mut sink).unwrap();
        let e = d.feed(b"x", &mut sink).unwrap_err();
        assert_eq!(e.kind, DecompressErrorKind::TrailingData);
    }
}
