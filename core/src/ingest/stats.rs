//! Statistics over the whole capture: Ethernet and IP conversations, endpoints and the
//! protocol hierarchy, as `tshark -z conv,eth|ip|ipv6`, `-z endpoints,*` and `-z io,phs`.
//!
//! What counts follows what tshark's taps see:
//! - An Ethernet conversation gets every frame with an Ethernet header, an IPv4 (`ip`) or
//!   IPv6 conversation every frame with that header; bytes are frame lengths on the wire.
//!   A conversation is the unordered pair of addresses; side A is the source of its first
//!   frame. Headers quoted inside an ICMP or ICMPv6 error are not counted (tshark
//!   dissects them as an "error packet", which its conversation taps ignore).
//! - Every IPv4 fragment counts in `ip`, but an IPv6 fragment counts in `ipv6` only in
//!   the frame whose payload is dissected: an atomic fragment, or the one that completes
//!   reassembly (tshark 4.0 queues its IPv6 tap after reassembly).
//! - Endpoints are summed from the conversations: an address (with its port for TCP and
//!   UDP) sends what its side of each conversation sent and receives the rest.
//! - The protocol hierarchy is a tree of protocol names as tshark prints them (`eth`,
//!   `sll`, `vlan`, `mpls`, `ip`, `ipv6`, `tcp`, `udp`, `icmp`, `arp`, `gre`, `data`, …).
//!   tshark's tree goes on into application protocols (`http`, `dns`, `tls`, …) and into
//!   tunnels, which are not dissected here yet. Ours is tshark's with each frame's path
//!   cut after the first protocol the dissector does not look inside
//!   ([`Proto::is_leaf`]): the transport protocol, or `arp`, `gre`, `esp`, …, or `data`
//!   where tshark gives up too (an IP fragment held for reassembly). Every node it shows
//!   has tshark's counts. Frames of link types we do not dissect are not in the tree.
//!
//! Memory is bounded by what is distinct, not by packets: one row per conversation, one
//! node per distinct protocol path.

use crate::capture::stats::{Address, AddressConversation, ProtocolNode, StatsResult};
use crate::ingest::hash::Map;
use crate::ingest::wire::{Frag, Net, Proto, Summary, Transport};
use std::net::IpAddr;

/// Conversations keyed by their unordered address pair.
#[derive(Default)]
struct PairTable {
    rows: Vec<AddressConversation>,
    index: Map<(Address, Address), u32>,
    /// The pair of the previous frame: consecutive frames are mostly the same pair.
    last: Option<(Address, Address, u32)>,
}

impl PairTable {
    fn add(&mut self, src: Address, dst: Address, frame_len: u32, ts_ns: i64) {
        let i = match self.last {
            Some((x, y, i)) if (x, y) == (src, dst) || (x, y) == (dst, src) => i,
            _ => {
                let key = if src <= dst { (src, dst) } else { (dst, src) };
                let rows = &mut self.rows;
                *self.index.entry(key).or_insert_with(|| {
                    rows.push(AddressConversation {
                        a: src,
                        b: dst,
                        frames_ab: 0,
                        bytes_ab: 0,
                        frames_ba: 0,
                        bytes_ba: 0,
                        first_ns: ts_ns,
                        last_ns: ts_ns,
                    });
                    (rows.len() - 1) as u32
                })
            }
        };
        self.last = Some((src, dst, i));
        let c = &mut self.rows[i as usize];
        // With A == B (a host talking to itself), every frame goes A to B, as in tshark.
        if src == c.a {
            c.frames_ab += 1;
            c.bytes_ab += frame_len as u64;
        } else {
            c.frames_ba += 1;
            c.bytes_ba += frame_len as u64;
        }
        c.first_ns = c.first_ns.min(ts_ns);
        c.last_ns = c.last_ns.max(ts_ns);
    }
}

/// The most protocols a hierarchy path holds.
const MAX_DEPTH: usize = crate::ingest::wire::Stack::CAPACITY;

