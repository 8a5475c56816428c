//! The three tables' Parquet schemas and their columns, leaf by leaf in schema order.
//!
//! Types every engine reads: timestamps as TIMESTAMP(MICROS, UTC) (Spark rejects
//! nanoseconds; the exact value is in an INT64 `…_ns` column beside), signed integers
//! (unsigned ones widened: ports and u16 codes to INT32, u32 and u64 counts to INT64),
//! addresses as strings, seconds as DOUBLE as Zeek's intervals are.

use crate::columns::{list, optional, required, text, Column};
use wirelens_core::capture::tcp::{Handshake, Kind};
use wirelens_core::query::lake::{CaptureRow, ConnId, SessionRow, TransactionRow};
use wirelens_core::query::sessions::LocalBy;

/// ns to µs, rounded down (toward the past, also before 1970).
fn micros(ns: i64) -> i64 {
    ns.div_euclid(1000)
}

fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The `id` group's four leaves.
const ID_GROUP: &str = "
  group id {
    REQUIRED BYTE_ARRAY orig_h (UTF8);
    REQUIRED INT32 orig_p;
    REQUIRED BYTE_ARRAY resp_h (UTF8);
    REQUIRED INT32 resp_p;
  }";

fn id_columns<R>(rows: &[R], id: impl Fn(&R) -> Option<ConnId>) -> Vec<Column> {
    vec![
        optional(rows, |r| id(r).map(|c| text(&c.orig_h.to_string()))),
        optional(rows, |r| id(r).map(|c| i32::from(c.orig_p))),
        optional(rows, |r| id(r).map(|c| text(&c.resp_h.to_string()))),
        optional(rows, |r| id(r).map(|c| i32::from(c.resp_p))),
    ]
}

fn required_id_columns<R>(rows: &[R], id: impl Fn(&R) -> ConnId) -> Vec<Column> {
    vec![
        required(rows, |r| text(&id(r).orig_h.to_string())),
        required(rows, |r| i32::from(id(r).orig_p)),
        required(rows, |r| text(&id(r).resp_h.to_string())),
        required(rows, |r| i32::from(id(r).resp_p)),
    ]
}

/// The sessions table's schema.
pub fn sessions_schema() -> String {
    let mut s = String::from(
        "message session {
  REQUIRED INT64 ts (TIMESTAMP(MICROS,true));
  REQUIRED INT64 ts_ns;
  REQUIRED INT64 end_ts (TIMESTAMP(MICROS,true));
  REQUIRED INT64 end_ns;
  REQUIRED DOUBLE duration;
  REQUIRED INT64 duration_ns;
  REQUIRED BYTE_ARRAY uid (UTF8);
  REQUIRED BYTE_ARRAY community_id (UTF8);
  REQUIRED",
    );
    s.push_str(ID_GROUP);
    s.push_str(
        "
  REQUIRED BYTE_ARRAY proto (UTF8);
  REQUIRED INT64 stream;
  OPTIONAL BYTE_ARRAY service (UTF8);
  REQUIRED BYTE_ARRAY orig_by (UTF8);
  REQUIRED INT64 orig_pkts;
  REQUIRED INT64 resp_pkts;
  REQUIRED INT64 orig_bytes;
  REQUIRED INT64 resp_bytes;
  REQUIRED INT64 orig_frame_bytes;
  REQUIRED INT64 resp_frame_bytes;
  REQUIRED BYTE_ARRAY conn_state (UTF8);
  OPTIONAL BYTE_ARRAY handshake (UTF8);
  OPTIONAL BYTE_ARRAY ended (UTF8);
  OPTIONAL BYTE_ARRAY ended_by (UTF8);
  OPTIONAL DOUBLE initial_rtt;
  OPTIONAL INT64 initial_rtt_ns;
",
    );
    for k in Kind::ALL {
        s.push_str(&format!("  OPTIONAL INT64 tcp_{};\n", k.name()));
    }
    s.push_str(
        "  OPTIONAL BOOLEAN local_orig;
  OPTIONAL BOOLEAN local_resp;
  OPTIONAL INT64 pid;
  OPTIONAL BYTE_ARRAY comm (UTF8);
  OPTIONAL INT64 user_id;
  OPTIONAL BYTE_ARRAY user_name (UTF8);
  REQUIRED BYTE_ARRAY capture_id (UTF8);
  REQUIRED BYTE_ARRAY file (UTF8);
  REQUIRED INT64 first_frame;
  REQUIRED INT64 last_frame;
  REQUIRED INT64 first_offset;
  REQUIRED group packets (LIST) {
    REPEATED group list {
      REQUIRED group element {
        REQUIRED INT64 offset;
        REQUIRED INT64 ts_ns;
        REQUIRED INT32 caplen;
        REQUIRED INT32 len;
        REQUIRED INT32 iface;
      }
    }
  }
  REQUIRED BOOLEAN packets_cut;
}",
    );
    s
}

