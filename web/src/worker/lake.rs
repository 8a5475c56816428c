//! "Export as Parquet": the open capture's rows of the lake (core's `query::lake`, as
//! `wirelens export` computes them), their columns packed for the lake worker
//! (`web/src/lake/`), which links the Parquet writer this worker goes without.

use crate::blob;
use crate::files::BlobWriter;
use crate::session::Session;
use wirelens_core::query::lake::{
    self, capture_id, fingerprint_ranges, Origin, DEFAULT_MAX_PACKETS,
};
use wirelens_lake::packed::pack;
use wirelens_lake::{capture_parts, check_sensor};
use wirelens_web::protocol::{LakePart, LakeParts};

/// The Community ID seed: the CLI's default (`wirelens export --seed`).
const SEED: u16 = 0;

/// The lake's files of the open capture under `sensor`.
pub async fn parts(s: &Session, sensor: &str) -> Result<LakeParts, String> {
    check_sensor(sensor)?;
    // A lake's rows are per capture file (frame numbers and streams as tshark numbers
    // that file); several files merged here would give other numbers.
    let [file] = &s.files[..] else {
        return Err(format!(
            "{} files are open as one capture; the lake takes one file at a time \
             (open each on its own, or use `wirelens export DIR`)",
            s.files.len()
        ));
    };
    let name = file.name();
    let size = file.size() as u64;
    // The id from the file's first and last MiB, as the CLI reads them.
    let [head, tail] = fingerprint_ranges(size);
    let head = blob::start(file, head.start, head.end).bytes().await?;
    let tail = blob::start(file, tail.start, tail.end).bytes().await?;
    let id = capture_id(size, &head, &tail);
    let origin = Origin {
        capture_id: &id,
        // The page knows the file's name, not where it lies: `pull --captures DIR` finds
        // it by that name.
        file: &name,
        seed: SEED,
        max_packets: DEFAULT_MAX_PACKETS,
    };
    let rows = lake::rows(&s.capture, &origin);
    let row = lake::capture_row(&s.capture, &origin, size, &rows);
    let mut parts = Vec::new();
    for part in capture_parts(&rows, &row) {
        let mut w = BlobWriter::new();
        pack(&part, &mut w).map_err(|e| e.to_string())?;
        parts.push(LakePart {
            path: part.path(sensor, &id),
            rows: part.len() as u64,
            packed: w.finish(String::new(), "application/octet-stream")?.blob,
        });
    }
    let stem = name
        .split('.')
        .next()
        .filter(|x| !x.is_empty())
        .unwrap_or("capture")
        .to_owned();
    Ok(LakeParts {
        capture_id: id,
        sensor: sensor.to_owned(),
        seed: SEED,
        stem,
        parts,
    })
}
