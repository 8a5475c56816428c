//! The push-based pipeline: bytes of one or more capture files in, packet index and
//! conversations out.
//!
//! Several files (a rotated set, or captures of two interfaces) merge into one timeline
//! the way `mergecap` merges them: each file is read in order, and the packet with the
//! earliest timestamp among the files' next packets goes first. The driver feeds whichever
//! file [`Ingest::wants`] names, so at most about one chunk per file is held back.
//!
//! Stages ([`Stages`]): every ingest reads formats and records into the packet index; the
//! flows (dissection, conversations, statistics), the TCP analysis and the application
//! layer (reassembly, parsers) run only when asked for.
//!
//! Memory, all that grows with the capture (`cargo xtask bench` measures it):
//! - per packet: its [`PacketRow`], the TCP analysis's acknowledgement and bytes in flight
//!   and the TCP header's length and flags included, kept compressed
//!   ([`crate::capture::packet::Packets`]: 8.9 bytes on bench.pcap, 48 decoded). Nothing
//!   else is kept for every packet.
//! - per packet that has one: `tcp_flags` 24 bytes (a segment with `tcp.analysis` items),
//!   `tcp_acks_far` 8 (an ACK of a segment 65,535 or more packets back),
//!   `tcp_push_bytes` 8 (a segment that follows one without PSH), `comments` 32
//!   and the text, `packet_options` 32 (a pcapng block with flags or a drop count, or
//!   without a timestamp), `packet_processes` 8, `echo_requests` 12 (an ICMP echo request),
//!   `datagrams` 12 (an IP fragment of a datagram reassembled) and 8 (the packet that
//!   completed it), `outer_flows` 8 (a packet out of a UDP tunnel), `empty_udp` 4 (an
//!   empty UDP datagram of a conversation).
//! - per TCP conversation seen after a SYN from one side only: `tcp_acked_bases` 12;
//!   per one that uses AccECN's ACE counter: `tcp_ace` 16.
//! - per TCP or UDP conversation: 112 bytes (`Conversation`), 8 for its link and IP
//!   headers each way (`heads`, which keeps each distinct one once: about 60 bytes, and
//!   as much again while the ingest runs) and a flow-table entry of about 70; TCP ones add 218 (`TcpConversation`, `TcpControl`) and, while the ingest
//!   runs, 360 of analysis state and 24 per segment not yet acknowledged (at most
//!   [`tcp::MAX_UNACKED`] a direction). Per Ethernet or IP address pair: 88 and an entry.
//! - per transaction: 48 bytes (`Transaction`; 40 on wasm32: its packets in 32 bits, their
//!   times read in the index, at most `Extent::MAX_PACKETS` packets, its lengths in 48;
//!   in blocks of [`crate::capture::app::Transactions::BLOCK`]), its protocol's boxed
//!   detail (HTTP 40, memcached 48 with one key inline; 24 and 32 on wasm32: packed, what
//!   few transactions have boxed apart) and its strings (memcached's keys, each distinct
//!   one kept once; HTTP's heads and header lines, up to [`app::http::MAX_KEPT_LINES`] a
//!   side, are shared: each distinct head, line and section is kept once). On bench.pcap
//!   (242,489 packets, 32,265 memcached and 43,853 HTTP transactions) memcached's details
//!   and keys take 8.1 bytes a packet (61 a transaction; were 21.9), HTTP's 7.3 (were
//!   14.6).
//! - per TFTP request (a UDP datagram to port 69): a table entry of about 48 bytes while
//!   the ingest runs, and 8 bytes for each conversation it claims (`tftp_flows`).
//! - per HTTP/2 frame, PostgreSQL message and QUIC packet: 24 bytes (`pdus`, a
//!   [`crate::capture::app::pdu::Pdu`]), for the per-frame fields, columns and detail.
//! - per memcached message (text and binary protocols): 5 bytes (`memcache_commands`),
//!   where Wireshark shows `memcache` and `memcache.command` and a code of what else it
//!   shows, for filters on them (8 while the ingest runs, in blocks of 4,096 that never
//!   move), and 4 more for a `stats` reply (how many `STAT` lines it shows);
//!   per memcached conversation 40 bytes on wasm32 (which messages are its, and the
//!   digest of its other text fields, which a query derives from the codes and the
//!   transactions; after a lost segment too), and 12 for each change
//!   of flags or expiration and a few dozen for each `VALUE` line a segment cut (both
//!   rare, the changes capped at one in eight messages).
//!
//! In the page, wasm memory keeps the ingest's peak, not what is left: so the index's
//! rows and the transactions go in blocks that never move
//! ([`crate::capture::app::Transactions`]), the transactions are kept in order of first
//! packet as they come (the sort at the end then has nothing to do; else it takes 8 bytes a
//! transaction), and [`Ingest::finish`] drops what is the ingest's own and gives back
//! spare room before it adds any scratch. On bench.pcap in headless Chromium
//! (`tests/e2e/bench.mjs`, which reads the worker's counting allocator) the heap peaks
//! at 35.5 bytes a packet, 32.4 live after; wasm memory is 42.3 (0.65 MB is there before
//! the open: the worker's 256 KiB stack and static data; the rest is the allocator's
//! block headers and holes). `cargo bench -p wirelens-core --bench memory` counts the heap of each part.
//!
//! Fixed, whatever the capture's size: the record being read (at most
//! [`source::MAX_RECORD`]), reassembly buffers ([`reassembly::MAX_STREAM_BUFFER`] a
//! stream direction, [`reassembly::MAX_TOTAL_BUFFER`] in all), IP fragments
//! (`wire::frag::FragLimits`, 16 MiB), a decompressor's window (at most
//! [`decompress::MAX_WINDOW`]) and the parsers' buffers of each open conversation (an
//! HTTP head at most [`app::http::MAX_HEAD`]).

