//! Writing capture files: classic pcap and pcapng, either byte order. A plain writer over
//! any `io::Write` that uses nothing else in the crate: the capture daemon writes its
//! rotated files through it, and [`super::Export`] writes the packets of a capture.
//!
//! Every length is known before it is written ([`packet_len`], [`stats_len`],
//! [`header_len`]), so a caller can hold a file to a size limit exactly; every write
//! reports its error (a full disk), so a file never ends short without a word.
//!
//! Formats: pcap, <https://www.tcpdump.org/manpages/pcap-savefile.5.html>
//! (draft-ietf-opsawg-pcap); pcapng, draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3
//! EPB, §4.6 ISB.

use std::io::{self, Write};
use std::net::IpAddr;

/// Output format of a [`Writer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Classic pcap with microsecond (`nanos: false`) or nanosecond timestamps.
    Pcap {
        /// Write big-endian.
        big_endian: bool,
        /// Nanosecond timestamps (magic `a1b23c4d`).
        nanos: bool,
    },
    /// pcapng, one section; each interface has its own timestamp resolution.
    PcapNg {
        /// Write big-endian.
        big_endian: bool,
    },
}

/// Who wrote a pcapng section, on what (the SHB's options). Not written in pcap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionInfo {
    /// `shb_hardware`.
    pub hardware: Option<String>,
    /// `shb_os`.
    pub os: Option<String>,
    /// `shb_userappl`: the application writing the file.
    pub application: Option<String>,
    /// `opt_comment`s of the section.
    pub comments: Vec<String>,
}

/// An interface: a pcapng IDB, or in pcap the file header's link type and snapshot
/// length (and nothing else).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// `LINKTYPE_*`.
    pub linktype: u16,
    /// Snapshot length (0: none).
    pub snaplen: u32,
    /// `if_name`.
    pub name: Option<String>,
    /// `if_description`.
    pub description: Option<String>,
    /// `if_filter`: a libpcap filter string.
    pub filter: Option<String>,
    /// `if_os`.
    pub os: Option<String>,
    /// `if_IPv4addr` / `if_IPv6addr`: the capturing host's addresses on this interface,
    /// with their prefix lengths.
    pub addresses: Vec<(IpAddr, u8)>,
    /// `if_tsresol` as a power of ten: timestamps count 10^-`tsresol` s (6: µs, the
    /// pcapng default; 9: ns). At most 9.
    pub tsresol: u8,
}

impl Default for InterfaceInfo {
    fn default() -> Self {
        Self {
            linktype: 1,
            snaplen: 262_144,
            name: None,
            description: None,
            filter: None,
            os: None,
            addresses: Vec::new(),
            tsresol: 6,
        }
    }
}

/// The counters of an Interface Statistics Block (pcapng only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InterfaceStats {
    /// When the statistics were taken, ns since the epoch.
    pub ts_ns: i64,
    /// `isb_starttime`: when the capture started.
    pub start_ns: Option<i64>,
    /// `isb_endtime`: when it ended.
    pub end_ns: Option<i64>,
    /// `isb_ifrecv`: packets received by the interface.
    pub received: Option<u64>,
    /// `isb_ifdrop`: packets the interface (for libpcap: the kernel, for want of buffer
    /// space) dropped.
    pub dropped: Option<u64>,
    /// `isb_filteraccept`: packets the filter accepted.
    pub filter_accepted: Option<u64>,
    /// `isb_osdrop`: packets the operating system dropped.
    pub os_dropped: Option<u64>,
    /// `isb_usrdeliv`: packets delivered to the writing application.
    pub delivered: Option<u64>,
}

/// Bytes of a pcap file header.
pub const PCAP_HEADER_LEN: u64 = 24;
/// Bytes of a pcap record header; the packet's bytes follow it.
pub const PCAP_RECORD_HEADER_LEN: u64 = 16;

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const ISB: u32 = 5;
const EPB: u32 = 6;
const OPT_COMMENT: u16 = 1;

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

/// Little- or big-endian bytes into a buffer.
struct Bytes {
    v: Vec<u8>,
    be: bool,
}

impl Bytes {
    fn new(be: bool) -> Self {
        Self { v: Vec::new(), be }
    }

    fn u16(&mut self, x: u16) {
        self.v.extend_from_slice(&if self.be {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        });
    }

    fn u32(&mut self, x: u32) {
        self.v.extend_from_slice(&if self.be {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        });
    }

