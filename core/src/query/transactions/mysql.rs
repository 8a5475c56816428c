//! MySQL's tables: every command, the slowest, the errors, and the queries grouped by
//! the fingerprint of their SQL ([`super::kv`]).

use super::kv::{self, Columns, KeyValue, Tally};
use crate::capture::app::mysql::Mysql;
use crate::capture::Capture;

impl KeyValue for Mysql {
    const COLUMNS: Columns = Columns::SQL;

    fn command(&self) -> &str {
        &self.command
    }

    fn fingerprint(&self) -> Option<String> {
        Some(self.query.as_deref().map(fingerprint).unwrap_or_default())
    }

    fn tally(&self) -> Tally {
        Tally {
            error: self.error_code.is_some(),
            incomplete: self.incomplete,
            rows: self.rows.unwrap_or(0),
            affected_rows: self.affected_rows.unwrap_or(0),
            ..Tally::default()
        }
    }
}

/// SQL with its literals replaced by `?` and its blanks folded, so that statements that
/// differ only in their values group together (pt-query-digest's fingerprint, simply).
pub fn fingerprint(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len().min(1024));
    let mut chars = sql.chars().peekable();
    let mut last_space = true;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A quoted literal: up to the same quote, with \ escapes and doubled quotes.
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                out.push('?');
                last_space = false;
            }
            c if c.is_ascii_digit()
                && !out
                    .chars()
                    .last()
                    .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '`') =>
            {
                while chars.peek().is_some_and(|d| {
                    d.is_ascii_alphanumeric() || *d == '.' || *d == '-' || *d == '+'
                }) {
                    chars.next();
                }
                out.push('?');
                last_space = false;
            }
            c if c.is_whitespace() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
        if out.len() >= 1024 {
            break;
        }
    }
    kv::fold_lists(out)
}

/// MySQL's tables, as `wirelens mysql --json` prints them.
pub type Tables<'a> = kv::SqlTables<'a, Mysql>;

/// MySQL's tables in a capture, whole.
pub fn tables(capture: &Capture) -> Tables<'_> {
    kv::SqlTables::of(capture)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::app::testkit;

    #[test]
    fn tables_of_the_real_capture() {
        let capture = testkit::capture("mariadb.pcap", &[]);
        let t = tables(&capture);
        assert_eq!(
            t.slowest[0].detail.query.as_deref(),
            Some("SELECT SLEEP(0.4), 'slow'")
        );
        let errs: Vec<_> = t.errors.iter().map(|r| r.detail.error_code).collect();
        assert_eq!(errs, [Some(1146), Some(1064)]);
        let q = &t.queries;
        let inserts = q
            .iter()
            .find(|q| {
                q.fingerprint
                    .as_deref()
                    .is_some_and(|f| f.starts_with("INSERT"))
            })
            .expect("inserts");
        assert_eq!(
            (
                inserts.fingerprint.as_deref(),
                inserts.count,
                inserts.affected_rows
            ),
            (
                Some("INSERT INTO orders (customer, total) VALUES (?)"),
                25,
                Some(25)
            )
        );
        assert_eq!(q[0].fingerprint.as_deref(), Some("SELECT SLEEP(?), ?"));
        // The slowest of a group, where a user finds it.
        let sleep = q[0].slowest.expect("a place");
        assert_eq!(
            q[0].slowest_at.map(|a| a.first_frame),
            Some(sleep.first_packet + 1)
        );
        assert_eq!(t.transactions.len(), 39);
    }

    #[test]
    fn fingerprints() {
        assert_eq!(
            fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3) AND name = 'o''k'"),
            "SELECT * FROM t WHERE id IN (?) AND name = ?"
        );
        assert_eq!(
            fingerprint("insert into t2 values (1,'a'),  (2, \"b\\\"c\")"),
            "insert into t2 values (?)"
        );
        assert_eq!(
            fingerprint("select col1, t2.x from t2 limit 10"),
            "select col1, t2.x from t2 limit ?"
        );
    }
}
