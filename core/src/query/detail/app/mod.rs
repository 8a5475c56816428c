//! Application layers: the tree of each PDU a packet carries or completes.
//!
//! A TCP conversation's bytes are reassembled (the same [`Reassembler`] the ingest uses)
//! and cut into PDUs as Wireshark's dissectors cut them; a PDU is shown in the packet
//! that completes it. A PDU whose bytes all came in one packet points into the frame;
//! one gathered from several segments gets a byte source of its own
//! (`Reassembled TCP (N bytes)`), with `tcp.segments` naming the segments, as tshark
//! shows it. A UDP datagram is one PDU.

mod dns;
pub(crate) mod http;
pub(crate) mod http2;
pub(crate) mod memcache;
mod mysql;
mod pgsql;
mod quic;
mod resp;
mod resume;
mod scope;
pub(crate) mod tls;

pub(crate) use scope::{is_expert, Scope};

use super::lines::starttls::Gate;
use super::{shown_bytes, Detail, Node, Source};
use crate::capture::app::AppProto;
use crate::capture::flow::{Direction, L4};
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::tcp::{bits, Severity};
use crate::capture::Capture;
use crate::ingest::app::tls::keylog::KeyLog;
use crate::ingest::app::{foreign_proto, payload_of};
use crate::ingest::reassembly::{Reassembler, StreamEvent};
use crate::ingest::wire::{self, Summary, Transport};
use crate::query::detail::Index;
use crate::query::fields::{Fid, FieldCtx, PacketSource};
use std::collections::HashMap;
use std::rc::Rc;

pub(super) use quic::bytes_field;

/// Most bytes a direction keeps of a PDU still being gathered; a longer one is given up.
const MAX_PDU: usize = 16 << 20;

/// Where a stream's bytes came from.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    /// Packet index.
    packet: u64,
    /// Offset in that packet's frame, when the bytes are its own payload (not bytes it
    /// released that came earlier).
    frame_off: Option<usize>,
    /// Bytes.
    len: usize,
}

/// One direction of a conversation: bytes not yet cut into PDUs.
#[derive(Default)]
struct Stream {
    buf: Vec<u8>,
    chunks: Vec<Chunk>,
    /// Bytes of the current PDU were lost: skip to the next segment.
    broken: bool,
    /// A hole was given up: segments held past it, which fell inside the PDU being
    /// gathered when they came, go with that PDU (packet-tcp.c added them to it), not
    /// to a new one, until the segment that passed the hole.
    after_hole: bool,
    /// The length of the PDU at the front, once the dissector said it (it is not asked
    /// again as more bytes come, as TCP's reassembly does not ask again).
    want: Option<usize>,
    /// Bytes of the PDU at the front that were not read, between its head (the first
    /// `buf` bytes before them) and its end ([`Apps::by_head`]).
    skipped: usize,
}

/// A PDU ready to show.
pub(crate) struct Pdu {
    // The packet list (`query::rows`) reads these through the accessors below.
    proto: AppProto,
    to_server: bool,
    bytes: Vec<u8>,
    /// Where `bytes[0]` is in the frame, or None when reassembled from `segments`.
    frame_off: Option<usize>,
    /// (frame number, bytes) of each segment, when reassembled.
    segments: Vec<(u64, usize)>,
    /// What a MySQL packet is, and what the conversation had agreed when it came.
    mysql: mysql::Packet,
    /// A TLS record sent after its side's Change Cipher Spec.
    encrypted: bool,
    /// What the session's secrets opened: a record's plaintext, or where a PDU of the
    /// protocol inside lies in it.
    tls: TlsPart,
}

/// What TLS decryption adds to a PDU ([`tls::Decrypt`]).
#[derive(Debug, Default)]
pub(crate) enum TlsPart {
    /// Nothing.
    #[default]
    None,
    /// A TLS record that was opened.
    Record(Box<tls::Opened>),
    /// A PDU of the protocol inside TLS.
    Inner(tls::Plain),
    /// A record not opened, of a session that TLS 1.3's ServerHello chose before it.
    Tls13,
}

/// The application-layer state of one conversation: its TCP streams, and the PDUs
/// completed by packets not yet shown.
#[derive(Default)]
struct Flow {
    reasm: Reassembler,
    streams: HashMap<(u32, Direction), Stream>,
    /// PDUs by the packet that completed them.
    done: HashMap<u64, Vec<Pdu>>,
    /// Where a MySQL conversation stands.
    mysql: HashMap<u32, mysql::Conv>,
    /// The TLS sides that sent their Change Cipher Spec.
    ccs: std::collections::HashSet<(u32, Direction)>,
    /// The server sent a HelloRetryRequest: TLS 1.3, whose Change Cipher Spec is for
    /// middleboxes only (RFC 8446 §D.4), the handshake records after it in the clear.
    hrr: bool,
    /// A TLS conversation's records opened again (with the capture's secrets).
    tls: Option<Box<tls::Decrypt>>,
    /// A MySQL conversation switched to TLS (its SSL request), or a PostgreSQL one (its
    /// SSLRequest answered `S`): records from here on.
    starttls: bool,
    /// A PostgreSQL client sent an SSLRequest: the server's next byte answers it.
    pg_ssl_asked: bool,
    /// The last HTTP request cut was a HEAD: the response to it has no body
    /// (packet-http.c keeps the conversation's request method for that).
    head_request: bool,
    /// What records not opened are named after ([`tls_named`]), once asked.
    tls_named: Option<Option<&'static str>>,
    /// The key exchange of the cipher suite the server chose ([`tls_kex`]), once asked.
    tls_kex: Option<Option<tls::Kex>>,
    /// A line-based conversation (FTP, SMTP, POP, IMAP): its bytes are TLS records
    /// from the frame after the reply that accepted STARTTLS, not fed on before.
    lines: Option<Gate>,
    /// The last packet fed, when it started a TLS record it did not end, and where in
    /// its frame.
    partial: Option<(u64, usize)>,
    /// The next packet to feed.
    next: usize,
}

impl Pdu {
    /// The protocol.
    pub(crate) fn proto(&self) -> AppProto {
        self.proto
    }

    /// Sent by the client.
    pub(crate) fn to_server(&self) -> bool {
        self.to_server
    }

    /// Its bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What a MySQL packet is.
    pub(crate) fn mysql(&self) -> MysqlKind {
        self.mysql.kind
    }

    /// A TLS record sent after its side's Change Cipher Spec.
    pub(crate) fn encrypted(&self) -> bool {
        self.encrypted
    }

    /// A TLS record the capture's secrets opened: its content type inside and its
    /// plaintext.
    pub(crate) fn opened(&self) -> Option<(u8, &[u8])> {
        match &self.tls {
            TlsPart::Record(o) => Some((o.content_type(), o.bytes())),
            _ => None,
        }
    }

    /// A PDU of the protocol inside TLS (read from opened records).
    pub(crate) fn inside_tls(&self) -> bool {
        matches!(self.tls, TlsPart::Inner(_))
    }
}

pub(crate) use mysql::{command_name as mysql_command, Kind as MysqlKind};

/// The application-layer state of the packets fed so far, per conversation.
///
/// Packets asked for in order (the CLI) feed every conversation as they go, the packets
/// not shown included. A packet asked for out of order (the page) replays only its own
/// conversation, from its start or from where that conversation was left.
#[derive(Default)]
pub struct Apps {
    flows: HashMap<u32, Flow>,
    /// The next packet to feed, in order.
    next: usize,
    /// Packets were asked for out of order: each conversation keeps its own place.
    random: bool,
    /// QUIC connections, by conversation.
    quic: HashMap<u32, quic::Conn>,
    /// The capture's TLS secrets, once a packet's detail (not only its row) was asked
    /// for in a capture that has any: TLS records are then opened.
    keys: Option<std::rc::Rc<KeyLog>>,
    /// The capture has no secrets that open a TLS conversation: [`Apps::open_tls`] looked
    /// (once: it is asked at every packet, and looking walks every conversation).
    no_keys: bool,
    /// The bytes of the packet fed last, whose room the next one reuses.
    scratch: Vec<u8>,
    /// What is per capture (shared with other `Apps` of the same capture), gathered
    /// once asked for.
    index: Option<Rc<Index>>,
    /// Per conversation asked for, its messages (None: replayed from its start), for
    /// [`resume`].
    plans: HashMap<u32, Option<resume::Plan>>,
    /// Conversations replayed from later than their start.
    resumed: usize,
    /// Replays always start at a conversation's first packet ([`Apps::replay_whole`]).
    whole: bool,
    /// The conversations fed; the others' packets get no application layer.
    scope: Scope,
    /// When only some conversations are fed: their packets, ascending, gathered once (a
    /// scan keeps up at every packet, and walking every row since the last cost more
    /// than feeding the few of a DNS filter), and how many of them were passed.
    scoped: Option<(Vec<u32>, usize)>,
    /// Shows no HTTP body's items ([`http::Bodies::Skip`]): a reader of fields none of
    /// which is in them (a filter on `http.host` would dechunk, decode and parse every
    /// body for items it never reads).
    no_bodies: bool,
}

/// Packets ahead that are still fed in order rather than by conversation.
const AHEAD: usize = 4096;

/// The room a stream's buffer keeps once empty, at most ([`Stream::cut`]).
const KEEP_ROOM: usize = 64 << 10;

/// A message's first segments [`Apps::by_head`] reads for the length of its PDU.
const HEAD_SEGMENTS: usize = 8;

