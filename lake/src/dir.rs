//! The lake as a directory: what is in it, and adding a capture's files without
//! rewriting any.

use crate::Table;
use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A lake's root directory.
pub struct LakeDir {
    root: PathBuf,
}

/// What adding files did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Files written.
    pub written: u64,
    /// Files already there (an earlier export of the same capture stopped before its
    /// captures file): left as they are.
    pub kept: u64,
    /// Bytes written.
    pub bytes: u64,
}

impl LakeDir {
    /// The lake at `root` (made when files are added).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LakeDir { root: root.into() }
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every part file of a table: `TABLE/date=*/sensor=*/part-*.parquet`, sorted.
    pub fn parts(&self, table: Table) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for date in subdirs(&self.root.join(table.dir()), "date=")? {
            for sensor in subdirs(&date, "sensor=")? {
                for e in fs::read_dir(&sensor)? {
                    let p = e?.path();
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if name.starts_with("part-") && name.ends_with(".parquet") {
                        out.push(p);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The captures in the lake: id → its captures file.
    pub fn captures(&self) -> io::Result<HashMap<String, PathBuf>> {
        Ok(self
            .parts(Table::Captures)?
            .into_iter()
            .filter_map(|p| Some((capture_id_of(&p)?.to_owned(), p)))
            .collect())
    }

    /// The part files of one capture in a table.
    pub fn parts_of(&self, table: Table, capture_id: &str) -> io::Result<Vec<PathBuf>> {
        Ok(self
            .parts(table)?
            .into_iter()
            .filter(|p| capture_id_of(p) == Some(capture_id))
            .collect())
    }

    /// Adds files (paths relative to the root, as [`crate::capture_files`] names them),
    /// in order. Each is written beside its place under a hidden name, synced, and
    /// renamed into place: a reader never sees half a file, and a file already there is
    /// never rewritten.
    pub fn add(&self, files: &[(String, Vec<u8>)]) -> io::Result<Added> {
        let mut added = Added::default();
        for (rel, bytes) in files {
            let path = self.root.join(rel);
            if path.exists() {
                added.kept += 1;
                continue;
            }
            let dir = path.parent().unwrap_or(&self.root);
            fs::create_dir_all(dir)?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("part");
            // Engines skip files whose names start with '.' or '_' (Spark, DuckDB's globs
            // end in .parquet): the temporary file is invisible to them.
            let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
            let result = (|| {
                let mut f = fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
                fs::rename(&tmp, &path)
            })();
            if let Err(e) = result {
                let _ = fs::remove_file(&tmp);
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot write {}: {e}", path.display()),
                ));
            }
            added.written += 1;
            added.bytes += bytes.len() as u64;
        }
        Ok(added)
    }
}

/// The capture id in a part file's name (`part-<id>.parquet`).
pub fn capture_id_of(path: &Path) -> Option<&str> {
    path.file_name()?
        .to_str()?
        .strip_prefix("part-")?
        .strip_suffix(".parquet")
}

/// The subdirectories of `dir` whose names start with `prefix` (none when `dir` is not
/// there).
fn subdirs(dir: &Path, prefix: &str) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e?;
        let name = e.file_name();
        if name.to_str().is_some_and(|n| n.starts_with(prefix)) && e.file_type()?.is_dir() {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}
