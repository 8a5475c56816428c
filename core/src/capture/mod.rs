//! The finished record of a capture: what the ingest pipeline writes and every query
//! reads. Plain data: no parsing here, no I/O, and no dependency on the pipeline that
//! fills it in (`crate::ingest`) or on the queries that read it (`crate::query`).

pub mod app;
pub mod file;
pub mod flow;
pub mod heads;
pub mod packet;
pub mod restart;
pub mod stats;
pub mod tcp;

use file::{Compression, Format, IfStats, Interface, PacketOptions, Process, Section};
use packet::{PacketRow, Packets, Reader};
use serde::Serialize;
use stats::StatsResult;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use tcp::{TcpControl, TcpConversation, TcpFlags};

/// A file taking part in an ingest.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileInfo {
    /// Name as given by the caller (path or browser file name).
    pub name: String,
    /// Format, once recognised.
    pub format: Option<Format>,
    /// Compression the file was read through (offsets are then into the decompressed
    /// data).
    pub compression: Option<Compression>,
    /// Bytes read (of the file as stored, compressed or not).
    pub bytes: u64,
    /// Packets read from this file.
    pub packets: u64,
    /// Sum of its packets' captured lengths.
    pub captured_bytes: u64,
    /// Earliest packet timestamp, ns since the epoch.
    pub first_ns: Option<i64>,
    /// Latest packet timestamp, ns since the epoch.
    pub last_ns: Option<i64>,
    /// Packets with a timestamp earlier than the packet before them in the file.
    pub out_of_order: u64,
    /// pcapng blocks by kind (`SHB`, `EPB`, …).
    pub blocks: BTreeMap<&'static str, u64>,
    /// pcapng sections of this file.
    pub sections: Vec<Section>,
    /// Where decoding can start again in a compressed file (none when it is not).
    #[serde(skip)]
    pub restarts: restart::Restarts,
}

/// An error or anomaly in one file, with everything a user needs to find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IngestError {
    /// File name.
    pub file: String,
    /// Byte offset in the file where the damaged record or block starts.
    pub offset: u64,
    /// Number (1-based, within the file) of the packet concerned.
    pub packet: u64,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: at byte offset {}, packet {}: {}",
            self.file, self.offset, self.packet, self.message
        )
    }
}

impl std::error::Error for IngestError {}

/// An interface of the merged capture: one file's interface.
#[derive(Clone, Debug, Serialize)]
pub struct CaptureInterface {
    /// Index into [`Capture::files`].
    pub file: u16,
    /// The interface as the file describes it.
    #[serde(flatten)]
    pub interface: Interface,
    /// The last statistics the file gave for it (pcapng ISB).
    pub stats: Option<IfStats>,
    /// The file's section (0-based) that described it: a packet's section is its
    /// interface's (`frame.section_number`), and its interface id counts from the
    /// section's first.
    #[serde(skip)]
    pub section: u32,
    /// Packets captured on it.
    pub packets: u64,
}

/// Decryption secrets: found in a file (pcapng DSB), or given with the capture (a key
/// log, [`Secrets::GIVEN`]).
#[derive(Clone, Debug, Serialize)]
pub struct Secrets {
    /// Index into [`Capture::files`], or [`Secrets::GIVEN`].
    pub file: u16,
    /// `secrets_type` (a TLS key log is 0x544c534b, `TLSK`).
    pub kind: u32,
    /// Index into [`Capture::packets`] of the first packet read after them: secrets in a
    /// capture apply from where they are, as Wireshark reads them (0 for a given key log).
    pub packet: u64,
    /// The secrets.
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Secrets {
    /// The `file` of secrets given with the capture rather than found in a file.
    pub const GIVEN: u16 = u16::MAX;
}

/// What the TCP analysis shows of one segment's acknowledgement and bytes in flight, as
/// [`Capture::tcp_ack`] gives it out (the index keeps it in [`PacketRow`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpAck {
    /// `tcp.analysis.acks_frame`: the frame (1-based) of the segment it acknowledges
    /// exactly; 0: none.
    pub frame: u64,
    /// `tcp.analysis.ack_rtt`: time since that segment, ns (Wireshark shows no
    /// `ack_rtt` when it is 0).
    pub rtt_ns: i64,
    /// `tcp.analysis.bytes_in_flight`; 0: none.
    pub bytes_in_flight: u32,
}

