//! Link, network and transport dissection into a small `Copy` summary.
//!
//! etherparse does the header parsing (laxly: a truncated packet keeps the layers that
//! parsed); this module adds the link types etherparse does not start from and the
//! summary the flow table and the packet list need.

use etherparse::{EtherType, IpNumber, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use serde::Serialize;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Link-layer header types (tcpdump.org `LINKTYPE_*`) that we dissect.
pub mod linktype {
    /// BSD loopback: 4-byte address family in host byte order.
    pub const NULL: u16 = 0;
    /// Ethernet II.
    pub const ETHERNET: u16 = 1;
    /// Raw IP (BSD value).
    pub const RAW_BSD: u16 = 12;
    /// Raw IP (OpenBSD value).
    pub const RAW_OPENBSD: u16 = 14;
    /// Raw IP.
    pub const RAW: u16 = 101;
    /// OpenBSD loopback: 4-byte address family in network byte order.
    pub const LOOP: u16 = 108;
    /// Linux "cooked" capture v1 (`tcpdump -i any`).
    pub const LINUX_SLL: u16 = 113;
    /// Raw IPv4.
    pub const IPV4: u16 = 228;
    /// Raw IPv6.
    pub const IPV6: u16 = 229;
    /// Linux "cooked" capture v2.
    pub const LINUX_SLL2: u16 = 276;

    /// A readable name for a link type (tcpdump.org's list), also for those we do not
    /// dissect: their packets are still indexed and listed.
    pub fn name(linktype: u16) -> std::borrow::Cow<'static, str> {
        let name = match linktype {
            0 => "BSD loopback",
            1 => "Ethernet",
            3 => "AX.25",
            6 => "Token Ring",
            7 => "ARCNET",
            8 => "SLIP",
            9 => "PPP",
            10 => "FDDI",
            12 | 14 | 101 => "Raw IP",
            50 => "PPP in HDLC-like framing",
            51 => "PPPoE",
            100 => "ATM RFC 1483",
            104 => "Cisco HDLC",
            105 => "IEEE 802.11",
            106 => "Linux ATM Classical IP",
            107 => "Frame Relay",
            108 => "OpenBSD loopback",
            113 => "Linux cooked capture v1",
            119 => "IEEE 802.11 with Prism header",
            123 => "SunATM",
            127 => "IEEE 802.11 with radiotap header",
            129 => "ARCNET (Linux)",
            143 => "DOCSIS",
            147..=162 => return format!("USER{}", linktype - 147).into(),
            163 => "IEEE 802.11 with AVS header",
            192 => "PPI",
            195 => "IEEE 802.15.4",
            197 => "Endace ERF",
            201 => "Bluetooth HCI H4 with direction",
            215 => "IEEE 802.15.4 (no FCS)",
            220 => "USB (Linux, memory-mapped)",
            226 => "Solaris IPNET",
            227 => "SocketCAN",
            228 => "Raw IPv4",
            229 => "Raw IPv6",
            231 => "D-Bus",
            239 => "Linux NFLOG",
            242 => "IP over InfiniBand",
            249 => "USB (Linux, pcap header)",
            251 => "Bluetooth LE link layer",
            252 => "Wireshark upper PDU",
            253 => "Linux netlink",
            256 => "Bluetooth LE with pseudo-header",
            258 => "Apple PKTAP",
            263 => "IEEE 802.15.4 TAP",
            271 => "Linux vsock",
            276 => "Linux cooked capture v2",
            281..=285 => "DSA switch tag",
            _ => return format!("LINKTYPE {linktype}").into(),
        };
        name.into()
    }
}

/// TCP flag bits as in the header's 13th byte.
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE.
    pub const ECE: u8 = 0x40;
    /// CWR.
    pub const CWR: u8 = 0x80;
}

/// The network layer of a packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Net {
    /// Nothing recognised above the link layer.
    #[default]
    None,
    /// IPv4 or IPv6.
    Ip {
        /// Source address.
        src: IpAddr,
        /// Destination address.
        dst: IpAddr,
        /// True when this packet is an IP fragment (the transport header is absent or
        /// incomplete until reassembly).
        fragment: bool,
    },
    /// ARP.
    Arp,
    /// Another EtherType.
    Other(u16),
}

/// The transport layer of a packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Transport {
    /// None parsed.
    #[default]
    None,
    /// TCP.
    Tcp(Tcp),
    /// UDP.
    Udp {
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Payload bytes present.
        payload_len: u32,
    },
    /// ICMP (for IPv4).
    Icmp,
    /// ICMPv6.
    Icmpv6,
    /// Another IP protocol number.
    Other(u8),
}

