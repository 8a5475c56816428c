//! Link, network and transport dissection into a small `Copy` summary.
//!
//! One pass over the headers, outermost first, with Wireshark's rules for what a layer
//! needs before the next one is looked at (so that `tcp.stream`, `udp.stream` and the
//! conversations come out as tshark's): a truncated packet keeps the layers that parsed
//! and says in [`Summary::stop`] where and why the rest stopped. [`Summary::stack`]
//! names the layers as tshark's `frame.protocols` does.
//!
//! etherparse's lax slicer was the first version of this module; it gave way where
//! Wireshark's rules differ from it (TSO zero lengths, which fragments carry a transport
//! header, bogus lengths that still count as a segment, more than three VLAN tags,
//! unknown IPv6 extension headers, ICMP errors), and because reassembly needs the IP
//! layer split from the transport layer. Each protocol lives in its own file below
//! `wire/`, with its field offsets.
//!
//! [`dissect`] looks at one packet alone. [`Dissector`] keeps the state that spans
//! packets: IP fragments wait there until the frame that completes the datagram, which
//! then carries the transport layer of the whole datagram, as in tshark.
//!
//! Asked to ([`dissect_layers`], [`Dissector::dissect_frame_layers`]), the same walk
//! records where each layer lies ([`Layers`]): field extraction and the packet detail
//! read their bytes from there.

mod arp;
pub(crate) mod capture_hdr;
mod frag;
mod icmp;
mod ip;
mod layers;
mod link;
mod stack;
mod transport;
mod tunnel;
pub mod wlan;

pub use capture_hdr::pktap_process;
pub use frag::{FragLimits, FragSkip, FragStats, Fragment};
pub use icmp::{icmp_names, icmp_type_name};
pub use layers::{LayerSpan, Layers};
pub use stack::{Proto, Stack};

use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// Link-layer header types (tcpdump.org `LINKTYPE_*`) that we dissect.
pub mod linktype {
    /// BSD loopback: 4-byte address family in host byte order.
    pub const NULL: u16 = 0;
    /// Ethernet II.
    pub const ETHERNET: u16 = 1;
    /// PPP (RFC 1661), possibly in HDLC-like framing.
    pub const PPP: u16 = 9;
    /// Raw IP (BSD value).
    pub const RAW_BSD: u16 = 12;
    /// PPP in HDLC-like framing (RFC 1662).
    pub const PPP_HDLC: u16 = 50;
    /// Raw IP (OpenBSD value).
    pub const RAW_OPENBSD: u16 = 14;
    /// Raw IP.
    pub const RAW: u16 = 101;
    /// Cisco HDLC.
    pub const C_HDLC: u16 = 104;
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
    /// Linux ARCNET (source, destination, offset, protocol ID).
    pub const ARCNET_LINUX: u16 = 129;
    /// USER2: PKTAP as Mac OS X 10.9 wrote it.
    pub const USER2: u16 = 149;
    /// Solaris IPNET.
    pub const IPNET: u16 = 226;
    /// Linux NFLOG (iptables' NFLOG target).
    pub const NFLOG: u16 = 239;
    /// IP over InfiniBand, with libpcap's 40-byte GRH pseudo-header.
    pub const IPOIB: u16 = 242;
    /// Apple's PKTAP (a header naming the interface and process, then the packet).
    pub const PKTAP: u16 = 258;
    /// FDDI (libpcap writes its addresses bit-swapped).
    pub const FDDI: u16 = 10;
    /// IEEE 802.11 frames, no radio header.
    pub const IEEE802_11: u16 = 105;
    /// IEEE 802.11 after a radiotap header.
    pub const IEEE802_11_RADIOTAP: u16 = 127;
    /// Per-Packet Information header, then the packet of the DLT it names.
    pub const PPI: u16 = 192;

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
    /// IPv4 or IPv6 (the innermost, when IP is tunnelled in IP; see [`Summary::outer_ip`]).
    Ip {
        /// Source address.
        src: IpAddr,
        /// Destination address (for IPv4 with a source route option, the final one, as
        /// Wireshark takes it).
        dst: IpAddr,
        /// True when this packet is an IP fragment. Before the datagram is complete the
        /// transport layer is absent; the frame that completes it carries the transport
        /// layer of the whole datagram ([`Ip::frag`] says which).
        fragment: bool,
    },
    /// ARP (details in [`Summary::arp`]).
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
        /// Payload bytes the UDP length field declares (Wireshark's `Len=`: the IP
        /// payload minus 8 when the field claims more than the IP payload holds), not
        /// only those captured.
        payload_len: u32,
    },
    /// ICMP (for IPv4); type and code in [`Summary::icmp`].
    Icmp,
    /// ICMPv6; type and code in [`Summary::icmp`].
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
    /// The header's byte 12: the data offset in 32-bit words (high four bits) and the
    /// flag bits above `flags` (low four: three reserved bits and AE).
    pub data_offset: u8,
    /// Window field, unscaled.
    pub window: u16,
    /// Segment length: payload bytes the IP header says the segment carries
    /// (Wireshark's `tcp.len`), also when the capture was snapped short.
    pub payload_len: u32,
    /// The options the analysis needs.
    pub options: TcpOptions,
}

