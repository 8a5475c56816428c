//! The key-value statistics, written once for memcached, Redis and MySQL: hot keys,
//! largest values (those over [`LARGE_VALUE`] flagged), misses, commands with their
//! latency (MySQL's grouped by the SQL's fingerprint), the slowest and the errors.
//!
//! A protocol says what its transactions hold through [`KeyValue`]; the columns only
//! some protocols have are `None` for the others and left out of their JSON
//! ([`Columns`]).

use super::{as_rows, of, rows, slowest, Frames, Place, Row};
use crate::capture::app::{AppDetail, Transaction};
use crate::capture::Capture;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Values over this many bytes stand out in the tables (memcached's default item limit).
pub const LARGE_VALUE: u64 = 1 << 20;

/// One key a command named.
pub struct KeyUse<'a> {
    /// The key.
    pub key: &'a str,
    /// Found (true) or not (false); None when the command does not look it up.
    pub hit: Option<bool>,
    /// The bytes of its value that the command moved.
    pub value_len: Option<u64>,
}

/// One value a command moved.
pub struct ValueUse<'a> {
    /// Its key (empty when the command has none).
    pub key: &'a str,
    /// Its length.
    pub value_len: u64,
    /// Sent by the client (true) or returned (false); None when the protocol cannot tell.
    pub sent: Option<bool>,
}

/// What one transaction adds to its command's totals.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Keys found.
    pub hits: u64,
    /// Keys not found.
    pub misses: u64,
    /// Answered with an error.
    pub error: bool,
    /// Sent expecting no reply.
    pub noreply: bool,
    /// Bytes lost, or no reply seen.
    pub incomplete: bool,
    /// Value bytes moved.
    pub bytes: u64,
    /// Rows returned.
    pub rows: u64,
    /// Rows affected.
    pub affected_rows: u64,
}

/// The columns a protocol's tables have beyond the common ones (count, errors, latency,
/// value sizes). A column a protocol does not have is `None` in its rows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Columns {
    /// Keys found and not found: hits and misses per command and per key, and the
    /// misses table.
    pub hits: bool,
    /// Requests sent expecting no reply, per command.
    pub noreply: bool,
    /// The conversations each hot key was used in.
    pub key_conversations: bool,
    /// The error replies of each hot key.
    pub key_errors: bool,
    /// Value bytes and incomplete transactions per command.
    pub values: bool,
    /// SQL: commands grouped by fingerprint and ordered by their total time, with rows,
    /// affected rows and where the slowest is.
    pub sql: bool,
    /// The tables list the slowest transactions and those answered with an error.
    pub slowest_and_errors: bool,
}

impl Columns {
    /// A SQL protocol's columns (MySQL, PostgreSQL): fingerprints, slowest and errors.
    pub const SQL: Columns = Columns {
        hits: false,
        noreply: false,
        key_conversations: false,
        key_errors: false,
        values: false,
        sql: true,
        slowest_and_errors: true,
    };
}

/// A key-value protocol's transaction detail, as the tables read it.
pub trait KeyValue: AppDetail {
    /// The columns of this protocol's tables.
    const COLUMNS: Columns;
    /// The command (`get`, `SET`, `query`, …).
    fn command(&self) -> &str;
    /// A finer grouping of the command in the commands table (MySQL: the fingerprint of
    /// its SQL).
    fn fingerprint(&self) -> Option<String> {
        None
    }
    /// The keys it named (SQL names none).
    fn keys(&self) -> impl Iterator<Item = KeyUse<'_>> {
        std::iter::empty()
    }
    /// The values it moved.
    fn values(&self) -> impl Iterator<Item = ValueUse<'_>> {
        std::iter::empty()
    }
    /// What it adds to its command's totals.
    fn tally(&self) -> Tally;
}

/// One key's traffic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HotKey {
    /// The key.
    pub key: String,
    /// Commands that named it.
    pub count: u64,
    /// Lookups that found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits: Option<u64>,
    /// Lookups that did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misses: Option<u64>,
    /// Value bytes moved with it.
    pub bytes: u64,
    /// Its largest value.
    pub largest: u64,
    /// A value over [`LARGE_VALUE`] bytes was seen.
    pub over_1mb: bool,
    /// Conversations it was used in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversations: Option<u64>,
    /// Error replies to commands naming it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<u64>,
    /// Its first transaction.
    pub first: Place,
    /// Its last transaction.
    pub last: Place,
    /// The first transaction's stream and frames.
    pub first_at: Frames,
    /// The last transaction's.
    pub last_at: Frames,
}

