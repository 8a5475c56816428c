//! A capture split into files: one per session, host, host pair, server port or time
//! window, or its sessions cut into consecutive parts (to bisect which of them
//! reproduce a problem).
//!
//! The plan is made from the packet index alone: which parts there are, their names,
//! which packets each takes and how many bytes each file will have. Then the packets'
//! bytes go through an [`Encoder`] once each, and the record it gives is appended to
//! every part the packet belongs to (two for a split by host: its source's and its
//! destination's). A caller writing many files at once (the CLI, into a directory) reads
//! the capture once, forward; a caller writing them one after another (a zip stream)
//! reads the packets of a [`Split::batches`] batch of parts at a time.
//!
//! A part's file is what `tshark -Y FILTER -w` writes for its [`Part::filter`]: the
//! same packets, bytes, lengths, timestamps, interfaces and comments.

use super::{endpoints, name_addr, name_session, name_time};
use crate::capture::flow::L4;
use crate::capture::packet::NO_FLOW;
use crate::capture::Capture;
use crate::query::export::writer::packet_len;
use crate::query::export::{Export, ExportError, OutputFormat};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::ops::Range;

/// What a split makes one file of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitBy {
    /// A TCP connection or UDP flow (`tcp.stream`, `udp.stream`).
    Session,
    /// An IP address: the sessions it took part in, either side.
    Host,
    /// Two IP addresses: the sessions between them.
    HostPair,
    /// A server port (TCP or UDP): the sessions to it.
    Port,
    /// A window of time, in ns, from the first packet taken (as `editcap -i`): every
    /// packet, in a session or not, unless sessions were chosen.
    Time(i64),
    /// The sessions, in order of their first packet, cut into this many consecutive
    /// parts of (nearly) as many sessions each: two halves to bisect.
    Parts(usize),
}

/// One file of a split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// File name: its first packet's time (UTC, so names sort by time), then what it
    /// holds: `20231114-221320.123456789_tcp-12_10.0.0.1.51000_10.0.0.2.80.pcap`.
    pub name: String,
    /// A display filter for its packets (`tcp.stream == 12`); `None` for a time window.
    pub filter: Option<String>,
    /// Time of its first and last packets, ns since the epoch.
    pub first_ns: i64,
    /// Time of its last packet.
    pub last_ns: i64,
    /// Packets in it.
    pub packets: u64,
    /// Bytes of its file, header included.
    pub bytes: u64,
    /// Its sessions (flow ids, ascending); none for a time window.
    pub flows: Vec<u32>,
    /// Index of its last packet (a writer can close the file after it).
    pub last: usize,
}

/// Marks no part.
const NONE: u32 = u32::MAX;

/// A planned split: see the module documentation.
pub struct Split<'c> {
    capture: &'c Capture,
    format: OutputFormat,
    parts: Vec<Part>,
    /// The parts of each conversation's packets (flow-based splits).
    of_flow: Vec<[u32; 2]>,
    /// Time windows: (origin, width, window number → part).
    windows: Option<(i64, i64, BTreeMap<i64, u32>)>,
    /// Sessions taken (indexed by flow id), when not all packets are.
    taken: Option<Vec<bool>>,
    /// Parts are sessions, or groups of them (bisect): a packet carried in a UDP tunnel
    /// goes to its outer datagram's session too.
    by_session: bool,
    header: Vec<u8>,
    /// Packets that go to no part.
    left_out: u64,
}

/// The bytes of a split's files: the header every file starts with, and each packet's
/// record (the same in every file it goes to).
pub struct Encoder<'c> {
    export: Export<'c, Vec<u8>>,
    header: Vec<u8>,
}

impl<'c> Encoder<'c> {
    /// An encoder for packets of `capture` in `format`: every interface of the capture
    /// in every file, as `tshark -w` keeps them.
    pub fn new(capture: &'c Capture, format: OutputFormat) -> Result<Self, ExportError> {
        let mut export = Export::new(capture, format, Vec::new())?;
        let header = std::mem::take(export.get_mut());
        Ok(Encoder { export, header })
    }

