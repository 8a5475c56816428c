//! Sessions: the bcc `tcplife` view of a capture. One row per TCP conversation (Wireshark's
//! `tcp.stream`) with its start, lifespan, payload bytes each way and, when the capture
//! says, the process that owned it.
//!
//! tcplife reads a socket's `bytes_acked` / `bytes_received` when it closes, so TX and RX
//! are payload bytes, not frame bytes; here they are the sums of the TCP segment lengths
//! each way (`tcp.len`, retransmissions included: a capture cannot tell what was acked
//! until the analysis says so). The lifespan runs from the session's first packet to its
//! last.
//!
//! Which side is local: tcplife runs on one host, a capture may have been taken anywhere.
//! When the capture names the capturing host's addresses (pcapng `if_IPv4addr` /
//! `if_IPv6addr`, which `wirelens-capture` writes) and exactly one side has one of them,
//! that side is local. Otherwise local is the side that initiated: the sender of the
//! first SYN, else the receiver of the first SYN-ACK, else the sender of the first packet.
//!
//! The process comes from a packet comment `pid=<pid> comm=<comm>` on any packet of the
//! session (as `wirelens-capture` writes it on a session's first packet), else from
//! Apple's Process Information Block named by a packet's `epb_pib_index` (macOS
//! `tcpdump -k`) or the PKTAP header before it (`tcpdump -i pktap`: the ingest notes its
//! pid and command name as such a process).

use crate::capture::flow::{Direction, L4};
use crate::capture::packet::NO_FLOW;
use crate::capture::tcp::{Side, TcpEnd};
use crate::capture::Capture;
use serde::Serialize;
use std::collections::HashSet;
use std::net::IpAddr;

/// How the local side of a session was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalBy {
    /// It has an address of the capturing host (the file's interface addresses).
    Host,
    /// It sent the first SYN.
    Syn,
    /// It received the first SYN-ACK (its SYN was not captured).
    SynAck,
    /// It sent the first packet (no handshake was captured).
    FirstPacket,
}

/// How a session stood at the end of the capture (the TCP analysis' [`TcpEnd`], told
/// from the local side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum End {
    /// No FIN and no RST: still open when the capture ended, or its end not captured.
    Open,
    /// Only one side sent a FIN (see `end_by`).
    HalfClosed,
    /// Both sides sent a FIN.
    Closed,
    /// A RST ended it (`end_by` sent the first).
    Reset,
}

/// A side of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Peer {
    /// The local side.
    Local,
    /// The remote side.
    Remote,
}

/// One TCP session, seen from its local side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Wireshark's `tcp.stream`.
    pub stream: u32,
    /// Index into `Capture::conversations`.
    pub flow: u32,
    /// Timestamp of the first packet, ns since the epoch.
    pub start_ns: i64,
    /// Timestamp of the last packet, ns since the epoch.
    pub end_ns: i64,
    /// Process id of the local side, when the capture says.
    pub pid: Option<u32>,
    /// Process name of the local side, when the capture says.
    pub comm: Option<String>,
    /// Local address.
    pub laddr: IpAddr,
    /// Local port.
    pub lport: u16,
    /// Remote address.
    pub raddr: IpAddr,
    /// Remote port.
    pub rport: u16,
    /// TCP payload bytes sent by the local side.
    pub tx_bytes: u64,
    /// TCP payload bytes sent by the remote side.
    pub rx_bytes: u64,
    /// How the local side was chosen.
    pub local_by: LocalBy,
    /// How the session ended.
    pub end: End,
    /// Who closed or reset it, for a half-closed or reset session.
    pub end_by: Option<Peer>,
    /// `tcp.analysis.initial_rtt`, when the handshake was captured.
    pub initial_rtt_ns: Option<i64>,
}

impl Session {
    /// 4 or 6.
    pub fn ip_version(&self) -> u8 {
        if self.laddr.is_ipv4() {
            4
        } else {
            6
        }
    }

    /// From the first packet to the last, in ns.
    pub fn lifespan_ns(&self) -> i64 {
        self.end_ns - self.start_ns
    }

    /// TX_KB as tcplife prints it: whole KiB, rounded down.
    pub fn tx_kb(&self) -> u64 {
        self.tx_bytes / 1024
    }