pub mod app;
pub mod decompress;
pub mod driver;
pub mod flow;
pub mod hash;
pub mod reassembly;
pub mod source;
pub mod stats;
pub mod tcp;
pub mod wire;

use crate::capture::app::Extent;
use crate::capture::file::{IfStats, PacketOptions};
use crate::capture::flow::Direction;
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::tcp::{TcpControl, TcpConversation, TcpFlags};
pub use crate::capture::Stages;
use crate::capture::{Capture, CaptureInterface, FileInfo, IngestError, Secrets};
use decompress::{Decoder, Detect};
use flow::FlowTable;
use source::{BlockKind, Event, Record, RecordReader, SourceError};
use stats::Stats;
use std::collections::{HashMap, VecDeque};
use tcp::{Segment, TcpAnalysis};
use wire::Transport;

/// How many anomalies are kept in full; the rest are only counted.
const MAX_ANOMALIES: usize = 1000;

/// A packet held back until the other files catch up.
struct Queued {
    ts_ns: i64,
    offset: u64,
    caplen: u32,
    len: u32,
    iface: u32,
    data: Vec<u8>,
    comments: Vec<String>,
    options: PacketOptions,
    process: Option<u32>,
}

#[derive(Default)]
struct FileState {
    /// The first bytes, until they say whether the file is compressed.
    sniff: Vec<u8>,
    /// Some once the file is known to be compressed.
    decoder: Option<Decoder>,
    /// False until `sniff` has decided.
    sniffed: bool,
    reader: RecordReader,
    /// Global interface index of each of this file's interfaces.
    ifaces: Vec<u32>,
    /// Index into `Capture::processes` of each of this file's processes.
    processes: Vec<u32>,
    queue: VecDeque<Queued>,
    /// Packet records read from the file (numbers packets in messages).
    records: u64,
    ended: bool,
}

/// TFTP's requests as tshark follows them (packet-tftp.c): a datagram to port 69 that
/// TFTP dissects makes a conversation of its sender's address and port with the server's
/// address and any port, dissected as TFTP from then on whatever the ports (the server
/// answers from a new port, RFC 1350 §4).
#[derive(Default)]
struct Tftp {
    /// (client address, client port, server address) → the request's packet.
    requests: hash::Map<(std::net::IpAddr, u16, std::net::IpAddr), u32>,
    /// Conversation → the first packet TFTP claims in it.
    flows: hash::Map<u32, u32>,
}

impl Tftp {
    /// Notes a UDP datagram with a payload, `packet` of conversation `flow`.
    fn datagram(
        &mut self,
        packet: u32,
        flow: u32,
        src: (std::net::IpAddr, u16),
        dst: (std::net::IpAddr, u16),
    ) {
        use crate::ingest::app::{udp_ports, UdpPort};
        let to_tftp =
            dst.1 == 69 && udp_ports([src.1, dst.1]).next() == Some(UdpPort::Named("tftp"));
        if to_tftp {
            self.requests.entry((src.0, src.1, dst.0)).or_insert(packet);
        }
        if self.requests.is_empty() {
            return;
        }
        let claimed = self.requests.contains_key(&(src.0, src.1, dst.0))
            || self.requests.contains_key(&(dst.0, dst.1, src.0));
        if claimed {
            self.flows.entry(flow).or_insert(packet);
        }
    }
}

/// The analysis state every packet passes through, in timeline order.
#[derive(Default)]
struct Analysis {
    capture: Capture,
    /// TCP stream reassembly for the application parsers.
    reassembler: crate::ingest::reassembly::Reassembler,
    /// The application layer: parsers per conversation, transactions.
    apps: crate::ingest::app::Apps,
    dissector: wire::Dissector,
    flows: FlowTable,
    tcp: TcpAnalysis,
    control: Vec<TcpControl>,
    /// TFTP requests and the conversations they claim (`Capture::tftp_flows`).
    tftp: Tftp,
    stats: Stats,
    /// The stages that run (all by default).
    stages: Stages,
    /// Packets in the timeline so far (the index's length, when it is kept).
    count: u64,
    /// Timestamp of each file's packet before, to tell whether they are in order.
    prev_ts: Vec<i64>,
    /// Packets of each file in the timeline so far.
    file_packets: Vec<u64>,
    /// The current packet's head (`head_of`).
    head: Vec<u8>,
    /// The processes PKTAP headers named, by pid and command name: their index in
    /// `Capture::processes`.
    pktap_processes: HashMap<(u32, String), u32>,
}

