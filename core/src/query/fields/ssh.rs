//! SSH as tshark 4.0's `packet-ssh.c` shows it: which segments of a conversation on TCP
//! port 22 carry the `ssh` protocol item, and their Protocol and Info columns.
//!
//! The dissector keeps state from one segment to the next (the version, each side's
//! banner and key exchange, the algorithms agreed), and asks TCP to gather a binary
//! packet cut over segments only while the key exchange is in the clear (RFC 4253 §6,
//! §7). So a conversation's first segments are replayed once, until both sides
//! encrypt ([`Replay`]); every segment after them is worded from its side's state and
//! its length alone, whatever order rows or filters ask in.

use crate::capture::flow::Direction;

/// The most segments of a conversation replayed before its later segments are worded
/// from the state reached (a key exchange takes a handful each way; a 40 KB KEXINIT cut
/// in 1,448-byte segments about thirty).
pub const MAX_REPLAYED: usize = 96;

/// What a segment shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The `ssh` item, with its Protocol column and its Info after the TCP analysis
    /// items (`Client: …`, the analysis text goes between the side and the messages).
    Ssh {
        /// `SSH`, `SSHv1` or `SSHv2`: the version known when the segment's dissection
        /// began.
        protocol: &'static str,
        /// `Client` or `Server`.
        side: &'static str,
        /// The messages, joined by `, ` (none: an encrypted packet 4.0 tried to
        /// decrypt with no key).
        messages: String,
        /// The dissector threw (`[Malformed Packet]`, no side).
        malformed: bool,
    },
    /// The first segment of a binary packet TCP gathers: the `ssh` item is there (the
    /// dissector was called), the row reads `[TCP segment of a reassembled PDU]`.
    Starts,
    /// A later segment of a binary packet being gathered, before the one that ends it:
    /// no `ssh` item (`tcp.reassembled_in`).
    Inside,
}

impl Shown {
    /// Whether the segment has the `ssh` protocol item.
    pub fn has_item(&self) -> bool {
        !matches!(self, Shown::Inside)
    }

    /// The Info column after the TCP analysis text `analysis` (`[TCP …] ` items).
    pub fn info(&self, analysis: &str) -> Option<String> {
        match self {
            Shown::Ssh {
                side,
                messages,
                malformed: false,
                ..
            } => {
                let sep = if !analysis.is_empty() && !messages.is_empty() {
                    ", "
                } else {
                    ""
                };
                Some(format!("{side}: {analysis}{sep}{messages}"))
            }
            // The exception stops the dissector before it writes the side.
            Shown::Ssh { messages, .. } => Some(format!("{analysis}{messages}[Malformed Packet]")),
            Shown::Starts => Some(format!("{analysis}[TCP segment of a reassembled PDU]")),
            Shown::Inside => None,
        }
    }
}

/// The key exchange method's messages 30 to 39 (`ssh_set_kex_specific_dissector`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Kex {
    /// Diffie-Hellman with a fixed group, and every method 4.0 does not know.
    #[default]
    Dh,
    /// Diffie-Hellman group exchange (RFC 4419).
    Gex,
    /// Elliptic-curve Diffie-Hellman (RFC 5656, curve25519 and curve448).
    Ecdh,
}

impl Kex {
    fn of(name: &str) -> Kex {
        match name {
            "diffie-hellman-group-exchange-sha1" | "diffie-hellman-group-exchange-sha256" => {
                Kex::Gex
            }
            "curve25519-sha256@libssh.org" | "curve25519-sha256" | "curve448-sha512" => Kex::Ecdh,
            n if n.starts_with("ecdh-sha2-") => Kex::Ecdh,
            _ => Kex::Dh,
        }
    }

    fn message(self, code: u8) -> String {
        let name = match (self, code) {
            (Kex::Dh, 30) => "Diffie-Hellman Key Exchange Init",
            (Kex::Dh, 31) => "Diffie-Hellman Key Exchange Reply",
            (Kex::Gex, 30) => "Diffie-Hellman Group Exchange Request (Old)",
            (Kex::Gex, 31) => "Diffie-Hellman Group Exchange Group",
            (Kex::Gex, 32) => "Diffie-Hellman Group Exchange Init",
            (Kex::Gex, 33) => "Diffie-Hellman Group Exchange Reply",
            (Kex::Gex, 34) => "Diffie-Hellman Group Exchange Request",
            (Kex::Ecdh, 30) => "Elliptic Curve Diffie-Hellman Key Exchange Init",
            (Kex::Ecdh, 31) => "Elliptic Curve Diffie-Hellman Key Exchange Reply",
            _ => return format!("Unknown ({code})"),
        };
        name.to_owned()
    }
}

