use super::axis::{short, ticks};
use crate::ui::resize::observe_width;
use crate::ui::state::{use_state, Scope};
use leptos::html;
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, IoGraph, IoSeriesSpec, Query};

/// Series colours, in order.
const COLOURS: [&str; 6] = [
    "#1f6feb", "#d1242f", "#1a7f37", "#bf8700", "#8250df", "#0a7ea4",
];
/// Intervals offered, µs (0: chosen by the worker).
const INTERVALS: [(u64, &str); 8] = [
    (0, "auto"),
    (1_000, "1 ms"),
    (10_000, "10 ms"),
    (100_000, "100 ms"),
    (1_000_000, "1 s"),
    (10_000_000, "10 s"),
    (60_000_000, "1 min"),
    (600_000_000, "10 min"),
];
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 28.0;

/// Packets or bytes per interval, a series per filter (each over the displayed
/// packets), as `tshark -z io,stat` counts them. Hovering shows each series' value;
/// dragging across a range applies it as a time filter.
#[component]
pub fn IoGraphView() -> impl IntoView {
    let state = use_state();
    let series = RwSignal::new(vec![IoSeriesSpec {
        filter: String::new(),
        bytes: false,
    }]);
    // What is typed in each series' field, applied on Enter or "Draw".
    let drafts = RwSignal::new(vec![String::new()]);
    let interval = RwSignal::new(0u64);
    let graph = RwSignal::new(None::<IoGraph>);
    let busy = RwSignal::new(false);
    let box_ = NodeRef::<html::Div>::new();
    let width = RwSignal::new(800.0);
    observe_width(box_, width);
    let hover = RwSignal::new(None::<usize>);
    let brush = RwSignal::new(None::<(f64, f64)>);
    let asked = StoredValue::new(0u32);

    Effect::new(move |_| {
        state.view.track();
        let (series, interval_us) = (series.get(), interval.get());
        let k = asked.get_value() + 1;
        asked.set_value(k);
        busy.set(true);
        state.ask(
            Query::IoGraph {
                series,
                interval_us,
            },
            Scope::View,
            move |a| {
                if asked.try_get_value() != Some(k) {
                    return;
                }
                busy.try_set(false);
                if let Answer::IoGraph(g) = a {
                    graph.try_set(Some(g));
                }
            },
        );
    });

    let plot_w = move || (width.get() - LEFT - RIGHT).max(100.0);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = move || {
        graph.with(|g| {
            g.as_ref().map_or(0, |g| {
                g.series.iter().map(|s| s.values.len()).max().unwrap_or(0)
            })
        })
    };
    let max = move || {
        graph.with(|g| {
            g.as_ref().map_or(0, |g| {
                g.series
                    .iter()
                    .flat_map(|s| s.values.iter().copied())
                    .max()
                    .unwrap_or(0)
            })
        }) as f64
    };
    let yticks = move || ticks(max(), 5);
    let ymax = move || yticks().last().copied().unwrap_or(1.0).max(1.0);
    let x_of = move |i: f64| LEFT + i * plot_w() / n().max(1) as f64;
    let y_of = move |v: f64| TOP + plot_h - v / ymax() * plot_h;
    let interval_s = move || graph.with(|g| g.as_ref().map_or(1.0, |g| g.interval_us as f64 / 1e6));
    // The interval under a point of the plot.
    let bucket_at = move |x: f64| {
        let i = ((x - LEFT) / plot_w() * n() as f64).floor();
        (i >= 0.0 && (i as usize) < n()).then_some(i as usize)
    };
    // The pointer's x in the chart, whatever element of it is under the pointer.
    let svg_x = move |ev: &leptos::ev::MouseEvent| {
        use wasm_bindgen::JsCast;
        let left = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .map_or(0.0, |e| e.get_bounding_client_rect().left());
        f64::from(ev.client_x()) - left
    };

    let lines = move || {
        graph.with(|g| {
            let Some(g) = g else { return Vec::new() };
            g.series
                .iter()
                .enumerate()
                .filter(|(_, s)| s.error.is_none())
                .map(|(k, s)| {
                    let points = s
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| format!("{:.1},{:.1}", x_of(i as f64 + 0.5), y_of(*v as f64)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    view! {
                        <polyline
                            class="io-line"
                            data-series=k.to_string()
                            points=points
                            fill="none"
                            stroke=COLOURS[k % COLOURS.len()]
                            stroke-width="1.5"
                        />
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let y_axis = move || {
        yticks()
            .into_iter()
            .map(|t| {
                let y = y_of(t);
                view! {
                    <line class="grid-line" x1=LEFT x2=move || LEFT + plot_w() y1=y y2=y />
                    <text class="axis-label" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{short(t)}</text>
                }
            })
            .collect::<Vec<_>>()
    };
    let x_axis = move || {
        let n = n();
        if n == 0 {
            return Vec::new();
        }
        let span = n as f64 * interval_s();
        ticks(span, 8)
            .into_iter()
            .filter(|t| *t <= span)
            .map(|t| {
                let x = x_of(t / interval_s());
                view! {
                    <line class="axis-tick" x1=x x2=x y1=TOP + plot_h y2=TOP + plot_h + 4.0 />
                    <text class="axis-label" x=x y=HEIGHT - 8.0 text-anchor="middle">{format!("{}s", short(t))}</text>
                }
            })
            .collect::<Vec<_>>()
    };
    let tooltip = move || {
        let i = hover.get()?;
        graph.with(|g| {
            let g = g.as_ref()?;
            let t0 = i as f64 * g.interval_us as f64 / 1e6;
            let t1 = t0 + g.interval_us as f64 / 1e6;
            let rows = g
                .series
                .iter()
                .enumerate()
                .filter(|(_, s)| s.error.is_none())
                .map(|(k, s)| {
                    let what = if s.filter.is_empty() { "all".to_owned() } else { s.filter.clone() };
                    let unit = if s.bytes { "bytes" } else { "packets" };
                    view! {
                        <div>
                            <span class="swatch-dot" style:background=COLOURS[k % COLOURS.len()]></span>
                            {format!("{what}: {} {unit}", s.values.get(i).copied().unwrap_or(0))}
                        </div>
                    }
                })
                .collect_view();
            let left = (x_of(i as f64 + 0.5) + 12.0).min(width.get() - 220.0);
            Some(view! {
                <div class="chart-tip" id="io-tip" style:left=format!("{left}px")>
                    <strong>{format!("{t0:.3} s – {t1:.3} s")}</strong>
                    {rows}
                </div>
            })
        })
    };
    let apply_brush = move |(a, b): (f64, f64)| {
        let (Some(i), Some(j)) = (bucket_at(a.min(b)), bucket_at(a.max(b))) else {
            return;
        };
        let step = interval_s();
        let (t0, t1) = (i as f64 * step, (j + 1) as f64 * step);
        let range = format!("frame.time_relative >= {t0:.6} && frame.time_relative < {t1:.6}");
        let current = state
            .filter
            .with_untracked(|f| f.as_ref().map(|f| f.text.trim().to_owned()))
            .unwrap_or_default();
        let text = if current.is_empty() {
            range
        } else {
            format!("({current}) && {range}")
        };
        state.apply_filter_text(text);
    };

    let editor = move || {
        series
            .get()
            .into_iter()
            .enumerate()
            .map(|(k, spec)| {
                let err = graph.with(|g| {
                    g.as_ref()
                        .and_then(|g| g.series.get(k))
                        .and_then(|s| s.error.clone())
                        .map(|e| e.message)
                });
                let draw = move || {
                    let text = drafts.with_untracked(|d| d.get(k).cloned().unwrap_or_default());
                    series.update(|s| {
                        if let Some(x) = s.get_mut(k) {
                            x.filter = text;
                        }
                    });
                };
                view! {
                    <div class="io-series" data-series=k.to_string()>
                        <span class="swatch-dot" style:background=COLOURS[k % COLOURS.len()]></span>
                        <input
                            type="text"
                            class="io-filter field-input"
                            spellcheck="false"
                            placeholder="Display filter (empty: every displayed packet)"
                            prop:value=spec.filter.clone()
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                drafts.update(|d| {
                                    if let Some(x) = d.get_mut(k) {
                                        *x = v;
                                    }
                                })
                            }
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Enter" {
                                    draw();
                                }
                            }
                        />
                        <select class="io-unit" on:change=move |ev| {
                            let bytes = event_target_value(&ev) == "bytes";
                            series.update(|s| {
                                if let Some(x) = s.get_mut(k) {
                                    x.bytes = bytes;
                                }
                            })
                        }>
                            <option value="packets" selected=!spec.bytes>"Packets"</option>
                            <option value="bytes" selected=spec.bytes>"Bytes"</option>
                        </select>
                        <button class="button small io-remove" disabled=k == 0 on:click=move |_| {
                            series.update(|s| {
                                s.remove(k);
                            });
                            drafts.update(|d| {
                                d.remove(k);
                            });
                        }>"Remove"</button>
                        {err.map(|e| view! { <span class="filter-error io-error">{e}</span> })}
                    </div>
                }
            })
            .collect_view()
    };
    let data_table = move || {
        graph.with(|g| {
            let g = g.as_ref()?;
            let step = g.interval_us as f64 / 1e6;
            let head = g
                .series
                .iter()
                .map(|s| {
                    let what = if s.filter.is_empty() { "all".to_owned() } else { s.filter.clone() };
                    let unit = if s.bytes { "bytes" } else { "packets" };
                    view! { <th>{format!("{what} ({unit})")}</th> }
                })
                .collect_view();
            let rows = (0..g.series.iter().map(|s| s.values.len()).max().unwrap_or(0))
                .map(|i| {
                    let cells = g
                        .series
                        .iter()
                        .map(|s| view! { <td class="num">{s.values.get(i).copied().unwrap_or(0)}</td> })
                        .collect_view();
                    view! {
                        <tr data-testid="io-row">
                            <td class="num">{format!("{:.6}", i as f64 * step)}</td>
                            {cells}
                        </tr>
                    }
                })
                .collect_view();
            Some(view! {
                <table class="grid io-data" id="io-data">
                    <thead><tr><th>"Interval start (s)"</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })
        })
    };

    view! {
        <div class="io-graph">
            <div class="table-tools">
                <label class="inline">
                    "Interval "
                    <select id="io-interval" on:change=move |ev| {
                        interval.set(event_target_value(&ev).parse().unwrap_or(0));
                    }>
                        {INTERVALS
                            .iter()
                            .map(|(us, label)| view! { <option value=us.to_string()>{*label}</option> })
                            .collect_view()}
                    </select>
                </label>
                <span class="muted" id="io-interval-shown">
                    {move || graph.with(|g| g.as_ref().map(|g| format!("{} per point", super::axis::duration_ns(g.interval_us * 1000))))}
                </span>
                <button class="button small" id="io-add" on:click=move |_| {
                    series.update(|s| s.push(IoSeriesSpec { filter: String::new(), bytes: false }));
                    drafts.update(|d| d.push(String::new()));
                }>"Add series"</button>
                <button class="button small" id="io-draw" on:click=move |_| {
                    let d = drafts.get_untracked();
                    series.update(|s| {
                        for (x, text) in s.iter_mut().zip(d) {
                            x.filter = text;
                        }
                    });
                }>"Draw"</button>
                <span class="muted">{move || busy.get().then_some("counting…")}</span>
                <span class="muted">"Drag across the graph to filter on that time range."</span>
            </div>
            <div class="io-editor">{editor}</div>
            <div class="chart-box" node_ref=box_>
                <svg
                    id="io-svg"
                    class="chart"
                    width=move || width.get()
                    height=HEIGHT
                    shape-rendering="crispEdges"
                    on:mousemove=move |ev| {
                        let x = svg_x(&ev);
                        hover.set(bucket_at(x));
                        if let Some((a, _)) = brush.get_untracked() {
                            brush.set(Some((a, x)));
                        }
                    }
                    on:mouseleave=move |_| hover.set(None)
                    on:mousedown=move |ev| {
                        let x = svg_x(&ev);
                        brush.set(Some((x, x)));
                    }
                    on:mouseup=move |_| {
                        if let Some((a, b)) = brush.get_untracked() {
                            brush.set(None);
                            if (a - b).abs() > 4.0 {
                                apply_brush((a, b));
                            }
                        }
                    }
                >
                    <rect class="plot-bg" x=LEFT y=TOP width=plot_w height=plot_h />
                    {y_axis}
                    {x_axis}
                    <g shape-rendering="geometricPrecision">{lines}</g>
                    {move || hover.get().map(|i| {
                        let x = x_of(i as f64 + 0.5);
                        view! { <line class="hover-line" x1=x x2=x y1=TOP y2=TOP + plot_h /> }
                    })}
                    {move || brush.get().map(|(a, b)| {
                        view! { <rect class="brush" id="io-brush" x=a.min(b) y=TOP width=(a - b).abs() height=plot_h /> }
                    })}
                </svg>
                {tooltip}
            </div>
            <details class="io-data-box">
                <summary>"Data"</summary>
                {data_table}
            </details>
        </div>
    }
}
