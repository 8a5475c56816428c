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
//! With [`Decoder::with_restarts`] the decoder records restart points on the way
//! ([`crate::capture::restart`]: gzip members and deflate block boundaries with their 32 KiB
//! window, bzip2 blocks, zstd frames, xz blocks), at least [`RESTART_SPACING`] decompressed
//! bytes apart; [`Decoder::resume`] starts decoding at one. The ingest records them, so
//! that a packet deep in a large compressed file is re-read by decoding a few MiB. Cost
//! per point: about 60 bytes, plus 32 KiB for a deflate block boundary: at most 8 MiB per
//! GiB of decompressed gzip data, about 15 KiB per GiB for the other formats. Recording
//! costs the ingest nothing measurable for gzip (miniz_oxide stops at the next block
//! boundary when a point is due), zstd and xz (their frames and blocks are framed here
//! or listed by the stream's index), and a scan of the compressed bytes for block magics
//! for bzip2 (see `cargo bench -p wirelens-core --bench reread`).
//!
//! The decoders are pure Rust, so the wasm32 build needs no C toolchain:
//! - gzip: `miniz_oxide`'s raw-deflate decoder (the engine of flate2's Rust backend; its
//!   `block-boundary` feature stops at deflate block boundaries and resumes there) with the
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

mod bzip2;
mod detect;
mod gzip;
#[cfg(test)]
mod test;
mod xz;
mod zstd;

pub use detect::{detect, Detect, DETECT_LEN};

use crate::capture::file::Compression;
use crate::capture::restart::{RestartPoint, RestartState, Restarts};
use bzip2::Bzip2;
use gzip::Gzip;
use serde::Serialize;
use std::fmt;
use xz::Xz;
use zstd::Zstd;

/// Largest piece of output handed to the callback at once.
pub const OUT_CHUNK: usize = 64 * 1024;

/// Largest history window (zstd window, xz dictionary) a stream may ask for. Both are
/// allocated up front from the stream's header, so this is what a hostile header can cost.
/// 128 MiB is libzstd's default limit and covers every xz preset (`xz -9`: 64 MiB).
pub const MAX_WINDOW: usize = 128 * 1024 * 1024;

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
pub(super) type Fail = (u64, DecompressErrorKind);

pub(super) fn corrupt(offset: u64, detail: impl Into<String>) -> Fail {
    (
        offset,
        DecompressErrorKind::Corrupt {
            detail: detail.into(),
        },
    )
}

pub(super) fn unsupported(offset: u64, detail: impl Into<String>) -> Fail {
    (
        offset,
        DecompressErrorKind::Unsupported {
            detail: detail.into(),
        },
    )
}

/// Decompressed bytes between two restart points the ingest records, at least: a packet
/// deep in a compressed file is re-read by decoding about this much, and the points cost
/// at most 8 MiB per GiB of decompressed data (gzip's 32 KiB windows).
pub const RESTART_SPACING: u64 = 4 << 20;

/// Restart points being recorded.
pub(super) struct Recorder {
    spacing: u64,
    /// Decompressed offset from which the next point is due.
    next: u64,
    points: Vec<RestartPoint>,
}

/// The output side: counts bytes and passes them on in pieces of at most [`OUT_CHUNK`];
/// takes the restart points the format finds, if they are recorded.
pub(super) struct Sink<'a> {
    pub(super) out: &'a mut dyn FnMut(&[u8]),
    pub(super) total: &'a mut u64,
    pub(super) restarts: Option<&'a mut Recorder>,
}

impl Sink<'_> {
    /// Whether restart points are recorded.
    pub(super) fn recording(&self) -> bool {
        self.restarts.is_some()
    }

    /// Whether a restart point here (at the output so far) is due.
    pub(super) fn due(&self) -> bool {
        self.due_at(*self.total)
    }

    /// Whether a restart point at decompressed offset `plain` is due.
    pub(super) fn due_at(&self, plain: u64) -> bool {
        self.restarts.as_ref().is_some_and(|r| plain >= r.next)
    }

    /// Records a restart point at stored offset `stored` and the output so far; returns
    /// its index among the file's points.
    pub(super) fn record(&mut self, stored: u64, state: RestartState) -> Option<usize> {
        let plain = *self.total;
        self.record_at(stored, plain, state)
    }

    /// Records a restart point at stored offset `stored`, decompressed offset `plain`.
    pub(super) fn record_at(
        &mut self,
        stored: u64,
        plain: u64,
        state: RestartState,
    ) -> Option<usize> {
        let r = self.restarts.as_mut()?;
        r.next = plain + r.spacing;
        r.points.push(RestartPoint {
            stored,
            plain,
            state,
        });
        Some(r.points.len() - 1)
    }

    /// The state of point `i` (a format fills in what it learns later).
    pub(super) fn point_state(&mut self, i: usize) -> Option<&mut RestartState> {
        Some(&mut self.restarts.as_mut()?.points.get_mut(i)?.state)
    }

    /// Drops the points from index `n` on.
    pub(super) fn drop_points(&mut self, n: usize) {
        if let Some(r) = self.restarts.as_mut() {
            r.points.truncate(n);
        }
    }

    pub(super) fn emit(&mut self, bytes: &[u8]) {
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
    /// Restart points, when recorded.
    restarts: Option<Recorder>,
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
            restarts: None,
        }
    }

    /// Records restart points at least `spacing` decompressed bytes apart (see
    /// [`crate::capture::restart`]); [`Decoder::take_restarts`] hands them over.
    pub fn with_restarts(mut self, spacing: u64) -> Self {
        self.restarts = Some(Recorder {
            spacing: spacing.max(1),
            next: spacing.max(1),
            points: Vec::new(),
        });
        self
    }

    /// The restart points recorded so far (none unless [`Decoder::with_restarts`]).
    pub fn take_restarts(&mut self) -> Restarts {
        match &mut self.restarts {
            Some(r) => Restarts {
                points: std::mem::take(&mut r.points),
                spacing: r.spacing,
            },
            None => Restarts::default(),
        }
    }

    /// A decoder that starts at a restart point of a file of this format: feed it the
    /// file's bytes from `point.stored` on; its output starts at `point.plain`.
    pub fn resume(compression: Compression, point: &RestartPoint) -> Self {
        let mut d = Self::new(compression);
        d.inner = match compression {
            Compression::Gzip => Inner::Gzip(Gzip::resume(point)),
            Compression::Bzip2 => Inner::Bzip2(Bzip2::resume(point)),
            Compression::Zstd => Inner::Zstd(Box::new(Zstd::resume(point))),
            Compression::Xz => Inner::Xz(Xz::resume(point)),
        };
        d.bytes_in = point.stored;
        d.bytes_out = point.plain;
        d
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
                restarts: self.restarts.as_mut(),
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

    /// Decodes every byte fed so far (bzip2 and xz wait for a whole [`PIECE`]) without
    /// ending the input: for a reader that stops where it has what it needs.
    pub fn flush(&mut self, out: &mut dyn FnMut(&[u8])) -> Result<(), DecompressError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.piece.is_empty() {
            return Ok(());
        }
        let piece = std::mem::take(&mut self.piece);
        let at = self.bytes_in - piece.len() as u64;
        let mut sink = Sink {
            out,
            total: &mut self.bytes_out,
            restarts: self.restarts.as_mut(),
        };
        let result = feed_piece(&mut self.inner, &piece, at, &mut self.buf, &mut sink);
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
            restarts: self.restarts.as_mut(),
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

// gzip (RFC 1952)
