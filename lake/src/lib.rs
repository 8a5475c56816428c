//! Wirelens' lake: the sessions and transactions core computes (`query::lake`), written
//! as Parquet for engines that exist (DuckDB, ClickHouse, Spark), Hive-partitioned by
//! day and sensor:
//!
//! ```text
//! LAKE/sessions/date=2026-12-05/sensor=web1/part-<capture id>.parquet
//! LAKE/transactions/date=2026-12-05/sensor=web1/part-<capture id>.parquet
//! LAKE/captures/date=2026-12-05/sensor=web1/part-<capture id>.parquet
//! ```
//!
//! One file per table, capture and day: a capture adds files and never rewrites one, and
//! a capture already in the lake (its id in `captures/`) adds nothing. `date` and
//! `sensor` are in the path only (Spark and DuckDB's `hive_partitioning` make them
//! columns); the files' key-value metadata says the table, schema version, Community ID
//! seed, sensor and capture.
//!
//! Parquet goes through the `parquet` crate's low-level column writer (no `arrow`
//! crates: a shorter build), zstd natively (feature `zstd`), snappy in the browser.

pub mod columns;
pub mod dir;
pub mod packed;
pub mod read;
pub mod tables;
pub mod zip;

use columns::Column;
use parquet::basic::Compression;
#[cfg(feature = "zstd")]
use parquet::basic::ZstdLevel;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use wirelens_core::query::lake::{CaptureRow, Rows, SessionRow, TransactionRow, SCHEMA_VERSION};

/// The lake's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// One row per TCP connection and UDP flow.
    Sessions,
    /// One row per application transaction.
    Transactions,
    /// One row per capture file.
    Captures,
}

impl Table {
    /// The directory under the lake's root.
    pub fn dir(self) -> &'static str {
        match self {
            Table::Sessions => "sessions",
            Table::Transactions => "transactions",
            Table::Captures => "captures",
        }
    }
}

/// The codec of the column chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// zstd (level 3): the lake's, native builds only.
    #[cfg(feature = "zstd")]
    Zstd,
    /// Snappy: pure Rust, the browser's.
    Snappy,
}

impl Codec {
    /// The best codec this build has.
    pub fn best() -> Codec {
        #[cfg(feature = "zstd")]
        return Codec::Zstd;
        #[cfg(not(feature = "zstd"))]
        Codec::Snappy
    }

    fn compression(self) -> Result<Compression> {
        Ok(match self {
            #[cfg(feature = "zstd")]
            Codec::Zstd => Compression::ZSTD(ZstdLevel::try_new(3)?),
            Codec::Snappy => Compression::SNAPPY,
        })
    }
}

/// What every file of an export says in its key-value metadata.
#[derive(Clone, Debug)]
pub struct Meta<'a> {
    /// The sensor (the host the capture was taken on).
    pub sensor: &'a str,
    /// The capture's id.
    pub capture_id: &'a str,
    /// The Community ID seed the rows were hashed with.
    pub seed: u16,
}

/// Rows of a row group: the columns of this many rows are built and held at once (a
/// capture's 80,000 transactions in one group held 200 MB of column values).
pub const ROW_GROUP_ROWS: usize = 16_384;

