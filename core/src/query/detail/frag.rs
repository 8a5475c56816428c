//! The packet that completes an IP datagram reassembled from fragments: its layers above
//! IP are the datagram's, dissected from a byte source of their own
//! (`Reassembled IPv4 (N bytes)`), and IP's item names the fragments as packet-ip.c's
//! `show_fragment_tree` does (`ip.fragments`, `ipv6.fragments`).
//!
//! The datagram is read again from the packets the ingest noted
//! ([`crate::query::fields::datagram`]).

use super::{Node, Source};
use crate::ingest::wire::{Fragment, Layers, Proto};
use crate::query::fields::datagram::Datagram;

/// Adds the datagram's byte source to `sources` and returns its index and the tree
/// naming its fragments, which goes at the end of the IP layer (`v6`: IPv6's) whose
/// datagram it is.
pub(super) fn tree(g: &Datagram, v6: bool, sources: &mut Vec<Source>) -> (u8, Node) {
    let (p, title) = if v6 { ("ipv6", "IPv6") } else { ("ip", "IPv4") };
    let n = g.bytes.len();
    let src = sources.len().min(u8::MAX as usize) as u8;
    sources.push(Source {
        name: format!("Reassembled {title} ({n} bytes)"),
        bytes: g.bytes.clone(),
    });
    let list = g
        .fragments
        .iter()
        .map(|f| format!("#{}({})", f.frame, f.len))
        .collect::<Vec<_>>()
        .join(", ");
    let head = Node::field(
        if v6 { "ipv6.fragments" } else { "ip.fragments" },
        format!(
            "{} {title} Fragments ({n} bytes): {list}",
            g.fragments.len()
        ),
        "",
        0,
        n,
    )
    .src(src);
    // tshark's PDML shows IPv4's item as the datagram's bytes, IPv6's as nothing.
    let mut head = if v6 {
        head.none()
    } else {
        head.show_bytes(&g.bytes).hex(&g.bytes)
    };
    for f in &g.fragments {
        head.push(fragment(f, p, src, &g.bytes));
    }
    let count = g.fragments.len().to_string();
    head.push(
        Node::field(
            format!("{p}.fragment.count"),
            format!("Fragment count: {count}"),
            count,
            0,
            0,
        )
        .src(src)
        .gen(),
    );
    head.push(
        Node::field(
            format!("{p}.reassembled.length"),
            format!("Reassembled {title} length: {n}"),
            n.to_string(),
            0,
            0,
        )
        .src(src)
        .gen(),
    );
    head.push(
        super::app::bytes_field(
            if v6 {
                "ipv6.reassembled.data"
            } else {
                "ip.reassembled.data"
            },
            &format!("Reassembled {title} data"),
            &g.bytes,
            0,
        )
        .src(src)
        .gen(),
    );
    (src, head.gen())
}

/// One fragment's item, as reassemble.c's `show_fragment` adds it: `ip.fragment`, or
/// `ip.fragment.error` when it conflicts, is too long or is another tail, with its flags
/// under it.
fn fragment(f: &Fragment, p: &str, src: u8, datagram: &[u8]) -> Node {
    let (at, l) = (f.offset as usize, f.len as usize);
    let text = if l == 0 {
        format!("Frame: {} (no data)", f.frame)
    } else {
        format!(
            "Frame: {}, payload: {at}-{} ({l} byte{})",
            f.frame,
            at + l - 1,
            if l == 1 { "" } else { "s" }
        )
    };
    let error = f.flags & (Fragment::CONFLICT | Fragment::MULTIPLE_TAILS | Fragment::TOO_LONG) != 0;
    let name = match (p, error) {
        ("ip", false) => "ip.fragment",
        ("ip", true) => "ip.fragment.error",
        (_, false) => "ipv6.fragment",
        (_, true) => "ipv6.fragment.error",
    };
    let piece = datagram.get(at..at + l);
    let mut n = Node::field(name, text, f.frame.to_string(), at, l).src(src);
    // PDML's value of a fragment past the datagram's end: tshark cannot read its bytes.
    n = match piece {
        Some(b) => n.hex(b),
        None => {
            n.value = Some("field length invalid!".into());
            n
        }
    };
    let flags = [
        (Fragment::OVERLAP, "overlap", "Fragment overlap"),
        (
            Fragment::CONFLICT,
            "overlap.conflict",
            "Conflicting data in fragment overlap",
        ),
        (
            Fragment::MULTIPLE_TAILS,
            "multipletails",
            "Multiple tail fragments found",
        ),
        (Fragment::TOO_LONG, "toolongfragment", "Fragment too long"),
    ];
    for (bit, field, label) in flags {
        if f.flags & bit != 0 {
            n.push(
                Node::field(
                    format!("{p}.fragment.{field}"),
                    format!("{label}: True"),
                    "1",
                    0,
                    0,
                )
                .src(src)
                .gen(),
            );
        }
    }
    n.gen()
}

/// Names frame `frame`, which completed the datagram this packet is an earlier fragment
/// of, at the end of its IP layer (`ls`: the packet's, `layers`: their nodes), where
/// packet-ip.c's `process_reassembled_data` adds it: IPv4's at the header, IPv6's at
/// the fragment's payload.
pub(super) fn reassembled_in(ls: &Layers, frame: u64, layers: &mut [Node]) {
    let Some(ip) = ls
        .as_slice()
        .iter()
        .rev()
        .find(|l| !l.quoted && matches!(l.proto, Proto::Ip | Proto::Ipv6))
    else {
        return;
    };
    let v6 = ip.proto == Proto::Ipv6;
    let pos = if v6 {
        ls.as_slice()
            .iter()
            .rev()
            .find(|l| !l.quoted && l.proto == Proto::Ipv6Fraghdr)
            .map_or(ip.offset, |f| f.offset.saturating_add(8))
    } else {
        ip.offset
    };
    let Some(n) = layers
        .iter_mut()
        .rev()
        .find(|n| n.name == if v6 { "ipv6" } else { "ip" })
    else {
        return;
    };
    let (name, title) = if v6 {
        ("ipv6.reassembled.in", "IPv6")
    } else {
        ("ip.reassembled_in", "IPv4")
    };
    n.push(
        Node::field(
            name,
            format!("Reassembled {title} in frame: {frame}"),
            frame.to_string(),
            pos as usize,
            0,
        )
        .gen(),
    );
}
