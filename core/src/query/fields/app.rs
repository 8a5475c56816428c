//! Application-layer fields from the transactions the app parsers found (HTTP, DNS,
//! memcached, MySQL, TLS), attached to the packets Wireshark shows them in.

use super::{Fid, FieldProvider, ValueSink};
use crate::capture::app::AppProto;
use crate::capture::Capture;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Values of application-layer fields, from the transactions the app parsers found in the
/// capture (HTTP, DNS, memcached, MySQL, TLS), attached to the packets Wireshark shows
/// them in: a request's fields to the packet that completed the request, a response's to
/// the packet that completed the response.
///
/// A filter asks for one or two fields of a capture with hundreds of thousands of
/// transactions: fields are indexed when first asked for ([`TransactionFields::index`]),
/// and only those (their values built only then: header lines and URIs are not copied
/// for a filter on `http.response.code`).
pub struct TransactionFields {
    values: super::PacketValues,
    /// The fields indexed so far.
    indexed: HashSet<Fid>,
    /// The fields the pass under way indexes.
    want: HashSet<Fid>,
}

/// One value of an app-layer field, owned (see [`super::pdu`]).
#[derive(Clone, Debug, PartialEq)]
pub enum AppValue {
    /// The field is there with no value (`FT_NONE`, or a protocol's own item).
    Present,
    /// `FT_BOOLEAN`.
    Bool(bool),
    /// Unsigned integers and frame numbers.
    Uint(u64),
    /// Signed integers (`FT_INT32`, `FT_INT64`).
    Int(i64),
    /// A duration in ns.
    Rel(i64),
    /// `FT_STRING`.
    Text(String),
    /// `FT_BYTES`.
    Bytes(Vec<u8>),
    /// `FT_IPv4`.
    Ipv4([u8; 4]),
    /// `FT_IPv6`.
    Ipv6([u8; 16]),
}

impl TransactionFields {
    /// Every field these values cover, for the transactions of `capture`.
    pub fn new(capture: &Capture) -> Self {
        let mut t = Self::empty();
        let all: Vec<Fid> = super::FIELDS
            .iter()
            .map(|d| d.id)
            .filter(|&f| Self::covers(f))
            .collect();
        t.index(capture, &all);
        t
    }

    /// No field indexed yet.
    pub fn empty() -> Self {
        TransactionFields {
            values: Default::default(),
            indexed: HashSet::new(),
            want: HashSet::new(),
        }
    }

    /// Whether `field`'s values are indexed.
    pub fn has(&self, field: Fid) -> bool {
        self.indexed.contains(&field)
    }

    /// Indexes the values of `fields` (those covered and not indexed yet) in one pass over
    /// the transactions of `capture`.
    pub fn index(&mut self, capture: &Capture, fields: &[Fid]) {
        self.want = fields
            .iter()
            .copied()
            .filter(|&f| Self::covers(f) && !self.indexed.contains(&f))
            .collect();
        if self.want.is_empty() {
            return;
        }
        self.pass(capture);
        // The transactions come in order of their first packet, their values at their
        // last ones: nearly in order.
        self.values.settle();
        self.indexed.extend(self.want.drain());
    }

    fn wants_any(&self, fields: &[Fid]) -> bool {
        fields.iter().any(|f| self.want.contains(f))
    }