/// Bytes of a message's first segments [`Apps::segment_reads`] names, at most: a head
/// (an HTTP message's start line and header, a memcached line) rarely takes more, and
/// segments of 64 KiB (TCP segmentation offload) would make 8 of them half a MiB. A
/// head that does take more is not read: its row is made again from the segments back
/// to its start (`Rows::missed`).
const HEAD_BYTES: u32 = 16 << 10;

/// What the head of a PDU says of a segment of it ([`Apps::by_head`]).
pub(crate) enum HeadSays {
    /// The segment carries bytes between the PDU's head and its end: the head's bytes.
    Inside(Vec<u8>),
    /// The segment completes the PDU: its conversation goes on from the PDU's head, the
    /// bytes between not read; feeding the segment next completes it.
    Completes,
    /// The segment starts right where the PDU ends: its conversation goes on from it.
    Follows,
}

/// How many bytes the PDU at the start of `buf` takes: `Some(n)` once it is known (`n`
/// may exceed `buf.len()`: wait for more), `None` when more bytes must come first.
/// `head_request`: an HTTP conversation's last request was a HEAD (its response has no
/// body).
fn pdu_len(proto: AppProto, to_server: bool, head_request: bool, buf: &[u8]) -> Option<usize> {
    match proto {
        AppProto::Http => http::pdu_len(to_server, head_request, buf),
        AppProto::Dns => {
            (buf.len() >= 2).then(|| 2 + u16::from_be_bytes([buf[0], buf[1]]) as usize)
        }
        AppProto::Mysql => {
            (buf.len() >= 4).then(|| 4 + u32::from_le_bytes([buf[0], buf[1], buf[2], 0]) as usize)
        }
        AppProto::Tls => {
            (buf.len() >= 5).then(|| 5 + u16::from_be_bytes([buf[3], buf[4]]) as usize)
        }
        AppProto::Memcache => memcache::pdu_len(buf),
        AppProto::Redis => resp::pdu_len(buf),
        AppProto::Http2 => http2::pdu_len(to_server, buf),
        AppProto::Pgsql => pgsql::pdu_len(to_server, buf),
        // Not shown in the tree yet.
        AppProto::Quic => Some(0),
    }
}

impl Apps {
    /// No state yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// No state yet, with what is per capture gathered beforehand (of the capture its
    /// packets will be asked of): the `Apps` of several conversations share it.
    pub fn with_index(index: Rc<Index>) -> Self {
        Apps {
            index: Some(index),
            ..Self::default()
        }
    }

    /// Feeds only the conversations of `scope` (a reader of some fields needs no other:
    /// [`Scope`]).
    pub(crate) fn scoped(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Shows no HTTP body's items (a reader of fields outside them) until
    /// [`Apps::bodies_for`] asks for them.
    pub(crate) fn without_bodies(mut self) -> Self {
        self.no_bodies = true;
        self
    }

    /// Shows HTTP bodies' items from now on if one of `fields` is in them
    /// ([`http::in_body`]); true when they were not shown before.
    pub(crate) fn bodies_for(&mut self, fields: &[Fid]) -> bool {
        let widen = self.no_bodies && fields.iter().any(|&f| http::in_body(f));
        if widen {
            self.no_bodies = false;
        }
        widen
    }

    /// Feeds the conversations of `scope` too, from now on. Those not fed so far are
    /// then replayed each from its start as its packets are asked for (as when TLS
    /// records start being opened, [`Apps::open_tls`]), from packets `src` may no longer
    /// hold: a reader names its fields beforehand ([`Scope::of_fields`]).
    pub(crate) fn widen(&mut self, scope: Scope) {
        if !self.scope.covers(scope) {
            self.scope = self.scope.union(scope);
            self.scoped = None;
            self.random = true;
        }
    }

    /// Whether row `row`'s conversation is fed (TCP, of the scope).
    fn feeds(&self, capture: &Capture, row: &PacketRow) -> bool {
        fed_as(capture, row).is_some_and(|p| self.scope.holds(p)) && is_tcp(capture, row)
    }

    /// The conversations fed so far.
    #[cfg(test)]
    pub(crate) fn fed(&self) -> impl Iterator<Item = u32> + '_ {
        self.flows.keys().copied()
    }

    /// What is per capture, gathered now if it was not.
    pub(crate) fn index(&mut self, capture: &Capture) -> &Rc<Index> {
        self.index
            .get_or_insert_with(|| Rc::new(Index::of(capture)))
    }

    /// Packet `index`'s conversation's messages, gathered once (None: replayed from its
    /// start).
    fn plan(&mut self, capture: &Capture, flow: u32) -> Option<&resume::Plan> {
        let index = self
            .index
            .get_or_insert_with(|| Rc::new(Index::of(capture)));
        self.plans
            .entry(flow)
            .or_insert_with(|| resume::Plan::of(capture, flow, index))
            .as_ref()
    }

