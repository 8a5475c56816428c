//! Redis's transactions as the key-value tables read them ([`super::kv`]): the keys a
//! command names, its largest value under the first.

use super::kv::{Columns, KeyUse, KeyValue, Tally, ValueUse};
use crate::capture::app::redis::Redis;

impl KeyValue for Redis {
    const COLUMNS: Columns = Columns {
        hits: false,
        noreply: false,
        key_conversations: false,
        key_errors: true,
        values: true,
        sql: false,
        slowest_and_errors: true,
    };

    fn command(&self) -> &str {
        &self.command
    }

    /// Every key; the value bytes (see [`Redis::value_len`]) go to the first.
    fn keys(&self) -> impl Iterator<Item = KeyUse<'_>> {
        self.keys.iter().enumerate().map(|(i, k)| KeyUse {
            key: k,
            hit: None,
            value_len: if i == 0 { self.value_len } else { None },
        })
    }

    /// The largest value moved, under the first key (none for a push).
    fn values(&self) -> impl Iterator<Item = ValueUse<'_>> {
        self.value_len
            .map(|len| ValueUse {
                key: self.keys.first().map_or("", String::as_str),
                value_len: len,
                sent: None,
            })
            .into_iter()
    }

    fn tally(&self) -> Tally {
        Tally {
            error: self.error.is_some(),
            incomplete: self.incomplete,
            bytes: self.value_len.unwrap_or(0),
            ..Tally::default()
        }
    }
}
