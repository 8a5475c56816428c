//! Display-filter evaluation over a million packets (issue 7's target: under a second).
//!
//! The capture is built in memory from the real captures in tests/data/servers (memcached,
//! Redis, MariaDB, HTTP, DNS on loopback): their packets are repeated, each copy shifted
//! in time and given its own client port so every copy is a new set of conversations,
//! and cut to 256 captured bytes (as `tcpdump -s 256` would), until there are
//! `WIRELENS_FILTER_BENCH_PACKETS` packets (default 1,000,000). It is indexed once by
//! the core's `Ingest`; the benchmarks then run filters over every packet, reading
//! packet bytes from memory through a `PacketSource` only when the filter needs them.
//!
//! - `index/*`: filters the packet index answers alone (frame numbers, lengths, times,
//!   stream numbers, addresses and ports of packets in a conversation).
//! - `bytes/*`: filters that need each packet's bytes dissected again.
//! - `pdu/*`: per-PDU fields (memcache, resp): their conversations are read and
//!   reassembled again.
//! - `app/*`: fields the transactions answer (HTTP, MySQL, DNS, Redis), no bytes read.
//!
//! Throughput is in packets (elements) per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::source::{Event, RecordReader};
use wirelens_core::query::fields::MemorySource;
use wirelens_core::query::filter::{Evaluator, Filter};

const SNAP: usize = 256;

/// A pcap file (Ethernet, µs) with `n` packets made from the server captures.
fn build(n: usize) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf();
    let mut packets: Vec<(i64, u32, Vec<u8>)> = Vec::new();
    for name in ["dns", "http", "mariadb", "memcached", "redis"] {
        let bytes = std::fs::read(root.join(format!("tests/data/servers/{name}.pcap")))
            .expect("tests/data/servers capture");
        let mut reader = RecordReader::new();
        let mut first = None;
        reader.feed(&bytes, &mut |e| {
            if let Event::Packet(p) = e {
                let t0 = *first.get_or_insert(p.ts_ns);
                packets.push((
                    p.ts_ns - t0,
                    p.len,
                    p.data[..p.data.len().min(SNAP)].to_vec(),
                ));
            }
        });
    }
    let span = packets.iter().map(|p| p.0).max().unwrap_or(0) + 1_000_000;
    let mut out = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    out.extend_from_slice(&(SNAP as u32).to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let base: i64 = 1_700_000_000_000_000_000;
    for i in 0..n {
        let copy = i / packets.len();
        let (rel, len, data) = &packets[i % packets.len()];
        let ts = base + copy as i64 * span + rel;
        let mut data = data.clone();
        // A client port of its own per copy (Ethernet + IPv4 + TCP/UDP, loopback): the
        // server port (the lower) stays.
        if data.len() >= 38 && data[12..14] == [8, 0] {
            let ihl = (data[14] & 0x0f) as usize * 4;
            let t = 14 + ihl;
            if data.len() >= t + 4 && matches!(data[23], 6 | 17) {
                let (sp, dp) = (
                    u16::from_be_bytes([data[t], data[t + 1]]),
                    u16::from_be_bytes([data[t + 2], data[t + 3]]),
                );
                let client = if sp > dp { t } else { t + 2 };
                let port = u16::from_be_bytes([data[client], data[client + 1]]);
                let new = 30000 + ((port as usize + copy * 7) % 30000) as u16;
                data[client..client + 2].copy_from_slice(&new.to_be_bytes());
            }
        }
        out.extend_from_slice(&((ts / 1_000_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((ts % 1_000_000_000 / 1000) as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&data);
    }
    out
}

fn run(capture: &Capture, file: &[u8], filter: &Filter) -> usize {
    let mut src = MemorySource { files: vec![file] };
    let mut ev = Evaluator::new(capture);
    (0..capture.packets.len())
        .filter(|&i| ev.matches(filter, i, &mut src))
        .count()
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("WIRELENS_FILTER_BENCH_PACKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let file = build(n);
    let capture = wirelens_core::ingest::ingest_bytes("filter-bench.pcap", &file);
    assert_eq!(capture.packets.len(), n);
    println!(
        "filter bench: {n} packets, {} MB, {} conversations",
        file.len() / 1_000_000,
        capture.conversations.len()
    );
    let filters: [(&str, &str); 15] = [
        ("index", "frame.len > 1000"),
        ("index", "tcp.port == 21211"),
        ("index", "ip.addr == 127.0.0.1 && tcp.stream in {100..200}"),
        ("index", "frame.time_relative > 5 and not udp"),
        ("bytes", "tcp.flags.syn == 1"),
        ("bytes", "tcp.len > 100"),
        ("bytes", "eth.type == 0x0800 && ip.ttl == 64"),
        ("bytes", "frame contains \"GET\""),
        ("bytes", "tcp.seq > 1000"),
        (
            "bytes",
            "tcp.port == 26379 && tcp.payload matches \"^\\\\*[0-9]\"",
        ),
        ("pdu", "memcache.key contains \"user\""),
        ("pdu", "resp.bulk_string.value == \"GET\""),
        // Fields the transactions answer: only the fields a filter names are indexed.
        ("app", "http.response.code == 200"),
        ("app", "mysql.query contains \"SELECT\""),
        (
            "app",
            "dns.qry.name contains \"example\" || redis.command == \"SET\"",
        ),
    ];
    let mut group = c.benchmark_group("filter");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    for (kind, text) in filters {
        let filter = Filter::compile(text).expect("benchmark filters compile");
        println!(
            "{kind}: {text:?} keeps {} packets",
            run(&capture, &file, &filter)
        );
        group.bench_function(format!("{kind}/{text}"), |b| {
            b.iter(|| black_box(run(&capture, &file, &filter)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
