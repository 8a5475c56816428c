//! TLS secrets from an NSS key log (the `SSLKEYLOGFILE` format curl, browsers, OpenSSL's
//! and Python's clients write; Wireshark's `tls.keylog_file`), given with the capture or
//! carried in it (a pcapng Decryption Secrets Block of type `TLSK`).
//!
//! Each line is `LABEL <client random, hex> <secret, hex>`: `CLIENT_RANDOM` gives a TLS
//! 1.2 master secret, the `*_TRAFFIC_SECRET*` labels TLS 1.3's traffic secrets. Other
//! lines (comments, `RSA` pre-master secrets, exporter secrets) are counted and ignored.
//! Secrets are looked up by the ClientHello's random.

use super::crypto::unhex;
use std::collections::HashMap;

/// A pcapng DSB's `secrets_type` for a TLS key log (pcapng §4.7).
pub const DSB_TLS_KEY_LOG: u32 = 0x544c_534b;

/// A TLS 1.3 secret (32 or 48 bytes, the suite's hash length).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

/// Which of a session's TLS 1.3 secrets (RFC 8446 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `CLIENT_EARLY_TRAFFIC_SECRET` (0-RTT data).
    ClientEarly = 0,
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    ClientHandshake = 1,
    /// `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    ServerHandshake = 2,
    /// `CLIENT_TRAFFIC_SECRET_0`.
    ClientApp = 3,
    /// `SERVER_TRAFFIC_SECRET_0`.
    ServerApp = 4,
}

/// The secrets of one session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionSecrets {
    /// TLS 1.2's master secret (48 bytes).
    pub master: Option<Vec<u8>>,
    /// TLS 1.3's traffic secrets, indexed by [`Which`].
    pub tls13: [Option<Secret>; 5],
}

impl SessionSecrets {
    /// A TLS 1.3 secret.
    pub fn get(&self, which: Which) -> Option<&[u8]> {
        self.tls13[which as usize].as_ref().map(|s| s.0.as_slice())
    }
}

/// What reading key logs found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyLogStats {
    /// Lines with a secret kept.
    pub secrets: u64,
    /// Lines not understood or not used (comments and blank lines excluded).
    pub ignored: u64,
}

/// Secrets by client random.
#[derive(Clone, Debug, Default)]
pub struct KeyLog {
    /// Each session's secrets, and the packet (index) from which they apply: secrets
    /// carried in a capture apply from where they are in it, as Wireshark reads them.
    sessions: HashMap<[u8; 32], (u64, SessionSecrets)>,
    stats: KeyLogStats,
    /// The packet from which the lines being added apply.
    since: u64,
}

impl KeyLog {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// No secret at all (decryption is not even tried).
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Sessions with secrets.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// What the lines read so far gave.
    pub fn stats(&self) -> KeyLogStats {
        self.stats
    }

    /// The secrets of the session with this client random, as of packet `now` (0-based
    /// index; secrets added for later packets do not count).
    pub fn get(&self, client_random: &[u8; 32], now: u64) -> Option<&SessionSecrets> {
        self.sessions
            .get(client_random)
            .filter(|(since, _)| *since <= now)
            .map(|(_, s)| s)
    }

    /// Secrets added from now on apply from packet `packet` (0-based index) on.
    pub fn apply_from(&mut self, packet: u64) {
        self.since = packet;
    }

    /// The key log of a finished capture: its secrets (given with it, or carried in it
    /// from where they are), as the ingest read them. Queries that decrypt again use it.
    pub fn of_secrets(secrets: &[crate::capture::Secrets]) -> Self {
        let mut log = KeyLog::new();
        for s in secrets {
            log.apply_from(s.packet);
            log.add_dsb(s.kind, &s.data);
        }
        log
    }

    /// Adds the secrets of a pcapng Decryption Secrets Block; other kinds than a TLS key
    /// log (WireGuard, ZigBee, …) are not ours and are ignored. Returns whether it was one.
    pub fn add_dsb(&mut self, kind: u32, data: &[u8]) -> bool {
        if kind != DSB_TLS_KEY_LOG {
            return false;
        }
        self.add_text(data);
        true
    }

