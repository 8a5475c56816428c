//! HTTP/1.x messages (RFC 9112): the start line, the header lines with the fields
//! Wireshark names, and where the body is.

pub(crate) mod continuation;
mod entity;
pub(crate) mod links;

use crate::capture::app::http::response_has_no_body;
use crate::capture::tcp::Severity;
use crate::query::detail::{escape, expert, string_field as sfield, truncated, Group, Node};
use crate::query::fields::pdu::http::body;

fn find(b: &[u8], pat: &[u8], from: usize) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

/// End of the head (past its empty line).
pub(super) fn head_end(b: &[u8]) -> Option<usize> {
    find(b, b"\r\n\r\n", 0).map(|p| p + 4)
}

fn starts_http(b: &[u8], to_server: bool) -> bool {
    if to_server {
        crate::ingest::app::HTTP_METHODS
            .iter()
            .any(|m| b.starts_with(m) || m.starts_with(b))
    } else {
        b.starts_with(b"HTTP/") || b"HTTP/".starts_with(b)
    }
}

fn header<'a>(head: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(head).ok()?;
    text.split("\r\n").skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// Whether a message's head says its body is chunked.
pub(super) fn chunked(head: &[u8]) -> bool {
    header(head, "Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
}

/// Length of a chunked body at the start of `b`, once it is all there.
fn chunked_len(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let eol = find(b, b"\r\n", pos)?;
        let line = std::str::from_utf8(&b[pos..eol]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        pos = eol + 2;
        if size == 0 {
            // Trailer lines up to an empty one.
            loop {
                let e = find(b, b"\r\n", pos)?;
                let empty = e == pos;
                pos = e + 2;
                if empty {
                    return Some(pos);
                }
            }
        }
        pos = pos.checked_add(size)?.checked_add(2)?;
        if pos > b.len() {
            return None;
        }
    }
}

/// Whether the request message `b` is a HEAD: packet-http.c keeps the method of the
/// conversation's last request to know that the next response has no body.
pub(super) fn is_head(b: &[u8]) -> bool {
    b.starts_with(b"HEAD ")
}

/// The length of the message at the start of `buf` (see `super::pdu_len`); 0 when the
/// bytes do not start a message. `head_request`: the conversation's last request was a
/// HEAD ([`is_head`]).
pub(super) fn pdu_len(to_server: bool, head_request: bool, buf: &[u8]) -> Option<usize> {
    if !starts_http(buf, to_server) {
        // packet-http.c asks TCP for one more segment until the first line has ended
        // (a CR last may be half of a CR LF); bytes that start with a byte not printable
        // it leaves at once.
        let printable = buf.first().is_some_and(|&c| (0x20..0x7f).contains(&c));
        let line_ended = buf
            .iter()
            .position(|&c| c == b'\r' || c == b'\n')
            .is_some_and(|at| buf[at] == b'\n' || at + 1 < buf.len());
        return if printable && !line_ended {
            None
        } else {
            Some(0)
        };
    }
    let h = head_end(buf)?;
    let head = &buf[..h];
    let status = if to_server {
        None
    } else {
        std::str::from_utf8(&head[..head.len().min(12)])
            .ok()
            .and_then(|s| s.get(9..12))
            .and_then(|s| s.parse::<u16>().ok())
    };
    if status.is_some_and(|c| response_has_no_body(head_request, c)) {
        return Some(h);
    }
    if chunked(head) {
        return chunked_len(&buf[h..]).map(|n| h + n);
    }
    if let Some(cl) = header(head, "Content-Length").and_then(|v| v.parse::<usize>().ok()) {
        return Some(h + cl);
    }
    if to_server {
        Some(h)
    } else {
        // No length: the body runs to the end of the stream (RFC 9112 §6.3).
        None
    }
}

/// Header names Wireshark gives a field of their own.
fn header_field(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "host" => "http.host",
        "user-agent" => "http.user_agent",
        "accept" => "http.accept",
        "accept-encoding" => "http.accept_encoding",
        "accept-language" => "http.accept_language",
        "connection" => "http.connection",
        "content-type" => "http.content_type",
        "content-length" => "http.content_length_header",
        "content-encoding" => "http.content_encoding",
        "server" => "http.server",
        "date" => "http.date",
        "last-modified" => "http.last_modified",
        "cookie" => "http.cookie",
        "set-cookie" => "http.set_cookie",
        "referer" => "http.referer",
        "location" => "http.location",
        "transfer-encoding" => "http.transfer_encoding",
        "cache-control" => "http.cache_control",
        "authorization" => "http.authorization",
        "upgrade" => "http.upgrade",
        "x-forwarded-for" => "http.x_forwarded_for",
        "www-authenticate" => "http.www_authenticate",
        "proxy-authorization" => "http.proxy_authorization",
        "content-range" => "http.content_range",
        _ => return None,
    })
}

