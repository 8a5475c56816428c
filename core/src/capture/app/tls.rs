//! TLS handshakes.

use serde::Serialize;

/// A TLS or SSL version number (`0x0303` is TLS 1.2).
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        v if v & 0xff00 == 0x7f00 => format!("TLS 1.3 (draft {})", v & 0xff),
        v => format!("0x{v:04x}"),
    }
}

/// TLS 1.3, or one of its drafts (0x7fNN) or Facebook fizz's (0xfb17, 0xfb1a): all are
/// TLS 1.3 to the record layer, as packet-tls-utils.c's `tls13_draft_version` has them.
pub fn is_tls13(v: u16) -> bool {
    v == 0x0304 || v & 0xff00 == 0x7f00 || matches!(v, 0xfb17 | 0xfb1a)
}

/// What a TLS handshake says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tls {
    /// Server name from the ClientHello's `server_name` extension.
    pub sni: Option<String>,
    /// Protocols the client offered (ALPN), in its order.
    pub alpn: Vec<String>,
    /// The highest version the client offered: from `supported_versions`, else the
    /// hello's `legacy_version`.
    pub client_version: Option<u16>,
    /// The version the server chose (`supported_versions` of the ServerHello, else its
    /// `legacy_version`).
    pub server_version: Option<u16>,
    /// The protocol the server chose (ALPN).
    pub server_alpn: Option<String>,
    /// The cipher suite the server chose.
    pub cipher_suite: Option<u16>,
    /// The server's answer was a HelloRetryRequest (RFC 8446 §4.1.4): the client's next
    /// ClientHello starts another transaction.
    pub hello_retry: bool,
}

impl Tls {
    /// The server chose TLS 1.3 ([`is_tls13`]).
    pub fn tls13(&self) -> bool {
        self.server_version.is_some_and(is_tls13)
    }

    /// The negotiated version, else the client's best, by name.
    pub fn version(&self) -> Option<String> {
        self.server_version
            .or(self.client_version)
            .map(version_name)
    }
}

/// Where a conversation of another protocol switched to TLS (MySQL after the client's
/// SSL request, PostgreSQL after the server's `S` to an SSLRequest): the segments of
/// `conv` after `packet` carry TLS records, those up to it the protocol in the clear, as
/// Wireshark's `ssl_starttls_ack` hands the conversation over (12 bytes a conversation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TlsSwitch {
    /// The conversation (index into `Capture::conversations`).
    pub conv: u32,
    /// The packet that ended the clear text (index into `Capture::packets`).
    pub packet: u32,
    /// TLS bytes followed the clear text in that same packet.
    pub shared: bool,
}
