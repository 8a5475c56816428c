//! Recognising a protocol by the first bytes of a conversation's side.

use super::dns;
use crate::capture::app::AppProto;
use crate::capture::flow::L4;

/// What a conversation's first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// These bytes are the protocol's; `client` tells whether they are the client's
    /// (a request) or the server's; `strong` when no other protocol could start so.
    Match {
        /// The protocol.
        proto: AppProto,
        /// The bytes were sent by the client.
        client: bool,
        /// A signature no other protocol we know shares (it beats a port's default).
        strong: bool,
    },
    /// A prefix of a signature: wait for more bytes.
    NeedMore,
    /// No protocol we know starts like this.
    NoMatch,
}

/// The request methods packet-http.c takes for the start of a message
/// (`is_http_request_or_reply`: RFC 9110's, WebDAV's and DeltaV's, UPnP GENA's
/// SUBSCRIBE and NOTIFY, SSDP's M-SEARCH, MS-RPCH's), each followed by a space: tshark
/// 4.0 reads each as HTTP on port 80 and, by its heuristic, on any other port; PURGE,
/// LINK, MKCALENDAR, ACL and BIND it reads as neither. The ingest, the packet list and
/// the detail all start a request on these.
pub(crate) const HTTP_METHODS: [&[u8]; 42] = [
    b"GET ",
    b"PUT ",
    b"HEAD ",
    b"POST ",
    b"COPY ",
    b"LOCK ",
    b"MOVE ",
    b"POLL ",
    b"BCOPY ",
    b"BMOVE ",
    b"MKCOL ",
    b"TRACE ",
    b"PATCH ",
    b"LABEL ",
    b"MERGE ",
    b"DELETE ",
    b"SEARCH ",
    b"UNLOCK ",
    b"REPORT ",
    b"UPDATE ",
    b"NOTIFY ",
    b"BDELETE ",
    b"CONNECT ",
    b"OPTIONS ",
    b"CHECKIN ",
    b"PROPFIND ",
    b"CHECKOUT ",
    b"CCM_POST ",
    b"SUBSCRIBE ",
    b"PROPPATCH ",
    b"BPROPFIND ",
    b"BPROPPATCH ",
    b"UNCHECKOUT ",
    b"MKACTIVITY ",
    b"MKWORKSPACE ",
    b"RPC_CONNECT ",
    b"RPC_IN_DATA ",
    b"UNSUBSCRIBE ",
    b"RPC_OUT_DATA ",
    b"VERSION-CONTROL ",
    b"BASELINE-CONTROL ",
    b"M-SEARCH ",
];

/// memcached text commands (protocol.txt), each followed by a space or a line end.
const MEMCACHE_COMMANDS: [&[u8]; 21] = [
    b"get",
    b"gets",
    b"gat",
    b"gats",
    b"set",
    b"add",
    b"replace",
    b"append",
    b"prepend",
    b"cas",
    b"delete",
    b"incr",
    b"decr",
    b"touch",
    b"stats",
    b"version",
    b"flush_all",
    b"verbosity",
    b"mg",
    b"ms",
    b"md",
];

/// `prefix` is a prefix of `of` or the other way round: Some(true) when `bytes` starts
/// with `of`, Some(false) (need more) when `bytes` is a shorter prefix of it, None else.
pub(super) fn starts(bytes: &[u8], of: &[u8]) -> Option<bool> {
    if bytes.len() >= of.len() {
        (bytes[..of.len()] == *of).then_some(true)
    } else {
        (of[..bytes.len()] == *bytes).then_some(false)
    }
}

