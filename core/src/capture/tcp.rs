//! The TCP analysis of a capture: Wireshark's `tcp.analysis.*` items per segment, and
//! per conversation the handshake, how it ended and its RTTs.

use crate::capture::flow::Direction;
use serde::{Serialize, Serializer};
use std::fmt;

/// A `tcp.analysis.*` item, in the order Wireshark prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Kind {
    /// `tcp.analysis.reused_ports`: a SYN starts a new session on the ports of an earlier
    /// one (or a SYN-ACK carries a new initial sequence number).
    ReusedPorts,
    /// `tcp.analysis.retransmission`; also set on fast and spurious retransmissions.
    Retransmission,
    /// `tcp.analysis.fast_retransmission`.
    FastRetransmission,
    /// `tcp.analysis.spurious_retransmission`.
    SpuriousRetransmission,
    /// `tcp.analysis.out_of_order`.
    OutOfOrder,
    /// `tcp.analysis.lost_segment`: this segment starts past the highest one seen.
    LostSegment,
    /// `tcp.analysis.ack_lost_segment`: this segment acknowledges data not seen.
    AckLostSegment,
    /// `tcp.analysis.window_update`.
    WindowUpdate,
    /// `tcp.analysis.window_full`.
    WindowFull,
    /// `tcp.analysis.keep_alive`.
    KeepAlive,
    /// `tcp.analysis.keep_alive_ack`.
    KeepAliveAck,
    /// `tcp.analysis.duplicate_ack`.
    DuplicateAck,
    /// `tcp.analysis.zero_window_probe`.
    ZeroWindowProbe,
    /// `tcp.analysis.zero_window`.
    ZeroWindow,
    /// `tcp.analysis.zero_window_probe_ack`.
    ZeroWindowProbeAck,
}

/// Expert-info severity, as Wireshark grades it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Usual workflow (`PI_CHAT`).
    Chat,
    /// Notable but usual (`PI_NOTE`).
    Note,
    /// Possibly a problem (`PI_WARN`).
    Warning,
    /// A serious problem (`PI_ERROR`).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Chat => "Chat",
            Severity::Note => "Note",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
        })
    }
}

impl Kind {
    /// Every kind, in Wireshark's print order.
    pub const ALL: [Kind; 15] = [
        Kind::ReusedPorts,
        Kind::Retransmission,
        Kind::FastRetransmission,
        Kind::SpuriousRetransmission,
        Kind::OutOfOrder,
        Kind::LostSegment,
        Kind::AckLostSegment,
        Kind::WindowUpdate,
        Kind::WindowFull,
        Kind::KeepAlive,
        Kind::KeepAliveAck,
        Kind::DuplicateAck,
        Kind::ZeroWindowProbe,
        Kind::ZeroWindow,
        Kind::ZeroWindowProbeAck,
    ];

