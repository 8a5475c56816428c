//! Fuzz target `tls`: the TLS handshake parser must never panic, must keep its buffers within
//! their bounds, and must report the same transactions however the bytes are chunked.
//! Input format (flag bit 2 ends a side) and checks: fuzz/common/pieces.rs. The seed
//! corpus (fuzz/seed.sh) turns real TLS handshakes into this form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::tls::{self, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let held = parser.buffered();
    assert!(held <= 2 * (5 + 18432 + tls::MAX_HANDSHAKE), "held {held}");
}

fuzz_target!(|data: &[u8]| pieces::check_fin(data, Parser::new, check_bounds));
