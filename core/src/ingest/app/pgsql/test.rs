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
    assert!(slow.1.latency_ns(&c.packets).unwrap() >= 300_000_000);
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

/// tests/data/servers/pgsql-tls.pcap: PostgreSQL 15 with ssl=on on port 25433 and a
/// v3-protocol client over Python's ssl (tests/scripts/make-modern-captures.sh); tshark
/// 4.0 with the key log (`-d tcp.port==25433,pgsql`) shows the same messages at the same
/// frames.
#[test]
fn real_capture_over_tls() {
    let c = testkit::capture_with_keys("pgsql-tls.pcap");
    let txs: Vec<(&Transaction, &Pgsql)> = c
        .transactions
        .iter()
        .filter_map(|t| match &t.detail {
            Detail::Pgsql(p) => Some((t, &**p)),
            _ => None,
        })
        .collect();
    let seen: Vec<(u64, &str, Option<&str>)> = txs
        .iter()
        .map(|(t, p)| {
            let frame = t.request.as_ref().map_or(0, |r| r.first() + 1);
            (frame, p.command.as_str(), p.query.as_deref())
        })
        .collect();
    let by_id = Some("SELECT customer, total FROM orders WHERE id = $1");
    assert_eq!(
        seen,
        [
            (4, "ssl_request", None),
            (14, "login", None),
            (
                21,
                "query",
                Some("CREATE TABLE orders (id serial PRIMARY KEY, customer text, total numeric)")
            ),
            (
                23,
                "query",
                Some(
                    "INSERT INTO orders (customer, total) VALUES ('c0', 0), ('c1', 10), ('c2', 20)"
                )
            ),
            (
                25,
                "query",
                Some("SELECT id, customer, total FROM orders ORDER BY id")
            ),
            (27, "query", Some("SELECT pg_sleep(0.3), 'slow'")),
            (30, "query", Some("SELECT * FROM no_such_table")),
            (35, "execute", by_id),
            (37, "execute", by_id),
            (39, "terminate", None),
            (44, "ssl_request", None),
            (54, "login", None),
            (
                60,
                "query",
                Some("UPDATE orders SET total = total + 1 WHERE id < 3")
            ),
            (62, "terminate", None),
            (69, "ssl_request", None),
            (73, "login", None),
        ]
    );
    let p = |i: usize| txs[i].1;
    assert_eq!(
        (p(0).ssl, p(10).ssl, p(14).ssl),
        (Some(true), Some(true), Some(false))
    );
    // The login inside TLS 1.3: SCRAM-SHA-256 chosen of the two mechanisms offered.
    for login in [p(1), p(11)] {
        assert_eq!(
            (
                login.user.as_deref(),
                login.database.as_deref(),
                login.auth.as_deref(),
                login.application.as_deref()
            ),
            (
                Some("wl"),
                Some("shop"),
                Some("sasl SCRAM-SHA-256"),
                Some("wirelens")
            )
        );
        assert!(login
            .server_version
            .as_deref()
            .is_some_and(|v| v.starts_with("15.")));
    }
    assert_eq!((p(4).rows, p(4).columns), (Some(3), Some(3)));
    assert!(txs[5].0.latency_ns(&c.packets).unwrap() >= 300_000_000);
    assert_eq!(
        (p(6).sql_state.as_deref(), p(6).error_severity.as_deref()),
        (Some("42P01"), Some("ERROR"))
    );
    // The statement prepared by name in the first cycle, bound again in the second.
    assert_eq!((p(7).parsed, p(8).parsed), (true, false));
    for e in [p(7), p(8)] {
        assert_eq!(
            (e.statement.as_deref(), e.params, e.rows, &e.tags[..]),
            (
                Some("by_id"),
                Some(1),
                Some(1),
                &["SELECT 1".to_owned()][..]
            )
        );
    }
    assert_eq!(p(12).affected_rows, Some(2));
    // Refused in the clear: SSLRequest answered `N`, hostssl only.
    assert_eq!(
        (p(15).sql_state.as_deref(), p(15).error_severity.as_deref()),
        (Some("28000"), Some("FATAL"))
    );
    assert!(txs
        .iter()
        .all(|(_, p)| !p.incomplete || p.command == "terminate"));
    assert_eq!(
        c.app_inner.iter().flatten().collect::<Vec<_>>(),
        [&AppProto::Pgsql; 2]
    );
    // Every message, at the frame tshark shows it (`-Y pgsql`), and the server's answers
    // to the SSLRequests (6, 48, 71), which it shows as none.
    let mut frames: Vec<u64> = c
        .pdus
        .iter()
        .filter(|d| d.kind == PduKind::Pgsql)
        .map(|d| d.packet + 1)
        .collect();
    frames.dedup();
    assert_eq!(
        frames,
        [
            4, 6, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 29, 30, 32, 33, 35, 36, 37,
            38, 39, 44, 48, 54, 55, 56, 57, 58, 59, 60, 61, 62, 69, 71, 73, 74
        ]
    );
}

