//! One TCP socket by its ends, from the kernel's socket table over netlink
//! (`NETLINK_SOCK_DIAG`, `SOCK_DIAG_BY_FAMILY`, as `ss` asks): its inode and owner's uid
//! in one request and answer, without reading `/proc/net/tcp` (whose size grows with
//! every socket of the host). Any user may ask; no capability is needed.
//!
//! Layouts: `linux/sock_diag.h`, `linux/inet_diag.h` (`inet_diag_req_v2`,
//! `inet_diag_sockid`, `inet_diag_msg`), `linux/netlink.h`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const NETLINK_SOCK_DIAG: libc::c_int = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const NLMSG_HDR: usize = 16;
/// `inet_diag_sockid`: sport, dport (big-endian), src[4], dst[4], if, cookie[2].
const SOCKID: usize = 48;
/// `inet_diag_req_v2`: family, protocol, ext, pad, states, id.
const REQ: usize = 8 + SOCKID;
/// `inet_diag_msg`: family, state, timer, retrans, id, expires, rqueue, wqueue, uid, inode.
const MSG: usize = 4 + SOCKID + 20;
const INET_DIAG_NOCOOKIE: u32 = u32::MAX;

/// What the kernel says of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiagSocket {
    /// TCP state (1 ESTABLISHED … 10 LISTEN).
    pub state: u8,
    /// Uid of the socket's owner.
    pub uid: u32,
    /// Inode of the socket file; 0 when it has none (not accepted yet, TIME_WAIT).
    pub inode: u64,
}

/// A netlink socket for `SOCK_DIAG_BY_FAMILY` requests.
pub struct SockDiag {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl SockDiag {
    /// Opens the netlink socket.
    pub fn open() -> io::Result<Self> {
        // SAFETY: plain system call; the descriptor is owned at once.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
                NETLINK_SOCK_DIAG,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // A reply that never comes (it always does) must not hang the lookups.
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 200_000,
        };
        // SAFETY: `tv` outlives the call; the size is its own.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            );
        }
        Ok(Self {
            fd,
            seq: 0,
            buf: vec![0; 8192],
        })
    }

    /// The TCP socket whose local end is `local` and remote end `remote`; `None` when
    /// there is none. A listener is found with `remote` 0.0.0.0:0 (or [::]:0).
    pub fn find(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> io::Result<Option<DiagSocket>> {
        let found = self.ask(local, remote)?;
        if found.is_some() {
            return Ok(found);
        }
        // A dual-stack (AF_INET6) socket talking IPv4 is found through its mapped
        // addresses.
        match (local.ip(), remote.ip()) {
            (IpAddr::V4(l), IpAddr::V4(r)) => self.ask(
                SocketAddr::new(IpAddr::V6(l.to_ipv6_mapped()), local.port()),
                SocketAddr::new(
                    IpAddr::V6(if r.is_unspecified() {
                        Ipv6Addr::UNSPECIFIED
                    } else {
                        r.to_ipv6_mapped()
                    }),
                    remote.port(),
                ),
            ),
            _ => Ok(None),
        }
    }

    fn ask(&mut self, local: SocketAddr, remote: SocketAddr) -> io::Result<Option<DiagSocket>> {
        let family = if local.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        self.seq = self.seq.wrapping_add(1);
        let mut m = Vec::with_capacity(NLMSG_HDR + REQ);
        m.extend_from_slice(&((NLMSG_HDR + REQ) as u32).to_ne_bytes());
        m.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        m.extend_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
        m.extend_from_slice(&self.seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.push(family as u8);
        m.push(libc::IPPROTO_TCP as u8);
        m.push(0); // no extensions
        m.push(0);
        m.extend_from_slice(&u32::MAX.to_ne_bytes()); // every state
        m.extend_from_slice(&local.port().to_be_bytes());
        m.extend_from_slice(&remote.port().to_be_bytes());
        m.extend_from_slice(&addr_words(local.ip()));
        m.extend_from_slice(&addr_words(remote.ip()));
        m.extend_from_slice(&0u32.to_ne_bytes()); // any interface
        m.extend_from_slice(&INET_DIAG_NOCOOKIE.to_ne_bytes());
        m.extend_from_slice(&INET_DIAG_NOCOOKIE.to_ne_bytes());
        // SAFETY: `sockaddr_nl` is plain data; zeroed is the kernel as destination.
        let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: the buffers outlive the calls and their lengths are their own.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                m.as_ptr().cast(),
                m.len(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        loop {
            // SAFETY: as above.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    0,
                )
            };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            match parse_reply(&self.buf[..n as usize], self.seq) {
                Reply::Stale => continue,
                Reply::Found(s) => return Ok(Some(s)),
                Reply::None => return Ok(None),
                Reply::Error(errno) => return Err(io::Error::from_raw_os_error(errno)),
            }
        }
    }
}