impl Analysis {
    fn packet(&mut self, file: usize, p: &Record<'_>, iface: u32) {
        let c = &mut self.capture;
        let index = self.count;
        self.count += 1;
        c.first_packet_ns.get_or_insert(p.ts_ns);
        if let Some(f) = c.files.get_mut(file) {
            f.captured_bytes += p.caplen as u64;
            f.first_ns = Some(f.first_ns.map_or(p.ts_ns, |t| t.min(p.ts_ns)));
            f.last_ns = Some(f.last_ns.map_or(p.ts_ns, |t| t.max(p.ts_ns)));
            if self.prev_ts.len() <= file {
                self.prev_ts.resize(file + 1, i64::MIN);
                self.file_packets.resize(file + 1, 0);
            }
            self.file_packets[file] += 1;
            if p.ts_ns < self.prev_ts[file] {
                f.out_of_order += 1;
            }
            self.prev_ts[file] = p.ts_ns;
        }
        if let Some(i) = c.interfaces.get_mut(iface as usize) {
            i.packets += 1;
        }
        for comment in &p.comments {
            c.comments.push((index, comment.clone()));
        }
        if !p.options.is_empty() {
            c.packet_options.push((index, p.options));
        }
        // Past 2^32 packets, processes are no longer noted (the index fits 32 bits).
        let process = p.process.or_else(|| {
            let linktype = c.interfaces.get(iface as usize)?.interface.linktype;
            let (pid, name) = wire::pktap_process(linktype, p.data)?;
            Some(
                *self
                    .pktap_processes
                    .entry((pid, name))
                    .or_insert_with_key(|(pid, name)| {
                        c.processes.push(crate::capture::file::Process {
                            pid: *pid,
                            name: (!name.is_empty()).then(|| name.clone()),
                        });
                        c.processes.len() as u32 - 1
                    }),
            )
        });
        if let (Some(process), Ok(index)) = (process, u32::try_from(index)) {
            c.packet_processes.push((index, process));
        }
        let mut row = PacketRow {
            ts_ns: p.ts_ns,
            offset: p.offset,
            caplen: p.caplen,
            len: p.len,
            iface: iface.min(u16::MAX as u32) as u16,
            file: file.min(u16::MAX as usize) as u16,
            ..PacketRow::NONE
        };
        if index == Extent::MAX_PACKETS && self.stages.apps {
            // Transactions name their packets in 32 bits (`Extent`): the parsers see the
            // packets before this one only.
            let nth = self.file_packets.get(file).copied().unwrap_or_default();
            self.anomaly(
                file,
                p.offset,
                nth,
                format!(
                    "the application layer stops here: transactions name at most {} packets",
                    Extent::MAX_PACKETS
                ),
            );
        }
        if self.stages.flows {
            self.dissected(index, p, &mut row);
        }
        if self.stages.index {
            self.capture.packets.push(row);
        }
    }

    /// The stages after the records: dissection, flows and statistics, then the TCP
    /// analysis and the application layer if they are on. Fills in the row's flow,
    /// direction and flags.
    fn dissected(&mut self, index: u64, p: &Record<'_>, row: &mut PacketRow) {
        let c = &mut self.capture;
        let linktype = c
            .interfaces
            .get(row.iface as usize)
            .map_or(u16::MAX, |i| i.interface.linktype);
        let summary = self
            .dissector
            .dissect_frame(linktype, p.data, p.len as usize, p.ts_ns);
        let tunnel = self.dissector.tunnel();
        if !self.dissector.fragments().is_empty() {
            // The dissector numbers packets as they come, as the index does.
            c.datagrams
                .push(index, self.dissector.fragments().iter().map(|f| f.frame));
        }
        let flows = self
            .flows
            .add_all(&summary, tunnel.as_ref(), p.ts_ns, p.len);
        let (flow, dir) = flows.flow.unwrap_or((NO_FLOW, Direction::AToB));
        row.flow = flow;
        if dir == Direction::BToA {
            row.flags |= PacketRow::FLAG_B_TO_A;
        }
        if summary.outer_ip.is_some() || tunnel.is_some() {
            row.flags |= PacketRow::FLAG_TUNNELED;
        }
        row.tcp = tcp_header(&summary);
        if flow != NO_FLOW && row.flags & PacketRow::FLAG_TUNNELED == 0 && self.stages.index {
            // NFLOG's TLVs, each packet's timestamp among them, give the payload's length,
            // which a head cut after the IP header contradicts: no head.
            let head = (linktype != wire::linktype::NFLOG)
                .then(|| head_of(&summary, p.data, &mut self.head))
                .flatten();
            c.heads.add(flow, dir as usize, linktype, head);
        }
        // Echo requests as the packet list sees them: each packet alone (a request in
        // IP fragments shows as fragments there).
        if let (Some(m), wire::Net::Ip { src, dst, .. }, true) = (
            &summary.icmp,
            summary.net,
            self.dissector.reassembled().is_empty(),
        ) {
            if let Some((id, seq)) = m.echo.filter(|_| m.ty == if m.v6 { 128 } else { 8 }) {
                c.echo_requests
                    .push(crate::capture::echo_key(src, dst, id, seq), index);
            }
        }
        if let (
            Transport::Udp {
                src_port,
                dst_port,
                payload_len: 1..,
            },
            wire::Net::Ip { src, dst, .. },
            true,
            Ok(packet),
        ) = (
            summary.transport,
            summary.net,
            flow != NO_FLOW,
            u32::try_from(index),
        ) {
            self.tftp
                .datagram(packet, flow, (src, src_port), (dst, dst_port));
        }
        if let (Transport::Udp { payload_len: 0, .. }, true, Ok(packet)) =
            (summary.transport, flow != NO_FLOW, u32::try_from(index))
        {
            c.empty_udp.push(packet);
        }
        if let (Some(outer), Ok(packet)) = (flows.outer, u32::try_from(index)) {
            c.outer_flows.push((packet, outer));
        }
        if let (Transport::Tcp(t), wire::Net::Ip { src, dst, .. }, true, true) = (
            &summary.transport,
            summary.net,
            flow != NO_FLOW,
            self.stages.tcp,
        ) {
            let flags = self.tcp.segment(
                flow,
                dir,
                &Segment {
                    frame: index + 1,
                    ts_ns: p.ts_ns,
                    src,
                    dst,
                    tcp: t,
                },
            );
            tcp::note_segment(&mut self.control, flow, dir, t.flags);
            if flags != TcpFlags::default() {
                c.tcp_flags.push((index, flags));
            }
            let sa = self.tcp.seq_ack();
            if sa.shown {
                row.flags |= PacketRow::FLAG_SEQ_ANALYSIS;
            }
            row.bytes_in_flight = sa.bytes_in_flight.unwrap_or(0);
            if let Some(n) = sa.push_bytes {
                // Most segments count their own payload after a PSH: only the others
                // are listed.
                if n != t.payload_len || row.bytes_in_flight == 0 {
                    if let Ok(packet) = u32::try_from(index) {
                        c.tcp_push_bytes.push((packet, n));
                    }
                }
            }
            if let Some((frame, _)) = sa.acked {
                // The RTT is the difference of the two packets' timestamps
                // (`Capture::tcp_ack`); what is kept is how far back the segment is.
                let back = index.saturating_sub(frame.saturating_sub(1));
                row.acks_back = match u16::try_from(back) {
                    Ok(b) if b < PacketRow::ACKS_FAR => b,
                    _ => {
                        if let (Ok(packet), Ok(back)) = (u32::try_from(index), u32::try_from(back))
                        {
                            c.tcp_acks_far.push((packet, back));
                        }
                        PacketRow::ACKS_FAR
                    }
                };
            }
        }
        self.stats
            .add_tunneled(&summary, tunnel.as_ref(), p.len, p.ts_ns);
        if flow != NO_FLOW && self.stages.apps && index < Extent::MAX_PACKETS {
            let at = crate::capture::app::At {
                packet: index,
                ts_ns: p.ts_ns,
            };
            let payload =
                crate::ingest::app::payload_of(&summary, p.data, self.dissector.reassembled())
                    .unwrap_or(&[]);
            let conv = &self.flows.conversations[flow as usize];
            self.apps.packet(
                &mut self.reassembler,
                conv,
                flow,
                dir,
                &summary,
                payload,
                at,
                &c.packets,
            );
        }
    }

