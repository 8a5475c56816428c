//! The lookup thread: answers "which process owns the connection with these ends?" off
//! the capture path. Requests come through a bounded queue; answers go back through a
//! channel the capture loop reads without waiting.
//!
//! Two ways to an answer, tried in this order:
//! - socket events ([`Tracer`]): the process that connected (`SYN_SENT`) or closed
//!   (`FIN_WAIT1`, `LAST_ACK`, `CLOSE` in process context) each socket, remembered by the
//!   socket's ends for a while after it closed, so a connection of a millisecond is
//!   named after it is gone;
//! - `/proc` ([`ProcFs`]): the socket's inode over netlink, then its process among the
//!   file descriptors; only while the socket is open.
//!
//! A request not answered at once is tried again (every few milliseconds for `/proc`,
//! on every new socket event for the events) until its deadline.

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::ops::Not;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::procfs::{ProcFs, SocketId};
use super::tracepoint::{state, Record, StateChange, Tracer};
use super::{By, Owner};
use crate::users::Users;

/// Tries through `/proc` per connection before giving up on it there.
pub const MAX_ATTEMPTS: u32 = 8;
/// The first retry waits this long; each next one twice as long (2, 4, … 256 ms).
const FIRST_RETRY: Duration = Duration::from_millis(2);
/// After this many failed tries of an incoming connection, its listener's owner (the
/// process that will accept it) is taken instead.
const LISTENER_AFTER: u32 = 4;
/// With socket events, a connection not named yet waits this long for its close (a
/// server's socket is named by the process that closes it).
const EVENTS_WAIT: Duration = Duration::from_secs(600);
/// Connections waiting at most; beyond this the oldest get no name.
const MAX_PENDING: usize = 200_000;
/// A closed socket's owner is kept this long: its packets may be read after it closed.
const KEEP_CLOSED: Duration = Duration::from_secs(10);
/// Sockets followed at most (the table is dropped when it grows past this: records were
/// lost, or sockets live very long).
const MAX_SOCKETS: usize = 1_000_000;
/// A process that started this long after it was seen owning a socket is another one
/// (its start is known to a clock tick, 10 ms).
const START_SLACK_NS: i64 = 20_000_000;
/// A process's name and user are read again after this long (without events that say
/// when it changes).
const OWNER_TTL: Duration = Duration::from_secs(1);

/// One question.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// The capture side's connection id, given back in the answer.
    pub id: u64,
    /// This host's end.
    pub local: SocketAddr,
    /// The other end.
    pub remote: SocketAddr,
    /// The connection came in (a server's socket).
    pub incoming: bool,
    /// When its first packet was captured, ns since the epoch.
    pub ts_ns: i64,
}

/// One answer.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The request's id.
    pub id: u64,
    /// The owner, or `None` when it cannot be found.
    pub owner: Option<(Arc<Owner>, By)>,
}

/// Wakes the lookup thread from `poll`: an eventfd, written only when the thread says it
/// is about to sleep (so a busy thread costs the capture loop no system call).
pub struct Wake {
    fd: OwnedFd,
    sleeping: AtomicBool,
}

impl Wake {
    /// A new eventfd.
    pub fn new() -> io::Result<Wake> {
        // SAFETY: plain system call; the descriptor is owned at once.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Wake {
            // SAFETY: a new descriptor nobody else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            sleeping: AtomicBool::new(false),
        })
    }

    /// Wakes the thread if it sleeps (or is about to).
    pub fn wake(&self) {
        if self.sleeping.swap(false, Ordering::SeqCst) {
            self.force();
        }
    }

    /// Wakes the thread whatever it is doing (to stop it).
    pub fn force(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64. A full counter (never) only means
        // the thread is awake already.
        unsafe {
            libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8);
        }
    }

    fn clear(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64; EAGAIN when nothing was written.
        unsafe {
            libc::read(self.fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8);
        }
    }
}

