//! The packets a packet's detail reads besides its own, for a caller that holds only the
//! packets it has read (the page's worker reads them from the `File` in slices).
//!
//! What the detail of a conversation no parser of ours indexes looks at depends on the
//! bytes: SSH's replay of the conversation's first segments, a binary packet or a line
//! cut over segments (back to its start), SMTP's client having sent DATA, a line that a
//! later segment ends. So the reads go in rounds: a first one of the packets known to be
//! wanted ([`Reads::new`]), then, after a detail built from them noted what it asked for
//! and lacked ([`Noting`]), the packets of the conversation around what it lacked
//! ([`Reads::next`]), until it lacks nothing, with a bound on rounds and bytes.

use super::Index;
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::Capture;
use crate::query::fields::{self, PacketSource};

/// The most rounds of reads after the first.
const ROUNDS: usize = 6;
/// Packets of the conversation read past the farthest packet asked for after the one
/// at hand, in the round after (doubled every round): the lines looked at forward
/// end within a few segments.
const REACH: usize = 8;
/// The most bytes held for one detail; what lies past them is not read (the detail then
/// shows what it shows without them, as for a packet that cannot be read).
const BUDGET: u64 = 32 << 20;
/// The most packets (of any conversation) walked past the one at hand for the
/// conversation's packets (the detail looks no farther: `lines::MAX_LOOK`, `ssh::MAX_BACK`).
const LOOK: usize = 4096;

/// The reads of one packet's detail, round by round.
pub struct Reads<'c> {
    capture: &'c Capture,
    index: usize,
    /// Packets read so far, ascending.
    held: Vec<usize>,
    /// Their bytes.
    bytes: u64,
    reach: usize,
    rounds: usize,
}

impl<'c> Reads<'c> {
    /// The reads of packet `index`'s detail and its first round: the packet, its
    /// conversation's first packet each way (the TCP fields look back at them), and for
    /// an SSH conversation the segments replayed for its state up to the packet.
    pub fn new(capture: &'c Capture, index: usize, shared: &Index) -> (Self, Vec<usize>) {
        let mut first = vec![index];
        if let Some(row) = capture.packets.get(index) {
            let flow = row.flow;
            first.extend(
                (0..2)
                    .filter_map(|d| shared.first_way(flow, d))
                    .filter(|&i| i <= index),
            );
            let ssh = capture
                .conversations
                .get(flow as usize)
                .filter(|c| c.proto == crate::capture::flow::L4::Tcp)
                .is_some_and(|c| fields::ssh_port([c.port_a, c.port_b]).is_some());
            if flow != NO_FLOW && ssh {
                let start = shared.first(flow).unwrap_or(index).min(index);
                first.extend(
                    fields::ssh_segments(capture, flow, start)
                        .into_iter()
                        .filter(|&i| i <= index),
                );
            }
        }
        // The packet, or a first packet, that completes an IP datagram: its fragments
        // (the detail shows the datagram's layers, the TCP fields its header).
        let fragments: Vec<usize> = first
            .iter()
            .filter_map(|&i| capture.datagrams.fragments_of(i as u64))
            .flatten()
            .map(|&f| f as usize)
            .collect();
        first.extend(fragments);
        first.sort_unstable();
        first.dedup();
        let mut reads = Reads {
            capture,
            index,
            held: Vec::new(),
            bytes: 0,
            reach: REACH,
            rounds: 0,
        };
        let first = reads.take(first);
        (reads, first)
    }

