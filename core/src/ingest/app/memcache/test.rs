use super::super::testkit::{self, at, pieces, Piece};
use super::*;
use crate::capture::app::memcache::Memcache;

fn make() -> Box<dyn StreamParser> {
    Box::new(Parser::new())
}

fn keys(m: &Parts) -> Vec<(&str, Option<bool>, Option<u64>)> {
    m.keys
        .iter()
        .map(|k| (k.key(), k.hit(), k.value_len()))
        .collect()
}

/// The memcached transactions' details, every field apart; each packs into a
/// [`Memcache`] and back unchanged.
fn details(txs: &[Transaction]) -> Vec<Parts> {
    testkit::details::<Memcache>(txs)
        .into_iter()
        .map(|m| {
            let parts = m.parts();
            assert_eq!(&Memcache::from(parts.clone()), m);
            parts
        })
        .collect()
}

#[test]
fn real_capture_of_text_and_binary_protocols() {
    let Some(convs) = testkit::conversations("tests/data/servers/memcached.pcap", 21211) else {
        return;
    };
    assert_eq!(convs.len(), 3);
    let txs: Vec<Transaction> = convs
        .iter()
        .flat_map(|c| testkit::replay(&make, c, &testkit::whole))
        .collect();
    let d = details(&txs);
    assert_eq!(d.len(), 49);
    assert!(d.iter().all(|m| !m.incomplete), "nothing lost");
    // 20 gets of the hot key, plus one in the multi-get.
    let hot = d
        .iter()
        .filter(|m| {
            &*m.command == "get"
                && m.keys
                    .iter()
                    .any(|k| k.key() == "user:1" && k.hit() == Some(true))
        })
        .count();
    assert_eq!(hot, 21);
    let multi = d.iter().find(|m| m.keys.len() == 4).expect("the multi-get");
    assert_eq!(
        keys(multi),
        [
            ("user:1", Some(true), Some(5)),
            ("user:2", Some(true), Some(3)),
            ("missing:1", Some(false), None),
            ("session:abc", Some(true), Some(3000))
        ]
    );
    assert_eq!((multi.hits, multi.misses), (3, 1));
    // pymemcache sends storage commands with noreply: complete on the request.
    let big = txs
        .iter()
        .zip(&d)
        .find(|(_, m)| &*m.command == "set" && m.keys[0].key() == "big:blob")
        .expect("the big set");
    assert_eq!(big.1.keys[0].value_len(), Some(1_052_672));
    assert!(big.1.noreply && big.0.response.is_none());
    assert_eq!(big.0.request.map(|s| (s.first(), s.last())), Some((67, 91)));
    let get_big = txs
        .iter()
        .zip(&d)
        .find(|(_, m)| &*m.command == "get" && m.keys[0].key() == "big:blob")
        .expect("get big");
    assert_eq!(get_big.1.keys[0].value_len(), Some(1_052_672));
    assert_eq!(
        get_big.0.response.map(|s| (s.first(), s.last())),
        Some((94, 127))
    );
    let cas = d.iter().find(|m| &*m.command == "cas").expect("cas");
    assert_eq!(cas.status.as_deref(), Some("STORED"));
    let incr = d.iter().find(|m| &*m.command == "incr").expect("incr");
    assert_eq!(
        (incr.status.as_deref(), incr.arg.as_deref(), incr.hits),
        (Some("15"), Some("5"), 1)
    );
    let stats = d.iter().find(|m| &*m.command == "stats").expect("stats");
    assert_eq!((stats.stats, stats.status.as_deref()), (92, Some("END")));
    // The pipelined connection: replies in order.
    let pipelined: Vec<_> = d
        .iter()
        .filter(|m| m.keys.iter().any(|k| k.key().starts_with("p")))
        .map(|m| (&*m.command, m.status.as_deref(), m.hits, m.misses))
        .collect();
    assert_eq!(
        pipelined,
        [
            ("set", Some("STORED"), 0, 0),
            ("set", Some("STORED"), 0, 0),
            ("get", Some("END"), 2, 1),
            ("delete", Some("DELETED"), 1, 0)
        ]
    );
    // The binary connection.
    let binary: Vec<_> = d
        .iter()
        .filter(|m| m.binary)
        .map(|m| {
            (
                &*m.command,
                m.status_code,
                m.hits,
                m.misses,
                m.keys[0].value_len(),
            )
        })
        .collect();
    assert_eq!(
        binary,
        [
            ("set", Some(0), 0, 0, Some(5)),
            ("get", Some(0), 1, 0, Some(5)),
            ("get", Some(1), 0, 1, None),
            ("delete", Some(0), 1, 0, None)
        ]
    );
    let miss = d
        .iter()
        .find(|m| m.binary && m.misses == 1)
        .expect("binary miss");
    assert_eq!(miss.message.as_deref(), Some("Not found"));
    // Latency: the get of the big value took from packet 93 to 127.
    let packets = testkit::packets_of("tests/data/servers/memcached.pcap");
    assert!(get_big.0.duration_ns(&packets).is_some_and(|ns| ns > 0));
}

