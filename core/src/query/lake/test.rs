use super::*;
use crate::ingest::ingest_bytes;

fn origin(max: usize) -> Origin<'static> {
    Origin {
        capture_id: "0123456789abcdef0123",
        file: "/caps/x.pcap",
        seed: 0,
        max_packets: max,
    }
}

#[test]
fn conn_states_follow_zeeks_rules() {
    let e = |f: &dyn Fn(&mut Ends)| {
        let mut e = Ends {
            pkts: [1, 1],
            ..Ends::default()
        };
        f(&mut e);
        conn_state(&e)
    };
    // SYN, no answer.
    assert_eq!(
        e(&|e| {
            e.orig_syn = true;
            e.pkts = [1, 0];
        }),
        "S0"
    );
    // SYN answered by RST.
    assert_eq!(
        e(&|e| {
            e.orig_syn = true;
            e.rst = [false, true];
        }),
        "REJ"
    );
    fn est(e: &mut Ends) {
        e.orig_syn = true;
        e.resp_syn_ack = true;
        e.established = true;
    }
    assert_eq!(e(&|e| est(e)), "S1");
    assert_eq!(
        e(&|e| {
            est(e);
            e.fin = [true, true];
        }),
        "SF"
    );
    assert_eq!(
        e(&|e| {
            est(e);
            e.fin = [true, false];
        }),
        "S2"
    );
    assert_eq!(
        e(&|e| {
            est(e);
            e.fin = [false, true];
        }),
        "S3"
    );
    assert_eq!(
        e(&|e| {
            est(e);
            e.rst = [true, false];
        }),
        "RSTO"
    );
    assert_eq!(
        e(&|e| {
            est(e);
            e.rst = [false, true];
        }),
        "RSTR"
    );
    // Mid-stream: no SYN from either side.
    assert_eq!(e(&|_| {}), "OTH");
    assert_eq!(e(&|e| e.fin = [true, true]), "SF");
    assert_eq!(
        e(&|e| {
            e.orig_syn = true;
            e.rst = [true, false];
            e.pkts = [2, 0];
        }),
        "RSTOS0"
    );
    assert_eq!(e(&|e| e.rst = [false, true]), "RSTRH");
}

#[test]
fn rows_of_three_http_streams() {
    let bytes = include_bytes!("../../../../tests/data/three_http_streams.pcap");
    let capture = ingest_bytes("three_http_streams.pcap", bytes);
    let rows = rows(&capture, &origin(DEFAULT_MAX_PACKETS));
    let tcp: Vec<&SessionRow> = rows.sessions.iter().filter(|s| s.proto == "tcp").collect();
    assert_eq!(tcp.len(), 3);
    assert!(rows.sessions.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    for s in &rows.sessions {
        let c = capture
            .conversations
            .iter()
            .find(|c| c.stream == s.stream && c.proto.name() == s.proto)
            .unwrap();
        // Every packet of the conversation is pointed at, in order, and the totals match.
        assert_eq!(s.packets.len() as u64, c.frames(), "{}", s.uid);
        assert_eq!(s.orig_pkts + s.resp_pkts, c.frames());
        assert_eq!(s.orig_frame_bytes + s.resp_frame_bytes, c.bytes());
        assert!(!s.packets_cut);
        assert_eq!(s.packets[0].offset, s.first_offset);
        assert_eq!(s.packets[0].ts_ns, s.ts_ns);
        assert_eq!(s.packets.last().unwrap().ts_ns, s.end_ns);
        let first = &capture.packets.at(s.first_frame as usize - 1);
        assert_eq!((first.ts_ns, first.offset), (s.ts_ns, s.first_offset));
        assert_eq!(
            s.uid,
            format!("0123456789abcdef0123-{}{}", s.proto, s.stream)
        );
        assert!(s.community_id.starts_with("1:") && s.community_id.len() == 30);
    }
    for s in &tcp {
        // A client opened each with a SYN to port 80 and both ends closed.
        assert_eq!(s.id.resp_p, 80, "{s:?}");
        assert_eq!(s.orig_by, LocalBy::Syn);
        assert_eq!(s.service, Some("http"));
        assert_eq!(s.handshake, Some(Handshake::Complete));
        assert!(s.initial_rtt_ns.is_some());
        assert_eq!(s.conn_state, "SF", "{s:?}");
    }
    let http: Vec<_> = rows
        .transactions
        .iter()
        .filter(|t| t.service == "http")
        .collect();
    assert_eq!(http.len(), 3);
    for t in &http {
        let s = tcp.iter().find(|s| s.uid == t.uid).unwrap();
        assert_eq!(
            (t.community_id.as_str(), t.stream),
            (s.community_id.as_str(), s.stream)
        );
        assert_eq!(t.method.as_deref(), Some("GET"));
        assert!(t.status_code.is_some() && t.latency_ns.is_some());
        assert!(t.first_frame >= s.first_frame && t.last_frame <= s.last_frame);
    }
}

#[test]
fn positions_are_capped_and_say_so() {
    let bytes = include_bytes!("../../../../tests/data/three_http_streams.pcap");
    let capture = ingest_bytes("three_http_streams.pcap", bytes);
    let rows = rows(&capture, &origin(2));
    assert!(rows.sessions.iter().all(|s| s.packets.len() <= 2));
    assert!(rows.sessions.iter().any(|s| s.packets_cut));
    assert!(rows
        .sessions
        .iter()
        .all(|s| s.packets_cut == (s.orig_pkts + s.resp_pkts > 2)));
}

#[test]
fn fingerprints_read_each_byte_once() {
    assert_eq!(fingerprint_ranges(10), [0..10, 10..10]);
    let span = FINGERPRINT_SPAN;
    assert_eq!(fingerprint_ranges(span + 5), [0..span, span..span + 5]);
    assert_eq!(fingerprint_ranges(5 * span), [0..span, 4 * span..5 * span]);
}

#[test]
fn capture_ids_name_content() {
    let a = capture_id(10, b"head", b"tail");
    assert_eq!(a.len(), 20);
    assert_eq!(a, capture_id(10, b"head", b"tail"));
    assert_ne!(a, capture_id(11, b"head", b"tail"));
    assert_ne!(a, capture_id(10, b"head", b"tai1"));
}

#[test]
fn user_comments() {
    assert_eq!(
        parse_user_comment("uid=33 user=www-data"),
        Some((33, Some("www-data".into())))
    );
    assert_eq!(parse_user_comment("uid=0"), Some((0, None)));
    assert_eq!(parse_user_comment("pid=1 comm=x"), None);
    assert_eq!(parse_user_comment("uid=1x"), None);
}
