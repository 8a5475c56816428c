//! Application protocols: parsers that turn reassembled stream bytes (TCP) or datagrams
//! (UDP) into timed transactions.
//!
//! Each conversation gets at most one parser, chosen by port and by content. A parser
//! sees both directions of its conversation interleaved in capture order, told which side
//! is the client, and reports a [`Transaction`] when a request has its response (or when
//! it can tell the response will never come).

pub mod dns;
pub mod http;
pub mod memcache;
pub mod mysql;
pub mod redis;
pub mod tls;

use crate::capture::app::{AppProto, AppStats, At, Transaction};
use crate::capture::flow::{Conversation, Direction, L4};
use crate::capture::packet::PacketRow;
use crate::ingest::reassembly::{Reassembler, StreamEvent};
use crate::ingest::wire::{tcp_flags, Summary, Transport};
use std::collections::HashMap;

/// A parser of one conversation's stream (or datagrams).
pub trait StreamParser {
    /// In-order bytes from one side. `from_client` is true for the client's bytes.
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>);
    /// Bytes of one side that were never captured; the parser resynchronises or marks
    /// the transaction in progress incomplete.
    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>);
    /// A whole datagram (UDP). By default, the same as stream data.
    fn datagram(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.data(from_client, bytes, at, out);
    }
    /// One side ended its stream (TCP FIN or RST, the packet `at`); the other may go on.
    /// By default nothing happens: `end` comes when both sides have ended.
    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        let _ = (from_client, at, out);
    }
    /// The conversation ended (or the capture did): report what is pending.
    fn end(&mut self, at: At, out: &mut Vec<Transaction>);
}

/// The protocol a well-known port stands for (before any decode-as).
pub fn proto_by_port(l4: L4, port: u16) -> Option<AppProto> {
    Some(match (l4, port) {
        (L4::Tcp, 80 | 8080 | 8000 | 8008 | 8081 | 8088 | 8888 | 3128) => AppProto::Http,
        (L4::Tcp, 443 | 8443 | 465 | 993 | 995 | 853 | 636) => AppProto::Tls,
        (_, 53 | 5353) => AppProto::Dns,
        (L4::Tcp, 11211) | (L4::Udp, 11211) => AppProto::Memcache,
        (L4::Tcp, 6379) => AppProto::Redis,
        (L4::Tcp, 3306) => AppProto::Mysql,
        _ => return None,
    })
}

