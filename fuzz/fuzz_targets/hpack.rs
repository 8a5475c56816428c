//! Fuzz target `hpack`: HPACK (RFC 7541) alone — header blocks decoded one after another
//! by one decoder, so dynamic table insertions, evictions and size updates carry over;
//! and the Huffman decoder on any bytes. Must never panic, must keep the table within
//! its limit, and must decode a block the same whether or not an earlier block failed
//! on a fresh decoder that saw the same successful blocks.
//!
//! Input: a byte giving the table limit (its value × 256 bytes), then blocks, each a
//! length byte and that many bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::app::http2::hpack::{self, Decoder};

fuzz_target!(|data: &[u8]| {
    let Some((&limit, mut rest)) = data.split_first() else {
        return;
    };
    let mut decoder = Decoder::new();
    decoder.set_max(limit as usize * 256);
    let mut replay = Decoder::new();
    replay.set_max(limit as usize * 256);
    while let Some((&len, tail)) = rest.split_first() {
        let (block, tail) = tail.split_at((len as usize).min(tail.len()));
        rest = tail;
        let mut fields = Vec::new();
        let ok = decoder
            .decode(block, &mut |f| fields.push(format!("{f:?}")))
            .is_ok();
        assert!(
            decoder.size() <= hpack::MAX_TABLE_SIZE,
            "table {}",
            decoder.size()
        );
        if ok {
            // The same block through a decoder that saw the same successful blocks.
            let mut again = Vec::new();
            assert!(replay
                .decode(block, &mut |f| again.push(format!("{f:?}")))
                .is_ok());
            assert_eq!(fields, again);
            assert_eq!(decoder.size(), replay.size());
        } else {
            // A failed block may leave the table half changed: start both afresh.
            decoder = Decoder::new();
            decoder.set_max(limit as usize * 256);
            replay = Decoder::new();
            replay.set_max(limit as usize * 256);
        }
        let mut out = Vec::new();
        let _ = hpack::huffman(block, &mut out);
        assert!(
            out.len() <= block.len() * 8 / 5 + 1,
            "{} from {}",
            out.len(),
            block.len()
        );
    }
});
