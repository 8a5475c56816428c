//! Link, network and transport fields, read from the packet's bytes at the layer offsets
//! the dissector records ([`wire::dissect_layers`]): there is no second walk over the
//! headers here.

use super::{arena_push, Fid, FieldCtx, PacketSource, Span, Store, Value};
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::Capture;
use crate::ingest::wire::{self, LayerSpan, Layers, Proto};
use std::collections::HashMap;
use std::sync::OnceLock;

fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn arr<const N: usize>(b: &[u8], off: usize) -> Option<[u8; N]> {
    b.get(off..off + N)?.try_into().ok()
}

/// The layers of packet `row`'s bytes `b`, as the dissector walked them (alone: IP
/// fragments are not reassembled).
pub(super) fn dissect(capture: &Capture, row: &PacketRow, b: &[u8], layers: &mut Layers) {
    wire::dissect_layers(capture.linktype_of(row), b, row.len as usize, layers);
}

/// Per-direction facts of a TCP conversation that some fields need: the base sequence
/// numbers (relative `tcp.seq`/`tcp.ack`) and the window scale.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TcpFlow {
    base: [Option<u32>; 2],
    /// Window scale shift per direction: -1 unknown (no SYN seen), -2 not used.
    scale: [i8; 2],
}

impl<'c> FieldCtx<'c> {
    /// Base sequence numbers and window scales of the current packet's TCP flow, as
    /// packet-tcp.c sets them: the first segment each way sets that way's base (its
    /// SYN's sequence number, or one less than the first segment's), and an ACK sets the
    /// other way's base to ack − 1 if that way has none yet.
    pub(super) fn tcp_flow(&mut self, src: &mut dyn PacketSource) -> TcpFlow {
        let flow = self.row.flow;
        if let Some(t) = self.tcp.get(&flow) {
            return *t;
        }
        let [f0, f1] = self
            .firsts()
            .get(flow as usize)
            .copied()
            .unwrap_or([u32::MAX; 2]);
        let mut t = TcpFlow::default();
        let mut order = [(f0, 0usize), (f1, 1usize)];
        order.sort();
        // packet-tcp.c: win_scale starts unknown (-1); a SYN's option sets its way's;
        // verify_tcp_window_scaling then turns scaling off (-2) when a SYN had none, or
        // when the SYN-ACK answers a SYN that had none.
        let mut ws = [-1i8; 2];
        let mut layers = Layers::default();
        // A source that reads forward may not have a packet yet: ask again next time.
        let mut complete = true;
        for (i, d) in order {
            if i == u32::MAX {
                continue;
            }
            let row = self.capture.packets.at(i as usize);
            let mut buf = std::mem::take(&mut self.scratch);
            let read = src.read(i as usize, &row, &mut buf);
            complete &= read;
            if read {
                dissect(self.capture, &row, &buf, &mut layers);
                // A first packet that completes a datagram: its TCP header is the
                // datagram's.
                let mut whole = Vec::new();
                let mut wl = Layers::default();
                if let Some((_, g)) =
                    super::datagram::reassemble(self.capture, src, i as usize, &buf, &mut wl)
                {
                    super::datagram::flatten(&buf, &g.bytes, &wl, &mut whole, &mut layers);
                    buf = whole;
                }
                if let Some(l) = layers.of(Proto::Tcp).next() {
                    let o = l.offset as usize;
                    if let (Some(seq), Some(ack), Some(&flags)) =
                        (be32(&buf, o + 4), be32(&buf, o + 8), buf.get(o + 13))
                    {
                        let is_syn = flags & 0x02 != 0;
                        if t.base[d].is_none() {
                            t.base[d] = Some(if is_syn { seq } else { seq.wrapping_sub(1) });
                        }
                        if t.base[1 - d].is_none() && flags & 0x10 != 0 {
                            t.base[1 - d] = Some(ack.wrapping_sub(1));
                        }
                        if is_syn {
                            if let Some(&shift) = tcp_option(&buf, l, 3).and_then(|o| o.first()) {
                                ws[d] = shift.min(14) as i8;
                            }
                            if ws[d] == -1 {
                                ws = [-2, -2];
                            } else if flags & 0x10 != 0 && ws[1 - d] == -2 {
                                ws[d] = -2;
                            }
                        }
                    }
                }
            }
            self.scratch = buf;
        }
        // A way whose first packet had no ACK (a SYN) sets the other way's base with
        // its first ACK, when that comes before the other way's first packet: what makes
        // the acknowledgements relative when only one side was captured. The ingest
        // noted those bases (reading that ACK here would need a packet the row's reads
        // do not name).
        let bases = &self.capture.tcp_acked_bases;
        let at = bases.partition_point(|&[f, _, _]| f < flow);
        for &[_, way, base] in bases[at..].iter().take_while(|&&[f, _, _]| f == flow) {
            if let Some(b) = t.base.get_mut(way as usize) {
                *b = Some(base);
            }
        }
        t.scale = ws;
        if complete {
            self.tcp.insert(flow, t);
        }
        t
    }

