//! QUIC's header fields (`quic.long.packet_type`, `quic.version`, `quic.dcid` …) of
//! every packet of a datagram, as packet-quic.c shows them without secrets: the
//! headers are read from the UDP payload with the ingest's reader, the packet number of
//! an Initial (whose protection the ingest removed) and a short header's Destination
//! Connection ID length from the capture's PDUs.

use super::{Fid, Value, ValueSink};
use crate::capture::app::pdu::{quic_frames, PduKind, QUIC_OPENED};
use crate::capture::app::AppProto;
use crate::capture::Capture;
use crate::ingest::app::quic::long_header;
use crate::ingest::wire::{Layers, Proto};

/// Whether these are QUIC's fields.
pub fn covers(field: Fid) -> bool {
    (Fid::Quic..=Fid::QuicPacketNumber).contains(&field)
}

/// Whether packet `index` holds an opened QUIC Initial packet with CRYPTO frames: the
/// TLS handshake Wireshark dissects inside (a hello cut over several packets is counted
/// in each; Wireshark names it in the one that completes it).
pub fn has_crypto(capture: &Capture, index: usize) -> bool {
    capture.pdus_of(index as u64).iter().any(|p| {
        p.kind == PduKind::Quic
            && p.flags & QUIC_OPENED != 0
            && quic_frames(p.len).any(|f| f == "CRYPTO")
    })
}

/// The values of `field` in packet `index` (its bytes `b`, dissected into `layers`).
pub fn values(
    capture: &Capture,
    index: usize,
    b: &[u8],
    layers: &Layers,
    field: Fid,
    out: &mut ValueSink<'_>,
) {
    let Some(row) = capture.packets.get(index) else {
        return;
    };
    let quic = capture.app_protos.get(row.flow as usize).copied().flatten() == Some(AppProto::Quic);
    if !quic {
        return;
    }
    // The datagram: the payload of the innermost UDP layer.
    let Some(udp) = layers
        .as_slice()
        .iter()
        .rev()
        .find(|l| l.proto == Proto::Udp)
    else {
        return;
    };
    let from = (udp.offset + udp.header_len) as usize;
    let len = u16::from_be_bytes([
        b.get(udp.offset as usize + 4).copied().unwrap_or(0),
        b.get(udp.offset as usize + 5).copied().unwrap_or(0),
    ]) as usize;
    let to = (udp.offset as usize + len).min(b.len());
    let Some(mut d) = b.get(from..to) else {
        return;
    };
    let pdus: Vec<_> = capture
        .pdus_of(index as u64)
        .iter()
        .filter(|p| p.kind == PduKind::Quic)
        .collect();
    let mut nth = 0;
    let uint = |out: &mut ValueSink<'_>, v: u64| out.push(Value::Uint(v));
    while let Some(&first) = d.first() {
        if first & 0xc0 == 0 {
            // The zeros padding the datagram: a quic item with no fields.
            if field == Fid::Quic {
                out.push(Value::Present);
            }
            return;
        }
        let pdu = pdus.get(nth).copied();
        nth += 1;
        if field == Fid::Quic {
            out.push(Value::Present);
        }
        if first & 0x80 == 0 {
            let dcil = pdu.filter(|p| p.code == 4).map_or(0, |p| p.stream as usize);
            match field {
                Fid::QuicHeaderForm => uint(out, 0),
                Fid::QuicPacketLength => uint(out, d.len() as u64),
                Fid::QuicDcid if dcil > 0 => {
                    if let Some(c) = d.get(1..1 + dcil) {
                        out.push_bytes(c);
                    }
                }
                _ => {}
            }
            return;
        }
        let Some(h) = long_header(d) else {
            // A version not read: its header form only.
            if field == Fid::QuicHeaderForm {
                uint(out, 1);
            }
            return;
        };
        let end = h.end().filter(|&e| e > 0 && e <= d.len());
        match field {
            Fid::QuicHeaderForm => uint(out, 1),
            Fid::QuicLongPacketType => uint(out, ((first >> 4) & 3).into()),
            Fid::QuicVersion => uint(out, h.version.into()),
            Fid::QuicDcil => uint(out, h.dcid.len() as u64),
            Fid::QuicScil => uint(out, h.scid.len() as u64),
            Fid::QuicDcid if !h.dcid.is_empty() => out.push_bytes(&d[h.dcid.clone()]),
            Fid::QuicScid if !h.scid.is_empty() => out.push_bytes(&d[h.scid.clone()]),
            Fid::QuicPacketLength => uint(out, end.unwrap_or(d.len()) as u64),
            Fid::QuicPacketNumber => {
                if let Some(p) = pdu.filter(|p| p.code == 0 && p.flags & QUIC_OPENED != 0) {
                    uint(out, p.stream.into());
                }
            }
            _ => {}
        }
        match end {
            Some(e) if e < d.len() => d = &d[e..],
            _ => return,
        }
    }
}
