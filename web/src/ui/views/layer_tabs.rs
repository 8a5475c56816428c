use leptos::prelude::*;
use wirelens_web::protocol::Layer;

/// Ethernet / IPv4 / IPv6 / TCP / UDP, for the conversation and endpoint tables.
#[component]
pub fn LayerTabs(layer: RwSignal<Layer>, id: &'static str) -> impl IntoView {
    view! {
        <div class="layer-tabs" role="tablist" id=id>
            {Layer::ALL
                .iter()
                .map(|&l| {
                    view! {
                        <button
                            role="tab"
                            class="layer"
                            data-layer=l.name()
                            class:active=move || layer.get() == l
                            aria-selected=move || (layer.get() == l).to_string()
                            on:click=move |_| {
                                if layer.get_untracked() != l {
                                    layer.set(l);
                                }
                            }
                        >
                            {l.title()}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
