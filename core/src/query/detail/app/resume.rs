//! Where the replay of a conversation's application layer may start later than its first
//! packet.
//!
//! A packet's PDUs depend on every earlier byte of its conversation only through what the
//! replay holds when it gets there: each direction's reassembly (the next sequence
//! number, bytes buffered out of order) and the bytes of a PDU not complete yet. Where
//! both directions hold nothing, a replay started afresh gives the same PDUs as one from
//! the conversation's start. The ingest's messages (each transaction's request and
//! response span) say where such places are; a start is taken only where the packets
//! prove it:
//! - the conversation's TCP analysis found no retransmission, lost or out-of-order
//!   segment, and no packet of it was cut short, up to the start: the reassembly then
//!   holds nothing out of order and its next byte is the first one sent after the start;
//! - in each direction, the first segment at or after the start that carries bytes (or a
//!   FIN) starts a message of the ingest, or ends the stream, while every earlier message
//!   of that direction ended in an earlier packet and no segment in between carried
//!   bytes: no PDU is part-way through.
//!
//! Protocols whose detail keeps state beyond the PDU being gathered are replayed from the
//! start: TLS (the Change Cipher Spec seen, and with secrets the record sequence numbers
//! of the AEAD nonces), MySQL (the phase, the columns of a result, prepared statements,
//! its switch to TLS), HTTP/2 (HPACK's dynamic table, the preface), QUIC, and PostgreSQL
//! conversations that asked for encryption.

use super::{pdu_len, proto_of};
use crate::capture::app::{AppProto, Detail as AppDetail, Extent};
use crate::capture::flow::Direction;
use crate::capture::Capture;
use crate::ingest::app::payload_of;
use crate::ingest::wire::{self, tcp_flags, Transport};
use crate::query::detail::Index;
use crate::query::fields::PacketSource;

/// Message starts tried, latest first, before replaying from the conversation's start.
const TRIES: usize = 16;
/// Packets of one direction read between a message's end and the next start.
const LOOK: usize = 256;
/// Packets of a direction read from the conversation's start for its first byte's
/// sequence number.
const ISN_LOOK: usize = 16;
/// Packets of the conversation [`super::Apps::resume_reads`] names at most.
pub(super) const READS: usize = 4096;
/// ... and of their bytes.
pub(super) const READ_BYTES: u64 = 8 << 20;

/// One message of the ingest: its direction, first and last packet.
#[derive(Clone, Copy)]
struct Msg {
    dir: Direction,
    first: usize,
    last: usize,
    /// Its bytes on the stream.
    bytes: u64,
}

/// What the ingest says of one conversation, gathered once.
pub(super) struct Plan {
    /// The conversation's first packet each way (A→B, B→A).
    firsts: [Option<usize>; 2],
    /// Messages, by first packet.
    msgs: Vec<Msg>,
    /// The first packet of the conversation the TCP analysis flagged (or that was cut
    /// short): no start at or after it.
    unsafe_from: usize,
}

