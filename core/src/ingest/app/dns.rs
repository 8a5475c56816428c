//! DNS over UDP and TCP (RFC 1035 §4, RFC 7766): queries paired with their responses.
//!
//! As packet-dns.c keys its transactions, a query or response is matched by its id
//! within the conversation: a response pairs with the query of its id, and a query
//! whose id an unanswered query has, less than 5 s after that one, is a retransmission
//! of it and keeps the first one's time; a later one is a new query and the first goes
//! unanswered (Wireshark's `dns.time` and its `dns.retransmission_timer`). Over TCP every message has a two-byte
//! length prefix (RFC 1035 §4.2.2); several may share a segment or span several. Which side asks is told by the QR bit, not by
//! the ports. Names follow compression pointers with a bound on their number, so a
//! pointer loop ends (RFC 1035 §4.1.4, RFC 9267).

use super::{lossy, report, StreamParser};
use crate::capture::app::dns::{Answer, Dns, RrType};
use crate::capture::app::{At, Detail, Span, Transaction};
use crate::ingest::hash::Map;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Compression pointers followed in one name before it is declared a loop.
const MAX_POINTERS: usize = 64;
/// Answers kept per response.
const MAX_ANSWERS: usize = 64;
/// Queries waiting for a response per conversation.
pub const MAX_PENDING: usize = 65536;
/// A query repeated less than this time after the first is a retransmission of it; at
/// or past it, a new query (Wireshark's `dns.retransmission_timer`, 5 s, compared
/// strictly).
pub const RETRANSMISSION_WINDOW_NS: i64 = 5_000_000_000;
/// Packets of retransmitted queries kept per transaction.
pub const MAX_RETRANSMISSIONS_KEPT: usize = 16;
/// Bytes of a TCP DNS message held while it arrives (the length prefix bounds it).
const MAX_TCP_MESSAGE: usize = 65535;

/// A bounds-checked reader over one message.
struct Msg<'a> {
    b: &'a [u8],
}

impl<'a> Msg<'a> {
    fn u16(&self, at: usize) -> Option<u16> {
        Some(u16::from_be_bytes([*self.b.get(at)?, *self.b.get(at + 1)?]))
    }

    fn u32(&self, at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(self.b.get(at..at + 4)?.try_into().ok()?))
    }

    /// Reads a name at `at`; returns it and the offset after it (in the record, not
    /// where pointers led).
    fn name(&self, mut at: usize) -> Option<(String, usize)> {
        let mut out = String::new();
        let mut end = None;
        let mut pointers = 0;
        loop {
            let len = *self.b.get(at)? as usize;
            match len & 0xc0 {
                0x00 => {
                    if len == 0 {
                        let after = end.unwrap_or(at + 1);
                        if out.is_empty() {
                            out.push_str("<Root>");
                        }
                        return Some((out, after));
                    }
                    let label = self.b.get(at + 1..at + 1 + len)?;
                    if !out.is_empty() {
                        out.push('.');
                    }
                    for &c in label {
                        // Wireshark shows printable ASCII as is, the rest as \ooo... we keep it
                        // readable and unambiguous with \xNN.
                        if c.is_ascii_graphic() {
                            out.push(c as char);
                        } else {
                            let _ = write!(out, "\\{c:03}");
                        }
                    }
                    if out.len() > 1024 {
                        return None;
                    }
                    at += 1 + len;
                }
                0xc0 => {
                    let ptr = (self.u16(at)? & 0x3fff) as usize;
                    end.get_or_insert(at + 2);
                    pointers += 1;
                    if pointers > MAX_POINTERS {
                        return None;
                    }
                    at = ptr;
                }
                // 0x40 and 0x80: extended and reserved label types (RFC 6891 §5).
                _ => return None,
            }
        }
    }
}

