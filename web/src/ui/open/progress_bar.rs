use crate::ui::format;
use crate::ui::state::{use_state, Phase};
use leptos::prelude::*;

/// Ingest progress: bytes read of the total, the rate, the time left, packets indexed so
/// far, and a button that stops reading.
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
        let mut s = format!(
            "{} of {} · {} packets",
            format::bytes(p.bytes_done),
            format::bytes(p.bytes_total),
            format::thousands(p.packets)
        );
        // The rate once there is enough to go by.
        if p.elapsed_ms >= 200.0 && p.bytes_done > 0 {
            let rate = p.bytes_done as f64 / (p.elapsed_ms / 1000.0);
            s.push_str(&format!(" · {}", format::rate(p.bytes_done, p.elapsed_ms)));
            let left = p.bytes_total.saturating_sub(p.bytes_done) as f64 / rate;
            s.push_str(&format!(" · {} left", format::duration(left)));
        }
        s
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
                    <span class="muted" id="progress-detail">{detail}</span>
                    <button id="cancel-open" class="button small" on:click=move |_| state.cancel()>
                        "Cancel"
                    </button>
                </div>
                <div class="progress-track">
                    <div class="progress-fill" style:width=move || format!("{:.1}%", percent())></div>
                </div>
            </div>
        </Show>
    }
}
