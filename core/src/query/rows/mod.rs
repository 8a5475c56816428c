//! The packet list: one row per packet with the columns Wireshark shows by default (No.,
//! Time, Source, Destination, Protocol, Length, Info) and custom columns of any field.
//! The CLI's `wirelens list` and the page's packet list both ask this query.

mod app;
mod colour;
mod framed;
mod headers;
mod tcp;
mod udp;
mod wlan;

pub use colour::Rule;
pub use headers::{columns, info, protocol_name, Columns};

use crate::capture::app::AppProto;
use crate::capture::flow::L4;
use crate::capture::packet::{PacketRow, Reader};
use crate::capture::tcp::Kind;
use crate::capture::Capture;
use crate::ingest::wire::{self, Layers, Link, Net, Proto, StopReason, Transport};
use crate::query::detail::{Apps, DetailValues, HeadSays, LineShown, Pdu};
use crate::query::fields::{self, civil_from_days, Fid, FieldCtx, PacketSource, Value};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

/// One row of the packet list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Frame number (1-based).
    pub number: u64,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Seconds since the first packet, with 6 decimals (Wireshark's Time column).
    pub time: String,
    /// Date and time of day in UTC (`tshark -t ud`).
    pub abs_time: String,
    /// Seconds since the packet shown before it (`tshark -t dd`).
    pub delta_time: String,
    /// Source address (IP, else MAC).
    pub src: String,
    /// Destination address.
    pub dst: String,
    /// Protocol column.
    pub protocol: String,
    /// Length on the wire.
    pub length: u32,
    /// Info column.
    pub info: String,
    /// The custom columns' values (several occurrences joined by `,`).
    pub custom: Vec<String>,
    /// The first of Wireshark's default colouring rules the packet matches.
    pub colour: Option<Rule>,
}

/// The rows of a capture's packet list, with custom columns.
///
/// Protocol and Info are those of the highest layer dissected, as Wireshark shows them:
/// an application PDU in the packet that completes it, `[TCP segment of a reassembled
/// PDU]` in the packets that carry the rest of it. The application layer needs the
/// earlier packets of its conversation: ask for rows in order (they are fed as they
/// go), or from a source that can read the conversation's earlier packets.
pub struct Rows<'c> {
    capture: &'c Capture,
    custom: Vec<Fid>,
    /// Whether the custom columns read some packets' detail ([`fields::reads_detail`]).
    custom_detail: bool,
    values: Vec<Value>,
    layers: Layers,
    apps: Apps,
    /// Echo requests shown so far, by (source, destination, identifier, sequence), for
    /// the `(request in N)` of their replies.
    echoes: HashMap<(IpAddr, IpAddr, u16, u16), u64>,
    index: RowIndex,
    /// Segments inside a long PDU are shown from its head ([`Rows::wanted`]).
    heads: bool,
    /// The source holds only the packets [`Rows::wanted`] names ([`Rows::sparse`]).
    sparse: bool,
    /// Rows made from a PDU's head whose head could not say the row ([`Rows::missed`]).
    missed: Vec<usize>,
    /// The packet index's rows, read with the block asked last kept decoded: rows are
    /// asked in order, and each looks its packet up several times (`Packets::at`
    /// decodes its block from the start each time: 30% of `wirelens list`'s CPU).
    packets: Reader<'c>,
}

/// What rows look up across the whole capture, each part built when a row first needs
/// it. Building it reads every packet row and transaction: a caller that asks for rows a
/// screen at a time keeps it between queries of the same capture ([`Rows::with_index`],
/// [`Rows::into_index`]), else each screen of a capture of millions of packets would
/// wait for it.
#[derive(Default)]
pub struct RowIndex {
    /// The first packet of each conversation each way (`u32::MAX`: none).
    firsts: Option<std::rc::Rc<[[u32; 2]]>>,
    /// The requests' and responses' packet spans of the application conversations rows
    /// were asked of (see [`Spans`]), each made from its own transactions.
    spans: Option<HashMap<u32, Spans>>,
    /// HTTP/2 streams' first HEADERS frames and transactions.
    streams: Option<framed::Streams>,
    /// What the application layer looks up across the capture (where a conversation's
    /// replay may start).
    apps: Option<std::rc::Rc<crate::query::detail::Index>>,
}

impl RowIndex {
    /// Takes what the application layer looks up across the capture (`index`, of the
    /// capture the rows are asked of), gathered beforehand (the page's worker gathers it
    /// in idle time after an open), and the first packets each way it holds, unless
    /// this index has them already.
    pub fn share(&mut self, index: std::rc::Rc<crate::query::detail::Index>) {
        self.firsts.get_or_insert_with(|| index.firsts());
        self.apps.get_or_insert(index);
    }
}

/// A conversation's request and response spans as (first packet, the largest last packet
/// of this span and every span before it), sorted by first packet: the earliest span that
/// holds a packet is found by two binary searches instead of a scan of every transaction.
#[derive(Default)]
struct Spans(Vec<(u64, u64)>);

impl Spans {
    /// The spans of the transactions `tx` (indices into the capture's).
    fn of(capture: &Capture, tx: &[u32]) -> Spans {
        let mut v: Vec<(u64, u64)> = tx
            .iter()
            .filter_map(|&t| capture.transactions.get(t as usize))
            .flat_map(|t| [t.request, t.response])
            .flatten()
            .map(|s| (s.first(), s.last()))
            .collect();
        v.sort_unstable();
        let mut reach = 0;
        for (_, last) in v.iter_mut() {
            reach = reach.max(*last);
            *last = reach;
        }
        Spans(v)
    }

    /// The first packet of the earliest span holding packet `i`.
    fn start_of(&self, i: u64) -> Option<u64> {
        let starts_before = self.0.partition_point(|&(first, _)| first <= i);
        let reaching = self.0.partition_point(|&(_, last)| last < i);
        (reaching < starts_before).then(|| self.0[reaching].0)
    }
}

impl<'c> Rows<'c> {
    /// The rows of `capture`, with no custom column.
    pub fn new(capture: &'c Capture) -> Self {
        Rows {
            capture,
            custom: Vec::new(),
            custom_detail: false,
            values: Vec::new(),
            layers: Layers::default(),
            apps: Apps::new(),
            echoes: HashMap::new(),
            index: RowIndex::default(),
            heads: true,
            sparse: false,
            missed: Vec::new(),
            packets: capture.packets.reader(),
        }
    }

    /// Rows made from a source that holds only the packets [`Rows::wanted`] (or
    /// [`Rows::wanted_page`]) names, as the page's worker reads them, rather than every
    /// packet: a conversation's replay starts afresh where those packets start, and a
    /// segment inside a long PDU is shown from its head whatever the order.
    pub fn sparse(mut self) -> Self {
        self.sparse = true;
        self
    }

