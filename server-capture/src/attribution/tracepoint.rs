//! TCP sockets' state changes as they happen, from the kernel's `sock:inet_sock_set_state`
//! tracepoint (the one bcc's `tcplife` follows), read with `perf_event_open` into one
//! ring buffer per CPU: no BPF, no C toolchain, no compiled program. The raw record of
//! each change holds the socket's kernel address, old and new state and both ends; the
//! sample holds the process and thread that were running, and whether that was a
//! process or an interrupt (the `common_flags` of the record). The same rings carry the
//! kernel's `COMM` and `FORK` records, so a process's name is known even when it has
//! exited by the time it is asked for.
//!
//! Opening needs `CAP_PERFMON` (or `CAP_SYS_ADMIN`, or root) and a tracefs to read the
//! tracepoint's id and record layout from; once open, the rings are read without any
//! privilege, so the capture can drop them.
//!
//! Layouts: `linux/perf_event.h` (`perf_event_attr`, `perf_event_mmap_page`, record
//! types), `events/sock/inet_sock_set_state/format` in tracefs.

use std::fs;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{fence, Ordering};

/// Where tracefs may be mounted, newest convention first.
const TRACEFS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
const EVENT: &str = "events/sock/inet_sock_set_state";

/// Ring pages per CPU (data part; a power of two). 1 MiB holds about 10,000 state
/// changes, more than a second's worth at 1,000 connections a second.
const RING_PAGES: usize = 256;

const PERF_TYPE_TRACEPOINT: u32 = 2;
const PERF_SAMPLE_TID: u64 = 1 << 1;
const PERF_SAMPLE_TIME: u64 = 1 << 2;
const PERF_SAMPLE_RAW: u64 = 1 << 10;
const FLAG_DISABLED: u64 = 1 << 0;
const FLAG_COMM: u64 = 1 << 9;
const FLAG_TASK: u64 = 1 << 13;
const FLAG_WATERMARK: u64 = 1 << 14;
const FLAG_COMM_EXEC: u64 = 1 << 24;
const FLAG_USE_CLOCKID: u64 = 1 << 25;
/// `_IOW('$', 6, char *)` and `_IO('$', 0)`.
/// (`libc::Ioctl` is `c_ulong` with glibc, `c_int` with musl: both hold them.)
const PERF_EVENT_IOC_SET_FILTER: libc::Ioctl = 0x4008_2406;
const PERF_EVENT_IOC_ENABLE: libc::Ioctl = 0x2400;
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;

const PERF_RECORD_LOST: u32 = 2;
const PERF_RECORD_COMM: u32 = 3;
const PERF_RECORD_EXIT: u32 = 4;
const PERF_RECORD_FORK: u32 = 7;
const PERF_RECORD_SAMPLE: u32 = 9;

/// `common_flags` bits of a trace record (`kernel/trace/trace.h`): the change happened in
/// an interrupt (a packet's arrival, mostly), so the running process is not the
/// socket's.
const TRACE_FLAG_HARDIRQ: u8 = 0x08;
const TRACE_FLAG_SOFTIRQ: u8 = 0x10;
const TRACE_FLAG_NMI: u8 = 0x40;

/// TCP states (`include/net/tcp_states.h`).
pub mod state {
    /// ESTABLISHED.
    pub const ESTABLISHED: i32 = 1;
    /// SYN_SENT: `connect()`, always in the connecting process.
    pub const SYN_SENT: i32 = 2;
    /// FIN_WAIT1: this side closed first (`close()` or `shutdown()`).
    pub const FIN_WAIT1: i32 = 4;
    /// CLOSE: the socket is done.
    pub const CLOSE: i32 = 7;
    /// LAST_ACK: this side closed second.
    pub const LAST_ACK: i32 = 9;
}

