//! Fuzz target `redis`: the Redis (RESP2/RESP3) parser must never panic, must keep its buffers within
//! their bounds, and must report the same transactions however the bytes are chunked.
//! Input format and checks: fuzz/common/pieces.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::redis::{self, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let (held, pending) = parser.buffered();
    let per_side = redis::MAX_LINE + (redis::MAX_ARGS + 2 + redis::MAX_KEYS) * redis::MAX_ARG_TEXT;
    assert!(held <= 2 * per_side, "held {held}");
    assert!(pending <= redis::MAX_PENDING);
}

fuzz_target!(|data: &[u8]| pieces::check(data, Parser::new, check_bounds));
