//! The lake's rows: what a capture's sessions and transactions become when they leave as
//! Parquet for DuckDB, ClickHouse and Spark (the `wirelens-lake` crate writes them; the
//! CLI's `export` and the page's "Export as Parquet" build the same rows here).
//!
//! Names follow Zeek's conn.log, http.log, dns.log, ssl.log and mysql.log where one of
//! them has the column (`ts`, `uid`, `id.orig_h`…, `proto`, `service`, `duration`,
//! `orig_bytes`, `conn_state`, `method`, `status_code`, `query`, `rcode_name`,
//! `server_name`…); the originator is the side that opened the connection. Every row
//! carries the flow's Community ID v1 ([`community_id`]) and the way back to its
//! packets: the capture (its id and file), frame numbers and byte offsets (in the
//! spirit of Arkime's `packetPos`), so that `wirelens pull` reads them without scanning.
//!
//! The rows of one capture are built from one file's ingest: frame numbers and
//! `tcp.stream`/`udp.stream` are then those tshark gives the same file.

pub mod community_id;

use crate::capture::app::{self, AppProto, Detail, Transaction};
use crate::capture::file::Compression;
use crate::capture::flow::{Direction, L4};
use crate::capture::packet::{PacketRow, Packets, NO_FLOW};
use crate::capture::tcp::{Handshake, KindCounts, Side, TcpEnd};
use crate::capture::Capture;
use crate::query::sessions::{initiator, processes_by_flow, LocalBy};
use crate::query::transactions::mysql::fingerprint;
use serde::Serialize;
use std::collections::HashSet;
use std::net::IpAddr;

/// Version of the lake's schema, in every file's metadata (`wirelens.schema_version`).
/// A column added keeps the version; one renamed, retyped or removed bumps it.
pub const SCHEMA_VERSION: u32 = 1;

/// Packets whose positions a session row keeps by default (Arkime keeps 10,000 a
/// session too); past it `packets_cut` is set and `pull` reads the capture instead.
pub const DEFAULT_MAX_PACKETS: usize = 10_000;

/// Bytes from each end of a file that its id hashes (see [`capture_id`]).
pub const FINGERPRINT_SPAN: u64 = 1 << 20;

/// Where the rows come from and how they are made.
#[derive(Clone, Debug)]
pub struct Origin<'a> {
    /// The capture's id ([`capture_id`]).
    pub capture_id: &'a str,
    /// The capture file as `pull` will open it (the CLI records the absolute path; the
    /// page, the file's name).
    pub file: &'a str,
    /// Community ID seed (0 unless every tool of the fleet agreed on another).
    pub seed: u16,
    /// Packet positions kept per session ([`DEFAULT_MAX_PACKETS`]).
    pub max_packets: usize,
}

/// A capture file's id: the first 20 hex digits of SHA-1 over its size and its first
/// and last [`FINGERPRINT_SPAN`] bytes (`head` and `tail`; the whole file when it is
/// smaller than both). Two rotated files never share their first packets' timestamps,
/// so this names a file without reading all of it, in the CLI and in the page alike;
/// exporting a file again finds its id in the lake and adds nothing.
pub fn capture_id(size: u64, head: &[u8], tail: &[u8]) -> String {
    let mut data = Vec::with_capacity(head.len() + tail.len() + 24);
    data.extend_from_slice(b"wirelens capture v1");
    data.extend_from_slice(&size.to_le_bytes());
    data.extend_from_slice(head);
    data.extend_from_slice(tail);
    community_id::sha1(&data)[..10]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The byte ranges of a file of `size` bytes that its id hashes: `head` and `tail` of
/// [`capture_id`] (the tail starts where the head ends when the file is small).
pub fn fingerprint_ranges(size: u64) -> [std::ops::Range<u64>; 2] {
    let head = 0..size.min(FINGERPRINT_SPAN);
    let tail = size.saturating_sub(FINGERPRINT_SPAN).max(head.end)..size;
    [head, tail]
}

/// Where one packet of a session is: enough to read it again and write it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PacketPos {
    /// Byte offset of the packet's bytes in the file (of the decompressed data, for a
    /// compressed file).
    pub offset: u64,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Bytes captured.
    pub caplen: u32,
    /// Length on the wire.
    pub len: u32,
    /// Interface: an index into the capture row's `interfaces`.
    pub iface: u16,
}