/// The states followed: the ones a process causes (connecting, closing), the one that
/// gives a connecting socket its ports (ESTABLISHED) and the end (CLOSE). Others
/// (SYN_RECV, FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, CLOSING) are left in the kernel.
const FILTER: &str =
    "protocol == 6 && (newstate == 1 || newstate == 2 || newstate == 4 || newstate == 7 || newstate == 9)";

/// One record from the rings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A TCP socket changed state.
    State(StateChange),
    /// A thread got a name (exec, `prctl(PR_SET_NAME)`).
    Comm {
        /// Process (thread group) id.
        pid: u32,
        /// Thread id.
        tid: u32,
        /// The name.
        comm: String,
    },
    /// A thread was created by `ptid`: it has its creator's name.
    Fork {
        /// Process of the new thread.
        pid: u32,
        /// New thread.
        tid: u32,
        /// Creating thread.
        ptid: u32,
    },
    /// A thread ended.
    Exit {
        /// Its process.
        pid: u32,
        /// The thread.
        tid: u32,
    },
    /// The kernel dropped this many records: a ring was full.
    Lost(u64),
}

/// A `sock:inet_sock_set_state` record with its sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// When, in ns since the Unix epoch (as packets' timestamps; the ring holds
    /// CLOCK_MONOTONIC, [`Tracer::drain`] converts).
    pub time_ns: i64,
    /// Process (thread group) running when it happened.
    pub pid: u32,
    /// Thread running when it happened.
    pub tid: u32,
    /// Whether that was in a process's own context (not an interrupt): only then is
    /// `pid` the socket's.
    pub in_process: bool,
    /// The socket's kernel address: the same for every change of one socket.
    pub sk: u64,
    /// State before.
    pub old: i32,
    /// State after.
    pub new: i32,
    /// Local end (port 0 while `connect()` has not chosen it).
    pub local: SocketAddr,
    /// Remote end.
    pub remote: SocketAddr,
}

/// Byte offsets of the fields used, from the tracepoint's `format` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    flags: usize,
    skaddr: usize,
    oldstate: usize,
    newstate: usize,
    sport: usize,
    dport: usize,
    family: usize,
    saddr: usize,
    daddr: usize,
    saddr_v6: usize,
    daddr_v6: usize,
}

impl Layout {
    /// Reads the `field:TYPE NAME; offset:N; size:M;` lines.
    fn parse(format: &str) -> Option<Layout> {
        let offset = |name: &str| {
            format.lines().find_map(|l| {
                let l = l.trim();
                let decl = l.strip_prefix("field:")?.split(';').next()?;
                let field = decl.rsplit([' ', '*']).next()?;
                let field = field.split('[').next()?;
                if field != name {
                    return None;
                }
                let off = l.split("offset:").nth(1)?.split(';').next()?;
                off.trim().parse::<usize>().ok()
            })
        };
        Some(Layout {
            flags: offset("common_flags")?,
            skaddr: offset("skaddr")?,
            oldstate: offset("oldstate")?,
            newstate: offset("newstate")?,
            sport: offset("sport")?,
            dport: offset("dport")?,
            family: offset("family")?,
            saddr: offset("saddr")?,
            daddr: offset("daddr")?,
            saddr_v6: offset("saddr_v6")?,
            daddr_v6: offset("daddr_v6")?,
        })
    }

