//! wirelens-capture: a capture daemon to leave running on a production server. libpcap
//! captures on an interface with a tcpdump filter; the packets go to pcapng (or classic
//! pcap) files rotated by size (`-C`) or time (`-G`), as a ring of the newest files
//! (`-W`, `--max-total`), never filling the disk (`--min-free`), for the Wirelens page
//! to open. In pcapng the interface's addresses say which host the capture was taken on,
//! and each TCP connection names the process that owns it.
//!
//! [`Options`] are the command line. [`Capturer::open`] opens the capture and the socket
//! events, then drops privileges; [`Capturer::run`] runs the loop (`capture.rs`), which
//! hands each packet to the process lookups ([`attribution`], their own thread) and
//! writes it through [`output`] (rotation and the disk rules; [`rotation`] is the pure
//! bookkeeping, core's `wirelens_core::query::export::writer` the format). Closed files
//! are renamed, compressed and handed to `--post-rotate` by [`finish`], on a thread of
//! its own. The binary only wires signals to [`Control`] and [`Waker`].
#![deny(missing_docs)]

pub mod attribution;
mod capture;
pub mod disk;
pub mod finish;
pub mod options;
pub mod output;
pub mod privileges;
pub mod rotation;
pub mod users;

use std::fmt;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// Held by the tests that start processes and by the one that looks for the owner of a
/// socket of the test process: a child between its fork and its exec holds every socket
/// of the process (it took another test's connection for its own, named `finish`).
#[cfg(test)]
pub(crate) fn forks_apart() -> std::sync::MutexGuard<'static, ()> {
    static FORKS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    FORKS.lock().unwrap_or_else(|e| e.into_inner())
}

pub use attribution::TrackerStats;
pub use capture::{Capturer, Control, Waker, HOLD, HOLD_BYTES};
pub use options::Options;

/// Writes `wirelens-capture: ...` and a newline to stderr, in one write.
#[macro_export]
macro_rules! log {
    ($($t:tt)*) => {
        $crate::log_line(format_args!($($t)*))
    };
}

/// The body of [`log!`].
pub fn log_line(args: fmt::Arguments<'_>) {
    let line = format!("wirelens-capture: {args}\n");
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Now, in ns since the Unix epoch.
pub fn now_ns() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}

/// Why the capture could not start or go on.
#[derive(Debug)]
pub enum Error {
    /// The interface could not be opened for capture (no such device, no permission).
    Interface {
        /// The interface.
        interface: String,
        /// What libpcap said.
        source: pcap::Error,
    },
    /// libpcap could not compile or install the capture filter.
    Filter {
        /// The interface.
        interface: String,
        /// The filter as given.
        filter: String,
        /// What libpcap said.
        source: pcap::Error,
    },
    /// Reading packets failed (the interface went away, say).
    Capture {
        /// The interface.
        interface: String,
        /// What libpcap said.
        source: pcap::Error,
    },
    /// The process lookups could not start (`--process-lookup events` refused).
    Lookups(String),
    /// Privileges could not be dropped (`-Z`).
    Privileges(String),
    /// A capture file could not be created or written.
    File {
        /// The file.
        path: PathBuf,
        /// What we were doing: "cannot create", "cannot write".
        action: &'static str,
        /// The system's error.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Interface { interface, source } => {
                write!(
                    f,
                    "cannot capture on interface {interface}: {}",
                    pcap_message(source)
                )
            }
            Self::Filter {
                interface,
                filter,
                source,
            } => {
                write!(
                    f,
                    "invalid capture filter {filter:?} on interface {interface}: {}",
                    pcap_message(source)
                )
            }
            Self::Capture { interface, source } => {
                write!(
                    f,
                    "capture on interface {interface} failed: {}",
                    pcap_message(source)
                )
            }
            Self::Lookups(m) => write!(f, "process lookups: {m}"),
            Self::Privileges(m) => f.write_str(m),
            Self::File {
                path,
                action,
                source,
            } => write!(f, "{action} {}: {source}", path.display()),
        }
    }
}

/// The message includes the underlying error's text, so there is no `source` to chain.
impl std::error::Error for Error {}

/// libpcap's own message, without the pcap crate's "libpcap error: " prefix.
fn pcap_message(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(msg) => msg.clone(),
        other => other.to_string(),
    }
}

/// What a run did, printed on stop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files opened in this run.
    pub files_opened: u64,
    /// Files of this run still on disk, oldest first (their final names).
    pub files_kept: Vec<PathBuf>,
    /// Packets written.
    pub packets: u64,
    /// Packet bytes written (captured lengths, without pcap headers).
    pub bytes: u64,
    /// libpcap `ps_recv`: packets the filter passed (Linux counts them before the buffer).
    pub received: u32,
    /// libpcap `ps_drop`: packets the kernel dropped because the buffer was full.
    pub dropped: u32,
    /// libpcap `ps_ifdrop`: packets the interface or its driver dropped.
    pub if_dropped: u32,
    /// Packets captured but not written for want of disk space.
    pub not_written: u64,
    /// Files of this run deleted (`-W`, `--max-total`, `--min-free`).
    pub deleted: u64,
    /// Files compressed (`--compress`).
    pub compressed: u64,
    /// `--post-rotate` commands that failed.
    pub post_rotate_failed: u64,
    /// With process lookups: what they did.
    pub processes: Option<TrackerStats>,
}

impl fmt::Display for Summary {
    /// tcpdump's lines (packets captured, received by filter, dropped by kernel and
    /// interface), then the files and the process lookups.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        writeln!(
            f,
            "{} packet{} captured ({} bytes)",
            self.packets,
            plural(self.packets),
            self.bytes
        )?;
        writeln!(f, "{} packets received by filter", self.received)?;
        writeln!(f, "{} packets dropped by kernel", self.dropped)?;
        writeln!(f, "{} packets dropped by interface", self.if_dropped)?;
        if self.not_written > 0 {
            writeln!(
                f,
                "{} packets not written (the disk was short of space)",
                self.not_written
            )?;
        }
        let kept = self.files_kept.len() as u64;
        write!(
            f,
            "{} file{} written",
            self.files_opened,
            plural(self.files_opened)
        )?;
        if self.deleted > 0 {
            write!(
                f,
                " ({kept} kept, {} deleted for the disk rules)",
                self.deleted
            )?;
        }
        if self.compressed > 0 {
            write!(f, ", {} compressed", self.compressed)?;
        }
        if let (Some(first), Some(last)) = (self.files_kept.first(), self.files_kept.last()) {
            if first == last {
                write!(f, ": {}", first.display())?;
            } else {
                write!(f, ": {} .. {}", first.display(), last.display())?;
            }
        }
        if self.post_rotate_failed > 0 {
            write!(
                f,
                "\n{} --post-rotate commands failed",
                self.post_rotate_failed
            )?;
        }
        if let Some(p) = &self.processes {
            write!(f, "\n{p}")?;
        }
        Ok(())
    }
}