    /// Adds the application layers of packet `index` to `d`, feeding first the packets
    /// before it that were not fed (their bytes read from `src`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn packet(
        &mut self,
        ctx: &mut FieldCtx<'_>,
        src: &mut dyn PacketSource,
        index: usize,
        bytes: &[u8],
        summary: &Summary,
        d: &mut Detail,
        protocols: &mut Vec<&'static str>,
    ) {
        let capture = ctx.capture();
        let Some(row) = ctx.row_of(index) else {
            return;
        };
        if proto_of(capture, &row) == Some(AppProto::Quic) && self.scope.holds(AppProto::Quic) {
            // A QUIC datagram: its coalesced packets, each a layer of its own.
            if let (Transport::Udp { .. }, Some(p)) = (
                summary.transport,
                summary.payload.filter(|p| !p.reassembled && p.len > 0),
            ) {
                let off = p.offset as usize;
                if let Some(datagram) = bytes.get(off..off + p.len as usize) {
                    let conn = self.quic.entry(row.flow).or_default();
                    let up = to_server(capture, &row);
                    quic::show(conn, capture, src, index, datagram, off, up, d, protocols);
                }
                return;
            }
        }
        self.open_tls(capture);
        let Some(pdus) = self.pdus(capture, src, index, &row, bytes, summary) else {
            return;
        };
        // Where the packet's own payload ends (a TLS layer in the frame reaches it).
        let payload = summary.payload.filter(|p| !p.reassembled);
        let payload_end = payload.map(|p| (p.offset + p.len) as usize);
        // Where the segment's payload starts (the TLS dissector's data begins there).
        let payload_start = payload.map_or(0, |p| p.offset as usize);
        if self.http_continuation(capture, index, &row, summary, &pdus) {
            let b = bytes
                .get(payload_start..payload_end.unwrap_or(0))
                .unwrap_or(&[]);
            d.layers.push(http::continuation::layer(b, payload_start));
            protocols.extend(["http", "data"]);
            return;
        }
        // packet-tcp.c shows what no PDU completed here takes (held for a later one) as
        // segment data: from the end of the last PDU this segment ends (its desegment
        // offset) to the end of its payload.
        // Not a RST's (its data is the reset's cause), nor a conversation shown by
        // port (SSH, the line protocols), whose dissectors are not ours.
        let by_port = capture
            .conversations
            .get(row.flow as usize)
            .is_none_or(|c| foreign_proto(L4::Tcp, [c.port_a, c.port_b]).is_some());
        let held = match (summary.transport, payload_end) {
            (Transport::Tcp(t), Some(end)) if !by_port && t.flags & 0x004 == 0 => {
                let number = index as u64 + 1;
                let from = pdus
                    .iter()
                    .filter(|p| !matches!(p.tls, TlsPart::Inner(_)))
                    .fold(payload_start, |at, p| {
                        match (p.frame_off, p.segments.last()) {
                            (Some(off), _) => at.max(off + p.bytes.len()),
                            (None, Some(&(f, l))) if f == number => at.max(payload_start + l),
                            _ => at,
                        }
                    });
                (from < end).then_some(from..end.min(bytes.len()))
            }
            _ => None,
        };
        // The part of the segment that completes a PDU gathered from earlier ones, which
        // desegment_tcp shows as segment data too (before the PDUs that follow it).
        let completing = payload_end.and_then(|end| {
            let number = index as u64 + 1;
            pdus.iter()
                .filter(|p| p.frame_off.is_none() && !matches!(p.tls, TlsPart::Inner(_)))
                .find_map(|p| match p.segments.last() {
                    Some(&(f, l)) if f == number && l > 0 && p.segments.len() > 1 => {
                        Some(payload_start..(payload_start + l).min(end).min(bytes.len()))
                    }
                    _ => None,
                })
        });
        let first = d.layers.len();
        if let Some(tcp) = d.layers.iter_mut().rev().find(|n| n.name == "tcp") {
            if let Some(r) = completing.filter(|r| !r.is_empty()) {
                tcp.push(segment_data(bytes, r, false));
            }
            if let Some(r) = held.filter(|r| !r.is_empty()) {
                let again = tcp.find("tcp.analysis.retransmission").is_some();
                tcp.push(segment_data(bytes, r, again));
            }
        }
        let partial = self
            .flows
            .get(&row.flow)
            .and_then(|f| f.partial)
            .filter(|p| p.0 == index as u64);
        self.show(
            capture,
            (index, &row),
            pdus,
            (payload_start, payload_end),
            d,
            protocols,
        );
        if let (Some((_, off)), Some(end)) = (partial, payload_end) {
            // The record it starts, when no record of the frame's bytes made the layer
            // (its bytes are dissected with the rest, in a later segment).
            if !d.layers[first..]
                .iter()
                .any(|l| l.name == "tls" && l.source == 0)
            {
                let size = end.saturating_sub(off);
                d.layers
                    .push(Node::proto("tls", "Transport Layer Security", off, size));
                if protocols.last() != Some(&"tls") {
                    protocols.push("tls");
                }
            }
        }
        transaction_fields(ctx, src, &mut d.layers[first..]);
    }

    /// Adds to `d` TCP's reassembly items of packet `index` (row `row`) alone, as
    /// [`Apps::packet`] adds them, without dissecting the PDUs it completes: true when
    /// that is all of the application layers that can hold them (a segment not TCP's has
    /// none), false when the conversation may be shown as a protocol named by port (SSH,
    /// the line protocols), whose layers hold items of their own: then build them all.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn segments(
        &mut self,
        capture: &Capture,
        src: &mut dyn PacketSource,
        index: usize,
        row: &PacketRow,
        bytes: &[u8],
        summary: &Summary,
        d: &mut Detail,
    ) -> bool {
        if !matches!(summary.transport, Transport::Tcp(_)) {
            return true;
        }
        let by_port = capture
            .conversations
            .get(row.flow as usize)
            .is_none_or(|c| foreign_proto(L4::Tcp, [c.port_a, c.port_b]).is_some());
        if proto_of(capture, row).is_none() || by_port {
            return false;
        }
        self.open_tls(capture);
        let Some(pdus) = self.pdus(capture, src, index, row, bytes, summary) else {
            return true;
        };
        // Those `show` gives a byte source of their own, in its order (a PDU inside TLS
        // is gathered from records, `tls.segments`).
        let gathered = pdus
            .iter()
            .filter(|p| p.frame_off.is_none() && !matches!(p.tls, TlsPart::Inner(_)));
        for pdu in gathered {
            reassembled(d, Gathered::Tcp, &pdu.segments, &pdu.bytes);
        }
        true
    }

    /// From now on, TLS records are opened with the capture's secrets (when the ingest
    /// found a protocol inside some TLS conversation); conversations fed before start
    /// over.
    pub(crate) fn open_tls(&mut self, capture: &Capture) {
        if self.keys.is_some() || self.no_keys {
            return;
        }
        self.no_keys = !capture.app_inner.iter().any(Option::is_some);
        if !self.no_keys {
            self.keys = Some(std::rc::Rc::new(KeyLog::of_secrets(&capture.secrets)));
            if !self.flows.is_empty() {
                self.flows.clear();
                self.random = true;
            }
        }
    }

    /// Feeds, in order, the packets from the next one not fed up to `index` (not
    /// included), their bytes read from `src`: a scan that asks for the detail of some
    /// packets only calls this for the others as it reads them. Nothing once packets were
    /// asked for out of order.
    pub(crate) fn feed_to(&mut self, capture: &Capture, src: &mut dyn PacketSource, index: usize) {
        // Records are opened from the first packet fed, as the packets' detail opens them:
        // opening them later starts every conversation fed so far over.
        self.open_tls(capture);
        if self.random || index <= self.next {
            return;
        }
        let mut buf = std::mem::take(&mut self.scratch);
        if self.scope.is_narrow() {
            let scope = self.scope;
            let (packets, passed) = self.scoped.get_or_insert_with(|| {
                let fed = (0u32..).zip(capture.packets.iter());
                let mine = fed.filter(|(_, r)| {
                    fed_as(capture, r).is_some_and(|p| scope.holds(p)) && is_tcp(capture, r)
                });
                (mine.map(|(i, _)| i).collect(), 0)
            });
            let (from, to) = (*passed, packets.partition_point(|&i| (i as usize) < index));
            let mine: Vec<usize> = packets[from..to].iter().map(|&i| i as usize).collect();
            *passed = to;
            self.next = index;
            for i in mine {
                let row = capture.packets.at(i);
                if self.flows.get(&row.flow).is_none_or(|f| f.next <= i) {
                    self.feed_from(capture, src, i, &row, &mut buf);
                }
            }
            self.scratch = buf;
            return;
        }
        let from = self.next;
        for (i, row) in (from..).zip(capture.packets.range(from..index)) {
            self.next = i + 1;
            if self.feeds(capture, &row) && self.flows.get(&row.flow).is_none_or(|f| f.next <= i) {
                self.feed_from(capture, src, i, &row, &mut buf);
            }
        }
        self.scratch = buf;
    }

    /// Feeds packet `i` (row `row`), its bytes read from `src` into `buf`.
    fn feed_from(
        &mut self,
        capture: &Capture,
        src: &mut dyn PacketSource,
        i: usize,
        row: &PacketRow,
        buf: &mut Vec<u8>,
    ) {
        if src.read(i, row, buf) {
            let s = wire::dissect(capture.linktype_of(row), buf);
            self.feed(capture, i, row, buf, &s);
        }
    }

    /// The PDUs packet `index` completes (None when it has no application layer), feeding
    /// first the packets before it that were not fed (their bytes read from `src`).
    pub(crate) fn pdus(
        &mut self,
        capture: &Capture,
        src: &mut dyn PacketSource,
        index: usize,
        row: &PacketRow,
        bytes: &[u8],
        summary: &Summary,
    ) -> Option<Vec<Pdu>> {
        if !self.random && index >= self.next && index - self.next <= AHEAD {
            self.feed_to(capture, src, index);
            self.next = index + 1;
        } else {
            self.random = true;
            let f = row.flow;
            if self.feeds(capture, row) {
                let left = self.flows.get(&f).map(|fl| fl.next);
                // Asked for an earlier packet of the conversation, or one far past where
                // it was left: start it over, from a later packet where that is safe.
                if left.is_none_or(|n| index < n || index - n > AHEAD)
                    && self.resume_flow(capture, index, src).is_none()
                    && left.is_some_and(|n| index < n)
                {
                    self.flows.insert(f, Flow::default());
                }
                // A conversation not fed yet starts at its first packet.
                let from = match self.flows.get(&f) {
                    Some(fl) => fl.next,
                    None => self.index(capture).first(f).unwrap_or(index),
                };
                let mut buf = std::mem::take(&mut self.scratch);
                let rows = capture.packets.range(from..index);
                for (i, r) in (from..).zip(rows).filter(|(_, r)| r.flow == f) {
                    self.feed_from(capture, src, i, &r, &mut buf);
                }
                self.scratch = buf;
            }
        }
        let proto = fed_as(capture, row).filter(|&p| self.scope.holds(p))?;
        let pdus = match summary.transport {
            Transport::Tcp(_) => {
                self.feed(capture, index, row, bytes, summary);
                self.flows
                    .get_mut(&row.flow)
                    .and_then(|f| f.done.remove(&(index as u64)))
                    .unwrap_or_default()
            }
            Transport::Udp { .. } => {
                let p = summary.payload.filter(|p| !p.reassembled && p.len > 0)?;
                let off = p.offset as usize;
                let to_server = to_server(capture, row);
                vec![Pdu {
                    proto,
                    to_server,
                    bytes: bytes[off..off + p.len as usize].to_vec(),
                    frame_off: Some(off),
                    segments: Vec::new(),
                    mysql: mysql::Packet::default(),
                    encrypted: false,
                    tls: TlsPart::None,
                }]
            }
            _ => return None,
        };
        Some(pdus)
    }

    /// Starts packet `index`'s conversation over at the latest packet before it where a
    /// replay may start afresh (where its messages prove both directions hold nothing),
    /// when that is later than where the conversation was left (or the packet is before
    /// it): returns that packet. The packets before `index` from there are fed next. `src` need only hold the packets
    /// [`Apps::resume_reads`] names; a start it cannot check is not taken.
    pub fn resume(
        &mut self,
        capture: &Capture,
        index: usize,
        src: &mut dyn PacketSource,
    ) -> Option<usize> {
        self.open_tls(capture);
        self.resume_flow(capture, index, src)
    }

    /// [`Apps::resume`], whether or not TLS records are opened (the packet list opens
    /// them only for the conversations whose records it shows opened).
    fn resume_flow(
        &mut self,
        capture: &Capture,
        index: usize,
        src: &mut dyn PacketSource,
    ) -> Option<usize> {
        let row = capture.packets.get(index)?;
        if self.whole || proto_of(capture, &row).is_none() || !is_tcp(capture, &row) {
            return None;
        }
        self.random = true;
        let f = row.flow;
        let start = self.plan(capture, f)?.start(capture, f, index, src)?;
        let left = self.flows.get(&f).map(|fl| fl.next);
        if left.is_some_and(|n| n <= index && start <= n) {
            // Going on from where it was left reads less.
            return None;
        }
        self.go_on_from(f, start);
        self.resumed += 1;
        Some(start)
    }

    /// The packets [`Apps::resume`] may read for packet `index`: some of its
    /// conversation's packets around its last few messages (at most a few thousand, and a
    /// few MiB).
    pub fn resume_reads(&mut self, capture: &Capture, index: usize) -> Vec<usize> {
        let Some(row) = capture.packets.get(index) else {
            return Vec::new();
        };
        if proto_of(capture, &row).is_none() || !is_tcp(capture, &row) {
            return Vec::new();
        }
        let f = row.flow;
        match self.plan(capture, f) {
            Some(plan) => plan.reads(capture, f, index),
            None => Vec::new(),
        }
    }

    /// The packets [`Apps::by_head`] reads for packet `index` (its own, its
    /// message's first few segments, as far as [`HEAD_BYTES`], and those that prove the
    /// message starts afresh); None when the packet is not inside a message whose head
    /// can say so.
    pub(crate) fn segment_reads(&mut self, capture: &Capture, index: usize) -> Option<Vec<usize>> {
        let (f, first, _) = self.inside(capture, index)?;
        let plan = self.plans.get(&f)?.as_ref()?;
        let mut reads = plan.reads_at(capture, f, index, first);
        let dir = capture.packets.at(index).dir();
        let mut bytes = 0;
        reads.extend(
            (first..)
                .zip(capture.packets.range(first..index))
                .filter(|(_, r)| r.flow == f && r.dir() == dir)
                .take_while(|(_, r)| {
                    let more = bytes < HEAD_BYTES;
                    bytes += r.caplen;
                    more
                })
                .map(|(i, _)| i)
                .take(HEAD_SEGMENTS),
        );
        reads.push(index);
        reads.sort_unstable();
        reads.dedup();
        Some(reads)
    }

    /// When TCP segment `index` carries bytes of a PDU that began in an earlier segment
    /// (an HTTP message or memcached value over many segments), what the first bytes of
    /// that PDU say of it, as far as they say its length: all the packet list shows of a
    /// segment inside it ([`Apps::pending`] would hold the same bytes and more, after a
    /// replay of every segment before it); for the segment that completes it, the
    /// conversation is set to go on from the head, without the bytes between, when
    /// `says` (how many first bytes of a PDU say what the caller shows of it, None: all)
    /// finds them in the head; for a segment that starts right where it ends, from that
    /// segment. `src` need only hold the packets [`Apps::segment_reads`]
    /// names. None when that is not proven: the message's start is not one a replay may
    /// start at afresh (the ingest's messages and the segments say so, as for
    /// [`Apps::resume`]), a packet of the conversation was flagged, or the head does not
    /// say a length the segment reaches into.
    pub(crate) fn by_head(
        &mut self,
        capture: &Capture,
        index: usize,
        src: &mut dyn PacketSource,
        says: fn(AppProto, &[u8]) -> Option<usize>,
    ) -> Option<HeadSays> {
        let (f, first, bytes) = self.inside(capture, index)?;
        let plan = self.plans.get(&f)?.as_ref()?;
        if !plan.starts_at(capture, f, index, first, src) {
            return None;
        }
        let row = capture.packets.at(index);
        let proto = proto_of(capture, &row)?;
        let up = to_server(capture, &row);
        let dir = row.dir();
        let mut buf = Vec::new();
        // Segment `i`'s sequence number and payload, when the reassembly takes them all.
        let mut segment = |i: usize, r: &PacketRow| -> Option<(u32, Vec<u8>)> {
            if !src.read(i, r, &mut buf) {
                return None;
            }
            let s = wire::dissect(capture.linktype_of(r), &buf);
            let Transport::Tcp(t) = s.transport else {
                return None;
            };
            let payload = payload_of(&s, &buf, &[]).unwrap_or(&[]);
            let other = wire::tcp_flags::SYN | wire::tcp_flags::RST | wire::tcp_flags::FIN;
            (payload.len() == t.payload_len as usize && t.flags & other == 0)
                .then(|| (t.seq, payload.to_vec()))
        };
        // The message's first segments in order (no packet of the conversation was
        // flagged: none came again or out of order), until the head says the PDU's
        // length and holds what the row shows of it.
        let mut head = Vec::new();
        let mut start = None;
        let mut len = None;
        // The head holds what the caller shows of a PDU of `len` bytes.
        let shown =
            |head: &[u8], len: usize| says(proto, head).is_some_and(|n| head.len() >= n.min(len));
        // A chunked body's length is known once its last chunk comes (TCP hands the
        // dissector each segment until then): the ingest's message says it.
        let chunked = |head: &[u8]| {
            proto == AppProto::Http
                && http::head_end(head).is_some_and(|h| http::chunked(&head[..h]))
        };
        let mine = (first..)
            .zip(capture.packets.range(first..index))
            .filter(|(_, r)| r.flow == f && r.dir() == dir)
            .take(HEAD_SEGMENTS);
        for (i, r) in mine {
            let (seq, payload) = segment(i, &r)?;
            if payload.is_empty() {
                continue;
            }
            let at = *start.get_or_insert(seq);
            if seq.wrapping_sub(at) as usize != head.len() {
                return None;
            }
            head.extend_from_slice(&payload);
            // A response that a HEAD asked for ends at its head: the ingest's message
            // says so, and such a segment is not inside one.
            len = len.or_else(|| pdu_len(proto, up, false, &head));
            // Its length is known, and more bytes would not make the head say more.
            let known = len.or_else(|| chunked(&head).then_some(usize::MAX));
            if known.is_some_and(|n| shown(&head, n) || says(proto, &head).is_none()) {
                break;
            }
        }
        let len = match len {
            Some(n) => n,
            None if chunked(&head) => usize::try_from(bytes).ok()?,
            None => return None,
        };
        let start = start?;
        let (seq, payload) = segment(index, &row)?;
        let off = seq.wrapping_sub(start) as usize;
        let end = off.checked_add(payload.len())?;
        if off == len && !payload.is_empty() {
            // It starts right where the PDU ended (a memcached `END` after a long value):
            // its conversation goes on from it afresh, as a replay of its own would.
            self.go_on_from(f, index);
            return Some(HeadSays::Follows);
        }
        // Its bytes come after the head's and before the PDU's last or with it; a PDU
        // longer than the detail gathers is given up before.
        if payload.is_empty() || off < head.len() || off >= len || end > MAX_PDU {
            return None;
        }
        if end < len {
            return Some(HeadSays::Inside(head));
        }
        if off > head.len() && !shown(&head, len) {
            // What the row reads of it would be skipped.
            return None;
        }
        let chunks = vec![Chunk {
            packet: first as u64,
            frame_off: None,
            len: head.len(),
        }];
        let stream = Stream {
            skipped: off - head.len(),
            buf: head,
            chunks,
            broken: false,
            after_hole: false,
            want: Some(len),
        };
        self.random = true;
        self.flows.insert(
            f,
            Flow {
                streams: HashMap::from([((f, dir), stream)]),
                next: index,
                ..Flow::default()
            },
        );
        Some(HeadSays::Completes)
    }

    /// Drops what was fed of packet `index`'s conversation: its next packet asked for
    /// replays it from a start of its own.
    pub(crate) fn forget(&mut self, capture: &Capture, index: usize) {
        if let Some(row) = capture.packets.get(index) {
            self.flows.remove(&row.flow);
        }
    }

    /// Packet `index`'s conversation, and the first packet and bytes of the message it
    /// is inside of ([`resume::Plan::inside`]), for a protocol whose PDUs
    /// [`Apps::by_head`] knows.
    fn inside(&mut self, capture: &Capture, index: usize) -> Option<(u32, usize, u64)> {
        let row = capture.packets.get(index)?;
        let proto = proto_of(capture, &row)?;
        let inner = capture.app_inner.get(row.flow as usize).copied().flatten();
        if !matches!(proto, AppProto::Http | AppProto::Memcache)
            || inner.is_some()
            || !is_tcp(capture, &row)
        {
            return None;
        }
        let (first, bytes) = self.plan(capture, row.flow)?.inside(row.dir(), index)?;
        Some((row.flow, first, bytes))
    }

    /// Whether packet `index` would be replayed in order, every packet before it fed
    /// as it comes (the CLI's rows), rather than its conversation alone.
    pub(crate) fn in_order(&self, index: usize) -> bool {
        !self.random && index >= self.next && index - self.next <= AHEAD
    }

    /// Starts packet `index`'s conversation afresh at packet `from`, where its packets
    /// from there on are at hand and those before it are not (the packet list's), unless
    /// it was fed from there on already. Only for the protocols a replay may start
    /// later in ([`resume`]); others keep starting at the conversation's first packet.
    pub(crate) fn start_fresh(&mut self, capture: &Capture, index: usize, from: usize) {
        let Some(row) = capture.packets.get(index) else {
            return;
        };
        if from > index || self.whole || !is_tcp(capture, &row) || proto_of(capture, &row).is_none()
        {
            return;
        }
        let f = row.flow;
        let left = self.flows.get(&f).map(|fl| fl.next);
        if left.is_some_and(|n| from <= n && n <= index) || self.plan(capture, f).is_none() {
            return;
        }
        self.go_on_from(f, from);
    }

    /// Drops what was fed of conversation `f`: its replay starts afresh at packet `next`.
    fn go_on_from(&mut self, f: u32, next: usize) {
        self.random = true;
        self.flows.insert(
            f,
            Flow {
                next,
                ..Flow::default()
            },
        );
    }

    /// The first packet of packet `index`'s conversation when its replay must start
    /// there (its protocol keeps state from one PDU to the next: TLS, MySQL, HTTP/2,
    /// [`resume`]; a line-based conversation's lines say where it switched to TLS);
    /// None when a later start will do or it has no application layer.
    pub(crate) fn replays_from_first(&mut self, capture: &Capture, index: usize) -> Option<usize> {
        let row = capture.packets.get(index)?;
        if !is_tcp(capture, &row) || fed_as(capture, &row).is_none() {
            return None;
        }
        if self.plan(capture, row.flow).is_some() {
            return None;
        }
        self.index(capture).first(row.flow)
    }

    /// What is per capture, if it was gathered, to share with the next `Apps`.
    pub(crate) fn shared_index(&self) -> Option<Rc<Index>> {
        self.index.clone()
    }

    /// Replays every conversation from its first packet, as before later starts were
    /// taken (the benchmark compares the two).
    pub fn replay_whole(&mut self) {
        self.whole = true;
    }

    /// How many conversations were replayed from later than their start.
    #[cfg(test)]
    pub(crate) fn resumed(&self) -> usize {
        self.resumed
    }

    /// The bytes of a PDU not complete yet in the direction packet `index` (row `row`)
    /// went (of a conversation fed up to it), when some are that packet's: then `index` is a segment
    /// of a reassembled PDU. Also how many of the bytes came before that packet.
    pub(crate) fn pending(&self, index: usize, row: &PacketRow) -> Option<(&[u8], usize)> {
        let (_, _, st) = self.side(row)?;
        let mine = st.chunks.iter().any(|c| c.packet == index as u64);
        let before: usize = st
            .chunks
            .iter()
            .filter(|c| c.packet < index as u64)
            .map(|c| c.len)
            .sum();
        (mine && !st.buf.is_empty()).then(|| (&st.buf[..], before))
    }

    /// The conversation of the packet whose row is `row`, and the direction it went with
    /// its stream.
    fn side(&self, row: &PacketRow) -> Option<(&Flow, (u32, Direction), &Stream)> {
        let dir = row.dir();
        let flow = self.flows.get(&row.flow)?;
        Some((flow, (row.flow, dir), flow.streams.get(&(row.flow, dir))?))
    }

    /// Whether packet `index` (row `row`, of a conversation fed up to it) came ahead of a hole in a
    /// direction gathering a PDU: its bytes wait to complete that PDU, as a segment of
    /// it (Wireshark adds a segment to the PDU it falls in whatever its order).
    pub(crate) fn held(&self, index: usize, row: &PacketRow) -> bool {
        self.side(row).is_some_and(|(flow, (conv, dir), st)| {
            !st.buf.is_empty() && flow.reasm.holds(conv, dir, index as u64)
        })
    }

    fn show(
        &mut self,
        capture: &Capture,
        (index, row): (usize, &PacketRow),
        pdus: Vec<Pdu>,
        (payload_start, payload_end): (usize, Option<usize>),
        d: &mut Detail,
        protocols: &mut Vec<&'static str>,
    ) {
        // HTTP/2 frames and PostgreSQL messages: the ingest's PDUs of this packet, in the
        // same order, name what the bytes alone cannot (a HEADERS block's request, the
        // authentication a password message answers).
        let kept_at = capture.pdus.partition_point(|p| p.packet < index as u64);
        let kept = capture.pdus_of(index as u64);
        let mut nth = 0;
        // frame.protocols names a protocol once for the PDUs of one call of its dissector:
        // those in the frame's bytes share one, a reassembled PDU has its own.
        let mut last: Option<(&'static str, u8)> = None;
        // A TLS segment's records come first (one `tls` layer), then the PDUs of the
        // protocol inside that they carried; `opened` are the byte sources of the
        // records' plaintext.
        let mut pdus = pdus;
        pdus.sort_by_key(|p| matches!(p.tls, TlsPart::Inner(_)));
        let mut opened: Vec<u8> = Vec::new();
        for pdu in pdus {
            let mut body = Vec::new();
            let (source, at) = match (&pdu.tls, pdu.frame_off) {
                (TlsPart::Inner(plain), _) => {
                    match tls::inner_source(plain, &pdu.bytes, &opened, d) {
                        Some(s) => s,
                        None => continue,
                    }
                }
                (_, Some(off)) => (0u8, off),
                (_, None) => (reassembled(d, Gathered::Tcp, &pdu.segments, &pdu.bytes), 0),
            };
            for (off, len) in cut_by_tcp(&pdu) {
                pdu_size(d, (source, at + off), &pdu.bytes[off..off + len]);
            }
            let nodes = match pdu.proto {
                AppProto::Http => {
                    body = http::body_protocols(&pdu.bytes);
                    let bodies = if self.no_bodies {
                        http::Bodies::Skip
                    } else {
                        http::Bodies::All(&mut d.sources)
                    };
                    let mut nodes = http::dissect(&pdu.bytes, at, pdu.to_server, bodies);
                    if matches!(pdu.tls, TlsPart::Inner(_)) {
                        tls::https(&mut nodes);
                    }
                    nodes
                }
                AppProto::Dns => {
                    let tcp = pdu.segments.len() > 1 || is_tcp_pdu(&pdu);
                    let conv = capture.conversations.get(row.flow as usize);
                    let flavour = match conv {
                        Some(c) if !tcp && c.proto == crate::capture::flow::L4::Udp => {
                            dns::Flavour::of_udp([c.port_a, c.port_b])
                        }
                        _ => dns::Flavour::Dns,
                    };
                    dns::dissect(&pdu.bytes, at, tcp, flavour)
                }
                AppProto::Mysql => mysql::dissect(&pdu.bytes, at, pdu.mysql),
                AppProto::Tls => {
                    let rec = match &pdu.tls {
                        TlsPart::Record(o) => {
                            let src = d.sources.len() as u8;
                            d.sources.push(Source {
                                name: format!("Decrypted TLS ({} bytes)", o.bytes().len()),
                                bytes: o.bytes().to_vec(),
                            });
                            opened.push(src);
                            let start = if source == 0 { payload_start } else { 0 };
                            tls::opened_record(&pdu.bytes, at, o, (src, start))
                        }
                        part => {
                            let flow = row.flow;
                            let idx = Rc::clone(self.index(capture));
                            let (named, kex) = self
                                .flows
                                .get_mut(&flow)
                                .map(|f| {
                                    let named = *f
                                        .tls_named
                                        .get_or_insert_with(|| tls_named(capture, &idx, flow));
                                    let kex = *f
                                        .tls_kex
                                        .get_or_insert_with(|| tls_kex(capture, &idx, flow));
                                    (named, kex)
                                })
                                .unwrap_or_default();
                            tls::record(
                                &pdu.bytes,
                                at,
                                pdu.encrypted,
                                matches!(part, TlsPart::Tls13),
                                named,
                                kex,
                            )
                        }
                    };
                    let Some(rec) = rec else {
                        continue;
                    };
                    // Records dissected in the frame go into one tls layer, which runs to
                    // the end of the segment; a reassembled one has a layer of its own.
                    if let (0, Some(last)) = (source, d.layers.last_mut()) {
                        if last.name == "tls" && last.source == 0 {
                            last.push(rec);
                            continue;
                        }
                    }
                    let size = match (source, payload_end) {
                        (0, Some(end)) => end.saturating_sub(at),
                        _ => pdu.bytes.len(),
                    };
                    let mut n = Node::proto("tls", "Transport Layer Security", at, size);
                    n.push(rec);
                    vec![n]
                }
                AppProto::Memcache => memcache::dissect(&pdu.bytes, at),
                AppProto::Redis => resp::dissect(&pdu.bytes, at, pdu.to_server),
                AppProto::Http2 | AppProto::Pgsql => {
                    let k = kept.get(nth).filter(|k| k.kind.proto() == pdu.proto);
                    nth += 1;
                    if pdu.proto == AppProto::Pgsql {
                        let name = k.map_or("Unknown", |k| k.pgsql_type_name());
                        pgsql::dissect(&pdu.bytes, at, pdu.to_server, name)
                    } else {
                        let text = k.and_then(|_| http2::headers_text(capture, kept_at + nth - 1));
                        http2::dissect(&pdu.bytes, at, pdu.to_server, text.as_deref())
                    }
                }
                AppProto::Quic => Vec::new(),
            };
            for mut n in nodes {
                n.fill_source(source);
                let name = proto_name(&n.name);
                if let Some(name) = name {
                    // PDUs inside one TLS record's plaintext are one call of the
                    // dissector, as those in the frame's bytes.
                    let shared =
                        source == 0 || matches!(pdu.tls, TlsPart::Inner(tls::Plain::Record { .. }));
                    if last != Some((name, source)) || !shared {
                        protocols.push(name);
                    }
                    last = Some((name, source));
                }
                d.layers.push(n);
            }
            if !body.is_empty() {
                protocols.extend(body);
                last = None;
            }
        }
    }

    /// Feeds one TCP segment (packet `index`, its row `row`) to the reassembly;
    /// completed PDUs go to `done`.
    fn feed(
        &mut self,
        capture: &Capture,
        index: usize,
        row: &PacketRow,
        bytes: &[u8],
        s: &Summary,
    ) {
        let Transport::Tcp(t) = s.transport else {
            return;
        };
        let Some(proto) = fed_as(capture, row) else {
            return;
        };
        let payload = payload_of(s, bytes, &[]).unwrap_or(&[]);
        let payload_off = s
            .payload
            .filter(|p| !p.reassembled)
            .map(|p| p.offset as usize);
        let dir = row.dir();
        let mut client = capture.client_of(row.flow);
        let keys = self.keys.as_deref();
        let no_keys = KeyLog::default();
        let flow = self.flows.entry(row.flow).or_default();
        if proto_of(capture, row).is_none() {
            // A line-based conversation: its line protocol's state, up to the switch.
            if flow.lines.is_none() {
                flow.lines = Gate::of(capture, row);
            }
            if let Some(g) = flow.lines.as_mut() {
                let rst = t.flags & wire::tcp_flags::RST != 0;
                g.segment(capture, index, row, payload, rst);
                client = g.client();
            }
        }
        if matches!(proto, AppProto::Tls | AppProto::Mysql | AppProto::Pgsql) && flow.tls.is_none()
        {
            // Without keys the record layer is still followed: a ServerHello choosing
            // TLS 1.3 names the records after it TLSv1.3, as tshark names them.
            let inner = capture.app_inner.get(row.flow as usize).copied().flatten();
            if keys.is_none() || inner.is_some() {
                flow.tls = Some(Box::new(tls::Decrypt::new(inner)));
            }
        }
        flow.next = index + 1;
        // PDUs completed by packets before this one were not asked for.
        flow.done.retain(|&p, _| p >= index as u64);
        let Flow {
            reasm,
            streams,
            done,
            mysql,
            ccs,
            hrr,
            tls: decrypt,
            starttls,
            pg_ssl_asked,
            lines,
            partial,
            head_request,
            ..
        } = flow;
        // Where the segment's bytes fall on the stream, and the PDU being gathered in
        // its direction (its first byte and its end on the stream, once its length is
        // known).
        let len = payload.len().min(t.payload_len as usize);
        let place = (len > 0).then(|| reasm.place(row.flow, dir, &t)).flatten();
        let gathering = place.and_then(|(_, next)| {
            let st = streams.get(&(row.flow, dir))?;
            let first = next.saturating_sub(st.buf.len() as u64);
            Some((first, first.saturating_add(st.want? as u64)))
        });
        let inside = |start: i64| {
            gathering.is_some_and(|(first, end)| start >= first as i64 && start < end as i64)
        };
        // A segment after a hole (a segment not captured, or one still to come out of
        // order) starts afresh, as Wireshark, which does not reassemble out of order by
        // default, hands it to the dissector as it comes; only one that falls inside the
        // PDU being gathered waits, as a segment of that PDU (Wireshark adds a segment to
        // the multi-segment PDU it falls in whatever its order). `passed`: where the
        // hole is given up to.
        let passed = place
            .filter(|&(start, next)| start > next as i64 && !inside(start))
            .map(|(start, _)| start as u64);
        // A segment the TCP analysis found out of order goes to no dissector
        // (packet-tcp.c's `no_subdissector_on_error`, on by default) unless it falls
        // inside the PDU being gathered: its bytes are not the stream's.
        let out_of_order = len > 0
            && !place.is_some_and(|(start, _)| inside(start))
            && flagged(capture, index, bits::OUT_OF_ORDER);
        // Nor does a RST's data (packet-tcp.c shows it as the reset's cause).
        let reset = t.flags & wire::tcp_flags::RST != 0;
        let payload = if out_of_order || reset {
            &[][..]
        } else {
            payload
        };
        let mut handle = |ev: StreamEvent<'_>| match ev {
            StreamEvent::Data {
                conv,
                dir,
                bytes: data,
                packet,
                ..
            } => {
                let frame_off = match payload_off {
                    Some(off)
                        if packet == index as u64
                            && data.len() <= payload.len()
                            && payload.ends_with(data) =>
                    {
                        Some(off + payload.len() - data.len())
                    }
                    _ => None,
                };
                if lines.as_ref().is_some_and(|g| !g.tls(packet)) {
                    // The line protocol's, in the clear (the `lines` layers).
                    return;
                }
                let st = streams.entry((conv, dir)).or_default();
                if std::mem::take(&mut st.after_hole) && packet != index as u64 {
                    st.after_hole = true;
                    return;
                }
                st.push(data, packet, frame_off);
                if proto == AppProto::Pgsql && *pg_ssl_asked && dir != client {
                    // The server's one-byte answer to the SSLRequest, which
                    // packet-pgsql.c shows as no message: `S` hands the conversation
                    // to TLS (ssl_starttls_ack), `N` goes on in the clear.
                    *pg_ssl_asked = false;
                    *starttls = st.skip_byte() == Some(b'S');
                }
                // MySQL's SSL request, PostgreSQL's accepted one, turn the
                // conversation into TLS.
                let proto = if *starttls { AppProto::Tls } else { proto };
                let from = done.get(&packet).map_or(0, Vec::len);
                st.cut(proto, dir == client, head_request, done);
                if proto == AppProto::Tls {
                    let new = done
                        .get_mut(&packet)
                        .into_iter()
                        .flat_map(|v| v[from..].iter_mut());
                    let mut inner = Vec::new();
                    for pdu in new {
                        pdu.encrypted = ccs.contains(&(conv, dir));
                        match pdu.bytes.first() {
                            Some(20) if !*hrr => {
                                ccs.insert((conv, dir));
                            }
                            Some(22) => {
                                let hs = pdu.bytes.get(5..).unwrap_or(&[]);
                                *hrr |= tls::message_name(hs) == "Hello Retry Request";
                            }
                            _ => {}
                        }
                        if let Some(d) = decrypt.as_mut() {
                            let keys = keys.unwrap_or(&no_keys);
                            let to_server = dir == client;
                            let tls13 = d.tls13();
                            pdu.tls =
                                match d.record(keys, to_server, &pdu.bytes, packet, &mut inner) {
                                    Some(o) => TlsPart::Record(o),
                                    None if tls13 => TlsPart::Tls13,
                                    None => TlsPart::None,
                                };
                        }
                    }
                    if !inner.is_empty() {
                        let state = mysql.entry(conv).or_default();
                        for pdu in inner.iter_mut().filter(|p| p.proto == AppProto::Mysql) {
                            pdu.mysql = state.classify(&pdu.bytes, pdu.to_server);
                        }
                        done.entry(packet).or_default().extend(inner);
                    }
                }
                if proto == AppProto::Mysql {
                    // Classified in stream order, while the conversation's state is
                    // at hand.
                    let state = mysql.entry(conv).or_default();
                    let new = done
                        .get_mut(&packet)
                        .into_iter()
                        .flat_map(|v| v[from..].iter_mut());
                    for pdu in new {
                        pdu.mysql = state.classify(&pdu.bytes, pdu.to_server);
                    }
                    *starttls = state.tls();
                }
                if proto == AppProto::Pgsql && dir == client {
                    *pg_ssl_asked |= done
                        .get(&packet)
                        .is_some_and(|v| v[from..].iter().any(|p| p.bytes == pgsql::SSL_REQUEST));
                }
            }
            StreamEvent::Gap { conv, dir, .. } => {
                // (A line protocol's bytes lost before its switch are no records'.)
                let clear = lines.as_ref().is_some_and(|g| !g.tls(index as u64));
                if let Some(d) = decrypt.as_mut().filter(|_| !clear) {
                    d.gap(dir == client);
                }
                let st = streams.entry((conv, dir)).or_default();
                st.buf.clear();
                st.chunks.clear();
                st.broken = true;
                st.after_hole = true;
                st.want = None;
                st.skipped = 0;
            }
            StreamEvent::End { conv, dir } => {
                // What waits for the end of the stream (an HTTP body with no length)
                // ends with it.
                let st = streams.entry((conv, dir)).or_default();
                st.flush(proto, dir == client, index as u64, done);
            }
        };
        if let Some(start) = passed {
            reasm.give_up(row.flow, dir, start, &mut handle);
        }
        reasm.segment(row.flow, dir, &t, payload, index as u64, &mut handle);
        // A TLS record this segment starts and does not end: packet-tls.c adds its
        // item before it asks TCP for the rest.
        *partial = None;
        if proto == AppProto::Tls || *starttls {
            let first = streams
                .get(&(row.flow, dir))
                .and_then(|st| st.chunks.first());
            if let Some(off) = first
                .filter(|c| c.packet == index as u64)
                .and_then(|c| c.frame_off)
            {
                *partial = Some((index as u64, off));
            }
        }
    }
}