    fn decode(&self, time_ns: i64, pid: u32, tid: u32, raw: &[u8]) -> Option<StateChange> {
        let b = |at: usize, n: usize| raw.get(at..at + n);
        let u16n = |at| b(at, 2).map(|x| u16::from_ne_bytes([x[0], x[1]]));
        let i32n = |at| b(at, 4).map(|x| i32::from_ne_bytes([x[0], x[1], x[2], x[3]]));
        let flags = *raw.get(self.flags)?;
        let sk = u64::from_ne_bytes(b(self.skaddr, 8)?.try_into().ok()?);
        let family = u16n(self.family)?;
        let (sip, dip) = match family as i32 {
            libc::AF_INET => (
                IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(b(self.saddr, 4)?).ok()?)),
                IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(b(self.daddr, 4)?).ok()?)),
            ),
            libc::AF_INET6 => (
                unmap(Ipv6Addr::from(
                    <[u8; 16]>::try_from(b(self.saddr_v6, 16)?).ok()?,
                )),
                unmap(Ipv6Addr::from(
                    <[u8; 16]>::try_from(b(self.daddr_v6, 16)?).ok()?,
                )),
            ),
            _ => return None,
        };
        Some(StateChange {
            time_ns,
            pid,
            tid,
            in_process: flags & (TRACE_FLAG_HARDIRQ | TRACE_FLAG_SOFTIRQ | TRACE_FLAG_NMI) == 0
                && pid != 0,
            sk,
            old: i32n(self.oldstate)?,
            new: i32n(self.newstate)?,
            local: SocketAddr::new(sip, u16n(self.sport)?),
            remote: SocketAddr::new(dip, u16n(self.dport)?),
        })
    }
}

fn unmap(a: Ipv6Addr) -> IpAddr {
    a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4)
}

/// The tracefs directory holding the tracepoint, mounting tracefs at its usual place
/// when it is not mounted yet (as `perf` does; needs CAP_SYS_ADMIN).
fn tracefs() -> Result<PathBuf, String> {
    let has_event = |d: &Path| d.join(EVENT).join("id").exists();
    if let Some(d) = TRACEFS.iter().map(Path::new).find(|d| has_event(d)) {
        return Ok(d.to_path_buf());
    }
    let target = Path::new(TRACEFS[0]);
    let mounted = target.join("events").exists();
    if !mounted && target.is_dir() {
        let (src, fs, dir) = (c"nodev", c"tracefs", c"/sys/kernel/tracing");
        // SAFETY: C strings that outlive the call.
        let r =
            unsafe { libc::mount(src.as_ptr(), dir.as_ptr(), fs.as_ptr(), 0, std::ptr::null()) };
        if r == 0 && has_event(target) {
            return Ok(target.to_path_buf());
        }
        if r != 0 {
            return Err(format!(
                "tracefs is not mounted and mounting it at {} failed: {}",
                target.display(),
                io::Error::last_os_error()
            ));
        }
    }
    Err(format!(
        "no tracepoint sock/inet_sock_set_state under {} (kernel without it, or tracefs not readable)",
        TRACEFS.join(" or ")
    ))
}

/// The online CPUs, from `/sys/devices/system/cpu/online` ("0-3,5").
fn online_cpus() -> Vec<i32> {
    let text = fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    parse_cpus(&text)
}

fn parse_cpus(text: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<i32>(), b.parse::<i32>()) {
                    out.extend(a..=b.min(a + 4096));
                }
            }
            None => out.extend(part.parse::<i32>().ok()),
        }
    }
    out
}

/// `struct perf_event_attr` up to `PERF_ATTR_SIZE_VER5` (112 bytes), the fields used.
#[repr(C)]
#[derive(Default)]
struct PerfEventAttr {
    kind: u32,
    size: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup: u32,
    bp_type: u32,
    config1: u64,
    config2: u64,
    branch_sample_type: u64,
    sample_regs_user: u64,
    sample_stack_user: u32,
    clockid: i32,
    sample_regs_intr: u64,
    aux_watermark: u32,
    sample_max_stack: u16,
    reserved_2: u16,
}

/// One CPU's ring: the descriptor and its mapping.
struct Ring {
    fd: OwnedFd,
    base: *mut u8,
    len: usize,
    /// Where the data part starts in the mapping, and its size.
    data_offset: usize,
    data_size: usize,
    /// A record that wraps around the end of the ring is copied here whole.
    scratch: Vec<u8>,
}