#[test]
fn every_split_of_the_real_capture_gives_the_same_transactions() {
    testkit::check_splits_of(&make, &[("tests/data/servers/memcached.pcap", 21211)], 64);
}

#[test]
fn corpus_captures() {
    if let Some(convs) = testkit::conversations("corpus:deepflow/memcached/memcached.pcap", 11211) {
        let txs = testkit::replay(&make, &convs[0], &testkit::whole);
        let d = details(&txs);
        let summary: Vec<_> = d
            .iter()
            .map(|m| (&*m.command, m.status.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("set", Some("STORED")),
                ("get", Some("END")),
                ("quit", None)
            ]
        );
        testkit::check_splits(&make, &convs[0], usize::MAX);
    }
    if let Some(convs) =
        testkit::conversations("corpus:deepflow/memcached/memcached-userdata.pcap", 11211)
    {
        let txs = testkit::replay(&make, &convs[0], &testkit::whole);
        let d = details(&txs);
        // 10154 requests; the last one's reply was not captured.
        assert_eq!(d.len(), 10154);
        assert_eq!(d.iter().filter(|m| m.incomplete).count(), 1);
        assert!(txs.iter().all(|t| t.request.is_some()));
        let count = |c: &str| d.iter().filter(|m| &*m.command == c).count();
        assert_eq!((count("get"), count("gets"), count("set")), (10041, 112, 1));
        testkit::check_splits(&make, &convs[0][..200], 8);
    }
}

