//! Messages between the page and the analysis worker, sent with `postMessage` after
//! `serde_wasm_bindgen::to_value` (plain JS objects; `File` handles are passed through
//! untouched, so the structured clone shares them instead of copying bytes).
//!
//! Every reply names the `generation` (the `Open` it belongs to): when the user drops a
//! new capture while the previous one is still loading, the page ignores stale replies.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// How many packet rows the page asks for at a time (one block of its row cache).
pub const PAGE_ROWS: u32 = 128;

/// Page → worker.
#[derive(Serialize, Deserialize)]
pub enum ToWorker {
    /// Opens these files, in this order, as one capture; replaces any open capture.
    Open {
        /// Chosen by the page; echoed in every reply about this capture.
        generation: u32,
        /// A JS array of `File` objects.
        #[serde(with = "serde_wasm_bindgen::preserve")]
        files: js_sys::Array,
    },
    /// Asks for packet rows `[start, start + count)` (0-based) of the open capture.
    Page {
        /// The capture the page believes is open.
        generation: u32,
        /// Echoed in the reply.
        request: u32,
        /// First row, 0-based.
        start: u64,
        /// Number of rows.
        count: u32,
    },
    /// Shows only the packets that pass a display filter (empty: all), with extra
    /// columns of the named fields; later `Page`s page through that view.
    Filter {
        /// The capture the page believes is open.
        generation: u32,
        /// Echoed in the reply.
        request: u32,
        /// The filter, in Wireshark's language.
        text: String,
        /// Field names shown as extra columns (`memcache.key`, `tcp.stream`).
        columns: Vec<String>,
    },
    /// Stops reading the capture being opened (nothing is open afterwards).
    Cancel {
        /// The `Open` to stop.
        generation: u32,
    },
    /// Any other question about the open capture; answered by [`FromWorker::Answer`].
    Query {
        /// The capture the page believes is open.
        generation: u32,
        /// Echoed in the answer; the page keeps only the newest answer it waits for.
        request: u32,
        /// The `request` of the `Filter` whose view the page shows (0: none yet); the
        /// worker keeps tables it built per view.
        view: u32,
        /// What is asked.
        query: Query,
    },
}

/// A question about the open capture. Tables are built in the worker (over the packets
/// that pass the display filter), sorted and searched there; the page asks for the rows
/// it shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Query {
    /// Rows `[start, start + count)` of a table, in this order, those matching `search`.
    Table {
        /// Which table.
        table: TableId,
        /// Sort by this column (None: the table's own order).
        sort: Option<Sort>,
        /// Keep the rows with a cell containing this text (case-insensitive; empty: all).
        search: String,
        /// First row, 0-based, of the sorted and searched rows.
        start: u64,
        /// Number of rows.
        count: u32,
    },
    /// How far the worker's read of every packet's expert items is, what it found so far,
    /// and the TCP analysis items' counts the index knows at once ([`ExpertProgress`]).
    ExpertProgress,
    /// Whether a display filter compiles (nothing is applied).
    Check {
        /// The filter.
        text: String,
    },
    /// The field registry: names for autocomplete.
    Fields,
    /// Where frame `frame` (1-based) is in the packet list (the displayed packets).
    Locate {
        /// Frame number.
        frame: u64,
    },
    /// What the packet index knows about frame `frame` (1-based).
    Packet {
        /// Frame number.
        frame: u64,
    },
    /// The detail tree and bytes of frame `frame` (1-based), as Wireshark shows them.
    Detail {
        /// Frame number.
        frame: u64,
    },
    /// Lines `[start, start + count)` of a followed stream, shown in `mode`.
    Follow {
        /// The stream.
        stream: StreamRef,
        /// How its bytes read.
        mode: FollowMode,
        /// First line, 0-based.
        start: u64,
        /// Number of lines.
        count: u32,
    },
    /// The lines of a followed stream (in `mode`) that contain `text` (case-insensitive).
    FollowSearch {
        /// The stream.
        stream: StreamRef,
        /// How its bytes read.
        mode: FollowMode,
        /// What to look for.
        text: String,
    },
    /// A followed stream as a file to save.
    FollowSave {
        /// The stream.
        stream: StreamRef,
        /// What to save.
        save: FollowSave,
    },
    /// Packets or a table as a file to save.
    Export(Export),
    /// Packets or bytes per interval of each series (the displayed packets that also
    /// pass the series' filter), as `tshark -z io,stat`.
    IoGraph {
        /// The series.
        series: Vec<IoSeriesSpec>,
        /// The interval, µs; 0: chosen to give at most 1000 intervals.
        interval_us: u64,
    },
    /// Bars of the conversations in time: `[start, start + count)` of them, in order of
    /// their start or, with `longest_first`, of their duration.
    Timeline {
        /// First bar, 0-based.
        start: u64,
        /// Number of bars.
        count: u32,
        /// Longest first.
        longest_first: bool,
    },
    /// Latency histograms of each application protocol's transactions.
    Latency,
    /// The capture's sessions, transactions and capture row as the lake's files, their
    /// columns packed for the lake worker to write as Parquet ([`ToLake`]).
    Lake {
        /// The `sensor` partition.
        sensor: String,
    },
}

