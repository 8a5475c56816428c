//! The analysis worker. The page posts it `File` handles; it reads them in chunks, runs
//! `wirelens-core` over them, keeps the packet index, and answers the page's queries.
//! All analysis happens here, off the UI thread. No Leptos in this binary.

mod ahead;
mod apps;
mod blob;
mod budget;
mod charts;
mod cuts;
mod detail;
mod expert;
mod export;
mod files;
mod filtering;
mod follow;
mod heap;
mod lake;
mod queries;
mod reading;
mod session;
mod tables;
mod warm;

use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};
use wirelens_web::protocol::{self, FromWorker, ToWorker};

fn main() {
    console_error_panic_hook::set_once();
    blob::start_reader();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        match protocol::decode::<ToWorker>(ev.data()) {
            Ok(msg) => session::handle(msg),
            Err(e) => {
                web_sys::console::error_1(&format!("wirelens worker: bad message: {e}").into())
            }
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    onmessage.forget();
    // `wirelensWasmBytes()`: the size of this worker's wasm memory, its peak (it never
    // shrinks), for the benchmark (tests/e2e/bench.mjs) to read at any moment.
    let wasm_bytes = Closure::<dyn Fn() -> f64>::new(|| heap::wasm_bytes() as f64);
    let _ = js_sys::Reflect::set(&scope(), &"wirelensWasmBytes".into(), wasm_bytes.as_ref());
    wasm_bytes.forget();
    // `wirelensHeap()`: the heap of the last open by phase, and `wirelensCensus()`: the open
    // capture's heap by part (it closes the capture), for the benchmark.
    let heap = Closure::<dyn Fn() -> JsValue>::new(|| heap::report().into());
    let _ = js_sys::Reflect::set(&scope(), &"wirelensHeap".into(), heap.as_ref());
    heap.forget();
    let census = Closure::<dyn Fn() -> JsValue>::new(|| heap::census().into());
    let _ = js_sys::Reflect::set(&scope(), &"wirelensCensus".into(), census.as_ref());
    census.forget();
    // Messages posted before the wasm was instantiated would have found no handler, so
    // the page waits for this before it sends anything.
    post(&FromWorker::Ready);
    warm::start();
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts a message to the page.
pub(crate) fn post(msg: &FromWorker) {
    match protocol::encode(msg) {
        Ok(value) => {
            if let Err(e) = scope().post_message(&value) {
                web_sys::console::error_2(&"wirelens worker: postMessage failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(
            &format!("wirelens worker: cannot encode a reply: {e}").into(),
        ),
    }
}