/// The TCP header fields the analysis needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tcp {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Flag bits (see [`tcp_flags`]).
    pub flags: u8,
    /// Window field, unscaled.
    pub window: u16,
    /// Segment length: payload bytes the IP header says the segment carries.
    pub payload_len: u32,
    /// The options the analysis needs.
    pub options: TcpOptions,
}

/// TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TcpOptions {
    /// Maximum segment size.
    pub mss: Option<u16>,
    /// Window scale shift count.
    pub window_scale: Option<u8>,
    /// SACK permitted.
    pub sack_permitted: bool,
    /// Number of SACK blocks (up to 4), and the blocks.
    pub sack_count: u8,
    /// SACK blocks: (left edge, right edge).
    pub sack: [(u32, u32); 4],
    /// Timestamps: (TSval, TSecr).
    pub timestamp: Option<(u32, u32)>,
}

impl TcpOptions {
    fn parse(tcp: &etherparse::TcpSlice<'_>) -> Self {
        use etherparse::TcpOptionElement as E;
        let mut o = Self::default();
        // A malformed option ends the walk; what came before it stands.
        for opt in tcp.options_iterator().map_while(Result::ok) {
            match opt {
                E::MaximumSegmentSize(v) => o.mss = Some(v),
                E::WindowScale(v) => o.window_scale = Some(v),
                E::SelectiveAcknowledgementPermitted => o.sack_permitted = true,
                E::SelectiveAcknowledgement(first, rest) => {
                    o.sack[0] = first;
                    o.sack_count = 1;
                    for b in rest.into_iter().flatten() {
                        o.sack[o.sack_count as usize] = b;
                        o.sack_count += 1;
                    }
                }
                E::Timestamp(val, ecr) => o.timestamp = Some((val, ecr)),
                E::Noop => {}
            }
        }
        o
    }
}

/// What a packet is, layer by layer, as a small `Copy` value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Ethernet source and destination, when the link layer has them.
    pub eth: Option<([u8; 6], [u8; 6])>,
    /// Network layer.
    pub net: Net,
    /// Transport layer.
    pub transport: Transport,
}

/// The dissector of a capture: [`dissect`] plus the state that spans packets (IP
/// fragment reassembly).
#[derive(Default)]
pub struct Dissector {}

impl Dissector {
    /// A dissector with no state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Dissects the next packet of the capture, in timeline order.
    pub fn dissect(&mut self, linktype: u16, data: &[u8], _ts_ns: i64) -> Summary {
        dissect(linktype, data)
    }
}

/// Dissects one packet of the given link type on its own. Never fails: what does not
/// parse is simply absent from the summary.
pub fn dissect(linktype: u16, data: &[u8]) -> Summary {
    let mut s = Summary::default();
    let sliced = match linktype {
        linktype::ETHERNET => {
            if data.len() >= 12 {
                let mut dst = [0; 6];
                let mut src = [0; 6];
                dst.copy_from_slice(&data[0..6]);
                src.copy_from_slice(&data[6..12]);
                s.eth = Some((src, dst));
            }
            LaxSlicedPacket::from_ethernet(data).ok()
        }
        linktype::RAW | linktype::RAW_BSD | linktype::RAW_OPENBSD | linktype::IPV4 | linktype::IPV6 => {
            LaxSlicedPacket::from_ip(data).ok()
        }
        linktype::NULL | linktype::LOOP => {
            if data.len() < 4 {
                return s;
            }
            match loopback_family(linktype, [data[0], data[1], data[2], data[3]]) {
                LoopbackPayload::Ip => LaxSlicedPacket::from_ip(&data[4..]).ok(),
                LoopbackPayload::EtherType(t) => Some(LaxSlicedPacket::from_ether_type(EtherType(t), &data[4..])),
                LoopbackPayload::Other => None,
            }
        }
        linktype::LINUX_SLL => {
            if data.len() < 16 {
                return s;
            }
            let proto = u16::from_be_bytes([data[14], data[15]]);
            Some(LaxSlicedPacket::from_ether_type(EtherType(proto), &data[16..]))
        }
        linktype::LINUX_SLL2 => {
            if data.len() < 20 {
                return s;
            }
            let proto = u16::from_be_bytes([data[0], data[1]]);
            Some(LaxSlicedPacket::from_ether_type(EtherType(proto), &data[20..]))
        }
        _ => None,
    };
    let Some(p) = sliced else { return s };
    match &p.net {
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            s.net = Net::Ip {
                src: IpAddr::V4(h.source_addr()),
                dst: IpAddr::V4(h.destination_addr()),
                fragment: ip.payload().fragmented,
            };
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            s.net = Net::Ip {
                src: IpAddr::V6(h.source_addr()),
                dst: IpAddr::V6(h.destination_addr()),
                fragment: ip.payload().fragmented,
            };
        }
        Some(LaxNetSlice::Arp(_)) => s.net = Net::Arp,
        None => {
            if let Some(ether) = p.ether_payload() {
                s.net = if ether.ether_type == EtherType::ARP { Net::Arp } else { Net::Other(ether.ether_type.0) };
            }
        }
    }
    s.transport = match &p.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            let payload_len = tcp_segment_len(&p, tcp.header_slice().len()).unwrap_or(tcp.payload().len() as u32);
            let h = tcp.header_slice();
            Transport::Tcp(Tcp {
                src_port: tcp.source_port(),
                dst_port: tcp.destination_port(),
                seq: tcp.sequence_number(),
                ack: tcp.acknowledgment_number(),
                flags: h[13],
                window: tcp.window_size(),
                payload_len,
                options: TcpOptions::parse(tcp),
            })
        }
        Some(TransportSlice::Udp(udp)) => Transport::Udp {
            src_port: udp.source_port(),
            dst_port: udp.destination_port(),
            payload_len: udp.payload().len() as u32,
        },
        Some(TransportSlice::Icmpv4(_)) => Transport::Icmp,
        Some(TransportSlice::Icmpv6(_)) => Transport::Icmpv6,
        Some(_) => Transport::None,
        None => match p.net.as_ref().and_then(|n| n.ip_payload_ref()) {
            Some(pl) if pl.ip_number == IpNumber::ICMP => Transport::Icmp,
            Some(pl) if pl.ip_number == IpNumber::IPV6_ICMP => Transport::Icmpv6,
            Some(pl) if !pl.fragmented => Transport::Other(pl.ip_number.0),
            _ => Transport::None,
        },
    };
    s
}

