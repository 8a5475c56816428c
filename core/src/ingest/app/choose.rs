//! Which parser a conversation gets: the user's decode-as rules first, then what its
//! first bytes say ([`sniff`](super::sniff::sniff)), then its well-known port.

use super::sniff::Sniff;
use super::tls::SharedKeys;
use super::{dns, http, http2, memcache, mysql, pgsql, quic, redis, tls, StreamParser};
use crate::capture::app::AppProto;
use crate::capture::flow::{Conversation, Direction, L4};
use std::collections::HashMap;

/// The protocol a well-known port stands for (before any decode-as).
pub fn proto_by_port(l4: L4, port: u16) -> Option<AppProto> {
    Some(match (l4, port) {
        (L4::Tcp, 80 | 8080 | 8000 | 8008 | 8081 | 8088 | 8888 | 3128) => AppProto::Http,
        (L4::Tcp, 443 | 8443 | 465 | 993 | 995 | 853 | 636) => AppProto::Tls,
        (_, 53 | 5353) => AppProto::Dns,
        (L4::Tcp, 11211) | (L4::Udp, 11211) => AppProto::Memcache,
        (L4::Tcp, 6379) => AppProto::Redis,
        (L4::Tcp, 3306) => AppProto::Mysql,
        (L4::Tcp, 5432) => AppProto::Pgsql,
        (L4::Udp, 443) => AppProto::Quic,
        _ => return None,
    })
}

/// Ports tshark gives to a protocol of its own that we do not parse, which a sniffer
/// could take for one of ours: NetBIOS name service (UDP and TCP 137, RFC 1002 §4.2)
/// looks like DNS but is `nbns`, not `dns`. Returns the protocol's filter name.
pub fn foreign_port(l4: L4, port: u16) -> Option<&'static str> {
    match (l4, port) {
        (L4::Udp | L4::Tcp, 137) => Some("nbns"),
        // mDNS and LLMNR are DNS's format on other ports: our DNS parser reads them.
        (L4::Udp, _) => udp_port_proto(port).filter(|p| !matches!(*p, "mdns" | "llmnr")),
        // TCP: dissectors registered on the port that take whatever bytes come
        // ([`takes_any_bytes`]).
        (L4::Tcp, 22) => Some("ssh"),
        (L4::Tcp, 139 | 445) => Some("nbss"),
        (L4::Tcp, 179) => Some("bgp"),
        (L4::Tcp, 389 | 3268) => Some("ldap"),
        (L4::Tcp, 513) => Some("rlogin"),
        (L4::Tcp, 6667 | 57000) => Some("irc"),
        (L4::Tcp, 9092) => Some("kafka"),
        (L4::Tcp, 21) => Some("ftp"),
        (L4::Tcp, 23) => Some("telnet"),
        (L4::Tcp, 25 | 587) => Some("smtp"),
        (L4::Tcp, 110) => Some("pop"),
        (L4::Tcp, 143) => Some("imap"),
        _ => None,
    }
}

/// Whether the dissector of foreign protocol `name` on its TCP port takes every payload,
/// whatever the bytes look like: packet-ssh.c calls bytes without a banner an
/// `Encrypted packet` (an HTTP request sent to port 22 is SSH to tshark), and the others
/// registered on their TCP ports take the bytes as theirs too (TCP tries the port's
/// dissector before any heuristic), so no sniffed protocol of ours is chosen there.
pub fn takes_any_bytes(name: &str) -> bool {
    matches!(
        name,
        "ssh"
            | "nbss"
            | "bgp"
            | "ldap"
            | "rlogin"
            | "irc"
            | "kafka"
            | "ftp"
            | "telnet"
            | "smtp"
            | "pop"
            | "imap"
    )
}

