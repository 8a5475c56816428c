//! The arithmetic of a virtualized list: only the rows on screen exist in the page. A
//! scroll area as tall as all the rows would pass what browsers allow an element
//! (Chromium stops near 33.5 million px, Firefox near 17.9 million: about a million rows),
//! so beyond [`MAX_PX`] the scroll position maps proportionally onto the rows. Then one
//! pixel of scroll is several rows, so the list keeps its own position (`pos`, in rows):
//! the keyboard sets it exactly and the scroll bar follows to the nearest pixel.

use leptos::html;
use leptos::prelude::*;

/// The tallest scroll area made.
const MAX_PX: f64 = 8_000_000.0;

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

    /// Whether a pixel of scroll is more than a pixel of rows.
    fn scaled(&self) -> bool {
        self.total as f64 * self.row_h > MAX_PX
    }

    /// How far `scrollTop` can go.
    fn max_scroll(&self) -> f64 {
        (self.virtual_height() - self.height).max(0.0)
    }

    /// How far the rows' top can go above the visible area, px of rows.
    fn max_rows_px(&self) -> f64 {
        (self.total as f64 * self.row_h - self.height).max(0.0)
    }

    /// The highest `pos`.
    fn max_pos(&self) -> f64 {
        self.max_rows_px() / self.row_h
    }

    /// The position a `scrollTop` stands for.
    pub fn pos_for(&self, scroll_top: f64) -> f64 {
        let max = self.max_scroll();
        if max <= 0.0 {
            return 0.0;
        }
        scroll_top.clamp(0.0, max) / max * self.max_pos()
    }

    /// The `scrollTop` of a position.
    pub fn scroll_for(&self, pos: f64) -> f64 {
        let max_pos = self.max_pos();
        if max_pos <= 0.0 {
            return 0.0;
        }
        pos.clamp(0.0, max_pos) / max_pos * self.max_scroll()
    }

    /// Whether a `scrollTop` is the one this list set for its position (a pixel of
    /// rounding), rather than the user scrolling.
    pub fn is_own_scroll(&self, scroll_top: f64) -> bool {
        self.scaled() && (scroll_top - self.scroll_for(self.pos)).abs() <= 1.0
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

    /// After a `scroll` event: the user's scrolling moves the position, the list's own
    /// does not.
    pub fn scrolled(&self, vp: &Viewport) {
        let Some(el) = self.body.get_untracked() else {
            return;
        };
        let top = f64::from(el.scroll_top());
        if !vp.is_own_scroll(top) {
            self.pos.set(vp.pos_for(top));
        }
        self.scroll_top.set(top);
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

    #[test]
    fn small_lists_scroll_one_to_one() {
        let v = vp(1000, 210.0);
        assert_eq!(v.virtual_height(), 20_000.0);
        assert_eq!(v.first(), 10);
        assert_eq!(v.offset(), 200.0);
        assert_eq!(v.count(), 21);
        assert_eq!(v.scroll_for(10.5), 210.0);
        assert!(!v.is_own_scroll(211.0));
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
        // A position set exactly stays exact though the scroll bar rounds to a pixel.
        let mut v = top;
        v.pos = 10_000_000.0;
        v.scroll_top = v.scroll_for(v.pos).round();
        assert!(v.is_own_scroll(v.scroll_top));
        assert_eq!(v.first(), 10_000_000);
    }
}
