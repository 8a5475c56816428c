use super::super::testkit::{self, at, Piece};
use super::*;

fn make() -> Box<dyn StreamParser> {
    Box::new(Parser::new())
}

#[test]
fn real_capture_with_pipelines_errors_and_resp3() {
    let Some(txs) = testkit::replay_all(&make, "tests/data/servers/redis.pcap", 26379) else {
        return;
    };
    let d = testkit::details::<Redis>(&txs);
    assert_eq!(d.len(), 71);
    assert!(
        d.iter().all(|r| !r.incomplete && !r.push)
            && txs
                .iter()
                .all(|t| t.request.is_some() && t.response.is_some())
    );
    // redis-py 6 says HELLO 3: the rest is RESP3.
    assert_eq!(
        (
            d[0].command.as_str(),
            d[0].reply,
            d[0].reply_len,
            d[0].resp3
        ),
        ("HELLO", Some(ReplyType::Map), Some(7), true)
    );
    let errors: Vec<_> = d
        .iter()
        .filter_map(|r| r.error.as_deref().map(|e| (r.command.as_str(), e)))
        .collect();
    assert_eq!(errors.len(), 5);
    assert_eq!(
        errors[3],
        ("INCRBY", "ERR value is not an integer or out of range")
    );
    assert!(errors[4]
        .1
        .starts_with("ERR unknown command 'NOSUCHCOMMAND'"));
    let gets = d
        .iter()
        .filter(|r| r.command == "GET" && r.keys == ["user:1"])
        .count();
    assert_eq!(gets, 15);
    let missing = d.iter().find(|r| r.keys == ["missing"]).expect("the miss");
    assert_eq!(missing.reply, Some(ReplyType::Null));
    // The big value: counted on the way in and out.
    let big: Vec<_> = d
        .iter()
        .filter(|r| r.keys == ["blob"])
        .map(|r| (r.command.as_str(), r.value_len))
        .collect();
    assert_eq!(big, [("SET", Some(200_000)), ("GET", Some(200_000))]);
    // The pipeline: 40 commands in one segment, their replies in order.
    let pipe: Vec<_> = txs
        .iter()
        .zip(&d)
        .filter(|(_, r)| r.keys.first().is_some_and(|k| k.starts_with("pipe:")))
        .collect();
    assert_eq!(pipe.len(), 40);
    assert!(pipe
        .iter()
        .all(|(t, _)| t.request.map(|s| s.first()) == pipe[0].0.request.map(|s| s.first())));
    for (i, (_, r)) in pipe.iter().enumerate() {
        let n = i / 2;
        if i % 2 == 0 {
            assert_eq!(
                (r.command.as_str(), r.reply_text.as_deref()),
                ("SET", Some("OK"))
            );
        } else {
            assert_eq!(
                (r.command.as_str(), r.reply_len),
                ("GET", Some(n.to_string().len() as u64))
            );
        }
    }
    // DEBUG SLEEP 0.2: the slow one.
    let slow = txs
        .iter()
        .zip(&d)
        .find(|(_, r)| r.command == "DEBUG")
        .expect("DEBUG");
    let packets = testkit::packets_of("tests/data/servers/redis.pcap");
    assert!(slow
        .0
        .time_to_first_byte_ns(&packets)
        .is_some_and(|ns| ns >= 200_000_000));
    let del = d.last().expect("DEL");
    assert_eq!(
        (
            del.command.as_str(),
            del.keys.len(),
            del.reply_text.as_deref()
        ),
        ("DEL", 3, Some("3"))
    );
}

#[test]
fn every_split_of_real_captures_gives_the_same_transactions() {
    testkit::check_splits_of(
        &make,
        &[
            ("tests/data/servers/redis.pcap", 26379),
            ("corpus:zeek/redis/pubsub.pcap", 6379),
            ("corpus:zeek/redis/attr.pcap", 6379),
            ("corpus:tcpdump/resp_2_inline.pcap", 6379),
            ("corpus:zeek/redis/large-requests-responses.pcap", 6379),
        ],
        48,
    );
}