/// Which stages of the ingest pipeline ran, and so which parts of a [`Capture`] hold
/// anything. Every ingest reads the formats and records: files, interfaces, the packet
/// index, comments, processes, names, errors. The rest is opt-in, so that a question
/// pays only for the stages its answer needs (`wirelens info` reads records only;
/// `conv` needs flows; `expert` the TCP analysis; the page and the transaction commands
/// everything). A stage that did not run leaves its parts empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Stages {
    /// The packet index (`packets`): a row per packet, compressed (8.9 bytes a packet on
    /// bench.pcap), the only part of an ingest that grows with every packet. Without it memory grows with conversations
    /// only; per-file and per-interface counts, times and sizes are kept either way. The
    /// TCP analysis and the application layer need it.
    pub index: bool,
    /// L2–L4 dissection, TCP and UDP conversations (`conversations`, and each packet's
    /// flow id and direction in the index), and the statistics (`stats`: Ethernet and IP
    /// conversations, protocol hierarchy).
    pub flows: bool,
    /// TCP analysis (needs `flows`): `tcp`, `tcp_flags`, `tcp_acks`, `tcp_control`, and
    /// [`PacketRow::FLAG_SEQ_ANALYSIS`].
    pub tcp: bool,
    /// TCP reassembly and the application parsers (needs `flows`): `transactions`,
    /// `app_protos`, `app_clients`, `app_stats`, `reassembly`.
    pub apps: bool,
}

impl Stages {
    /// Formats and records only: no dissection.
    pub const RECORDS: Stages = Stages {
        index: true,
        flows: false,
        tcp: false,
        apps: false,
    };
    /// Records, dissection, conversations and statistics.
    pub const FLOWS: Stages = Stages {
        index: true,
        flows: true,
        tcp: false,
        apps: false,
    };
    /// Flows and the TCP analysis.
    pub const TCP: Stages = Stages {
        index: true,
        flows: true,
        tcp: true,
        apps: false,
    };
    /// Every stage: flows, TCP analysis, reassembly and application parsers.
    pub const ALL: Stages = Stages {
        index: true,
        flows: true,
        tcp: true,
        apps: true,
    };

    /// The same stages without the packet index.
    pub fn without_index(self) -> Stages {
        Stages {
            index: false,
            ..self
        }
    }

    /// The same stages with what they need added (TCP analysis and the application
    /// layer need the flows and the index).
    pub fn with_needs(self) -> Stages {
        let later = self.tcp || self.apps;
        Stages {
            index: self.index || later,
            flows: self.flows || later,
            ..self
        }
    }
}

impl Default for Stages {
    /// Every stage.
    fn default() -> Self {
        Stages::ALL
    }
}