/// The payload of a packet's TCP or UDP layer: where the dissector's summary says it
/// lies, in the frame or in the IP datagram the packet completed (`reassembled`, the
/// dissector's [`crate::ingest::wire::Dissector::reassembled`]).
pub fn payload_of<'a>(
    summary: &Summary,
    frame: &'a [u8],
    reassembled: &'a [u8],
) -> Option<&'a [u8]> {
    match summary.transport {
        Transport::Tcp(_) | Transport::Udp { .. } => {
            summary.payload.map(|p| p.bytes(frame, reassembled))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Recognising a protocol by its first bytes.
// ---------------------------------------------------------------------------------------

/// What a conversation's first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// These bytes are the protocol's; `client` tells whether they are the client's
    /// (a request) or the server's; `strong` when no other protocol could start so.
    Match {
        /// The protocol.
        proto: AppProto,
        /// The bytes were sent by the client.
        client: bool,
        /// A signature no other protocol we know shares (it beats a port's default).
        strong: bool,
    },
    /// A prefix of a signature: wait for more bytes.
    NeedMore,
    /// No protocol we know starts like this.
    NoMatch,
}

/// HTTP methods (RFC 9110 §9, RFC 5789, WebDAV, CalDAV and common extensions), each
/// followed by a space.
const HTTP_METHODS: [&[u8]; 22] = [
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
    b"TRACE ",
    b"PROPFIND ",
    b"PROPPATCH ",
    b"MKCOL ",
    b"COPY ",
    b"MOVE ",
    b"LOCK ",
    b"UNLOCK ",
    b"SEARCH ",
    b"REPORT ",
    b"MKCALENDAR ",
    b"PURGE ",
    b"LINK ",
    b"UNLINK ",
];

/// memcached text commands (protocol.txt), each followed by a space or a line end.
const MEMCACHE_COMMANDS: [&[u8]; 21] = [
    b"get",
    b"gets",
    b"gat",
    b"gats",
    b"set",
    b"add",
    b"replace",
    b"append",
    b"prepend",
    b"cas",
    b"delete",
    b"incr",
    b"decr",
    b"touch",
    b"stats",
    b"version",
    b"flush_all",
    b"verbosity",
    b"mg",
    b"ms",
    b"md",
];

/// `prefix` is a prefix of `of` or the other way round: Some(true) when `bytes` starts
/// with `of`, Some(false) (need more) when `bytes` is a shorter prefix of it, None else.
fn starts(bytes: &[u8], of: &[u8]) -> Option<bool> {
    if bytes.len() >= of.len() {
        (bytes[..of.len()] == *of).then_some(true)
    } else {
        (of[..bytes.len()] == *bytes).then_some(false)
    }
}

/// Which protocol the first bytes of one side of a conversation belong to.
pub fn sniff(l4: L4, bytes: &[u8]) -> Sniff {
    let mut need_more = false;
    fn check(
        need_more: &mut bool,
        r: Option<bool>,
        proto: AppProto,
        client: bool,
        strong: bool,
    ) -> Option<Sniff> {
        match r {
            Some(true) => Some(Sniff::Match {
                proto,
                client,
                strong,
            }),
            Some(false) => {
                *need_more = true;
                None
            }
            None => None,
        }
    }
    if bytes.is_empty() {
        return Sniff::NeedMore;
    }
    if l4 == L4::Udp {
        return match dns::looks_like_message(bytes) {
            Some(query) => Sniff::Match {
                proto: AppProto::Dns,
                client: query,
                strong: false,
            },
            None => Sniff::NoMatch,
        };
    }
    for m in HTTP_METHODS {
        if let Some(s) = check(&mut need_more, starts(bytes, m), AppProto::Http, true, true) {
            return s;
        }
    }
    if let Some(s) = check(
        &mut need_more,
        starts(bytes, b"HTTP/1."),
        AppProto::Http,
        false,
        true,
    ) {
        return s;
    }
    // TLS record: handshake (22), version 3.x, then ClientHello (1) or ServerHello (2).
    if bytes[0] == 0x16 {
        match bytes.get(1..6) {
            None => need_more = true,
            Some(&[3, minor, _, _, hs]) if minor <= 4 && (hs == 1 || hs == 2) => {
                return Sniff::Match {
                    proto: AppProto::Tls,
                    client: hs == 1,
                    strong: true,
                };
            }
            Some(_) => {}
        }
    }
    // MySQL initial handshake from the server: a packet with sequence id 0, protocol 10,
    // a NUL-terminated printable version string.
    if bytes.len() >= 5 && bytes[3] == 0 && bytes[4] == 0x0a {
        let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]) as usize;
        if (20..=1024).contains(&len) {
            let version = &bytes[5..bytes.len().min(4 + len)];
            match version.iter().position(|&b| b == 0) {
                Some(n) if n > 0 && version[..n].iter().all(|b| (0x20..0x7f).contains(b)) => {
                    return Sniff::Match {
                        proto: AppProto::Mysql,
                        client: false,
                        strong: true,
                    };
                }
                None if version.len() < 64 && version.iter().all(|b| (0x20..0x7f).contains(b)) => {
                    need_more = true
                }
                _ => {}
            }
        }
    } else if bytes.len() < 5 && bytes.len() >= 4 && bytes[3] == 0 {
        need_more = true;
    }
    // RESP: an array of bulk strings, `*N\r\n$`.
    if bytes[0] == b'*' {
        let digits = bytes[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        match bytes.get(1 + digits..4 + digits) {
            _ if digits > 5 => {}
            Some(b"\r\n$") if digits > 0 => {
                return Sniff::Match {
                    proto: AppProto::Redis,
                    client: true,
                    strong: true,
                }
            }
            Some(_) => {}
            None => {
                if b"\r\n$".starts_with(&bytes[1 + digits..]) {
                    need_more = true;
                }
            }
        }
    }
    // memcached binary protocol: magic 0x80 (request) or 0x81 (response), 24-byte header
    // whose key and extras lengths fit in the body length.
    if bytes[0] == 0x80 || bytes[0] == 0x81 {
        match bytes.get(..24) {
            None => need_more = true,
            Some(h) => {
                let key = u16::from_be_bytes([h[2], h[3]]) as u32;
                let extras = h[4] as u32;
                let body = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
                if h[5] == 0 && key + extras <= body && body < (64 << 20) && h[1] < 0x50 {
                    return Sniff::Match {
                        proto: AppProto::Memcache,
                        client: bytes[0] == 0x80,
                        strong: true,
                    };
                }
            }
        }
    }
    // memcached text protocol.
    for c in MEMCACHE_COMMANDS {
        match starts(bytes, c) {
            Some(true) => match bytes.get(c.len()) {
                Some(b' ') | Some(b'\r') | Some(b'\n') => {
                    return Sniff::Match {
                        proto: AppProto::Memcache,
                        client: true,
                        strong: false,
                    }
                }
                None => need_more = true,
                _ => {}
            },
            Some(false) => need_more = true,
            None => {}
        }
    }
    for reply in [
        &b"VALUE "[..],
        b"END\r\n",
        b"STORED\r\n",
        b"NOT_STORED\r\n",
        b"DELETED\r\n",
        b"NOT_FOUND\r\n",
    ] {
        if let Some(s) = check(
            &mut need_more,
            starts(bytes, reply),
            AppProto::Memcache,
            false,
            false,
        ) {
            return s;
        }
    }
    // DNS over TCP: a length prefix, then a sane header, then the whole message parses.
    match bytes.get(..14) {
        None => need_more = true,
        Some(h) => {
            let len = u16::from_be_bytes([h[0], h[1]]) as usize;
            if len >= 12 && dns::header_is_sane(&h[2..]) {
                match bytes.get(2..2 + len) {
                    Some(msg) => {
                        if let Some(query) = dns::looks_like_message(msg) {
                            return Sniff::Match {
                                proto: AppProto::Dns,
                                client: query,
                                strong: false,
                            };
                        }
                    }
                    None if bytes.len() < 2 + 512 => need_more = true,
                    None => {}
                }
            }
        }
    }
    if need_more {
        Sniff::NeedMore
    } else {
        Sniff::NoMatch
    }
}

