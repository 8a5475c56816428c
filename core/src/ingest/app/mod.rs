//! Application protocols: parsers that turn reassembled stream bytes (TCP) or datagrams
//! (UDP) into timed transactions.
//!
//! Each conversation gets at most one parser, chosen by port and by content. A parser
//! sees both directions of its conversation interleaved in capture order, told which side
//! is the client, and reports a [`Transaction`] when a request has its response (or when
//! it can tell the response will never come).

mod choose;
mod dispatch;
pub mod dns;
pub mod http;
pub mod http2;
mod intern;
pub mod memcache;
pub mod mysql;
pub mod pgsql;
pub mod quic;
pub mod redis;
mod sniff;
pub(crate) use sniff::HTTP_METHODS;
#[cfg(test)]
pub(crate) mod testkit;
pub mod tls;

pub use choose::{
    foreign_port, foreign_proto, proto_by_port, takes_any_bytes, udp_port_proto, udp_ports, UdpPort,
};
pub use dispatch::{Apps, AppsResult};
pub use sniff::{sniff, Sniff};

use crate::capture::app::{At, Detail, Extent, Span, Transaction};
use crate::ingest::wire::{Summary, Transport};

/// A parser of one conversation's stream (or datagrams).
pub trait StreamParser {
    /// In-order bytes from one side. `from_client` is true for the client's bytes.
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>);
    /// Bytes of one side that were never captured; the parser resynchronises or marks
    /// the transaction in progress incomplete.
    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>);
    /// A whole datagram (UDP). By default, the same as stream data.
    fn datagram(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        self.data(from_client, bytes, at, out);
    }
    /// One side ended its stream (TCP FIN or RST, the packet `at`); the other may go on.
    /// By default nothing happens: `end` comes when both sides have ended.
    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        let _ = (from_client, at, out);
    }
    /// One side's stream ended with the capture, its FIN or RST never seen (`at`: the
    /// capture's last packet). By default as [`StreamParser::side_end`].
    fn side_cut(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        self.side_end(from_client, at, out);
    }
    /// The conversation ended (or the capture did): report what is pending.
    fn end(&mut self, at: At, out: &mut Vec<Transaction>);
    /// The protocol carried inside this one, once known (TLS: what its decrypted records
    /// carry).
    fn inner(&self) -> Option<crate::capture::app::AppProto> {
        None
    }
    /// Where the conversation switched to TLS (MySQL's SSL request, PostgreSQL's
    /// SSLRequest answered `S`), once it did; the dispatcher fills in `conv`.
    fn tls_switch(&self) -> Option<crate::capture::app::tls::TlsSwitch> {
        None
    }
    /// Moves the PDUs read since the last call (HTTP/2 frames, PostgreSQL messages) to
    /// `out`; parsers of other protocols have none.
    fn take_pdus(&mut self, out: &mut Vec<crate::capture::app::pdu::Pdu>) {
        let _ = out;
    }
}

/// The payload of a packet's TCP or UDP layer: where the dissector's summary says it
/// lies, in the frame or in the IP datagram the packet completed (`reassembled`, the
/// dissector's [`crate::ingest::wire::Dissector::reassembled`]).
pub fn payload_of<'a>(
    summary: &Summary,
    frame: &'a [u8],
    reassembled: &'a [u8],
) -> Option<&'a [u8]> {
    match summary.transport {
        Transport::Tcp(_) | Transport::Udp { .. } => {
            summary.payload.map(|p| p.bytes(frame, reassembled))
        }
        _ => None,
    }
}

/// Reports a transaction (the dispatcher fills in its conversation). It keeps the spans'
/// packets; their times are the packet index's.
fn report(
    out: &mut Vec<Transaction>,
    request: Option<Span>,
    response: Option<Span>,
    detail: Detail,
) {
    out.push(Transaction {
        conv: 0,
        request: request.map(Extent::from),
        response: response.map(Extent::from),
        detail,
    });
}

/// Bytes as text, those that are not UTF-8 replaced.
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Bytes as shareable text (see `intern`), those that are not UTF-8 replaced.
fn text(b: &[u8]) -> std::sync::Arc<str> {
    // Valid UTF-8 (nearly all) is checked faster by `from_utf8` than by the lossy walk.
    match std::str::from_utf8(b) {
        Ok(s) => s.into(),
        Err(_) => String::from_utf8_lossy(b).into(),
    }
}
