//! Display filters and custom columns in the worker.
//!
//! A filter that the packet index answers alone (frame numbers, times, lengths, stream
//! numbers, addresses and ports of packets in a conversation) runs over the index without
//! reading a byte. Otherwise the files are read once, forward, in 16 MiB slices (through
//! the decoder for compressed files), each packet is evaluated as its slice passes, and
//! the first packet of each TCP conversation each way is kept aside: relative sequence
//! numbers and window scaling look back at it.

use crate::blob;
use crate::session::{Session, CHUNK};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use wirelens_core::capture::file::Compression;
use wirelens_core::capture::packet::{PacketRow, NO_FLOW};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::decompress::Decoder;
use wirelens_core::query::fields::pdu::{self, Collector};
use wirelens_core::query::fields::{self, Fid, NoBytes, PacketSource};
use wirelens_core::query::filter::{Evaluator, Filter, FilterError};
use wirelens_web::protocol::{FilterErrorView, FilterReply};

/// What the packet list shows: all packets or those that passed the filter, and the
/// custom columns.
#[derive(Default)]
pub struct View {
    /// Indices (0-based) of the packets shown; None: all.
    pub indices: Option<Vec<u32>>,
    /// Fields shown as extra columns.
    pub columns: Vec<Fid>,
    /// Per-PDU values (memcache, resp) of the filter's and the columns' fields.
    pub pdus: Option<Rc<Collector>>,
}

impl View {
    /// Packets shown.
    pub fn len(&self, capture: &Capture) -> u64 {
        self.indices
            .as_ref()
            .map_or(capture.packets.len(), Vec::len) as u64
    }

    /// The packet index of row `n` of the view.
    pub fn packet(&self, n: usize) -> Option<usize> {
        match &self.indices {
            Some(v) => v.get(n).map(|&i| i as usize),
            None => Some(n),
        }
    }
}

pub(crate) fn error_view(text: &str, e: &FilterError) -> FilterErrorView {
    let (start, end) = e.utf16_range(text);
    FilterErrorView {
        message: e.message.clone(),
        hint: e.hint.clone(),
        text: text.to_owned(),
        start: start as u32,
        end: end as u32,
    }
}

/// Compiles and applies a filter and the columns; the view changes only when both are
/// valid.
pub async fn apply(s: &Session, request: u32, text: String, columns: Vec<String>) -> FilterReply {
    let started = js_sys::Date::now();
    let total = s.capture.packets.len() as u64;
    let mut reply = FilterReply {
        generation: s.generation,
        request,
        text: text.clone(),
        columns: columns.clone(),
        shown: s.view.borrow().len(&s.capture),
        total,
        elapsed_ms: 0.0,
        error: None,
        notes: Vec::new(),
    };
    let mut fids = Vec::new();
    let joined = columns.join(", ");
    let mut at = 0;
    for name in &columns {
        let start = joined[at..].find(name.as_str()).map_or(at, |i| at + i);
        at = start + name.len();
        match fields::lookup(name) {
            Some(f) => fids.push(f),
            None => {
                let mut e = FilterError::new(
                    format!("Unknown column field {name}."),
                    start,
                    start + name.len(),
                );
                if let Some(s) = fields::suggest(name) {
                    e = e.with_hint(format!("did you mean {s}?"));
                }
                reply.error = Some(error_view(&joined, &e));
                return reply;
            }
        }
    }
    let filter = match Filter::compile(&text) {
        Ok(f) => f,
        Err(e) => {
            reply.error = Some(error_view(&text, &e));
            return reply;
        }
    };
    for f in filter.not_yet_extracted().into_iter().chain(
        fids.iter()
            .filter(|f| f.def().status == fields::Status::NotYetExtracted)
            .map(|f| f.name()),
    ) {
        reply
            .notes
            .push(format!("{f} is not extracted yet: it has no values"));
    }
    let wanted: HashSet<Fid> = filter
        .fields()
        .iter()
        .chain(&fids)
        .copied()
        .filter(|&f| pdu::proto_of(f).is_some())
        .collect();
    let pdus = match collect_pdus(s, wanted).await {
        Ok(p) => p.map(Rc::new),
        Err(e) => {
            reply
                .notes
                .push(format!("the filter could not be applied: {e}"));
            return reply;
        }
    };
    let indices = if filter.is_empty() {
        Ok(None)
    } else {
        evaluate(s, &filter, pdus.as_deref()).await.map(Some)
    };
    match indices {
        Ok(indices) => {
            let mut view = s.view.borrow_mut();
            view.indices = indices;
            view.columns = fids;
            view.pdus = pdus;
            reply.shown = view.len(&s.capture);
        }
        Err(e) => reply
            .notes
            .push(format!("the filter could not be applied: {e}")),
    }
    reply.elapsed_ms = js_sys::Date::now() - started;
    reply
}

