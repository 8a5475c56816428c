//! `wirelens expert --json` against tshark's `-q -z expert` (tests/golden/expert, made by
//! tests/scripts/make-expert-golden.py): every line of every severity, by its severity,
//! group, protocol and summary, with its count, and the lines' order within a severity
//! (tshark's: the order of their first item).
//!
//! Lines known to differ, with the reason (an item our detail does not add yet), are in
//! tests/golden/expert/KNOWN_DIFFERENCES (the harness's format; the field column is
//! `PROTOCOL/GROUP/SUMMARY`, `*` or a prefix ending in `*` for several). A listed line
//! that stops differing fails the test.

use serde_json::Value;
use std::collections::HashMap;
use wirelens_tests::{wirelens_json, Golden, JsonGolden};

/// A line's key: its severity and `PROTOCOL/GROUP/SUMMARY`.
fn key(severity: &str, line: &Value, summary: &str) -> (String, String) {
    let s = |k: &str| line[k].as_str().unwrap_or_default().to_owned();
    (
        severity.to_owned(),
        format!("{}/{}/{summary}", s("protocol"), s("group")),
    )
}

/// The lines as (key, count), in order.
fn lines(rows: &[Value], summary: &str) -> Vec<((String, String), u64)> {
    rows.iter()
        .map(|l| {
            let sev = l["severity"].as_str().unwrap_or_default();
            let text = l[summary].as_str().unwrap_or_default();
            (key(sev, l, text), l["count"].as_u64().unwrap_or(0))
        })
        .collect()
}

#[test]
fn expert_info_equals_tshark() {
    let mut g = Golden::new("expert");
    let (mut items, mut same) = (0u64, 0u64);
    for JsonGolden {
        entry,
        path,
        expected,
    } in g.json_goldens()
    {
        let entry = entry.as_str();
        let report = match wirelens_json(&["expert", "--json", "-q"], &path) {
            Ok(v) => v,
            Err(e) => {
                g.fail(format!("{entry}: {e}"));
                continue;
            }
        };
        let want = lines(expected["lines"].as_array().expect("lines"), "summary");
        let got = lines(report["summary"].as_array().expect("summary"), "message");
        let ours: HashMap<&(String, String), u64> = got.iter().map(|(k, n)| (k, *n)).collect();
        let theirs: HashMap<&(String, String), u64> = want.iter().map(|(k, n)| (k, *n)).collect();
        for (k, n) in &want {
            items += n;
            match ours.get(k) {
                Some(m) if m == n => same += n,
                Some(m) => {
                    g.differs(entry, "*", &k.1, format!("{}: tshark {n}, ours {m}", k.0));
                }
                None => {
                    g.differs(entry, "*", &k.1, format!("{}: tshark {n}, ours none", k.0));
                }
            }
        }
        for (k, m) in &got {
            if !theirs.contains_key(k) {
                g.differs(entry, "*", &k.1, format!("{}: tshark none, ours {m}", k.0));
            }
        }
        // The lines both have, in the same order.
        let order = |a: &[((String, String), u64)], other: &HashMap<&(String, String), u64>| {
            a.iter()
                .filter(|(k, _)| other.contains_key(k))
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>()
        };
        let (w, o) = (order(&want, &ours), order(&got, &theirs));
        if w != o {
            let at = w.iter().zip(&o).position(|(a, b)| a != b).unwrap_or(0);
            g.differs(
                entry,
                "*",
                "order",
                format!("line {at}: tshark {:?}, ours {:?}", w.get(at), o.get(at)),
            );
        }
        g.count("lines", want.len() as u64);
    }
    g.count("items", items);
    g.note(format!(
        "{same} of {items} of tshark's items on lines of the same count"
    ));
    g.finish();
}
