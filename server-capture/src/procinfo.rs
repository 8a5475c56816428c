//! Which process owns a TCP connection, found the way `ss -p` and `netstat -p` find it:
//! `/proc/net/tcp` and `tcp6` give the connection's socket inode, and the process with a
//! file descriptor linking to `socket:[inode]` under `/proc/<pid>/fd` owns it.
//!
//! The capture loop asks [`Resolver::on_packet`] about every packet; for the first packet
//! of a new connection (a SYN, or the first packet of an unknown 4-tuple) the answer is a
//! comment `pid=<pid> comm=<comm>` to store with that packet. When the process is not
//! found yet (an incoming SYN before `accept()`: the socket has no inode until then) a
//! later packet of the same connection tries again, a few milliseconds later each time.
//!
//! The work is bounded: `/proc/net/tcp*` is re-read at most every [`TABLE_REFRESH`], the
//! owners of socket inodes are cached, the processes that owned connections before are
//! looked at first, and walking every process's descriptors is spread over attempts by a
//! budget of descriptors per second. A connection whose process stays unknown after
//! [`MAX_ATTEMPTS`] is left without a comment.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wirelens_core::ingest::wire::{self, tcp_flags, Net, Transport};

/// Tries per connection before giving up.
pub const MAX_ATTEMPTS: u32 = 8;
/// The first retry waits this long; each next one twice as long (2, 4, … 256 ms).
const FIRST_RETRY: Duration = Duration::from_millis(2);
/// After this many failed tries of an incoming connection, its listener's owner (the
/// process that will accept it) is taken instead.
const LISTENER_AFTER: u32 = 4;
/// `/proc/net/tcp*` is not re-read more often than this.
pub const TABLE_REFRESH: Duration = Duration::from_millis(1);
/// File descriptors looked at per second, at most, when searching for an owner.
const FDS_PER_SECOND: f64 = 50_000.0;
/// ... and at most this many in one go.
const FDS_BURST: f64 = 5_000.0;
/// Processes remembered as likely owners, looked at first.
const HOT_PIDS: usize = 16;
/// A walk over the processes older than this is started afresh: it cannot know the
/// processes started since (a short-lived client, say).
const WALK_STALE: Duration = Duration::from_millis(20);
/// Connections tracked at most; beyond this new ones get no comment.
const MAX_CONNECTIONS: usize = 200_000;
/// Cached inode owners at most (the cache is dropped when it grows past this).
const MAX_OWNERS: usize = 500_000;
/// A connection unseen for this long is forgotten (after FIN or RST: a tenth of it).
const IDLE: Duration = Duration::from_secs(120);

/// The endpoints of a connection in a fixed order, so both directions map to one key.
type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Not found yet: try again at `next` (after `attempts` tries).
    Pending { attempts: u32, next: Instant },
    /// The owner.
    Found { pid: u32, comm: String },
    /// Not ours to find (neither side is this host), or given up.
    Unknown,
}

#[derive(Clone, Debug)]
struct Conn {
    local: SocketAddr,
    remote: SocketAddr,
    /// The local side received the SYN: the connection is incoming.
    incoming: bool,
    /// Sequence number of the SYN that opened it, to tell a new connection on the same
    /// ports (port reuse) from a retransmitted SYN.
    syn_seq: Option<u32>,
    state: State,
    /// The file (by sequence number) whose packet last carried the comment: each file
    /// names the process of every connection in it, so one file alone tells it.
    commented_in: Option<u64>,
    last_seen: Instant,
    closing: bool,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolverStats {
    /// TCP connections seen with a side on this host.
    pub connections: u64,
    /// Of those, connections whose process was found.
    pub found: u64,
}

/// A socket of `/proc/net/tcp*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Socket {
    /// Local end.
    pub local: SocketAddr,
    /// Remote end (`0.0.0.0:0` for a listener).
    pub remote: SocketAddr,
    /// TCP state (`0A` is LISTEN).
    pub state: u8,
    /// Inode of the socket file; 0 when there is none (TIME_WAIT, not accepted yet).
    pub inode: u64,
}