/// What the lookup thread did, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Socket events read.
    pub events: u64,
    /// Socket events the kernel dropped (a ring was full).
    pub events_lost: u64,
}

/// A socket's (local, remote) ends.
type Ends = (SocketAddr, SocketAddr);

/// A connection waiting for its owner.
struct Pending {
    req: Request,
    /// Tries through /proc so far.
    attempts: u32,
    deadline: Instant,
}

/// What the socket events say about one socket.
#[derive(Default)]
struct SockInfo {
    /// The process (pid, tid) that connected or closed it.
    proc: Option<(u32, u32)>,
    /// Its ends, once its local port is known.
    ends: Option<(SocketAddr, SocketAddr)>,
    /// Its ends as `connect()` began (local port 0 then).
    partial: Option<(SocketAddr, SocketAddr)>,
    /// When this use of the socket began (its first event), ns since the epoch.
    opened_ns: i64,
}

/// One socket's life on a pair of ends: ends are reused (a client's port, a new
/// connection to the same server), so a connection is matched to the use that was open
/// when its first packet was captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Use {
    proc: (u32, u32),
    opened_ns: i64,
    closed_ns: Option<i64>,
}

/// Uses remembered per pair of ends.
const USES: usize = 4;
/// How much a connection's first packet may precede the first event of its socket: a
/// server's socket shows its first event (the handshake's end) a round trip after the
/// client's SYN.
const OPEN_SLACK_NS: i64 = 1_000_000_000;

/// The sockets followed through their events, and the names of threads.
#[derive(Default)]
struct Events {
    socks: HashMap<u64, SockInfo>,
    /// Owners by (local, remote), each use of the ends.
    by_ends: HashMap<Ends, Vec<Use>>,
    /// Sockets connecting whose local port is not known yet.
    unbound: HashSet<u64>,
    /// Closed sockets' uses to forget, and when.
    closed: VecDeque<(Instant, Ends, i64)>,
    /// Thread names from COMM and FORK records, by thread id.
    comms: HashMap<u32, String>,
    /// Names of exited threads to forget, and when.
    exited: VecDeque<(Instant, u32)>,
    stats: LookupStats,
}

impl Events {
    /// Takes in one record; returns the ends whose owner it made known.
    fn apply(&mut self, r: Record, now: Instant) -> Option<Ends> {
        self.stats.events += 1;
        match r {
            Record::State(s) => self.state(s, now),
            Record::Comm { tid, comm, .. } => {
                self.comms.insert(tid, comm);
                None
            }
            Record::Fork { tid, ptid, .. } => {
                if let Some(c) = self.comms.get(&ptid).cloned() {
                    self.comms.insert(tid, c);
                }
                None
            }
            Record::Exit { tid, .. } => {
                self.exited.push_back((now + KEEP_CLOSED, tid));
                None
            }
            Record::Lost(n) => {
                self.stats.events_lost += n;
                None
            }
        }
    }

    fn state(&mut self, s: StateChange, now: Instant) -> Option<Ends> {
        if self.socks.len() >= MAX_SOCKETS {
            self.socks.clear();
            self.unbound.clear();
        }
        if s.new == state::SYN_SENT {
            // connect(): a new use of this socket, whatever it was before.
            self.socks.remove(&s.sk);
        }
        let info = self.socks.entry(s.sk).or_insert_with(|| SockInfo {
            opened_ns: s.time_ns,
            ..SockInfo::default()
        });
        if s.in_process && info.proc.is_none() {
            info.proc = Some((s.pid, s.tid));
        }
        if s.local.port() != 0 && s.remote.port() != 0 {
            info.ends = Some((s.local, s.remote));
        } else if s.new == state::SYN_SENT {
            info.partial = Some((s.local, s.remote));
        }
        let opened_ns = info.opened_ns;
        let mut learned = None;
        match (info.proc, info.ends) {
            (Some(p), Some(e)) => {
                self.unbound.remove(&s.sk);
                if self.by_ends.len() >= MAX_SOCKETS {
                    self.by_ends.clear();
                }
                let uses = self.by_ends.entry(e).or_default();
                if !uses.iter().any(|u| u.opened_ns == opened_ns) {
                    if uses.len() >= USES {
                        uses.remove(0);
                    }
                    uses.push(Use {
                        proc: p,
                        opened_ns,
                        closed_ns: None,
                    });
                    learned = Some(e);
                }
            }
            (Some(_), None) => {
                self.unbound.insert(s.sk);
            }
            _ => {}
        }
        if s.new == state::CLOSE {
            if let Some(info) = self.socks.remove(&s.sk) {
                if let Some(e) = info.ends {
                    if let Some(u) = self
                        .by_ends
                        .get_mut(&e)
                        .and_then(|uses| uses.iter_mut().find(|u| u.opened_ns == info.opened_ns))
                    {
                        u.closed_ns = Some(s.time_ns);
                        self.closed
                            .push_back((now + KEEP_CLOSED, e, info.opened_ns));
                    }
                }
            }
            self.unbound.remove(&s.sk);
        }
        learned
    }

