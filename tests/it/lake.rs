//! `wirelens export` and `wirelens pull` (the lake, issue 15), read back by DuckDB (Python's
//! `duckdb`, as a user's engine would read the Parquet):
//! - sessions against tshark's conversations (tests/golden/conv: frames and bytes each
//!   way, ends, duration) and tshark's own `communityid` per tcp.stream / udp.stream;
//! - sessions against `wirelens sessions --json`, transactions against `wirelens http |
//!   dns | memcache | redis | mysql | tls --json` for the same file;
//! - exporting again adds no file and no row; `pull` writes exactly the packets
//!   `tshark -Y "tcp.stream in {…}" -w` writes, with the positions the lake keeps and
//!   with positions cut short (read from the capture);
//! - the README's DuckDB queries run over the lake and answer what the CLI answers;
//! - the files' types and metadata (TIMESTAMP(MICROS, UTC), signed integers, schema
//!   version and seed; rows sorted by start time).
//!
//! Differences explained in tests/golden/lake/KNOWN_DIFFERENCES (against tshark) and
//! tests/golden/lake/cli/KNOWN_DIFFERENCES (against the CLI).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use wirelens_core::ingest::ingest_bytes;
use wirelens_tests::harness::{corpus, duckdb, tshark};
use wirelens_tests::{bin, golden_files, repo_root, Golden};

/// The captures of the shared lake, by sensor: the real-server captures on two sensors,
/// the conversation goldens' captures on a third.
const SERVERS: &[(&str, &str)] = &[
    ("web1", "tests/data/servers/http.pcap"),
    ("web1", "tests/data/servers/mariadb.pcap"),
    ("web1", "tests/data/servers/memcached.pcap"),
    ("web1", "tests/data/servers/dns.pcap"),
    ("web2", "tests/data/servers/memcached-fields.pcap"),
    ("web2", "tests/data/servers/redis.pcap"),
    ("web2", "tests/data/resp/resp-fields.pcap"),
    // wirelens-capture's: processes named in packet comments, the host's addresses.
    ("web2", "tests/golden/sessions/daemon-any.pcapng"),
];

