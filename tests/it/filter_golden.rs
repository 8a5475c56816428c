//! Display filters against tshark: for every capture and filter of tests/golden/filter
//! (made by tests/scripts/make-filter-golden.py), the frames Wirelens's filter keeps must
//! be the frames `tshark -Y` shows.
//!
//! The captures are read with tshark's decode-as options applied (server ports), so the
//! app-layer fields come from the same protocols. A filter that names a field Wirelens
//! declares but does not extract yet is counted as pending, not failed, when it differs.
//! Differences whose
//! cause is known are listed with their reason in tests/golden/filter/KNOWN_DIFFERENCES
//! (the harness's format, the filter in the field column); a listed pair that no longer
//! differs fails. `WIRELENS_FILTER_VERBOSE=1` prints every difference.

use serde_json::Value;
use wirelens_core::query::fields::{MemorySource, Status};
use wirelens_core::query::filter::{filter_packets, Filter};
use wirelens_core::query::scan::{Scan, ScanOptions};
use wirelens_tests::{harness, repo_root, Golden, JsonGolden};

/// Ingests a capture with tshark's decode-as options (`-d tcp.port==21211,memcache`)
/// applied, so the app-layer fields come from the same protocols on the same ports.
fn ingest_decoded_as(name: &str, bytes: &[u8], options: &Value) -> wirelens_core::capture::Capture {
    let mut ingest = wirelens_core::ingest::Ingest::new();
    let opts: Vec<&str> = options
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // A TLS key log, as tshark had it (`-o tls.keylog_file:PATH`, PATH from the repo root).
    for pair in opts.windows(2).filter(|w| w[0] == "-o") {
        if let Some(path) = pair[1].strip_prefix("tls.keylog_file:") {
            let keys = std::fs::read(wirelens_tests::repo_root().join(path)).expect("read key log");
            ingest.add_key_log(&keys);
        }
    }
    for pair in opts.windows(2).filter(|w| w[0] == "-d") {
        // tcp.port==21211,memcache
        let Some((sel, proto)) = pair[1].split_once(',') else {
            continue;
        };
        let Some((l4, port)) = sel.split_once(".port==") else {
            continue;
        };
        let l4 = if l4 == "udp" {
            wirelens_core::capture::flow::L4::Udp
        } else {
            wirelens_core::capture::flow::L4::Tcp
        };
        let proto = wirelens_core::capture::app::AppProto::ALL
            .into_iter()
            .find(|p| p.tshark_name() == proto);
        if let (Ok(port), Some(proto)) = (port.parse(), proto) {
            ingest.decode_as(l4, port, Some(proto));
        }
    }
    ingest.begin_file(name);
    ingest.feed(bytes);
    ingest.finish()
}

#[test]
fn filters_keep_the_frames_tshark_shows() {
    compare_with_tshark("filter", 150);
}

/// The TCP header's fields (`tcp.len`, `tcp.hdr_len`, `tcp.flags`, `tcp.flags.*`), which
/// the packet index answers when the ingest knew the header, over every capture of
/// tests/data and corpus captures with tunnels, fragments, ICMP errors and cut headers
/// (tests/golden/filter-tcp).
#[test]
fn tcp_header_filters_keep_the_frames_tshark_shows() {
    compare_with_tshark("filter-tcp", 50);
}

/// The protocols of the wire layer's stack that have no fields of their own (`sctp`,
/// `gre`, `vxlan`, `igmp` …), over corpus captures that hold each of them
/// (tests/golden/filter-proto).
#[test]
fn protocol_filters_keep_the_frames_tshark_shows() {
    compare_with_tshark("filter-proto", 70);
}

/// What packet-http.c hands an HTTP body to: the protocols `frame.protocols` names for it
/// (`json`, `xml`, `data-text-lines`, the images, `media`, `urlencoded-form`) and JSON's
/// fields, over every capture of tests/data and of the corpus with such bodies
/// (tests/golden/filter-media).
#[test]
fn media_filters_keep_the_frames_tshark_shows() {
    compare_with_tshark("filter-media", 30);
}

/// Fields read from the packet detail (`Status::Detail`: TLS's records and handshake, DNS's
/// flags and TTLs, HTTP's headers, MySQL's and PostgreSQL's messages, QUIC's frames …),
/// alone and with extracted fields, over the packet-detail golden's captures
/// (tests/golden/filter-detail).
#[test]
fn detail_filters_keep_the_frames_tshark_shows() {
    compare_with_tshark("filter-detail", 80);
}