/// A parsed message: the header, the first question, the answers.
struct Message {
    id: u16,
    flags: u16,
    counts: [u16; 4],
    question: Option<(String, RrType, u16)>,
    answers: Vec<Answer>,
    /// The authority and additional sections.
    others: Vec<Answer>,
    /// Every record parsed and the message ended right after the last one.
    exact: bool,
}

impl Message {
    fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
}

/// Formats a record's data (RFC 1035 §3.3, RFC 3596, RFC 2782).
fn rdata(m: &Msg<'_>, rtype: u16, at: usize, len: usize) -> String {
    let raw = m.b.get(at..at + len).unwrap_or(&[]);
    let name_at = |o: usize| m.name(at + o).map(|(n, _)| n).unwrap_or_default();
    match (rtype, len) {
        (1, 4) => Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]).to_string(),
        (28, 16) => {
            let a: [u8; 16] = raw.try_into().unwrap_or([0; 16]);
            Ipv6Addr::from(a).to_string()
        }
        (2 | 5 | 12 | 39, _) => name_at(0),
        (15, 3..) => format!("{} {}", u16::from_be_bytes([raw[0], raw[1]]), name_at(2)),
        (33, 7..) => format!(
            "{} {} {} {}",
            u16::from_be_bytes([raw[0], raw[1]]),
            u16::from_be_bytes([raw[2], raw[3]]),
            u16::from_be_bytes([raw[4], raw[5]]),
            name_at(6)
        ),
        (6, _) => match m.name(at).and_then(|(mname, o)| Some((mname, m.name(o)?))) {
            Some((mname, (rname, o))) => {
                let n: Vec<String> = (0..5)
                    .filter_map(|i| m.u32(o + 4 * i))
                    .map(|v| v.to_string())
                    .collect();
                format!("{mname} {rname} {}", n.join(" "))
            }
            None => String::new(),
        },
        (16 | 99, _) => {
            let mut parts = Vec::new();
            let mut i = 0;
            while i < raw.len() {
                let n = raw[i] as usize;
                let s = raw.get(i + 1..i + 1 + n).unwrap_or(&raw[i + 1..]);
                parts.push(lossy(s));
                i += 1 + n;
            }
            parts.join(" ")
        }
        _ => {
            let mut s = String::with_capacity(2 * len.min(64));
            for b in raw.iter().take(64) {
                let _ = write!(s, "{b:02x}");
            }
            s
        }
    }
}

/// Parses a message; None when even the header or the question does not parse.
fn parse(b: &[u8]) -> Option<Message> {
    let m = Msg { b };
    let id = m.u16(0)?;
    let flags = m.u16(2)?;
    let counts = [m.u16(4)?, m.u16(6)?, m.u16(8)?, m.u16(10)?];
    let mut at = 12;
    let mut question = None;
    for i in 0..counts[0] {
        let (name, after) = m.name(at)?;
        let (qtype, qclass) = (m.u16(after)?, m.u16(after + 2)?);
        at = after + 4;
        if i == 0 {
            question = Some((name, RrType(qtype), qclass));
        }
    }
    let mut answers = Vec::new();
    let mut others = Vec::new();
    let records = counts[1] as usize + counts[2] as usize + counts[3] as usize;
    let mut exact = true;
    for i in 0..records {
        let Some((name, after)) = m.name(at) else {
            exact = false;
            break;
        };
        let (Some(rtype), Some(class), Some(ttl), Some(len)) = (
            m.u16(after),
            m.u16(after + 2),
            m.u32(after + 4),
            m.u16(after + 8),
        ) else {
            exact = false;
            break;
        };
        let data_at = after + 10;
        if data_at + len as usize > b.len() {
            exact = false;
            break;
        }
        let list = if i < counts[1] as usize {
            &mut answers
        } else {
            &mut others
        };
        if list.len() < MAX_ANSWERS {
            list.push(Answer {
                name,
                rtype: RrType(rtype),
                class,
                ttl,
                data: rdata(&m, rtype, data_at, len as usize),
            });
        }
        at = data_at + len as usize;
    }
    exact &= at == b.len();
    Some(Message {
        id,
        flags,
        counts,
        question,
        answers,
        others,
        exact,
    })
}

