//! Protocol and Info of the application layer, worded as Wireshark 4.0's dissectors
//! word them (packet-http.c, packet-memcache.c, packet-resp.c, packet-mysql.c,
//! packet-dns.c, packet-tls.c), from the PDUs a packet completes: the same PDUs, cut
//! from the same reassembled streams, that the packet detail shows.

use crate::capture::app::AppProto;
use crate::query::detail::{
    memcache_opcode, mysql_command, tls_alert_desc, tls_alert_level, tls_message_name, MysqlKind,
    Pdu,
};
use crate::query::fields::pdu::http::body::{head_fields, message_body};
pub(crate) use crate::query::fields::value::format_text as text;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

mod media;

/// Protocol and Info of the PDUs a packet completes (all of one protocol). `port`: the
/// well-known port of the datagram's DNS flavour (mDNS 5353, LLMNR 5355), if any.
pub(super) fn complete(pdus: &[Pdu], port: Option<u16>) -> Option<(String, String)> {
    let first = pdus.first()?;
    let mut protocol = String::new();
    let mut info = String::new();
    match first.proto() {
        AppProto::Http => {
            protocol.push_str("HTTP");
            for p in pdus {
                let (proto, text) = http(p.bytes(), true);
                if let Some(proto) = proto {
                    protocol = proto;
                }
                info.push_str(&text);
            }
        }
        AppProto::Memcache => {
            protocol.push_str("MEMCACHE");
            for p in pdus {
                info.push_str(&memcache_call(p.bytes(), p.to_server()));
            }
        }
        AppProto::Redis => {
            protocol.push_str("RESP");
            info.push_str(resp_prefix(first.to_server()));
            for p in pdus {
                resp(p.bytes(), first.to_server(), &mut info);
            }
        }
        AppProto::Mysql => {
            // Each PDU rewrites the Info column, so the last one's stays; the head of a
            // result set fences what it wrote first.
            protocol.push_str("MySQL");
            let last = pdus.last().unwrap_or(first);
            let text = |p: &Pdu| mysql(p.bytes(), p.mysql(), p.to_server());
            info = if first.mysql() == MysqlKind::ColumnCount && pdus.len() > 1 {
                format!("{} {}", text(first), text(last))
            } else {
                text(last)
            };
        }
        AppProto::Dns => {
            protocol.push_str(match port {
                Some(5353) => "MDNS",
                Some(5355) => "LLMNR",
                _ => "DNS",
            });
            for p in pdus {
                let b = p.bytes();
                // Over TCP a DNS message has a two-byte length first (RFC 1035 §4.2.2).
                let msg = if is_tcp_dns(b) { &b[2..] } else { b };
                info.push_str(&dns(msg, port == Some(5353)));
            }
        }
        AppProto::Tls => {
            let mut names: Vec<String> = Vec::new();
            let mut version = 0;
            for p in pdus {
                if let Some((v, name)) = tls(p.bytes(), p.encrypted()) {
                    version = version.max(v);
                    match p.opened() {
                        Some((ct, plain)) => names.extend(tls_opened(ct, plain)),
                        None => names.push(name),
                    }
                }
            }
            if names.is_empty() {
                return None;
            }
            protocol = tls_version(version).into();
            info = names.join(", ");
        }
        // No PDUs of these are cut for the detail yet: TCP's (UDP's) line stays.
        AppProto::Http2 | AppProto::Pgsql | AppProto::Quic => return None,
    }
    Some((protocol, info))
}

/// What a dissector writes into Info before it asks TCP for more bytes: for the first
/// segment of a PDU not complete yet. None when it writes nothing (the segment then
/// shows its TCP line).
pub(super) fn partial(proto: AppProto, bytes: &[u8], to_server: bool) -> Option<String> {
    match proto {
        // packet-http.c writes the start line once it has it, before it asks for the
        // rest of the head or the body.
        AppProto::Http if line_end(bytes).is_some() => {
            let line = first_line(bytes);
            starts_http(line).then(|| format!("{} ", text(line)))
        }
        AppProto::Redis => {
            let mut info = resp_prefix(to_server).to_owned();
            resp(bytes, to_server, &mut info);
            info.push_str(" [continuation]");
            Some(info)
        }
        // packet-tls.c clears the Info before it asks TCP for the rest of a record
        // (zeek's tls1.2.pcap, frame 16).
        AppProto::Tls => Some(String::new()),
        _ => None,
    }
}