enum LoopbackPayload {
    Ip,
    EtherType(u16),
    Other,
}

/// Decodes the 4-byte header of BSD loopback captures. For `NULL` it is an address family
/// in the byte order of the capturing host, for `LOOP` in network order; some systems
/// put an EtherType there instead. This follows Wireshark's packet-null.c heuristics
/// (written for a little-endian reader), so both tools agree on odd captures.
fn loopback_family(linktype: u16, bytes: [u8; 4]) -> LoopbackPayload {
    let mut h = if linktype == linktype::LOOP { u32::from_be_bytes(bytes) } else { u32::from_le_bytes(bytes) };
    if linktype == linktype::NULL {
        if h & 0xffff_0000 != 0 {
            if h & 0xff00_0000 == 0 && h & 0x00ff_0000 < 0x0006_0000 {
                h >>= 16;
            } else {
                h = h.swap_bytes();
            }
        } else if h & 0xff == 0 && h & 0xff00 < 0x0600 {
            h = ((h & 0xffff) as u16).swap_bytes() as u32;
        }
    }
    match h {
        // AF_INET; AF_INET6 on the BSDs (24), FreeBSD (28) and Darwin (30).
        2 | 24 | 28 | 30 => LoopbackPayload::Ip,
        // Larger than any 802.3 length: an EtherType (Wireshark keeps the low 16 bits).
        h if h > 1500 => LoopbackPayload::EtherType(h as u16),
        _ => LoopbackPayload::Other,
    }
}

/// The TCP segment length from the IP length fields (what Wireshark calls `tcp.len`),
/// which stays right when the capture was snapped short.
fn tcp_segment_len(p: &LaxSlicedPacket<'_>, header_len: usize) -> Option<u32> {
    let net = p.net.as_ref()?;
    let ip_payload = net.ip_payload_ref()?;
    let declared = match ip_payload.len_source {
        etherparse::LenSource::Slice => return None,
        _ => match net {
            LaxNetSlice::Ipv4(ip) => {
                let h = ip.header();
                (h.total_len() as usize).checked_sub(h.ihl() as usize * 4)?
            }
            LaxNetSlice::Ipv6(ip) => {
                let h = ip.header();
                // The payload length counts extension headers too; they end where the
                // upper-layer payload starts.
                let ext_len = (ip_payload.payload.as_ptr() as usize)
                    .checked_sub(h.slice().as_ptr() as usize)?
                    .checked_sub(40)?;
                (h.payload_length() as usize).checked_sub(ext_len)?
            }
            LaxNetSlice::Arp(_) => return None,
        },
    };
    declared.checked_sub(header_len).map(|n| n as u32)
}

/// The columns of a packet-list row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Columns {
    /// Source address (IP, else MAC).
    pub src: String,
    /// Destination address.
    pub dst: String,
    /// Protocol name.
    pub protocol: &'static str,
    /// A one-line description.
    pub info: String,
}