fn local_by(l: LocalBy) -> &'static str {
    match l {
        LocalBy::Host => "host",
        LocalBy::Syn => "syn",
        LocalBy::SynAck => "syn-ack",
        LocalBy::FirstPacket => "first-packet",
    }
}

fn handshake(h: Handshake) -> &'static str {
    match h {
        Handshake::Complete => "complete",
        Handshake::Partial => "partial",
        Handshake::MidStream => "mid-stream",
    }
}

/// The sessions table's columns.
pub fn sessions_columns(rows: &[&SessionRow]) -> Vec<Column> {
    let mut c = vec![
        required(rows, |r| micros(r.ts_ns)),
        required(rows, |r| r.ts_ns),
        required(rows, |r| micros(r.end_ns)),
        required(rows, |r| r.end_ns),
        required(rows, |r| secs(r.duration_ns())),
        required(rows, |r| r.duration_ns()),
        required(rows, |r| text(&r.uid)),
        required(rows, |r| text(&r.community_id)),
    ];
    c.extend(required_id_columns(rows, |r| r.id));
    c.extend([
        required(rows, |r| text(r.proto)),
        required(rows, |r| i64::from(r.stream)),
        optional(rows, |r| r.service.map(text)),
        required(rows, |r| text(local_by(r.orig_by))),
        required(rows, |r| i64_of(r.orig_pkts)),
        required(rows, |r| i64_of(r.resp_pkts)),
        required(rows, |r| i64_of(r.orig_bytes)),
        required(rows, |r| i64_of(r.resp_bytes)),
        required(rows, |r| i64_of(r.orig_frame_bytes)),
        required(rows, |r| i64_of(r.resp_frame_bytes)),
        required(rows, |r| text(r.conn_state)),
        optional(rows, |r| r.handshake.map(|h| text(handshake(h)))),
        optional(rows, |r| r.end.map(text)),
        optional(rows, |r| r.end_by.map(text)),
        optional(rows, |r| r.initial_rtt_ns.map(secs)),
        optional(rows, |r| r.initial_rtt_ns),
    ]);
    for k in Kind::ALL {
        c.push(optional(rows, move |r| {
            r.tcp_analysis.map(|t| i64::from(t.get(k)))
        }));
    }
    c.extend([
        optional(rows, |r| r.local_orig),
        optional(rows, |r| r.local_resp),
        optional(rows, |r| r.pid.map(i64::from)),
        optional(rows, |r| r.comm.as_deref().map(text)),
        optional(rows, |r| r.user_id.map(i64::from)),
        optional(rows, |r| r.user.as_deref().map(text)),
        required(rows, |r| text(&r.capture_id)),
        required(rows, |r| text(&r.file)),
        required(rows, |r| i64_of(r.first_frame)),
        required(rows, |r| i64_of(r.last_frame)),
        required(rows, |r| i64_of(r.first_offset)),
        list(rows, |r| &r.packets, false, |p| Some(i64_of(p.offset))),
        list(rows, |r| &r.packets, false, |p| Some(p.ts_ns)),
        list(rows, |r| &r.packets, false, |p| Some(p.caplen as i32)),
        list(rows, |r| &r.packets, false, |p| Some(p.len as i32)),
        list(rows, |r| &r.packets, false, |p| Some(i32::from(p.iface))),
        required(rows, |r| r.packets_cut),
    ]);
    c
}

