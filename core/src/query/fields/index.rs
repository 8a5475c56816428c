//! The fields the packet index answers without the packet's bytes: frame numbers, times
//! and lengths, stream numbers, the addresses and ports of a conversation's packets,
//! the TCP analysis, the process of a session.

use super::{arena_push, Fid, FieldCtx, Value};
use crate::capture::flow::L4;
use crate::capture::packet::{PacketRow, TcpHeader};
use crate::capture::Capture;

impl<'c> FieldCtx<'c> {
    /// Index-only answers. Returns false when the bytes are needed.
    pub(super) fn fast(&mut self, field: Fid, layer: u8, out: &mut Vec<Value>) -> bool {
        use Fid::*;
        let row = self.row;
        let c = self.capture;
        let first_layer = layer <= 1;
        if self.beside_conversation(field) {
            return true;
        }
        if super::headers::in_head(field) {
            return self.head_values(field, layer, out);
        }
        match field {
            FrameNumber => out.push(Value::Uint(self.index as u64 + 1)),
            // A packet without a timestamp (a pcapng Simple Packet Block) has no times.
            FrameTime | FrameTimeEpoch | FrameTimeRelative | FrameTimeDelta
                if c.packet_options(self.index as u64).untimed => {}
            FrameTime => out.push(Value::Time(row.ts_ns)),
            FrameTimeEpoch => out.push(Value::Rel(row.ts_ns)),
            FrameTimeRelative => out.push(Value::Rel(row.ts_ns - c.first_ts_ns())),
            FrameTimeDelta => {
                let prev = match self.index.checked_sub(1) {
                    Some(i) => self.rows.at(i).ts_ns,
                    None => row.ts_ns,
                };
                out.push(Value::Rel(row.ts_ns - prev));
            }
            FrameLen => out.push(Value::Uint(row.len as u64)),
            // Reading a file marks no frame.
            FrameMarked if first_layer => out.push(Value::Bool(false)),
            FrameMarked => {}
            FrameCapLen => out.push(Value::Uint(row.caplen as u64)),
            FrameInterfaceId => {
                // Only pcapng records name an interface (tshark shows none for pcap).
                if let Some((_, id, _)) = c.section_interface(&row) {
                    out.push(Value::Uint(id as u64));
                }
            }
            FrameComment => {
                for text in c.comments_of(self.index as u64) {
                    out.push(Value::Str(arena_push(&mut self.arena, text.as_bytes())));
                }
            }
            TcpStream | UdpStream | WlSessionBytes | WlSessionDuration | WlSessionFrames => {
                // The UDP datagram that carried a tunnel has its stream before the inner
                // packet's (tshark dissects it first).
                if field == UdpStream && first_layer {
                    if let Some(outer) = c.outer_flow(self.index) {
                        if let Some(o) = c.conversations.get(outer as usize) {
                            out.push(Value::Uint(o.stream as u64));
                        }
                    }
                }
                if let Some((conv, _)) = self.flow().filter(|_| first_layer) {
                    match field {
                        TcpStream if conv.proto == L4::Tcp => {
                            out.push(Value::Uint(conv.stream as u64))
                        }
                        UdpStream if conv.proto == L4::Udp => {
                            out.push(Value::Uint(conv.stream as u64))
                        }
                        WlSessionBytes => out.push(Value::Uint(conv.bytes())),
                        WlSessionFrames => out.push(Value::Uint(conv.frames())),
                        WlSessionDuration => out.push(Value::Rel(conv.duration_ns())),
                        _ => {}
                    }
                }
            }
            TcpTimeRelative | TcpTimeDelta => {
                if let Some((conv, _)) = self
                    .flow()
                    .filter(|(c, _)| c.proto == L4::Tcp && first_layer)
                {
                    if field == TcpTimeRelative {
                        // packet-tcp.c times from the conversation's first frame read,
                        // not its earliest timestamp (`first_ns`) when they differ.
                        let first = self.first_in_flow(row.flow);
                        let first_ts = if first == u32::MAX as usize {
                            conv.first_ns
                        } else {
                            self.rows.at(first).ts_ns
                        };
                        out.push(Value::Rel(row.ts_ns - first_ts));
                    } else {
                        let i = self.index;
                        let prev = self.prev_in_flow_of(i);
                        let prev_ts = if prev == u32::MAX {
                            row.ts_ns
                        } else {
                            self.rows.at(prev as usize).ts_ns
                        };
                        out.push(Value::Rel(row.ts_ns - prev_ts));
                    }
                }
            }
            UdpTimeRelative | UdpTimeDelta => {
                // As `udp.stream`: the tunnel's outer datagram first, then the packet's.
                if !first_layer {
                    return true;
                }
                if let Some(outer) = c.outer_flow(self.index) {
                    out.push(self.udp_time(field, outer, false));
                }
                // packet-udp.c returns before the timestamps of an empty datagram.
                let empty = c.empty_udp(self.index);
                if !empty && self.flow().is_some_and(|(c, _)| c.proto == L4::Udp) {
                    out.push(self.udp_time(field, row.flow, true));
                }
            }
            f if is_analysis(f) => {
                if first_layer {
                    analysis(c, self.index, f, out);
                }
            }
            TcpAnalysisInitialRtt => {
                // Shown from the segment that completed the handshake on.
                let rtt = self.flow().filter(|_| first_layer).and_then(|_| {
                    let t = c.tcp.get(row.flow as usize)?;
                    let frame = t.initial_rtt_frame?;
                    let shown = row.flags & PacketRow::FLAG_SEQ_ANALYSIS != 0;
                    (shown && self.index as u64 + 1 >= frame).then_some(t.initial_rtt_ns?)
                });
                if let Some(ns) = rtt {
                    out.push(Value::Rel(ns));
                }
            }
            TcpAnalysisAckRtt | TcpAnalysisAcksFrame | TcpAnalysisBytesInFlight => {
                if let Some(a) = c
                    .tcp_ack_from(self.index, &mut self.rows)
                    .filter(|_| first_layer)
                {
                    match field {
                        TcpAnalysisAcksFrame if a.frame != 0 => out.push(Value::Uint(a.frame)),
                        TcpAnalysisAckRtt if a.frame != 0 && a.rtt_ns != 0 => {
                            out.push(Value::Rel(a.rtt_ns))
                        }
                        TcpAnalysisBytesInFlight if a.bytes_in_flight != 0 => {
                            out.push(Value::Uint(a.bytes_in_flight as u64))
                        }
                        _ => {}
                    }
                }
            }
            TcpLen | TcpHdrLen | TcpFlags | TcpFlagsRes | TcpFlagsAe | TcpFlagsCwr
            | TcpFlagsEce | TcpFlagsUrg | TcpFlagsAck | TcpFlagsPush | TcpFlagsReset
            | TcpFlagsSyn | TcpFlagsFin | TcpFlagsStr => match row.tcp {
                TcpHeader::Unknown => return false,
                TcpHeader::Absent => {}
                TcpHeader::One { len, word } if first_layer => {
                    let flags = TcpHeader::flags(word);
                    out.push(match field {
                        TcpLen => Value::Uint(len as u64),
                        TcpHdrLen => Value::Uint(TcpHeader::hdr_len(word) as u64),
                        TcpFlags => Value::Uint(flags as u64),
                        TcpFlagsStr => Value::Str(arena_push(
                            &mut self.arena,
                            super::headers::tcp_flags_str(flags).as_bytes(),
                        )),
                        f => Value::Bool(flags & flag_bit(f) != 0),
                    });
                }
                TcpHeader::One { .. } => {}
            },
            WlProcessPid | WlProcessName => {
                let procs = self
                    .processes
                    .get_or_insert_with(|| crate::query::sessions::processes_by_flow(c));
                if let Some((pid, name)) = procs.get(row.flow as usize).and_then(Option::as_ref) {
                    match (field, name) {
                        (WlProcessPid, _) => out.push(Value::Uint(*pid as u64)),
                        (_, Some(name)) => {
                            out.push(Value::Str(arena_push(&mut self.arena, name.as_bytes())))
                        }
                        _ => {}
                    }
                }
            }
            Tcp | TcpSrcport | TcpDstport | TcpPort | Udp | UdpSrcport | UdpDstport | UdpPort
            | Ip | IpSrc | IpDst | IpAddr | IpProto | IpVersion | Ipv6 | Ipv6Src | Ipv6Dst
            | Ipv6Addr | Ipv6Version => {
                let Some((conv, dir)) = self.flow() else {
                    return false;
                };
                // Protocol values carry bytes: those need the packet (existence alone is
                // answered by `exists`).
                // A tunnel adds outer addresses (and UDP ports) the index lacks.
                if matches!(field, Tcp | Udp | Ip | Ipv6) || self.tunneled() {
                    return false;
                }
                if !first_layer {
                    return true;
                }
                let (src, sport, dst, dport) = if dir == 0 {
                    (conv.a, conv.port_a, conv.b, conv.port_b)
                } else {
                    (conv.b, conv.port_b, conv.a, conv.port_a)
                };
                let tcp = conv.proto == L4::Tcp;
                let v4 = src.is_ipv4();
                let addr = |a: std::net::IpAddr| match a {
                    std::net::IpAddr::V4(a) => Value::Ipv4(a.octets()),
                    std::net::IpAddr::V6(a) => Value::Ipv6(a.octets()),
                };
                match field {
                    TcpSrcport if tcp => out.push(Value::Uint(sport as u64)),
                    TcpDstport if tcp => out.push(Value::Uint(dport as u64)),
                    TcpPort if tcp => {
                        out.extend([Value::Uint(sport as u64), Value::Uint(dport as u64)])
                    }
                    UdpSrcport if !tcp => out.push(Value::Uint(sport as u64)),
                    UdpDstport if !tcp => out.push(Value::Uint(dport as u64)),
                    UdpPort if !tcp => {
                        out.extend([Value::Uint(sport as u64), Value::Uint(dport as u64)])
                    }
                    IpSrc if v4 => out.push(addr(src)),
                    IpDst if v4 => out.push(addr(dst)),
                    IpAddr if v4 => out.extend([addr(src), addr(dst)]),
                    IpProto if v4 => out.push(Value::Uint(if tcp { 6 } else { 17 })),
                    IpVersion if v4 => out.push(Value::Uint(4)),
                    Ipv6Src if !v4 => out.push(addr(src)),
                    Ipv6Dst if !v4 => out.push(addr(dst)),
                    Ipv6Addr if !v4 => out.extend([addr(src), addr(dst)]),
                    Ipv6Version if !v4 => out.push(Value::Uint(6)),
                    _ => {}
                }
            }
            _ => return false,
        }
        true
    }

