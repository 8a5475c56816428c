//! `wirelens expert`: every expert item of a capture, one per line, then the items
//! grouped as Wireshark's Expert Info dialog and `tshark -q -z expert` group them (a
//! section a severity with its count, a line per group, protocol and summary), and with
//! `--conversations` how each TCP conversation went: handshake, initial RTT, the mean ACK
//! RTT of the data each side sent (RTT_A_MS: A's data, acknowledged by B), the end.

use crate::apps::printable;
use crate::input::{report_errors, Inputs};
use serde::Serialize;
use std::io::Write as _;
use std::net::IpAddr;
use std::process::ExitCode;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::tcp::{
    Handshake, Kind, KindCounts, RttStats, Severity, Side, TcpConversation, TcpEnd,
};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::driver::Options;
use wirelens_core::query::expert::{self, Found, Items, Line, Section};
use wirelens_core::query::filter::Filter;
use wirelens_core::query::scan::{Scan, ScanOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Only items of this severity or worse.
    #[arg(short = 's', long, value_parser = ["chat", "note", "warning", "error"])]
    severity: Option<String>,
    /// Only the grouped counts (as `tshark -q -z expert`), not every item.
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
    /// `tcp.stream` or `udp.stream` of the frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<u32>,
    severity: Severity,
    group: &'static str,
    protocol: &'static str,
    field: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_ack_num: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_ack_frame: Option<u64>,
    /// A retransmission's `tcp.analysis.rto_frame`, where tshark shows it (a nonzero RTO).
    #[serde(skip_serializing_if = "Option::is_none")]
    rto_frame: Option<u64>,
}

impl Item {
    fn of(capture: &Capture, e: expert::Item<'_>) -> Self {
        let index = e.frame.saturating_sub(1) as usize;
        let stream = capture
            .packets
            .get(index)
            .and_then(|p| capture.conversations.get(p.flow as usize))
            .map(|c| c.stream);
        // The duplicate ACK's number and the frame it repeats, from the TCP analysis.
        let dup = (e.field == Kind::DuplicateAck.field())
            .then(|| capture.tcp_flags_of(index))
            .flatten()
            .map(|f| (f.1, f.2));
        let rto_frame = (e.field == Kind::Retransmission.field())
            .then(|| capture.tcp_rto(index))
            .flatten()
            .map(|(_, from)| from);
        Item {
            frame: e.frame,
            stream,
            severity: e.severity,
            group: e.group,
            protocol: e.protocol,
            field: e.field.to_owned(),
            // A terminal is sent no control character of a packet's text.
            message: printable(e.message).into_owned(),
            duplicate_ack_num: dup.map(|d| d.0),
            duplicate_ack_frame: dup.map(|d| d.1),
            rto_frame,
        }
    }
}

/// One line of the grouped counts.
#[derive(Serialize)]
struct SummaryRow<'a> {
    severity: Severity,
    group: &'static str,
    protocol: &'static str,
    message: &'a str,
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
struct Report<'a> {
    items: Vec<Item>,
    summary: Vec<SummaryRow<'a>>,
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

/// Every expert item of the capture, read from each packet's detail.
fn items(capture: &Capture, inputs: &Inputs) -> Found {
    let every = Filter::compile("").expect("the empty filter compiles");
    let options = ScanOptions {
        bytes: true,
        limit: None,
    };
    let mut scan = Scan::new(capture, &every, &[], options);
    let mut reader = Items::new(capture, None);
    let mut out = Found::default();
    while let Some(i) = inputs.next_match(&mut scan) {
        let (ctx, src) = scan.packet();
        reader.packet(ctx, i, src, &mut out);
    }
    out
}

/// The sections of `found` from severity `min` on, their texts as a terminal may be sent
/// them: lines whose texts are the same once printable are one.
fn tally(found: &Found, min: Severity) -> Vec<Section> {
    use std::collections::HashMap;
    let mut sections = found.sections();
    sections.retain(|s| s.severity >= min);
    for s in &mut sections {
        let mut changed = false;
        for l in &mut s.lines {
            if let std::borrow::Cow::Owned(m) = printable(&l.summary) {
                l.summary = m;
                changed = true;
            }
        }
        if !changed {
            continue;
        }
        let mut at: HashMap<(&str, &str, String), usize> = HashMap::new();
        let mut lines: Vec<Line> = Vec::with_capacity(s.lines.len());
        for l in std::mem::take(&mut s.lines) {
            match at.entry((l.group, l.protocol, l.summary.clone())) {
                std::collections::hash_map::Entry::Occupied(e) => lines[*e.get()].count += l.count,
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(lines.len());
                    lines.push(l);
                }
            }
        }
        s.lines = lines;
    }
    sections
}

fn summary(sections: &[Section]) -> Vec<SummaryRow<'_>> {
    sections
        .iter()
        .flat_map(|s| {
            s.lines.iter().map(|l| SummaryRow {
                severity: s.severity,
                group: l.group,
                protocol: l.protocol,
                message: &l.summary,
                count: l.count,
            })
        })
        .collect()
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
    // The items are read from each packet's detail: the packets are read again.
    let inputs = Inputs::new(&args.files, true)?;
    let capture = inputs.read(&Options::default())?;
    let min = min_severity(args.severity.as_deref());
    let found = items(&capture, &inputs);
    let kept = || found.iter().filter(|e| e.severity >= min);
    let sections = tally(&found, min);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let summary = summary(&sections);
        let report = Report {
            items: if args.summary {
                Vec::new()
            } else {
                kept().map(|e| Item::of(&capture, e)).collect()
            },
            summary,
            conversations: conversations(&capture),
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        if !args.summary {
            writeln!(
                out,
                "{:>8} {:>6}  {:<8} {:<10} {:<10} SUMMARY",
                "FRAME", "STREAM", "SEVERITY", "GROUP", "PROTOCOL"
            )?;
            for e in kept() {
                let i = Item::of(&capture, e);
                let stream = i.stream.map_or_else(|| "-".to_owned(), |s| s.to_string());
                writeln!(
                    out,
                    "{:>8} {:>6}  {:<8} {:<10} {:<10} {}",
                    i.frame,
                    stream,
                    i.severity.to_string(),
                    i.group,
                    i.protocol,
                    i.message
                )?;
            }
        }
        let mut text = String::new();
        expert::write_tshark(&mut text, &sections);
        out.write_all(text.as_bytes())?;
        if args.conversations {
            writeln!(out)?;
            print_conversations(&mut out, &conversations(&capture))?;
        }
    }
    out.flush()?;
    drop(out);
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
