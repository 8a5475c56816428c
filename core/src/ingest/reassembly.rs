//! TCP stream reassembly: per conversation and direction, the payload bytes in sequence
//! order, with gaps marked, for the application parsers.
//!
//! - Sequence numbers wrap (RFC 9293 §3.4); streams are tracked as 64-bit offsets from
//!   the initial sequence number, so a stream may carry more than 4 GiB.
//! - In-order payload is passed on straight from the packet, uncopied. Only segments
//!   that arrive ahead of a hole are copied, into a bounded out-of-order buffer.
//! - Retransmitted and overlapping bytes: the first copy wins. Where a buffered copy and a
//!   later one disagree, the stream reports an overlap conflict.
//! - A stream joined mid-flight (no SYN captured) starts at its first segment.
//! - A hole is given up as a gap when the other side acknowledges past it (the data was
//!   sent but not captured), when the stream ends, or when a buffer bound is reached; the
//!   buffered data after it then flows on, and the parser resynchronises.

use crate::capture::flow::Direction;
use crate::capture::tcp::ReassemblyStats;
use crate::ingest::hash::Map;
use crate::ingest::wire::{tcp_flags, Tcp};
use std::collections::BTreeMap;

/// Out-of-order bytes buffered per stream direction before the hole is given up.
pub const MAX_STREAM_BUFFER: usize = 4 << 20;
/// Out-of-order bytes buffered over all streams.
pub const MAX_TOTAL_BUFFER: usize = 64 << 20;

/// What the reassembler hands on, in capture order.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// Payload bytes of one direction, in order.
    Data {
        /// Flow id of the conversation.
        conv: u32,
        /// Which way the bytes went.
        dir: Direction,
        /// Stream offset of the first byte (0 = first byte after the SYN or, for a stream
        /// joined mid-flight, the first byte captured).
        offset: u64,
        /// The bytes.
        bytes: &'a [u8],
        /// Index of the packet that completed these bytes.
        packet: u64,
    },
    /// Bytes that were never captured: the stream continues `len` bytes further on.
    Gap {
        /// Flow id of the conversation.
        conv: u32,
        /// Which way.
        dir: Direction,
        /// Stream offset where the gap starts.
        offset: u64,
        /// Bytes missing.
        len: u64,
        /// Why the hole was given up.
        reason: GapReason,
    },
    /// The direction ended (FIN or RST).
    End {
        /// Flow id of the conversation.
        conv: u32,
        /// Which way.
        dir: Direction,
    },
}

/// Why a gap was declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapReason {
    /// The peer acknowledged bytes that were not captured.
    Acked,
    /// The out-of-order buffer of the stream or of the whole capture was full.
    BufferFull,
    /// The stream ended with a hole still open.
    End,
    /// A segment came after the hole and its reader chose not to wait for the hole to
    /// fill ([`Reassembler::give_up`]).
    Passed,
}

#[derive(Default)]
struct Half {
    /// Sequence number of stream offset 0.
    isn: u32,
    started: bool,
    /// Stream offset of the next byte expected.
    next: u64,
    /// Segments ahead of `next`: stream offset → (bytes, packet index).
    ahead: BTreeMap<u64, (Vec<u8>, u64)>,
    buffered: usize,
    ended: bool,
}

impl Half {
    /// Stream offset of a sequence number, choosing the wrap nearest to `next`.
    /// Negative for sequence numbers before the stream's first byte.
    fn offset_of(&self, seq: u32) -> i64 {
        let delta = seq.wrapping_sub(self.isn.wrapping_add(self.next as u32)) as i32 as i64;
        self.next as i64 + delta
    }
}

/// Reassembles every TCP stream of a capture.
#[derive(Default)]
pub struct Reassembler {
    halves: Map<(u32, Direction), Half>,
    total_buffered: usize,
    stats: ReassemblyStats,
}

impl Reassembler {
    /// A reassembler with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// What went wrong so far.
    pub fn stats(&self) -> ReassemblyStats {
        self.stats
    }

    /// Bytes held in out-of-order buffers now.
    pub fn buffered(&self) -> usize {
        self.total_buffered
    }

    /// Whether bytes of packet `packet` wait ahead of a hole in this direction.
    pub fn holds(&self, conv: u32, dir: Direction, packet: u64) -> bool {
        self.halves
            .get(&(conv, dir))
            .is_some_and(|h| h.ahead.values().any(|&(_, p)| p == packet))
    }