    pub(super) fn prev_in_flow(&mut self) -> &[u32] {
        let c = self.capture;
        self.prev_in_flow.get_or_insert_with(|| {
            let mut last = vec![u32::MAX; c.conversations.len()];
            c.packets
                .iter()
                .enumerate()
                .map(|(i, p)| match last.get_mut(p.flow as usize) {
                    Some(l) => std::mem::replace(l, i as u32),
                    None => u32::MAX,
                })
                .collect()
        })
    }

    /// The packet before packet `index` (the current one) in its flow (`u32::MAX`:
    /// none). The first few asked for (a packet's detail) are looked for from the packet
    /// back to its flow's first; after that every packet's is found in one pass (a
    /// filter's run).
    fn prev_in_flow_of(&mut self, index: usize) -> u32 {
        if self.prev_in_flow.is_some() || self.prev_asked >= PREV_LOOKED_FOR {
            return self.prev_in_flow()[index];
        }
        self.prev_asked += 1;
        let flow = self.row.flow;
        let first = match self.firsts().get(flow as usize) {
            Some(&[a, b]) => a.min(b) as usize,
            None => return u32::MAX,
        };
        (first..index)
            .rev()
            .find(|&i| self.rows.at(i).flow == flow)
            .map_or(u32::MAX, |i| i as u32)
    }

