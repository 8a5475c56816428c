use super::super::testkit::{self, at, Piece};
use super::*;

fn make() -> Box<dyn StreamParser> {
    Box::new(Parser::new())
}

/// A packet: length, sequence id, payload.
fn pkt(seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = (payload.len() as u32).to_le_bytes()[..3].to_vec();
    v.push(seq);
    v.extend_from_slice(payload);
    v
}

fn run(parts: &[(bool, Vec<u8>)]) -> Vec<Transaction> {
    let parts: Vec<(bool, &[u8])> = parts.iter().map(|(c, b)| (*c, &b[..])).collect();
    testkit::run(&make, &parts)
}

const OK: &[u8] = b"\x00\x00\x00\x02\x00\x00\x00";
const EOF: &[u8] = b"\xfe\x00\x00\x02\x00";

fn column() -> Vec<u8> {
    b"\x03def\x04shop\x01t\x01t\x01c\x01c\x0c\x21\x00\x10\x00\x00\x00\xfd\x00\x00\x00\x00\x00"
        .to_vec()
}

#[test]
fn real_capture_of_mariadb() {
    let Some(txs) = testkit::replay_all(&make, "tests/data/servers/mariadb.pcap", 23306) else {
        return;
    };
    let d = testkit::details::<Mysql>(&txs);
    assert_eq!(d.len(), 39);
    assert!(d.iter().all(|m| !m.incomplete));
    let login = d[0];
    assert_eq!(
        (
            login.command.as_str(),
            login.user.as_deref(),
            login.schema.as_deref(),
            login.connection_id,
            login.response.as_deref()
        ),
        ("login", Some("wl"), Some("shop"), Some(5), Some("ok"))
    );
    assert!(login
        .server_version
        .as_deref()
        .is_some_and(|v| v.contains("MariaDB")));
    let inserts: Vec<_> = d
        .iter()
        .filter(|m| m.query.as_deref().is_some_and(|q| q.starts_with("INSERT")))
        .collect();
    assert_eq!(inserts.len(), 25);
    assert!(inserts
        .iter()
        .enumerate()
        .all(|(i, m)| m.affected_rows == Some(1) && m.last_insert_id == Some(i as u64 + 1)));
    let select = d
        .iter()
        .find(|m| m.query.as_deref() == Some("SELECT * FROM orders WHERE customer = 'customer1'"))
        .expect("select");
    assert_eq!((select.columns, select.rows), (Some(3), Some(5)));
    let slow = txs
        .iter()
        .zip(&d)
        .find(|(_, m)| m.query.as_deref().is_some_and(|q| q.contains("SLEEP")))
        .expect("slow");
    let packets = testkit::packets_of("tests/data/servers/mariadb.pcap");
    assert!(slow
        .0
        .time_to_first_byte_ns(&packets)
        .is_some_and(|ns| ns >= 400_000_000));
    let errors: Vec<_> = d
        .iter()
        .filter_map(|m| {
            m.error_code
                .map(|c| (c, m.sql_state.as_deref().unwrap_or("")))
        })
        .collect();
    assert_eq!(errors, [(1146, "42S02"), (1064, "42000")]);
    let update = d
        .iter()
        .find(|m| m.query.as_deref().is_some_and(|q| q.starts_with("UPDATE")))
        .expect("update");
    assert_eq!(update.affected_rows, Some(4));
    let stmt: Vec<_> = d
        .iter()
        .filter(|m| m.stmt_id == Some(1))
        .map(|m| {
            (
                m.command.as_str(),
                m.query.as_deref(),
                m.params,
                m.columns,
                m.rows,
                txs.iter().any(|_| true),
            )
        })
        .collect();
    let sql = Some("SELECT id, customer FROM orders WHERE id = ?");
    assert_eq!(
        stmt,
        [
            ("stmt_prepare", sql, Some(1), Some(2), None, true),
            ("stmt_execute", sql, None, Some(2), Some(1), true),
            ("stmt_close", sql, None, None, None, true)
        ]
    );
    assert_eq!(d.last().map(|m| m.command.as_str()), Some("quit"));
    // mysql.response_code as Wireshark shows it: OK, ERR, EOF and binary rows.
    let codes = |m: &Mysql| m.response_codes.iter().map(|c| c.1).collect::<Vec<_>>();
    assert_eq!(codes(login), [0x00]);
    let by_command = |c: &str| d.iter().find(|m| m.command == c).map(|m| codes(m));
    assert_eq!(by_command("stmt_prepare"), Some(vec![0x00, 0xfe, 0xfe]));
    assert_eq!(by_command("stmt_execute"), Some(vec![0xfe, 0x00, 0xfe]));
    assert_eq!(codes(select), [0xfe, 0xfe]);
}

