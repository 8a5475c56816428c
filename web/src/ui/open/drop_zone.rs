use super::files_of;
use crate::ui::state::use_state;
use leptos::ev;
use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;
use web_sys::DragEvent;

/// Files dropped anywhere on the page are opened; while files are dragged over the page
/// an overlay says so. Listens on the window so the whole page is the drop zone.
#[component]
pub fn DropZone() -> impl IntoView {
    let state = use_state();
    let dragging = RwSignal::new(false);
    // dragenter/dragleave fire for every element crossed; count them to know when the
    // drag really left the page.
    let depth = Rc::new(Cell::new(0));

    let carries_files = |ev: &DragEvent| {
        ev.data_transfer()
            .is_some_and(|dt| dt.types().includes(&"Files".into(), 0))
    };
    let enter = {
        let depth = depth.clone();
        window_event_listener(ev::dragenter, move |ev| {
            if carries_files(&ev) {
                ev.prevent_default();
                depth.set(depth.get() + 1);
                dragging.set(true);
            }
        })
    };
    let over = window_event_listener(ev::dragover, move |ev| {
        if carries_files(&ev) {
            // Without this the browser would not fire `drop` (it would open the file).
            ev.prevent_default();
            if let Some(dt) = ev.data_transfer() {
                dt.set_drop_effect("copy");
            }
        }
    });
    let leave = {
        let depth = depth.clone();
        window_event_listener(ev::dragleave, move |_| {
            depth.set((depth.get() - 1).max(0));
            if depth.get() == 0 {
                dragging.set(false);
            }
        })
    };
    let drop = window_event_listener(ev::drop, move |ev| {
        depth.set(0);
        dragging.set(false);
        let Some(list) = ev.data_transfer().and_then(|dt| dt.files()) else {
            return;
        };
        ev.prevent_default();
        state.open(files_of(&list));
    });
    on_cleanup(move || {
        enter.remove();
        over.remove();
        leave.remove();
        drop.remove();
    });

    view! {
        <div id="drop-overlay" class="drop-overlay" class:active=move || dragging.get() aria-hidden="true">
            <div class="drop-message">
                "Drop capture files to open them"
                <small>"pcap or pcapng; several files are merged into one timeline"</small>
            </div>
        </div>
    }
}
