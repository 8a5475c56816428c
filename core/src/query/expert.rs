//! Expert items, as Wireshark's Expert Info dialog and `tshark -q -z expert` list them.
//!
//! Every item of a capture ([`Items`]) is read from the packets' detail, the one place
//! their texts are written (`detail::expert`): the scan that feeds it builds each
//! packet's detail with the application layers fed only for the conversations whose
//! layers add items ([`Scope`]). [`Found`] keeps them (8 bytes an item, the texts once)
//! and groups them by severity, then by group, protocol and summary, as tshark prints
//! them, as they come. The TCP analysis items alone are known from the ingest without
//! reading a packet ([`expert_items`]).

use crate::capture::tcp::{Kind, Severity};
use crate::capture::Capture;
use crate::ingest::hash::{Map, Set};
use crate::query::detail::{
    self, Apps, Detail, FrameInfo, Group, Index, Kind as NodeKind, Node, Scope,
};
use crate::query::fields::{FieldCtx, PacketSource};
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

/// One expert item of a packet's detail, as [`Found`] hands it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
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
    pub field: &'a str,
    /// The item's text (cut as Wireshark cuts a label).
    pub message: &'a str,
    /// Its line of the tally ([`Found::line`]).
    pub line: u32,
}

/// What items of one kind share: all but the frame.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Shared {
    severity: Severity,
    group: &'static str,
    protocol: &'static str,
    field: Rc<str>,
    message: Rc<str>,
}

/// A line of the tally as items come: the kind of its first item, and its count.
#[derive(Clone, Copy, Debug)]
struct Running {
    first: u32,
    count: u64,
}

/// The key of a line: severity, group, protocol and text.
type LineKey = (Severity, &'static str, &'static str, Rc<str>);

/// The expert items of a capture, in the order they were read, in little memory: an
/// item is its frame and the index of its kind (8 bytes), the kinds (severity, group,
/// protocol, field, text) kept once each with their texts interned, since most items
/// repeat a few ("Previous segment not captured", an HTTP server's status line). The
/// tally of every item so far is kept as they come ([`Found::sections`]), so a front end
/// shows the lines while the packets are read.
#[derive(Default)]
pub struct Found {
    /// Each item: its frame's low 32 bits and its kind.
    items: Vec<(u32, u32)>,
    /// The frames' high 32 bits: from which item on, which (none while they are 0).
    highs: Vec<(usize, u32)>,
    kinds: Vec<Shared>,
    kind_at: Map<Shared, u32>,
    /// The line of each kind.
    kind_line: Vec<u32>,
    texts: Set<Rc<str>>,
    lines: Vec<Running>,
    line_at: Map<LineKey, u32>,
}

impl Found {
    /// Adds an item.
    pub fn push(
        &mut self,
        frame: u64,
        severity: Severity,
        group: &'static str,
        protocol: &'static str,
        field: &str,
        message: &str,
    ) {
        let shared = Shared {
            severity,
            group,
            protocol,
            field: self.text(field),
            message: self.text(message),
        };
        let kind = match self.kind_at.get(&shared) {
            Some(&k) => k,
            None => self.new_kind(shared),
        };
        let high = (frame >> 32) as u32;
        if self.highs.last().map_or(0, |h| h.1) != high {
            self.highs.push((self.items.len(), high));
        }
        self.items.push((frame as u32, kind));
        if let Some(l) = self.lines.get_mut(self.kind_line[kind as usize] as usize) {
            l.count += 1;
        }
    }

    /// The kept copy of `s`.
    fn text(&mut self, s: &str) -> Rc<str> {
        match self.texts.get(s) {
            Some(t) => Rc::clone(t),
            None => {
                let t: Rc<str> = Rc::from(s);
                self.texts.insert(Rc::clone(&t));
                t
            }
        }
    }

    fn new_kind(&mut self, shared: Shared) -> u32 {
        let kind = self.kinds.len() as u32;
        let key = (
            shared.severity,
            shared.group,
            shared.protocol,
            Rc::clone(&shared.message),
        );
        let line = *self.line_at.entry(key).or_insert_with(|| {
            self.lines.push(Running {
                first: kind,
                count: 0,
            });
            self.lines.len() as u32 - 1
        });
        self.kind_line.push(line);
        self.kind_at.insert(shared.clone(), kind);
        self.kinds.push(shared);
        kind
    }

    /// How many items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many lines the tally has ([`Found::sections`]).
    pub fn lines(&self) -> usize {
        self.lines.len()
    }

    /// The items per severity, worst first (error, warning, note, chat).
    pub fn counts(&self) -> [u64; 4] {
        let mut c = [0; 4];
        for l in &self.lines {
            c[3 - self.kinds[l.first as usize].severity as usize] += l.count;
        }
        c
    }