impl Tcp {
    /// The AE, CWR and ECE bits read as AccECN's 3-bit ACE counter (RFC 9768 §3.2.2).
    pub fn ace(&self) -> u8 {
        (self.data_offset & 1) << 2 | self.flags >> 6
    }
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
    /// An AccECN option (RFC 9768 §3.2.3) is there.
    pub accecn: bool,
}

/// The kind of link layer a packet was captured with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Link {
    /// Not dissected yet (a default summary).
    #[default]
    None,
    /// Ethernet II / 802.3.
    Ethernet,
    /// Linux cooked capture v1.
    Sll,
    /// Linux cooked capture v2.
    Sll2,
    /// BSD loopback (`NULL`, host byte order).
    Null,
    /// OpenBSD loopback (`LOOP`, network byte order).
    Loop,
    /// Raw IP, version from the first nibble.
    Raw,
    /// Raw IPv4.
    Ipv4,
    /// Raw IPv6.
    Ipv6,
    /// PPP (link types PPP and PPP_HDLC).
    Ppp,
    /// Cisco HDLC.
    Chdlc,
    /// Linux NFLOG.
    Nflog,
    /// Apple PKTAP (also as USER2).
    Pktap,
    /// Solaris IPNET.
    Ipnet,
    /// IP over InfiniBand.
    Ipoib,
    /// Linux ARCNET.
    Arcnet,
    /// IEEE 802.11 with no radio header.
    Ieee80211,
    /// IEEE 802.11 after a radiotap header.
    Radiotap,
    /// PPI.
    Ppi,
    /// FDDI.
    Fddi,
    /// A link type we do not dissect.
    Other(u16),
}

/// One 802.1Q / 802.1ad tag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct VlanTag {
    /// The EtherType that introduced the tag: 0x8100 (802.1Q), 0x88a8 (802.1ad S-tag)
    /// or 0x9100 (pre-standard QinQ).
    pub tpid: u16,
    /// VLAN identifier (12 bits).
    pub id: u16,
    /// Priority code point.
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
}

/// The VLAN tags of a frame, outermost first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Vlans {
    /// The first [`Vlans::CAPACITY`] tags.
    tags: [VlanTag; Vlans::CAPACITY],
    /// Tags recorded in `tags`.
    len: u8,
    /// Tags seen, also past the capacity.
    pub seen: u8,
}

impl Vlans {
    /// Tags recorded.
    pub const CAPACITY: usize = 3;

    /// The recorded tags, outermost first.
    pub fn tags(&self) -> &[VlanTag] {
        &self.tags[..self.len as usize]
    }

    /// The VLAN ids, outermost first.
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.tags().iter().map(|t| t.id)
    }

    /// True when the frame carried no tag.
    pub fn is_empty(&self) -> bool {
        self.seen == 0
    }

    fn push(&mut self, tag: VlanTag) {
        if let Some(slot) = self.tags.get_mut(self.len as usize) {
            *slot = tag;
            self.len += 1;
        }
        self.seen = self.seen.saturating_add(1);
    }
}

/// Where a fragment stands in reassembly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Frag {
    /// Not a fragment.
    #[default]
    None,
    /// A fragment held until its datagram is complete.
    Pending,
    /// This fragment completed its datagram; the transport layer of the summary is the
    /// datagram's.
    Complete {
        /// Bytes of the reassembled payload (above the IP header).
        len: u32,
        /// Fragments it took (duplicates not counted).
        fragments: u16,
    },
    /// A fragment that is not reassembled.
    Skipped(FragSkip),
}

/// IPv4 / IPv6 header details.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ip {
    /// 4 or 6.
    pub version: u8,
    /// IPv4: header length with options; IPv6: 40 plus the extension headers in this
    /// packet before its payload.
    pub header_len: u16,
    /// IPv4: total length (for a TSO packet with length 0, the captured length, as
    /// Wireshark assumes); IPv6: 40 plus the payload length.
    pub total_len: u32,
    /// Time to live / hop limit.
    pub ttl: u8,
    /// IPv4 type of service / IPv6 traffic class (DSCP and ECN).
    pub tos: u8,
    /// IPv6 flow label.
    pub flow_label: u32,
    /// IPv4 identification, or the identification of an IPv6 fragment header.
    pub id: u32,
    /// IPv4 "don't fragment".
    pub dont_fragment: bool,
    /// "More fragments" (IPv4 flag or IPv6 fragment header).
    pub more_fragments: bool,
    /// Fragment offset in bytes.
    pub frag_offset: u16,
    /// IPv4 protocol, or the IPv6 next header after the extension headers.
    pub protocol: u8,
    /// IPv4 options present.
    pub options: bool,
    /// IPv6 extension headers walked (AH included).
    pub ext_headers: u8,
    /// Reassembly state of a fragment.
    pub frag: Frag,
}

