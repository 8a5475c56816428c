//! Giving up root after the capture is open (`-Z USER`, as tcpdump): the user's uid,
//! primary and supplementary groups, and of root's capabilities only those the process
//! lookups need to read other users' `/proc/<pid>/fd` (CAP_DAC_READ_SEARCH to list
//! them, CAP_SYS_PTRACE to read their links). Everything opened before (the capture
//! socket, the socket-event rings, the netlink socket) keeps working.
//!
//! Linux: setgroups(2), setresgid(2), setresuid(2) (glibc applies them to every thread),
//! prctl(PR_SET_KEEPCAPS) so the capabilities survive the uid change, capset(2) to keep
//! just the two. capset applies to the calling thread, so this runs before any other
//! thread starts.

use std::io;

use crate::users::{self, Account};

/// `CAP_DAC_READ_SEARCH`: list another user's `/proc/<pid>/fd`.
pub const CAP_DAC_READ_SEARCH: u32 = 2;
/// `CAP_SYS_PTRACE`: read the links in it.
pub const CAP_SYS_PTRACE: u32 = 19;
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// What [`drop_to`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Dropped {
    /// The account now run as.
    pub account: Account,
    /// Whether the process lookups kept their capabilities.
    pub kept_caps: bool,
}

/// Why the privileges could not be dropped.
#[derive(Debug)]
pub struct DropError(pub String);

impl std::fmt::Display for DropError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DropError {}

/// The effective uid.
pub fn euid() -> u32 {
    // SAFETY: plain query.
    unsafe { libc::geteuid() }
}

/// The user to become by default when run as root: Debian's tcpdump drops to
/// `tcpdump`, and where there is none, `nobody` is the unprivileged account every
/// system has.
pub fn default_user() -> Option<Account> {
    users::account("tcpdump").or_else(|| users::account("nobody"))
}

/// Becomes `account` (uid, primary group, supplementary groups from `/etc/group`),
/// keeping CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE when `keep_caps` (and the process has
/// them). Must run before any thread is started.
pub fn drop_to(account: &Account, keep_caps: bool) -> Result<Dropped, DropError> {
    let err = |what: &str| {
        DropError(format!(
            "cannot switch to user {}: {what}: {}",
            account.name,
            io::Error::last_os_error()
        ))
    };
    let groups_text = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let mut groups: Vec<libc::gid_t> = users::groups_of(&groups_text, &account.name);
    groups.retain(|&g| g != account.gid);
    groups.insert(0, account.gid);
    let keep = keep_caps && has_caps(&[CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE]);
    // SAFETY: plain system calls on values we own.
    unsafe {
        if keep && libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 {
            return Err(err("prctl(PR_SET_KEEPCAPS)"));
        }
        if libc::setgroups(groups.len(), groups.as_ptr()) != 0 {
            return Err(err("setgroups"));
        }
        if libc::setresgid(account.gid, account.gid, account.gid) != 0 {
            return Err(err("setresgid"));
        }
        if libc::setresuid(account.uid, account.uid, account.uid) != 0 {
            return Err(err("setresuid"));
        }
    }
    let mut kept = false;
    if keep {
        // After the uid change the permitted set still holds everything (KEEPCAPS) and the
        // effective set is empty: keep the two, drop the rest.
        let mask = (1u64 << CAP_DAC_READ_SEARCH) | (1u64 << CAP_SYS_PTRACE);
        set_caps(mask, mask).map_err(|e| DropError(format!("capset: {e}")))?;
        // SAFETY: plain prctl.
        unsafe {
            libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0);
        }
        kept = true;
    }
    // Root may not come back.
    // SAFETY: plain system call.
    if account.uid != 0 && unsafe { libc::setuid(0) } == 0 {
        return Err(DropError(
            "could become root again after dropping privileges".into(),
        ));
    }
    Ok(Dropped {
        account: account.clone(),
        kept_caps: kept,
    })
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn get_caps() -> io::Result<(u64, u64)> {
    let mut h = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut d = [CapData::default(); 2];
    // SAFETY: header and two data words, as capget(2) wants for version 3.
    if unsafe { libc::syscall(libc::SYS_capget, &mut h as *mut CapHeader, d.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let join = |lo: u32, hi: u32| u64::from(lo) | u64::from(hi) << 32;
    Ok((
        join(d[0].effective, d[1].effective),
        join(d[0].permitted, d[1].permitted),
    ))
}

fn set_caps(effective: u64, permitted: u64) -> io::Result<()> {
    let mut h = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let d = [
        CapData {
            effective: effective as u32,
            permitted: permitted as u32,
            inheritable: 0,
        },
        CapData {
            effective: (effective >> 32) as u32,
            permitted: (permitted >> 32) as u32,
            inheritable: 0,
        },
    ];
    // SAFETY: as in `get_caps`.
    if unsafe { libc::syscall(libc::SYS_capset, &mut h as *mut CapHeader, d.as_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether the calling thread has all of `caps` effective.
pub fn has_caps(caps: &[u32]) -> bool {
    get_caps().is_ok_and(|(eff, _)| caps.iter().all(|&c| eff & (1u64 << c) != 0))
}

/// Without the uid change (already unprivileged, or `-Z root`): drops every effective
/// and permitted capability but the process lookups' two, so the capture runs with no
/// more than it needs.
pub fn keep_only_lookup_caps() -> io::Result<()> {
    let (_, permitted) = get_caps()?;
    let mask = permitted & ((1u64 << CAP_DAC_READ_SEARCH) | (1u64 << CAP_SYS_PTRACE));
    set_caps(mask, mask)
}