impl PacketPos {
    /// The position of a packet of the index.
    pub fn of(p: &PacketRow) -> Self {
        PacketPos {
            offset: p.offset,
            ts_ns: p.ts_ns,
            caplen: p.caplen,
            len: p.len,
            iface: p.iface,
        }
    }
}

/// The four ends of a flow, Zeek's `id` record: the originator (the side that opened
/// it) and the responder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ConnId {
    /// Originator's address.
    pub orig_h: IpAddr,
    /// Originator's port.
    pub orig_p: u16,
    /// Responder's address.
    pub resp_h: IpAddr,
    /// Responder's port.
    pub resp_p: u16,
}

/// One TCP connection or UDP flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionRow {
    /// First packet, ns since the epoch.
    pub ts_ns: i64,
    /// Last packet, ns since the epoch.
    pub end_ns: i64,
    /// `{capture_id}-{proto}{stream}`: unique in the lake, the same on every export.
    pub uid: String,
    /// Community ID v1.
    pub community_id: String,
    /// The ends.
    pub id: ConnId,
    /// `tcp` or `udp`.
    pub proto: &'static str,
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// The application protocol the conversation was parsed as (`http`, `memcache`,
    /// `mysql`, `redis`, `dns`, `tls`).
    pub service: Option<&'static str>,
    /// How the originator was told: `syn`, `syn-ack` or `first-packet`.
    pub orig_by: LocalBy,
    /// Packets from the originator.
    pub orig_pkts: u64,
    /// Packets from the responder.
    pub resp_pkts: u64,
    /// Transport payload bytes from the originator (TCP segment lengths,
    /// retransmissions included; UDP payloads).
    pub orig_bytes: u64,
    /// Transport payload bytes from the responder.
    pub resp_bytes: u64,
    /// Frame bytes (on the wire) from the originator.
    pub orig_frame_bytes: u64,
    /// Frame bytes from the responder.
    pub resp_frame_bytes: u64,
    /// Zeek's `conn_state` (see [`conn_state`]).
    pub conn_state: &'static str,
    /// TCP: how much of the handshake was captured (`complete`, `partial`, `mid-stream`).
    pub handshake: Option<Handshake>,
    /// TCP: how it stood at the capture's end: `open`, `half-closed`, `closed`, `reset`.
    pub end: Option<&'static str>,
    /// TCP: who closed (half-closed) or reset it: `orig` or `resp`.
    pub end_by: Option<&'static str>,
    /// `tcp.analysis.initial_rtt`, ns.
    pub initial_rtt_ns: Option<i64>,
    /// TCP: segments flagged with each `tcp.analysis.*` item.
    pub tcp_analysis: Option<KindCounts>,
    /// The originator is an address of the capturing host (when the capture names the
    /// host's addresses, as `wirelens-capture` does).
    pub local_orig: Option<bool>,
    /// The responder is an address of the capturing host.
    pub local_resp: Option<bool>,
    /// Process id of the connection's owner on the capturing host.
    pub pid: Option<u32>,
    /// Its command name.
    pub comm: Option<String>,
    /// Its user id.
    pub user_id: Option<u32>,
    /// Its user name.
    pub user: Option<String>,
    /// The capture's id.
    pub capture_id: String,
    /// The capture file.
    pub file: String,
    /// Frame number (1-based) of the first packet.
    pub first_frame: u64,
    /// Frame number of the last packet.
    pub last_frame: u64,
    /// Byte offset of the first packet's bytes in the file.
    pub first_offset: u64,
    /// Where the packets are, in order (at most [`Origin::max_packets`]).
    pub packets: Vec<PacketPos>,
    /// More packets than `packets` holds.
    pub packets_cut: bool,
}

impl SessionRow {
    /// From the first packet to the last, ns.
    pub fn duration_ns(&self) -> i64 {
        self.end_ns - self.ts_ns
    }
}

