//! What a capture file says about itself: its format and compression, sections,
//! interfaces, interface statistics and processes.

use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// A capture file format, as detected from its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Format {
    /// Classic libpcap format.
    Pcap {
        /// Big-endian file.
        big_endian: bool,
        /// Nanosecond timestamps (magic `a1b23c4d`).
        nanos: bool,
        /// Kuznetzov's modified pcap (24-byte record headers).
        modified: bool,
    },
    /// pcapng; the byte order is per section.
    PcapNg,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Pcap { modified: true, .. } => write!(f, "modified pcap (Kuznetzov)"),
            Format::Pcap {
                big_endian, nanos, ..
            } => write!(
                f,
                "pcap ({}, {})",
                if *big_endian {
                    "big-endian"
                } else {
                    "little-endian"
                },
                if *nanos {
                    "nanosecond timestamps"
                } else {
                    "microsecond timestamps"
                }
            ),
            Format::PcapNg => write!(f, "pcapng"),
        }
    }
}

/// One pcapng section (a classic pcap file has none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Byte order of the section.
    pub big_endian: bool,
    /// `shb_hardware`.
    pub hardware: Option<String>,
    /// `shb_os`.
    pub os: Option<String>,
    /// `shb_userappl`: the application that wrote the file.
    pub application: Option<String>,
    /// `opt_comment`s.
    pub comments: Vec<String>,
}

/// One interface (pcap file header or pcapng IDB).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// Link-layer type (LINKTYPE_*).
    pub linktype: u16,
    /// Snapshot length declared for the interface (0: unlimited).
    pub snaplen: u32,
    /// `if_name`.
    pub name: Option<String>,
    /// `if_description`.
    pub description: Option<String>,
    /// `if_filter`, when it is a libpcap filter string.
    pub filter: Option<String>,
    /// `if_os`.
    pub os: Option<String>,
    /// Timestamp units per second.
    pub ts_per_sec: u64,
    /// `if_IPv4addr` and `if_IPv6addr`: the addresses of the capturing host on this
    /// interface (which side of a connection is local).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<IpAddr>,
}

/// What a pcapng packet block says of the packet beside its bytes and comments: its
/// options `epb_flags` and `epb_dropcount` (`frame.packet_flags`, `frame.drop_count`),
/// and whether it has a timestamp at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PacketOptions {
    /// `epb_flags`: direction, reception type, FCS length, link-layer errors.
    pub flags: Option<u32>,
    /// `epb_dropcount`: packets lost between this one and the one before.
    pub drop_count: Option<u64>,
    /// The block has no timestamp (a Simple Packet Block): tshark shows no time for the
    /// packet, in its row or its frame layer (the index keeps 0, which the next
    /// packet's delta counts from, as tshark's does).
    pub untimed: bool,
}

impl PacketOptions {
    /// Nothing to say (as of nearly every packet).
    pub fn is_empty(&self) -> bool {
        self.flags.is_none() && self.drop_count.is_none() && !self.untimed
    }
}

/// A process that sent or received packets (Apple's pcapng Process Information Block,
/// which `tcpdump -k` on macOS writes; EPBs refer to it by index).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// `pib_name`: the process name.
    pub name: Option<String>,
}

/// Interface statistics (pcapng ISB): the counters the capturing host reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IfStats {
    /// Interface index within the file.
    pub iface: u32,
    /// When the statistics were taken, ns since the epoch.
    pub ts_ns: i64,
    /// `isb_ifrecv`: packets received by the interface.
    pub received: Option<u64>,
    /// `isb_ifdrop`: packets dropped by the interface.
    pub dropped: Option<u64>,
    /// `isb_filteraccept`: packets accepted by the filter.
    pub filter_accepted: Option<u64>,
    /// `isb_osdrop`: packets dropped by the operating system.
    pub os_dropped: Option<u64>,
    /// `isb_usrdeliv`: packets delivered to the capturing application.
    pub delivered: Option<u64>,
}

/// A compression format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Compression {
    /// gzip (RFC 1952), including concatenated members.
    Gzip,
    /// bzip2, including concatenated streams.
    Bzip2,
    /// Zstandard (RFC 8878), including several and skippable frames.
    Zstd,
    /// xz, including concatenated streams and stream padding.
    Xz,
}

impl Compression {
    /// Every format, in the order `ingest::decompress::detect` tries them.
    pub const ALL: [Compression; 4] = [Self::Gzip, Self::Bzip2, Self::Zstd, Self::Xz];

    /// The name users know the format by.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Zstd => "zstd",
            Self::Xz => "xz",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