/// Writes `rows` rows of one table as a Parquet file to `out`, in row groups of
/// [`ROW_GROUP_ROWS`]: `columns` builds the columns of a range of the rows.
pub fn write_table<W: Write + Send>(
    table: Table,
    rows: usize,
    columns: impl Fn(std::ops::Range<usize>) -> Result<Vec<Column>>,
    meta: &Meta<'_>,
    codec: Codec,
    out: W,
) -> Result<W> {
    let schema = match table {
        Table::Sessions => tables::sessions_schema(),
        Table::Transactions => tables::transactions_schema(),
        Table::Captures => tables::captures_schema(),
    };
    let schema = Arc::new(parse_message_type(&schema)?);
    let kv = |k: &str, v: String| KeyValue::new(format!("wirelens.{k}"), v);
    let props = WriterProperties::builder()
        .set_compression(codec.compression()?)
        .set_created_by(format!("wirelens {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![
            kv("table", table.dir().to_owned()),
            kv("schema_version", SCHEMA_VERSION.to_string()),
            kv("community_id_seed", meta.seed.to_string()),
            kv("sensor", meta.sensor.to_owned()),
            kv("capture_id", meta.capture_id.to_owned()),
        ]))
        .build();
    let mut writer = SerializedFileWriter::new(out, schema.clone(), Arc::new(props))?;
    let leaves = schema_leaves(&schema);
    // One group even without rows, so that the file has its columns' metadata.
    let mut start = 0;
    loop {
        let end = rows.min(start + ROW_GROUP_ROWS);
        let columns = columns(start..end)?;
        if leaves.len() != columns.len() {
            return Err(ParquetError::General(format!(
                "{}: {} columns for {} leaves",
                table.dir(),
                columns.len(),
                leaves.len()
            )));
        }
        let mut rg = writer.next_row_group()?;
        let mut i = 0;
        while let Some(mut col) = rg.next_column()? {
            let c = &columns[i];
            if c.values.physical() != leaves[i] {
                return Err(ParquetError::General(format!(
                    "{}: column {i} is {:?}, the schema says {:?}",
                    table.dir(),
                    c.values.physical(),
                    leaves[i]
                )));
            }
            columns::write(&mut col, c)?;
            col.close()?;
            i += 1;
        }
        rg.close()?;
        start = end;
        if start >= rows {
            break;
        }
    }
    writer.into_inner()
}

fn schema_leaves(t: &parquet::schema::types::Type) -> Vec<parquet::basic::Type> {
    if t.is_primitive() {
        return vec![t.get_physical_type()];
    }
    t.get_fields()
        .iter()
        .flat_map(|f| schema_leaves(f))
        .collect()
}

