//! Field values of application PDUs, as Wireshark's dissectors show them.
//!
//! The transaction parsers (`app::memcache`, `app::redis` …) summarise a conversation;
//! Wireshark's fields describe each PDU (`memcache.key` of every `VALUE` line,
//! `resp.bulk_string.length` of every bulk string). When a display filter or a column
//! asks for such a field, [`crate::query::fields::FieldCtx`] reads the packets of the
//! conversations decoded as that protocol again, reassembles their streams and hands the
//! bytes to a [`PduFields`] dissector, which attaches each PDU's values to the packet
//! that completed it (Wireshark's desegmentation does the same). Inside TLS ([`tls`]) the
//! records are decrypted again with the capture's secrets first.

pub(crate) mod derived;
pub(crate) mod http;
pub mod memcache;
pub mod mysql;
pub mod resp;
pub mod tls;

use crate::capture::app::AppProto;
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::Capture;
use crate::ingest::app::payload_of;
use crate::ingest::app::tls::keylog::KeyLog;
use crate::ingest::reassembly::{Reassembler, StreamEvent};
use crate::ingest::wire::{self, Transport};
use crate::query::fields::{AppValue, Fid, PacketSource, PacketValues, ValueRef};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Values of app-layer fields per (packet index, field), in order of occurrence.
pub type PduValues = PacketValues;

/// Where a [`PduFields`] dissector puts its values.
pub struct PduOut<'a> {
    values: &'a mut PduValues,
    /// Fields wanted; every field when None.
    wanted: Option<&'a HashSet<Fid>>,
}

impl<'a> PduOut<'a> {
    /// Values go to `values`; only fields in `wanted` are kept (all when None).
    pub fn new(values: &'a mut PduValues, wanted: Option<&'a HashSet<Fid>>) -> Self {
        PduOut { values, wanted }
    }

    /// Whether `field` is wanted: a dissector may skip building a value nobody asked for
    /// (a megabyte `memcache.value`).
    pub fn wants(&self, field: Fid) -> bool {
        self.wanted.is_none_or(|w| w.contains(&field))
    }

    /// Adds one occurrence of `field` to packet `packet` (0-based index).
    pub fn add(&mut self, packet: u64, field: Fid, value: AppValue) {
        self.add_ref(packet, field, value.as_value_ref());
    }

    /// As [`PduOut::add`], the value borrowed.
    pub fn add_ref(&mut self, packet: u64, field: Fid, value: ValueRef<'_>) {
        if self.wants(field) {
            self.values.add(packet, field, value);
        }
    }
}

/// A dissector of one conversation that puts out Wireshark's per-PDU fields.
pub trait PduFields {
    /// In-order bytes of one side of a TCP stream, completed by packet `packet` (0-based
    /// index into `Capture::packets`). `to_server` is true for the client's bytes.
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>);
    /// `len` bytes of one side were never captured: drop what was pending on that side
    /// and find the next PDU boundary as Wireshark would.
    fn gap(&mut self, to_server: bool, len: u64);
    /// One side of the stream ended (state it holds for that side can go).
    fn end(&mut self, _to_server: bool) {}
    /// As [`PduFields::end`], in `packet` (the FIN's; None at the capture's end): a PDU
    /// that runs to the close is whole there.
    fn end_at(&mut self, to_server: bool, _packet: Option<u64>, _out: &mut PduOut<'_>) {
        self.end(to_server);
    }
}

/// The protocol whose PDUs carry `field`, for fields that come from a [`PduFields`]
/// dissector.
pub fn proto_of(field: Fid) -> Option<AppProto> {
    if (Fid::Memcache..=Fid::MemcacheNameValue).contains(&field) {
        Some(AppProto::Memcache)
    } else if (Fid::Resp..=Fid::RespFragment).contains(&field) {
        Some(AppProto::Redis)
    } else if http::covers(field) {
        Some(AppProto::Http)
    } else {
        None
    }
}

/// Whether a [`Collector`] gathers `field`: the per-PDU fields ([`proto_of`]), and those
/// read from TLS records again: `tls` (over TCP), `tls.handshake.type`, and `mysql` after
/// a conversation's switch to TLS (with the capture's secrets).
pub fn collects(field: Fid) -> bool {
    proto_of(field).is_some() || matches!(field, Fid::Tls | Fid::Mysql | Fid::TlsHandshakeType)
}

