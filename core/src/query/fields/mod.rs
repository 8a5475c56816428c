//! The field registry and per-packet field extraction.
//!
//! - [`registry`]: every field, its name and type; lookup and suggestions.
//! - [`value`]: values and how `tshark -T fields` prints them.
//! - `index`: what the packet index answers without the packet's bytes.
//! - `headers`: link, network and transport fields at the dissector's layer offsets.
//! - `app`: application fields from the transactions ([`TransactionFields`]).
//! - [`pdu`]: per-PDU application fields (memcached, RESP), dissected packet by packet.
//! - `packet_values`: the values of those two by packet and field, compact ([`PacketValues`]).
//!
//! Every field has Wireshark's name and type (as `tshark -G fields` lists them), so a
//! user's display filters and `-e` columns carry over. Where Wireshark has no field for
//! something Wirelens knows, the name is under `wl.`.
//!
//! Extraction answers from the packet index when it can (frame numbers, times, lengths,
//! stream numbers, and the addresses and ports of packets that belong to a TCP or UDP
//! conversation) and otherwise asks a [`PacketSource`] for the packet's bytes, dissects
//! them again with the one dissector ([`wire::dissect_layers`]) and reads the fields at
//! the layer offsets it records. Fields of application protocols come from a [`FieldProvider`]
//! that the app-layer parsers plug in; until then they are declared (filters on them
//! compile) and have no values.

mod app;
pub(crate) mod datagram;
mod frames;
pub(crate) mod headers;
mod index;
mod packet_values;
pub mod pdu;
mod quic;
pub mod registry;
pub mod ssh;
pub mod tcpapps;
pub(crate) mod udp;
pub mod value;
pub mod value_strings;

pub(crate) use app::{http_holes, http_may_continue};
pub use app::{AppValue, TransactionFields};
use headers::{dissect, TcpFlow};
pub use index::firsts_each_way;
use index::{is_analysis, is_tcp_header_field};
pub use packet_values::{PacketValues, ValueRef};
pub use registry::{
    edit_distance, lookup, suggest, Base, Fid, FieldDef, FieldType, Origin, Status, FIELDS,
};
use value::arena_push;
pub use value::{
    civil_from_days, days_from_civil, display, format_abs_time, format_rel_time, month_number,
    parse_abs_time, parse_seconds, Span, Store, Value,
};

use crate::capture::flow::L4;
use crate::capture::packet::{PacketRow, Reader, TcpHeader, NO_FLOW};
use crate::capture::Capture;
use crate::ingest::wire::{Layers, Proto};
use pdu::Collector;
use std::collections::{HashMap, HashSet};

/// Supplies a packet's captured bytes by its index in the capture (the core has no I/O).
pub trait PacketSource {
    /// Replaces `buf` with the captured bytes of packet `index` (whose row is `row`).
    /// Returns false when they cannot be had; the fields that need them are then absent.
    fn read(&mut self, index: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool;
}

/// A source with no bytes: only what the index answers.
pub struct NoBytes;

impl PacketSource for NoBytes {
    fn read(&mut self, _: usize, _: &PacketRow, _: &mut Vec<u8>) -> bool {
        false
    }
}

/// Captures held in memory, one byte slice per file (tests, benchmarks, small files).
pub struct MemorySource<'a> {
    /// The bytes of each file, indexed like `Capture::files`, uncompressed.
    pub files: Vec<&'a [u8]>,
}

impl PacketSource for MemorySource<'_> {
    fn read(&mut self, _: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        let Some(file) = self.files.get(row.file as usize) else {
            return false;
        };
        let (start, end) = (
            row.offset as usize,
            row.offset as usize + row.caplen as usize,
        );
        let Some(bytes) = file.get(start..end) else {
            return false;
        };
        buf.clear();
        buf.extend_from_slice(bytes);
        true
    }
}

/// How many kinds of packet [`FieldCtx::index_kind`] tells apart.
pub const INDEX_KINDS: usize = 512;

/// Values that fields of application protocols put out for one packet.
pub struct ValueSink<'a> {
    out: &'a mut Vec<Value>,
    arena: &'a mut Vec<u8>,
}

impl ValueSink<'_> {
    /// Adds a value that holds no bytes (numbers, addresses, times).
    pub fn push(&mut self, v: Value) {
        self.out.push(v);
    }

    /// Adds a string (copied into the per-packet arena).
    pub fn push_str(&mut self, s: &str) {
        let span = arena_push(self.arena, s.as_bytes());
        self.out.push(Value::Str(span));
    }

    /// Adds bytes (copied into the per-packet arena).
    pub fn push_bytes(&mut self, b: &[u8]) {
        let span = arena_push(self.arena, b);
        self.out.push(Value::Bytes(span));
    }

    /// Adds a protocol's bytes (copied into the per-packet arena).
    pub fn push_proto(&mut self, b: &[u8]) {
        let span = arena_push(self.arena, b);
        self.out.push(Value::Proto(span));
    }

    /// Adds an owned app-layer value.
    pub fn push_app(&mut self, v: &AppValue) {
        self.push_ref(v.as_value_ref());
    }

    /// Pushes an application value kept borrowed ([`PacketValues`]).
    pub fn push_ref(&mut self, v: ValueRef<'_>) {
        match v {
            ValueRef::Present => self.push(Value::Present),
            ValueRef::Bool(b) => self.push(Value::Bool(b)),
            ValueRef::Uint(n) => self.push(Value::Uint(n)),
            ValueRef::Int(n) => self.push(Value::Int(n)),
            ValueRef::Rel(ns) => self.push(Value::Rel(ns)),
            ValueRef::Text(s) => self.push_str(s),
            ValueRef::Bytes(b) => self.push_bytes(b),
            ValueRef::Ipv4(a) => self.push(Value::Ipv4(a)),
            ValueRef::Ipv6(a) => self.push(Value::Ipv6(a)),
        }
    }
}