    /// Reads every earlier packet of a PDU for a segment inside it, as before segments
    /// were shown from the PDU's head (the benchmark compares the two).
    pub fn read_whole_pdus(mut self) -> Self {
        self.heads = false;
        self
    }

    /// Uses `index`, kept from an earlier query of the same capture.
    pub fn with_index(mut self, mut index: RowIndex) -> Self {
        if let Some(apps) = index.apps.take() {
            self.apps = Apps::with_index(apps);
        }
        self.index = index;
        self
    }

    /// What this query built of the capture's [`RowIndex`], for the next one.
    pub fn into_index(mut self) -> RowIndex {
        self.index.apps = self.apps.shared_index();
        self.index
    }

    /// Adds custom columns, one per field.
    pub fn with_custom(mut self, columns: &[Fid]) -> Self {
        self.custom = columns.to_vec();
        self.custom_detail = fields::reads_detail(self.capture, columns);
        self
    }

    /// The packets whose bytes the row of packet `index` reads besides its own, for a
    /// source that reads only what it is told: for a TCP segment, the first packet of its
    /// conversation each way (its relative sequence numbers and window scale count from
    /// there); in an application conversation, its earlier packets back to the start of
    /// the requests and responses the packet is part of (the ingest's transactions say
    /// where they start; from the conversation's first packet where its protocol keeps
    /// state from one PDU to the next), at most [`Rows::MAX_WANTED`]. A segment inside a long
    /// HTTP message or memcached value, or the one that completes it, needs none of the
    /// bytes between: only the message's first segments, which say where its PDU ends
    /// (and all the row shows of it), and those that prove the message starts afresh
    /// (`Apps::segment_reads`); those are asked for instead when they weigh less. Rows
    /// asked for in order read the same packets as they go.
    pub fn wanted(&mut self, index: usize) -> Vec<usize> {
        let (mut out, back, heads) = self.choices(index);
        let c = self.capture;
        let size = |v: &[usize]| -> u64 {
            let mut rows = c.packets.reader();
            v.iter().map(|&i| u64::from(rows.at(i).caplen)).sum()
        };
        match heads {
            Some(reads) if size(&reads) < size(&back) => {
                out.extend(reads.into_iter().filter(|&i| i != index));
            }
            _ => out.extend(back),
        }
        out
    }

    /// The packets the row of packet `index` reads besides its own when its PDU's head
    /// cannot say it ([`Rows::missed`]): the segments back to the start of its request
    /// or response.
    pub fn wanted_back(&mut self, index: usize) -> Vec<usize> {
        let (mut out, back, _) = self.choices(index);
        out.extend(back);
        out
    }

    /// The rows made so far, of a source that held a long PDU's head where they needed
    /// the segments back to its start ([`Rows::wanted`] chose the head, which then did
    /// not say the row: an HTTP body running to the end of the connection, a message
    /// whose start was not proven): they are to be made again from the packets
    /// [`Rows::wanted_back`] names.
    pub fn missed(&self) -> &[usize] {
        &self.missed
    }

    /// Whether the row of packet `index` was to be made from its PDU's head and the
    /// packets back to its start are not at hand in `src`.
    fn back_unread(&mut self, index: usize, src: &mut dyn PacketSource) -> bool {
        let c = self.capture;
        let Some(reads) = self.apps.segment_reads(c, index) else {
            return false;
        };
        let (_, back, _) = self.choices(index);
        let Some(&j) = back.iter().rev().find(|j| reads.binary_search(j).is_err()) else {
            return false;
        };
        !src.read(j, &c.packets.at(j), &mut Vec::new())
    }

