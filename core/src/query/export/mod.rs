//! Export: packets of a capture written as a new pcap or pcapng file, as tshark's
//! `-w` writes them: each packet's bytes, lengths and timestamp as read, on its own
//! interface (pcapng keeps every interface of the capture, with its name, description,
//! filter, OS, addresses and timestamp resolution) and with its comments.
//!
//! The format itself is written by [`writer`], which depends on nothing else in the
//! crate: the capture daemon uses it alone.

pub mod writer;

pub use writer::{InterfaceInfo, InterfaceStats, OutputFormat, SectionInfo, Writer};

use crate::capture::file::Interface;
use crate::capture::packet::Reader;
use crate::capture::Capture;
use crate::query::fields::PacketSource;
use std::fmt;
use std::io::{self, Write};

/// Why an export stopped.
#[derive(Debug)]
pub enum ExportError {
    /// Writing failed (a full disk, a closed pipe).
    Io(io::Error),
    /// A pcap file holds one link type; the packets have several.
    LinkTypes(Vec<u16>),
    /// The bytes of a packet could not be read again.
    Unreadable {
        /// The packet's number (1-based).
        packet: u64,
    },
    /// A packet names an interface the capture does not have.
    NoInterface {
        /// The packet's number (1-based).
        packet: u64,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::LinkTypes(l) => write!(
                f,
                "a pcap file holds one link type and these packets have {l:?}: write pcapng"
            ),
            Self::Unreadable { packet } => {
                write!(f, "packet {packet}: its bytes could not be read again")
            }
            Self::NoInterface { packet } => write!(f, "packet {packet}: no such interface"),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ExportError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// The file's timestamp resolution kept when it is a power of ten no finer than ns
/// (what our nanosecond timestamps hold exactly); nanoseconds otherwise.
fn tsresol(ts_per_sec: u64) -> u8 {
    (0..=9u8)
        .find(|&k| 10u64.pow(u32::from(k)) == ts_per_sec)
        .unwrap_or(9)
}

/// The interface as written: as read, but for the addresses' prefix lengths, which the
/// reader does not keep (each address is written as the host's alone: /32, /128), and
/// raw IP's link type: a file's 12 (the platform value `DLT_RAW` has on most systems)
/// is written as `LINKTYPE_RAW`, 101, the value files should hold, as tshark writes it.
pub fn interface_info(i: &Interface) -> InterfaceInfo {
    InterfaceInfo {
        linktype: if i.linktype == 12 { 101 } else { i.linktype },
        snaplen: i.snaplen,
        name: i.name.clone(),
        description: i.description.clone(),
        filter: i.filter.clone(),
        os: i.os.clone(),
        addresses: i
            .addresses
            .iter()
            .map(|a| (*a, if a.is_ipv4() { 32 } else { 128 }))
            .collect(),
        tsresol: tsresol(i.ts_per_sec),
    }
}

/// Packets of a capture going into a new file, one at a time.
pub struct Export<'c, W: Write> {
    capture: &'c Capture,
    writer: Writer<W>,
    /// In pcap every packet goes to the one interface.
    pcap: bool,
    /// Comments sorted by packet: (index into `capture.packets`, comment).
    comments: Vec<(u64, &'c str)>,
    /// Reads the rows of the packets written (mostly in rising order).
    rows: Reader<'c>,
}

impl<'c, W: Write> Export<'c, W> {
    /// Starts the file: in pcapng the section (the one input file's first section, or
    /// ours) and every interface of the capture; in pcap its one link type.
    pub fn new(capture: &'c Capture, format: OutputFormat, out: W) -> Result<Self, ExportError> {
        let ifaces: Vec<InterfaceInfo> = capture
            .interfaces
            .iter()
            .map(|i| interface_info(&i.interface))
            .collect();
        let section = match (capture.files.as_slice(), format) {
            ([one], OutputFormat::PcapNg { .. }) if !one.sections.is_empty() => {
                let s = &one.sections[0];
                SectionInfo {
                    hardware: s.hardware.clone(),
                    os: s.os.clone(),
                    application: s.application.clone(),
                    comments: s.comments.clone(),
                }
            }
            _ => SectionInfo {
                application: Some(format!("Wirelens {}", env!("CARGO_PKG_VERSION"))),
                ..SectionInfo::default()
            },
        };
        let pcap = matches!(format, OutputFormat::Pcap { .. });
        let first = match (ifaces.first(), pcap) {
            (Some(f), false) => f.clone(),
            (Some(f), true) => {
                let mut types: Vec<u16> = ifaces.iter().map(|i| i.linktype).collect();
                types.sort_unstable();
                types.dedup();
                if types.len() > 1 {
                    return Err(ExportError::LinkTypes(types));
                }
                // The largest snapshot length covers every interface's packets.
                let snaplen = ifaces.iter().map(|i| i.snaplen).max().unwrap_or(0);
                InterfaceInfo {
                    snaplen: if snaplen == 0 { 262_144 } else { snaplen },
                    ..f.clone()
                }
            }
            // No interface: a file with no packets, on Ethernet.
            (None, _) => InterfaceInfo::default(),
        };
        let mut writer = Writer::new(out, format, &section, &first)?;
        if !pcap {
            for i in ifaces.iter().skip(1) {
                writer.add_interface(i)?;
            }
        }
        let mut comments: Vec<(u64, &str)> = capture
            .comments
            .iter()
            .map(|(i, c)| (*i, c.as_str()))
            .collect();
        comments.sort_by_key(|c| c.0);
        Ok(Self {
            capture,
            writer,
            pcap,
            comments,
            rows: capture.packets.reader(),
        })
    }

    /// Writes packet `index` (into `capture.packets`) whose captured bytes are `data`.
    pub fn packet(&mut self, index: usize, data: &[u8]) -> Result<(), ExportError> {
        let ts_ns = self.rows.at(index).ts_ns;
        self.packet_as(index, ts_ns, data, true)
    }

    /// Writes packet `index` at time `ts_ns` with bytes `data` (changed ones: a copy
    /// with other addresses), with its comments or without them.
    pub fn packet_as(
        &mut self,
        index: usize,
        ts_ns: i64,
        data: &[u8],
        with_comments: bool,
    ) -> Result<(), ExportError> {
        let packet = index as u64 + 1;
        let row = self.rows.at(index);
        let iface = if self.pcap { 0 } else { u32::from(row.iface) };
        if usize::from(row.iface) >= self.capture.interfaces.len() {
            return Err(ExportError::NoInterface { packet });
        }
        let comments = if with_comments {
            self.comments_of(index)
        } else {
            Vec::new()
        };
        self.writer
            .write_packet(iface, ts_ns, data, row.len, &comments)?;
        Ok(())
    }

    /// The comments of packet `index`.
    pub fn comments_of(&self, index: usize) -> Vec<&'c str> {
        let from = self.comments.partition_point(|c| c.0 < index as u64);
        self.comments[from..]
            .iter()
            .take_while(|c| c.0 == index as u64)
            .map(|c| c.1)
            .collect()
    }

    /// The format written.
    pub fn format(&self) -> OutputFormat {
        self.writer.format()
    }

    /// The underlying writer (see [`Writer::get_mut`]).
    pub fn get_mut(&mut self) -> &mut W {
        self.writer.get_mut()
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.writer.packets()
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.writer.finish()
    }
}

/// Writes the packets `indices` (into `capture.packets`, in the order given) to `out`,
/// their bytes read from `src`.
pub fn export<W: Write>(
    capture: &Capture,
    indices: impl IntoIterator<Item = usize>,
    src: &mut impl PacketSource,
    format: OutputFormat,
    out: W,
) -> Result<W, ExportError> {
    let mut e = Export::new(capture, format, out)?;
    let mut buf = Vec::new();
    let mut rows = capture.packets.reader();
    for i in indices {
        if !src.read(i, &rows.at(i), &mut buf) {
            return Err(ExportError::Unreadable {
                packet: i as u64 + 1,
            });
        }
        e.packet(i, &buf)?;
    }
    Ok(e.finish()?)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::ingest_bytes;
    use crate::query::fields::MemorySource;

    /// A pcapng of two interfaces (Ethernet in µs, raw IP in ns) and a commented packet.
    fn two_interfaces() -> Vec<u8> {
        let f = OutputFormat::PcapNg { big_endian: true };
        let eth = InterfaceInfo {
            name: Some("eth0".into()),
            ..InterfaceInfo::default()
        };
        let raw = InterfaceInfo {
            linktype: 101,
            name: Some("tun0".into()),
            tsresol: 9,
            ..InterfaceInfo::default()
        };
        let section = SectionInfo {
            application: Some("test".into()),
            ..SectionInfo::default()
        };
        let mut w = Writer::new(Vec::new(), f, &section, &eth).unwrap();
        w.add_interface(&raw).unwrap();
        w.write_packet(0, 1_000_000_000, &[1; 20], 60, &[]).unwrap();
        w.write_packet(1, 1_000_000_001, &[0x45; 21], 21, &["one", "two"])
            .unwrap();
        w.write_packet(0, 1_000_002_000, &[2; 14], 14, &[]).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn exported_packets_keep_interfaces_times_and_comments() {
        let bytes = two_interfaces();
        let cap = ingest_bytes("in.pcapng", &bytes);
        assert!(cap.errors.is_empty());
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let f = OutputFormat::PcapNg { big_endian: false };
        let out = export(&cap, [1, 2], &mut src, f, Vec::new()).unwrap();
        let back = ingest_bytes("out.pcapng", &out);
        assert!(back.errors.is_empty(), "{:?}", back.errors);
        assert_eq!(back.interfaces.len(), 2);
        assert_eq!(back.interfaces[1].interface.name.as_deref(), Some("tun0"));
        assert_eq!(back.interfaces[1].interface.ts_per_sec, 1_000_000_000);
        assert_eq!(back.interfaces[0].interface.ts_per_sec, 1_000_000);
        assert_eq!(
            back.files[0].sections[0].application.as_deref(),
            Some("test")
        );
        let rows: Vec<(i64, u32, u32, u16)> = back
            .packets
            .iter()
            .map(|p| (p.ts_ns, p.caplen, p.len, p.iface))
            .collect();
        assert_eq!(
            rows,
            [(1_000_000_001, 21, 21, 1), (1_000_002_000, 14, 14, 0)]
        );
        assert_eq!(
            back.comments,
            [(0, "one".to_owned()), (0, "two".to_owned())]
        );
    }

    #[test]
    fn pcap_takes_one_link_type_only() {
        let bytes = two_interfaces();
        let cap = ingest_bytes("in.pcapng", &bytes);
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let f = OutputFormat::Pcap {
            big_endian: false,
            nanos: true,
        };
        assert!(matches!(
            export(&cap, [0], &mut src, f, Vec::new()),
            Err(ExportError::LinkTypes(t)) if t == [1, 101]
        ));
    }
}