#[test]
fn every_split_of_real_captures_gives_the_same_transactions() {
    testkit::check_splits_of(
        &make,
        &[
            ("tests/data/servers/mariadb.pcap", 23306),
            ("corpus:zeek/mysql/mysql.pcap", 3306),
            ("corpus:zeek/mysql/encrypted.pcap", 3306),
            ("corpus:zeek/mysql/many-query-attrs.pcap", 3306),
            (
                "corpus:zeek/mysql/caching_sha2_password-after-auth-switch.pcapng",
                3306,
            ),
            ("corpus:deepflow/mysql/mysql-statement.pcap", 30130),
            (
                "corpus:deepflow/mysql/mysql-compressed-response.pcap",
                30130,
            ),
            (
                "corpus:deepflow/mysql/partial-packet-compressed.pcap",
                30130,
            ),
            ("corpus:deepflow/mysql/large-response.pcap", 6033),
            ("corpus:deepflow/mysql/truncate-1024.pcap", 6033),
        ],
        48,
    );
}

/// tests/data/servers/mysql-tls.pcap: MariaDB 10.11 and PyMySQL over TLS on port 23307
/// (tests/scripts/make-modern-captures.sh); tshark 4.0 with the key log
/// (`-d tcp.port==23307,mysql`) lists the same commands at the same frames.
#[test]
fn real_capture_over_tls() {
    let c = testkit::capture_with_keys("mysql-tls.pcap");
    let txs: Vec<(&Transaction, &Mysql)> = c
        .transactions
        .iter()
        .filter_map(|t| match &t.detail {
            Detail::Mysql(m) => Some((t, &**m)),
            _ => None,
        })
        .collect();
    let seen: Vec<(u64, &str, Option<&str>)> = txs
        .iter()
        .map(|(t, m)| {
            let frame = t.request.as_ref().map_or(0, |r| r.last() + 1);
            (frame, m.command.as_str(), m.query.as_deref())
        })
        .collect();
    assert_eq!(
        seen,
        [
            (6, "login", None),
            (12, "login", None),
            (17, "query", Some("SET NAMES utf8mb4")),
            (19, "query", Some("CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(40), total INT)")),
            (21, "query", Some("INSERT INTO orders (customer, total) VALUES ('c0', 0)")),
            (23, "query", Some("INSERT INTO orders (customer, total) VALUES ('c1', 10)")),
            (25, "query", Some("INSERT INTO orders (customer, total) VALUES ('c2', 20)")),
            (27, "query", Some("SELECT id, customer, total FROM orders ORDER BY id")),
            (29, "query", Some("SELECT SLEEP(0.3), 'slow'")),
            (32, "query", Some("SELECT * FROM no_such_table")),
            (35, "query", Some("UPDATE orders SET total = total + 1 WHERE id < 3")),
            (37, "quit", None),
            (46, "login", None),
            (53, "login", None),
        ]
    );
    // The SSL request, then the login inside TLS 1.3 with its user and schema.
    let (ssl, login) = (txs[0].1, txs[1].1);
    assert!(ssl.tls && ssl.response.as_deref() == Some("tls"));
    assert!(login.tls && login.response.as_deref() == Some("ok"));
    assert_eq!(
        (login.user.as_deref(), login.schema.as_deref()),
        (Some("wl"), Some("shop"))
    );
    assert_eq!(txs[7].1.rows, Some(3));
    let slow = txs[8];
    assert!(slow.0.latency_ns(&c.packets).unwrap() >= 300_000_000);
    assert_eq!(slow.1.rows, Some(1));
    assert_eq!(txs[9].1.error_code, Some(1146));
    // The failed login, inside TLS 1.2.
    assert_eq!(txs[13].1.error_code, Some(1045));
    assert!(txs.iter().skip(1).all(|(_, m)| !m.incomplete));
    assert_eq!(
        c.app_inner.iter().flatten().collect::<Vec<_>>(),
        [&AppProto::Mysql; 2]
    );
}