/// The transactions table's schema.
pub fn transactions_schema() -> String {
    let mut s = String::from(
        "message transaction {
  REQUIRED INT64 ts (TIMESTAMP(MICROS,true));
  REQUIRED INT64 ts_ns;
  REQUIRED INT64 end_ts (TIMESTAMP(MICROS,true));
  REQUIRED INT64 end_ns;
  REQUIRED BYTE_ARRAY uid (UTF8);
  REQUIRED BYTE_ARRAY community_id (UTF8);
  REQUIRED BYTE_ARRAY service (UTF8);
  OPTIONAL",
    );
    s.push_str(ID_GROUP);
    s.push_str(
        "
  REQUIRED BYTE_ARRAY proto (UTF8);
  REQUIRED INT64 stream;
  OPTIONAL DOUBLE latency;
  OPTIONAL INT64 latency_ns;
  OPTIONAL INT64 request_bytes;
  OPTIONAL INT64 response_bytes;
  REQUIRED INT64 first_frame;
  REQUIRED INT64 last_frame;
  OPTIONAL INT64 request_frame;
  OPTIONAL INT64 response_frame;
  REQUIRED BOOLEAN incomplete;
  OPTIONAL BYTE_ARRAY method (UTF8);
  OPTIONAL BYTE_ARRAY host (UTF8);
  OPTIONAL BYTE_ARRAY uri (UTF8);
  OPTIONAL BYTE_ARRAY version (UTF8);
  OPTIONAL BYTE_ARRAY user_agent (UTF8);
  OPTIONAL INT32 status_code;
  OPTIONAL BYTE_ARRAY status_msg (UTF8);
  OPTIONAL INT64 request_body_len;
  OPTIONAL INT64 response_body_len;
  OPTIONAL BYTE_ARRAY request_content_type (UTF8);
  OPTIONAL BYTE_ARRAY response_content_type (UTF8);
  OPTIONAL BYTE_ARRAY command (UTF8);
  OPTIONAL BYTE_ARRAY key (UTF8);
  REQUIRED group keys (LIST) {
    REPEATED group list {
      REQUIRED BYTE_ARRAY element (UTF8);
    }
  }
  OPTIONAL INT64 value_len;
  OPTIONAL BOOLEAN hit;
  OPTIONAL INT64 hits;
  OPTIONAL INT64 misses;
  OPTIONAL BYTE_ARRAY reply (UTF8);
  OPTIONAL BYTE_ARRAY error (UTF8);
  OPTIONAL BYTE_ARRAY sql (UTF8);
  OPTIONAL BYTE_ARRAY fingerprint (UTF8);
  OPTIONAL INT64 rows;
  OPTIONAL INT64 affected_rows;
  OPTIONAL INT32 error_code;
  OPTIONAL INT32 trans_id;
  OPTIONAL BYTE_ARRAY query (UTF8);
  OPTIONAL INT32 qtype;
  OPTIONAL BYTE_ARRAY qtype_name (UTF8);
  OPTIONAL INT32 rcode;
  OPTIONAL BYTE_ARRAY rcode_name (UTF8);
  REQUIRED group answers (LIST) {
    REPEATED group list {
      REQUIRED BYTE_ARRAY element (UTF8);
    }
  }
  OPTIONAL BYTE_ARRAY server_name (UTF8);
  OPTIONAL BYTE_ARRAY tls_version (UTF8);
  OPTIONAL INT32 cipher;
  OPTIONAL BYTE_ARRAY next_protocol (UTF8);
  REQUIRED BYTE_ARRAY capture_id (UTF8);
  REQUIRED BYTE_ARRAY file (UTF8);
}",
    );
    s
}

