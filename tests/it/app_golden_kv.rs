//! `wirelens memcache|mysql|redis --list --json` against tshark 4.0 (tests/golden/app/kv,
//! made by tests/scripts/make-app-golden-kv.py).
//!
//! Each value tshark gives is looked for in our transactions on the same frame (a
//! request's last frame, a response's last frame: where tshark's reassembly completes a
//! PDU), and each of our commands is looked for in tshark's frames. Every comparison is
//! counted; a difference fails the test unless tests/golden/app/kv/KNOWN_DIFFERENCES
//! lists it (golden file, check, frame) with the reason tshark and we disagree there.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use wirelens_tests::{bin, capture_path, golden_files, repo_root};

fn ours(command: &str, capture: &Path, decode_as: &[String]) -> Vec<Value> {
    let mut cmd = Command::new(bin("wirelens"));
    cmd.args([command, "--list", "--json"]);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    let out = cmd.arg(capture).output().expect("run wirelens");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "wirelens {command} {}: {}",
        capture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("wirelens prints JSON")
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Agreement counts per check, and the differences.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<&'static str, (u64, u64)>,
    diffs: Vec<(String, &'static str, u64, String)>,
}

impl Tally {
    fn check(
        &mut self,
        golden: &str,
        what: &'static str,
        frame: u64,
        ok: bool,
        detail: impl FnOnce() -> String,
    ) {
        let c = self.counts.entry(what).or_default();
        c.1 += 1;
        if ok {
            c.0 += 1;
        } else {
            self.diffs.push((golden.to_string(), what, frame, detail()));
        }
    }
}

/// Our rows by the frame in `field`.
struct ByFrame<'a>(BTreeMap<u64, Vec<&'a Value>>);

impl<'a> ByFrame<'a> {
    fn new(rows: &'a [Value], field: &str) -> Self {
        let mut m: BTreeMap<u64, Vec<&'a Value>> = BTreeMap::new();
        for r in rows {
            if let Some(f) = r[field].as_u64() {
                m.entry(f).or_default().push(r);
            }
        }
        ByFrame(m)
    }

    fn get(&self, frame: u64) -> Vec<&'a Value> {
        self.0.get(&frame).cloned().unwrap_or_default()
    }
}

/// Removes `want` from `pool` if there; says whether it was.
fn take<T: PartialEq>(pool: &mut Vec<T>, want: &T) -> bool {
    match pool.iter().position(|x| x == want) {
        Some(i) => {
            pool.remove(i);
            true
        }
        None => false,
    }
}

