//! Sorting the conversations table by any column.

use std::cmp::Ordering;
use std::net::IpAddr;
use wirelens_web::protocol::ConversationRow;

/// A column of the conversations table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Proto,
    AddrA,
    PortA,
    AddrB,
    PortB,
    FramesAb,
    BytesAb,
    FramesBa,
    BytesBa,
    RelStart,
    Duration,
}

impl Col {
    pub const ALL: [Col; 11] = [
        Col::Proto,
        Col::AddrA,
        Col::PortA,
        Col::AddrB,
        Col::PortB,
        Col::FramesAb,
        Col::BytesAb,
        Col::FramesBa,
        Col::BytesBa,
        Col::RelStart,
        Col::Duration,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Col::Proto => "Protocol",
            Col::AddrA => "Address A",
            Col::PortA => "Port A",
            Col::AddrB => "Address B",
            Col::PortB => "Port B",
            Col::FramesAb => "Packets A→B",
            Col::BytesAb => "Bytes A→B",
            Col::FramesBa => "Packets B→A",
            Col::BytesBa => "Bytes B→A",
            Col::RelStart => "Rel Start",
            Col::Duration => "Duration",
        }
    }

    /// Stable name for CSS classes and tests.
    pub fn key(self) -> &'static str {
        match self {
            Col::Proto => "proto",
            Col::AddrA => "a",
            Col::PortA => "port-a",
            Col::AddrB => "b",
            Col::PortB => "port-b",
            Col::FramesAb => "frames-ab",
            Col::BytesAb => "bytes-ab",
            Col::FramesBa => "frames-ba",
            Col::BytesBa => "bytes-ba",
            Col::RelStart => "rel-start",
            Col::Duration => "duration",
        }
    }

    /// Numbers are right-aligned and sort largest first on the first click.
    pub fn numeric(self) -> bool {
        !matches!(self, Col::Proto | Col::AddrA | Col::AddrB)
    }

    /// The cell's text.
    pub fn cell(self, c: &ConversationRow) -> String {
        match self {
            Col::Proto => c.proto.clone(),
            Col::AddrA => c.a.clone(),
            Col::PortA => c.port_a.to_string(),
            Col::AddrB => c.b.clone(),
            Col::PortB => c.port_b.to_string(),
            Col::FramesAb => c.frames_ab.to_string(),
            Col::BytesAb => c.bytes_ab.to_string(),
            Col::FramesBa => c.frames_ba.to_string(),
            Col::BytesBa => c.bytes_ba.to_string(),
            // As tshark prints them.
            Col::RelStart => format!("{:.6}", c.rel_start),
            Col::Duration => format!("{:.4}", c.duration),
        }
    }

    fn compare(self, x: &Keyed, y: &Keyed) -> Ordering {
        let (a, b) = (&x.row, &y.row);
        match self {
            Col::Proto => a.proto.cmp(&b.proto),
            Col::AddrA => x.a.cmp(&y.a),
            Col::PortA => a.port_a.cmp(&b.port_a),
            Col::AddrB => x.b.cmp(&y.b),
            Col::PortB => a.port_b.cmp(&b.port_b),
            Col::FramesAb => a.frames_ab.cmp(&b.frames_ab),
            Col::BytesAb => a.bytes_ab.cmp(&b.bytes_ab),
            Col::FramesBa => a.frames_ba.cmp(&b.frames_ba),
            Col::BytesBa => a.bytes_ba.cmp(&b.bytes_ba),
            Col::RelStart => a.rel_start.total_cmp(&b.rel_start),
            Col::Duration => a.duration.total_cmp(&b.duration),
        }
    }
}

/// The current sort: a column and whether it is descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub col: Col,
    pub descending: bool,
}

impl Sort {
    /// The sort after clicking `col`'s header.
    pub fn click(current: Option<Sort>, col: Col) -> Sort {
        match current {
            Some(s) if s.col == col => Sort {
                col,
                descending: !s.descending,
            },
            _ => Sort {
                col,
                descending: col.numeric(),
            },
        }
    }
}

/// A row with its addresses parsed once, so they sort numerically (10.0.0.9 < 10.0.0.10).
struct Keyed<'a> {
    row: &'a ConversationRow,
    a: Option<IpAddr>,
    b: Option<IpAddr>,
}

/// Row indices in display order; ties keep the order of first appearance.
pub fn order(rows: &[ConversationRow], sort: Option<Sort>) -> Vec<usize> {
    let Some(sort) = sort else {
        return (0..rows.len()).collect();
    };
    let keyed: Vec<Keyed> = rows
        .iter()
        .map(|row| Keyed {
            row,
            a: row.a.parse().ok(),
            b: row.b.parse().ok(),
        })
        .collect();
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by(|&i, &j| {
        let o = sort.col.compare(&keyed[i], &keyed[j]);
        if sort.descending {
            o.reverse()
        } else {
            o
        }
    });
    idx
}
