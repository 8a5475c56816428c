//! Row colours: the first of Wireshark's default colouring rules (its `colorfilters`,
//! tshark 4.0's `--color`, `frame.coloring_rule.name`) a packet matches.
//!
//! Each rule is a display filter in Wireshark. Here each is read from what the row
//! already has: the layers the dissection walked, the TCP analysis the ingest did, and
//! the Protocol column for the application protocols (HTTP, SMB, DCE/RPC, BGP).
//! "Checksum Errors" never matches: tshark does not validate checksums by default.

use crate::capture::tcp::Kind;
use crate::capture::Capture;
use crate::ingest::wire::{LayerSpan, Layers, Proto};
use std::net::Ipv4Addr;

/// One of Wireshark's default colouring rules, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `tcp.analysis.flags` but for window updates and keep-alives.
    BadTcp,
    /// An HSRP hello from a router neither active nor standby.
    HsrpStateChange,
    /// A spanning tree topology change notification.
    StpTopologyChange,
    /// An OSPF message other than a hello.
    OspfStateChange,
    /// ICMP destination unreachable, source quench, redirect, time exceeded; ICMPv6's
    /// four error types.
    IcmpErrors,
    /// ARP.
    Arp,
    /// ICMP and ICMPv6.
    Icmp,
    /// TCP with RST.
    TcpRst,
    /// An SCTP ABORT chunk.
    SctpAbort,
    /// An IPv4 TTL under 5 off multicast, or not 1 on the local multicast block.
    TtlLow,
    /// SMB, NetBIOS session, name and LLC services.
    Smb,
    /// HTTP, HTTP/2, or TCP port 80.
    Http,
    /// DCE/RPC.
    Dcerpc,
    /// Routing and router protocols.
    Routing,
    /// TCP with SYN or FIN.
    TcpSynFin,
    /// Other TCP.
    Tcp,
    /// Other UDP.
    Udp,
    /// A broadcast or multicast Ethernet destination.
    Broadcast,
}

impl Rule {
    /// Every rule, in the order Wireshark tries them.
    pub const ALL: [Rule; 18] = [
        Rule::BadTcp,
        Rule::HsrpStateChange,
        Rule::StpTopologyChange,
        Rule::OspfStateChange,
        Rule::IcmpErrors,
        Rule::Arp,
        Rule::Icmp,
        Rule::TcpRst,
        Rule::SctpAbort,
        Rule::TtlLow,
        Rule::Smb,
        Rule::Http,
        Rule::Dcerpc,
        Rule::Routing,
        Rule::TcpSynFin,
        Rule::Tcp,
        Rule::Udp,
        Rule::Broadcast,
    ];

    /// The rule's name, as `frame.coloring_rule.name` (two spaces in the STP one, as
    /// Wireshark's file has it).
    pub fn name(self) -> &'static str {
        self.text().1
    }

    /// The rule's display filter, as `frame.coloring_rule.string`.
    pub fn filter(self) -> &'static str {
        self.text().2
    }

    /// A short key for the rule (the page's CSS class is `c-<key>`).
    pub fn key(self) -> &'static str {
        self.text().0
    }

    fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Rule::BadTcp => ("bad-tcp", "Bad TCP", "tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack"),
            Rule::HsrpStateChange => ("hsrp-state", "HSRP State Change", "hsrp.state != 8 && hsrp.state != 16"),
            Rule::StpTopologyChange => ("stp-change", "Spanning Tree Topology  Change", "stp.type == 0x80"),
            Rule::OspfStateChange => ("ospf-state", "OSPF State Change", "ospf.msg != 1"),
            Rule::IcmpErrors => ("icmp-error", "ICMP errors", "icmp.type in { 3..5, 11 } || icmpv6.type in { 1..4 }"),
            Rule::Arp => ("arp", "ARP", "arp"),
            Rule::Icmp => ("icmp", "ICMP", "icmp || icmpv6"),
            Rule::TcpRst => ("tcp-rst", "TCP RST", "tcp.flags.reset eq 1"),
            Rule::SctpAbort => ("sctp-abort", "SCTP ABORT", "sctp.chunk_type eq ABORT"),
            Rule::TtlLow => ("ttl-low", "TTL low or unexpected", "(ip.dst != 224.0.0.0/4 && ip.ttl < 5 && !pim && !ospf) || (ip.dst == 224.0.0.0/24 && ip.dst != 224.0.0.251 && ip.ttl != 1 && !(vrrp || carp))"),
            Rule::Smb => ("smb", "SMB", "smb || nbss || nbns || netbios"),
            Rule::Http => ("http", "HTTP", "http || tcp.port == 80 || http2"),
            Rule::Dcerpc => ("dcerpc", "DCERPC", "dcerpc"),
            Rule::Routing => ("routing", "Routing", "hsrp || eigrp || ospf || bgp || cdp || vrrp || carp || gvrp || igmp || ismp"),
            Rule::TcpSynFin => ("tcp-synfin", "TCP SYN/FIN", "tcp.flags & 0x02 || tcp.flags.fin == 1"),
            Rule::Tcp => ("tcp", "TCP", "tcp"),
            Rule::Udp => ("udp", "UDP", "udp"),
            Rule::Broadcast => ("broadcast", "Broadcast", "eth[0] & 1"),
        }
    }
}