/// A series of the IO graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoSeriesSpec {
    /// Display filter (empty: every displayed packet).
    pub filter: String,
    /// Bytes (frame lengths) rather than packets.
    pub bytes: bool,
}

/// What to export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Export {
    /// The displayed packets, or one stream's packets, as a capture file (through
    /// core's writer, as `tshark -w` writes them).
    Packets {
        /// Only this stream's packets (all of them, displayed or not).
        stream: Option<StreamRef>,
        /// pcapng (else pcap).
        pcapng: bool,
    },
    /// Sessions cut into a file (core's `query::cuts`): the same bytes `wirelens bisect
    /// --parts 1`, `split -o X.zip` or `intensify` write for the same choice.
    Sessions {
        /// Which sessions.
        sessions: CutSessions,
        /// What file.
        file: CutFile,
    },
    /// A table, in the order and with the search shown, as CSV (else JSON).
    Table {
        /// The table.
        table: TableId,
        /// Its order.
        sort: Option<Sort>,
        /// Its search.
        search: String,
        /// CSV rather than JSON.
        csv: bool,
    },
}

/// Which sessions a cut takes, of those with a packet the display filter shows (all
/// without a filter): `wirelens split -Y FILTER` and its options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CutSessions {
    /// These streams (`--stream`).
    Streams(Vec<StreamRef>),
    /// All of them.
    Shown,
    /// The N that lasted longest (`--longest N`).
    Longest(u32),
    /// The N with the slowest transactions (`--slowest N`).
    Slowest(u32),
    /// Those with errors (`--errors`).
    Errors,
}

/// What a cut writes (pcap, microsecond timestamps: the CLI's default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CutFile {
    /// The sessions in one pcap.
    Pcap,
    /// A zip of one pcap per session.
    Zip,
    /// Each session `copies` times at once (`wirelens intensify`).
    Intensify {
        /// Copies, the original included.
        copies: u32,
        /// Gaps divided by this.
        speedup: f64,
        /// Copy k starts k × this many ms later.
        spread_ms: f64,
        /// New client ports instead of new client addresses.
        keep_addresses: bool,
    },
}

/// A TCP or UDP stream (`tcp.stream`, `udp.stream`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamRef {
    /// UDP rather than TCP.
    pub udp: bool,
    /// The stream number.
    pub stream: u32,
}

/// How a followed stream reads (tshark's follow modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FollowMode {
    /// Text: printable bytes, others as `.`, a line per line of the stream.
    Ascii,
    /// A hex dump, 16 bytes a line, offsets per direction.
    Hex,
    /// Hex digits, a line per segment.
    Raw,
}

/// What of a followed stream to save.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowSave {
    /// As `tshark -q -z follow` prints it in this mode.
    Text(FollowMode),
    /// The payload bytes of one side (`Some(true)`: the server's) or of both in order.
    Bytes(Option<bool>),
}

/// The layer of a conversation or endpoint table, as tshark names it (`-z conv,ip`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Layer {
    /// Ethernet.
    Eth,
    /// IPv4.
    Ip,
    /// IPv6.
    Ipv6,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Layer {
    /// Every layer, outermost first.
    pub const ALL: [Layer; 5] = [Layer::Eth, Layer::Ip, Layer::Ipv6, Layer::Tcp, Layer::Udp];

    /// tshark's name: `eth`, `ip`, `ipv6`, `tcp`, `udp`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Eth => "eth",
            Layer::Ip => "ip",
            Layer::Ipv6 => "ipv6",
            Layer::Tcp => "tcp",
            Layer::Udp => "udp",
        }
    }

    /// The name shown on a tab: `Ethernet`, `IPv4`, …
    pub fn title(self) -> &'static str {
        match self {
            Layer::Eth => "Ethernet",
            Layer::Ip => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Tcp => "TCP",
            Layer::Udp => "UDP",
        }
    }
}

