//! Follow stream (core's `query::follow`): one conversation's payload, both directions,
//! as lines the page shows a screen at a time, searches, and saves.
//!
//! The stream is followed once and kept while the page asks about it. Its packets are
//! read whole: a stream whose packets hold more than [`MAX_BYTES`] is refused with a
//! message (export it as a capture instead).

use crate::reading;
use crate::session::Session;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;
use wirelens_core::capture::flow::L4;
use wirelens_core::query::fields::PacketSource as _;
use wirelens_core::query::follow::{self, Followed, Mode};
use wirelens_web::protocol::{
    FileData, FollowLine, FollowMode, FollowSave, FollowSlice, StreamRef,
};

/// Captured bytes of a stream's packets the page follows at most.
const MAX_BYTES: u64 = 256 << 20;
/// Lines one request may ask for.
const MAX_LINES: u32 = 5_000;
/// Matches a search reports at most.
const MAX_FOUND: usize = 100_000;

/// A followed stream and its lines in the modes asked so far.
struct Kept {
    generation: u32,
    stream: StreamRef,
    followed: Rc<Followed>,
    lines: Vec<(FollowMode, Rc<Vec<FollowLine>>)>,
}

thread_local! {
    static KEPT: RefCell<Option<Kept>> = const { RefCell::new(None) };
}

fn l4(s: StreamRef) -> L4 {
    if s.udp {
        L4::Udp
    } else {
        L4::Tcp
    }
}

/// The stream, followed (once per capture and stream).
async fn followed(s: &Session, stream: StreamRef) -> Result<Rc<Followed>, String> {
    let hit = KEPT.with_borrow(|k| {
        k.as_ref()
            .filter(|k| k.generation == s.generation && k.stream == stream)
            .map(|k| k.followed.clone())
    });
    if let Some(f) = hit {
        return Ok(f);
    }
    let capture = &s.capture;
    let proto = l4(stream);
    let needed: Vec<usize> = follow::packets_needed(capture, proto, stream.stream)
        .into_iter()
        .map(|i| i as usize)
        .collect();
    let size: u64 = needed
        .iter()
        .filter_map(|&i| capture.packets.get(i))
        .map(|p| u64::from(p.caplen))
        .sum();
    if size > MAX_BYTES {
        return Err(format!(
            "this stream's packets hold {} MB; the page follows streams of up to {} MB (export the stream as a capture to read it elsewhere)",
            size / 1_000_000,
            MAX_BYTES / 1_000_000
        ));
    }
    let mut src = reading::set(s, &needed).await?;
    let f = follow::follow(capture, proto, stream.stream, &mut |i, buf| {
        let i = i as usize;
        capture
            .packets
            .get(i)
            .is_some_and(|row| src.read(i, row, buf))
    })
    .ok_or_else(|| {
        format!(
            "there is no {} stream {}",
            proto.name().to_uppercase(),
            stream.stream
        )
    })?;
    let f = Rc::new(f);
    KEPT.set(Some(Kept {
        generation: s.generation,
        stream,
        followed: f.clone(),
        lines: Vec::new(),
    }));
    Ok(f)
}

/// The stream's lines in `mode`.
async fn lines(
    s: &Session,
    stream: StreamRef,
    mode: FollowMode,
) -> Result<(Rc<Followed>, Rc<Vec<FollowLine>>), String> {
    let f = followed(s, stream).await?;
    let hit = KEPT.with_borrow(|k| {
        k.as_ref()
            .and_then(|k| k.lines.iter().find(|(m, _)| *m == mode))
            .map(|(_, l)| l.clone())
    });
    if let Some(l) = hit {
        return Ok((f, l));
    }
    let l = Rc::new(render_lines(&f, mode));
    KEPT.with_borrow_mut(|k| {
        if let Some(k) = k.as_mut() {
            k.lines.push((mode, l.clone()));
        }
    });
    Ok((f, l))
}

