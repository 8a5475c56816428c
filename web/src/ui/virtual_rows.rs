//! The arithmetic of a virtualized list: only the rows on screen exist in the page. A
//! scroll area as tall as all the rows would pass what browsers allow an element
//! (Chromium stops near 33.5 million px, Firefox near 17.9 million: about a million rows),
//! so beyond [`MAX_PX`] the scroll bar maps proportionally onto the rows: one pixel of it
//! is several rows. The list keeps its own position (`pos`, in rows) and moves it by rows
//! exactly when the user scrolls a little (a wheel notch, a swipe, a screen), as a short
//! list would: only a jump (dragging the thumb, Home, End) goes where the scroll bar
//! points. The scroll bar then drifts from where its proportion puts the position; it is
//! put back ("anchored") when the scrolling stops, or at once when it reaches an end of
//! the scroll area while rows are left beyond it.

use leptos::html;
use leptos::prelude::*;

/// The tallest scroll area made.
const MAX_PX: f64 = 8_000_000.0;

/// Within this of either end (px) the scroll area moves with the rows one to one, so
/// that a scroll anchored near an end has room to move by rows to that end.
const EDGE_PX: f64 = 100_000.0;

/// A list's geometry at one moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Rows in the list.
    pub total: u64,
    /// Height of a row, px.
    pub row_h: f64,
    /// Height of the visible area, px.
    pub height: f64,
    /// The scroll area's `scrollTop`, px.
    pub scroll_top: f64,
    /// The row at the top of the visible area, with the fraction of it scrolled out.
    pub pos: f64,
}

impl Viewport {
    /// Height of the scroll area.
    pub fn virtual_height(&self) -> f64 {
        (self.total as f64 * self.row_h).min(MAX_PX)
    }

    /// How far `scrollTop` can go.
    fn max_scroll(&self) -> f64 {
        (self.virtual_height() - self.height).max(0.0)
    }

    /// How far the rows' top can go above the visible area, px of rows.
    fn max_rows_px(&self) -> f64 {
        (self.total as f64 * self.row_h - self.height).max(0.0)
    }

    /// Whether a pixel of scroll is more than a pixel of rows.
    fn scaled(&self) -> bool {
        self.max_rows_px() > self.max_scroll()
    }

    /// The highest `pos`.
    fn max_pos(&self) -> f64 {
        self.max_rows_px() / self.row_h
    }

    /// The scroll area's px and the rows' px that stand for each other: one to one
    /// within [`EDGE_PX`] of either end, proportional between.
    fn map(&self, from: f64, from_max: f64, to_max: f64) -> f64 {
        let x = from.clamp(0.0, from_max);
        let edge = EDGE_PX.min(self.max_scroll() / 4.0);
        if x <= edge {
            x.min(to_max)
        } else if x >= from_max - edge {
            to_max - (from_max - x)
        } else {
            edge + (x - edge) / (from_max - 2.0 * edge) * (to_max - 2.0 * edge)
        }
    }

    /// The position a `scrollTop` stands for (a jump to it).
    pub fn pos_for(&self, scroll_top: f64) -> f64 {
        self.map(scroll_top, self.max_scroll(), self.max_rows_px()) / self.row_h
    }

    /// The `scrollTop` of a position.
    pub fn scroll_for(&self, pos: f64) -> f64 {
        self.map(pos * self.row_h, self.max_rows_px(), self.max_scroll())
    }

    /// The position after the user scrolled the area from `scroll_top` to `top`. Moves of
    /// up to two screens move the rows as far, px for px; longer ones (the thumb dragged,
    /// Home, End: a pixel of thumb is thousands of px of scroll) go where the scroll bar
    /// points.
    pub fn pos_after_scroll(&self, top: f64) -> f64 {
        let moved = top - self.scroll_top;
        if !self.scaled() || moved.abs() > 2.0 * self.height {
            return self.pos_for(top);
        }
        (self.pos + moved / self.row_h).clamp(0.0, self.max_pos())
    }

    /// Whether the scroll bar stands where the position puts it (to a pixel of rounding).
    pub fn anchored(&self) -> bool {
        (self.scroll_top - self.scroll_for(self.pos)).abs() <= 1.0
    }

    /// Whether the scroll area stands at an end though it should not: scrolling on that
    /// way would stop there with rows left.
    fn stuck(&self) -> bool {
        !self.anchored() && (self.scroll_top <= 0.0 || self.scroll_top >= self.max_scroll() - 1.0)
    }

