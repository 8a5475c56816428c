//! FTP's control connection (RFC 959) as tshark 4.0's `packet-ftp.c` shows a segment:
//! its first line parsed (a request's command and argument, a reply's code and text,
//! the address of PORT and of a PASV reply), the lines after it as text.
//!
//! Not shown: `ftp.current-working-directory` and the links to the data connection,
//! which follow the conversation's state.

use super::{flag, line_end, string, text_line, token};
use crate::query::detail::Node;

/// The `ftp` layer of a segment's payload `b`, which starts at `base` in its source.
pub(super) fn dissect(b: &[u8], base: usize, request: bool) -> Vec<Node> {
    let mut ftp = Node::proto("ftp", "File Transfer Protocol (FTP)", base, b.len());
    ftp.push(flag("ftp.request", "Request", request, base));
    ftp.push(flag("ftp.response", "Response", !request, base));
    let (len, next) = line_end(b, 0);
    let line = &b[..len];
    let mut first = text_line(&b[..next], base);
    let (arg_at, command) = if request {
        let (tlen, after) = token(line);
        if tlen > 0 {
            first.push(string(
                "ftp.request.command",
                "Request command",
                &line[..tlen],
                base,
            ));
        }
        (after, Some((tlen, &line[..tlen])))
    } else if len >= 3 && line[..3].iter().all(u8::is_ascii_digit) {
        let code = line[..3]
            .iter()
            .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
        first.push(
            Node::field(
                "ftp.response.code",
                format!(
                    "Response code: {} ({code})",
                    reply_name(code).unwrap_or("Unknown")
                ),
                code.to_string(),
                base,
                3,
            )
            .hex(&line[..3]),
        );
        (len.min(4), None)
    } else {
        (0, None)
    };
    let arg = &line[arg_at.min(len)..];
    if !arg.is_empty() {
        let (name, label) = if request {
            ("ftp.request.arg", "Request arg")
        } else {
            ("ftp.response.arg", "Response arg")
        };
        first.push(string(name, label, arg, base + arg_at));
    }
    let code = first
        .find("ftp.response.code")
        .and_then(|n| n.show.parse::<u32>().ok());
    match (command, code) {
        (Some((tlen, word)), _) if word == b"PORT" => {
            // The address is placed past the command and one space, wherever the
            // argument starts (as the dissector does).
            if let Some(a) = address(arg) {
                let at = base + a.at + tlen + 1;
                first.push(ip("ftp.active.cip", "Active IP address", &a, at));
                first.push(port(
                    "ftp.active.port",
                    "Active port",
                    &a,
                    at + a.ip_len + 1,
                ));
            }
        }
        (None, Some(227)) if !arg.is_empty() => {
            if let Some(a) = address(arg) {
                let at = base + a.at + 4;
                first.push(ip("ftp.passive.ip", "Passive IP address", &a, at));
                first.push(port(
                    "ftp.passive.port",
                    "Passive port",
                    &a,
                    at + a.ip_len + 1,
                ));
            }
        }
        _ => {}
    }
    ftp.push(first);
    let mut at = next;
    while at < b.len() {
        let (_, n) = line_end(b, at);
        ftp.push(text_line(&b[at..n], base + at));
        at = n;
    }
    vec![ftp]
}

/// An address and port written `h1,h2,h3,h4,p1,p2` (RFC 959 §4.1.2, PORT and the
/// reply to PASV).
struct Address {
    /// Where its first digit is in the argument.
    at: usize,
    ip: [u8; 4],
    ip_len: usize,
    port: u16,
    port_len: usize,
}

