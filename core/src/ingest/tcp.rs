//! TCP analysis: Wireshark's `tcp.analysis.*` per segment, and per conversation the
//! handshake RTT, how often each analysis flag fired and how the connection ended.
//!
//! The per-segment rules are those of Wireshark 4.0's packet-tcp.c
//! (`tcp_analyze_sequence_number`, the port-reuse checks and the window-scale and
//! initial-RTT bookkeeping of `dissect_tcp`), so that a frame is flagged here exactly
//! when `tshark` flags it. Some of those rules are heuristics with odd corners (a
//! `guint32` duplicate-ACK counter set to -1, a sequence number 0 meaning "none yet",
//! timestamps of 0 meaning "unset"); they are kept, and each is commented where it
//! matters, because matching tshark on real captures is the point.
//!
//! Memory: a few dozen bytes per direction of each conversation, plus the sequence
//! numbers of segments not yet acknowledged (at most [`MAX_UNACKED`] per direction, as
//! in Wireshark; it only decides whether a SYN or FIN still counts one sequence number
//! once that many are outstanding). No per-segment history is kept.

use crate::capture::flow::Direction;
use crate::capture::tcp::{
    bits, completeness, Handshake, Side, TcpControl, TcpConversation, TcpEnd, TcpFlags,
};
use crate::ingest::wire::{tcp_flags, tcp_flags as th, Tcp};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

/// Unacknowledged segments remembered per direction (packet-tcp.h
/// `TCP_MAX_UNACKED_SEGMENTS`). Past it, new segments are not remembered and, as in
/// Wireshark, a SYN or FIN then no longer advances the next expected sequence number.
pub const MAX_UNACKED: usize = 10_000;

/// `win_scale` values that are not shift counts.
const WS_UNKNOWN: i8 = -1;
const WS_NONE: i8 = -2;

/// A duplicate-ACK counter of -1 in Wireshark's `guint32` (set after an ACK of unseen
/// data, so the next one is not reported again); being unsigned, it also passes the
/// "at least two duplicate ACKs" test of a fast retransmission.
const DUPACK_NEUTRAL: u32 = u32::MAX;

/// Wrapping sequence-number comparisons (packet-tcp.h `GT_SEQ` …).
fn gt_seq(x: u32, y: u32) -> bool {
    (y.wrapping_sub(x) as i32) < 0
}
fn lt_seq(x: u32, y: u32) -> bool {
    (x.wrapping_sub(y) as i32) < 0
}
fn le_seq(x: u32, y: u32) -> bool {
    (x.wrapping_sub(y) as i32) <= 0
}

/// One direction of a conversation (`tcp_flow_t` and its `tcp_analyze_seq_flow_info_t`).
/// A segment not yet acknowledged.
#[derive(Clone, Copy, Debug)]
struct Unacked {
    /// First sequence number not acknowledged yet.
    seq: u32,
    /// Sequence number after it (a SYN or FIN counts one).
    nextseq: u32,
    ts_ns: i64,
    frame: u64,
}

/// What the analysis of one segment shows besides its flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqAck {
    /// `tcp.analysis.acks_frame` and `ack_rtt` (ns): the segment it acknowledges exactly.
    pub acked: Option<(u64, i64)>,
    /// `tcp.analysis.bytes_in_flight`.
    pub bytes_in_flight: Option<u32>,
    /// `tcp.analysis.push_bytes_sent`: the payload this way sent since its last segment
    /// with PSH, this one's included (counted, as packet-tcp.c counts it, over the
    /// segments whose bytes in flight it works out, shown or not).
    pub push_bytes: Option<u32>,
    /// Wireshark shows the SEQ/ACK analysis tree (and `tcp.analysis.initial_rtt`).
    pub shown: bool,
}

#[derive(Clone, Debug)]
struct Flow {
    base_seq: u32,
    base_set: bool,
    /// Highest next sequence number seen; 0 means none yet (as in Wireshark).
    nextseq: u32,
    nextseq_ns: i64,
    /// The frame that set `nextseq` (`nextseqframe`): a retransmission's RTO is
    /// measured from it.
    nextseq_frame: u64,
    /// Highest sequence number reached without a hole; 0 means none yet.
    maxseqtobeacked: u32,
    lastack: u32,
    lastack_ns: i64,
    /// Frame number of the last ACK that was not a duplicate.
    lastnondupack: u64,
    dupacknum: u32,
    /// Last raw (unscaled) window; `u32::MAX` before the first segment.
    window: u32,
    win_scale: i8,
    /// From a SYN until this side's first ACK without SYN: its window is not scaled yet
    /// when judging whether the other side filled it (Wireshark issue 14690).
    is_first_ack: bool,
    /// The `TCP_A_*` bits of this direction's last segment.
    lastsegmentflags: u32,
    /// Segments not yet acknowledged, oldest first.
    unacked: Vec<Unacked>,
    /// Bytes in flight can be told (cleared by a lost segment until the peer ACKs).
    valid_bif: bool,
    /// The SACK blocks of this way's last segment (packet-tcp.c stores at most three):
    /// the other way's bytes in flight leave them out.
    sack: [(u32, u32); 3],
    sack_n: u8,
    /// `push_bytes_sent` and `push_set_last` of packet-tcp.c: payload since the last
    /// PSH, and whether the last segment counted had PSH.
    push_bytes: u32,
    push_set_last: bool,
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            base_seq: 0,
            base_set: false,
            nextseq: 0,
            nextseq_ns: 0,
            nextseq_frame: 0,
            maxseqtobeacked: 0,
            lastack: 0,
            lastack_ns: 0,
            lastnondupack: 0,
            dupacknum: 0,
            window: u32::MAX,
            win_scale: WS_UNKNOWN,
            is_first_ack: false,
            lastsegmentflags: 0,
            unacked: Vec::new(),
            valid_bif: true,
            sack: [(0, 0); 3],
            sack_n: 0,
            push_bytes: 0,
            push_set_last: false,
        }
    }
}

/// Wireshark's `struct tcp_analysis` for one conversation.
#[derive(Clone, Debug, Default)]
struct Conv {
    flows: [Flow; 2],
    /// Time of the most recent SYN; 0 means none (nstime_is_zero).
    mru_syn_ns: i64,
    /// Initial RTT; 0 means not measured.
    first_rtt_ns: i64,
    syn_ack_seen: bool,
    /// Each way's base sequence number when an ACK of the other way set it after that
    /// way's first packet (a SYN): see [`TcpAnalysis::acked_bases`].
    acked_base: [Option<u32>; 2],
    /// AccECN (RFC 9768 §3.2.2) as packet-tcp.c follows it: the SYN asked for it, the
    /// SYN-ACK agreed to it.
    accecn_syn: bool,
    accecn_syn_ack: bool,
    /// The frame after which the segments' AE, CWR and ECE bits are the ACE counter:
    /// once the handshake agreed to AccECN, or an AccECN option was seen (0: not yet;
    /// frames count from 1).
    ace_after: u64,
    /// `tcp.completeness` so far (`TCP_COMPLETENESS_*` bits), and whether a segment was
    /// seen since the conversation began (its first segment counts only a SYN).
    completeness: u8,
    begun: bool,
    result: TcpConversation,
}