/// The packets (ascending) that pass `filter`, the view left as it is (the IO graph's
/// series).
pub(crate) async fn matching(s: &Session, filter: &Filter) -> Result<Vec<u32>, String> {
    let wanted = filter
        .fields()
        .iter()
        .copied()
        .filter(|&f| pdu::proto_of(f).is_some())
        .collect();
    let pdus = collect_pdus(s, wanted).await?;
    evaluate(s, filter, pdus.as_ref()).await
}

/// The first packet of each flow each way (`u32::MAX`: none).
fn firsts(capture: &Capture) -> Vec<[u32; 2]> {
    let mut f = vec![[u32::MAX; 2]; capture.conversations.len()];
    for (i, p) in capture.packets.iter().enumerate() {
        if let Some(e) = f.get_mut(p.flow as usize) {
            let d = usize::from(p.flags & PacketRow::FLAG_B_TO_A != 0);
            if e[d] == u32::MAX {
                e[d] = i as u32;
            }
        }
    }
    f
}

/// Reads the packets of the conversations whose per-PDU fields are wanted, once, forward,
/// and collects those fields (None when none is wanted).
async fn collect_pdus(s: &Session, wanted: HashSet<Fid>) -> Result<Option<Collector>, String> {
    let capture = &s.capture;
    let Some(last) = capture.packets.len().checked_sub(1) else {
        return Ok(None);
    };
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut c = Collector::new(capture, wanted);
    let mut src = Windows::new(capture);
    for (i, row) in capture.packets.iter().enumerate() {
        if c.needs(row) {
            src.ensure(s, row).await?;
            c.advance(capture, i, None, &mut src);
        }
    }
    c.advance(capture, last, None, &mut NoBytes);
    Ok(Some(c))
}

async fn evaluate(
    s: &Session,
    filter: &Filter,
    pdus: Option<&Collector>,
) -> Result<Vec<u32>, String> {
    let capture = &s.capture;
    let mut ev = Evaluator::new(capture);
    if let Some(c) = pdus {
        ev = ev.with_collector(c);
    }
    let n = capture.packets.len();
    if !filter.may_read_packets(capture) {
        return Ok((0..n)
            .filter(|&i| ev.matches(filter, i, &mut NoBytes))
            .map(|i| i as u32)
            .collect());
    }
    let mut keep = vec![false; n];
    for pair in firsts(capture) {
        for i in pair.into_iter().filter(|&i| i != u32::MAX) {
            keep[i as usize] = true;
        }
    }
    let mut src = Windows::new(capture);
    let mut out = Vec::new();
    for (i, row) in capture.packets.iter().enumerate() {
        let ok = src.ensure(s, row).await?;
        if ok && keep[i] {
            let mut buf = Vec::new();
            if src.read(i, row, &mut buf) {
                src.kept.insert(i, buf);
            }
        }
        if ev.matches(filter, i, &mut src) {
            out.push(i as u32);
        }
    }
    Ok(out)
}

/// Packet bytes from each file's current window, or from the packets kept aside.
pub(crate) struct Windows {
    files: Vec<Window>,
    kept: HashMap<usize, Vec<u8>>,
}

impl Windows {
    pub(crate) fn new(capture: &Capture) -> Self {
        Windows {
            files: capture
                .files
                .iter()
                .map(|f| Window::new(f.compression))
                .collect(),
            kept: HashMap::new(),
        }
    }

    /// Makes the window of `row`'s file hold its bytes; false if the file ends first.
    pub(crate) async fn ensure(&mut self, s: &Session, row: &PacketRow) -> Result<bool, String> {
        let Some(w) = self.files.get_mut(row.file as usize) else {
            return Ok(false);
        };
        let Some(file) = s.files.get(row.file as usize) else {
            return Ok(false);
        };
        w.ensure(file, row.offset, row.offset + row.caplen as u64)
            .await
    }
}

