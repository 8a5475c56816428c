//! The golden harness: every comparison with a reference (tshark, mostly) goes through a
//! [`Golden`], so no comparison can shrink without saying so.
//!
//! - Captures are found or the test fails: a golden's `corpus:` captures need the corpus
//!   (`../shared/corpus`, found from a git worktree too), unless the run says it has none
//!   with `WIRELENS_NO_CORPUS=1`; then what was not compared is listed. A missing
//!   capture is never a silent skip.
//! - What was compared is counted ([`Golden::count`]) and printed, past the test
//!   harness's output capture, so CI logs show it. A comparison that compared nothing
//!   fails.
//! - Known differences are listed in one format, `tests/golden/NAME/KNOWN_DIFFERENCES`:
//!   `capture<TAB>frame<TAB>field<TAB>reason`. A difference not listed fails, and so does
//!   a listed one that no longer differs (a stale entry).
//!
//! Tools the comparisons need are required the same way: [`tshark`] fails without tshark
//! unless `WIRELENS_NO_TSHARK=1`, [`can_capture`] fails without root unless
//! `WIRELENS_NO_CAPTURE=1`, [`duckdb`] fails without Python's duckdb module unless
//! `WIRELENS_NO_DUCKDB=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::{have, repo_root};

/// Set (to anything but `0`) when the run has no corpus.
pub const NO_CORPUS: &str = "WIRELENS_NO_CORPUS";
/// Set when the run has no tshark.
pub const NO_TSHARK: &str = "WIRELENS_NO_TSHARK";
/// Set when the run has no DuckDB (Python's `duckdb` module).
pub const NO_DUCKDB: &str = "WIRELENS_NO_DUCKDB";
/// Set when the run cannot capture (not root, or not Linux).
pub const NO_CAPTURE: &str = "WIRELENS_NO_CAPTURE";
/// Where the corpus is, when not in `../shared/corpus`.
pub const CORPUS: &str = "WIRELENS_CORPUS";

