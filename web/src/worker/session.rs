//! The open capture: ingest from `File`s, then pages of packet rows re-read by offset.

use crate::{blob, post};
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::File;
use wirelens_core::capture::file::Compression;
use wirelens_core::capture::file::Format;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::PacketRow;
use wirelens_core::capture::{Capture, IngestError};
use wirelens_core::ingest::decompress::Decoder;
use wirelens_core::ingest::driver::{Driver, Options, Read};
use wirelens_web::protocol::{
    ErrorInfo, FileSummary, FromWorker, PacketRowView, Page, Summary, ToWorker,
};

/// Bytes read from a file per step of the ingest. Measured in headless Chromium on a
/// 175 MB capture: reading alone takes 750 ms in 1 MiB slices, 270 ms in 4 MiB, 190 ms
/// in 16 MiB; the whole ingest went from ~255 to ~320 MB/s with 16 MiB.
pub(crate) const CHUNK: u64 = 16 << 20;
/// Progress messages are posted at most this often (ms).
const PROGRESS_EVERY_MS: f64 = 50.0;
/// A page's rows of one file are read as one slice when it spans at most this much;
/// otherwise (rows far apart, huge packets) each packet is read on its own.
const MAX_PAGE_SPAN: u64 = 16 << 20;
/// Rows one page request may ask for.
const MAX_PAGE_ROWS: u32 = 10_000;

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

#[derive(Default)]
struct State {
    /// The newest `Open`; older ingests stop at their next chunk.
    generation: u32,
    /// The capture, once its ingest finished.
    open: Option<Rc<Session>>,
}

pub(crate) struct Session {
    pub(crate) generation: u32,
    pub(crate) capture: Capture,
    pub(crate) files: Vec<File>,
    /// The packets shown (display filter) and the custom columns.
    pub(crate) view: RefCell<crate::filtering::View>,
}

fn is_current(generation: u32) -> bool {
    STATE.with_borrow(|s| s.generation == generation)
}

/// The open capture, if it is `generation`.
pub(crate) fn current(generation: u32) -> Option<Rc<Session>> {
    STATE
        .with_borrow(|s| s.open.clone())
        .filter(|s| s.generation == generation)
}

/// Handles one message from the page.
pub fn handle(msg: ToWorker) {
    match msg {
        ToWorker::Open { generation, files } => {
            let files: Vec<File> = files
                .iter()
                .filter_map(|f| f.dyn_into::<File>().ok())
                .collect();
            STATE.with_borrow_mut(|s| {
                s.generation = generation;
                s.open = None;
            });
            spawn_local(ingest(generation, files));
        }
        ToWorker::Page {
            generation,
            request,
            start,
            count,
        } => {
            let session = STATE
                .with_borrow(|s| s.open.clone())
                .filter(|s| s.generation == generation);
            spawn_local(async move {
                let page = match session {
                    Some(session) => session.page(request, start, count.min(MAX_PAGE_ROWS)).await,
                    None => Page {
                        generation,
                        request,
                        start,
                        total: 0,
                        rows: Vec::new(),
                        error: Some("no capture is open".into()),
                    },
                };
                post(&FromWorker::Page(page));
            });
        }
        ToWorker::Filter {
            generation,
            request,
            text,
            columns,
        } => {
            let session = STATE
                .with_borrow(|s| s.open.clone())
                .filter(|s| s.generation == generation);
            spawn_local(async move {
                let reply = match session {
                    Some(session) => {
                        crate::filtering::apply(&session, request, text, columns).await
                    }
                    None => wirelens_web::protocol::FilterReply {
                        generation,
                        request,
                        text,
                        columns,
                        shown: 0,
                        total: 0,
                        elapsed_ms: 0.0,
                        error: None,
                        notes: vec!["no capture is open".into()],
                    },
                };
                post(&FromWorker::Filtered(reply));
            });
        }
        // The ingest of `generation` stops at its next chunk; nothing is open.
        ToWorker::Cancel { generation } => STATE.with_borrow_mut(|s| {
            if s.generation == generation {
                s.generation = 0;
                s.open = None;
            }
        }),
        ToWorker::Query {
            generation,
            request,
            view,
            query,
        } => crate::queries::handle(generation, request, view, query),
    }
}

