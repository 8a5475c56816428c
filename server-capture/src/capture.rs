//! The capture loop: libpcap in, rotated pcapng (or pcap) files out, each TCP
//! connection of this host named by its process.
//!
//! The loop does as little as it can per packet: a dissection of its headers for the
//! connection table ([`Tracker::observe`]) and the write. Process lookups run on their
//! own thread. A packet of a connection whose owner is being looked up is held back (a
//! copy, in order with every packet after it) for up to [`HOLD`], so its comment can go
//! on the connection's first packet; the hold is bounded in bytes, and a full hold writes
//! the oldest packet without waiting: a name may be late or lost, a packet never.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use pcap::{Active, BreakLoop, Capture};

use wirelens_core::query::export::writer::{self, InterfaceInfo, OutputFormat, SectionInfo};

use crate::attribution::{Prepared, Seen, Tracker, MAX_PROCESS_COMMENT, MAX_USER_COMMENT};
use crate::finish::Finishing;
use crate::log;
use crate::options::FileFormat;
use crate::output::{closing_stats, Counters, DiskRules, Kind, Output, FLUSH_EVERY};
use crate::privileges;
use crate::rotation::{FileLayout, Rotation};
use crate::users;
use crate::{Error, Options, Summary};

/// libpcap's read timeout. On Linux (TPACKET_V3) it is also how long the kernel holds a
/// partly filled buffer block before handing it over: it bounds how late a packet
/// reaches us, and how much of the buffer a block retired early wastes (the buffer is a
/// ring of blocks of 512 KiB at the default snapshot length, each retired full or at the
/// timeout: 64 blocks of 32 MiB retired every millisecond cover 64 ms of a stall, not
/// the seconds they hold full). 200 ms is tcpdump's order of magnitude; with /proc
/// lookups and no socket events, 10 ms, so a connection is looked up while it is still
/// open.
const READ_TIMEOUT_MS: i32 = 200;
const READ_TIMEOUT_PROC_MS: i32 = 10;

/// How long a packet is held back waiting for its connection's owner.
pub const HOLD: Duration = Duration::from_millis(250);
/// Bytes held back at most.
pub const HOLD_BYTES: usize = 32 << 20;

/// pcap as libpcap writes it (microseconds, little-endian); pcapng little-endian.
const PCAP: OutputFormat = OutputFormat::Pcap {
    big_endian: false,
    nanos: false,
};
const PCAPNG: OutputFormat = OutputFormat::PcapNg { big_endian: false };

/// Room kept in a file for a packet's comments, so `-C` holds whatever they turn out to
/// be: the bytes the longest process and user comments add to a packet's block.
fn comment_reserve(format: OutputFormat) -> u64 {
    let (p, u) = (
        "x".repeat(MAX_PROCESS_COMMENT),
        "x".repeat(MAX_USER_COMMENT),
    );
    writer::packet_len(format, 0, &[&p, &u]) - writer::packet_len(format, 0, &[])
}

/// What the signal handler thread asks of the loop: set a flag, then [`Waker::wake`].
#[derive(Debug, Default)]
pub struct Control {
    /// SIGINT, SIGTERM: stop, closing the last file with its statistics.
    pub stop: AtomicBool,
    /// SIGHUP: close the current file now.
    pub rotate: AtomicBool,
    /// SIGUSR1: log the statistics.
    pub report: AtomicBool,
}

/// Wakes the capture loop from another thread (a signal handler thread, say).
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
    kind: Kind,
    opts: Options,
    lookups: Option<Prepared>,
    /// Who the capture runs as after [`Capturer::open`], and what it kept.
    running_as: String,
    user: Option<String>,
}