    /// What every file starts with: the pcap header, or the pcapng section and
    /// interfaces.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The record of packet `index` whose captured bytes are `data`.
    pub fn record(&mut self, index: usize, data: &[u8]) -> Result<&[u8], ExportError> {
        self.export.get_mut().clear();
        self.export.packet(index, data)?;
        Ok(self.export.get_mut())
    }

    /// The record of packet `index` at another time and with other bytes (of the same
    /// length), with or without its comments.
    pub fn record_as(
        &mut self,
        index: usize,
        ts_ns: i64,
        data: &[u8],
        with_comments: bool,
    ) -> Result<&[u8], ExportError> {
        self.export.get_mut().clear();
        self.export.packet_as(index, ts_ns, data, with_comments)?;
        Ok(self.export.get_mut())
    }

    /// Bytes of packet `index`'s record.
    pub fn record_len(&self, index: usize, caplen: usize) -> u64 {
        let comments = match self.export.format() {
            OutputFormat::PcapNg { .. } => self.export.comments_of(index),
            OutputFormat::Pcap { .. } => Vec::new(),
        };
        packet_len(self.export.format(), caplen, &comments)
    }
}

/// The file name extension of a format.
pub fn extension(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Pcap { .. } => "pcap",
        OutputFormat::PcapNg { .. } => "pcapng",
    }
}

/// What a flow-based part is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Flow(u32),
    Host(IpAddr),
    Pair(IpAddr, IpAddr),
    Port(L4, u16),
    Part(usize),
}

