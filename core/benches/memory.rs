//! Heap bytes a packet after a full ingest (every stage, as the page runs it), counted by
//! a global allocator rather than read off the process's RSS: the figure the wasm32
//! heap's budget is about (issue 12: index and tables at most 40 bytes a packet), without
//! a browser. Native sizes are 64-bit; the table also prints `size_of` of the rows that
//! grow with the capture, and `tests` checks their wasm32 sizes at compile time
//! (`cargo check -p wirelens-core --target wasm32-unknown-unknown`).
//!
//! For each capture: the heap live once the `Capture` is finished, and what dropping
//! each growing part frees (the packet index, the transactions with their strings, the
//! conversations and TCP analysis, the rest), per packet; and the peak heap during the
//! ingest (fixed buffers and the growing `Vec`s' reallocations included).
//!
//! Read as the page reads: through the driver, each file's size known.
//!
//! Captures: `$WIRELENS_BENCH_CAPTURE` (or `bench-data/bench.pcap`), then each file of
//! `$WIRELENS_BENCH_MEMORY_CAPTURES` (colon-separated), or `bench-data/bench-2.8g.pcap`
//! when it is there.
//!
//! `cargo bench -p wirelens-core --bench memory`

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use wirelens_core::capture::app::{AppProto, Transaction};
use wirelens_core::capture::packet::{PacketRow, Packets};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::driver::{Driver, Options};
use wirelens_count_alloc::{live, peak, set_peak, Counting};

mod common;

#[global_allocator]
static COUNTING: Counting = Counting::new();

/// The peak while the input was read, before the ingest's `finish` (which sorts and
/// shrinks).
static READING: AtomicUsize = AtomicUsize::new(0);

fn main() {
    println!(
        "size_of (native): PacketRow {} B, Transaction {} B",
        std::mem::size_of::<PacketRow>(),
        std::mem::size_of::<Transaction>()
    );
    let mut captures: Vec<PathBuf> = common::bench_capture().into_iter().collect();
    match std::env::var_os("WIRELENS_BENCH_MEMORY_CAPTURES") {
        Some(more) => captures.extend(std::env::split_paths(&more)),
        None => {
            let big = common::root().join("bench-data/bench-2.8g.pcap");
            if big.is_file() {
                captures.push(big);
            }
        }
    }
    for path in captures {
        measure(&path);
    }
}

/// A full ingest as the page runs it: through the driver, in 4 MiB reads, the file's
/// size known (so the index and the transactions grow as the driver plans).
fn ingest(path: &Path) -> Capture {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).expect("open the capture");
    let size = file.metadata().expect("its size").len();
    let mut driver = Driver::new(&Options::default(), 4 << 20);
    driver.add_file("bench", Some(size));
    let mut buf = Vec::new();
    while let Some(read) = driver.next_read() {
        buf.resize(read.len as usize, 0);
        file.seek(SeekFrom::Start(read.offset)).expect("seek");
        let n = file.read(&mut buf).expect("read the capture");
        driver.supply(read.file, &buf[..n]);
    }
    drop(buf);
    let reading = set_peak(live());
    let capture = driver.finish();
    set_peak(reading.max(peak()));
    READING.store(reading, Relaxed);
    assert!(
        capture.errors.is_empty(),
        "the benchmark capture has errors: {:?}",
        capture.errors
    );
    capture
}

/// What reading the compressed index costs: every row in order, and rows at random.
fn index_speed(packets: &Packets) {
    use std::time::Instant;
    let n = packets.len().max(1);
    let t = Instant::now();
    let sum = packets.iter().fold(0u64, |s, p| s.wrapping_add(p.offset));
    let in_order = t.elapsed().as_nanos() as f64 / n as f64;
    // A fixed pseudo-random walk (xorshift), the same every run.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let k = 1_000_000;
    let t = Instant::now();
    let mut hits = 0u64;
    for _ in 0..k {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        hits = hits.wrapping_add(packets.get(x as usize % n).map_or(0, |p| p.offset));
    }
    let random = t.elapsed().as_nanos() as f64 / k as f64;
    println!(
        "packet index: {:.2} B a packet; in order {in_order:.1} ns a row, at random {random:.0} ns a row ({})",
        packets.heap_bytes() as f64 / n as f64,
        (sum ^ hits) & 1
    );
}

