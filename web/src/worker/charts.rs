//! The charts' numbers, computed and binned here so that the page only draws: the IO
//! graph (`tshark -z io,stat`), the session timeline, and latency histograms.

use crate::session::Session;
use std::cell::RefCell;
use std::rc::Rc;
use wirelens_core::capture::app::Transaction;
use wirelens_core::capture::flow::L4;
use wirelens_core::query::filter::Filter;
use wirelens_web::protocol::{
    Bar, IoGraph, IoSeries, IoSeriesSpec, LatencyHistogram, StreamRef, Timeline,
};

/// Intervals the IO graph picks from when none is asked for, µs.
const INTERVALS: [u64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    60_000_000,
    600_000_000,
];
/// Intervals at most when the graph picks.
const MAX_AUTO: u64 = 1000;
/// Intervals at most, whatever is asked.
const MAX_INTERVALS: u64 = 100_000;

/// The packets the view shows (None: all).
fn shown(s: &Session) -> Option<Vec<u32>> {
    s.view.borrow().indices.clone()
}

/// Ascending `a ∩ b`.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The IO graph of the displayed packets, a series per filter.
pub async fn io_graph(
    s: &Session,
    series: Vec<IoSeriesSpec>,
    interval_us: u64,
) -> Result<IoGraph, String> {
    let capture = &s.capture;
    let first = capture.first_ts_ns();
    let span_ns = capture
        .packets
        .iter()
        .map(|p| p.ts_ns.saturating_sub(first))
        .max()
        .unwrap_or(0)
        .max(0) as u64;
    let span_us = span_ns / 1000;
    let interval_us = if interval_us == 0 {
        INTERVALS
            .iter()
            .copied()
            .find(|&i| span_us / i < MAX_AUTO)
            .unwrap_or(INTERVALS[INTERVALS.len() - 1])
    } else {
        interval_us.max(span_us / MAX_INTERVALS).max(1)
    };
    // tshark's io,stat has an interval for each started one, and one more at the end.
    let n = (span_us / interval_us + 1) as usize;
    let view = shown(s);
    let mut out = Vec::with_capacity(series.len());
    for spec in series {
        let mut values = vec![0u64; n];
        let filter = match Filter::compile(&spec.filter) {
            Ok(f) => f,
            Err(e) => {
                out.push(IoSeries {
                    filter: spec.filter.clone(),
                    bytes: spec.bytes,
                    values: Vec::new(),
                    error: Some(crate::filtering::error_view(&spec.filter, &e)),
                });
                continue;
            }
        };
        let picked: Option<Vec<u32>> = if filter.is_empty() {
            view.clone()
        } else {
            let m = crate::filtering::matching(s, &filter).await?;
            Some(match &view {
                Some(v) => intersect(v, &m),
                None => m,
            })
        };
        let mut rows = capture.packets.reader();
        let mut add = |i: usize| {
            let p = rows.at(i);
            let at = (p.ts_ns.saturating_sub(first).max(0) as u64 / 1000 / interval_us) as usize;
            if let Some(v) = values.get_mut(at.min(n - 1)) {
                *v += if spec.bytes { u64::from(p.len) } else { 1 };
            }
        };
        match &picked {
            Some(ix) => ix.iter().for_each(|&i| add(i as usize)),
            None => (0..capture.packets.len()).for_each(&mut add),
        }
        out.push(IoSeries {
            filter: spec.filter,
            bytes: spec.bytes,
            values,
            error: None,
        });
    }
    Ok(IoGraph {
        interval_us,
        series: out,
    })
}

/// The bars of the conversations with a displayed packet, by start (as the capture has
/// them) or longest first; kept per view.
type Bars = (u32, Option<Vec<u32>>, Rc<Vec<Bar>>);

thread_local! {
    static BARS: RefCell<Option<Bars>> = const { RefCell::new(None) };
}