    fn u64(&mut self, x: u64) {
        self.v.extend_from_slice(&if self.be {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        });
    }

    /// A timestamp as EPBs and ISBs hold it: the high 32 bits first.
    fn stamp(&mut self, units: u64) {
        self.u32((units >> 32) as u32);
        self.u32(units as u32);
    }

    fn pad(&mut self) {
        self.v.resize(self.v.len().div_ceil(4) * 4, 0);
    }

    /// A pcapng option; a value longer than 65535 bytes (only text can be) is cut. The
    /// buffer must be 4-byte aligned where the option starts.
    fn option(&mut self, code: u16, value: &[u8]) {
        let value = &value[..value.len().min(u16::MAX as usize)];
        self.u16(code);
        self.u16(value.len() as u16);
        self.v.extend_from_slice(value);
        self.pad();
    }

    fn text(&mut self, code: u16, value: &Option<String>) {
        if let Some(v) = value {
            self.option(code, v.as_bytes());
        }
    }

    fn end_of_options(&mut self) {
        self.u32(0);
    }

    /// Frames a block body with its type and both length fields.
    fn block(be: bool, block_type: u32, body: &[u8]) -> io::Result<Vec<u8>> {
        let total = u32::try_from(body.len() + 12).map_err(|_| invalid("block too large"))?;
        let mut b = Bytes::new(be);
        b.v.reserve(body.len() + 12);
        b.u32(block_type);
        b.u32(total);
        b.v.extend_from_slice(body);
        b.u32(total);
        Ok(b.v)
    }
}

/// The pcapng bytes of an option holding `len` bytes.
fn option_len(len: usize) -> u64 {
    4 + len.min(u16::MAX as usize).div_ceil(4) as u64 * 4
}

/// Timestamp units for `ts_ns` at 10^-`tsresol` s; pcapng counts from 1970 unsigned.
fn units(ts_ns: i64, tsresol: u8) -> io::Result<u64> {
    let per = 10i64.pow(9 - u32::from(tsresol));
    u64::try_from(ts_ns.div_euclid(per))
        .map_err(|_| invalid(format!("timestamp {ts_ns} ns is before 1970")))
}

fn section_block(be: bool, s: &SectionInfo) -> io::Result<Vec<u8>> {
    let mut b = Bytes::new(be);
    b.u32(0x1a2b_3c4d);
    b.u16(1);
    b.u16(0);
    // Section length: not known while writing (-1).
    b.u64(u64::MAX);
    for c in &s.comments {
        b.option(OPT_COMMENT, c.as_bytes());
    }
    b.text(2, &s.hardware);
    b.text(3, &s.os);
    b.text(4, &s.application);
    b.end_of_options();
    Bytes::block(be, SHB, &b.v)
}

fn interface_block(be: bool, i: &InterfaceInfo) -> io::Result<Vec<u8>> {
    if i.tsresol > 9 {
        return Err(invalid(format!(
            "if_tsresol 10^-{} s: finer than the nanoseconds timestamps are kept in",
            i.tsresol
        )));
    }
    let mut b = Bytes::new(be);
    b.u16(i.linktype);
    b.u16(0);
    b.u32(i.snaplen);
    b.text(2, &i.name);
    b.text(3, &i.description);
    for &(addr, prefix) in &i.addresses {
        match addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(prefix.min(32)))
                    .unwrap_or(0);
                let mut v = a.octets().to_vec();
                v.extend_from_slice(&mask.to_be_bytes());
                b.option(4, &v);
            }
            IpAddr::V6(a) => {
                let mut v = a.octets().to_vec();
                v.push(prefix.min(128));
                b.option(5, &v);
            }
        }
    }
    b.option(9, &[i.tsresol]);
    if let Some(f) = &i.filter {
        // 0: a libpcap filter string.
        let mut v = vec![0u8];
        v.extend_from_slice(f.as_bytes());
        b.option(11, &v);
    }
    b.text(12, &i.os);
    b.end_of_options();
    Bytes::block(be, IDB, &b.v)
}

fn pcap_header(big_endian: bool, nanos: bool, i: &InterfaceInfo) -> Vec<u8> {
    let mut b = Bytes::new(big_endian);
    b.u32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    b.u16(2);
    b.u16(4);
    b.u32(0); // thiszone
    b.u32(0); // sigfigs
    b.u32(i.snaplen);
    b.u32(u32::from(i.linktype));
    b.v
}