    /// Adds the lines of a key log (bytes of any line ending; a line cut at the end is
    /// read as it is).
    pub fn add_text(&mut self, text: &[u8]) {
        for line in text.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = trim(line);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            if self.add_line(line) {
                self.stats.secrets += 1;
            } else {
                self.stats.ignored += 1;
            }
        }
    }

    fn add_line(&mut self, line: &[u8]) -> bool {
        let mut words = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty());
        let (Some(label), Some(random), Some(secret), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return false;
        };
        let (Some(random), Some(secret)) = (unhex(random), unhex(secret)) else {
            return false;
        };
        let Ok(random) = <[u8; 32]>::try_from(random.as_slice()) else {
            return false;
        };
        let which = match label {
            b"CLIENT_RANDOM" => {
                if secret.len() != 48 {
                    return false;
                }
                self.session(random).master = Some(secret);
                return true;
            }
            b"CLIENT_EARLY_TRAFFIC_SECRET" => Which::ClientEarly,
            b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" => Which::ClientHandshake,
            b"SERVER_HANDSHAKE_TRAFFIC_SECRET" => Which::ServerHandshake,
            b"CLIENT_TRAFFIC_SECRET_0" => Which::ClientApp,
            b"SERVER_TRAFFIC_SECRET_0" => Which::ServerApp,
            _ => return false,
        };
        if !matches!(secret.len(), 32 | 48) {
            return false;
        }
        self.session(random).tls13[which as usize] = Some(Secret(secret));
        true
    }

    fn session(&mut self, random: [u8; 32]) -> &mut SessionSecrets {
        let since = self.since;
        let e = self
            .sessions
            .entry(random)
            .or_insert((since, SessionSecrets::default()));
        // Secrets known earlier stay known from then.
        e.0 = e.0.min(since);
        &mut e.1
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !first.is_ascii_whitespace() {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !last.is_ascii_whitespace() {
            break;
        }
        s = rest;
    }
    s
}

/// Whether a file's first bytes look like a key log (the page tells a key log dropped
/// beside a capture from the capture): printable text whose first line that is not a
/// comment starts with a key log label.
pub fn looks_like_key_log(head: &[u8]) -> bool {
    const LABELS: [&[u8]; 9] = [
        b"CLIENT_RANDOM ",
        b"CLIENT_EARLY_TRAFFIC_SECRET ",
        b"CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
        b"SERVER_HANDSHAKE_TRAFFIC_SECRET ",
        b"CLIENT_TRAFFIC_SECRET_0 ",
        b"SERVER_TRAFFIC_SECRET_0 ",
        b"EXPORTER_SECRET ",
        b"EARLY_EXPORTER_SECRET ",
        b"RSA ",
    ];
    for line in head.split(|&b| b == b'\n') {
        let line = trim(line);
        if line.is_empty() || line[0] == b'#' {
            if line.iter().any(|&b| b < 0x09 || b == 0x7f) {
                return false;
            }
            continue;
        }
        return LABELS.iter().any(|l| line.starts_with(l));
    }
    false
}

#[cfg(test)]
mod test {
    use super::*;

    const LOG: &[u8] = b"# TLS secrets log file, generated by OpenSSL / Python\r\n\
CLIENT_RANDOM 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 \
000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\r\n\
SERVER_HANDSHAKE_TRAFFIC_SECRET ff02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 \
aa0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\
EXPORTER_SECRET ff02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 00\n\
CLIENT_RANDOM 0102 zz\n\
\n";

    #[test]
    fn reads_master_and_traffic_secrets() {
        let mut k = KeyLog::new();
        k.add_text(LOG);
        assert_eq!(k.len(), 2);
        assert_eq!(
            k.stats(),
            KeyLogStats {
                secrets: 2,
                ignored: 2
            }
        );
        let mut cr = [0u8; 32];
        for (i, b) in cr.iter_mut().enumerate() {
            *b = i as u8 + 1;
        }
        assert_eq!(k.get(&cr, 0).unwrap().master.as_ref().unwrap()[47], 0x2f);
        cr[0] = 0xff;
        let s = k.get(&cr, 0).unwrap();
        assert_eq!(s.get(Which::ServerHandshake).unwrap()[0], 0xaa);
        assert_eq!(s.get(Which::ClientApp), None);
    }

    #[test]
    fn secrets_apply_from_where_they_came() {
        let mut k = KeyLog::new();
        k.apply_from(10);
        k.add_text(LOG);
        let mut cr = [0u8; 32];
        for (i, b) in cr.iter_mut().enumerate() {
            *b = i as u8 + 1;
        }
        assert!(k.get(&cr, 9).is_none());
        assert!(k.get(&cr, 10).is_some());
        k.apply_from(3);
        k.add_text(LOG);
        assert!(k.get(&cr, 3).is_some());
    }

    #[test]
    fn dsb_of_other_kinds_are_not_read() {
        let mut k = KeyLog::new();
        assert!(!k.add_dsb(0x5747_4b4c, LOG)); // WireGuard
        assert!(k.is_empty());
        assert!(k.add_dsb(DSB_TLS_KEY_LOG, LOG));
        assert_eq!(k.len(), 2);
    }

    #[test]
    fn key_logs_are_told_from_captures() {
        assert!(looks_like_key_log(LOG));
        assert!(looks_like_key_log(
            b"CLIENT_HANDSHAKE_TRAFFIC_SECRET 00 11\n"
        ));
        assert!(!looks_like_key_log(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00"));
        assert!(!looks_like_key_log(b"# a comment\n\x0a\x0d\x0d\x0a"));
        assert!(!looks_like_key_log(b"hello\n"));
    }
}