const TCP_LISTEN: u8 = 0x0a;

/// The sockets of the last read of `/proc/net/tcp*`.
#[derive(Default)]
struct SocketTable {
    /// Connected sockets by (local, remote): on loopback both ends of a connection are
    /// here, one each way.
    by_ends: HashMap<(SocketAddr, SocketAddr), u64>,
    /// Listening sockets by port: (address, inode).
    listeners: HashMap<u16, Vec<(IpAddr, u64)>>,
    read_at: Option<Instant>,
}

/// An interrupted walk over every process's file descriptors.
struct Walk {
    started: Instant,
    pids: VecDeque<u32>,
    /// The process being walked and the descriptors of it still to look at.
    current: Option<(u32, Vec<PathBuf>)>,
}

/// Finds the owners of connections. See the module documentation.
pub struct Resolver {
    proc_root: PathBuf,
    host: HashSet<IpAddr>,
    conns: HashMap<Key, Conn>,
    sockets: SocketTable,
    owners: HashMap<u64, u32>,
    hot: VecDeque<u32>,
    walk: Option<Walk>,
    tokens: f64,
    tokens_at: Option<Instant>,
    stats: ResolverStats,
    packets: u64,
}

impl Resolver {
    /// A resolver for a host with these addresses, reading `/proc`.
    pub fn new(host: impl IntoIterator<Item = IpAddr>) -> Self {
        Self::with_proc(host, "/proc")
    }

    /// A resolver reading another directory laid out like `/proc` (tests).
    pub fn with_proc(
        host: impl IntoIterator<Item = IpAddr>,
        proc_root: impl Into<PathBuf>,
    ) -> Self {
        Self {
            proc_root: proc_root.into(),
            host: host.into_iter().map(unmap).collect(),
            conns: HashMap::new(),
            sockets: SocketTable::default(),
            owners: HashMap::new(),
            hot: VecDeque::new(),
            walk: None,
            tokens: FDS_BURST,
            tokens_at: None,
            stats: ResolverStats::default(),
            packets: 0,
        }
    }

    /// What it did so far.
    pub fn stats(&self) -> ResolverStats {
        self.stats
    }

    /// Looks at one captured packet (of link type `linktype`), written to file number
    /// `file`; returns the comment to store with it, if any.
    pub fn on_packet(
        &mut self,
        linktype: u16,
        data: &[u8],
        file: u64,
        now: Instant,
    ) -> Option<String> {
        self.packets += 1;
        if self.packets.is_multiple_of(4096) {
            self.forget_idle(now);
        }
        let s = wire::dissect(linktype, data);
        let (Net::Ip { src, dst, .. }, Transport::Tcp(t)) = (s.net, s.transport) else {
            return None;
        };
        let (src, dst) = (
            SocketAddr::new(unmap(src), t.src_port),
            SocketAddr::new(unmap(dst), t.dst_port),
        );
        let k = key(src, dst);
        let syn = t.flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
        let reused = syn
            && self.conns.get(&k).is_some_and(|c| {
                c.closing || c.syn_seq.is_some_and(|seq| seq != t.seq) || c.syn_seq.is_none()
            });
        if reused {
            self.conns.remove(&k);
        }
        if !self.conns.contains_key(&k) {
            if self.conns.len() >= MAX_CONNECTIONS {
                self.forget_idle(now);
                if self.conns.len() >= MAX_CONNECTIONS {
                    return None;
                }
            }
            let conn = self.new_conn(src, dst, t.flags, t.seq, now);
            self.conns.insert(k, conn);
        }
        let mut conn = self.conns.remove(&k)?;
        conn.last_seen = now;
        conn.closing |= t.flags & (tcp_flags::FIN | tcp_flags::RST) != 0;
        if let State::Pending { attempts, next } = conn.state {
            if now >= next {
                conn.state = self.attempt(&conn, attempts, now);
                if matches!(conn.state, State::Found { .. }) {
                    self.stats.found += 1;
                }
            }
        }
        let comment = match &conn.state {
            State::Found { pid, comm } if conn.commented_in != Some(file) => {
                conn.commented_in = Some(file);
                Some(format!("pid={pid} comm={comm}"))
            }
            _ => None,
        };
        self.conns.insert(k, conn);
        comment
    }