#[test]
fn over_tls_without_keys_stops_at_the_ssl_request() {
    let c = testkit::capture("mysql-tls.pcap", &[]);
    let d: Vec<&Mysql> = c
        .transactions
        .iter()
        .filter_map(|t| match &t.detail {
            Detail::Mysql(m) => Some(&**m),
            _ => None,
        })
        .collect();
    assert_eq!(d.len(), 2);
    assert!(d
        .iter()
        .all(|m| m.tls && m.response.as_deref() == Some("tls")));
}

#[test]
fn every_split_over_tls_gives_the_same_transactions() {
    let keys = super::super::tls::SharedKeys::default();
    keys.borrow_mut().add_text(include_bytes!(
        "../../../../../tests/data/servers/mysql-tls.keylog"
    ));
    let convs = testkit::conversations("tests/data/servers/mysql-tls.pcap", 23307).unwrap();
    let make = || -> Box<dyn StreamParser> { Box::new(Parser::with_keys(keys.clone(), 23307)) };
    let whole = testkit::replay_all(&make, "tests/data/servers/mysql-tls.pcap", 23307).unwrap();
    // 14 MySQL transactions (as with the whole ingest) and 2 TLS handshakes.
    assert_eq!(whole.len(), 16);
    for pieces in &convs {
        testkit::check_splits(&make, pieces, 4096);
    }
}

#[test]
fn the_switch_to_tls_is_the_ssl_request_for_every_split() {
    let convs = testkit::conversations("tests/data/servers/mysql-tls.pcap", 23307).unwrap();
    let sw = |packet, shared| {
        Some(TlsSwitch {
            conv: 0,
            packet,
            shared,
        })
    };
    // tshark -d tcp.port==23307,mysql: "Response: SSL Handshake" in frames 6 and 46.
    let got: Vec<_> = convs
        .iter()
        .map(|c| testkit::switch_of_every_split(&make, c, 512))
        .collect();
    assert_eq!(got, [sw(5, false), sw(45, false)]);
    // With the secrets the same: the switch is in the clear.
    let keys = super::super::tls::SharedKeys::default();
    keys.borrow_mut().add_text(include_bytes!(
        "../../../../../tests/data/servers/mysql-tls.keylog"
    ));
    let with_keys =
        || -> Box<dyn StreamParser> { Box::new(Parser::with_keys(keys.clone(), 23307)) };
    assert_eq!(
        testkit::switch_of_every_split(&with_keys, &convs[1], 512),
        sw(45, false)
    );
    // The whole ingest keeps them by conversation, with and without the key log.
    let decode = [(crate::capture::flow::L4::Tcp, 23307, Some(AppProto::Mysql))];
    let c = testkit::capture("mysql-tls.pcap", &decode);
    let all = |c: &crate::capture::Capture| {
        c.tls_switches
            .iter()
            .map(|s| (s.conv, s.packet, s.shared))
            .collect::<Vec<_>>()
    };
    assert_eq!(all(&c), [(0, 5, false), (1, 45, false)]);
    assert_eq!(c.tls_switch(1).map(|s| s.packet), Some(45));
    assert_eq!(c.tls_switch(2), None);
    assert_eq!(all(&testkit::capture_with_keys("mysql-tls.pcap")), all(&c));
    // Without an SSL request nothing switched.
    assert!(testkit::capture("mariadb.pcap", &[])
        .tls_switches
        .is_empty());
}

