//! HTTP/2 frames in the clear, as Wireshark 4.0's packet-http2.c shows them: each frame
//! (and the client's preface) a layer of its own, with its 9-byte header's fields. The
//! header block's fields need the connection's HPACK state and are not shown here (the
//! transaction has the request and the response).

use crate::capture::app::http::Http;
use crate::capture::app::pdu::PduKind;
use crate::capture::app::Detail;
use crate::capture::Capture;
use crate::ingest::app::http2::frame::{flag, kind, type_name, PREFACE};
use crate::query::detail::{bits, escape, Node};

/// How long the frame at the start of `buf` is (the preface on the client's side).
pub(super) fn pdu_len(to_server: bool, buf: &[u8]) -> Option<usize> {
    let n = buf.len().min(PREFACE.len());
    if to_server && n > 0 && buf[..n] == PREFACE[..n] {
        return Some(PREFACE.len());
    }
    (buf.len() >= 9).then(|| 9 + u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize)
}

/// The flags' names for a frame type, highest bit first, as the Flags item lists them.
fn flag_names(ty: u8) -> &'static [(u8, &'static str)] {
    match ty {
        kind::DATA => &[(flag::PADDED, "Padded"), (flag::END_STREAM, "End Stream")],
        kind::HEADERS => &[
            (flag::PRIORITY, "Priority"),
            (flag::PADDED, "Padded"),
            (flag::END_HEADERS, "End Headers"),
            (flag::END_STREAM, "End Stream"),
        ],
        kind::PUSH_PROMISE => &[(flag::PADDED, "Padded"), (flag::END_HEADERS, "End Headers")],
        kind::CONTINUATION => &[(flag::END_HEADERS, "End Headers")],
        kind::SETTINGS | kind::PING => &[(flag::ACK, "ACK")],
        _ => &[],
    }
}

/// The layer of one frame (or the preface) at `at`; `headers`: what a HEADERS frame's
/// block says (`GET /`, `200 OK`), which its Stream item ends with.
pub(super) fn dissect(b: &[u8], at: usize, to_server: bool, headers: Option<&str>) -> Vec<Node> {
    if to_server && b.len() == PREFACE.len() && b == PREFACE {
        let mut p = Node::proto("http2", "HyperText Transfer Protocol 2", at, b.len());
        let mut s = Node::field("http2.stream", "Stream: Magic", "", at, b.len()).none();
        s.push(
            Node::field(
                "http2.magic",
                format!("Magic: {}", escape(b)),
                String::from_utf8_lossy(b),
                at,
                b.len(),
            )
            .hex(b),
        );
        p.push(s);
        return vec![p];
    }
    if b.len() < 9 {
        return Vec::new();
    }
    let len = u32::from_be_bytes([0, b[0], b[1], b[2]]);
    let (ty, flags) = (b[3], b[4]);
    let raw = u32::from_be_bytes([b[5], b[6], b[7], b[8]]);
    let sid = raw & 0x7fff_ffff;
    let mut p = Node::proto("http2", "HyperText Transfer Protocol 2", at, b.len());
    let mut s = Node::field(
        "http2.stream",
        match headers {
            Some(h) => format!(
                "Stream: {}, Stream ID: {sid}, Length {len}, {h}",
                type_name(ty)
            ),
            None => format!("Stream: {}, Stream ID: {sid}, Length {len}", type_name(ty)),
        },
        "",
        at,
        b.len(),
    )
    .none();
    s.push(
        Node::field(
            "http2.length",
            format!("Length: {len}"),
            len.to_string(),
            at,
            3,
        )
        .hex(&b[..3]),
    );
    s.push(
        Node::field(
            "http2.type",
            format!("Type: {} ({ty})", type_name(ty)),
            ty.to_string(),
            at + 3,
            1,
        )
        .hex(&b[3..4]),
    );
    let mut text = format!("Flags: 0x{flags:02x}");
    for (bit, name) in flag_names(ty) {
        if flags & bit != 0 {
            text.push_str(", ");
            text.push_str(name);
        }
    }
    s.push(Node::field("http2.flags", text, format!("0x{flags:02x}"), at + 4, 1).hex(&b[4..5]));
    s.push(
        Node::field(
            "http2.r",
            format!(
                "{}Reserved: 0x{:x}",
                bits(raw as u64, 0x8000_0000, 32),
                raw >> 31
            ),
            format!("0x{:08x}", raw & 0x8000_0000),
            at + 5,
            4,
        )
        .masked((raw >> 31) as u64, &b[5..9]),
    );
    s.push(
        Node::field(
            "http2.streamid",
            format!(
                "{}Stream Identifier: {sid}",
                bits(raw as u64, 0x7fff_ffff, 32)
            ),
            sid.to_string(),
            at + 5,
            4,
        )
        .masked(sid as u64, &b[5..9]),
    );
    p.push(s);
    vec![p]
}

/// What the HEADERS frame `at` (an index into `Capture::pdus`) shows after its Stream
/// item and in Info: the request's method and path, or the response's status, for the
/// first header block of its side of the stream (trailers show nothing).
pub(crate) fn headers_text(capture: &Capture, at: usize) -> Option<String> {
    let p = capture.pdus.get(at)?;
    if p.kind != PduKind::Http2Frame || p.code != kind::HEADERS {
        return None;
    }
    let earlier = capture.pdus[..at].iter().any(|q| {
        q.kind == PduKind::Http2Frame
            && q.code == kind::HEADERS
            && (q.conv, q.stream, q.from_client) == (p.conv, p.stream, p.from_client)
    });
    if earlier {
        return None;
    }
    let h = capture.transactions.iter().find_map(|t| match &t.detail {
        Detail::Http(h)
            if t.conv == p.conv && h.http2().is_some_and(|s| s.stream_id == p.stream) =>
        {
            Some(h)
        }
        _ => None,
    })?;
    headers_of(h, p.from_client)
}

/// A stream's first header block of one side, as packet-http2.c words it: `GET /`
/// (both pseudo-headers needed), `200 OK`.
pub(crate) fn headers_of(h: &Http, from_client: bool) -> Option<String> {
    if from_client {
        (!h.method().is_empty() && !h.uri().is_empty())
            .then(|| format!("{} {}", h.method(), h.uri()))
    } else {
        h.status()
            .map(|s| format!("{s} {}", super::http::status_text(s).unwrap_or("")))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn frames_and_their_prefixes() {
        let settings = b"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64";
        let n = dissect(settings, 66, false, None);
        let s = &n[0].children[0];
        assert_eq!(s.showname, "Stream: SETTINGS, Stream ID: 0, Length 6");
        let names: Vec<&str> = s.children.iter().map(|c| c.showname.as_str()).collect();
        assert_eq!(
            names[..3],
            ["Length: 6", "Type: SETTINGS (4)", "Flags: 0x00"]
        );
        let headers = b"\x00\x00\x01\x01\x05\x00\x00\x00\x03\x82";
        let n = dissect(headers, 0, true, Some("GET /"));
        assert_eq!(
            n[0].children[0].showname,
            "Stream: HEADERS, Stream ID: 3, Length 1, GET /"
        );
        assert_eq!(
            n[0].children[0].children[2].showname,
            "Flags: 0x05, End Headers, End Stream"
        );
        for b in [&settings[..], &headers[..], PREFACE] {
            for end in 0..=b.len() {
                let _ = dissect(&b[..end], 0, true, None);
                let _ = pdu_len(true, &b[..end]);
            }
        }
    }
}