    fn new_conn(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        flags: u8,
        seq: u32,
        now: Instant,
    ) -> Conn {
        // The initiator sent the SYN (or received the SYN-ACK); without a handshake, the
        // sender of the first packet stands in for it, as in the sessions view.
        let syn_ack = flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN | tcp_flags::ACK;
        let (initiator, responder) = if syn_ack { (dst, src) } else { (src, dst) };
        let local = match (
            self.host.contains(&initiator.ip()),
            self.host.contains(&responder.ip()),
        ) {
            (true, _) => Some((initiator, responder, false)),
            (false, true) => Some((responder, initiator, true)),
            (false, false) => None,
        };
        let syn_seq = (flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN).then_some(seq);
        let (local, remote, incoming, state) = match local {
            Some((l, r, incoming)) => {
                self.stats.connections += 1;
                (
                    l,
                    r,
                    incoming,
                    State::Pending {
                        attempts: 0,
                        next: now,
                    },
                )
            }
            None => (src, dst, false, State::Unknown),
        };
        Conn {
            local,
            remote,
            incoming,
            syn_seq,
            state,
            commented_in: None,
            last_seen: now,
            closing: false,
        }
    }

    /// One try at finding the owner of `conn`.
    fn attempt(&mut self, conn: &Conn, attempts: u32, now: Instant) -> State {
        let mut inode = self.inode_of(conn.local, conn.remote, now);
        if inode.is_none() && conn.incoming && attempts + 1 >= LISTENER_AFTER {
            inode = self.listener_of(conn.local);
        }
        if let Some(pid) = inode.and_then(|i| self.owner_of(i, now)) {
            let comm = fs::read_to_string(self.proc_root.join(pid.to_string()).join("comm"))
                .unwrap_or_default();
            self.hot.retain(|&p| p != pid);
            self.hot.push_front(pid);
            self.hot.truncate(HOT_PIDS);
            return State::Found {
                pid,
                comm: comm.trim_end_matches('\n').to_owned(),
            };
        }
        let attempts = attempts + 1;
        if attempts >= MAX_ATTEMPTS {
            return State::Unknown;
        }
        State::Pending {
            attempts,
            next: now + FIRST_RETRY * 2u32.pow(attempts - 1),
        }
    }

    /// The inode of the socket with these ends, re-reading the table when it is stale.
    fn inode_of(&mut self, local: SocketAddr, remote: SocketAddr, now: Instant) -> Option<u64> {
        let k = (local, remote);
        if let Some(&i) = self.sockets.by_ends.get(&k) {
            return Some(i);
        }
        if self
            .sockets
            .read_at
            .is_some_and(|t| now.duration_since(t) < TABLE_REFRESH)
        {
            return None;
        }
        self.read_table(now);
        self.sockets.by_ends.get(&k).copied()
    }

    fn listener_of(&self, local: SocketAddr) -> Option<u64> {
        let ls = self.sockets.listeners.get(&local.port())?;
        ls.iter()
            .find(|(a, _)| *a == local.ip())
            .or_else(|| ls.iter().find(|(a, _)| a.is_unspecified()))
            .map(|l| l.1)
    }

    fn read_table(&mut self, now: Instant) {
        let mut t = SocketTable {
            read_at: Some(now),
            ..SocketTable::default()
        };
        for name in ["net/tcp", "net/tcp6"] {
            let Ok(text) = fs::read_to_string(self.proc_root.join(name)) else {
                continue;
            };
            for s in text.lines().skip(1).filter_map(parse_socket_line) {
                if s.inode == 0 {
                    continue;
                }
                if s.state == TCP_LISTEN {
                    t.listeners
                        .entry(s.local.port())
                        .or_default()
                        .push((s.local.ip(), s.inode));
                } else {
                    t.by_ends.insert((s.local, s.remote), s.inode);
                }
            }
        }
        self.sockets = t;
    }

