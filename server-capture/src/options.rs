//! Command-line options, spelled like tcpdump's where tcpdump has the same option.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};

use crate::attribution::Mechanism;
use crate::disk::{self, Amount};
use crate::rotation::Limits;

/// tcpdump's default snapshot length (and Wireshark's largest): whole packets.
pub const DEFAULT_SNAPLEN: u32 = 262_144;

/// Kernel buffer for the capture, in KiB (`-B`).
pub const DEFAULT_BUFFER_KIB: u32 = 32 * 1024;

const AFTER_HELP: &str = "\
FILES:
  Files are pcapng (or classic pcap with -F pcap), named PREFIX-NNNNN.pcapng with NNNNN
  counting from 00001 in the order they were opened (web-00001.pcapng, web-00002.pcapng,
  ...). With -G the time the file was started follows the number, in UTC:
  web-00001-20240131T235959Z.pcapng (the start of the capture for the first file, the
  timestamp of its first packet for the others). A trailing .pcapng or .pcap on PREFIX is
  dropped (-w web.pcapng writes web-00001.pcapng).

  The file being written is named NAME.part (web-00003.pcapng.part) and renamed when it
  is closed, after an fsync, so `scp host:/var/tmp/web-*.pcapng .` only ever takes
  complete files. --compress then writes NAME.gz or NAME.zst (as NAME.gz.part first) and
  removes NAME; the Wirelens page and `wirelens` read them as they are. --post-rotate
  runs on each file once it has its final name, the last one included. Files opened
  are logged (\"writing NAME.part\"), and so are files closed (\"closed NAME\") and deleted.

  A pcapng file starts with a section header (shb_userappl, shb_os) and one interface
  description: if_name, if_filter, and the interface's addresses (if_IPv4addr,
  if_IPv6addr; every address of the host with -i any), which tell a reader which side of
  a connection is this host. It ends with interface statistics (isb_ifrecv = packets the
  filter passed, isb_ifdrop = packets the kernel dropped, isb_usrdeliv = packets written;
  counted from the start of the capture).

  Every file is complete: a rotation and a stop flush whole records, and while packets
  arrive the current file is flushed once a second and whenever they pause, so even
  after a kill -9 or a crash NAME.part holds every packet up to its last flush,
  readable as it is. Files of
  earlier runs with the same PREFIX are overwritten when their names come again; they
  are never counted by -W or --max-total, nor deleted.

DISK:
  -W FILES, --max-total SIZE and --min-free SIZE|PERCENT apply together, to this run's
  files only. Before each new file, the oldest files are deleted so that the new one
  makes at most FILES files and fits in SIZE. --min-free is checked before each new file
  and, while writing, once a second and every MB: below it, --when-full stop (the
  default) closes the current file and writes nothing (packets are counted) until the
  free space is back above the minimum plus a file; --when-full delete deletes the
  oldest files of this run first, and stops when none is left. Either way the log says
  so loudly. The capture never fills the disk, whatever -C, -G and -W say.

PROCESSES:
  In pcapng, the first packet of each TCP connection of this host in each file carries
  two comments, \"pid=<pid> comm=<comm>\" and \"uid=<uid> user=<name>\": the process that
  owns the connection's socket and its user. Wireshark shows them as packet comments;
  `wirelens sessions` shows PID and COMM (the bcc tcplife view).

  Lookups run on their own thread, fed by a bounded queue: a packet is never dropped for
  them; a connection whose lookup cannot keep up (a full queue) is left unnamed, and
  counted. A new connection's first packets are held back up to 250 ms (at most 32 MiB)
  so that its name can go on its first packet.

  Two ways to the owner (--process-lookup):
  - socket events: the kernel's sock:inet_sock_set_state tracepoint, read with
    perf_event_open (no BPF, no compiler), names the process that connected or closed
    each socket, even a connection of a millisecond, even after its process is gone.
    Needs root or CAP_PERFMON when starting, and tracefs (mounted if need be).
  - /proc: the socket's inode over netlink (sock_diag), then the process holding it in
    /proc/<pid>/fd, as ss -p. Only while the socket is open: connections shorter than
    a few milliseconds are often missed. Finds the owners of connections opened before
    the capture started.
  auto (the default) uses both, events first when the kernel allows them. Processes in
  other network namespaces are not named by /proc.

PRIVILEGES:
  The capture is opened as root (or with CAP_NET_RAW and CAP_NET_ADMIN), and the socket
  events with CAP_PERFMON; then, before any file is created, the process switches to an
  unprivileged user: -Z USER, or by default (run as root) the user tcpdump, else nobody,
  as Debian's tcpdump does. -Z root keeps root. The files belong to that user, and the
  directory of PREFIX must be writable by it. Of root's capabilities only
  CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE are kept, which the /proc lookups need to read
  other users' /proc/<pid>/fd; without them (run unprivileged with capabilities that do
  not include them) /proc names only the processes of the user the capture runs as.
  Socket events need no capability once open. --post-rotate commands run as that user,
  without capabilities.

