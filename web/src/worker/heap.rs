//! The worker's heap, counted (`wirelens_count_alloc`: a global allocator that passes
//! every call to pools of small blocks or to the system's, dlmalloc on wasm32, and counts
//! the bytes live and their peak). Wasm memory never
//! shrinks, so what the page holds after an open is the open's peak heap plus what is
//! not heap (static data, the stack) and the allocator's holes; these counts tell the
//! parts apart (`wirelensHeap()`, read by tests/e2e/bench.mjs).

use std::cell::RefCell;
use wirelens_count_alloc::{peak, set_peak, Counting, Pools};

/// Counting, over pools of small blocks without a header each (`Pools`: the
/// transactions' boxed details, a 24-byte or 32-byte block each, took 32 and 40 in
/// dlmalloc), over dlmalloc.
#[global_allocator]
static COUNTING: Counting<Pools> = Counting::over(Pools::new());

pub use wirelens_count_alloc::live;

/// Starts a new phase: returns the peak of the phase that ends, and counts the next
/// one's from what is live now.
pub fn phase() -> usize {
    set_peak(live())
}

/// What the last open's phases held (bytes), for `wirelensHeap()`.
#[derive(Clone, Copy, Default)]
pub struct Open {
    /// Wasm memory, heap live before the open began.
    pub wasm_before: u64,
    pub live_before: usize,
    /// The peak heap while the files were read, and during `finish` (sorting, moving
    /// the parts into the `Capture`, shrinking).
    pub reading_peak: usize,
    pub finish_peak: usize,
    /// Heap live once the capture was kept, and wasm memory then.
    pub live_after: usize,
    pub wasm_after: u64,
}

thread_local! {
    static LAST: RefCell<Open> = RefCell::default();
}

/// Notes the last open's phases.
pub fn note(open: Open) {
    LAST.with_borrow_mut(|l| *l = open);
}

/// The last open's phases and the heap now, as a JS object of numbers (bytes).
pub fn report() -> js_sys::Object {
    let o = js_sys::Object::new();
    let open = LAST.with_borrow(|l| *l);
    let set = |k: &str, v: f64| {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    };
    set("wasm_before", open.wasm_before as f64);
    set("live_before", open.live_before as f64);
    set("reading_peak", open.reading_peak as f64);
    set("finish_peak", open.finish_peak as f64);
    set("live_after", open.live_after as f64);
    set("wasm_after", open.wasm_after as f64);
    set("live", live() as f64);
    set("peak", peak() as f64);
    set("wasm", wasm_bytes() as f64);
    o
}

/// What each part of the open capture holds in the heap, found by dropping the parts one
/// after another (as `cargo bench -p wirelens-core --bench memory` does natively): the
/// capture is closed. For the benchmark, after its figures: `wirelensCensus()`, an array
/// of `[part, bytes]`.
pub fn census() -> js_sys::Array {
    use wirelens_core::capture::app::AppProto;
    use wirelens_core::capture::packet::Packets;
    use wirelens_core::capture::Capture;
    let parts = js_sys::Array::new();
    let Some(mut capture) = crate::session::take_capture() else {
        return parts;
    };
    let mut freed = |name: &str, f: &mut dyn FnMut(&mut Capture)| {
        let was = live();
        f(&mut capture);
        let part = js_sys::Array::of2(&name.into(), &((was - live()) as f64).into());
        parts.push(&part);
    };
    freed("packet index", &mut |c| c.packets = Packets::new());
    for proto in AppProto::ALL {
        freed(&format!("{} details", proto.name()), &mut |c| {
            c.transactions.retain(|t| t.detail.proto() != proto)
        });
    }
    freed("memcache message table", &mut |c| {
        c.memcache_commands = Default::default()
    });
    freed("transactions' Vec", &mut |c| {
        c.transactions = Default::default()
    });
    freed("PDUs", &mut |c| c.pdus = Vec::new());
    freed("conversations", &mut |c| c.conversations = Vec::new());
    freed("TCP analysis", &mut |c| {
        c.tcp = Vec::new();
        c.tcp_control = Vec::new();
        c.tcp_flags = Vec::new();
        c.tcp_acks_far = Vec::new();
        c.tcp_push_bytes = Vec::new();
    });
    freed("statistics", &mut |c| c.stats = Default::default());
    freed("the rest", &mut |c| *c = Capture::default());
    parts
}

/// The size of this worker's wasm memory, bytes.
pub fn wasm_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_or(0, |b| b.byte_length() as u64)
        })
}