/// Supplies the values of fields Wirelens does not extract itself: how app-layer parsers
/// (HTTP, memcached, MySQL, Redis, DNS, TLS) plug their per-packet values in.
pub trait FieldProvider {
    /// True when this provider fills `field`.
    fn provides(&self, field: Fid) -> bool;
    /// Puts out the values of `field` in packet `index` (0-based), in the order of their
    /// occurrence.
    fn values(&self, field: Fid, index: usize, out: &mut ValueSink<'_>);
}

/// Whether reading `fields` in `capture` builds the detail of some packets: the whole
/// detail ([`reads_whole_detail`]), or for `frame.protocols`, which names the protocols
/// above the transport as the detail does, the protocols its detail names.
pub fn reads_detail(capture: &Capture, fields: &[Fid]) -> bool {
    fields.contains(&Fid::FrameProtocols)
        || reads_whole_detail(capture, fields)
        || (fields.contains(&Fid::Http)
            && (0..capture.conversations.len() as u32).any(|c| http_may_continue(capture, c)))
}

/// Whether reading `fields` in `capture` builds the whole detail of some packets: for
/// those of [`Status::Detail`], and for HTTP's when a UDP conversation is on a port
/// tshark hands to SSDP, which carries HTTP's fields where no transaction holds them.
pub fn reads_whole_detail(capture: &Capture, fields: &[Fid]) -> bool {
    fields.iter().any(|f| f.def().status == Status::Detail)
        || (fields.iter().any(|&f| registry::under_ssdp(f)) && udp::may_carry(capture, "ssdp"))
        || (fields
            .iter()
            .any(|f| matches!(f, Fid::Tls | Fid::TlsHandshakeType))
            && may_starttls(capture))
}

/// Whether a conversation of `capture` is one of a line-based protocol with a STARTTLS
/// (FTP, SMTP, POP, IMAP): its `tls` and `tls.handshake.type` after the switch are the
/// detail's, which reads the packets' bytes.
pub fn may_starttls(capture: &Capture) -> bool {
    capture.conversations.iter().any(|c| {
        c.proto == L4::Tcp
            && tcpapps::proto_of([c.port_a, c.port_b])
                .and_then(tcpapps::framing)
                .is_some_and(|f| matches!(f, tcpapps::Framing::Lines(l) if l.has_starttls()))
    })
}

/// Reads the fields of [`Status::Detail`] from packets' detail trees. The detail is built
/// by `query::detail`, which uses this module, so it is plugged in from above
/// ([`FieldCtx::set_detail`]).
pub trait DetailReader {
    /// Puts out the values of `field` in packet `index` as its detail shows them, in the
    /// tree's order; `layer` (1-based) keeps those in that layer of the field's protocol,
    /// 0 keeps all. The packet's bytes, and those of the packets its application layer
    /// needs, come from `src`.
    fn values(
        &mut self,
        index: usize,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut ValueSink<'_>,
    );
    /// Feeds the packets before `index` that were not fed yet to the application
    /// layers' state, while `src` still holds them: a scan in order calls this for every
    /// packet it reads, so a packet whose detail is not asked for is fed all the same.
    fn keep_up(&mut self, index: usize, src: &mut dyn PacketSource);
}

/// Extracts field values of the packets of one capture. Keeps what spans packets
/// (TCP base sequence numbers, the previous packet of each stream) and the current
/// packet's bytes and layers.
pub struct FieldCtx<'c> {
    capture: &'c Capture,
    provider: Option<&'c dyn FieldProvider>,
    index: usize,
    row: PacketRow,
    /// Reads the rows of the packets asked for (in order, mostly) and those just before.
    rows: Reader<'c>,
    buf: Vec<u8>,
    /// `Some(true)` when `buf` holds the current packet, `Some(false)` when it could
    /// not be read, `None` before trying.
    loaded: Option<bool>,
    /// Where the current packet's layers lie.
    layers: Layers,
    /// Bytes of derived values of the current packet (strings built, slices of numbers).
    pub arena: Vec<u8>,
    /// Packet index of the first packet of each flow each way (`u32::MAX`: none).
    firsts: Option<std::rc::Rc<[[u32; 2]]>>,
    tcp: HashMap<u32, TcpFlow>,
    /// Previous packet of the same flow, for each packet (`u32::MAX`: none).
    prev_in_flow: Option<Vec<u32>>,
    /// `Capture::outer_flows` by (conversation, packet): the packets each tunnel's outer
    /// UDP conversation carried, made when `udp.time_delta` first needs them.
    carried: Option<Vec<(u32, u32)>>,
    /// Previous packets of their flow looked for from the packet back, before
    /// `prev_in_flow` is made.
    prev_asked: u32,
    scratch: Vec<u8>,
    /// App-layer values from the capture's transactions, each field indexed on first use.
    app: TransactionFields,
    /// Fields announced by [`FieldCtx::want`] that the transactions answer: indexed
    /// together when the first of them is asked for.
    app_wanted: Vec<Fid>,
    /// Per-PDU app-layer values (memcache, resp), collected as packets go by.
    pdu: Pdu<'c>,
    /// The process of each conversation, found on first use.
    processes: Option<Vec<Option<crate::query::sessions::Owner>>>,
    /// The layers of the last conversation head looked at ([`Capture::heads`]), and
    /// where its bytes are.
    head_layers: (usize, Layers),
    /// SSH conversations' first segments replayed ([`FieldCtx::ssh_shown`]), by flow.
    ssh: HashMap<u32, SshConv>,
    /// The length-framed protocols' conversations followed ([`FieldCtx::tcpapp_item`]),
    /// by flow.
    framed: HashMap<u32, FramedConv>,
    /// Reads the fields of [`Status::Detail`], once plugged in.
    detail: Option<Box<dyn DetailReader + 'c>>,
    /// The first segment after a hole of each way of the HTTP conversations that have
    /// one ([`http_holes`]), found on first use.
    http_holes: Option<HashMap<(u32, bool), u64>>,
    /// Values [`FieldCtx::detail_values`] asks [`FieldCtx::exists`] with.
    scratch_values: Vec<Value>,
}

/// A conversation of a length-framed protocol of [`tcpapps`], followed as far as asked.
struct FramedConv {
    framing: tcpapps::Framing,
    lines: tcpapps::LineState,
    /// The first segment where an SMTP client sent DATA, BDAT or AUTH
    /// ([`tcpapps::opens_state`]).
    stateful_from: Option<usize>,
    /// The segment whose reply accepted a STARTTLS: the bytes after it are TLS.
    switched_at: Option<usize>,
    /// Its segments with payload that TCP hands on, in order.
    segments: Vec<usize>,
    /// How many of them were fed, and what each fed showed: (completes a PDU, one that
    /// carried SMB).
    shown: Vec<(bool, bool)>,
    sides: [tcpapps::Side; 2],
}

/// An SSH conversation's first segments, replayed as far as asked.
struct SshConv {
    replay: ssh::Replay,
    /// The segments to replay, in order, cut after the one where the replay settled.
    segments: Vec<usize>,
    /// How many of them were fed.
    fed: usize,
}

/// Where [`FieldCtx`] gets per-PDU fields from.
enum Pdu<'c> {
    /// No such field asked for yet.
    None,
    /// Collected by the context itself, packet by packet.
    Own(Box<Collector>),
    /// Collected beforehand (a whole pass), shared.
    Shared(&'c Collector),
}