/// The lines of a followed stream as tshark's follow modes print its records: ASCII
/// splits a record at its line ends, hex dumps 16 bytes a line with offsets counted per
/// direction, raw gives a record a line.
fn render_lines(f: &Followed, mode: FollowMode) -> Vec<FollowLine> {
    let mut out = Vec::new();
    let mut offsets = [0u64; 2];
    for r in &f.records {
        let line = |text: String| FollowLine {
            server: r.from_server,
            gap: r.missing.is_some(),
            text,
            frame: r.packet + 1,
        };
        if r.missing.is_some() {
            // tshark's text for the gap, without its C string's NUL.
            let text = String::from_utf8_lossy(&r.bytes)
                .trim_end_matches('\0')
                .to_owned();
            out.push(line(text));
            continue;
        }
        match mode {
            FollowMode::Ascii => {
                let text: String = r
                    .bytes
                    .iter()
                    .map(|&b| match b {
                        b'\n' => '\n',
                        0x20..=0x7e => b as char,
                        b'\r' => '\r',
                        _ => '.',
                    })
                    .collect();
                // tshark ends every record with a line end of its own.
                for piece in text.split('\n') {
                    out.push(line(piece.trim_end_matches('\r').to_owned()));
                }
            }
            FollowMode::Raw => {
                let mut hex = String::with_capacity(r.bytes.len() * 2);
                for b in &r.bytes {
                    let _ = write!(hex, "{b:02x}");
                }
                out.push(line(hex));
            }
            FollowMode::Hex => {
                let offset = offsets[usize::from(r.from_server)];
                for (i, chunk) in r.bytes.chunks(16).enumerate() {
                    out.push(line(follow::hex_line(offset + 16 * i as u64, chunk)));
                }
            }
        }
        offsets[usize::from(r.from_server)] += r.bytes.len() as u64;
    }
    out
}

fn node((a, port): (std::net::IpAddr, u16)) -> String {
    match a {
        std::net::IpAddr::V4(_) => format!("{a}:{port}"),
        std::net::IpAddr::V6(_) => format!("[{a}]:{port}"),
    }
}

/// Lines `[start, start + count)`.
pub async fn slice(
    s: &Session,
    stream: StreamRef,
    mode: FollowMode,
    start: u64,
    count: u32,
) -> Result<FollowSlice, String> {
    let (f, lines) = lines(s, stream, mode).await?;
    let side = |server: bool| {
        f.records
            .iter()
            .filter(|r| r.from_server == server && r.missing.is_none())
            .map(|r| r.bytes.len() as u64)
            .sum()
    };
    let first = start.min(lines.len() as u64) as usize;
    let end = (first + count.min(MAX_LINES) as usize).min(lines.len());
    Ok(FollowSlice {
        node0: node(f.node0),
        node1: node(f.node1),
        client_bytes: side(false),
        server_bytes: side(true),
        gaps: f.records.iter().filter_map(|r| r.missing).sum(),
        total: lines.len() as u64,
        start: first as u64,
        lines: lines[first..end].to_vec(),
    })
}

/// The lines that contain `text`, case-insensitively.
pub async fn search(
    s: &Session,
    stream: StreamRef,
    mode: FollowMode,
    text: &str,
) -> Result<Vec<u64>, String> {
    let (_, lines) = lines(s, stream, mode).await?;
    let needle = text.to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    Ok(lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.text.to_lowercase().contains(&needle))
        .map(|(i, _)| i as u64)
        .take(MAX_FOUND)
        .collect())
}

/// The stream as a file: tshark's text, or the payload bytes of one side or both.
pub async fn save(s: &Session, stream: StreamRef, what: FollowSave) -> Result<FileData, String> {
    let f = followed(s, stream).await?;
    let proto = l4(stream).name();
    let (name, mime, data) = match what {
        FollowSave::Text(mode) => {
            let mode = match mode {
                FollowMode::Ascii => Mode::Ascii,
                FollowMode::Hex => Mode::Hex,
                FollowMode::Raw => Mode::Raw,
            };
            (
                format!("{proto}-stream-{}-{}.txt", stream.stream, mode.name()),
                "text/plain",
                follow::render(&f, mode).into_bytes(),
            )
        }
        FollowSave::Bytes(side) => {
            let which = match side {
                None => "both",
                Some(false) => "client",
                Some(true) => "server",
            };
            let data: Vec<u8> = f
                .records
                .iter()
                .filter(|r| r.missing.is_none() && side.is_none_or(|srv| r.from_server == srv))
                .flat_map(|r| r.bytes.iter().copied())
                .collect();
            (
                format!("{proto}-stream-{}-{which}.bin", stream.stream),
                "application/octet-stream",
                data,
            )
        }
    };
    crate::files::file(name, mime, &data)
}
