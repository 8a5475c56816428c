//! The packet list.

mod packet_list;

pub use packet_list::PacketList;