impl Capturer {
    /// Opens the interface, compiles the filter, opens the socket events, then drops
    /// privileges (`-Z`). No file is written yet. Call before starting any thread.
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
        // The host's addresses, and the socket events opened, before the capture: whether
        // there are events decides the read timeout.
        let addresses = host_addresses(&interface);
        let lookups = if opts.format == FileFormat::Pcapng && opts.process_info() {
            let host = addresses.iter().map(|a| a.0);
            Some(Prepared::open(host, opts.process_lookup).map_err(Error::Lookups)?)
        } else {
            None
        };
        let timeout = match &lookups {
            Some(l) if !l.events() => READ_TIMEOUT_PROC_MS,
            _ => READ_TIMEOUT_MS,
        };
        // TPACKET_V3 (not immediate mode): packets are packed into the buffer's blocks,
        // where immediate mode's TPACKET_V2 gives each packet a slot of the snapshot
        // length (256 KiB), so 32 MiB hold 128 packets.
        let inactive = Capture::from_device(interface.as_str())
            .map_err(iface_err)?
            .snaplen(snaplen as i32)
            .promisc(promisc)
            .timeout(timeout)
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
                    addresses,
                    // The kernel's timeval: microseconds.
                    tsresol: 6,
                    ..InterfaceInfo::default()
                },
            },
        };
        let (running_as, user) = drop_privileges(opts, lookups.is_some())?;
        Ok(Self {
            cap,
            interface,
            linktype,
            snaplen,
            kind,
            opts: opts.clone(),
            lookups,
            running_as,
            user,
        })
    }

    /// Lines like tcpdump's "listening on ..." for the log.
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
            }
        }
        line.push_str(&format!("; {}", self.running_as));
        if let Some(l) = &self.lookups {
            line.push_str("; TCP connections named by process: ");
            match &l.events_refused {
                None => line.push_str("socket events (sock:inet_sock_set_state)"),
                Some(why) => line.push_str(&format!("no socket events ({why})")),
            }
            if self.opts.process_lookup != crate::attribution::Mechanism::Events {
                line.push_str(", /proc");
            }
        }
        line
    }

    /// A handle that wakes [`run`](Capturer::run) from another thread.
    pub fn waker(&mut self) -> Waker {
        Waker(self.cap.breakloop_handle())
    }

    /// Captures until `control.stop` is set (then call [`Waker::wake`]) or an error,
    /// writing rotated files. On stop, packets the kernel still holds are read (for up
    /// to one read timeout) and the last file is closed with its statistics.
    pub fn run(self, control: &Control) -> Result<Summary, Error> {
        let Capturer {
            mut cap,
            interface,
            linktype,
            kind,
            opts,
            lookups,
            user,
            ..
        } = self;
        let reserve = if lookups.is_some() {
            comment_reserve(kind.format)
        } else {
            0
        };
        let layout = match kind.format {
            OutputFormat::Pcap { .. } => FileLayout::PCAP,
            OutputFormat::PcapNg { .. } => FileLayout {
                extension: "pcapng",
                header: writer::header_len(kind.format, &kind.section, &kind.iface)
                    .expect("the daemon's interface has a valid resolution"),
                trailer: writer::stats_len(kind.format, &closing_stats(0, Counters::default(), 0)),
            },
        };
        let rotation = Rotation::new(&opts.prefix, opts.limits(), layout);
        let rules = DiskRules {
            keep: opts.limits().keep,
            max_total: opts.max_total,
            min_free: opts.min_free,
            when_full: opts.when_full,
        };
        let finishing = Finishing {
            compress: opts.compress,
            post_rotate: opts.post_rotate.clone(),
        };
        let out = Output::new(
            rotation,
            kind,
            reserve,
            &opts.prefix,
            rules,
            finishing,
            user,
        )?;
        let tracker = match lookups {
            Some(p) => Some(
                p.start()
                    .map_err(|e| Error::Lookups(format!("cannot start the lookup thread: {e}")))?,
            ),
            None => None,
        };
        let mut lp = Loop {
            out,
            tracker,
            hold: Hold::default(),
            linktype: linktype as u16,
            interface: interface.clone(),
        };

        // The ticker: a wake-up every second until the sender is dropped (TPACKET_V3's
        // timeout does not fire on an idle interface).
        let (ticker_stop, ticks) = mpsc::channel::<()>();
        let waker = cap.breakloop_handle();
        let ticker = std::thread::spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = ticks.recv_timeout(FLUSH_EVERY) {
                waker.breakloop();
            }
        });

        let result = lp.capture(&mut cap, control).and_then(|()| {
            let cap_err = |source| Error::Capture {
                interface: interface.clone(),
                source,
            };
            // The kernel may hold a partly filled block for up to one read timeout.
            let mut cap = cap.setnonblock().map_err(cap_err)?;
            let until = Instant::now() + Duration::from_millis(READ_TIMEOUT_MS as u64 + 100);
            lp.drain(&mut cap, until)?;
            let stats = cap.stats().map_err(cap_err)?;
            lp.release_all(&mut cap)?;
            Ok(stats)
        });
        drop(ticker_stop);
        let _ = ticker.join();
        // Close the last file whatever happened, so it ends with a whole record (and, in
        // pcapng, the statistics when libpcap could give them).
        let counters = result.as_ref().ok().map(|s| Counters {
            received: s.received,
            dropped: s.dropped,
        });
        let Loop { out, tracker, .. } = lp;
        let out = out.finish(counters);
        let processes = tracker.map(Tracker::finish);
        let stats = result?;
        Ok(Summary {
            files_opened: out.files_opened,
            files_kept: out.kept,
            packets: out.packets,
            bytes: out.bytes,
            received: stats.received,
            dropped: stats.dropped,
            if_dropped: stats.if_dropped,
            not_written: out.not_written,
            deleted: out.deleted,
            compressed: out.finish.compressed,
            post_rotate_failed: out.finish.post_rotate_failed,
            processes,
        })
    }
}

