use super::cut_tools::CutTools;
use super::lake_export::LakeExport;
use crate::ui::tables::DataTable;
use leptos::prelude::*;
use wirelens_web::protocol::{StreamRef, TableId};

/// TCP sessions with tcplife's columns (`wirelens sessions`): the process where the
/// capture names it, bytes each way, lifespan, how each ended; and the sessions cut into
/// files.
#[component]
pub fn Sessions() -> impl IntoView {
    let selected = RwSignal::new(None::<StreamRef>);
    view! {
        <CutTools selected />
        <LakeExport />
        <DataTable
            table=Signal::derive(|| TableId::Sessions)
            id="sessions"
            on_select=Callback::new(move |row: wirelens_web::protocol::TableRow| selected.set(row.follow))
        />
    }
}
