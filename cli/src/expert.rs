//! `wirelens expert`: the TCP analysis items of a capture, one per line, then a count per
//! kind, like Wireshark's Expert Info dialog (`tshark -q -z expert`), and with
//! `--conversations` how each TCP conversation went: handshake, initial RTT, the mean ACK
//! RTT of the data each side sent (RTT_A_MS: A's data, acknowledged by B), the end.

use crate::input::{read_captures, report_errors};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::IpAddr;
use std::process::ExitCode;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::tcp::{
    Handshake, Kind, KindCounts, RttStats, Severity, Side, TcpConversation, TcpEnd,
};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::Stages;
use wirelens_core::query::expert::{expert_items, ExpertItem};

#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Only items of this severity or worse.
    #[arg(short = 's', long, value_parser = ["chat", "note", "warning", "error"])]
    severity: Option<String>,
    /// Only the count per kind, not every item.
    #[arg(short = 'q', long)]
    summary: bool,
    /// Also list each TCP conversation: handshake, initial RTT, how it ended, counts.
    #[arg(short = 'c', long)]
    conversations: bool,
    /// Print JSON (items, summary and conversations) instead of tables.
    #[arg(long)]
    json: bool,
}

/// One expert item.
#[derive(Serialize)]
struct Item {
    frame: u64,
    stream: u32,
    severity: Severity,
    group: &'static str,
    protocol: &'static str,
    field: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_ack_num: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_ack_frame: Option<u64>,
}

impl From<&ExpertItem> for Item {
    fn from(e: &ExpertItem) -> Self {
        Item {
            frame: e.frame,
            stream: e.stream,
            severity: e.severity(),
            group: e.kind.group(),
            protocol: "TCP",
            field: e.kind.field(),
            message: e.message(),
            duplicate_ack_num: e.dup_ack.map(|d| d.0),
            duplicate_ack_frame: e.dup_ack.map(|d| d.1),
        }
    }
}

/// How many items of one kind.
#[derive(Serialize)]
struct SummaryRow {
    severity: Severity,
    group: &'static str,
    protocol: &'static str,
    field: String,
    message: &'static str,
    count: u64,
}

/// One TCP conversation's analysis.
#[derive(Serialize)]
struct ConvRow {
    stream: u32,
    a: IpAddr,
    port_a: u16,
    b: IpAddr,
    port_b: u16,
    /// `tcp.analysis.initial_rtt`, in seconds.
    initial_rtt: Option<f64>,
    /// The frame of the ACK that ended the initial RTT.
    initial_rtt_frame: Option<u64>,
    handshake: Handshake,
    syn_by: Option<Side>,
    end: TcpEnd,
    fin: [bool; 2],
    rst: [bool; 2],
    window_scale: [Option<u8>; 2],
    counts: KindCounts,
    /// `tcp.analysis.ack_rtt` of the data A sent (`[0]`) and B sent (`[1]`).
    ack_rtt: [Option<RttRow>; 2],
}

/// ACK RTTs, in seconds.
#[derive(Serialize)]
struct RttRow {
    count: u64,
    min: f64,
    mean: f64,
    max: f64,
}

fn rtt_row(r: &RttStats) -> Option<RttRow> {
    Some(RttRow {
        count: r.count,
        min: r.min_ns as f64 / 1e9,
        mean: r.mean_ns()? as f64 / 1e9,
        max: r.max_ns as f64 / 1e9,
    })
}

#[derive(Serialize)]
struct Report {
    items: Vec<Item>,
    summary: Vec<SummaryRow>,
    conversations: Vec<ConvRow>,
}

fn min_severity(name: Option<&str>) -> Severity {
    match name {
        Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        Some("note") => Severity::Note,
        _ => Severity::Chat,
    }
}