fn bars(s: &Session) -> Rc<Vec<Bar>> {
    let view = shown(s);
    let hit = BARS.with_borrow(|b| {
        b.as_ref()
            .filter(|(g, v, _)| *g == s.generation && *v == view)
            .map(|(_, _, bars)| bars.clone())
    });
    if let Some(b) = hit {
        return b;
    }
    let capture = &s.capture;
    let first = capture.first_ts_ns();
    let mut has = vec![view.is_none(); capture.conversations.len()];
    for &i in view.as_deref().unwrap_or(&[]) {
        if let Some(h) = capture
            .packets
            .get(i as usize)
            .and_then(|p| has.get_mut(p.flow as usize))
        {
            *h = true;
        }
    }
    let secs = |ns: i64| ns.saturating_sub(first) as f64 / 1e9;
    let bars: Vec<Bar> = capture
        .conversations
        .iter()
        .zip(&has)
        .filter(|(_, h)| **h)
        .map(|(c, _)| Bar {
            stream: StreamRef {
                udp: c.proto == L4::Udp,
                stream: c.stream,
            },
            label: format!(
                "{} {}:{} ↔ {}:{}",
                c.proto.name().to_uppercase(),
                c.a,
                c.port_a,
                c.b,
                c.port_b
            ),
            start: secs(c.first_ns),
            end: secs(c.last_ns),
            packets: c.frames(),
            bytes: c.bytes(),
        })
        .collect();
    let bars = Rc::new(bars);
    BARS.set(Some((s.generation, view, bars.clone())));
    bars
}

/// Bars `[start, start + count)` of the session timeline.
pub fn timeline(s: &Session, start: u64, count: u32, longest_first: bool) -> Timeline {
    let all = bars(s);
    let capture = &s.capture;
    let first = capture.first_ts_ns();
    let span = capture
        .packets
        .iter()
        .map(|p| p.ts_ns.saturating_sub(first))
        .max()
        .unwrap_or(0) as f64
        / 1e9;
    let mut durations: Vec<f64> = all.iter().map(|b| b.end - b.start).collect();
    durations.sort_by(f64::total_cmp);
    let slow = durations
        .get(durations.len().saturating_sub(1) * 9 / 10)
        .copied()
        .unwrap_or(0.0);
    let mut order: Vec<usize> = (0..all.len()).collect();
    if longest_first {
        order.sort_by(|&a, &b| {
            (all[b].end - all[b].start)
                .total_cmp(&(all[a].end - all[a].start))
                .then(a.cmp(&b))
        });
    }
    let from = (start as usize).min(order.len());
    let to = from
        .saturating_add(count.min(5_000) as usize)
        .min(order.len());
    Timeline {
        total: all.len() as u64,
        span,
        slow,
        start: from as u64,
        bars: order[from..to].iter().map(|&i| all[i].clone()).collect(),
    }
}

/// Latency histograms of the transactions with a displayed packet, per protocol, in
/// buckets from 1 µs that double.
pub fn latency(s: &Session) -> Vec<LatencyHistogram> {
    let capture = &s.capture;
    let view = shown(s);
    let displayed = |p: u64| match &view {
        None => true,
        Some(v) => u32::try_from(p).is_ok_and(|p| v.binary_search(&p).is_ok()),
    };
    let shown_tx = |t: &&Transaction| {
        [t.request, t.response]
            .into_iter()
            .flatten()
            .any(|sp| displayed(sp.first()) || displayed(sp.last()))
    };
    crate::apps::counts(capture)
        .into_iter()
        .filter_map(|(name, _)| {
            let proto = crate::apps::proto_named(&name)?;
            let mut ns: Vec<u64> = capture
                .transactions
                .iter()
                .filter(|t| crate::apps::proto_of(t) == proto)
                .filter(shown_tx)
                .filter_map(|t| t.latency_ns(&capture.packets))
                .map(|l| l.max(0) as u64)
                .collect();
            if ns.is_empty() {
                return None;
            }
            ns.sort_unstable();
            let pct = |p: usize| ns[(ns.len() - 1) * p / 100];
            let max = ns[ns.len() - 1];
            let mut buckets = Vec::new();
            let mut lo = 0u64;
            let mut hi = 1_000u64;
            while lo <= max {
                let count = ns.iter().filter(|&&l| l >= lo && l < hi).count() as u64;
                buckets.push((lo, hi, count));
                lo = hi;
                hi = hi.saturating_mul(2);
            }
            Some(LatencyHistogram {
                proto: name,
                count: ns.len() as u64,
                buckets,
                p50: pct(50),
                p90: pct(90),
                p99: pct(99),
                max,
            })
        })
        .collect()
}
