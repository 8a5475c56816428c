//! The open capture: ingest from `File`s, then pages of packet rows re-read by offset.

use crate::{blob, filtering, post};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::File;
use wirelens_core::capture::file::Compression;
use wirelens_core::capture::file::Format;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::NO_FLOW;
use wirelens_core::capture::{Capture, IngestError};
use wirelens_core::ingest::driver::{Driver, Options, Read};
use wirelens_core::query::detail::Index;
use wirelens_core::query::fields::FieldCtx;
use wirelens_core::query::reread::Reread;
use wirelens_core::query::rows::{RowIndex, Rows, Rule};
use wirelens_web::marks;
use wirelens_web::protocol::{
    ErrorInfo, FileSummary, FromWorker, PacketRowView, Page, Summary, ToWorker,
};

/// Bytes read from a file per step of the ingest. Measured in headless Chromium on a
/// 175 MB capture: reading alone takes 750 ms in 1 MiB slices, 270 ms in 4 MiB, 190 ms
/// in 16 MiB; the whole ingest went from ~255 to ~320 MB/s with 16 MiB.
const CHUNK: u64 = 16 << 20;
/// Bytes of a slice copied into wasm memory at a time: the slice itself stays outside
/// (its `ArrayBuffer`), so the heap holds 128 KiB of it rather than 16 MiB (wasm memory
/// never shrinks; on bench.pcap, 1.2 GB and 260k packets, 1 MiB is 4 bytes a packet). A
/// record cut between two pieces is copied whole by the record reader: with packets of
/// 64 KiB at most, a few percent of the bytes.
const PIECE: u32 = 128 << 10;
/// Slices of a file read ahead of the one analysed (they wait outside wasm memory), and
/// of all files together.
const AHEAD: usize = 3;
const AHEAD_TOTAL: usize = 6;
/// Progress messages are posted at most this often (ms).
const PROGRESS_EVERY_MS: f64 = 50.0;
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
    pub(crate) view: RefCell<filtering::View>,
    /// What the packet list looks up across the capture, built once for every page.
    rows: RefCell<RowIndex>,
}

