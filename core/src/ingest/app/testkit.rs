//! The test kit of the parsers' tests: conversations of real captures read, reassembled
//! and replayed into a parser in any chunking ([`check_splits`]: every cut gives the
//! same transactions), conversations written inline ([`run`]), random input
//! ([`never_panics`]), and whole captures through the ingest ([`capture`]).
//!
//! The fuzz targets read the same pieces (client or server bytes, gaps), encoded as
//! `fuzz/common/pieces.rs` describes.

use super::StreamParser;
use crate::capture::app::{AppDetail, AppProto, At, Transaction};
use crate::capture::flow::{Direction, L4};
use crate::capture::packet::{PacketRow, Packets};
use crate::capture::Capture;
use crate::ingest::reassembly::{Reassembler, StreamEvent};
use crate::ingest::source::{Event, RecordReader};
use crate::ingest::wire::{self, linktype, Net, Tcp, Transport};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;

/// One piece of a conversation, in capture order.
#[derive(Clone, Debug)]
pub enum Piece {
    /// Bytes of one side.
    Data(bool, Vec<u8>, At),
    /// Bytes of one side never captured.
    Gap(bool, u64, At),
}

/// The corpus: `../shared/corpus` beside the repository, or `$WIRELENS_CORPUS`, which
/// says where it is when it is not there (a git worktree's), as for the golden harness.
pub fn corpus() -> PathBuf {
    std::env::var_os("WIRELENS_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    )
}

/// A path under the repository (`tests/data/...`) or the corpus (`corpus:...`,
/// [`corpus`]). A missing file fails the test, as the golden harness does
/// (`tests/harness.rs`), unless the run says it has no corpus (`WIRELENS_NO_CORPUS=1`):
/// then a corpus file gives None.
pub fn path(p: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = match p.strip_prefix("corpus:") {
        Some(rest) => corpus().join(rest),
        None => root.join(p),
    };
    if path.exists() {
        Some(path)
    } else if p.starts_with("corpus:") && std::env::var_os("WIRELENS_NO_CORPUS").is_some() {
        eprintln!("not compared (WIRELENS_NO_CORPUS): {}", path.display());
        None
    } else {
        panic!(
            "{} is missing (the corpus belongs in ../shared/corpus; \
             WIRELENS_NO_CORPUS=1 says the run has none)",
            path.display()
        );
    }
}

/// Every pcap and pcapng file under `dir`, its subdirectories included, in path order
/// (none when `dir` is missing).
pub fn captures_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The TCP conversations of a capture with `port` at either end, as pieces; the side
/// on `port` is the server.
pub fn conversations(p: &str, port: u16) -> Option<Vec<Vec<Piece>>> {
    let bytes = std::fs::read(path(p)?).expect("read capture");
    let mut reader = RecordReader::new();
    let mut linktypes = Vec::new();
    let mut packets: Vec<(i64, u16, Vec<u8>)> = Vec::new();
    reader.feed(&bytes, &mut |e| match e {
        Event::Interface(i) => linktypes.push(i.linktype),
        Event::Packet(r) => {
            let lt = linktypes
                .get(r.iface as usize)
                .copied()
                .unwrap_or(linktype::ETHERNET);
            packets.push((r.ts_ns, lt, r.data.to_vec()));
        }
        _ => {}
    });
    reader.finish();
    let mut flows: HashMap<(IpAddr, u16, IpAddr, u16), u32> = HashMap::new();
    let mut client_is_a: Vec<bool> = Vec::new();
    let mut a_of: Vec<(IpAddr, u16)> = Vec::new();
    let mut pieces: Vec<Vec<Piece>> = Vec::new();
    let mut reasm = Reassembler::new();
    let mut ts_of = Vec::new();
    for (i, (ts, lt, data)) in packets.iter().enumerate() {
        ts_of.push(*ts);
        let Some((src, dst, tcp, payload)) = tcp_of(*lt, data) else {
            continue;
        };
        if tcp.src_port != port && tcp.dst_port != port {
            continue;
        }
        let (lo, hi) = if (src, tcp.src_port) <= (dst, tcp.dst_port) {
            ((src, tcp.src_port), (dst, tcp.dst_port))
        } else {
            ((dst, tcp.dst_port), (src, tcp.src_port))
        };
        let n = flows.len() as u32;
        let conv = *flows.entry((lo.0, lo.1, hi.0, hi.1)).or_insert(n);
        if conv == n {
            a_of.push((src, tcp.src_port));
            client_is_a.push(tcp.dst_port == port);
            pieces.push(Vec::new());
        }
        let dir = if a_of[conv as usize] == (src, tcp.src_port) {
            Direction::AToB
        } else {
            Direction::BToA
        };
        let at = At {
            packet: i as u64,
            ts_ns: *ts,
        };
        reasm.segment(conv, dir, &tcp, payload, i as u64, &mut |e| {
            record(&mut pieces, &client_is_a, e, Some(at), &ts_of)
        });
    }
    reasm.finish(&mut |e| record(&mut pieces, &client_is_a, e, None, &ts_of));
    Some(pieces)
}

fn record(
    pieces: &mut [Vec<Piece>],
    client_is_a: &[bool],
    e: StreamEvent<'_>,
    at: Option<At>,
    ts_of: &[i64],
) {
    let side = |conv: u32, dir: Direction| (dir == Direction::AToB) == client_is_a[conv as usize];
    match e {
        StreamEvent::Data {
            conv,
            dir,
            bytes,
            packet,
            ..
        } => {
            let at = At {
                packet,
                ts_ns: ts_of.get(packet as usize).copied().unwrap_or_default(),
            };
            pieces[conv as usize].push(Piece::Data(side(conv, dir), bytes.to_vec(), at));
        }
        StreamEvent::Gap { conv, dir, len, .. } => {
            let at = at.unwrap_or(At {
                packet: ts_of.len() as u64 - 1,
                ts_ns: *ts_of.last().unwrap_or(&0),
            });
            pieces[conv as usize].push(Piece::Gap(side(conv, dir), len, at));
        }
        StreamEvent::End { .. } => {}
    }
}

/// Source, destination, TCP header and the captured payload of a frame, from the one
/// dissector the ingest uses.
fn tcp_of(lt: u16, data: &[u8]) -> Option<(IpAddr, IpAddr, Tcp, &[u8])> {
    let summary = wire::dissect(lt, data);
    let (Net::Ip { src, dst, .. }, Transport::Tcp(tcp)) = (summary.net, summary.transport) else {
        return None;
    };
    Some((src, dst, tcp, summary.payload?.bytes(data, &[])))
}

/// Feeds pieces to a new parser, each data piece cut by `cut` (piece index, length
/// → the lengths to cut it into), and returns the transactions.
pub fn replay(
    make: &dyn Fn() -> Box<dyn StreamParser>,
    pieces: &[Piece],
    cut: &dyn Fn(usize, usize) -> Vec<usize>,
) -> Vec<Transaction> {
    replay_parser(make, pieces, cut).1
}

/// [`replay`], also returning the parser once ended (to ask what else it found).
pub fn replay_parser(
    make: &dyn Fn() -> Box<dyn StreamParser>,
    pieces: &[Piece],
    cut: &dyn Fn(usize, usize) -> Vec<usize>,
) -> (Box<dyn StreamParser>, Vec<Transaction>) {
    let mut p = make();
    let mut out = Vec::new();
    let mut last = At::default();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Data(client, bytes, at) => {
                let mut rest = &bytes[..];
                for n in cut(i, bytes.len()) {
                    let n = n.min(rest.len());
                    p.data(*client, &rest[..n], *at, &mut out);
                    rest = &rest[n..];
                }
                if !rest.is_empty() {
                    p.data(*client, rest, *at, &mut out);
                }
                last = *at;
            }
            Piece::Gap(client, len, at) => {
                p.gap(*client, *len, *at, &mut out);
                last = *at;
            }
        }
    }
    p.end(last, &mut out);
    (p, out)
}

