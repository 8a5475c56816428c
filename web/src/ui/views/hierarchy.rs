use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::TableId;

/// The protocol hierarchy (`tshark -z io,phs`), one row per protocol path.
#[component]
pub fn Hierarchy() -> impl IntoView {
    view! { <DataTable table=Signal::derive(|| TableId::Hierarchy) id="hierarchy" /> }
}