/// A table the worker builds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TableId {
    /// `tshark -z conv,<layer>`.
    Conversations(Layer),
    /// `tshark -z endpoints,<layer>`.
    Endpoints(Layer),
    /// TCP sessions, as bcc's tcplife shows them (`wirelens sessions`).
    Sessions,
    /// Expert items as `tshark -z expert` groups them: a line per severity, group,
    /// protocol and summary, with counts.
    ExpertGroups,
    /// Expert items one by one; only those of this line of [`TableId::ExpertGroups`]
    /// when given.
    ExpertItems(Option<ExpertLine>),
    /// The protocol hierarchy (`tshark -z io,phs`), one row per node, depth first.
    Hierarchy,
    /// A protocol's table (`wirelens http|memcache|mysql|redis|dns|tls --json`): the
    /// protocol (`memcache`) and the table (`hot_keys`).
    App(String, String),
}

/// One line of the expert items' groups: the cells that name it, as the table shows them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExpertLine {
    /// `Error`, `Warning`, `Note` or `Chat`.
    pub severity: String,
    /// Wireshark's group (`Sequence`).
    pub group: String,
    /// The protocol, as tshark names it (`TCP`).
    pub protocol: String,
    /// The items' text.
    pub summary: String,
}

/// A table's sort: a column (index into its columns) and the direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sort {
    /// Column index.
    pub column: u16,
    /// Largest first.
    pub descending: bool,
}

/// What the worker answers to a [`Query`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Answer {
    /// Rows of a table.
    Table(TableSlice),
    /// `None`: the filter compiles.
    Check(Option<FilterErrorView>),
    /// The field registry.
    Fields(Vec<FieldName>),
    /// Row (0-based) of the frame in the packet list; None when it is not displayed.
    Located(Option<u64>),
    /// Facts about one packet.
    Packet(Vec<Fact>),
    /// A packet's detail.
    Detail(DetailView),
    /// Lines of a followed stream.
    Follow(FollowSlice),
    /// Lines (0-based) that match a search.
    Found(Vec<u64>),
    /// A file to save.
    File(FileData),
    /// The IO graph.
    IoGraph(IoGraph),
    /// Bars of the session timeline.
    Timeline(Timeline),
    /// Latency histograms.
    Latency(Vec<LatencyHistogram>),
    /// The lake's files of the capture, to write.
    Lake(LakeParts),
    /// How far the expert items are read.
    ExpertProgress(ExpertProgress),
    /// The question could not be answered.
    Error(String),
}

/// How far the worker has read the packets for their expert items, what it found so far,
/// and what is known before: the TCP analysis items the ingest found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertProgress {
    /// Packets read so far.
    pub read: u64,
    /// Packets to read.
    pub total: u64,
    /// Every packet is read: the Expert view's tables are ready.
    pub done: bool,
    /// The TCP analysis items per severity, worst first (error, warning, note, chat).
    pub tcp: [u64; 4],
    /// The items read so far per severity, worst first.
    pub found: [u64; 4],
    /// The lines of the groups table so far (severity, group, protocol and summary).
    pub lines: u64,
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Stable name (CSS classes, tests, CSV headers): `frames-ab`.
    pub key: String,
    /// Header text.
    pub title: String,
    /// Numbers: right-aligned, largest first on the first click.
    pub numeric: bool,
}

/// Rows of a table, sorted and searched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableSlice {
    /// The table's columns.
    pub columns: Vec<Column>,
    /// Whether clicking a header sorts (not for a tree).
    pub sortable: bool,
    /// Rows in the table.
    pub total: u64,
    /// Rows that match the search.
    pub matching: u64,
    /// First row given, 0-based, of the matching rows.
    pub start: u64,
    /// The rows.
    pub rows: Vec<TableRow>,
    /// Remarks about the table (e.g. what the display filter does to it).
    pub notes: Vec<String>,
}