/// One application transaction: a request and its response.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TransactionRow {
    /// Its first packet (the request's, else the response's), ns since the epoch.
    pub ts_ns: i64,
    /// Its last packet, ns.
    pub end_ns: i64,
    /// The session's `uid`.
    pub uid: String,
    /// The session's Community ID.
    pub community_id: String,
    /// `http`, `memcache`, `mysql`, `redis`, `dns` or `tls`.
    pub service: &'static str,
    /// The session's ends (the originator is the client).
    pub id: Option<ConnId>,
    /// `tcp` or `udp`.
    pub proto: &'static str,
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// From the packet that completed the request to the one that completed the
    /// response, ns (`http.time`, `dns.time`).
    pub latency_ns: Option<i64>,
    /// Request bytes on the stream (headers and body).
    pub request_bytes: Option<u64>,
    /// Response bytes on the stream.
    pub response_bytes: Option<u64>,
    /// Frame of the request's first packet.
    pub first_frame: u64,
    /// Frame of its last packet.
    pub last_frame: u64,
    /// Frame that completed the request.
    pub request_frame: Option<u64>,
    /// Frame that completed the response.
    pub response_frame: Option<u64>,
    /// Bytes were not captured, or the capture ended inside it.
    pub incomplete: bool,
    /// HTTP method.
    pub method: Option<String>,
    /// HTTP `Host`.
    pub host: Option<String>,
    /// HTTP request target.
    pub uri: Option<String>,
    /// HTTP version.
    pub version: Option<String>,
    /// HTTP `User-Agent`.
    pub user_agent: Option<String>,
    /// HTTP status code.
    pub status_code: Option<u16>,
    /// HTTP reason phrase.
    pub status_msg: Option<String>,
    /// HTTP request body bytes.
    pub request_body_len: Option<u64>,
    /// HTTP response body bytes.
    pub response_body_len: Option<u64>,
    /// HTTP request `Content-Type`.
    pub request_content_type: Option<String>,
    /// HTTP response `Content-Type`.
    pub response_content_type: Option<String>,
    /// memcached, Redis or MySQL command (`get`, `GET`, `query`).
    pub command: Option<String>,
    /// The first key (memcached, Redis).
    pub key: Option<String>,
    /// Every key of the command.
    pub keys: Vec<String>,
    /// memcached: bytes of the values sent and returned; Redis: the largest value moved.
    pub value_len: Option<u64>,
    /// memcached: the (single) key looked up was found.
    pub hit: Option<bool>,
    /// memcached: keys found.
    pub hits: Option<u32>,
    /// memcached: keys not found.
    pub misses: Option<u32>,
    /// The reply's kind: memcached's first word (`STORED`, `END`…), Redis's reply type,
    /// MySQL's response (`ok`, `error`, `result_set`…).
    pub reply: Option<String>,
    /// The error the server answered (MySQL's message, Redis's error, memcached's).
    pub error: Option<String>,
    /// MySQL SQL.
    pub sql: Option<String>,
    /// MySQL SQL with its literals as `?`.
    pub fingerprint: Option<String>,
    /// MySQL rows of the result sets.
    pub rows: Option<u64>,
    /// MySQL affected rows.
    pub affected_rows: Option<u64>,
    /// MySQL error code.
    pub error_code: Option<u16>,
    /// DNS transaction id.
    pub trans_id: Option<u16>,
    /// DNS question name.
    pub query: Option<String>,
    /// DNS question type.
    pub qtype: Option<u16>,
    /// Its mnemonic.
    pub qtype_name: Option<String>,
    /// DNS response code.
    pub rcode: Option<u8>,
    /// Its name.
    pub rcode_name: Option<&'static str>,
    /// DNS answers (presentation form).
    pub answers: Vec<String>,
    /// TLS server name (SNI).
    pub server_name: Option<String>,
    /// TLS version (the negotiated one, else the client's best).
    pub tls_version: Option<String>,
    /// TLS cipher suite the server chose.
    pub cipher: Option<u16>,
    /// TLS protocol the server chose (ALPN), Zeek's `next_protocol`.
    pub next_protocol: Option<String>,
    /// The capture's id.
    pub capture_id: String,
    /// The capture file.
    pub file: String,
}