    /// The last part of the field name: `retransmission` for `tcp.analysis.retransmission`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::ReusedPorts => "reused_ports",
            Kind::Retransmission => "retransmission",
            Kind::FastRetransmission => "fast_retransmission",
            Kind::SpuriousRetransmission => "spurious_retransmission",
            Kind::OutOfOrder => "out_of_order",
            Kind::LostSegment => "lost_segment",
            Kind::AckLostSegment => "ack_lost_segment",
            Kind::WindowUpdate => "window_update",
            Kind::WindowFull => "window_full",
            Kind::KeepAlive => "keep_alive",
            Kind::KeepAliveAck => "keep_alive_ack",
            Kind::DuplicateAck => "duplicate_ack",
            Kind::ZeroWindowProbe => "zero_window_probe",
            Kind::ZeroWindow => "zero_window",
            Kind::ZeroWindowProbeAck => "zero_window_probe_ack",
        }
    }

    /// The kind of a field name, with or without the `tcp.analysis.` prefix.
    pub fn from_name(name: &str) -> Option<Kind> {
        let name = name.strip_prefix("tcp.analysis.").unwrap_or(name);
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The full field name, `tcp.analysis.…`.
    pub fn field(self) -> String {
        format!("tcp.analysis.{}", self.name())
    }

    /// Wireshark's severity for this expert item (packet-tcp.c `ei` registrations).
    pub fn severity(self) -> Severity {
        match self {
            Kind::OutOfOrder
            | Kind::LostSegment
            | Kind::AckLostSegment
            | Kind::WindowFull
            | Kind::ZeroWindow => Severity::Warning,
            Kind::WindowUpdate => Severity::Chat,
            _ => Severity::Note,
        }
    }

    /// Wireshark's expert message. A duplicate ACK's item adds its number:
    /// "Duplicate ACK (#2)" (see [`ExpertItem::message`]).
    pub fn message(self) -> &'static str {
        match self {
            Kind::ReusedPorts => "A new tcp session is started with the same ports as an earlier session in this trace",
            Kind::Retransmission => "This frame is a (suspected) retransmission",
            Kind::FastRetransmission => "This frame is a (suspected) fast retransmission",
            Kind::SpuriousRetransmission => "This frame is a (suspected) spurious retransmission",
            Kind::OutOfOrder => "This frame is a (suspected) out-of-order segment",
            Kind::LostSegment => "Previous segment(s) not captured (common at capture start)",
            Kind::AckLostSegment => "ACKed segment that wasn't captured (common at capture start)",
            Kind::WindowUpdate => "TCP window update",
            Kind::WindowFull => "TCP window specified by the receiver is now completely full",
            Kind::KeepAlive => "TCP keep-alive segment",
            Kind::KeepAliveAck => "ACK to a TCP keep-alive segment",
            Kind::DuplicateAck => "Duplicate ACK",
            Kind::ZeroWindowProbe => "TCP Zero Window Probe",
            Kind::ZeroWindow => "TCP Zero Window segment",
            Kind::ZeroWindowProbeAck => "ACK to a TCP Zero Window Probe",
        }
    }

    /// The expert group: every TCP analysis item is in Wireshark's "Sequence" group.
    pub fn group(self) -> &'static str {
        "Sequence"
    }

    /// The `TCP_A_*` bits that show this item (a retransmission also shows as fast or
    /// spurious).
    pub fn bits(self) -> u32 {
        use bits::*;
        match self {
            Kind::ReusedPorts => REUSED_PORTS,
            Kind::Retransmission => RETRANSMISSION | FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION,
            Kind::FastRetransmission => FAST_RETRANSMISSION,
            Kind::SpuriousRetransmission => SPURIOUS_RETRANSMISSION,
            Kind::OutOfOrder => OUT_OF_ORDER,
            Kind::LostSegment => LOST_PACKET,
            Kind::AckLostSegment => ACK_LOST_PACKET,
            Kind::WindowUpdate => WINDOW_UPDATE,
            Kind::WindowFull => WINDOW_FULL,
            Kind::KeepAlive => KEEP_ALIVE,
            Kind::KeepAliveAck => KEEP_ALIVE_ACK,
            Kind::DuplicateAck => DUPLICATE_ACK,
            Kind::ZeroWindowProbe => ZERO_WINDOW_PROBE,
            Kind::ZeroWindow => ZERO_WINDOW,
            Kind::ZeroWindowProbeAck => ZERO_WINDOW_PROBE_ACK,
        }
    }
}

/// Wireshark's `TCP_A_*` bits (packet-tcp.c), the analysis result as it keeps it.
pub mod bits {
    /// Retransmission (by timeout, or not classified further).
    pub const RETRANSMISSION: u32 = 0x0001;
    /// Previous segment not captured.
    pub const LOST_PACKET: u32 = 0x0002;
    /// ACKed segment that was not captured.
    pub const ACK_LOST_PACKET: u32 = 0x0004;
    /// Keep-alive.
    pub const KEEP_ALIVE: u32 = 0x0008;
    /// Duplicate ACK.
    pub const DUPLICATE_ACK: u32 = 0x0010;
    /// Zero window.
    pub const ZERO_WINDOW: u32 = 0x0020;
    /// Zero window probe.
    pub const ZERO_WINDOW_PROBE: u32 = 0x0040;
    /// ACK to a zero window probe.
    pub const ZERO_WINDOW_PROBE_ACK: u32 = 0x0080;
    /// ACK to a keep-alive.
    pub const KEEP_ALIVE_ACK: u32 = 0x0100;
    /// Out of order.
    pub const OUT_OF_ORDER: u32 = 0x0200;
    /// Fast retransmission.
    pub const FAST_RETRANSMISSION: u32 = 0x0400;
    /// Window update.
    pub const WINDOW_UPDATE: u32 = 0x0800;
    /// Window full.
    pub const WINDOW_FULL: u32 = 0x1000;
    /// Ports reused.
    pub const REUSED_PORTS: u32 = 0x2000;
    /// Spurious retransmission.
    pub const SPURIOUS_RETRANSMISSION: u32 = 0x4000;
}

/// The `tcp.analysis.*` items of one segment: `.0` holds Wireshark's [`bits`] as
/// packet-tcp.c keeps them (`ta->flags`); for a duplicate ACK, `.1` is its number
/// (`tcp.analysis.duplicate_ack_num`) and `.2` the frame (1-based) of the ACK it repeats
/// (`tcp.analysis.duplicate_ack_frame`, 0 if none); for a retransmission (neither fast
/// nor spurious), `.1` is 0 and `.2` the frame its RTO is measured from
/// (`tcp.analysis.rto_frame`, 0 if none).
///
/// [`TcpFlags::kinds`] gives the fields tshark shows: a fast or spurious retransmission
/// is also a retransmission (Wireshark adds both items, and the display filter
/// `tcp.analysis.retransmission` matches it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u32, pub u32, pub u64);

