use super::ListStatus;
use crate::ui::resize::observe_height;
use crate::ui::state::{use_state, AppState, TimeFormat};
use crate::ui::virtual_rows::{Scroller, Viewport};
use leptos::html;
use leptos::prelude::*;
use wirelens_web::protocol::{PacketRowView, PAGE_ROWS};

/// Height of a row, px (the CSS gives rows exactly this).
const ROW_H: f64 = 20.0;

/// The packet list: every displayed packet, scrolled like one long table, though only the
/// rows on screen exist. Rows come from the page's row cache, fetched ahead of the
/// viewport both ways; a row not there yet shows its number and a placeholder. Arrows,
/// Page Up/Down, Home and End move the selection.
#[component]
pub fn PacketList() -> impl IntoView {
    let state = use_state();
    let sc = Scroller::new();
    let body = sc.body;
    let head = NodeRef::<html::Div>::new();
    let height = RwSignal::new(0.0);
    observe_height(body, height);
    let vp = Memo::new(move |_| Viewport {
        total: state.shown(),
        row_h: ROW_H,
        height: height.get(),
        scroll_top: sc.scroll_top.get(),
        pos: sc.pos.get(),
    });

    // A new view starts at the top.
    Effect::new(move |_| {
        state.view.track();
        sc.go(&vp.get_untracked(), 0.0);
    });
    // Fetch what is on screen, then well ahead the way the list moves, the further the
    // faster it moves (so that scrolling finds its rows), and a little behind.
    Effect::new(move |prev: Option<u64>| {
        state.view.track();
        let v = vp.get();
        if v.total == 0 || v.height <= 0.0 {
            return prev.unwrap_or(0);
        }
        let (first, n) = (v.first(), v.count());
        state.rows.update_untracked(|c| c.look_at(first));
        state.want_rows(first, first + n);
        // Rows moved since the last scroll event (about a frame); a jump says nothing of
        // the speed. Half a second of it ahead covers a round trip to a busy worker.
        let moved = prev.map_or(0, |p| first.abs_diff(p));
        let speed = if moved <= 4 * n { moved } else { 0 };
        let far = (n * 10).max(2 * u64::from(PAGE_ROWS)).max(speed * 30);
        let near = (n * 2).max(u64::from(PAGE_ROWS) / 2);
        let (behind, ahead) = if prev.is_some_and(|p| first < p) {
            (far, near)
        } else {
            (near, far)
        };
        state.want_rows(
            first.saturating_sub(behind),
            (first + n + ahead).min(v.total),
        );
        first
    });
    // "Go to packet" and the keyboard scroll the row into view.
    let show_row = move |row: u64| sc.show(&vp.get_untracked(), row);
    Effect::new(move |_| {
        if let Some(row) = state.reveal.get() {
            show_row(row);
            state.reveal.set(None);
        }
    });

    let on_scroll = move |_| {
        sc.scrolled(&vp.get_untracked());
        if let (Some(el), Some(h)) = (body.get_untracked(), head.get_untracked()) {
            h.set_scroll_left(el.scroll_left());
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let v = vp.get_untracked();
        if v.total == 0 {
            return;
        }
        let last = v.total - 1;
        let page = v.whole_rows();
        let current = state.selected.get_untracked();
        let from = current.unwrap_or(v.first());
        let next = match ev.key().as_str() {
            "ArrowDown" if current.is_some() => (from + 1).min(last),
            "ArrowUp" if current.is_some() => from.saturating_sub(1),
            "ArrowDown" | "ArrowUp" => from,
            "PageDown" => (from + page).min(last),
            "PageUp" => from.saturating_sub(page),
            "Home" => 0,
            "End" => last,
            _ => return,
        };
        ev.prevent_default();
        state.selected.set(Some(next));
        show_row(next);
    };

    let columns = move || {
        state
            .filter
            .with(|f| f.as_ref().map(|f| f.columns.clone()).unwrap_or_default())
    };
    let colgroup = move || {
        view! {
            <colgroup>
                <col class="w-no" />
                <col class="w-time" class:w-abs=move || state.time_format.get() == TimeFormat::Absolute />
                <col class="w-addr" />
                <col class="w-addr" />
                <col class="w-proto" />
                <col class="w-len" />
                <col class="w-info" />
                {columns().into_iter().map(|_| view! { <col class="w-custom" /> }).collect_view()}
            </colgroup>
        }
    };
    // The rows on screen: (view, row, whether fetched) keys them, so a row is drawn again
    // only when its data arrives.
    let visible = move || {
        let v = vp.get();
        let view = state.view.get();
        let (first, n) = (v.first(), v.count());
        state.rows.with(|c| {
            (first..first + n)
                .map(|i| (view, i, c.get(i).cloned()))
                .collect::<Vec<_>>()
        })
    };
    let error = move || state.rows.with(|c| c.error.clone());

    view! {
        <section id="packets" class="packets-pane" aria-label="Packet list">
            {move || error().map(|e| view! { <p class="page-error">{e}</p> })}
            <div class="plist-head" node_ref=head>
                <table class="grid packets">
                    {colgroup}
                    <thead>
                        <tr>
                            <th class="num">"No."</th>
                            <th class="num" title=move || state.time_format.get().title()>"Time"</th>
                            <th>"Source"</th>
                            <th>"Destination"</th>
                            <th>"Protocol"</th>
                            <th class="num">"Length"</th>
                            <th>"Info"</th>
                            {move || {
                                columns()
                                    .into_iter()
                                    .map(|c| view! { <th class="custom" data-testid="custom-column">{c}</th> })
                                    .collect_view()
                            }}
                        </tr>
                    </thead>
                </table>
            </div>
            <div
                class="plist-body"
                id="packet-scroll"
                tabindex="0"
                role="grid"
                aria-rowcount=move || vp.get().total.to_string()
                node_ref=body
                on:scroll=on_scroll
                on:scrollend=move |_| sc.settled(&vp.get_untracked())
                on:keydown=on_key
            >
                <div class="plist-space" style:height=move || format!("{}px", vp.get().virtual_height())>
                    <table
                        id="packet-list"
                        class="grid packets"
                        class:coloured=move || state.colours.get()
                        style:transform=move || format!("translateY({}px)", vp.get().offset())
                    >
                        {colgroup}
                        <tbody>
                            <For
                                each=visible
                                key=|(view, i, row)| (*view, *i, row.is_some())
                                children=move |(_, i, row)| packet_row(state, body, i, row)
                            />
                        </tbody>
                    </table>
                </div>
            </div>
            <ListStatus />
        </section>
    }
}

fn packet_row(
    state: AppState,
    body: NodeRef<html::Div>,
    i: u64,
    row: Option<PacketRowView>,
) -> impl IntoView {
    let selected = move || state.selected.get() == Some(i);
    let select = move |_| {
        state.selected.set(Some(i));
        if let Some(el) = body.get_untracked() {
            let _ = el.focus();
        }
    };
    let Some(r) = row else {
        return view! {
            <tr class="pending" class:selected=selected aria-rowindex=(i + 1).to_string() on:click=select>
                <td class="num">{i + 1}</td>
                <td colspan="6" class="muted">"…"</td>
            </tr>
        }
        .into_any();
    };
    let times = (r.time, r.delta_time, r.abs_time);
    let time = move || match state.time_format.get() {
        TimeFormat::Relative => times.0.clone(),
        TimeFormat::Delta => times.1.clone(),
        TimeFormat::Absolute => times.2.clone(),
    };
    let class = if r.colour.is_empty() {
        String::new()
    } else {
        format!("c-{}", r.colour)
    };
    let (src, dst, info) = (r.src.clone(), r.dst.clone(), r.info.clone());
    let (src_title, dst_title, info_title) = (r.src, r.dst, r.info);
    view! {
        <tr
            data-testid="packet-row"
            data-colour=r.colour.clone()
            class=class
            class:selected=selected
            aria-selected=move || selected().to_string()
            aria-rowindex=(i + 1).to_string()
            on:click=select
        >
            <td class="num">{r.no}</td>
            <td class="num">{time}</td>
            <td class="addr" title=src_title>{src}</td>
            <td class="addr" title=dst_title>{dst}</td>
            <td>{r.protocol}</td>
            <td class="num">{r.length}</td>
            <td class="info" title=info_title>{info}</td>
            {r.custom.into_iter().map(|v| { let t = v.clone(); view! { <td class="custom" title=t>{v}</td> } }).collect_view()}
        </tr>
    }
    .into_any()
}