/// One row of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    /// Cell texts, one per column.
    pub cells: Vec<String>,
    /// The display filter that shows this row's packets (`tcp.stream == 3`).
    pub filter: Option<String>,
    /// The packet the row is about, 1-based (an expert item's frame).
    pub frame: Option<u64>,
    /// Depth in a tree (the protocol hierarchy); 0 otherwise.
    pub depth: u8,
    /// A word for styling the row (`warning`, `error`); empty for none.
    pub mark: String,
    /// The stream the row is about, to follow.
    pub follow: Option<StreamRef>,
}

/// The IO graph: each series' value per interval from the capture's first packet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoGraph {
    /// The interval, µs.
    pub interval_us: u64,
    /// The series, in the order asked.
    pub series: Vec<IoSeries>,
}

/// One series of the IO graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoSeries {
    /// Its filter, as asked.
    pub filter: String,
    /// Bytes rather than packets.
    pub bytes: bool,
    /// The value of each interval.
    pub values: Vec<u64>,
    /// Why the filter could not be applied (then `values` is empty).
    pub error: Option<FilterErrorView>,
}

/// Bars of the session timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Conversations in all (with a displayed packet).
    pub total: u64,
    /// From the capture's first packet to its last, seconds.
    pub span: f64,
    /// Durations at or above this are among the slowest tenth, seconds.
    pub slow: f64,
    /// First bar given.
    pub start: u64,
    pub bars: Vec<Bar>,
}

/// A conversation in time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// The stream.
    pub stream: StreamRef,
    /// `a:port ↔ b:port`.
    pub label: String,
    /// Seconds from the capture's first packet to the conversation's first and last.
    pub start: f64,
    pub end: f64,
    /// Packets and bytes both ways.
    pub packets: u64,
    pub bytes: u64,
}

/// The latencies of a protocol's transactions, in buckets that double.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyHistogram {
    /// `http`, `memcache`, …
    pub proto: String,
    /// Transactions with a latency.
    pub count: u64,
    /// Each bucket: lower bound (ns, inclusive), upper bound (exclusive), transactions.
    pub buckets: Vec<(u64, u64, u64)>,
    /// Median, 90th and 99th percentiles and the largest, ns.
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

/// Lines of a followed stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowSlice {
    /// The client (source of the first packet) and the server, `addr:port`.
    pub node0: String,
    pub node1: String,
    /// Payload bytes each side sent, and gaps (bytes the capture missed).
    pub client_bytes: u64,
    pub server_bytes: u64,
    pub gaps: u64,
    /// Lines in all.
    pub total: u64,
    /// First line given.
    pub start: u64,
    pub lines: Vec<FollowLine>,
}

/// A line of a followed stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowLine {
    /// Sent by the server.
    pub server: bool,
    /// Bytes the capture missed (`[N bytes missing in capture file]`).
    pub gap: bool,
    /// The text.
    pub text: String,
    /// The frame (1-based) that carried it.
    pub frame: u64,
}

/// A file made in the worker, for the page to save.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileData {
    /// Suggested name.
    pub name: String,
    /// The bytes, as a `Blob` (outside wasm memory; posting it copies nothing), with
    /// its MIME type.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub blob: web_sys::Blob,
}

/// A capture's files in the lake (`wirelens export`'s layout), before they are Parquet.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LakeParts {
    /// The capture's id (core's `query::lake::capture_id`).
    pub capture_id: String,
    /// The sensor.
    pub sensor: String,
    /// The Community ID seed.
    pub seed: u16,
    /// The capture file's name without its extensions, for the download's name.
    pub stem: String,
    /// The files, the captures table's last.
    pub parts: Vec<LakePart>,
}

/// One file of the lake: its path and its columns, packed (`wirelens_lake::packed`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LakePart {
    /// Relative to the lake's root: `sessions/date=…/sensor=…/part-….parquet`.
    pub path: String,
    /// Rows.
    pub rows: u64,
    /// The packed columns, as a `Blob` (outside wasm memory).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub packed: web_sys::Blob,
}

/// Page → lake worker (`wirelens-lake`, loaded on the first export or SQL query).
#[derive(Serialize, Deserialize)]
pub enum ToLake {
    /// Writes these files as Parquet (snappy).
    Write {
        /// Echoed in the reply.
        request: u32,
        /// What to write.
        parts: LakeParts,
        /// Also a ZIP of them all under their paths.
        zip: bool,
    },
}