impl Conv {
    /// A conversation starting over: what Wireshark does when a SYN reuses the ports.
    fn restart(&mut self) {
        let mut result = std::mem::take(&mut self.result);
        // A new conversation in Wireshark, whose completeness and closing initiator
        // start from nothing.
        result.completeness = Default::default();
        result.closing = Default::default();
        let acked_base = self.acked_base;
        *self = Conv {
            result,
            acked_base,
            ..Conv::default()
        };
    }
}

/// One TCP segment as the analysis needs it.
#[derive(Clone, Copy, Debug)]
pub struct Segment<'a> {
    /// Frame number (1-based, in timeline order).
    pub frame: u64,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The TCP header.
    pub tcp: &'a Tcp,
}

/// The analysis state of every TCP conversation.
#[derive(Default)]
pub struct TcpAnalysis {
    convs: Vec<Option<Box<Conv>>>,
    /// Hashes of the address/port pairs seen, to tell a new connection from a reuse of
    /// the ports (the flow table starts a new conversation for either).
    tuples: HashSet<u64>,
    /// What the analysis of the last segment shows besides its flags.
    last: SeqAck,
}

fn tuple_hash(src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> u64 {
    let (a, b) = ((src, sport), (dst, dport));
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    // A fixed-key SipHash: deterministic, so every run flags the same frames.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    (lo, hi).hash(&mut h);
    h.finish()
}

impl TcpAnalysis {
    /// What the analysis of the last segment [`TcpAnalysis::segment`] took shows
    /// besides its flags.
    pub fn seq_ack(&self) -> SeqAck {
        self.last
    }

    /// Analyses the next segment of conversation `conv` (its flow id), in timeline order.
    pub fn segment(&mut self, conv: u32, dir: Direction, seg: &Segment<'_>) -> TcpFlags {
        self.last = SeqAck::default();
        let i = conv as usize;
        if self.convs.len() <= i {
            self.convs.resize_with(i + 1, || None);
        }
        let t = seg.tcp;
        let mut ta = 0u32;
        let c = match &mut self.convs[i] {
            Some(c) => c,
            slot @ None => {
                // The flow table starts a new conversation on known ports only for a
                // SYN whose sequence number differs from the one that direction began
                // with: Wireshark's port reuse.
                if !self
                    .tuples
                    .insert(tuple_hash(seg.src, seg.dst, t.src_port, t.dst_port))
                {
                    ta |= bits::REUSED_PORTS;
                }
                slot.insert(Box::default())
            }
        };
        let d = dir as usize;
        let pure = t.flags & (th::SYN | th::ACK);
        if pure == th::SYN && c.flows[d].base_set {
            if t.seq != c.flows[d].base_seq {
                // Wireshark would start a new conversation here; the flow table (whose
                // notion of the base sequence number does not include the one taken
                // from the other side's ACK) did not, so start over in place.
                c.restart();
                ta |= bits::REUSED_PORTS;
            } else {
                // A retransmitted SYN: restore the next expected sequence number (a
                // RST may carry any acceptable sequence number, RFC 793 §3.4;
                // Wireshark issue 17616). 4.0 flags nothing here.
                c.flows[d].nextseq = c.flows[d].maxseqtobeacked;
            }
        }
        if pure == (th::SYN | th::ACK) && c.flows[d].base_set && t.seq != c.flows[d].base_seq {
            // A SYN-ACK with a new initial sequence number (Wireshark issue 16944).
            c.flows[d].base_seq = t.seq;
            ta |= bits::REUSED_PORTS;
        }

        c.accecn(seg);
        c.completeness(seg);
        let (ta, dup, seq_ack) = c.analyze(d, seg, ta);
        self.last = seq_ack;
        if let Some((_, rtt)) = seq_ack.acked.filter(|&(_, rtt)| rtt != 0) {
            // This segment acknowledges data the other side sent (Wireshark shows no
            // RTT of 0).
            c.result.ack_rtt[1 - d].add(rtt);
        }
        c.after(d, seg);

        // Wireshark prints the duplicate-ACK items only with a nonzero count (always the
        // case when the flag is set).
        let flags = if ta & bits::DUPLICATE_ACK != 0 && dup.0 != 0 {
            TcpFlags(ta, dup.0, dup.1)
        } else if ta & bits::RETRANSMISSION != 0 {
            // Never a duplicate ACK too (that carries no data, no SYN and no FIN).
            TcpFlags(ta & !bits::DUPLICATE_ACK, 0, dup.1)
        } else {
            TcpFlags(ta & !bits::DUPLICATE_ACK, 0, 0)
        };
        for k in flags.kinds() {
            c.result.counts.0[k as usize] = c.result.counts.0[k as usize].saturating_add(1);
        }
        flags
    }

    /// The conversations whose way's base sequence number an ACK of the other way set
    /// after that other way's first packet, before this way sent any (only one side
    /// captured after a SYN, or the SYN-ACK lost): [conversation, way (0: A to B),
    /// base], by conversation. packet-tcp.c counts that way's relative sequence and
    /// acknowledgement numbers from there; the first packet each way does not tell it.
    pub fn acked_bases(&self) -> Vec<[u32; 3]> {
        let mut out = Vec::new();
        for (flow, c) in self.convs.iter().enumerate() {
            let (Some(c), Ok(flow)) = (c, u32::try_from(flow)) else {
                continue;
            };
            for (way, base) in c.acked_base.iter().enumerate() {
                if let Some(base) = base {
                    out.push([flow, way as u32, *base]);
                }
            }
        }
        out
    }

    /// The conversations that use AccECN's ACE counter: (conversation, the frame after
    /// which its segments other than SYNs carry it), by conversation.
    pub fn ace(&self) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        for (flow, c) in self.convs.iter().enumerate() {
            if let (Some(c), Ok(flow)) = (c, u32::try_from(flow)) {
                if c.ace_after != 0 {
                    out.push((flow, c.ace_after));
                }
            }
        }
        out
    }

    /// The per-conversation results, indexed by flow id (entries of UDP flows are empty).
    pub fn finish(self) -> Vec<TcpConversation> {
        self.convs
            .into_iter()
            .map(|c| match c {
                None => TcpConversation::default(),
                Some(c) => {
                    let mut r = c.result;
                    r.initial_rtt_ns = (c.first_rtt_ns != 0).then_some(c.first_rtt_ns);
                    if r.initial_rtt_ns.is_none() {
                        r.initial_rtt_frame = None;
                    }
                    r.handshake = match (
                        r.syn_by.is_some(),
                        c.syn_ack_seen,
                        r.initial_rtt_ns.is_some(),
                    ) {
                        (true, true, true) => Handshake::Complete,
                        (false, false, _) => Handshake::MidStream,
                        _ => Handshake::Partial,
                    };
                    for (k, f) in c.flows.iter().enumerate() {
                        r.window_scale[k] = match f.win_scale {
                            WS_UNKNOWN => None,
                            WS_NONE => Some(0),
                            s => Some(s as u8),
                        };
                    }
                    r
                }
            })
            .collect()
    }
}

