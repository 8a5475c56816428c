//! Which process owns each TCP connection of this host, without costing the capture a
//! packet.
//!
//! The capture loop hands every packet to [`Tracker::observe`]: a dissection of its
//! headers and a table look-up. A new connection is put on a bounded queue to the lookup
//! thread ([`lookup`]); when the queue is full the connection loses its name, never a
//! packet. Answers come back on a channel the loop reads without waiting, and the first
//! packet of a named connection written to each file carries the comments
//! `pid=<pid> comm=<comm>` and `uid=<uid> user=<name>` ([`Tracker::comments`]).
//!
//! The loop holds a connection's first packets back a little (see `capture.rs`) so the
//! answer usually arrives before its first packet is written.

pub mod lookup;
pub mod procfs;
pub mod sockdiag;
pub mod tracepoint;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wirelens_core::ingest::wire::{self, tcp_flags, Net, Transport};

use lookup::{Answer, LookupStats, Request, Sources, Wake};
use procfs::ProcFs;
use tracepoint::Tracer;

/// Connections waiting in the queue to the lookup thread, at most.
pub const QUEUE: usize = 4096;
/// Connections tracked at most; beyond this new ones get no comment.
const MAX_CONNECTIONS: usize = 200_000;
/// A connection unseen for this long is forgotten (after FIN or RST: a tenth of it).
const IDLE: Duration = Duration::from_secs(120);

/// The longest process comment: `pid=4194304 comm=` and a 15-byte task name
/// (TASK_COMM_LEN - 1) make at most 32 bytes.
pub const MAX_PROCESS_COMMENT: usize = 32;
/// The longest user comment: `uid=4294967295 user=` and a 32-byte login name.
pub const MAX_USER_COMMENT: usize = 52;

/// A process owning a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Process id.
    pub pid: u32,
    /// Its name (`/proc/<pid>/comm`, at most 15 bytes).
    pub comm: String,
    /// Its user, when known.
    pub uid: Option<u32>,
    /// That user's login name, when it has one.
    pub user: Option<String>,
}

impl Owner {
    /// `pid=<pid> comm=<comm>`: what `wirelens sessions` reads (and Wireshark shows).
    pub fn process_comment(&self) -> String {
        format!("pid={} comm={}", self.pid, self.comm)
    }

    /// `uid=<uid> user=<name>` (or `uid=<uid>` alone), when the user is known.
    pub fn user_comment(&self) -> Option<String> {
        let uid = self.uid?;
        Some(match &self.user {
            Some(name) => format!("uid={uid} user={name}"),
            None => format!("uid={uid}"),
        })
    }
}

/// How an owner was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// Socket events: the process that connected or closed the socket.
    Events,
    /// `/proc`: the process holding the socket's file descriptor.
    Proc,
    /// `/proc`: the owner of the listening socket (the connection not accepted yet).
    Listener,
}

/// Which ways to look processes up (`--process-lookup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mechanism {
    /// Socket events when the kernel allows them, and /proc.
    Auto,
    /// Socket events only (fails at start when the kernel refuses them).
    Events,
    /// /proc only.
    Proc,
}

/// The lookups prepared before privileges are dropped: the tracepoint must be opened
/// while the process may still.
pub struct Prepared {
    host: HashSet<IpAddr>,
    tracer: Option<Tracer>,
    procfs: bool,
    /// Why socket events are not used, when they are not.
    pub events_refused: Option<String>,
}

impl Prepared {
    /// Opens what `mechanism` asks for. An error only when `Events` was asked for and
    /// the kernel refused.
    pub fn open(
        host: impl IntoIterator<Item = IpAddr>,
        mechanism: Mechanism,
    ) -> Result<Self, String> {
        let (tracer, refused) = match mechanism {
            Mechanism::Proc => (
                None,
                Some("not asked for (--process-lookup proc)".to_owned()),
            ),
            Mechanism::Auto | Mechanism::Events => match Tracer::open() {
                Ok(t) => (Some(t), None),
                Err(e) if mechanism == Mechanism::Events => {
                    return Err(format!("socket events: {e}"))
                }
                Err(e) => (None, Some(e)),
            },
        };
        Ok(Prepared {
            host: host.into_iter().map(unmap).collect(),
            tracer,
            procfs: mechanism != Mechanism::Events,
            events_refused: refused,
        })
    }

