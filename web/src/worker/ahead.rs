//! What queries look up across the open capture, gathered in idle time right after the
//! open: core's `detail::Index` (each conversation's first packets each way, its
//! transactions, where a replay may start), which a packet's detail, the packet list's
//! rows and a filter's field context share. Gathering it is a pass over every packet
//! (109–145 ms in the page on bench-5g.pcap, 1.19 million packets), which the first
//! detail paid for, and the first screen of rows too with two passes more of its own
//! (first packets, spans), and a filter on TCP's relative numbers (first packets).
//!
//! The pass goes in pieces of [`PIECE`] packets, each after the page's messages that came
//! meanwhile were handled, so that a message waits for one piece at most; a message that
//! needs the index before it is ready walks what is left itself, not the whole pass.

use crate::session::{self, Session};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wirelens_core::query::detail::{Gather, Index};

/// Packets walked in one piece: 32,768 took 5 ms on average in headless Chromium on
/// bench-5g.pcap at a load of 15 on two cores (the whole pass, 1.19 million packets,
/// 109–145 ms at once).
const PIECE: usize = 1 << 15;

enum Ahead {
    Gathering(Gather),
    Ready(Rc<Index>),
}

thread_local! {
    /// The index of the capture of a generation, gathering or ready.
    static AHEAD: RefCell<Option<(u32, Ahead)>> = const { RefCell::new(None) };
}

/// The open capture's index: ready, else gathered now from where the pieces walked in
/// idle time stopped.
pub(crate) fn index(s: &Session) -> Rc<Index> {
    AHEAD.with_borrow_mut(|a| {
        let gather = match a.take() {
            Some((g, Ahead::Ready(index))) if g == s.generation => {
                *a = Some((g, Ahead::Ready(Rc::clone(&index))));
                return index;
            }
            Some((g, Ahead::Gathering(x))) if g == s.generation => x,
            _ => Gather::new(&s.capture),
        };
        let index = Rc::new(gather.finish(&s.capture));
        *a = Some((s.generation, Ahead::Ready(Rc::clone(&index))));
        index
    })
}

/// The open capture's index, if it is ready.
pub(crate) fn ready(s: &Session) -> Option<Rc<Index>> {
    AHEAD.with_borrow(|a| match a {
        Some((g, Ahead::Ready(index))) if *g == s.generation => Some(Rc::clone(index)),
        _ => None,
    })
}

/// Gathers the index of the capture of `generation` in pieces between the page's
/// messages (started once the open posted its summary), then lends it to the packet
/// list's rows. Stops when another capture is opened. Where the time went is published
/// as `self.wirelensAhead` for the benchmark (tests/e2e/bench.mjs).
pub(crate) async fn gather(generation: u32) {
    let started = wirelens_web::marks::stamp();
    {
        let Some(s) = session::current(generation) else {
            return;
        };
        AHEAD.with_borrow_mut(|a| {
            if !matches!(a, Some((g, _)) if *g == generation) {
                *a = Some((generation, Ahead::Gathering(Gather::new(&s.capture))));
            }
        });
    }
    let mut pieces = 0u32;
    let mut longest = 0f64;
    let mut busy = 0f64;
    let mut by_request = false;
    let mut walked = false;
    loop {
        // The session is not held across the wait: a new open, or the benchmark's census
        // (which takes the capture back), must find it free.
        next_task().await;
        let Some(s) = session::current(generation) else {
            AHEAD.with_borrow_mut(|a| {
                if matches!(a, Some((g, _)) if *g == generation) {
                    *a = None;
                }
            });
            return;
        };
        let t = wirelens_web::marks::stamp();
        if walked {
            // Every packet walked: the transactions' pass, a piece of its own (or nothing,
            // if a message finished it meanwhile).
            s.share_index(index(&s));
        } else {
            let more = AHEAD.with_borrow_mut(|a| match a {
                Some((g, Ahead::Gathering(x))) if *g == generation => {
                    Some(!x.step(&s.capture, PIECE))
                }
                _ => None,
            });
            match more {
                Some(more) => walked = !more,
                None => {
                    // Finished by a message that needed it.
                    by_request = true;
                    if let Some(index) = ready(&s) {
                        s.share_index(index);
                    }
                    break;
                }
            }
        }
        let took = wirelens_web::marks::stamp() - t;
        (pieces, busy, longest) = (pieces + 1, busy + took, longest.max(took));
        if walked && ready(&s).is_some() {
            break;
        }
    }
    let o = js_sys::Object::new();
    let now = wirelens_web::marks::stamp();
    for (k, v) in [
        ("pieces", JsValue::from(pieces)),
        ("busy_ms", busy.into()),
        ("longest_ms", longest.into()),
        ("wall_ms", (now - started).into()),
        ("finished_by_request", by_request.into()),
    ] {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v);
    }
    let _ = js_sys::Reflect::set(&js_sys::global(), &"wirelensAhead".into(), &o);
}

/// Resolves in a task of its own, after the messages already queued: a message posted to
/// a port of a new channel (a timer would be held back 4 ms once nested).
pub(crate) async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| match web_sys::MessageChannel::new() {
        Ok(channel) => {
            channel.port1().set_onmessage(Some(&resolve));
            if channel.port2().post_message(&JsValue::UNDEFINED).is_ok() {
                return;
            }
            let _ = resolve.call0(&JsValue::NULL);
        }
        Err(_) => {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