/// Whether TCP hands the dissector a PDU not complete yet again when more of it comes,
/// given the bytes of it that came before: when the dissector could not say how long
/// the PDU is (`DESEGMENT_ONE_MORE_SEGMENT`). When it could, the segments in between go
/// to nobody and show their TCP line.
pub(super) fn called_again(proto: AppProto, before: &[u8]) -> bool {
    if before.is_empty() {
        return true;
    }
    match proto {
        // packet-http.c knows the length once the head is complete, unless the body is
        // chunked. A body with a Content-Type and no length runs to the end of the
        // connection: req_resp_hdrs.c asks TCP for everything up to the FIN
        // (DESEGMENT_UNTIL_FIN), and the dissector is called again only then.
        AppProto::Http => match find(before, b"\r\n\r\n") {
            None => true,
            Some(end) => {
                let field = head_fields(&before[..end]);
                field("transfer-encoding").is_some_and(|t| t == "chunked")
                    || field("content-length").is_none() && field("content-type").is_none()
            }
        },
        // packet-resp.c asks for the exact bytes of a top-level bulk string only; an
        // array asks for one more segment, from its start.
        AppProto::Redis => !(before.starts_with(b"$") && before.contains(&b'\n')),
        _ => false,
    }
}

/// How many first bytes of a PDU, `b` its first bytes, say its Protocol and Info
/// ([`complete`]) whatever its other bytes, as long as they make it longer (more than
/// `b` holds: more must come to say): None when those read them all (a body decoded
/// from gzip or deflate first; a PNG, whose chunks packet-png.c walks to the end).
pub(crate) fn info_len(proto: AppProto, b: &[u8]) -> Option<usize> {
    match proto {
        // The command or reply line, or the binary header (the length it says comes
        // from there).
        AppProto::Memcache => Some(match b.first() {
            Some(0x80 | 0x81) => 24,
            _ => find(b, b"\r\n").map_or(b.len() + 1, |e| e + 2),
        }),
        AppProto::Http => {
            let Some(h) = find(b, b"\r\n\r\n").map(|e| e + 4) else {
                return Some(b.len() + 1);
            };
            let field = head_fields(&b[..h]);
            if field("content-encoding").is_some() {
                return None;
            }
            // The body's dissectors read its first bytes (an image's signature in 20,
            // an XML declaration in text longer than 38) and its length: of a chunked
            // body, the first chunk's data, which must hold them.
            const READ: usize = 39;
            let data = if field("transfer-encoding").is_some_and(|t| t == "chunked") {
                let Some(eol) = find(&b[h..], b"\r\n").map(|e| h + e) else {
                    return Some(b.len() + 1);
                };
                let line = std::str::from_utf8(&b[h..eol]).ok()?;
                let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
                if size < READ {
                    return None;
                }
                eol + 2
            } else {
                h
            };
            let png = b
                .get(data..)
                .is_some_and(|d| d.starts_with(b"\x89PNG\r\n\x1a\n"));
            (!png).then_some(data + READ)
        }
        _ => None,
    }
}

/// Protocol and Info of payload that is not the start of a PDU (bytes after a lost
/// segment, a reply the dissector does not know).
pub(super) fn continuation(proto: AppProto) -> Option<(&'static str, &'static str)> {
    match proto {
        AppProto::Http => Some(("HTTP", "Continuation")),
        AppProto::Memcache => Some(("MEMCACHE", "MEMCACHE Continuation")),
        _ => None,
    }
}

fn find(b: &[u8], pat: &[u8]) -> Option<usize> {
    b.windows(pat.len()).position(|w| w == pat)
}

/// Where the first line of `b` ends, as `tvb_find_line_end` finds it when it may ask
/// for more bytes: at the first LF, CR LF or CR, except a CR that ends `b` (an LF may
/// follow in the next segment). None when no line ends in `b`.
fn line_end(b: &[u8]) -> Option<usize> {
    let at = b.iter().position(|&c| c == b'\r' || c == b'\n')?;
    (b[at] == b'\n' || at + 1 < b.len()).then_some(at)
}

/// The bytes up to the first CR or LF.
fn first_line(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .unwrap_or(b.len());
    &b[..end]
}

/// The Info of an SSDP datagram: its start line, as packet-http.c writes an HTTP
/// message's, when the datagram starts with a request line (`NOTIFY * HTTP/1.1`,
/// `M-SEARCH * HTTP/1.1`) or a status line; None for other bytes, which it leaves to UDP.
pub(super) fn ssdp(b: &[u8]) -> Option<String> {
    crate::query::fields::udp::ssdp_line(b).map(|line| format!("{} ", text(line)))
}

