//! The application goldens (tests/golden/app, made by tests/scripts/make-app-golden.py):
//! one JSON file per capture, one section per protocol tshark dissected there, compared
//! by one runner with `wirelens http|dns|tls --json`, `wirelens follow` and (in
//! `app_golden_kv`) `wirelens memcache|mysql|redis --list --json`.
//!
//! Every value tshark gives is compared and counted; a difference fails the test unless
//! tests/golden/app/KNOWN_DIFFERENCES lists it (capture, frame or `stream N`, check) with
//! the reason tshark and we disagree there.

use crate::app_golden_kv::{compare_memcache, compare_mysql, compare_resp};
use crate::app_golden_modern::{compare_http2, compare_pgsql};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::Path;
use std::process::Command;
use wirelens_tests::harness::need_corpus;
use wirelens_tests::{bin, Golden, JsonGolden};

/// Runs `wirelens ARGS -d RULE… [-o tls.keylog_file:PATH] CAPTURE`.
fn wirelens(args: &[&str], capture: &Path, decode_as: &[String], keylog: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new(bin("wirelens"));
    cmd.args(args);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    if let Some(k) = keylog {
        cmd.args(["-o", k]);
    }
    let out = cmd.arg(capture).output().expect("run wirelens");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "wirelens {args:?} {}: {}",
        capture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn json(args: &[&str], capture: &Path, decode_as: &[String], keylog: Option<&str>) -> Vec<Value> {
    serde_json::from_slice(&wirelens(args, capture, decode_as, keylog))
        .expect("wirelens prints JSON")
}

fn fnv1a64(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in data {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

pub(crate) fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// tshark's 9-decimal time against ours (to the nanosecond).
fn same_time(tshark: &str, ours: &Value) -> bool {
    match (tshark.parse::<f64>(), ours.as_f64()) {
        (Ok(a), Some(b)) => (a - b).abs() < 1.5e-9,
        _ => false,
    }
}

/// Agreement counts per check, and the differences of the capture being compared.
#[derive(Default)]
pub(crate) struct Tally {
    counts: BTreeMap<&'static str, (u64, u64)>,
    notes: BTreeMap<&'static str, u64>,
    /// (check, frame or `stream N`, what differs).
    diffs: Vec<(&'static str, String, String)>,
}

impl Tally {
    fn note(&mut self, what: &'static str) {
        *self.notes.entry(what).or_default() += 1;
    }

    /// Counts one comparison of `what` at frame `at`; keeps the difference when not `ok`.
    pub(crate) fn check(
        &mut self,
        what: &'static str,
        ok: bool,
        at: impl Display,
        detail: impl FnOnce() -> String,
    ) {
        let c = self.counts.entry(what).or_default();
        c.1 += 1;
        if ok {
            c.0 += 1;
        } else {
            self.diffs.push((what, at.to_string(), detail()));
        }
    }
}

fn compare_http(expected: &[Value], ours: &[Value], t: &mut Tally) {
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let (methods, uris) = (strs(&row["method"]), strs(&row["uri"]));
        let mut by_request: Vec<&Value> = ours
            .iter()
            .filter(|o| o["request_frame"].as_u64() == Some(frame))
            .collect();
        for (m, u) in methods.iter().zip(&uris) {
            let pos = by_request
                .iter()
                .position(|o| o["method"] == m.as_str() && o["uri"] == u.as_str());
            t.check("http.request.method/uri", pos.is_some(), frame, || {
                format!("request {m} {u}: ours {by_request:?}")
            });
            if let Some(p) = pos {
                by_request.remove(p);
            }
        }
        let codes = ints(&row["code"]);
        let times = strs(&row["time"]);
        let mut by_response: Vec<&Value> = ours
            .iter()
            .filter(|o| o["response_frame"].as_u64() == Some(frame))
            .collect();
        // tshark gives http.time only to responses it matched with a request, in order.
        let mut times = times.iter();
        for c in &codes {
            let pos = by_response
                .iter()
                .position(|o| o["status"].as_i64() == Some(*c));
            t.check("http.response.code", pos.is_some(), frame, || {
                format!("response {c}: ours {by_response:?}")
            });
            let Some(p) = pos else { continue };
            let o = by_response.remove(p);
            if !row["request_in"].as_array().is_some_and(|a| a.is_empty()) {
                if let Some(tt) = times.next() {
                    t.check("http.time", same_time(tt, &o["time"]), frame, || {
                        format!("http.time tshark {tt} ours {}", o["time"])
                    });
                }
            } else if !o["time"].is_null() {
                // tshark pairs a response only with the newest request of the connection,
                // so the second of two pipelined responses gets no request_in or http.time.
                t.note("http responses tshark leaves unpaired that we pair (pipelining)");
            }
        }
    }
}

fn compare_dns(expected: &[Value], ours: &[Value], t: &mut Tally) {
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let names = strs(&row["name"]);
        let responses: Vec<bool> = row["response"]
            .as_array()
            .map(|a| a.iter().map(|b| b.as_bool() == Some(true)).collect())
            .unwrap_or_default();
        let ids = ints(&row["id"]);
        let mut rcodes = ints(&row["rcode"]).into_iter();
        let mut times = strs(&row["time"]).into_iter();
        let mut used: BTreeSet<usize> = BTreeSet::new();
        for (i, &resp) in responses.iter().enumerate() {
            let name = names.get(i).cloned().unwrap_or_default();
            let id = ids.get(i).copied().unwrap_or(-1);
            let field = if resp {
                "response_frame"
            } else {
                "query_frame"
            };
            // A retransmitted query belongs to the transaction of its first copy.
            let in_frame = |o: &Value| {
                o[field].as_u64() == Some(frame)
                    || !resp
                        && o["retransmission_frames"]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|f| f.as_u64() == Some(frame)))
            };
            let pos = ours.iter().enumerate().position(|(k, o)| {
                !used.contains(&k)
                    && in_frame(o)
                    && o["id"].as_i64() == Some(id)
                    && o["name"] == name.as_str()
            });
            t.check(
                if resp {
                    "dns.qry.name (responses)"
                } else {
                    "dns.qry.name (queries)"
                },
                pos.is_some(),
                frame,
                || {
                    format!(
                        "{} id {id} {name}: not found",
                        if resp { "response" } else { "query" }
                    )
                },
            );
            if !resp {
                continue;
            }
            let rcode = rcodes.next();
            let Some(p) = pos else {
                continue;
            };
            used.insert(p);
            let o = &ours[p];
            t.check(
                "dns.flags.rcode",
                rcode.is_some() && o["rcode"].as_i64() == rcode,
                frame,
                || format!("rcode tshark {rcode:?} ours {}", o["rcode"]),
            );
            if !o["time"].is_null() || times.len() > 0 {
                // tshark gives dns.time only to responses it matched with a query.
                if let Some(tt) = times.next() {
                    t.check("dns.time", same_time(&tt, &o["time"]), frame, || {
                        format!("dns.time tshark {tt} ours {}", o["time"])
                    });
                } else {
                    t.check("dns.time", false, frame, || {
                        format!("dns.time: tshark none, ours {}", o["time"])
                    });
                }
            }
        }
    }
    // Every query of ours is a frame tshark calls DNS (mDNS and LLMNR included; NetBIOS
    // name service, on UDP 137, is tshark's nbns).
    let frames: BTreeSet<u64> = expected
        .iter()
        .filter_map(|row| row["frame"].as_u64())
        .collect();
    for o in ours {
        let Some(q) = o["query_frame"].as_u64() else {
            continue;
        };
        t.check("dns queries", frames.contains(&q), q, || {
            format!("our query {} is not a dns frame of tshark's", o["name"])
        });
    }
}