    fn anomaly(&mut self, file: usize, offset: u64, packet: u64, message: String) {
        let c = &mut self.capture;
        c.anomaly_count += 1;
        if c.anomalies.len() < MAX_ANOMALIES {
            c.anomalies.push(IngestError {
                file: c.files[file].name.clone(),
                offset,
                packet,
                message,
            });
        }
    }
}

/// What the index keeps of a packet's TCP header, for filters on `tcp.len` and
/// `tcp.flags` that read no bytes. Wireshark shows the TCP header of a fragmented
/// datagram in the frame that completes it and none in the other fragments, as the
/// dissection here does, and the innermost header of a tunnel. A packet with a second
/// TCP header, an ICMP error's quote, a header cut short or bogus, or layers past the
/// stack's room stays unknown: its bytes are read again.
fn tcp_header(s: &wire::Summary) -> crate::capture::packet::TcpHeader {
    use crate::capture::packet::TcpHeader;
    if s.stack.overflowed() {
        return TcpHeader::Unknown;
    }
    let tcps = s
        .stack
        .as_slice()
        .iter()
        .filter(|&&p| p == wire::Proto::Tcp)
        .count();
    match s.transport {
        Transport::Tcp(t) if tcps == 1 && s.stop.is_none() => TcpHeader::One {
            len: t.payload_len,
            word: u16::from_be_bytes([t.data_offset, t.flags]),
        },
        Transport::Tcp(_) | Transport::Icmp | Transport::Icmpv6 => TcpHeader::Unknown,
        _ if tcps == 0 => TcpHeader::Absent,
        _ => TcpHeader::Unknown,
    }
}

/// Push-based ingest of one or more capture files.
///
/// One file at a time: `begin_file`, `feed`…, `end_file`, then `finish`. Several files
/// merged by time: `add_file` each, then `feed_file` whichever [`Ingest::wants`] names
/// and `close_file` it at its end, then `finish`.
#[derive(Default)]
pub struct Ingest {
    analysis: Analysis,
    files: Vec<FileState>,
    /// Decompressed bytes between restart points of compressed files (None: the default).
    restart_spacing: Option<u64>,
}

impl Ingest {
    /// An empty ingest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes TCP or UDP `port` as `proto` (None: as no application protocol), like
    /// tshark's `-d tcp.port==PORT,PROTO`. Call before feeding.
    pub fn decode_as(
        &mut self,
        l4: crate::capture::flow::L4,
        port: u16,
        proto: Option<crate::capture::app::AppProto>,
    ) {
        self.analysis.apps.decode_as(l4, port, proto);
    }

    /// TLS secrets given with the capture: an NSS key log (`SSLKEYLOGFILE`; tshark's
    /// `-o tls.keylog_file:PATH`). TLS conversations whose secrets it has are decrypted
    /// and what they carry is parsed. Call before feeding; it may be called several
    /// times. Returns what the key log held so far (secrets read, lines ignored).
    pub fn add_key_log(&mut self, text: &[u8]) -> crate::ingest::app::tls::keylog::KeyLogStats {
        self.analysis.apps.add_key_log(text, 0);
        self.analysis.capture.secrets.push(Secrets {
            file: Secrets::GIVEN,
            kind: crate::ingest::app::tls::keylog::DSB_TLS_KEY_LOG,
            packet: 0,
            data: text.to_vec(),
        });
        self.analysis.apps.key_log_stats()
    }

    /// An ingest that runs only the given stages (see [`Stages`]; what they need is
    /// added: the TCP analysis and the application layer need the flows).
    pub fn with_stages(stages: Stages) -> Self {
        let mut ingest = Self::default();
        ingest.set_stages(stages);
        ingest
    }

    /// Chooses the stages that run (every one by default). Call before feeding.
    pub fn set_stages(&mut self, stages: Stages) {
        let stages = stages.with_needs();
        self.analysis.stages = stages;
        self.analysis.apps.set_enabled(stages.apps);
    }

    /// The stages that run.
    pub fn stages(&self) -> Stages {
        self.analysis.stages
    }

    /// Turns the application layer (TCP reassembly, HTTP/DNS/TLS/memcached/MySQL/Redis
    /// parsers, `Capture::transactions`) on or off; on by default. Call before feeding.
    pub fn set_app_layer(&mut self, enabled: bool) {
        self.set_stages(Stages {
            apps: enabled,
            ..self.analysis.stages
        });
    }

    /// Records restart points of compressed files `spacing` decompressed bytes apart
    /// (default [`decompress::RESTART_SPACING`]). Call before feeding.
    pub fn set_restart_spacing(&mut self, spacing: u64) {
        self.restart_spacing = Some(spacing);
    }

