//! Reading byte ranges of a `Blob` (a `File`) without reading the rest of it: the ranges
//! the core's driver and re-read planner name.
//!
//! Large ranges are read by a worker of this worker's (`static/reader.js`): Chromium fills
//! a `Blob` read only while the reading thread's event loop is free, so a slice read here
//! would not advance while the last one is analysed. Small ranges (a page of rows, a
//! packet's detail) are read here, without the extra hop.
//!
//! The ingest's slices ([`start_pooled`]) are read into buffers it gives back once it has
//! copied their bytes into wasm memory ([`give_back`]): `Blob.slice().arrayBuffer()` makes
//! a new buffer each time, whose pages the kernel maps and zeroes and, once collected,
//! unmaps (static/reader.js).

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, MessageEvent, Worker};
use wirelens_core::query::reread::{Fetch, Reread};

/// Ranges at least this long go through the reader worker.
const READER_MIN: u64 = 1 << 20;

/// A read already under way: the browser starts reading when [`start`] is called, so a
/// caller can have the next chunk read while it processes the current one.
pub struct Pending(Result<JsFuture, String>);

/// Starts reading bytes `[start, end)` of `blob`.
pub fn start(blob: &Blob, start: u64, end: u64) -> Pending {
    if end.saturating_sub(start) >= READER_MIN {
        if let Some(p) = READER.with(|r| {
            r.borrow_mut()
                .as_mut()
                .map(|r| r.ask(blob, start, end, false))
        }) {
            return Pending(Ok(JsFuture::from(p)));
        }
    }
    // File offsets stay below 2^53, so f64 holds them exactly.
    Pending(
        blob.slice_with_f64_and_f64(start as f64, end as f64)
            .map(|part| JsFuture::from(part.array_buffer()))
            .map_err(describe),
    )
}

/// Starts the reader worker now, while the page loads, so that no request is made after
/// load (the page works offline once loaded).
pub fn start_reader() {
    READER.with(|_| ());
}

/// As [`start`], into a buffer given back ([`give_back`]) when the reader worker reads it.
pub fn start_pooled(blob: &Blob, start: u64, end: u64) -> Pending {
    if let Some(p) = READER.with(|r| {
        r.borrow_mut()
            .as_mut()
            .map(|r| r.ask(blob, start, end, true))
    }) {
        return Pending(Ok(JsFuture::from(p)));
    }
    self::start(blob, start, end)
}

/// Hands the buffer of a read back to the reader, once its bytes are copied out.
pub fn give_back(bytes: &Uint8Array) {
    READER.with(|r| {
        if let Some(r) = r.borrow().as_ref() {
            let buffer = bytes.buffer();
            let msg = Object::new();
            let _ = Reflect::set(&msg, &"give".into(), &buffer);
            let _ = r
                .worker
                .post_message_with_transfer(&msg, &js_sys::Array::of1(&buffer));
        }
    });
}

/// Lets the buffers given back go (the ingest ended).
pub fn drop_pool() {
    READER.with(|r| {
        if let Some(r) = r.borrow().as_ref() {
            let msg = Object::new();
            let _ = Reflect::set(&msg, &"drop".into(), &true.into());
            let _ = r.worker.post_message(&msg);
        }
    });
}

thread_local! {
    /// The reader worker; None when it could not be started (then every read is made
    /// here) or after it failed.
    static READER: RefCell<Option<Reader>> = RefCell::new(Reader::spawn());
}

/// Reads under way in the reader worker: their promises' resolve and reject functions.
type Waiting = Rc<RefCell<HashMap<u32, (Function, Function)>>>;

struct Reader {
    worker: Worker,
    next_id: u32,
    waiting: Waiting,
}

impl Reader {
    fn spawn() -> Option<Reader> {
        // Relative to this worker's script, which Trunk puts beside static/.
        let worker = Worker::new("static/reader.js").ok()?;
        let waiting: Waiting = Rc::default();
        let w = waiting.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let id = Reflect::get(&data, &"id".into())
                .ok()
                .and_then(|v| v.as_f64())
                .map(|v| v as u32);
            let Some((resolve, reject)) = id.and_then(|id| w.borrow_mut().remove(&id)) else {
                return;
            };
            let buf = Reflect::get(&data, &"buf".into()).unwrap_or(JsValue::UNDEFINED);
            if buf.is_undefined() {
                let error = Reflect::get(&data, &"error".into()).unwrap_or(JsValue::UNDEFINED);
                let message = error.as_string().unwrap_or_else(|| "read failed".into());
                let _ = reject.call1(&JsValue::NULL, &js_sys::Error::new(&message));
            } else {
                // A pooled read fills the start of a buffer given back: a view of it.
                let bytes = match Reflect::get(&data, &"len".into())
                    .ok()
                    .and_then(|l| l.as_f64())
                {
                    Some(len) => Uint8Array::new_with_byte_offset_and_length(&buf, 0, len as u32),
                    None => Uint8Array::new(&buf),
                };
                let _ = resolve.call1(&JsValue::NULL, &bytes);
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        // The script failed to load or the worker died: fail what it was reading, and read
        // here from now on.
        let w = waiting.clone();
        let onerror = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            READER.with(|r| r.borrow_mut().take());
            let error = js_sys::Error::new("the reader worker failed");
            for (_, (_, reject)) in w.borrow_mut().drain() {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        });
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        onerror.forget();
        Some(Reader {
            worker,
            next_id: 0,
            waiting,
        })
    }