impl Plan {
    /// The conversation's messages and flagged packets; None when its protocol keeps
    /// state a start afresh would miss.
    pub(super) fn of(capture: &Capture, flow: u32, index: &Index) -> Option<Plan> {
        let proto = capture.app_protos.get(flow as usize).copied().flatten()?;
        if !capture.stages.tcp || !capture.stages.apps {
            return None;
        }
        match proto {
            AppProto::Http | AppProto::Memcache | AppProto::Redis | AppProto::Dns => {}
            // Stateless in the detail (its messages' names come from the ingest), but
            // not once it asked for TLS or GSSAPI encryption (the detail then waits for
            // the server's one-byte answer, and reads TLS records after an `S`).
            AppProto::Pgsql => {
                let encrypted = capture.app_inner.get(flow as usize).copied().flatten();
                if encrypted.is_some() || index.pg_asked(flow) {
                    return None;
                }
            }
            AppProto::Tls | AppProto::Mysql | AppProto::Http2 | AppProto::Quic => return None,
        }
        let client = capture.client_of(flow);
        let server = match client {
            Direction::AToB => Direction::BToA,
            Direction::BToA => Direction::AToB,
        };
        let mut msgs = Vec::new();
        let span = |dir, s: &Extent| Msg {
            dir,
            first: s.first() as usize,
            last: s.last() as usize,
            bytes: s.bytes(),
        };
        for &t in index.transactions(flow) {
            let t = &capture.transactions[t as usize];
            if let AppDetail::Http(h) = &t.detail {
                // The detail cuts a response by its headers alone: one to HEAD that
                // names a length takes the next response's bytes as its body.
                if h.http2().is_some() || h.request_head.method.eq_ignore_ascii_case("HEAD") {
                    return None;
                }
            }
            msgs.extend(t.request.iter().map(|s| span(client, s)));
            msgs.extend(t.response.iter().map(|s| span(server, s)));
        }
        msgs.sort_by_key(|m| (m.first, m.last, m.dir == client, m.bytes));
        // A request some transactions share (a multi-key get) is one message.
        msgs.dedup_by_key(|m| (m.first, m.last, m.dir == client, m.bytes));
        index.first(flow)?;
        let unsafe_from = index.unsafe_from(flow).unwrap_or(usize::MAX);
        Some(Plan {
            firsts: [index.first_way(flow, 0), index.first_way(flow, 1)],
            msgs,
            unsafe_from,
        })
    }

    /// The packets [`Plan::start`] may read for packet `index`, the latest starts'
    /// first: of each direction, those after the end of its last message before the
    /// start up to its first message from the start on (at most [`READS`] packets and
    /// [`READ_BYTES`] bytes).
    pub(super) fn reads(&self, capture: &Capture, flow: u32, index: usize) -> Vec<usize> {
        let mut starts: Vec<usize> = self
            .msgs
            .iter()
            .map(|m| m.first)
            .filter(|&f| f <= index && f < self.unsafe_from)
            .collect();
        starts.dedup();
        // Where each direction's stream starts.
        let mut want: Vec<usize> = [Direction::AToB, Direction::BToA]
            .into_iter()
            .flat_map(|dir| self.isn_reads(capture, flow, dir, index))
            .collect();
        let mut bytes = 0u64;
        for &s in starts.iter().rev().take(TRIES) {
            for dir in [Direction::AToB, Direction::BToA] {
                let mine = self.msgs.iter().filter(|m| m.dir == dir);
                let Some(lo) = mine.clone().filter(|m| m.first < s).map(|m| m.last).max() else {
                    continue;
                };
                let hi = mine
                    .filter(|m| m.first >= s && m.first <= index)
                    .map(|m| m.first)
                    .min()
                    .unwrap_or(index);
                for (i, r) in (lo + 1..).zip(capture.packets.range(lo + 1..hi + 1)) {
                    if r.flow != flow || r.dir() != dir {
                        continue;
                    }
                    bytes += u64::from(r.caplen);
                    if want.len() >= READS || bytes > READ_BYTES {
                        want.sort_unstable();
                        want.dedup();
                        return want;
                    }
                    want.push(i);
                }
            }
        }
        want.sort_unstable();
        want.dedup();
        want
    }

    /// The packet a replay reaching packet `index` of the conversation `flow` may start
    /// from, later than the conversation's first (None: from its first).
    pub(super) fn start(
        &self,
        capture: &Capture,
        flow: u32,
        index: usize,
        src: &mut dyn PacketSource,
    ) -> Option<usize> {
        let proto = proto_of(capture, &capture.packets.get(index)?)?;
        let client = capture.client_of(flow);
        let mut starts: Vec<usize> = self
            .msgs
            .iter()
            .map(|m| m.first)
            .filter(|&f| f <= index)
            .collect();
        starts.dedup();
        let mut reader = Reader::default();
        let isn = [Direction::AToB, Direction::BToA]
            .map(|d| self.isn(capture, flow, d, index, src, &mut reader));
        for &s in starts.iter().rev().take(TRIES) {
            if s >= self.unsafe_from {
                continue;
            }
            let ok = [Direction::AToB, Direction::BToA].into_iter().all(|dir| {
                let isn = isn[usize::from(dir == Direction::BToA)];
                self.clean(
                    capture,
                    flow,
                    proto,
                    dir == client,
                    dir,
                    s,
                    index,
                    isn,
                    src,
                    &mut reader,
                )
            });
            if ok {
                return Some(s);
            }
        }
        None
    }

