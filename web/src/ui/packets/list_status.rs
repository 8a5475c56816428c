use super::{ColourLegend, ExportMenu, TimeFormatSelect};
use crate::ui::format;
use crate::ui::state::use_state;
use leptos::prelude::*;

/// The line under the packet list: how many packets are displayed, the selected one, the
/// time format and the colours.
#[component]
pub fn ListStatus() -> impl IntoView {
    let state = use_state();
    let counts = move || {
        let all = state.summary.with(|s| s.as_ref().map_or(0, |s| s.packets));
        let shown = state.shown();
        if shown == all {
            format!("{} packets", format::thousands(all))
        } else {
            format!(
                "{} of {} packets displayed",
                format::thousands(shown),
                format::thousands(all)
            )
        }
    };
    let selected = move || {
        state.selected.get().map(|row| {
            let frame = state.rows.with(|c| c.get(row).map(|r| r.no));
            match frame {
                Some(f) => format!("· selected: packet {}", format::thousands(f)),
                None => format!("· selected: row {}", format::thousands(row + 1)),
            }
        })
    };
    view! {
        <div class="list-status">
            <span id="page-info" data-shown=move || state.shown().to_string()>{counts}</span>
            <span class="muted" id="selection-info">{selected}</span>
            <span class="spacer"></span>
            <TimeFormatSelect />
            <ColourLegend />
            <ExportMenu />
        </div>
    }
}
