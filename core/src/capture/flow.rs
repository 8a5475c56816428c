//! Conversations: TCP and UDP flows, as `tshark -z conv,tcp` and `conv,udp` count them.

use serde::Serialize;
use std::net::IpAddr;

/// Transport protocol of a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum L4 {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl L4 {
    /// Lower-case name, as used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            L4::Tcp => "tcp",
            L4::Udp => "udp",
        }
    }
}

/// One conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conversation {
    /// TCP or UDP.
    pub proto: L4,
    /// Stream number within its protocol (Wireshark's `tcp.stream` / `udp.stream`).
    pub stream: u32,
    /// Address of side A (the first packet's source).
    pub a: IpAddr,
    /// Port of side A.
    pub port_a: u16,
    /// Address of side B.
    pub b: IpAddr,
    /// Port of side B.
    pub port_b: u16,
    /// Frames from A to B.
    pub frames_ab: u64,
    /// Bytes (on-the-wire frame lengths) from A to B.
    pub bytes_ab: u64,
    /// Frames from B to A.
    pub frames_ba: u64,
    /// Bytes from B to A.
    pub bytes_ba: u64,
    /// Transport payload bytes from A to B (TCP segment lengths, UDP payloads).
    pub payload_ab: u64,
    /// Transport payload bytes from B to A.
    pub payload_ba: u64,
    /// Timestamp of the first frame, ns since the epoch.
    pub first_ns: i64,
    /// Timestamp of the last frame, ns since the epoch.
    pub last_ns: i64,
}

impl Conversation {
    /// Duration from the first to the last frame, in ns.
    pub fn duration_ns(&self) -> i64 {
        self.last_ns - self.first_ns
    }

    /// Total bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.bytes_ab + self.bytes_ba
    }

    /// Total frames both ways.
    pub fn frames(&self) -> u64 {
        self.frames_ab + self.frames_ba
    }
}

/// Which way a packet went within its conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Direction {
    /// From side A to side B.
    AToB,
    /// From side B to side A.
    BToA,
}
