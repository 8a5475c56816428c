//! The tables of the workspace, built from core's queries over the packets the display
//! filter shows: conversations and endpoints (`tshark -z conv,…`, `-z endpoints,…`),
//! sessions (`wirelens sessions`, tcplife's columns), expert items, and the protocol
//! hierarchy (`tshark -z io,phs`).
//!
//! With a filter, the counts are those of the displayed packets, as Wireshark's
//! statistics "limited to display filter": TCP and UDP conversations are counted again
//! from the packet index; Ethernet and IP conversations and the hierarchy need the
//! packets' headers, so the displayed packets are read once and dissected again. A
//! session or expert item is shown whole when a displayed packet belongs to it.

use crate::reading;
use crate::session::Session;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::net::IpAddr;
use std::rc::Rc;
use wirelens_core::capture::app::AppProto;
use wirelens_core::capture::flow::{Conversation, L4};
use wirelens_core::capture::packet::{PacketRow, NO_FLOW};
use wirelens_core::capture::stats::{Address, ProtocolNode, StatsResult, Table};
use wirelens_core::capture::tcp::Severity;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::stats::Stats;
use wirelens_core::ingest::wire::Dissector;
use wirelens_core::query::expert::{Found, Item};
use wirelens_core::query::fields;
use wirelens_core::query::sessions::{self, End, Peer};
use wirelens_core::query::stats::endpoints;
use wirelens_web::protocol::{Column, ExpertLine, Fact, Layer, StreamRef, TableId};

/// A table, built once per view.
pub struct Built {
    pub columns: Vec<Column>,
    pub sortable: bool,
    pub rows: Rows,
    pub notes: Vec<String>,
}

/// How a table holds its rows.
pub enum Rows {
    /// Made once and kept (statistics, conversations: one row per thing counted).
    Kept(Vec<Row>),
    /// Made again from the capture whenever asked for: a row per transaction, where
    /// tens of thousands of kept rows took a kilobyte each of wasm memory that never
    /// comes back.
    Made(Box<dyn Remake>),
}

/// Rows made again from the capture on demand.
pub trait Remake {
    /// Rows in the table.
    fn len(&self) -> usize;
    /// Row `i`'s cells and sort keys (what sorting and searching read).
    fn cells(&self, capture: &Capture, i: usize) -> (Texts, Box<[Key]>);
    /// Row `i` whole: its cells with what it links to.
    fn row(&self, capture: &Capture, i: usize) -> Row;
}

/// A row, kept or made for the asking.
pub enum RowRef<'a> {
    Kept(&'a Row),
    Made(Row),
}

impl std::ops::Deref for RowRef<'_> {
    type Target = Row;
    fn deref(&self) -> &Row {
        match self {
            RowRef::Kept(r) => r,
            RowRef::Made(r) => r,
        }
    }
}

impl Built {
    /// Rows in the table.
    pub fn len(&self) -> usize {
        match &self.rows {
            Rows::Kept(r) => r.len(),
            Rows::Made(m) => m.len(),
        }
    }

    /// Rows it keeps in memory (made ones weigh little: an index each).
    pub fn kept(&self) -> usize {
        match &self.rows {
            Rows::Kept(r) => r.len(),
            Rows::Made(m) => m.len() / 64,
        }
    }

    /// Row `i` (below [`Built::len`]).
    pub fn row(&self, capture: &Capture, i: usize) -> RowRef<'_> {
        match &self.rows {
            Rows::Kept(r) => RowRef::Kept(&r[i]),
            Rows::Made(m) => RowRef::Made(m.row(capture, i)),
        }
    }
}

/// One row: its texts, the keys it sorts by, and what it links to.
pub struct Row {
    pub cells: Texts,
    pub keys: Box<[Key]>,
    pub filter: Option<String>,
    pub frame: Option<u64>,
    pub depth: u8,
    pub mark: &'static str,
    pub follow: Option<StreamRef>,
}

/// A row's cell texts in one string: a `String` a cell took more memory than its text
/// (tens of thousands of rows, a score of cells each).
pub struct Texts {
    text: Box<str>,
    /// Where each cell ends in `text`.
    ends: Box<[u32]>,
}