/// Decides who to run as and becomes it. Returns a line for the log and, when the user
/// changed, its name.
fn drop_privileges(opts: &Options, lookups: bool) -> Result<(String, Option<String>), Error> {
    let err = |m: String| Error::Privileges(m);
    if privileges::euid() != 0 {
        if let Some(u) = &opts.user {
            let a = users::account(u).ok_or_else(|| err(format!("-Z {u}: no such user")))?;
            if a.uid != privileges::euid() {
                privileges::drop_to(&a, lookups).map_err(|e| err(e.0))?;
                return Ok((format!("running as user {}", a.name), Some(a.name)));
            }
        }
        // Capabilities given to an unprivileged user (systemd's AmbientCapabilities):
        // the capture is open, so all but the lookups' go.
        let _ = privileges::keep_only_lookup_caps();
        return Ok((
            format!(
                "running as uid {}{}",
                privileges::euid(),
                caps_note(lookups)
            ),
            None,
        ));
    }
    let account = match &opts.user {
        Some(u) => users::account(u).ok_or_else(|| err(format!("-Z {u}: no such user")))?,
        None => privileges::default_user().ok_or_else(|| {
            err("running as root, and neither user tcpdump nor nobody exists to switch to: give -Z USER (-Z root keeps root)".into())
        })?,
    };
    if account.uid == 0 {
        return Ok(("running as root (-Z root)".into(), None));
    }
    let d = privileges::drop_to(&account, lookups).map_err(|e| err(e.0))?;
    let kept = if d.kept_caps {
        " keeping CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE for the /proc lookups"
    } else if lookups {
        " (without CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: /proc names only its own processes)"
    } else {
        ""
    };
    Ok((
        format!("running as user {}{kept}", account.name),
        Some(account.name),
    ))
}

fn caps_note(lookups: bool) -> &'static str {
    if !lookups {
        ""
    } else if privileges::has_caps(&[privileges::CAP_DAC_READ_SEARCH, privileges::CAP_SYS_PTRACE]) {
        " with CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE for the /proc lookups"
    } else {
        " (without CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: /proc names only this user's processes)"
    }
}

/// A packet held back, with its own copy of the bytes.
struct Held {
    at: Instant,
    ts_ns: i64,
    orig_len: u32,
    seen: Option<Seen>,
    data: Vec<u8>,
}

/// Packets held back, in capture order, and spare buffers for the next ones.
#[derive(Default)]
struct Hold {
    packets: VecDeque<Held>,
    bytes: usize,
    spare: Vec<Vec<u8>>,
}

/// The loop's state.
struct Loop {
    out: Output,
    tracker: Option<Tracker>,
    hold: Hold,
    linktype: u16,
    interface: String,
}

fn counters_of(cap: &mut Capture<Active>) -> Option<Counters> {
    cap.stats().ok().map(|s| Counters {
        received: s.received,
        dropped: s.dropped,
    })
}

impl Loop {
    /// Reads packets until `control.stop` is set.
    fn capture(&mut self, cap: &mut Capture<Active>, control: &Control) -> Result<(), Error> {
        self.out.start()?;
        let mut last_tick = Instant::now();
        while !control.stop.load(Ordering::Relaxed) {
            if control.rotate.swap(false, Ordering::Relaxed) {
                self.release_all(cap)?;
                let c = counters_of(cap);
                self.out.rotate_now(c);
                log!("SIGHUP: file closed; the next packet starts a new one");
            }
            if control.report.swap(false, Ordering::Relaxed) {
                self.report(cap);
            }
            // A read timeout, or a wake-up from `pcap_breakloop` (reported as -2, "no
            // more packets"): a moment to release held packets, flush, look at the flags.
            let got = self.one_packet(cap)?;
            if !got || last_tick.elapsed() >= FLUSH_EVERY {
                last_tick = Instant::now();
                self.release(cap, Instant::now())?;
                self.out.tick(&mut || counters_of(cap))?;
            }
        }
        Ok(())
    }

    /// Reads what the kernel still holds, until `until`. A non-blocking capture.
    fn drain(&mut self, cap: &mut Capture<Active>, until: Instant) -> Result<(), Error> {
        while Instant::now() < until {
            if !self.one_packet(cap)? {
                std::thread::sleep(Duration::from_millis(10))
            }
        }
        Ok(())
    }

