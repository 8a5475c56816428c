//! Values of fields by packet, kept compact: what a filter over the transactions or the
//! PDUs of a big capture gathers before it evaluates a packet.

use super::{AppValue, Fid};
use std::hash::BuildHasher;

/// Where a [`PacketValues`]' values ended at some time ([`PacketValues::mark`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    values: usize,
    /// Blocks of texts, and the length of the last.
    texts: (usize, usize),
}

/// Values of fields by (packet, field), in order of occurrence within each: keys and
/// values in two sequences kept sorted by (packet, field), 8 bytes of key and 16 of value
/// a value on wasm32, and the texts and bytes of them all one after another in a third.
/// A hash map of a `Vec` of [`AppValue`]s each took about four times that (the map's
/// entry, a `Vec` made room for four values at its first, a block of its own for each
/// text): on bench-5g.pcap the scan of `http.response.code == 200` peaked 32 MB over the
/// heap it began with, then 9.
///
/// The three are kept in blocks of a fixed size that never move ([`Blocks`], 64 KiB of
/// texts): a vector that doubles as it grows holds its old room and its new at once, and
/// in wasm memory, which never shrinks, leaves the old room as a hole too small for the
/// next (the scans of a session of filters climbed step by step).
///
/// Values are added in any order; they are sorted again by [`PacketValues::settle`],
/// before they are looked up. Adding in packet order, as a pass over the packets does,
/// leaves nothing to sort.
///
/// A text or byte string met lately ([`Recent`]) is stored once: memcached's keys, commands
/// and reply words repeat (bench-5g.pcap: the scan of `memcache.key contains "user"` held
/// 15 MB of keys, a few hundred distinct).
#[derive(Debug, Default)]
pub struct PacketValues {
    keys: Blocks<(u32, Fid)>,
    values: Blocks<Stored>,
    /// The texts and bytes of the values, where `Stored` points: blocks of [`TEXTS`] bytes
    /// at most, or one text longer than that alone.
    texts: Vec<Vec<u8>>,
    /// `keys[..sorted]` is in order; the rest was added since.
    sorted: usize,
    /// Where the texts stored lately are, made with the first text.
    recent: Option<Recent>,
}

/// Bytes of texts a block holds (a longer text has a block of its own).
const TEXTS: usize = 64 << 10;

/// A sequence in blocks of [`Blocks::BLOCK`] items that never move once full; the first
/// grows as a vector does until it is full, so a few values take little room.
#[derive(Debug)]
struct Blocks<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Blocks<T> {
    fn default() -> Self {
        Blocks {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Copy> Blocks<T> {
    /// Items a block holds: 32 KiB of keys, 64 KiB of values.
    const BLOCK: usize = 4096;

    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, v: T) {
        let b = self.len / Self::BLOCK;
        if b == self.blocks.len() {
            let room = if b == 0 { 0 } else { Self::BLOCK };
            self.blocks.push(Vec::with_capacity(room));
        }
        self.blocks[b].push(v);
        self.len += 1;
    }

    fn get(&self, i: usize) -> T {
        self.blocks[i / Self::BLOCK][i % Self::BLOCK]
    }

    fn set(&mut self, i: usize, v: T) {
        self.blocks[i / Self::BLOCK][i % Self::BLOCK] = v;
    }

    fn swap(&mut self, i: usize, j: usize) {
        let (a, b) = (self.get(i), self.get(j));
        self.set(i, b);
        self.set(j, a);
    }

    fn last(&self) -> Option<T> {
        self.len.checked_sub(1).map(|i| self.get(i))
    }

    /// Keeps the first `n` items; the blocks past them go.
    fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        self.blocks.truncate(n.div_ceil(Self::BLOCK));
        if let Some(last) = self.blocks.last_mut() {
            last.truncate(n - (n - 1) / Self::BLOCK * Self::BLOCK);
        }
        self.len = n;
    }

    /// The first index in `lo..hi` whose item `pred` fails (`pred` holds for a prefix):
    /// the block first (by the first of its items in the range), then the place in it by
    /// a search of a slice, which a filter makes twice a packet.
    fn partition_point(&self, lo: usize, hi: usize, pred: impl Fn(T) -> bool) -> usize {
        if lo >= hi {
            return lo;
        }
        let first_of = |b: usize| lo.max(b * Self::BLOCK);
        let (mut a, mut z) = (lo / Self::BLOCK, (hi - 1) / Self::BLOCK + 1);
        // Blocks `..a` begin where `pred` holds, `z..` where it fails.
        let start = a;
        while a < z {
            let mid = a + (z - a) / 2;
            if pred(self.get(first_of(mid))) {
                a = mid + 1;
            } else {
                z = mid;
            }
        }
        let Some(b) = a.checked_sub(1).filter(|&b| b >= start) else {
            return lo;
        };
        let (from, to) = (first_of(b), hi.min((b + 1) * Self::BLOCK));
        let base = b * Self::BLOCK;
        from + self.blocks[b][from - base..to - base].partition_point(|&x| pred(x))
    }

    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.blocks.iter().flatten().copied()
    }
}