/// The transport layer's generic messages (RFC 4250 §4.1.2), as `ssh2_msg_vals` names them.
fn message(code: u8) -> String {
    let name = match code {
        1 => "Disconnect",
        2 => "Ignore",
        3 => "Unimplemented",
        4 => "Debug",
        5 => "Service Request",
        6 => "Service Accept",
        20 => "Key Exchange Init",
        21 => "New Keys",
        50 => "User Authentication Request",
        51 => "User Authentication Failure",
        52 => "User Authentication Success",
        53 => "User Authentication Banner",
        80 => "Global Request",
        81 => "Request Success",
        82 => "Request Failure",
        90 => "Channel Open",
        91 => "Channel Open Confirmation",
        92 => "Channel Open Failure",
        93 => "Window Adjust",
        94 => "Channel Data",
        95 => "Channel Extended Data",
        96 => "Channel EOF",
        97 => "Channel Close",
        98 => "Channel Request",
        99 => "Channel Success",
        100 => "Channel Failure",
        _ => return format!("Unknown ({code})"),
    };
    name.to_owned()
}

/// One side's state (`struct ssh_peer_data`); frames are 1-based, 0 for none yet.
#[derive(Default)]
struct Peer {
    version_start: u64,
    version_end: u64,
    key_start: u64,
    key_end: u64,
    /// Where in the key exchange's last frame its NEWKEYS message ended.
    key_end_offset: usize,
    kex_proposal: Option<String>,
    /// Its proposals of ciphers client to server and server to client.
    enc_proposals: [Option<String>; 2],
    /// After its NEWKEYS: 4.0 tries to decrypt (with a key of zeros, no key log given),
    /// which fails on a length beyond 32,768 and shows nothing.
    decrypts: bool,
    /// The cipher agreed for its packets is AES-GCM, which 4.0 throws on.
    gcm: bool,
    /// Bytes TCP gathers for the dissector, and how many it waits for (None: one more
    /// segment).
    gathering: Option<(Vec<u8>, Option<usize>)>,
}

/// A conversation's segments replayed through the dissector's state, in order.
#[derive(Default)]
pub struct Replay {
    /// 0: not known, else 1 or 2.
    version: u8,
    kex: Option<Kex>,
    /// The server's key exchange reply was read (4.0 sets its ciphers up only then).
    replied: bool,
    peers: [Peer; 2],
    /// What each segment replayed showed, by packet index.
    pub shown: Vec<(u64, Shown)>,
}

/// Why a dissection stopped before the end of its bytes.
enum Stop {
    /// TCP is to gather bytes from `offset` on: `want` in all (None: one more segment).
    Gather { offset: usize, want: Option<usize> },
    /// An exception (bytes missing where the dissector read them).
    Malformed,
    /// A banner with no line end: the dissector asks TCP for `-1 - remaining` more
    /// bytes (a length that wraps), and TCP gathers nothing; the next segment is
    /// dissected alone.
    Unended,
}

impl Replay {
    /// Whether each side has its messages encrypted and nothing is being gathered: later
    /// segments show what [`Replay::predict`] says. (Before the client's banner a
    /// segment reads as an encrypted packet, but a banner may still come.)
    pub fn settled(&self) -> bool {
        self.peers
            .iter()
            .all(|p| p.gathering.is_none() && p.key_end != 0)
    }

    /// What a segment of `len` bytes from the client (or the server) shows after those
    /// replayed.
    pub fn predict(&self, from_client: bool, len: usize) -> Shown {
        let peer = &self.peers[usize::from(!from_client)];
        let protocol = self.protocol();
        let side = side(from_client);
        if self.version != 0 && peer.key_end != 0 && peer.gcm && peer.decrypts {
            return Shown::Ssh {
                protocol,
                side,
                messages: String::new(),
                malformed: true,
            };
        }
        let messages = if self.version != 0 && peer.key_end != 0 && peer.decrypts {
            String::new()
        } else {
            format!("Encrypted packet (len={len})")
        };
        Shown::Ssh {
            protocol,
            side,
            messages,
            malformed: false,
        }
    }

