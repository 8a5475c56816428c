//! Expert items, as Wireshark's Expert Info dialog and `tshark -q -z expert` list them.
//!
//! Every item of a capture ([`Items`]) is read from the packets' detail, the one place
//! their texts are written (`detail::expert`): the scan that feeds it builds each
//! packet's detail with the application layers fed only for the conversations whose
//! layers add items ([`Scope`]). [`tally`] groups them by severity, then by group,
//! protocol and summary, as tshark prints them. The TCP analysis items alone are known
//! from the ingest without reading a packet ([`expert_items`]): what the page shows at
//! once while the scan reads the rest.

use crate::capture::tcp::{Kind, Severity};
use crate::capture::Capture;
use crate::query::detail::{
    self, Apps, Detail, FrameInfo, Group, Index, Kind as NodeKind, Node, Scope,
};
use crate::query::fields::{Fid, FieldCtx, PacketSource};
use serde::Serialize;
use std::rc::Rc;

/// One expert item, as Wireshark's Expert Info lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpertItem {
    /// Frame number (1-based).
    pub frame: u64,
    /// `tcp.stream` of the frame.
    pub stream: u32,
    /// Which item.
    pub kind: Kind,
    /// For a duplicate ACK, its number and the frame it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup_ack: Option<(u32, u64)>,
}

impl ExpertItem {
    /// Wireshark's severity.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// Wireshark's message, with the duplicate-ACK number where it has one.
    pub fn message(&self) -> String {
        match self.dup_ack {
            Some((n, _)) => format!("Duplicate ACK (#{n})"),
            None => self.kind.message().to_owned(),
        }
    }
}

/// The TCP expert items of a capture, frame by frame in Wireshark's order.
pub fn expert_items(capture: &Capture) -> impl Iterator<Item = ExpertItem> + '_ {
    capture.tcp_flags.iter().flat_map(move |&(index, flags)| {
        let stream = capture
            .packets
            .get(index as usize)
            .and_then(|p| capture.conversations.get(p.flow as usize))
            .map_or(u32::MAX, |c| c.stream);
        flags.kinds().map(move |kind| ExpertItem {
            frame: index + 1,
            stream,
            kind,
            dup_ack: (kind == Kind::DuplicateAck).then_some((flags.1, flags.2)),
        })
    })
}

/// One expert item of a packet's detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Frame number (1-based).
    pub frame: u64,
    /// Wireshark's severity.
    pub severity: Severity,
    /// Wireshark's group name (`Sequence`, `Malformed`).
    pub group: &'static str,
    /// The protocol whose layer the item is in, as tshark names it (`TCP`, `IPv4`,
    /// `DHCP/BOOTP`).
    pub protocol: &'static str,
    /// The expert's field (`tcp.connection.syn`).
    pub field: String,
    /// The item's text (cut as Wireshark cuts a label).
    pub message: String,
}

/// The application layers whose detail adds expert items: only conversations fed as
/// their protocols are fed (TCP's, IP's and the UDP protocols' items need no state).
const ITEM_LAYERS: [Fid; 4] = [Fid::Http, Fid::Memcache, Fid::Quic, Fid::Dns];

/// Reads the expert items of packets handed over in timeline order (a scan's matches:
/// [`Items::packet`]).
pub struct Items {
    apps: Apps,
    /// The frame buffer of the detail built last, reused for the next.
    spare: Vec<u8>,
}

impl Items {
    /// A reader over `capture`; `index`, the capture's detail index when it was gathered
    /// already (the page gathers it after the open).
    pub fn new(capture: &Capture, index: Option<Rc<Index>>) -> Self {
        let apps = index.map_or_else(Apps::new, Apps::with_index);
        Items {
            apps: apps.scoped(Scope::of_fields(capture, &ITEM_LAYERS)),
            spare: Vec::new(),
        }
    }

    /// Appends the expert items of packet `index` to `out`, in its tree's order.
    pub fn packet(
        &mut self,
        ctx: &mut FieldCtx<'_>,
        index: usize,
        src: &mut dyn PacketSource,
        out: &mut Vec<Item>,
    ) {
        let spare = std::mem::take(&mut self.spare);
        let info = FrameInfo {
            experts_only: true,
            ..FrameInfo::default()
        };
        let d = detail::detail_reusing(ctx, index, src, &mut self.apps, info, spare);
        of_detail(&d, out);
        if let Some(s) = d.sources.into_iter().next() {
            self.spare = s.bytes;
        }
    }
}