/// Whether an HTTP PDU's bytes start a request or response (else packet-http.c calls
/// them a continuation).
pub(super) fn starts_message(b: &[u8]) -> bool {
    starts_http(first_line(b))
}

fn starts_http(line: &[u8]) -> bool {
    use crate::ingest::app::HTTP_METHODS;
    line.starts_with(b"HTTP/") || HTTP_METHODS.iter().any(|m| line.starts_with(m))
}

/// An HTTP message (RFC 9112): its start line, and what the dissector of its body adds
/// (`media`): the Protocol column when the body changes it (`HTTP/XML`, `OCSP`), and
/// the Info text of the message.
fn http(b: &[u8], _complete: bool) -> (Option<String>, String) {
    let line = first_line(b);
    if !starts_http(line) {
        return (None, "Continuation".into());
    }
    let mut info = format!("{} ", text(line));
    let Some(head) = find(b, b"\r\n\r\n").map(|p| p + 4) else {
        return (None, info);
    };
    let (media, body) = message_body(b, head);
    let (media, body) = (media.as_deref(), &body[..]);
    let cols = media::body_columns(media, body);
    if cols.own {
        return (cols.protocol.map(str::to_owned), cols.info);
    }
    info.push_str(&cols.info);
    (cols.protocol.map(|p| format!("HTTP/{p}")), info)
}

/// What one call of packet-memcache.c writes for the messages it dissects (the fields
/// dissector tells where each begins): a text message appends its line, a binary one
/// rewrites the column, so the last stays.
fn memcache_call(b: &[u8], to_server: bool) -> String {
    let starts = crate::query::fields::pdu::memcache::starts(b);
    match (starts.last(), b.first()) {
        (None, _) => memcache(b, to_server),
        (Some(&last), Some(0x80 | 0x81)) => memcache(&b[last..], to_server),
        _ => starts
            .iter()
            .map(|&s| memcache(&b[s..], to_server))
            .collect(),
    }
}

/// A memcached message: a binary packet's opcode and direction, or a text line that starts
/// with a command or a reply keyword (anything else is a continuation).
fn memcache(b: &[u8], to_server: bool) -> String {
    match b.first() {
        Some(&magic @ (0x80 | 0x81)) if b.len() >= 24 => {
            let dir = if magic == 0x80 { "Request" } else { "Response" };
            let mut info = match memcache_opcode(u64::from(b[1])) {
                Some(name) => format!("{name} {dir}"),
                None => format!("Unknown opcode ({}) {dir}", b[1]),
            };
            let status = u16::from_be_bytes([b[6], b[7]]);
            if magic == 0x81 && status != 0 {
                let _ = match memcache_status(status) {
                    Some(s) => write!(info, " ({s})"),
                    None => write!(info, " (Unknown status: {status})"),
                };
            }
            info
        }
        _ => {
            let line = first_line(b);
            let word = line.split(|&c| c == b' ').next().unwrap_or(&[]);
            // The commands and replies packet-memcache.c (4.0) knows.
            const REQUESTS: [&[u8]; 15] = [
                b"get",
                b"gets",
                b"set",
                b"add",
                b"replace",
                b"append",
                b"prepend",
                b"cas",
                b"incr",
                b"decr",
                b"delete",
                b"stats",
                b"flush_all",
                b"version",
                b"quit",
            ];
            const REPLIES: [&[u8]; 10] = [
                b"STORED",
                b"NOT_STORED",
                b"EXISTS",
                b"NOT_FOUND",
                b"VALUE",
                b"END",
                b"DELETED",
                b"OK",
                b"STAT",
                b"VERSION",
            ];
            let known = if to_server {
                &REQUESTS[..]
            } else {
                &REPLIES[..]
            };
            if known.contains(&word) {
                format!("{} ", text(line))
            } else {
                "MEMCACHE Continuation".into()
            }
        }
    }
}

/// packet-memcache.c's names of the binary response statuses (4.0 has no name for 6).
fn memcache_status(s: u16) -> Option<&'static str> {
    Some(match s {
        0x01 => "Key not found",
        0x02 => "Key exists",
        0x03 => "Value too big",
        0x04 => "Invalid arguments",
        0x05 => "Item not stored",
        0x81 => "Unknown command",
        0x82 => "Out of memory",
        _ => return None,
    })
}

