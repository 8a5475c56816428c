//! ARP (RFC 826): opcode, and sender and target for Ethernet / IPv4.

use super::link::Span;
use super::Walker;
use super::{be16, mac_at, Arp, Layer, Net};
use std::net::Ipv4Addr;

mod field {
    pub const HW_TYPE: usize = 0;
    pub const PROTO_TYPE: usize = 2;
    pub const HW_LEN: usize = 4;
    pub const PROTO_LEN: usize = 5;
    pub const OPCODE: usize = 6;
    /// The fixed part; the addresses follow.
    pub const LEN: usize = 8;
}

impl Walker<'_> {
    pub(crate) fn arp(&mut self, p: Span<'_>) {
        self.s.net = Net::Arp;
        let b = p.data;
        if b.len() < field::LEN {
            return self.truncated(Layer::Arp, p.offset, field::LEN, b.len());
        }
        let (hl, pl) = (b[field::HW_LEN] as usize, b[field::PROTO_LEN] as usize);
        let mut a = Arp {
            hw_type: be16(b, field::HW_TYPE),
            proto_type: be16(b, field::PROTO_TYPE),
            opcode: be16(b, field::OPCODE),
            sender: None,
            target: None,
        };
        let need = field::LEN + 2 * (hl + pl);
        if b.len() < need {
            self.truncated(Layer::Arp, p.offset, need, b.len());
        } else if a.proto_type == 0x0800 && hl == 6 && pl == 4 {
            // Ethernet (1) and IEEE 802 (6) hardware alike have 6-byte addresses.
            let ip = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
            a.sender = Some((mac_at(b, 8), ip(14)));
            a.target = Some((mac_at(b, 18), ip(24)));
        }
        self.s.arp = Some(a);
    }
}
