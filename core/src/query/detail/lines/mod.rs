//! The line-based protocols tshark dissects on their TCP ports that no parser of ours
//! reads: FTP, SMTP, POP, IMAP and Telnet (`packet-ftp.c`, `packet-smtp.c`,
//! `packet-pop.c`, `packet-imap.c`, `packet-telnet.c` of tshark 4.0).
//!
//! Which segments carry a protocol's item is decided once, by
//! [`FieldCtx::tcpapp_item`] (the rows and filters ask the same): a segment with payload
//! that TCP hands on, up to an accepted STARTTLS. SMTP and IMAP gather a line cut over
//! segments: the segment that ends it shows the line, from a byte source of its own
//! (`Reassembled TCP`), and the segments before it show no protocol above TCP.

mod ftp;
mod imap;
mod pop;
mod smtp;
pub(super) mod starttls;
mod telnet;

use super::app::{reassembled, Gathered};
use super::{escape, short_name, Detail, Node};
use crate::capture::flow::{Direction, L4};
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::ingest::app::{foreign_port, payload_of};
use crate::ingest::wire::{self, Summary};
use crate::query::fields::tcpapps::{self, Framing};
use crate::query::fields::{FieldCtx, PacketSource};

/// The most packets of a conversation looked at before or after a segment for the
/// others of a line cut over segments.
const MAX_LOOK: usize = 4096;

/// What a segment of a line-based conversation is to its protocol: the detail's layer
/// and the packet list's row are both made from it.
enum Segment {
    /// A retransmission, which TCP hands to no dissector: nothing above TCP.
    Withheld,
    /// A segment of a line that a later segment ends (SMTP, IMAP): nothing above TCP,
    /// its bytes gathered into that segment's.
    Inside,
    /// No item of the protocol: after an accepted STARTTLS the bytes are TLS.
    Other,
    /// The item alone, over the payload (at `start` in the frame, `len` bytes): an earlier
    /// segment could not be read (a source that holds only the packets at hand), or
    /// SMTP's client sent DATA or AUTH before (a message or credentials, which
    /// `packet-smtp.c` follows with state not kept here).
    Alone {
        proto: &'static str,
        start: usize,
        len: usize,
        to_server: bool,
    },
    /// The lines the segment ends: `pdu`, its own payload (at `start` in the frame) or,
    /// when `pieces` (frame number, length) lists the segments it gathered, theirs and
    /// its own.
    Lines {
        proto: &'static str,
        pdu: Vec<u8>,
        start: usize,
        pieces: Vec<(u64, usize)>,
        to_server: bool,
    },
}

/// What packet `index` (its frame `bytes`, its headers `summary`) is to the line-based
/// protocol of its conversation; None when its conversation is none or it carries no
/// payload.
fn segment(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    bytes: &[u8],
    summary: &Summary,
) -> Option<Segment> {
    let capture = ctx.capture();
    let row = ctx.row_of(index)?;
    if row.flow == NO_FLOW {
        return None;
    }
    let conv = capture.conversations.get(row.flow as usize)?;
    if conv.proto != L4::Tcp {
        return None;
    }
    let proto = tcpapps::proto_of([conv.port_a, conv.port_b])?;
    let Some(Framing::Lines(lines)) = tcpapps::framing(proto) else {
        return None;
    };
    let p = summary.payload.filter(|p| !p.reassembled && p.len > 0)?;
    let start = p.offset as usize;
    let payload = bytes.get(start..start + p.len as usize)?;
    if crate::query::fields::withheld(capture, index) {
        return Some(Segment::Withheld);
    }
    let to_server = to_server(proto, [conv.port_a, conv.port_b], row.dir());
    let gathers = lines.gathers();
    ctx.begin_with_bytes(index, bytes);
    let item = ctx.tcpapp_item(proto, src);
    if !item {
        // After an accepted STARTTLS no later segment ends a line.
        let inside = gathers && !ctx.after_starttls() && line_ended_later(ctx, src, index, &row);
        ctx.begin_with_bytes(index, bytes);
        return Some(if inside {
            Segment::Inside
        } else {
            Segment::Other
        });
    }
    // (Known once the conversation was followed up to this packet, above.)
    let stateful = proto == "smtp" && to_server && ctx.smtp_client_stateful();
    // The segments before it whose line it ends.
    let before = if gathers {
        gathered_before(ctx, src, index, &row)
    } else {
        Some(Vec::new())
    };
    ctx.begin_with_bytes(index, bytes);
    let (Some(before), false) = (before, stateful) else {
        return Some(Segment::Alone {
            proto,
            start,
            len: payload.len(),
            to_server,
        });
    };
    let mut pdu = Vec::new();
    let mut pieces = Vec::new();
    for (j, b) in &before {
        pieces.push((*j as u64 + 1, b.len()));
        pdu.extend_from_slice(b);
    }
    if !pieces.is_empty() {
        pieces.push((index as u64 + 1, payload.len()));
    }
    pdu.extend_from_slice(payload);
    Some(Segment::Lines {
        proto,
        pdu,
        start,
        pieces,
        to_server,
    })
}

