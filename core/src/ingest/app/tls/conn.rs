//! One TLS connection's records, both sides, read as they stream in: record framing
//! (RFC 8446 §5.1, RFC 5246 §6.2), handshake messages put back together across records,
//! and — with the session's secrets from a key log — the records decrypted.
//!
//! TLS 1.2 (RFC 5246 §6.3, §7.4.9): the master secret and both hellos' randoms give the
//! key block; each side's records are encrypted from its ChangeCipherSpec on (AES-GCM
//! with an explicit nonce, RFC 5288 §3; ChaCha20-Poly1305 with the sequence number,
//! RFC 7905 §2). TLS 1.3 (RFC 8446 §7): the server's records after its ServerHello use
//! its handshake traffic secret, then after its Finished the application secret; the
//! client's likewise after its Finished; KeyUpdate moves a side to its next secret
//! (§7.2); 0-RTT records are tried with the early secret.
//!
//! The reader is push-based and bounded: it holds at most one record a side
//! ([`MAX_RECORD`]) and the handshake message being gathered ([`MAX_HANDSHAKE`]; a longer
//! message is skipped, not held). What it finds goes out as [`Event`]s while the bytes
//! are fed, so the caller dates them by the packet it is feeding.

use super::crypto::{suite, Aead, Bulk, Hash, Suite};
use super::keylog::{KeyLog, SessionSecrets, Which};
use crate::capture::app::tls::is_tls13;

/// The longest record: a header and TLS 1.2's largest ciphertext (2^14 + 2048, RFC 5246
/// §6.2.3; TLS 1.3 allows less, 2^14 + 256).
pub const MAX_RECORD: usize = 5 + 16384 + 2048;

/// Handshake bytes gathered per side before a message is given up (its body skipped).
pub const MAX_HANDSHAKE: usize = 64 << 10;

/// The `random` of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Record content types (RFC 8446 §5.1).
pub mod content {
    /// ChangeCipherSpec.
    pub const CCS: u8 = 20;
    /// Alert.
    pub const ALERT: u8 = 21;
    /// Handshake.
    pub const HANDSHAKE: u8 = 22;
    /// Application data.
    pub const APP_DATA: u8 = 23;
}

/// Why a side is no longer read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Its bytes are not TLS records.
    NotTls,
    /// Its records are encrypted and the key log has no secret for the session.
    NoKeys,
    /// The session's cipher suite is not one we decrypt (CBC, CCM, export …).
    Suite,
    /// A record did not authenticate with the keys (wrong secrets, or a record lost).
    Failed,
    /// Bytes of the side were not captured: the record stream cannot be followed.
    Gap,
}

/// What the records carry, as they are read.
#[derive(Debug)]
pub enum Event<'a> {
    /// A record, whole: its (inner, when decrypted) content type and its length on the
    /// wire (header included). Comes before what it carries.
    Record {
        /// Sent by the client.
        from_client: bool,
        /// Content type (the inner one of a decrypted TLS 1.3 record).
        content_type: u8,
        /// Header and payload, as sent.
        len: usize,
        /// Decrypted (false: sent in the clear, or not decrypted).
        decrypted: bool,
        /// Encrypted and not decrypted.
        opaque: bool,
    },
    /// The plaintext of a decrypted record (of any content type), right after its
    /// [`Event::Record`] (for a packet's detail, which shows it as a byte source).
    Plaintext {
        /// Sent by the client.
        from_client: bool,
        /// The plaintext, padding removed.
        data: &'a [u8],
    },
    /// A handshake message, whole (type, body).
    Handshake {
        /// Sent by the client.
        from_client: bool,
        /// HandshakeType (RFC 8446 §4).
        kind: u8,
        /// Its body.
        body: &'a [u8],
        /// Read from decrypted records.
        decrypted: bool,
        /// Bytes of the side's stream taken up to the end of the record that completed
        /// the message.
        consumed: u64,
    },
    /// Application data, decrypted.
    AppData {
        /// Sent by the client.
        from_client: bool,
        /// The plaintext.
        data: &'a [u8],
    },
    /// An alert (level, description), when it could be read.
    Alert {
        /// Sent by the client.
        from_client: bool,
        /// Level and description.
        alert: [u8; 2],
    },
    /// A side is no longer read.
    Stopped {
        /// The client's side.
        from_client: bool,
        /// Why.
        why: Stop,
    },
}