/// Whether a conversation's ports name a protocol we do not parse (its packets' bytes say
/// whether it is there): UDP's of [`udp`]; on TCP, NetBIOS's name service on 137 and those
/// of [`ssh`] and [`tcpapps`].
fn named_ports(c: &crate::capture::flow::Conversation) -> bool {
    let ports = [c.port_a, c.port_b];
    match c.proto {
        L4::Udp => udp::named_ports(ports),
        L4::Tcp => crate::ingest::app::foreign_proto(L4::Tcp, ports).is_some(),
    }
}

/// Whether a UDP conversation is on no port of a protocol tshark names or of ours, where
/// its heuristic dissectors try each datagram (SIP's is on: `udp::dissector`).
fn unclaimed_ports(c: &crate::capture::flow::Conversation) -> bool {
    c.proto == L4::Udp && udp::unclaimed_ports([c.port_a, c.port_b])
}

impl<'c> FieldCtx<'c> {
    /// A context over a capture.
    pub fn new(capture: &'c Capture) -> Self {
        FieldCtx {
            capture,
            provider: None,
            index: usize::MAX,
            row: PacketRow::NONE,
            rows: capture.packets.reader(),
            buf: Vec::new(),
            loaded: None,
            layers: Layers::default(),
            arena: Vec::new(),
            firsts: None,
            tcp: HashMap::new(),
            prev_in_flow: None,
            carried: None,
            prev_asked: 0,
            scratch: Vec::new(),
            app: TransactionFields::empty(),
            app_wanted: Vec::new(),
            pdu: Pdu::None,
            processes: None,
            head_layers: (0, Layers::default()),
            ssh: HashMap::new(),
            framed: HashMap::new(),
            detail: None,
            http_holes: None,
            scratch_values: Vec::new(),
        }
    }

    /// Reads the fields of [`Status::Detail`] through `reader` (without one they have no
    /// values).
    pub fn set_detail(&mut self, reader: Box<dyn DetailReader + 'c>) {
        self.detail = Some(reader);
    }

    /// Whether a [`DetailReader`] is plugged in.
    pub fn reads_detail(&self) -> bool {
        self.detail.is_some()
    }

    /// Uses per-PDU values collected beforehand by a whole pass ([`Collector::run`]):
    /// fields it has need no packet bytes.
    pub fn with_collector(mut self, collector: &'c Collector) -> Self {
        self.pdu = Pdu::Shared(collector);
        self
    }

    /// Announces the fields that will be asked for, so that per-PDU fields of several
    /// protocols are collected in one pass.
    pub fn want(&mut self, fields: &[Fid]) {
        for &f in fields {
            if TransactionFields::covers(f) && !self.app_wanted.contains(&f) {
                self.app_wanted.push(f);
            }
        }
        let new = |w: &HashSet<Fid>| fields.iter().any(|&f| pdu::collects(f) && !w.contains(&f));
        let wanted = match &self.pdu {
            Pdu::Shared(_) => return,
            Pdu::Own(c) if !new(c.wanted()) => return,
            Pdu::Own(c) => c.wanted().clone(),
            Pdu::None if !new(&HashSet::new()) => return,
            Pdu::None => HashSet::new(),
        };
        let mut wanted = wanted;
        wanted.extend(fields.iter().filter(|&&f| pdu::collects(f)));
        self.pdu = Pdu::Own(Box::new(Collector::new(self.capture, wanted)));
    }

    /// Collects the wanted per-PDU fields over the whole capture now (reading the packets
    /// of their conversations from `src`): reassembly hands on the bytes after a lost
    /// segment only when the peer acknowledges past it, so values of a packet can come
    /// later than the packet itself. Use when `src` can read any packet.
    pub fn collect_all(&mut self, src: &mut dyn PacketSource) {
        if let Pdu::Own(c) = &mut self.pdu {
            c.run(self.capture, src);
        }
    }

    /// Feeds the packets up to the current one to the collector of per-PDU fields (if
    /// any is wanted). Call for every packet in order when filtering, so that each is fed
    /// while its bytes are at hand.
    pub fn advance(&mut self, src: &mut dyn PacketSource) {
        if let Some(d) = &mut self.detail {
            d.keep_up(self.index, src);
        }
        if let Pdu::Own(c) = &mut self.pdu {
            if self.index < self.capture.packets.len() {
                let current = (self.loaded == Some(true)).then_some(&self.buf[..]);
                c.advance(self.capture, self.index, current, src);
            }
        }
    }

    /// The collector of per-PDU values the context made for the fields wanted, if any.
    pub fn collector(&self) -> Option<&Collector> {
        match &self.pdu {
            Pdu::Own(c) => Some(c),
            _ => None,
        }
    }

    /// Hands over the per-PDU values collected by the context itself (None when no
    /// per-PDU field was wanted, or they were given with [`FieldCtx::with_collector`]).
    pub fn take_collector(&mut self) -> Option<Collector> {
        match std::mem::replace(&mut self.pdu, Pdu::None) {
            Pdu::Own(c) => Some(*c),
            other => {
                self.pdu = other;
                None
            }
        }
    }

    /// Uses each conversation's first packet each way found beforehand (of the same
    /// capture: `query::detail::Index::firsts`) rather than a pass of its own, unless it
    /// made them already.
    pub fn share_firsts(&mut self, firsts: std::rc::Rc<[[u32; 2]]>) {
        if self.firsts.is_none() {
            self.firsts = Some(firsts);
        }
    }

    /// Plugs in the values of app-layer fields.
    pub fn with_provider(mut self, provider: &'c dyn FieldProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The capture.
    pub fn capture(&self) -> &'c Capture {
        self.capture
    }

    /// The current packet's row.
    pub fn row(&self) -> &PacketRow {
        &self.row
    }

    /// The row of packet `index`, through the context's reader (which keeps the blocks
    /// around the current packet decoded).
    pub fn row_of(&mut self, index: usize) -> Option<PacketRow> {
        self.rows.get(index)
    }

    /// Makes packet `index` the current one.
    pub fn begin(&mut self, index: usize) {
        if index != self.index {
            self.index = index;
            self.row = self.rows.at(index);
            self.loaded = None;
        }
        self.arena.clear();
    }

    /// Makes packet `index` current with its bytes already at hand (the caller read them,
    /// e.g. to print its columns).
    pub fn begin_with_bytes(&mut self, index: usize, bytes: &[u8]) {
        self.begin(index);
        self.buf.clear();
        self.buf.extend_from_slice(bytes);
        dissect(self.capture, &self.row, &self.buf, &mut self.layers);
        self.loaded = Some(true);
    }

    /// Makes the current packet's layers those of the IP datagram it completes
    /// ([`datagram::reassemble`]: `layers`, the datagram's counting in `datagram`): its
    /// bytes become the frame's (`frame`) followed by the datagram's, so that the values
    /// of the datagram's layers (TCP's relative numbers, the streams) are the packet's,
    /// as tshark's are.
    pub(crate) fn with_datagram(&mut self, frame: &[u8], datagram: &[u8], layers: &Layers) {
        datagram::flatten(frame, datagram, layers, &mut self.buf, &mut self.layers);
        self.loaded = Some(true);
    }