impl<'c> Split<'c> {
    /// Plans the split of `capture` by `by`, of the sessions `flows` (flow ids,
    /// ascending; `None`: every session, and for a split by time every packet).
    pub fn new(
        capture: &'c Capture,
        by: SplitBy,
        flows: Option<&[u32]>,
        format: OutputFormat,
    ) -> Result<Self, ExportError> {
        let encoder = Encoder::new(capture, format)?;
        let nflows = capture.conversations.len();
        let chosen: Vec<u32> = match flows {
            Some(f) => f
                .iter()
                .copied()
                .filter(|&f| (f as usize) < nflows)
                .collect(),
            None => (0..nflows as u32).collect(),
        };
        let taken = flows.map(|_| {
            let mut t = vec![false; nflows];
            for &f in &chosen {
                t[f as usize] = true;
            }
            t
        });
        // Parts keyed, in order of first appearance, before they are sorted by time.
        let mut keys: Vec<Key> = Vec::new();
        let mut key_ids: HashMap<Key, u32> = HashMap::new();
        let mut of_flow = vec![[NONE; 2]; nflows];
        let mut windows = None;
        let mut id_of = |k: Key| {
            *key_ids.entry(k).or_insert_with(|| {
                keys.push(k);
                keys.len() as u32 - 1
            })
        };
        match by {
            SplitBy::Time(width) => {
                let origin = capture
                    .packets
                    .iter()
                    .find(|p| Self::takes(&taken, p.flow))
                    .map_or(0, |p| p.ts_ns);
                windows = Some((origin, width.max(1), BTreeMap::new()));
            }
            SplitBy::Parts(n) => {
                let n = n.clamp(1, chosen.len().max(1));
                for (i, &f) in chosen.iter().enumerate() {
                    // Part k takes sessions [k·len/n, (k+1)·len/n).
                    of_flow[f as usize][0] = id_of(Key::Part(i * n / chosen.len()));
                }
            }
            _ => {
                for &f in &chosen {
                    let Some(((ca, _), (sa, sp))) = endpoints(capture, f) else {
                        continue;
                    };
                    let proto = capture.conversations[f as usize].proto;
                    of_flow[f as usize] = match by {
                        SplitBy::Session => [id_of(Key::Flow(f)), NONE],
                        SplitBy::Host if ca == sa => [id_of(Key::Host(ca)), NONE],
                        SplitBy::Host => [id_of(Key::Host(ca)), id_of(Key::Host(sa))],
                        SplitBy::HostPair => [id_of(Key::Pair(ca.min(sa), ca.max(sa))), NONE],
                        SplitBy::Port => [id_of(Key::Port(proto, sp)), NONE],
                        SplitBy::Time(_) | SplitBy::Parts(_) => unreachable!("handled above"),
                    };
                }
            }
        }
        let mut split = Split {
            capture,
            format,
            parts: Vec::new(),
            of_flow,
            windows,
            taken,
            by_session: matches!(by, SplitBy::Session | SplitBy::Parts(_)),
            header: encoder.header().to_vec(),
            left_out: 0,
        };
        // One pass over the index: each part's packets, times, size and sessions.
        let mut stats: Vec<Part> = Vec::new();
        let blank = || Part {
            name: String::new(),
            filter: None,
            first_ns: i64::MAX,
            last_ns: i64::MIN,
            packets: 0,
            bytes: encoder.header().len() as u64,
            flows: Vec::new(),
            last: 0,
        };
        stats.resize_with(keys.len(), blank);
        for (i, p) in capture.packets.iter().enumerate() {
            let ids = match &mut split.windows {
                Some((origin, width, map)) => {
                    if !Self::takes(&split.taken, p.flow) {
                        [(NONE, NO_FLOW); 2]
                    } else {
                        let w = (p.ts_ns - *origin).div_euclid(*width);
                        let id = *map.entry(w).or_insert_with(|| {
                            stats.push(blank());
                            stats.len() as u32 - 1
                        });
                        [(id, p.flow), (NONE, NO_FLOW)]
                    }
                }
                None => split.flow_parts(i, p.flow),
            };
            if ids[0].0 == NONE {
                split.left_out += 1;
            }
            for (id, flow) in ids.into_iter().filter(|&(id, _)| id != NONE) {
                let s = &mut stats[id as usize];
                s.first_ns = s.first_ns.min(p.ts_ns);
                s.last_ns = s.last_ns.max(p.ts_ns);
                s.packets += 1;
                s.bytes += encoder.record_len(i, p.caplen as usize);
                s.last = i;
                if flow != NO_FLOW && s.flows.last() != Some(&flow) && split.windows.is_none() {
                    s.flows.push(flow);
                }
            }
        }
        // Names, then the parts in order of their first packet.
        let ext = extension(format);
        let nparts = keys.len();
        for (id, s) in stats.iter_mut().enumerate() {
            s.flows.sort_unstable();
            s.flows.dedup();
            let mut name = String::new();
            name_time(if s.packets == 0 { 0 } else { s.first_ns }, &mut name);
            name.push('_');
            let key = keys.get(id).copied();
            let conv = |f: u32| &capture.conversations[f as usize];
            s.filter = match key {
                Some(Key::Flow(f)) => {
                    name_session(capture, f, &mut name);
                    Some(super::stream_filter(conv(f)))
                }
                Some(Key::Host(a)) => {
                    name.push_str("host_");
                    name_addr(a, &mut name);
                    Some(format!("{} == {a}", ip_field(a)))
                }
                Some(Key::Pair(a, b)) => {
                    name_addr(a, &mut name);
                    name.push('_');
                    name_addr(b, &mut name);
                    Some(format!("{f} == {a} && {f} == {b}", f = ip_field(a)))
                }
                Some(Key::Port(l4, port)) => {
                    let _ = write!(name, "{}-port-{port}", l4.name());
                    None
                }
                Some(Key::Part(k)) => {
                    let _ = write!(
                        name,
                        "part-{}-of-{}_{}-sessions",
                        k + 1,
                        nparts,
                        s.flows.len()
                    );
                    None
                }
                None => {
                    name.push_str("window");
                    None
                }
            };
            if s.filter.is_none() && !s.flows.is_empty() {
                s.filter = Some(streams_filter(capture, &s.flows));
            }
            let _ = write!(name, ".{ext}");
            s.name = name;
        }
        // Sorted by first packet; the map from old ids to new ones.
        let mut order: Vec<usize> = (0..stats.len()).filter(|&i| stats[i].packets > 0).collect();
        order.sort_by_key(|&i| (stats[i].first_ns, stats[i].name.clone()));
        let mut new_id = vec![NONE; stats.len()];
        for (n, &old) in order.iter().enumerate() {
            new_id[old] = n as u32;
        }
        let remap = |id: u32| {
            if id == NONE {
                NONE
            } else {
                new_id[id as usize]
            }
        };
        for f in &mut split.of_flow {
            *f = [remap(f[0]), remap(f[1])];
        }
        if let Some((_, _, map)) = &mut split.windows {
            for id in map.values_mut() {
                *id = remap(*id);
            }
        }
        let mut stats: Vec<Option<Part>> = stats.into_iter().map(Some).collect();
        split.parts = order
            .iter()
            .map(|&i| stats[i].take().expect("each part once"))
            .collect();
        Ok(split)
    }

