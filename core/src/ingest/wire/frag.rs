//! IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), bounded in memory and time.
//!
//! The semantics follow Wireshark's `reassemble.c` (`fragment_add_check`), which tshark
//! uses for IPv4 and IPv6 by default, so that the frame completing a datagram and the
//! bytes reassembled agree with it:
//! - the datagram's length is set by the first fragment without "more fragments"; a later
//!   tail with another length does not change it;
//! - it is complete once the fragments cover every byte from 0 to that length (overlaps
//!   and duplicates allowed); the fragment that completes it is the frame that carries
//!   the upper layers;
//! - where fragments overlap, the one with the lower offset wins, and between equal
//!   offsets the one that came first;
//! - a completed datagram leaves the table: a later fragment with the same key starts
//!   a new datagram (identifiers are reused).
//!
//! Wireshark keeps fragments forever; we cannot, so datagrams still incomplete after
//! [`FragLimits::timeout_ns`] of capture time are dropped, and the oldest incomplete
//! datagrams make room when the buffered bytes or the number of datagrams reach their
//! caps. [`FragStats`] counts what was dropped, so the analysis can say so.

use crate::ingest::hash::Map;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What identifies the fragments of one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FragKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 identification (16 bits) or IPv6 fragment identification (32 bits).
    pub id: u32,
    /// IPv4 protocol; 0 for IPv6, whose key has none.
    pub proto: u8,
    /// The VLAN the packet came in on, where Wireshark keys on it (IPv4 between private
    /// or link-local addresses), else 0.
    pub vlan: u16,
}

/// Limits of the reassembly table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FragLimits {
    /// Largest datagram reassembled, in bytes. Fragment offsets reach 65528 and a
    /// fragment may carry up to 65515 (IPv4) or 65527 (IPv6) bytes, so the default
    /// takes every datagram the headers can describe.
    pub max_datagram: u32,
    /// Bytes buffered across all incomplete datagrams (each fragment also counts a
    /// fixed overhead), before the oldest are dropped.
    pub max_bytes: usize,
    /// Incomplete datagrams kept at once, before the oldest are dropped.
    pub max_datagrams: usize,
    /// Fragments kept per datagram; more are not reassembled.
    pub max_fragments: usize,
    /// An incomplete datagram is dropped this long (capture time) after its first
    /// fragment. Linux waits 30 s (`ipfrag_time`), RFC 8200 says 60 s for IPv6.
    pub timeout_ns: i64,
}

impl Default for FragLimits {
    fn default() -> Self {
        FragLimits {
            max_datagram: 131_072,
            max_bytes: 16 << 20,
            max_datagrams: 8192,
            max_fragments: 2048,
            timeout_ns: 60_000_000_000,
        }
    }
}

/// Counters of the reassembly table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FragStats {
    /// Fragments added to a datagram.
    pub fragments: u64,
    /// Datagrams completed.
    pub reassembled: u64,
    /// Incomplete datagrams dropped after the timeout.
    pub timed_out: u64,
    /// Incomplete datagrams dropped to stay within the byte or datagram caps.
    pub evicted: u64,
    /// Fragments not taken: past `max_datagram`, or over `max_fragments`.
    pub rejected: u64,
    /// Completed datagrams whose fragments overlapped.
    pub overlapping: u64,
    /// Incomplete datagrams held when the counters were read.
    pub pending: u64,
    /// Bytes buffered (with per-fragment overhead) when the counters were read.
    pub buffered_bytes: u64,
}

/// Why a fragment was not reassembled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum FragSkip {
    /// Dissected on its own ([`super::dissect`]), with no reassembly state.
    Stateless,
    /// The capture does not hold the whole fragment (snap length).
    Truncated,
    /// It would end past [`FragLimits::max_datagram`].
    TooLarge,
    /// Its datagram already has [`FragLimits::max_fragments`] fragments.
    TooManyFragments,
    /// A fragment inside an ICMP error message (a quoted packet is never reassembled).
    Quoted,
}

