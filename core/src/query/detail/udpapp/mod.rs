//! The UDP application protocols tshark names by port and the ingest does not parse
//! (DHCP, NTP …): their layer in the packet detail, with tshark 4.0's field names,
//! texts and values, so that a filter on any of them reads what the tree shows.
//!
//! Which protocol a datagram goes to is the field extractor's decision
//! (`query::fields::udp`: the lower port first, the bytes each dissector looks at, a
//! TFTP request's conversation), so the detail, the packet list and the filters agree.
//!
//! tshark's dissectors throw when they read past the bytes they have: past the captured
//! bytes of a packet cut by the snap length (`[Packet size limited during capture]`,
//! `_ws.short`), or past the datagram's own length (`[Malformed Packet]`,
//! `_ws.malformed`). The tree keeps what was added before; [`Stop`] is that exception
//! here.

mod dhcp;
mod ntp;
mod syslog;
mod tftp;
pub(crate) use ntp::{MODES as NTP_MODES, VERSIONS as NTP_VERSIONS};
pub(crate) use syslog::FACILITIES as SYSLOG_FACILITIES;

use super::{short_name, Detail, Group, Node};
use crate::capture::tcp::Severity;
use crate::capture::Capture;
use crate::ingest::wire::{LayerSpan, Layers, Proto};
use crate::query::fields::{udp, PacketSource};
use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// Where a dissector stopped reading, as tshark's exceptions say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// A read past the captured bytes, within the datagram (`BoundsError`).
    Short,
    /// A read past the datagram's end (`ReportedBoundsError`).
    Malformed,
}

/// A datagram's payload: the bytes captured of it, and how long the datagram says it
/// is (which may be more).
#[derive(Clone, Copy)]
pub(super) struct Payload<'a> {
    /// The captured bytes.
    pub b: &'a [u8],
    /// Its length by the UDP header.
    pub reported: usize,
    /// Where it starts in the frame.
    pub at: usize,
}

impl<'a> Payload<'a> {
    /// Whether bytes `start..end` can be read, or the exception reading them throws.
    pub fn need(&self, end: usize) -> Result<(), Stop> {
        if end <= self.b.len() {
            Ok(())
        } else if end > self.reported {
            Err(Stop::Malformed)
        } else {
            Err(Stop::Short)
        }
    }