impl PacketSource for Windows {
    fn read(&mut self, index: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        if let Some(w) = self.files.get(row.file as usize) {
            if let Some(bytes) = w.get(row.offset, row.offset + row.caplen as u64) {
                buf.clear();
                buf.extend_from_slice(bytes);
                return true;
            }
        }
        match self.kept.get(&index) {
            Some(bytes) => {
                buf.clear();
                buf.extend_from_slice(bytes);
                true
            }
            None => false,
        }
    }
}

/// A forward-moving window over one file's (decompressed) bytes.
struct Window {
    decoder: Option<Decoder>,
    /// Stored (compressed) bytes read so far.
    pos: u64,
    /// Offset of `data[0]` in the (decompressed) file.
    start: u64,
    data: Vec<u8>,
}

impl Window {
    fn new(compression: Option<Compression>) -> Self {
        Window {
            decoder: compression.map(Decoder::new),
            pos: 0,
            start: 0,
            data: Vec::new(),
        }
    }

    fn get(&self, lo: u64, hi: u64) -> Option<&[u8]> {
        let a = lo.checked_sub(self.start)? as usize;
        let b = hi.checked_sub(self.start)? as usize;
        self.data.get(a..b)
    }

    async fn ensure(&mut self, file: &web_sys::File, lo: u64, hi: u64) -> Result<bool, String> {
        if self.get(lo, hi).is_some() {
            return Ok(true);
        }
        let size = file.size() as u64;
        match &mut self.decoder {
            None => {
                let end = (lo + CHUNK).max(hi).min(size);
                self.data = blob::start(file, lo, end).bytes().await?;
                self.start = lo;
            }
            Some(decoder) => {
                // Offsets only grow within a file: drop what lies before, decode on.
                let drop = (lo.saturating_sub(self.start) as usize).min(self.data.len());
                self.data.drain(..drop);
                self.start += drop as u64;
                while self.start + (self.data.len() as u64) < hi && self.pos < size {
                    let end = (self.pos + CHUNK).min(size);
                    let chunk = blob::start(file, self.pos, end).bytes().await?;
                    if chunk.is_empty() {
                        break;
                    }
                    self.pos += chunk.len() as u64;
                    let data = &mut self.data;
                    decoder
                        .feed(&chunk, &mut |plain| data.extend_from_slice(plain))
                        .map_err(|e| e.to_string())?;
                    // Keep only from the packet on.
                    let drop = (lo.saturating_sub(self.start) as usize).min(self.data.len());
                    self.data.drain(..drop);
                    self.start += drop as u64;
                }
            }
        }
        Ok(self.get(lo, hi).is_some())
    }
}

/// Packets served by index from a map (a page's rows and the packets they look back at).
pub struct MapSource(pub HashMap<usize, Vec<u8>>);

impl PacketSource for MapSource {
    fn read(&mut self, index: usize, _: &PacketRow, buf: &mut Vec<u8>) -> bool {
        match self.0.get(&index) {
            Some(b) => {
                buf.clear();
                buf.extend_from_slice(b);
                true
            }
            None => false,
        }
    }
}

/// Whether these columns need the first packets of a TCP conversation.
pub fn columns_look_back(columns: &[Fid]) -> bool {
    columns.iter().any(|f| {
        matches!(
            f,
            Fid::TcpSeq | Fid::TcpAck | Fid::TcpWindowSize | Fid::TcpWindowSizeScalefactor
        )
    })
}

/// The packets the TCP fields of packet `index` look back at.
pub fn look_back(capture: &Capture, index: usize) -> Vec<usize> {
    let row = capture.packets[index];
    if row.flow == NO_FLOW {
        return Vec::new();
    }
    // The first packet of the flow each way: scan from the start (once per page row).
    let mut found = [None::<usize>; 2];
    for (i, p) in capture.packets[..=index].iter().enumerate() {
        if p.flow == row.flow {
            let d = usize::from(p.flags & PacketRow::FLAG_B_TO_A != 0);
            found[d].get_or_insert(i);
            if found.iter().all(Option::is_some) {
                break;
            }
        }
    }
    found.into_iter().flatten().collect()
}
