use super::toolbar::Toolbar;
use super::workspace::Workspace;
use crate::ui::client;
use crate::ui::filter::FilterBar;
use crate::ui::open::{load_sample, DropZone, ProgressBar};
use crate::ui::state::{AppState, Phase};
use crate::ui::summary::{CaptureSummary, ErrorList};
use leptos::prelude::*;

/// The page: toolbar, filter bar, progress and summary, damage found, and the workspace
/// (packet list above, views below).
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    crate::ui::url_state::sync(state);
    match client::start(state) {
        Ok(()) if !skip_sample() && !crate::ui::url_state::shared() => load_sample(state),
        Ok(()) => {}
        Err(e) => state.fail(e),
    }
    view! {
        <DropZone />
        <Toolbar />
        <div id="app" class="app">
            <div class="top">
                <FilterBar />
                <ProgressBar />
                <CaptureSummary />
                <ErrorList />
            </div>
            <Show when=move || state.phase.with(|p| *p == Phase::Loaded)>
                <Workspace />
            </Show>
        </div>
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
