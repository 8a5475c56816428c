//! Fuzz target `filter`: any text through the display-filter compiler, and every filter
//! that compiles through the evaluator over real packets, must never panic or hang.
//!
//! Checked for every input:
//! - an error's byte range lies within the text, on character boundaries, start ≤ end,
//!   and `render` / `utf16_range` work on it;
//! - a filter that compiles evaluates over every packet of two small real captures
//!   (Ethernet/IPv4/TCP with HTTP, and Linux cooked v2), with the bytes read lazily and,
//!   separately, given up front: both ways give the same answer.
//!
//! Seeds: the filters of tests/golden/filter/EXPRESSIONS, one per file (fuzz/seed.sh).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wirelens_core::capture::Capture;
use wirelens_core::query::fields::MemorySource;
use wirelens_core::query::filter::{Evaluator, Filter};

const CAPTURES: [&[u8]; 2] = [
    include_bytes!("../../tests/data/three_http_streams.pcap"),
    include_bytes!("../../tests/data/sll2.pcap"),
];

fn captures() -> &'static [(Capture, &'static [u8])] {
    static C: OnceLock<Vec<(Capture, &'static [u8])>> = OnceLock::new();
    C.get_or_init(|| {
        CAPTURES
            .iter()
            .map(|b| (wirelens_core::ingest::ingest_bytes("fuzz", b), *b))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Filter::compile(&text) {
        Err(e) => {
            assert!(
                e.start <= e.end && e.end <= text.len(),
                "{e:?} for {text:?}"
            );
            assert!(
                text.is_char_boundary(e.start) && text.is_char_boundary(e.end),
                "{e:?}"
            );
            let _ = e.render(&text);
            let _ = e.utf16_range(&text);
        }
        Ok(filter) => {
            for (capture, bytes) in captures() {
                let mut lazy = Evaluator::new(capture);
                let mut eager = Evaluator::new(capture);
                let mut src = MemorySource { files: vec![bytes] };
                for (i, row) in capture.packets.iter().enumerate() {
                    let a = lazy.matches(&filter, i, &mut src);
                    let start = row.offset as usize;
                    let packet = &bytes[start..start + row.caplen as usize];
                    let b = eager.matches_bytes(&filter, i, packet, &mut src);
                    assert_eq!(a, b, "packet {i} of {text:?}");
                }
            }
        }
    }
});
