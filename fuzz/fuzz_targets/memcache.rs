//! Fuzz target `memcache`: the memcached (text and binary) parser must never panic, must keep its buffers within
//! their bounds, and must report the same transactions however the bytes are chunked.
//! Input format and checks: fuzz/common/pieces.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::memcache::{self, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let (held, pending) = parser.buffered();
    assert!(
        held <= 2 * (memcache::MAX_LINE + 24 + 255 + 65_535 + 256),
        "held {held}"
    );
    assert!(pending <= memcache::MAX_PENDING);
}

fuzz_target!(|data: &[u8]| pieces::check(data, Parser::new, check_bounds));
