//! Cuts: captures made from a capture, to reproduce a problem with fewer packets or
//! more load than it had.
//!
//! - [`split`]: one file per session (TCP connection or UDP flow, `tcp.stream` /
//!   `udp.stream`), host, host pair, server port or time window, or the sessions cut into
//!   consecutive parts (bisect). Files are named so they sort by start time.
//! - [`intensify`]: chosen sessions replayed N times at once with other client
//!   addresses or ports, their gaps shortened, checksums and sequence numbers valid:
//!   a file `tcpreplay` plays to load a server harder.
//! - [`trex`]: a Cisco TRex traffic profile for the split sessions.
//! - [`zip`]: a streamed zip archive, the page's download of a split.
//!
//! Which sessions: [`Pick`] over the conversations, optionally only those with a packet
//! that passed a display filter (the caller runs the filter; it reads packet bytes).
//! Every cut is sans I/O: it says which packets it needs (ascending, so one forward
//! read serves), takes their bytes, and writes through [`crate::query::export`].

pub mod intensify;
pub mod rewrite;
pub mod split;
pub mod trex;
pub mod zip;

use crate::capture::app::Detail;
use crate::capture::flow::{Conversation, Direction, L4};
use crate::capture::packet::NO_FLOW;
use crate::capture::tcp::{Kind, Severity, Side};
use crate::capture::Capture;
use crate::query::fields::civil_from_days;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Which sessions a cut takes, of those it may choose from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// All of them.
    All,
    /// These streams (`tcp.stream` / `udp.stream` numbers).
    Streams(Vec<(L4, u32)>),
    /// The N that lasted longest (first packet to last).
    Longest(usize),
    /// The N whose slowest transaction (request to response, as the transaction tables
    /// time it) took longest; sessions without a timed transaction are not ranked.
    Slowest(usize),
    /// Those with errors: a TCP reset, a retransmission or a `tcp.analysis` warning
    /// (lost segment, out of order, zero window, window full, ACKed unseen segment), or an
    /// application error (HTTP 4xx/5xx, HTTP/2 as HTTP and a stream reset with an error
    /// code, a gRPC status other than OK, a DNS error code, a MySQL, PostgreSQL or Redis
    /// error, a memcached error reply).
    Errors,
}

/// The side of a conversation that started it: the sender of the first SYN, else the
/// receiver of the first SYN-ACK, else the sender of the first packet (side A). Read
/// from the TCP analysis alone, so that a cut needs no application parsing.
pub fn client_side(capture: &Capture, flow: u32) -> Direction {
    let id = flow as usize;
    if let Some(side) = capture.tcp.get(id).and_then(|t| t.syn_by) {
        return if side == Side::A {
            Direction::AToB
        } else {
            Direction::BToA
        };
    }
    let ctl = capture.tcp_control.get(id).copied().unwrap_or_default();
    match (ctl.syn, ctl.syn_ack) {
        (Some(d), _) => d,
        (None, Some(Direction::AToB)) => Direction::BToA,
        (None, Some(Direction::BToA)) => Direction::AToB,
        (None, None) => Direction::AToB,
    }
}

/// Client and server of a conversation: ((address, port), (address, port)).
pub fn endpoints(capture: &Capture, flow: u32) -> Option<((IpAddr, u16), (IpAddr, u16))> {
    let c = capture.conversations.get(flow as usize)?;
    let (a, b) = ((c.a, c.port_a), (c.b, c.port_b));
    Some(match client_side(capture, flow) {
        Direction::AToB => (a, b),
        Direction::BToA => (b, a),
    })
}

/// Whether a conversation had errors, as [`Pick::Errors`] counts them; `app` is
/// [`app_errors`].
fn has_errors(capture: &Capture, flow: usize, app: &[bool]) -> bool {
    if app.get(flow).copied().unwrap_or(false) {
        return true;
    }
    let Some(t) = capture.tcp.get(flow) else {
        return false;
    };
    t.rst[0]
        || t.rst[1]
        || t.counts.iter().any(|(k, _)| {
            k.severity() >= Severity::Warning
                || matches!(
                    k,
                    Kind::Retransmission | Kind::FastRetransmission | Kind::SpuriousRetransmission
                )
        })
}

/// Per conversation: whether one of its transactions failed.
fn app_errors(capture: &Capture) -> Vec<bool> {
    let mut out = vec![false; capture.conversations.len()];
    for t in &capture.transactions {
        let failed = match &t.detail {
            // HTTP/2 too: a 4xx or 5xx status, a gRPC status other than OK, a stream
            // reset with an error code (RST_STREAM other than NO_ERROR, RFC 9113 §7).
            Detail::Http(h) => {
                h.is_error() || h.http2().is_some_and(|s| s.reset.is_some_and(|c| c != 0))
            }
            Detail::Pgsql(p) => p.is_error(),
            Detail::Dns(d) => d.rcode.is_some_and(|r| r != 0),
            Detail::Mysql(m) => m.error_code.is_some(),
            Detail::Redis(r) => r.error.is_some(),
            Detail::Memcache(m) => m.error(),
            _ => false,
        };
        if failed {
            if let Some(f) = out.get_mut(t.conv as usize) {
                *f = true;
            }
        }
    }
    out
}