    /// Whether socket events are followed.
    pub fn events(&self) -> bool {
        self.tracer.is_some()
    }

    /// Starts the lookup thread.
    pub fn start(self) -> std::io::Result<Tracker> {
        let wake = Arc::new(Wake::new()?);
        let (tx, requests) = mpsc::sync_channel(QUEUE);
        let (answers_tx, answers) = mpsc::channel();
        let sources = Sources {
            tracer: self.tracer,
            procfs: self.procfs.then(|| ProcFs::new("/proc", true)),
        };
        let w = Arc::clone(&wake);
        let thread = std::thread::Builder::new()
            .name("lookup".into())
            .spawn(move || lookup::run(sources, requests, answers_tx, w))?;
        Ok(Tracker::with_lookup(
            self.host,
            tx,
            answers,
            wake,
            Some(thread),
        ))
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer) as IPv4.
pub fn unmap(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

/// A fast hash for the per-packet tables (rustc's FxHash: a multiply and a rotate per
/// word). Their keys are packet addresses, so an attacker could aim collisions at them:
/// the table sizes are capped ([`MAX_CONNECTIONS`]), which bounds the harm to CPU time.
#[derive(Clone, Copy, Default)]
pub struct Fx;

impl std::hash::BuildHasher for Fx {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

/// The hasher of [`Fx`].
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The endpoints of a connection in a fixed order, so both directions map to one key.
pub type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Asked; no answer yet.
    Pending,
    /// The owner.
    Found(Arc<Owner>),
    /// Not ours to find (neither side is this host), not found, or not asked (the queue
    /// was full).
    Unknown,
}

#[derive(Clone, Debug)]
struct Conn {
    id: u64,
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

/// A packet's connection, as [`Tracker::observe`] saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The connection.
    pub key: Key,
    /// Which connection on those ends (a new SYN on the same ports is another).
    pub id: u64,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackerStats {
    /// TCP connections seen with a side on this host.
    pub connections: u64,
    /// Of those, connections whose process was found ...
    pub found: u64,
    /// ... through socket events,
    pub by_events: u64,
    /// ... through /proc,
    pub by_proc: u64,
    /// ... as the owner of the listening socket.
    pub by_listener: u64,
    /// Connections not looked up because the queue to the lookup thread was full.
    pub queue_full: u64,
    /// What the lookup thread saw.
    pub lookup: LookupStats,
}

impl fmt::Display for TrackerStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} TCP connections of this host, {} named by their process",
            self.connections, self.found
        )?;
        if self.found > 0 {
            let mut how = Vec::new();
            for (n, what) in [
                (self.by_events, "by socket events"),
                (self.by_proc, "from /proc"),
                (self.by_listener, "by their listener"),
            ] {
                if n > 0 {
                    how.push(format!("{n} {what}"));
                }
            }
            write!(f, " ({})", how.join(", "))?;
        }
        if self.queue_full > 0 {
            write!(
                f,
                "; {} not looked up (the lookup queue was full)",
                self.queue_full
            )?;
        }
        if self.lookup.events_lost > 0 {
            write!(f, "; {} socket events lost", self.lookup.events_lost)?;
        }
        Ok(())
    }
}

/// The capture loop's side of the lookups. See the module documentation.
pub struct Tracker {
    host: HashSet<IpAddr>,
    conns: HashMap<Key, Conn, Fx>,
    /// Connection ids waiting for an answer, to their key.
    waiting: HashMap<u64, Key, Fx>,
    next_id: u64,
    requests: Option<SyncSender<Request>>,
    answers: Receiver<Answer>,
    wake: Arc<Wake>,
    thread: Option<JoinHandle<LookupStats>>,
    stats: TrackerStats,
    packets: u64,
}