/// The result of an ingest.
#[derive(Default, Serialize)]
pub struct Capture {
    /// The stages of the pipeline that ran: parts of later stages are empty otherwise.
    pub stages: Stages,
    /// Files, in the order they were added.
    pub files: Vec<FileInfo>,
    /// Timestamp of the first packet of the timeline (kept with or without the index).
    pub first_packet_ns: Option<i64>,
    /// Every interface of every file; a packet's `iface` indexes this.
    pub interfaces: Vec<CaptureInterface>,
    /// One row per packet, in timeline order (empty when the ingest kept no index: see
    /// [`Stages::index`]).
    #[serde(skip)]
    pub packets: Packets,
    /// Packet comments: (index of the packet in the timeline, that is into `packets`,
    /// comment).
    pub comments: Vec<(u64, String)>,
    /// The packets whose pcapng block has flags or a drop count or no timestamp, in
    /// timeline order:
    /// (index into `packets`, the options); read with [`Capture::packet_options`].
    #[serde(skip)]
    pub packet_options: Vec<(u64, PacketOptions)>,
    /// Processes the files describe (Apple's Process Information Blocks).
    pub processes: Vec<Process>,
    /// The process of each packet that names one: (index into `packets`, index into
    /// `processes`).
    #[serde(skip)]
    pub packet_processes: Vec<(u32, u32)>,
    /// Address-to-name records from the files (pcapng NRB); the first name wins.
    pub names: BTreeMap<IpAddr, String>,
    /// Decryption secrets, kept for the dissectors that will use them.
    pub secrets: Vec<Secrets>,
    /// TCP and UDP conversations, in order of their first packet.
    pub conversations: Vec<flow::Conversation>,
    /// TCP analysis of each conversation, indexed like `conversations` (empty for UDP).
    pub tcp: Vec<TcpConversation>,
    /// `tcp.analysis.*` flags of the segments that have any: (index into `packets`, flags).
    #[serde(skip)]
    pub tcp_flags: Vec<(u64, TcpFlags)>,
    /// The segments that acknowledge a segment [`PacketRow::ACKS_FAR`] or more packets
    /// back: (index into `packets`, how many packets back), in packet order. The others
    /// say it in their row; read either with [`Capture::tcp_ack`].
    #[serde(skip)]
    pub tcp_acks_far: Vec<(u32, u32)>,
    /// `tcp.analysis.push_bytes_sent` of the segments whose row does not say it: (index
    /// into `packets`, bytes), in packet order. A segment with bytes in flight in its
    /// row and none here sent its own payload since the last PSH; read either with
    /// [`Capture::tcp_push_bytes`].
    #[serde(skip)]
    pub tcp_push_bytes: Vec<(u32, u32)>,
    /// The TCP conversations whose way's base sequence number came from an ACK of the
    /// other way after that way's first packet: [conversation, way (0: A to B), base],
    /// by conversation (`TcpAnalysis::acked_bases`). Rare: only one side captured after a
    /// SYN, or the SYN-ACK lost.
    #[serde(skip)]
    pub tcp_acked_bases: Vec<[u32; 3]>,
    /// The TCP conversations that use AccECN's ACE counter (RFC 9768): (conversation,
    /// the frame number after which its segments other than SYNs carry it), by
    /// conversation (`TcpAnalysis::ace`). Read with [`Capture::tcp_ace`].
    #[serde(skip)]
    pub tcp_ace: Vec<(u32, u64)>,
    /// Packets decapsulated from a UDP tunnel whose inner packet has a conversation of
    /// its own (their row's): (index into `packets`, the outer UDP datagram's
    /// conversation), in packet order. Read with [`Capture::outer_flow`].
    #[serde(skip)]
    pub outer_flows: Vec<(u32, u32)>,
    /// The packets of a UDP conversation whose datagram is empty (UDP length 8), in
    /// packet order: packet-udp.c returns before their conversation timestamps
    /// (`udp.time_relative`). Read with [`Capture::empty_udp`].
    #[serde(skip)]
    pub empty_udp: Vec<u32>,
    /// Who sent the SYN, FINs and RSTs of each conversation, indexed like `conversations`
    /// (the sessions view's initiator and end).
    #[serde(skip)]
    pub tcp_control: Vec<TcpControl>,
    /// Ethernet and IP conversations, endpoints, protocol hierarchy.
    pub stats: StatsResult,
    /// Application transactions (HTTP, DNS, TLS, memcached, MySQL, Redis), in order of
    /// their first packet.
    #[serde(skip)]
    pub transactions: app::Transactions,
    /// The application protocol each conversation was parsed as, indexed like
    /// `conversations`.
    pub app_protos: Vec<Option<app::AppProto>>,
    /// The client side of each conversation that has a parser, indexed like
    /// `conversations`.
    #[serde(skip)]
    pub app_clients: Vec<Option<flow::Direction>>,
    /// The PDUs of HTTP/2, PostgreSQL and QUIC (frames, messages, packets), in packet
    /// order, each with the packet that completed it (also those decrypted from TLS
    /// records).
    #[serde(skip)]
    pub pdus: Vec<app::pdu::Pdu>,
    /// The protocol inside each TLS conversation whose records were decrypted (HTTP,
    /// HTTP/2, …), indexed like `conversations`.
    pub app_inner: Vec<Option<app::AppProto>>,
    /// The conversations of other protocols that switched to TLS (MySQL, PostgreSQL),
    /// sorted by conversation: read with [`Capture::tls_switch`].
    #[serde(skip)]
    pub tls_switches: Vec<app::tls::TlsSwitch>,
    /// Application-layer counters.
    pub app_stats: app::AppStats,
    /// Where Wireshark shows `memcache.command` (filters on it read this instead of the
    /// packets).
    #[serde(skip)]
    pub memcache_commands: app::memcache::CommandIndex,
    /// TCP reassembly counters (overlap conflicts, gaps, buffer limits hit): expert items.
    pub reassembly: tcp::ReassemblyStats,
    /// The ICMP and ICMPv6 echo requests, for the `(request in N)` of a reply whose row
    /// is made without the packets before it: read with [`Capture::echo_request`].
    #[serde(skip)]
    pub echo_requests: EchoRequests,
    /// The packets of each IP datagram reassembled from fragments, by the packet that
    /// completed it: read with [`Datagrams::fragments_of`].
    #[serde(skip)]
    pub datagrams: Datagrams,
    /// Each conversation's link and IP headers each way, when every packet that way had
    /// the same (`eth.src`, `ip.ttl`… read without the packets).
    #[serde(skip)]
    pub heads: heads::Heads,
    /// The UDP conversations a TFTP request claims for TFTP from the packet that sent it
    /// (tshark's conversation of the client's address and port with the server's address,
    /// any server port: the server answers from a port of its own, RFC 1350 §4):
    /// (conversation, first packet), sorted. Read with [`Capture::tftp_from`].
    #[serde(skip)]
    pub tftp_flows: Vec<(u32, u32)>,
    /// Errors that stopped reading a file; packets before them are kept.
    pub errors: Vec<IngestError>,
    /// Oddities that did not stop reading (the first thousand).
    pub anomalies: Vec<IngestError>,
    /// How many anomalies there were in all.
    pub anomaly_count: u64,
}

