use crate::ui::format;
use crate::ui::state::{use_state, Phase};
use leptos::prelude::*;

/// One line about the open capture (packets, conversations, size, time span, files, read
/// time), the empty state, what was cancelled, or why nothing could be read.
#[component]
pub fn CaptureSummary() -> impl IntoView {
    let state = use_state();
    move || {
        match state.phase.get() {
        Phase::Idle(cancelled) => view! {
            <section id="empty" class="empty">
                {cancelled.map(|names| view! {
                    <p id="cancelled" class="muted">{format!("Stopped reading {names}.")}</p>
                })}
                {crate::ui::url_state::shared().then(|| view! {
                    <p id="shared-view">
                        <strong>"This link opens a view of a capture"</strong>
                        " (its filter, columns, tab, stream): open the capture file to see it."
                    </p>
                })}
                <p>
                    <strong>"Drop capture files anywhere on this page"</strong>
                    " (pcap or pcapng, gzip, zstd, bzip2 or xz; several rotated files at once), or choose them with "
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
            let conversations = s.tcp_conversations + s.udp_conversations;
            let memory = format!(
                "worker memory {} ({} bytes a packet)",
                format::bytes(s.wasm_bytes),
                s.wasm_bytes.checked_div(s.packets).unwrap_or(0)
            );
            view! {
                <section id="capture-summary" class="summary" data-wasm-bytes=s.wasm_bytes.to_string() title=memory>
                    <span class="stat">
                        <span id="packet-count" class="stat-value" data-value=s.packets.to_string()>
                            {format::thousands(s.packets)}
                        </span>
                        " packets"
                    </span>
                    <span class="stat" title=format!("{} TCP, {} UDP", s.tcp_conversations, s.udp_conversations)>
                        <span class="stat-value">{format::thousands(conversations)}</span>
                        " conversations"
                    </span>
                    <span class="stat">
                        <span class="stat-value">{format::bytes(s.bytes)}</span>
                        {read_time(s.bytes, s.elapsed_ms)}
                    </span>
                    {(!s.first_time.is_empty()).then(|| view! {
                        <span class="stat muted" title="First packet (UTC) and the time to the last">
                            {format!("{} UTC, {} s", s.first_time, format_secs(s.duration))}
                        </span>
                    })}
                    <ul class="files">{files}</ul>
                </section>
            }
            .into_any()
        }
    }
    }
}

fn format_secs(s: f64) -> String {
    format!("{s:.3}")
}

/// "read in 620 ms (282.5 MB/s)"; the rate only when the file is big enough to mean it.
fn read_time(bytes: u64, ms: f64) -> String {
    if bytes >= 1_000_000 {
        format!(" read in {ms:.0} ms ({})", format::rate(bytes, ms))
    } else {
        format!(" read in {ms:.0} ms")
    }
}
