//! HTTP transactions: HTTP/1.x, and HTTP/2 streams (with gRPC's names) in the same shape.

use serde::Serialize;
use std::sync::Arc;

/// A message's header lines. Shared: the ingest keeps each distinct line, and each
/// distinct section, once (a server repeats its response headers, a client its request
/// headers, in thousands of transactions).
pub type HeaderLines = Arc<[Arc<str>]>;

/// What an HTTP transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Http {
    /// Request method (empty when the request was not captured).
    pub method: String,
    /// Request target as sent.
    pub uri: String,
    /// Protocol version of the request (`HTTP/1.1`), or of the response without request.
    pub version: String,
    /// `Host` header.
    pub host: Option<String>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
    /// Request `Content-Type`.
    pub request_content_type: Option<String>,
    /// Request body bytes (decoded chunk data for chunked bodies).
    pub request_body: u64,
    /// Final status code.
    pub status: Option<u16>,
    /// Reason phrase.
    pub reason: Option<String>,
    /// Response `Content-Type`.
    pub response_content_type: Option<String>,
    /// Response body bytes (decoded chunk data for chunked bodies).
    pub response_body: u64,
    /// The response body was chunked.
    pub chunked: bool,
    /// Status codes of 1xx interim responses before the final one.
    pub interim: Vec<u16>,
    /// Bytes of the request or response were not captured, or the capture ended inside
    /// one of them.
    pub incomplete: bool,
    /// The request's header lines after the request line, each with its line ending, in
    /// order: at most [`MAX_KEPT_LINES`] of at most [`MAX_KEPT_LINE`] bytes. For the
    /// field values only (`http.request.line`, `http.cookie`, …), not in the JSON.
    #[serde(skip)]
    pub request_headers: HeaderLines,
    /// The final response's header lines, as `request_headers`.
    #[serde(skip)]
    pub response_headers: HeaderLines,
    /// HTTP/2: the stream (RFC 9113 §5). Its request and response are the stream's
    /// HEADERS, CONTINUATION and DATA frames; `method`, `uri` and `host` are the
    /// `:method`, `:path` and `:authority` pseudo-headers, `status` is `:status`,
    /// `version` is `HTTP/2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http2: Option<Box<Http2>>,
    /// gRPC over the stream (`content-type: application/grpc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc: Option<Box<Grpc>>,
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
