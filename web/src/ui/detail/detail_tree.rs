use super::context_menu::ContextMenu;
use super::shown::{open_key, DetailState};
use leptos::html;
use leptos::prelude::*;
use wirelens_web::protocol::TreeNode;

/// The packet's layers and fields as a collapsible tree, Wireshark's texts. Hovering a
/// node shows its field name and filter; a right click offers to apply it as a filter or
/// a column; selecting one highlights its bytes. ←/→ close and open, ↑/↓ move.
#[component]
pub fn DetailTree(ds: DetailState) -> impl IntoView {
    let menu = RwSignal::new(None::<(i32, i32, TreeNode)>);
    let root = NodeRef::<html::Div>::new();
    // The nodes shown: those whose ancestors are all open.
    let rows = Memo::new(move |_| {
        let Some(s) = ds.shown.get() else {
            return Vec::new();
        };
        ds.open.with(|open| {
            let mut out = Vec::new();
            let mut i = 0usize;
            while i < s.nodes.len() {
                let n = &s.nodes[i];
                out.push(i as u32);
                let has_children = n.last as usize > i;
                if has_children && !open.contains(&open_key(n)) {
                    i = n.last as usize + 1;
                } else {
                    i += 1;
                }
            }
            out
        })
    });
    let toggle = move |i: u32| {
        let Some(s) = ds.shown.get_untracked() else {
            return;
        };
        let key = open_key(&s.nodes[i as usize]);
        ds.open.update(|o| {
            if !o.remove(&key) {
                o.insert(key);
            }
        });
    };
    // Bring a node selected from the bytes into view.
    Effect::new(move |_| {
        if let Some(i) = ds.reveal.get() {
            request_animation_frame(move || {
                if let Some(el) = root.try_get_untracked().flatten() {
                    if let Ok(Some(row)) = el.query_selector(&format!("[data-node=\"{i}\"]")) {
                        row.scroll_into_view_with_bool(false);
                    }
                }
            });
            ds.reveal.set(None);
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(s) = ds.shown.get_untracked() else {
            return;
        };
        let list = rows.get_untracked();
        let Some(cur) = ds.selected.get_untracked() else {
            if ev.key() == "ArrowDown" {
                if let Some(&first) = list.first() {
                    ev.prevent_default();
                    ds.select(first);
                }
            }
            return;
        };
        let at = list.iter().position(|&i| i == cur).unwrap_or(0);
        let n = &s.nodes[cur as usize];
        let open = ds.open.with_untracked(|o| o.contains(&open_key(n)));
        let parent = s.ancestors(cur).last().copied();
        let next = match ev.key().as_str() {
            "ArrowDown" => list.get(at + 1).copied(),
            "ArrowUp" => at.checked_sub(1).and_then(|k| list.get(k).copied()),
            "ArrowRight" if n.last > cur && !open => {
                toggle(cur);
                None
            }
            "ArrowRight" => list.get(at + 1).copied(),
            "ArrowLeft" if n.last > cur && open => {
                toggle(cur);
                None
            }
            "ArrowLeft" => parent,
            _ => return,
        };
        ev.prevent_default();
        if let Some(i) = next {
            ds.select(i);
            ds.reveal.set(Some(i));
        }
    };
    let expand_all = move |_| {
        if let Some(s) = ds.shown.get_untracked() {
            ds.open.update(|o| {
                for n in s
                    .nodes
                    .iter()
                    .filter(|n| !n.name.is_empty() || !n.text.is_empty())
                {
                    o.insert(open_key(n));
                }
            });
        }
    };
    let row = move |i: u32| {
        let Some(s) = ds.shown.get_untracked() else {
            return ().into_any();
        };
        let n = s.nodes[i as usize].clone();
        let has_children = n.last > i;
        let key = StoredValue::new(open_key(&n));
        let is_open = move || key.with_value(|k| ds.open.with(|o| o.contains(k)));
        let title = match (&n.filter, n.name.is_empty()) {
            (Some(f), _) => format!("{} — filter: {f}", n.name),
            (None, false) => n.name.clone(),
            (None, true) => String::new(),
        };
        let node = n.clone();
        view! {
            <div
                class="tree-row"
                class:proto=n.proto
                class:generated=n.generated
                class:selected=move || ds.selected.get() == Some(i)
                data-node=i.to_string()
                data-name=n.name.clone()
                data-testid="tree-node"
                role="treeitem"
                aria-expanded=move || has_children.then(|| is_open().to_string())
                style:padding-left=format!("{}em", f32::from(n.depth) * 1.2 + 0.3)
                title=title
                on:click=move |_| ds.select(i)
                on:dblclick=move |_| toggle(i)
                on:contextmenu=move |e: leptos::ev::MouseEvent| {
                    e.prevent_default();
                    ds.select(i);
                    menu.set(Some((e.client_x(), e.client_y(), node.clone())));
                }
            >
                <span
                    class="twisty"
                    on:click=move |e| {
                        e.stop_propagation();
                        toggle(i);
                    }
                >
                    {move || match (has_children, is_open()) {
                        (false, _) => "",
                        (true, true) => "▾",
                        (true, false) => "▸",
                    }}
                </span>
                <span class="tree-text">{n.text}</span>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="detail-tree-box">
            <div class="pane-tools">
                <button class="button small" id="tree-expand" on:click=expand_all>"Expand all"</button>
                <button class="button small" id="tree-collapse" on:click=move |_| ds.open.set(Default::default())>
                    "Collapse all"
                </button>
                <span class="muted">"Right-click a field to filter on it or show it as a column"</span>
            </div>
            <div class="detail-tree" id="detail-tree" role="tree" tabindex="0" node_ref=root on:keydown=on_key>
                <For
                    each=move || {
                        let frame = ds.shown.with(|s| s.as_ref().map_or(0, |s| s.frame));
                        rows.get().into_iter().map(move |i| (frame, i)).collect::<Vec<_>>()
                    }
                    key=|k| *k
                    children=move |(_, i)| row(i)
                />
            </div>
            <ContextMenu at=menu />
        </div>
    }
}