impl Texts {
    pub fn new<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Self {
        let mut text = String::new();
        let ends = cells
            .into_iter()
            .map(|c| {
                text.push_str(c.as_ref());
                text.len() as u32
            })
            .collect();
        Texts {
            text: text.into_boxed_str(),
            ends,
        }
    }

    /// Cell `i`'s text ("" past the last cell).
    pub fn get(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start as usize..end as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.get(i))
    }

    /// Empty cells added up to `n` cells.
    pub fn pad(&mut self, n: usize) {
        if self.ends.len() < n {
            let end = self.ends.last().copied().unwrap_or(0);
            let mut ends = std::mem::take(&mut self.ends).into_vec();
            ends.resize(n, end);
            self.ends = ends.into_boxed_slice();
        }
    }
}

/// How a cell sorts: numbers as numbers, addresses by family then value, text as text.
#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Num(f64),
    Addr(u8, u128),
    /// The cell's own text, without regard to case ([`caseless`]); no copy is kept.
    Text,
    /// An empty cell: before everything.
    None,
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.total_cmp(b),
            (Key::Addr(f, a), Key::Addr(g, b)) => (f, a).cmp(&(g, b)),
            // Texts compare through their cells (`caseless`).
            (Key::Text, Key::Text) => Ordering::Equal,
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }
}

impl Key {
    fn rank(&self) -> u8 {
        match self {
            Key::None => 0,
            Key::Num(_) => 1,
            Key::Addr(..) => 2,
            Key::Text => 3,
        }
    }
}

/// Two texts in the order of their lower-case forms, without making them.
pub fn caseless(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// A cell: its text and its sort key.
struct Cell(String, Key);

fn num(n: u64) -> Cell {
    Cell(n.to_string(), Key::Num(n as f64))
}

fn opt_num(n: Option<u64>) -> Cell {
    n.map_or(Cell(String::new(), Key::None), num)
}

/// A number of seconds with `decimals` decimals.
fn secs(v: f64, decimals: usize) -> Cell {
    Cell(format!("{v:.decimals$}"), Key::Num(v))
}

fn text(s: impl Into<String>) -> Cell {
    let s = s.into();
    Cell(s, Key::Text)
}

fn addr(a: &Address) -> Cell {
    let key = match a {
        Address::Mac(m) => Key::Addr(0, m.iter().fold(0u128, |acc, b| acc << 8 | u128::from(*b))),
        Address::Ip(ip) => ip_key(ip),
    };
    Cell(a.to_string(), key)
}

fn ip(a: &IpAddr) -> Cell {
    Cell(a.to_string(), ip_key(a))
}

fn ip_key(a: &IpAddr) -> Key {
    match a {
        IpAddr::V4(v) => Key::Addr(4, u128::from(u32::from(*v))),
        IpAddr::V6(v) => Key::Addr(6, u128::from(*v)),
    }
}

fn col(key: &str, title: &str, numeric: bool) -> Column {
    Column {
        key: key.to_owned(),
        title: title.to_owned(),
        numeric,
    }
}

fn row(cells: Vec<Cell>, filter: Option<String>) -> Row {
    let keys = cells.iter().map(|c| c.1.clone()).collect();
    Row {
        cells: Texts::new(cells.iter().map(|c| &c.0)),
        keys,
        filter,
        frame: None,
        depth: 0,
        mark: "",
        follow: None,
    }
}

/// The packets the view shows (None: all), copied out of the view so no borrow of it
/// is held while packets are read.
fn shown(s: &Session) -> Option<Rc<Vec<u32>>> {
    s.view.borrow().indices.as_ref().map(|v| Rc::new(v.clone()))
}

/// Builds a table over the displayed packets.
pub async fn build(s: &Rc<Session>, table: &TableId) -> Result<Built, String> {
    let shown = shown(s);
    let shown = shown.as_deref().map(Vec::as_slice);
    let mut built = match table {
        TableId::Conversations(Layer::Tcp) => flow_conversations(&s.capture, shown, L4::Tcp),
        TableId::Conversations(Layer::Udp) => flow_conversations(&s.capture, shown, L4::Udp),
        TableId::Conversations(layer) => {
            let stats = view_stats(s, shown).await?;
            address_conversations(&s.capture, &stats, *layer)
        }
        TableId::Endpoints(layer) => {
            let stats = match layer {
                Layer::Tcp | Layer::Udp => None,
                _ => Some(view_stats(s, shown).await?),
            };
            endpoint_table(&s.capture, stats.as_deref(), shown, *layer)
        }
        TableId::Sessions => session_table(&s.capture, shown),
        // The lines of the items read so far while the scan reads.
        TableId::ExpertGroups => match crate::expert::so_far(s)? {
            crate::expert::SoFar::Read(f) => expert_groups(&f, shown),
            crate::expert::SoFar::Reading(f) => expert_groups(&f.borrow(), shown),
        },
        TableId::ExpertItems(line) => {
            let items = crate::expert::items(s).await?;
            expert_list(items, shown, line.as_ref())
        }
        TableId::App(proto, table) => {
            let p =
                crate::apps::proto_named(proto).ok_or_else(|| format!("no protocol {proto}"))?;
            crate::apps::build(&s.capture, shown, p, table)?
        }
        TableId::Hierarchy => {
            let stats = view_stats(s, shown).await?;
            let total = shown.map_or(s.capture.packets.len(), <[u32]>::len) as u64;
            hierarchy(&stats.hierarchy, total)
        }
    };
    if shown.is_some() {
        built
            .notes
            .push("counted over the packets the display filter shows".into());
    }
    Ok(built)
}

/// Whether packet `i` is displayed.
fn is_shown(shown: Option<&[u32]>, i: usize) -> bool {
    shown.is_none_or(|v| v.binary_search(&(i as u32)).is_ok())
}

/// The TCP or UDP conversations, counted over the displayed packets: (flow id,
/// conversation).
fn view_flows(capture: &Capture, shown: Option<&[u32]>) -> Vec<(u32, Conversation)> {
    let Some(shown) = shown else {
        return capture
            .conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (i as u32, c.clone()))
            .collect();
    };
    let mut counted: Vec<Option<Conversation>> = vec![None; capture.conversations.len()];
    for &i in shown {
        let Some(p) = capture.packets.get(i as usize) else {
            continue;
        };
        let Some(c) = capture.conversations.get(p.flow as usize) else {
            continue;
        };
        let e = counted[p.flow as usize].get_or_insert_with(|| Conversation {
            frames_ab: 0,
            bytes_ab: 0,
            frames_ba: 0,
            bytes_ba: 0,
            payload_ab: 0,
            payload_ba: 0,
            first_ns: p.ts_ns,
            last_ns: p.ts_ns,
            ..c.clone()
        });
        if p.flags & PacketRow::FLAG_B_TO_A != 0 {
            e.frames_ba += 1;
            e.bytes_ba += u64::from(p.len);
        } else {
            e.frames_ab += 1;
            e.bytes_ab += u64::from(p.len);
        }
        e.first_ns = e.first_ns.min(p.ts_ns);
        e.last_ns = e.last_ns.max(p.ts_ns);
    }
    counted
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (i as u32, c)))
        .collect()
}

