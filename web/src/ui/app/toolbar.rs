use super::theme_toggle::ThemeToggle;
use crate::ui::open::{load_sample, FilePicker};
use crate::ui::state::use_state;
use leptos::prelude::*;

/// The top bar: name, open, the sample, the theme.
#[component]
pub fn Toolbar() -> impl IntoView {
    let state = use_state();
    view! {
        <header class="toolbar">
            <h1 class="brand">"Wirelens"</h1>
            <FilePicker />
            <button id="open-sample" class="button" title="Open the bundled sample capture" on:click=move |_| load_sample(state)>
                "Sample"
            </button>
            <span class="hint">
                "or drop capture files anywhere on the page. Nothing leaves your machine: "
                "files are read and analysed in this tab."
            </span>
            <span class="spacer"></span>
            <ThemeToggle />
        </header>
    }
}