/// The result of adding one fragment.
pub(crate) enum Added {
    /// Held until the rest arrives.
    Pending,
    /// This fragment completed the datagram: its payload, and how many fragments it took.
    Complete(Vec<u8>, u16),
    /// Not taken.
    Rejected(FragSkip),
}

/// Memory charged per fragment on top of its bytes (bookkeeping, allocation).
const PIECE_OVERHEAD: usize = 64;

struct Piece {
    offset: u32,
    data: Vec<u8>,
    /// The packet that carried it ([`Reassembler::set_frame`]).
    frame: u64,
    /// [`Fragment::MULTIPLE_TAILS`] when it ended the datagram elsewhere than the first
    /// tail did.
    flags: u8,
}

/// One fragment of a completed datagram: the packet that carried it and where its bytes
/// went (packet-ip.c's `ip.fragment` items).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// The packet's number in the order the dissector saw them (0 first).
    pub frame: u64,
    /// Offset of its bytes in the datagram's payload.
    pub offset: u32,
    /// Its bytes.
    pub len: u32,
    /// What reassemble.c flags in it ([`Fragment::OVERLAP`]…).
    pub flags: u8,
}

impl Fragment {
    /// Some of its bytes were already given by a fragment before it in offset order
    /// (`FD_OVERLAP`).
    pub const OVERLAP: u8 = 1;
    /// … and they differ (`FD_OVERLAPCONFLICT`).
    pub const CONFLICT: u8 = 2;
    /// A last fragment ending elsewhere than the first one did (`FD_MULTIPLETAILS`).
    pub const MULTIPLE_TAILS: u8 = 4;
    /// It reaches past the datagram's end (`FD_TOOLONGFRAGMENT`).
    pub const TOO_LONG: u8 = 8;
}

struct Datagram {
    /// Sorted by offset; equal offsets in arrival order.
    pieces: Vec<Piece>,
    /// Set by the first fragment without "more fragments".
    len: Option<u32>,
    first_ts: i64,
    /// Position in `Reassembler::age`.
    serial: u64,
    charged: usize,
}

/// The reassembly table.
pub(crate) struct Reassembler {
    limits: FragLimits,
    table: Map<FragKey, Datagram>,
    /// Incomplete datagrams by (first timestamp, serial): the oldest first.
    age: BTreeMap<(i64, u64), FragKey>,
    next_serial: u64,
    buffered: usize,
    stats: FragStats,
    /// The packet being dissected, noted with each fragment it adds.
    frame: u64,
    /// The fragments of the datagrams this packet completed, each datagram's by offset.
    completed: Vec<Fragment>,
}

impl Reassembler {
    pub fn new(limits: FragLimits) -> Self {
        Reassembler {
            limits,
            table: Map::default(),
            age: BTreeMap::new(),
            next_serial: 0,
            buffered: 0,
            stats: FragStats::default(),
            frame: 0,
            completed: Vec::new(),
        }
    }

    /// The fragments added from now on come from packet `frame`, and none completed yet.
    pub fn set_frame(&mut self, frame: u64) {
        self.frame = frame;
        self.completed.clear();
    }

    /// The fragments of the datagrams completed since [`Reassembler::set_frame`]: which
    /// packets make a datagram, as the packet detail names them.
    pub fn completed(&self) -> &[Fragment] {
        &self.completed
    }

    pub fn stats(&self) -> FragStats {
        FragStats {
            pending: self.table.len() as u64,
            buffered_bytes: self.buffered as u64,
            ..self.stats
        }
    }

