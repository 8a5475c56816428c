//! Every expert item of the open capture, read from each packet's detail (core's
//! `query::expert::Items`) by one scan over the packets, then kept for the capture: the
//! Expert view's tables are built from it. The scan reads every packet again (bench.pcap's
//! 1 GB: about as long as the open); the index the worker gathered after the open is lent
//! to it when ready.

use crate::session::Session;
use std::cell::RefCell;
use std::rc::Rc;
use wirelens_core::query::expert::{expert_items, Item, Items};
use wirelens_core::query::filter::Filter;
use wirelens_core::query::scan::{Scan, ScanOptions};
use wirelens_web::protocol::ExpertProgress;

/// The items of the capture of a generation, or the scan that reads them.
enum State {
    /// A scan runs; these wait for it (the Expert view asks for both its tables at once).
    Reading {
        generation: u32,
        waiting: Vec<js_sys::Function>,
    },
    /// Read.
    Read(u32, Rc<Vec<Item>>),
}

thread_local! {
    static ITEMS: RefCell<Option<State>> = const { RefCell::new(None) };
    /// Packets the scan of a generation has read.
    static READ: std::cell::Cell<(u32, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// How far the items of the open capture are read, and its TCP analysis items' counts.
pub(crate) fn progress(s: &Session) -> ExpertProgress {
    let total = s.capture.packets.len() as u64;
    let done = ITEMS.with_borrow(|st| matches!(st, Some(State::Read(g, _)) if *g == s.generation));
    let read = match READ.get() {
        _ if done => total,
        (g, n) if g == s.generation => n,
        _ => 0,
    };
    let mut tcp = [0u64; 4];
    for item in expert_items(&s.capture) {
        tcp[3 - item.severity() as usize] += 1;
    }
    ExpertProgress {
        read,
        total,
        done,
        tcp,
    }
}

/// The expert items of the open capture, in frame order.
pub(crate) async fn items(s: &Session) -> Result<Rc<Vec<Item>>, String> {
    loop {
        let waiting = ITEMS.with_borrow_mut(|state| match state {
            Some(State::Read(g, items)) if *g == s.generation => Some(Ok(Rc::clone(items))),
            Some(State::Reading {
                generation,
                waiting,
            }) if *generation == s.generation => {
                let promise = js_sys::Promise::new(&mut |resolve, _| waiting.push(resolve));
                Some(Err(promise))
            }
            _ => {
                *state = Some(State::Reading {
                    generation: s.generation,
                    waiting: Vec::new(),
                });
                None
            }
        });
        match waiting {
            Some(Ok(items)) => return Ok(items),
            Some(Err(promise)) => {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            }
            None => break,
        }
    }
    let read = scan(s).await;
    let waiting = ITEMS.with_borrow_mut(|state| {
        let done = match &read {
            Ok(items) => Some(State::Read(s.generation, Rc::clone(items))),
            // Those waiting try again.
            Err(_) => None,
        };
        // Unless another capture was opened meanwhile.
        let ours =
            matches!(state, Some(State::Reading { generation, .. }) if *generation == s.generation);
        if !ours {
            return Vec::new();
        }
        match std::mem::replace(state, done) {
            Some(State::Reading { waiting, .. }) => waiting,
            _ => Vec::new(),
        }
    });
    for resolve in waiting {
        let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
    }
    read
}

/// Reads every packet's expert items.
async fn scan(s: &Session) -> Result<Rc<Vec<Item>>, String> {
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
    let mut out = Vec::new();
    let generation = s.generation;
    crate::filtering::drive(s, &mut scan, |scan, i| {
        let (ctx, src) = scan.packet();
        reader.packet(ctx, i, src, &mut out);
        READ.set((generation, i as u64 + 1));
    })
    .await?;
    Ok(Rc::new(out))
}
