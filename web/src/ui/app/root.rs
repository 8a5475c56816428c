use crate::ui::client;
use crate::ui::conversations::ConversationTable;
use crate::ui::open::{load_sample, DropZone, FilePicker, ProgressBar};
use crate::ui::packets::PacketList;
use crate::ui::state::AppState;
use crate::ui::summary::{CaptureSummary, ErrorList};
use leptos::prelude::*;

/// The page: toolbar, progress, summary, errors, packet list and conversations.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    match client::start(state) {
        Ok(()) if !skip_sample() => load_sample(state),
        Ok(()) => {}
        Err(e) => state.fail(e),
    }
    view! {
        <DropZone />
        <header class="toolbar">
            <h1 class="brand">"Wirelens"</h1>
            <FilePicker />
            <span class="hint">
                "or drop capture files anywhere on the page. Nothing leaves your machine: "
                "files are read and analysed in this tab."
            </span>
        </header>
        <main id="app">
            <ProgressBar />
            <CaptureSummary />
            <ErrorList />
            <PacketList />
            <ConversationTable />
        </main>
    }
}

/// `?empty` in the URL: start with nothing open instead of the bundled sample.
fn skip_sample() -> bool {
    let search = window().location().search().unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .any(|kv| kv == "empty" || kv.starts_with("empty="))
}
