use super::axis::{duration_ns, short, ticks};
use crate::ui::format;
use crate::ui::state::{use_state, Scope, APPS};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, LatencyHistogram, Query};

const W: f64 = 560.0;
const H: f64 = 200.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 8.0;

/// Latency histograms, one per protocol the capture has (the transactions with a
/// displayed packet), from the packet that completed the request to the one that
/// completed the response, in buckets that double; with the median, 90th and 99th
/// percentiles.
#[component]
pub fn LatencyView() -> impl IntoView {
    let state = use_state();
    let hists = RwSignal::new(None::<Vec<LatencyHistogram>>);
    Effect::new(move |_| {
        state.view.track();
        state.ask(Query::Latency, Scope::View, move |a| {
            if let Answer::Latency(h) = a {
                hists.try_set(Some(h));
            }
        });
    });
    view! {
        <div class="latency" id="latency">
            {move || match hists.get() {
                None => view! { <p class="muted pad">"counting…"</p> }.into_any(),
                Some(h) if h.is_empty() => view! {
                    <p class="muted pad">"No transactions with a request and a response among the displayed packets."</p>
                }.into_any(),
                Some(h) => h.into_iter().map(histogram).collect_view().into_any(),
            }}
        </div>
    }
}

fn histogram(h: LatencyHistogram) -> impl IntoView {
    let title = APPS
        .iter()
        .find(|(n, _)| *n == h.proto)
        .map_or(h.proto.clone(), |(_, t)| t.to_string());
    // Only the buckets from the first with a transaction.
    let from = h.buckets.iter().position(|b| b.2 > 0).unwrap_or(0);
    let buckets = &h.buckets[from..];
    let n = buckets.len().max(1) as f64;
    let max = buckets.iter().map(|b| b.2).max().unwrap_or(0) as f64;
    let yt = ticks(max, 4);
    let ymax = yt.last().copied().unwrap_or(1.0).max(1.0);
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let bw = plot_w / n;
    let bars = buckets
        .iter()
        .enumerate()
        .map(|(i, &(lo, hi, count))| {
            let x = LEFT + i as f64 * bw;
            let bh = count as f64 / ymax * plot_h;
            let label = format!(
                "{} – {}: {} transaction{}",
                duration_ns(lo),
                duration_ns(hi),
                format::thousands(count),
                if count == 1 { "" } else { "s" }
            );
            view! {
                <g data-testid="latency-bucket" data-lo=lo.to_string() data-hi=hi.to_string() data-count=count.to_string()>
                    <rect class="lat-bar" x=x + 1.0 y=TOP + plot_h - bh width=(bw - 2.0).max(1.0) height=bh>
                        <title>{label}</title>
                    </rect>
                    <text class="axis-label" x=x + bw / 2.0 y=H - BOTTOM + 14.0 text-anchor="middle">
                        {if i % 2 == 0 { duration_ns(lo) } else { String::new() }}
                    </text>
                </g>
            }
        })
        .collect_view();
    let axis = yt
        .iter()
        .map(|&t| {
            let y = TOP + plot_h - t / ymax * plot_h;
            view! {
                <line class="grid-line" x1=LEFT x2=W - 8.0 y1=y y2=y />
                <text class="axis-label" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{short(t)}</text>
            }
        })
        .collect_view();
    view! {
        <section class="lat-chart" data-proto=h.proto.clone()>
            <h3>
                {title} " "
                <span class="muted lat-stats">
                    {format!(
                        "{} transactions · median {} · p90 {} · p99 {} · max {}",
                        format::thousands(h.count),
                        duration_ns(h.p50),
                        duration_ns(h.p90),
                        duration_ns(h.p99),
                        duration_ns(h.max)
                    )}
                </span>
            </h3>
            <svg class="chart" width=W height=H shape-rendering="crispEdges">
                {axis}
                {bars}
                <text class="axis-label" x=LEFT + plot_w / 2.0 y=H - 6.0 text-anchor="middle">"latency (buckets double)"</text>
            </svg>
        </section>
    }
}