    fn clamped_pos(&self) -> f64 {
        self.pos.clamp(0.0, self.max_pos())
    }
    /// The first row drawn.
    pub fn first(&self) -> u64 {
        (self.clamped_pos().floor() as u64).min(self.total.saturating_sub(1))
    }

    /// Where the first drawn row goes, px from the scroll area's top: at the top of the
    /// visible area, less the part of it scrolled out.
    pub fn offset(&self) -> f64 {
        let pos = self.clamped_pos();
        self.scroll_top.clamp(0.0, self.max_scroll()) - (pos - pos.floor()) * self.row_h
    }

    /// Rows drawn: those that fit, plus one partly shown.
    pub fn count(&self) -> u64 {
        ((self.height / self.row_h).ceil() as u64 + 1)
            .min(self.total - self.first().min(self.total))
    }

    /// Rows wholly visible.
    pub fn whole_rows(&self) -> u64 {
        ((self.height / self.row_h).floor() as u64).max(1)
    }

    /// The position that makes row `row` wholly visible, moving as little as it can; None
    /// when it is already.
    pub fn pos_to_show(&self, row: u64) -> Option<f64> {
        let pos = self.clamped_pos();
        let row = row as f64;
        let whole = self.height / self.row_h;
        if row < pos {
            Some(row)
        } else if row + 1.0 > pos + whole {
            Some((row + 1.0 - whole).min(self.max_pos()))
        } else {
            None
        }
    }
}

/// The scroll state of a virtualized list, and the element it scrolls.
#[derive(Clone, Copy)]
pub struct Scroller {
    pub body: NodeRef<html::Div>,
    pub scroll_top: RwSignal<f64>,
    pub pos: RwSignal<f64>,
}

impl Scroller {
    pub fn new() -> Self {
        Scroller {
            body: NodeRef::new(),
            scroll_top: RwSignal::new(0.0),
            pos: RwSignal::new(0.0),
        }
    }

    /// After a `scroll` event: the user's scrolling moves the position (the list's own
    /// moved it already and left nothing to move).
    pub fn scrolled(&self, vp: &Viewport) {
        let Some(el) = self.body.get_untracked() else {
            return;
        };
        let top = f64::from(el.scroll_top());
        let now = Viewport {
            pos: vp.pos_after_scroll(top),
            scroll_top: top,
            ..*vp
        };
        self.pos.set(now.pos);
        self.scroll_top.set(top);
        if now.stuck() {
            self.go(&now, now.pos);
        }
    }

    /// After a `scrollend` event: the scroll bar goes back to where the position puts it
    /// (moving no row), so that the thumb tells where the list stands.
    pub fn settled(&self, vp: &Viewport) {
        let Some(el) = self.body.get_untracked() else {
            return;
        };
        // A scroll not reported yet has its own `scrollend` to come.
        if f64::from(el.scroll_top()) == vp.scroll_top && !vp.anchored() {
            self.go(vp, vp.pos);
        }
    }

    /// Puts position `pos` at the top.
    pub fn go(&self, vp: &Viewport, pos: f64) {
        self.pos.set(pos);
        let top = vp.scroll_for(pos);
        if let Some(el) = self.body.get_untracked() {
            el.set_scroll_top(top.round() as i32);
            self.scroll_top.set(f64::from(el.scroll_top()));
        }
    }

    /// Scrolls as little as needed to show row `row` whole.
    pub fn show(&self, vp: &Viewport, row: u64) {
        if let Some(pos) = vp.pos_to_show(row) {
            self.go(vp, pos);
        }
    }
}

#[cfg(test)]
mod test {
    use super::Viewport;

    fn vp(total: u64, scroll_top: f64) -> Viewport {
        let mut v = Viewport {
            total,
            row_h: 20.0,
            height: 400.0,
            scroll_top,
            pos: 0.0,
        };
        v.pos = v.pos_for(scroll_top);
        v
    }

    /// `v` after the user scrolled it to `top`.
    fn scroll(v: Viewport, top: f64) -> Viewport {
        let top = top.clamp(0.0, v.max_scroll());
        Viewport {
            pos: v.pos_after_scroll(top),
            scroll_top: top,
            ..v
        }
    }