    /// The next round's packets, after a detail built from those read so far lacked
    /// `missed`: each of them, every packet of the conversation between it and the
    /// packet at hand (a walk back or forth stops at the first packet it lacks), and for
    /// one past the packet at hand the conversation's next few beyond it. Empty when
    /// nothing was missed, the rounds or the bytes are spent, or all of it was read.
    pub fn next(&mut self, missed: &[usize]) -> Vec<usize> {
        let n = self.capture.packets.len();
        let missed: Vec<usize> = missed
            .iter()
            .copied()
            .filter(|&i| i < n && self.held.binary_search(&i).is_err())
            .collect();
        if missed.is_empty() || self.rounds == ROUNDS {
            return Vec::new();
        }
        self.rounds += 1;
        let flow = self.capture.packets.at(self.index).flow;
        let mut want = missed.clone();
        if flow != NO_FLOW {
            let same = |i: &usize| self.capture.packets.at(*i).flow == flow;
            let lo = missed
                .iter()
                .copied()
                .filter(same)
                .min()
                .unwrap_or(self.index)
                .min(self.index);
            let hi = missed
                .iter()
                .copied()
                .filter(same)
                .max()
                .unwrap_or(self.index)
                .max(self.index);
            // Back to the earliest, the nearest first (the budget keeps what is nearest).
            let back = lo.max(self.index.saturating_sub(LOOK));
            let before: Vec<usize> = (back..)
                .zip(self.capture.packets.range(back..self.index))
                .filter(|(_, r)| r.flow == flow)
                .map(|(i, _)| i)
                .collect();
            want.extend(before.into_iter().rev());
            let mut beyond = if hi > self.index { self.reach } else { 0 };
            let end = n.min(hi.max(self.index) + LOOK);
            for (i, r) in (self.index + 1..).zip(self.capture.packets.range(self.index + 1..end)) {
                if r.flow != flow {
                    continue;
                }
                if i > hi {
                    if beyond == 0 {
                        break;
                    }
                    beyond -= 1;
                }
                want.push(i);
            }
            self.reach *= 2;
        }
        self.take(want)
    }

    /// Those of `want` not read yet, in its order until the budget is spent, ascending;
    /// now counted as read.
    fn take(&mut self, want: Vec<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        for i in want {
            if self.held.binary_search(&i).is_ok() || out.contains(&i) {
                continue;
            }
            let Some(row) = self.capture.packets.get(i) else {
                continue;
            };
            // The packet at hand is always read.
            if i != self.index && self.bytes + u64::from(row.caplen) > BUDGET {
                break;
            }
            self.bytes += u64::from(row.caplen);
            out.push(i);
        }
        out.sort_unstable();
        for &i in &out {
            if let Err(at) = self.held.binary_search(&i) {
                self.held.insert(at, i);
            }
        }
        out
    }
}

/// A source over the packets read so far (each round's, in `sources`) that notes those
/// the detail asked for and none of them held.
pub struct Noting<'s> {
    /// The sources tried in turn.
    pub sources: Vec<&'s mut dyn PacketSource>,
    /// The packets asked for and not had, in the order asked.
    pub missed: Vec<usize>,
}

impl<'s> Noting<'s> {
    /// A source over `sources`, nothing missed yet.
    pub fn new(sources: Vec<&'s mut dyn PacketSource>) -> Self {
        Noting {
            sources,
            missed: Vec::new(),
        }
    }
}