SIGNALS:
  SIGHUP closes the current file now (the next packet starts a new one). SIGUSR1 logs
  the counters so far. SIGINT and SIGTERM read what the kernel still holds, then close
  the last file with its statistics block, wait for compression and --post-rotate, and
  print the summary: packets captured, received by filter, dropped by kernel and by
  interface (as tcpdump), packets not written for want of disk space, files written and
  deleted, and the TCP connections named, by which way.

ROTATION:
  Like tcpdump, rotation happens when a packet arrives: a quiet interface makes no empty
  files. -C and -G may be combined (whichever comes first). Unlike tcpdump, -W with -G
  keeps a ring of the newest files instead of stopping after FILES files. -C counts every
  byte of the file, the closing statistics block included.

EXAMPLES:
  wirelens-capture -i eth0 -w /var/tmp/web -f 'tcp port 80' -C 100 --max-total 20G
      the last ~20 GB of HTTP traffic, in files of at most 100 MB
  wirelens-capture -i any -w /var/tmp/mc -G 300 -W 12 -f 'port 11211' --compress zstd
      the last hour of memcached traffic, one compressed file per 5 minutes
  wirelens-capture -i lo -w /tmp/lo -F pcap -Z root
      classic pcap files, for tools that do not read pcapng";

/// `--min-free` when not given: what the file system keeps free at least.
pub const DEFAULT_MIN_FREE: &str = "2%";

/// What to do when the file system runs short of space (`--when-full`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WhenFull {
    /// Stop writing (the current file is closed) until there is space again.
    Stop,
    /// Delete the oldest files of this run (stop when none is left).
    Delete,
}

/// `--compress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    /// gzip (level 1), `.gz`.
    Gzip,
    /// Zstandard (level 1), `.zst`.
    Zstd,
}

/// File format of the capture files (`-F`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// pcapng: interface addresses, process comments, statistics at the end.
    Pcapng,
    /// Classic libpcap format (microsecond timestamps).
    Pcap,
}

/// Capture packets with libpcap into rotated pcapng files, for Wirelens.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "wirelens-capture",
    version,
    after_help = AFTER_HELP,
    group(ArgGroup::new("rotation").args(["file_size_mb", "rotate_seconds", "max_total"]).multiple(true))
)]
pub struct Options {
    /// Interface to capture on (eth0, lo, any, ...).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: String,

    /// Write files named PREFIX-00001.pcapng, PREFIX-00002.pcapng, ... (see FILES below).
    #[arg(short = 'w', long = "write", value_name = "PREFIX")]
    pub prefix: PathBuf,

    /// Capture filter in tcpdump syntax (pcap-filter(7)), e.g. 'tcp port 11211'.
    /// May also be given as trailing words, as with tcpdump.
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filter: Option<String>,