/// Bits per second of `bytes` over `ns`; empty when the duration is 0 (Wireshark too).
fn bps(bytes: u64, ns: i64) -> Cell {
    if ns <= 0 {
        return Cell(String::new(), Key::None);
    }
    let v = bytes as f64 * 8.0 / (ns as f64 / 1e9);
    Cell(format!("{v:.0}"), Key::Num(v))
}

const CONV_COLUMNS: [(&str, &str, bool); 10] = [
    ("frames", "Packets", true),
    ("bytes", "Bytes", true),
    ("frames-ab", "Packets A→B", true),
    ("bytes-ab", "Bytes A→B", true),
    ("frames-ba", "Packets B→A", true),
    ("bytes-ba", "Bytes B→A", true),
    ("rel-start", "Rel Start", true),
    ("duration", "Duration", true),
    ("bps-ab", "Bits/s A→B", true),
    ("bps-ba", "Bits/s B→A", true),
];

/// The counting cells of a conversation, in the order of [`CONV_COLUMNS`].
#[allow(clippy::too_many_arguments)]
fn conv_cells(
    frames_ab: u64,
    bytes_ab: u64,
    frames_ba: u64,
    bytes_ba: u64,
    first_ns: i64,
    last_ns: i64,
    origin: i64,
) -> Vec<Cell> {
    let duration = last_ns - first_ns;
    vec![
        num(frames_ab + frames_ba),
        num(bytes_ab + bytes_ba),
        num(frames_ab),
        num(bytes_ab),
        num(frames_ba),
        num(bytes_ba),
        // As tshark prints them.
        secs((first_ns - origin) as f64 / 1e9, 6),
        secs(duration as f64 / 1e9, 4),
        bps(bytes_ab, duration),
        bps(bytes_ba, duration),
    ]
}

