//! Application transactions: a request paired with its response, per protocol.

pub mod dns;
pub mod http;
mod list;
pub mod memcache;
pub mod mysql;
pub mod pdu;
pub mod pgsql;
pub mod redis;
pub mod tls;

pub use list::{Iter, Locator, Transactions};

use super::packet::{Packets, Reader};
use serde::Serialize;
use std::collections::BTreeMap;
use std::num::NonZeroU32;

/// Where bytes came from, as the application parsers read them: the packet that
/// completed them and its time. A transaction keeps only the packet ([`Extent`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct At {
    /// Index of the packet in `Capture::packets`.
    pub packet: u64,
    /// Its timestamp, ns since the epoch.
    pub ts_ns: i64,
}

/// One side of a transaction as a parser reports it: the packets and bytes of a request
/// or a response, with their times. The transaction keeps it as an [`Extent`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The first packet with bytes of it.
    pub first: At,
    /// The packet that completed it.
    pub last: At,
    /// Its length in bytes on the stream (headers and body).
    pub bytes: u64,
}

/// One side of a transaction as the capture keeps it: the first and last packets of a
/// request or a response and its length. Packets are indices into `Capture::packets` in
/// 32 bits (the ingest gives the application layer at most [`Extent::MAX_PACKETS`]), and
/// their times are read there, not kept twice; the length in 48 bits
/// ([`Extent::MAX_BYTES`]): 14 bytes where a [`Span`] takes 40, and `Option<Extent>` 14
/// as well (`first` is stored plus one, so never 0). Packed to 2 so that a transaction in
/// the wasm32 heap has no padding (40 bytes; the fields are read by value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C, packed(2))]
pub struct Extent {
    /// The first packet with bytes of it, plus one (its frame number).
    first: NonZeroU32,
    /// The packet that completed it.
    last: u32,
    /// Its length in bytes on the stream (headers and body), low 32 bits: a response can
    /// pass 4 GiB.
    bytes_low: u32,
    /// The length's high 16 bits.
    bytes_high: u16,
}

impl Extent {
    /// How many packets an extent can name: indices 0 to `MAX_PACKETS - 1`.
    pub const MAX_PACKETS: u64 = u32::MAX as u64;

    /// The longest length an extent keeps, 256 TiB less a byte: more than the packets it
    /// can name carry (2^32 packets of at most 64 KiB of TCP payload each). Only the
    /// lengths of gaps a crafted capture claims can add up to more; they read as this.
    pub const MAX_BYTES: u64 = (1 << 48) - 1;

    /// The extent from packet `first` to packet `last`, `bytes` long. The ingest keeps
    /// packets past [`Extent::MAX_PACKETS`] from the parsers; one named anyway is taken as
    /// the last that fits.
    pub fn new(first: u64, last: u64, bytes: u64) -> Extent {
        let fit = |p: u64| p.min(Self::MAX_PACKETS - 1) as u32;
        let bytes = bytes.min(Self::MAX_BYTES);
        Extent {
            first: NonZeroU32::MIN.saturating_add(fit(first)),
            last: fit(last),
            bytes_low: bytes as u32,
            bytes_high: (bytes >> 32) as u16,
        }
    }

    /// The first packet with bytes of it (index into `Capture::packets`).
    pub fn first(self) -> u64 {
        u64::from(self.first.get() - 1)
    }

    /// The packet that completed it.
    pub fn last(self) -> u64 {
        u64::from(self.last)
    }

    /// Its length in bytes on the stream (headers and body), at most [`Extent::MAX_BYTES`].
    pub fn bytes(self) -> u64 {
        u64::from(self.bytes_low) | u64::from(self.bytes_high) << 32
    }

    /// The time of its first packet, ns since the epoch (`packets`: `Capture::packets`).
    pub fn first_ns(self, packets: &Packets) -> Option<i64> {
        packets.get(self.first() as usize).map(|p| p.ts_ns)
    }

    /// The time of the packet that completed it.
    pub fn last_ns(self, packets: &Packets) -> Option<i64> {
        packets.get(self.last() as usize).map(|p| p.ts_ns)
    }
}

impl From<Span> for Extent {
    fn from(s: Span) -> Extent {
        Extent::new(s.first.packet, s.last.packet, s.bytes)
    }
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
            Detail::Http(h) if h.http2().is_some() => AppProto::Http2,
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
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// Flow id of the conversation (index into `Capture::conversations`).
    pub conv: u32,
    /// The request, when it was captured.
    pub request: Option<Extent>,
    /// The response, when it was captured.
    pub response: Option<Extent>,
    /// Protocol-specific fields.
    pub detail: Detail,
}

impl Transaction {
    /// The times of the packets that start and complete its request and its response,
    /// read together (`packets`: `Capture::packets`, where the times are).
    pub fn times(&self, packets: &Packets) -> Times {
        Times::of(packets.rows(self.ends()).map(|p| p.map(|p| p.ts_ns)))
    }

