//! Fuzz target `pgsql`: the PostgreSQL frontend/backend parser (startup, SSLRequest,
//! authentication, simple and extended query, errors) must never panic, must keep its
//! buffers and pending cycles within their bounds, and must report the same transactions
//! however the bytes are chunked. Input format and checks: fuzz/common/pieces.rs; seeds
//! from real PostgreSQL conversations (fuzz/seed.sh). The parser has the secrets of
//! tests/data/servers/pgsql-tls.pcap, so seeds cut from its conversations go on after the
//! SSLRequest's `S` into decrypted TLS and the protocol inside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::pgsql::{self, Parser};
use wirelens_core::ingest::app::tls::SharedKeys;

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let held = parser.buffered();
    assert!(
        held <= 2 * pgsql::MAX_HELD + pgsql::MAX_PENDING * 4096,
        "held {held}"
    );
}

fn new() -> Parser {
    let keys = SharedKeys::default();
    keys.borrow_mut()
        .add_text(include_bytes!("../../tests/data/servers/pgsql-tls.keylog"));
    Parser::with_keys(keys, 25433)
}

fuzz_target!(|data: &[u8]| pieces::check(data, new, check_bounds));