/// Reads every file through the core's driver, posting progress, then the summary. The
/// driver merges the files into one timeline and says which bytes it needs next; the
/// browser reads the next slice of that file while the last one is analysed.
async fn ingest(generation: u32, files: Vec<File>) {
    let started = js_sys::Date::now();
    let mut driver = Driver::new(&Options::default(), CHUNK);
    for f in &files {
        driver.add_file(&f.name(), Some(f.size() as u64));
    }
    let mut last_progress = f64::NEG_INFINITY;
    let mut buf = Vec::new();
    let progress = |driver: &Driver| {
        let p = driver.progress();
        FromWorker::Progress {
            generation,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
            packets: p.packets,
        }
    };
    post(&progress(&driver));
    // A read already under way, and what it reads.
    let mut ahead: Option<(Read, blob::Pending)> = None;
    while let Some(read) = driver.next_read() {
        let file = &files[read.file];
        let pending = match ahead.take() {
            Some((r, p)) if r == read => p,
            _ => blob::start(file, read.offset, read.offset + read.len),
        };
        let chunk = pending.array().await;
        if !is_current(generation) {
            return;
        }
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                driver.read_failed(read.file, &e);
                continue;
            }
        };
        // Have the browser read this file's next slice while this one is dissected.
        if chunk.length() as u64 == read.len {
            ahead = driver
                .following(&read)
                .map(|next| (next, blob::start(file, next.offset, next.offset + next.len)));
        }
        buf.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut buf);
        driver.supply(read.file, &buf);
        let now = js_sys::Date::now();
        if now - last_progress >= PROGRESS_EVERY_MS {
            last_progress = now;
            post(&progress(&driver));
        }
    }
    post(&progress(&driver));
    let capture = driver.finish();
    let summary = summarize(generation, &capture, js_sys::Date::now() - started);
    STATE.with_borrow_mut(|s| {
        if s.generation == generation {
            s.open = Some(Rc::new(Session {
                generation,
                capture,
                files,
                view: RefCell::default(),
            }));
        }
    });
    if is_current(generation) {
        post(&FromWorker::Loaded(Box::new(summary)));
    }
}

fn summarize(generation: u32, capture: &Capture, elapsed_ms: f64) -> Summary {
    let first_ts = capture.first_ts_ns();
    let secs = |ns: i64| ns as f64 / 1e9;
    let count = |l4| {
        capture
            .conversations
            .iter()
            .filter(|c| c.proto == l4)
            .count() as u64
    };
    Summary {
        generation,
        packets: capture.packets.len() as u64,
        bytes: capture.files.iter().map(|f| f.bytes).sum(),
        elapsed_ms,
        files: capture
            .files
            .iter()
            .map(|f| FileSummary {
                name: f.name.clone(),
                format: describe_format(f.format, f.compression),
                bytes: f.bytes,
                packets: f.packets,
            })
            .collect(),
        errors: capture.errors.iter().map(error_info).collect(),
        anomalies: capture.anomalies.iter().map(error_info).collect(),
        anomaly_count: capture.anomaly_count,
        tcp_conversations: count(L4::Tcp),
        udp_conversations: count(L4::Udp),
        first_time: capture
            .packets
            .first()
            .map(|p| crate::columns::utc(p.ts_ns))
            .unwrap_or_default(),
        duration: capture
            .packets
            .iter()
            .map(|p| secs(p.ts_ns.saturating_sub(first_ts)))
            .fold(0.0, f64::max),
        wasm_bytes: crate::columns::wasm_bytes(),
        apps: crate::apps::counts(capture),
        app_tables: crate::apps::TABLES
            .iter()
            .map(|(p, t)| {
                (
                    p.name().to_owned(),
                    t.iter().map(|t| t.to_string()).collect(),
                )
            })
            .collect(),
    }
}

fn error_info(e: &IngestError) -> ErrorInfo {
    ErrorInfo {
        file: e.file.clone(),
        offset: e.offset,
        packet: e.packet,
        message: e.message.clone(),
    }
}