impl Conv {
    /// `tcp.completeness` as packet-tcp.c 4.0 builds it, a bit mask of what the
    /// conversation has shown: its first segment a SYN (with data), later ones a
    /// SYN-ACK, an ACK without data, data, a FIN with ACK, a RST. A segment shows the
    /// mask of the segments before it; what each bit's first segment was is kept.
    fn completeness(&mut self, seg: &Segment<'_>) {
        let t = seg.tcp;
        let pure = t.flags & (th::SYN | th::ACK);
        let mut add = 0u8;
        if !self.begun {
            self.begun = true;
            if pure == th::SYN {
                add |= completeness::SYN;
                if t.payload_len > 0 {
                    add |= completeness::DATA;
                }
            }
        } else {
            if pure == th::SYN | th::ACK {
                add |= completeness::SYN_ACK;
            }
            if pure == th::ACK {
                add |= if t.payload_len > 0 {
                    completeness::DATA
                } else {
                    completeness::ACK
                };
            }
            if t.flags & (th::FIN | th::ACK) == th::FIN | th::ACK {
                add |= completeness::FIN;
            }
            if t.flags & th::RST != 0 {
                add |= completeness::RST;
            }
        }
        let new = add & !self.completeness;
        self.completeness |= add;
        for (k, at) in self.result.completeness.iter_mut().enumerate() {
            if new & (1 << k) != 0 {
                *at = seg.frame;
            }
        }
    }

    /// Follows AccECN's negotiation (RFC 9768 §3.1.1) as packet-tcp.c does: a SYN with
    /// AE, CWR and ECE set asks for it, a SYN-ACK answering it with an ACE of 2, 3, 4 or
    /// 6 agrees, and an AccECN option anywhere says it is in use. From the segment after
    /// that, tshark shows those bits as the ACE counter.
    fn accecn(&mut self, seg: &Segment<'_>) {
        if self.ace_after != 0 {
            return;
        }
        let t = seg.tcp;
        match t.flags & (th::SYN | th::ACK) {
            th::SYN if t.ace() == 7 => self.accecn_syn = true,
            f if f == th::SYN | th::ACK && self.accecn_syn => {
                self.accecn_syn_ack |= matches!(t.ace(), 2 | 3 | 4 | 6)
            }
            _ => {}
        }
        if (self.accecn_syn && self.accecn_syn_ack) || t.options.accecn {
            self.ace_after = seg.frame;
        }
    }

    /// packet-tcp.c `tcp_analyze_sequence_number` for a segment going in direction `d`;
    /// `ta` holds the bits already set (port reuse). Returns the bits, for a duplicate
    /// ACK its number and the frame it repeats (for a retransmission 0 and the frame its
    /// RTO runs from), and the ACK RTT if it has one.
    fn analyze(&mut self, d: usize, seg: &Segment<'_>, mut ta: u32) -> (u32, (u32, u64), SeqAck) {
        let t = seg.tcp;
        let (seq, ack, seglen, flags) = (t.seq, t.ack, t.payload_len, t.flags);
        let window = t.window as u32;
        let now = seg.ts_ns;
        let sfr = flags & (th::SYN | th::FIN | th::RST) != 0;
        let mut dup = (0u32, 0u64);
        let ooo_threshold = self.ooo_threshold();
        let [a, b] = &mut self.flows;
        let (fwd, rev) = if d == 0 { (a, b) } else { (b, a) };

        // The base sequence numbers: the SYN's, else one before the first segment's;
        // the other side's from the first ACK (its ISN is ack - 1).
        if !rev.base_set && flags & th::ACK != 0 && fwd.base_set {
            // Not this way's first packet: a query that reads the first packet each way
            // would not find this ACK.
            self.acked_base[1 - d].get_or_insert(ack.wrapping_sub(1));
        }
        if !fwd.base_set {
            fwd.base_seq = if flags & th::SYN != 0 {
                seq
            } else {
                seq.wrapping_sub(1)
            };
            fwd.base_set = true;
        }
        if !rev.base_set && flags & th::ACK != 0 {
            rev.base_seq = ack.wrapping_sub(1);
            rev.base_set = true;
        }
        if flags & th::ACK != 0 {
            rev.valid_bif = true;
        }

        'fwd: {
            // Zero window probe: one byte at the next expected sequence number into a
            // closed window (RFC 9293 §3.8.6.1).
            if seglen == 1 && seq == fwd.nextseq && rev.window == 0 {
                ta |= bits::ZERO_WINDOW_PROBE;
                break 'fwd;
            }
            if window == 0 && !sfr {
                ta |= bits::ZERO_WINDOW;
            }
            // Lost segment: starts past the highest sequence number seen.
            if fwd.nextseq != 0 && gt_seq(seq, fwd.nextseq) && flags & th::RST == 0 {
                ta |= bits::LOST_PACKET;
                fwd.valid_bif = false;
            }
            // Keep-alive: zero or one byte, one before the next expected sequence
            // number (RFC 1122 §4.2.3.6).
            if seglen <= 1 && seq == fwd.nextseq.wrapping_sub(1) && !sfr {
                ta |= bits::KEEP_ALIVE;
            }
            let same = seq == fwd.nextseq && ack == fwd.lastack && !sfr && seglen == 0;
            if same && window != 0 && window != fwd.window {
                ta |= bits::WINDOW_UPDATE;
            }
            // Window full: the data reaches the right edge of the receiver's window,
            // once its scale is known (its first window after a SYN is unscaled).
            if seglen > 0 && rev.win_scale != WS_UNKNOWN && !sfr {
                let shift = if rev.is_first_ack || rev.win_scale == WS_NONE {
                    0
                } else {
                    rev.win_scale as u32
                };
                if seq.wrapping_add(seglen) == rev.lastack.wrapping_add(rev.window << shift) {
                    ta |= bits::WINDOW_FULL;
                }
            }
            if same
                && window != 0
                && window == fwd.window
                && rev.lastsegmentflags & bits::KEEP_ALIVE != 0
            {
                ta |= bits::KEEP_ALIVE_ACK;
                break 'fwd;
            }
            if same
                && window == 0
                && window == fwd.window
                && rev.lastsegmentflags & bits::ZERO_WINDOW_PROBE != 0
            {
                ta |= bits::ZERO_WINDOW_PROBE_ACK;
                break 'fwd;
            }
            // Duplicate ACK: nothing new but the repeated acknowledgement (RFC 5681 §2).
            if same && window != 0 && window == fwd.window {
                fwd.dupacknum = if fwd.dupacknum == DUPACK_NEUTRAL {
                    1
                } else {
                    fwd.dupacknum.wrapping_add(1)
                };
                ta |= bits::DUPLICATE_ACK;
                dup = (fwd.dupacknum, fwd.lastnondupack);
            }
        }
        if ack != fwd.lastack {
            fwd.lastnondupack = seg.frame;
            fwd.dupacknum = 0;
        }

        // ACKed unseen segment: acknowledges past what the other side was seen to send
        // without a hole. Flagged once per hole: the hole is then taken as seen; with no
        // hole (pure ACKs stalled), once until that side sends a duplicate ACK.
        if rev.maxseqtobeacked != 0 && gt_seq(ack, rev.maxseqtobeacked) && flags & th::ACK != 0 {
            if lt_seq(rev.maxseqtobeacked, rev.nextseq) {
                rev.maxseqtobeacked = rev.nextseq;
                ta |= bits::ACK_LOST_PACKET;
            } else {
                if rev.dupacknum == 0 {
                    ta |= bits::ACK_LOST_PACKET;
                }
                rev.dupacknum = DUPACK_NEUTRAL;
            }
        }

