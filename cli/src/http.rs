//! `wirelens http`: HTTP/1.x transactions, the slowest, by status, the errors.

use crate::apps::{read, Common};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::query::transactions::http;

/// HTTP/1.x requests paired with their responses.
///
/// One row per transaction, in order of its first packet: the request's and response's
/// frame numbers, method, host, URI, status and `http.time` (Wireshark's: from the frame
/// that completed the request to the frame that completed the response), body sizes.
/// HTTP is found on its usual ports and by content on any port; `-d` overrides.
///
/// JSON: an array of objects with the keys stream, request_frame, response_frame,
/// method, uri, version, host, user_agent, request_content_type, request_body, status,
/// reason, response_content_type, response_body, chunked, interim, incomplete, time
/// (http.time, seconds), ttfb (seconds from the request's last frame to the response's
/// first) and duration (seconds from the request's first frame to the response's last).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Only the N slowest transactions, slowest first.
    #[arg(long, value_name = "N")]
    slowest: Option<usize>,
    /// Count transactions by status code.
    #[arg(long)]
    by_status: bool,
    /// Only transactions answered with 4xx or 5xx.
    #[arg(long)]
    errors: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    if args.by_status {
        let rows = http::by_status(&capture);
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{:>6} {:>8}", "status", "count")?;
            for r in rows {
                let s = r.status.map_or("-".to_string(), |s| s.to_string());
                writeln!(out, "{s:>6} {:>8}", r.count)?;
            }
        }
        return Ok(if errors {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let rows = match (args.slowest, args.errors) {
        // The N slowest, of which those that failed.
        (Some(n), _) => http::slowest(&capture, n)
            .into_iter()
            .filter(|r| !args.errors || r.http.is_error())
            .collect(),
        (None, true) => http::errors(&capture),
        (None, false) => http::rows(&capture),
    };
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:>6} {:>7} {:>7} {:<7} {:>6} {:>10} {:>10} {:>10}  host uri",
            "stream", "req", "resp", "method", "status", "time(ms)", "req_body", "resp_body"
        )?;
        for r in &rows {
            let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
            writeln!(
                out,
                "{:>6} {:>7} {:>7} {:<7} {:>6} {:>10} {:>10} {:>10}  {} {}{}",
                r.stream,
                opt(r.request_frame),
                opt(r.response_frame),
                if r.http.method.is_empty() {
                    "-"
                } else {
                    &r.http.method
                },
                r.http.status.map_or("-".to_string(), |s| s.to_string()),
                r.time
                    .map_or("-".to_string(), |t| format!("{:.3}", t * 1e3)),
                r.http.request_body,
                r.http.response_body,
                r.http.host.as_deref().unwrap_or("-"),
                r.http.uri,
                if r.http.incomplete {
                    " [incomplete]"
                } else {
                    ""
                },
            )?;
        }
    }
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
