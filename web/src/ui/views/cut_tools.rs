use crate::ui::files;
use crate::ui::state::{use_state, Scope};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, CutFile, CutSessions, Export, Query, StreamRef};

/// "Export these sessions" and "Intensify" (core's `query::cuts`, written in the worker
/// and streamed into a download): the selected row's session, the rows picked one by one,
/// those with a packet the display filter shows, the longest or slowest N of them, or
/// those with errors; as one pcap, a zip of one pcap per session, or N copies at once
/// with shortened gaps.
#[component]
pub fn CutTools(
    /// The stream of the table's selected row.
    #[prop(into)]
    selected: Signal<Option<StreamRef>>,
) -> impl IntoView {
    let state = use_state();
    let which = RwSignal::new("shown".to_owned());
    let n = RwSignal::new(10u32);
    let copies = RwSignal::new(4u32);
    let speedup = RwSignal::new(1.0f64);
    let spread = RwSignal::new(0.0f64);
    let keep = RwSignal::new(false);
    // Sessions picked row by row ("Pick row"), in the order picked.
    let picked = RwSignal::new(Vec::<StreamRef>::new());
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let sessions = move || -> Option<CutSessions> {
        Some(match which.get_untracked().as_str() {
            "selected" => CutSessions::Streams(vec![selected.get_untracked()?]),
            "picked" => {
                let v = picked.get_untracked();
                if v.is_empty() {
                    return None;
                }
                CutSessions::Streams(v)
            }
            "longest" => CutSessions::Longest(n.get_untracked()),
            "slowest" => CutSessions::Slowest(n.get_untracked()),
            "errors" => CutSessions::Errors,
            _ => CutSessions::Shown,
        })
    };
    let run = move |file: CutFile| {
        let Some(sessions) = sessions() else {
            status.set(if which.get_untracked() == "picked" {
                "Pick rows first: select one, then Pick row.".into()
            } else {
                "Select a row first.".into()
            });
            return;
        };
        busy.set(true);
        status.set("Writing…".into());
        let query = Query::Export(Export::Sessions { sessions, file });
        state.ask(query, Scope::View, move |a| {
            busy.try_set(false);
            match a {
                Answer::File(f) => {
                    status.try_set(match files::save(&f) {
                        Ok(()) => format!("Saved {} ({} bytes)", f.name, f.blob.size()),
                        Err(e) => e,
                    });
                }
                Answer::Error(e) => {
                    status.try_set(e);
                }
                _ => {}
            }
        });
    };
    let number = |s: RwSignal<f64>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                s.set(v);
            }
        }
    };
    let count = |s: RwSignal<u32>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse::<u32>() {
                s.set(v);
            }
        }
    };
    let needs_n = move || matches!(which.get().as_str(), "longest" | "slowest");
    let pick_row = move |_| match selected.get_untracked() {
        Some(s) => picked.update(|v| {
            if !v.contains(&s) {
                v.push(s);
            }
        }),
        None => status.set("Select a row first.".into()),
    };
    let picked_label = move || format!("the picked ({})", picked.with(Vec::len));
    view! {
        <div class="cut-tools" id="cut-tools">
            <label>
                "Sessions "
                <select id="cut-which" on:change=move |ev| which.set(event_target_value(&ev))>
                    <option value="shown" selected>"the display filter's"</option>
                    <option value="selected">"the selected row's"</option>
                    <option value="picked">{picked_label}</option>
                    <option value="longest">"the longest N"</option>
                    <option value="slowest">"the slowest N"</option>
                    <option value="errors">"with errors"</option>
                </select>
            </label>
            <label class:hidden=move || !needs_n()>
                "N "
                <input id="cut-n" type="number" min="1" class="narrow" prop:value=move || n.get().to_string() on:change=count(n) />
            </label>
            <button id="cut-add" class="button small" title="Add the selected row's session to the picked ones" on:click=pick_row>
                "Pick row"
            </button>
            <button
                id="cut-clear"
                class="button small"
                class:hidden=move || picked.with(Vec::is_empty)
                title="Forget the picked sessions"
                on:click=move |_| picked.set(Vec::new())
            >
                "Clear"
            </button>
            <button id="cut-pcap" class="button small" prop:disabled=busy title="The sessions in one pcap" on:click=move |_| run(CutFile::Pcap)>
                "Save pcap"
            </button>
            <button id="cut-zip" class="button small" prop:disabled=busy title="A zip of one pcap per session" on:click=move |_| run(CutFile::Zip)>
                "Save zip"
            </button>
            <span class="cut-sep">"Intensify:"</span>
            <label title="Copies of each session, the original included">
                "×" <input id="cut-copies" type="number" min="1" class="narrow" prop:value=move || copies.get().to_string() on:change=count(copies) />
            </label>
            <label title="Gaps between packets divided by this">
                "speed-up " <input id="cut-speedup" type="number" min="0.001" step="any" class="narrow" prop:value=move || speedup.get().to_string() on:change=number(speedup) />
            </label>
            <label title="Copy k starts k × this many ms later">
                "spread ms " <input id="cut-spread" type="number" min="0" step="any" class="narrow" prop:value=move || spread.get().to_string() on:change=number(spread) />
            </label>
            <label title="Keep client addresses; give the copies new client ports">
                <input id="cut-keep" type="checkbox" prop:checked=keep on:change=move |ev| keep.set(event_target_checked(&ev)) />
                " keep addresses"
            </label>
            <button
                id="cut-intensify"
                class="button small"
                prop:disabled=busy
                title="A pcap for tcpreplay: each session this many times at once"
                on:click=move |_| {
                    run(CutFile::Intensify {
                        copies: copies.get_untracked(),
                        speedup: speedup.get_untracked(),
                        spread_ms: spread.get_untracked(),
                        keep_addresses: keep.get_untracked(),
                    })
                }
            >
                "Intensify"
            </button>
            <span id="cut-status" class="muted" aria-live="polite">{move || status.get()}</span>
        </div>
    }
}
