//! Display filters and custom columns in the worker.
//!
//! The filter runs through the core's scan (`query::scan`), as the CLI's `list -Y` does:
//! a filter that the packet index answers alone (frame numbers, times, lengths, stream
//! numbers, addresses and ports of packets in a conversation) reads no byte; otherwise the
//! core names the byte ranges of the files to read, forward, and evaluates each packet as
//! its range arrives.

use crate::blob;
use crate::session::Session;
use std::cell::Cell;
use std::rc::Rc;
use wirelens_core::capture::Capture;
use wirelens_core::query::fields::pdu::Collector;
use wirelens_core::query::fields::{self, Fid};
use wirelens_core::query::filter::{Filter, FilterError};
use wirelens_core::query::scan::{Scan, ScanOptions, Step};
use wirelens_web::protocol::{FilterErrorView, FilterReply};

/// Why a scan stopped before its end: another capture was opened, or the page asked
/// for another filter.
pub(crate) const STOPPED: &str = "stopped: the page asked for something else";

thread_local! {
    /// The capture generation and request of the filter the page asked for last.
    static LATEST: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

/// Notes the filter the page asked for last, as its message arrives (before the scans
/// already running read again).
pub(crate) fn asked(generation: u32, request: u32) {
    LATEST.set((generation, request));
}

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
/// valid and the filter could be run. The filter runs through the core's scan, which
/// names the byte ranges to read; the next range is read while one is analysed.
pub async fn apply(
    s: &Session,
    (generation, request): (u32, u32),
    text: String,
    columns: Vec<String>,
) -> FilterReply {
    let (capture, view) = (&s.capture, &s.view);
    let started = js_sys::Date::now();
    let total = capture.packets.len() as u64;
    let mut reply = FilterReply {
        generation,
        request,
        text: text.clone(),
        columns: columns.clone(),
        shown: view.borrow().len(capture),
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
    // A filter the page asked for since stops this one at its next read: the page waits
    // on the later one alone, and this one's end must not replace its view.
    let superseded = || LATEST.get() != (generation, request);
    let (indices, pdus) = match run(s, &filter, &fids, &superseded).await {
        Ok(r) => r,
        Err(e) => {
            reply
                .notes
                .push(format!("the filter could not be applied: {e}"));
            return reply;
        }
    };
    let mut view = view.borrow_mut();
    view.indices = (!filter.is_empty()).then_some(indices);
    view.columns = fids;
    view.pdus = pdus.map(Rc::new);
    reply.shown = view.len(capture);
    reply.elapsed_ms = js_sys::Date::now() - started;
    reply
}

/// The packets (ascending) that pass `filter`, the view left as it is (the IO graph's
/// series).
pub(crate) async fn matching(s: &Session, filter: &Filter) -> Result<Vec<u32>, String> {
    run(s, filter, &[], &|| false).await.map(|(i, _)| i)
}

/// Runs `filter` through the core's scan, reading the ranges it names (the next ones
/// while one is analysed): the packets that pass, and the per-PDU values of the filter's
/// and the `columns`' fields.
async fn run(
    s: &Session,
    filter: &Filter,
    columns: &[Fid],
    superseded: &dyn Fn() -> bool,
) -> Result<(Vec<u32>, Option<Collector>), String> {
    let mut scan = Scan::new(&s.capture, filter, columns, ScanOptions::default());
    // Fields that count from a conversation's first packets (TCP's relative numbers)
    // find them in the index gathered after the open, if it is ready, rather than
    // making a pass of their own.
    if let Some(index) = crate::ahead::ready(s) {
        scan.share_index(&index);
    }
    let mut indices = Vec::new();
    drive(s, &mut scan, None, superseded, |_, i| {
        indices.push(i as u32)
    })
    .await?;
    let pdus = scan.finish(&indices);
    Ok((indices, pdus))
}

/// Runs `scan` to its end, reading the ranges it names (the next ones while one is
/// analysed), and hands each packet that passes to `matched` with the scan (whose
/// [`Scan::packet`] reads it).
///
/// With `pace` (ms) it lets the worker's queued messages in each time its matches took
/// that long: a scan reads its bytes in a few large slices, between which it would answer
/// nothing (the Expert view's progress and lines, as it reads). It stops, with
/// [`STOPPED`], before a read once another capture is open or `superseded` says so.
pub(crate) async fn drive(
    s: &Session,
    scan: &mut Scan<'_>,
    pace: Option<f64>,
    superseded: &dyn Fn() -> bool,
    mut matched: impl FnMut(&mut Scan<'_>, usize),
) -> Result<(), String> {
    let files = &s.files[..];
    let mut ahead = blob::Ahead::new();
    let mut since = wirelens_web::marks::stamp();
    let mut n = 0u32;
    loop {
        match scan.step() {
            Step::Fetch(f) => {
                if superseded() || crate::session::current(s.generation).is_none() {
                    return Err(STOPPED.into());
                }
                let pending = blob::next(&mut ahead, &f, scan.upcoming(), files);
                match pending.array().await {
                    Ok(a) => scan.supply_with(&f, a.length() as usize, &mut |at, to| {
                        blob::copy(&a, at, to)
                    }),
                    Err(e) => scan.fetch_failed(&f, &e),
                }
            }
            Step::Match(i) => {
                matched(scan, i);
                n = n.wrapping_add(1);
                // The clock is read every 64 matches only: a read costs a microsecond.
                if let Some(pace) = pace.filter(|_| n.is_multiple_of(64)) {
                    if wirelens_web::marks::stamp() - since >= pace {
                        crate::ahead::next_task().await;
                        since = wirelens_web::marks::stamp();
                    }
                }
            }
            Step::Done => break,
        }
    }
    match scan.error() {
        Some(e) => Err(e.to_owned()),
        // A paced scan may have let the page's later question in after its last read.
        None if superseded() => Err(STOPPED.into()),
        None => Ok(()),
    }
}
