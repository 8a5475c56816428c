//! The Info column of a TCP segment, worded as packet-tcp.c (Wireshark 4.0) words it:
//! the analysis in brackets first, then ports, flags, relative sequence and
//! acknowledgement numbers, the scaled window, the length and the options.

use crate::capture::tcp::Kind;
use crate::capture::Capture;
use crate::ingest::wire::Tcp;
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
    let seq = uint(ctx, Fid::TcpSeq).unwrap_or(t.seq as u64);
    let acked = t.flags & 0x10 != 0;
    let ack = if acked { uint(ctx, Fid::TcpAck) } else { None };
    let win = uint(ctx, Fid::TcpWindowSize).unwrap_or(t.window as u64);
    let _ = write!(
        info,
        "{} → {} [{}] Seq={seq}",
        t.src_port,
        t.dst_port,
        flags(header, t.flags)
    );
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
    let at = capture
        .tcp_flags
        .partition_point(|(p, _)| *p < index as u64);
    let Some((_, flags)) = capture
        .tcp_flags
        .get(at)
        .filter(|(p, _)| *p == index as u64)
    else {
        return String::new();
    };
    let fast_or_spurious =
        flags.contains(Kind::FastRetransmission) || flags.contains(Kind::SpuriousRetransmission);
    let mut items: Vec<String> = Vec::new();
    for k in flags.kinds() {
        let text = match k {
            Kind::ReusedPorts => "TCP Port numbers reused".to_owned(),
            // Our retransmission item is also on fast and spurious ones; Wireshark's
            // Info names only the kind.
            Kind::Retransmission if fast_or_spurious => continue,
            Kind::Retransmission => "TCP Retransmission".to_owned(),
            Kind::FastRetransmission => "TCP Fast Retransmission".to_owned(),
            Kind::SpuriousRetransmission => "TCP Spurious Retransmission".to_owned(),
            Kind::OutOfOrder => "TCP Out-Of-Order".to_owned(),
            Kind::LostSegment => "TCP Previous segment not captured".to_owned(),
            Kind::AckLostSegment => "TCP ACKed unseen segment".to_owned(),
            Kind::WindowUpdate => "TCP Window Update".to_owned(),
            Kind::WindowFull => "TCP Window Full".to_owned(),
            Kind::KeepAlive => "TCP Keep-Alive".to_owned(),
            Kind::KeepAliveAck => "TCP Keep-Alive ACK".to_owned(),
            Kind::DuplicateAck => format!(
                "TCP Dup ACK {}#{}",
                flags.dup_ack_frame(),
                flags.dup_ack_num()
            ),
            Kind::ZeroWindowProbe => "TCP ZeroWindowProbe".to_owned(),
            Kind::ZeroWindow => "TCP ZeroWindow".to_owned(),
            Kind::ZeroWindowProbeAck => "TCP ZeroWindowProbeAck".to_owned(),
        };
        items.push(text);
    }
    let mut out = String::new();
    for text in items.iter().rev() {
        let _ = write!(out, "[{text}] ");
    }
    out
}

/// The flag names as `tcp_flags_to_str` joins them (the AE bit is the low bit of the
/// data offset byte; the three bits above it are reserved).
fn flags(header: &[u8], low: u8) -> String {
    const NAMES: [&str; 9] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"];
    let high = header.get(12).copied().unwrap_or(0);
    let bits = u16::from(low) | u16::from(high & 1) << 8;
    let mut out: Vec<&str> = NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & 1 << i != 0)
        .map(|(_, n)| *n)
        .collect();
    if high & 0x0e != 0 {
        out.push("Reserved");
    }
    if out.is_empty() {
        return "<None>".into();
    }
    out.join(", ")
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
            _ => {}
        }
        i += len;
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn flag_names_as_wireshark_joins_them() {
        let mut h = [0u8; 20];
        assert_eq!(flags(&h, 0x12), "SYN, ACK");
        assert_eq!(flags(&h, 0x11), "FIN, ACK");
        assert_eq!(flags(&h, 0), "<None>");
        h[12] = 0x51;
        assert_eq!(flags(&h, 0xc2), "SYN, ECE, CWR, AE");
        h[12] = 0x52;
        assert_eq!(flags(&h, 0x30), "ACK, URG, Reserved");
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
        ] {
            let mut h = vec![0u8; 20];
            h[12] = (((20 + opt.len()) / 4) << 4) as u8;
            h.extend(opt);
            let mut s = String::new();
            options(&mut s, &h, 0);
            assert_eq!(s, want);
        }
    }
}