    /// Bytes to capture of each packet; 0 means the default.
    #[arg(short = 's', long = "snapshot-length", value_name = "SNAPLEN", default_value_t = DEFAULT_SNAPLEN,
          value_parser = clap::value_parser!(u32).range(0..=i32::MAX as i64))]
    pub snaplen: u32,

    /// Start a new file before the current one would exceed MB × 1,000,000 bytes.
    #[arg(short = 'C', long = "file-size", value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=u64::MAX / 1_000_000))]
    pub file_size_mb: Option<u64>,

    /// Start a new file every SECONDS seconds (at the first packet after that).
    #[arg(short = 'G', long = "rotate-seconds", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=u64::MAX / 1_000_000_000))]
    pub rotate_seconds: Option<u64>,

    /// Keep at most FILES files: opening one more deletes the oldest. Needs -C or -G.
    #[arg(short = 'W', long = "file-count", value_name = "FILES", requires = "rotation",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub file_count: Option<u32>,

    /// Kernel capture buffer size in KiB. The default, 32 MiB, is larger than libpcap's
    /// 2 MiB: on loopback, with 64 KiB packets, 2 MiB drops packets in any burst.
    #[arg(short = 'B', long = "buffer-size", value_name = "KIB", default_value_t = DEFAULT_BUFFER_KIB,
          value_parser = clap::value_parser!(u32).range(1..=(i32::MAX / 1024) as i64))]
    pub buffer_kib: u32,

    /// Don't put the interface into promiscuous mode (never used on "any").
    #[arg(short = 'p', long = "no-promiscuous-mode")]
    pub no_promiscuous: bool,

    /// File format: pcapng (with interface addresses and process comments) or pcap.
    #[arg(short = 'F', long = "format", value_name = "FORMAT", value_enum, default_value_t = FileFormat::Pcapng)]
    pub format: FileFormat,

    /// Don't look up which process owns each TCP connection (pcapng only; see PROCESSES).
    #[arg(long = "no-process-info")]
    pub no_process_info: bool,

    /// How processes are looked up: socket events and /proc (auto: events when the
    /// kernel allows them), events only, or /proc only (see PROCESSES).
    #[arg(long = "process-lookup", value_name = "HOW", value_enum, default_value_t = Mechanism::Auto)]
    pub process_lookup: Mechanism,

    /// After opening the capture, run as USER (and USER's groups) before creating any
    /// file; files belong to USER. Run as root, the default is `tcpdump` (else `nobody`),
    /// as Debian's tcpdump does; `-Z root` keeps root. See PRIVILEGES.
    #[arg(short = 'Z', long = "relinquish-privileges", value_name = "USER")]
    pub user: Option<String>,

    /// Keep this run's files at most SIZE in total (e.g. 20G): the oldest are deleted.
    /// Without -C, files are cut at a tenth of SIZE.
    #[arg(long = "max-total", value_name = "SIZE", value_parser = disk::parse_size)]
    pub max_total: Option<u64>,

    /// Keep at least this much of the file system free (SIZE, or PERCENT of the file
    /// system: 5%), checked before each new file and once a second while writing.
    #[arg(long = "min-free", value_name = "SIZE|PERCENT", default_value = DEFAULT_MIN_FREE, value_parser = disk::parse_amount)]
    pub min_free: Amount,

    /// When free space falls below --min-free: stop writing until there is space again,
    /// or delete the oldest files of this run (and stop when none is left).
    #[arg(long = "when-full", value_name = "ACTION", value_enum, default_value_t = WhenFull::Stop)]
    pub when_full: WhenFull,

    /// Compress each closed file (off the capture path), removing the uncompressed one.
    #[arg(long = "compress", value_name = "FORMAT", value_enum)]
    pub compress: Option<Compression>,

    /// Run CMD on each closed file, the last one included: `sh -c 'CMD "$1"' FILE`, as
    /// the user the capture runs as (after --compress; one at a time, in order).
    #[arg(short = 'z', long = "post-rotate", value_name = "CMD")]
    pub post_rotate: Option<String>,

    /// Capture filter as trailing words (tcpdump style), instead of -f.
    #[arg(
        value_name = "EXPRESSION",
        conflicts_with = "filter",
        trailing_var_arg = true
    )]
    pub expression: Vec<String>,
}

impl Options {
    /// The capture filter, from `-f` or the trailing words; `None` captures everything.
    pub fn filter(&self) -> Option<String> {
        match &self.filter {
            Some(f) if !f.trim().is_empty() => Some(f.clone()),
            Some(_) => None,
            None if self.expression.is_empty() => None,
            None => Some(self.expression.join(" ")),
        }
    }

    /// The snapshot length to use (0 means the default, as with tcpdump).
    pub fn snaplen(&self) -> u32 {
        if self.snaplen == 0 {
            DEFAULT_SNAPLEN
        } else {
            self.snaplen
        }
    }

    /// Whether connections are looked up in /proc and named in packet comments.
    pub fn process_info(&self) -> bool {
        self.format == FileFormat::Pcapng && !self.no_process_info
    }