/// "pcapng", "pcap (little-endian, µs) (gzip)"; empty when the format is unknown.
fn describe_format(format: Option<Format>, compression: Option<Compression>) -> String {
    match (format_name(format), compression) {
        (name, Some(c)) if !name.is_empty() => format!("{name} ({})", c.name()),
        (name, _) => name,
    }
}

fn format_name(format: Option<Format>) -> String {
    match format {
        None => String::new(),
        Some(Format::PcapNg) => "pcapng".into(),
        Some(Format::Pcap {
            big_endian,
            nanos,
            modified,
        }) => format!(
            "pcap{} ({}, {})",
            if modified { " (modified)" } else { "" },
            if big_endian {
                "big-endian"
            } else {
                "little-endian"
            },
            if nanos { "ns" } else { "µs" },
        ),
    }
}

impl Session {
    async fn page(&self, request: u32, start: u64, count: u32) -> Page {
        let packets = &self.capture.packets;
        let view = self.view.borrow();
        let total = view.len(&self.capture);
        let first = start.min(total) as usize;
        let end = start.saturating_add(count as u64).min(total) as usize;
        // The packets of the page: consecutive rows of the view, not of the capture.
        let chosen: Vec<usize> = (first..end).filter_map(|n| view.packet(n)).collect();
        let columns = view.columns.clone();
        let pdus = view.pdus.clone();
        // The packet displayed before the page, for the first row's delta time.
        let mut prev_ts = first
            .checked_sub(1)
            .and_then(|n| view.packet(n))
            .and_then(|i| packets.get(i))
            .map(|p| p.ts_ns);
        drop(view);
        let mut rows = Vec::with_capacity(chosen.len());
        let mut error = None;
        let mut page_bytes: Vec<(usize, Option<Vec<u8>>)> = Vec::with_capacity(chosen.len());
        // Consecutive rows of one file are read together.
        for run in chosen.chunk_by(|a, b| packets[*a].file == packets[*b].file) {
            let run_rows: Vec<PacketRow> = run.iter().map(|&i| packets[i]).collect();
            let bytes = self.read_run(&run_rows).await;
            if let Err(e) = &bytes {
                error.get_or_insert_with(|| e.clone());
            }
            for (k, &i) in run.iter().enumerate() {
                page_bytes.push((
                    i,
                    bytes.as_ref().ok().map(|(d, r)| d[r[k].clone()].to_vec()),
                ));
            }
        }
        // Custom columns may look back at the first packets of a TCP conversation.
        let mut others = crate::filtering::MapSource(Default::default());
        if crate::filtering::columns_look_back(&columns) {
            for &(i, _) in &page_bytes {
                for j in crate::filtering::look_back(&self.capture, i) {
                    if let std::collections::hash_map::Entry::Vacant(e) = others.0.entry(j) {
                        if let Ok((d, r)) = self.read_run(&[packets[j]]).await {
                            e.insert(d[r[0].clone()].to_vec());
                        }
                    }
                }
            }
        }
        let mut ctx = wirelens_core::query::fields::FieldCtx::new(&self.capture);
        if let Some(c) = &pdus {
            ctx = ctx.with_collector(c);
        }
        let mut query = wirelens_core::query::rows::Rows::new(&self.capture).with_custom(&columns);
        for (i, bytes) in page_bytes {
            let read = bytes.is_some();
            if let Some(b) = bytes {
                others.0.insert(i, b);
            }
            let r = query.row(&mut ctx, i, prev_ts, &mut others);
            prev_ts = Some(r.ts_ns);
            let colour = match others.0.get(&i).filter(|_| read) {
                Some(b) => crate::columns::colour(&self.capture, i, b, &r.protocol),
                None => "",
            };
            rows.push(PacketRowView {
                no: r.number,
                time: r.time,
                abs_time: r.abs_time,
                delta_time: r.delta_time,
                colour: colour.to_owned(),
                src: r.src,
                dst: r.dst,
                protocol: r.protocol,
                length: r.length,
                info: r.info,
                custom: r.custom,
            });
        }
        Page {
            generation: self.generation,
            request,
            start,
            total,
            rows,
            error,
        }
    }