#[test]
fn a_client_hello_in_the_ssl_requests_packet_shares_it_for_every_split() {
    let mut greeting = vec![10];
    greeting.extend_from_slice(b"8.0.36\0\x05\0\0\0abcdefgh\0\xff\xff\x21\x02\0\xff\xdf\x15");
    greeting.extend_from_slice(&[0; 10]);
    greeting.extend_from_slice(b"ijklmnopqrst\0mysql_native_password\0");
    // Capabilities with CLIENT_SSL and PROTOCOL_41, max packet, charset, 23 zeros.
    let mut ssl = 0x0000_8a0du32.to_le_bytes().to_vec();
    ssl.extend_from_slice(&[0, 0, 0, 1, 0x21]);
    ssl.extend_from_slice(&[0; 23]);
    let mut both = pkt(1, &ssl);
    // The start of a ClientHello record.
    both.extend_from_slice(b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03");
    let p = testkit::pieces(&[(false, &pkt(0, &greeting)), (true, &both)]);
    let sw = testkit::switch_of_every_split(&make, &p, usize::MAX).expect("switched");
    assert_eq!((sw.packet, sw.shared), (1, true));
    // The SSL request alone: not shared, and the ClientHello's packet comes after.
    let p = testkit::pieces(&[
        (false, &pkt(0, &greeting)),
        (true, &pkt(1, &ssl)),
        (true, b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03"),
    ]);
    let sw = testkit::switch_of_every_split(&make, &p, usize::MAX).expect("switched");
    assert_eq!((sw.packet, sw.shared), (1, false));
}

#[test]
fn corpus_captures() {
    let mysql = |txs: &[Transaction]| -> Vec<Mysql> {
        txs.iter()
            .filter_map(|t| match &t.detail {
                Detail::Mysql(m) => Some((**m).clone()),
                _ => None,
            })
            .collect()
    };
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/mysql/encrypted.pcap", 3306) {
        // The SSL request: TLS from there on, its handshake read; without secrets nothing
        // more.
        let d = mysql(&txs);
        assert_eq!(d.len(), 1);
        assert!(d[0].tls && d[0].command == "login");
        assert_eq!(txs.len(), 2);
        assert!(matches!(&txs[1].detail, Detail::Tls(t) if t.server_version == Some(0x0302)));
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/mysql/tls-13-amazon-rds.pcap", 3306)
    {
        let d = mysql(&txs);
        assert!(!d.is_empty() && d.iter().all(|m| m.tls));
    }
    if let Some(txs) = testkit::replay_all(
        &make,
        "corpus:deepflow/mysql/mysql-compressed-response.pcap",
        30130,
    ) {
        // Joined mid-way: the compressed framing is recognised, the query read from its
        // uncompressed frame, the compressed response reported as such.
        let d = testkit::details::<Mysql>(&txs);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (
                d[0].query.as_deref(),
                d[0].response.as_deref(),
                d[0].compressed
            ),
            (
                Some("SELECT * FROM `az_controller_connection`"),
                Some("compressed"),
                true
            )
        );
    }
    if let Some(txs) = testkit::replay_all(
        &make,
        "corpus:deepflow/mysql/partial-packet-compressed.pcap",
        30130,
    ) {
        let d = testkit::details::<Mysql>(&txs);
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|m| m.compressed && m.command == "query"));
        assert!(txs[0].response.is_some_and(|s| s.bytes() > 100_000));
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/mysql/many-query-attrs.pcap", 3306) {
        // Query attributes (CLIENT_QUERY_ATTRIBUTES) before the SQL are passed over.
        let d = testkit::details::<Mysql>(&txs);
        assert!(d.iter().any(|m| m.query.as_deref()
            == Some(
                "SELECT mysql_query_attribute_string('n1'), mysql_query_attribute_string('n2')"
            )));
        assert!(d.iter().all(|m| !m.incomplete));
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/mysql/auth.pcap", 3306) {
        // Three connections refused at once (1130, an ERR instead of a greeting), nine
        // logins denied (1045), one accepted.
        let d = testkit::details::<Mysql>(&txs);
        let logins: Vec<_> = d
            .iter()
            .filter(|m| m.command == "login")
            .map(|m| m.error_code)
            .collect();
        assert_eq!(
            logins,
            [Some(1130); 3]
                .into_iter()
                .chain([Some(1045); 9])
                .chain([None])
                .collect::<Vec<_>>()
        );
        assert!(txs[0].request.is_none());
    }
    if let Some(txs) =
        testkit::replay_all(&make, "corpus:deepflow/mysql/mysql-login-error.pcap", 3306)
    {
        let d = testkit::details::<Mysql>(&txs);
        assert_eq!(
            (d[0].error_code, d[0].error_message.as_deref()),
            (Some(1040), Some("Too many connections"))
        );
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:deepflow/mysql/large-response.pcap", 6033)
    {
        let d = testkit::details::<Mysql>(&txs);
        assert_eq!(
            d.iter().map(|m| (m.columns, m.rows)).collect::<Vec<_>>(),
            [(Some(5), Some(3)), (Some(21), Some(3))]
        );
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:deepflow/mysql/truncate-1024.pcap", 6033)
    {
        let d = testkit::details::<Mysql>(&txs);
        let got: Vec<_> = d.iter().map(|m| (m.command.as_str(), m.rows)).collect();
        assert_eq!(
            got,
            [
                ("stmt_prepare", None),
                ("stmt_execute", Some(3)),
                ("stmt_close", None),
                ("query", Some(3))
            ]
        );
    }
    if let Some(txs) = testkit::replay_all(
        &make,
        "corpus:zeek/mysql/caching_sha2_password-after-auth-switch.pcapng",
        3306,
    ) {
        let d = testkit::details::<Mysql>(&txs);
        assert_eq!(
            (
                d[0].response.as_deref(),
                d[4].command.as_str(),
                d[4].response.as_deref()
            ),
            (Some("ok"), "statistics", Some("text"))
        );
    }
}

#[test]
fn deprecate_eof_multiple_result_sets_and_local_infile() {
    // A greeting and a login with CLIENT_DEPRECATE_EOF and multi-results.
    let mut greeting = b"\x0a8.0.36\x00\x07\x00\x00\x00abcdefgh\x00\xff\xff\x21\x02\x00\xff\xdf\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00ijklmnopqrstu\x00caching_sha2_password\x00".to_vec();
    greeting[0] = 10;
    let caps: u32 =
        0x0100_0000 | 0x0002_0000 | 0x0000_8000 | 0x0000_0200 | 0x0000_0008 | 0x0008_0000;
    let mut response = caps.to_le_bytes().to_vec();
    response.extend_from_slice(&[0, 0, 0, 1, 0x21]);
    response.extend_from_slice(&[0; 23]);
    response.extend_from_slice(b"app\x00\x00db1\x00caching_sha2_password\x00");
    let mut server_rs = pkt(1, b"\x01");
    server_rs.extend(pkt(2, &column()));
    server_rs.extend(pkt(3, b"\x011"));
    server_rs.extend(pkt(4, b"\x012"));
    // The OK (0xFE) ending the first set says more results exist.
    server_rs.extend(pkt(5, b"\xfe\x00\x00\x0a\x00\x00\x00"));
    server_rs.extend(pkt(6, b"\x01"));
    server_rs.extend(pkt(7, &column()));
    server_rs.extend(pkt(8, b"\x013"));
    server_rs.extend(pkt(9, b"\xfe\x00\x00\x02\x00\x00\x00"));
    let txs = run(&[
        (false, pkt(0, &greeting)),
        (true, pkt(1, &response)),
        (false, pkt(2, b"\x01\x03")),
        (false, pkt(3, OK)),
        (true, pkt(0, b"\x03CALL p()")),
        (false, server_rs),
        (true, pkt(0, b"\x03LOAD DATA LOCAL INFILE 'f' INTO TABLE t")),
        (false, pkt(1, b"\xfbf")),
        (true, [pkt(2, b"a,b\n"), pkt(3, b"")].concat()),
        (false, pkt(4, b"\x00\x01\x00\x02\x00\x00\x00")),
        (true, pkt(0, b"\x0e")),
        (false, pkt(1, OK)),
        (true, pkt(0, b"\x02other")),
        (false, pkt(1, b"\xff\x19\x04#42000Unknown database 'other'")),
    ]);
    let d = testkit::details::<Mysql>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| {
            (
                m.command.as_str(),
                m.response.as_deref(),
                m.rows,
                m.result_sets,
                m.affected_rows,
                m.error_code,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("login", Some("ok"), None, None, None, None),
            ("query", Some("result_set"), Some(3), Some(2), None, None),
            ("query", Some("ok"), None, None, Some(1), None),
            ("ping", Some("ok"), None, None, Some(0), None),
            ("init_db", Some("error"), None, None, None, Some(1049)),
        ]
    );
    assert_eq!(
        (
            d[0].user.as_deref(),
            d[0].schema.as_deref(),
            d[0].server_version.as_deref(),
            d[0].connection_id
        ),
        (Some("app"), Some("db1"), Some("8.0.36"), Some(7))
    );
    assert_eq!(d[4].schema.as_deref(), Some("other"));
    // The login spans the client's response to the server's OK.
    assert_eq!(txs[0].request.map(|s| s.first()), Some(1));
    assert_eq!(txs[0].response.map(|s| (s.first(), s.last())), Some((2, 3)));
}

#[test]
fn compressed_protocol_after_login() {
    let greeting = b"\x0a5.7.44\x00\x09\x00\x00\x00abcdefgh\x00\xff\xff\x21\x02\x00\xff\xc1\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00ijklmnopqrstu\x00mysql_native_password\x00";
    let caps: u32 = 0x0000_0020 | 0x0000_8000 | 0x0000_0200 | 0x0008_0000;
    let mut response = caps.to_le_bytes().to_vec();
    response.extend_from_slice(&[0, 0, 0, 1, 0x21]);
    response.extend_from_slice(&[0; 23]);
    response.extend_from_slice(b"u\x00\x00mysql_native_password\x00");
    // Compressed frames: 3-byte length, sequence id, 3-byte uncompressed length.
    let frame = |seq: u8, uncompressed: u32, payload: &[u8]| {
        let mut v = (payload.len() as u32).to_le_bytes()[..3].to_vec();
        v.push(seq);
        v.extend_from_slice(&uncompressed.to_le_bytes()[..3]);
        v.extend_from_slice(payload);
        v
    };
    let txs = run(&[
        (false, pkt(0, greeting)),
        (true, pkt(1, &response)),
        (false, pkt(2, OK)),
        (true, frame(0, 0, &pkt(0, b"\x03SELECT 1"))),
        (false, frame(0, 0, &pkt(1, OK))),
        (true, frame(0, 0, &pkt(0, b"\x03SELECT * FROM big"))),
        (false, frame(1, 5000, b"\x78\x9c\x01\x02\x03\x04")),
        (false, frame(2, 5000, b"\x78\x9c\x05\x06")),
        (true, frame(0, 300, b"\x78\x9c\x07\x08")),
        (false, frame(1, 0, &pkt(1, OK))),
    ]);
    let d = testkit::details::<Mysql>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| {
            (
                m.command.as_str(),
                m.query.as_deref(),
                m.response.as_deref(),
                m.compressed,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("login", None, Some("ok"), true),
            ("query", Some("SELECT 1"), Some("ok"), true),
            ("query", Some("SELECT * FROM big"), Some("compressed"), true),
            ("compressed", None, Some("ok"), true),
        ]
    );
    assert_eq!(txs[2].response.map(|s| (s.first(), s.last())), Some((6, 7)));
}

#[test]
fn prepared_statements_without_the_handshake() {
    // Joined mid-way: whether EOFs follow definitions is learned from the packets.
    let prepare_ok = b"\x00\x05\x00\x00\x00\x01\x00\x02\x00\x00\x00\x00";
    let mut defs = pkt(1, prepare_ok);
    defs.extend(pkt(2, &column()));
    defs.extend(pkt(3, &column()));
    defs.extend(pkt(4, EOF));
    defs.extend(pkt(5, &column()));
    defs.extend(pkt(6, EOF));
    let mut rows = pkt(1, b"\x01");
    rows.extend(pkt(2, &column()));
    rows.extend(pkt(3, EOF));
    rows.extend(pkt(4, b"\x00\x00\x01\x00\x00\x00"));
    rows.extend(pkt(5, b"\xfe\x00\x00\x22\x00"));
    let txs = run(&[
        (true, pkt(0, b"\x16SELECT a FROM t WHERE b = ? AND c = ?")),
        (false, defs),
        (true, pkt(0, b"\x17\x05\x00\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x00\x03\x00\x01\x00\x00\x00\x02\x00\x00\x00")),
        (false, rows),
        (true, [pkt(0, b"\x19\x05\x00\x00\x00"), pkt(0, b"\x01")].concat()),
    ]);
    let d = testkit::details::<Mysql>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| {
            (
                m.command.as_str(),
                m.stmt_id,
                m.params,
                m.columns,
                m.rows,
                m.query.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("stmt_prepare", Some(5), Some(2), Some(1), None, true),
            ("stmt_execute", Some(5), None, Some(1), Some(1), true),
            ("stmt_close", Some(5), None, None, None, true),
            ("quit", None, None, None, None, false),
        ]
    );
}

#[test]
fn long_packets_are_counted_not_buffered() {
    let mut p = Parser::new();
    let mut out = Vec::new();
    // A 20 MB query: a 0xFFFFFF packet and its continuation.
    let total = 20_000_000usize;
    let first = 0xff_ffffusize;
    let mut head = vec![0xff, 0xff, 0xff, 0, 0x03];
    head.extend_from_slice(b"INSERT INTO t VALUES ");
    p.data(true, &head, at(0), &mut out);
    let chunk = vec![b'7'; 65536];
    let mut sent = 1 + 21;
    while sent < first {
        let n = chunk.len().min(first - sent);
        p.data(true, &chunk[..n], at(1), &mut out);
        sent += n;
    }
    let rest = total - first;
    p.data(
        true,
        &[
            (rest & 0xff) as u8,
            (rest >> 8 & 0xff) as u8,
            (rest >> 16) as u8,
            1,
        ],
        at(2),
        &mut out,
    );
    let mut sent = 0;
    while sent < rest {
        let n = chunk.len().min(rest - sent);
        p.data(true, &chunk[..n], at(3), &mut out);
        sent += n;
    }
    assert!(p.client.kept.capacity() <= MAX_QUERY * 2);
    p.data(
        false,
        &pkt(2, b"\x00\x05\x00\x02\x00\x00\x00"),
        at(4),
        &mut out,
    );
    let d = testkit::details::<Mysql>(&out);
    assert_eq!(d.len(), 1);
    assert!(
        d[0].query_truncated
            && d[0]
                .query
                .as_ref()
                .is_some_and(|q| q.len() == MAX_QUERY - 1 && q.starts_with("INSERT"))
    );
    assert_eq!(d[0].affected_rows, Some(5));
    assert_eq!(out[0].request.map(|s| s.bytes()), Some(total as u64 + 8));
}

#[test]
fn gaps() {
    // Inside a row: still in step.
    let mut rows = pkt(1, b"\x01");
    rows.extend(pkt(2, &column()));
    rows.extend(pkt(3, EOF));
    rows.extend(pkt(4, &[b"\x0a".as_slice(), &[b'x'; 10]].concat()));
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(true, pkt(0, b"\x03SELECT c FROM t"), at(0)),
            Piece::Data(false, rows[..rows.len() - 6].to_vec(), at(1)),
            Piece::Gap(false, 4, at(2)),
            Piece::Data(
                false,
                [&rows[rows.len() - 2..], &pkt(5, EOF)[..]].concat(),
                at(3),
            ),
            Piece::Data(true, pkt(0, b"\x03SELECT 2"), at(4)),
            Piece::Data(false, pkt(1, OK), at(5)),
        ],
        &testkit::whole,
    );
    let d = testkit::details::<Mysql>(&txs);
    assert_eq!(
        d.iter().map(|m| (m.rows, m.incomplete)).collect::<Vec<_>>(),
        [(Some(1), true), (None, false)]
    );
    // Across packets: the response is lost; the next command is found again.
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(true, pkt(0, b"\x03SELECT c FROM t"), at(0)),
            Piece::Data(false, pkt(1, b"\x01")[..3].to_vec(), at(1)),
            Piece::Gap(false, 400, at(2)),
            Piece::Data(false, b"garbage".to_vec(), at(3)),
            Piece::Gap(true, 10, at(4)),
            Piece::Data(true, b"more garbage".to_vec(), at(5)),
            Piece::Data(true, pkt(0, b"\x03SELECT 2"), at(6)),
            Piece::Data(false, pkt(1, OK), at(7)),
        ],
        &testkit::whole,
    );
    let d = testkit::details::<Mysql>(&txs);
    assert_eq!(
        d.iter()
            .map(|m| (m.query.as_deref(), m.incomplete, m.response.as_deref()))
            .collect::<Vec<_>>(),
        [
            (Some("SELECT c FROM t"), true, None),
            (Some("SELECT 2"), false, Some("ok"))
        ]
    );
}

#[test]
fn the_first_segment_is_judged_the_same_however_it_is_chunked() {
    // Found by the fuzz target: an 11-byte first segment read as a 4-byte plain packet
    // was judged on 8 bytes when fed byte by byte, and sniffed as compressed framing
    // when fed whole.
    let p = vec![
        Piece::Data(true, vec![4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], at(0)),
        Piece::Data(true, pkt(0, b"\x03SELECT 1"), at(1)),
        Piece::Data(false, pkt(1, OK), at(2)),
    ];
    testkit::check_splits(&make, &p, usize::MAX);
}

#[test]
fn malformed_input_never_panics() {
    use proptest::prelude::*;
    testkit::never_panics(
        &make,
        b"\x00\x01\xfe\xff\x03",
        (0u8..4, proptest::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(seq, body)| pkt(seq, &body))
            .boxed(),
    );
}