        // Retransmission, fast retransmission, spurious retransmission or out of
        // order: a segment that occupies sequence space without advancing it.
        if (seglen > 0 || flags & (th::SYN | th::FIN) != 0) && ta & bits::KEEP_ALIVE == 0 {
            let mut not_advanced = fwd.nextseq != 0 && lt_seq(seq, fwd.nextseq);
            // One byte before the next expected one and more than one byte long: new
            // data after a zero window probe.
            if seglen > 1 && fwd.nextseq.wrapping_sub(1) == seq {
                not_advanced = false;
            }
            let syn_fin = u32::from(flags & (th::SYN | th::FIN) != 0);
            if seglen > 0 && rev.lastack != 0 && le_seq(seq.wrapping_add(seglen), rev.lastack) {
                // Everything in it was acknowledged already.
                ta |= bits::SPURIOUS_RETRANSMISSION;
            } else if not_advanced
                && rev.dupacknum >= 2
                && rev.lastack == seq
                && (now.wrapping_sub(rev.lastack_ns) as u64) < 20_000_000
            {
                // Within 20 ms of the second duplicate ACK asking for it (RFC 5681 §3.2);
                // Wireshark's default lets this win over out-of-order.
                ta |= bits::FAST_RETRANSMISSION;
            } else if not_advanced
                && (now.wrapping_sub(fwd.nextseq_ns) as u64) < ooo_threshold
                && fwd.nextseq != seq.wrapping_add(seglen).wrapping_add(syn_fin)
            {
                // Sooner after the highest segment than the initial RTT (3 ms if not
                // measured): it was sent before, and overtaken.
                ta |= bits::OUT_OF_ORDER;
            } else if not_advanced {
                ta |= bits::RETRANSMISSION;
                // `tcp.analysis.rto_frame`: the RTO runs from the oldest segment not
                // yet acknowledged, likely the one sent again; with none, from the one
                // that last advanced the sequence space.
                dup.1 = fwd.unacked.first().map_or(fwd.nextseq_frame, |u| u.frame);
            }
        }

        let mut nextseq = seq.wrapping_add(seglen);
        if (seglen > 0 || flags & (th::SYN | th::FIN) != 0) && fwd.unacked.len() < MAX_UNACKED {
            // SYN and FIN count one sequence number (RFC 9293 §3.4) — in Wireshark
            // only while the segment is remembered.
            if flags & (th::SYN | th::FIN) != 0 {
                nextseq = nextseq.wrapping_add(1);
            }
            fwd.unacked.push(Unacked {
                seq,
                nextseq,
                ts_ns: now,
                frame: seg.frame,
            });
        }
        // A zero window probe does not advance the sequence space.
        if (gt_seq(nextseq, fwd.nextseq) || fwd.nextseq == 0) && ta & bits::ZERO_WINDOW_PROBE == 0 {
            fwd.nextseq = nextseq;
            fwd.nextseq_ns = now;
            fwd.nextseq_frame = seg.frame;
        }
        if (seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0)
            && ta & bits::ZERO_WINDOW_PROBE == 0
        {
            fwd.maxseqtobeacked = fwd.nextseq;
        }
        fwd.window = window;
        fwd.lastack = ack;
        fwd.lastack_ns = now;
        fwd.lastsegmentflags = ta;
        // `tcp.analysis.acks_frame` and `ack_rtt`: the oldest segment this acknowledges
        // exactly, and the time since it was sent.
        let acked = rev
            .unacked
            .iter()
            .find(|u| u.nextseq == ack)
            .map(|u| (u.frame, now.wrapping_sub(u.ts_ns)));
        // Forget what this acknowledges (whatever the ACK bit says, as Wireshark does);
        // a segment acknowledged in part keeps its rest.
        rev.unacked.retain_mut(|u| {
            if gt_seq(ack, u.seq) && gt_seq(u.nextseq, ack) {
                u.seq = ack;
            }
            gt_seq(u.nextseq, ack)
        });
        // Bytes in flight after this segment, from the payloads not yet acknowledged
        // (Wireshark's default method; SACKed bytes are not subtracted).
        let mut shown = ta != 0 || acked.is_some();
        let mut bytes_in_flight = None;
        let mut push_bytes = None;
        if seglen != 0 && fwd.valid_bif && !fwd.unacked.is_empty() {
            shown = true;
            let rel = |x: u32| x.wrapping_sub(fwd.base_seq);
            let first = fwd.unacked.iter().map(|u| rel(u.seq)).min().unwrap_or(0);
            let last = fwd
                .unacked
                .iter()
                .map(|u| rel(u.nextseq))
                .max()
                .unwrap_or(0);
            // Less what the other way's last SACK blocks say arrived (RFC 2018): in
            // 32-bit arithmetic, so a block outside the span (a D-SACK, RFC 2883) can
            // take it below zero, and then none is shown.
            let sacked = rev.sack[..rev.sack_n as usize]
                .iter()
                .fold(0u32, |n, &(le, re)| n.wrapping_add(re.wrapping_sub(le)));
            let n = last.wrapping_sub(first).wrapping_sub(sacked);
            if n > 0 && n < 2_000_000_000 {
                bytes_in_flight = Some(n - u32::from(flags & (th::SYN | th::FIN) != 0));
            }
            // Bytes since the last PSH: a segment after one with PSH starts the count
            // again.
            fwd.push_bytes = if fwd.push_set_last {
                seglen
            } else {
                fwd.push_bytes.wrapping_add(seglen)
            };
            fwd.push_set_last = flags & th::PSH != 0;
            push_bytes = Some(fwd.push_bytes);
        }
        let n = (t.options.sack_count as usize).min(fwd.sack.len());
        fwd.sack[..n].copy_from_slice(&t.options.sack[..n]);
        fwd.sack_n = n as u8;
        let seq_ack = SeqAck {
            acked,
            bytes_in_flight,
            push_bytes,
            shown,
        };
        (ta, dup, seq_ack)
    }

    /// The out-of-order threshold in ns: the initial RTT, or 3 ms before it is known.
    fn ooo_threshold(&self) -> u64 {
        if self.first_rtt_ns == 0 {
            3_000_000
        } else {
            // A negative RTT (time going backwards) becomes huge, as in Wireshark.
            self.first_rtt_ns as u64
        }
    }

    /// What `dissect_tcp` does after the analysis: the SYN time, the initial RTT, the
    /// window scale option and its check, and the end state.
    fn after(&mut self, d: usize, seg: &Segment<'_>) {
        let t = seg.tcp;
        let pure = t.flags & (th::SYN | th::ACK);
        if t.flags & th::SYN != 0 {
            if pure == th::SYN {
                self.mru_syn_ns = seg.ts_ns;
                self.result.syn_by.get_or_insert(Side::from(dir_of(d)));
            } else {
                self.syn_ack_seen = true;
            }
            self.flows[d].is_first_ack = true;
        }
        // The initial RTT: the most recent SYN to the first ACK without SYN, whichever
        // side sends it.
        if pure == th::ACK && self.mru_syn_ns != 0 && self.first_rtt_ns == 0 {
            self.first_rtt_ns = seg.ts_ns.wrapping_sub(self.mru_syn_ns);
            self.result.initial_rtt_frame = Some(seg.frame);
        }
        if pure == th::ACK {
            self.flows[d].is_first_ack = false;
        }
        // Wireshark stores a window scale option from any segment; RFC 7323 §2.3 caps
        // the shift at 14.
        if let Some(ws) = t.options.window_scale {
            self.flows[d].win_scale = ws.min(14) as i8;
        }
        if t.flags & th::SYN != 0 {
            // packet-tcp.c `verify_tcp_window_scaling`: scaling needs the option on
            // both SYN and SYN-ACK (RFC 7323 §2.2).
            let [a, b] = &mut self.flows;
            let (fwd, rev) = if d == 0 { (a, b) } else { (b, a) };
            if fwd.win_scale == WS_UNKNOWN {
                fwd.win_scale = WS_NONE;
                rev.win_scale = WS_NONE;
            } else if pure == (th::SYN | th::ACK) && rev.win_scale == WS_NONE {
                fwd.win_scale = WS_NONE;
            }
        }
        let r = &mut self.result;
        if t.flags & th::FIN != 0 {
            r.fin[d] = true;
            if r.closing == [0, 0] {
                r.closing[d] = seg.frame;
            }
        }
        if t.flags & th::RST != 0 {
            r.rst[d] = true;
        }
        r.end = match r.end {
            TcpEnd::Reset(s) => TcpEnd::Reset(s),
            TcpEnd::Closed => TcpEnd::Closed,
            _ if t.flags & th::RST != 0 => TcpEnd::Reset(Side::from(dir_of(d))),
            _ if r.fin[0] && r.fin[1] => TcpEnd::Closed,
            _ if r.fin[0] => TcpEnd::HalfClosed(Side::A),
            _ if r.fin[1] => TcpEnd::HalfClosed(Side::B),
            e => e,
        };
    }
}

