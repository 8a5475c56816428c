use crate::ui::state::{use_state, Tab};
use leptos::prelude::*;

/// The tabs of the lower pane.
#[component]
pub fn ViewTabs() -> impl IntoView {
    let state = use_state();
    view! {
        <nav class="tabs" role="tablist" aria-label="Views">
            {Tab::ALL
                .iter()
                .map(|&t| {
                    view! {
                        <button
                            role="tab"
                            id=format!("tab-{}", t.key())
                            class="tab"
                            class:active=move || state.tab.get() == t
                            aria-selected=move || (state.tab.get() == t).to_string()
                            on:click=move |_| {
                                if state.tab.get_untracked() != t {
                                    state.tab.set(t);
                                }
                            }
                        >
                            {t.title()}
                        </button>
                    }
                })
                .collect_view()}
        </nav>
    }
}
