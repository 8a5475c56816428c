//! HTTP/2 and PostgreSQL beyond the transaction tables: `wirelens split --errors` takes
//! the sessions tshark shows a failure in (a PostgreSQL ErrorResponse, an HTTP/2 status
//! of 400 or more, a gRPC status other than OK, a RST_STREAM with an error code).

use std::collections::BTreeSet;
use std::process::Command;
use wirelens_tests::{bin, repo_root};

/// The TCP streams in which tshark shows an application failure.
fn tshark_failures(capture: &str, options: &[&str]) -> BTreeSet<u32> {
    let out = Command::new("tshark")
        .current_dir(repo_root())
        .args(["-n", "-r", capture])
        .args(options)
        .args([
            "-Y",
            "pgsql.code || http2.headers.status >= 400 || http2.rst_stream.error \
             || http2.header.name == \"grpc-status\"",
        ])
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"])
        .args([
            "-e",
            "tcp.stream",
            "-e",
            "pgsql.code",
            "-e",
            "http2.headers.status",
        ])
        .args(["-e", "http2.rst_stream.error", "-e", "http2.header.name"])
        .args(["-e", "http2.header.value"])
        .output()
        .expect("run tshark");
    let mut streams = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let Some(stream) = c.first().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let pg = !c.get(1).unwrap_or(&"").is_empty();
        let status = c
            .get(2)
            .unwrap_or(&"")
            .split('|')
            .any(|s| s.parse::<u32>().is_ok_and(|s| s >= 400));
        let reset = c
            .get(3)
            .unwrap_or(&"")
            .split('|')
            .any(|s| s.parse::<u32>().is_ok_and(|s| s != 0));
        let names: Vec<&str> = c.get(4).unwrap_or(&"").split('|').collect();
        let values: Vec<&str> = c.get(5).unwrap_or(&"").split('|').collect();
        let grpc = names
            .iter()
            .zip(&values)
            .any(|(n, v)| *n == "grpc-status" && *v != "0");
        if pg || status || reset || grpc {
            streams.insert(stream);
        }
    }
    streams
}

/// The TCP streams of the files `wirelens split --errors` writes.
fn split_errors(capture: &str) -> BTreeSet<u32> {
    let dir = std::env::temp_dir().join(format!(
        "wirelens-modern-errors-{}-{}",
        std::process::id(),
        capture.replace('/', "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(bin("wirelens"))
        .current_dir(repo_root())
        .args(["split", "--errors", capture, "-o"])
        .arg(&dir)
        .output()
        .expect("run wirelens split");
    assert!(
        out.status.success(),
        "{capture}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut streams = BTreeSet::new();
    for e in std::fs::read_dir(&dir).expect("split's directory") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        // 20261205-091504.756516000_tcp-0_127.0.0.1.57932_127.0.0.1.25432.pcap
        if let Some(n) = name
            .split('_')
            .nth(1)
            .and_then(|s| s.strip_prefix("tcp-"))
            .and_then(|n| n.parse().ok())
        {
            streams.insert(n);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    streams
}

#[test]
fn split_errors_takes_postgresql_and_http2_failures() {
    if !wirelens_tests::harness::tshark(
        "split --errors against tshark's PostgreSQL and HTTP/2 errors",
    ) {
        return;
    }
    let cases: &[(&str, &[&str])] = &[
        (
            "tests/data/servers/pgsql.pcap",
            &["-d", "tcp.port==25432,pgsql"],
        ),
        (
            "tests/data/servers/grpc.pcap",
            &["-d", "tcp.port==25051,http2"],
        ),
        // The h2c connections (the TLS ones need the key log, which split does not take).
        (
            "tests/data/servers/http2.pcap",
            &["-d", "tcp.port==28082,http2"],
        ),
    ];
    let mut compared = 0;
    for (capture, options) in cases {
        let want = tshark_failures(capture, options);
        let got = split_errors(capture);
        let missing: Vec<&u32> = want.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "{capture}: tshark shows failures in tcp.stream {missing:?}, split --errors took {got:?}"
        );
        compared += want.len();
    }
    // pgsql.pcap: the 42P01/42601 session and the failed login; grpc.pcap: its one
    // connection (NOT_FOUND, UNIMPLEMENTED).
    assert!(compared >= 3, "only {compared} failing sessions compared");
    wirelens_tests::harness::report(&format!(
        "modern split --errors: {compared} sessions with PostgreSQL or HTTP/2 failures, all taken"
    ));
}