fn resp_prefix(to_server: bool) -> &'static str {
    if to_server {
        "Request:"
    } else {
        "Response:"
    }
}

/// Bulk strings this long or longer show as their length (`BULK_STRING_MAX_DISPLAY`).
const BULK_STRING_MAX_DISPLAY: i64 = 100;

/// The Info items of RESP messages (packet-resp.c): a request's command words (the bulk
/// strings of its top-level array), a response's top-level values; errors and lines of
/// unknown types always. Stops where the bytes end.
fn resp(b: &[u8], to_server: bool, info: &mut String) {
    let mut at = 0;
    // Elements left in each enclosing array.
    let mut nest: Vec<i64> = Vec::new();
    while at < b.len() {
        let Some(len) = b[at..].iter().position(|&c| c == b'\r' || c == b'\n') else {
            return;
        };
        let line = &b[at..at + len];
        let depth = nest.len();
        let mut next = at + len + 2;
        match line.first() {
            // An empty line: two bytes skipped, and it counts as an element.
            None => {}
            Some(b'+') if !to_server && depth == 0 => sep(info, &resp_text(&line[1..])),
            Some(b'-') => {
                let _ = write!(info, " Error: {}", resp_text(&line[1..]));
            }
            Some(b':') if !to_server && depth == 0 => {
                let _ = write!(info, " {}", strtoll(&line[1..]));
            }
            // Strings and integers inside arrays, or in requests, show nothing.
            Some(b'+' | b':') => {}
            Some(b'$') => {
                let n = strtoll(&line[1..]);
                if n >= 0 {
                    // The value and its CRLF, or the message is cut here.
                    if b.len() < next + n as usize + 2 {
                        return;
                    }
                    let v = &b[next..next + n as usize];
                    next += n as usize + 2;
                    let ascii = v.iter().all(|c| c.is_ascii()) && !v.contains(&0);
                    if !ascii {
                        if depth == 0 {
                            let _ = write!(info, " BulkString({n})");
                        }
                    } else if to_server && depth == 1 || !to_server && depth == 0 {
                        if n < BULK_STRING_MAX_DISPLAY {
                            sep(info, &resp_text(v));
                        } else {
                            let _ = write!(info, " BulkString({n})");
                        }
                    } else if depth == 0 {
                        let _ = write!(info, " BulkString({n})");
                    }
                }
            }
            Some(b'*') => {
                let n = strtoll(&line[1..]);
                if n > 0 {
                    if !to_server && depth == 0 {
                        let _ = write!(info, " Array({n})");
                    }
                    // Deeper arrays are not entered: their elements count as the
                    // enclosing array's (packet-resp.c `MAX_ARRAY_DEPTH_TO_RECURSE`).
                    if depth <= 30 {
                        at = next;
                        nest.push(n);
                        continue;
                    }
                }
            }
            Some(_) => info.push_str(" [fragment]"),
        }
        at = next;
        // An element is done: so are the arrays it completes.
        while let Some(left) = nest.last_mut() {
            *left -= 1;
            if *left > 0 {
                break;
            }
            nest.pop();
        }
    }
}

/// `col_append_sep_str(…, " ", s)`: a space before, unless the column is empty.
fn sep(info: &mut String, s: &str) {
    if !info.is_empty() {
        info.push(' ');
    }
    info.push_str(s);
}

/// A RESP string as `tvb_get_string_enc(…, ENC_ASCII)` reads it: other bytes as U+FFFD,
/// cut at a NUL.
fn resp_text(b: &[u8]) -> String {
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    b.iter()
        .map(|&c| if c.is_ascii() { c as char } else { '\u{fffd}' })
        .collect()
}

/// C's `strtoll` on a line: leading spaces, a sign, digits, saturating.
fn strtoll(b: &[u8]) -> i64 {
    let mut i = 0;
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add((d - b'0') as i64);
        i += 1;
    }
    if neg {
        v.saturating_neg()
    } else {
        v
    }
}

