//! The push-based pipeline: bytes of one or more capture files in, packet index and
//! conversations out.

use crate::flow::{Direction, FlowTable};
use crate::index::{PacketRow, NO_FLOW};
use crate::source::{Event, Format, Interface, RecordReader, SourceError};
use crate::wire;
use serde::Serialize;
use std::fmt;

/// A file taking part in an ingest.
#[derive(Clone, Debug, Serialize)]
pub struct FileInfo {
    /// Name as given by the caller (path or browser file name).
    pub name: String,
    /// Format, once recognised.
    pub format: Option<Format>,
    /// Bytes read.
    pub bytes: u64,
    /// Packets read from this file.
    pub packets: u64,
}

/// An error in one file, with everything a user needs to find the damage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IngestError {
    /// File name.
    pub file: String,
    /// Byte offset in the file where the damaged record or block starts.
    pub offset: u64,
    /// Number (1-based, within the file) of the packet that could not be read.
    pub packet: u64,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: at byte offset {}, packet {}: {}",
            self.file, self.offset, self.packet, self.message
        )
    }
}

impl std::error::Error for IngestError {}

/// An interface of the merged capture: one file's interface.
#[derive(Clone, Debug, Serialize)]
pub struct CaptureInterface {
    /// Index into [`Capture::files`].
    pub file: u16,
    /// The interface as the file describes it.
    #[serde(flatten)]
    pub interface: Interface,
}

/// The result of an ingest.
#[derive(Default, Serialize)]
pub struct Capture {
    /// Files, in the order they were fed.
    pub files: Vec<FileInfo>,
    /// Every interface of every file; a packet's `iface` indexes this.
    pub interfaces: Vec<CaptureInterface>,
    /// One row per packet, in file order.
    #[serde(skip)]
    pub packets: Vec<PacketRow>,
    /// TCP and UDP conversations, in order of their first packet.
    pub conversations: Vec<crate::flow::Conversation>,
    /// Errors that stopped reading a file; packets before them are kept.
    pub errors: Vec<IngestError>,
}

impl Capture {
    /// Timestamp of the first packet (ns), the origin of relative times.
    pub fn first_ts_ns(&self) -> i64 {
        self.packets.first().map_or(0, |p| p.ts_ns)
    }

    /// The link type of a packet.
    pub fn linktype_of(&self, row: &PacketRow) -> u16 {
        self.interfaces.get(row.iface as usize).map_or(u16::MAX, |i| i.interface.linktype)
    }
}

/// Push-based ingest of capture files: `begin_file`, `feed` chunks, then `finish`.
pub struct Ingest {
    capture: Capture,
    flows: FlowTable,
    reader: RecordReader,
    /// Index in `capture.interfaces` of the current file's first interface.
    iface_base: u32,
    in_file: bool,
}

impl Default for Ingest {
    fn default() -> Self {
        Self::new()
    }
}

impl Ingest {
    /// An empty ingest.
    pub fn new() -> Self {
        Self {
            capture: Capture::default(),
            flows: FlowTable::default(),
            reader: RecordReader::new(),
            iface_base: 0,
            in_file: false,
        }
    }

    /// Starts the next file. Ends the previous one if it was not ended.
    pub fn begin_file(&mut self, name: &str) {
        if self.in_file {
            self.end_file();
        }
        self.capture.files.push(FileInfo { name: name.to_owned(), format: None, bytes: 0, packets: 0 });
        self.reader = RecordReader::new();
        self.iface_base = self.capture.interfaces.len() as u32;
        self.in_file = true;
    }

    /// Feeds the next bytes of the current file, in chunks of any size.
    pub fn feed(&mut self, chunk: &[u8]) {
        if !self.in_file {
            self.begin_file("<input>");
        }
        let Self { capture, flows, reader, iface_base, .. } = self;
        let file_idx = capture.files.len() - 1;
        reader.feed(chunk, &mut |event| match event {
            Event::Format(f) => capture.files[file_idx].format = Some(f),
            Event::Interface(interface) => {
                capture.interfaces.push(CaptureInterface { file: file_idx as u16, interface })
            }
            Event::Packet(rec) => {
                let iface = *iface_base + rec.iface;
                let linktype = capture.interfaces.get(iface as usize).map_or(u16::MAX, |i| i.interface.linktype);
                let summary = wire::dissect(linktype, rec.data);
                let (flow, dir) = match flows.add(&summary, rec.ts_ns, rec.len) {
                    Some((id, dir)) => (id, dir),
                    None => (NO_FLOW, Direction::AToB),
                };
                capture.files[file_idx].packets += 1;
                capture.packets.push(PacketRow {
                    ts_ns: rec.ts_ns,
                    offset: rec.offset,
                    caplen: rec.caplen,
                    len: rec.len,
                    flow,
                    iface: iface.min(u16::MAX as u32) as u16,
                    file: file_idx as u16,
                    flags: if dir == Direction::BToA { PacketRow::FLAG_B_TO_A } else { 0 },
                    _pad: 0,
                });
            }
        });
        capture.files[file_idx].bytes = reader.bytes_fed();
    }

    /// Ends the current file, recording any error that stopped it.
    pub fn end_file(&mut self) {
        if !self.in_file {
            return;
        }
        self.in_file = false;
        let file = self.capture.files.last().expect("begin_file pushed a file");
        if let Some(SourceError { offset, kind }) = self.reader.finish() {
            let err = IngestError {
                file: file.name.clone(),
                offset,
                packet: file.packets + 1,
                message: kind.to_string(),
            };
            self.capture.errors.push(err);
        }
    }

    /// Bytes fed so far, over all files.
    pub fn bytes_fed(&self) -> u64 {
        self.capture.files.iter().map(|f| f.bytes).sum()
    }

    /// Packets read so far.
    pub fn packets(&self) -> usize {
        self.capture.packets.len()
    }

    /// Ends the last file and returns the capture.
    pub fn finish(mut self) -> Capture {
        self.end_file();
        self.capture.conversations = std::mem::take(&mut self.flows.conversations);
        self.capture
    }
}

/// Reads a whole capture held in memory (tests, small files).
pub fn ingest_bytes(name: &str, bytes: &[u8]) -> Capture {
    let mut ingest = Ingest::new();
    ingest.begin_file(name);
    ingest.feed(bytes);
    ingest.finish()
}
