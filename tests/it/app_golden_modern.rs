//! The http2 and pgsql sections of the application goldens (tests/golden/app, made by
//! tests/scripts/make-app-golden.py; the runner is in `app_golden`): `wirelens http
//! --json` (HTTP/2 streams, TLS captures decrypted with the same key log tshark had) and
//! `wirelens pgsql --list --json` against tshark 4.0.
//!
//! Each value tshark gives is looked for in our transactions: an HTTP/2 HEADERS frame's
//! pseudo-headers in the transaction of its connection and stream id, a request's at or
//! before the frame that completed the request, a response's at or before the frame that
//! completed the response, trailers (grpc-status) on that frame; a PostgreSQL query, error
//! code (SQLSTATE) or CommandComplete tag in the cycle whose request or response frames
//! hold it. Every comparison is counted.

use crate::app_golden::{strs, Tally};
use serde_json::Value;

pub(crate) fn compare_http2(expected: &[Value], ours: &[Value], t: &mut Tally) {
    let h2: Vec<&Value> = ours.iter().filter(|o| o["http2"].is_object()).collect();
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let stream = row["stream"].as_u64();
        for h in row["headers"].as_array().into_iter().flatten() {
            let sid = h["stream_id"].as_u64();
            let mine: Vec<&&Value> = h2
                .iter()
                .filter(|o| {
                    o["stream"].as_u64() == stream && o["http2"]["stream_id"].as_u64() == sid
                })
                .collect();
            let at = |o: &Value, key: &str| o[key].as_u64().is_some_and(|f| f >= frame);
            if let Some(method) = h["method"].as_str() {
                let found = mine.iter().find(|o| at(o, "request_frame"));
                t.check(
                    "http2.headers.method",
                    found.is_some_and(|o| o["method"] == method),
                    frame,
                    || format!("stream {sid:?} {method}: ours {found:?}"),
                );
                let path = h["path"].as_str().unwrap_or("");
                t.check(
                    "http2.headers.path",
                    found.is_some_and(|o| o["uri"] == path),
                    frame,
                    || format!("stream {sid:?} {path}: ours {:?}", found.map(|o| &o["uri"])),
                );
                if let Some(authority) = h["authority"].as_str() {
                    t.check(
                        "http2.headers.authority",
                        found.is_some_and(|o| o["host"] == authority),
                        frame,
                        || {
                            format!(
                                "stream {sid:?} {authority}: ours {:?}",
                                found.map(|o| &o["host"])
                            )
                        },
                    );
                }
            }
            if let Some(status) = h["status"].as_str() {
                let code: Option<i64> = status.parse().ok();
                let found = mine.iter().find(|o| at(o, "response_frame"));
                // An interim (1xx) response is not the transaction's status.
                let ok = found.is_some_and(|o| {
                    o["status"].as_i64() == code
                        || o["interim"]
                            .as_array()
                            .is_some_and(|i| i.iter().any(|c| c.as_i64() == code))
                });
                t.check("http2.headers.status", ok, frame, || {
                    format!("stream {sid:?} {status}: ours {found:?}")
                });
            }
            if let Some(grpc) = h["grpc_status"].as_str() {
                let code: Option<i64> = grpc.parse().ok();
                let found = mine
                    .iter()
                    .find(|o| o["response_frame"].as_u64() == Some(frame));
                t.check(
                    "grpc-status",
                    found.is_some_and(|o| o["grpc"]["status"].as_i64() == code),
                    frame,
                    || format!("stream {sid:?} grpc-status {grpc}: ours {found:?}"),
                );
            }
        }
    }
    // Every HTTP/2 stream of ours with a request is one tshark saw a :method of.
    let tshark_requests: Vec<(Option<u64>, Option<u64>)> = expected
        .iter()
        .flat_map(|row| {
            row["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| h["method"].is_string())
                .map(move |h| (row["stream"].as_u64(), h["stream_id"].as_u64()))
        })
        .collect();
    for o in &h2 {
        if o["method"].as_str().is_none_or(str::is_empty) {
            continue;
        }
        let key = (o["stream"].as_u64(), o["http2"]["stream_id"].as_u64());
        let at = o["request_frame"].as_u64().unwrap_or(0);
        t.check("http2 streams", tshark_requests.contains(&key), at, || {
            format!("our stream {key:?} has no request in tshark's")
        });
    }
}

pub(crate) fn compare_pgsql(expected: &[Value], ours: &[Value], t: &mut Tally) {
    let within = |o: &Value, side: &str, frame: u64| {
        let first = o[format!("{side}_first_frame")].as_u64();
        let last = o[format!("{side}_frame")].as_u64();
        first.is_some_and(|f| f <= frame) && last.is_some_and(|l| frame <= l)
    };
    for row in expected {
        let frame = row["frame"].as_u64().unwrap_or(0);
        let mine: Vec<&Value> = ours
            .iter()
            .filter(|o| o["stream"].as_u64() == row["stream"].as_u64())
            .collect();
        for q in strs(&row["query"]) {
            let ok = mine
                .iter()
                .any(|o| within(o, "request", frame) && o["query"] == q.as_str());
            t.check("pgsql.query", ok, frame, || {
                format!("query {q:?} not in our cycles there")
            });
        }
        for code in strs(&row["code"]) {
            let ok = mine
                .iter()
                .any(|o| within(o, "response", frame) && o["sql_state"] == code.as_str());
            t.check("pgsql.code", ok, frame, || {
                format!("SQLSTATE {code} not in our cycles there")
            });
        }
        let tags = strs(&row["tag"]);
        for tag in &tags {
            let ok = mine.iter().any(|o| {
                within(o, "response", frame)
                    && o["tags"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == tag.as_str()))
            });
            t.check("pgsql.tag", ok, frame, || {
                format!("tag {tag:?} not in our cycles there")
            });
        }
    }
    // Every error of ours is one tshark saw.
    for o in ours.iter().filter(|o| o["sql_state"].is_string()) {
        let frame = o["response_frame"].as_u64().unwrap_or(0);
        let ok = expected.iter().any(|row| {
            row["stream"].as_u64() == o["stream"].as_u64()
                && within(o, "response", row["frame"].as_u64().unwrap_or(0))
                && strs(&row["code"])
                    .iter()
                    .any(|c| o["sql_state"] == c.as_str())
        });
        t.check("pgsql errors", ok, frame, || {
            format!(
                "our error {} has no pgsql.code in tshark's frames",
                o["sql_state"]
            )
        });
    }
}
