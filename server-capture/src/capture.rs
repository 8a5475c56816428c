//! The capture loop: libpcap in, rotated pcapng (or pcap) files out, each TCP
//! connection of this host named by its process.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pcap::{Active, BreakLoop, Capture, PacketHeader};

use wirelens_core::query::export::writer::{
    self, InterfaceInfo, InterfaceStats, OutputFormat, SectionInfo, Writer,
};

use crate::options::FileFormat;
use crate::procinfo::Resolver;
use crate::rotation::{FileLayout, Rotation};
use crate::{Error, Options, Summary};

/// libpcap's read timeout. On Linux (TPACKET_V3) it is also how long the kernel holds a
/// partly filled buffer block before handing it over, so it bounds how late a packet
/// reaches us; 200 ms is tcpdump's order of magnitude without waking up too often.
const READ_TIMEOUT_MS: i32 = 200;

/// How often the loop wakes up even without traffic, and flushes the current file when
/// it holds unflushed packets. With TPACKET_V3 the read timeout does not fire on an idle
/// interface, so a helper thread breaks the wait with `pcap_breakloop` this often.
const TICK: Duration = Duration::from_secs(1);

/// A large buffer: one write system call per 256 KiB of packets.
const WRITE_BUFFER: usize = 256 * 1024;

/// The longest comment written: `pid=4194304 comm=` and a 15-byte task name
/// (TASK_COMM_LEN - 1) make at most 32 bytes; a longer one (an odd pid) is dropped.
const MAX_COMMENT: usize = 32;
/// Room kept in a file for a packet's process comment, so `-C` holds whatever the comment
/// turns out to be: the bytes a comment of [`MAX_COMMENT`] adds to a packet's block.
fn comment_reserve(format: OutputFormat) -> u64 {
    writer::packet_len(format, 0, &[&"x".repeat(MAX_COMMENT)]) - writer::packet_len(format, 0, &[])
}

/// pcap as libpcap writes it (microseconds, this host's byte order being irrelevant to
/// readers: little-endian); pcapng little-endian.
const PCAP: OutputFormat = OutputFormat::Pcap {
    big_endian: false,
    nanos: false,
};
const PCAPNG: OutputFormat = OutputFormat::PcapNg { big_endian: false };

/// The statistics closing a pcapng file: which counters are written, so the room they
/// take is known before the file is opened.
fn closing_stats(start_ns: i64, received: u32, dropped: u32, delivered: u64) -> InterfaceStats {
    let now = now_ns();
    InterfaceStats {
        ts_ns: now,
        start_ns: Some(start_ns),
        end_ns: Some(now),
        received: Some(u64::from(received)),
        // libpcap's ps_drop: packets the kernel dropped for want of buffer space
        // (dumpcap writes the same counter here).
        dropped: Some(u64::from(dropped)),
        filter_accepted: None,
        os_dropped: None,
        delivered: Some(delivered),
    }
}

/// Wakes the capture loop from another thread (a signal handler thread, say): call it
/// after setting the stop flag passed to [`Capturer::run`].
pub struct Waker(BreakLoop);

impl Waker {
    /// Makes a blocked read in the capture loop return now.
    pub fn wake(&self) {
        self.0.breakloop();
    }
}

/// An open, filtered live capture, ready to [`run`](Capturer::run).
pub struct Capturer {
    cap: Capture<Active>,
    interface: String,
    linktype: u32,
    snaplen: u32,
    rotation: Rotation,
    kind: Kind,
    resolver: Option<Resolver>,
}

/// What the files are: their format, the section and the one interface (in pcap, its
/// link type and snapshot length alone).
#[derive(Clone)]
struct Kind {
    format: OutputFormat,
    section: SectionInfo,
    iface: InterfaceInfo,
}

