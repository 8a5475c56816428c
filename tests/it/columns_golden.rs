//! The packet list against tshark: for every capture of tests/golden/columns/CAPTURES
//! (made by tests/scripts/make-columns-golden.py), `wirelens list -T fields` with the
//! packet-list columns (`_ws.col.Source`, `_ws.col.Destination`, `_ws.col.Protocol`,
//! `_ws.col.Length`, `_ws.col.Info`) and the row's colouring rule
//! (`frame.coloring_rule.name`, tshark's `--color`) must print what tshark 4.0 printed,
//! frame by frame: Protocol and Info at the highest layer dissected.
//!
//! Differences with a known cause are listed in tests/golden/columns/KNOWN_DIFFERENCES
//! (the harness's format, the column in the field place); a listed one that no longer
//! differs fails the test.

use std::process::Command;
use wirelens_tests::{bin, Golden};

const COLUMNS: [&str; 6] = [
    "_ws.col.Source",
    "_ws.col.Destination",
    "_ws.col.Protocol",
    "_ws.col.Length",
    "_ws.col.Info",
    "frame.coloring_rule.name",
];

#[test]
fn packet_list_columns_match_tshark() {
    let mut g = Golden::new("columns");
    let list = std::fs::read_to_string(g.dir().join("CAPTURES")).expect("CAPTURES");
    let mut rows = (0u64, 0u64);
    for line in list
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut words = line.split_whitespace();
        let capture = words.next().expect("a capture").to_owned();
        let options: Vec<&str> = words.collect();
        let Some(path) = g.capture(&capture) else {
            continue;
        };
        // The name make-columns-golden.py gives: the capture's path, `/` as `_`.
        let base = capture.trim_start_matches("corpus:");
        let base = base.trim_start_matches("tests/data/").replace('/', "_");
        let golden = std::fs::read_to_string(g.dir().join(format!("{base}.tsv")))
            .expect("golden file (run tests/scripts/make-columns-golden.py)");
        let mut cmd = Command::new(bin("wirelens"));
        // From the repository's root, as make-columns-golden.py runs tshark: options
        // name files relative to it (key logs).
        cmd.current_dir(wirelens_tests::repo_root());
        cmd.arg("list").arg(&path).args(&options);
        cmd.args(["-T", "fields", "-e", "frame.number"]);
        for c in COLUMNS {
            cmd.args(["-e", c]);
        }
        let out = cmd.output().expect("run wirelens list");
        let ours = String::from_utf8_lossy(&out.stdout).into_owned();
        let want: Vec<&str> = golden.lines().collect();
        let got: Vec<&str> = ours.lines().collect();
        if got.len() != want.len() {
            g.fail(format!(
                "{capture}: tshark printed {} frames, wirelens {}; stderr: {}",
                want.len(),
                got.len(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        g.count("rows", want.len() as u64);
        g.count("columns", (want.len() * COLUMNS.len()) as u64);
        for (w, o) in want.iter().zip(&got) {
            let (w, o): (Vec<&str>, Vec<&str>) = (w.split('\t').collect(), o.split('\t').collect());
            let frame = w.first().copied().unwrap_or("");
            let mut same = true;
            for (i, column) in COLUMNS.iter().enumerate() {
                let (a, b) = (
                    w.get(i + 1).copied().unwrap_or(""),
                    o.get(i + 1).copied().unwrap_or(""),
                );
                if a != b {
                    same = false;
                    g.differs(
                        &capture,
                        frame,
                        column,
                        format!("\n  tshark:   {a}\n  wirelens: {b}"),
                    );
                }
            }
            rows.0 += 1;
            rows.1 += u64::from(same);
        }
    }
    g.note(format!(
        "{} of {} rows identical in every column",
        rows.1, rows.0
    ));
    g.finish();
}

/// `wirelens list` prints a row as `tshark -r` does, byte for byte (the columns' widths
/// and separators), on captures whose columns are all tshark's: IPv4 and IPv6 addresses
/// shorter and longer than the 12 bytes tshark pads to, and a cooked capture.
#[test]
fn list_prints_the_lines_tshark_prints() {
    if !wirelens_tests::harness::tshark("list_prints_the_lines_tshark_prints") {
        return;
    }
    for capture in [
        "tests/data/servers/http-media.pcap",
        "tests/data/servers/tls.pcap",
        "tests/data/four_ipv6_http_streams.pcap",
        "tests/data/sll2.pcap",
    ] {
        let path = wirelens_tests::repo_root().join(capture);
        let run = |cmd: &mut Command| {
            let out = cmd.output().expect("run");
            assert!(out.status.success(), "{capture}: {cmd:?} failed");
            String::from_utf8(out.stdout).expect("UTF-8")
        };
        let ours = run(Command::new(bin("wirelens")).arg("list").arg(&path));
        let theirs = run(Command::new("tshark").arg("-r").arg(&path));
        assert!(theirs.lines().count() > 2, "{capture}");
        for (n, (o, t)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(o, t, "{capture}: line {}", n + 1);
        }
        assert_eq!(ours.lines().count(), theirs.lines().count(), "{capture}");
    }
}