impl Stream {
    /// Takes the first byte off the bytes not cut yet.
    fn skip_byte(&mut self) -> Option<u8> {
        let c = self.chunks.first_mut()?;
        let b = *self.buf.first()?;
        self.buf.remove(0);
        c.len -= 1;
        c.frame_off = c.frame_off.map(|o| o + 1);
        if c.len == 0 {
            self.chunks.remove(0);
        }
        Some(b)
    }

    fn push(&mut self, data: &[u8], packet: u64, frame_off: Option<usize>) {
        if self.broken {
            // Wireshark starts afresh at a segment boundary after a loss.
            self.broken = false;
        }
        if self.buf.len() + self.skipped + data.len() > MAX_PDU {
            self.buf.clear();
            self.chunks.clear();
            self.want = None;
            self.skipped = 0;
            return;
        }
        self.buf.extend_from_slice(data);
        self.chunks.push(Chunk {
            packet,
            frame_off,
            len: data.len(),
        });
    }

    /// Hands on what is left as one PDU, completed by `packet` (the stream ended).
    fn flush(
        &mut self,
        proto: AppProto,
        to_server: bool,
        packet: u64,
        done: &mut HashMap<u64, Vec<Pdu>>,
    ) {
        // A message whose head never ended (an HTTP/0.9 request's one line) stays a
        // head waiting for more: tshark's HTTP dissector is not called again at the end.
        if self.buf.is_empty() || proto != AppProto::Http || http::head_end(&self.buf).is_none() {
            return;
        }
        let n = self.buf.len();
        let bytes = std::mem::take(&mut self.buf);
        let chunks = std::mem::take(&mut self.chunks);
        let pdu =
            if chunks.len() == 1 && chunks[0].packet == packet && chunks[0].frame_off.is_some() {
                Pdu {
                    proto,
                    to_server,
                    bytes,
                    frame_off: chunks[0].frame_off,
                    segments: vec![(chunks[0].packet + 1, n)],
                    mysql: mysql::Packet::default(),
                    encrypted: false,
                    tls: TlsPart::None,
                }
            } else {
                let mut segments: Vec<(u64, usize)> =
                    chunks.iter().map(|c| (c.packet + 1, c.len)).collect();
                if chunks.last().is_some_and(|c| c.packet != packet) {
                    // The segment that ended the stream, with no bytes of its own.
                    segments.push((packet + 1, 0));
                }
                Pdu {
                    proto,
                    to_server,
                    bytes,
                    frame_off: None,
                    segments,
                    mysql: mysql::Packet::default(),
                    encrypted: false,
                    tls: TlsPart::None,
                }
            };
        let last = chunks.last().map_or(packet, |c| c.packet).max(packet);
        done.entry(last).or_default().push(pdu);
    }