    fn pass(&mut self, capture: &Capture) {
        use crate::capture::app::Detail;
        let t = self;
        let (http, dns, mysql, tls, redis) = (
            t.wants_any(HTTP),
            t.wants_any(DNS),
            t.wants_any(MYSQL),
            t.want.contains(&Fid::TlsSni),
            t.wants_any(REDIS),
        );
        let (http2, pgsql) = (t.wants_any(HTTP2), t.wants_any(PGSQL));
        let bodies = t.wants_any(&[Fid::Json, Fid::UrlencodedForm]);
        let mut reader = capture.packets.reader();
        // packet-dns.c's transaction of an id in a conversation: the packet of its last
        // response, for a response that comes again (`dns.retransmit_response_in`).
        let mut dns_answered: HashMap<(u32, u16), u64> = HashMap::new();
        for tx in &capture.transactions {
            let req = tx.request.map(|s| s.last());
            let resp = tx.response.map(|s| s.last());
            match &tx.detail {
                // An HTTP/2 stream: its request's HEADERS open the request, its response's
                // open the response (RFC 9113 §8.1). Every frame's own fields
                // (`http2.streamid`, `http2.type` …) come from the capture's PDUs.
                Detail::Http(h) if h.http2().is_some() => {
                    if !http2 && !bodies {
                        continue;
                    }
                    let req_first = tx.request.map(|s| s.first());
                    let resp_first = tx.response.map(|s| s.first());
                    if let Some(p) = req_first.filter(|_| !h.method().is_empty()) {
                        t.add(p, Fid::Http2HeadersMethod, || {
                            AppValue::Text(h.method().to_owned())
                        });
                        t.add(p, Fid::Http2HeadersPath, || {
                            AppValue::Text(h.uri().to_owned())
                        });
                        if let Some(s) = h.http2().and_then(|s| s.scheme.clone()) {
                            t.add(p, Fid::Http2HeadersScheme, || AppValue::Text(s));
                        }
                        if let Some(a) = h.host() {
                            t.add(p, Fid::Http2HeadersAuthority, || {
                                AppValue::Text(a.to_owned())
                            });
                        }
                    }
                    if let (Some(p), Some(code)) = (resp_first, h.status()) {
                        t.add(p, Fid::Http2HeadersStatus, || AppValue::Uint(code as u64));
                    }
                    // A body goes to its media type's dissector in the frame that ends
                    // it (END_STREAM).
                    if !h.incomplete() {
                        if let Some(p) = req.filter(|_| h.request_body() > 0) {
                            t.add_body_protocol(p, h.request_content_type());
                        }
                        if let Some(p) = resp.filter(|_| h.response_body() > 0) {
                            t.add_body_protocol(p, h.response_content_type());
                        }
                    }
                }
                // A PostgreSQL cycle: the SQL where the client sent it (a Query, or a Parse
                // in the same cycle, of a named statement or the unnamed one), the error and the
                // CommandComplete tags where the server answered.
                Detail::Pgsql(q) => {
                    if !pgsql {
                        continue;
                    }
                    let req_first = tx.request.map(|s| s.first());
                    let resp_first = tx.response.map(|s| s.first());
                    let sent_sql = match q.command.as_str() {
                        "query" | "prepare" => true,
                        "execute" => q.parsed,
                        _ => false,
                    };
                    if let (Some(p), Some(sql), true) = (req_first, &q.query, sent_sql) {
                        t.add(p, Fid::PgsqlQuery, || AppValue::Text(sql.clone()));
                    }
                    // A query's ErrorResponse opens its answer; a failed login's (FATAL)
                    // ends the authentication exchange, the last the server sends.
                    let error_at = if q.command == "login" {
                        resp
                    } else {
                        resp_first
                    };
                    if let (Some(p), Some(code)) = (error_at, &q.sql_state) {
                        if let Some(s) = &q.error_severity {
                            t.add(p, Fid::PgsqlSeverity, || AppValue::Text(s.clone()));
                        }
                        t.add(p, Fid::PgsqlCode, || AppValue::Text(code.clone()));
                        if let Some(m) = &q.error_message {
                            t.add(p, Fid::PgsqlMessage, || AppValue::Text(m.clone()));
                        }
                    }
                    if let Some(p) = resp {
                        for tag in &q.tags {
                            t.add(p, Fid::PgsqlTag, || AppValue::Text(tag.clone()));
                        }
                    }
                }
                Detail::Http(_) if !http => {}
                Detail::Dns(_) if !dns => {}
                Detail::Mysql(_) if !mysql => {}
                Detail::Tls(_) if !tls => {}
                Detail::Redis(_) if !redis => {}
                Detail::Http(h) => {
                    // A message never whole (a segment lost in it, the capture ended
                    // in it) packet-http.c never dissects: none of its fields.
                    let req = req.filter(|_| !h.request_cut());
                    let resp = resp.filter(|_| !h.response_cut());
                    if let Some(p) = req.filter(|_| !h.method().is_empty()) {
                        t.add(p, Fid::Http, || AppValue::Present);
                        t.add(p, Fid::HttpRequest, || AppValue::Bool(true));
                        t.add(p, Fid::HttpRequestMethod, || {
                            AppValue::Text(h.method().to_owned())
                        });
                        t.add(p, Fid::HttpRequestUri, || {
                            AppValue::Text(h.uri().to_owned())
                        });
                        t.add(p, Fid::HttpRequestVersion, || {
                            AppValue::Text(h.version().to_owned())
                        });
                        if let Some(v) = h.host() {
                            t.add(p, Fid::HttpHost, || AppValue::Text(v.to_owned()));
                        }
                        if let Some(v) = h.user_agent() {
                            t.add(p, Fid::HttpUserAgent, || AppValue::Text(v.to_owned()));
                        }
                        if let Some(v) = h.request_content_type() {
                            t.add(p, Fid::HttpContentType, || AppValue::Text(v.to_owned()));
                        }
                        if let Some(host) = h.host() {
                            // Over TLS Wireshark's full URI is https's.
                            let scheme = match capture.app_protos.get(tx.conv as usize) {
                                Some(Some(AppProto::Tls)) => "https",
                                _ => "http",
                            };
                            t.add(p, Fid::HttpRequestFullUri, || {
                                AppValue::Text(format!("{scheme}://{host}{}", h.uri()))
                            });
                        }
                        t.add_http_headers(p, Fid::HttpRequestLine, h.request_headers());
                        if h.request_body() > 0 {
                            t.add_body_protocol(p, h.request_content_type());
                        }
                    }
                    // Each 1xx interim response is a response of its own, in the
                    // packet that completed its head.
                    for i in h.interim() {
                        let p = i.packet;
                        t.add(p, Fid::Http, || AppValue::Present);
                        t.add(p, Fid::HttpResponse, || AppValue::Bool(true));
                        t.add(p, Fid::HttpResponseCode, || AppValue::Uint(i.code as u64));
                        if let Some(v) = &i.head.reason {
                            t.add(p, Fid::HttpResponsePhrase, || AppValue::Text(v.to_string()));
                        }
                        t.add_http_headers(p, Fid::HttpResponseLine, &i.head.headers);
                    }
                    if let (Some(p), Some(code)) = (resp, h.status()) {
                        t.add(p, Fid::Http, || AppValue::Present);
                        t.add(p, Fid::HttpResponse, || AppValue::Bool(true));
                        t.add(p, Fid::HttpResponseCode, || AppValue::Uint(code as u64));
                        if let Some(v) = h.reason() {
                            t.add(p, Fid::HttpResponsePhrase, || AppValue::Text(v.to_owned()));
                        }
                        if let Some(v) = h.response_content_type() {
                            t.add(p, Fid::HttpContentType, || AppValue::Text(v.to_owned()));
                        }
                        if let Some(q) = req.filter(|_| !h.method().is_empty()) {
                            t.add(p, Fid::HttpRequestIn, || AppValue::Uint(q + 1));
                        }
                        // Only when asked for: the times are read from the packet index.
                        if t.want.contains(&Fid::HttpTime) {
                            if let Some(ns) = tx.times_in(&mut reader).latency_ns() {
                                t.add(p, Fid::HttpTime, || AppValue::Rel(ns));
                            }
                        }
                        t.add_http_headers(p, Fid::HttpResponseLine, h.response_headers());
                        if h.response_body() > 0 {
                            t.add_body_protocol(p, h.response_content_type());
                        }
                    }
                }
                Detail::Dns(d) => {
                    // Wireshark calls DNS on the multicast ports mdns and llmnr: the
                    // fields are dns.*, the protocol is not `dns`.
                    let multicast = capture
                        .conversations
                        .get(tx.conv as usize)
                        .is_some_and(|c| {
                            [c.port_a, c.port_b]
                                .iter()
                                .any(|p| matches!(p, 5353 | 5355))
                        });
                    let mdns = capture
                        .conversations
                        .get(tx.conv as usize)
                        .is_some_and(|c| c.port_a == 5353 || c.port_b == 5353);
                    // A retransmitted query shows the query's fields again.
                    let queries = req
                        .into_iter()
                        .chain(d.retransmission_packets.iter().copied());
                    let sides = queries.map(|p| (p, false)).chain(resp.map(|p| (p, true)));
                    for (p, response) in sides {
                        if !multicast {
                            t.add(p, Fid::Dns, || AppValue::Present);
                        }
                        t.add(p, Fid::DnsId, || AppValue::Uint(d.id as u64));
                        t.add(p, Fid::DnsFlagsResponse, || AppValue::Bool(response));
                        let questions = d.questions[usize::from(response)];
                        // A message with no question (an mDNS announcement, a response
                        // that leaves it out) has no dns.qry.* in packet-dns.c.
                        if questions > 0 {
                            t.add(p, Fid::DnsQryName, || AppValue::Text(d.name.clone()));
                            t.add(p, Fid::DnsQryType, || AppValue::Uint(d.qtype.0 as u64));
                            t.add(p, Fid::DnsQryClass, || AppValue::Uint(d.qclass as u64));
                        }
                        t.add(p, Fid::DnsCountQueries, || AppValue::Uint(questions as u64));
                        // Wireshark shows the reply code of responses only.
                        if response {
                            let rcode = d.rcode.unwrap_or(0);
                            t.add(p, Fid::DnsFlagsRcode, || AppValue::Uint(rcode as u64));
                        }
                        let answers = if response { d.counts[0] } else { 0 };
                        t.add(p, Fid::DnsCountAnswers, || AppValue::Uint(answers as u64));
                        // (`dns.response_in` points forward: tshark's single pass never
                        // shows it.)
                        if let (true, Some(q)) = (response, req) {
                            t.add(p, Fid::DnsResponseTo, || AppValue::Uint(q + 1));
                        }
                        // Every resource record of the message, whatever its section.
                        let (first, rest) = if response {
                            (&d.answers[..], &d.others[..])
                        } else {
                            (&d.query_records[..], &[][..])
                        };
                        for a in first.iter().chain(rest) {
                            t.add(p, Fid::DnsRespName, || AppValue::Text(a.name.clone()));
                            t.add(p, Fid::DnsRespType, || AppValue::Uint(a.rtype.0 as u64));
                            match a.rtype.0 {
                                1 | 28 => {
                                    let (f, v) = match a.data.parse::<std::net::IpAddr>() {
                                        Ok(std::net::IpAddr::V4(x)) => {
                                            (Fid::DnsA, AppValue::Ipv4(x.octets()))
                                        }
                                        Ok(std::net::IpAddr::V6(x)) => {
                                            (Fid::DnsAaaa, AppValue::Ipv6(x.octets()))
                                        }
                                        Err(_) => continue,
                                    };
                                    t.add(p, f, || v);
                                }
                                5 => t.add(p, Fid::DnsCname, || AppValue::Text(a.data.clone())),
                                15 => {
                                    if let Some((_, exchange)) = a.data.split_once(' ') {
                                        t.add(p, Fid::DnsMxMailExchange, || {
                                            AppValue::Text(exchange.to_owned())
                                        });
                                    }
                                }
                                _ => {}
                            }
                        }
                        if response && t.want.contains(&Fid::DnsTime) {
                            if let Some(ns) = tx.times_in(&mut reader).latency_ns() {
                                t.add(p, Fid::DnsTime, || AppValue::Rel(ns));
                            }
                        }
                    }
                    // packet-dns.c: a query sent again before the response (within its
                    // 5 s) names the first; a response to an id already answered (and not
                    // asked again since) names the first response.
                    if let Some(q) = req {
                        for &p in &d.retransmission_packets {
                            t.add(p, Fid::DnsRetransmitRequest, || AppValue::Present);
                            t.add(p, Fid::DnsRetransmitRequestIn, || AppValue::Uint(q + 1));
                            t.add(p, Fid::DnsRetransmission, || AppValue::Bool(true));
                        }
                    }
                    if let Some(p) = resp {
                        let key = (tx.conv, d.id);
                        match (req, dns_answered.get(&key)) {
                            (None, Some(&first)) if first < p => {
                                t.add(p, Fid::DnsRetransmitResponse, || AppValue::Present);
                                t.add(p, Fid::DnsRetransmitResponseIn, || {
                                    AppValue::Uint(first + 1)
                                });
                                t.add(p, Fid::DnsRetransmission, || AppValue::Bool(true));
                            }
                            (Some(_), _) => {
                                dns_answered.insert(key, p);
                            }
                            // packet-dns.c marks a response to no query it saw (not
                            // mDNS's, whose answers go unpaired; an LLMNR answer to a
                            // query sent to the group is one).
                            (None, _) if !mdns => {
                                t.add(p, Fid::DnsUnsolicited, || AppValue::Bool(true));
                            }
                            _ => {}
                        }
                    }
                }
                Detail::Mysql(m) => {
                    if let (Some(p), Some(code)) = (req, m.command_code) {
                        t.add(p, Fid::MysqlCommand, || AppValue::Uint(code as u64));
                    }
                    // The login's user and schema (from the handshake response), and
                    // COM_INIT_DB's schema.
                    if let Some(p) = req.filter(|_| m.command == "login") {
                        // packet-mysql.c's login request: the handshake response, or the
                        // SSL request (read by the same function: its user is empty).
                        t.add(p, Fid::MysqlLoginRequest, || AppValue::Present);
                        let ssl_request = m.tls && m.response.as_deref() == Some("tls");
                        match &m.user {
                            Some(u) => t.add(p, Fid::MysqlUser, || AppValue::Text(u.clone())),
                            None if ssl_request => {
                                t.add(p, Fid::MysqlUser, || AppValue::Text(String::new()))
                            }
                            None => {}
                        }
                    }
                    let schema_of = m.command == "login" || m.command_code == Some(0x02);
                    if let (Some(p), Some(s), true) = (req, &m.schema, schema_of) {
                        t.add(p, Fid::MysqlSchema, || AppValue::Text(s.clone()));
                    }
                    for &(p, code) in &m.response_codes {
                        t.add(p, Fid::MysqlResponseCode, || AppValue::Uint(code as u64));
                    }
                    if let (Some(p), Some(code)) = (resp, m.error_code) {
                        t.add(p, Fid::MysqlErrorCode, || AppValue::Uint(code as u64));
                        if let Some(msg) = &m.error_message {
                            t.add(p, Fid::MysqlErrorMessage, || AppValue::Text(msg.clone()));
                        }
                    }
                    // The statement id of a prepare's response, and of the commands that
                    // name a prepared statement (execute, send_long_data, close, reset,
                    // fetch).
                    if let Some(id) = m.stmt_id {
                        let side = match m.command_code {
                            Some(0x16) => resp,
                            Some(0x17 | 0x18 | 0x19 | 0x1a | 0x1c) => req,
                            _ => None,
                        };
                        if let Some(p) = side {
                            t.add(p, Fid::MysqlStmtId, || AppValue::Uint(id as u64));
                        }
                    }
                    if let (Some(p), Some(n)) = (resp, m.affected_rows) {
                        t.add(p, Fid::MysqlAffectedRows, || AppValue::Uint(n));
                    }
                    if let (Some(p), Some(q)) = (req, &m.query) {
                        // Wireshark shows the statement of COM_QUERY and COM_STMT_PREPARE.
                        if m.command == "query" || m.command == "stmt_prepare" {
                            t.add(p, Fid::MysqlQuery, || AppValue::Text(q.clone()));
                        }
                    }
                }
                // memcached: Wireshark shows keys on replies too, and names binary commands
                // differently; not mapped yet.
                Detail::Memcache(_) => {}
                Detail::Tls(s) => {
                    if let (Some(p), Some(sni)) = (req, &s.sni) {
                        t.add(p, Fid::TlsSni, || AppValue::Text(sni.clone()));
                    }
                }
                Detail::Redis(r) => {
                    // Wirelens's own names: Wireshark's resp has fields per RESP value
                    // only (those come from `app::pdu::resp`).
                    if let Some(p) = req.filter(|_| !r.command.is_empty()) {
                        t.add(p, Fid::RedisCommand, || AppValue::Text(r.command.clone()));
                        for k in &r.keys {
                            t.add(p, Fid::RedisKey, || AppValue::Text(k.clone()));
                        }
                    }
                    if let Some(p) = resp.filter(|_| t.want.contains(&Fid::RedisTime)) {
                        if let Some(ns) = tx.times_in(&mut reader).latency_ns() {
                            t.add(p, Fid::RedisTime, || AppValue::Rel(ns));
                        }
                    }
                }
            }
        }
    }

