use super::suggest::{self, Item};
use crate::ui::state::use_state;
use leptos::html;
use leptos::prelude::*;

/// A text field that suggests field names for the word at the caret (from the worker's
/// field registry) and, when `history` is given and the field is empty or the user asks
/// (Alt+↓), the filters applied before. ↑/↓ pick, Enter or Tab take, Escape closes; Enter
/// with nothing picked runs `on_enter`.
#[component]
pub fn FieldInput(
    id: &'static str,
    value: RwSignal<String>,
    placeholder: &'static str,
    on_enter: Callback<()>,
    #[prop(optional)] history: Option<RwSignal<Vec<String>>>,
    /// Some(true) valid, Some(false) not, None unknown: colours the field.
    #[prop(optional, into)]
    valid: Option<Signal<Option<bool>>>,
) -> impl IntoView {
    let state = use_state();
    let input = NodeRef::<html::Input>::new();
    let caret = RwSignal::new(0usize);
    let open = RwSignal::new(false);
    let show_history = RwSignal::new(false);
    let highlight = RwSignal::new(None::<usize>);
    let list_id = format!("{id}-suggestions");

    let items = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        let text = value.get();
        if let Some(h) = history {
            if show_history.get() || text.trim().is_empty() {
                return h.with(|h| suggest::history_items(text.trim(), h));
            }
        }
        let at = suggest::byte_at(&text, caret.get());
        state.fields.with(|f| suggest::fields_for(&text, at, f))
    });
    let read_caret = move || {
        if let Some(el) = input.get_untracked() {
            let at = el.selection_start().ok().flatten().unwrap_or(0);
            caret.set(at as usize);
        }
    };
    let take = move |item: Item| {
        let text = value.get_untracked();
        let (start, end) = (item.start.min(text.len()), item.end.min(text.len()));
        let new = format!("{}{}{}", &text[..start], item.insert, &text[end..]);
        let at = (text[..start].encode_utf16().count() + item.insert.encode_utf16().count()) as u32;
        value.set(new);
        open.set(false);
        show_history.set(false);
        highlight.set(None);
        if let Some(el) = input.get_untracked() {
            el.set_value(&value.get_untracked());
            let _ = el.set_selection_range(at, at);
            let _ = el.focus();
        }
        caret.set(at as usize);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = items.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if ev.alt_key() && history.is_some() => {
                ev.prevent_default();
                show_history.set(true);
                open.set(true);
                highlight.set(Some(0));
            }
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                highlight.update(|h| *h = Some(h.map_or(0, |h| (h + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                highlight.update(|h| *h = Some(h.map_or(n - 1, |h| (h + n - 1) % n)));
            }
            "Enter" | "Tab" if highlight.get_untracked().is_some_and(|h| h < n) => {
                ev.prevent_default();
                let h = highlight.get_untracked().unwrap_or(0);
                if let Some(item) = items.with_untracked(|i| i.get(h).cloned()) {
                    take(item);
                }
            }
            "Enter" => {
                open.set(false);
                highlight.set(None);
                on_enter.run(());
            }
            "Escape" => {
                open.set(false);
                highlight.set(None);
            }
            _ => {}
        }
    };
    let state_class = move || match valid.and_then(|v| v.get()) {
        Some(true) => "field-input valid",
        Some(false) => "field-input invalid",
        None => "field-input",
    };
    let list_id2 = list_id.clone();
    view! {
        <div class="field-box">
            <input
                id=id
                class=state_class
                type="text"
                spellcheck="false"
                autocomplete="off"
                role="combobox"
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || (!items.with(Vec::is_empty)).to_string()
                placeholder=placeholder
                node_ref=input
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    read_caret();
                    show_history.set(false);
                    open.set(true);
                    highlight.set(None);
                }
                on:keydown=on_key
                on:keyup=move |ev: leptos::ev::KeyboardEvent| {
                    if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                        read_caret();
                    }
                }
                on:click=move |_| read_caret()
                on:focus=move |_| {
                    read_caret();
                    open.set(true);
                }
                on:blur=move |_| open.set(false)
            />
            <Show when=move || !items.with(Vec::is_empty)>
                <ul class="suggestions" id=list_id2.clone() role="listbox">
                    {move || {
                        items
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(k, item)| {
                                let it = item.clone();
                                view! {
                                    <li
                                        role="option"
                                        class="suggestion"
                                        class:active=move || highlight.get() == Some(k)
                                        aria-selected=move || (highlight.get() == Some(k)).to_string()
                                        // mousedown, not click: the field would lose focus first.
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            take(it.clone());
                                        }
                                    >
                                        <span class="s-name">{item.label}</span>
                                        <span class="s-detail">{item.detail}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
        </div>
    }
}
