//! HTTP/1.x transactions.

use serde::Serialize;

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
    pub request_headers: Vec<String>,
    /// The final response's header lines, as `request_headers`.
    #[serde(skip)]
    pub response_headers: Vec<String>,
}

impl Http {
    /// True for a 4xx or 5xx status.
    pub fn is_error(&self) -> bool {
        self.status.is_some_and(|s| s >= 400)
    }
}