/// A lake written once for the tests that only read it.
struct Lake {
    dir: PathBuf,
    /// Golden entry (`corpus:…` or a path from the root) → capture id.
    ids: BTreeMap<String, String>,
    /// Golden entry → its path.
    paths: BTreeMap<String, PathBuf>,
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirelens-lake-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The conversation goldens' captures that this run has.
fn golden_captures() -> Vec<String> {
    golden_files(&repo_root().join("tests/golden/conv"))
        .iter()
        .map(|g| {
            let v: Value =
                serde_json::from_slice(&std::fs::read(g).expect("golden")).expect("JSON");
            v["capture"].as_str().expect("capture").to_owned()
        })
        .filter(|e| !e.starts_with("corpus:") || corpus().is_some())
        .collect()
}

fn entry_path(entry: &str) -> PathBuf {
    match entry.strip_prefix("corpus:") {
        Some(rest) => corpus().expect("corpus").join(rest),
        None => repo_root().join(entry),
    }
}

/// Runs `wirelens export --json` and returns its report.
fn export(lake: &Path, sensor: &str, files: &[PathBuf], extra: &[&str]) -> Value {
    let out = Command::new(bin("wirelens"))
        .arg("export")
        .args(files)
        .arg("-o")
        .arg(lake)
        .args(["--sensor", sensor, "--json"])
        .args(extra)
        .output()
        .expect("run wirelens export");
    assert!(
        out.status.success(),
        "wirelens export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("export --json")
}

fn shared_lake() -> &'static Lake {
    static LAKE: OnceLock<Lake> = OnceLock::new();
    LAKE.get_or_init(|| {
        // Under the target dir, one a run (the tests that read it end at different times,
        // so none removes it): the next run replaces it.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lake-shared");
        let _ = std::fs::remove_dir_all(&dir);
        let mut ids = BTreeMap::new();
        let mut paths = BTreeMap::new();
        let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for &(sensor, entry) in SERVERS {
            groups.entry(sensor).or_default().push(entry.to_owned());
        }
        groups.insert("lab", golden_captures());
        for (sensor, entries) in groups {
            let files: Vec<PathBuf> = entries.iter().map(|e| entry_path(e)).collect();
            let report = export(&dir, sensor, &files, &[]);
            for (entry, (file, done)) in entries.iter().zip(
                files
                    .iter()
                    .zip(report["captures"].as_array().expect("captures")),
            ) {
                assert_eq!(done["file"].as_str(), Some(file.to_str().unwrap()));
                assert_eq!(done["status"], "exported", "{entry}: {done}");
                ids.insert(
                    entry.clone(),
                    done["capture_id"].as_str().unwrap().to_owned(),
                );
                paths.insert(entry.clone(), file.clone());
            }
        }
        Lake { dir, ids, paths }
    })
}

/// DuckDB's answer to `sql`, a JSON object per row (timestamps and the like as text).
fn duck(sql: &str) -> Vec<Value> {
    const SCRIPT: &str = "import sys, json, duckdb\n\
        r = duckdb.sql(sys.argv[1])\n\
        cols = r.columns\n\
        print(json.dumps([dict(zip(cols, row)) for row in r.fetchall()], default=str))\n";
    let out = Command::new("python3")
        .args(["-c", SCRIPT, sql])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "DuckDB: {sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("DuckDB's JSON")
}

/// `read_parquet` of a table of the lake, as the README writes it.
fn table(lake: &Path, name: &str) -> String {
    format!(
        "read_parquet('{}/{name}/*/*/*.parquet', hive_partitioning = true)",
        lake.display()
    )
}

/// Rows of a table grouped by capture id.
fn by_capture(rows: Vec<Value>) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in rows {
        out.entry(r["capture_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(r);
    }
    out
}

fn end(h: &Value, p: &Value) -> (String, u64) {
    (
        h.as_str().unwrap_or_default().to_owned(),
        p.as_u64().unwrap_or(u64::MAX),
    )
}

#[test]
fn lake_sessions_equal_tshark_conversations_and_community_ids() {
    if !duckdb("lake_sessions_equal_tshark_conversations_and_community_ids")
        || !tshark("lake_sessions_equal_tshark_conversations_and_community_ids")
    {
        return;
    }
    let lake = shared_lake();
    let rows = by_capture(duck(&format!(
        "SELECT capture_id, proto, stream, id, orig_pkts, resp_pkts, orig_frame_bytes, \
         resp_frame_bytes, duration, community_id FROM {}",
        table(&lake.dir, "sessions")
    )));
    let mut g = Golden::new("lake");
    for golden in golden_files(&repo_root().join("tests/golden/conv")) {
        let want: Value = serde_json::from_slice(&std::fs::read(&golden).unwrap()).unwrap();
        let entry = want["capture"].as_str().unwrap();
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let id = &lake.ids[entry];
        let ours = rows.get(id).map(Vec::as_slice).unwrap_or_default();
        let mut want_n = 0;
        for proto in ["tcp", "udp"] {
            for w in want[proto].as_array().unwrap() {
                want_n += 1;
                let stream = w["stream"].as_u64().unwrap();
                let at = format!("{proto} stream {stream}");
                let Some(o) = ours
                    .iter()
                    .find(|o| o["proto"] == proto && o["stream"].as_u64() == Some(stream))
                else {
                    g.differs(entry, &at, "sessions", "not in the lake");
                    continue;
                };
                g.count("sessions", 1);
                let (a, b) = (end(&w["a"], &w["port_a"]), end(&w["b"], &w["port_b"]));
                let orig = end(&o["id"]["orig_h"], &o["id"]["orig_p"]);
                let resp = end(&o["id"]["resp_h"], &o["id"]["resp_p"]);
                let ab = (orig.clone(), resp.clone()) == (a.clone(), b.clone());
                if !ab && (orig.clone(), resp.clone()) != (b.clone(), a.clone()) {
                    g.differs(
                        entry,
                        &at,
                        "id",
                        format!("tshark {a:?} {b:?}, lake {orig:?} {resp:?}"),
                    );
                    continue;
                }
                let (fo, bo, fr, br) = if ab {
                    ("frames_ab", "bytes_ab", "frames_ba", "bytes_ba")
                } else {
                    ("frames_ba", "bytes_ba", "frames_ab", "bytes_ab")
                };
                for (theirs, col) in [
                    (fo, "orig_pkts"),
                    (bo, "orig_frame_bytes"),
                    (fr, "resp_pkts"),
                    (br, "resp_frame_bytes"),
                ] {
                    g.count("values", 1);
                    if w[theirs] != o[col] {
                        g.differs(
                            entry,
                            &at,
                            col,
                            format!("tshark {} lake {}", w[theirs], o[col]),
                        );
                    }
                }
                let (dw, dl) = (
                    w["duration"].as_f64().unwrap(),
                    o["duration"].as_f64().unwrap(),
                );
                g.count("values", 1);
                if (dw - dl).abs() > 1e-6 {
                    g.differs(entry, &at, "duration", format!("tshark {dw} lake {dl}"));
                }
            }
        }
        if ours.len() != want_n {
            g.differs(
                entry,
                "*",
                "sessions",
                format!("tshark has {want_n} conversations, the lake {}", ours.len()),
            );
        }
        // tshark's Community ID: the first frame of each stream that is not an ICMP error
        // (those quote another packet's header).
        let out = Command::new("tshark")
            .args(["-n", "--enable-protocol", "communityid", "-r"])
            .arg(&path)
            .args(["-T", "fields", "-E", "occurrence=l"])
            .args(["-e", "tcp.stream", "-e", "udp.stream", "-e", "communityid"])
            .args(["-e", "icmp.type", "-e", "icmpv6.type"])
            .output()
            .expect("run tshark");
        let mut theirs: BTreeMap<(&str, u64), String> = BTreeMap::new();
        let text = String::from_utf8_lossy(&out.stdout);
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 5 || !f[3].is_empty() || !f[4].is_empty() || f[2].is_empty() {
                continue;
            }
            let key = match (f[0].parse::<u64>(), f[1].parse::<u64>()) {
                (Ok(s), _) => ("tcp", s),
                (_, Ok(s)) => ("udp", s),
                _ => continue,
            };
            theirs.entry(key).or_insert_with(|| f[2].to_owned());
        }
        for o in ours {
            let key = (o["proto"].as_str().unwrap(), o["stream"].as_u64().unwrap());
            let at = format!("{} stream {}", key.0, key.1);
            g.count("Community IDs", 1);
            match theirs.get(&key) {
                Some(c) if o["community_id"] == c.as_str() => {}
                other => {
                    g.differs(
                        entry,
                        &at,
                        "community_id",
                        format!("tshark {other:?} lake {}", o["community_id"]),
                    );
                }
            }
        }
    }
    g.finish();
}

/// The value of `key` in a JSON object, for comparing a CLI's JSON with a lake row.
fn v<'a>(o: &'a Value, key: &str) -> &'a Value {
    &o[key]
}