/// An ARP packet (RFC 826).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Arp {
    /// Hardware type (1 = Ethernet).
    pub hw_type: u16,
    /// Protocol type (0x0800 = IPv4).
    pub proto_type: u16,
    /// Operation (1 request, 2 reply, 3/4 RARP).
    pub opcode: u16,
    /// Sender hardware and protocol address, for IPv4.
    pub sender: Option<(HwAddr, Ipv4Addr)>,
    /// Target hardware and protocol address.
    pub target: Option<(HwAddr, Ipv4Addr)>,
}

/// An ARP hardware address: 6 bytes on Ethernet, 1 on ARCNET, 20 on InfiniBand.
#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HwAddr {
    len: u8,
    bytes: [u8; HwAddr::MAX],
}

impl HwAddr {
    /// The longest address kept (IP over InfiniBand's, RFC 4391 §9.1.1).
    pub const MAX: usize = 20;

    /// The address of `b`, if it is no longer than [`HwAddr::MAX`].
    pub fn new(b: &[u8]) -> Option<HwAddr> {
        let mut bytes = [0; HwAddr::MAX];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(HwAddr {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The address's bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The address as a MAC address, when it has 6 bytes.
    pub fn mac(&self) -> Option<[u8; 6]> {
        self.as_slice().try_into().ok()
    }

    /// True when every byte is zero.
    pub fn is_zero(&self) -> bool {
        self.as_slice().iter().all(|&b| b == 0)
    }
}

impl fmt::Debug for HwAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HwAddr({:02x?})", self.as_slice())
    }
}

/// An ICMP or ICMPv6 message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Icmp {
    /// ICMPv6 rather than ICMP.
    pub v6: bool,
    /// Type.
    #[serde(rename = "type")]
    pub ty: u8,
    /// Code.
    pub code: u8,
    /// Identifier and sequence number of echo messages (and, for ICMP, of timestamp,
    /// information and address mask messages).
    pub echo: Option<(u16, u16)>,
    /// An ICMPv6 echo request sent to a Teredo server's UDP port 3544: a Teredo client's
    /// direct IPv6 connectivity test (RFC 4380 §5.2.9), as packet-icmpv6.c names it.
    pub teredo_test: bool,
    /// What the message carries after its header, where it is more than data.
    pub body: IcmpBody,
}

/// What an ICMP message carries after its header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum IcmpBody {
    /// Nothing looked at.
    #[default]
    None,
    /// An error message's quote of the packet that caused it. Its transport layer is
    /// NOT the packet's ([`Summary::transport`] stays ICMP): Wireshark's TCP and UDP taps
    /// do not count these frames in conversations. (Wireshark does give a quoted TCP or
    /// UDP flow a `tcp.stream` / `udp.stream` number when it has not seen the flow yet.)
    Quoted(Quoted),
    /// Neighbor discovery's fields and options, of an ICMPv6 message that has them.
    Nd(Nd),
}

/// What an ICMPv6 neighbor discovery message (RFC 4861 §4), or another that carries
/// neighbor discovery options (RFC 3122, 3971, 5568, 6275), says beyond its type and
/// code, as far as Wireshark's Info column shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Nd {
    /// The target address of a neighbor solicitation or advertisement.
    pub target: Option<std::net::Ipv6Addr>,
    /// A neighbor advertisement's router, solicited and override flags (RFC 4861
    /// §4.4), in the top three bits as on the wire.
    pub flags: u8,
    /// The subtype of an FMIPv6 (RFC 5568 §6.1) or experimental mobility message.
    pub subtype: Option<u8>,
    /// The link-layer addresses of the source and target link-layer address options
    /// (RFC 4861 §4.6.1), in the message's order: the first [`Nd::LINKS`] of them.
    pub links: [Option<NdLink>; ND_LINKS],
}

/// How many link-layer address options [`Nd`] keeps. A message has one (RFC 4861 §4
/// allows a source option in solicitations and advertisements, a target one in
/// neighbor advertisements and redirects); more are kept only as far as this.
const ND_LINKS: usize = 4;

impl Nd {
    /// How many link-layer address options are kept.
    pub const LINKS: usize = ND_LINKS;
}

/// A source or target link-layer address option whose address Wireshark names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NdLink {
    /// A target link-layer address option (type 2), else a source one (type 1).
    pub target: bool,
    /// The address.
    pub addr: LinkAddr,
}

/// A link-layer address in a neighbor discovery option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LinkAddr {
    /// A 48-bit MAC address (an option of 8 bytes; RFC 2464 §6).
    Mac([u8; 6]),
    /// An EUI-64 (an option of 16 bytes whose last 6 are zero; RFC 4944 §8).
    Eui64([u8; 8]),
}

impl Icmp {
    /// For error messages: the packet they quote (see [`IcmpBody::Quoted`]).
    pub fn quoted(&self) -> Option<&Quoted> {
        match &self.body {
            IcmpBody::Quoted(q) => Some(q),
            _ => None,
        }
    }

