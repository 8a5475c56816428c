//! What the application-layer commands (`http`, `dns`, `tls`, `memcache`, `redis`,
//! `mysql`, `follow`) share: the input files, `--json`, tshark-style decode-as rules
//! (`-d tcp.port==8081,http`), and how text is printed. Their rows and tables are
//! queries in core (`wirelens_core::query::transactions`).

use anyhow::{bail, Context as _};
use std::borrow::Cow;
use std::process::ExitCode;
use wirelens_core::capture::app::AppProto;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::driver::{DecodeAs, Options};
use wirelens_core::query::transactions::kv::SqlTables;
use wirelens_core::query::transactions::Row;

use crate::input::Inputs;

/// Options every application-layer command takes.
#[derive(clap::Args)]
pub struct Common {
    /// Capture files (pcap, pcapng, compressed); `-` reads stdin. Several files form one
    /// timeline.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Decode a port as a protocol, as tshark's `-d`: `tcp.port==8081,http`,
    /// `udp.port==5300,dns`. Protocols: http, http2, tls, dns, memcache, mysql, pgsql,
    /// resp (redis), quic, none. May be repeated.
    #[arg(short = 'd', long = "decode-as", value_name = "tcp.port==PORT,PROTO")]
    pub decode_as: Vec<String>,
    /// A preference, as tshark's `-o`: `tls.keylog_file:PATH` decrypts TLS with the
    /// secrets of an NSS key log (`SSLKEYLOGFILE`). May be repeated.
    #[arg(short = 'o', value_name = "tls.keylog_file:PATH")]
    pub prefs: Vec<String>,
}

/// The key logs named by tshark-style preferences (`-o NAME:VALUE`):
/// `tls.keylog_file:PATH` (also `ssl.keylog_file`, its old name).
pub fn key_logs(prefs: &[String]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut logs = Vec::new();
    for p in prefs {
        let Some((name, value)) = p.split_once(':') else {
            bail!("preference {p:?}: expected NAME:VALUE, e.g. tls.keylog_file:keys.log");
        };
        match name.trim() {
            "tls.keylog_file" | "ssl.keylog_file" => {
                let text = std::fs::read(value)
                    .with_context(|| format!("cannot read the key log {value}"))?;
                let mut log = wirelens_core::ingest::app::tls::keylog::KeyLog::new();
                log.add_text(&text);
                if log.is_empty() {
                    eprintln!("wirelens: {value}: no TLS secrets in this key log");
                }
                logs.push(text);
            }
            other => {
                bail!("preference {other:?} is not supported (supported: tls.keylog_file)")
            }
        }
    }
    Ok(logs)
}

/// Parses `tcp.port==21211,memcache` (also `udp.port==…`, and `none`/`data` for no
/// protocol).
pub fn parse_decode_as(rule: &str) -> anyhow::Result<DecodeAs> {
    let Some((sel, proto)) = rule.split_once(',') else {
        bail!("decode-as rule {rule:?}: expected tcp.port==PORT,PROTO");
    };
    let Some((field, port)) = sel.split_once("==") else {
        bail!("decode-as rule {rule:?}: expected tcp.port==PORT,PROTO");
    };
    let l4 = match field.trim() {
        "tcp.port" => L4::Tcp,
        "udp.port" => L4::Udp,
        f => bail!("decode-as rule {rule:?}: only tcp.port and udp.port are supported, not {f}"),
    };
    let port: u16 = port
        .trim()
        .parse()
        .with_context(|| format!("decode-as rule {rule:?}: bad port"))?;
    let proto = match proto.trim() {
        "none" | "data" => None,
        p => Some(AppProto::from_name(p).with_context(|| {
            format!("decode-as rule {rule:?}: unknown protocol {p:?} (http, http2, tls, dns, memcache, mysql, pgsql, resp, quic, none)")
        })?),
    };
    Ok(DecodeAs { l4, port, proto })
}

/// The ingest options of the `-d` rules and the `-o` preferences.
pub fn options(decode_as: &[String], prefs: &[String]) -> anyhow::Result<Options> {
    Ok(Options {
        decode_as: decode_as
            .iter()
            .map(|r| parse_decode_as(r))
            .collect::<anyhow::Result<Vec<_>>>()?,
        key_logs: key_logs(prefs)?,
        ..Options::default()
    })
}

/// Reads every file (`-` is stdin) into one capture, merged by time, with the decode-as
/// rules applied.
pub fn read(common: &Common) -> anyhow::Result<Capture> {
    Inputs::new(&common.files, false)?.read(&options(&common.decode_as, &common.prefs)?)
}

/// Text as a terminal may show it: control characters and the like escaped.
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| !c.is_control()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .flat_map(|c| {
                    if c.is_control() {
                        c.escape_default().collect::<Vec<_>>()
                    } else {
                        vec![c]
                    }
                })
                .collect(),
        )
    }
}