    /// The parts of packet `index` of conversation `flow`, each with the session that
    /// puts the packet there: the conversation's (one part, or two in a split by host);
    /// in a split by session or into parts, a packet decapsulated from a UDP tunnel
    /// (VXLAN, Geneve, GTP-U) goes to its outer datagram's too, as tshark gives such a
    /// frame both the inner session's stream number and the datagram's `udp.stream`.
    fn flow_parts(&self, index: usize, flow: u32) -> [(u32, u32); 2] {
        let ids = self
            .of_flow
            .get(flow as usize)
            .copied()
            .unwrap_or([NONE; 2]);
        let own = [(ids[0], flow), (ids[1], flow)];
        if !self.by_session {
            return own;
        }
        let Some(outer) = self.capture.outer_flow(index) else {
            return own;
        };
        let o = self.of_flow.get(outer as usize).map_or(NONE, |x| x[0]);
        match (ids[0], o) {
            (_, NONE) => own,
            (NONE, o) => [(o, outer), (NONE, NO_FLOW)],
            (a, o) if a == o => own,
            (a, o) => [(a, flow), (o, outer)],
        }
    }

    fn takes(taken: &Option<Vec<bool>>, flow: u32) -> bool {
        match taken {
            None => true,
            Some(t) => t.get(flow as usize).copied().unwrap_or(false),
        }
    }

    /// The parts, in order of their first packet.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The format of the files.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// The header every file starts with.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// An encoder of the files' records.
    pub fn encoder(&self) -> Result<Encoder<'c>, ExportError> {
        Encoder::new(self.capture, self.format)
    }

    /// Packets that go to no part (not in a chosen session, or in no session at all).
    pub fn left_out(&self) -> u64 {
        self.left_out
    }

    /// The parts packet `index` goes to: one, two (a split by host) or none.
    pub fn parts_of(&self, index: usize) -> impl Iterator<Item = usize> {
        let ids = match self.capture.packets.get(index) {
            None => [NONE; 2],
            Some(p) => match &self.windows {
                Some((origin, width, map)) => {
                    if Self::takes(&self.taken, p.flow) {
                        let w = (p.ts_ns - origin).div_euclid(*width);
                        [map.get(&w).copied().unwrap_or(NONE), NONE]
                    } else {
                        [NONE; 2]
                    }
                }
                None => {
                    let [(a, _), (b, _)] = self.flow_parts(index, p.flow);
                    [a, b]
                }
            },
        };
        ids.into_iter()
            .filter(|&id| id != NONE)
            .map(|id| id as usize)
    }

    /// The packets (ascending) of any of the parts `parts`.
    pub fn packets(&self, parts: Range<usize>) -> Vec<usize> {
        (0..self.capture.packets.len())
            .filter(|&i| self.parts_of(i).any(|p| parts.contains(&p)))
            .collect()
    }

    /// The parts cut into runs of consecutive parts whose files hold at most `budget`
    /// bytes together (a part larger than that is a run of its own): what a writer that
    /// must finish one file before it starts the next holds in memory at most.
    pub fn batches(&self, budget: u64) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        let mut sum = 0u64;
        for (i, p) in self.parts.iter().enumerate() {
            if i > start && sum + p.bytes > budget {
                out.push(start..i);
                start = i;
                sum = 0;
            }
            sum += p.bytes;
        }
        if start < self.parts.len() {
            out.push(start..self.parts.len());
        }
        out
    }
}

