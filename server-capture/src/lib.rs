//! wirelens-capture: a small capture daemon. libpcap captures on an interface with a
//! tcpdump filter; the packets go to pcapng (or classic pcap) files rotated by size (`-C`)
//! or time (`-G`), optionally as a ring of the newest files (`-W`), for the Wirelens page
//! to open. In pcapng the interface's addresses say which host the capture was taken on,
//! and the first packet of each TCP connection names the process that owns it.
//!
//! [`Options`] are the command line, [`Rotation`](rotation::Rotation) decides about files
//! (pure, tested without a network), core's capture writer
//! (`wirelens_core::query::export::writer`, the one the CLI and the page export with)
//! writes them, [`Resolver`](procinfo::Resolver) finds connections' processes in /proc,
//! and [`Capturer`] runs the loop. The binary only wires signals to [`Waker`].
#![deny(missing_docs)]

mod capture;
pub mod options;
pub mod procinfo;
pub mod rotation;

use std::fmt;
use std::io;
use std::path::PathBuf;

pub use capture::{Capturer, Waker};
pub use options::Options;

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
    /// Files of this run still on disk (`-W` deletes the oldest), oldest first.
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
    /// With process lookups: TCP connections of this host seen, and how many of them
    /// were named by their process.
    pub processes: Option<(u64, u64)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let kept = self.files_kept.len() as u64;
        write!(
            f,
            "{} file{} written",
            self.files_opened,
            plural(self.files_opened)
        )?;
        if kept != self.files_opened {
            write!(f, " ({kept} kept, the older deleted by -W)")?;
        }
        if let (Some(first), Some(last)) = (self.files_kept.first(), self.files_kept.last()) {
            if first == last {
                write!(f, ": {}", first.display())?;
            } else {
                write!(f, ": {} .. {}", first.display(), last.display())?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "{} packet{} captured ({} bytes)",
            self.packets,
            plural(self.packets),
            self.bytes
        )?;
        writeln!(f, "{} packets received by filter", self.received)?;
        writeln!(f, "{} packets dropped by kernel", self.dropped)?;
        write!(f, "{} packets dropped by interface", self.if_dropped)?;
        if let Some((connections, found)) = self.processes {
            write!(
                f,
                "\n{connections} TCP connections of this host, {found} named by their process"
            )?;
        }
        Ok(())
    }
}
