//! The columns of the link, network and transport layers: Source and Destination (IP,
//! else MAC addresses), and Protocol and Info as Wireshark words them when the packet
//! carries nothing we dissect above its transport layer.

use crate::ingest::wire::{
    dissect, icmp_names, tcp_flags, Arp, HwAddr, Icmp, Link, LinkAddr, Nd, Net, Proto, StopReason,
    Summary, Transport,
};
use serde::Serialize;
use std::fmt::Write as _;
use std::net::IpAddr;

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

/// Protocol name of the highest layer we dissected, as Wireshark's Protocol column.
pub fn protocol_name(s: &Summary) -> &'static str {
    if s.stop
        .is_some_and(|x| matches!(x.reason, StopReason::BadIpv4(_)))
    {
        // packet-ip.c names the column before it reads the header it stops at.
        return "IPv4";
    }
    match (&s.net, &s.transport) {
        (_, Transport::Tcp(_)) => "TCP",
        (_, Transport::Udp { .. }) => "UDP",
        (_, Transport::Icmp) => "ICMP",
        // packet-icmpv6.c names a Teredo client's connectivity test for Teredo.
        (_, Transport::Icmpv6) if s.icmp.is_some_and(|m| m.teredo_test) => "Teredo",
        (_, Transport::Icmpv6) => "ICMPv6",
        (Net::Arp, _) => "ARP",
        (_, Transport::Other(_)) if s.stack.last().is_some_and(|p| p != Proto::Data) => {
            leaf_column(s.stack.last().unwrap_or(Proto::Data))
        }
        (
            Net::Ip {
                src: IpAddr::V4(_), ..
            },
            _,
        ) => "IPv4",
        (
            Net::Ip {
                src: IpAddr::V6(_), ..
            },
            _,
        ) => "IPv6",
        (Net::Other(_), _) => match s.stack.last() {
            Some(p) if p.is_leaf() && p != Proto::Data => leaf_column(p),
            _ if s.eth.is_some() => "Ethernet",
            _ => "Frame",
        },
        // A capture header with nothing after it names the column.
        (Net::None, _) => match s.stack.last() {
            Some(p @ (Proto::Nflog | Proto::Pktap | Proto::Ipoib | Proto::Arcnet)) => {
                leaf_column(p)
            }
            _ => "Frame",
        },
    }
}

fn leaf_column(p: Proto) -> &'static str {
    match p {
        Proto::Igmp => "IGMP",
        Proto::Gre => "GRE",
        Proto::Esp => "ESP",
        Proto::Sctp => "SCTP",
        Proto::Ospf => "OSPF",
        Proto::Pim => "PIMv2",
        Proto::Vrrp => "VRRP",
        Proto::Lldp => "LLDP",
        Proto::Llc => "LLC",
        Proto::Stp => "STP",
        Proto::Cdp => "CDP",
        Proto::Dtp => "DTP",
        Proto::Netbios => "NetBIOS",
        Proto::Lcp => "PPP LCP",
        Proto::Ipcp => "PPP IPCP",
        Proto::Ipv6cp => "PPP IPV6CP",
        Proto::Pap => "PPP PAP",
        Proto::Chap => "PPP CHAP",
        Proto::Ipx => "IPX",
        Proto::Mpls => "MPLS",
        Proto::Pppoed => "PPPoED",
        Proto::Pppoes => "PPPoES",
        Proto::Eapol => "EAPOL",
        Proto::Loop => "LOOP",
        Proto::Osi => "OSI",
        Proto::Mipv6 => "MIPv6",
        Proto::Hip => "HIP",
        Proto::Udplite => "UDPlite",
        Proto::Dccp => "DCCP",
        Proto::L2tp => "L2TP",
        Proto::Eigrp => "EIGRP",
        Proto::Rsvp => "RSVP",
        Proto::Ptp => "PTPv2",
        Proto::Nflog => "NFLOG",
        Proto::Pktap => "PKTAP",
        Proto::Ipoib => "IPoIB",
        Proto::Arcnet => "ARCNET",
        _ => "Frame",
    }
}

/// The packet-list columns for one packet, dissected on its own.
pub fn columns(linktype: u16, data: &[u8]) -> Columns {
    Columns::from_summary(&dissect(linktype, data))
}

