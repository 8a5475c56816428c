//! Fuzz target `redis`: the Redis (RESP2/RESP3) parser must never panic, must keep its buffers within
//! their bounds, and must report the same transactions however the bytes are chunked.
//!
//! Input: pieces of a conversation, each a flag byte and a length byte, then (for data)
//! that many bytes. Flag bit 0: sent by the client; bit 1: a gap of `length + 1` bytes
//! instead of data; bits 2–7: the chunk size (1–64) the piece is fed in on the second
//! run. Every piece is its own packet (its index is `At::packet`). The run fed whole
//! pieces and the run fed chunks must give equal transactions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::app::redis::{self, Parser};
use wirelens_core::app::{At, StreamParser, Transaction};

enum Piece<'a> {
    Data(bool, &'a [u8], u8),
    Gap(bool, u64),
}

fn pieces(mut data: &[u8]) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    while data.len() >= 2 {
        let (flags, len) = (data[0], data[1] as usize);
        data = &data[2..];
        if flags & 2 != 0 {
            out.push(Piece::Gap(flags & 1 != 0, len as u64 + 1));
        } else {
            let (bytes, rest) = data.split_at(len.min(data.len()));
            out.push(Piece::Data(flags & 1 != 0, bytes, flags >> 2));
            data = rest;
        }
    }
    out
}

fn run(pieces: &[Piece<'_>], chunked: bool) -> Vec<Transaction> {
    let mut parser = Parser::new();
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let at = At {
            packet: i as u64,
            ts_ns: i as i64 * 1000,
        };
        match *p {
            Piece::Data(client, bytes, chunk) => {
                if chunked {
                    for c in bytes.chunks(chunk as usize + 1) {
                        parser.data(client, c, at, &mut out);
                    }
                } else {
                    parser.data(client, bytes, at, &mut out);
                }
            }
            Piece::Gap(client, len) => parser.gap(client, len, at, &mut out),
        }
        let (held, pending) = parser.buffered();
        let per_side =
            redis::MAX_LINE + (redis::MAX_ARGS + 2 + redis::MAX_KEYS) * redis::MAX_ARG_TEXT;
        assert!(held <= 2 * per_side, "held {held}");
        assert!(pending <= redis::MAX_PENDING);
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
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let pieces = pieces(data);
    let whole = run(&pieces, false);
    let chunked = run(&pieces, true);
    assert_eq!(whole, chunked, "chunking changed the transactions");
});
