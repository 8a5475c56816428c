use crate::ui::state::use_state;
use leptos::prelude::*;
use wirelens_web::protocol::TreeNode;

/// What a right click on a tree node offers: apply or prepare its filter, add it as a
/// column. Closes on a choice, Escape, or a click elsewhere.
#[component]
pub fn ContextMenu(at: RwSignal<Option<(i32, i32, TreeNode)>>) -> impl IntoView {
    let state = use_state();
    let close = move || at.set(None);
    let esc = window_event_listener(leptos::ev::keydown, move |e| {
        if e.key() == "Escape" {
            at.set(None);
        }
    });
    let away = window_event_listener(leptos::ev::click, move |_| at.set(None));
    on_cleanup(move || {
        esc.remove();
        away.remove();
    });
    move || {
        at.get().map(|(x, y, node)| {
            let filter = node.filter.clone();
            let (f1, f2) = (filter.clone(), filter.clone());
            let name = node.name.clone();
            let can_column = node.column;
            view! {
                <ul
                    class="context-menu"
                    id="detail-menu"
                    role="menu"
                    style:left=format!("{x}px")
                    style:top=format!("{y}px")
                    on:click=move |e| e.stop_propagation()
                >
                    <li class="menu-title">{name.clone()}</li>
                    <li role="menuitem">
                        <button
                            id="menu-apply-filter"
                            disabled=filter.is_none()
                            title=filter.clone().unwrap_or_default()
                            on:click=move |_| {
                                if let Some(f) = f1.clone() {
                                    state.apply_filter_text(f);
                                }
                                close();
                            }
                        >
                            "Apply as filter"
                        </button>
                    </li>
                    <li role="menuitem">
                        <button
                            id="menu-prepare-filter"
                            disabled=filter.is_none()
                            on:click=move |_| {
                                if let Some(f) = f2.clone() {
                                    state.filter_text.set(f);
                                }
                                close();
                            }
                        >
                            "Prepare as filter"
                        </button>
                    </li>
                    <li role="menuitem">
                        <button
                            id="menu-add-column"
                            disabled=!can_column
                            on:click=move |_| {
                                state.add_column(name.clone());
                                close();
                            }
                        >
                            "Apply as column"
                        </button>
                    </li>
                </ul>
            }
        })
    }
}