/// The texts and bytes stored lately, by hash, in a table of fixed size: a value met again
/// points at the first copy. A slot holds the last text that hashed to it, so the table
/// costs the same whatever the values (texts that all differ, such as URIs, add nothing
/// to it), and texts that collide are only stored twice.
struct Recent {
    hasher: crate::ingest::hash::Seeded,
    /// Where each is in `PacketValues::texts`; a length of 0: empty.
    slots: Box<[Span]>,
}

impl Recent {
    /// Slots of the table: many times the distinct keys of a memcached workload, 48 KiB.
    const SLOTS: usize = 4096;

    fn new() -> Self {
        Recent {
            // Texts that share a slot may be stored more than once: the tests count the
            // bytes stored, so theirs is keyed the same each run (1 in about 700 random
            // keys put two of their four texts in one slot).
            #[cfg(not(test))]
            hasher: Default::default(),
            #[cfg(test)]
            hasher: crate::ingest::hash::Seeded::fixed(),
            slots: vec![Span::default(); Self::SLOTS].into_boxed_slice(),
        }
    }
}

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recent")
    }
}

/// Where a text is: its block of `PacketValues::texts`, its start there and its length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    block: u32,
    at: u32,
    len: u32,
}

/// An [`AppValue`] as kept: numbers inline, texts and bytes as a span of
/// `PacketValues::texts`.
#[derive(Clone, Copy, Debug)]
enum Stored {
    Present,
    Bool(bool),
    Uint(u64),
    Int(i64),
    Rel(i64),
    Text(Span),
    Bytes(Span),
    Ipv4([u8; 4]),
    Ipv6(Span),
}

/// A value of [`PacketValues`], borrowed: an [`AppValue`] whose text and bytes are not
/// copied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// The field is there with no value.
    Present,
    /// `FT_BOOLEAN`.
    Bool(bool),
    /// Unsigned integers and frame numbers.
    Uint(u64),
    /// Signed integers.
    Int(i64),
    /// A duration in ns.
    Rel(i64),
    /// `FT_STRING`.
    Text(&'a str),
    /// `FT_BYTES`.
    Bytes(&'a [u8]),
    /// `FT_IPv4`.
    Ipv4([u8; 4]),
    /// `FT_IPv6`.
    Ipv6([u8; 16]),
}

impl From<ValueRef<'_>> for AppValue {
    fn from(v: ValueRef<'_>) -> Self {
        match v {
            ValueRef::Present => AppValue::Present,
            ValueRef::Bool(b) => AppValue::Bool(b),
            ValueRef::Uint(n) => AppValue::Uint(n),
            ValueRef::Int(n) => AppValue::Int(n),
            ValueRef::Rel(n) => AppValue::Rel(n),
            ValueRef::Text(s) => AppValue::Text(s.to_owned()),
            ValueRef::Bytes(b) => AppValue::Bytes(b.to_vec()),
            ValueRef::Ipv4(a) => AppValue::Ipv4(a),
            ValueRef::Ipv6(a) => AppValue::Ipv6(a),
        }
    }
}

