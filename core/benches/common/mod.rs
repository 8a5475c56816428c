//! What the benchmarks share: where their captures are, and the time per run of every
//! timed call, kept for a summary in this run's terms (criterion's own report gives no
//! ratios between benchmarks).

#![allow(dead_code)] // each bench uses its own part of this

use criterion::Bencher;
use std::collections::BTreeMap;
use std::fs::File;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::Ingest;

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ is in the repo")
        .to_path_buf()
}

/// The capture named by the environment variable `var`, or `default` under the
/// repository's root; None (after saying so, with `how` to make it) when it is absent.
pub fn capture(var: &str, default: &str, how: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(default));
    if path.is_file() {
        return Some(path);
    }
    println!(
        "no benchmark capture at {}: {how}, or point {var} at a capture file. Nothing benchmarked.",
        path.display()
    );
    None
}

/// The large capture of real traffic most benchmarks read: `$WIRELENS_BENCH_CAPTURE` or
/// `bench-data/bench.pcap`.
pub fn bench_capture() -> Option<PathBuf> {
    capture(
        "WIRELENS_BENCH_CAPTURE",
        "bench-data/bench.pcap",
        "`cargo xtask bench` makes it (tests/scripts/make-bench-capture.sh, about 1 GB of \
         real traffic on loopback; needs root)",
    )
}

/// A full ingest of the capture at `path`, read in 4 MiB chunks as the CLI reads (`app`:
/// with the application layer); the benchmark capture must read without an error.
pub fn ingest_file(path: &Path, app: bool) -> Capture {
    let mut ingest = Ingest::new();
    ingest.set_app_layer(app);
    ingest.begin_file("bench");
    let mut file = File::open(path).expect("open the capture");
    let mut buf = vec![0u8; 4 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ingest.feed(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        }
    }
    drop(buf);
    let capture = ingest.finish();
    assert!(
        capture.errors.is_empty(),
        "the benchmark capture has errors: {:?}",
        capture.errors
    );
    capture
}

/// Seconds per iteration of every timed call, by benchmark id (warm-up included: take
/// the median, so the first cold run does not count).
static TIMES: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Times `f` with `iter_custom` and records the time per iteration under `id`; `check`
/// sees what each call returned.
pub fn timed<T>(b: &mut Bencher<'_>, id: &str, mut f: impl FnMut() -> T, check: impl Fn(&T)) {
    b.iter_custom(|iters| {
        let start = Instant::now();
        for _ in 0..iters {
            let out = black_box(f());
            check(&out);
        }
        let took = start.elapsed();
        TIMES
            .lock()
            .unwrap()
            .entry(id.to_owned())
            .or_default()
            .push(took.as_secs_f64() / iters as f64);
        took
    });
}

/// The median seconds per iteration of each benchmark timed so far, by id.
pub fn medians() -> BTreeMap<String, f64> {
    TIMES
        .lock()
        .unwrap()
        .iter()
        .map(|(id, runs)| {
            let mut v = runs.clone();
            v.sort_by(f64::total_cmp);
            (id.clone(), v[v.len() / 2])
        })
        .collect()
}

/// The peak resident set size of this process (VmHWM), KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
