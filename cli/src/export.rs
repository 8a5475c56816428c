//! `wirelens list FILE… [-Y FILTER] -w OUT [-F FORMAT]`: the packets the filter keeps,
//! written to a new capture file as tshark's `-w` writes them, through core's
//! `query::export` (the writer the capture daemon and the page use): each packet's bytes,
//! lengths and timestamp as read, on its own interface, with its comments.

use crate::input::Inputs;
use anyhow::{bail, Context as _};
use std::fs::File;
use std::io::{BufWriter, Write};
use wirelens_core::capture::Capture;
use wirelens_core::query::export::{Export, OutputFormat};
use wirelens_core::query::fields::PacketSource;
use wirelens_core::query::filter::Filter;
use wirelens_core::query::scan::{Scan, ScanOptions};

/// `-F`, by tshark's names: pcapng, pcap (libpcap's, microseconds) or nsecpcap
/// (nanoseconds).
fn output_format(name: &str) -> anyhow::Result<OutputFormat> {
    Ok(match name {
        "pcapng" => OutputFormat::PcapNg { big_endian: false },
        "pcap" => OutputFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        "nsecpcap" => OutputFormat::Pcap {
            big_endian: false,
            nanos: true,
        },
        other => bail!("-F {other}: the formats are pcapng, pcap and nsecpcap"),
    })
}

/// Writes the first `count` packets (all without it) that `filter` keeps to `path`
/// (`-`: stdout), their bytes read again from `inputs` where the core's scan names them.
pub fn write(
    capture: &Capture,
    filter: &Filter,
    count: Option<u64>,
    path: &str,
    format: &str,
    inputs: &Inputs,
) -> anyhow::Result<()> {
    let format = output_format(format)?;
    let finer = capture
        .interfaces
        .iter()
        .any(|i| i.interface.ts_per_sec > 1_000_000);
    if finer && format == output_format("pcap")? {
        eprintln!(
            "wirelens: note: -F pcap keeps microseconds; finer timestamps are cut (-F nsecpcap or pcapng keep them)"
        );
    }
    let out: Box<dyn Write> = if path == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(path).with_context(|| format!("cannot create {path}"))?)
    };
    let mut export = Export::new(capture, format, BufWriter::with_capacity(1 << 16, out))
        .with_context(|| format!("cannot write {path}"))?;
    let mut scan = Scan::new(
        capture,
        filter,
        &[],
        ScanOptions {
            bytes: true,
            limit: count.map(|c| c as usize),
        },
    );
    let mut buf = Vec::new();
    let mut rows = capture.packets.reader();
    while let Some(i) = inputs.next_match(&mut scan) {
        let (_, src) = scan.packet();
        if !src.read(i, &rows.at(i), &mut buf) {
            bail!(
                "packet {}: its bytes could not be read again; {path} is incomplete",
                i + 1
            );
        }
        export
            .packet(i, &buf)
            .with_context(|| format!("cannot write {path}"))?;
    }
    export
        .finish()
        .with_context(|| format!("cannot write {path}"))?;
    Ok(())
}