// SAFETY: the mapping belongs to this ring alone and is only touched through &mut self.
unsafe impl Send for Ring {}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: unmapping what `open` mapped, once.
        unsafe {
            libc::munmap(self.base.cast(), self.len);
        }
    }
}

impl Ring {
    fn head(&self) -> u64 {
        // SAFETY: `data_head` at offset 1024 of the control page, written by the kernel.
        let v = unsafe { std::ptr::read_volatile(self.base.add(1024) as *const u64) };
        // The kernel writes the data before moving the head (perf_event.h: rmb after
        // reading data_head).
        fence(Ordering::Acquire);
        v
    }

    fn tail(&self) -> u64 {
        // SAFETY: `data_tail` at offset 1032, ours to write.
        unsafe { std::ptr::read_volatile(self.base.add(1032) as *const u64) }
    }

    fn set_tail(&mut self, tail: u64) {
        // Our reads of the data are done before the kernel may overwrite it.
        fence(Ordering::Release);
        // SAFETY: as above.
        unsafe { std::ptr::write_volatile(self.base.add(1032) as *mut u64, tail) }
    }

    /// Reads every record the ring holds.
    fn drain(&mut self, layout: &Layout, out: &mut Vec<Record>) {
        let head = self.head();
        let mut tail = self.tail();
        let size = self.data_size as u64;
        while tail + 8 <= head {
            let at = (tail % size) as usize;
            let mut hdr = [0u8; 8];
            self.copy(at, &mut hdr);
            let kind = u32::from_ne_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
            let len = u16::from_ne_bytes([hdr[6], hdr[7]]) as usize;
            if len < 8 || tail + len as u64 > head {
                // Cannot happen with a sane kernel; start over from the head.
                tail = head;
                break;
            }
            let mut rec = std::mem::take(&mut self.scratch);
            rec.resize(len, 0);
            self.copy(at, &mut rec);
            if let Some(r) = parse_record(layout, kind, &rec[8..]) {
                out.push(r);
            }
            self.scratch = rec;
            tail += len as u64;
        }
        self.set_tail(tail);
    }

