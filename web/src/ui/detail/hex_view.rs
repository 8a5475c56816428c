use super::shown::DetailState;
use crate::ui::resize::observe_height;
use crate::ui::virtual_rows::{Scroller, Viewport};
use leptos::prelude::*;

/// Height of a line, px (the CSS gives lines exactly this).
const LINE_H: f64 = 18.0;

/// Width of a line after its offset, in characters: the offset's margin (1.5), 16 bytes
/// of hex with their spaces and the gap after the eighth (49), the ASCII's margin (1.5)
/// and 16 characters.
const LINE_CH: usize = 68;

/// Hex digits of the offsets of `len` bytes, as `tshark -x` prints them.
fn offset_digits(len: usize) -> usize {
    match len.saturating_sub(1) {
        0..=0xffff => 4,
        0x1_0000..=0xf_ffff => 5,
        0x10_0000..=0xff_ffff => 6,
        _ => 8,
    }
}

/// The packet's bytes, 16 a line in hex and ASCII, as `tshark -x` prints them; the bytes
/// of the selected field are highlighted, and clicking a byte selects the deepest field
/// that holds it. A packet with bytes reassembled from several segments has a tab per
/// source. Only the lines on screen exist (a reassembled PDU can be megabytes).
#[component]
pub fn HexView(ds: DetailState) -> impl IntoView {
    let sc = Scroller::new();
    let height = RwSignal::new(0.0);
    observe_height(sc.body, height);
    let bytes_len = move || {
        ds.shown.with(|s| {
            s.as_ref()
                .and_then(|s| s.sources.get(ds.source.get() as usize).map(|b| b.1.len()))
                .unwrap_or(0)
        })
    };
    let vp = Memo::new(move |_| Viewport {
        total: (bytes_len() as u64).div_ceil(16),
        row_h: LINE_H,
        height: height.get(),
        scroll_top: sc.scroll_top.get(),
        pos: sc.pos.get(),
    });
    // The selected field's bytes in the source shown.
    let range = Memo::new(move |_| {
        let i = ds.selected.get()?;
        ds.shown.with(|s| {
            let n = s.as_ref()?.nodes.get(i as usize)?;
            (n.size > 0 && n.source == ds.source.get()).then_some((n.pos, n.pos + n.size))
        })
    });
    // Scroll to the selection when it is off screen.
    Effect::new(move |_| {
        if let Some((lo, _)) = range.get() {
            sc.show(&vp.get_untracked(), u64::from(lo / 16));
        }
    });
    Effect::new(move |_| {
        ds.shown.track();
        ds.source.track();
        sc.go(&vp.get_untracked(), 0.0);
    });
    let pick = move |off: u32| {
        let Some(s) = ds.shown.get_untracked() else {
            return;
        };
        if let Some(i) = s.node_at(ds.source.get_untracked(), off) {
            ds.select(i);
            ds.reveal.set(Some(i));
        }
    };
    let lines = move || {
        let v = vp.get();
        let (first, n) = (v.first(), v.count());
        let frame = ds.shown.with(|s| s.as_ref().map_or(0, |s| s.frame));
        let source = ds.source.get();
        (first..first + n)
            .map(|l| (frame, source, l))
            .collect::<Vec<_>>()
    };
    let line = move |l: u64| {
        let Some(s) = ds.shown.get_untracked() else {
            return ().into_any();
        };
        let src = ds.source.get_untracked() as usize;
        let Some((_, bytes)) = s.sources.get(src) else {
            return ().into_any();
        };
        let start = (l * 16) as usize;
        let chunk: Vec<u8> = bytes[start.min(bytes.len())..(start + 16).min(bytes.len())].to_vec();
        let digits = offset_digits(bytes.len());
        let hl = move |off: u32| range.with(|r| r.is_some_and(|(a, b)| a <= off && off < b));
        let hex = chunk
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let off = (start + k) as u32;
                let gap = if k == 8 { " gap" } else { "" };
                view! {
                    <span class=format!("hx{gap}") class:hl=move || hl(off) data-off=off.to_string() on:click=move |_| pick(off)>
                        {format!("{b:02x}")}
                    </span>
                }
            })
            .collect_view();
        let ascii = chunk
            .iter()
            .enumerate()
            .map(|(k, &b)| {
                let off = (start + k) as u32;
                let c = if (0x20..0x7f).contains(&b) { b as char } else { '.' };
                view! {
                    <span class="ch" class:hl=move || hl(off) on:click=move |_| pick(off)>{c.to_string()}</span>
                }
            })
            .collect_view();
        view! {
            <div class="hex-line" data-testid="hex-line">
                <span class="hex-off">{format!("{start:0digits$x}")}</span>
                <span class="hex-bytes">{hex}</span>
                <span class="hex-ascii">{ascii}</span>
            </div>
        }
        .into_any()
    };
    let tabs = move || {
        ds.shown.with(|s| {
            let s = s.as_ref()?;
            (s.sources.len() > 1).then(|| {
                s.sources
                    .iter()
                    .enumerate()
                    .map(|(k, (name, _))| {
                        let k = k as u8;
                        view! {
                            <button
                                class="layer"
                                class:active=move || ds.source.get() == k
                                data-source=k.to_string()
                                on:click=move |_| ds.source.set(k)
                            >
                                {name.clone()}
                            </button>
                        }
                    })
                    .collect_view()
            })
        })
    };
    view! {
        <div class="hex-box">
            <div class="layer-tabs" id="hex-sources">{tabs}</div>
            <div class="hex-view" id="hex-view" node_ref=sc.body on:scroll=move |_| sc.scrolled(&vp.get_untracked())>
                // The lines are positioned, so the space gives the pane a full line's width.
                <div
                    class="vt-space"
                    style:height=move || format!("{}px", vp.get().virtual_height())
                    style:width=move || format!("calc({}ch + 16px)", offset_digits(bytes_len()) + LINE_CH)
                >
                    <div class="hex-lines" style:transform=move || format!("translateY({}px)", vp.get().offset())>
                        <For each=lines key=|k| *k children=move |(_, _, l)| line(l) />
                    </div>
                </div>
            </div>
        </div>
    }
}
