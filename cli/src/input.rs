//! Reading capture files (or stdin) into the core, in chunks, merged into one timeline.

use anyhow::Context as _;
use std::io::Read;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::{Ingest, Stages};

const CHUNK: usize = 1 << 20;

/// Reads every file (`-` is stdin) into one capture, merged by timestamp, running only
/// the pipeline's `stages` that the command's answer needs. Damaged files are not fatal:
/// their errors are in `Capture::errors` and every packet before the damage is kept.
pub fn read_captures(paths: &[String], stages: Stages) -> anyhow::Result<Capture> {
    let mut ingest = Ingest::with_stages(stages);
    let mut readers: Vec<Box<dyn Read>> = Vec::with_capacity(paths.len());
    for path in paths {
        let reader: Box<dyn Read> = if path == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?)
        };
        readers.push(reader);
        ingest.add_file(if path == "-" { "<stdin>" } else { path });
    }
    let mut buf = vec![0u8; CHUNK];
    // The merge asks for the file whose next packet it needs; each read is one chunk.
    while let Some(file) = ingest.wants() {
        match readers[file].read(&mut buf) {
            Ok(0) => ingest.close_file(file),
            Ok(n) => ingest.feed_file(file, &buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", paths[file])),
        }
    }
    Ok(ingest.finish())
}

/// Prints the capture's errors to stderr; returns whether there were any.
pub fn report_errors(capture: &Capture) -> bool {
    for e in &capture.errors {
        eprintln!("wirelens: {e}");
    }
    !capture.errors.is_empty()
}
