//! The packet index: one compact, fixed-size row per packet. Packet bytes are not kept;
//! a row says where to re-read them.

use serde::Serialize;

/// Flow id of a packet that belongs to no TCP/UDP conversation.
pub const NO_FLOW: u32 = u32::MAX;

/// One packet of the index: 40 bytes, all that an ingest keeps for every packet (the
/// memory notes of `crate::ingest`). Besides where the bytes are, it holds what the TCP
/// analysis says of nearly every segment, in what would otherwise be padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PacketRow {
    /// Timestamp, ns since the Unix epoch.
    pub ts_ns: i64,
    /// Offset of the packet bytes in its file.
    pub offset: u64,
    /// Bytes captured.
    pub caplen: u32,
    /// Length on the wire.
    pub len: u32,
    /// Conversation id, or [`NO_FLOW`].
    pub flow: u32,
    /// `tcp.analysis.bytes_in_flight`; 0: none.
    #[serde(skip)]
    pub bytes_in_flight: u32,
    /// Interface, an index into `Capture::interfaces`.
    pub iface: u16,
    /// File, an index into `Capture::files`.
    pub file: u16,
    /// Bit flags (`FLAG_*`).
    pub flags: u8,
    /// Reserved.
    #[serde(skip)]
    pub _pad: u8,
    /// How many packets back the segment this one acknowledges exactly is
    /// (`tcp.analysis.acks_frame`; the ACK RTT is the difference of the timestamps): 0
    /// for none, [`PacketRow::ACKS_FAR`] for 65,535 or more (`Capture::tcp_acks_far`
    /// says how far). Read it with `Capture::tcp_ack`.
    #[serde(skip)]
    pub acks_back: u16,
}

impl PacketRow {
    /// A row of no packet: in no conversation, everything else zero.
    pub const NONE: PacketRow = PacketRow {
        ts_ns: 0,
        offset: 0,
        caplen: 0,
        len: 0,
        flow: NO_FLOW,
        bytes_in_flight: 0,
        iface: 0,
        file: 0,
        flags: 0,
        _pad: 0,
        acks_back: 0,
    };

    /// The packet went from side B to side A of its conversation.
    pub const FLAG_B_TO_A: u8 = 1;
    /// The packet carries IP in IP: its conversation's addresses are the inner header's,
    /// and the outer header adds more (`ip.addr` has four occurrences).
    pub const FLAG_TUNNELED: u8 = 2;
    /// A TCP segment Wireshark shows SEQ/ACK analysis for (it carries data, acknowledges
    /// a segment exactly, or has `tcp.analysis` flags): where `tcp.analysis.initial_rtt`
    /// appears.
    pub const FLAG_SEQ_ANALYSIS: u8 = 4;
    /// `acks_back` of a segment that acknowledges one too far back to say in 16 bits.
    pub const ACKS_FAR: u16 = u16::MAX;
}

#[cfg(test)]
mod test {
    #[test]
    fn a_row_stays_small() {
        assert!(std::mem::size_of::<super::PacketRow>() <= 40);
        // The memory budget (`crate::ingest`'s notes) counts on 40, TCP analysis included.
        assert_eq!(std::mem::size_of::<super::PacketRow>(), 40);
    }
}

// The same 40 bytes in the page's wasm32 heap.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<PacketRow>() == 40);
