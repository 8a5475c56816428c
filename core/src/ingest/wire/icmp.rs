//! ICMP (RFC 792) and ICMPv6 (RFC 4443): type, code, echo identifier and sequence, for
//! error messages the packet they quote, and for neighbor discovery (RFC 4861) the
//! target address and the link-layer address options.

use super::link::Span;
use super::{be16, Icmp, IcmpBody, Layer, LinkAddr, Nd, NdLink, Proto, Transport, Walker};
use std::borrow::Cow;
use std::net::Ipv6Addr;

mod field {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const ECHO_ID: usize = 4;
    pub const ECHO_SEQ: usize = 6;
    /// Type, code, checksum and the 4-byte rest of the header.
    pub const LEN: usize = 8;
    /// A neighbor advertisement's flags (RFC 4861 §4.4).
    pub const ND_FLAGS: usize = 4;
    /// The subtype of an FMIPv6 message (RFC 5568 §6.1).
    pub const SUBTYPE: usize = 4;
    /// A neighbor solicitation's or advertisement's target address.
    pub const ND_TARGET: std::ops::Range<usize> = 8..24;
}

/// ICMPv6 types whose fields `nd` reads.
mod ty {
    pub const ROUTER_SOLICIT: u8 = 133;
    pub const ROUTER_ADVERT: u8 = 134;
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    pub const NEIGHBOR_ADVERT: u8 = 136;
    pub const REDIRECT: u8 = 137;
    pub const IND_SOLICIT: u8 = 141;
    pub const IND_ADVERT: u8 = 142;
    pub const MOBILE_PREFIX_ADVERT: u8 = 147;
    pub const CERT_PATH_SOLICIT: u8 = 148;
    pub const CERT_PATH_ADVERT: u8 = 149;
    pub const EXPERIMENTAL_MOBILITY: u8 = 150;
    pub const FMIPV6: u8 = 154;
}

/// Neighbor discovery option types (RFC 4861 §4.6).
mod opt {
    pub const SOURCE_LINKADDR: u8 = 1;
    pub const TARGET_LINKADDR: u8 = 2;
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
            ..Icmp::default()
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
                if let Some(q) = self.quoted(p.skip(field::LEN)) {
                    m.body = IcmpBody::Quoted(q);
                }
            } else if let Some(nd) = v6.then(|| nd(m.ty, b)).flatten() {
                m.body = IcmpBody::Nd(nd);
            }
        } else {
            self.truncated(layer, p.offset, field::LEN, b.len());
        }
        m.teredo_test = v6 && m.ty == 128 && self.to_teredo_server;
        self.s.icmp = Some(m);
    }
}

