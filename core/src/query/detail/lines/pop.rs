//! POP3 (RFC 1939) as tshark 4.0's `packet-pop.c` shows a segment: a request's command
//! and parameter; a reply's status indicator and description, and the lines of a
//! multi-line reply after its first.
//!
//! A server segment that starts with neither `+OK` nor `-ERR` continues a multi-line
//! reply (a message RETR fetched), which the dissector gathers with state it keeps from
//! the command: it is not worded here.

use super::{ascii, escape, line_end, string, token};
use crate::query::detail::Node;

/// The `pop` layer of a segment's payload `b`, which starts at `base` in its source;
/// None for a continuation of a reply.
pub(super) fn dissect(b: &[u8], base: usize, request: bool) -> Option<Vec<Node>> {
    if continues(b, request) {
        return None;
    }
    let (len, next) = line_end(b, 0);
    let line = &b[..len];
    let mut pop = Node::proto("pop", "Post Office Protocol", base, b.len());
    let (name, word, rest) = if request {
        (
            "pop.request",
            ("pop.request.command", "Request command"),
            ("pop.request.parameter", "Request parameter"),
        )
    } else {
        (
            "pop.response",
            ("pop.response.indicator", "Response indicator"),
            ("pop.response.description", "Response description"),
        )
    };
    let mut first = whole_line(name, &b[..next], base);
    let (tlen, after) = token(line);
    if tlen > 0 {
        first.push(string(word.0, word.1, &line[..tlen], base));
    }
    if after < len {
        first.push(string(rest.0, rest.1, &line[after..], base + after));
    }
    pop.push(first);
    let data = if request {
        "pop.request.data"
    } else {
        "pop.response.data"
    };
    let mut at = next;
    while at < b.len() {
        let (_, n) = line_end(b, at);
        pop.push(whole_line(data, &b[at..n], base + at));
        at = n;
    }
    Some(vec![pop])
}

/// Whether a segment's payload `b` continues a multi-line reply: from the server, and
/// starting with neither status indicator.
pub(super) fn continues(b: &[u8], request: bool) -> bool {
    !(request || b.starts_with(b"+OK") || b.starts_with(b"-ERR"))
}

/// A line as the dissector adds it: a string field with no value, the line its text.
fn whole_line(name: &'static str, b: &[u8], pos: usize) -> Node {
    Node::field(name, escape(ascii(b).as_bytes()), "", pos, b.len()).hex(b)
}

#[cfg(test)]
mod test {
    use super::*;

    /// tshark 4.0 on tests/data/tcpapps/detail.pcap, frame 53.
    #[test]
    fn a_multi_line_reply() {
        let n = dissect(b"+OK 2 messages\r\n1 120\r\n.\r\n", 54, false).unwrap();
        let r = n[0].find("pop.response").unwrap();
        assert_eq!((r.showname.as_str(), r.size), ("+OK 2 messages\\r\\n", 16));
        assert_eq!(n[0].find("pop.response.description").unwrap().pos, 58);
        let data: Vec<_> = n[0]
            .children
            .iter()
            .filter(|c| c.name == "pop.response.data")
            .map(|c| (c.showname.as_str(), c.pos))
            .collect();
        assert_eq!(data, [("1 120\\r\\n", 70), (".\\r\\n", 77)]);
        assert!(dissect(b"Subject: x\r\n", 0, false).is_none());
        let n = dissect(b"PA", 0, true).unwrap();
        assert_eq!(n[0].find("pop.request.command").unwrap().show, "PA");
        assert!(n[0].find("pop.request.parameter").is_none());
    }
}