impl AppValue {
    /// The value, borrowed.
    pub fn as_value_ref(&self) -> ValueRef<'_> {
        match self {
            AppValue::Present => ValueRef::Present,
            AppValue::Bool(b) => ValueRef::Bool(*b),
            AppValue::Uint(n) => ValueRef::Uint(*n),
            AppValue::Int(n) => ValueRef::Int(*n),
            AppValue::Rel(n) => ValueRef::Rel(*n),
            AppValue::Text(s) => ValueRef::Text(s),
            AppValue::Bytes(b) => ValueRef::Bytes(b),
            AppValue::Ipv4(a) => ValueRef::Ipv4(*a),
            AppValue::Ipv6(a) => ValueRef::Ipv6(*a),
        }
    }
}

/// Puts `v` in `texts` as far as it needs to be there: a text or byte string that is
/// there already (`recent` says where) is not put again.
fn store(texts: &mut Vec<Vec<u8>>, recent: &mut Option<Recent>, v: ValueRef<'_>) -> Stored {
    let mut put = |b: &[u8]| {
        let (Ok(len), true) = (u32::try_from(b.len()), !b.is_empty()) else {
            // Empty (or past 4 GiB, which wasm32 cannot hold): nothing kept.
            return Span::default();
        };
        let r = recent.get_or_insert_with(Recent::new);
        let slot = r.hasher.hash_one(b) as usize % Recent::SLOTS;
        let s = r.slots[slot];
        if s.len == len && text(texts, s) == Some(b) {
            return s;
        }
        let fits = texts
            .last()
            .is_some_and(|t| t.len() + b.len() <= TEXTS.max(t.capacity()));
        if !fits {
            texts.push(Vec::with_capacity(if texts.is_empty() {
                0
            } else {
                TEXTS.max(b.len())
            }));
        }
        let block = texts.len() - 1;
        let t = &mut texts[block];
        let s = Span {
            block: block as u32,
            at: t.len() as u32,
            len,
        };
        t.extend_from_slice(b);
        r.slots[slot] = s;
        s
    };
    match v {
        ValueRef::Present => Stored::Present,
        ValueRef::Bool(b) => Stored::Bool(b),
        ValueRef::Uint(n) => Stored::Uint(n),
        ValueRef::Int(n) => Stored::Int(n),
        ValueRef::Rel(n) => Stored::Rel(n),
        ValueRef::Text(s) => Stored::Text(put(s.as_bytes())),
        ValueRef::Bytes(b) => Stored::Bytes(put(b)),
        ValueRef::Ipv4(a) => Stored::Ipv4(a),
        ValueRef::Ipv6(a) => Stored::Ipv6(put(&a)),
    }
}

/// The bytes at `s` of `texts`, if they are there.
fn text(texts: &[Vec<u8>], s: Span) -> Option<&[u8]> {
    let (at, len) = (s.at as usize, s.len as usize);
    texts.get(s.block as usize)?.get(at..at + len)
}

/// The value `s` of `texts`, borrowed.
fn load(texts: &[Vec<u8>], s: Stored) -> ValueRef<'_> {
    let bytes = |s: Span| text(texts, s).unwrap_or_default();
    match s {
        Stored::Present => ValueRef::Present,
        Stored::Bool(b) => ValueRef::Bool(b),
        Stored::Uint(n) => ValueRef::Uint(n),
        Stored::Int(n) => ValueRef::Int(n),
        Stored::Rel(n) => ValueRef::Rel(n),
        // Stored from a `str` whole, so a boundary of its characters.
        Stored::Text(s) => ValueRef::Text(std::str::from_utf8(bytes(s)).unwrap_or_default()),
        Stored::Bytes(s) => ValueRef::Bytes(bytes(s)),
        Stored::Ipv4(a) => ValueRef::Ipv4(a),
        Stored::Ipv6(s) => {
            let mut a = [0; 16];
            if let Ok(b) = <[u8; 16]>::try_from(bytes(s)) {
                a = b;
            }
            ValueRef::Ipv6(a)
        }
    }
}

impl PacketValues {
    /// Adds one occurrence of `field` in packet `packet` (0-based index). Packets past
    /// `u32::MAX` have no values (a capture's packets are numbered in 32 bits).
    pub fn add(&mut self, packet: u64, field: Fid, value: ValueRef<'_>) {
        let Ok(packet) = u32::try_from(packet) else {
            return;
        };
        let key = (packet, field);
        // Still in order: nothing to sort later.
        if self.sorted == self.keys.len() && self.keys.last().is_none_or(|k| k <= key) {
            self.sorted += 1;
        }
        self.keys.push(key);
        let v = store(&mut self.texts, &mut self.recent, value);
        self.values.push(v);
    }

