use super::*;
use crate::ingest::app::testkit;

fn pg(t: &Transaction) -> &Pgsql {
    match &t.detail {
        Detail::Pgsql(p) => p,
        d => panic!("{d:?}"),
    }
}

/// tests/data/servers/pgsql.pcap: PostgreSQL 15 and psycopg 3 on port 25432
/// (tests/scripts/make-modern-captures.sh).
#[test]
fn the_real_capture() {
    let c = testkit::capture("pgsql.pcap", &[]);
    let txs: Vec<&Pgsql> = c.transactions.iter().map(pg).collect();
    let commands: Vec<&str> = txs.iter().map(|p| p.command.as_str()).collect();
    assert_eq!(commands[0], "login");
    let login = txs[0];
    assert_eq!(
        (
            login.user.as_deref(),
            login.database.as_deref(),
            login.auth.as_deref()
        ),
        (Some("wl"), Some("shop"), Some("sasl SCRAM-SHA-256"))
    );
    assert!(login
        .server_version
        .as_deref()
        .is_some_and(|v| v.starts_with("15.")));
    let slow = txs
        .iter()
        .zip(&c.transactions)
        .find(|(p, _)| p.query.as_deref() == Some("SELECT pg_sleep(0.3), 'slow'"))
        .expect("the slow query");
    assert!(slow.1.latency_ns().unwrap() >= 300_000_000);
    assert_eq!(slow.0.rows, Some(1));
    let errors: Vec<(&str, &str)> = txs
        .iter()
        .filter_map(|p| Some((p.sql_state.as_deref()?, p.command.as_str())))
        .collect();
    assert_eq!(
        errors,
        [("42P01", "query"), ("42601", "query"), ("28P01", "login")]
    );
    let inserts = txs
        .iter()
        .filter(|p| {
            p.command == "execute" && p.query.as_deref().is_some_and(|q| q.starts_with("INSERT"))
        })
        .count();
    assert_eq!(inserts, 5);
    // The prepared statement: prepared once, executed four times by name.
    let prepared: Vec<&&Pgsql> = txs
        .iter()
        .filter(|p| p.query.as_deref() == Some("SELECT customer FROM orders WHERE id = $1"))
        .collect();
    assert_eq!(prepared.len(), 5);
    assert_eq!(prepared[0].command, "prepare");
    assert!(prepared[1..]
        .iter()
        .all(|p| p.command == "execute" && p.rows == Some(1) && p.params == Some(1)));
    let multi = txs
        .iter()
        .find(|p| p.statements == Some(3))
        .expect("BEGIN; UPDATE; COMMIT");
    assert_eq!(multi.tags, ["BEGIN", "UPDATE 2", "COMMIT"]);
    assert_eq!(multi.affected_rows, Some(2));
    assert_eq!(commands.last(), Some(&"login"));
    assert!(commands.contains(&"terminate"));
}

#[test]
fn every_split_gives_the_same_transactions() {
    let convs = testkit::conversations("tests/data/servers/pgsql.pcap", 25432).unwrap();
    for pieces in &convs {
        testkit::check_splits(&|| Box::new(Parser::new()), pieces, 4096);
    }
}

#[test]
fn hostile_bytes_do_not_panic() {
    const MESSAGES: &[&[u8]] = &[
        b"\x00\x00\x00\x08\x04\xd2\x16\x2f",
        b"\x00\x00\x00\x11\x00\x03\x00\x00user\x00wl\x00\x00",
        b"Q\x00\x00\x00\x0dSELECT 1\x00",
        b"Z\x00\x00\x00\x05I",
        b"E\x00\x00\x00\x10SERROR\x00C42P01\x00\x00",
        b"S",
        b"N",
        b"D\x00\x00\x00\x0a\x00\x01\x00\x00\x00\x00",
    ];
    testkit::never_panics(
        &|| Box::new(Parser::new()),
        b"\x00\x04QZSPBE",
        testkit::one_of(MESSAGES),
    );
}

#[test]
fn each_message_is_kept_as_a_pdu_at_the_packet_that_completed_it() {
    let mut p = Parser::new();
    let mut out = Vec::new();
    let at = |packet| At { packet, ts_ns: 0 };
    // A StartupMessage and the first bytes of a Query in packet 1, its rest in packet 2.
    let mut client = b"\x00\x00\x00\x11\x00\x03\x00\x00user\x00wl\x00\x00".to_vec();
    client.extend_from_slice(b"Q\x00\x00\x00\x0dSEL");
    p.data(true, &client, at(1), &mut out);
    p.data(true, b"ECT 1\x00", at(2), &mut out);
    p.data(
        false,
        b"R\x00\x00\x00\x08\x00\x00\x00\x0aZ\x00\x00\x00\x05I",
        at(3),
        &mut out,
    );
    p.data(true, b"p\x00\x00\x00\x05x", at(4), &mut out);
    let mut pdus = Vec::new();
    p.take_pdus(&mut pdus);
    let seen: Vec<(u64, &str, u32)> = pdus
        .iter()
        .map(|d| (d.packet, d.pgsql_type_name(), d.len))
        .collect();
    assert_eq!(
        seen,
        [
            (1, "Startup message", 17),
            (2, "Simple query", 13),
            (3, "Authentication request", 8),
            (3, "Ready for query", 5),
            (4, "SASLInitialResponse message", 5),
        ]
    );
    p.take_pdus(&mut pdus);
    assert_eq!(pdus.len(), 5, "taken once");
}
