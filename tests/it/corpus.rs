//! Conformance over the third-party corpus in ../shared/corpus (skipped when absent):
//! every capture tshark reads gives us the same packets (timestamp to the ns, captured
//! length); every file libpcap rejects gets an error from us; every pcapng-test-generator
//! file has the blocks its description lists.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::source::{Event, RecordReader};
use wirelens_core::ingest::Ingest;
use wirelens_tests::{have, repo_root};

fn corpus() -> Option<PathBuf> {
    let dir = repo_root().parent()?.join("shared/corpus");
    if dir.join("MANIFEST.tsv").exists() {
        Some(dir)
    } else {
        eprintln!("corpus tests skipped: {} is absent", dir.display());
        None
    }
}

/// Reads a file through `Ingest` in odd-sized chunks, so records straddle chunks.
fn ingest(path: &Path) -> Capture {
    let bytes = std::fs::read(path).expect("read capture");
    let mut ingest = Ingest::new();
    ingest.begin_file(&path.display().to_string());
    for chunk in bytes.chunks(65_536 + 7) {
        ingest.feed(chunk);
    }
    ingest.finish()
}

/// "1422527998.578402281" → ns. tshark prints the nanoseconds with `%09u`, so a fraction
/// longer than nine digits is an out-of-range count of nanoseconds, carried into the
/// seconds here as we carry it. No time at all (a Simple Packet Block) is 0, as ours.
/// Our timestamps are i64 ns (years 1678–2262); beyond that both sides are clamped.
fn epoch_ns(s: &str) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (sec, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac_ns = if frac.len() > 9 {
        frac.parse::<i128>().ok()?
    } else {
        format!("{frac:0<9}").parse::<i128>().ok()?
    };
    let v = sec.parse::<i128>().ok()? * 1_000_000_000 + frac_ns;
    let v = if neg { -v } else { v };
    Some(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// Files where tshark is wrong, and why. Everything else must agree exactly.
const TSHARK_WRONG: &[(&str, &str)] = &[
    (
        "libpcap/pcapng-tsresol-bin-overflow.pcapng",
        "resolution 2^-63 s: tshark's fraction overflows (1 ns); the stamp is 0.999999999 s",
    ),
    (
        "tcpdump/timestamp_invalid_nano.pcap",
        "ns field 2^31: tshark prints a negative time; we carry whole seconds",
    ),
    (
        "tcpdump/timestamp_invalid_micro.pcap",
        "µs field 2^31: tshark wraps µs×1000 in 32 bits; we carry whole seconds",
    ),
    (
        "tcpdump/atm-oam-loopback-print-overrun.pcap",
        "fuzzed µs field 1159821166: tshark wraps µs×1000 in 32 bits; we carry whole seconds \
         (and Wireshark takes SunATM's 4-byte pseudo-header out of the frame lengths)",
    ),
];

enum Outcome {
    Clean,
    Damaged,
    Skipped,
}

struct Tshark {
    packets: Vec<(i64, u32)>,
    /// tshark said the file is damaged or unreadable.
    error: Option<String>,
}

fn tshark(path: &Path) -> Tshark {
    let out = std::process::Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.cap_len",
            "-e",
            "frame.cb_pen",
        ])
        .output()
        .expect("run tshark");
    let packets = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            // tshark 4 lists pcapng custom blocks as frames (with a PEN); they are not packets.
            let mut f = l.split('\t');
            let (t, len, pen) = (f.next()?, f.next()?, f.next().unwrap_or(""));
            if !pen.is_empty() {
                return None;
            }
            Some((epoch_ns(t)?, len.parse().ok()?))
        })
        .collect();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr
        .lines()
        .find(|l| !l.contains("Running as user") && !l.trim().is_empty())
        .map(str::to_owned)
        .filter(|_| {
            !out.status.success() || stderr.contains("cut short") || stderr.contains("appears")
        });
    Tshark { packets, error }
}

/// Rows of MANIFEST.tsv: (relative path, format).
fn manifest(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .expect("read MANIFEST.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((cols.first()?.to_string(), cols.get(4)?.to_string()))
        })
        .collect()
}

