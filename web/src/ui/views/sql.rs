use super::lake_export::LakeExport;
use crate::ui::files;
use crate::ui::lake;
use crate::ui::state::use_state;
use js_sys::{Array, Function, Object, Promise, Reflect};
use leptos::prelude::*;
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use wirelens_web::protocol::FileData;

/// The page's DuckDB module (web/sql/sql.js, bundled into dist/sql/ by web/sql/build.mjs).
const SQL_MODULE: &str = "./sql/wirelens-sql.js";

#[wasm_bindgen]
extern "C" {
    /// `import(path)`, which static/boot.js provides (wasm cannot write `import()`).
    #[wasm_bindgen(js_name = wirelensImport, catch)]
    fn wirelens_import(path: &str) -> Result<Promise, JsValue>;
}

/// The examples: the README's fleet questions, asked of one capture.
const EXAMPLES: [(&str, &str); 5] = [
    (
        "Sessions and bytes by service",
        "-- Sessions and bytes (transport payload, both ways) by application protocol.\n\
SELECT service, count(*) AS sessions, sum(orig_bytes + resp_bytes) AS bytes\n\
FROM sessions\nGROUP BY service\nORDER BY bytes DESC, service;",
    ),
    (
        "Sessions over 1 s (MySQL's: AND id.resp_p = 3306)",
        "-- Every session that lasted over 1 s (add AND id.resp_p = 3306 for MySQL's).\n\
SELECT ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p, service, duration, orig_bytes, resp_bytes, uid\n\
FROM sessions\nWHERE duration > 1\nORDER BY duration DESC;",
    ),
    (
        "memcached keys: how often, first and last time",
        "-- The memcached keys asked for: how often, by which servers, first and last time.\n\
SELECT key, id.resp_h AS server, count(*) AS transactions, min(ts) AS first, max(ts) AS last\n\
FROM transactions\nWHERE service = 'memcache'\nGROUP BY ALL\nORDER BY transactions DESC, key\nLIMIT 100;",
    ),
    (
        "HTTP 4xx and 5xx per server per minute",
        "-- HTTP errors (4xx and 5xx) per server per minute.\n\
SELECT id.resp_h AS server, id.resp_p AS port, date_trunc('minute', ts) AS minute,\n       \
status_code, count(*) AS errors\n\
FROM transactions\nWHERE service = 'http' AND status_code >= 400\nGROUP BY ALL\nORDER BY minute, server, status_code;",
    ),
    (
        "Latency by protocol",
        "-- Transactions' latency by protocol, seconds.\n\
SELECT service, count(*) AS transactions, quantile_cont(latency, 0.5) AS p50,\n       \
quantile_cont(latency, 0.99) AS p99, max(latency) AS slowest\n\
FROM transactions\nGROUP BY service\nORDER BY transactions DESC;",
    ),
];

/// What a query answered (web/sql/sql.js `run`).
#[derive(Clone, Debug, Default, Deserialize)]
struct Answer {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    total: f64,
    elapsed_ms: f64,
}

thread_local! {
    /// The DuckDB module, once opened (it lives as long as the page).
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    /// The capture (generation) whose tables DuckDB has.
    static LOADED: Cell<Option<u32>> = const { Cell::new(None) };
}

fn describe(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Calls `name(args…)` of the module and awaits its promise.
async fn call(module: &JsValue, name: &str, args: &Array) -> Result<JsValue, String> {
    let f: Function = Reflect::get(module, &name.into())
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| format!("{SQL_MODULE} has no {name}()"))?;
    let r = f.apply(module, args).map_err(describe)?;
    match r.dyn_into::<Promise>() {
        Ok(p) => JsFuture::from(p).await.map_err(describe),
        Err(v) => Ok(v),
    }
}

/// The DuckDB module, imported and opened on first use.
async fn module() -> Result<JsValue, String> {
    if let Some(m) = MODULE.with_borrow(Clone::clone) {
        return Ok(m);
    }
    let m = JsFuture::from(wirelens_import(SQL_MODULE).map_err(describe)?)
        .await
        .map_err(|e| {
            format!(
                "cannot load DuckDB ({SQL_MODULE}: a build without `cargo xtask setup`'s npm packages has none): {}",
                describe(e)
            )
        })?;
    call(&m, "open", &Array::new())
        .await
        .map_err(|e| format!("cannot start DuckDB: {e}"))?;
    MODULE.set(Some(m.clone()));
    Ok(m)
}