/// An address as `inet_diag_sockid` holds it: four 32-bit words in network order.
fn addr_words(ip: IpAddr) -> [u8; 16] {
    let mut w = [0u8; 16];
    match ip {
        IpAddr::V4(a) => w[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => w.copy_from_slice(&a.octets()),
    }
    w
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    /// An answer to an earlier request (one that timed out): skip it.
    Stale,
    Found(DiagSocket),
    /// ENOENT: no such socket.
    None,
    Error(i32),
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn parse_reply(b: &[u8], seq: u32) -> Reply {
    let (Some(len), Some(kind), Some(got_seq)) = (
        u32_at(b, 0),
        b.get(4..6).map(|x| u16::from_ne_bytes([x[0], x[1]])),
        u32_at(b, 8),
    ) else {
        return Reply::Error(libc::EPROTO);
    };
    if got_seq != seq {
        return Reply::Stale;
    }
    let body = &b[NLMSG_HDR.min(b.len())..(len as usize).min(b.len())];
    if kind == NLMSG_ERROR {
        // struct nlmsgerr: a negative errno, then the request.
        let errno = u32_at(body, 0).map_or(libc::EPROTO, |e| -(e as i32));
        return match errno {
            0 | libc::ENOENT => Reply::None,
            e => Reply::Error(e),
        };
    }
    if kind != SOCK_DIAG_BY_FAMILY || body.len() < MSG {
        return Reply::Error(libc::EPROTO);
    }
    let state = body[1];
    let uid = u32_at(body, 4 + SOCKID + 12).unwrap_or(0);
    let inode = u32_at(body, 4 + SOCKID + 16).unwrap_or(0);
    Reply::Found(DiagSocket {
        state,
        uid,
        inode: u64::from(inode),
    })
}

/// The unspecified address of `ip`'s family, port 0: the remote end that finds a listener.
pub fn any_remote(ip: IpAddr) -> SocketAddr {
    match ip {
        IpAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        IpAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::unix::fs::MetadataExt;

    /// The inode of one of this process's sockets, from /proc/self/fd.
    fn inode_of(fd: i32) -> u64 {
        std::fs::metadata(format!("/proc/self/fd/{fd}"))
            .unwrap()
            .ino()
    }

    #[test]
    fn a_connection_and_a_listener_of_this_process_are_found() {
        use std::os::fd::AsRawFd;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let mut d = SockDiag::open().expect("netlink sock_diag");
        let uid = unsafe { libc::geteuid() };
        let (l, r) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        let s = d.find(l, r).unwrap().expect("the client socket");
        assert_eq!(
            s,
            DiagSocket {
                state: 1,
                uid,
                inode: inode_of(client.as_raw_fd())
            }
        );
        let s = d.find(r, l).unwrap().expect("the server socket");
        assert_eq!(s.inode, inode_of(server.as_raw_fd()));
        let s = d
            .find(listener.local_addr().unwrap(), any_remote(l.ip()))
            .unwrap()
            .expect("the listener");
        assert_eq!((s.state, s.inode), (10, inode_of(listener.as_raw_fd())));
        // Nobody has these ends.
        let gone: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(d.find(gone, r).unwrap(), None);
    }

    #[test]
    fn a_dual_stack_socket_talking_ipv4_is_found() {
        use std::os::fd::AsRawFd;
        let Ok(listener) = TcpListener::bind("[::]:0") else {
            eprintln!("no IPv6 here: the dual-stack case is not checked");
            return;
        };
        let port = listener.local_addr().unwrap().port();
        let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (server, peer) = listener.accept().unwrap();
        let mut d = SockDiag::open().unwrap();
        // The server's socket is AF_INET6 with mapped addresses; we ask in IPv4 terms.
        let local: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let remote = SocketAddr::new("127.0.0.1".parse().unwrap(), peer.port());
        let s = d.find(local, remote).unwrap().expect("the mapped socket");
        assert_eq!(s.inode, inode_of(server.as_raw_fd()));
        drop(client);
    }

    #[test]
    fn replies_parse() {
        assert_eq!(parse_reply(&[1, 2], 1), Reply::Error(libc::EPROTO));
        let mut err = Vec::new();
        err.extend_from_slice(&36u32.to_ne_bytes());
        err.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        err.extend_from_slice(&0u16.to_ne_bytes());
        err.extend_from_slice(&7u32.to_ne_bytes());
        err.extend_from_slice(&0u32.to_ne_bytes());
        err.extend_from_slice(&(-libc::ENOENT).to_ne_bytes());
        err.resize(36, 0);
        assert_eq!(parse_reply(&err, 7), Reply::None);
        assert_eq!(parse_reply(&err, 8), Reply::Stale);
    }
}
