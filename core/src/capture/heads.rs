//! The link and IP headers each way of a conversation, when every packet that way had the
//! same: what filters on `eth.src`, `vlan.id`, `ip.ttl`, `ip.flags.df` or `ipv6.hlim` read
//! instead of the packets.
//!
//! A head is the packet's bytes from the start of the frame to the end of its IP header
//! (IPv6: the fixed 40 bytes), with what changes from packet to packet or is the
//! conversation's own cleared: the lengths, the identification, the checksum and the
//! addresses. Heads are interned: most conversations of a capture share a handful (the
//! two MAC addresses of a router, one VLAN, the TTLs of a few systems). 8 bytes a
//! conversation, and about 60 a distinct head.

use std::collections::HashMap;

/// A way of a conversation that has no head: no packet yet, packets whose heads differ,
/// or one the ingest could not take a head from (a fragment, a cut header).
const NONE: u32 = u32::MAX;
/// A way no packet went yet.
const UNSEEN: u32 = u32::MAX - 1;

/// Each conversation's head each way.
#[derive(Clone, Debug, Default)]
pub struct Heads {
    /// By conversation, A to B then B to A: an index into `heads`, or [`NONE`] /
    /// [`UNSEEN`].
    ways: Vec<[u32; 2]>,
    /// The distinct heads: the link type and the bytes.
    heads: Vec<(u16, Box<[u8]>)>,
    /// The index of each head in `heads`, while the ingest runs.
    interned: HashMap<(u16, Box<[u8]>), u32>,
}

impl Heads {
    /// Notes the head of a packet of conversation `flow` going way `way` (0: A to B),
    /// with link type `linktype`; None: a packet that has none, which leaves the way
    /// without one.
    pub fn add(&mut self, flow: u32, way: usize, linktype: u16, head: Option<&[u8]>) {
        let Some(slot) = self.slot(flow, way) else {
            return;
        };
        let now = *slot;
        let next = match (now, head) {
            (NONE, _) | (_, None) => NONE,
            (UNSEEN, Some(h)) => self.intern(linktype, h),
            (id, Some(h)) => match self.heads.get(id as usize) {
                Some((l, b)) if *l == linktype && **b == *h => id,
                _ => NONE,
            },
        };
        if let Some(slot) = self.slot(flow, way) {
            *slot = next;
        }
    }

    fn slot(&mut self, flow: u32, way: usize) -> Option<&mut u32> {
        let flow = flow as usize;
        if flow >= self.ways.len() {
            self.ways.resize(flow + 1, [UNSEEN; 2]);
        }
        self.ways.get_mut(flow)?.get_mut(way)
    }

    fn intern(&mut self, linktype: u16, head: &[u8]) -> u32 {
        let key = (linktype, Box::<[u8]>::from(head));
        if let Some(&id) = self.interned.get(&key) {
            return id;
        }
        let id = match u32::try_from(self.heads.len()) {
            Ok(id) if id < UNSEEN => id,
            _ => return NONE,
        };
        self.heads.push(key.clone());
        self.interned.insert(key, id);
        id
    }

    /// Ends the ingest: frees what only it needed.
    pub fn finish(&mut self) {
        self.interned = HashMap::new();
        self.ways.shrink_to_fit();
        self.heads.shrink_to_fit();
    }

    /// The head of conversation `flow` way `way` (0: A to B): its link type and bytes.
    pub fn of(&self, flow: u32, way: usize) -> Option<(u16, &[u8])> {
        let id = *self.ways.get(flow as usize)?.get(way)?;
        self.heads
            .get(id as usize)
            .map(|(linktype, bytes)| (*linktype, &bytes[..]))
    }

    /// Bytes held after [`Heads::finish`].
    pub fn memory(&self) -> usize {
        self.ways.capacity() * 8
            + self
                .heads
                .iter()
                .map(|(_, b)| b.len() + std::mem::size_of::<(u16, Box<[u8]>)>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_way_keeps_its_head_while_every_packet_has_the_same() {
        let mut h = Heads::default();
        h.add(0, 0, 1, Some(b"ab"));
        h.add(0, 1, 1, Some(b"cd"));
        h.add(2, 0, 1, Some(b"ab"));
        h.add(0, 0, 1, Some(b"ab"));
        assert_eq!(h.of(0, 0), Some((1, &b"ab"[..])));
        assert_eq!(h.of(0, 1), Some((1, &b"cd"[..])));
        assert_eq!(h.of(2, 0), Some((1, &b"ab"[..])));
        assert_eq!((h.of(1, 0), h.of(2, 1), h.of(3, 0)), (None, None, None));
        assert_eq!(h.heads.len(), 2, "interned");
        // Another head, another link type, or none: the way has none from then on.
        h.add(0, 0, 1, Some(b"ax"));
        h.add(0, 0, 1, Some(b"ab"));
        h.add(0, 1, 113, Some(b"cd"));
        h.add(2, 0, 1, None);
        h.finish();
        assert_eq!((h.of(0, 0), h.of(0, 1), h.of(2, 0)), (None, None, None));
    }
}