/// A frame's protocols from the outermost, as tshark's hierarchy names them, down to the
/// first protocol we do not look inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolPath {
    names: [&'static str; MAX_DEPTH],
    len: usize,
}

impl ProtocolPath {
    /// The path of a dissected frame.
    ///
    /// tshark's hierarchy walks the top-level items of its dissection tree, which are not
    /// quite `frame.protocols` ([`Summary::stack`]): `ethertype` adds no item of its own,
    /// IPv6 extension headers (AH too) are subtrees of `ipv6`, and what an ICMP error
    /// quotes is a subtree of `icmp` (the stack already stops there). The path ends with
    /// the first protocol we do not look inside ([`Proto::is_leaf`]): a transport, `arp`,
    /// `gre`, `llc`, `data`, …
    pub fn of(s: &Summary) -> Self {
        let mut p = ProtocolPath {
            names: [""; MAX_DEPTH],
            len: 0,
        };
        let mut last = None;
        let stack = s.stack.as_slice();
        for (i, &proto) in stack.iter().enumerate() {
            match proto {
                Proto::Ethertype
                | Proto::Ipv6Hopopts
                | Proto::Ipv6Routing
                | Proto::Ipv6Fraghdr
                | Proto::Ipv6Dstopts => continue,
                Proto::Ah | Proto::Shim6 if last == Some(Proto::Ipv6) => continue,
                _ => {}
            }
            if p.len < MAX_DEPTH {
                p.names[p.len] = proto.name();
                p.len += 1;
            }
            last = Some(proto);
            // UDP carrying a tunnel goes on into it.
            let tunnel = proto == Proto::Udp && stack.get(i + 1).is_some_and(|n| n.is_udp_tunnel());
            if proto.is_leaf() && !tunnel {
                return p;
            }
        }
        // A stack too deep to hold (dozens of IPv6 extension headers) lost its last names;
        // the transport layer is still known.
        if s.stack.overflowed() && p.len < MAX_DEPTH {
            let transport = match s.transport {
                Transport::Tcp(_) => Some(Proto::Tcp),
                Transport::Udp { .. } => Some(Proto::Udp),
                Transport::Icmp => Some(Proto::Icmp),
                Transport::Icmpv6 => Some(Proto::Icmpv6),
                _ => None,
            };
            if let Some(t) = transport {
                p.names[p.len] = t.name();
                p.len += 1;
            }
        }
        p
    }

    /// The protocol names, outermost first.
    pub fn names(&self) -> &[&'static str] {
        &self.names[..self.len]
    }
}

/// The hierarchy while it grows: nodes in an arena, children as linked lists.
#[derive(Default)]
struct Hierarchy {
    nodes: Vec<Node>,
    /// First root.
    root: Option<u32>,
}

struct Node {
    protocol: &'static str,
    frames: u64,
    bytes: u64,
    first_child: Option<u32>,
    next_sibling: Option<u32>,
}

impl Hierarchy {
    fn add(&mut self, path: &[&'static str], frame_len: u32) {
        let mut parent: Option<u32> = None;
        for &name in path {
            let first = match parent {
                None => self.root,
                Some(p) => self.nodes[p as usize].first_child,
            };
            // Find the child of this name, remembering the last sibling to append after.
            let (mut at, mut last) = (first, None);
            while let Some(i) = at {
                if self.nodes[i as usize].protocol == name {
                    break;
                }
                last = Some(i);
                at = self.nodes[i as usize].next_sibling;
            }
            let i = match at {
                Some(i) => i,
                None => {
                    let i = self.nodes.len() as u32;
                    self.nodes.push(Node {
                        protocol: name,
                        frames: 0,
                        bytes: 0,
                        first_child: None,
                        next_sibling: None,
                    });
                    match (last, parent) {
                        (Some(l), _) => self.nodes[l as usize].next_sibling = Some(i),
                        (None, Some(p)) => self.nodes[p as usize].first_child = Some(i),
                        (None, None) => self.root = Some(i),
                    }
                    i
                }
            };
            let n = &mut self.nodes[i as usize];
            n.frames += 1;
            n.bytes += frame_len as u64;
            parent = Some(i);
        }
    }

    fn tree(&self, mut at: Option<u32>) -> Vec<ProtocolNode> {
        let mut out = Vec::new();
        while let Some(i) = at {
            let n = &self.nodes[i as usize];
            out.push(ProtocolNode {
                protocol: n.protocol,
                frames: n.frames,
                bytes: n.bytes,
                children: self.tree(n.first_child),
            });
            at = n.next_sibling;
        }
        out
    }
}

/// Running statistics, fed every packet in timeline order.
#[derive(Default)]
pub struct Stats {
    eth: PairTable,
    ip: PairTable,
    ipv6: PairTable,
    hierarchy: Hierarchy,
}

impl Stats {
    /// Accounts one packet.
    pub fn add(&mut self, s: &Summary, frame_len: u32, ts_ns: i64) {
        self.add_tunneled(s, None, frame_len, ts_ns);
    }