/// Whole pieces.
pub fn whole(_: usize, len: usize) -> Vec<usize> {
    vec![len]
}

/// One byte at a time.
pub fn bytewise(_: usize, len: usize) -> Vec<usize> {
    vec![1; len]
}

/// Checks that 1-byte pieces, and every two-piece cut of every piece up to `max`
/// bytes (a sample of cuts beyond), give the same transactions as whole pieces.
pub fn check_splits(make: &dyn Fn() -> Box<dyn StreamParser>, pieces: &[Piece], max: usize) {
    let want = replay(make, pieces, &whole);
    assert_eq!(
        replay(make, pieces, &bytewise),
        want,
        "1-byte pieces differ"
    );
    for (i, piece) in pieces.iter().enumerate() {
        let Piece::Data(_, bytes, _) = piece else {
            continue;
        };
        let step = if bytes.len() <= max {
            1
        } else {
            bytes.len() / max + 1
        };
        for k in (1..bytes.len()).step_by(step) {
            let got = replay(make, pieces, &|j, len| {
                if j == i {
                    vec![k, len - k]
                } else {
                    vec![len]
                }
            });
            assert_eq!(got, want, "piece {i} cut at {k} of {} differs", bytes.len());
        }
    }
}

/// Where each conversation switched to TLS, for whole pieces, 1-byte pieces and every
/// two-piece cut of each piece (up to `max` bytes, a sample beyond): all the same.
pub fn switch_of_every_split(
    make: &dyn Fn() -> Box<dyn StreamParser>,
    pieces: &[Piece],
    max: usize,
) -> Option<crate::capture::app::tls::TlsSwitch> {
    let of =
        |cut: &dyn Fn(usize, usize) -> Vec<usize>| replay_parser(make, pieces, cut).0.tls_switch();
    let want = of(&whole);
    assert_eq!(of(&bytewise), want, "1-byte pieces differ");
    for (i, piece) in pieces.iter().enumerate() {
        let Piece::Data(_, bytes, _) = piece else {
            continue;
        };
        let step = bytes.len() / max + 1;
        for k in (1..bytes.len()).step_by(step) {
            let got = of(&|j, len| if j == i { vec![k, len - k] } else { vec![len] });
            assert_eq!(got, want, "piece {i} cut at {k} of {}", bytes.len());
        }
    }
    want
}