fn flow_conversations(capture: &Capture, shown: Option<&[u32]>, proto: L4) -> Built {
    let origin = capture.first_ts_ns();
    let mut columns = vec![
        col("stream", "Stream", true),
        col("a", "Address A", false),
        col("port-a", "Port A", true),
        col("b", "Address B", false),
        col("port-b", "Port B", true),
    ];
    columns.extend(CONV_COLUMNS.iter().map(|(k, t, n)| col(k, t, *n)));
    let rows = view_flows(capture, shown)
        .into_iter()
        .filter(|(_, c)| c.proto == proto)
        .map(|(_, c)| {
            let mut cells = vec![
                num(c.stream.into()),
                ip(&c.a),
                num(c.port_a.into()),
                ip(&c.b),
                num(c.port_b.into()),
            ];
            cells.extend(conv_cells(
                c.frames_ab,
                c.bytes_ab,
                c.frames_ba,
                c.bytes_ba,
                c.first_ns,
                c.last_ns,
                origin,
            ));
            let mut r = row(
                cells,
                Some(format!("{}.stream == {}", proto.name(), c.stream)),
            );
            r.follow = Some(StreamRef {
                udp: proto == L4::Udp,
                stream: c.stream,
            });
            r
        })
        .collect();
    Built {
        columns,
        sortable: true,
        rows: Rows::Kept(rows),
        notes: Vec::new(),
    }
}

/// The field that matches either address of a layer: `eth.addr`, `ip.addr`, `ipv6.addr`.
fn addr_field(a: &Address) -> &'static str {
    match a {
        Address::Mac(_) => "eth.addr",
        Address::Ip(IpAddr::V4(_)) => "ip.addr",
        Address::Ip(IpAddr::V6(_)) => "ipv6.addr",
    }
}

fn core_table(layer: Layer) -> Table {
    match layer {
        Layer::Eth => Table::Eth,
        Layer::Ip => Table::Ip,
        Layer::Ipv6 => Table::Ipv6,
        Layer::Tcp => Table::Tcp,
        Layer::Udp => Table::Udp,
    }
}

fn address_conversations(capture: &Capture, stats: &StatsResult, layer: Layer) -> Built {
    let origin = capture.first_ts_ns();
    let mut columns = vec![col("a", "Address A", false), col("b", "Address B", false)];
    columns.extend(CONV_COLUMNS.iter().map(|(k, t, n)| col(k, t, *n)));
    let rows = stats
        .conversations(core_table(layer))
        .iter()
        .map(|c| {
            let mut cells = vec![addr(&c.a), addr(&c.b)];
            cells.extend(conv_cells(
                c.frames_ab,
                c.bytes_ab,
                c.frames_ba,
                c.bytes_ba,
                c.first_ns,
                c.last_ns,
                origin,
            ));
            let f = addr_field(&c.a);
            row(cells, Some(format!("{f} == {} && {f} == {}", c.a, c.b)))
        })
        .collect();
    Built {
        columns,
        sortable: true,
        rows: Rows::Kept(rows),
        notes: Vec::new(),
    }
}

