//! `wirelens http`: HTTP/1.x transactions, the slowest, by status, the errors.

use crate::apps::{frame, read, secs, stream_of, Common};
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::http::Http;
use wirelens_core::capture::app::{Detail, Transaction};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::app::http;

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

#[derive(Serialize)]
struct Row<'a> {
    stream: u32,
    request_frame: Option<u64>,
    response_frame: Option<u64>,
    #[serde(flatten)]
    http: &'a Http,
    time: Option<f64>,
    ttfb: Option<f64>,
    duration: Option<f64>,
}

fn row<'a>(c: &Capture, t: &'a Transaction, h: &'a Http) -> Row<'a> {
    Row {
        stream: stream_of(c, t.conv).1,
        request_frame: t.request.map(|s| frame(s.last.packet)),
        response_frame: t.response.map(|s| frame(s.last.packet)),
        http: h,
        time: t.latency_ns().map(secs),
        ttfb: t.time_to_first_byte_ns().map(secs),
        duration: t.duration_ns().map(secs),
    }
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let ts = &capture.transactions;
    let mut out = std::io::stdout().lock();
    if args.by_status {
        let rows = http::by_status(ts);
        if args.common.json {
            #[derive(Serialize)]
            struct S {
                status: Option<u16>,
                count: u64,
                frames: Vec<u64>,
            }
            let rows: Vec<S> = rows
                .iter()
                .map(|r| S {
                    status: r.status,
                    count: r.count,
                    frames: r
                        .transactions
                        .iter()
                        .filter_map(|&i| ts[i].response.or(ts[i].request))
                        .map(|s| frame(s.last.packet))
                        .collect(),
                })
                .collect();
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
    let picked: Vec<usize> = match (args.slowest, args.errors) {
        (Some(n), _) => http::slowest(ts, n)
            .into_iter()
            .filter(|&i| !args.errors || http::errors(&ts[i..=i]).len() == 1)
            .collect(),
        (None, true) => http::errors(ts),
        (None, false) => (0..ts.len()).collect(),
    };
    let rows: Vec<Row<'_>> = picked
        .into_iter()
        .filter_map(|i| match &ts[i].detail {
            Detail::Http(h) => Some(row(&capture, &ts[i], h)),
            _ => None,
        })
        .collect();
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
