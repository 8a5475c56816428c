//! HTTP "Continuation": a segment whose bytes packet-http.c is handed and that start no
//! request or response. After a segment TCP never saw, packet-tcp.c hands each later
//! one on as it is (nothing reassembles across the hole), so every segment of a long
//! response after the hole up to the next message is one. The one rule the packet list
//! (Protocol and Info), the detail (an `http` layer, `frame.protocols` `…:http:data`)
//! and the `http` filter share ([`Apps::http_continuation`]); the filter reads only the
//! conversations the index says may hold one (`fields::http_may_continue`).

use super::super::{fed_as, Apps, Pdu};
use super::{header_field, known_header, wsp};
use crate::capture::app::AppProto;
use crate::capture::packet::PacketRow;
use crate::capture::tcp::{Kind, Severity};
use crate::capture::Capture;
use crate::ingest::wire::{self, Summary, Transport};
use crate::query::detail::{escape, expert, truncated, Group, Node};

impl Apps {
    /// Whether packet `index` (row `row`; this conversation fed up to it; `pdus` what the replay
    /// completed in it, `summary` its layers) is an HTTP Continuation as tshark 4.0 shows
    /// one: a TCP segment with payload of a conversation fed as HTTP, handed to packet-http.c
    /// (not bytes TCP had seen, an out-of-order segment or a reset's payload, which go to
    /// no dissector), that completes no PDU, is held for none (neither part of a message
    /// being gathered nor ahead of a hole in one), and comes after the start of a request
    /// or response of its conversation either way (`have_seen_http`: before that the
    /// dissector rejects the bytes and the segment is TCP's alone).
    pub(crate) fn http_continuation(
        &mut self,
        capture: &Capture,
        index: usize,
        row: &PacketRow,
        summary: &Summary,
        pdus: &[Pdu],
    ) -> bool {
        let Transport::Tcp(tcp) = summary.transport else {
            return false;
        };
        let payload = summary
            .payload
            .filter(|p| !p.reassembled)
            .map_or(0, |p| p.len);
        let unhanded = [
            Kind::Retransmission,
            Kind::FastRetransmission,
            Kind::SpuriousRetransmission,
            Kind::KeepAlive,
            Kind::ZeroWindowProbe,
            Kind::OutOfOrder,
        ];
        let unhanded = capture
            .tcp_flags_of(index)
            .is_some_and(|f| unhanded.iter().any(|k| f.contains(*k)));
        payload > 0
            && pdus.is_empty()
            && !unhanded
            && tcp.flags & wire::tcp_flags::RST == 0
            && fed_as(capture, row) == Some(AppProto::Http)
            && self.pending(index, row).is_none()
            && !self.held(index, row)
            && self.http_seen(capture, index, row)
    }

    /// Whether a request or response of packet `index`'s conversation (row `row`) began
    /// before it,
    /// either way (packet-http.c's `have_seen_http`, set once a message's head was
    /// dissected). The ingest reports a message only once its head ended, so its
    /// transactions' first packets say it whatever order packets are asked in. (A head
    /// that ends in a later segment than it starts counts from its first: a segment the
    /// other way in between is taken as after it.)
    pub(crate) fn http_seen(&mut self, capture: &Capture, index: usize, row: &PacketRow) -> bool {
        let at = index as u64;
        let apps = std::rc::Rc::clone(self.index(capture));
        apps.transactions(row.flow)
            .iter()
            .filter_map(|&t| capture.transactions.get(t as usize))
            .flat_map(|t| [t.request, t.response])
            .flatten()
            .any(|s| s.first() < at)
    }
}