    /// The packets [`Plan::isn`] reads of direction `dir` for a replay reaching packet
    /// `index`: its first few up to `index` (a segment after it is never compared with
    /// the sequence number).
    fn isn_reads<'a>(
        &self,
        capture: &'a Capture,
        flow: u32,
        dir: Direction,
        index: usize,
    ) -> impl Iterator<Item = usize> + 'a {
        let from = self.firsts[usize::from(dir == Direction::BToA)].filter(|&f| f <= index);
        let to = from.map_or(0, |_| index + 1);
        let from = from.unwrap_or(0);
        capture
            .packets
            .range(from..to)
            .zip(from..)
            .filter(move |(r, _)| r.flow == flow && r.dir() == dir)
            .map(|(_, i)| i)
            .take(ISN_LOOK)
    }

    /// The sequence number of the first byte of direction `dir`, as the reassembly
    /// takes it: after the SYN, or of the first segment with bytes or a FIN (None when
    /// none comes up to packet `index`).
    fn isn(
        &self,
        capture: &Capture,
        flow: u32,
        dir: Direction,
        index: usize,
        src: &mut dyn PacketSource,
        reader: &mut Reader,
    ) -> Option<u32> {
        for i in self.isn_reads(capture, flow, dir, index) {
            let (flags, seq, bare) = reader.tcp(capture, i, src)?;
            if flags & tcp_flags::SYN != 0 {
                return Some(seq.wrapping_add(1));
            }
            if !bare || flags & tcp_flags::FIN != 0 {
                return Some(seq);
            }
        }
        None
    }

    /// Whether direction `dir` of the conversation holds nothing when packet `s` comes.
    #[allow(clippy::too_many_arguments)]
    fn clean(
        &self,
        capture: &Capture,
        flow: u32,
        proto: AppProto,
        to_server: bool,
        dir: Direction,
        s: usize,
        index: usize,
        isn: Option<u32>,
        src: &mut dyn PacketSource,
        reader: &mut Reader,
    ) -> bool {
        // The first segment from `s` on that the reassembly takes.
        let mut first = None;
        let mine = |from: usize, to: usize| {
            (from..)
                .zip(capture.packets.range(from..to))
                .filter(|(_, r)| r.flow == flow && r.dir() == dir)
                .map(|(i, _)| i)
        };
        for i in mine(s, index + 1) {
            match reader.segment(capture, i, src) {
                None => return false,
                Some(Seg::Bare) => continue,
                Some(seg) => {
                    first = Some((i, seg));
                    break;
                }
            }
        }
        let Some((f, seg)) = first else {
            // Nothing of this direction reaches the packet: whatever it holds is not
            // shown there.
            return true;
        };
        if f >= self.unsafe_from {
            return false;
        }
        let seq = match seg {
            Seg::Data(ref head, seq) => {
                let starts_msg = self.msgs.iter().any(|m| m.dir == dir && m.first == f);
                if !starts_msg || pdu_len(proto, to_server, head) == Some(0) {
                    return false;
                }
                seq
            }
            Seg::Fin(seq) => seq,
            // A reset (ends the stream only in a replay that started it) or a SYN.
            Seg::Other | Seg::Bare => return false,
        };
        // Its first byte is the one after every byte of the messages before it: none
        // came that no message claims (offsets from the stream's first byte, modulo 2^32
        // as sequence numbers are).
        let claimed: u64 = self
            .msgs
            .iter()
            .filter(|m| m.dir == dir && m.first < f)
            .map(|m| m.bytes)
            .sum();
        if isn.is_none_or(|isn| seq.wrapping_sub(isn) != claimed as u32) {
            return false;
        }
        // The end of the direction's last message before `f`.
        let Some(end) = self
            .msgs
            .iter()
            .filter(|m| m.dir == dir && m.first < f)
            .map(|m| m.last)
            .max()
        else {
            return false;
        };
        if end >= f {
            return false;
        }
        // No bytes between that end and `f`: none of a message the ingest did not see.
        let between: Vec<usize> = mine(end + 1, s).take(LOOK + 1).collect();
        if between.len() > LOOK {
            return false;
        }
        between
            .into_iter()
            .all(|i| matches!(reader.segment(capture, i, src), Some(Seg::Bare)))
    }
}