    /// The owner of the socket with these ends that was open when the connection's first
    /// packet (captured at `ts_ns`) went by, if the events tell.
    /// Returns (pid, tid, when the socket's owner was seen at it).
    fn owner(&self, local: SocketAddr, remote: SocketAddr, ts_ns: i64) -> Option<(u32, u32, i64)> {
        let open_then = |opened: i64, closed: Option<i64>| {
            opened <= ts_ns.saturating_add(OPEN_SLACK_NS) && closed.is_none_or(|c| c >= ts_ns)
        };
        // The last use opened before the packet; else (a server's socket, first seen at
        // the handshake's end) the first opened after it.
        let found = self.by_ends.get(&(local, remote)).and_then(|uses| {
            let valid = || uses.iter().filter(|u| open_then(u.opened_ns, u.closed_ns));
            valid()
                .filter(|u| u.opened_ns <= ts_ns)
                .max_by_key(|u| u.opened_ns)
                .or_else(|| valid().min_by_key(|u| u.opened_ns))
                .map(|u| (u.proc.0, u.proc.1, u.opened_ns))
        });
        if found.is_some() {
            return found;
        }
        // A connection whose SYN was captured before the kernel reported its port: the
        // process connecting from this address to that end, if only one is.
        let mut found = None;
        for sk in &self.unbound {
            let Some(info) = self.socks.get(sk) else {
                continue;
            };
            let (Some((l, r)), Some(p)) = (info.partial, info.proc) else {
                continue;
            };
            if r == remote
                && (l.ip() == local.ip() || l.ip().is_unspecified())
                && info.opened_ns <= ts_ns
            {
                match found {
                    None => found = Some((p.0, p.1, info.opened_ns)),
                    Some((pid, _, _)) if pid == p.0 => {}
                    Some(_) => return None,
                }
            }
        }
        found
    }

    fn expire(&mut self, now: Instant) {
        while self.closed.front().is_some_and(|c| c.0 <= now) {
            if let Some((_, e, opened)) = self.closed.pop_front() {
                if let Some(uses) = self.by_ends.get_mut(&e) {
                    uses.retain(|u| u.opened_ns != opened);
                    if uses.is_empty() {
                        self.by_ends.remove(&e);
                    }
                }
            }
        }
        while self.exited.front().is_some_and(|c| c.0 <= now) {
            if let Some((_, tid)) = self.exited.pop_front() {
                self.comms.remove(&tid);
            }
        }
    }
}

/// Which ways to an owner the thread has.
pub struct Sources {
    /// Socket events, when the tracepoint could be opened.
    pub tracer: Option<Tracer>,
    /// `/proc` lookups.
    pub procfs: Option<ProcFs>,
}

