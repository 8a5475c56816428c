//! Wireshark's `data`: bytes no dissector takes (packet-data.c), shown as their length,
//! their bytes and a generated length.

use super::shown_bytes;
use super::Node;

/// The `data` layer over `bytes`, which start at `pos` of their source. PDML writes it
/// as a field with its value alone (print.c's `proto_data` case), `-V` as
/// `Data (N bytes)`.
pub(crate) fn layer(bytes: &[u8], pos: usize) -> Node {
    let len = bytes.len();
    let mut n = Node::proto(
        "data",
        format!("Data ({len} byte{})", if len == 1 { "" } else { "s" }),
        pos,
        len,
    );
    n.push(
        Node::field(
            "data.data",
            format!("Data: {}", shown_bytes(bytes)),
            "",
            pos,
            len,
        )
        .show_bytes(bytes)
        .hex_own(bytes),
    );
    n.push(
        Node::field(
            "data.len",
            format!("Length: {len}"),
            len.to_string(),
            pos,
            0,
        )
        .gen(),
    );
    n
}
