//! Statistics over the whole capture: Ethernet and IP conversations and the protocol
//! hierarchy, as `tshark -z conv,eth|ip|ipv6` and `-z io,phs` count them.

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;

/// A link-layer (MAC) or network address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// An Ethernet MAC address.
    Mac([u8; 6]),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Mac(m) => {
                write!(
                    f,
                    "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                    m[0], m[1], m[2], m[3], m[4], m[5]
                )
            }
            Address::Ip(ip) => ip.fmt(f),
        }
    }
}

/// As text: `00:11:22:33:44:55`, `10.0.0.1`, `2001:db8::1`.
impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The kinds of conversation and endpoint tables, named as tshark names them
/// (`-z conv,eth`, `-z endpoints,ip`, …): `ip` is IPv4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    /// Ethernet.
    Eth,
    /// IPv4.
    Ip,
    /// IPv6.
    Ipv6,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Table {
    /// Every kind, in the order of the layers.
    pub const ALL: [Table; 5] = [Table::Eth, Table::Ip, Table::Ipv6, Table::Tcp, Table::Udp];

    /// tshark's name for the table: `eth`, `ip`, `ipv6`, `tcp`, `udp`.
    pub fn name(self) -> &'static str {
        match self {
            Table::Eth => "eth",
            Table::Ip => "ip",
            Table::Ipv6 => "ipv6",
            Table::Tcp => "tcp",
            Table::Udp => "udp",
        }
    }
}

/// The frames between two addresses, both ways (an Ethernet, IPv4 or IPv6 conversation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddressConversation {
    /// Side A: the source of the conversation's first frame.
    pub a: Address,
    /// Side B.
    pub b: Address,
    /// Frames from A to B.
    pub frames_ab: u64,
    /// Bytes (frame lengths on the wire) from A to B.
    pub bytes_ab: u64,
    /// Frames from B to A.
    pub frames_ba: u64,
    /// Bytes from B to A.
    pub bytes_ba: u64,
    /// Timestamp of the earliest frame, ns since the epoch.
    pub first_ns: i64,
    /// Timestamp of the latest frame, ns since the epoch.
    pub last_ns: i64,
}

impl AddressConversation {
    /// Duration from the earliest to the latest frame, in ns.
    pub fn duration_ns(&self) -> i64 {
        self.last_ns - self.first_ns
    }
}

/// One endpoint: an address, with its port for TCP and UDP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The address.
    pub address: Address,
    /// The port (TCP and UDP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Packets sent or received (a packet to itself counts twice, as in tshark).
    pub packets: u64,
    /// Bytes sent or received.
    pub bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
}

/// A node of the protocol hierarchy: the frames whose protocols, from the outermost,
/// start with the path to this node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProtocolNode {
    /// Protocol name, as tshark names it (`eth`, `ip`, `tcp`, …).
    pub protocol: &'static str,
    /// Frames.
    pub frames: u64,
    /// Bytes (frame lengths on the wire).
    pub bytes: u64,
    /// The protocols found directly inside this one, in order of their first frame.
    pub children: Vec<ProtocolNode>,
}

/// What the statistics found, at the end of the ingest.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatsResult {
    /// Ethernet conversations, in order of their first frame.
    pub eth: Vec<AddressConversation>,
    /// IPv4 conversations, in order of their first frame.
    pub ip: Vec<AddressConversation>,
    /// IPv6 conversations, in order of their first frame.
    pub ipv6: Vec<AddressConversation>,
    /// The protocol hierarchy: one root per outermost protocol, in order of first frame.
    pub hierarchy: Vec<ProtocolNode>,
}

impl StatsResult {
    /// The Ethernet, IPv4 or IPv6 conversations (empty for TCP and UDP, which are
    /// [`crate::capture::Capture::conversations`]).
    pub fn conversations(&self, table: Table) -> &[AddressConversation] {
        match table {
            Table::Eth => &self.eth,
            Table::Ip => &self.ip,
            Table::Ipv6 => &self.ipv6,
            Table::Tcp | Table::Udp => &[],
        }
    }
}
