//! The files side of the capture: the current file (written as `NAME.part`), rotation,
//! and the disk rules: `-W`, `--max-total` and `--min-free` delete the oldest files of
//! this run or stop writing, so the capture never fills the disk. Closed files go to the
//! [`Finisher`].

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wirelens_core::query::export::writer::{
    self, InterfaceInfo, InterfaceStats, OutputFormat, SectionInfo, Writer,
};

use crate::disk::{self, Amount};
use crate::finish::{Closed, FinishStats, Finisher, Finishing};
use crate::log;
use crate::options::WhenFull;
use crate::rotation::{FileState, Ledger, Rotation};
use crate::Error;

/// A large buffer: one write system call per 256 KiB of packets.
const WRITE_BUFFER: usize = 256 * 1024;
/// How often the current file is flushed while packets arrive.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Record ends remembered between flushes, at most (256 KiB of the smallest records).
const MAX_ENDS: usize = 8192;
/// ... and when no packet came for this long.
const FLUSH_WHEN_QUIET: Duration = Duration::from_millis(200);
/// Free space is looked at after this many bytes written (and once a second).
const CHECK_BYTES: u64 = 1 << 20;

/// What every file is: its format, the section and the one interface.
#[derive(Clone)]
pub struct Kind {
    /// pcap or pcapng.
    pub format: OutputFormat,
    /// The pcapng section header's options.
    pub section: SectionInfo,
    /// The interface (in pcap, its link type and snapshot length alone).
    pub iface: InterfaceInfo,
}

/// The disk rules.
#[derive(Clone, Debug)]
pub struct DiskRules {
    /// `-W`.
    pub keep: Option<usize>,
    /// `--max-total`.
    pub max_total: Option<u64>,
    /// `--min-free`.
    pub min_free: Amount,
    /// `--when-full`.
    pub when_full: WhenFull,
}

/// The libpcap counters a file's statistics block holds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// `ps_recv`.
    pub received: u32,
    /// `ps_drop`.
    pub dropped: u32,
}

/// The statistics closing a pcapng file: which counters are written, so the room they
/// take is known before the file is opened.
pub fn closing_stats(start_ns: i64, c: Counters, delivered: u64) -> InterfaceStats {
    let now = crate::now_ns();
    InterfaceStats {
        ts_ns: now,
        start_ns: Some(start_ns),
        end_ns: Some(now),
        received: Some(u64::from(c.received)),
        // libpcap's ps_drop: packets the kernel dropped for want of buffer space
        // (dumpcap writes the same counter here).
        dropped: Some(u64::from(c.dropped)),
        filter_accepted: None,
        os_dropped: None,
        delivered: Some(delivered),
    }
}

struct Current {
    seq: u64,
    part: PathBuf,
    path: PathBuf,
    writer: Writer<BufWriter<File>>,
    /// Bytes of the file known to be on disk whole (at the last flush).
    flushed: u64,
    /// Where each record written since then ends: after a failed write, the file is cut
    /// at the last of them that reached the disk.
    ends: VecDeque<u64>,
    unflushed: bool,
    last_flush: Instant,
    last_write: Instant,
}

/// What the files side did, for the summary.
#[derive(Clone, Debug, Default)]
pub struct OutputStats {
    /// Files opened.
    pub files_opened: u64,
    /// Packets written.
    pub packets: u64,
    /// Packet bytes written (captured lengths).
    pub bytes: u64,
    /// Packets captured but not written: the disk was short of space.
    pub not_written: u64,
    /// Files of this run deleted by `-W`, `--max-total` or `--min-free`.
    pub deleted: u64,
    /// This run's files still on disk at the end, oldest first.
    pub kept: Vec<PathBuf>,
    /// What the finisher did.
    pub finish: FinishStats,
}

