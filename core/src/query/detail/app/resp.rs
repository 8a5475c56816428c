//! Redis's RESP, as Wireshark 4.0's resp dissector shows it (see
//! [`crate::query::fields::pdu::resp`] for its rules): the messages of the bytes TCP hands it, a
//! line ending at the first CR or LF with two bytes skipped after it.

use crate::query::detail::{colon_hex, shown_bytes, string_field, Node};

/// Deepest array entered (packet-resp.c `MAX_ARRAY_DEPTH_TO_RECURSE`).
const MAX_DEPTH: usize = 30;

fn line_len(b: &[u8], at: usize) -> Option<usize> {
    b.get(at..)?.iter().position(|&c| c == b'\r' || c == b'\n')
}

fn strtoll(s: &[u8]) -> i64 {
    let s = std::str::from_utf8(s).unwrap_or("");
    let t = s.trim_start();
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = d.chars().take_while(|c| c.is_ascii_digit()).collect();
    let v = digits
        .parse::<i64>()
        .unwrap_or(if digits.is_empty() { 0 } else { i64::MAX });
    if neg {
        -v
    } else {
        v
    }
}

fn ascii(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b[..end]
        .iter()
        .map(|&c| if c < 0x80 { c as char } else { '\u{fffd}' })
        .collect()
}

/// One element at `at`: its node and the bytes it takes; None when cut off.
fn element(b: &[u8], at: usize, base: usize, depth: usize, out: &mut Vec<Node>) -> Option<usize> {
    let l = line_len(b, at)?;
    if at + l + 2 > b.len() && b[at] != b'$' {
        // The line's end and the two bytes skipped after it must be there.
        if at + l + 1 >= b.len() {
            return None;
        }
    }
    let line = &b[at..at + l];
    let arg = line.get(1..).unwrap_or(&[]);
    let hl = l + 2;
    let hdr = &b[at..(at + hl).min(b.len())];
    match line.first() {
        None => Some(hl),
        Some(b'+') => {
            out.push(string_field("resp.string", "String", ascii(arg), base + at, hl).hex(hdr));
            Some(hl)
        }
        Some(b'-') => {
            out.push(string_field("resp.error", "Error", ascii(arg), base + at, hl).hex(hdr));
            Some(hl)
        }
        Some(b':') => {
            let v = strtoll(arg);
            out.push(
                Node::field(
                    "resp.integer",
                    format!("Integer: {v}"),
                    v.to_string(),
                    base + at,
                    hl,
                )
                .hex(hdr),
            );
            Some(hl)
        }
        Some(b'$') => {
            let len = strtoll(arg) as i32;
            if len < 0 {
                let mut n =
                    Node::field("resp.bulk_string", "Bulk String: [NULL]", "", base + at, hl)
                        .none();
                n.push(
                    Node::field(
                        "resp.bulk_string.length",
                        format!("Length: {len}"),
                        len.to_string(),
                        base + at,
                        hl,
                    )
                    .hex(hdr),
                );
                out.push(n);
                return Some(hl);
            }
            let len = len as usize;
            let v = b.get(at + hl..at + hl + len)?;
            if at + hl + len + 2 > b.len() {
                return None;
            }
            // (The label is appended text: cut at 239 bytes with no mark.)
            let mut n = Node::field(
                "resp.bulk_string",
                format!("Bulk String: {}", ascii(v)),
                "",
                base + at,
                hl + len + 2,
            )
            .none();
            n.push(
                Node::field(
                    "resp.bulk_string.length",
                    format!("Length: {len}"),
                    len.to_string(),
                    base + at,
                    hl,
                )
                .hex(hdr),
            );
            if len > 0 {
                n.push(
                    Node::field(
                        "resp.bulk_string.value",
                        format!("Value: {}", shown_bytes(v)),
                        colon_hex(v),
                        base + at + hl,
                        len,
                    )
                    .hex(v),
                );
            }
            out.push(n);
            Some(hl + len + 2)
        }
        Some(b'*') => {
            let count = strtoll(arg);
            let title = match count {
                0 => "Array: Empty".to_string(),
                -1 => "Array: NULL".to_string(),
                c => format!("Array: Length {c}"),
            };
            let mut n = Node::field("resp.array", title, "", base + at, 0).none();
            n.push(
                Node::field(
                    "resp.array.length",
                    format!("Length: {count}"),
                    count.to_string(),
                    base + at,
                    hl,
                )
                .hex(hdr),
            );
            let mut pos = at + hl;
            if depth < MAX_DEPTH {
                let mut k = 0;
                while k < count && pos < b.len() {
                    let mut kids = Vec::new();
                    let used = element(b, pos, base, depth + 1, &mut kids)?;
                    n.children.extend(kids);
                    pos += used;
                    k += 1;
                }
                if k < count {
                    return None;
                }
            }
            n.size = (pos - at) as u32;
            out.push(n);
            Some(pos - at)
        }
        Some(_) => {
            out.push(Node::field("resp.fragment", "Fragment", "", base + at, hl).none());
            Some(hl)
        }
    }
}

/// How many bytes the messages at the start of `buf` take: all of them when every
/// message is complete, the complete ones before one that is cut off, or None.
pub(super) fn pdu_len(buf: &[u8]) -> Option<usize> {
    let mut pos = 0;
    let mut scratch = Vec::new();
    while pos < buf.len() {
        scratch.clear();
        match element(buf, pos, 0, 0, &mut scratch) {
            Some(n) => pos += n,
            None if pos > 0 => return Some(pos),
            None => return None,
        }
    }
    Some(buf.len().max(pos))
}

/// The `resp` layer of the bytes `b` at `at`.
pub(super) fn dissect(b: &[u8], at: usize, _to_server: bool) -> Vec<Node> {
    let mut n = Node::proto("resp", "REdis Serialization Protocol", at, b.len());
    let mut pos = 0;
    while pos < b.len() {
        let mut kids = Vec::new();
        let Some(used) = element(b, pos, at, 0, &mut kids) else {
            break;
        };
        n.children.extend(kids);
        pos += used;
    }
    vec![n]
}
