//! `wirelens conv --json` against tshark's conversations (tests/golden/conv, made by
//! tests/scripts/make-conv-golden.py).

use serde_json::Value;
use wirelens_tests::{bin, capture_path, golden_files, repo_root};

/// The fields compared exactly, then the two times compared to the nanosecond.
const EXACT: [&str; 9] = [
    "proto",
    "a",
    "port_a",
    "b",
    "port_b",
    "frames_ab",
    "bytes_ab",
    "frames_ba",
    "bytes_ba",
];

fn differences(expected: &Value, actual: &[Value]) -> Vec<String> {
    let mut diffs = Vec::new();
    for proto in ["tcp", "udp"] {
        let want = expected[proto]
            .as_array()
            .expect("golden has tcp and udp arrays");
        let got: Vec<&Value> = actual.iter().filter(|r| r["proto"] == proto).collect();
        if want.len() != got.len() {
            diffs.push(format!(
                "{proto}: tshark has {} conversations, we have {}",
                want.len(),
                got.len()
            ));
        }
        for w in want {
            let Some(g) = got.iter().find(|g| g["stream"] == w["stream"]) else {
                diffs.push(format!("{proto} stream {} missing", w["stream"]));
                continue;
            };
            for k in EXACT {
                if w[k] != g[k] {
                    diffs.push(format!(
                        "{proto} stream {}: {k} tshark {} ours {}",
                        w["stream"], w[k], g[k]
                    ));
                }
            }
            for k in ["rel_start", "duration"] {
                let (a, b) = (
                    w[k].as_f64().unwrap_or(f64::NAN),
                    g[k].as_f64().unwrap_or(f64::NAN),
                );
                // tshark prints 9 decimals; large relative times also lose float precision.
                if !((a - b).abs() <= 2e-9 + a.abs() * 4e-16) {
                    diffs.push(format!(
                        "{proto} stream {}: {k} tshark {a} ours {b}",
                        w["stream"]
                    ));
                }
            }
        }
    }
    diffs
}

#[test]
fn conversations_equal_tshark() {
    let dir = repo_root().join("tests/golden/conv");
    let goldens = golden_files(&dir);
    let (mut files, mut convs, mut skipped, mut failures) = (0, 0, 0, Vec::new());
    for golden in &goldens {
        let expected: Value = serde_json::from_slice(&std::fs::read(golden).expect("read golden"))
            .expect("golden is JSON");
        let entry = expected["capture"]
            .as_str()
            .expect("golden names its capture");
        let path = capture_path(entry);
        if !path.exists() {
            skipped += 1;
            continue;
        }
        let out = std::process::Command::new(bin("wirelens"))
            .args(["conv", "--json"])
            .arg(&path)
            .output()
            .expect("run wirelens");
        let actual: Vec<Value> = match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!(
                    "{entry}: no JSON ({e}); stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
        };
        files += 1;
        convs += actual.len();
        let diffs = differences(&expected, &actual);
        if !diffs.is_empty() {
            failures.push(format!("{entry}:\n    {}", diffs.join("\n    ")));
        }
    }
    if skipped > 0 {
        eprintln!("conv golden: skipped {skipped} captures: ../shared/corpus is absent");
    }
    eprintln!("conv golden: {files} captures, {convs} conversations compared with tshark");
    assert!(
        failures.is_empty(),
        "differences from tshark:\n  {}",
        failures.join("\n  ")
    );
}