    fn protocol(&self) -> &'static str {
        match self.version {
            1 => "SSHv1",
            2 => "SSHv2",
            _ => "SSH",
        }
    }

    /// Feeds the payload of packet `index` (0-based) from the client or the server.
    pub fn segment(&mut self, index: u64, from_client: bool, payload: &[u8]) {
        if payload.is_empty() {
            return;
        }
        let frame = index + 1;
        let p = usize::from(!from_client);
        let gathered = self.peers[p].gathering.take();
        let (tvb, rest): (Vec<u8>, &[u8]) = match gathered {
            None => (payload.to_vec(), &[]),
            Some((mut buf, want)) => {
                let need = want.map_or(payload.len(), |w| w.saturating_sub(buf.len()));
                if need > payload.len() {
                    buf.extend_from_slice(payload);
                    self.peers[p].gathering = Some((buf, want));
                    self.shown.push((index, Shown::Inside));
                    return;
                }
                buf.extend_from_slice(&payload[..need]);
                (buf, &payload[need..])
            }
        };
        let mut shown = self.dissect(frame, from_client, &tvb);
        if !rest.is_empty() && self.peers[p].gathering.is_none() {
            // The bytes after a gathered packet go to the dissector again, their text
            // after the first's.
            if let (
                Shown::Ssh { messages, .. },
                Shown::Ssh {
                    messages: more,
                    malformed: false,
                    ..
                },
            ) = (&mut shown, self.dissect(frame, from_client, rest))
            {
                if !more.is_empty() {
                    if !messages.is_empty() {
                        messages.push_str(", ");
                    }
                    messages.push_str(&more);
                }
            }
        }
        self.shown.push((index, shown));
    }

    /// One call of `dissect_ssh` on `tvb` in frame `frame` (1-based).
    fn dissect(&mut self, frame: u64, from_client: bool, tvb: &[u8]) -> Shown {
        let p = usize::from(!from_client);
        let protocol = self.protocol();
        let mut version = self.version;
        let mut parts: Vec<String> = Vec::new();
        let mut offset = 0;
        let mut stop = None;
        while offset < tvb.len() {
            let peer = &self.peers[p];
            let after_start = peer.version_start == 0 || frame >= peer.version_start;
            let before_end = peer.version_end == 0 || frame <= peer.version_end;
            let last = offset;
            let banner = tvb[offset..]
                .get(..4)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"SSH-"));
            if after_start && before_end && banner {
                let peer = &mut self.peers[p];
                if peer.version_start == 0 {
                    peer.version_start = frame;
                }
                let line = &tvb[offset..];
                if from_client {
                    let starts = |s: &[u8]| {
                        line.get(..s.len())
                            .is_some_and(|b| b.eq_ignore_ascii_case(s))
                    };
                    if starts(b"SSH-2.") || starts(b"SSH-1.99-") {
                        version = 2;
                    } else if starts(b"SSH-1.") {
                        version = 1;
                    }
                }
                let Some(nl) = line.iter().position(|&b| b == b'\n') else {
                    stop = Some(Stop::Unended);
                    break;
                };
                let text_len = if nl > 0 && line[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                parts.push(format!(
                    "Protocol ({})",
                    super::value::format_text(&line[..text_len])
                ));
                offset += nl + 1;
                self.peers[p].version_end = frame;
                self.version = version;
            } else {
                match version {
                    2 => match self.ssh2(frame, from_client, tvb, offset, &mut parts) {
                        Ok(o) => offset = o,
                        Err(s) => {
                            stop = Some(s);
                            break;
                        }
                    },
                    _ => {
                        // SSH-1's packets are not worded here: as encrypted ones (SSH-1
                        // has been obsolete since 2006, RFC 4251).
                        parts.push(format!("Encrypted packet (len={})", tvb.len() - offset));
                        offset = tvb.len();
                    }
                }
            }
            if offset <= last {
                break;
            }
        }
        match stop {
            Some(Stop::Gather { offset, want }) => {
                let held = tvb[offset..].to_vec();
                self.peers[p].gathering = Some((held, want));
                if parts.is_empty() {
                    Shown::Starts
                } else {
                    // Messages before the cut show without their side (the dissector
                    // returns before writing it).
                    Shown::Ssh {
                        protocol,
                        side: side(from_client),
                        messages: parts.join(", "),
                        malformed: true,
                    }
                }
            }
            Some(Stop::Unended) if parts.is_empty() => Shown::Starts,
            Some(Stop::Malformed | Stop::Unended) => Shown::Ssh {
                protocol,
                side: side(from_client),
                messages: parts.join(", "),
                malformed: true,
            },
            None => Shown::Ssh {
                protocol,
                side: side(from_client),
                messages: parts.join(", "),
                malformed: false,
            },
        }
    }

    /// `ssh_dissect_ssh2` from `offset`: the key exchange's packets, then encrypted ones.
    fn ssh2(
        &mut self,
        frame: u64,
        from_client: bool,
        tvb: &[u8],
        mut offset: usize,
        parts: &mut Vec<String>,
    ) -> Result<usize, Stop> {
        let p = usize::from(!from_client);
        while offset < tvb.len() {
            let peer = &self.peers[p];
            let kex = peer.key_start == 0
                || (peer.key_start <= frame
                    && (peer.key_end == 0
                        || frame < peer.key_end
                        || (frame == peer.key_end && offset < peer.key_end_offset)));
            if kex {
                offset = self.key_exchange(frame, from_client, tvb, offset, parts)?;
            } else if peer.decrypts && peer.gcm {
                return Err(Stop::Malformed);
            } else if peer.decrypts {
                return Ok(tvb.len());
            } else {
                parts.push(format!("Encrypted packet (len={})", tvb.len() - offset));
                return Ok(tvb.len());
            }
        }
        Ok(offset)
    }

    /// `ssh_dissect_key_exchange`: one binary packet of the key exchange.
    fn key_exchange(
        &mut self,
        frame: u64,
        from_client: bool,
        tvb: &[u8],
        offset: usize,
        parts: &mut Vec<String>,
    ) -> Result<usize, Stop> {
        let p = usize::from(!from_client);
        let remain = tvb.len() - offset;
        if remain < 4 {
            return Err(Stop::Gather { offset, want: None });
        }
        let plen = u32_at(tvb, offset).ok_or(Stop::Malformed)? as usize;
        if plen + 4 > remain {
            return Err(Stop::Gather {
                offset,
                want: Some(plen + 4),
            });
        }
        let padding = *tvb.get(offset + 4).ok_or(Stop::Malformed)? as usize;
        let code = *tvb.get(offset + 5).ok_or(Stop::Malformed)?;
        let body = offset + 6;
        if (30..40).contains(&code) {
            parts.push(self.kex.unwrap_or_default().message(code));
            if code == 31 && !from_client && self.kex != Some(Kex::Gex) {
                self.replied = true;
            }
        } else {
            parts.push(message(code));
            match code {
                20 => {
                    let lists =
                        proposals(&tvb[..offset + 4 + plen], body + 16).ok_or(Stop::Malformed)?;
                    let peer = &mut self.peers[p];
                    peer.kex_proposal = Some(lists[0].clone());
                    peer.enc_proposals = [Some(lists[2].clone()), Some(lists[3].clone())];
                    if peer.key_start == 0 || peer.key_start == frame {
                        peer.key_start = frame;
                    }
                    if self.kex.is_none() {
                        if let (Some(c), Some(s)) =
                            (&self.peers[0].kex_proposal, &self.peers[1].kex_proposal)
                        {
                            self.kex = choose(c, s).map(|k| Kex::of(&k));
                        }
                    }
                }
                21 if self.peers[p].key_end == 0 => {
                    let enc = match (
                        &self.peers[0].enc_proposals[p],
                        &self.peers[1].enc_proposals[p],
                    ) {
                        (Some(c), Some(s)) => choose(c, s),
                        _ => None,
                    };
                    let decrypts = self.replied && enc.is_some();
                    let peer = &mut self.peers[p];
                    peer.key_end = frame;
                    peer.key_end_offset = body;
                    peer.decrypts = decrypts;
                    peer.gcm = enc.is_some_and(|e| e.starts_with("aes") && e.contains("-gcm"));
                }
                _ => {}
            }
        }
        // The payload and the padding after the message code, as the dissector skips
        // them: a padding longer than the packet throws.
        if padding + 2 > plen {
            return Err(Stop::Malformed);
        }
        Ok(offset + 4 + plen)
    }
}