impl Columns {
    /// The packet-list columns of a dissected packet.
    pub fn from_summary(s: &Summary) -> Columns {
        Columns::of(s, true)
    }

    /// Source, Destination and Protocol, the Info left empty when `with_info` is false:
    /// the packet list words a TCP segment's Info itself ([`Columns::from_summary`]'s
    /// would be thrown away, on most of the rows of most captures).
    pub(super) fn of(s: &Summary, with_info: bool) -> Columns {
        let (src, dst) = match (&s.net, &s.eth, &s.arp) {
            (Net::Ip { src, dst, .. }, _, _) => (src.to_string(), dst.to_string()),
            (_, Some((src, dst)), _) => (mac(src), mac(dst)),
            // packet-arcnet.c's addresses: each one-byte ID in hex.
            _ if s.arcnet.is_some() => {
                let (src, dst) = s.arcnet.unwrap_or_default();
                (format!("0x{src:02x}"), format!("0x{dst:02x}"))
            }
            // A Linux cooked header names the sender only.
            (
                _,
                None,
                Some(Arp {
                    sender: Some((sender, _)),
                    ..
                }),
            ) if matches!(s.link, Link::Sll | Link::Sll2) => (
                sender.mac().map_or_else(String::new, |m| mac(&m)),
                String::new(),
            ),
            _ => (String::new(), String::new()),
        };
        Columns {
            src,
            dst,
            protocol: protocol_name(s),
            info: if with_info { info(s) } else { String::new() },
        }
    }
}

/// The Info column, worded as Wireshark's where it can be.
pub fn info(s: &Summary) -> String {
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
            let set: Vec<&str> = names
                .iter()
                .filter(|(b, _)| t.flags & b != 0)
                .map(|(_, n)| *n)
                .collect();
            let _ = write!(
                info,
                "[{}] Seq={} Win={} Len={}",
                set.join(", "),
                t.seq,
                t.window,
                t.payload_len
            );
        }
        Transport::Udp {
            src_port,
            dst_port,
            payload_len,
        } => {
            let _ = write!(info, "{src_port} → {dst_port} Len={payload_len}");
        }
        Transport::Icmp | Transport::Icmpv6 => {
            if let Some(m) = &s.icmp {
                icmp_info(&mut info, m, s.ip.map_or(0, |ip| ip.ttl));
            }
        }
        _ => match (&s.net, &s.ip, &s.arp) {
            (Net::Ip { fragment: true, .. }, Some(ip), _) if ip.version == 4 => {
                let _ = write!(
                    info,
                    "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
                    ip_proto_name(ip.protocol),
                    ip.protocol,
                    ip.frag_offset,
                    ip.id
                );
            }
            (Net::Ip { fragment: true, .. }, Some(ip), _) => {
                let more = if ip.more_fragments { 'y' } else { 'n' };
                let _ = write!(
                    info,
                    "IPv6 fragment (off={} more={more} ident=0x{:08x} nxt={})",
                    ip.frag_offset, ip.id, ip.protocol
                );
            }
            // packet-ipv6.c's Info where the header chain ends in No Next Header (RFC
            // 8200 §4.7): the walk ended there, nothing cut.
            (Net::Ip { .. }, Some(ip), _)
                if ip.version == 6 && s.transport == Transport::None && s.stop.is_none() =>
            {
                info.push_str("IPv6 no next header");
            }
            (Net::Arp, _, Some(a)) => arp_info(&mut info, a),
            (Net::Other(t), _, _)
                if !s
                    .stack
                    .last()
                    .is_some_and(|p| p.is_leaf() && p != Proto::Data) =>
            {
                let _ = write!(info, "EtherType 0x{t:04x}");
            }
            (Net::Ip { .. }, Some(ip), _) if s.transport == Transport::Other(ip.protocol) => {
                let _ = write!(
                    info,
                    "{} (IP protocol {})",
                    ip_proto_name(ip.protocol),
                    ip.protocol
                );
            }
            _ => {}
        },
    }
    match s.stop.map(|s| s.reason) {
        Some(StopReason::Truncated { .. }) => {
            info.push_str(" [Packet size limited during capture]")
        }
        Some(StopReason::Bogus(why)) => {
            let _ = write!(info, " [Malformed: {why}]");
        }
        // packet-ip.c's Info in place of any other: nothing above the header was read.
        Some(StopReason::BadIpv4(why)) => {
            info.clear();
            let _ = write!(info, "{why}");
        }
        None => {}
    }
    info.trim_start().to_owned()
}

