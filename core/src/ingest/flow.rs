//! Conversations: TCP and UDP flows keyed by their 5-tuple, counted the way
//! `tshark -z conv,tcp` and `conv,udp` count them.
//!
//! Side A is the source of the conversation's first packet. A TCP SYN whose sequence
//! number differs from the one that direction started with begins a new conversation
//! on the same ports (port reuse), as Wireshark's `tcp.stream` does.

use crate::capture::flow::{Conversation, Direction, L4};
use crate::ingest::hash::Map;
use crate::ingest::wire::{tcp_flags, Net, Summary, Transport, Tunnel};
use std::net::IpAddr;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    proto: L4,
    lo: (IpAddr, u16),
    hi: (IpAddr, u16),
}

impl Key {
    fn new(proto: L4, x: (IpAddr, u16), y: (IpAddr, u16)) -> Key {
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        Key { proto, lo, hi }
    }
}

/// The table of all conversations, in order of their first packet.
#[derive(Default)]
pub struct FlowTable {
    /// Conversations, indexed by flow id.
    pub conversations: Vec<Conversation>,
    /// Sequence number each direction of each conversation started with (TCP), to
    /// detect port reuse; indexed like `conversations`.
    base_seq: Vec<[Option<u32>; 2]>,
    current: Map<Key, u32>,
    streams: [u32; 2],
    /// Stream numbers given to flows first seen quoted in an ICMP error, for their
    /// conversation when a packet of theirs comes.
    reserved: Map<Key, u32>,
}

/// The conversations one packet counts in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flows {
    /// The packet's own conversation and its direction: the innermost TCP or UDP layer's
    /// (for a tunnel whose inner packet has none, the outer UDP datagram's).
    pub flow: Option<(u32, Direction)>,
    /// The outer UDP datagram's conversation of a tunnel whose inner packet has one of
    /// its own: the packet counts in both, as in tshark's conversation tables.
    pub outer: Option<u32>,
}

impl FlowTable {
    /// Accounts one packet; returns its flow id and direction when it belongs to a
    /// TCP or UDP conversation (see [`FlowTable::add_all`] for tunnels).
    pub fn add(&mut self, s: &Summary, ts_ns: i64, frame_len: u32) -> Option<(u32, Direction)> {
        self.add_all(s, None, ts_ns, frame_len).flow
    }

    /// Accounts one packet (`tunnel`: the one it came out of, `Dissector::tunnel`) in
    /// its conversations: the outer UDP datagram of a tunnel first (tshark numbers it first: its dissector runs before the inner packet's),
    /// then the inner TCP or UDP layer.
    pub fn add_all(
        &mut self,
        s: &Summary,
        tunnel: Option<&Tunnel>,
        ts_ns: i64,
        frame_len: u32,
    ) -> Flows {
        self.quoted(s);
        let outer = tunnel.and_then(|t| t.udp).map(|u| {
            let ends = ((u.src, u.src_port), (u.dst, u.dst_port));
            self.account(L4::Udp, ends, None, u.payload_len, ts_ns, frame_len)
        });
        let inner = match (s.net, s.transport) {
            (Net::Ip { src, dst, .. }, Transport::Tcp(t)) => Some(self.account(
                L4::Tcp,
                ((src, t.src_port), (dst, t.dst_port)),
                Some(t),
                t.payload_len,
                ts_ns,
                frame_len,
            )),
            (
                Net::Ip { src, dst, .. },
                Transport::Udp {
                    src_port,
                    dst_port,
                    payload_len,
                },
            ) => Some(self.account(
                L4::Udp,
                ((src, src_port), (dst, dst_port)),
                None,
                payload_len,
                ts_ns,
                frame_len,
            )),
            _ => None,
        };
        match inner {
            Some(flow) => Flows {
                flow: Some(flow),
                outer: outer.map(|(id, _)| id),
            },
            None => Flows {
                flow: outer,
                outer: None,
            },
        }
    }

    fn next_stream(&mut self, proto: L4) -> u32 {
        let stream = &mut self.streams[proto as usize];
        *stream += 1;
        *stream - 1
    }

    /// A TCP or UDP flow an ICMP error quotes: as packet-tcp.c and packet-udp.c create
    /// the conversation of a quoted header they can dissect, a flow not seen before takes
    /// the next stream number now, and keeps it when its own packets come.
    fn quoted(&mut self, s: &Summary) {
        let Some(q) = s.icmp.and_then(|i| i.quoted().copied()) else {
            return;
        };
        let (proto, sport, dport) = match q.transport {
            Transport::Tcp(t) => (L4::Tcp, t.src_port, t.dst_port),
            Transport::Udp {
                src_port, dst_port, ..
            } => (L4::Udp, src_port, dst_port),
            _ => return,
        };
        let key = Key::new(proto, (q.src, sport), (q.dst, dport));
        if !self.current.contains_key(&key) && !self.reserved.contains_key(&key) {
            let n = self.next_stream(proto);
            self.reserved.insert(key, n);
        }
    }