/// The parser for a protocol. (MySQL's line switches from `None` to its parser's
/// constructor when that parser lands.)
fn make_parser(proto: AppProto) -> Option<Box<dyn StreamParser>> {
    match proto {
        AppProto::Http => Some(Box::new(http::Parser::new())),
        AppProto::Dns => Some(Box::new(dns::Parser::new())),
        AppProto::Tls => Some(Box::new(tls::Parser::new())),
        AppProto::Memcache => Some(Box::new(memcache::Parser::new())),
        AppProto::Mysql => Some(Box::new(mysql::Parser::new())),
        AppProto::Redis => Some(Box::new(redis::Parser::new())),
    }
}

// ---------------------------------------------------------------------------------------
// The dispatcher.
// ---------------------------------------------------------------------------------------

/// Bytes held per conversation while its first bytes are too short to tell the protocol.
const MAX_SNIFF: usize = 1024;

/// A piece of a conversation held while its protocol is undecided.
enum Held {
    Data {
        dir: Direction,
        bytes: Vec<u8>,
        at: At,
        datagram: bool,
    },
    Gap {
        dir: Direction,
        len: u64,
        at: At,
    },
}

enum State {
    /// No payload yet (or too little to tell).
    Undecided {
        held: Vec<Held>,
        held_bytes: usize,
        sniffed: [Option<Sniff>; 2],
    },
    /// Parsed by `parser`.
    Parsing {
        parser: Box<dyn StreamParser>,
        client: Direction,
    },
    /// Decided to be no protocol we parse, or ended.
    Off,
}

struct Conv {
    /// The side that sent the SYN (from a SYN, or the receiver of a SYN-ACK).
    syn_client: Option<Direction>,
    ended: [bool; 2],
    proto: Option<AppProto>,
    /// The client, once the parser is chosen.
    client: Option<Direction>,
    state: State,
    /// What was held while undecided, to replay once the parser is chosen.
    replay: Vec<Held>,
}

/// The application layer of a capture: which parser each conversation gets, and the
/// transactions they report.
#[derive(Default)]
pub struct Apps {
    /// Off: no reassembly, no parsers, no transactions (see [`Apps::set_enabled`]).
    disabled: bool,
    decode_as: HashMap<(L4, u16), Option<AppProto>>,
    convs: Vec<Option<Box<Conv>>>,
    /// Conversations done with (ended, or no parser for them): their bytes are no longer
    /// reassembled; `retired_protos` keeps what they were parsed as.
    retired: Vec<bool>,
    retired_protos: Vec<Option<AppProto>>,
    retired_clients: Vec<Option<Direction>>,
    transactions: Vec<Transaction>,
    scratch: Vec<Transaction>,
    stats: AppStats,
}

/// What the application layer found, when the capture ends.
#[derive(Default)]
pub struct AppsResult {
    /// Every transaction, in order of its first packet.
    pub transactions: Vec<Transaction>,
    /// The protocol each conversation was parsed as, indexed like the conversations.
    pub protos: Vec<Option<AppProto>>,
    /// The client side of each conversation that has a parser.
    pub clients: Vec<Option<Direction>>,
    /// Counters.
    pub stats: AppStats,
}

impl Apps {
    /// An application layer with the default port assignments.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes TCP or UDP `port` as `proto` (None: as no protocol), whatever the bytes
    /// say; like tshark's `-d tcp.port==PORT,PROTO`.
    pub fn decode_as(&mut self, l4: L4, port: u16, proto: Option<AppProto>) {
        self.decode_as.insert((l4, port), proto);
    }

    /// Turns the application layer (TCP reassembly, parsers, transactions) on or off; it
    /// is on by default. Off, an ingest gives flows and statistics only, faster.
    pub fn set_enabled(&mut self, enabled: bool) {
        self.disabled = !enabled;
    }

    /// The protocol a port is decoded as by the user, or by default.
    fn port_proto(&self, l4: L4, port: u16) -> Option<Option<AppProto>> {
        self.decode_as.get(&(l4, port)).copied()
    }

    /// Takes one packet of conversation `flow` (already counted by the flow table):
    /// TCP segments go through `reasm`, UDP datagrams straight to the parser.
    /// `packets` is the index so far (the current packet is not in it yet).
    #[allow(clippy::too_many_arguments)]
    pub fn packet(
        &mut self,
        reasm: &mut Reassembler,
        conv: &Conversation,
        flow: u32,
        dir: Direction,
        summary: &Summary,
        payload: &[u8],
        at: At,
        packets: &[PacketRow],
    ) {
        if self.disabled || self.retired.get(flow as usize).copied().unwrap_or(false) {
            return;
        }
        match summary.transport {
            Transport::Tcp(t) => {
                let c = self.conv(flow);
                if t.flags & tcp_flags::SYN != 0 && c.syn_client.is_none() {
                    c.syn_client = Some(if t.flags & tcp_flags::ACK == 0 {
                        dir
                    } else {
                        other(dir)
                    });
                }
                reasm.segment(flow, dir, &t, payload, at.packet, &mut |ev| {
                    self.stream_event(conv, ev, Some((dir, at)), packets)
                });
                if self.retired.get(flow as usize).copied().unwrap_or(false) {
                    reasm.forget(flow);
                }
            }
            Transport::Udp { .. } if !payload.is_empty() => {
                self.deliver(
                    conv,
                    flow,
                    Held::Data {
                        dir,
                        bytes: Vec::new(),
                        at,
                        datagram: true,
                    },
                    payload,
                );
            }
            _ => {}
        }
    }