fn dissector(proto: AppProto) -> Option<Box<dyn PduFields>> {
    match proto {
        AppProto::Memcache => Some(Box::new(memcache::Dissector::new())),
        AppProto::Redis => Some(Box::new(resp::Dissector::new())),
        AppProto::Http => Some(Box::new(http::Dissector::new())),
        _ => None,
    }
}

/// Collects the per-PDU fields of a capture in one pass over the packets of the
/// conversations decoded as the protocols of the wanted fields. Packets are fed in
/// capture order ([`Collector::advance`]); the values of a packet are complete once it
/// was fed. Holds no borrow of the capture, so a finished collector can be kept.
pub struct Collector {
    wanted: HashSet<Fid>,
    /// Per conversation: dissected here or not.
    convs: Vec<bool>,
    /// Some conversation is.
    reads: bool,
    /// The capture's TLS secrets, when a conversation dissected is inside TLS.
    keys: Option<Rc<KeyLog>>,
    reasm: Reassembler,
    dissectors: HashMap<u32, Box<dyn PduFields>>,
    /// The values given without dissecting (the ingest's memcache table, QUIC's hellos),
    /// sorted once. Apart from `values`, to which the dissected packets add theirs in
    /// packet order: sorted in among these, each packet's few values had every given
    /// value after them sorted again (on a 20 GB capture whose memcache table covers all
    /// but two conversations, `memcache.command == "set"` spent 48 of its 55 CPU seconds
    /// sorting; now 7 in all).
    given: PduValues,
    /// The values of the conversations dissected (none of those `given`).
    values: PduValues,
    /// The next packet to feed.
    next: usize,
    finished: bool,
    buf: Vec<u8>,
}

