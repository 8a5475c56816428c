//! A part's columns packed into bytes, to cross from the program that computes them to
//! the one that writes Parquet. The page does this: its analysis worker has the capture
//! and builds the columns ([`pack`]), a second worker loaded only for an export links
//! the Parquet writer and writes them ([`Packed::write`]), so that the writer (about
//! 230 KB gzipped) stays out of what the page loads at start.
//!
//! Little-endian throughout:
//!
//! ```text
//! "WLPK" u8 version(1) u8 table(0 sessions, 1 transactions, 2 captures) u64 rows u32 groups
//! per row group: u64 bytes, then u32 rows u32 columns and per column
//!   u8 type(0 bool, 1 i32, 2 i64, 3 f64, 4 bytes) u8 levels(1: definition, 2: repetition)
//!   u32 values, the values (bool: u8; bytes: u32 length and the bytes)
//!   [u32 n, n × i16 definition levels] [u32 n, n × i16 repetition levels]
//! ```

use crate::columns::{Column, Values};
use crate::{write_table, Codec, Meta, Part, Table, ROW_GROUP_ROWS};
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use std::io::{self, Write};

const MAGIC: &[u8; 4] = b"WLPK";
const VERSION: u8 = 1;

fn table_code(t: Table) -> u8 {
    match t {
        Table::Sessions => 0,
        Table::Transactions => 1,
        Table::Captures => 2,
    }
}

/// Writes a part's columns, a row group at a time (one group's columns are built and
/// held at once, as when the part is written as Parquet directly).
pub fn pack(part: &Part<'_>, out: &mut impl Write) -> io::Result<()> {
    let rows = part.len();
    let groups = rows.div_ceil(ROW_GROUP_ROWS).max(1);
    out.write_all(MAGIC)?;
    out.write_all(&[VERSION, table_code(part.table)])?;
    out.write_all(&(rows as u64).to_le_bytes())?;
    out.write_all(&(groups as u32).to_le_bytes())?;
    let mut buf = Vec::new();
    for g in 0..groups {
        let r = g * ROW_GROUP_ROWS..rows.min((g + 1) * ROW_GROUP_ROWS);
        buf.clear();
        buf.extend_from_slice(&((r.end - r.start) as u32).to_le_bytes());
        let columns = part.columns(r);
        buf.extend_from_slice(&(columns.len() as u32).to_le_bytes());
        for c in &columns {
            pack_column(c, &mut buf);
        }
        out.write_all(&(buf.len() as u64).to_le_bytes())?;
        out.write_all(&buf)?;
    }
    Ok(())
}

fn pack_column(c: &Column, out: &mut Vec<u8>) {
    let levels = u8::from(c.defs.is_some()) | (u8::from(c.reps.is_some()) << 1);
    let (ty, n) = match &c.values {
        Values::Bool(v) => (0, v.len()),
        Values::I32(v) => (1, v.len()),
        Values::I64(v) => (2, v.len()),
        Values::F64(v) => (3, v.len()),
        Values::Bytes(v) => (4, v.len()),
    };
    out.extend_from_slice(&[ty, levels]);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    match &c.values {
        Values::Bool(v) => out.extend(v.iter().map(|&b| u8::from(b))),
        Values::I32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Values::I64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Values::F64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Values::Bytes(v) => v.iter().for_each(|x| {
            out.extend_from_slice(&(x.len() as u32).to_le_bytes());
            out.extend_from_slice(x.data());
        }),
    }
    for levels in [&c.defs, &c.reps].into_iter().flatten() {
        out.extend_from_slice(&(levels.len() as u32).to_le_bytes());
        levels
            .iter()
            .for_each(|l| out.extend_from_slice(&l.to_le_bytes()));
    }
}

/// Packed columns, checked for their framing; each row group is read when it is written.
pub struct Packed<'a> {
    table: Table,
    rows: usize,
    groups: Vec<&'a [u8]>,
}

fn bad(what: impl std::fmt::Display) -> ParquetError {
    ParquetError::General(format!("packed columns: {what}"))
}

/// Reads bytes off the front of a slice, never past its end.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(bad(format!("{n} bytes wanted, {} left", self.0.len())));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<usize> {
        Ok(u32::from_le_bytes(self.array()?) as usize)
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// `n` items of `size` bytes, each made by `f`; the length is checked before any
    /// allocation (a count read from the bytes cannot ask for more than they hold).
    fn items<T>(&mut self, n: usize, size: usize, f: impl Fn(&[u8]) -> T) -> Result<Vec<T>> {
        let all = self.take(n.checked_mul(size).ok_or_else(|| bad("count too large"))?)?;
        Ok(all.chunks_exact(size).map(f).collect())
    }
}