/// Keys by how often commands named them (then by bytes), most first. A command with
/// several keys counts for each.
pub fn hot_keys<'a, T: KeyValue + 'a>(
    capture: &Capture,
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<HotKey> {
    #[derive(Default)]
    struct Acc {
        count: u64,
        hits: u64,
        misses: u64,
        bytes: u64,
        largest: u64,
        conversations: u64,
        errors: u64,
        first: Place,
        last: Place,
        last_conv: Option<u32>,
    }
    let mut keys: HashMap<&'a str, Acc> = HashMap::new();
    for (t, d) in of::<T>(txs) {
        let place = Place::of(t);
        let error = d.tally().error;
        for k in d.keys() {
            let h = keys.entry(k.key).or_insert_with(|| Acc {
                first: place,
                ..Acc::default()
            });
            h.count += 1;
            match k.hit {
                Some(true) => h.hits += 1,
                Some(false) => h.misses += 1,
                None => {}
            }
            let len = k.value_len.unwrap_or(0);
            h.bytes += len;
            h.largest = h.largest.max(len);
            h.errors += u64::from(error);
            if h.last_conv != Some(t.conv) {
                // Transactions come conversation by conversation, roughly: count changes.
                h.conversations += 1;
                h.last_conv = Some(t.conv);
            }
            h.last = place;
        }
    }
    let c = T::COLUMNS;
    let mut rows: Vec<HotKey> = keys
        .into_iter()
        .map(|(key, h)| HotKey {
            key: key.to_string(),
            count: h.count,
            hits: c.hits.then_some(h.hits),
            misses: c.hits.then_some(h.misses),
            bytes: h.bytes,
            largest: h.largest,
            over_1mb: h.largest > LARGE_VALUE,
            conversations: c.key_conversations.then_some(h.conversations),
            errors: c.key_errors.then_some(h.errors),
            first: h.first,
            last: h.last,
            first_at: Frames::of(capture, &h.first),
            last_at: Frames::of(capture, &h.last),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.bytes.cmp(&a.bytes))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// The hot keys that were missed, most missed first.
pub fn misses(hot: &[HotKey]) -> Vec<HotKey> {
    let mut rows: Vec<HotKey> = hot
        .iter()
        .filter(|k| k.misses.unwrap_or(0) > 0)
        .cloned()
        .collect();
    rows.sort_by(|a, b| b.misses.cmp(&a.misses).then_with(|| a.key.cmp(&b.key)));
    rows
}

/// One value, sent or returned.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Value {
    /// Its key.
    pub key: String,
    /// The command that moved it.
    pub command: String,
    /// Its length.
    pub value_len: u64,
    /// Over [`LARGE_VALUE`] bytes: it stands out.
    pub over_1mb: bool,
    /// Sent by the client (a storage command) rather than returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<bool>,
    /// Where.
    pub place: Place,
    /// Its stream and frames.
    pub at: Frames,
}

/// Values by length, largest first (ties in capture order).
pub fn largest_values<'a, T: KeyValue + 'a>(
    capture: &Capture,
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<Value> {
    let mut rows = Vec::new();
    for (t, d) in of::<T>(txs) {
        let place = Place::of(t);
        for v in d.values() {
            rows.push(Value {
                key: v.key.to_string(),
                command: d.command().to_string(),
                value_len: v.value_len,
                over_1mb: v.value_len > LARGE_VALUE,
                sent: v.sent,
                place,
                at: Frames::of(capture, &place),
            });
        }
    }
    rows.sort_by(|a, b| {
        b.value_len
            .cmp(&a.value_len)
            .then(a.place.first_packet.cmp(&b.place.first_packet))
    });
    rows
}

/// One command's totals (MySQL: one command and fingerprint's).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CommandStats {
    /// The command.
    pub command: String,
    /// The fingerprint of its SQL (empty for commands without SQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Transactions.
    pub count: u64,
    /// Keys found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits: Option<u64>,
    /// Keys not found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misses: Option<u64>,
    /// Error replies.
    pub errors: u64,
    /// Sent expecting no reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noreply: Option<u64>,
    /// Incomplete (bytes lost, or no reply seen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<u64>,
    /// Value bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Rows returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Rows affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected_rows: Option<u64>,
    /// Latency of those with a reply: total, in ns.
    pub latency_total_ns: i64,
    /// The largest latency, in ns.
    pub latency_max_ns: i64,
    /// Transactions with a latency.
    pub timed: u64,
    /// The slowest one (all zeros when none was timed: nothing to link to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slowest: Option<Place>,
    /// Its stream and frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slowest_at: Option<Frames>,
}

/// Totals per command: most used first, or (SQL) most total time first.
pub fn commands<'a, T: KeyValue + 'a>(
    capture: &Capture,
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<CommandStats> {
    #[derive(Default)]
    struct Acc {
        sum: Tally,
        count: u64,
        errors: u64,
        noreply: u64,
        incomplete: u64,
        total_ns: i64,
        max_ns: i64,
        timed: u64,
        slowest: Place,
    }
    let mut by: BTreeMap<(&'a str, Option<String>), Acc> = BTreeMap::new();
    let mut reader = capture.packets.reader();
    for (t, d) in of::<T>(txs) {
        let n = d.tally();
        let c = by.entry((d.command(), d.fingerprint())).or_default();
        c.count += 1;
        c.sum.hits += n.hits;
        c.sum.misses += n.misses;
        c.sum.bytes += n.bytes;
        c.sum.rows += n.rows;
        c.sum.affected_rows += n.affected_rows;
        c.errors += u64::from(n.error);
        c.noreply += u64::from(n.noreply);
        c.incomplete += u64::from(n.incomplete);
        if let Some(ns) = t.times_in(&mut reader).latency_ns() {
            c.timed += 1;
            c.total_ns += ns;
            if ns >= c.max_ns {
                c.max_ns = ns;
                c.slowest = Place::of(t);
            }
        }
    }
    let cols = T::COLUMNS;
    let mut rows: Vec<CommandStats> = by
        .into_iter()
        .map(|((command, fingerprint), c)| CommandStats {
            command: command.to_string(),
            fingerprint,
            count: c.count,
            hits: cols.hits.then_some(c.sum.hits),
            misses: cols.hits.then_some(c.sum.misses),
            errors: c.errors,
            noreply: cols.noreply.then_some(c.noreply),
            incomplete: cols.values.then_some(c.incomplete),
            bytes: cols.values.then_some(c.sum.bytes),
            rows: cols.sql.then_some(c.sum.rows),
            affected_rows: cols.sql.then_some(c.sum.affected_rows),
            latency_total_ns: c.total_ns,
            latency_max_ns: c.max_ns,
            timed: c.timed,
            slowest: cols.sql.then_some(c.slowest),
            slowest_at: cols.sql.then(|| Frames::of(capture, &c.slowest)),
        })
        .collect();
    if cols.sql {
        rows.sort_by(|a, b| {
            b.latency_total_ns
                .cmp(&a.latency_total_ns)
                .then(b.count.cmp(&a.count))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
    } else {
        rows.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.command.cmp(&b.command))
        });
    }
    rows
}

/// The transactions of protocol `T` answered with an error.
pub fn errors<'a, T: KeyValue + 'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<(&'a Transaction, &'a T)> {
    of::<T>(txs).filter(|(_, d)| d.tally().error).collect()
}

/// A SQL protocol's tables (MySQL, PostgreSQL), as `wirelens mysql|pgsql --json` print
/// them.
#[derive(Clone, Debug, Serialize)]
pub struct SqlTables<'a, T> {
    /// Every command (query cycle, login).
    pub transactions: Vec<Row<'a, T>>,
    /// The slowest.
    pub slowest: Vec<Row<'a, T>>,
    /// Those answered with an error.
    pub errors: Vec<Row<'a, T>>,
    /// Totals per command and fingerprint, most total time first.
    pub queries: Vec<CommandStats>,
}

impl<'a, T: KeyValue + 'a> SqlTables<'a, T> {
    /// The tables of SQL protocol `T` in a capture, whole.
    pub fn of(capture: &'a Capture) -> Self {
        let txs = &capture.transactions;
        SqlTables {
            transactions: rows::<T>(capture, txs),
            slowest: as_rows(capture, slowest::<T>(&capture.packets, txs), Row::new),
            errors: as_rows(capture, errors::<T>(txs), Row::new),
            queries: commands::<T>(capture, txs),
        }
    }

    /// The first `n` of the slowest and of the queries (the others stay whole).
    pub fn top(mut self, n: usize) -> Self {
        self.slowest.truncate(n);
        self.queries.truncate(n);
        self
    }
}

/// The end of a SQL fingerprint: `IN (?, ?, ?)` and `VALUES (?, ?), (?, ?)` of any length
/// look alike.
pub(super) fn fold_lists(mut fingerprint: String) -> String {
    for (from, to) in [
        ("?, ?", "?"),
        ("?,?", "?"),
        ("(?), (?)", "(?)"),
        ("(?),(?)", "(?)"),
    ] {
        while let Some(i) = fingerprint.find(from) {
            fingerprint.replace_range(i..i + from.len(), to);
        }
    }
    fingerprint.trim_end().to_string()
}

/// A key-value protocol's tables, as `wirelens memcache|redis --json` prints them.
#[derive(Clone, Debug, Serialize)]
pub struct Tables<'a, T> {
    /// Transactions.
    pub transactions: usize,
    /// Conversations they were in.
    pub conversations: usize,
    /// Totals per command.
    pub commands: Vec<CommandStats>,
    /// The hottest keys.
    pub hot_keys: Vec<HotKey>,
    /// The largest values.
    pub largest_values: Vec<Value>,
    /// The keys missed most (protocols with hits and misses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misses: Option<Vec<HotKey>>,
    /// The slowest transactions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slowest: Option<Vec<Row<'a, T>>>,
    /// The transactions answered with an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<Row<'a, T>>>,
}

