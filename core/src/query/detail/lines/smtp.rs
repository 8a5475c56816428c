//! SMTP (RFC 5321) as tshark 4.0's `packet-smtp.c` shows a segment's lines: each
//! command line with its command (the line's first four bytes) and parameter (from the
//! sixth); each reply with its code and text, the lines of a multi-line reply (`250-`)
//! adding their text to the reply they continue.

use super::{escape, flag, line_end, string};
use crate::query::detail::Node;

/// The `smtp` layer of a segment's payload `b`, which starts at `base` in its source,
/// and the packet list's Info of it: `C: ` or `S: ` and its lines joined by ` | `, a
/// reply's lines after its first without their code (a line with no code adds nothing).
pub(super) fn dissect(b: &[u8], base: usize, request: bool) -> (Vec<Node>, String) {
    let mut smtp = Node::proto("smtp", "Simple Mail Transfer Protocol", base, b.len());
    if !request {
        smtp.push(flag("smtp.rsp", "Response", true, base));
    }
    let mut info = String::from(if request { "C: " } else { "S: " });
    let mut at = 0;
    // The reply being continued (its line ended with `-` after the code).
    let mut continued = false;
    // The same, as the Info counts it: only lines with a code change it.
    let mut info_continued = false;
    while at < b.len() {
        let (len, next) = line_end(b, at);
        let line = &b[at..at + len];
        let whole = &b[at..next];
        let pos = base + at;
        if at > 0 {
            info.push_str(" | ");
        }
        if request {
            info.push_str(&escape(line));
        } else if len >= 3 && line[..3].iter().all(u8::is_ascii_digit) {
            let shown = if len >= 4 && info_continued {
                &line[4..]
            } else {
                line
            };
            info.push_str(&escape(shown));
            info_continued = line.get(3) == Some(&b'-');
        }
        if request {
            smtp.push(flag("smtp.req", "Request", true, base));
            let mut n = line_field("smtp.command_line", "Command Line", whole, pos);
            n.push(string(
                "smtp.req.command",
                "Command",
                &line[..len.min(4)],
                pos,
            ));
            if len > 5 {
                n.push(string(
                    "smtp.req.parameter",
                    "Request parameter",
                    &line[5..],
                    pos + 5,
                ));
            }
            smtp.push(n);
        } else {
            if !continued {
                let mut n = line_field("smtp.response", "Response", whole, pos);
                if len >= 3 && line[..3].iter().all(u8::is_ascii_digit) {
                    let code = line[..3]
                        .iter()
                        .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
                    n.push(
                        Node::field(
                            "smtp.response.code",
                            format!(
                                "Response code: {} ({code})",
                                reply_name(code).unwrap_or("Unknown")
                            ),
                            code.to_string(),
                            pos,
                            3,
                        )
                        .hex(&line[..3]),
                    );
                }
                smtp.push(n);
            }
            if len > 4 {
                if let Some(reply) = smtp.children.last_mut() {
                    reply.push(string(
                        "smtp.rsp.parameter",
                        "Response parameter",
                        &line[4..],
                        pos + 4,
                    ));
                }
            }
            continued = line.get(3) == Some(&b'-');
        }
        at = next;
    }
    (vec![smtp], info)
}

/// A line as a string field whose value keeps its line end (`smtp.command_line`,
/// `smtp.response`).
fn line_field(name: &'static str, label: &str, b: &[u8], pos: usize) -> Node {
    let v = String::from_utf8_lossy(b).into_owned();
    Node::field(name, format!("{label}: {}", escape(b)), v, pos, b.len()).hex(b)
}

/// `response_codes_vs` of `packet-smtp.c` (tshark 4.0, `tshark -G values`).
fn reply_name(code: u32) -> Option<&'static str> {
    Some(match code {
        211 => "System status, or system help reply",
        214 => "Help message",
        220 => "<domain> Service ready",
        221 => "<domain> Service closing transmission channel",
        235 => "Authentication successful",
        250 => "Requested mail action okay, completed",
        251 => "User not local; will forward to <forward-path>",
        252 => "Cannot VRFY user, but will accept message and attempt delivery",
        334 => "AUTH input",
        354 => "Start mail input; end with <CRLF>.<CRLF>",
        421 => "<domain> Service not available, closing transmission channel",
        432 => "A password transition is needed",
        450 => "Requested mail action not taken: mailbox unavailable",
        451 => "Requested action aborted: local error in processing",
        452 => "Requested action not taken: insufficient system storage",
        454 => "Temporary authentication failed",
        500 => "Syntax error, command unrecognized",
        501 => "Syntax error in parameters or arguments",
        502 => "Command not implemented",
        503 => "Bad sequence of commands",
        504 => "Command parameter not implemented",
        530 => "Authentication required",
        534 => "Authentication mechanism is too weak",
        535 => "Authentication credentials invalid",
        538 => "Encryption required for requested authentication mechanism",
        550 => "Requested action not taken: mailbox unavailable",
        551 => "User not local; please try <forward-path>",
        552 => "Requested mail action aborted: exceeded storage allocation",
        553 => "Requested action not taken: mailbox name not allowed",
        554 => "Transaction failed",
        _ => return None,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    /// tshark 4.0 on tests/data/tcpapps/detail.pcap, frames 32 and 38.
    #[test]
    fn multi_line_replies_and_two_commands() {
        let (n, info) = dissect(b"250-mail\r\n250-SIZE 1000\r\n250 OK\r\n", 54, false);
        assert_eq!(info, "S: 250-mail | SIZE 1000 | OK");
        let replies: Vec<_> = n[0]
            .children
            .iter()
            .filter(|c| c.name == "smtp.response")
            .collect();
        assert_eq!(replies.len(), 1);
        let params: Vec<_> = replies[0]
            .children
            .iter()
            .filter(|c| c.name == "smtp.rsp.parameter")
            .map(|c| (c.show.as_str(), c.pos))
            .collect();
        assert_eq!(params, [("mail", 58), ("SIZE 1000", 68), ("OK", 83)]);
        let (n, info) = dissect(b"NOOP\r\nSTARTTLS\r\n", 54, true);
        assert_eq!(info, "C: NOOP | STARTTLS");
        let cmds: Vec<_> = n[0]
            .children
            .iter()
            .filter_map(|c| c.find("smtp.req.command"))
            .map(|c| c.show.as_str())
            .collect();
        assert_eq!(cmds, ["NOOP", "STAR"]);
        assert_eq!(n[0].find("smtp.req.parameter").unwrap().show, "TLS");
        for cut in 0..12 {
            let _ = dissect(&b"250-a\r\n250 b\r\n"[..cut], 0, false);
        }
    }
}