/// What one packet offers the rules.
struct Packet<'a> {
    layers: &'a [LayerSpan],
    bytes: &'a [u8],
    reassembled: &'a [u8],
}

impl<'a> Packet<'a> {
    /// The layers of `proto` that are the packet's own (not those an ICMP error quotes).
    fn of(&self, proto: Proto) -> impl Iterator<Item = &'a LayerSpan> + 'a {
        self.layers
            .iter()
            .filter(move |l| l.proto == proto && !l.quoted)
    }

    fn has(&self, proto: Proto) -> bool {
        self.of(proto).next().is_some()
    }

    fn header(&self, l: &LayerSpan) -> &'a [u8] {
        l.header(self.bytes, self.reassembled)
    }

    fn body(&self, l: &LayerSpan) -> &'a [u8] {
        let all = l.bytes(self.bytes, self.reassembled);
        all.get(l.header_len as usize..).unwrap_or(&[])
    }

    /// Each UDP layer's ports and payload.
    fn udp(&self) -> impl Iterator<Item = ([u16; 2], &'a [u8])> + '_ {
        self.of(Proto::Udp)
            .map(|l| (ports(self.header(l)), self.body(l)))
    }

    /// Each TCP layer's ports, flags and payload.
    fn tcp(&self) -> impl Iterator<Item = ([u16; 2], u8, &'a [u8])> + '_ {
        self.of(Proto::Tcp).map(|l| {
            let h = self.header(l);
            (ports(h), h.get(13).copied().unwrap_or(0), self.body(l))
        })
    }
}

fn ports(h: &[u8]) -> [u16; 2] {
    let at = |i: usize| {
        h.get(i..i + 2)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
    };
    [at(0), at(2)]
}

/// The first rule packet `index` matches, from its layers (as
/// [`crate::ingest::wire::dissect_layers`] recorded them over `bytes`, and the
/// dissector's reassembled datagram) and its Protocol column.
pub fn rule(
    capture: &Capture,
    index: usize,
    bytes: &[u8],
    reassembled: &[u8],
    layers: &Layers,
    protocol: &str,
) -> Option<Rule> {
    let p = Packet {
        layers: layers.as_slice(),
        bytes,
        reassembled,
    };
    let bad_tcp = capture
        .tcp_flags
        .binary_search_by_key(&(index as u64), |(i, _)| *i)
        .is_ok_and(|at| {
            let harmless = [Kind::WindowUpdate, Kind::KeepAlive, Kind::KeepAliveAck];
            capture.tcp_flags[at]
                .1
                .kinds()
                .any(|k| !harmless.contains(&k))
        });
    let hsrp = p
        .udp()
        .find(|(ports, _)| ports.contains(&HSRP_PORT) || ports.contains(&HSRP2_PORT));
    let ospf = p.of(Proto::Ospf).map(|l| p.body_or_header(l)).next();
    let icmp_types = || {
        p.of(Proto::Icmp)
            .chain(p.of(Proto::Icmpv6))
            .filter_map(|l| Some((l.proto, *p.header(l).first()?)))
    };
    let tcp = || p.tcp();
    Rule::ALL.into_iter().find(|&r| match r {
        Rule::BadTcp => bad_tcp,
        // HSRP version 1 (UDP 1985): the state is the third byte.
        Rule::HsrpStateChange => hsrp.is_some_and(|(ports, body)| {
            ports.contains(&HSRP_PORT)
                && body.first() == Some(&0)
                && body.get(2).is_some_and(|&s| s != 8 && s != 16)
        }),
        Rule::StpTopologyChange => p
            .of(Proto::Stp)
            .any(|l| p.body_or_header(l).get(3) == Some(&0x80)),
        Rule::OspfStateChange => ospf.is_some_and(|o| o.get(1).is_some_and(|&t| t != 1)),
        Rule::IcmpErrors => icmp_types().any(|(proto, ty)| match proto {
            Proto::Icmp => matches!(ty, 3..=5 | 11),
            _ => (1..=4).contains(&ty),
        }),
        Rule::Arp => p.has(Proto::Arp),
        Rule::Icmp => p.has(Proto::Icmp) || p.has(Proto::Icmpv6),
        Rule::TcpRst => tcp().any(|(_, flags, _)| flags & 0x04 != 0),
        Rule::SctpAbort => p.of(Proto::Sctp).any(|l| sctp_abort(p.body(l))),
        Rule::TtlLow => ttl_low(&p),
        Rule::Smb => {
            p.has(Proto::Netbios)
                || tcp().any(|(ports, _, body)| {
                    !body.is_empty() && (ports.contains(&139) || ports.contains(&445))
                })
                || p.udp().any(|(ports, body)| {
                    !body.is_empty() && (ports.contains(&137) || smb_datagram(ports, protocol))
                })
        }
        Rule::Http => http_row(protocol) || tcp().any(|(ports, _, _)| ports.contains(&80)),
        Rule::Dcerpc => protocol.starts_with("DCERPC"),
        Rule::Routing => {
            hsrp.is_some_and(|(_, body)| !body.is_empty())
                || ospf.is_some()
                || [Proto::Eigrp, Proto::Cdp, Proto::Vrrp, Proto::Igmp]
                    .into_iter()
                    .any(|proto| p.has(proto))
                || protocol == "BGP"
                || protocol == "GVRP"
        }
        Rule::TcpSynFin => tcp().any(|(_, flags, _)| flags & 0x03 != 0),
        Rule::Tcp => p.has(Proto::Tcp),
        Rule::Udp => p.has(Proto::Udp),
        // Any Ethernet layer's: a tunnel's inner frame too.
        Rule::Broadcast => p
            .of(Proto::Eth)
            .any(|l| p.header(l).first().is_some_and(|b| b & 1 != 0)),
    })
}

/// A rule is written as its name.
impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

const HSRP_PORT: u16 = 1985;
const HSRP2_PORT: u16 = 2029;

impl Packet<'_> {
    /// A layer's bytes past its header, or the whole layer for the protocols recorded
    /// without a header length of their own.
    fn body_or_header<'s>(&'s self, l: &LayerSpan) -> &'s [u8] {
        if l.header_len == 0 {
            l.bytes(self.bytes, self.reassembled)
        } else {
            self.header(l)
        }
    }
}

