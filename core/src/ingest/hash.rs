//! The hasher of the ingest's tables looked up for every packet or transaction
//! (conversations, address pairs, reassembly, fragments, DNS queries, interned text).
//!
//! std's SipHash cost 6–8% of an ingest of real traffic (flow table, address pairs,
//! interned headers); foldhash (already in the build through hashbrown's users) is a
//! multiply–fold hash a few times faster on short keys. A capture is input an attacker
//! may craft, so the hash stays keyed: the shared seed comes from std's `RandomState`
//! (the OS's randomness natively), unless the front end gives one first ([`seed`]: the
//! page's worker, whose wasm32 std has no source of randomness, passes
//! `crypto.getRandomValues`), and each table takes a per-table seed on top.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::OnceLock;

use foldhash::fast::{FoldHasher, SeedableRandomState};
use foldhash::SharedSeed;

/// A hash map with [`Seeded`] hashing.
pub type Map<K, V> = HashMap<K, V, Seeded>;
/// A hash set with [`Seeded`] hashing.
pub type Set<T> = HashSet<T, Seeded>;

static SHARED: OnceLock<SharedSeed> = OnceLock::new();

/// Sets the seed every table's hash is keyed with, if no table was made yet (a front end
/// without OS randomness in std calls it first, with random bits of its own). Returns
/// whether it was taken.
pub fn seed(random: u64) -> bool {
    SHARED.set(SharedSeed::from_u64(random)).is_ok()
}

fn shared() -> &'static SharedSeed {
    SHARED.get_or_init(|| SharedSeed::from_u64(RandomState::new().hash_one(0u64)))
}

/// foldhash keyed with the process's seed and a seed of the table's own.
#[derive(Clone, Debug)]
pub struct Seeded(SeedableRandomState);

impl Default for Seeded {
    fn default() -> Self {
        // A new `RandomState` differs from the last (std bumps its key each time).
        let own = RandomState::new().hash_one(1u64);
        Seeded(SeedableRandomState::with_seed(own, shared()))
    }
}

impl Seeded {
    /// Keyed the same in every run: for tests whose outcome hangs on which keys share a
    /// slot of a table that keeps one key a slot.
    #[cfg(test)]
    pub fn fixed() -> Self {
        static FIXED: SharedSeed = SharedSeed::from_u64(0x7769_7265_6c65_6e73);
        Seeded(SeedableRandomState::with_seed(1, &FIXED))
    }
}

impl BuildHasher for Seeded {
    type Hasher = FoldHasher<'static>;

    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// A hasher keyed with the process's seed and a fixed seed of its own, for digests the
/// ingest makes and a query checks later (`app::memcache::wireshark::MessageDigest`):
/// both get the same hasher, and a capture cannot be crafted to collide without the key.
pub fn digest() -> FoldHasher<'static> {
    SeedableRandomState::with_seed(0x6d63_6669_656c_6473, shared()).build_hasher()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn tables_find_what_they_hold() {
        let mut m: Map<(u32, [u8; 16]), u32> = Map::default();
        for i in 0..10_000u32 {
            m.insert((i, [i as u8; 16]), i);
        }
        assert!((0..10_000u32).all(|i| m.get(&(i, [i as u8; 16])) == Some(&i)));
        assert_eq!(m.get(&(1, [0; 16])), None);
        let s: Set<&str> = ["a", "b", "a"].into_iter().collect();
        assert_eq!(s.len(), 2);
    }
}
