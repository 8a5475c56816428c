//! What packet-http.c hands an HTTP message's body to (tshark 4.0): the body, dechunked
//! and decoded, goes to the dissector registered for its media type; when there is none,
//! or that one rejects the bytes, to the heuristic dissectors of HTTP bodies; when none
//! of those takes it either, to packet-media.c (or, without a Content-Type, to "data").
//!
//! The media types are tshark 4.0.17's own `media_type` table (its entries looked up one
//! by one with a Lua script); the rules of each dissector were checked against tshark
//! with the bodies of tests/data/servers/http-media.pcap and http-json.pcap. The packet
//! list words the columns from the same choice (`query::rows`).

use super::json;
use crate::query::fields::Fid;
use std::borrow::Cow;

/// The dissectors the media-type table names that we word; the others (WBXML, SIP,
/// multipart, …) are left to packet-media.c's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dissector {
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
pub(crate) const XML: [&str; 150] = [
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
pub(crate) const TEXT: [&str; 19] = [
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
pub(crate) const JSON: [&str; 11] = [
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
pub(crate) fn registered(media: &str) -> Option<Dissector> {
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

/// The media type of the message `b` (lower case, without parameters; None without a
/// Content-Type) and the body packet-http.c hands on: dechunked, and decoded from gzip or
/// deflate (the encoded bytes when they do not decode). `head` is where the head ends.
pub(crate) fn message_body(b: &[u8], head: usize) -> (Option<String>, Cow<'_, [u8]>) {
    let header = head_fields(&b[..head.min(b.len())]);
    let chunked = header("transfer-encoding").is_some_and(|t| t == "chunked");
    let raw = b.get(head..).unwrap_or(&[]);
    let mut body = if chunked {
        Cow::Owned(dechunk(raw))
    } else {
        Cow::Borrowed(raw)
    };
    // packet-http.c decodes gzip and deflate before it hands the body on; when that
    // fails it hands on the encoded bytes.
    if let Some(d) = header("content-encoding").and_then(|e| decode(&e, &body)) {
        body = Cow::Owned(d);
    }
    let media =
        header("content-type").map(|ct| ct.split(';').next().unwrap_or("").trim().to_owned());
    (media.filter(|m| !m.is_empty()), body)
}

/// The header fields of an HTTP head, lower case, by their lower-case names.
pub(crate) fn head_fields(head: &[u8]) -> impl Fn(&str) -> Option<String> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    move |name| {
        head.split("\r\n")
            .skip(1)
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == name))
            .map(|(_, v)| v.trim().to_owned())
    }
}

fn find(b: &[u8], pat: &[u8]) -> Option<usize> {
    b.windows(pat.len()).position(|w| w == pat)
}

/// Whether dissector `d` takes `body`: the image dissectors want 20 bytes at least and
/// their signature; the others take any body.
pub(crate) fn takes(d: Dissector, body: &[u8]) -> bool {
    match d {
        Dissector::Gif => {
            body.len() >= 20 && (body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a"))
        }
        Dissector::Png => body.len() >= 20 && body.starts_with(b"\x89PNG\r\n\x1a\n"),
        Dissector::Jfif => {
            // The start of image, then an APP0 segment of JFIF or an APP1 of Exif.
            let id = match body.get(..4) {
                Some([0xff, 0xd8, 0xff, 0xe0]) => b"JFIF\0",
                Some([0xff, 0xd8, 0xff, 0xe1]) => b"Exif\0",
                _ => return false,
            };
            body.len() >= 20 && &body[6..11] == id
        }
        _ => true,
    }
}

/// Whether the dissector registered for `media` rejects `body` (packet-http.c then adds
/// "HTTP body subdissector failed, trying heuristic subdissector" and tries the
/// heuristic dissectors): only the image dissectors reject a body, one without their
/// signature; XML, text, JSON and the others take any.
pub(crate) fn rejected(media: Option<&str>, body: &[u8]) -> bool {
    !body.is_empty() && media.and_then(registered).is_some_and(|d| !takes(d, body))
}

/// packet-text-media.c hands a body that starts as an XML declaration (and is longer
/// than the shortest one) to the XML dissector.
pub(crate) fn text_is_xml(body: &[u8]) -> bool {
    body.len() > 38 && body[..5].eq_ignore_ascii_case(b"<?xml")
}

/// The protocols `frame.protocols` names for a body of `media` type (as
/// [`message_body`] gives both) with an item a filter finds, in order, as field ids:
/// `json` (and `data-text-lines` after it for what follows the JSON values it parsed),
/// `xml`, `data-text-lines`, the images, `urlencoded-form`, `media`. None of them for an empty
/// body (packet-http.c calls no dissector), nor for those of dissectors that are not
/// fields here ("data", OCSP, RTMPT, MIME multipart).
pub(crate) fn body_protocols(media: Option<&str>, body: &[u8]) -> Vec<Fid> {
    if body.is_empty() {
        return Vec::new();
    }
    match media {
        Some("application/x-www-form-urlencoded") => return vec![Fid::UrlencodedForm],
        Some(m) if other_dissector(m) => return Vec::new(),
        _ => {}
    }
    match media.and_then(registered) {
        Some(Dissector::Json) => {
            return if json::parse(body, false, |_| {}) < body.len() {
                vec![Fid::Json, Fid::DataTextLines]
            } else {
                vec![Fid::Json]
            };
        }
        Some(Dissector::Xml) => return vec![Fid::Xml],
        // packet-text-media.c hands it on before it adds its own item: frame.protocols
        // names both (`data-text-lines:xml`), a filter finds only `xml`.
        Some(Dissector::Text) if text_is_xml(body) => return vec![Fid::Xml],
        Some(Dissector::Text) => return vec![Fid::DataTextLines],
        Some(Dissector::Ocsp { .. } | Dissector::Silent) => return Vec::new(),
        Some(d) if takes(d, body) => return vec![image(d)],
        _ => {}
    }
    // The heuristic dissectors of HTTP bodies enabled by default that we know: the
    // image formats, each by its signature.
    for d in [Dissector::Png, Dissector::Jfif, Dissector::Gif] {
        if takes(d, body) {
            return vec![image(d)];
        }
    }
    match media {
        Some(_) => vec![Fid::Media],
        None => Vec::new(),
    }
}

/// Media types tshark 4.0 registers for dissectors with no field here, met in the
/// corpus or common: MIME multipart, an e-mail message (imf), HTTP in HTTP, SDP, DNS
/// over HTTPS, gRPC. (Its table holds some 400 types; the others it registers are taken
/// here for `media`'s.)
fn other_dissector(media: &str) -> bool {
    media.starts_with("multipart/")
        || media.starts_with("application/grpc")
        || matches!(
            media,
            "message/rfc822" | "message/http" | "application/sdp" | "application/dns-message"
        )
}

fn image(d: Dissector) -> Fid {
    match d {
        Dissector::Gif => Fid::ImageGif,
        Dissector::Png => Fid::Png,
        _ => Fid::ImageJfif,
    }
}

/// The data of a chunked body's chunks (RFC 9112 §7.1), as far as they are whole.
pub(crate) fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(b, b"\r\n") {
        let size = b[..eol]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .try_fold(0usize, |n, &c| {
                n.checked_mul(16)?
                    .checked_add((c as char).to_digit(16)? as usize)
            });
        let Some(size) = size.filter(|&n| n > 0) else {
            break;
        };
        let data = &b[eol + 2..];
        let take = size.min(data.len());
        out.extend_from_slice(&data[..take]);
        if take < size {
            break;
        }
        b = data.get(size + 2..).unwrap_or(&[]);
    }
    out
}

/// A body decoded from gzip (RFC 1952) or deflate (a zlib stream, RFC 1950), or None
/// when it is neither or does not decode.
pub(crate) fn decode(encoding: &str, b: &[u8]) -> Option<Vec<u8>> {
    use miniz_oxide::inflate::{decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit};
    /// Enough for what the body's dissectors look at, bounded whatever the input.
    const LIMIT: usize = 16 << 20;
    match encoding {
        "gzip" | "x-gzip" => {
            let deflate = gzip_member(b)?;
            whole_or_start(decompress_to_vec_with_limit(deflate, LIMIT))
        }
        "deflate" => whole_or_start(decompress_to_vec_zlib_with_limit(b, LIMIT))
            .or_else(|| whole_or_start(decompress_to_vec_with_limit(b, LIMIT))),
        _ => None,
    }
}

/// What inflated: all of it, or the start of a stream cut short (a body whose last
/// segments were not captured).
fn whole_or_start(r: Result<Vec<u8>, miniz_oxide::inflate::DecompressError>) -> Option<Vec<u8>> {
    match r {
        Ok(v) => Some(v),
        Err(e) => Some(e.output).filter(|o| !o.is_empty()),
    }
}

/// The deflate data of a gzip member: after its header and optional fields (RFC 1952
/// §2.3).
fn gzip_member(b: &[u8]) -> Option<&[u8]> {
    if b.len() < 10 || b[..3] != [0x1f, 0x8b, 8] {
        return None;
    }
    let flags = b[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let n = u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize;
        at += 2 + n;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            at += b.get(at..)?.iter().position(|&c| c == 0)? + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    b.get(at..)
}

/// Whether every PNG chunk (length, type, data, CRC) is whole: packet-png.c reads them to
/// the end of the body and marks the packet malformed where one is cut.
pub(crate) fn png_chunks_fit(mut b: &[u8]) -> bool {
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

    #[test]
    fn tables_are_sorted() {
        for list in [&XML[..], &TEXT[..], &JSON[..]] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    /// As tshark 4.0.17 names them (tests/data/servers/http-json.pcap, http-media.pcap).
    #[test]
    fn protocols_of_bodies() {
        use Fid::*;
        let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>";
        let gif = [&b"GIF89a"[..], &[0; 14]].concat();
        for (media, body, want) in [
            (
                Some("application/json"),
                &b"{\"a\": [1]}\n"[..],
                &[Json][..],
            ),
            (
                Some("application/json"),
                b"this is not {json",
                &[Json, DataTextLines],
            ),
            (Some("application/x-ndjson"), b"{}\n{}", &[Json]),
            (Some("application/json"), b"", &[]),
            (Some("text/html"), b"<html/>", &[DataTextLines]),
            // Text that is XML: frame.protocols has data-text-lines:xml, a filter only xml.
            (Some("text/html"), xml, &[Xml]),
            (Some("application/xml"), b"not xml", &[Xml]),
            (
                Some("application/x-www-form-urlencoded"),
                b"a=1",
                &[UrlencodedForm],
            ),
            (Some("image/gif"), &gif, &[ImageGif]),
            (Some("image/gif"), PNG, &[Png]),
            (Some("image/png"), b"not a png", &[Media]),
            (Some("application/x-unknown"), b"what", &[Media]),
            (Some("application/x-unknown"), PNG, &[Png]),
            (None, PNG, &[Png]),
            // "data", OCSP, multipart, imf: protocols with no field here.
            (None, b"no type", &[]),
            (Some("application/octet-stream"), PNG, &[]),
            (Some("multipart/form-data"), b"--x", &[]),
            (Some("message/rfc822"), b"MIME-Version: 1.0", &[]),
        ] {
            assert_eq!(body_protocols(media, body), want, "{media:?} {body:?}");
        }
        // A registered dissector that rejects the body: the images without their
        // signature (tests/data/servers/http-media.pcap frames 58, 78, 98).
        assert!(rejected(Some("image/gif"), b"GIF89a\x01\0\x01\0\0\0\0;"));
        assert!(rejected(Some("image/png"), b"not a png"));
        assert!(rejected(Some("image/jpeg"), b"\xff\xd8\xff\xdb"));
        assert!(!rejected(Some("image/gif"), &gif));
        assert!(!rejected(Some("image/png"), b""));
        assert!(!rejected(Some("application/json"), b"this is not {json"));
        assert!(!rejected(Some("application/x-unknown"), b"what"));
        assert!(!rejected(None, b"no type"));
    }

    #[test]
    fn bodies_dechunked_and_decoded() {
        let body = b"{\"a\": 1}";
        let gz = [
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3][..],
            &miniz_oxide::deflate::compress_to_vec(body, 6),
            &[0; 8],
        ]
        .concat();
        let mut m = b"HTTP/1.1 200 OK\r\nContent-Type: Application/JSON; charset=utf-8\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let head = m.len();
        m.extend_from_slice(format!("{:x}\r\n", gz.len()).as_bytes());
        m.extend_from_slice(&gz);
        m.extend_from_slice(b"\r\n0\r\n\r\n");
        let (media, got) = message_body(&m, head);
        assert_eq!(
            (media.as_deref(), &got[..]),
            (Some("application/json"), &body[..])
        );
    }
}