/// The expert items of one packet's detail, in its tree's order. Those of the packet an
/// ICMP error quotes are left out, as tshark's tap leaves out what it adds in an error
/// packet.
pub fn of_detail(d: &Detail, out: &mut Vec<Item>) {
    let mut protocol = "";
    for layer in &d.layers {
        protocol = match layer.name.as_ref() {
            // The protocol that threw, which the item's text names.
            "_ws.malformed" => layer
                .showname
                .strip_prefix("[Malformed Packet: ")
                .and_then(|s| s.strip_suffix(']'))
                .and_then(detail::short_named)
                .unwrap_or(protocol),
            name => detail::short_name(name),
        };
        let error = matches!(layer.name.as_ref(), "icmp" | "icmpv6");
        let mut stack: Vec<&Node> = vec![layer];
        while let Some(n) = stack.pop() {
            if n.name == "_ws.expert" {
                if let Some(item) = item(d.number, protocol, n) {
                    out.push(item);
                }
                continue;
            }
            stack.extend(
                n.children
                    .iter()
                    .rev()
                    .filter(|c| !(error && c.kind == NodeKind::Proto)),
            );
        }
    }
}

/// The item an `_ws.expert` node holds (`detail::expert` writes its children).
fn item(frame: u64, protocol: &'static str, n: &Node) -> Option<Item> {
    let child = |name: &str| n.children.iter().find(|c| c.name == name);
    let value = |name: &str| child(name)?.show.parse::<u32>().ok();
    let field = n.children.first()?.name.to_string();
    // The trailer's items sit in Ethernet's tree, but packet-ethertype.c adds them
    // (after the payload's dissector): the protocol running then is Ethertype.
    let protocol = if protocol == "Ethernet" && field.starts_with("eth.padding") {
        "Ethertype"
    } else {
        protocol
    };
    Some(Item {
        frame,
        severity: detail::severity_of_value(value("_ws.expert.severity")?)?,
        group: Group::of_value(value("_ws.expert.group")?)?.name(),
        protocol,
        field,
        message: child("_ws.expert.message")?.show.clone(),
    })
}

/// One line of tshark's `-z expert`: the items of one severity, group, protocol and
/// summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// Wireshark's group name.
    pub group: &'static str,
    /// The protocol, as tshark names it.
    pub protocol: &'static str,
    /// The items' text.
    pub summary: String,
    /// How many items.
    pub count: u64,
    /// Their frames (1-based), in order; a frame with two such items is there twice.
    pub frames: Vec<u64>,
}

/// The items of one severity, as one section of tshark's `-z expert`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The severity.
    pub severity: Severity,
    /// How many items.
    pub count: u64,
    /// Its lines, in the order their first item came (tshark's).
    pub lines: Vec<Line>,
}

impl Section {
    /// The section's title as tshark prints it (`Errors`, `Chats`).
    pub fn title(&self) -> &'static str {
        match self.severity {
            Severity::Error => "Errors",
            Severity::Warning => "Warns",
            Severity::Note => "Notes",
            Severity::Chat => "Chats",
        }
    }
}

/// `items` grouped as tshark's `-z expert` prints them: the severities worst first
/// (those with no item left out), each its lines in the order of their first item.
pub fn tally<'a>(items: impl IntoIterator<Item = &'a Item>) -> Vec<Section> {
    use std::collections::HashMap;
    let mut order: Vec<Severity> = Vec::new();
    let mut lines: Vec<Vec<Line>> = Vec::new();
    // The line of a severity, group, protocol and summary: (section, line).
    let mut at: HashMap<(Severity, &str, &str, &str), (usize, usize)> = HashMap::new();
    for it in items {
        let key = (it.severity, it.group, it.protocol, it.message.as_str());
        let (s, l) = *at.entry(key).or_insert_with(|| {
            let s = order
                .iter()
                .position(|&s| s == it.severity)
                .unwrap_or_else(|| {
                    order.push(it.severity);
                    lines.push(Vec::new());
                    order.len() - 1
                });
            lines[s].push(Line {
                group: it.group,
                protocol: it.protocol,
                summary: it.message.clone(),
                count: 0,
                frames: Vec::new(),
            });
            (s, lines[s].len() - 1)
        });
        let line = &mut lines[s][l];
        line.count += 1;
        line.frames.push(it.frame);
    }
    let mut sections: Vec<Section> = order
        .into_iter()
        .zip(lines)
        .map(|(severity, lines)| Section {
            severity,
            count: lines.iter().map(|l| l.count).sum(),
            lines,
        })
        .collect();
    sections.sort_by_key(|s| std::cmp::Reverse(s.severity));
    sections
}