    /// Answers from the packet's bytes.
    pub(super) fn slow(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        let ls = std::mem::take(&mut self.layers);
        self.slow_in(&ls, field, layer, src, out);
        self.layers = ls;
    }

    fn slow_in(
        &mut self,
        ls: &Layers,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        use Fid::*;
        let b = &self.buf[..];
        let pick = |proto: Proto| shown_layers(ls, b, proto, layer);
        let packet_span = |start: usize, end: usize| span_in(b, start, end);
        if link_and_ip(b, ls, field, layer, out) {
            return;
        }
        match field {
            Frame if layer <= 1 => out.push(Value::Proto(packet_span(0, b.len()))),
            FrameProtocols if layer <= 1 => {
                let s = protocols(ls, b, self.row.ts_ns.div_euclid(1_000_000_000));
                out.push(Value::Str(arena_push(&mut self.arena, s.as_bytes())));
            }
            Sll => {
                for l in pick(Proto::Sll) {
                    out.push(Value::Proto(packet_span(l.offset as usize, b.len())));
                }
            }
            Arp | ArpHwType | ArpProtoType | ArpHwSize | ArpProtoSize | ArpOpcode | ArpSrcHwMac
            | ArpSrcProtoIpv4 | ArpDstHwMac | ArpDstProtoIpv4 => {
                for l in pick(Proto::Arp) {
                    let o = l.offset as usize;
                    let (hs, ps) = (
                        b.get(o + 4).copied().unwrap_or(0) as usize,
                        b.get(o + 5).copied().unwrap_or(0) as usize,
                    );
                    let ptype = be16(b, o + 2).unwrap_or(0);
                    let (sha, spa, tha, tpa) =
                        (o + 8, o + 8 + hs, o + 8 + hs + ps, o + 8 + 2 * hs + ps);
                    let mac = |at: usize| {
                        if hs == 6 {
                            arr::<6>(b, at).map(Value::Ether)
                        } else {
                            None
                        }
                    };
                    let v4 = |at: usize| {
                        if ps == 4 && ptype == 0x0800 {
                            arr::<4>(b, at).map(Value::Ipv4)
                        } else {
                            None
                        }
                    };
                    match field {
                        Arp => out.push(Value::Proto(packet_span(o, b.len()))),
                        ArpHwType => u(be16(b, o).map(u32::from), out),
                        ArpProtoType => u(Some(ptype as u32), out),
                        ArpHwSize => u(Some(hs as u32), out),
                        ArpProtoSize => u(Some(ps as u32), out),
                        ArpOpcode => u(be16(b, o + 6).map(u32::from), out),
                        ArpSrcHwMac => out.extend(mac(sha)),
                        ArpSrcProtoIpv4 => out.extend(v4(spa)),
                        ArpDstHwMac => out.extend(mac(tha)),
                        _ => out.extend(v4(tpa)),
                    }
                }
            }
            Udp | UdpSrcport | UdpDstport | UdpPort | UdpLength | UdpChecksum
            | UdpChecksumStatus | UdpPayload => {
                for l in pick(Proto::Udp) {
                    let o = l.offset as usize;
                    let (sp, dp) = (be16(b, o).map(u32::from), be16(b, o + 2).map(u32::from));
                    match field {
                        Udp => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                        UdpSrcport => u(sp, out),
                        UdpDstport => u(dp, out),
                        UdpPort => {
                            u(sp, out);
                            u(dp, out)
                        }
                        UdpLength => u(be16(b, o + 4).map(u32::from), out),
                        UdpChecksum => u(be16(b, o + 6).map(u32::from), out),
                        // packet-udp.c: no checksum (0) is "Not present" over IPv4 and
                        // "Illegal" over IPv6; any other is left "Unverified".
                        UdpChecksumStatus => {
                            let over_v6 = ls
                                .as_slice()
                                .iter()
                                .take_while(|x| x.offset < l.offset)
                                .filter(|x| matches!(x.proto, Proto::Ip | Proto::Ipv6))
                                .last()
                                .is_some_and(|x| x.proto == Proto::Ipv6);
                            let status = |sum: u16| match sum {
                                0 if over_v6 => 4,
                                0 => 3,
                                _ => UNVERIFIED,
                            };
                            u(be16(b, o + 6).map(status), out)
                        }
                        _ => {
                            let end =
                                (be16(b, o + 4).unwrap_or(0) as usize + o).min(l.end() as usize);
                            if end > o + 8 && b.len() > o + 8 {
                                out.push(Value::Bytes(packet_span(o + 8, end)));
                            }
                        }
                    }
                }
            }
            Icmp | IcmpType | IcmpCode | IcmpChecksum | IcmpIdent | IcmpSeq | Icmpv6
            | Icmpv6Type | Icmpv6Code | Icmpv6Checksum => {
                let kind = if matches!(
                    field,
                    Icmp | IcmpType | IcmpCode | IcmpChecksum | IcmpIdent | IcmpSeq
                ) {
                    Proto::Icmp
                } else {
                    Proto::Icmpv6
                };
                for l in pick(kind) {
                    let o = l.offset as usize;
                    let t = b.get(o).copied().unwrap_or(0);
                    let echo = matches!(t, 0 | 8 | 13 | 14 | 15 | 16 | 17 | 18);
                    match field {
                        Icmp | Icmpv6 => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                        IcmpType | Icmpv6Type => u(Some(t as u32), out),
                        IcmpCode | Icmpv6Code => u(b.get(o + 1).map(|&x| x as u32), out),
                        IcmpChecksum | Icmpv6Checksum => u(be16(b, o + 2).map(u32::from), out),
                        IcmpIdent if echo => u(be16(b, o + 4).map(u32::from), out),
                        IcmpSeq if echo => u(be16(b, o + 6).map(u32::from), out),
                        _ => {}
                    }
                }
            }
            f if is_tcp_header(f) => {
                let tcps: Vec<(usize, LayerSpan)> = pick(Proto::Tcp).enumerate().collect();
                for (i, l) in tcps {
                    // The conversation describes the outermost TCP header only.
                    let in_flow = i == 0 && layer <= 1 && self.row.flow != NO_FLOW;
                    self.tcp_field(f, l, in_flow, src, out);
                }
            }
            f => {
                if let Some(proto) = stack_proto(f) {
                    for l in pick(proto) {
                        out.push(Value::Proto(packet_span(l.offset as usize, b.len())));
                    }
                }
            }
        }
    }