/// The protocol tshark 4.0 registers on a UDP port (`tshark -G decodes`, `udp.port`;
/// each dissector's `dissector_add_uint_with_preference`), for the protocols it names
/// that have no parser of ours: the filter name.
pub fn udp_port_proto(port: u16) -> Option<&'static str> {
    // UDP: DHCP (RFC 2131 §4.1), TFTP (RFC 1350), NTP (RFC 5905), NetBIOS's name and
    // datagram services (RFC 1002), SNMP and its traps (RFC 3417 §3), syslog (RFC 5426),
    // RIP (RFC 2453), DHCPv6 (RFC 8415 §7.2), SSDP (UPnP), SIP (RFC 3261 §18), mDNS
    // (RFC 6762), LLMNR (RFC 4795).
    Some(match port {
        67 | 68 => "dhcp",
        69 => "tftp",
        123 => "ntp",
        137 => "nbns",
        138 => "nbdgm",
        161 | 162 => "snmp",
        514 => "syslog",
        520 => "rip",
        546 | 547 => "dhcpv6",
        1900 => "ssdp",
        5060 => "sip",
        5353 => "mdns",
        5355 => "llmnr",
        _ => return None,
    })
}

/// Who a UDP datagram's ports offer it to, in tshark's order (the lower port first):
/// a protocol of [`udp_port_proto`] (which may refuse the bytes, and the next port is
/// then tried), or [`UdpPort::Ours`], a parser of ours (DNS on 53, QUIC on 443, memcached
/// on 11211), which takes whatever comes.
pub fn udp_ports(ports: [u16; 2]) -> impl Iterator<Item = UdpPort> {
    let (lo, hi) = (ports[0].min(ports[1]), ports[0].max(ports[1]));
    let port = |p: u16| match udp_port_proto(p) {
        Some(name) => Some(UdpPort::Named(name)),
        None => proto_by_port(L4::Udp, p).map(|_| UdpPort::Ours),
    };
    [port(lo), if hi == lo { None } else { port(hi) }]
        .into_iter()
        .flatten()
}

/// A UDP port's dissector ([`udp_ports`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UdpPort {
    /// A protocol tshark names, which we do not parse (mDNS and LLMNR aside).
    Named(&'static str),
    /// One of our parsers.
    Ours,
}

/// The protocol tshark dissects a TCP or UDP conversation's payload as when it is one
/// of the [`foreign_port`]s: the lower port is tried first, and a port of ours (DNS on
/// 53) beats it when lower.
pub fn foreign_proto(l4: L4, ports: [u16; 2]) -> Option<&'static str> {
    let (lo, hi) = (ports[0].min(ports[1]), ports[0].max(ports[1]));
    for p in [lo, hi] {
        if proto_by_port(l4, p).is_some() {
            return None;
        }
        if let Some(name) = foreign_port(l4, p) {
            return Some(name);
        }
    }
    None
}

/// What a parser may need beside its bytes.
pub(super) struct ParserCtx<'a> {
    /// The key log (TLS).
    pub keys: &'a SharedKeys,
    /// The server's port.
    pub server_port: u16,
}

/// The parser for a protocol.
pub(super) fn make_parser(proto: AppProto, ctx: &ParserCtx<'_>) -> Box<dyn StreamParser> {
    match proto {
        AppProto::Http => Box::new(http::Parser::new()),
        AppProto::Dns => Box::new(dns::Parser::new()),
        AppProto::Tls => Box::new(tls::Parser::with_keys(ctx.keys.clone(), ctx.server_port)),
        AppProto::Memcache => Box::new(memcache::Parser::new()),
        AppProto::Mysql => Box::new(mysql::Parser::with_keys(ctx.keys.clone(), ctx.server_port)),
        AppProto::Redis => Box::new(redis::Parser::new()),
        AppProto::Http2 => Box::new(http2::Parser::new()),
        AppProto::Pgsql => Box::new(pgsql::Parser::with_keys(ctx.keys.clone(), ctx.server_port)),
        AppProto::Quic => Box::new(quic::Parser::new()),
    }
}

