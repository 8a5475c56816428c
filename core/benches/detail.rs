//! The detail of the last packet of the capture's longest application conversation, asked
//! for first (as the page does when a row at the end of a long conversation is clicked,
//! and `wirelens list -V` with a filter that keeps only it): `cargo bench -p wirelens-core
//! --bench detail`.
//!
//! The capture is `$WIRELENS_BENCH_CAPTURE` or `bench-data/bench.pcap`; its bytes are read
//! from the file, by packet, as the CLI reads them. What is per capture (`detail::Index`)
//! is gathered once, as the page gathers it on its first detail. Benchmarks:
//! - `last/resumed`: the replay starts at the latest packet where the conversation's
//!   messages let it start afresh (`Apps::resume`);
//! - `last/whole`: the replay starts at the conversation's first packet;
//! - `last/others`: the last packet of each of the next 8 longest such conversations,
//!   each asked for first in its conversation (a state of its own, as the page keeps one
//!   per conversation), one after another;
//! - `last/capture`: the capture's last packet (the one the page's bench asks for);
//! - `last/probes`: the probes printed first (the capture's last packet, the last of the
//!   longest conversations, of the one with the most packets after a flagged segment and
//!   of the one whose replay is the longest, the packet after the last flagged segment),
//!   each asked for first; `last/probes-whole`
//!   the same replayed from each conversation's first packet;
//! - `index`: gathering the `Index` (once per capture).

use criterion::Criterion;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::rc::Rc;
use std::time::Duration;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::{PacketRow, NO_FLOW};
use wirelens_core::capture::tcp::bits;
use wirelens_core::capture::Capture;
use wirelens_core::query::detail::{detail, Apps, FrameInfo, Index};
use wirelens_core::query::fields::{FieldCtx, PacketSource};
use wirelens_core::query::reread::Reread;

mod common;

/// Packets read from the capture file (one file: its rows' offsets are the file's).
struct FileSource(File);

impl PacketSource for FileSource {
    fn read(&mut self, _: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        buf.resize(row.caplen as usize, 0);
        self.0.read_exact_at(buf, row.offset).is_ok()
    }
}

fn main() {
    let Some(path) = common::bench_capture() else {
        return;
    };
    let capture = common::ingest_file(&path, true);
    // The TCP conversation with a parser that has the most packets, and its last packet.
    let mut count: HashMap<u32, (usize, usize)> = HashMap::new();
    for (i, r) in capture.packets.iter().enumerate() {
        let f = r.flow;
        if f == NO_FLOW
            || capture.conversations[f as usize].proto != L4::Tcp
            || capture.app_protos[f as usize].is_none()
        {
            continue;
        }
        let e = count.entry(f).or_default();
        e.0 += 1;
        e.1 = i;
    }
    let mut longest: Vec<(u32, (usize, usize))> = count.into_iter().collect();
    longest.sort_by_key(|&(f, (n, _))| (std::cmp::Reverse(n), f));
    let Some(&(flow, (packets, last))) = longest.first() else {
        println!("no application conversation over TCP in {}", path.display());
        return;
    };
    let others: Vec<usize> = longest[1..].iter().take(8).map(|&(_, (_, l))| l).collect();
    let proto = capture.app_protos[flow as usize].expect("chosen with one");
    println!(
        "{}: {} packets; tcp.stream {} ({}, {packets} packets), its last frame {}",
        path.display(),
        capture.packets.len(),
        capture.conversations[flow as usize].stream,
        proto.name(),
        last + 1
    );
    println!(
        "others: {} conversations of {:?} packets",
        others.len(),
        longest[1..]
            .iter()
            .take(8)
            .map(|&(_, (n, _))| n)
            .collect::<Vec<_>>()
    );
    let index = Rc::new(Index::of(&capture));
    let mut src = FileSource(File::open(&path).expect("open the capture"));
    // The probes the page's bench asks for too: the capture's last packet, the last of
    // each of the longest conversations, the first packet after the capture's last
    // flagged segment of an application conversation. What the page reads for each.
    let mut probes = vec![("capture's last", capture.packets.len() - 1)];
    probes.extend(
        longest
            .iter()
            .take(3)
            .map(|&(_, (_, l))| ("longest's last", l)),
    );
    if let Some(last) = longest_after_flagged(&capture) {
        probes.push(("longest after a flagged segment's last", last));
    }
    if let Some(last) = longest_replay(&capture, &index, &longest, &mut src) {
        probes.push(("longest replay's last", last));
    }
    if let Some(after) = after_last_flagged(&capture) {
        probes.push(("after the last retransmission", after));
    }
    for &(what, i) in &probes {
        println!(
            "probe {what}: {}",
            page_reads(&capture, &index, i, &mut src)
        );
    }
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("last");
    for whole in [false, true] {
        let name = if whole { "whole" } else { "resumed" };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut ctx = FieldCtx::new(&capture);
                let mut apps = Apps::with_index(Rc::clone(&index));
                if whole {
                    apps.replay_whole();
                }
                let d = detail(&mut ctx, last, &mut src, &mut apps, FrameInfo::default());
                d.layers.len()
            })
        });
    }
    let end = capture.packets.len() - 1;
    g.bench_function("capture", |b| {
        b.iter(|| {
            let mut ctx = FieldCtx::new(&capture);
            let mut apps = Apps::with_index(Rc::clone(&index));
            let d = detail(&mut ctx, end, &mut src, &mut apps, FrameInfo::default());
            d.layers.len()
        })
    });
    g.bench_function("others", |b| {
        b.iter(|| {
            let mut n = 0;
            for &i in &others {
                let mut ctx = FieldCtx::new(&capture);
                let mut apps = Apps::with_index(Rc::clone(&index));
                let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                n += d.layers.len();
            }
            n
        })
    });
    for whole in [false, true] {
        let name = if whole { "probes-whole" } else { "probes" };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0;
                for &(_, i) in &probes {
                    let mut ctx = FieldCtx::new(&capture);
                    let mut apps = Apps::with_index(Rc::clone(&index));
                    if whole {
                        apps.replay_whole();
                    }
                    let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                    n += d.layers.len();
                }
                n
            })
        });
    }
    g.finish();
    c.bench_function("index", |b| b.iter(|| Index::of(&capture)));
    c.final_summary();
}