    /// Neighbor discovery's fields and options (see [`IcmpBody::Nd`]).
    pub fn nd(&self) -> Option<&Nd> {
        match &self.body {
            IcmpBody::Nd(nd) => Some(nd),
            _ => None,
        }
    }

    /// True for the error messages, which quote the packet that caused them
    /// (ICMP 3, 4, 5, 11, 12; ICMPv6 1–4).
    pub fn is_error(&self) -> bool {
        if self.v6 {
            (1..=4).contains(&self.ty)
        } else {
            matches!(self.ty, 3 | 4 | 5 | 11 | 12)
        }
    }
}

/// The packet an ICMP error message quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Quoted {
    /// Its source address.
    pub src: IpAddr,
    /// Its destination address.
    pub dst: IpAddr,
    /// Its IP protocol.
    pub protocol: u8,
    /// Its TCP or UDP ports, when the quote holds them (also when it holds too little
    /// of the header for [`Quoted::transport`]).
    pub ports: Option<(u16, u16)>,
    /// Its transport header, where the quote holds enough of it for Wireshark to
    /// dissect it (a whole TCP header; a UDP header with a valid length).
    pub transport: Transport,
}

/// A tunnel a packet was decapsulated from: the summary's layers are the inner packet's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Tunnel {
    /// Which tunnel.
    pub kind: TunnelKind,
    /// The outer Ethernet addresses (source, destination), when the inner packet is an
    /// Ethernet frame too.
    pub eth: Option<([u8; 6], [u8; 6])>,
    /// The UDP datagram that carried the tunnel: a conversation of its own.
    pub udp: Option<OuterUdp>,
}

/// The kinds of tunnel decapsulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TunnelKind {
    /// VXLAN (UDP 4789).
    Vxlan,
    /// VXLAN-GPE (UDP 4790).
    VxlanGpe,
    /// Geneve (UDP 6081).
    Geneve,
    /// GRE (IP protocol 47).
    Gre,
    /// ERSPAN in GRE.
    Erspan,
    /// GTP-U (UDP 2152).
    GtpU,
    /// Teredo (UDP 3544).
    Teredo,
    /// MPLS over UDP (UDP 6635).
    MplsUdp,
}

/// The outer UDP datagram of a tunnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct OuterUdp {
    /// Outer source address.
    pub src: IpAddr,
    /// Outer destination address.
    pub dst: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload bytes the UDP length declares (as [`Transport::Udp`]).
    pub payload_len: u32,
}

/// Where a packet's TCP or UDP payload lies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Payload {
    /// Offset of its first byte: in the frame, or in [`Dissector::reassembled`] when
    /// `reassembled` is set.
    pub offset: u32,
    /// Bytes of it captured there (at most the length the headers declare).
    pub len: u32,
    /// It is in the IP datagram this packet completed.
    pub reassembled: bool,
}

impl Payload {
    /// The payload bytes, given the frame and the dissector's reassembled datagram.
    pub fn bytes<'a>(&self, frame: &'a [u8], reassembled: &'a [u8]) -> &'a [u8] {
        let from = if self.reassembled { reassembled } else { frame };
        let start = (self.offset as usize).min(from.len());
        &from[start..(start + self.len as usize).min(from.len())]
    }
}

/// The layer a dissection stopped at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Layer {
    /// Ethernet header.
    Ethernet,
    /// 802.1Q / 802.1ad tag.
    Vlan,
    /// Linux cooked capture header (v1 or v2).
    Sll,
    /// BSD loopback header.
    Null,
    /// IEEE 802.2 LLC / SNAP header.
    Llc,
    /// MPLS label stack.
    Mpls,
    /// PPPoE session header or PPP protocol field.
    Pppoe,
    /// ARP.
    Arp,
    /// IPv4 header.
    Ipv4,
    /// IPv6 header.
    Ipv6,
    /// IPv6 extension header (or AH).
    Ipv6Ext,
    /// TCP header.
    Tcp,
    /// UDP header.
    Udp,
    /// ICMP header.
    Icmp,
    /// ICMPv6 header.
    Icmpv6,
    /// PPP header (address, control, protocol).
    Ppp,
    /// Cisco HDLC header.
    Chdlc,
    /// VXLAN header.
    Vxlan,
    /// Geneve header.
    Geneve,
    /// GRE header.
    Gre,
    /// ERSPAN header.
    Erspan,
    /// GTP-U header.
    Gtp,
    /// Teredo headers.
    Teredo,
    /// NSH header.
    Nsh,
    /// Cisco MetaData header.
    Cmd,
    /// A capture mechanism's header (NFLOG, PKTAP, IPNET, IPoIB, ARCNET, radiotap,
    /// PPI, FDDI).
    LinkHeader,
    /// An 802.11 MAC header.
    Wlan,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Ethernet => "Ethernet header",
            Layer::Vlan => "VLAN tag",
            Layer::Sll => "Linux cooked capture header",
            Layer::Null => "loopback header",
            Layer::Llc => "LLC header",
            Layer::Mpls => "MPLS label stack",
            Layer::Pppoe => "PPPoE header",
            Layer::Arp => "ARP packet",
            Layer::Ipv4 => "IPv4 header",
            Layer::Ipv6 => "IPv6 header",
            Layer::Ipv6Ext => "IPv6 extension header",
            Layer::Tcp => "TCP header",
            Layer::Udp => "UDP header",
            Layer::Icmp => "ICMP header",
            Layer::Icmpv6 => "ICMPv6 header",
            Layer::Ppp => "PPP header",
            Layer::Chdlc => "Cisco HDLC header",
            Layer::Vxlan => "VXLAN header",
            Layer::Geneve => "Geneve header",
            Layer::Gre => "GRE header",
            Layer::Erspan => "ERSPAN header",
            Layer::Gtp => "GTP-U header",
            Layer::Teredo => "Teredo header",
            Layer::Nsh => "NSH header",
            Layer::Cmd => "Cisco MetaData header",
            Layer::LinkHeader => "link-layer header",
            Layer::Wlan => "802.11 header",
        })
    }
}