/// The fields of an ICMPv6 message `b` (captured bytes, from its type on) that carries
/// neighbor discovery options, as packet-icmpv6.c walks them: None for a message of
/// another type.
fn nd(ty: u8, b: &[u8]) -> Option<Nd> {
    // Where the options start, after each message's fixed fields.
    let options = match ty {
        ty::ROUTER_SOLICIT | ty::IND_SOLICIT | ty::IND_ADVERT => 8,
        ty::MOBILE_PREFIX_ADVERT | ty::CERT_PATH_SOLICIT => 8,
        ty::EXPERIMENTAL_MOBILITY | ty::FMIPV6 => 8,
        ty::CERT_PATH_ADVERT => 12,
        ty::ROUTER_ADVERT => 16,
        ty::NEIGHBOR_SOLICIT | ty::NEIGHBOR_ADVERT => 24,
        ty::REDIRECT => 40,
        _ => return None,
    };
    let mut nd = Nd::default();
    if matches!(ty, ty::NEIGHBOR_SOLICIT | ty::NEIGHBOR_ADVERT) {
        nd.target = b
            .get(field::ND_TARGET)
            .and_then(|t| <[u8; 16]>::try_from(t).ok())
            .map(Ipv6Addr::from);
        nd.flags = b.get(field::ND_FLAGS).map_or(0, |f| f & 0xe0);
    }
    if matches!(ty, ty::EXPERIMENTAL_MOBILITY | ty::FMIPV6) {
        nd.subtype = b.get(field::SUBTYPE).copied();
    }
    // Each option: type, length in units of 8 bytes, data (RFC 4861 §4.6). A length of
    // zero ends the walk, as does an option the capture cuts.
    let mut at = options;
    let mut kept = 0;
    while let Some(&[kind, units]) = b.get(at..at + 2) {
        let len = units as usize * 8;
        let Some(data) = b.get(at + 2..at + len).filter(|_| len > 0) else {
            break;
        };
        let addr = match (kind, data.len()) {
            (opt::SOURCE_LINKADDR | opt::TARGET_LINKADDR, 6) => {
                <[u8; 6]>::try_from(data).ok().map(LinkAddr::Mac)
            }
            // RFC 4944 §8: an EUI-64 padded with six zero bytes.
            (opt::SOURCE_LINKADDR | opt::TARGET_LINKADDR, 14)
                if data[8..].iter().all(|&x| x == 0) =>
            {
                <[u8; 8]>::try_from(&data[..8]).ok().map(LinkAddr::Eui64)
            }
            _ => None,
        };
        if let (Some(addr), Some(slot)) = (addr, nd.links.get_mut(kept)) {
            *slot = Some(NdLink {
                target: kind == opt::TARGET_LINKADDR,
                addr,
            });
            kept += 1;
        }
        at += len;
    }
    Some(nd)
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
            138 => "Router Renumbering",
            139 => "Node Information Query",
            140 => "Node Information Reply",
            141 => "Inverse Neighbor Discovery Solicitation",
            142 => "Inverse Neighbor Discovery Advertisement",
            143 => "Multicast Listener Report Message v2",
            144 => "Home Agent Address Discovery Request",
            145 => "Home Agent Address Discovery Reply",
            146 => "Mobile Prefix Solicitation",
            147 => "Mobile Prefix Advertisement",
            148 => "Certification Path Solicitation",
            149 => "Certification Path Advertisement",
            150 => "Experimental Mobility",
            151 => "Multicast Router Advertisement",
            152 => "Multicast Router Solicitation",
            153 => "Multicast Router Termination",
            154 => "FMIPv6",
            155 => "RPL Control",
            156 => "Locator Update",
            157 => "Duplicate Address Request",
            158 => "Duplicate Address Confirmation",
            159 => "MPL Control Message",
            160 => "Extended Echo request",
            161 => "Extended Echo reply",
            100 | 101 | 200 | 201 => "Private experimentation",
            127 => "Reserved for expansion of ICMPv6 error messages",
            255 => "Reserved for expansion of ICMPv6 informational messages",
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

/// Wireshark's name of an ICMP (`v6`: ICMPv6) type, and of the code where it has one:
/// the Info column and the detail's `icmp.type` and `icmp.code` share it.
pub fn icmp_names(v6: bool, ty: u8, code: u8) -> (Cow<'static, str>, Option<Cow<'static, str>>) {
    let unknown = "Unknown ICMP (obsolete or malformed?)";
    if v6 {
        let name = match icmp_type_name(true, ty) {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(format!("Unknown ({ty})")),
        };
        return (name, icmpv6_code_name(ty, code));
    }
    // packet-icmp.c's `icmp_type_str` for the types `icmp_type_name` leaves out.
    let name = icmp_type_name(false, ty).unwrap_or(match ty {
        1 | 2 => "Reserved",
        6 => "Alternate host address",
        19 => "Reserved (for security)",
        30 => "Traceroute",
        31 => "Datagram Conversion Error",
        32 => "Mobile Host Redirect",
        33 => "IPv6 Where-Are-You",
        34 => "IPv6 I-Am-Here",
        35 => "Mobile Registration Request",
        36 => "Mobile Registration Reply",
        37 => "Domain Name Request",
        38 => "Domain Name Reply",
        39 => "SKIP",
        40 => "Photuris",
        41 => "Experimental mobility protocols",
        42 => "Extended Echo request",
        43 => "Extended Echo reply",
        _ => unknown,
    });
    // packet-icmp.c's code names (`unreach_code_str`, `redir_code_str`, …): each of
    // these types names its code, an unknown one as "Unknown code: N". A router
    // advertisement of code 0 or 16 is named for Mobile IP (RFC 5944 §2.1).
    let codes: &[&str] = match ty {
        3 => &[
            "Network unreachable",
            "Host unreachable",
            "Protocol unreachable",
            "Port unreachable",
            "Fragmentation needed",
            "Source route failed",
            "Destination network unknown",
            "Destination host unknown",
            "Source host isolated",
            "Network administratively prohibited",
            "Host administratively prohibited",
            "Network unreachable for TOS",
            "Host unreachable for TOS",
            "Communication administratively filtered",
            "Host precedence violation",
            "Precedence cutoff in effect",
        ],
        5 => &[
            "Redirect for network",
            "Redirect for host",
            "Redirect for TOS and network",
            "Redirect for TOS and host",
        ],
        6 => &["Alternate address for host"],
        11 => &[
            "Time to live exceeded in transit",
            "Fragment reassembly time exceeded",
        ],
        12 => &[
            "Pointer indicates the error",
            "Required option missing",
            "Bad length",
        ],
        40 => &[
            "Bad SPI",
            "Authentication Failed",
            "Decompression Failed",
            "Decryption Failed",
            "Need Authentication",
            "Need Authorization",
        ],
        42 => &["No error"],
        43 => &[
            "No error",
            "Malformed Query",
            "No Such Interface",
            "No Such Table Entry",
            "Multiple Interfaces Satisfy Query",
        ],
        9 => match code {
            0 => {
                return (
                    "Mobile IP Advertisement".into(),
                    Some("Normal router advertisement".into()),
                )
            }
            16 => {
                return (
                    "Mobile IP Advertisement".into(),
                    Some("Does not route common traffic".into()),
                )
            }
            _ => &[],
        },
        _ => return (name.into(), None),
    };
    let code = match codes.get(code as usize) {
        Some(name) => Cow::Borrowed(*name),
        None => Cow::Owned(format!("Unknown code: {}", code)),
    };
    (name.into(), Some(code))
}

/// packet-icmpv6.c's name of an ICMPv6 code, for the types whose codes it names:
/// an unknown one as "Unknown (N)" (a destination unreachable's as "Unknown").
fn icmpv6_code_name(ty: u8, code: u8) -> Option<Cow<'static, str>> {
    let codes: &[&str] = match ty {
        1 => &[
            "no route to destination",
            "Administratively prohibited",
            "Beyond scope of source address",
            "Address unreachable",
            "Port unreachable",
            "Source address failed ingress/egress policy",
            "Reject route to destination",
            "Error in Source Routing Header",
        ],
        3 => &[
            "hop limit exceeded in transit",
            "fragment reassembly time exceeded",
        ],
        4 => &[
            "erroneous header field encountered",
            "unrecognized Next Header type encountered",
            "unrecognized IPv6 option encountered",
            "IPv6 First Fragment has incomplete IPv6 Header Chain",
        ],
        // Router renumbering (RFC 2894 §3.1): 255 resets the sequence number.
        138 if code == 255 => return Some("Sequence number reset".into()),
        138 => &["Command", "Result"],
        // Node information query and reply (RFC 4620 §4).
        139 => &[
            "Query subject = IPv6 addresses",
            "Query subject = DNS name or empty",
            "Query subject = IPv4 addresses",
        ],
        140 => &["Successful", "Refused", "Unknown query type"],
        // RPL control (RFC 6550 §6): the secure variants are the codes from 0x80.
        155 if code >= 0x80 => &[
            "Secure DODAG Information Solicitation",
            "Secure DODAG Information Object",
            "Secure Destination Advertisement Object",
            "Secure Destination Advertisement Object Acknowledgment",
            "P2P Secure Discovery Reply Object",
            "P2P Secure Discovery Reply Object Acknowledgement",
            "",
            "",
            "",
            "",
            "Consistency Check",
        ],
        155 => &[
            "DODAG Information Solicitation",
            "DODAG Information Object",
            "Destination Advertisement Object",
            "Destination Advertisement Object Acknowledgment",
            "P2P Discovery Reply Object",
            "P2P Discovery Reply Object Acknowledgement",
        ],
        // Extended echo (RFC 8335 §3).
        160 => &["No error"],
        161 => &[
            "No error",
            "Malformed Query",
            "No Such Interface",
            "No Such Table Entry",
            "Multiple Interfaces Satisfy Query",
        ],
        _ => return None,
    };
    let index = if ty == 155 && code >= 0x80 {
        code - 0x80
    } else {
        code
    };
    Some(match codes.get(index as usize).filter(|n| !n.is_empty()) {
        Some(name) => Cow::Borrowed(*name),
        None if ty == 1 => Cow::Borrowed("Unknown"),
        None => Cow::Owned(format!("Unknown ({code})")),
    })
}

