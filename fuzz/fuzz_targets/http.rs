//! Fuzz target `http`: the HTTP/1.x parser must never panic, must keep its buffers within
//! their bounds, and must report the same transactions however the bytes are chunked.
//! Input format (flag bit 2 ends a side) and checks: fuzz/common/pieces.rs. The seed
//! corpus (fuzz/seed.sh) turns real HTTP conversations into this form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::http::{self, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let (held, pending) = parser.buffered();
    assert!(held <= 2 * http::MAX_HEAD, "held {held}");
    assert!(pending <= http::MAX_PENDING, "pending {pending}");
}

fuzz_target!(|data: &[u8]| pieces::check_fin(data, Parser::new, check_bounds));
