//! What the page knows, as signals shared by context, and the actions that change it.

use super::client;
use leptos::prelude::*;
use std::sync::Arc;
use web_sys::File;
use wirelens_web::protocol::{
    self, FilterErrorView, FilterReply, FromWorker, Page, Summary, ToWorker, PAGE_ROWS,
};

/// Where the page is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Nothing opened yet.
    Idle,
    /// The worker is reading these files.
    Loading(Vec<String>),
    /// A capture is open.
    Loaded,
    /// The capture could not be read at all.
    Failed(String),
}

/// Ingest progress.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub packets: u64,
}

/// The page's state; `Copy`, provided by context.
#[derive(Clone, Copy)]
pub struct AppState {
    pub phase: RwSignal<Phase>,
    pub progress: RwSignal<Progress>,
    pub summary: RwSignal<Option<Arc<Summary>>>,
    /// The packet rows on screen.
    pub page: RwSignal<Option<Page>>,
    /// The first row of the page asked for last (it may still be on its way).
    pub page_start: RwSignal<u64>,
    /// The last display filter applied (None: none yet).
    pub filter: RwSignal<Option<FilterReply>>,
    /// Why the last filter asked for was not applied.
    pub filter_error: RwSignal<Option<FilterErrorView>>,
    /// A filter is being applied.
    pub filtering: RwSignal<bool>,
    /// The `Open` the page shows; replies about older ones are dropped.
    generation: StoredValue<u32>,
    /// The newest page request; older answers are dropped.
    request: StoredValue<u32>,
    /// The newest filter request.
    filter_request: StoredValue<u32>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new(Phase::Idle),
            progress: RwSignal::new(Progress::default()),
            summary: RwSignal::new(None),
            page: RwSignal::new(None),
            page_start: RwSignal::new(0),
            filter: RwSignal::new(None),
            filter_error: RwSignal::new(None),
            filtering: RwSignal::new(false),
            generation: StoredValue::new(0),
            request: StoredValue::new(0),
            filter_request: StoredValue::new(0),
        }
    }

    /// True once anything was opened (the sample is not opened over the user's files).
    pub fn opened_anything(&self) -> bool {
        self.generation.get_value() != 0
    }

    /// Opens files (one capture, merged in the given order).
    pub fn open(&self, files: Vec<File>) {
        if files.is_empty() {
            return;
        }
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        let total = files.iter().map(|f| f.size() as u64).sum();
        self.phase
            .set(Phase::Loading(files.iter().map(|f| f.name()).collect()));
        self.progress.set(Progress {
            bytes_done: 0,
            bytes_total: total,
            packets: 0,
        });
        self.summary.set(None);
        self.page.set(None);
        self.page_start.set(0);
        self.filter.set(None);
        self.filter_error.set(None);
        self.filtering.set(false);
        let files = files
            .into_iter()
            .map(wasm_bindgen::JsValue::from)
            .collect::<js_sys::Array>();
        client::send(&ToWorker::Open { generation, files });
    }

    /// Asks the worker for the page of rows starting at `start`.
    pub fn show_page(&self, start: u64) {
        let request = self.request.get_value() + 1;
        self.request.set_value(request);
        self.page_start.set(start);
        client::send(&ToWorker::Page {
            generation: self.generation.get_value(),
            request,
            start,
            count: PAGE_ROWS,
        });
    }

    /// Applies a display filter and custom columns (field names) to the packet list.
    pub fn apply_filter(&self, text: String, columns: Vec<String>) {
        let request = self.filter_request.get_value() + 1;
        self.filter_request.set_value(request);
        self.filtering.set(true);
        client::send(&ToWorker::Filter {
            generation: self.generation.get_value(),
            request,
            text,
            columns,
        });
    }

    /// Packets the list shows: those that pass the filter, else all.
    pub fn shown(&self) -> u64 {
        let all = self.summary.with(|s| s.as_ref().map_or(0, |s| s.packets));
        self.filter
            .with(|f| f.as_ref().map(|f| f.shown))
            .unwrap_or(all)
    }

    /// Takes in a message from the worker.
    pub fn receive(&self, msg: FromWorker) {
        let current = self.generation.get_value();
        match msg {
            FromWorker::Ready => {}
            FromWorker::Progress {
                generation,
                bytes_done,
                bytes_total,
                packets,
            } if generation == current => {
                self.progress.set(Progress {
                    bytes_done,
                    bytes_total,
                    packets,
                });
            }
            FromWorker::Loaded(summary) if summary.generation == current => {
                self.summary.set(Some(Arc::from(summary)));
                self.phase.set(Phase::Loaded);
                self.show_page(0);
            }
            FromWorker::Page(page)
                if page.generation == current && page.request == self.request.get_value() =>
            {
                self.page.set(Some(page));
            }
            FromWorker::Filtered(reply)
                if reply.generation == current
                    && reply.request == self.filter_request.get_value() =>
            {
                self.filtering.set(false);
                match reply.error.clone() {
                    // The list keeps what it shows; the error is underlined.
                    Some(e) => self.filter_error.set(Some(e)),
                    None => {
                        self.filter_error.set(None);
                        self.filter.set(Some(reply));
                        self.show_page(0);
                    }
                }
            }
            FromWorker::Failed {
                generation,
                message,
            } if generation == current => {
                self.phase.set(Phase::Failed(message));
            }
            // About a capture or a request the page no longer shows.
            _ => {}
        }
    }

    /// Shows a failure that happened on the page side (e.g. fetching the sample).
    pub fn fail(&self, message: String) {
        self.phase.set(Phase::Failed(message));
    }
}

/// The state provided by [`super::app::App`].
pub fn use_state() -> AppState {
    expect_context::<AppState>()
}

/// Decodes a worker message; logs what cannot be decoded.
pub fn decode(value: wasm_bindgen::JsValue) -> Option<FromWorker> {
    protocol::decode(value)
        .map_err(|e| leptos::logging::error!("wirelens: bad message from the worker: {e}"))
        .ok()
}