/// Adds the layer of the line-based protocol packet `index` carries, if its
/// conversation is one (`bytes`: its frame, `summary`: its headers); returns whether
/// the payload is accounted for (a layer added, or a segment of a line that a later
/// segment ends), so that it is not `data`.
#[allow(clippy::too_many_arguments)]
pub(super) fn layers(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    bytes: &[u8],
    summary: &Summary,
    d: &mut Detail,
    protocols: &mut Vec<&'static str>,
) -> bool {
    let (proto, pdu, start, pieces, to_server) = match segment(ctx, src, index, bytes, summary) {
        None | Some(Segment::Other) => return false,
        Some(Segment::Withheld | Segment::Inside) => return true,
        Some(Segment::Alone {
            proto, start, len, ..
        }) => {
            d.layers
                .push(Node::proto(proto, proto_title(proto), start, len));
            protocols.push(proto);
            return true;
        }
        Some(Segment::Lines {
            proto,
            pdu,
            start,
            pieces,
            to_server,
        }) => (proto, pdu, start, pieces, to_server),
    };
    let (base, source) = if pieces.is_empty() {
        (start, 0)
    } else {
        (0, reassembled(d, Gathered::Tcp, &pieces, &pdu))
    };
    let mut threw = false;
    let nodes = match proto {
        "ftp" => ftp::dissect(&pdu, base, to_server),
        "pop" => match pop::dissect(&pdu, base, to_server) {
            Some(n) => n,
            None => return false,
        },
        "smtp" => smtp::dissect(&pdu, base, to_server).0,
        "imap" => {
            let imap::Dissected {
                nodes, threw: t, ..
            } = imap::dissect(&pdu, base, to_server);
            threw = t;
            if threw && source != 0 {
                // TCP adds the tree of the segments after its dissector returns.
                if d.layers.last().is_some_and(|n| n.name == "tcp.segments") {
                    d.layers.pop();
                }
            }
            nodes
        }
        "telnet" => telnet::dissect(&pdu, base),
        _ => return false,
    };
    for mut n in nodes {
        n.set_source(source);
        d.layers.push(n);
    }
    if threw {
        // Caught, as every exception below it, by the ethertype's dissector: shown at
        // the network layer's start.
        let caught = d
            .layers
            .iter()
            .find(|n| matches!(&*n.name, "ip" | "ipv6"))
            .map_or(0, |n| n.pos as usize);
        let stop = super::udpapp::Stop::Malformed;
        d.layers
            .push(super::udpapp::exception(stop, short_name(proto), caught));
    }
    protocols.push(proto);
    true
}