#[test]
fn commands_and_replies() {
    let txs = testkit::run(&make, &[
        (true, b"version\r\nstats slabs\r\nflush_all 10\r\nverbosity 1 noreply\r\ntouch k 10\r\ngat 100 a b\r\n"),
        (false, b"VERSION 1.6.18\r\nSTAT 1:chunk_size 96\r\nSTAT active_slabs 1\r\nEND\r\nOK\r\nTOUCHED\r\nVALUE a 0 2\r\nxy\r\nEND\r\n"),
        (true, b"cas k 0 0 1 99\r\nz\r\nadd k 0 0 1\r\nz\r\ndelete nope\r\nincr nope 1\r\nbogus\r\nset k 0 0 abc\r\n"),
        (false, b"EXISTS\r\nNOT_STORED\r\nNOT_FOUND\r\nNOT_FOUND\r\nERROR\r\nCLIENT_ERROR bad command line format\r\n"),
        (true, b"get x\r\n"),
        (false, b"SERVER_ERROR out of memory\r\n"),
    ]);
    let d = details(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| {
            (
                &*m.command,
                m.status.as_deref(),
                m.message.as_deref(),
                m.noreply,
                m.error,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("verbosity", None, None, true, false),
            ("version", Some("VERSION"), Some("1.6.18"), false, false),
            ("stats", Some("END"), None, false, false),
            ("flush_all", Some("OK"), None, false, false),
            ("touch", Some("TOUCHED"), None, false, false),
            ("gat", Some("END"), None, false, false),
            ("cas", Some("EXISTS"), None, false, false),
            ("add", Some("NOT_STORED"), None, false, false),
            ("delete", Some("NOT_FOUND"), None, false, false),
            ("incr", Some("NOT_FOUND"), None, false, false),
            ("bogus", Some("ERROR"), None, false, true),
            (
                "set",
                Some("CLIENT_ERROR"),
                Some("bad command line format"),
                false,
                true
            ),
            (
                "get",
                Some("SERVER_ERROR"),
                Some("out of memory"),
                false,
                true
            ),
        ]
    );
    assert_eq!(d[2].arg.as_deref(), Some("slabs"));
    assert_eq!(d[2].stats, 2);
    assert_eq!(
        keys(&d[5]),
        [("a", Some(true), Some(2)), ("b", Some(false), None)]
    );
    assert_eq!(d[5].arg.as_deref(), Some("100"));
    assert_eq!((d[8].misses, d[9].misses), (1, 1));
    // Request and response spans: the packets they came in.
    assert_eq!(txs[1].request.map(|s| s.first()), Some(0));
    assert_eq!(
        txs[1].response.map(|s| (s.first(), s.bytes())),
        Some((1, 16))
    );
    assert_eq!(
        txs[1].time_to_first_byte_ns(&testkit::packets(2)),
        Some(1000)
    );
}

#[test]
fn meta_commands_with_quiet_mode() {
    let txs = testkit::run(
        &make,
        &[
            (
                true,
                b"mg hit v q\r\nmg miss v q\r\nms k 2 q\r\nhi\r\nmd gone q\r\nmn\r\nmg k s v\r\n",
            ),
            (false, b"VA 3\r\nabc\r\nNF\r\nMN\r\nVA 2 s2\r\nhi\r\n"),
        ],
    );
    let d = details(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| (&*m.command, m.status.as_deref(), m.hits, m.misses))
        .collect();
    assert_eq!(
        got,
        [
            ("mg", Some("VA"), 1, 0),
            ("mg", Some("EN"), 0, 1),
            ("ms", Some("HD"), 0, 0),
            ("md", Some("NF"), 0, 1),
            ("mn", Some("MN"), 0, 0),
            ("mg", Some("VA"), 1, 0)
        ]
    );
    assert_eq!(keys(&d[0]), [("hit", Some(true), Some(3))]);
    assert_eq!(keys(&d[2]), [("k", None, Some(2))]);
}

/// A binary request or response (BinaryProtocolRevamped's header).
fn bin(
    magic: u8,
    opcode: u8,
    key: &[u8],
    extras: &[u8],
    value: &[u8],
    status: u16,
    opaque: u32,
) -> Vec<u8> {
    let mut v = vec![magic, opcode];
    v.extend_from_slice(&(key.len() as u16).to_be_bytes());
    v.push(extras.len() as u8);
    v.push(0);
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&((extras.len() + key.len() + value.len()) as u32).to_be_bytes());
    v.extend_from_slice(&opaque.to_be_bytes());
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(extras);
    v.extend_from_slice(key);
    v.extend_from_slice(value);
    v
}