fn dir_of(d: usize) -> Direction {
    if d == 0 {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

/// Notes one TCP segment of conversation `flow` (its flow id).
pub fn note_segment(control: &mut Vec<TcpControl>, flow: u32, dir: Direction, flags: u8) {
    let i = flow as usize;
    if control.len() <= i {
        control.resize(i + 1, TcpControl::default());
    }
    let c = &mut control[i];
    if flags & tcp_flags::SYN != 0 {
        let slot = if flags & tcp_flags::ACK == 0 {
            &mut c.syn
        } else {
            &mut c.syn_ack
        };
        slot.get_or_insert(dir);
    }
}

#[cfg(test)]
mod test {
    //! Hand-built segment sequences. Each is also a capture, written by
    //! tests/scripts/make-tcp-golden.py (tests/golden/tcp/crafted/, same segments, same
    //! times) and read by tshark 4.0.17: the expected flags are what tshark printed,
    //! and the comments say why packet-tcp.c sets them.
    use super::*;
    use crate::capture::tcp::{Kind, RttStats};
    use crate::ingest::wire::TcpOptions;

    /// (ms after [`T0`], from client?, flags, seq, ack, window, payload length, window scale)
    type Seg = (f64, bool, &'static str, u32, u32, u16, u32, Option<u8>);

    /// The crafted captures' time origin (make-tcp-golden.py `CRAFT_T0`), in s.
    const T0: i64 = 1_700_000_000;

    /// TCP's flag bits from their letters (`"SA"`: SYN and ACK).
    pub(super) fn flag_bits(flags: &str) -> u8 {
        flags.chars().fold(0u8, |b, c| {
            b | match c {
                'F' => th::FIN,
                'S' => th::SYN,
                'R' => th::RST,
                'P' => th::PSH,
                'A' => th::ACK,
                _ => panic!("flag {c}"),
            }
        })
    }

    struct Sim {
        tcp: TcpAnalysis,
        frame: u64,
    }

    impl Sim {
        fn new() -> Self {
            Sim {
                tcp: TcpAnalysis::default(),
                frame: 0,
            }
        }

        /// Feeds a segment of conversation `conv`; returns the item names.
        fn seg(&mut self, conv: u32, s: Seg) -> (Vec<&'static str>, TcpFlags) {
            let (ms, client, flags, seq, ack, window, len, ws) = s;
            let bits = flag_bits(flags);
            let (sport, dport) = if client { (40000, 80) } else { (80, 40000) };
            let tcp = Tcp {
                src_port: sport,
                dst_port: dport,
                seq,
                ack,
                flags: bits,
                data_offset: 0x50,
                window,
                payload_len: len,
                options: TcpOptions {
                    window_scale: ws,
                    ..TcpOptions::default()
                },
            };
            self.at(conv, (T0 * 1_000_000_000 + (ms * 1e6) as i64, client), &tcp)
        }

        /// Feeds a TCP header sent at `ts_ns`.
        fn at(
            &mut self,
            conv: u32,
            (ts_ns, client): (i64, bool),
            tcp: &Tcp,
        ) -> (Vec<&'static str>, TcpFlags) {
            let (c, srv): (IpAddr, IpAddr) =
                ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
            let (src, dst) = if client { (c, srv) } else { (srv, c) };
            self.frame += 1;
            let seg = Segment {
                frame: self.frame,
                ts_ns,
                src,
                dst,
                tcp,
            };
            let dir = if client {
                Direction::AToB
            } else {
                Direction::BToA
            };
            let f = self.tcp.segment(conv, dir, &seg);
            (f.kinds().map(Kind::name).collect(), f)
        }

        /// Feeds all segments to conversation 0; returns each frame's item names.
        fn run(segs: &[Seg]) -> (Vec<Vec<&'static str>>, Vec<TcpFlags>, TcpConversation) {
            let mut sim = Sim::new();
            let (names, flags) = segs.iter().map(|s| sim.seg(0, *s)).unzip();
            let conv = sim.tcp.finish().remove(0);
            (names, flags, conv)
        }
    }

    const C: bool = true;
    const S: bool = false;

    /// AccECN as tshark 4.0 follows it (each case checked against tshark on segments
    /// made for it, and tcpdump's accecn_handshake.pcap): a SYN asking for it and a
    /// SYN-ACK agreeing, or an AccECN option, and the segments after it show the ACE
    /// counter.
    #[test]
    fn accecn_is_agreed_by_the_handshake_or_an_option() {
        // (from client?, flags, AE bit, AccECN option) for each segment.
        let run = |segs: &[(bool, u8, bool, bool)]| {
            let mut sim = Sim::new();
            for (n, &(client, flags, ae, accecn)) in segs.iter().enumerate() {
                let tcp = Tcp {
                    src_port: if client { 40000 } else { 80 },
                    dst_port: if client { 80 } else { 40000 },
                    seq: 1,
                    ack: 1,
                    flags,
                    data_offset: 0x50 | u8::from(ae),
                    window: 1000,
                    payload_len: 0,
                    options: TcpOptions {
                        accecn,
                        ..TcpOptions::default()
                    },
                };
                sim.at(0, (T0 + n as i64, client), &tcp);
            }
            sim.tcp.ace()
        };
        let (syn, syn_ack, ack) = (th::SYN, th::SYN | th::ACK, th::ACK);
        let (ece, cwr) = (th::ECE, th::CWR);
        // AE, CWR and ECE on the SYN; the SYN-ACK's ACE of 2 (CWR) agrees: after frame 2.
        let asked = (C, syn | ece | cwr, true, false);
        assert_eq!(
            run(&[
                asked,
                (S, syn_ack | cwr, false, false),
                (C, ack, false, false)
            ]),
            [(0, 2)]
        );
        // 4 (AE) and 6 (AE, CWR) agree too; 5, 7, 1 and 0 do not.
        assert_eq!(run(&[asked, (S, syn_ack, true, false)]), [(0, 2)]);
        assert_eq!(run(&[asked, (S, syn_ack | cwr, true, false)]), [(0, 2)]);
        for (flags, ae) in [(ece, true), (ece | cwr, true), (ece, false), (0, false)] {
            assert_eq!(run(&[asked, (S, syn_ack | flags, ae, false)]), []);
        }
        // Classic ECN's SYN (ECE, CWR) is not asking; nor is a SYN-ACK alone.
        assert_eq!(
            run(&[
                (C, syn | ece | cwr, false, false),
                (S, syn_ack | cwr, false, false)
            ]),
            []
        );
        assert_eq!(
            run(&[(S, syn_ack | cwr, false, false), (C, ack, false, false)]),
            []
        );
        // An AccECN option, either way, from the segment after it.
        let plain = [(C, syn, false, false), (S, syn_ack, false, false)];
        assert_eq!(
            run(&[
                plain[0],
                plain[1],
                (S, ack, false, true),
                (C, ack, false, false)
            ]),
            [(0, 3)]
        );
    }

    #[test]
    fn handshake_retransmissions_out_of_order_and_duplicate_acks() {
        let segs: [Seg; 16] = [
            (0.0, C, "S", 1000, 0, 64240, 0, Some(7)),
            // The same SYN again: occupies sequence space already seen.
            (100.0, C, "S", 1000, 0, 64240, 0, Some(7)),
            (150.0, S, "SA", 5000, 1001, 65160, 0, Some(7)),
            // First ACK after the SYN: initial RTT = 160 − 100 ms (the latest SYN).
            (160.0, C, "A", 1001, 5001, 502, 0, None),
            (170.0, C, "PA", 1001, 5001, 502, 100, None),
            // Starts at 1201, past the 1101 expected: the segment before is missing.
            (171.0, C, "PA", 1201, 5001, 502, 100, None),
            // Fills the hole 1 ms later, less than the initial RTT: out of order.
            (172.0, C, "PA", 1101, 5001, 502, 100, None),
            (180.0, S, "A", 5001, 1101, 509, 0, None),
            // Same ACK, window and sequence, no data: duplicate ACKs #1 and #2 of frame 8.
            (181.0, S, "A", 5001, 1101, 509, 0, None),
            (182.0, S, "A", 5001, 1101, 509, 0, None),
            // Resends what two duplicate ACKs asked for, within 20 ms of the last.
            (190.0, C, "PA", 1101, 5001, 502, 100, None),
            (300.0, S, "A", 5001, 1301, 509, 0, None),
            // All of it was acknowledged already (1301 ≥ 1201 + 100): spurious.
            (600.0, C, "PA", 1201, 5001, 502, 100, None),
            (900.0, C, "PA", 1301, 5001, 502, 100, None),
            // Not acknowledged, resent 400 ms later: a (timeout) retransmission.
            (1300.0, C, "PA", 1301, 5001, 502, 100, None),
            (1310.0, S, "A", 5001, 1401, 509, 0, None),
        ];
        let (names, flags, conv) = Sim::run(&segs);
        let e: Vec<&[&str]> = vec![
            &[],
            &["retransmission"],
            &[],
            &[],
            &[],
            &["lost_segment"],
            &["out_of_order"],
            &[],
            &["duplicate_ack"],
            &["duplicate_ack"],
            &["retransmission", "fast_retransmission"],
            &[],
            &["retransmission", "spurious_retransmission"],
            &[],
            &["retransmission"],
            &[],
        ];
        assert_eq!(names, e);
        assert_eq!((flags[8].dup_ack_num(), flags[8].dup_ack_frame()), (1, 8));
        assert_eq!((flags[9].dup_ack_num(), flags[9].dup_ack_frame()), (2, 8));
        // A plain retransmission's RTO runs from the oldest segment held as not
        // acknowledged: the first SYN; for frame 15 the spurious frame 13, which no ACK
        // has passed since. Fast and spurious ones have none.
        let rto: Vec<_> = flags.iter().map(|f| f.rto_frame()).collect();
        assert_eq!((rto[1], rto[14]), (Some(1), Some(13)));
        assert_eq!(rto.iter().flatten().count(), 2);
        assert_eq!(
            (flags[10].dup_ack_frame(), flags[14].dup_ack_frame()),
            (0, 0)
        );
        assert_eq!(conv.initial_rtt_ns, Some(60_000_000));
        assert_eq!(conv.handshake, Handshake::Complete);
        assert_eq!(conv.syn_by, Some(Side::A));
        assert_eq!(conv.window_scale, [Some(7), Some(7)]);
        assert_eq!(conv.counts.get(Kind::Retransmission), 4);
        assert_eq!(conv.counts.get(Kind::DuplicateAck), 2);
        assert_eq!(conv.end, TcpEnd::Open);
        // ACK RTTs as tshark's tcp.analysis.ack_rtt: the SYN-ACK acks the older SYN
        // (150 ms), frame 8 frame 5 (10 ms), frame 12 frame 6 (129 ms), frame 16 the older
        // of frames 14 and 15 (410 ms); the client's frame 4 acks the SYN-ACK (10 ms).
        assert_eq!(
            conv.ack_rtt[0],
            RttStats {
                count: 4,
                min_ns: 10_000_000,
                max_ns: 410_000_000,
                sum_ns: 699_000_000
            }
        );
        assert_eq!(
            conv.ack_rtt[1],
            RttStats {
                count: 1,
                min_ns: 10_000_000,
                max_ns: 10_000_000,
                sum_ns: 10_000_000
            }
        );
    }

    #[test]
    fn windows_zero_window_probes_and_keep_alives() {
        let segs: [Seg; 15] = [
            (0.0, C, "S", 100, 0, 64240, 0, Some(2)),
            (10.0, S, "SA", 900, 101, 1000, 0, Some(1)),
            (20.0, C, "A", 101, 901, 500, 0, None),
            // Reaches 101 + 1000: the server's window, still unscaled until its first
            // ACK without SYN (Wireshark issue 14690).
            (30.0, C, "PA", 101, 901, 500, 1000, None),
            (40.0, S, "A", 901, 1101, 0, 0, None),
            // One byte at the next sequence number into a zero window.
            (240.0, C, "A", 1101, 901, 500, 1, None),
            // Repeats the zero window after the probe.
            (250.0, S, "A", 901, 1101, 0, 0, None),
            // Same ACK, new window.
            (450.0, S, "A", 901, 1101, 300, 0, None),
            // 1101 + 600 = 1101 + (300 << 1): full again, now scaled.
            (460.0, C, "PA", 1101, 901, 500, 600, None),
            (470.0, S, "A", 901, 1701, 300, 0, None),
            // One before the next sequence number, no data: keep-alive, and its ACK.
            (5000.0, C, "A", 1700, 901, 500, 0, None),
            (5010.0, S, "A", 901, 1701, 300, 0, None),
            // The same with one garbage byte (RFC 1122 §4.2.3.6).
            (9000.0, C, "A", 1700, 901, 500, 1, None),
            (9010.0, S, "A", 901, 1701, 300, 0, None),
            // Still the last client segment was a keep-alive.
            (9020.0, S, "A", 901, 1701, 300, 0, None),
        ];
        let (names, _, conv) = Sim::run(&segs);
        let e: Vec<&[&str]> = vec![
            &[],
            &[],
            &[],
            &["window_full"],
            &["zero_window"],
            &["zero_window_probe"],
            &["zero_window", "zero_window_probe_ack"],
            &["window_update"],
            &["window_full"],
            &[],
            &["keep_alive"],
            &["keep_alive_ack"],
            &["keep_alive"],
            &["keep_alive_ack"],
            &["keep_alive_ack"],
        ];
        assert_eq!(names, e);
        assert_eq!(conv.initial_rtt_ns, Some(20_000_000));
        assert_eq!(conv.handshake, Handshake::Complete);
        assert_eq!(conv.window_scale, [Some(2), Some(1)]);
    }

    #[test]
    fn mid_stream_wrap_unseen_ack_and_port_reuse() {
        let segs: [Seg; 10] = [
            (1000.0, C, "PA", 4294967000, 7000, 500, 200, None),
            (1001.0, S, "A", 7000, 4294967200, 500, 0, None),
            // 4294967200 + 200 wraps to 104: in order.
            (1002.0, C, "PA", 4294967200, 7000, 500, 200, None),
            (1003.0, S, "A", 7000, 104, 500, 0, None),
            (1004.0, C, "PA", 304, 7000, 500, 100, None),
            // Acknowledges 104..304, never seen.
            (1005.0, S, "A", 7000, 404, 500, 0, None),
            (1006.0, S, "A", 7000, 404, 500, 0, None),
            (1007.0, C, "FA", 404, 7000, 500, 0, None),
            (1008.0, S, "FA", 7000, 405, 500, 0, None),
            (1009.0, C, "A", 405, 7001, 500, 0, None),
        ];
        let mut sim = Sim::new();
        let names: Vec<_> = segs.iter().map(|s| sim.seg(0, *s).0).collect();
        let e: Vec<&[&str]> = vec![
            &[],
            &[],
            &[],
            &[],
            &["lost_segment"],
            &["ack_lost_segment"],
            &["duplicate_ack"],
            &[],
            &[],
            &[],
        ];
        assert_eq!(names, e);
        // The flow table starts conversation 1 on the same ports: a reuse.
        assert_eq!(
            sim.seg(1, (2000.0, C, "S", 123456, 0, 500, 0, None)).0,
            ["reused_ports"]
        );
        assert_eq!(
            sim.seg(1, (2010.0, S, "SA", 99999, 123457, 500, 0, None)).0,
            Vec::<&str>::new()
        );
        assert_eq!(
            sim.seg(1, (2020.0, C, "A", 123457, 100000, 500, 0, None)).0,
            Vec::<&str>::new()
        );
        // A SYN-ACK with another initial sequence number: a reuse, and behind the
        // highest sequence number seen, a retransmission.
        assert_eq!(
            sim.seg(1, (2030.0, S, "SA", 55555, 123457, 500, 0, None)).0,
            ["reused_ports", "retransmission"]
        );
        let convs = sim.tcp.finish();
        assert_eq!(convs[0].handshake, Handshake::MidStream);
        assert_eq!(convs[0].end, TcpEnd::Closed);
        assert_eq!((convs[0].fin, convs[0].rst), ([true, true], [false, false]));
        assert_eq!(convs[1].initial_rtt_ns, Some(20_000_000));
        assert_eq!(convs[1].handshake, Handshake::Complete);
        assert_eq!(convs[1].counts.get(Kind::ReusedPorts), 2);
    }

    #[test]
    fn a_retransmitted_syn_restores_the_next_sequence_number() {
        // After a hole, the SYN again; the segment right after the SYN is then in
        // order (packet-tcp.c restores nextseq from maxseqtobeacked, issue 17616).
        let segs: [Seg; 4] = [
            (0.0, C, "S", 1000, 0, 1000, 0, Some(2)),
            (10.0, C, "A", 2000, 0, 1000, 10, None),
            (20.0, C, "S", 1000, 0, 1000, 0, Some(2)),
            (30.0, C, "A", 1001, 0, 1000, 10, None),
        ];
        let (names, _, _) = Sim::run(&segs);
        let e: Vec<&[&str]> = vec![&[], &["lost_segment"], &["retransmission"], &[]];
        assert_eq!(names, e);
    }

    #[test]
    fn an_ack_of_unseen_data_is_reported_once_per_hole() {
        // No hole on the client side: reported, then not again until the client sends
        // a duplicate ACK (Wireshark's dupacknum of -1, then 1: "Dup ACK #1" twice).
        let segs: [Seg; 6] = [
            (1000.0, C, "A", 1000, 5000, 500, 0, None),
            (1001.0, S, "A", 5000, 1001, 500, 0, None),
            (1002.0, C, "A", 1000, 5000, 500, 0, None),
            (1003.0, S, "A", 5000, 1002, 500, 0, None),
            (1004.0, C, "A", 1000, 5000, 500, 0, None),
            (1005.0, S, "A", 5000, 1003, 500, 0, None),
        ];
        let (names, flags, _) = Sim::run(&segs);
        let e: Vec<&[&str]> = vec![
            &[],
            &["ack_lost_segment"],
            &["duplicate_ack"],
            &[],
            &["duplicate_ack"],
            &[],
        ];
        assert_eq!(names, e);
        assert_eq!((flags[4].dup_ack_num(), flags[4].dup_ack_frame()), (1, 1));
        // A hole across the wrap: the ACK past it is reported and the hole taken as
        // seen (a wrapping comparison: 4294967000 is before 104).
        let segs: [Seg; 5] = [
            (1000.0, C, "A", 4294967000, 5000, 500, 0, None),
            (1001.0, C, "PA", 4294967200, 5000, 500, 200, None),
            (1002.0, S, "PA", 5000, 104, 500, 1, None),
            (1003.0, C, "PA", 104, 5001, 500, 10, None),
            (1004.0, S, "A", 5001, 114, 500, 0, None),
        ];
        let (names, _, _) = Sim::run(&segs);
        let e: Vec<&[&str]> = vec![&[], &["lost_segment"], &["ack_lost_segment"], &[], &[]];
        assert_eq!(names, e);
    }

    #[test]
    fn a_syn_at_time_zero_measures_no_initial_rtt() {
        // Wireshark keeps "no SYN yet" as a zero timestamp (nstime_is_zero), so a SYN
        // stamped 1970-01-01 00:00:00 is forgotten (tshark agrees on such a capture).
        let mut sim = Sim::new();
        let syn = Tcp {
            flags: th::SYN,
            seq: 1,
            ..Tcp::default()
        };
        sim.at(0, (0, C), &syn);
        sim.at(
            0,
            (1_000_000, S),
            &Tcp {
                flags: th::SYN | th::ACK,
                seq: 9,
                ack: 2,
                ..Tcp::default()
            },
        );
        sim.at(
            0,
            (2_000_000, C),
            &Tcp {
                flags: th::ACK,
                seq: 2,
                ack: 10,
                ..Tcp::default()
            },
        );
        assert_eq!(sim.tcp.finish()[0].initial_rtt_ns, None);
    }

    #[test]
    fn a_syn_with_a_new_sequence_number_in_the_same_conversation_starts_over() {
        // The server's ACK gave the client its base sequence number (999); the flow
        // table, which takes it only from the client's own segments, does not split
        // on the SYN, but Wireshark starts a new session: flag it, forget the old state.
        let mut sim = Sim::new();
        assert!(sim
            .seg(0, (1000.0, S, "A", 500, 1000, 500, 0, None))
            .0
            .is_empty());
        assert_eq!(
            sim.seg(0, (1001.0, C, "S", 7777, 0, 500, 0, None)).0,
            ["reused_ports"]
        );
        assert!(sim
            .seg(0, (1002.0, S, "SA", 900, 7778, 500, 0, None))
            .0
            .is_empty());
        assert!(sim
            .seg(0, (1003.0, C, "A", 7778, 901, 500, 0, None))
            .0
            .is_empty());
        let conv = sim.tcp.finish().remove(0);
        assert_eq!(conv.initial_rtt_ns, Some(2_000_000));
        assert_eq!(conv.counts.get(Kind::ReusedPorts), 1);
    }

    #[test]
    fn end_states() {
        let mut sim = Sim::new();
        sim.seg(0, (1.0, C, "S", 10, 0, 1000, 0, None));
        assert_eq!(sim.tcp.convs[0].as_ref().unwrap().result.end, TcpEnd::Open);
        sim.seg(0, (2.0, S, "FA", 50, 11, 1000, 0, None));
        assert_eq!(
            sim.tcp.convs[0].as_ref().unwrap().result.end,
            TcpEnd::HalfClosed(Side::B)
        );
        sim.seg(0, (3.0, C, "RA", 11, 52, 0, 0, None));
        assert_eq!(
            sim.tcp.convs[0].as_ref().unwrap().result.end,
            TcpEnd::Reset(Side::A)
        );
        sim.seg(0, (4.0, C, "FA", 11, 52, 0, 0, None));
        assert_eq!(sim.tcp.finish()[0].end, TcpEnd::Reset(Side::A));
    }
}

#[cfg(test)]
mod flight_test {
    //! Bytes in flight less the SACK blocks, the bytes since the last PSH and the
    //! conversation's completeness, on the pattern of real captures where tshark 4.0.17
    //! shows them: tcpdump's ssh.pcap (frames 45–49: a FIN, a SACK of it, then the data
    //! and FIN sent again: 95 bytes in flight, not 96) and memcached-fields.pcap (a
    //! D-SACK, then a segment without SACK: the next data's bytes in flight are whole).
    use super::test::flag_bits;
    use super::*;
    use crate::capture::tcp::completeness as cm;
    use crate::ingest::wire::TcpOptions;

    /// (from client?, flags, seq, ack, payload length, SACK blocks)
    type Seg<'a> = (bool, &'a str, u32, u32, u32, &'a [(u32, u32)]);
    /// A segment's bytes in flight and bytes since the last PSH.
    type Shown = (Option<u32>, Option<u32>);

    /// Feeds segments to one conversation; returns what each shows, and the
    /// conversation.
    fn run(segs: &[Seg<'_>]) -> (Vec<Shown>, TcpConversation) {
        let mut a = TcpAnalysis::default();
        let (c, s): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let mut out = Vec::new();
        for (n, &(client, flags, seq, ack, len, sack)) in segs.iter().enumerate() {
            let bits = flag_bits(flags);
            let mut options = TcpOptions::default();
            for (i, &b) in sack.iter().enumerate() {
                options.sack[i] = b;
            }
            options.sack_count = sack.len() as u8;
            let tcp = Tcp {
                src_port: if client { 40000 } else { 22 },
                dst_port: if client { 22 } else { 40000 },
                seq,
                ack,
                flags: bits,
                data_offset: 0x50,
                window: 4096,
                payload_len: len,
                options,
            };
            let (src, dst, dir) = if client {
                (c, s, Direction::AToB)
            } else {
                (s, c, Direction::BToA)
            };
            let seg = Segment {
                frame: n as u64 + 1,
                ts_ns: 1_000_000_000 * n as i64,
                src,
                dst,
                tcp: &tcp,
            };
            a.segment(0, dir, &seg);
            let sa = a.seq_ack();
            out.push((sa.bytes_in_flight, sa.push_bytes));
        }
        (out, a.finish().remove(0))
    }

    #[test]
    fn in_flight_less_sacked_since_psh_and_completeness() {
        const C: bool = true;
        const S: bool = false;
        let (got, conv) = run(&[
            (C, "S", 0, 0, 0, &[]),
            (S, "SA", 1000, 1, 0, &[]),
            (C, "A", 1, 1001, 0, &[]),
            (C, "PA", 1, 1001, 36, &[]),
            (C, "PA", 37, 1001, 60, &[]),
            (C, "FA", 97, 1001, 0, &[]),
            // The FIN arrived, the data before it did not.
            (S, "A", 1001, 1, 0, &[(97, 98)]),
            // Sent again with the FIN: 97 sequence numbers from 1, less the one SACKed,
            // less the FIN's.
            (C, "FPA", 1, 1001, 96, &[]),
            // A segment without SACK: the blocks are that way's last segment's only.
            (S, "A", 1001, 1, 0, &[]),
            (C, "A", 98, 1001, 8, &[]),
            (C, "A", 106, 1001, 10, &[]),
            (C, "PA", 116, 1001, 4, &[]),
        ]);
        let want = [
            (None, None),
            (None, None),
            (None, None),
            (Some(36), Some(36)),
            (Some(96), Some(60)),
            (None, None),
            (None, None),
            (Some(95), Some(96)),
            (None, None),
            (Some(105), Some(8)),
            (Some(115), Some(18)),
            (Some(119), Some(22)),
        ];
        assert_eq!(got, want);
        // Without the SACK subtraction frame 8 would show 96; with the blocks kept past
        // frame 9, frame 10 would show 104.
        assert_eq!(conv.completeness, [1, 2, 3, 4, 6, 0]);
        let before: Vec<u8> = (1..=8).map(|f| conv.completeness_before(f)).collect();
        assert_eq!(before, [0, 1, 3, 7, 15, 15, 31, 31]);
        assert_eq!(cm::label(31), "Complete, WITH_DATA");
        assert_eq!(
            cm::label(cm::SYN | cm::SYN_ACK | cm::ACK | cm::RST),
            "Complete, NO_DATA"
        );
        assert_eq!(
            cm::label(cm::SYN | cm::SYN_ACK),
            "Incomplete, CLIENT_ESTABLISHED"
        );
        assert_eq!(cm::label(cm::ACK | cm::DATA), "Incomplete");
    }

    /// A conversation picked up mid-stream: its first segment counts for nothing (only
    /// a SYN would), a RST counts.
    #[test]
    fn completeness_of_a_conversation_picked_up_mid_stream() {
        let (_, conv) = run(&[
            (true, "PA", 5, 9, 10, &[]),
            (false, "A", 9, 15, 0, &[]),
            (true, "RA", 15, 9, 0, &[]),
        ]);
        assert_eq!(conv.completeness, [0, 0, 2, 0, 0, 3]);
        assert_eq!(conv.completeness_before(4), cm::ACK | cm::RST);
    }
}
