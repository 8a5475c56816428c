use crate::ui::state::use_state;
use leptos::prelude::*;
use wirelens_core::query::rows::Rule;

/// A switch for row colours and, while they are on, a legend of the rules.
#[component]
pub fn ColourLegend() -> impl IntoView {
    let state = use_state();
    let open = RwSignal::new(false);
    view! {
        <span class="legend">
            <label class="check" title="Colour rows by protocol, as Wireshark's default colouring rules">
                <input
                    type="checkbox"
                    id="colours-toggle"
                    prop:checked=move || state.colours.get()
                    on:change=move |ev| state.colours.set(event_target_checked(&ev))
                />
                "Colours"
            </label>
            <button
                id="legend-toggle"
                class="button small"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Legend"
            </button>
            <Show when=move || open.get()>
                <ul id="colour-legend" class="legend-list coloured" role="list">
                    {Rule::ALL
                        .iter()
                        .map(|r| {
                            view! {
                                <li class=format!("c-{}", r.key()) data-rule=r.key() title=r.filter()>
                                    <span class="swatch"></span>
                                    {r.name()}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </Show>
        </span>
    }
}