    /// A promise of the bytes `[start, end)` of `blob` (a `Uint8Array`); `pool`: read into
    /// a buffer given back.
    fn ask(&mut self, blob: &Blob, start: u64, end: u64, pool: bool) -> Promise {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let waiting = self.waiting.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            waiting.borrow_mut().insert(id, (resolve, reject));
        });
        let msg = Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &id.into());
        let _ = Reflect::set(&msg, &"blob".into(), blob);
        let _ = Reflect::set(&msg, &"start".into(), &(start as f64).into());
        let _ = Reflect::set(&msg, &"end".into(), &(end as f64).into());
        if pool {
            let _ = Reflect::set(&msg, &"pool".into(), &true.into());
        }
        if let Err(e) = self.worker.post_message(&msg) {
            if let Some((_, reject)) = self.waiting.borrow_mut().remove(&id) {
                let _ = reject.call1(&JsValue::NULL, &e);
            }
        }
        promise
    }
}

impl Pending {
    /// The bytes, as a view of the `ArrayBuffer` the browser filled (outside wasm memory).
    pub async fn array(self) -> Result<Uint8Array, String> {
        let bytes = self.0?.await.map_err(describe)?;
        // `Uint8Array::new` of a view would copy it.
        Ok(bytes
            .dyn_into::<Uint8Array>()
            .unwrap_or_else(|buffer| Uint8Array::new(&buffer)))
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

/// Ranges read ahead: what each reads, and the read under way.
pub type Ahead = VecDeque<(Fetch, Pending)>;

/// Ranges a planned re-read starts reading ahead of the one it decodes.
const FETCH_AHEAD: usize = 3;

/// The read of `f` (started ahead, or now); then the next ranges the plan names
/// (`upcoming`) are started, and those it no longer names let go.
pub fn next(
    ahead: &mut Ahead,
    f: &Fetch,
    upcoming: impl Iterator<Item = Fetch>,
    files: &[File],
) -> Pending {
    let pending = ahead
        .iter()
        .position(|(a, _)| a == f)
        .and_then(|at| ahead.remove(at))
        .map(|(_, p)| p)
        .unwrap_or_else(|| fetch(files, f));
    let want: Vec<Fetch> = upcoming.take(FETCH_AHEAD).collect();
    ahead.retain(|(a, _)| want.contains(a));
    for n in want {
        if !ahead.iter().any(|(a, _)| *a == n) {
            ahead.push_back((n, fetch(files, &n)));
        }
    }
    pending
}

/// Reads everything a planned re-read of a set of packets needs, the next ranges while
/// one is decoded.
pub async fn fill(rr: &mut Reread<'_>, files: &[File]) {
    fill_to(rr, usize::MAX, files, &mut Ahead::new()).await;
}

/// Reads what a planned re-read needs before packet `order[pos]` of its run (all of a
/// set: `usize::MAX`); the ranges after it are started early and kept in `ahead` for the
/// next call.
pub async fn fill_to(rr: &mut Reread<'_>, pos: usize, files: &[File], ahead: &mut Ahead) {
    while let Some(f) = rr.fetch_for(pos) {
        let pending = next(ahead, &f, rr.upcoming(), files);
        match pending.array().await {
            Ok(a) => rr.supply_with(&f, a.length() as usize, &mut |at, to| copy(&a, at, to)),
            Err(e) => rr.fetch_failed(&f, &e),
        }
    }
}

/// Copies the bytes of `from` that begin at `at` into `to` (as many as it holds): a
/// re-read takes a slice's bytes in pieces, each where it keeps it.
pub fn copy(from: &Uint8Array, at: usize, to: &mut [u8]) {
    let (start, end) = (at as u32, (at + to.len()) as u32);
    if start == 0 && end == from.length() {
        from.copy_to(to);
    } else {
        from.subarray(start, end).copy_to(to);
    }
}