fn icmp_info(info: &mut String, m: &Icmp, ttl: u8) {
    let (ty, code) = icmp_names(m.v6, m.ty, m.code);
    if m.teredo_test {
        // packet-icmpv6.c sets this in place of the type and code (RFC 4380 §5.2.9).
        info.push_str("Direct IPv6 Connectivity Test");
    } else if m.v6 {
        info.push_str(&ty);
    } else {
        // packet-icmp.c pads the type to 20 columns.
        let _ = write!(info, "{ty:<20}");
    }
    if let (Some(code), false) = (code, m.teredo_test) {
        let _ = write!(info, " ({code})");
    }
    if let Some((id, seq)) = m.echo {
        if m.v6 {
            let _ = write!(info, " id=0x{id:04x}, seq={seq}, hop limit={ttl}");
        } else {
            let _ = write!(
                info,
                " id=0x{id:04x}, seq={seq}/{}, ttl={ttl}",
                seq.swap_bytes()
            );
        }
    }
    if let Some(nd) = m.nd() {
        nd_info(info, m.ty, nd);
    }
}

/// What packet-icmpv6.c adds to the Info of a message with neighbor discovery fields:
/// a solicitation's target, an advertisement's target and flags, an FMIPv6 subtype,
/// then each link-layer address option in order.
fn nd_info(info: &mut String, ty: u8, nd: &Nd) {
    match (ty, nd.target) {
        (135, Some(target)) => {
            let _ = write!(info, " for {target}");
        }
        (136, Some(target)) => {
            let names = [(0x80, "rtr"), (0x40, "sol"), (0x20, "ovr")];
            let set: Vec<&str> = names
                .iter()
                .filter(|(bit, _)| nd.flags & bit != 0)
                .map(|(_, name)| *name)
                .collect();
            let flags = if set.is_empty() {
                "none".to_owned()
            } else {
                set.join(", ")
            };
            let _ = write!(info, " {target} ({flags})");
        }
        _ => {}
    }
    if let Some(subtype) = nd.subtype {
        let name = match subtype {
            2 => "Router Solicitation for Proxy Advertisement",
            3 => "Proxy Router Advertisement",
            4 => "Handover Initiate",
            5 => "Handover Acknowledge",
            _ => "",
        };
        if name.is_empty() {
            let _ = write!(info, " (Unknown ({subtype}))");
        } else {
            let _ = write!(info, " ({name})");
        }
    }
    for link in nd.links.iter().flatten() {
        // An EUI-64 is "from" in either option, as packet-icmpv6.c words it.
        let _ = match link.addr {
            LinkAddr::Mac(m) if link.target => write!(info, " is at {}", mac(&m)),
            LinkAddr::Mac(m) => write!(info, " from {}", mac(&m)),
            LinkAddr::Eui64(e) => write!(
                info,
                " from {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]
            ),
        };
    }
}

fn arp_info(info: &mut String, a: &Arp) {
    let (Some((sha, spa)), Some((tha, tpa))) = (a.sender, a.target) else {
        let _ = write!(info, "ARP opcode {}", a.opcode);
        return;
    };
    // packet-arp.c's tvb_arphrdaddr_to_str: a MAC address where the hardware is
    // Ethernet or IEEE 802 with 6-byte addresses, else the bytes in hex.
    let hw = |h: &HwAddr| match h.mac() {
        Some(m) if matches!(a.hw_type, 1 | 6) => mac(&m),
        _ => h.as_slice().iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        }),
    };
    // packet-arp.c: a request for one's own address is an announcement, one from
    // 0.0.0.0 a probe (RFC 5227); a reply about one's own address is gratuitous.
    let _ = match a.opcode {
        1 if spa.is_unspecified() && tha.is_zero() => {
            write!(info, "Who has {tpa}? (ARP Probe)")
        }
        1 if spa == tpa => write!(info, "ARP Announcement for {tpa}"),
        1 => write!(info, "Who has {tpa}? Tell {spa}"),
        2 if spa == tpa => write!(info, "Gratuitous ARP for {spa} (Reply)"),
        2 => write!(info, "{spa} is at {}", hw(&sha)),
        3 => write!(info, "Who is {}? Tell {}", hw(&tha), hw(&sha)),
        4 => write!(info, "{} is at {tpa}", hw(&tha)),
        op => write!(info, "ARP opcode {op}"),
    };
}

