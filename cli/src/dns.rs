//! `wirelens dns`: DNS queries and responses over UDP and TCP.

use crate::apps::frame_or_dash;
use crate::apps::{exit_code, read, Common};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::query::transactions::dns;

/// DNS queries paired with their responses.
///
/// One row per transaction: transport and stream, the query's and response's frame
/// numbers, id, name, type, response code, `dns.time` (response time minus query time)
/// and the answers. DNS is found on ports 53 and 5353 and by content on any port; `-d`
/// overrides.
///
/// JSON: an array of objects with the keys transport, stream, query_frame,
/// response_frame, retransmission_frames, id, name, qtype, qclass, opcode, flags, rcode, rcode_name, answers
/// (name, type, class, ttl, data), counts, truncated, retransmissions, tcp, time.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Count transactions by response code.
    #[arg(long)]
    by_rcode: bool,
    /// Only the N slowest transactions, slowest first.
    #[arg(long, value_name = "N")]
    slowest: Option<usize>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut out = std::io::stdout().lock();
    if args.by_rcode {
        let rows = dns::by_rcode(capture.transactions.iter().enumerate());
        if args.common.json {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{:<12} {:>8}", "rcode", "count")?;
            for r in rows {
                writeln!(out, "{:<12} {:>8}", r.name, r.count)?;
            }
        }
        return Ok(exit_code(errors));
    }
    let rows = match args.slowest {
        Some(n) => dns::slowest(&capture, n),
        None => dns::rows(&capture),
    };
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<3} {:>6} {:>7} {:>7} {:>6} {:<6} {:<9} {:>10}  name answers",
            "l4", "stream", "query", "resp", "id", "type", "rcode", "time(ms)"
        )?;
        for r in &rows {
            let answers: Vec<String> = r
                .dns
                .answers
                .iter()
                .map(|a| format!("{} {}", a.rtype.name(), a.data))
                .collect();
            writeln!(
                out,
                "{:<3} {:>6} {:>7} {:>7} {:>6} {:<6} {:<9} {:>10}  {} {}",
                r.transport,
                r.stream,
                frame_or_dash(r.query_frame),
                frame_or_dash(r.response_frame),
                format!("0x{:04x}", r.dns.id),
                r.dns.qtype.name(),
                r.rcode_name.unwrap_or("-"),
                r.time
                    .map_or("-".to_string(), |t| format!("{:.3}", t * 1e3)),
                r.dns.name,
                answers.join(", "),
            )?;
        }
    }
    Ok(exit_code(errors))
}