    /// Takes one TCP segment of conversation `conv` (its flow id) and its payload.
    pub fn segment(
        &mut self,
        conv: u32,
        dir: Direction,
        tcp: &Tcp,
        payload: &[u8],
        packet: u64,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        // The peer's acknowledgement tells which of our bytes were sent: a hole below it
        // was not captured and will never be.
        if tcp.flags & tcp_flags::ACK != 0 {
            let other = match dir {
                Direction::AToB => Direction::BToA,
                Direction::BToA => Direction::AToB,
            };
            if let Some(h) = self.halves.get(&(conv, other)) {
                if h.started && !h.ahead.is_empty() {
                    let acked = h.offset_of(tcp.ack).max(0) as u64;
                    self.skip_to(conv, other, acked, GapReason::Acked, out);
                }
            }
        }
        let h = self.halves.entry((conv, dir)).or_default();
        if !h.started {
            if tcp.flags & tcp_flags::SYN != 0 {
                h.isn = tcp.seq.wrapping_add(1);
            } else if payload.is_empty() && tcp.flags & tcp_flags::FIN == 0 {
                // A bare ACK says nothing reliable about where the data starts.
                return;
            } else {
                h.isn = tcp.seq;
            }
            h.started = true;
        }
        if h.ended {
            return;
        }
        let syn = u32::from(tcp.flags & tcp_flags::SYN != 0);
        let start = h.offset_of(tcp.seq.wrapping_add(syn));
        let payload = &payload[..payload.len().min(tcp.payload_len as usize)];
        // Bytes from before the stream's first byte (a retransmission reaching back past
        // where a stream joined mid-flight began) are not part of it.
        let before = usize::try_from(-start.min(0)).unwrap_or(usize::MAX);
        let payload = payload.get(before..).unwrap_or(&[]);
        let start = start.max(0) as u64;
        if !payload.is_empty() {
            let end = start + payload.len() as u64;
            if end > h.next {
                if start <= h.next {
                    // In order (possibly overlapping what was delivered): pass on the new part.
                    let new = &payload[(h.next - start) as usize..];
                    let offset = h.next;
                    h.next = end;
                    out(StreamEvent::Data {
                        conv,
                        dir,
                        offset,
                        bytes: new,
                        packet,
                    });
                    self.drain(conv, dir, out);
                } else {
                    self.buffer(conv, dir, start, payload, packet, out);
                }
            }
        }
        if tcp.flags & (tcp_flags::FIN | tcp_flags::RST) != 0 {
            let h = self.halves.get_mut(&(conv, dir)).expect("inserted above");
            // A FIN ends the stream where it sits; deliver what is buffered before it.
            let fin_at = start + payload.len() as u64;
            if tcp.flags & tcp_flags::RST != 0 || fin_at <= h.next || h.ahead.is_empty() {
                self.end(conv, dir, out);
            }
        }
    }

    /// Where segment `tcp` of this direction, carrying bytes, starts on its stream
    /// (negative: before the stream's first byte), and the next byte expected. None when
    /// the direction has not started (the segment would start it) or has ended.
    pub fn place(&self, conv: u32, dir: Direction, tcp: &Tcp) -> Option<(i64, u64)> {
        let h = self.halves.get(&(conv, dir))?;
        if !h.started || h.ended {
            return None;
        }
        let syn = u32::from(tcp.flags & tcp_flags::SYN != 0);
        Some((h.offset_of(tcp.seq.wrapping_add(syn)), h.next))
    }

    /// Gives the bytes of this direction up to stream offset `to` up as not captured
    /// (what is buffered before `to` is delivered between the gaps), so that a segment
    /// starting there is taken in order, as Wireshark takes a segment after a lost one
    /// when it does not reassemble out of order (its default).
    pub fn give_up(
        &mut self,
        conv: u32,
        dir: Direction,
        to: u64,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        self.skip_to(conv, dir, to, GapReason::Passed, out);
    }

    /// Forgets a conversation nobody reads any more: its buffered bytes are released and
    /// its later segments start it anew (the caller stops passing them).
    pub fn forget(&mut self, conv: u32) {
        for dir in [Direction::AToB, Direction::BToA] {
            if let Some(h) = self.halves.remove(&(conv, dir)) {
                self.total_buffered -= h.buffered;
            }
        }
    }