/// The lines of `sections` as `tshark -q -z expert` prints them.
pub fn write_tshark(out: &mut String, sections: &[Section]) {
    use std::fmt::Write as _;
    for s in sections {
        let _ = write!(
            out,
            "\n{} ({})\n=============\n   Frequency      Group           Protocol  Summary\n",
            s.title(),
            s.count
        );
        for l in &s.lines {
            let _ = writeln!(
                out,
                "{:>12} {:>10} {:>18}  {}",
                l.count, l.group, l.protocol, l.summary
            );
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::tcp::TcpFlags;

    #[test]
    fn expert_metadata_matches_wireshark() {
        assert_eq!(Kind::OutOfOrder.severity(), Severity::Warning);
        assert_eq!(Kind::WindowUpdate.severity(), Severity::Chat);
        assert_eq!(Kind::Retransmission.severity(), Severity::Note);
        assert_eq!(
            Kind::from_name("tcp.analysis.window_full"),
            Some(Kind::WindowFull)
        );
        assert_eq!(Kind::LostSegment.field(), "tcp.analysis.lost_segment");
        let item = ExpertItem {
            frame: 9,
            stream: 0,
            kind: Kind::DuplicateAck,
            dup_ack: Some((2, 8)),
        };
        assert_eq!(item.message(), "Duplicate ACK (#2)");
        assert!(std::mem::size_of::<TcpFlags>() <= 16);
    }

    /// Every packet's items, grouped and printed, are what tshark 4.0.17 prints
    /// (`tshark -n -r three_http_streams.pcap -q -z expert`), long summary cut and all.
    #[test]
    fn items_of_a_capture_print_as_tshark_prints_them() {
        use crate::query::fields::{FieldCtx, MemorySource};
        let bytes = include_bytes!("../../../tests/data/three_http_streams.pcap");
        let capture = crate::ingest::ingest_bytes("three_http_streams.pcap", bytes);
        let mut src = MemorySource {
            files: vec![&bytes[..]],
        };
        let mut ctx = FieldCtx::new(&capture);
        let mut reader = Items::new(&capture, None);
        let mut items = Vec::new();
        for i in 0..capture.packets.len() {
            reader.packet(&mut ctx, i, &mut src, &mut items);
        }
        let mut out = String::new();
        write_tshark(&mut out, &tally(&items));
        assert_eq!(out, TSHARK);
        let first = &items[0];
        assert_eq!(
            (
                first.frame,
                first.protocol,
                first.group,
                first.field.as_str()
            ),
            (1, "TCP", "Sequence", "tcp.connection.syn")
        );
    }

    const TSHARK: &str = r#"
Notes (6)
=============
   Frequency      Group           Protocol  Summary
           3   Sequence                TCP  This frame initiates the connection closing
           3   Sequence                TCP  This frame undergoes the connection closing

Chats (18)
=============
   Frequency      Group           Protocol  Summary
           3   Sequence                TCP  Connection establish request (SYN): server port 80
           3   Sequence                TCP  Connection establish acknowledge (SYN+ACK): server port 80
           1   Sequence               HTTP  GET /serv?s=19190039&t=1361916157&f=us-p9h3 HTTP/1.1\r\n
           1   Sequence               HTTP  GET / HTTP/1.1\r\n
           1   Sequence               HTTP  GET /b?P=RD58jzc2LjH239XVUS0w1RrNNTAuN1EtMP3__70k&T=180rioivq%2fX%3d1361916157%2fE%3d76001284%2fR%3dnetwork%2fK%3d5%2fV%3d8.1%2fW%3d0%2fY%3dyahoo%2fF%3d1294295835%2fH%3dYWRjdmVyPSI2LjQuNCIgc2VydmVJZD0iUkQ1OGp6YzJMakgyMzlYVlVTMHcxUnJOTlRBdU
           2   Sequence               HTTP  HTTP/1.1 200 OK\r\n
           6   Sequence                TCP  Connection finish (FIN)
           1   Sequence               HTTP  HTTP/1.0 200 OK\r\n
"#;
}