    /// Sorts what was added since the last call among the rest, keeping the order of
    /// occurrence of the values of a (packet, field). Only the end of the sequences from
    /// where the first of the new keys belongs is sorted: values added nearly in packet
    /// order cost nearly nothing.
    pub fn settle(&mut self) {
        let n = self.keys.len();
        if self.sorted == n {
            return;
        }
        let least = (self.sorted..n).map(|i| self.keys.get(i)).min();
        let from = least.map_or(self.sorted, |k| {
            self.keys.partition_point(0, self.sorted, |p| p <= k)
        });
        // A permutation of the range (4 bytes a value), sorted by key and then place, so
        // the values of a key keep their order, applied in place by following its cycles.
        let mut order: Vec<u32> = (0..(n - from) as u32).collect();
        let keys = &self.keys;
        order.sort_unstable_by_key(|&i| (keys.get(from + i as usize), i));
        for start in 0..order.len() {
            let mut at = start;
            loop {
                let next = order[at] as usize;
                order[at] = at as u32;
                if next == start {
                    break;
                }
                self.keys.swap(from + at, from + next);
                self.values.swap(from + at, from + next);
                at = next;
            }
        }
        self.sorted = n;
    }

    /// The values of `field` in packet `packet`, as far as they were settled.
    pub fn get(&self, packet: u64, field: Fid) -> impl ExactSizeIterator<Item = ValueRef<'_>> {
        let (lo, hi) = match u32::try_from(packet) {
            Ok(packet) => {
                let key = (packet, field);
                let lo = self.keys.partition_point(0, self.sorted, |k| k < key);
                (lo, self.keys.partition_point(lo, self.sorted, |k| k == key))
            }
            Err(_) => (0, 0),
        };
        (lo..hi).map(|i| load(&self.texts, self.values.get(i)))
    }

    /// Keeps the values whose (packet, field) `keep` passes, and gives back the room of
    /// the others.
    pub fn retain(&mut self, mut keep: impl FnMut(u64, Fid) -> bool) {
        self.settle();
        let mut texts = Vec::new();
        let mut recent = None;
        let mut to = 0;
        for at in 0..self.keys.len() {
            let (p, f) = self.keys.get(at);
            if keep(u64::from(p), f) {
                let v = load(&self.texts, self.values.get(at));
                let v = store(&mut texts, &mut recent, v);
                self.values.set(to, v);
                self.keys.set(to, (p, f));
                to += 1;
            }
        }
        self.keys.truncate(to);
        self.values.truncate(to);
        if let Some(last) = texts.last_mut() {
            last.shrink_to_fit();
        }
        self.texts = texts;
        self.sorted = to;
        // What is kept is mostly looked up from now on: the table goes.
        self.recent = None;
    }

    /// Every value with its packet and field, in (packet, field) order once settled.
    pub fn iter(&self) -> impl Iterator<Item = (u64, Fid, ValueRef<'_>)> {
        self.keys
            .iter()
            .zip(self.values.iter())
            .map(|((p, f), v)| (u64::from(p), f, load(&self.texts, v)))
    }

    /// Every (packet, field) with a value, once each when settled.
    pub fn keys(&self) -> impl Iterator<Item = (u64, Fid)> + '_ {
        let keys = &self.keys;
        (0..keys.len())
            .filter(move |&i| i == 0 || keys.get(i - 1) != keys.get(i))
            .map(move |i| {
                let (p, f) = keys.get(i);
                (u64::from(p), f)
            })
    }

    /// Where its values end now, for [`PacketValues::truncate`].
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            values: self.keys.len(),
            texts: (self.texts.len(), self.texts.last().map_or(0, Vec::len)),
        }
    }

    /// Takes back the values added since `mark` was taken (none was settled meanwhile).
    pub(crate) fn truncate(&mut self, mark: Mark) {
        self.keys.truncate(mark.values);
        self.values.truncate(mark.values);
        let (blocks, last) = mark.texts;
        self.texts.truncate(blocks);
        if let Some(t) = self.texts.last_mut() {
            t.truncate(last);
        }
        self.sorted = self.sorted.min(mark.values);
        // A slot of `recent` may point past the end now, or at other bytes later: it is
        // compared with the text before it is used.
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it holds no value.
    pub fn is_empty(&self) -> bool {
        self.keys.len() == 0
    }

    /// Bytes of texts it holds.
    #[cfg(test)]
    fn text_bytes(&self) -> usize {
        self.texts.iter().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// The values a map of a `Vec` each would give, in any order of adding (in packet
    /// order, backwards, shuffled, settled now and then or only at the end), with the
    /// order of occurrence kept within a (packet, field).
    #[test]
    fn gives_what_a_map_gives_in_any_order_of_adding() {
        use std::collections::HashMap;
        let fields = [
            Fid::MemcacheKey,
            Fid::MemcacheCommand,
            Fid::HttpResponseCode,
        ];
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for round in 0..40 {
            // The first rounds fill more than two blocks of keys and values.
            let n = if round < 4 {
                9000 + round
            } else {
                1 + next() % 300
            };
            let adds: Vec<(u64, Fid, AppValue)> = (0..n)
                .map(|i| {
                    let p = match round % 4 {
                        0 => i / 3,
                        1 => n - i / 2,
                        _ => next() % 50,
                    } as u64;
                    let v = match i % 4 {
                        0 => AppValue::Text(format!("text {i}")),
                        1 => AppValue::Ipv6([i as u8; 16]),
                        2 => AppValue::Bytes(vec![i as u8; i % 5]),
                        _ => AppValue::Uint(i as u64),
                    };
                    (p, fields[next() % 3], v)
                })
                .collect();
            let mut map: HashMap<(u64, Fid), Vec<AppValue>> = HashMap::new();
            let mut v = PacketValues::default();
            for (i, (p, f, x)) in adds.iter().enumerate() {
                map.entry((*p, *f)).or_default().push(x.clone());
                v.add(*p, *f, x.as_value_ref());
                if round % 3 == 0 && i % 17 == 0 {
                    v.settle();
                }
            }
            v.settle();
            assert_eq!(v.len(), n);
            for p in 0..=n as u64 + 1 {
                for f in fields {
                    let want = map.get(&(p, f)).map_or(&[][..], Vec::as_slice);
                    let got: Vec<AppValue> = v.get(p, f).map(AppValue::from).collect();
                    assert_eq!(got, want, "round {round}: packet {p} {f:?}");
                }
            }
            let keys: Vec<(u64, Fid)> = v.iter().map(|(p, f, _)| (p, f)).collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]), "round {round}");
            // Keeping a part keeps those values, in their order.
            v.retain(|p, f| p % 2 == 0 && f != Fid::MemcacheCommand);
            for p in 0..=n as u64 + 1 {
                for f in fields {
                    let want = map
                        .get(&(p, f))
                        .filter(|_| p % 2 == 0 && f != Fid::MemcacheCommand)
                        .map_or(&[][..], Vec::as_slice);
                    let got: Vec<AppValue> = v.get(p, f).map(AppValue::from).collect();
                    assert_eq!(got, want, "round {round}: packet {p} {f:?}");
                }
            }
        }
    }

    /// A text or byte string met again is stored once (memcached's keys repeat), texts
    /// that differ each once, and every value reads back as added, also after a part is
    /// kept and after values taken back to a mark.
    #[test]
    fn repeated_texts_are_stored_once() {
        let mut v = PacketValues::default();
        let keys = ["user:1", "user:22", "session:333"];
        for p in 0..3000u64 {
            v.add(p, Fid::MemcacheKey, ValueRef::Text(keys[p as usize % 3]));
            v.add(p, Fid::MemcacheValue, ValueRef::Bytes(b"xyz"));
        }
        v.settle();
        assert_eq!(v.text_bytes(), 6 + 7 + 11 + 3);
        for p in 0..3000u64 {
            let got: Vec<_> = v.get(p, Fid::MemcacheKey).collect();
            assert_eq!(got, [ValueRef::Text(keys[p as usize % 3])], "{p}");
        }
        // Texts that all differ: each stored, none lost.
        let mut w = PacketValues::default();
        let texts: Vec<String> = (0..10_000).map(|i| format!("/uri/{i}")).collect();
        for (p, t) in texts.iter().enumerate() {
            w.add(p as u64, Fid::HttpRequestUri, ValueRef::Text(t));
        }
        w.settle();
        assert_eq!(w.text_bytes(), texts.iter().map(String::len).sum::<usize>());
        for (p, t) in texts.iter().enumerate() {
            let got: Vec<_> = w.get(p as u64, Fid::HttpRequestUri).collect();
            assert_eq!(got, [ValueRef::Text(t)]);
        }
        // A text longer than a block of texts, between short ones.
        let long = vec![7u8; 3 * TEXTS / 2];
        w.add(20_000, Fid::HttpFileData, ValueRef::Bytes(&long));
        w.add(20_001, Fid::HttpRequestUri, ValueRef::Text("/after"));
        w.settle();
        let got: Vec<_> = w.get(20_000, Fid::HttpFileData).collect();
        assert_eq!(got, [ValueRef::Bytes(&long)]);
        let got: Vec<_> = w.get(20_001, Fid::HttpRequestUri).collect();
        assert_eq!(got, [ValueRef::Text("/after")]);
        // Taken back to a mark, then others added where they were: read as added.
        let mark = v.mark();
        v.add(5000, Fid::MemcacheKey, ValueRef::Text("gone"));
        v.add(3, Fid::MemcacheKey, ValueRef::Text("gone too"));
        v.truncate(mark);
        v.add(5001, Fid::MemcacheKey, ValueRef::Text("kept"));
        v.add(5002, Fid::MemcacheKey, ValueRef::Text("user:1"));
        v.settle();
        assert_eq!(v.len(), 6002);
        assert_eq!(v.get(5000, Fid::MemcacheKey).len(), 0);
        assert_eq!(v.get(3, Fid::MemcacheKey).len(), 1);
        let got: Vec<_> = v.get(5001, Fid::MemcacheKey).collect();
        assert_eq!(got, [ValueRef::Text("kept")]);
        let got: Vec<_> = v.get(5002, Fid::MemcacheKey).collect();
        assert_eq!(got, [ValueRef::Text("user:1")]);
        // A part kept: its texts once each again.
        v.retain(|p, f| p % 2 == 1 && f == Fid::MemcacheKey);
        assert_eq!(v.text_bytes(), 6 + 7 + 11 + 4);
        for p in (1..3000u64).step_by(2) {
            let got: Vec<_> = v.get(p, Fid::MemcacheKey).collect();
            assert_eq!(got, [ValueRef::Text(keys[p as usize % 3])], "{p}");
        }
    }

    /// A search of blocks finds what a search of one slice finds, in any range, across
    /// blocks and at their edges.
    #[test]
    fn blocks_search_as_a_slice_does() {
        let all: Vec<u32> = (0..10_000u32).map(|i| i / 3).collect();
        let mut b = Blocks::default();
        all.iter().for_each(|&x| b.push(x));
        let edges = [0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 9999, 10_000];
        for &lo in &edges {
            for &hi in edges.iter().filter(|&&h| h >= lo) {
                for t in [0, 1, 1365, 1366, 2730, 2731, 3332, 3333, 4000] {
                    let want = lo + all[lo..hi].partition_point(|&x| x < t);
                    assert_eq!(
                        b.partition_point(lo, hi, |x| x < t),
                        want,
                        "{lo}..{hi} < {t}"
                    );
                }
            }
        }
    }

    /// Values added and not settled yet are not looked up; a packet past 32 bits has none.
    #[test]
    fn unsettled_values_and_packets_past_32_bits() {
        let mut v = PacketValues::default();
        v.add(5, Fid::MemcacheKey, ValueRef::Uint(1));
        v.add(3, Fid::MemcacheKey, ValueRef::Text("k"));
        assert_eq!(v.get(3, Fid::MemcacheKey).len(), 0);
        v.settle();
        assert_eq!(
            v.get(3, Fid::MemcacheKey).collect::<Vec<_>>(),
            [ValueRef::Text("k")]
        );
        v.add(1 << 32, Fid::MemcacheKey, ValueRef::Uint(3));
        v.settle();
        assert_eq!(v.get(1 << 32, Fid::MemcacheKey).len(), 0);
        assert_eq!(v.get(0, Fid::MemcacheKey).len(), 0);
        assert_eq!(v.len(), 2);
    }
}