/// The item of a header line Wireshark names (`f`, of [`header_field`]): the line
/// `b[pos..e]`, its end of line up to `next`, its value from `pos + vstart`, and the
/// items packet-http.c adds under some (the content length, cookie pairs).
pub(super) fn known_header(
    f: &'static str,
    b: &[u8],
    at: usize,
    line: (usize, usize, usize),
    vstart: usize,
) -> Node {
    let (pos, e, next) = line;
    let whole = &b[pos..next];
    let value = &b[pos + vstart..e];
    let vs = String::from_utf8_lossy(value).into_owned();
    let mut hn = Node::field(
        f,
        truncated(escape(whole)),
        vs.clone(),
        at + pos,
        whole.len(),
    )
    .hex(whole);
    if f == "http.content_length_header" {
        if let Ok(cl) = vs.parse::<u64>() {
            hn.push(
                Node::field(
                    "http.content_length",
                    format!("Content length: {cl}"),
                    cl.to_string(),
                    at + pos,
                    whole.len(),
                )
                .hex(whole)
                .gen(),
            );
        }
    }
    if f == "http.cookie" {
        let mut p = vstart;
        for pair in value.split(|&c| c == b';') {
            let lead = pair.iter().take_while(|c| **c == b' ').count();
            let pr = &pair[lead..];
            let s = String::from_utf8_lossy(pr).into_owned();
            hn.push(
                sfield(
                    "http.cookie_pair",
                    "Cookie pair",
                    s,
                    at + pos + p + lead,
                    pr.len(),
                )
                .hex(pr),
            );
            p += pair.len() + 1;
        }
    }
    hn
}