/// What a conversation is parsed as.
pub(super) struct Choice {
    /// The protocol, and the client side when the decode-as rule, the bytes or the port
    /// told it; None: no parser.
    pub parser: Option<(AppProto, Option<Direction>)>,
    /// Decided before the bytes said enough (the sniffing buffer was full or the stream
    /// ended).
    pub cut_short: bool,
}

/// Chooses the parser of a conversation from the decode-as rules (`(transport, port)` →
/// protocol, or none), the first bytes of each side, and its ports. None: wait for more
/// bytes (never when `force`d).
pub(super) fn choose(
    decode_as: &HashMap<(L4, u16), Option<AppProto>>,
    conv: &Conversation,
    sniffed: [Option<Sniff>; 2],
    force: bool,
) -> Option<Choice> {
    let l4 = conv.proto;
    let ports = [conv.port_a, conv.port_b];
    // The lower port first, as tshark tries it first.
    let order = if conv.port_a <= conv.port_b {
        [0usize, 1]
    } else {
        [1, 0]
    };
    // 1. Decode-as wins over everything; its port is the server's.
    if let Some((i, p)) = order
        .iter()
        .find_map(|&i| decode_as.get(&(l4, ports[i])).map(|p| (i, *p)))
    {
        return Some(Choice {
            parser: p.map(|p| (p, Some(side(1 - i)))),
            cut_short: false,
        });
    }
    let default = order
        .iter()
        .find_map(|&i| proto_by_port(l4, ports[i]).map(|p| (p, side(1 - i))));
    // A port tshark gives to a protocol of its own (NetBIOS name service on 137): no
    // parser unless the bytes say for sure (a weak match, DNS-like bytes, does not).
    let foreign = foreign_proto(l4, ports);
    if l4 == L4::Tcp && foreign.is_some_and(takes_any_bytes) {
        return Some(Choice {
            parser: None,
            cut_short: false,
        });
    }
    let foreign = foreign.is_some();
    // 2. The bytes, when they say something a port default cannot contradict.
    let matches: Vec<(usize, AppProto, bool, bool)> = sniffed
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Some(Sniff::Match {
                proto,
                client,
                strong,
            }) => Some((i, *proto, *client, *strong)),
            _ => None,
        })
        .collect();
    let waiting = sniffed.contains(&Some(Sniff::NeedMore));
    let best = matches
        .iter()
        .find(|m| m.3)
        .or_else(|| matches.first())
        .copied();
    let parser = match (best, default) {
        (Some((i, p, client, strong)), d)
            if strong || (!foreign && (d.is_none() || d.is_some_and(|d| d.0 == p))) =>
        {
            let dir = if client { side(i) } else { other(side(i)) };
            Some((p, Some(dir)))
        }
        _ if waiting && !force => return None,
        // 3. The port, unless a lower one is another protocol's.
        (_, Some((p, client))) if !foreign => Some((p, Some(client))),
        _ => None,
    };
    Some(Choice {
        parser,
        cut_short: waiting && force,
    })
}

