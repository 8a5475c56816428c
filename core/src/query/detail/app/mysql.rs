//! MySQL client/server protocol packets.

use crate::query::detail::Node;

/// The `mysql` layer of one packet.
pub(super) fn dissect(_b: &[u8], _at: usize, _to_server: bool) -> Vec<Node> {
    Vec::new()
}