/// Protocol and Info of an IGMP message as packet-igmp.c words them: a membership query
/// (RFC 2236 §2, RFC 3376 §4.1: IGMPv3 when the message holds 12 bytes or more, else
/// IGMPv2 when it gives a maximum response time, IGMPv1 when not), IGMPv1's and
/// IGMPv2's reports and IGMPv2's leave. None for others (IGMPv3's reports), whose rows
/// keep the IP protocol's.
pub(super) fn igmp(b: &[u8]) -> Option<(&'static str, String)> {
    if b.len() < 8 {
        return None;
    }
    let group = std::net::Ipv4Addr::new(b[4], b[5], b[6], b[7]);
    let query = || {
        if group.is_unspecified() {
            "Membership Query, general".to_owned()
        } else {
            format!("Membership Query, specific for group {group}")
        }
    };
    Some(match b[0] {
        0x11 if b.len() >= 12 => {
            let mut info = query();
            let n = usize::from(u16::from_be_bytes([b[10], b[11]]));
            let sources: Vec<String> = b[12..]
                .chunks_exact(4)
                .take(n)
                .map(|a| std::net::Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string())
                .collect();
            if !sources.is_empty() {
                let plural = if sources.len() > 1 { "s" } else { "" };
                let _ = write!(info, ", source{plural} {{{}}}", sources.join(", "));
            }
            ("IGMPv3", info)
        }
        0x11 if b[1] != 0 => ("IGMPv2", query()),
        0x11 => ("IGMPv1", "Membership Query".to_owned()),
        0x12 => ("IGMPv1", "Membership Report".to_owned()),
        0x16 => ("IGMPv2", format!("Membership Report group {group}")),
        0x17 => ("IGMPv2", format!("Leave Group {group}")),
        _ => return None,
    })
}

/// The Info of an SCTP packet (RFC 9260 §3) whose chunks are all control chunks that
/// carry nothing Info shows: their names, each followed by a space, as packet-sctp.c
/// writes them. None when a chunk is another (DATA's and SACK's Info counts TSNs from
/// the association's start, which a packet alone does not know) or the chunks do not
/// fill the packet.
/// An EAPOL frame's Info as packet-eapol.c words it: its type, and for a WPA or RSN key
/// the step of the 4-way or group handshake its key information bits say. None for EAP
/// packets (EAP's dissector words those).
pub(super) fn eapol(b: &[u8]) -> Option<String> {
    const WPA: u8 = 254;
    const RSN: u8 = 2;
    const PAIRWISE: u16 = 0x0008;
    const INSTALL: u16 = 0x0040;
    const ACK: u16 = 0x0080;
    const MIC: u16 = 0x0100;
    const SECURE: u16 = 0x0200;
    const ERROR: u16 = 0x0400;
    const REQUEST: u16 = 0x0800;
    let name = match *b.get(1)? {
        1 => "Start",
        2 => "Logoff",
        3 => "Key",
        4 => "Encapsulated ASF Alert",
        5 => "MKA",
        6 => "Announcement (Generic)",
        7 => "Announcement (Specific)",
        8 => "Announcement-Req",
        _ => return None,
    };
    let (Some(&desc), Some(k)) = (b.get(4), b.get(5..7)) else {
        return Some(name.into());
    };
    if b[1] != 3 || !matches!(desc, WPA | RSN) {
        return Some(name.into());
    }
    let info = u16::from_be_bytes([k[0], k[1]]);
    let step = if info & REQUEST != 0 {
        if info & ERROR != 0 {
            "Key (Request, Error)"
        } else {
            "Key (Request)"
        }
    } else if info & PAIRWISE == 0 {
        if info & ACK != 0 {
            "Key (Group Message 1 of 2)"
        } else {
            "Key (Group Message 2 of 2)"
        }
    } else {
        match (desc, info & (INSTALL | ACK | MIC | SECURE)) {
            (_, ACK) => "Key (Message 1 of 4)",
            // WPA's message 4 has no Secure bit: a replay counter's last byte that is
            // not zero tells it from message 2.
            (WPA, MIC) if b.get(16).is_some_and(|&c| c != 0) => "Key (Message 4 of 4)",
            (_, MIC) => "Key (Message 2 of 4)",
            (WPA, m) if m == INSTALL | ACK | MIC => "Key (Message 3 of 4)",
            (RSN, m) if m == INSTALL | ACK | MIC | SECURE => "Key (Message 3 of 4)",
            (RSN, m) if m == MIC | SECURE => "Key (Message 4 of 4)",
            _ => name,
        }
    };
    Some(step.into())
}

