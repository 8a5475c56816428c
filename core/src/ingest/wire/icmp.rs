//! ICMP (RFC 792) and ICMPv6 (RFC 4443): type, code, echo identifier and sequence, and
//! for error messages the packet they quote.

use super::link::Span;
use super::{be16, Icmp, Layer, Proto, Transport, Walker};

mod field {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const ECHO_ID: usize = 4;
    pub const ECHO_SEQ: usize = 6;
    /// Type, code, checksum and the 4-byte rest of the header.
    pub const LEN: usize = 8;
}

impl Walker<'_> {
    pub(crate) fn icmp(&mut self, p: Span<'_>, v6: bool) {
        let (name, layer) = if v6 {
            (Proto::Icmpv6, Layer::Icmpv6)
        } else {
            (Proto::Icmp, Layer::Icmp)
        };
        self.push(name, p, field::LEN);
        // Without its header this is still an ICMP packet to the flow table.
        self.s.transport = if v6 {
            Transport::Icmpv6
        } else {
            Transport::Icmp
        };
        let b = p.data;
        if b.len() < 2 {
            return self.truncated(layer, p.offset, field::LEN, b.len());
        }
        let mut m = Icmp {
            v6,
            ty: b[field::TYPE],
            code: b[field::CODE],
            echo: None,
            quoted: None,
        };
        // Echo, and for ICMP also timestamp, information and address mask messages,
        // carry an identifier and a sequence number (RFC 792, RFC 950).
        let echo = if v6 {
            matches!(m.ty, 128 | 129)
        } else {
            matches!(m.ty, 0 | 8 | 13..=18)
        };
        if b.len() >= field::LEN {
            if echo {
                m.echo = Some((be16(b, field::ECHO_ID), be16(b, field::ECHO_SEQ)));
            }
            if m.is_error() {
                m.quoted = self.quoted(p.skip(field::LEN));
            }
        } else {
            self.truncated(layer, p.offset, field::LEN, b.len());
        }
        self.s.icmp = Some(m);
    }
}

/// Wireshark's name of an ICMP (`v6`: ICMPv6) message type, None for a type it does not
/// name: the Info column and the detail's `icmp.type`/`icmpv6.type` share it.
pub fn icmp_type_name(v6: bool, ty: u8) -> Option<&'static str> {
    Some(if v6 {
        match ty {
            1 => "Destination Unreachable",
            2 => "Packet Too Big",
            3 => "Time Exceeded",
            4 => "Parameter Problem",
            128 => "Echo (ping) request",
            129 => "Echo (ping) reply",
            130 => "Multicast Listener Query",
            131 => "Multicast Listener Report",
            132 => "Multicast Listener Done",
            133 => "Router Solicitation",
            134 => "Router Advertisement",
            135 => "Neighbor Solicitation",
            136 => "Neighbor Advertisement",
            137 => "Redirect",
            143 => "Multicast Listener Report Message v2",
            _ => return None,
        }
    } else {
        match ty {
            0 => "Echo (ping) reply",
            3 => "Destination unreachable",
            4 => "Source quench (flow control)",
            5 => "Redirect",
            8 => "Echo (ping) request",
            9 => "Router advertisement",
            10 => "Router solicitation",
            11 => "Time-to-live exceeded",
            12 => "Parameter problem",
            13 => "Timestamp request",
            14 => "Timestamp reply",
            15 => "Information request",
            16 => "Information reply",
            17 => "Address mask request",
            18 => "Address mask reply",
            _ => return None,
        }
    })
}

#[cfg(test)]
pub(crate) mod test {
    use super::super::testutil::{every_prefix, hex};
    use super::super::*;

    /// Time exceeded, quoting a UDP datagram: PcapPlusPlus's IcmpPackets.pcap, frame 5.
    pub(crate) const TTL_EXCEEDED_UDP: [&str; 4] = [
        "c20966b00000c20d66d700000800450000a805fa0000fc01a1580a0002010a0001020b00ac2d000000004500001c00e5",
        "0000021100d90a000102ac100002c01d82a5000806070000000000000000000000000000000000000000000000000000",
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000000000000000000000000000000020007df40008010100016101",
    ];

    /// Echo request: the same capture, frame 9.
    pub(crate) const ECHO_REQUEST: [&str; 3] = [
        "021a11f0c83b60334b13c55808004500005426ef0000400157f9c0a82b09080808080800bbb3d73b000051a7d67d0004",
        "51e408090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435",
        "3637",
    ];

    /// Source quench quoting the first 8 bytes of a TCP header: the same capture, frame 13.
    pub(crate) const QUENCH_TCP: [&str; 2] = [
        "30469a23fbfa080027d75be00800450000384863000040011dd20a0000070a00008a04000c36000000004500001c0c80",
        "000040065e490102030405060708000000000008efc1",
    ];

    /// Neighbor solicitation: zeek's ipv6-http-atomic-frag.pcap, frame 2.
    pub(crate) const NEIGHBOR_SOLICITATION: [&str; 2] = [
        "3333ff00000100101895316a86dd6000000000203aff20010db8000100000000000000000002ff020000000000000000",
        "0001ff0000018700d4170000000020010db8000100000000000000000001010100101895316a",
    ];

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_error_quotes_a_packet_that_is_not_the_frames_transport() {
        let f = hex(&TTL_EXCEEDED_UDP);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.transport),
            ("eth:ethertype:ip:icmp", Transport::Icmp)
        );
        let m = s.icmp.unwrap();
        assert!(m.is_error());
        assert_eq!((m.v6, m.ty, m.code, m.echo), (false, 11, 0, None));
        let q = m.quoted.unwrap();
        assert_eq!(
            (q.src, q.dst, q.protocol, q.ports),
            (ip("10.0.1.2"), ip("172.16.0.2"), 17, Some((49181, 33445)))
        );
        assert_eq!(
            q.transport,
            Transport::Udp {
                src_port: 49181,
                dst_port: 33445,
                payload_len: 0
            }
        );
        every_prefix(linktype::ETHERNET, &f, Some(34), Some(34));

        // Eight bytes of TCP: the ports, not a segment.
        let s = dissect(linktype::ETHERNET, &hex(&QUENCH_TCP));
        let q = s.icmp.unwrap().quoted.unwrap();
        assert_eq!(
            (q.protocol, q.ports, q.transport),
            (6, Some((0, 0)), Transport::None)
        );
    }

    #[test]
    fn echo_and_neighbor_discovery() {
        let f = hex(&ECHO_REQUEST);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:icmp");
        let m = s.icmp.unwrap();
        assert_eq!((m.ty, m.echo, m.quoted), (8, Some((0xd73b, 0)), None));
        every_prefix(linktype::ETHERNET, &f, Some(34), Some(34));

        let f = hex(&NEIGHBOR_SOLICITATION);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.transport),
            ("eth:ethertype:ipv6:icmpv6", Transport::Icmpv6)
        );
        let m = s.icmp.unwrap();
        assert_eq!((m.v6, m.ty, m.code, m.is_error()), (true, 135, 0, false));
        every_prefix(linktype::ETHERNET, &f, Some(54), Some(54));
    }
}
