//! `wirelens follow`: one conversation's payload, both directions, as tshark's
//! `-z follow` prints it.

use crate::input::Inputs;
use anyhow::{bail, Context as _};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write as _};
use std::process::ExitCode;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::decompress::Decoder;
use wirelens_core::ingest::driver::Options;
use wirelens_core::query::follow::{follow, render, Mode};

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
    let wanted = wirelens_core::query::follow::packets_needed(&capture, l4, args.stream);
    let bytes = packet_bytes(&capture, &inputs, &wanted)?;
    let followed = follow(
        &capture,
        l4,
        args.stream,
        &mut |i, buf| match bytes.get(&i) {
            Some(b) => {
                buf.extend_from_slice(b);
                true
            }
            None => false,
        },
    )
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
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The captured bytes of the given packets, re-read from their files: by seeking in a
/// plain file, by decompressing a compressed one again from its start.
fn packet_bytes(
    capture: &Capture,
    inputs: &Inputs,
    wanted: &[u64],
) -> anyhow::Result<HashMap<u64, Vec<u8>>> {
    let mut out = HashMap::new();
    for f in 0..capture.files.len() {
        let path = inputs
            .path(f)
            .context("the file cannot be read again")?
            .to_string_lossy()
            .into_owned();
        let mut rows: Vec<(u64, u64, usize)> = wanted
            .iter()
            .map(|&i| (i, &capture.packets[i as usize]))
            .filter(|(_, p)| p.file as usize == f)
            .map(|(i, p)| (p.offset, i, p.caplen as usize))
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort();
        let compression = capture.files[f].compression;
        match compression {
            None => {
                let mut file =
                    std::fs::File::open(&path).with_context(|| format!("cannot open {path}"))?;
                for (offset, i, len) in rows {
                    let mut b = vec![0; len];
                    file.seek(SeekFrom::Start(offset))?;
                    file.read_exact(&mut b)
                        .with_context(|| format!("cannot re-read packet {} of {path}", i + 1))?;
                    out.insert(i, b);
                }
            }
            Some(c) => {
                // The decompressed stream, kept only where wanted packets lie.
                let mut reader =
                    std::fs::File::open(&path).with_context(|| format!("cannot open {path}"))?;
                let mut decoder = Decoder::new(c);
                let mut pos = 0u64;
                let mut next = 0usize;
                let mut partial: HashMap<u64, Vec<u8>> = HashMap::new();
                let mut take = |plain: &[u8]| {
                    let (start, end) = (pos, pos + plain.len() as u64);
                    pos = end;
                    // Rows are sorted by offset; several may overlap this piece.
                    let mut k = next;
                    while k < rows.len() && rows[k].0 < end {
                        let (off, i, len) = rows[k];
                        let stop = off + len as u64;
                        if stop > start {
                            let (from, to) = (off.max(start), stop.min(end));
                            partial.entry(i).or_default().extend_from_slice(
                                &plain[(from - start) as usize..(to - start) as usize],
                            );
                        }
                        if stop <= end && k == next {
                            next += 1;
                        }
                        k += 1;
                    }
                };
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = reader.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    // A damaged stream ends what can be re-read; the ingest reported it.
                    if decoder.feed(&buf[..n], &mut take).is_err() {
                        break;
                    }
                }
                let _ = decoder.finish(&mut take);
                out.extend(partial);
            }
        }
    }
    Ok(out)
}