    /// Adds a value of `f` to `packet`, if `f` is being indexed (the value is built only
    /// then).
    fn add(&mut self, packet: u64, f: Fid, v: impl FnOnce() -> AppValue) {
        if self.want.contains(&f) {
            self.values.add(packet, f, v().as_value_ref());
        }
    }

    /// `json` or `urlencoded-form` in `p`, the packet that completes an HTTP/1.x message
    /// whose body is not empty, when its media type is theirs: packet-http.c hands the body
    /// to them whatever its bytes (what packet-json.c does not parse goes on to
    /// `data-text-lines`, read from the body: `pdu::http`).
    fn add_body_protocol(&mut self, p: u64, content_type: Option<&str>) {
        use super::pdu::http::body::{registered, Dissector};
        let Some(media) = content_type.map(|c| c.split(';').next().unwrap_or("").trim()) else {
            return;
        };
        let media = media.to_ascii_lowercase();
        if media == "application/x-www-form-urlencoded" {
            self.add(p, Fid::UrlencodedForm, || AppValue::Present);
        } else if registered(&media) == Some(Dissector::Json) {
            self.add(p, Fid::Json, || AppValue::Present);
        }
    }

    /// The header lines of an HTTP message (`line`: `http.request.line` or
    /// `http.response.line`) and the header fields Wireshark names (`http.host`,
    /// `http.user_agent` and `http.content_type` come from the parser's own values).
    fn add_http_headers(&mut self, p: u64, line: Fid, headers: &[Arc<str>]) {
        use crate::ingest::app::http::header_value;
        if self.want.contains(&line) {
            for l in headers {
                self.add(p, line, || AppValue::Text(l.to_string()));
            }
        }
        let named = [
            ("Transfer-Encoding", Fid::HttpTransferEncoding),
            ("Connection", Fid::HttpConnection),
            ("Server", Fid::HttpServer),
            ("Location", Fid::HttpLocation),
            ("Cookie", Fid::HttpCookie),
            ("Referer", Fid::HttpReferer),
            ("Date", Fid::HttpDate),
            ("Accept", Fid::HttpAccept),
            ("Accept-Encoding", Fid::HttpAcceptEncoding),
            ("Accept-Language", Fid::HttpAcceptLanguage),
            ("Authorization", Fid::HttpAuthorization),
            ("Proxy-Authorization", Fid::HttpProxyAuthorization),
            ("WWW-Authenticate", Fid::HttpWwwAuthenticate),
            ("Cache-Control", Fid::HttpCacheControl),
            ("Content-Encoding", Fid::HttpContentEncoding),
            ("Last-Modified", Fid::HttpLastModified),
            ("Set-Cookie", Fid::HttpSetCookie),
            ("Upgrade", Fid::HttpUpgrade),
            ("X-Forwarded-For", Fid::HttpXForwardedFor),
        ];
        if !self.wants_any(&[Fid::HttpContentLength])
            && !named.iter().any(|(_, f)| self.want.contains(f))
        {
            return;
        }
        for l in headers {
            if let Some(v) = header_value(l, "Content-Length") {
                if let Ok(n) = v.parse::<u64>() {
                    self.add(p, Fid::HttpContentLength, || AppValue::Uint(n));
                }
                continue;
            }
            for (name, f) in named {
                if let Some(v) = header_value(l, name) {
                    self.add(p, f, || AppValue::Text(v.to_owned()));
                }
            }
        }
    }
}

