//! Per-PDU fields read from the capture's PDUs (`Capture::pdus`): each HTTP/2 frame's
//! `http2.type`, `http2.streamid`, `http2.length`, `http2.flags` (and the preface's
//! `http2.magic`), each PostgreSQL message's `pgsql.type` and `pgsql.length`, in the
//! packet that completed it, as Wireshark shows them. Over TLS the PDUs were read from
//! the decrypted records at ingest, so no secrets are needed here.

use super::{Fid, Value, ValueSink};
use crate::capture::app::pdu::PduKind;
use crate::capture::Capture;
use crate::ingest::app::pgsql::message::ANSWER_BYTE;

/// Whether the PDUs answer `field`.
pub fn covers(field: Fid) -> bool {
    use Fid::*;
    matches!(
        field,
        Http2
            | Http2Streamid
            | Http2Type
            | Http2Length
            | Http2Flags
            | Http2Magic
            | Pgsql
            | PgsqlType
            | PgsqlLength
    )
}

/// The values of `field` in packet `index`, in the order of its PDUs.
pub fn values(capture: &Capture, index: usize, field: Fid, out: &mut ValueSink<'_>) {
    for p in capture.pdus_of(index as u64) {
        let frame = p.kind == PduKind::Http2Frame;
        // The server's one-byte answer to an SSLRequest is no message in packet-pgsql.c's
        // tree (it hands the conversation to TLS, or goes on).
        let pgsql = p.kind == PduKind::Pgsql && p.code != ANSWER_BYTE;
        match field {
            // One protocol item per PDU, as Wireshark adds one tree per frame.
            Fid::Http2 if p.kind.proto() == crate::capture::app::AppProto::Http2 => {
                out.push(Value::Present)
            }
            Fid::Http2Magic if p.kind == PduKind::Http2Magic => out.push_str(
                std::str::from_utf8(crate::ingest::app::http2::frame::PREFACE).unwrap_or(""),
            ),
            Fid::Http2Streamid if frame => out.push(Value::Uint(p.stream as u64)),
            Fid::Http2Type if frame => out.push(Value::Uint(p.code as u64)),
            Fid::Http2Length if frame => out.push(Value::Uint(p.len as u64)),
            Fid::Http2Flags if frame => out.push(Value::Uint(p.flags as u64)),
            Fid::Pgsql if pgsql => out.push(Value::Present),
            Fid::PgsqlType if pgsql => out.push_str(p.pgsql_type_name()),
            Fid::PgsqlLength if pgsql => out.push(Value::Uint(p.len as u64)),
            _ => {}
        }
    }
}