    /// The current packet's bytes, if they were read.
    pub fn packet_bytes(&self) -> Option<&[u8]> {
        (self.loaded == Some(true)).then_some(&self.buf[..])
    }

    /// Reads and dissects the current packet's bytes (once).
    pub fn load(&mut self, src: &mut dyn PacketSource) -> bool {
        if self.loaded.is_none() {
            let ok = src.read(self.index, &self.row, &mut self.buf);
            if ok {
                dissect(self.capture, &self.row, &self.buf, &mut self.layers);
            } else {
                self.layers.clear();
            }
            self.loaded = Some(ok);
        }
        self.loaded == Some(true)
    }

    /// The bytes of a value's span (constants come from `consts`).
    pub fn span<'a>(&'a self, s: Span, consts: &'a [u8]) -> &'a [u8] {
        let store: &[u8] = match s.store {
            Store::Packet => &self.buf,
            Store::Arena => &self.arena,
            Store::Const => consts,
        };
        store
            .get(s.start as usize..(s.start + s.len) as usize)
            .unwrap_or(&[])
    }

    /// Whether `field` can be answered for the current packet without its bytes.
    pub fn from_index(&self, field: Fid) -> bool {
        use Fid::*;
        let flow = self.flow();
        if self.beside_conversation(field) {
            return true;
        }
        if headers::in_head(field) {
            return self.head().is_some();
        }
        match field {
            FrameNumber
            | FrameTime
            | FrameTimeEpoch
            | FrameTimeRelative
            | FrameTimeDelta
            | FrameLen
            | FrameMarked
            | FrameCapLen
            | FrameInterfaceId
            | FrameComment
            | TcpStream
            | UdpStream
            | UdpTimeRelative
            | UdpTimeDelta
            | TcpTimeRelative
            | TcpTimeDelta
            | WlSessionBytes
            | WlSessionDuration
            | WlSessionFrames
            | TcpAnalysisInitialRtt
            | TcpAnalysisAckRtt
            | TcpAnalysisAcksFrame
            | TcpAnalysisBytesInFlight
            | WlProcessPid
            | WlProcessName => true,
            // HTTP's fields under SSDP are read from the datagram (its detail), and `http`
            // in an HTTP conversation with a hole from the segment's (a Continuation).
            f if TransactionFields::covers(f) => {
                let ssdp = registry::under_ssdp(f) && flow.is_some_and(|(c, _)| named_ports(c));
                let continuation = f == Http && self.http_may_continue();
                !(ssdp || continuation)
            }
            f if is_analysis(f) => true,
            f if is_tcp_header_field(f) => self.row.tcp != TcpHeader::Unknown,
            f if pdu::proto_of(f).is_some() || f == TlsHandshakeType => {
                matches!(self.pdu, Pdu::Shared(_))
            }
            // Their values carry bytes; their presence: `exists_from_index`.
            Tcp | Udp | Ip | Ipv6 => false,
            // Absent from a conversation whose ports name none of them.
            // Absent from a TCP or UDP conversation whose ports name none of them.
            f if f == Ssh || tcpapp_name(f).is_some() => {
                flow.is_some_and(|(c, _)| !named_ports(c)) && !self.tunneled()
            }
            f if udp::covers(f).is_some() => {
                flow.is_some_and(|(c, _)| !named_ports(c) && (f != Sip || !unclaimed_ports(c)))
                    && self.capture.tftp_from(self.row.flow).is_none()
                    && !self.tunneled()
            }
            TcpSrcport | TcpDstport | TcpPort | UdpSrcport | UdpDstport | UdpPort => {
                flow.is_some() && !self.tunneled()
            }
            IpSrc | IpDst | IpAddr | IpProto | IpVersion | Ipv6Src | Ipv6Dst | Ipv6Addr
            | Ipv6Version => flow.is_some() && !self.tunneled(),
            f => {
                f.def().status == Status::NotYetExtracted
                    && self.provider.is_none_or(|p| !p.provides(f))
            }
        }
    }

    /// The kind of packet `row` of `capture` is, as far as [`FieldCtx::from_index`] and
    /// [`FieldCtx::exists_from_index`] are concerned: packets of one kind (below
    /// [`INDEX_KINDS`]) have the same fields in the index.
    pub fn index_kind(capture: &Capture, row: &PacketRow) -> usize {
        let eth = usize::from(capture.linktype_of(row) == 1 && row.caplen >= 14);
        let flow = usize::from(row.flow != NO_FLOW);
        let tunneled = usize::from(row.flags & PacketRow::FLAG_TUNNELED != 0);
        let tcp = match row.tcp {
            TcpHeader::Unknown => 0,
            TcpHeader::Absent => 1,
            TcpHeader::One { .. } => 2,
        };
        // A conversation on a port of a protocol tshark names and we do not parse (DHCP,
        // NTP …): whether it is there depends on the bytes.
        let conv = capture
            .conversations
            .get(row.flow as usize)
            .filter(|_| row.flow != NO_FLOW);
        let named = conv.is_some_and(named_ports) || capture.tftp_from(row.flow).is_some();
        // Or on no port at all, where SIP's heuristic looks at the bytes.
        let unclaimed = conv.is_some_and(unclaimed_ports);
        // A conversation's way with one head ([`Capture::heads`]).
        let head = Self::head_of(capture, row).is_some();
        // An HTTP conversation with a hole, whose segments may be Continuations.
        let gaps = row.flow != NO_FLOW && http_may_continue(capture, row.flow);
        flow | tunneled << 1
            | tcp << 2
            | eth << 4
            | usize::from(named) << 5
            | usize::from(unclaimed) << 6
            | usize::from(head) << 7
            | usize::from(gaps) << 8
    }