    fn tcp_field(
        &mut self,
        field: Fid,
        l: LayerSpan,
        in_flow: bool,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        use Fid::*;
        let o = l.offset as usize;
        let b = &self.buf[..];
        let hlen = l.header_len as usize;
        let flags = match (b.get(o + 12), b.get(o + 13)) {
            (Some(&h), Some(&f)) => Some((((h & 0x0f) as u32) << 8) | f as u32),
            _ => None,
        };
        let bit = |m: u32| flags.map(|f| Value::Bool(f & m != 0));
        let len = (l.end() as usize).saturating_sub(o + hlen) as u32;
        let seg_len = if b.len() >= o + 20 { Some(len) } else { None };
        let u = |v: Option<u32>| v.map(|v| Value::Uint(v as u64));
        let v = match field {
            Tcp => {
                let end = (l.end() as usize).min(b.len());
                Some(Value::Proto(Span {
                    store: Store::Packet,
                    start: o as u32,
                    len: end.saturating_sub(o) as u32,
                }))
            }
            TcpSrcport => u(be16(b, o).map(u32::from)),
            TcpDstport => u(be16(b, o + 2).map(u32::from)),
            TcpPort => {
                out.extend(u(be16(b, o).map(u32::from)));
                u(be16(b, o + 2).map(u32::from))
            }
            TcpLen => u(seg_len),
            TcpSeqRaw => u(be32(b, o + 4)),
            TcpAckRaw => u(be32(b, o + 8)),
            TcpSeq | TcpAck => {
                let raw = be32(b, o + if field == TcpSeq { 4 } else { 8 });
                let acked = flags.is_some_and(|f| f & 0x10 != 0);
                match raw {
                    Some(raw) if in_flow && (field == TcpSeq || acked) => {
                        let d = usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0);
                        let t = self.tcp_flow(src);
                        let base = if field == TcpSeq {
                            t.base[d]
                        } else {
                            t.base[1 - d]
                        };
                        u(Some(raw.wrapping_sub(base.unwrap_or(0))))
                    }
                    Some(raw) => u(Some(raw)),
                    None => None,
                }
            }
            // The relative sequence number after this segment (SYN and FIN take one
            // each), shown for the segments of a conversation TCP follows.
            TcpNxtseq => {
                let (Some(raw), Some(len), Some(f), true) =
                    (be32(b, o + 4), seg_len, flags, in_flow)
                else {
                    return;
                };
                let d = usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0);
                let base = self.tcp_flow(src).base[d];
                let seq = raw.wrapping_sub(base.unwrap_or(0));
                u(Some(next_seq(seq, len, f)))
            }
            TcpHdrLen => u(b.get(o + 12).map(|&h| (h >> 4) as u32 * 4)),
            TcpFlags => u(flags),
            TcpFlagsRes => bit(0xe00),
            TcpFlagsAe => bit(0x100),
            TcpFlagsCwr => bit(0x80),
            TcpFlagsEce => bit(0x40),
            TcpFlagsUrg => bit(0x20),
            TcpFlagsAck => bit(0x10),
            TcpFlagsPush => bit(0x08),
            TcpFlagsReset => bit(0x04),
            TcpFlagsSyn => bit(0x02),
            TcpFlagsFin => bit(0x01),
            TcpFlagsStr => flags.map(|f| {
                Value::Str(arena_push(
                    &mut self.arena,
                    tcp_flags_str(f as u16).as_bytes(),
                ))
            }),
            TcpWindowSizeValue => u(be16(b, o + 14).map(u32::from)),
            TcpWindowSize | TcpWindowSizeScalefactor => {
                let Some(win) = be16(b, o + 14) else { return };
                let syn = flags.is_some_and(|f| f & 0x02 != 0);
                let scale = if in_flow {
                    let d = usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0);
                    self.tcp_flow(src).scale[d]
                } else {
                    -1
                };
                if field == TcpWindowSize {
                    // The window of a SYN is never scaled (RFC 7323 §2.2).
                    let shift = if scale >= 0 && !syn { scale } else { 0 };
                    u(Some((win as u32) << shift))
                } else if syn {
                    // Wireshark shows no scaling factor on SYNs.
                    None
                } else {
                    Some(Value::Int(if scale >= 0 {
                        1 << scale
                    } else {
                        scale as i64
                    }))
                }
            }
            TcpChecksum => u(be16(b, o + 16).map(u32::from)),
            TcpChecksumStatus => u(be16(b, o + 16).map(|_| UNVERIFIED)),
            TcpUrgentPointer => u(be16(b, o + 18).map(u32::from)),
            TcpOptionsMssVal => u(tcp_option(b, &l, 2).and_then(|v| be16(v, 0)).map(u32::from)),
            TcpOptionsWscaleShift => u(tcp_option(b, &l, 3)
                .and_then(|v| v.first())
                .map(|&s| s as u32)),
            TcpOptionsWscaleMultiplier => u(tcp_option(b, &l, 3)
                .and_then(|v| v.first())
                .map(|&s| 1u32 << (s.min(14)))),
            TcpOptions => {
                let end = (o + hlen).min(b.len());
                (hlen > 20 && end > o + 20).then(|| {
                    Value::Bytes(Span {
                        store: Store::Packet,
                        start: (o + 20) as u32,
                        len: (end - o - 20) as u32,
                    })
                })
            }
            TcpOptionKind | TcpOptionLen | TcpOptionsEol | TcpOptionsNop | TcpOptionsMss
            | TcpOptionsWscale | TcpOptionsSackPerm | TcpOptionsSack | TcpOptionsTimestamp
            | TcpOptionsSackCount => {
                let kind = match field {
                    TcpOptionsEol => Some(0),
                    TcpOptionsNop => Some(1),
                    TcpOptionsMss => Some(2),
                    TcpOptionsWscale => Some(3),
                    TcpOptionsSackPerm => Some(4),
                    TcpOptionsSack | TcpOptionsSackCount => Some(5),
                    TcpOptionsTimestamp => Some(8),
                    _ => None,
                };
                for (k, at, n) in tcp_options(b, &l) {
                    let value = match field {
                        TcpOptionKind => Value::Uint(k.into()),
                        TcpOptionLen if k > 1 => Value::Uint(n as u64),
                        TcpOptionsSackCount if k == 5 => {
                            Value::Uint((n.saturating_sub(2) / 8) as u64)
                        }
                        _ if kind == Some(k) && field != TcpOptionsSackCount => {
                            Value::Proto(Span {
                                store: Store::Packet,
                                start: at as u32,
                                len: n as u32,
                            })
                        }
                        _ => continue,
                    };
                    out.push(value);
                }
                None
            }
            TcpOptionsSackLe | TcpOptionsSackRe => {
                // Relative to the other way's base, as `tcp.ack` (packet-tcp.c's
                // `dissect_tcpopt_sack`).
                let second = usize::from(field == TcpOptionsSackRe) * 4;
                let edges: Vec<u32> = tcp_options(b, &l)
                    .filter(|&(k, _, _)| k == 5)
                    .flat_map(|(_, at, n)| (at + 2..at + n).step_by(8))
                    .filter(|&e| e + 8 <= b.len())
                    .filter_map(|e| be32(b, e + second))
                    .collect();
                let base = if in_flow && !edges.is_empty() {
                    let d = usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0);
                    self.tcp_flow(src).base[1 - d].unwrap_or(0)
                } else {
                    0
                };
                out.extend(
                    edges
                        .iter()
                        .map(|e| Value::Uint(e.wrapping_sub(base).into())),
                );
                None
            }
            TcpOptionsTsval => u(tcp_option(b, &l, 8).and_then(|v| be32(v, 0))),
            TcpOptionsTsecr => u(tcp_option(b, &l, 8).and_then(|v| be32(v, 4))),
            // A RST's data goes to no dissector: packet-tcp.c shows it as the reset's
            // cause (text up to a NUL), not as payload.
            TcpPayload | TcpResetCause => {
                let start = o + hlen;
                let end = (l.end() as usize).min(b.len());
                let rst = flags.is_some_and(|f| f & 0x004 != 0);
                let data = b.get(start..end).filter(|d| !d.is_empty() && len > 0);
                match (field, data) {
                    (TcpPayload, Some(_)) if !rst => Some(Value::Bytes(Span {
                        store: Store::Packet,
                        start: start as u32,
                        len: (end - start) as u32,
                    })),
                    (TcpResetCause, Some(d)) if rst => {
                        let text = d.split(|&c| c == 0).next().unwrap_or(&[]);
                        Some(Value::Str(Span {
                            store: Store::Packet,
                            start: start as u32,
                            len: text.len() as u32,
                        }))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        out.extend(v);
    }
}

/// The options of the TCP header of layer `l`, as packet-tcp.c walks them: (kind, offset,
/// length; 1 for EOL and NOP), to the header's end (each padding byte after an EOL is one
/// more EOL) or a length that cannot be (under 2, or past the header).
fn tcp_options<'b>(b: &'b [u8], l: &LayerSpan) -> impl Iterator<Item = (u8, usize, usize)> + 'b {
    let o = l.offset as usize;
    let end = (o + l.header_len as usize).min(b.len());
    let mut at = o + 20;
    std::iter::from_fn(move || {
        let k = *b.get(at).filter(|_| at < end)?;
        let n = if k <= 1 {
            1
        } else {
            let n = *b.get(at + 1).filter(|_| at + 1 < end)? as usize;
            if n < 2 || at + n > end {
                at = end;
                return None;
            }
            n
        };
        let option = (k, at, n);
        at += n;
        Some(option)
    })
}

