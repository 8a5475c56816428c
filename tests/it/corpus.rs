//! Conformance over the third-party corpus in ../shared/corpus (the harness finds it or
//! fails; `WIRELENS_NO_CORPUS=1` says the run has none): every capture tshark reads gives
//! us the same packets (timestamp to the ns, captured length); every file libpcap rejects
//! gets an error from us; every pcapng-test-generator file has the blocks its description
//! lists. Where tshark is wrong, tests/golden/corpus/KNOWN_DIFFERENCES says so.
//!
//! tshark runs once over the corpus ([`tshark_runs`]) for this test and for
//! `dissect_corpus_equals_tshark`, which compares the dissection of the same frames.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::source::{Event, RecordReader};
use wirelens_core::ingest::Ingest;
use wirelens_tests::harness::{self, need_corpus};
use wirelens_tests::Golden;

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

/// The fields every live tshark run prints: the packet's time, captured length and
/// custom-block PEN (tshark 4 lists pcapng custom blocks as frames; they are not
/// packets), then the fields `dissect_corpus_equals_tshark` compares.
fn run_fields() -> Vec<&'static str> {
    let mut f = vec!["frame.time_epoch", "frame.cap_len", "frame.cb_pen"];
    f.extend(crate::dissect_golden::CORPUS_FIELDS);
    f
}

/// What tshark said of one corpus capture.
pub struct TsharkRun {
    /// Path in the corpus.
    pub rel: String,
    /// MANIFEST.tsv's link types, `N:NAME;…`.
    pub linktypes: String,
    /// One row per frame, custom blocks left out: time, captured length, then the
    /// fields of [`crate::dissect_golden::CORPUS_FIELDS`].
    pub rows: Vec<Vec<String>>,
    /// tshark exited with success.
    pub success: bool,
    /// tshark said the file is damaged or unreadable.
    pub error: Option<String>,
}

fn tshark(dir: &Path, rel: &str) -> (Vec<Vec<String>>, bool, Option<String>) {
    let fields = run_fields();
    let mut cmd = std::process::Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(dir.join(rel)).args([
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
    ]);
    for f in &fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let rows = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut r: Vec<String> = l.split('\t').map(str::to_owned).collect();
            r.resize(fields.len(), String::new());
            // A custom block: not a packet.
            r[2].is_empty().then(|| {
                r.remove(2);
                r
            })
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
    (rows, out.status.success(), error)
}

/// tshark over every capture of the corpus it may read (pcap and pcapng, not the files
/// libpcap must reject), once per test run, on two threads; empty without the corpus.
/// Needs tshark (see [`harness::tshark`]).
pub fn tshark_runs() -> &'static [TsharkRun] {
    static RUNS: OnceLock<Vec<TsharkRun>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let Some(dir) = harness::corpus() else {
            return Vec::new();
        };
        let files: Vec<(String, String, String)> = manifest(dir)
            .into_iter()
            .filter(|(rel, format, _)| {
                format.starts_with("pcap") && !rel.starts_with("libpcap/reject/")
            })
            .collect();
        parallel(&files, |(rel, _, linktypes)| {
            let (rows, success, error) = tshark(dir, rel);
            TsharkRun {
                rel: rel.clone(),
                linktypes: linktypes.clone(),
                rows,
                success,
                error,
            }
        })
    })
}

/// Rows of MANIFEST.tsv: (relative path, format, link types).
fn manifest(dir: &Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .expect("read MANIFEST.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((
                cols.first()?.to_string(),
                cols.get(4)?.to_string(),
                cols.get(5).unwrap_or(&"").to_string(),
            ))
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
    let what = "packets_equal_tshark_on_every_readable_capture";
    if need_corpus(what).is_none() || !harness::tshark(what) {
        return;
    }
    let mut g = Golden::new("corpus");
    let runs = tshark_runs();
    // Per file: our (timestamp, captured length) of every packet, and whether we found
    // the file free of errors; None for link types tshark cannot read (DSA tags, some
    // Juniper types), which we still index.
    let ours = parallel(runs, |run| {
        if run
            .error
            .as_deref()
            .is_some_and(|e| e.contains("doesn't support"))
        {
            return None;
        }
        let c = ingest(&harness::corpus().expect("corpus").join(&run.rel));
        let packets: Vec<(i64, u32)> = c.packets.iter().map(|p| (p.ts_ns, p.caplen)).collect();
        Some((packets, c.errors.is_empty()))
    });
    let (mut clean, mut damaged, mut unreadable) = (0, 0, 0);
    for (run, ours) in runs.iter().zip(ours) {
        let Some((mine, no_errors)) = ours else {
            unreadable += 1;
            continue;
        };
        let entry = format!("corpus:{}", run.rel);
        g.capture(&entry);
        let theirs: Vec<(i64, u32)> = run
            .rows
            .iter()
            .filter_map(|r| Some((epoch_ns(&r[0])?, r[1].parse().ok()?)))
            .collect();
        g.count("packets", theirs.len() as u64);
        if theirs.len() != mine.len() {
            g.differs(
                &entry,
                "*",
                "packets",
                format!(
                    "tshark reads {} packets, we read {}",
                    theirs.len(),
                    mine.len()
                ),
            );
        }
        if let Some(i) = theirs.iter().zip(&mine).position(|(a, b)| a != b) {
            let field = if theirs[i].0 != mine[i].0 {
                "frame.time_epoch"
            } else {
                "frame.cap_len"
            };
            g.differs(
                &entry,
                i + 1,
                field,
                format!(
                    "the first differing packet: tshark (ts, caplen) {:?}, ours {:?}",
                    theirs[i], mine[i]
                ),
            );
        }
        if run.error.is_some() && no_errors {
            g.differs(
                &entry,
                "*",
                "damage",
                format!(
                    "tshark reports damage ({}), we report none",
                    run.error.as_deref().unwrap_or("")
                ),
            );
        }
        if run.error.is_none() {
            clean += 1;
        } else {
            damaged += 1;
        }
    }
    g.note(format!(
        "{clean} files clean and {damaged} damaged per tshark; {unreadable} in link types tshark cannot read"
    ));
    g.finish();
}

#[test]
fn every_file_libpcap_rejects_is_an_error() {
    let Some(dir) = need_corpus("every_file_libpcap_rejects_is_an_error") else {
        return;
    };
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
    let Some(dir) = need_corpus("pcapng_test_generator_files_match_their_descriptions") else {
        return;
    };
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