/// Milliseconds, or `-`.
pub fn ms(ns: Option<i64>) -> String {
    ns.map_or("-".into(), |ns| format!("{:.3}", ns as f64 / 1e6))
}

/// A latency in seconds as milliseconds, or `-`.
pub fn latency_ms(seconds: Option<f64>) -> String {
    seconds.map_or("-".into(), |s| format!("{:.3}", s * 1e3))
}

/// A frame number, or `-`.
pub fn frame_or_dash(frame: Option<u64>) -> String {
    frame.map_or("-".into(), |f| f.to_string())
}

/// The exit status of a command: 1 when a file could not be read to its end.
pub fn exit_code(errors: bool) -> ExitCode {
    if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// SQL as one line: printable, line breaks as spaces, at most 200 characters.
pub fn sql_line(text: &str) -> String {
    let text = printable(text).replace('\n', " ");
    if text.chars().count() > 200 {
        text.chars().take(200).collect::<String>() + "…"
    } else {
        text
    }
}

/// A SQL transaction's texts for `wirelens mysql|pgsql`: [command, result, SQL, flags].
pub type SqlCells<'a, T> = &'a dyn Fn(&T) -> [String; 4];

/// `wirelens mysql|pgsql`'s transactions, one per line, the command in a column `width`
/// wide.
pub fn print_sql_rows<T>(
    out: &mut dyn std::io::Write,
    rows: &[Row<'_, T>],
    width: usize,
    cells: SqlCells<'_, T>,
) -> std::io::Result<()> {
    let result_width = 42 - width;
    writeln!(
        out,
        "{:>6} {:>7} {:>7} {:>10}  {:<width$} {:<result_width$} sql",
        "stream", "req", "resp", "latency_ms", "command", "result"
    )?;
    for r in rows {
        let [command, result, sql, flags] = cells(r.detail);
        writeln!(
            out,
            "{:>6} {:>7} {:>7} {:>10}  {:<width$} {:<result_width$} {sql}{flags}",
            r.frames.stream,
            frame_or_dash(r.frames.request_frame),
            frame_or_dash(r.frames.response_frame),
            latency_ms(r.latency),
            command,
            result,
        )?;
    }
    Ok(())
}

/// What `wirelens mysql|pgsql` print without `--list`: the transactions, the slowest, the
/// errors and the queries by fingerprint, the command in a column `width` wide.
pub fn print_sql_summary<T>(
    out: &mut dyn std::io::Write,
    summary: &SqlTables<'_, T>,
    top: usize,
    width: usize,
    cells: SqlCells<'_, T>,
) -> std::io::Result<()> {
    print_sql_rows(out, &summary.transactions, width, cells)?;
    writeln!(out, "\nSlowest (top {top})")?;
    print_sql_rows(out, &summary.slowest, width, cells)?;
    writeln!(out, "\nErrors")?;
    print_sql_rows(out, &summary.errors, width, cells)?;
    writeln!(out, "\nQueries by fingerprint (top {top} by total time)")?;
    writeln!(
        out,
        "{:>7} {:>7} {:>10} {:>10} {:>10} {:>9} {:>6} {:>8}  {:<width$} fingerprint",
        "count", "errors", "rows", "total_ms", "max_ms", "affected", "stream", "frame", "command"
    )?;
    for q in &summary.queries {
        writeln!(
            out,
            "{:>7} {:>7} {:>10} {:>10} {:>10} {:>9} {:>6} {:>8}  {:<width$} {}",
            q.count,
            q.errors,
            q.rows.unwrap_or(0),
            ms((q.timed > 0).then_some(q.latency_total_ns)),
            ms((q.timed > 0).then_some(q.latency_max_ns)),
            q.affected_rows.unwrap_or(0),
            q.slowest_at.map_or(0, |a| a.stream),
            q.slowest_at.map_or(0, |a| a.first_frame),
            q.command,
            printable(q.fingerprint.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn decode_as_rules() {
        assert_eq!(
            parse_decode_as("tcp.port==21211,memcache").unwrap(),
            DecodeAs {
                l4: L4::Tcp,
                port: 21211,
                proto: Some(AppProto::Memcache)
            }
        );
        assert_eq!(
            parse_decode_as("udp.port==5300,dns").unwrap().proto,
            Some(AppProto::Dns)
        );
        assert_eq!(
            parse_decode_as("tcp.port==26379,resp").unwrap().proto,
            Some(AppProto::Redis)
        );
        assert_eq!(parse_decode_as("tcp.port==80,none").unwrap().proto, None);
        assert!(parse_decode_as("tcp.port=80,http").is_err());
        assert!(parse_decode_as("sctp.port==80,http").is_err());
        assert!(parse_decode_as("tcp.port==80,gopher").is_err());
    }
}