/// The value bytes of the first TCP option of `kind` in the header of layer `l`.
fn tcp_option<'b>(b: &'b [u8], l: &LayerSpan, kind: u8) -> Option<&'b [u8]> {
    let o = l.offset as usize;
    let end = (o + l.header_len as usize).min(b.len());
    let mut at = o + 20;
    while at < end {
        match b[at] {
            0 => return None,
            1 => at += 1,
            k => {
                let len = *b.get(at + 1)? as usize;
                if len < 2 || at + len > end {
                    return None;
                }
                if k == kind {
                    return Some(&b[at + 2..at + len]);
                }
                at += len;
            }
        }
    }
    None
}

/// `tcp.nxtseq`: the sequence number after a segment of `len` bytes starting at `seq`,
/// SYN and FIN taking one each. A `guint32` in packet-tcp.c, so it wraps at 2^32 as the
/// sequence space does (RFC 9293 §3.4).
pub(crate) fn next_seq(seq: u32, len: u32, flags: u32) -> u32 {
    seq.wrapping_add(len)
        .wrapping_add(u32::from(flags & 0x02 != 0))
        .wrapping_add(u32::from(flags & 0x01 != 0))
}

/// The 12 bits of `tcp.flags` as `tcp.flags.str` shows them: a letter per flag set, from
/// the reserved bits to FIN, a middle dot per flag clear (`·······AP···`).
pub(crate) fn tcp_flags_str(flags: u16) -> String {
    b"RRRACEUAPRSF"
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if flags & (1 << (11 - i)) != 0 {
                c as char
            } else {
                '·'
            }
        })
        .collect()
}

