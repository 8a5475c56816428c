use crate::ui::state::use_state;
use leptos::prelude::*;

/// Damage found while reading, shown beside the results: every packet before the damage
/// is in the list. Messages are plain text (file names come from the user's disk).
#[component]
pub fn ErrorList() -> impl IntoView {
    let state = use_state();
    move || {
        let s = state.summary.get()?;
        if s.errors.is_empty() {
            return None;
        }
        let items = s
            .errors
            .iter()
            .map(|e| {
                view! {
                    <li data-testid="ingest-error">
                        <span class="file-name">{e.file.clone()}</span>
                        {format!(": at byte offset {}, packet {}: {}", e.offset, e.packet, e.message)}
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section id="errors" class="errors" role="alert">
                <h2>"Damaged input"</h2>
                <p class="muted">"Reading stopped at the damage; the packets before it are shown below."</p>
                <ul>{items}</ul>
            </section>
        })
    }
}
