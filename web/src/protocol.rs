//! Messages between the page and the analysis worker, sent with `postMessage` after
//! `serde_wasm_bindgen::to_value` (plain JS objects; `File` handles are passed through
//! untouched, so the structured clone shares them instead of copying bytes).
//!
//! Every reply names the `generation` (the `Open` it belongs to): when the user drops a
//! new capture while the previous one is still loading, the page ignores stale replies.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// How many packet rows the page asks for at a time.
pub const PAGE_ROWS: u32 = 100;

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
    /// TCP and UDP conversations, in order of their first packet.
    pub conversations: Vec<ConversationRow>,
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

/// One row of the conversations table (`tshark -z conv,tcp` / `conv,udp`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationRow {
    /// "TCP" or "UDP".
    pub proto: String,
    /// Stream number within its protocol (`tcp.stream`, `udp.stream`).
    pub stream: u32,
    /// Address of side A (source of the first packet).
    pub a: String,
    /// Port of side A.
    pub port_a: u16,
    /// Address of side B.
    pub b: String,
    /// Port of side B.
    pub port_b: u16,
    /// Frames A → B.
    pub frames_ab: u64,
    /// Bytes A → B (frame lengths on the wire).
    pub bytes_ab: u64,
    /// Frames B → A.
    pub frames_ba: u64,
    /// Bytes B → A.
    pub bytes_ba: u64,
    /// Seconds from the capture's first packet to this conversation's first packet.
    pub rel_start: f64,
    /// Seconds from this conversation's first packet to its last.
    pub duration: f64,
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
