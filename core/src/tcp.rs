//! TCP analysis: Wireshark's `tcp.analysis.*` per segment, and per conversation the
//! handshake RTT and how the connection ended.

use crate::flow::Direction;
use crate::wire::Tcp;
use serde::Serialize;

/// `tcp.analysis.*` flags of one segment, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct TcpFlags(pub u32);

/// Per-conversation result of the analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TcpConversation {
    /// `tcp.analysis.initial_rtt`: SYN to the ACK of the SYN-ACK, in ns.
    pub initial_rtt_ns: Option<i64>,
}

/// The analysis state of every TCP conversation.
#[derive(Default)]
pub struct TcpAnalysis {
    conversations: Vec<TcpConversation>,
}

impl TcpAnalysis {
    /// Analyses the next segment of conversation `conv` (its flow id), in timeline order.
    pub fn segment(&mut self, conv: u32, _dir: Direction, _tcp: &Tcp, _ts_ns: i64) -> TcpFlags {
        let conv = conv as usize;
        if self.conversations.len() <= conv {
            self.conversations.resize(conv + 1, TcpConversation::default());
        }
        TcpFlags::default()
    }

    /// The per-conversation results, indexed by flow id (entries of UDP flows are empty).
    pub fn finish(self) -> Vec<TcpConversation> {
        self.conversations
    }
}