    /// Adds a file to read; returns its index.
    pub fn add_file(&mut self, name: &str) -> usize {
        self.analysis.capture.files.push(FileInfo {
            name: name.to_owned(),
            ..FileInfo::default()
        });
        self.files.push(FileState::default());
        self.files.len() - 1
    }

    /// The file whose next bytes the merge needs, or None when every file has ended.
    pub fn wants(&self) -> Option<usize> {
        self.files
            .iter()
            .position(|f| !f.ended && f.queue.is_empty())
    }

    /// Feeds the next bytes of a file, in chunks of any size. Compressed files (gzip,
    /// bzip2, zstd, xz, recognised by their magic bytes) are decompressed on the way.
    pub fn feed_file(&mut self, file: usize, chunk: &[u8]) {
        let Some(state) = self.files.get_mut(file) else {
            return;
        };
        if state.ended {
            return;
        }
        self.analysis.capture.files[file].bytes += chunk.len() as u64;
        if state.sniffed {
            self.feed_stored(file, chunk);
        } else {
            let take = (decompress::DETECT_LEN - state.sniff.len()).min(chunk.len());
            state.sniff.extend_from_slice(&chunk[..take]);
            match decompress::detect(&state.sniff) {
                Detect::NeedMore => return,
                Detect::Compressed(c) => {
                    state.decoder =
                        Some(Decoder::new(c).with_restarts(decompress::RESTART_SPACING));
                    self.analysis.capture.files[file].compression = Some(c);
                }
                Detect::Plain => {}
            }
            state.sniffed = true;
            let sniff = std::mem::take(&mut state.sniff);
            self.feed_stored(file, &sniff);
            self.feed_stored(file, &chunk[take..]);
        }
        self.merge();
    }

    /// Passes bytes as stored in the file through the decoder, if any, to the reader.
    fn feed_stored(&mut self, file: usize, bytes: &[u8]) {
        // With no other file still open, packets go straight through, uncopied.
        let direct = self
            .files
            .iter()
            .enumerate()
            .all(|(i, f)| i == file || (f.ended && f.queue.is_empty()));
        let FileState {
            reader,
            ifaces,
            processes,
            queue,
            records,
            decoder,
            ..
        } = &mut self.files[file];
        let analysis = &mut self.analysis;
        let mut to_reader = |plain: &[u8]| {
            reader.feed(plain, &mut |event| {
                on_event(
                    analysis,
                    file,
                    (ifaces, processes),
                    queue,
                    records,
                    direct,
                    event,
                )
            });
        };
        match decoder {
            None => to_reader(bytes),
            // An error stops the decoder; it is reported when the file is closed.
            Some(d) => {
                let _ = d.feed(bytes, &mut to_reader);
            }
        }
    }

    /// Ends a file, recording any error that stopped it.
    pub fn close_file(&mut self, file: usize) {
        let Some(state) = self.files.get_mut(file) else {
            return;
        };
        if state.ended {
            return;
        }
        if !state.sniffed {
            // A file shorter than any compression magic.
            state.sniffed = true;
            let sniff = std::mem::take(&mut state.sniff);
            self.feed_stored(file, &sniff);
        }
        let direct = self
            .files
            .iter()
            .enumerate()
            .all(|(i, f)| i == file || (f.ended && f.queue.is_empty()));
        let FileState {
            reader,
            ifaces,
            processes,
            queue,
            records,
            decoder,
            ended,
            ..
        } = &mut self.files[file];
        *ended = true;
        let analysis = &mut self.analysis;
        let decode_error = decoder.as_mut().and_then(|d| {
            d.finish(&mut |plain: &[u8]| {
                reader.feed(plain, &mut |event| {
                    on_event(
                        analysis,
                        file,
                        (ifaces, processes),
                        queue,
                        records,
                        direct,
                        event,
                    )
                });
            })
            .err()
        });
        let read_error = reader.finish();
        let c = &mut self.analysis.capture;
        if let Some(d) = decoder {
            c.files[file].restarts = d.take_restarts();
        }
        let packet = self.files[file].records + 1;
        // A damaged compressed stream explains whatever the reader then found wrong.
        let error = match (decode_error, read_error) {
            (Some(e), _) => Some((e.offset, e.to_string())),
            (None, Some(SourceError { offset, kind })) => Some(match c.files[file].compression {
                Some(comp) => (
                    offset,
                    format!("{kind} (at this offset of the {comp}-decompressed data)"),
                ),
                None => (offset, kind.to_string()),
            }),
            (None, None) => None,
        };
        if let Some((offset, message)) = error {
            c.errors.push(IngestError {
                file: c.files[file].name.clone(),
                offset,
                packet,
                message,
            });
        }
        self.merge();
    }

    /// Ends a file that could not be read further, at stored offset `offset`: `message`
    /// is its error (it explains a record the file then ends inside).
    pub fn fail_file(&mut self, file: usize, offset: u64, message: String) {
        if self.files.get(file).is_none_or(|f| f.ended) {
            return;
        }
        let errors = self.analysis.capture.errors.len();
        self.close_file(file);
        let c = &mut self.analysis.capture;
        c.errors.truncate(errors);
        c.errors.push(IngestError {
            file: c.files[file].name.clone(),
            offset,
            packet: self.files[file].records + 1,
            message,
        });
    }

    /// Starts the next file of a one-at-a-time ingest, ending the previous one.
    pub fn begin_file(&mut self, name: &str) {
        self.end_file();
        self.add_file(name);
    }