fn endpoint_table(
    capture: &Capture,
    stats: Option<&StatsResult>,
    shown: Option<&[u32]>,
    layer: Layer,
) -> Built {
    let ported = matches!(layer, Layer::Tcp | Layer::Udp);
    // core sums endpoints from a capture's conversations: give it those of the view.
    let view = Capture {
        conversations: if ported {
            view_flows(capture, shown)
                .into_iter()
                .map(|(_, c)| c)
                .collect()
        } else {
            Vec::new()
        },
        stats: stats.cloned().unwrap_or_default(),
        ..Capture::default()
    };
    let mut columns = vec![col("address", "Address", false)];
    if ported {
        columns.push(col("port", "Port", true));
    }
    for (k, t) in [
        ("packets", "Packets"),
        ("bytes", "Bytes"),
        ("tx-packets", "Tx Packets"),
        ("tx-bytes", "Tx Bytes"),
        ("rx-packets", "Rx Packets"),
        ("rx-bytes", "Rx Bytes"),
    ] {
        columns.push(col(k, t, true));
    }
    let rows = endpoints(&view, core_table(layer))
        .iter()
        .map(|e| {
            let mut cells = vec![addr(&e.address)];
            let mut filter = format!("{} == {}", addr_field(&e.address), e.address);
            if let Some(p) = e.port {
                cells.push(num(p.into()));
                filter.push_str(&format!(" && {}.port == {p}", layer.name()));
            }
            cells.extend(
                [
                    e.packets,
                    e.bytes,
                    e.tx_packets,
                    e.tx_bytes,
                    e.rx_packets,
                    e.rx_bytes,
                ]
                .map(num),
            );
            row(cells, Some(filter))
        })
        .collect();
    Built {
        columns,
        sortable: true,
        rows: Rows::Kept(rows),
        notes: Vec::new(),
    }
}

/// `HH:MM:SS` in UTC, as tcplife's TIME.
fn hms(ns: i64) -> String {
    let sod = ns.div_euclid(1_000_000_000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60)
}

fn session_table(capture: &Capture, shown: Option<&[u32]>) -> Built {
    let origin = capture.first_ts_ns();
    let mut has_packet = vec![shown.is_none(); capture.conversations.len()];
    for &i in shown.unwrap_or(&[]) {
        if let Some(p) = capture
            .packets
            .get(i as usize)
            .filter(|p| p.flow != NO_FLOW)
        {
            if let Some(h) = has_packet.get_mut(p.flow as usize) {
                *h = true;
            }
        }
    }
    let columns = vec![
        col("stream", "Stream", true),
        col("time", "TIME", false),
        col("time-s", "TIME(s)", true),
        col("pid", "PID", true),
        col("comm", "COMM", false),
        col("ip", "IP", true),
        col("laddr", "LADDR", false),
        col("lport", "LPORT", true),
        col("raddr", "RADDR", false),
        col("rport", "RPORT", true),
        col("tx-kb", "TX_KB", true),
        col("rx-kb", "RX_KB", true),
        col("ms", "MS", true),
        col("tx-bytes", "TX bytes", true),
        col("rx-bytes", "RX bytes", true),
        col("end", "End", false),
        col("initial-rtt", "Initial RTT (ms)", true),
    ];
    let rows = sessions::sessions(capture)
        .into_iter()
        .filter(|s| has_packet.get(s.flow as usize).copied().unwrap_or(false))
        .map(|s| {
            // tcplife's µs clock: whole µs.
            let rel_us = (s.start_ns - origin).div_euclid(1000);
            let end = match (s.end, s.end_by) {
                (End::Open, _) => "open".to_owned(),
                (End::Closed, _) => "closed".to_owned(),
                (End::HalfClosed, by) => format!("half-closed{}", by_whom(by)),
                (End::Reset, by) => format!("reset{}", by_whom(by)),
            };
            let cells = vec![
                num(s.stream.into()),
                text(hms(s.start_ns)),
                secs(rel_us as f64 / 1e6, 6),
                opt_num(s.pid.map(u64::from)),
                s.comm.clone().map_or(Cell(String::new(), Key::None), text),
                num(s.ip_version().into()),
                ip(&s.laddr),
                num(s.lport.into()),
                ip(&s.raddr),
                num(s.rport.into()),
                num(s.tx_kb()),
                num(s.rx_kb()),
                secs(s.ms(), 2),
                num(s.tx_bytes),
                num(s.rx_bytes),
                text(end),
                s.initial_rtt_ns
                    .map_or(Cell(String::new(), Key::None), |ns| {
                        secs(ns as f64 / 1e6, 3)
                    }),
            ];
            let mut r = row(cells, Some(format!("tcp.stream == {}", s.stream)));
            r.follow = Some(StreamRef {
                udp: false,
                stream: s.stream,
            });
            if s.end == End::Reset {
                r.mark = "reset";
            }
            r
        })
        .collect();
    Built {
        columns,
        sortable: true,
        rows: Rows::Kept(rows),
        notes: Vec::new(),
    }
}

fn by_whom(by: Option<Peer>) -> &'static str {
    match by {
        Some(Peer::Local) => " (local)",
        Some(Peer::Remote) => " (remote)",
        None => "",
    }
}