/// What the packet list shows of a segment of a line-based conversation.
pub(crate) enum Shown {
    /// The protocol's Protocol and Info columns (`FTP`, `Request: USER a`).
    Named(&'static str, String),
    /// A segment of a line a later segment ends: TCP's line, marked as a segment of a
    /// reassembled PDU.
    Gathered,
    /// Its TCP line alone (a retransmission).
    Tcp,
}

/// The packet list's columns of packet `index` (its frame `bytes`, its headers
/// `summary`) of a line-based conversation, as tshark 4.0's dissectors word them (their
/// `col_` calls): made from the same lines as its detail. None when the conversation is
/// none, the segment carries no payload, or it comes after an accepted STARTTLS (its
/// bytes are TLS records, the application layers' rows).
pub(crate) fn shown(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    bytes: &[u8],
    summary: &Summary,
) -> Option<Shown> {
    let (proto, pdu, to_server) = match segment(ctx, src, index, bytes, summary)? {
        Segment::Other => return None,
        Segment::Withheld => return Some(Shown::Tcp),
        Segment::Inside => return Some(Shown::Gathered),
        Segment::Alone {
            proto,
            start,
            len,
            to_server,
        } => (proto, bytes.get(start..start + len)?.to_vec(), to_server),
        Segment::Lines {
            proto,
            pdu,
            to_server,
            ..
        } => (proto, pdu, to_server),
    };
    let (len, _) = line_end(&pdu, 0);
    let first = escape(&pdu[..len]);
    let side = if to_server { "Request" } else { "Response" };
    let short = if to_server { "C" } else { "S" };
    Some(match proto {
        "ftp" => Shown::Named("FTP", format!("{side}: {first}")),
        // A multi-line reply's later segments (a message RETR fetched).
        "pop" if pop::continues(&pdu, to_server) => {
            let s = if pdu.len() == 1 { "" } else { "s" };
            Shown::Named("POP", format!("S: DATA fragment, {} byte{s}", pdu.len()))
        }
        "pop" => Shown::Named("POP", format!("{short}: {first}")),
        "smtp" => Shown::Named("SMTP", smtp::dissect(&pdu, 0, to_server).1),
        "imap" => {
            let d = imap::dissect(&pdu, 0, to_server);
            let line = escape(pdu.get(d.info).unwrap_or_default());
            // The dissector threw: the packet is malformed from there.
            let tail = if d.threw { "[Malformed Packet]" } else { "" };
            Shown::Named("IMAP", format!("{side}: {line}{tail}"))
        }
        _ => Shown::Named("TELNET", "Telnet Data ...".into()),
    })
}

/// Whether a packet sent in direction `dir` of a conversation with ports `ports` goes to
/// the server of `proto`: to the port of the protocol (the lower, when both are), as the
/// dissectors ask (`pinfo->match_uint == pinfo->destport`).
fn to_server(proto: &str, ports: [u16; 2], dir: Direction) -> bool {
    let on = |p: u16| foreign_port(L4::Tcp, p) == Some(proto);
    let server = match (on(ports[0]), on(ports[1])) {
        (true, true) => ports[0].min(ports[1]),
        (true, false) => ports[0],
        _ => ports[1],
    };
    let dst = match dir {
        Direction::AToB => ports[1],
        Direction::BToA => ports[0],
    };
    dst == server
}

/// The payload of packet `j` (a TCP segment), read from `src`.
fn payload_at(ctx: &FieldCtx<'_>, src: &mut dyn PacketSource, j: usize) -> Option<Vec<u8>> {
    let capture = ctx.capture();
    let row = capture.packets.at(j);
    let mut buf = Vec::new();
    if !src.read(j, &row, &mut buf) {
        return None;
    }
    let mut layers = wire::Layers::default();
    let s = wire::dissect_layers(capture.linktype_of(&row), &buf, usize::MAX, &mut layers);
    payload_of(&s, &buf, &[]).map(<[u8]>::to_vec)
}

/// The packets of the same conversation and direction as packet `index`, before it
/// (`back`) or after it, nearest first, among the [`MAX_LOOK`] nearest: found as they are
/// asked for (the callers stop at the first they look for; each row of a long
/// conversation asks).
fn same_side<'a>(
    capture: &'a crate::capture::Capture,
    index: usize,
    row: &PacketRow,
    back: bool,
) -> impl Iterator<Item = usize> + 'a {
    let n = capture.packets.len();
    let (flow, dir) = (row.flow, row.dir());
    let near: Box<dyn Iterator<Item = usize>> = if back {
        Box::new((index.saturating_sub(MAX_LOOK)..index).rev())
    } else {
        Box::new(index + 1..n.min(index + 1 + MAX_LOOK))
    };
    let mut rows = capture.packets.reader();
    near.filter(move |&j| {
        let r = rows.at(j);
        r.flow == flow && r.dir() == dir
    })
}

/// Whether a later segment of the same side has the protocol's item (it ends the line
/// this segment begins). A segment `src` does not hold ends the search (asking the
/// conversation's replay about it would feed it as unread: a scan in order, whose
/// source holds the packet at hand, feeds it later with its bytes).
fn line_ended_later(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    row: &PacketRow,
) -> bool {
    let proto = proto_name(ctx, row);
    for j in same_side(ctx.capture(), index, row, false) {
        if payload_at(ctx, src, j).is_none() {
            return false;
        }
        ctx.begin(j);
        if ctx.tcpapp_item(proto, src) {
            return true;
        }
    }
    false
}

/// The segments before packet `index` on its side that TCP gathered into the line it
/// ends (each with its payload, oldest first): those with payload and no item since
/// the last one with an item. None when one of them could not be read.
fn gathered_before(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    row: &PacketRow,
) -> Option<Vec<(usize, Vec<u8>)>> {
    let proto = proto_name(ctx, row);
    let mut out = Vec::new();
    for j in same_side(ctx.capture(), index, row, true) {
        ctx.begin(j);
        if ctx.tcpapp_item(proto, src) {
            break;
        }
        let capture = ctx.capture();
        let r = capture.packets.at(j);
        let carries = match r.tcp {
            crate::capture::packet::TcpHeader::One { len, .. } => len > 0,
            _ => true,
        };
        if !carries || crate::query::fields::withheld(capture, j) {
            continue;
        }
        match payload_at(ctx, src, j) {
            Some(p) if !p.is_empty() => out.push((j, p)),
            Some(_) => {}
            None => return None,
        }
    }
    out.reverse();
    Some(out)
}

