//! Closed files, off the capture path: a thread of its own makes each file durable
//! (`fsync`), gives it its final name (the file being written is `NAME.part`, so a copier
//! matching `web-*.pcapng` never takes a half-written file), compresses it
//! (`--compress`), and hands it to `--post-rotate` (one command at a time), in the order
//! the files were closed.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::log;
use crate::options::Compression;
use crate::rotation::{FileState, Ledger};

/// How long the end of the capture waits for `--post-rotate` commands still to run.
const POST_ROTATE_WAIT: Duration = Duration::from_secs(30);

/// A file just closed by the capture loop.
pub struct Closed {
    /// Its number in the ledger.
    pub seq: u64,
    /// The file, flushed.
    pub file: File,
    /// Its name while written (`NAME.part`).
    pub part: PathBuf,
    /// Its final name.
    pub path: PathBuf,
}

/// What to do with closed files.
#[derive(Clone, Debug, Default)]
pub struct Finishing {
    /// `--compress`.
    pub compress: Option<Compression>,
    /// `--post-rotate`: a shell command, run with the file's name as `$1`.
    pub post_rotate: Option<String>,
}

/// What the thread did, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FinishStats {
    /// Files renamed to their final names.
    pub closed: u64,
    /// Files compressed.
    pub compressed: u64,
    /// `--post-rotate` commands that failed or could not start.
    pub post_rotate_failed: u64,
}

/// The thread and its queue.
pub struct Finisher {
    tx: Option<Sender<Closed>>,
    thread: Option<JoinHandle<FinishStats>>,
}

