//! Full ingest — capture format, L2–L4, flows, TCP reassembly, application parsers,
//! transactions — on a large capture of real traffic, with the application layer on and
//! off (what reassembly and the parsers cost), and the peak memory of one ingest.
//!
//! The capture is `$WIRELENS_BENCH_CAPTURE`, or `bench-data/bench.pcap` at the repository
//! root, which `cargo xtask bench` makes with `tests/scripts/make-bench-capture.sh` (about
//! 1 GB of nginx and memcached traffic on loopback). The file is read from disk in 4 MiB
//! chunks, as the CLI does (the page cache is warm after the first run).
//!
//! Benchmarks (`Throughput::Bytes` of the file):
//! - `transactions/pcap/disk`: `Ingest` with the application layer (the default);
//! - `transactions/pcap/disk-no-app-layer`: `Ingest::set_app_layer(false)`.
//!
//! At the end: MB/s (10^6 bytes) and packets/s from the median time per run, the
//! transactions per protocol, the reassembly counters, and the peak resident memory
//! (VmHWM, reset through /proc/self/clear_refs before one more ingest of each kind).
//!
//! `cargo bench -p wirelens-core --bench transactions`

use criterion::{Criterion, SamplingMode, Throughput};
use std::collections::BTreeMap;
use std::time::Duration;
use wirelens_core::capture::app::Detail;
use wirelens_core::capture::Capture;

mod common;

fn main() {
    let Some(capture) = common::bench_capture() else {
        return;
    };
    let bytes = std::fs::metadata(&capture).expect("stat the capture").len();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut g = c.benchmark_group("transactions/pcap");
    g.throughput(Throughput::Bytes(bytes))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10);
    for (id, app) in [("disk", true), ("disk-no-app-layer", false)] {
        g.bench_function(id, |b| {
            common::timed(
                b,
                id,
                || common::ingest_file(&capture, app).transactions.len(),
                |_| (),
            )
        });
    }
    g.finish();
    c.final_summary();

    // One more ingest of each kind, for the counts and the peak memory.
    let mut summary = Vec::new();
    for (id, app) in [("disk", true), ("disk-no-app-layer", false)] {
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let cap = common::ingest_file(&capture, app);
        let peak = common::peak_rss_kib().filter(|_| reset);
        summary.push((id, cap.packets.len() as u64, peak));
        if app {
            report(&cap);
        }
    }
    let times = common::medians();
    println!(
        "\nSummary ({}: {} bytes; median time per run; MB = 10^6 bytes)",
        capture.display(),
        bytes
    );
    println!(
        "{:<38} {:>9} {:>10} {:>12} {:>14}",
        "benchmark", "s/run", "MB/s", "packets/s", "peak RSS MiB"
    );
    for (id, packets, peak) in summary {
        let Some(&secs) = times.get(id) else { continue };
        println!(
            "{:<38} {:>9.3} {:>10.0} {:>12.0} {:>14}",
            format!("transactions/pcap/{id}"),
            secs,
            bytes as f64 / secs / 1e6,
            packets as f64 / secs,
            peak.map_or("-".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0)),
        );
    }
}

/// Transactions per protocol and what reassembly met.
fn report(c: &Capture) {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for t in &c.transactions {
        let p = match t.detail {
            Detail::Http(_) => "http",
            Detail::Memcache(_) => "memcache",
            Detail::Mysql(_) => "mysql",
            Detail::Redis(_) => "redis",
            Detail::Dns(_) => "dns",
            Detail::Tls(_) => "tls",
            Detail::Pgsql(_) => "pgsql",
        };
        *by.entry(p).or_default() += 1;
    }
    println!(
        "\n{} packets, {} conversations, {} transactions {:?}; reassembly {:?}; app {:?}",
        c.packets.len(),
        c.conversations.len(),
        c.transactions.len(),
        by,
        c.reassembly,
        c.app_stats
    );
}
