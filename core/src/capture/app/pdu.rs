//! The PDUs of the application protocols whose packets Wireshark names one by one: each
//! HTTP/2 frame (and the connection preface), each PostgreSQL message, each QUIC
//! packet, with the packet
//! that completed it (Wireshark's desegmentation shows a PDU there). The transactions
//! say what a stream or a query cycle did; these say what each packet carried, for the
//! per-frame fields (`http2.type`, `http2.streamid`, `pgsql.type`), the packet list's
//! Protocol and Info, and the packet detail. Over TLS they come from the decrypted
//! records, so the queries need no secrets.

use super::AppProto;
use crate::capture::Capture;
use serde::Serialize;

/// What a [`Pdu`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PduKind {
    /// The client's HTTP/2 connection preface (Wireshark's "Magic").
    Http2Magic,
    /// An HTTP/2 frame: `code` is its type, `flags` its flags, `stream` its stream
    /// identifier, `len` its payload length (RFC 9113 §4.1).
    Http2Frame,
    /// A PostgreSQL message: `code` is its type byte, or below `b'1'` one of the
    /// untyped kinds of `ingest::app::pgsql::message` (StartupMessage 0, SSLRequest 1,
    /// GSSENCRequest 2, CancelRequest 3, the one-byte answer 4); `len` is its length
    /// field (which counts itself, not the type byte).
    Pgsql,
    /// A QUIC packet (one of a datagram's coalesced packets): `code` its long-header
    /// type as version 1 numbers them (Initial 0, 0-RTT 1, Handshake 2, Retry 3) or 4
    /// for a short header. An Initial packet that opened has [`QUIC_OPENED`] in `flags`,
    /// its packet number in `stream` and its frames' kinds in `len` ([`quic_frames`]); a
    /// short header has the length of its Destination Connection ID in `stream`.
    Quic,
}

/// [`Pdu::flags`] of a QUIC Initial packet that was decrypted.
pub const QUIC_OPENED: u8 = 0x80;

/// The kinds of a QUIC packet's frames, in the order they first came, as Wireshark names
/// them: [`Pdu::len`] holds up to eight of them, four bits each, lowest first (1 PADDING,
/// 2 PING, 3 ACK, 4 CRYPTO, 5 CONNECTION_CLOSE).
pub fn quic_frames(len: u32) -> impl Iterator<Item = &'static str> {
    (0..8)
        .map(move |i| (len >> (4 * i)) & 0xf)
        .take_while(|&k| k != 0)
        .map(|k| match k {
            1 => "PADDING",
            2 => "PING",
            3 => "ACK",
            4 => "CRYPTO",
            _ => "CONNECTION_CLOSE",
        })
}

impl PduKind {
    /// The protocol of the PDU.
    pub fn proto(self) -> AppProto {
        match self {
            PduKind::Http2Magic | PduKind::Http2Frame => AppProto::Http2,
            PduKind::Pgsql => AppProto::Pgsql,
            PduKind::Quic => AppProto::Quic,
        }
    }
}

/// One application PDU (24 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pdu {
    /// The packet that completed it (index into `Capture::packets`).
    pub packet: u64,
    /// Its conversation.
    pub conv: u32,
    /// HTTP/2: the stream identifier.
    pub stream: u32,
    /// HTTP/2: the payload length; PostgreSQL: the length field.
    pub len: u32,
    /// What it is.
    pub kind: PduKind,
    /// HTTP/2: the frame type; PostgreSQL: the message type byte.
    pub code: u8,
    /// HTTP/2: the frame's flags.
    pub flags: u8,
    /// Sent by the client.
    pub from_client: bool,
}

impl Pdu {
    /// A PDU of packet `packet` (its conversation filled in later).
    pub fn new(kind: PduKind, packet: u64, from_client: bool) -> Pdu {
        Pdu {
            packet,
            conv: 0,
            stream: 0,
            len: 0,
            kind,
            code: 0,
            flags: 0,
            from_client,
        }
    }
}

impl Capture {
    /// The application PDUs packet `packet` completed, in stream order.
    pub fn pdus_of(&self, packet: u64) -> &[Pdu] {
        let lo = self.pdus.partition_point(|p| p.packet < packet);
        let hi = lo + self.pdus[lo..].partition_point(|p| p.packet == packet);
        &self.pdus[lo..hi]
    }
}

/// PostgreSQL password-message kinds, kept in a `p` message's [`Pdu::flags`]: what the
/// server's last authentication request asked for (Wireshark names the message so).
pub mod password {
    /// A password (cleartext or MD5).
    pub const PASSWORD: u8 = 0;
    /// SASLInitialResponse (after AuthenticationSASL).
    pub const SASL_INITIAL: u8 = 1;
    /// SASLResponse (after AuthenticationSASLContinue).
    pub const SASL_RESPONSE: u8 = 2;
    /// A GSSAPI or SSPI response.
    pub const GSS: u8 = 3;
}

impl Pdu {
    /// Wireshark's `pgsql.type` of a PostgreSQL message (`packet-pgsql.c`'s tables).
    pub fn pgsql_type_name(&self) -> &'static str {
        let c = self.code;
        match c {
            0 => return "Startup message",
            1 => return "SSL request",
            2 => return "GSS encrypt request",
            3 => return "Cancel request",
            4 => return "SSL response",
            _ => {}
        }
        if self.from_client {
            match c {
                b'p' => match self.flags {
                    password::SASL_INITIAL => "SASLInitialResponse message",
                    password::SASL_RESPONSE => "SASLResponse message",
                    password::GSS => "GSSAPI or SSPI response",
                    _ => "Password message",
                },
                b'Q' => "Simple query",
                b'P' => "Parse",
                b'B' => "Bind",
                b'E' => "Execute",
                b'D' => "Describe",
                b'C' => "Close",
                b'H' => "Flush",
                b'S' => "Sync",
                b'F' => "Function call",
                b'd' => "Copy data",
                b'c' => "Copy completion",
                b'f' => "Copy failure",
                b'X' => "Termination",
                _ => "Unknown",
            }
        } else {
            match c {
                b'R' => "Authentication request",
                b'K' => "Backend key data",
                b'S' => "Parameter status",
                b'1' => "Parse completion",
                b'2' => "Bind completion",
                b'3' => "Close completion",
                b'C' => "Command completion",
                b't' => "Parameter description",
                b'T' => "Row description",
                b'D' => "Data row",
                b'I' => "Empty query",
                b'n' => "No data",
                b'E' => "Error",
                b'N' => "Notice",
                b's' => "Portal suspended",
                b'Z' => "Ready for query",
                b'A' => "Notification",
                b'V' => "Function call response",
                b'G' => "CopyIn response",
                b'H' => "CopyOut response",
                b'd' => "Copy data",
                b'c' => "Copy completion",
                b'v' => "Negotiate protocol version",
                _ => "Unknown",
            }
        }
    }

    /// The type byte as Wireshark's Info shows it (nothing for an untyped message).
    pub fn pgsql_type_char(&self) -> Option<char> {
        (self.code > 4).then_some(self.code as char)
    }
}