/// The TCP analysis flags after which `detail::Index` lets no replay start (as it).
const UNSAFE: u32 = bits::RETRANSMISSION
    | bits::LOST_PACKET
    | bits::ACK_LOST_PACKET
    | bits::OUT_OF_ORDER
    | bits::FAST_RETRANSMISSION
    | bits::SPURIOUS_RETRANSMISSION
    | bits::ZERO_WINDOW_PROBE
    | bits::REUSED_PORTS;

/// The last packet of the application conversation with the most packets after its first
/// segment the TCP analysis flagged (retransmission, lost segment…).
fn longest_after_flagged(capture: &Capture) -> Option<usize> {
    let mut first: HashMap<u32, u64> = HashMap::new();
    for &(p, fl) in &capture.tcp_flags {
        if fl.0 & UNSAFE != 0 {
            first
                .entry(capture.packets.at(p as usize).flow)
                .or_insert(p);
        }
    }
    // (packets after the flag, last packet) by conversation.
    let mut after: HashMap<u32, (usize, usize)> = HashMap::new();
    for (i, r) in capture.packets.iter().enumerate() {
        if first.get(&r.flow).is_some_and(|&p| p < i as u64)
            && capture
                .app_protos
                .get(r.flow as usize)
                .is_some_and(Option::is_some)
        {
            let e = after.entry(r.flow).or_default();
            e.0 += 1;
            e.1 = i;
        }
    }
    after.into_values().max().map(|(_, last)| last)
}

/// Of the 64 longest application conversations, the last packet of the one whose detail,
/// asked for first, replays the most packets (from where `Apps::resume` starts it).
fn longest_replay(
    capture: &Capture,
    index: &Rc<Index>,
    longest: &[(u32, (usize, usize))],
    src: &mut FileSource,
) -> Option<usize> {
    let mut worst = None;
    for &(flow, (_, last)) in longest.iter().take(64) {
        let mut apps = Apps::with_index(Rc::clone(index));
        let from = apps
            .resume(capture, last, src)
            .or_else(|| index.first(flow))
            .unwrap_or(last);
        let fed = capture
            .packets
            .range(from..last)
            .filter(|r| r.flow == flow)
            .count();
        if worst.is_none_or(|(n, _)| fed > n) {
            worst = Some((fed, last));
        }
    }
    worst.map(|(_, last)| last)
}

/// The first packet of its conversation after the capture's last segment the TCP analysis
/// flagged (retransmission, lost or out-of-order segment…) in an application conversation.
fn after_last_flagged(capture: &Capture) -> Option<usize> {
    let app = |f: u32| {
        capture
            .app_protos
            .get(f as usize)
            .is_some_and(Option::is_some)
    };
    let &(p, _) = capture
        .tcp_flags
        .iter()
        .rev()
        .find(|&&(p, fl)| fl.0 & UNSAFE != 0 && app(capture.packets.at(p as usize).flow))?;
    let flow = capture.packets.at(p as usize).flow;
    let from = p as usize + 1;
    (from..)
        .zip(capture.packets.range(from..capture.packets.len()))
        .find(|(_, r)| r.flow == flow)
        .map(|(i, _)| i)
}

/// What the page reads for the detail of packet `i` asked for first in its conversation:
/// the packets `Apps::resume` looks at, then those replayed (as web/src/worker/detail.rs).
fn page_reads(capture: &Capture, index: &Rc<Index>, i: usize, src: &mut FileSource) -> String {
    let row = capture.packets.at(i);
    let flow = row.flow;
    let mut apps = Apps::with_index(Rc::clone(index));
    let near = apps.resume_reads(capture, i);
    let windows = |set: &[usize]| {
        let mut rr = Reread::packets(capture, set);
        usize::from(rr.next_fetch().is_some()) + rr.upcoming().count()
    };
    let near_windows = windows(&near);
    let first = index.first(flow).unwrap_or(i);
    let start = apps.resume(capture, i, src);
    let from = start.unwrap_or(first);
    let fed: Vec<(usize, u32)> = (from..)
        .zip(capture.packets.range(from..i))
        .filter(|(_, r)| r.flow == flow)
        .map(|(k, r)| (k, r.caplen))
        .collect();
    let mine = capture.packets.iter().filter(|r| r.flow == flow).count();
    let flagged = capture
        .tcp_flags
        .iter()
        .filter(|&&(p, fl)| fl.0 & UNSAFE != 0 && capture.packets.at(p as usize).flow == flow)
        .count();
    let set: Vec<usize> = fed.iter().map(|&(k, _)| k).collect();
    format!(
        "frame {} of tcp.stream {} ({} packets, {flagged} flagged); resume looks at {} packets \
         ({near_windows} reads); replay from frame {} ({}): {} packets, {:.1} MB, {} reads",
        i + 1,
        capture
            .conversations
            .get(flow as usize)
            .map_or(0, |c| c.stream),
        mine,
        near.len(),
        from + 1,
        if start.is_some() {
            "resumed"
        } else {
            "its first"
        },
        fed.len(),
        fed.iter().map(|&(_, n)| u64::from(n)).sum::<u64>() as f64 / 1e6,
        windows(&set),
    )
}