impl TcpFlags {
    /// True when the segment shows this item.
    pub fn contains(self, kind: Kind) -> bool {
        self.0 & kind.bits() != 0
    }

    /// True when no item is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The items, in Wireshark's print order.
    pub fn kinds(self) -> impl DoubleEndedIterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// `tcp.analysis.duplicate_ack_num` (0 when not a duplicate ACK).
    pub fn dup_ack_num(self) -> u32 {
        self.1
    }

    /// `tcp.analysis.duplicate_ack_frame`: the frame (1-based) this ACK repeats.
    pub fn dup_ack_frame(self) -> u64 {
        if self.1 > 0 {
            self.2
        } else {
            0
        }
    }

    /// `tcp.analysis.rto_frame`: the frame (1-based) that last advanced the sequence
    /// space this way, which a retransmission's RTO (`tcp.analysis.rto`) runs from.
    pub fn rto_frame(self) -> Option<u64> {
        (self.0 & bits::RETRANSMISSION != 0 && self.1 == 0 && self.2 > 0).then_some(self.2)
    }
}

impl Serialize for TcpFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("TcpFlags", 3)?;
        st.serialize_field("flags", &self.kinds().collect::<Vec<_>>())?;
        st.serialize_field("dup_ack_num", &self.1)?;
        st.serialize_field("dup_ack_frame", &self.dup_ack_frame())?;
        st.end()
    }
}

/// One side of a conversation: A sent its first packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Side A, the source of the conversation's first packet.
    A,
    /// Side B.
    B,
}

impl From<Direction> for Side {
    fn from(d: Direction) -> Self {
        match d {
            Direction::AToB => Side::A,
            Direction::BToA => Side::B,
        }
    }
}

/// How much of the three-way handshake the capture holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Handshake {
    /// No SYN and no SYN-ACK: the capture picked the connection up mid-stream.
    #[default]
    MidStream,
    /// A SYN or a SYN-ACK, but not the whole handshake (no answer, refused, or the
    /// capture started during it).
    Partial,
    /// SYN, SYN-ACK and the ACK that completes it (the initial RTT is measured).
    Complete,
}

/// How the conversation stood at the end of the capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "by")]
pub enum TcpEnd {
    /// No FIN and no RST.
    #[default]
    Open,
    /// Only one side sent a FIN (and no RST followed).
    HalfClosed(Side),
    /// Both sides sent a FIN before any RST.
    Closed,
    /// Reset: the side that sent the first RST (unless both had closed before).
    Reset(Side),
}

/// How often each analysis item fired in a conversation, in [`Kind::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KindCounts(pub [u32; 15]);

impl KindCounts {
    /// The count of one kind.
    pub fn get(&self, kind: Kind) -> u32 {
        self.0[kind as usize]
    }

    /// The kinds that fired, with their counts.
    pub fn iter(&self) -> impl Iterator<Item = (Kind, u32)> + '_ {
        Kind::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|(_, n)| *n > 0)
    }

    /// Sum over all kinds.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|&n| n as u64).sum()
    }
}

impl Serialize for KindCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (k, n) in self.iter() {
            m.serialize_entry(k.name(), &n)?;
        }
        m.end()
    }
}

/// Per-conversation result of the analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TcpConversation {
    /// `tcp.analysis.initial_rtt`: from the last SYN to the first ACK after it, in ns.
    pub initial_rtt_ns: Option<i64>,
    /// The frame (1-based) of that ACK.
    pub initial_rtt_frame: Option<u64>,
    /// How much of the handshake was seen.
    pub handshake: Handshake,
    /// The side that sent the (first) SYN, if one was seen.
    pub syn_by: Option<Side>,
    /// State at the end of the capture.
    pub end: TcpEnd,
    /// A FIN was seen from side A (`[0]`) and from side B (`[1]`).
    pub fin: [bool; 2],
    /// A RST was seen from side A (`[0]`) and from side B (`[1]`).
    pub rst: [bool; 2],
    /// Window scale shift in use by side A (`[0]`) and B (`[1]`): `None` when unknown
    /// (no SYN seen), `Some(0)` when the handshake did not negotiate scaling.
    pub window_scale: [Option<u8>; 2],
    /// Segments flagged with each analysis item.
    pub counts: KindCounts,
    /// `tcp.analysis.ack_rtt` of the data side A (`[0]`) and side B (`[1]`) sent: from a
    /// segment to the ACK that acknowledges exactly its end.
    pub ack_rtt: [RttStats; 2],
    /// The frame (1-based; 0: none) whose segment first showed each bit of
    /// `tcp.completeness` ([`completeness`]: bit `k` is `1 << k`); read with
    /// [`TcpConversation::completeness_before`].
    #[serde(skip)]
    pub completeness: [u64; 6],
    /// The frame (1-based; 0: never) from which side A (`[0]`) and side B (`[1]`) is
    /// packet-tcp.c's closing initiator: the first to send a FIN while the other side was
    /// not one. Read with [`TcpConversation::initiates_closing`].
    #[serde(skip)]
    pub closing: [u64; 2],
}