    /// Bytes `start..start + len`, or the exception reading them throws.
    pub fn get(&self, start: usize, len: usize) -> Result<&'a [u8], Stop> {
        self.need(start + len)?;
        Ok(&self.b[start..start + len])
    }

    /// The byte at `at`.
    pub fn u8(&self, at: usize) -> Result<u8, Stop> {
        Ok(self.get(at, 1)?[0])
    }

    /// The big-endian 16 bits at `at`.
    pub fn u16(&self, at: usize) -> Result<u16, Stop> {
        let b = self.get(at, 2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The big-endian 32 bits at `at`.
    pub fn u32(&self, at: usize) -> Result<u32, Stop> {
        let b = self.get(at, 4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Adds the layer of the UDP application protocol packet `index` carries (of those
/// `query::fields::udp` names), when its last layer is UDP and no parser of ours took
/// the payload, and names it in `protocols`. With a source of the capture's other
/// packets, a TFTP transfer's packet names the request that began it (read from `src`).
#[allow(clippy::too_many_arguments)]
pub(super) fn layers(
    capture: &Capture,
    index: usize,
    bytes: &[u8],
    reassembled: Option<(&[u8], u8)>,
    ls: &Layers,
    src: Option<&mut dyn PacketSource>,
    d: &mut Detail,
    protocols: &mut Vec<&'static str>,
) {
    let Some(l) = last_udp(ls, reassembled.is_some()) else {
        return;
    };
    let (whole, source) = reassembled.unwrap_or((&[], 0));
    let datagram = l.bytes(bytes, whole);
    // packet-udp.c hands on the bytes the UDP length says when it says fewer than IP's
    // (a datagram reassembled from overlapping fragments may hold more).
    let said = datagram
        .get(4..6)
        .map(|x| usize::from(u16::from_be_bytes([x[0], x[1]])))
        .filter(|&u| u >= 8 && u < l.len as usize);
    let datagram = match said {
        Some(u) => &datagram[..u.min(datagram.len())],
        None => datagram,
    };
    let reported = said.unwrap_or(l.len as usize).saturating_sub(8);
    let (Some(h), Some(b)) = (datagram.get(..4), datagram.get(8..)) else {
        return;
    };
    let ports = [
        u16::from_be_bytes([h[0], h[1]]),
        u16::from_be_bytes([h[2], h[3]]),
    ];
    let row = capture.packets.at(index);
    let tftp = capture
        .tftp_from(row.flow)
        .is_some_and(|from| index as u64 >= u64::from(from));
    let name = if tftp {
        (!b.is_empty()).then_some("tftp")
    } else {
        udp::dissector(ports, b)
    };
    let Some(name) = name else {
        return;
    };
    protocols.push(name);
    if name == "tftp" && b.len() > 4 && b[..2] == [0, 3] {
        // packet-tftp.c hands a DATA packet's bytes to `data` (RFC 1350 §5).
        protocols.push("data");
    }
    let p = Payload {
        b,
        reported,
        at: l.payload_offset() as usize,
    };
    // The offset of the layer an exception is shown at: the one whose dissector caught
    // it, the ethertype's payload (tshark's `dissect_ethertype` catches what is thrown
    // below it).
    let caught = ls
        .as_slice()
        .iter()
        .find(|x| matches!(x.proto, Proto::Ip | Proto::Ipv6))
        .map_or(0, |x| x.offset as usize);
    let mut out = Vec::new();
    let stop = match name {
        "dhcp" if udp::present(name, ports, b) => dhcp::dissect(p, &mut out),
        // packet-dhcp.c reads the client's address for the Info column before it adds
        // its item: too short a request throws first.
        "dhcp" => Err(dhcp::first_reads(p)),
        "ntp" => ntp::dissect(p, &mut out),
        "tftp" => {
            let request = match (capture.tftp_from(row.flow), src) {
                (Some(from), Some(src)) => tftp_request(capture, row.flow, from as usize, src),
                _ => None,
            };
            tftp::dissect(p, request.as_ref(), &mut out)
        }
        "syslog" => syslog::dissect(p, &mut out),
        "ssdp" => {
            ssdp(p, &mut out);
            Ok(())
        }
        _ => Ok(()),
    };
    let first = d.layers.len();
    d.layers.extend(out);
    if let Err(s) = stop {
        d.layers.push(exception(s, short_name(name), caught));
    }
    if l.reassembled {
        // In the IP datagram the packet completed: its bytes are a source of their own.
        for n in &mut d.layers[first..] {
            n.set_source(source);
        }
    }
}

/// The packets looked back at from a TFTP transfer's first packet for its request.
const TFTP_LOOK: usize = 4096;

/// The TFTP request that claimed conversation `flow` for TFTP from its packet `from`:
/// the last datagram to port 69 at or before `from` between the same client address
/// and port and the same server address (its conversation is `flow` itself when the
/// server answers from port 69), read from `src`.
fn tftp_request(
    capture: &Capture,
    flow: u32,
    from: usize,
    src: &mut dyn PacketSource,
) -> Option<tftp::Request> {
    use crate::capture::flow::{Direction, L4};
    let c = capture.conversations.get(flow as usize)?;
    // The request's conversation: the client's side of this one with the server's
    // address and port 69.
    let to_69 = |r: &crate::capture::flow::Conversation| {
        (r.port_b == 69)
            .then_some(Direction::AToB)
            .or((r.port_a == 69).then_some(Direction::BToA))
    };
    let (rflow, way) = capture
        .conversations
        .iter()
        .enumerate()
        .filter(|(_, r)| r.proto == L4::Udp)
        .find_map(|(i, r)| {
            let way = to_69(r)?;
            let (client, cport, server) = match way {
                Direction::AToB => (r.a, r.port_a, r.b),
                Direction::BToA => (r.b, r.port_b, r.a),
            };
            let ours = (c.a == client && c.port_a == cport && c.b == server)
                || (c.b == client && c.port_b == cport && c.a == server);
            ours.then_some((i as u32, way))
        })?;
    let start = from.saturating_sub(TFTP_LOOK);
    let end = (from + 1).min(capture.packets.len());
    let at = (start..)
        .zip(capture.packets.range(start..end))
        .filter(|(_, r)| r.flow == rflow && r.dir() == way)
        .map(|(i, _)| i)
        .last()?;
    let row = capture.packets.get(at)?;
    let mut buf = Vec::new();
    if !src.read(at, &row, &mut buf) {
        return None;
    }
    let mut ls = Layers::default();
    crate::ingest::wire::dissect_layers(capture.linktype_of(&row), &buf, usize::MAX, &mut ls);
    let payload = last_udp(&ls, false)?.bytes(&buf, &[]).get(8..)?;
    tftp::request(payload, at as u64 + 1)
}

/// SSDP (UPnP Device Architecture §1.3): packet-ssdp.c hands the datagram to HTTP's
/// dissector, whose items it shows under its own: a message from its request or status
/// line (one the datagram ends counts), else the lines that look like headers, as
/// packet-http.c reads a Continuation's (the datagrams `fields::udp` names SSDP).
fn ssdp(p: Payload<'_>, out: &mut Vec<Node>) {
    use super::app::http;
    let message = udp::ssdp_line(p.b).is_some() || {
        let mut ended = p.b.to_vec();
        ended.extend_from_slice(b"\r\n");
        udp::ssdp_line(&ended) == Some(p.b)
    };
    let request = !p.b.starts_with(b"HTTP/");
    let mut nodes = if message {
        http::dissect(p.b, p.at, request, http::Bodies::Own)
    } else {
        vec![http::continuation::layer(p.b, p.at)]
    };
    if let Some(first) = nodes.first_mut() {
        first.name = "ssdp".into();
        first.showname = "Simple Service Discovery Protocol".into();
        if p.b.starts_with(b"NOTIFY ") {
            notification(first);
        }
    }
    out.extend(nodes);
}

/// packet-http.c's NOTIFY (GENA, UPnP Device Architecture §4.3) is a notification, not
/// a request: its header lines not of a known header are `http.unknown_header` (their
/// text the value), the known ones have no `http.request.line` beside them, and
/// `http.notification` is set instead of `http.request`.
fn notification(n: &mut Node) {
    n.children
        .retain(|c| !(c.name == "http.request.line" && c.hidden));
    for c in &mut n.children {
        match &*c.name {
            "http.request.line" => {
                c.name = "http.unknown_header".into();
                c.show = c.showname.clone();
            }
            "http.request" => {
                c.name = "http.notification".into();
                c.showname = "Notification: True".into();
            }
            _ => {}
        }
    }
}

/// The last layer of a packet when it is UDP (not a tunnel's outer UDP, nor a layer an
/// ICMP error quotes).
/// The packet's last layer, when it is UDP; one of a reassembled datagram only when
/// `reassembled` (its bytes are at hand).
fn last_udp(ls: &Layers, reassembled: bool) -> Option<&LayerSpan> {
    let l = ls.as_slice().iter().rev().find(|l| !l.quoted)?;
    (l.proto == Proto::Udp && (reassembled || !l.reassembled)).then_some(l)
}

/// The item tshark adds where a dissector threw: `[Packet size limited during capture:
/// DHCP/BOOTP truncated]`, or `[Malformed Packet: NTP]` at the layer that caught it
/// (IMAP's too, `lines`).
pub(super) fn exception(stop: Stop, proto: &str, caught: usize) -> Node {
    match stop {
        Stop::Short => Node::proto(
            "_ws.short",
            format!("[Packet size limited during capture: {proto} truncated]"),
            0,
            0,
        ),
        Stop::Malformed => {
            let mut n = Node::proto(
                "_ws.malformed",
                format!("[Malformed Packet: {proto}]"),
                caught,
                0,
            );
            n.push_expert(
                "_ws.malformed.expert",
                "Malformed Packet (Exception occurred)",
                Severity::Error,
                Group::Malformed,
            );
            n
        }
    }
}

/// An IPv4 address of 4 bytes.
pub(super) fn ipv4(b: &[u8]) -> String {
    match b {
        [a, b, c, d] => Ipv4Addr::new(*a, *b, *c, *d).to_string(),
        _ => String::new(),
    }
}

/// Plain hex, as an `FT_BYTES` value's text shows it: at most 36 bytes, then `…`.
pub(super) fn plain_hex(b: &[u8]) -> String {
    const MAX: usize = 36;
    if b.len() > MAX {
        return format!("{}…", super::hex(&b[..MAX]));
    }
    super::hex(b)
}

/// A string field's text and value as tshark 4.0 shows an ASCII string: up to its first
/// NUL, bytes past ASCII as U+FFFD; in the text, control characters in C's escapes
/// (`\n`) or octal (`\005`). The value keeps them (the PDML writer escapes them).
pub(crate) fn ascii(b: &[u8]) -> (String, String) {
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    let mut text = String::new();
    let mut show = String::new();
    for &c in b {
        let ch = if c < 0x80 { c as char } else { '\u{fffd}' };
        show.push(ch);
        let esc = match c {
            7 => 'a',
            8 => 'b',
            9 => 't',
            10 => 'n',
            11 => 'v',
            12 => 'f',
            13 => 'r',
            0x20..=0x7e | 0x80..=0xff => {
                text.push(ch);
                continue;
            }
            _ => {
                let _ = write!(text, "\\{c:03o}");
                continue;
            }
        };
        text.push('\\');
        text.push(esc);
    }
    (text, show)
}

/// UTF-8 text as tshark 4.0 shows it (`format_text`) and its value: invalid bytes as
/// U+FFFD; in the text, ASCII's control characters as in [`ascii`] and other characters
/// that do not print as `\uXXXX`.
pub(super) fn utf8_text(b: &[u8]) -> (String, String) {
    let show = String::from_utf8_lossy(b).into_owned();
    let mut text = String::with_capacity(show.len());
    for c in show.chars() {
        if c.is_ascii() {
            let (t, _) = ascii(&[c as u8]);
            text.push_str(if c == '\0' { "\\000" } else { &t });
        } else if prints(c) {
            text.push(c);
        } else {
            let _ = write!(text, "\\u{:04X}", c as u32);
        }
    }
    (text, show)
}

/// Whether GLib's `g_unichar_isprint` holds for a character past ASCII: not a control
/// or format character, nor one for private use.
fn prints(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e)
        || matches!(u, 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f)
        || matches!(u, 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff | 0xf0000..))
}

/// A string field of bytes `b` (`size` bytes of the datagram, which may be more than
/// were captured): its text as tshark shows it ([`ascii`], cut to the label's length
/// with `[truncated]`), its value the string.
pub(super) fn string_node(
    name: &'static str,
    label: &str,
    b: &[u8],
    pos: usize,
    size: usize,
) -> Node {
    let (text, show) = ascii(b);
    let mut n = super::string_field(name, label, text, pos, size).hex(b);
    n.show = show;
    n
}

#[cfg(test)]
mod test;