/// A side's read key: the AEAD, its IV and the next record's sequence number.
struct Cipher {
    aead: Aead,
    iv: [u8; 12],
    seq: u64,
    /// TLS 1.2 AES-GCM: the nonce's last 8 bytes travel in the record (RFC 5288 §3).
    explicit: bool,
    tls13: bool,
}

impl Cipher {
    fn new(bulk: Bulk, key: &[u8], iv: &[u8], tls13: bool) -> Option<Cipher> {
        let mut full = [0u8; 12];
        let explicit = !tls13 && bulk != Bulk::ChaCha20Poly1305;
        if explicit {
            // The salt: 4 bytes of the key block (RFC 5288 §3).
            full.get_mut(..4)?.copy_from_slice(iv.get(..4)?);
        } else {
            full.copy_from_slice(iv.get(..12)?);
        }
        Some(Cipher {
            aead: Aead::new(bulk, key)?,
            iv: full,
            seq: 0,
            explicit,
            tls13,
        })
    }

    /// A TLS 1.3 traffic secret's key and IV (RFC 8446 §7.3).
    fn tls13(s: Suite, secret: &[u8]) -> Option<Cipher> {
        let key = s.hash.expand_label(secret, b"key", b"", s.bulk.key_len());
        let iv = s.hash.expand_label(secret, b"iv", b"", 12);
        Cipher::new(s.bulk, &key, &iv, true)
    }

    /// Decrypts a whole record (`rec`: header and payload) in place. Returns the content
    /// type and where the plaintext lies in `rec`.
    fn open(&mut self, rec: &mut [u8]) -> Option<(u8, std::ops::Range<usize>)> {
        let seq = self.seq.to_be_bytes();
        let mut nonce = self.iv;
        if self.tls13 {
            // The IV XOR the sequence number, left-padded (RFC 8446 §5.3); the additional
            // data is the record header (§5.2).
            for i in 0..8 {
                nonce[4 + i] ^= seq[i];
            }
            let (header, payload) = rec.split_at_mut(5);
            let n = self.aead.open(&nonce, header, payload)?;
            self.seq += 1;
            // TLSInnerPlaintext: content, the type, zero padding.
            let inner = &payload[..n];
            let last = inner.iter().rposition(|&b| b != 0)?;
            return Some((inner[last], 5..5 + last));
        }
        let ct = rec[0];
        let version = [rec[1], rec[2]];
        let start = if self.explicit {
            nonce[4..].copy_from_slice(rec.get(5..13)?);
            13
        } else {
            for i in 0..8 {
                nonce[4 + i] ^= seq[i];
            }
            5
        };
        let plain_len = rec.len().checked_sub(start + 16)?;
        // seq_num + type + version + length of the plaintext (RFC 5246 §6.2.3.3).
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq);
        aad[8] = ct;
        aad[9..11].copy_from_slice(&version);
        aad[11..13].copy_from_slice(&(plain_len as u16).to_be_bytes());
        let n = self.aead.open(&nonce, &aad, &mut rec[start..])?;
        self.seq += 1;
        Some((ct, start..start + n))
    }
}

#[derive(Default)]
struct Side {
    /// The record being gathered (header included).
    rec: Vec<u8>,
    /// Handshake bytes not yet whole messages.
    hs: Vec<u8>,
    /// Body bytes of a message too long to hold, still to skip.
    hs_skip: usize,
    /// Whether the messages being gathered come from decrypted records.
    hs_decrypted: bool,
    /// The read key in use.
    cipher: Option<Cipher>,
    /// Another key to try when `cipher` fails (TLS 1.3's 0-RTT key beside the handshake
    /// key).
    trial: Option<Cipher>,
    /// TLS 1.2: the key its ChangeCipherSpec turns on.
    pending: Option<Cipher>,
    /// Records are encrypted from now on (TLS 1.2, after ChangeCipherSpec).
    encrypted: bool,
    /// TLS 1.3: the application traffic secret in use (KeyUpdate derives the next).
    app_secret: Option<Vec<u8>>,
    /// No longer read.
    stopped: bool,
    /// Bytes taken from the stream.
    consumed: u64,
}

