//! Re-reading packets of a large compressed capture, and what recording restart points
//! costs the ingest (`cargo bench -p wirelens-core --bench reread`).
//!
//! The capture is `$WIRELENS_BENCH_GZ`, or `bench-data/bench.pcap.gz` at the repository
//! root: `tests/scripts/make-bench-capture.sh` then `gzip -6` (bench-data/ is gitignored).
//! Benchmarks:
//! - `page/<n>`: fetch and decode a page of 100 rows near the end of the file (rows
//!   n-150 … n-50), as the worker and `wirelens list` do through `query::reread`:
//!   `from-start` decodes from the file's start (no restart points, as before them);
//!   `restart-point` from the last restart point before the rows.
//! - `decode/<format>`: decoding the whole file (gzip), or its first 64 MiB compressed
//!   by `bzip2`, `zstd` and `xz -T0` (made once in bench-data/), without and with restart
//!   points recorded: the cost the ingest pays for them.
//!
//! A summary at the end gives the medians and their ratios.

use criterion::{BenchmarkId, Criterion, SamplingMode};
use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wirelens_core::capture::file::Compression;
use wirelens_core::capture::{Capture, Stages};
use wirelens_core::ingest::decompress::{Decoder, RESTART_SPACING};
use wirelens_core::ingest::driver::{Driver, Options};
use wirelens_core::query::fields::PacketSource;
use wirelens_core::query::reread::{Fetch, Reread};

mod common;

fn main() {
    let root = common::root();
    let Some(gz) = common::capture(
        "WIRELENS_BENCH_GZ",
        "bench-data/bench.pcap.gz",
        "make bench-data/bench.pcap with tests/scripts/make-bench-capture.sh, then \
         `gzip -6 -k bench-data/bench.pcap`",
    ) else {
        return;
    };
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();

    // The index, once (records only: the rows' bytes are what is measured).
    let started = Instant::now();
    let mut capture = ingest(&gz);
    let took = started.elapsed().as_secs_f64();
    let info = &capture.files[0];
    let restarts = &info.restarts;
    let plain_bytes = capture
        .packets
        .last()
        .map_or(0, |p| p.offset + u64::from(p.caplen));
    println!(
        "{}: {} bytes stored, {plain_bytes} decompressed, {} packets; ingest {took:.1} s; \
         {} restart points ({} apart at least), {:.1} MiB of them ({:.2} MiB per GiB decompressed)",
        gz.display(),
        info.bytes,
        capture.packets.len(),
        restarts.points.len(),
        restarts.spacing,
        restarts.memory() as f64 / (1 << 20) as f64,
        restarts.memory() as f64 / (1 << 20) as f64 / (plain_bytes as f64 / (1u64 << 30) as f64),
    );
    let n = capture.packets.len();
    let page: Vec<usize> = (n.saturating_sub(150)..n.saturating_sub(50)).collect();
    let file = File::open(&gz).expect("open the capture");

    let mut g = c.benchmark_group("page");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.bench_function(BenchmarkId::new("restart-point", n - 150), |b| {
        timed(b, "page/restart-point", || {
            read_page(&capture, &file, &page)
        })
    });
    // As before restart points: decoding from the file's start.
    let saved = std::mem::take(&mut capture.files[0].restarts);
    g.bench_function(BenchmarkId::new("from-start", n - 150), |b| {
        timed(b, "page/from-start", || read_page(&capture, &file, &page))
    });
    capture.files[0].restarts = saved;
    g.finish();

    // Decoding alone, without and with recording.
    let mut samples = vec![(Compression::Gzip, std::fs::read(&gz).expect("read"))];
    if let Some(plain) = sample(&root) {
        for (c, tool, args) in [
            (Compression::Bzip2, "bzip2", &["-c"][..]),
            (Compression::Zstd, "zstd", &["-q", "-c"][..]),
            (Compression::Xz, "xz", &["-T0", "-c"][..]),
        ] {
            if let Some(bytes) = compressed(&root, &plain, tool, args) {
                samples.push((c, bytes));
            }
        }
    }
    for (comp, bytes) in &samples {
        let mut g = c.benchmark_group(format!("decode/{comp}"));
        g.sampling_mode(SamplingMode::Flat).sample_size(10);
        for (label, spacing) in [("plain", None), ("recording", Some(RESTART_SPACING))] {
            let id = format!("decode/{comp}/{label}");
            g.bench_function(label, |b| timed(b, &id, || decode(*comp, bytes, spacing)));
        }
        g.finish();
    }

    c.final_summary();
    let times = common::medians();
    let median = |id: &str| times.get(id).copied();
    println!("\nsummary (medians):");
    if let (Some(a), Some(b)) = (median("page/from-start"), median("page/restart-point")) {
        println!(
            "  page of 100 rows at packet {}: from the start {:.3} s, from a restart point {:.4} s: {:.0}x faster",
            n - 150,
            a,
            b,
            a / b
        );
    }
    for (comp, bytes) in &samples {
        let (Some(a), Some(b)) = (
            median(&format!("decode/{comp}/plain")),
            median(&format!("decode/{comp}/recording")),
        ) else {
            continue;
        };
        println!(
            "  decode {comp} ({} MB stored): {:.3} s, recording restart points {:.3} s ({:+.1}%)",
            bytes.len() / 1_000_000,
            a,
            b,
            (b / a - 1.0) * 100.0
        );
    }
}