    /// The packets the rows of `page` read, theirs included, sorted: [`Rows::wanted`] of
    /// each, where a segment inside a long PDU takes whichever of its PDU's head and the
    /// segments back to its start adds fewer bytes to what the rows before it read; or,
    /// when that weighs less, every row's segments back (consecutive rows of one PDU share
    /// them: on a capture with 64 KB segments a few of them may weigh less than a head's
    /// proofs).
    pub fn wanted_page(&mut self, page: &[usize]) -> Vec<usize> {
        let c = self.capture;
        let mut rows = c.packets.reader();
        let mut size = |v: &std::collections::HashSet<usize>| -> u64 {
            v.iter().map(|&j| u64::from(rows.at(j).caplen)).sum()
        };
        let mut backs: std::collections::HashSet<usize> = page.iter().copied().collect();
        let mut heads = backs.clone();
        for &i in page {
            let (base, back, head) = self.choices(i);
            backs.extend(base.iter().copied());
            backs.extend(back.iter().copied());
            heads.extend(base);
            let Some(head) = head else {
                heads.extend(back);
                continue;
            };
            let added = |v: &[usize]| -> u64 {
                let mut rows = c.packets.reader();
                v.iter()
                    .filter(|j| !heads.contains(j))
                    .map(|&j| u64::from(rows.at(j).caplen))
                    .sum()
            };
            if added(&head) < added(&back) {
                heads.extend(head);
            } else {
                heads.extend(back);
            }
        }
        let set = if size(&heads) < size(&backs) {
            heads
        } else {
            backs
        };
        let mut out: Vec<usize> = set.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// What the row of packet `index` may read besides its own: the packets it needs
    /// whatever it shows (the first of its TCP conversation each way), the segments
    /// back to the start of its request or response, and, for a segment inside a long
    /// PDU, what its head needs instead.
    #[allow(clippy::type_complexity)]
    fn choices(&mut self, index: usize) -> (Vec<usize>, Vec<usize>, Option<Vec<usize>>) {
        let c = self.capture;
        let Some(p) = c.packets.get(index) else {
            return (Vec::new(), Vec::new(), None);
        };
        let mut out = self.tcp_firsts(index);
        if let Some(conv) = c.conversations.get(p.flow as usize) {
            if conv.proto == L4::Tcp && fields::ssh_port([conv.port_a, conv.port_b]).is_some() {
                // An SSH row is worded from its conversation's first segments.
                let first = out.iter().copied().min().unwrap_or(index).min(index);
                let more: Vec<usize> = fields::ssh_segments(c, p.flow, first)
                    .into_iter()
                    .filter(|&i| i != index && !out.contains(&i))
                    .collect();
                out.extend(more);
            }
        }
        if crate::query::detail::fed_as(c, &p).is_none() {
            return (out, Vec::new(), None);
        }
        // A line-based conversation (FTP, SMTP …) is worded from its lines since its
        // start, which say where a STARTTLS switched it to TLS: no PDU's head will do.
        let lines = c
            .app_protos
            .get(p.flow as usize)
            .copied()
            .flatten()
            .is_none();
        if lines {
            out.extend(self.line_ends(index));
        }
        let heads = (self.heads && !lines)
            .then(|| self.apps.segment_reads(c, index))
            .flatten()
            .map(|mut v| {
                v.retain(|&i| i != index);
                v
            });
        let start = match self.apps.replays_from_first(c, index) {
            Some(first) => first,
            None => self.span_start(index),
        };
        let mut back: Vec<usize> = (start..)
            .zip(c.packets.range(start..index))
            .filter(|(_, q)| q.flow == p.flow)
            .map(|(j, _)| j)
            .collect();
        if back.len() > Self::MAX_WANTED {
            // A line-based conversation's first packets say where STARTTLS switched it
            // to TLS (early in it): kept before the nearest.
            let head = if lines { Self::LINE_HEAD } else { 0 };
            back.drain(head..back.len() - (Self::MAX_WANTED - head));
        }
        (out, back, heads)
    }

    /// How many of a line-based conversation's first packets [`Rows::wanted`] keeps
    /// when it cannot ask for every packet back to the first ([`Rows::MAX_WANTED`]).
    pub const LINE_HEAD: usize = 64;

    /// For a segment of an SMTP or IMAP conversation, which gather a line cut over
    /// segments: the next [`Rows::LINE_AHEAD`] segments with payload its way, one of
    /// which ends the line it may begin (the row of a segment inside a line says so).
    fn line_ends(&mut self, index: usize) -> Vec<usize> {
        let c = self.capture;
        let p = self.packets.at(index);
        let gathers = c
            .conversations
            .get(p.flow as usize)
            .and_then(|conv| fields::tcpapps::proto_of([conv.port_a, conv.port_b]))
            .and_then(fields::tcpapps::framing)
            .is_some_and(|f| matches!(f, fields::tcpapps::Framing::Lines(l) if l.gathers()));
        if !gathers {
            return Vec::new();
        }
        // As far as the detail looks for it (`detail::lines`).
        let start = index + 1;
        let end = c.packets.len().min(start + Self::MAX_WANTED);
        (start..)
            .zip(c.packets.range(start.min(end)..end))
            .filter(|(_, q)| q.flow == p.flow && q.dir() == p.dir())
            .filter(|(_, q)| {
                !matches!(q.tcp, crate::capture::packet::TcpHeader::One { len: 0, .. })
            })
            .map(|(j, _)| j)
            .take(Self::LINE_AHEAD)
            .collect()
    }

    /// The most segments after one of an SMTP or IMAP conversation [`Rows::wanted`] asks
    /// for, to find the one that ends a line it begins: a line cut over more shows its
    /// segments' TCP line alone, when the rows are made from those packets only.
    pub const LINE_AHEAD: usize = 8;

    /// The first packet of the earliest request or response of its conversation that
    /// packet `index` is part of (the ingest's transactions say where they start);
    /// `index` itself when none.
    fn span_start(&mut self, index: usize) -> usize {
        self.spans(index)
            .start_of(index as u64)
            .map_or(index, |first| first as usize)
    }

    /// The request and response spans of packet `index`'s conversation.
    fn spans(&mut self, index: usize) -> &Spans {
        let c = self.capture;
        let p = self.packets.at(index);
        // Only this conversation's, from its transactions the application layer's
        // index lists: no pass over every transaction.
        let apps = std::rc::Rc::clone(self.apps.index(c));
        self.index
            .spans
            .get_or_insert_with(HashMap::new)
            .entry(p.flow)
            .or_insert_with(|| Spans::of(c, apps.transactions(p.flow)))
    }

    /// The first packet each way of packet `index`'s TCP conversation.
    fn tcp_firsts(&mut self, index: usize) -> Vec<usize> {
        let c = self.capture;
        let p = self.packets.at(index);
        if c.conversations
            .get(p.flow as usize)
            .is_none_or(|conv| conv.proto != L4::Tcp)
        {
            return Vec::new();
        }
        let firsts = self
            .index
            .firsts
            .get_or_insert_with(|| fields::firsts_each_way(c));
        let firsts: Vec<usize> = firsts[p.flow as usize]
            .into_iter()
            .filter(|&i| i != u32::MAX)
            .map(|i| i as usize)
            .collect();
        // A first packet that completes an IP datagram has its TCP header in the
        // datagram: its other fragments are read too.
        let fragments = firsts
            .iter()
            .filter_map(|&i| c.datagrams.fragments_of(i as u64))
            .flatten()
            .map(|&f| f as usize);
        let mut out: Vec<usize> = firsts.iter().copied().chain(fragments).collect();
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| i != index);
        out
    }

    /// The most earlier packets [`Rows::wanted`] asks for one row.
    pub const MAX_WANTED: usize = 4096;

    /// The row of packet `index` (0-based), its bytes read through `ctx` from `src`.
    /// `prev_ts` is the time of the packet shown before it (its delta time counts from
    /// there), None for the first shown.
    pub fn row(
        &mut self,
        ctx: &mut FieldCtx<'c>,
        index: usize,
        prev_ts: Option<i64>,
        src: &mut dyn PacketSource,
    ) -> Row {
        let capture = self.capture;
        let p = self.packets.at(index);
        if let Some(f) = &self.index.firsts {
            ctx.share_firsts(std::rc::Rc::clone(f));
        }
        ctx.begin(index);
        let mut row = Row {
            number: index as u64 + 1,
            ts_ns: p.ts_ns,
            length: p.len,
            ..Row::default()
        };
        // A packet without a timestamp (a pcapng Simple Packet Block): blank, as tshark.
        if !capture.packet_options(index as u64).untimed {
            row.time = seconds(p.ts_ns - capture.first_ts_ns());
            row.abs_time = utc(p.ts_ns);
            row.delta_time = seconds(p.ts_ns - prev_ts.unwrap_or(p.ts_ns));
        }
        if ctx.load(src) {
            let bytes = ctx.packet_bytes().unwrap_or(&[]).to_vec();
            self.columns(ctx, index, &bytes, src, &mut row);
            let layers = &self.layers;
            row.colour = colour::rule(capture, index, &bytes, &[], layers, &row.protocol);
        } else {
            row.info = "(packet bytes unavailable)".into();
        }
        if !ctx.reads_detail() && self.custom_detail {
            let index = self.index.apps.clone();
            if let Some(reader) = DetailValues::for_fields(capture, index, &self.custom) {
                ctx.set_detail(Box::new(reader));
            }
        }
        for &f in &self.custom {
            self.values.clear();
            ctx.extract(f, 0, src, &mut self.values);
            let mut cell = String::new();
            for (k, v) in self.values.iter().enumerate() {
                if k > 0 {
                    cell.push(',');
                }
                let b = match v {
                    Value::Bytes(s) | Value::Str(s) | Value::Proto(s) => ctx.span(*s, &[]),
                    _ => &[],
                };
                fields::display(f, v, b, &mut cell);
            }
            row.custom.push(cell);
        }
        row
    }
}