/// The text of a protocol's item.
fn proto_title(proto: &str) -> &'static str {
    match proto {
        "ftp" => "File Transfer Protocol (FTP)",
        "pop" => "Post Office Protocol",
        "smtp" => "Simple Mail Transfer Protocol",
        "imap" => "Internet Message Access Protocol",
        _ => "Telnet",
    }
}

/// The protocol of the conversation of `row` (known to be one of this module's).
fn proto_name(ctx: &FieldCtx<'_>, row: &PacketRow) -> &'static str {
    ctx.capture()
        .conversations
        .get(row.flow as usize)
        .and_then(|c| tcpapps::proto_of([c.port_a, c.port_b]))
        .unwrap_or("")
}

/// A line of `b` from `at`: its length without the line end, and where the next line
/// starts (`tvb_find_line_end`: a line ends at CR LF, a lone CR or a lone LF).
pub(super) fn line_end(b: &[u8], at: usize) -> (usize, usize) {
    let rest = b.get(at..).unwrap_or(&[]);
    match rest.iter().position(|&c| c == b'\r' || c == b'\n') {
        None => (rest.len(), b.len()),
        Some(i) => {
            let eol = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            (i, at + i + eol)
        }
    }
}

/// The first token of `line` (up to a space), and where what follows it starts after
/// the spaces (`get_token_len`).
pub(super) fn token(line: &[u8]) -> (usize, usize) {
    let len = line.iter().position(|&c| c == b' ').unwrap_or(line.len());
    let next = len + line[len..].iter().take_while(|&&c| c == b' ').count();
    (len, next)
}

/// Bytes as an ASCII string field's value (`ENC_ASCII`): a byte past 0x7f is U+FFFD.
pub(super) fn ascii(b: &[u8]) -> String {
    b.iter()
        .map(|&c| if c < 0x80 { c as char } else { '\u{fffd}' })
        .collect()
}

/// A string field of bytes `b` at `pos` (`ENC_ASCII`): its value, and the text
/// `label: value` with control characters escaped.
pub(super) fn string(name: &'static str, label: &str, b: &[u8], pos: usize) -> Node {
    let v = ascii(b);
    let mut n = super::string_field(name, label, escape(v.as_bytes()), pos, b.len()).hex(b);
    n.show = v;
    n
}

/// A hidden boolean with no bytes (`ftp.request`, `smtp.req`).
pub(super) fn flag(name: &'static str, label: &str, v: bool, pos: usize) -> Node {
    let mut n = Node::field(
        name,
        format!("{label}: {}", if v { "True" } else { "False" }),
        if v { "1" } else { "0" },
        pos,
        0,
    )
    .hide();
    n.value = Some(String::new());
    n
}

/// A line as a text item (`proto_tree_add_format_text`).
pub(super) fn text_line(b: &[u8], pos: usize) -> Node {
    Node::text(escape(b), pos, b.len()).hex(b)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::detail::{detail, pdml, Apps, FrameInfo};
    use crate::query::fields::MemorySource;

    /// Serves each packet cut to `cut` bytes.
    struct Cut<'a>(MemorySource<'a>, usize);

    impl PacketSource for Cut<'_> {
        fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
            let ok = self.0.read(i, row, buf);
            buf.truncate(self.1);
            ok
        }
    }

    /// Serves packet `.1` only.
    struct Only<'a>(MemorySource<'a>, usize);

    impl PacketSource for Only<'_> {
        fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
            i == self.1 && self.0.read(i, row, buf)
        }
    }

    /// A line cut over segments is shown from a source of its own in the segment that
    /// ends it (tshark 4.0 on tests/data/tcpapps/detail.pcap, frames 34 and 35); the
    /// bytes after an accepted STARTTLS are TLS (lines.pcap, frame 13); packets asked
    /// for in any order, and cut short, give trees without a panic.
    #[test]
    fn gathered_lines_tls_after_starttls_and_cut_packets() {
        for (name, file) in [
            (
                "detail.pcap",
                &include_bytes!("../../../../../tests/data/tcpapps/detail.pcap")[..],
            ),
            (
                "lines.pcap",
                &include_bytes!("../../../../../tests/data/tcpapps/lines.pcap")[..],
            ),
            (
                "ssh-made.pcap",
                &include_bytes!("../../../../../tests/data/ssh/ssh-made.pcap")[..],
            ),
        ] {
            let capture = crate::ingest::ingest_bytes(name, file);
            let mut ctx = FieldCtx::new(&capture);
            let mut apps = Apps::new();
            let mut src = MemorySource { files: vec![file] };
            let at = |ctx: &mut FieldCtx<'_>, apps: &mut Apps, src: &mut MemorySource, i| {
                detail(ctx, i, src, apps, FrameInfo::default())
            };
            if name == "detail.pcap" {
                let d = at(&mut ctx, &mut apps, &mut src, 34);
                let code = d.find("smtp.response.code").unwrap();
                assert_eq!((code.show.as_str(), code.pos, code.source), ("250", 0, 1));
                assert_eq!(d.sources[1].name, "Reassembled TCP (15 bytes)");
                let d = at(&mut ctx, &mut apps, &mut src, 33);
                assert_eq!(
                    d.find("frame.protocols").unwrap().show,
                    "eth:ethertype:ip:tcp"
                );
            }
            if name == "lines.pcap" {
                // After FTP's accepted AUTH TLS, POP's STLS, SMTP's and IMAP's
                // STARTTLS: the first segment of a TLS record still incomplete, an empty
                // `tls` layer as tshark's (frames 13, 43, 32 and 54).
                for i in [12, 42, 31, 53] {
                    let d = at(&mut ctx, &mut apps, &mut src, i);
                    assert_eq!(
                        d.find("frame.protocols").unwrap().show,
                        "eth:ethertype:ip:tcp:tls"
                    );
                    let tls = d.find("tls").unwrap();
                    assert_eq!((tls.pos, tls.size, tls.children.len()), (54, 51, 0));
                }
                // The refused STARTTLS before: still SMTP.
                let d = at(&mut ctx, &mut apps, &mut src, 29);
                assert!(d.find("smtp").is_some() && d.find("tls").is_none());
            }
            // A source that holds only the packet at hand (a scan's): a line or an SSH
            // packet whose first bytes are not at hand shows its item alone, not fields
            // read from the wrong bytes.
            // Asked in order, as a scan asks, so that the replays are fed as they go.
            let only = |last: usize| {
                let mut ctx = FieldCtx::new(&capture);
                let mut apps = Apps::new();
                let mut d = None;
                for i in 0..=last {
                    let mut src = Only(MemorySource { files: vec![file] }, i);
                    d = Some(detail(
                        &mut ctx,
                        i,
                        &mut src,
                        &mut apps,
                        FrameInfo::default(),
                    ));
                }
                d.unwrap()
            };
            let gathered = match name {
                "detail.pcap" => Some((34, "smtp")),
                "ssh-made.pcap" => Some((7, "ssh")),
                _ => None,
            };
            if let Some((i, proto)) = gathered {
                let d = only(i);
                let layer = d.layers.iter().find(|l| l.name == proto).unwrap();
                assert!(layer.children.is_empty(), "{name} {i}");
                let whole = at(&mut ctx, &mut apps, &mut src, i);
                assert!(whole.find(proto).is_some_and(|l| !l.children.is_empty()));
            }
            let n = capture.packets.len();
            for i in (0..n).rev() {
                let d = at(&mut ctx, &mut apps, &mut src, i);
                let mut s = String::new();
                pdml::packet(&mut s, &d);
            }
            for cut in [0, 40, 54, 56, 60, 70, 100] {
                let mut src = Cut(MemorySource { files: vec![file] }, cut);
                let mut ctx = FieldCtx::new(&capture);
                let mut apps = Apps::new();
                for i in 0..n {
                    let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                    let mut s = String::new();
                    pdml::packet(&mut s, &d);
                }
            }
        }
    }

    #[test]
    fn lines_and_tokens_end_as_tsharks() {
        assert_eq!(line_end(b"USER a\r\nPASS", 0), (6, 8));
        assert_eq!(line_end(b"USER a\r\nPASS", 8), (4, 12));
        assert_eq!(line_end(b"a\rb", 0), (1, 2));
        assert_eq!(line_end(b"", 0), (0, 0));
        assert_eq!(token(b"RETR  two  spaces"), (4, 6));
        assert_eq!(token(b"NOOP"), (4, 4));
        assert_eq!(token(b" x"), (0, 1));
        assert_eq!(ascii(b"caf\xc3\xa9"), "caf\u{fffd}\u{fffd}");
    }
}
