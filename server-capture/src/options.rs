//! Command-line options, spelled like tcpdump's where tcpdump has the same option.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};

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
  dropped (-w web.pcapng writes web-00001.pcapng). Each file name is printed to stderr as
  it is opened.

  A pcapng file starts with a section header (shb_userappl, shb_os) and one interface
  description: if_name, if_filter, and the interface's addresses (if_IPv4addr,
  if_IPv6addr; every address of the host with -i any), which tell a reader which side of
  a connection is this host. It ends with interface statistics (isb_ifrecv = packets the
  filter passed, isb_ifdrop = packets the kernel dropped, isb_usrdeliv = packets written;
  counted from the start of the capture).

  Every file is complete: a rotation and a stop (ctrl+c, SIGINT or SIGTERM) flush whole
  records, and while packets arrive the current file is flushed about once a second,
  so a file can be copied off the server while the capture runs (its last record may be
  cut short then, never an earlier one). Files of earlier runs with the same PREFIX are
  overwritten, and are not counted by -W.

PROCESSES:
  In pcapng, the first packet of each TCP connection of this host in each file carries
  a comment \"pid=<pid> comm=<comm>\": the process that owns the connection's socket,
  found through /proc/net/tcp, /proc/net/tcp6 and /proc/<pid>/fd (as ss -p finds it).
  `wirelens sessions` shows them. An incoming connection not yet accept()ed has no owner:
  later packets of it try again (for up to about half a second, then the listening
  socket's owner is taken). Connections too short-lived to be seen open, and processes in
  other network namespaces, get no comment. The lookups are bounded (at most 50,000 file
  descriptors examined per second); --no-process-info turns them off. Capturing with
  process information uses libpcap's immediate mode, so a connection is looked up while
  it is still open.

ROTATION:
  Like tcpdump, rotation happens when a packet arrives: a quiet interface makes no empty
  files. -C and -G may be combined (whichever comes first). Unlike tcpdump, -W with -G
  keeps a ring of the newest files instead of stopping after FILES files. -C counts every
  byte of the file, the closing statistics block included.

EXAMPLES:
  wirelens-capture -i eth0 -w /var/tmp/web -f 'tcp port 80' -C 100 -W 10
      the last ~1 GB of HTTP traffic, in files of at most 100 MB
  wirelens-capture -i any -w /var/tmp/mc -G 300 -W 12 -f 'port 11211'
      the last hour of memcached traffic, one file per 5 minutes
  wirelens-capture -i lo -w /tmp/lo -F pcap
      classic pcap files, for tools that do not read pcapng

On stop a summary goes to stderr: files written, packets captured, packets dropped by
the kernel, TCP connections seen and how many have their process.";

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
    group(ArgGroup::new("rotation").args(["file_size_mb", "rotate_seconds"]).multiple(true))
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
            max_bytes: self.file_size_mb.map(|mb| mb * 1_000_000),
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
        assert!(help.contains("-F, --format <FORMAT>"), "{help}");
        assert!(help.contains("-C, --file-size <MB>"), "{help}");
    }
}
