use crate::ui::format;
use crate::ui::state::{use_state, Phase};
use leptos::prelude::*;

/// One line about the open capture (packet count, size, files, read time), the empty
/// state, or why nothing could be read.
#[component]
pub fn CaptureSummary() -> impl IntoView {
    let state = use_state();
    move || {
        match state.phase.get() {
        Phase::Idle => view! {
            <section id="empty" class="empty">
                <p>
                    <strong>"Drop a capture file anywhere on this page"</strong>
                    " (pcap or pcapng, several rotated files at once), or choose one with "
                    <em>"Open capture…"</em>
                </p>
                <p class="muted">"The files are read and analysed in this browser tab; nothing is uploaded."</p>
            </section>
        }
        .into_any(),
        Phase::Failed(message) => view! {
            <section id="load-error" class="errors" role="alert">
                <p>{message}</p>
            </section>
        }
        .into_any(),
        Phase::Loading(_) => ().into_any(),
        Phase::Loaded => {
            let Some(s) = state.summary.get() else { return ().into_any() };
            let files = s
                .files
                .iter()
                .map(|f| {
                    let format = if f.format.is_empty() { "not a capture".to_owned() } else { f.format.clone() };
                    view! {
                        <li data-testid="file">
                            <span class="file-name">{f.name.clone()}</span>
                            <span class="muted">
                                {format!(" {format}, {}, {} packets", format::bytes(f.bytes), format::thousands(f.packets))}
                            </span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section id="capture-summary" class="summary">
                    <div class="stat">
                        <span id="packet-count" class="stat-value" data-value=s.packets.to_string()>
                            {format::thousands(s.packets)}
                        </span>
                        <span class="stat-label">" packets"</span>
                    </div>
                    <div class="stat">
                        <span class="stat-value">{format::thousands(s.conversations.len() as u64)}</span>
                        <span class="stat-label">" conversations"</span>
                    </div>
                    <div class="stat">
                        <span class="stat-value">{format::bytes(s.bytes)}</span>
                        <span class="stat-label">
                            {read_time(s.bytes, s.elapsed_ms)}
                        </span>
                    </div>
                    <ul class="files">{files}</ul>
                </section>
            }
            .into_any()
        }
    }
    }
}

/// "read in 620 ms (282.5 MB/s)"; the rate only when the file is big enough to mean it.
fn read_time(bytes: u64, ms: f64) -> String {
    if bytes >= 1_000_000 {
        format!(" read in {ms:.0} ms ({})", format::rate(bytes, ms))
    } else {
        format!(" read in {ms:.0} ms")
    }
}
