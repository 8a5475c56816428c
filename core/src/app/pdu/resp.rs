//! Wireshark's per-PDU fields of resp (to be written: see the brief).

use super::{PduFields, PduOut};

/// The resp field dissector of one conversation.
#[derive(Default)]
pub struct Dissector {}

impl Dissector {
    /// A dissector for a new conversation.
    pub fn new() -> Self {
        Self::default()
    }
}

impl PduFields for Dissector {
    fn data(&mut self, _to_server: bool, _bytes: &[u8], _packet: u64, _out: &mut PduOut<'_>) {}
    fn gap(&mut self, _to_server: bool, _len: u64) {}
}