    /// Handles one event of the reassembler. `current` is the segment being processed
    /// (None at the end of the capture).
    fn stream_event(
        &mut self,
        conv: &Conversation,
        ev: StreamEvent<'_>,
        current: Option<(Direction, At)>,
        packets: &[PacketRow],
    ) {
        let flow = match ev {
            StreamEvent::Data { conv, .. }
            | StreamEvent::Gap { conv, .. }
            | StreamEvent::End { conv, .. } => conv,
        };
        if self.retired.get(flow as usize).copied().unwrap_or(false) {
            return;
        }
        match ev {
            StreamEvent::Data {
                conv: flow,
                dir,
                bytes,
                packet,
                ..
            } => {
                // Bytes are complete at the segment that delivered them when it went the same
                // way (it filled a hole or was in order); bytes released by the peer's ACK
                // or by the end of the capture are dated by the packet that carried them.
                let at = match current {
                    Some((d, at)) if d == dir => at,
                    _ => match packets.get(packet as usize) {
                        Some(row) => At {
                            packet,
                            ts_ns: row.ts_ns,
                        },
                        None => current.map(|(_, at)| at).unwrap_or_default(),
                    },
                };
                self.deliver(
                    conv,
                    flow,
                    Held::Data {
                        dir,
                        bytes: Vec::new(),
                        at,
                        datagram: false,
                    },
                    bytes,
                );
            }
            StreamEvent::Gap {
                conv: flow,
                dir,
                len,
                ..
            } => {
                let at = current
                    .map(|(_, at)| at)
                    .unwrap_or_else(|| last_at(packets));
                self.deliver(conv, flow, Held::Gap { dir, len, at }, &[]);
            }
            StreamEvent::End { conv: flow, dir } => {
                let at = current
                    .map(|(_, at)| at)
                    .unwrap_or_else(|| last_at(packets));
                self.conv(flow).ended[dir as usize] = true;
                if let Some(Some(c)) = self.convs.get_mut(flow as usize) {
                    if let State::Parsing { parser, client } = &mut c.state {
                        parser.side_end(dir == *client, at, &mut self.scratch);
                        self.collect(flow);
                    }
                }
                let c = self.conv(flow);
                if c.ended == [true, true] {
                    self.end_conv(conv, flow, at);
                }
            }
        }
    }

    fn conv(&mut self, flow: u32) -> &mut Conv {
        let i = flow as usize;
        if self.convs.len() <= i {
            self.convs.resize_with(i + 1, || None);
        }
        self.convs[i].get_or_insert_with(|| {
            Box::new(Conv {
                syn_client: None,
                ended: [false; 2],
                proto: None,
                client: None,
                state: State::Undecided {
                    held: Vec::new(),
                    held_bytes: 0,
                    sniffed: [None; 2],
                },
                replay: Vec::new(),
            })
        })
    }

    /// Done with a conversation: its state goes, what it was parsed as stays.
    fn retire(&mut self, flow: u32) {
        let i = flow as usize;
        let (proto, client) = self
            .convs
            .get_mut(i)
            .and_then(Option::take)
            .map_or((None, None), |c| (c.proto, c.client));
        if self.retired.len() <= i {
            self.retired.resize(i + 1, false);
            self.retired_protos.resize(i + 1, None);
            self.retired_clients.resize(i + 1, None);
        }
        self.retired[i] = true;
        self.retired_protos[i] = proto;
        self.retired_clients[i] = client;
    }

    /// Passes a piece of a conversation to its parser, deciding the parser first if need be.
    /// For `Held::Data`, the bytes are `bytes` (the held vector is empty).
    fn deliver(&mut self, conv: &Conversation, flow: u32, piece: Held, bytes: &[u8]) {
        let c = self.conv(flow);
        if let State::Undecided {
            held,
            held_bytes,
            sniffed,
        } = &mut c.state
        {
            let mut force = false;
            match &piece {
                Held::Data { dir, .. } => {
                    let d = *dir as usize;
                    let first_of_side = !held
                        .iter()
                        .any(|h| matches!(h, Held::Data { dir, .. } if *dir as usize == d));
                    let seen: Vec<u8>;
                    let side_bytes: &[u8] = if first_of_side {
                        bytes
                    } else {
                        seen = held
                            .iter()
                            .filter_map(|h| match h {
                                Held::Data { dir, bytes, .. } if *dir as usize == d => {
                                    Some(bytes.as_slice())
                                }
                                _ => None,
                            })
                            .chain(std::iter::once(bytes))
                            .flatten()
                            .copied()
                            .collect();
                        &seen
                    };
                    sniffed[d] = Some(sniff(conv.proto, side_bytes));
                    *held_bytes += bytes.len();
                    if *held_bytes > MAX_SNIFF {
                        force = true;
                    }
                }
                Held::Gap { .. } => force = true,
            }
            let sniffed = *sniffed;
            if !self.decide(conv, flow, sniffed, force) {
                let c = self.conv(flow);
                if let (
                    State::Undecided { held, .. },
                    Held::Data {
                        dir, at, datagram, ..
                    },
                ) = (&mut c.state, piece)
                {
                    held.push(Held::Data {
                        dir,
                        bytes: bytes.to_vec(),
                        at,
                        datagram,
                    });
                }
                return;
            }
            if matches!(self.conv(flow).state, State::Off) {
                self.retire(flow);
                return;
            }
            // Replay what was held, then go on with this piece.
            for h in std::mem::take(&mut self.conv(flow).replay) {
                self.feed(flow, h, &[]);
            }
        }
        self.feed(flow, piece, bytes);
    }

