//! `wirelens expert --json` against tshark's TCP analysis: the `tcp.analysis.*` items of
//! every frame, duplicate-ACK numbers and frames, the frame a retransmission's RTO is
//! measured from, each stream's initial RTT, and the
//! count, minimum and maximum of the ACK RTTs of each side's data
//! (tests/golden/tcp, made by tests/scripts/make-tcp-golden.py).
//!
//! A capture listed in tests/golden/tcp/KNOWN_DIFFERENCES may differ (the reason says
//! why, usually a layer below the analysis), and must: a listed capture that agrees
//! fails the test. Every other capture must agree exactly.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use wirelens_tests::{wirelens_json, Golden, JsonGolden};

/// What one side says of a frame: its stream, its items, the duplicate-ACK details and
/// `tcp.analysis.rto_frame`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Frame {
    stream: u64,
    flags: BTreeSet<String>,
    dup_ack: Option<(u64, u64)>,
    rto_frame: Option<u64>,
}

/// ACK RTTs of one side's data: count, minimum and maximum in ns.
type Rtts = (u64, i64, i64);

/// Agreement over all captures.
#[derive(Default)]
struct Tally {
    files: usize,
    frames: usize,
    frames_equal: usize,
    /// Per kind: (tshark's count, ours, frames where both have it).
    kinds: BTreeMap<String, (usize, usize, usize)>,
    rtt_streams: usize,
    rtt_equal: usize,
    /// Streams where we measured an initial RTT that tshark could not show (no frame
    /// with a SEQ/ACK analysis subtree after it).
    rtt_unshown: usize,
    /// ACK RTTs per stream and side: (compared, identical count, minimum and maximum).
    ack_rtt: (usize, usize),
}

fn golden_frames(expected: &Value) -> BTreeMap<u64, Frame> {
    let mut frames = BTreeMap::new();
    for r in expected["frames"].as_array().expect("golden has frames") {
        let f = Frame {
            stream: r["stream"].as_u64().expect("stream"),
            flags: r["flags"]
                .as_array()
                .expect("flags")
                .iter()
                .map(|k| k.as_str().expect("name").to_owned())
                .collect(),
            dup_ack: r.get("dup_ack_num").map(|n| {
                (
                    n.as_u64().expect("num"),
                    r["dup_ack_frame"].as_u64().expect("frame"),
                )
            }),
            rto_frame: r.get("rto_frame").map(|f| f.as_u64().expect("frame")),
        };
        frames.insert(r["frame"].as_u64().expect("frame"), f);
    }
    frames
}

fn our_frames(report: &Value) -> BTreeMap<u64, Frame> {
    let mut frames: BTreeMap<u64, Frame> = BTreeMap::new();
    // The analysis items (`wirelens expert` lists every expert item).
    let analysis = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| {
            i["field"]
                .as_str()
                .is_some_and(|f| f.starts_with("tcp.analysis."))
        });
    for i in analysis {
        let f = frames
            .entry(i["frame"].as_u64().expect("frame"))
            .or_default();
        f.stream = i["stream"].as_u64().expect("stream");
        let field = i["field"].as_str().expect("field");
        f.flags.insert(
            field
                .strip_prefix("tcp.analysis.")
                .unwrap_or(field)
                .to_owned(),
        );
        if let Some(n) = i.get("duplicate_ack_num") {
            f.dup_ack = Some((
                n.as_u64().expect("num"),
                i["duplicate_ack_frame"].as_u64().expect("frame"),
            ));
        }
        if let Some(n) = i.get("rto_frame") {
            f.rto_frame = Some(n.as_u64().expect("frame"));
        }
    }
    frames
}

/// tshark's "0.225400000" as ns.
fn parse_secs(s: &str) -> Option<i64> {
    let neg = s.starts_with('-');
    let (int, frac) = s.trim_start_matches('-').split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<9}");
    let ns = int.parse::<i64>().ok()? * 1_000_000_000 + frac.get(..9)?.parse::<i64>().ok()?;
    Some(if neg { -ns } else { ns })
}

