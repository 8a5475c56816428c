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
/// detail for them once per capture; while it reads, the lines found so far fill in with
/// their counts growing (asked again as the progress says they changed), the counts per
/// severity are those of the items so far, and how far the read is shows. Texts (an HTTP
/// request line) are rendered as text.
#[component]
pub fn ExpertInfo() -> impl IntoView {
    let state = use_state();
    let line = RwSignal::new(None::<ExpertLine>);
    let counts = RwSignal::new(None::<[u64; 4]>);
    let progress = RwSignal::new(None::<ExpertProgress>);
    // Bumped as the lines found so far change: the groups table asks for them again.
    let revision = RwSignal::new(0u64);
    let done = Memo::new(move |_| progress.with(|p| p.as_ref().is_some_and(|p| p.done)));
    Effect::new(move |_| {
        state.view.track();
        if state.summary.with(Option::is_none) {
            return;
        }
        counts.set(None);
        progress.set(None);
        poll(state, progress, revision);
    });
    // Once every item is read: the counts of the lines over the displayed packets.
    Effect::new(move |_| {
        if !done.get() {
            return;
        }
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
        // The items read so far until every one is.
        let partial = || progress.get().filter(|p| !p.done).map(|p| p.found);
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
                    .filter(|p| !p.done)
                    .map(|p| {
                        let pct = (p.read * 100).checked_div(p.total).unwrap_or(0);
                        let tcp: u64 = p.tcp.iter().sum();
                        view! {
                            <p class="muted sub-head" id="expert-progress" data-lines=p.lines>
                                {format!(
                                    "Reading the packets for their expert items: {pct}% ({} of {}); the lines so far hold {} items (the TCP analysis alone has {})",
                                    format::thousands(p.read),
                                    format::thousands(p.total),
                                    format::thousands(p.found.iter().sum()),
                                    format::thousands(tcp),
                                )}
                            </p>
                        }
                    })
            }}
            <div class="expert-groups">
                <DataTable
                    table=Signal::derive(|| TableId::ExpertGroups)
                    id="expert-groups"
                    on_select=on_group
                    revision=revision
                    updating=Signal::derive(move || !done.get())
                />
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
/// done (or the view is gone); bumps `revision` when the lines found so far changed.
fn poll(state: AppState, progress: RwSignal<Option<ExpertProgress>>, revision: RwSignal<u64>) {
    state.ask(Query::ExpertProgress, Scope::View, move |a| {
        let Answer::ExpertProgress(p) = a else { return };
        // The view is gone.
        let Some(changed) = progress.try_with_untracked(|was| {
            was.as_ref()
                .is_none_or(|w| (w.found, w.lines, w.done) != (p.found, p.lines, p.done))
        }) else {
            return;
        };
        let done = p.done;
        progress.set(Some(p));
        if changed {
            revision.update(|r| *r += 1);
        }
        if done {
            return;
        }
        set_timeout(
            move || poll(state, progress, revision),
            std::time::Duration::from_millis(300),
        );
    });
}
