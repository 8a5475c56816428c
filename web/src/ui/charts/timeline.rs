use crate::ui::format;
use crate::ui::resize::{observe_height, observe_width};
use crate::ui::state::{use_state, Scope};
use crate::ui::virtual_rows::{Scroller, Viewport};
use leptos::prelude::*;
use wirelens_web::protocol::{Answer, Bar, Query, Timeline};

/// Height of a bar's row, px (the CSS gives rows exactly this).
const ROW_H: f64 = 18.0;
/// Width of the labels, px.
const LABEL_W: f64 = 300.0;
/// Bars fetched beyond the visible ones, each way.
const AHEAD: u64 = 100;

/// Each conversation a bar from its first packet to its last on the capture's time
/// axis, by start or longest first; the slowest tenth stand out. A bar follows its
/// stream.
#[component]
pub fn TimelineView() -> impl IntoView {
    let state = use_state();
    let longest = RwSignal::new(false);
    let data = RwSignal::new(None::<(bool, Timeline)>);
    let asked = StoredValue::new(0u32);
    let sc = Scroller::new();
    let height = RwSignal::new(0.0);
    let width = RwSignal::new(800.0);
    observe_height(sc.body, height);
    observe_width(sc.body, width);
    let total = move || data.with(|d| d.as_ref().map_or(0, |d| d.1.total));
    let vp = Memo::new(move |_| Viewport {
        total: total(),
        row_h: ROW_H,
        height: height.get(),
        scroll_top: sc.scroll_top.get(),
        pos: sc.pos.get(),
    });
    Effect::new(move |_| {
        state.view.track();
        longest.track();
        sc.go(&vp.get_untracked(), 0.0);
    });
    Effect::new(move |_| {
        state.view.track();
        let lf = longest.get();
        let v = vp.get();
        let (first, n) = (v.first(), v.count().max(40));
        let covered = data.with_untracked(|d| {
            d.as_ref().is_some_and(|(l, t)| {
                *l == lf
                    && t.start <= first
                    && t.start + t.bars.len() as u64 >= (first + n).min(t.total)
            })
        });
        if covered {
            return;
        }
        let k = asked.get_value() + 1;
        asked.set_value(k);
        let query = Query::Timeline {
            start: first.saturating_sub(AHEAD),
            count: (n + 2 * AHEAD) as u32,
            longest_first: lf,
        };
        state.ask(query, Scope::View, move |a| {
            if asked.try_get_value() != Some(k) {
                return;
            }
            if let Answer::Timeline(t) = a {
                data.try_set(Some((lf, t)));
            }
        });
    });
    let scale = move || {
        let span = data
            .with(|d| d.as_ref().map_or(1.0, |d| d.1.span))
            .max(1e-9);
        ((width.get() - LABEL_W - 16.0).max(50.0)) / span
    };
    let visible = move || {
        let v = vp.get();
        let (first, n) = (v.first(), v.count());
        data.with(|d| {
            let Some((lf, t)) = d else { return Vec::new() };
            (first..first + n)
                .map(|i| {
                    let bar = i
                        .checked_sub(t.start)
                        .and_then(|k| t.bars.get(k as usize).cloned());
                    ((*lf, i), bar, t.slow)
                })
                .collect::<Vec<_>>()
        })
    };
    let bar_view = move |bar: Option<Bar>, slow: f64| {
        let Some(b) = bar else {
            return view! { <div class="tl-row pending">"…"</div> }.into_any();
        };
        let duration = b.end - b.start;
        let is_slow = duration >= slow && duration > 0.0;
        let stream = b.stream;
        let title = format!(
            "{}\nstart {:.6} s, lasted {:.6} s\n{} packets, {} bytes",
            b.label,
            b.start,
            duration,
            format::thousands(b.packets),
            format::thousands(b.bytes)
        );
        view! {
            <div
                class="tl-row"
                class:slow=is_slow
                data-testid="timeline-bar"
                data-stream=b.stream.stream.to_string()
                data-start=format!("{:.6}", b.start)
                data-duration=format!("{duration:.6}")
                title=title
                on:click=move |_| state.follow_stream(stream)
            >
                <span class="tl-label">{b.label.clone()}</span>
                <span
                    class="tl-bar"
                    style:left=move || format!("{}px", LABEL_W + b.start * scale())
                    style:width=move || format!("{}px", (duration * scale()).max(2.0))
                ></span>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="timeline">
            <div class="table-tools">
                <label class="check">
                    <input type="checkbox" id="tl-longest" on:change=move |ev| longest.set(event_target_checked(&ev)) />
                    "Longest first"
                </label>
                <span class="muted" id="tl-count">
                    {move || data.with(|d| d.as_ref().map(|(_, t)| format!(
                        "{} conversations over {:.3} s; the slowest tenth (≥ {:.6} s) in red; a bar follows its stream",
                        format::thousands(t.total), t.span, t.slow
                    )))}
                </span>
            </div>
            <div class="tl-body" node_ref=sc.body on:scroll=move |_| sc.scrolled(&vp.get_untracked()) on:scrollend=move |_| sc.settled(&vp.get_untracked())>
                <div class="vt-space" style:height=move || format!("{}px", vp.get().virtual_height())>
                    <div class="tl-rows" style:transform=move || format!("translateY({}px)", vp.get().offset())>
                        <For each=visible key=|(k, b, _)| (*k, b.is_some()) children=move |(_, b, slow)| bar_view(b, slow) />
                    </div>
                </div>
            </div>
        </div>
    }
}
