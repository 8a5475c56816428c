//! Which process owns a socket, found the way `ss -p` finds it: the socket's inode (from
//! netlink `sock_diag`, else `/proc/net/tcp` and `tcp6`), then the process with a file
//! descriptor linking to `socket:[inode]` under `/proc/<pid>/fd`.
//!
//! The work is bounded: owners of inodes are cached, the processes that owned
//! connections before are looked at first, then the processes of the socket's user,
//! newest first, and walking descriptors is spread over attempts by a budget of
//! descriptors per second. Reading another user's `/proc/<pid>/fd` needs
//! CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::sockdiag::{any_remote, SockDiag};
use super::unmap;

/// `/proc/net/tcp*` is not re-read more often than this (only without sock_diag).
const TABLE_REFRESH: Duration = Duration::from_millis(1);
/// File descriptors looked at per second, at most, when searching for an owner.
const FDS_PER_SECOND: f64 = 100_000.0;
/// ... and at most this many in one go.
const FDS_BURST: f64 = 10_000.0;
/// Processes remembered as likely owners, looked at first.
const HOT_PIDS: usize = 16;
/// A walk over the processes older than this is started afresh: it cannot know the
/// processes started since (a short-lived client, say).
const WALK_STALE: Duration = Duration::from_millis(20);
/// Cached inode owners at most (the cache is dropped when it grows past this).
const MAX_OWNERS: usize = 500_000;
/// Parents looked at, at most, for the one that forked a socket's holder.
const MAX_FORKS_UP: usize = 8;

const TCP_LISTEN: u8 = 0x0a;

/// A socket of `/proc/net/tcp*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Socket {
    /// Local end.
    pub local: SocketAddr,
    /// Remote end (`0.0.0.0:0` for a listener).
    pub remote: SocketAddr,
    /// TCP state (`0A` is LISTEN).
    pub state: u8,
    /// Uid of the owner.
    pub uid: u32,
    /// Inode of the socket file; 0 when there is none (TIME_WAIT, not accepted yet).
    pub inode: u64,
}

/// The sockets of the last read of `/proc/net/tcp*`.
#[derive(Default)]
struct SocketTable {
    /// Connected sockets by (local, remote): on loopback both ends of a connection are
    /// here, one each way.
    by_ends: HashMap<(SocketAddr, SocketAddr), (u64, u32)>,
    /// Listening sockets by port: (address, inode, uid).
    listeners: HashMap<u16, Vec<(IpAddr, u64, u32)>>,
    read_at: Option<Instant>,
}

/// An interrupted walk over every process's file descriptors.
struct Walk {
    started: Instant,
    pids: VecDeque<u32>,
    /// The process being walked and the descriptors of it still to look at.
    current: Option<(u32, Vec<PathBuf>)>,
}

/// A socket's inode and its owner's uid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketId {
    /// Inode (never 0 here).
    pub inode: u64,
    /// Uid of the socket's owner.
    pub uid: u32,
}

/// Finds sockets' inodes and their processes. See the module documentation.
pub struct ProcFs {
    root: PathBuf,
    diag: Option<SockDiag>,
    sockets: SocketTable,
    owners: HashMap<u64, u32>,
    hot: VecDeque<u32>,
    walk: Option<Walk>,
    tokens: f64,
    tokens_at: Option<Instant>,
}

impl ProcFs {
    /// Reads `root` (`/proc`, or a directory laid out like it in tests); asks the kernel
    /// over netlink when `netlink` (and it answers).
    pub fn new(root: impl Into<PathBuf>, netlink: bool) -> Self {
        Self {
            root: root.into(),
            diag: if netlink { SockDiag::open().ok() } else { None },
            sockets: SocketTable::default(),
            owners: HashMap::new(),
            hot: VecDeque::new(),
            walk: None,
            tokens: FDS_BURST,
            tokens_at: None,
        }
    }

    /// Whether sockets are found over netlink.
    pub fn netlink(&self) -> bool {
        self.diag.is_some()
    }

    /// The socket with these ends, when it has an inode.
    pub fn socket(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
        now: Instant,
    ) -> Option<SocketId> {
        if let Some(d) = &mut self.diag {
            match d.find(local, remote) {
                Ok(s) => {
                    return s.filter(|s| s.inode != 0).map(|s| SocketId {
                        inode: s.inode,
                        uid: s.uid,
                    })
                }
                // The kernel stopped answering (it does not): use /proc/net/tcp.
                Err(_) => self.diag = None,
            }
        }
        let k = (local, remote);
        if let Some(&(inode, uid)) = self.sockets.by_ends.get(&k) {
            return Some(SocketId { inode, uid });
        }
        if self
            .sockets
            .read_at
            .is_some_and(|t| now.duration_since(t) < TABLE_REFRESH)
        {
            return None;
        }
        self.read_table(now);
        self.sockets
            .by_ends
            .get(&k)
            .map(|&(inode, uid)| SocketId { inode, uid })
    }