/// The thread's state.
struct Lookup {
    tracer: Option<Tracer>,
    procfs: Option<ProcFs>,
    /// A reader of process names and users even without `/proc` lookups.
    names: ProcFs,
    events: Events,
    users: Users,
    pending: HashMap<(SocketAddr, SocketAddr), Pending>,
    /// When to try pending connections through /proc again.
    retries: BinaryHeap<std::cmp::Reverse<(Instant, (SocketAddr, SocketAddr))>>,
    /// Pending connections by deadline.
    deadlines: VecDeque<(Instant, (SocketAddr, SocketAddr))>,
    /// Owner records by pid: when read, when that process started, the record.
    owners: HashMap<u32, (Instant, Option<i64>, Arc<Owner>)>,
    records: Vec<Record>,
    answers: Sender<Answer>,
}

/// Runs the lookup thread until the request queue closes.
pub fn run(
    sources: Sources,
    requests: Receiver<Request>,
    answers: Sender<Answer>,
    wake: Arc<Wake>,
) -> LookupStats {
    let mut l = Lookup {
        tracer: sources.tracer,
        procfs: sources.procfs,
        names: ProcFs::new("/proc", false),
        events: Events::default(),
        users: Users::default(),
        pending: HashMap::new(),
        retries: BinaryHeap::new(),
        deadlines: VecDeque::new(),
        owners: HashMap::new(),
        records: Vec::new(),
        answers,
    };
    // A request taken while checking for one before sleeping.
    let mut stashed: Option<Request> = None;
    loop {
        let now = Instant::now();
        l.read_events(now);
        if let Some(r) = stashed.take() {
            l.request(r, now);
        }
        let mut closed = false;
        loop {
            match requests.try_recv() {
                Ok(r) => l.request(r, now),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }
        if closed {
            break;
        }
        l.retry(now);
        l.expire(now);

        // Sleep until a request, a quarter-full ring or the next retry. Pending
        // connections waiting for socket events look at the rings every 2 ms.
        let mut timeout = l
            .retries
            .peek()
            .map(|r| r.0 .0.saturating_duration_since(Instant::now()));
        if l.tracer.is_some() && !l.pending.is_empty() {
            timeout = Some(timeout.map_or(Duration::from_millis(2), |t| {
                t.min(Duration::from_millis(2))
            }));
        }
        let timeout = timeout.unwrap_or(Duration::from_secs(1));
        // Say we sleep, then look once more: a request sent before `sleeping` was set is
        // seen here, one sent after it writes the eventfd.
        wake.sleeping.store(true, Ordering::SeqCst);
        match requests.try_recv() {
            Ok(r) => stashed = Some(r),
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {}
        }
        if stashed.is_none() {
            let mut fds: Vec<libc::pollfd> = std::iter::once(wake.fd.as_raw_fd())
                .chain(l.tracer.iter().flat_map(|t| t.fds()))
                .map(|fd| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                })
                .collect();
            let ms = timeout.as_millis().clamp(1, 1000) as libc::c_int;
            // SAFETY: `fds` is a live array of its own length.
            unsafe {
                libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms);
            }
        }
        wake.sleeping.store(false, Ordering::SeqCst);
        wake.clear();
    }
    l.events.stats
}

impl Lookup {
    fn read_events(&mut self, now: Instant) {
        let Some(t) = &mut self.tracer else {
            return;
        };
        self.records.clear();
        t.drain(&mut self.records);
        let records = std::mem::take(&mut self.records);
        let mut learned = Vec::new();
        for r in records.iter().cloned() {
            if let Record::Comm { pid, .. } = &r {
                self.owners.remove(pid);
            }
            // The process that connects or closes is alive now: its name is read at
            // once, before it exits and its pid goes to another.
            if let Record::State(s) = &r {
                if s.in_process {
                    self.owner(s.pid, s.tid, None, now, Some(s.time_ns));
                }
            }
            learned.extend(self.events.apply(r, now));
        }
        self.records = records;
        for ends in learned {
            if self.pending.contains_key(&ends) {
                if let Some(p) = self.pending.remove(&ends) {
                    let owner = self
                        .events
                        .owner(ends.0, ends.1, p.req.ts_ns)
                        .and_then(|(pid, tid, seen)| self.owner(pid, tid, None, now, Some(seen)));
                    match owner {
                        Some(o) => self.answer(p.req.id, Some((o, By::Events))),
                        None => {
                            self.pending.insert(ends, p);
                        }
                    }
                }
            }
        }
    }

