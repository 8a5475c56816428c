//! What the page knows, as signals shared by context, and the actions that change it.

use super::client;
use super::packets::RowCache;
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use web_sys::File;
use wirelens_web::protocol::{
    self, Answer, FieldName, FilterErrorView, FilterReply, FromWorker, Query, StreamRef, Summary,
    ToWorker, PAGE_ROWS,
};

/// Where the page is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Nothing opened yet, or the last opening was cancelled (with what was cancelled).
    Idle(Option<String>),
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
    /// Milliseconds since the opening started.
    pub elapsed_ms: f64,
}

/// How the packet list shows time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds since the first packet (tshark `-t r`).
    Relative,
    /// Seconds since the previous displayed packet (`-t dd`).
    Delta,
    /// Date and time of day, UTC (`-t ud`).
    Absolute,
}

impl TimeFormat {
    pub const ALL: [TimeFormat; 3] = [
        TimeFormat::Relative,
        TimeFormat::Delta,
        TimeFormat::Absolute,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TimeFormat::Relative => "relative",
            TimeFormat::Delta => "delta",
            TimeFormat::Absolute => "absolute",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TimeFormat::Relative => "Seconds since the first packet",
            TimeFormat::Delta => "Seconds since the previous displayed packet",
            TimeFormat::Absolute => "Date and time of day (UTC)",
        }
    }

    pub fn from_key(key: &str) -> Option<TimeFormat> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// The views of the lower pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Detail,
    Follow,
    Conversations,
    Endpoints,
    Sessions,
    Expert,
    Hierarchy,
    Charts,
    /// SQL over the capture's sessions and transactions (DuckDB, loaded when opened).
    Sql,
    /// A protocol's view: `http`, `memcache`, `mysql`, `redis`, `dns`, `tls`.
    App(&'static str),
}

/// The protocols with views, as the worker names them, and their titles.
pub const APPS: [(&str, &str); 7] = [
    ("http", "HTTP"),
    ("memcache", "memcached"),
    ("mysql", "MySQL"),
    ("redis", "Redis"),
    ("dns", "DNS"),
    ("tls", "TLS"),
    ("pgsql", "PostgreSQL"),
];

impl Tab {
    pub const ALL: [Tab; 9] = [
        Tab::Detail,
        Tab::Follow,
        Tab::Conversations,
        Tab::Endpoints,
        Tab::Sessions,
        Tab::Expert,
        Tab::Hierarchy,
        Tab::Charts,
        Tab::Sql,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Detail => "Packet",
            Tab::Follow => "Follow Stream",
            Tab::Conversations => "Conversations",
            Tab::Endpoints => "Endpoints",
            Tab::Sessions => "Sessions",
            Tab::Expert => "Expert Info",
            Tab::Hierarchy => "Protocol Hierarchy",
            Tab::Charts => "Charts",
            Tab::Sql => "SQL",
            Tab::App(name) => APPS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(name, |(_, t)| t),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Tab::Detail => "detail",
            Tab::Follow => "follow",
            Tab::Conversations => "conversations",
            Tab::Endpoints => "endpoints",
            Tab::Sessions => "sessions",
            Tab::Expert => "expert",
            Tab::Hierarchy => "hierarchy",
            Tab::Charts => "charts",
            Tab::Sql => "sql",
            Tab::App(name) => name,
        }
    }
}

/// What an answer depends on: it is dropped when that changed before it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Nothing (a filter check, the field registry).
    Any,
    /// The open capture.
    Capture,
    /// The open capture and the packets displayed.
    View,
}

/// A question waiting for its answer.
struct Waiting {
    generation: u32,
    view: u32,
    scope: Scope,
    then: Box<dyn FnOnce(Answer)>,
}

thread_local! {
    static WAITING: RefCell<HashMap<u32, Waiting>> = RefCell::new(HashMap::new());
}