/// Why a dissection stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum StopReason {
    /// The capture holds fewer bytes than the layer needs.
    Truncated {
        /// Bytes the layer needs.
        needed: u32,
        /// Bytes captured from where the layer starts.
        available: u32,
    },
    /// A field makes the layer unusable (named as Wireshark's expert info names it; a
    /// thin pointer, so the reason stays 16 bytes with three variants).
    Bogus(&'static &'static str),
    /// An IPv4 header field packet-ip.c stops at, with the values its Info shows.
    BadIpv4(BadIpv4),
}

/// The IPv4 header fields packet-ip.c stops at (its Info names the values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BadIpv4 {
    /// A version other than 4 (and 6, which the IPv6 dissector takes).
    Version(u8),
    /// A header length below 20 bytes.
    HeaderLen(u8),
    /// A total length below the header's (and not 0, which TSO leaves).
    TotalLen {
        /// The total length field.
        total: u16,
        /// The header length.
        header: u8,
    },
}

impl fmt::Display for BadIpv4 {
    /// As packet-ip.c words the Info column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BadIpv4::Version(v) => write!(f, "Bogus IPv4 version ({v}, must be 4)"),
            BadIpv4::HeaderLen(h) => write!(f, "Bogus IP header length ({h}, must be at least 20)"),
            BadIpv4::TotalLen { total, header } => write!(
                f,
                "Bogus IP length ({total}, less than header length {header})"
            ),
        }
    }
}

/// Where and why a dissection stopped before the end of what it could dissect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Stop {
    /// The layer that did not parse.
    pub layer: Layer,
    /// Its offset in the frame (for a reassembled datagram: in the datagram's payload).
    pub offset: u32,
    /// Why.
    pub reason: StopReason,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            StopReason::Truncated { needed, available } => write!(
                f,
                "{} at offset {} truncated: {needed} bytes needed, {available} captured",
                self.layer, self.offset
            ),
            StopReason::Bogus(why) => write!(f, "{} at offset {}: {why}", self.layer, self.offset),
            StopReason::BadIpv4(why) => {
                write!(f, "{} at offset {}: {why}", self.layer, self.offset)
            }
        }
    }
}

impl std::error::Error for Stop {}

/// What a packet is, layer by layer, as a small `Copy` value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Ethernet source and destination, when the link layer has them.
    pub eth: Option<([u8; 6], [u8; 6])>,
    /// ARCNET source and destination IDs, when the link layer is ARCNET.
    pub arcnet: Option<(u8, u8)>,
    /// Network layer.
    pub net: Net,
    /// Transport layer (for an ICMP error, ICMP: never the quoted packet's).
    pub transport: Transport,
    /// Link layer kind.
    pub link: Link,
    /// 802.1Q / 802.1ad tags.
    pub vlan: Vlans,
    /// IP header details of the layer in [`Summary::net`].
    pub ip: Option<Ip>,
    /// The outer addresses when IP is carried in IP (protocols 4 and 41) or in a tunnel
    /// (the outermost IP layer's; [`Dissector::tunnel`] tells the rest of a tunnel).
    pub outer_ip: Option<(IpAddr, IpAddr)>,
    /// ARP details.
    pub arp: Option<Arp>,
    /// ICMP / ICMPv6 details.
    pub icmp: Option<Icmp>,
    /// Where the TCP or UDP payload lies (for [`Transport::Tcp`] and [`Transport::Udp`]).
    pub payload: Option<Payload>,
    /// Set when a layer could not be dissected (truncated or bogus).
    pub stop: Option<Stop>,
    /// The protocols, as tshark's `frame.protocols` names them.
    pub stack: Stack,
}

impl Summary {
    /// tshark's protocol names for this packet, outermost first (`frame.protocols`
    /// without `frame`, up to the transport layer).
    pub fn protocols(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.stack.names()
    }
}