/// Every golden pair of `golden`: the frames kept by the evaluator (every packet's bytes
/// at hand) and by the scan the CLI and the page run (bytes read only for the packets
/// the index cannot answer) must be tshark's.
fn compare_with_tshark(golden: &str, min_filters: usize) {
    let mut g = Golden::new(golden);
    let verbose = std::env::var_os("WIRELENS_FILTER_VERBOSE").is_some();
    let (mut identical, mut pending) = (0, 0);
    let mut filters_seen = std::collections::BTreeSet::new();
    for JsonGolden {
        entry,
        path,
        expected,
    } in g.json_goldens()
    {
        let entry = entry.as_str();
        let bytes = std::fs::read(&path).expect("read capture");
        let capture = ingest_decoded_as(entry, &bytes, &expected["tshark_options"]);
        // The same capture may be listed with and without a key log.
        let keylog = expected["tshark_options"].as_array().is_some_and(|o| {
            o.iter().any(|o| {
                o.as_str()
                    .is_some_and(|o| o.starts_with("tls.keylog_file:"))
            })
        });
        let label = if keylog {
            format!("{entry} +keylog")
        } else {
            entry.to_owned()
        };
        let entry = label.as_str();
        assert!(
            capture.files[0].compression.is_none(),
            "{entry}: the test reads packets from the file as stored"
        );
        if capture.packets.len() as u64 != expected["packets"].as_u64().unwrap_or(0) {
            g.fail(format!(
                "{entry}: tshark read {} packets, we read {}",
                expected["packets"],
                capture.packets.len()
            ));
            continue;
        }
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        for r in expected["results"].as_array().expect("results") {
            let text = r["filter"].as_str().expect("filter");
            filters_seen.insert(text.to_owned());
            let want: Vec<u32> = r["frames"]
                .as_array()
                .expect("frames")
                .iter()
                .map(|v| v.as_u64().unwrap_or(0) as u32)
                .collect();
            g.count("pairs", 1);
            g.count("frames kept by tshark", want.len() as u64);
            let filter = match Filter::compile(text) {
                Ok(f) => f,
                Err(e) => {
                    g.fail(format!(
                        "{entry}: {text}: does not compile: {}",
                        e.render(text)
                    ));
                    continue;
                }
            };
            let got: Vec<u32> = filter_packets(&filter, &capture, &mut src)
                .into_iter()
                .map(|i| i + 1)
                .collect();
            let mut read = 0;
            let scanned: Vec<u32> = Scan::new(&capture, &filter, &[], ScanOptions::default())
                .run_all(&mut |f| {
                    read += f.end - f.start;
                    Ok(bytes[f.start as usize..f.end as usize].to_vec())
                })
                .into_iter()
                .map(|i| i + 1)
                .collect();
            g.count("bytes the scans read", read);
            if scanned != got {
                g.fail(format!(
                    "{entry}: {text}: the scan keeps other frames than the evaluator: {}",
                    describe(&got, &scanned)
                ));
            }
            if got == want {
                identical += 1;
                continue;
            }
            let diff = describe(&want, &got);
            if verbose {
                eprintln!("DIFF {entry}\t{text}\t{diff}");
            }
            if filter
                .fields()
                .iter()
                .any(|f| f.def().status == Status::NotYetExtracted)
            {
                pending += 1;
            } else {
                g.differs(entry, "*", text, diff);
            }
        }
    }
    g.note(format!(
        "{} filters; {identical} pairs identical to tshark, {pending} differ only by fields not yet extracted",
        filters_seen.len()
    ));
    assert!(
        filters_seen.len() >= min_filters,
        "the table must hold at least {min_filters} filters"
    );
    g.finish();
}

fn describe(want: &[u32], got: &[u32]) -> String {
    let missing: Vec<u32> = want.iter().filter(|f| !got.contains(f)).copied().collect();
    let extra: Vec<u32> = got.iter().filter(|f| !want.contains(f)).copied().collect();
    let cut = |v: &[u32]| {
        let s: Vec<String> = v.iter().take(12).map(|f| f.to_string()).collect();
        if v.len() > 12 {
            format!("{} … ({} in all)", s.join(" "), v.len())
        } else {
            s.join(" ")
        }
    };
    format!(
        "tshark only: [{}]; Wirelens only: [{}]",
        cut(&missing),
        cut(&extra)
    )
}