/// [`check_splits`] on every conversation with `port` at either end of each capture
/// present (see [`path`]).
pub fn check_splits_of(
    make: &dyn Fn() -> Box<dyn StreamParser>,
    captures: &[(&str, u16)],
    max: usize,
) {
    for &(p, port) in captures {
        let Some(convs) = conversations(p, port) else {
            continue;
        };
        assert!(!convs.is_empty(), "{p} has no conversation on port {port}");
        for c in convs {
            check_splits(make, &c, max);
        }
    }
}

/// Where a piece of a conversation written inline is: packet `packet`, `packet` µs in.
pub fn at(packet: u64) -> At {
    At {
        packet,
        ts_ns: packet as i64 * 1000,
    }
}

/// A packet index whose packets have the times `ts` (all else zero): where a replayed
/// transaction's times are read ([`Transaction::latency_ns`]).
pub fn packets_at(ts: impl IntoIterator<Item = i64>) -> Packets {
    ts.into_iter()
        .map(|ts_ns| PacketRow {
            ts_ns,
            ..PacketRow::NONE
        })
        .collect()
}

/// The index of `n` packets timed as [`at`] times them (a conversation written inline).
pub fn packets(n: u64) -> Packets {
    packets_at((0..n).map(|p| at(p).ts_ns))
}

/// The index of a capture's packets with their times, for transactions replayed from
/// its conversations ([`conversations`], [`replay_all`]).
pub fn packets_of(p: &str) -> Packets {
    let bytes = std::fs::read(path(p).expect("the capture")).expect("read capture");
    let mut ts = Vec::new();
    let mut reader = RecordReader::new();
    reader.feed(&bytes, &mut |e| {
        if let Event::Packet(r) = e {
            ts.push(r.ts_ns);
        }
    });
    reader.finish();
    packets_at(ts)
}

