//! The packet list.

mod filter_bar;
mod packet_list;

pub use filter_bar::FilterBar;
pub use packet_list::PacketList;