/// One capture file in the lake: what `pull` needs beside the sessions' positions (its
/// interfaces), and what tells a fleet's files apart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaptureRow {
    /// The id.
    pub capture_id: String,
    /// The file.
    pub file: String,
    /// Its size in bytes (as stored).
    pub size: u64,
    /// `pcap` or `pcapng`.
    pub format: Option<&'static str>,
    /// `gzip`, `zstd`, `bzip2`, `xz`.
    pub compression: Option<&'static str>,
    /// Packets.
    pub packets: u64,
    /// First packet, ns since the epoch.
    pub first_ns: Option<i64>,
    /// Last packet.
    pub last_ns: Option<i64>,
    /// Sessions exported.
    pub sessions: u64,
    /// Transactions exported.
    pub transactions: u64,
    /// Interfaces, in the order packets' `iface` counts them.
    pub interfaces: Vec<InterfaceRow>,
    /// Errors that stopped reading (every packet before them is in the rows).
    pub errors: Vec<String>,
}

/// One interface of a capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InterfaceRow {
    /// LINKTYPE_*.
    pub linktype: u16,
    /// Snapshot length (0: none).
    pub snaplen: u32,
    /// Timestamp units a second.
    pub ts_per_sec: u64,
    /// `if_name`.
    pub name: Option<String>,
}

/// The rows of a capture, each table sorted by time.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    /// One per TCP connection and UDP flow.
    pub sessions: Vec<SessionRow>,
    /// One per transaction.
    pub transactions: Vec<TransactionRow>,
}

