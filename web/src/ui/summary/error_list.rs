use crate::ui::format;
use crate::ui::state::use_state;
use leptos::prelude::*;
use wirelens_web::protocol::ErrorInfo;

/// Damage found while reading, shown beside the results: every packet before the damage
/// is in the list. Then anomalies, oddities that did not stop reading. Messages are plain
/// text (file names come from the user's disk).
#[component]
pub fn ErrorList() -> impl IntoView {
    let state = use_state();
    let errors = move || {
        let s = state.summary.get()?;
        if s.errors.is_empty() {
            return None;
        }
        let items = s
            .errors
            .iter()
            .map(|e| item(e, "ingest-error"))
            .collect_view();
        Some(view! {
            <section id="errors" class="errors" role="alert">
                <h2>"Damaged input"</h2>
                <p class="muted">"Reading stopped at the damage; the packets before it are shown below."</p>
                <ul>{items}</ul>
            </section>
        })
    };
    let anomalies = move || {
        let s = state.summary.get()?;
        if s.anomaly_count == 0 {
            return None;
        }
        let shown = s.anomalies.len() as u64;
        let title = match s.anomaly_count {
            1 => "1 anomaly".to_owned(),
            n => format!("{} anomalies", format::thousands(n)),
        };
        let more = (s.anomaly_count > shown)
            .then(|| format!("… and {} more", format::thousands(s.anomaly_count - shown)));
        let items = s
            .anomalies
            .iter()
            .map(|e| item(e, "ingest-anomaly"))
            .collect_view();
        Some(view! {
            <details id="anomalies" class="anomalies">
                <summary>{title} <span class="muted">" in the input; reading went on"</span></summary>
                <ul>{items}</ul>
                {more.map(|m| view! { <p class="muted">{m}</p> })}
            </details>
        })
    };
    view! { {errors} {anomalies} }
}

fn item(e: &ErrorInfo, testid: &'static str) -> impl IntoView {
    view! {
        <li data-testid=testid>
            <span class="file-name">{e.file.clone()}</span>
            {format!(": at byte offset {}, packet {}: {}", e.offset, e.packet, e.message)}
        </li>
    }
}