impl Capture {
    /// The first packet from which a TFTP request claims conversation `flow` for TFTP
    /// ([`Capture::tftp_flows`]), if one does.
    pub fn tftp_from(&self, flow: u32) -> Option<u32> {
        let at = self.tftp_flows.partition_point(|&(f, _)| f < flow);
        self.tftp_flows
            .get(at)
            .filter(|&&(f, _)| f == flow)
            .map(|&(_, from)| from)
    }
}

/// Echo requests (ICMP type 8, ICMPv6 type 128) by what their reply names them with:
/// (a 64-bit hash of [`echo_key`] in two halves, the request's index into `packets`),
/// sorted once the ingest ends. 12 bytes a request; a request past 2^32 packets is not
/// noted.
#[derive(Clone, Debug, Default)]
pub struct EchoRequests(pub(crate) Vec<[u32; 3]>);

impl EchoRequests {
    /// Notes the request of packet `index` with key `key` (in packet order).
    pub(crate) fn push(&mut self, key: u64, index: u64) {
        if let Ok(index) = u32::try_from(index) {
            self.0.push([(key >> 32) as u32, key as u32, index]);
        }
    }

    /// Sorts by key, then packet.
    pub(crate) fn finish(&mut self) {
        self.0.sort_unstable();
        self.0.shrink_to_fit();
    }

    /// The last request with key `key` before packet `before`.
    pub fn before(&self, key: u64, before: u64) -> Option<u64> {
        let (hi, lo) = ((key >> 32) as u32, key as u32);
        let end = self.0.partition_point(|&[h, l, p]| {
            (h, l) < (hi, lo) || ((h, l) == (hi, lo) && u64::from(p) < before)
        });
        let [h, l, p] = *self.0.get(end.checked_sub(1)?)?;
        ((h, l) == (hi, lo)).then_some(u64::from(p))
    }
}

