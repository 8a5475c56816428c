//! Opening captures: compressed files, truncated files, rotated sets merged by time.
//! Uses the small real captures in tests/data and core/tests/data.

use std::path::{Path, PathBuf};
use wirelens_core::capture::file::Format;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::source::{Event, RecordReader};
use wirelens_core::ingest::{ingest_bytes, Ingest};
use wirelens_core::query::export::{InterfaceInfo, OutputFormat, SectionInfo, Writer};
use wirelens_tests::repo_root;

fn data(name: &str) -> PathBuf {
    repo_root().join("tests/data").join(name)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (ts, caplen, len, offset) of every packet.
fn rows(c: &Capture) -> Vec<(i64, u32, u32, u64)> {
    c.packets
        .iter()
        .map(|p| (p.ts_ns, p.caplen, p.len, p.offset))
        .collect()
}

/// Ingests several in-memory files the way the CLI and the worker do: whichever file the
/// merge wants next, `chunk` bytes at a time.
fn ingest_merged(files: &[(&str, &[u8])], chunk: usize) -> Capture {
    let mut ingest = Ingest::new();
    let ids: Vec<usize> = files
        .iter()
        .map(|(name, _)| ingest.add_file(name))
        .collect();
    let mut pos = vec![0usize; files.len()];
    while let Some(f) = ingest.wants() {
        let i = ids.iter().position(|&id| id == f).expect("known file");
        let bytes = files[i].1;
        if pos[i] == bytes.len() {
            ingest.close_file(f);
        } else {
            let end = (pos[i] + chunk).min(bytes.len());
            ingest.feed_file(f, &bytes[pos[i]..end]);
            pos[i] = end;
        }
    }
    ingest.finish()
}

#[test]
fn compressed_captures_read_like_the_original() {
    let dir = repo_root().join("core/tests/data/compressed");
    let plain = ingest_bytes("plain", &read(&dir.join("one_tcp_stream.pcap")));
    assert!(plain.errors.is_empty() && !plain.packets.is_empty());
    for ext in ["gz", "bz2", "xz", "zst"] {
        let bytes = read(&dir.join(format!("one_tcp_stream.pcap.{ext}")));
        for chunk in [1, 7, 4096, bytes.len()] {
            let c = ingest_merged(&[(ext, &bytes)], chunk);
            assert_eq!(c.errors, [], "{ext}, chunk {chunk}");
            assert_eq!(rows(&c), rows(&plain), "{ext}, chunk {chunk}");
            assert_eq!(c.files[0].bytes, bytes.len() as u64);
            assert!(c.files[0].compression.is_some());
        }
        // Cut short: every packet before the cut, and an error saying so. (bzip2 and zstd
        // decode whole blocks, of up to 900 kB and 128 kB: nothing of a cut block can be
        // recovered, and this small file is a single block.)
        let cut = ingest_bytes(ext, &bytes[..bytes.len() * 2 / 3]);
        assert!(
            matches!(ext, "bz2" | "zst") || !cut.packets.is_empty(),
            "{ext}"
        );
        assert!(cut.packets.len() < plain.packets.len(), "{ext}");
        assert_eq!(rows(&cut)[..], rows(&plain)[..cut.packets.len()], "{ext}");
        assert_eq!(cut.errors.len(), 1, "{ext}");
        assert!(
            cut.errors[0].message.contains("cut short"),
            "{ext}: {}",
            cut.errors[0]
        );
    }
}

/// Where each packet's record (pcap) or block (pcapng) ends, and where any unit ends.
fn record_ends(bytes: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let mut reader = RecordReader::new();
    let (mut pcapng, mut packet_ends, mut block_starts) = (false, Vec::new(), Vec::new());
    let mut packet_blocks = Vec::new();
    reader.feed(bytes, &mut |e| match e {
        Event::Format(f) => pcapng = f == Format::PcapNg,
        Event::Block { offset, .. } => block_starts.push(offset as usize),
        Event::Packet(p) => {
            packet_ends.push(p.offset as usize + p.caplen as usize);
            packet_blocks.push(block_starts.len());
        }
        _ => {}
    });
    assert_eq!(reader.finish(), None);
    if !pcapng {
        let mut units = vec![24];
        units.extend(&packet_ends);
        return (packet_ends, units);
    }
    // A pcapng packet is complete when its whole block is: where the next block starts.
    block_starts.push(bytes.len());
    let ends = packet_blocks.iter().map(|&b| block_starts[b]).collect();
    (ends, block_starts[1..].to_vec())
}

#[test]
fn every_prefix_keeps_every_complete_packet() {
    for name in [
        "three_http_streams.pcap",
        "test202-le.pcapng",
        "test202-be.pcapng",
        "nanosecs_big_endian.pcap",
        "sll2.pcap",
    ] {
        let bytes = read(&data(name));
        let full = rows(&ingest_bytes(name, &bytes));
        let (ends, units) = record_ends(&bytes);
        assert_eq!(ends.len(), full.len(), "{name}");
        for cut in 0..=bytes.len() {
            let c = ingest_bytes(name, &bytes[..cut]);
            let complete = ends.iter().filter(|&&e| e <= cut).count();
            assert_eq!(rows(&c)[..], full[..complete], "{name} cut at {cut}");
            if !units.contains(&cut) {
                assert_eq!(c.errors.len(), 1, "{name} cut at {cut}: no error");
                assert_eq!(
                    c.errors[0].packet,
                    complete as u64 + 1,
                    "{name} cut at {cut}"
                );
            }
        }
    }
}

#[test]
fn a_rotated_set_merges_into_the_original_timeline() {
    let original = ingest_bytes("orig", &read(&data("three_http_streams.pcap")));
    let bytes = read(&data("three_http_streams.pcap"));
    // Deal the packets round-robin into three files of different formats, as three
    // capture points of the same traffic would see them.
    let formats = [
        OutputFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        OutputFormat::Pcap {
            big_endian: true,
            nanos: true,
        },
        OutputFormat::PcapNg { big_endian: true },
    ];
    let iface = InterfaceInfo {
        linktype: 1,
        snaplen: 65535,
        tsresol: 9,
        ..InterfaceInfo::default()
    };
    let mut writers: Vec<_> = formats
        .iter()
        .map(|&f| Writer::new(Vec::new(), f, &SectionInfo::default(), &iface).expect("writer"))
        .collect();
    for (i, p) in original.packets.iter().enumerate() {
        let data = &bytes[p.offset as usize..p.offset as usize + p.caplen as usize];
        writers[i % 3]
            .write_packet(0, p.ts_ns, data, p.len, &[])
            .expect("write");
    }
    let files: Vec<Vec<u8>> = writers
        .into_iter()
        .map(|w| w.finish().expect("finish"))
        .collect();
    for chunk in [1, 100, 1 << 20] {
        let merged = ingest_merged(
            &[("a", &files[0]), ("b", &files[1]), ("c", &files[2])],
            chunk,
        );
        assert_eq!(merged.errors, []);
        let ts: Vec<i64> = merged.packets.iter().map(|p| p.ts_ns).collect();
        let want: Vec<i64> = original.packets.iter().map(|p| p.ts_ns).collect();
        assert_eq!(ts, want, "chunk {chunk}");
        let from: Vec<u16> = merged.packets.iter().map(|p| p.file).collect();
        assert_eq!(
            from,
            (0..want.len()).map(|i| (i % 3) as u16).collect::<Vec<_>>()
        );
        // Same traffic, same conversations.
        assert_eq!(
            merged.conversations, original.conversations,
            "chunk {chunk}"
        );
    }
}

/// Runs `wirelens ARGS` and returns its exit status and output.
fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(wirelens_tests::bin("wirelens"))
        .args(args)
        .output()
        .expect("run wirelens");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Packets re-read from a compressed capture (through the core's re-read planner) print
/// exactly as from the plain capture: summary lines, fields (per-PDU memcache fields,
/// relative sequence numbers that look back at a conversation's first packets), a
/// display filter that reads packets, and follow.
#[test]
fn list_fields_and_follow_print_the_same_from_every_compressed_copy() {
    let plain = repo_root().join("tests/data/servers/memcached-fields.pcap");
    let dir = repo_root().join("core/tests/data/compressed");
    let copies = [
        "mc.pcap.gz",
        "mc.members.pcap.gz",
        "mc.pcap.bz2",
        "mc.streams.pcap.bz2",
        "mc.pcap.zst",
        "mc.frames.pcap.zst",
        "mc.pcap.xz",
        "mc.blocks.pcap.xz",
        "mc.st-blocks.pcap.xz",
        "mc.streams.pcap.xz",
    ];
    let commands: [&[&str]; 4] = [
        &["list"],
        &[
            "list",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tcp.seq",
            "-e",
            "tcp.ack",
            "-e",
            "memcache.key",
            "-e",
            "memcache.value.length",
        ],
        &[
            "list",
            "-Y",
            "memcache.value.length > 1000 || frame contains \"END\"",
        ],
        &["follow", "0"],
    ];
    let mut compared = 0;
    for cmd in commands {
        let mut args = cmd.to_vec();
        let path = plain.to_str().unwrap();
        args.push(path);
        let want = cli(&args);
        assert_eq!(want.0, Some(0), "{cmd:?}: {}", want.2);
        assert!(want.1.lines().count() > 10, "{cmd:?}: {}", want.1);
        for copy in copies {
            let p = dir.join(copy);
            let mut args = cmd.to_vec();
            args.push(p.to_str().unwrap());
            let got = cli(&args);
            assert_eq!(got.0, Some(0), "{cmd:?} {copy}: {}", got.2);
            assert!(got.1 == want.1, "{cmd:?} {copy}: output differs");
            assert_eq!(got.2, "", "{cmd:?} {copy}");
            compared += 1;
        }
    }
    assert_eq!(compared, 40);
}
