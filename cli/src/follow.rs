//! `wirelens follow`: one conversation's payload, both directions, as tshark's
//! `-z follow` prints it.

use crate::apps::exit_code;
use crate::input::Inputs;
use anyhow::bail;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::flow::L4;
use wirelens_core::ingest::driver::Options;
use wirelens_core::query::fields::PacketSource as _;
use wirelens_core::query::follow::{follow, render, Mode};
use wirelens_core::query::reread::Reread;

/// The reassembled payload of one TCP conversation or UDP flow, both directions in
/// order, byte-identical to `tshark -q -z follow,tcp|udp,ascii|hex|raw,STREAM`.
///
/// STREAM is the `tcp.stream` (or with `-t udp`, the `udp.stream`) number, as `wirelens
/// conv` lists it. Bytes of the second node (the destination of the stream's first
/// packet) are indented with a tab. Bytes the capture missed but the other side
/// acknowledged show as `[N bytes missing in capture file]`.
///
/// JSON: an object with proto, stream, node0, node1 and records (from_server, frame,
/// bytes as hex, missing).
#[derive(clap::Args)]
pub struct Args {
    /// Stream number (`tcp.stream` / `udp.stream`).
    stream: u32,
    /// Capture files (pcap, pcapng, compressed); `-` reads stdin.
    #[arg(required = true)]
    files: Vec<String>,
    /// Transport of the stream.
    #[arg(short = 't', long = "type", value_enum, default_value = "tcp")]
    proto: Proto,
    /// A hex dump (tshark's `hex` mode).
    #[arg(long, conflicts_with = "raw")]
    hex: bool,
    /// Hex digits, a line per segment (tshark's `raw` mode).
    #[arg(long)]
    raw: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Proto {
    Tcp,
    Udp,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let inputs = Inputs::new(&args.files, true)?;
    let capture = inputs.read(&Options::default())?;
    let errors = crate::input::report_errors(&capture);
    let l4 = if args.proto == Proto::Udp {
        L4::Udp
    } else {
        L4::Tcp
    };
    let Some(_) = capture
        .conversations
        .iter()
        .position(|c| c.proto == l4 && c.stream == args.stream)
    else {
        bail!("no {} stream {} in the capture", l4.name(), args.stream);
    };
    let wanted: Vec<usize> =
        wirelens_core::query::follow::packets_needed(&capture, l4, args.stream)
            .into_iter()
            .map(|i| i as usize)
            .collect();
    let mut bytes = Reread::packets(&capture, &wanted);
    bytes.fill(usize::MAX, &mut |f| inputs.fetch(f.file, f.start, f.end));
    if let Some(e) = bytes.error() {
        eprintln!("wirelens: {e}");
    }
    let mut rows = capture.packets.reader();
    let followed = follow(&capture, l4, args.stream, &mut |i, buf| {
        bytes.read(i as usize, &rows.at(i as usize), buf)
    })
    .expect("the stream exists");
    let mut out = std::io::stdout().lock();
    if args.json {
        let records: Vec<serde_json::Value> = followed
            .records
            .iter()
            .map(|r| {
                serde_json::json!({
                    "from_server": r.from_server,
                    "frame": r.packet + 1,
                    "bytes": r.bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                    "missing": r.missing,
                })
            })
            .collect();
        let fmt = |n: (std::net::IpAddr, u16)| format!("{}", std::net::SocketAddr::from(n));
        let v = serde_json::json!({
            "proto": l4.name(),
            "stream": args.stream,
            "node0": fmt(followed.node0),
            "node1": fmt(followed.node1),
            "records": records,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
    } else {
        let mode = if args.hex {
            Mode::Hex
        } else if args.raw {
            Mode::Raw
        } else {
            Mode::Ascii
        };
        out.write_all(render(&followed, mode).as_bytes())?;
    }
    Ok(exit_code(errors))
}
