//! The packet rows the page holds: blocks of [`PAGE_ROWS`] rows fetched around the
//! viewport, so that scrolling finds its rows at hand. Blocks far from where the list
//! looks are dropped beyond [`MAX_BLOCKS`].

use std::collections::HashMap;
use std::sync::Arc;
use wirelens_web::protocol::{PacketRowView, Page, PAGE_ROWS};

/// Blocks kept (about 64k rows).
const MAX_BLOCKS: usize = 512;

#[derive(Clone, Default)]
pub struct RowCache {
    blocks: HashMap<u64, Arc<Vec<PacketRowView>>>,
    /// Blocks asked for: the request that asked.
    pending: HashMap<u64, u32>,
    /// The block the list looked at last: eviction keeps those near it.
    center: u64,
    /// Why rows could not be read, from the last page that said so.
    pub error: Option<String>,
}

fn block_of(row: u64) -> u64 {
    row / PAGE_ROWS as u64
}

impl RowCache {
    /// Row `row` (0-based, of the displayed packets), if fetched.
    pub fn get(&self, row: u64) -> Option<&PacketRowView> {
        let b = self.blocks.get(&block_of(row))?;
        b.get((row % PAGE_ROWS as u64) as usize)
    }

    /// The blocks covering rows `[first, last)` that are neither here nor asked for,
    /// nearest to `first` first.
    pub fn missing(&self, first: u64, last: u64) -> Vec<u64> {
        if last <= first {
            return Vec::new();
        }
        (block_of(first)..=block_of(last - 1))
            .filter(|b| !self.blocks.contains_key(b) && !self.pending.contains_key(b))
            .collect()
    }

    /// Notes that `block` was asked for by `request`.
    pub fn pending(&mut self, block: u64, request: u32) {
        self.pending.insert(block, request);
    }

    /// Notes where the list looks.
    pub fn look_at(&mut self, row: u64) {
        self.center = block_of(row);
    }

    /// Takes in a page the worker sent.
    pub fn fill(&mut self, page: Page) {
        let block = block_of(page.start);
        if self.pending.get(&block) != Some(&page.request) {
            return;
        }
        self.pending.remove(&block);
        if page.error.is_some() {
            self.error = page.error;
        }
        self.blocks.insert(block, Arc::new(page.rows));
        if self.blocks.len() > MAX_BLOCKS {
            let center = self.center;
            let mut far: Vec<u64> = self.blocks.keys().copied().collect();
            far.sort_by_key(|b| std::cmp::Reverse(b.abs_diff(center)));
            for b in far.into_iter().take(self.blocks.len() - MAX_BLOCKS) {
                self.blocks.remove(&b);
            }
        }
    }
}
