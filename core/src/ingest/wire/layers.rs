//! Where each layer of a packet lies, as the dissection walked it: the record that field
//! extraction and the packet detail read, so that no query walks the headers again.
//!
//! The dissector records layers only when asked ([`super::dissect_layers`],
//! [`super::Dissector::dissect_frame_layers`]): the ingest, which needs the summary
//! alone, pays nothing for them.
//!
//! There is one [`LayerSpan`] for every protocol of the packet's [`super::Stack`], in the same
//! order, and after an ICMP error's own layer one for each layer of the packet it quotes
//! (marked [`LayerSpan::quoted`]; those are not in the stack, whose names stop at the
//! transport layer as the summary's). Offsets count in the frame, or, for the layers of
//! an IP datagram this packet completed ([`LayerSpan::reassembled`]), in the reassembled
//! payload ([`super::Dissector::reassembled`]).

use super::Proto;
use serde::Serialize;

/// One layer of a packet: which protocol, where its header starts, how long the header is
/// and how far the layer reaches.
///
/// The bytes may be cut short by the snap length (or the quote of an ICMP error): a
/// layer can reach past the captured bytes, and even its header can, when the packet is
/// truncated within it (then [`super::Summary::stop`] says so). Read its fields with
/// bounds checks, as [`LayerSpan::header`] and [`LayerSpan::bytes`] do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LayerSpan {
    /// The protocol, as tshark's `frame.protocols` names it.
    pub proto: Proto,
    /// Offset of the layer's first byte.
    pub offset: u32,
    /// Length of its header: the bytes the protocol itself describes (Ethernet 14, a
    /// VLAN tag 4, IPv4 its IHL, an IPv6 extension header its own length, TCP its data
    /// offset, UDP and ICMP 8, ARP the whole message). 0 for the names tshark lists
    /// without bytes of their own (`ethertype`, and `ip` where the IPv4 dissector hands
    /// an IPv6 packet on or finds a bogus header or total length), for `data`, and for
    /// the protocols we name and do not look inside.
    pub header_len: u32,
    /// Length of the layer on the wire, header and payload: what its headers declare
    /// where they declare it (an IP total length, bounded by the frame's length on the
    /// wire as Wireshark bounds it), else what is left of the frame. May reach past the
    /// captured bytes.
    pub len: u32,
    /// The offsets count in the IP datagram this packet completed, not in the frame.
    pub reassembled: bool,
    /// A layer of the packet an ICMP error quotes.
    pub quoted: bool,
}

impl LayerSpan {
    /// Offset just past the layer (header and payload), which may lie past the captured
    /// bytes.
    pub fn end(&self) -> u32 {
        self.offset.saturating_add(self.len)
    }

    /// Offset of the layer's payload (just past its header).
    pub fn payload_offset(&self) -> u32 {
        self.offset.saturating_add(self.header_len)
    }

    /// The captured bytes of the layer, header and payload, given the frame and the
    /// dissector's reassembled datagram (empty if none).
    pub fn bytes<'a>(&self, frame: &'a [u8], reassembled: &'a [u8]) -> &'a [u8] {
        self.range(frame, reassembled, self.offset, self.len)
    }

    /// The captured bytes of the layer's header.
    pub fn header<'a>(&self, frame: &'a [u8], reassembled: &'a [u8]) -> &'a [u8] {
        self.range(frame, reassembled, self.offset, self.header_len)
    }

    fn range<'a>(&self, frame: &'a [u8], reassembled: &'a [u8], at: u32, len: u32) -> &'a [u8] {
        let from = if self.reassembled { reassembled } else { frame };
        let start = (at as usize).min(from.len());
        let end = (at as usize).saturating_add(len as usize).min(from.len());
        &from[start..end]
    }
}

/// The layers of one packet, outermost first.
///
/// Unlike the [`super::Stack`], which keeps its first names, this holds every layer (a
/// chain of dozens of IPv6 extension headers, and the TCP header past it): reuse one
/// value from packet to packet, it keeps its allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Layers {
    items: Vec<LayerSpan>,
}

impl Layers {
    /// The layers, outermost first.
    pub fn as_slice(&self) -> &[LayerSpan] {
        &self.items
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was recognised (an unknown link type).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The layers of one protocol, outermost first (quoted ones included).
    pub fn of(&self, proto: Proto) -> impl Iterator<Item = &LayerSpan> + '_ {
        self.items.iter().filter(move |l| l.proto == proto)
    }

    /// Forgets every layer.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub(crate) fn push(&mut self, l: LayerSpan) {
        self.items.push(l);
    }

    /// Sets the header and total length of the last layer, when it is of `proto` (a
    /// layer is recorded when its protocol is named, before its lengths are read).
    pub(crate) fn resize_last(&mut self, proto: Proto, header_len: usize, len: usize) {
        if let Some(l) = self.items.last_mut().filter(|l| l.proto == proto) {
            l.header_len = header_len as u32;
            l.len = len as u32;
        }
    }
}

