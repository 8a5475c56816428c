//! The lake from the page: the open capture's rows written as the lake's Parquet files.
//! The analysis worker computes them and packs their columns (`Query::Lake`); the lake
//! worker (`wirelens-lake`, the Parquet writer) is started here on first use, never at
//! load, and writes them.

use super::state::{AppState, Scope};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};
use wirelens_web::protocol::{self, Answer, FileData, FromLake, LakeFile, Query, ToLake};

/// Trunk writes the lake worker's loader beside index.html (see index.html).
const LAKE_URL: &str = "./wirelens-lake_loader.js";
/// Where the sensor name typed last is kept (this browser only).
const SENSOR_KEY: &str = "wirelens.sensor";
/// The sensor when none was typed: the files come from the browser, not from a host the
/// page can name.
pub const DEFAULT_SENSOR: &str = "browser";

/// What the lake worker wrote.
pub struct Written {
    /// The Parquet files, the captures table's last.
    pub files: Vec<LakeFile>,
    /// Their ZIP, when asked for.
    pub zip: Option<FileData>,
    /// Time from the question to the files, ms.
    pub elapsed_ms: f64,
}

type Then = Box<dyn FnOnce(Result<Written, String>)>;

struct Lake {
    worker: Worker,
    ready: bool,
    queue: Vec<JsValue>,
    next: u32,
    waiting: HashMap<u32, (f64, Then)>,
}

thread_local! {
    static LAKE: RefCell<Option<Lake>> = const { RefCell::new(None) };
}

/// The sensor name to use: the one typed last, else [`DEFAULT_SENSOR`].
pub fn sensor() -> String {
    storage()
        .and_then(|s| s.get_item(SENSOR_KEY).ok().flatten())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SENSOR.to_owned())
}

/// Keeps the sensor name for next time.
pub fn keep_sensor(name: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(SENSOR_KEY, name);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Writes the open capture's lake files under `sensor` (and their ZIP with `zip`);
/// `then` gets them, or why not. Nothing is called when another capture was opened in
/// the meantime.
pub fn write(
    state: AppState,
    sensor: String,
    zip: bool,
    then: impl FnOnce(Result<Written, String>) + 'static,
) {
    let started = js_sys::Date::now();
    state.ask(Query::Lake { sensor }, Scope::Capture, move |a| match a {
        Answer::Lake(parts) => {
            let then: Then = Box::new(then);
            if let Err((then, e)) = send(parts, zip, started, then) {
                then(Err(e));
            }
        }
        Answer::Error(e) => then(Err(e)),
        _ => then(Err("unexpected answer from the analysis worker".into())),
    });
}

fn send(
    parts: wirelens_web::protocol::LakeParts,
    zip: bool,
    started: f64,
    then: Then,
) -> Result<(), (Then, String)> {
    if LAKE.with_borrow(Option::is_none) {
        match start() {
            Ok(l) => LAKE.set(Some(l)),
            Err(e) => return Err((then, e)),
        }
    }
    LAKE.with_borrow_mut(|l| {
        let l = l.as_mut().expect("started above");
        l.next += 1;
        let request = l.next;
        let msg = match protocol::encode(&ToLake::Write {
            request,
            parts,
            zip,
        }) {
            Ok(m) => m,
            Err(e) => return Err((then, e)),
        };
        l.waiting.insert(request, (started, then));
        if l.ready {
            let _ = l.worker.post_message(&msg);
        } else {
            l.queue.push(msg);
        }
        Ok(())
    })
}

fn start() -> Result<Lake, String> {
    let worker =
        Worker::new(LAKE_URL).map_err(|e| format!("cannot start the lake worker: {e:?}"))?;
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let msg = match protocol::decode::<FromLake>(ev.data()) {
            Ok(m) => m,
            Err(e) => {
                leptos::logging::error!("wirelens: bad message from the lake worker: {e}");
                return;
            }
        };
        let (request, result) = match msg {
            FromLake::Ready => {
                LAKE.with_borrow_mut(|l| {
                    if let Some(l) = l {
                        l.ready = true;
                        for m in l.queue.drain(..) {
                            let _ = l.worker.post_message(&m);
                        }
                    }
                });
                return;
            }
            FromLake::Written {
                request,
                files,
                zip,
                ..
            } => (request, Ok((files, zip))),
            FromLake::Failed { request, message } => (request, Err(message)),
        };
        let Some((started, then)) =
            LAKE.with_borrow_mut(|l| l.as_mut().and_then(|l| l.waiting.remove(&request)))
        else {
            return;
        };
        then(result.map(|(files, zip)| Written {
            files,
            zip,
            elapsed_ms: js_sys::Date::now() - started,
        }));
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        // Every question waiting gets the failure; the next one starts a new worker.
        let waiting = LAKE
            .take()
            .map(|l| l.waiting.into_values().collect::<Vec<_>>())
            .unwrap_or_default();
        for (_, then) in waiting {
            then(Err(
                "the lake worker failed to start or crashed (see the browser console)".into(),
            ));
        }
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    Ok(Lake {
        worker,
        ready: false,
        queue: Vec::new(),
        next: 0,
        waiting: HashMap::new(),
    })
}
