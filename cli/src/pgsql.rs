//! `wirelens pgsql`: PostgreSQL query cycles with their latency, the errors, the slowest.

use crate::apps::{
    exit_code, print_sql_rows, print_sql_summary, printable, read, sql_line, Common,
};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::pgsql::Pgsql;
use wirelens_core::query::transactions::{self, pgsql};

/// PostgreSQL: every query cycle with its latency and result, the errors, the slowest,
/// and queries grouped by fingerprint (literals and `$n` parameters replaced by `?`).
///
/// One row per cycle of the frontend/backend protocol: `login` (startup to the first
/// ReadyForQuery: user, database, authentication, server version), `query` (a simple
/// Query, maybe several statements), `execute` (the extended protocol's Parse, Bind,
/// Execute … up to a Sync, with the SQL of a statement prepared earlier), `prepare`,
/// `ssl_request`, `cancel`, `terminate`: its TCP stream and frames, latency, result (rows,
/// CommandComplete tags, or the error's SQLSTATE and message), the SQL. PostgreSQL is
/// found on port 5432 and by its startup message on any port; `-d
/// tcp.port==PORT,pgsql` decodes a port as PostgreSQL. A connection that switches to
/// TLS is decrypted with `-o tls.keylog_file:PATH` when the key log has its secrets.
///
/// Latency is from the frame that completed the request (Query, or Sync) to the frame
/// that completed the answer (ReadyForQuery).
///
/// JSON: an object with `transactions` (one object per cycle: stream,
/// request_first_frame, request_frame, response_first_frame, response_frame, the fields
/// command, query, query_truncated, statement, params, statements, columns, rows, tags,
/// affected_rows, error_severity, sql_state, error_message, user, database,
/// application, auth, server_version, ssl, incomplete, and latency in seconds),
/// `slowest`, `errors` and `queries`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Rows of the slowest and fingerprint tables.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Only the list of cycles (JSON: an array), without the tables.
    #[arg(long)]
    list: bool,
}

/// What the answer said, in a few words.
fn result(p: &Pgsql) -> String {
    if let Some(state) = &p.sql_state {
        return format!(
            "{} {state} {}",
            p.error_severity.as_deref().unwrap_or("ERROR"),
            printable(p.error_message.as_deref().unwrap_or(""))
        );
    }
    if let Some(ssl) = p.ssl {
        return if ssl { "TLS".into() } else { "no TLS".into() };
    }
    if p.command == "login" {
        return format!("ok auth={}", p.auth.as_deref().unwrap_or("-"));
    }
    let mut s = match p.tags.as_slice() {
        [] => "-".to_string(),
        [one] => one.clone(),
        [first, .., last] => format!("{first} … {last}"),
    };
    if let Some(rows) = p.rows {
        s.push_str(&format!(" ({rows} rows)"));
    }
    s
}

/// The SQL (or the login's user and database) as a line.
fn what(p: &Pgsql) -> String {
    let text = match p.command.as_str() {
        "login" => format!(
            "user={} database={} server={}",
            p.user.as_deref().unwrap_or("-"),
            p.database.as_deref().unwrap_or("-"),
            p.server_version.as_deref().unwrap_or("-")
        ),
        _ => p.query.clone().unwrap_or_default(),
    };
    sql_line(&text)
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    let code = exit_code(errors);
    let cells = |p: &Pgsql| {
        let flags = if p.incomplete { " [incomplete]" } else { "" };
        [p.command.clone(), result(p), what(p), flags.into()]
    };
    if args.list {
        let rows = transactions::rows::<Pgsql>(&capture, &capture.transactions);
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            print_sql_rows(&mut out, &rows, 12, &cells)?;
        }
        return Ok(code);
    }
    let summary = pgsql::tables(&capture).top(args.top);
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(code);
    }
    print_sql_summary(&mut out, &summary, args.top, 12, &cells)?;
    Ok(code)
}
