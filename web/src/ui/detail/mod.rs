//! The selected packet: what the index knows of it, its detail tree, and its bytes.

mod context_menu;
mod detail_tree;
mod hex_view;
mod packet_facts;
mod packet_pane;
mod shown;

pub use packet_pane::PacketPane;
