//! When to start a new file, what to call it, and which of this run's files to delete.
//!
//! Pure bookkeeping (no I/O, no clock): the capture loop tells it what it writes and
//! does what it answers, so every rule is tested here without a network. [`Rotation`]
//! says when a file is full and names the next; the [`Ledger`] lists this run's files
//! with their sizes and picks the oldest to delete for `-W`, `--max-total` and
//! `--min-free`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use wirelens_core::query::export::writer::PCAP_HEADER_LEN;

/// What every file of a format has besides its packet records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLayout {
    /// File name extension, without the dot.
    pub extension: &'static str,
    /// Bytes before the first record (pcap file header; pcapng SHB and IDB).
    pub header: u64,
    /// Bytes written after the last record when the file is closed (pcapng ISB).
    pub trailer: u64,
}

impl FileLayout {
    /// Classic pcap: a 24-byte header and nothing at the end.
    pub const PCAP: FileLayout = FileLayout {
        extension: "pcap",
        header: PCAP_HEADER_LEN,
        trailer: 0,
    };
}

/// The limits from `-C`, `-G` and `-W`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `-C`: a file may not grow past this many bytes (unless one record alone does).
    pub max_bytes: Option<u64>,
    /// `-G`: a packet this many nanoseconds or more after a file was opened goes to a
    /// new file.
    pub interval_ns: Option<u64>,
    /// `-W`: at most this many files are kept; opening one more deletes the oldest.
    pub keep: Option<usize>,
}

#[derive(Debug)]
struct Current {
    bytes: u64,
    packets: u64,
    opened_ns: i64,
}

/// Rotation bookkeeping for one run of the daemon.
#[derive(Debug)]
pub struct Rotation {
    prefix: PathBuf,
    limits: Limits,
    layout: FileLayout,
    /// Sequence number of the last file opened (the first file is 1).
    seq: u64,
    current: Option<Current>,
}

impl Rotation {
    /// Files are named after `prefix` (see [`file_name`]); every file has `layout`'s
    /// header and trailer around its records, counted against `-C`.
    pub fn new(prefix: impl Into<PathBuf>, limits: Limits, layout: FileLayout) -> Self {
        Self {
            prefix: prefix.into(),
            limits,
            layout,
            seq: 0,
            current: None,
        }
    }

    /// True when a record of `record_len` bytes, captured at `ts_ns`, must go to a new
    /// file. A file always takes its first packet, however large, so a packet bigger than
    /// `-C` makes a file of one packet instead of an endless rotation.
    pub fn needs_new_file(&self, record_len: u64, ts_ns: i64) -> bool {
        let Some(cur) = &self.current else {
            return true;
        };
        if cur.packets == 0 {
            return false;
        }
        let too_big = self
            .limits
            .max_bytes
            .is_some_and(|max| cur.bytes + record_len + self.layout.trailer > max);
        // A clock stepping backwards gives a negative age: no rotation until it catches up.
        let too_old = self
            .limits
            .interval_ns
            .is_some_and(|g| ts_ns.saturating_sub(cur.opened_ns) >= g.min(i64::MAX as u64) as i64);
        too_big || too_old
    }

    /// Starts the next file, opened at `now_ns` (ns since the Unix epoch); returns its
    /// name.
    pub fn next_file(&mut self, now_ns: i64) -> PathBuf {
        self.seq += 1;
        let start = self.limits.interval_ns.map(|_| now_ns);
        self.current = Some(Current {
            bytes: self.layout.header,
            packets: 0,
            opened_ns: now_ns,
        });
        file_name(&self.prefix, self.seq, start, self.layout.extension)
    }

    /// Records that a record of `record_len` bytes went to the current file.
    pub fn wrote(&mut self, record_len: u64) {
        if let Some(cur) = &mut self.current {
            cur.bytes += record_len;
            cur.packets += 1;
        }
    }

    /// Sequence number of the current file (the first is 1; 0 before any).
    pub fn current_seq(&self) -> u64 {
        self.seq
    }