#[test]
fn corpus_captures() {
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/redis/pubsub.pcap", 6379) {
        let d = testkit::details::<Redis>(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|r| (r.command.as_str(), r.push, r.args.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("SUBSCRIBE", false, 1),
                ("PSUBSCRIBE", false, 1),
                ("message", true, 2),
                ("pmessage", true, 3),
                ("pmessage", true, 3),
                ("RESET", false, 0),
                ("GET", false, 1),
                ("PUBLISH", false, 2),
                ("PUBLISH", false, 2),
                ("SET", false, 2)
            ]
        );
        assert_eq!(d[2].args, ["Foo", "Hi there :)"]);
    }
    if let Some(txs) =
        testkit::replay_all(&make, "corpus:zeek/redis/start-with-server.pcapng", 6379)
    {
        let d = testkit::details::<Redis>(&txs);
        // The capture starts with a reply: reported without its request.
        assert!(
            txs[0].request.is_none() && d[0].incomplete && d[0].reply_text.as_deref() == Some("OK")
        );
        assert_eq!(
            (d[1].command.as_str(), d[1].keys.as_slice()),
            ("SET", &["hello".to_string()][..])
        );
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/redis/attr.pcap", 6379) {
        let d = testkit::details::<Redis>(&txs);
        // An attribute before the reply (and one inside it) is passed over.
        assert_eq!(
            (d[0].command.as_str(), d[0].reply, d[0].reply_len),
            ("FAKE", Some(ReplyType::Array), Some(3))
        );
        assert_eq!(
            (d[1].command.as_str(), d[1].reply, d[1].reply_len),
            ("FAKE2", Some(ReplyType::Array), Some(2))
        );
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:tcpdump/resp_2_inline.pcap", 6379) {
        let d = testkit::details::<Redis>(&txs);
        assert_eq!(d.len(), 12);
        assert!(d.iter().all(|r| r.inline && !r.incomplete));
        assert_eq!(
            (d[9].command.as_str(), d[9].reply_len),
            ("LRANGE", Some(174))
        );
    }
    if let Some(txs) = testkit::replay_all(
        &make,
        "corpus:zeek/redis/large-requests-responses.pcap",
        6379,
    ) {
        let d = testkit::details::<Redis>(&txs);
        assert_eq!(
            (d[0].command.as_str(), d[0].reply_len),
            ("COMMAND", Some(544))
        );
        assert!(txs[0].response.is_some_and(|s| s.bytes() > 200_000));
    }
    for f in [
        "corpus:tcpdump/resp_3_malicious.pcap",
        "corpus:tcpdump/resp_4_infiniteloop.pcapng",
        "corpus:zeek/redis/almost-resp.pcap",
    ] {
        let _ = testkit::replay_all(&make, f, 6379);
    }
    if let Some(txs) = testkit::replay_all(&make, "corpus:zeek/redis/django-cloud.pcapng", 10625) {
        assert!(txs.len() > 100);
        assert!(testkit::details::<Redis>(&txs)
            .iter()
            .all(|r| !r.command.is_empty()));
    }
}

