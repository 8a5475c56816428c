//! The Info column of a TCP segment, worded as packet-tcp.c (Wireshark 4.0) words it:
//! the analysis in brackets first, then ports, flags, relative sequence and
//! acknowledgement numbers, the scaled window, the length and the options.

use crate::capture::tcp::Kind;
use crate::capture::Capture;
use crate::ingest::wire::{tcp_flags, Tcp};
use crate::query::fields::{Fid, FieldCtx, PacketSource, Value};
use std::fmt::Write as _;

/// The Info text of the current packet of `ctx` (packet `index`), a TCP segment `t` whose
/// header's captured bytes are `header`.
pub(super) fn info(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    capture: &Capture,
    index: usize,
    t: &Tcp,
    header: &[u8],
) -> String {
    let mut info = analysis(capture, index);
    let mut v = Vec::new();
    let mut uint = |ctx: &mut FieldCtx<'_>, f: Fid| {
        v.clear();
        ctx.extract(f, 1, src, &mut v);
        v.iter().find_map(|v| match v {
            Value::Uint(n) => Some(*n),
            _ => None,
        })
    };
    let flow = ctx.row().flow;
    let ace = (t.flags & tcp_flags::SYN == 0 && capture.tcp_ace(flow, index)).then(|| t.ace());
    let seq = uint(ctx, Fid::TcpSeq).unwrap_or(t.seq as u64);
    let acked = t.flags & 0x10 != 0;
    let ack = if acked { uint(ctx, Fid::TcpAck) } else { None };
    let win = uint(ctx, Fid::TcpWindowSize).unwrap_or(t.window as u64);
    let _ = write!(info, "{} → {} [", t.src_port, t.dst_port);
    flags(&mut info, header, t.flags, ace);
    let _ = write!(info, "] Seq={seq}");
    if let Some(ack) = ack {
        let _ = write!(info, " Ack={ack}");
    }
    let _ = write!(info, " Win={win}");
    if t.flags & 0x20 != 0 {
        let urg = header
            .get(18..20)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
        let _ = write!(info, " Urg={urg}");
    }
    let _ = write!(info, " Len={}", t.payload_len);
    // SACK edges count from the base the acknowledgement number counts from.
    let ack_base = ack.map_or(0, |rel| t.ack.wrapping_sub(rel as u32));
    options(&mut info, header, ack_base);
    info
}

/// `[TCP …] ` for each analysis item of packet `index`: packet-tcp.c prepends them in
/// its print order, so they read in the reverse of it.
pub(super) fn analysis(capture: &Capture, index: usize) -> String {
    let mut out = String::new();
    let Some(flags) = capture.tcp_flags_of(index) else {
        return out;
    };
    let fast_or_spurious =
        flags.contains(Kind::FastRetransmission) || flags.contains(Kind::SpuriousRetransmission);
    for k in flags.kinds().rev() {
        let text = match k {
            Kind::ReusedPorts => "TCP Port numbers reused",
            // Our retransmission item is also on fast and spurious ones; Wireshark's
            // Info names only the kind.
            Kind::Retransmission if fast_or_spurious => continue,
            Kind::Retransmission => "TCP Retransmission",
            Kind::FastRetransmission => "TCP Fast Retransmission",
            Kind::SpuriousRetransmission => "TCP Spurious Retransmission",
            Kind::OutOfOrder => "TCP Out-Of-Order",
            Kind::LostSegment => "TCP Previous segment not captured",
            Kind::AckLostSegment => "TCP ACKed unseen segment",
            Kind::WindowUpdate => "TCP Window Update",
            Kind::WindowFull => "TCP Window Full",
            Kind::KeepAlive => "TCP Keep-Alive",
            Kind::KeepAliveAck => "TCP Keep-Alive ACK",
            Kind::DuplicateAck => {
                let (frame, num) = (flags.dup_ack_frame(), flags.dup_ack_num());
                let _ = write!(out, "[TCP Dup ACK {frame}#{num}] ");
                continue;
            }
            Kind::ZeroWindowProbe => "TCP ZeroWindowProbe",
            Kind::ZeroWindow => "TCP ZeroWindow",
            Kind::ZeroWindowProbeAck => "TCP ZeroWindowProbeAck",
        };
        out.push('[');
        out.push_str(text);
        out.push_str("] ");
    }
    out
}