    #[test]
    fn small_lists_scroll_one_to_one() {
        let v = vp(1000, 210.0);
        assert_eq!(v.virtual_height(), 20_000.0);
        assert_eq!(v.first(), 10);
        assert_eq!(v.offset(), 200.0);
        assert_eq!(v.count(), 21);
        assert_eq!(v.scroll_for(10.5), 210.0);
        assert!(v.anchored());
        assert_eq!(scroll(v, 230.0).pos, 11.5);
        assert_eq!(scroll(v, 15_000.0).pos, 750.0);
        assert_eq!(v.pos_to_show(11), None);
        assert_eq!(v.pos_to_show(10), Some(10.0));
        assert_eq!(v.pos_to_show(5), Some(5.0));
        assert_eq!(v.pos_to_show(40), Some(21.0));
    }

    #[test]
    fn huge_lists_map_the_scroll_area_onto_every_row() {
        let total = 20_000_000;
        let top = vp(total, 0.0);
        assert_eq!(top.virtual_height(), 8_000_000.0);
        assert_eq!(top.first(), 0);
        let end = vp(total, top.virtual_height() - 400.0);
        assert_eq!(end.first() + end.count(), total);
        assert!(end.pos_to_show(total - 1).is_none());
        // The middle of the scroll area is the middle of the rows.
        let middle = vp(total, (top.virtual_height() - 400.0) / 2.0);
        assert!((middle.pos - (total as f64 - 20.0) / 2.0).abs() < 1e-3);
        // Within EDGE_PX of either end, a px of scroll is a px of rows.
        assert_eq!(vp(total, 1_000.0).pos, 50.0);
        assert_eq!(end.scroll_for(end.pos - 10.0), end.scroll_top - 200.0);
        // Between, the mapping goes both ways and climbs steadily.
        let mut last = 0.0;
        for i in 0..=1000 {
            let t = f64::from(i) * 7_999.6;
            let v = vp(total, t);
            assert!((v.scroll_for(v.pos) - t).abs() < 1e-6, "{t}");
            assert!(i == 0 || v.pos > last, "{t}");
            last = v.pos;
        }
        // A position set exactly stays exact though the scroll bar rounds to a pixel.
        let mut v = top;
        v.pos = 10_000_000.0;
        v.scroll_top = v.scroll_for(v.pos).round();
        assert!(v.anchored());
        assert_eq!(v.first(), 10_000_000);
    }

    #[test]
    fn small_scrolls_move_by_rows_wherever_the_list_stands() {
        let total = 5_000_000;
        for at in [0.0, 150_000.0, 4_000_000.0, 7_950_000.0] {
            let v = vp(total, at);
            // A screen of scroll is a screen of rows; a wheel notch is 5 rows, both ways.
            assert_eq!(scroll(v, at + 400.0).pos, v.pos + 20.0, "{at}");
            assert_eq!(scroll(v, at + 100.0).pos, v.pos + 5.0, "{at}");
            assert!(
                (scroll(scroll(v, at + 100.0), at).pos - v.pos).abs() < 1e-6,
                "{at}"
            );
            // Dragging the thumb (a pixel of it is thousands of px) goes where it points.
            let dragged = scroll(v, at + 10_000.0);
            assert_eq!(dragged.pos, v.pos_for(at + 10_000.0));
            assert!(dragged.anchored());
        }
        // Scrolled by rows, the bar drifts from its place until put back.
        let v = scroll(vp(total, 4_000_000.0), 4_000_400.0);
        assert!(!v.anchored() && !v.stuck());
        let back = Viewport {
            scroll_top: v.scroll_for(v.pos),
            ..v
        };
        assert!(back.anchored());
        assert_eq!(back.pos, v.pos);
    }

    #[test]
    fn scrolling_by_rows_reaches_both_ends() {
        let total = 5_000_000;
        // Anchored near the top, scrolling up runs out of scroll area and of rows together.
        let mut v = vp(total, 0.0);
        v.pos = 30.0;
        v.scroll_top = v.scroll_for(v.pos);
        let up = scroll(v, v.scroll_top - 700.0);
        assert_eq!((up.pos, up.scroll_top), (0.0, 0.0));
        assert!(!up.stuck());
        // The same at the bottom.
        let mut v = vp(total, 0.0);
        v.pos = v.max_pos() - 30.0;
        v.scroll_top = v.scroll_for(v.pos);
        let down = scroll(v, v.scroll_top + 700.0);
        assert_eq!(down.pos, down.max_pos());
        assert!(!down.stuck());
        // Drifted onto an end with rows left beyond it: stuck, to be anchored at once.
        let mut v = vp(total, 0.0);
        v.pos = 2_000.0;
        v.scroll_top = 100.0;
        let stuck = scroll(v, 0.0);
        assert_eq!(stuck.pos, 1_995.0);
        assert!(stuck.stuck());
    }
}