/// A split written as one zip archive, the parts one entry after another in order,
/// through one pass over the packets of each [`Split::batches`] batch: the batch's first
/// part is written as its packets come, the others are held until the pass ends (at most
/// the budget). Ask [`SplitZip::next_batch`] for the packets to read, hand each one's
/// bytes to [`SplitZip::packet`] in that order, and [`SplitZip::finish`] at the end.
pub struct SplitZip<'s, 'c, W: std::io::Write> {
    split: &'s Split<'c>,
    zip: super::zip::ZipWriter<W>,
    encoder: Encoder<'c>,
    batches: Vec<Range<usize>>,
    /// Index of the next batch.
    next: usize,
    /// The batch being read.
    current: Range<usize>,
    /// The parts held, by position in the batch (the first streams).
    held: Vec<Vec<u8>>,
}

impl<'s, 'c, W: std::io::Write> SplitZip<'s, 'c, W> {
    /// A zip of `split`'s parts into `out`, holding at most about `budget` bytes.
    pub fn new(split: &'s Split<'c>, out: W, budget: u64) -> Result<Self, ExportError> {
        Ok(SplitZip {
            split,
            zip: super::zip::ZipWriter::new(out),
            encoder: split.encoder()?,
            batches: split.batches(budget),
            next: 0,
            current: 0..0,
            held: Vec::new(),
        })
    }

    /// Ends the batch read so far (its held parts are written) and starts the next:
    /// the packets to read for it, ascending; `None` when every part is written.
    pub fn next_batch(&mut self) -> Result<Option<Vec<usize>>, ExportError> {
        self.write_held()?;
        let Some(batch) = self.batches.get(self.next).cloned() else {
            return Ok(None);
        };
        self.next += 1;
        self.current = batch.clone();
        self.held = vec![Vec::new(); batch.len()];
        let first = &self.split.parts[batch.start];
        self.zip.start(&first.name, first.first_ns, first.bytes)?;
        self.zip.data(self.split.header())?;
        for b in self.held.iter_mut().skip(1) {
            b.extend_from_slice(self.split.header());
        }
        Ok(Some(self.split.packets(batch)))
    }

    /// Takes packet `index`'s bytes.
    pub fn packet(&mut self, index: usize, data: &[u8]) -> Result<(), ExportError> {
        let record = self.encoder.record(index, data)?;
        for p in self.split.parts_of(index) {
            if !self.current.contains(&p) {
                continue;
            }
            let at = p - self.current.start;
            if at == 0 {
                self.zip.data(record)?;
            } else {
                self.held[at].extend_from_slice(record);
            }
        }
        Ok(())
    }

    fn write_held(&mut self) -> Result<(), ExportError> {
        let held = std::mem::take(&mut self.held);
        for (at, bytes) in held.into_iter().enumerate().skip(1) {
            let part = &self.split.parts[self.current.start + at];
            self.zip.start(&part.name, part.first_ns, part.bytes)?;
            self.zip.data(&bytes)?;
        }
        Ok(())
    }

    /// Bytes of the archive written so far.
    pub fn written(&self) -> u64 {
        self.zip.written()
    }

    /// Writes the last held parts and the central directory; returns the writer.
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.write_held()?;
        Ok(self.zip.finish()?)
    }
}