/// Appends the flag names as `tcp_flags_to_str` joins them (the AE bit is the low bit of
/// the data offset byte; the three bits above it are reserved). `ace`: the segment's AE,
/// CWR and ECE bits are AccECN's ACE counter, named with its value in their place.
/// Written into `out` with no list of names: every TCP row has one.
fn flags(out: &mut String, header: &[u8], low: u8, ace: Option<u8>) {
    const NAMES: [&str; 9] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"];
    let high = header.get(12).copied().unwrap_or(0);
    let mut bits = u16::from(low) | u16::from(high & 1) << 8;
    if ace.is_some() {
        bits &= 0x3f;
    }
    let start = out.len();
    let sep = |out: &mut String| {
        if out.len() > start {
            out.push_str(", ");
        }
    };
    for (i, name) in NAMES.iter().enumerate() {
        if bits & 1 << i != 0 {
            sep(out);
            out.push_str(name);
        }
    }
    if let Some(ace) = ace {
        sep(out);
        let _ = write!(out, "ACE={ace}");
    }
    if high & 0x0e != 0 {
        sep(out);
        out.push_str("Reserved");
    }
    if out.len() == start {
        out.push_str("<None>");
    }
}

/// What the option dissectors of packet-tcp.c append, in the options' order (RFC 9293
/// §3.2; RFC 7323; RFC 2018; RFC 7413 for TCP Fast Open).
fn options(info: &mut String, header: &[u8], ack_base: u32) {
    let hlen = header.get(12).map_or(20, |b| (b >> 4) as usize * 4);
    let Some(opts) = header.get(20..hlen.min(header.len())) else {
        return;
    };
    let be16 = |b: &[u8]| u16::from_be_bytes([b[0], b[1]]);
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        match kind {
            0 => break,
            1 => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let Some(&len) = opts.get(i + 1) else { break };
        let len = len as usize;
        if len < 2 || i + len > opts.len() {
            break;
        }
        let v = &opts[i + 2..i + len];
        match (kind, len) {
            (2, 4) => {
                let _ = write!(info, " MSS={}", be16(v));
            }
            (3, 3) => {
                let _ = write!(info, " WS={}", 1u32 << v[0].min(14));
            }
            (4, 2) => info.push_str(" SACK_PERM"),
            (5, _) if (len - 2).is_multiple_of(8) => {
                for b in v.chunks_exact(8) {
                    let _ = write!(
                        info,
                        " SLE={} SRE={}",
                        be32(&b[..4]).wrapping_sub(ack_base),
                        be32(&b[4..]).wrapping_sub(ack_base)
                    );
                }
            }
            (8, 10) => {
                let _ = write!(info, " TSval={} TSecr={}", be32(v), be32(&v[4..]));
            }
            (34, 2) => info.push_str(" TFO=R"),
            (34, _) => info.push_str(" TFO=C"),
            // TCP Fast Open before it had kind 34: the shared experimental kind with the
            // magic 0xF989 (RFC 7413 §4.1.1, RFC 6994).
            (254, 4) if v[..2] == [0xf9, 0x89] => info.push_str(" TFO=R"),
            (254, _) if len > 4 && v[..2] == [0xf9, 0x89] => info.push_str(" TFO=C"),
            (ACCECN_0 | ACCECN_1, _) => accecn(info, kind == ACCECN_1, v),
            // AccECN in the experimental kind, ExIDs 0xACC0 and 0xACC1 (RFC 6994).
            (254, _) if len >= 4 && v[..2] == [0xac, 0xc0] => accecn(info, false, &v[2..]),
            (254, _) if len >= 4 && v[..2] == [0xac, 0xc1] => accecn(info, true, &v[2..]),
            _ => {}
        }
        i += len;
    }
}

/// The AccECN option's kinds (RFC 9768 §3.2.3): its byte counters in the order EE0B,
/// ECEB, EE1B, or (order 1) EE1B, ECEB, EE0B.
const ACCECN_0: u8 = 172;
const ACCECN_1: u8 = 174;