/// The packets of the IP datagrams reassembled from fragments (the ingest's reassembly,
/// `wire::frag`), so that the packet detail of the packet that completed one reads those
/// packets again rather than reassembling on a rule of its own, and each earlier
/// fragment names that packet (`ip.reassembled_in`). 8 bytes a datagram and 12 a
/// fragment; a datagram past 2^32 packets is not noted.
#[derive(Clone, Debug, Default)]
pub struct Datagrams {
    /// (completing packet, start of its packets in `packets`), in packet order.
    ends: Vec<(u32, u32)>,
    /// The packets of each datagram, ascending, the completing one last.
    packets: Vec<u32>,
    /// (earlier fragment, completing packet), sorted once the ingest ends.
    completed_in: Vec<(u32, u32)>,
}

impl Datagrams {
    /// Notes that packet `index` completed a datagram of `packets` (in any order; the
    /// packets of the datagrams it completed, outer and tunnelled one, together).
    pub(crate) fn push(&mut self, index: u64, packets: impl Iterator<Item = u64>) {
        let Ok(index) = u32::try_from(index) else {
            return;
        };
        let mut mine: Vec<u32> = packets.filter_map(|p| u32::try_from(p).ok()).collect();
        mine.sort_unstable();
        mine.dedup();
        let start = self.packets.len();
        self.packets.extend_from_slice(&mine);
        self.ends.push((index, start as u32));
        let earlier = self.packets[start..].iter().filter(|&&p| p != index);
        self.completed_in.extend(earlier.map(|&p| (p, index)));
    }

    /// Sorts the earlier fragments by packet.
    pub(crate) fn finish(&mut self) {
        self.completed_in.sort_unstable();
        self.completed_in.shrink_to_fit();
    }

    /// The packet that completed the datagram packet `index` is an earlier fragment of.
    pub fn reassembled_in(&self, index: u64) -> Option<u64> {
        let at = self
            .completed_in
            .partition_point(|&(p, _)| u64::from(p) < index);
        let &(p, end) = self.completed_in.get(at)?;
        (u64::from(p) == index).then_some(u64::from(end))
    }

    /// The packets of the datagrams packet `index` completed, ascending (itself last);
    /// None when it completed none.
    pub fn fragments_of(&self, index: u64) -> Option<&[u32]> {
        let at = self
            .ends
            .binary_search_by_key(&index, |&(i, _)| u64::from(i))
            .ok()?;
        let start = self.ends[at].1 as usize;
        let end = self
            .ends
            .get(at + 1)
            .map_or(self.packets.len(), |&(_, s)| s as usize);
        self.packets.get(start..end)
    }

    /// Whether any datagram was reassembled.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// What an echo request and its reply share, from the request's side: its source and
/// destination, identifier and sequence number (packet-icmp.c matches on them), hashed
/// (FNV-1a).
pub fn echo_key(src: IpAddr, dst: IpAddr, id: u16, seq: u16) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for a in [src, dst] {
        match a {
            IpAddr::V4(v4) => eat(&v4.octets()),
            IpAddr::V6(v6) => eat(&v6.octets()),
        }
    }
    eat(&id.to_be_bytes());
    eat(&seq.to_be_bytes());
    h
}

impl Capture {
    /// The packet (0-based) of the last echo request before packet `before` that the
    /// echo reply from `reply_src` to `reply_dst` with identifier `id` and sequence
    /// number `seq` answers.
    pub fn echo_request(
        &self,
        reply_src: IpAddr,
        reply_dst: IpAddr,
        id: u16,
        seq: u16,
        before: u64,
    ) -> Option<u64> {
        self.echo_requests
            .before(echo_key(reply_dst, reply_src, id, seq), before)
    }

    /// The TCP analysis's flags of packet `index` (0-based), if it has any.
    pub fn tcp_flags_of(&self, index: usize) -> Option<TcpFlags> {
        let i = index as u64;
        let at = self.tcp_flags.partition_point(|(p, _)| *p < i);
        self.tcp_flags
            .get(at)
            .filter(|(p, _)| *p == i)
            .map(|&(_, f)| f)
    }