/// The page's state; `Copy`, provided by context.
#[derive(Clone, Copy)]
pub struct AppState {
    pub phase: RwSignal<Phase>,
    pub progress: RwSignal<Progress>,
    pub summary: RwSignal<Option<Arc<Summary>>>,
    /// Packet rows fetched so far for the current view.
    pub rows: RwSignal<RowCache>,
    /// The last display filter applied (None: none yet).
    pub filter: RwSignal<Option<FilterReply>>,
    /// Why the last filter asked for was not applied.
    pub filter_error: RwSignal<Option<FilterErrorView>>,
    /// A filter is being applied.
    pub filtering: RwSignal<bool>,
    /// The text of the filter bar and of the custom columns.
    pub filter_text: RwSignal<String>,
    pub columns_text: RwSignal<String>,
    /// The view the page shows: the `request` of the applied filter (0: none yet).
    pub view: RwSignal<u32>,
    /// The selected row of the packet list (0-based, among the displayed packets).
    pub selected: RwSignal<Option<u64>>,
    /// A row the packet list should scroll to (set by "go to packet").
    pub reveal: RwSignal<Option<u64>>,
    pub time_format: RwSignal<TimeFormat>,
    pub tab: RwSignal<Tab>,
    /// The stream the Follow view shows.
    pub follow: RwSignal<Option<StreamRef>>,
    /// Row colours on or off.
    pub colours: RwSignal<bool>,
    /// The field registry, once the worker sent it.
    pub fields: RwSignal<Arc<Vec<FieldName>>>,
    /// The `Open` the page shows; replies about older ones are dropped.
    generation: StoredValue<u32>,
    /// The last request id used (pages, filters and queries share them).
    request: StoredValue<u32>,
    /// The newest filter request.
    filter_request: StoredValue<u32>,
    /// Page replies to requests older than this are about a previous view.
    epoch: StoredValue<u32>,
    /// When the current opening started (ms, `Date.now()`).
    started: StoredValue<f64>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            phase: RwSignal::new(Phase::Idle(None)),
            progress: RwSignal::new(Progress::default()),
            summary: RwSignal::new(None),
            rows: RwSignal::new(RowCache::default()),
            filter: RwSignal::new(None),
            filter_error: RwSignal::new(None),
            filtering: RwSignal::new(false),
            filter_text: RwSignal::new(String::new()),
            columns_text: RwSignal::new(String::new()),
            view: RwSignal::new(0),
            selected: RwSignal::new(None),
            reveal: RwSignal::new(None),
            time_format: RwSignal::new(TimeFormat::Relative),
            tab: RwSignal::new(Tab::Detail),
            follow: RwSignal::new(None),
            colours: RwSignal::new(true),
            fields: RwSignal::new(Arc::new(Vec::new())),
            generation: StoredValue::new(0),
            request: StoredValue::new(0),
            filter_request: StoredValue::new(0),
            epoch: StoredValue::new(0),
            started: StoredValue::new(0.0),
        }
    }

    fn next_request(&self) -> u32 {
        let r = self.request.get_value() + 1;
        self.request.set_value(r);
        r
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
        wirelens_web::marks::mark("open_called", true);
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        let total = files.iter().map(|f| f.size() as u64).sum();
        self.started.set_value(js_sys::Date::now());
        self.phase
            .set(Phase::Loading(files.iter().map(|f| f.name()).collect()));
        self.progress.set(Progress {
            bytes_total: total,
            ..Progress::default()
        });
        self.summary.set(None);
        self.follow.set(None);
        self.filter.set(None);
        self.filter_error.set(None);
        self.filtering.set(false);
        self.new_view(0);
        let files = files
            .into_iter()
            .map(wasm_bindgen::JsValue::from)
            .collect::<js_sys::Array>();
        client::send(&ToWorker::Open { generation, files });
        wirelens_web::marks::mark("open_sent", false);
    }

    /// Stops the opening under way.
    pub fn cancel(&self) {
        let Phase::Loading(names) = self.phase.get_untracked() else {
            return;
        };
        let generation = self.generation.get_value();
        client::send(&ToWorker::Cancel { generation });
        // Replies about it are dropped from now on.
        self.generation.set_value(generation + 1);
        self.phase.set(Phase::Idle(Some(names.join(", "))));
    }

    /// Starts a new view of the packet list: rows and selection are forgotten.
    fn new_view(&self, view: u32) {
        self.epoch.set_value(self.request.get_value() + 1);
        self.rows.set(RowCache::default());
        self.selected.set(None);
        self.view.set(view);
    }

    /// Asks the worker for the blocks of packet rows that cover `[first, last)` and are
    /// neither fetched nor on their way.
    pub fn want_rows(&self, first: u64, last: u64) {
        let generation = self.generation.get_value();
        let wanted = self.rows.with_untracked(|c| c.missing(first, last));
        for block in wanted {
            let request = self.next_request();
            self.rows.update_untracked(|c| c.pending(block, request));
            client::send(&ToWorker::Page {
                generation,
                request,
                start: block * PAGE_ROWS as u64,
                count: PAGE_ROWS,
            });
        }
    }

    /// Applies a display filter and custom columns (field names) to the packet list.
    pub fn apply_filter(&self, text: String, columns: Vec<String>) {
        let request = self.next_request();
        self.filter_request.set_value(request);
        self.filtering.set(true);
        client::send(&ToWorker::Filter {
            generation: self.generation.get_value(),
            request,
            text,
            columns,
        });
    }

    /// Puts `text` in the filter bar and applies it with the current columns.
    pub fn apply_filter_text(&self, text: String) {
        self.filter_text.set(text.clone());
        self.apply_filter(text, self.column_names());
    }

    /// Adds field `name` as a custom column and applies the columns with the filter
    /// applied now.
    pub fn add_column(&self, name: String) {
        let mut columns = self.column_names();
        if !columns.contains(&name) {
            columns.push(name);
        }
        self.columns_text.set(columns.join(", "));
        let text = self
            .filter
            .with_untracked(|f| f.as_ref().map(|f| f.text.clone()))
            .unwrap_or_default();
        self.apply_filter(text, columns);
    }

    /// The custom column names typed in the columns field.
    pub fn column_names(&self) -> Vec<String> {
        self.columns_text
            .get_untracked()
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Asks the worker a question; `then` gets the answer unless what it depends on
    /// changed in the meantime.
    pub fn ask(&self, query: Query, scope: Scope, then: impl FnOnce(Answer) + 'static) {
        let request = self.next_request();
        let view = self.view.get_untracked();
        let generation = self.generation.get_value();
        WAITING.with_borrow_mut(|w| {
            w.insert(
                request,
                Waiting {
                    generation,
                    view,
                    scope,
                    then: Box::new(then),
                },
            )
        });
        client::send(&ToWorker::Query {
            generation,
            request,
            view,
            query,
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
            FromWorker::Ready => {
                let fields = self.fields;
                self.ask(Query::Fields, Scope::Any, move |a| {
                    if let Answer::Fields(f) = a {
                        fields.set(Arc::new(f));
                    }
                });
            }
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
                    elapsed_ms: js_sys::Date::now() - self.started.get_value(),
                });
            }
            FromWorker::Loaded(summary) if summary.generation == current => {
                wirelens_web::marks::mark("loaded_in", false);
                self.summary.set(Some(Arc::from(summary)));
                self.phase.set(Phase::Loaded);
                // Custom columns and a filter typed before (or kept from the last
                // capture) apply to this one.
                let (text, columns) = (self.filter_text.get_untracked(), self.column_names());
                if !text.trim().is_empty() || !columns.is_empty() {
                    self.apply_filter(text, columns);
                } else {
                    self.new_view(0);
                }
            }
            FromWorker::Page(page)
                if page.generation == current && page.request >= self.epoch.get_value() =>
            {
                self.rows.update(|c| c.fill(page));
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
                        let frame = self.selected_frame();
                        self.filter_error.set(None);
                        let view = reply.request;
                        self.filter.set(Some(reply));
                        self.new_view(view);
                        // The selected packet stays selected when it is still displayed.
                        if let Some(frame) = frame {
                            self.go_to_frame(frame);
                        }
                    }
                }
            }
            FromWorker::Answer {
                request, answer, ..
            } => {
                let Some(w) = WAITING.with_borrow_mut(|w| w.remove(&request)) else {
                    return;
                };
                let still = match w.scope {
                    Scope::Any => true,
                    Scope::Capture => w.generation == current,
                    Scope::View => w.generation == current && w.view == self.view.get_untracked(),
                };
                if still {
                    (w.then)(answer);
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

    /// The frame number of the selected row, when its row is at hand.
    pub fn selected_frame(&self) -> Option<u64> {
        let row = self.selected.get_untracked()?;
        self.rows.with_untracked(|c| c.get(row).map(|r| r.no))
    }

    /// Selects frame `frame` in the packet list and scrolls to it, if it is displayed.
    pub fn go_to_frame(&self, frame: u64) {
        let (selected, reveal) = (self.selected, self.reveal);
        self.ask(Query::Locate { frame }, Scope::View, move |a| {
            if let Answer::Located(Some(row)) = a {
                selected.set(Some(row));
                reveal.set(Some(row));
            }
        });
    }

    /// Follows a stream in the Follow view.
    pub fn follow_stream(&self, stream: StreamRef) {
        self.follow.set(Some(stream));
        self.tab.set(Tab::Follow);
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