    /// The listening socket that would accept a connection to `local`.
    pub fn listener(&mut self, local: SocketAddr, now: Instant) -> Option<SocketId> {
        if let Some(d) = &mut self.diag {
            if let Ok(Some(s)) = d.find(local, any_remote(local.ip())) {
                if s.inode != 0 && s.state == TCP_LISTEN {
                    return Some(SocketId {
                        inode: s.inode,
                        uid: s.uid,
                    });
                }
            }
            return None;
        }
        if self
            .sockets
            .read_at
            .is_none_or(|t| now.duration_since(t) >= TABLE_REFRESH)
        {
            self.read_table(now);
        }
        let ls = self.sockets.listeners.get(&local.port())?;
        ls.iter()
            .find(|(a, _, _)| *a == local.ip())
            .or_else(|| ls.iter().find(|(a, _, _)| a.is_unspecified()))
            .map(|&(_, inode, uid)| SocketId { inode, uid })
    }

    fn read_table(&mut self, now: Instant) {
        let mut t = SocketTable {
            read_at: Some(now),
            ..SocketTable::default()
        };
        for name in ["net/tcp", "net/tcp6"] {
            let Ok(text) = fs::read_to_string(self.root.join(name)) else {
                continue;
            };
            for s in text.lines().skip(1).filter_map(parse_socket_line) {
                if s.inode == 0 {
                    continue;
                }
                if s.state == TCP_LISTEN {
                    t.listeners.entry(s.local.port()).or_default().push((
                        s.local.ip(),
                        s.inode,
                        s.uid,
                    ));
                } else {
                    t.by_ends.insert((s.local, s.remote), (s.inode, s.uid));
                }
            }
        }
        self.sockets = t;
    }

    /// The name of process `pid` (`/proc/<pid>/comm`).
    pub fn comm(&self, pid: u32) -> Option<String> {
        let c = fs::read_to_string(self.root.join(pid.to_string()).join("comm")).ok()?;
        Some(c.trim_end_matches('\n').to_owned())
    }

    /// The name of thread `tid` of process `pid`.
    pub fn thread_comm(&self, pid: u32, tid: u32) -> Option<String> {
        let p = self
            .root
            .join(pid.to_string())
            .join("task")
            .join(tid.to_string())
            .join("comm");
        let c = fs::read_to_string(p).ok()?;
        Some(c.trim_end_matches('\n').to_owned())
    }

    /// When process `pid` started, in ns since the epoch (`/proc/<pid>/stat` field 22,
    /// clock ticks after boot), to tell it from an earlier process of the same pid.
    pub fn start_ns(&self, pid: u32) -> Option<i64> {
        let stat = fs::read_to_string(self.root.join(pid.to_string()).join("stat")).ok()?;
        // The name (field 2) may hold spaces and parentheses: fields count from its end.
        let rest = &stat[stat.rfind(')')? + 1..];
        let ticks: i64 = rest.split_whitespace().nth(19)?.parse().ok()?;
        // SAFETY: plain query.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
        Some(boot_ns() + ticks.saturating_mul(1_000_000_000 / hz))
    }

    /// The effective uid of process `pid` (the owner of `/proc/<pid>`).
    pub fn uid(&self, pid: u32) -> Option<u32> {
        fs::metadata(self.root.join(pid.to_string()))
            .ok()
            .map(|m| m.uid())
    }

    /// Remembers `pid` as a likely owner of the next sockets.
    pub fn prefer(&mut self, pid: u32) {
        self.hot.retain(|&p| p != pid);
        self.hot.push_front(pid);
        self.hot.truncate(HOT_PIDS);
    }

    /// The process owning socket `sock` (see [`ProcFs::opener`]). `None` now may be an
    /// answer later, when the walk goes on.
    pub fn owner_of(&mut self, sock: SocketId, now: Instant) -> Option<u32> {
        let found = self.holder(sock, now)?;
        let pid = self.opener(found, sock.inode);
        if pid != found {
            self.owners.insert(sock.inode, pid);
            self.prefer(pid);
        }
        Some(pid)
    }