fn header(
    format: OutputFormat,
    section: &SectionInfo,
    iface: &InterfaceInfo,
) -> io::Result<Vec<u8>> {
    match format {
        OutputFormat::Pcap { big_endian, nanos } => Ok(pcap_header(big_endian, nanos, iface)),
        OutputFormat::PcapNg { big_endian } => {
            let mut h = section_block(big_endian, section)?;
            h.extend_from_slice(&interface_block(big_endian, iface)?);
            Ok(h)
        }
    }
}

/// Bytes a file starts with: the pcap file header, or the pcapng SHB and first IDB.
pub fn header_len(
    format: OutputFormat,
    section: &SectionInfo,
    iface: &InterfaceInfo,
) -> io::Result<u64> {
    header(format, section, iface).map(|h| h.len() as u64)
}

/// Bytes [`Writer::write_packet`] writes for a packet of `caplen` captured bytes with
/// these comments (comments are pcapng only).
pub fn packet_len(format: OutputFormat, caplen: usize, comments: &[&str]) -> u64 {
    match format {
        OutputFormat::Pcap { .. } => PCAP_RECORD_HEADER_LEN + caplen as u64,
        OutputFormat::PcapNg { .. } => {
            let options: u64 = comments.iter().map(|c| option_len(c.len())).sum();
            let end = if comments.is_empty() { 0 } else { 4 };
            12 + 20 + caplen.div_ceil(4) as u64 * 4 + options + end
        }
    }
}

/// Bytes [`Writer::write_stats`] writes for these statistics (0 in pcap, which has none).
pub fn stats_len(format: OutputFormat, s: &InterfaceStats) -> u64 {
    match format {
        OutputFormat::Pcap { .. } => 0,
        OutputFormat::PcapNg { .. } => {
            let present = [s.start_ns.is_some(), s.end_ns.is_some()]
                .into_iter()
                .chain(
                    [
                        s.received,
                        s.dropped,
                        s.filter_accepted,
                        s.os_dropped,
                        s.delivered,
                    ]
                    .map(|c| c.is_some()),
                )
                .filter(|&p| p)
                .count() as u64;
            12 + 12 + present * 12 + if present > 0 { 4 } else { 0 }
        }
    }
}

/// A capture writer over any `io::Write`.
pub struct Writer<W: Write> {
    out: W,
    format: OutputFormat,
    /// Link type and `tsresol` of each interface added so far.
    interfaces: Vec<(u16, u8)>,
    bytes: u64,
    packets: u64,
    /// Reused for each record's header and trailer: no allocation per packet.
    scratch: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// Starts a file: the pcap header for `iface`, or the pcapng section header and
    /// `iface` as interface 0 (more with [`Writer::add_interface`]).
    pub fn new(
        mut out: W,
        format: OutputFormat,
        section: &SectionInfo,
        iface: &InterfaceInfo,
    ) -> io::Result<Self> {
        let h = header(format, section, iface)?;
        out.write_all(&h)?;
        Ok(Self {
            out,
            format,
            interfaces: vec![(iface.linktype, iface.tsresol)],
            bytes: h.len() as u64,
            packets: 0,
            scratch: Vec::with_capacity(64),
        })
    }

    /// The format written.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Adds an interface and returns its id. A pcap file has one: another interface of
    /// its link type shares it (id 0); another link type is an error.
    pub fn add_interface(&mut self, iface: &InterfaceInfo) -> io::Result<u32> {
        match self.format {
            OutputFormat::Pcap { .. } => {
                if iface.linktype != self.interfaces[0].0 {
                    return Err(invalid(format!(
                        "a pcap file holds one link type ({}), not also {}: write pcapng",
                        self.interfaces[0].0, iface.linktype
                    )));
                }
                Ok(0)
            }
            OutputFormat::PcapNg { big_endian } => {
                let b = interface_block(big_endian, iface)?;
                self.out.write_all(&b)?;
                self.bytes += b.len() as u64;
                self.interfaces.push((iface.linktype, iface.tsresol));
                Ok(self.interfaces.len() as u32 - 1)
            }
        }
    }