/// The sessions and transactions of a capture as the lake keeps them.
pub fn rows(capture: &Capture, origin: &Origin<'_>) -> Rows {
    let convs = &capture.conversations;
    // Per conversation: its packets' positions (capped), first and last packet.
    let mut packets: Vec<Vec<PacketPos>> = vec![Vec::new(); convs.len()];
    let mut cut = vec![false; convs.len()];
    let mut first_last: Vec<Option<(usize, usize)>> = vec![None; convs.len()];
    for (i, p) in capture.packets.iter().enumerate() {
        if p.flow == NO_FLOW {
            continue;
        }
        let f = p.flow as usize;
        let Some(fl) = first_last.get_mut(f) else {
            continue;
        };
        *fl = Some(fl.map_or((i, i), |(a, _)| (a, i)));
        if packets[f].len() < origin.max_packets {
            packets[f].push(PacketPos::of(&p));
        } else {
            cut[f] = true;
        }
    }
    let hosts = host_addresses(capture);
    let processes = processes_by_flow(capture);
    let users = users_by_flow(capture);
    let mut sessions = Vec::with_capacity(convs.len());
    for (id, c) in convs.iter().enumerate() {
        let (dir, orig_by) = initiator(capture, id);
        let ab = dir == Direction::AToB;
        let conn = if ab {
            ConnId {
                orig_h: c.a,
                orig_p: c.port_a,
                resp_h: c.b,
                resp_p: c.port_b,
            }
        } else {
            ConnId {
                orig_h: c.b,
                orig_p: c.port_b,
                resp_h: c.a,
                resp_p: c.port_a,
            }
        };
        let pick = |a: u64, b: u64| if ab { (a, b) } else { (b, a) };
        let (orig_pkts, resp_pkts) = pick(c.frames_ab, c.frames_ba);
        let (orig_bytes, resp_bytes) = pick(c.payload_ab, c.payload_ba);
        let (orig_frame_bytes, resp_frame_bytes) = pick(c.bytes_ab, c.bytes_ba);
        let tcp = (c.proto == L4::Tcp).then(|| capture.tcp.get(id).cloned().unwrap_or_default());
        // The side (A/B) that is the originator, to tell who ended it.
        let orig_side = if ab { Side::A } else { Side::B };
        let who = |s: Side| if s == orig_side { "orig" } else { "resp" };
        let (end, end_by) = match tcp.as_ref().map(|t| t.end) {
            None => (None, None),
            Some(TcpEnd::Open) => (Some("open"), None),
            Some(TcpEnd::Closed) => (Some("closed"), None),
            Some(TcpEnd::HalfClosed(s)) => (Some("half-closed"), Some(who(s))),
            Some(TcpEnd::Reset(s)) => (Some("reset"), Some(who(s))),
        };
        let ctl = capture.tcp_control.get(id).copied().unwrap_or_default();
        let state = match &tcp {
            Some(t) => {
                let oi = if ab { 0 } else { 1 };
                let ri = 1 - oi;
                let orig_dir = dir;
                let ends = Ends {
                    orig_syn: ctl.syn == Some(orig_dir) || t.syn_by == Some(orig_side),
                    resp_syn_ack: ctl.syn_ack.is_some_and(|d| d != orig_dir),
                    established: t.handshake == Handshake::Complete,
                    fin: [t.fin[oi], t.fin[ri]],
                    rst: [t.rst[oi], t.rst[ri]],
                    pkts: [orig_pkts, resp_pkts],
                    bytes: [orig_bytes, resp_bytes],
                };
                conn_state(&ends)
            }
            None => match (orig_pkts > 0, resp_pkts > 0) {
                (true, true) => "SF",
                (true, false) => "S0",
                (false, true) => "SHR",
                (false, false) => "OTH",
            },
        };
        let (first, last) = first_last[id].unwrap_or((0, 0));
        let host = capture
            .packets
            .get(first)
            .and_then(|p| hosts.get(p.file as usize))
            .filter(|h| !h.is_empty());
        let (pid, comm) = processes.get(id).cloned().flatten().unzip();
        let (user_id, user) = users.get(id).cloned().flatten().unzip();
        sessions.push(SessionRow {
            ts_ns: c.first_ns,
            end_ns: c.last_ns,
            uid: uid(origin.capture_id, c.proto, c.stream),
            community_id: flow_id(origin.seed, c.proto, c.a, c.port_a, c.b, c.port_b),
            id: conn,
            proto: c.proto.name(),
            stream: c.stream,
            service: capture
                .app_protos
                .get(id)
                .copied()
                .flatten()
                .map(AppProto::name),
            orig_by,
            orig_pkts,
            resp_pkts,
            orig_bytes,
            resp_bytes,
            orig_frame_bytes,
            resp_frame_bytes,
            conn_state: state,
            handshake: tcp.as_ref().map(|t| t.handshake),
            end,
            end_by,
            initial_rtt_ns: tcp.as_ref().and_then(|t| t.initial_rtt_ns),
            tcp_analysis: tcp.as_ref().map(|t| t.counts),
            local_orig: host.map(|h| h.contains(&conn.orig_h)),
            local_resp: host.map(|h| h.contains(&conn.resp_h)),
            pid,
            comm: comm.flatten(),
            user_id,
            user: user.flatten(),
            capture_id: origin.capture_id.to_owned(),
            file: origin.file.to_owned(),
            first_frame: first as u64 + 1,
            last_frame: last as u64 + 1,
            first_offset: capture.packets.get(first).map_or(0, |p| p.offset),
            packets: std::mem::take(&mut packets[id]),
            packets_cut: cut[id],
        });
    }
    sessions.sort_by_key(|s| (s.ts_ns, s.proto, s.stream));
    let mut transactions: Vec<TransactionRow> = capture
        .transactions
        .iter()
        .filter_map(|t| {
            transaction_row(
                origin,
                &capture.packets,
                t,
                session_of(&sessions, capture, t.conv)?,
            )
        })
        .collect();
    transactions.sort_by_key(|t| (t.ts_ns, t.first_frame));
    Rows {
        sessions,
        transactions,
    }
}

/// The session row of conversation `conv`.
fn session_of<'s>(
    sessions: &'s [SessionRow],
    capture: &Capture,
    conv: u32,
) -> Option<&'s SessionRow> {
    let c = capture.conversations.get(conv as usize)?;
    // Sessions are sorted by time, the conversation's first packet's: search there.
    let at = sessions.partition_point(|s| s.ts_ns < c.first_ns);
    sessions[at..]
        .iter()
        .take_while(|s| s.ts_ns == c.first_ns)
        .find(|s| s.stream == c.stream && s.proto == c.proto.name())
}

