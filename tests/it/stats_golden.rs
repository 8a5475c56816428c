//! `wirelens conv -t eth,ip,ipv6`, `wirelens endpoints` and `wirelens phs` (all `--json`)
//! against tshark's `-z conv,*`, `-z endpoints,*` and `-z io,phs` (tests/golden/stats, made
//! by tests/scripts/make-stats-golden.py).
//!
//! The golden hierarchy is tshark's whole tree; it is compared cut below the protocols our
//! dissector does not look inside ([`Proto::is_leaf`]), as `wirelens phs` documents.
//!
//! Tables known to differ from tshark, with the reason (a tunnel our dissector does not
//! decapsulate, say), are listed in tests/golden/stats/KNOWN_DIFFERENCES (the harness's
//! format, the table in the field column). Those must still differ: a listed table that
//! stops differing fails the test.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;
use wirelens_core::ingest::wire::Proto;
use wirelens_tests::{wirelens_json, Golden, JsonGolden};

/// An address as text in one spelling: tshark and Rust write some IPv6 addresses
/// differently (IPv4-mapped ones, say).
fn address(v: &Value) -> String {
    let s = v.as_str().unwrap_or_default();
    s.parse::<IpAddr>()
        .map_or_else(|_| s.to_ascii_lowercase(), |ip| ip.to_string())
}

/// How one table compared: rows tshark has, rows identical, and what differed.
#[derive(Default)]
struct Outcome {
    rows: usize,
    identical: usize,
    diffs: Vec<String>,
}

const CONV_COUNTS: [&str; 4] = ["frames_ab", "bytes_ab", "frames_ba", "bytes_ba"];
const ENDPOINT_COUNTS: [&str; 6] = [
    "packets",
    "bytes",
    "tx_packets",
    "tx_bytes",
    "rx_packets",
    "rx_bytes",
];

fn close(want: &Value, got: &Value) -> bool {
    let (a, b) = (
        want.as_f64().unwrap_or(f64::NAN),
        got.as_f64().unwrap_or(f64::NAN),
    );
    // tshark prints 9 decimals; large relative times also lose float precision.
    (a - b).abs() <= 2e-9 + a.abs() * 4e-16
}

/// Rows compared by key, then their order (both list rows in order of first frame).
fn compare_rows(
    want: &[Value],
    got: &[&Value],
    key: impl Fn(&Value) -> String,
    row_diffs: impl Fn(&Value, &Value) -> Vec<String>,
) -> Outcome {
    let mut o = Outcome {
        rows: want.len(),
        ..Outcome::default()
    };
    let index: HashMap<String, &Value> = got.iter().map(|g| (key(g), *g)).collect();
    for w in want {
        let k = key(w);
        match index.get(&k) {
            None => o.diffs.push(format!("{k}: tshark has it, we do not")),
            Some(g) => {
                let d = row_diffs(w, g);
                if d.is_empty() {
                    o.identical += 1;
                }
                o.diffs.extend(d.into_iter().map(|d| format!("{k}: {d}")));
            }
        }
    }
    let wanted: std::collections::HashSet<String> = want.iter().map(&key).collect();
    for g in got.iter().filter(|g| !wanted.contains(&key(g))) {
        o.diffs
            .push(format!("{}: we have it, tshark does not", key(g)));
    }
    if o.diffs.is_empty() && !want.iter().map(&key).eq(got.iter().map(|g| key(g))) {
        o.diffs
            .push("rows are in another order than tshark's first frames".into());
    }
    o
}

fn compare_conv(want: &[Value], got: &[&Value]) -> Outcome {
    // A conversation is the unordered address pair; A and B are then compared as fields.
    let key = |r: &Value| {
        let mut pair = [address(&r["a"]), address(&r["b"])];
        pair.sort();
        format!("{} <-> {}", pair[0], pair[1])
    };
    compare_rows(want, got, key, |w, g| {
        let mut d = Vec::new();
        if (address(&w["a"]), address(&w["b"])) != (address(&g["a"]), address(&g["b"])) {
            d.push(format!(
                "side A is {} for tshark, {} for us",
                w["a"], g["a"]
            ));
        }
        for k in CONV_COUNTS {
            if w[k] != g[k] {
                d.push(format!("{k} tshark {} ours {}", w[k], g[k]));
            }
        }
        for k in ["rel_start", "duration"] {
            if !close(&w[k], &g[k]) {
                d.push(format!("{k} tshark {} ours {}", w[k], g[k]));
            }
        }
        d
    })
}

fn compare_endpoints(want: &[Value], got: &[&Value]) -> Outcome {
    let key = |r: &Value| match r.get("port") {
        Some(p) => format!("{} port {p}", address(&r["address"])),
        None => address(&r["address"]),
    };
    compare_rows(want, got, key, |w, g| {
        ENDPOINT_COUNTS
            .iter()
            .filter(|k| w[**k] != g[**k])
            .map(|k| format!("{k} tshark {} ours {}", w[*k], g[*k]))
            .collect()
    })
}

