//! memcached's tables: hot keys, largest values, misses, commands ([`kv`]).

use super::kv::{self, Columns, KeyUse, KeyValue, Tally, ValueUse};
use crate::capture::app::memcache::Memcache;
use crate::capture::Capture;

impl KeyValue for Memcache {
    const COLUMNS: Columns = Columns {
        hits: true,
        noreply: true,
        key_conversations: true,
        key_errors: false,
        values: true,
        sql: false,
    };

    fn command(&self) -> &str {
        &self.command
    }

    fn keys(&self) -> impl Iterator<Item = KeyUse<'_>> {
        self.keys.iter().map(|k| KeyUse {
            key: &k.key,
            hit: k.hit,
            value_len: k.value_len,
        })
    }

    /// Every key with a value: sent with a storage command (no lookup), or returned.
    fn values(&self) -> impl Iterator<Item = ValueUse<'_>> {
        self.keys.iter().filter_map(|k| {
            Some(ValueUse {
                key: &k.key,
                value_len: k.value_len?,
                sent: Some(k.hit.is_none()),
            })
        })
    }

    fn tally(&self) -> Tally {
        Tally {
            hits: self.hits.into(),
            misses: self.misses.into(),
            error: self.error,
            noreply: self.noreply,
            incomplete: self.incomplete,
            bytes: self.value_bytes(),
            ..Tally::default()
        }
    }
}

/// memcached's tables: commands, hot keys, largest values and misses.
pub fn tables(capture: &Capture) -> kv::Tables<'_, Memcache> {
    kv::Tables::new(capture, false)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::app::testkit;

    #[test]
    fn tables_of_the_real_capture() {
        let capture = testkit::capture("memcached.pcap", &[]);
        let t = tables(&capture);
        let hot = &t.hot_keys;
        assert_eq!(
            (
                hot[0].key.as_str(),
                hot[0].count,
                hot[0].hits,
                hot[0].misses,
                hot[0].errors
            ),
            ("user:1", 26, Some(21), Some(0), None)
        );
        assert_eq!(hot[0].bytes, 21 * 5 + 5 + 10 + 1 + 1);
        let big = &t.largest_values;
        assert_eq!(
            (
                big[0].key.as_str(),
                big[0].value_len,
                big[0].over_1mb,
                big[0].sent
            ),
            ("big:blob", 1_052_672, true, Some(true))
        );
        assert_eq!(
            (big[1].key.as_str(), big[1].over_1mb, big[1].sent),
            ("big:blob", true, Some(false))
        );
        assert!(!big[2].over_1mb);
        let blob = hot.iter().find(|h| h.key == "big:blob").expect("big:blob");
        assert!(
            blob.over_1mb
                && blob.largest == 1_052_672
                && blob.first.first_packet == 67
                && blob.last.last_packet == 127
        );
        // The frames a user finds them by: 1-based, in the conversation's stream.
        assert_eq!(
            (blob.first_at.first_frame, blob.last_at.last_frame),
            (68, 128)
        );
        let cmds = &t.commands;
        assert_eq!(
            (
                cmds[0].command.as_str(),
                cmds[0].count,
                cmds[0].hits,
                cmds[0].misses
            ),
            ("get", 25, Some(27), Some(3))
        );
        assert!(cmds[0].latency_max_ns > 0 && cmds[0].timed == 25);
        assert!(cmds[0].fingerprint.is_none() && cmds[0].slowest.is_none());
        let missing = hot.iter().find(|h| h.key == "missing:1").expect("a miss");
        assert_eq!((missing.count, missing.misses), (1, Some(1)));
        let misses = t.misses.as_ref().expect("memcached has misses");
        assert!(misses.iter().all(|k| k.misses > Some(0)));
        assert!(misses.windows(2).all(|w| w[0].misses >= w[1].misses));
        assert!(t.slowest.is_none() && t.errors.is_none());
        let top = t.clone().top(2);
        assert_eq!((top.hot_keys.len(), top.largest_values.len()), (2, 2));
        assert_eq!(top.commands.len(), t.commands.len());
    }
}