fn is_tcp_header(f: Fid) -> bool {
    (Fid::Tcp..=Fid::TcpPayload).contains(&f) && f != Fid::TcpStream
}

/// Whether layer `l` of packet `b` shows in the tree and has fields: its header is
/// captured far enough for Wireshark's dissector to add them (a whole IPv4 header; the
/// ports of a TCP or UDP header, which an ICMP error's quote may cut after 8 bytes).
fn shown(l: &LayerSpan, b: &[u8]) -> bool {
    let has = |n: usize| b.len() >= l.offset as usize + n;
    match l.proto {
        Proto::Eth => has(14),
        Proto::Vlan | Proto::Ieee8021ad | Proto::Null => has(4),
        Proto::Sll => has(l.header_len as usize),
        Proto::Arp => has(8),
        // An IPv4 dissector that hands an IPv6 packet on has no header of its own.
        Proto::Ip => l.header_len >= 20 && has(l.header_len as usize),
        Proto::Ipv6 => has(40),
        // A bogus data offset: Wireshark gives up on the header.
        Proto::Tcp => {
            let offset = b.get(l.offset as usize + 12).map_or(5, |x| x >> 4);
            has(4) && !(has(20) && offset < 5)
        }
        Proto::Udp => has(4),
        Proto::Icmp | Proto::Icmpv6 => has(2),
        _ => true,
    }
}

/// The protocol of the wire layer's stack that protocol field `f` names (`sctp`, `gre`,
/// `vxlan` …): the field is there wherever the layer is, as [`protocols`] lists it.
fn stack_proto(f: Fid) -> Option<Proto> {
    static TABLE: OnceLock<HashMap<Fid, Proto>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            Proto::ALL
                .iter()
                .filter_map(|&p| Some((super::lookup(p.name())?, p)))
                .collect()
        })
        .get(&f)
        .copied()
}

/// `*.checksum.status` of a checksum Wireshark does not check (its default): 2,
/// "Unverified".
const UNVERIFIED: u32 = 2;