    /// Feeds the next bytes of the file begun last.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.files.last().is_none_or(|f| f.ended) {
            self.add_file("<input>");
        }
        self.feed_file(self.files.len() - 1, chunk);
    }

    /// Ends the file begun last.
    pub fn end_file(&mut self) {
        if let Some(last) = self.files.len().checked_sub(1) {
            self.close_file(last);
        }
    }

    /// Bytes fed so far, over all files.
    pub fn bytes_fed(&self) -> u64 {
        self.analysis.capture.files.iter().map(|f| f.bytes).sum()
    }

    /// Packets in the timeline so far.
    pub fn packets(&self) -> usize {
        self.analysis.count as usize
    }

    /// `done` of the `total` bytes of the input have been fed: makes room at once for the
    /// index's rows the rest will likely add, at the rate seen so far (see
    /// [`Packets::reserve_expected`]). A `Vec` left to grow doubles, and holds its old
    /// and new blocks while it copies: up to three times what it needs, in a wasm32 heap
    /// that never shrinks. The driver calls this when it knows the files' sizes.
    pub fn reserve_for(&mut self, done: u64, total: u64) {
        let a = &mut self.analysis;
        if a.stages.index {
            a.capture.packets.reserve_expected(done, total);
        }
    }

    /// Ends every file and returns the capture.
    ///
    /// Wasm memory never shrinks, so what the page holds is the ingest's peak: what is
    /// done with goes before what `finish` adds (the transactions' sort), and the index
    /// and the transactions give back their spare room first.
    pub fn finish(mut self) -> Capture {
        for f in 0..self.files.len() {
            self.close_file(f);
        }
        let a = &mut self.analysis;
        let stages = a.stages;
        // The index is kept for the capture's life: give back what its growth left spare
        // (up to half of it).
        a.capture.packets.shrink_to_fit();
        a.dissector = wire::Dissector::default();
        if stages.tcp {
            a.capture.tcp_control = std::mem::take(&mut a.control);
            a.capture.tcp_acked_bases = a.tcp.acked_bases();
            a.capture.tcp_ace = a.tcp.ace();
            a.capture.tcp = std::mem::take(&mut a.tcp).finish();
        }
        if stages.flows {
            a.capture.stats = std::mem::take(&mut a.stats).finish();
            let mut tftp: Vec<(u32, u32)> = std::mem::take(&mut a.tftp.flows).into_iter().collect();
            tftp.sort_unstable();
            a.capture.tftp_flows = tftp;
        }
        if stages.apps {
            // The parsers saw the packets before `Extent::MAX_PACKETS` only.
            let apps = std::mem::take(&mut a.apps).finish(
                &mut a.reassembler,
                &a.flows.conversations,
                &a.capture.packets,
            );
            a.capture.transactions = apps.transactions;
            a.capture.app_protos = apps.protos;
            a.capture.app_clients = apps.clients;
            a.capture.app_inner = apps.inner;
            a.capture.pdus = apps.pdus;
            a.capture.tls_switches = apps.tls_switches;
            a.capture.app_stats = apps.stats;
            a.capture.memcache_commands = apps.memcache_commands;
            a.capture.reassembly = a.reassembler.stats();
        }
        let Analysis {
            mut capture, flows, ..
        } = self.analysis;
        capture.stages = stages;
        capture.conversations = flows.conversations;
        capture.echo_requests.finish();
        capture.datagrams.finish();
        capture.heads.finish();
        if stages.tcp {
            capture
                .tcp_control
                .resize(capture.conversations.len(), TcpControl::default());
            capture
                .tcp
                .resize(capture.conversations.len(), TcpConversation::default());
        }
        capture
    }

    /// Moves held-back packets into the timeline while every open file has one queued.
    fn merge(&mut self) {
        loop {
            if self.files.iter().any(|f| !f.ended && f.queue.is_empty()) {
                return;
            }
            let next = self
                .files
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.queue.front().map(|q| (q.ts_ns, i)))
                .min();
            let Some((_, file)) = next else { return };
            let Some(q) = self.files[file].queue.pop_front() else {
                return;
            };
            let rec = Record {
                ts_ns: q.ts_ns,
                offset: q.offset,
                caplen: q.caplen,
                len: q.len,
                iface: 0,
                data: &q.data,
                comments: q.comments,
                options: q.options,
                process: q.process,
            };
            self.analysis.packet(file, &rec, q.iface);
        }
    }
}

/// A packet's head for [`crate::capture::heads::Heads`]: its bytes up to the end of its
/// IP header (IPv6: the fixed 40 bytes) with the lengths, identification, checksum and
/// addresses cleared, in `buf`. None when its IP header cannot be placed in the frame
/// (a datagram reassembled from fragments, a header the capture cut).
fn head_of<'b>(s: &wire::Summary, frame: &[u8], buf: &'b mut Vec<u8>) -> Option<&'b [u8]> {
    let ip = s.ip.as_ref()?;
    let payload = s.payload.filter(|p| !p.reassembled)?;
    let l4 = match s.transport {
        Transport::Tcp(t) => usize::from(t.data_offset >> 4) * 4,
        Transport::Udp { .. } => 8,
        _ => return None,
    };
    let start = (payload.offset as usize).checked_sub(l4 + usize::from(ip.header_len))?;
    let fixed = if ip.version == 4 {
        usize::from(ip.header_len)
    } else {
        40
    };
    let bytes = frame.get(..start + fixed)?;
    if bytes[start] >> 4 != ip.version {
        return None;
    }
    buf.clear();
    buf.extend_from_slice(bytes);
    let cleared: &[std::ops::Range<usize>] = if ip.version == 4 {
        &[2..6, 10..20]
    } else {
        &[4..6, 8..40]
    };
    for r in cleared {
        buf[start + r.start..start + r.end].fill(0);
    }
    Some(buf)
}