#[test]
fn resp3_reply_types() {
    let txs = testkit::run(&make, &[
        (true, b"*1\r\n$5\r\nHELLO\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$1\r\nA\r\n*1\r\n$1\r\nB\r\n*1\r\n$1\r\nC\r\n*1\r\n$1\r\nD\r\n*1\r\n$1\r\nE\r\n*1\r\n$1\r\nF\r\n*1\r\n$1\r\nG\r\n*1\r\n$1\r\nH\r\n"),
        (
            false,
            b"%1\r\n+proto\r\n:3\r\n_\r\n#t\r\n,3.14\r\n(3492890328409238509324850943850943825024385\r\n=15\r\ntxt:Some string\r\n~2\r\n+a\r\n+b\r\n!21\r\nSYNTAX invalid syntax\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n|1\r\n+ttl\r\n:9\r\n$-1\r\n",
        ),
    ]);
    let d = testkit::details::<Redis>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|r| {
            (
                r.command.as_str(),
                r.reply,
                r.reply_text.as_deref(),
                r.error.as_deref(),
                r.push,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("HELLO", Some(ReplyType::Map), None, None, false),
            ("GET", Some(ReplyType::Null), None, None, false),
            ("A", Some(ReplyType::Boolean), Some("t"), None, false),
            ("B", Some(ReplyType::Double), Some("3.14"), None, false),
            (
                "C",
                Some(ReplyType::BigNumber),
                Some("3492890328409238509324850943850943825024385"),
                None,
                false
            ),
            ("D", Some(ReplyType::VerbatimString), None, None, false),
            ("E", Some(ReplyType::Set), None, None, false),
            (
                "F",
                Some(ReplyType::BulkError),
                None,
                Some("SYNTAX invalid syntax"),
                false
            ),
            ("message", Some(ReplyType::Push), None, None, true),
            ("G", Some(ReplyType::Null), None, None, false),
            ("H", None, None, None, false),
        ]
    );
    assert!(d[10].incomplete && txs[10].response.is_none());
    assert_eq!(d[5].reply_len, Some(15));
    assert!(txs[8].request.is_none());
}

#[test]
fn inline_commands_with_quotes() {
    let txs = testkit::run(
        &make,
        &[
            (
                true,
                b"SET greeting \"hello world\\n\"\r\nGET 'greeting'\r\n\r\nPING\r\n",
            ),
            (false, b"+OK\r\n$12\r\nhello world\n\r\n+PONG\r\n"),
        ],
    );
    let d = testkit::details::<Redis>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|r| (r.command.as_str(), r.args.clone(), r.inline))
        .collect();
    assert_eq!(
        got,
        [
            (
                "SET",
                vec!["greeting".to_string(), "hello world\n".into()],
                true
            ),
            ("GET", vec!["greeting".to_string()], true),
            ("PING", vec![], true)
        ]
    );
    assert_eq!(d[0].value_len, Some(12));
}

#[test]
fn keys_of_multi_key_commands() {
    let cmd = |words: &[&str]| -> Vec<u8> {
        let mut v = format!("*{}\r\n", words.len()).into_bytes();
        for w in words {
            v.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
        }
        v
    };
    let mut req = Vec::new();
    for w in [
        &["MSET", "a", "1", "b", "22"][..],
        &["BLPOP", "q1", "q2", "0"],
        &["EVAL", "return 1", "2", "k1", "k2", "argv"],
        &["PING"],
        &["HSET", "h", "f", "vvv"],
    ] {
        req.extend(cmd(w));
    }
    let txs = testkit::run(
        &make,
        &[
            (true, &req),
            (false, b"+OK\r\n*-1\r\n:1\r\n+PONG\r\n:1\r\n"),
        ],
    );
    let d = testkit::details::<Redis>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|r| (r.command.as_str(), r.keys.clone(), r.value_len))
        .collect();
    assert_eq!(
        got,
        [
            ("MSET", vec!["a".to_string(), "b".into()], Some(2)),
            ("BLPOP", vec!["q1".to_string(), "q2".into()], Some(1)),
            ("EVAL", vec!["k1".to_string(), "k2".into()], None),
            ("PING", vec![], None),
            ("HSET", vec!["h".to_string()], Some(3)),
        ]
    );
    assert_eq!(d[1].reply, Some(ReplyType::Null));
}