fn flag(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Prints a line to stderr directly, past the output capture of `cargo test` (which only
/// takes `print!`/`eprint!`), so a passing test's counts reach the CI log.
pub fn report(line: &str) {
    if cfg!(test) {
        // The harness's own unit tests: captured like any test output.
        eprintln!("{line}");
    } else {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

/// The places the corpus may be: `$WIRELENS_CORPUS` alone when set; else
/// `../shared/corpus` beside the repository and, in a git worktree, beside the main
/// working tree (`MAIN/.git/worktrees/NAME` in the worktree's `.git` file).
fn corpus_places() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os(CORPUS) {
        return vec![PathBuf::from(dir)];
    }
    let root = repo_root();
    let mut places: Vec<PathBuf> = root
        .parent()
        .map(|p| p.join("shared/corpus"))
        .into_iter()
        .collect();
    if let Ok(text) = std::fs::read_to_string(root.join(".git")) {
        if let Some(gitdir) = text.trim().strip_prefix("gitdir:") {
            let main = Path::new(gitdir.trim()).ancestors().nth(3);
            places.extend(main.and_then(Path::parent).map(|p| p.join("shared/corpus")));
        }
    }
    places
}

/// The third-party corpus (`../shared/corpus`), or `None` when the run says it has none
/// (`WIRELENS_NO_CORPUS=1`). Panics when it is absent otherwise.
pub fn corpus() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        if flag(NO_CORPUS) {
            report(&format!(
                "{NO_CORPUS}=1: the corpus is not used; corpus captures are not compared"
            ));
            return None;
        }
        let places = corpus_places();
        match places.iter().find(|p| p.join("MANIFEST.tsv").is_file()) {
            Some(p) => Some(p.clone()),
            None => panic!(
                "the capture corpus is absent (looked for MANIFEST.tsv in {}): set {CORPUS}=DIR \
                 to where it is, or {NO_CORPUS}=1 to run without it (corpus captures are then \
                 listed as not compared)",
                places
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    })
    .as_deref()
}

/// The corpus for a test that needs nothing else: `None` (after saying that `what` was
/// not run) when the run has no corpus.
pub fn need_corpus(what: &str) -> Option<&'static Path> {
    let c = corpus();
    if c.is_none() {
        report(&format!(
            "NOT RUN: {what}: the run has no corpus ({NO_CORPUS}=1)"
        ));
    }
    c
}

fn need(what: &str, available: bool, var: &str, why: &str) -> bool {
    if available {
        return true;
    }
    if flag(var) {
        report(&format!("NOT RUN: {what}: {why} ({var}=1)"));
        return false;
    }
    panic!("{what}: {why}; set {var}=1 if this run is meant to go without");
}

/// Whether tshark is installed; fails without it unless `WIRELENS_NO_TSHARK=1`, when
/// it says that `what` was not run and returns false.
pub fn tshark(what: &str) -> bool {
    need(
        what,
        have("tshark"),
        NO_TSHARK,
        "tshark is not installed (`cargo xtask setup` installs it)",
    )
}

/// Whether Python's `duckdb` module is installed (the lake's tests read the Parquet back
/// with it); fails without it unless `WIRELENS_NO_DUCKDB=1`, when it says that `what`
/// was not run and returns false.
pub fn duckdb(what: &str) -> bool {
    let have = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    need(
        what,
        have,
        NO_DUCKDB,
        "Python's duckdb module is not installed (`cargo xtask setup` installs it: pip install duckdb)",
    )
}

/// Whether Python's `chdb` module (ClickHouse in-process) is installed (the lake's tests
/// read the Parquet with ClickHouse too); fails without it unless `WIRELENS_NO_DUCKDB=1`
/// (the run has no Python engines), when it says that `what` was not run and returns false.
pub fn chdb(what: &str) -> bool {
    let have = std::process::Command::new("python3")
        .args(["-c", "import chdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    need(
        what,
        have,
        NO_DUCKDB,
        "Python's chdb module (ClickHouse) is not installed (`cargo xtask setup` installs it: pip install chdb)",
    )
}

/// Whether this run can capture packets (root, on Linux); fails otherwise unless
/// `WIRELENS_NO_CAPTURE=1`, when it says that `what` was not run and returns false.
pub fn can_capture(what: &str) -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    need(
        what,
        cfg!(target_os = "linux") && root,
        NO_CAPTURE,
        "capturing needs root (CAP_NET_RAW) on Linux",
    )
}

/// Path of a capture named in a golden: `corpus:REST` is `REST` in the corpus, anything
/// else is relative to the repository root. Panics when the corpus is absent, unless
/// the run has none (then the path does not exist).
pub fn capture_path(entry: &str) -> PathBuf {
    match entry.strip_prefix("corpus:") {
        Some(rest) => match corpus() {
            Some(c) => c.join(rest),
            None => repo_root().join("../shared/corpus").join(rest),
        },
        None => repo_root().join(entry),
    }
}

/// One line of a KNOWN_DIFFERENCES file.
#[derive(Debug)]
struct Known {
    line: usize,
    capture: String,
    frame: String,
    field: String,
    reason: String,
    used: u64,
}

impl Known {
    /// How closely this entry names (capture, frame, field): None when it does not.
    fn specificity(&self, capture: &str, frame: &str, field: &str) -> Option<u8> {
        if self.capture != capture {
            return None;
        }
        let frame_score = match self.frame.as_str() {
            "*" => 0,
            f if f == frame => 2,
            _ => return None,
        };
        let field_score = match self.field.strip_suffix('*') {
            _ if self.field == field => 1,
            Some(prefix) if field.starts_with(prefix) => 0,
            _ => return None,
        };
        Some(frame_score + field_score)
    }
}

fn parse_known(path: &Path) -> Vec<Known> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let cols: Vec<&str> = l.splitn(4, '\t').collect();
            assert!(
                cols.len() == 4 && cols.iter().all(|c| !c.trim().is_empty()),
                "{}:{}: expected capture<TAB>frame<TAB>field<TAB>reason, got {l:?}",
                path.display(),
                i + 1
            );
            Known {
                line: i + 1,
                capture: cols[0].to_owned(),
                frame: cols[1].to_owned(),
                field: cols[2].to_owned(),
                reason: cols[3].trim().to_owned(),
                used: 0,
            }
        })
        .collect()
}

