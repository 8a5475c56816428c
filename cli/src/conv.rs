//! `wirelens conv`: the conversations table.

use crate::input::{read_captures, report_errors};
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::flow::{Conversation, L4};
use wirelens_core::capture::stats::{AddressConversation, Table};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::Stages;

/// A kind of conversation or endpoint, as tshark names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Ethernet (MAC addresses).
    Eth,
    /// IPv4.
    Ip,
    /// IPv6.
    Ipv6,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Kind {
    pub fn table(self) -> Table {
        match self {
            Kind::Eth => Table::Eth,
            Kind::Ip => Table::Ip,
            Kind::Ipv6 => Table::Ipv6,
            Kind::Tcp => Table::Tcp,
            Kind::Udp => Table::Udp,
        }
    }
}

/// Conversations, as `tshark -q -z conv,eth|ip|ipv6|tcp|udp` counts them.
///
/// `-t` picks the kinds (several with commas or repeated `-t`); TCP and UDP when none is
/// given. A is the source of the conversation's first frame; bytes are frame lengths on
/// the wire. TCP and UDP conversations are numbered as Wireshark's `tcp.stream` and
/// `udp.stream`. An Ethernet (ip, ipv6) conversation is every frame between two MAC
/// (IPv4, IPv6) addresses, either way; headers quoted inside ICMP errors are not counted,
/// as in tshark.
///
/// JSON: an array of objects with the keys proto, stream, a, port_a, b, port_b,
/// frames_ab, bytes_ab, frames_ba, bytes_ba, rel_start (seconds from the capture's first
/// packet) and duration (seconds). Ethernet and IP rows have no port_a and port_b, their a
/// and b are MAC or IP addresses, and stream numbers the conversations of that kind from 0
/// in order of their first frame.
#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Only conversations of these kinds.
    #[arg(short = 't', long = "type", value_enum, value_delimiter = ',')]
    kinds: Vec<Kind>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// One row, with the keys documented in the README.
#[derive(Serialize)]
struct Row {
    proto: &'static str,
    stream: u32,
    a: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    port_a: Option<u16>,
    b: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    port_b: Option<u16>,
    frames_ab: u64,
    bytes_ab: u64,
    frames_ba: u64,
    bytes_ba: u64,
    /// Seconds from the capture's first packet to the conversation's first.
    rel_start: f64,
    /// Seconds from the conversation's first packet to its last.
    duration: f64,
}

fn flow_row(c: &Conversation, origin_ns: i64) -> Row {
    Row {
        proto: c.proto.name(),
        stream: c.stream,
        a: c.a.to_string(),
        port_a: Some(c.port_a),
        b: c.b.to_string(),
        port_b: Some(c.port_b),
        frames_ab: c.frames_ab,
        bytes_ab: c.bytes_ab,
        frames_ba: c.frames_ba,
        bytes_ba: c.bytes_ba,
        rel_start: (c.first_ns - origin_ns) as f64 / 1e9,
        duration: c.duration_ns() as f64 / 1e9,
    }
}

fn address_row(table: Table, stream: usize, c: &AddressConversation, origin_ns: i64) -> Row {
    Row {
        proto: table.name(),
        stream: stream as u32,
        a: c.a.to_string(),
        port_a: None,
        b: c.b.to_string(),
        port_b: None,
        frames_ab: c.frames_ab,
        bytes_ab: c.bytes_ab,
        frames_ba: c.frames_ba,
        bytes_ba: c.bytes_ba,
        rel_start: (c.first_ns - origin_ns) as f64 / 1e9,
        duration: c.duration_ns() as f64 / 1e9,
    }
}

fn rows(capture: &Capture, kind: Kind) -> Vec<Row> {
    let origin = capture.first_ts_ns();
    match kind {
        Kind::Tcp | Kind::Udp => {
            let proto = if kind == Kind::Tcp { L4::Tcp } else { L4::Udp };
            capture
                .conversations
                .iter()
                .filter(|c| c.proto == proto)
                .map(|c| flow_row(c, origin))
                .collect()
        }
        Kind::Eth | Kind::Ip | Kind::Ipv6 => {
            let table = kind.table();
            let convs = capture.stats.conversations(table).iter();
            convs
                .enumerate()
                .map(|(i, c)| address_row(table, i, c, origin))
                .collect()
        }
    }
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Conversations need the flows and statistics: no TCP analysis, apps or index.
    let capture = read_captures(&args.files, Stages::FLOWS.without_index())?;
    let kinds: &[Kind] = if args.kinds.is_empty() {
        &[Kind::Tcp, Kind::Udp]
    } else {
        &args.kinds
    };
    let rows: Vec<Row> = kinds.iter().flat_map(|&k| rows(&capture, k)).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &rows)?;
    }
    let had_errors = report_errors(&capture);
    Ok(if had_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_table(out: &mut impl std::io::Write, rows: &[Row]) -> std::io::Result<()> {
    let a_width = rows
        .iter()
        .map(|r| endpoint(&r.a, r.port_a).len())
        .max()
        .unwrap_or(0)
        .max(9);
    let b_width = rows
        .iter()
        .map(|r| endpoint(&r.b, r.port_b).len())
        .max()
        .unwrap_or(0)
        .max(9);
    writeln!(
        out,
        "{:<5} {:>6}  {:<a_width$}     {:<b_width$} {:>8} {:>12} {:>8} {:>12} {:>14} {:>12}",
        "PROTO",
        "STREAM",
        "A",
        "B",
        "FRAMES→",
        "BYTES→",
        "FRAMES←",
        "BYTES←",
        "REL_START",
        "DURATION"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<5} {:>6}  {:<a_width$} <-> {:<b_width$} {:>8} {:>12} {:>8} {:>12} {:>14.9} {:>12.6}",
            r.proto,
            r.stream,
            endpoint(&r.a, r.port_a),
            endpoint(&r.b, r.port_b),
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

/// An address with its port, if any: `10.0.0.1:80`, `[2001:db8::1]:80`, `10.0.0.1`.
pub fn endpoint(addr: &str, port: Option<u16>) -> String {
    match port {
        None => addr.to_owned(),
        Some(port) if addr.contains(':') => format!("[{addr}]:{port}"),
        Some(port) => format!("{addr}:{port}"),
    }
}