fn uid(capture_id: &str, proto: L4, stream: u32) -> String {
    format!("{capture_id}-{}{stream}", proto.name())
}

fn flow_id(seed: u16, proto: L4, a: IpAddr, pa: u16, b: IpAddr, pb: u16) -> String {
    let p = match proto {
        L4::Tcp => community_id::TCP,
        L4::Udp => community_id::UDP,
    };
    community_id::community_id(seed, p, a, pa, b, pb)
}

/// What each end of a TCP connection was seen to send, originator first.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ends {
    /// The originator sent a SYN.
    pub orig_syn: bool,
    /// The responder sent a SYN-ACK.
    pub resp_syn_ack: bool,
    /// The three-way handshake was captured whole.
    pub established: bool,
    /// Each end sent a FIN.
    pub fin: [bool; 2],
    /// Each end sent a RST.
    pub rst: [bool; 2],
    /// Packets each end sent.
    pub pkts: [u64; 2],
    /// Payload bytes each end sent.
    pub bytes: [u64; 2],
}

/// Zeek's `conn_state` (base/protocols/conn/main.zeek), its rules applied to the state
/// each end reached as the capture shows it: RESET once it sent a RST, else CLOSED once
/// it sent a FIN, else ESTABLISHED after a whole handshake, else SYN_SENT (the
/// originator's SYN) or SYN_ACK_SENT (the responder's), else PARTIAL when it sent
/// anything (picked up mid-stream), else INACTIVE. Zeek's TCP state machine follows
/// more (a RST it finds out of window, an originator's SYN then RST told by `history`)
/// and may then say otherwise.
pub fn conn_state(e: &Ends) -> &'static str {
    #[derive(PartialEq, Clone, Copy)]
    enum S {
        Inactive,
        Partial,
        SynSent,
        SynAckSent,
        Established,
        Closed,
        Reset,
    }
    let state = |i: usize, syn: bool, syn_state: S| {
        if e.rst[i] {
            S::Reset
        } else if e.fin[i] {
            S::Closed
        } else if e.established {
            S::Established
        } else if syn {
            syn_state
        } else if e.pkts[i] > 0 {
            S::Partial
        } else {
            S::Inactive
        }
    };
    let os = state(0, e.orig_syn, S::SynSent);
    let rs = state(1, e.resp_syn_ack, S::SynAckSent);
    let o_inactive = matches!(os, S::Inactive | S::Partial);
    let r_inactive = matches!(rs, S::Inactive | S::Partial);
    if rs == S::Reset {
        if matches!(os, S::SynSent | S::SynAckSent) || (os == S::Reset && e.bytes == [0, 0]) {
            "REJ"
        } else if o_inactive {
            "RSTRH"
        } else {
            "RSTR"
        }
    } else if os == S::Reset {
        if r_inactive {
            // Zeek: `history` matches /\^?S[^HAFGIQ]*R.*/, an originator's SYN then RST
            // with nothing from the responder.
            if e.orig_syn && e.pkts[1] == 0 {
                "RSTOS0"
            } else {
                "OTH"
            }
        } else {
            "RSTO"
        }
    } else if rs == S::Closed && os == S::Closed {
        "SF"
    } else if os == S::Closed {
        if r_inactive {
            "SH"
        } else {
            "S2"
        }
    } else if rs == S::Closed {
        if o_inactive {
            "SHR"
        } else {
            "S3"
        }
    } else if os == S::SynSent && rs == S::Inactive {
        "S0"
    } else if os == S::Established && rs == S::Established {
        "S1"
    } else {
        "OTH"
    }
}

