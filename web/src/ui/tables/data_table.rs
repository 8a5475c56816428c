use crate::ui::format;
use crate::ui::resize::observe_height;
use crate::ui::state::{use_state, AppState, Scope};
use crate::ui::virtual_rows::{Scroller, Viewport};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, Column, Export, Query, Sort, TableId, TableRow, TableSlice};

/// Height of a row, px (the CSS gives rows exactly this).
const ROW_H: f64 = 20.0;
/// Height of the header row, which stays at the top of the scroll area (CSS too).
const HEAD_H: f64 = 24.0;
/// Rows fetched beyond the visible ones, each way.
const AHEAD: u64 = 120;

/// What the table shows: the slice the worker sent, and what it was asked with (the
/// table, sort, search, view and revision).
#[derive(Clone, PartialEq)]
struct Shown {
    key: (TableId, Option<Sort>, String, u32, u64),
    slice: TableSlice,
}

/// A table the worker builds (conversations, sessions, …): sorted by a header click and
/// searched in the worker, virtualized like the packet list. A row's button (or a double
/// click, or Enter) applies its display filter; rows about one packet go to it.
#[component]
pub fn DataTable(
    /// The table.
    #[prop(into)]
    table: Signal<TableId>,
    /// The DOM id of the table's element.
    id: &'static str,
    /// Called with the row the user selects.
    #[prop(optional, into)]
    on_select: Option<Callback<TableRow>>,
    /// For a table the worker fills in while it reads (the expert items' groups): each
    /// new value asks for the rows on screen again.
    #[prop(optional, into)]
    revision: Option<Signal<u64>>,
    /// Whether the worker is still filling it in: the table says it is busy meanwhile.
    #[prop(optional, into)]
    updating: Option<Signal<bool>>,
) -> impl IntoView {
    let state = use_state();
    let sort = RwSignal::new(None::<Sort>);
    let search = RwSignal::new(String::new());
    let shown = RwSignal::new(None::<Shown>);
    let selected = RwSignal::new(None::<u64>);
    let asked = StoredValue::new(0u32);
    // Waiting for rows of another table, order, search or view than those shown.
    let busy = RwSignal::new(true);
    let sc = Scroller::new();
    let body = sc.body;
    let height = RwSignal::new(0.0);
    observe_height(body, height);

    let matching = move || shown.with(|s| s.as_ref().map_or(0, |s| s.slice.matching));
    let vp = Memo::new(move |_| Viewport {
        total: matching(),
        row_h: ROW_H,
        height: (height.get() - HEAD_H).max(0.0),
        scroll_top: sc.scroll_top.get(),
        pos: sc.pos.get(),
    });
    // Another table (or capture) starts unsorted, at the top.
    Effect::new(move |prev: Option<(TableId, u32)>| {
        let t = table.get();
        let g = state
            .summary
            .with(|s| s.as_ref().map_or(0, |s| s.generation));
        if prev.is_some_and(|p| p != (t.clone(), g)) {
            sort.set(None);
            search.set(String::new());
            selected.set(None);
            shown.set(None);
        }
        (t, g)
    });
    Effect::new(move |_| {
        table.track();
        sort.track();
        search.track();
        state.view.track();
        sc.go(&vp.get_untracked(), 0.0);
    });
    // Ask for the rows on screen and some around them, unless they are here.
    Effect::new(move |_| {
        if state.summary.with(Option::is_none) {
            return;
        }
        let revision = revision.map_or(0, |r| r.get());
        let key = (
            table.get(),
            sort.get(),
            search.get(),
            state.view.get(),
            revision,
        );
        let v = vp.get();
        let (first, n) = (v.first(), v.count().max(40));
        let covered = shown.with_untracked(|s| {
            s.as_ref().is_some_and(|s| {
                let end = (first + n).min(s.slice.matching);
                s.key == key
                    && s.slice.start <= first
                    && s.slice.start + s.slice.rows.len() as u64 >= end
            })
        });
        if covered {
            busy.set(false);
            return;
        }
        // A new revision of the same rows is no wait to show.
        let same = shown.with_untracked(|s| {
            s.as_ref().is_some_and(|s| {
                s.key.0 == key.0 && s.key.1 == key.1 && s.key.2 == key.2 && s.key.3 == key.3
            })
        });
        busy.set(!same);
        let start = first.saturating_sub(AHEAD);
        let count = (n + 2 * AHEAD) as u32;
        let n_asked = asked.get_value() + 1;
        asked.set_value(n_asked);
        let query = Query::Table {
            table: key.0.clone(),
            sort: key.1,
            search: key.2.clone(),
            start,
            count,
        };
        state.ask(query, Scope::View, move |answer| {
            // The table may be gone (another tab) when the answer comes.
            if asked.try_get_value() != Some(n_asked) {
                return;
            }
            match answer {
                Answer::Table(slice) => {
                    shown.try_set(Some(Shown { key, slice }));
                    busy.try_set(false);
                }
                Answer::Error(e) => leptos::logging::error!("wirelens: table: {e}"),
                _ => {}
            }
        });
    });

    let row_at = move |i: u64| {
        shown.with_untracked(|s| {
            s.as_ref().and_then(|s| {
                i.checked_sub(s.slice.start)
                    .and_then(|k| s.slice.rows.get(k as usize).cloned())
            })
        })
    };
    let select = move |i: u64| {
        selected.set(Some(i));
        if let (Some(cb), Some(row)) = (on_select, row_at(i)) {
            cb.run(row);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let v = vp.get_untracked();
        if v.total == 0 {
            return;
        }
        let last = v.total - 1;
        let cur = selected.get_untracked();
        let next = match ev.key().as_str() {
            "Enter" => {
                if let Some(f) = cur.and_then(row_at).and_then(|r| r.filter) {
                    state.apply_filter_text(f);
                }
                return;
            }
            "ArrowDown" => cur.map_or(0, |c| (c + 1).min(last)),
            "ArrowUp" => cur.map_or(0, |c| c.saturating_sub(1)),
            "PageDown" => cur.map_or(0, |c| (c + v.whole_rows()).min(last)),
            "PageUp" => cur.map_or(0, |c| c.saturating_sub(v.whole_rows())),
            "Home" => 0,
            "End" => last,
            _ => return,
        };
        ev.prevent_default();
        select(next);
        sc.show(&v, next);
    };

    let columns = Memo::new(move |_| {
        shown.with(|s| {
            s.as_ref()
                .map(|s| (s.slice.columns.clone(), s.slice.sortable))
                .unwrap_or_default()
        })
    });
    let header = move || {
        let (cols, sortable) = columns.get();
        cols.into_iter()
            .enumerate()
            .map(|(k, c)| header_cell(k as u16, c, sortable, sort))
            .collect_view()
    };
    let colgroup = move || {
        let (cols, _) = columns.get();
        view! {
            <colgroup>
                {cols
                    .iter()
                    .map(|c| view! { <col class=format!("w-{}", c.key) style:width=format!("{}em", width_of(c)) /> })
                    .collect_view()}
                <col class="w-actions" />
            </colgroup>
        }
    };
    // Wide tables scroll sideways rather than squeeze their columns.
    let table_width = move || {
        let (cols, _) = columns.get();
        let em: f32 = cols.iter().map(width_of).sum::<f32>() + ACTIONS_EM;
        format!("max(100%, {em}em)")
    };
    let visible = move || {
        let v = vp.get();
        let (first, n) = (v.first(), v.count());
        shown.with(|s| {
            let Some(s) = s else { return Vec::new() };
            let cols: Vec<(String, bool)> = s
                .slice
                .columns
                .iter()
                .map(|c| (c.key.clone(), c.numeric))
                .collect();
            (first..first + n)
                .map(|i| {
                    let row = i
                        .checked_sub(s.slice.start)
                        .and_then(|k| s.slice.rows.get(k as usize).cloned());
                    (s.key.clone(), i, row, cols.clone())
                })
                .collect::<Vec<_>>()
        })
    };
    let counts = move || {
        shown.with(|s| {
            let Some(s) = s else {
                return "…".to_owned();
            };
            let (t, m) = (s.slice.total, s.slice.matching);
            if t == m {
                format!("{} rows", format::thousands(t))
            } else {
                format!(
                    "{} of {} rows match",
                    format::thousands(m),
                    format::thousands(t)
                )
            }
        })
    };
    let notes = move || shown.with(|s| s.as_ref().map(|s| s.slice.notes.join("; ")));
    let save = move |csv: bool| {
        let query = Query::Export(Export::Table {
            table: table.get_untracked(),
            sort: sort.get_untracked(),
            search: search.get_untracked(),
            csv,
        });
        crate::ui::files::ask_and_save(state, query, |e| {
            leptos::logging::error!("wirelens: export: {e}")
        });
    };

    view! {
        <div
            class="data-table"
            id=id
            aria-busy=move || (busy.get() || updating.is_some_and(|u| u.get())).to_string()
        >
            <div class="table-tools">
                <input
                    type="search"
                    class="table-search"
                    placeholder="Search these rows"
                    aria-label="Search these rows"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <span class="table-count" data-testid="table-count">{counts}</span>
                <span class="muted table-notes">{notes}</span>
                <span class="spacer"></span>
                <button class="button small table-csv" title="These rows, in this order, as CSV" on:click=move |_| save(true)>"CSV"</button>
                <button class="button small table-json" title="These rows, in this order, as JSON" on:click=move |_| save(false)>"JSON"</button>
            </div>
            <div class="vt-body" tabindex="0" node_ref=body on:scroll=move |_| sc.scrolled(&vp.get_untracked()) on:scrollend=move |_| sc.settled(&vp.get_untracked()) on:keydown=on_key>
                <table class="grid data head" style:width=table_width>
                    {colgroup}
                    <thead>
                        <tr>{header}<th class="actions"></th></tr>
                    </thead>
                </table>
                <div class="vt-space" style:height=move || format!("{}px", vp.get().virtual_height())>
                    <table
                        class="grid data rows"
                        style:width=table_width
                        style:transform=move || format!("translateY({}px)", vp.get().offset())
                    >
                        {colgroup}
                        <tbody>
                            <For
                                each=visible
                                key=|(key, i, row, _)| (key.clone(), *i, row.is_some())
                                children=move |(_, i, row, cols)| table_row(state, i, row, &cols, selected, select)
                            />
                        </tbody>
                    </table>
                </div>
            </div>
        </div>
    }
}

fn header_cell(k: u16, c: Column, sortable: bool, sort: RwSignal<Option<Sort>>) -> impl IntoView {
    let numeric = c.numeric;
    let aria = move || match sort.get() {
        Some(s) if s.column == k && s.descending => "descending",
        Some(s) if s.column == k => "ascending",
        _ => "none",
    };
    let arrow = move || match sort.get() {
        Some(s) if s.column == k && s.descending => " ▼",
        Some(s) if s.column == k => " ▲",
        _ => "",
    };
    let click = move |_| {
        sort.update(|s| {
            *s = Some(match *s {
                Some(s) if s.column == k => Sort {
                    column: k,
                    descending: !s.descending,
                },
                _ => Sort {
                    column: k,
                    descending: numeric,
                },
            })
        })
    };
    let class = if numeric { "num" } else { "" };
    if !sortable {
        return view! { <th class=class data-col=c.key>{c.title}</th> }.into_any();
    }
    view! {
        <th class=class data-col=c.key aria-sort=aria>
            <button class="sort" title="Sort by this column" on:click=click>
                {c.title}
                <span class="arrow">{arrow}</span>
            </button>
        </th>
    }
    .into_any()
}

/// A column's width, em: numbers narrow (seconds to the nanosecond less so), addresses
/// and the text a row is about (a query's fingerprint, a URI, a key) wider.
fn width_of(c: &Column) -> f32 {
    match c.key.as_str() {
        k if c.numeric && (k.ends_with("_s") || k == "latency") => 9.5,
        _ if c.numeric => 7.5,
        "fingerprint" | "query" | "uri" | "key" => 22.0,
        "a" | "b" | "address" | "laddr" | "raddr" => 16.0,
        "summary" | "protocol" => 18.0,
        _ => 11.0,
    }
}

/// Width of the buttons' column, em.
const ACTIONS_EM: f32 = 15.0;

fn table_row(
    state: AppState,
    i: u64,
    row: Option<TableRow>,
    cols: &[(String, bool)],
    selected: RwSignal<Option<u64>>,
    select: impl Fn(u64) + Copy + 'static,
) -> impl IntoView {
    let is_selected = move || selected.get() == Some(i);
    let Some(r) = row else {
        return view! {
            <tr class="pending"><td class="muted" colspan="99">"…"</td></tr>
        }
        .into_any();
    };
    let depth = r.depth;
    let cells = r
        .cells
        .iter()
        .enumerate()
        .map(|(k, text)| {
            let indent =
                (k == 0 && depth > 0).then(|| format!("calc(8px + {}em)", f32::from(depth) * 1.5));
            let (key, numeric) = cols.get(k).cloned().unwrap_or_default();
            let class = format!("c-{key}{}", if numeric { " num" } else { "" });
            view! {
                <td class=class style:padding-left=indent title=text.clone()>{text.clone()}</td>
            }
        })
        .collect_view();
    let filter = r.filter.clone();
    let apply = {
        let filter = filter.clone();
        move || {
            if let Some(f) = filter.clone() {
                state.apply_filter_text(f);
            }
        }
    };
    let apply_click = apply.clone();
    let filter_button = filter.clone().map(|f| {
        view! {
            <button
                class="button small row-filter"
                title=format!("Apply the display filter {f}")
                data-filter=f
                on:click=move |ev| {
                    ev.stop_propagation();
                    apply_click();
                }
            >
                "Filter"
            </button>
        }
    });
    let go_button = r.frame.map(|frame| {
        view! {
            <button
                class="button small row-go"
                title=format!("Go to packet {frame}")
                on:click=move |ev| {
                    ev.stop_propagation();
                    state.go_to_frame(frame);
                }
            >
                "Go to"
            </button>
        }
    });
    let follow_button = r.follow.map(|stream| {
        view! {
            <button
                class="button small row-follow"
                title=format!("Follow {} stream {}", if stream.udp { "UDP" } else { "TCP" }, stream.stream)
                on:click=move |ev| {
                    ev.stop_propagation();
                    state.follow_stream(stream);
                }
            >
                "Follow"
            </button>
        }
    });
    let mark = r.mark.clone();
    view! {
        <tr
            data-testid="table-row"
            data-index=i.to_string()
            data-filter=filter.unwrap_or_default()
            data-mark=mark.clone()
            class=if mark.is_empty() { String::new() } else { format!("mark-{mark}") }
            class:selected=is_selected
            on:click=move |_| select(i)
            on:dblclick=move |_| apply()
        >
            {cells}
            <td class="actions">{filter_button}{follow_button}{go_button}</td>
        </tr>
    }
    .into_any()
}
