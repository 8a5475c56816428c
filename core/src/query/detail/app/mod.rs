//! Application layers: the tree of the PDU a packet carries or completes.

use super::{Detail, Node};
use crate::ingest::wire::Summary;
use crate::query::fields::{FieldCtx, PacketSource};

/// The application-layer state of the packets fed so far: streams being reassembled
/// into PDUs, per conversation.
#[derive(Default)]
pub struct Apps {}

impl Apps {
    /// No state yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the application layers of packet `index` to `d`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn packet(
        &mut self,
        _ctx: &mut FieldCtx<'_>,
        _src: &mut dyn PacketSource,
        _index: usize,
        _bytes: &[u8],
        _summary: &Summary,
        _d: &mut Detail,
        _protocols: &mut Vec<&'static str>,
    ) {
        let _ = Node::default();
    }
}
