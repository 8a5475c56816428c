//! Users and groups from `/etc/passwd` and `/etc/group`, read as files (no NSS, so a
//! statically linked binary reads them the same way): the user `-Z` switches to, and the
//! names of the users owning connections.

use std::collections::HashMap;
use std::fs;
use std::time::{Duration, Instant};

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
}

/// The accounts of a passwd file's text (`name:pw:uid:gid:gecos:home:shell`).
pub fn parse_passwd(text: &str) -> Vec<Account> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.to_owned();
            let _pw = f.next()?;
            let uid = f.next()?.parse().ok()?;
            let gid = f.next()?.parse().ok()?;
            (!name.is_empty()).then_some(Account { name, uid, gid })
        })
        .collect()
}

/// The supplementary groups of `user` in a group file's text (`name:pw:gid:members`).
pub fn groups_of(text: &str, user: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            let gid = f.get(2)?.parse().ok()?;
            f.get(3)?
                .split(',')
                .any(|m| m.trim() == user)
                .then_some(gid)
        })
        .collect()
}

/// The account named `name` (or numbered, `#1000` or `1000` when no account has that
/// name) in `/etc/passwd`.
pub fn account(name: &str) -> Option<Account> {
    let text = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let accounts = parse_passwd(&text);
    if let Some(a) = accounts.iter().find(|a| a.name == name) {
        return Some(a.clone());
    }
    let uid: u32 = name.trim_start_matches('#').parse().ok()?;
    Some(
        accounts
            .into_iter()
            .find(|a| a.uid == uid)
            .unwrap_or(Account {
                name: name.to_owned(),
                uid,
                gid: uid,
            }),
    )
}

/// User names by uid, read again at most once a minute when a uid is not known.
#[derive(Default)]
pub struct Users {
    names: HashMap<u32, String>,
    read_at: Option<Instant>,
}

impl Users {
    /// The name of user `uid`, if `/etc/passwd` has one.
    pub fn name(&mut self, uid: u32) -> Option<String> {
        if let Some(n) = self.names.get(&uid) {
            return Some(n.clone());
        }
        if self
            .read_at
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            self.read_at = Some(Instant::now());
            let text = fs::read_to_string("/etc/passwd").unwrap_or_default();
            self.names = parse_passwd(&text)
                .into_iter()
                .map(|a| (a.uid, a.name))
                .collect();
        }
        self.names.get(&uid).cloned()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn passwd_and_group_files_parse() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n# comment\ntcpdump:x:102:109::/nonexistent:/usr/sbin/nologin\nbroken\n";
        assert_eq!(
            parse_passwd(passwd),
            [
                Account {
                    name: "root".into(),
                    uid: 0,
                    gid: 0
                },
                Account {
                    name: "tcpdump".into(),
                    uid: 102,
                    gid: 109
                }
            ]
        );
        let group = "root:x:0:\nadm:x:4:syslog,alice\npcap:x:120:alice\nother:x:5:bob\n";
        assert_eq!(groups_of(group, "alice"), [4, 120]);
        assert_eq!(groups_of(group, "carol"), Vec::<u32>::new());
    }

    #[test]
    fn accounts_are_found_by_name_or_number() {
        assert_eq!(account("root").map(|a| a.uid), Some(0));
        assert_eq!(account("#0").map(|a| a.name), Some("root".to_owned()));
        let unnamed = account("4000000").unwrap();
        assert_eq!((unnamed.uid, unnamed.gid), (4_000_000, 4_000_000));
        assert_eq!(account("no-such-user-here"), None);
        assert_eq!(Users::default().name(0).as_deref(), Some("root"));
    }
}