    /// Cuts the complete PDUs off the front; `head_request`: the conversation's last
    /// HTTP request was a HEAD ([`Flow::head_request`]), kept up to date.
    fn cut(
        &mut self,
        proto: AppProto,
        to_server: bool,
        head_request: &mut bool,
        done: &mut HashMap<u64, Vec<Pdu>>,
    ) {
        loop {
            if self.buf.is_empty() {
                // The room an earlier large PDU took is not kept: kept in every
                // conversation (ended ones too), it added up over a capture.
                if self.buf.capacity() > KEEP_ROOM {
                    self.buf = Vec::new();
                }
                return;
            }
            let n = match self.want {
                Some(n) => n,
                None => match pdu_len(proto, to_server, *head_request, &self.buf) {
                    Some(n) => n,
                    None => return,
                },
            };
            if n == 0 {
                // Not a PDU start: what was handed is dropped (Wireshark shows it as
                // data or a continuation).
                self.buf.clear();
                self.chunks.clear();
                return;
            }
            if n > self.buf.len() + self.skipped {
                self.want = Some(n);
                return;
            }
            self.want = None;
            // The bytes held of it.
            let n = n - std::mem::take(&mut self.skipped);
            // The chunks the PDU covers.
            let mut left = n;
            let mut covered = Vec::new();
            while left > 0 {
                let c = self.chunks[0];
                if c.len <= left {
                    covered.push(c);
                    left -= c.len;
                    self.chunks.remove(0);
                } else {
                    covered.push(Chunk { len: left, ..c });
                    self.chunks[0] = Chunk {
                        packet: c.packet,
                        frame_off: c.frame_off.map(|o| o + left),
                        len: c.len - left,
                    };
                    left = 0;
                }
            }
            let bytes: Vec<u8> = if n == self.buf.len() {
                std::mem::take(&mut self.buf)
            } else {
                self.buf.drain(..n).collect()
            };
            if proto == AppProto::Http && to_server {
                *head_request = http::is_head(&bytes);
            }
            let last = covered.last().map_or(0, |c| c.packet);
            // Shown at the frame's bytes only when the packet that completes it carried
            // all of it; otherwise as a reassembled PDU.
            let pdu = if covered.len() == 1 && covered[0].frame_off.is_some() {
                Pdu {
                    proto,
                    to_server,
                    bytes,
                    frame_off: covered[0].frame_off,
                    segments: vec![(covered[0].packet + 1, n)],
                    mysql: mysql::Packet::default(),
                    encrypted: false,
                    tls: TlsPart::None,
                }
            } else {
                Pdu {
                    proto,
                    to_server,
                    bytes,
                    frame_off: None,
                    segments: covered.iter().map(|c| (c.packet + 1, c.len)).collect(),
                    mysql: mysql::Packet::default(),
                    encrypted: false,
                    tls: TlsPart::None,
                }
            };
            done.entry(last).or_default().push(pdu);
        }
    }
}