/// At most this many unexplained differences are printed (all are counted).
const SHOWN: usize = 200;

/// One comparison with a reference: its goldens in `tests/golden/NAME`, its known
/// differences in `tests/golden/NAME/KNOWN_DIFFERENCES`, and the tally of what it
/// compared. [`Golden::finish`] prints the tally and fails on anything wrong.
///
/// The KNOWN_DIFFERENCES format, one difference a line:
/// `capture<TAB>frame<TAB>field<TAB>reason`, where `capture` is named as in the goldens
/// (`corpus:REST` or a path from the repository root), `frame` is a frame number, a
/// `stream N` of a per-stream comparison, or `*` for all, and `field` is the field,
/// filter, table or check compared (`*` for all, `PREFIX*` for all that start so).
pub struct Golden {
    name: String,
    dir: PathBuf,
    known_file: PathBuf,
    known: Vec<Known>,
    compared: BTreeSet<String>,
    not_compared: BTreeSet<String>,
    counts: Vec<(String, u64)>,
    failures: Vec<String>,
    unexplained: u64,
    /// Unexplained differences by (capture, field).
    unexplained_by: BTreeMap<(String, String), u64>,
    notes: Vec<String>,
}

/// A JSON golden and the capture it names ([`Golden::json_goldens`]).
pub struct JsonGolden {
    /// The capture as the golden names it (`corpus:…` or a path in the repository).
    pub entry: String,
    /// Where the capture is.
    pub path: PathBuf,
    /// The golden.
    pub expected: serde_json::Value,
}

