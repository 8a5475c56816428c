use crate::ui::format;
use crate::ui::state::{use_state, AppState, Scope};
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, ExpertLine, ExpertProgress, Query, TableId, TableRow};

/// Severities, worst first, as Wireshark's Expert Info names them.
const SEVERITIES: [&str; 4] = ["Error", "Warning", "Note", "Chat"];

/// Expert info, as Wireshark's Expert Information dialog and `tshark -z expert`: counts
/// per severity, the items grouped by severity, group, protocol and summary (a line's
/// filter, where its expert field is one, shows its packets), and the items of the
/// selected line one by one, each going to its packet. The worker reads every packet's
/// detail for them once per capture; until it has, the TCP analysis items' counts (the
/// index knows them) show at once with how far the read is. Texts (an HTTP request line)
/// are rendered as text.
#[component]
pub fn ExpertInfo() -> impl IntoView {
    let state = use_state();
    let line = RwSignal::new(None::<ExpertLine>);
    let counts = RwSignal::new(None::<[u64; 4]>);
    let progress = RwSignal::new(None::<ExpertProgress>);
    Effect::new(move |_| {
        state.view.track();
        if state.summary.with(Option::is_none) {
            return;
        }
        counts.set(None);
        poll(state, progress);
        let query = Query::Table {
            table: TableId::ExpertGroups,
            sort: None,
            search: String::new(),
            start: 0,
            count: 5_000,
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
        // The TCP analysis's counts until every item is read.
        let partial = || progress.get().filter(|p| !p.done).map(|p| p.tcp);
        counts.get().or_else(partial).map(|c| {
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
            {move || {
                progress
                    .get()
                    .filter(|p| !p.done && counts.with(Option::is_none))
                    .map(|p| {
                        let pct = (p.read * 100).checked_div(p.total).unwrap_or(0);
                        view! {
                            <p class="muted sub-head" id="expert-progress">
                                {format!(
                                    "TCP analysis items so far; reading the packets for the others: {pct}% ({} of {})",
                                    format::thousands(p.read),
                                    format::thousands(p.total),
                                )}
                            </p>
                        }
                    })
            }}
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

/// Asks how far the worker's read of the expert items is, again every 300 ms until it is
/// done (or the view is gone).
fn poll(state: AppState, progress: RwSignal<Option<ExpertProgress>>) {
    state.ask(Query::ExpertProgress, Scope::View, move |a| {
        let Answer::ExpertProgress(p) = a else { return };
        let done = p.done;
        if progress.try_set(Some(p)).is_some() || done {
            return;
        }
        set_timeout(
            move || poll(state, progress),
            std::time::Duration::from_millis(300),
        );
    });
}