    /// Copies `out.len()` bytes from data offset `at`, wrapping at the end.
    fn copy(&self, at: usize, out: &mut [u8]) {
        let first = out.len().min(self.data_size - at);
        // SAFETY: both ranges lie within the data part of the mapping.
        unsafe {
            let data = self.base.add(self.data_offset);
            std::ptr::copy_nonoverlapping(data.add(at), out.as_mut_ptr(), first);
            std::ptr::copy_nonoverlapping(data, out.as_mut_ptr().add(first), out.len() - first);
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A record's body (after its 8-byte header).
fn parse_record(layout: &Layout, kind: u32, b: &[u8]) -> Option<Record> {
    match kind {
        PERF_RECORD_SAMPLE => {
            // TID (pid, tid), TIME, RAW (size, data): in that order.
            let (pid, tid) = (u32_at(b, 0)?, u32_at(b, 4)?);
            let time = u64::from_ne_bytes(b.get(8..16)?.try_into().ok()?);
            let size = u32_at(b, 16)? as usize;
            let raw = b.get(20..20 + size)?;
            layout
                .decode(time.min(i64::MAX as u64) as i64, pid, tid, raw)
                .map(Record::State)
        }
        PERF_RECORD_COMM => {
            let (pid, tid) = (u32_at(b, 0)?, u32_at(b, 4)?);
            let name = b.get(8..)?;
            let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
            Some(Record::Comm {
                pid,
                tid,
                comm: String::from_utf8_lossy(&name[..end]).into_owned(),
            })
        }
        PERF_RECORD_FORK => Some(Record::Fork {
            pid: u32_at(b, 0)?,
            tid: u32_at(b, 8)?,
            ptid: u32_at(b, 12)?,
        }),
        PERF_RECORD_EXIT => Some(Record::Exit {
            pid: u32_at(b, 0)?,
            tid: u32_at(b, 8)?,
        }),
        PERF_RECORD_LOST => Some(Record::Lost(u64::from_ne_bytes(
            b.get(8..16)?.try_into().ok()?,
        ))),
        _ => None,
    }
}

/// The open tracepoint: one ring per CPU.
pub struct Tracer {
    rings: Vec<Ring>,
    layout: Layout,
}

impl Tracer {
    /// Opens the tracepoint on every online CPU and starts it. The error says what the
    /// kernel refused.
    pub fn open() -> Result<Tracer, String> {
        let dir = tracefs()?;
        let event = dir.join(EVENT);
        let read = |name: &str| {
            fs::read_to_string(event.join(name))
                .map_err(|e| format!("cannot read {}: {e}", event.join(name).display()))
        };
        let id: u64 = read("id")?
            .trim()
            .parse()
            .map_err(|_| format!("{}: not a tracepoint id", event.join("id").display()))?;
        let layout = Layout::parse(&read("format")?).ok_or_else(|| {
            format!(
                "{}: the record lacks a field this program reads",
                event.join("format").display()
            )
        })?;
        let cpus = online_cpus();
        if cpus.is_empty() {
            return Err("no online CPU listed in /sys/devices/system/cpu/online".into());
        }
        let page = page_size();
        let mut rings = Vec::new();
        for cpu in cpus {
            let attr = PerfEventAttr {
                kind: PERF_TYPE_TRACEPOINT,
                size: std::mem::size_of::<PerfEventAttr>() as u32,
                config: id,
                sample_period: 1,
                sample_type: PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW,
                flags: FLAG_DISABLED
                    | FLAG_COMM
                    | FLAG_TASK
                    | FLAG_COMM_EXEC
                    | FLAG_WATERMARK
                    | FLAG_USE_CLOCKID,
                // CLOCK_MONOTONIC (the tracepoint refuses CLOCK_REALTIME, which is not
                // NMI-safe); `drain` moves the times onto the clock packets are stamped
                // with, so a socket's life can be set against a connection's packets.
                clockid: libc::CLOCK_MONOTONIC,
                // Wake a reader when a quarter of the ring is full: the lookups drain the
                // rings themselves when they need an answer.
                wakeup: (RING_PAGES * page / 4) as u32,
                ..PerfEventAttr::default()
            };
            // SAFETY: `attr` outlives the call; pid -1 with a CPU is every process there.
            let fd = unsafe {
                libc::syscall(
                    libc::SYS_perf_event_open,
                    &attr as *const PerfEventAttr,
                    -1 as libc::pid_t,
                    cpu,
                    -1 as libc::c_int,
                    PERF_FLAG_FD_CLOEXEC,
                )
            };
            if fd < 0 {
                let e = io::Error::last_os_error();
                return Err(format!(
                    "perf_event_open of the tracepoint on CPU {cpu}: {e}{}",
                    if e.raw_os_error() == Some(libc::EACCES)
                        || e.raw_os_error() == Some(libc::EPERM)
                    {
                        " (needs CAP_PERFMON or CAP_SYS_ADMIN)"
                    } else {
                        ""
                    }
                ));
            }
            // SAFETY: a new descriptor nobody else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
            let len = (RING_PAGES + 1) * page;
            // SAFETY: mapping the ring the kernel allocates for `fd`.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd.as_raw_fd(),
                    0,
                )
            };
            if base == libc::MAP_FAILED {
                return Err(format!(
                    "mmap of the perf ring on CPU {cpu}: {}",
                    io::Error::last_os_error()
                ));
            }
            let base = base as *mut u8;
            // SAFETY: `data_offset` and `data_size` (offsets 1040, 1048) are set by
            // kernels since 4.1; older ones leave them 0 and the data follows the page.
            let (off, size) = unsafe {
                (
                    std::ptr::read_volatile(base.add(1040) as *const u64) as usize,
                    std::ptr::read_volatile(base.add(1048) as *const u64) as usize,
                )
            };
            let (data_offset, data_size) = if size == 0 {
                (page, RING_PAGES * page)
            } else {
                (off, size)
            };
            let ring = Ring {
                fd,
                base,
                len,
                data_offset,
                data_size,
                scratch: Vec::new(),
            };
            let filter = std::ffi::CString::new(FILTER).expect("no NUL in the filter");
            // SAFETY: a C string that outlives the call. A kernel without filters on
            // perf tracepoints gets every change, which is only more work.
            unsafe {
                libc::ioctl(
                    ring.fd.as_raw_fd(),
                    PERF_EVENT_IOC_SET_FILTER,
                    filter.as_ptr(),
                );
            }
            rings.push(ring);
        }
        for r in &rings {
            // SAFETY: plain ioctl on our descriptor.
            if unsafe { libc::ioctl(r.fd.as_raw_fd(), PERF_EVENT_IOC_ENABLE, 0) } != 0 {
                return Err(format!(
                    "cannot enable the tracepoint: {}",
                    io::Error::last_os_error()
                ));
            }
        }
        Ok(Tracer { rings, layout })
    }

    /// Appends every record the rings hold to `out`, their times in ns since the epoch.
    pub fn drain(&mut self, out: &mut Vec<Record>) {
        let layout = self.layout;
        let start = out.len();
        for r in &mut self.rings {
            r.drain(&layout, out);
        }
        if out.len() > start {
            let offset = realtime_offset();
            for rec in &mut out[start..] {
                if let Record::State(s) = rec {
                    s.time_ns = s.time_ns.saturating_add(offset);
                }
            }
        }
    }

    /// The rings' descriptors, readable when a ring is a quarter full (for `poll`).
    pub fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.rings.iter().map(|r| r.fd.as_raw_fd())
    }
}

