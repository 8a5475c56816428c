//! Fuzz target `mysql`: the MySQL / MariaDB parser must never panic, must keep its buffers within
//! their bounds, and must report the same transactions however the bytes are chunked.
//! Input format and checks: fuzz/common/pieces.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::mysql::{self, Parser};

#[path = "../common/pieces.rs"]
mod pieces;

fn check_bounds(parser: &Parser) {
    let (held, pending, statements) = parser.buffered();
    assert!(
        held <= mysql::MAX_QUERY + mysql::MAX_SERVER_PREFIX + 2 * 12,
        "held {held}"
    );
    assert!(pending <= mysql::MAX_PENDING && statements <= mysql::MAX_STATEMENTS);
}

fuzz_target!(|data: &[u8]| pieces::check(data, Parser::new, check_bounds));
