//! The packet bytes the pages of rows being made hold at once, bounded.
//!
//! The page asks for several pages at once (a screen and those around it), and each
//! holds the bytes of its packets from their reading until its rows are made. Most pages
//! need well under a megabyte, but a page whose rows complete long PDUs can need tens of
//! megabytes, and the pages asked for together under a filter that shows such packets
//! held them all at once (bench.pcap under `memcache.value.length > 1000000`: 200 MB of
//! wasm memory, which never shrinks). A page waits until its bytes fit beside those of
//! the pages under way; one alone always goes, whatever it needs. Small pages, the usual
//! case, still overlap their reads.

use std::cell::RefCell;
use std::collections::VecDeque;
use wasm_bindgen_futures::JsFuture;

/// Bytes the pages under way may hold together (one page alone may hold more).
const BYTES: usize = 16 << 20;

/// Bytes held and the takers waiting, in the order they asked: `W` is how a waiter is
/// woken.
struct Budget<W> {
    cap: usize,
    held: usize,
    waiting: VecDeque<(usize, W)>,
}

impl<W> Budget<W> {
    const fn new(cap: usize) -> Self {
        Budget {
            cap,
            held: 0,
            waiting: VecDeque::new(),
        }
    }

    fn fits(&self, bytes: usize) -> bool {
        self.held == 0 || self.held.saturating_add(bytes) <= self.cap
    }

    /// Takes `bytes` now (true) when they fit and nobody waits before; else the taker
    /// waits, woken by [`Budget::give_back`] once they are taken for it.
    fn take(&mut self, bytes: usize, waiter: impl FnOnce() -> W) -> bool {
        if self.waiting.is_empty() && self.fits(bytes) {
            self.held += bytes;
            return true;
        }
        self.waiting.push_back((bytes, waiter()));
        false
    }

    /// Gives `bytes` back; returns the waiters whose bytes are taken now, to be woken.
    fn give_back(&mut self, bytes: usize) -> Vec<W> {
        self.held -= bytes.min(self.held);
        let mut woken = Vec::new();
        while let Some(&(b, _)) = self.waiting.front() {
            if !self.fits(b) {
                break;
            }
            self.held += b;
            woken.extend(self.waiting.pop_front().map(|(_, w)| w));
        }
        woken
    }
}

thread_local! {
    static PAGES: RefCell<Budget<js_sys::Function>> = const { RefCell::new(Budget::new(BYTES)) };
}

/// Bytes held by a page until it drops.
pub struct Held(usize);

impl Drop for Held {
    fn drop(&mut self) {
        let woken = PAGES.with_borrow_mut(|b| b.give_back(self.0));
        for resolve in woken {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    }
}

/// Waits until a page's `bytes` fit beside those of the pages under way, and holds them.
pub async fn hold(bytes: usize) -> Held {
    let mut waiting = None;
    let now = PAGES.with_borrow_mut(|b| {
        b.take(bytes, || {
            let mut resolve = None;
            let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
            waiting = Some(promise);
            resolve.expect("a promise's executor runs at once")
        })
    });
    if !now {
        if let Some(p) = waiting {
            // Resolved once the bytes were taken for this page.
            let _ = JsFuture::from(p).await;
        }
    }
    Held(bytes)
}

#[cfg(test)]
mod test {
    use super::*;

    /// Takers go at once while their bytes fit, one alone always goes, and the others
    /// are woken in the order they asked as bytes come back.
    #[test]
    fn takers_wait_their_turn_until_their_bytes_fit() {
        let mut b = Budget::new(10);
        assert!(b.take(4, || 0));
        assert!(b.take(6, || 1));
        // Full: waits, and so does a small one behind it.
        assert!(!b.take(8, || 2));
        assert!(!b.take(1, || 3));
        assert_eq!(b.give_back(4), Vec::<i32>::new());
        // 2 goes once 6 comes back; then 3 fits beside it.
        assert_eq!(b.give_back(6), [2, 3]);
        assert_eq!(b.held, 9);
        assert_eq!(b.give_back(8), Vec::<i32>::new());
        assert_eq!(b.give_back(1), Vec::<i32>::new());
        // One alone needing more than the cap goes; another waits for it.
        assert!(b.take(50, || 4));
        assert!(!b.take(1, || 5));
        assert_eq!(b.give_back(50), [5]);
        assert_eq!(b.held, 1);
    }
}