fn compare_tls(expected: &[Value], ours: &[Value], t: &mut Tally) {
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let sni = strs(&row["sni"]);
        let o = ours
            .iter()
            .find(|o| o["client_hello_frame"].as_u64() == Some(frame));
        let ok = o.is_some_and(|o| match sni.first() {
            Some(s) => o["sni"] == s.as_str(),
            None => o["sni"].is_null(),
        });
        t.check("tls.handshake.extensions_server_name", ok, frame, || {
            format!("sni tshark {sni:?} ours {o:?}")
        });
    }
}

fn compare_follow(capture: &Path, expected: &Value, t: &mut Tally) {
    for proto in ["tcp", "udp"] {
        for row in expected[proto].as_array().into_iter().flatten() {
            let stream = row["stream"].as_u64().unwrap_or(0).to_string();
            let mode = row["mode"].as_str().unwrap_or("raw");
            let mut args = vec!["follow", &stream, "-t", proto];
            match mode {
                "raw" => args.push("--raw"),
                "hex" => args.push("--hex"),
                _ => {}
            }
            let out = wirelens(&args, capture, &[], None);
            let ok = row["len"].as_u64() == Some(out.len() as u64)
                && row["fnv1a64"] == fnv1a64(&out).as_str();
            let what = match (proto, mode) {
                ("tcp", "raw") => "follow,tcp,raw",
                ("tcp", "ascii") => "follow,tcp,ascii",
                ("tcp", _) => "follow,tcp,hex",
                (_, "raw") => "follow,udp,raw",
                (_, "ascii") => "follow,udp,ascii",
                _ => "follow,udp,hex",
            };
            t.check(what, ok, format!("stream {stream}"), || {
                format!(
                    "{} bytes, tshark {}; compare with tshark -q -z follow,{proto},{mode},{stream}",
                    out.len(),
                    row["len"]
                )
            });
        }
    }
}