    /// Accounts one packet that came out of `tunnel` (`Dissector::tunnel`).
    pub fn add_tunneled(
        &mut self,
        s: &Summary,
        tunnel: Option<&crate::ingest::wire::Tunnel>,
        frame_len: u32,
        ts_ns: i64,
    ) {
        // A tunnel's outer Ethernet header counts too, before the inner one.
        for (src, dst) in tunnel.and_then(|t| t.eth).into_iter().chain(s.eth) {
            self.eth
                .add(Address::Mac(src), Address::Mac(dst), frame_len, ts_ns);
        }
        // IP in IP: the outer header counts too, in its own family's table.
        if let Some((src, dst)) = s.outer_ip {
            self.ip_layer(src, dst, frame_len, ts_ns);
        }
        if let Net::Ip { src, dst, .. } = s.net {
            // An IPv6 fragment counts only where its payload is dissected (see the module
            // docs); IPv4 ones always count.
            let held = matches!(
                s.ip.map(|ip| ip.frag),
                Some(Frag::Pending | Frag::Skipped(_))
            );
            if src.is_ipv4() || !held {
                self.ip_layer(src, dst, frame_len, ts_ns);
            }
        }
        self.hierarchy.add(ProtocolPath::of(s).names(), frame_len);
    }

    fn ip_layer(&mut self, src: IpAddr, dst: IpAddr, frame_len: u32, ts_ns: i64) {
        let table = if src.is_ipv4() {
            &mut self.ip
        } else {
            &mut self.ipv6
        };
        table.add(Address::Ip(src), Address::Ip(dst), frame_len, ts_ns);
    }