    fn feed(&mut self, flow: u32, piece: Held, bytes: &[u8]) {
        let Some(Some(c)) = self.convs.get_mut(flow as usize) else {
            return;
        };
        let State::Parsing { parser, client, .. } = &mut c.state else {
            return;
        };
        let out = &mut self.scratch;
        match piece {
            Held::Data {
                dir,
                bytes: held,
                at,
                datagram,
            } => {
                let bytes = if held.is_empty() { bytes } else { &held[..] };
                let from_client = dir == *client;
                if datagram {
                    parser.datagram(from_client, bytes, at, out);
                } else {
                    parser.data(from_client, bytes, at, out);
                }
            }
            Held::Gap { dir, len, at } => parser.gap(dir == *client, len, at, out),
        }
        self.collect(flow);
    }

    fn collect(&mut self, flow: u32) {
        let proto = self
            .convs
            .get(flow as usize)
            .and_then(|c| c.as_ref())
            .and_then(|c| c.proto);
        for mut t in self.scratch.drain(..) {
            t.conv = flow;
            if let Some(p) = proto {
                *self.stats.transactions.entry(p).or_default() += 1;
            }
            self.transactions.push(t);
        }
    }

    fn end_conv(&mut self, conv: &Conversation, flow: u32, at: At) {
        let undecided = matches!(self.conv(flow).state, State::Undecided { .. });
        if undecided {
            let sniffed = match &self.conv(flow).state {
                State::Undecided { sniffed, .. } => *sniffed,
                _ => [None; 2],
            };
            self.decide(conv, flow, sniffed, true);
            for h in std::mem::take(&mut self.conv(flow).replay) {
                self.feed(flow, h, &[]);
            }
        }
        let c = self.conv(flow);
        if let State::Parsing { mut parser, .. } = std::mem::replace(&mut c.state, State::Off) {
            parser.end(at, &mut self.scratch);
            self.collect(flow);
        }
        self.retire(flow);
    }

    /// Chooses the parser of a conversation from decode-as, its bytes and its ports.
    /// Returns false to wait for more bytes (only when not `force`d).
    fn decide(
        &mut self,
        conv: &Conversation,
        flow: u32,
        sniffed: [Option<Sniff>; 2],
        force: bool,
    ) -> bool {
        let l4 = conv.proto;
        let ports = [conv.port_a, conv.port_b];
        // The lower port first, as tshark tries it first.
        let order = if conv.port_a <= conv.port_b {
            [0usize, 1]
        } else {
            [1, 0]
        };
        let mut chosen: Option<(AppProto, Option<Direction>)> = None;
        let mut decided_off = false;
        // 1. Decode-as wins over everything; its port is the server's.
        for &i in &order {
            if let Some(p) = self.port_proto(l4, ports[i]) {
                match p {
                    Some(p) => chosen = Some((p, Some(side(1 - i)))),
                    None => decided_off = true,
                }
                break;
            }
        }
        let default = order
            .iter()
            .find_map(|&i| proto_by_port(l4, ports[i]).map(|p| (p, side(1 - i))));
        if chosen.is_none() && !decided_off {
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
            match (best, default) {
                (Some((i, p, client, strong)), d)
                    if strong || d.is_none() || d.is_some_and(|d| d.0 == p) =>
                {
                    let dir = if client { side(i) } else { other(side(i)) };
                    chosen = Some((p, Some(dir)));
                }
                _ if waiting && !force => return false,
                (_, Some((p, client))) => chosen = Some((p, Some(client))),
                _ => {}
            }
            if waiting && force {
                self.stats.sniff_cut_short += 1;
            }
        }
        let c = self.conv(flow);
        let held = match std::mem::replace(&mut c.state, State::Off) {
            State::Undecided { held, .. } => held,
            other => {
                c.state = other;
                return true;
            }
        };
        let parser = chosen.and_then(|(p, dir)| make_parser(p).map(|parser| (p, dir, parser)));
        match parser {
            Some((proto, port_client, parser)) => {
                // The client: the SYN's sender; else what the bytes or the ports said; else
                // the side with the higher (ephemeral) port.
                let client =
                    c.syn_client
                        .or(port_client)
                        .unwrap_or(if conv.port_a >= conv.port_b {
                            Direction::AToB
                        } else {
                            Direction::BToA
                        });
                c.proto = Some(proto);
                c.client = Some(client);
                c.state = State::Parsing { parser, client };
                c.replay = held;
                *self.stats.conversations.entry(proto).or_default() += 1;
            }
            None => {
                if !held.is_empty() {
                    self.stats.unrecognised += 1;
                }
            }
        }
        true
    }