/// The `http` layer packet-http.c 4.0 shows for bytes `b` (at `at` in the frame) that
/// start no message: it reads them a line at a time as header lines while they look like
/// one, and hands the rest to `data` (File Data). A line looks like a header when it
/// holds a colon and, for the first, every byte before the colon is printable (a line of
/// code indented with tabs is not one); after a header line, any line with a colon is
/// one. A header whose name is not a token is `http.unknown_header` with the expert item
/// "Illegal characters found in header name"; a line with no colon, or an empty one,
/// ends the headers (an empty one shown with them). The rest is `http.file_data` and
/// `data` (`data` alone when the bytes start with a byte not printable: the dissector
/// hands them on at once). A CR LF that starts more than 3 bytes is
/// skipped (RFC 2616's robustness rule: the last message may have had an extra one) and,
/// when a printable byte follows (else the dissector hands the rest to `data` at once),
/// flagged "Leading CRLF" (Error/Malformed); the layer starts after it.
pub(crate) fn layer(b: &[u8], at: usize) -> Node {
    let crlf = b.len() > 3 && b.starts_with(b"\r\n");
    let skip = if crlf { 2 } else { 0 };
    let mut n = Node::proto(
        "http",
        "Hypertext Transfer Protocol",
        at + skip,
        b.len() - skip,
    );
    if crlf && (0x20..0x7f).contains(&b[2]) {
        const MSG: &str = "Leading CRLF previous message in the stream may have extra CRLF";
        let mut t = Node::text(MSG, at, 2).hex(&b[..2]);
        t.push_expert("http.leading_crlf", MSG, Severity::Error, Group::Malformed);
        n.push(t);
    }
    let mut pos = skip;
    let mut seen = false;
    while pos < b.len() {
        let (end, next) = line_end(b, pos);
        let line = &b[pos..end];
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            if seen && line.is_empty() {
                // The empty line that ends the headers is theirs, not the data's.
                n.push(Node::text(escape(&b[pos..next]), at + pos, next - pos).hex(&b[pos..next]));
                pos = next;
            }
            break;
        };
        let name = &line[..colon];
        if !seen && !name.iter().all(|c| (0x20..0x7f).contains(c)) {
            break;
        }
        seen = true;
        let token = !name.is_empty() && name.iter().all(|&c| tchar(c));
        let known = std::str::from_utf8(name)
            .ok()
            .filter(|_| token)
            .and_then(header_field);
        let whole = &b[pos..next];
        match known {
            Some(f) => {
                let vstart = colon
                    + 1
                    + line[colon + 1..]
                        .iter()
                        .take_while(|&&c| c == b' ' || c == b'\t')
                        .count();
                n.push(known_header(f, b, at, (pos, end, next), vstart));
            }
            None => {
                // packet-http.c gives a well-named header its text as value, an ill-named
                // one its bytes.
                let text = escape(whole);
                let value = if token { text.clone() } else { wsp(whole) };
                let mut h = Node::field(
                    "http.unknown_header",
                    truncated(text),
                    value,
                    at + pos,
                    whole.len(),
                )
                .hex(whole);
                if !token {
                    h.push(expert(
                        "http.bad_header_name",
                        "Illegal characters found in header name",
                        Severity::Warning,
                        Group::Protocol,
                    ));
                }
                n.push(h);
            }
        }
        pos = next;
    }
    if pos < b.len() {
        let rest = &b[pos..];
        if b.get(skip).is_some_and(|c| (0x20..0x7f).contains(c)) {
            n.push(super::entity::file_data(rest, at + pos));
        }
        n.push(crate::query::detail::data::layer(rest, at + pos));
    }
    n
}

/// Where the line at `pos` of `b` ends and the next begins, as `tvb_find_line_end`
/// finds them when it may not ask for more: at a CR LF, a lone LF or a lone CR; the
/// rest of `b` when no line ends in it.
fn line_end(b: &[u8], pos: usize) -> (usize, usize) {
    match b[pos..].iter().position(|&c| c == b'\r' || c == b'\n') {
        Some(i) => {
            let e = pos + i;
            let crlf = b[e] == b'\r' && b.get(e + 1) == Some(&b'\n');
            (e, e + 1 + usize::from(crlf))
        }
        None => (b.len(), b.len()),
    }
}