#[test]
fn lake_rows_equal_the_cli() {
    if !duckdb("lake_rows_equal_the_cli") {
        return;
    }
    let lake = shared_lake();
    let sessions = by_capture(duck(&format!(
        "SELECT capture_id, proto, stream, id, ts_ns, end_ns, orig_bytes, resp_bytes, pid, \
         comm, initial_rtt_ns, ended, ended_by FROM {} WHERE proto = 'tcp'",
        table(&lake.dir, "sessions")
    )));
    let transactions = by_capture(duck(&format!(
        "SELECT capture_id, service, proto, stream, request_frame, response_frame, method, \
         uri, status_code, command, key, sql, query, rcode_name, server_name FROM {}",
        table(&lake.dir, "transactions")
    )));
    let mut g = Golden::new("lake/cli");
    let mut named = 0;
    for (entry, path) in &lake.paths {
        let Some(path) = g.capture(entry).map(|_| path) else {
            continue;
        };
        let id = &lake.ids[entry];
        let cli = |args: &[&str]| -> Value {
            let out = Command::new(bin("wirelens"))
                .args(args)
                .arg(path)
                .output()
                .expect("run wirelens");
            serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
        };
        // Sessions: `wirelens sessions --json` (TCP, tcplife's view).
        let ours = sessions.get(id).map(Vec::as_slice).unwrap_or_default();
        let theirs = cli(&["sessions", "--json"]);
        let theirs = theirs.as_array().map(Vec::as_slice).unwrap_or_default();
        if theirs.len() != ours.len() {
            g.differs(
                entry,
                "*",
                "sessions",
                format!(
                    "sessions --json has {}, the lake {}",
                    theirs.len(),
                    ours.len()
                ),
            );
        }
        for t in theirs {
            let stream = t["stream"].as_u64();
            let at = format!("tcp stream {}", stream.unwrap_or(u64::MAX));
            let Some(o) = ours.iter().find(|o| o["stream"].as_u64() == stream) else {
                g.differs(entry, &at, "sessions", "not in the lake");
                continue;
            };
            g.count("CLI sessions", 1);
            if !t["pid"].is_null() {
                g.count("sessions with a process", 1);
                named += 1;
            }
            let local = end(&t["laddr"], &t["lport"]);
            let orig = end(&o["id"]["orig_h"], &o["id"]["orig_p"]);
            let (tx, rx) = if local == orig {
                ("orig_bytes", "resp_bytes")
            } else {
                ("resp_bytes", "orig_bytes")
            };
            for (k, col) in [
                ("start_ns", "ts_ns"),
                ("end_ns", "end_ns"),
                ("tx_bytes", tx),
                ("rx_bytes", rx),
                ("pid", "pid"),
                ("comm", "comm"),
                ("initial_rtt_ns", "initial_rtt_ns"),
                ("end", "ended"),
            ] {
                g.count("values", 1);
                if v(t, k) != v(o, col) {
                    g.differs(entry, &at, col, format!("CLI {} lake {}", t[k], o[col]));
                }
            }
        }
        // Transactions: each protocol's command, keyed by (stream, request frame,
        // response frame), with its main columns.
        let ours = transactions.get(id).map(Vec::as_slice).unwrap_or_default();
        type Key = (String, u64, String, String);
        let mut want: BTreeMap<Key, Vec<Value>> = BTreeMap::new();
        let mut add = |service: &str, t: &Value, req: &str, resp: &str, cols: Vec<Value>| {
            let stream = t["stream"].as_u64().unwrap_or(u64::MAX);
            want.entry((
                service.to_owned(),
                stream,
                t[req].to_string(),
                t[resp].to_string(),
            ))
            .or_default()
            .push(Value::Array(cols));
        };
        let list = |v: Value, key: Option<&str>| -> Vec<Value> {
            let v = match key {
                Some(k) => v[k].clone(),
                None => v,
            };
            v.as_array().cloned().unwrap_or_default()
        };
        for t in list(cli(&["http", "--json"]), None) {
            // A response whose request was not captured: the CLI prints "" where the
            // lake has NULL.
            let none = |k: &str| match t["request_frame"].is_null() && t[k] == "" {
                true => Value::Null,
                false => t[k].clone(),
            };
            let cols = vec![none("method"), none("uri"), t["status"].clone()];
            add("http", &t, "request_frame", "response_frame", cols);
        }
        for t in list(cli(&["memcache", "--json", "--list"]), None) {
            let key = t["keys"][0]["key"].clone();
            add(
                "memcache",
                &t,
                "request_frame",
                "response_frame",
                vec![t["command"].clone(), key],
            );
        }
        for t in list(cli(&["redis", "--json", "--list"]), None) {
            let key = t["keys"][0].clone();
            add(
                "redis",
                &t,
                "request_frame",
                "response_frame",
                vec![t["command"].clone(), key],
            );
        }
        for t in list(cli(&["mysql", "--json"]), Some("transactions")) {
            let cols = vec![t["command"].clone(), t["query"].clone()];
            add("mysql", &t, "request_frame", "response_frame", cols);
        }
        for t in list(cli(&["dns", "--json"]), None) {
            let cols = vec![
                t["transport"].clone(),
                t["name"].clone(),
                t["rcode_name"].clone(),
            ];
            add("dns", &t, "query_frame", "response_frame", cols);
        }
        for t in list(cli(&["tls", "--json"]), None) {
            let cols = vec![t["sni"].clone()];
            add("tls", &t, "client_hello_frame", "server_hello_frame", cols);
        }
        let mut got: BTreeMap<Key, Vec<Value>> = BTreeMap::new();
        for o in ours {
            let service = o["service"].as_str().unwrap_or_default();
            let cols = match service {
                "http" => vec![
                    o["method"].clone(),
                    o["uri"].clone(),
                    o["status_code"].clone(),
                ],
                "memcache" | "redis" => vec![o["command"].clone(), o["key"].clone()],
                "mysql" => vec![o["command"].clone(), o["sql"].clone()],
                "dns" => vec![
                    o["proto"].clone(),
                    o["query"].clone(),
                    o["rcode_name"].clone(),
                ],
                _ => vec![o["server_name"].clone()],
            };
            let stream = o["stream"].as_u64().unwrap_or(u64::MAX);
            got.entry((
                service.to_owned(),
                stream,
                o["request_frame"].to_string(),
                o["response_frame"].to_string(),
            ))
            .or_default()
            .push(Value::Array(cols));
        }
        let keys: BTreeSet<&Key> = want.keys().chain(got.keys()).collect();
        for k in keys {
            let at = format!("{} stream {} frames {} {}", k.0, k.1, k.2, k.3);
            g.count("transactions", 1);
            let (w, o) = (want.get(k), got.get(k));
            if w != o {
                g.differs(entry, &at, &k.0, format!("CLI {w:?} lake {o:?}"));
            }
        }
    }
    // The daemon's capture names the processes: the comparison covered some.
    assert!(named >= 4, "{named} sessions with a process");
    g.finish();
}