/// A zip of a split's parts in one pass over the packets, for a writer that keeps each
/// part's bytes aside as they come (the page keeps them as Blobs) and joins them at the
/// end: the bytes [`SplitZip`] writes, without its batches, each a read of its own.
pub struct SplitZipParts<'s, 'c> {
    split: &'s Split<'c>,
    encoder: Encoder<'c>,
    /// Per part: the CRC-32 and length of the bytes given out so far.
    crcs: Vec<crc32fast::Hasher>,
    sizes: Vec<u64>,
}

impl<'s, 'c> SplitZipParts<'s, 'c> {
    /// The zip of `split`'s parts.
    pub fn new(split: &'s Split<'c>) -> Result<Self, ExportError> {
        let n = split.parts.len();
        Ok(SplitZipParts {
            split,
            encoder: split.encoder()?,
            crcs: vec![crc32fast::Hasher::new(); n],
            sizes: vec![0; n],
        })
    }

    /// The packets to read, ascending.
    pub fn packets(&self) -> Vec<usize> {
        self.split.packets(0..self.split.parts.len())
    }

    /// Takes packet `index`'s bytes: its record goes to each of its parts through
    /// `put(part, bytes)`, after the part's file header when it is the part's first.
    pub fn packet(
        &mut self,
        index: usize,
        data: &[u8],
        put: &mut impl FnMut(usize, &[u8]) -> std::io::Result<()>,
    ) -> Result<(), ExportError> {
        let record = self.encoder.record(index, data)?;
        for p in self.split.parts_of(index) {
            let (Some(crc), Some(size)) = (self.crcs.get_mut(p), self.sizes.get_mut(p)) else {
                continue;
            };
            if *size == 0 {
                let header = self.split.header();
                crc.update(header);
                *size += header.len() as u64;
                put(p, header)?;
            }
            crc.update(record);
            *size += record.len() as u64;
            put(p, record)?;
        }
        Ok(())
    }

    /// Writes the archive into `out`: `put_part(out, part)` writes the bytes given out
    /// for `part` in order, between its local header and its data descriptor.
    pub fn finish<W: std::io::Write>(
        self,
        out: W,
        mut put_part: impl FnMut(&mut W, usize) -> std::io::Result<()>,
    ) -> Result<W, ExportError> {
        let mut zip = super::zip::ZipWriter::new(out);
        for (k, part) in self.split.parts.iter().enumerate() {
            zip.start(&part.name, part.first_ns, part.bytes)?;
            if self.sizes[k] == 0 {
                // A part none of whose packets was read: its file is its header.
                zip.data(self.split.header())?;
            } else {
                put_part(zip.get_mut(), k)?;
                zip.data_elsewhere(self.sizes[k], self.crcs[k].clone().finalize())?;
            }
        }
        Ok(zip.finish()?)
    }
}

fn ip_field(a: IpAddr) -> &'static str {
    if a.is_ipv4() {
        "ip.addr"
    } else {
        "ipv6.addr"
    }
}

