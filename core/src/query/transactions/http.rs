//! HTTP transactions (HTTP/1.x, and HTTP/2 streams): every one, the slowest, the errors,
//! by status; gRPC calls by service and method.

use super::{as_rows, by_code, frame, of, secs, slowest as by_latency, stream_of, Frames, Place};
use crate::capture::app::http::Http;
use crate::capture::app::{Times, Transaction};
use crate::capture::Capture;
use serde::Serialize;

/// One HTTP transaction.
#[derive(Clone, Debug, Serialize)]
pub struct Row<'a> {
    /// `tcp.stream`.
    pub stream: u32,
    /// The frame that completed the request.
    pub request_frame: Option<u64>,
    /// The frame that completed the response.
    pub response_frame: Option<u64>,
    /// What it says.
    #[serde(flatten)]
    pub http: &'a Http,
    /// `http.time`: from the request's last frame to the response's last, in seconds.
    pub time: Option<f64>,
    /// From the request's last frame to the response's first, in seconds.
    pub ttfb: Option<f64>,
    /// From the request's first frame to the response's last, in seconds.
    pub duration: Option<f64>,
}

impl<'a> Row<'a> {
    /// The row of a transaction.
    pub fn new(capture: &Capture, t: &Transaction, http: &'a Http) -> Self {
        Row::timed(capture, t, http, t.times(&capture.packets))
    }

    /// The row of a transaction whose [`Times`] the caller read.
    pub fn timed(capture: &Capture, t: &Transaction, http: &'a Http, times: Times) -> Self {
        Row {
            stream: stream_of(capture, t.conv).1,
            request_frame: t.request.map(|s| frame(s.last())),
            response_frame: t.response.map(|s| frame(s.last())),
            http,
            time: times.latency_ns().map(secs),
            ttfb: times.time_to_first_byte_ns().map(secs),
            duration: times.duration_ns().map(secs),
        }
    }
}

/// Every HTTP transaction, in order of its first packet.
pub fn rows(capture: &Capture) -> Vec<Row<'_>> {
    as_rows(capture, of::<Http>(&capture.transactions), Row::new)
}

/// The `n` slowest HTTP transactions by `http.time`, slowest first.
pub fn slowest(capture: &Capture, n: usize) -> Vec<Row<'_>> {
    let slow = by_latency::<Http>(&capture.packets, &capture.transactions);
    as_rows(capture, slow.into_iter().take(n), Row::new)
}

/// HTTP transactions answered with a 4xx or 5xx status.
pub fn errors(capture: &Capture) -> Vec<Row<'_>> {
    let failed = of::<Http>(&capture.transactions).filter(|(_, h)| h.is_error());
    as_rows(capture, failed, Row::new)
}

/// One row of the HTTP-by-status table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The status code (None: no response captured).
    pub status: Option<u16>,
    /// Transactions with it.
    pub count: u64,
    /// The frame that completed each (its response, else its request).
    pub frames: Vec<u64>,
}

/// The HTTP transactions among `txs` (each with its index in `Capture::transactions`)
/// grouped by status code, in code order (no response last).
pub fn by_status<'a>(txs: impl IntoIterator<Item = (usize, &'a Transaction)>) -> Vec<StatusRow> {
    by_code::<Http, u16>(txs, |h| h.status())
        .into_iter()
        .map(|(status, group)| StatusRow {
            status,
            count: group.len() as u64,
            frames: group
                .iter()
                .filter_map(|(_, t)| t.response.or(t.request))
                .map(|s| frame(s.last()))
                .collect(),
        })
        .collect()
}

/// One gRPC method's calls.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrpcRow {
    /// The service (`package.Service`).
    pub service: String,
    /// The method.
    pub method: String,
    /// Calls.
    pub count: u64,
    /// Calls that did not end with `grpc-status` 0 (or with none: reset, cut).
    pub errors: u64,
    /// Calls by the status they ended with (gRPC's names; `-` for none).
    pub statuses: std::collections::BTreeMap<String, u64>,
    /// Calls with a request and a response (timed).
    pub timed: u64,
    /// Their latencies added, ns.
    pub latency_total_ns: i64,
    /// The largest, ns.
    pub latency_max_ns: i64,
    /// The slowest call.
    pub slowest: Option<Place>,
    /// Its stream and frames.
    pub slowest_at: Option<Frames>,
}

/// The gRPC calls among `txs` grouped by service and method, most total time first.
pub fn grpc<'a>(capture: &Capture, txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<GrpcRow> {
    use crate::capture::app::http::grpc_status_name;
    let mut rows: std::collections::BTreeMap<(String, String), GrpcRow> = Default::default();
    let mut reader = capture.packets.reader();
    for (t, h) in of::<Http>(txs) {
        let Some(g) = h.grpc() else { continue };
        let r = rows
            .entry((g.service.clone(), g.method.clone()))
            .or_insert_with(|| GrpcRow {
                service: g.service.clone(),
                method: g.method.clone(),
                count: 0,
                errors: 0,
                statuses: Default::default(),
                timed: 0,
                latency_total_ns: 0,
                latency_max_ns: 0,
                slowest: None,
                slowest_at: None,
            });
        r.count += 1;
        if g.status != Some(0) {
            r.errors += 1;
        }
        let name = g.status.map_or("-", grpc_status_name);
        *r.statuses.entry(name.to_owned()).or_default() += 1;
        if let Some(ns) = t.times_in(&mut reader).latency_ns() {
            r.timed += 1;
            r.latency_total_ns += ns;
            if r.slowest.is_none() || ns > r.latency_max_ns {
                r.latency_max_ns = ns;
                let place = Place::of(t);
                r.slowest = Some(place);
                r.slowest_at = Some(Frames::of(capture, &place));
            }
        }
    }
    let mut rows: Vec<GrpcRow> = rows.into_values().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.latency_total_ns));
    rows
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::app::testkit;

    #[test]
    fn grpc_methods_of_the_real_capture() {
        let c = testkit::capture("grpc.pcap", &[]);
        let g = grpc(&c, &c.transactions);
        assert_eq!((g[0].method.as_str(), g[0].count), ("Slow", 1));
        let get = g.iter().find(|r| r.method == "GetItem").unwrap();
        assert_eq!((get.count, get.errors), (3, 1));
        assert_eq!(get.statuses.get("NOT_FOUND"), Some(&1));
        let all: u64 = g.iter().map(|r| r.count).sum();
        assert_eq!(all, 6);
        // HTTP/2 streams are HTTP rows too; a failed call is an error.
        assert_eq!(errors(&c).len(), 2);
    }
}