/// The fields of each protocol these values cover (with `tls.handshake.extensions_server_name`;
/// [`TransactionFields::covers`] says the same, fast).
/// Whether conversation `flow` of `capture` is HTTP with a segment TCP never saw
/// (`tcp.analysis.lost_segment`): packet-tcp.c hands the segments after such a hole to
/// packet-http.c as they are, not reassembled, and those that start no message it shows
/// as "Continuation" (an `http` layer with no request or response). The index knows
/// which conversations may hold one; which of their segments do is the detail's
/// replay (`detail::app::http::continuation`), so a filter on `http` reads only these
/// conversations' packets.
pub(crate) fn http_may_continue(capture: &Capture, flow: u32) -> bool {
    use crate::capture::tcp::Kind;
    capture.app_protos.get(flow as usize).copied().flatten() == Some(AppProto::Http)
        && capture
            .tcp
            .get(flow as usize)
            .is_some_and(|t| t.counts.get(Kind::LostSegment) > 0)
}

/// The first segment after a hole (`tcp.analysis.lost_segment`) of each way of the HTTP
/// conversations of `capture` ([`http_may_continue`]), by conversation and whether it
/// went from B to A. A filter on `http` asks the detail about the segments from there
/// on: before it TCP reassembled every byte, and the ingest's transactions say where the
/// messages are (a Continuation there is of bytes after a message, which the index
/// does not tell: not asked about).
pub(crate) fn http_holes(capture: &Capture) -> std::collections::HashMap<(u32, bool), u64> {
    use crate::capture::tcp::Kind;
    let mut first = std::collections::HashMap::new();
    for &(p, f) in &capture.tcp_flags {
        if !f.contains(Kind::LostSegment) {
            continue;
        }
        let Some(row) = capture.packets.get(p as usize) else {
            continue;
        };
        if http_may_continue(capture, row.flow) {
            let way = row.flags & crate::capture::packet::PacketRow::FLAG_B_TO_A != 0;
            first.entry((row.flow, way)).or_insert(p);
        }
    }
    first
}

