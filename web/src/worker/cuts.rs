//! Cuts from the page (core's `query::cuts`): chosen sessions as one pcap, a zip of one
//! pcap per session, or intensified. Written here as the packets are read, into a `Blob`
//! a few MiB at a time, so no file is ever whole in wasm memory; the bytes are those the
//! CLI writes for the same choice (`wirelens bisect --parts 1`, `split -o X.zip`,
//! `intensify`), pcap with microsecond timestamps. A zip is written in one pass: each
//! session's bytes are kept aside as Blobs as they come and joined at the end.

use crate::blob::describe;
use crate::files::BlobWriter;
use crate::reading;
use crate::session::Session;
use js_sys::{Array, Uint8Array};
use std::io::{self, Write};
use web_sys::Blob;
use wirelens_core::capture::flow::L4;
use wirelens_core::query::cuts::intensify::{Clients, Intensify, Params};
use wirelens_core::query::cuts::split::{Split, SplitBy, SplitZipParts};
use wirelens_core::query::cuts::{self, Pick};
use wirelens_core::query::export::OutputFormat;
use wirelens_web::protocol::{CutFile, CutSessions, FileData};

/// A session's bytes become a Blob when this many have gathered.
const PART_PIECE: usize = 1 << 20;
/// Sessions' bytes held in wasm memory at most, all together: past it the largest are
/// moved into Blobs until half of it is left.
const HELD_BUDGET: usize = 32 << 20;

/// Each part's (session's) bytes, as they come: a buffer, and the Blobs it was moved
/// into when it grew.
struct Held {
    bufs: Vec<Vec<u8>>,
    pieces: Vec<Vec<Blob>>,
    total: usize,
}

impl Held {
    fn new(parts: usize) -> Held {
        Held {
            bufs: vec![Vec::new(); parts],
            pieces: vec![Vec::new(); parts],
            total: 0,
        }
    }

    fn put(&mut self, part: usize, bytes: &[u8]) -> io::Result<()> {
        let Some(buf) = self.bufs.get_mut(part) else {
            return Ok(());
        };
        buf.extend_from_slice(bytes);
        self.total += bytes.len();
        if buf.len() >= PART_PIECE {
            self.spill(part)?;
        }
        if self.total > HELD_BUDGET {
            let mut largest: Vec<usize> = (0..self.bufs.len())
                .filter(|&p| !self.bufs[p].is_empty())
                .collect();
            largest.sort_unstable_by_key(|&p| std::cmp::Reverse(self.bufs[p].len()));
            for p in largest {
                if self.total <= HELD_BUDGET / 2 {
                    break;
                }
                self.spill(p)?;
            }
        }
        Ok(())
    }

    /// Moves part `p`'s buffer into a Blob (out of wasm memory).
    fn spill(&mut self, p: usize) -> io::Result<()> {
        let buf = std::mem::take(&mut self.bufs[p]);
        if buf.is_empty() {
            return Ok(());
        }
        self.total -= buf.len();
        let piece = Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(&buf[..])))
            .map_err(|e| io::Error::other(describe(e)))?;
        self.pieces[p].push(piece);
        Ok(())
    }

    /// Writes part `p`'s bytes, in order.
    fn write(&mut self, out: &mut BlobWriter, p: usize) -> io::Result<()> {
        for piece in std::mem::take(&mut self.pieces[p]) {
            out.blob(&piece).map_err(io::Error::other)?;
        }
        let buf = std::mem::take(&mut self.bufs[p]);
        self.total -= buf.len();
        out.write_all(&buf)
    }
}

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
            let mut zip = SplitZipParts::new(&split).map_err(|e| e.to_string())?;
            let mut held = Held::new(split.parts().len());
            let packets = zip.packets();
            let mut read = 0;
            reading::run(s, &packets, |i, data| {
                read += 1;
                if failed.is_none() {
                    let r = zip.packet(i, data, &mut |p, b| held.put(p, b));
                    keep_first(&mut failed, r);
                }
            })
            .await?;
            if let Some(e) = failed.take() {
                return Err(e);
            }
            unread(packets.len(), read)?;
            out = zip
                .finish(out, |w, p| held.write(w, p))
                .map_err(|e| e.to_string())?;
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
