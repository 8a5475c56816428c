//! Captures cut from a capture, to reproduce a problem (core's `query::cuts`):
//! `wirelens split` (a file per session, host, host pair, server port or time window; a
//! directory or a zip), `wirelens extract` (the packets a filter or a time range keeps),
//! `wirelens bisect` (the sessions in consecutive parts) and `wirelens intensify` (chosen
//! sessions N times at once, faster, for tcpreplay).
//!
//! Packets are read forward, in the byte ranges the core's re-read planner names (from
//! a restart point in a compressed file); a split into a directory reads them once and keeps
//! each file's records in a small buffer and a bounded set of files open, so a capture
//! with a hundred thousand sessions splits without a hundred thousand open files.

use crate::input::{report_errors, Inputs};
use anyhow::{bail, Context as _};
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::driver::Options;
use wirelens_core::ingest::Stages;
use wirelens_core::query::cuts::intensify::{Clients, Intensify, Params};
use wirelens_core::query::cuts::split::{Split, SplitBy, SplitZip};
use wirelens_core::query::cuts::{self, trex, Pick};
use wirelens_core::query::export::OutputFormat;
use wirelens_core::query::fields::PacketSource;
use wirelens_core::query::filter::Filter;
use wirelens_core::query::reread::Reread;
use wirelens_core::query::scan::{Scan, ScanOptions};

/// Which sessions: the options `split`, `bisect` and `intensify` share.
#[derive(clap::Args)]
pub struct Choose {
    /// Capture files (pcap, pcapng, compressed); `-` reads stdin. Several files form one
    /// timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Only the sessions with a packet this display filter keeps (whole sessions are
    /// written), e.g. `http.response.code >= 500`.
    #[arg(short = 'Y', long = "display-filter", value_name = "FILTER")]
    filter: Option<String>,
    /// Only these sessions: `tcp:3`, `udp:7`, `tcp.stream==3` or `3` (TCP). Repeatable.
    #[arg(long = "stream", value_name = "STREAM")]
    streams: Vec<String>,
    /// Only the N sessions that lasted longest.
    #[arg(long, value_name = "N", conflicts_with_all = ["streams", "slowest", "errors"])]
    longest: Option<usize>,
    /// Only the N sessions with the slowest transactions (HTTP, DNS, memcached, MySQL,
    /// Redis: request to response).
    #[arg(long, value_name = "N", conflicts_with_all = ["streams", "errors"])]
    slowest: Option<usize>,
    /// Only the sessions with errors: a reset, a retransmission, a tcp.analysis
    /// warning, or an application error (HTTP 4xx/5xx, DNS, MySQL, Redis, memcached).
    #[arg(long, conflicts_with = "streams")]
    errors: bool,
    /// A TLS key log (NSS SSLKEYLOGFILE), as tshark's `-o tls.keylog_file:PATH` (`-o`
    /// names the output here): decrypted, the sessions' HTTP, HTTP/2 … transactions count
    /// for --errors, --slowest and -Y. May be repeated.
    #[arg(long = "tls-keylog", value_name = "PATH")]
    keylogs: Vec<String>,
}

/// `-F`: pcap (µs), nsecpcap or pcapng.
fn output_format(name: &str) -> anyhow::Result<OutputFormat> {
    Ok(match name {
        "pcapng" => OutputFormat::PcapNg { big_endian: false },
        "pcap" => OutputFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        "nsecpcap" => OutputFormat::Pcap {
            big_endian: false,
            nanos: true,
        },
        other => bail!("-F {other}: the formats are pcap, nsecpcap and pcapng"),
    })
}

fn parse_stream(s: &str) -> anyhow::Result<(L4, u32)> {
    let t = s.replace(' ', "");
    let (l4, n) = if let Some(n) = t.strip_prefix("tcp:").or(t.strip_prefix("tcp.stream==")) {
        (L4::Tcp, n)
    } else if let Some(n) = t.strip_prefix("udp:").or(t.strip_prefix("udp.stream==")) {
        (L4::Udp, n)
    } else {
        (L4::Tcp, t.as_str())
    };
    let n = n
        .parse()
        .with_context(|| format!("--stream {s}: expected tcp:N, udp:N or N"))?;
    Ok((l4, n))
}

