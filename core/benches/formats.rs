//! Throughput of the capture pipeline on a large capture of real traffic, measured in the
//! same run as the reference tools.
//!
//! The capture is `$WIRELENS_BENCH_CAPTURE`, or `bench-data/bench.pcap` at the repository
//! root, which `cargo xtask bench` makes with `tests/scripts/make-bench-capture.sh` (about
//! 1 GB of nginx and memcached traffic on loopback). A pcapng copy is made beside it in
//! `bench-data/` with `editcap -F pcapng`, once.
//!
//! Benchmarks (each with `Throughput::Bytes` of the file):
//! - `parse/<format>/memory`: `RecordReader` fed 4 MiB chunks of the file held in memory,
//!   counting packets: the capture format alone.
//! - `parse/<format>/disk`: the same, reading the file in 4 MiB chunks (page cache warm).
//! - `ingest/<format>/memory` and `ingest/pcap/disk`: the whole `Ingest` (formats, L2–L4,
//!   flows, packet index).
//! - `reference/<format>/tcpdump-w-null`: `tcpdump -r FILE -w /dev/null`, a subprocess, about
//!   the cost of reading the bytes at all.
//! - `reference/pcap/tshark-conv-tcp`: `tshark -q -z conv,tcp -r FILE`, only with
//!   `WIRELENS_BENCH_TSHARK=1` (about 20 s a run on 1 GB, and criterion runs it 10 times).
//!
//! At the end a table gives MB/s (10^6 bytes), packets/s and the speed relative to
//! `tcpdump -w /dev/null`, from the median time per run of this very run.

use criterion::{Bencher, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wirelens_core::ingest::source::{Event, RecordReader};
use wirelens_core::ingest::Ingest;

/// Chunk size fed to the reader: what the web worker and the CLI read at a time, roughly.
const CHUNK: usize = 4 << 20;

struct Input {
    /// `pcap` or `pcapng`.
    format: &'static str,
    path: PathBuf,
    bytes: u64,
    packets: u64,
}

mod common;

fn main() {
    let Some(capture) = common::bench_capture() else {
        return;
    };
    let root = common::root();

    let mut inputs = vec![input("pcap", &capture)];
    if let Some(ng) = pcapng_copy(&root, &capture) {
        inputs.push(input("pcapng", &ng));
    }
    for i in &inputs {
        println!(
            "{}: {} ({} bytes, {} packets)",
            i.format,
            i.path.display(),
            i.bytes,
            i.packets
        );
    }

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();

    for i in &inputs {
        let data = std::fs::read(&i.path).expect("read the capture");
        let mut g = group(&mut c, &format!("parse/{}", i.format), i);
        g.bench_function("memory", |b| {
            timed(b, &format!("parse/{}/memory", i.format), i.packets, || {
                parse(&data)
            })
        });
        g.bench_function("disk", |b| {
            timed(b, &format!("parse/{}/disk", i.format), i.packets, || {
                parse_file(&i.path)
            })
        });
        g.finish();

        let mut g = group(&mut c, &format!("ingest/{}", i.format), i);
        g.bench_function("memory", |b| {
            timed(b, &format!("ingest/{}/memory", i.format), i.packets, || {
                ingest(&data)
            })
        });
        if i.format == "pcap" {
            g.bench_function("disk", |b| {
                timed(b, "ingest/pcap/disk", i.packets, || ingest_file(&i.path))
            });
        }
        g.finish();
    }

    for i in &inputs {
        let mut g = group(&mut c, &format!("reference/{}", i.format), i);
        if available("tcpdump") {
            g.bench_function("tcpdump-w-null", |b| {
                timed(
                    b,
                    &format!("reference/{}/tcpdump-w-null", i.format),
                    i.packets,
                    || {
                        subprocess(
                            Command::new("tcpdump")
                                .arg("-r")
                                .arg(&i.path)
                                .args(["-w", "/dev/null"]),
                        )
                    },
                )
            });
        } else {
            println!("tcpdump not found: no reference timing");
        }
        if i.format == "pcap" && std::env::var_os("WIRELENS_BENCH_TSHARK").is_some_and(|v| v == "1")
        {
            if available("tshark") {
                g.bench_function("tshark-conv-tcp", |b| {
                    timed(b, "reference/pcap/tshark-conv-tcp", i.packets, || {
                        subprocess(
                            Command::new("tshark")
                                .args(["-q", "-z", "conv,tcp", "-r"])
                                .arg(&i.path),
                        )
                    })
                });
            } else {
                println!("tshark not found: WIRELENS_BENCH_TSHARK ignored");
            }
        }
        g.finish();
    }

    c.final_summary();
    summary(&inputs);
}

/// A group with the file's size as throughput, sized so the whole run takes minutes: each
/// iteration reads the whole file, so flat sampling and ten samples.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    i: &Input,
) -> BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(i.bytes))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10);
    g
}

/// Times `f` (which returns the packets it saw) and checks the packet count.
fn timed(b: &mut Bencher<'_>, id: &str, packets: u64, f: impl FnMut() -> u64) {
    common::timed(b, id, f, |&n| {
        assert!(
            n == packets || n == u64::MAX,
            "{id}: {n} packets, expected {packets}"
        )
    });
}