/// Nodes of a hierarchy as (path, frames, bytes), in tree order.
fn flatten(nodes: &Value, prefix: &str, out: &mut Vec<(String, Value, Value)>) {
    for n in nodes.as_array().into_iter().flatten() {
        let path = format!("{prefix}{}", n["protocol"].as_str().unwrap_or("?"));
        out.push((path.clone(), n["frames"].clone(), n["bytes"].clone()));
        flatten(&n["children"], &format!("{path}:"), out);
    }
}

/// tshark's hierarchy cut where ours ends by design: below every protocol our dissector
/// does not look inside (a transport, `arp`, `gre`, …, or one it does not know).
fn cut(nodes: &Value) -> Value {
    let nodes = nodes.as_array().into_iter().flatten().map(|n| {
        let name = n["protocol"].as_str().unwrap_or_default();
        let leaf = Proto::from_name(name).is_none_or(Proto::is_leaf);
        let mut n = n.clone();
        n["children"] = if name == "udp" {
            // UDP goes on into the tunnels it carries.
            let tunnels: Vec<Value> = n["children"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| {
                    Proto::from_name(c["protocol"].as_str().unwrap_or_default())
                        .is_some_and(Proto::is_udp_tunnel)
                })
                .cloned()
                .collect();
            cut(&Value::Array(tunnels))
        } else if leaf {
            Value::Array(Vec::new())
        } else {
            cut(&n["children"])
        };
        n
    });
    Value::Array(nodes.collect())
}

fn compare_phs(want: &Value, got: &Value) -> Outcome {
    let (mut w, mut g) = (Vec::new(), Vec::new());
    flatten(&cut(want), "", &mut w);
    flatten(got, "", &mut g);
    let mut o = Outcome {
        rows: w.len(),
        ..Outcome::default()
    };
    for (path, frames, bytes) in &w {
        match g.iter().find(|(p, ..)| p == path) {
            None => o.diffs.push(format!("{path}: tshark has it, we do not")),
            Some((_, f, b)) if (f, b) != (frames, bytes) => o.diffs.push(format!(
                "{path}: tshark frames {frames} bytes {bytes}, ours frames {f} bytes {b}"
            )),
            Some(_) => o.identical += 1,
        }
    }
    for (path, ..) in g.iter().filter(|(p, ..)| !w.iter().any(|(q, ..)| q == p)) {
        o.diffs.push(format!("{path}: we have it, tshark does not"));
    }
    if o.diffs.is_empty() && w != g {
        o.diffs
            .push("children are in another order than tshark's".into());
    }
    o
}

/// Every table of one capture, by name (`conv.eth`, …, `phs`).
fn compare_capture(expected: &Value, path: &Path) -> Result<BTreeMap<String, Outcome>, String> {
    let conv = wirelens_json(&["conv", "--json", "-t", "eth,ip,ipv6"], path)?;
    let endpoints = wirelens_json(&["endpoints", "--json"], path)?;
    let phs = wirelens_json(&["phs", "--json"], path)?;
    let mut out = BTreeMap::new();
    let rows = |v: &Value, kind: &str| -> Vec<Value> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["proto"] == kind)
            .cloned()
            .collect()
    };
    for kind in ["eth", "ip", "ipv6"] {
        let want = expected["conv"][kind]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let got = rows(&conv, kind);
        out.insert(
            format!("conv.{kind}"),
            compare_conv(&want, &got.iter().collect::<Vec<_>>()),
        );
    }
    for kind in ["eth", "ip", "ipv6", "tcp", "udp"] {
        let want = expected["endpoints"][kind]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let got = rows(&endpoints, kind);
        out.insert(
            format!("endpoints.{kind}"),
            compare_endpoints(&want, &got.iter().collect::<Vec<_>>()),
        );
    }
    out.insert("phs".into(), compare_phs(&expected["phs"], &phs));
    Ok(out)
}

#[test]
fn statistics_equal_tshark() {
    let mut g = Golden::new("stats");
    // Per table: (rows tshark has, rows identical).
    let mut totals: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for JsonGolden {
        entry,
        path,
        expected,
    } in g.json_goldens()
    {
        let entry = entry.as_str();
        let outcomes = match compare_capture(&expected, &path) {
            Ok(o) => o,
            Err(e) => {
                g.fail(format!("{entry}: {e}"));
                continue;
            }
        };
        for (table, o) in &outcomes {
            let t = totals.entry(table.clone()).or_default();
            t.0 += o.rows;
            t.1 += o.identical;
            g.count("rows and hierarchy nodes", o.rows as u64);
            for d in &o.diffs {
                g.differs(entry, "*", table, d);
            }
        }
    }
    for (table, (rows, identical)) in &totals {
        let what = if table == "phs" {
            "hierarchy nodes"
        } else {
            "rows"
        };
        g.note(format!(
            "{table:<15} {identical} of {rows} {what} identical"
        ));
    }
    g.finish();
}
