//! A page of packet-list rows at any place in a large capture, as the page's worker asks
//! for it (`cargo bench -p wirelens-core --bench rows`): the packets the rows read besides
//! their own (`Rows::wanted`), the bytes read for them through `query::reread`, and the
//! time to read them and make the rows. A jump into the middle of the list should cost
//! what a page down costs.
//!
//! The capture is `$WIRELENS_BENCH_CAPTURE` or `bench-data/bench.pcap`; `$ROWS_PAGES`
//! pages (20 unless told) of `$ROWS_PAGE` rows (100) spread evenly through it, or
//! through the packets display filter `$ROWS_FILTER` keeps (e.g.
//! `memcache.value.length > 1000000`, whose rows each complete a long value).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::Instant;
use wirelens_core::capture::Capture;
use wirelens_core::query::fields::{FieldCtx, MemorySource};
use wirelens_core::query::filter::{filter_packets, Filter};
use wirelens_core::query::reread::{Fetch, Reread};
use wirelens_core::query::rows::{RowIndex, Rows};

mod common;

fn main() {
    let Some(path) = common::bench_capture() else {
        return;
    };
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let pages = env("ROWS_PAGES", 20).max(1);
    let size = env("ROWS_PAGE", 100).max(1);
    let t = Instant::now();
    let capture = common::ingest_file(&path, true);
    let file = File::open(&path).expect("open the capture");
    println!(
        "{}: {} packets, ingest {:.1} s",
        path.display(),
        capture.packets.len(),
        t.elapsed().as_secs_f64()
    );
    let shown: Vec<usize> = match std::env::var("ROWS_FILTER") {
        Ok(text) => {
            let filter = Filter::compile(&text).expect("ROWS_FILTER compiles");
            let bytes = std::fs::read(&path).expect("read the capture");
            let mut src = MemorySource {
                files: vec![&bytes],
            };
            let kept = filter_packets(&filter, &capture, &mut src);
            println!("{text}: {} packets", kept.len());
            kept.into_iter().map(|i| i as usize).collect()
        }
        Err(_) => (0..capture.packets.len()).collect(),
    };
    // Each way twice, alternating, so that the load of the machine falls on both.
    for (round, whole) in [(1, true), (1, false), (2, true), (2, false)] {
        let how = if whole {
            "every earlier packet of a PDU read (as before)"
        } else {
            "segments inside a PDU from its head"
        };
        println!("round {round}, {how}:");
        run(&capture, &file, &shown, pages, size, whole);
    }
}

/// `pages` pages of `size` rows spread through the packets `shown`, the first at their
/// start.
fn run(capture: &Capture, file: &File, shown: &[usize], pages: usize, size: usize, whole: bool) {
    let n = shown.len();
    // The row index is built by the first page, as in the worker: kept between pages.
    let mut index = RowIndex::default();
    let (mut all_bytes, mut all_packets, mut all_ms, mut worst) = (0u64, 0usize, 0.0, (0u64, 0));
    let mut all_held = 0u64;
    for k in 0..=pages {
        let start = if k == 0 { 0 } else { n * k / (pages + 1) };
        let page = &shown[start..(start + size).min(n)];
        let t = Instant::now();
        let (wanted, held, bytes, next) = page_rows(capture, file, page, index, whole);
        index = next;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "  page at {start:>9}: {wanted:>6} packets read ({:>7.2} MB), {:>8.2} MB of the file, {ms:>7.1} ms",
            held as f64 / 1e6,
            bytes as f64 / 1e6
        );
        if k > 0 {
            all_held += held;
            all_bytes += bytes;
            all_packets += wanted;
            all_ms += ms;
            worst = worst.max((bytes, start));
        }
    }
    println!(
        "  mean of {pages} pages after the first: {} packets read ({:.2} MB), {:.2} MB of the file, {:.1} ms; most read: {:.2} MB at {}",
        all_packets / pages,
        all_held as f64 / 1e6 / pages as f64,
        all_bytes as f64 / 1e6 / pages as f64,
        all_ms / pages as f64,
        worst.0 as f64 / 1e6,
        worst.1
    );
}

/// The rows of `page` made as the worker makes them (the rows [`Rows::missed`] made
/// again from the packets [`Rows::wanted_back`] names); the packets read, their bytes,
/// and the bytes of the file read for them.
fn page_rows(
    capture: &Capture,
    file: &File,
    page: &[usize],
    index: RowIndex,
    whole: bool,
) -> (usize, u64, u64, RowIndex) {
    let query = |index: RowIndex| {
        let q = Rows::new(capture).with_index(index).sparse();
        if whole {
            q.read_whole_pdus()
        } else {
            q
        }
    };
    let mut bytes = 0u64;
    let mut read = |wanted: &[usize]| {
        let mut rr = Reread::packets(capture, wanted);
        rr.fill(usize::MAX, &mut |f: &Fetch| {
            let mut v = vec![0; (f.end - f.start) as usize];
            file.read_exact_at(&mut v, f.start)
                .map_err(|e| e.to_string())?;
            bytes += v.len() as u64;
            Ok(v)
        });
        assert_eq!(rr.error(), None);
        rr
    };
    let held = |wanted: &[usize]| -> u64 {
        wanted
            .iter()
            .map(|&i| u64::from(capture.packets.at(i).caplen))
            .sum()
    };
    let mut q = query(index);
    let wanted = q.wanted_page(page);
    let mut packet_bytes = held(&wanted);
    let mut rr = read(&wanted);
    let mut ctx = FieldCtx::new(capture);
    let mut prev = None;
    for &i in page {
        let r = q.row(&mut ctx, i, prev, &mut rr);
        prev = Some(r.ts_ns);
        std::hint::black_box(r);
    }
    let missed = q.missed().to_vec();
    let mut packets = wanted.len();
    if !missed.is_empty() {
        let mut again = missed.clone();
        for &i in &missed {
            again.extend(q.wanted_back(i));
        }
        again.sort_unstable();
        again.dedup();
        packets += again.len();
        packet_bytes += held(&again);
        let mut rr = read(&again);
        q = query(q.into_index());
        for &i in &missed {
            std::hint::black_box(q.row(&mut ctx, i, None, &mut rr));
        }
    }
    (packets, packet_bytes, bytes, q.into_index())
}