fn summary(capture: &Capture, min: Severity) -> Vec<SummaryRow> {
    let mut counts: BTreeMap<Kind, u64> = BTreeMap::new();
    for (_, flags) in &capture.tcp_flags {
        for k in flags.kinds() {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut rows: Vec<SummaryRow> = counts
        .into_iter()
        .filter(|(k, _)| k.severity() >= min)
        .map(|(k, count)| SummaryRow {
            severity: k.severity(),
            group: k.group(),
            protocol: "TCP",
            field: k.field(),
            message: k.message(),
            count,
        })
        .collect();
    // Worst first, as the Expert Info dialog orders its sections; stable within one.
    rows.sort_by_key(|r| std::cmp::Reverse(r.severity));
    rows
}

fn conversations(capture: &Capture) -> Vec<ConvRow> {
    let empty = TcpConversation::default();
    capture
        .conversations
        .iter()
        .enumerate()
        .filter(|(_, c)| c.proto == L4::Tcp)
        .map(|(i, c)| {
            let t = capture.tcp.get(i).unwrap_or(&empty);
            ConvRow {
                stream: c.stream,
                a: c.a,
                port_a: c.port_a,
                b: c.b,
                port_b: c.port_b,
                initial_rtt: t.initial_rtt_ns.map(|ns| ns as f64 / 1e9),
                initial_rtt_frame: t.initial_rtt_frame,
                handshake: t.handshake,
                syn_by: t.syn_by,
                end: t.end,
                fin: t.fin,
                rst: t.rst,
                window_scale: t.window_scale,
                counts: t.counts,
                ack_rtt: [rtt_row(&t.ack_rtt[0]), rtt_row(&t.ack_rtt[1])],
            }
        })
        .collect()
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Expert items are the TCP analysis's; no reassembly or apps.
    let capture = read_captures(&args.files, Stages::TCP)?;
    let min = min_severity(args.severity.as_deref());
    let mut out = std::io::stdout().lock();
    let items = || expert_items(&capture).filter(|e| e.severity() >= min);
    if args.json {
        let report = Report {
            items: if args.summary {
                Vec::new()
            } else {
                items().map(|e| Item::from(&e)).collect()
            },
            summary: summary(&capture, min),
            conversations: conversations(&capture),
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        if !args.summary {
            writeln!(
                out,
                "{:>8} {:>6}  {:<8} {:<9} {:<8} SUMMARY",
                "FRAME", "STREAM", "SEVERITY", "GROUP", "PROTOCOL"
            )?;
            for e in items() {
                let i = Item::from(&e);
                writeln!(
                    out,
                    "{:>8} {:>6}  {:<8} {:<9} {:<8} {}",
                    i.frame,
                    i.stream,
                    i.severity.to_string(),
                    i.group,
                    i.protocol,
                    i.message
                )?;
            }
            writeln!(out)?;
        }
        writeln!(
            out,
            "{:<8} {:<9} {:<8} {:>9}  SUMMARY",
            "SEVERITY", "GROUP", "PROTOCOL", "COUNT"
        )?;
        for r in summary(&capture, min) {
            writeln!(
                out,
                "{:<8} {:<9} {:<8} {:>9}  {}",
                r.severity.to_string(),
                r.group,
                r.protocol,
                r.count,
                r.message
            )?;
        }
        if args.conversations {
            writeln!(out)?;
            print_conversations(&mut out, &conversations(&capture))?;
        }
    }
    let had_errors = report_errors(&capture);
    Ok(if had_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn endpoint(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

fn print_conversations(out: &mut impl std::io::Write, rows: &[ConvRow]) -> std::io::Result<()> {
    let a_width = rows
        .iter()
        .map(|r| endpoint(r.a, r.port_a).len())
        .max()
        .unwrap_or(0)
        .max(9);
    let b_width = rows
        .iter()
        .map(|r| endpoint(r.b, r.port_b).len())
        .max()
        .unwrap_or(0)
        .max(9);
    writeln!(
        out,
        "{:>6}  {:<a_width$}     {:<b_width$} {:<10} {:>10} {:>10} {:>10} {:<13} ITEMS",
        "STREAM", "A", "B", "HANDSHAKE", "IRTT_MS", "RTT_A_MS", "RTT_B_MS", "END"
    )?;
    for r in rows {
        let end = match r.end {
            TcpEnd::Open => "open".to_owned(),
            TcpEnd::Closed => "closed".to_owned(),
            TcpEnd::HalfClosed(s) => format!("fin-by-{}", side(s)),
            TcpEnd::Reset(s) => format!("reset-by-{}", side(s)),
        };
        let handshake = match r.handshake {
            Handshake::Complete => "complete",
            Handshake::Partial => "partial",
            Handshake::MidStream => "mid-stream",
        };
        let ms = |s: Option<f64>| s.map_or_else(|| "-".to_owned(), |s| format!("{:.3}", s * 1e3));
        let irtt = ms(r.initial_rtt);
        let [rtt_a, rtt_b] = [0, 1].map(|i| ms(r.ack_rtt[i].as_ref().map(|x| x.mean)));
        let items: Vec<String> = r
            .counts
            .iter()
            .map(|(k, n)| format!("{}={n}", k.name()))
            .collect();
        writeln!(
            out,
            "{:>6}  {:<a_width$} <-> {:<b_width$} {:<10} {:>10} {:>10} {:>10} {:<13} {}",
            r.stream,
            endpoint(r.a, r.port_a),
            endpoint(r.b, r.port_b),
            handshake,
            irtt,
            rtt_a,
            rtt_b,
            end,
            items.join(" ")
        )?;
    }
    Ok(())
}

fn side(s: Side) -> &'static str {
    match s {
        Side::A => "a",
        Side::B => "b",
    }
}