/// Every table of key-value protocol `T` in a capture, whole.
pub fn tables<'a, T: KeyValue + 'a>(capture: &'a Capture) -> Tables<'a, T> {
    let txs = &capture.transactions;
    let with_rows = T::COLUMNS.slowest_and_errors;
    let convs: BTreeSet<u32> = of::<T>(txs).map(|(t, _)| t.conv).collect();
    let hot_keys = hot_keys::<T>(capture, txs);
    Tables {
        transactions: of::<T>(txs).count(),
        conversations: convs.len(),
        commands: commands::<T>(capture, txs),
        misses: T::COLUMNS.hits.then(|| misses(&hot_keys)),
        hot_keys,
        largest_values: largest_values::<T>(capture, txs),
        slowest: with_rows.then(|| as_rows(capture, slowest::<T>(&capture.packets, txs), Row::new)),
        errors: with_rows.then(|| as_rows(capture, errors::<T>(txs), Row::new)),
    }
}

impl<T> Tables<'_, T> {
    /// The first `n` rows of the hot keys, largest values, misses and slowest (the
    /// commands and errors stay whole).
    pub fn top(mut self, n: usize) -> Self {
        self.hot_keys.truncate(n);
        self.largest_values.truncate(n);
        if let Some(m) = &mut self.misses {
            m.truncate(n);
        }
        if let Some(s) = &mut self.slowest {
            s.truncate(n);
        }
        self
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::app::memcache::Memcache;
    use crate::capture::app::redis::Redis;
    use crate::ingest::app::testkit;

    /// What the tests look at of a hot key, and of a value.
    fn key(h: &HotKey) -> (&str, u64, Option<u64>, Option<u64>, Option<u64>) {
        (h.key.as_str(), h.count, h.hits, h.misses, h.errors)
    }

    fn value(v: &Value) -> (&str, u64, bool, Option<bool>) {
        (v.key.as_str(), v.value_len, v.over_1mb, v.sent)
    }

    #[test]
    fn memcached_tables_of_the_real_capture() {
        let capture = testkit::capture("memcached.pcap", &[]);
        let t = tables::<Memcache>(&capture);
        let hot = &t.hot_keys;
        assert_eq!(key(&hot[0]), ("user:1", 26, Some(21), Some(0), None));
        assert_eq!(hot[0].bytes, 21 * 5 + 5 + 10 + 1 + 1);
        let big = &t.largest_values;
        assert_eq!(value(&big[0]), ("big:blob", 1_052_672, true, Some(true)));
        assert_eq!(value(&big[1]), ("big:blob", 1_052_672, true, Some(false)));
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
        let get = &t.commands[0];
        assert_eq!(
            (get.command.as_str(), get.count, get.hits, get.misses),
            ("get", 25, Some(27), Some(3))
        );
        assert!(get.latency_max_ns > 0 && get.timed == 25);
        assert!(get.fingerprint.is_none() && get.slowest.is_none());
        let missing = hot.iter().find(|h| h.key == "missing:1").expect("a miss");
        assert_eq!(key(missing), ("missing:1", 1, Some(0), Some(1), None));
        let misses = t.misses.as_ref().expect("memcached has misses");
        assert!(misses.iter().all(|k| k.misses > Some(0)));
        assert!(misses.windows(2).all(|w| w[0].misses >= w[1].misses));
        assert!(t.slowest.is_none() && t.errors.is_none());
        let top = t.clone().top(2);
        assert_eq!((top.hot_keys.len(), top.largest_values.len()), (2, 2));
        assert_eq!(top.commands.len(), t.commands.len());
    }

    #[test]
    fn redis_tables_of_the_real_capture() {
        let capture = testkit::capture("redis.pcap", &[]);
        let t = tables::<Redis>(&capture);
        assert_eq!(key(&t.hot_keys[0]), ("user:1", 17, None, None, Some(1)));
        assert_eq!(value(&t.largest_values[0]), ("blob", 200_000, false, None));
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