/// An AccECN option's counters, 24 bits each, as many as its length holds; one that
/// holds none is named.
fn accecn(info: &mut String, order_1: bool, v: &[u8]) {
    let names = if order_1 {
        ["EE1B", "ECEB", "EE0B"]
    } else {
        ["EE0B", "ECEB", "EE1B"]
    };
    if v.len() < 3 {
        info.push_str(" AccECN");
    }
    for (name, b) in names.iter().zip(v.chunks_exact(3)) {
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        let _ = write!(info, " {name}={n}");
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// The flag names alone.
    fn flags(header: &[u8], low: u8, ace: Option<u8>) -> String {
        let mut out = String::new();
        super::flags(&mut out, header, low, ace);
        out
    }

    #[test]
    fn flag_names_as_wireshark_joins_them() {
        let mut h = [0u8; 20];
        assert_eq!(flags(&h, 0x12, None), "SYN, ACK");
        assert_eq!(flags(&h, 0x11, None), "FIN, ACK");
        assert_eq!(flags(&h, 0, None), "<None>");
        h[12] = 0x51;
        assert_eq!(flags(&h, 0xc2, None), "SYN, ECE, CWR, AE");
        h[12] = 0x52;
        assert_eq!(flags(&h, 0x30, None), "ACK, URG, Reserved");
        // AccECN's counter in place of AE, CWR and ECE (tcpdump's accecn_handshake.pcap,
        // frame 5: AE and ECE set).
        h[12] = 0x51;
        assert_eq!(flags(&h, 0x50, Some(5)), "ACK, ACE=5");
        h[12] = 0x50;
        assert_eq!(flags(&h, 0x04, Some(0)), "RST, ACE=0");
    }

    #[test]
    fn options_in_their_order() {
        // MSS 65495, SACK permitted, timestamps, NOP, window scale 10.
        let mut h = vec![0u8; 20];
        h[12] = 0xa0;
        h.extend([
            2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0, 1, 3, 3, 10,
        ]);
        let mut s = String::new();
        options(&mut s, &h, 0);
        assert_eq!(s, " MSS=65495 SACK_PERM TSval=5 TSecr=0 WS=1024");
        // TCP Fast Open's request and cookie in the experimental kind (zeek's
        // tcp-fast-open.pcap, frames 1 and 2).
        for (opt, want) in [
            (&[254u8, 4, 0xf9, 0x89][..], " TFO=R"),
            (
                &[
                    254, 12, 0xf9, 0x89, 0x26, 0x1f, 0xb0, 0x60, 0xce, 0xca, 0xb6, 0x90,
                ][..],
                " TFO=C",
            ),
            (&[254, 4, 0x12, 0x34][..], ""),
            // AccECN: tcpdump's accecn_handshake.pcap, frames 2 and 3 (order 0 in the
            // experimental kind), and the kinds of RFC 9768 with all, some or none of
            // their counters, as tshark 4.0 shows them.
            (
                &[254, 13, 0xac, 0xc0, 0, 0, 1, 0, 0, 0, 0, 0, 0][..],
                " EE0B=1 ECEB=0 EE1B=0",
            ),
            (
                &[
                    254, 13, 0xac, 0xc0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                ][..],
                " EE0B=0 ECEB=16777215 EE1B=16777215",
            ),
            (
                &[254, 13, 0xac, 0xc1, 0, 0, 1, 0, 0, 2, 0, 0, 3][..],
                " EE1B=1 ECEB=2 EE0B=3",
            ),
            (
                &[174, 11, 0, 0, 1, 0, 0, 2, 0, 0, 3][..],
                " EE1B=1 ECEB=2 EE0B=3",
            ),
            (&[174, 8, 0, 0, 1, 0, 0, 2][..], " EE1B=1 ECEB=2"),
            (&[172, 5, 0, 0, 1][..], " EE0B=1"),
            (&[172, 2][..], " AccECN"),
        ] {
            let mut h = vec![0u8; 20];
            h.extend(opt);
            // NOPs to the header's 32-bit end.
            h.resize(h.len().next_multiple_of(4), 1);
            h[12] = ((h.len() / 4) << 4) as u8;
            let mut s = String::new();
            options(&mut s, &h, 0);
            assert_eq!(s, want);
        }
    }
}