/// The conversations (flow ids, in order of their first packet) that `pick` takes of
/// those `candidates` allows (`None`: every conversation; else indexed by flow id, e.g.
/// those with a packet that passed a display filter, from [`flows_of`]).
pub fn pick(capture: &Capture, candidates: Option<&[bool]>, pick: &Pick) -> Vec<u32> {
    let allowed = |f: usize| candidates.is_none_or(|c| c.get(f).copied().unwrap_or(false));
    let all = (0..capture.conversations.len()).filter(|&f| allowed(f));
    let mut chosen: Vec<u32> = match pick {
        Pick::All => all.map(|f| f as u32).collect(),
        Pick::Streams(list) => all
            .filter(|&f| {
                let c = &capture.conversations[f];
                list.contains(&(c.proto, c.stream))
            })
            .map(|f| f as u32)
            .collect(),
        Pick::Errors => {
            let app = app_errors(capture);
            all.filter(|&f| has_errors(capture, f, &app))
                .map(|f| f as u32)
                .collect()
        }
        Pick::Longest(n) => {
            let mut v: Vec<(i64, u32)> = all
                .map(|f| (capture.conversations[f].duration_ns(), f as u32))
                .collect();
            // Longest first; the earlier session first among equals.
            v.sort_by_key(|&(d, f)| (std::cmp::Reverse(d), f));
            v.into_iter().take(*n).map(|(_, f)| f).collect()
        }
        Pick::Slowest(n) => {
            let mut slowest: Vec<Option<i64>> = vec![None; capture.conversations.len()];
            let mut reader = capture.packets.reader();
            for t in &capture.transactions {
                if let (Some(ns), Some(s)) = (
                    t.times_in(&mut reader).latency_ns(),
                    slowest.get_mut(t.conv as usize),
                ) {
                    *s = Some(s.map_or(ns, |m| m.max(ns)));
                }
            }
            let mut v: Vec<(i64, u32)> =
                all.filter_map(|f| Some((slowest[f]?, f as u32))).collect();
            v.sort_by_key(|&(d, f)| (std::cmp::Reverse(d), f));
            v.into_iter().take(*n).map(|(_, f)| f).collect()
        }
    };
    chosen.sort_unstable();
    chosen
}

/// The conversations the packets `indices` belong to, indexed by flow id: what
/// [`pick`] takes as candidates after a display filter.
pub fn flows_of(capture: &Capture, indices: impl IntoIterator<Item = usize>) -> Vec<bool> {
    let mut out = vec![false; capture.conversations.len()];
    for i in indices {
        if let Some(f) = capture
            .packets
            .get(i)
            .map(|p| p.flow)
            .filter(|&f| f != NO_FLOW)
        {
            out[f as usize] = true;
        }
    }
    out
}

/// A time in a file name: `20231114-221320.123456789` (UTC), so that names sort by time.
pub fn name_time(ts_ns: i64, out: &mut String) {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let _ = write!(
        out,
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}.{:09}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ts_ns.rem_euclid(1_000_000_000)
    );
}

/// An address in a file name: IPv6's colons become `-` (no file system minds them).
pub fn name_addr(a: IpAddr, out: &mut String) {
    match a {
        IpAddr::V4(v4) => {
            let _ = write!(out, "{v4}");
        }
        IpAddr::V6(v6) => {
            let _ = write!(out, "{}", v6.to_string().replace(':', "-"));
        }
    }
}

/// A session in a file name: `tcp-12_10.0.0.1.51000_10.0.0.2.80`, client first.
pub fn name_session(capture: &Capture, flow: u32, out: &mut String) {
    let Some(c) = capture.conversations.get(flow as usize) else {
        return;
    };
    let Some(((ca, cp), (sa, sp))) = endpoints(capture, flow) else {
        return;
    };
    let _ = write!(out, "{}-{}_", c.proto.name(), c.stream);
    name_addr(ca, out);
    let _ = write!(out, ".{cp}_");
    name_addr(sa, out);
    let _ = write!(out, ".{sp}");
}

/// A conversation's display filter: `tcp.stream == 12`.
pub fn stream_filter(c: &Conversation) -> String {
    format!("{}.stream == {}", c.proto.name(), c.stream)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn names_sort_by_time_and_say_the_session() {
        let mut s = String::new();
        name_time(1_700_000_000_123_456_789, &mut s);
        assert_eq!(s, "20231114-221320.123456789");
        s.clear();
        name_addr("2001:db8::1".parse().unwrap(), &mut s);
        assert_eq!(s, "2001-db8--1");
        let mut a = String::new();
        let mut b = String::new();
        name_time(999_999_999, &mut a);
        name_time(1_000_000_000, &mut b);
        assert!(a < b, "{a} {b}");
    }
}
