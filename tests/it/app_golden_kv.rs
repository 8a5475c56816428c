//! The memcache, mysql and resp sections of the application goldens (tests/golden/app,
//! made by tests/scripts/make-app-golden.py; the runner is in `app_golden`):
//! `wirelens memcache|mysql|redis --list --json` against tshark 4.0.
//!
//! Each value tshark gives is looked for in our transactions on the same frame (a
//! request's last frame, a response's last frame: where tshark's reassembly completes a
//! PDU), and each of our commands is looked for in tshark's frames. Every comparison is
//! counted (per check, as the field column of KNOWN_DIFFERENCES names it).

use crate::app_golden::{ints, strs, Tally};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
        .collect()
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

pub(crate) fn compare_memcache(expected: &[Value], ours: &[Value], t: &mut Tally) {
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
                t.check("memcache.opcode", found.is_some(), frame, || {
                    format!("opcode {op}: ours {mine:?}")
                });
                let Some(o) = found else { continue };
                let our_keys = o["keys"].as_array().cloned().unwrap_or_default();
                if let Some(k) = keys.get(i) {
                    let ok = our_keys.iter().any(|ok| ok["key"] == k.as_str());
                    t.check("memcache.key", ok, frame, || {
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
                    t.check("memcache.value.length", ours_len == len, frame, || {
                        format!("value length {len}: ours {ours_len}")
                    });
                }
                if !request {
                    if let Some(&st) = ints(&row["status"]).get(i) {
                        t.check(
                            "memcache.status",
                            o["status_code"].as_i64() == Some(st),
                            frame,
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
                "memcache stats lines",
                n == stats && n == commands.len() as u64,
                frame,
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
                t.check("memcache.command", ok, frame, || {
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
                t.check("memcache.key", ok, frame, || {
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
                t.check("memcache.value.length", ok, frame, || {
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
                t.check("memcache.key", ok, frame, || {
                    format!("reply key {k}: ours {hits:?}")
                });
            }
            for l in &lengths {
                let ok = take(&mut our_lengths, l);
                t.check("memcache.value.length", ok, frame, || {
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
        t.check("memcache request also in tshark", ok, frame, || {
            format!("ours only: {} {:?}", o["command"], o["keys"])
        });
    }
}

pub(crate) fn compare_mysql(expected: &[Value], ours: &[Value], t: &mut Tally) {
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
            t.check("mysql.query", ok, frame, || {
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
            t.check("mysql.error_code", ok, frame, || {
                format!("error code {c}: ours {mine:?}")
            });
        }
    }
    for o in ours {
        if matches!(o["command_code"].as_i64(), Some(3 | 22)) {
            let frame = o["request_frame"].as_u64().unwrap_or(0);
            let ok = tshark_queries.contains(&frame);
            t.check("mysql query also in tshark", ok, frame, || {
                format!("ours only: {}", o["query"])
            });
        }
        if o["error_code"].is_number() {
            let frame = o["response_frame"].as_u64().unwrap_or(0);
            let ok = tshark_errors.contains(&frame);
            t.check("mysql error also in tshark", ok, frame, || {
                format!("ours only: {}", o["error_code"])
            });
        }
    }
}

pub(crate) fn compare_resp(expected: &[Value], ours: &[Value], t: &mut Tally) {
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
            t.check("resp commands (bulk strings)", same, frame, || {
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
                t.check("resp.error", ok, frame, || {
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
        t.check("resp command also in tshark", ok, frame, || {
            format!(
                "ours only: {} {:?}{}",
                o["command"],
                strs(&o["args"]),
                if o["inline"] == true { " (inline)" } else { "" }
            )
        });
    }
}
