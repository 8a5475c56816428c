//! Reading the lake back for `pull`: a query's answer (any engine's Parquet or CSV with a
//! `uid` column), the sessions it names with their packets' positions, and the
//! captures those are in.

use crate::dir::LakeDir;
use crate::Table;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use wirelens_core::query::lake::{InterfaceRow, PacketPos};

/// A failure, with the file it concerns.
pub type Error = String;

fn fields(row: &Row) -> impl Iterator<Item = (&String, &Field)> {
    row.get_column_iter()
}

fn field<'r>(row: &'r Row, name: &str) -> Option<&'r Field> {
    fields(row)
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, f)| f)
}

fn int(f: Option<&Field>) -> Option<i64> {
    Some(match f? {
        Field::Byte(v) => i64::from(*v),
        Field::Short(v) => i64::from(*v),
        Field::Int(v) => i64::from(*v),
        Field::Long(v) => *v,
        Field::UByte(v) => i64::from(*v),
        Field::UShort(v) => i64::from(*v),
        Field::UInt(v) => i64::from(*v),
        Field::ULong(v) => i64::try_from(*v).ok()?,
        _ => return None,
    })
}

fn string(f: Option<&Field>) -> Option<String> {
    match f? {
        Field::Str(s) => Some(s.clone()),
        Field::Bytes(b) => std::str::from_utf8(b.data()).ok().map(str::to_owned),
        _ => None,
    }
}

/// The elements of a list field (an engine may write it as a list of groups).
fn elements(f: Option<&Field>) -> &[Field] {
    match f {
        Some(Field::ListInternal(l)) => l.elements(),
        _ => &[],
    }
}

fn rows_of(path: &Path) -> Result<Vec<Row>, Error> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let reader = SerializedFileReader::new(file).map_err(|e| format!("{}: {e}", path.display()))?;
    let iter = reader
        .get_row_iter(None)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    iter.map(|r| r.map_err(|e| format!("{}: {e}", path.display())))
        .collect()
}

/// The `uid`s a query's answer names, in its order, once each: a Parquet file (any
/// engine's), or CSV with a header (a `uid` column).
pub fn answer_uids(path: &Path) -> Result<Vec<String>, Error> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut push = |u: String| {
        if seen.insert(u.clone()) {
            out.push(u);
        }
    };
    if bytes.starts_with(b"PAR1") {
        for row in rows_of(path)? {
            let u = string(field(&row, "uid"))
                .ok_or_else(|| format!("{}: a row without a uid column", path.display()))?;
            push(u);
        }
        return Ok(out);
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap_or(""));
    let col = header
        .iter()
        .position(|h| h == "uid")
        .ok_or_else(|| format!("{}: no uid column in the header", path.display()))?;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        if let Some(u) = split_csv(line).into_iter().nth(col) {
            push(u);
        }
    }
    Ok(out)
}

/// One CSV line's fields (RFC 4180 quoting).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A session as `pull` needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSession {
    /// Its uid.
    pub uid: String,
    /// Its capture.
    pub capture_id: String,
    /// The capture file.
    pub file: String,
    /// `tcp` or `udp`.
    pub proto: String,
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// Where its packets are.
    pub packets: Vec<PacketPos>,
    /// `packets` does not hold them all.
    pub packets_cut: bool,
}

/// A capture as `pull` needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullCapture {
    /// The file.
    pub file: String,
    /// `gzip`, `zstd`…, when compressed.
    pub compression: Option<String>,
    /// `pcap` or `pcapng`.
    pub format: Option<String>,
    /// Its interfaces.
    pub interfaces: Vec<InterfaceRow>,
}

/// The sessions named by `uids` (`{capture id}-{proto}{stream}`), read from the part
/// files of their captures only, in the order of `uids`; uids the lake does not have
/// are returned apart.
pub fn sessions(lake: &LakeDir, uids: &[String]) -> Result<(Vec<PullSession>, Vec<String>), Error> {
    let mut by_capture: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for u in uids {
        let capture = u.split('-').next().unwrap_or("");
        by_capture.entry(capture).or_default().insert(u);
    }
    let mut found: BTreeMap<String, PullSession> = BTreeMap::new();
    for (capture, wanted) in by_capture {
        let parts = lake
            .parts_of(Table::Sessions, capture)
            .map_err(|e| format!("{}: {e}", lake.root().display()))?;
        for part in parts {
            for row in rows_of(&part)? {
                let Some(uid) = string(field(&row, "uid")) else {
                    continue;
                };
                if !wanted.contains(uid.as_str()) {
                    continue;
                }
                let packets = elements(field(&row, "packets"))
                    .iter()
                    .filter_map(|e| match e {
                        Field::Group(g) => Some(PacketPos {
                            offset: u64::try_from(int(field(g, "offset"))?).ok()?,
                            ts_ns: int(field(g, "ts_ns"))?,
                            caplen: u32::try_from(int(field(g, "caplen"))?).ok()?,
                            len: u32::try_from(int(field(g, "len"))?).ok()?,
                            iface: u16::try_from(int(field(g, "iface"))?).ok()?,
                        }),
                        _ => None,
                    })
                    .collect();
                let s = PullSession {
                    capture_id: capture.to_owned(),
                    file: string(field(&row, "file")).unwrap_or_default(),
                    proto: string(field(&row, "proto")).unwrap_or_default(),
                    stream: int(field(&row, "stream"))
                        .and_then(|s| u32::try_from(s).ok())
                        .unwrap_or(u32::MAX),
                    packets,
                    packets_cut: matches!(field(&row, "packets_cut"), Some(Field::Bool(true))),
                    uid: uid.clone(),
                };
                found.insert(uid, s);
            }
        }
    }
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for u in uids {
        match found.remove(u) {
            Some(s) => out.push(s),
            None => missing.push(u.clone()),
        }
    }
    Ok((out, missing))
}

/// A capture's row.
pub fn capture(lake: &LakeDir, capture_id: &str) -> Result<Option<PullCapture>, Error> {
    let parts = lake
        .parts_of(Table::Captures, capture_id)
        .map_err(|e| format!("{}: {e}", lake.root().display()))?;
    for part in parts {
        if let Some(row) = rows_of(&part)?.into_iter().next() {
            let interfaces = elements(field(&row, "interfaces"))
                .iter()
                .filter_map(|e| match e {
                    Field::Group(g) => Some(InterfaceRow {
                        linktype: u16::try_from(int(field(g, "linktype"))?).ok()?,
                        snaplen: u32::try_from(int(field(g, "snaplen"))?).ok()?,
                        ts_per_sec: u64::try_from(int(field(g, "ts_per_sec"))?).ok()?,
                        name: string(field(g, "name")),
                    }),
                    _ => None,
                })
                .collect();
            return Ok(Some(PullCapture {
                file: string(field(&row, "file")).unwrap_or_default(),
                compression: string(field(&row, "compression")),
                format: string(field(&row, "format")),
                interfaces,
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod test {
    use super::split_csv;

    #[test]
    fn csv_fields() {
        assert_eq!(split_csv("a,\"b,c\",\"d\"\"e\""), ["a", "b,c", "d\"e"]);
        assert_eq!(split_csv("uid\r"), ["uid"]);
    }
}