impl<'a> Packed<'a> {
    /// Checks the header and finds the row groups.
    pub fn new(bytes: &'a [u8]) -> Result<Self> {
        let mut c = Cursor(bytes);
        if c.take(4)? != MAGIC {
            return Err(bad("not packed columns (no WLPK)"));
        }
        let version = c.u8()?;
        if version != VERSION {
            return Err(bad(format!("version {version}, this reads {VERSION}")));
        }
        let table = match c.u8()? {
            0 => Table::Sessions,
            1 => Table::Transactions,
            2 => Table::Captures,
            t => return Err(bad(format!("table {t}"))),
        };
        let rows = usize::try_from(c.u64()?).map_err(|_| bad("too many rows"))?;
        let n = c.u32()?;
        if n != rows.div_ceil(ROW_GROUP_ROWS).max(1) {
            return Err(bad(format!("{n} row groups for {rows} rows")));
        }
        let mut groups = Vec::new();
        for _ in 0..n {
            let len = usize::try_from(c.u64()?).map_err(|_| bad("group too large"))?;
            groups.push(c.take(len)?);
        }
        if !c.0.is_empty() {
            return Err(bad(format!("{} bytes after the last group", c.0.len())));
        }
        Ok(Packed {
            table,
            rows,
            groups,
        })
    }

    /// The table.
    pub fn table(&self) -> Table {
        self.table
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The columns of row group `g`, which must hold `rows` rows.
    fn group(&self, g: usize, rows: usize) -> Result<Vec<Column>> {
        let mut c = Cursor(self.groups.get(g).ok_or_else(|| bad("no such group"))?);
        let n = c.u32()?;
        if n != rows {
            return Err(bad(format!("group {g} has {n} rows, {rows} expected")));
        }
        let count = c.u32()?;
        let mut out = Vec::with_capacity(count.min(256));
        for _ in 0..count {
            let ty = c.u8()?;
            let levels = c.u8()?;
            let n = c.u32()?;
            let values = match ty {
                0 => Values::Bool(c.items(n, 1, |b| b[0] != 0)?),
                1 => Values::I32(c.items(n, 4, |b| {
                    i32::from_le_bytes(b.try_into().unwrap_or_default())
                })?),
                2 => Values::I64(c.items(n, 8, |b| {
                    i64::from_le_bytes(b.try_into().unwrap_or_default())
                })?),
                3 => Values::F64(c.items(n, 8, |b| {
                    f64::from_le_bytes(b.try_into().unwrap_or_default())
                })?),
                4 => {
                    // Each value takes at least its 4-byte length.
                    if n > c.0.len() / 4 {
                        return Err(bad(format!("{n} strings in {} bytes", c.0.len())));
                    }
                    let mut v = Vec::with_capacity(n);
                    for _ in 0..n {
                        let len = c.u32()?;
                        v.push(ByteArray::from(c.take(len)?.to_vec()));
                    }
                    Values::Bytes(v)
                }
                t => return Err(bad(format!("column type {t}"))),
            };
            let mut level = |on: bool| -> Result<Option<Vec<i16>>> {
                if !on {
                    return Ok(None);
                }
                let n = c.u32()?;
                Ok(Some(c.items(n, 2, |b| i16::from_le_bytes([b[0], b[1]]))?))
            };
            let defs = level(levels & 1 != 0)?;
            let reps = level(levels & 2 != 0)?;
            out.push(Column { values, defs, reps });
        }
        if !c.0.is_empty() {
            return Err(bad(format!(
                "{} bytes after group {g}'s columns",
                c.0.len()
            )));
        }
        Ok(out)
    }

    /// The Parquet file of these columns.
    pub fn write(&self, meta: &Meta<'_>, codec: Codec) -> Result<Vec<u8>> {
        write_table(
            self.table,
            self.rows,
            |r| self.group(r.start / ROW_GROUP_ROWS, r.end - r.start),
            meta,
            codec,
            Vec::new(),
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture_parts;
    use wirelens_core::query::lake::{CaptureRow, InterfaceRow, Rows};

    fn capture_row(i: usize) -> CaptureRow {
        CaptureRow {
            capture_id: format!("c{i}"),
            file: "f".into(),
            size: i as u64,
            format: Some("pcapng"),
            compression: None,
            packets: 3,
            first_ns: Some(1_764_900_000_000_000_000),
            last_ns: None,
            sessions: 0,
            transactions: 0,
            interfaces: vec![InterfaceRow {
                linktype: 1,
                snaplen: 0,
                ts_per_sec: 1_000_000,
                name: Some("eth0".into()),
            }],
            errors: vec!["a".into(), "bé".into()],
        }
    }

    /// Packed and written, a part gives the same Parquet bytes as written directly; cut
    /// anywhere, the packed bytes are refused, never read past.
    #[test]
    fn packed_parts_write_the_same_parquet() {
        let rows = Rows::default();
        let row = capture_row(7);
        let meta = Meta {
            sensor: "s",
            capture_id: "c7",
            seed: 0,
        };
        for part in capture_parts(&rows, &row) {
            let direct = part.write(&meta, Codec::Snappy).expect("written");
            let mut bytes = Vec::new();
            pack(&part, &mut bytes).expect("packed");
            let packed = Packed::new(&bytes).expect("read back");
            assert_eq!(packed.table(), part.table);
            assert_eq!(packed.rows(), part.len());
            assert_eq!(packed.write(&meta, Codec::Snappy).expect("written"), direct);
            for cut in 0..bytes.len() {
                let short = &bytes[..cut];
                assert!(
                    Packed::new(short)
                        .and_then(|p| p.write(&meta, Codec::Snappy))
                        .is_err(),
                    "cut at {cut}"
                );
            }
        }
    }
}