/// Every part file of a lake with its size and modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.len(), m.modified().unwrap()));
            }
        }
    }
    out
}

#[test]
fn lake_export_again_adds_nothing() {
    if !duckdb("lake_export_again_adds_nothing") {
        return;
    }
    let dir = scratch("again");
    let lake = dir.join("lake");
    let servers = repo_root().join("tests/data/servers");
    let first = export(&lake, "web1", std::slice::from_ref(&servers), &[]);
    // The directory's README (and the TLS key logs) are passed over, not an error.
    let captures = std::fs::read_dir(&servers)
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            p.extension().is_some_and(|x| x == "pcap" || x == "pcapng")
        })
        .count() as u64;
    assert_eq!(first["exported"], captures, "{first}");
    let count = || {
        duck(&format!(
            "SELECT (SELECT count(*) FROM {}) AS s, (SELECT count(*) FROM {}) AS t, \
             (SELECT count(*) FROM {}) AS c",
            table(&lake, "sessions"),
            table(&lake, "transactions"),
            table(&lake, "captures")
        ))
    };
    let before = count();
    let files = listing(&lake);
    assert_eq!(before[0]["c"], captures);
    // The same files again (another sensor too), and a copy of one under another name.
    let copy = dir.join("http-copy.pcap");
    std::fs::copy(servers.join("http.pcap"), &copy).unwrap();
    let again = export(&lake, "web1", std::slice::from_ref(&servers), &[]);
    assert_eq!(
        (again["exported"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(captures))
    );
    let other = export(&lake, "web9", &[servers.join("redis.pcap"), copy], &[]);
    assert_eq!(
        (other["exported"].as_u64(), other["skipped"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(count(), before);
    assert_eq!(listing(&lake), files, "a file was added or rewritten");
    // A new capture adds its files and leaves the others as they were.
    let more = export(
        &lake,
        "web1",
        &[repo_root().join("tests/data/three_http_streams.pcap")],
        &[],
    );
    assert_eq!(more["exported"], 1);
    let after = listing(&lake);
    assert!(files.iter().all(|(p, m)| after.get(p) == Some(m)));
    assert_eq!(after.len(), files.len() + 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each packet of a file as our core reads it: time, length on the wire, bytes.
fn packets(path: &Path) -> Vec<(i64, u32, Vec<u8>)> {
    let bytes = std::fs::read(path).expect("read the written file");
    let cap = ingest_bytes(&path.display().to_string(), &bytes);
    assert!(
        cap.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        cap.errors
    );
    cap.packets
        .iter()
        .map(|p| {
            let data = &bytes[p.offset as usize..p.offset as usize + p.caplen as usize];
            (p.ts_ns, p.len, data.to_vec())
        })
        .collect()
}

fn pull(lake: &Path, args: &[&str], out: &Path) -> String {
    let o = Command::new(bin("wirelens"))
        .arg("pull")
        .arg(lake)
        .args(args)
        .arg("-w")
        .arg(out)
        .output()
        .expect("run wirelens pull");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "wirelens pull {args:?}: {err}");
    err
}

#[test]
fn lake_pull_writes_the_packets_tshark_writes() {
    if !duckdb("lake_pull_writes_the_packets_tshark_writes")
        || !tshark("lake_pull_writes_the_packets_tshark_writes")
    {
        return;
    }
    let dir = scratch("pull");
    // (capture, proto, streams): several sessions, UDP, IPv6, a compressed file when the
    // corpus is there.
    let mut cases: Vec<(PathBuf, &str, &[u64])> = vec![
        (
            repo_root().join("tests/data/servers/memcached.pcap"),
            "tcp",
            &[0, 2],
        ),
        (
            repo_root().join("tests/data/servers/http.pcap"),
            "tcp",
            &[1],
        ),
        (
            repo_root().join("tests/data/servers/dns.pcap"),
            "udp",
            &[0, 3, 5],
        ),
        (
            repo_root().join("tests/data/four_ipv6_http_streams.pcap"),
            "tcp",
            &[0, 1, 3],
        ),
    ];
    if let Some(c) = corpus() {
        cases.push((
            c.join("zeek/http/1000-requests-one-dropped-response.pcap.gz"),
            "tcp",
            &[0],
        ));
        cases.push((
            c.join("PcapPlusPlus/pcap/4KHttpRequests.pcap"),
            "tcp",
            &[5, 17, 400],
        ));
    }
    // A lake keeping every position, and one keeping 3 a session (pull then reads the
    // capture for the longer ones).
    for (n, max) in [("all", "10000"), ("cut", "3")] {
        let lake = dir.join(n);
        let files: Vec<PathBuf> = cases.iter().map(|c| c.0.clone()).collect();
        let report = export(&lake, "s1", &files, &["--max-packets", max]);
        for ((path, proto, streams), done) in
            cases.iter().zip(report["captures"].as_array().unwrap())
        {
            let id = done["capture_id"].as_str().unwrap();
            let list: Vec<String> = streams.iter().map(u64::to_string).collect();
            let theirs = dir.join(format!("{n}-{id}-tshark.pcapng"));
            let t = Command::new("tshark")
                .args(["-n", "-r"])
                .arg(path)
                .args(["-Y", &format!("{proto}.stream in {{{}}}", list.join(","))])
                .args(["-F", "pcapng", "-w"])
                .arg(&theirs)
                .output()
                .expect("tshark");
            assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
            let want = packets(&theirs);
            assert!(!want.is_empty());
            let ours = dir.join(format!("{n}-{id}-where.pcapng"));
            let pred = format!(
                "capture_id = '{id}' AND proto = '{proto}' AND stream IN ({})",
                list.join(", ")
            );
            pull(&lake, &["--where", &pred], &ours);
            let got = packets(&ours);
            assert_eq!(got.len(), want.len(), "{} {pred} ({n})", path.display());
            assert!(
                got == want,
                "{} {pred} ({n}): other packets",
                path.display()
            );
            // The same sessions named by a query's answer saved as CSV.
            let csv = dir.join(format!("{n}-{id}.csv"));
            duck(&format!(
                "COPY (SELECT uid FROM {} WHERE {pred}) TO '{}' (FORMAT csv, HEADER)",
                table(&lake, "sessions"),
                csv.display()
            ));
            let from = dir.join(format!("{n}-{id}-from.pcapng"));
            pull(&lake, &["--from", csv.to_str().unwrap()], &from);
            assert!(packets(&from) == want, "--from {}", csv.display());
        }
    }
    // Sessions of several captures: one file, in time order.
    let lake = dir.join("all");
    let out = dir.join("several.pcapng");
    let msg = pull(&lake, &["--where", "service = 'http'"], &out);
    let got = packets(&out);
    assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "{msg}");
    let want: u64 = duck(&format!(
        "SELECT sum(orig_pkts + resp_pkts) AS n FROM {} WHERE service = 'http'",
        table(&lake, "sessions")
    ))[0]["n"]
        .as_u64()
        .unwrap();
    assert_eq!(got.len() as u64, want, "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SQL blocks of the README's lake section, in order.
fn readme_queries() -> Vec<String> {
    sql_blocks(
        "README.md",
        "<!-- lake queries -->",
        "<!-- end lake queries -->",
    )
}

/// A README query made to run over `lake` with this test data's values in place of the
/// README's (each replacement must be in the query, so the README cannot drift).
fn adapt(sql: &str, lake: &Path, replace: &[(&str, &str)]) -> String {
    let mut sql = sql.replace("'lake/", &format!("'{}/", lake.display()));
    for (from, to) in replace {
        assert!(
            sql.contains(from),
            "the README's query lost {from:?}:\n{sql}"
        );
        sql = sql.replace(from, to);
    }
    sql
}

#[test]
fn lake_readme_queries_answer_what_the_cli_answers() {
    if !duckdb("lake_readme_queries_answer_what_the_cli_answers") {
        return;
    }
    let lake = shared_lake();
    let q = readme_queries();
    assert!(
        q.len() >= 3,
        "the README's lake section has {} queries",
        q.len()
    );
    let wl = |args: &[&str], file: &str| -> Value {
        let out = Command::new(bin("wirelens"))
            .args(args)
            .arg(repo_root().join(file))
            .output()
            .expect("run wirelens");
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    // 1. Sessions of a client to MySQL slower than a threshold: the server captures have
    // MariaDB on 23306, from 127.0.0.1, one session of 0.42 s.
    let sql = adapt(
        &q[0],
        &lake.dir,
        &[
            ("'10.1.2.3'", "'127.0.0.1'"),
            ("3306", "23306"),
            ("> 1", "> 0.4"),
        ],
    );
    let got = duck(&sql);
    let sessions = wl(&["sessions", "--json"], "tests/data/servers/mariadb.pcap");
    let want: Vec<&Value> = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["rport"] == 23306 && s["lifespan_ns"].as_i64().unwrap() > 400_000_000)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got.len(), want.len(), "{sql}\n{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["sensor"], "web1");
        assert_eq!(g["orig_bytes"], w["tx_bytes"], "{g}");
        assert_eq!(g["resp_bytes"], w["rx_bytes"], "{g}");
    }
    // 2. Which hosts (sensors) saw a memcached key, and how often.
    let sql = adapt(&q[1], &lake.dir, &[("'session:8f3a'", "'user:1'")]);
    let got = duck(&sql);
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for (entry, path) in &lake.paths {
        let sensor = SERVERS
            .iter()
            .find(|(_, e)| e == entry)
            .map_or("lab", |(s, _)| s);
        let list = wl(&["memcache", "--json", "--list"], path.to_str().unwrap());
        for t in list.as_array().into_iter().flatten() {
            if t["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["key"] == "user:1")
            {
                *want.entry(sensor.to_owned()).or_default() += 1;
            }
        }
    }
    let got: BTreeMap<String, u64> = got
        .iter()
        .map(|r| {
            assert!(r["server"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
            (
                r["sensor"].as_str().unwrap().to_owned(),
                r["transactions"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(want.contains_key("web1"), "{want:?}");
    assert_eq!(got, want, "{sql}");
    // 3. HTTP 5xx per server per minute: the server capture's 500, in the minute of its
    // request.
    let sql = adapt(&q[2], &lake.dir, &[]);
    // (The corpus, on sensor "lab", has 5xx of its own.)
    let got: Vec<Value> = duck(&sql)
        .into_iter()
        .filter(|r| r["sensor"] != "lab")
        .collect();
    let http = wl(&["http", "--json"], "tests/data/servers/http.pcap");
    let errors: Vec<&Value> = http
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"].as_u64().is_some_and(|s| s >= 500))
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(got.len(), 1, "{sql}\n{got:?}");
    assert_eq!(got[0]["errors"], 1);
    assert_eq!(got[0]["sensor"], "web1");
    assert!(
        got[0]["minute"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-23 18:45:00"),
        "{}",
        got[0]
    );
    // The rest run as written.
    let saved = lake.dir.join("slow.csv");
    let saved = format!("'{}'", saved.display());
    for sql in &q[3..] {
        let to: &[(&str, &str)] = match sql.contains("'slow.csv'") {
            true => &[("'slow.csv'", &saved)],
            false => &[],
        };
        duck(&adapt(sql, &lake.dir, to));
    }
}

#[test]
fn lake_files_carry_portable_types_and_their_metadata() {
    if !duckdb("lake_files_carry_portable_types_and_their_metadata") {
        return;
    }
    let lake = shared_lake();
    for t in ["sessions", "transactions", "captures"] {
        let glob = format!("{}/{t}/*/*/*.parquet", lake.dir.display());
        // Types every engine reads: no unsigned integers, timestamps in µs, UTC.
        let cols = duck(&format!(
            "SELECT DISTINCT name, type, logical_type FROM parquet_schema('{glob}') \
             WHERE type IS NOT NULL"
        ));
        for c in &cols {
            let logical = c["logical_type"].as_str().unwrap_or_default();
            assert!(!logical.contains("isSigned=0"), "{t}: {c}");
            if logical.contains("Timestamp") {
                assert!(
                    logical.contains("isAdjustedToUTC=1") && logical.contains("MICROS"),
                    "{t}: {c}"
                );
            }
        }
        let kv = duck(&format!(
            "SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('{glob}')"
        ));
        let files: BTreeSet<&str> = kv
            .iter()
            .map(|r| r["file_name"].as_str().unwrap())
            .collect();
        for f in &files {
            let get = |k: &str| {
                kv.iter()
                    .find(|r| r["file_name"] == *f && r["k"] == k)
                    .map(|r| r["v"].as_str().unwrap().to_owned())
            };
            assert_eq!(get("wirelens.schema_version").as_deref(), Some("1"), "{f}");
            assert_eq!(
                get("wirelens.community_id_seed").as_deref(),
                Some("0"),
                "{f}"
            );
            assert_eq!(get("wirelens.table").as_deref(), Some(t), "{f}");
        }
        assert_eq!(files.len(), listing(&lake.dir.join(t)).len());
    }
    let ts = duck(&format!(
        "SELECT typeof(ts) AS t FROM {} LIMIT 1",
        table(&lake.dir, "sessions")
    ));
    assert_eq!(ts[0]["t"], "TIMESTAMP WITH TIME ZONE");
    // Rows sorted by start time in every file; ts is ts_ns to the µs.
    for t in ["sessions", "transactions"] {
        let bad = duck(&format!(
            "SELECT filename, count(*) AS n FROM (SELECT filename, ts_ns, ts, \
             lag(ts_ns) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev \
             FROM read_parquet('{}/{t}/*/*/*.parquet', filename = true, file_row_number = true)) \
             WHERE prev > ts_ns OR epoch_us(ts) != ts_ns // 1000 GROUP BY filename",
            lake.dir.display()
        ));
        assert!(bad.is_empty(), "{t}: {bad:?}");
    }
}

/// The SQL blocks of a document between two markers.
fn sql_blocks(doc: &str, from: &str, to: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(doc)).expect("the document");
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("{doc} has no {from}"));
    let end = text[start..].find(to).map_or(text.len(), |e| start + e);
    text[start..end]
        .split("```sql\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn lake_ocsf_views_of_the_doc_give_an_event_per_row() {
    if !duckdb("lake_ocsf_views_of_the_doc_give_an_event_per_row") {
        return;
    }
    let lake = shared_lake();
    let views = sql_blocks(
        "docs/LAKE.md",
        "<!-- ocsf queries -->",
        "<!-- end ocsf queries -->",
    );
    assert_eq!(views.len(), 2);
    let mut sql: String = views.iter().map(|v| adapt(v, &lake.dir, &[])).collect();
    sql.push_str(&format!(
        "SELECT (SELECT count(*) FROM ocsf_network_activity) AS events, \
         (SELECT count(*) FROM {s}) AS sessions, \
         (SELECT count(*) FROM ocsf_network_activity n JOIN {s} s \
           ON n.connection_info.uid = s.uid AND n.connection_info.community_uid = s.community_id \
           AND n.traffic.bytes_out = s.orig_bytes AND n.src_endpoint.ip = s.id.orig_h) AS matched, \
         (SELECT count(*) FROM ocsf_network_activity WHERE activity_id NOT IN (2, 3, 4, 5, 6)) AS odd, \
         (SELECT count(*) FROM ocsf_http_activity) AS http_events, \
         (SELECT count(*) FROM {t} WHERE service = 'http') AS http, \
         (SELECT count(*) FROM ocsf_http_activity WHERE http_response.code IS NOT NULL \
           AND connection_info.community_uid LIKE '1:%') AS http_answered, \
         (SELECT count(*) FROM {t} WHERE service = 'http' AND status_code IS NOT NULL) AS answered",
        s = table(&lake.dir, "sessions"),
        t = table(&lake.dir, "transactions"),
    ));
    let r = &duck(&sql)[0];
    assert!(r["sessions"].as_u64().unwrap() > 500, "{r}");
    assert_eq!(r["events"], r["sessions"], "{r}");
    assert_eq!(r["matched"], r["sessions"], "{r}");
    assert_eq!(r["odd"], 0, "{r}");
    assert_eq!(r["http_events"], r["http"], "{r}");
    assert_eq!(r["http_answered"], r["answered"], "{r}");
}

/// ClickHouse's answer (chDB, ClickHouse in-process) to `sql`, a JSON object per row.
fn clickhouse(sql: &str) -> Vec<Value> {
    const SCRIPT: &str = "import sys, chdb\n\
        print(chdb.query(sys.argv[1], 'JSONEachRow'))\n";
    let sql = format!(
        "{} SETTINGS output_format_json_quote_64bit_integers = 0",
        sql.trim().trim_end_matches(';')
    );
    let out = Command::new("python3")
        .args(["-c", SCRIPT, &sql])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "ClickHouse: {sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("ClickHouse's JSON"))
        .collect()
}

#[test]
fn lake_clickhouse_reads_the_same_files() {
    if !duckdb("lake_clickhouse_reads_the_same_files")
        || !wirelens_tests::harness::chdb("lake_clickhouse_reads_the_same_files")
    {
        return;
    }
    let lake = shared_lake();
    let file = |t: &str| format!("file('{}/{t}/*/*/*.parquet', Parquet)", lake.dir.display());
    // Per capture and sensor (ClickHouse reads the partition from the path): rows, bytes,
    // packets, first and last times, and the µs timestamps against the ns columns.
    let ch = clickhouse(&format!(
        "SELECT capture_id, extract(_path, 'sensor=([^/]+)') AS sensor, count() AS n, \
         sum(orig_bytes) AS ob, sum(resp_bytes) AS rb, sum(orig_pkts + resp_pkts) AS pk, \
         min(ts_ns) AS first, max(end_ns) AS last, \
         countIf(toUnixTimestamp64Micro(ts) != intDiv(ts_ns, 1000) AND ts_ns >= 0) AS bad_ts, \
         uniqExact(community_id) AS ids, countIf(id.resp_p = 0) AS port0 \
         FROM {} GROUP BY capture_id, sensor ORDER BY capture_id",
        file("sessions")
    ));
    let dk = duck(&format!(
        "SELECT capture_id, sensor, count(*) AS n, sum(orig_bytes) AS ob, \
         sum(resp_bytes) AS rb, sum(orig_pkts + resp_pkts) AS pk, min(ts_ns) AS first, \
         max(end_ns) AS last, 0 AS bad_ts, count(DISTINCT community_id) AS ids, \
         count(*) FILTER (WHERE id.resp_p = 0) AS port0 \
         FROM {} GROUP BY ALL ORDER BY capture_id",
        table(&lake.dir, "sessions")
    ));
    assert!(ch.len() > 50, "{}", ch.len());
    assert_eq!(ch, dk);
    let ch = clickhouse(&format!(
        "SELECT service, count() AS n, countIf(status_code >= 500) AS e5, \
         sum(length(keys)) AS keys, sum(coalesce(latency_ns, 0)) AS lat \
         FROM {} GROUP BY service ORDER BY service",
        file("transactions")
    ));
    let dk = duck(&format!(
        "SELECT service, count(*) AS n, count(*) FILTER (WHERE status_code >= 500) AS e5, \
         sum(len(keys)) AS keys, sum(coalesce(latency_ns, 0)) AS lat \
         FROM {} GROUP BY service ORDER BY service",
        table(&lake.dir, "transactions")
    ));
    assert_eq!(ch, dk);
    // The README's ClickHouse query, with this data's values.
    let q = sql_blocks(
        "README.md",
        "<!-- clickhouse query -->",
        "<!-- end clickhouse query -->",
    );
    let sql = q[0].replace("'lake/", &format!("'{}/", lake.dir.display()));
    assert!(sql.contains("= 3306") && sql.contains("> 1"), "{sql}");
    let sql = sql.replace("= 3306", "= 23306").replace("> 1", "> 0.4");
    let got = clickhouse(&sql);
    assert_eq!(got.len(), 1, "{sql}: {got:?}");
    assert_eq!(got[0]["id.resp_h"], "127.0.0.1", "{got:?}");
}

/// A lake's captures moved elsewhere: `pull` says where it looked, and `--captures DIR`
/// finds them by name; `--table transactions` pulls the sessions of the transactions.
#[test]
fn lake_pull_finds_moved_captures_and_takes_transactions() {
    if !duckdb("lake_pull_finds_moved_captures_and_takes_transactions")
        || !tshark("lake_pull_finds_moved_captures_and_takes_transactions")
    {
        return;
    }
    let dir = scratch("moved");
    let (was, now) = (dir.join("was"), dir.join("now"));
    std::fs::create_dir_all(&was).unwrap();
    std::fs::create_dir_all(&now).unwrap();
    let http = was.join("http.pcap");
    std::fs::copy(repo_root().join("tests/data/servers/http.pcap"), &http).unwrap();
    let lake = dir.join("lake");
    export(&lake, "web1", std::slice::from_ref(&http), &[]);
    std::fs::rename(&http, now.join("http.pcap")).unwrap();
    let out = dir.join("5xx.pcapng");
    let args = ["--table", "transactions", "--where", "status_code >= 500"];
    let o = Command::new(bin("wirelens"))
        .arg("pull")
        .arg(&lake)
        .args(args)
        .arg("-w")
        .arg(&out)
        .output()
        .expect("run wirelens pull");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("--captures DIR") && err.contains("http.pcap"),
        "{err}"
    );
    let mut with_dir: Vec<&str> = args.to_vec();
    with_dir.extend(["--captures", now.to_str().unwrap()]);
    pull(&lake, &with_dir, &out);
    // The 500's session: the stream the CLI names, all its packets, as tshark writes them.
    let list = Command::new(bin("wirelens"))
        .args(["http", "--json"])
        .arg(now.join("http.pcap"))
        .output()
        .expect("run wirelens http");
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let streams: BTreeSet<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"].as_u64().is_some_and(|s| s >= 500))
        .map(|t| t["stream"].as_u64().unwrap())
        .collect();
    assert_eq!(streams.len(), 1, "{streams:?}");
    let theirs = dir.join("tshark.pcapng");
    let filter = format!("tcp.stream in {{{}}}", streams.iter().next().unwrap());
    let t = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(now.join("http.pcap"))
        .args(["-Y", &filter, "-F", "pcapng", "-w"])
        .arg(&theirs)
        .output()
        .expect("tshark");
    assert!(t.status.success());
    let want = packets(&theirs);
    assert!(!want.is_empty());
    assert!(packets(&out) == want, "{filter}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lake_sql_runs_a_query_over_the_tables() {
    if !duckdb("lake_sql_runs_a_query_over_the_tables") {
        return;
    }
    let lake = shared_lake();
    let sql = |args: &[&str]| {
        let o = Command::new(bin("wirelens"))
            .arg("sql")
            .arg(&lake.dir)
            .args(args)
            .output()
            .expect("run wirelens sql");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let q = "SELECT s.sensor, count(*) AS n, sum(t.latency_ns) AS lat FROM transactions t \
             JOIN sessions s USING (uid) JOIN captures c ON c.capture_id = s.capture_id \
             GROUP BY ALL ORDER BY 1";
    let (ok, out, err) = sql(&["--json", q]);
    assert!(ok, "{err}");
    let got: Vec<Value> = serde_json::from_str(&out).expect("JSON");
    let want = duck(&format!(
        "SELECT s.sensor, count(*) AS n, sum(t.latency_ns) AS lat FROM {} t JOIN {} s USING (uid) \
         GROUP BY ALL ORDER BY 1",
        table(&lake.dir, "transactions"),
        table(&lake.dir, "sessions")
    ));
    assert_eq!(got.len(), 3);
    assert_eq!(got, want);
    let (ok, out, err) = sql(&["--csv", "SELECT count(*) AS n FROM captures"]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("n\n{}\n", lake.ids.len()));
    let (ok, _, err) = sql(&["SELECT nope FROM sessions"]);
    assert!(
        !ok && err.contains("nope") && !err.contains("Traceback"),
        "{err}"
    );
}
