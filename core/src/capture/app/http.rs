//! HTTP transactions: HTTP/1.x, and HTTP/2 streams (with gRPC's names) in the same shape.

use serde::Serialize;
use std::sync::Arc;

/// A message's header lines. Shared: the ingest keeps each distinct line, and each
/// distinct section, once (a server repeats its response headers, a client its request
/// headers, in thousands of transactions).
pub type HeaderLines = Arc<[Arc<str>]>;

/// What an HTTP transaction says, every field apart: what the ingest's parsers fill in,
/// packed into an [`Http`] when the transaction is reported ([`Http::from`]), and what
/// [`Http::parts`] gives back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parts {
    /// The request's start line and headers (empty ones when the request was not
    /// captured, but for `version`).
    pub request_head: Arc<RequestHead>,
    /// The final response's reason phrase and headers.
    pub response_head: Arc<ResponseHead>,
    /// Request body bytes (decoded chunk data for chunked bodies).
    pub request_body: u64,
    /// Final status code.
    pub status: Option<u16>,
    /// Response body bytes (decoded chunk data for chunked bodies).
    pub response_body: u64,
    /// The response body was chunked.
    pub chunked: bool,
    /// The 1xx interim responses before the final one.
    pub interim: Vec<Interim>,
    /// Bytes of the request or response were not captured, or the capture ended inside
    /// one of them.
    pub incomplete: bool,
    /// Bytes of the request itself were not captured, or the capture ended inside it
    /// (HTTP/1.x: packet-http.c never has it whole, so hands its body to nobody).
    pub request_cut: bool,
    /// Likewise of the final response.
    pub response_cut: bool,
    /// HTTP/2: the stream (RFC 9113 §5). Its request and response are the stream's
    /// HEADERS, CONTINUATION and DATA frames; `method`, `uri` and `host` are the
    /// `:method`, `:path` and `:authority` pseudo-headers, `status` is `:status`,
    /// `version` is `HTTP/2`.
    pub http2: Option<Box<Http2>>,
    /// gRPC over the stream (`content-type: application/grpc`).
    pub grpc: Option<Box<Grpc>>,
}

impl Parts {
    /// The request's head, to fill in while the transaction is built (a copy if it is
    /// shared already).
    pub fn request_head_mut(&mut self) -> &mut RequestHead {
        Arc::make_mut(&mut self.request_head)
    }

    /// The response's head, as [`Parts::request_head_mut`].
    pub fn response_head_mut(&mut self) -> &mut ResponseHead {
        Arc::make_mut(&mut self.response_head)
    }

    /// Request method (empty when the request was not captured).
    pub fn method(&self) -> &str {
        &self.request_head.method
    }

    /// Protocol version of the request (`HTTP/1.1`), or of the response without request.
    pub fn version(&self) -> &str {
        &self.request_head.version
    }

    /// The request's header lines (see [`RequestHead::headers`]).
    pub fn request_headers(&self) -> &HeaderLines {
        &self.request_head.headers
    }

    /// The final response's header lines.
    pub fn response_headers(&self) -> &HeaderLines {
        &self.response_head.headers
    }
}

/// A 1xx interim response before the final one (RFC 9110 §15.2: `100 Continue`,
/// `103 Early Hints`): packet-http.c dissects it as a response of its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Interim {
    /// Its status code.
    pub code: u16,
    /// The packet that completed its head.
    pub packet: u64,
    /// Its reason phrase and headers (HTTP/2: none).
    pub head: Arc<ResponseHead>,
}

/// What an HTTP transaction says ([`Parts`], packed; read it with the accessors). The
/// request's start line and named headers are in [`RequestHead`], the response's in
/// [`ResponseHead`]: both shared by the transactions that repeat them (a client asks for
/// the same URI of the same host again and again, a server answers with the same reason,
/// type and headers), so a transaction holds two pointers where it held eight strings.
/// Body lengths are 32 bits (a longer one is boxed apart), and what few transactions
/// have — 1xx interim statuses, an HTTP/2 stream, a gRPC call — is boxed apart: 40
/// bytes natively, 24 in the wasm32 heap (it took 80 and 56).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Http {
    /// The request's start line and headers (empty ones when the request was not
    /// captured, but for `version`).
    pub request_head: Arc<RequestHead>,
    /// The final response's reason phrase and headers.
    pub response_head: Arc<ResponseHead>,
    rare: Option<Box<Rare>>,
    /// `BIG` when it is in `rare`.
    request_body: u32,
    /// Likewise.
    response_body: u32,
    status: u16,
    /// `flag::*`.
    flags: u8,
}

/// What few HTTP transactions have.
#[derive(Clone, Debug, Default, PartialEq)]
struct Rare {
    interim: Box<[Interim]>,
    http2: Option<Http2>,
    grpc: Option<Grpc>,
    /// Body lengths of 4 GiB or more.
    request_body: u64,
    response_body: u64,
}

