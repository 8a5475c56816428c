//! `wirelens sessions` against tshark-derived sessions (tests/golden/sessions, made by
//! tests/scripts/make-sessions-golden.py): per tcp.stream the local and remote ends,
//! payload bytes each way, first and last packet times, process, and the exact CSV row
//! of `-stT` with tcplife's rounding.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use wirelens_tests::{bin, repo_root, Golden};

fn wirelens(args: &[&str], path: &PathBuf) -> (String, String) {
    let out = Command::new(bin("wirelens"))
        .arg("sessions")
        .args(args)
        .arg(path)
        .output()
        .expect("run wirelens");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The exact fields of a row, compared with the golden one.
const EXACT: [&str; 11] = [
    "laddr", "lport", "raddr", "rport", "tx_bytes", "rx_bytes", "start_ns", "end_ns", "pid",
    "comm", "local_by",
];

/// Compares one capture's sessions (`--json` and `-stT`), recording each difference.
fn compare(g: &mut Golden, entry: &str, golden: &Value, json: &[Value], csv: &str) {
    let want = golden["sessions"].as_array().expect("golden has sessions");
    g.count("sessions", want.len() as u64);
    if want.len() != json.len() {
        g.differs(
            entry,
            "*",
            "sessions",
            format!("tshark has {} sessions, we have {}", want.len(), json.len()),
        );
    }
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    if header != "TIME,TIME(s),PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS" {
        g.fail(format!("{entry}: CSV header {header:?}"));
    }
    let rows: BTreeMap<u64, &str> = json
        .iter()
        .filter_map(|r| r["stream"].as_u64())
        .zip(lines)
        .collect();
    for w in want {
        let stream = w["stream"].as_u64().expect("stream number");
        let at = format!("stream {stream}");
        let Some(ours) = json.iter().find(|g| g["stream"].as_u64() == Some(stream)) else {
            g.differs(entry, &at, "sessions", "missing");
            continue;
        };
        for k in EXACT {
            g.count("values", 1);
            if w[k] != ours[k] {
                g.differs(entry, &at, k, format!("tshark {} ours {}", w[k], ours[k]));
            }
        }
        let want_csv = w["csv"].as_str().unwrap_or_default();
        g.count("CSV rows", 1);
        if rows.get(&stream).copied() != Some(want_csv) {
            g.differs(
                entry,
                &at,
                "csv",
                format!(
                    "\n      tshark {want_csv}\n      ours   {:?}",
                    rows.get(&stream)
                ),
            );
        }
    }
}

#[test]
fn sessions_equal_tshark() {
    let mut g = Golden::new("sessions");
    for golden in g.files("json") {
        let expected: Value =
            serde_json::from_slice(&std::fs::read(&golden).expect("read golden")).expect("JSON");
        let entry = expected["capture"]
            .as_str()
            .expect("golden names its capture");
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let (json, stderr) = wirelens(&["--json"], &path);
        let json: Vec<Value> = match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => {
                g.fail(format!("{entry}: no JSON ({e}); stderr: {stderr}"));
                continue;
            }
        };
        let (csv, _) = wirelens(&["-stT"], &path);
        compare(&mut g, entry, &expected, &json, &csv);
    }
    g.finish();
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    use std::io::Write as _;
    let mut cmd = Command::new(bin("wirelens"));
    cmd.arg("sessions").args(args).current_dir(repo_root());
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run wirelens");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).expect("write stdin");
    }
    drop(pipe);
    let out = child.wait_with_output().expect("wirelens output");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn sessions_prints_tcplife_columns_and_takes_its_flags() {
    let v4 = "tests/data/three_http_streams.pcap";
    let v6 = "tests/data/four_ipv6_http_streams.pcap";
    // tcplife's default columns: PID and COMM empty (no process information in the file).
    let (code, out, _) = run(&[v4], None);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "PID   COMM       LADDR           LPORT RADDR           RPORT TX_KB RX_KB MS"
    );
    assert_eq!(
        lines[1],
        "                 172.16.133.132  54615 98.139.161.29   80        0     0 125.89"
    );
    assert_eq!(lines.len(), 4);
    // -w: wide, with the IP version; -T and -t lead, in that order.
    let (_, out, _) = run(&["-wtT", v6], None);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "TIME     TIME(s)   PID   COMM             IP LADDR                      LPORT RADDR                      RPORT  TX_KB  RX_KB MS"
    );
    assert_eq!(
        lines[2],
        "20:23:16 1.175970                         6  2001:618:400::5199:cc70    35997 2001:618:1:8000::5         80         1      7 604.05"
    );
    // -s: CSV with tcplife's header; -T adds a leading TIME.
    let (_, out, _) = run(&["-s", v4], None);
    assert!(
        out.starts_with(
            "PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS\n,,4,172.16.133.132,54615,"
        ),
        "{out}"
    );
    let (_, out, _) = run(&["-sT", v4], None);
    assert!(
        out.starts_with("TIME,PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS\n22:02:36,,,4,"),
        "{out}"
    );
    // Filters: local ports, remote ports, family, pid.
    let count = |args: &[&str]| run(args, None).1.lines().count() - 1;
    assert_eq!(count(&["-L", "54615,52328", v4]), 2);
    assert_eq!(count(&["-L", "80", v4]), 0);
    assert_eq!(count(&["-D", "80", v4]), 3);
    assert_eq!(count(&["-D", "443", v4]), 0);
    assert_eq!(count(&["-6", v4, v6]), 4);
    assert_eq!(count(&["-4", v4, v6]), 3);
    assert_eq!(count(&["-p", "1", v4]), 0);
    // Several files are one timeline; `-` is stdin.
    assert_eq!(count(&[v4, v6]), 7);
    let bytes = std::fs::read(repo_root().join(v4)).expect("read capture");
    assert_eq!(run(&["-s", "-"], Some(&bytes)).1, run(&["-s", v4], None).1);
    // A damaged file: the sessions before the damage, the error, exit code 1.
    let (code, out, err) = run(&["-s", "-"], Some(&bytes[..3000]));
    assert_eq!((code, out.lines().count()), (1, 4), "{out}");
    assert!(
        err.contains("<stdin>: at byte offset 2524, packet 13: the file is cut short"),
        "{err}"
    );
    // --json has the exact values.
    let (_, out, _) = run(&["--json", v4], None);
    let rows: Vec<Value> = serde_json::from_str(&out).expect("JSON");
    assert_eq!(rows[0]["tx_bytes"], 377);
    assert_eq!(rows[0]["rx_bytes"], 441);
    assert_eq!(rows[0]["lifespan_ns"], 125_892_000);
    assert_eq!(rows[0]["local_by"], "syn");
    assert_eq!(rows[0]["end"], "closed");
}
