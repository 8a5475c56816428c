//! The input format and the whole-vs-chunked check shared by the stream-parser fuzz
//! targets `memcache`, `redis`, `mysql` ([`check`]) and `http`, `tls` ([`check_fin`]).
//!
//! Input: pieces of a conversation, each a flag byte and a length byte, then (for data)
//! that many bytes. Flag bit 0: sent by the client; bit 1: a gap of `length + 1` bytes
//! instead of data; bits 2–7: the chunk size (1–64) the piece is fed in on the second
//! run. With [`check_fin`], bit 2 instead ends the side (FIN) after the piece and bits
//! 3–7 are the chunk size (1–32). Every piece is its own packet (its index is
//! `At::packet`). The run fed whole pieces and the run fed chunks must give equal
//! transactions (with [`check_fin`], each with a request or a response), and
//! `check_bounds` must hold after every piece.

use wirelens_core::capture::app::{At, Transaction};
use wirelens_core::ingest::app::StreamParser;

enum Piece<'a> {
    /// Client or not, bytes, chunk size − 1, FIN after.
    Data(bool, &'a [u8], u8, bool),
    Gap(bool, u64),
}

fn pieces(mut data: &[u8], fin_bit: bool) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    while data.len() >= 2 {
        let (flags, len) = (data[0], data[1] as usize);
        data = &data[2..];
        if flags & 2 != 0 {
            out.push(Piece::Gap(flags & 1 != 0, len as u64 + 1));
        } else {
            let (bytes, rest) = data.split_at(len.min(data.len()));
            let (chunk, fin) = if fin_bit {
                (flags >> 3, flags & 4 != 0)
            } else {
                (flags >> 2, false)
            };
            out.push(Piece::Data(flags & 1 != 0, bytes, chunk, fin));
            data = rest;
        }
    }
    out
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
            Piece::Data(client, bytes, chunk, fin) => {
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
            Piece::Gap(client, len) => parser.gap(client, len, at, &mut out),
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
        let _ = serde_json::to_string(t).expect("a transaction serializes");
        assert!(!fin_format || t.request.is_some() || t.response.is_some());
    }
    out
}

/// Runs the input through two fresh parsers, whole and chunked, and compares.
#[allow(dead_code)]
pub fn check<P: StreamParser>(data: &[u8], new: fn() -> P, check_bounds: fn(&P)) {
    compare(data, false, new, check_bounds);
}

/// [`check`] for the input format whose flag bit 2 ends a side (FIN).
#[allow(dead_code)]
pub fn check_fin<P: StreamParser>(data: &[u8], new: fn() -> P, check_bounds: fn(&P)) {
    compare(data, true, new, check_bounds);
}

fn compare<P: StreamParser>(data: &[u8], fin_format: bool, new: fn() -> P, check_bounds: fn(&P)) {
    let pieces = pieces(data, fin_format);
    let whole = run(&pieces, fin_format, false, new(), check_bounds);
    let chunked = run(&pieces, fin_format, true, new(), check_bounds);
    assert_eq!(whole, chunked, "chunking changed the transactions");
}