fn severity_cell(s: Severity) -> Cell {
    Cell(s.to_string(), Key::Num(s as u8 as f64))
}

fn severity_mark(s: Severity) -> &'static str {
    match s {
        Severity::Chat => "chat",
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// Expert items as `tshark -z expert` groups them: a line per severity, group, protocol
/// and summary, worst first, with counts. A line's filter is its expert field where that
/// is a filter field (`tcp.analysis.retransmission`).
fn expert_groups(found: &Found, shown: Option<&[u32]>) -> Built {
    let sections = match shown {
        None => found.sections(),
        Some(_) => found.sections_of(|f| is_shown(shown, f.saturating_sub(1) as usize)),
    };
    let columns = vec![
        col("severity", "Severity", false),
        col("summary", "Summary", false),
        col("group", "Group", false),
        col("protocol", "Protocol", false),
        col("count", "Count", true),
    ];
    let mut rows = Vec::new();
    for section in sections {
        for l in section.lines {
            let filter = Some(l.field).filter(|f| fields::lookup(f).is_some());
            let cells = vec![
                severity_cell(section.severity),
                text(l.summary),
                text(l.group),
                text(l.protocol),
                num(l.count),
            ];
            let mut r = row(cells, filter);
            r.mark = severity_mark(section.severity);
            rows.push(r);
        }
    }
    Built {
        columns,
        sortable: true,
        rows: Rows::Kept(rows),
        notes: Vec::new(),
    }
}

/// Expert items one by one; those of one line of [`expert_groups`] when given (its
/// severity, group, protocol and summary: [`ExpertLine`]). Their rows are made when
/// asked for: a row kept an item took hundreds of bytes, where core's `Found` keeps 8.
fn expert_list(found: Rc<Found>, shown: Option<&[u32]>, line: Option<&ExpertLine>) -> Built {
    let columns = vec![
        col("frame", "No.", true),
        col("stream", "Stream", true),
        col("severity", "Severity", false),
        col("group", "Group", false),
        col("protocol", "Protocol", false),
        col("summary", "Summary", false),
    ];
    let line = line.map(|l| {
        let severity = [
            Severity::Error,
            Severity::Warning,
            Severity::Note,
            Severity::Chat,
        ]
        .into_iter()
        .find(|s| s.to_string() == l.severity)?;
        found.line(severity, &l.group, &l.protocol, &l.summary)
    });
    let items = match line {
        None if shown.is_none() => None,
        _ => Some(
            found
                .iter()
                .enumerate()
                .filter(|(_, e)| line.is_none_or(|l| l == Some(e.line)))
                .filter(|(_, e)| is_shown(shown, e.frame.saturating_sub(1) as usize))
                .map(|(i, _)| i)
                .collect(),
        ),
    };
    Built {
        columns,
        sortable: true,
        rows: Rows::Made(Box::new(ExpertRows { found, items })),
        notes: Vec::new(),
    }
}

/// The rows of [`expert_list`]: the items' indices in `found` (None: every item).
struct ExpertRows {
    found: Rc<Found>,
    items: Option<Vec<usize>>,
}

impl ExpertRows {
    fn item(&self, i: usize) -> Option<Item<'_>> {
        let at = match &self.items {
            Some(items) => *items.get(i)?,
            None => i,
        };
        self.found.get(at)
    }
}

impl Remake for ExpertRows {
    fn len(&self) -> usize {
        self.items.as_ref().map_or(self.found.len(), Vec::len)
    }

    fn cells(&self, capture: &Capture, i: usize) -> (Texts, Box<[Key]>) {
        let r = self.row(capture, i);
        (r.cells, r.keys)
    }

    fn row(&self, capture: &Capture, i: usize) -> Row {
        let Some(e) = self.item(i) else {
            return row(Vec::new(), None);
        };
        // The packet's TCP or UDP conversation.
        let flow = capture
            .packets
            .get(e.frame.saturating_sub(1) as usize)
            .and_then(|p| capture.conversations.get(p.flow as usize));
        let filter = flow.map(|c| {
            let l4 = if c.proto == L4::Tcp { "tcp" } else { "udp" };
            format!("{l4}.stream == {}", c.stream)
        });
        let cells = vec![
            num(e.frame),
            opt_num(flow.map(|c| u64::from(c.stream))),
            severity_cell(e.severity),
            text(e.group),
            text(e.protocol),
            text(e.message),
        ];
        let mut r = row(cells, filter);
        r.frame = Some(e.frame);
        r.mark = severity_mark(e.severity);
        r
    }
}

