use super::error_echo::ErrorEcho;
use super::field_input::FieldInput;
use super::suggest;
use crate::ui::format;
use crate::ui::state::{use_state, Scope};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, FilterErrorView, Query};

/// The display filter (Wireshark's language) and the custom columns of the packet list.
/// The filter is checked as it is typed (the field turns green or red, the faulty part
/// is underlined with a hint); Enter or "Apply" applies both, and the list, the counts
/// and every view then show only the packets that pass. Applied filters are remembered.
#[component]
pub fn FilterBar() -> impl IntoView {
    let state = use_state();
    let text = state.filter_text;
    let columns = state.columns_text;
    let history = RwSignal::new(suggest::load_history());
    // The live check of what is typed: (text, its error).
    let check = RwSignal::new(None::<(String, Option<FilterErrorView>)>);
    let checks = StoredValue::new(0u32);
    Effect::new(move |_| {
        let t = text.get();
        let n = checks.get_value() + 1;
        checks.set_value(n);
        state.ask(Query::Check { text: t.clone() }, Scope::Any, move |a| {
            if let (Answer::Check(e), Some(true)) = (a, checks.try_get_value().map(|c| c == n)) {
                check.try_set(Some((t, e)));
            }
        });
    });
    let valid = Signal::derive(move || {
        let t = text.get();
        if t.trim().is_empty() {
            return None;
        }
        check.with(|c| {
            c.as_ref()
                .filter(|(ct, _)| *ct == t)
                .map(|(_, e)| e.is_none())
        })
    });
    let apply = Callback::new(move |()| {
        let t = text.get_untracked();
        if state.summary.with_untracked(Option::is_some) {
            history.update(|h| suggest::remember(h, &t));
        }
        state.apply_filter(t, state.column_names());
    });
    let clear = move |_| {
        text.set(String::new());
        state.apply_filter(String::new(), state.column_names());
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
    // The error of what is typed now: from the live check, or from the last apply (a
    // column name the check does not look at).
    let error = move || {
        let t = text.get();
        let live = check.with(|c| {
            c.as_ref()
                .filter(|(ct, _)| *ct == t)
                .and_then(|(_, e)| e.clone())
        });
        live.or_else(|| {
            state
                .filter_error
                .get()
                .filter(|e| e.text == t || e.text == state.column_names().join(", "))
        })
    };
    view! {
        <div id="filter-bar" class="filter-bar">
            <FieldInput
                id="filter-input"
                value=text
                placeholder="Display filter, e.g. tcp.port == 11211 && frame.len > 1000  (Alt+↓: history)"
                on_enter=apply
                history=history
                valid=valid
            />
            <FieldInput
                id="columns-input"
                value=columns
                placeholder="Columns, e.g. tcp.stream, memcache.key"
                on_enter=apply
            />
            <button id="filter-apply" class="button primary" on:click=move |_| apply.run(())>"Apply"</button>
            <button id="filter-clear" class="button" title="Show every packet" on:click=clear>"Clear"</button>
            <span id="filter-status" class="hint">{status}</span>
            <span id="filter-notes" class="hint">{notes}</span>
        </div>
        {move || error().map(|e| view! { <ErrorEcho error=e /> })}
    }
}
