//! `wirelens endpoints`: the endpoints table.

use crate::conv::{endpoint, Kind};
use crate::input::{read_captures, report_errors};
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::stats::Endpoint;
use wirelens_core::ingest::Stages;

/// Endpoints, as `tshark -q -z endpoints,eth|ip|ipv6|tcp|udp` counts them.
///
/// `-t` picks the kinds (several with commas or repeated `-t`); all five when none is
/// given. An endpoint is a MAC or IP address, with its port for TCP and UDP. Packets and
/// bytes (frame lengths on the wire) are those it sent (tx) plus those it received (rx); a
/// packet from an address to itself counts both ways, as in tshark. The table lists each
/// kind's busiest endpoints first, as tshark does.
///
/// JSON: an array of objects with the keys proto, address, port (TCP and UDP only),
/// packets, bytes, tx_packets, tx_bytes, rx_packets and rx_bytes, in order of each
/// endpoint's first packet.
#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Only endpoints of these kinds.
    #[arg(short = 't', long = "type", value_enum, value_delimiter = ',')]
    kinds: Vec<Kind>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row {
    proto: &'static str,
    #[serde(flatten)]
    endpoint: Endpoint,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Endpoints are summed from the conversations: flows and statistics, no index.
    let capture = read_captures(&args.files, Stages::FLOWS.without_index())?;
    let kinds: &[Kind] = if args.kinds.is_empty() {
        &[Kind::Eth, Kind::Ip, Kind::Ipv6, Kind::Tcp, Kind::Udp]
    } else {
        &args.kinds
    };
    let rows: Vec<Row> = kinds
        .iter()
        .flat_map(|k| {
            let table = k.table();
            let endpoints = wirelens_core::query::stats::endpoints(&capture, table);
            endpoints.into_iter().map(move |endpoint| Row {
                proto: table.name(),
                endpoint,
            })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        print_table(&mut out, rows)?;
    }
    let had_errors = report_errors(&capture);
    Ok(if had_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_table(out: &mut impl std::io::Write, mut rows: Vec<Row>) -> std::io::Result<()> {
    // Kind by kind, as asked; within a kind, as tshark: most packets first, ties in order
    // of first packet (the sort is stable).
    let mut kinds: Vec<&str> = Vec::new();
    for r in &rows {
        if !kinds.contains(&r.proto) {
            kinds.push(r.proto);
        }
    }
    rows.sort_by_key(|r| {
        (
            kinds.iter().position(|k| *k == r.proto),
            std::cmp::Reverse(r.endpoint.packets),
        )
    });
    let address = |r: &Row| endpoint(&r.endpoint.address.to_string(), r.endpoint.port);
    let width = rows
        .iter()
        .map(|r| address(r).len())
        .max()
        .unwrap_or(0)
        .max(7);
    writeln!(
        out,
        "{:<5} {:<width$} {:>10} {:>14} {:>10} {:>14} {:>10} {:>14}",
        "PROTO", "ADDRESS", "PACKETS", "BYTES", "TX_PACKETS", "TX_BYTES", "RX_PACKETS", "RX_BYTES"
    )?;
    for r in &rows {
        let e = &r.endpoint;
        writeln!(
            out,
            "{:<5} {:<width$} {:>10} {:>14} {:>10} {:>14} {:>10} {:>14}",
            r.proto,
            address(r),
            e.packets,
            e.bytes,
            e.tx_packets,
            e.tx_bytes,
            e.rx_packets,
            e.rx_bytes
        )?;
    }
    Ok(())
}
