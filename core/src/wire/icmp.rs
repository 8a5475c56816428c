//! ICMP (RFC 792) and ICMPv6 (RFC 4443): type, code, echo identifier and sequence, and
//! for error messages the packet they quote.

use super::link::Span;
use super::{be16, ip, Icmp, Layer, Proto, Transport, Walker};

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
        let (name, layer) = if v6 { (Proto::Icmpv6, Layer::Icmpv6) } else { (Proto::Icmp, Layer::Icmp) };
        self.push(name);
        // Without its header this is still an ICMP packet to the flow table.
        self.s.transport = if v6 { Transport::Icmpv6 } else { Transport::Icmp };
        let b = p.data;
        if b.len() < 2 {
            return self.truncated(layer, p.offset, field::LEN, b.len());
        }
        let mut m = Icmp { v6, ty: b[field::TYPE], code: b[field::CODE], echo: None, quoted: None };
        let echo = if v6 { matches!(m.ty, 128 | 129) } else { matches!(m.ty, 0 | 8) };
        if b.len() >= field::LEN {
            if echo {
                m.echo = Some((be16(b, field::ECHO_ID), be16(b, field::ECHO_SEQ)));
            }
            if m.is_error() {
                m.quoted = ip::quoted(&b[field::LEN..]);
            }
        } else {
            self.truncated(layer, p.offset, field::LEN, b.len());
        }
        self.s.icmp = Some(m);
    }
}

/// Wireshark's name of an ICMP type, and of the code where it has one.
pub(crate) fn describe(m: &Icmp) -> (&'static str, Option<&'static str>) {
    if m.v6 {
        let ty = match m.ty {
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
            _ => "Unknown ICMPv6 type",
        };
        let code = match (m.ty, m.code) {
            (1, 0) => Some("no route to destination"),
            (1, 1) => Some("Administratively prohibited"),
            (1, 2) => Some("Beyond scope of source address"),
            (1, 3) => Some("Address unreachable"),
            (1, 4) => Some("Port unreachable"),
            (1, 5) => Some("Source address failed ingress/egress policy"),
            (1, 6) => Some("Reject route to destination"),
            (3, 0) => Some("hop limit exceeded in transit"),
            (3, 1) => Some("fragment reassembly time exceeded"),
            (4, 0) => Some("erroneous header field encountered"),
            (4, 1) => Some("unrecognized Next Header type encountered"),
            (4, 2) => Some("unrecognized IPv6 option encountered"),
            _ => None,
        };
        return (ty, code);
    }
    let ty = match m.ty {
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
        17 => "Address mask request",
        18 => "Address mask reply",
        _ => "Unknown ICMP (obsolete or malformed?)",
    };
    let code = match (m.ty, m.code) {
        (3, 0) => Some("Network unreachable"),
        (3, 1) => Some("Host unreachable"),
        (3, 2) => Some("Protocol unreachable"),
        (3, 3) => Some("Port unreachable"),
        (3, 4) => Some("Fragmentation needed"),
        (3, 5) => Some("Source route failed"),
        (3, 6) => Some("Destination network unknown"),
        (3, 7) => Some("Destination host unknown"),
        (3, 9) => Some("Network administratively prohibited"),
        (3, 10) => Some("Host administratively prohibited"),
        (3, 13) => Some("Communication administratively filtered"),
        (5, 0) => Some("Redirect for network"),
        (5, 1) => Some("Redirect for host"),
        (11, 0) => Some("Time to live exceeded in transit"),
        (11, 1) => Some("Fragment reassembly time exceeded"),
        _ => None,
    };
    (ty, code)
}
