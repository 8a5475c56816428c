//! The packet list: one row per packet with the columns Wireshark shows by default (No.,
//! Time, Source, Destination, Protocol, Length, Info) and custom columns of any field.
//! The CLI's `wirelens list` and the page's packet list both ask this query.

mod headers;

pub use headers::{columns, info, protocol_name, Columns};

use crate::capture::Capture;
use crate::query::fields::{self, civil_from_days, Fid, FieldCtx, PacketSource, Value};
use serde::Serialize;

/// One row of the packet list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Frame number (1-based).
    pub number: u64,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Seconds since the first packet, with 6 decimals (Wireshark's Time column).
    pub time: String,
    /// Date and time of day in UTC (`tshark -t ud`).
    pub abs_time: String,
    /// Seconds since the packet shown before it (`tshark -t dd`).
    pub delta_time: String,
    /// Source address (IP, else MAC).
    pub src: String,
    /// Destination address.
    pub dst: String,
    /// Protocol column.
    pub protocol: String,
    /// Length on the wire.
    pub length: u32,
    /// Info column.
    pub info: String,
    /// The custom columns' values (several occurrences joined by `,`).
    pub custom: Vec<String>,
}

/// The rows of a capture's packet list, with custom columns.
pub struct Rows<'c> {
    capture: &'c Capture,
    custom: Vec<Fid>,
    values: Vec<Value>,
}

impl<'c> Rows<'c> {
    /// The rows of `capture`, with no custom column.
    pub fn new(capture: &'c Capture) -> Self {
        Rows {
            capture,
            custom: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Adds custom columns, one per field.
    pub fn with_custom(mut self, columns: &[Fid]) -> Self {
        self.custom = columns.to_vec();
        self
    }

    /// The row of packet `index` (0-based), its bytes read through `ctx` from `src`.
    /// `prev_ts` is the time of the packet shown before it (its delta time counts from
    /// there), None for the first shown.
    pub fn row(
        &mut self,
        ctx: &mut FieldCtx<'c>,
        index: usize,
        prev_ts: Option<i64>,
        src: &mut dyn PacketSource,
    ) -> Row {
        let capture = self.capture;
        let p = capture.packets[index];
        ctx.begin(index);
        let mut row = Row {
            number: index as u64 + 1,
            ts_ns: p.ts_ns,
            time: seconds(p.ts_ns - capture.first_ts_ns()),
            abs_time: utc(p.ts_ns),
            delta_time: seconds(p.ts_ns - prev_ts.unwrap_or(p.ts_ns)),
            length: p.len,
            ..Row::default()
        };
        if ctx.load(src) {
            let bytes = ctx.packet_bytes().unwrap_or(&[]);
            let c = columns(capture.linktype_of(&p), bytes);
            (row.src, row.dst) = (c.src, c.dst);
            row.protocol = c.protocol.to_owned();
            row.info = c.info;
        } else {
            row.info = "(packet bytes unavailable)".into();
        }
        for &f in &self.custom {
            self.values.clear();
            ctx.extract(f, 0, src, &mut self.values);
            let mut cell = String::new();
            for (k, v) in self.values.iter().enumerate() {
                if k > 0 {
                    cell.push(',');
                }
                let b = match v {
                    Value::Bytes(s) | Value::Str(s) | Value::Proto(s) => ctx.span(*s, &[]),
                    _ => &[],
                };
                fields::display(f, v, b, &mut cell);
            }
            row.custom.push(cell);
        }
        row
    }
}

/// Seconds with 6 decimals (µs), as Wireshark's Time column: `-0.000001`, `12.345678`.
pub fn seconds(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    format!(
        "{sign}{}.{:06}",
        abs / 1_000_000_000,
        abs % 1_000_000_000 / 1_000
    )
}

/// Date and time of day in UTC with µs, as `tshark -t ud`: `2026-12-05 06:49:07.123456`.
pub fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let us = ns.rem_euclid(1_000_000_000) / 1_000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{us:06}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(1_234_567_891), "1.234567");
        assert_eq!(seconds(-1_500), "-0.000001");
        assert_eq!(utc(1_764_917_347_123_456_789), "2025-12-05 06:49:07.123456");
    }
}
