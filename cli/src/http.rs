//! `wirelens http`: HTTP/1.x and HTTP/2 transactions, the slowest, by status, the errors;
//! gRPC calls by method.

use crate::apps::frame_or_dash;
use crate::apps::{exit_code, read, Common};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::query::transactions::http;

/// HTTP requests paired with their responses: HTTP/1.x, and HTTP/2 streams (over TLS
/// with `-o tls.keylog_file:PATH`, or in the clear) with their gRPC calls.
///
/// One row per transaction, in order of its first packet: the request's and response's
/// frame numbers, method, host, URI, status and `http.time` (Wireshark's: from the frame
/// that completed the request to the frame that completed the response), body sizes.
/// An HTTP/2 stream shows its stream id, a gRPC call its status. HTTP is found on its
/// usual ports and by content on any port, HTTP/2 by its connection preface or TLS's
/// ALPN; `-d` overrides (`-d tcp.port==50051,http2`).
///
/// JSON: an array of objects with the keys stream, request_frame, response_frame,
/// method, uri, version, host, user_agent, request_content_type, request_body, status,
/// reason, response_content_type, response_body, chunked, interim, incomplete, http2
/// (stream_id, scheme, reset), grpc (service, method, status, message,
/// request_messages, response_messages), time (http.time, seconds), ttfb (seconds from
/// the request's last frame to the response's first) and duration (seconds from the
/// request's first frame to the response's last). With `--grpc`: an array of methods
/// (service, method, count, errors, statuses, timed, latency_total_ns, latency_max_ns,
/// slowest, slowest_at).
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
    /// Only transactions answered with 4xx or 5xx (or a gRPC status other than OK).
    #[arg(long)]
    errors: bool,
    /// gRPC calls grouped by service and method: count, errors, statuses, latency.
    #[arg(long)]
    grpc: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    if args.grpc {
        let rows = http::grpc(&capture, &capture.transactions);
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            writeln!(
                out,
                "{:>7} {:>7} {:>10} {:>10} {:>6} {:>8}  {:<40} statuses",
                "count", "errors", "total_ms", "max_ms", "stream", "frame", "service/method"
            )?;
            for r in &rows {
                let statuses: Vec<String> =
                    r.statuses.iter().map(|(s, n)| format!("{s}={n}")).collect();
                writeln!(
                    out,
                    "{:>7} {:>7} {:>10} {:>10} {:>6} {:>8}  {:<40} {}",
                    r.count,
                    r.errors,
                    crate::apps::ms((r.timed > 0).then_some(r.latency_total_ns)),
                    crate::apps::ms((r.timed > 0).then_some(r.latency_max_ns)),
                    r.slowest_at.map_or(0, |a| a.stream),
                    r.slowest_at.map_or(0, |a| a.first_frame),
                    format!("{}/{}", r.service, r.method),
                    statuses.join(" ")
                )?;
            }
        }
        return Ok(exit_code(errors));
    }
    if args.by_status {
        let rows = http::by_status(capture.transactions.iter().enumerate());
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
        return Ok(exit_code(errors));
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
            writeln!(
                out,
                "{:>6} {:>7} {:>7} {:<7} {:>6} {:>10} {:>10} {:>10}  {} {}{}",
                r.stream,
                frame_or_dash(r.request_frame),
                frame_or_dash(r.response_frame),
                if r.http.method().is_empty() {
                    "-"
                } else {
                    r.http.method()
                },
                r.http.status().map_or("-".to_string(), |s| s.to_string()),
                r.time
                    .map_or("-".to_string(), |t| format!("{:.3}", t * 1e3)),
                r.http.request_body(),
                r.http.response_body(),
                r.http.host().unwrap_or("-"),
                r.http.uri(),
                extra(r.http),
            )?;
        }
    }
    Ok(exit_code(errors))
}

/// What follows the URI: the HTTP/2 stream, the gRPC status, incomplete.
fn extra(h: &wirelens_core::capture::app::http::Http) -> String {
    use wirelens_core::capture::app::http::grpc_status_name;
    let mut s = String::new();
    if let Some(h2) = h.http2() {
        s.push_str(&format!(" [h2 stream {}]", h2.stream_id));
        if let Some(code) = h2.reset {
            s.push_str(&format!(
                " [reset {}]",
                wirelens_core::ingest::app::http2::frame::error_name(code)
            ));
        }
    }
    if let Some(g) = h.grpc() {
        match g.status {
            Some(code) => s.push_str(&format!(" [grpc {}]", grpc_status_name(code))),
            None => s.push_str(" [grpc -]"),
        }
    }
    if h.incomplete() {
        s.push_str(" [incomplete]");
    }
    s
}
