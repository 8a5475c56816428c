//! What the detail of any packet needs of the whole capture, gathered once per capture.
//!
//! Since the packet index is compressed, a pass over it costs 15–50 ns a row; a detail
//! asks for one packet and must not pay one. What only a whole pass can find (each
//! conversation's first packet each way, its first packet a replay may not start after)
//! is found here once, with what is per conversation (its transactions), and shared:
//! by every [`super::Apps`] (the page keeps one per conversation) and by the
//! [`crate::query::fields::FieldCtx`] of each detail.

use crate::capture::app::pdu::PduKind;
use crate::capture::tcp::bits;
use crate::capture::Capture;
use std::rc::Rc;

/// TCP analysis flags after which no replay start is safe: a zero window probe (the
/// analysis does not count its byte, the reassembly does), a reused port (another
/// connection on the same conversation).
const UNSAFE: u32 = bits::ZERO_WINDOW_PROBE | bits::REUSED_PORTS;

/// TCP analysis flags that tell of a hole, a segment sent again or one not at the highest
/// sequence number seen: a later replay start must prove what the reassembly held
/// there (`app::resume`).
pub(crate) const MARKS: u32 = bits::RETRANSMISSION
    | bits::LOST_PACKET
    | bits::ACK_LOST_PACKET
    | bits::OUT_OF_ORDER
    | bits::FAST_RETRANSMISSION
    | bits::SPURIOUS_RETRANSMISSION
    | bits::KEEP_ALIVE;

/// Per-conversation facts of one capture (build it from the capture it is used with).
#[derive(Debug, PartialEq, Eq)]
pub struct Index {
    /// Each conversation's first packet each way (`[A→B, B→A]`, `u32::MAX`: none), as
    /// [`crate::query::fields::FieldCtx`] keeps them.
    firsts: Rc<[[u32; 2]]>,
    /// Each conversation's first packet after which no replay start is safe
    /// (`u32::MAX`: none): one the TCP analysis flagged [`UNSAFE`], or one cut short (its
    /// segment hands the reassembly fewer bytes than it says it has, a hole the analysis
    /// does not see).
    unsafe_from: Vec<u32>,
    /// Packets the TCP analysis flagged with [`MARKS`], by conversation: those of
    /// conversation `c` are `marks[marks_at[c]..marks_at[c + 1]]`, (packet, flags), in
    /// packet order.
    marks_at: Vec<u32>,
    marks: Vec<(u32, u32)>,
    /// Transactions by conversation: those of conversation `c` are
    /// `tx[tx_at[c]..tx_at[c + 1]]`, in the capture's order.
    tx_at: Vec<u32>,
    tx: Vec<u32>,
    /// Conversations with a PostgreSQL SSLRequest, GSSENCRequest or the server's
    /// one-byte answer to one (encryption was asked for).
    pg_asked: Vec<bool>,
}

/// An [`Index`] gathered in pieces: [`Gather::step`] walks some packets at a time, so that
/// a caller with other work to answer (the page's worker, between the page's messages)
/// spreads the pass over the packets, and [`Gather::finish`] walks what is left and the
/// transactions. Pieces of any size give the same [`Index`] as [`Index::of`].
#[derive(Debug)]
pub struct Gather {
    /// The next packet to walk.
    next: usize,
    /// Where the flagged packets (`Capture::tcp_flags`, in packet order) are walked to.
    flagged: usize,
    firsts: Vec<[u32; 2]>,
    unsafe_from: Vec<u32>,
    /// (conversation, packet, flags) of the packets flagged with [`MARKS`].
    marked: Vec<(u32, u32, u32)>,
}

impl Gather {
    /// Nothing walked yet, of `capture` (each step must be given the same capture).
    pub fn new(capture: &Capture) -> Gather {
        let n = capture.conversations.len();
        Gather {
            next: 0,
            flagged: 0,
            firsts: vec![[u32::MAX; 2]; n],
            unsafe_from: vec![u32::MAX; n],
            marked: Vec::new(),
        }
    }

    /// Walks at most `rows` more packets; true once every packet was walked.
    pub fn step(&mut self, capture: &Capture, rows: usize) -> bool {
        let end = self.next.saturating_add(rows).min(capture.packets.len());
        let flags = &capture.tcp_flags;
        for (i, r) in (self.next..end).zip(capture.packets.range(self.next..end)) {
            let Some(f) = self.firsts.get_mut(r.flow as usize) else {
                continue;
            };
            let d = usize::from(r.dir() == crate::capture::flow::Direction::BToA);
            if f[d] == u32::MAX {
                f[d] = i as u32;
            }
            let k = &mut self.flagged;
            while flags.get(*k).is_some_and(|&(p, _)| p < i as u64) {
                *k += 1;
            }
            let fl = flags
                .get(*k)
                .filter(|&&(p, _)| p == i as u64)
                .map_or(0, |&(_, fl)| fl.0);
            if fl & MARKS != 0 {
                self.marked.push((r.flow, i as u32, fl & MARKS));
            }
            let u = &mut self.unsafe_from[r.flow as usize];
            if *u == u32::MAX && (fl & UNSAFE != 0 || r.caplen < r.len) {
                *u = i as u32;
            }
        }
        self.next = end;
        self.done(capture)
    }

