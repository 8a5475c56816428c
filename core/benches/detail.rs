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
//! - `index`: gathering the `Index` (once per capture).

use criterion::Criterion;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::rc::Rc;
use std::time::Duration;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::{PacketRow, NO_FLOW};
use wirelens_core::query::detail::{detail, Apps, FrameInfo, Index};
use wirelens_core::query::fields::{FieldCtx, PacketSource};

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
    g.finish();
    c.bench_function("index", |b| b.iter(|| Index::of(&capture)));
    c.final_summary();
}
