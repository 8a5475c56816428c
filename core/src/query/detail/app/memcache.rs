//! memcached's text and binary protocols.

use crate::query::detail::Node;

pub(super) fn pdu_len(buf: &[u8]) -> Option<usize> {
    Some(buf.len())
}

/// The `memcache` layer of one message.
pub(super) fn dissect(_b: &[u8], _at: usize) -> Vec<Node> {
    Vec::new()
}