#[test]
fn over_tls_without_keys_stops_at_the_ssl_request() {
    let c = testkit::capture("pgsql-tls.pcap", &[]);
    let seen: Vec<(&str, Option<bool>)> = c
        .transactions
        .iter()
        .filter_map(|t| match &t.detail {
            Detail::Pgsql(p) => Some((p.command.as_str(), p.ssl)),
            _ => None,
        })
        .collect();
    // The refused connection stays in the clear.
    assert_eq!(
        seen,
        [
            ("ssl_request", Some(true)),
            ("ssl_request", Some(true)),
            ("ssl_request", Some(false)),
            ("login", None)
        ]
    );
}

#[test]
fn every_split_over_tls_gives_the_same_transactions() {
    let keys = super::super::tls::SharedKeys::default();
    keys.borrow_mut().add_text(include_bytes!(
        "../../../../../tests/data/servers/pgsql-tls.keylog"
    ));
    let convs = testkit::conversations("tests/data/servers/pgsql-tls.pcap", 25433).unwrap();
    let make = || -> Box<dyn StreamParser> { Box::new(Parser::with_keys(keys.clone(), 25433)) };
    let whole = testkit::replay_all(&make, "tests/data/servers/pgsql-tls.pcap", 25433).unwrap();
    // 16 PostgreSQL transactions (as with the whole ingest) and 3 TLS handshakes (the
    // HelloRetryRequest's, the TLS 1.3 one after it, and the TLS 1.2 one).
    assert_eq!(whole.len(), 19);
    for pieces in &convs {
        testkit::check_splits(&make, pieces, 4096);
    }
}

#[test]
fn the_switch_to_tls_is_the_servers_s_for_every_split() {
    let make = || -> Box<dyn StreamParser> { Box::new(Parser::new()) };
    // SSLRequest (code 80877103), `S`, then a ClientHello record's start.
    let hello: &[u8] = b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03";
    let p = testkit::pieces(&[
        (true, b"\x00\x00\x00\x08\x04\xd2\x16\x2f"),
        (false, b"S"),
        (true, hello),
    ]);
    let sw = testkit::switch_of_every_split(&make, &p, usize::MAX).expect("switched");
    assert_eq!((sw.packet, sw.shared), (1, false));
    // Refused (`N`): no TLS, the startup follows in the clear.
    let p = testkit::pieces(&[
        (true, b"\x00\x00\x00\x08\x04\xd2\x16\x2f"),
        (false, b"N"),
        (true, b"\x00\x00\x00\x08\x00\x03\x00\x00"),
    ]);
    assert_eq!(testkit::switch_of_every_split(&make, &p, usize::MAX), None);
    // pgsql-tls.pcap: the `S` of frames 6 and 48 (tshark -d tcp.port==25433,pgsql); the
    // third conversation's SSLRequest is answered `N`.
    let convs = testkit::conversations("tests/data/servers/pgsql-tls.pcap", 25433).unwrap();
    let got: Vec<_> = convs
        .iter()
        .map(|c| testkit::switch_of_every_split(&make, c, 256).map(|s| (s.packet, s.shared)))
        .collect();
    assert_eq!(got, [Some((5, false)), Some((47, false)), None]);
    let c = testkit::capture("pgsql-tls.pcap", &[]);
    let all: Vec<_> = c.tls_switches.iter().map(|s| (s.conv, s.packet)).collect();
    assert_eq!(all, [(0, 5), (1, 47)]);
}
