//! Fuzz target `ingest`: any bytes through `Ingest` (decompression, capture formats,
//! L2–L4, flows) must never panic, and how the bytes are chunked must not change the
//! result.
//!
//! The input is fed whole, split in two at a position derived from its first byte, and
//! in small chunks (1–16 bytes, from its second byte). The packet rows (timestamp, offset,
//! captured and wire length, flow, flags) must be equal, and so must everything else the
//! capture reports (conversations, TCP analysis, errors, anomalies…, compared through
//! its JSON form).
//!
//! Allowances, for a compressed file that ends in an error (what the decoders report
//! there depends on how much input each call was given; see fuzz/README.md, "Findings"):
//! - its error offset and message may differ: both runs must report one error;
//! - xz only: the xz decoder loses the output of the call that fails, so the packets of one
//!   run must be a prefix of the other's.
//! `WIRELENS_FUZZ_STRICT=1` drops both allowances (to minimize such a case).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use wirelens_core::capture::file::Compression;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::Ingest;

/// Feeds `data` cut at `cuts` (ascending positions), then finishes.
fn ingest(data: &[u8], cuts: impl IntoIterator<Item = usize>) -> Capture {
    let mut ingest = Ingest::new();
    ingest.begin_file("fuzz");
    let mut pos = 0;
    for cut in cuts {
        ingest.feed(&data[pos..cut]);
        pos = cut;
    }
    ingest.feed(&data[pos..]);
    ingest.finish()
}

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("WIRELENS_FUZZ_STRICT").is_some_and(|v| v == "1"))
}

fn row(c: &Capture, i: usize) -> (i64, u64, u32, u32) {
    let p = &c.packets.at(i);
    (p.ts_ns, p.offset, p.caplen, p.len)
}

fn assert_same(whole: &Capture, other: &Capture, how: &str) {
    let damaged_compressed = !strict()
        && whole.files.iter().any(|f| f.compression.is_some())
        && !whole.errors.is_empty();
    let damaged_xz = damaged_compressed
        && whole
            .files
            .iter()
            .any(|f| f.compression == Some(Compression::Xz));
    if damaged_compressed {
        let (a, b) = (&whole.errors, &other.errors);
        assert_eq!(
            a.len(),
            b.len(),
            "errors: whole input vs {how}: {a:?} / {b:?}"
        );
    }
    // Row by row first, so a failure names the first packet that differs.
    let common = whole.packets.len().min(other.packets.len());
    for i in 0..common {
        assert_eq!(
            row(whole, i),
            row(other, i),
            "packet {i} (ts, offset, caplen, len): whole input vs {how}"
        );
        assert_eq!(
            whole.packets.at(i),
            other.packets.at(i),
            "packet {i} (row): whole input vs {how}"
        );
    }
    if damaged_xz {
        return;
    }
    assert_eq!(
        whole.packets.len(),
        other.packets.len(),
        "packet count: whole input vs {how} (errors {:?} / {:?})",
        whole.errors,
        other.errors
    );
    let (mut a, mut b) = (
        serde_json::to_value(whole).unwrap(),
        serde_json::to_value(other).unwrap(),
    );
    if damaged_compressed {
        // Their number was compared above.
        a.as_object_mut().unwrap().remove("errors");
        b.as_object_mut().unwrap().remove("errors");
    }
    if a != b {
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        for (key, value) in a {
            assert_eq!(
                Some(value),
                b.get(key),
                "capture field `{key}`: whole input vs {how}"
            );
        }
        panic!("captures differ: whole input vs {how}");
    }
}

fuzz_target!(|data: &[u8]| {
    let whole = ingest(data, []);

    // Two pieces; the cut may fall anywhere, both ends included.
    let cut = data.first().map_or(0, |&b| b as usize * data.len() / 255);
    let two = ingest(data, [cut]);
    assert_same(&whole, &two, &format!("two pieces cut at {cut}"));

    // Small chunks: every record straddles chunk boundaries.
    let size = data.get(1).map_or(1, |&b| (b as usize % 16) + 1);
    let small = ingest(data, (size..data.len()).step_by(size));
    assert_same(&whole, &small, &format!("chunks of {size} bytes"));
});