    /// Item `i`, in the order read.
    pub fn get(&self, i: usize) -> Option<Item<'_>> {
        let &(low, kind) = self.items.get(i)?;
        let high = match self.highs.partition_point(|h| h.0 <= i) {
            0 => 0,
            n => self.highs[n - 1].1,
        };
        let k = &self.kinds[kind as usize];
        Some(Item {
            frame: u64::from(high) << 32 | u64::from(low),
            severity: k.severity,
            group: k.group,
            protocol: k.protocol,
            field: &k.field,
            message: &k.message,
            line: self.kind_line[kind as usize],
        })
    }

    /// The items in the order read.
    pub fn iter(&self) -> impl Iterator<Item = Item<'_>> {
        (0..self.items.len()).filter_map(|i| self.get(i))
    }

    /// The line of a severity, group, protocol and summary, if an item has it.
    pub fn line(
        &self,
        severity: Severity,
        group: &str,
        protocol: &str,
        summary: &str,
    ) -> Option<u32> {
        self.lines
            .iter()
            .position(|l| {
                let k = &self.kinds[l.first as usize];
                (k.severity, k.group, k.protocol, &*k.message)
                    == (severity, group, protocol, summary)
            })
            .map(|l| l as u32)
    }

    /// Every item so far grouped as tshark's `-z expert` prints them: the severities
    /// worst first (those with no item left out), each its lines in the order of their
    /// first item. Costs a step a line, not an item.
    pub fn sections(&self) -> Vec<Section> {
        self.grouped(self.lines.iter().map(|l| (l.first, l.count)))
    }

    /// As [`Found::sections`], over the items whose frame `keep` keeps (a line's order
    /// and field are those of its first item kept).
    pub fn sections_of(&self, mut keep: impl FnMut(u64) -> bool) -> Vec<Section> {
        // Per line: where it is in `order`, or u32::MAX before its first item kept.
        let mut at = vec![u32::MAX; self.lines.len()];
        let mut order: Vec<(u32, u64)> = Vec::new();
        for it in 0..self.items.len() {
            let Some(item) = self.get(it) else { continue };
            if !keep(item.frame) {
                continue;
            }
            let line = &mut at[item.line as usize];
            if *line == u32::MAX {
                *line = order.len() as u32;
                order.push((self.items[it].1, 0));
            }
            order[*line as usize].1 += 1;
        }
        self.grouped(order)
    }

    /// Lines (the kind of a line's first item, its count), in the order of their first
    /// item, as sections.
    fn grouped(&self, lines: impl IntoIterator<Item = (u32, u64)>) -> Vec<Section> {
        let mut by: [Vec<Line>; 4] = Default::default();
        for (kind, count) in lines {
            let k = &self.kinds[kind as usize];
            by[3 - k.severity as usize].push(Line {
                group: k.group,
                protocol: k.protocol,
                summary: k.message.to_string(),
                field: k.field.to_string(),
                count,
            });
        }
        let worst_first = [
            Severity::Error,
            Severity::Warning,
            Severity::Note,
            Severity::Chat,
        ];
        worst_first
            .into_iter()
            .zip(by)
            .filter(|(_, lines)| !lines.is_empty())
            .map(|(severity, lines)| Section {
                severity,
                count: lines.iter().map(|l| l.count).sum(),
                lines,
            })
            .collect()
    }

    /// Gives back the room the vectors took ahead, once every item is read.
    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
        self.kinds.shrink_to_fit();
        self.kind_line.shrink_to_fit();
        self.lines.shrink_to_fit();
    }
}

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
            // No expert item is among an HTTP body's items.
            apps: apps
                .scoped(Scope::of_experts(
                    capture.app_inner.iter().any(Option::is_some),
                ))
                .without_bodies(),
            spare: Vec::new(),
        }
    }

    /// Adds the expert items of packet `index` to `out`, in its tree's order.
    pub fn packet(
        &mut self,
        ctx: &mut FieldCtx<'_>,
        index: usize,
        src: &mut dyn PacketSource,
        out: &mut Found,
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

/// Adds the expert items of one packet's detail to `out`, in its tree's order. Those of
/// the packet an ICMP error quotes are left out, as tshark's tap leaves out what it adds
/// in an error packet.
pub fn of_detail(d: &Detail, out: &mut Found) {
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
        // An item belongs to the innermost protocol that names it (an IPv6 extension
        // header's under the ipv6 layer).
        let mut stack: Vec<(&Node, &'static str)> = vec![(layer, protocol)];
        while let Some((n, protocol)) = stack.pop() {
            if n.name == "_ws.expert" {
                item(d.number, protocol, n, out);
                continue;
            }
            stack.extend(
                n.children
                    .iter()
                    .rev()
                    .filter(|c| !(error && c.kind == NodeKind::Proto))
                    .map(|c| match detail::short_name(&c.name) {
                        s if c.kind == NodeKind::Proto && !s.is_empty() => (c, s),
                        _ => (c, protocol),
                    }),
            );
        }
    }
}

/// Adds the item an `_ws.expert` node holds (`detail::expert` writes its children).
fn item(frame: u64, protocol: &'static str, n: &Node, out: &mut Found) -> Option<()> {
    let child = |name: &str| n.children.iter().find(|c| c.name == name);
    let value = |name: &str| child(name)?.show.parse::<u32>().ok();
    let field = n.children.first()?.name.as_ref();
    // The trailer's items sit in Ethernet's tree, but packet-ethertype.c adds them
    // (after the payload's dissector): the protocol running then is Ethertype.
    let protocol = if protocol == "Ethernet" && field.starts_with("eth.padding") {
        "Ethertype"
    } else {
        protocol
    };
    out.push(
        frame,
        detail::severity_of_value(value("_ws.expert.severity")?)?,
        Group::of_value(value("_ws.expert.group")?)?.name(),
        protocol,
        field,
        &child("_ws.expert.message")?.show,
    );
    Some(())
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
    /// The expert field of its first item (`tcp.analysis.retransmission`).
    pub field: String,
    /// How many items.
    pub count: u64,
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
        let mut found = Found::default();
        for i in 0..capture.packets.len() {
            reader.packet(&mut ctx, i, &mut src, &mut found);
        }
        let mut out = String::new();
        write_tshark(&mut out, &found.sections());
        assert_eq!(out, TSHARK);
        // Every item kept: the same tally over all of them.
        assert_eq!(found.sections_of(|_| true), found.sections());
        assert_eq!(found.counts(), [0, 0, 6, 18]);
        let first = found.get(0).unwrap();
        assert_eq!(
            (first.frame, first.protocol, first.group, first.field),
            (1, "TCP", "Sequence", "tcp.connection.syn")
        );
        // 24 items of 10 texts; a text (and its field) kept once however many share it.
        assert_eq!((found.len(), found.lines()), (24, 10));
        let fins: Vec<&str> = found
            .iter()
            .filter(|i| i.message == "Connection finish (FIN)")
            .map(|i| i.message)
            .collect();
        assert_eq!(fins.len(), 6);
        assert!(fins.iter().all(|m| std::ptr::eq(*m, fins[0])));
    }

    /// A line's order, count and field over the items kept are those of the items kept
    /// alone; a frame past 32 bits is kept whole.
    #[test]
    fn a_tally_over_some_items_is_that_of_those_items() {
        let mut found = Found::default();
        let big = (1u64 << 33) + 5;
        for (frame, field, message) in [
            (1, "a.one", "one"),
            (2, "a.two", "two"),
            (3, "a.one2", "one"),
            (big, "a.three", "three"),
        ] {
            found.push(frame, Severity::Note, "Sequence", "TCP", field, message);
        }
        found.push(
            4,
            Severity::Error,
            "Malformed",
            "IPv4",
            "_ws.malformed",
            "bad",
        );
        let frames: Vec<u64> = found.iter().map(|i| i.frame).collect();
        assert_eq!(frames, [1, 2, 3, big, 4]);
        let all = found.sections();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].severity, all[0].count), (Severity::Error, 1));
        let summaries = |s: &Section| -> Vec<(String, String, u64)> {
            s.lines
                .iter()
                .map(|l| (l.summary.clone(), l.field.clone(), l.count))
                .collect()
        };
        assert_eq!(
            summaries(&all[1]),
            [
                ("one".into(), "a.one".into(), 2),
                ("two".into(), "a.two".into(), 1),
                ("three".into(), "a.three".into(), 1)
            ]
        );
        // Without frame 1, "two" comes first and "one"'s field is frame 3's.
        let some = found.sections_of(|f| f != 1 && f != 4);
        assert_eq!(some.len(), 1);
        assert_eq!(
            summaries(&some[0]),
            [
                ("two".into(), "a.two".into(), 1),
                ("one".into(), "a.one2".into(), 1),
                ("three".into(), "a.three".into(), 1)
            ]
        );
        assert_eq!(
            found.line(Severity::Note, "Sequence", "TCP", "two"),
            Some(1)
        );
        assert_eq!(found.line(Severity::Chat, "Sequence", "TCP", "two"), None);
        assert_eq!(found.counts(), [1, 0, 4, 0]);
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