/// Whether `field` is one of the link and IP header fields a conversation's head answers
/// ([`crate::capture::heads`]): what stays the same from packet to packet of a way, so
/// not the lengths, identification, checksum, or the protocols' bytes; the addresses come
/// from the conversation.
pub(super) fn in_head(field: Fid) -> bool {
    use Fid::*;
    matches!(
        field,
        EthDst
            | EthSrc
            | EthAddr
            | EthType
            | EthDstLg
            | EthDstIg
            | EthSrcLg
            | EthSrcIg
            | EthLg
            | EthIg
            | VlanPriority
            | VlanId
            | VlanEtype
            | IpHdrLen
            | IpDsfield
            | IpDsfieldDscp
            | IpDsfieldEcn
            | IpFlags
            | IpFlagsRb
            | IpFlagsDf
            | IpFlagsMf
            | IpFragOffset
            | IpTtl
            | Ipv6Tclass
            | Ipv6TclassDscp
            | Ipv6TclassEcn
            | Ipv6Flow
            | Ipv6Hlim
    )
}

/// The layers of protocol `proto` of packet `b` that show fields (all, or the `layer`th).
fn shown_layers<'a>(
    ls: &'a Layers,
    b: &'a [u8],
    proto: Proto,
    layer: u8,
) -> impl Iterator<Item = LayerSpan> + 'a {
    ls.of(proto)
        .filter(move |l| shown(l, b))
        .enumerate()
        .filter(move |(i, _)| layer == 0 || *i + 1 == layer as usize)
        .map(|(_, l)| *l)
}

/// The span of bytes `start..end` of packet `b`, cut to what was captured.
fn span_in(b: &[u8], start: usize, end: usize) -> Span {
    let end = end.min(b.len()).max(start.min(b.len()));
    let start = start.min(end);
    Span {
        store: Store::Packet,
        start: start as u32,
        len: (end - start) as u32,
    }
}

/// Appends `v` as an unsigned value, if there is one.
fn u(v: Option<u32>, out: &mut Vec<Value>) {
    if let Some(v) = v {
        out.push(Value::Uint(v as u64))
    }
}