/// A MySQL packet (header included), as the conversation's state classified it.
fn mysql(p: &[u8], kind: MysqlKind, to_server: bool) -> String {
    let body = p.get(4..).unwrap_or(&[]);
    let cstr = |b: &[u8]| -> String {
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    };
    match kind {
        MysqlKind::Greeting => {
            let proto = body.first().copied().unwrap_or(0);
            let version = cstr(body.get(1..).unwrap_or(&[]));
            // MariaDB's version starts with "5.5.5-" for old clients; Wireshark drops it.
            let version = version.strip_prefix("5.5.5-").unwrap_or(&version);
            format!("Server Greeting  proto={proto} version={version} ")
        }
        MysqlKind::Login => {
            // Capabilities (4), max packet (4), charset (1), 23 reserved, then the user.
            let user_at = 32;
            let user = cstr(body.get(user_at..).unwrap_or(&[]));
            let caps = body
                .get(..4)
                .map_or(0, |c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
            if caps & 0x0800 != 0 && body.len() == 32 {
                // The SSL request: packet-mysql.c's words for it.
                return format!("Response: SSL Handshake user={user} ");
            }
            let mut info = format!("Login Request user={user} ");
            if let Some(db) = login_db(body) {
                let _ = write!(info, "db={db} ");
            }
            info
        }
        MysqlKind::Command { .. } => {
            let cmd = body.first().copied().unwrap_or(0xff);
            format!("Request {}", mysql_command(cmd))
        }
        MysqlKind::Ok | MysqlKind::OkEof => "Response  OK ".into(),
        MysqlKind::Err | MysqlKind::GreetingErr => {
            let code = body
                .get(1..3)
                .map_or(0, |c| u16::from_le_bytes([c[0], c[1]]));
            let what = if kind == MysqlKind::Err {
                "Response"
            } else {
                "Server Greeting"
            };
            format!("{what}  Error {code} ")
        }
        MysqlKind::ColumnCount => "Response TABULAR".into(),
        _ if to_server => "Request ".into(),
        _ => "Response ".into(),
    }
}

/// The schema of a login request (CLIENT_CONNECT_WITH_DB), after the user and the
/// authentication response.
fn login_db(body: &[u8]) -> Option<String> {
    let caps = u32::from_le_bytes(body.get(0..4)?.try_into().ok()?);
    const CONNECT_WITH_DB: u32 = 0x8;
    const SECURE_CONNECTION: u32 = 0x8000;
    const PLUGIN_AUTH_LENENC: u32 = 0x20_0000;
    if caps & CONNECT_WITH_DB == 0 {
        return None;
    }
    let mut at = 32;
    at += body.get(at..)?.iter().position(|&c| c == 0)? + 1;
    if caps & PLUGIN_AUTH_LENENC != 0 {
        // A length-encoded integer, then that many bytes.
        let (n, size) = match *body.get(at)? {
            x @ 0..=0xfa => (x as usize, 1),
            0xfc => (
                u16::from_le_bytes(body.get(at + 1..at + 3)?.try_into().ok()?) as usize,
                3,
            ),
            0xfd => {
                let b = body.get(at + 1..at + 4)?;
                (u32::from_le_bytes([b[0], b[1], b[2], 0]) as usize, 4)
            }
            _ => return None,
        };
        at += size + n;
    } else if caps & SECURE_CONNECTION != 0 {
        let n = *body.get(at)? as usize;
        at += 1 + n;
    } else {
        at += body.get(at..)?.iter().position(|&c| c == 0)? + 1;
    }
    let rest = body.get(at..)?;
    let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
    let db = String::from_utf8_lossy(&rest[..end]).into_owned();
    (!db.is_empty()).then_some(db)
}

/// A DNS message over TCP starts with its length (RFC 1035 §4.2.2).
fn is_tcp_dns(b: &[u8]) -> bool {
    b.len() >= 2 && u16::from_be_bytes([b[0], b[1]]) as usize == b.len() - 2
}

/// packet-dns.c's Info: the opcode, the id, the response code when it is not "No
/// error", each question's type and name, and each record's type and data.
fn dns(m: &[u8], mdns: bool) -> String {
    if m.len() < 12 {
        return "Unknown operation".into();
    }
    let be16 = |at: usize| {
        m.get(at..at + 2)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
    };
    let (id, flags) = (be16(0), be16(2));
    let response = flags & 0x8000 != 0;
    let opcode = (flags >> 11) & 0xf;
    let rcode = flags & 0xf;
    let op = match opcode {
        0 => "Standard query",
        1 => "Inverse query",
        2 => "Server status request",
        4 => "Zone change notification",
        5 => "Dynamic update",
        _ => "Unknown operation",
    };
    let mut info = op.to_owned();
    if response {
        info.push_str(" response");
    }
    let _ = write!(info, " 0x{id:04x}");
    if response && rcode != 0 {
        let _ = write!(info, " {}", dns_rcode(rcode));
    }
    let counts = [be16(4), be16(6), be16(8), be16(10)];
    let mut at = 12;
    for _ in 0..counts[0] {
        let Some((name, next)) = dns_name(m, at) else {
            return info;
        };
        let Some(q) = m.get(next..next + 4) else {
            return info;
        };
        let ty = u16::from_be_bytes([q[0], q[1]]);
        let _ = write!(info, " {} {name}", dns_type(ty));
        if mdns {
            // RFC 6762 §5.4: the top bit of the class asks for a unicast response.
            let unicast = q[2] & 0x80 != 0;
            let _ = write!(info, ", \"{}\" question", if unicast { "QU" } else { "QM" });
        }
        at = next + 4;
    }
    for _ in 0..counts[1] as usize + counts[2] as usize + counts[3] as usize {
        let Some((_, next)) = dns_name(m, at) else {
            return info;
        };
        let Some(fixed) = m.get(next..next + 10) else {
            return info;
        };
        let ty = u16::from_be_bytes([fixed[0], fixed[1]]);
        let len = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
        let rdata_at = next + 10;
        let Some(rdata) = m.get(rdata_at..rdata_at + len) else {
            return info;
        };
        let _ = write!(info, " {}", dns_type(ty));
        // RFC 6762 §10.2: the top bit of an mDNS record's class is "cache flush".
        if mdns && ty != 41 && fixed[2] & 0x80 != 0 {
            info.push_str(", cache flush");
        }
        match ty {
            1 if len == 4 => {
                let _ = write!(
                    info,
                    " {}",
                    Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3])
                );
            }
            28 if len == 16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(rdata);
                let _ = write!(info, " {}", Ipv6Addr::from(a));
            }
            2 | 5 | 12 | 6 | 47 => {
                if let Some((name, _)) = dns_name(m, rdata_at) {
                    let _ = write!(info, " {name}");
                }
            }
            15 if len >= 2 => {
                if let Some((name, _)) = dns_name(m, rdata_at + 2) {
                    let _ = write!(info, " {} {name}", u16::from_be_bytes([rdata[0], rdata[1]]));
                }
            }
            _ => {}
        }
        at = rdata_at + len;
    }
    info
}