    /// The process owning socket `inode`: the cache, then the likely processes, then a
    /// walk over all of them, as far as the descriptor budget allows.
    fn owner_of(&mut self, inode: u64, now: Instant) -> Option<u32> {
        if let Some(&pid) = self.owners.get(&inode) {
            if self.proc_root.join(pid.to_string()).exists() {
                return Some(pid);
            }
            self.owners.remove(&inode);
        }
        self.refill(now);
        if self.owners.len() > MAX_OWNERS {
            self.owners.clear();
        }
        let mut walk = match self.walk.take() {
            Some(w) if now.duration_since(w.started) < WALK_STALE => w,
            _ => {
                // A new walk: the likely owners first, then every process, the newest
                // first: a new connection's process is often new (a client run once),
                // and its connection may be short. procfs creates a process's inode when
                // it is first looked at, so a new process has the newest one.
                let mut pids: VecDeque<u32> = self.hot.iter().copied().collect();
                if let Ok(dir) = fs::read_dir(&self.proc_root) {
                    let hot: HashSet<u32> = pids.iter().copied().collect();
                    let mut all: Vec<(i64, i64, u32)> = dir
                        .filter_map(|e| {
                            let e = e.ok()?;
                            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
                            let m = e.metadata().ok()?;
                            Some((m.ctime(), m.ctime_nsec(), pid))
                        })
                        .filter(|(_, _, p)| !hot.contains(p))
                        .collect();
                    all.sort_unstable_by(|a, b| b.cmp(a));
                    pids.extend(all.into_iter().map(|(_, _, pid)| pid));
                }
                Walk {
                    started: now,
                    pids,
                    current: None,
                }
            }
        };
        while self.tokens >= 1.0 {
            let (pid, mut fds) = match walk.current.take() {
                Some(c) => c,
                None => {
                    let Some(pid) = walk.pids.pop_front() else {
                        break;
                    };
                    let fd_dir = self.proc_root.join(pid.to_string()).join("fd");
                    match fs::read_dir(fd_dir) {
                        Ok(d) => (pid, d.filter_map(|e| Some(e.ok()?.path())).collect()),
                        Err(_) => {
                            // Gone (or a kernel thread's): no longer a likely owner.
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
        self.owners.get(&inode).copied()
    }

    fn refill(&mut self, now: Instant) {
        if let Some(at) = self.tokens_at {
            self.tokens = (self.tokens + now.duration_since(at).as_secs_f64() * FDS_PER_SECOND)
                .min(FDS_BURST);
        }
        self.tokens_at = Some(now);
    }

    fn forget_idle(&mut self, now: Instant) {
        self.conns.retain(|_, c| {
            let idle = now.duration_since(c.last_seen);
            idle < if c.closing { IDLE / 10 } else { IDLE }
        });
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer) as IPv4.
fn unmap(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
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
    let inode = f.nth(5)?.parse().ok()?;
    Some(Socket {
        local,
        remote,
        state,
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
mod test {
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

    fn line(local: &str, remote: &str, state: u8, inode: u64) -> String {
        let (l, r): (SocketAddr, SocketAddr) = (local.parse().unwrap(), remote.parse().unwrap());
        format!(
            "   0: {} {} {state:02X} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 20 4 1 10 -1",
            hex(l),
            hex(r)
        )
    }

    #[test]
    fn proc_net_tcp_lines_parse() {
        let s = parse_socket_line(
            "   1: 020200C0:A834 507100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 316142 1 00000000e2f873ae 20 4 1 55 -1",
        )
        .unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(s.local, "192.0.2.2:43060".parse().unwrap());
            assert_eq!(s.remote, "203.0.113.80:443".parse().unwrap());
        }
        assert_eq!((s.state, s.inode), (1, 316142));
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
    struct FakeProc(PathBuf);

    impl FakeProc {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("wirelens-fakeproc-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("net")).unwrap();
            fs::write(dir.join("net/tcp6"), "  sl header\n").unwrap();
            FakeProc(dir)
        }

        fn sockets(&self, lines: &[String]) {
            fs::write(
                self.0.join("net/tcp"),
                format!("  sl header\n{}\n", lines.join("\n")),
            )
            .unwrap();
        }

        fn process(&self, pid: u32, comm: &str, inodes: &[u64]) {
            let p = self.0.join(pid.to_string());
            fs::create_dir_all(p.join("fd")).unwrap();
            fs::write(p.join("comm"), format!("{comm}\n")).unwrap();
            symlink("/dev/null", p.join("fd/0")).unwrap();
            for (i, inode) in inodes.iter().enumerate() {
                symlink(format!("socket:[{inode}]"), p.join(format!("fd/{}", i + 3))).unwrap();
            }
        }
    }

    impl Drop for FakeProc {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// An Ethernet/IPv4/TCP frame.
    fn frame(src: &str, dst: &str, flags: u8, seq: u32) -> Vec<u8> {
        let (s, d): (SocketAddr, SocketAddr) = (src.parse().unwrap(), dst.parse().unwrap());
        let ip = |a: SocketAddr| match a.ip() {
            IpAddr::V4(v4) => v4.octets(),
            IpAddr::V6(_) => unreachable!(),
        };
        let b = etherparse::PacketBuilder::ethernet2([2; 6], [4; 6]).ipv4(ip(s), ip(d), 64);
        let mut tcp = b.tcp(s.port(), d.port(), seq, 1000);
        if flags & tcp_flags::SYN != 0 {
            tcp = tcp.syn();
        }
        if flags & tcp_flags::ACK != 0 {
            tcp = tcp.ack(1);
        }
        let mut out = Vec::new();
        tcp.write(&mut out, &[]).unwrap();
        out
    }

    const SYN: u8 = tcp_flags::SYN;
    const SYN_ACK: u8 = tcp_flags::SYN | tcp_flags::ACK;
    const ACK: u8 = tcp_flags::ACK;

    #[test]
    fn an_outgoing_connection_is_named_on_its_syn_once_per_file() {
        let proc = FakeProc::new("out");
        proc.sockets(&[line("10.0.0.1:40000", "10.0.0.2:80", 2, 1001)]);
        proc.process(300, "unrelated", &[5]);
        proc.process(4242, "curl", &[999, 1001]);
        let mut r = Resolver::with_proc(["10.0.0.1".parse().unwrap()], &proc.0);
        let t = Instant::now();
        let syn = frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 7);
        assert_eq!(
            r.on_packet(1, &syn, 1, t).as_deref(),
            Some("pid=4242 comm=curl")
        );
        let synack = frame("10.0.0.2:80", "10.0.0.1:40000", SYN_ACK, 70);
        assert_eq!(
            r.on_packet(1, &synack, 1, t),
            None,
            "once per connection and file"
        );
        assert_eq!(
            r.on_packet(1, &syn, 1, t),
            None,
            "a retransmitted SYN is the same connection"
        );
        let ack = frame("10.0.0.1:40000", "10.0.0.2:80", ACK, 8);
        assert_eq!(
            r.on_packet(1, &ack, 2, t).as_deref(),
            Some("pid=4242 comm=curl"),
            "again in the next file"
        );
        assert_eq!(
            r.stats(),
            ResolverStats {
                connections: 1,
                found: 1
            }
        );
        // Traffic between two other hosts is not looked up.
        assert_eq!(
            r.on_packet(1, &frame("10.9.9.9:1", "10.9.9.8:2", SYN, 1), 2, t),
            None
        );
        assert_eq!(r.stats().connections, 1);
    }

    #[test]
    fn an_incoming_connection_is_retried_until_accepted() {
        let proc = FakeProc::new("in");
        // The SYN arrives: only the listener exists.
        proc.sockets(&[line("0.0.0.0:80", "0.0.0.0:0", TCP_LISTEN, 500)]);
        proc.process(77, "nginx", &[500]);
        let mut r = Resolver::with_proc(["10.0.0.2".parse().unwrap()], &proc.0);
        let t = Instant::now();
        let syn = frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 7);
        assert_eq!(r.on_packet(1, &syn, 1, t), None);
        // Accepted by a worker process a moment later.
        proc.sockets(&[
            line("0.0.0.0:80", "0.0.0.0:0", TCP_LISTEN, 500),
            line("10.0.0.2:80", "10.0.0.1:40000", 1, 600),
        ]);
        proc.process(78, "nginx-worker", &[600]);
        let ack = frame("10.0.0.1:40000", "10.0.0.2:80", ACK, 8);
        assert_eq!(r.on_packet(1, &ack, 1, t), None, "too early for a retry");
        let later = t + Duration::from_millis(3);
        assert_eq!(
            r.on_packet(1, &ack, 1, later).as_deref(),
            Some("pid=78 comm=nginx-worker")
        );
    }

    #[test]
    fn a_connection_never_accepted_falls_back_to_its_listener() {
        let proc = FakeProc::new("listener");
        proc.sockets(&[line("0.0.0.0:80", "0.0.0.0:0", TCP_LISTEN, 500)]);
        proc.process(77, "nginx", &[500]);
        let mut r = Resolver::with_proc(["10.0.0.2".parse().unwrap()], &proc.0);
        let mut t = Instant::now();
        let ack = frame("10.0.0.1:40000", "10.0.0.2:80", ACK, 8);
        let syn = frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 7);
        let mut got = r.on_packet(1, &syn, 1, t);
        for _ in 0..LISTENER_AFTER {
            t += Duration::from_millis(300);
            got = got.or(r.on_packet(1, &ack, 1, t));
        }
        assert_eq!(got.as_deref(), Some("pid=77 comm=nginx"));
    }

    #[test]
    fn this_process_is_found_in_the_real_proc() {
        if !Path::new("/proc/net/tcp").exists() {
            eprintln!("SKIP: no /proc/net/tcp");
            return;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (local, remote) = (client.local_addr().unwrap(), listener.local_addr().unwrap());
        let mut r = Resolver::new(["127.0.0.1".parse().unwrap()]);
        let syn = frame(&local.to_string(), &remote.to_string(), SYN, 1);
        let comm = fs::read_to_string("/proc/self/comm").unwrap();
        let want = format!("pid={} comm={}", std::process::id(), comm.trim_end());
        let mut t = Instant::now();
        let mut got = None;
        for _ in 0..MAX_ATTEMPTS {
            got = got.or(r.on_packet(1, &syn, 1, t));
            t += Duration::from_secs(1);
        }
        assert_eq!(got, Some(want));
    }

    #[test]
    fn an_unknown_owner_is_given_up_after_max_attempts() {
        let proc = FakeProc::new("gone");
        proc.sockets(&[line("10.0.0.1:40000", "10.0.0.2:80", 1, 1001)]);
        let mut r = Resolver::with_proc(["10.0.0.1".parse().unwrap()], &proc.0);
        let mut t = Instant::now();
        let ack = frame("10.0.0.1:40000", "10.0.0.2:80", ACK, 8);
        for _ in 0..MAX_ATTEMPTS + 3 {
            assert_eq!(r.on_packet(1, &ack, 1, t), None);
            t += Duration::from_secs(1);
        }
        let c = r.conns.values().next().unwrap();
        assert_eq!(c.state, State::Unknown);
        // A new SYN on the same ports is a new connection, looked up afresh.
        proc.process(9, "late", &[1001]);
        let syn = frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 1234);
        assert_eq!(
            r.on_packet(1, &syn, 1, t).as_deref(),
            Some("pid=9 comm=late")
        );
    }
}