/// The 12-byte header alone could start a DNS message: a known opcode, Z clear, one
/// question, and for a query no answers (the first check of recognising DNS by content).
pub fn header_is_sane(h: &[u8]) -> bool {
    let Some(h) = h.get(..12) else { return false };
    let flags = u16::from_be_bytes([h[2], h[3]]);
    let count = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    let (opcode, z, response) = (
        (flags >> 11) & 0xf,
        flags & 0x0040 != 0,
        flags & 0x8000 != 0,
    );
    matches!(opcode, 0 | 2 | 4 | 5)
        && !z
        && count(4) == 1
        && (response || count(6) == 0 && count(8) == 0)
}

/// A strict test that `b` is a whole DNS message (for recognising DNS on other ports):
/// Some(true) for a query, Some(false) for a response, None when it is not DNS.
pub fn looks_like_message(b: &[u8]) -> Option<bool> {
    let m = parse(b)?;
    let opcode = (m.flags >> 11) & 0xf;
    let z = m.flags & 0x0040 != 0;
    let rcode = m.flags & 0xf;
    if !m.exact || z || !matches!(opcode, 0 | 2 | 4 | 5) || m.counts[0] != 1 || m.question.is_none()
    {
        return None;
    }
    if m.is_response() {
        (rcode <= 10 && m.counts[1] <= 256).then_some(false)
    } else {
        (m.counts[1] == 0 && m.counts[2] == 0 && m.counts[3] <= 2 && rcode == 0).then_some(true)
    }
}

struct Pending {
    dns: Dns,
    request: Span,
    /// Order of arrival (the map does not keep it).
    order: u64,
}

/// The DNS parser of one conversation (a UDP flow or a TCP connection).
#[derive(Default)]
pub struct Parser {
    /// Unanswered queries by id (one each: a query with the id of another is either a
    /// retransmission of it or replaces it).
    pending: Map<u16, Pending>,
    queries: u64,
    /// TCP: bytes of a message being collected, per side (client, server), and the
    /// packet where it began; None once a side lost its framing.
    tcp: [Option<(Vec<u8>, Option<At>)>; 2],
    tcp_seen: bool,
}

impl Parser {
    /// A parser with no message seen.
    pub fn new() -> Self {
        Parser {
            pending: Map::default(),
            queries: 0,
            tcp: [Some((Vec::new(), None)), Some((Vec::new(), None))],
            tcp_seen: false,
        }
    }

    /// Bytes of TCP messages being collected, and queries waiting for responses
    /// (at most 2 × 65537 bytes and [`MAX_PENDING`] queries).
    pub fn buffered(&self) -> (usize, usize) {
        let held = self.tcp.iter().flatten().map(|(b, _)| b.len()).sum();
        (held, self.pending.len())
    }