#[cfg(test)]
pub(crate) mod test {
    use super::super::testutil::{every_prefix, hex};
    use super::super::*;
    use super::nd;
    use std::net::Ipv6Addr;

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

    /// An echo request to a Teredo server's port 3544 inside Teredo: zeek's
    /// tunnels/Teredo.pcap, frame 30.
    pub(crate) const TEREDO_ECHO: [&str; 2] = [
        "001d5adccff10016cf419c2008004500005087dc000080111081c0a8021041379e500ed50dd8003ca6ad60",
        "000000000c3a152001000041379e508000f12ab9c82815200148600000200100000000000000688000c57cd373b69b53aa0126",
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
        let q = *m.quoted().unwrap();
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
        let q = *s.icmp.unwrap().quoted().unwrap();
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
        assert_eq!(
            (m.ty, m.echo, m.body),
            (8, Some((0xd73b, 0)), IcmpBody::None)
        );
        every_prefix(linktype::ETHERNET, &f, Some(34), Some(34));

        let f = hex(&NEIGHBOR_SOLICITATION);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.transport),
            ("eth:ethertype:ipv6:icmpv6", Transport::Icmpv6)
        );
        let m = s.icmp.unwrap();
        assert_eq!((m.v6, m.ty, m.code, m.is_error()), (true, 135, 0, false));
        let nd = m.nd().unwrap();
        assert_eq!(nd.target, Some("2001:db8:1::1".parse().unwrap()));
        assert_eq!(
            nd.links,
            [
                Some(NdLink {
                    target: false,
                    addr: LinkAddr::Mac([0x00, 0x10, 0x18, 0x95, 0x31, 0x6a])
                }),
                None,
                None,
                None
            ]
        );
        every_prefix(linktype::ETHERNET, &f, Some(54), Some(54));
        // The target and the option are read from what the capture holds.
        assert_eq!(
            dissect(linktype::ETHERNET, &f[..f.len() - 1])
                .icmp
                .unwrap()
                .nd(),
            Some(&Nd {
                target: nd.target,
                ..Nd::default()
            })
        );
        let cut = dissect(linktype::ETHERNET, &f[..f.len() - 9]).icmp.unwrap();
        assert_eq!(cut.nd(), Some(&Nd::default()));
    }

    /// packet-icmpv6.c calls an echo request sent to UDP port 3544 a Teredo direct
    /// connectivity test; one sent from that port is an echo request.
    #[test]
    fn an_echo_request_to_a_teredo_server() {
        let f = hex(&TEREDO_ECHO);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:ip:udp:teredo:ipv6:icmpv6"
        );
        let m = s.icmp.unwrap();
        assert_eq!(
            (m.ty, m.echo, m.teredo_test),
            (128, Some((0xd373, 46747)), true)
        );
        // The UDP ports swapped: from the server's port.
        let mut swapped = f.clone();
        swapped.copy_within(34..36, 36);
        swapped[34..36].copy_from_slice(&f[36..38]);
        let m = dissect(linktype::ETHERNET, &swapped).icmp.unwrap();
        assert_eq!((m.ty, m.teredo_test), (128, false));
    }

    /// The options walked as packet-icmpv6.c walks them: source and target link-layer
    /// addresses of 6 bytes, or an EUI-64 padded with zeros; other options skipped; a
    /// zero length or an option the message cuts ends the walk.
    #[test]
    fn neighbor_discovery_options() {
        let mac = |t: u8, last: u8| [t, 1, 0, 0xaa, 0xbb, 0xcc, 0xdd, last];
        let link = |target: bool, last: u8| {
            Some(NdLink {
                target,
                addr: LinkAddr::Mac([0, 0xaa, 0xbb, 0xcc, 0xdd, last]),
            })
        };
        // Neighbor advertisement: flags R, S, O and a reserved bit, target 2001:db8::1.
        let mut na = vec![136, 0, 0, 0, 0xf0, 0, 0, 0];
        na.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        na.extend_from_slice(&mac(2, 1));
        // A nonce option (type 14) between, skipped.
        na.extend_from_slice(&[14, 1, 1, 2, 3, 4, 5, 6]);
        na.extend_from_slice(&mac(1, 2));
        // EUI-64 in a 16-byte option; one with a byte set in its padding is not named.
        na.extend_from_slice(&[2, 2, 2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);
        na.extend_from_slice(&[0; 6]);
        na.extend_from_slice(&[1, 2, 2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);
        na.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
        na.extend_from_slice(&mac(1, 3));
        // Kept no more than Nd::LINKS.
        na.extend_from_slice(&mac(1, 4));
        let got = nd(136, &na).unwrap();
        assert_eq!(got.target, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(got.flags, 0xe0);
        let eui = Some(NdLink {
            target: true,
            addr: LinkAddr::Eui64([2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
        });
        assert_eq!(
            got.links,
            [link(true, 1), link(false, 2), eui, link(false, 3)]
        );

        // Router solicitation: a zero length ends the walk; so does an option cut short.
        let rs = |options: &[u8]| {
            let mut m = vec![133, 0, 0, 0, 0, 0, 0, 0];
            m.extend_from_slice(options);
            nd(133, &m).unwrap().links
        };
        assert_eq!(rs(&mac(1, 9))[0], link(false, 9));
        assert_eq!(rs(&[[1, 0, 0, 0, 0, 0, 0, 0], mac(1, 9)].concat())[0], None);
        assert_eq!(rs(&[mac(1, 8), [1, 2, 0, 0, 0, 0, 0, 0]].concat())[1], None);
        assert_eq!(rs(&mac(1, 9)[..7])[0], None);
        // FMIPv6: the subtype. Echo: no neighbor discovery fields at all.
        assert_eq!(
            nd(154, &[154, 0, 0, 0, 4, 0, 0, 1]).unwrap().subtype,
            Some(4)
        );
        assert_eq!(nd(128, &[128, 0, 0, 0, 0, 1, 0, 1]), None);
    }
}