    fn request(&mut self, req: Request, now: Instant) {
        let ends = (req.local, req.remote);
        let mut p = Pending {
            req,
            attempts: 0,
            deadline: now,
        };
        if let Some(answer) = self.attempt(&mut p, now) {
            self.answer(req.id, Some(answer));
            return;
        }
        // A new connection on the same ends (port reuse) replaces the one waiting.
        if let Some(old) = self.pending.remove(&ends) {
            self.answer(old.req.id, None);
        }
        if self.pending.len() >= MAX_PENDING {
            self.answer(req.id, None);
            return;
        }
        p.deadline = now
            + if self.tracer.is_some() {
                EVENTS_WAIT
            } else {
                FIRST_RETRY * 2u32.pow(MAX_ATTEMPTS)
            };
        if self.procfs.is_some() && p.attempts < MAX_ATTEMPTS {
            self.retries
                .push(std::cmp::Reverse((now + FIRST_RETRY, ends)));
        }
        self.deadlines.push_back((p.deadline, ends));
        self.pending.insert(ends, p);
    }

    /// One try at an owner: the events, then /proc.
    fn attempt(&mut self, p: &mut Pending, now: Instant) -> Option<(Arc<Owner>, By)> {
        let (local, remote) = (p.req.local, p.req.remote);
        if self.tracer.is_some() {
            if let Some((pid, tid, seen)) = self.events.owner(local, remote, p.req.ts_ns) {
                if let Some(o) = self.owner(pid, tid, None, now, Some(seen)) {
                    return Some((o, By::Events));
                }
            }
        }
        let procfs = self.procfs.as_mut()?;
        if p.attempts >= MAX_ATTEMPTS {
            return None;
        }
        p.attempts += 1;
        let mut by = By::Proc;
        let mut sock = procfs.socket(local, remote, now);
        if sock.is_none() && p.req.incoming && p.attempts >= LISTENER_AFTER {
            sock = procfs.listener(local, now);
            by = By::Listener;
        }
        let sock: SocketId = sock?;
        let pid = procfs.owner_of(sock, now)?;
        let o = self.owner(pid, pid, Some(sock.uid), now, None)?;
        Some((o, by))
    }