    /// The statistics.
    pub fn finish(self) -> StatsResult {
        StatsResult {
            eth: self.eth.rows,
            ip: self.ip.rows,
            ipv6: self.ipv6.rows,
            hierarchy: self.hierarchy.tree(self.hierarchy.root),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::stats::{Endpoint, Table};
    use crate::ingest::wire::{self, linktype, Ip, Stack, Tcp};

    const MAC_A: [u8; 6] = [0, 0, 0, 0, 0, 0xa];
    const MAC_B: [u8; 6] = [0, 0, 0, 0, 0, 0xb];

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn stack(names: &str) -> Stack {
        let mut st = Stack::default();
        for n in names.split(':') {
            st.push(Proto::from_name(n).unwrap_or_else(|| panic!("unknown protocol {n}")));
        }
        st
    }

    fn frame(eth: Option<([u8; 6], [u8; 6])>, src: &str, dst: &str, protocols: &str) -> Summary {
        Summary {
            eth,
            net: Net::Ip {
                src: ip(src),
                dst: ip(dst),
                fragment: false,
            },
            stack: stack(protocols),
            ..Summary::default()
        }
    }

    fn node(
        protocol: &'static str,
        frames: u64,
        bytes: u64,
        children: Vec<ProtocolNode>,
    ) -> ProtocolNode {
        ProtocolNode {
            protocol,
            frames,
            bytes,
            children,
        }
    }

    fn path(protocols: &str) -> Vec<&'static str> {
        ProtocolPath::of(&Summary {
            stack: stack(protocols),
            ..Summary::default()
        })
        .names()
        .to_vec()
    }

    #[test]
    fn conversations_count_both_ways_with_a_as_first_source() {
        let mut st = Stats::default();
        let ab = frame(
            Some((MAC_A, MAC_B)),
            "10.0.0.1",
            "10.0.0.2",
            "eth:ethertype:ip:tcp",
        );
        let ba = frame(
            Some((MAC_B, MAC_A)),
            "10.0.0.2",
            "10.0.0.1",
            "eth:ethertype:ip:tcp",
        );
        st.add(&ab, 60, 30);
        st.add(&ba, 1500, 20);
        st.add(&ab, 70, 50);
        let r = st.finish();
        let want = AddressConversation {
            a: Address::Mac(MAC_A),
            b: Address::Mac(MAC_B),
            frames_ab: 2,
            bytes_ab: 130,
            frames_ba: 1,
            bytes_ba: 1500,
            first_ns: 20,
            last_ns: 50,
        };
        assert_eq!(r.eth, std::slice::from_ref(&want));
        let ip = AddressConversation {
            a: Address::Ip(ip("10.0.0.1")),
            b: Address::Ip(ip("10.0.0.2")),
            ..want
        };
        assert_eq!(r.ip, [ip]);
        assert!(r.ipv6.is_empty());
        assert_eq!(r.eth[0].duration_ns(), 30);
        assert_eq!(r.eth[0].a.to_string(), "00:00:00:00:00:0a");
    }

    #[test]
    fn a_host_talking_to_itself_sends_everything_a_to_b() {
        let mut st = Stats::default();
        let lo = frame(None, "127.0.0.1", "127.0.0.1", "null:ip:udp");
        st.add(&lo, 100, 1);
        st.add(&lo, 100, 2);
        let r = st.finish();
        assert_eq!((r.ip[0].frames_ab, r.ip[0].frames_ba), (2, 0));
        // As tshark: the endpoint both sends and receives each frame.
        let e = &crate::query::stats::endpoints_of(&r, Table::Ip, &[])[0];
        assert_eq!(
            (e.packets, e.tx_packets, e.rx_packets, e.bytes),
            (4, 2, 2, 400)
        );
    }

    #[test]
    fn ipv6_fragments_count_only_where_dissected_ipv4_ones_always() {
        let mut st = Stats::default();
        let fragment = |src: &str, dst: &str, frag| Summary {
            net: Net::Ip {
                src: ip(src),
                dst: ip(dst),
                fragment: true,
            },
            ip: Some(Ip {
                frag,
                ..Ip::default()
            }),
            ..Summary::default()
        };
        st.add(
            &fragment("2001:db8::1", "2001:db8::2", Frag::Pending),
            1280,
            1,
        );
        st.add(
            &fragment(
                "2001:db8::1",
                "2001:db8::2",
                Frag::Skipped(wire::FragSkip::Truncated),
            ),
            1280,
            2,
        );
        st.add(
            &fragment(
                "2001:db8::1",
                "2001:db8::2",
                Frag::Complete {
                    len: 2000,
                    fragments: 2,
                },
            ),
            800,
            3,
        );
        st.add(&fragment("10.0.0.1", "10.0.0.2", Frag::Pending), 1500, 4);
        let r = st.finish();
        assert_eq!(
            (r.ipv6[0].frames_ab, r.ipv6[0].bytes_ab, r.ipv6[0].first_ns),
            (1, 800, 3)
        );
        assert_eq!(r.ip[0].frames_ab, 1);
    }

    #[test]
    fn ip_in_ip_counts_both_headers_each_in_its_family() {
        let mut st = Stats::default();
        let mut s = frame(
            None,
            "2001:db8::1",
            "2001:db8::2",
            "eth:ethertype:ip:ipv6:tcp",
        );
        s.outer_ip = Some((ip("192.0.2.1"), ip("192.0.2.2")));
        st.add(&s, 120, 1);
        let r = st.finish();
        assert_eq!(r.ip[0].a, Address::Ip(ip("192.0.2.1")));
        assert_eq!(r.ipv6[0].b, Address::Ip(ip("2001:db8::2")));
        assert_eq!(r.hierarchy[0].children[0].children[0].protocol, "ipv6");
    }

    #[test]
    fn endpoints_sum_conversations_in_order_of_first_frame() {
        let mut st = Stats::default();
        st.add(&frame(None, "10.0.0.1", "10.0.0.2", "ip"), 100, 1);
        st.add(&frame(None, "10.0.0.3", "10.0.0.1", "ip"), 10, 2);
        st.add(&frame(None, "10.0.0.2", "10.0.0.1", "ip"), 50, 3);
        let r = st.finish();
        let e = crate::query::stats::endpoints_of(&r, Table::Ip, &[]);
        let got: Vec<(String, u64, u64, u64, u64, u64)> = e
            .iter()
            .map(|e| {
                (
                    e.address.to_string(),
                    e.packets,
                    e.tx_packets,
                    e.tx_bytes,
                    e.rx_packets,
                    e.rx_bytes,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("10.0.0.1".into(), 3, 1, 100, 2, 60),
                ("10.0.0.2".into(), 2, 1, 50, 1, 100),
                ("10.0.0.3".into(), 1, 1, 10, 0, 0)
            ]
        );
        assert!(e
            .iter()
            .all(|e| e.port.is_none() && e.bytes == e.tx_bytes + e.rx_bytes));
    }

    #[test]
    fn tcp_endpoints_come_from_the_flow_table_and_merge_reused_ports() {
        let mut flows = crate::ingest::flow::FlowTable::default();
        let seg = |src: &str, sport, dst: &str, dport, flags, seq| Summary {
            net: Net::Ip {
                src: ip(src),
                dst: ip(dst),
                fragment: false,
            },
            transport: Transport::Tcp(Tcp {
                src_port: sport,
                dst_port: dport,
                flags,
                seq,
                ..Tcp::default()
            }),
            ..Summary::default()
        };
        let syn = wire::tcp_flags::SYN;
        flows.add(&seg("10.0.0.1", 5000, "10.0.0.2", 80, syn, 1), 1, 60);
        flows.add(
            &seg(
                "10.0.0.2",
                80,
                "10.0.0.1",
                5000,
                syn | wire::tcp_flags::ACK,
                7,
            ),
            2,
            70,
        );
        flows.add(&seg("10.0.0.1", 5000, "10.0.0.2", 80, syn, 999), 3, 60); // port reuse
        assert_eq!(flows.conversations.len(), 2);
        let e = crate::query::stats::endpoints_of(
            &StatsResult::default(),
            Table::Tcp,
            &flows.conversations,
        );
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].port, e[0].tx_packets, e[0].tx_bytes, e[0].rx_packets),
            (Some(5000), 2, 120, 1)
        );
        assert_eq!(
            (e[1].port, e[1].tx_packets, e[1].rx_packets, e[1].rx_bytes),
            (Some(80), 1, 2, 120)
        );
        assert!(crate::query::stats::endpoints_of(
            &StatsResult::default(),
            Table::Udp,
            &flows.conversations
        )
        .is_empty());
    }