/// `wirelens list -T fields` prints what `tshark -T fields` prints, value for value
/// (tshark run live; skipped without it).
#[test]
fn list_prints_fields_as_tshark() {
    if !harness::tshark("list_prints_fields_as_tshark") {
        return;
    }
    let fields = [
        "frame.number",
        "frame.time",
        "frame.time_relative",
        "frame.time_delta",
        "frame.len",
        "eth.src",
        "eth.addr",
        "eth.type",
        "ip.src",
        "ip.addr",
        "ip.id",
        "ip.flags",
        "ip.ttl",
        "ip.dsfield",
        "tcp.srcport",
        "tcp.port",
        "tcp.stream",
        "tcp.seq",
        "tcp.ack",
        "tcp.len",
        "tcp.flags",
        "tcp.flags.syn",
        "tcp.window_size",
        "tcp.window_size_scalefactor",
        "tcp.hdr_len",
        "tcp.options.mss_val",
        "udp.stream",
    ];
    for (file, filter) in [
        ("tests/data/three_http_streams.pcap", "tcp.port == 80"),
        (
            "tests/data/servers/redis.pcap",
            "tcp.len > 0 or tcp.flags.syn == 1",
        ),
        ("tests/data/servers/dns.pcap", ""),
    ] {
        let path = repo_root().join(file);
        let mut args = vec![
            "-n".to_owned(),
            "-r".into(),
            path.display().to_string(),
            "-T".into(),
            "fields".into(),
        ];
        for f in fields {
            args.extend(["-e".to_owned(), f.to_owned()]);
        }
        args.extend([
            "-E".into(),
            "header=y".into(),
            "-E".into(),
            "separator=|".into(),
        ]);
        if !filter.is_empty() {
            args.extend(["-Y".into(), filter.into()]);
        }
        let want = std::process::Command::new("tshark")
            .args(&args)
            .env("TZ", "UTC")
            .output()
            .expect("run tshark");
        let mut ours = vec!["list".to_owned(), path.display().to_string()];
        ours.extend(args[3..].iter().cloned());
        let got = std::process::Command::new(wirelens_tests::bin("wirelens"))
            .args(&ours)
            .output()
            .expect("run wirelens");
        assert!(
            got.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&got.stderr)
        );
        let (want, got) = (
            String::from_utf8_lossy(&want.stdout),
            String::from_utf8_lossy(&got.stdout),
        );
        for (n, (w, g)) in want.lines().zip(got.lines()).enumerate() {
            assert_eq!(g, w, "{file}, line {n}");
        }
        assert_eq!(want.lines().count(), got.lines().count(), "{file}: lines");
    }
}

/// A malformed filter: exit code 2, the message, the filter with the part underlined,
/// and the hint.
#[test]
fn list_reports_a_bad_filter_with_position_and_hint() {
    let path = repo_root().join("tests/data/three_http_streams.pcap");
    let out = std::process::Command::new(wirelens_tests::bin("wirelens"))
        .args([
            "list",
            &path.display().to_string(),
            "-Y",
            "ip.addr == 10.0.0.1 and tcp.srcprot > 1024",
        ])
        .output()
        .expect("run wirelens");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Left side of \">\" must be a field or function, not tcp.srcprot."),
        "{err}"
    );
    assert!(err.contains("\n    ip.addr == 10.0.0.1 and tcp.srcprot > 1024\n                            ^~~~~~~~~~~\n"), "{err}");
    assert!(err.contains("hint: did you mean tcp.srcport?"), "{err}");
}

/// core's value strings (`ip.proto == "UDP"`) are tshark's for every registered field:
/// `tests/scripts/make-value-strings.py` was run after the last field was registered.
#[test]
fn value_strings_are_tsharks() {
    let out = std::process::Command::new("tshark")
        .args(["-G", "values"])
        .output()
        .expect("tshark runs");
    let registered: std::collections::HashSet<&str> =
        wirelens_core::query::fields::registry::FIELDS
            .iter()
            .map(|f| f.name)
            .collect();
    let mut want = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || !registered.contains(cols[1]) {
            continue;
        }
        let kind = if cols[0] == "V64" { "V" } else { cols[0] };
        if matches!(kind, "V" | "T" | "R") {
            want.push([&[cols[1], kind][..], &cols[2..]].concat().join("\t"));
        }
    }
    want.sort_by(|a, b| a.split('\t').next().cmp(&b.split('\t').next()));
    let path = repo_root().join("core/src/query/fields/value_strings.tsv");
    let have: Vec<String> = std::fs::read_to_string(&path)
        .expect("value_strings.tsv")
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(
        want.len() > 3000,
        "{} value strings from tshark",
        want.len()
    );
    assert!(
        have == want,
        "{} differs from tshark -G values ({} lines, tshark {}): run tests/scripts/make-value-strings.py",
        path.display(),
        have.len(),
        want.len()
    );
}