    /// [`Transaction::times`] through a reader: for a run over many transactions, in
    /// about the order of their packets, which then decodes each block of rows once.
    pub fn times_in(&self, reader: &mut Reader<'_>) -> Times {
        Times::of(self.ends().map(|i| reader.get(i).map(|p| p.ts_ns)))
    }

    /// The packets that start and complete the request and the response (`usize::MAX`
    /// for one not captured).
    fn ends(&self) -> [usize; 4] {
        let ends = |e: Option<Extent>| {
            e.map_or([usize::MAX; 2], |e| {
                [e.first(), e.last()].map(|p| p as usize)
            })
        };
        let ([q0, q1], [r0, r1]) = (ends(self.request), ends(self.response));
        [q0, q1, r0, r1]
    }

    /// Time from the end of the request to the first byte of the response, in ns.
    pub fn time_to_first_byte_ns(&self, packets: &Packets) -> Option<i64> {
        self.times(packets).time_to_first_byte_ns()
    }

    /// Latency, in ns: from the packet that completed the request to the packet that
    /// completed the response. Wireshark's `http.time` and `dns.time` measure this; so
    /// do the memcached, Redis and MySQL tables.
    pub fn latency_ns(&self, packets: &Packets) -> Option<i64> {
        let (q, r) = (self.request?, self.response?);
        let [q, r] = packets.rows([q.last(), r.last()].map(|p| p as usize));
        Some(r?.ts_ns - q?.ts_ns)
    }

    /// Time from the first byte of the request to the last byte of the response, in ns
    /// (Wireshark's `http.time` measures from the request's last packet to the
    /// response's last; see each protocol for the field it matches).
    pub fn duration_ns(&self, packets: &Packets) -> Option<i64> {
        self.times(packets).duration_ns()
    }
}

/// When a transaction's request and response started and completed ([`Transaction::times`]):
/// (first packet, last packet) times in ns since the epoch, each when it was captured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Times {
    /// The request's first and last packets' times.
    pub request: Option<(i64, i64)>,
    /// The response's.
    pub response: Option<(i64, i64)>,
}

impl Times {
    /// The times of the packets [`Transaction::ends`] names, in its order.
    fn of([q0, q1, r0, r1]: [Option<i64>; 4]) -> Times {
        Times {
            request: q0.zip(q1),
            response: r0.zip(r1),
        }
    }

    /// [`Transaction::time_to_first_byte_ns`].
    pub fn time_to_first_byte_ns(self) -> Option<i64> {
        Some(self.response?.0 - self.request?.1)
    }

    /// [`Transaction::latency_ns`].
    pub fn latency_ns(self) -> Option<i64> {
        Some(self.response?.1 - self.request?.1)
    }

    /// [`Transaction::duration_ns`].
    pub fn duration_ns(self) -> Option<i64> {
        Some(self.response?.1 - self.request?.0)
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
// wasm32-unknown-unknown` checks it; 48 natively, where the detail's box is 16): 40 bytes,
// its protocol's detail apart (HTTP's 24, memcached's 32 with one key, and their text;
// `capture::app::http`, `capture::app::memcache`). `cargo bench -p wirelens-core --bench
// memory` measures the heap behind them.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Transaction>() == 40);

const _: () = assert!(std::mem::size_of::<Option<Extent>>() == 14);

#[cfg(test)]
mod test {
    use super::{At, Extent, Span};

    #[test]
    fn an_extent_keeps_a_spans_packets_and_bytes() {
        let at = |packet| At { packet, ts_ns: 7 };
        let span = |first, last, bytes| Span {
            first: at(first),
            last: at(last),
            bytes,
        };
        let e = Extent::from(span(0, 3, 5 << 32));
        assert_eq!((e.first(), e.last(), e.bytes()), (0, 3, 5 << 32));
        // Past 4 GiB and up to 256 TiB, every byte counts; past that, the most it keeps.
        for bytes in [
            u32::MAX as u64,
            (u32::MAX as u64) + 1,
            (1 << 40) + 12_345,
            Extent::MAX_BYTES,
        ] {
            assert_eq!(Extent::new(1, 2, bytes).bytes(), bytes);
        }
        assert_eq!(Extent::new(1, 2, u64::MAX).bytes(), Extent::MAX_BYTES);
        assert_eq!(Extent::new(1, 2, 1 << 48).bytes(), Extent::MAX_BYTES);
        // The last packet an extent names; past it, the ingest stops the parsers.
        let top = Extent::MAX_PACKETS - 1;
        let e = Extent::from(span(top, top, 1));
        assert_eq!((e.first(), e.last()), (top, top));
        let e = Extent::new(u64::MAX, u64::MAX, 0);
        assert_eq!((e.first(), e.last()), (top, top));
        assert!(Some(Extent::new(0, 0, 0)).is_some());
    }
}