    /// Adds a fragment carrying `data` at byte `offset` of its datagram.
    pub fn add(&mut self, key: FragKey, offset: u32, more: bool, data: &[u8], ts_ns: i64) -> Added {
        self.expire(ts_ns);
        let Some(end) = offset
            .checked_add(data.len() as u32)
            .filter(|&e| e <= self.limits.max_datagram)
        else {
            self.stats.rejected += 1;
            return Added::Rejected(FragSkip::TooLarge);
        };
        if let Some(d) = self.table.get(&key) {
            if d.pieces.len() >= self.limits.max_fragments {
                self.stats.rejected += 1;
                return Added::Rejected(FragSkip::TooManyFragments);
            }
        }
        let cost = data.len() + PIECE_OVERHEAD;
        self.make_room(&key, cost);
        if self.buffered + cost > self.limits.max_bytes {
            // Only this datagram is left and it alone is over the cap (duplicates).
            self.stats.rejected += 1;
            return Added::Rejected(FragSkip::TooLarge);
        }
        let d = match self.table.get_mut(&key) {
            Some(d) => d,
            None => {
                let serial = self.next_serial;
                self.next_serial += 1;
                self.age.insert((ts_ns, serial), key);
                self.table.entry(key).or_insert(Datagram {
                    pieces: Vec::new(),
                    len: None,
                    first_ts: ts_ns,
                    serial,
                    charged: 0,
                })
            }
        };
        self.stats.fragments += 1;
        let mut flags = 0;
        if !more {
            match d.len {
                None => d.len = Some(end),
                Some(len) if len != end => flags = Fragment::MULTIPLE_TAILS,
                Some(_) => {}
            }
        }
        let at = d.pieces.partition_point(|p| p.offset <= offset);
        // An exact duplicate changes nothing (the first arrival wins): not stored.
        let duplicate = d.pieces[..at]
            .iter()
            .rev()
            .take_while(|p| p.offset == offset)
            .any(|p| p.data == data);
        if !duplicate {
            d.pieces.insert(
                at,
                Piece {
                    offset,
                    data: data.to_vec(),
                    frame: self.frame,
                    flags,
                },
            );
            d.charged += cost;
            self.buffered += cost;
        }
        let Some(len) = d.len else {
            return Added::Pending;
        };
        // Covered from 0 without a gap up to `covered` (pieces are sorted by offset).
        let mut covered = 0u32;
        for p in &d.pieces {
            if p.offset <= covered {
                covered = covered.max(p.offset + p.data.len() as u32);
            }
        }
        if covered < len {
            return Added::Pending;
        }
        let Some(d) = self.table.remove(&key) else {
            return Added::Pending;
        };
        self.age.remove(&(d.first_ts, d.serial));
        self.buffered -= d.charged;
        self.stats.reassembled += 1;
        let start = self.completed.len();
        let buf = assemble(&d.pieces, len, &mut self.completed);
        if self.completed[start..]
            .iter()
            .any(|f| f.flags & Fragment::OVERLAP != 0)
        {
            self.stats.overlapping += 1;
        }
        Added::Complete(buf, d.pieces.len().min(u16::MAX as usize) as u16)
    }

    /// Drops the datagrams whose first fragment is older than the timeout.
    fn expire(&mut self, now: i64) {
        while let Some((&(first, _), &key)) = self.age.iter().next() {
            if now.saturating_sub(first) <= self.limits.timeout_ns {
                break;
            }
            self.drop_datagram(&key);
            self.stats.timed_out += 1;
        }
    }

    /// Drops the oldest datagrams (other than `keep`'s) until `cost` more bytes and, for a
    /// new datagram, one more datagram fit.
    fn make_room(&mut self, keep: &FragKey, cost: usize) {
        let new = !self.table.contains_key(keep);
        loop {
            let over_bytes = self.buffered + cost > self.limits.max_bytes;
            let over_count = new && self.table.len() >= self.limits.max_datagrams;
            if !over_bytes && !over_count {
                return;
            }
            let Some(victim) = self.age.values().find(|k| *k != keep).copied() else {
                return;
            };
            self.drop_datagram(&victim);
            self.stats.evicted += 1;
        }
    }

