//! Values of fields by packet, kept compact: what a filter over the transactions or the
//! PDUs of a big capture gathers before it evaluates a packet.

use super::{AppValue, Fid};
use std::hash::BuildHasher;

/// Where a [`PacketValues`]' values ended at some time ([`PacketValues::mark`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    values: usize,
    bytes: usize,
}

/// Values of fields by (packet, field), in order of occurrence within each: two vectors
/// kept sorted by (packet, field), 8 bytes of key and 16 of value a value on wasm32, and
/// the texts and bytes of them all one after another in a third. A hash map of a `Vec` of
/// [`AppValue`]s each took about four times that (the map's entry, a `Vec` made room for
/// four values at its first, a block of its own for each text): on bench-5g.pcap the
/// scan of `http.response.code == 200` peaked 32 MB over the heap it began with, now 9.
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
    keys: Vec<(u32, Fid)>,
    values: Vec<Stored>,
    /// The texts and bytes of the values, where `Stored` points.
    bytes: Vec<u8>,
    /// `keys[..sorted]` is in order; the rest was added since.
    sorted: usize,
    /// Where the texts stored lately are, made with the first text.
    recent: Option<Recent>,
}

/// The texts and bytes stored lately, by hash, in a table of fixed size: a value met again
/// points at the first copy. A slot holds the last text that hashed to it, so the table
/// costs the same whatever the values (texts that all differ, such as URIs, add nothing
/// to it), and texts that collide are only stored twice.
struct Recent {
    hasher: crate::ingest::hash::Seeded,
    /// (start, length) in `PacketValues::bytes`; a length of 0: empty.
    slots: Box<[(usize, usize)]>,
}

impl Recent {
    /// Slots of the table: many times the distinct keys of a memcached workload, 32 KiB on
    /// wasm32.
    const SLOTS: usize = 4096;

    fn new() -> Self {
        Recent {
            hasher: Default::default(),
            slots: vec![(0, 0); Self::SLOTS].into_boxed_slice(),
        }
    }
}

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recent")
    }
}