    /// A retransmission's `tcp.analysis.rto` (ns) and `rto_frame` of packet `index`
    /// (0-based), where packet-tcp.c shows them: the RTO is not zero.
    pub fn tcp_rto(&self, index: usize) -> Option<(i64, u64)> {
        let from = self.tcp_flags_of(index)?.rto_frame()?;
        let [now, then] = self.packets.rows([index, (from as usize).checked_sub(1)?]);
        let rto = now?.ts_ns.wrapping_sub(then?.ts_ns);
        (rto != 0).then_some((rto, from))
    }

    /// Timestamp of the first packet (ns), the origin of relative times.
    pub fn first_ts_ns(&self) -> i64 {
        self.packets
            .first()
            .map(|p| p.ts_ns)
            .or(self.first_packet_ns)
            .unwrap_or(0)
    }

    /// Packets in the timeline, whether or not the index was kept.
    pub fn packet_count(&self) -> u64 {
        if self.stages.index {
            self.packets.len() as u64
        } else {
            self.files.iter().map(|f| f.packets).sum()
        }
    }

    /// The conversation of the UDP datagram that carried packet `index` through a
    /// tunnel, when the packet's own conversation is the inner packet's.
    pub fn outer_flow(&self, index: usize) -> Option<u32> {
        let i = u32::try_from(index).ok()?;
        let at = self.outer_flows.partition_point(|&(p, _)| p < i);
        self.outer_flows
            .get(at)
            .filter(|&&(p, _)| p == i)
            .map(|&(_, f)| f)
    }

    /// Whether packet `index` is an empty UDP datagram of a conversation.
    pub fn empty_udp(&self, index: usize) -> bool {
        u32::try_from(index).is_ok_and(|i| self.empty_udp.binary_search(&i).is_ok())
    }

    /// `tcp.analysis.acks_frame`, `ack_rtt` and `bytes_in_flight` of packet `index`,
    /// when it has any.
    pub fn tcp_ack(&self, index: usize) -> Option<TcpAck> {
        self.tcp_ack_from(index, &mut self.packets.reader())
    }

    /// True when packet `index`, a TCP segment of conversation `flow`, comes after its
    /// conversation took to AccECN's ACE counter (packet-tcp.c still names a SYN's
    /// AE, CWR and ECE bits as flags).
    pub fn tcp_ace(&self, flow: u32, index: usize) -> bool {
        let at = self.tcp_ace.partition_point(|&(f, _)| f < flow);
        self.tcp_ace
            .get(at)
            .is_some_and(|&(f, after)| f == flow && index as u64 + 1 > after)
    }

    /// `tcp.analysis.push_bytes_sent` of packet `index`, whose row is `row` and whose
    /// TCP payload is `seglen` bytes: packet-tcp.c counts it for every segment whose
    /// bytes in flight it works out, so a segment with bytes in flight has it; the few
    /// that have it otherwise, or a count other than their own payload, are listed.
    pub fn tcp_push_bytes(&self, index: usize, row: &PacketRow, seglen: u32) -> Option<u32> {
        let i = u32::try_from(index).ok()?;
        let at = self.tcp_push_bytes.partition_point(|&(p, _)| p < i);
        match self.tcp_push_bytes.get(at) {
            Some(&(p, n)) if p == i => Some(n),
            _ => (row.bytes_in_flight != 0).then_some(seglen),
        }
    }

