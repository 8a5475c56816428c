//! The detail of the packet on screen, as the page keeps it, and what is selected in it.

use leptos::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;
use wirelens_web::protocol::{DetailView, TreeNode};

/// A packet's detail, its bytes copied out of the worker's `Uint8Array`s.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub frame: u64,
    /// (name, bytes) of each byte source; the frame first.
    pub sources: Arc<Vec<(String, Vec<u8>)>>,
    pub nodes: Arc<Vec<TreeNode>>,
}

impl Shown {
    pub fn from_view(d: DetailView) -> Self {
        Shown {
            frame: d.frame,
            sources: Arc::new(
                d.sources
                    .into_iter()
                    .map(|s| (s.name, s.bytes.to_vec()))
                    .collect(),
            ),
            nodes: Arc::new(d.nodes),
        }
    }

    /// The deepest node whose bytes hold byte `off` of source `source`.
    pub fn node_at(&self, source: u8, off: u32) -> Option<u32> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.source == source && n.size > 0 && n.pos <= off && off < n.pos + n.size
            })
            .min_by_key(|(i, n)| (n.size, std::cmp::Reverse(*i)))
            .map(|(i, _)| i as u32)
    }

    /// The nodes whose subtrees hold node `i`.
    pub fn ancestors(&self, i: u32) -> Vec<u32> {
        (0..i)
            .filter(|&j| self.nodes[j as usize].last >= i)
            .collect()
    }
}

/// How a node is remembered open from one packet to the next: by its field name, or
/// its text when it has none.
pub fn open_key(n: &TreeNode) -> String {
    if n.name.is_empty() {
        n.text.clone()
    } else {
        n.name.clone()
    }
}

/// The detail pane's state, shared by the tree and the hex view.
#[derive(Clone, Copy)]
pub struct DetailState {
    pub shown: RwSignal<Option<Shown>>,
    /// The selected node.
    pub selected: RwSignal<Option<u32>>,
    /// Nodes open, by [`open_key`].
    pub open: RwSignal<HashSet<String>>,
    /// The byte source the hex view shows.
    pub source: RwSignal<u8>,
    /// A node to scroll the tree to.
    pub reveal: RwSignal<Option<u32>>,
}

impl DetailState {
    pub fn new() -> Self {
        DetailState {
            shown: RwSignal::new(None),
            selected: RwSignal::new(None),
            open: RwSignal::new(HashSet::new()),
            source: RwSignal::new(0),
            reveal: RwSignal::new(None),
        }
    }

    /// Selects node `i`: its bytes show in the hex view, its ancestors open.
    pub fn select(&self, i: u32) {
        let Some(s) = self.shown.get_untracked() else {
            return;
        };
        let Some(n) = s.nodes.get(i as usize) else {
            return;
        };
        let ancestors = s.ancestors(i);
        self.open.update(|o| {
            for a in ancestors {
                o.insert(open_key(&s.nodes[a as usize]));
            }
        });
        if n.size > 0 {
            self.source.set(n.source);
        }
        self.selected.set(Some(i));
    }
}