impl TcpConversation {
    /// `tcp.completeness` as a segment of frame `frame` (1-based) shows it: what the
    /// conversation's earlier segments showed (packet-tcp.c adds the item before it
    /// looks at the segment's own flags).
    pub fn completeness_before(&self, frame: u64) -> u8 {
        let mut m = 0;
        for (k, &at) in self.completeness.iter().enumerate() {
            if at != 0 && at < frame {
                m |= 1 << k;
            }
        }
        m
    }

    /// Whether a FIN of side `side` (0: A) in frame `frame` "initiates the connection
    /// closing" (`tcp.connection.fin_active`) rather than "undergoes" it: the other side
    /// was not the closing initiator before it.
    pub fn initiates_closing(&self, side: usize, frame: u64) -> bool {
        let other = self.closing[1 - side.min(1)];
        other == 0 || other >= frame
    }
}

/// The bits of `tcp.completeness` (packet-tcp.c `TCP_COMPLETENESS_*`).
pub mod completeness {
    /// The conversation's first segment was a SYN.
    pub const SYN: u8 = 0x01;
    /// A SYN-ACK.
    pub const SYN_ACK: u8 = 0x02;
    /// An ACK without data (and without SYN).
    pub const ACK: u8 = 0x04;
    /// Data (in an ACK without SYN, or in the first SYN).
    pub const DATA: u8 = 0x08;
    /// A FIN with ACK.
    pub const FIN: u8 = 0x10;
    /// A RST.
    pub const RST: u8 = 0x20;

    /// The words tshark 4.0 puts before the value in `tcp.completeness`'s text.
    pub fn label(m: u8) -> &'static str {
        const HANDSHAKE: u8 = SYN | SYN_ACK | ACK;
        match m {
            SYN => "Incomplete, SYN_SENT",
            m if m == SYN | SYN_ACK => "Incomplete, CLIENT_ESTABLISHED",
            HANDSHAKE => "Incomplete, ESTABLISHED",
            m if m == HANDSHAKE | DATA => "Incomplete, DATA",
            m if m & HANDSHAKE == HANDSHAKE && m & (FIN | RST) != 0 => {
                if m & DATA != 0 {
                    "Complete, WITH_DATA"
                } else {
                    "Complete, NO_DATA"
                }
            }
            _ => "Incomplete",
        }
    }
}

/// Count, minimum, maximum and sum of a set of durations (ns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RttStats {
    /// How many.
    pub count: u64,
    /// The smallest, in ns (0 when none).
    pub min_ns: i64,
    /// The largest, in ns.
    pub max_ns: i64,
    /// The sum, in ns (saturating).
    pub sum_ns: i64,
}

impl RttStats {
    /// Adds one duration.
    pub fn add(&mut self, ns: i64) {
        if self.count == 0 {
            (self.min_ns, self.max_ns) = (ns, ns);
        }
        self.count += 1;
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        self.sum_ns = self.sum_ns.saturating_add(ns);
    }

    /// The mean, in ns, if there is any.
    pub fn mean_ns(&self) -> Option<i64> {
        (self.count > 0).then(|| self.sum_ns / self.count as i64)
    }
}

/// The handshake segments of one TCP conversation that decide its initiator (the
/// sessions view's), noted by the ingest as they pass. (The TCP analysis keeps who sent the SYN and how the
/// conversation ended; the SYN-ACK's direction, for a SYN not captured, is noted here.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpControl {
    /// Direction of the first SYN without ACK.
    pub syn: Option<Direction>,
    /// Direction of the first SYN-ACK.
    pub syn_ack: Option<Direction>,
}

/// Counters of the TCP stream reassembly a user should hear about (they become expert
/// items).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReassemblyStats {
    /// Retransmitted or overlapping segments whose new bytes differed from the first copy.
    pub overlap_conflicts: u64,
    /// Gaps declared.
    pub gaps: u64,
    /// Bytes never captured.
    pub gap_bytes: u64,
    /// Times a buffer bound forced a gap.
    pub buffer_full: u64,
}