    /// Writes one packet on interface `iface`: its timestamp (ns since the epoch),
    /// captured bytes, length on the wire and, in pcapng, its comments. Returns the bytes
    /// written ([`packet_len`]).
    pub fn write_packet(
        &mut self,
        iface: u32,
        ts_ns: i64,
        data: &[u8],
        len: u32,
        comments: &[&str],
    ) -> io::Result<u64> {
        let Some(&(_, tsresol)) = self.interfaces.get(iface as usize) else {
            return Err(invalid(format!("no interface {iface}")));
        };
        let caplen = u32::try_from(data.len()).map_err(|_| invalid("packet larger than 4 GiB"))?;
        let total = packet_len(self.format, data.len(), comments);
        // The fallible parts first, then the header and trailer built in the reused
        // scratch buffer.
        let be = match self.format {
            OutputFormat::Pcap { big_endian, .. } | OutputFormat::PcapNg { big_endian } => {
                big_endian
            }
        };
        let mut b = Bytes {
            v: std::mem::take(&mut self.scratch),
            be,
        };
        b.v.clear();
        let mut trailer = None;
        match self.format {
            OutputFormat::Pcap { nanos, .. } => {
                let secs = u32::try_from(ts_ns.div_euclid(1_000_000_000))
                    .map_err(|_| invalid("timestamp outside pcap's range (1970–2106)"))?;
                let frac = ts_ns.rem_euclid(1_000_000_000) as u32;
                b.u32(secs);
                b.u32(if nanos { frac } else { frac / 1000 });
                b.u32(caplen);
                b.u32(len);
            }
            OutputFormat::PcapNg { .. } => {
                let total32 = u32::try_from(total).map_err(|_| invalid("block too large"))?;
                let stamp = units(ts_ns, tsresol)?;
                b.u32(EPB);
                b.u32(total32);
                b.u32(iface);
                b.stamp(stamp);
                b.u32(caplen);
                b.u32(len);
                trailer = Some(total32);
            }
        }
        let header_len = b.v.len();
        if let Some(total32) = trailer {
            // Options are padded on their own, apart from the packet's padding.
            for c in comments {
                b.option(OPT_COMMENT, c.as_bytes());
            }
            if !comments.is_empty() {
                b.end_of_options();
            }
            b.u32(total32);
        }
        let pad = if trailer.is_some() {
            data.len().div_ceil(4) * 4 - data.len()
        } else {
            0
        };
        // The packet is written as it is, not copied into the block.
        let written = self
            .out
            .write_all(&b.v[..header_len])
            .and_then(|()| self.out.write_all(data))
            .and_then(|()| self.out.write_all(&[0; 3][..pad]))
            .and_then(|()| self.out.write_all(&b.v[header_len..]));
        self.scratch = b.v;
        written?;
        self.bytes += total;
        self.packets += 1;
        Ok(total)
    }

    /// Writes an Interface Statistics Block for `iface` (pcapng; nothing in pcap).
    /// Returns the bytes written ([`stats_len`]).
    pub fn write_stats(&mut self, iface: u32, s: &InterfaceStats) -> io::Result<u64> {
        let OutputFormat::PcapNg { big_endian } = self.format else {
            return Ok(0);
        };
        let Some(&(_, tsresol)) = self.interfaces.get(iface as usize) else {
            return Err(invalid(format!("no interface {iface}")));
        };
        let mut b = Bytes::new(big_endian);
        b.u32(iface);
        b.stamp(units(s.ts_ns, tsresol)?);
        for (code, t) in [(2, s.start_ns), (3, s.end_ns)] {
            if let Some(t) = t {
                let mut v = Bytes::new(big_endian);
                v.stamp(units(t, tsresol)?);
                b.option(code, &v.v);
            }
        }
        let counters = [
            (4, s.received),
            (5, s.dropped),
            (6, s.filter_accepted),
            (7, s.os_dropped),
            (8, s.delivered),
        ];
        for (code, c) in counters {
            if let Some(c) = c {
                let mut v = Bytes::new(big_endian);
                v.u64(c);
                b.option(code, &v.v);
            }
        }
        if s.start_ns.is_some() || s.end_ns.is_some() || counters.iter().any(|c| c.1.is_some()) {
            b.end_of_options();
        }
        let block = Bytes::block(big_endian, ISB, &b.v)?;
        self.out.write_all(&block)?;
        self.bytes += block.len() as u64;
        Ok(block.len() as u64)
    }

    /// Bytes written so far, headers included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Pushes buffered bytes on; only whole records and blocks are ever written, so after
    /// a flush the file is a complete capture.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer: an in-memory one holds the bytes written so far, which a
    /// caller may take (the counts above go on counting).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::source::{Event, RecordReader};
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    struct Packet {
        ts_ns: i64,
        data: Vec<u8>,
        extra_len: u32,
        comments: Vec<String>,
    }