pub(super) fn sctp(b: &[u8]) -> Option<String> {
    const COMMON_HEADER: usize = 12;
    let mut info = String::new();
    let mut at = COMMON_HEADER;
    while at < b.len() {
        let chunk = b.get(at..at + 4)?;
        let name = match chunk[0] {
            1 => "INIT",
            2 => "INIT_ACK",
            4 => "HEARTBEAT",
            5 => "HEARTBEAT_ACK",
            6 => "ABORT",
            7 => "SHUTDOWN",
            8 => "SHUTDOWN_ACK",
            9 => "ERROR",
            10 => "COOKIE_ECHO",
            11 => "COOKIE_ACK",
            14 => "SHUTDOWN_COMPLETE",
            _ => return None,
        };
        let len = usize::from(u16::from_be_bytes([chunk[2], chunk[3]]));
        if len < 4 || at + len > b.len() {
            return None;
        }
        info.push_str(name);
        info.push(' ');
        // Chunks are padded to a multiple of four bytes.
        at += len.div_ceil(4) * 4;
    }
    (!info.is_empty()).then_some(info)
}

/// Wireshark's short name of an IP protocol number (`ipprotostr`).
fn ip_proto_name(p: u8) -> &'static str {
    match p {
        0 => "IPv6 Hop-by-Hop Option",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        43 => "IPv6 Routing",
        44 => "IPv6 Fragment",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        59 => "IPv6 No Next Header",
        60 => "IPv6 Destination Options",
        88 => "EIGRP",
        89 => "OSPF IGP",
        103 => "PIM",
        108 => "IPComp",
        112 => "VRRP",
        132 => "SCTP",
        136 => "UDPLite",
        _ => "Unknown",
    }
}