const HTTP: &[Fid] = &[
    Fid::Http,
    Fid::HttpRequest,
    Fid::HttpRequestMethod,
    Fid::HttpRequestUri,
    Fid::HttpRequestVersion,
    Fid::HttpHost,
    Fid::HttpUserAgent,
    Fid::HttpResponse,
    Fid::HttpResponseCode,
    Fid::HttpResponsePhrase,
    Fid::HttpTime,
    Fid::HttpContentType,
    Fid::HttpRequestFullUri,
    Fid::HttpRequestIn,
    Fid::HttpRequestLine,
    Fid::HttpResponseLine,
    Fid::HttpContentLength,
    Fid::HttpTransferEncoding,
    Fid::HttpConnection,
    Fid::HttpServer,
    Fid::HttpLocation,
    Fid::HttpCookie,
    Fid::HttpReferer,
    Fid::HttpDate,
    Fid::HttpAccept,
    Fid::HttpAcceptEncoding,
    Fid::HttpAcceptLanguage,
    Fid::HttpAuthorization,
    Fid::HttpProxyAuthorization,
    Fid::HttpWwwAuthenticate,
    Fid::HttpCacheControl,
    Fid::HttpContentEncoding,
    Fid::HttpLastModified,
    Fid::HttpSetCookie,
    Fid::HttpUpgrade,
    Fid::HttpXForwardedFor,
    Fid::Json,
    Fid::UrlencodedForm,
];
const DNS: &[Fid] = &[
    Fid::Dns,
    Fid::DnsCountQueries,
    Fid::DnsId,
    Fid::DnsFlagsResponse,
    Fid::DnsQryName,
    Fid::DnsQryType,
    Fid::DnsFlagsRcode,
    Fid::DnsTime,
    Fid::DnsQryClass,
    Fid::DnsCountAnswers,
    Fid::DnsResponseTo,
    Fid::DnsRetransmitRequest,
    Fid::DnsRetransmitResponse,
    Fid::DnsRetransmitRequestIn,
    Fid::DnsRetransmitResponseIn,
    Fid::DnsRetransmission,
    Fid::DnsUnsolicited,
    Fid::DnsRespName,
    Fid::DnsRespType,
    Fid::DnsA,
    Fid::DnsAaaa,
    Fid::DnsCname,
    Fid::DnsMxMailExchange,
];
const MYSQL: &[Fid] = &[
    Fid::MysqlCommand,
    Fid::MysqlAffectedRows,
    Fid::MysqlQuery,
    Fid::MysqlUser,
    Fid::MysqlSchema,
    Fid::MysqlResponseCode,
    Fid::MysqlErrorCode,
    Fid::MysqlErrorMessage,
    Fid::MysqlStmtId,
    Fid::MysqlLoginRequest,
];
const REDIS: &[Fid] = &[Fid::RedisCommand, Fid::RedisKey, Fid::RedisTime];

