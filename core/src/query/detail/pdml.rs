//! PDML, as `tshark -T pdml` writes it: the same elements and attributes
//! (`<pdml>`, `<packet>`, `<proto name showname size pos>`,
//! `<field name showname size pos show value>`), so tools that read tshark's PDML read
//! ours. Field values and texts are those of the detail tree.

use super::{Detail, Kind, Node};
use crate::query::fields::format_abs_time;
use std::fmt::Write as _;

/// The document's start: XML declaration, stylesheet and the `<pdml>` element.
/// `time` is when the document was written (the caller knows the clock), `capture_file`
/// the file read.
pub fn header(out: &mut String, time: &str, capture_file: &str) {
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<?xml-stylesheet type=\"text/xsl\" href=\"pdml2html.xsl\"?>\n");
    out.push_str(
        "<!-- You can find pdml2html.xsl in /usr/share/wireshark or at https://gitlab.com/wireshark/wireshark/-/raw/master/pdml2html.xsl. -->\n",
    );
    let _ = writeln!(
        out,
        "<pdml version=\"0\" creator=\"wirelens/{}\" time=\"{}\" capture_file=\"{}\">",
        env!("CARGO_PKG_VERSION"),
        escape(time),
        escape(capture_file)
    );
}

/// The document's end.
pub fn footer(out: &mut String) {
    out.push_str("</pdml>\n");
}

/// One `<packet>` element (followed, as tshark's, by two blank lines).
pub fn packet(out: &mut String, d: &Detail) {
    let caplen = d.sources.first().map_or(0, |s| s.bytes.len());
    out.push_str("<packet>\n");
    let _ = writeln!(
        out,
        "  <proto name=\"geninfo\" pos=\"0\" showname=\"General information\" size=\"{caplen}\">"
    );
    let _ = writeln!(
        out,
        "    <field name=\"num\" pos=\"0\" show=\"{n}\" showname=\"Number\" value=\"{n:x}\" size=\"{caplen}\"/>",
        n = d.number
    );
    let _ = writeln!(
        out,
        "    <field name=\"len\" pos=\"0\" show=\"{l}\" showname=\"Frame Length\" value=\"{l:x}\" size=\"{caplen}\"/>",
        l = d.len
    );
    let _ = writeln!(
        out,
        "    <field name=\"caplen\" pos=\"0\" show=\"{caplen}\" showname=\"Captured Length\" value=\"{caplen:x}\" size=\"{caplen}\"/>"
    );
    let mut ts = String::new();
    format_abs_time(d.ts_ns, &mut ts);
    let (secs, frac) = (
        d.ts_ns.div_euclid(1_000_000_000),
        d.ts_ns.rem_euclid(1_000_000_000),
    );
    let _ = writeln!(
        out,
        "    <field name=\"timestamp\" pos=\"0\" show=\"{ts}\" showname=\"Captured Time\" value=\"{secs}.{frac:09}\" size=\"{caplen}\"/>"
    );
    out.push_str("  </proto>\n");
    for layer in &d.layers {
        if layer.kind == Kind::Proto && layer.name != "data" {
            node(out, d, layer, 1, None);
        } else {
            // tshark wraps a field at the top of the tree (`tcp.segments`) in a proto of
            // its own.
            out.push_str("  <proto name=\"fake-field-wrapper\">\n");
            node(out, d, layer, 2, None);
            out.push_str("  </proto>\n");
        }
    }
    out.push_str("</packet>\n\n\n");
}