    /// The rotation limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_bytes: self
                .file_size_mb
                .map(|mb| mb * 1_000_000)
                .or(self.max_total.map(|t| (t / 10).max(1))),
            interval_ns: self.rotate_seconds.map(|s| s * 1_000_000_000),
            keep: self.file_count.map(|n| n as usize),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("wirelens-capture").chain(args.iter().copied()))
    }

    #[test]
    fn the_options_parse_like_tcpdump() {
        let o = parse(&[
            "-i",
            "lo",
            "-w",
            "/tmp/c",
            "-f",
            "tcp port 80",
            "-C",
            "5",
            "-W",
            "3",
        ])
        .unwrap();
        assert_eq!(o.interface, "lo");
        assert_eq!(o.filter().as_deref(), Some("tcp port 80"));
        assert_eq!(o.snaplen(), 262_144);
        assert_eq!(
            o.limits(),
            Limits {
                max_bytes: Some(5_000_000),
                interval_ns: None,
                keep: Some(3)
            }
        );

        let o = parse(&[
            "-i", "any", "-w", "c", "-s", "0", "-G", "60", "tcp", "port", "11211",
        ])
        .unwrap();
        assert_eq!(o.filter().as_deref(), Some("tcp port 11211"));
        assert_eq!(o.snaplen(), 262_144);
        assert_eq!(o.limits().interval_ns, Some(60_000_000_000));

        let o = parse(&["-i", "eth0", "-w", "c", "-s", "96"]).unwrap();
        assert_eq!(
            (o.filter(), o.snaplen(), o.limits()),
            (None, 96, Limits::default())
        );
        assert_eq!((o.format, o.process_info()), (FileFormat::Pcapng, true));

        let o = parse(&["-i", "eth0", "-w", "c", "-F", "pcap"]).unwrap();
        assert_eq!((o.format, o.process_info()), (FileFormat::Pcap, false));
        let o = parse(&["-i", "eth0", "-w", "c", "--no-process-info"]).unwrap();
        assert_eq!((o.format, o.process_info()), (FileFormat::Pcapng, false));
    }

    #[test]
    fn the_disk_privilege_and_file_options_parse() {
        let o = parse(&["-i", "eth0", "-w", "c"]).unwrap();
        assert_eq!(
            (
                o.user,
                o.max_total,
                o.min_free,
                o.when_full,
                o.compress,
                o.post_rotate
            ),
            (None, None, Amount::Percent(2.0), WhenFull::Stop, None, None)
        );
        assert_eq!(o.process_lookup, Mechanism::Auto);
        let o = parse(&[
            "-i",
            "eth0",
            "-w",
            "c",
            "-Z",
            "nobody",
            "--max-total",
            "20G",
            "--min-free",
            "1G",
            "--when-full",
            "delete",
            "--compress",
            "zstd",
            "-z",
            "gzip -9",
            "--process-lookup",
            "proc",
        ])
        .unwrap();
        assert_eq!(o.user.as_deref(), Some("nobody"));
        assert_eq!(o.max_total, Some(20_000_000_000));
        assert_eq!(o.min_free, Amount::Bytes(1_000_000_000));
        assert_eq!(
            (o.when_full, o.compress),
            (WhenFull::Delete, Some(Compression::Zstd))
        );
        assert_eq!(o.post_rotate.as_deref(), Some("gzip -9"));
        assert_eq!(o.process_lookup, Mechanism::Proc);
        // --max-total alone cuts files at a tenth of it; -C wins when given.
        assert_eq!(o.limits().max_bytes, Some(2_000_000_000));
        let o = parse(&[
            "-i",
            "eth0",
            "-w",
            "c",
            "-C",
            "5",
            "--max-total",
            "20G",
            "-W",
            "3",
        ])
        .unwrap();
        assert_eq!(o.limits().max_bytes, Some(5_000_000));
        assert!(parse(&["-i", "eth0", "-w", "c", "--max-total", "20X"]).is_err());
        assert!(parse(&["-i", "eth0", "-w", "c", "--min-free", "150%"]).is_err());
        assert!(parse(&["-i", "eth0", "-w", "c", "--compress", "xz"]).is_err());
        assert!(parse(&["-i", "eth0", "-w", "c", "--when-full", "panic"]).is_err());
    }

    #[test]
    fn bad_options_are_refused() {
        assert!(parse(&["-w", "c"]).is_err(), "-i is required");
        assert!(parse(&["-i", "lo"]).is_err(), "-w is required");
        assert!(
            parse(&["-i", "lo", "-w", "c", "-W", "3"]).is_err(),
            "-W needs -C or -G"
        );
        assert!(parse(&["-i", "lo", "-w", "c", "-C", "0"]).is_err());
        assert!(parse(&["-i", "lo", "-w", "c", "-G", "0"]).is_err());
        assert!(parse(&["-i", "lo", "-w", "c", "-C", "1", "-W", "0"]).is_err());
        assert!(parse(&["-i", "lo", "-w", "c", "-f", "port 1", "port", "2"]).is_err());
        assert!(parse(&["-i", "lo", "-w", "c", "-s", "-1"]).is_err());
        assert!(parse(&["-i", "lo", "-w", "c", "-F", "erf"]).is_err());
    }

    #[test]
    fn the_help_explains_the_file_names() {
        use clap::CommandFactory;
        let help = Options::command().render_long_help().to_string();
        assert!(help.contains("PREFIX-00001.pcapng"), "{help}");
        assert!(help.contains("pid=<pid> comm=<comm>"), "{help}");
        for flag in [
            "-Z, --relinquish-privileges <USER>",
            "--max-total <SIZE>",
            "--min-free <SIZE|PERCENT>",
            "--when-full <ACTION>",
            "--compress <FORMAT>",
            "-z, --post-rotate <CMD>",
            "--process-lookup <HOW>",
            "CAP_SYS_PTRACE",
            "SIGHUP",
        ] {
            assert!(help.contains(flag), "{flag}: {help}");
        }
        assert!(help.contains("-F, --format <FORMAT>"), "{help}");
        assert!(help.contains("-C, --file-size <MB>"), "{help}");
    }
}
