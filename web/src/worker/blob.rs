//! Reading byte ranges of a `Blob` (a `File`) without reading the rest of it: the ranges
//! the core's driver and re-read planner name.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File};
use wirelens_core::query::reread::{Fetch, Reread};

/// A read already under way: the browser starts reading when [`start`] is called, so a
/// caller can have the next chunk read while it processes the current one.
pub struct Pending(Result<JsFuture, String>);

/// Starts reading bytes `[start, end)` of `blob`.
pub fn start(blob: &Blob, start: u64, end: u64) -> Pending {
    // File offsets stay below 2^53, so f64 holds them exactly.
    Pending(
        blob.slice_with_f64_and_f64(start as f64, end as f64)
            .map(|part| JsFuture::from(part.array_buffer()))
            .map_err(describe),
    )
}

impl Pending {
    /// The bytes, as a view of the `ArrayBuffer` the browser filled (outside wasm memory).
    pub async fn array(self) -> Result<Uint8Array, String> {
        let buffer = self.0?.await.map_err(describe)?;
        Ok(Uint8Array::new(&buffer))
    }

    /// The bytes, copied into wasm memory.
    pub async fn bytes(self) -> Result<Vec<u8>, String> {
        Ok(self.array().await?.to_vec())
    }
}

/// A readable message from a JS exception (a `DOMException` when the file is gone).
pub fn describe(err: JsValue) -> String {
    if let Some(e) = err.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    js_sys::Reflect::get(&err, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// Starts reading what the re-read planner named.
pub fn fetch(files: &[File], f: &Fetch) -> Pending {
    match files.get(f.file) {
        Some(file) => start(file, f.start, f.end),
        None => Pending(Err("the packet's file is not open".into())),
    }
}

/// A range read ahead: what it reads, and the read under way.
pub type Ahead = Option<(Fetch, Pending)>;

/// Reads everything a planned re-read of a set of packets needs, the next range while
/// one is decoded.
pub async fn fill(rr: &mut Reread<'_>, files: &[File]) {
    fill_to(rr, usize::MAX, files, &mut None).await;
}

/// Reads what a planned re-read needs before packet `order[pos]` of its run (all of a
/// set: `usize::MAX`); the range after it is started early and kept in `ahead` for the
/// next call.
pub async fn fill_to(rr: &mut Reread<'_>, pos: usize, files: &[File], ahead: &mut Ahead) {
    while let Some(f) = rr.fetch_for(pos) {
        let pending = match ahead.take() {
            Some((a, p)) if a == f => p,
            _ => fetch(files, &f),
        };
        *ahead = rr.upcoming().next().map(|n| (n, fetch(files, &n)));
        match pending.bytes().await {
            Ok(bytes) => rr.supply(&f, &bytes),
            Err(e) => rr.fetch_failed(&f, &e),
        }
    }
}
