//! Fuzz target `pgsql`: the PostgreSQL frontend/backend parser (startup, SSLRequest,
//! authentication, simple and extended query, errors) must never panic, must keep its
//! buffers and pending cycles within their bounds, and must report the same transactions
//! however the bytes are chunked. Input format and checks: fuzz/common/pieces.rs; seeds
//! from real PostgreSQL conversations (fuzz/seed.sh).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::pgsql::{self, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let held = parser.buffered();
    assert!(
        held <= 2 * pgsql::MAX_HELD + pgsql::MAX_PENDING * 4096,
        "held {held}"
    );
}

fuzz_target!(|data: &[u8]| pieces::check(data, Parser::new, check_bounds));