    /// The process that gave `pid` its descriptor of socket `inode`, if `pid` has it
    /// from its parent: a child forked while its parent held the socket holds a copy
    /// (until it execs, when the descriptor is close-on-exec), and a walk newest first
    /// finds the child first. The connection is the parent's: the one still holding it
    /// highest up the line of parents.
    fn opener(&mut self, mut pid: u32, inode: u64) -> u32 {
        for _ in 0..MAX_FORKS_UP {
            let Some(parent) = self.ppid(pid).filter(|&p| p > 1) else {
                break;
            };
            self.scan(parent);
            if self.owners.get(&inode) != Some(&parent) {
                break;
            }
            pid = parent;
        }
        pid
    }

    /// The parent of process `pid` (`/proc/<pid>/stat` field 4).
    fn ppid(&self, pid: u32) -> Option<u32> {
        let stat = fs::read_to_string(self.root.join(pid.to_string()).join("stat")).ok()?;
        stat[stat.rfind(')')? + 1..]
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }

    /// A process holding socket `sock`: the cache, then the likely processes, then a
    /// walk over all of them (the socket's user's first), as far as the descriptor
    /// budget allows.
    fn holder(&mut self, sock: SocketId, now: Instant) -> Option<u32> {
        let inode = sock.inode;
        if let Some(&pid) = self.owners.get(&inode) {
            if self.root.join(pid.to_string()).exists() {
                return Some(pid);
            }
            self.owners.remove(&inode);
        }
        self.refill(now);
        if self.owners.len() > MAX_OWNERS {
            self.owners.clear();
        }
        // The likely owners first, every time: a walk under way has passed them.
        let hot: Vec<u32> = self.hot.iter().copied().collect();
        for pid in hot {
            if self.tokens < 1.0 {
                break;
            }
            self.scan(pid);
            if let Some(&p) = self.owners.get(&inode) {
                self.prefer(p);
                return Some(p);
            }
        }
        let mut walk = match self.walk.take() {
            Some(w) if now.duration_since(w.started) < WALK_STALE => w,
            _ => self.new_walk(now, sock.uid),
        };
        while self.tokens >= 1.0 {
            let (pid, mut fds) = match walk.current.take() {
                Some(c) => c,
                None => {
                    let Some(pid) = walk.pids.pop_front() else {
                        break;
                    };
                    let fd_dir = self.root.join(pid.to_string()).join("fd");
                    match fs::read_dir(fd_dir) {
                        Ok(d) => (pid, d.filter_map(|e| Some(e.ok()?.path())).collect()),
                        Err(_) => {
                            // Gone (or not ours to read): no longer a likely owner.
                            self.hot.retain(|&p| p != pid);
                            continue;
                        }
                    }
                }
            };
            while let Some(fd) = fds.pop() {
                self.tokens -= 1.0;
                if let Some(i) = fs::read_link(&fd).ok().as_deref().and_then(socket_inode) {
                    self.owners.insert(i, pid);
                }
                if self.tokens < 1.0 {
                    break;
                }
            }
            if !fds.is_empty() {
                walk.current = Some((pid, fds));
            }
            if self.owners.contains_key(&inode) {
                break;
            }
        }
        if walk.current.is_some() || !walk.pids.is_empty() {
            self.walk = Some(walk);
        }
        let found = self.owners.get(&inode).copied();
        if let Some(pid) = found {
            self.prefer(pid);
        }
        found
    }

    /// Looks at every descriptor of `pid` (as the budget allows).
    fn scan(&mut self, pid: u32) {
        let Ok(dir) = fs::read_dir(self.root.join(pid.to_string()).join("fd")) else {
            self.hot.retain(|&p| p != pid);
            return;
        };
        for e in dir.flatten() {
            if self.tokens < 1.0 {
                break;
            }
            self.tokens -= 1.0;
            if let Some(i) = fs::read_link(e.path())
                .ok()
                .as_deref()
                .and_then(socket_inode)
            {
                self.owners.insert(i, pid);
            }
        }
    }