/// Where the key lookup stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keys {
    /// Not looked up yet.
    Unknown,
    /// The key log had no secrets for the session when asked.
    Missing,
    /// Found (and copied into the connection).
    Found,
}

/// One TLS connection.
pub struct Conn {
    sides: [Side; 2],
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    suite: Option<u16>,
    /// The negotiated version (`supported_versions`, else the ServerHello's).
    version: Option<u16>,
    /// The ServerHello was read (not a HelloRetryRequest).
    server_hello: bool,
    keys: Keys,
    secrets: Option<Box<SessionSecrets>>,
    /// Decrypt when secrets are there (off: only the handshake in the clear is read).
    decrypt: bool,
}

impl Default for Conn {
    fn default() -> Self {
        Conn {
            sides: Default::default(),
            client_random: None,
            server_random: None,
            suite: None,
            version: None,
            server_hello: false,
            keys: Keys::Unknown,
            secrets: None,
            decrypt: true,
        }
    }
}

fn idx(from_client: bool) -> usize {
    usize::from(!from_client)
}

impl Conn {
    /// A connection at its start.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes taken from a side's stream so far.
    pub fn consumed(&self, from_client: bool) -> u64 {
        self.sides[idx(from_client)].consumed
    }

    /// Whether a side is no longer read.
    pub fn stopped(&self, from_client: bool) -> bool {
        self.sides[idx(from_client)].stopped
    }

    /// Stops reading a side (its caller saw all it wanted).
    pub fn stop(&mut self, from_client: bool) {
        let s = &mut self.sides[idx(from_client)];
        s.stopped = true;
        s.rec = Vec::new();
        s.hs = Vec::new();
    }

    /// The negotiated version, once the ServerHello was read.
    pub fn version(&self) -> Option<u16> {
        self.version
    }

    /// The session's secrets were found in the key log.
    pub fn has_keys(&self) -> bool {
        self.keys == Keys::Found
    }

    /// The client's random, once its hello was read.
    pub fn client_random(&self) -> Option<&[u8; 32]> {
        self.client_random.as_ref()
    }

    /// Bytes held: the records being gathered and handshake bytes, both sides (at most
    /// 2 × ([`MAX_RECORD`] + [`MAX_HANDSHAKE`])).
    pub fn buffered(&self) -> usize {
        self.sides.iter().map(|s| s.rec.len() + s.hs.len()).sum()
    }

