//! Reading capture files (or stdin) into the core, in chunks.

use anyhow::Context as _;
use std::io::Read;
use wirelens_core::{Capture, Ingest};

const CHUNK: usize = 1 << 20;

/// Reads every file (`-` is stdin) into one capture. Damaged files are not fatal: their
/// errors are in `Capture::errors` and every packet before the damage is kept.
pub fn read_captures(paths: &[String]) -> anyhow::Result<Capture> {
    let mut ingest = Ingest::new();
    let mut buf = vec![0u8; CHUNK];
    for path in paths {
        let mut reader: Box<dyn Read> = if path == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?)
        };
        ingest.begin_file(if path == "-" { "<stdin>" } else { path });
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot read {path}")),
            };
            ingest.feed(&buf[..n]);
        }
        ingest.end_file();
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
