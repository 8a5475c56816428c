//! A page of packet-list rows at any place in a large capture, as the page's worker asks
//! for it (`cargo bench -p wirelens-core --bench rows`): the packets the rows read besides
//! their own (`Rows::wanted`), the bytes read for them through `query::reread`, and the
//! time to read them and make the rows. A jump into the middle of the list should cost
//! what a page down costs.
//!
//! The capture is `$WIRELENS_BENCH_CAPTURE` or `bench-data/bench.pcap`; `$ROWS_PAGES`
//! pages (20 unless told) of `$ROWS_PAGE` rows (100) spread evenly through it.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::Instant;
use wirelens_core::capture::Capture;
use wirelens_core::query::fields::FieldCtx;
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
    let n = capture.packets.len();
    println!(
        "{}: {n} packets, ingest {:.1} s",
        path.display(),
        t.elapsed().as_secs_f64()
    );
    // Each way twice, alternating, so that the load of the machine falls on both.
    for (round, whole) in [(1, true), (1, false), (2, true), (2, false)] {
        let how = if whole {
            "every earlier packet of a PDU read (as before)"
        } else {
            "segments inside a PDU from its head"
        };
        println!("round {round}, {how}:");
        run(&capture, &file, pages, size, whole);
    }
}

/// `pages` pages of `size` rows spread through the capture, the first at its start.
fn run(capture: &Capture, file: &File, pages: usize, size: usize, whole: bool) {
    let n = capture.packets.len();
    // The row index is built by the first page, as in the worker: kept between pages.
    let mut index = RowIndex::default();
    let (mut all_bytes, mut all_packets, mut all_ms, mut worst) = (0u64, 0usize, 0.0, (0u64, 0));
    for k in 0..=pages {
        let start = if k == 0 { 0 } else { n * k / (pages + 1) };
        let page: Vec<usize> = (start..(start + size).min(n)).collect();
        let t = Instant::now();
        let (wanted, bytes, next) = page_rows(capture, file, &page, index, whole);
        index = next;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "  page at {start:>9}: {wanted:>6} packets read, {:>8.2} MB, {ms:>7.1} ms",
            bytes as f64 / 1e6
        );
        if k > 0 {
            all_bytes += bytes;
            all_packets += wanted;
            all_ms += ms;
            worst = worst.max((bytes, start));
        }
    }
    println!(
        "  mean of {pages} pages after the first: {} packets read, {:.2} MB, {:.1} ms; most read: {:.2} MB at {}",
        all_packets / pages,
        all_bytes as f64 / 1e6 / pages as f64,
        all_ms / pages as f64,
        worst.0 as f64 / 1e6,
        worst.1
    );
}

/// The rows of `page` made as the worker makes them; the packets and bytes read.
fn page_rows(
    capture: &Capture,
    file: &File,
    page: &[usize],
    index: RowIndex,
    whole: bool,
) -> (usize, u64, RowIndex) {
    let mut query = Rows::new(capture).with_index(index).sparse();
    if whole {
        query = query.read_whole_pdus();
    }
    let wanted = query.wanted_page(page);
    let mut rr = Reread::packets(capture, &wanted);
    let mut bytes = 0u64;
    rr.fill(usize::MAX, &mut |f: &Fetch| {
        let mut v = vec![0; (f.end - f.start) as usize];
        file.read_exact_at(&mut v, f.start)
            .map_err(|e| e.to_string())?;
        bytes += v.len() as u64;
        Ok(v)
    });
    assert_eq!(rr.error(), None);
    let mut ctx = FieldCtx::new(capture);
    let mut prev = None;
    for &i in page {
        let r = query.row(&mut ctx, i, prev, &mut rr);
        prev = Some(r.ts_ns);
        std::hint::black_box(r);
    }
    (wanted.len(), bytes, query.into_index())
}