#[test]
fn application_fields_and_follow_equal_tshark() {
    let mut g = Golden::new("app");
    let mut t = Tally::default();
    for JsonGolden {
        entry,
        path,
        expected,
    } in g.json_goldens()
    {
        let entry = entry.as_str();
        let decode_as: Vec<String> = strs(&expected["decode_as"]);
        // A TLS key log, given to wirelens as tshark had it (`-o tls.keylog_file:PATH`).
        let keylog = expected["keylog"].as_str().map(|k| {
            format!(
                "tls.keylog_file:{}",
                wirelens_tests::repo_root().join(k).display()
            )
        });
        let none = Vec::new();
        for (section, rows) in expected.as_object().expect("golden is an object") {
            let rows_of = |v: &Value| v.as_array().unwrap_or(&none).clone();
            let ours = |args: &[&str]| json(args, &path, &decode_as, keylog.as_deref());
            match section.as_str() {
                "capture" | "decode_as" | "keylog" => {}
                "http2" => compare_http2(&rows_of(rows), &ours(&["http", "--json"]), &mut t),
                "pgsql" => compare_pgsql(
                    &rows_of(rows),
                    &ours(&["pgsql", "--list", "--json"]),
                    &mut t,
                ),
                "http" => compare_http(&rows_of(rows), &ours(&["http", "--json"]), &mut t),
                "dns" => compare_dns(&rows_of(rows), &ours(&["dns", "--json"]), &mut t),
                "tls" => compare_tls(&rows_of(rows), &ours(&["tls", "--json"]), &mut t),
                "follow" => compare_follow(&path, rows, &mut t),
                "memcache" => compare_memcache(
                    &rows_of(rows),
                    &ours(&["memcache", "--list", "--json"]),
                    &mut t,
                ),
                "mysql" => compare_mysql(
                    &rows_of(rows),
                    &ours(&["mysql", "--list", "--json"]),
                    &mut t,
                ),
                "resp" => compare_resp(
                    &rows_of(rows),
                    &ours(&["redis", "--list", "--json"]),
                    &mut t,
                ),
                other => g.fail(format!("{entry}: unknown section {other:?}")),
            }
        }
        for (what, at, detail) in t.diffs.drain(..) {
            g.differs(entry, at, what, detail);
        }
    }
    g.count("values", t.counts.values().map(|c| c.1).sum());
    for (what, (ok, all)) in &t.counts {
        g.note(format!("{what}: {ok} of {all} equal"));
    }
    for (what, n) in &t.notes {
        g.note(format!("{what}: {n}"));
    }
    g.finish();
}