/// The transaction's row (None for one with neither request nor response); `packets`:
/// the capture's, where its times are.
fn transaction_row(
    origin: &Origin<'_>,
    packets: &Packets,
    t: &Transaction,
    s: &SessionRow,
) -> Option<TransactionRow> {
    let first = t.request.or(t.response)?;
    let last = t.response.or(t.request)?;
    let first_ns = first.first_ns(packets)?;
    let mut row = TransactionRow {
        ts_ns: first_ns,
        end_ns: last.last_ns(packets)?.max(first_ns),
        uid: s.uid.clone(),
        community_id: s.community_id.clone(),
        service: "",
        id: Some(s.id),
        proto: s.proto,
        stream: s.stream,
        latency_ns: t.latency_ns(packets),
        request_bytes: t.request.map(|r| r.bytes()),
        response_bytes: t.response.map(|r| r.bytes()),
        first_frame: first.first() + 1,
        last_frame: last.last().max(first.first()) + 1,
        request_frame: t.request.map(|r| r.last() + 1),
        response_frame: t.response.map(|r| r.last() + 1),
        capture_id: origin.capture_id.to_owned(),
        file: origin.file.to_owned(),
        ..TransactionRow::default()
    };
    match &t.detail {
        Detail::Http(h) => {
            row.service = "http";
            row.incomplete = h.incomplete();
            row.method = Some(h.method().to_owned()).filter(|m| !m.is_empty());
            row.host = h.host().map(str::to_owned);
            row.uri = Some(h.uri().to_owned()).filter(|_| t.request.is_some());
            row.version = Some(h.version().to_owned()).filter(|v| !v.is_empty());
            row.user_agent = h.user_agent().map(str::to_owned);
            row.status_code = h.status();
            row.status_msg = h.reason().map(str::to_owned);
            row.request_body_len = t.request.map(|_| h.request_body());
            row.response_body_len = t.response.map(|_| h.response_body());
            row.request_content_type = h.request_content_type().map(str::to_owned);
            row.response_content_type = h.response_content_type().map(str::to_owned);
        }
        Detail::Memcache(m) => {
            row.service = "memcache";
            row.incomplete = m.incomplete();
            row.command = Some(m.command().to_string());
            row.keys = m.keys().iter().map(|k| k.key().to_string()).collect();
            row.key = row.keys.first().cloned();
            row.value_len = m
                .keys()
                .iter()
                .any(|k| k.value_len().is_some())
                .then(|| m.value_bytes());
            row.hit = match m.keys() {
                [one] => one.hit(),
                _ => None,
            };
            row.hits = Some(m.hits());
            row.misses = Some(m.misses());
            row.reply = m.status().map(str::to_owned);
            row.error = m
                .error()
                .then(|| m.message().or(m.status()).unwrap_or_default().to_owned());
        }
        Detail::Redis(r) => {
            row.service = "redis";
            row.incomplete = r.incomplete;
            row.command = Some(r.command.clone());
            row.keys = r.keys.clone();
            row.key = r.keys.first().cloned();
            row.value_len = r.value_len;
            row.reply = r.reply.map(|k| reply_type_name(k).to_owned());
            row.error = r.error.clone();
        }
        Detail::Mysql(m) => {
            row.service = "mysql";
            row.incomplete = m.incomplete;
            row.command = Some(m.command.clone());
            row.sql = m.query.clone();
            row.fingerprint = m.query.as_deref().map(fingerprint);
            row.rows = m.rows;
            row.affected_rows = m.affected_rows;
            row.error_code = m.error_code;
            row.error = m.error_message.clone();
            row.reply = m.response.clone();
        }
        Detail::Pgsql(p) => {
            row.service = "pgsql";
            row.incomplete = p.incomplete;
            row.command = Some(p.command.clone());
            row.sql = p.query.clone();
            row.fingerprint = p
                .query
                .as_deref()
                .map(crate::query::transactions::pgsql::fingerprint);
            row.rows = p.rows;
            row.affected_rows = p.affected_rows;
            row.error = p.error_message.clone();
            row.reply = p.sql_state.clone().or_else(|| p.tags.last().cloned());
        }
        Detail::Dns(d) => {
            row.service = "dns";
            row.trans_id = Some(d.id);
            row.query = Some(d.name.clone());
            row.qtype = Some(d.qtype.0);
            row.qtype_name = Some(d.qtype.name().into_owned());
            row.rcode = d.rcode;
            row.rcode_name = d.rcode.map(app::dns::rcode_name);
            row.answers = d.answers.iter().map(|a| a.data.clone()).collect();
            row.incomplete = t.response.is_none();
        }
        Detail::Tls(tls) => {
            row.service = "tls";
            row.server_name = tls.sni.clone();
            row.tls_version = tls.version();
            row.cipher = tls.cipher_suite;
            row.next_protocol = tls.server_alpn.clone();
            row.incomplete = t.response.is_none();
        }
    }
    Some(row)
}