#[test]
fn a_big_bulk_string_is_counted_not_buffered() {
    let mut p = Parser::new();
    let mut out = Vec::new();
    let n = 3_000_000usize;
    p.data(
        true,
        format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${n}\r\n").as_bytes(),
        at(0),
        &mut out,
    );
    let chunk = vec![b'v'; 60_000];
    let mut sent = 0;
    while sent < n {
        let k = chunk.len().min(n - sent);
        p.data(true, &chunk[..k], at(1), &mut out);
        sent += k;
        assert!(
            p.client.buf.capacity() < 4096
                && p.client
                    .keep
                    .as_ref()
                    .is_none_or(|k| k.len() <= MAX_ARG_TEXT)
        );
    }
    p.data(true, b"\r\n", at(2), &mut out);
    p.data(false, b"+OK\r\n", at(3), &mut out);
    let d = testkit::details::<Redis>(&out);
    assert_eq!(
        (d[0].command.as_str(), d[0].value_len, d[0].args[1].len()),
        ("SET", Some(n as u64), MAX_ARG_TEXT)
    );
    assert_eq!(out[0].request.map(|s| (s.first(), s.last())), Some((0, 2)));
}

#[test]
fn gaps() {
    // Inside a bulk string of known length: still in step.
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(true, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".to_vec(), at(0)),
            Piece::Data(false, b"$10\r\n01".to_vec(), at(1)),
            Piece::Gap(false, 5, at(2)),
            Piece::Data(false, b"789\r\n".to_vec(), at(3)),
            Piece::Data(true, b"*1\r\n$4\r\nPING\r\n".to_vec(), at(4)),
            Piece::Data(false, b"+PONG\r\n".to_vec(), at(5)),
        ],
        &testkit::whole,
    );
    let d = testkit::details::<Redis>(&txs);
    assert_eq!(
        d.iter()
            .map(|r| (r.command.as_str(), r.incomplete))
            .collect::<Vec<_>>(),
        [("GET", true), ("PING", false)]
    );
    assert_eq!(d[0].reply_len, Some(10));
    // Across messages: the reply in progress is lost (its command is reported without
    // it), and the parser takes the next line that starts a reply.
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(
                true,
                b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*1\r\n$4\r\nPING\r\n"
                    .to_vec(),
                at(0),
            ),
            Piece::Data(false, b"$3\r\nxy".to_vec(), at(1)),
            Piece::Gap(false, 30, at(2)),
            Piece::Data(false, b"zzz\r\n$1\r\nq\r\n+PONG\r\n".to_vec(), at(3)),
        ],
        &testkit::whole,
    );
    let d = testkit::details::<Redis>(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|r| (r.command.as_str(), r.incomplete, r.reply))
        .collect();
    assert_eq!(
        got,
        [
            ("GET", true, None),
            ("GET", false, Some(ReplyType::BulkString)),
            ("PING", false, Some(ReplyType::SimpleString))
        ]
    );
    // A gap in the client's bytes: the next array is a command again.
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(true, b"*2\r\n$3\r\nGET\r\n$5\r\nab".to_vec(), at(0)),
            Piece::Gap(true, 40, at(1)),
            Piece::Data(
                true,
                b"cd\r\n$2\r\nzz\r\n*1\r\n$4\r\nPING\r\n".to_vec(),
                at(2),
            ),
            Piece::Data(false, b"$-1\r\n+PONG\r\n".to_vec(), at(3)),
        ],
        &testkit::whole,
    );
    let d = testkit::details::<Redis>(&txs);
    // The cut GET is reported (incomplete) with its reply.
    assert_eq!(
        d.iter()
            .map(|r| (r.command.as_str(), r.incomplete, r.reply))
            .collect::<Vec<_>>(),
        [
            ("GET", true, Some(ReplyType::Null)),
            ("PING", false, Some(ReplyType::SimpleString))
        ]
    );
}

#[test]
fn malformed_input_never_panics() {
    testkit::never_panics(
        &make,
        b"\r\n*$%|>1-",
        testkit::one_of(&[
            b"*2\r\n",
            b"$3\r\nabc\r\n",
            b"%1\r\n",
            b"|1\r\n",
            b">2\r\n",
            b"$-1\r\n",
            b"+OK\r\n",
            b":1\r\n",
        ]),
    );
    // Deep nesting is refused, not recursed into.
    let mut p = Parser::new();
    let mut out = Vec::new();
    p.data(false, &b"*1\r\n".repeat(100_000), at(0), &mut out);
    assert!(p.server.stack.len() <= MAX_DEPTH);
}