/// CLOCK_REALTIME − CLOCK_MONOTONIC now, in ns.
fn realtime_offset() -> i64 {
    let now = |clock| {
        // SAFETY: `timespec` is plain data, filled by the call.
        let mut t: libc::timespec = unsafe { std::mem::zeroed() };
        // SAFETY: a valid clock and a live timespec.
        unsafe { libc::clock_gettime(clock, &mut t) };
        (t.tv_sec as i64).saturating_mul(1_000_000_000) + t.tv_nsec as i64
    };
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_MONOTONIC)
}

fn page_size() -> usize {
    // SAFETY: plain query.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// The format file of Linux 6.18 (x86_64).
    const FORMAT: &str = "name: inet_sock_set_state
ID: 2287
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;
\tfield:int oldstate;\toffset:16;\tsize:4;\tsigned:1;
\tfield:int newstate;\toffset:20;\tsize:4;\tsigned:1;
\tfield:__u16 sport;\toffset:24;\tsize:2;\tsigned:0;
\tfield:__u16 dport;\toffset:26;\tsize:2;\tsigned:0;
\tfield:__u16 family;\toffset:28;\tsize:2;\tsigned:0;
\tfield:__u16 protocol;\toffset:30;\tsize:2;\tsigned:0;
\tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;
\tfield:__u8 daddr[4];\toffset:36;\tsize:4;\tsigned:0;
\tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;
\tfield:__u8 daddr_v6[16];\toffset:56;\tsize:16;\tsigned:0;
";

    #[test]
    fn the_format_file_gives_the_offsets() {
        let l = Layout::parse(FORMAT).unwrap();
        assert_eq!(
            l,
            Layout {
                flags: 2,
                skaddr: 8,
                oldstate: 16,
                newstate: 20,
                sport: 24,
                dport: 26,
                family: 28,
                saddr: 32,
                daddr: 36,
                saddr_v6: 40,
                daddr_v6: 56
            }
        );
        assert_eq!(
            Layout::parse("format:\n\tfield:int oldstate;\toffset:16;"),
            None
        );
    }

    fn raw(flags: u8, family: u16, new: i32) -> Vec<u8> {
        let mut r = vec![0u8; 72];
        r[2] = flags;
        r[8..16].copy_from_slice(&0xffff_8880_1234_5678u64.to_ne_bytes());
        r[16..20].copy_from_slice(&7i32.to_ne_bytes());
        r[20..24].copy_from_slice(&new.to_ne_bytes());
        r[24..26].copy_from_slice(&40000u16.to_ne_bytes());
        r[26..28].copy_from_slice(&80u16.to_ne_bytes());
        r[28..30].copy_from_slice(&family.to_ne_bytes());
        r[30..32].copy_from_slice(&6u16.to_ne_bytes());
        r[32..36].copy_from_slice(&[10, 0, 0, 1]);
        r[36..40].copy_from_slice(&[10, 0, 0, 2]);
        r[40..56].copy_from_slice(&Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped().octets());
        r[56..72].copy_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
        r
    }

    #[test]
    fn records_decode() {
        let l = Layout::parse(FORMAT).unwrap();
        let s = l.decode(9, 42, 43, &raw(0, 2, state::SYN_SENT)).unwrap();
        assert_eq!(
            s,
            StateChange {
                time_ns: 9,
                pid: 42,
                tid: 43,
                in_process: true,
                sk: 0xffff_8880_1234_5678,
                old: 7,
                new: 2,
                local: "10.0.0.1:40000".parse().unwrap(),
                remote: "10.0.0.2:80".parse().unwrap(),
            }
        );
        let s = l
            .decode(9, 42, 43, &raw(TRACE_FLAG_SOFTIRQ, 10, 1))
            .unwrap();
        assert!(!s.in_process, "a packet's arrival is not the process");
        assert_eq!(s.local, "10.0.0.1:40000".parse().unwrap(), "mapped IPv4");
        assert_eq!(s.remote, "[2001:db8::2]:80".parse().unwrap());
        assert_eq!(l.decode(9, 1, 1, &raw(0, 1, 1)), None, "not IP");
        assert_eq!(l.decode(9, 1, 1, &raw(0, 2, 1)[..34]), None, "cut short");
        assert_eq!(l.decode(9, 1, 1, &raw(0, 10, 1)[..60]), None, "cut short");
        assert!(
            !l.decode(9, 0, 0, &raw(0, 2, 1)).unwrap().in_process,
            "the idle task"
        );

        // A sample: pid, tid, time, raw size, raw.
        let mut b = Vec::new();
        b.extend_from_slice(&5u32.to_ne_bytes());
        b.extend_from_slice(&6u32.to_ne_bytes());
        b.extend_from_slice(&0u64.to_ne_bytes());
        let r = raw(0, 2, 4);
        b.extend_from_slice(&(r.len() as u32).to_ne_bytes());
        b.extend_from_slice(&r);
        match parse_record(&l, PERF_RECORD_SAMPLE, &b) {
            Some(Record::State(s)) => assert_eq!((s.pid, s.tid, s.new), (5, 6, 4)),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_record(&l, PERF_RECORD_SAMPLE, &b[..30]), None);
        let mut c = Vec::new();
        c.extend_from_slice(&5u32.to_ne_bytes());
        c.extend_from_slice(&6u32.to_ne_bytes());
        c.extend_from_slice(b"curl\0\0\0\0");
        assert_eq!(
            parse_record(&l, PERF_RECORD_COMM, &c),
            Some(Record::Comm {
                pid: 5,
                tid: 6,
                comm: "curl".into()
            })
        );
    }

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(parse_cpus("0-1\n"), [0, 1]);
        assert_eq!(parse_cpus("0,2-3,7"), [0, 2, 3, 7]);
        assert_eq!(parse_cpus(""), Vec::<i32>::new());
    }
}
