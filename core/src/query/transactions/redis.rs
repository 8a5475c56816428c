//! Redis's tables: hot keys, largest values, commands, the slowest, errors ([`kv`]).

use super::kv::{self, Columns, KeyUse, KeyValue, Tally, ValueUse};
use crate::capture::app::redis::Redis;
use crate::capture::Capture;

impl KeyValue for Redis {
    const COLUMNS: Columns = Columns {
        hits: false,
        noreply: false,
        key_conversations: false,
        key_errors: true,
        values: true,
        sql: false,
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

/// Redis's tables: commands, hot keys, largest values, the slowest and the errors.
pub fn tables(capture: &Capture) -> kv::Tables<'_, Redis> {
    kv::Tables::new(capture, true)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::app::testkit;

    #[test]
    fn tables_of_the_real_capture() {
        let capture = testkit::capture("redis.pcap", &[]);
        let t = tables(&capture);
        let hot = &t.hot_keys;
        assert_eq!(
            (
                hot[0].key.as_str(),
                hot[0].count,
                hot[0].errors,
                hot[0].hits
            ),
            ("user:1", 17, Some(1), None)
        );
        let big = &t.largest_values;
        assert_eq!(
            (
                big[0].key.as_str(),
                big[0].value_len,
                big[0].over_1mb,
                big[0].sent
            ),
            ("blob", 200_000, false, None)
        );
        let slow = t.slowest.as_ref().expect("the slowest");
        assert_eq!(slow[0].detail.command, "DEBUG");
        assert!(slow[0].latency.is_some_and(|s| s >= 0.2));
        assert_eq!(t.errors.as_ref().map(Vec::len), Some(5));
        assert_eq!(
            (t.commands[0].command.as_str(), t.commands[0].count),
            ("GET", 37)
        );
        assert!(t.misses.is_none());
    }
}