fn compare_memcache(g: &str, expected: &[Value], ours: &[Value], t: &mut Tally) {
    let requests = ByFrame::new(ours, "request_frame");
    let responses = ByFrame::new(ours, "response_frame");
    // Requests tshark dissected, per frame: our requests are looked for there.
    let mut tshark_requests: BTreeMap<u64, usize> = BTreeMap::new();
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let magic = ints(&row["magic"]);
        let commands = strs(&row["command"]);
        let keys = strs(&row["key"]);
        let lengths = ints(&row["value_length"]);
        if let Some(&m) = magic.first() {
            // Binary: opcode, key, value length, status.
            let request = m == 128;
            if request {
                *tshark_requests.entry(frame).or_default() += ints(&row["opcode"]).len();
            }
            let mine = if request {
                requests.get(frame)
            } else {
                responses.get(frame)
            };
            for (i, op) in ints(&row["opcode"]).iter().enumerate() {
                let found = mine.iter().find(|o| o["opcode"].as_i64() == Some(*op));
                t.check(g, "memcache.opcode", frame, found.is_some(), || {
                    format!("opcode {op}: ours {mine:?}")
                });
                let Some(o) = found else { continue };
                let our_keys = o["keys"].as_array().cloned().unwrap_or_default();
                if let Some(k) = keys.get(i) {
                    let ok = our_keys.iter().any(|ok| ok["key"] == k.as_str());
                    t.check(g, "memcache.key", frame, ok, || {
                        format!("key {k}: ours {our_keys:?}")
                    });
                }
                if let Some(&len) = lengths.get(i) {
                    // tshark's value.length is the body past extras and key: the value sent,
                    // the value found, or an error reply's text.
                    let value = our_keys
                        .iter()
                        .filter(|k| {
                            if request {
                                k["hit"].is_null()
                            } else {
                                k["hit"].as_bool() == Some(true)
                            }
                        })
                        .find_map(|k| k["value_len"].as_i64());
                    let message = if request {
                        None
                    } else {
                        o["message"].as_str().map(|m| m.len() as i64)
                    };
                    let ours_len = value.or(message).unwrap_or(0);
                    t.check(g, "memcache.value.length", frame, ours_len == len, || {
                        format!("value length {len}: ours {ours_len}")
                    });
                }
                if !request {
                    if let Some(&st) = ints(&row["status"]).get(i) {
                        t.check(
                            g,
                            "memcache.status",
                            frame,
                            o["status_code"].as_i64() == Some(st),
                            || format!("status {st}: ours {}", o["status_code"]),
                        );
                    }
                }
            }
            continue;
        }
        if row["client"].as_bool() != Some(true) && !commands.is_empty() {
            // tshark puts the STAT lines of a stats reply in memcache.command: we count them.
            let mine = responses.get(frame);
            let stats: u64 = mine.iter().filter_map(|o| o["stats"].as_u64()).sum();
            let n = commands.iter().filter(|c| *c == "STAT").count() as u64;
            t.check(
                g,
                "memcache stats lines",
                frame,
                n == stats && n == commands.len() as u64,
                || format!("tshark {commands:?}, ours {stats} lines"),
            );
            continue;
        }
        if !commands.is_empty() {
            // A text request.
            *tshark_requests.entry(frame).or_default() += commands.len();
            let mine = requests.get(frame);
            let mut our_commands: Vec<String> = mine
                .iter()
                .map(|o| o["command"].as_str().unwrap_or("").to_string())
                .collect();
            for c in &commands {
                let ok = take(&mut our_commands, c);
                t.check(g, "memcache.command", frame, ok, || {
                    format!("command {c}: ours {mine:?}")
                });
            }
            let mut our_keys: Vec<String> = mine
                .iter()
                .flat_map(|o| o["keys"].as_array().cloned().unwrap_or_default())
                .map(|k| k["key"].as_str().unwrap_or("").to_string())
                .collect();
            for k in &keys {
                let ok = take(&mut our_keys, k);
                t.check(g, "memcache.key", frame, ok, || {
                    format!("request key {k}: ours {mine:?}")
                });
            }
            let mut our_lengths: Vec<i64> = mine
                .iter()
                .flat_map(|o| o["keys"].as_array().cloned().unwrap_or_default())
                .filter(|k| k["hit"].is_null())
                .filter_map(|k| k["value_len"].as_i64())
                .collect();
            for l in &lengths {
                let ok = take(&mut our_lengths, l);
                t.check(g, "memcache.value.length", frame, ok, || {
                    format!("request value length {l}: ours {mine:?}")
                });
            }
        } else {
            // A text reply: the keys of its VALUE lines and their lengths.
            let mine = responses.get(frame);
            let hits: Vec<(String, i64)> = mine
                .iter()
                .flat_map(|o| o["keys"].as_array().cloned().unwrap_or_default())
                .filter(|k| k["hit"].as_bool() == Some(true) && k["value_len"].is_u64())
                .map(|k| {
                    (
                        k["key"].as_str().unwrap_or("").to_string(),
                        k["value_len"].as_i64().unwrap_or(-1),
                    )
                })
                .collect();
            let mut our_keys: Vec<String> = hits.iter().map(|h| h.0.clone()).collect();
            let mut our_lengths: Vec<i64> = hits.iter().map(|h| h.1).collect();
            for k in &keys {
                let ok = take(&mut our_keys, k);
                t.check(g, "memcache.key", frame, ok, || {
                    format!("reply key {k}: ours {hits:?}")
                });
            }
            for l in &lengths {
                let ok = take(&mut our_lengths, l);
                t.check(g, "memcache.value.length", frame, ok, || {
                    format!("reply value length {l}: ours {hits:?}")
                });
            }
        }
    }
    // Our requests where tshark saw none (or fewer).
    for o in ours {
        let Some(frame) = o["request_frame"].as_u64() else {
            continue;
        };
        let left = tshark_requests.entry(frame).or_default();
        let ok = *left > 0;
        *left = left.saturating_sub(1);
        t.check(g, "memcache request also in tshark", frame, ok, || {
            format!("ours only: {} {:?}", o["command"], o["keys"])
        });
    }
}