    /// Whether the current packet (its bytes loaded) has protocol `name` of those tshark
    /// names on a UDP port ([`udp`]): in any of its UDP layers, by their ports, or TFTP
    /// in a conversation a TFTP request claimed ([`Capture::tftp_from`]).
    fn udp_app(&self, name: &str) -> bool {
        let conv = self.flow().map(|(c, _)| c);
        if name == "nbns" && conv.is_some_and(|c| c.proto == L4::Tcp) {
            // NetBIOS name service over TCP 137: a segment with payload.
            let tcp = conv.is_some_and(|c| {
                crate::ingest::app::foreign_proto(L4::Tcp, [c.port_a, c.port_b]) == Some("nbns")
            });
            return tcp
                && self.layers.of(Proto::Tcp).next().is_some_and(|l| {
                    l.end() > l.payload_offset() && self.buf.len() > l.payload_offset() as usize
                });
        }
        let mut udp = self
            .layers
            .of(Proto::Udp)
            .filter(|l| !l.quoted && !l.reassembled);
        let claimed = self.capture.tftp_from(self.row.flow);
        if claimed.is_some_and(|from| self.index as u64 >= u64::from(from)) {
            // A TFTP request's conversation: TFTP's whatever the ports.
            return name == "tftp"
                && udp.any(|l| l.bytes(&self.buf, &[]).len() > l.header_len as usize);
        }
        udp.any(|l| {
            let b = l.bytes(&self.buf, &[]);
            let (Some(h), Some(payload)) = (b.get(..4), b.get(l.header_len as usize..)) else {
                return false;
            };
            let ports = [
                u16::from_be_bytes([h[0], h[1]]),
                u16::from_be_bytes([h[2], h[3]]),
            ];
            udp::present(name, ports, payload)
        })
    }

