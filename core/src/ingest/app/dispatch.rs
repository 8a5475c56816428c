//! The dispatcher: which parser each conversation gets, what it is fed (stream bytes
//! from the reassembler, datagrams), and the transactions it reports.

use super::choose::{choose, make_parser, other, ParserCtx};
use super::intern::Interner;
use super::memcache::wireshark::{Commands, Found};
use super::sniff::{sniff, Sniff};
use super::tls::SharedKeys;
use super::StreamParser;
use crate::capture::app::memcache::{CommandIndex, ConvFields};
use crate::capture::app::pdu::Pdu;
use crate::capture::app::tls::TlsSwitch;
use crate::capture::app::{AppProto, AppStats, At, Transaction, Transactions};
use crate::capture::flow::{Conversation, Direction, L4};
use crate::capture::packet::Packets;
use crate::ingest::reassembly::{Reassembler, StreamEvent};
use crate::ingest::wire::{tcp_flags, Summary, Transport};
use std::collections::HashMap;

/// Bytes held per conversation while its first bytes are too short to tell the protocol.
const MAX_SNIFF: usize = 1024;
/// How far back from the last transaction a new one is put in its place (moving those
/// after it: at most this many, 40 bytes each on wasm32).
const IN_ORDER_BACK: usize = 256;

/// A piece of a conversation held while its protocol is undecided.
enum Held {
    Data {
        dir: Direction,
        bytes: Vec<u8>,
        at: At,
        datagram: bool,
        /// The packet that carried the bytes (Wireshark's PDU goes there).
        carrier: u64,
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
    /// The protocol inside (TLS), once its parser ended.
    inner: Option<AppProto>,
    /// A memcached conversation over TCP: where Wireshark shows `memcache.command`.
    commands: Option<Box<Commands>>,
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
    /// What the decrypted TLS conversations carried.
    retired_inner: Vec<Option<AppProto>>,
    /// The TLS secrets (a key log given, and those the capture carries).
    keys: SharedKeys,
    /// In order of first packet unless `unsorted` ([`Apps::keep`]).
    transactions: Transactions,
    unsorted: bool,
    scratch: Vec<Transaction>,
    /// HTTP/2 frames and PostgreSQL messages, as the parsers read them.
    pdus: Vec<Pdu>,
    /// Where conversations switched to TLS, as their parsers ended.
    tls_switches: Vec<TlsSwitch>,
    /// What the transactions repeat, kept once.
    interner: Interner,
    /// `memcache.command` of the memcached conversations retired so far: the covered
    /// ones (indexed by flow) and (packet, command) of theirs.
    memcache_covered: Vec<bool>,
    memcache_commands: Found,
    /// Their conversations, and how many messages each, in the order of
    /// `memcache_commands`.
    memcache_runs: Vec<(u32, u32)>,
    /// How many `STAT` lines each `stats` reply among them shows, in their order.
    memcache_stat_lines: Vec<u32>,
    /// What their fields need beyond the commands, for those whose fields fit.
    memcache_fields: Vec<ConvFields>,
    stats: AppStats,
}

/// What the application layer found, when the capture ends.
#[derive(Default)]
pub struct AppsResult {
    /// Every transaction, in order of its first packet.
    pub transactions: Transactions,
    /// The protocol each conversation was parsed as, indexed like the conversations.
    pub protos: Vec<Option<AppProto>>,
    /// The client side of each conversation that has a parser.
    pub clients: Vec<Option<Direction>>,
    /// The protocol inside each conversation whose TLS records were decrypted.
    pub inner: Vec<Option<AppProto>>,
    /// HTTP/2 frames and PostgreSQL messages, in packet order.
    pub pdus: Vec<Pdu>,
    /// Where conversations switched to TLS, sorted by conversation.
    pub tls_switches: Vec<TlsSwitch>,
    /// Counters.
    pub stats: AppStats,
    /// Where Wireshark shows `memcache.command`.
    pub memcache_commands: CommandIndex,
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