impl<'c> Rows<'c> {
    /// An 802.11 frame's columns where no layer above its MAC header names them: its
    /// addresses when no IP layer gives them, and its Protocol and Info when nothing
    /// above it is named (management and control frames, protected data, a truncated
    /// radio header).
    fn wlan(&self, lt: u16, bytes: &[u8], s: &wire::Summary, row: &mut Row) {
        if !matches!(s.link, Link::Ieee80211 | Link::Radiotap | Link::Ppi)
            || matches!(s.net, Net::Ip { .. } | Net::Arp)
        {
            return;
        }
        let frame = self
            .layers
            .of(Proto::Wlan)
            .next()
            .map(|l| l.bytes(bytes, &[]));
        let fcs = wire::wlan::radio_of(lt, bytes).is_some_and(|r| r.fcs);
        let (src, dst, info) = frame.map(|f| wlan::columns(f, fcs)).unwrap_or_default();
        if row.src.is_empty() && row.dst.is_empty() {
            (row.src, row.dst) = (src, dst);
        }
        let named = s.stack.last().is_some_and(|p| {
            p.is_leaf() && p != Proto::Data || matches!(p, Proto::Llc | Proto::Ethertype)
        });
        if !named {
            row.protocol = wlan::PROTOCOL.into();
            row.info = info;
            if let Some(StopReason::Truncated { .. }) = s.stop.map(|s| s.reason) {
                row.info.push_str("[Packet size limited during capture]");
            }
        }
    }

    /// Source, Destination, Protocol and Info of packet `index`, its bytes `bytes`.
    fn columns(
        &mut self,
        ctx: &mut FieldCtx<'c>,
        index: usize,
        bytes: &[u8],
        src: &mut dyn PacketSource,
        row: &mut Row,
    ) {
        let capture = self.capture;
        let p = self.packets.at(index);
        let s = wire::dissect_layers(capture.linktype_of(&p), bytes, usize::MAX, &mut self.layers);
        // A TCP segment's Info is `tcp::info`'s, below.
        let c = Columns::of(&s, !matches!(s.transport, Transport::Tcp(_)));
        (row.src, row.dst) = (c.src, c.dst);
        row.protocol = c.protocol.to_owned();
        row.info = c.info;
        self.wlan(capture.linktype_of(&p), bytes, &s, row);
        if let (Some(m), Net::Ip { src, dst, .. }) = (&s.icmp, s.net) {
            self.echo(m, src, dst, index, row);
        }
        // IGMP, SCTP and EAPOL, when they are the top layer, word their rows from their
        // bytes.
        let top = s
            .stack
            .last()
            .filter(|p| matches!(p, Proto::Igmp | Proto::Sctp | Proto::Eapol));
        let body = top.and_then(|p| self.layers.of(p).last().map(|l| l.bytes(bytes, &[])));
        match (top, body) {
            (Some(Proto::Igmp), Some(b)) => {
                if let Some((protocol, info)) = headers::igmp(b) {
                    row.protocol = protocol.into();
                    row.info = info;
                }
            }
            (Some(Proto::Sctp), Some(b)) => {
                if let Some(info) = headers::sctp(b) {
                    row.info = info;
                }
            }
            (Some(Proto::Eapol), Some(b)) => {
                if let Some(info) = headers::eapol(b) {
                    row.info = info;
                }
            }
            _ => {}
        }
        let Transport::Tcp(t) = s.transport else {
            if let Transport::Udp {
                src_port,
                dst_port,
                payload_len,
            } = s.transport
            {
                // The protocols tshark names by port that we do not parse (DHCP, NTP,
                // SSDP, SIP …).
                let payload = crate::ingest::app::payload_of(&s, bytes, &[]).unwrap_or(&[]);
                let reported = payload_len as usize;
                let tftp = capture
                    .tftp_from(p.flow)
                    .is_some_and(|from| index as u64 >= u64::from(from));
                let named = if tftp {
                    udp::tftp_row(payload)
                } else {
                    udp::row([src_port, dst_port], payload, reported)
                };
                if let Some((protocol, info)) = named {
                    row.protocol = protocol;
                    row.info = info;
                }
                self.application(index, bytes, &s, src, None, row);
            }
            return;
        };
        let header = self
            .layers
            .of(Proto::Tcp)
            .find(|l| !l.quoted && !l.reassembled)
            .map_or(&[][..], |l| l.header(bytes, &[]));
        row.info = tcp::info(ctx, src, capture, index, &t, header);
        if let Some(StopReason::Truncated { .. }) = s.stop.map(|s| s.reason) {
            row.info.push_str("[Packet size limited during capture]");
        }
        let payload = s.payload.map_or(0, |p| p.len);
        if let Some(shown) = ctx.ssh_shown(src) {
            // SSH (port 22): its dissector's state comes from the conversation's first
            // segments (`fields::ssh`).
            let analysis = tcp::analysis(capture, index);
            match shown.info(&analysis) {
                Some(info) => {
                    if let fields::ssh::Shown::Ssh { protocol, .. } = shown {
                        row.protocol = protocol.into();
                    }
                    row.info = info;
                }
                None => row.info.push_str(" [TCP segment of a reassembled PDU]"),
            }
            return;
        }
        let parsed = capture.app_protos.get(p.flow as usize).copied().flatten();
        let lines = parsed
            .is_none()
            .then(|| crate::query::detail::line_shown(ctx, src, index, bytes, &s))
            .flatten();
        if let Some(shown) = lines {
            // FTP, SMTP, POP, IMAP and Telnet (on their ports, when no parser of ours
            // reads the conversation) up to an accepted STARTTLS; the TLS records after
            // it are the application layer's.
            match shown {
                LineShown::Named(protocol, info) => {
                    row.protocol = protocol.into();
                    row.info = tcp::analysis(capture, index) + &info;
                }
                LineShown::Gathered => row.info.push_str(" [TCP segment of a reassembled PDU]"),
                LineShown::Tcp => {}
            }
            return;
        }
        let tcp_line = row.info.clone();
        self.application(index, bytes, &s, src, Some((tcp_line, payload)), row);
    }

    /// packet-icmp.c links an echo reply to the request before it: `(request in N)`.
    /// The ingest noted every request (`Capture::echo_requests`), so a row made alone
    /// names it as the rows made in order do; without that stage, the requests shown
    /// before it.
    fn echo(&mut self, m: &wire::Icmp, src: IpAddr, dst: IpAddr, index: usize, row: &mut Row) {
        let Some((id, seq)) = m.echo else {
            return;
        };
        let (request, reply) = if m.v6 { (128, 129) } else { (8, 0) };
        let noted = self.capture.stages.flows;
        if m.ty == request && !noted {
            self.echoes.insert((src, dst, id, seq), index as u64 + 1);
        } else if m.ty == reply {
            let n = if noted {
                self.capture
                    .echo_request(src, dst, id, seq, index as u64)
                    .map(|i| i + 1)
            } else {
                self.echoes.get(&(dst, src, id, seq)).copied()
            };
            if let Some(n) = n {
                let _ = write!(row.info, " (request in {n})");
            }
        }
    }

