//! Free space on the files' file system (statvfs(2)), and sizes as the options give
//! them.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Space of a file system, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    /// Free to an unprivileged user (`f_bavail`: root's reserve excluded).
    pub available: u64,
    /// Size of the file system.
    pub total: u64,
}

/// The space of the file system holding `dir`.
pub fn space(dir: &Path) -> io::Result<Space> {
    let c = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))?;
    // SAFETY: `statvfs` is plain data, filled by the call.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a C string and a struct that outlive the call.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let frsize = s.f_frsize as u64;
    Ok(Space {
        available: (s.f_bavail as u64).saturating_mul(frsize),
        total: (s.f_blocks as u64).saturating_mul(frsize),
    })
}

/// A size given as bytes or as a share of the file system (`--min-free`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Amount {
    /// Bytes.
    Bytes(u64),
    /// Percent of the file system's size.
    Percent(f64),
}

impl Amount {
    /// In bytes, for a file system of `total` bytes.
    pub fn bytes(self, total: u64) -> u64 {
        match self {
            Amount::Bytes(b) => b,
            Amount::Percent(p) => (total as f64 * p / 100.0) as u64,
        }
    }
}

/// Parses a size: a number with an optional unit, `k`/`M`/`G`/`T` (powers of 1000, as
/// `-C` counts) or `KiB`/`MiB`/`GiB`/`TiB`; a bare number is in MB (1,000,000 bytes),
/// as with `-C`. A trailing `B` is allowed (`500MB`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 500M, 20G, 1.5T, 512MiB)"))?;
    let mult: f64 = match unit.trim() {
        "" => 1e6,
        "B" | "b" => 1.0,
        "k" | "K" | "kB" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "T" | "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "{s:?}: unknown unit {u:?} (k, M, G, T, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    let bytes = n * mult;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("{s:?} is not a size of at least one byte"));
    }
    Ok(bytes as u64)
}

/// Parses `--min-free`: a size, or a percentage (`5%`).
pub fn parse_amount(s: &str) -> Result<Amount, String> {
    match s.trim().strip_suffix('%') {
        Some(p) => {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("{s:?} is not a percentage"))?;
            if !(0.0..100.0).contains(&p) {
                return Err(format!("{s:?}: a percentage from 0 to under 100"));
            }
            Ok(Amount::Percent(p))
        }
        None => parse_size(s).map(Amount::Bytes),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("100"), Ok(100_000_000));
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5G"), Ok(1_500_000_000));
        assert_eq!(parse_size("2T"), Ok(2_000_000_000_000));
        assert_eq!(parse_size("64KiB"), Ok(65_536));
        assert_eq!(parse_size("1MiB"), Ok(1_048_576));
        assert_eq!(parse_size("4096B"), Ok(4096));
        assert!(parse_size("").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("-5M").is_err());
        assert_eq!(parse_amount("5%"), Ok(Amount::Percent(5.0)));
        assert_eq!(parse_amount("0.5%"), Ok(Amount::Percent(0.5)));
        assert_eq!(parse_amount("1G"), Ok(Amount::Bytes(1_000_000_000)));
        assert!(parse_amount("100%").is_err());
        assert!(parse_amount("x%").is_err());
        assert_eq!(Amount::Percent(5.0).bytes(1000), 50);
    }

    #[test]
    fn the_space_of_a_directory_is_known() {
        let s = space(&std::env::temp_dir()).unwrap();
        assert!(s.total > 0 && s.available <= s.total, "{s:?}");
        assert!(space(Path::new("/no/such/dir")).is_err());
    }
}
