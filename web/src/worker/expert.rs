//! Every expert item of the open capture, read from each packet's detail (core's
//! `query::expert::Items`) by one scan over the packets, once per capture, into core's
//! `Found` (8 bytes an item, each text once): the Expert view's tables are built from it.
//! The scan reads every packet again (bench.pcap's 1 GB: about as long as the open), in
//! a task of its own started by the first question about the items; meanwhile the tally
//! of the items read so far answers the groups table and the view's progress, so the
//! lines fill in as the packets are read. The index the worker gathered after the open is
//! lent to the scan when ready.

use crate::session::Session;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wirelens_core::query::expert::{expert_items, Found, Items};
use wirelens_core::query::filter::Filter;
use wirelens_core::query::scan::{Scan, ScanOptions};
use wirelens_web::protocol::ExpertProgress;

/// The items of the capture of a generation, or the scan that reads them.
enum State {
    /// The scan runs: what it found so far, and the questions that wait for its end.
    Reading {
        generation: u32,
        found: Rc<RefCell<Found>>,
        waiting: Vec<js_sys::Function>,
    },
    /// Read.
    Read(u32, Rc<Found>),
    /// The scan failed; the next question starts it again.
    Failed(u32, String),
}

thread_local! {
    static ITEMS: RefCell<Option<State>> = const { RefCell::new(None) };
    /// Packets the scan of a generation has read.
    static READ: Cell<(u32, u64)> = const { Cell::new((0, 0)) };
    /// The TCP analysis items of a generation per severity, counted once.
    static TCP: Cell<Option<(u32, [u64; 4])>> = const { Cell::new(None) };
}

/// The items of the open capture as far as they are read.
pub(crate) enum SoFar {
    /// Every one.
    Read(Rc<Found>),
    /// Those read so far (the scan adds to them between the worker's messages).
    Reading(Rc<RefCell<Found>>),
}

/// The items of the open capture as far as they are read, the scan started if no scan
/// ran or runs for it.
pub(crate) fn so_far(s: &Rc<Session>) -> Result<SoFar, String> {
    let known = ITEMS.with_borrow_mut(|state| match state {
        Some(State::Read(g, f)) if *g == s.generation => Some(Ok(SoFar::Read(f.clone()))),
        Some(State::Reading {
            generation, found, ..
        }) if *generation == s.generation => Some(Ok(SoFar::Reading(found.clone()))),
        Some(State::Failed(g, e)) if *g == s.generation => {
            let e = std::mem::take(e);
            *state = None;
            Some(Err(e))
        }
        _ => None,
    });
    if let Some(known) = known {
        return known;
    }
    let found = Rc::new(RefCell::new(Found::default()));
    ITEMS.set(Some(State::Reading {
        generation: s.generation,
        found: found.clone(),
        waiting: Vec::new(),
    }));
    wasm_bindgen_futures::spawn_local(run(s.clone(), found.clone()));
    Ok(SoFar::Reading(found))
}

/// Whether every item of the open capture is read.
pub(crate) fn done(s: &Session) -> bool {
    ITEMS.with_borrow(|st| matches!(st, Some(State::Read(g, _)) if *g == s.generation))
}

/// How far the items of the open capture are read, what is found so far, and its TCP
/// analysis items' counts.
pub(crate) fn progress(s: &Rc<Session>) -> ExpertProgress {
    let total = s.capture.packets.len() as u64;
    let (done, found, lines) = match so_far(s) {
        Ok(SoFar::Read(f)) => (true, f.counts(), f.lines()),
        Ok(SoFar::Reading(f)) => {
            let f = f.borrow();
            (false, f.counts(), f.lines())
        }
        // The tables' questions say why.
        Err(_) => (true, [0; 4], 0),
    };
    let read = match READ.get() {
        _ if done => total,
        (g, n) if g == s.generation => n,
        _ => 0,
    };
    ExpertProgress {
        read,
        total,
        done,
        tcp: tcp_counts(s),
        found,
        lines: lines as u64,
    }
}

/// The TCP analysis items per severity, worst first: counted at the first question of a
/// capture, then kept.
fn tcp_counts(s: &Session) -> [u64; 4] {
    if let Some((g, c)) = TCP.get() {
        if g == s.generation {
            return c;
        }
    }
    let mut tcp = [0u64; 4];
    for item in expert_items(&s.capture) {
        tcp[3 - item.severity() as usize] += 1;
    }
    TCP.set(Some((s.generation, tcp)));
    tcp
}

/// Every expert item of the open capture, in frame order, once the scan has read them.
pub(crate) async fn items(s: &Rc<Session>) -> Result<Rc<Found>, String> {
    loop {
        if let SoFar::Read(f) = so_far(s)? {
            return Ok(f);
        }
        let promise = ITEMS.with_borrow_mut(|state| match state {
            Some(State::Reading {
                generation,
                waiting,
                ..
            }) if *generation == s.generation => Some(js_sys::Promise::new(&mut |resolve, _| {
                waiting.push(resolve)
            })),
            _ => None,
        });
        if let Some(p) = promise {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        }
    }
}

/// Runs the scan into `found`, then keeps what it read (or why it failed) and wakes
/// those waiting.
async fn run(s: Rc<Session>, found: Rc<RefCell<Found>>) {
    let read = scan(&s, &found).await;
    let waiting = ITEMS.with_borrow_mut(|state| {
        // Unless another capture was opened meanwhile.
        let ours =
            matches!(state, Some(State::Reading { generation, .. }) if *generation == s.generation);
        if !ours {
            return Vec::new();
        }
        let next = match read {
            Ok(()) => {
                let mut all = found.take();
                all.shrink_to_fit();
                State::Read(s.generation, Rc::new(all))
            }
            Err(e) => State::Failed(s.generation, e),
        };
        match state.replace(next) {
            Some(State::Reading { waiting, .. }) => waiting,
            _ => Vec::new(),
        }
    });
    for resolve in waiting {
        let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
    }
}

/// Reads every packet's expert items into `found`.
async fn scan(s: &Session, found: &RefCell<Found>) -> Result<(), String> {
    let every = Filter::compile("").map_err(|e| e.message)?;
    let options = ScanOptions {
        bytes: true,
        limit: None,
    };
    let mut scan = Scan::new(&s.capture, &every, &[], options);
    let index = crate::ahead::ready(s);
    if let Some(index) = &index {
        scan.share_index(index);
    }
    let mut reader = Items::new(&s.capture, index);
    let generation = s.generation;
    // The page's questions (the progress, the lines so far) are answered at least every
    // 50 ms.
    crate::filtering::drive(s, &mut scan, Some(50.0), &|| false, |scan, i| {
        let (ctx, src) = scan.packet();
        reader.packet(ctx, i, src, &mut found.borrow_mut());
        READ.set((generation, i as u64 + 1));
    })
    .await
}