/// What a segment hands the reassembly.
enum Seg {
    /// Nothing: no bytes, no FIN, SYN or RST.
    Bare,
    /// Bytes (the first few of them), and the sequence number of the first.
    Data(Vec<u8>, u32),
    /// A FIN without bytes, and its sequence number.
    Fin(u32),
    /// A SYN or RST.
    Other,
}

/// Reads segments, keeping its buffer.
#[derive(Default)]
struct Reader {
    buf: Vec<u8>,
}

impl Reader {
    /// A segment's flags, sequence number, and whether it has no bytes.
    fn tcp(
        &mut self,
        capture: &Capture,
        i: usize,
        src: &mut dyn PacketSource,
    ) -> Option<(u8, u32, bool)> {
        let (_, t) = self.read(capture, i, src)?;
        Some((t.flags, t.seq, t.payload_len == 0))
    }

    /// Packet `i` read into the buffer and dissected, when it is a TCP segment.
    fn read(
        &mut self,
        capture: &Capture,
        i: usize,
        src: &mut dyn PacketSource,
    ) -> Option<(wire::Summary, wire::Tcp)> {
        let row = capture.packets.at(i);
        if !src.read(i, &row, &mut self.buf) {
            return None;
        }
        let s = wire::dissect(capture.linktype_of(&row), &self.buf);
        let Transport::Tcp(t) = s.transport else {
            return None;
        };
        Some((s, t))
    }

    fn segment(&mut self, capture: &Capture, i: usize, src: &mut dyn PacketSource) -> Option<Seg> {
        let (s, t) = self.read(capture, i, src)?;
        let payload = payload_of(&s, &self.buf, &[]).unwrap_or(&[]);
        if payload.len() != t.payload_len as usize {
            // Bytes the reassembly would not have (a fragment, a cut segment).
            return None;
        }
        Some(if t.flags & (tcp_flags::SYN | tcp_flags::RST) != 0 {
            Seg::Other
        } else if !payload.is_empty() {
            // Enough to tell a PDU's start; the length of one is not needed.
            Seg::Data(payload[..payload.len().min(4096)].to_vec(), t.seq)
        } else if t.flags & tcp_flags::FIN != 0 {
            Seg::Fin(t.seq)
        } else {
            Seg::Bare
        })
    }
}

/// The packets of a set only, as the page's worker has read them.
#[cfg(test)]
struct Only<'a> {
    inner: &'a mut dyn PacketSource,
    allowed: Vec<usize>,
}

#[cfg(test)]
impl PacketSource for Only<'_> {
    fn read(
        &mut self,
        index: usize,
        row: &crate::capture::packet::PacketRow,
        buf: &mut Vec<u8>,
    ) -> bool {
        self.allowed.binary_search(&index).is_ok() && self.inner.read(index, row, buf)
    }
}

/// Application state for packet `i` asked alone, as the page asks it: where to start
/// first, found from only the packets `resume_reads` names.
#[cfg(test)]
fn alone(c: &Capture, i: usize, src: &mut dyn PacketSource) -> super::Apps {
    let mut apps = super::Apps::new();
    let allowed = apps.resume_reads(c, i);
    apps.resume(
        c,
        i,
        &mut Only {
            inner: src,
            allowed,
        },
    );
    apps
}

#[cfg(test)]
mod test {
    //! Every packet of the real-server captures, asked for in other orders (backward,
    //! shuffled, and each alone after [`Apps::resume`] as the page asks), has the detail
    //! it has when the packets are asked for in order.
    use crate::capture::Capture;
    use crate::ingest::app::testkit;
    use crate::query::detail::{detail, pdml, text, Apps, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};
    use std::path::PathBuf;