/// The transactions table's columns.
pub fn transactions_columns(rows: &[&TransactionRow]) -> Vec<Column> {
    let s = |f: for<'a> fn(&'a &TransactionRow) -> Option<&'a str>| {
        optional(rows, move |r| f(r).map(text))
    };
    let mut c = vec![
        required(rows, |r| micros(r.ts_ns)),
        required(rows, |r| r.ts_ns),
        required(rows, |r| micros(r.end_ns)),
        required(rows, |r| r.end_ns),
        required(rows, |r| text(&r.uid)),
        required(rows, |r| text(&r.community_id)),
        required(rows, |r| text(r.service)),
    ];
    c.extend(id_columns(rows, |r| r.id));
    c.extend([
        required(rows, |r| text(r.proto)),
        required(rows, |r| i64::from(r.stream)),
        optional(rows, |r| r.latency_ns.map(secs)),
        optional(rows, |r| r.latency_ns),
        optional(rows, |r| r.request_bytes.map(i64_of)),
        optional(rows, |r| r.response_bytes.map(i64_of)),
        required(rows, |r| i64_of(r.first_frame)),
        required(rows, |r| i64_of(r.last_frame)),
        optional(rows, |r| r.request_frame.map(i64_of)),
        optional(rows, |r| r.response_frame.map(i64_of)),
        required(rows, |r| r.incomplete),
        s(|r| r.method.as_deref()),
        s(|r| r.host.as_deref()),
        s(|r| r.uri.as_deref()),
        s(|r| r.version.as_deref()),
        s(|r| r.user_agent.as_deref()),
        optional(rows, |r| r.status_code.map(i32::from)),
        s(|r| r.status_msg.as_deref()),
        optional(rows, |r| r.request_body_len.map(i64_of)),
        optional(rows, |r| r.response_body_len.map(i64_of)),
        s(|r| r.request_content_type.as_deref()),
        s(|r| r.response_content_type.as_deref()),
        s(|r| r.command.as_deref()),
        s(|r| r.key.as_deref()),
        list(rows, |r| &r.keys, false, |k| Some(text(k))),
        optional(rows, |r| r.value_len.map(i64_of)),
        optional(rows, |r| r.hit),
        optional(rows, |r| r.hits.map(i64::from)),
        optional(rows, |r| r.misses.map(i64::from)),
        s(|r| r.reply.as_deref()),
        s(|r| r.error.as_deref()),
        s(|r| r.sql.as_deref()),
        s(|r| r.fingerprint.as_deref()),
        optional(rows, |r| r.rows.map(i64_of)),
        optional(rows, |r| r.affected_rows.map(i64_of)),
        optional(rows, |r| r.error_code.map(i32::from)),
        optional(rows, |r| r.trans_id.map(i32::from)),
        s(|r| r.query.as_deref()),
        optional(rows, |r| r.qtype.map(i32::from)),
        s(|r| r.qtype_name.as_deref()),
        optional(rows, |r| r.rcode.map(i32::from)),
        s(|r| r.rcode_name),
        list(rows, |r| &r.answers, false, |a| Some(text(a))),
        s(|r| r.server_name.as_deref()),
        s(|r| r.tls_version.as_deref()),
        optional(rows, |r| r.cipher.map(i32::from)),
        s(|r| r.next_protocol.as_deref()),
        required(rows, |r| text(&r.capture_id)),
        required(rows, |r| text(&r.file)),
    ]);
    c
}

/// The captures table's schema.
pub fn captures_schema() -> String {
    "message capture {
  REQUIRED BYTE_ARRAY capture_id (UTF8);
  REQUIRED BYTE_ARRAY file (UTF8);
  REQUIRED INT64 size;
  OPTIONAL BYTE_ARRAY format (UTF8);
  OPTIONAL BYTE_ARRAY compression (UTF8);
  REQUIRED INT64 packets;
  OPTIONAL INT64 first_ts (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 first_ns;
  OPTIONAL INT64 last_ts (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 last_ns;
  REQUIRED INT64 sessions;
  REQUIRED INT64 transactions;
  REQUIRED group interfaces (LIST) {
    REPEATED group list {
      REQUIRED group element {
        REQUIRED INT32 linktype;
        REQUIRED INT64 snaplen;
        REQUIRED INT64 ts_per_sec;
        OPTIONAL BYTE_ARRAY name (UTF8);
      }
    }
  }
  REQUIRED group errors (LIST) {
    REPEATED group list {
      REQUIRED BYTE_ARRAY element (UTF8);
    }
  }
}"
    .to_owned()
}

/// The captures table's columns.
pub fn captures_columns(rows: &[CaptureRow]) -> Vec<Column> {
    vec![
        required(rows, |r| text(&r.capture_id)),
        required(rows, |r| text(&r.file)),
        required(rows, |r| i64_of(r.size)),
        optional(rows, |r| r.format.map(text)),
        optional(rows, |r| r.compression.map(text)),
        required(rows, |r| i64_of(r.packets)),
        optional(rows, |r| r.first_ns.map(micros)),
        optional(rows, |r| r.first_ns),
        optional(rows, |r| r.last_ns.map(micros)),
        optional(rows, |r| r.last_ns),
        required(rows, |r| i64_of(r.sessions)),
        required(rows, |r| i64_of(r.transactions)),
        list(
            rows,
            |r| &r.interfaces,
            false,
            |i| Some(i32::from(i.linktype)),
        ),
        list(
            rows,
            |r| &r.interfaces,
            false,
            |i| Some(i64::from(i.snaplen)),
        ),
        list(
            rows,
            |r| &r.interfaces,
            false,
            |i| Some(i64_of(i.ts_per_sec)),
        ),
        list(
            rows,
            |r| &r.interfaces,
            true,
            |i| i.name.as_deref().map(text),
        ),
        list(rows, |r| &r.errors, false, |e| Some(text(e))),
    ]
}
