//! The finished record of a capture: what the ingest pipeline writes and every query
//! reads. Plain data: no parsing here, no I/O, and no dependency on the pipeline that
//! fills it in (`crate::ingest`) or on the queries that read it (`crate::query`).

pub mod app;
pub mod file;
pub mod flow;
pub mod packet;
pub mod stats;
pub mod tcp;

use file::{Compression, Format, IfStats, Interface, Process, Section};
use packet::PacketRow;
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
    /// pcapng blocks by kind (`SHB`, `EPB`, …).
    pub blocks: BTreeMap<&'static str, u64>,
    /// pcapng sections of this file.
    pub sections: Vec<Section>,
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
}

/// Decryption secrets found in a file (pcapng DSB).
#[derive(Clone, Debug, Serialize)]
pub struct Secrets {
    /// Index into [`Capture::files`].
    pub file: u16,
    /// `secrets_type`.
    pub kind: u32,
    /// The secrets.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// A TCP segment that acknowledges another exactly or has bytes in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpAck {
    /// The packet (index into `Capture::packets`).
    pub packet: u64,
    /// The frame (1-based) of the segment it acknowledges exactly; 0: none.
    pub frame: u64,
    /// Time since that segment, ns (Wireshark shows no `ack_rtt` when it is 0).
    pub rtt_ns: i64,
    /// `tcp.analysis.bytes_in_flight`; 0: none.
    pub bytes_in_flight: u32,
}

/// The result of an ingest.
#[derive(Default, Serialize)]
pub struct Capture {
    /// Files, in the order they were added.
    pub files: Vec<FileInfo>,
    /// Every interface of every file; a packet's `iface` indexes this.
    pub interfaces: Vec<CaptureInterface>,
    /// One row per packet, in timeline order.
    #[serde(skip)]
    pub packets: Vec<PacketRow>,
    /// Packet comments: (index into `packets`, comment).
    pub comments: Vec<(u64, String)>,
    /// Processes the files describe (Apple's Process Information Blocks).
    pub processes: Vec<Process>,
    /// The process of each packet that names one: (index into `packets`, index into
    /// `processes`).
    #[serde(skip)]
    pub packet_processes: Vec<(u64, u32)>,
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
    /// The segments that acknowledge a segment exactly, in packet order
    /// (`tcp.analysis.acks_frame`, `tcp.analysis.ack_rtt`).
    #[serde(skip)]
    pub tcp_acks: Vec<TcpAck>,
    /// Who sent the SYN, FINs and RSTs of each conversation, indexed like `conversations`
    /// (the sessions view's initiator and end).
    #[serde(skip)]
    pub tcp_control: Vec<TcpControl>,
    /// Ethernet and IP conversations, endpoints, protocol hierarchy.
    pub stats: StatsResult,
    /// Application transactions (HTTP, DNS, TLS, memcached, MySQL, Redis), in order of
    /// their first packet.
    #[serde(skip)]
    pub transactions: Vec<app::Transaction>,
    /// The application protocol each conversation was parsed as, indexed like
    /// `conversations`.
    pub app_protos: Vec<Option<app::AppProto>>,
    /// The client side of each conversation that has a parser, indexed like
    /// `conversations`.
    #[serde(skip)]
    pub app_clients: Vec<Option<flow::Direction>>,
    /// Application-layer counters.
    pub app_stats: app::AppStats,
    /// TCP reassembly counters (overlap conflicts, gaps, buffer limits hit): expert items.
    pub reassembly: tcp::ReassemblyStats,
    /// Errors that stopped reading a file; packets before them are kept.
    pub errors: Vec<IngestError>,
    /// Oddities that did not stop reading (the first thousand).
    pub anomalies: Vec<IngestError>,
    /// How many anomalies there were in all.
    pub anomaly_count: u64,
}

impl Capture {
    /// Timestamp of the first packet (ns), the origin of relative times.
    pub fn first_ts_ns(&self) -> i64 {
        self.packets.first().map_or(0, |p| p.ts_ns)
    }

    /// The link type of a packet.
    pub fn linktype_of(&self, row: &PacketRow) -> u16 {
        self.interfaces
            .get(row.iface as usize)
            .map_or(u16::MAX, |i| i.interface.linktype)
    }
}