    #[test]
    fn hierarchy_paths_are_tsharks_top_level_protocols_down_to_the_first_leaf() {
        assert_eq!(path("eth:ethertype:ip:tcp"), ["eth", "ip", "tcp"]);
        assert_eq!(
            path("eth:ethertype:vlan:ethertype:vlan:ethertype:ip:icmp"),
            ["eth", "vlan", "vlan", "ip", "icmp"]
        );
        assert_eq!(
            path("eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:arp"),
            ["eth", "ieee8021ad", "vlan", "arp"]
        );
        assert_eq!(
            path("sll:ethertype:ipv6:ipv6.hopopts:ipv6.fraghdr:data"),
            ["sll", "ipv6", "data"]
        );
        assert_eq!(
            path("eth:ethertype:ipv6:ah:ipv6:udp"),
            ["eth", "ipv6", "ipv6", "udp"]
        );
        assert_eq!(path("eth:ethertype:ip:gre"), ["eth", "ip", "gre"]);
        assert_eq!(path("eth:llc"), ["eth", "llc"]);
        assert_eq!(path("raw:ip:ip:udp"), ["raw", "ip", "ip", "udp"]);
        assert_eq!(path("ipv6:udp"), ["ipv6", "udp"]);
        assert!(ProtocolPath::of(&Summary::default()).names().is_empty());
        // Past the stack's capacity, the transport layer still ends the path.
        let deep = ["ipv6.dstopts"; Stack::CAPACITY].join(":");
        let s = Summary {
            stack: stack(&format!("eth:ethertype:ipv6:{deep}")),
            transport: Transport::Udp {
                src_port: 1,
                dst_port: 2,
                payload_len: 0,
            },
            ..Summary::default()
        };
        assert!(s.stack.overflowed());
        assert_eq!(ProtocolPath::of(&s).names(), ["eth", "ipv6", "udp"]);
    }