/// Which protocol the first bytes of one side of a conversation belong to.
pub fn sniff(l4: L4, bytes: &[u8]) -> Sniff {
    let mut need_more = false;
    fn check(
        need_more: &mut bool,
        r: Option<bool>,
        proto: AppProto,
        client: bool,
        strong: bool,
    ) -> Option<Sniff> {
        match r {
            Some(true) => Some(Sniff::Match {
                proto,
                client,
                strong,
            }),
            Some(false) => {
                *need_more = true;
                None
            }
            None => None,
        }
    }
    if bytes.is_empty() {
        return Sniff::NeedMore;
    }
    if l4 == L4::Udp {
        // A QUIC long-header packet of a version we read (RFC 9000 §17.2): the header
        // form and fixed bits, a known version, connection IDs of at most 20 bytes.
        if bytes[0] & 0xc0 == 0xc0 && bytes.len() >= 7 {
            let version = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
            if super::quic::known_version(version) && bytes[5] <= 20 {
                return Sniff::Match {
                    proto: AppProto::Quic,
                    client: true,
                    strong: true,
                };
            }
        }
        return match dns::looks_like_message(bytes) {
            Some(query) => Sniff::Match {
                proto: AppProto::Dns,
                client: query,
                strong: false,
            },
            None => Sniff::NoMatch,
        };
    }
    for m in HTTP_METHODS {
        if let Some(s) = check(&mut need_more, starts(bytes, m), AppProto::Http, true, true) {
            return s;
        }
    }
    if let Some(s) = check(
        &mut need_more,
        starts(bytes, b"HTTP/1."),
        AppProto::Http,
        false,
        true,
    ) {
        return s;
    }
    // HTTP/2's connection preface (RFC 9113 §3.4): h2c with prior knowledge.
    if let Some(s) = check(
        &mut need_more,
        starts(bytes, super::http2::frame::PREFACE),
        AppProto::Http2,
        true,
        true,
    ) {
        return s;
    }
    // PostgreSQL's first message: a StartupMessage (protocol 3.x), SSLRequest,
    // GSSENCRequest or CancelRequest, by its length and code.
    match bytes.get(..8) {
        Some(h) => {
            let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
            let code = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
            if super::pgsql::message::untyped(len, code).is_some() {
                return Sniff::Match {
                    proto: AppProto::Pgsql,
                    client: true,
                    strong: true,
                };
            }
        }
        None if bytes.len() >= 4 && bytes[..2] == [0, 0] => need_more = true,
        None => {}
    }
    // TLS record: handshake (22), version 3.x, then ClientHello (1) or ServerHello (2).
    if bytes[0] == 0x16 {
        match bytes.get(1..6) {
            None => need_more = true,
            Some(&[3, minor, _, _, hs]) if minor <= 4 && (hs == 1 || hs == 2) => {
                return Sniff::Match {
                    proto: AppProto::Tls,
                    client: hs == 1,
                    strong: true,
                };
            }
            Some(_) => {}
        }
    }
    // MySQL initial handshake from the server: a packet with sequence id 0, protocol 10,
    // a NUL-terminated printable version string.
    if bytes.len() >= 5 && bytes[3] == 0 && bytes[4] == 0x0a {
        let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]) as usize;
        if (20..=1024).contains(&len) {
            let version = &bytes[5..bytes.len().min(4 + len)];
            match version.iter().position(|&b| b == 0) {
                Some(n) if n > 0 && version[..n].iter().all(|b| (0x20..0x7f).contains(b)) => {
                    return Sniff::Match {
                        proto: AppProto::Mysql,
                        client: false,
                        strong: true,
                    };
                }
                None if version.len() < 64 && version.iter().all(|b| (0x20..0x7f).contains(b)) => {
                    need_more = true
                }
                _ => {}
            }
        }
    } else if bytes.len() < 5 && bytes.len() >= 4 && bytes[3] == 0 {
        need_more = true;
    }
    // RESP: an array of bulk strings, `*N\r\n$`.
    if bytes[0] == b'*' {
        let digits = bytes[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        match bytes.get(1 + digits..4 + digits) {
            _ if digits > 5 => {}
            Some(b"\r\n$") if digits > 0 => {
                return Sniff::Match {
                    proto: AppProto::Redis,
                    client: true,
                    strong: true,
                }
            }
            Some(_) => {}
            None => {
                if b"\r\n$".starts_with(&bytes[1 + digits..]) {
                    need_more = true;
                }
            }
        }
    }
    // memcached binary protocol: magic 0x80 (request) or 0x81 (response), 24-byte header
    // whose key and extras lengths fit in the body length.
    if bytes[0] == 0x80 || bytes[0] == 0x81 {
        match bytes.get(..24) {
            None => need_more = true,
            Some(h) => {
                let key = u16::from_be_bytes([h[2], h[3]]) as u32;
                let extras = h[4] as u32;
                let body = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
                if h[5] == 0 && key + extras <= body && body < (64 << 20) && h[1] < 0x50 {
                    return Sniff::Match {
                        proto: AppProto::Memcache,
                        client: bytes[0] == 0x80,
                        strong: true,
                    };
                }
            }
        }
    }
    // memcached text protocol.
    for c in MEMCACHE_COMMANDS {
        match starts(bytes, c) {
            Some(true) => match bytes.get(c.len()) {
                Some(b' ') | Some(b'\r') | Some(b'\n') => {
                    return Sniff::Match {
                        proto: AppProto::Memcache,
                        client: true,
                        strong: false,
                    }
                }
                None => need_more = true,
                _ => {}
            },
            Some(false) => need_more = true,
            None => {}
        }
    }
    for reply in [
        &b"VALUE "[..],
        b"END\r\n",
        b"STORED\r\n",
        b"NOT_STORED\r\n",
        b"DELETED\r\n",
        b"NOT_FOUND\r\n",
    ] {
        if let Some(s) = check(
            &mut need_more,
            starts(bytes, reply),
            AppProto::Memcache,
            false,
            false,
        ) {
            return s;
        }
    }
    // DNS over TCP: a length prefix, then a sane header, then the whole message parses.
    match bytes.get(..14) {
        None => need_more = true,
        Some(h) => {
            let len = u16::from_be_bytes([h[0], h[1]]) as usize;
            if len >= 12 && dns::header_is_sane(&h[2..]) {
                match bytes.get(2..2 + len) {
                    Some(msg) => {
                        if let Some(query) = dns::looks_like_message(msg) {
                            return Sniff::Match {
                                proto: AppProto::Dns,
                                client: query,
                                strong: false,
                            };
                        }
                    }
                    None if bytes.len() < 2 + 512 => need_more = true,
                    None => {}
                }
            }
        }
    }
    if need_more {
        Sniff::NeedMore
    } else {
        Sniff::NoMatch
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn sniffing_signatures() {
        let m = |proto, client, strong| Sniff::Match {
            proto,
            client,
            strong,
        };
        assert_eq!(
            sniff(L4::Tcp, b"GET / HTTP/1.1\r\n"),
            m(AppProto::Http, true, true)
        );
        assert_eq!(sniff(L4::Tcp, b"GE"), Sniff::NeedMore);
        assert_eq!(
            sniff(L4::Tcp, b"HTTP/1.1 200 OK\r\n"),
            m(AppProto::Http, false, true)
        );
        assert_eq!(
            sniff(L4::Tcp, b"\x16\x03\x01\x00\xc2\x01"),
            m(AppProto::Tls, true, true)
        );
        assert_eq!(
            sniff(L4::Tcp, b"\x16\x03\x03\x00\x50\x02"),
            m(AppProto::Tls, false, true)
        );
        assert_eq!(sniff(L4::Tcp, b"\x16\x03"), Sniff::NeedMore);
        assert_eq!(
            sniff(L4::Tcp, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
            m(AppProto::Redis, true, true)
        );
        assert_eq!(
            sniff(L4::Tcp, b"get user:1\r\n"),
            m(AppProto::Memcache, true, false)
        );
        assert_eq!(
            sniff(L4::Tcp, b"VALUE k 0 1\r\n"),
            m(AppProto::Memcache, false, false)
        );
        let mut binary = vec![0x80, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 3];
        binary.extend_from_slice(&[0; 12]);
        binary.extend_from_slice(b"key");
        assert_eq!(sniff(L4::Tcp, &binary), m(AppProto::Memcache, true, true));
        let greeting = b"\x5b\x00\x00\x00\x0a10.11.6-MariaDB\x00\x08\x00\x00\x00";
        assert_eq!(sniff(L4::Tcp, greeting), m(AppProto::Mysql, false, true));
        let dns_query = b"\x00\x1d\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
        assert_eq!(sniff(L4::Tcp, dns_query), m(AppProto::Dns, true, false));
        assert_eq!(
            sniff(L4::Udp, &dns_query[2..]),
            m(AppProto::Dns, true, false)
        );
        assert_eq!(sniff(L4::Tcp, b"SSH-2.0-OpenSSH_9.6\r\n"), Sniff::NoMatch);
        assert_eq!(
            sniff(L4::Udp, b"\x00\x01\x02 random datagram"),
            Sniff::NoMatch
        );
    }
}
