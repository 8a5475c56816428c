//! Fuzz target `tls_decrypt`: the TLS record layer with secrets — records gathered,
//! decrypted (AES-GCM, ChaCha20-Poly1305; TLS 1.2 and 1.3 key schedules), the handshake
//! read from decrypted records, key updates, and the plaintext handed to the parser of
//! the protocol inside (HTTP/1.x, HTTP/2, memcached, Redis …). The parser has the secrets
//! of the repository's real TLS captures (tests/data/servers/*.keylog), so seeds cut from
//! those conversations (fuzz/seed.sh) decrypt, and mutations reach every step after the
//! ClientHello's random. Must never panic, must keep its buffers within their bounds, and
//! must report the same transactions however the bytes are chunked.
//! Input format (flag bit 2 ends a side) and checks: fuzz/common/pieces.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::tls::{self, Parser, SharedKeys};

#[path = "../common/pieces.rs"]
mod pieces;

/// The key logs of the real captures the seeds come from.
const KEY_LOGS: [&[u8]; 3] = [
    include_bytes!("../../tests/data/servers/tls.keylog"),
    include_bytes!("../../tests/data/servers/tls-kv.keylog"),
    include_bytes!("../../tests/data/servers/http2.keylog"),
];

fn new() -> Parser {
    let keys = SharedKeys::default();
    for log in KEY_LOGS {
        keys.borrow_mut().add_text(log);
    }
    Parser::with_keys(keys, 443)
}

fn check_bounds(parser: &Parser) {
    // Records and handshake messages a side, and plaintext held while the protocol inside
    // is undecided (the inner parser keeps its own bounds, checked by its own target).
    let held = parser.buffered();
    assert!(
        held <= 2 * (tls::MAX_RECORD + tls::MAX_HANDSHAKE) + 2 * 2048,
        "held {held}"
    );
}

fuzz_target!(|data: &[u8]| pieces::check_fin(data, new, check_bounds));
