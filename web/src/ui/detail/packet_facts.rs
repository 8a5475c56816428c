use crate::ui::state::{use_state, Scope};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, Fact, PacketRowView, Query};

/// The selected packet: its row, and what the index knows of it (where it is in which
/// file, its conversation, expert items, comments, process). A fact with a filter applies
/// it on click; hovering shows it.
#[component]
pub fn PacketFacts() -> impl IntoView {
    let state = use_state();
    let row = Memo::new(move |_| {
        let i = state.selected.get()?;
        state.rows.with(|c| c.get(i).cloned())
    });
    let facts = RwSignal::new(None::<(u64, Vec<Fact>)>);
    Effect::new(move |_| {
        let Some(frame) = row.with(|r| r.as_ref().map(|r| r.no)) else {
            return;
        };
        if facts.with_untracked(|f| f.as_ref().is_some_and(|(n, _)| *n == frame)) {
            return;
        }
        state.ask(Query::Packet { frame }, Scope::Capture, move |a| {
            if let Answer::Packet(list) = a {
                facts.try_set(Some((frame, list)));
            }
        });
    });
    view! {
        <div id="packet-facts" class="facts">
            {move || match row.get() {
                None => view! {
                    <p class="muted">"Select a packet in the list (click it, or use the arrow keys)."</p>
                }
                .into_any(),
                Some(r) => {
                    let list = facts
                        .get()
                        .filter(|(n, _)| *n == r.no)
                        .map(|(_, l)| l)
                        .unwrap_or_default();
                    view! {
                        {summary(&r)}
                        <dl class="fact-list">
                            {list.into_iter().map(|f| fact(state, f)).collect_view()}
                        </dl>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}

fn summary(r: &PacketRowView) -> impl IntoView {
    view! {
        <p class="fact-summary">
            <strong>{format!("Packet {}", r.no)}</strong>
            {format!(" · {} → {} · {} · {} bytes · ", r.src, r.dst, r.protocol, r.length)}
            <span class="mono">{r.info.clone()}</span>
        </p>
    }
}

fn fact(state: crate::ui::state::AppState, f: Fact) -> impl IntoView {
    let value = match f.filter {
        Some(filter) => {
            let title = format!("{filter} — click to apply as the display filter");
            view! {
                <button class="link" title=title data-filter=filter.clone() on:click=move |_| state.apply_filter_text(filter.clone())>
                    {f.value}
                </button>
            }
            .into_any()
        }
        None => view! { <span>{f.value}</span> }.into_any(),
    };
    let follow = f.follow.map(|stream| {
        view! {
            <button class="button small" id="fact-follow" on:click=move |_| state.follow_stream(stream)>
                "Follow"
            </button>
        }
    });
    view! {
        <dt>{f.label}</dt>
        <dd data-testid="fact">{value} " " {follow}</dd>
    }
}
