use crate::ui::format;
use crate::ui::state::{use_state, Scope};
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, Query, TableId, TableRow};

/// Severities, worst first, as Wireshark's Expert Info names them.
const SEVERITIES: [&str; 4] = ["Error", "Warning", "Note", "Chat"];

/// Expert info: counts per severity, the items grouped by summary (a group's filter
/// shows its packets), and the items of the selected group one by one.
#[component]
pub fn ExpertInfo() -> impl IntoView {
    let state = use_state();
    let field = RwSignal::new(None::<String>);
    let counts = RwSignal::new(None::<[u64; 4]>);
    Effect::new(move |_| {
        state.view.track();
        if state.summary.with(Option::is_none) {
            return;
        }
        let query = Query::Table {
            table: TableId::ExpertGroups,
            sort: None,
            search: String::new(),
            start: 0,
            count: 100,
        };
        state.ask(query, Scope::View, move |a| {
            let Answer::Table(t) = a else { return };
            let sev = t.columns.iter().position(|c| c.key == "severity");
            let n = t.columns.iter().position(|c| c.key == "count");
            let (Some(sev), Some(n)) = (sev, n) else {
                return;
            };
            let mut c = [0u64; 4];
            for r in &t.rows {
                if let Some(k) = SEVERITIES.iter().position(|s| *s == r.cells[sev]) {
                    c[k] += r.cells[n].parse::<u64>().unwrap_or(0);
                }
            }
            counts.try_set(Some(c));
        });
    });
    let chips = move || {
        counts.get().map(|c| {
            SEVERITIES
                .iter()
                .zip(c)
                .map(|(name, n)| {
                    let key = name.to_lowercase();
                    view! {
                        <span class=format!("chip mark-{key}") data-severity=key>
                            {*name} ": " <strong>{format::thousands(n)}</strong>
                        </span>
                    }
                })
                .collect_view()
        })
    };
    let items = Signal::derive(move || TableId::ExpertItems(field.get()));
    let on_group = Callback::new(move |row: TableRow| field.set(row.filter));
    view! {
        <div class="expert">
            <div class="chips" id="expert-counts">{chips}</div>
            <div class="expert-groups">
                <DataTable table=Signal::derive(|| TableId::ExpertGroups) id="expert-groups" on_select=on_group />
            </div>
            <div class="expert-items">
                <p class="muted sub-head">
                    {move || match field.get() {
                        Some(f) => format!("Items of {f}"),
                        None => "Every item (select a group above for its items)".to_owned(),
                    }}
                </p>
                <DataTable table=items id="expert-items" />
            </div>
        </div>
    }
}