    /// A new walk: the likely owners first, then the processes of the socket's user,
    /// then every other, the newest first in each: a new connection's process is often
    /// new (a client run once), and its connection may be short. procfs creates a
    /// process's inode when it is first looked at, so a new process has the newest.
    fn new_walk(&self, now: Instant, uid: u32) -> Walk {
        let mut pids: VecDeque<u32> = self.hot.iter().copied().collect();
        if let Ok(dir) = fs::read_dir(&self.root) {
            let hot: HashSet<u32> = pids.iter().copied().collect();
            let mut all: Vec<(bool, i64, i64, u32)> = dir
                .filter_map(|e| {
                    let e = e.ok()?;
                    let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
                    let m = e.metadata().ok()?;
                    Some((m.uid() == uid, m.ctime(), m.ctime_nsec(), pid))
                })
                .filter(|(_, _, _, p)| !hot.contains(p))
                .collect();
            all.sort_unstable_by(|a, b| b.cmp(a));
            pids.extend(all.into_iter().map(|(_, _, _, pid)| pid));
        }
        Walk {
            started: now,
            pids,
            current: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        if let Some(at) = self.tokens_at {
            self.tokens = (self.tokens + now.duration_since(at).as_secs_f64() * FDS_PER_SECOND)
                .min(FDS_BURST);
        }
        self.tokens_at = Some(now);
    }
}

/// When the system booted, in ns since the epoch (CLOCK_REALTIME − CLOCK_BOOTTIME).
fn boot_ns() -> i64 {
    let now = |clock| {
        // SAFETY: `timespec` is plain data, filled by the call.
        let mut t: libc::timespec = unsafe { std::mem::zeroed() };
        // SAFETY: a valid clock and a live timespec.
        unsafe { libc::clock_gettime(clock, &mut t) };
        (t.tv_sec as i64).saturating_mul(1_000_000_000) + t.tv_nsec as i64
    };
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_BOOTTIME)
}