impl Collector {
    /// A collector of `wanted` (fields of other protocols are ignored) over `capture`.
    pub fn new(capture: &Capture, wanted: HashSet<Fid>) -> Self {
        let protos: HashSet<AppProto> = wanted.iter().filter_map(|&f| proto_of(f)).collect();
        // Of memcache's text fields the commonest: the ingest's table and the transactions
        // give them in the conversations it covers (`derived`), which need no dissecting
        // then.
        let mut given = PduValues::default();
        let from_table = if derived::gives(&wanted) {
            derived::memcache(capture, &wanted, &mut given)
        } else {
            Vec::new()
        };
        // TLS conversations whose records the ingest decrypted, by the protocol inside
        // (none without secrets).
        let inner = |i: usize| {
            capture.app_protos[i] == Some(AppProto::Tls)
                && capture
                    .app_inner
                    .get(i)
                    .copied()
                    .flatten()
                    .is_some_and(|p| protos.contains(&p))
        };
        // Records read again for what they carry: the handshake messages of every TLS
        // conversation, and MySQL's packets in those that switched to TLS.
        let handshakes = wanted.contains(&Fid::TlsHandshakeType) || wanted.contains(&Fid::Tls);
        let mysql = wanted.contains(&Fid::Mysql) && !capture.secrets.is_empty();
        let records = |i: usize| {
            let p = capture.app_protos[i];
            let switched = capture.tls_switch(i as u32).is_some();
            (handshakes && (p == Some(AppProto::Tls) || switched))
                || (mysql && p == Some(AppProto::Mysql) && switched)
        };
        let convs: Vec<bool> = capture
            .app_protos
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (p.is_some_and(|p| protos.contains(&p))
                    && !from_table.get(i).copied().unwrap_or(false))
                    || inner(i)
                    || records(i)
            })
            .collect();
        let keys = (0..convs.len())
            .any(|i| inner(i) || records(i))
            .then(|| Rc::new(KeyLog::of_secrets(&capture.secrets)));
        if wanted.contains(&Fid::TlsHandshakeType) {
            quic_hellos(capture, &mut given);
        }
        if wanted.iter().any(|&f| http::covers(f)) {
            http::http2_bodies(capture, &mut given);
        }
        given.settle();
        Collector {
            wanted,
            reads: convs.contains(&true),
            convs,
            keys,
            reasm: Reassembler::new(),
            dissectors: HashMap::new(),
            given,
            values: PduValues::default(),
            next: 0,
            finished: false,
            buf: Vec::new(),
        }
    }

    /// The fields it collects.
    pub fn wanted(&self) -> &HashSet<Fid> {
        &self.wanted
    }

    /// Whether it reads any packet.
    pub fn reads(&self) -> bool {
        self.reads
    }

    /// Whether packet `index` has bytes the collector reads.
    pub fn needs(&self, row: &PacketRow) -> bool {
        row.flow != NO_FLOW && self.convs.get(row.flow as usize).copied().unwrap_or(false)
    }

    /// Feeds every packet up to and including `index` not fed yet, reading the bytes of
    /// those it needs from `src` (`current` gives the bytes of packet `index` when the
    /// caller has them). A packet that cannot be read is a hole in its stream.
    pub fn advance(
        &mut self,
        capture: &Capture,
        index: usize,
        current: Option<&[u8]>,
        src: &mut dyn PacketSource,
    ) {
        if !self.reads {
            // No packet to read (the ingest's table gave every conversation): none to go
            // through either, a million of them on a big capture.
            self.next = self.next.max(index.saturating_add(1));
        }
        let from = self.next;
        for (i, row) in (from..).zip(capture.packets.range(from..index.saturating_add(1))) {
            self.next = i + 1;
            if !self.needs(&row) {
                continue;
            }
            let mut buf = std::mem::take(&mut self.buf);
            let bytes = match current.filter(|_| i == index) {
                Some(b) => Some(b),
                None => src.read(i, &row, &mut buf).then_some(&buf[..]),
            };
            if let Some(bytes) = bytes {
                self.packet(capture, i, &row, bytes);
            }
            self.buf = buf;
        }
        if self.next >= capture.packets.len() && !self.finished {
            self.finished = true;
            let Collector {
                reasm,
                dissectors,
                values,
                wanted,
                keys,
                ..
            } = self;
            reasm.finish(&mut |ev| route(capture, dissectors, values, wanted, keys, None, ev));
            // Only the values are asked for from now on: what reading took (streams
            // buffered, parsers' state, the last packet's bytes) goes, rather than staying
            // as long as a view keeps the collector.
            self.reasm = Reassembler::new();
            self.dissectors = HashMap::new();
            self.buf = Vec::new();
            self.keys = None;
        }
        self.values.settle();
    }

    /// Keeps only the values of `fields` in the packets `keep` passes (0-based indices),
    /// and gives back the room of the others: what a view shows of a scan's collection
    /// (its columns' values in the packets that passed), not everything its filter
    /// looked at. A field no longer kept is no longer collected.
    pub fn retain(&mut self, fields: &HashSet<Fid>, keep: impl Fn(u64) -> bool) {
        self.wanted.retain(|f| fields.contains(f));
        for values in [&mut self.given, &mut self.values] {
            values.retain(|packet, f| fields.contains(&f) && keep(packet));
        }
    }

    /// Whether it holds no value.
    pub fn is_empty(&self) -> bool {
        self.given.is_empty() && self.values.is_empty()
    }

    /// Feeds every packet of the capture (a whole pass).
    pub fn run(&mut self, capture: &Capture, src: &mut dyn PacketSource) {
        if let Some(last) = capture.packets.len().checked_sub(1) {
            self.advance(capture, last, None, src);
        }
    }

    fn packet(&mut self, capture: &Capture, index: usize, row: &PacketRow, bytes: &[u8]) {
        let s = wire::dissect(capture.linktype_of(row), bytes);
        let Transport::Tcp(t) = s.transport else {
            return;
        };
        let payload = payload_of(&s, bytes, &[]).unwrap_or(&[]);
        let dir = row.dir();
        let Collector {
            reasm,
            dissectors,
            values,
            wanted,
            keys,
            ..
        } = self;
        reasm.segment(row.flow, dir, &t, payload, index as u64, &mut |ev| {
            route(
                capture,
                dissectors,
                values,
                wanted,
                keys,
                Some(index as u64),
                ev,
            )
        });
    }

    /// The values of `field` in packet `index`, as far as the packets fed so far tell.
    pub fn values(&self, index: usize, field: Fid) -> impl ExactSizeIterator<Item = ValueRef<'_>> {
        // A packet's values are all given or all dissected: its conversation is one or
        // the other (QUIC's, given, is never dissected).
        let given = self.given.get(index as u64, field);
        if given.len() > 0 {
            given
        } else {
            self.values.get(index as u64, field)
        }
    }
}

