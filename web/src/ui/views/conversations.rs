use super::layer_tabs::LayerTabs;
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{Layer, TableId};

/// Conversations per layer, as `tshark -z conv,<layer>` counts them over the displayed
/// packets; a row's filter shows its packets.
#[component]
pub fn Conversations() -> impl IntoView {
    let layer = RwSignal::new(Layer::Tcp);
    view! {
        <LayerTabs layer id="conversation-layers" />
        <DataTable table=Signal::derive(move || TableId::Conversations(layer.get())) id="conversations" />
    }
}
