//! Exports: the displayed packets or one stream's as a capture file, through core's
//! writer (`query::export`, as `tshark -w` writes them); a table as CSV or JSON.

use crate::files::BlobWriter;
use crate::reading;
use crate::session::Session;
use crate::tables::RowRef;
use std::io::Write as _;
use wirelens_core::capture::flow::L4;
use wirelens_core::query::export::{Export, OutputFormat};
use wirelens_web::protocol::{Column, FileData, StreamRef};

/// The name of a file made from the capture: its first file's name without the
/// extensions, then `suffix`.
fn name_for(s: &Session, suffix: &str) -> String {
    let first = s
        .capture
        .files
        .first()
        .map_or("capture", |f| f.name.as_str());
    let stem = first
        .split('.')
        .next()
        .filter(|x| !x.is_empty())
        .unwrap_or("capture");
    format!("{stem}-{suffix}")
}

/// The packets of a stream (all of them), or the displayed packets, as pcap or pcapng.
pub async fn packets(
    s: &Session,
    stream: Option<StreamRef>,
    pcapng: bool,
) -> Result<FileData, String> {
    let capture = &s.capture;
    let (indices, what): (Vec<usize>, String) = match stream {
        Some(st) => {
            let l4 = if st.udp { L4::Udp } else { L4::Tcp };
            let flow = capture
                .conversations
                .iter()
                .position(|c| c.proto == l4 && c.stream == st.stream)
                .ok_or_else(|| format!("there is no {} stream {}", l4.name(), st.stream))?
                as u32;
            (
                capture
                    .packets
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.flow == flow)
                    .map(|(i, _)| i)
                    .collect(),
                format!("{}-stream-{}", l4.name(), st.stream),
            )
        }
        None => {
            let view = s.view.borrow();
            let all = view.indices.is_none();
            let n = view.len(capture) as usize;
            let v: Vec<usize> = (0..n).filter_map(|r| view.packet(r)).collect();
            (
                v,
                if all {
                    "all".into()
                } else {
                    "displayed".into()
                },
            )
        }
    };
    let format = if pcapng {
        OutputFormat::PcapNg { big_endian: false }
    } else {
        // Nanoseconds only when an interface's clock is finer than a microsecond.
        let nanos = capture
            .interfaces
            .iter()
            .any(|i| i.interface.ts_per_sec > 1_000_000);
        OutputFormat::Pcap {
            big_endian: false,
            nanos,
        }
    };
    let mut out = Export::new(capture, format, BlobWriter::new()).map_err(|e| e.to_string())?;
    let mut failed = None;
    let mut written = 0usize;
    reading::run(s, &indices, |i, bytes| {
        if failed.is_none() {
            match out.packet(i, bytes) {
                Ok(()) => written += 1,
                Err(e) => failed = Some(e.to_string()),
            }
        }
    })
    .await?;
    if let Some(e) = failed {
        return Err(e);
    }
    if written != indices.len() {
        return Err(format!(
            "{} of {} packets could not be read again",
            indices.len() - written,
            indices.len()
        ));
    }
    let ext = if pcapng { "pcapng" } else { "pcap" };
    out.finish().map_err(|e| e.to_string())?.finish(
        name_for(s, &format!("{what}.{ext}")),
        "application/vnd.tcpdump.pcap",
    )
}

/// A table's rows as CSV (a header of column keys) or JSON (an array of objects keyed
/// like the columns; numbers as numbers).
pub fn table(
    s: &Session,
    name: &str,
    columns: &[Column],
    rows: &mut dyn Iterator<Item = RowRef<'_>>,
    csv: bool,
) -> Result<FileData, String> {
    let mut w = BlobWriter::new();
    let write =
        |w: &mut BlobWriter, text: &str| w.write_all(text.as_bytes()).map_err(|e| e.to_string());
    if csv {
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut l = cells.map(csv_field).collect::<Vec<_>>().join(",");
            l.push_str("\r\n");
            l
        };
        write(&mut w, &line(&mut columns.iter().map(|c| c.key.as_str())))?;
        for r in rows {
            write(&mut w, &line(&mut r.cells.iter()))?;
        }
    } else {
        write(&mut w, "[")?;
        for (k, r) in rows.enumerate() {
            let obj: serde_json::Map<String, serde_json::Value> = columns
                .iter()
                .zip(r.cells.iter())
                .map(|(c, v)| (c.key.clone(), json_value(c, v)))
                .collect();
            let text = serde_json::to_string(&obj).map_err(|e| e.to_string())?;
            write(&mut w, if k == 0 { "\n  " } else { ",\n  " })?;
            write(&mut w, &text)?;
        }
        write(&mut w, "\n]\n")?;
    }
    let (ext, mime) = if csv {
        ("csv", "text/csv")
    } else {
        ("json", "application/json")
    };
    w.finish(name_for(s, &format!("{name}.{ext}")), mime)
}

/// A cell as CSV (RFC 4180): quoted when it holds a comma, a quote or a line end.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A cell as JSON: a number in a numeric column, null when empty, else the text.
fn json_value(c: &Column, v: &str) -> serde_json::Value {
    if v.is_empty() {
        return serde_json::Value::Null;
    }
    if c.numeric {
        if let Ok(n) = v.parse::<u64>() {
            return n.into();
        }
        if let Some(n) = v.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return n.into();
        }
    }
    v.into()
}
