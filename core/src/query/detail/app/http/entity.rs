//! An HTTP message's body as packet-http.c (tshark 4.0) shows it after the head: a
//! chunked body's chunks, a content-coded body's decoding, the body as "File Data", and
//! the layer of the dissector it goes to (the choice is `fields::pdu::http::body`'s, as
//! for the filters and the rows): JSON (packet-json.c), line-based text
//! (packet-text-media.c) or packet-media.c's "Media Type". A dechunked or decoded body is
//! a byte source of its own, as in tshark ("De-chunked entity body", "Uncompressed
//! entity body"); XML and the images are not shown yet.

use crate::query::detail::shown_bytes;
use crate::query::detail::{ascii_text, escape, format_text, string_field, Node, Source};
use crate::query::fields::pdu::http::body;
use crate::query::fields::pdu::http::json::{self, Item};
use crate::query::fields::Fid;

/// Which of a body's items [`show`] builds.
pub(crate) enum Bodies<'a> {
    /// None (a reader of fields none of which is in them, [`in_body`]).
    Skip,
    /// Those of a body that is the message's own bytes (SSDP's datagrams: no byte
    /// sources to add to).
    Own,
    /// All; a dechunked or decoded body is a byte source added to these.
    All(&'a mut Vec<Source>),
}

/// Whether `field`'s items are a body's (its chunks, File Data, its dissector's layers,
/// `data`): only a reader of one of them needs [`Bodies::All`].
pub(crate) fn in_body(field: Fid) -> bool {
    let name = field.name();
    let proto = name.split('.').next().unwrap_or(name);
    matches!(
        name,
        "http.file_data" | "http.chunk_size" | "http.chunk_data" | "http.chunk_boundary"
    ) || matches!(
        proto,
        "json" | "data-text-lines" | "media" | "data" | "xml" | "png" | "image-gif" | "image-jfif"
    )
}

/// Where the body's bytes lie: a source (None: the message's own, at `at`) and its
/// bytes.
struct Place<'a> {
    source: Option<u8>,
    at: usize,
    bytes: std::borrow::Cow<'a, [u8]>,
}

impl Place<'_> {
    /// A node built in this place put there (nodes in the message's own source are
    /// placed with the message).
    fn put(&self, mut n: Node) -> Node {
        if let Some(s) = self.source {
            n.set_source(s);
        }
        n
    }
}

/// The body of message `b` (its head ends at `h`; `at` is where `b` starts in its
/// source): its items go into the `http` layer `n`, its dissector's layers are returned.
/// `protocols` are the body's ([`super::body_protocols`]).
pub(crate) fn show(
    b: &[u8],
    (h, at): (usize, usize),
    to_server: bool,
    n: &mut Node,
    bodies: Bodies<'_>,
    protocols: &[&str],
) -> Vec<Node> {
    let raw = b.get(h..).unwrap_or(&[]);
    let mut sources = match bodies {
        _ if raw.is_empty() => return Vec::new(),
        Bodies::Skip => return Vec::new(),
        Bodies::Own => None,
        Bodies::All(s) => Some(s),
    };
    let header = body::head_fields(&b[..h]);
    let mut place = Place {
        source: None,
        at: at + h,
        bytes: raw.into(),
    };
    let mut new_source = |name: &str, bytes: Vec<u8>| -> Option<Place<'static>> {
        let sources = sources.as_deref_mut()?;
        let s = u8::try_from(sources.len()).ok()?;
        sources.push(Source {
            name: format!("{name} ({} bytes)", bytes.len()),
            bytes: bytes.clone(),
        });
        Some(Place {
            source: Some(s),
            at: 0,
            bytes: bytes.into(),
        })
    };
    if header("transfer-encoding").is_some_and(|t| t == "chunked") {
        n.push(chunks(raw, at + h, to_server));
        let data = body::dechunk(raw);
        if data.is_empty() {
            // No chunk with data: an empty File Data where the message starts.
            n.push(file_data(&[], at));
            return Vec::new();
        }
        match new_source("De-chunked entity body", data) {
            Some(p) => place = p,
            None => return Vec::new(),
        }
    }
    if let Some(coding) = header("content-encoding") {
        if let Some(decoded) = body::decode(&coding, &place.bytes) {
            let len = place.bytes.len();
            n.push(
                place.put(
                    Node::text(
                        format!(
                            "Content-encoded entity body ({coding}): {len} bytes -> {} bytes",
                            decoded.len()
                        ),
                        place.at,
                        len,
                    )
                    .hex(&place.bytes),
                ),
            );
            match new_source("Uncompressed entity body", decoded) {
                Some(p) => place = p,
                None => return Vec::new(),
            }
        }
    }
    let data = &place.bytes[..];
    if data.is_empty() {
        return Vec::new();
    }
    let len = data.len();
    n.push(place.put(file_data(data, place.at)));
    if protocols == ["data"] {
        // packet-data.c's item goes inside the http item.
        n.push(place.put(crate::query::detail::data::layer(data, place.at)));
    }
    let media =
        header("content-type").map(|ct| ct.split(';').next().unwrap_or("").trim().to_owned());
    let media = media.as_deref().unwrap_or("");
    // packet-media.c names the type with its parameters as written.
    let params = super::header(&b[..h], "Content-Type")
        .and_then(|ct| ct.split_once(';'))
        .map(|(_, p)| p.trim_start());
    let layers = match protocols {
        ["json", ..] => {
            let (layer, end) = json_layer(data, place.at, media);
            let mut v = vec![layer];
            if end < len {
                v.push(text_lines(&data[end..], place.at + end, media));
            }
            v
        }
        ["data-text-lines"] => vec![text_lines(data, place.at, media)],
        ["media"] => {
            let mut m = Node::proto("media", "Media Type", place.at, len);
            m.push(
                Node::field(
                    "media.type",
                    match params {
                        Some(p) => format!("Media type: {media}; {p} ({len} bytes)"),
                        None => format!("Media type: {media} ({len} bytes)"),
                    },
                    "",
                    place.at,
                    len,
                )
                .show_bytes(data)
                .hex(data),
            );
            vec![m]
        }
        _ => Vec::new(),
    };
    layers.into_iter().map(|l| place.put(l)).collect()
}