    /// `udp.time_relative` or `udp.time_delta` of the current packet in UDP
    /// conversation `flow` (`own`: the packet's row is in it, else it carried the
    /// packet's tunnel). packet-udp.c times from the conversation's first packet and
    /// its previous one as read, not the earliest timestamp.
    fn udp_time(&mut self, field: Fid, flow: u32, own: bool) -> Value {
        let ts = self.row.ts_ns;
        let at = if field == Fid::UdpTimeRelative {
            self.first_udp_of(flow)
        } else {
            self.prev_udp_of(flow, own)
        };
        Value::Rel(at.map_or(0, |p| ts - self.rows.at(p as usize).ts_ns))
    }

    /// The first packet of UDP conversation `flow`, its own or one it carried.
    fn first_udp_of(&mut self, flow: u32) -> Option<u32> {
        let own = Some(self.first_in_flow(flow) as u32).filter(|&p| p != u32::MAX);
        let carried = self.carried().and_then(|by_flow| {
            let at = by_flow.partition_point(|&e| e < (flow, 0));
            by_flow
                .get(at)
                .filter(|&&(f, _)| f == flow)
                .map(|&(_, p)| p)
        });
        match (own, carried) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// [`Capture::outer_flows`] by (conversation, packet); None when there are none.
    fn carried(&mut self) -> Option<&[(u32, u32)]> {
        let c = self.capture;
        if c.outer_flows.is_empty() {
            return None;
        }
        let by_flow = self.carried.get_or_insert_with(|| {
            let mut v: Vec<(u32, u32)> = c.outer_flows.iter().map(|&(p, f)| (f, p)).collect();
            v.sort_unstable();
            v
        });
        Some(by_flow)
    }

    /// The packet before the current one in UDP conversation `flow`: its own packets
    /// (`own`: the current packet's row is in it) and those whose tunnel's outer
    /// datagram was in it.
    fn prev_udp_of(&mut self, flow: u32, own: bool) -> Option<u32> {
        let i = self.index as u32;
        let carried = self.carried().and_then(|by_flow| {
            let at = by_flow.partition_point(|&e| e < (flow, i));
            at.checked_sub(1)
                .map(|k| by_flow[k])
                .filter(|&(f, _)| f == flow)
                .map(|(_, p)| p)
        });
        let mine = if own {
            Some(self.prev_in_flow_of(self.index)).filter(|&p| p != u32::MAX)
        } else {
            // A packet of the outer conversation that carried nothing with a
            // conversation of its own: looked for back to the last one carried.
            let from = carried.map_or(self.first_in_flow(flow) as u32, |p| p + 1);
            (from.min(i)..i)
                .rev()
                .find(|&p| self.rows.at(p as usize).flow == flow)
        };
        carried.max(mine)
    }

    /// The first packet of conversation `flow` either way (`u32::MAX` as usize: none).
    pub(super) fn first_in_flow(&mut self, flow: u32) -> usize {
        self.firsts()
            .get(flow as usize)
            .map_or(u32::MAX, |f| f[0].min(f[1])) as usize
    }

    pub(super) fn firsts(&mut self) -> &[[u32; 2]] {
        let c = self.capture;
        self.firsts.get_or_insert_with(|| firsts_each_way(c))
    }
}

/// Each conversation's first packet each way (A to B, B to A; `u32::MAX`: none), by
/// conversation: one pass over the index.
pub fn firsts_each_way(capture: &Capture) -> std::rc::Rc<[[u32; 2]]> {
    let mut f = vec![[u32::MAX; 2]; capture.conversations.len()];
    for (i, p) in capture.packets.iter().enumerate() {
        if let Some(e) = f.get_mut(p.flow as usize) {
            let d = usize::from(p.flags & PacketRow::FLAG_B_TO_A != 0);
            if e[d] == u32::MAX {
                e[d] = i as u32;
            }
        }
    }
    f.into()
}

/// Packets whose previous packet in their flow is looked for alone before
/// [`FieldCtx::prev_in_flow`] finds every packet's.
const PREV_LOOKED_FOR: u32 = 64;

/// The fields the index answers from a packet's [`TcpHeader`] when it is known.
pub(super) fn is_tcp_header_field(f: Fid) -> bool {
    f == Fid::TcpLen || f == Fid::TcpHdrLen || (Fid::TcpFlags..=Fid::TcpFlagsStr).contains(&f)
}

/// The bits of `tcp.flags` a `tcp.flags.*` field shows (as packet-tcp.c masks them).
fn flag_bit(f: Fid) -> u16 {
    match f {
        Fid::TcpFlagsRes => 0xe00,
        Fid::TcpFlagsAe => 0x100,
        Fid::TcpFlagsCwr => 0x80,
        Fid::TcpFlagsEce => 0x40,
        Fid::TcpFlagsUrg => 0x20,
        Fid::TcpFlagsAck => 0x10,
        Fid::TcpFlagsPush => 0x08,
        Fid::TcpFlagsReset => 0x04,
        Fid::TcpFlagsSyn => 0x02,
        _ => 0x01,
    }
}

pub(super) fn is_analysis(f: Fid) -> bool {
    (Fid::TcpAnalysisFlags..=Fid::TcpAnalysisZeroWindowProbeAck).contains(&f)
}

/// `tcp.analysis.*` of packet `index`, from the TCP analysis in the capture.
fn analysis(c: &Capture, index: usize, f: Fid, out: &mut Vec<Value>) {
    let Some(flags) = c.tcp_flags_of(index) else {
        return;
    };
    if flags.is_empty() {
        return;
    }
    match f {
        Fid::TcpAnalysisFlags => out.push(Value::Present),
        Fid::TcpAnalysisDuplicateAckNum if flags.dup_ack_num() > 0 => {
            out.push(Value::Uint(flags.dup_ack_num() as u64))
        }
        Fid::TcpAnalysisDuplicateAckFrame if flags.dup_ack_frame() > 0 => {
            out.push(Value::Uint(flags.dup_ack_frame()))
        }
        Fid::TcpAnalysisRto | Fid::TcpAnalysisRtoFrame => {
            if let Some((rto, from)) = c.tcp_rto(index) {
                out.push(if f == Fid::TcpAnalysisRto {
                    Value::Rel(rto)
                } else {
                    Value::Uint(from)
                });
            }
        }
        f => {
            if crate::capture::tcp::Kind::from_name(f.name()).is_some_and(|k| flags.contains(k)) {
                out.push(Value::Present);
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::packet::Packets;
    use crate::query::fields::MemorySource;

    /// Every capture of tests/data, and the corpus's with tunnels, fragments, ICMP errors
    /// and cut headers when the corpus is there.
    fn captures() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs = vec![root.join("tests/data")];
        let corpus = crate::ingest::app::testkit::corpus();
        for d in [
            "deepflow/tunnels",
            "zeek/ipv4",
            "zeek/tcp",
            "zeek/tunnels/gtp",
        ] {
            dirs.push(corpus.join(d));
        }
        let mut out: Vec<_> = dirs
            .iter()
            .flat_map(|d| crate::ingest::app::testkit::captures_under(d))
            .collect();
        for f in [
            "PcapPlusPlus/packet/IcmpPackets.pcap",
            "PcapPlusPlus/pcap/frag_http_req.pcap",
            "pcap-analyzer/frag_tcp_80_ipv4.pcap",
            "tcpdump/tcp_rst_data-trunc.pcap",
            "tcpdump/tcp_header_heapoverflow.pcap",
            "tcpdump/ipv4_invalid_hdr_length.pcap",
        ] {
            out.push(corpus.join(f));
        }
        out.retain(|p| p.is_file());
        out.sort();
        out
    }

    /// The capture of `bytes` as the ingest indexes it, and a copy whose rows `unknown`
    /// changes so that fields read the bytes for what the index answered; None for a
    /// compressed file (its offsets are not those of `bytes`).
    fn indexed_and_read(
        name: &str,
        bytes: &[u8],
        unknown: impl Fn(PacketRow) -> PacketRow,
    ) -> Option<(Capture, Capture)> {
        let indexed = crate::ingest::ingest_bytes(name, bytes);
        if indexed
            .files
            .first()
            .is_none_or(|f| f.compression.is_some())
        {
            return None;
        }
        let mut read = crate::ingest::ingest_bytes(name, bytes);
        read.packets = indexed.packets.iter().map(unknown).collect::<Packets>();
        Some((indexed, read))
    }

    /// The TCP header fields the index answers are those the packet's bytes give, packet
    /// by packet, except in the frame that completes a fragmented datagram: there the
    /// index has the datagram's header, as Wireshark shows it, and the frame's own bytes
    /// (not reassembled by field extraction) have none.
    #[test]
    fn tcp_header_fields_from_the_index_equal_those_from_the_bytes() {
        use Fid::*;
        let fields = [
            TcpLen,
            TcpHdrLen,
            TcpFlags,
            TcpFlagsRes,
            TcpFlagsAe,
            TcpFlagsCwr,
            TcpFlagsEce,
            TcpFlagsUrg,
            TcpFlagsAck,
            TcpFlagsPush,
            TcpFlagsReset,
            TcpFlagsSyn,
            TcpFlagsFin,
            TcpFlagsStr,
        ];
        let (mut known, mut compared, mut reassembled, mut unknown) = (0, 0, 0, 0);
        for path in captures() {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            let Some((indexed, read)) = indexed_and_read(&name, &bytes, |r| PacketRow {
                tcp: TcpHeader::Unknown,
                ..r
            }) else {
                continue;
            };
            let mut src = MemorySource {
                files: vec![&bytes],
            };
            let mut a = FieldCtx::new(&indexed);
            let mut b = FieldCtx::new(&read);
            let (mut va, mut vb) = (Vec::new(), Vec::new());
            for (i, row) in indexed.packets.iter().enumerate() {
                if row.tcp == TcpHeader::Unknown {
                    unknown += 1;
                    continue;
                }
                known += 1;
                a.begin(i);
                b.begin(i);
                for layer in [0, 1, 2] {
                    for f in fields {
                        va.clear();
                        vb.clear();
                        assert!(a.fast(f, layer, &mut va), "{name}: {i}: {f:?}");
                        b.extract(f, layer, &mut src, &mut vb);
                        if va == vb {
                            compared += 1;
                            continue;
                        }
                        // The frame that completes a fragmented datagram (IPv4's last
                        // fragment or IPv6's with a fragment header).
                        let mut frag = Vec::new();
                        b.extract(IpFragOffset, 0, &mut src, &mut frag);
                        b.extract(FrameProtocols, 0, &mut src, &mut frag);
                        let fragment = frag.iter().any(|v| match v {
                            Value::Uint(o) => *o > 0,
                            Value::Str(s) => b.span(*s, &[]).windows(7).any(|w| w == b"ipv6.fr"),
                            _ => false,
                        });
                        assert!(
                            fragment && vb.is_empty() && matches!(row.tcp, TcpHeader::One { .. }),
                            "{name}: packet {}: {f:?}#{layer}: index {va:?}, bytes {vb:?}",
                            i + 1
                        );
                        reassembled += 1;
                    }
                }
            }
        }
        eprintln!(
            "{known} packets known ({compared} values equal, {reassembled} of reassembled \
             datagrams), {unknown} left to the bytes"
        );
        assert!(known > 2_000 && compared > known * 30, "{known} {compared}");
    }

    /// What the index answers for a conversation's packets outside tunnels without their
    /// bytes, over every capture of tests/data and the corpus, equals what the bytes say:
    /// no field of ARP, ICMP, SCTP, STP… (`headers::beside_transport`), and the link and
    /// IP header fields of the conversation's head (`headers::in_head`, `vlan`). The bytes'
    /// answers come from a copy of the capture with every packet marked tunneled, which
    /// turns the index's answers off.
    #[test]
    fn conversations_packets_fields_from_the_index_equal_those_from_the_bytes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let corpus =
            crate::ingest::app::testkit::path("corpus:").unwrap_or_else(|| root.join("tests/data"));
        let registry = || super::super::registry::FIELDS.iter().map(|f| f.id);
        let beside: Vec<Fid> = registry()
            .filter(|&f| super::super::headers::beside_transport(f))
            .collect();
        let head: Vec<Fid> = registry()
            .filter(|&f| super::super::headers::in_head(f))
            .collect();
        assert!(beside.contains(&Fid::Arp) && beside.contains(&Fid::IcmpType));
        let mut paths = crate::ingest::app::testkit::captures_under(&root.join("tests/data"));
        paths.extend(crate::ingest::app::testkit::captures_under(&corpus));
        let (mut plain, mut headed, mut found_elsewhere, mut values_from_heads) = (0, 0, 0, 0);
        let (mut va, mut vb) = (Vec::new(), Vec::new());
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let name = path.display().to_string();
            let Some((indexed, read)) = indexed_and_read(&name, &bytes, |r| PacketRow {
                flags: r.flags | PacketRow::FLAG_TUNNELED,
                ..r
            }) else {
                continue;
            };
            let mut src = MemorySource {
                files: vec![&bytes],
            };
            let mut a = FieldCtx::new(&indexed);
            let mut b = FieldCtx::new(&read);
            for (i, row) in indexed.packets.iter().enumerate() {
                a.begin(i);
                b.begin(i);
                let at = || format!("{name}: packet {}", i + 1);
                let conversation = row.flow != crate::capture::packet::NO_FLOW
                    && row.flags & PacketRow::FLAG_TUNNELED == 0;
                plain += u64::from(conversation);
                for &f in &beside {
                    vb.clear();
                    b.extract(f, 0, &mut src, &mut vb);
                    if conversation {
                        assert!(vb.is_empty(), "{}: {f:?} in a conversation's packet", at());
                        assert!(!a.exists(f, 0, &mut src, &mut va), "{}: {f:?}", at());
                        va.clear();
                        assert!(a.fast(f, 0, &mut va) && va.is_empty(), "{}: {f:?}", at());
                    } else {
                        found_elsewhere += u64::from(!vb.is_empty());
                    }
                }
                if !a.from_index(Fid::IpTtl) && !a.from_index(Fid::Ipv6Hlim) {
                    assert!(!conversation || FieldCtx::head_of(&indexed, &row).is_none());
                    continue;
                }
                headed += 1;
                for layer in [0, 1, 2] {
                    for &f in &head {
                        va.clear();
                        vb.clear();
                        assert!(a.from_index(f) && a.fast(f, layer, &mut va), "{}", at());
                        b.extract(f, layer, &mut src, &mut vb);
                        assert_eq!(va, vb, "{}: {f:?}#{layer}", at());
                        values_from_heads += va.len() as u64;
                    }
                    assert_eq!(
                        a.exists(Fid::Vlan, layer, &mut src, &mut va),
                        b.exists(Fid::Vlan, layer, &mut src, &mut vb),
                        "{}: vlan#{layer}",
                        at()
                    );
                }
            }
        }
        eprintln!(
            "{plain} packets of conversations, {headed} with a head ({values_from_heads} \
             values); {found_elsewhere} values of protocols beside transport elsewhere"
        );
        assert!(
            plain > 10_000 && found_elsewhere > 1_000,
            "{plain} {found_elsewhere}"
        );
        assert!(
            headed > plain / 2 && values_from_heads > headed * 10,
            "{headed}"
        );
    }
}