impl Golden {
    /// The comparison NAME: `tests/golden/NAME` must exist; its KNOWN_DIFFERENCES may not.
    pub fn new(name: &str) -> Golden {
        let dir = repo_root().join("tests/golden").join(name);
        assert!(dir.is_dir(), "{} does not exist", dir.display());
        let known_file = dir.join("KNOWN_DIFFERENCES");
        Golden {
            name: name.to_owned(),
            known: parse_known(&known_file),
            known_file,
            dir,
            compared: BTreeSet::new(),
            not_compared: BTreeSet::new(),
            counts: Vec::new(),
            failures: Vec::new(),
            unexplained: 0,
            unexplained_by: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    /// `tests/golden/NAME`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The golden files of the directory ending in `.EXT`, sorted; panics when there
    /// are none.
    pub fn files(&self, ext: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap_or_else(|e| panic!("{}: {e}", self.dir.display()))
            .map(|e| e.expect("readable dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        files.sort();
        assert!(
            !files.is_empty(),
            "no .{ext} golden files in {}",
            self.dir.display()
        );
        files
    }

    /// The JSON goldens of the directory, each naming its capture (`"capture"`), with
    /// the path of those that can be compared ([`Golden::capture`]).
    pub fn json_goldens(&mut self) -> Vec<JsonGolden> {
        let mut out = Vec::new();
        for file in self.files("json") {
            let bytes = std::fs::read(&file).expect("read golden");
            let expected: serde_json::Value =
                serde_json::from_slice(&bytes).expect("golden is JSON");
            let entry = expected["capture"]
                .as_str()
                .expect("golden names its capture")
                .to_owned();
            if let Some(path) = self.capture(&entry) {
                out.push(JsonGolden {
                    entry,
                    path,
                    expected,
                });
            }
        }
        out
    }

    /// The path of a capture a golden names, counted as compared; `None` when it cannot
    /// be compared: a corpus capture in a run without the corpus (listed as not
    /// compared), or a capture that does not exist (a failure).
    pub fn capture(&mut self, entry: &str) -> Option<PathBuf> {
        let path = match entry.strip_prefix("corpus:") {
            Some(rest) => match corpus() {
                Some(c) => c.join(rest),
                None => {
                    self.not_compared.insert(entry.to_owned());
                    return None;
                }
            },
            None => repo_root().join(entry),
        };
        if !path.exists() {
            self.fail(format!(
                "{entry}: the capture is missing ({})",
                path.display()
            ));
            return None;
        }
        self.compared.insert(entry.to_owned());
        Some(path)
    }

    /// Adds `n` to what was compared, in `unit`s (`frames`, `fields`, `conversations`…).
    pub fn count(&mut self, unit: &str, n: u64) {
        match self.counts.iter_mut().find(|(u, _)| u == unit) {
            Some((_, total)) => *total += n,
            None => self.counts.push((unit.to_owned(), n)),
        }
    }

    /// Records a difference: explained when KNOWN_DIFFERENCES lists it (the entry most
    /// specific to it counts as used), a failure otherwise. Returns whether it was
    /// explained.
    pub fn differs(
        &mut self,
        capture: &str,
        frame: impl Display,
        field: &str,
        detail: impl Display,
    ) -> bool {
        let frame = frame.to_string();
        let best = self
            .known
            .iter_mut()
            .filter_map(|k| Some((k.specificity(capture, &frame, field)?, k)))
            .max_by_key(|(s, _)| *s);
        if let Some((_, k)) = best {
            k.used += 1;
            return true;
        }
        self.unexplained += 1;
        *self
            .unexplained_by
            .entry((capture.to_owned(), field.to_owned()))
            .or_default() += 1;
        if self.failures.len() < SHOWN {
            self.failures
                .push(format!("{capture}\t{frame}\t{field}\t{detail}"));
        }
        false
    }

    /// Whether KNOWN_DIFFERENCES lists something for `capture` (any frame or field).
    pub fn lists(&self, capture: &str) -> bool {
        self.known.iter().any(|k| k.capture == capture)
    }

    /// A failure that no list can explain (a capture that does not parse, a command
    /// that fails).
    pub fn fail(&mut self, message: impl Display) {
        self.unexplained += 1;
        if self.failures.len() < SHOWN {
            self.failures.push(message.to_string());
        }
    }

    /// A line for the report (a tally by kind, say), printed under the counts (with the
    /// test's output: `--nocapture` or a failure shows it).
    pub fn note(&mut self, line: impl Display) {
        self.notes.push(line.to_string());
    }

    /// Prints the tally and panics on an unexplained difference, a stale known
    /// difference, or a comparison of nothing.
    pub fn finish(self) {
        let mut problems = Vec::new();
        let counts: Vec<String> = self
            .counts
            .iter()
            .map(|(u, n)| format!("{n} {u}"))
            .collect();
        let explained: u64 = self.known.iter().map(|k| k.used).sum();
        report(&format!(
            "golden {}: {} captures compared{}{}; {explained} known differences, {} unexplained",
            self.name,
            self.compared.len(),
            if counts.is_empty() { "" } else { ": " },
            counts.join(", "),
            self.unexplained
        ));
        for n in &self.notes {
            eprintln!("golden {}:   {n}", self.name);
        }
        let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
        for k in self.known.iter().filter(|k| k.used > 0) {
            *reasons.entry(&k.reason).or_default() += k.used;
        }
        for (reason, n) in &reasons {
            eprintln!("golden {}:   known ({n}): {reason}", self.name);
        }
        if !self.not_compared.is_empty() {
            report(&format!(
                "golden {}: NOT COMPARED ({NO_CORPUS}=1): {} corpus captures: {}",
                self.name,
                self.not_compared.len(),
                self.not_compared
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        let mut unchecked = 0;
        for k in self.known.iter().filter(|k| k.used == 0) {
            if self.not_compared.contains(&k.capture) {
                unchecked += 1;
                continue;
            }
            problems.push(format!(
                "stale: {}:{} ({}\t{}\t{}) explains no difference{}: remove it",
                self.known_file.display(),
                k.line,
                k.capture,
                k.frame,
                k.field,
                if self.compared.contains(&k.capture) {
                    ""
                } else {
                    " (this comparison does not compare that capture)"
                }
            ));
        }
        if unchecked > 0 {
            report(&format!(
                "golden {}: {unchecked} known differences not checked (their captures were not compared)",
                self.name
            ));
        }
        if self.compared.is_empty() && self.not_compared.is_empty() {
            problems.push("compared no capture".to_owned());
        }
        if !self.compared.is_empty() && self.not_compared.is_empty() {
            if self.counts.is_empty() {
                problems.push("counted nothing it compared".to_owned());
            }
            for (unit, n) in &self.counts {
                if *n == 0 {
                    problems.push(format!("compared no {unit}"));
                }
            }
        }
        if self.unexplained as usize > self.failures.len() {
            let by: Vec<String> = self
                .unexplained_by
                .iter()
                .map(|((c, f), n)| format!("{c}\t{f}\t{n}"))
                .collect();
            problems.push(format!(
                "unexplained differences by capture and field:\n  {}",
                by.join("\n  ")
            ));
        }
        if self.unexplained > 0 {
            problems.push(format!(
                "{} differences not in {} (capture, frame, field, what differs){}:\n  {}",
                self.unexplained,
                self.known_file.display(),
                if self.unexplained as usize > self.failures.len() {
                    format!("; the first {}", self.failures.len())
                } else {
                    String::new()
                },
                self.failures.join("\n  ")
            ));
        }
        assert!(
            problems.is_empty(),
            "golden {}:\n{}",
            self.name,
            problems.join("\n")
        );
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn known(capture: &str, frame: &str, field: &str) -> Known {
        Known {
            line: 1,
            capture: capture.into(),
            frame: frame.into(),
            field: field.into(),
            reason: "r".into(),
            used: 0,
        }
    }

    #[test]
    fn entries_match_by_capture_frame_and_field() {
        let k = known("c", "*", "follow,udp,*");
        assert_eq!(k.specificity("c", "stream 0", "follow,udp,raw"), Some(0));
        assert_eq!(k.specificity("c", "stream 0", "follow,tcp,raw"), None);
        assert_eq!(k.specificity("d", "stream 0", "follow,udp,raw"), None);
        let k = known("c", "7", "ip.src");
        assert_eq!(k.specificity("c", "7", "ip.src"), Some(3));
        assert_eq!(k.specificity("c", "8", "ip.src"), None);
        assert_eq!(k.specificity("c", "7", "ip.dst"), None);
        assert_eq!(known("c", "*", "*").specificity("c", "1", "x"), Some(0));
    }

    fn golden(entries: Vec<Known>) -> Golden {
        Golden {
            name: "t".into(),
            dir: PathBuf::new(),
            known_file: PathBuf::from("KNOWN_DIFFERENCES"),
            known: entries,
            compared: ["c".to_owned()].into(),
            not_compared: BTreeSet::new(),
            counts: vec![("frames".into(), 1)],
            failures: Vec::new(),
            unexplained: 0,
            unexplained_by: BTreeMap::new(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn listed_differences_pass_and_the_most_specific_entry_is_used() {
        let mut g = golden(vec![known("c", "*", "*"), known("c", "2", "f")]);
        assert!(g.differs("c", 2, "f", "x"));
        assert!(g.differs("c", 3, "f", "x"));
        assert_eq!((g.known[0].used, g.known[1].used), (1, 1));
        g.finish();
    }

    #[test]
    #[should_panic(expected = "differences not in")]
    fn an_unlisted_difference_fails() {
        let mut g = golden(vec![]);
        assert!(!g.differs("c", 1, "f", "x"));
        g.finish();
    }

    #[test]
    #[should_panic(expected = "stale")]
    fn a_stale_entry_fails() {
        golden(vec![known("c", "1", "f")]).finish();
    }

    #[test]
    #[should_panic(expected = "compared no frames")]
    fn comparing_nothing_fails() {
        let mut g = golden(vec![]);
        g.counts[0].1 = 0;
        g.finish();
    }
}