/// packet-http.c's item of the bytes it hands on (`data`, at `at`): as an ASCII string.
pub(super) fn file_data(data: &[u8], at: usize) -> Node {
    Node::field(
        "http.file_data",
        format!("File Data: {} bytes", data.len()),
        ascii_text(data),
        at,
        data.len(),
    )
    .hex(data)
}

/// "Octets" as packet-http.c words a count.
fn octets(n: usize) -> &'static str {
    if n == 1 {
        "octet"
    } else {
        "octets"
    }
}

/// A chunked body's chunks (RFC 9112 §7.1), at `at`: each chunk's size line, data and
/// boundary, then the last chunk and the empty line that ends the trailer.
fn chunks(raw: &[u8], at: usize, to_server: bool) -> Node {
    let kind = if to_server { "request" } else { "response" };
    let mut items = Vec::new();
    let mut pos = 0;
    while let Some(eol) = raw[pos..].windows(2).position(|w| w == b"\r\n") {
        let line = eol + 2;
        let Some(size) = raw[pos..pos + eol]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .try_fold(0usize, |n, &c| {
                n.checked_mul(16)?
                    .checked_add((c as char).to_digit(16)? as usize)
            })
        else {
            break;
        };
        let size_item = |size: usize| {
            Node::field(
                "http.chunk_size",
                format!("Chunk size: {size} {}", octets(size)),
                size.to_string(),
                at + pos,
                line,
            )
            .hex(&raw[pos..pos + line])
        };
        if size == 0 {
            // The last chunk: its line and the trailer's end (no trailer fields here).
            let end = (pos + line + 2).min(raw.len());
            let mut last =
                Node::text("End of chunked encoding", at + pos, end - pos).hex(&raw[pos..end]);
            last.push(size_item(0));
            items.push(last);
            if raw.get(pos + line..end) == Some(b"\r\n") {
                items.push(Node::text("\\r\\n", at + pos + line, 2).hex(b"\r\n"));
            }
            pos = end;
            break;
        }
        let data_at = pos + line;
        let Some(end) = data_at
            .checked_add(size)
            .and_then(|e| e.checked_add(2))
            .filter(|&e| e <= raw.len())
        else {
            break;
        };
        let data = &raw[data_at..data_at + size];
        let mut chunk = Node::text(
            format!("Data chunk ({size} {})", octets(size)),
            at + pos,
            end - pos,
        )
        .hex(&raw[pos..end]);
        chunk.push(size_item(size));
        chunk.push(
            Node::field(
                "http.chunk_data",
                format!("Chunk data: {}", shown_bytes(data)),
                "",
                at + data_at,
                size,
            )
            .show_bytes(data)
            .hex(data),
        );
        let boundary = &raw[data_at + size..end];
        chunk.push(
            Node::field(
                "http.chunk_boundary",
                format!("Chunk boundary: {}", crate::query::detail::hex(boundary)),
                "",
                at + data_at + size,
                2,
            )
            .show_bytes(boundary)
            .hex(boundary),
        );
        items.push(chunk);
        pos = end;
    }
    Node::text(format!("HTTP chunked {kind}"), at, pos)
        .hex(&raw[..pos])
        .with(items)
}