    /// Ends every conversation still open; returns the transactions and what else was found.
    pub fn finish(
        mut self,
        reasm: &mut Reassembler,
        conversations: &[Conversation],
        packets: &[PacketRow],
    ) -> AppsResult {
        reasm.finish(&mut |ev| {
            let flow = match ev {
                StreamEvent::Data { conv, .. }
                | StreamEvent::Gap { conv, .. }
                | StreamEvent::End { conv, .. } => conv,
            };
            if let Some(conv) = conversations.get(flow as usize) {
                self.stream_event(conv, ev, None, packets);
            }
        });
        let end = last_at(packets);
        for flow in 0..self.convs.len() as u32 {
            if let (Some(Some(_)), Some(conv)) = (
                self.convs.get(flow as usize),
                conversations.get(flow as usize),
            ) {
                self.end_conv(conv, flow, end);
            }
        }
        let mut transactions = std::mem::take(&mut self.transactions);
        transactions.sort_by_key(|t| {
            t.request
                .or(t.response)
                .map_or(u64::MAX, |s| s.first.packet)
        });
        let mut protos = std::mem::take(&mut self.retired_protos);
        protos.resize(conversations.len(), None);
        let mut clients = std::mem::take(&mut self.retired_clients);
        clients.resize(conversations.len(), None);
        AppsResult {
            transactions,
            protos,
            clients,
            stats: self.stats,
        }
    }
}