    /// Files opened so far in this run.
    pub fn files_opened(&self) -> u64 {
        self.seq
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Bytes of the current file so far, its trailer included.
    pub fn current_bytes(&self) -> u64 {
        self.current
            .as_ref()
            .map_or(0, |c| c.bytes + self.layout.trailer)
    }

    /// Ends the current file: the next packet needs a new one (SIGHUP, a pause for
    /// disk space).
    pub fn end_file(&mut self) {
        self.current = None;
    }
}

/// Where a file of this run is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    /// Being written.
    Writing,
    /// Closed; being renamed, compressed, handed to `--post-rotate`.
    Finishing,
    /// Done.
    Done,
}

/// A file of this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number.
    pub seq: u64,
    /// Its name on disk now.
    pub path: PathBuf,
    /// Its bytes on disk now.
    pub bytes: u64,
    /// Where it is in its life.
    pub state: FileState,
    /// To be deleted as soon as it is done.
    pub doomed: bool,
}

/// This run's files still on disk, oldest first. Files of earlier runs are never
/// counted nor deleted.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    files: VecDeque<Entry>,
}

impl Ledger {
    /// Adds a new file, being written.
    pub fn add(&mut self, seq: u64, path: PathBuf, bytes: u64) {
        self.files.push_back(Entry {
            seq,
            path,
            bytes,
            state: FileState::Writing,
            doomed: false,
        });
    }

    /// The file `seq`, if still listed.
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Entry> {
        self.files.iter_mut().find(|e| e.seq == seq)
    }

    /// Takes file `seq` off the list (deleted).
    pub fn remove(&mut self, seq: u64) -> Option<Entry> {
        let i = self.files.iter().position(|e| e.seq == seq)?;
        self.files.remove(i)
    }

    /// The files, oldest first.
    pub fn files(&self) -> impl Iterator<Item = &Entry> {
        self.files.iter()
    }

    /// Bytes on disk of the files that stay (not doomed).
    pub fn total(&self) -> u64 {
        self.files
            .iter()
            .filter(|e| !e.doomed)
            .map(|e| e.bytes)
            .sum()
    }

    /// The oldest files that may go (closed, not doomed yet), oldest first.
    fn deletable(&self) -> impl Iterator<Item = &Entry> {
        self.files
            .iter()
            .filter(|e| e.state != FileState::Writing && !e.doomed)
    }

    /// `-W`: the oldest files to delete so that one more file makes at most `keep`.
    pub fn over_count(&self, keep: usize) -> Vec<u64> {
        let staying = self.files.iter().filter(|e| !e.doomed).count();
        let excess = (staying + 1).saturating_sub(keep.max(1));
        self.deletable().take(excess).map(|e| e.seq).collect()
    }

    /// `--max-total`: the oldest files to delete so that the files that stay and `more`
    /// bytes to come fit in `max` bytes. Fewer when only the file being written is left.
    pub fn over_total(&self, max: u64, more: u64) -> Vec<u64> {
        let mut total = self.total() + more;
        let mut out = Vec::new();
        for e in self.deletable() {
            if total <= max {
                break;
            }
            total -= e.bytes;
            out.push(e.seq);
        }
        out
    }

    /// `--min-free`: the oldest files to delete to free `need` bytes (all of them when
    /// they hold fewer).
    pub fn to_free(&self, need: u64) -> Vec<u64> {
        let mut freed = 0;
        let mut out = Vec::new();
        for e in self.deletable() {
            if freed >= need {
                break;
            }
            freed += e.bytes;
            out.push(e.seq);
        }
        out
    }
}

/// The name of file number `seq` (from 1): `PREFIX-00001.EXT`, or with `-G`, which
/// passes the file's start time, `PREFIX-00001-20240131T235959Z.EXT` (UTC). The number
/// keeps names unique and in order; a trailing `.pcap` or `.pcapng` on the prefix is
/// dropped so `-w web.pcapng` gives `web-00001.pcapng`.
pub fn file_name(prefix: &Path, seq: u64, start_ns: Option<i64>, extension: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    let stripped = prefix.to_str().and_then(|p| {
        p.strip_suffix(".pcapng")
            .or_else(|| p.strip_suffix(".pcap"))
    });
    if let Some(stripped) = stripped {
        if !stripped.is_empty() && !stripped.ends_with('/') {
            name = stripped.into();
        }
    }
    name.push(format!("-{seq:05}"));
    if let Some(ns) = start_ns {
        name.push(format!("-{}", utc_stamp(ns.div_euclid(1_000_000_000))));
    }
    name.push(".");
    name.push(extension);
    name.into()
}