/// SQL over the open capture's sessions and transactions, in the tab: DuckDB (wasm),
/// loaded when this view first opens, over the Parquet files the lake worker writes (the
/// same files "Export as Parquet" saves). Nothing leaves the tab.
#[component]
pub fn SqlView() -> impl IntoView {
    let state = use_state();
    let status = RwSignal::new(String::new());
    let ready = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let answer = RwSignal::new(None::<Answer>);
    let running = RwSignal::new(false);
    let text = RwSignal::new(EXAMPLES[0].1.to_owned());

    // Loads DuckDB, then the tables of the open capture (again when another opens).
    let generation = Memo::new(move |_| state.summary.with(|s| s.as_ref().map(|s| s.generation)));
    Effect::new(move |_| {
        let Some(g) = generation.get() else {
            ready.set(false);
            status.set("Open a capture to query its sessions and transactions.".into());
            return;
        };
        ready.set(false);
        status.set("Loading DuckDB…".into());
        spawn_local(async move {
            let started = js_sys::Date::now();
            let m = match module().await {
                Ok(m) => m,
                Err(e) => {
                    status.try_set(e);
                    return;
                }
            };
            if LOADED.get() == Some(g) {
                ready.try_set(true);
                status.try_set("DuckDB is ready: tables sessions, transactions, captures.".into());
                return;
            }
            status.try_set("Writing the capture's tables as Parquet…".into());
            lake::write(state, lake::sensor(), false, move |r| {
                let w = match r {
                    Ok(w) => w,
                    Err(e) => {
                        status.try_set(e);
                        return;
                    }
                };
                spawn_local(async move {
                    let files = Array::new();
                    for f in &w.files {
                        let o = Object::new();
                        let _ = Reflect::set(&o, &"path".into(), &f.path.clone().into());
                        let _ = Reflect::set(&o, &"bytes".into(), &f.bytes);
                        files.push(&o);
                    }
                    match call(&m, "load", &Array::of1(&files)).await {
                        Ok(counts) => {
                            LOADED.set(Some(g));
                            let n = |t: &str| {
                                Reflect::get(&counts, &t.into())
                                    .ok()
                                    .and_then(|v| v.as_f64())
                                    .unwrap_or(0.0)
                            };
                            ready.try_set(true);
                            status.try_set(format!(
                                "DuckDB is ready in {:.0} ms: sessions ({} rows), transactions ({} rows), captures; Parquet written in {:.0} ms.",
                                js_sys::Date::now() - started,
                                n("sessions"),
                                n("transactions"),
                                w.elapsed_ms
                            ));
                        }
                        Err(e) => {
                            status.try_set(format!("DuckDB could not read the tables: {e}"));
                        }
                    }
                });
            });
        });
    });

    let run = move || {
        if !ready.get_untracked() || running.get_untracked() {
            return;
        }
        let Some(m) = MODULE.with_borrow(Clone::clone) else {
            return;
        };
        let sql = text.get_untracked();
        running.set(true);
        error.set(None);
        answer.set(None);
        spawn_local(async move {
            let r = call(&m, "run", &Array::of1(&sql.into())).await;
            running.try_set(false);
            match r.and_then(|v| {
                serde_wasm_bindgen::from_value::<Answer>(v).map_err(|e| e.to_string())
            }) {
                Ok(a) => {
                    answer.try_set(Some(a));
                }
                Err(e) => {
                    answer.try_set(None);
                    error.try_set(Some(e));
                }
            }
        });
    };
    let save_csv = move |_| {
        let Some(m) = MODULE.with_borrow(Clone::clone) else {
            return;
        };
        spawn_local(async move {
            match call(&m, "csv", &Array::new()).await {
                Ok(b) => match b.dyn_into::<web_sys::Blob>() {
                    Ok(blob) => {
                        if let Err(e) = files::save(&FileData {
                            name: "query.csv".into(),
                            blob,
                        }) {
                            error.try_set(Some(e));
                        }
                    }
                    Err(_) => {
                        error.try_set(Some("run a query first".into()));
                    }
                },
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let summary = move || {
        answer.with(|a| {
            a.as_ref().map(|a| {
                let shown = a.rows.len() as f64;
                if shown < a.total {
                    format!(
                        "{} rows in {:.0} ms; the first {} shown (Save CSV has them all)",
                        a.total, a.elapsed_ms, shown
                    )
                } else {
                    format!("{} rows in {:.0} ms", a.total, a.elapsed_ms)
                }
            })
        })
    };
    view! {
        <div class="sql-view" id="sql-view">
            <LakeExport />
            <p id="sql-status" class="muted" aria-live="polite">{move || status.get()}</p>
            <div class="sql-bar">
                <label>
                    "Examples "
                    <select
                        id="sql-examples"
                        on:change=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                                if let Some((_, q)) = EXAMPLES.get(i) {
                                    text.set((*q).to_owned());
                                }
                            }
                        }
                    >
                        {EXAMPLES
                            .iter()
                            .enumerate()
                            .map(|(i, (title, _))| view! { <option value=i.to_string()>{*title}</option> })
                            .collect_view()}
                    </select>
                </label>
                <button
                    id="sql-run"
                    class="button small"
                    prop:disabled=move || !ready.get() || running.get()
                    title="Run (Ctrl+Enter)"
                    on:click=move |_| run()
                >
                    {move || if running.get() { "Running…" } else { "Run" }}
                </button>
                <button
                    id="sql-csv"
                    class="button small"
                    prop:disabled=move || answer.with(Option::is_none)
                    title="Every row of the answer as CSV"
                    on:click=save_csv
                >
                    "Save CSV"
                </button>
                <span id="sql-summary" class="muted">{summary}</span>
            </div>
            <textarea
                id="sql-editor"
                class="sql-editor"
                spellcheck="false"
                aria-label="SQL"
                rows="7"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        run();
                    }
                }
            ></textarea>
            {move || error.get().map(|e| view! { <pre id="sql-error" class="sql-error" role="alert">{e}</pre> })}
            <div class="sql-result">
                {move || {
                    answer
                        .get()
                        .map(|a| {
                            view! {
                                <table id="sql-result" class="sql-table">
                                    <thead>
                                        <tr>
                                            {a.columns.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {a
                                            .rows
                                            .into_iter()
                                            .map(|r| {
                                                view! {
                                                    <tr>
                                                        {r
                                                            .into_iter()
                                                            .map(|c| match c {
                                                                Some(c) => view! { <td>{c}</td> }.into_any(),
                                                                None => view! { <td class="null">"NULL"</td> }.into_any(),
                                                            })
                                                            .collect_view()}
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                        })
                }}
            </div>
        </div>
    }
}