/// Protocol name of the highest layer we dissected.
pub fn protocol_name(s: &Summary) -> &'static str {
    match (&s.net, &s.transport) {
        (_, Transport::Tcp(_)) => "TCP",
        (_, Transport::Udp { .. }) => "UDP",
        (_, Transport::Icmp) => "ICMP",
        (_, Transport::Icmpv6) => "ICMPv6",
        (Net::Arp, _) => "ARP",
        (Net::Ip { src: IpAddr::V4(_), .. }, _) => "IPv4",
        (Net::Ip { src: IpAddr::V6(_), .. }, _) => "IPv6",
        (Net::Other(_), _) if s.eth.is_some() => "Ethernet",
        _ => "Frame",
    }
}

/// The packet-list columns for one packet.
pub fn columns(linktype: u16, data: &[u8]) -> Columns {
    let s = dissect(linktype, data);
    let (src, dst) = match (&s.net, &s.eth) {
        (Net::Ip { src, dst, .. }, _) => (src.to_string(), dst.to_string()),
        (_, Some((src, dst))) => (mac(src), mac(dst)),
        _ => (String::new(), String::new()),
    };
    let mut info = String::new();
    match s.transport {
        Transport::Tcp(t) => {
            let _ = write!(info, "{} → {} ", t.src_port, t.dst_port);
            let names = [
                (tcp_flags::SYN, "SYN"),
                (tcp_flags::FIN, "FIN"),
                (tcp_flags::RST, "RST"),
                (tcp_flags::PSH, "PSH"),
                (tcp_flags::ACK, "ACK"),
                (tcp_flags::URG, "URG"),
            ];
            let set: Vec<&str> = names.iter().filter(|(b, _)| t.flags & b != 0).map(|(_, n)| *n).collect();
            let _ = write!(info, "[{}] Seq={} Win={} Len={}", set.join(", "), t.seq, t.window, t.payload_len);
        }
        Transport::Udp { src_port, dst_port, payload_len } => {
            let _ = write!(info, "{src_port} → {dst_port} Len={payload_len}");
        }
        _ => match s.net {
            Net::Ip { fragment: true, .. } => info.push_str("Fragmented IP packet"),
            Net::Other(t) => {
                let _ = write!(info, "EtherType 0x{t:04x}");
            }
            _ => {}
        },
    }
    Columns { src, dst, protocol: protocol_name(&s), info }
}

fn mac(m: &[u8; 6]) -> String {
    format!("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
}

#[cfg(test)]
mod test {
    use super::*;

    /// Ethernet + IPv4 + TCP SYN, 10.0.0.1:40000 → 10.0.0.2:80, from a real capture.
    const SYN: [u8; 74] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00, // eth
        0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10, 0,
        0, 2, // ipv4
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa,
        0xf0, 0x00, 0x00, 0x00, 0x00, // tcp
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03,
        0x07, // options
    ];

    #[test]
    fn decodes_a_tcp_syn() {
        let s = dissect(linktype::ETHERNET, &SYN);
        assert_eq!(
            s.net,
            Net::Ip { src: "10.0.0.1".parse().unwrap(), dst: "10.0.0.2".parse().unwrap(), fragment: false }
        );
        let Transport::Tcp(t) = s.transport else { panic!("{s:?}") };
        assert_eq!((t.src_port, t.dst_port, t.seq, t.flags, t.payload_len), (40000, 80, 100, tcp_flags::SYN, 0));
        assert_eq!((t.options.mss, t.options.window_scale, t.options.sack_permitted), (Some(1460), Some(7), true));
        assert_eq!(t.options.timestamp, Some((1, 0)));
        let c = columns(linktype::ETHERNET, &SYN);
        assert_eq!((c.src.as_str(), c.dst.as_str(), c.protocol), ("10.0.0.1", "10.0.0.2", "TCP"));
        assert_eq!(c.info, "40000 → 80 [SYN] Seq=100 Win=64240 Len=0");
    }

    #[test]
    fn every_prefix_dissects_without_panic_and_keeps_what_parsed() {
        for cut in 0..SYN.len() {
            let s = dissect(linktype::ETHERNET, &SYN[..cut]);
            if cut >= 34 {
                assert!(matches!(s.net, Net::Ip { .. }), "cut {cut}");
            }
            let _ = columns(linktype::ETHERNET, &SYN[..cut]);
        }
    }

    #[test]
    fn other_link_types_reach_ip() {
        let ip = &SYN[14..];
        let mut sll = vec![0u8; 16];
        sll[14..16].copy_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(ip);
        let mut sll2 = vec![0u8; 20];
        sll2[0..2].copy_from_slice(&[0x08, 0x00]);
        sll2.extend_from_slice(ip);
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(ip);
        for (lt, bytes) in [
            (linktype::RAW, ip.to_vec()),
            (linktype::LINUX_SLL, sll),
            (linktype::LINUX_SLL2, sll2),
            (linktype::NULL, null),
        ] {
            assert!(matches!(dissect(lt, &bytes).transport, Transport::Tcp(_)), "linktype {lt}");
        }
    }
}