    /// True once every packet was walked ([`Gather::finish`] then walks only the
    /// transactions).
    pub fn done(&self, capture: &Capture) -> bool {
        self.next >= capture.packets.len()
    }

    /// The [`Index`]: the packets not walked yet, then the transactions.
    pub fn finish(mut self, capture: &Capture) -> Index {
        self.step(capture, usize::MAX);
        let Gather {
            firsts,
            unsafe_from,
            marked,
            ..
        } = self;
        let n = firsts.len();
        let mut tx_at = vec![0u32; n + 1];
        for t in &capture.transactions {
            if let Some(c) = tx_at.get_mut(t.conv as usize + 1) {
                *c += 1;
            }
        }
        for c in 1..tx_at.len() {
            tx_at[c] += tx_at[c - 1];
        }
        let mut next = tx_at.clone();
        let mut tx = vec![0u32; tx_at[n] as usize];
        for (i, t) in capture.transactions.iter().enumerate() {
            if let Some(at) = next
                .get_mut(t.conv as usize)
                .filter(|_| (t.conv as usize) < n)
            {
                tx[*at as usize] = i as u32;
                *at += 1;
            }
        }
        let mut marks_at = vec![0u32; n + 1];
        for &(c, _, _) in &marked {
            marks_at[c as usize + 1] += 1;
        }
        for c in 1..marks_at.len() {
            marks_at[c] += marks_at[c - 1];
        }
        let mut next = marks_at.clone();
        let mut marks = vec![(0u32, 0u32); marked.len()];
        for (c, p, fl) in marked {
            let at = &mut next[c as usize];
            marks[*at as usize] = (p, fl);
            *at += 1;
        }
        let mut pg_asked = vec![false; n];
        for p in &capture.pdus {
            if p.kind == PduKind::Pgsql && matches!(p.code, 1 | 2 | 4) {
                if let Some(a) = pg_asked.get_mut(p.conv as usize) {
                    *a = true;
                }
            }
        }
        Index {
            firsts: firsts.into(),
            unsafe_from,
            marks_at,
            marks,
            tx_at,
            tx,
            pg_asked,
        }
    }
}

impl Index {
    /// Gathers the facts of `capture`: one pass over its packets, one over its
    /// transactions.
    pub fn of(capture: &Capture) -> Index {
        Gather::new(capture).finish(capture)
    }

    /// Each conversation's first packet each way, for a
    /// [`crate::query::fields::FieldCtx`] of the same capture.
    pub fn firsts(&self) -> Rc<[[u32; 2]]> {
        Rc::clone(&self.firsts)
    }

    /// The first packet of conversation `flow` going way `d` (0: A→B, 1: B→A).
    pub fn first_way(&self, flow: u32, d: usize) -> Option<usize> {
        let f = self.firsts.get(flow as usize)?[d];
        (f != u32::MAX).then_some(f as usize)
    }

    /// The first packet of conversation `flow`.
    pub fn first(&self, flow: u32) -> Option<usize> {
        let [a, b] = *self.firsts.get(flow as usize)?;
        let f = a.min(b);
        (f != u32::MAX).then_some(f as usize)
    }

    /// The first packet of conversation `flow` after which no replay start is safe.
    pub(crate) fn unsafe_from(&self, flow: u32) -> Option<usize> {
        let u = *self.unsafe_from.get(flow as usize)?;
        (u != u32::MAX).then_some(u as usize)
    }