/// `Client` or `Server`.
fn side(from_client: bool) -> &'static str {
    if from_client {
        "Client"
    } else {
        "Server"
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The first four name-lists of a KEXINIT (RFC 4253 §7.1) after its cookie at `at`:
/// key exchange, host key, and the ciphers each way.
fn proposals(b: &[u8], mut at: usize) -> Option<[String; 4]> {
    let mut out: [String; 4] = Default::default();
    for slot in out.iter_mut() {
        let len = u32_at(b, at)? as usize;
        let text = b.get(at + 4..(at + 4).checked_add(len)?)?;
        *slot = String::from_utf8_lossy(text).into_owned();
        at += 4 + len;
    }
    Some(out)
}

/// The first of the client's names the server also lists (`ssh_choose_algo`).
fn choose(client: &str, server: &str) -> Option<String> {
    let server: Vec<&str> = server.split(',').collect();
    client
        .split(',')
        .find(|c| server.contains(c))
        .map(str::to_owned)
}

/// The side a packet sent in direction `dir` of a conversation with ports `ports` (A's,
/// B's) is: the client sends to the SSH port (`pinfo->destport == pinfo->match_uint`).
pub fn from_client(dir: Direction, ports: [u16; 2], server_port: u16) -> bool {
    let dst = match dir {
        Direction::AToB => ports[1],
        Direction::BToA => ports[0],
    };
    dst == server_port
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn algorithms_are_the_clients_first_the_server_knows() {
        assert_eq!(choose("a,b,c", "c,b").as_deref(), Some("b"));
        assert_eq!(choose("a", "b"), None);
        assert_eq!(Kex::of("curve25519-sha256"), Kex::Ecdh);
        assert_eq!(Kex::of("sntrup761x25519-sha512@openssh.com"), Kex::Dh);
    }

    /// tshark 4.0 on tests/data/ssh/ssh-made.pcap's frames 104 and 105: the banner's
    /// first bytes are not kept, the rest is no banner.
    #[test]
    fn a_banner_cut_before_its_line_end_is_lost() {
        let mut r = Replay::default();
        r.segment(103, true, b"SSH-2.0-Open");
        r.segment(104, true, b"SSH_9.2\r\n");
        assert_eq!(r.shown[0].1, Shown::Starts);
        assert_eq!(
            r.shown[1].1.info(""),
            Some("Client: Encrypted packet (len=9)".into())
        );
        assert_eq!(r.version, 0);
    }

    /// Fed in order from a source that holds only the packet at hand (as a scan's
    /// window that has gone by), with the `ssh` field asked of the server's packets only
    /// (`tcp.srcport == 22 && ssh` skips the client's), the frames are tshark's for that
    /// filter on tests/data/ssh/ssh-made.pcap: every packet fed the replay as it went.
    #[test]
    fn fed_in_order_from_the_packet_at_hand() {
        use crate::capture::packet::PacketRow;
        use crate::query::fields::{Fid, FieldCtx, MemorySource, PacketSource};
        struct Current<'a>(MemorySource<'a>, usize);
        impl PacketSource for Current<'_> {
            fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
                i == self.1 && self.0.read(i, row, buf)
            }
        }
        let path = crate::ingest::app::testkit::path("tests/data/ssh/ssh-made.pcap").unwrap();
        let bytes = std::fs::read(path).unwrap();
        let c = crate::ingest::ingest_bytes("ssh-made.pcap", &bytes);
        let mut ctx = FieldCtx::new(&c);
        let mut src = Current(
            MemorySource {
                files: vec![&bytes],
            },
            0,
        );
        let mut got = Vec::new();
        let mut out = Vec::new();
        for i in 0..c.packets.len() {
            src.1 = i;
            ctx.begin(i);
            let _ = ctx.ssh_shown(&mut src);
            let conv = &c.conversations[c.packets.at(i).flow as usize];
            let from_server = match c.packets.at(i).dir() {
                Direction::AToB => conv.port_a == 22,
                Direction::BToA => conv.port_b == 22,
            };
            out.clear();
            if from_server {
                ctx.extract(Fid::Ssh, 0, &mut src, &mut out);
            }
            if !out.is_empty() {
                got.push(i + 1);
            }
        }
        let want = [
            5, 10, 12, 14, 19, 21, 23, 25, 28, 32, 35, 41, 46, 53, 55, 57, 58, 61, 66, 68, 70, 71,
            74, 79, 81, 83, 84, 87, 92, 94, 96, 97, 100, 106,
        ];
        assert_eq!(got, want);
    }
}