    /// Bytes of one side never captured: its records can no longer be followed.
    pub fn gap(&mut self, from_client: bool, on: &mut dyn FnMut(Event<'_>)) {
        if !self.sides[idx(from_client)].stopped {
            self.stop(from_client);
            on(Event::Stopped {
                from_client,
                why: Stop::Gap,
            });
        }
    }

    /// In-order bytes of one side. `keys` are looked up by the session's client random
    /// as of packet `now` (secrets that came later in the capture do not count).
    pub fn data(
        &mut self,
        from_client: bool,
        mut bytes: &[u8],
        keys: &KeyLog,
        now: u64,
        on: &mut dyn FnMut(Event<'_>),
    ) {
        let i = idx(from_client);
        while !bytes.is_empty() && !self.sides[i].stopped {
            let side = &mut self.sides[i];
            let need = if side.rec.len() < 5 {
                5 - side.rec.len()
            } else {
                5 + u16::from_be_bytes([side.rec[3], side.rec[4]]) as usize - side.rec.len()
            };
            let take = need.min(bytes.len());
            side.rec.extend_from_slice(&bytes[..take]);
            side.consumed += take as u64;
            bytes = &bytes[take..];
            if side.rec.len() == 5 {
                // A record header must say TLS (RFC 8446 §5.1): else this is not TLS.
                let r = &side.rec;
                let len = u16::from_be_bytes([r[3], r[4]]) as usize;
                if !(20..=24).contains(&r[0]) || r[1] != 3 || len > MAX_RECORD - 5 {
                    self.stop(from_client);
                    on(Event::Stopped {
                        from_client,
                        why: Stop::NotTls,
                    });
                    break;
                }
            }
            let side = &self.sides[i];
            if side.rec.len() < 5
                || side.rec.len() < 5 + u16::from_be_bytes([side.rec[3], side.rec[4]]) as usize
            {
                continue;
            }
            let mut rec = std::mem::take(&mut self.sides[i].rec);
            self.record(from_client, &mut rec, keys, now, on);
            rec.clear();
            if !self.sides[i].stopped {
                self.sides[i].rec = rec;
            }
        }
    }

    /// Looks the session's secrets up (once they are needed, and again for a side that
    /// found none before: a Decryption Secrets Block may have come since).
    fn lookup(&mut self, keys: &KeyLog, now: u64) {
        if self.keys == Keys::Found || !self.decrypt {
            return;
        }
        let found = self.client_random.and_then(|cr| keys.get(&cr, now));
        match found {
            Some(s) => {
                self.secrets = Some(Box::new(s.clone()));
                self.keys = Keys::Found;
                self.install();
            }
            None => self.keys = Keys::Missing,
        }
    }

    /// Sets the keys the hellos and the secrets give (after the ServerHello).
    fn install(&mut self) {
        let (Some(secrets), Some(id), true) = (&self.secrets, self.suite, self.server_hello) else {
            return;
        };
        let Some(s) = suite(id) else {
            return;
        };
        if s.tls13 {
            let server = secrets
                .get(Which::ServerHandshake)
                .and_then(|k| Cipher::tls13(s, k));
            let client = secrets
                .get(Which::ClientHandshake)
                .and_then(|k| Cipher::tls13(s, k));
            let early = secrets
                .get(Which::ClientEarly)
                .and_then(|k| Cipher::tls13(s, k));
            let (c, sv) = self.sides.split_at_mut(1);
            if sv[0].cipher.is_none() && sv[0].app_secret.is_none() {
                sv[0].cipher = server;
            }
            if c[0].app_secret.is_none() {
                // 0-RTT records that came before the ServerHello used the early key.
                if c[0].cipher.is_none() {
                    c[0].cipher = client;
                    c[0].trial = early;
                } else {
                    c[0].trial = client;
                }
            }
        } else if let (Some(master), Some(cr), Some(sr)) =
            (&secrets.master, self.client_random, self.server_random)
        {
            // key_block = PRF(master, "key expansion", server_random + client_random):
            // client key, server key, client IV, server IV (RFC 5246 §6.3; AEAD suites
            // have no MAC keys).
            let k = s.bulk.key_len();
            let iv = if s.bulk == Bulk::ChaCha20Poly1305 {
                12
            } else {
                4
            };
            let seed = [&sr[..], &cr[..]].concat();
            let block = s.hash.prf(master, b"key expansion", &seed, 2 * k + 2 * iv);
            let client = Cipher::new(s.bulk, &block[..k], &block[2 * k..2 * k + iv], false);
            let server = Cipher::new(s.bulk, &block[k..2 * k], &block[2 * k + iv..], false);
            for (side, c) in self.sides.iter_mut().zip([client, server]) {
                if side.encrypted && side.cipher.is_none() {
                    side.cipher = c;
                } else {
                    side.pending = c;
                }
            }
        }
    }

    /// Whether records of this type on this side are encrypted.
    fn encrypted(&self, from_client: bool, ct: u8) -> bool {
        let side = &self.sides[idx(from_client)];
        if side.encrypted {
            return true;
        }
        let tls13 = self.version == Some(0x0304);
        // TLS 1.3 encrypts every record as application data (RFC 8446 §5.2); before the
        // ServerHello, the client's application data records are 0-RTT data.
        ct == content::APP_DATA && (tls13 || (from_client && !self.server_hello))
    }

    fn record(
        &mut self,
        from_client: bool,
        rec: &mut [u8],
        keys: &KeyLog,
        now: u64,
        on: &mut dyn FnMut(Event<'_>),
    ) {
        let i = idx(from_client);
        let ct = rec[0];
        let len = rec.len();
        if ct == content::CCS && !self.sides[i].encrypted {
            on(Event::Record {
                from_client,
                content_type: ct,
                len,
                decrypted: false,
                opaque: false,
            });
            // TLS 1.2: this side encrypts from now on. (TLS 1.3's is for middleboxes,
            // RFC 8446 Appendix D.4.)
            if self.version != Some(0x0304) && self.server_hello {
                let side = &mut self.sides[i];
                side.encrypted = true;
                side.cipher = side.pending.take();
            }
            return;
        }
        let (ct, range, decrypted) = if self.encrypted(from_client, ct) {
            if self.keys != Keys::Found {
                self.lookup(keys, now);
            }
            let side = &self.sides[i];
            let stop = match self.keys {
                _ if side.cipher.is_some() || side.trial.is_some() => None,
                Keys::Found if self.suite.is_some_and(|id| suite(id).is_none()) => {
                    Some(Stop::Suite)
                }
                Keys::Found => Some(Stop::Failed),
                _ => Some(Stop::NoKeys),
            };
            let opened = match stop {
                Some(_) => None,
                None => {
                    let side = &mut self.sides[i];
                    let mut got = side.cipher.as_mut().and_then(|c| {
                        let mut copy = side.trial.is_some().then(|| rec.to_vec());
                        let r = c.open(rec);
                        if r.is_none() {
                            // Restore the ciphertext for the other key.
                            if let Some(copy) = copy.take() {
                                rec.copy_from_slice(&copy);
                            }
                        }
                        r
                    });
                    if got.is_none() {
                        got = side.trial.as_mut().and_then(|c| c.open(rec));
                    }
                    got
                }
            };
            match opened {
                Some((ct, range)) => (ct, range, true),
                None => {
                    on(Event::Record {
                        from_client,
                        content_type: ct,
                        len,
                        decrypted: false,
                        opaque: true,
                    });
                    let why = stop.unwrap_or(Stop::Failed);
                    self.stop(from_client);
                    on(Event::Stopped { from_client, why });
                    return;
                }
            }
        } else {
            (ct, 5..len, false)
        };
        on(Event::Record {
            from_client,
            content_type: ct,
            len,
            decrypted,
            opaque: false,
        });
        let body = &rec[range];
        if decrypted {
            on(Event::Plaintext {
                from_client,
                data: body,
            });
        }
        match ct {
            content::HANDSHAKE => self.handshake(from_client, body, decrypted, keys, now, on),
            content::APP_DATA if !body.is_empty() => on(Event::AppData {
                from_client,
                data: body,
            }),
            content::ALERT if body.len() >= 2 => on(Event::Alert {
                from_client,
                alert: [body[0], body[1]],
            }),
            _ => {}
        }
    }

    /// Gathers handshake bytes into messages and handles the whole ones.
    fn handshake(
        &mut self,
        from_client: bool,
        mut bytes: &[u8],
        decrypted: bool,
        keys: &KeyLog,
        now: u64,
        on: &mut dyn FnMut(Event<'_>),
    ) {
        let i = idx(from_client);
        let side = &mut self.sides[i];
        if side.hs_skip > 0 {
            let n = side.hs_skip.min(bytes.len());
            side.hs_skip -= n;
            bytes = &bytes[n..];
        }
        side.hs_decrypted = decrypted;
        side.hs.extend_from_slice(bytes);
        let buf = std::mem::take(&mut self.sides[i].hs);
        let mut at = 0;
        while buf.len() - at >= 4 {
            let len = u32::from_be_bytes([0, buf[at + 1], buf[at + 2], buf[at + 3]]) as usize;
            if len > MAX_HANDSHAKE {
                // Too long to hold (a huge certificate chain): skip its body.
                let have = buf.len() - at - 4;
                self.sides[i].hs_skip = len - have.min(len);
                at = buf.len().min(at + 4 + len);
                continue;
            }
            if buf.len() - at < 4 + len {
                break;
            }
            let kind = buf[at];
            let body = &buf[at + 4..at + 4 + len];
            at += 4 + len;
            on(Event::Handshake {
                from_client,
                kind,
                body,
                decrypted,
                consumed: self.sides[i].consumed,
            });
            self.message(from_client, kind, body, keys, now);
            if self.sides[i].stopped {
                return;
            }
        }
        let mut rest = buf;
        rest.drain(..at);
        self.sides[i].hs = rest;
    }

    /// What a handshake message changes: randoms, the suite and version, the keys.
    fn message(&mut self, from_client: bool, kind: u8, body: &[u8], keys: &KeyLog, now: u64) {
        let i = idx(from_client);
        match (from_client, kind) {
            (true, 1) => {
                // ClientHello: legacy_version, random (RFC 8446 §4.1.2). A second one
                // after a HelloRetryRequest has the same random.
                if let Some(r) = body.get(2..34) {
                    let mut cr = [0u8; 32];
                    cr.copy_from_slice(r);
                    self.client_random = Some(cr);
                }
                self.lookup(keys, now);
            }
            (false, 2) => {
                let Some(hello) = parse_server_hello(body) else {
                    return;
                };
                if hello.random == HRR_RANDOM {
                    // A HelloRetryRequest chose the version already (its
                    // supported_versions, RFC 8446 §4.1.4); the ServerHello comes after
                    // the second ClientHello.
                    self.version = Some(hello.version);
                    return;
                }
                self.server_random = Some(hello.random);
                self.suite = Some(hello.suite);
                self.version = Some(hello.version);
                self.server_hello = true;
                if self.keys != Keys::Found {
                    self.lookup(keys, now);
                } else {
                    self.install();
                }
            }
            // Finished (TLS 1.3): the side moves to its application secret (§7.1).
            (_, 20) if self.version == Some(0x0304) => {
                let which = if from_client {
                    Which::ClientApp
                } else {
                    Which::ServerApp
                };
                let (Some(s), Some(secret)) = (
                    self.suite.and_then(suite),
                    self.secrets.as_ref().and_then(|k| k.get(which)),
                ) else {
                    return;
                };
                let secret = secret.to_vec();
                let side = &mut self.sides[i];
                side.cipher = Cipher::tls13(s, &secret);
                side.trial = None;
                side.app_secret = Some(secret);
            }
            // EndOfEarlyData: the client's 0-RTT key is done with (§4.5).
            (true, 5) => {
                let side = &mut self.sides[i];
                if side.trial.is_some() {
                    // The early key was the one in use; the handshake key is the other.
                    std::mem::swap(&mut side.cipher, &mut side.trial);
                }
                side.trial = None;
            }
            // KeyUpdate (§4.6.3): the next application traffic secret (§7.2).
            (_, 24) if self.version == Some(0x0304) => {
                let Some(s) = self.suite.and_then(suite) else {
                    return;
                };
                let side = &mut self.sides[i];
                if let Some(old) = &side.app_secret {
                    let next = s
                        .hash
                        .expand_label(old, b"traffic upd", b"", s.hash.output_len());
                    side.cipher = Cipher::tls13(s, &next);
                    side.app_secret = Some(next);
                }
            }
            _ => {}
        }
    }
}

/// What the connection needs of a ServerHello.
struct ServerHello {
    random: [u8; 32],
    suite: u16,
    version: u16,
}

fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let legacy = u16::from_be_bytes([*body.first()?, *body.get(1)?]);
    let mut random = [0u8; 32];
    random.copy_from_slice(body.get(2..34)?);
    let sid = *body.get(34)? as usize;
    let at = 35 + sid;
    let suite = u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]);
    let mut version = legacy;
    // compression method, then extensions: supported_versions (43) names TLS 1.3.
    let mut ext = body.get(at + 5..).unwrap_or(&[]);
    while ext.len() >= 4 {
        let kind = u16::from_be_bytes([ext[0], ext[1]]);
        let len = u16::from_be_bytes([ext[2], ext[3]]) as usize;
        let Some(data) = ext.get(4..4 + len) else {
            break;
        };
        if kind == 43 && data.len() == 2 {
            version = u16::from_be_bytes([data[0], data[1]]);
            // The record layer knows drafts as TLS 1.3.
            if is_tls13(version) {
                version = 0x0304;
            }
        }
        ext = &ext[4 + len..];
    }
    Some(ServerHello {
        random,
        suite,
        version,
    })
}

/// The hash of a TLS 1.3 suite, for callers that derive secrets of their own (QUIC).
pub fn suite_hash(id: u16) -> Option<Hash> {
    suite(id).map(|s| s.hash)
}