/// The values of `field` if it is a field of Ethernet, VLAN, IPv4 or IPv6 (false for any
/// other), from bytes `b` with layers `ls`: a packet's, or a conversation's head
/// ([`FieldCtx::head_values`]).
pub(super) fn link_and_ip(
    b: &[u8],
    ls: &Layers,
    field: Fid,
    layer: u8,
    out: &mut Vec<Value>,
) -> bool {
    use Fid::*;
    let pick = |proto: Proto| shown_layers(ls, b, proto, layer);
    let packet_span = |start: usize, end: usize| span_in(b, start, end);
    match field {
        Eth | EthDst | EthSrc | EthAddr | EthType | EthDstLg | EthDstIg | EthSrcLg | EthSrcIg
        | EthLg | EthIg => {
            for l in pick(Proto::Eth) {
                let o = l.offset as usize;
                let mac = |at: usize| arr::<6>(b, at).map(Value::Ether);
                match field {
                    Eth => out.push(Value::Proto(packet_span(o, b.len()))),
                    EthDst => out.extend(mac(o)),
                    EthSrc => out.extend(mac(o + 6)),
                    EthAddr => out.extend(mac(o).into_iter().chain(mac(o + 6))),
                    // The first byte's two low bits: locally administered (LG) and group
                    // (IG), of the destination, the source, or both in turn.
                    EthDstLg | EthDstIg | EthSrcLg | EthSrcIg | EthLg | EthIg => {
                        let mask = if matches!(field, EthDstLg | EthSrcLg | EthLg) {
                            0x02
                        } else {
                            0x01
                        };
                        let at: &[usize] = match field {
                            EthDstLg | EthDstIg => &[o],
                            EthSrcLg | EthSrcIg => &[o + 6],
                            _ => &[o, o + 6],
                        };
                        for &a in at {
                            out.extend(b.get(a).map(|x| Value::Bool(x & mask != 0)));
                        }
                    }
                    _ => u(be16(b, o + 12).filter(|t| *t >= 0x600).map(u32::from), out),
                }
            }
        }
        Vlan | VlanPriority | VlanId | VlanEtype => {
            for l in pick(Proto::Vlan) {
                let o = l.offset as usize;
                let tci = be16(b, o).unwrap_or(0) as u32;
                match field {
                    Vlan => out.push(Value::Proto(packet_span(o, b.len()))),
                    VlanPriority => u(Some(tci >> 13), out),
                    VlanId => u(Some(tci & 0xfff), out),
                    _ => u(be16(b, o + 2).map(u32::from), out),
                }
            }
        }
        Ip | IpVersion | IpHdrLen | IpDsfield | IpDsfieldDscp | IpDsfieldEcn | IpLen | IpId
        | IpFlags | IpFlagsRb | IpFlagsDf | IpFlagsMf | IpFragOffset | IpTtl | IpProto
        | IpChecksum | IpChecksumStatus | IpSrc | IpDst | IpAddr => {
            for l in pick(Proto::Ip) {
                let o = l.offset as usize;
                let frag = be16(b, o + 6).unwrap_or(0) as u32;
                let addr = |at: usize| arr::<4>(b, at).map(Value::Ipv4);
                match field {
                    Ip => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                    IpVersion => u(Some(4), out),
                    IpHdrLen => u(b.get(o).map(|&x| (x & 0x0f) as u32 * 4), out),
                    IpDsfield => u(b.get(o + 1).map(|&x| x as u32), out),
                    IpDsfieldDscp => u(b.get(o + 1).map(|&x| x as u32 >> 2), out),
                    IpDsfieldEcn => u(b.get(o + 1).map(|&x| x as u32 & 3), out),
                    IpLen => u(be16(b, o + 2).map(u32::from), out),
                    IpId => u(be16(b, o + 4).map(u32::from), out),
                    IpFlags => u(Some(frag >> 13), out),
                    IpFlagsRb => out.push(Value::Bool(frag & 0x8000 != 0)),
                    IpFlagsDf => out.push(Value::Bool(frag & 0x4000 != 0)),
                    IpFlagsMf => out.push(Value::Bool(frag & 0x2000 != 0)),
                    // The offset in 8-byte units, as packet-ip.c stores it (it shows it in bytes).
                    IpFragOffset => u(Some(frag & 0x1fff), out),
                    IpTtl => u(b.get(o + 8).map(|&x| x as u32), out),
                    IpProto => u(b.get(o + 9).map(|&x| x as u32), out),
                    IpChecksum => u(be16(b, o + 10).map(u32::from), out),
                    // Wireshark checks no checksum unless told to: "Unverified".
                    IpChecksumStatus => u(be16(b, o + 10).map(|_| UNVERIFIED), out),
                    IpSrc => out.extend(addr(o + 12)),
                    IpDst => out.extend(addr(o + 16)),
                    _ => out.extend(addr(o + 12).into_iter().chain(addr(o + 16))),
                }
            }
        }
        Ipv6 | Ipv6Version | Ipv6Tclass | Ipv6TclassDscp | Ipv6TclassEcn | Ipv6Flow | Ipv6Plen
        | Ipv6Nxt | Ipv6Hlim | Ipv6Src | Ipv6Dst | Ipv6Addr => {
            for l in pick(Proto::Ipv6) {
                let o = l.offset as usize;
                let w = be32(b, o).unwrap_or(0);
                let addr = |at: usize| arr::<16>(b, at).map(Value::Ipv6);
                match field {
                    Ipv6 => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                    Ipv6Version => u(Some(6), out),
                    Ipv6Tclass => u(Some((w >> 20) & 0xff), out),
                    Ipv6TclassDscp => u(Some((w >> 22) & 0x3f), out),
                    Ipv6TclassEcn => u(Some((w >> 20) & 3), out),
                    Ipv6Flow => u(Some(w & 0xf_ffff), out),
                    Ipv6Plen => u(be16(b, o + 4).map(u32::from), out),
                    Ipv6Nxt => u(b.get(o + 6).map(|&x| x as u32), out),
                    Ipv6Hlim => u(b.get(o + 7).map(|&x| x as u32), out),
                    Ipv6Src => out.extend(addr(o + 8)),
                    Ipv6Dst => out.extend(addr(o + 24)),
                    _ => out.extend(addr(o + 8).into_iter().chain(addr(o + 24))),
                }
            }
        }
        _ => return false,
    }
    true
}

/// Whether `f` is a field of a protocol that takes the place of IP, TCP or UDP (ARP,
/// ICMP, SCTP, GRE, STP…), so that a packet of a TCP or UDP conversation has it only
/// inside a tunnel: without one, the conversation's own IP and TCP or UDP layers leave it
/// no place, and the index answers "absent" without the packet's bytes. Protocols that
/// can ride on UDP or below IP (L2TP, PPP, ESP in UDP, VLAN, MPLS…) are not among them.
pub(super) fn beside_transport(f: Fid) -> bool {
    static PROTOS: OnceLock<HashMap<&'static str, Proto>> = OnceLock::new();
    let protos = PROTOS.get_or_init(|| Proto::ALL.iter().map(|&p| (p.name(), p)).collect());
    let name = f.name();
    let owner = name.split_once('.').map_or(name, |(p, _)| p);
    use Proto::*;
    matches!(
        protos.get(owner),
        Some(
            Arp | Aarp
                | Icmp
                | Icmpv6
                | Igmp
                | Igrp
                | Eigrp
                | Ospf
                | Pim
                | Vrrp
                | Rsvp
                | Dccp
                | Sctp
                | Udplite
                | Gre
                | Etherip
                | Ipcomp
                | Ipx
                | Idp
                | Osi
                | DecDna
                | Stp
                | Cdp
                | Dtp
                | Lldp
                | Eapol
                | Slow
                | Loop
                | Cfm
                | Pppoed
                | Fip
                | Goose
                | PnRt
                | PnMrp
                | Ecatf
                | Ieee1722
                | Ieee1905
                | Macc
                | Slarp
                | Fcoe
                | Netbios
        )
    )
}