/// Lake worker → page.
#[derive(Serialize, Deserialize)]
pub enum FromLake {
    /// The worker's wasm is running.
    Ready,
    /// The Parquet files, in the order asked.
    Written {
        /// The request.
        request: u32,
        /// Each file's path and bytes.
        files: Vec<LakeFile>,
        /// The ZIP, when asked.
        zip: Option<FileData>,
        /// Time the writing took, ms.
        elapsed_ms: f64,
    },
    /// They could not be written.
    Failed {
        /// The request.
        request: u32,
        /// Why.
        message: String,
    },
}

/// A Parquet file the lake worker wrote.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LakeFile {
    /// Relative to the lake's root.
    pub path: String,
    /// Rows.
    pub rows: u64,
    /// The bytes.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub bytes: js_sys::Uint8Array,
}

/// One fact about a packet: a label, its value, and the filter that matches it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// What it is (`Frame length`).
    pub label: String,
    /// Its value, as text.
    pub value: String,
    /// The display filter for packets like this one in this respect (`frame.len == 60`).
    pub filter: Option<String>,
    /// The stream it names, to follow.
    pub follow: Option<StreamRef>,
}

/// One packet's detail: its byte sources and the tree of its layers, flattened depth
/// first (each node says where its subtree ends).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DetailView {
    /// Frame number.
    pub frame: u64,
    /// The bytes nodes point into: the frame first, then PDUs reassembled from segments.
    pub sources: Vec<ByteSource>,
    /// The nodes shown (hidden ones are left out).
    pub nodes: Vec<TreeNode>,
}

/// Bytes the tree points into.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ByteSource {
    /// `Frame (74 bytes)`, `Reassembled TCP (300244 bytes)`.
    pub name: String,
    /// The bytes, as a JS `Uint8Array` (no copy into a JS array of numbers).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub bytes: js_sys::Uint8Array,
}

/// A node of the detail tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeNode {
    /// Depth: 0 for a layer.
    pub depth: u8,
    /// Index of the last node of its subtree (itself when it has no children).
    pub last: u32,
    /// A protocol layer.
    pub proto: bool,
    /// Wireshark's field name (`ip.ttl`); empty for a line of text.
    pub name: String,
    /// What the tree shows (`Time to Live: 64`).
    pub text: String,
    /// Where its bytes are: source, offset and length (0: none).
    pub source: u8,
    pub pos: u32,
    pub size: u32,
    /// Computed rather than read (Wireshark shows it in brackets).
    pub generated: bool,
    /// The display filter that matches this value (`ip.ttl == 64`), when it compiles.
    pub filter: Option<String>,
    /// Whether the field can be a custom column.
    pub column: bool,
}

/// A field of the registry, for autocomplete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldName {
    /// `ip.src`.
    pub name: String,
    /// Wireshark's type name (`IPv4 address`).
    pub ty: String,
    /// What it is.
    pub description: String,
}

/// Worker → page.
#[derive(Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's wasm is running and it listens for messages.
    Ready,
    /// Ingest progress, throttled.
    Progress {
        /// The capture being read.
        generation: u32,
        /// Bytes read so far, over all files.
        bytes_done: u64,
        /// Total size of all files.
        bytes_total: u64,
        /// Packets indexed so far.
        packets: u64,
    },
    /// Ingest finished (possibly with errors in some files).
    Loaded(Box<Summary>),
    /// Rows of the packet list.
    Page(Page),
    /// The answer to a `Filter`.
    Filtered(FilterReply),
    /// The answer to a [`ToWorker::Query`].
    Answer {
        /// The capture.
        generation: u32,
        /// The request this answers.
        request: u32,
        /// The answer.
        answer: Answer,
    },
    /// Reading failed outright (the browser could not read a file).
    Failed {
        /// The capture.
        generation: u32,
        /// What went wrong.
        message: String,
    },
}

