use super::cut_tools::CutTools;
use super::layer_tabs::LayerTabs;
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{Layer, StreamRef, TableId, TableRow};

/// Conversations per layer, as `tshark -z conv,<layer>` counts them over the displayed
/// packets; a row's filter shows its packets.
#[component]
pub fn Conversations() -> impl IntoView {
    let layer = RwSignal::new(Layer::Tcp);
    let selected = RwSignal::new(None::<StreamRef>);
    let sessions = move || matches!(layer.get(), Layer::Tcp | Layer::Udp);
    view! {
        <LayerTabs layer id="conversation-layers" />
        <Show when=sessions>
            <CutTools selected />
        </Show>
        <DataTable
            table=Signal::derive(move || TableId::Conversations(layer.get()))
            id="conversations"
            on_select=Callback::new(move |row: TableRow| selected.set(row.follow))
        />
    }
}