    /// The packets of conversation `flow` the TCP analysis flagged with [`MARKS`]:
    /// (packet, those flags), in packet order.
    pub(crate) fn marks(&self, flow: u32) -> &[(u32, u32)] {
        let c = flow as usize;
        match (self.marks_at.get(c), self.marks_at.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.marks[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The transactions of conversation `flow` (indices into the capture's), in order.
    pub(crate) fn transactions(&self, flow: u32) -> &[u32] {
        let c = flow as usize;
        match (self.tx_at.get(c), self.tx_at.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.tx[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Whether PostgreSQL conversation `flow`'s client asked for encryption.
    pub(crate) fn pg_asked(&self, flow: u32) -> bool {
        self.pg_asked.get(flow as usize).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod test {
    //! The facts gathered in one pass are those a walk of each conversation finds, and a
    //! packet's `tcp.time_delta` looked for alone is the one a filter's pass finds.
    use super::{Gather, Index, MARKS, UNSAFE};
    use crate::capture::flow::Direction;
    use crate::capture::packet::PacketRow;
    use crate::capture::Capture;
    use crate::query::fields::{Fid, FieldCtx, MemorySource};
    use std::path::{Path, PathBuf};

    /// Every capture under tests/data, with its bytes.
    fn captures() -> Vec<(String, Vec<u8>, Capture)> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).expect("tests/data is in the repository") {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                    out.push(p);
                }
            }
        }
        let mut paths = Vec::new();
        walk(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data"),
            &mut paths,
        );
        paths.sort();
        assert!(paths.len() >= 20, "{paths:?}");
        paths
            .into_iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&p).unwrap();
                let c = crate::ingest::ingest_bytes(&name, &bytes);
                (name, bytes, c)
            })
            .collect()
    }

    #[test]
    fn facts_are_each_conversations_own() {
        let mut seen = [0usize; 4];
        for (name, _, c) in captures() {
            let x = Index::of(&c);
            let rows: Vec<PacketRow> = c.packets.iter().collect();
            let rows = &rows[..];
            for flow in 0..c.conversations.len() as u32 {
                let mine = || (0..rows.len()).filter(move |&i| rows[i].flow == flow);
                for (d, dir) in [Direction::AToB, Direction::BToA].into_iter().enumerate() {
                    let want = mine().find(|&i| rows[i].dir() == dir);
                    assert_eq!(x.first_way(flow, d), want, "{name}: {flow} {d}");
                }
                assert_eq!(x.first(flow), mine().next(), "{name}: {flow}");
                let flagged = c
                    .tcp_flags
                    .iter()
                    .filter(|(p, f)| f.0 & UNSAFE != 0 && rows[*p as usize].flow == flow)
                    .map(|&(p, _)| p as usize);
                let cut = mine().filter(|&i| rows[i].caplen < rows[i].len);
                let want = flagged.chain(cut).min();
                assert_eq!(x.unsafe_from(flow), want, "{name}: {flow}");
                seen[0] += usize::from(want.is_some());
                let marks: Vec<(u32, u32)> = c
                    .tcp_flags
                    .iter()
                    .filter(|(p, f)| f.0 & MARKS != 0 && rows[*p as usize].flow == flow)
                    .map(|&(p, f)| (p as u32, f.0 & MARKS))
                    .collect();
                assert_eq!(x.marks(flow), &marks[..], "{name}: {flow}");
                seen[3] += marks.len();
                let tx: Vec<u32> = (0..c.transactions.len() as u32)
                    .filter(|&t| c.transactions[t as usize].conv == flow)
                    .collect();
                assert_eq!(x.transactions(flow), &tx[..], "{name}: {flow}");
                seen[1] += tx.len();
                let asked = c.pdus.iter().any(|p| {
                    p.conv == flow
                        && p.kind == crate::capture::app::pdu::PduKind::Pgsql
                        && matches!(p.code, 1 | 2 | 4)
                });
                assert_eq!(x.pg_asked(flow), asked, "{name}: {flow}");
                seen[2] += usize::from(asked);
            }
        }
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    }

    /// An index gathered in pieces of any size, or finished half-way, is the one gathered
    /// at once.
    #[test]
    fn gathered_in_pieces_is_gathered_at_once() {
        let mut walked = 0;
        for (name, _, c) in captures() {
            let whole = Index::of(&c);
            for rows in [1, 7, 64, 1000] {
                let mut g = Gather::new(&c);
                let mut steps = 1;
                while !g.step(&c, rows) {
                    steps += 1;
                }
                assert!(g.done(&c));
                assert_eq!(steps, c.packets.len().div_ceil(rows).max(1), "{name}");
                assert_eq!(g.finish(&c), whole, "{name}: pieces of {rows}");
            }
            let mut g = Gather::new(&c);
            g.step(&c, c.packets.len() / 2);
            assert_eq!(g.done(&c), c.packets.is_empty(), "{name}");
            assert_eq!(g.finish(&c), whole, "{name}: finished half-way");
            walked += c.packets.len();
        }
        assert!(walked > 1000, "{walked}");
    }

    #[test]
    fn time_delta_alone_is_the_passes() {
        let mut compared = 0;
        for (name, bytes, c) in captures() {
            let mut src = MemorySource {
                files: vec![&bytes[..]],
            };
            let mut delta = |ctx: &mut FieldCtx<'_>, i: usize| {
                ctx.begin(i);
                let mut v = Vec::new();
                ctx.extract(Fid::TcpTimeDelta, 0, &mut src, &mut v);
                format!("{v:?}")
            };
            // One context for every packet: the first few looked for alone, the rest
            // from its pass.
            let mut all = FieldCtx::new(&c);
            for i in 0..c.packets.len() {
                let got = delta(&mut all, i);
                let alone = delta(&mut FieldCtx::new(&c), i);
                assert_eq!(got, alone, "{name}: packet {}", i + 1);
                compared += usize::from(i >= 64 && got != "[]");
            }
        }
        assert!(compared > 500, "{compared}");
    }
}