/// A capture read for cutting, and its files, to read packets again.
struct Input {
    capture: Capture,
    inputs: Inputs,
}

impl Input {
    fn read(files: &[String], stages: Stages, keylogs: &[String]) -> anyhow::Result<Input> {
        let inputs = Inputs::new(files, true)?;
        let prefs: Vec<String> = keylogs
            .iter()
            .map(|p| format!("tls.keylog_file:{p}"))
            .collect();
        let capture = inputs.read(&Options {
            stages,
            key_logs: crate::apps::key_logs(&prefs)?,
            ..Options::default()
        })?;
        Ok(Input { capture, inputs })
    }

    /// Ends: the capture's errors on stderr; exit code 1 when there were some.
    fn done(&self) -> ExitCode {
        if report_errors(&self.capture) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// Calls `each` with the bytes of every packet of `indices` (ascending), in order: one
/// forward run of the core's re-read planner, one window of each file held at a time.
fn read_packets(
    capture: &Capture,
    inputs: &Inputs,
    indices: impl IntoIterator<Item = usize>,
    mut each: impl FnMut(usize, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let order: Vec<u32> = indices.into_iter().map(|i| i as u32).collect();
    let mut rr = Reread::run(capture, order.clone(), false);
    let mut buf = Vec::new();
    let mut rows = capture.packets.reader();
    for (pos, &i) in order.iter().enumerate() {
        rr.fill(pos, &mut |f| inputs.fetch(f.file, f.start, f.end));
        let i = i as usize;
        if !rr.read(i, &rows.at(i), &mut buf) {
            bail!(
                "packet {}: its bytes could not be read again{}",
                i + 1,
                rr.error().map_or(String::new(), |e| format!(" ({e})"))
            );
        }
        each(i, &buf)?;
    }
    Ok(())
}

impl Choose {
    fn pick(&self) -> anyhow::Result<Pick> {
        Ok(if !self.streams.is_empty() {
            Pick::Streams(
                self.streams
                    .iter()
                    .map(|s| parse_stream(s))
                    .collect::<anyhow::Result<_>>()?,
            )
        } else if let Some(n) = self.longest {
            Pick::Longest(n)
        } else if let Some(n) = self.slowest {
            Pick::Slowest(n)
        } else if self.errors {
            Pick::Errors
        } else {
            Pick::All
        })
    }

    /// Reads the capture and chooses its sessions (flow ids, ascending); `None` when no
    /// option narrowed them (every session, and for a split by time every packet).
    fn sessions(&self) -> anyhow::Result<(Input, Option<Vec<u32>>)> {
        let pick = self.pick()?;
        let filter = match &self.filter {
            Some(text) => Some(
                Filter::compile(text)
                    .map_err(|e| anyhow::anyhow!("invalid display filter: {}", e.render(text)))?,
            ),
            None => None,
        };
        // The application layer only where the choice needs it.
        let stages = if filter.is_some() || matches!(pick, Pick::Slowest(_) | Pick::Errors) {
            Stages::ALL
        } else {
            Stages::TCP
        };
        let input = Input::read(&self.files, stages, &self.keylogs)?;
        let candidates = match &filter {
            Some(f) => {
                for name in f.not_yet_extracted() {
                    eprintln!("wirelens: note: {name} is not yet extracted; it matches no packet");
                }
                let cap = &input.capture;
                let mut scan = Scan::new(cap, f, &[], ScanOptions::default());
                let hits = scan.run_all(&mut |fe| input.inputs.fetch(fe.file, fe.start, fe.end));
                if let Some(e) = scan.error() {
                    eprintln!("wirelens: {e}");
                }
                Some(cuts::flows_of(cap, hits.into_iter().map(|i| i as usize)))
            }
            None => None,
        };
        if candidates.is_none() && pick == Pick::All {
            return Ok((input, None));
        }
        let flows = cuts::pick(&input.capture, candidates.as_deref(), &pick);
        Ok((input, Some(flows)))
    }
}

#[derive(clap::Args)]
pub struct SplitArgs {
    #[command(flatten)]
    choose: Choose,
    /// Where the files go: a directory (made if needed), or a `.zip` archive (`-`:
    /// a zip on stdout).
    #[arg(short = 'o', value_name = "DIR|FILE.zip")]
    out: String,
    /// One file per: session (TCP connection or UDP flow), host, hostpair, port (server
    /// port) or time (window of --interval seconds).
    #[arg(long, default_value = "session", value_parser = ["session", "host", "hostpair", "port", "time"])]
    by: String,
    /// With --by time: seconds per file.
    #[arg(long, value_name = "SECONDS")]
    interval: Option<f64>,
    /// File format: pcap (µs), nsecpcap or pcapng.
    #[arg(short = 'F', value_name = "FORMAT", default_value = "pcap", value_parser = ["pcap", "nsecpcap", "pcapng"])]
    format: String,
    /// Also write a Cisco TRex traffic profile (t-rex-64 -f FILE) with a template per
    /// session file at its rate in the capture (--by session, pcap files).
    #[arg(long, value_name = "FILE")]
    trex: Option<String>,
    /// The profile's rates, times this.
    #[arg(long, value_name = "M", default_value_t = 1.0)]
    trex_multiplier: f64,
}

pub const SPLIT_HELP: &str = "\
Files are named by their first packet's time (UTC), so they sort by start time, then
what they hold: 20231114-221320.123456789_tcp-12_10.0.0.1.51000_10.0.0.2.80.pcap
(a session: its stream number, client first, then server). A line per file on stdout:
name, packets, bytes, and the display filter that shows its packets.

Each session file holds what `tshark -Y \"tcp.stream == N\" -w` writes: the same packets,
bytes, timestamps and comments. Packets in no session (ARP, ICMP) go to no file but in a
split by time; a display filter (-Y) or --stream/--longest/--slowest/--errors keep whole
sessions.

EXAMPLES:
  wirelens split cap.pcapng -o sessions/                 a pcap per TCP/UDP session
  wirelens split cap.pcapng -o slow.zip --slowest 20     the 20 slowest, zipped
  wirelens split cap.pcapng -o by-host/ --by host -Y 'tcp.port == 3306'
  wirelens split cap.pcapng -o s/ --trex s/profile.yaml  with a TRex profile";

fn split_by(args: &SplitArgs) -> anyhow::Result<SplitBy> {
    Ok(match args.by.as_str() {
        "session" => SplitBy::Session,
        "host" => SplitBy::Host,
        "hostpair" => SplitBy::HostPair,
        "port" => SplitBy::Port,
        _ => {
            let Some(s) = args.interval.filter(|s| s.is_finite() && *s > 0.0) else {
                bail!("--by time needs --interval SECONDS (greater than 0)");
            };
            SplitBy::Time((s * 1e9).round().max(1.0) as i64)
        }
    })
}

pub fn split(args: &SplitArgs) -> anyhow::Result<ExitCode> {
    let by = split_by(args)?;
    let format = output_format(&args.format)?;
    if args.trex.is_some()
        && (by != SplitBy::Session || !matches!(format, OutputFormat::Pcap { .. }))
    {
        bail!("--trex: TRex replays one session per pcap file: use --by session and -F pcap or nsecpcap");
    }
    let (input, flows) = args.choose.sessions()?;
    let split = Split::new(&input.capture, by, flows.as_deref(), format).context("cannot split")?;
    if args.out == "-" || args.out.ends_with(".zip") {
        write_zip(&input.capture, &input.inputs, &split, &args.out)?;
    } else {
        write_dir(&input.capture, &input.inputs, &split, Path::new(&args.out))?;
    }
    if let Some(path) = &args.trex {
        let mut prefix = args.out.clone();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        let yaml = trex::profile(&input.capture, split.parts(), &prefix, args.trex_multiplier);
        std::fs::write(path, yaml).with_context(|| format!("cannot write {path}"))?;
    }
    report(&input.capture, &split, args.out != "-")?;
    Ok(input.done())
}

/// A line per file on stdout (unless it carries the zip); a summary on stderr.
fn report(capture: &Capture, split: &Split, lines: bool) -> anyhow::Result<()> {
    if lines {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for p in split.parts() {
            writeln!(
                out,
                "{}\t{}\t{}\t{}",
                p.name,
                p.packets,
                p.bytes,
                p.filter.as_deref().unwrap_or("")
            )?;
        }
        out.flush()?;
    }
    let packets: u64 = split.parts().iter().map(|p| p.packets).sum();
    eprintln!(
        "wirelens: {} files, {packets} packets written; {} of {} packets in no file",
        split.parts().len(),
        split.left_out(),
        capture.packets.len()
    );
    Ok(())
}

/// Writes the parts as one zip (a batch of parts per pass over the capture).
fn write_zip(capture: &Capture, inputs: &Inputs, split: &Split, path: &str) -> anyhow::Result<()> {
    let out: Box<dyn Write> = if path == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(path).with_context(|| format!("cannot create {path}"))?)
    };
    let mut zip = SplitZip::new(split, BufWriter::with_capacity(1 << 16, out), ZIP_BUDGET)
        .with_context(|| format!("cannot write {path}"))?;
    while let Some(packets) = zip
        .next_batch()
        .with_context(|| format!("cannot write {path}"))?
    {
        read_packets(capture, inputs, packets, |i, data| {
            zip.packet(i, data)
                .with_context(|| format!("cannot write {path}"))
        })?;
    }
    zip.finish()
        .with_context(|| format!("cannot write {path}"))?;
    Ok(())
}

/// Bytes of zip entries held at most while a batch is read.
const ZIP_BUDGET: u64 = 64 << 20;
/// Bytes a file's records wait in memory before they are written.
const FILE_BUF: usize = 64 << 10;
/// Bytes all files' records wait at most.
const ALL_BUFS: usize = 64 << 20;
/// Files kept open at most.
const MAX_OPEN: usize = 128;

/// Many files written at once, each appended in pieces.
struct Files {
    dir: PathBuf,
    names: Vec<String>,
    bufs: Vec<Vec<u8>>,
    created: Vec<bool>,
    buffered: usize,
    /// Open files, most recently used last.
    open: VecDeque<(usize, File)>,
}

impl Files {
    fn append(&mut self, part: usize, header: &[u8], record: &[u8]) -> anyhow::Result<()> {
        let buf = &mut self.bufs[part];
        if buf.is_empty() && !self.created[part] {
            buf.extend_from_slice(header);
            self.buffered += header.len();
        }
        buf.extend_from_slice(record);
        self.buffered += record.len();
        if buf.len() >= FILE_BUF {
            self.flush(part)?;
        }
        if self.buffered > ALL_BUFS {
            for p in 0..self.bufs.len() {
                if !self.bufs[p].is_empty() {
                    self.flush(p)?;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self, part: usize) -> anyhow::Result<()> {
        let at = self.open.iter().position(|(p, _)| *p == part);
        let mut file = match at {
            Some(at) => self.open.remove(at).expect("found").1,
            None => {
                let path = self.dir.join(&self.names[part]);
                let f = if self.created[part] {
                    OpenOptions::new().append(true).open(&path)
                } else {
                    File::create(&path)
                };
                self.created[part] = true;
                f.with_context(|| format!("cannot write {}", path.display()))?
            }
        };
        let buf = std::mem::take(&mut self.bufs[part]);
        file.write_all(&buf).with_context(|| {
            format!(
                "cannot write {}",
                self.dir.join(&self.names[part]).display()
            )
        })?;
        self.buffered -= buf.len();
        self.bufs[part] = buf;
        self.bufs[part].clear();
        self.open.push_back((part, file));
        if self.open.len() > MAX_OPEN {
            self.open.pop_front();
        }
        Ok(())
    }

    /// The part's last record was appended: write it out and close it.
    fn close(&mut self, part: usize) -> anyhow::Result<()> {
        self.flush(part)?;
        if let Some(at) = self.open.iter().position(|(p, _)| *p == part) {
            self.open.remove(at);
        }
        Ok(())
    }
}

/// Writes each part to its own file in `dir`, reading the capture once.
fn write_dir(capture: &Capture, inputs: &Inputs, split: &Split, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
    let parts = split.parts();
    let mut files = Files {
        dir: dir.to_path_buf(),
        names: parts.iter().map(|p| p.name.clone()).collect(),
        bufs: vec![Vec::new(); parts.len()],
        created: vec![false; parts.len()],
        buffered: 0,
        open: VecDeque::new(),
    };
    let mut encoder = split.encoder().context("cannot split")?;
    let header = split.header().to_vec();
    let wanted = split.packets(0..parts.len());
    let mut targets = Vec::with_capacity(2);
    read_packets(capture, inputs, wanted, |i, data| {
        let record = encoder.record(i, data).context("cannot split")?;
        targets.clear();
        targets.extend(split.parts_of(i));
        for &p in &targets {
            files.append(p, &header, record)?;
            if parts[p].last == i {
                files.close(p)?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

#[derive(clap::Args)]
pub struct BisectArgs {
    #[command(flatten)]
    choose: Choose,
    /// The directory the parts go to (made if needed).
    #[arg(short = 'o', value_name = "DIR")]
    out: String,
    /// Into how many parts (2: halves).
    #[arg(long, default_value_t = 2, value_name = "N")]
    parts: usize,
    /// File format: pcap (µs), nsecpcap or pcapng.
    #[arg(short = 'F', value_name = "FORMAT", default_value = "pcap", value_parser = ["pcap", "nsecpcap", "pcapng"])]
    format: String,
}

pub const BISECT_HELP: &str = "\
The sessions, in order of their first packet, go into N files of (nearly) as many
sessions each: the first half and the second half with N = 2. Replay each; bisect again
the one that still shows the problem, until few sessions are left. A line per file on
stdout: name, packets, bytes, and the display filter of its sessions.

EXAMPLES:
  wirelens bisect cap.pcapng -o halves/
  wirelens bisect halves/*part-1-of-2*.pcap -o quarters/";

pub fn bisect(args: &BisectArgs) -> anyhow::Result<ExitCode> {
    if args.parts == 0 {
        bail!("--parts: at least 1");
    }
    let format = output_format(&args.format)?;
    let (input, flows) = args.choose.sessions()?;
    let split = Split::new(
        &input.capture,
        SplitBy::Parts(args.parts),
        flows.as_deref(),
        format,
    )
    .context("cannot bisect")?;
    write_dir(&input.capture, &input.inputs, &split, Path::new(&args.out))?;
    report(&input.capture, &split, true)?;
    Ok(input.done())
}

#[derive(clap::Args)]
pub struct ExtractArgs {
    /// Capture files (pcap, pcapng, compressed); `-` reads stdin. Several files form one
    /// timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Display filter: the packets to keep.
    #[arg(short = 'Y', long = "display-filter", value_name = "FILTER")]
    filter: Option<String>,
    /// Keep packets from this time on: seconds from the first packet (`12.5`), or UTC
    /// (`2023-11-14T22:13:20.5`).
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Keep packets before this time (same forms as --from).
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    /// The file to write; `-` is stdout.
    #[arg(short = 'w', value_name = "FILE")]
    write: String,
    /// Its format, as tshark's -F: pcapng, pcap (microseconds) or nsecpcap.
    #[arg(short = 'F', value_name = "FORMAT", default_value = "pcapng", value_parser = ["pcapng", "pcap", "nsecpcap"])]
    format: String,
}

pub const EXTRACT_HELP: &str = "\
What `wirelens list FILE -Y FILTER -w OUT` writes (as `tshark -Y FILTER -w OUT`): the
packets kept, with their bytes, lengths, timestamps, interfaces and comments. A time
range is a filter too: --from 12.5 --to 20 keeps what `frame.time_relative >= 12.5 &&
frame.time_relative < 20` keeps; a UTC time compares frame.time_epoch.

EXAMPLES:
  wirelens extract cap.pcapng -Y 'tcp.stream == 7' -w stream7.pcapng
  wirelens extract cap.pcapng --from 60 --to 120 -F pcap -w minute2.pcap";

/// A bound of --from / --to as a filter on the frame's time: seconds from the first
/// packet (`frame.time_relative`), or a UTC date and time (`frame.time_epoch`).
fn time_bound(s: &str, op: &str) -> anyhow::Result<String> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() {
            return Ok(format!("frame.time_relative {op} {s}"));
        }
    }
    let bad = || {
        anyhow::anyhow!(
            "{s}: expected seconds from the first packet (12.5) or a UTC time (2023-11-14T22:13:20.5)"
        )
    };
    let t = s.trim_end_matches('Z');
    let (date, time) = t.split_once(['T', ' ']).ok_or_else(bad)?;
    let num = |x: &str| x.parse::<i64>().map_err(|_| bad());
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, day] = d.as_slice() else {
        return Err(bad());
    };
    let (y, m, day) = (num(y)?, num(m)?, num(day)?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let h: Vec<i64> = hms.split(':').map(num).collect::<anyhow::Result<_>>()?;
    let [hh, mm, ss] = h.as_slice() else {
        return Err(bad());
    };
    let ok = (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (0..24).contains(hh)
        && (0..60).contains(mm)
        && (0..=60).contains(ss)
        && frac.len() <= 9
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(bad());
    }
    let days = wirelens_core::query::fields::days_from_civil(y, m as u32, day as u32);
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Ok(format!("frame.time_epoch {op} {secs}.{frac:0<9}"))
}

/// `wirelens extract`: `wirelens list … -w` with the time range added to the filter.
pub fn extract(args: &ExtractArgs) -> anyhow::Result<ExitCode> {
    let mut terms = Vec::new();
    if let Some(f) = args.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        terms.push(format!("({f})"));
    }
    if let Some(t) = &args.from {
        terms.push(time_bound(t, ">=")?);
    }
    if let Some(t) = &args.to {
        terms.push(time_bound(t, "<")?);
    }
    let filter = (!terms.is_empty()).then(|| terms.join(" && "));
    crate::list::run(&crate::list::Args::write_to(
        args.files.clone(),
        filter,
        args.write.clone(),
        args.format.clone(),
    ))
}

#[derive(clap::Args)]
pub struct IntensifyArgs {
    #[command(flatten)]
    choose: Choose,
    /// The file to write; `-` is stdout.
    #[arg(short = 'w', value_name = "FILE")]
    write: String,
    /// Copies of each session, the original included.
    #[arg(short = 'n', long = "copies", default_value_t = 2, value_name = "N")]
    copies: u32,
    /// Divide every gap between packets by this.
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    speedup: f64,
    /// Start copy k this many seconds after copy 0, times k (0: all at once).
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    spread: f64,
    /// Networks the copies' client addresses come from (one IPv4 and one IPv6), e.g.
    /// 10.99.0.0/16; by default the benchmarking networks 198.18.0.0/15 and 2001:2::/48.
    #[arg(
        long = "clients",
        value_name = "CIDR",
        conflicts_with = "keep_addresses"
    )]
    clients: Vec<String>,
    /// Keep the client addresses; give each copy new client ports instead.
    #[arg(long)]
    keep_addresses: bool,
    /// File format: pcap (µs), nsecpcap or pcapng.
    #[arg(short = 'F', value_name = "FORMAT", default_value = "pcap", value_parser = ["pcap", "nsecpcap", "pcapng"])]
    format: String,
}

pub const INTENSIFY_HELP: &str = "\
Copy 0 of each session is the session as captured; copies 1..N-1 have a new client
address (one per original client address and copy) or, with --keep-addresses, a new
client port, and shifted sequence numbers. Checksums are valid in every copy (computed
again where the packet holds the whole segment, so checksums a capture shows unfilled
are mended). Gaps between packets are divided by --speedup from the first packet on, so
sessions overlap more; the copies are interleaved by time. Replay the file with
`tcpreplay -i IFACE FILE` (or --topspeed).

EXAMPLES:
  wirelens intensify cap.pcapng -w x10.pcap -n 10 --speedup 5 --slowest 3
  wirelens intensify cap.pcapng -w x4.pcap -n 4 --keep-addresses -Y 'tcp.port == 11211'";

fn parse_cidr(s: &str) -> anyhow::Result<(IpAddr, u8)> {
    let (a, p) = s
        .split_once('/')
        .with_context(|| format!("--clients {s}: expected ADDRESS/PREFIX"))?;
    let a: IpAddr = a
        .parse()
        .with_context(|| format!("--clients {s}: not an address"))?;
    let p: u8 = p
        .parse()
        .ok()
        .filter(|&p| p <= if a.is_ipv4() { 32 } else { 128 })
        .with_context(|| format!("--clients {s}: bad prefix length"))?;
    Ok((a, p))
}

pub fn intensify(args: &IntensifyArgs) -> anyhow::Result<ExitCode> {
    let format = output_format(&args.format)?;
    let clients = if args.keep_addresses {
        Clients::Ports
    } else {
        let Clients::Pool { mut v4, mut v6 } = Clients::default() else {
            unreachable!("the default is a pool");
        };
        for c in &args.clients {
            match parse_cidr(c)? {
                (IpAddr::V4(a), p) => v4 = (a, p),
                (IpAddr::V6(a), p) => v6 = (a, p),
            }
        }
        Clients::Pool { v4, v6 }
    };
    if !(args.spread.is_finite() && args.spread >= 0.0) {
        bail!("--spread: seconds, not negative");
    }
    let params = Params {
        copies: args.copies,
        speedup: args.speedup,
        spread_ns: (args.spread * 1e9).round() as i64,
        clients,
    };
    let (input, flows) = args.choose.sessions()?;
    let flows = flows.unwrap_or_else(|| (0..input.capture.conversations.len() as u32).collect());
    let path = &args.write;
    let mut job = Intensify::new(&input.capture, &flows, params, format)?;
    let out: Box<dyn Write> = if path == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(path).with_context(|| format!("cannot create {path}"))?)
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(job.header())
        .with_context(|| format!("cannot write {path}"))?;
    let mut sink = |r: &[u8]| out.write_all(r);
    let packets = job.packets();
    read_packets(&input.capture, &input.inputs, packets, |i, data| {
        job.packet(i, data, &mut sink)
            .with_context(|| format!("cannot write {path}"))
    })?;
    job.finish(&mut sink)
        .with_context(|| format!("cannot write {path}"))?;
    out.flush()
        .with_context(|| format!("cannot write {path}"))?;
    let s = job.stats();
    for (f, why) in &s.skipped {
        let c = &input.capture.conversations[*f as usize];
        eprintln!("wirelens: left out {}: {why}", cuts::stream_filter(c));
    }
    eprintln!(
        "wirelens: {} sessions × {}: {} packets read, {} written ({} with checksums computed, {} updated, {} fragments, {} not rewritable)",
        s.sessions, args.copies, s.packets_in, s.packets_out, s.full, s.updated, s.ip_only, s.dropped
    );
    Ok(input.done())
}
