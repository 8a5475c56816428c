use crate::ui::files;
use crate::ui::state::use_state;
use leptos::prelude::*;
use wirelens_web::protocol::{Export, Query};

/// Saves the displayed packets as a capture file (pcapng or pcap), written in the worker
/// by core's writer.
#[component]
pub fn ExportMenu() -> impl IntoView {
    let state = use_state();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let export = move |pcapng: bool| {
        open.set(false);
        error.set(None);
        let query = Query::Export(Export::Packets {
            stream: None,
            pcapng,
        });
        files::ask_and_save(state, query, move |e| {
            error.try_set(Some(e));
        });
    };
    view! {
        <span class="legend">
            <button
                id="export-toggle"
                class="button small"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Export"
            </button>
            {move || error.get().map(|e| view! { <span class="page-error" id="export-error">{e}</span> })}
            <Show when=move || open.get()>
                <ul class="legend-list menu" id="export-menu" role="menu">
                    <li><button id="export-pcapng" role="menuitem" on:click=move |_| export(true)>"Displayed packets as pcapng"</button></li>
                    <li><button id="export-pcap" role="menuitem" on:click=move |_| export(false)>"Displayed packets as pcap"</button></li>
                </ul>
            </Show>
        </span>
    }
}
