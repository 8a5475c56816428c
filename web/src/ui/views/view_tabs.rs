use crate::ui::state::{use_state, Tab, APPS};
use leptos::prelude::*;

/// The tabs of the lower pane.
#[component]
pub fn ViewTabs() -> impl IntoView {
    let state = use_state();
    // The fixed views, with a view for each protocol the capture has after Sessions.
    let tabs = move || {
        let apps: Vec<Tab> = state.summary.with(|s| {
            APPS.iter()
                .filter(|(n, _)| {
                    s.as_ref()
                        .is_some_and(|s| s.apps.iter().any(|(a, _)| a == n))
                })
                .map(|(n, _)| Tab::App(n))
                .collect()
        });
        let mut all = Vec::new();
        for t in Tab::ALL {
            all.push(t);
            if t == Tab::Sessions {
                all.extend(apps.iter().copied());
            }
        }
        all
    };
    view! {
        <nav class="tabs" role="tablist" aria-label="Views">
            {move || tabs()
                .into_iter()
                .map(|t| {
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
