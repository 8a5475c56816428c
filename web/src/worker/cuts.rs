//! Cuts from the page (core's `query::cuts`): chosen sessions as one pcap, a zip of one
//! pcap per session, or intensified. Written here as the packets are read, into a `Blob`
//! a few MiB at a time, so no file is ever whole in wasm memory; the bytes are those the
//! CLI writes for the same choice (`wirelens bisect --parts 1`, `split -o X.zip`,
//! `intensify`), pcap with microsecond timestamps.

use crate::files::BlobWriter;
use crate::reading;
use crate::session::Session;
use std::io::Write;
use wirelens_core::capture::flow::L4;
use wirelens_core::query::cuts::intensify::{Clients, Intensify, Params};
use wirelens_core::query::cuts::split::{Split, SplitBy, SplitZip};
use wirelens_core::query::cuts::{self, Pick};
use wirelens_core::query::export::OutputFormat;
use wirelens_web::protocol::{CutFile, CutSessions, FileData};

/// Zip entries held at most while a batch of sessions is read.
const ZIP_BUDGET: u64 = 32 << 20;

/// The first error of a pass over packets (the reading's callback cannot return one).
fn keep_first(slot: &mut Option<String>, r: Result<(), impl std::fmt::Display>) {
    if let (None, Err(e)) = (&slot, r) {
        *slot = Some(e.to_string());
    }
}

const PCAP: OutputFormat = OutputFormat::Pcap {
    big_endian: false,
    nanos: false,
};

/// An error when fewer packets were read than asked for.
fn unread(asked: usize, read: usize) -> Result<(), String> {
    if read < asked {
        return Err(format!(
            "{} packets could not be read again from the file (was it changed or moved?)",
            asked - read
        ));
    }
    Ok(())
}

/// Makes the file.
pub async fn cut(s: &Session, sessions: &CutSessions, file: &CutFile) -> Result<FileData, String> {
    let capture = &s.capture;
    // Sessions with a packet the view shows (every session without a filter); sessions
    // named one by one are taken as named, shown or not.
    let candidates = match sessions {
        CutSessions::Streams(_) => None,
        _ => s
            .view
            .borrow()
            .indices
            .as_ref()
            .map(|v| cuts::flows_of(capture, v.iter().map(|&i| i as usize))),
    };
    let pick = match sessions {
        CutSessions::Streams(v) => Pick::Streams(
            v.iter()
                .map(|s| (if s.udp { L4::Udp } else { L4::Tcp }, s.stream))
                .collect(),
        ),
        CutSessions::Shown => Pick::All,
        CutSessions::Longest(n) => Pick::Longest(*n as usize),
        CutSessions::Slowest(n) => Pick::Slowest(*n as usize),
        CutSessions::Errors => Pick::Errors,
    };
    let flows = cuts::pick(capture, candidates.as_deref(), &pick);
    if flows.is_empty() {
        return Err("no session is chosen: nothing to write".into());
    }
    let mut out = BlobWriter::new();
    let mut failed = None;
    let (name, mime) = match file {
        CutFile::Pcap => {
            let split = Split::new(capture, SplitBy::Parts(1), Some(&flows), PCAP)
                .map_err(|e| e.to_string())?;
            let Some(part) = split.parts().first() else {
                return Err("the chosen sessions have no packets".into());
            };
            let mut enc = split.encoder().map_err(|e| e.to_string())?;
            out.write_all(split.header()).map_err(|e| e.to_string())?;
            let packets = split.packets(0..1);
            let mut read = 0;
            reading::run(s, &packets, |i, data| {
                read += 1;
                if failed.is_none() {
                    let r = enc
                        .record(i, data)
                        .map_err(|e| e.to_string())
                        .and_then(|r| out.write_all(r).map_err(|e| e.to_string()));
                    keep_first(&mut failed, r);
                }
            })
            .await?;
            unread(packets.len(), read)?;
            (part.name.clone(), "application/vnd.tcpdump.pcap")
        }
        CutFile::Zip => {
            let split = Split::new(capture, SplitBy::Session, Some(&flows), PCAP)
                .map_err(|e| e.to_string())?;
            let mut zip = SplitZip::new(&split, &mut out, ZIP_BUDGET).map_err(|e| e.to_string())?;
            while let Some(packets) = zip.next_batch().map_err(|e| e.to_string())? {
                let mut read = 0;
                reading::run(s, &packets, |i, data| {
                    read += 1;
                    if failed.is_none() {
                        keep_first(&mut failed, zip.packet(i, data));
                    }
                })
                .await?;
                if let Some(e) = failed.take() {
                    return Err(e);
                }
                unread(packets.len(), read)?;
            }
            zip.finish().map_err(|e| e.to_string())?;
            let first = split.parts().first().map(|p| p.first_ns).unwrap_or(0);
            let mut name = String::from("sessions_");
            cuts::name_time(first, &mut name);
            name.push_str(&format!("_{}.zip", split.parts().len()));
            (name, "application/zip")
        }
        CutFile::Intensify {
            copies,
            speedup,
            spread_ms,
            keep_addresses,
        } => {
            let params = Params {
                copies: *copies,
                speedup: *speedup,
                spread_ns: (spread_ms * 1e6).round() as i64,
                clients: if *keep_addresses {
                    Clients::Ports
                } else {
                    Clients::default()
                },
            };
            if !(params.spread_ns >= 0 && spread_ms.is_finite()) {
                return Err("spread: milliseconds, not negative".into());
            }
            let mut job =
                Intensify::new(capture, &flows, params, PCAP).map_err(|e| e.to_string())?;
            out.write_all(job.header()).map_err(|e| e.to_string())?;
            let packets = job.packets();
            let mut read = 0;
            {
                let mut sink = |r: &[u8]| out.write_all(r);
                reading::run(s, &packets, |i, data| {
                    read += 1;
                    if failed.is_none() {
                        keep_first(&mut failed, job.packet(i, data, &mut sink));
                    }
                })
                .await?;
                if failed.is_none() {
                    keep_first(&mut failed, job.finish(&mut sink));
                }
            }
            unread(packets.len(), read)?;
            (
                format!("intensified_x{copies}.pcap"),
                "application/vnd.tcpdump.pcap",
            )
        }
    };
    if let Some(e) = failed {
        return Err(e);
    }
    out.finish(name, mime)
}