    /// [`Capture::tcp_ack`], reading the rows through `rows` (one reader for a run of
    /// packets decodes each block once).
    pub fn tcp_ack_from(&self, index: usize, rows: &mut Reader<'_>) -> Option<TcpAck> {
        let row = rows.get(index)?;
        let back = match row.acks_back {
            PacketRow::ACKS_FAR => {
                let i = u32::try_from(index).ok();
                let at = self.tcp_acks_far.partition_point(|&(p, _)| Some(p) < i);
                self.tcp_acks_far
                    .get(at)
                    .filter(|&&(p, _)| Some(p) == i)
                    .map_or(0, |&(_, back)| back as usize)
            }
            b => b as usize,
        };
        let acked = index
            .checked_sub(back)
            .filter(|_| back != 0)
            .and_then(|j| Some((j, rows.get(j)?)));
        if acked.is_none() && row.bytes_in_flight == 0 {
            return None;
        }
        let (frame, rtt_ns) = acked.map_or((0, 0), |(j, then)| {
            (j as u64 + 1, row.ts_ns.wrapping_sub(then.ts_ns))
        });
        Some(TcpAck {
            frame,
            rtt_ns,
            bytes_in_flight: row.bytes_in_flight,
        })
    }

    /// The client side of conversation `conv` ([`Capture::app_clients`]); side A where
    /// no parser named it.
    pub fn client_of(&self, conv: u32) -> flow::Direction {
        self.app_clients
            .get(conv as usize)
            .copied()
            .flatten()
            .unwrap_or(flow::Direction::AToB)
    }

    /// Where conversation `conv` switched to TLS, if it did (see [`Capture::tls_switches`]).
    pub fn tls_switch(&self, conv: u32) -> Option<app::tls::TlsSwitch> {
        let at = self.tls_switches.partition_point(|s| s.conv < conv);
        self.tls_switches
            .get(at)
            .filter(|s| s.conv == conv)
            .copied()
    }

    /// The comments of packet `index` (`frame.comment`), in the block's order.
    pub fn comments_of(&self, index: u64) -> impl Iterator<Item = &str> {
        let start = self.comments.partition_point(|(p, _)| *p < index);
        self.comments[start..]
            .iter()
            .take_while(move |(p, _)| *p == index)
            .map(|(_, text)| text.as_str())
    }

    /// The options of packet `index`'s block ([`Capture::packet_options`]'s entry).
    pub fn packet_options(&self, index: u64) -> PacketOptions {
        let i = self.packet_options.partition_point(|(p, _)| *p < index);
        match self.packet_options.get(i) {
            Some(&(p, o)) if p == index => o,
            _ => PacketOptions::default(),
        }
    }

    /// The packet's pcapng section (0-based), its interface's id within that section
    /// and the interface tshark 4.0 names by that id (`frame.section_number` less one,
    /// `frame.interface_id`, `frame.interface_name`); None for a packet of a classic
    /// pcap file, which names no interface. tshark looks the name up among all the
    /// file's interfaces by the section's id, so a packet of a later section is named
    /// by an interface of the first.
    pub fn section_interface(&self, row: &PacketRow) -> Option<(u32, u32, &Interface)> {
        let file = self.files.get(row.file as usize)?;
        if file.format != Some(Format::PcapNg) {
            return None;
        }
        let i = row.iface as usize;
        let own = self.interfaces.get(i)?;
        let local = self.interfaces[..i]
            .iter()
            .filter(|c| c.file == row.file && c.section == own.section)
            .count();
        let named = self
            .interfaces
            .iter()
            .filter(|c| c.file == row.file)
            .nth(local)
            .unwrap_or(own);
        Some((own.section, local as u32, &named.interface))
    }

    /// The link type of a packet.
    pub fn linktype_of(&self, row: &PacketRow) -> u16 {
        self.interfaces
            .get(row.iface as usize)
            .map_or(u16::MAX, |i| i.interface.linktype)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// A little-endian pcapng block: type, body, the lengths around it.
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let len = (12 + body.len()) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }

    /// A pcapng option, padded to 32 bits.
    fn option(code: u16, value: &[u8]) -> Vec<u8> {
        let mut o = code.to_le_bytes().to_vec();
        o.extend_from_slice(&(value.len() as u16).to_le_bytes());
        o.extend_from_slice(value);
        o.resize(o.len().div_ceil(4) * 4, 0);
        o
    }