/// The files side. See the module documentation.
pub struct Output {
    rotation: Rotation,
    kind: Kind,
    /// Room kept in a file for each packet's comments.
    reserve: u64,
    /// When the capture started (`isb_starttime`).
    start_ns: i64,
    dir: PathBuf,
    rules: DiskRules,
    cur: Option<Current>,
    ledger: Arc<Mutex<Ledger>>,
    finisher: Option<Finisher>,
    /// Why nothing is written now (the disk is short of space).
    paused: Option<String>,
    checked_at: Instant,
    unchecked_bytes: u64,
    /// Who the files are created as, for error messages.
    user: Option<String>,
    stats: OutputStats,
}

impl Output {
    /// Ready to open the first file (at the first packet). Starts the finisher thread.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rotation: Rotation,
        kind: Kind,
        reserve: u64,
        prefix: &Path,
        rules: DiskRules,
        finishing: Finishing,
        user: Option<String>,
    ) -> Result<Output, Error> {
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let finisher =
            Finisher::start(finishing, Arc::clone(&ledger)).map_err(|e| Error::File {
                path: prefix.to_path_buf(),
                action: "cannot start the thread finishing",
                source: e,
            })?;
        let dir = match prefix.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Output {
            rotation,
            kind,
            reserve,
            start_ns: crate::now_ns(),
            dir,
            rules,
            cur: None,
            ledger,
            finisher: Some(finisher),
            paused: None,
            checked_at: Instant::now(),
            unchecked_bytes: 0,
            user,
            stats: OutputStats::default(),
        })
    }

    /// Opens the first file now, so a capture shows its file (and a directory the user
    /// cannot write to fails) from the start.
    pub fn start(&mut self) -> Result<(), Error> {
        self.open_next(crate::now_ns(), &mut || None)
    }

    /// Whether a packet of `caplen` bytes at `ts_ns` would start a new file.
    pub fn needs_new_file(&self, ts_ns: i64, caplen: usize) -> bool {
        let len = writer::packet_len(self.kind.format, caplen, &[]) + self.reserve;
        self.paused.is_none() && (self.cur.is_none() || self.rotation.needs_new_file(len, ts_ns))
    }

    /// Writes one packet, rotating (and applying the disk rules) first when it needs a
    /// new file. `comments` gives the packet's comments for the file number it goes to;
    /// `counters` the libpcap counters for the statistics closing a file.
    pub fn write(
        &mut self,
        ts_ns: i64,
        data: &[u8],
        orig_len: u32,
        comments: impl FnOnce(u64) -> Option<(String, Option<String>)>,
        counters: &mut dyn FnMut() -> Option<Counters>,
    ) -> Result<(), Error> {
        if self.paused.is_some() {
            self.stats.not_written += 1;
            return Ok(());
        }
        let len = writer::packet_len(self.kind.format, data.len(), &[]) + self.reserve;
        if self.cur.is_none() || self.rotation.needs_new_file(len, ts_ns) {
            self.open_next(ts_ns, counters)?;
            if self.paused.is_some() {
                self.stats.not_written += 1;
                return Ok(());
            }
        }
        let file = self.rotation.current_seq();
        let c = comments(file);
        let mut list: Vec<&str> = Vec::new();
        if let Some((p, u)) = &c {
            list.push(p);
            list.extend(u.as_deref());
        }
        let cur = self.cur.as_mut().expect("a file is open");
        match cur.writer.write_packet(0, ts_ns, data, orig_len, &list) {
            Ok(n) => {
                cur.unflushed = true;
                cur.last_write = Instant::now();
                if cur.ends.len() >= MAX_ENDS {
                    cur.ends.pop_front();
                }
                cur.ends.push_back(cur.writer.bytes());
                self.rotation.wrote(n);
                self.stats.packets += 1;
                self.stats.bytes += data.len() as u64;
                self.unchecked_bytes += n;
            }
            Err(e) => return self.write_failed(e),
        }
        if self.unchecked_bytes >= CHECK_BYTES {
            self.check_disk(counters)?;
        }
        Ok(())
    }

    /// Once a second or so: flushes the current file, applies the disk rules, resumes
    /// writing when space is back.
    pub fn tick(&mut self, counters: &mut dyn FnMut() -> Option<Counters>) -> Result<(), Error> {
        if let Some(cur) = &mut self.cur {
            // Once a second while packets arrive, and as soon as they pause: the file on
            // disk is never more than about a second behind.
            let quiet = cur.last_write.elapsed() >= FLUSH_WHEN_QUIET;
            if cur.unflushed && (quiet || cur.last_flush.elapsed() >= FLUSH_EVERY) {
                match cur.writer.flush() {
                    Ok(()) => {
                        cur.flushed = cur.writer.bytes();
                        cur.ends.clear();
                        cur.unflushed = false;
                        cur.last_flush = Instant::now();
                    }
                    Err(e) => return self.write_failed(e),
                }
            }
        }
        if self.checked_at.elapsed() >= FLUSH_EVERY {
            self.check_disk(counters)?;
            if self.paused.is_some() {
                self.try_resume();
            }
        }
        Ok(())
    }

    /// SIGHUP: closes the current file now; the next packet opens a new one.
    pub fn rotate_now(&mut self, counters: Option<Counters>) {
        if self.cur.is_some() {
            self.close(counters);
            self.rotation.end_file();
        }
    }

    /// Closes the current file (with `counters` in its statistics block) and waits for
    /// the finisher: every file renamed, compressed and handed on.
    pub fn finish(mut self, counters: Option<Counters>) -> OutputStats {
        self.close(counters);
        if let Some(f) = self.finisher.take() {
            self.stats.finish = f.finish();
        }
        let l = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        self.stats.kept = l.files().map(|e| e.path.clone()).collect();
        self.stats.clone()
    }

    /// What it did so far.
    pub fn stats(&self) -> &OutputStats {
        &self.stats
    }

    fn open_next(
        &mut self,
        ts_ns: i64,
        counters: &mut dyn FnMut() -> Option<Counters>,
    ) -> Result<(), Error> {
        if self.cur.is_some() {
            let c = counters();
            self.close(c);
        }
        if let Some(keep) = self.rules.keep {
            let doomed = self.lock().over_count(keep);
            self.delete(&doomed, "-W");
        }
        if let Some(max) = self.rules.max_total {
            let next = self.rotation_limit();
            let doomed = self.lock().over_total(max, next);
            self.delete(&doomed, "--max-total");
        }
        if !self.enough_space(false) {
            return Ok(());
        }
        let path = self.rotation.next_file(ts_ns);
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let file = File::create(&part).map_err(|e| self.file_err(&part, "cannot create", e))?;
        let buffered = BufWriter::with_capacity(WRITE_BUFFER, file);
        // The header goes to disk at once: a file is a valid (empty) capture from the start.
        let k = &self.kind;
        let writer = Writer::new(buffered, k.format, &k.section, &k.iface)
            .and_then(|mut w| w.flush().map(|()| w))
            .map_err(|e| self.file_err(&part, "cannot write", e))?;
        let seq = self.rotation.current_seq();
        self.lock().add(seq, part.clone(), writer.bytes());
        self.stats.files_opened += 1;
        log!("writing {}", part.display());
        self.cur = Some(Current {
            seq,
            part,
            path,
            flushed: writer.bytes(),
            ends: VecDeque::new(),
            writer,
            unflushed: false,
            last_flush: Instant::now(),
            last_write: Instant::now(),
        });
        Ok(())
    }

    /// The size a new file may reach (`-C`), 0 when unbounded.
    fn rotation_limit(&self) -> u64 {
        self.rotation.limits().max_bytes.unwrap_or(0)
    }

    fn file_err(&self, path: &Path, action: &'static str, source: io::Error) -> Error {
        let action = match (&self.user, source.kind()) {
            (Some(_), io::ErrorKind::PermissionDenied) => {
                "cannot create (as the user the capture runs as: see -Z)"
            }
            _ => action,
        };
        Error::File {
            path: path.to_owned(),
            action,
            source,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends the current file: its statistics block, a flush, then the finisher.
    fn close(&mut self, counters: Option<Counters>) {
        let Some(cur) = self.cur.take() else {
            return;
        };
        let Current {
            seq,
            part,
            path,
            mut writer,
            flushed,
            ends,
            ..
        } = cur;
        // pcap has no statistics block: nothing is written there.
        let isb = counters.map(|c| closing_stats(self.start_ns, c, self.stats.packets));
        let done = isb
            .map_or(Ok(0), |isb| writer.write_stats(0, &isb))
            .and_then(|_| writer.finish())
            .and_then(|b| b.into_inner().map_err(|e| e.into_error()));
        let file = match done {
            Ok(f) => f,
            Err(e) => {
                let keep = whole_len(&part, flushed, &ends);
                log!(
                    "error: cannot finish {}: {e}; it keeps its whole packets ({keep} bytes)",
                    part.display()
                );
                match truncate(&part, keep) {
                    Ok(f) => f,
                    Err(e) => {
                        log!("error: cannot truncate {}: {e}", part.display());
                        return;
                    }
                }
            }
        };
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(flushed);
        if let Some(e) = self.lock().get_mut(seq) {
            e.bytes = bytes;
            e.state = FileState::Finishing;
        }
        if let Some(f) = &self.finisher {
            f.send(Closed {
                seq,
                file,
                part,
                path,
            });
        }
    }

    /// A write failed (the disk is full despite the rules, or failing): the file keeps
    /// its packets up to the last flush, and writing stops until there is space.
    fn write_failed(&mut self, e: io::Error) -> Result<(), Error> {
        let Some(cur) = &self.cur else {
            return Ok(());
        };
        let (part, flushed) = (cur.part.clone(), cur.flushed);
        if e.raw_os_error() != Some(libc::ENOSPC) && e.raw_os_error() != Some(libc::EDQUOT) {
            return Err(Error::File {
                path: part,
                action: "cannot write",
                source: e,
            });
        }
        if let Some(cur) = self.cur.take() {
            // Dropping the writer tries its buffer once more; what reached the disk is cut
            // at the last whole record.
            drop(cur.writer);
            let keep = whole_len(&cur.part, flushed, &cur.ends);
            log!(
                "DISK FULL: cannot write {}: {e}; it keeps its whole packets ({keep} bytes)",
                part.display()
            );
            match truncate(&cur.part, keep) {
                Ok(file) => {
                    if let Some(e) = self.lock().get_mut(cur.seq) {
                        e.bytes = keep;
                        e.state = FileState::Finishing;
                    }
                    if let Some(f) = &self.finisher {
                        f.send(Closed {
                            seq: cur.seq,
                            file,
                            part: cur.part,
                            path: cur.path,
                        });
                    }
                }
                Err(e) => log!("error: cannot truncate {}: {e}", cur.part.display()),
            }
            self.rotation.end_file();
        }
        self.pause("the disk is full".into());
        Ok(())
    }

    /// Deletes files of this run: at once when done, else as soon as the finisher is.
    fn delete(&mut self, seqs: &[u64], why: &str) {
        for &seq in seqs {
            let mut l = self.lock();
            let Some(e) = l.get_mut(seq) else {
                continue;
            };
            if e.state != FileState::Done {
                e.doomed = true;
                drop(l);
                self.stats.deleted += 1;
                continue;
            }
            let path = e.path.clone();
            l.remove(seq);
            drop(l);
            self.stats.deleted += 1;
            match std::fs::remove_file(&path) {
                Ok(()) => log!("deleted {} ({why})", path.display()),
                // Someone moved it away already: that is what we wanted.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => log!("warning: cannot remove {}: {e}", path.display()),
            }
        }
    }

    /// While writing: `--max-total` and `--min-free`.
    fn check_disk(&mut self, counters: &mut dyn FnMut() -> Option<Counters>) -> Result<(), Error> {
        self.checked_at = Instant::now();
        self.unchecked_bytes = 0;
        if let Some(cur) = &self.cur {
            let (seq, bytes) = (cur.seq, self.rotation.current_bytes());
            if let Some(e) = self.lock().get_mut(seq) {
                e.bytes = bytes;
            }
        }
        if let Some(max) = self.rules.max_total {
            let doomed = self.lock().over_total(max, 0);
            self.delete(&doomed, "--max-total");
            if self.lock().total() > max && self.cur.is_some() {
                // Only the file being written is left and it is too big: a new one starts,
                // and this one goes when the next would not fit.
                let c = counters();
                self.close(c);
                self.rotation.end_file();
            }
        }
        if self.paused.is_none() && !self.enough_space(true) {
            let c = counters();
            self.close(c);
            self.rotation.end_file();
        }
        Ok(())
    }

    /// `--min-free`: true when writing may go on (after deleting files, with `delete`);
    /// otherwise writing pauses.
    fn enough_space(&mut self, writing: bool) -> bool {
        let Ok(space) = disk::space(&self.dir) else {
            // Cannot tell (the directory is gone?): the next write says what is wrong.
            return true;
        };
        let min = self.rules.min_free.bytes(space.total);
        if space.available >= min {
            return true;
        }
        let short = min - space.available;
        if self.rules.when_full == WhenFull::Delete {
            let doomed = self.lock().to_free(short);
            // Files still being finished free their space a moment later: count them.
            let freed: u64 = {
                let l = self.lock();
                l.files()
                    .filter(|e| doomed.contains(&e.seq))
                    .map(|e| e.bytes)
                    .sum()
            };
            self.delete(&doomed, "--min-free");
            let now = disk::space(&self.dir).map_or(0, |s| s.available);
            if now >= min || (!doomed.is_empty() && freed >= short) {
                return true;
            }
        }
        let what = if writing {
            "while writing"
        } else {
            "before a new file"
        };
        self.pause(format!(
            "{} has {} free {what}, under --min-free {} ({})",
            self.dir.display(),
            human(space.available),
            human(min),
            match self.rules.when_full {
                WhenFull::Stop => "--when-full stop",
                WhenFull::Delete => "--when-full delete, and no file of this run is left to delete",
            }
        ));
        false
    }

    fn pause(&mut self, why: String) {
        log!(
            "STOPPED WRITING: {why}; packets are counted, not written, until there is space again"
        );
        self.paused = Some(why);
    }

    fn try_resume(&mut self) {
        let Ok(space) = disk::space(&self.dir) else {
            return;
        };
        let min = self.rules.min_free.bytes(space.total);
        // Room for a whole file above the minimum, so writing does not stop again at once.
        let margin = self.rotation_limit().max(min / 10).max(1 << 20);
        if space.available >= min.saturating_add(margin) {
            log!(
                "writing again: {} has {} free",
                self.dir.display(),
                human(space.available)
            );
            self.paused = None;
        }
    }
}

/// The length of `part` up to its last whole record: the last of `ends` (or `flushed`)
/// within what is on disk.
fn whole_len(part: &Path, flushed: u64, ends: &VecDeque<u64>) -> u64 {
    let on_disk = std::fs::metadata(part).map_or(flushed, |m| m.len());
    ends.iter()
        .copied()
        .filter(|&e| e <= on_disk)
        .max()
        .unwrap_or(flushed)
        .max(flushed.min(on_disk))
}

/// Cuts a file to `len` bytes (the last whole record) and returns it open for syncing.
fn truncate(path: &Path, len: u64) -> io::Result<File> {
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(len)?;
    Ok(f)
}

/// Bytes for a log line: "1.2 GB".
pub fn human(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b} bytes")
    }
}