    fn shown(c: &Capture, src: &mut MemorySource<'_>, apps: &mut Apps, i: usize) -> String {
        let mut ctx = FieldCtx::new(c);
        let d = detail(&mut ctx, i, src, apps, FrameInfo::default());
        let mut s = String::new();
        pdml::packet(&mut s, &d);
        text::tree(&mut s, &d);
        text::hex_dump(&mut s, &d);
        s
    }

    #[test]
    fn every_packet_in_any_order_has_its_in_order_detail() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/servers");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("tests/data/servers is in the repository")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
            .collect();
        names.sort();
        assert!(names.len() >= 10);
        let mut resumed = Vec::new();
        for name in &names {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let stem = name.rsplit_once('.').unwrap().0;
            let c = if dir.join(format!("{stem}.keylog")).exists() {
                testkit::capture_with_keys(name)
            } else {
                crate::ingest::ingest_bytes(name, &bytes)
            };
            let n = c.packets.len();
            let mut src = MemorySource {
                files: vec![&bytes[..]],
            };
            let mut apps = Apps::new();
            let forward: Vec<String> = (0..n).map(|i| shown(&c, &mut src, &mut apps, i)).collect();
            // Backward, then a shuffle (a small LCG's), with one state each.
            let mut shuffled: Vec<usize> = (0..n).collect();
            let mut x = 0x2545_f491_4f6c_dd1du64;
            for i in (1..n).rev() {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                shuffled.swap(i, (x >> 33) as usize % (i + 1));
            }
            let mut count = [0; 2];
            for order in [(0..n).rev().collect::<Vec<_>>(), shuffled] {
                let mut apps = Apps::new();
                for i in order {
                    let got = shown(&c, &mut src, &mut apps, i);
                    assert_eq!(got, forward[i], "{name}: packet {}", i + 1);
                }
                count[0] += apps.resumed();
            }
            // Each packet alone, as the page asks for it: where to start first, from the
            // packets it names.
            for (i, want) in forward.iter().enumerate() {
                let mut apps = super::alone(&c, i, &mut src);
                let got = shown(&c, &mut src, &mut apps, i);
                assert_eq!(&got, want, "{name}: packet {} alone", i + 1);
                count[1] += apps.resumed();
            }
            resumed.push((name.as_str(), count));
        }
        eprintln!("{resumed:?}");
        // The later starts were taken where they are safe (not only the full replays),
        // also from only the packets `resume_reads` names.
        for name in ["http.pcap", "memcached.pcap", "redis.pcap", "pgsql.pcap"] {
            assert!(
                resumed
                    .iter()
                    .any(|&(n, k)| n == name && k[0] > 0 && k[1] > 0),
                "{name}: {resumed:?}"
            );
        }
    }
}

#[cfg(test)]
mod made {
    //! Conversations made to trip a later start: a message that starts inside a segment,
    //! a retransmission and segments out of order before the start, bytes no message
    //! claims, a response to HEAD. Each packet in any order has its in-order detail.
    use crate::query::detail::{detail, pdml, text, Apps, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};

    const ACK: u8 = 0x10;
    const PSH: u8 = 0x08;
    const SYN: u8 = 0x02;
    const FIN: u8 = 0x01;

