//! The connection to the analysis worker.

use super::state::{decode, AppState};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};
use wirelens_web::protocol::{self, FromWorker, ToWorker};

/// Trunk writes the worker's loader next to index.html (see index.html); a relative URL
/// keeps dist/ hostable under any path.
const WORKER_URL: &str = "./wirelens-worker_loader.js";

struct Client {
    worker: Worker,
    ready: bool,
    /// Messages sent before the worker said it is ready.
    queue: Vec<JsValue>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// Starts the worker; its messages go to `state`.
pub fn start(state: AppState) -> Result<(), String> {
    let worker =
        Worker::new(WORKER_URL).map_err(|e| format!("cannot start the analysis worker: {e:?}"))?;
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(msg) = decode(ev.data()) else { return };
        if matches!(msg, FromWorker::Ready) {
            flush();
        }
        state.receive(msg);
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        state.fail(
            "the analysis worker failed to start or crashed (see the browser console)".into(),
        );
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    CLIENT.set(Some(Client {
        worker,
        ready: false,
        queue: Vec::new(),
    }));
    Ok(())
}

fn flush() {
    CLIENT.with_borrow_mut(|c| {
        if let Some(c) = c {
            c.ready = true;
            for msg in c.queue.drain(..) {
                let _ = c.worker.post_message(&msg);
            }
        }
    });
}

/// Sends a message to the worker (queued until it is ready).
pub fn send(msg: &ToWorker) {
    let value = match protocol::encode(msg) {
        Ok(v) => v,
        Err(e) => {
            leptos::logging::error!("wirelens: cannot encode a message: {e}");
            return;
        }
    };
    CLIENT.with_borrow_mut(|c| match c {
        Some(c) if c.ready => {
            if let Err(e) = c.worker.post_message(&value) {
                leptos::logging::error!("wirelens: postMessage failed: {e:?}");
            }
        }
        Some(c) => c.queue.push(value),
        None => leptos::logging::error!("wirelens: the worker is not running"),
    });
}