fn on_event(
    a: &mut Analysis,
    file: usize,
    (ifaces, processes): (&mut Vec<u32>, &mut Vec<u32>),
    queue: &mut VecDeque<Queued>,
    records: &mut u64,
    direct: bool,
    event: Event<'_>,
) {
    let c = &mut a.capture;
    match event {
        Event::Format(f) => c.files[file].format = Some(f),
        Event::Block { kind, .. } => {
            let name = match kind {
                BlockKind::Other(_) => "other",
                k => k.name(),
            };
            *c.files[file].blocks.entry(name).or_default() += 1;
        }
        Event::Section(s) => c.files[file].sections.push(s),
        Event::Interface(interface) => {
            ifaces.push(c.interfaces.len() as u32);
            c.interfaces.push(CaptureInterface {
                file: file as u16,
                interface,
                stats: None,
                packets: 0,
                section: c.files[file].sections.len().saturating_sub(1) as u32,
            });
        }
        Event::Stats(stats) => {
            if let Some(&global) = ifaces.get(stats.iface as usize) {
                if let Some(i) = c.interfaces.get_mut(global as usize) {
                    i.stats = Some(IfStats {
                        iface: global,
                        ..stats
                    });
                }
            }
        }
        Event::Names(names) => {
            for (addr, name) in names {
                c.names.entry(addr).or_insert(name);
            }
        }
        Event::Secrets { kind, data } => {
            // From the next packet of the timeline on.
            let packet = c.packets.len() as u64;
            if kind == crate::ingest::app::tls::keylog::DSB_TLS_KEY_LOG {
                a.apps.add_key_log(&data, packet);
            }
            c.secrets.push(Secrets {
                file: file as u16,
                kind,
                packet,
                data,
            })
        }
        Event::Process(p) => {
            processes.push(c.processes.len() as u32);
            c.processes.push(p);
        }
        Event::Anomaly { offset, message } => a.anomaly(file, offset, *records + 1, message),
        Event::Packet(p) => {
            *records += 1;
            c.files[file].packets += 1;
            let iface = ifaces.get(p.iface as usize).copied().unwrap_or(u32::MAX);
            let process = p.process.and_then(|i| processes.get(i as usize).copied());
            if direct {
                a.packet(file, &Record { process, ..p }, iface);
            } else {
                queue.push_back(Queued {
                    ts_ns: p.ts_ns,
                    offset: p.offset,
                    caplen: p.caplen,
                    len: p.len,
                    iface,
                    data: p.data.to_vec(),
                    comments: p.comments,
                    options: p.options,
                    process,
                });
            }
        }
    }
}

