//! memcached's transactions as the key-value tables read them ([`super::kv`]): every key
//! with its hit or miss and value, the values sent and returned.

use super::kv::{Columns, KeyUse, KeyValue, Tally, ValueUse};
use crate::capture::app::memcache::Memcache;

impl KeyValue for Memcache {
    const COLUMNS: Columns = Columns {
        hits: true,
        noreply: true,
        key_conversations: true,
        key_errors: false,
        values: true,
        sql: false,
        slowest_and_errors: false,
    };

    fn command(&self) -> &str {
        Memcache::command(self)
    }

    fn keys(&self) -> impl Iterator<Item = KeyUse<'_>> {
        Memcache::keys(self).iter().map(|k| KeyUse {
            key: k.key(),
            hit: k.hit(),
            value_len: k.value_len(),
        })
    }

    /// Every key with a value: sent with a storage command (no lookup), or returned.
    fn values(&self) -> impl Iterator<Item = ValueUse<'_>> {
        Memcache::keys(self).iter().filter_map(|k| {
            Some(ValueUse {
                key: k.key(),
                value_len: k.value_len()?,
                sent: Some(k.hit().is_none()),
            })
        })
    }

    fn tally(&self) -> Tally {
        Tally {
            hits: self.hits().into(),
            misses: self.misses().into(),
            error: self.error(),
            noreply: self.noreply(),
            incomplete: self.incomplete(),
            bytes: self.value_bytes(),
            ..Tally::default()
        }
    }
}
