//! The capture's transactions, in blocks that never move.

use super::Transaction;
use std::ops::{Index, IndexMut};

/// A capture's transactions, in order, kept in blocks of [`Transactions::BLOCK`]: a
/// block, once made, never moves, and every block but the last is full. One `Vec`
/// would move as it grows (holding its old and new room while it copies) or be reserved
/// ahead at a guessed rate; in a wasm32 heap, which never shrinks, either leaves holes
/// the size of all the transactions. Read it as a slice: by index, [`Transactions::iter`],
/// [`Transactions::len`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transactions {
    blocks: Vec<Vec<Transaction>>,
}

impl Transactions {
    /// Transactions a block holds: 40 KiB on wasm32 (a transaction is 40 bytes), a size
    /// a heap reuses when a block is freed, and few blocks for a million transactions.
    pub const BLOCK: usize = 1024;

    /// No transactions.
    pub fn new() -> Transactions {
        Transactions::default()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        match self.blocks.last() {
            Some(last) => (self.blocks.len() - 1) * Self::BLOCK + last.len(),
            None => 0,
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Transaction `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&Transaction> {
        self.blocks.get(i / Self::BLOCK)?.get(i % Self::BLOCK)
    }

    /// Transaction `i`, to change, if there is one.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut Transaction> {
        self.blocks
            .get_mut(i / Self::BLOCK)?
            .get_mut(i % Self::BLOCK)
    }

    /// The last transaction.
    pub fn last(&self) -> Option<&Transaction> {
        self.blocks.last()?.last()
    }

    /// Adds a transaction at the end; a full last block gets a new block after it.
    pub fn push(&mut self, t: Transaction) {
        match self.blocks.last_mut() {
            Some(last) if last.len() < Self::BLOCK => last.push(t),
            _ => {
                let mut block = Vec::with_capacity(Self::BLOCK);
                block.push(t);
                self.blocks.push(block);
            }
        }
    }

    /// Puts a transaction at place `at` (at most [`Transactions::len`]), the ones after it
    /// one place on: as cheap as `Vec::insert` near the end, where the ingest inserts.
    pub fn insert(&mut self, at: usize, t: Transaction) {
        let len = self.len();
        assert!(at <= len, "insertion at {at} past the end ({len})");
        self.push(t);
        for i in (at..len).rev() {
            self.swap(i, i + 1);
        }
    }

    /// Swaps transactions `a` and `b`.
    pub fn swap(&mut self, a: usize, b: usize) {
        let (ba, bb) = (a / Self::BLOCK, b / Self::BLOCK);
        if ba == bb {
            self.blocks[ba].swap(a % Self::BLOCK, b % Self::BLOCK);
        } else {
            let (lo, hi) = (ba.min(bb), ba.max(bb));
            let (left, right) = self.blocks.split_at_mut(hi);
            let (i_lo, i_hi) = if ba < bb {
                (a % Self::BLOCK, b % Self::BLOCK)
            } else {
                (b % Self::BLOCK, a % Self::BLOCK)
            };
            std::mem::swap(&mut left[lo][i_lo], &mut right[0][i_hi]);
        }
    }

    /// The transactions in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            blocks: self.blocks.iter().flatten(),
            left: self.len(),
        }
    }

    /// Keeps only the transactions `keep` says yes to, in order. The blocks are consumed
    /// one at a time as the kept ones move into new ones: no more than a block over.
    pub fn retain(&mut self, mut keep: impl FnMut(&Transaction) -> bool) {
        let old = std::mem::take(&mut self.blocks);
        for block in old {
            for t in block {
                if keep(&t) {
                    self.push(t);
                }
            }
        }
        self.shrink_to_fit();
    }

    /// Gives back the last block's spare room and the block list's.
    pub fn shrink_to_fit(&mut self) {
        if let Some(last) = self.blocks.last_mut() {
            last.shrink_to_fit();
        }
        self.blocks.shrink_to_fit();
    }

    /// Where `t`, a reference to one of these transactions, is among them (the page keeps
    /// a table's rows as these places); None for a transaction from elsewhere. For many,
    /// [`Transactions::locator`] finds each faster.
    pub fn index_of(&self, t: &Transaction) -> Option<usize> {
        self.locator().index_of(t)
    }

    /// Finds the places of references into these transactions, each in a binary search of
    /// where the blocks are.
    pub fn locator(&self) -> Locator<'_> {
        let mut starts: Vec<(usize, usize)> = (self.blocks.iter())
            .enumerate()
            .map(|(b, block)| (block.as_ptr() as usize, b))
            .collect();
        starts.sort_unstable();
        Locator { all: self, starts }
    }

    /// The heap these take, the transactions' details apart.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * std::mem::size_of::<Vec<Transaction>>()
            + self
                .blocks
                .iter()
                .map(|b| b.capacity() * std::mem::size_of::<Transaction>())
                .sum::<usize>()
    }
}

impl Index<usize> for Transactions {
    type Output = Transaction;

    fn index(&self, i: usize) -> &Transaction {
        &self.blocks[i / Self::BLOCK][i % Self::BLOCK]
    }
}

impl IndexMut<usize> for Transactions {
    fn index_mut(&mut self, i: usize) -> &mut Transaction {
        &mut self.blocks[i / Self::BLOCK][i % Self::BLOCK]
    }
}

impl FromIterator<Transaction> for Transactions {
    fn from_iter<I: IntoIterator<Item = Transaction>>(iter: I) -> Transactions {
        let mut all = Transactions::new();
        all.extend(iter);
        all
    }
}

impl Extend<Transaction> for Transactions {
    fn extend<I: IntoIterator<Item = Transaction>>(&mut self, iter: I) {
        for t in iter {
            self.push(t);
        }
    }
}

impl<'a> IntoIterator for &'a Transactions {
    type Item = &'a Transaction;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Where references into a [`Transactions`] are in it ([`Transactions::locator`]).
#[derive(Debug)]
pub struct Locator<'a> {
    all: &'a Transactions,
    /// The address of each block, and its number, by address.
    starts: Vec<(usize, usize)>,
}

impl Locator<'_> {
    /// Where `t` is, if it is one of the transactions.
    pub fn index_of(&self, t: &Transaction) -> Option<usize> {
        let size = std::mem::size_of::<Transaction>().max(1);
        let at = t as *const Transaction as usize;
        let (start, b) = self.starts[..self.starts.partition_point(|&(s, _)| s <= at)]
            .last()
            .copied()?;
        let i = (at - start) / size;
        let block = &self.all.blocks[b];
        ((at - start).is_multiple_of(size) && i < block.len())
            .then_some(b * Transactions::BLOCK + i)
    }
}

/// The transactions of a [`Transactions`] in order ([`Transactions::iter`]).
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    blocks: std::iter::Flatten<std::slice::Iter<'a, Vec<Transaction>>>,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Transaction;

    fn next(&mut self) -> Option<&'a Transaction> {
        let t = self.blocks.next()?;
        self.left -= 1;
        Some(t)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let t = self.blocks.next_back()?;
        self.left -= 1;
        Some(t)
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod test {
    use super::super::{Detail, Extent, Transaction};
    use super::Transactions;

    /// A transaction told apart by its conversation.
    fn tx(conv: u32) -> Transaction {
        Transaction {
            conv,
            request: Some(Extent::new(u64::from(conv), u64::from(conv), 1)),
            response: None,
            detail: Detail::Dns(Box::default()),
        }
    }

    fn convs(ts: &Transactions) -> Vec<u32> {
        ts.iter().map(|t| t.conv).collect()
    }

    #[test]
    fn transactions_read_as_a_vec_across_blocks() {
        let n = 2 * Transactions::BLOCK + 5;
        let mut ts = Transactions::new();
        let mut v = Vec::new();
        for c in 0..n as u32 {
            ts.push(tx(c));
            v.push(c);
        }
        assert_eq!((ts.len(), ts.is_empty()), (n, false));
        assert_eq!(convs(&ts), v);
        assert_eq!(ts.iter().len(), n);
        let back: Vec<u32> = ts.iter().rev().map(|t| t.conv).collect();
        assert!(back.iter().eq(v.iter().rev()));
        for i in [0, Transactions::BLOCK - 1, Transactions::BLOCK, n - 1] {
            assert_eq!(
                (ts[i].conv, ts.get(i).map(|t| t.conv)),
                (i as u32, Some(i as u32))
            );
            assert_eq!(ts.index_of(&ts[i]), Some(i));
        }
        assert!(ts.get(n).is_none());
        assert_eq!(ts.last().map(|t| t.conv), Some(n as u32 - 1));
        assert_eq!(ts.index_of(&tx(0)), None);
        assert!(Transactions::new().is_empty() && Transactions::new().iter().next().is_none());
    }

    #[test]
    fn blocks_never_move_as_transactions_are_added() {
        let mut ts: Transactions = (0..Transactions::BLOCK as u32).map(tx).collect();
        let first = &ts[0] as *const Transaction as usize;
        for c in 0..3 * Transactions::BLOCK as u32 {
            ts.push(tx(c));
        }
        assert_eq!(&ts[0] as *const Transaction as usize, first);
    }

    #[test]
    fn insertions_and_swaps_across_blocks_keep_the_order_of_a_vec() {
        let b = Transactions::BLOCK;
        let mut ts = Transactions::new();
        let mut v: Vec<u32> = Vec::new();
        for c in 0..(b + 10) as u32 {
            ts.push(tx(c));
            v.push(c);
        }
        for (at, c) in [
            (b - 3, 9001),
            (b, 9002),
            (b + 12, 9003),
            (0, 9004),
            (b + 1, 9005),
        ] {
            ts.insert(at, tx(c));
            v.insert(at, c);
            assert_eq!(convs(&ts), v);
        }
        ts.swap(1, b + 2);
        v.swap(1, b + 2);
        ts.swap(b + 4, 3);
        v.swap(b + 4, 3);
        ts.swap(5, 6);
        v.swap(5, 6);
        assert_eq!(convs(&ts), v);
        ts.retain(|t| t.conv % 3 != 0);
        v.retain(|c| c % 3 != 0);
        assert_eq!(convs(&ts), v);
        ts[0].conv = 77;
        assert_eq!(ts.get_mut(0).map(|t| t.conv), Some(77));
    }
}