impl Capturer {
    /// Opens the interface and compiles the filter. No file is written yet.
    pub fn open(opts: &Options) -> Result<Self, Error> {
        let interface = opts.interface.clone();
        let iface_err = |source| Error::Interface {
            interface: interface.clone(),
            source,
        };
        let snaplen = opts.snaplen();
        // libpcap refuses promiscuous mode on "any" with a warning the pcap crate reports
        // as an error; tcpdump carries on without it, and so do we.
        let promisc = !opts.no_promiscuous && interface != "any";
        // Immediate mode (TPACKET_V2 on Linux) hands each packet over at once instead of
        // with a block of them up to READ_TIMEOUT_MS later: a connection is looked up
        // while its socket still exists.
        let inactive = Capture::from_device(interface.as_str())
            .map_err(iface_err)?
            .snaplen(snaplen as i32)
            .promisc(promisc)
            .timeout(READ_TIMEOUT_MS)
            .immediate_mode(opts.process_info())
            .buffer_size((opts.buffer_kib * 1024) as i32);
        let mut cap = inactive.open().map_err(iface_err)?;
        if let Some(filter) = opts.filter() {
            cap.filter(&filter, true).map_err(|source| Error::Filter {
                interface: interface.clone(),
                filter,
                source,
            })?;
        }
        let linktype = cap.get_datalink().0 as u32;
        let kind = match opts.format {
            FileFormat::Pcap => Kind {
                format: PCAP,
                section: SectionInfo::default(),
                iface: InterfaceInfo {
                    linktype: linktype as u16,
                    snaplen,
                    ..InterfaceInfo::default()
                },
            },
            FileFormat::Pcapng => Kind {
                format: PCAPNG,
                section: SectionInfo {
                    application: Some(format!("wirelens-capture {}", env!("CARGO_PKG_VERSION"))),
                    os: os_name(),
                    ..SectionInfo::default()
                },
                iface: InterfaceInfo {
                    linktype: linktype as u16,
                    snaplen,
                    name: Some(interface.clone()),
                    filter: opts.filter(),
                    addresses: host_addresses(&interface),
                    // The kernel's timeval: microseconds.
                    tsresol: 6,
                    ..InterfaceInfo::default()
                },
            },
        };
        let layout = match kind.format {
            OutputFormat::Pcap { .. } => FileLayout::PCAP,
            OutputFormat::PcapNg { .. } => FileLayout {
                extension: "pcapng",
                header: writer::header_len(kind.format, &kind.section, &kind.iface)
                    .expect("the daemon's interface has a valid resolution"),
                trailer: writer::stats_len(kind.format, &closing_stats(0, 0, 0, 0)),
            },
        };
        let resolver = (kind.format == PCAPNG && opts.process_info())
            .then(|| Resolver::new(kind.iface.addresses.iter().map(|a| a.0)));
        let rotation = Rotation::new(&opts.prefix, opts.limits(), layout);
        Ok(Self {
            cap,
            interface,
            linktype,
            snaplen,
            rotation,
            kind,
            resolver,
        })
    }

    /// A line like tcpdump's "listening on ..." for the log.
    pub fn describe(&self) -> String {
        let dlt = pcap::Linktype(self.linktype as i32);
        let name = dlt
            .get_name()
            .unwrap_or_else(|_| format!("DLT {}", self.linktype));
        let desc = dlt
            .get_description()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let mut line = format!(
            "capturing on {}, link-type {name}{desc}, snapshot length {} bytes",
            self.interface, self.snaplen
        );
        match self.kind.format {
            OutputFormat::Pcap { .. } => line.push_str(", pcap files"),
            OutputFormat::PcapNg { .. } => {
                let addrs: Vec<String> = self
                    .kind
                    .iface
                    .addresses
                    .iter()
                    .map(|(a, p)| format!("{a}/{p}"))
                    .collect();
                line.push_str(&format!(
                    ", pcapng files, host addresses [{}]",
                    addrs.join(", ")
                ));
                if self.resolver.is_some() {
                    line.push_str(", TCP connections named by process");
                }
            }
        }
        line
    }

    /// A handle that wakes [`run`](Capturer::run) from another thread.
    pub fn waker(&mut self) -> Waker {
        Waker(self.cap.breakloop_handle())
    }

    /// Captures until `stop` is set (then call [`Waker::wake`]) or an error, writing
    /// rotated files and naming each new file on `log`. On stop, packets the kernel still
    /// holds are read (for up to one read timeout) and the last file is flushed.
    pub fn run(self, stop: &AtomicBool, log: &mut dyn Write) -> Result<Summary, Error> {
        let Capturer {
            mut cap,
            interface,
            linktype,
            snaplen: _,
            rotation,
            kind,
            resolver,
        } = self;
        let mut files = Files {
            rotation,
            linktype,
            kind,
            resolver,
            start_ns: now_ns(),
            out: None,
            packets: 0,
            bytes: 0,
        };

        // The ticker: a wake-up every TICK until the sender is dropped.
        let (ticker_stop, ticks) = mpsc::channel::<()>();
        let waker = cap.breakloop_handle();
        let ticker = std::thread::spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = ticks.recv_timeout(TICK) {
                waker.breakloop();
            }
        });

        let result = capture(&mut cap, &mut files, stop, log, &interface).and_then(|()| {
            let cap_err = |source| Error::Capture {
                interface: interface.clone(),
                source,
            };
            // The kernel may hold a partly filled block for up to one read timeout.
            let mut cap = cap.setnonblock().map_err(cap_err)?;
            let until = Instant::now() + Duration::from_millis(READ_TIMEOUT_MS as u64 + 100);
            drain(&mut cap, &mut files, until, log, &interface)?;
            cap.stats().map_err(cap_err)
        });

        drop(ticker_stop);
        let _ = ticker.join();
        // Close the last file whatever happened, so it ends with a whole record (and, in
        // pcapng, the statistics when libpcap could give them).
        let closed = files.close(result.as_ref().ok());
        let stats = result?;
        closed?;
        let processes = files.resolver.as_ref().map(|r| {
            let s = r.stats();
            (s.connections, s.found)
        });
        Ok(Summary {
            files_opened: files.rotation.files_opened(),
            files_kept: files.rotation.kept().map(Path::to_path_buf).collect(),
            packets: files.packets,
            bytes: files.bytes,
            received: stats.received,
            dropped: stats.dropped,
            if_dropped: stats.if_dropped,
            processes,
        })
    }
}