fn reply_type_name(t: app::redis::ReplyType) -> &'static str {
    use app::redis::ReplyType as R;
    match t {
        R::SimpleString => "simple_string",
        R::Error => "error",
        R::Integer => "integer",
        R::BulkString => "bulk_string",
        R::Array => "array",
        R::Null => "null",
        R::Boolean => "boolean",
        R::Double => "double",
        R::BigNumber => "big_number",
        R::BulkError => "bulk_error",
        R::VerbatimString => "verbatim_string",
        R::Map => "map",
        R::Set => "set",
        R::Push => "push",
    }
}

/// The capture's own row (a capture of one file; with several, the first file's name,
/// every file's counts).
pub fn capture_row(capture: &Capture, origin: &Origin<'_>, size: u64, rows: &Rows) -> CaptureRow {
    let f = capture.files.first();
    CaptureRow {
        capture_id: origin.capture_id.to_owned(),
        file: origin.file.to_owned(),
        size,
        format: f.and_then(|f| f.format).map(|fmt| match fmt {
            crate::capture::file::Format::Pcap { .. } => "pcap",
            crate::capture::file::Format::PcapNg => "pcapng",
        }),
        compression: f.and_then(|f| f.compression).map(|c| match c {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
        }),
        packets: capture.packet_count(),
        first_ns: capture.files.iter().filter_map(|f| f.first_ns).min(),
        last_ns: capture.files.iter().filter_map(|f| f.last_ns).max(),
        sessions: rows.sessions.len() as u64,
        transactions: rows.transactions.len() as u64,
        interfaces: capture
            .interfaces
            .iter()
            .map(|i| InterfaceRow {
                linktype: i.interface.linktype,
                snaplen: i.interface.snaplen,
                ts_per_sec: i.interface.ts_per_sec,
                name: i.interface.name.clone(),
            })
            .collect(),
        errors: capture.errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// The capturing host's addresses, per file (its interfaces' `if_IPv4addr` and
/// `if_IPv6addr`).
fn host_addresses(capture: &Capture) -> Vec<HashSet<IpAddr>> {
    let mut hosts: Vec<HashSet<IpAddr>> = vec![HashSet::new(); capture.files.len()];
    for i in &capture.interfaces {
        if let Some(h) = hosts.get_mut(i.file as usize) {
            h.extend(i.interface.addresses.iter().copied());
        }
    }
    hosts
}

/// The user of each flow: the first `uid=<uid> user=<name>` packet comment of the flow
/// (`wirelens-capture` writes it beside `pid=… comm=…` on a connection's first packet).
pub fn users_by_flow(capture: &Capture) -> Vec<Option<(u32, Option<String>)>> {
    let mut out: Vec<Option<(u32, Option<String>)>> = vec![None; capture.conversations.len()];
    for (packet, text) in &capture.comments {
        let Some(flow) = capture
            .packets
            .get(*packet as usize)
            .map(|p| p.flow)
            .filter(|&f| f != NO_FLOW)
        else {
            continue;
        };
        if let (Some(slot), Some(found)) = (out.get_mut(flow as usize), parse_user_comment(text)) {
            slot.get_or_insert(found);
        }
    }
    out
}

/// Reads a comment `uid=<uid> user=<name>`; None for any other comment.
pub fn parse_user_comment(text: &str) -> Option<(u32, Option<String>)> {
    let rest = text.trim_start().strip_prefix("uid=")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let uid = rest[..digits].parse().ok()?;
    let rest = &rest[digits..];
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let user = rest
        .trim_start()
        .strip_prefix("user=")
        .map(|u| u.trim_end_matches(['\r', '\n']).to_owned());
    Some((uid, user))
}

#[cfg(test)]
mod test;