    /// The head of packet `row`'s conversation the way it went ([`Capture::heads`]),
    /// unless a tunnel gave it more layers.
    fn head_of<'a>(capture: &'a Capture, row: &PacketRow) -> Option<(u16, &'a [u8])> {
        if row.flow == NO_FLOW || row.flags & PacketRow::FLAG_TUNNELED != 0 {
            return None;
        }
        capture.heads.of(row.flow, row.dir() as usize)
    }

    /// The current packet's conversation head.
    fn head(&self) -> Option<(u16, &'c [u8])> {
        Self::head_of(self.capture, &self.row)
    }

    /// The values of a field of the link or IP headers ([`headers::in_head`]) from the
    /// current packet's conversation head, false when it has none.
    pub(super) fn head_values(&mut self, field: Fid, layer: u8, out: &mut Vec<Value>) -> bool {
        let Some((linktype, head)) = self.head() else {
            return false;
        };
        let (at, layers) = &mut self.head_layers;
        if *at != head.as_ptr() as usize {
            crate::ingest::wire::dissect_layers(linktype, head, head.len(), layers);
            *at = head.as_ptr() as usize;
        }
        headers::link_and_ip(head, layers, field, layer, out)
    }

    /// Whether the current packet belongs to a TCP or UDP conversation with no tunnel and
    /// `field` is of a protocol that such a packet has no place for
    /// ([`headers::beside_transport`]: `arp`, `icmp`, `sctp.port`…): the field is absent,
    /// and `!arp` or `not icmp` read no packet of a conversation.
    fn beside_conversation(&self, field: Fid) -> bool {
        self.row.flow != NO_FLOW && !self.tunneled() && headers::beside_transport(field)
    }

    /// The current packet is IP in IP or came out of a tunnel (more IP layers, and maybe
    /// UDP ones, than its conversation shows).
    fn tunneled(&self) -> bool {
        self.row.flags & PacketRow::FLAG_TUNNELED != 0
    }

    /// Whether the current packet is of an HTTP conversation with a hole
    /// ([`http_may_continue`]).
    fn http_may_continue(&self) -> bool {
        self.row.flow != NO_FLOW && http_may_continue(self.capture, self.row.flow)
    }

    /// Whether the current packet went, in an HTTP conversation, at or after the first
    /// hole of its way ([`http_holes`]).
    fn after_http_hole(&mut self) -> bool {
        if !self.http_may_continue() {
            return false;
        }
        let capture = self.capture;
        let holes = self.http_holes.get_or_insert_with(|| http_holes(capture));
        let way = self.row.flags & PacketRow::FLAG_B_TO_A != 0;
        holes
            .get(&(self.row.flow, way))
            .is_some_and(|&first| self.index as u64 >= first)
    }

    fn flow(&self) -> Option<(&'c crate::capture::flow::Conversation, usize)> {
        if self.row.flow == NO_FLOW {
            return None;
        }
        let c = self.capture.conversations.get(self.row.flow as usize)?;
        Some((c, usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0)))
    }

    /// Whether the packet is in a conversation and may carry or end a message above its
    /// transport (a TCP segment without payload or FIN does neither; a FIN ends a body
    /// read to the close).
    fn carries_payload(&self) -> bool {
        self.row.flow != NO_FLOW
            && !matches!(self.row.tcp, TcpHeader::One { len: 0, word } if TcpHeader::flags(word) & 1 == 0)
    }

    /// Appends the values of `field` in the current packet to `out`; `layer` (1-based)
    /// keeps only the occurrences in that layer of the field's protocol, 0 keeps all.
    pub fn extract(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        if self.fast(field, layer, out) {
            return;
        }
        if let Some(p) = self.provider.filter(|p| p.provides(field)) {
            p.values(
                field,
                self.index,
                &mut ValueSink {
                    out,
                    arena: &mut self.arena,
                },
            );
            return;
        }
        if field == Fid::TlsHandshakeType && self.lines_conversation() {
            // TLS after an accepted STARTTLS, as the detail shows it (no collector
            // follows these conversations).
            self.detail_values(field, layer, registry::layers_of(field), src, out);
            return;
        }
        if pdu::proto_of(field).is_some() || field == Fid::TlsHandshakeType {
            self.collected(field, src, out);
            return;
        }
        if quic::covers(field) {
            if self.load(src) {
                quic::values(
                    self.capture,
                    self.index,
                    &self.buf,
                    &self.layers,
                    field,
                    &mut ValueSink {
                        out,
                        arena: &mut self.arena,
                    },
                );
            }
            return;
        }
        if frames::covers(field) {
            frames::values(
                self.capture,
                self.index,
                field,
                &mut ValueSink {
                    out,
                    arena: &mut self.arena,
                },
            );
            return;
        }
        if TransactionFields::covers(field) {
            let before = out.len();
            if !self.app.has(field) {
                // This field and the others announced, in one pass.
                if !self.app_wanted.contains(&field) {
                    self.app_wanted.push(field);
                }
                self.app.index(self.capture, &self.app_wanted);
            }
            self.app.values(
                field,
                self.index,
                &mut ValueSink {
                    out,
                    arena: &mut self.arena,
                },
            );
            // HTTP's fields under SSDP (HTTP over UDP), which no transaction holds: the
            // detail's.
            if registry::under_ssdp(field) {
                self.detail_values(field, layer, &[Fid::Ssdp], src, out);
            }
            // A segment of an HTTP conversation with a hole: its detail says whether
            // packet-http.c shows it as a Continuation, when no message ends in it and
            // it came after the hole. Every segment of the conversation is dissected, so
            // that the detail's replay is fed each while the scan holds its bytes.
            if field == Fid::Http && self.http_may_continue() {
                let shown = out.len();
                self.detail_values(field, layer, &[], src, out);
                if shown > before || !self.after_http_hole() {
                    out.truncate(shown);
                }
            }
            return;
        }
        if field == Fid::FrameProtocols
            && layer <= 1
            && self.detail.is_some()
            && self.carries_payload()
        {
            // The protocols above the transport, as the detail dissects them.
            self.detail_values(field, layer, &[], src, out);
            return;
        }
        match field.def().status {
            Status::NotYetExtracted => return,
            Status::Detail => {
                self.detail_values(field, layer, registry::layers_of(field), src, out);
                return;
            }
            Status::Extracted => {}
        }
        if let Some(name) = udp::covers(field) {
            if layer <= 1 && !self.from_index(field) && self.load(src) && self.udp_app(name) {
                out.push(Value::Present);
            }
            return;
        }
        if field == Fid::Ssh {
            if layer <= 1 && self.ssh_shown(src).is_some_and(|s| s.has_item()) {
                out.push(Value::Present);
            }
            return;
        }
        if let Some(name) = tcpapp_name(field) {
            if layer <= 1 && self.tcpapp_item(name, src) {
                out.push(Value::Present);
            }
            return;
        }
        if matches!(field, Fid::Tls | Fid::Mysql) {
            // A segment with payload in a conversation decoded as the protocol; in one
            // that switched to TLS (MySQL, PostgreSQL) the segments up to the switch are
            // the protocol in the clear, those after it TLS, as Wireshark hands the
            // conversation over (`ssl_starttls_ack`).
            use crate::capture::app::AppProto;
            let flow = self.row.flow;
            let proto = self
                .capture
                .app_protos
                .get(flow as usize)
                .copied()
                .flatten();
            if field == Fid::Tls && proto.is_none() && self.lines_conversation() {
                // TLS after an accepted STARTTLS, as the detail shows it.
                self.detail_values(field, layer, registry::layers_of(field), src, out);
                return;
            }
            let switch = (flow != NO_FLOW)
                .then(|| self.capture.tls_switch(flow))
                .flatten();
            let at = u32::try_from(self.index).unwrap_or(u32::MAX);
            let (clear, records) = match switch {
                Some(s) => (
                    at <= s.packet,
                    at > s.packet || (at == s.packet && s.shared),
                ),
                None => (true, false),
            };
            let decoded = match field {
                Fid::Tls => proto == Some(AppProto::Tls) || records,
                _ => proto == Some(AppProto::Mysql) && clear,
            };
            if field == Fid::Mysql && records && layer <= 1 && !self.capture.secrets.is_empty() {
                // With the secrets, the frames whose records complete MySQL packets
                // inside (as tshark with the key log).
                self.collected(Fid::Mysql, src, out);
            }
            if field == Fid::Tls && layer <= 1 {
                // QUIC carries TLS in the CRYPTO frames of the Initial packets it opened.
                if quic::has_crypto(self.capture, self.index) {
                    out.push(Value::Present);
                }
            }
            let tcp = self
                .flow()
                .is_some_and(|(c, _)| c.proto == L4::Tcp && !self.tunneled());
            let whole = match &self.pdu {
                Pdu::Shared(c) => c.wanted().contains(&Fid::Tls),
                _ => true,
            };
            let shared = switch.is_some_and(|s| at == s.packet);
            if field == Fid::Tls && decoded && tcp && whole && !shared {
                // The segments where a record is whole (see `pdu::tls`).
                if layer <= 1 {
                    let mut whole = Vec::new();
                    self.collected(Fid::Tls, src, &mut whole);
                    if !whole.is_empty() {
                        out.push(Value::Present);
                    }
                }
                return;
            }
            if decoded && layer <= 1 && self.load(src) {
                if let Some(l) = self.layers.of(Proto::Tcp).next() {
                    let payload = l.payload_offset();
                    if l.end() > payload && self.buf.len() > payload as usize {
                        out.push(Value::Present);
                    }
                }
            }
            return;
        }
        if self.load(src) {
            self.slow(field, layer, src, out);
        }
    }

    /// The values of `field` its detail shows in the current packet: none when the
    /// packet lacks every one of `layers` (those that can hold it, [`registry::layers_of`],
    /// which the index often answers: `dns.resp.ttl` builds the detail of DNS packets
    /// only), else those of its detail.
    fn detail_values(
        &mut self,
        field: Fid,
        layer: u8,
        layers: &[Fid],
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        if self.detail.is_none() {
            return;
        }
        if !layers.is_empty() {
            let mut tmp = std::mem::take(&mut self.scratch_values);
            let there = layers.iter().any(|&p| self.exists(p, layer, src, &mut tmp));
            self.scratch_values = tmp;
            if !there {
                return;
            }
        }
        if let Some(d) = &mut self.detail {
            d.values(
                self.index,
                field,
                layer,
                src,
                &mut ValueSink {
                    out,
                    arena: &mut self.arena,
                },
            );
        }
    }

    /// The values of `field` a [`Collector`] gathers in the current packet.
    fn collected(&mut self, field: Fid, src: &mut dyn PacketSource, out: &mut Vec<Value>) {
        self.want(&[field]);
        self.advance(src);
        let c = match &self.pdu {
            Pdu::Own(c) => c,
            Pdu::Shared(c) => *c,
            Pdu::None => return,
        };
        let mut sink = ValueSink {
            out,
            arena: &mut self.arena,
        };
        for v in c.values(self.index, field) {
            sink.push_ref(v);
        }
    }

    /// The TCP payload of packet `j` of the current packet's conversation and its way (0:
    /// A to B), read into `buf` (the current packet's bytes at hand, the others from
    /// `src`) and dissected with `layers`; None when it cannot be read.
    fn segment_payload<'b>(
        &mut self,
        j: usize,
        src: &mut dyn PacketSource,
        buf: &'b mut Vec<u8>,
        layers: &mut Layers,
    ) -> Option<(&'b [u8], usize)> {
        let row = self.capture.packets.at(j);
        let read = if j == self.index {
            self.load(src).then(|| buf.clone_from(&self.buf)).is_some()
        } else {
            src.read(j, &row, buf)
        };
        if !read {
            return None;
        }
        let s = crate::ingest::wire::dissect_layers(
            self.capture.linktype_of(&row),
            buf,
            usize::MAX,
            layers,
        );
        let payload = crate::ingest::app::payload_of(&s, buf, &[]).unwrap_or(&[]);
        Some((
            payload,
            usize::from(row.flags & PacketRow::FLAG_B_TO_A != 0),
        ))
    }

    /// What the current packet shows of SSH, when it is a TCP segment with payload of a
    /// conversation tshark dissects as SSH (its lower port that is one of the
    /// [`foreign_port`](crate::ingest::app::foreign_port)s is 22) and TCP hands its bytes
    /// on (not a retransmission, not a RST's). The conversation's first segments
    /// ([`ssh_segments`]) are replayed up to the packet, once: those not fed yet are read
    /// from `src` (a scan in order has fed them as it went, [`FieldCtx::ssh_shown`] being
    /// asked of each packet it reads); a segment after them is worded from the state they
    /// left.
    pub fn ssh_shown(&mut self, src: &mut dyn PacketSource) -> Option<ssh::Shown> {
        let (conv, dir) = self.flow()?;
        if conv.proto != L4::Tcp {
            return None;
        }
        let ports = [conv.port_a, conv.port_b];
        let server = ssh_port(ports)?;
        let side = |d: usize| {
            let d = if d == 0 {
                crate::capture::flow::Direction::AToB
            } else {
                crate::capture::flow::Direction::BToA
            };
            ssh::from_client(d, ports, server)
        };
        let from_client = side(dir);
        let len = self.handed_on_len(src)?;
        let capture = self.capture;
        let flow = self.row.flow;
        let mut c = match self.ssh.remove(&flow) {
            Some(c) => c,
            None => {
                let first = self.first_in_flow(flow);
                SshConv {
                    replay: ssh::Replay::default(),
                    segments: payload_segments(capture, flow, first, ssh::MAX_REPLAYED),
                    fed: 0,
                }
            }
        };
        let at = self.index;
        let mut buf = Vec::new();
        let mut layers = Layers::default();
        while let Some(&j) = c.segments.get(c.fed).filter(|&&j| j <= at) {
            if let Some((payload, d)) = self.segment_payload(j, src, &mut buf, &mut layers) {
                c.replay.segment(j as u64, side(d), payload);
            }
            c.fed += 1;
            if c.replay.settled() {
                c.segments.truncate(c.fed);
            }
        }
        let shown = c.replay.shown.binary_search_by_key(&(at as u64), |s| s.0);
        let out = match shown {
            Ok(k) => Some(c.replay.shown[k].1.clone()),
            Err(_) if c.fed == c.segments.len() && c.segments.last().is_none_or(|&l| at > l) => {
                Some(c.replay.predict(from_client, len))
            }
            Err(_) => None,
        };
        self.ssh.insert(flow, c);
        out
    }

    /// The current TCP segment's payload length when TCP hands its bytes on to the
    /// protocol of its port: not empty, not a RST's (its data is the reset's cause), not
    /// a retransmission TCP withholds ([`withheld`]).
    fn handed_on_len(&mut self, src: &mut dyn PacketSource) -> Option<usize> {
        let len = match self.row.tcp {
            TcpHeader::One { len, word } => {
                if TcpHeader::flags(word) & 0x004 != 0 {
                    return None;
                }
                len as usize
            }
            TcpHeader::Absent => return None,
            TcpHeader::Unknown => {
                if !self.load(src) {
                    return None;
                }
                let l = self.layers.of(Proto::Tcp).next()?;
                l.end().saturating_sub(l.payload_offset()) as usize
            }
        };
        (len > 0 && !withheld(self.capture, self.index)).then_some(len)
    }

    /// Whether the current packet has the item of [`tcpapps`] protocol `name` (`smb`:
    /// NetBIOS session messages that carry SMB): a segment with payload that TCP hands on
    /// in a conversation on the protocol's port, which for a length-framed protocol
    /// completes one of its PDUs. A framed conversation's segments are fed in order up to
    /// the packet, once (those not fed yet read from `src`; a scan in order has fed them
    /// as it went).
    pub fn tcpapp_item(&mut self, name: &str, src: &mut dyn PacketSource) -> bool {
        let Some((conv, _)) = self.flow() else {
            return false;
        };
        if conv.proto != L4::Tcp {
            return false;
        }
        let Some(proto) = tcpapps::proto_of([conv.port_a, conv.port_b]) else {
            return false;
        };
        let smb = name == "smb";
        if proto != name && !(smb && proto == "nbss") {
            return false;
        }
        if self.handed_on_len(src).is_none() {
            return false;
        }
        let framing = match tcpapps::framing(proto) {
            Some(tcpapps::Framing::Segment) | None => return true,
            Some(f) => f,
        };
        let capture = self.capture;
        let flow = self.row.flow;
        let mut c = match self.framed.remove(&flow) {
            Some(c) => c,
            None => {
                let first = self.first_in_flow(flow);
                FramedConv {
                    framing,
                    lines: Default::default(),
                    stateful_from: None,
                    switched_at: None,
                    segments: payload_segments(capture, flow, first, usize::MAX),
                    shown: Vec::new(),
                    sides: Default::default(),
                }
            }
        };
        let at = self.index;
        let mut buf = Vec::new();
        let mut layers = Layers::default();
        while let Some(&j) = c.segments.get(c.shown.len()).filter(|&&j| j <= at) {
            let mut shown = (false, false);
            if let Some((payload, d)) = self.segment_payload(j, src, &mut buf, &mut layers) {
                match c.framing {
                    tcpapps::Framing::Length(h) => {
                        let side = &mut c.sides[d];
                        shown.0 = side.segment(h, payload);
                        shown.1 = side.completed_smb;
                    }
                    tcpapps::Framing::Lines(l) => {
                        let server = ports_server(capture, flow, proto);
                        let to_server = match d {
                            0 => server == 1,
                            _ => server == 0,
                        };
                        shown.0 = c.lines.segment(l, to_server, payload);
                        if proto == "smtp"
                            && to_server
                            && shown.0
                            && c.stateful_from.is_none()
                            && tcpapps::opens_state(payload)
                        {
                            c.stateful_from = Some(j);
                        }
                        if c.lines.switched() && c.switched_at.is_none() {
                            c.switched_at = Some(j);
                        }
                    }
                    tcpapps::Framing::Segment => shown.0 = true,
                }
            }
            c.shown.push(shown);
        }
        let found = c.segments[..c.shown.len()]
            .binary_search(&at)
            .ok()
            .map(|k| c.shown[k]);
        self.framed.insert(flow, c);
        found.is_some_and(|(item, carries_smb)| item && (!smb || carries_smb))
    }

    /// Whether the client of the current packet's SMTP conversation sent DATA, BDAT or
    /// AUTH before it (what it sends after them is a message or credentials, followed by
    /// `packet-smtp.c` with state of its own), as far as [`FieldCtx::tcpapp_item`] has
    /// followed the conversation (up to the current packet once asked about it).
    pub fn smtp_client_stateful(&self) -> bool {
        self.framed
            .get(&self.row.flow)
            .and_then(|c| c.stateful_from)
            .is_some_and(|j| j < self.index)
    }

    /// Whether the current packet comes after the reply that accepted its line-based
    /// conversation's STARTTLS, as far as [`FieldCtx::tcpapp_item`] has followed it.
    pub fn after_starttls(&self) -> bool {
        self.framed
            .get(&self.row.flow)
            .and_then(|c| c.switched_at)
            .is_some_and(|j| j < self.index)
    }

    /// Whether the current packet's conversation is one of a line-based protocol of
    /// [`tcpapps`] (FTP, SMTP, POP, IMAP, Telnet), which may switch to TLS.
    fn lines_conversation(&self) -> bool {
        self.flow().is_some_and(|(c, _)| {
            c.proto == L4::Tcp
                && tcpapps::proto_of([c.port_a, c.port_b])
                    .and_then(tcpapps::framing)
                    .is_some_and(|f| matches!(f, tcpapps::Framing::Lines(_)))
        })
    }

    /// Whether the current packet has `field` at all; cheaper than [`FieldCtx::extract`]
    /// for protocols, which need no bytes when the packet belongs to a conversation.
    pub fn exists(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        tmp: &mut Vec<Value>,
    ) -> bool {
        use Fid::*;
        if self.beside_conversation(field) {
            return false;
        }
        if field == Vlan && self.head().is_some() {
            // A VLAN layer shows its ID.
            let start = tmp.len();
            self.head_values(VlanId, layer, tmp);
            let found = tmp.len() > start;
            tmp.truncate(start);
            return found;
        }
        if matches!(field, Frame | Eth) && self.exists_from_index(field, layer) {
            return true;
        }
        if let (Tcp | Udp | Ip | Ipv6, Some((conv, _))) = (field, self.flow()) {
            if self.exists_from_index(field, layer) {
                return match field {
                    Tcp => conv.proto == L4::Tcp,
                    Udp => conv.proto == L4::Udp,
                    Ip => conv.a.is_ipv4(),
                    _ => conv.a.is_ipv6(),
                };
            }
        }
        self.exists_slow(field, layer, src, tmp)
    }

    /// Whether [`FieldCtx::exists`] answers for `field` (up to `layer`) without the
    /// current packet's bytes: every packet is a `frame`, every whole Ethernet header an
    /// `eth`; an IP or transport protocol's presence is its conversation's, unless a
    /// tunnel adds outer IP layers and a UDP one (VXLAN, Geneve, GTP-U).
    pub fn exists_from_index(&self, field: Fid, layer: u8) -> bool {
        use Fid::*;
        match field {
            Frame => true,
            Eth if layer <= 1 && self.capture.linktype_of(&self.row) == 1 => self.row.caplen >= 14,
            Vlan => self.head().is_some(),
            Tcp | Udp | Ip | Ipv6 if layer <= 1 && self.flow().is_some() => {
                field == Tcp || !self.tunneled()
            }
            _ => self.from_index(field),
        }
    }

    fn exists_slow(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        tmp: &mut Vec<Value>,
    ) -> bool {
        let start = tmp.len();
        self.extract(field, layer, src, tmp);
        let found = tmp.len() > start;
        tmp.truncate(start);
        found
    }
}