/// Reads packets until `stop` is set.
fn capture(
    cap: &mut Capture<Active>,
    files: &mut Files,
    stop: &AtomicBool,
    log: &mut dyn Write,
    interface: &str,
) -> Result<(), Error> {
    files.open_next(now_ns(), None, log)?;
    while !stop.load(Ordering::Relaxed) {
        // A read timeout, or a wake-up from `pcap_breakloop` (reported as -2, "no more
        // packets"): a moment to flush and to look at the stop flag.
        if !one_packet(cap, files, log, interface)? {
            files.tick()?;
        }
    }
    Ok(())
}

/// Reads what the kernel still holds, until `until`. A non-blocking capture.
fn drain(
    cap: &mut Capture<Active>,
    files: &mut Files,
    until: Instant,
    log: &mut dyn Write,
    interface: &str,
) -> Result<(), Error> {
    while Instant::now() < until {
        if !one_packet(cap, files, log, interface)? {
            std::thread::sleep(Duration::from_millis(10))
        }
    }
    Ok(())
}

/// Reads one packet and writes it, rotating first when it needs a new file; false when
/// there was none to read (a timeout or a wake-up).
fn one_packet(
    cap: &mut Capture<Active>,
    files: &mut Files,
    log: &mut dyn Write,
    interface: &str,
) -> Result<bool, Error> {
    let (hdr, data) = match cap.next_packet() {
        Ok(p) if !files.needs_new_file(p.header, p.data.len()) => {
            files.write(p.header, p.data, log)?;
            return Ok(true);
        }
        // The packet borrows libpcap's buffer; copy it (once per file) to ask libpcap
        // for the statistics that close the current file.
        Ok(p) => (*p.header, p.data.to_vec()),
        Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => return Ok(false),
        Err(source) => {
            return Err(Error::Capture {
                interface: interface.to_owned(),
                source,
            })
        }
    };
    let stats = cap.stats().ok();
    files.open_next(header_ns(&hdr), stats.as_ref(), log)?;
    files.write(&hdr, &data, log)?;
    Ok(true)
}

struct Output {
    path: PathBuf,
    writer: Writer<BufWriter<File>>,
    /// Packets written since the last flush.
    unflushed: bool,
    last_flush: Instant,
}

/// The files side of the loop: rotation, the current writer, the process lookups.
struct Files {
    rotation: Rotation,
    linktype: u32,
    kind: Kind,
    resolver: Option<Resolver>,
    /// When the capture started, ns since the epoch (`isb_starttime`).
    start_ns: i64,
    out: Option<Output>,
    packets: u64,
    bytes: u64,
}

fn header_ns(hdr: &PacketHeader) -> i64 {
    // time_t and suseconds_t are narrower than i64 on some 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    let (sec, usec) = (hdr.ts.tv_sec as i64, hdr.ts.tv_usec as i64);
    sec.saturating_mul(1_000_000_000)
        .saturating_add(usec * 1000)
}

impl Files {
    /// Whether a packet of `caplen` bytes must go to a new file. Room for a process
    /// comment is counted whether or not the packet gets one.
    fn needs_new_file(&self, hdr: &PacketHeader, caplen: usize) -> bool {
        let format = self.kind.format;
        let len = writer::packet_len(format, caplen, &[])
            + if self.resolver.is_some() {
                comment_reserve(format)
            } else {
                0
            };
        self.out.is_none() || self.rotation.needs_new_file(len, header_ns(hdr))
    }

