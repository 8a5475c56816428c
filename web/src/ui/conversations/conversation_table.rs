use super::sort::{order, Col, Sort};
use crate::ui::format;
use crate::ui::state::use_state;
use leptos::prelude::*;

/// Rows rendered at most; sorting still covers every conversation.
const MAX_ROWS: usize = 2000;

/// TCP and UDP conversations as `tshark -z conv,tcp` counts them, sortable by any column.
#[component]
pub fn ConversationTable() -> impl IntoView {
    let state = use_state();
    let sort = RwSignal::new(None::<Sort>);
    // A new capture starts unsorted (order of first packet, as tshark lists streams).
    Effect::new(move |_| {
        state.summary.track();
        sort.set(None);
    });
    let ordered = Memo::new(move |_| {
        let sort = sort.get();
        state.summary.with(|s| {
            s.as_ref()
                .map(|s| order(&s.conversations, sort))
                .unwrap_or_default()
        })
    });
    let total = move || {
        state
            .summary
            .with(|s| s.as_ref().map_or(0, |s| s.conversations.len()))
    };
    let counts = move || {
        state.summary.with(|s| {
            let Some(s) = s else { return String::new() };
            let tcp = s.conversations.iter().filter(|c| c.proto == "TCP").count() as u64;
            let udp = s.conversations.len() as u64 - tcp;
            format!(
                "{} TCP, {} UDP",
                format::thousands(tcp),
                format::thousands(udp)
            )
        })
    };
    let generation = move || {
        state
            .summary
            .with(|s| s.as_ref().map_or(0, |s| s.generation))
    };
    // Keys include the capture so that a new capture's row 0 is not the old one's.
    let visible = move || {
        let g = generation();
        ordered.with(|o| o.iter().take(MAX_ROWS).map(|&i| (g, i)).collect::<Vec<_>>())
    };

    let header = move |col: Col| {
        let aria = move || match sort.get() {
            Some(s) if s.col == col => {
                if s.descending {
                    "descending"
                } else {
                    "ascending"
                }
            }
            _ => "none",
        };
        let arrow = move || match sort.get() {
            Some(s) if s.col == col => {
                if s.descending {
                    " ▼"
                } else {
                    " ▲"
                }
            }
            _ => "",
        };
        let class = if col.numeric() { "num" } else { "" };
        view! {
            <th class=class data-col=col.key() aria-sort=aria>
                <button class="sort" title="Sort by this column" on:click=move |_| sort.update(|s| *s = Some(Sort::click(*s, col)))>
                    {col.title()}
                    <span class="arrow">{arrow}</span>
                </button>
            </th>
        }
    };
    let row = move |(_, i): (u32, usize)| {
        let cells = state.summary.with_untracked(|s| {
            let c = &s
                .as_ref()
                .expect("rows exist only with a summary")
                .conversations[i];
            Col::ALL
                .iter()
                .map(|&col| {
                    let class =
                        format!("c-{}{}", col.key(), if col.numeric() { " num" } else { "" });
                    view! { <td class=class>{col.cell(c)}</td> }
                })
                .collect_view()
        });
        view! { <tr data-testid="conversation-row">{cells}</tr> }
    };

    view! {
        <Show when=move || state.summary.with(Option::is_some)>
            <section id="conversations-panel" class="panel">
                <div class="panel-head">
                    <h2>"Conversations"</h2>
                    <span class="muted">{counts}</span>
                    {move || {
                        (total() > MAX_ROWS)
                            .then(|| {
                                view! {
                                    <span class="muted">
                                        {format!(" · showing the first {MAX_ROWS} in this order")}
                                    </span>
                                }
                            })
                    }}
                </div>
                <div class="table-scroll">
                    <table id="conversations" class="grid conversations">
                        <thead>
                            <tr>{Col::ALL.iter().map(|&c| header(c)).collect_view()}</tr>
                        </thead>
                        <tbody>
                            <For each=visible key=|k| *k children=row />
                        </tbody>
                    </table>
                </div>
            </section>
        </Show>
    }
}