/// A domain name at `at` (RFC 1035 §4.1.4 compression), and where the bytes after it
/// start. The root is `<Root>`, as Wireshark shows it.
fn dns_name(m: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut end = None;
    let mut jumps = 0;
    loop {
        let len = *m.get(at)? as usize;
        match len {
            0 => {
                let after = end.unwrap_or(at + 1);
                if name.is_empty() {
                    name.push_str("<Root>");
                }
                return Some((name, after));
            }
            l if l & 0xc0 == 0xc0 => {
                let ptr = (l & 0x3f) << 8 | *m.get(at + 1)? as usize;
                end.get_or_insert(at + 2);
                jumps += 1;
                if jumps > 64 {
                    return None;
                }
                at = ptr;
            }
            l if l & 0xc0 == 0 => {
                let label = m.get(at + 1..at + 1 + l)?;
                if !name.is_empty() {
                    name.push('.');
                }
                for &c in label {
                    if c.is_ascii_graphic() {
                        name.push(c as char);
                    } else {
                        let _ = write!(name, "\\{c:03}");
                    }
                }
                at += 1 + l;
            }
            _ => return None,
        }
    }
}

fn dns_rcode(r: u16) -> String {
    match r {
        1 => "Format error".into(),
        2 => "Server failure".into(),
        3 => "No such name".into(),
        4 => "Not implemented".into(),
        5 => "Refused".into(),
        r => format!("Unknown ({r})"),
    }
}

fn dns_type(t: u16) -> String {
    match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        255 => "ANY",
        257 => "CAA",
        t => return format!("Unknown ({t})"),
    }
    .to_owned()
}

/// A TLS record: its version, and what Wireshark names it.
fn tls(r: &[u8], encrypted: bool) -> Option<(u16, String)> {
    if r.len() < 5 {
        return None;
    }
    let version = u16::from_be_bytes([r[1], r[2]]);
    let body = &r[5..];
    let name = match r[0] {
        20 => "Change Cipher Spec".to_owned(),
        // An alert is two bytes; anything else is one encrypted.
        21 if encrypted || body.len() != 2 => "Encrypted Alert".to_owned(),
        21 => tls_opened(21, body).concat(),
        22 if encrypted => "Encrypted Handshake Message".to_owned(),
        // Each message the record holds (zeek's pop3-starttls.pcap, frame 13: a
        // Certificate Request and a Server Hello Done in one record).
        22 => match tls_message_name(body) {
            "Unknown" => "Encrypted Handshake Message".into(),
            _ => tls_opened(22, body).join(", "),
        },
        23 => "Application Data".to_owned(),
        _ => return None,
    };
    Some((version, name))
}