    /// The application layer's Protocol and Info, where the packet has one. `tcp`: the
    /// TCP line and the payload bytes captured, for a TCP segment.
    fn application(
        &mut self,
        index: usize,
        bytes: &[u8],
        s: &wire::Summary,
        src: &mut dyn PacketSource,
        tcp: Option<(String, u32)>,
        row: &mut Row,
    ) {
        let capture = self.capture;
        let p = self.packets.at(index);
        // (A line-based conversation is fed as TLS: its records after an accepted
        // STARTTLS.)
        let Some(proto) = crate::query::detail::fed_as(capture, &p) else {
            return;
        };
        // Bytes TCP had seen before go to no dissector: the segment shows its TCP line.
        let resent = [
            Kind::Retransmission,
            Kind::FastRetransmission,
            Kind::SpuriousRetransmission,
            Kind::KeepAlive,
            Kind::ZeroWindowProbe,
        ];
        let flags = capture.tcp_flags_of(index);
        let seen = flags.is_some_and(|f| resent.iter().any(|k| f.contains(*k)));
        // An out-of-order segment goes to no dissector either (packet-tcp.c's
        // `no_subdissector_on_error`, on by default), unless it falls in a PDU being
        // gathered: TCP adds it to that PDU first.
        let out_of_order = flags.is_some_and(|f| f.contains(Kind::OutOfOrder));
        if seen && tcp.is_some() {
            return;
        }
        // Nor does a RST's payload (packet-tcp.c shows it as the reset's cause).
        if matches!(s.transport, Transport::Tcp(t) if t.flags & wire::tcp_flags::RST != 0) {
            return;
        }
        let analysis = if tcp.is_some() {
            tcp::analysis(capture, index)
        } else {
            String::new()
        };
        // HTTP/2 and PostgreSQL, in the clear or inside TLS: from the PDUs the ingest kept.
        let inner = capture.app_inner.get(p.flow as usize).copied().flatten();
        if proto == AppProto::Quic {
            let datagram = crate::ingest::app::payload_of(s, bytes, &[]).unwrap_or(&[]);
            if let Some((protocol, info)) = framed::quic(capture, index as u64, datagram) {
                row.protocol = protocol;
                row.info = info;
            }
            return;
        }
        let framed = match proto {
            AppProto::Http2 | AppProto::Pgsql => true,
            AppProto::Tls => matches!(inner, Some(AppProto::Http2 | AppProto::Pgsql)),
            _ => false,
        };
        if framed {
            let streams = self
                .index
                .streams
                .get_or_insert_with(|| framed::Streams::new(capture));
            if let Some((protocol, info)) = framed::info(capture, streams, index as u64) {
                row.protocol = protocol;
                row.info = analysis + &info;
                return;
            }
            // A PostgreSQL conversation whose SSLRequest was answered `S` (the ingest read
            // a protocol inside) goes on as TLS records.
            let starttls = proto == AppProto::Pgsql && inner.is_some();
            if proto != AppProto::Tls && !starttls {
                // Bytes of a frame or message not complete yet.
                if let Some((tcp_line, _)) = tcp.filter(|t| t.1 > 0) {
                    row.info = tcp_line + " [TCP segment of a reassembled PDU]";
                }
                return;
            }
        }
        if matches!(proto, AppProto::Tls | AppProto::Mysql | AppProto::Pgsql) && inner.is_some() {
            // (MySQL and PostgreSQL: after their SSL requests.) With the capture's secrets
            // the records are opened, as tshark's are with a key log: the packet that
            // completes a PDU inside shows it.
            self.apps.open_tls(capture);
        }
        let alone = self.heads && (self.sparse || !self.apps.in_order(index));
        let mut by_head = false;
        if let Some((tcp_line, _)) = tcp.as_ref().filter(|t| alone && t.1 > 0) {
            // A segment of a long PDU, asked for out of order: inside it, its head alone
            // says what the row shows, as the bytes gathered up to the segment would
            // (below); the segment that completes it is fed after the head, without the
            // bytes between.
            match self.apps.by_head(capture, index, src, app::info_len) {
                Some(HeadSays::Inside(head)) => {
                    let first = app::called_again(proto, &head)
                        .then(|| app::partial(proto, &head, to_server(capture, &p)))
                        .flatten();
                    row.info = match first {
                        Some(text) => analysis + &text,
                        None => tcp_line.clone(),
                    };
                    mark_segment(&mut row.info);
                    return;
                }
                Some(HeadSays::Completes | HeadSays::Follows) => by_head = true,
                None if self.sparse && self.back_unread(index, src) => {
                    self.missed.push(index);
                    return;
                }
                None => {}
            }
        }
        if self.sparse && !by_head {
            // The conversation's packets before the earliest request or response this
            // one is part of were not read ([`Rows::wanted`]): its replay starts there
            // afresh, as a reassembly that picks a stream up, not from its first packet
            // with a hole after it (a hole holds every segment after it back).
            let start = self.span_start(index);
            self.apps.start_fresh(capture, index, start);
        }
        let pdus = self
            .apps
            .pdus(capture, src, index, &p, bytes, s)
            .unwrap_or_default();
        if by_head {
            // Its other direction was not fed: the next row replays from its own start.
            self.apps.forget(capture, index);
        }
        let (inside, pdus): (Vec<Pdu>, Vec<Pdu>) = pdus.into_iter().partition(Pdu::inside_tls);
        let pdus = if inside.is_empty() { pdus } else { inside };
        let port = match s.transport {
            Transport::Udp {
                src_port, dst_port, ..
            } => [5353, 5355]
                .into_iter()
                .find(|p| src_port == *p || dst_port == *p),
            _ => None,
        };
        // HTTP bytes that start no message, before any message of the conversation: the
        // segment keeps its TCP line ([`Apps::http_seen`]).
        let continues = pdus
            .first()
            .is_some_and(|f| f.proto() == AppProto::Http && !app::starts_message(f.bytes()));
        if tcp.is_some() && continues && !self.apps.http_seen(capture, index, &p) {
            return;
        }
        if let Some((mut protocol, info)) = app::complete(&pdus, port) {
            if protocol == "TLSv1.2" {
                let streams = self
                    .index
                    .streams
                    .get_or_insert_with(|| framed::Streams::new(capture));
                if streams.tls13(p.flow, index as u64) {
                    protocol = "TLSv1.3".into();
                }
            }
            row.protocol = protocol;
            row.info = analysis + &info;
            return;
        }
        let Some((tcp_line, payload)) = tcp else {
            return;
        };
        if let Some((pending, before)) = self.apps.pending(index, &p) {
            let first = app::called_again(proto, &pending[..before])
                .then(|| app::partial(proto, pending, to_server(capture, &p)))
                .flatten();
            row.info = match first {
                Some(text) => analysis + &text,
                None => tcp_line,
            };
            mark_segment(&mut row.info);
            return;
        }
        if payload > 0 && self.apps.held(index, &p) {
            row.info = tcp_line + " [TCP segment of a reassembled PDU]";
            return;
        }
        // Payload that starts no PDU: the dissector shows it as a continuation (HTTP's
        // by the rule the detail and the `http` filter share).
        let continues = match proto {
            AppProto::Http => self.apps.http_continuation(capture, index, &p, s, &pdus),
            _ => payload > 0 && !out_of_order,
        };
        if continues {
            if let Some((protocol, info)) = app::continuation(proto) {
                row.protocol = protocol.into();
                row.info = analysis + info;
            }
        }
    }
}