    #[test]
    fn hierarchy_is_a_tree_in_order_of_first_frame() {
        let mut st = Stats::default();
        for (protocols, len) in [
            ("eth:ethertype:ip:udp", 100),
            ("eth:ethertype:ip:tcp", 60),
            ("eth:ethertype:arp", 42),
            ("eth:ethertype:ip:udp", 100),
            ("ipv6:icmpv6", 80),
        ] {
            st.add(
                &Summary {
                    stack: stack(protocols),
                    ..Summary::default()
                },
                len,
                0,
            );
        }
        st.add(&Summary::default(), 10, 0); // a link type we do not dissect
        let r = st.finish();
        assert_eq!(
            r.hierarchy,
            [
                node(
                    "eth",
                    4,
                    302,
                    vec![
                        node(
                            "ip",
                            3,
                            260,
                            vec![node("udp", 2, 200, vec![]), node("tcp", 1, 60, vec![])]
                        ),
                        node("arp", 1, 42, vec![]),
                    ]
                ),
                node("ipv6", 1, 80, vec![node("icmpv6", 1, 80, vec![])]),
            ]
        );
    }

    #[test]
    fn a_real_vlan_tagged_segment_goes_through_the_dissector() {
        // Ethernet, 802.1Q tag (VLAN 5), IPv4 10.0.0.1 → 10.0.0.2, TCP 40000 → 80 SYN.
        let mut bytes = vec![
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x81, 0x00,
        ];
        bytes.extend_from_slice(&[0x00, 0x05, 0x08, 0x00]);
        bytes.extend_from_slice(&[
            0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        bytes.extend_from_slice(&[
            0x9c, 0x40, 0, 80, 0, 0, 0, 100, 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
        ]);
        let s = wire::dissect(linktype::ETHERNET, &bytes);
        let mut st = Stats::default();
        st.add(&s, bytes.len() as u32, 0);
        let r = st.finish();
        assert_eq!(ProtocolPath::of(&s).names(), ["eth", "vlan", "ip", "tcp"]);
        assert_eq!(
            r.eth[0].a,
            Address::Mac([0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb])
        );
        assert_eq!(
            (r.ip[0].a.to_string(), r.ip[0].bytes_ab),
            ("10.0.0.1".into(), 58)
        );
    }

    #[test]
    fn addresses_print_and_serialize_as_text() {
        assert_eq!(
            Address::Mac([0xde, 0xad, 0xbe, 0xef, 0, 1]).to_string(),
            "de:ad:be:ef:00:01"
        );
        let json = serde_json::to_string(&Address::Ip(ip("2001:db8::1"))).unwrap();
        assert_eq!(json, "\"2001:db8::1\"");
        let e = Endpoint {
            address: Address::Ip(ip("10.0.0.1")),
            port: None,
            packets: 1,
            bytes: 2,
            tx_packets: 1,
            tx_bytes: 2,
            rx_packets: 0,
            rx_bytes: 0,
        };
        assert!(!serde_json::to_string(&e).unwrap().contains("port"));
    }
}
