//! Redis's RESP.

use crate::query::detail::Node;

pub(super) fn pdu_len(buf: &[u8]) -> Option<usize> {
    Some(buf.len())
}

/// The `resp` layer of one message.
pub(super) fn dissect(_b: &[u8], _at: usize, _to_server: bool) -> Vec<Node> {
    Vec::new()
}