fn measure(path: &Path) {
    let before = live();
    set_peak(before);
    let mut capture = ingest(path);
    let peak = peak() - before;
    let total = live() - before;
    let packets = capture.packets.len().max(1) as f64;
    let transactions = capture.transactions.len();
    println!(
        "\n{}: {} packets, {} transactions ({:.2} a packet), {} conversations",
        path.display(),
        capture.packets.len(),
        transactions,
        transactions as f64 / packets,
        capture.conversations.len()
    );
    let memcached = capture
        .app_protos
        .iter()
        .filter(|p| **p == Some(AppProto::Memcache))
        .count();
    let (in_flight, acks) = capture.packets.iter().fold((0, 0), |(f, a), p| {
        (
            f + usize::from(p.bytes_in_flight != 0),
            a + usize::from(p.acks_back != 0),
        )
    });
    println!(
        "index rows with bytes in flight: {in_flight}, acknowledging a segment: {acks}, either: {}",
        capture
            .packets
            .iter()
            .filter(|p| p.bytes_in_flight != 0 || p.acks_back != 0)
            .count()
    );
    let table = &capture.memcache_commands;
    println!(
        "memcache message table: {} of {memcached} memcached conversations covered, {} messages",
        table.covered.iter().filter(|&&c| c).count(),
        table.len()
    );
    let counts: Vec<usize> = AppProto::ALL
        .iter()
        .map(|&p| {
            capture
                .transactions
                .iter()
                .filter(|t| t.detail.proto() == p)
                .count()
        })
        .collect();
    index_speed(&capture.packets);
    let mut parts = Vec::new();
    let mut freed = |name: String, f: &mut dyn FnMut(&mut Capture)| {
        let was = live();
        f(&mut capture);
        parts.push((name, was - live()));
    };
    freed("packet index".into(), &mut |c| c.packets = Packets::new());
    for (proto, n) in AppProto::ALL.into_iter().zip(counts) {
        freed(format!("{} heap ({n})", proto.name()), &mut |c| {
            c.transactions.retain(|t| t.detail.proto() != proto)
        });
    }
    freed("memcache message table".into(), &mut |c| {
        c.memcache_commands = Default::default()
    });
    freed("transactions' Vec".into(), &mut |c| {
        c.transactions = Default::default()
    });
    freed("conversations, TCP".into(), &mut |c| {
        c.conversations = Vec::new();
        c.tcp = Vec::new();
        c.tcp_control = Vec::new();
        c.tcp_flags = Vec::new();
        c.tcp_acks_far = Vec::new();
        c.tcp_push_bytes = Vec::new();
        c.app_protos = Vec::new();
        c.app_clients = Vec::new();
        c.app_inner = Vec::new();
    });
    freed("the rest".into(), &mut |c| *c = Capture::default());
    println!("{:<22} {:>12} {:>10}", "part", "heap bytes", "B/packet");
    for (name, bytes) in parts {
        if bytes == 0 {
            continue;
        }
        println!("{name:<22} {bytes:>12} {:>10.1}", bytes as f64 / packets);
    }
    let reading = READING.load(Relaxed) - before;
    println!(
        "{:<22} {total:>12} {:>10.1}\n{:<22} {peak:>12} {:>10.1}\n{:<22} {reading:>12} {:>10.1}",
        "all, after ingest",
        total as f64 / packets,
        "peak during ingest",
        peak as f64 / packets,
        "  before finish()",
        reading as f64 / packets
    );
}
