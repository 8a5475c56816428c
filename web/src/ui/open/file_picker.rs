use super::files_of;
use crate::ui::state::use_state;
use leptos::html;
use leptos::prelude::*;

/// "Open capture…": a button-styled label for a hidden multi-file input.
#[component]
pub fn FilePicker() -> impl IntoView {
    let state = use_state();
    let input = NodeRef::<html::Input>::new();
    let on_change = move |_| {
        let Some(el) = input.get() else { return };
        let files = el.files().map(|l| files_of(&l)).unwrap_or_default();
        // So that choosing the same file again still fires `change`.
        el.set_value("");
        state.open(files);
    };
    view! {
        <label class="button primary" for="file-input">"Open capture…"</label>
        <input
            id="file-input"
            data-testid="file-input"
            class="visually-hidden"
            type="file"
            multiple
            node_ref=input
            on:change=on_change
        />
    }
}
