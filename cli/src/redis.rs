//! `wirelens redis`: Redis's hot keys, largest values, commands, slowest and errors.

use crate::apps::{exit_code, ms, printable, read, Common};
use crate::apps::{frame_or_dash, latency_ms};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::redis::Redis;
use wirelens_core::query::transactions::{self, kv, Row};

/// Redis (RESP2 and RESP3): hot keys, largest values, commands, the slowest, errors.
///
/// Tables: commands (count, errors, value bytes, latency), the hottest keys (commands
/// naming them, value bytes, largest value), the largest values (those over 1 MB marked
/// `*`), the slowest commands and the error replies, each with its TCP stream and
/// frames. Pipelined commands are matched with their replies in order; RESP3 pushes and
/// pub/sub messages are listed on their own. Redis is found on port 6379 and by content
/// on any port; `-d tcp.port==PORT,resp` decodes a port as Redis.
///
/// Latency is from the frame that completed the command to the frame that completed the
/// reply.
///
/// JSON: an object with `transactions` (count), `conversations`, `commands`, `hot_keys`,
/// `largest_values`, `slowest` and `errors`; with `--list`, an array with one object per
/// transaction: stream, request_first_frame, request_frame, response_first_frame,
/// response_frame, the transaction's fields (command, args, arg_count, keys, inline,
/// value_len, reply, reply_text, reply_len, error, resp3, push, incomplete) and latency
/// (seconds).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Rows per table.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    /// Every transaction, one per line, instead of the tables.
    #[arg(long)]
    list: bool,
}

/// A command and its first arguments, as a line.
fn command_line(r: &Redis) -> String {
    let mut s = printable(&r.command).into_owned();
    for a in r.args.iter().take(4) {
        s.push(' ');
        let a = printable(a);
        if a.chars().count() > 40 {
            s.extend(a.chars().take(40));
            s.push('…');
        } else {
            s.push_str(&a);
        }
    }
    if r.arg_count > 4 {
        s.push_str(&format!(" … ({} args)", r.arg_count));
    }
    s
}

fn reply_text(r: &Redis) -> String {
    if let Some(e) = &r.error {
        return printable(e).into_owned();
    }
    let ty = r.reply.map_or("-".to_string(), |t| {
        serde_json::to_value(t)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    });
    match (&r.reply_text, r.reply_len) {
        (Some(t), _) => format!("{ty} {}", printable(t)),
        (None, Some(n)) => format!("{ty}({n})"),
        _ => ty,
    }
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    let print_rows =
        |out: &mut dyn std::io::Write, rows: &[Row<'_, Redis>]| -> std::io::Result<()> {
            writeln!(
                out,
                "{:>6} {:>7} {:>7} {:>10}  {:<40} reply",
                "stream", "req", "resp", "latency_ms", "command"
            )?;
            for r in rows {
                writeln!(
                    out,
                    "{:>6} {:>7} {:>7} {:>10}  {:<40} {}{}{}",
                    r.frames.stream,
                    frame_or_dash(r.frames.request_frame),
                    frame_or_dash(r.frames.response_frame),
                    latency_ms(r.latency),
                    command_line(r.detail),
                    reply_text(r.detail),
                    if r.detail.push { " [push]" } else { "" },
                    if r.detail.incomplete {
                        " [incomplete]"
                    } else {
                        ""
                    },
                )?;
            }
            Ok(())
        };
    if args.list {
        let rows = transactions::rows::<Redis>(&capture, &capture.transactions);
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            print_rows(&mut out, &rows)?;
        }
        return Ok(exit_code(errors));
    }

    let tables = kv::tables::<Redis>(&capture);
    let big = tables.largest_values.iter().filter(|v| v.over_1mb).count();
    let summary = tables.top(args.top);
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(exit_code(errors));
    }
    writeln!(
        out,
        "redis: {} transactions in {} conversations; {} error replies; {} value{} over 1 MB",
        summary.transactions,
        summary.conversations,
        summary.errors.as_ref().map_or(0, Vec::len),
        big,
        if big == 1 { "" } else { "s" }
    )?;
    writeln!(out, "\nCommands")?;
    writeln!(
        out,
        "{:<16} {:>8} {:>7} {:>10} {:>12} {:>10} {:>10}",
        "command", "count", "errors", "incomplete", "value_bytes", "avg_ms", "max_ms"
    )?;
    for c in &summary.commands {
        let avg = (c.timed > 0).then(|| c.latency_total_ns / c.timed as i64);
        writeln!(
            out,
            "{:<16} {:>8} {:>7} {:>10} {:>12} {:>10} {:>10}",
            printable(&c.command),
            c.count,
            c.errors,
            c.incomplete.unwrap_or(0),
            c.bytes.unwrap_or(0),
            ms(avg),
            ms((c.timed > 0).then_some(c.latency_max_ns))
        )?;
    }
    writeln!(out, "\nHot keys (top {})", args.top)?;
    writeln!(
        out,
        "{:>8} {:>12} {:>10} {:>7} {:>6} {:>8}  key",
        "count", "value_bytes", "largest", "errors", "stream", "frame"
    )?;
    for k in &summary.hot_keys {
        writeln!(
            out,
            "{:>8} {:>12} {:>10} {:>7} {:>6} {:>8}  {}{}",
            k.count,
            k.bytes,
            k.largest,
            k.errors.unwrap_or(0),
            k.first_at.stream,
            k.first_at.first_frame,
            printable(&k.key),
            if k.over_1mb { "  * over 1 MB" } else { "" }
        )?;
    }
    writeln!(out, "\nLargest values (top {}; * over 1 MB)", args.top)?;
    writeln!(
        out,
        "{:>12} {:<1} {:<12} {:>6} {:>8} {:>8}  key",
        "bytes", "", "command", "stream", "first", "last"
    )?;
    for v in &summary.largest_values {
        writeln!(
            out,
            "{:>12} {:<1} {:<12} {:>6} {:>8} {:>8}  {}",
            v.value_len,
            if v.over_1mb { "*" } else { "" },
            printable(&v.command),
            v.at.stream,
            v.at.first_frame,
            v.at.last_frame,
            printable(&v.key)
        )?;
    }
    writeln!(out, "\nSlowest (top {})", args.top)?;
    print_rows(&mut out, summary.slowest.as_deref().unwrap_or_default())?;
    writeln!(out, "\nErrors")?;
    print_rows(&mut out, summary.errors.as_deref().unwrap_or_default())?;
    Ok(exit_code(errors))
}