/// `frame.protocols` as far as we dissect: the stack, the layers an ICMP error quotes,
/// and the data of the echo last among them (`b`: the frame, `ts_secs`: its time).
fn protocols(ls: &Layers, b: &[u8], ts_secs: i64) -> String {
    let mut s = String::new();
    for (i, l) in ls.as_slice().iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(l.proto.name());
    }
    let icmp = ls
        .as_slice()
        .iter()
        .rev()
        .find(|l| matches!(l.proto, Proto::Icmp | Proto::Icmpv6));
    if icmp.is_some_and(|l| !l.reassembled && echo_data(b, l, ts_secs).is_some()) {
        s.push_str(":data");
    }
    s
}

/// Where an echo request's or reply's data starts in `b`, when it has any: after the
/// 8-byte header, and for ICMP after the first 8 bytes of it when they read as a
/// timestamp ([`echo_time`], the `icmp.data_time` of packet-icmp.c; packet-icmpv6.c looks
/// for none).
pub(crate) fn echo_data(b: &[u8], l: &LayerSpan, ts_secs: i64) -> Option<usize> {
    let o = l.offset as usize;
    let t = *b.get(o)?;
    let end = (l.end() as usize).min(b.len());
    let v6 = l.proto == Proto::Icmpv6;
    if !matches!((v6, t), (false, 0 | 8) | (true, 128 | 129)) || end <= o + 8 {
        return None;
    }
    if v6 || end - (o + 8) < 8 {
        return Some(o + 8);
    }
    let at = match echo_time(&b[o + 8..o + 16], ts_secs * 1_000_000_000) {
        Some(_) => o + 16,
        None => o + 8,
    };
    (end > at).then_some(at)
}

/// The time a ping put at the start of its echo data `d` (a `struct timeval`: seconds
/// and microseconds, 32 bits each, big- or else little-endian), in nanoseconds, when it
/// looks like one: packet-icmp.c takes it within a day of the packet's time `ts_ns`
/// (its 32-bit arithmetic kept) with fewer than a million microseconds.
pub(crate) fn echo_time(d: &[u8], ts_ns: i64) -> Option<i64> {
    let now = ts_ns.div_euclid(1_000_000_000);
    let looks = |secs: u32, usecs: i32| {
        let apart = (i64::from(secs) - now) as u32 as i32;
        (apart.wrapping_abs() < 86_400 && usecs < 1_000_000).then_some((secs, usecs))
    };
    let word = |i: usize, be: bool| {
        let w = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if be {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    let (secs, usecs) = looks(word(0, true), word(4, true) as i32)
        .or_else(|| looks(word(0, false), word(4, false) as i32))?;
    Some(i64::from(secs) * 1_000_000_000 + i64::from(usecs.wrapping_mul(1000)))
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::MemorySource;

    /// packet-tcp.c keeps `tcp.nxtseq` in a `guint32`: past 2^32 it wraps as the sequence
    /// space does (deepflow/tunnels/decapsulate_erspan1.pcap frame 157: relative
    /// 4294965949 with 1348 bytes, tshark shows 1).
    #[test]
    fn the_next_sequence_number_wraps_at_32_bits() {
        assert_eq!(next_seq(4_294_965_949, 1348, 0x010), 1);
        assert_eq!(next_seq(u32::MAX, 0, 0x002), 0);
        assert_eq!(next_seq(u32::MAX, 0, 0x011), 0);
        assert_eq!(next_seq(100, 10, 0x003), 112);
    }

    /// One side of a conversation (tests/data, PcapPlusPlus): its SYN carries no ACK,
    /// so the first ACK after it sets the other way's base, and the acknowledgements
    /// count from 1 as packet-tcp.c counts them.
    #[test]
    fn acknowledgements_relative_with_one_side_captured() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/unidirectional_tcp_stream_with_missing_packet.pcap");
        let bytes = std::fs::read(&path).expect("tests/data capture");
        let c = crate::ingest::ingest_bytes("one-side.pcap", &bytes);
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let mut ctx = FieldCtx::new(&c);
        let mut acks = Vec::new();
        let mut v = Vec::new();
        for i in 0..c.packets.len() {
            ctx.begin(i);
            v.clear();
            ctx.extract(Fid::TcpAck, 0, &mut src, &mut v);
            acks.push(match v.first() {
                Some(Value::Uint(n)) => *n,
                other => panic!("packet {}: {other:?}", i + 1),
            });
        }
        // tshark -T fields -e tcp.ack.
        assert_eq!(
            acks,
            [0, 1, 1, 1, 2721, 5529, 5529, 5529, 5529, 5529, 5529, 8249, 10969, 12445]
        );
    }
}