/// What Wireshark computes from a transaction (`http.time`, `http.request_in`,
/// `dns.response_to`, `dns.time`), from the same values the field extractor has, put at
/// the end of the packet's last HTTP or DNS layer.
/// What a PDU was gathered from: TCP segments, or TLS records' plaintext.
#[derive(Clone, Copy)]
pub(super) enum Gathered {
    Tcp,
    Tls,
}

/// Adds the tree naming the pieces ((frame number, bytes) each) a PDU was gathered from
/// (`tcp.segments` or `tls.segments`) and its byte source (`Reassembled TCP (N bytes)`),
/// as tshark shows them; returns the source's index.
pub(super) fn reassembled(
    d: &mut Detail,
    from: Gathered,
    pieces: &[(u64, usize)],
    bytes: &[u8],
) -> u8 {
    let (p, title, segments, length) = match from {
        Gathered::Tcp => ("tcp", "TCP", "Segments", "Reassembled TCP length"),
        Gathered::Tls => ("tls", "TLS", "segments", "Reassembled PDU length"),
    };
    let n = bytes.len();
    let src = d.sources.len() as u8;
    let total: usize = pieces.iter().map(|s| s.1).sum();
    let list = pieces
        .iter()
        .map(|(f, l)| format!("#{f}({l})"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut seg = Node::field(
        format!("{p}.segments"),
        format!(
            "{} Reassembled {title} {segments} ({total} bytes): {list}",
            pieces.len()
        ),
        "",
        0,
        n,
    )
    .none()
    .src(src)
    .gen();
    let mut at = 0usize;
    for (f, l) in pieces {
        let show = if *l == 0 {
            format!("Frame: {f} (no data)")
        } else {
            format!("Frame: {f}, payload: {at}-{} ({l} bytes)", at + l - 1)
        };
        seg.push(
            Node::field(format!("{p}.segment"), show, f.to_string(), at, *l)
                .src(src)
                .gen(),
        );
        at += l;
    }
    let count = pieces.len().to_string();
    seg.push(
        Node::field(
            format!("{p}.segment.count"),
            format!("Segment count: {count}"),
            count,
            0,
            0,
        )
        .src(src)
        .gen(),
    );
    seg.push(
        Node::field(
            format!("{p}.reassembled.length"),
            format!("{length}: {n}"),
            n.to_string(),
            0,
            0,
        )
        .src(src)
        .gen(),
    );
    if matches!(from, Gathered::Tcp) {
        // packet-tcp.c names the reassembled bytes too (TLS's table has no such item).
        seg.push(
            Node::field(
                "tcp.reassembled.data",
                format!("Reassembled TCP Data: {}", shown_bytes(bytes)),
                "",
                0,
                n,
            )
            .show_bytes(bytes)
            .hex_own(bytes)
            .src(src)
            .gen(),
        );
    }
    d.layers.push(seg);
    d.sources.push(Source {
        name: format!("Reassembled {title} ({n} bytes)"),
        bytes: bytes.to_vec(),
    });
    src
}

fn transaction_fields(ctx: &mut FieldCtx<'_>, src: &mut dyn PacketSource, layers: &mut [Node]) {
    use crate::query::fields::{format_rel_time, Fid, Value};
    let Some(n) = layers
        .iter_mut()
        .rev()
        .find(|n| matches!(&*n.name, "http" | "dns" | "mdns" | "llmnr"))
    else {
        return;
    };
    let fields: &[(Fid, &str)] = if n.name == "http" {
        &[
            (Fid::HttpTime, "Time since request"),
            (Fid::HttpRequestIn, "Request in frame"),
        ]
    } else {
        &[
            (Fid::DnsResponseTo, "Request In"),
            (Fid::DnsTime, "Time"),
            (
                Fid::DnsRetransmitRequestIn,
                "Retransmitted request. Original request in",
            ),
            (
                Fid::DnsRetransmitResponseIn,
                "Retransmitted response. Original response in",
            ),
            (Fid::DnsRetransmission, "Retransmission"),
            (Fid::DnsUnsolicited, "Unsolicited"),
        ]
    };
    let mut v = Vec::new();
    for &(f, label) in fields {
        v.clear();
        ctx.extract(f, 0, src, &mut v);
        if let Some(Value::Uint(x)) = v.first() {
            dns_retransmission_expert(n, f, *x);
        }
        let node = match v.first() {
            Some(Value::Bool(b)) => Node::field(
                f.name(),
                format!("{label}: {}", if *b { "True" } else { "False" }),
                u8::from(*b).to_string(),
                n.pos as usize,
                0,
            ),
            Some(Value::Rel(ns)) => {
                let mut t = String::new();
                format_rel_time(*ns, &mut t);
                Node::field(
                    f.name(),
                    format!("{label}: {t} seconds"),
                    t,
                    n.pos as usize,
                    0,
                )
            }
            Some(Value::Uint(x)) => Node::field(
                f.name(),
                format!("{label}: {x}"),
                x.to_string(),
                n.pos as usize,
                0,
            ),
            _ => continue,
        };
        let mut node = node.gen();
        node.source = n.source;
        let at = if n.name == "http" {
            http::end_of_head(n)
        } else {
            n.children.len()
        };
        n.children.insert(at, node);
    }
}

/// packet-dns.c's expert item of a retransmitted query or response (`x`: the frame of
/// the first), under the message's Transaction ID.
fn dns_retransmission_expert(n: &mut Node, f: crate::query::fields::Fid, x: u64) {
    use crate::query::fields::Fid;
    let (field, msg) = match f {
        Fid::DnsRetransmitRequestIn => (
            "dns.retransmit_request",
            format!("DNS query retransmission. Original request in frame {x}"),
        ),
        Fid::DnsRetransmitResponseIn => (
            "dns.retransmit_response",
            format!("DNS response retransmission. Original response in frame {x}"),
        ),
        _ => return,
    };
    if let Some(id) = n.children.iter_mut().find(|c| c.name == "dns.id") {
        id.push(super::expert(
            field,
            &msg,
            Severity::Warning,
            super::Group::Protocol,
        ));
    }
}

fn is_tcp_pdu(p: &Pdu) -> bool {
    !p.segments.is_empty()
}

/// The PDUs (offset in `p`, length) packet-tcp.c's `tcp_dissect_pdus` cut from the stream
/// (or from a TLS record's plaintext) for the protocol's dissector: DNS's, MySQL's,
/// PostgreSQL's and HTTP/2's, the whole PDU; memcached's binary messages, each by the
/// body length in its 24-byte header (memcached's protocol_binary.h), where
/// ours holds a run of them. HTTP, TLS, memcached's text and RESP find their ends
/// themselves: none.
fn cut_by_tcp(p: &Pdu) -> Vec<(usize, usize)> {
    if !is_tcp_pdu(p) && !matches!(p.tls, TlsPart::Inner(_)) {
        return Vec::new();
    }
    match p.proto {
        AppProto::Dns | AppProto::Mysql | AppProto::Pgsql | AppProto::Http2 => {
            vec![(0, p.bytes.len())]
        }
        AppProto::Memcache => {
            let mut out = Vec::new();
            let mut at = 0;
            while let (Some(0x80 | 0x81), Some(body)) = (
                p.bytes.get(at),
                p.bytes
                    .get(at + 8..at + 12)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            ) {
                let len = 24usize.saturating_add(body as usize);
                if at + len > p.bytes.len() {
                    break;
                }
                out.push((at, len));
                at += len;
            }
            out
        }
        _ => Vec::new(),
    }
}

/// `tcp.segment_data` over `bytes[r]` (frame offsets): bytes packet-tcp.c hands no
/// dissector here, `again` when they are a retransmission's.
pub(super) fn segment_data(bytes: &[u8], r: std::ops::Range<usize>, again: bool) -> Node {
    let n = r.len();
    let again = if again { "Retransmitted " } else { "" };
    Node::field(
        "tcp.segment_data",
        format!(
            "{again}TCP segment data ({n} byte{})",
            if n == 1 { "" } else { "s" }
        ),
        "",
        r.start,
        n,
    )
    .show_bytes(&bytes[r.clone()])
    .hex_own(&bytes[r])
}

/// `tcp.pdu.size`: the length of each PDU `tcp_dissect_pdus` hands on, in TCP's layer
/// (where it is in byte source `source`, at `at`) after the payload and before the
/// segment data the frame holds for a later PDU.
fn pdu_size(d: &mut Detail, (source, at): (u8, usize), pdu: &[u8]) {
    let Some(tcp) = d.layers.iter_mut().rev().find(|n| n.name == "tcp") else {
        return;
    };
    let len = pdu.len();
    let n = Node::field(
        "tcp.pdu.size",
        format!("PDU Size: {len}"),
        len.to_string(),
        at,
        len,
    )
    .hex_own(pdu)
    .src(source)
    .gen();
    // Before the segment data after it: a reassembled PDU's (source not the frame) is cut
    // before the segment's part that completed it is shown, one in the frame's bytes
    // after that part and before the bytes held for a later PDU.
    let held = tcp
        .children
        .iter()
        .position(|c| c.name == "tcp.segment_data" && (source != 0 || c.pos as usize >= at));
    tcp.children.insert(held.unwrap_or(tcp.children.len()), n);
}

/// `frame.protocols`'s name of a top-level node.
fn proto_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "http" => "http",
        "dns" => "dns",
        "mdns" => "mdns",
        "llmnr" => "llmnr",
        "mysql" => "mysql",
        "tls" => "tls",
        "memcache" => "memcache",
        "resp" => "resp",
        "http2" => "http2",
        "pgsql" => "pgsql",
        _ => return None,
    })
}