    fn packet() -> impl Strategy<Value = Packet> {
        (
            0i64..4_000_000_000,
            0u32..1_000_000_000,
            prop::collection::vec(any::<u8>(), 0..300),
            0u32..2000,
            prop::collection::vec("[ -~]{0,40}", 0..3),
        )
            .prop_map(|(s, ns, data, extra_len, comments)| Packet {
                ts_ns: s * 1_000_000_000 + ns as i64,
                data,
                extra_len,
                comments,
            })
    }

    /// (ts, len, data, comments) of every packet the reader finds.
    fn read_back(bytes: &[u8], chunk: usize) -> Vec<(i64, u32, Vec<u8>, Vec<String>)> {
        let mut r = RecordReader::new();
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            r.feed(c, &mut |e| {
                if let Event::Packet(p) = e {
                    // The offset must point at the bytes, so they can be re-read later.
                    assert_eq!(
                        &bytes[p.offset as usize..p.offset as usize + p.caplen as usize],
                        p.data
                    );
                    out.push((p.ts_ns, p.len, p.data.to_vec(), p.comments));
                }
            });
        }
        assert_eq!(r.finish(), None);
        out
    }

    fn iface(tsresol: u8) -> InterfaceInfo {
        InterfaceInfo {
            linktype: 1,
            snaplen: 65535,
            tsresol,
            ..InterfaceInfo::default()
        }
    }

    proptest! {
        #[test]
        fn written_packets_read_back_identical(packets in prop::collection::vec(packet(), 0..20), chunk in 1usize..5000) {
            for (format, tsresol) in [
                (OutputFormat::Pcap { big_endian: false, nanos: false }, 6),
                (OutputFormat::Pcap { big_endian: true, nanos: false }, 6),
                (OutputFormat::Pcap { big_endian: false, nanos: true }, 9),
                (OutputFormat::Pcap { big_endian: true, nanos: true }, 9),
                (OutputFormat::PcapNg { big_endian: false }, 9),
                (OutputFormat::PcapNg { big_endian: true }, 9),
                (OutputFormat::PcapNg { big_endian: false }, 6),
                (OutputFormat::PcapNg { big_endian: true }, 3),
            ] {
                let mut w = Writer::new(Vec::new(), format, &SectionInfo::default(), &iface(tsresol)).unwrap();
                for p in &packets {
                    let comments: Vec<&str> = p.comments.iter().map(String::as_str).collect();
                    let n = w.write_packet(0, p.ts_ns, &p.data, p.data.len() as u32 + p.extra_len, &comments).unwrap();
                    prop_assert_eq!(n, packet_len(format, p.data.len(), &comments));
                }
                let total = w.bytes();
                let bytes = w.finish().unwrap();
                prop_assert_eq!(bytes.len() as u64, total);
                let got = read_back(&bytes, chunk);
                let unit = 10i64.pow(9 - u32::from(tsresol));
                let want: Vec<_> = packets.iter().map(|p| {
                    let comments = match format {
                        OutputFormat::PcapNg { .. } => p.comments.clone(),
                        _ => vec![],
                    };
                    (p.ts_ns / unit * unit, p.data.len() as u32 + p.extra_len, p.data.clone(), comments)
                }).collect();
                prop_assert_eq!(got, want, "{:?}", format);
            }
        }
    }

    #[test]
    fn pcapng_keeps_several_interfaces() {
        let f = OutputFormat::PcapNg { big_endian: true };
        let mut w = Writer::new(Vec::new(), f, &SectionInfo::default(), &iface(9)).unwrap();
        let raw = InterfaceInfo {
            linktype: 101,
            ..iface(6)
        };
        assert_eq!(w.add_interface(&raw).unwrap(), 1);
        w.write_packet(1, 5_000, b"\x45", 1, &[]).unwrap();
        assert!(w.write_packet(2, 5, b"", 0, &[]).is_err());
        let bytes = w.finish().unwrap();
        let mut r = RecordReader::new();
        let mut seen = Vec::new();
        r.feed(&bytes, &mut |e| match e {
            Event::Interface(i) => seen.push(format!("if {}", i.linktype)),
            Event::Packet(p) => seen.push(format!("pkt on {} at {}", p.iface, p.ts_ns)),
            _ => {}
        });
        assert_eq!(r.finish(), None);
        assert_eq!(seen, ["if 1", "if 101", "pkt on 1 at 5000"]);
    }

    #[test]
    fn pcap_has_one_link_type_and_a_time_range() {
        let f = OutputFormat::Pcap {
            big_endian: false,
            nanos: true,
        };
        let mut w = Writer::new(Vec::new(), f, &SectionInfo::default(), &iface(9)).unwrap();
        // Another interface of the same link type is the same one; another link type is
        // an error.
        assert_eq!(w.add_interface(&iface(9)).unwrap(), 0);
        let raw = InterfaceInfo {
            linktype: 101,
            ..iface(9)
        };
        assert!(w.add_interface(&raw).is_err());
        assert!(w.write_packet(0, -1, b"", 0, &[]).is_err());
        assert_eq!(w.write_stats(0, &InterfaceStats::default()).unwrap(), 0);
    }

    #[test]
    fn pcapng_rejects_times_before_1970_and_resolutions_past_ns() {
        let f = OutputFormat::PcapNg { big_endian: false };
        let mut w = Writer::new(Vec::new(), f, &SectionInfo::default(), &iface(9)).unwrap();
        assert!(w.write_packet(0, -1, b"", 0, &[]).is_err());
        assert!(w.add_interface(&iface(12)).is_err());
    }

    #[test]
    fn the_section_interface_and_statistics_read_back() {
        let section = SectionInfo {
            hardware: Some("x86_64".into()),
            os: Some("Linux 6.1".into()),
            application: Some("wirelens-capture 0.1.0".into()),
            comments: vec!["a section comment".into()],
        };
        let i = InterfaceInfo {
            linktype: 1,
            snaplen: 262_144,
            name: Some("eth0".into()),
            description: Some("the uplink".into()),
            filter: Some("tcp port 80".into()),
            os: None,
            addresses: vec![
                ("10.1.2.3".parse().unwrap(), 24),
                ("fe80::1".parse().unwrap(), 64),
            ],
            tsresol: 6,
        };
        let f = OutputFormat::PcapNg { big_endian: false };
        let mut w = Writer::new(Vec::new(), f, &section, &i).unwrap();
        assert_eq!(w.bytes(), header_len(f, &section, &i).unwrap());
        let n = w
            .write_packet(
                0,
                1_700_000_000_123_456_000,
                &[0xaa; 61],
                61,
                &["pid=42 comm=curl"],
            )
            .unwrap();
        assert_eq!(n, packet_len(f, 61, &["pid=42 comm=curl"]));
        let stats = InterfaceStats {
            ts_ns: 1_700_000_002_000_000_000,
            start_ns: Some(1_699_999_999_000_000_000),
            end_ns: Some(1_700_000_002_000_000_000),
            received: Some(5),
            dropped: Some(1),
            filter_accepted: None,
            os_dropped: None,
            delivered: Some(2),
        };
        assert_eq!(w.write_stats(0, &stats).unwrap(), stats_len(f, &stats));
        let total = w.bytes();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len() as u64, total);

        let cap = crate::ingest::ingest_bytes("w.pcapng", &bytes);
        assert!(cap.errors.is_empty() && cap.anomalies.is_empty());
        let got = &cap.interfaces[0];
        assert_eq!(got.interface.name.as_deref(), Some("eth0"));
        assert_eq!(got.interface.description.as_deref(), Some("the uplink"));
        assert_eq!(got.interface.filter.as_deref(), Some("tcp port 80"));
        assert_eq!(got.interface.ts_per_sec, 1_000_000);
        assert_eq!(
            got.interface.addresses,
            [
                "10.1.2.3".parse::<IpAddr>().unwrap(),
                "fe80::1".parse().unwrap()
            ]
        );
        let s = got.stats.expect("an ISB");
        assert_eq!(
            (s.received, s.dropped, s.delivered, s.ts_ns),
            (Some(5), Some(1), Some(2), 1_700_000_002_000_000_000)
        );
        let shb = &cap.files[0].sections[0];
        assert_eq!(shb.hardware.as_deref(), Some("x86_64"));
        assert_eq!(shb.os.as_deref(), Some("Linux 6.1"));
        assert_eq!(shb.application.as_deref(), Some("wirelens-capture 0.1.0"));
        assert_eq!(shb.comments, ["a section comment"]);
        assert_eq!(cap.comments, [(0, "pid=42 comm=curl".to_owned())]);
        assert_eq!(cap.packets.at(0).ts_ns, 1_700_000_000_123_456_000);
    }

    #[test]
    fn an_error_from_the_file_is_reported() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let f = OutputFormat::PcapNg { big_endian: false };
        assert!(Writer::new(Full, f, &SectionInfo::default(), &iface(6)).is_err());
    }
}