/// `parent`: where the parent node starts. tshark's PDML writes a field that starts
/// before its parent (one in another byte source: a decrypted QUIC packet's frames, an
/// expert item at offset 0) at the parent's start plus its own (print.c's
/// `print_pdml_field`).
fn node(out: &mut String, d: &Detail, n: &Node, depth: usize, parent: Option<u32>) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    if n.kind == Kind::Proto && n.name == "data" {
        // print.c writes the data protocol as a field with its bytes' hex alone.
        let v = n.bytes_in(d).map(super::hex).unwrap_or_default();
        let _ = writeln!(out, "<field name=\"data\" value=\"{v}\">");
        for c in &n.children {
            node(out, d, c, depth + 1, Some(n.pos));
        }
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push_str("</field>\n");
        return;
    }
    let tag = if n.kind == Kind::Proto {
        "proto"
    } else {
        "field"
    };
    let _ = write!(out, "<{tag} name=\"{}\"", escape(&n.name));
    match n.kind {
        Kind::Text => {
            let _ = write!(out, " show=\"{}\"", escape(&n.showname));
        }
        _ => {
            let _ = write!(out, " showname=\"{}\"", escape(&n.showname));
        }
    }
    if n.hidden {
        out.push_str(" hide=\"yes\"");
    }
    let pos = match parent {
        Some(p) if n.pos < p => p + n.pos,
        _ => n.pos,
    };
    let _ = write!(out, " size=\"{}\" pos=\"{pos}\"", n.size);
    if n.kind == Kind::Field {
        let _ = write!(out, " show=\"{}\"", escape(&n.show_text(d)));
    }
    if n.kind != Kind::Proto {
        if let Some(v) = n.value_hex(d) {
            let _ = write!(out, " value=\"{v}\"");
        }
        if let Some(u) = n.unmasked_hex(d) {
            let _ = write!(out, " unmaskedvalue=\"{u}\"");
        }
    }
    if n.children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for c in &n.children {
        node(out, d, c, depth + 1, Some(n.pos));
    }
    for _ in 0..depth {
        out.push_str("  ");
    }
    let _ = writeln!(out, "</{tag}>");
}

/// Text as Wireshark's `xml_escape` writes it into an attribute: the five XML
/// entities (`'` as `&#x27;`), and control characters other than tab, line feed and
/// carriage return, and DEL, as `\xN` (XML 1.0 allows none of them).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#x27;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::detail::Source;

    #[test]
    fn attributes_are_escaped_and_ordered_as_tshark_writes_them() {
        let mut ip = Node::proto("ip", "Internet Protocol Version 4", 14, 20);
        ip.push(
            Node::field(
                "ip.flags",
                "010. .... = Flags: 0x2, Don't fragment",
                "0x02",
                20,
                1,
            )
            .masked(2, &[0x40]),
        );
        ip.push(
            Node::field(
                "ip.addr",
                "Source or Destination Address: 1.2.3.4",
                "1.2.3.4",
                26,
                4,
            )
            .hex(&[1, 2, 3, 4])
            .hide(),
        );
        let d = Detail {
            number: 1,
            len: 60,
            ts_ns: 1_361_916_156_677_488_000,
            sources: vec![Source {
                name: "Frame (60 bytes)".into(),
                bytes: vec![0; 60],
            }],
            layers: vec![ip],
        };
        let mut s = String::new();
        packet(&mut s, &d);
        assert!(s.contains("<field name=\"timestamp\" pos=\"0\" show=\"Feb 26, 2013 22:02:36.677488000 UTC\" showname=\"Captured Time\" value=\"1361916156.677488000\" size=\"60\"/>"), "{s}");
        assert!(s.contains("  <proto name=\"ip\" showname=\"Internet Protocol Version 4\" size=\"20\" pos=\"14\">\n"));
        assert!(s.contains("    <field name=\"ip.flags\" showname=\"010. .... = Flags: 0x2, Don&#x27;t fragment\" size=\"1\" pos=\"20\" show=\"0x02\" value=\"2\" unmaskedvalue=\"40\"/>\n"));
        assert!(s.contains("<field name=\"ip.addr\" showname=\"Source or Destination Address: 1.2.3.4\" hide=\"yes\" size=\"4\" pos=\"26\" show=\"1.2.3.4\" value=\"01020304\"/>"));
        assert!(s.ends_with("  </proto>\n</packet>\n\n\n"));
    }
}