/// The first `h1,h2,h3,h4,p1,p2` of `arg` whose numbers are bytes (`parse_port_pasv`:
/// from each run of digits in turn).
fn address(arg: &[u8]) -> Option<Address> {
    let mut at = 0;
    while at < arg.len() {
        if !arg[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let mut nums = [0u32; 6];
        let mut ends = [0usize; 6];
        let mut p = at;
        let mut ok = true;
        for (k, n) in nums.iter_mut().enumerate() {
            let digits = arg[p..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 3 {
                ok = false;
                break;
            }
            *n = arg[p..p + digits]
                .iter()
                .fold(0, |a, &d| a * 10 + u32::from(d - b'0'));
            p += digits;
            ends[k] = p;
            if k < 5 {
                if arg.get(p) != Some(&b',') {
                    ok = false;
                    break;
                }
                p += 1;
            }
        }
        if ok && nums.iter().all(|&n| n <= 255) {
            return Some(Address {
                at,
                ip: [nums[0] as u8, nums[1] as u8, nums[2] as u8, nums[3] as u8],
                ip_len: ends[3] - at,
                port: (nums[4] << 8 | nums[5]) as u16,
                port_len: ends[5] - (ends[3] + 1),
            });
        }
        // Past this run of digits, then try the next.
        at += arg[at..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    None
}

fn ip(name: &'static str, label: &str, a: &Address, at: usize) -> Node {
    let [w, x, y, z] = a.ip;
    let v = format!("{w}.{x}.{y}.{z}");
    Node::field(name, format!("{label}: {v}"), v, at, a.ip_len)
}

fn port(name: &'static str, label: &str, a: &Address, at: usize) -> Node {
    Node::field(
        name,
        format!("{label}: {}", a.port),
        a.port.to_string(),
        at,
        a.port_len,
    )
}

/// `response_table` of `packet-ftp.c` (tshark 4.0, `tshark -G values`).
fn reply_name(code: u32) -> Option<&'static str> {
    Some(match code {
        110 => "Restart marker reply",
        120 => "Service ready in nnn minutes",
        125 => "Data connection already open; transfer starting",
        150 => "File status okay; about to open data connection",
        200 => "Command okay",
        202 => "Command not implemented, superfluous at this site",
        211 => "System status, or system help reply",
        212 => "Directory status",
        213 => "File status",
        214 => "Help message",
        215 => "NAME system type",
        220 => "Service ready for new user",
        221 => "Service closing control connection",
        225 => "Data connection open; no transfer in progress",
        226 => "Closing data connection",
        227 => "Entering Passive Mode",
        229 => "Entering Extended Passive Mode",
        230 => "User logged in, proceed",
        232 => "User logged in, authorized by security data exchange",
        234 => "Security data exchange complete",
        235 => "Security data exchange completed successfully",
        250 => "Requested file action okay, completed",
        257 => "PATHNAME created",
        331 => "User name okay, need password",
        332 => "Need account for login",
        334 => "Requested security mechanism is ok",
        335 => "Security data is acceptable, more is required",
        336 => "Username okay, need password. Challenge is ...",
        350 => "Requested file action pending further information",
        421 => "Service not available, closing control connection",
        425 => "Can't open data connection",
        426 => "Connection closed; transfer aborted",
        431 => "Need some unavailable resource to process security",
        450 => "Requested file action not taken",
        451 => "Requested action aborted: local error in processing",
        452 => "Requested action not taken. Insufficient storage space in system",
        500 => "Syntax error, command unrecognized",
        501 => "Syntax error in parameters or arguments",
        502 => "Command not implemented",
        503 => "Bad sequence of commands",
        504 => "Command not implemented for that parameter",
        522 => "Network protocol not supported",
        530 => "Not logged in",
        532 => "Need account for storing files",
        533 => "Command protection level denied for policy reasons",
        534 => "Request denied for policy reasons",
        535 => "Failed security check (hash, sequence, etc)",
        536 => "Requested PROT level not supported by mechanism",
        537 => "Command protection level not supported by security mechanism",
        550 => "Requested action not taken: File unavailable",
        551 => "Requested action aborted: page type unknown",
        552 => "Requested file action aborted: Exceeded storage allocation",
        553 => "Requested action not taken: File name not allowed",
        631 => "Integrity protected reply",
        632 => "Confidentiality and integrity protected reply",
        633 => "Confidentiality protected reply",
        _ => return None,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    /// tshark 4.0 on tests/data/tcpapps/detail.pcap, frames 14 and 15.
    #[test]
    fn pasv_and_port_addresses() {
        let n = dissect(
            b"227 Entering Passive Mode (10,0,0,2,195,80).\r\n",
            54,
            false,
        );
        let f = |name: &str| {
            let x = n[0].find(name).unwrap();
            (x.show.clone(), x.pos, x.size)
        };
        assert_eq!(f("ftp.passive.ip"), ("10.0.0.2".into(), 81, 8));
        assert_eq!(f("ftp.passive.port"), ("50000".into(), 90, 6));
        assert_eq!(f("ftp.response.code").0, "227");
        let n = dissect(b"PORT 10,0,0,1,200,10\r\n", 54, true);
        let f = |name: &str| {
            let x = n[0].find(name).unwrap();
            (x.show.clone(), x.pos, x.size)
        };
        assert_eq!(f("ftp.active.cip"), ("10.0.0.1".into(), 59, 8));
        assert_eq!(f("ftp.active.port"), ("51210".into(), 68, 6));
        assert!(address(b"(300,1,1,1,1,1) or 1,2,3,4,5,6").is_some_and(|a| a.at == 19));
        assert!(address(b"1,2,3").is_none());
    }

    /// A reply without a code, a short one, and cut input: what is whole is shown.
    #[test]
    fn odd_replies_and_cut_lines() {
        let n = dissect(b"word required\r\n", 0, false);
        assert!(n[0].find("ftp.response.code").is_none());
        assert_eq!(n[0].find("ftp.response.arg").unwrap().show, "word required");
        let n = dissect(b"12", 0, false);
        assert_eq!(n[0].find("ftp.response.arg").unwrap().show, "12");
        let n = dissect(b"999 odd\r\n", 0, false);
        assert_eq!(
            n[0].find("ftp.response.code").unwrap().showname,
            "Response code: Unknown (999)"
        );
        for cut in 0..20 {
            let b = &b"227 x (1,2,3,4,5,6)\r\nmore"[..cut];
            let _ = dissect(b, 0, false);
            let _ = dissect(b, 0, true);
        }
    }
}