impl Finisher {
    /// Starts the thread. It updates `ledger` as files change names and sizes, and
    /// deletes files the capture loop doomed while they were being finished.
    pub fn start(how: Finishing, ledger: Arc<Mutex<Ledger>>) -> io::Result<Finisher> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("finish".into())
            .spawn(move || run(how, ledger, rx))?;
        Ok(Finisher {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues a closed file.
    pub fn send(&self, c: Closed) {
        if let Some(tx) = &self.tx {
            // The thread only ends when the queue closes.
            let _ = tx.send(c);
        }
    }

    /// Finishes every queued file and waits for the post-rotate commands.
    pub fn finish(mut self) -> FinishStats {
        self.tx = None;
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

fn run(how: Finishing, ledger: Arc<Mutex<Ledger>>, rx: Receiver<Closed>) -> FinishStats {
    let mut stats = FinishStats::default();
    // --post-rotate commands run one at a time, in the order the files were closed (an
    // upload script sees them in order), while later files are renamed meanwhile.
    let mut queue: VecDeque<PathBuf> = VecDeque::new();
    let mut running: Option<(PathBuf, Child)> = None;
    let mut closed_at: Option<Instant> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(c) => {
                if let Some(path) = finish_one(&how, &ledger, c, &mut stats) {
                    if how.post_rotate.is_some() {
                        queue.push_back(path);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                closed_at.get_or_insert_with(Instant::now);
            }
        }
        if let Some((path, child)) = &mut running {
            match child.try_wait() {
                Ok(None) => {}
                Ok(Some(status)) => {
                    if !status.success() {
                        stats.post_rotate_failed += 1;
                        log!(
                            "warning: --post-rotate for {} exited with {status}",
                            path.display()
                        );
                    }
                    running = None;
                }
                Err(_) => running = None,
            }
        }
        if running.is_none() {
            if let (Some(path), Some(cmd)) = (queue.pop_front(), &how.post_rotate) {
                match post_rotate(cmd, &path) {
                    Ok(child) => running = Some((path, child)),
                    Err(e) => {
                        stats.post_rotate_failed += 1;
                        log!(
                            "warning: --post-rotate for {}: cannot start sh: {e}",
                            path.display()
                        );
                    }
                }
            }
        }
        if let Some(at) = closed_at {
            if running.is_none() && queue.is_empty() {
                break;
            }
            if at.elapsed() >= POST_ROTATE_WAIT {
                let left = queue.len() + usize::from(running.is_some());
                log!(
                    "warning: {left} --post-rotate commands not run or not finished {}s after the capture stopped; not waited for",
                    POST_ROTATE_WAIT.as_secs()
                );
                break;
            }
        }
    }
    stats
}

/// Syncs, renames and compresses one file; its final path unless it was deleted.
fn finish_one(
    how: &Finishing,
    ledger: &Mutex<Ledger>,
    c: Closed,
    stats: &mut FinishStats,
) -> Option<PathBuf> {
    // Durable before renamed: after a crash the final name never holds a file whose
    // data did not reach the disk.
    if let Err(e) = c.file.sync_data() {
        log!("warning: cannot sync {}: {e}", c.part.display());
    }
    drop(c.file);
    let mut path = match fs::rename(&c.part, &c.path) {
        Ok(()) => c.path.clone(),
        Err(e) => {
            log!(
                "warning: cannot rename {} to {}: {e}",
                c.part.display(),
                c.path.display()
            );
            c.part.clone()
        }
    };
    stats.closed += 1;
    if update(ledger, c.seq, &path, FileState::Finishing) {
        return None;
    }
    if let Some(kind) = how.compress {
        match compress(&path, kind) {
            Ok(z) => {
                stats.compressed += 1;
                path = z;
            }
            Err(e) => log!("warning: cannot compress {}: {e}", path.display()),
        }
    }
    if update(ledger, c.seq, &path, FileState::Done) {
        return None;
    }
    log!("closed {}", path.display());
    Some(path)
}

/// Records the file's name, size and state; true when it was doomed meanwhile (and is
/// now deleted).
fn update(ledger: &Mutex<Ledger>, seq: u64, path: &Path, state: FileState) -> bool {
    let bytes = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut l = ledger.lock().unwrap_or_else(|p| p.into_inner());
    let Some(e) = l.get_mut(seq) else {
        return true;
    };
    e.path = path.to_path_buf();
    e.bytes = bytes;
    e.state = state;
    if !e.doomed {
        return false;
    }
    l.remove(seq);
    drop(l);
    match fs::remove_file(path) {
        Ok(()) => log!("deleted {} (for disk space)", path.display()),
        Err(e) => log!("warning: cannot remove {}: {e}", path.display()),
    }
    true
}

/// Compresses `path` into `path.gz` (or `.zst`), written as `.part` first; removes
/// `path`. Returns the new name.
pub fn compress(path: &Path, kind: Compression) -> io::Result<PathBuf> {
    let mut name = path.as_os_str().to_owned();
    name.push(match kind {
        Compression::Gzip => ".gz",
        Compression::Zstd => ".zst",
    });
    let out_path = PathBuf::from(name);
    let mut part = out_path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let result = (|| {
        let input = BufReader::with_capacity(256 * 1024, File::open(path)?);
        let out = File::create(&part)?;
        let mut w = BufWriter::with_capacity(256 * 1024, &out);
        match kind {
            Compression::Gzip => {
                // Level 1: the files are large and the CPU is the capture's.
                let mut gz = flate2::write::GzEncoder::new(&mut w, flate2::Compression::fast());
                io::copy(&mut { input }, &mut gz)?;
                gz.finish()?;
            }
            Compression::Zstd => zstd(input, &mut w)?,
        }
        w.flush()?;
        drop(w);
        out.sync_data()?;
        fs::rename(&part, &out_path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&part);
        return Err(e);
    }
    fs::remove_file(path)?;
    Ok(out_path)
}

/// ruzstd's encoder (pure Rust) panics on an I/O error instead of returning it: reads
/// and writes go through adapters that keep the first error and end the stream, and the
/// encoder runs under `catch_unwind`.
fn zstd(input: impl Read, out: &mut impl Write) -> io::Result<()> {
    struct In<R> {
        r: R,
        err: Option<io::Error>,
    }
    impl<R: Read> Read for In<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.err.is_some() {
                return Ok(0);
            }
            match self.r.read(buf) {
                Ok(n) => Ok(n),
                Err(e) => {
                    self.err = Some(e);
                    Ok(0)
                }
            }
        }
    }
    struct Out<'a, W> {
        w: &'a mut W,
        err: Option<io::Error>,
    }
    impl<W: Write> Write for Out<'_, W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.err.is_none() {
                if let Err(e) = self.w.write_all(buf) {
                    self.err = Some(e);
                }
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut i = In {
        r: input,
        err: None,
    };
    let mut o = Out { w: out, err: None };
    let ran = catch_unwind(AssertUnwindSafe(|| {
        ruzstd::encoding::compress(&mut i, &mut o, ruzstd::encoding::CompressionLevel::Fastest)
    }));
    if ran.is_err() {
        return Err(io::Error::other("the zstd encoder failed"));
    }
    match (i.err, o.err) {
        (Some(e), _) | (None, Some(e)) => Err(e),
        (None, None) => Ok(()),
    }
}

/// Starts `sh -c 'CMD "$1"' sh FILE`: CMD may hold arguments; the file comes last.
fn post_rotate(cmd: &str, path: &Path) -> io::Result<Child> {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{cmd} \"$1\""))
        .arg("wirelens-capture")
        .arg(path)
        .stdin(Stdio::null())
        .spawn()
}