/// A string as tshark's PDML `show` has it: white space (a CR LF pair counting as one)
/// as single spaces.
pub(super) fn wsp(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b).replace("\r\n", " ");
    s.chars()
        .map(|c| {
            if matches!(c, '\r' | '\n' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The protocols Wireshark hands the body of message `b` to, as `frame.protocols` names
/// them: the fields' rule ([`body::body_protocols`]: dechunked, decoded, by media type
/// and signature), with what a filter does not find there: `data-text-lines` before
/// the XML a text body holds, `data` for a body with no media type or one the `data`
/// dissector takes (application/octet-stream).
pub(super) fn body_protocols(b: &[u8]) -> Vec<&'static str> {
    body_of(b).0
}

/// [`body_protocols`], whether the dissector registered for the body's media type
/// rejected it ([`body::rejected`]), and whether the body (dechunked, decoded) is empty.
fn body_of(b: &[u8]) -> (Vec<&'static str>, bool, bool) {
    let Some(h) = head_end(b) else {
        return (Vec::new(), false, true);
    };
    let (media, data) = body::message_body(b, h);
    let mut names: Vec<&'static str> = body::body_protocols(media.as_deref(), &data)
        .iter()
        .map(|f| f.name())
        .collect();
    if data.is_empty() {
        return (names, false, true);
    }
    let d = media.as_deref().and_then(body::registered);
    if d == Some(body::Dissector::Text) && body::text_is_xml(&data) {
        names.insert(0, "data-text-lines");
    }
    if names.is_empty() && (media.is_none() || d == Some(body::Dissector::Silent)) {
        names.push("data");
    }
    (names, body::rejected(media.as_deref(), &data), false)
}

/// Where a computed item of an `http` layer goes when packet-http.c adds it last: before
/// the body's items (its chunks, its decoding, `http.file_data`, `data`) and the body's
/// expert item with its hidden `_ws.malformed`, which follow the body.
pub(crate) fn end_of_head(n: &Node) -> usize {
    let body = n
        .children
        .iter()
        .rev()
        .take_while(|c| {
            matches!(
                &*c.name,
                "_ws.expert" | "_ws.malformed" | "data" | "http.file_data" | ""
            )
        })
        .count();
    n.children.len() - body
}

pub(crate) use entity::{in_body, Bodies};

/// The `http` layer of one message (`b`, at `at` in its source), and the layers of its
/// body's dissector, as `bodies` asks.
pub(crate) fn dissect(b: &[u8], at: usize, to_server: bool, bodies: Bodies<'_>) -> Vec<Node> {
    let h = head_end(b).unwrap_or(b.len());
    // A body handed to a media type's dissector is outside the http item; an untyped
    // or empty one, or one that falls to packet-media.c (no dissector for its type),
    // inside.
    let (protocols, rejected, empty) = body_of(b);
    let typed = header(&b[..h], "Content-Type").is_some() && protocols != ["media"] && !empty;
    let mut n = Node::proto(
        "http",
        "Hypertext Transfer Protocol",
        at,
        if typed { h } else { b.len() },
    );
    // A datagram's only line (SSDP's) may end where the datagram does.
    let (first_end, first_next) = match find(b, b"\r\n", 0) {
        Some(e) => (e, e + 2),
        None if !b.is_empty() => (b.len(), b.len()),
        None => return vec![n],
    };
    let line = &b[..first_end];
    let first_text = escape(&b[..first_next]);
    let mut first = Node::text(first_text.as_str(), at, first_next).hex(&b[..first_next]);
    let parts: Vec<(usize, &[u8])> = {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, &c) in line.iter().enumerate() {
            if c == b' ' && v.len() < 2 {
                v.push((start, &line[start..i]));
                start = i + 1;
            }
        }
        v.push((start, &line[start..]));
        v
    };
    let request = to_server && !line.starts_with(b"HTTP/");
    if (request && parts.len() == 3) || (!request && parts.len() >= 2) {
        // packet-http.c's chat item: the request or status line, under itself.
        first.push(expert(
            "http.chat",
            &first_text,
            Severity::Chat,
            Group::Sequence,
        ));
    }
    let mut host = None;
    let mut uri_text = String::new();
    if request && parts.len() == 3 {
        let (mo, m) = parts[0];
        let (uo, u) = parts[1];
        let (vo, v) = parts[2];
        let ms = String::from_utf8_lossy(m).into_owned();
        first.push(
            sfield(
                "http.request.method",
                "Request Method",
                ms,
                at + mo,
                m.len(),
            )
            .hex(m),
        );
        uri_text = String::from_utf8_lossy(u).into_owned();
        let mut un = sfield(
            "http.request.uri",
            "Request URI",
            uri_text.clone(),
            at + uo,
            u.len(),
        )
        .hex(u);
        if let Some(q) = u.iter().position(|&c| c == b'?') {
            let path = &u[..q];
            let query = &u[q + 1..];
            let ps = String::from_utf8_lossy(path).into_owned();
            un.push(sfield("http.request.uri.path", "Request URI Path", ps, at + uo, q).hex(path));
            let qs = String::from_utf8_lossy(query).into_owned();
            let mut qn = sfield(
                "http.request.uri.query",
                "Request URI Query",
                qs,
                at + uo + q + 1,
                query.len(),
            )
            .hex(query);
            let mut p = 0;
            for param in query.split(|&c| c == b'&') {
                let s = String::from_utf8_lossy(param).into_owned();
                qn.push(
                    sfield(
                        "http.request.uri.query.parameter",
                        "Request URI Query Parameter",
                        s,
                        at + uo + q + 1 + p,
                        param.len(),
                    )
                    .hex(param),
                );
                p += param.len() + 1;
            }
            un.push(qn);
        }
        first.push(un);
        let vs = String::from_utf8_lossy(v).into_owned();
        first.push(
            sfield(
                "http.request.version",
                "Request Version",
                vs,
                at + vo,
                v.len(),
            )
            .hex(v),
        );
    } else if !request && parts.len() >= 2 {
        let (vo, v) = parts[0];
        let vs = String::from_utf8_lossy(v).into_owned();
        first.push(
            sfield(
                "http.response.version",
                "Response Version",
                vs,
                at + vo,
                v.len(),
            )
            .hex(v),
        );
        let (co, c) = parts[1];
        let cs = String::from_utf8_lossy(c).into_owned();
        first.push(
            Node::field(
                "http.response.code",
                format!("Status Code: {cs}"),
                cs.clone(),
                at + co,
                c.len(),
            )
            .hex(c),
        );
        // A code packet-http.c does not name is "Unknown (250)"; one that is not a
        // number has no description.
        let desc = cs
            .parse::<u16>()
            .ok()
            .map(|c| status_text(c).map_or_else(|| format!("Unknown ({c})"), str::to_owned));
        if let Some(desc) = desc {
            first.push(
                Node::field(
                    "http.response.code.desc",
                    format!("Status Code Description: {desc}"),
                    desc,
                    at + co,
                    c.len(),
                )
                .hex(c)
                .gen(),
            );
        }
        if let Some(&(po, p)) = parts.get(2).filter(|(_, p)| !p.is_empty()) {
            let ps = String::from_utf8_lossy(p).into_owned();
            first.push(
                sfield(
                    "http.response.phrase",
                    "Response Phrase",
                    ps,
                    at + po,
                    p.len(),
                )
                .hex(p),
            );
        }
    }
    n.push(first);
    let line_field = if request {
        "http.request.line"
    } else {
        "http.response.line"
    };
    let mut pos = first_next;
    while pos + 2 <= h {
        let Some(e) = find(b, b"\r\n", pos) else {
            break;
        };
        if e == pos {
            n.push(Node::text("\\r\\n", at + pos, 2).hex(&b[pos..pos + 2]));
            break;
        }
        let whole = &b[pos..e + 2];
        let text = &b[pos..e];
        let shown = escape(whole);
        let Some(colon) = text.iter().position(|&c| c == b':') else {
            pos = e + 2;
            continue;
        };
        let name = String::from_utf8_lossy(&text[..colon]).into_owned();
        let mut vstart = colon + 1;
        while text.get(vstart).is_some_and(|c| *c == b' ' || *c == b'\t') {
            vstart += 1;
        }
        let value = &text[vstart..];
        let vs = String::from_utf8_lossy(value).into_owned();
        let line_node = Node::field(
            line_field,
            truncated(shown),
            wsp(whole),
            at + pos,
            whole.len(),
        )
        .hex(whole);
        match header_field(&name) {
            Some(f) => {
                if f == "http.host" {
                    host = Some(vs.clone());
                }
                n.push(known_header(f, b, at, (pos, e, e + 2), vstart));
                n.push(line_node.hide());
            }
            None => {
                n.push(line_node);
            }
        }
        pos = e + 2;
    }
    if request {
        if let Some(host) = host {
            let full = format!("http://{host}{uri_text}");
            n.push(sfield("http.request.full_uri", "Full request URI", full, at, 0).gen());
        }
        n.push(
            Node::field("http.request", "Request: True", "1", at, 0)
                .gen()
                .hide(),
        );
    } else {
        n.push(
            Node::field("http.response", "Response: True", "1", at, 0)
                .gen()
                .hide(),
        );
    }
    let layers = entity::show(b, (h, at), to_server, &mut n, bodies, &protocols);
    if rejected {
        // After the body's File Data; the conversation's links go before it
        // (`links::show`).
        n.push_expert(
            "http.subdissector_failed",
            "HTTP body subdissector failed, trying heuristic subdissector",
            Severity::Note,
            Group::Malformed,
        );
    }
    let mut out = vec![n];
    out.extend(layers);
    out
}

/// A status code's description as packet-http.c's `vals_status_code` names it (tshark
/// 4.0: "Request Time-out"); None for a code it does not name.
pub(crate) fn status_text(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        199 => "Informational - Others",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        299 => "Success - Others",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        399 => "Redirection - Others",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        499 => "Client Error - Others",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        599 => "Server Error - Others",
        _ => return None,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    /// The descriptions are tshark 4.0's, of its 67 codes (asked of tshark for every code
    /// from 100 to 599): RFC 9110 says "Request Timeout", packet-http.c "Request Time-out".
    #[test]
    fn status_codes_are_described_as_tshark_does() {
        assert_eq!(status_text(408), Some("Request Time-out"));
        assert_eq!(status_text(504), Some("Gateway Time-out"));
        assert_eq!(status_text(299), Some("Success - Others"));
        assert_eq!(status_text(250), None);
        assert_eq!((100..600).filter_map(status_text).count(), 67);
    }

    /// Bytes that start no request or response: packet-http.c asks for one more segment
    /// until their first line ends (as tshark 4.0 shows on segments made for it: an
    /// HTML body cut before its first LF, a SOAP envelope's last tag after a lost
    /// segment in deepflow's tunnels/decapsulate_erspan1.pcap), unless their first byte
    /// is not printable. Once the line has ended they are no PDU.
    #[test]
    fn bytes_that_start_no_message_wait_for_their_first_line() {
        for (b, len) in [
            (&b"</soapenv:Envelope>"[..], None),
            (b"<html>", None),
            (b"body\r", None),
            (b"<html>\n<head>", Some(0)),
            (b"body\rmore", Some(0)),
            (b"ab\r\n\r\n", Some(0)),
            (b"\x01\x02junk", Some(0)),
            (b"\x1f\x8b\x08", Some(0)),
        ] {
            assert_eq!(
                pdu_len(false, false, b),
                len,
                "{}",
                String::from_utf8_lossy(b)
            );
            assert_eq!(
                pdu_len(true, false, b),
                len,
                "{}",
                String::from_utf8_lossy(b)
            );
        }
        // A message's start still waits for its head.
        assert_eq!(pdu_len(true, false, b"GET / HTTP/1.1\r\n"), None);
        assert_eq!(pdu_len(true, false, b"GET / HTTP/1.1\r\n\r\n"), Some(18));
    }

    /// A response to a HEAD ends at its head whatever its Content-Length says (RFC 9112
    /// §6.3), as do a 1xx, a 204 and a 304; another response's body follows its head.
    #[test]
    fn a_response_to_head_has_no_body() {
        assert!(is_head(b"HEAD /head HTTP/1.1\r\n\r\n"));
        assert!(!is_head(b"GET /head HTTP/1.1\r\n\r\n"));
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 46\r\n\r\n";
        assert_eq!(pdu_len(false, true, ok), Some(ok.len()));
        assert_eq!(pdu_len(false, false, ok), Some(ok.len() + 46));
        for code in ["100 Continue", "204 No Content", "304 Not Modified"] {
            let r = format!("HTTP/1.1 {code}\r\nContent-Length: 46\r\n\r\n");
            assert_eq!(pdu_len(false, false, r.as_bytes()), Some(r.len()), "{code}");
        }
    }
}