    /// A pcap of segments between 10.0.0.1:40000 (the client) and 10.0.0.2:`port`:
    /// (from the client, flags, sequence number, payload), acknowledged as they come.
    fn pcap(port: u16, segs: &[(bool, u8, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
            if v == 0x0004_0002 {
                out.extend_from_slice(&2u16.to_le_bytes());
                out.extend_from_slice(&4u16.to_le_bytes());
            } else {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        // The next byte each side expects of the other (acknowledged).
        let mut next = [0u32; 2];
        for (k, &(up, flags, seq, data)) in segs.iter().enumerate() {
            let me = usize::from(!up);
            let syn_fin = u32::from(flags & (SYN | FIN) != 0);
            next[me] = next[me].max(seq.wrapping_add(data.len() as u32 + syn_fin));
            let (src, dst, sp, dp) = if up {
                ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, port)
            } else {
                ([10, 0, 0, 2], [10, 0, 0, 1], port, 40000u16)
            };
            let mut f = vec![0u8; 12];
            f[5] = if up { 1 } else { 2 };
            f[11] = if up { 2 } else { 1 };
            f.extend_from_slice(&[0x08, 0x00]);
            let total = (40 + data.len()) as u16;
            let mut ip = vec![0x45, 0];
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
            ip.extend_from_slice(&src);
            ip.extend_from_slice(&dst);
            let mut sum = 0u32;
            for c in ip.chunks(2) {
                sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
            }
            while sum > 0xffff {
                sum = (sum & 0xffff) + (sum >> 16);
            }
            ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
            f.extend_from_slice(&ip);
            f.extend_from_slice(&sp.to_be_bytes());
            f.extend_from_slice(&dp.to_be_bytes());
            f.extend_from_slice(&seq.to_be_bytes());
            let ack = if flags & ACK != 0 { next[1 - me] } else { 0 };
            f.extend_from_slice(&ack.to_be_bytes());
            f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
            f.extend_from_slice(data);
            let ts = 1_700_000_000u32;
            out.extend_from_slice(&ts.to_le_bytes());
            out.extend_from_slice(&(k as u32 * 1000).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&f);
        }
        out
    }

    /// Segments of a conversation: the handshake, then each (from the client, bytes)
    /// as one segment in order, then the FINs.
    fn conversation(parts: &[(bool, &[u8])]) -> Vec<(bool, u8, u32, Vec<u8>)> {
        let (mut c, mut s) = (1000u32, 5000u32);
        let mut v = vec![
            (true, SYN, c, Vec::new()),
            (false, SYN | ACK, s, Vec::new()),
            (true, ACK, c + 1, Vec::new()),
        ];
        c += 1;
        s += 1;
        for &(up, b) in parts {
            let seq = if up { &mut c } else { &mut s };
            v.push((up, ACK | PSH, *seq, b.to_vec()));
            *seq += b.len() as u32;
        }
        v.push((true, ACK | FIN, c, Vec::new()));
        v.push((false, ACK | FIN, s, Vec::new()));
        v.push((true, ACK, c + 1, Vec::new()));
        v
    }

    /// Checks every packet of the capture in other orders against the in-order detail;
    /// returns how many later starts were taken.
    fn check(what: &str, bytes: &[u8]) -> usize {
        let c = crate::ingest::ingest_bytes("made.pcap", bytes);
        let n = c.packets.len();
        let mut src = MemorySource { files: vec![bytes] };
        let show = |apps: &mut Apps, src: &mut MemorySource<'_>, i: usize| {
            let mut ctx = FieldCtx::new(&c);
            let d = detail(&mut ctx, i, src, apps, FrameInfo::default());
            let mut s = String::new();
            pdml::packet(&mut s, &d);
            text::tree(&mut s, &d);
            text::hex_dump(&mut s, &d);
            s
        };
        let mut apps = Apps::new();
        let forward: Vec<String> = (0..n).map(|i| show(&mut apps, &mut src, i)).collect();
        let mut taken = 0;
        let mut apps = Apps::new();
        for i in (0..n).rev() {
            assert_eq!(
                show(&mut apps, &mut src, i),
                forward[i],
                "{what}: {}",
                i + 1
            );
        }
        taken += apps.resumed();
        // Each alone, as the page asks: where to start first, from the packets it names.
        for (i, want) in forward.iter().enumerate() {
            let mut apps = super::alone(&c, i, &mut src);
            assert_eq!(
                &show(&mut apps, &mut src, i),
                want,
                "{what}: {} alone",
                i + 1
            );
            taken += apps.resumed();
        }
        taken
    }

    fn run(what: &str, port: u16, segs: &[(bool, u8, u32, Vec<u8>)]) -> usize {
        let segs: Vec<_> = segs
            .iter()
            .map(|(u, f, s, b)| (*u, *f, *s, &b[..]))
            .collect();
        check(what, &pcap(port, &segs))
    }

    const REQ: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

    #[test]
    fn plain_keep_alive_starts_later() {
        let mut parts: Vec<(bool, &[u8])> = Vec::new();
        for _ in 0..6 {
            parts.push((true, REQ));
            parts.push((false, RESP));
        }
        assert!(run("keep-alive", 80, &conversation(&parts)) > 0);
    }

    #[test]
    fn a_response_starting_inside_a_segment() {
        // Pipelined: the third response begins in the segment that ends the second.
        let both = [&RESP[20..], &RESP[..20]].concat();
        let mut parts: Vec<(bool, &[u8])> = vec![(true, REQ), (false, RESP)];
        parts.extend([
            (true, REQ),
            (true, REQ),
            (false, &RESP[..20]),
            (false, &both[..]),
        ]);
        parts.extend([(false, &RESP[20..]), (true, REQ), (false, RESP)]);
        run("pipelined", 80, &conversation(&parts));
    }

    #[test]
    fn bytes_no_message_claims() {
        let mut parts: Vec<(bool, &[u8])> = vec![(true, REQ), (false, RESP)];
        parts.extend([
            (true, REQ),
            (false, RESP),
            (false, b"HTTP/1.1 200 OK\r\nContent-Le"),
        ]);
        parts.extend([(true, REQ), (false, RESP), (true, REQ), (false, RESP)]);
        run("unclaimed", 80, &conversation(&parts));
    }

    #[test]
    fn a_response_to_head() {
        let head = b"HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n";
        let hresp = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n";
        let mut parts: Vec<(bool, &[u8])> = vec![(true, REQ), (false, RESP)];
        parts.extend([(true, &head[..]), (false, &hresp[..])]);
        for _ in 0..3 {
            parts.extend([(true, REQ), (false, RESP)]);
        }
        run("head", 80, &conversation(&parts));
    }

    #[test]
    fn retransmitted_and_reordered_segments_before_the_start() {
        let mut parts: Vec<(bool, &[u8])> = Vec::new();
        for _ in 0..4 {
            parts.extend([(true, REQ), (false, &RESP[..30]), (false, &RESP[30..])]);
        }
        let mut segs = conversation(&parts);
        // The second response's segments swapped; the third request sent again while
        // its response comes.
        segs.swap(7, 8);
        let again = segs[9].clone();
        segs.insert(11, again);
        run("retransmitted", 80, &segs);
    }

    #[test]
    fn bytes_after_a_message_in_its_last_segment() {
        // Lines no command answers, after a reply in its segment and alone.
        let get: &[u8] = b"get k\r\n";
        let val: &[u8] = b"VALUE k 0 2\r\nab\r\nEND\r\n";
        let junk = [val, b"\r\nEN"].concat();
        let mut parts: Vec<(bool, &[u8])> = vec![(true, get), (false, val)];
        parts.extend([(true, get), (false, &junk[..]), (true, get), (false, val)]);
        parts.extend([
            (true, get),
            (false, val),
            (false, b"D\r\n"),
            (true, get),
            (false, val),
        ]);
        run("memcached junk", 11211, &conversation(&parts));
    }

    #[test]
    fn memcached_values_over_many_segments() {
        let get: &[u8] = b"get k\r\n";
        let val = [
            b"VALUE k 0 3000\r\n".as_slice(),
            &[b'v'; 3000],
            b"\r\nEND\r\n",
        ]
        .concat();
        let mut parts: Vec<(bool, &[u8])> = Vec::new();
        for _ in 0..4 {
            parts.push((true, get));
            for c in val.chunks(1000) {
                parts.push((false, c));
            }
        }
        // Two gets in one segment, their answers split across segments unevenly.
        let two = [val.as_slice(), &val].concat();
        parts.push((true, b"get k\r\nget k\r\n"));
        for c in two.chunks(1700) {
            parts.push((false, c));
        }
        parts.extend([(true, get), (false, &val[..])]);
        assert!(run("memcached", 11211, &conversation(&parts)) > 0);
    }
}
