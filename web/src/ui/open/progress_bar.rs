use crate::ui::format;
use crate::ui::state::{use_state, Phase};
use leptos::prelude::*;

/// Ingest progress: bytes read of the total, and packets indexed so far.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = use_state();
    let names = move || match state.phase.get() {
        Phase::Loading(names) => Some(names.join(", ")),
        _ => None,
    };
    let percent = move || {
        let p = state.progress.get();
        if p.bytes_total == 0 {
            0.0
        } else {
            (p.bytes_done as f64 * 100.0 / p.bytes_total as f64).min(100.0)
        }
    };
    let detail = move || {
        let p = state.progress.get();
        format!(
            "{} of {} · {} packets",
            format::bytes(p.bytes_done),
            format::bytes(p.bytes_total),
            format::thousands(p.packets)
        )
    };
    view! {
        <Show when=move || names().is_some()>
            <div
                id="progress"
                class="progress"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || format!("{:.0}", percent())
            >
                <div class="progress-label">
                    <span>"Reading " {names}</span>
                    <span class="muted">{detail}</span>
                </div>
                <div class="progress-track">
                    <div class="progress-fill" style:width=move || format!("{:.1}%", percent())></div>
                </div>
            </div>
        </Show>
    }
}
