//! `wirelens conv --json` against tshark's conversations (tests/golden/conv, made by
//! tests/scripts/make-conv-golden.py).

use serde_json::Value;
use wirelens_tests::{wirelens_json, Golden, JsonGolden};

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

/// Compares one capture's conversations, recording each difference in `g`.
fn compare(g: &mut Golden, entry: &str, expected: &Value, actual: &[Value]) {
    for proto in ["tcp", "udp"] {
        let want = expected[proto]
            .as_array()
            .expect("golden has tcp and udp arrays");
        let got: Vec<&Value> = actual.iter().filter(|r| r["proto"] == proto).collect();
        g.count("conversations", want.len() as u64);
        if want.len() != got.len() {
            g.differs(
                entry,
                "*",
                proto,
                format!(
                    "tshark has {} conversations, we have {}",
                    want.len(),
                    got.len()
                ),
            );
        }
        for w in want {
            let stream = format!("stream {}", w["stream"]);
            let Some(g_row) = got.iter().find(|g| g["stream"] == w["stream"]) else {
                g.differs(entry, &stream, proto, "missing");
                continue;
            };
            for k in EXACT {
                g.count("values", 1);
                if w[k] != g_row[k] {
                    g.differs(
                        entry,
                        &stream,
                        k,
                        format!("tshark {} ours {}", w[k], g_row[k]),
                    );
                }
            }
            for k in ["rel_start", "duration"] {
                g.count("values", 1);
                let (a, b) = (
                    w[k].as_f64().unwrap_or(f64::NAN),
                    g_row[k].as_f64().unwrap_or(f64::NAN),
                );
                // tshark prints 9 decimals; large relative times also lose float precision.
                // (NaN, a missing value, is never close.)
                let close = (a - b).abs() <= 2e-9 + a.abs() * 4e-16;
                if !close {
                    g.differs(entry, &stream, k, format!("tshark {a} ours {b}"));
                }
            }
        }
    }
}

#[test]
fn conversations_equal_tshark() {
    let mut g = Golden::new("conv");
    for JsonGolden {
        entry,
        path,
        expected,
    } in g.json_goldens()
    {
        let entry = entry.as_str();
        match wirelens_json(&["conv", "--json"], &path) {
            Ok(Value::Array(actual)) => compare(&mut g, entry, &expected, &actual),
            Ok(other) => g.fail(format!("{entry}: not a JSON array: {other}")),
            Err(e) => g.fail(format!("{entry}: {e}")),
        }
    }
    g.finish();
}
