//! `wirelens memcache`: memcached's hot keys, largest values, commands and misses.

use crate::apps::{exit_code, ms, printable, read, Common};
use crate::apps::{frame_or_dash, latency_ms};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::memcache::Memcache;
use wirelens_core::query::transactions::{self, kv};

/// memcached (text and binary protocols): hot keys, largest values, commands, misses.
///
/// Tables: commands (count, hits, misses, errors, noreply, value bytes, latency), the
/// hottest keys (commands naming them, hits, misses, value bytes, largest value), the
/// largest values (those over 1 MB marked `*`), and the keys missed most. Each row says
/// its TCP stream and frames. memcached is found on port 11211 and by content on any
/// port; `-d tcp.port==PORT,memcache` decodes a port as memcached.
///
/// Latency is from the frame that completed the request to the frame that completed the
/// reply (as Wireshark's `http.time`).
///
/// JSON: an object with `transactions` (count), `conversations`, `commands`, `hot_keys`,
/// `largest_values` and `misses`; with `--list`, an array with one object per
/// transaction: stream, request_first_frame, request_frame, response_first_frame,
/// response_frame, the transaction's fields (binary, command, opcode, keys with hit and
/// value_len, arg, noreply, status, status_code, message, hits, misses, stats, error,
/// incomplete) and latency (seconds).
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

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    if args.list {
        let rows = transactions::rows::<Memcache>(&capture, &capture.transactions);
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            writeln!(
                out,
                "{:>6} {:>7} {:>7} {:<10} {:<14} {:>10}  keys",
                "stream", "req", "resp", "command", "status", "latency_ms"
            )?;
            for r in &rows {
                let keys: Vec<String> = r
                    .detail
                    .keys()
                    .iter()
                    .map(|k| {
                        let mark = match k.hit() {
                            Some(true) => "",
                            Some(false) => " (miss)",
                            None => "",
                        };
                        match k.value_len() {
                            Some(n) => format!("{}={n}{mark}", printable(k.key())),
                            None => format!("{}{mark}", printable(k.key())),
                        }
                    })
                    .collect();
                writeln!(
                    out,
                    "{:>6} {:>7} {:>7} {:<10} {:<14} {:>10}  {}{}",
                    r.frames.stream,
                    frame_or_dash(r.frames.request_frame),
                    frame_or_dash(r.frames.response_frame),
                    printable(r.detail.command()),
                    printable(r.detail.status().unwrap_or(if r.detail.noreply() {
                        "(noreply)"
                    } else {
                        "-"
                    })),
                    latency_ms(r.latency),
                    keys.join(" "),
                    if r.detail.incomplete() {
                        " [incomplete]"
                    } else {
                        ""
                    },
                )?;
            }
        }
        return Ok(exit_code(errors));
    }

    let tables = kv::tables::<Memcache>(&capture);
    let big = tables.largest_values.iter().filter(|v| v.over_1mb).count();
    let summary = tables.top(args.top);
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(exit_code(errors));
    }
    let binary = transactions::of::<Memcache>(&capture.transactions)
        .filter(|(_, m)| m.binary())
        .count();
    writeln!(
        out,
        "memcached: {} transactions in {} conversations ({} text, {} binary); {} value{} over 1 MB",
        summary.transactions,
        summary.conversations,
        summary.transactions - binary,
        binary,
        big,
        if big == 1 { "" } else { "s" }
    )?;
    writeln!(out, "\nCommands")?;
    writeln!(
        out,
        "{:<12} {:>8} {:>8} {:>8} {:>7} {:>8} {:>12} {:>10} {:>10}",
        "command",
        "count",
        "hits",
        "misses",
        "errors",
        "noreply",
        "value_bytes",
        "avg_ms",
        "max_ms"
    )?;
    for c in &summary.commands {
        let avg = (c.timed > 0).then(|| c.latency_total_ns / c.timed as i64);
        writeln!(
            out,
            "{:<12} {:>8} {:>8} {:>8} {:>7} {:>8} {:>12} {:>10} {:>10}",
            printable(&c.command),
            c.count,
            c.hits.unwrap_or(0),
            c.misses.unwrap_or(0),
            c.errors,
            c.noreply.unwrap_or(0),
            c.bytes.unwrap_or(0),
            ms(avg),
            ms((c.timed > 0).then_some(c.latency_max_ns))
        )?;
    }
    writeln!(out, "\nHot keys (top {})", args.top)?;
    writeln!(
        out,
        "{:>8} {:>8} {:>8} {:>12} {:>10} {:>6} {:>8}  key",
        "count", "hits", "misses", "value_bytes", "largest", "stream", "frame"
    )?;
    for k in &summary.hot_keys {
        writeln!(
            out,
            "{:>8} {:>8} {:>8} {:>12} {:>10} {:>6} {:>8}  {}{}",
            k.count,
            k.hits.unwrap_or(0),
            k.misses.unwrap_or(0),
            k.bytes,
            k.largest,
            k.first_at.stream,
            k.first_at.first_frame,
            printable(&k.key),
            if k.over_1mb { "  * over 1 MB" } else { "" }
        )?;
    }
    writeln!(out, "\nLargest values (top {}; * over 1 MB)", args.top)?;
    writeln!(
        out,
        "{:>12} {:<1} {:<10} {:<5} {:>6} {:>8} {:>8}  key",
        "bytes", "", "command", "way", "stream", "first", "last"
    )?;
    for v in &summary.largest_values {
        writeln!(
            out,
            "{:>12} {:<1} {:<10} {:<5} {:>6} {:>8} {:>8}  {}",
            v.value_len,
            if v.over_1mb { "*" } else { "" },
            printable(&v.command),
            if v.sent == Some(true) { "sent" } else { "got" },
            v.at.stream,
            v.at.first_frame,
            v.at.last_frame,
            printable(&v.key)
        )?;
    }
    writeln!(out, "\nMisses (top {})", args.top)?;
    writeln!(
        out,
        "{:>8} {:>8} {:>6} {:>8}  key",
        "misses", "count", "stream", "frame"
    )?;
    for k in summary.misses.iter().flatten() {
        writeln!(
            out,
            "{:>8} {:>8} {:>6} {:>8}  {}",
            k.misses.unwrap_or(0),
            k.count,
            k.first_at.stream,
            k.first_at.first_frame,
            printable(&k.key)
        )?;
    }
    Ok(exit_code(errors))
}
