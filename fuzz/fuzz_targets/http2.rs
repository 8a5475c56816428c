//! Fuzz target `http2`: the HTTP/2 parser (frames, HPACK with its dynamic tables and
//! Huffman strings, streams, gRPC messages) must never panic, must keep its buffers and
//! streams within their bounds, and must report the same transactions however the bytes
//! are chunked. Input format (flag bit 2 ends a side) and checks: fuzz/common/pieces.rs;
//! seeds from real h2c conversations (fuzz/seed.sh).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::http2::{self, hpack, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let held = parser.buffered();
    assert!(
        held <= 2 * (http2::MAX_FRAME_HELD + http2::MAX_BLOCK + hpack::MAX_TABLE_SIZE),
        "held {held}"
    );
    assert!(parser.open_streams() <= http2::MAX_STREAMS);
}

fuzz_target!(|data: &[u8]| pieces::check_fin(data, Parser::new, check_bounds));
