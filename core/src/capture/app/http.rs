//! HTTP transactions: HTTP/1.x, and HTTP/2 streams (with gRPC's names) in the same shape.

use serde::Serialize;
use std::sync::Arc;

/// A message's header lines. Shared: the ingest keeps each distinct line, and each
/// distinct section, once (a server repeats its response headers, a client its request
/// headers, in thousands of transactions).
pub type HeaderLines = Arc<[Arc<str>]>;

/// What an HTTP transaction says. The request's start line and named headers are in
/// [`RequestHead`], the response's in [`ResponseHead`]: both shared by the transactions
/// that repeat them (a client asks for the same URI of the same host again and again, a
/// server answers with the same reason, type and headers), so a transaction holds two
/// pointers where it held eight strings. Read them with the accessors (`method()`, …).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Http {
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
    /// Status codes of 1xx interim responses before the final one.
    pub interim: Vec<u16>,
    /// Bytes of the request or response were not captured, or the capture ended inside
    /// one of them.
    pub incomplete: bool,
    /// HTTP/2: the stream (RFC 9113 §5). Its request and response are the stream's
    /// HEADERS, CONTINUATION and DATA frames; `method`, `uri` and `host` are the
    /// `:method`, `:path` and `:authority` pseudo-headers, `status` is `:status`,
    /// `version` is `HTTP/2`.
    pub http2: Option<Box<Http2>>,
    /// gRPC over the stream (`content-type: application/grpc`).
    pub grpc: Option<Box<Grpc>>,
}

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

    /// The request's head, to fill in while the transaction is built (a copy if it is
    /// shared already).
    pub fn request_head_mut(&mut self) -> &mut RequestHead {
        Arc::make_mut(&mut self.request_head)
    }

    /// The response's head, as [`Http::request_head_mut`].
    pub fn response_head_mut(&mut self) -> &mut ResponseHead {
        Arc::make_mut(&mut self.response_head)
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
        m.serialize_field("request_body", &self.request_body)?;
        m.serialize_field("status", &self.status)?;
        m.serialize_field("reason", &self.reason())?;
        m.serialize_field("response_content_type", &self.response_content_type())?;
        m.serialize_field("response_body", &self.response_body)?;
        m.serialize_field("chunked", &self.chunked)?;
        m.serialize_field("interim", &self.interim)?;
        m.serialize_field("incomplete", &self.incomplete)?;
        match &self.http2 {
            Some(h2) => m.serialize_field("http2", h2)?,
            None => m.skip_field("http2")?,
        }
        match &self.grpc {
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
        self.status.is_some_and(|s| s >= 400)
            || self
                .grpc
                .as_ref()
                .is_some_and(|g| g.status.is_some_and(|s| s != 0))
    }
}