fn side(i: usize) -> Direction {
    if i == 0 {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

fn other(d: Direction) -> Direction {
    match d {
        Direction::AToB => Direction::BToA,
        Direction::BToA => Direction::AToB,
    }
}

fn last_at(packets: &[PacketRow]) -> At {
    packets.last().map_or(At::default(), |p| At {
        packet: packets.len() as u64 - 1,
        ts_ns: p.ts_ns,
    })
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::app::Detail;
    use crate::capture::Capture;
    use crate::ingest::flow::FlowTable;
    use crate::ingest::wire::{Net, Payload, Tcp};
    use crate::ingest::Ingest;

    fn server_capture(name: &str, decode_as: &[(L4, u16, Option<AppProto>)]) -> Capture {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers")
            .join(name);
        let bytes = std::fs::read(&path).expect("tests/data/servers is in the repository");
        let mut ingest = Ingest::new();
        for &(l4, port, proto) in decode_as {
            ingest.decode_as(l4, port, proto);
        }
        ingest.begin_file(name);
        ingest.feed(&bytes);
        ingest.finish()
    }

    fn count(c: &Capture, proto: AppProto) -> usize {
        c.transactions
            .iter()
            .filter(|t| match (&t.detail, proto) {
                (Detail::Http(_), AppProto::Http) | (Detail::Dns(_), AppProto::Dns) => true,
                (Detail::Memcache(_), AppProto::Memcache) | (Detail::Redis(_), AppProto::Redis) => {
                    true
                }
                (Detail::Mysql(_), AppProto::Mysql) | (Detail::Tls(_), AppProto::Tls) => true,
                _ => false,
            })
            .count()
    }

    #[test]
    fn protocols_on_unusual_ports_are_found_by_content() {
        // nginx on 28080, a Python server on 28081: no port says HTTP.
        let c = server_capture("http.pcap", &[]);
        assert_eq!(count(&c, AppProto::Http), 12);
        assert_eq!(
            c.app_protos
                .iter()
                .flatten()
                .filter(|&&p| p == AppProto::Http)
                .count(),
            3
        );
        // dnsmasq on 25353, over UDP and TCP.
        assert_eq!(count(&ingest_dns(), AppProto::Dns), 8);
        // memcached on 21211, Redis on 26379, MariaDB on 23306.
        for (file, proto) in [
            ("memcached.pcap", AppProto::Memcache),
            ("redis.pcap", AppProto::Redis),
            ("mariadb.pcap", AppProto::Mysql),
        ] {
            let c = server_capture(file, &[]);
            assert!(count(&c, proto) > 10, "{file}: {:?}", c.app_stats);
            assert!(
                c.app_protos.iter().flatten().all(|&p| p == proto),
                "{file}: {:?}",
                c.app_protos
            );
        }
    }

    fn ingest_dns() -> Capture {
        server_capture("dns.pcap", &[])
    }

    #[test]
    fn decode_as_overrides_content() {
        let c = server_capture("http.pcap", &[(L4::Tcp, 28080, None)]);
        assert_eq!(
            count(&c, AppProto::Http),
            5,
            "nginx's 7 transactions are gone"
        );
        let c = server_capture("dns.pcap", &[(L4::Udp, 25353, None)]);
        assert_eq!(count(&c, AppProto::Dns), 2, "only the TCP ones are left");
        let c = server_capture("http.pcap", &[(L4::Tcp, 28081, Some(AppProto::Redis))]);
        assert_eq!(count(&c, AppProto::Http), 7);
        assert_eq!(
            c.app_protos
                .iter()
                .flatten()
                .filter(|&&p| p == AppProto::Redis)
                .count(),
            1
        );
    }

    #[test]
    fn sniffing_signatures() {
        let m = |proto, client, strong| Sniff::Match {
            proto,
            client,
            strong,
        };
        assert_eq!(
            sniff(L4::Tcp, b"GET / HTTP/1.1\r\n"),
            m(AppProto::Http, true, true)
        );
        assert_eq!(sniff(L4::Tcp, b"GE"), Sniff::NeedMore);
        assert_eq!(
            sniff(L4::Tcp, b"HTTP/1.1 200 OK\r\n"),
            m(AppProto::Http, false, true)
        );
        assert_eq!(
            sniff(L4::Tcp, b"\x16\x03\x01\x00\xc2\x01"),
            m(AppProto::Tls, true, true)
        );
        assert_eq!(
            sniff(L4::Tcp, b"\x16\x03\x03\x00\x50\x02"),
            m(AppProto::Tls, false, true)
        );
        assert_eq!(sniff(L4::Tcp, b"\x16\x03"), Sniff::NeedMore);
        assert_eq!(
            sniff(L4::Tcp, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
            m(AppProto::Redis, true, true)
        );
        assert_eq!(
            sniff(L4::Tcp, b"get user:1\r\n"),
            m(AppProto::Memcache, true, false)
        );
        assert_eq!(
            sniff(L4::Tcp, b"VALUE k 0 1\r\n"),
            m(AppProto::Memcache, false, false)
        );
        let mut binary = vec![0x80, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 3];
        binary.extend_from_slice(&[0; 12]);
        binary.extend_from_slice(b"key");
        assert_eq!(sniff(L4::Tcp, &binary), m(AppProto::Memcache, true, true));
        let greeting = b"\x5b\x00\x00\x00\x0a10.11.6-MariaDB\x00\x08\x00\x00\x00";
        assert_eq!(sniff(L4::Tcp, greeting), m(AppProto::Mysql, false, true));
        let dns_query = b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
        assert_eq!(sniff(L4::Tcp, dns_query), m(AppProto::Dns, true, false));
        assert_eq!(
            sniff(L4::Udp, &dns_query[2..]),
            m(AppProto::Dns, true, false)
        );
        assert_eq!(sniff(L4::Tcp, b"SSH-2.0-OpenSSH_9.6\r\n"), Sniff::NoMatch);
        assert_eq!(
            sniff(L4::Udp, b"\x00\x01\x02 random datagram"),
            Sniff::NoMatch
        );
    }

    /// A TCP segment between 10.0.0.1 and 10.0.0.2 carrying `payload` at offset 0.
    fn seg(sport: u16, dport: u16, from_a: bool, flags: u8, seq: u32, payload: &[u8]) -> Summary {
        let (a, b): (std::net::IpAddr, std::net::IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let (src, dst) = if from_a { (a, b) } else { (b, a) };
        Summary {
            net: Net::Ip {
                src,
                dst,
                fragment: false,
            },
            transport: Transport::Tcp(Tcp {
                src_port: sport,
                dst_port: dport,
                seq,
                flags,
                payload_len: payload.len() as u32,
                ..Tcp::default()
            }),
            payload: Some(Payload {
                offset: 0,
                len: payload.len() as u32,
                reassembled: false,
            }),
            ..Summary::default()
        }
    }

    /// Runs segments (from side A?, flags, seq, payload) of one conversation between
    /// port 40000 (A) and `port` (B) through the dispatcher.
    fn run(port: u16, segments: &[(bool, u8, u32, &[u8])]) -> AppsResult {
        let mut flows = FlowTable::default();
        let mut reasm = Reassembler::new();
        let mut apps = Apps::new();
        for (i, &(from_a, flags, seq, payload)) in segments.iter().enumerate() {
            let (sport, dport) = if from_a { (40000, port) } else { (port, 40000) };
            let s = seg(sport, dport, from_a, flags, seq, payload);
            let (flow, dir) = flows.add(&s, i as i64, 60).expect("TCP");
            let at = At {
                packet: i as u64,
                ts_ns: i as i64,
            };
            apps.packet(
                &mut reasm,
                &flows.conversations[flow as usize],
                flow,
                dir,
                &s,
                payload,
                at,
                &[],
            );
        }
        apps.finish(&mut reasm, &flows.conversations, &[])
    }

    fn methods(r: &AppsResult) -> Vec<(String, Option<u16>)> {
        r.transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Http(h) => Some((h.method.clone(), h.status)),
                _ => None,
            })
            .collect()
    }

    const ACK: u8 = tcp_flags::ACK;
    const SYN: u8 = tcp_flags::SYN;

    #[test]
    fn the_client_is_the_syn_sender_else_who_sent_a_request_else_the_ephemeral_port() {
        let req: &[u8] = b"GET / HTTP/1.1\r\n\r\n";
        let resp: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";
        // Joined mid-flight, the response's tail first: the bytes tell who asks.
        let r = run(
            9999,
            &[
                (
                    false,
                    ACK,
                    500,
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                ),
                (true, ACK, 100, req),
                (false, ACK, 538, resp),
            ],
        );
        assert_eq!(
            methods(&r),
            [(String::new(), Some(200)), ("GET".into(), Some(204))]
        );
        assert_eq!(r.protos, [Some(AppProto::Http)]);
        // B sends the SYN: B is the client even though A's port is ephemeral-looking.
        let r = run(
            8080,
            &[
                (false, SYN, 99, b""),
                (true, SYN | ACK, 499, b""),
                (false, ACK, 100, req),
                (true, ACK, 500, resp),
            ],
        );
        assert_eq!(methods(&r), [("GET".into(), Some(204))]);
        // Nothing recognisable, mid-flight: the port's default protocol, its side the server.
        let r = run(
            8080,
            &[
                (true, ACK, 100, b"tail of a body\r\n"),
                (true, ACK, 116, req),
                (false, ACK, 500, resp),
            ],
        );
        assert_eq!(r.protos, [Some(AppProto::Http)]);
        assert_eq!(methods(&r), [("GET".into(), Some(204))]);
    }

    #[test]
    fn a_port_default_beats_a_weak_signature_and_a_strong_one_beats_the_port() {
        // Redis inline commands look like memcached's; the Redis port decides.
        let r = run(
            6379,
            &[(true, ACK, 1, b"get foo\r\n"), (false, ACK, 1, b"$-1\r\n")],
        );
        assert_eq!(r.protos, [Some(AppProto::Redis)]);
        // memcached on a port of its own is found by its commands.
        let r = run(
            11212,
            &[(true, ACK, 1, b"get foo\r\n"), (false, ACK, 1, b"END\r\n")],
        );
        assert_eq!(r.protos, [Some(AppProto::Memcache)]);
        // Plain HTTP on the TLS port is HTTP.
        let r = run(
            443,
            &[
                (true, ACK, 1, b"GET / HTTP/1.0\r\n\r\n"),
                (false, ACK, 1, b"HTTP/1.0 200 OK\r\n\r\n"),
            ],
        );
        assert_eq!(r.protos, [Some(AppProto::Http)]);
        // Too few bytes to tell: held (in pieces) until they say.
        let r = run(
            5000,
            &[
                (true, ACK, 1, b"G"),
                (true, ACK, 2, b"ET / HTTP/1.1\r\n\r\n"),
                (
                    false,
                    ACK,
                    1,
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                ),
            ],
        );
        assert_eq!(methods(&r), [("GET".into(), Some(200))]);
        // Unknown bytes on an unknown port: no parser.
        let r = run(
            5000,
            &[
                (true, ACK, 1, b"SSH-2.0-x\r\n"),
                (false, ACK, 1, b"SSH-2.0-y\r\n"),
            ],
        );
        assert_eq!((r.protos.clone(), r.stats.unrecognised), (vec![None], 1));
    }
}

/// Seeds for the fuzz targets `http`, `dns` and `tls` (fuzz/fuzz_targets): real
/// conversations, followed and cut into the targets' piece format.
#[cfg(test)]
mod fuzz_seeds {
    use crate::capture::flow::L4;
    use std::path::PathBuf;

    /// Writes fuzz/corpus/{http,dns,tls}/ (gitignored) from the captures below that are
    /// present. Run with `cargo test -p wirelens-core --lib seed_app_fuzz_corpus -- --ignored`.
    #[test]
    #[ignore]
    fn seed_app_fuzz_corpus() {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let captures: [(&str, &str); 10] = [
            ("http", "tests/data/servers/http.pcap"),
            ("http", "../shared/corpus/zeek/http/pipelined-requests.pcap"),
            ("http", "../shared/corpus/zeek/http/entity_gap.pcap"),
            (
                "http",
                "../shared/corpus/PcapPlusPlus/pcap/three_http_streams.pcap",
            ),
            (
                "http",
                "../shared/corpus/zeek/http/connect-with-header.pcap",
            ),
            ("dns", "tests/data/servers/dns.pcap"),
            ("dns", "../shared/corpus/deepflow/dns/dns-tcp-multi.pcap"),
            ("dns", "../shared/corpus/zeek/dns/dns-corrupt.pcap"),
            ("tls", "../shared/corpus/PcapPlusPlus/examples/tls.pcap"),
            ("tls", "../shared/corpus/zeek/tls/tls13_wolfssl.pcap"),
        ];
        for (target, file) in captures {
            let Ok(bytes) = std::fs::read(repo.join(file)) else {
                continue;
            };
            let capture = crate::ingest::ingest_bytes(file, &bytes);
            let dir = repo.join("fuzz/corpus").join(target);
            std::fs::create_dir_all(&dir).expect("create the corpus directory");
            for c in capture.conversations.iter().take(20) {
                let Some(f) =
                    crate::query::follow::follow(&capture, c.proto, c.stream, &mut |i, buf| {
                        let row = &capture.packets[i as usize];
                        match bytes
                            .get(row.offset as usize..(row.offset + row.caplen as u64) as usize)
                        {
                            Some(b) => {
                                buf.extend_from_slice(b);
                                true
                            }
                            None => false,
                        }
                    })
                else {
                    continue;
                };
                let mut seed = Vec::new();
                if target == "dns" {
                    seed.push(u8::from(c.proto == L4::Tcp));
                }
                for r in f.records.iter().take(16) {
                    // The follow's node 0 sent the first packet: the client, mostly.
                    for piece in r.bytes.chunks(255).take(16) {
                        seed.push(u8::from(!r.from_server) | 5 << 3);
                        seed.push(piece.len() as u8);
                        seed.extend_from_slice(piece);
                    }
                }
                let name = format!(
                    "{}-{}{}",
                    file.rsplit('/').next().unwrap_or("x"),
                    c.proto.name(),
                    c.stream
                );
                std::fs::write(dir.join(name), seed).expect("write a seed");
            }
        }
    }
}