    #[test]
    fn pcapng_packets_keep_their_blocks_flags_drop_counts_comments_and_sections() {
        let shb = block(
            0x0a0d_0d0a,
            &[
                0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
        );
        let idb = |name: &[u8]| {
            let mut body = vec![1, 0, 0, 0, 0, 0, 0, 0];
            body.extend(option(2, name));
            body.extend(option(0, b""));
            block(1, &body)
        };
        let mut epb = vec![0u8; 20];
        epb[16..20].copy_from_slice(&4u32.to_le_bytes());
        epb.extend_from_slice(&[0; 4]);
        // opt_comment with a NUL and stray bytes after it, epb_flags (inbound, preamble
        // error), epb_dropcount.
        epb.extend(option(1, b"slow\0xM9"));
        epb.extend(option(2, &0x4000_0001u32.to_le_bytes()));
        epb.extend(option(4, &7u64.to_le_bytes()));
        epb.extend(option(0, b""));
        let mut file = [shb.clone(), idb(b"eth0"), block(6, &epb)].concat();
        // A second section: an interface of its own and a Simple Packet Block.
        let mut spb = 4u32.to_le_bytes().to_vec();
        spb.extend_from_slice(&[0; 4]);
        file.extend([shb, idb(b"eth1"), block(3, &spb)].concat());
        let c = crate::ingest::ingest_bytes("t.pcapng", &file);
        assert_eq!(c.packets.len(), 2);
        assert_eq!(c.comments_of(0).collect::<Vec<_>>(), ["slow"]);
        assert_eq!(c.comments_of(1).count(), 0);
        let o = c.packet_options(0);
        assert_eq!(
            (o.flags, o.drop_count, o.untimed),
            (Some(0x4000_0001), Some(7), false)
        );
        assert_eq!(
            c.packet_options(1),
            PacketOptions {
                untimed: true,
                ..PacketOptions::default()
            }
        );
        let place = |i: usize| {
            let row = c.packets.get(i).expect("a row");
            c.section_interface(&row)
                .map(|(s, id, iface)| (s, id, iface.name.clone()))
        };
        assert_eq!(place(0), Some((0, 0, Some("eth0".into()))));
        // tshark 4.0 names a later section's interface by its id among the file's.
        assert_eq!(place(1), Some((1, 0, Some("eth0".into()))));
    }

    #[test]
    fn datagrams_name_their_packets_both_ways() {
        let mut d = Datagrams::default();
        d.push(5, [2u64, 5, 3].into_iter());
        // Two datagrams completed by one packet (an outer and a tunnelled one).
        d.push(9, [6u64, 9, 7, 9].into_iter());
        d.finish();
        assert_eq!(d.fragments_of(5), Some(&[2, 3, 5][..]));
        assert_eq!(d.fragments_of(9), Some(&[6, 7, 9][..]));
        assert_eq!(d.fragments_of(6), None);
        let named: Vec<_> = (0..10).map(|i| d.reassembled_in(i)).collect();
        assert_eq!(
            named,
            [
                None,
                None,
                Some(5),
                Some(5),
                None,
                None,
                Some(9),
                Some(9),
                None,
                None
            ]
        );
    }

    #[test]
    fn echo_requests_name_the_last_request_before_the_reply() {
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let mut r = EchoRequests::default();
        r.push(echo_key(a, b, 7, 1), 4);
        r.push(echo_key(a, b, 7, 2), 9);
        r.push(echo_key(a, b, 7, 1), 12);
        r.push(echo_key(b, a, 7, 1), 13);
        r.finish();
        let c = Capture {
            echo_requests: r,
            ..Capture::default()
        };
        // A reply goes from b to a.
        assert_eq!(c.echo_request(b, a, 7, 1, 5), Some(4));
        assert_eq!(c.echo_request(b, a, 7, 1, 12), Some(4));
        assert_eq!(c.echo_request(b, a, 7, 1, 20), Some(12));
        assert_eq!(c.echo_request(b, a, 7, 1, 4), None);
        assert_eq!(c.echo_request(b, a, 7, 2, 10), Some(9));
        assert_eq!(c.echo_request(b, a, 7, 3, 99), None);
        assert_eq!(c.echo_request(a, b, 7, 1, 99), Some(13));
    }
}
