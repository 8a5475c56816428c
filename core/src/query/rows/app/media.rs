//! What Wireshark 4.0 writes into the packet list for an HTTP body: packet-http.c hands
//! the body (dechunked, decoded) to the dissector registered for its media type; when
//! there is none, or that one rejects the bytes, to the heuristic dissectors of HTTP
//! bodies; when none of those takes it either, to packet-media.c, which names the media
//! type. Each of those words Protocol and Info in its own way.
//!
//! The media types are tshark 4.0.17's own `media_type` table (its entries looked up one
//! by one with a Lua script); the rules of each dissector were checked against tshark
//! with the bodies of tests/data/servers/http-media.pcap.

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

/// The dissectors the media-type table names that we word; the others (WBXML, SIP,
/// multipart, …) are left to packet-media.c's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dissector {
    Xml,
    /// packet-text-media.c ("Line-based text data").
    Text,
    Json,
    Gif,
    Png,
    Jfif,
    /// packet-ocsp.c: a request or a response, which names itself in both columns.
    Ocsp {
        request: bool,
    },
    /// Dissectors that take any body and write nothing into the columns: "Data"
    /// (application/octet-stream) and RTMPT (application/x-fcs) when the body holds no
    /// RTMP message it can name.
    Silent,
}

/// The media types packet-xml.c registers (its defaults and those of the DTDs tshark
/// ships), sorted.
const XML: [&str; 150] = [
    "application/3gpp-ims+xml",
    "application/atom+xml",
    "application/auth-policy+xml",
    "application/ccmp+xml",
    "application/conference-info+xml",
    "application/cpim-pidf+xml",
    "application/cpl+xml",
    "application/dds-web+xml",
    "application/im-iscomposing+xml",
    "application/load-control+xml",
    "application/mathml+xml",
    "application/media_control+xml",
    "application/mediaservercontrol+xml",
    "application/note+xml",
    "application/pidf+xml",
    "application/pidf-diff+xml",
    "application/poc-settings+xml",
    "application/rdf+xml",
    "application/reginfo+xml",
    "application/resource-lists+xml",
    "application/rlmi+xml",
    "application/rls-services+xml",
    "application/rs-metadata+xml",
    "application/rss+xml",
    "application/simple-filter+xml",
    "application/simple-message-summary+xml",
    "application/simservs+xml",
    "application/smil",
    "application/soap+xml",
    "application/upp-directory+xml",
    "application/vnc.3gpp.iut-config+xml",
    "application/vnd.3gpp-prose+xml",
    "application/vnd.3gpp-prose-pc3ch+xml",
    "application/vnd.3gpp.access-transfer-events+xml",
    "application/vnd.3gpp.bsf+xml",
    "application/vnd.3gpp.comm-div-info+xml",
    "application/vnd.3gpp.cw+xml",
    "application/vnd.3gpp.iut+xml",
    "application/vnd.3gpp.mcdata-affiliation-command+xml",
    "application/vnd.3gpp.mcdata-info+xml",
    "application/vnd.3gpp.mcdata-location-info+xml",
    "application/vnd.3gpp.mcdata-mbms-usage-info+xml",
    "application/vnd.3gpp.mcdata-regroup+xml",
    "application/vnd.3gpp.mcdata-service-config+xml",
    "application/vnd.3gpp.mcdata-ue-config+xml",
    "application/vnd.3gpp.mcdata-user-profile+xml",
    "application/vnd.3gpp.mcptt-affiliation-command+xml",
    "application/vnd.3gpp.mcptt-floor-request+xml",
    "application/vnd.3gpp.mcptt-info+xml",
    "application/vnd.3gpp.mcptt-location-info+xml",
    "application/vnd.3gpp.mcptt-mbms-usage-info+xml",
    "application/vnd.3gpp.mcptt-regroup+xml",
    "application/vnd.3gpp.mcptt-service-config+xml",
    "application/vnd.3gpp.mcptt-signed+xml",
    "application/vnd.3gpp.mcptt-ue-config+xml",
    "application/vnd.3gpp.mcptt-ue-init-config+xml",
    "application/vnd.3gpp.mcptt-user-profile+xml",
    "application/vnd.3gpp.mcvideo-affiliation-command+xml",
    "application/vnd.3gpp.mcvideo-info+xml",
    "application/vnd.3gpp.mcvideo-location-info+xml",
    "application/vnd.3gpp.mcvideo-mbms-usage-info+xml",
    "application/vnd.3gpp.mcvideo-service-config+xml",
    "application/vnd.3gpp.mcvideo-ue-config+xml",
    "application/vnd.3gpp.mcvideo-user-profile+xml",
    "application/vnd.3gpp.mid-call+xml",
    "application/vnd.3gpp.replication+xml",
    "application/vnd.3gpp.sms+xml",
    "application/vnd.3gpp.srvcc-ext+xml",
    "application/vnd.3gpp.srvcc-info+xml",
    "application/vnd.3gpp.state-and-event-info+xml",
    "application/vnd.3gpp.transmission-request+xml",
    "application/vnd.3gpp.ussd+xml",
    "application/vnd.3gpp2.bcmcsinfo+xml",
    "application/vnd.etsi.aoc+xml",
    "application/vnd.etsi.cug+xml",
    "application/vnd.etsi.iptvcommand+xml",
    "application/vnd.etsi.iptvdiscovery+xml",
    "application/vnd.etsi.iptvprofile+xml",
    "application/vnd.etsi.iptvsad-bc+xml",
    "application/vnd.etsi.iptvsad-cod+xml",
    "application/vnd.etsi.iptvsad-npvr+xml",
    "application/vnd.etsi.iptvservice+xml",
    "application/vnd.etsi.iptvsync+xml",
    "application/vnd.etsi.iptvueprofile+xml",
    "application/vnd.etsi.mcid+xml",
    "application/vnd.etsi.overload-control-policy-dataset+xml",
    "application/vnd.etsi.pstn+xml",
    "application/vnd.etsi.sci+xml",
    "application/vnd.etsi.simservs+xml",
    "application/vnd.etsi.tsl+xml",
    "application/vnd.oma.access-permissions-list+xml",
    "application/vnd.oma.alias-principals-list+xml",
    "application/vnd.oma.bcast.associated-procedure-parameter+xml",
    "application/vnd.oma.bcast.drm-trigger+xml",
    "application/vnd.oma.bcast.imd+xml",
    "application/vnd.oma.bcast.notification+xml",
    "application/vnd.oma.bcast.sgdd+xml",
    "application/vnd.oma.bcast.smartcard-trigger+xml",
    "application/vnd.oma.bcast.sprov+xml",
    "application/vnd.oma.cab-address-book+xml",
    "application/vnd.oma.cab-feature-handler+xml",
    "application/vnd.oma.cab-pcc+xml",
    "application/vnd.oma.cab-subs-invite+xml",
    "application/vnd.oma.cab-user-prefs+xml",
    "application/vnd.oma.dd2+xml",
    "application/vnd.oma.drm.risd+xml",
    "application/vnd.oma.fnl+xml",
    "application/vnd.oma.group-usage-list+xml",
    "application/vnd.oma.pal+xml",
    "application/vnd.oma.poc.detailed-progress-report+xml",
    "application/vnd.oma.poc.final-report+xml",
    "application/vnd.oma.poc.groups+xml",
    "application/vnd.oma.poc.invocation-descriptor+xml",
    "application/vnd.oma.poc.optimized-progress-report+xml",
    "application/vnd.oma.scidm.messages+xml",
    "application/vnd.oma.suppnot+xml",
    "application/vnd.oma.xcap-directory+xml",
    "application/vnd.oma.xdcp+xml",
    "application/vnd.oma.xdm-apd+xml",
    "application/vnd.oma.xdm-hi+xml",
    "application/vnd.oma.xdm-prefs+xml",
    "application/vnd.oma.xdm-rhi+xml",
    "application/vnd.omads-email+xml",
    "application/vnd.omads-file+xml",
    "application/vnd.omads-folder+xml",
    "application/vnd.wv.csp+xml",
    "application/vnd.wv.csp.xml",
    "application/watcherinfo+xml",
    "application/x-crd+xml",
    "application/x-wms-logconnectstats",
    "application/x-wms-logplaystats",
    "application/x-wms-sendevent",
    "application/xcap-att+xml",
    "application/xcap-caps+xml",
    "application/xcap-diff+xml",
    "application/xcap-el+xml",
    "application/xcap-error+xml",
    "application/xcap-ns+xml",
    "application/xml",
    "application/xml-dtd",
    "application/xpidf+xml",
    "application/xslt+xml",
    "image/svg+xml",
    "message/imdn+xml",
    "text/vnd.wap.co",
    "text/vnd.wap.emn",
    "text/vnd.wap.si",
    "text/vnd.wap.sl",
    "text/vnd.wap.wml",
    "text/xml",
];