/// Whether an SCTP packet's body (past its 12-byte common header) holds an ABORT chunk.
fn sctp_abort(mut chunks: &[u8]) -> bool {
    while chunks.len() >= 4 {
        if chunks[0] == 6 {
            return true;
        }
        let len = u16::from_be_bytes([chunks[2], chunks[3]]) as usize;
        let step = len.div_ceil(4) * 4;
        if len < 4 || step > chunks.len() {
            return false;
        }
        chunks = &chunks[step..];
    }
    false
}

/// Whether a row with this Protocol column has an `http` or `http2` layer: HTTP's
/// (`HTTP/JSON`, a tunnel's `GTP <HTTP>`), HTTP/2's (`GRPCHTTP2`, `GRPC`) and those of
/// the bodies that name the row (`OCSP`).
fn http_row(protocol: &str) -> bool {
    protocol.contains("HTTP") || matches!(protocol, "GRPC" | "OCSP")
}

/// NetBIOS datagrams (UDP 138) that carry SMB: the browser and mailslot protocols.
fn smb_datagram(ports: [u16; 2], protocol: &str) -> bool {
    ports.contains(&138) && matches!(protocol, "BROWSER" | "SMB" | "MAILSLOT" | "LANMAN")
}

/// `(ip.dst != 224.0.0.0/4 && ip.ttl < 5 && !pim && !ospf) || (ip.dst == 224.0.0.0/24
/// && ip.dst != 224.0.0.251 && ip.ttl != 1 && !(vrrp || carp))`, over every IPv4 layer:
/// `==` and `<` hold when one occurrence does, `!=` when every one does.
fn ttl_low(p: &Packet) -> bool {
    let ips = || {
        p.of(Proto::Ip).filter_map(|l| {
            let h = p.header(l);
            let dst = Ipv4Addr::from(<[u8; 4]>::try_from(h.get(16..20)?).ok()?);
            Some((dst, h[8]))
        })
    };
    if ips().next().is_none() {
        return false;
    }
    let multicast = |a: Ipv4Addr| a.octets()[0] & 0xf0 == 224;
    let local_block = |a: Ipv4Addr| a.octets()[..3] == [224, 0, 0];
    let off_multicast = ips().all(|(dst, _)| !multicast(dst))
        && ips().any(|(_, ttl)| ttl < 5)
        && !p.has(Proto::Pim)
        && !p.has(Proto::Ospf);
    let local = ips().any(|(dst, _)| local_block(dst))
        && ips().all(|(dst, _)| dst != Ipv4Addr::new(224, 0, 0, 251))
        && ips().all(|(_, ttl)| ttl != 1)
        && !p.has(Proto::Vrrp);
    off_multicast || local
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn sctp_chunks_are_walked_to_an_abort() {
        // DATA (len 17, padded to 20), then ABORT.
        let mut b = vec![0u8, 3, 0, 17];
        b.extend([0; 16]);
        b.extend([6, 0, 0, 4]);
        assert!(sctp_abort(&b));
        assert!(!sctp_abort(&b[..20]));
        assert!(!sctp_abort(&[0, 0, 0, 2, 6, 0, 0, 4]), "a bad length stops");
    }

    #[test]
    fn rules_keep_wiresharks_order_and_names() {
        assert_eq!(Rule::ALL[0].name(), "Bad TCP");
        assert_eq!(
            Rule::ALL.iter().position(|&r| r == Rule::Http),
            Some(11),
            "HTTP after SMB, before the TCP flags"
        );
        assert_eq!(
            Rule::StpTopologyChange.name(),
            "Spanning Tree Topology  Change"
        );
    }
}
