//! The capture loop: libpcap in, rotated pcap files out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pcap::{Active, BreakLoop, Capture, PacketHeader};

use crate::pcapfile::{record_len, PcapWriter};
use crate::rotation::Rotation;
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
}

impl Capturer {
    /// Opens the interface and compiles the filter. No file is written yet.
    pub fn open(opts: &Options) -> Result<Self, Error> {
        let interface = opts.interface.clone();
        let iface_err = |source| Error::Interface { interface: interface.clone(), source };
        let snaplen = opts.snaplen();
        // libpcap refuses promiscuous mode on "any" with a warning the pcap crate reports
        // as an error; tcpdump carries on without it, and so do we.
        let promisc = !opts.no_promiscuous && interface != "any";
        let inactive = Capture::from_device(interface.as_str())
            .map_err(iface_err)?
            .snaplen(snaplen as i32)
            .promisc(promisc)
            .timeout(READ_TIMEOUT_MS)
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
        Ok(Self { cap, interface, linktype, snaplen, rotation: Rotation::new(&opts.prefix, opts.limits()) })
    }

    /// A line like tcpdump's "listening on ..." for the log.
    pub fn describe(&self) -> String {
        let dlt = pcap::Linktype(self.linktype as i32);
        let name = dlt.get_name().unwrap_or_else(|_| format!("DLT {}", self.linktype));
        let desc = dlt.get_description().map(|d| format!(" ({d})")).unwrap_or_default();
        format!(
            "capturing on {}, link-type {name}{desc}, snapshot length {} bytes",
            self.interface, self.snaplen
        )
    }

    /// A handle that wakes [`run`](Capturer::run) from another thread.
    pub fn waker(&mut self) -> Waker {
        Waker(self.cap.breakloop_handle())
    }

    /// Captures until `stop` is set (then call [`Waker::wake`]) or an error, writing
    /// rotated files and naming each new file on `log`. On stop, packets the kernel still
    /// holds are read (for up to one read timeout) and the last file is flushed.
    pub fn run(self, stop: &AtomicBool, log: &mut dyn Write) -> Result<Summary, Error> {
        let Capturer { mut cap, interface, linktype, snaplen, rotation } = self;
        let mut files = Files { rotation, linktype, snaplen, out: None, packets: 0, bytes: 0 };

        // The ticker: a wake-up every TICK until the sender is dropped.
        let (ticker_stop, ticks) = mpsc::channel::<()>();
        let waker = cap.breakloop_handle();
        let ticker = std::thread::spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = ticks.recv_timeout(TICK) {
                waker.breakloop();
            }
        });

        let result = capture(&mut cap, &mut files, stop, log, &interface).and_then(|()| {
            let cap_err = |source| Error::Capture { interface: interface.clone(), source };
            // The kernel may hold a partly filled block for up to one read timeout.
            let mut cap = cap.setnonblock().map_err(cap_err)?;
            let until = Instant::now() + Duration::from_millis(READ_TIMEOUT_MS as u64 + 100);
            drain(&mut cap, &mut files, until, log, &interface)?;
            cap.stats().map_err(cap_err)
        });

        drop(ticker_stop);
        let _ = ticker.join();
        // Close the last file whatever happened, so it ends with a whole record.
        let closed = files.close();
        let stats = result?;
        closed?;
        Ok(Summary {
            files_opened: files.rotation.files_opened(),
            files_kept: files.rotation.kept().map(Path::to_path_buf).collect(),
            packets: files.packets,
            bytes: files.bytes,
            received: stats.received,
            dropped: stats.dropped,
            if_dropped: stats.if_dropped,
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
    files.open_next(now_ns(), log)?;
    while !stop.load(Ordering::Relaxed) {
        match cap.next_packet() {
            Ok(p) => files.write(p.header, p.data, log)?,
            // A read timeout, or a wake-up from `pcap_breakloop` (reported as -2, "no more
            // packets"): a moment to flush and to look at the stop flag.
            Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => files.tick()?,
            Err(source) => return Err(Error::Capture { interface: interface.to_owned(), source }),
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
        match cap.next_packet() {
            Ok(p) => files.write(p.header, p.data, log)?,
            Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(source) => return Err(Error::Capture { interface: interface.to_owned(), source }),
        }
    }
    Ok(())
}

struct Output {
    path: PathBuf,
    writer: PcapWriter<BufWriter<File>>,
    /// Packets written since the last flush.
    unflushed: bool,
    last_flush: Instant,
}

/// The files side of the loop: rotation and the current writer.
struct Files {
    rotation: Rotation,
    linktype: u32,
    snaplen: u32,
    out: Option<Output>,
    packets: u64,
    bytes: u64,
}

impl Files {
    fn write(&mut self, hdr: &PacketHeader, data: &[u8], log: &mut dyn Write) -> Result<(), Error> {
        // time_t and suseconds_t are narrower than i64 on some 32-bit targets.
        #[allow(clippy::unnecessary_cast)]
        let (sec, usec) = (hdr.ts.tv_sec as i64, hdr.ts.tv_usec as i64);
        let ts_ns = sec.saturating_mul(1_000_000_000).saturating_add(usec * 1000);
        let len = record_len(data.len());
        if self.out.is_none() || self.rotation.needs_new_file(len, ts_ns) {
            self.open_next(ts_ns, log)?;
        }
        let out = self.out.as_mut().expect("open_next opened a file");
        // pcap's 32-bit seconds last until 2106; the timeval is the kernel's own.
        out.writer
            .write_packet(hdr.ts.tv_sec as u32, hdr.ts.tv_usec as u32, data, hdr.len)
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
                out.writer.flush().map_err(|e| file_err(&out.path, "cannot write", e))?;
                out.unflushed = false;
                out.last_flush = Instant::now();
            }
        }
        Ok(())
    }

    /// Closes the current file, deletes what the ring drops, and opens the next file.
    fn open_next(&mut self, ts_ns: i64, log: &mut dyn Write) -> Result<(), Error> {
        self.close()?;
        let next = self.rotation.next_file(ts_ns);
        for old in &next.remove {
            match std::fs::remove_file(old) {
                Ok(()) => {}
                // Someone moved it away already: that is what we wanted.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                // Not worth stopping the capture for; say so and go on.
                Err(e) => {
                    let _ = writeln!(log, "wirelens-capture: warning: cannot remove {}: {e}", old.display());
                }
            }
        }
        let path = next.path;
        let file = File::create(&path).map_err(|e| file_err(&path, "cannot create", e))?;
        // The header goes to disk at once: a file is a valid (empty) capture from the start.
        let writer = PcapWriter::new(BufWriter::with_capacity(WRITE_BUFFER, file), self.linktype, self.snaplen)
            .and_then(|mut w| w.flush().map(|()| w))
            .map_err(|e| file_err(&path, "cannot write", e))?;
        let _ = writeln!(log, "wirelens-capture: writing {}", path.display());
        self.out = Some(Output { path, writer, unflushed: false, last_flush: Instant::now() });
        Ok(())
    }

    /// Flushes and closes the current file, if any.
    fn close(&mut self) -> Result<(), Error> {
        if let Some(out) = self.out.take() {
            out.writer.finish().map_err(|e| file_err(&out.path, "cannot write", e))?;
        }
        Ok(())
    }
}

fn file_err(path: &Path, action: &'static str, source: io::Error) -> Error {
    Error::File { path: path.to_owned(), action, source }
}

fn now_ns() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}