mod flag {
    pub const STATUS: u8 = 1;
    pub const CHUNKED: u8 = 2;
    pub const INCOMPLETE: u8 = 4;
    pub const REQUEST_CUT: u8 = 8;
    pub const RESPONSE_CUT: u8 = 16;
}

/// A body length kept in `Rare`.
const BIG: u32 = u32::MAX;

/// What a request's head says: its start line and the headers we name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RequestHead {
    /// Request method (empty when the request was not captured).
    pub method: Arc<str>,
    /// Request target as sent.
    pub uri: Arc<str>,
    /// Protocol version of the request (`HTTP/1.1`), or of the response without request.
    pub version: Arc<str>,
    /// `Host` header.
    pub host: Option<Arc<str>>,
    /// `User-Agent` header.
    pub user_agent: Option<Arc<str>>,
    /// `Content-Type`.
    pub content_type: Option<Arc<str>>,
    /// The header lines after the request line, each with its line ending, in order: at
    /// most `MAX_KEPT_LINES` of at most `MAX_KEPT_LINE` bytes (`crate::ingest::app::http`).
    /// For the field values only (`http.request.line`, `http.cookie`, …), not in the JSON.
    pub headers: HeaderLines,
}

/// What the final response's head says, besides its status code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResponseHead {
    /// Reason phrase.
    pub reason: Option<Arc<str>>,
    /// `Content-Type`.
    pub content_type: Option<Arc<str>>,
    /// The header lines after the status line, as [`RequestHead::headers`].
    pub headers: HeaderLines,
}

impl Http {
    /// Request method (empty when the request was not captured).
    pub fn method(&self) -> &str {
        &self.request_head.method
    }

    /// Request target as sent.
    pub fn uri(&self) -> &str {
        &self.request_head.uri
    }

    /// Protocol version of the request (`HTTP/1.1`), or of the response without request.
    pub fn version(&self) -> &str {
        &self.request_head.version
    }

    /// `Host` header (HTTP/2: `:authority`).
    pub fn host(&self) -> Option<&str> {
        self.request_head.host.as_deref()
    }

    /// `User-Agent` header.
    pub fn user_agent(&self) -> Option<&str> {
        self.request_head.user_agent.as_deref()
    }

    /// Request `Content-Type`.
    pub fn request_content_type(&self) -> Option<&str> {
        self.request_head.content_type.as_deref()
    }

    /// Reason phrase.
    pub fn reason(&self) -> Option<&str> {
        self.response_head.reason.as_deref()
    }

    /// Response `Content-Type`.
    pub fn response_content_type(&self) -> Option<&str> {
        self.response_head.content_type.as_deref()
    }

    /// The request's header lines (see [`RequestHead::headers`]).
    pub fn request_headers(&self) -> &HeaderLines {
        &self.request_head.headers
    }

    /// The final response's header lines.
    pub fn response_headers(&self) -> &HeaderLines {
        &self.response_head.headers
    }

    /// Request body bytes (decoded chunk data for chunked bodies).
    pub fn request_body(&self) -> u64 {
        match (self.request_body, &self.rare) {
            (BIG, Some(r)) => r.request_body,
            (n, _) => n.into(),
        }
    }

    /// Final status code.
    pub fn status(&self) -> Option<u16> {
        (self.flags & flag::STATUS != 0).then_some(self.status)
    }

    /// Response body bytes (decoded chunk data for chunked bodies).
    pub fn response_body(&self) -> u64 {
        match (self.response_body, &self.rare) {
            (BIG, Some(r)) => r.response_body,
            (n, _) => n.into(),
        }
    }

    /// The response body was chunked.
    pub fn chunked(&self) -> bool {
        self.flags & flag::CHUNKED != 0
    }

    /// The 1xx interim responses before the final one.
    pub fn interim(&self) -> &[Interim] {
        self.rare.as_ref().map_or(&[], |r| &r.interim)
    }

    /// Bytes of the request or response were not captured, or the capture ended inside
    /// one of them.
    pub fn incomplete(&self) -> bool {
        self.flags & flag::INCOMPLETE != 0
    }

    /// Bytes of the request itself were not captured, or the capture ended inside it.
    pub fn request_cut(&self) -> bool {
        self.flags & flag::REQUEST_CUT != 0
    }

    /// Likewise of the final response.
    pub fn response_cut(&self) -> bool {
        self.flags & flag::RESPONSE_CUT != 0
    }

    /// HTTP/2: the stream (RFC 9113 §5). Its request and response are the stream's
    /// HEADERS, CONTINUATION and DATA frames; `method`, `uri` and `host` are the
    /// `:method`, `:path` and `:authority` pseudo-headers, `status` is `:status`,
    /// `version` is `HTTP/2`.
    pub fn http2(&self) -> Option<&Http2> {
        self.rare.as_ref()?.http2.as_ref()
    }

    /// gRPC over the stream (`content-type: application/grpc`).
    pub fn grpc(&self) -> Option<&Grpc> {
        self.rare.as_ref()?.grpc.as_ref()
    }