    /// Adds TLS secrets (an NSS key log's text) that apply from packet `packet` (0-based
    /// index) on: TLS conversations whose keys are then known are decrypted.
    pub fn add_key_log(&mut self, text: &[u8], packet: u64) {
        let mut k = self.keys.borrow_mut();
        k.apply_from(packet);
        k.add_text(text);
    }

    /// The key log so far.
    pub fn key_log_stats(&self) -> super::tls::keylog::KeyLogStats {
        self.keys.borrow().stats()
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
        packets: &Packets,
    ) {
        if self.disabled || self.retired.get(flow as usize).copied().unwrap_or(false) {
            // Bytes after the end of a conversation: Wireshark still dissects them, and
            // the table of its memcache commands no longer follows.
            if !payload.is_empty() {
                if let Some(c) = self.memcache_covered.get_mut(flow as usize) {
                    *c = false;
                }
            }
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
                self.deliver_data(conv, flow, dir, payload, at, at.packet, true);
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
        packets: &Packets,
    ) {
        let flow = flow_of(&ev);
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
                self.deliver_data(conv, flow, dir, bytes, at, packet, false);
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
                        // Without a packet the capture ended, not the stream.
                        match current {
                            Some(_) => parser.side_end(dir == *client, at, &mut self.scratch),
                            None => parser.side_cut(dir == *client, at, &mut self.scratch),
                        }
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
                inner: None,
                commands: None,
            })
        })
    }

    /// Done with a conversation: its state goes, what it was parsed as stays.
    fn retire(&mut self, flow: u32) {
        let i = flow as usize;
        let (proto, client, inner, commands) = self
            .convs
            .get_mut(i)
            .and_then(Option::take)
            .map_or((None, None, None, None), |c| {
                (c.proto, c.client, c.inner, c.commands)
            });
        // (A conversation's messages are counted in 32 bits.)
        let commands = commands.and_then(|cm| Some((u32::try_from(cm.found.len()).ok()?, cm)));
        if let Some((n, mut cm)) = commands.filter(|(_, cm)| !cm.complex) {
            if self.memcache_covered.len() <= i {
                self.memcache_covered.resize(i + 1, false);
            }
            self.memcache_covered[i] = true;
            if !cm.odd {
                self.memcache_fields.push(ConvFields {
                    conv: flow,
                    digest: cm.digest,
                    changes: std::mem::take(&mut cm.changes).into_boxed_slice(),
                    cut: std::mem::take(&mut cm.cut).into_boxed_slice(),
                });
            }
            if n > 0 {
                self.memcache_runs.push((flow, n));
                self.memcache_commands.append(cm.found);
                self.memcache_stat_lines.append(&mut cm.stat_lines);
            }
        }
        if self.retired.len() <= i {
            self.retired.resize(i + 1, false);
            self.retired_protos.resize(i + 1, None);
            self.retired_clients.resize(i + 1, None);
            self.retired_inner.resize(i + 1, None);
        }
        self.retired[i] = true;
        self.retired_protos[i] = proto;
        self.retired_clients[i] = client;
        self.retired_inner[i] = inner;
    }

    /// Passes bytes of one side (a stream's, or a datagram) to the conversation's parser;
    /// `carrier` is the packet that carried them.
    #[allow(clippy::too_many_arguments)]
    fn deliver_data(
        &mut self,
        conv: &Conversation,
        flow: u32,
        dir: Direction,
        bytes: &[u8],
        at: At,
        carrier: u64,
        datagram: bool,
    ) {
        let piece = Held::Data {
            dir,
            bytes: Vec::new(),
            at,
            datagram,
            carrier,
        };
        self.deliver(conv, flow, piece, bytes);
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
                        dir,
                        at,
                        datagram,
                        carrier,
                        ..
                    },
                ) = (&mut c.state, piece)
                {
                    held.push(Held::Data {
                        dir,
                        bytes: bytes.to_vec(),
                        at,
                        datagram,
                        carrier,
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
                carrier,
            } => {
                let bytes = if held.is_empty() { bytes } else { &held[..] };
                let from_client = dir == *client;
                if let (Some(cm), false) = (&mut c.commands, datagram) {
                    cm.data(usize::from(!from_client), bytes, carrier);
                }
                if datagram {
                    parser.datagram(from_client, bytes, at, out);
                } else {
                    parser.data(from_client, bytes, at, out);
                }
            }
            Held::Gap { dir, len, at } => {
                if let Some(cm) = &mut c.commands {
                    cm.gap(usize::from(dir != *client), len);
                }
                parser.gap(dir == *client, len, at, out)
            }
        }
        let start = self.pdus.len();
        parser.take_pdus(&mut self.pdus);
        for p in &mut self.pdus[start..] {
            p.conv = flow;
        }
        self.collect(flow);
    }

    fn collect(&mut self, flow: u32) {
        let mut scratch = std::mem::take(&mut self.scratch);
        for mut t in scratch.drain(..) {
            t.conv = flow;
            self.interner.transaction(&mut t);
            *self.stats.transactions.entry(t.detail.proto()).or_default() += 1;
            self.keep(t);
        }
        self.scratch = scratch;
    }

    /// Keeps a transaction, in order of first packet while the place is among the last
    /// [`IN_ORDER_BACK`] (after those of the same packet: stable): a transaction is
    /// reported when it ends, usually soon after those that began after it, so the
    /// capture's transactions mostly need no sort at the end, whose scratch space would
    /// add to the ingest's peak. One further back leaves them to that sort.
    fn keep(&mut self, t: Transaction) {
        let ts = &mut self.transactions;
        let first = first_packet(&t);
        if self.unsorted || ts.last().is_none_or(|l| first_packet(l) <= first) {
            ts.push(t);
            return;
        }
        let from = ts.len().saturating_sub(IN_ORDER_BACK);
        // The first place past those at or before `first` (a partition point).
        let (mut lo, mut hi) = (from, ts.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if first_packet(&ts[mid]) <= first {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let at = lo;
        if at == from && from > 0 && first_packet(&ts[from - 1]) > first {
            self.unsorted = true;
            ts.push(t);
        } else {
            ts.insert(at, t);
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
            let start = self.pdus.len();
            parser.take_pdus(&mut self.pdus);
            for p in &mut self.pdus[start..] {
                p.conv = flow;
            }
            self.conv(flow).inner = parser.inner();
            if let Some(s) = parser.tls_switch() {
                self.tls_switches.push(TlsSwitch { conv: flow, ..s });
            }
            self.collect(flow);
        }
        self.retire(flow);
    }

    /// Chooses the parser of a conversation ([`choose`]). Returns false to wait for more
    /// bytes (only when not `force`d).
    fn decide(
        &mut self,
        conv: &Conversation,
        flow: u32,
        sniffed: [Option<Sniff>; 2],
        force: bool,
    ) -> bool {
        let Some(choice) = choose(&self.decode_as, conv, sniffed, force) else {
            return false;
        };
        if choice.cut_short {
            self.stats.sniff_cut_short += 1;
        }
        let keys = self.keys.clone();
        let c = self.conv(flow);
        let held = match std::mem::replace(&mut c.state, State::Off) {
            State::Undecided { held, .. } => held,
            other => {
                c.state = other;
                return true;
            }
        };
        match choice.parser {
            Some((proto, port_client)) => {
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
                if proto == AppProto::Memcache && conv.proto == L4::Tcp {
                    c.commands = Some(Box::default());
                }
                let server_port = if client == Direction::AToB {
                    conv.port_b
                } else {
                    conv.port_a
                };
                let ctx = ParserCtx {
                    keys: &keys,
                    server_port,
                };
                c.state = State::Parsing {
                    parser: make_parser(proto, &ctx),
                    client,
                };
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
        packets: &Packets,
    ) -> AppsResult {
        reasm.finish(&mut |ev| {
            let flow = flow_of(&ev);
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
        // The parsers' state goes before the sort's scratch comes (wasm memory keeps
        // its peak).
        self.convs = Vec::new();
        self.interner = Interner::default();
        self.scratch = Vec::new();
        let mut transactions = std::mem::take(&mut self.transactions);
        // Kept for the capture's life: give back the last block's spare room, first.
        transactions.shrink_to_fit();
        sort_by_first_packet(&mut transactions);
        let mut protos = std::mem::take(&mut self.retired_protos);
        protos.resize(conversations.len(), None);
        let mut clients = std::mem::take(&mut self.retired_clients);
        clients.resize(conversations.len(), None);
        let mut inner = std::mem::take(&mut self.retired_inner);
        inner.resize(conversations.len(), None);
        let memcache_commands = self.memcache_command_index(conversations.len());
        let mut pdus = std::mem::take(&mut self.pdus);
        // Reassembly hands bytes on when their holes fill: a PDU may come after those of
        // later packets. Stable: a packet's PDUs stay in stream order.
        pdus.sort_by_key(|p| p.packet);
        let mut tls_switches = std::mem::take(&mut self.tls_switches);
        tls_switches.sort_unstable_by_key(|s| s.conv);
        AppsResult {
            transactions,
            protos,
            clients,
            inner,
            pdus,
            tls_switches,
            stats: self.stats,
            memcache_commands,
        }
    }

    /// The memcache commands of the covered conversations, each conversation's in packet
    /// order (the commands of one packet in the order shown).
    fn memcache_command_index(&mut self, conversations: usize) -> CommandIndex {
        let mut covered = std::mem::take(&mut self.memcache_covered);
        if covered.iter().any(|&c| c) {
            covered.resize(conversations, false);
        } else {
            covered = Vec::new();
        }
        // Conversations in the order they ended, each in packet order: what a packet
        // shows comes from its own conversation, so no sort of them all is needed.
        let found = std::mem::take(&mut self.memcache_commands);
        let mut runs = std::mem::take(&mut self.memcache_runs);
        runs.shrink_to_fit();
        let mut stat_lines = std::mem::take(&mut self.memcache_stat_lines);
        stat_lines.shrink_to_fit();
        let mut index = CommandIndex::new(covered, runs, found.into_columns(), stat_lines);
        let mut fields = std::mem::take(&mut self.memcache_fields);
        fields.sort_unstable_by_key(|f| f.conv);
        fields.shrink_to_fit();
        index.fields = fields;
        index
    }
}

/// The conversation of a reassembler's event.
fn flow_of(ev: &StreamEvent<'_>) -> u32 {
    match *ev {
        StreamEvent::Data { conv, .. }
        | StreamEvent::Gap { conv, .. }
        | StreamEvent::End { conv, .. } => conv,
    }
}

/// Sorts transactions by their first packet, keeping the order of equal ones. A stable
/// sort of the transactions themselves takes scratch space for all of them (40 bytes
/// each on wasm32); this sorts (first packet, index) pairs, 8 bytes a transaction, in
/// place, and then moves each transaction into place along the permutation's cycles,
/// reusing the pairs to mark the places done.
fn sort_by_first_packet(ts: &mut Transactions) {
    if ts.iter().is_sorted_by_key(first_packet) {
        return;
    }
    match u32::try_from(ts.len()) {
        // `Extent` keeps packets in 32 bits, and none is u32::MAX.
        Ok(_) => permute::<u32>(ts),
        // Past 2^32 transactions (not in a wasm32 heap): the pairs need 64-bit indices.
        Err(_) => permute::<u64>(ts),
    }
}

/// An index of [`permute`]'s pairs: u32 or u64.
trait PairIndex: Copy + Ord {
    /// Marks a place done (no index or first packet is this).
    const DONE: Self;
    fn of(i: u64) -> Self;
    fn at(self) -> usize;
}

impl PairIndex for u32 {
    const DONE: u32 = u32::MAX;
    fn of(i: u64) -> u32 {
        i.min(u64::from(u32::MAX)) as u32
    }
    fn at(self) -> usize {
        self as usize
    }
}

impl PairIndex for u64 {
    const DONE: u64 = u64::MAX;
    fn of(i: u64) -> u64 {
        i
    }
    fn at(self) -> usize {
        self as usize
    }
}

/// [`sort_by_first_packet`] with pairs of `I`, which holds every index of `ts`.
fn permute<I: PairIndex>(ts: &mut Transactions) {
    let mut order: Vec<[I; 2]> = ts
        .iter()
        .enumerate()
        .map(|(i, t)| [I::of(first_packet(t)), I::of(i as u64)])
        .collect();
    // The pairs are distinct, so an unstable sort of them is stable by first packet.
    order.sort_unstable();
    // Place p receives the transaction now at order[p][1]; DONE marks a place done.
    for start in 0..order.len() {
        let mut p = start;
        while order[p][1] != I::DONE {
            let src = order[p][1].at();
            order[p][1] = I::DONE;
            if src == start {
                break;
            }
            ts.swap(p, src);
            p = src;
        }
    }
}

/// The first packet of a transaction (u64::MAX for none), its order in the capture.
fn first_packet(t: &Transaction) -> u64 {
    t.request.or(t.response).map_or(u64::MAX, |s| s.first())
}

/// The last packet the parsers saw (see `Extent::MAX_PACKETS`).
fn last_at(packets: &Packets) -> At {
    let seen = packets
        .len()
        .min(crate::capture::app::Extent::MAX_PACKETS as usize);
    seen.checked_sub(1)
        .and_then(|i| Some((i, packets.get(i)?)))
        .map_or(At::default(), |(i, p)| At {
            packet: i as u64,
            ts_ns: p.ts_ns,
        })
}

#[cfg(test)]
mod test {
    use super::super::testkit::capture;
    use super::*;
    use crate::capture::app::Detail;
    use crate::capture::Capture;
    use crate::ingest::flow::FlowTable;
    use crate::ingest::wire::{Net, Payload, Tcp};

    fn count(c: &Capture, proto: AppProto) -> usize {
        c.transactions
            .iter()
            .filter(|t| {
                matches!(
                    (&t.detail, proto),
                    (Detail::Http(_), AppProto::Http)
                        | (Detail::Dns(_), AppProto::Dns)
                        | (Detail::Memcache(_), AppProto::Memcache)
                        | (Detail::Redis(_), AppProto::Redis)
                        | (Detail::Mysql(_), AppProto::Mysql)
                        | (Detail::Tls(_), AppProto::Tls)
                )
            })
            .count()
    }

    #[test]
    fn protocols_on_unusual_ports_are_found_by_content() {
        // nginx on 28080, a Python server on 28081: no port says HTTP.
        let c = capture("http.pcap", &[]);
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
        assert_eq!(count(&capture("dns.pcap", &[]), AppProto::Dns), 8);
        // memcached on 21211, Redis on 26379, MariaDB on 23306.
        for (file, proto) in [
            ("memcached.pcap", AppProto::Memcache),
            ("redis.pcap", AppProto::Redis),
            ("mariadb.pcap", AppProto::Mysql),
        ] {
            let c = capture(file, &[]);
            assert!(count(&c, proto) > 10, "{file}: {:?}", c.app_stats);
            assert!(
                c.app_protos.iter().flatten().all(|&p| p == proto),
                "{file}: {:?}",
                c.app_protos
            );
        }
    }

    #[test]
    fn decode_as_overrides_content() {
        let c = capture("http.pcap", &[(L4::Tcp, 28080, None)]);
        assert_eq!(
            count(&c, AppProto::Http),
            5,
            "nginx's 7 transactions are gone"
        );
        let c = capture("dns.pcap", &[(L4::Udp, 25353, None)]);
        assert_eq!(count(&c, AppProto::Dns), 2, "only the TCP ones are left");
        let c = capture("http.pcap", &[(L4::Tcp, 28081, Some(AppProto::Redis))]);
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
                &Packets::new(),
            );
        }
        apps.finish(&mut reasm, &flows.conversations, &Packets::new())
    }

    fn methods(r: &AppsResult) -> Vec<(String, Option<u16>)> {
        r.transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Http(h) => Some((h.method().to_owned(), h.status())),
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

    #[test]
    fn transactions_sort_by_first_packet_stably() {
        let tx = |first: Option<u64>, conv: u32| Transaction {
            conv,
            request: first.map(|packet| crate::capture::app::Extent::new(packet, 0, 0)),
            response: None,
            detail: crate::capture::app::Detail::Memcache(Default::default()),
        };
        let keys = [5, 3, 9, 3, 1, 5, 0, 7, 3, 2];
        let all: Vec<Transaction> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| tx((k != 0).then_some(k), i as u32))
            .chain([tx(Some(4), 10)])
            .collect();
        let mut expected = all.clone();
        expected.sort_by_key(|t| t.request.map_or(u64::MAX, |s| s.first()));
        // Across blocks too: each key many times over.
        let many = Transactions::BLOCK / all.len() + 2;
        let mut expected_many: Vec<Transaction> = Vec::new();
        for t in &expected {
            expected_many.extend(std::iter::repeat_n(t.clone(), many));
        }
        let mut ts: Transactions = all.iter().cloned().collect();
        sort_by_first_packet(&mut ts);
        assert!(ts.iter().eq(expected.iter()));
        let mut ts: Transactions = (0..many).flat_map(|_| all.iter().cloned()).collect();
        assert!(ts.len() > Transactions::BLOCK);
        sort_by_first_packet(&mut ts);
        let firsts = |v: &mut dyn Iterator<Item = &Transaction>| -> Vec<u64> {
            v.map(first_packet).collect()
        };
        assert_eq!(firsts(&mut ts.iter()), firsts(&mut expected_many.iter()));
        // Stable: equal first packets keep their order of arrival (here by `conv`).
        let mut by_arrival: Vec<(u64, u32)> = Vec::new();
        for _ in 0..many {
            by_arrival.extend(all.iter().map(|t| (first_packet(t), t.conv)));
        }
        by_arrival.sort_by_key(|&(f, _)| f);
        assert!(ts.iter().map(|t| (first_packet(t), t.conv)).eq(by_arrival));
    }

    #[test]
    fn transactions_are_kept_in_order_near_the_end_and_sorted_at_the_end_otherwise() {
        let tx = |first: u64, conv: u32| Transaction {
            conv,
            request: Some(crate::capture::app::Extent::new(first, first, 0)),
            response: None,
            detail: crate::capture::app::Detail::Memcache(Default::default()),
        };
        // Keys a little out of order (each within IN_ORDER_BACK of its place), with
        // equal ones; then one far back.
        let near: Vec<u64> = (0..2000u64).map(|i| i + (i * 7919) % 50).collect();
        for far in [false, true] {
            let mut apps = Apps::new();
            let mut all: Vec<Transaction> = Vec::new();
            for (i, &k) in near.iter().enumerate() {
                all.push(tx(k, i as u32));
                if far && i == 1500 {
                    all.push(tx(3, u32::MAX));
                }
            }
            for t in all.iter().cloned() {
                apps.keep(t);
            }
            assert_eq!(apps.unsorted, far);
            assert_eq!(
                apps.transactions.iter().is_sorted_by_key(first_packet),
                !far
            );
            let mut expected = all;
            expected.sort_by_key(first_packet);
            let ts = apps
                .finish(&mut Reassembler::new(), &[], &Packets::default())
                .transactions;
            assert!(ts.iter().eq(expected.iter()));
        }
    }
}
