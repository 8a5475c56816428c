//! HTTP/1.x transactions: every one, the slowest, the errors, by status.

use super::{as_rows, by_code, frame, of, secs, slowest as by_latency, stream_of};
use crate::capture::app::http::Http;
use crate::capture::app::Transaction;
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
        Row {
            stream: stream_of(capture, t.conv).1,
            request_frame: t.request.map(|s| frame(s.last.packet)),
            response_frame: t.response.map(|s| frame(s.last.packet)),
            http,
            time: t.latency_ns().map(secs),
            ttfb: t.time_to_first_byte_ns().map(secs),
            duration: t.duration_ns().map(secs),
        }
    }
}

/// Every HTTP transaction, in order of its first packet.
pub fn rows(capture: &Capture) -> Vec<Row<'_>> {
    as_rows(capture, of::<Http>(&capture.transactions), Row::new)
}

/// The `n` slowest HTTP transactions by `http.time`, slowest first.
pub fn slowest(capture: &Capture, n: usize) -> Vec<Row<'_>> {
    let slow = by_latency::<Http>(&capture.transactions);
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

/// HTTP transactions grouped by status code, in code order (no response last).
pub fn by_status(capture: &Capture) -> Vec<StatusRow> {
    let txs = &capture.transactions;
    by_code::<Http, u16>(txs, |h| h.status)
        .into_iter()
        .map(|(status, ix)| StatusRow {
            status,
            count: ix.len() as u64,
            frames: ix
                .iter()
                .filter_map(|&i| txs[i].response.or(txs[i].request))
                .map(|s| frame(s.last.packet))
                .collect(),
        })
        .collect()
}