    fn retry(&mut self, now: Instant) {
        while let Some(std::cmp::Reverse((at, ends))) = self.retries.peek().copied() {
            if at > now {
                break;
            }
            self.retries.pop();
            let Some(mut p) = self.pending.remove(&ends) else {
                continue;
            };
            match self.attempt(&mut p, now) {
                Some(a) => self.answer(p.req.id, Some(a)),
                None if p.attempts < MAX_ATTEMPTS => {
                    let wait = FIRST_RETRY * 2u32.pow(p.attempts.saturating_sub(1).min(16));
                    self.retries.push(std::cmp::Reverse((now + wait, ends)));
                    self.pending.insert(ends, p);
                }
                // Out of /proc tries: without socket events nothing else will answer.
                None if self.tracer.is_none() => self.answer(p.req.id, None),
                None => {
                    self.pending.insert(ends, p);
                }
            }
        }
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(at, ends)) = self.deadlines.front() {
            let done = self.pending.get(&ends).is_none_or(|p| p.deadline <= now);
            if at > now && !done {
                break;
            }
            self.deadlines.pop_front();
            if let Some(p) = self.pending.get(&ends) {
                if p.deadline <= now {
                    let id = p.req.id;
                    self.pending.remove(&ends);
                    self.answer(id, None);
                }
            }
        }
        self.events.expire(now);
        if self.owners.len() > 10_000 {
            self.owners
                .retain(|_, (at, _, _)| now.duration_since(*at) < OWNER_TTL);
        }
    }

    /// The owner record of process `pid` (thread `tid`), seen owning a socket at
    /// `seen_ns` when the events say so. Read from /proc once (a second at most without
    /// events), unless /proc's process of that pid started after `seen_ns`: the pid was
    /// reused, and the names the events kept stand in. Without a name it is no answer.
    fn owner(
        &mut self,
        pid: u32,
        tid: u32,
        uid: Option<u32>,
        now: Instant,
        seen_ns: Option<i64>,
    ) -> Option<Arc<Owner>> {
        let same = |start: Option<i64>| {
            matches!((start, seen_ns), (Some(st), Some(seen)) if st > seen + START_SLACK_NS).not()
        };
        if let Some((at, start, o)) = self.owners.get(&pid) {
            let fresh = now.duration_since(*at) < OWNER_TTL || self.tracer.is_some();
            if fresh && same(*start) {
                return Some(o.clone());
            }
        }
        let start = self.names.start_ns(pid);
        let from_proc = start.is_some() && same(start);
        // The process's name is its main thread's (what `ps` and `ss -p` show); a thread
        // of it that made the connection, or the name the events knew, stands in when the
        // process is gone.
        let proc_comm = if from_proc {
            self.names
                .comm(pid)
                .or_else(|| self.names.thread_comm(pid, tid))
        } else {
            None
        };
        let comm = proc_comm
            .or_else(|| self.events.comms.get(&pid).cloned())
            .or_else(|| self.events.comms.get(&tid).cloned())?;
        let uid = if from_proc { self.names.uid(pid) } else { None }.or(uid);
        let user = uid.and_then(|u| self.users.name(u));
        let o = Arc::new(Owner {
            pid,
            comm,
            uid,
            user,
        });
        if from_proc {
            self.owners.insert(pid, (now, start, o.clone()));
        }
        Some(o)
    }

    fn answer(&mut self, id: u64, owner: Option<(Arc<Owner>, By)>) {
        // The capture side gone: nothing to do, the loop ends with the request queue.
        let _ = self.answers.send(Answer { id, owner });
    }
}

#[cfg(test)]
mod test {
    use super::*;

    const MS: i64 = 1_000_000;

    #[allow(clippy::too_many_arguments)]
    fn change(
        time_ns: i64,
        pid: u32,
        sk: u64,
        new: i32,
        local: &str,
        remote: &str,
        in_process: bool,
    ) -> Record {
        Record::State(StateChange {
            time_ns,
            pid,
            tid: pid,
            in_process,
            sk,
            old: 0,
            new,
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
        })
    }

    fn who(e: &Events, l: SocketAddr, r: SocketAddr, ts: i64) -> Option<(u32, u32)> {
        e.owner(l, r, ts).map(|(pid, tid, _)| (pid, tid))
    }

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_is_named_by_its_connect_and_its_ports_by_the_handshake() {
        let mut e = Events::default();
        let t = Instant::now();
        let (l, r) = ("10.0.0.1:40000", "10.0.0.2:80");
        // connect() at 10 ms: port not chosen yet.
        let syn_sent = change(10 * MS, 42, 1, state::SYN_SENT, "10.0.0.1:0", r, true);
        assert_eq!(e.apply(syn_sent, t), None);
        // Its SYN was captured at 11 ms: the one process connecting there owns it.
        assert_eq!(who(&e, a(l), a(r), 11 * MS), Some((42, 42)));
        // ... but not a SYN captured before the connect().
        assert_eq!(who(&e, a(l), a(r), 9 * MS), None);
        // A second process connecting to the same end: no guess.
        e.apply(
            change(10 * MS, 43, 2, state::SYN_SENT, "10.0.0.1:0", r, true),
            t,
        );
        assert_eq!(who(&e, a(l), a(r), 11 * MS), None);
        // The SYN-ACK arrives (an interrupt, another process running): the ports.
        let learned = e.apply(change(12 * MS, 7, 1, state::ESTABLISHED, l, r, false), t);
        assert_eq!(learned, Some((a(l), a(r))));
        assert_eq!(who(&e, a(l), a(r), 11 * MS), Some((42, 42)));
        // Closed at 20 ms: still known for a while (its packets may be read late), then
        // forgotten.
        e.apply(change(20 * MS, 42, 1, state::CLOSE, l, r, true), t);
        e.apply(
            change(20 * MS, 43, 2, state::CLOSE, "10.0.0.1:0", r, true),
            t,
        );
        assert_eq!(who(&e, a(l), a(r), 11 * MS), Some((42, 42)));
        e.expire(t + KEEP_CLOSED);
        assert_eq!(who(&e, a(l), a(r), 11 * MS), None);
    }