fn compare_mysql(g: &str, expected: &[Value], ours: &[Value], t: &mut Tally) {
    let requests = ByFrame::new(ours, "request_frame");
    let responses = ByFrame::new(ours, "response_frame");
    let mut tshark_queries: BTreeSet<u64> = BTreeSet::new();
    let mut tshark_errors: BTreeSet<u64> = BTreeSet::new();
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let queries = strs(&row["query"]);
        if !queries.is_empty() {
            tshark_queries.insert(frame);
        }
        let mine = requests.get(frame);
        let mut our_queries: Vec<String> = mine
            .iter()
            .filter(|o| matches!(o["command_code"].as_i64(), Some(3 | 22)))
            .filter_map(|o| o["query"].as_str().map(str::to_string))
            .collect();
        for q in &queries {
            let ok = take(&mut our_queries, q);
            t.check(g, "mysql.query", frame, ok, || {
                format!("query {q:?}: ours {mine:?}")
            });
        }
        let codes = ints(&row["error_code"]);
        if !codes.is_empty() {
            tshark_errors.insert(frame);
        }
        let mine = responses.get(frame);
        let mut our_codes: Vec<i64> = mine
            .iter()
            .filter_map(|o| o["error_code"].as_i64())
            .collect();
        for c in &codes {
            let ok = take(&mut our_codes, c);
            t.check(g, "mysql.error_code", frame, ok, || {
                format!("error code {c}: ours {mine:?}")
            });
        }
    }
    for o in ours {
        if matches!(o["command_code"].as_i64(), Some(3 | 22)) {
            let frame = o["request_frame"].as_u64().unwrap_or(0);
            let ok = tshark_queries.contains(&frame);
            t.check(g, "mysql query also in tshark", frame, ok, || {
                format!("ours only: {}", o["query"])
            });
        }
        if o["error_code"].is_number() {
            let frame = o["response_frame"].as_u64().unwrap_or(0);
            let ok = tshark_errors.contains(&frame);
            t.check(g, "mysql error also in tshark", frame, ok, || {
                format!("ours only: {}", o["error_code"])
            });
        }
    }
}

fn compare_resp(g: &str, expected: &[Value], ours: &[Value], t: &mut Tally) {
    let requests = ByFrame::new(ours, "request_frame");
    let responses = ByFrame::new(ours, "response_frame");
    let mut tshark_commands: BTreeSet<u64> = BTreeSet::new();
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        if row["client"].as_bool() == Some(true) {
            if row["partial"].as_bool() == Some(true) {
                // tshark shows the start of an array here and the whole of it later.
                continue;
            }
            let bulk = strs(&row["bulk"]);
            let lengths = ints(&row["bulk_length"]);
            if bulk.is_empty() {
                continue;
            }
            tshark_commands.insert(frame);
            // Our commands on this frame, as the bulk strings they were sent as.
            let mine = requests.get(frame);
            let mut sent: Vec<(String, bool)> = Vec::new();
            for o in &mine {
                sent.push((o["command"].as_str().unwrap_or("").to_string(), true));
                sent.extend(strs(&o["args"]).into_iter().map(|a| (a, false)));
                // Arguments past the kept ones: present, not compared.
                let kept = o["args"].as_array().map_or(0, Vec::len) as u64;
                for _ in kept..o["arg_count"].as_u64().unwrap_or(0) {
                    sent.push((String::new(), false));
                }
            }
            let same = bulk.len() == sent.len()
                && bulk
                    .iter()
                    .zip(&lengths)
                    .zip(&sent)
                    .all(|((hex, &len), (s, is_name))| {
                        let b = String::from_utf8_lossy(&unhex(hex)).into_owned();
                        if *is_name {
                            b.eq_ignore_ascii_case(s)
                        } else if s.is_empty() && len > 0 {
                            true
                        } else if (len as usize) > hex.len() / 2 || (len as usize) > 256 {
                            // Both cut: the shorter is a prefix of the longer.
                            s.starts_with(b.trim_end_matches('\u{fffd}'))
                                || b.starts_with(s.as_str())
                        } else {
                            b == *s
                        }
                    });
            t.check(g, "resp commands (bulk strings)", frame, same, || {
                format!(
                    "tshark {:?} ours {:?}",
                    bulk.iter()
                        .map(|h| String::from_utf8_lossy(&unhex(h)).into_owned())
                        .collect::<Vec<_>>(),
                    sent
                )
            });
        } else {
            let errors = strs(&row["error"]);
            let mine = responses.get(frame);
            let mut our_errors: Vec<String> = mine
                .iter()
                .filter_map(|o| o["error"].as_str().map(str::to_string))
                .collect();
            for e in &errors {
                let ok = take(&mut our_errors, e);
                t.check(g, "resp.error", frame, ok, || {
                    format!("error {e:?}: ours {mine:?}")
                });
            }
        }
    }
    for o in ours {
        let Some(frame) = o["request_frame"].as_u64() else {
            continue;
        };
        let ok = tshark_commands.contains(&frame);
        t.check(g, "resp command also in tshark", frame, ok, || {
            format!(
                "ours only: {} {:?}{}",
                o["command"],
                strs(&o["args"]),
                if o["inline"] == true { " (inline)" } else { "" }
            )
        });
    }
}

