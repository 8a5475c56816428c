//! Expert items: the TCP analysis items of a capture frame by frame, as Wireshark's
//! Expert Info lists them.

use crate::capture::tcp::{Kind, Severity};
use crate::capture::Capture;
use serde::Serialize;

/// One expert item, as Wireshark's Expert Info lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpertItem {
    /// Frame number (1-based).
    pub frame: u64,
    /// `tcp.stream` of the frame.
    pub stream: u32,
    /// Which item.
    pub kind: Kind,
    /// For a duplicate ACK, its number and the frame it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup_ack: Option<(u32, u64)>,
}

impl ExpertItem {
    /// Wireshark's severity.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// Wireshark's message, with the duplicate-ACK number where it has one.
    pub fn message(&self) -> String {
        match self.dup_ack {
            Some((n, _)) => format!("Duplicate ACK (#{n})"),
            None => self.kind.message().to_owned(),
        }
    }
}

/// The TCP expert items of a capture, frame by frame in Wireshark's order.
pub fn expert_items(capture: &Capture) -> impl Iterator<Item = ExpertItem> + '_ {
    capture.tcp_flags.iter().flat_map(move |&(index, flags)| {
        let stream = capture
            .packets
            .get(index as usize)
            .and_then(|p| capture.conversations.get(p.flow as usize))
            .map_or(u32::MAX, |c| c.stream);
        flags.kinds().map(move |kind| ExpertItem {
            frame: index + 1,
            stream,
            kind,
            dup_ack: (kind == Kind::DuplicateAck).then_some((flags.1, flags.2)),
        })
    })
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::tcp::TcpFlags;

    #[test]
    fn expert_metadata_matches_wireshark() {
        assert_eq!(Kind::OutOfOrder.severity(), Severity::Warning);
        assert_eq!(Kind::WindowUpdate.severity(), Severity::Chat);
        assert_eq!(Kind::Retransmission.severity(), Severity::Note);
        assert_eq!(
            Kind::from_name("tcp.analysis.window_full"),
            Some(Kind::WindowFull)
        );
        assert_eq!(Kind::LostSegment.field(), "tcp.analysis.lost_segment");
        let item = ExpertItem {
            frame: 9,
            stream: 0,
            kind: Kind::DuplicateAck,
            dup_ack: Some((2, 8)),
        };
        assert_eq!(item.message(), "Duplicate ACK (#2)");
        assert!(std::mem::size_of::<TcpFlags>() <= 16);
    }
}