impl Row {
    /// The text of a packet-list column field (`_ws.col.Info` …), None for other fields.
    pub fn column(&self, f: Fid) -> Option<String> {
        Some(match f {
            Fid::ColNumber => self.number.to_string(),
            Fid::ColTime => self.time.clone(),
            Fid::ColSource => self.src.clone(),
            Fid::ColDestination => self.dst.clone(),
            Fid::ColProtocol => self.protocol.clone(),
            Fid::ColLength => self.length.to_string(),
            Fid::ColInfo => self.info.clone(),
            Fid::ColoringRuleName => self.colour.map_or("", Rule::name).to_owned(),
            Fid::ColoringRuleString => self.colour.map_or("", Rule::filter).to_owned(),
            _ => return None,
        })
    }

    /// True for the packet-list column fields (and the colouring rule's).
    pub fn is_column(f: Fid) -> bool {
        (Fid::ColNumber..=Fid::ColoringRuleString).contains(&f)
    }
}

/// Marks a segment TCP holds for a PDU not complete yet, after what its dissector wrote
/// (`col_append_sep_str`: no separator when it wrote nothing).
fn mark_segment(info: &mut String) {
    if !info.is_empty() {
        info.push(' ');
    }
    info.push_str("[TCP segment of a reassembled PDU]");
}

/// True when packet `p` went from the client of its application conversation.
fn to_server(capture: &Capture, p: &PacketRow) -> bool {
    let dir = p.dir();
    let client = capture.client_of(p.flow);
    dir == client
}

/// Seconds with 6 decimals (µs), as Wireshark's Time column: `-0.000001`, `12.345678`.
pub fn seconds(ns: i64) -> String {
    let mut out = String::with_capacity(16);
    if ns < 0 {
        out.push('-');
    }
    let abs = ns.unsigned_abs();
    push_padded(&mut out, abs / 1_000_000_000, 1);
    out.push('.');
    push_padded(&mut out, abs % 1_000_000_000 / 1_000, 6);
    out
}

/// Date and time of day in UTC with µs, as `tshark -t ud`: `2026-12-05 06:49:07.123456`.
pub fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let us = ns.rem_euclid(1_000_000_000) / 1_000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let mut out = String::with_capacity(26);
    let _ = write!(out, "{y:04}");
    for (sep, n, width) in [
        ('-', u64::from(m), 2),
        ('-', u64::from(d), 2),
        (' ', (s / 3600) as u64, 2),
        (':', (s / 60 % 60) as u64, 2),
        (':', (s % 60) as u64, 2),
        ('.', us as u64, 6),
    ] {
        out.push(sep);
        push_padded(&mut out, n, width);
    }
    out
}

/// Appends `n` in decimal, zero-padded to `width` digits (at most 20): every row has
/// three times, and `format!`'s machinery was a tenth of `wirelens list`'s CPU.
fn push_padded(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let from = at.min(digits.len().saturating_sub(width));
    out.extend(digits[from..].iter().map(|&b| char::from(b)));
}

#[cfg(test)]
mod test {
    use super::*;

    /// With the capture's secrets a row names what its TLS records carry, as tshark does
    /// with the key log (`tshark -o tls.keylog_file:tls-kv.keylog`, with an RSA-key
    /// association so that 4.0 hands the plaintext to memcache), whether the rows are
    /// asked for in order (the CLI) or backwards (the page).
    #[test]
    fn rows_inside_tls_name_what_the_records_carry() {
        use crate::ingest::app::testkit;
        use crate::query::fields::MemorySource;
        let c = testkit::capture_with_keys("tls-kv.pcap");
        let path = testkit::path("tests/data/servers/tls-kv.pcap").unwrap();
        let b = std::fs::read(path).unwrap();
        let want = [
            (8, "TLSv1.2", "Client Key Exchange, Change Cipher Spec, Finished"),
            (9, "TLSv1.2", "New Session Ticket, Change Cipher Spec, Finished"),
            (10, "MEMCACHE", "set user:1 0 0 5 noreply"),
            (12, "MEMCACHE", "get user:1"),
            (14, "MEMCACHE", "VALUE user:1 0 5"),
            (21, "TLSv1.2", "[TLS segment of a reassembled PDU]"),
            (30, "MEMCACHE", "VALUE blob 0 40000 END"),
            (33, "TLSv1.2", "Alert (Level: Fatal, Description: Decode Error)"),
            (40, "TLSv1.3", "Server Hello, Change Cipher Spec, Encrypted Extensions, Certificate, Certificate Verify, Finished"),
            (43, "TLSv1.3", "New Session Ticket"),
        ];
        for order in [
            (0..c.packets.len()).collect::<Vec<_>>(),
            (0..c.packets.len()).rev().collect(),
        ] {
            let mut rows = Rows::new(&c);
            let mut ctx = FieldCtx::new(&c);
            let mut src = MemorySource { files: vec![&b] };
            let mut got = HashMap::new();
            for i in order {
                let r = rows.row(&mut ctx, i, None, &mut src);
                got.insert(i + 1, (r.protocol, r.info.trim_end().to_owned()));
            }
            for (frame, protocol, info) in want {
                assert_eq!(
                    got[&frame],
                    (protocol.to_owned(), info.to_owned()),
                    "frame {frame}"
                );
            }
        }
    }