/// A conversation of (from_client, bytes) pieces, each its own packet.
pub fn pieces(parts: &[(bool, &[u8])]) -> Vec<Piece> {
    parts
        .iter()
        .enumerate()
        .map(|(i, (c, b))| Piece::Data(*c, b.to_vec(), at(i as u64)))
        .collect()
}

/// Runs a conversation written inline (see [`pieces`]): checks that every split of it
/// gives the same transactions ([`check_splits`]), and returns them.
pub fn run(make: &dyn Fn() -> Box<dyn StreamParser>, parts: &[(bool, &[u8])]) -> Vec<Transaction> {
    let p = pieces(parts);
    check_splits(make, &p, usize::MAX);
    replay(make, &p, &whole)
}

/// The transactions of every conversation of a capture with `port` at either end,
/// conversation after conversation; None when the run has no corpus (see [`path`]).
pub fn replay_all(
    make: &dyn Fn() -> Box<dyn StreamParser>,
    p: &str,
    port: u16,
) -> Option<Vec<Transaction>> {
    let convs = conversations(p, port)?;
    Some(convs.iter().flat_map(|c| replay(make, c, &whole)).collect())
}

/// The details of transactions that are all of protocol `T`.
pub fn details<T: AppDetail + std::fmt::Debug>(txs: &[Transaction]) -> Vec<&T> {
    txs.iter()
        .map(|t| T::of(&t.detail).unwrap_or_else(|| panic!("another protocol: {:?}", t.detail)))
        .collect()
}

/// Feeds random conversations to new parsers (400 of them): pieces of random bytes, half
/// of them drawn from `special`, or whole `messages`, some of them lost in gaps instead.
/// None may panic.
pub fn never_panics(
    make: &dyn Fn() -> Box<dyn StreamParser>,
    special: &'static [u8],
    messages: proptest::strategy::BoxedStrategy<Vec<u8>>,
) {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 400,
        ..ProptestConfig::default()
    });
    let piece = (
        any::<bool>(),
        prop_oneof![
            proptest::collection::vec(
                prop_oneof![any::<u8>(), proptest::sample::select(special)],
                0..64
            ),
            messages
        ],
        0u8..8,
    );
    runner
        .run(&proptest::collection::vec(piece, 0..40), |parts| {
            let mut p = make();
            let mut out = Vec::new();
            for (i, (client, bytes, gap)) in parts.iter().enumerate() {
                if *gap == 0 {
                    p.gap(*client, bytes.len() as u64 + 1, at(i as u64), &mut out);
                } else {
                    p.data(*client, bytes, at(i as u64), &mut out);
                }
            }
            p.end(at(99), &mut out);
            Ok(())
        })
        .expect("no panic");
}

/// One of `messages`, as a strategy for [`never_panics`].
pub fn one_of(messages: &'static [&'static [u8]]) -> proptest::strategy::BoxedStrategy<Vec<u8>> {
    use proptest::prelude::*;
    proptest::sample::select(messages)
        .prop_map(<[u8]>::to_vec)
        .boxed()
}

/// A capture of tests/data/servers through the whole ingest, with tshark-style
/// decode-as rules (`(l4, port, protocol or none)`).
pub fn capture(name: &str, decode_as: &[(L4, u16, Option<AppProto>)]) -> Capture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/servers")
        .join(name);
    let bytes = std::fs::read(&path).expect("tests/data/servers is in the repository");
    let mut ingest = crate::ingest::Ingest::new();
    for &(l4, port, proto) in decode_as {
        ingest.decode_as(l4, port, proto);
    }
    ingest.begin_file(name);
    ingest.feed(&bytes);
    ingest.finish()
}

/// A capture of tests/data/servers through the whole ingest with the key log of the same
/// name (`tls.pcap` with `tls.keylog`).
pub fn capture_with_keys(name: &str) -> Capture {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/servers");
    let bytes = std::fs::read(dir.join(name)).expect("tests/data/servers is in the repository");
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let keys = std::fs::read(dir.join(format!("{stem}.keylog"))).expect("its key log");
    let mut ingest = crate::ingest::Ingest::new();
    ingest.add_key_log(&keys);
    ingest.begin_file(name);
    ingest.feed(&bytes);
    ingest.finish()
}
