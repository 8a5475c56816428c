//! `wirelens conv`: the conversations table.

use crate::input::{read_captures, report_errors};
use serde::Serialize;
use std::io::Write as _;
use std::net::IpAddr;
use std::process::ExitCode;
use wirelens_core::flow::{Conversation, L4};

#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Only conversations of this kind.
    #[arg(short = 't', long = "type", value_parser = ["tcp", "udp"])]
    kind: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// One row, with the keys documented in the README.
#[derive(Serialize)]
struct Row {
    proto: L4,
    stream: u32,
    a: IpAddr,
    port_a: u16,
    b: IpAddr,
    port_b: u16,
    frames_ab: u64,
    bytes_ab: u64,
    frames_ba: u64,
    bytes_ba: u64,
    /// Seconds from the capture's first packet to the conversation's first.
    rel_start: f64,
    /// Seconds from the conversation's first packet to its last.
    duration: f64,
}

fn row(c: &Conversation, origin_ns: i64) -> Row {
    Row {
        proto: c.proto,
        stream: c.stream,
        a: c.a,
        port_a: c.port_a,
        b: c.b,
        port_b: c.port_b,
        frames_ab: c.frames_ab,
        bytes_ab: c.bytes_ab,
        frames_ba: c.frames_ba,
        bytes_ba: c.bytes_ba,
        rel_start: (c.first_ns - origin_ns) as f64 / 1e9,
        duration: c.duration_ns() as f64 / 1e9,
    }
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read_captures(&args.files)?;
    let origin = capture.first_ts_ns();
    let kinds: &[L4] = match args.kind.as_deref() {
        Some("tcp") => &[L4::Tcp],
        Some("udp") => &[L4::Udp],
        _ => &[L4::Tcp, L4::Udp],
    };
    let rows: Vec<Row> = kinds
        .iter()
        .flat_map(|k| capture.conversations.iter().filter(move |c| c.proto == *k))
        .map(|c| row(c, origin))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &rows)?;
    }
    let had_errors = report_errors(&capture);
    Ok(if had_errors { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn print_table(out: &mut impl std::io::Write, rows: &[Row]) -> std::io::Result<()> {
    let a_width = rows.iter().map(|r| endpoint(r.a, r.port_a).len()).max().unwrap_or(0).max(9);
    let b_width = rows.iter().map(|r| endpoint(r.b, r.port_b).len()).max().unwrap_or(0).max(9);
    writeln!(
        out,
        "{:<5} {:>6}  {:<a_width$}     {:<b_width$} {:>8} {:>12} {:>8} {:>12} {:>14} {:>12}",
        "PROTO", "STREAM", "A", "B", "FRAMES→", "BYTES→", "FRAMES←", "BYTES←", "REL_START", "DURATION"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<5} {:>6}  {:<a_width$} <-> {:<b_width$} {:>8} {:>12} {:>8} {:>12} {:>14.9} {:>12.6}",
            r.proto.name(),
            r.stream,
            endpoint(r.a, r.port_a),
            endpoint(r.b, r.port_b),
            r.frames_ab,
            r.bytes_ab,
            r.frames_ba,
            r.bytes_ba,
            r.rel_start,
            r.duration
        )?;
    }
    Ok(())
}

fn endpoint(addr: IpAddr, port: u16) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}
