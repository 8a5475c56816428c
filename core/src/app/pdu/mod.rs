//! Field values of application PDUs, as Wireshark's dissectors show them.
//!
//! The transaction parsers (`app::memcache`, `app::redis` …) summarise a conversation;
//! Wireshark's fields describe each PDU (`memcache.key` of every `VALUE` line,
//! `resp.bulk_string.length` of every bulk string). When a display filter or a column
//! asks for such a field, [`crate::fields::FieldCtx`] reads the packets of the
//! conversations decoded as that protocol again, reassembles their streams and hands the
//! bytes to a [`PduFields`] dissector, which attaches each PDU's values to the packet
//! that completed it (Wireshark's desegmentation does the same).

pub mod memcache;
pub mod resp;

use crate::fields::{AppValue, Fid};
use std::collections::{HashMap, HashSet};

/// Values of app-layer fields per (packet index, field), in order of occurrence.
pub type PduValues = HashMap<(u64, Fid), Vec<AppValue>>;

/// Where a [`PduFields`] dissector puts its values.
pub struct PduOut<'a> {
    values: &'a mut PduValues,
    /// Fields wanted; every field when None.
    wanted: Option<&'a HashSet<Fid>>,
}

impl<'a> PduOut<'a> {
    /// Values go to `values`; only fields in `wanted` are kept (all when None).
    pub fn new(values: &'a mut PduValues, wanted: Option<&'a HashSet<Fid>>) -> Self {
        PduOut { values, wanted }
    }

    /// Whether `field` is wanted: a dissector may skip building a value nobody asked for
    /// (a megabyte `memcache.value`).
    pub fn wants(&self, field: Fid) -> bool {
        self.wanted.is_none_or(|w| w.contains(&field))
    }

    /// Adds one occurrence of `field` to packet `packet` (0-based index).
    pub fn add(&mut self, packet: u64, field: Fid, value: AppValue) {
        if self.wants(field) {
            self.values.entry((packet, field)).or_default().push(value);
        }
    }
}

/// A dissector of one conversation that puts out Wireshark's per-PDU fields.
pub trait PduFields {
    /// In-order bytes of one side of a TCP stream, completed by packet `packet` (0-based
    /// index into `Capture::packets`). `to_server` is true for the client's bytes.
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>);
    /// `len` bytes of one side were never captured: drop what was pending on that side
    /// and find the next PDU boundary as Wireshark would.
    fn gap(&mut self, to_server: bool, len: u64);
}