/// The dissector of a capture: [`dissect`] plus the state that spans packets (IP
/// fragment reassembly).
pub struct Dissector {
    frags: frag::Reassembler,
    /// The payload of the datagram the last packet completed (empty if none).
    reassembled: Vec<u8>,
    /// The tunnel the last packet came out of.
    tunnel: Option<Tunnel>,
    /// Packets dissected so far (the next one's number in [`frag::Fragment::frame`]).
    packets: u64,
}

impl Default for Dissector {
    fn default() -> Self {
        Self::with_limits(FragLimits::default())
    }
}

impl Dissector {
    /// A dissector with no state, and the default reassembly limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A dissector with the given reassembly limits.
    pub fn with_limits(limits: FragLimits) -> Self {
        Dissector {
            frags: frag::Reassembler::new(limits),
            reassembled: Vec::new(),
            tunnel: None,
            packets: 0,
        }
    }

    /// Dissects the next packet of the capture, in timeline order. Length fields in the
    /// headers are believed past the captured bytes (a snap length); see
    /// [`Dissector::dissect_frame`].
    pub fn dissect(&mut self, linktype: u16, data: &[u8], ts_ns: i64) -> Summary {
        self.walk(linktype, data, link::UNKNOWN, ts_ns, None)
    }

    /// Dissects the next packet of the capture, in timeline order, knowing its length on
    /// the wire (`frame.len`; `data` may be cut short by the snap length). As Wireshark,
    /// an IP length past the frame is believed only as far as the frame goes, and an
    /// IPv4 total length of 0 (TSO) stands for the frame's.
    pub fn dissect_frame(
        &mut self,
        linktype: u16,
        data: &[u8],
        wire_len: usize,
        ts_ns: i64,
    ) -> Summary {
        self.walk(linktype, data, wire_len, ts_ns, None)
    }

    /// [`Dissector::dissect_frame`], recording where each layer lies in `layers`
    /// (cleared first). Layers of a datagram this packet completed count their offsets
    /// in [`Dissector::reassembled`].
    pub fn dissect_frame_layers(
        &mut self,
        linktype: u16,
        data: &[u8],
        wire_len: usize,
        ts_ns: i64,
        layers: &mut Layers,
    ) -> Summary {
        layers.clear();
        self.walk(linktype, data, wire_len, ts_ns, Some(layers))
    }

    fn walk(
        &mut self,
        linktype: u16,
        data: &[u8],
        reported: usize,
        ts_ns: i64,
        layers: Option<&mut Layers>,
    ) -> Summary {
        let mut reassembled = std::mem::take(&mut self.reassembled);
        reassembled.clear();
        self.frags.set_frame(self.packets);
        self.packets += 1;
        let mut w = Walker::new(Some((&mut self.frags, ts_ns)), layers);
        w.link(linktype, data, reported);
        if let Some(buf) = w.reassembled.take() {
            reassembled = buf;
        }
        self.reassembled = reassembled;
        self.tunnel = w.tunnel;
        w.s
    }

    /// The tunnel the last packet dissected came out of (the outermost, when tunnels
    /// nest): its summary describes the inner packet, this the outer UDP datagram and
    /// Ethernet header. Kept beside the summary, which is copied for every packet.
    pub fn tunnel(&self) -> Option<Tunnel> {
        self.tunnel
    }

    /// The IP payload reassembled by the last call of [`Dissector::dissect`], when that
    /// packet completed a fragmented datagram: the bytes above the IP header that the
    /// summary's transport layer starts at. Empty otherwise.
    pub fn reassembled(&self) -> &[u8] {
        &self.reassembled
    }

    /// The fragments of the datagrams the last packet completed (each datagram's by
    /// offset, the outer one's first), numbered by the order this dissector saw their
    /// packets in (0 first): the frames the packet detail reads again to show them.
    pub fn fragments(&self) -> &[Fragment] {
        self.frags.completed()
    }

    /// Counters of the fragment reassembly (completed, timed out, evicted, pending).
    pub fn frag_stats(&self) -> FragStats {
        self.frags.stats()
    }
}

/// Dissects one packet of the given link type on its own. Never fails: what does not
/// parse is absent from the summary, and [`Summary::stop`] says why. IP fragments are
/// not reassembled (use a [`Dissector`]).
pub fn dissect(linktype: u16, data: &[u8]) -> Summary {
    let mut w = Walker::new(None, None);
    w.link(linktype, data, link::UNKNOWN);
    w.s
}

/// Dissects one packet on its own, knowing its length on the wire (as
/// [`Dissector::dissect_frame`], without fragment reassembly), and records where each
/// layer lies in `layers` (cleared first).
pub fn dissect_layers(linktype: u16, data: &[u8], wire_len: usize, layers: &mut Layers) -> Summary {
    layers.clear();
    let mut w = Walker::new(None, Some(layers));
    w.link(linktype, data, wire_len);
    w.s
}

