//! Application transactions: a request paired with its response, per protocol.

pub mod dns;
pub mod http;
pub mod memcache;
pub mod mysql;
pub mod pdu;
pub mod pgsql;
pub mod redis;
pub mod tls;

use serde::Serialize;
use std::collections::BTreeMap;

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
    /// TLS (the handshake's names; with secrets, the protocol inside too).
    Tls,
    /// HTTP/2 (RFC 9113), over TLS (ALPN `h2`) or in the clear (h2c).
    Http2,
    /// PostgreSQL's frontend/backend protocol (version 3).
    Pgsql,
    /// QUIC (RFC 9000): connections, and the ClientHello of their Initial packets.
    Quic,
}

/// What a transaction says, per protocol. Each protocol's detail is boxed: inline, the
/// enum would be as large as its largest variant (HTTP's, 400 bytes) in every
/// transaction; boxed it is 16 and each transaction's heap holds its own protocol's only.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "proto", rename_all = "lowercase")]
pub enum Detail {
    /// HTTP request and response.
    Http(Box<http::Http>),
    /// A memcached command and its reply.
    Memcache(Box<memcache::Memcache>),
    /// A MySQL command and its result.
    Mysql(Box<mysql::Mysql>),
    /// A Redis command and its reply.
    Redis(Box<redis::Redis>),
    /// A DNS query and its response.
    Dns(Box<dns::Dns>),
    /// A TLS handshake's ClientHello (and the server's choice); QUIC's too.
    Tls(Box<tls::Tls>),
    /// A PostgreSQL query (or login) and its result.
    Pgsql(Box<pgsql::Pgsql>),
}

impl Detail {
    /// The protocol of the transaction (HTTP/2 streams are HTTP transactions of their
    /// own protocol; a QUIC connection's handshake is a TLS transaction).
    pub fn proto(&self) -> AppProto {
        match self {
            Detail::Http(h) if h.http2.is_some() => AppProto::Http2,
            Detail::Http(_) => AppProto::Http,
            Detail::Memcache(_) => AppProto::Memcache,
            Detail::Mysql(_) => AppProto::Mysql,
            Detail::Redis(_) => AppProto::Redis,
            Detail::Dns(_) => AppProto::Dns,
            Detail::Tls(_) => AppProto::Tls,
            Detail::Pgsql(_) => AppProto::Pgsql,
        }
    }
}

/// A protocol's detail type, found in a [`Detail`] by [`AppDetail::of`].
pub trait AppDetail {
    /// The detail, when it is this protocol's.
    fn of(detail: &Detail) -> Option<&Self>;
}

macro_rules! app_detail {
    ($($variant:ident($ty:ty)),*) => {$(
        impl AppDetail for $ty {
            fn of(detail: &Detail) -> Option<&Self> {
                match detail {
                    Detail::$variant(d) => Some(d),
                    _ => None,
                }
            }
        }
    )*};
}

app_detail!(
    Http(http::Http),
    Memcache(memcache::Memcache),
    Mysql(mysql::Mysql),
    Redis(redis::Redis),
    Dns(dns::Dns),
    Tls(tls::Tls),
    Pgsql(pgsql::Pgsql)
);

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

    /// Latency, in ns: from the packet that completed the request to the packet that
    /// completed the response. Wireshark's `http.time` and `dns.time` measure this; so
    /// do the memcached, Redis and MySQL tables.
    pub fn latency_ns(&self) -> Option<i64> {
        Some(self.response?.last.ts_ns - self.request?.last.ts_ns)
    }

    /// Time from the first byte of the request to the last byte of the response, in ns
    /// (Wireshark's `http.time` measures from the request's last packet to the
    /// response's last; see each protocol for the field it matches).
    pub fn duration_ns(&self) -> Option<i64> {
        Some(self.response?.last.ts_ns - self.request?.first.ts_ns)
    }
}

impl AppProto {
    /// Every protocol, in a fixed order.
    pub const ALL: [AppProto; 9] = [
        AppProto::Http,
        AppProto::Memcache,
        AppProto::Mysql,
        AppProto::Redis,
        AppProto::Dns,
        AppProto::Tls,
        AppProto::Http2,
        AppProto::Pgsql,
        AppProto::Quic,
    ];

    /// The name Wireshark gives the protocol in `-d` (decode-as) and display filters.
    pub fn tshark_name(self) -> &'static str {
        match self {
            AppProto::Http => "http",
            AppProto::Memcache => "memcache",
            AppProto::Mysql => "mysql",
            AppProto::Redis => "resp",
            AppProto::Dns => "dns",
            AppProto::Tls => "tls",
            AppProto::Http2 => "http2",
            AppProto::Pgsql => "pgsql",
            AppProto::Quic => "quic",
        }
    }

    /// Our lower-case name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            AppProto::Redis => "redis",
            p => p.tshark_name(),
        }
    }

    /// Parses a protocol name as tshark's `-d` takes it (also our own names and `ssl`).
    pub fn from_name(name: &str) -> Option<AppProto> {
        Some(match name.to_ascii_lowercase().as_str() {
            "http" => AppProto::Http,
            "memcache" | "memcached" => AppProto::Memcache,
            "mysql" | "mariadb" => AppProto::Mysql,
            "resp" | "redis" => AppProto::Redis,
            "dns" => AppProto::Dns,
            "tls" | "ssl" => AppProto::Tls,
            "http2" | "h2" | "h2c" | "grpc" => AppProto::Http2,
            "pgsql" | "postgres" | "postgresql" => AppProto::Pgsql,
            "quic" => AppProto::Quic,
            _ => return None,
        })
    }
}

/// Counters of the application layer (expert-worthy ones among them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AppStats {
    /// Conversations given to each protocol's parser.
    pub conversations: BTreeMap<AppProto, u64>,
    /// Transactions reported, per protocol.
    pub transactions: BTreeMap<AppProto, u64>,
    /// Conversations with payload that no parser took.
    pub unrecognised: u64,
    /// Conversations whose protocol was decided before their bytes said enough (the
    /// sniffing buffer was full or the stream ended): decided by port.
    pub sniff_cut_short: u64,
}

// A transaction in the page's wasm32 heap (`cargo check -p wirelens-core --target
// wasm32-unknown-unknown` checks it; 120 natively): 112 bytes, its protocol's detail
// apart (HTTP's 160, memcached's 84, and their text). `cargo bench -p wirelens-core
// --bench memory` measures the heap behind them.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Transaction>() == 112);