#[cfg(test)]
mod test {
    use super::super::icmp::test::{QUENCH_TCP, TTL_EXCEEDED_UDP};
    use super::super::ip::test::{DSTOPTS_SYN, FRAG_HTTP_REQ, IPIP_SYN};
    use super::super::link::test::THREE_TAGS_SYN;
    use super::super::testutil::hex;
    use super::super::*;

    /// (protocol, offset, header length, length, quoted) of each layer.
    fn spans(lt: u16, f: &[u8]) -> Vec<(&'static str, u32, u32, u32, bool)> {
        let mut ls = Layers::default();
        dissect_layers(lt, f, f.len(), &mut ls);
        ls.as_slice()
            .iter()
            .map(|l| (l.proto.name(), l.offset, l.header_len, l.len, l.quoted))
            .collect()
    }

    #[test]
    fn vlan_tags_ip_and_tcp_with_their_offsets() {
        let f = hex(&THREE_TAGS_SYN);
        assert_eq!(
            spans(linktype::ETHERNET, &f),
            [
                ("eth", 0, 14, 90, false),
                ("ethertype", 14, 0, 76, false),
                ("vlan", 14, 4, 76, false),
                ("ethertype", 18, 0, 72, false),
                ("vlan", 18, 4, 72, false),
                ("ethertype", 22, 0, 68, false),
                ("vlan", 22, 4, 68, false),
                ("ethertype", 26, 0, 64, false),
                ("ip", 26, 20, 64, false),
                ("tcp", 46, 44, 44, false),
            ]
        );
    }

    #[test]
    fn ip_in_ip_and_ipv6_extension_headers() {
        let f = hex(&IPIP_SYN);
        let got = spans(linktype::ETHERNET, &f);
        let ips: Vec<_> = got.iter().filter(|l| l.0 == "ip").collect();
        assert_eq!(
            ips,
            [&("ip", 18, 20, 84, false), &("ip", 38, 20, 64, false)]
        );
        assert_eq!(got.last(), Some(&("tcp", 58, 44, 44, false)));

        let f = hex(&DSTOPTS_SYN);
        assert_eq!(
            spans(linktype::ETHERNET, &f)[2..],
            [
                ("ipv6", 14, 40, 68, false),
                ("ipv6.dstopts", 54, 8, 28, false),
                ("tcp", 62, 20, 20, false),
            ]
        );
    }

    #[test]
    fn the_packet_an_icmp_error_quotes() {
        let f = hex(&TTL_EXCEEDED_UDP);
        assert_eq!(
            spans(linktype::ETHERNET, &f)[2..],
            [
                ("ip", 14, 20, 168, false),
                ("icmp", 34, 8, 148, false),
                ("ip", 42, 20, 28, true),
                ("udp", 62, 8, 8, true),
            ]
        );
        // A quote cut after the ports and sequence number still has its TCP layer.
        let f = hex(&QUENCH_TCP);
        assert_eq!(
            spans(linktype::ETHERNET, &f)[4..],
            [("ip", 42, 20, 28, true), ("tcp", 62, 20, 8, true)]
        );
    }

    #[test]
    fn layers_of_a_reassembled_datagram_count_in_it() {
        let mut d = Dissector::new();
        let mut ls = Layers::default();
        let frames: Vec<Vec<u8>> = FRAG_HTTP_REQ.iter().map(|f| hex(f)).collect();
        for (i, f) in frames.iter().enumerate() {
            d.dissect_frame_layers(linktype::ETHERNET, f, f.len(), i as i64, &mut ls);
        }
        let tcp = ls.of(Proto::Tcp).next().copied().expect("a TCP layer");
        assert!(tcp.reassembled && !tcp.quoted);
        assert_eq!((tcp.offset, tcp.header_len), (0, 20));
        let data = tcp.bytes(frames.last().unwrap(), d.reassembled());
        assert_eq!(data.len(), d.reassembled().len());
        // Source port 64415 (0xfb9f), destination port 80.
        assert_eq!(
            &tcp.header(&[], d.reassembled())[..4],
            &[0xfb, 0x9f, 0x00, 0x50]
        );
        let ip = ls.of(Proto::Ip).next().expect("the IP layer");
        assert!(!ip.reassembled);
    }

    #[test]
    fn every_layer_of_a_long_extension_header_chain() {
        // IPv6, 40 destination options headers (8 bytes of Pad1 each), UDP.
        let mut f = vec![0x60, 0, 0, 0, 0x01, 0x48, 60, 64];
        f.extend([0; 32]);
        for i in 0..40 {
            f.extend([if i == 39 { 17 } else { 60 }, 0, 0, 0, 0, 0, 0, 0]);
        }
        f.extend([0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00]);
        let mut ls = Layers::default();
        let s = dissect_layers(linktype::RAW, &f, f.len(), &mut ls);
        assert!(s.stack.overflowed());
        assert_eq!(ls.len(), 43);
        let udp = ls.as_slice().last().copied().unwrap();
        assert_eq!(
            (udp.proto, udp.offset, udp.header_len),
            (Proto::Udp, 360, 8)
        );
    }
}
