//! Capture files (or stdin) read through the core's driver, which merges them into one
//! timeline and says which file and which bytes it needs next; here is only the reading.

use anyhow::Context as _;
use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::driver::{Driver, Options};
use wirelens_core::ingest::Stages;
use wirelens_core::query::scan::{Scan, Step};

/// Bytes read at a time.
const CHUNK: u64 = 1 << 20;

/// The capture files of a command, in the order given.
pub struct Inputs {
    /// As given on the command line (`-`: stdin).
    names: Vec<String>,
    /// Where each file's bytes are: a path, or stdin read as it comes.
    paths: Vec<Option<PathBuf>>,
    /// Stdin copied to a temporary file, to be read again.
    _spooled: Option<TempFile>,
    /// Files opened to be read again.
    open: RefCell<Vec<Option<File>>>,
}

/// A temporary copy of stdin, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Inputs {
    /// The files named on the command line. With `reread`, packets will be read again
    /// after the ingest: stdin (`-`, at most once) is then copied to a temporary file,
    /// deleted when this is dropped.
    pub fn new(names: &[String], reread: bool) -> anyhow::Result<Self> {
        let mut spooled = None;
        let mut paths = Vec::with_capacity(names.len());
        for name in names {
            if name != "-" {
                paths.push(Some(PathBuf::from(name)));
            } else if !reread {
                paths.push(None);
            } else if spooled.is_some() {
                anyhow::bail!("stdin (-) can be read only once");
            } else {
                let t = spool_stdin()?;
                paths.push(Some(t.0.clone()));
                spooled = Some(t);
            }
        }
        Ok(Inputs {
            names: names.to_vec(),
            open: RefCell::new((0..paths.len()).map(|_| None).collect()),
            paths,
            _spooled: spooled,
        })
    }

    /// Reads every file into one capture, merged by time. Damaged files are not fatal:
    /// their errors are in `Capture::errors` and every packet before the damage is kept.
    pub fn read(&self, options: &Options) -> anyhow::Result<Capture> {
        let mut driver = Driver::new(options, CHUNK);
        let mut readers: Vec<Box<dyn Read>> = Vec::with_capacity(self.names.len());
        for (name, path) in self.names.iter().zip(&self.paths) {
            readers.push(match path {
                None => Box::new(std::io::stdin().lock()),
                Some(p) => {
                    Box::new(File::open(p).with_context(|| format!("cannot open {}", p.display()))?)
                }
            });
            driver.add_file(if name == "-" { "<stdin>" } else { name }, None);
        }
        let mut buf = vec![0u8; CHUNK as usize];
        while let Some(read) = driver.next_read() {
            let want = (read.len as usize).min(buf.len());
            match readers[read.file].read(&mut buf[..want]) {
                Ok(n) => driver.supply(read.file, &buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => driver.read_failed(read.file, &e.to_string()),
            }
        }
        Ok(driver.finish())
    }

    /// Runs `scan` on, reading the byte ranges it names, to the next packet that passes
    /// its filter (None: the end).
    pub fn next_match(&self, scan: &mut Scan<'_>) -> Option<usize> {
        loop {
            match scan.step() {
                Step::Fetch(f) => match self.fetch(f.file, f.start, f.end) {
                    Ok(bytes) => scan.supply(&f, &bytes),
                    Err(e) => scan.fetch_failed(&f, &e),
                },
                Step::Match(i) => return Some(i),
                Step::Done => return None,
            }
        }
    }

    /// Reads bytes `[start, end)` of file `file` as stored (fewer at its end): what the
    /// core's re-read planner names.
    pub fn fetch(&self, file: usize, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let mut open = self.open.borrow_mut();
        let (Some(slot), Some(Some(path))) = (open.get_mut(file), self.paths.get(file)) else {
            return Err("the file cannot be read again".into());
        };
        if slot.is_none() {
            *slot =
                Some(File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?);
        }
        let f = slot.as_mut().expect("opened");
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize);
        f.seek(SeekFrom::Start(start))
            .and_then(|_| f.take(end.saturating_sub(start)).read_to_end(&mut out))
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

fn spool_stdin() -> anyhow::Result<TempFile> {
    let path = std::env::temp_dir().join(format!("wirelens-stdin-{}.cap", std::process::id()));
    let tmp = TempFile(path);
    let mut out =
        File::create(&tmp.0).with_context(|| format!("cannot create {}", tmp.0.display()))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut out)
        .context("cannot copy stdin to a temporary file")?;
    Ok(tmp)
}

/// Reads every file (`-` is stdin) into one capture, merged by timestamp, running only
/// the pipeline's `stages` that the command's answer needs.
pub fn read_captures(paths: &[String], stages: Stages) -> anyhow::Result<Capture> {
    Inputs::new(paths, false)?.read(&Options {
        stages,
        ..Options::default()
    })
}

/// Prints the capture's errors to stderr; returns whether there were any.
pub fn report_errors(capture: &Capture) -> bool {
    for e in &capture.errors {
        eprintln!("wirelens: {e}");
    }
    !capture.errors.is_empty()
}
