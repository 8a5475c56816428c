use super::cut_tools::CutTools;
use crate::ui::format;
use crate::ui::state::use_state;
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{StreamRef, TableId, TableRow};

/// A protocol's view: its tables as `wirelens <protocol> --json` gives them (requests,
/// slowest, by status, errors; commands, hot keys, largest values with those over 1 MB
/// marked, misses; queries by fingerprint; …), each row linked to its stream and packets.
#[component]
pub fn AppView(name: &'static str) -> impl IntoView {
    let state = use_state();
    let tables = move || {
        state.summary.with(|s| {
            s.as_ref()
                .and_then(|s| s.app_tables.iter().find(|(p, _)| p == name))
                .map(|(_, t)| t.clone())
                .unwrap_or_default()
        })
    };
    let table = RwSignal::new(tables().first().cloned().unwrap_or_default());
    let selected = RwSignal::new(None::<StreamRef>);
    let count = move || {
        state.summary.with(|s| {
            s.as_ref()
                .and_then(|s| s.apps.iter().find(|(p, _)| p == name))
                .map_or(0, |(_, n)| *n)
        })
    };
    view! {
        <div class="app-view" data-app=name>
            <div class="layer-tabs" role="tablist" id="app-tables">
                {move || {
                    tables()
                        .into_iter()
                        .map(|t| {
                            let key = t.clone();
                            let (k1, k2) = (t.clone(), t.clone());
                            view! {
                                <button
                                    role="tab"
                                    class="layer"
                                    data-table=key
                                    class:active=move || table.with(|x| *x == k1)
                                    aria-selected=move || table.with(|x| *x == k2).to_string()
                                    on:click=move |_| {
                                        if table.get_untracked() != t {
                                            table.set(t.clone());
                                        }
                                    }
                                >
                                    {title(&key_title(&t))}
                                </button>
                            }
                        })
                        .collect_view()
                }}
                <span class="muted app-count">{move || format!("{} transactions", format::thousands(count()))}</span>
            </div>
            <CutTools selected />
            <DataTable
                table=Signal::derive(move || TableId::App(name.to_owned(), table.get()))
                id="app-table"
                on_select=Callback::new(move |row: TableRow| selected.set(row.follow))
            />
        </div>
    }
}

fn key_title(t: &str) -> String {
    t.replace('_', " ")
}

/// "hot keys" → "Hot keys".
fn title(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