/// packet-text-media.c's layer: each line (up to a CR, an LF or a CR LF, included) as
/// a text item.
fn text_lines(b: &[u8], at: usize, media: &str) -> Node {
    let mut lines = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let end = match b[pos..].iter().position(|&c| c == b'\r' || c == b'\n') {
            Some(i) if b[pos + i] == b'\r' && b.get(pos + i + 1) == Some(&b'\n') => pos + i + 2,
            Some(i) => pos + i + 1,
            None => b.len(),
        };
        let line = &b[pos..end];
        lines.push(Node::text(format_text(line), at + pos, line.len()).hex(line));
        pos = end;
    }
    let name = if media.is_empty() {
        format!("Line-based text data ({} lines)", lines.len())
    } else {
        format!("Line-based text data: {media} ({} lines)", lines.len())
    };
    Node::proto("data-text-lines", name, at, b.len()).with(lines)
}

/// packet-json.c's layer over the values that parse at the start of `b` (at `at`), and
/// where they end.
fn json_layer(b: &[u8], at: usize, media: &str) -> (Node, usize) {
    let name = if media.is_empty() {
        "JavaScript Object Notation".to_owned()
    } else {
        format!("JavaScript Object Notation: {media}")
    };
    // The layer, then the objects, arrays and members open.
    let mut open = vec![Node::proto("json", name, at, 0)];
    let end = json::parse(b, true, |(item, from, to)| {
        let (pos, size, bytes) = (at + from, to - from, &b[from..to]);
        let leaf = match item {
            Item::Object | Item::Array => {
                let name = if item == Item::Object {
                    ("json.object", "Object")
                } else {
                    ("json.array", "Array")
                };
                open.push(Node::field(name.0, name.1, "", pos, size).none());
                return;
            }
            Item::Member(k) => {
                open.push(sfield("json.member", "Member", k, pos, size).hex(bytes));
                return;
            }
            Item::WithValue { path, key } => {
                if let Some(top) = open.last_mut() {
                    top.push(
                        sfield("json.path_with_value", "Path with value", path, pos, size)
                            .hex(bytes)
                            .gen(),
                    );
                    top.push(
                        sfield(
                            "json.member_with_value",
                            "Member with value",
                            key,
                            pos,
                            size,
                        )
                        .hex(bytes)
                        .gen(),
                    );
                }
                return;
            }
            Item::End => {
                close(&mut open);
                return;
            }
            Item::String(s) => sfield("json.value.string", "String value", s, pos, size).hex(bytes),
            Item::Number(n) => sfield(
                "json.value.number",
                "Number value",
                String::from_utf8_lossy(n).into_owned(),
                pos,
                size,
            )
            .hex(bytes),
            Item::True => Node::field("json.value.true", "True value", "", pos, size).none(),
            Item::False => Node::field("json.value.false", "False value", "", pos, size).none(),
            Item::Null => Node::field("json.value.null", "Null value", "", pos, size).none(),
            Item::Key(k) => sfield("json.key", "Key", k, pos, size).hex(bytes),
            Item::Path(p) => {
                if let Some(top) = open.last_mut() {
                    top.push(sfield("json.path", "Path", p, pos, size).hex(bytes).gen());
                }
                // A member's path is its last item.
                close(&mut open);
                return;
            }
        };
        if let Some(top) = open.last_mut() {
            top.push(leaf);
        }
    });
    while open.len() > 1 {
        close(&mut open);
    }
    let mut layer = open.pop().unwrap_or_default();
    layer.size = end as u32;
    (layer, end)
}

/// A string item of JSON's: its text shows the string as a label does (a control
/// character escaped), its value is the string.
fn sfield(name: &'static str, label: &str, value: String, pos: usize, size: usize) -> Node {
    let mut n = string_field(name, label, escape(value.as_bytes()), pos, size);
    n.show = value;
    n
}

/// Closes the innermost open item into the one around it.
fn close(open: &mut Vec<Node>) {
    if open.len() > 1 {
        if let Some(n) = open.pop() {
            if let Some(top) = open.last_mut() {
                top.push(n);
            }
        }
    }
}