/// The format layer alone: every packet record of the file, counted.
fn parse(data: &[u8]) -> u64 {
    let mut reader = RecordReader::new();
    let mut packets = 0u64;
    for chunk in data.chunks(CHUNK) {
        reader.feed(chunk, &mut |e| {
            if let Event::Packet(p) = e {
                black_box(p.data.len());
                packets += 1;
            }
        });
    }
    if let Some(e) = reader.finish() {
        panic!(
            "the benchmark capture is damaged at byte {}: {}",
            e.offset, e.kind
        );
    }
    packets
}

fn parse_file(path: &Path) -> u64 {
    let mut reader = RecordReader::new();
    let mut packets = 0u64;
    read_chunks(path, |chunk| {
        reader.feed(chunk, &mut |e| {
            if let Event::Packet(p) = e {
                black_box(p.data.len());
                packets += 1;
            }
        })
    });
    if let Some(e) = reader.finish() {
        panic!(
            "the benchmark capture is damaged at byte {}: {}",
            e.offset, e.kind
        );
    }
    packets
}

/// The whole pipeline: formats, L2–L4 dissection, flows and the packet index.
fn ingest(data: &[u8]) -> u64 {
    let mut ingest = Ingest::new();
    ingest.begin_file("bench");
    for chunk in data.chunks(CHUNK) {
        ingest.feed(chunk);
    }
    finished(ingest)
}

fn ingest_file(path: &Path) -> u64 {
    let mut ingest = Ingest::new();
    ingest.begin_file("bench");
    read_chunks(path, |chunk| ingest.feed(chunk));
    finished(ingest)
}

fn finished(ingest: Ingest) -> u64 {
    let capture = ingest.finish();
    assert!(
        capture.errors.is_empty(),
        "the benchmark capture has errors: {:?}",
        capture.errors
    );
    black_box(capture.conversations.len());
    capture.packets.len() as u64
}

/// Reads `path` in [`CHUNK`]-sized reads into one reused buffer.
fn read_chunks(path: &Path, mut f: impl FnMut(&[u8])) {
    let mut file = File::open(path).expect("open the capture");
    let mut buf = vec![0u8; CHUNK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => f(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        }
    }
}

/// Runs a reference tool to completion, its output discarded; the packet count is not
/// checked (`u64::MAX`).
fn subprocess(cmd: &mut Command) -> u64 {
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => u64::MAX,
        other => panic!("{cmd:?} failed: {other:?}"),
    }
}

fn available(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn input(format: &'static str, path: &Path) -> Input {
    let data = std::fs::read(path).expect("read the capture");
    let packets = parse(&data);
    Input {
        format,
        path: path.to_owned(),
        bytes: data.len() as u64,
        packets,
    }
}

/// `bench-data/<name>.pcapng` (`<name>-<hash of its path>` for a capture outside
/// bench-data/), converted from the capture with editcap unless a copy at least as new as
/// the capture is there. None when the capture is pcapng already or
/// editcap is missing.
fn pcapng_copy(root: &Path, capture: &Path) -> Option<PathBuf> {
    let mut magic = [0u8; 4];
    File::open(capture)
        .and_then(|mut f| f.read_exact(&mut magic))
        .ok()?;
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        println!("{} is pcapng already: no pcapng copy", capture.display());
        return None;
    }
    let mut stem = capture
        .file_stem()
        .map_or("bench".into(), |s| s.to_string_lossy().into_owned());
    let dir = root.join("bench-data");
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    if canonical(capture.parent()?) != canonical(&dir) {
        // A capture from elsewhere: its copy must not replace that of bench-data/<stem>.
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        canonical(capture).hash(&mut h);
        stem = format!("{stem}-{:016x}", h.finish());
    }
    let out = dir.join(format!("{stem}.pcapng"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if out.is_file() && modified(&out) >= modified(capture) {
        return Some(out);
    }
    std::fs::create_dir_all(&dir).ok()?;
    let partial = dir.join(format!("{stem}.pcapng.partial"));
    println!("editcap -F pcapng {} {}", capture.display(), out.display());
    match Command::new("editcap")
        .args(["-F", "pcapng"])
        .arg(capture)
        .arg(&partial)
        .status()
    {
        Ok(s) if s.success() => {
            std::fs::rename(&partial, &out).ok()?;
            Some(out)
        }
        other => {
            let _ = std::fs::remove_file(&partial);
            println!("editcap failed ({other:?}): no pcapng benchmarks");
            None
        }
    }
}

/// MB/s, packets/s and speed relative to tcpdump of every benchmark that ran.
fn summary(inputs: &[Input]) {
    let times = common::medians();
    if times.is_empty() {
        return;
    }
    println!("\nSummary (median time per run; MB = 10^6 bytes; x tcpdump = tcpdump's time / ours)");
    println!(
        "{:<36} {:>9} {:>10} {:>12} {:>11}",
        "benchmark", "s/run", "MB/s", "packets/s", "x tcpdump"
    );
    for (id, &secs) in times.iter() {
        let format = id.split('/').nth(1).unwrap_or("");
        let Some(input) = inputs.iter().find(|i| i.format == format) else {
            continue;
        };
        let tcpdump = times.get(&format!("reference/{format}/tcpdump-w-null"));
        println!(
            "{:<36} {:>9.3} {:>10.0} {:>12.0} {:>11}",
            id,
            secs,
            input.bytes as f64 / secs / 1e6,
            input.packets as f64 / secs,
            tcpdump.map_or("-".to_owned(), |t| format!("{:.2}", t / secs)),
        );
    }
    for i in inputs {
        println!(
            "{}: {} bytes, {} packets, {}",
            i.format,
            i.bytes,
            i.packets,
            i.path.display()
        );
    }
}
