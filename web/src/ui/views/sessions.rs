use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::TableId;

/// TCP sessions with tcplife's columns (`wirelens sessions`): the process where the
/// capture names it, bytes each way, lifespan, how each ended.
#[component]
pub fn Sessions() -> impl IntoView {
    view! { <DataTable table=Signal::derive(|| TableId::Sessions) id="sessions" /> }
}