/// Closes the open capture and gives it (when nothing else holds it).
pub(crate) fn take_capture() -> Option<Capture> {
    let open = STATE.with_borrow_mut(|s| s.open.take())?;
    Rc::try_unwrap(open).ok().map(|s| s.capture)
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
            marks::mark("received", true);
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
            filtering::asked(generation, request);
            let session = STATE
                .with_borrow(|s| s.open.clone())
                .filter(|s| s.generation == generation);
            spawn_local(async move {
                let reply = match session {
                    Some(session) => {
                        filtering::apply(&session, (generation, request), text, columns).await
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
/// reader worker (blob.rs) reads the next slices of that file while the last one is
/// analysed.
async fn ingest(generation: u32, files: Vec<File>) {
    let started = js_sys::Date::now();
    marks::mark("ingest_started", false);
    seed_hashes();
    let mut heap = crate::heap::Open {
        wasm_before: crate::heap::wasm_bytes(),
        live_before: crate::heap::live(),
        ..Default::default()
    };
    crate::heap::phase();
    // A TLS key log dropped beside the capture (NSS SSLKEYLOGFILE text) is not a capture:
    // its secrets decrypt the capture's TLS, as tshark's `-o tls.keylog_file:PATH`.
    let mut options = Options::default();
    let mut captures = Vec::with_capacity(files.len());
    for f in files {
        match key_log(&f).await {
            Some(text) => options.key_logs.push(text),
            None => captures.push(f),
        }
    }
    let files = captures;
    let mut driver = Driver::new(&options, CHUNK);
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
    // Reads already under way, and what each reads.
    let mut ahead: VecDeque<(Read, blob::Pending)> = VecDeque::new();
    let clock = Clock::new();
    let mut times = Times::default();
    let mut last_came = 0.0;
    while let Some(read) = driver.next_read() {
        let file = &files[read.file];
        let pending = ahead
            .iter()
            .position(|(r, _)| *r == read)
            .and_then(|at| ahead.remove(at))
            .map(|(_, p)| p);
        // Reads of this file before this one will not be asked for.
        ahead.retain(|(r, _)| r.file != read.file || r.offset > read.offset);
        let pending = pending
            .unwrap_or_else(|| blob::start_pooled(file, read.offset, read.offset + read.len));
        if times.slices == 0 {
            marks::mark("first_read_asked", false);
        }
        // Have the browser read this file's next slices while this one is dissected.
        let mut last = ahead
            .iter()
            .rev()
            .find(|(r, _)| r.file == read.file)
            .map_or(read, |(r, _)| *r);
        while ahead.iter().filter(|(r, _)| r.file == read.file).count() < AHEAD
            && ahead.len() < AHEAD_TOTAL
        {
            let Some(next) = driver.following(&last) else {
                break;
            };
            let end = next.offset + next.len;
            ahead.push_back((next, blob::start_pooled(file, next.offset, end)));
            last = next;
        }
        let asked = clock.now();
        let chunk = pending.array().await;
        let came = clock.now();
        if times.slices == 0 {
            marks::mark("first_slice_in", false);
        }
        last_came = marks::stamp();
        times.waited += came - asked;
        times.slices += 1;
        if !is_current(generation) {
            blob::drop_pool();
            return;
        }
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                driver.read_failed(read.file, &e);
                continue;
            }
        };
        // The driver takes a file's bytes in any pieces, in order (none: the file ended).
        if chunk.length() == 0 {
            driver.supply(read.file, &[]);
        }
        let mut at = 0;
        while at < chunk.length() {
            let end = chunk.length().min(at + PIECE);
            buf.resize((end - at) as usize, 0);
            let t = clock.now();
            chunk.subarray(at, end).copy_to(&mut buf);
            times.copied += clock.now() - t;
            driver.supply(read.file, &buf);
            at = end;
        }
        blob::give_back(&chunk);
        times.busy += clock.now() - came;
        let now = js_sys::Date::now();
        if now - last_progress >= PROGRESS_EVERY_MS {
            last_progress = now;
            post(&progress(&driver));
        }
    }
    marks::mark_at("last_slice_in", last_came, false);
    marks::mark("read_loop_done", false);
    blob::drop_pool();
    // Freed before `finish` adds its own scratch.
    drop(buf);
    post(&progress(&driver));
    heap.reading_peak = crate::heap::phase();
    let t = clock.now();
    let mut capture = driver.finish();
    // The index and the transactions grew ahead of need (the driver makes room at the rate
    // it predicts): give back what they do not use, so that later queries reuse it before
    // the wasm memory grows again (it never shrinks).
    capture.packets.shrink_to_fit();
    capture.transactions.shrink_to_fit();
    heap.finish_peak = crate::heap::phase();
    heap.live_after = crate::heap::live();
    heap.wasm_after = crate::heap::wasm_bytes();
    crate::heap::note(heap);
    times.finished = clock.now() - t;
    times.publish();
    marks::mark("finish_done", false);
    let summary = summarize(generation, &capture, js_sys::Date::now() - started);
    marks::mark("summary_made", false);
    STATE.with_borrow_mut(|s| {
        if s.generation == generation {
            s.open = Some(Rc::new(Session {
                generation,
                capture,
                files,
                view: RefCell::default(),
                rows: RefCell::default(),
            }));
        }
    });
    if is_current(generation) {
        post(&FromWorker::Loaded(Box::new(summary)));
        marks::mark("summary_posted", false);
        // Off the open's path: what the first detail, jump and filter look up.
        spawn_local(crate::ahead::gather(generation));
    }
}

/// `performance.now()` of this worker (ms, sub-millisecond), or `Date.now()`.
struct Clock(Option<(js_sys::Function, wasm_bindgen::JsValue)>);

impl Clock {
    fn new() -> Self {
        let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
        Clock(perf.and_then(|p| {
            let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
            Some((now.dyn_into::<js_sys::Function>().ok()?, p))
        }))
    }

    fn now(&self) -> f64 {
        self.0
            .as_ref()
            .and_then(|(f, p)| f.call0(p).ok()?.as_f64())
            .unwrap_or_else(js_sys::Date::now)
    }
}

/// Where the analysis worker's time went in the last ingest (ms): waiting for the reader
/// worker's slices, copying them into wasm memory, with them (copy and analysis), and in
/// the driver's finish. Published as `self.wirelensIngest` for the benchmark
/// (tests/e2e/bench.mjs): what is left of the open's wall time is the analysis.
#[derive(Default)]
struct Times {
    slices: u32,
    waited: f64,
    copied: f64,
    busy: f64,
    finished: f64,
}

impl Times {
    fn publish(&self) {
        let o = js_sys::Object::new();
        for (k, v) in [
            ("slices", f64::from(self.slices)),
            ("waited_ms", self.waited),
            ("copied_ms", self.copied),
            ("busy_ms", self.busy),
            ("finished_ms", self.finished),
        ] {
            let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
        }
        let _ = js_sys::Reflect::set(&js_sys::global(), &"wirelensIngest".into(), &o);
    }
}

/// Keys the ingest's hash tables (core's `ingest::hash`) with the browser's randomness
/// before the first is made: wasm32's std has no source of its own, and a capture may be
/// crafted to collide in a table whose key is known.
fn seed_hashes() {
    use js_sys::{Function, Reflect, Uint32Array};
    let words = Uint32Array::new_with_length(2);
    let filled = Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .and_then(|crypto| {
            let get = Reflect::get(&crypto, &"getRandomValues".into()).ok()?;
            get.dyn_into::<Function>().ok()?.call1(&crypto, &words).ok()
        })
        .is_some();
    let seed = if filled {
        u64::from(words.get_index(0)) << 32 | u64::from(words.get_index(1))
    } else {
        (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
    };
    // Taken by the first ingest only: the tables made since keep their key.
    wirelens_core::ingest::hash::seed(seed);
}

/// The text of `file` if it is a key log (small, and its first line one of a key log).
async fn key_log(file: &File) -> Option<Vec<u8>> {
    const MAX: u64 = 64 << 20;
    let size = file.size() as u64;
    if size > MAX {
        return None;
    }
    let head = blob::start(file, 0, size.min(4096)).bytes().await.ok()?;
    if !wirelens_core::ingest::app::tls::keylog::looks_like_key_log(&head) {
        return None;
    }
    blob::start(file, 0, size).bytes().await.ok()
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
            .map(|p| wirelens_core::query::rows::utc(p.ts_ns))
            .unwrap_or_default(),
        duration: capture
            .packets
            .iter()
            .map(|p| secs(p.ts_ns.saturating_sub(first_ts)))
            .fold(0.0, f64::max),
        wasm_bytes: crate::heap::wasm_bytes(),
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

/// The row of packet `i` as the page shows it, its bytes from `bytes`; `prev_ts`: the
/// time of the row shown before it.
fn row_view<'c>(
    query: &mut Rows<'c>,
    ctx: &mut FieldCtx<'c>,
    bytes: &mut Reread<'_>,
    i: usize,
    prev_ts: Option<i64>,
) -> PacketRowView {
    let r = query.row(ctx, i, prev_ts, bytes);
    PacketRowView {
        no: r.number,
        time: r.time,
        abs_time: r.abs_time,
        delta_time: r.delta_time,
        colour: r.colour.map_or("", Rule::key).to_owned(),
        src: r.src,
        dst: r.dst,
        protocol: r.protocol,
        length: r.length,
        info: r.info,
        custom: r.custom,
    }
}

impl Session {
    /// Lends the packet list's rows the capture's `detail::Index` (gathered ahead).
    pub(crate) fn share_index(&self, index: Rc<Index>) {
        self.rows.borrow_mut().share(index);
    }

    /// The bytes of packets `wanted`, read once they fit beside those of the other pages
    /// under way (`budget`), held until the second value is dropped.
    async fn read_held(&self, wanted: &[usize]) -> (Reread<'_>, crate::budget::Held) {
        let mut rows = self.capture.packets.reader();
        let need: usize = wanted.iter().map(|&i| rows.at(i).caplen as usize).sum();
        let held = crate::budget::hold(need).await;
        let mut bytes = Reread::packets(&self.capture, wanted);
        blob::fill(&mut bytes, &self.files).await;
        (bytes, held)
    }

    async fn page(&self, request: u32, start: u64, count: u32) -> Page {
        let capture = &self.capture;
        let packets = &capture.packets;
        let (total, chosen, columns, pdus, mut prev_ts) = {
            let view = self.view.borrow();
            let total = view.len(capture);
            let first = start.min(total) as usize;
            let end = start.saturating_add(count as u64).min(total) as usize;
            // The packets of the page: consecutive rows of the view, not of the capture.
            let chosen: Vec<usize> = (first..end).filter_map(|n| view.packet(n)).collect();
            // The packet displayed before the page, for the first row's delta time.
            let prev_ts = first
                .checked_sub(1)
                .and_then(|n| view.packet(n))
                .and_then(|i| packets.get(i))
                .map(|p| p.ts_ns);
            (
                total,
                chosen,
                view.columns.clone(),
                view.pdus.clone(),
                prev_ts,
            )
        };
        // Their bytes and those of the packets their rows read besides (the first packets
        // of a TCP conversation, which custom columns such as `tcp.seq` count from too, and
        // the earlier packets of a PDU, or only its head for a segment of a long one), through
        // the core's re-read planner. The rows are made from those packets alone (`sparse`).
        // The row index is put back before each wait for bytes: the pages asked for
        // meanwhile (several at once while the list scrolls) use it instead of building
        // it again, a pass over every packet.
        // Rows of a conversation look up the capture's `detail::Index` (its first packets,
        // where its replay may start): gathered ahead after the open, or what is left of
        // it gathered now. Rows of none need it not.
        let mut rows = packets.reader();
        let index = if chosen
            .iter()
            .any(|&i| rows.get(i).is_some_and(|p| p.flow != NO_FLOW))
        {
            Some(crate::ahead::index(self))
        } else {
            crate::ahead::ready(self)
        };
        if let Some(index) = index {
            self.share_index(index);
        }
        // A page whose packets weigh more than `budget::GROUP` makes its rows a group at a
        // time, each holding only its own packets' bytes.
        let mut query = Rows::new(capture).with_index(self.rows.take()).sparse();
        let wanted = query.wanted_page(&chosen);
        let weight = |v: &[usize]| -> usize {
            let mut rows = packets.reader();
            v.iter().map(|&i| rows.at(i).caplen as usize).sum()
        };
        let groups = if weight(&wanted) <= crate::budget::GROUP {
            vec![(0..chosen.len(), wanted)]
        } else {
            let mut rows = packets.reader();
            crate::budget::groups(chosen.len(), |r| {
                let i = chosen[r];
                let mut v = query.wanted(i);
                v.push(i);
                v.into_iter()
                    .map(|j| (j, rows.at(j).caplen as usize))
                    .collect()
            })
            .into_iter()
            .map(|g| {
                let wanted = query.wanted_page(&chosen[g.clone()]);
                (g, wanted)
            })
            .collect()
        };
        self.rows.replace(query.into_index());
        let rows_query = |index| {
            Rows::new(capture)
                .with_custom(&columns)
                .with_index(index)
                .sparse()
        };
        let mut ctx = FieldCtx::new(capture);
        if let Some(c) = &pdus {
            ctx = ctx.with_collector(c);
        }
        // Each row's packet and the time of the row shown before it.
        let mut asked = Vec::with_capacity(chosen.len());
        for &i in &chosen {
            asked.push((i, prev_ts));
            prev_ts = packets.get(i).map(|p| p.ts_ns);
        }
        let mut rows: Vec<PacketRowView> = Vec::with_capacity(chosen.len());
        let mut error = None;
        for (group, wanted) in groups {
            let asked = &asked[group];
            let (mut bytes, held) = self.read_held(&wanted).await;
            let mut query = rows_query(self.rows.take());
            error = error.or_else(|| bytes.error().map(str::to_owned));
            let at = rows.len();
            rows.extend(
                asked
                    .iter()
                    .map(|&(i, prev)| row_view(&mut query, &mut ctx, &mut bytes, i, prev)),
            );
            // Rows a PDU's head could not say (an HTTP body running to the end of the
            // connection) are made again from the segments back to its start.
            let missed = query.missed().to_vec();
            drop(bytes);
            drop(held);
            if !missed.is_empty() {
                let mut again: Vec<usize> = missed.clone();
                for &i in &missed {
                    again.extend(query.wanted_back(i));
                }
                again.sort_unstable();
                again.dedup();
                self.rows.replace(query.into_index());
                let (mut bytes, _held) = self.read_held(&again).await;
                error = error.or_else(|| bytes.error().map(str::to_owned));
                query = rows_query(self.rows.take());
                for (row, &(i, prev)) in rows[at..].iter_mut().zip(asked) {
                    if missed.contains(&i) {
                        *row = row_view(&mut query, &mut ctx, &mut bytes, i, prev);
                    }
                }
            }
            self.rows.replace(query.into_index());
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
}