impl PacketSource for Noting<'_> {
    fn read(&mut self, index: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        if self.sources.iter_mut().any(|s| s.read(index, row, buf)) {
            return true;
        }
        if !self.missed.contains(&index) {
            self.missed.push(index);
        }
        false
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::detail::{detail, pdml, Apps, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};
    use std::rc::Rc;

    /// Serves the packets of `.1` only, as the page's reads hold them.
    struct Held<'a>(MemorySource<'a>, Vec<usize>);

    impl PacketSource for Held<'_> {
        fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
            self.1.contains(&i) && self.0.read(i, row, buf)
        }
    }

    fn text(d: &crate::query::detail::Detail) -> String {
        let mut s = String::new();
        pdml::packet(&mut s, d);
        s
    }

    /// Every packet's detail built from the rounds' reads alone, asked in any order each
    /// from a fresh state (the page's worker), is the detail from the whole file (the
    /// CLI's); from the first round's alone (the worker's reads before) the SSH and line
    /// protocols' details of the captures' cut packets and multi-line replies differ.
    #[test]
    fn rounds_give_the_whole_files_detail() {
        for (name, file) in [
            (
                "detail.pcap",
                &include_bytes!("../../../../tests/data/tcpapps/detail.pcap")[..],
            ),
            (
                "lines.pcap",
                &include_bytes!("../../../../tests/data/tcpapps/lines.pcap")[..],
            ),
            (
                "ssh-made.pcap",
                &include_bytes!("../../../../tests/data/ssh/ssh-made.pcap")[..],
            ),
        ] {
            let capture = crate::ingest::ingest_bytes(name, file);
            let shared = Rc::new(Index::of(&capture));
            let n = capture.packets.len();
            let mut differed = 0;
            for i in (0..n).rev() {
                let whole = {
                    let mut ctx = FieldCtx::new(&capture);
                    let mut apps = Apps::with_index(Rc::clone(&shared));
                    let mut src = MemorySource { files: vec![file] };
                    text(&detail(
                        &mut ctx,
                        i,
                        &mut src,
                        &mut apps,
                        FrameInfo::default(),
                    ))
                };
                // The worker's reads before: the packet and its conversation's first each way.
                let flow = capture.packets.at(i).flow;
                let mut before: Vec<usize> =
                    (0..2).filter_map(|d| shared.first_way(flow, d)).collect();
                before.push(i);
                let old = {
                    let mut ctx = FieldCtx::new(&capture);
                    let mut apps = Apps::with_index(Rc::clone(&shared));
                    let mut src = Held(MemorySource { files: vec![file] }, before);
                    text(&detail(
                        &mut ctx,
                        i,
                        &mut src,
                        &mut apps,
                        FrameInfo::default(),
                    ))
                };
                differed += usize::from(old != whole);
                let (mut reads, first) = Reads::new(&capture, i, &shared);
                let mut sets = vec![Held(MemorySource { files: vec![file] }, first)];
                let mut rounds = 0;
                let got = loop {
                    let mut ctx = FieldCtx::new(&capture);
                    let mut apps = Apps::with_index(Rc::clone(&shared));
                    let mut src = Noting::new(
                        sets.iter_mut()
                            .map(|s| s as &mut dyn PacketSource)
                            .collect(),
                    );
                    let d = text(&detail(
                        &mut ctx,
                        i,
                        &mut src,
                        &mut apps,
                        FrameInfo::default(),
                    ));
                    let more = reads.next(&src.missed);
                    if more.is_empty() {
                        break d;
                    }
                    rounds += 1;
                    sets.push(Held(MemorySource { files: vec![file] }, more));
                };
                assert_eq!(got, whole, "{name} frame {}", i + 1);
                assert!(rounds <= 3, "{name} frame {}: {rounds} rounds", i + 1);
            }
            assert!(
                differed > 0,
                "{name}: the packet and the firsts alone fall short"
            );
        }
    }

    /// Past the budget, or with nothing missed, no more rounds; a miss that is the packet
    /// read already asks for nothing again.
    #[test]
    fn rounds_end() {
        let file = &include_bytes!("../../../../tests/data/tcpapps/detail.pcap")[..];
        let capture = crate::ingest::ingest_bytes("detail.pcap", file);
        let shared = Index::of(&capture);
        let (mut reads, first) = Reads::new(&capture, 10, &shared);
        assert!(first.contains(&10));
        assert!(reads.next(&[]).is_empty());
        assert!(reads.next(&first).is_empty());
        assert!(reads.next(&[usize::MAX]).is_empty());
        let unread = (0..capture.packets.len())
            .find(|i| !first.contains(i))
            .unwrap();
        let more = reads.next(&[unread]);
        assert!(more.contains(&unread) && !more.contains(&10));
        for i in 0..capture.packets.len() {
            if reads.rounds == ROUNDS {
                break;
            }
            reads.next(&[i]);
        }
        assert_eq!(reads.rounds, ROUNDS);
        let unread = (0..capture.packets.len()).find(|i| reads.held.binary_search(i).is_err());
        assert!(reads.next(&[unread.unwrap()]).is_empty());
    }
}
