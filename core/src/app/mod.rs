//! Application protocols: parsers that turn reassembled stream bytes (TCP) or datagrams
//! (UDP) into timed transactions.
//!
//! Each conversation gets at most one parser, chosen by port and by content. A parser
//! sees both directions of its conversation interleaved in capture order, told which side
//! is the client, and reports a [`Transaction`] when a request has its response (or when
//! it can tell the response will never come).

pub mod dns;
pub mod http;
pub mod memcache;
pub mod mysql;
pub mod redis;
pub mod tls;

use serde::Serialize;

/// Where bytes came from: the packet that completed them and its time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct At {
    /// Index of the packet in `Capture::packets`.
    pub packet: u64,
    /// Its timestamp, ns since the epoch.
    pub ts_ns: i64,
}

/// One side of a transaction: the packets and bytes of a request or a response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The first packet with bytes of it.
    pub first: At,
    /// The packet that completed it.
    pub last: At,
    /// Its length in bytes on the stream (headers and body).
    pub bytes: u64,
}

/// The application protocols we parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppProto {
    /// HTTP/1.x.
    Http,
    /// memcached, text and binary protocols.
    Memcache,
    /// MySQL / MariaDB client-server protocol.
    Mysql,
    /// Redis RESP2/RESP3.
    Redis,
    /// DNS over UDP or TCP.
    Dns,
    /// TLS (the handshake's names).
    Tls,
}

/// What a transaction says, per protocol.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "proto", rename_all = "lowercase")]
pub enum Detail {
    /// HTTP request and response.
    Http(http::Http),
    /// A memcached command and its reply.
    Memcache(memcache::Memcache),
    /// A MySQL command and its result.
    Mysql(mysql::Mysql),
    /// A Redis command and its reply.
    Redis(redis::Redis),
    /// A DNS query and its response.
    Dns(dns::Dns),
    /// A TLS handshake's ClientHello (and the server's choice).
    Tls(tls::Tls),
}

/// A request paired with its response.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Transaction {
    /// Flow id of the conversation (index into `Capture::conversations`).
    pub conv: u32,
    /// The request, when it was captured.
    pub request: Option<Span>,
    /// The response, when it was captured.
    pub response: Option<Span>,
    /// Protocol-specific fields.
    pub detail: Detail,
}

impl Transaction {
    /// Time from the end of the request to the first byte of the response, in ns.
    pub fn time_to_first_byte_ns(&self) -> Option<i64> {
        Some(self.response?.first.ts_ns - self.request?.last.ts_ns)
    }

    /// Time from the first byte of the request to the last byte of the response, in ns
    /// (Wireshark's `http.time` measures from the request's last packet to the
    /// response's last; see each protocol for the field it matches).
    pub fn duration_ns(&self) -> Option<i64> {
        Some(self.response?.last.ts_ns - self.request?.first.ts_ns)
    }
}

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
    /// The conversation ended (or the capture did): report what is pending.
    fn end(&mut self, at: At, out: &mut Vec<Transaction>);
}
