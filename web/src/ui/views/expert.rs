use crate::ui::format;
use crate::ui::state::{use_state, Scope};
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, ExpertLine, Query, TableId, TableRow};

/// Severities, worst first, as Wireshark's Expert Info names them.
const SEVERITIES: [&str; 4] = ["Error", "Warning", "Note", "Chat"];

/// Expert info, as Wireshark's Expert Information dialog and `tshark -z expert`: counts
/// per severity, the items grouped by severity, group, protocol and summary (a line's
/// filter, where its expert field is one, shows its packets), and the items of the
/// selected line one by one, each going to its packet. The worker reads every packet's
/// detail for them once per capture; the tables wait for that scan. Texts (an HTTP
/// request line) are rendered as text.
#[component]
pub fn ExpertInfo() -> impl IntoView {
    let state = use_state();
    let line = RwSignal::new(None::<ExpertLine>);
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
    let items = Signal::derive(move || TableId::ExpertItems(line.get()));
    // The groups' columns: severity, summary, group, protocol, count (worker/tables.rs).
    let on_group = Callback::new(move |row: TableRow| {
        let cell = |i: usize| row.cells.get(i).cloned().unwrap_or_default();
        line.set(Some(ExpertLine {
            severity: cell(0),
            summary: cell(1),
            group: cell(2),
            protocol: cell(3),
        }));
    });
    view! {
        <div class="expert">
            <div class="chips" id="expert-counts">{chips}</div>
            <div class="expert-groups">
                <DataTable table=Signal::derive(|| TableId::ExpertGroups) id="expert-groups" on_select=on_group />
            </div>
            <div class="expert-items">
                <p class="muted sub-head">
                    {move || match line.get() {
                        Some(l) => format!("Items of {}/{}: {}", l.protocol, l.group, l.summary),
                        None => "Every item (select a group above for its items)".to_owned(),
                    }}
                </p>
                <DataTable table=items id="expert-items" />
            </div>
        </div>
    }
}