/// The state of one dissection: the summary being filled in, and the reassembly table
/// with the packet's timestamp when there is one.
pub(crate) struct Walker<'r> {
    s: Summary,
    frags: Option<(&'r mut frag::Reassembler, i64)>,
    /// Where the layers are recorded, when they are.
    layers: Option<&'r mut Layers>,
    /// A datagram this packet completed.
    reassembled: Option<Vec<u8>>,
    /// VLAN id Wireshark keys IPv4 reassembly on (`pinfo->vlan_id`: the last 802.1Q tag).
    vlan_id: u16,
    /// IP layers entered (IP in IP).
    ip_depth: u8,
    /// Datagrams this packet completed.
    reassemblies: u8,
    /// An IPv6 fragment header was walked.
    seen_fraghdr: bool,
    /// The bytes being walked are a reassembled datagram.
    in_datagram: bool,
    /// Tunnels entered.
    tunnels: u8,
    /// The outermost tunnel entered.
    tunnel: Option<Tunnel>,
    /// The last Teredo layer walked was sent to a Teredo server's port (3544).
    to_teredo_server: bool,
}

impl<'r> Walker<'r> {
    fn new(
        frags: Option<(&'r mut frag::Reassembler, i64)>,
        layers: Option<&'r mut Layers>,
    ) -> Self {
        Walker {
            s: Summary::default(),
            frags,
            layers,
            reassembled: None,
            vlan_id: 0,
            ip_depth: 0,
            reassemblies: 0,
            seen_fraghdr: false,
            in_datagram: false,
            tunnels: 0,
            tunnel: None,
            to_teredo_server: false,
        }
    }

    /// Names protocol `p`, whose layer starts at `at` with a header of `header` bytes.
    #[inline]
    fn push(&mut self, p: Proto, at: link::Span<'_>, header: usize) {
        self.s.stack.push(p);
        if self.layers.is_some() {
            self.record(p, at.offset, header, at.known_len(), false);
        }
    }

    /// Records a layer (when layers are recorded).
    fn record(&mut self, p: Proto, offset: usize, header: usize, len: usize, quoted: bool) {
        if let Some(ls) = self.layers.as_deref_mut() {
            ls.push(LayerSpan {
                proto: p,
                offset: offset as u32,
                header_len: header as u32,
                len: len as u32,
                reassembled: self.in_datagram,
                quoted,
            });
        }
    }

    /// Sets the lengths of the layer named last, once its header has told them.
    fn resize(&mut self, p: Proto, header: usize, len: usize) {
        if let Some(ls) = self.layers.as_deref_mut() {
            ls.resize_last(p, header, len);
        }
    }

    /// Records where the dissection stopped (the first stop wins).
    fn stop(&mut self, layer: Layer, offset: usize, reason: StopReason) {
        if self.s.stop.is_none() {
            self.s.stop = Some(Stop {
                layer,
                offset: offset as u32,
                reason,
            });
        }
    }

    fn truncated(&mut self, layer: Layer, offset: usize, needed: usize, available: usize) {
        self.stop(
            layer,
            offset,
            StopReason::Truncated {
                needed: needed as u32,
                available: available as u32,
            },
        );
    }

    /// Records where the transport payload lies: `header` bytes into `p`, `declared` long.
    fn payload_at(&mut self, p: &link::Span<'_>, header: usize, declared: u32) {
        let len = p.len().saturating_sub(header).min(declared as usize);
        self.s.payload = Some(Payload {
            offset: (p.offset + header) as u32,
            len: len as u32,
            reassembled: self.in_datagram,
        });
    }

    /// Wireshark's data dissector: names undissected bytes, when there are any.
    fn data(&mut self, rest: link::Span<'_>) {
        if !rest.is_empty() {
            self.push(Proto::Data, rest, 0);
        }
    }
}

/// Big-endian reads at fixed offsets; callers check the length first.
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn mac_at(b: &[u8], at: usize) -> [u8; 6] {
    let mut m = [0; 6];
    m.copy_from_slice(&b[at..at + 6]);
    m
}

/// Helpers for the tests of every protocol file.
#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// Real frames of the protocol files' tests, for the queries' tests.
    pub(crate) mod frames {
        pub(crate) use super::super::arp::test::{QINQ_ARP_REPLY, SLL_ARP_ANNOUNCEMENT};
        pub(crate) use super::super::icmp::test::{
            ECHO_REQUEST, NEIGHBOR_SOLICITATION, QUENCH_TCP, TEREDO_ECHO, TTL_EXCEEDED_UDP,
        };
        pub(crate) use super::super::ip::test::{fragment_v6, FRAG_HTTP_REQ};
        pub(crate) use super::super::link::test::{QINQ_ARP, RAW_IPV6_SYN, SLL_ARP, SNAP_ARP};
        pub(crate) use super::super::test::SYN;
        pub(crate) use super::super::transport::test::DNS_QUERY;
    }