/// `YYYY-MM-DD` (UTC) of a time in ns since the epoch.
pub fn day(ns: i64) -> String {
    let (y, m, d) =
        wirelens_core::query::fields::civil_from_days(ns.div_euclid(86_400_000_000_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Where a table's file of one capture and day goes, relative to the lake's root.
pub fn part_path(table: Table, date: &str, sensor: &str, capture_id: &str) -> String {
    format!(
        "{}/date={date}/sensor={sensor}/part-{capture_id}.parquet",
        table.dir()
    )
}

/// A sensor name goes into paths: letters, digits, `.`, `_` and `-` only.
pub fn check_sensor(name: &str) -> std::result::Result<(), String> {
    if name.is_empty()
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(format!(
            "sensor name {name:?}: use letters, digits, '.', '_' and '-' (not first '.')"
        ));
    }
    Ok(())
}

/// One file a capture adds to the lake: a table's rows of one day.
pub struct Part<'a> {
    /// The table.
    pub table: Table,
    /// The day (UTC) of the rows' start, `YYYY-MM-DD`: the `date` partition.
    pub date: String,
    rows: PartRows<'a>,
}

enum PartRows<'a> {
    Sessions(Vec<&'a SessionRow>),
    Transactions(Vec<&'a TransactionRow>),
    Capture(&'a CaptureRow),
}

impl Part<'_> {
    /// Rows in the file.
    pub fn len(&self) -> usize {
        match &self.rows {
            PartRows::Sessions(r) => r.len(),
            PartRows::Transactions(r) => r.len(),
            PartRows::Capture(_) => 1,
        }
    }

    /// Whether the file has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The columns of rows `r` (a row group).
    pub fn columns(&self, r: std::ops::Range<usize>) -> Vec<Column> {
        match &self.rows {
            PartRows::Sessions(rows) => tables::sessions_columns(&rows[r]),
            PartRows::Transactions(rows) => tables::transactions_columns(&rows[r]),
            PartRows::Capture(row) => tables::captures_columns(std::slice::from_ref(*row)),
        }
    }

    /// Where the file goes, relative to the lake's root.
    pub fn path(&self, sensor: &str, capture_id: &str) -> String {
        part_path(self.table, &self.date, sensor, capture_id)
    }

    /// The file's Parquet bytes.
    pub fn write(&self, meta: &Meta<'_>, codec: Codec) -> Result<Vec<u8>> {
        write_table(
            self.table,
            self.len(),
            |r| Ok(self.columns(r)),
            meta,
            codec,
            Vec::new(),
        )
    }
}

/// The files one capture adds to the lake, the captures table's last (its presence
/// says the capture is in the lake): a file per table and day.
pub fn capture_parts<'a>(rows: &'a Rows, capture: &'a CaptureRow) -> Vec<Part<'a>> {
    let mut out = Vec::new();
    let mut by_day_s: BTreeMap<String, Vec<&SessionRow>> = BTreeMap::new();
    for s in &rows.sessions {
        by_day_s.entry(day(s.ts_ns)).or_default().push(s);
    }
    for (date, part) in by_day_s {
        out.push(Part {
            table: Table::Sessions,
            date,
            rows: PartRows::Sessions(part),
        });
    }
    let mut by_day_t: BTreeMap<String, Vec<&TransactionRow>> = BTreeMap::new();
    for t in &rows.transactions {
        by_day_t.entry(day(t.ts_ns)).or_default().push(t);
    }
    for (date, part) in by_day_t {
        out.push(Part {
            table: Table::Transactions,
            date,
            rows: PartRows::Transactions(part),
        });
    }
    // A capture without packets still goes in (so that it is not exported again), under
    // 1970-01-01: it has no day of its own.
    out.push(Part {
        table: Table::Captures,
        date: day(capture.first_ns.unwrap_or(0)),
        rows: PartRows::Capture(capture),
    });
    out
}

/// Every file one capture adds to the lake: (path relative to the root, Parquet bytes),
/// in the order of [`capture_parts`].
pub fn capture_files(
    rows: &Rows,
    capture: &CaptureRow,
    sensor: &str,
    seed: u16,
    codec: Codec,
) -> Result<Vec<(String, Vec<u8>)>> {
    let meta = Meta {
        sensor,
        capture_id: &capture.capture_id,
        seed,
    };
    capture_parts(rows, capture)
        .iter()
        .map(|p| Ok((p.path(sensor, &capture.capture_id), p.write(&meta, codec)?)))
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;
    use wirelens_core::query::lake::CaptureRow;

    /// Rows past a row group's go into the next ones, each row once, in order.
    #[test]
    fn rows_go_into_row_groups_in_order() {
        let n = 2 * ROW_GROUP_ROWS + 5;
        let rows: Vec<CaptureRow> = (0..n)
            .map(|i| CaptureRow {
                capture_id: format!("c{i}"),
                file: "f".into(),
                size: i as u64,
                format: None,
                compression: None,
                packets: 0,
                first_ns: None,
                last_ns: None,
                sessions: 0,
                transactions: 0,
                interfaces: Vec::new(),
                errors: Vec::new(),
            })
            .collect();
        let meta = Meta {
            sensor: "s",
            capture_id: "c",
            seed: 0,
        };
        let bytes = write_table(
            Table::Captures,
            n,
            |r| Ok(tables::captures_columns(&rows[r])),
            &meta,
            Codec::Snappy,
            Vec::new(),
        )
        .expect("written");
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).expect("a Parquet file");
        assert_eq!(reader.metadata().num_row_groups(), 3);
        let sizes: Vec<i64> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| r.expect("a row").get_long(2).expect("size"))
            .collect();
        assert_eq!(sizes, (0..n as i64).collect::<Vec<_>>());
        // No rows: one empty group, the columns described.
        let empty = write_table(
            Table::Captures,
            0,
            |r| Ok(tables::captures_columns(&rows[r])),
            &meta,
            Codec::Snappy,
            Vec::new(),
        )
        .expect("written");
        let reader = SerializedFileReader::new(bytes::Bytes::from(empty)).expect("a Parquet file");
        assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
    }
}