fn ingest(path: &Path) -> Capture {
    let mut d = Driver::new(
        &Options {
            stages: Stages::RECORDS,
            ..Options::default()
        },
        4 << 20,
    );
    let mut f = File::open(path).expect("open");
    d.add_file("bench", None);
    let mut buf = vec![0; 4 << 20];
    while let Some(r) = d.next_read() {
        let n = f.read(&mut buf).expect("read");
        d.supply(r.file, &buf[..n]);
    }
    d.finish()
}

/// Fetches and decodes the rows' bytes through the planner; returns the bytes read.
fn read_page(capture: &Capture, file: &File, page: &[usize]) -> u64 {
    let mut r = Reread::packets(capture, page);
    r.fill(usize::MAX, &mut |f: &Fetch| {
        let mut v = vec![0; (f.end - f.start) as usize];
        file.read_exact_at(&mut v, f.start)
            .map_err(|e| e.to_string())?;
        Ok(v)
    });
    assert_eq!(r.error(), None);
    let mut total = 0;
    let mut buf = Vec::new();
    for &i in page {
        assert!(r.read(i, &capture.packets.at(i), &mut buf), "packet {i}");
        total += buf.len() as u64;
    }
    total
}

fn decode(c: Compression, bytes: &[u8], spacing: Option<u64>) -> u64 {
    let mut d = Decoder::new(c);
    if let Some(s) = spacing {
        d = d.with_restarts(s);
    }
    let mut out = 0u64;
    let mut sink = |b: &[u8]| out += b.len() as u64;
    for chunk in bytes.chunks(4 << 20) {
        d.feed(chunk, &mut sink).expect("decode");
    }
    d.finish(&mut sink).expect("decode");
    black_box(d.take_restarts());
    out
}

/// The first 64 MiB of bench-data/bench.pcap.
fn sample(root: &Path) -> Option<Vec<u8>> {
    let mut f = File::open(root.join("bench-data/bench.pcap")).ok()?;
    let mut v = Vec::new();
    f.by_ref().take(64 << 20).read_to_end(&mut v).ok()?;
    Some(v)
}

/// `plain` compressed by `tool`, made once in bench-data/.
fn compressed(root: &Path, plain: &[u8], tool: &str, args: &[&str]) -> Option<Vec<u8>> {
    let path = root.join(format!("bench-data/sample-64m.{tool}"));
    if let Ok(v) = std::fs::read(&path) {
        return Some(v);
    }
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let data = plain.to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?;
    if !out.status.success() {
        return None;
    }
    std::fs::write(&path, &out.stdout).ok()?;
    Some(out.stdout)
}

fn timed(b: &mut criterion::Bencher<'_>, id: &str, f: impl FnMut() -> u64) {
    common::timed(b, id, f, |_| ());
}
