use super::io_graph::IoGraphView;
use super::latency::LatencyView;
use super::timeline::TimelineView;
use leptos::prelude::*;

/// The charts: IO graph, session timeline, latency histograms.
#[component]
pub fn Charts() -> impl IntoView {
    let which = RwSignal::new("io");
    let tab = move |key: &'static str, title: &'static str| {
        view! {
            <button
                role="tab"
                class="layer"
                data-chart=key
                class:active=move || which.get() == key
                aria-selected=move || (which.get() == key).to_string()
                on:click=move |_| which.set(key)
            >
                {title}
            </button>
        }
    };
    view! {
        <div class="charts">
            <div class="layer-tabs" role="tablist" id="chart-tabs">
                {tab("io", "IO graph")}
                {tab("timeline", "Session timeline")}
                {tab("latency", "Latency")}
            </div>
            {move || match which.get() {
                "timeline" => view! { <TimelineView /> }.into_any(),
                "latency" => view! { <LatencyView /> }.into_any(),
                _ => view! { <IoGraphView /> }.into_any(),
            }}
        </div>
    }
}