/// Reads a whole capture held in memory (tests, small files).
pub fn ingest_bytes(name: &str, bytes: &[u8]) -> Capture {
    let mut ingest = Ingest::new();
    ingest.begin_file(name);
    ingest.feed(bytes);
    ingest.finish()
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::TcpAck;

    /// A pcap file whose packets carry the given timestamps (seconds) and a marker byte.
    fn pcap(ts: &[(u32, u8)]) -> Vec<u8> {
        let mut v = vec![
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0,
            0,
        ];
        for &(sec, mark) in ts {
            for f in [sec, 0, 1, 1] {
                v.extend_from_slice(&f.to_le_bytes());
            }
            v.push(mark);
        }
        v
    }

    #[test]
    fn the_driver_makes_room_for_a_file_of_known_size() {
        let stamps: Vec<(u32, u8)> = (0..400).map(|i| (i, i as u8)).collect();
        let bytes = pcap(&stamps);
        let mut d = driver::Driver::new(&driver::Options::default(), 1000);
        d.add_file("a", Some(bytes.len() as u64));
        let mut peak_capacity = 0;
        while let Some(r) = d.next_read() {
            let end = (r.offset + r.len).min(bytes.len() as u64);
            d.supply(r.file, &bytes[r.offset as usize..end as usize]);
            peak_capacity = peak_capacity.max(d.ingest_capacity());
        }
        // One guess from the first thirty-second on, a sixteenth over (in whole blocks of
        // 64 rows): no doubling to 512.
        assert!((400..=448).contains(&peak_capacity), "{peak_capacity}");
        assert_eq!(d.finish().packets.len(), 400);
    }

    #[test]
    fn several_files_merge_by_time_whatever_the_chunking() {
        let a = pcap(&[(1, 1), (4, 4), (5, 5)]);
        let b = pcap(&[(2, 2), (3, 3), (6, 6), (7, 7)]);
        for chunk in [1, 3, 17, 1000] {
            let mut ingest = Ingest::new();
            let files = [ingest.add_file("a"), ingest.add_file("b")];
            let mut pos = [0usize; 2];
            let data = [&a, &b];
            while let Some(f) = ingest.wants() {
                let i = files.iter().position(|&x| x == f).unwrap();
                if pos[i] >= data[i].len() {
                    ingest.close_file(f);
                    continue;
                }
                let end = (pos[i] + chunk).min(data[i].len());
                ingest.feed_file(f, &data[i][pos[i]..end]);
                pos[i] = end;
            }
            let c = ingest.finish();
            let order: Vec<(i64, u16)> = c
                .packets
                .iter()
                .map(|p| (p.ts_ns / 1_000_000_000, p.file))
                .collect();
            assert_eq!(
                order,
                [(1, 0), (2, 1), (3, 1), (4, 0), (5, 0), (6, 1), (7, 1)],
                "chunk {chunk}"
            );
            assert_eq!(c.interfaces.len(), 2);
            assert!(c.errors.is_empty());
        }
    }

    /// A capture of real HTTP traffic in the repository.
    fn http_capture() -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers/http.pcap");
        std::fs::read(path).expect("tests/data/servers is in the repository")
    }

    fn ingest_with(stages: Stages, bytes: &[u8]) -> Capture {
        let mut ingest = Ingest::with_stages(stages);
        ingest.begin_file("http.pcap");
        ingest.feed(bytes);
        ingest.finish()
    }

    #[test]
    fn each_stage_fills_in_its_parts_and_the_same_answers() {
        let bytes = http_capture();
        let all = ingest_with(Stages::ALL, &bytes);
        assert_eq!(all.stages, Stages::ALL);
        assert!(!all.transactions.is_empty() && !all.tcp.is_empty());
        assert!(all.packets.iter().any(|p| p.bytes_in_flight != 0));
        assert!(all.packets.iter().any(|p| p.acks_back != 0));

        let records = ingest_with(Stages::RECORDS, &bytes);
        assert_eq!(records.stages, Stages::RECORDS);
        assert_eq!(records.packets.len(), all.packets.len());
        assert!(records
            .packets
            .iter()
            .all(|p| p.flow == NO_FLOW && p.flags == 0));
        assert!(records.conversations.is_empty() && records.stats.hierarchy.is_empty());

        let flows = ingest_with(Stages::FLOWS, &bytes);
        assert_eq!(flows.conversations, all.conversations);
        assert_eq!(flows.stats.ip, all.stats.ip);
        assert_eq!(flows.stats.hierarchy, all.stats.hierarchy);
        let flow_of = |c: &Capture| -> Vec<(u32, u8)> {
            c.packets
                .iter()
                .map(|p| (p.flow, p.flags & PacketRow::FLAG_B_TO_A))
                .collect()
        };
        assert_eq!(flow_of(&flows), flow_of(&all));
        assert!(flows.tcp.is_empty() && flows.tcp_control.is_empty());
        assert!(flows.transactions.is_empty() && flows.app_protos.is_empty());
        assert!(flows
            .packets
            .iter()
            .all(|p| p.acks_back == 0 && p.bytes_in_flight == 0));

        let tcp = ingest_with(Stages::TCP, &bytes);
        assert_eq!(tcp.tcp, all.tcp);
        assert_eq!(tcp.tcp_flags, all.tcp_flags);
        assert_eq!(tcp.packets, all.packets);
        assert!(tcp.transactions.is_empty());

        // The application layer alone still gets the flows it needs.
        let apps = Stages {
            index: false,
            flows: false,
            tcp: false,
            apps: true,
        };
        let apps = ingest_with(apps, &bytes);
        assert_eq!(
            apps.stages,
            Stages {
                index: true,
                flows: true,
                tcp: false,
                apps: true
            }
        );
        assert_eq!(apps.transactions, all.transactions);
        assert!(apps.tcp.is_empty());

        // Without the index, memory grows with conversations only; the counts stay.
        let lean = ingest_with(Stages::FLOWS.without_index(), &bytes);
        assert!(lean.packets.is_empty());
        assert_eq!(lean.packet_count(), all.packet_count());
        assert_eq!(lean.first_ts_ns(), all.first_ts_ns());
        assert_eq!(lean.conversations, all.conversations);
        assert_eq!(lean.stats.hierarchy, all.stats.hierarchy);
        let f = &lean.files[0];
        assert_eq!(f.packets, all.packets.len() as u64);
        assert_eq!(
            f.captured_bytes,
            all.packets.iter().map(|p| p.caplen as u64).sum::<u64>()
        );
        assert_eq!(f.first_ns, all.packets.iter().map(|p| p.ts_ns).min());
        assert_eq!(f.last_ns, all.packets.iter().map(|p| p.ts_ns).max());
        assert_eq!(
            lean.interfaces.iter().map(|i| i.packets).sum::<u64>(),
            f.packets
        );
    }

    #[test]
    fn an_ack_far_back_is_kept_beside_the_index() {
        // Segments acknowledged 65,535 or more packets later (a long-idle connection in
        // a busy capture) do not fit the row's 16 bits.
        let mut c = Capture::default();
        let row = |ts_ns: i64| PacketRow {
            ts_ns,
            flow: 0,
            ..PacketRow::NONE
        };
        let mut rows: Vec<PacketRow> = (0..70_000).map(|i| row(i * 10)).collect();
        rows[69_999].acks_back = PacketRow::ACKS_FAR;
        rows[69_999].bytes_in_flight = 7;
        c.tcp_acks_far.push((69_999, 69_998));
        rows[3].acks_back = 2;
        c.packets = rows.into_iter().collect();
        assert_eq!(
            c.tcp_ack(69_999),
            Some(TcpAck {
                frame: 2,
                rtt_ns: 699_980,
                bytes_in_flight: 7
            })
        );
        assert_eq!(
            c.tcp_ack(3),
            Some(TcpAck {
                frame: 2,
                rtt_ns: 20,
                bytes_in_flight: 0
            })
        );
        assert_eq!(c.tcp_ack(4), None);
        assert_eq!(c.tcp_ack(70_000), None);
    }

    #[test]
    fn files_count_their_packets_times_and_order_without_the_index() {
        let bytes = pcap(&[(1, 1), (3, 3), (2, 2), (2, 4)]);
        let mut ingest = Ingest::with_stages(Stages::RECORDS.without_index());
        ingest.begin_file("f.pcap");
        ingest.feed(&bytes);
        let c = ingest.finish();
        assert!(c.packets.is_empty());
        assert_eq!(c.packet_count(), 4);
        let f = &c.files[0];
        assert_eq!((f.packets, f.captured_bytes, f.out_of_order), (4, 4, 1));
        assert_eq!(
            (f.first_ns, f.last_ns),
            (Some(1_000_000_000), Some(3_000_000_000))
        );
        assert_eq!(c.first_ts_ns(), 1_000_000_000);
        assert_eq!(c.interfaces[0].packets, 4);
    }

    #[test]
    fn damage_keeps_earlier_packets_and_names_file_offset_and_packet() {
        let mut bytes = pcap(&[(1, 1), (2, 2), (3, 3)]);
        bytes.truncate(bytes.len() - 3);
        let c = ingest_bytes("cut.pcap", &bytes);
        assert_eq!(c.packets.len(), 2);
        assert_eq!(
            c.errors,
            [IngestError {
                file: "cut.pcap".into(),
                offset: 24 + 2 * 17,
                packet: 3,
                message: "the file is cut short: the last record needs 17 bytes, 14 present".into()
            }]
        );
    }
}
