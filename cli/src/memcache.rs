//! `wirelens memcache`: memcached's hot keys, largest values, commands and misses.

use crate::apps::{ms, printable, read, At, Common, Key, Row, Value};
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::memcache::Memcache;
use wirelens_core::capture::app::Transaction;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::app::memcache;

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

#[derive(Serialize)]
struct Summary<'a> {
    transactions: usize,
    conversations: usize,
    commands: Vec<memcache::CommandStats>,
    hot_keys: Vec<Key<'a, memcache::HotKey>>,
    largest_values: Vec<Value<'a, memcache::Value>>,
    misses: Vec<Key<'a, memcache::HotKey>>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let txs: Vec<(&Transaction, &Memcache)> =
        memcache::transactions(&capture.transactions).collect();
    let mut out = std::io::stdout().lock();
    if args.list {
        let rows: Vec<Row<'_, Memcache>> =
            txs.iter().map(|(t, m)| Row::new(&capture, t, *m)).collect();
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
                let opt = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
                let keys: Vec<String> = r
                    .detail
                    .keys
                    .iter()
                    .map(|k| {
                        let mark = match k.hit {
                            Some(true) => "",
                            Some(false) => " (miss)",
                            None => "",
                        };
                        match k.value_len {
                            Some(n) => format!("{}={n}{mark}", printable(&k.key)),
                            None => format!("{}{mark}", printable(&k.key)),
                        }
                    })
                    .collect();
                writeln!(
                    out,
                    "{:>6} {:>7} {:>7} {:<10} {:<14} {:>10}  {}{}",
                    r.frames.stream,
                    opt(r.frames.request_frame),
                    opt(r.frames.response_frame),
                    printable(&r.detail.command),
                    printable(r.detail.status.as_deref().unwrap_or(if r.detail.noreply {
                        "(noreply)"
                    } else {
                        "-"
                    })),
                    r.latency
                        .map_or("-".to_string(), |l| format!("{:.3}", l * 1e3)),
                    keys.join(" "),
                    if r.detail.incomplete {
                        " [incomplete]"
                    } else {
                        ""
                    },
                )?;
            }
        }
        return Ok(if errors {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }

    let all = || txs.iter().map(|(t, _)| *t);
    let hot = memcache::hot_keys(all());
    let values = memcache::largest_values(all());
    let mut missed: Vec<&memcache::HotKey> = hot.iter().filter(|k| k.misses > 0).collect();
    missed.sort_by(|a, b| b.misses.cmp(&a.misses).then_with(|| a.key.cmp(&b.key)));
    let convs: std::collections::BTreeSet<u32> = txs.iter().map(|(t, _)| t.conv).collect();
    fn key<'k>(c: &Capture, k: &'k memcache::HotKey) -> Key<'k, memcache::HotKey> {
        Key {
            key: k,
            first_at: At::of(c, &k.first),
            last_at: At::of(c, &k.last),
        }
    }
    let summary = Summary {
        transactions: txs.len(),
        conversations: convs.len(),
        commands: memcache::commands(all()),
        hot_keys: hot
            .iter()
            .take(args.top)
            .map(|k| key(&capture, k))
            .collect(),
        largest_values: values
            .iter()
            .take(args.top)
            .map(|v| Value {
                value: v,
                at: At::of(&capture, &v.place),
            })
            .collect(),
        misses: missed
            .into_iter()
            .take(args.top)
            .map(|k| key(&capture, k))
            .collect(),
    };
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(if errors {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let binary = txs.iter().filter(|(_, m)| m.binary).count();
    let big = values.iter().filter(|v| v.over_1mb).count();
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
            c.hits,
            c.misses,
            c.errors,
            c.noreply,
            c.bytes,
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
            k.key.count,
            k.key.hits,
            k.key.misses,
            k.key.bytes,
            k.key.largest,
            k.first_at.stream,
            k.first_at.first_frame,
            printable(&k.key.key),
            if k.key.over_1mb { "  * over 1 MB" } else { "" }
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
            v.value.value_len,
            if v.value.over_1mb { "*" } else { "" },
            printable(&v.value.command),
            if v.value.sent { "sent" } else { "got" },
            v.at.stream,
            v.at.first_frame,
            v.at.last_frame,
            printable(&v.value.key)
        )?;
    }
    writeln!(out, "\nMisses (top {})", args.top)?;
    writeln!(
        out,
        "{:>8} {:>8} {:>6} {:>8}  key",
        "misses", "count", "stream", "frame"
    )?;
    for k in &summary.misses {
        writeln!(
            out,
            "{:>8} {:>8} {:>6} {:>8}  {}",
            k.key.misses,
            k.key.count,
            k.first_at.stream,
            k.first_at.first_frame,
            printable(&k.key.key)
        )?;
    }
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