/// The hierarchy, depth first, with percentages of the displayed packets.
fn hierarchy(roots: &[ProtocolNode], total_frames: u64) -> Built {
    let total_bytes: u64 = roots.iter().map(|n| n.bytes).sum();
    let columns = vec![
        col("protocol", "Protocol", false),
        col("pct-frames", "Percent Packets", true),
        col("frames", "Packets", true),
        col("pct-bytes", "Percent Bytes", true),
        col("bytes", "Bytes", true),
        col("end-frames", "End Packets", true),
        col("end-bytes", "End Bytes", true),
    ];
    let mut rows = Vec::new();
    let mut path = Vec::new();
    for n in roots {
        walk(n, 0, &mut path, total_frames, total_bytes, &mut rows);
    }
    return Built {
        columns,
        sortable: false,
        rows: Rows::Kept(rows),
        notes: Vec::new(),
    };

    fn walk(
        n: &ProtocolNode,
        depth: u8,
        path: &mut Vec<&'static str>,
        total_frames: u64,
        total_bytes: u64,
        rows: &mut Vec<Row>,
    ) {
        path.push(n.protocol);
        let pct = |part: u64, whole: u64| {
            let v = if whole == 0 {
                0.0
            } else {
                part as f64 * 100.0 / whole as f64
            };
            Cell(format!("{v:.1}"), Key::Num(v))
        };
        let end_frames = n.frames
            - n.children
                .iter()
                .map(|c| c.frames)
                .sum::<u64>()
                .min(n.frames);
        let end_bytes = n.bytes - n.children.iter().map(|c| c.bytes).sum::<u64>().min(n.bytes);
        // Each protocol of the path is a filter of its own name, when it is one.
        let filter = path
            .iter()
            .all(|p| fields::lookup(p).is_some())
            .then(|| path.join(" && "));
        let mut r = row(
            vec![
                text(n.protocol),
                pct(n.frames, total_frames),
                num(n.frames),
                pct(n.bytes, total_bytes),
                num(n.bytes),
                num(end_frames),
                num(end_bytes),
            ],
            filter,
        );
        r.depth = depth;
        rows.push(r);
        for c in &n.children {
            walk(
                c,
                depth.saturating_add(1),
                path,
                total_frames,
                total_bytes,
                rows,
            );
        }
        path.pop();
    }
}

/// Statistics counted for a view: the capture, its displayed packets, the statistics.
type ViewStats = (u32, Rc<Vec<u32>>, Rc<StatsResult>);

thread_local! {
    /// The statistics of the last view they were counted for.
    static VIEW_STATS: RefCell<Option<ViewStats>> = const { RefCell::new(None) };
}

/// Ethernet and IP conversations and the hierarchy of the displayed packets: the
/// capture's own without a filter, else the displayed packets read and dissected again.
/// IP fragments are put together only from displayed packets.
async fn view_stats(s: &Session, shown: Option<&[u32]>) -> Result<Rc<StatsResult>, String> {
    let Some(shown) = shown else {
        return Ok(Rc::new(s.capture.stats.clone()));
    };
    let hit = VIEW_STATS.with_borrow(|v| {
        v.as_ref()
            .filter(|(g, key, _)| *g == s.generation && key.as_slice() == shown)
            .map(|(_, _, st)| st.clone())
    });
    if let Some(st) = hit {
        return Ok(st);
    }
    let capture = &s.capture;
    let mut stats = Stats::default();
    let mut dissector = Dissector::new();
    let indices: Vec<usize> = shown.iter().map(|&i| i as usize).collect();
    let mut rows = capture.packets.reader();
    reading::run(s, &indices, |i, bytes| {
        let row = &rows.at(i);
        let summary =
            dissector.dissect_frame(capture.linktype_of(row), bytes, row.len as usize, row.ts_ns);
        stats.add(&summary, row.len, row.ts_ns);
    })
    .await?;
    let st = Rc::new(stats.finish());
    VIEW_STATS.set(Some((s.generation, Rc::new(shown.to_vec()), st.clone())));
    Ok(st)
}