impl Tracker {
    fn with_lookup(
        host: HashSet<IpAddr>,
        requests: SyncSender<Request>,
        answers: Receiver<Answer>,
        wake: Arc<Wake>,
        thread: Option<JoinHandle<LookupStats>>,
    ) -> Self {
        Tracker {
            host,
            conns: HashMap::default(),
            waiting: HashMap::default(),
            next_id: 0,
            requests: Some(requests),
            answers,
            wake,
            thread,
            stats: TrackerStats::default(),
            packets: 0,
        }
    }

    /// Looks at one captured packet (of link type `linktype`, captured at `ts_ns`): its
    /// connection, asked about when new. `None` for anything but TCP over IP.
    pub fn observe(
        &mut self,
        linktype: u16,
        data: &[u8],
        ts_ns: i64,
        now: Instant,
    ) -> Option<Seen> {
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
        // The common case, a packet of a known connection: one look-up.
        if let Some(c) = self.conns.get_mut(&k) {
            let reused = syn && (c.closing || c.syn_seq.is_none_or(|seq| seq != t.seq));
            if !reused {
                c.last_seen = now;
                c.closing |= t.flags & (tcp_flags::FIN | tcp_flags::RST) != 0;
                return Some(Seen { key: k, id: c.id });
            }
            let old = c.id;
            self.waiting.remove(&old);
            self.conns.remove(&k);
        }
        if self.conns.len() >= MAX_CONNECTIONS {
            self.forget_idle(now);
            if self.conns.len() >= MAX_CONNECTIONS {
                return None;
            }
        }
        let mut conn = self.new_conn(k, (src, dst), t.flags, t.seq, ts_ns, now);
        conn.closing |= t.flags & (tcp_flags::FIN | tcp_flags::RST) != 0;
        let id = conn.id;
        self.conns.insert(k, conn);
        Some(Seen { key: k, id })
    }

    fn new_conn(
        &mut self,
        k: Key,
        (src, dst): (SocketAddr, SocketAddr),
        flags: u8,
        seq: u32,
        ts_ns: i64,
        now: Instant,
    ) -> Conn {
        self.next_id += 1;
        let id = self.next_id;
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
        let state = match local {
            Some((local, remote, incoming)) => {
                self.stats.connections += 1;
                let asked = self.ask(Request {
                    id,
                    local,
                    remote,
                    incoming,
                    ts_ns,
                });
                if asked {
                    self.waiting.insert(id, k);
                    State::Pending
                } else {
                    State::Unknown
                }
            }
            None => State::Unknown,
        };
        Conn {
            id,
            syn_seq,
            state,
            commented_in: None,
            last_seen: now,
            closing: false,
        }
    }