/// An [`AppValue`] as kept: numbers inline, texts and bytes as a range of
/// `PacketValues::bytes`.
#[derive(Clone, Copy, Debug)]
enum Stored {
    Present,
    Bool(bool),
    Uint(u64),
    Int(i64),
    Rel(i64),
    Text(usize, usize),
    Bytes(usize, usize),
    Ipv4([u8; 4]),
    /// Where its 16 bytes begin.
    Ipv6(usize),
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

/// Puts `v` in `bytes` as far as it needs to be there: a text or byte string that is
/// there already (`recent` says where) is not put again.
fn store(bytes: &mut Vec<u8>, recent: &mut Option<Recent>, v: ValueRef<'_>) -> Stored {
    let mut put = |b: &[u8]| {
        if b.is_empty() {
            return bytes.len();
        }
        let r = recent.get_or_insert_with(Recent::new);
        let slot = r.hasher.hash_one(b) as usize % Recent::SLOTS;
        let (at, len) = r.slots[slot];
        if len == b.len() && bytes.get(at..at + len) == Some(b) {
            return at;
        }
        let at = bytes.len();
        bytes.extend_from_slice(b);
        r.slots[slot] = (at, b.len());
        at
    };
    match v {
        ValueRef::Present => Stored::Present,
        ValueRef::Bool(b) => Stored::Bool(b),
        ValueRef::Uint(n) => Stored::Uint(n),
        ValueRef::Int(n) => Stored::Int(n),
        ValueRef::Rel(n) => Stored::Rel(n),
        ValueRef::Text(s) => Stored::Text(put(s.as_bytes()), s.len()),
        ValueRef::Bytes(b) => Stored::Bytes(put(b), b.len()),
        ValueRef::Ipv4(a) => Stored::Ipv4(a),
        ValueRef::Ipv6(a) => Stored::Ipv6(put(&a)),
    }
}

/// The value `s` of `bytes`, borrowed.
fn load(bytes: &[u8], s: Stored) -> ValueRef<'_> {
    match s {
        Stored::Present => ValueRef::Present,
        Stored::Bool(b) => ValueRef::Bool(b),
        Stored::Uint(n) => ValueRef::Uint(n),
        Stored::Int(n) => ValueRef::Int(n),
        Stored::Rel(n) => ValueRef::Rel(n),
        // Stored from a `str` whole, so a boundary of its characters.
        Stored::Text(at, len) => {
            ValueRef::Text(std::str::from_utf8(&bytes[at..at + len]).unwrap_or_default())
        }
        Stored::Bytes(at, len) => ValueRef::Bytes(&bytes[at..at + len]),
        Stored::Ipv4(a) => ValueRef::Ipv4(a),
        Stored::Ipv6(at) => {
            let mut a = [0; 16];
            a.copy_from_slice(&bytes[at..at + 16]);
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
        if self.sorted == self.keys.len() && self.keys.last().is_none_or(|&k| k <= key) {
            self.sorted += 1;
        }
        self.keys.push(key);
        let v = store(&mut self.bytes, &mut self.recent, value);
        self.values.push(v);
    }

    /// Sorts what was added since the last call among the rest, keeping the order of
    /// occurrence of the values of a (packet, field). Only the end of the vectors from
    /// where the first of the new keys belongs is sorted: values added nearly in packet
    /// order cost nearly nothing.
    pub fn settle(&mut self) {
        let n = self.keys.len();
        if self.sorted == n {
            return;
        }
        let least = self.keys[self.sorted..].iter().min().copied();
        let from = least.map_or(self.sorted, |k| {
            self.keys[..self.sorted].partition_point(|&p| p <= k)
        });
        // A permutation of the range (4 bytes a value), sorted by key and then place, so
        // the values of a key keep their order, applied in place by following its cycles.
        let mut order: Vec<u32> = (0..(n - from) as u32).collect();
        let keys = &self.keys[from..];
        order.sort_unstable_by_key(|&i| (keys[i as usize], i));
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
        let keys = &self.keys[..self.sorted];
        let (lo, hi) = match u32::try_from(packet) {
            Ok(packet) => {
                let key = (packet, field);
                let lo = keys.partition_point(|&k| k < key);
                (lo, lo + keys[lo..].partition_point(|&k| k == key))
            }
            Err(_) => (0, 0),
        };
        self.values[lo..hi].iter().map(|&s| load(&self.bytes, s))
    }

    /// Keeps the values whose (packet, field) `keep` passes, and gives back the room of
    /// the others.
    pub fn retain(&mut self, mut keep: impl FnMut(u64, Fid) -> bool) {
        self.settle();
        let mut bytes = Vec::new();
        let mut recent = None;
        let mut to = 0;
        for at in 0..self.keys.len() {
            let (p, f) = self.keys[at];
            if keep(u64::from(p), f) {
                let v = load(&self.bytes, self.values[at]);
                self.values[to] = store(&mut bytes, &mut recent, v);
                self.keys[to] = (p, f);
                to += 1;
            }
        }
        self.keys.truncate(to);
        self.values.truncate(to);
        self.keys.shrink_to_fit();
        self.values.shrink_to_fit();
        bytes.shrink_to_fit();
        self.bytes = bytes;
        self.sorted = to;
        // What is kept is mostly looked up from now on: the table goes.
        self.recent = None;
    }

    /// Every value with its packet and field, in (packet, field) order once settled.
    pub fn iter(&self) -> impl Iterator<Item = (u64, Fid, ValueRef<'_>)> {
        self.keys
            .iter()
            .zip(&self.values)
            .map(|(&(p, f), &v)| (u64::from(p), f, load(&self.bytes, v)))
    }

    /// Every (packet, field) with a value, once each when settled.
    pub fn keys(&self) -> impl Iterator<Item = (u64, Fid)> + '_ {
        let keys = &self.keys;
        (0..keys.len())
            .filter(move |&i| i == 0 || keys[i - 1] != keys[i])
            .map(move |i| (u64::from(keys[i].0), keys[i].1))
    }

    /// Where its values end now, for [`PacketValues::truncate`].
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            values: self.keys.len(),
            bytes: self.bytes.len(),
        }
    }

    /// Takes back the values added since `mark` was taken (none was settled meanwhile).
    pub(crate) fn truncate(&mut self, mark: Mark) {
        self.keys.truncate(mark.values);
        self.values.truncate(mark.values);
        self.bytes.truncate(mark.bytes);
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
        self.keys.is_empty()
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
            let n = 1 + next() % 300;
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
        assert_eq!(v.bytes.len(), 6 + 7 + 11 + 3);
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
        assert_eq!(w.bytes.len(), texts.iter().map(String::len).sum::<usize>());
        for (p, t) in texts.iter().enumerate() {
            let got: Vec<_> = w.get(p as u64, Fid::HttpRequestUri).collect();
            assert_eq!(got, [ValueRef::Text(t)]);
        }
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
        assert_eq!(v.bytes.len(), 6 + 7 + 11 + 4);
        for p in (1..3000u64).step_by(2) {
            let got: Vec<_> = v.get(p, Fid::MemcacheKey).collect();
            assert_eq!(got, [ValueRef::Text(keys[p as usize % 3])], "{p}");
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
