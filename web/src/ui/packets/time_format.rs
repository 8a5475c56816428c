use crate::ui::state::{use_state, TimeFormat};
use leptos::prelude::*;

/// How the Time column reads: since the first packet, since the previous displayed
/// packet, or the date and time of day (UTC).
#[component]
pub fn TimeFormatSelect() -> impl IntoView {
    let state = use_state();
    view! {
        <label class="inline" title="Time column">
            "Time "
            <select
                id="time-format"
                on:change=move |ev| {
                    if let Some(t) = TimeFormat::from_key(&event_target_value(&ev)) {
                        state.time_format.set(t);
                    }
                }
            >
                {TimeFormat::ALL
                    .iter()
                    .map(|t| {
                        let t = *t;
                        view! {
                            <option value=t.key() selected=move || state.time_format.get() == t>
                                {t.title()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