/// `socket:[12345]` → 12345.
fn socket_inode(link: &Path) -> Option<u64> {
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// One line of `/proc/net/tcp` or `tcp6`:
/// `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`.
/// Addresses are the kernel's 32-bit words printed in host byte order.
pub fn parse_socket_line(line: &str) -> Option<Socket> {
    let mut f = line.split_whitespace();
    let _sl = f.next()?;
    let local = parse_endpoint(f.next()?)?;
    let remote = parse_endpoint(f.next()?)?;
    let state = u8::from_str_radix(f.next()?, 16).ok()?;
    let uid = f.nth(3)?.parse().ok()?;
    let inode = f.nth(1)?.parse().ok()?;
    Some(Socket {
        local,
        remote,
        state,
        uid,
        inode,
    })
}

fn parse_endpoint(s: &str) -> Option<SocketAddr> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| {
        u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16)
            .ok()
            .map(u32::to_ne_bytes)
    };
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            unmap(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
pub(crate) mod test {
    use super::*;
    use std::os::unix::fs::symlink;

    /// The kernel's text for an address (its 32-bit words in host byte order).
    fn hex(a: SocketAddr) -> String {
        let words: Vec<String> = match a.ip() {
            IpAddr::V4(v4) => vec![format!("{:08X}", u32::from_ne_bytes(v4.octets()))],
            IpAddr::V6(v6) => v6
                .octets()
                .chunks(4)
                .map(|c| format!("{:08X}", u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
        };
        format!("{}:{:04X}", words.concat(), a.port())
    }

    /// A `/proc/net/tcp` line.
    pub(crate) fn line(local: &str, remote: &str, state: u8, inode: u64) -> String {
        let (l, r): (SocketAddr, SocketAddr) = (local.parse().unwrap(), remote.parse().unwrap());
        format!(
            "   0: {} {} {state:02X} 00000000:00000000 00:00000000 00000000  1000        0 {inode} 1 0000000000000000 20 4 1 10 -1",
            hex(l),
            hex(r)
        )
    }

    #[test]
    fn proc_net_tcp_lines_parse() {
        let s = parse_socket_line(
            "   1: 020200C0:A834 507100CB:01BB 01 00000000:00000000 00:00000000 00000000     33        0 316142 1 00000000e2f873ae 20 4 1 55 -1",
        )
        .unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(s.local, "192.0.2.2:43060".parse().unwrap());
            assert_eq!(s.remote, "203.0.113.80:443".parse().unwrap());
        }
        assert_eq!((s.state, s.uid, s.inode), (1, 33, 316142));
        let v6 = parse_socket_line(&line("[2001:db8::1]:80", "[2001:db8::2]:5000", 1, 7)).unwrap();
        assert_eq!(v6.local, "[2001:db8::1]:80".parse().unwrap());
        let mapped = parse_socket_line(&line(
            "[::ffff:10.0.0.1]:80",
            "[::ffff:10.0.0.2]:5000",
            1,
            8,
        ))
        .unwrap();
        assert_eq!(mapped.remote, "10.0.0.2:5000".parse().unwrap());
        assert_eq!(
            parse_socket_line("  sl  local_address rem_address   st"),
            None
        );
    }

    /// A directory laid out like /proc: net/tcp, and processes with socket descriptors.
    pub(crate) struct FakeProc(pub PathBuf);

    impl FakeProc {
        pub(crate) fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("wirelens-fakeproc-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("net")).unwrap();
            fs::write(dir.join("net/tcp6"), "  sl header\n").unwrap();
            FakeProc(dir)
        }

        pub(crate) fn sockets(&self, lines: &[String]) {
            fs::write(
                self.0.join("net/tcp"),
                format!("  sl header\n{}\n", lines.join("\n")),
            )
            .unwrap();
        }

        pub(crate) fn process(&self, pid: u32, comm: &str, inodes: &[u64]) {
            let p = self.0.join(pid.to_string());
            fs::create_dir_all(p.join("fd")).unwrap();
            fs::write(p.join("comm"), format!("{comm}\n")).unwrap();
            symlink("/dev/null", p.join("fd/0")).unwrap();
            for (i, inode) in inodes.iter().enumerate() {
                symlink(format!("socket:[{inode}]"), p.join(format!("fd/{}", i + 3))).unwrap();
            }
        }
    }

    impl FakeProc {
        /// Gives process `pid` its parent, in a `stat` line.
        pub(crate) fn parent(&self, pid: u32, ppid: u32) {
            let stat = format!("{pid} (x y) S {ppid} {pid} {pid} 0 -1\n");
            fs::write(self.0.join(pid.to_string()).join("stat"), stat).unwrap();
        }
    }

    impl Drop for FakeProc {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_socket_is_found_in_a_fake_proc() {
        let proc = FakeProc::new("pfs");
        proc.sockets(&[
            line("10.0.0.1:40000", "10.0.0.2:80", 1, 1001),
            line("0.0.0.0:80", "0.0.0.0:0", TCP_LISTEN, 500),
        ]);
        proc.process(300, "unrelated", &[5]);
        proc.process(4242, "curl", &[999, 1001]);
        let mut p = ProcFs::new(&proc.0, false);
        let now = Instant::now();
        let l: SocketAddr = "10.0.0.1:40000".parse().unwrap();
        let s = p.socket(l, "10.0.0.2:80".parse().unwrap(), now).unwrap();
        assert_eq!(
            s,
            SocketId {
                inode: 1001,
                uid: 1000
            }
        );
        assert_eq!(p.owner_of(s, now), Some(4242));
        assert_eq!(p.comm(4242).as_deref(), Some("curl"));
        // This very process started before now, after boot.
        let real = ProcFs::new("/proc", false);
        let started = real.start_ns(std::process::id()).unwrap();
        assert!(
            started <= crate::now_ns() && started > boot_ns(),
            "{started}"
        );
        assert_eq!(
            p.listener("10.0.0.9:80".parse().unwrap(), now),
            Some(SocketId {
                inode: 500,
                uid: 1000
            })
        );
        assert_eq!(p.socket(l, "10.0.0.3:80".parse().unwrap(), now), None);
    }

    #[test]
    fn a_socket_inherited_by_a_fork_is_named_by_the_parent() {
        let proc = FakeProc::new("fork");
        proc.sockets(&[
            line("10.0.0.1:80", "10.0.0.2:40000", 1, 1001),
            line("10.0.0.1:80", "10.0.0.2:40001", 1, 1002),
        ]);
        // A server holding both connections forked a child that has not exec'd yet
        // (it holds them too), and one that has (holding 1002 alone, from the server
        // before it closed its copy). The children are newer: a walk meets them first.
        proc.process(1, "init", &[]);
        proc.process(100, "server", &[1001, 1002]);
        proc.parent(100, 1);
        std::thread::sleep(Duration::from_millis(20));
        proc.process(4242, "server", &[1001]);
        proc.parent(4242, 100);
        proc.process(4243, "worker", &[1002]);
        proc.parent(4243, 100);
        fs::remove_file(proc.0.join("100/fd/4")).unwrap();
        let mut p = ProcFs::new(&proc.0, false);
        let now = Instant::now();
        let remote = |port| SocketAddr::from(([10, 0, 0, 2], port));
        let local = SocketAddr::from(([10, 0, 0, 1], 80));
        let s = p.socket(local, remote(40000), now).unwrap();
        assert_eq!(p.owner_of(s, now), Some(100));
        let s = p.socket(local, remote(40001), now).unwrap();
        assert_eq!(p.owner_of(s, now), Some(4243));
    }

    #[test]
    fn this_process_is_found_in_the_real_proc_over_netlink() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let mut p = ProcFs::new("/proc", true);
        assert!(p.netlink(), "sock_diag answers here");
        let now = Instant::now();
        let s = p
            .socket(
                client.local_addr().unwrap(),
                client.peer_addr().unwrap(),
                now,
            )
            .expect("the client socket");
        let mut got = None;
        for i in 0..200 {
            got = got.or(p.owner_of(s, now + Duration::from_millis(100 * i)));
        }
        assert_eq!(got, Some(std::process::id()));
    }
}
