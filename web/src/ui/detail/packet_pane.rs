use super::detail_tree::DetailTree;
use super::hex_view::HexView;
use super::packet_facts::PacketFacts;
use super::shown::{DetailState, Shown};
use crate::ui::state::{use_state, Scope};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, Query};

/// The selected packet: what the index knows of it, its detail tree beside its bytes.
#[component]
pub fn PacketPane() -> impl IntoView {
    let state = use_state();
    let ds = DetailState::new();
    let error = RwSignal::new(None::<String>);
    let frame = Memo::new(move |_| {
        let i = state.selected.get()?;
        state.rows.with(|c| c.get(i).map(|r| r.no))
    });
    Effect::new(move |_| {
        let Some(f) = frame.get() else {
            ds.shown.set(None);
            return;
        };
        if ds
            .shown
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.frame == f))
        {
            return;
        }
        state.ask(
            Query::Detail { frame: f },
            Scope::Capture,
            move |a| match a {
                // The pane may be gone (another tab) when the answer comes.
                Answer::Detail(d) if frame.try_get_untracked() == Some(Some(f)) => {
                    error.try_set(None);
                    ds.selected.try_set(None);
                    ds.source.try_set(0);
                    ds.shown.try_set(Some(Shown::from_view(d)));
                }
                Answer::Error(e) => {
                    error.try_set(Some(e));
                }
                _ => {}
            },
        );
    });
    view! {
        <div class="packet-pane" id="packet-pane">
            <PacketFacts />
            {move || error.get().map(|e| view! { <p class="page-error">{e}</p> })}
            <Show when=move || frame.get().is_some()>
                <div class="detail-split">
                    <DetailTree ds />
                    <HexView ds />
                </div>
            </Show>
        </div>
    }
}