    fn drop_datagram(&mut self, key: &FragKey) {
        if let Some(d) = self.table.remove(key) {
            self.age.remove(&(d.first_ts, d.serial));
            self.buffered -= d.charged;
        } else {
            self.age.retain(|_, k| k != key);
        }
    }
}

/// Copies the pieces into one buffer of `len` bytes: each byte from the piece with the
/// lowest offset covering it (pieces are sorted by offset, ties in arrival order), as
/// `fragment_defragment_and_free` does, and notes each piece in `out` with the flags that
/// function gives it: bytes past the end are cut (too long), and a piece that starts
/// before the bytes so far end overlaps them (a conflict where its bytes differ).
fn assemble(pieces: &[Piece], len: u32, out: &mut Vec<Fragment>) -> Vec<u8> {
    let len = len as usize;
    let mut buf = vec![0u8; len];
    let mut pos = 0usize;
    for p in pieces {
        let start = p.offset as usize;
        let mut flags = p.flags;
        if !p.data.is_empty() {
            if start >= len {
                flags |= Fragment::TOO_LONG;
            } else {
                let mut fits = p.data.len();
                if start + fits > len {
                    flags |= Fragment::TOO_LONG;
                    fits = len - start;
                }
                let seen = pos.saturating_sub(start);
                if seen > 0 {
                    flags |= Fragment::OVERLAP;
                    let same = seen.min(fits);
                    if buf[start..start + same] != p.data[..same] {
                        flags |= Fragment::CONFLICT;
                    }
                }
                if fits > seen {
                    buf[start + seen..start + fits].copy_from_slice(&p.data[seen..fits]);
                }
                pos = pos.max(start + fits);
            }
        }
        out.push(Fragment {
            frame: p.frame,
            offset: p.offset,
            len: p.data.len() as u32,
            flags,
        });
    }
    buf
}

#[cfg(test)]
mod test {
    use super::*;

    fn key(id: u32) -> FragKey {
        FragKey {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            id,
            proto: 17,
            vlan: 0,
        }
    }

    fn complete(a: Added) -> Vec<u8> {
        match a {
            Added::Complete(buf, _) => buf,
            Added::Pending => panic!("pending"),
            Added::Rejected(why) => panic!("rejected: {why:?}"),
        }
    }

    /// (frame, offset, length, flags) of the fragments the last packet completed.
    fn pieces(r: &Reassembler) -> Vec<(u64, u32, u32, u8)> {
        r.completed()
            .iter()
            .map(|f| (f.frame, f.offset, f.len, f.flags))
            .collect()
    }

    /// reassemble.c's flags, as tshark shows them on zeek's ipv4/fragmented-1.pcap: a
    /// first fragment, a tail, then a fragment from 0 past the tail's end that completes
    /// the datagram (too long, and both it and the tail overlap earlier bytes with other
    /// bytes); another tail ending elsewhere is flagged too.
    #[test]
    fn fragments_name_their_packets_and_reassemble_c_s_flags() {
        use Fragment as F;
        let mut r = Reassembler::new(FragLimits::default());
        r.set_frame(0);
        assert!(matches!(r.add(key(1), 0, true, b"aaaa", 0), Added::Pending));
        r.set_frame(1);
        assert!(matches!(
            r.add(key(1), 8, false, b"bbbb", 1),
            Added::Pending
        ));
        r.set_frame(2);
        let whole = complete(r.add(key(1), 0, true, b"cccccccccccccccc", 2));
        assert_eq!(whole, b"aaaacccccccc");
        assert_eq!(
            pieces(&r),
            [
                (0, 0, 4, 0),
                (2, 0, 16, F::OVERLAP | F::CONFLICT | F::TOO_LONG),
                (1, 8, 4, F::OVERLAP | F::CONFLICT),
            ]
        );
        // The next packet starts afresh.
        r.set_frame(3);
        assert!(r.completed().is_empty());
        assert!(matches!(r.add(key(2), 0, true, b"abcd", 3), Added::Pending));
        assert!(matches!(r.add(key(2), 8, false, b"ij", 3), Added::Pending));
        r.set_frame(4);
        complete(r.add(key(2), 4, false, b"efgh", 4));
        assert_eq!(
            pieces(&r),
            [(3, 0, 4, 0), (4, 4, 4, F::MULTIPLE_TAILS), (3, 8, 2, 0)]
        );
    }

