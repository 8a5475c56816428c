//! Speed of the L2–L4 dissector alone, the step the ingest runs for every packet.
//!
//! The packets are the first 128 MiB of packet data of `$WIRELENS_BENCH_CAPTURE`, or of
//! `bench-data/bench.pcap` at the repository root (`cargo xtask bench` makes it), held in
//! memory so that neither the file nor the capture format is timed.
//!
//! Benchmarks (`Throughput::Elements`: packets):
//! - `dissect/summary`: `Dissector::dissect_frame`, as the ingest calls it.
//! - `dissect/layers`: `Dissector::dissect_frame_layers`, which also records where each
//!   layer lies (what field extraction and the packet detail ask for).
//!
//! `cargo bench -p wirelens-core --bench dissect`
//!
//! On a busy machine wall time says little; `WIRELENS_DISSECT_ROUNDS=N` skips criterion
//! and dissects the packets N times with `dissect_frame` (`dissect_frame_layers` with
//! `WIRELENS_DISSECT_LAYERS=1`), for an instruction count that does not depend on the
//! load (`valgrind --tool=cachegrind` on the bench binary).

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::time::Duration;
use wirelens_core::ingest::source::{Event, RecordReader};
use wirelens_core::ingest::wire::{Dissector, Layers};

/// Packet bytes held in memory at most.
const BUDGET: usize = 128 << 20;

struct Packet {
    linktype: u16,
    data: Vec<u8>,
    len: u32,
    ts_ns: i64,
}

mod common;

fn main() {
    let Some(capture) = common::bench_capture() else {
        return;
    };
    let packets = load(&capture).expect("read the benchmark capture");
    println!(
        "{}: {} packets, {} bytes",
        capture.display(),
        packets.len(),
        packets.iter().map(|p| p.data.len()).sum::<usize>()
    );
    if let Some(rounds) = std::env::var("WIRELENS_DISSECT_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let layered = std::env::var_os("WIRELENS_DISSECT_LAYERS").is_some();
        let mut n = 0usize;
        let mut layers = Layers::default();
        for _ in 0..rounds {
            let mut d = Dissector::new();
            for p in &packets {
                let (lt, len) = (p.linktype, p.len as usize);
                n += if layered {
                    d.dissect_frame_layers(lt, &p.data, len, p.ts_ns, &mut layers)
                } else {
                    d.dissect_frame(lt, &p.data, len, p.ts_ns)
                }
                .stack
                .len();
            }
        }
        println!("{rounds} rounds, {n} protocols");
        return;
    }
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("dissect");
    g.throughput(Throughput::Elements(packets.len() as u64));
    g.bench_function("summary", |b| {
        b.iter(|| {
            let mut d = Dissector::new();
            let mut n = 0usize;
            for p in &packets {
                let s = d.dissect_frame(p.linktype, &p.data, p.len as usize, p.ts_ns);
                n += s.stack.len();
            }
            black_box(n)
        })
    });
    g.bench_function("layers", |b| {
        b.iter(|| {
            let mut d = Dissector::new();
            let mut layers = Layers::default();
            let mut n = 0usize;
            for p in &packets {
                let s = d.dissect_frame_layers(
                    p.linktype,
                    &p.data,
                    p.len as usize,
                    p.ts_ns,
                    &mut layers,
                );
                n += s.stack.len() + layers.len();
            }
            black_box(n)
        })
    });
    g.finish();
    c.final_summary();
}

/// The first [`BUDGET`] bytes of packets of the capture, with their link types.
fn load(path: &Path) -> Option<Vec<Packet>> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut reader = RecordReader::new();
    let mut linktypes = Vec::new();
    let mut packets = Vec::new();
    let mut total = 0usize;
    let mut chunk = vec![0u8; 4 << 20];
    while total < BUDGET {
        let n = file.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        reader.feed(&chunk[..n], &mut |e| match e {
            Event::Interface(i) => linktypes.push(i.linktype),
            Event::Packet(p) if total < BUDGET => {
                total += p.data.len();
                packets.push(Packet {
                    linktype: linktypes.get(p.iface as usize).copied().unwrap_or(u16::MAX),
                    data: p.data.to_vec(),
                    len: p.len,
                    ts_ns: p.ts_ns,
                });
            }
            _ => {}
        });
    }
    Some(packets)
}