    /// Queues a request without waiting; false when the queue is full.
    fn ask(&mut self, r: Request) -> bool {
        let Some(tx) = &self.requests else {
            return false;
        };
        match tx.try_send(r) {
            Ok(()) => {
                self.wake.wake();
                true
            }
            Err(TrySendError::Full(_)) => {
                self.stats.queue_full += 1;
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }

    /// Takes in the answers that arrived; no waiting.
    pub fn receive(&mut self) {
        while let Ok(a) = self.answers.try_recv() {
            self.apply(a);
        }
    }

    fn apply(&mut self, a: Answer) {
        let Some(k) = self.waiting.remove(&a.id) else {
            return;
        };
        let Some(conn) = self.conns.get_mut(&k).filter(|c| c.id == a.id) else {
            return;
        };
        conn.state = match a.owner {
            Some((owner, by)) => {
                self.stats.found += 1;
                match by {
                    By::Events => self.stats.by_events += 1,
                    By::Proc => self.stats.by_proc += 1,
                    By::Listener => self.stats.by_listener += 1,
                }
                State::Found(owner)
            }
            None => State::Unknown,
        };
    }

    /// Whether the connection still waits for its answer.
    pub fn pending(&self, seen: &Seen) -> bool {
        self.waiting.contains_key(&seen.id)
    }

    /// The comments for a packet of `seen` written to file number `file`: the process
    /// (and user) on the first packet of a named connection in each file.
    pub fn comments(&mut self, seen: &Seen, file: u64) -> Option<(String, Option<String>)> {
        let conn = self.conns.get_mut(&seen.key).filter(|c| c.id == seen.id)?;
        let State::Found(owner) = &conn.state else {
            return None;
        };
        if conn.commented_in == Some(file) {
            return None;
        }
        conn.commented_in = Some(file);
        let process = owner.process_comment();
        if process.len() > MAX_PROCESS_COMMENT {
            return None;
        }
        let user = owner.user_comment().filter(|u| u.len() <= MAX_USER_COMMENT);
        Some((process, user))
    }

    /// What it did so far (the lookup thread's counters once [`Tracker::finish`]ed).
    pub fn stats(&self) -> TrackerStats {
        self.stats
    }

    /// Stops the lookup thread and returns the final counters.
    pub fn finish(mut self) -> TrackerStats {
        self.requests = None;
        self.wake.force();
        if let Some(t) = self.thread.take() {
            if let Ok(s) = t.join() {
                self.stats.lookup = s;
            }
        }
        self.receive();
        self.stats
    }

    fn forget_idle(&mut self, now: Instant) {
        let waiting = &mut self.waiting;
        self.conns.retain(|_, c| {
            let idle = now.duration_since(c.last_seen);
            let keep = idle < if c.closing { IDLE / 10 } else { IDLE };
            if !keep {
                waiting.remove(&c.id);
            }
            keep
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.requests = None;
        self.wake.force();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// An Ethernet/IPv4/TCP frame.
    pub(crate) fn frame(src: &str, dst: &str, flags: u8, seq: u32) -> Vec<u8> {
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
        if flags & tcp_flags::FIN != 0 {
            tcp = tcp.fin();
        }
        let mut out = Vec::new();
        tcp.write(&mut out, &[]).unwrap();
        out
    }

    const SYN: u8 = tcp_flags::SYN;
    const SYN_ACK: u8 = tcp_flags::SYN | tcp_flags::ACK;
    const ACK: u8 = tcp_flags::ACK;

    /// A tracker whose lookup "thread" is the test: it reads the requests and answers.
    fn tracker(host: &str, queue: usize) -> (Tracker, Receiver<Request>, mpsc::Sender<Answer>) {
        let (tx, rx) = mpsc::sync_channel(queue);
        let (atx, arx) = mpsc::channel();
        let t = Tracker::with_lookup(
            [host.parse().unwrap()].into_iter().collect(),
            tx,
            arx,
            Arc::new(Wake::new().unwrap()),
            None,
        );
        (t, rx, atx)
    }

    fn owner(pid: u32, comm: &str) -> Arc<Owner> {
        Arc::new(Owner {
            pid,
            comm: comm.into(),
            uid: Some(1000),
            user: Some("alice".into()),
        })
    }

    #[test]
    fn a_connection_is_asked_about_once_and_named_once_per_file() {
        let (mut t, requests, answers) = tracker("10.0.0.1", 8);
        let now = Instant::now();
        let syn = frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 7);
        let seen = t.observe(1, &syn, 0, now).unwrap();
        assert!(t.pending(&seen));
        let r = requests.try_recv().unwrap();
        assert_eq!(
            (r.local, r.remote, r.incoming),
            (
                "10.0.0.1:40000".parse().unwrap(),
                "10.0.0.2:80".parse().unwrap(),
                false
            )
        );
        // The SYN-ACK and a retransmitted SYN are the same connection: no new request.
        let synack = frame("10.0.0.2:80", "10.0.0.1:40000", SYN_ACK, 70);
        assert_eq!(t.observe(1, &synack, 0, now), Some(seen));
        assert_eq!(t.observe(1, &syn, 0, now), Some(seen));
        assert!(requests.try_recv().is_err());
        assert_eq!(t.comments(&seen, 1), None, "no answer yet");

        answers
            .send(Answer {
                id: r.id,
                owner: Some((owner(4242, "curl"), By::Events)),
            })
            .unwrap();
        t.receive();
        assert!(!t.pending(&seen));
        assert_eq!(
            t.comments(&seen, 1),
            Some((
                "pid=4242 comm=curl".to_owned(),
                Some("uid=1000 user=alice".to_owned())
            ))
        );
        assert_eq!(t.comments(&seen, 1), None, "once per file");
        assert!(t.comments(&seen, 2).is_some(), "again in the next file");
        let s = t.stats();
        assert_eq!((s.connections, s.found, s.by_events), (1, 1, 1));

        // Traffic between two other hosts is not looked up.
        let other = t
            .observe(1, &frame("10.9.9.9:1", "10.9.9.8:2", SYN, 1), 0, now)
            .unwrap();
        assert!(!t.pending(&other));
        assert!(requests.try_recv().is_err());
        assert_eq!(t.stats().connections, 1);
    }

    #[test]
    fn an_incoming_connection_is_asked_about_from_the_server_side() {
        let (mut t, requests, _answers) = tracker("10.0.0.2", 8);
        let now = Instant::now();
        t.observe(1, &frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 7), 0, now);
        let r = requests.try_recv().unwrap();
        assert_eq!(
            (r.local, r.remote, r.incoming),
            (
                "10.0.0.2:80".parse().unwrap(),
                "10.0.0.1:40000".parse().unwrap(),
                true
            )
        );
    }

    #[test]
    fn a_full_queue_loses_a_name_not_a_packet() {
        let (mut t, requests, _answers) = tracker("10.0.0.1", 2);
        let now = Instant::now();
        let mut seen = Vec::new();
        for port in 0..5u16 {
            let syn = frame(&format!("10.0.0.1:{}", 40000 + port), "10.0.0.2:80", SYN, 1);
            seen.push(t.observe(1, &syn, 0, now).expect("every packet is seen"));
        }
        assert_eq!(seen.iter().filter(|s| t.pending(s)).count(), 2);
        let s = t.stats();
        assert_eq!((s.connections, s.queue_full), (5, 3));
        assert_eq!(requests.try_iter().count(), 2);
        assert!(s.to_string().contains("3 not looked up"), "{s}");
    }

    #[test]
    fn a_new_syn_on_the_same_ports_is_a_new_connection() {
        let (mut t, requests, answers) = tracker("10.0.0.1", 8);
        let now = Instant::now();
        let first = t
            .observe(1, &frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 1), 0, now)
            .unwrap();
        t.observe(
            1,
            &frame("10.0.0.1:40000", "10.0.0.2:80", tcp_flags::FIN | ACK, 2),
            0,
            now,
        );
        let second = t
            .observe(1, &frame("10.0.0.1:40000", "10.0.0.2:80", SYN, 999), 0, now)
            .unwrap();
        assert_ne!(first.id, second.id);
        let ids: Vec<u64> = requests.try_iter().map(|r| r.id).collect();
        assert_eq!(ids, [first.id, second.id]);
        // A late answer about the first names nothing.
        answers
            .send(Answer {
                id: first.id,
                owner: Some((owner(1, "old"), By::Proc)),
            })
            .unwrap();
        t.receive();
        assert_eq!(t.comments(&second, 1), None);
        assert!(t.pending(&second));
    }

    #[test]
    fn the_lookup_thread_names_a_connection_of_this_process() {
        let _apart = crate::forks_apart();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (local, remote) = (client.local_addr().unwrap(), listener.local_addr().unwrap());
        let prepared = Prepared::open(["127.0.0.1".parse().unwrap()], Mechanism::Proc).unwrap();
        let mut t = prepared.start().unwrap();
        let syn = frame(&local.to_string(), &remote.to_string(), SYN, 1);
        let seen = t.observe(1, &syn, 0, Instant::now()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while t.pending(&seen) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
            t.receive();
        }
        let comm = std::fs::read_to_string("/proc/self/comm").unwrap();
        let (process, user) = t.comments(&seen, 1).expect("named");
        assert_eq!(
            process,
            format!("pid={} comm={}", std::process::id(), comm.trim_end())
        );
        let uid = unsafe { libc::geteuid() };
        assert!(user.unwrap().starts_with(&format!("uid={uid}")));
        let s = t.finish();
        assert_eq!((s.connections, s.found, s.by_proc), (1, 1, 1));
    }
}