/// The application protocol of a packet's conversation.
fn proto_of(capture: &Capture, row: &PacketRow) -> Option<AppProto> {
    if row.flow == NO_FLOW {
        return None;
    }
    capture.app_protos.get(row.flow as usize).copied().flatten()
}

/// The protocol a packet's conversation is fed as: its application protocol, or TLS
/// for a line-based conversation that may switch to it ([`Gate`]).
pub(crate) fn fed_as(capture: &Capture, row: &PacketRow) -> Option<AppProto> {
    proto_of(capture, row).or_else(|| Gate::of(capture, row).map(|_| AppProto::Tls))
}

/// Whether the TCP analysis flagged packet `index` with any of `flags`.
fn flagged(capture: &Capture, index: usize, flags: u32) -> bool {
    capture
        .tcp_flags_of(index)
        .is_some_and(|f| f.0 & flags != 0)
}

fn is_tcp(capture: &Capture, row: &PacketRow) -> bool {
    capture
        .conversations
        .get(row.flow as usize)
        .is_some_and(|c| c.proto == crate::capture::flow::L4::Tcp)
}

fn to_server(capture: &Capture, row: &PacketRow) -> bool {
    let dir = row.dir();
    let client = capture.client_of(row.flow);
    dir == client
}

/// The key exchange of the cipher suite a TLS conversation's server chose (its first
/// session's), which the key exchange messages are read by.
fn tls_kex(capture: &Capture, index: &Index, flow: u32) -> Option<tls::Kex> {
    index
        .transactions(flow)
        .iter()
        .filter_map(|&t| capture.transactions.get(t as usize))
        .find_map(|t| match &t.detail {
            crate::capture::app::Detail::Tls(s) => s.cipher_suite,
            _ => None,
        })
        .and_then(tls::Kex::of)
}