    /// The captured bytes of each row (all in one file), re-read from the `File`: one
    /// buffer and each row's range in it.
    async fn read_run(&self, run: &[PacketRow]) -> Result<(Vec<u8>, Vec<Range<usize>>), String> {
        let index = run.first().map_or(usize::MAX, |r| r.file as usize);
        let (Some(file), Some(info)) = (self.files.get(index), self.capture.files.get(index))
        else {
            return Err("the packet's file is not open".into());
        };
        let end_of = |r: &PacketRow| r.offset + r.caplen as u64;
        let lo = run.iter().map(|r| r.offset).min().unwrap_or(0);
        let hi = run.iter().map(end_of).max().unwrap_or(lo);
        let short = || format!("{} is shorter than when it was opened", file.name());
        let ranges = || {
            run.iter()
                .map(|r| (r.offset - lo) as usize..(end_of(r) - lo) as usize)
                .collect()
        };
        if let Some(compression) = info.compression {
            // Offsets are into the decompressed stream, which has no index to seek by.
            if hi - lo > MAX_PAGE_SPAN {
                return Err(format!(
                    "{}: these packets are too far apart to re-read from the {} stream",
                    file.name(),
                    compression.name()
                ));
            }
            let data = decompressed_range(file, compression, lo, hi).await?;
            if data.len() as u64 != hi - lo {
                return Err(short());
            }
            Ok((data, ranges()))
        } else if hi - lo <= MAX_PAGE_SPAN {
            let data = blob::start(file, lo, hi).bytes().await?;
            if data.len() as u64 != hi - lo {
                return Err(short());
            }
            Ok((data, ranges()))
        } else {
            let mut data = Vec::new();
            let mut ranges = Vec::with_capacity(run.len());
            for r in run {
                let bytes = blob::start(file, r.offset, end_of(r)).bytes().await?;
                if bytes.len() != r.caplen as usize {
                    return Err(short());
                }
                ranges.push(data.len()..data.len() + bytes.len());
                data.extend_from_slice(&bytes);
            }
            Ok((data, ranges))
        }
    }
}

/// Bytes `[lo, hi)` of a compressed file's decompressed stream, decompressing it from the
/// start (the formats have no index to seek by), with the next chunk read ahead.
async fn decompressed_range(
    file: &File,
    compression: Compression,
    lo: u64,
    hi: u64,
) -> Result<Vec<u8>, String> {
    let size = file.size() as u64;
    let mut decoder = Decoder::new(compression);
    let mut window = Window {
        lo,
        hi,
        at: 0,
        out: Vec::with_capacity((hi - lo) as usize),
    };
    let mut pos = 0;
    let mut next = (size > 0).then(|| blob::start(file, 0, CHUNK.min(size)));
    while let Some(read) = next.take() {
        let chunk = read.bytes().await?;
        pos += chunk.len() as u64;
        if !chunk.is_empty() && pos < size {
            next = Some(blob::start(file, pos, (pos + CHUNK).min(size)));
        }
        decoder
            .feed(&chunk, &mut |plain| window.take(plain))
            .map_err(|e| e.to_string())?;
        if window.at >= hi {
            return Ok(window.out);
        }
    }
    decoder
        .finish(&mut |plain| window.take(plain))
        .map_err(|e| e.to_string())?;
    Ok(window.out)
}

/// Keeps the part of a stream of pieces that falls in `[lo, hi)`.
struct Window {
    lo: u64,
    hi: u64,
    /// Stream offset of the next piece.
    at: u64,
    out: Vec<u8>,
}

impl Window {
    fn take(&mut self, piece: &[u8]) {
        let (start, end) = (self.at, self.at + piece.len() as u64);
        self.at = end;
        let (from, to) = (start.max(self.lo), end.min(self.hi));
        if from < to {
            self.out
                .extend_from_slice(&piece[(from - start) as usize..(to - start) as usize]);
        }
    }
}

#[cfg(test)]
mod test {
    #[test]
    fn a_window_keeps_its_range_of_the_stream() {
        let mut w = super::Window {
            lo: 3,
            hi: 9,
            at: 0,
            out: Vec::new(),
        };
        for piece in [&b"abcd"[..], b"", b"efg", b"hijkl"] {
            w.take(piece);
        }
        assert_eq!(w.out, b"defghi");
        assert_eq!(w.at, 12);
    }
}