    /// RX_KB as tcplife prints it: whole KiB, rounded down.
    pub fn rx_kb(&self) -> u64 {
        self.rx_bytes / 1024
    }

    /// MS as tcplife computes it: the lifespan in whole µs, divided by 1000 (tcplife
    /// prints it with two decimals).
    pub fn ms(&self) -> f64 {
        (self.lifespan_ns() / 1000) as f64 / 1000.0
    }
}

/// The sessions of a capture, in `tcp.stream` order.
pub fn sessions(capture: &Capture) -> Vec<Session> {
    let convs = &capture.conversations;
    // The file of each conversation's first packet: its interfaces say who the host is.
    let mut first_file = vec![u16::MAX; convs.len()];
    for p in &capture.packets {
        if let Some(f) = first_file
            .get_mut(p.flow as usize)
            .filter(|f| **f == u16::MAX)
        {
            *f = p.file;
        }
    }
    let mut hosts: Vec<HashSet<IpAddr>> = vec![HashSet::new(); capture.files.len()];
    for i in &capture.interfaces {
        if let Some(h) = hosts.get_mut(i.file as usize) {
            h.extend(i.interface.addresses.iter().copied());
        }
    }
    let processes = processes_by_flow(capture);
    let none = HashSet::new();
    convs
        .iter()
        .enumerate()
        .filter(|(_, c)| c.proto == L4::Tcp)
        .map(|(id, c)| {
            let analysis = capture.tcp.get(id).cloned().unwrap_or_default();
            let (initiator, by) = initiator(capture, id);
            let host = first_file
                .get(id)
                .and_then(|&f| hosts.get(f as usize))
                .unwrap_or(&none);
            let (local, local_by) = match (host.contains(&c.a), host.contains(&c.b)) {
                (true, false) => (Direction::AToB, LocalBy::Host),
                (false, true) => (Direction::BToA, LocalBy::Host),
                _ => (initiator, by),
            };
            let ((laddr, lport, tx_bytes), (raddr, rport, rx_bytes)) = {
                let a = (c.a, c.port_a, c.payload_ab);
                let b = (c.b, c.port_b, c.payload_ba);
                if local == Direction::AToB {
                    (a, b)
                } else {
                    (b, a)
                }
            };
            let peer = |side: Side| {
                if (side == Side::A) == (local == Direction::AToB) {
                    Peer::Local
                } else {
                    Peer::Remote
                }
            };
            let (end, end_by) = match analysis.end {
                TcpEnd::Open => (End::Open, None),
                TcpEnd::HalfClosed(s) => (End::HalfClosed, Some(peer(s))),
                TcpEnd::Closed => (End::Closed, None),
                TcpEnd::Reset(s) => (End::Reset, Some(peer(s))),
            };
            let (pid, comm) = processes.get(id).cloned().flatten().unzip();
            Session {
                stream: c.stream,
                flow: id as u32,
                start_ns: c.first_ns,
                end_ns: c.last_ns,
                pid,
                comm: comm.flatten(),
                laddr,
                lport,
                raddr,
                rport,
                tx_bytes,
                rx_bytes,
                local_by,
                end,
                end_by,
                initial_rtt_ns: analysis.initial_rtt_ns,
            }
        })
        .collect()
}

/// The side that opened conversation `id` (index into `Capture::conversations`): the
/// sender of the first SYN, else the receiver of the first SYN-ACK, else the sender of
/// the first packet (side A), with which of the three decided. A UDP flow's is side A.
pub fn initiator(capture: &Capture, id: usize) -> (Direction, LocalBy) {
    let ctl = capture.tcp_control.get(id).copied().unwrap_or_default();
    // The TCP analysis knows who sent the SYN; the ingest's note of the control
    // segments also knows who sent the SYN-ACK, for when the SYN was missed.
    let syn = capture.tcp.get(id).and_then(|a| a.syn_by).map(|s| {
        if s == Side::A {
            Direction::AToB
        } else {
            Direction::BToA
        }
    });
    match (syn.or(ctl.syn), ctl.syn_ack) {
        (Some(d), _) => (d, LocalBy::Syn),
        (None, Some(Direction::AToB)) => (Direction::BToA, LocalBy::SynAck),
        (None, Some(Direction::BToA)) => (Direction::AToB, LocalBy::SynAck),
        (None, None) => (Direction::AToB, LocalBy::FirstPacket),
    }
}

