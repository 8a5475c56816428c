//! Classic pcap (libpcap's savefile format): the file header and the packet records, in
//! both byte orders, with µs or ns timestamps, and Kuznetzov's modified format.

use super::{invalid, read_u16, read_u32, Event, Record, SourceErrorKind, State, Step};
use crate::capture::file::{Format, Interface, PacketOptions};

/// What the file header says about every record.
#[derive(Clone, Copy)]
pub(super) struct PcapHeader {
    pub(super) big_endian: bool,
    pub(super) nanos: bool,
    pub(super) modified: bool,
    pub(super) snaplen: u32,
}

/// The pcap file header: magic, version, snap length and link type (pcap spec §4).
pub(super) fn start(buf: &[u8], state: &mut State, on_event: &mut dyn FnMut(Event<'_>)) -> Step {
    let magic = [buf[0], buf[1], buf[2], buf[3]];
    let (big_endian, nanos, modified) = match u32::from_le_bytes(magic) {
        0xa1b2_c3d4 => (false, false, false),
        0xa1b2_3c4d => (false, true, false),
        0xa1b2_cd34 => (false, false, true),
        0xd4c3_b2a1 => (true, false, false),
        0x4d3c_b2a1 => (true, true, false),
        0x34cd_b2a1 => (true, false, true),
        _ => return Step::Fail(SourceErrorKind::NotACapture { magic }),
    };
    if buf.len() < 24 {
        return Step::NeedMore(Some(24));
    }
    let (major, minor) = (
        read_u16(&buf[4..6], big_endian),
        read_u16(&buf[6..8], big_endian),
    );
    // libpcap reads 2.4, and 2.2/2.3 files (identical records). Some writers store the
    // version in the other byte order than the magic; Wireshark reads those, so do we.
    let swapped_version = (major, minor) == (0x0200, 0x0400);
    if !swapped_version && (major != 2 || minor > 4) {
        return Step::Fail(invalid(format!(
            "unsupported pcap savefile version {major}.{minor}"
        )));
    }
    let snaplen = read_u32(&buf[16..20], big_endian);
    let network = read_u32(&buf[20..24], big_endian);
    // Bits 16–25 are reserved; the top bits may carry the FCS length (pcap spec §4).
    if network & 0x03ff_0000 != 0 {
        return Step::Fail(invalid(format!(
            "savefile linktype reserved field not zero (0x{:08x})",
            network & 0x03ff_0000
        )));
    }
    on_event(Event::Format(Format::Pcap {
        big_endian,
        nanos,
        modified,
    }));
    if swapped_version {
        on_event(Event::Anomaly {
            offset: 4,
            message: "the version field (2.4) is in the wrong byte order".into(),
        });
    }
    on_event(Event::Interface(Interface {
        linktype: (network & 0xffff) as u16,
        snaplen,
        ts_per_sec: if nanos { 1_000_000_000 } else { 1_000_000 },
        ..Interface::default()
    }));
    *state = State::Pcap(PcapHeader {
        big_endian,
        nanos,
        modified,
        snaplen,
    });
    Step::Consumed(24)
}

/// One packet record (pcap spec §5): a 16-byte header (24 in the modified format), then the
/// captured bytes.
pub(super) fn record(
    h: &PcapHeader,
    buf: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    let hdr_len = if h.modified { 24 } else { 16 };
    if buf.len() < 16 {
        return Step::NeedMore(None);
    }
    let be = h.big_endian;
    let (ts_sec, ts_frac) = (read_u32(&buf[0..4], be), read_u32(&buf[4..8], be));
    let (caplen, len) = (read_u32(&buf[8..12], be), read_u32(&buf[12..16], be));
    let total = hdr_len + caplen as usize;
    if buf.len() < total {
        return Step::NeedMore(Some(total));
    }
    if h.snaplen != 0 && caplen > h.snaplen {
        on_event(Event::Anomaly {
            offset,
            message: format!(
                "captured length {caplen} is larger than the snapshot length {}",
                h.snaplen
            ),
        });
    }
    if caplen > len {
        on_event(Event::Anomaly {
            offset,
            message: format!("captured length {caplen} is larger than the original length {len}"),
        });
    }
    let frac_ns = if h.nanos {
        ts_frac as i64
    } else {
        ts_frac as i64 * 1000
    };
    on_event(Event::Packet(Record {
        ts_ns: ts_sec as i64 * 1_000_000_000 + frac_ns,
        offset: offset + hdr_len as u64,
        caplen,
        len,
        iface: 0,
        data: &buf[hdr_len..total],
        comments: Vec::new(),
        options: PacketOptions::default(),
        process: None,
    }));
    Step::Consumed(total)
}