    /// Ends every stream: remaining holes become gaps and buffered data is delivered.
    pub fn finish(&mut self, out: &mut dyn FnMut(StreamEvent<'_>)) {
        let mut keys: Vec<(u32, Direction)> = self.halves.keys().copied().collect();
        keys.sort_by_key(|&(c, d)| (c, d as u8));
        for (conv, dir) in keys {
            self.end(conv, dir, out);
        }
    }

    fn end(&mut self, conv: u32, dir: Direction, out: &mut dyn FnMut(StreamEvent<'_>)) {
        let Some(h) = self.halves.get(&(conv, dir)) else {
            return;
        };
        if h.ended || !h.started {
            return;
        }
        let last = h
            .ahead
            .iter()
            .next_back()
            .map(|(&o, (b, _))| o + b.len() as u64);
        if let Some(last) = last {
            self.skip_to(conv, dir, last, GapReason::End, out);
        }
        if let Some(h) = self.halves.get_mut(&(conv, dir)) {
            h.ended = true;
        }
        out(StreamEvent::End { conv, dir });
    }

    /// Copies a segment that arrived ahead of a hole, within the bounds.
    fn buffer(
        &mut self,
        conv: u32,
        dir: Direction,
        start: u64,
        payload: &[u8],
        packet: u64,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        let h = self
            .halves
            .get_mut(&(conv, dir))
            .expect("caller created it");
        // The first copy wins: compare with what overlaps, keep only bytes not yet held.
        let mut pieces: Vec<(u64, &[u8])> = vec![(start, payload)];
        for (&o, (held, _)) in h.ahead.range(..start + payload.len() as u64).rev() {
            let held_end = o + held.len() as u64;
            if held_end <= start {
                break;
            }
            let mut next_pieces = Vec::new();
            for (ps, pb) in pieces {
                let pe = ps + pb.len() as u64;
                let (lo, hi) = (ps.max(o), pe.min(held_end));
                if lo >= hi {
                    next_pieces.push((ps, pb));
                    continue;
                }
                let ours = &pb[(lo - ps) as usize..(hi - ps) as usize];
                let theirs = &held[(lo - o) as usize..(hi - o) as usize];
                if ours != theirs {
                    self.stats.overlap_conflicts += 1;
                }
                if ps < lo {
                    next_pieces.push((ps, &pb[..(lo - ps) as usize]));
                }
                if hi < pe {
                    next_pieces.push((hi, &pb[(hi - ps) as usize..]));
                }
            }
            pieces = next_pieces;
        }
        for (ps, pb) in pieces {
            if pb.is_empty() {
                continue;
            }
            let over_stream = h.buffered + pb.len() > MAX_STREAM_BUFFER;
            let over_total = self.total_buffered + pb.len() > MAX_TOTAL_BUFFER;
            if over_stream || over_total {
                // Give the hole up: deliver what is buffered, then take this piece in order.
                self.stats.buffer_full += 1;
                let first = h.ahead.keys().next().copied().unwrap_or(ps).min(ps);
                self.skip_to(conv, dir, first, GapReason::BufferFull, out);
                let h = self.halves.get_mut(&(conv, dir)).expect("exists");
                if ps >= h.next {
                    self.skip_to(conv, dir, ps, GapReason::BufferFull, out);
                    let h = self.halves.get_mut(&(conv, dir)).expect("exists");
                    let end = ps + pb.len() as u64;
                    if end > h.next {
                        let new = &pb[(h.next - ps) as usize..];
                        let offset = h.next;
                        h.next = end;
                        out(StreamEvent::Data {
                            conv,
                            dir,
                            offset,
                            bytes: new,
                            packet,
                        });
                        self.drain(conv, dir, out);
                    }
                }
                return;
            }
            h.buffered += pb.len();
            self.total_buffered += pb.len();
            h.ahead.insert(ps, (pb.to_vec(), packet));
        }
    }

    /// Delivers buffered segments that now follow on from `next`.
    fn drain(&mut self, conv: u32, dir: Direction, out: &mut dyn FnMut(StreamEvent<'_>)) {
        let Some(h) = self.halves.get_mut(&(conv, dir)) else {
            return;
        };
        while let Some((&o, _)) = h.ahead.iter().next() {
            if o > h.next {
                break;
            }
            let (bytes, packet) = h.ahead.remove(&o).expect("key just seen");
            h.buffered -= bytes.len();
            self.total_buffered -= bytes.len();
            let end = o + bytes.len() as u64;
            if end > h.next {
                let offset = h.next;
                let new = &bytes[(h.next - o) as usize..];
                h.next = end;
                out(StreamEvent::Data {
                    conv,
                    dir,
                    offset,
                    bytes: new,
                    packet,
                });
            }
        }
    }

    /// Declares the bytes from `next` up to `to` missing, then delivers what follows.
    fn skip_to(
        &mut self,
        conv: u32,
        dir: Direction,
        to: u64,
        reason: GapReason,
        out: &mut dyn FnMut(StreamEvent<'_>),
    ) {
        loop {
            let Some(h) = self.halves.get_mut(&(conv, dir)) else {
                return;
            };
            // The hole ends at the first buffered segment, or at `to`.
            let first = h.ahead.keys().next().copied();
            let hole_end = match first {
                Some(f) if f < to => f,
                _ => to,
            };
            if hole_end > h.next {
                let (offset, len) = (h.next, hole_end - h.next);
                h.next = hole_end;
                self.stats.gaps += 1;
                self.stats.gap_bytes += len;
                out(StreamEvent::Gap {
                    conv,
                    dir,
                    offset,
                    len,
                    reason,
                });
            }
            self.drain(conv, dir, out);
            let h = self.halves.get(&(conv, dir)).expect("exists");
            if h.next >= to || h.ahead.is_empty() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn seg(seq: u32, flags: u8, len: usize) -> Tcp {
        Tcp {
            seq,
            flags,
            payload_len: len as u32,
            ack: 0,
            ..Tcp::default()
        }
    }

    /// Feeds (direction, seq, flags, payload) and returns what came out, as text.
    fn run(segments: &[(Direction, u32, u8, &[u8])]) -> Vec<String> {
        let mut r = Reassembler::new();
        let mut log = Vec::new();
        let mut out = |e: StreamEvent<'_>| {
            log.push(match e {
                StreamEvent::Data {
                    dir, offset, bytes, ..
                } => {
                    format!("{dir:?} @{offset} {}", String::from_utf8_lossy(bytes))
                }
                StreamEvent::Gap {
                    dir,
                    offset,
                    len,
                    reason,
                    ..
                } => format!("{dir:?} gap @{offset}+{len} {reason:?}"),
                StreamEvent::End { dir, .. } => format!("{dir:?} end"),
            })
        };
        for (i, &(dir, seq, flags, payload)) in segments.iter().enumerate() {
            r.segment(
                0,
                dir,
                &seg(seq, flags, payload.len()),
                payload,
                i as u64,
                &mut out,
            );
        }
        r.finish(&mut out);
        log
    }

    const A: Direction = Direction::AToB;
    const B: Direction = Direction::BToA;
    const SYN: u8 = tcp_flags::SYN;
    const PSH: u8 = tcp_flags::PSH;
    const FIN: u8 = tcp_flags::FIN;

    #[test]
    fn in_order_out_of_order_and_retransmitted() {
        let log = run(&[
            (A, 100, SYN, b""),
            (A, 101, PSH, b"GET "),
            (A, 109, PSH, b"HTTP"),       // ahead of a hole
            (A, 105, PSH, b"/ab "),       // fills it
            (A, 101, PSH, b"GET "),       // retransmission: ignored
            (A, 107, PSH, b"b HTTP/1.1"), // overlaps the end: only the new bytes
            (A, 119, FIN, b""),
        ]);
        assert_eq!(
            log,
            [
                "AToB @0 GET ",
                "AToB @4 /ab ",
                "AToB @8 HTTP",
                "AToB @12 /1.1",
                "AToB end"
            ]
        );
    }

    #[test]
    fn bytes_from_before_a_mid_flight_start_are_dropped() {
        // Joined at seq 1000; a retransmission from 990 carries 10 bytes before it.
        let log = run(&[
            (B, 1000, PSH, b"abcd"),
            (B, 990, PSH, b"0123456789abcdefgh"),
        ]);
        assert_eq!(log, ["BToA @0 abcd", "BToA @4 efgh", "BToA end"]);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let log = run(&[
            (A, u32::MAX - 1, SYN, b""),
            (A, u32::MAX, PSH, b"ab"),
            (A, 1, PSH, b"cd"),
        ]);
        assert_eq!(log, ["AToB @0 ab", "AToB @2 cd", "AToB end"]);
    }

    #[test]
    fn a_stream_joined_mid_flight_starts_at_its_first_segment() {
        let log = run(&[
            (B, 5000, PSH, b"VALUE k 0 1\r\n"),
            (B, 5013, PSH, b"x\r\nEND\r\n"),
        ]);
        assert_eq!(
            log,
            [
                "BToA @0 VALUE k 0 1\r\n",
                "BToA @13 x\r\nEND\r\n",
                "BToA end"
            ]
        );
    }

    #[test]
    fn a_hole_acknowledged_by_the_peer_becomes_a_gap() {
        let mut r = Reassembler::new();
        let mut log = Vec::new();
        let mut out = |e: StreamEvent<'_>| log.push(format!("{e:?}"));
        r.segment(1, A, &seg(0, SYN, 0), b"", 0, &mut out);
        r.segment(1, A, &seg(1, PSH, 3), b"abc", 1, &mut out);
        r.segment(1, A, &seg(7, PSH, 2), b"gh", 2, &mut out); // "def" not captured
        let mut ack = seg(500, tcp_flags::ACK, 0);
        ack.ack = 9;
        r.segment(1, B, &ack, b"", 3, &mut out);
        assert_eq!(log.len(), 3, "{log:?}");
        assert!(
            log[1].contains("Gap")
                && log[1].contains("offset: 3, len: 3")
                && log[1].contains("Acked")
        );
        assert!(log[2].contains("offset: 6") && log[2].contains("[103, 104]"));
        assert_eq!(r.stats().gaps, 1);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn a_hole_given_up_at_once_lets_the_segment_after_it_in_order() {
        let mut r = Reassembler::new();
        let mut log = Vec::new();
        let mut out = |e: StreamEvent<'_>| log.push(format!("{e:?}"));
        r.segment(1, A, &seg(0, SYN, 0), b"", 0, &mut out);
        r.segment(1, A, &seg(1, PSH, 3), b"abc", 1, &mut out);
        assert_eq!(r.place(1, A, &seg(4, PSH, 2)), Some((3, 3)));
        r.segment(1, A, &seg(9, PSH, 1), b"i", 2, &mut out); // held: "def" and "gh" missing
        let gh = seg(7, PSH, 2);
        assert_eq!(r.place(1, A, &gh), Some((6, 3)));
        assert_eq!(r.place(1, A, &seg(0, PSH, 1)), Some((-1, 3)));
        assert_eq!(r.place(1, B, &gh), None);
        r.give_up(1, A, 6, &mut out);
        r.segment(1, A, &gh, b"gh", 3, &mut out);
        assert_eq!(log.len(), 4, "{log:?}");
        assert!(
            log[1].contains("Gap")
                && log[1].contains("offset: 3, len: 3")
                && log[1].contains("Passed"),
            "{log:?}"
        );
        // "gh" in order, then the "i" held after it.
        assert!(log[2].contains("offset: 6") && log[2].contains("[103, 104]"));
        assert!(log[3].contains("offset: 8") && log[3].contains("[105]"));
        assert_eq!(r.stats().gaps, 1);
        assert_eq!(r.buffered(), 0);
    }

    #[test]
    fn conflicting_overlap_is_counted_and_the_first_copy_wins() {
        let mut r = Reassembler::new();
        let mut log = Vec::new();
        let mut out = |e: StreamEvent<'_>| {
            if let StreamEvent::Data { bytes, .. } = e {
                log.push(String::from_utf8_lossy(bytes).into_owned());
            }
        };
        r.segment(0, A, &seg(0, SYN, 0), b"", 0, &mut out);
        r.segment(0, A, &seg(5, PSH, 4), b"WXYZ", 1, &mut out);
        r.segment(0, A, &seg(5, PSH, 4), b"wxyz", 2, &mut out); // a different copy
        r.segment(0, A, &seg(1, PSH, 4), b"abcd", 3, &mut out);
        assert_eq!(log, ["abcd", "WXYZ"]);
        assert_eq!(r.stats().overlap_conflicts, 1);
    }

    #[test]
    fn buffers_are_bounded() {
        let mut r = Reassembler::new();
        let mut delivered = 0u64;
        let mut gaps = 0u64;
        let mut out = |e: StreamEvent<'_>| match e {
            StreamEvent::Data { bytes, .. } => delivered += bytes.len() as u64,
            StreamEvent::Gap { len, .. } => gaps += len,
            StreamEvent::End { .. } => {}
        };
        r.segment(0, A, &seg(0, SYN, 0), b"", 0, &mut out);
        let chunk = vec![7u8; 60_000];
        // Byte 1 never arrives; everything after it is ahead of the hole.
        for i in 0..200u32 {
            r.segment(
                0,
                A,
                &seg(2 + i * 60_000, PSH, chunk.len()),
                &chunk,
                i as u64 + 1,
                &mut out,
            );
            assert!(r.buffered() <= MAX_STREAM_BUFFER);
        }
        r.finish(&mut out);
        assert_eq!(delivered, 200 * 60_000);
        assert_eq!(gaps, 1);
        assert!(r.stats().buffer_full >= 1);
    }
}
