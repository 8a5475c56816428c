use crate::ui::format;
use crate::ui::state::use_state;
use leptos::prelude::*;
use wirelens_web::protocol::FilterErrorView;

/// The display filter (Wireshark's language) and the custom columns of the packet list.
/// Enter or "Apply" applies both; an invalid filter or column name is shown with the
/// faulty part underlined and a hint, and the list keeps what it showed.
#[component]
pub fn FilterBar() -> impl IntoView {
    let state = use_state();
    let text = RwSignal::new(String::new());
    let columns = RwSignal::new(String::new());
    let apply = move || {
        let cols = columns
            .get_untracked()
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        state.apply_filter(text.get_untracked(), cols);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            apply();
        }
    };
    let status = move || {
        if state.filtering.get() {
            return "filtering…".to_owned();
        }
        state.filter.with(|f| match f {
            Some(f) if !f.text.trim().is_empty() => format!(
                "{} of {} packets match ({} ms)",
                format::thousands(f.shown),
                format::thousands(f.total),
                f.elapsed_ms.round()
            ),
            _ => String::new(),
        })
    };
    let notes = move || {
        state
            .filter
            .with(|f| f.as_ref().map(|f| f.notes.join("; ")).unwrap_or_default())
    };
    view! {
        <div id="filter-bar" class="filter-bar" style="display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin: 0.5em 0;">
            <input
                id="filter-input"
                class="filter-input"
                style="flex: 3 1 28em; font-family: monospace; padding: 0.3em;"
                type="text"
                spellcheck="false"
                placeholder="Display filter, e.g. tcp.port == 11211 && frame.len > 1000"
                style:outline=move || {
                    state
                        .filter_error
                        .with(|e| e.as_ref().is_some_and(|e| e.text == text.get()))
                        .then_some("2px solid #c0392b")
                        .unwrap_or_default()
                }
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_key
            />
            <input
                id="columns-input"
                class="columns-input"
                style="flex: 1 1 14em; font-family: monospace; padding: 0.3em;"
                type="text"
                spellcheck="false"
                placeholder="Columns, e.g. tcp.stream, memcache.key"
                prop:value=move || columns.get()
                on:input=move |ev| columns.set(event_target_value(&ev))
                on:keydown=on_key
            />
            <button id="filter-apply" class="button" on:click=move |_| apply()>"Apply"</button>
            <span id="filter-status" class="hint">{status}</span>
            <span id="filter-notes" class="hint">{notes}</span>
        </div>
        {move || state.filter_error.get().map(error_view)}
    }
}

/// The message, the text with the faulty part underlined, and the hint.
fn error_view(e: FilterErrorView) -> impl IntoView {
    // Positions are UTF-16 code units, as a text field counts them.
    let units: Vec<u16> = e.text.encode_utf16().collect();
    let cut = |a: usize, b: usize| {
        String::from_utf16_lossy(&units[a.min(units.len())..b.min(units.len())])
    };
    let (start, end) = (e.start as usize, e.end as usize);
    let before = cut(0, start);
    // An empty range (the end of the text) underlines a space where something is missing.
    let bad = if end > start {
        cut(start, end)
    } else {
        " ".to_owned()
    };
    let after = cut(end, units.len());
    view! {
        <div id="filter-error" class="filter-error" role="alert" style="color: #c0392b; margin: 0.3em 0;">
            <span class="filter-error-message">{e.message}</span>
            <pre class="filter-echo" style="margin: 0.3em 0;">
                {before}
                <mark
                    id="filter-error-mark"
                    style="background: none; color: inherit; text-decoration: underline wavy #c0392b; text-decoration-thickness: 2px;"
                >
                    {bad}
                </mark>
                {after}
            </pre>
            {e.hint.map(|h| view! { <span id="filter-hint" class="filter-hint">{h}</span> })}
        </div>
    }
}