/// The reassembled bytes of every conversation PcapPlusPlus's TCP reassembly tests have an
/// expected output for (in ../shared/corpus/PcapPlusPlus): our `Reassembler`'s data,
/// both sides in delivery order (or one side, for the `_sides` files), must equal it.
#[test]
fn reassembly_equals_pcapplusplus_outputs() {
    use wirelens_core::capture::flow::{Direction, L4};
    use wirelens_core::ingest::reassembly::{Reassembler, StreamEvent};
    use wirelens_core::ingest::wire::{self, Transport};

    let Some(corpus) = need_corpus("reassembly_equals_pcapplusplus_outputs") else {
        return;
    };
    let corpus = corpus.join("PcapPlusPlus");
    /// Expected outputs: file, which side (None: both).
    type Outputs = Vec<(String, Option<usize>)>;
    let cases: Vec<(&str, Outputs)> = vec![
        (
            "pcap/one_tcp_stream.pcap",
            vec![("pcap/one_tcp_stream_output.txt".into(), None)],
        ),
        (
            "pcap/one_http_stream_fin.pcap",
            vec![("pcap/one_http_stream_fin_output.txt".into(), None)],
        ),
        (
            "pcap/one_http_stream_fin2.pcap",
            vec![("pcap/one_http_stream_fin2_output.txt".into(), None)],
        ),
        (
            "pcap/one_http_stream_rst.pcap",
            vec![("pcap/one_http_stream_rst_output.txt".into(), None)],
        ),
        (
            "pcap/one_ipv6_http_stream.pcap",
            vec![("pcap/one_ipv6_http_stream.txt".into(), None)],
        ),
        (
            "pcap/three_http_streams.pcap",
            (1..=3)
                .map(|i| (format!("pcap/three_http_streams_conn_{i}_output.txt"), None))
                .collect(),
        ),
        (
            "examples/tcp-reassembly.pcap",
            vec![
                (
                    "examples/tcpreassembly_sanity/172.16.133.54.64370-23.21.118.18.80.txt".into(),
                    None,
                ),
                (
                    "examples/tcpreassembly_sides/172.16.133.54.64370-23.21.118.18.80.txt".into(),
                    Some(0),
                ),
                (
                    "examples/tcpreassembly_sides/23.21.118.18.80-172.16.133.54.64370.txt".into(),
                    Some(1),
                ),
            ],
        ),
        (
            "examples/http-packets.pcap",
            std::fs::read_dir(corpus.join("examples/tcpreassembly_multiple_streams"))
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| {
                            (
                                format!(
                                    "examples/tcpreassembly_multiple_streams/{}",
                                    e.file_name().to_string_lossy()
                                ),
                                None,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
    ];
    let (mut equal, mut all, mut failures) = (0, 0, Vec::new());
    for (capture, expected) in cases {
        let bytes = std::fs::read(corpus.join(capture)).expect("read the capture");
        let c = wirelens_core::ingest::ingest_bytes(capture, &bytes);
        // Per conversation: all data in delivery order, and per side.
        let mut streams: Vec<(Vec<u8>, [Vec<u8>; 2])> =
            vec![(Vec::new(), [Vec::new(), Vec::new()]); c.conversations.len()];
        let mut r = Reassembler::new();
        let mut take = |e: StreamEvent<'_>| {
            // PcapPlusPlus's example writes a gap as "[N bytes missing]".
            let (conv, dir, bytes) = match e {
                StreamEvent::Data {
                    conv, dir, bytes, ..
                } => (conv, dir, bytes.to_vec()),
                StreamEvent::Gap { conv, dir, len, .. } => {
                    (conv, dir, format!("[{len} bytes missing]").into_bytes())
                }
                StreamEvent::End { .. } => return,
            };
            let s = &mut streams[conv as usize];
            s.0.extend_from_slice(&bytes);
            s.1[dir as usize].extend_from_slice(&bytes);
        };
        for (i, row) in c.packets.iter().enumerate() {
            let Some(conv) = c.conversations.get(row.flow as usize) else {
                continue;
            };
            if conv.proto != L4::Tcp {
                continue;
            }
            let frame = &bytes[row.offset as usize..(row.offset + row.caplen as u64) as usize];
            let s = wire::dissect(c.linktype_of(&row), frame);
            let Transport::Tcp(t) = s.transport else {
                continue;
            };
            let payload = wirelens_core::ingest::app::payload_of(&s, frame, &[]).unwrap_or(&[]);
            let dir = if row.flags & wirelens_core::capture::packet::PacketRow::FLAG_B_TO_A != 0 {
                Direction::BToA
            } else {
                Direction::AToB
            };
            r.segment(row.flow, dir, &t, payload, i as u64, &mut take);
        }
        r.finish(&mut take);
        for (file, side) in expected {
            all += 1;
            let want = std::fs::read(corpus.join(&file)).expect("read the expected output");
            let found = streams.iter().any(|(both, sides)| match side {
                None => *both == want,
                Some(s) => sides[s] == want,
            });
            if found {
                equal += 1;
            } else {
                failures.push(format!(
                    "{capture}: no conversation reassembles to {file} ({} bytes)",
                    want.len()
                ));
            }
        }
    }
    eprintln!("reassembly vs PcapPlusPlus: {equal} of {all} expected outputs equal");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
