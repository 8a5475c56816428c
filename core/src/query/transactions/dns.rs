//! DNS transactions: every one, the slowest, by response code.

use super::{as_rows, by_code, frame, of, secs, slowest as by_latency, stream_of};
use crate::capture::app::dns::{rcode_name, Dns};
use crate::capture::app::{Times, Transaction};
use crate::capture::Capture;
use serde::Serialize;

/// One DNS transaction.
#[derive(Clone, Debug, Serialize)]
pub struct Row<'a> {
    /// `udp` or `tcp`.
    pub transport: &'static str,
    /// `udp.stream` / `tcp.stream`.
    pub stream: u32,
    /// The frame of the query.
    pub query_frame: Option<u64>,
    /// The frame of the response.
    pub response_frame: Option<u64>,
    /// Frames of the query's retransmissions.
    pub retransmission_frames: Vec<u64>,
    /// What it says.
    #[serde(flatten)]
    pub dns: &'a Dns,
    /// The response code's name.
    pub rcode_name: Option<&'static str>,
    /// `dns.time`, in seconds.
    pub time: Option<f64>,
}

impl<'a> Row<'a> {
    /// The row of a transaction.
    pub fn new(capture: &Capture, t: &Transaction, dns: &'a Dns) -> Self {
        Row::timed(capture, t, dns, t.times(&capture.packets))
    }

    /// The row of a transaction whose [`Times`] the caller read.
    pub fn timed(capture: &Capture, t: &Transaction, dns: &'a Dns, times: Times) -> Self {
        let (transport, stream) = stream_of(capture, t.conv);
        Row {
            transport,
            stream,
            query_frame: t.request.map(|s| frame(s.last())),
            response_frame: t.response.map(|s| frame(s.last())),
            retransmission_frames: dns
                .retransmission_packets
                .iter()
                .map(|&p| frame(p))
                .collect(),
            dns,
            rcode_name: dns.rcode.map(rcode_name),
            time: times.latency_ns().map(secs),
        }
    }
}

/// Every DNS transaction, in order of its first packet.
pub fn rows(capture: &Capture) -> Vec<Row<'_>> {
    as_rows(capture, of::<Dns>(&capture.transactions), Row::new)
}

/// The `n` slowest DNS transactions by `dns.time`, slowest first.
pub fn slowest(capture: &Capture, n: usize) -> Vec<Row<'_>> {
    let slow = by_latency::<Dns>(&capture.packets, &capture.transactions);
    as_rows(capture, slow.into_iter().take(n), Row::new)
}

/// One row of the DNS-by-rcode table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RcodeRow {
    /// The response code (None: no response captured).
    pub rcode: Option<u8>,
    /// Its name (`NXDOMAIN`, …; `no response`).
    pub name: &'static str,
    /// Transactions with it.
    pub count: u64,
    /// Their indices into `Capture::transactions`.
    pub transactions: Vec<usize>,
}

/// The DNS transactions among `txs` (each with its index in `Capture::transactions`)
/// grouped by response code, in code order (no response last).
pub fn by_rcode<'a>(txs: impl IntoIterator<Item = (usize, &'a Transaction)>) -> Vec<RcodeRow> {
    by_code::<Dns, u8>(txs, |d| d.rcode)
        .into_iter()
        .map(|(rcode, group)| RcodeRow {
            rcode,
            name: rcode.map_or("no response", rcode_name),
            count: group.len() as u64,
            transactions: group.into_iter().map(|(i, _)| i).collect(),
        })
        .collect()
}
