//! The heap, counted: a global allocator that passes every call to the system's
//! (dlmalloc on wasm32) and counts the bytes live and their peak. The analysis worker
//! (`web/src/worker/heap.rs`) and core's memory bench (`core/benches/memory.rs`) install
//! it in their binary:
//!
//! ```ignore
//! #[global_allocator]
//! static COUNTING: wirelens_count_alloc::Counting = wirelens_count_alloc::Counting;
//! ```
//!
//! Core itself forbids unsafe code; this crate holds the one `unsafe impl` they share.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call goes to `System` unchanged; only the counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
        } else if new_size <= layout.size() {
            // Shrinking: in place in wasm32's dlmalloc and in glibc's malloc.
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        } else {
            // The old block is live until the copy is done: count both, as a heap without
            // room to grow in place (wasm32's, often) must hold both.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

/// Heap bytes live now.
pub fn live() -> usize {
    LIVE.load(Relaxed)
}

/// The peak since it was last set.
pub fn peak() -> usize {
    PEAK.load(Relaxed)
}

/// Sets the peak to `to`; gives the one it replaces.
pub fn set_peak(to: usize) -> usize {
    PEAK.swap(to, Relaxed)
}