/// Lines `<golden> <check…> @<frame> <reason…>` from KNOWN_DIFFERENCES (a frame of `*`
/// covers the whole file).
fn known(dir: &Path) -> Vec<(String, String, Option<u64>)> {
    let text = std::fs::read_to_string(dir.join("KNOWN_DIFFERENCES")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (golden, rest) = l.split_once(' ')?;
            let (check, rest) = rest.split_once(" @")?;
            let frame = rest.split_whitespace().next()?;
            Some((golden.to_string(), check.to_string(), frame.parse().ok()))
        })
        .collect()
}

#[test]
fn memcache_mysql_redis_agree_with_tshark() {
    let dir = repo_root().join("tests/golden/app/kv");
    let goldens = golden_files(&dir);
    let known = known(&dir);
    let mut tally = Tally::default();
    let (mut files, mut skipped) = (0, 0);
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
        files += 1;
        let g = golden
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let decode_as = strs(&expected["decode_as"]);
        let empty = Vec::new();
        if let Some(rows) = expected.get("memcache") {
            compare_memcache(
                g,
                rows.as_array().unwrap_or(&empty),
                &ours("memcache", &path, &decode_as),
                &mut tally,
            );
        }
        if let Some(rows) = expected.get("mysql") {
            compare_mysql(
                g,
                rows.as_array().unwrap_or(&empty),
                &ours("mysql", &path, &decode_as),
                &mut tally,
            );
        }
        if let Some(rows) = expected.get("resp") {
            compare_resp(
                g,
                rows.as_array().unwrap_or(&empty),
                &ours("redis", &path, &decode_as),
                &mut tally,
            );
        }
    }
    if skipped > 0 {
        eprintln!("app golden (kv): skipped {skipped} captures: ../shared/corpus is absent");
    }
    let mut explained = 0;
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut unexplained = Vec::new();
    for (g, what, frame, detail) in &tally.diffs {
        let k = known.iter().position(|(kg, kw, kf)| {
            kg == g && kw == what && (kf.is_none() || *kf == Some(*frame))
        });
        match k {
            Some(i) => {
                explained += 1;
                used.insert(i);
            }
            None => unexplained.push(format!("{g} {what} @{frame}: {detail}")),
        }
    }
    eprintln!("app golden (kv): {files} captures compared with tshark 4.0");
    for (what, (ok, all)) in &tally.counts {
        eprintln!("  {what}: {ok} of {all} agree");
    }
    eprintln!("  {explained} differences listed in KNOWN_DIFFERENCES");
    let stale: Vec<_> = known
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, k)| format!("{} {} @{:?}", k.0, k.1, k.2))
        .collect();
    if skipped == 0 {
        assert!(
            stale.is_empty(),
            "KNOWN_DIFFERENCES lines that no longer differ:\n  {}",
            stale.join("\n  ")
        );
    }
    assert!(
        unexplained.is_empty(),
        "{} differences from tshark:\n  {}",
        unexplained.len(),
        unexplained.join("\n  ")
    );
}
