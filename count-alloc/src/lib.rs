//! The heap, counted: a global allocator that passes every call to another (the system's,
//! dlmalloc on wasm32, or [`Pools`] over it) and counts the bytes live and their peak.
//! The analysis worker (`web/src/worker/heap.rs`) and core's memory bench
//! (`core/benches/memory.rs`) install it in their binary:
//!
//! ```ignore
//! #[global_allocator]
//! static COUNTING: wirelens_count_alloc::Counting = wirelens_count_alloc::Counting::new();
//! ```
//!
//! Core itself forbids unsafe code; this crate holds the `unsafe impl`s they share.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{
    AtomicBool, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};

/// An allocator, counting: every call goes to `A` (the system's by default).
pub struct Counting<A = System> {
    inner: A,
}

impl Counting {
    /// The system's allocator, counting.
    pub const fn new() -> Counting {
        Counting { inner: System }
    }
}

impl Default for Counting {
    fn default() -> Counting {
        Counting::new()
    }
}

impl<A> Counting<A> {
    /// `inner`, counting.
    pub const fn over(inner: A) -> Counting<A> {
        Counting { inner }
    }
}

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call goes to `inner` unchanged; only the counters are added.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.inner.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.inner.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { self.inner.realloc(ptr, layout, new_size) };
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

/// Small blocks without a header each: blocks of 17 to 24 bytes and of 25 to 32 (at most
/// 8-aligned) are cut from slabs of [`Pools::SLAB`] bytes, one size a slab; every other
/// block goes to `A` (the system's allocator by default).
///
/// Why: in wasm32's dlmalloc a block carries a 4-byte header and is rounded to 8, so the
/// 24-byte and 32-byte blocks a capture keeps one of per transaction (each protocol's
/// boxed detail: HTTP's 24 bytes, memcached's 32) take 32 and 40 — 8 bytes a
/// transaction, 2.5 a packet on bench.pcap, where 95% of the heap's blocks after an open
/// are of these two sizes. Pooled, a block takes its size.
///
/// A freed block serves the next block of its class (the slabs are never given back), so
/// a class holds at most the most blocks of its sizes live at once, in slabs: on a
/// capture's open, the transactions' details, which only grow.
pub struct Pools<A = System> {
    inner: A,
    lock: AtomicBool,
    classes: UnsafeCell<[Class; 2]>,
}

/// One size's slabs: its free blocks, and the room left in its last slab.
#[derive(Clone, Copy)]
struct Class {
    /// The first free block; each holds the address of the next (null: none).
    free: *mut u8,
    /// The room left in the last slab, from `next` to `end`.
    next: *mut u8,
    end: *mut u8,
}

// SAFETY: `classes` is only read and written with `lock` held.
unsafe impl<A: Sync> Sync for Pools<A> {}

impl Pools {
    /// Pools over the system's allocator.
    pub const fn new() -> Pools {
        Pools::over(System)
    }
}

impl Default for Pools {
    fn default() -> Pools {
        Pools::new()
    }
}

impl<A> Pools<A> {
    /// Bytes of a slab, taken from `A` when a class has no free block left: small enough
    /// that the last slab of each class, part used, costs little.
    pub const SLAB: usize = 8 << 10;

    /// The block size of each class: a class takes blocks of more than the size before
    /// it, up to its own.
    pub const SIZES: [usize; 2] = [24, 32];

    const EMPTY: Class = Class {
        free: ptr::null_mut(),
        next: ptr::null_mut(),
        end: ptr::null_mut(),
    };

    /// Pools over `inner`.
    pub const fn over(inner: A) -> Pools<A> {
        Pools {
            inner,
            lock: AtomicBool::new(false),
            classes: UnsafeCell::new([Self::EMPTY; 2]),
        }
    }

    /// The class of blocks of `layout`, if one takes them. A slab is 8-aligned and each
    /// size a multiple of 8, so every block of a class is 8-aligned.
    fn class(layout: Layout) -> Option<usize> {
        if layout.align() > 8 {
            return None;
        }
        match layout.size() {
            17..=24 => Some(0),
            25..=32 => Some(1),
            _ => None,
        }
    }