/// The SSH port of a TCP conversation with ports `ports`, when tshark dissects it as SSH.
pub fn ssh_port(ports: [u16; 2]) -> Option<u16> {
    if crate::ingest::app::foreign_proto(L4::Tcp, ports) != Some("ssh") {
        return None;
    }
    let (lo, hi) = (ports[0].min(ports[1]), ports[0].max(ports[1]));
    [lo, hi]
        .into_iter()
        .find(|&p| crate::ingest::app::foreign_port(L4::Tcp, p) == Some("ssh"))
}

/// Whether TCP hands packet `index`'s payload to no dissector: a retransmission, a
/// keep-alive or a window probe. A fast retransmission still goes to the dissector
/// (zeek's ssh-dups.pcap: `Client: [TCP Fast Retransmission] , Key Exchange Init`), a
/// spurious one does not (PcapPlusPlus's ldap.pcapng, frame 25); our retransmission
/// item is on both.
pub fn withheld(capture: &Capture, index: usize) -> bool {
    use crate::capture::tcp::Kind;
    capture.tcp_flags_of(index).is_some_and(|f| {
        (f.contains(Kind::Retransmission) && !f.contains(Kind::FastRetransmission))
            || f.contains(Kind::KeepAlive)
            || f.contains(Kind::ZeroWindowProbe)
    })
}

