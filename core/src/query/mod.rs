//! Queries over a finished [`Capture`](crate::capture::Capture): they read it, and the
//! bytes of the packets they need (re-read by offset), and never change it.

pub mod cuts;
pub mod detail;
pub mod expert;
pub mod export;
pub mod fields;
pub mod filter;
pub mod follow;
pub mod lake;
#[cfg(test)]
pub(crate) mod made;
pub mod reread;
pub mod rows;
pub mod scan;
pub mod sessions;
pub mod stats;
pub mod transactions;