const HTTP2: &[Fid] = &[
    Fid::Http2HeadersMethod,
    Fid::Http2HeadersPath,
    Fid::Http2HeadersAuthority,
    Fid::Http2HeadersScheme,
    Fid::Http2HeadersStatus,
];

const PGSQL: &[Fid] = &[
    Fid::PgsqlQuery,
    Fid::PgsqlTag,
    Fid::PgsqlSeverity,
    Fid::PgsqlCode,
    Fid::PgsqlMessage,
];

impl TransactionFields {
    /// The fields these values cover.
    pub fn covers(field: Fid) -> bool {
        use Fid::*;
        matches!(
            field,
            Http | HttpRequest
                | HttpRequestMethod
                | HttpRequestUri
                | HttpRequestVersion
                | HttpHost
                | HttpUserAgent
                | HttpResponse
                | HttpResponseCode
                | HttpResponsePhrase
                | HttpTime
                | HttpContentType
                | HttpRequestFullUri
                | HttpRequestIn
                | HttpRequestLine
                | HttpResponseLine
                | HttpContentLength
                | HttpTransferEncoding
                | HttpConnection
                | HttpServer
                | HttpLocation
                | HttpCookie
                | HttpReferer
                | HttpDate
                | HttpAccept
                | HttpAcceptEncoding
                | HttpAcceptLanguage
                | HttpAuthorization
                | HttpProxyAuthorization
                | HttpWwwAuthenticate
                | HttpCacheControl
                | HttpContentEncoding
                | HttpLastModified
                | HttpSetCookie
                | HttpUpgrade
                | HttpXForwardedFor
                | Json
                | UrlencodedForm
                | Dns
                | DnsCountQueries
                | DnsId
                | DnsFlagsResponse
                | DnsQryName
                | DnsQryType
                | DnsFlagsRcode
                | DnsTime
                | DnsQryClass
                | DnsCountAnswers
                | DnsResponseTo
                | DnsRetransmitRequest
                | DnsRetransmitResponse
                | DnsRetransmitRequestIn
                | DnsRetransmitResponseIn
                | DnsRetransmission
                | DnsUnsolicited
                | DnsRespName
                | DnsRespType
                | DnsA
                | DnsAaaa
                | DnsCname
                | DnsMxMailExchange
                | MysqlCommand
                | MysqlAffectedRows
                | MysqlQuery
                | MysqlUser
                | MysqlSchema
                | MysqlResponseCode
                | MysqlErrorCode
                | MysqlErrorMessage
                | MysqlStmtId
                | MysqlLoginRequest
                | TlsSni
                | RedisCommand
                | RedisKey
                | RedisTime
                | Http2HeadersMethod
                | Http2HeadersPath
                | Http2HeadersAuthority
                | Http2HeadersScheme
                | Http2HeadersStatus
                | PgsqlQuery
                | PgsqlTag
                | PgsqlSeverity
                | PgsqlCode
                | PgsqlMessage
        )
    }
}