    fn account(
        &mut self,
        proto: L4,
        ((src, sport), (dst, dport)): ((IpAddr, u16), (IpAddr, u16)),
        tcp: Option<crate::ingest::wire::Tcp>,
        payload: u32,
        ts_ns: i64,
        frame_len: u32,
    ) -> (u32, Direction) {
        let key = Key::new(proto, (src, sport), (dst, dport));
        let mut id = self.current.get(&key).copied();
        if let (Some(cid), Some(t)) = (id, tcp) {
            // Port reuse: a new SYN with a different initial sequence number.
            if t.flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN {
                let c = &self.conversations[cid as usize];
                let dir = if (src, sport) == (c.a, c.port_a) {
                    0
                } else {
                    1
                };
                if matches!(self.base_seq[cid as usize][dir], Some(base) if base != t.seq) {
                    id = None;
                }
            }
        }
        let id = match id {
            Some(id) => id,
            None => {
                let id = self.conversations.len() as u32;
                let stream = match self.reserved.remove(&key) {
                    Some(n) => n,
                    None => self.next_stream(proto),
                };
                self.conversations.push(Conversation {
                    proto,
                    stream,
                    a: src,
                    port_a: sport,
                    b: dst,
                    port_b: dport,
                    frames_ab: 0,
                    bytes_ab: 0,
                    frames_ba: 0,
                    bytes_ba: 0,
                    payload_ab: 0,
                    payload_ba: 0,
                    first_ns: ts_ns,
                    last_ns: ts_ns,
                });
                self.base_seq.push([None; 2]);
                self.current.insert(key, id);
                id
            }
        };
        let c = &mut self.conversations[id as usize];
        let dir = if (src, sport) == (c.a, c.port_a) {
            Direction::AToB
        } else {
            Direction::BToA
        };
        match dir {
            Direction::AToB => {
                c.frames_ab += 1;
                c.bytes_ab += frame_len as u64;
                c.payload_ab += payload as u64;
            }
            Direction::BToA => {
                c.frames_ba += 1;
                c.bytes_ba += frame_len as u64;
                c.payload_ba += payload as u64;
            }
        }
        if let Some(t) = tcp {
            // packet-tcp.c: a direction's base sequence number is its SYN's, or one before
            // the first segment seen when the SYN was not captured.
            let base = if t.flags & tcp_flags::SYN != 0 {
                t.seq
            } else {
                t.seq.wrapping_sub(1)
            };
            let base_seq = &mut self.base_seq[id as usize];
            base_seq[dir as usize].get_or_insert(base);
            // …and the other direction's, if still unknown, is one before what this
            // segment acknowledges (the ACK of a SYN-ACK names the client's ISN + 1).
            if t.flags & tcp_flags::ACK != 0 {
                base_seq[1 - dir as usize].get_or_insert(t.ack.wrapping_sub(1));
            }
        }
        c.first_ns = c.first_ns.min(ts_ns);
        c.last_ns = c.last_ns.max(ts_ns);
        (id, dir)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::wire::Tcp;

    fn tcp(src: &str, sport: u16, dst: &str, dport: u16, flags: u8, seq: u32) -> Summary {
        Summary {
            eth: None,
            net: Net::Ip {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                fragment: false,
            },
            transport: Transport::Tcp(Tcp {
                src_port: sport,
                dst_port: dport,
                seq,
                flags,
                ..Tcp::default()
            }),
            ..Summary::default()
        }
    }

    #[test]
    fn counts_both_directions_and_splits_on_port_reuse() {
        let mut t = FlowTable::default();
        let syn = tcp("10.0.0.1", 5000, "10.0.0.2", 80, tcp_flags::SYN, 1);
        let synack = tcp(
            "10.0.0.2",
            80,
            "10.0.0.1",
            5000,
            tcp_flags::SYN | tcp_flags::ACK,
            9,
        );
        assert_eq!(t.add(&syn, 10, 60), Some((0, Direction::AToB)));
        assert_eq!(
            t.add(&syn, 15, 60),
            Some((0, Direction::AToB)),
            "a retransmitted SYN"
        );
        assert_eq!(t.add(&synack, 20, 70), Some((0, Direction::BToA)));
        let reuse = tcp("10.0.0.1", 5000, "10.0.0.2", 80, tcp_flags::SYN, 7777);
        assert_eq!(t.add(&reuse, 30, 60), Some((1, Direction::AToB)));
        let c = &t.conversations[0];
        assert_eq!(
            (c.frames_ab, c.bytes_ab, c.frames_ba, c.bytes_ba),
            (2, 120, 1, 70)
        );
        assert_eq!((c.first_ns, c.duration_ns()), (10, 10));
        assert_eq!(t.conversations[1].stream, 1);
    }

    #[test]
    fn a_flow_first_seen_quoted_in_an_icmp_error_takes_the_next_stream_then() {
        use crate::ingest::wire::{dissect, linktype, testutil};
        // Time exceeded quoting UDP 10.0.1.2:49181 -> 172.16.0.2:33445.
        let icmp = dissect(
            linktype::ETHERNET,
            &testutil::hex(&testutil::frames::TTL_EXCEEDED_UDP),
        );
        let udp = |src: &str, sport, dst: &str, dport| Summary {
            net: Net::Ip {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                fragment: false,
            },
            transport: Transport::Udp {
                src_port: sport,
                dst_port: dport,
                payload_len: 0,
            },
            ..Summary::default()
        };
        let mut t = FlowTable::default();
        t.add(&udp("10.9.9.9", 1000, "10.9.9.8", 53), 1, 60);
        assert_eq!(
            t.add(&icmp, 2, 182),
            None,
            "the error counts in no conversation"
        );
        let later = t.add(&udp("10.9.9.9", 1001, "10.9.9.8", 53), 3, 60);
        let quoted = t.add(&udp("172.16.0.2", 33445, "10.0.1.2", 49181), 4, 60);
        let streams: Vec<u32> = [later, quoted]
            .iter()
            .map(|f| t.conversations[f.unwrap().0 as usize].stream)
            .collect();
        assert_eq!(streams, [2, 1]);
        assert_eq!(t.conversations.len(), 3);
    }
}