/// What a finished ingest found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The capture.
    pub generation: u32,
    /// Packets in the index.
    pub packets: u64,
    /// Bytes read over all files.
    pub bytes: u64,
    /// Wall-clock time the ingest took, ms.
    pub elapsed_ms: f64,
    /// Files in the order they were read.
    pub files: Vec<FileSummary>,
    /// Errors that stopped reading a file; the packets before them are in the index.
    pub errors: Vec<ErrorInfo>,
    /// Oddities that did not stop reading (the first ones; see `anomaly_count`).
    pub anomalies: Vec<ErrorInfo>,
    /// How many anomalies there were in all.
    pub anomaly_count: u64,
    /// TCP conversations.
    pub tcp_conversations: u64,
    /// UDP conversations.
    pub udp_conversations: u64,
    /// Time of the first packet, `2026-12-05 06:49:07.123456` (UTC); empty without packets.
    pub first_time: String,
    /// From the first packet to the last, seconds.
    pub duration: f64,
    /// Size of the worker's wasm memory when the ingest finished, bytes (what the index
    /// and tables take, with the allocator's slack).
    pub wasm_bytes: u64,
    /// Transactions per application protocol (`http`, `memcache`, …), those it has.
    pub apps: Vec<(String, u64)>,
    /// The tables of each protocol, in order.
    pub app_tables: Vec<(String, Vec<String>)>,
}

/// One file of the capture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Name, as the browser gave it.
    pub name: String,
    /// Format, e.g. "pcapng" or "pcap (little-endian, µs)"; empty when not recognised.
    pub format: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Packets read from it.
    pub packets: u64,
}

/// Damage that stopped reading a file, or an anomaly found while reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// File name.
    pub file: String,
    /// Byte offset of the damaged record or block.
    pub offset: u64,
    /// Packet number (1-based, within the file) that could not be read.
    pub packet: u64,
    /// What was wrong.
    pub message: String,
}

/// Rows of the packet list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// The capture.
    pub generation: u32,
    /// The request this answers.
    pub request: u32,
    /// First row, 0-based.
    pub start: u64,
    /// Packets in the capture.
    pub total: u64,
    /// The rows; fewer than asked at the end of the capture.
    pub rows: Vec<PacketRowView>,
    /// Set when the packet bytes could not be re-read.
    pub error: Option<String>,
}

/// One row of the packet list, as Wireshark shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacketRowView {
    /// Packet number, 1-based.
    pub no: u64,
    /// Seconds since the first packet, 6 decimals.
    pub time: String,
    /// Date and time of day in UTC, `2026-12-05 06:49:07.123456` (tshark `-t ud`).
    #[serde(default)]
    pub abs_time: String,
    /// Seconds since the previous displayed packet (tshark `-t dd`).
    #[serde(default)]
    pub delta_time: String,
    /// Source address.
    pub src: String,
    /// Destination address.
    pub dst: String,
    /// Protocol.
    pub protocol: String,
    /// Length on the wire.
    pub length: u32,
    /// One-line description.
    pub info: String,
    /// Values of the custom columns, in their order (occurrences joined by commas).
    #[serde(default)]
    pub custom: Vec<String>,
    /// The key of the colouring rule it matches (core's `rows::Rule::key`: `bad-tcp`,
    /// `http`, `tcp`, …); empty for none.
    #[serde(default)]
    pub colour: String,
}

/// What applying a display filter gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilterReply {
    /// The capture.
    pub generation: u32,
    /// The request this answers.
    pub request: u32,
    /// The filter as applied.
    pub text: String,
    /// The custom columns now shown.
    pub columns: Vec<String>,
    /// Packets that pass (all of them for the empty filter).
    pub shown: u64,
    /// Packets in the capture.
    pub total: u64,
    /// Time the filter took, ms.
    pub elapsed_ms: f64,
    /// Why the filter (or a column name) is not valid; nothing changed then.
    pub error: Option<FilterErrorView>,
    /// Remarks, e.g. fields that are not extracted yet and so match nothing.
    pub notes: Vec<String>,
}

/// A filter that does not compile, with the part to underline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterErrorView {
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known ("did you mean ip.src?").
    pub hint: Option<String>,
    /// The text the positions refer to (the filter, or the column list).
    pub text: String,
    /// First UTF-16 code unit of the faulty part (what a text field counts).
    pub start: u32,
    /// One past its last code unit (equal to `start` at the end of the text).
    pub end: u32,
}

/// Serializes a message for `postMessage`.
pub fn encode<T: Serialize>(msg: &T) -> Result<JsValue, String> {
    serde_wasm_bindgen::to_value(msg).map_err(|e| e.to_string())
}

/// Reads a message received by `onmessage`.
pub fn decode<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}