    /// Bytes from hex lines.
    pub fn hex(lines: &[&str]) -> Vec<u8> {
        let h: String = lines.concat();
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// Recording the layers changes nothing in the summary, and the layers outside a
    /// quote are the stack's, each within the one before it.
    pub fn same_layers_as_stack(lt: u16, frame: &[u8], s: &Summary) {
        let mut layers = Layers::default();
        assert_eq!(&dissect_layers(lt, frame, usize::MAX, &mut layers), s);
        let own: Vec<&LayerSpan> = layers.as_slice().iter().filter(|l| !l.quoted).collect();
        let protos: Vec<Proto> = own.iter().map(|l| l.proto).collect();
        assert_eq!(protos, s.stack.as_slice(), "{layers:?}");
        for w in own.windows(2) {
            if w[0].reassembled == w[1].reassembled {
                assert!(w[0].offset <= w[1].offset, "{layers:?}");
            }
        }
    }

    /// Dissects every prefix of `frame`: no panic, and what parsed is kept. The layers of
    /// a prefix are the first layers of the whole frame; where some are missing the stop
    /// says why (except the EtherType and data names, which tshark leaves out of an empty
    /// payload). Once `net_end` bytes are there the network layer is the whole frame's,
    /// and once `transport_end` bytes are, the transport layer too (its lengths come
    /// from the IP header, as with a snap length).
    pub fn every_prefix(
        lt: u16,
        frame: &[u8],
        net_end: Option<usize>,
        transport_end: Option<usize>,
    ) {
        let full = dissect(lt, frame);
        for cut in 0..frame.len() {
            let s = dissect(lt, &frame[..cut]);
            same_layers_as_stack(lt, &frame[..cut], &s);
            let (part, whole) = (s.stack.as_slice(), full.stack.as_slice());
            assert!(
                whole.starts_with(part),
                "cut {cut}: {} is not the start of {}",
                s.stack,
                full.stack
            );
            if part.len() < whole.len() {
                let missing = &whole[part.len()..];
                assert!(
                    s.stop.is_some()
                        || missing
                            .iter()
                            .all(|p| matches!(p, Proto::Ethertype | Proto::Data)),
                    "cut {cut}: {} without a stop (whole: {})",
                    s.stack,
                    full.stack
                );
            }
            if let Some(stop) = s.stop {
                assert!(stop.offset as usize <= cut, "cut {cut}: {stop}");
                let _ = stop.to_string();
            }
            if net_end.is_some_and(|end| cut >= end) {
                assert_eq!(s.net, full.net, "cut {cut}");
            }
            if transport_end.is_some_and(|end| cut >= end) {
                assert_eq!(
                    std::mem::discriminant(&s.transport),
                    std::mem::discriminant(&full.transport),
                    "cut {cut}"
                );
                if let (Transport::Tcp(a), Transport::Tcp(b)) = (s.transport, full.transport) {
                    assert_eq!(
                        (a.src_port, a.dst_port, a.seq, a.ack, a.flags, a.payload_len),
                        (b.src_port, b.dst_port, b.seq, b.ack, b.flags, b.payload_len)
                    );
                } else {
                    assert_eq!(s.transport, full.transport, "cut {cut}");
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod test {
    use super::*;

    /// Ethernet + IPv4 + TCP SYN, 10.0.0.1:40000 → 10.0.0.2:80, from a real capture.
    pub(crate) const SYN: [u8; 74] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08,
        0x00, // eth
        0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10, 0,
        0, 2, // ipv4
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa,
        0xf0, 0x00, 0x00, 0x00, 0x00, // tcp
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03,
        0x07, // options
    ];

    #[test]
    fn a_summary_stays_small() {
        // Built and copied for every packet of a capture (480: ARP's hardware
        // addresses up to InfiniBand's 20 bytes took 32 more).
        assert!(
            std::mem::size_of::<Summary>() <= 480,
            "{}",
            std::mem::size_of::<Summary>()
        );
    }

    #[test]
    fn decodes_a_tcp_syn() {
        let s = dissect(linktype::ETHERNET, &SYN);
        assert_eq!(
            s.net,
            Net::Ip {
                src: "10.0.0.1".parse().unwrap(),
                dst: "10.0.0.2".parse().unwrap(),
                fragment: false
            }
        );
        let Transport::Tcp(t) = s.transport else {
            panic!("{s:?}")
        };
        assert_eq!(
            (t.src_port, t.dst_port, t.seq, t.flags, t.payload_len),
            (40000, 80, 100, tcp_flags::SYN, 0)
        );
        assert_eq!(
            (
                t.options.mss,
                t.options.window_scale,
                t.options.sack_permitted
            ),
            (Some(1460), Some(7), true)
        );
        assert_eq!(t.options.timestamp, Some((1, 0)));
    }

    #[test]
    fn every_prefix_dissects_without_panic_and_keeps_what_parsed() {
        for cut in 0..SYN.len() {
            let s = dissect(linktype::ETHERNET, &SYN[..cut]);
            if cut >= 34 {
                assert!(matches!(s.net, Net::Ip { .. }), "cut {cut}");
            }
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
            assert!(
                matches!(dissect(lt, &bytes).transport, Transport::Tcp(_)),
                "linktype {lt}"
            );
        }
    }
}