/// Runs `f` over `items` on two threads (the machine has two cores).
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().expect("lock");
                    *n += 1;
                    *n - 1
                };
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().expect("lock").push((i, r));
            });
        }
    });
    let mut r = results.into_inner().expect("lock");
    r.sort_by_key(|(i, _)| *i);
    r.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn packets_equal_tshark_on_every_readable_capture() {
    let Some(dir) = corpus() else { return };
    if !have("tshark") {
        eprintln!("corpus conformance skipped: tshark is not installed");
        return;
    }
    let files: Vec<(String, String)> = manifest(&dir)
        .into_iter()
        .filter(|(path, format)| format.starts_with("pcap") && !path.starts_with("libpcap/reject/"))
        .collect();
    let outcomes = parallel(&files, |(rel, _)| {
        let path = dir.join(rel);
        let ts = tshark(&path);
        let ours = ingest(&path);
        let mine: Vec<(i64, u32)> = ours.packets.iter().map(|p| (p.ts_ns, p.caplen)).collect();
        let mut problems = Vec::new();
        // Link types tshark cannot read (DSA tags, some Juniper types) we still index.
        let unsupported = ts
            .error
            .as_deref()
            .is_some_and(|e| e.contains("doesn't support"));
        if unsupported || TSHARK_WRONG.iter().any(|(f, _)| f == rel) {
            return (rel.clone(), Outcome::Skipped, mine.len(), problems);
        }
        if ts.packets.len() != mine.len() {
            problems.push(format!(
                "tshark reads {} packets, we read {}",
                ts.packets.len(),
                mine.len()
            ));
        }
        if let Some(i) = ts.packets.iter().zip(&mine).position(|(a, b)| a != b) {
            problems.push(format!(
                "packet {}: tshark (ts, caplen) {:?}, ours {:?}",
                i + 1,
                ts.packets[i],
                mine[i]
            ));
        }
        if ts.error.is_some() && ours.errors.is_empty() {
            problems.push(format!(
                "tshark reports damage ({}), we report none",
                ts.error.as_deref().unwrap_or("")
            ));
        }
        let outcome = if ts.error.is_none() {
            Outcome::Clean
        } else {
            Outcome::Damaged
        };
        (rel.clone(), outcome, mine.len(), problems)
    });
    let mut failures = Vec::new();
    let (mut clean, mut damaged, mut skipped, mut packets) = (0, 0, 0, 0);
    for (rel, outcome, n, problems) in outcomes {
        packets += n;
        match outcome {
            Outcome::Clean => clean += 1,
            Outcome::Damaged => damaged += 1,
            Outcome::Skipped => skipped += 1,
        }
        if !problems.is_empty() {
            failures.push(format!("{rel}: {}", problems.join("; ")));
        }
    }
    eprintln!(
        "corpus: {} files compared ({clean} clean, {damaged} damaged per tshark), {skipped} not comparable \
         (link types tshark cannot read, or tshark wrong), {packets} packets; {} differ",
        clean + damaged,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} files differ from tshark:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn every_file_libpcap_rejects_is_an_error() {
    let Some(dir) = corpus() else { return };
    let table = std::fs::read_to_string(dir.join("libpcap/EXPECTED_REJECTS.tsv"))
        .expect("read EXPECTED_REJECTS.tsv");
    let mut checked = 0;
    for line in table.lines().skip(1) {
        let Some((name, expected)) = line.split_once('\t') else {
            continue;
        };
        let capture = ingest(&dir.join("libpcap/reject").join(name));
        assert!(
            !capture.errors.is_empty(),
            "{name}: libpcap says `{expected}`, we accept it"
        );
        checked += 1;
    }
    eprintln!("libpcap rejects: {checked} files, all rejected");
    assert!(checked >= 20);
}

#[test]
fn pcapng_test_generator_files_match_their_descriptions() {
    let Some(dir) = corpus() else { return };
    let gen = dir.join("pcapng-test-generator");
    let mut checked = 0;
    for entry in std::fs::read_dir(gen.join("le")).expect("read pcapng-test-generator/le") {
        let txt = entry.expect("dir entry").path();
        if txt.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let description = std::fs::read_to_string(&txt).expect("read description");
        let expected: Vec<String> = description
            .lines()
            .find_map(|l| l.strip_prefix("Block sequence:"))
            .expect("description lists the block sequence")
            .split(',')
            .map(|b| b.trim().to_owned())
            .collect();
        for order in ["le", "be"] {
            let file = gen
                .join(order)
                .join(txt.with_extension("pcapng").file_name().expect("file name"));
            let bytes = std::fs::read(&file).expect("read pcapng");
            let mut reader = RecordReader::new();
            let mut seen = Vec::new();
            reader.feed(&bytes, &mut |e| {
                if let Event::Block { kind, .. } = e {
                    seen.push(kind.name().to_owned());
                }
            });
            // libpcap refuses a pcapng without interfaces and so do we; tshark opens it.
            let err = reader.finish().map(|e| e.kind.to_string());
            if expected.iter().any(|b| b == "IDB") {
                assert_eq!(err, None, "{}", file.display());
            } else {
                assert_eq!(
                    err.as_deref(),
                    Some("the capture file has no Interface Description Blocks")
                );
            }
            assert_eq!(seen, expected, "{}", file.display());
            checked += 1;
        }
    }
    eprintln!("pcapng-test-generator: {checked} files match their descriptions");
    assert!(checked >= 40);
}
