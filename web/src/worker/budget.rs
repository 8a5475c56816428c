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

/// Bytes the pages under way may hold together (one page alone may hold more): one
/// group's ([`GROUP`]). At 16 MiB, the pages asked for together under
/// `memcache.value.length > 1000000` each held a group of 4 MiB at once, with what their
/// rows made of them (bench-5g.pcap: the heap 55 MB just after the filter, 42.7 before).
/// A page of rows that complete no long PDU holds well under a megabyte: a few still
/// overlap.
const BYTES: usize = GROUP;

/// Bytes one group of a page's rows holds at once ([`groups`]; one row alone may hold
/// more).
pub const GROUP: usize = 4 << 20;

/// The rows of a page (`0..rows`) in groups, in order, each of whose rows' packets
/// (`wanted(row)`: (packet, its bytes), the row's own among them) weigh at most [`GROUP`]
/// together (a row alone may weigh more): a page holds one group's bytes at a time.
/// Under `memcache.value.length > 1000000` a row reads its value's first segments and
/// those that prove where its message starts, some 230 KB; a page of 128 held 30 MB at
/// once (bench-5g.pcap), which stayed in wasm memory.
pub fn groups(
    rows: usize,
    mut wanted: impl FnMut(usize) -> Vec<(usize, usize)>,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut held = std::collections::HashSet::new();
    let mut bytes = 0;
    for row in 0..rows {
        let new: Vec<(usize, usize)> = wanted(row)
            .into_iter()
            .filter(|(p, _)| !held.contains(p))
            .collect();
        let more: usize = new.iter().map(|&(_, b)| b).sum();
        if row > start && bytes + more > GROUP {
            out.push(start..row);
            start = row;
            held.clear();
            // What the row shares with the group before is read again with its own.
            let all = wanted(row);
            bytes = all.iter().map(|&(_, b)| b).sum();
            held.extend(all.into_iter().map(|(p, _)| p));
            continue;
        }
        bytes += more;
        held.extend(new.into_iter().map(|(p, _)| p));
    }
    if start < rows {
        out.push(start..rows);
    }
    out
}

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

    /// A page's rows go in groups whose packets weigh at most `GROUP` together, a packet
    /// two rows of a group share counted once; a row heavier than that goes alone; a
    /// light page is one group.
    #[test]
    fn rows_go_in_groups_of_bounded_bytes() {
        const MB: usize = 1 << 20;
        // Each row: its own packet and a head of 1 MiB; rows 0 to 3 share packet 100.
        let heavy = |r: usize| {
            let mut v = vec![(r, 1000), (1000 + r, MB)];
            if r < 4 {
                v.push((100, MB));
            }
            v
        };
        // Rows 0 and 1 hold 3 MiB (100 once); with row 2 more than 4: it starts another,
        // with 100 again.
        assert_eq!(groups(6, heavy), [0..2, 2..4, 4..6]);
        assert_eq!(groups(3, |r| vec![(r, 10 * MB)]), [0..1, 1..2, 2..3]);
        assert_eq!(groups(128, |r| vec![(r, 1500), (7, 74)]), [0..128]);
        assert_eq!(
            groups(0, |r| vec![(r, 1)]),
            Vec::<std::ops::Range<usize>>::new()
        );
    }
}