    #[test]
    fn in_order_out_of_order_and_reused_identifiers() {
        let mut r = Reassembler::new(FragLimits::default());
        assert!(matches!(r.add(key(1), 0, true, b"abcd", 0), Added::Pending));
        assert_eq!(complete(r.add(key(1), 4, false, b"ef", 1)), b"abcdef");
        // The same identifier again is a new datagram; the tail first this time.
        assert!(matches!(r.add(key(1), 8, false, b"ij", 2), Added::Pending));
        assert!(matches!(r.add(key(1), 0, true, b"abcd", 3), Added::Pending));
        assert_eq!(complete(r.add(key(1), 4, true, b"efgh", 4)), b"abcdefghij");
        let s = r.stats();
        assert_eq!(
            (s.fragments, s.reassembled, s.pending, s.buffered_bytes),
            (5, 2, 0, 0)
        );
    }

    #[test]
    fn overlaps_keep_the_lower_offset_and_the_first_arrival() {
        let mut r = Reassembler::new(FragLimits::default());
        r.add(key(2), 0, true, b"aaaa", 0);
        r.add(key(2), 2, true, b"XXXXXX", 0); // bytes 2..4 overlap: "aa" stays
        r.add(key(2), 4, true, b"YY", 0); // duplicate of 4..6: the first arrival stays
        assert_eq!(complete(r.add(key(2), 8, false, b"b", 0)), b"aaaaXXXXb");
        assert_eq!(r.stats().overlapping, 1);
    }

    #[test]
    fn a_second_tail_does_not_change_the_length() {
        let mut r = Reassembler::new(FragLimits::default());
        r.add(key(3), 4, false, b"cd", 0);
        r.add(key(3), 4, false, b"cdef", 0);
        // Covered 4..8 past the length 6: complete once 0..4 arrives, at 6 bytes.
        assert_eq!(complete(r.add(key(3), 0, true, b"abxx", 0)), b"abxxcd");
    }

    #[test]
    fn limits_bound_memory_and_time() {
        let limits = FragLimits {
            max_bytes: 1000,
            max_datagrams: 3,
            timeout_ns: 100,
            ..FragLimits::default()
        };
        let mut r = Reassembler::new(limits);
        for id in 0..5 {
            r.add(key(id), 0, true, &[0; 10], id as i64);
        }
        let s = r.stats();
        assert_eq!((s.pending, s.evicted), (3, 2));
        // A datagram too big for the byte cap pushes out every other one.
        r.add(key(9), 0, true, &[0; 900], 10);
        assert_eq!((r.stats().pending, r.stats().evicted), (1, 5));
        assert!(r.stats().buffered_bytes <= 1000);
        // Past the timeout, the next fragment finds the table empty.
        r.add(key(10), 0, true, &[0; 10], 200);
        assert_eq!((r.stats().pending, r.stats().timed_out), (1, 1));
        assert!(matches!(
            r.add(key(11), 131_070, true, &[0; 10], 200),
            Added::Rejected(FragSkip::TooLarge)
        ));
    }

    #[test]
    fn too_many_fragments_are_rejected() {
        let mut r = Reassembler::new(FragLimits {
            max_fragments: 4,
            ..FragLimits::default()
        });
        for i in 0..4 {
            assert!(matches!(
                r.add(key(1), i * 8, true, &[0; 8], 0),
                Added::Pending
            ));
        }
        assert!(matches!(
            r.add(key(1), 64, false, &[0; 8], 0),
            Added::Rejected(FragSkip::TooManyFragments)
        ));
    }
}
