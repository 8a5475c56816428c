//! `wirelens mysql`: MySQL / MariaDB queries with their latency, the errors, the slowest.

use crate::apps::{
    exit_code, print_sql_rows, print_sql_summary, printable, read, sql_line, Common,
};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::mysql::Mysql;
use wirelens_core::query::transactions::{self, mysql};

/// MySQL / MariaDB: every command with its latency and result, the errors, the slowest,
/// and queries grouped by fingerprint (literals replaced by `?`).
///
/// One row per command (`login`, `query`, `stmt_prepare`, `stmt_execute` with the SQL
/// it prepared, `stmt_close`, `init_db`, `ping`, `quit`, …): its TCP stream and frames,
/// latency, response (ok with affected rows, error with code and message, a result set
/// with its rows), the SQL. A switch to TLS and the compressed protocol are reported.
/// MySQL is found on port 3306 and by its greeting on any port; `-d tcp.port==PORT,mysql`
/// decodes a port as MySQL.
///
/// Latency is from the frame that completed the command to the frame that completed the
/// response.
///
/// JSON: an object with `transactions` (one object per command: stream,
/// request_first_frame, request_frame, response_first_frame, response_frame, the fields
/// command, command_code, query, query_truncated, stmt_id, params, response, columns,
/// rows, result_sets, affected_rows, last_insert_id, warnings, error_code, sql_state,
/// error_message, server_version, connection_id, user, schema, auth_plugin, tls,
/// compressed, incomplete, and latency in seconds), `slowest`, `errors` and `queries`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Rows of the slowest and fingerprint tables.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Only the list of commands (JSON: an array), without the tables.
    #[arg(long)]
    list: bool,
}

/// What the response said, in a few words.
fn result(m: &Mysql) -> String {
    if let Some(code) = m.error_code {
        return format!(
            "ERR {code} {}",
            printable(m.error_message.as_deref().unwrap_or(""))
        );
    }
    match m.response.as_deref() {
        Some("ok") => {
            format!("OK affected={}", m.affected_rows.unwrap_or(0))
                + &m.last_insert_id
                    .filter(|&i| i > 0)
                    .map_or(String::new(), |i| format!(" insert_id={i}"))
        }
        Some("result_set") => format!(
            "{} rows, {} cols",
            m.rows.unwrap_or(0),
            m.columns.unwrap_or(0)
        ),
        Some("prepared") => format!(
            "stmt {} ({} params, {} cols)",
            m.stmt_id.unwrap_or(0),
            m.params.unwrap_or(0),
            m.columns.unwrap_or(0)
        ),
        Some("tls") => "switched to TLS".into(),
        Some(r) => r.to_string(),
        None => "-".into(),
    }
}

/// The SQL (or the login's user and schema) as a line.
fn what(m: &Mysql) -> String {
    let text = match m.command.as_str() {
        "login" => format!(
            "user={} schema={} server={}",
            m.user.as_deref().unwrap_or("-"),
            m.schema.as_deref().unwrap_or("-"),
            m.server_version.as_deref().unwrap_or("-")
        ),
        "init_db" => m.schema.clone().unwrap_or_default(),
        _ => m.query.clone().unwrap_or_default(),
    };
    sql_line(&text)
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    let cells = |m: &Mysql| {
        let mut flags = String::new();
        if m.compressed {
            flags.push_str(" [compressed]");
        }
        if m.incomplete {
            flags.push_str(" [incomplete]");
        }
        [m.command.clone(), result(m), what(m), flags]
    };
    if args.list {
        let rows = transactions::rows::<Mysql>(&capture, &capture.transactions);
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            print_sql_rows(&mut out, &rows, 14, &cells)?;
        }
        return Ok(exit_code(errors));
    }
    let summary = mysql::tables(&capture).top(args.top);
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(exit_code(errors));
    }
    print_sql_summary(&mut out, &summary, args.top, 14, &cells)?;
    Ok(exit_code(errors))
}