/// A connection's owner: process id and name (COMM), when known.
pub type Owner = (u32, Option<String>);

/// The process of each flow: the first `pid=… comm=…` packet comment of the flow, else
/// the first process (PIB) a packet of the flow names.
pub fn processes_by_flow(capture: &Capture) -> Vec<Option<Owner>> {
    let mut out: Vec<Option<Owner>> = vec![None; capture.conversations.len()];
    let flow_of = |packet: u64| {
        capture
            .packets
            .get(packet as usize)
            .map(|p| p.flow)
            .filter(|&f| f != NO_FLOW)
    };
    for (packet, text) in &capture.comments {
        if let (Some(flow), Some(found)) = (flow_of(*packet), parse_process_comment(text)) {
            out[flow as usize].get_or_insert(found);
        }
    }
    for &(packet, process) in &capture.packet_processes {
        if let (Some(flow), Some(p)) = (
            flow_of(packet as u64),
            capture.processes.get(process as usize),
        ) {
            out[flow as usize].get_or_insert((p.pid, p.name.clone()));
        }
    }
    out
}

/// Reads a comment `pid=<pid> comm=<comm>` (the name is the rest of the comment, so it
/// may hold spaces, as Linux task names can). None for any other comment.
pub fn parse_process_comment(text: &str) -> Option<(u32, Option<String>)> {
    let rest = text.trim_start().strip_prefix("pid=")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let pid = rest[..digits].parse().ok()?;
    let rest = &rest[digits..];
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let comm = rest
        .trim_start()
        .strip_prefix("comm=")
        .map(|c| c.trim_end_matches(['\r', '\n']).to_owned());
    Some((pid, comm))
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::ingest_bytes;
    use crate::ingest::wire::tcp_flags;

    const CLIENT: [u8; 4] = [10, 0, 0, 1];
    const SERVER: [u8; 4] = [10, 0, 0, 2];

    /// An Ethernet/IPv4/TCP frame.
    fn frame(
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        flags: u8,
        seq: u32,
        payload: usize,
    ) -> Vec<u8> {
        let b = etherparse::PacketBuilder::ethernet2([2; 6], [4; 6]).ipv4(src, dst, 64);
        let mut tcp = b.tcp(sport, dport, seq, 65535);
        if flags & tcp_flags::SYN != 0 {
            tcp = tcp.syn();
        }
        if flags & tcp_flags::ACK != 0 {
            tcp = tcp.ack(1);
        }
        if flags & tcp_flags::FIN != 0 {
            tcp = tcp.fin();
        }
        if flags & tcp_flags::RST != 0 {
            tcp = tcp.rst();
        }
        let data = vec![b'x'; payload];
        let mut out = Vec::new();
        tcp.write(&mut out, &data).unwrap();
        out
    }

    fn c2s(flags: u8, seq: u32, payload: usize) -> Vec<u8> {
        frame(CLIENT, 40000, SERVER, 80, flags, seq, payload)
    }

    fn s2c(flags: u8, seq: u32, payload: usize) -> Vec<u8> {
        frame(SERVER, 80, CLIENT, 40000, flags, seq, payload)
    }

    /// A minimal little-endian pcapng writer for the options the sessions read.
    struct Ng(Vec<u8>);

    impl Ng {
        fn new() -> Self {
            let mut ng = Ng(Vec::new());
            let mut body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
            body.extend_from_slice(&[1, 0, 0, 0]);
            body.extend_from_slice(&u64::MAX.to_le_bytes());
            ng.block(0x0a0d_0d0a, body);
            ng
        }

        fn option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
            body.extend_from_slice(&code.to_le_bytes());
            body.extend_from_slice(&(value.len() as u16).to_le_bytes());
            body.extend_from_slice(value);
            body.resize(body.len().div_ceil(4) * 4, 0);
        }

        fn block(&mut self, kind: u32, mut body: Vec<u8>) {
            body.resize(body.len().div_ceil(4) * 4, 0);
            let len = (body.len() + 12) as u32;
            self.0.extend_from_slice(&kind.to_le_bytes());
            self.0.extend_from_slice(&len.to_le_bytes());
            self.0.extend_from_slice(&body);
            self.0.extend_from_slice(&len.to_le_bytes());
        }

        fn idb(&mut self, options: &[(u16, &[u8])]) {
            let mut body = vec![1, 0, 0, 0, 0, 0, 0, 0];
            for (code, value) in options {
                Self::option(&mut body, *code, value);
            }
            if !options.is_empty() {
                body.extend_from_slice(&[0; 4]);
            }
            self.block(1, body);
        }

        fn pib(&mut self, pid: u32, name: &str) {
            let mut body = pid.to_le_bytes().to_vec();
            Self::option(&mut body, 2, name.as_bytes());
            body.extend_from_slice(&[0; 4]);
            self.block(0x8000_0001, body);
        }

        /// A packet `us` microseconds into the capture, with options.
        fn epb(&mut self, us: u64, data: &[u8], options: &[(u16, &[u8])]) {
            let ts = 1_700_000_000_000_000 + us;
            let mut body = 0u32.to_le_bytes().to_vec();
            body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            body.extend_from_slice(&(ts as u32).to_le_bytes());
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            body.resize(body.len().div_ceil(4) * 4, 0);
            for (code, value) in options {
                Self::option(&mut body, *code, value);
            }
            if !options.is_empty() {
                body.extend_from_slice(&[0; 4]);
            }
            self.block(6, body);
        }
    }

    fn one(bytes: &[u8]) -> Session {
        let capture = ingest_bytes("t.pcapng", bytes);
        assert!(capture.errors.is_empty(), "{:?}", capture.errors);
        let mut s = sessions(&capture);
        assert_eq!(s.len(), 1, "{s:?}");
        s.remove(0)
    }

    /// A whole session: handshake, 3000 bytes up, 5000 down, FINs; 1.5 ms in all.
    fn whole_session(ng: &mut Ng, options_on_syn: &[(u16, &[u8])]) {
        ng.epb(0, &c2s(tcp_flags::SYN, 100, 0), options_on_syn);
        ng.epb(100, &s2c(tcp_flags::SYN | tcp_flags::ACK, 900, 0), &[]);
        ng.epb(200, &c2s(tcp_flags::ACK, 101, 3000), &[]);
        ng.epb(1000, &s2c(tcp_flags::ACK, 901, 5000), &[]);
        ng.epb(1100, &c2s(tcp_flags::ACK | tcp_flags::FIN, 3101, 0), &[]);
        ng.epb(1200, &s2c(tcp_flags::ACK | tcp_flags::FIN, 5901, 0), &[]);
        ng.epb(1500, &c2s(tcp_flags::ACK, 3102, 0), &[]);
    }

    #[test]
    fn the_initiator_is_local_and_bytes_are_payload() {
        let mut ng = Ng::new();
        ng.idb(&[]);
        whole_session(&mut ng, &[]);
        let s = one(&ng.0);
        assert_eq!(
            (s.laddr, s.lport, s.raddr, s.rport),
            (IpAddr::from(CLIENT), 40000, IpAddr::from(SERVER), 80)
        );
        assert_eq!(
            (s.tx_bytes, s.rx_bytes, s.tx_kb(), s.rx_kb()),
            (3000, 5000, 2, 4)
        );
        assert_eq!(
            (s.local_by, s.end, s.end_by, s.pid, s.ip_version()),
            (LocalBy::Syn, End::Closed, None, None, 4)
        );
        assert_eq!(s.initial_rtt_ns, Some(200_000));
        assert_eq!(
            (s.lifespan_ns(), format!("{:.2}", s.ms())),
            (1_500_000, "1.50".to_owned())
        );
    }

    #[test]
    fn the_host_addresses_of_the_capture_decide_which_side_is_local() {
        let mut ng = Ng::new();
        let mut v4 = SERVER.to_vec();
        v4.extend_from_slice(&[255, 255, 255, 0]);
        ng.idb(&[(2, b"eth0"), (4, &v4)]);
        whole_session(&mut ng, &[]);
        let capture = ingest_bytes("t.pcapng", &ng.0);
        assert_eq!(
            capture.interfaces[0].interface.addresses,
            [IpAddr::from(SERVER)]
        );
        let s = &sessions(&capture)[0];
        assert_eq!(
            (s.laddr, s.lport, s.tx_bytes, s.rx_bytes),
            (IpAddr::from(SERVER), 80, 5000, 3000)
        );
        assert_eq!(s.local_by, LocalBy::Host);
    }

    #[test]
    fn without_a_syn_the_syn_ack_or_the_first_packet_decides() {
        let mut ng = Ng::new();
        ng.idb(&[]);
        ng.epb(0, &s2c(tcp_flags::SYN | tcp_flags::ACK, 900, 0), &[]);
        ng.epb(1000, &c2s(tcp_flags::ACK, 101, 10), &[]);
        let s = one(&ng.0);
        assert_eq!(
            (s.laddr, s.local_by, s.end),
            (IpAddr::from(CLIENT), LocalBy::SynAck, End::Open)
        );

        let mut ng = Ng::new();
        ng.idb(&[]);
        ng.epb(0, &s2c(tcp_flags::ACK, 900, 2048), &[]);
        ng.epb(1000, &c2s(tcp_flags::RST, 101, 0), &[]);
        let s = one(&ng.0);
        assert_eq!(
            (s.laddr, s.local_by, s.end, s.tx_kb()),
            (IpAddr::from(SERVER), LocalBy::FirstPacket, End::Reset, 2)
        );
        assert_eq!(s.end_by, Some(Peer::Remote), "the client reset it");
        assert_eq!(
            (s.laddr, s.local_by, s.end, s.tx_kb()),
            (IpAddr::from(SERVER), LocalBy::FirstPacket, End::Reset, 2)
        );
    }

    #[test]
    fn a_packet_comment_names_the_process() {
        let mut ng = Ng::new();
        ng.idb(&[]);
        whole_session(&mut ng, &[(1, b"pid=4242 comm=Web Content")]);
        let s = one(&ng.0);
        assert_eq!(
            (s.pid, s.comm.as_deref()),
            (Some(4242), Some("Web Content"))
        );
    }

    #[test]
    fn an_apple_process_information_block_names_the_process() {
        let mut ng = Ng::new();
        ng.idb(&[]);
        ng.pib(77, "launchd");
        ng.pib(1234, "curl");
        whole_session(&mut ng, &[(0x8001, &1u32.to_le_bytes())]);
        let capture = ingest_bytes("t.pcapng", &ng.0);
        assert_eq!(capture.processes.len(), 2);
        assert_eq!(capture.packet_processes, [(0, 1)]);
        let s = &sessions(&capture)[0];
        assert_eq!((s.pid, s.comm.as_deref()), (Some(1234), Some("curl")));
    }

    #[test]
    fn a_pktap_header_names_the_process() {
        let mut ng = Ng::new();
        // An interface of link type PKTAP (258).
        ng.block(1, vec![2, 1, 0, 0, 0, 0, 0, 0]);
        let pktap = |frame: Vec<u8>, pid: u32, name: &[u8]| {
            let mut h = vec![0u8; 108];
            h[0] = 108;
            h[4] = 1; // a packet follows
            h[8] = 1; // DLT_EN10MB
            h[52..56].copy_from_slice(&pid.to_le_bytes());
            h[56..56 + name.len()].copy_from_slice(name);
            h.extend_from_slice(&frame);
            h
        };
        ng.epb(0, &pktap(c2s(tcp_flags::SYN, 100, 0), 4242, b"curl"), &[]);
        ng.epb(
            100,
            &pktap(s2c(tcp_flags::SYN | tcp_flags::ACK, 900, 0), 0, b""),
            &[],
        );
        ng.epb(
            200,
            &pktap(c2s(tcp_flags::ACK, 101, 10), 4242, b"curl"),
            &[],
        );
        let capture = ingest_bytes("t.pcapng", &ng.0);
        // One process each pid and name, however many packets name it.
        assert_eq!(capture.processes.len(), 2);
        assert_eq!(capture.packet_processes, [(0, 0), (1, 1), (2, 0)]);
        let s = &sessions(&capture)[0];
        assert_eq!((s.pid, s.comm.as_deref()), (Some(4242), Some("curl")));
    }

    #[test]
    fn process_comments() {
        assert_eq!(
            parse_process_comment("pid=1 comm=nginx"),
            Some((1, Some("nginx".into())))
        );
        assert_eq!(parse_process_comment("pid=12"), Some((12, None)));
        assert_eq!(parse_process_comment("pid=12x comm=a"), None);
        assert_eq!(parse_process_comment("pid= comm=a"), None);
        assert_eq!(parse_process_comment("hello"), None);
    }
}