/// A character of a token (RFC 9110 §5.6.2), which a header's name is.
fn tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod test {
    use super::*;

    /// The header items (the File Data and `data` after them aside).
    fn names(n: &Node) -> Vec<(String, u32, u32, bool)> {
        n.children
            .iter()
            .filter(|c| !matches!(c.name.as_ref(), "data" | "http.file_data"))
            .map(|c| {
                let bad = c.children.iter().any(|e| e.name == "_ws.expert");
                (c.name.to_string(), c.pos, c.size, bad)
            })
            .collect()
    }

    /// The lines of frames 493, 548, 538 and 494 of PcapPlusPlus's http-packets.pcap,
    /// as tshark 4.0 shows them (after a lost segment, in a JavaScript body).
    #[test]
    fn header_lines_as_packet_http_reads_them() {
        let unk = "http.unknown_header".to_string();
        // A first line with a colon, its name not a token: a header, flagged.
        let b = b"eason' : 'config: ' + chk };\r\n\t\t\t\treturn false;\n";
        assert_eq!(names(&layer(b, 54)), [(unk.clone(), 54, 30, true)]);
        // The rest is data (frame 493: 18 bytes at 84).
        let data = layer(b, 54).children.pop().expect("data");
        assert_eq!((data.name.as_ref(), data.pos, data.size), ("data", 84, 18));
        // Indented with tabs: not printable, no header.
        assert!(names(&layer(b"\t\twidth: 1,\n\t\tx: 2\n", 0)).is_empty());
        // After a header, a line with a colon is one whatever its name.
        let b = b"ht: el.outerHeight() } : {\n\t\tthis.x = { left: 1 };\n\t\tfoo();\n";
        assert_eq!(
            names(&layer(b, 0)),
            [(unk.clone(), 0, 27, false), (unk.clone(), 27, 24, true)]
        );
        // No colon in the first line, or an empty one: no header at all; File Data
        // before the data when the bytes start printable (frame 494), not otherwise
        // (frame 492).
        let n = layer(b" i, j, k, l, p;\r\n\r\nx: 1\r\n", 0);
        assert!(names(&n).is_empty());
        let kids: Vec<&str> = n.children.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(kids, ["http.file_data", "data"]);
        assert!(names(&layer(b"\nobj: 1\n", 0)).is_empty());
        // An empty first line ends no headers: all of it is data (frame 492).
        let n = layer(b"\nobj: 1\n", 0);
        assert_eq!(
            (n.children.len(), n.children[0].pos, n.children[0].size),
            (1, 0, 8)
        );
        // A name Wireshark knows is its field.
        let b = b"Host: a.test\r\nrest";
        assert_eq!(names(&layer(b, 0))[0].0, "http.host");
        assert_eq!(layer(b, 0).size as usize, b.len());
    }

    /// Frame 718 of PcapPlusPlus's http-packets.pcap, as tshark 4.0 shows it: the layer
    /// after the CR LF, which is flagged with the hidden `_ws.malformed` beside its item.
    #[test]
    fn leading_crlf_is_skipped_and_flagged() {
        let n = layer(b"\r\n        }\n", 54);
        assert_eq!((n.pos, n.size), (56, 10));
        let t = &n.children[0];
        assert_eq!((t.pos, t.size, t.name.as_ref()), (54, 2, ""));
        let kids: Vec<&str> = t.children.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(kids, ["_ws.expert", "_ws.malformed"]);
        // Three bytes or fewer: no leading CR LF.
        assert_eq!(names(&layer(b"\r\nx", 0)).len(), 0);
        // A tab after it (frame 528): skipped, not flagged.
        let n = layer(b"\r\n\t\t\"blur\" : 1\r\n", 54);
        assert_eq!((n.pos, names(&n).len()), (56, 0));
    }
}