#[test]
fn binary_quiet_opcodes_and_stats() {
    let mut req = Vec::new();
    req.extend(bin(0x80, 0x0d, b"a", b"", b"", 0, 1)); // GetKQ hit
    req.extend(bin(0x80, 0x0d, b"b", b"", b"", 0, 2)); // GetKQ miss: no reply
    req.extend(bin(0x80, 0x11, b"c", &[0; 8], b"val", 0, 3)); // SetQ ok: no reply
    req.extend(bin(0x80, 0x11, b"d", &[0; 8], b"vv", 0, 4)); // SetQ failing: a reply
    req.extend(bin(0x80, 0x0a, b"", b"", b"", 0, 5)); // Noop
    req.extend(bin(0x80, 0x10, b"", b"", b"", 0, 6)); // Stat
    req.extend(bin(0x80, 0x05, b"n", &[0; 20], b"", 0, 7)); // Increment
    let mut resp = Vec::new();
    resp.extend(bin(0x81, 0x0d, b"a", &[0; 4], b"AAAA", 0, 1));
    resp.extend(bin(0x81, 0x11, b"", b"", b"Too large.", 3, 4));
    resp.extend(bin(0x81, 0x0a, b"", b"", b"", 0, 5));
    resp.extend(bin(0x81, 0x10, b"pid", b"", b"42", 0, 6));
    resp.extend(bin(0x81, 0x10, b"uptime", b"", b"7", 0, 6));
    resp.extend(bin(0x81, 0x10, b"", b"", b"", 0, 6));
    resp.extend(bin(0x81, 0x05, b"", b"", &8u64.to_be_bytes(), 0, 7));
    let txs = testkit::run(&make, &[(true, &req), (false, &resp)]);
    let d = details(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| {
            (
                &*m.command,
                m.status_code,
                m.hits,
                m.misses,
                m.error,
                m.stats,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("getkq", Some(0), 1, 0, false, 0),
            ("getkq", None, 0, 1, false, 0),
            ("setq", None, 0, 0, false, 0),
            ("setq", Some(3), 0, 0, true, 0),
            ("noop", Some(0), 0, 0, false, 0),
            ("stat", Some(0), 0, 0, false, 2),
            ("increment", Some(0), 1, 0, false, 0),
        ]
    );
    assert_eq!(keys(&d[0]), [("a", Some(true), Some(4))]);
    assert_eq!(d[3].message.as_deref(), Some("Too large."));
    assert!(txs[1].response.is_none() && txs[2].response.is_none());
}

#[test]
fn a_value_over_one_megabyte_is_counted_not_buffered() {
    let mut p = Parser::new();
    let mut out = Vec::new();
    p.data(true, b"set big 0 0 5000000\r\n", at(0), &mut out);
    let chunk = vec![b'x'; 65536];
    let mut sent = 0;
    let mut i = 1;
    while sent < 5_000_000 {
        let n = chunk.len().min(5_000_000 - sent);
        p.data(true, &chunk[..n], at(i), &mut out);
        sent += n;
        i += 1;
        assert!(p.client.buf.capacity() <= 4096, "the value is not held");
    }
    p.data(true, b"\r\nget big\r\n", at(i), &mut out);
    p.data(
        false,
        b"STORED\r\nVALUE big 0 5000000\r\n",
        at(i + 1),
        &mut out,
    );
    for _ in 0..76 {
        p.data(false, &chunk, at(i + 2), &mut out);
    }
    p.data(false, &chunk[..5_000_000 - 76 * 65536], at(i + 2), &mut out);
    p.data(false, b"\r\nEND\r\n", at(i + 3), &mut out);
    assert!(p.server.buf.capacity() <= 4096);
    let d = details(&out);
    assert_eq!(keys(&d[0]), [("big", None, Some(5_000_000))]);
    assert_eq!(keys(&d[1]), [("big", Some(true), Some(5_000_000))]);
    assert_eq!(
        out[0].request.map(|s| (s.first(), s.last(), s.bytes())),
        Some((0, i, 21 + 5_000_000 + 2))
    );
}

#[test]
fn a_multi_get_longer_than_the_line_limit_is_cut() {
    let mut line = b"get".to_vec();
    let mut n = 0;
    while line.len() < MAX_LINE + 1000 {
        line.extend_from_slice(format!(" key:{n:06}").as_bytes());
        n += 1;
    }
    line.extend_from_slice(b"\r\n");
    let txs = testkit::replay(
        &make,
        &pieces(&[
            (true, &line),
            (false, b"VALUE key:000001 0 1\r\nx\r\nEND\r\n"),
        ]),
        &testkit::whole,
    );
    let d = details(&txs);
    assert_eq!(d.len(), 1);
    assert!(d[0].incomplete);
    assert!(d[0].keys.len() < n && d[0].keys.len() > 5000);
    assert_eq!((d[0].hits, d[0].misses as usize), (1, d[0].keys.len() - 1));
}

#[test]
fn gaps_inside_a_value_keep_step_others_resynchronise() {
    let Some(convs) = testkit::conversations("tests/data/servers/memcached.pcap", 21211) else {
        return;
    };
    let whole = testkit::replay(&make, &convs[0], &testkit::whole);
    // Replace each data piece in turn by a gap of its length: the transactions that
    // start a few packets after it are all there, unchanged.
    for i in 0..convs[0].len() {
        let Piece::Data(client, bytes, at) = &convs[0][i] else {
            continue;
        };
        let mut c = convs[0].clone();
        c[i] = Piece::Gap(*client, bytes.len() as u64, *at);
        let txs = testkit::replay(&make, &c, &testkit::whole);
        let lost = details(&txs).iter().filter(|m| m.incomplete).count();
        assert!(lost <= 2, "piece {i}: {lost} incomplete");
        for t in whole
            .iter()
            .filter(|t| t.request.is_some_and(|r| r.first() > at.packet + 4))
        {
            assert!(txs.contains(t), "piece {i}: {t:?} missing");
        }
    }
    // A gap inside the big value: the set is incomplete, the get after it intact.
    let mut c = convs[0].clone();
    let i = c
        .iter()
        .position(|p| matches!(p, Piece::Data(true, b, _) if b.len() > 60000))
        .expect("a big piece");
    let Piece::Data(_, b, at) = &c[i] else {
        unreachable!()
    };
    c[i] = Piece::Gap(true, b.len() as u64, *at);
    let txs = testkit::replay(&make, &c, &testkit::whole);
    let d = details(&txs);
    let set = d
        .iter()
        .find(|m| &*m.command == "set" && m.keys[0].key() == "big:blob")
        .expect("set");
    assert!(set.incomplete && set.keys[0].value_len() == Some(1_052_672));
    assert_eq!(d.iter().filter(|m| m.incomplete).count(), 1);
    assert_eq!(d.len(), whole.len());
}

#[test]
fn a_gap_in_a_command_line_resynchronises_at_the_next_command() {
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(true, b"get a\r\nget b".to_vec(), at(0)),
            Piece::Gap(true, 10, at(1)),
            Piece::Data(true, b"garbage line\r\nget c\r\n".to_vec(), at(2)),
            Piece::Data(
                false,
                b"END\r\nEND\r\nVALUE c 0 1\r\nz\r\nEND\r\n".to_vec(),
                at(3),
            ),
        ],
        &testkit::whole,
    );
    let d = details(&txs);
    let got: Vec<_> = d
        .iter()
        .map(|m| (&*m.command, m.keys.first().map(|k| k.key()), m.incomplete))
        .collect();
    // "get b…" was cut by the gap: it is reported incomplete (its last key may be cut,
    // so it is not kept); its reply (END) is taken in order; c still finds its value.
    assert_eq!(
        got,
        [
            ("get", Some("a"), false),
            ("get", None, true),
            ("get", Some("c"), false)
        ]
    );
    assert_eq!(d[2].hits, 1);
}

#[test]
fn a_stream_joined_mid_value_waits_for_a_command() {
    let txs = testkit::replay(
        &make,
        &[
            Piece::Data(true, b"xxxxxxxx\r\nmore value\r\n".to_vec(), at(0)),
            Piece::Data(false, b"tail of a value\r\nEND\r\n".to_vec(), at(1)),
            Piece::Data(true, b"get k\r\n".to_vec(), at(2)),
            Piece::Data(false, b"VALUE k 0 1\r\nv\r\nEND\r\n".to_vec(), at(3)),
        ],
        &testkit::whole,
    );
    let d = details(&txs);
    // The server's first END has no request: reported on its own.
    assert_eq!(txs.len(), 2);
    assert!(txs[0].request.is_none() && d[0].incomplete);
    assert_eq!((&*d[1].command, d[1].hits), ("get", 1));
}

#[test]
fn malformed_input_never_panics() {
    testkit::never_panics(
        &make,
        b"\r\n 0\x80\x815",
        testkit::one_of(&[
            b"get ",
            b"VALUE k 0 3\r\n",
            b"set k 0 0 4\r\n",
            b"END\r\n",
            b"mg k v\r\n",
            b"VA 2\r\n",
        ]),
    );
}
