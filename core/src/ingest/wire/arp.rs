//! ARP (RFC 826): opcode, and sender and target for Ethernet / IPv4.

use super::link::Span;
use super::Walker;
use super::{be16, Arp, HwAddr, Layer, Net, Proto};
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
        self.resize(Proto::Arp, field::LEN + 2 * (hl + pl), p.known_len());
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
        } else if a.proto_type == 0x0800 && pl == 4 {
            let ip = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
            let (sha, tha) = (field::LEN, field::LEN + hl + pl);
            if let (Some(s), Some(t)) = (
                HwAddr::new(&b[sha..sha + hl]),
                HwAddr::new(&b[tha..tha + hl]),
            ) {
                a.sender = Some((s, ip(sha + hl)));
                a.target = Some((t, ip(tha + hl)));
            }
        }
        self.s.arp = Some(a);
    }
}

#[cfg(test)]
pub(crate) mod test {
    use super::super::link::test::{QINQ_ARP, SLL_ARP, SNAP_ARP};
    use super::super::testutil::{every_prefix, hex};
    use super::super::*;

    /// The reply to QINQ_ARP: tcpdump's tests/802.1ad_QinQ.pcap, frame 2.
    pub(crate) const QINQ_ARP_REPLY: [&str; 2] = [
        "0020d25afb3f0080ea81886388a800c8810007d1080600010800060400020080ea818863ac154f640020d25afb3fac15",
        "4f610000000000000000000000000000",
    ];

    /// A request for the sender's own address: zeek's linuxsll-arp.pcap, frame 5.
    pub(crate) const SLL_ARP_ANNOUNCEMENT: [&str; 2] = [
        "0001000100060050568b3f0d0000080600010800060400010050568b3f0dc0a81651000000000000c0a8165100000000",
        "0000000000000000000000000000",
    ];

    #[test]
    fn requests_replies_and_announcements() {
        let cases: [(u16, &[&str], u16); 5] = [
            (linktype::ETHERNET, &QINQ_ARP, 1),
            (linktype::ETHERNET, &QINQ_ARP_REPLY, 2),
            (linktype::LINUX_SLL, &SLL_ARP, 1),
            (linktype::LINUX_SLL, &SLL_ARP_ANNOUNCEMENT, 1),
            (linktype::ETHERNET, &SNAP_ARP, 1),
        ];
        // Their Info column: query::rows.
        for (lt, lines, opcode) in cases {
            let f = hex(lines);
            let s = dissect(lt, &f);
            let a = s.arp.expect("ARP");
            assert_eq!((a.opcode, a.proto_type), (opcode, 0x0800));
            assert!(a.sender.is_some() && a.target.is_some());
            every_prefix(lt, &f, None, None);
        }
        let s = dissect(linktype::ETHERNET, &hex(&QINQ_ARP_REPLY));
        let a = s.arp.unwrap();
        assert_eq!(
            a.sender.map(|(h, ip)| (h.mac(), ip)),
            Some((
                Some([0x00, 0x80, 0xea, 0x81, 0x88, 0x63]),
                "172.21.79.100".parse().unwrap()
            ))
        );
        assert_eq!(
            a.target.map(|(h, ip)| (h.mac(), ip)),
            Some((
                Some([0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f]),
                "172.21.79.97".parse().unwrap()
            ))
        );
    }

    #[test]
    fn a_cut_arp_packet_keeps_its_opcode_and_says_so() {
        let f = hex(&QINQ_ARP);
        let s = dissect(linktype::ETHERNET, &f[..22 + 10]);
        assert_eq!(s.arp.map(|a| (a.opcode, a.sender)), Some((1, None)));
        assert_eq!(
            s.stop,
            Some(Stop {
                layer: Layer::Arp,
                offset: 22,
                reason: StopReason::Truncated {
                    needed: 28,
                    available: 10
                }
            })
        );
        let s = dissect(linktype::ETHERNET, &f[..22 + 7]);
        assert_eq!((s.arp, s.net), (None, Net::Arp));
    }
}
