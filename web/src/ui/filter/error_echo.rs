use leptos::prelude::*;
use wirelens_web::protocol::FilterErrorView;

/// The message, the text with the faulty part underlined, and the hint. Plain text only:
/// the filter is what the user typed (or a capture's values pasted in).
#[component]
pub fn ErrorEcho(error: FilterErrorView) -> impl IntoView {
    let e = error;
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
        <div id="filter-error" class="filter-error" role="alert">
            <span class="filter-error-message">{e.message}</span>
            <pre class="filter-echo">{before}<mark id="filter-error-mark">{bad}</mark>{after}</pre>
            {e.hint.map(|h| view! { <span id="filter-hint" class="filter-hint">{h}</span> })}
        </div>
    }
}