    /// Reads one packet and writes or holds it; false when there was none to read.
    fn one_packet(&mut self, cap: &mut Capture<Active>) -> Result<bool, Error> {
        let now = Instant::now();
        let p = match cap.next_packet() {
            Ok(p) => p,
            Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => return Ok(false),
            Err(source) => {
                return Err(Error::Capture {
                    interface: self.interface.clone(),
                    source,
                })
            }
        };
        let ts_ns = header_ns(p.header);
        // The length on the wire is at least what was captured, whatever the kernel says.
        let orig_len = p.header.len.max(p.data.len() as u32);
        let seen = self
            .tracker
            .as_mut()
            .and_then(|t| t.observe(self.linktype, p.data, ts_ns, now));
        let wait = match (&mut self.tracker, &seen) {
            (Some(t), Some(s)) => {
                t.receive();
                t.pending(s)
            }
            _ => false,
        };
        if self.hold.packets.is_empty() && !wait && !self.out.needs_new_file(ts_ns, p.data.len()) {
            // The common case: straight from libpcap's buffer to the file.
            // No rotation: no statistics needed, which libpcap could not give while the
            // packet borrows its buffer. A packet that starts a file goes the other way.
            let tracker = &mut self.tracker;
            return self
                .out
                .write(
                    ts_ns,
                    p.data,
                    orig_len,
                    |file| comments(tracker, seen, file),
                    &mut || None,
                )
                .map(|()| true);
        }
        let mut data = self.hold.spare.pop().unwrap_or_default();
        data.clear();
        data.extend_from_slice(p.data);
        self.hold.bytes += data.len();
        self.hold.packets.push_back(Held {
            at: now,
            ts_ns,
            orig_len,
            seen,
            data,
        });
        self.release(cap, now)?;
        Ok(true)
    }

    /// Writes the held packets whose wait is over: their connection's owner is known
    /// (or will not be), they waited [`HOLD`], or the hold is full.
    fn release(&mut self, cap: &mut Capture<Active>, now: Instant) -> Result<(), Error> {
        if self.hold.packets.is_empty() {
            return Ok(());
        }
        if let Some(t) = &mut self.tracker {
            t.receive();
        }
        while let Some(h) = self.hold.packets.front() {
            let waiting = h
                .seen
                .is_some_and(|s| self.tracker.as_ref().is_some_and(|t| t.pending(&s)));
            if waiting && now.duration_since(h.at) < HOLD && self.hold.bytes <= HOLD_BYTES {
                break;
            }
            let h = self.hold.packets.pop_front().expect("a front packet");
            self.hold.bytes -= h.data.len();
            let tracker = &mut self.tracker;
            self.out.write(
                h.ts_ns,
                &h.data,
                h.orig_len,
                |file| comments(tracker, h.seen, file),
                &mut || counters_of(cap),
            )?;
            if self.hold.spare.len() < 1024 {
                self.hold.spare.push(h.data);
            }
        }
        Ok(())
    }

    /// Writes every held packet (at the end, or before SIGHUP's rotation), giving the
    /// lookups a last moment to answer.
    fn release_all(&mut self, cap: &mut Capture<Active>) -> Result<(), Error> {
        let until = Instant::now() + Duration::from_millis(100);
        while let Some(t) = &mut self.tracker {
            t.receive();
            let waiting = self
                .hold
                .packets
                .iter()
                .any(|h| h.seen.is_some_and(|s| t.pending(&s)));
            if !waiting || Instant::now() >= until {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.release(cap, Instant::now() + HOLD)
    }

    /// SIGUSR1: the counters so far, as tcpdump's SIGINFO line.
    fn report(&mut self, cap: &mut Capture<Active>) {
        let s = self.out.stats();
        let (recv, drop) = cap.stats().map_or((0, 0), |s| (s.received, s.dropped));
        let mut line = format!(
            "{} packets captured, {recv} received by filter, {drop} dropped by kernel; {} files written, {} packets held back",
            s.packets,
            s.files_opened,
            self.hold.packets.len()
        );
        if s.not_written > 0 {
            line.push_str(&format!(", {} not written (disk space)", s.not_written));
        }
        if let Some(t) = &self.tracker {
            line.push_str(&format!("; {}", t.stats()));
        }
        log!("{line}");
    }
}

/// The comments for a packet of `seen` written to file `file`.
fn comments(
    tracker: &mut Option<Tracker>,
    seen: Option<Seen>,
    file: u64,
) -> Option<(String, Option<String>)> {
    let (t, s) = (tracker.as_mut()?, seen?);
    t.comments(&s, file)
}

fn header_ns(hdr: &pcap::PacketHeader) -> i64 {
    // time_t and suseconds_t are narrower than i64 on some 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    let (sec, usec) = (hdr.ts.tv_sec as i64, hdr.ts.tv_usec as i64);
    sec.saturating_mul(1_000_000_000)
        .saturating_add(usec * 1000)
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
