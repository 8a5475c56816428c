//! The selected packet.

mod packet_facts;

pub use packet_facts::PacketFacts;