    /// Runs `f` on the classes, alone.
    fn locked<T>(&self, f: impl FnOnce(&mut [Class; 2]) -> T) -> T {
        while self
            .lock
            .compare_exchange_weak(false, true, Acquire, Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
        // SAFETY: the lock is held, so no other reference to the classes exists.
        let out = f(unsafe { &mut *self.classes.get() });
        self.lock.store(false, Release);
        out
    }
}

// SAFETY: a pooled block is `SIZES[class]` bytes, at least the layout's size, 8-aligned
// (slabs are 8-aligned and sizes multiples of 8), and handed out once until it is freed:
// a free block is on its class's list only, and the room of a slab past `next` was never
// handed out. Blocks of other layouts come from and go back to `inner`, and a block's
// class follows from its layout, which `dealloc` and `realloc` get as `alloc` did.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Pools<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(c) = Self::class(layout) else {
            return unsafe { self.inner.alloc(layout) };
        };
        let size = Self::SIZES[c];
        self.locked(|classes| {
            let class = &mut classes[c];
            if !class.free.is_null() {
                let p = class.free;
                // SAFETY: a free block holds the address of the next one.
                class.free = unsafe { p.cast::<*mut u8>().read() };
                return p;
            }
            if class.next.is_null() || (class.end as usize - class.next as usize) < size {
                // SAFETY: SLAB is not zero and 8 a power of two.
                let slab = unsafe {
                    self.inner
                        .alloc(Layout::from_size_align_unchecked(Self::SLAB, 8))
                };
                if slab.is_null() {
                    return slab;
                }
                class.next = slab;
                class.end = slab.wrapping_add(Self::SLAB);
            }
            let p = class.next;
            class.next = p.wrapping_add(size);
            p
        })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Self::class(layout).is_none() {
            return unsafe { self.inner.alloc_zeroed(layout) };
        }
        let p = unsafe { self.alloc(layout) };
        if !p.is_null() {
            // SAFETY: the block is at least the layout's size, and ours.
            unsafe { p.write_bytes(0, layout.size()) };
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let Some(c) = Self::class(layout) else {
            return unsafe { self.inner.dealloc(p, layout) };
        };
        self.locked(|classes| {
            let class = &mut classes[c];
            // SAFETY: the block is ours again, 8-aligned and larger than an address.
            unsafe { p.cast::<*mut u8>().write(class.free) };
            class.free = p;
        })
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller gives a size that, rounded up to the alignment, fits isize.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (Self::class(layout), Self::class(new)) {
            (None, None) => unsafe { self.inner.realloc(p, layout, new_size) },
            // The block has room for any size of its class.
            (Some(a), Some(b)) if a == b => p,
            _ => {
                let q = unsafe { self.alloc(new) };
                if !q.is_null() {
                    // SAFETY: both blocks are ours, apart, and hold at least this many.
                    unsafe {
                        ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                        self.dealloc(p, layout);
                    }
                }
                q
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::{Counting, Pools};
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    /// The system's allocator, counting the slabs (and other blocks) asked of it.
    #[derive(Default)]
    struct Asked(AtomicUsize);

    unsafe impl GlobalAlloc for Asked {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            self.0.fetch_add(1, Relaxed);
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
            unsafe { System.dealloc(p, layout) }
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn pooled_blocks_are_apart_aligned_and_hold_their_bytes() {
        let pools = Pools::over(Asked::default());
        let mut blocks = Vec::new();
        // Every size of both classes and just outside them, at each alignment up to 8.
        for round in 0..400u32 {
            for size in 15..=34 {
                for align in [1, 2, 4, 8] {
                    let l = layout(size, align);
                    let p = unsafe { pools.alloc(l) };
                    assert!(!p.is_null() && (p as usize).is_multiple_of(align));
                    let fill = (round as usize * 31 + size) as u8;
                    unsafe { p.write_bytes(fill, size) };
                    blocks.push((p, l, fill));
                }
            }
        }
        let mut spans: Vec<(usize, usize)> = blocks
            .iter()
            .map(|&(p, l, _)| (p as usize, p as usize + l.size()))
            .collect();
        spans.sort_unstable();
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "blocks overlap");
        for &(p, l, fill) in &blocks {
            let bytes = unsafe { std::slice::from_raw_parts(p, l.size()) };
            assert!(bytes.iter().all(|&b| b == fill));
            unsafe { pools.dealloc(p, l) };
        }
    }

    #[test]
    fn a_freed_block_serves_the_next_of_its_class_and_slabs_fill_up() {
        let pools = Pools::over(Asked::default());
        let per_slab = Pools::<Asked>::SLAB / 24;
        let small: Vec<*mut u8> = (0..per_slab)
            .map(|_| unsafe { pools.alloc(layout(24, 8)) })
            .collect();
        // One slab for a slab's worth of blocks, then a second.
        assert_eq!(pools.inner.0.load(Relaxed), 1);
        let over = unsafe { pools.alloc(layout(17, 1)) };
        assert_eq!(pools.inner.0.load(Relaxed), 2);
        // Freed blocks of 17 to 24 bytes come back to any size of their class; the other
        // class and the sizes outside both do not take them.
        let freed: BTreeSet<usize> = small[..10].iter().map(|&p| p as usize).collect();
        for &p in &small[..10] {
            unsafe { pools.dealloc(p, layout(20, 4)) };
        }
        let other = unsafe { pools.alloc(layout(32, 8)) };
        let big = unsafe { pools.alloc(layout(40, 8)) };
        assert!(!freed.contains(&(other as usize)) && !freed.contains(&(big as usize)));
        let again: BTreeSet<usize> = (0..10)
            .map(|i| unsafe { pools.alloc(layout(17 + i % 8, 1)) } as usize)
            .collect();
        assert_eq!(again, freed);
        assert_eq!(
            pools.inner.0.load(Relaxed),
            4,
            "a slab of 32s, the 40 from inner"
        );
        unsafe {
            pools.dealloc(over, layout(17, 1));
            pools.dealloc(other, layout(32, 8));
            pools.dealloc(big, layout(40, 8));
        }
    }

    #[test]
    fn zeroed_and_moved_blocks_keep_their_contract() {
        let pools = Pools::new();
        // A reused block comes back zeroed when asked so.
        let p = unsafe { pools.alloc(layout(32, 8)) };
        unsafe { p.write_bytes(0xAB, 32) };
        unsafe { pools.dealloc(p, layout(32, 8)) };
        let z = unsafe { pools.alloc_zeroed(layout(30, 2)) };
        assert_eq!(z, p);
        assert!(unsafe { std::slice::from_raw_parts(z, 30) }
            .iter()
            .all(|&b| b == 0));
        // Growing through the classes and out of them keeps the bytes.
        unsafe { z.write_bytes(7, 30) };
        let mut at = (z, layout(30, 2));
        for size in [31, 20, 24, 25, 100, 33, 16, 8, 1000, 18] {
            let kept = at.1.size().min(size);
            let q = unsafe { pools.realloc(at.0, at.1, size) };
            assert!(!q.is_null());
            let bytes = unsafe { std::slice::from_raw_parts(q, kept) };
            assert!(bytes.iter().all(|&b| b == 7), "to {size}");
            unsafe { q.write_bytes(7, size) };
            at = (q, layout(size, 2));
        }
        unsafe { pools.dealloc(at.0, at.1) };
        // In its class, a block stays where it is.
        let p = unsafe { pools.alloc(layout(25, 4)) };
        assert_eq!(unsafe { pools.realloc(p, layout(25, 4), 32) }, p);
        unsafe { pools.dealloc(p, layout(32, 4)) };
    }

    #[test]
    fn threads_sharing_the_pools_never_get_the_same_block() {
        let pools = Pools::new();
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let pools = &pools;
                s.spawn(move || {
                    let mut held = Vec::new();
                    for i in 0..100_000usize {
                        let l = layout(17 + (i * 7 + t as usize) % 16, 8);
                        let p = unsafe { pools.alloc(l) };
                        unsafe { p.write_bytes(t, l.size()) };
                        held.push((p, l));
                        if i % 3 == 0 {
                            let (p, l) = held.swap_remove(i % held.len());
                            let bytes = unsafe { std::slice::from_raw_parts(p, l.size()) };
                            assert!(bytes.iter().all(|&b| b == t), "a block shared");
                            unsafe { pools.dealloc(p, l) };
                        }
                    }
                    for (p, l) in held {
                        let bytes = unsafe { std::slice::from_raw_parts(p, l.size()) };
                        assert!(bytes.iter().all(|&b| b == t), "a block shared");
                        unsafe { pools.dealloc(p, l) };
                    }
                });
            }
        });
    }

    #[test]
    fn blocks_aligned_past_8_are_not_pooled() {
        let pools = Pools::over(Asked::default());
        let p = unsafe { pools.alloc(layout(32, 16)) };
        assert!((p as usize).is_multiple_of(16));
        assert_eq!(pools.inner.0.load(Relaxed), 1);
        unsafe { pools.dealloc(p, layout(32, 16)) };
    }

    #[test]
    fn counting_over_pools_counts_what_is_asked() {
        // The only test that counts (the tests' own allocator is the system's).
        let counting = Counting::over(Pools::new());
        let was = super::live();
        let p = unsafe { counting.alloc(layout(24, 8)) };
        assert_eq!(super::live(), was + 24);
        let q = unsafe { counting.realloc(p, layout(24, 8), 100) };
        assert_eq!(super::live(), was + 100);
        unsafe { counting.dealloc(q, layout(100, 8)) };
        assert_eq!(super::live(), was);
    }
}