/// What the index knows about frame `frame` (1-based): where it is, when, its
/// conversation, its expert items, comments and process.
pub fn packet_facts(capture: &Capture, frame: u64) -> Option<Vec<Fact>> {
    let index = frame.checked_sub(1)? as usize;
    let p = capture.packets.get(index)?;
    let fact = |label: &str, value: String, filter: Option<String>| Fact {
        label: label.to_owned(),
        value,
        filter,
        follow: None,
    };
    let mut facts = vec![
        fact(
            "Frame",
            frame.to_string(),
            Some(format!("frame.number == {frame}")),
        ),
        fact(
            "Arrival time (UTC)",
            wirelens_core::query::rows::utc(p.ts_ns),
            None,
        ),
        fact(
            "Time since the first packet",
            wirelens_core::query::rows::seconds(p.ts_ns - capture.first_ts_ns()),
            None,
        ),
        fact(
            "Frame length",
            format!("{} bytes ({} captured)", p.len, p.caplen),
            Some(format!("frame.len == {}", p.len)),
        ),
    ];
    if let Some(f) = capture.files.get(p.file as usize) {
        facts.push(fact(
            "File",
            format!("{}, byte offset {}", f.name, p.offset),
            None,
        ));
    }
    if let Some(i) = capture.interfaces.get(p.iface as usize) {
        let name = i.interface.name.clone().unwrap_or_default();
        let link = wirelens_core::ingest::wire::linktype::name(i.interface.linktype);
        facts.push(fact(
            "Interface",
            format!("{} {name} ({link})", p.iface).trim().to_owned(),
            None,
        ));
    }
    if let Some(c) = capture.conversations.get(p.flow as usize) {
        let (from, to) = if p.flags & PacketRow::FLAG_B_TO_A != 0 {
            ((c.b, c.port_b), (c.a, c.port_a))
        } else {
            ((c.a, c.port_a), (c.b, c.port_b))
        };
        let proto = c.proto.name();
        let mut conversation = fact(
            "Conversation",
            format!(
                "{} stream {}: {} → {}",
                proto.to_uppercase(),
                c.stream,
                endpoint(from),
                endpoint(to)
            ),
            Some(format!("{proto}.stream == {}", c.stream)),
        );
        conversation.follow = Some(StreamRef {
            udp: c.proto == L4::Udp,
            stream: c.stream,
        });
        facts.push(conversation);
        if let Some(Some(app)) = capture.app_protos.get(p.flow as usize) {
            let (name, filter) = match app {
                AppProto::Http => ("HTTP", "http"),
                AppProto::Memcache => ("memcached", "memcache"),
                AppProto::Mysql => ("MySQL", "mysql"),
                AppProto::Redis => ("Redis", "resp"),
                AppProto::Dns => ("DNS", "dns"),
                AppProto::Tls => ("TLS", "tls"),
                AppProto::Http2 => ("HTTP/2", "http2"),
                AppProto::Pgsql => ("PostgreSQL", "pgsql"),
                AppProto::Quic => ("QUIC", "quic"),
            };
            facts.push(fact(
                "Application",
                format!("{name} (the conversation's)"),
                Some(filter.to_owned()),
            ));
        }
    }
    if let Ok(at) = capture
        .tcp_flags
        .binary_search_by_key(&(index as u64), |(i, _)| *i)
    {
        for kind in capture.tcp_flags[at].1.kinds() {
            facts.push(fact(
                "Expert",
                format!("{}: {}", kind.severity(), kind.message()),
                Some(kind.field()),
            ));
        }
    }
    for (_, text) in capture.comments.iter().filter(|(i, _)| *i == index as u64) {
        facts.push(fact("Comment", text.clone(), None));
    }
    let procs = sessions::processes_by_flow(capture);
    if let Some(Some((pid, comm))) = procs.get(p.flow as usize) {
        let comm = comm.clone().unwrap_or_default();
        facts.push(fact(
            "Process",
            format!("{pid} {comm}").trim().to_owned(),
            None,
        ));
    }
    Some(facts)
}

fn endpoint((a, port): (IpAddr, u16)) -> String {
    match a {
        IpAddr::V4(_) => format!("{a}:{port}"),
        IpAddr::V6(_) => format!("[{a}]:{port}"),
    }
}
