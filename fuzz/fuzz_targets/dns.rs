//! Fuzz target `dns`: the DNS parser must never panic, must keep its buffers within their
//! bounds, and must report the same transactions however TCP bytes are chunked.
//!
//! Input: the first byte picks the transport (bit 0 set: TCP, else UDP datagrams). Then
//! the pieces of fuzz/common/pieces.rs in its `Fin` format (flag bit 0: sent by the
//! client; bit 1 (TCP): a gap of `length + 1` bytes instead of data; bit 2 unused; bits
//! 3–7: the chunk size (1–32) a TCP piece is fed in on the second run). Every piece is
//! its own packet. The seed corpus (fuzz/seed.sh) holds real DNS messages in this form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::capture::app::{At, Transaction};
use wirelens_core::ingest::app::dns::{self, Parser};
use wirelens_core::ingest::app::StreamParser;

#[path = "../common/pieces.rs"]
mod pieces;

use pieces::{decode, Format, Piece};

fn run(tcp: bool, pieces: &[Piece<'_>], chunked: bool) -> Vec<Transaction> {
    let mut parser = Parser::new();
    let mut out = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let at = At {
            packet: i as u64,
            ts_ns: i as i64 * 1000,
        };
        match *p {
            Piece::Data { client, bytes, .. } if !tcp => {
                parser.datagram(client, bytes, at, &mut out)
            }
            Piece::Data {
                client,
                bytes,
                chunk,
                ..
            } => {
                if chunked {
                    for c in bytes.chunks(chunk as usize + 1) {
                        parser.data(client, c, at, &mut out);
                    }
                } else {
                    parser.data(client, bytes, at, &mut out);
                }
            }
            Piece::Gap { client, len } => {
                if tcp {
                    parser.gap(client, len, at, &mut out)
                }
            }
        }
        let (held, pending) = parser.buffered();
        assert!(held <= 2 * (2 + 65535), "held {held}");
        assert!(pending <= dns::MAX_PENDING, "pending {pending}");
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
        if let wirelens_core::capture::app::Detail::Dns(d) = &t.detail {
            assert!(d.answers.len() <= 64 && d.name.len() <= 4 * 1024 + 8);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let tcp = mode & 1 != 0;
    let pieces = decode(rest, Format::Fin);
    let whole = run(tcp, &pieces, false);
    let chunked = run(tcp, &pieces, true);
    assert_eq!(whole, chunked, "chunking changed the transactions");
    // Every message also goes through the content sniffer without panic.
    for p in &pieces {
        if let Piece::Data { bytes: b, .. } = p {
            let _ = dns::looks_like_message(b);
            let _ = dns::header_is_sane(b);
        }
    }
});
