use super::layer_tabs::LayerTabs;
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{Layer, TableId};

/// Endpoints per layer, as `tshark -z endpoints,<layer>` counts them.
#[component]
pub fn Endpoints() -> impl IntoView {
    let layer = RwSignal::new(Layer::Ip);
    view! {
        <LayerTabs layer id="endpoint-layers" />
        <DataTable table=Signal::derive(move || TableId::Endpoints(layer.get())) id="endpoints" />
    }
}