/// `tcp.stream in {1, 4..9} || udp.stream in {2}`: consecutive numbers as ranges.
fn streams_filter(capture: &Capture, flows: &[u32]) -> String {
    let mut by = [(L4::Tcp, Vec::new()), (L4::Udp, Vec::new())];
    for &f in flows {
        let c = &capture.conversations[f as usize];
        let slot = if c.proto == L4::Tcp { 0 } else { 1 };
        by[slot].1.push(c.stream);
    }
    by.iter_mut()
        .filter(|(_, s)| !s.is_empty())
        .map(|(l4, s)| {
            s.sort_unstable();
            let mut items: Vec<String> = Vec::new();
            let mut i = 0;
            while i < s.len() {
                let mut j = i;
                while j + 1 < s.len() && s[j + 1] == s[j] + 1 {
                    j += 1;
                }
                items.push(if j == i {
                    s[i].to_string()
                } else {
                    format!("{}..{}", s[i], s[j])
                });
                i = j + 1;
            }
            format!("{}.stream in {{{}}}", l4.name(), items.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" || ")
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::ingest_bytes;

    fn http() -> (Vec<u8>, Capture) {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/three_http_streams.pcap"
        ))
        .expect("test capture");
        let cap = ingest_bytes("three_http_streams.pcap", &bytes);
        (bytes, cap)
    }

    const PCAP: OutputFormat = OutputFormat::Pcap {
        big_endian: false,
        nanos: false,
    };

    #[test]
    fn one_part_per_session_sorted_by_time_with_every_packet_once() {
        let (_, cap) = http();
        let s = Split::new(&cap, SplitBy::Session, None, PCAP).unwrap();
        assert_eq!(s.parts().len(), cap.conversations.len());
        let total: u64 = s.parts().iter().map(|p| p.packets).sum();
        assert_eq!(total + s.left_out(), cap.packets.len() as u64);
        assert!(s.parts().windows(2).all(|w| w[0].name < w[1].name));
        for p in s.parts() {
            assert_eq!(p.flows.len(), 1);
            let c = &cap.conversations[p.flows[0] as usize];
            assert_eq!(p.packets, c.frames());
            assert_eq!((p.first_ns, p.last_ns), (c.first_ns, c.last_ns));
            assert!(
                p.name.contains(&format!("_tcp-{}_", c.stream)),
                "{}",
                p.name
            );
            assert!(p.name.ends_with(".pcap"));
        }
        for i in 0..cap.packets.len() {
            let parts: Vec<usize> = s.parts_of(i).collect();
            let flow = cap.packets.at(i).flow;
            assert_eq!(parts.len(), usize::from(flow != NO_FLOW));
            for p in parts {
                assert_eq!(s.parts()[p].flows, [flow]);
            }
        }
    }

    #[test]
    fn a_zip_holds_each_part_as_the_split_writes_it() {
        let (bytes, cap) = http();
        let s = Split::new(&cap, SplitBy::Session, None, PCAP).unwrap();
        let mut src = crate::query::fields::MemorySource {
            files: vec![&bytes],
        };
        use crate::query::fields::PacketSource;
        let mut buf = Vec::new();
        // Each part alone, as a directory writer would write it.
        let mut enc = s.encoder().unwrap();
        let mut files: Vec<Vec<u8>> = vec![s.header().to_vec(); s.parts().len()];
        for i in 0..cap.packets.len() {
            assert!(src.read(i, &cap.packets.at(i), &mut buf));
            let rec = enc.record(i, &buf).unwrap().to_vec();
            for p in s.parts_of(i) {
                files[p].extend_from_slice(&rec);
            }
        }
        for (f, p) in files.iter().zip(s.parts()) {
            assert_eq!(f.len() as u64, p.bytes, "{}", p.name);
        }
        // Zipped with budgets that make one batch, one per part, and some in between.
        let mut zips = Vec::new();
        for budget in [u64::MAX, 0, files[0].len() as u64 + 1] {
            let mut z = SplitZip::new(&s, Vec::new(), budget).unwrap();
            while let Some(packets) = z.next_batch().unwrap() {
                for i in packets {
                    assert!(src.read(i, &cap.packets.at(i), &mut buf));
                    z.packet(i, &buf).unwrap();
                }
            }
            zips.push(z.finish().unwrap());
        }
        assert!(zips.windows(2).all(|w| w[0] == w[1]));
        let z = &zips[0];
        let mut at = 0;
        for (f, p) in files.iter().zip(s.parts()) {
            // Local header (30 bytes and the name), the data, a 16-byte descriptor.
            assert_eq!(&z[at + 30..at + 30 + p.name.len()], p.name.as_bytes());
            at += 30 + p.name.len();
            assert_eq!(&z[at..at + f.len()], &f[..]);
            at += f.len() + 16;
        }
    }

    /// A frame decapsulated from a UDP tunnel is in its inner session's file and in its
    /// outer datagram's (tshark: `tcp.stream == N` and `udp.stream == M` both keep it).
    #[test]
    fn a_tunnelled_frame_goes_to_its_session_and_to_the_tunnel() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/tunnels/netns-geneve.pcap"
        ))
        .expect("test capture");
        let cap = ingest_bytes("netns-geneve.pcap", &bytes);
        assert!(!cap.outer_flows.is_empty());
        let s = Split::new(&cap, SplitBy::Session, None, PCAP).unwrap();
        assert_eq!(s.parts().len(), cap.conversations.len());
        for (k, p) in s.parts().iter().enumerate() {
            let f = p.flows[0];
            assert_eq!(p.flows, [f]);
            assert_eq!(
                p.packets,
                cap.conversations[f as usize].frames(),
                "{}",
                p.name
            );
            let mine: Vec<usize> = (0..cap.packets.len())
                .filter(|&i| cap.packets.at(i).flow == f || cap.outer_flow(i) == Some(f))
                .collect();
            assert_eq!(s.packets(k..k + 1), mine, "{}", p.name);
        }
        // Both halves of a bisect hold a tunnelled frame whose sessions they split.
        let halves = Split::new(&cap, SplitBy::Parts(2), None, PCAP).unwrap();
        let both = (0..cap.packets.len())
            .filter(|&i| halves.parts_of(i).count() == 2)
            .count();
        let split_apart = cap
            .outer_flows
            .iter()
            .filter(|&&(i, outer)| {
                let inner = cap.packets.at(i as usize).flow;
                (inner as usize) * 2 / cap.conversations.len()
                    != (outer as usize) * 2 / cap.conversations.len()
            })
            .count();
        assert_eq!(both, split_apart);
    }

    /// The one-pass zip is the batched zip's bytes, whatever the batches.
    #[test]
    fn a_zip_in_one_pass_equals_the_batched_zip() {
        let (bytes, cap) = http();
        let data = |i: usize| {
            let p = &cap.packets.at(i);
            let at = p.offset as usize;
            bytes[at..at + p.caplen as usize].to_vec()
        };
        for by in [SplitBy::Session, SplitBy::HostPair, SplitBy::Host] {
            let s = Split::new(&cap, by, None, PCAP).unwrap();
            let mut want = Vec::new();
            for budget in [1, 1 << 30] {
                let mut z = SplitZip::new(&s, Vec::new(), budget).unwrap();
                while let Some(packets) = z.next_batch().unwrap() {
                    for i in packets {
                        z.packet(i, &data(i)).unwrap();
                    }
                }
                let got = z.finish().unwrap();
                if want.is_empty() {
                    want = got;
                } else {
                    assert_eq!(got, want, "{by:?}: batches of {budget} bytes");
                }
            }
            let mut z = SplitZipParts::new(&s).unwrap();
            let mut held = vec![Vec::new(); s.parts().len()];
            for i in z.packets() {
                z.packet(i, &data(i), &mut |p, b| {
                    held[p].extend_from_slice(b);
                    Ok(())
                })
                .unwrap();
            }
            let got = z
                .finish(Vec::new(), |w, k| {
                    w.extend_from_slice(&held[k]);
                    Ok(())
                })
                .unwrap();
            assert_eq!(got, want, "{by:?}: one pass");
        }
    }

    #[test]
    fn halves_and_batches() {
        let (_, cap) = http();
        let s = Split::new(&cap, SplitBy::Parts(2), None, PCAP).unwrap();
        let n = cap.conversations.len();
        assert_eq!(s.parts().len(), 2.min(n));
        let sessions: usize = s.parts().iter().map(|p| p.flows.len()).sum();
        assert_eq!(sessions, n);
        assert_eq!(s.parts()[0].flows.len(), n.div_ceil(2));
        let all = s.batches(u64::MAX);
        assert_eq!(all, vec![0..s.parts().len()]);
        let one_each = s.batches(0);
        assert_eq!(one_each.len(), s.parts().len());
        let both = s.packets(0..s.parts().len());
        let total: u64 = s.parts().iter().map(|p| p.packets).sum();
        assert_eq!(both.len() as u64, total);
    }
}