/// What Wireshark names a record the capture's secrets opened (content type `ct`,
/// plaintext `plain`): each handshake message in it, or its alert. Application data is
/// named by the protocol inside, in the packet that completes one of its PDUs
/// ([`complete`]); a record that completes none is a piece of one.
fn tls_opened(ct: u8, plain: &[u8]) -> Vec<String> {
    match ct {
        22 => {
            let mut names = Vec::new();
            let mut at = 0;
            while let Some(h) = plain.get(at..at + 4) {
                names.push(tls_message_name(&plain[at..]).to_owned());
                at += 4 + u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
            }
            names
        }
        21 if plain.len() == 2 => vec![format!(
            "Alert (Level: {}, Description: {})",
            tls_alert_level(plain[0]),
            match tls_alert_desc(plain[1]) {
                "Unknown" => format!("Unknown ({})", plain[1]),
                known => known.to_owned(),
            }
        )],
        23 => vec!["[TLS segment of a reassembled PDU]".to_owned()],
        _ => Vec::new(),
    }
}

fn tls_version(v: u16) -> &'static str {
    match v {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLSv1.1",
        0x0304 => "TLSv1.3",
        _ => "TLSv1.2",
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// SSDP's datagrams read as tshark's rows of wireshark_samples-test.pcapng and
    /// termshark's 1.pcap: the request or status line; other bytes are no SSDP.
    #[test]
    fn ssdp_is_its_start_line() {
        let notify = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n";
        assert_eq!(ssdp(notify).as_deref(), Some("NOTIFY * HTTP/1.1 "));
        let search = b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n\r\n";
        assert_eq!(ssdp(search).as_deref(), Some("M-SEARCH * HTTP/1.1 "));
        let ok = b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n";
        assert_eq!(ssdp(ok).as_deref(), Some("HTTP/1.1 200 OK "));
        assert_eq!(ssdp(b"\x01\x02binary\r\n"), None);
        assert_eq!(ssdp(b"hello world\r\n"), None);
        assert_eq!(ssdp(b"NOTIFY * HTTP/1.1"), None);
    }

    /// A message's later segments go back to packet-http.c (and show its start line)
    /// while the head is incomplete, or the body chunked; with a Content-Length, or a
    /// Content-Type and no length (TCP gathers up to the FIN, as tshark's rows of
    /// deepflow's decapsulate_erspan1.pcap show), they go to nobody and show their TCP
    /// line.
    #[test]
    fn http_is_called_again_for_heads_and_chunks_only() {
        let again = |b: &[u8]| called_again(AppProto::Http, b);
        assert!(again(b""));
        assert!(again(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"));
        assert!(again(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n"
        ));
        assert!(!again(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nab"));
        assert!(!again(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\""
        ));
    }

    /// packet-http.c writes a request line it has found before it asks for the rest of
    /// the head, and a line ends at LF as at CR LF (an HTTP/0.9 request, zeek's
    /// http/http_09.pcap: "GET /zeek.html" and LF); a CR that ends the bytes may be half
    /// of a CR LF, so no line has ended yet.
    #[test]
    fn a_partial_request_line_ends_at_lf_or_cr() {
        let partial = |b: &[u8]| partial(AppProto::Http, b, true);
        assert_eq!(
            partial(b"GET /zeek.html\n").as_deref(),
            Some("GET /zeek.html ")
        );
        assert_eq!(
            partial(b"GET / HTTP/1.1\r\nHost").as_deref(),
            Some("GET / HTTP/1.1 ")
        );
        assert_eq!(partial(b"GET /x\rHost").as_deref(), Some("GET /x "));
        assert_eq!(partial(b"GET /x\r"), None);
        assert_eq!(partial(b"GET /x"), None);
        assert_eq!(partial(b"<html>\n"), None);
    }

    #[test]
    fn http_start_lines_and_bodies() {
        let get = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(http(get, true), (None, "GET /hello HTTP/1.1 ".into()));
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi";
        assert_eq!(
            http(ok, true),
            (None, "HTTP/1.1 200 OK  (text/html)".into())
        );
        let json =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(
            http(json, true),
            (
                Some("HTTP/JSON".into()),
                "HTTP/1.1 200 OK , JavaScript Object Notation (application/json)".into()
            )
        );
        assert_eq!(http(b"\x00\x01binary", true).1, "Continuation");
        // A chunked, gzip-encoded GIF is named from its decoded bytes.
        let gif = [&b"GIF89a"[..], &[0; 20]].concat();
        let gz = [
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3][..],
            &miniz_oxide::deflate::compress_to_vec(&gif, 6),
            &[0; 8],
        ]
        .concat();
        let (a, b) = gz.split_at(7);
        let mut ok = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            a.len()
        )
        .into_bytes();
        ok.extend_from_slice(a);
        ok.extend_from_slice(format!("\r\n{:x}\r\n", b.len()).as_bytes());
        ok.extend_from_slice(b);
        ok.extend_from_slice(b"\r\n0\r\n\r\n");
        assert_eq!(http(&ok, true), (None, "HTTP/1.1 200 OK  (GIF89a)".into()));
    }

    #[test]
    fn what_of_a_long_pdu_says_its_info() {
        let m = |b: &[u8]| info_len(AppProto::Memcache, b);
        assert_eq!(m(b"set k 0 0 5000000\r\nvvv"), Some(19));
        assert_eq!(m(b"set k 0 0 50"), Some(13), "the line is not whole yet");
        assert_eq!(m(&[0x80, 1, 0, 1]), Some(24));
        let h = |b: &[u8]| info_len(AppProto::Http, b);
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 9000000\r\n\r\n";
        assert_eq!(h(head), Some(head.len() + 39));
        assert_eq!(h(&head[..20]), Some(21), "the head is not whole yet");
        // A PNG's chunks are walked to the end; an encoded body is decoded whole.
        assert_eq!(h(&[&head[..], b"\x89PNG\r\n\x1a\n\0\0"].concat()), None);
        let gz = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\n";
        assert_eq!(h(gz), None);
        // A chunked body: its first chunk's data holds what is read, or all is read.
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let big = [&chunked[..], b"1000\r\nabc"].concat();
        assert_eq!(h(&big), Some(chunked.len() + 6 + 39));
        assert_eq!(h(&[&chunked[..], b"10\r\nabc"].concat()), None);
        assert_eq!(h(&[&chunked[..], b"10"].concat()), Some(chunked.len() + 3));
    }

    #[test]
    fn memcache_lines_and_opcodes() {
        assert_eq!(memcache(b"get user:0\r\n", true), "get user:0 ");
        assert_eq!(
            memcache(b"VALUE user:0 0 5\r\nalice\r\nEND\r\n", false),
            "VALUE user:0 0 5 "
        );
        assert_eq!(memcache(b"8\r\n", false), "MEMCACHE Continuation");
        let mut bin = vec![0u8; 24];
        bin[0] = 0x80;
        assert_eq!(memcache(&bin, true), "Get Request");
        bin[0] = 0x81;
        bin[7] = 1;
        assert_eq!(memcache(&bin, false), "Get Response (Key not found)");
    }

    #[test]
    fn resp_requests_and_responses() {
        let mut s = "Request:".to_owned();
        resp(
            b"*3\r\n$3\r\nSET\r\n$6\r\nuser:1\r\n$5\r\nalice\r\n",
            true,
            &mut s,
        );
        assert_eq!(s, "Request: SET user:1 alice");
        let mut s = "Response:".to_owned();
        resp(
            b"+OK\r\n:5\r\n-ERR no\r\n$5\r\nalice\r\n*2\r\n:1\r\n:2\r\n",
            false,
            &mut s,
        );
        assert_eq!(s, "Response: OK 5 Error: ERR no alice Array(2)");
    }

    #[test]
    fn dns_queries_and_answers() {
        // Query 0x9d76 for www.a.test A, and its answer 10.9.8.7.
        let mut q = vec![0x9d, 0x76, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend(b"\x03www\x01a\x04test\x00\x00\x01\x00\x01");
        assert_eq!(dns(&q, false), "Standard query 0x9d76 A www.a.test");
        let mut r = q.clone();
        r[2] = 0x81;
        r[3] = 0x80;
        r[7] = 1;
        r.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 9, 8, 7]);
        assert_eq!(
            dns(&r, false),
            "Standard query response 0x9d76 A www.a.test A 10.9.8.7"
        );
    }
}