/// `YYYYmmddTHHMMSSZ` for seconds since the Unix epoch (UTC, proleptic Gregorian).
pub fn utc_stamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
/// <https://howardhinnant.github.io/date_algorithms.html#civil_from_days>
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod test {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn without_limits_everything_goes_to_one_file() {
        let mut r = Rotation::new("cap", Limits::default(), FileLayout::PCAP);
        assert!(r.needs_new_file(100, 0), "the first packet needs a file");
        assert_eq!(r.next_file(0), PathBuf::from("cap-00001.pcap"));
        for i in 0..10_000 {
            assert!(!r.needs_new_file(70_000, i * S));
            r.wrote(70_000);
        }
        assert_eq!(r.files_opened(), 1);
    }

    #[test]
    fn size_rotates_before_a_record_would_pass_the_limit() {
        let mut r = Rotation::new(
            "cap",
            Limits {
                max_bytes: Some(1000),
                ..Limits::default()
            },
            FileLayout::PCAP,
        );
        r.next_file(0);
        // 24 header + 9 × 100 = 924; 76 more fit exactly, 77 do not.
        for _ in 0..9 {
            assert!(!r.needs_new_file(100, 0));
            r.wrote(100);
        }
        assert!(!r.needs_new_file(76, 0));
        assert!(r.needs_new_file(77, 0));
        assert_eq!(r.next_file(0), PathBuf::from("cap-00002.pcap"));
        assert!(!r.needs_new_file(77, 0));
    }

    #[test]
    fn the_trailer_written_on_close_counts_against_the_limit() {
        let layout = FileLayout {
            extension: "pcapng",
            header: 100,
            trailer: 88,
        };
        let mut r = Rotation::new(
            "cap",
            Limits {
                max_bytes: Some(1000),
                ..Limits::default()
            },
            layout,
        );
        assert_eq!(r.next_file(0), PathBuf::from("cap-00001.pcapng"));
        r.wrote(100);
        // 100 header + 100 + 712 + 88 trailer = 1000.
        assert!(!r.needs_new_file(712, 0));
        assert!(r.needs_new_file(713, 0));
    }

    #[test]
    fn a_record_larger_than_the_limit_gets_a_file_of_its_own() {
        let mut r = Rotation::new(
            "cap",
            Limits {
                max_bytes: Some(1000),
                ..Limits::default()
            },
            FileLayout::PCAP,
        );
        r.next_file(0);
        assert!(!r.needs_new_file(5000, 0), "an empty file takes any record");
        r.wrote(5000);
        assert!(r.needs_new_file(1, 0));
        r.next_file(0);
        assert!(!r.needs_new_file(5000, 0));
    }

    #[test]
    fn time_rotates_at_the_first_packet_past_the_interval() {
        let limits = Limits {
            interval_ns: Some(60 * S as u64),
            ..Limits::default()
        };
        let mut r = Rotation::new("/data/web", limits, FileLayout::PCAP);
        let t0 = 1_706_745_599 * S; // 2024-01-31T23:59:59Z
        assert_eq!(
            r.next_file(t0),
            PathBuf::from("/data/web-00001-20240131T235959Z.pcap")
        );
        r.wrote(100);
        assert!(!r.needs_new_file(100, t0 + 60 * S - 1));
        assert!(r.needs_new_file(100, t0 + 60 * S));
        assert!(
            !r.needs_new_file(100, t0 - 3600 * S),
            "a clock stepping back does not rotate"
        );
        let t1 = t0 + 3600 * S; // a quiet hour: one new file, not sixty
        assert_eq!(
            r.next_file(t1),
            PathBuf::from("/data/web-00002-20240201T005959Z.pcap")
        );
        r.wrote(100);
        assert!(!r.needs_new_file(100, t1 + 59 * S));
    }

    #[test]
    fn an_empty_file_is_not_rotated_for_time() {
        let limits = Limits {
            interval_ns: Some(S as u64),
            ..Limits::default()
        };
        let mut r = Rotation::new("cap", limits, FileLayout::PCAP);
        r.next_file(0);
        assert!(
            !r.needs_new_file(100, 100 * S),
            "the first packet after a silence stays"
        );
    }

    #[test]
    fn size_and_time_together_rotate_on_either() {
        let limits = Limits {
            max_bytes: Some(1000),
            interval_ns: Some(10 * S as u64),
            keep: None,
        };
        let mut r = Rotation::new("cap", limits, FileLayout::PCAP);
        r.next_file(0);
        r.wrote(100);
        assert!(r.needs_new_file(100, 10 * S));
        assert!(r.needs_new_file(900, 0));
        assert!(!r.needs_new_file(100, 9 * S));
    }

    /// A ledger of `n` closed files of `bytes` each, numbered from 1.
    fn ledger(n: u64, bytes: u64) -> Ledger {
        let mut l = Ledger::default();
        for seq in 1..=n {
            l.add(seq, format!("cap-{seq:05}.pcap").into(), bytes);
            l.get_mut(seq).unwrap().state = FileState::Done;
        }
        l
    }

    #[test]
    fn the_ring_keeps_the_newest_files_and_deletes_the_oldest() {
        let mut l = ledger(3, 50);
        assert_eq!(l.over_count(4), Vec::<u64>::new());
        assert_eq!(l.over_count(3), [1], "one more file makes four");
        assert_eq!(l.over_count(1), [1, 2, 3]);
        l.remove(1);
        l.add(4, "cap-00004.pcap".into(), 0);
        assert_eq!(l.over_count(3), [2], "the file being written stays");
        l.get_mut(2).unwrap().doomed = true;
        assert_eq!(l.over_count(3), Vec::<u64>::new(), "already going");
        assert_eq!(l.total(), 50, "a doomed file no longer counts");
    }

    #[test]
    fn a_ring_of_one_replaces_its_file() {
        let l = ledger(1, 50);
        assert_eq!(l.over_count(1), [1]);
    }

    #[test]
    fn max_total_deletes_the_oldest_until_the_next_file_fits() {
        let mut l = ledger(4, 100);
        assert_eq!(l.over_total(500, 100), Vec::<u64>::new());
        assert_eq!(l.over_total(400, 100), [1]);
        assert_eq!(l.over_total(250, 100), [1, 2, 3]);
        l.add(5, "cap-00005.pcap".into(), 1000);
        assert_eq!(
            l.over_total(250, 0),
            [1, 2, 3, 4],
            "never the file being written"
        );
        // A file being finished is doomed, not deleted under the finisher's feet: the
        // caller marks it; it no longer counts.
        let mut l = ledger(2, 100);
        l.get_mut(1).unwrap().state = FileState::Finishing;
        assert_eq!(l.over_total(150, 0), [1]);
    }

    #[test]
    fn min_free_deletes_the_oldest_until_enough_is_freed() {
        let l = ledger(3, 100);
        assert_eq!(l.to_free(0), Vec::<u64>::new());
        assert_eq!(l.to_free(1), [1]);
        assert_eq!(l.to_free(150), [1, 2]);
        assert_eq!(l.to_free(10_000), [1, 2, 3]);
    }

    #[test]
    fn file_names() {
        let n = |p: &str| {
            file_name(Path::new(p), 7, None, "pcap")
                .display()
                .to_string()
        };
        assert_eq!(n("cap"), "cap-00007.pcap");
        assert_eq!(n("web.pcap"), "web-00007.pcap");
        assert_eq!(n("/tmp/x/web.pcap"), "/tmp/x/web-00007.pcap");
        assert_eq!(n(".pcap"), ".pcap-00007.pcap");
        assert_eq!(
            file_name(Path::new("c"), 123_456, None, "pcap"),
            PathBuf::from("c-123456.pcap")
        );
        let ng = |p: &str| {
            file_name(Path::new(p), 7, None, "pcapng")
                .display()
                .to_string()
        };
        assert_eq!(ng("web.pcapng"), "web-00007.pcapng");
        assert_eq!(ng("web.pcap"), "web-00007.pcapng");
        assert_eq!(ng("web"), "web-00007.pcapng");
    }

    #[test]
    fn utc_stamps() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000Z");
        assert_eq!(utc_stamp(1_709_251_199), "20240229T235959Z");
        assert_eq!(utc_stamp(4_102_444_800), "21000101T000000Z");
        assert_eq!(utc_stamp(-1), "19691231T235959Z");
    }
}