    fn write(&mut self, hdr: &PacketHeader, data: &[u8], log: &mut dyn Write) -> Result<(), Error> {
        if self.out.is_none() {
            self.open_next(header_ns(hdr), None, log)?;
        }
        let file = self.rotation.current_seq();
        let comment = self.resolver.as_mut().and_then(|r| {
            r.on_packet(self.linktype as u16, data, file, Instant::now())
                .filter(|c| c.len() <= MAX_COMMENT)
        });
        let out = self.out.as_mut().expect("a file is open");
        let comments: Vec<&str> = comment.as_deref().into_iter().collect();
        // The length on the wire is at least what was captured, whatever the kernel says.
        let orig_len = hdr.len.max(data.len() as u32);
        let len = out
            .writer
            .write_packet(0, header_ns(hdr), data, orig_len, &comments)
            .map_err(|e| file_err(&out.path, "cannot write", e))?;
        out.unflushed = true;
        self.rotation.wrote(len);
        self.packets += 1;
        self.bytes += data.len() as u64;
        Ok(())
    }

    /// Flushes the current file when it has held unflushed packets for a while.
    fn tick(&mut self) -> Result<(), Error> {
        if let Some(out) = &mut self.out {
            if out.unflushed && out.last_flush.elapsed() >= TICK {
                out.writer
                    .flush()
                    .map_err(|e| file_err(&out.path, "cannot write", e))?;
                out.unflushed = false;
                out.last_flush = Instant::now();
            }
        }
        Ok(())
    }

    /// Closes the current file (with `stats` at its end, in pcapng), deletes what the
    /// ring drops, and opens the next file.
    fn open_next(
        &mut self,
        ts_ns: i64,
        stats: Option<&pcap::Stat>,
        log: &mut dyn Write,
    ) -> Result<(), Error> {
        self.close(stats)?;
        let next = self.rotation.next_file(ts_ns);
        for old in &next.remove {
            match std::fs::remove_file(old) {
                Ok(()) => {}
                // Someone moved it away already: that is what we wanted.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                // Not worth stopping the capture for; say so and go on.
                Err(e) => {
                    let _ = writeln!(
                        log,
                        "wirelens-capture: warning: cannot remove {}: {e}",
                        old.display()
                    );
                }
            }
        }
        let path = next.path;
        let file = File::create(&path).map_err(|e| file_err(&path, "cannot create", e))?;
        let buffered = BufWriter::with_capacity(WRITE_BUFFER, file);
        // The header goes to disk at once: a file is a valid (empty) capture from the start.
        let k = &self.kind;
        let writer = Writer::new(buffered, k.format, &k.section, &k.iface)
            .and_then(|mut w| w.flush().map(|()| w))
            .map_err(|e| file_err(&path, "cannot write", e))?;
        let _ = writeln!(log, "wirelens-capture: writing {}", path.display());
        self.out = Some(Output {
            path,
            writer,
            unflushed: false,
            last_flush: Instant::now(),
        });
        Ok(())
    }

    /// Ends the current file, if any: the statistics block (pcapng, when libpcap gave
    /// statistics), then a flush.
    fn close(&mut self, stats: Option<&pcap::Stat>) -> Result<(), Error> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        let mut w = out.writer;
        // pcap has no statistics block: nothing is written there.
        let isb = stats.map(|s| closing_stats(self.start_ns, s.received, s.dropped, self.packets));
        isb.map_or(Ok(0), |isb| w.write_stats(0, &isb))
            .and_then(|_| w.finish().map(drop))
            .map_err(|e| file_err(&out.path, "cannot write", e))
    }
}

/// The host's addresses on `interface` (on every interface for `any`), with their prefix
/// lengths, as libpcap lists them.
fn host_addresses(interface: &str) -> Vec<(IpAddr, u8)> {
    let devices = pcap::Device::list().unwrap_or_default();
    let mut out: Vec<(IpAddr, u8)> = Vec::new();
    for d in devices
        .iter()
        .filter(|d| interface == "any" || d.name == interface)
    {
        for a in &d.addresses {
            let prefix = match a.netmask {
                Some(IpAddr::V4(m)) => u32::from(m).count_ones() as u8,
                Some(IpAddr::V6(m)) => u128::from(m).count_ones() as u8,
                None if a.addr.is_ipv4() => 32,
                None => 128,
            };
            if !out.iter().any(|(x, _)| *x == a.addr) {
                out.push((a.addr, prefix));
            }
        }
    }
    out
}

/// `shb_os`: "Linux 6.1.0-18-amd64".
fn os_name() -> Option<String> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    Some(format!("Linux {}", release.trim()))
}

fn file_err(path: &Path, action: &'static str, source: io::Error) -> Error {
    Error::File {
        path: path.to_owned(),
        action,
        source,
    }
}

fn now_ns() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}