/// What Wireshark names a TLS conversation's Application Data records after when it
/// cannot open them: the line protocol that handed it on after STARTTLS, the protocol
/// the server's ALPN chose, else HTTP on port 443 (the ALPN names and port
/// packet-http.c, packet-http2.c and packet-spdy.c register with TLS).
fn tls_named(capture: &Capture, index: &Index, flow: u32) -> Option<&'static str> {
    if let Some(row) = index.first(flow).and_then(|i| capture.packets.get(i)) {
        if proto_of(capture, &row).is_none() {
            // After STARTTLS: the line protocol handed on to TLS (`ssl_starttls_ack`).
            if let Some(g) = Gate::of(capture, &row) {
                return Some(g.title());
            }
        }
    }
    let alpn = index
        .transactions(flow)
        .iter()
        .filter_map(|&t| capture.transactions.get(t as usize))
        .find_map(|t| match &t.detail {
            crate::capture::app::Detail::Tls(s) => s.server_alpn.as_deref(),
            _ => None,
        });
    match alpn {
        Some("http/1.1") => Some(tls::long_name(AppProto::Http)),
        Some("h2") => Some(tls::long_name(AppProto::Http2)),
        Some(a) if a.starts_with("spdy/") => Some("SPDY"),
        _ => {
            let c = capture.conversations.get(flow as usize)?;
            (c.port_a == 443 || c.port_b == 443).then(|| tls::long_name(AppProto::Http))
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn pdu(proto: AppProto, bytes: Vec<u8>, segments: Vec<(u64, usize)>) -> Pdu {
        Pdu {
            proto,
            to_server: true,
            bytes,
            frame_off: Some(66),
            segments,
            mysql: mysql::Packet::default(),
            encrypted: false,
            tls: TlsPart::None,
        }
    }

    /// `tcp.pdu.size` as tshark shows it on tests/data/servers/memcached-fields.pcap:
    /// a binary message each, where our PDU holds two; one for a DNS message on TCP;
    /// none for a text command or a DNS message over UDP.
    #[test]
    fn the_pdus_tcp_cuts() {
        let mut run = Vec::new();
        for body in [4u32, 0] {
            let mut m = vec![0x80, 0x0e, 0, 3, 0, 0, 0, 0];
            m.extend_from_slice(&body.to_be_bytes());
            m.extend_from_slice(&[0; 12]);
            m.extend(std::iter::repeat_n(b'x', body as usize));
            run.extend(m);
        }
        let seg = vec![(1, run.len())];
        assert_eq!(
            cut_by_tcp(&pdu(AppProto::Memcache, run.clone(), seg.clone())),
            [(0, 28), (28, 24)]
        );
        // Cut short: the whole messages only.
        assert_eq!(
            cut_by_tcp(&pdu(AppProto::Memcache, run[..40].to_vec(), seg.clone())),
            [(0, 28)]
        );
        let text = b"get a\r\n".to_vec();
        assert!(cut_by_tcp(&pdu(AppProto::Memcache, text, seg.clone())).is_empty());
        assert_eq!(cut_by_tcp(&pdu(AppProto::Dns, vec![0; 30], seg)), [(0, 30)]);
        assert!(cut_by_tcp(&pdu(AppProto::Dns, vec![0; 30], Vec::new())).is_empty());
    }
}