/// The segments of SSH conversation `flow` replayed for its state: its first
/// [`ssh::MAX_REPLAYED`] packets with payload that TCP hands on ([`payload_segments`]),
/// from its first packet `first`. A row reads them.
pub fn ssh_segments(capture: &Capture, flow: u32, first: usize) -> Vec<usize> {
    payload_segments(capture, flow, first, ssh::MAX_REPLAYED)
}

/// The first `max` packets of conversation `flow` with payload that TCP hands on (from
/// the index: a packet whose TCP header it lacks counts as one), from its first packet
/// `first`.
fn payload_segments(capture: &Capture, flow: u32, first: usize, max: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let end = capture.packets.len();
    for (i, p) in (first..).zip(capture.packets.range(first.min(end)..end)) {
        if p.flow != flow {
            continue;
        }
        let payload = match p.tcp {
            TcpHeader::One { len, word } => len > 0 && TcpHeader::flags(word) & 0x004 == 0,
            TcpHeader::Absent => false,
            TcpHeader::Unknown => true,
        };
        if payload && !withheld(capture, i) {
            out.push(i);
            if out.len() == max {
                break;
            }
        }
    }
    out
}

/// Which side of conversation `flow` (0: A, 1: B) is the server of foreign protocol
/// `proto`: the one on its port (the lower port first).
fn ports_server(capture: &Capture, flow: u32, proto: &str) -> usize {
    let Some(c) = capture.conversations.get(flow as usize) else {
        return 1;
    };
    let on = |p: u16| crate::ingest::app::foreign_port(L4::Tcp, p) == Some(proto);
    match (on(c.port_a), on(c.port_b)) {
        (true, true) => usize::from(c.port_b <= c.port_a),
        (true, false) => 0,
        _ => 1,
    }
}

/// The [`tcpapps`] protocol a field is the item of.
fn tcpapp_name(field: Fid) -> Option<&'static str> {
    Some(match field {
        Fid::Nbss => "nbss",
        Fid::Smb => "smb",
        Fid::Ldap => "ldap",
        Fid::Bgp => "bgp",
        Fid::Kafka => "kafka",
        Fid::Rlogin => "rlogin",
        Fid::Irc => "irc",
        Fid::Ftp => "ftp",
        Fid::Telnet => "telnet",
        Fid::Pop => "pop",
        Fid::Smtp => "smtp",
        Fid::Imap => "imap",
        _ => return None,
    })
}