    /// The rows of FTP, SMTP, POP, IMAP and Telnet conversations, and of their TLS
    /// records after an accepted STARTTLS, are tshark's (the columns golden compares
    /// them all) and the same made alone, from only the packets [`Rows::wanted`] names,
    /// as the page makes them.
    #[test]
    fn line_protocol_rows_alone_are_those_in_order() {
        use crate::ingest::app::testkit;
        use crate::query::fields::MemorySource;
        // tshark 4.0 on lines.pcap.
        let want = [
            (5, "FTP", "Request: USER a"),
            (8, "FTP", "Response: word required"),
            (13, "TCP", "[TCP segment of a reassembled PDU]"),
            (17, "TELNET", "Telnet Data ..."),
            (25, "SMTP", "S: 250-mail | OK"),
            (26, "TCP", "41025 → 25 [PSH, ACK] Seq=9 Ack=35 Win=65535 Len=7 [TCP segment of a reassembled PDU]"),
            (27, "SMTP", "C: MAIL FROM:<a@b>"),
            (42, "POP", "S: +OK Begin TLS"),
            (47, "IMAP", "Response: * OK IMAP"),
            (50, "IMAP", "Request: a1 LOGIN a b[Malformed Packet]"),
            (54, "TCP", "[TCP segment of a reassembled PDU]"),
        ];
        for name in ["lines.pcap", "detail.pcap", "rows.pcap"] {
            let path = testkit::path(&format!("tests/data/tcpapps/{name}")).unwrap();
            let bytes = std::fs::read(path).unwrap();
            let c = crate::ingest::ingest_bytes(name, &bytes);
            let mut in_order = Rows::new(&c);
            let mut ctx = FieldCtx::new(&c);
            let mut all = MemorySource {
                files: vec![&bytes],
            };
            let rows: Vec<Row> = (0..c.packets.len())
                .map(|i| in_order.row(&mut ctx, i, None, &mut all))
                .collect();
            if name == "rows.pcap" {
                // A multi-line reply's later segments (tshark 4.0).
                let r = &rows[6];
                assert_eq!(
                    (r.protocol.as_str(), r.info.as_str()),
                    ("POP", "S: DATA fragment, 20 bytes")
                );
            }
            if name == "lines.pcap" {
                for (frame, protocol, info) in want {
                    let r = &rows[frame - 1];
                    assert_eq!((r.protocol.as_str(), r.info.as_str()), (protocol, info));
                }
            }
            for (i, want) in rows.iter().enumerate() {
                let got = row_alone(&c, &bytes, i);
                assert_eq!(
                    (&got.protocol, &got.info),
                    (&want.protocol, &want.info),
                    "{name} frame {}",
                    i + 1
                );
            }
        }
    }