    #[test]
    fn a_reused_port_is_named_by_the_socket_open_at_its_first_packet() {
        let mut e = Events::default();
        let t = Instant::now();
        let (l, r) = ("10.0.0.1:40000", "10.0.0.2:80");
        // Process 42 connects from port 40000 and closes at 5 ms...
        e.apply(change(MS, 42, 1, state::SYN_SENT, "10.0.0.1:0", r, true), t);
        e.apply(change(2 * MS, 0, 1, state::ESTABLISHED, l, r, false), t);
        e.apply(change(5 * MS, 42, 1, state::CLOSE, l, r, true), t);
        // ... process 43 connects from the same port at 8 ms (its port not reported yet).
        e.apply(
            change(8 * MS, 43, 9, state::SYN_SENT, "10.0.0.1:0", r, true),
            t,
        );
        assert_eq!(
            who(&e, a(l), a(r), 2 * MS),
            Some((42, 42)),
            "the first connection"
        );
        assert_eq!(
            who(&e, a(l), a(r), 9 * MS),
            Some((43, 43)),
            "the second: not the closed one"
        );
        e.apply(change(10 * MS, 0, 9, state::ESTABLISHED, l, r, false), t);
        assert_eq!(who(&e, a(l), a(r), 9 * MS), Some((43, 43)));
        assert_eq!(who(&e, a(l), a(r), 2 * MS), Some((42, 42)));
    }

    #[test]
    fn a_server_is_named_by_its_close_not_by_an_interrupt() {
        let mut e = Events::default();
        let t = Instant::now();
        let (l, r) = ("10.0.0.2:80", "10.0.0.1:40000");
        // The client's SYN is captured at 1 ms; the handshake completes at 2 ms in an
        // interrupt while pid 9 happened to run.
        assert_eq!(
            e.apply(change(2 * MS, 9, 5, state::ESTABLISHED, l, r, false), t),
            None
        );
        assert_eq!(who(&e, a(l), a(r), MS), None);
        // The server closes: LAST_ACK in its own context.
        let learned = e.apply(change(30 * MS, 77, 5, state::LAST_ACK, l, r, true), t);
        assert_eq!(learned, Some((a(l), a(r))));
        assert_eq!(who(&e, a(l), a(r), MS), Some((77, 77)));
    }

    #[test]
    fn names_follow_exec_and_fork() {
        let mut e = Events::default();
        let t = Instant::now();
        e.apply(
            Record::Comm {
                pid: 10,
                tid: 10,
                comm: "curl".into(),
            },
            t,
        );
        e.apply(
            Record::Fork {
                pid: 11,
                tid: 11,
                ptid: 10,
            },
            t,
        );
        assert_eq!(e.comms.get(&11).map(String::as_str), Some("curl"));
        e.apply(Record::Exit { pid: 11, tid: 11 }, t);
        assert!(e.comms.contains_key(&11), "kept a while after exit");
        e.expire(t + KEEP_CLOSED);
        assert!(!e.comms.contains_key(&11));
        e.apply(Record::Lost(3), t);
        assert_eq!(e.stats.events_lost, 3);
    }
}
