//! What Wireshark 4.0 writes into the packet list for an HTTP body: packet-http.c hands
//! the body (dechunked, decoded) to the dissector registered for its media type; when
//! there is none, or that one rejects the bytes, to the heuristic dissectors of HTTP
//! bodies; when none of those takes it either, to packet-media.c, which names the media
//! type. Each of those words Protocol and Info in its own way.
//!
//! Which dissector that is comes from `query::fields::pdu::http::body`, which names the
//! protocols of `frame.protocols` from the same choice.

use crate::query::fields::pdu::http::body::{
    png_chunks_fit, registered, takes, text_is_xml, Dissector,
};

/// What a body adds to the row: a suffix of the Protocol column (`HTTP/XML`) and text
/// appended to Info, or both columns of its own.
#[derive(Debug, Default, PartialEq, Eq)]
pub(in crate::query::rows) struct BodyColumns {
    /// The sub-protocol's name after `HTTP/`, or the whole column when `own`.
    pub protocol: Option<&'static str>,
    /// Appended to the start line's Info, or the whole column when `own`.
    pub info: String,
    /// The body's dissector sets both columns (`col_set_str`) rather than adding to
    /// HTTP's.
    pub own: bool,
}

/// The columns of a body of `media` type (lower case, without parameters; None without
/// a Content-Type). `body` is what packet-http.c hands on: dechunked and decoded.
pub(in crate::query::rows) fn body_columns(media: Option<&str>, body: &[u8]) -> BodyColumns {
    let mut out = BodyColumns::default();
    if body.is_empty() {
        // packet-http.c calls no dissector for an empty body.
        return out;
    }
    let by_type = media
        .and_then(registered)
        .and_then(|d| dissect(d, media.unwrap_or(""), body, &mut out).then_some(()));
    if by_type.is_some() {
        return out;
    }
    // The heuristic dissectors of HTTP bodies enabled by default that we know: the
    // image formats, each by its signature.
    for d in [Dissector::Png, Dissector::Jfif, Dissector::Gif] {
        if dissect(d, "", body, &mut out) {
            return out;
        }
    }
    if let Some(m) = media {
        // packet-media.c.
        out.info = format!(" ({m})");
    }
    out
}

/// Runs one dissector over the body: false when it rejects the bytes.
fn dissect(d: Dissector, media: &str, body: &[u8], out: &mut BodyColumns) -> bool {
    match d {
        Dissector::Xml => out.protocol = Some("XML"),
        Dissector::Text => {
            if text_is_xml(body) {
                out.protocol = Some("XML");
            } else {
                out.info = format!(" ({media})");
            }
        }
        Dissector::Json => {
            out.protocol = Some("JSON");
            out.info = format!(", JavaScript Object Notation ({media})");
        }
        Dissector::Gif | Dissector::Png | Dissector::Jfif if !takes(d, body) => return false,
        Dissector::Gif => out.info = format!(" ({})", String::from_utf8_lossy(&body[..6])),
        Dissector::Png => {
            out.info = " (PNG)".into();
            if !png_chunks_fit(&body[8..]) {
                out.info.push_str("[Malformed Packet]");
            }
        }
        Dissector::Jfif => out.info = " (JPEG JFIF image)".into(),
        Dissector::Ocsp { request } => {
            out.protocol = Some("OCSP");
            out.info = if request { "Request" } else { "Response" }.into();
            out.own = true;
        }
        Dissector::Silent => {}
    }
    true
}

#[cfg(test)]
mod test {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const JPEG: &[u8] =
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9";

    fn cols(media: Option<&str>, body: &[u8]) -> (Option<&'static str>, String) {
        let c = body_columns(media, body);
        (c.protocol, c.info)
    }

    #[test]
    fn xml_types_and_xml_in_text() {
        let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>";
        for m in [
            "text/xml",
            "application/xml",
            "image/svg+xml",
            "application/atom+xml",
        ] {
            assert_eq!(cols(Some(m), b"<a/>"), (Some("XML"), String::new()), "{m}");
        }
        // A "+xml" type packet-xml.c does not register goes to packet-media.c.
        assert_eq!(
            cols(Some("application/x-thing+xml"), xml),
            (None, " (application/x-thing+xml)".into())
        );
        assert_eq!(cols(Some("text/html"), xml), (Some("XML"), String::new()));
        // Not longer than the shortest declaration: text.
        assert_eq!(
            cols(Some("text/html"), b"<?xml version='1.0'?><a/>"),
            (None, " (text/html)".into())
        );
        // No body, no dissector.
        assert_eq!(cols(Some("text/xml"), b""), (None, String::new()));
    }

    #[test]
    fn images_checked_then_heuristics_then_media() {
        let gif = [&b"GIF89a"[..], &[0; 14]].concat();
        assert_eq!(cols(Some("image/gif"), &gif), (None, " (GIF89a)".into()));
        // Shorter than 20 bytes, or not a GIF: named by packet-media.c.
        assert_eq!(
            cols(Some("image/gif"), &gif[..19]),
            (None, " (image/gif)".into())
        );
        assert_eq!(
            cols(Some("image/gif"), b"\0\x01not a gif at all"),
            (None, " (image/gif)".into())
        );
        // A PNG sent as a GIF or a JPEG is named by the PNG heuristic.
        assert_eq!(cols(Some("image/gif"), PNG), (None, " (PNG)".into()));
        assert_eq!(cols(Some("image/jpeg"), PNG), (None, " (PNG)".into()));
        assert_eq!(cols(Some("image/png"), &gif), (None, " (GIF89a)".into()));
        assert_eq!(cols(None, PNG), (None, " (PNG)".into()));
        assert_eq!(
            cols(Some("image/jpeg"), JPEG),
            (None, " (JPEG JFIF image)".into())
        );
        assert_eq!(
            cols(Some("image/jpeg"), &JPEG[..19]),
            (None, " (image/jpeg)".into())
        );
        // A PNG chunk cut short.
        assert_eq!(
            cols(Some("image/png"), &PNG[..24]),
            (None, " (PNG)[Malformed Packet]".into())
        );
        // A type registered for another dissector that takes the body: no heuristics.
        assert_eq!(
            cols(Some("application/octet-stream"), PNG),
            (None, String::new())
        );
        assert_eq!(
            cols(Some("text/plain"), PNG),
            (None, " (text/plain)".into())
        );
        assert_eq!(
            cols(Some("application/x-fcs"), b"\x01"),
            (None, String::new())
        );
        assert_eq!(cols(None, b"no type\n"), (None, String::new()));
    }

    #[test]
    fn ocsp_names_both_columns() {
        // A DER SEQUENCE; packet-ocsp.c sets Protocol and Info (example.pcap, frames 4245
        // and 4267).
        let c = body_columns(Some("application/ocsp-request"), b"\x30\x03\x02\x01\x00");
        assert_eq!(
            (c.protocol, c.info.as_str(), c.own),
            (Some("OCSP"), "Request", true)
        );
        let c = body_columns(Some("application/ocsp-response"), b"\x30\x03\x0a\x01\x00");
        assert_eq!((c.protocol, c.info.as_str()), (Some("OCSP"), "Response"));
    }

    #[test]
    fn json_types() {
        assert_eq!(
            cols(Some("application/problem+json"), b"{}"),
            (
                Some("JSON"),
                ", JavaScript Object Notation (application/problem+json)".into()
            )
        );
    }
}