/// A difference: where (`frame N`'s number or `stream N`), what, and how.
type Diff = (String, &'static str, String);

fn compare(expected: &Value, report: &Value, tally: &mut Tally) -> Vec<Diff> {
    let mut diffs = Vec::new();
    let want = golden_frames(expected);
    let got = our_frames(report);
    let all: BTreeSet<u64> = want.keys().chain(got.keys()).copied().collect();
    let none = Frame::default();
    for frame in all {
        let (w, g) = (
            want.get(&frame).unwrap_or(&none),
            got.get(&frame).unwrap_or(&none),
        );
        tally.frames += 1;
        if w == g {
            tally.frames_equal += 1;
        } else {
            diffs.push((
                frame.to_string(),
                "tcp.analysis",
                format!(
                    "tshark stream {} {:?} dup {:?} rto {:?}, ours stream {} {:?} dup {:?} rto {:?}",
                    w.stream, w.flags, w.dup_ack, w.rto_frame, g.stream, g.flags, g.dup_ack, g.rto_frame
                ),
            ));
        }
        for k in w.flags.union(&g.flags) {
            let t = tally.kinds.entry(k.clone()).or_default();
            t.0 += usize::from(w.flags.contains(k));
            t.1 += usize::from(g.flags.contains(k));
            t.2 += usize::from(w.flags.contains(k) && g.flags.contains(k));
        }
    }
    let mut ours: BTreeMap<u64, (Option<i64>, Option<u64>)> = BTreeMap::new();
    let mut our_acks: BTreeMap<String, [Option<Rtts>; 2]> = BTreeMap::new();
    let ns = |v: &Value| v.as_f64().map(|s| (s * 1e9).round() as i64);
    for c in report["conversations"].as_array().expect("conversations") {
        let stream = c["stream"].as_u64().expect("stream");
        ours.insert(
            stream,
            (ns(&c["initial_rtt"]), c["initial_rtt_frame"].as_u64()),
        );
        let side = |i: usize| {
            let r = &c["ack_rtt"][i];
            Some((r["count"].as_u64()?, ns(&r["min"])?, ns(&r["max"])?))
        };
        if c["ack_rtt"]
            .as_array()
            .is_some_and(|a| a.iter().any(|r| !r.is_null()))
        {
            our_acks.insert(stream.to_string(), [side(0), side(1)]);
        }
    }
    let empty = serde_json::Map::new();
    let acks = expected["ack_rtt"].as_object().unwrap_or(&empty);
    for stream in acks.keys().chain(our_acks.keys()).collect::<BTreeSet<_>>() {
        for i in 0..2 {
            let w = &acks.get(stream.as_str()).map_or(&Value::Null, |a| &a[i]);
            let want = (w[0].as_u64().unwrap_or(0) > 0)
                .then(|| {
                    Some((
                        w[0].as_u64()?,
                        parse_secs(w[1].as_str()?)?,
                        parse_secs(w[2].as_str()?)?,
                    ))
                })
                .flatten();
            let got = our_acks.get(stream.as_str()).and_then(|a| a[i]);
            if want.is_none() && got.is_none() {
                continue;
            }
            tally.ack_rtt.0 += 1;
            if want == got {
                tally.ack_rtt.1 += 1;
            } else {
                let side = ["A", "B"][i];
                diffs.push((
                    format!("stream {stream}"),
                    "tcp.analysis.ack_rtt",
                    format!(
                        "ACK RTTs of {side}'s data (count, min, max ns) tshark {want:?}, ours {got:?}"
                    ),
                ));
            }
        }
    }
    let rtts = expected["initial_rtt"].as_object().expect("initial_rtt");
    for (stream, secs) in rtts {
        tally.rtt_streams += 1;
        let want = parse_secs(secs.as_str().expect("string"));
        let got = stream
            .parse::<u64>()
            .ok()
            .and_then(|s| ours.get(&s))
            .and_then(|o| o.0);
        if want.is_some() && want == got {
            tally.rtt_equal += 1;
        } else {
            diffs.push((
                format!("stream {stream}"),
                "tcp.analysis.initial_rtt",
                format!("tshark {secs}, ours {got:?} ns"),
            ));
        }
    }
    // Where tshark printed none, it may still have measured one: it shows the RTT only
    // in frames with a SEQ/ACK analysis subtree.
    for (stream, (rtt, frame)) in &ours {
        let (Some(rtt), Some(frame)) = (rtt, frame) else {
            continue;
        };
        if rtts.contains_key(&stream.to_string()) {
            continue;
        }
        let last = expected["analysis_last"][stream.to_string()].as_u64();
        if last.is_some_and(|last| last >= *frame) {
            tally.rtt_streams += 1;
            diffs.push((
                format!("stream {stream}"),
                "tcp.analysis.initial_rtt",
                format!("tshark none, ours {rtt} ns (frame {frame})"),
            ));
        } else {
            tally.rtt_unshown += 1;
        }
    }
    diffs
}

#[test]
fn tcp_analysis_equals_tshark() {
    let mut g = Golden::new("tcp");
    let (mut all, mut agreed) = (Tally::default(), Tally::default());
    for JsonGolden {
        entry,
        path,
        expected,
    } in g.json_goldens()
    {
        let entry = entry.as_str();
        let report = match wirelens_json(&["expert", "--json"], &path) {
            Ok(v) => v,
            Err(e) => {
                g.fail(format!("{entry}: {e}"));
                continue;
            }
        };
        all.files += 1;
        let diffs = compare(&expected, &report, &mut all);
        if !g.lists(entry) {
            agreed.files += 1;
            compare(&expected, &report, &mut agreed);
        }
        for (at, what, detail) in diffs {
            g.differs(entry, at, what, detail);
        }
    }
    g.count("frames with analysis items", all.frames as u64);
    g.count("initial RTTs", all.rtt_streams as u64);
    g.count("stream sides' ACK RTTs", all.ack_rtt.0 as u64);
    for (name, t) in [
        ("all captures", &all),
        ("captures not listed in KNOWN_DIFFERENCES", &agreed),
    ] {
        g.note(format!(
            "{name}: {} captures; {} of {} flagged frames identical; {} of {} initial RTTs identical \
             ({} more measured but shown by tshark in no frame); ACK RTTs (count, min, max) identical for {} of {} \
             stream sides",
            t.files, t.frames_equal, t.frames, t.rtt_equal, t.rtt_streams, t.rtt_unshown, t.ack_rtt.1, t.ack_rtt.0
        ));
        for (k, (ts, o, both)) in &t.kinds {
            g.note(format!(
                "  {k:<24} tshark {ts:>5}  ours {o:>5}  both {both:>5}"
            ));
        }
    }
    g.finish();
}