    fn message(&mut self, b: &[u8], span: Span, tcp: bool, out: &mut Vec<Transaction>) {
        let Some(m) = parse(b) else { return };
        let (name, qtype, qclass) = m.question.clone().unwrap_or_default();
        let key = m.id;
        if !m.is_response() {
            if let Some(p) = self.pending.get_mut(&key) {
                if span.last.ts_ns.saturating_sub(p.request.last.ts_ns) < RETRANSMISSION_WINDOW_NS {
                    p.dns.retransmissions += 1;
                    if p.dns.retransmission_packets.len() < MAX_RETRANSMISSIONS_KEPT {
                        p.dns.retransmission_packets.push(span.last.packet);
                    }
                    return;
                }
                // Asked again later: the first query went unanswered; this is a new one.
                if let Some(old) = self.pending.remove(&key) {
                    report(out, Some(old.request), None, Detail::Dns(Box::new(old.dns)));
                }
            }
            let dns = Dns {
                id: m.id,
                name,
                qtype,
                qclass,
                opcode: ((m.flags >> 11) & 0xf) as u8,
                flags: m.flags,
                tcp,
                query_records: m.answers.into_iter().chain(m.others).collect(),
                questions: [m.counts[0], 0],
                ..Dns::default()
            };
            if self.pending.len() >= MAX_PENDING {
                report(out, Some(span), None, Detail::Dns(Box::new(dns)));
                return;
            }
            self.queries += 1;
            self.pending.insert(
                key,
                Pending {
                    dns,
                    request: span,
                    order: self.queries,
                },
            );
            return;
        }
        let pending = self.pending.remove(&key);
        let (mut dns, request) = match pending {
            Some(p) => (p.dns, Some(p.request)),
            None => (
                Dns {
                    id: m.id,
                    name,
                    qtype,
                    qclass,
                    tcp,
                    ..Dns::default()
                },
                None,
            ),
        };
        dns.opcode = ((m.flags >> 11) & 0xf) as u8;
        dns.flags = m.flags;
        dns.rcode = Some((m.flags & 0xf) as u8);
        dns.truncated = m.flags & 0x0200 != 0;
        dns.counts = [m.counts[1], m.counts[2], m.counts[3]];
        dns.questions[1] = m.counts[0];
        dns.answers = m.answers;
        dns.others = m.others;
        report(out, request, Some(span), Detail::Dns(Box::new(dns)));
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, mut bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.tcp_seen = true;
        let side = usize::from(!from_client);
        while !bytes.is_empty() {
            let Some((buf, first)) = &mut self.tcp[side] else {
                return;
            };
            first.get_or_insert(at);
            let need = if buf.len() < 2 {
                2 - buf.len()
            } else {
                2 + u16::from_be_bytes([buf[0], buf[1]]) as usize - buf.len()
            };
            let take = need.min(bytes.len());
            buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if buf.len() >= 2 && buf.len() == 2 + u16::from_be_bytes([buf[0], buf[1]]) as usize {
                let msg = std::mem::take(buf);
                let span = Span {
                    first: first.take().unwrap_or(at),
                    last: at,
                    bytes: msg.len() as u64,
                };
                self.message(&msg[2..], span, true, out);
                if let Some((buf, _)) = &mut self.tcp[side] {
                    if buf.capacity() == 0 && msg.len() <= MAX_TCP_MESSAGE {
                        *buf = msg;
                        buf.clear();
                    }
                }
            }
        }
    }

    fn datagram(&mut self, _from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.message(
            bytes,
            Span {
                first: at,
                last: at,
                bytes: bytes.len() as u64,
            },
            false,
            out,
        );
    }

    fn gap(&mut self, from_client: bool, _len: u64, _at: At, _out: &mut Vec<Transaction>) {
        // The length prefixes are lost with the bytes: stop reading this side.
        self.tcp[usize::from(!from_client)] = None;
    }

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
        let mut left: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        left.sort_by_key(|p| p.order);
        for p in left {
            report(out, Some(p.request), None, Detail::Dns(Box::new(p.dns)));
        }
    }
}

#[cfg(test)]
mod test {
    use super::super::testkit;
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A query for example.com A (id 0x1234) and its response with one A record, the
    /// answer's name compressed (a pointer to offset 12).
    const QUERY: &[u8] =
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
    const RESPONSE: &[u8] =
        b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01\
\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22";