    /// A TLS record of an SMTP conversation too long for [`Rows::wanted`] to name every
    /// packet back to its first, made alone from those it names, is TLS as in order: the
    /// conversation's first packets, where STARTTLS switched it, are among them.
    #[test]
    fn a_long_conversation_after_starttls_alone_is_tls() {
        use crate::query::fields::MemorySource;
        // Ethernet, IPv4 and TCP (PSH, ACK) from 10.0.0.1:40025 to 10.0.0.2:25 or back.
        let segment = |to_server: bool, seq: u32, ack: u32, payload: &[u8]| {
            let (src, dst, sport, dport) = if to_server {
                (1u8, 2u8, 40025u16, 25u16)
            } else {
                (2, 1, 25, 40025)
            };
            let mut f = vec![0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 8, 0];
            f.extend_from_slice(&[0x45, 0]);
            f.extend_from_slice(&(40 + payload.len() as u16).to_be_bytes());
            f.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, src, 10, 0, 0, dst]);
            f.extend_from_slice(&sport.to_be_bytes());
            f.extend_from_slice(&dport.to_be_bytes());
            f.extend_from_slice(&seq.to_be_bytes());
            f.extend_from_slice(&ack.to_be_bytes());
            f.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
            f.extend_from_slice(payload);
            f
        };
        let record = [0x17, 3, 3, 0, 5, 1, 2, 3, 4, 5];
        let mut talk: Vec<(bool, Vec<u8>)> = vec![
            (false, b"220 mail\r\n".to_vec()),
            (true, b"STARTTLS\r\n".to_vec()),
            (false, b"220 go\r\n".to_vec()),
        ];
        talk.extend((0..Rows::MAX_WANTED + 100).map(|_| (true, record.to_vec())));
        let (mut cseq, mut sseq) = (1000u32, 5000u32);
        let frames: Vec<Vec<u8>> = talk
            .iter()
            .map(|(to_server, b)| {
                let (seq, ack) = if *to_server {
                    (cseq, sseq)
                } else {
                    (sseq, cseq)
                };
                let f = segment(*to_server, seq, ack, b);
                if *to_server {
                    cseq += b.len() as u32;
                } else {
                    sseq += b.len() as u32;
                }
                f
            })
            .collect();
        let pcap = pcap_of(&frames);
        let c = crate::ingest::ingest_bytes("made.pcap", &pcap);
        let last = frames.len() - 1;
        let mut in_order = Rows::new(&c);
        let mut ctx = FieldCtx::new(&c);
        let mut all = MemorySource { files: vec![&pcap] };
        let mut want = Row::default();
        for i in 0..=last {
            want = in_order.row(&mut ctx, i, None, &mut all);
        }
        assert_eq!(
            (want.protocol.as_str(), want.info.as_str()),
            ("TLSv1.2", "Application Data")
        );
        let reads = Rows::new(&c).sparse().wanted(last);
        assert!(
            reads.contains(&1) && reads.len() <= Rows::MAX_WANTED + 2,
            "{}",
            reads.len()
        );
        let got = row_alone(&c, &pcap, last);
        assert_eq!((got.protocol, got.info), (want.protocol, want.info));
    }

    /// The row of packet `i` of `c` (whose file is `bytes`) made alone, from only the
    /// packets [`Rows::wanted`] names, as the page's worker makes it.
    pub(super) fn row_alone(c: &Capture, bytes: &[u8], i: usize) -> Row {
        use crate::capture::packet::PacketRow;
        use crate::query::fields::{MemorySource, PacketSource};
        struct Only<'a>(MemorySource<'a>, Vec<usize>);
        impl PacketSource for Only<'_> {
            fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
                self.1.contains(&i) && self.0.read(i, row, buf)
            }
        }
        let mut alone = Rows::new(c).sparse();
        let mut reads = alone.wanted(i);
        reads.push(i);
        let mut only = Only(MemorySource { files: vec![bytes] }, reads);
        alone.row(&mut FieldCtx::new(c), i, None, &mut only)
    }

    /// A little-endian pcap (Ethernet, microseconds) of `frames`.
    fn pcap_of(frames: &[Vec<u8>]) -> Vec<u8> {
        let mut pcap = Vec::new();
        for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
            pcap.extend_from_slice(&v.to_le_bytes());
        }
        pcap[4..8].copy_from_slice(&[2, 0, 4, 0]);
        for (k, f) in frames.iter().enumerate() {
            for v in [1_700_000_000u32, k as u32, f.len() as u32, f.len() as u32] {
                pcap.extend_from_slice(&v.to_le_bytes());
            }
            pcap.extend_from_slice(f);
        }
        pcap
    }

    /// Protocol and Info of the rows, in order, of a pcap of Ethernet `frames`.
    fn rows_of(frames: &[Vec<u8>]) -> Vec<(String, String)> {
        use crate::query::fields::MemorySource;
        let pcap = pcap_of(frames);
        let c = crate::ingest::ingest_bytes("made.pcap", &pcap);
        let mut rows = Rows::new(&c);
        let mut ctx = FieldCtx::new(&c);
        let mut src = MemorySource { files: vec![&pcap] };
        (0..frames.len())
            .map(|i| {
                let r = rows.row(&mut ctx, i, None, &mut src);
                (r.protocol, r.info)
            })
            .collect()
    }

    /// SCTP packets of control chunks read as tshark's (ip-frag.pcap's HEARTBEATs and
    /// the association's set-up, made frames for the others), where they read `SCTP (IP
    /// protocol 132)`; one with a SACK, whose acknowledgment tshark counts from the
    /// association's first TSN, keeps that row.
    #[test]
    fn sctp_control_chunks_are_named() {
        let packet = |chunks: &[&[u8]]| {
            let sctp = [
                &[0x0b, 0x7c, 0x0b, 0x7c, 0, 0, 0, 1, 0, 0, 0, 0][..],
                &chunks.concat(),
            ]
            .concat();
            let mut f = vec![
                0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x11, 0x22, 0x33, 0x44, 0x66, 8, 0,
            ];
            f.extend_from_slice(&[0x45, 0]);
            f.extend_from_slice(&(20 + sctp.len() as u16).to_be_bytes());
            f.extend_from_slice(&[0, 1, 0x40, 0, 64, 132, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
            f.extend_from_slice(&sctp);
            f
        };
        let heartbeat: &[u8] = &[4, 0, 0, 12, 0, 1, 0, 8, 1, 2, 3, 4];
        let cookie_ack: &[u8] = &[11, 0, 0, 4];
        // A three-byte cookie, padded to four.
        let cookie_echo: &[u8] = &[10, 0, 0, 7, 1, 2, 3, 0];
        let sack: &[u8] = &[3, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0x8a, 0x24, 0, 0, 0, 0];
        let got = rows_of(&[
            packet(&[heartbeat]),
            packet(&[cookie_echo, cookie_ack]),
            packet(&[sack]),
        ]);
        let want = [
            ("SCTP", "HEARTBEAT "),
            ("SCTP", "COOKIE_ECHO COOKIE_ACK "),
            ("SCTP", "SCTP (IP protocol 132)"),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1.as_str()), w);
        }
    }

    /// An IGMP membership query's row reads as packet-igmp.c words it (frame 64 of
    /// pcap-parser's wireshark_samples-test.pcapng, an IGMPv2 general query behind a
    /// router alert option, padded to 60 bytes), and as an IGMPv3 query with one group,
    /// where it read `IGMP (IP protocol 2)`.
    #[test]
    fn igmp_queries_are_named_by_version() {
        let frame = |hex: &str| -> Vec<u8> {
            let hex: String = hex.split_whitespace().collect();
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        };
        let v2 = frame(
            "01005e00000158ef68108f6908004600 0020d25240000102d9d9c0a89801e000 \
             0001940400001164ee9b000000000000 000000000000000000000000",
        );
        // The same query as IGMPv3 (RFC 3376 §4.1: 12 bytes, no source), for 239.1.2.3.
        let mut v3 = v2.clone();
        v3[17] += 4;
        v3[38..50].copy_from_slice(&[0x11, 0x64, 0, 0, 239, 1, 2, 3, 0, 0x7d, 0, 0]);
        let got = rows_of(&[v2, v3]);
        assert_eq!(
            got,
            [
                ("IGMPv2".into(), "Membership Query, general".into()),
                (
                    "IGMPv3".into(),
                    "Membership Query, specific for group 239.1.2.3".into()
                ),
            ]
        );
    }

    #[test]
    fn times() {
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(1_234_567_891), "1.234567");
        assert_eq!(seconds(-1_500), "-0.000001");
        assert_eq!(utc(1_764_917_347_123_456_789), "2025-12-05 06:49:07.123456");
        // As `format!` writes them, at the extremes too.
        for ns in [
            i64::MIN,
            i64::MIN + 1,
            -86_400_000_000_001,
            -1,
            1,
            999,
            i64::MAX,
        ] {
            let abs = ns.unsigned_abs();
            let sign = if ns < 0 { "-" } else { "" };
            let (whole, us) = (abs / 1_000_000_000, abs % 1_000_000_000 / 1_000);
            assert_eq!(seconds(ns), format!("{sign}{whole}.{us:06}"));
            let secs = ns.div_euclid(1_000_000_000);
            let us = ns.rem_euclid(1_000_000_000) / 1_000;
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let s = secs.rem_euclid(86_400);
            let (h, min, sec) = (s / 3600, s / 60 % 60, s % 60);
            let want = format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{sec:02}.{us:06}");
            assert_eq!(utc(ns), want);
        }
    }

    /// A conversation's spans made from its own transactions (the application layer's
    /// index lists them) are those a pass over every transaction gathers for it.
    #[test]
    fn spans_of_a_conversation_are_the_passes() {
        let mut compared = 0;
        use crate::ingest::app::testkit;
        let data = testkit::path("tests/data").unwrap();
        for path in testkit::captures_under(&data) {
            let name = path.display();
            let c = crate::ingest::ingest_bytes("c", &std::fs::read(&path).unwrap());
            let mut by_conv: HashMap<u32, Vec<(u64, u64)>> = HashMap::new();
            for t in &c.transactions {
                let v = by_conv.entry(t.conv).or_default();
                v.extend(
                    [t.request, t.response]
                        .into_iter()
                        .flatten()
                        .map(|s| (s.first(), s.last())),
                );
            }
            let index = crate::query::detail::Index::of(&c);
            for (conv, mut v) in by_conv {
                v.sort_unstable();
                let mut reach = 0;
                for (_, last) in v.iter_mut() {
                    reach = reach.max(*last);
                    *last = reach;
                }
                compared += v.len();
                assert_eq!(
                    Spans::of(&c, index.transactions(conv)).0,
                    v,
                    "{name}: conversation {conv}"
                );
            }
        }
        assert!(compared > 500, "{compared}");
    }

    /// The earliest span holding a packet, by binary search, is what a scan of every
    /// span finds: sequential, pipelined (overlapping) and nested spans.
    #[test]
    fn span_search_equals_a_scan() {
        let raw: Vec<(u64, u64)> = vec![
            (0, 3),
            (2, 9),
            (4, 5),
            (11, 11),
            (12, 20),
            (13, 14),
            (30, 31),
        ];
        let mut v = raw.clone();
        v.sort_unstable();
        let mut reach = 0;
        for (_, last) in v.iter_mut() {
            reach = reach.max(*last);
            *last = reach;
        }
        let spans = Spans(v);
        for i in 0..35 {
            let scan = raw
                .iter()
                .filter(|s| s.0 <= i && i <= s.1)
                .map(|s| s.0)
                .min();
            assert_eq!(spans.start_of(i), scan, "packet {i}");
        }
    }
}