/// Side A (0) or B (1) as the direction it sends in.
fn side(i: usize) -> Direction {
    if i == 0 {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

/// The other direction.
pub(super) fn other(d: Direction) -> Direction {
    match d {
        Direction::AToB => Direction::BToA,
        Direction::BToA => Direction::AToB,
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::app::sniff::sniff;

    fn conv(l4: L4, port_a: u16, port_b: u16) -> Conversation {
        let ip = "10.0.0.1".parse().unwrap();
        Conversation {
            proto: l4,
            stream: 0,
            a: ip,
            port_a,
            b: ip,
            port_b,
            frames_ab: 0,
            bytes_ab: 0,
            frames_ba: 0,
            bytes_ba: 0,
            payload_ab: 0,
            payload_ba: 0,
            first_ns: 0,
            last_ns: 0,
        }
    }

    /// A NetBIOS name query (RFC 1002 §4.2.12) for `WORKGROUP<1d>`: a DNS-like header.
    const NBNS_QUERY: [u8; 50] = [
        0x80, 0x0c, 0x01, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, b'F', b'H',
        b'E', b'P', b'F', b'C', b'E', b'L', b'E', b'H', b'F', b'C', b'E', b'P', b'F', b'F', b'F',
        b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'C', b'A', b'B', b'N',
        0x00, 0x00, 0x20, 0x00, 0x01,
    ];

    #[test]
    fn netbios_name_service_is_not_dns() {
        let sniffed = sniff(L4::Udp, &NBNS_QUERY);
        assert!(matches!(
            sniffed,
            Sniff::Match {
                proto: AppProto::Dns,
                strong: false,
                ..
            }
        ));
        let rules = HashMap::new();
        for (a, b) in [(137, 137), (137, 60000), (60000, 137), (137, 5353)] {
            let c = choose(&rules, &conv(L4::Udp, a, b), [Some(sniffed), None], true);
            assert_eq!(c.map(|c| c.parser), Some(None), "{a} -> {b}");
            assert_eq!(foreign_proto(L4::Udp, [a, b]), Some("nbns"));
        }
        // DNS's port is lower: tshark dissects DNS there.
        let c = choose(&rules, &conv(L4::Udp, 53, 137), [Some(sniffed), None], true);
        assert_eq!(c.and_then(|c| c.parser).map(|p| p.0), Some(AppProto::Dns));
        assert_eq!(foreign_proto(L4::Udp, [53, 137]), None);
        // DNS-like bytes on any other port are still DNS; decode-as still wins.
        let c = choose(
            &rules,
            &conv(L4::Udp, 40000, 40001),
            [Some(sniffed), None],
            true,
        );
        assert_eq!(c.and_then(|c| c.parser).map(|p| p.0), Some(AppProto::Dns));
        let rules = HashMap::from([((L4::Udp, 137), Some(AppProto::Dns))]);
        let c = choose(
            &rules,
            &conv(L4::Udp, 137, 137),
            [Some(sniffed), None],
            true,
        );
        assert_eq!(c.and_then(|c| c.parser).map(|p| p.0), Some(AppProto::Dns));
    }

    /// An HTTP request sent to TCP port 22 is SSH to tshark (zeek's
    /// get-to-ssh-server.pcap): no parser, even for bytes that say HTTP for sure; a lower
    /// port of ours still wins, and decode-as too.
    #[test]
    fn bytes_to_the_ssh_port_are_ssh() {
        let get = sniff(L4::Tcp, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(matches!(get, Sniff::Match { strong: true, .. }));
        let rules = HashMap::new();
        for (a, b) in [(44338, 22), (22, 44338), (22, 80)] {
            let c = choose(&rules, &conv(L4::Tcp, a, b), [Some(get), None], true);
            assert_eq!(c.map(|c| c.parser), Some(None), "{a} -> {b}");
            assert_eq!(foreign_proto(L4::Tcp, [a, b]), Some("ssh"));
        }
        // The other TCP ports of protocols whose dissectors take any bytes.
        for (port, name) in [(445, "nbss"), (389, "ldap"), (179, "bgp"), (6667, "irc")] {
            let c = choose(&rules, &conv(L4::Tcp, 50000, port), [Some(get), None], true);
            assert_eq!(c.map(|c| c.parser), Some(None), "{port}");
            assert_eq!(foreign_proto(L4::Tcp, [50000, port]), Some(name));
        }
        let rules = HashMap::from([((L4::Tcp, 22), Some(AppProto::Http))]);
        let c = choose(&rules, &conv(L4::Tcp, 44338, 22), [Some(get), None], true);
        assert_eq!(c.and_then(|c| c.parser).map(|p| p.0), Some(AppProto::Http));
    }
}
