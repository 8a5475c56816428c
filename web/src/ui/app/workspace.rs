use crate::ui::packets::PacketList;
use crate::ui::views::ViewPane;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;

/// The packet list above, the views below, and a divider between them that drags (or
/// moves with the arrow keys when focused).
#[component]
pub fn Workspace() -> impl IntoView {
    // The packet list's share of the height.
    let split = RwSignal::new(0.55f64);
    let dragging = RwSignal::new(false);
    let area = NodeRef::<html::Main>::new();
    let moved = window_event_listener(ev::pointermove, move |e| {
        if !dragging.get_untracked() {
            return;
        }
        if let Some(el) = area.get_untracked() {
            let r = el.get_bounding_client_rect();
            if r.height() > 0.0 {
                split.set(((f64::from(e.client_y()) - r.top()) / r.height()).clamp(0.15, 0.85));
            }
        }
    });
    let up = window_event_listener(ev::pointerup, move |_| dragging.set(false));
    on_cleanup(move || {
        moved.remove();
        up.remove();
    });
    let on_key = move |e: leptos::ev::KeyboardEvent| {
        let step = match e.key().as_str() {
            "ArrowUp" => -0.05,
            "ArrowDown" => 0.05,
            _ => return,
        };
        e.prevent_default();
        split.update(|s| *s = (*s + step).clamp(0.15, 0.85));
    };
    view! {
        <main
            id="workspace"
            class="workspace"
            class:dragging=move || dragging.get()
            node_ref=area
            style:grid-template-rows=move || {
                let s = split.get();
                format!("minmax(0, {s:.3}fr) 6px minmax(0, {:.3}fr)", 1.0 - s)
            }
        >
            <PacketList />
            <div
                class="divider"
                role="separator"
                aria-orientation="horizontal"
                aria-label="Resize the packet list and the views"
                tabindex="0"
                on:pointerdown=move |e| {
                    e.prevent_default();
                    dragging.set(true);
                }
                on:keydown=on_key
            ></div>
            <ViewPane />
        </main>
    }
}
