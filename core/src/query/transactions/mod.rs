//! Transactions and their tables, per application protocol: the rows a front end lists,
//! each carrying what it needs to link back to its packets (the conversation, its
//! `tcp.stream`/`udp.stream`, the first and last frames, the latency).
//!
//! The rows serialize (serde) as the CLI's `--json` prints them, so the page's worker
//! can send them unchanged. The key-value statistics (hot keys, largest values, misses,
//! commands with latency, slowest, errors) are written once in [`kv`], for memcached,
//! Redis, MySQL and PostgreSQL alike.

pub mod dns;
pub mod http;
pub mod kv;
pub mod memcache;
pub mod mysql;
pub mod pgsql;
pub mod redis;
pub mod tls;

use crate::capture::app::{AppDetail, Times, Transaction};
use crate::capture::packet::Packets;
use crate::capture::Capture;
use serde::Serialize;

/// The transactions of protocol `T` among `txs`, with their detail.
pub fn of<'a, T: AppDetail + 'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> impl Iterator<Item = (&'a Transaction, &'a T)> {
    txs.into_iter()
        .filter_map(|t| T::of(&t.detail).map(|d| (t, d)))
}

/// Seconds as tshark prints them.
pub fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// A frame number (1-based) of a packet index.
pub fn frame(packet: u64) -> u64 {
    packet + 1
}

/// The conversation's `tcp.stream` / `udp.stream` and its transport's name (`u32::MAX`
/// and `?` for a conversation the capture does not have).
pub fn stream_of(capture: &Capture, conv: u32) -> (&'static str, u32) {
    capture
        .conversations
        .get(conv as usize)
        .map_or(("?", u32::MAX), |c| (c.proto.name(), c.stream))
}

/// Where a table row's bytes are: the conversation and the packets (first and last) of
/// the transaction (request first, response last).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Flow id of the conversation (index into `Capture::conversations`).
    pub conv: u32,
    /// The first packet of the transaction.
    pub first_packet: u64,
    /// The last packet of the transaction.
    pub last_packet: u64,
}

impl Place {
    /// The packets of a transaction.
    pub fn of(t: &Transaction) -> Place {
        let first = t.request.or(t.response).map_or(0, |s| s.first());
        let last = t.response.or(t.request).map_or(0, |s| s.last());
        Place {
            conv: t.conv,
            first_packet: first,
            last_packet: last.max(first),
        }
    }
}

/// A [`Place`] as a user finds it: the stream and the frame numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Frames {
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// The first frame (1-based).
    pub first_frame: u64,
    /// The last frame.
    pub last_frame: u64,
}

impl Frames {
    /// The frames of a place.
    pub fn of(capture: &Capture, p: &Place) -> Frames {
        Frames {
            stream: stream_of(capture, p.conv).1,
            first_frame: frame(p.first_packet),
            last_frame: frame(p.last_packet),
        }
    }
}

/// The stream and frames of a transaction's request and response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TxFrames {
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// The request's first frame.
    pub request_first_frame: Option<u64>,
    /// The frame that completed the request.
    pub request_frame: Option<u64>,
    /// The response's first frame.
    pub response_first_frame: Option<u64>,
    /// The frame that completed the response.
    pub response_frame: Option<u64>,
}

impl TxFrames {
    /// The frames of a transaction.
    pub fn of(capture: &Capture, t: &Transaction) -> TxFrames {
        TxFrames {
            stream: stream_of(capture, t.conv).1,
            request_first_frame: t.request.map(|s| frame(s.first())),
            request_frame: t.request.map(|s| frame(s.last())),
            response_first_frame: t.response.map(|s| frame(s.first())),
            response_frame: t.response.map(|s| frame(s.last())),
        }
    }
}

/// One transaction as a list or table row: its frames, the protocol's fields and its
/// latency (seconds; see [`Transaction::latency_ns`]).
#[derive(Clone, Debug, Serialize)]
pub struct Row<'a, T> {
    /// Where it is.
    #[serde(flatten)]
    pub frames: TxFrames,
    /// What it says.
    #[serde(flatten)]
    pub detail: &'a T,
    /// Request to response, in seconds.
    pub latency: Option<f64>,
}

impl<'a, T> Row<'a, T> {
    /// The row of a transaction.
    pub fn new(capture: &Capture, t: &Transaction, detail: &'a T) -> Self {
        Row::timed(capture, t, detail, t.times(&capture.packets))
    }

    /// The row of a transaction whose [`Times`] the caller read.
    pub fn timed(capture: &Capture, t: &Transaction, detail: &'a T, times: Times) -> Self {
        Row {
            frames: TxFrames::of(capture, t),
            detail,
            latency: times.latency_ns().map(secs),
        }
    }
}

/// Transactions with their detail, each as the row `row` makes of it.
pub fn as_rows<'a, T: 'a, R>(
    capture: &Capture,
    txs: impl IntoIterator<Item = (&'a Transaction, &'a T)>,
    row: impl Fn(&Capture, &'a Transaction, &'a T) -> R,
) -> Vec<R> {
    txs.into_iter().map(|(t, d)| row(capture, t, d)).collect()
}

/// Every transaction of protocol `T` among `txs`, as rows.
pub fn rows<'a, T: AppDetail + 'a>(
    capture: &Capture,
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<Row<'a, T>> {
    as_rows(capture, of::<T>(txs), Row::new)
}

/// The transactions of protocol `T` by latency, slowest first (ties in capture order);
/// those without a request or a response are left out. `packets`: the capture's, where
/// the times are.
pub fn slowest<'a, T: AppDetail + 'a>(
    packets: &Packets,
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<(&'a Transaction, &'a T)> {
    let mut reader = packets.reader();
    let mut rows: Vec<_> = of::<T>(txs)
        .map(|(t, d)| (t.times_in(&mut reader).latency_ns(), t, d))
        .filter(|(ns, _, _)| ns.is_some())
        .collect();
    rows.sort_by_key(|&(ns, t, _)| (std::cmp::Reverse(ns), t.request.map(|s| s.first())));
    rows.into_iter().map(|(_, t, d)| (t, d)).collect()
}

/// Transactions, each with its index in `Capture::transactions`.
pub type Numbered<'a> = Vec<(usize, &'a Transaction)>;

/// The transactions of protocol `T` among `txs` (each with its index in
/// `Capture::transactions`) grouped by a code (an HTTP status, a DNS rcode), in code
/// order, those without one last.
pub fn by_code<'a, T: AppDetail + 'a, C: Ord + Copy>(
    txs: impl IntoIterator<Item = (usize, &'a Transaction)>,
    code: impl Fn(&T) -> Option<C>,
) -> Vec<(Option<C>, Numbered<'a>)> {
    let mut groups: std::collections::BTreeMap<(bool, Option<C>), Numbered<'a>> =
        Default::default();
    for (i, t) in txs {
        let Some(d) = T::of(&t.detail) else { continue };
        let c = code(d);
        groups.entry((c.is_none(), c)).or_default().push((i, t));
    }
    groups.into_iter().map(|((_, c), v)| (c, v)).collect()
}