    /// Every field apart.
    pub fn parts(&self) -> Parts {
        Parts {
            request_head: self.request_head.clone(),
            response_head: self.response_head.clone(),
            request_body: self.request_body(),
            status: self.status(),
            response_body: self.response_body(),
            chunked: self.chunked(),
            interim: self.interim().to_vec(),
            incomplete: self.incomplete(),
            request_cut: self.request_cut(),
            response_cut: self.response_cut(),
            http2: self.http2().cloned().map(Box::new),
            grpc: self.grpc().cloned().map(Box::new),
        }
    }
}

impl From<Parts> for Http {
    fn from(p: Parts) -> Http {
        let mut rare = Rare {
            interim: p.interim.into_boxed_slice(),
            http2: p.http2.map(|b| *b),
            grpc: p.grpc.map(|b| *b),
            ..Rare::default()
        };
        let body = |len: u64, big: &mut u64| match u32::try_from(len) {
            Ok(n) if n != BIG => n,
            _ => {
                *big = len;
                BIG
            }
        };
        let request_body = body(p.request_body, &mut rare.request_body);
        let response_body = body(p.response_body, &mut rare.response_body);
        let set = |on: bool, f: u8| if on { f } else { 0 };
        Http {
            request_head: p.request_head,
            response_head: p.response_head,
            rare: (rare != Rare::default()).then(|| Box::new(rare)),
            request_body,
            response_body,
            status: p.status.unwrap_or(0),
            flags: set(p.status.is_some(), flag::STATUS)
                | set(p.chunked, flag::CHUNKED)
                | set(p.incomplete, flag::INCOMPLETE)
                | set(p.request_cut, flag::REQUEST_CUT)
                | set(p.response_cut, flag::RESPONSE_CUT),
        }
    }
}

/// The JSON of an HTTP transaction: its fields in one flat object, as they were before
/// the heads were shared (`method`, `uri`, … `incomplete`, then `http2` and `grpc` when
/// present).
impl Serialize for Http {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Http", 16)?;
        m.serialize_field("method", self.method())?;
        m.serialize_field("uri", self.uri())?;
        m.serialize_field("version", self.version())?;
        m.serialize_field("host", &self.host())?;
        m.serialize_field("user_agent", &self.user_agent())?;
        m.serialize_field("request_content_type", &self.request_content_type())?;
        m.serialize_field("request_body", &self.request_body())?;
        m.serialize_field("status", &self.status())?;
        m.serialize_field("reason", &self.reason())?;
        m.serialize_field("response_content_type", &self.response_content_type())?;
        m.serialize_field("response_body", &self.response_body())?;
        m.serialize_field("chunked", &self.chunked())?;
        let codes: Vec<u16> = self.interim().iter().map(|i| i.code).collect();
        m.serialize_field("interim", &codes)?;
        m.serialize_field("incomplete", &self.incomplete())?;
        match self.http2() {
            Some(h2) => m.serialize_field("http2", h2)?,
            None => m.skip_field("http2")?,
        }
        match self.grpc() {
            Some(g) => m.serialize_field("grpc", g)?,
            None => m.skip_field("grpc")?,
        }
        m.end()
    }
}

/// What an HTTP/2 stream adds to an HTTP transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Http2 {
    /// The stream identifier.
    pub stream_id: u32,
    /// `:scheme`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The error code of the RST_STREAM that ended the stream (RFC 9113 §7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<u32>,
}

/// A gRPC call (gRPC over HTTP/2: `:path` is `/service/method`; `grpc-status` and
/// `grpc-message` come in the trailers, or in the headers of a Trailers-Only response).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Grpc {
    /// The service, `package.Service`.
    pub service: String,
    /// The method.
    pub method: String,
    /// `grpc-status` (0 is OK; gRPC's status codes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// `grpc-message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Length-prefixed messages the client sent.
    pub request_messages: u64,
    /// Length-prefixed messages the server sent.
    pub response_messages: u64,
}

/// Whether a response with status `code` has no body whatever its Content-Length or
/// Transfer-Encoding say (RFC 9112 §6.3): it answers a HEAD request (`head_request`), or
/// it is a 1xx, a 204 or a 304. Every HTTP/1.x parser cuts messages by this one rule, as
/// packet-http.c does (it keeps the conversation's request method to know a HEAD's).
pub fn response_has_no_body(head_request: bool, code: u16) -> bool {
    head_request || (100..200).contains(&code) || code == 204 || code == 304
}

/// gRPC's name of a status code (gRPC's `doc/statuscodes.md`).
pub fn grpc_status_name(code: u32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "?",
    }
}

impl Http {
    /// True for a 4xx or 5xx status, or a gRPC call that did not end OK.
    pub fn is_error(&self) -> bool {
        self.status().is_some_and(|s| s >= 400)
            || self
                .grpc()
                .is_some_and(|g| g.status.is_some_and(|s| s != 0))
    }
}

// An HTTP transaction in the wasm32 heap (`cargo check -p wirelens-core --target
// wasm32-unknown-unknown` checks it; natively 40).
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Http>() == 24);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Http>() == 40);
