//! IMAP (RFC 3501) as tshark 4.0's `packet-imap.c` shows a segment's lines: a request's
//! tag, command (after `UID`) and, for LOGIN and SELECT, its first arguments; a tagged
//! reply's tag, status and the word after it. An untagged reply (`*`, `+`) is its line
//! alone.
//!
//! A LOGIN's password is shown as the dissector reads it, without its first and last
//! bytes (it takes them for quotes); one shorter than two bytes makes it throw, which
//! ends the layer there (and TCP then adds no tree of the segments it gathered).
//!
//! Not shown: `imap.response_to`, `imap.response_in` and `imap.time`, which pair a
//! reply with its request across the conversation.

use super::{ascii, escape, flag, line_end, string, token};
use crate::query::detail::Node;

/// A segment's IMAP lines as the dissector shows them.
pub(super) struct Dissected {
    /// The `imap` layer.
    pub nodes: Vec<Node>,
    /// The dissector threw (see above).
    pub threw: bool,
    /// The line the packet list's Info shows (without its end): the first request or
    /// tagged reply, else the first line.
    pub info: std::ops::Range<usize>,
}

/// The `imap` layer of a segment's payload `b`, which starts at `base` in its source.
pub(super) fn dissect(b: &[u8], base: usize, request: bool) -> Dissected {
    let mut imap = Node::proto("imap", "Internet Message Access Protocol", base, b.len());
    imap.push(flag("imap.isrequest", "Request", request, base));
    let mut info = 0..line_end(b, 0).0;
    let mut info_set = false;
    let mut at = 0;
    while at < b.len() {
        let (len, next) = line_end(b, at);
        let line = &b[at..at + len];
        let pos = base + at;
        let v = ascii(&b[at..next]);
        let mut n = Node::field(
            "imap.line",
            format!("Line: {}", escape(v.as_bytes())),
            v,
            pos,
            next - at,
        )
        .hex(&b[at..next]);
        let words = words(line);
        let tagged = words
            .first()
            .is_some_and(|&(s, e)| &line[s..e] != b"*" && &line[s..e] != b"+");
        if (request || tagged) && !info_set {
            info = at..at + len;
            info_set = true;
        }
        let threw = (request || tagged) && !fields(&mut n, line, &words, pos, request);
        imap.push(n);
        if threw {
            return Dissected {
                nodes: vec![imap],
                threw,
                info,
            };
        }
        at = next;
    }
    Dissected {
        nodes: vec![imap],
        threw: false,
        info,
    }
}

/// The words of a line: (start, end) of each, split at runs of spaces.
fn words(line: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let (len, next) = token(&line[at..]);
        if len > 0 {
            out.push((at, at + len));
        }
        if next == 0 {
            break;
        }
        at += next;
    }
    out
}

/// The fields of a request or a tagged reply; false where the dissector throws.
fn fields(n: &mut Node, line: &[u8], words: &[(usize, usize)], pos: usize, request: bool) -> bool {
    let word = |k: usize| words.get(k).map(|&(s, e)| (&line[s..e], pos + s));
    let (whole, tag_name, tag_label) = if request {
        ("imap.request", "imap.request_tag", "Request Tag")
    } else {
        ("imap.response", "imap.response_tag", "Response Tag")
    };
    let label = if request { "Request" } else { "Response" };
    n.push(string(whole, label, line, pos));
    let Some((tag, at)) = word(0) else {
        return true;
    };
    n.push(string(tag_name, tag_label, tag, at));
    n.push(string("imap.tag", "Tag", tag, at).hide());
    if !request {
        if let Some((status, at)) = word(1) {
            n.push(string(
                "imap.response.status",
                "Response Status",
                status,
                at,
            ));
        }
        if let Some((command, at)) = word(2) {
            n.push(string(
                "imap.response.command",
                "Response Command",
                command,
                at,
            ));
            n.push(string("imap.command", "Command", command, at).hide());
        }
        return true;
    }
    let Some((first, first_at)) = word(1) else {
        return true;
    };
    let uid = first.eq_ignore_ascii_case(b"UID");
    let (command, args) = if uid {
        let mut u = Node::field(
            "imap.request.command.uid",
            "Request isUID: True",
            "1",
            first_at,
            first.len(),
        )
        .hex(first);
        u.value = Some("01".into());
        n.push(u);
        (word(2), 3)
    } else {
        (Some((first, first_at)), 2)
    };
    if let Some((command, at)) = command {
        n.push(string(
            "imap.request.command",
            "Request Command",
            command,
            at,
        ));
    }
    // The hidden command is the word after the tag, `UID` included.
    n.push(string("imap.command", "Command", first, first_at).hide());
    if let Some((command, _)) = command {
        if command.eq_ignore_ascii_case(b"LOGIN") {
            if let Some((user, at)) = word(args) {
                n.push(string(
                    "imap.request.username",
                    "Request Username",
                    user,
                    at,
                ));
            }
            if let Some((pass, at)) = word(args + 1) {
                if pass.len() < 2 {
                    return false;
                }
                let v = super::ascii(&pass[1..pass.len() - 1]);
                n.push(
                    Node::field(
                        "imap.request.password",
                        format!("Request Password: {}", super::escape(v.as_bytes())),
                        v,
                        at,
                        pass.len(),
                    )
                    .hex(pass),
                );
            }
        } else if command.eq_ignore_ascii_case(b"SELECT") {
            if let Some((folder, at)) = word(args) {
                n.push(string("imap.request.folder", "Request Folder", folder, at));
            }
        }
    }
    true
}

#[cfg(test)]
mod test {
    use super::*;

    /// tshark 4.0 on tests/data/tcpapps/detail.pcap, frames 63 and 64.
    #[test]
    fn tagged_untagged_and_uid() {
        let b = b"* 1 EXISTS\r\na2 OK [READ-WRITE] SELECT done\r\n";
        let Dissected { nodes: n, info, .. } = dissect(b, 54, false);
        // tshark's Info: `Response: a2 OK [READ-WRITE] SELECT done`.
        assert_eq!(&b[info], b"a2 OK [READ-WRITE] SELECT done");
        let lines: Vec<_> = n[0]
            .children
            .iter()
            .filter(|c| c.name == "imap.line")
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].children.is_empty());
        let c = lines[1].find("imap.response.command").unwrap();
        assert_eq!((c.show.as_str(), c.pos), ("[READ-WRITE]", 72));
        let n = dissect(b"a3 UID FETCH 1 (FLAGS)\r\n", 54, true).nodes;
        let f = |name: &str| n[0].find(name).map(|x| (x.show.clone(), x.pos));
        assert_eq!(f("imap.request.command"), Some(("FETCH".into(), 61)));
        assert_eq!(f("imap.command"), Some(("UID".into(), 57)));
        assert_eq!(f("imap.request.command.uid"), Some(("1".into(), 57)));
        // tshark 4.0 on detail.pcap's frame 60 and lines.pcap's frame 50.
        let Dissected {
            nodes: n, threw, ..
        } = dissect(b"a1 LOGIN user pass\r\n", 54, true);
        let p = n[0].find("imap.request.password").unwrap();
        assert_eq!(
            (p.show.as_str(), p.pos, p.size, threw),
            ("as", 68, 4, false)
        );
        let Dissected {
            nodes: n, threw, ..
        } = dissect(b"a1 LOGIN a b\r\n", 0, true);
        assert!(threw && n[0].find("imap.request.username").is_some());
        for cut in 0..16 {
            let _ = dissect(&b"a1 LOGIN  u p\r\nx"[..cut], 0, true);
        }
    }
}