/// The media types packet-text-media.c registers, sorted.
const TEXT: [&str; 19] = [
    "application/vnd.drm.message",
    "application/vnd.poc.refer-to",
    "application/x-javascript",
    "application/x-ns-proxy-autoconfig",
    "application/x-rtsp-udp-packetpair",
    "application/x-tia-p25-issi",
    "application/x-tia-p25-sndcp",
    "application/xml-external-parsed-entity",
    "text/css",
    "text/enriched",
    "text/html",
    "text/javascript",
    "text/parameters",
    "text/plain",
    "text/richtext",
    "text/vnd.sun.j2me.app-descriptor",
    "text/x-ref-list",
    "text/x-ref-simple",
    "text/xml-external-parsed-entity",
];

/// The media types packet-json.c registers, sorted.
const JSON: [&str; 11] = [
    "application/dds-web+json",
    "application/json",
    "application/json-patch+json",
    "application/json-rpc",
    "application/jsonrequest",
    "application/merge-patch+json",
    "application/problem+json",
    "application/senml+json",
    "application/sensml+json",
    "application/vnd.oma.lwm2m+json",
    "application/x-ndjson",
];

/// The dissector registered for a media type (lower case, without parameters).
fn registered(media: &str) -> Option<Dissector> {
    let has = |list: &[&str]| list.binary_search(&media).is_ok();
    Some(match media {
        "image/gif" => Dissector::Gif,
        "image/png" => Dissector::Png,
        "image/jpeg" | "image/jpg" | "image/jfif" => Dissector::Jfif,
        "application/octet-stream" | "application/x-fcs" => Dissector::Silent,
        "application/ocsp-request" => Dissector::Ocsp { request: true },
        "application/ocsp-response" => Dissector::Ocsp { request: false },
        _ if has(&XML) => Dissector::Xml,
        _ if has(&TEXT) => Dissector::Text,
        _ if has(&JSON) => Dissector::Json,
        _ => return None,
    })
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
            // packet-text-media.c hands a body that starts as an XML declaration (and
            // is longer than the shortest one) to the XML dissector.
            if body.len() > 38 && body[..5].eq_ignore_ascii_case(b"<?xml") {
                out.protocol = Some("XML");
            } else {
                out.info = format!(" ({media})");
            }
        }
        Dissector::Json => {
            out.protocol = Some("JSON");
            out.info = format!(", JavaScript Object Notation ({media})");
        }
        // The image dissectors want 20 bytes at least and their signature.
        Dissector::Gif => {
            if body.len() < 20 || !(body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a")) {
                return false;
            }
            out.info = format!(" ({})", String::from_utf8_lossy(&body[..6]));
        }
        Dissector::Png => {
            if body.len() < 20 || !body.starts_with(b"\x89PNG\r\n\x1a\n") {
                return false;
            }
            out.info = " (PNG)".into();
            if !png_chunks_fit(&body[8..]) {
                out.info.push_str("[Malformed Packet]");
            }
        }
        Dissector::Jfif => {
            // The start of image, then an APP0 segment of JFIF or an APP1 of Exif.
            let id = match body.get(..4) {
                Some([0xff, 0xd8, 0xff, 0xe0]) => b"JFIF\0",
                Some([0xff, 0xd8, 0xff, 0xe1]) => b"Exif\0",
                _ => return false,
            };
            if body.len() < 20 || &body[6..11] != id {
                return false;
            }
            out.info = " (JPEG JFIF image)".into();
        }
        Dissector::Ocsp { request } => {
            out.protocol = Some("OCSP");
            out.info = if request { "Request" } else { "Response" }.into();
            out.own = true;
        }
        Dissector::Silent => {}
    }
    true
}

/// Whether every PNG chunk (length, type, data, CRC) is whole: packet-png.c reads them to
/// the end of the body and marks the packet malformed where one is cut.
fn png_chunks_fit(mut b: &[u8]) -> bool {
    while !b.is_empty() {
        let Some(len) = b.get(..4) else { return false };
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let Some(rest) = len.checked_add(12).and_then(|n| b.get(n..)) else {
            return false;
        };
        b = rest;
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
    fn tables_are_sorted() {
        for list in [&XML[..], &TEXT[..], &JSON[..]] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
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
