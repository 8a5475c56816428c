//! When to start a new file, what to call it, and which old files to delete.
//!
//! Pure bookkeeping (no I/O, no clock): the capture loop tells it what it writes and
//! does what it answers, so every rule is tested here without a network.

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

/// A file the capture loop must open now.
#[derive(Debug, PartialEq, Eq)]
pub struct NextFile {
    /// Where to write it.
    pub path: PathBuf,
    /// Older files to delete first, to keep the `-W` ring.
    pub remove: Vec<PathBuf>,
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
    /// Files of this run still on disk, oldest first.
    kept: VecDeque<PathBuf>,
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
            kept: VecDeque::new(),
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

    /// Starts the next file, opened at `now_ns` (ns since the Unix epoch).
    pub fn next_file(&mut self, now_ns: i64) -> NextFile {
        self.seq += 1;
        let start = self.limits.interval_ns.map(|_| now_ns);
        let path = file_name(&self.prefix, self.seq, start, self.layout.extension);
        let mut remove = Vec::new();
        if let Some(keep) = self.limits.keep {
            while self.kept.len() >= keep.max(1) {
                remove.extend(self.kept.pop_front());
            }
        }
        self.kept.push_back(path.clone());
        self.current = Some(Current {
            bytes: self.layout.header,
            packets: 0,
            opened_ns: now_ns,
        });
        NextFile { path, remove }
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

    /// Files of this run still on disk (not deleted by `-W`), oldest first.
    pub fn kept(&self) -> impl Iterator<Item = &Path> {
        self.kept.iter().map(PathBuf::as_path)
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

    fn names(r: &Rotation) -> Vec<String> {
        r.kept().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn without_limits_everything_goes_to_one_file() {
        let mut r = Rotation::new("cap", Limits::default(), FileLayout::PCAP);
        assert!(r.needs_new_file(100, 0), "the first packet needs a file");
        assert_eq!(
            r.next_file(0),
            NextFile {
                path: "cap-00001.pcap".into(),
                remove: vec![]
            }
        );
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
        assert_eq!(r.next_file(0).path, PathBuf::from("cap-00002.pcap"));
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
        assert_eq!(r.next_file(0).path, PathBuf::from("cap-00001.pcapng"));
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
            r.next_file(t0).path,
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
            r.next_file(t1).path,
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

    #[test]
    fn the_ring_keeps_the_newest_files_and_deletes_the_oldest() {
        let limits = Limits {
            max_bytes: Some(100),
            keep: Some(3),
            ..Limits::default()
        };
        let mut r = Rotation::new("cap", limits, FileLayout::PCAP);
        for _ in 0..3 {
            assert!(r.next_file(0).remove.is_empty());
            r.wrote(50);
        }
        assert_eq!(
            names(&r),
            ["cap-00001.pcap", "cap-00002.pcap", "cap-00003.pcap"]
        );
        let next = r.next_file(0);
        assert_eq!(next.path, PathBuf::from("cap-00004.pcap"));
        assert_eq!(next.remove, [PathBuf::from("cap-00001.pcap")]);
        assert_eq!(
            names(&r),
            ["cap-00002.pcap", "cap-00003.pcap", "cap-00004.pcap"]
        );
        for _ in 0..10 {
            assert_eq!(r.next_file(0).remove.len(), 1);
            assert_eq!(r.kept().count(), 3);
        }
        assert_eq!(r.files_opened(), 14);
        assert_eq!(
            names(&r),
            ["cap-00012.pcap", "cap-00013.pcap", "cap-00014.pcap"]
        );
    }

    #[test]
    fn a_ring_of_one_replaces_its_file() {
        let limits = Limits {
            max_bytes: Some(100),
            keep: Some(1),
            ..Limits::default()
        };
        let mut r = Rotation::new("cap", limits, FileLayout::PCAP);
        r.next_file(0);
        assert_eq!(r.next_file(0).remove, [PathBuf::from("cap-00001.pcap")]);
        assert_eq!(names(&r), ["cap-00002.pcap"]);
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