#[cfg(test)]
mod test {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wirelens-finish-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn decompress(path: &Path) -> Vec<u8> {
        let bytes = fs::read(path).unwrap();
        let mut out = Vec::new();
        if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
        } else {
            ruzstd::decoding::StreamingDecoder::new(&bytes[..])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
        }
        out
    }

    #[test]
    fn files_compress_and_read_back() {
        let d = scratch("z");
        let data: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 977).to_le_bytes())
            .collect();
        for kind in [Compression::Gzip, Compression::Zstd] {
            let p = d.join(format!("f-{kind:?}.pcapng"));
            fs::write(&p, &data).unwrap();
            let z = compress(&p, kind).unwrap();
            assert!(!p.exists(), "the uncompressed file is removed");
            assert!(fs::metadata(&z).unwrap().len() < data.len() as u64 / 2);
            assert_eq!(decompress(&z), data, "{kind:?}");
        }
        // A file that is not there: an error, nothing left behind.
        assert!(compress(&d.join("gone.pcapng"), Compression::Gzip).is_err());
        assert!(!d.join("gone.pcapng.gz.part").exists());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn closed_files_are_renamed_compressed_and_handed_on_in_order() {
        let _apart = crate::forks_apart();
        let d = scratch("run");
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let list = d.join("list");
        let f = Finisher::start(
            Finishing {
                compress: Some(Compression::Gzip),
                post_rotate: Some(format!("echo >>{} ", list.display())),
            },
            Arc::clone(&ledger),
        )
        .unwrap();
        for seq in 1..=3u64 {
            let path = d.join(format!("c-{seq}.pcapng"));
            let part = d.join(format!("c-{seq}.pcapng.part"));
            fs::write(&part, vec![seq as u8; 10_000]).unwrap();
            ledger.lock().unwrap().add(seq, part.clone(), 10_000);
            if seq == 2 {
                // Doomed (for disk space) while it waits: deleted, not handed on.
                ledger.lock().unwrap().get_mut(2).unwrap().doomed = true;
            }
            f.send(Closed {
                seq,
                file: File::open(&part).unwrap(),
                part,
                path,
            });
        }
        let stats = f.finish();
        assert_eq!(
            (stats.closed, stats.compressed, stats.post_rotate_failed),
            (3, 2, 0)
        );
        let listed = fs::read_to_string(&list).unwrap();
        let want = format!(
            "{}\n{}\n",
            d.join("c-1.pcapng.gz").display(),
            d.join("c-3.pcapng.gz").display()
        );
        assert_eq!(listed, want);
        let mut left: Vec<String> = fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["c-1.pcapng.gz", "c-3.pcapng.gz", "list"]);
        let l = ledger.lock().unwrap();
        let states: Vec<(u64, FileState)> = l.files().map(|e| (e.seq, e.state)).collect();
        assert_eq!(states, [(1, FileState::Done), (3, FileState::Done)]);
        assert_eq!(decompress(&d.join("c-3.pcapng.gz")), vec![3u8; 10_000]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_failing_post_rotate_is_counted() {
        let _apart = crate::forks_apart();
        let d = scratch("fail");
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let f = Finisher::start(
            Finishing {
                compress: None,
                post_rotate: Some("false".into()),
            },
            Arc::clone(&ledger),
        )
        .unwrap();
        let part = d.join("a.pcapng.part");
        fs::write(&part, b"x").unwrap();
        ledger.lock().unwrap().add(1, part.clone(), 1);
        f.send(Closed {
            seq: 1,
            file: File::open(&part).unwrap(),
            part,
            path: d.join("a.pcapng"),
        });
        assert_eq!(f.finish().post_rotate_failed, 1);
        assert!(d.join("a.pcapng").exists());
        let _ = fs::remove_dir_all(&d);
    }
}
