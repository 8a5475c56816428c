//! PostgreSQL's tables: every query cycle, the slowest, the errors, and the queries
//! grouped by the fingerprint of their SQL ([`super::kv`]), as MySQL's.

use super::kv::{self, Columns, KeyValue, Tally};
use crate::capture::app::pgsql::Pgsql;
use crate::capture::Capture;

impl KeyValue for Pgsql {
    const COLUMNS: Columns = Columns::SQL;

    fn command(&self) -> &str {
        &self.command
    }

    fn fingerprint(&self) -> Option<String> {
        Some(self.query.as_deref().map(fingerprint).unwrap_or_default())
    }

    fn tally(&self) -> Tally {
        Tally {
            error: self.is_error(),
            incomplete: self.incomplete,
            rows: self.rows.unwrap_or(0),
            affected_rows: self.affected_rows.unwrap_or(0),
            ..Tally::default()
        }
    }
}

/// SQL with its literals and parameters (`$1`) replaced by `?` and its blanks folded,
/// so that statements that differ only in their values group together. PostgreSQL's
/// lexical rules: `'…'` (with `''`) and `E'…'` are strings, `"…"` identifiers (kept),
/// `$tag$…$tag$` dollar-quoted strings.
pub fn fingerprint(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len().min(1024));
    let chars: Vec<char> = sql.chars().take(8192).collect();
    let mut i = 0;
    let mut last_space = true;
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() && out.len() < 1024 {
        let c = chars[i];
        let prev = out.chars().last();
        match c {
            '\'' => {
                i += 1;
                while i < chars.len() {
                    if chars[i] == '\\' && prev == Some('E') {
                        i += 2;
                        continue;
                    }
                    if chars[i] == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                // An E'…' string: the E goes with it.
                if prev == Some('E') || prev == Some('e') {
                    out.pop();
                }
                out.push('?');
                last_space = false;
            }
            '"' => {
                out.push(c);
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    out.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    out.push('"');
                }
                last_space = false;
            }
            '$' if chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) => {
                i += 1;
                while chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1;
                }
                out.push('?');
                last_space = false;
            }
            '$' => {
                // A dollar-quoted string: `$tag$ … $tag$`.
                let tag_end = chars[i + 1..]
                    .iter()
                    .position(|&d| !word_char(d))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(e) if chars[e] == '$' => {
                        let tag: String = chars[i..=e].iter().collect();
                        let rest: String = chars[e + 1..].iter().collect();
                        let skip = rest.find(&tag).map_or(rest.chars().count(), |n| {
                            rest[..n].chars().count() + tag.chars().count()
                        });
                        i = e + skip;
                        out.push('?');
                    }
                    _ => out.push(c),
                }
                last_space = false;
            }
            c if c.is_ascii_digit() && !prev.is_some_and(word_char) => {
                while chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '.')
                {
                    i += 1;
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
        i += 1;
    }
    kv::fold_lists(out)
}

/// PostgreSQL's tables, as `wirelens pgsql --json` prints them.
pub type Tables<'a> = kv::SqlTables<'a, Pgsql>;

/// PostgreSQL's tables in a capture, whole.
pub fn tables(capture: &Capture) -> Tables<'_> {
    kv::SqlTables::of(capture)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::app::testkit;

    #[test]
    fn tables_of_the_real_capture() {
        let capture = testkit::capture("pgsql.pcap", &[]);
        let t = tables(&capture);
        assert_eq!(
            t.slowest[0].detail.query.as_deref(),
            Some("SELECT pg_sleep(0.3), 'slow'")
        );
        let errs: Vec<_> = t
            .errors
            .iter()
            .map(|r| r.detail.sql_state.as_deref())
            .collect();
        assert_eq!(errs, [Some("42P01"), Some("42601"), Some("28P01")]);
        let inserts = t
            .queries
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
                5,
                Some(5)
            )
        );
        assert_eq!(
            t.queries[0].fingerprint.as_deref(),
            Some("SELECT pg_sleep(?), ?")
        );
    }

    #[test]
    fn fingerprints() {
        assert_eq!(
            fingerprint("SELECT * FROM \"Orders\" WHERE id IN (1, 2, 3) AND name = 'o''k'"),
            "SELECT * FROM \"Orders\" WHERE id IN (?) AND name = ?"
        );
        assert_eq!(
            fingerprint("select customer from orders where id = $1 and x = E'a\\'b'"),
            "select customer from orders where id = ? and x = ?"
        );
        assert_eq!(
            fingerprint("SELECT $$a 'b'$$ AS a, $x$c$x$ AS b, t1.c2"),
            "SELECT ? AS a, ? AS b, t1.c2"
        );
        // Lists of values fold, as MySQL's fingerprints fold them.
        assert_eq!(fingerprint("SELECT 1, 2, 3"), "SELECT ?");
    }
}