/// `tls.handshake.type` in QUIC: the hellos of the CRYPTO frames of the Initial packets
/// (which tshark opens without secrets), each in the packet that completed it, as the
/// ingest's TLS transaction of the connection has them. (The later handshake messages are
/// in Handshake packets, which the ingest does not open.)
fn quic_hellos(capture: &Capture, values: &mut PduValues) {
    use crate::capture::app::Detail;
    for t in &capture.transactions {
        let quic =
            capture.app_protos.get(t.conv as usize).copied().flatten() == Some(AppProto::Quic);
        if !quic || !matches!(t.detail, Detail::Tls(_)) {
            continue;
        }
        let mut out = PduOut::new(values, None);
        // ClientHello 1, ServerHello 2 (RFC 8446 §4).
        for (side, kind) in [(t.request, 1), (t.response, 2)] {
            if let Some(s) = side {
                out.add(s.last(), Fid::TlsHandshakeType, AppValue::Uint(kind));
            }
        }
    }
}

fn route(
    capture: &Capture,
    dissectors: &mut HashMap<u32, Box<dyn PduFields>>,
    values: &mut PduValues,
    wanted: &HashSet<Fid>,
    keys: &Option<Rc<KeyLog>>,
    current: Option<u64>,
    ev: StreamEvent<'_>,
) {
    let (conv, dir) = match ev {
        StreamEvent::Data { conv, dir, .. }
        | StreamEvent::Gap { conv, dir, .. }
        | StreamEvent::End { conv, dir } => (conv, dir),
    };
    let client = capture.client_of(conv);
    let to_server = dir == client;
    let d = match dissectors.entry(conv) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => {
            let proto = capture.app_protos.get(conv as usize).copied().flatten();
            let records = wanted.contains(&Fid::TlsHandshakeType) || wanted.contains(&Fid::Tls);
            // Records are opened only for what is read inside them: where a record is
            // whole (`tls`) needs no secrets.
            let opened = |keys: &Rc<KeyLog>, inner: &Option<Box<dyn PduFields>>| {
                if inner.is_some() || wanted.contains(&Fid::TlsHandshakeType) {
                    keys.clone()
                } else {
                    Rc::new(KeyLog::new())
                }
            };
            let d = match (proto, keys, capture.tls_switch(conv)) {
                (Some(AppProto::Tls), Some(keys), _) => {
                    // The protocol inside, when one of its fields is wanted.
                    let inner = capture
                        .app_inner
                        .get(conv as usize)
                        .copied()
                        .flatten()
                        .filter(|&p| wanted.iter().any(|&f| proto_of(f) == Some(p)))
                        .and_then(dissector);
                    (inner.is_some() || records).then(|| {
                        let keys = opened(keys, &inner);
                        Box::new(tls::OverTls::new(keys, inner)) as Box<dyn PduFields>
                    })
                }
                (Some(AppProto::Tls), None, _) => None,
                (Some(p @ (AppProto::Mysql | AppProto::Pgsql)), Some(keys), Some(sw)) => {
                    let inner = (p == AppProto::Mysql
                        && wanted.contains(&Fid::Mysql)
                        && !capture.secrets.is_empty())
                    .then(|| Box::new(mysql::Framer::default()) as Box<dyn PduFields>);
                    (inner.is_some() || records).then(|| {
                        let keys = opened(keys, &inner);
                        Box::new(tls::OverTls::new(keys, inner).after(sw.packet.into()))
                            as Box<dyn PduFields>
                    })
                }
                (p, _, _) => p.and_then(dissector),
            };
            match d {
                Some(d) => e.insert(d),
                None => return,
            }
        }
    };
    match ev {
        StreamEvent::Data { bytes, packet, .. } => d.data(
            to_server,
            bytes,
            packet,
            &mut PduOut::new(values, Some(wanted)),
        ),
        StreamEvent::Gap { len, .. } => d.gap(to_server, len),
        StreamEvent::End { .. } => {
            d.end_at(to_server, current, &mut PduOut::new(values, Some(wanted)))
        }
    }
}
