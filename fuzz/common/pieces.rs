//! The input format of the stream-parser fuzz targets, both ways ([`decode`] for the
//! targets, [`encode`] for the seed writer `examples/seed.rs`), and the whole-vs-chunked
//! check shared by `memcache`, `redis`, `mysql` ([`check`]) and `http`, `tls`
//! ([`check_fin`]); `dns` and `pdu_fields` read the same pieces.
//!
//! Input: pieces of a conversation, each a flag byte and a length byte, then (for data)
//! that many bytes. Flag bit 0: sent by the client; bit 1: a gap of `length + 1` bytes
//! instead of data; bits 2–7: the chunk size (1–64) the piece is fed in on the second
//! run. In the [`Format::Fin`] format, bit 2 instead ends the side (FIN) after the piece
//! and bits 3–7 are the chunk size (1–32). Every piece is its own packet (its index is
//! `At::packet`). The run fed whole pieces and the run fed chunks must give equal
//! transactions (with [`check_fin`], each with a request or a response), and
//! `check_bounds` must hold after every piece.
#![allow(dead_code)]

use wirelens_core::capture::app::{At, Transaction};
use wirelens_core::ingest::app::StreamParser;

/// Where the flag byte keeps the chunk size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Bits 2–7.
    Plain,
    /// Bits 3–7; bit 2 ends the side.
    Fin,
}

/// One piece of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Bytes of one side.
    Data {
        /// Sent by the client.
        client: bool,
        /// The bytes (at most 255).
        bytes: &'a [u8],
        /// The chunk size, less one, of the chunked run.
        chunk: u8,
        /// The side ends after it ([`Format::Fin`]).
        fin: bool,
    },
    /// Bytes of one side never captured (1–256).
    Gap {
        /// Of the client.
        client: bool,
        /// How many.
        len: u64,
    },
}

/// The pieces of an input.
pub fn decode(mut data: &[u8], format: Format) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    while data.len() >= 2 {
        let (flags, len) = (data[0], data[1] as usize);
        data = &data[2..];
        let client = flags & 1 != 0;
        if flags & 2 != 0 {
            out.push(Piece::Gap {
                client,
                len: len as u64 + 1,
            });
        } else {
            let (bytes, rest) = data.split_at(len.min(data.len()));
            let (chunk, fin) = match format {
                Format::Plain => (flags >> 2, false),
                Format::Fin => (flags >> 3, flags & 4 != 0),
            };
            out.push(Piece::Data {
                client,
                bytes,
                chunk,
                fin,
            });
            data = rest;
        }
    }
    out
}

/// Appends one side's bytes as data pieces of at most 255 bytes each (chunk size
/// `chunk + 1`); the last one ends the side when `fin`.
pub fn encode_data(
    out: &mut Vec<u8>,
    format: Format,
    client: bool,
    bytes: &[u8],
    chunk: u8,
    fin: bool,
) {
    let mut pieces: Vec<&[u8]> = bytes.chunks(255).collect();
    if pieces.is_empty() {
        if !fin {
            return;
        }
        pieces.push(&[]);
    }
    let last = pieces.len() - 1;
    for (i, c) in pieces.into_iter().enumerate() {
        out.push(match format {
            Format::Plain => u8::from(client) | (chunk & 0x3f) << 2,
            Format::Fin => u8::from(client) | u8::from(fin && i == last) << 2 | (chunk & 0x1f) << 3,
        });
        out.push(c.len() as u8);
        out.extend_from_slice(c);
    }
}

/// Appends a gap of `len` bytes, as pieces of at most 256 bytes each (the first 16 of
/// them: longer gaps are cut, as a fuzz input need not be real).
pub fn encode_gap(out: &mut Vec<u8>, client: bool, len: u64) {
    let mut left = len.max(1);
    for _ in 0..16 {
        let n = left.min(256);
        out.push(u8::from(client) | 2);
        out.push((n - 1) as u8);
        left -= n;
        if left == 0 {
            break;
        }
    }
}

fn run<P: StreamParser>(
    pieces: &[Piece<'_>],
    fin_format: bool,
    chunked: bool,
    mut parser: P,
    check_bounds: fn(&P),
) -> Vec<Transaction> {
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let at = At {
            packet: i as u64,
            ts_ns: i as i64 * 1000,
        };
        match *p {
            Piece::Data {
                client,
                bytes,
                chunk,
                fin,
            } => {
                if chunked {
                    for c in bytes.chunks(chunk as usize + 1) {
                        parser.data(client, c, at, &mut out);
                    }
                } else {
                    parser.data(client, bytes, at, &mut out);
                }
                if fin {
                    parser.side_end(client, at, &mut out);
                }
            }
            Piece::Gap { client, len } => parser.gap(client, len, at, &mut out),
        }
        check_bounds(&parser);
    }
    parser.end(
        At {
            packet: pieces.len() as u64,
            ts_ns: 0,
        },
        &mut out,
    );
    for t in &out {
        let _ = serde_json::to_string(&t.detail).expect("a transaction's detail serializes");
        assert!(!fin_format || t.request.is_some() || t.response.is_some());
    }
    out
}

/// Runs the input through two fresh parsers, whole and chunked, and compares.
pub fn check<P: StreamParser>(data: &[u8], new: fn() -> P, check_bounds: fn(&P)) {
    compare(data, Format::Plain, new, check_bounds);
}

/// [`check`] for the input format whose flag bit 2 ends a side (FIN).
pub fn check_fin<P: StreamParser>(data: &[u8], new: fn() -> P, check_bounds: fn(&P)) {
    compare(data, Format::Fin, new, check_bounds);
}

fn compare<P: StreamParser>(data: &[u8], format: Format, new: fn() -> P, check_bounds: fn(&P)) {
    let pieces = decode(data, format);
    let fin = format == Format::Fin;
    let whole = run(&pieces, fin, false, new(), check_bounds);
    let chunked = run(&pieces, fin, true, new(), check_bounds);
    assert_eq!(whole, chunked, "chunking changed the transactions");
}