    // Real bytes: tests/data/servers/dns.pcap (dnsmasq), frames 9-12 (UDP) and 16, 18 (TCP).
    const MX_QUERY: &str = "f0860100000100000000000008776972656c656e73047465737400000f0001";
    const MX_RESPONSE: &str = "f0868580000100010000000008776972656c656e73047465737400000f0001c00c000f0001000000000016000a046d61696c08776972656c656e73047465737400";
    const CNAME_QUERY: &str =
        "cda50100000100000000000005636163686508776972656c656e7304746573740000010001";
    const CNAME_RESPONSE: &str = "cda58580000100010000000005636163686508776972656c656e7304746573740000010001c00c0005000100000000001202646208776972656c656e73047465737400";
    const TCP_QUERY: &str =
        "002360b0010000010000000000000377777708776972656c656e7304746573740000010001";
    const TCP_RESPONSE: &str = "003360b0858000010001000000000377777708776972656c656e7304746573740000010001c00c000100010000000000040a090807";

    fn udp(pairs: &[(&[u8], i64)]) -> Vec<Transaction> {
        timed_udp(pairs).0
    }

    /// [`udp`]'s transactions and the packet index with their times.
    fn timed_udp(pairs: &[(&[u8], i64)]) -> (Vec<Transaction>, crate::capture::packet::Packets) {
        let mut p = Parser::new();
        let mut out = Vec::new();
        for (i, (b, ts)) in pairs.iter().enumerate() {
            p.datagram(
                i % 2 == 0,
                b,
                At {
                    packet: i as u64,
                    ts_ns: *ts,
                },
                &mut out,
            );
        }
        p.end(At::default(), &mut out);
        (out, testkit::packets_at(pairs.iter().map(|p| p.1)))
    }