fn mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::wire::testutil::frames::*;
    use crate::ingest::wire::testutil::hex;
    use crate::ingest::wire::{linktype, Dissector};

    /// An IPv6 header chain that ends in No Next Header reads as tshark's (Teredo's
    /// bubbles in wireshark_samples-test.pcapng), whether after the fixed header or an
    /// extension header, with bytes after it or none.
    #[test]
    fn ipv6_no_next_header() {
        let frame = |next: u8, payload: &[u8]| {
            let mut f = vec![
                0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x11, 0x22, 0x33, 0x44, 0x66,
            ];
            f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
            f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            f.extend_from_slice(&[next, 64]);
            f.extend_from_slice(&[0x20, 1, 0x0d, 0xb8]);
            f.extend_from_slice(&[0; 11]);
            f.push(1);
            f.extend_from_slice(&[0x20, 1, 0x0d, 0xb8]);
            f.extend_from_slice(&[0; 11]);
            f.push(2);
            f.extend_from_slice(payload);
            f
        };
        let hop_by_hop = [59, 0, 1, 4, 0, 0, 0, 0];
        for f in [
            frame(59, &[]),
            frame(59, b"abcd"),
            frame(0, &hop_by_hop),
            frame(60, &hop_by_hop),
        ] {
            let c = columns(linktype::ETHERNET, &f);
            assert_eq!(
                (c.protocol, c.info.as_str()),
                ("IPv6", "IPv6 no next header")
            );
        }
    }

    /// IGMP's wording, each as tshark 4.0 writes it for the same message (made frames).
    #[test]
    fn igmp_messages_as_packet_igmp_words_them() {
        let g = [239, 1, 2, 3];
        let msg = |head: [u8; 4], tail: &[u8]| [&head[..], &g, tail].concat();
        let two = msg(
            [0x11, 0x64, 0, 0],
            &[0, 0x7d, 0, 2, 10, 0, 0, 1, 10, 0, 0, 2],
        );
        let cases: [(Vec<u8>, &str, &str); 6] = [
            (
                two,
                "IGMPv3",
                "Membership Query, specific for group 239.1.2.3, sources {10.0.0.1, 10.0.0.2}",
            ),
            (msg([0x11, 0, 0, 0], &[]), "IGMPv1", "Membership Query"),
            (msg([0x12, 0, 0, 0], &[]), "IGMPv1", "Membership Report"),
            (
                msg([0x16, 0, 0, 0], &[]),
                "IGMPv2",
                "Membership Report group 239.1.2.3",
            ),
            (msg([0x17, 0, 0, 0], &[]), "IGMPv2", "Leave Group 239.1.2.3"),
            (
                msg([0x11, 0x64, 0, 0], &[]),
                "IGMPv2",
                "Membership Query, specific for group 239.1.2.3",
            ),
        ];
        for (b, protocol, info) in cases {
            assert_eq!(igmp(&b), Some((protocol, info.to_owned())));
        }
        // IGMPv3's reports are not worded; nothing short is.
        assert_eq!(igmp(&msg([0x22, 0, 0, 0], &[0, 0, 0, 0])), None);
        assert_eq!(igmp(&[0x11, 0x64, 0, 0]), None);
    }

    #[test]
    fn tcp_udp_and_addresses() {
        let c = columns(linktype::ETHERNET, &SYN);
        assert_eq!(
            (c.src.as_str(), c.dst.as_str(), c.protocol),
            ("10.0.0.1", "10.0.0.2", "TCP")
        );
        assert_eq!(c.info, "40000 → 80 [SYN] Seq=100 Win=64240 Len=0");
        assert_eq!(
            columns(linktype::ETHERNET, &hex(&DNS_QUERY)).info,
            "43966 → 53 Len=56"
        );
        // Every prefix has columns, and nothing panics.
        for cut in 0..SYN.len() {
            let _ = columns(linktype::ETHERNET, &SYN[..cut]);
        }
    }

    #[test]
    fn arp_requests_replies_and_announcements() {
        let cases: [(u16, &[&str], &str); 5] = [
            (
                linktype::ETHERNET,
                &QINQ_ARP,
                "Who has 172.21.79.100? Tell 172.21.79.97",
            ),
            (
                linktype::ETHERNET,
                &QINQ_ARP_REPLY,
                "172.21.79.100 is at 00:80:ea:81:88:63",
            ),
            (
                linktype::LINUX_SLL,
                &SLL_ARP,
                "Who has 192.168.22.160? Tell 192.168.22.1",
            ),
            (
                linktype::LINUX_SLL,
                &SLL_ARP_ANNOUNCEMENT,
                "ARP Announcement for 192.168.22.81",
            ),
            (
                linktype::ETHERNET,
                &SNAP_ARP,
                "Who has 10.0.0.2? Tell 10.0.0.1",
            ),
        ];
        for (lt, lines, info) in cases {
            let c = columns(lt, &hex(lines));
            assert_eq!((c.protocol, c.info.as_str()), ("ARP", info));
        }
    }

    #[test]
    fn icmp_messages() {
        let c = columns(linktype::ETHERNET, &hex(&TTL_EXCEEDED_UDP));
        assert_eq!(
            (c.protocol, c.info.as_str()),
            (
                "ICMP",
                "Time-to-live exceeded (Time to live exceeded in transit)"
            )
        );
        assert_eq!(
            columns(linktype::ETHERNET, &hex(&QUENCH_TCP)).info,
            "Source quench (flow control)"
        );
        assert_eq!(
            columns(linktype::ETHERNET, &hex(&ECHO_REQUEST)).info,
            "Echo (ping) request  id=0xd73b, seq=0/0, ttl=64"
        );
        // packet-icmp.c names a router advertisement of code 0 or 16 for Mobile IP, and
        // every code of the types it has code names for (IcmpPackets.pcap, frames 3, 4).
        let named = |ty: u8, code: u8| {
            let mut s = String::new();
            icmp_info(
                &mut s,
                &Icmp {
                    ty,
                    code,
                    ..Icmp::default()
                },
                64,
            );
            s
        };
        assert_eq!(
            named(9, 16),
            "Mobile IP Advertisement (Does not route common traffic)"
        );
        assert_eq!(
            named(9, 0),
            "Mobile IP Advertisement (Normal router advertisement)"
        );
        assert_eq!(named(9, 3), "Router advertisement (Unknown code: 3)");
        assert_eq!(
            named(3, 11),
            "Destination unreachable (Network unreachable for TOS)"
        );
        assert_eq!(named(3, 16), "Destination unreachable (Unknown code: 16)");
        assert_eq!(named(12, 2), "Parameter problem    (Bad length)");
        assert_eq!(named(10, 0), "Router solicitation ");
        let c = columns(linktype::ETHERNET, &hex(&NEIGHBOR_SOLICITATION));
        assert_eq!(
            (c.protocol, c.info.as_str()),
            (
                "ICMPv6",
                "Neighbor Solicitation for 2001:db8:1::1 from 00:10:18:95:31:6a"
            )
        );
        // packet-icmpv6.c: an echo request to a Teredo server's port is its client's
        // direct IPv6 connectivity test, named in place of the type.
        let c = columns(linktype::ETHERNET, &hex(&TEREDO_ECHO));
        assert_eq!(
            (c.protocol, c.info.as_str()),
            (
                "Teredo",
                "Direct IPv6 Connectivity Test id=0xd373, seq=46747, hop limit=21"
            )
        );
    }

    /// ICMPv6's Info as packet-icmpv6.c words it (each checked against tshark 4.0 on
    /// messages made for it, and on the corpus's captures): type and code names, a
    /// neighbor solicitation's target, an advertisement's target and flags, and the
    /// link-layer address options in their order.
    #[test]
    fn icmpv6_messages() {
        use crate::ingest::wire::{IcmpBody, NdLink};
        let info = |ty: u8, code: u8, nd: Option<Nd>| {
            let mut s = String::new();
            let m = Icmp {
                v6: true,
                ty,
                code,
                body: nd.map_or(IcmpBody::None, IcmpBody::Nd),
                ..Icmp::default()
            };
            icmp_info(&mut s, &m, 255);
            s
        };
        let target = Some("fc00::200:ff:fe00:1".parse().unwrap());
        let mac = |target: bool, last: u8| {
            Some(NdLink {
                target,
                addr: LinkAddr::Mac([0, 0, 0, 0, 0, last]),
            })
        };
        let nd = |flags: u8, links: [Option<NdLink>; 4]| Nd {
            target,
            flags,
            subtype: None,
            links,
        };
        let none = [None; Nd::LINKS];
        // pcap-analyzer's nmap_tcp_22_ipv6.pcap, frames 1 and 3.
        assert_eq!(
            info(135, 0, Some(nd(0, [mac(false, 0x10), None, None, None]))),
            "Neighbor Solicitation for fc00::200:ff:fe00:1 from 00:00:00:00:00:10"
        );
        assert_eq!(
            info(136, 0, Some(nd(0x40, none))),
            "Neighbor Advertisement fc00::200:ff:fe00:1 (sol)"
        );
        assert_eq!(
            info(136, 0, Some(nd(0xe0, [mac(true, 1), None, None, None]))),
            "Neighbor Advertisement fc00::200:ff:fe00:1 (rtr, sol, ovr) is at 00:00:00:00:00:01"
        );
        assert_eq!(
            info(136, 0, Some(nd(0, none))),
            "Neighbor Advertisement fc00::200:ff:fe00:1 (none)"
        );
        // Every option in order; an EUI-64 is "from" even in a target option.
        let eui = Some(NdLink {
            target: true,
            addr: LinkAddr::Eui64([2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
        });
        assert_eq!(
            info(
                137,
                0,
                Some(Nd {
                    links: [mac(false, 2), mac(true, 3), eui, None],
                    ..Nd::default()
                })
            ),
            "Redirect from 00:00:00:00:00:02 is at 00:00:00:00:00:03 from 02:11:22:33:44:55:66:77"
        );
        let rs = Nd {
            links: [mac(false, 4), None, None, None],
            ..Nd::default()
        };
        assert_eq!(
            info(133, 0, Some(rs)),
            "Router Solicitation from 00:00:00:00:00:04"
        );
        assert_eq!(
            info(134, 0, Some(rs)),
            "Router Advertisement from 00:00:00:00:00:04"
        );
        assert_eq!(info(134, 0, Some(Nd::default())), "Router Advertisement");
        let fmip = |subtype| {
            let mut nd = rs;
            nd.subtype = Some(subtype);
            Some(nd)
        };
        assert_eq!(
            info(154, 0, fmip(4)),
            "FMIPv6 (Handover Initiate) from 00:00:00:00:00:04"
        );
        assert_eq!(
            info(150, 0, fmip(9)),
            "Experimental Mobility (Unknown (9)) from 00:00:00:00:00:04"
        );
        // Types and codes, named or not.
        assert_eq!(info(0, 0, None), "Unknown (0)");
        assert_eq!(
            info(138, 255, None),
            "Router Renumbering (Sequence number reset)"
        );
        assert_eq!(info(138, 2, None), "Router Renumbering (Unknown (2))");
        assert_eq!(
            info(1, 7, None),
            "Destination Unreachable (Error in Source Routing Header)"
        );
        assert_eq!(info(1, 8, None), "Destination Unreachable (Unknown)");
        assert_eq!(info(3, 2, None), "Time Exceeded (Unknown (2))");
        assert_eq!(
            info(4, 3, None),
            "Parameter Problem (IPv6 First Fragment has incomplete IPv6 Header Chain)"
        );
        assert_eq!(
            info(139, 1, None),
            "Node Information Query (Query subject = DNS name or empty)"
        );
        assert_eq!(
            info(140, 2, None),
            "Node Information Reply (Unknown query type)"
        );
        assert_eq!(info(155, 0x8a, None), "RPL Control (Consistency Check)");
        assert_eq!(info(155, 0x86, None), "RPL Control (Unknown (134))");
        assert_eq!(info(155, 1, None), "RPL Control (DODAG Information Object)");
        assert_eq!(
            info(161, 3, None),
            "Extended Echo reply (No Such Table Entry)"
        );
        assert_eq!(info(160, 1, None), "Extended Echo request (Unknown (1))");
        assert_eq!(info(101, 0, None), "Private experimentation");
        assert_eq!(
            info(255, 0, None),
            "Reserved for expansion of ICMPv6 informational messages"
        );
    }

    /// An echo reply's row made alone, from only the packets `Rows::wanted` names (as
    /// the page makes it), names its request as the rows made in order do: the ingest
    /// noted the requests (tests/data/tunnels/netns-vxlan.pcap: pings inside VXLAN, and
    /// tshark says "(request in 5)" for frame 6).
    #[test]
    fn echo_reply_alone_names_its_request() {
        use crate::query::fields::{FieldCtx, MemorySource};
        use crate::query::rows::{test::row_alone, Rows};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/tunnels/netns-vxlan.pcap");
        let bytes = std::fs::read(path).expect("tests/data capture");
        let c = crate::ingest::ingest_bytes("netns-vxlan.pcap", &bytes);
        let mut in_order = Rows::new(&c);
        let mut ctx = FieldCtx::new(&c);
        let mut all = MemorySource {
            files: vec![&bytes],
        };
        let mut replies = 0;
        for i in 0..c.packets.len() {
            let want = in_order.row(&mut ctx, i, None, &mut all);
            if !want.info.starts_with("Echo (ping) reply") {
                continue;
            }
            let got = row_alone(&c, &bytes, i);
            assert_eq!(got.info, want.info, "packet {}", i + 1);
            assert!(got.info.contains(" (request in "), "{}", got.info);
            replies += 1;
        }
        assert!(replies >= 2, "{replies}");
        let reply = in_order.row(&mut ctx, 5, None, &mut all);
        assert!(reply.info.ends_with(" (request in 5)"), "{}", reply.info);
    }

    #[test]
    fn ip_fragments() {
        let frames: Vec<Vec<u8>> = FRAG_HTTP_REQ.iter().map(|f| hex(f)).collect();
        let mut d = Dissector::new();
        let _ = d.dissect(linktype::ETHERNET, &frames[0], 98);
        let c = Columns::from_summary(&d.dissect(linktype::ETHERNET, &frames[1], 99));
        assert_eq!(
            c.info,
            "Fragmented IP protocol (proto=TCP 6, off=144, ID=425f)"
        );
        let frags = fragment_v6(&hex(&RAW_IPV6_SYN), 16, 0xf88eb466);
        let mut d = Dissector::new();
        let _ = d.dissect(linktype::IPV6, &frags[0], 0);
        let c = Columns::from_summary(&d.dissect(linktype::IPV6, &frags[1], 0));
        assert_eq!(
            c.info,
            "IPv6 fragment (off=16 more=y ident=0xf88eb466 nxt=6)"
        );
    }
}
