//! `wirelens sessions` against tshark-derived sessions (tests/golden/sessions, made by
//! tests/scripts/make-sessions-golden.py): per tcp.stream the local and remote ends,
//! payload bytes each way, first and last packet times, process, and the exact CSV row
//! of `-stT` with tcplife's rounding.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use wirelens_tests::{bin, repo_root};

fn capture_path(entry: &str) -> PathBuf {
    match entry.strip_prefix("corpus:") {
        Some(rest) => repo_root().parent().expect("repo has a parent").join("shared/corpus").join(rest),
        None => repo_root().join(entry),
    }
}

/// Captures whose remaining differences are understood: capture → why.
fn known_differences() -> BTreeMap<String, String> {
    let path = repo_root().join("tests/golden/sessions/KNOWN_DIFFERENCES");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(c, why)| (c.trim().to_owned(), why.trim().to_owned()))
        .collect()
}

fn wirelens(args: &[&str], path: &PathBuf) -> (String, String) {
    let out = Command::new(bin("wirelens")).arg("sessions").args(args).arg(path).output().expect("run wirelens");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The exact fields of a row, compared with the golden one.
const EXACT: [&str; 11] =
    ["laddr", "lport", "raddr", "rport", "tx_bytes", "rx_bytes", "start_ns", "end_ns", "pid", "comm", "local_by"];

fn differences(golden: &Value, json: &[Value], csv: &str) -> Vec<String> {
    let want = golden["sessions"].as_array().expect("golden has sessions");
    let mut diffs = Vec::new();
    if want.len() != json.len() {
        diffs.push(format!("tshark has {} sessions, we have {}", want.len(), json.len()));
    }
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    if header != "TIME,TIME(s),PID,COMM,IP,LADDR,LPORT,RADDR,RPORT,TX_KB,RX_KB,MS" {
        diffs.push(format!("CSV header {header:?}"));
    }
    let rows: BTreeMap<u64, &str> = json.iter().filter_map(|r| r["stream"].as_u64()).zip(lines).collect();
    for w in want {
        let stream = w["stream"].as_u64().expect("stream number");
        let Some(g) = json.iter().find(|g| g["stream"].as_u64() == Some(stream)) else {
            diffs.push(format!("stream {stream} missing"));
            continue;
        };
        for k in EXACT {
            if w[k] != g[k] {
                diffs.push(format!("stream {stream}: {k} tshark {} ours {}", w[k], g[k]));
            }
        }
        let want_csv = w["csv"].as_str().unwrap_or_default();
        if rows.get(&stream).copied() != Some(want_csv) {
            diffs.push(format!("stream {stream}: CSV\n      tshark {want_csv}\n      ours   {:?}", rows.get(&stream)));
        }
    }
    diffs
}

#[test]
fn sessions_equal_tshark() {
    let dir = repo_root().join("tests/golden/sessions");
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden/sessions exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    goldens.sort();
    assert!(!goldens.is_empty(), "no golden files in {}", dir.display());
    let known = known_differences();
    let (mut files, mut same_files, mut sessions, mut same_sessions, mut skipped) = (0, 0, 0, 0, 0);
    let (mut failures, mut explained) = (Vec::new(), Vec::new());
    for golden in &goldens {
        let expected: Value = serde_json::from_slice(&std::fs::read(golden).expect("read golden")).expect("JSON");
        let entry = expected["capture"].as_str().expect("golden names its capture");
        let path = capture_path(entry);
        if !path.exists() {
            skipped += 1;
            continue;
        }
        let (json, stderr) = wirelens(&["--json"], &path);
        let json: Vec<Value> = match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{entry}: no JSON ({e}); stderr: {stderr}"));
                continue;
            }
        };
        let (csv, _) = wirelens(&["-stT"], &path);
        let want = expected["sessions"].as_array().map_or(0, Vec::len);
        files += 1;
        sessions += want;
        let diffs = differences(&expected, &json, &csv);
        if diffs.is_empty() {
            same_files += 1;
            same_sessions += want;
            if known.contains_key(entry) {
                explained.push(format!("{entry}: listed in KNOWN_DIFFERENCES but now identical: remove it"));
            }
            continue;
        }
        // Diffs name their stream first ("stream N: ..."); count each stream once.
        let bad: std::collections::BTreeSet<&str> =
            diffs.iter().filter_map(|d| d.strip_prefix("stream ")?.split([':', ' ']).next()).collect();
        same_sessions += want.saturating_sub(bad.len());
        let report = format!("{entry}:\n    {}", diffs.join("\n    "));
        match known.get(entry) {
            Some(why) => explained.push(format!("{entry}: {} difference(s), known: {why}", diffs.len())),
            None => failures.push(report),
        }
    }
    if skipped > 0 {
        eprintln!("sessions golden: skipped {skipped} captures: ../shared/corpus is absent");
    }
    for e in &explained {
        eprintln!("sessions golden: {e}");
    }
    eprintln!(
        "sessions golden: {same_sessions} of {sessions} sessions identical to tshark's over {files} captures \
         ({same_files} captures identical)"
    );
    assert!(failures.is_empty(), "differences from tshark:\n  {}", failures.join("\n  "));
}