    fn dns(t: &Transaction) -> &Dns {
        match &t.detail {
            Detail::Dns(d) => d,
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn a_query_and_its_response_over_udp() {
        let (out, packets) = timed_udp(&[(QUERY, 100), (RESPONSE, 350)]);
        assert_eq!(out.len(), 1);
        let d = dns(&out[0]);
        assert_eq!(
            (d.id, d.name.as_str(), d.qtype.name().as_ref(), d.rcode),
            (0x1234, "example.com", "A", Some(0))
        );
        assert_eq!(
            d.answers,
            [Answer {
                name: "example.com".into(),
                rtype: RrType(1),
                class: 1,
                ttl: 3600,
                data: "93.184.216.34".into()
            }]
        );
        assert_eq!(out[0].latency_ns(&packets), Some(250));
        assert_eq!(looks_like_message(QUERY), Some(true));
        assert_eq!(looks_like_message(RESPONSE), Some(false));
    }

    #[test]
    fn real_mx_and_cname_answers() {
        let (q1, r1, q2, r2) = (
            hex(MX_QUERY),
            hex(MX_RESPONSE),
            hex(CNAME_QUERY),
            hex(CNAME_RESPONSE),
        );
        let (out, packets) = timed_udp(&[(&q1, 0), (&r1, 14_000), (&q2, 20_000), (&r2, 37_000)]);
        assert_eq!(out.len(), 2);
        let (mx, cname) = (dns(&out[0]), dns(&out[1]));
        assert_eq!(
            (
                mx.name.as_str(),
                mx.qtype.name().as_ref(),
                mx.answers[0].data.as_str()
            ),
            ("wirelens.test", "MX", "10 mail.wirelens.test")
        );
        assert_eq!(
            (
                cname.answers[0].rtype.name().as_ref(),
                cname.answers[0].data.as_str()
            ),
            ("CNAME", "db.wirelens.test")
        );
        assert_eq!(
            (out[0].latency_ns(&packets), out[1].latency_ns(&packets)),
            (Some(14_000), Some(17_000))
        );
        assert!(mx.flags & 0x0400 != 0, "authoritative");
    }

    #[test]
    fn tcp_messages_at_every_split_point() {
        // One byte at a time, and every two-piece cut of each side (the test kit's).
        let (q, r) = (hex(TCP_QUERY), hex(TCP_RESPONSE));
        let make = || -> Box<dyn StreamParser> { Box::new(Parser::new()) };
        let out = testkit::run(&make, &[(true, &q), (false, &r)]);
        assert_eq!(out.len(), 1);
        let d = dns(&out[0]);
        assert_eq!(
            (d.name.as_str(), d.tcp, d.answers[0].data.as_str()),
            ("www.wirelens.test", true, "10.9.8.7")
        );
        assert!(out[0].request.is_some());
        // Two messages in one segment.
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(
            true,
            &[q.clone(), q.clone()].concat(),
            At::default(),
            &mut out,
        );
        p.data(false, &r, At::default(), &mut out);
        p.end(At::default(), &mut out);
        assert_eq!((out.len(), dns(&out[0]).retransmissions), (1, 1));
    }

    #[test]
    fn a_gap_stops_a_tcp_side_and_pending_queries_end_unanswered() {
        let (q, r) = (hex(TCP_QUERY), hex(TCP_RESPONSE));
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.data(true, &q, At::default(), &mut out);
        p.data(false, &r[..10], At::default(), &mut out);
        p.gap(false, 5, At::default(), &mut out);
        p.data(false, &r[15..], At::default(), &mut out);
        p.end(At::default(), &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].response.is_none());
    }

    /// packet-dns.c's rule: the same id less than `dns.retransmission_timer` (5 s) after
    /// the unanswered query is a retransmission, whatever the name asked; at 5 s it is a
    /// new query.
    #[test]
    fn a_retransmission_is_the_same_id_strictly_within_five_seconds() {
        const W: i64 = RETRANSMISSION_WINDOW_NS;
        // Another name (example.org) and type (AAAA) under the same id.
        let other: &[u8] =
            b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03org\x00\x00\x1c\x00\x01";
        let out = udp(&[(QUERY, 0), (b"junk", 1), (other, W - 1), (RESPONSE, W)]);
        assert_eq!(out.len(), 1);
        let d = dns(&out[0]);
        assert_eq!((d.retransmissions, d.name.as_str()), (1, "example.com"));
        assert!(out[0].response.is_some());
        let out = udp(&[(QUERY, 0), (b"junk", 1), (QUERY, W), (RESPONSE, W + 1)]);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|t| dns(t).retransmissions == 0));
        assert!(out[0].response.is_none() && out[1].response.is_some());
    }

    #[test]
    fn a_retransmitted_query_keeps_the_first_time_and_a_lone_response_stands_alone() {
        let (out, packets) =
            timed_udp(&[(QUERY, 100), (b"junk", 150), (QUERY, 200), (RESPONSE, 300)]);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (
                dns(&out[0]).retransmissions,
                dns(&out[0]).retransmission_packets.clone(),
                out[0].latency_ns(&packets)
            ),
            (1, vec![2], Some(200))
        );
        // Asked again after 5 s: a new query, and the first went unanswered.
        let (out, packets) = timed_udp(&[
            (QUERY, 0),
            (b"junk", 1),
            (QUERY, 6_000_000_000),
            (RESPONSE, 6_000_000_300),
        ]);
        assert_eq!(out.len(), 2);
        assert!(out[0].response.is_none() && out[0].request.unwrap().last() == 0);
        assert_eq!(
            (out[1].request.unwrap().last(), out[1].latency_ns(&packets)),
            (2, Some(300))
        );
        let out = udp(&[(RESPONSE, 1), (RESPONSE, 2)]);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|t| t.request.is_none()));
    }

    #[test]
    fn a_pointer_loop_ends() {
        let mut m = QUERY.to_vec();
        m.truncate(12);
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
        assert!(parse(&m).is_none());
        assert_eq!(looks_like_message(&m), None);
    }

    #[test]
    fn every_prefix_of_a_response_parses_or_is_refused_without_panic() {
        let r = hex(MX_RESPONSE);
        for cut in 0..r.len() {
            let m = parse(&r[..cut]);
            assert!(m.is_none() || !m.unwrap().exact, "cut {cut}");
            assert_eq!(looks_like_message(&r[..cut]), None, "cut {cut}");
        }
    }
}