impl FieldProvider for TransactionFields {
    fn provides(&self, field: Fid) -> bool {
        Self::covers(field)
    }

    fn values(&self, field: Fid, index: usize, out: &mut ValueSink<'_>) {
        for v in self.values.get(index as u64, field) {
            out.push_ref(v);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_protocol_lists_are_what_covers_says() {
        let listed: Vec<Fid> = [HTTP, DNS, MYSQL, REDIS, HTTP2, PGSQL, &[Fid::TlsSni]].concat();
        for d in super::super::FIELDS {
            assert_eq!(
                TransactionFields::covers(d.id),
                listed.contains(&d.id),
                "{}",
                d.name
            );
        }
    }

    /// Fields indexed one at a time, or a few together, hold what indexing all gives.
    #[test]
    fn fields_indexed_when_asked_equal_all_at_once() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/");
        let covered: Vec<Fid> = super::super::FIELDS
            .iter()
            .map(|d| d.id)
            .filter(|&f| TransactionFields::covers(f))
            .collect();
        let mut compared = 0;
        for name in [
            "servers/http.pcap",
            "servers/dns.pcap",
            "servers/mariadb.pcap",
            "servers/redis.pcap",
            "three_http_streams.pcap",
        ] {
            let bytes = std::fs::read(format!("{root}{name}")).expect(name);
            let capture = crate::ingest::ingest_bytes(name, &bytes);
            assert!(!capture.transactions.is_empty(), "{name}");
            let all = TransactionFields::new(&capture);
            let mut some = TransactionFields::empty();
            for (n, &f) in covered.iter().enumerate() {
                // Alone, and (every third) with the next two.
                let mut one = TransactionFields::empty();
                one.index(&capture, &[f]);
                if n % 3 == 0 {
                    some.index(&capture, &covered[n..(n + 3).min(covered.len())]);
                }
                assert!(one.has(f) && some.has(f) && !one.has(covered[(n + 1) % covered.len()]));
                for p in 0..capture.packets.len() as u64 {
                    let want: Vec<_> = all.values.get(p, f).collect();
                    let one: Vec<_> = one.values.get(p, f).collect();
                    let some_: Vec<_> = some.values.get(p, f).collect();
                    assert_eq!(one, want, "{name} {} {p}", f.name());
                    assert_eq!(some_, want, "{name} {} {p}", f.name());
                    compared += usize::from(!want.is_empty());
                }
            }
        }
        assert!(compared > 500, "{compared}");
    }
}
