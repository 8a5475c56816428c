//! Follow stream (core's `query::follow`): one conversation's payload, both directions,
//! as lines the page shows a screen at a time, searches, and saves.
//!
//! The stream is followed once and kept while the page asks about it: its payload in one
//! buffer and where each record ends (the packets are read one after another and let go,
//! not held together). A mode's lines are where each starts, their texts made for the
//! lines asked for. A stream whose packets hold more than [`MAX_BYTES`] is refused with
//! a message (export it as a capture instead).

use crate::reading;
use crate::session::Session;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::rc::Rc;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::NO_FLOW;
use wirelens_core::query::follow::{self, Followed, Follower, Mode, Record, FRAGMENT_LOOKBACK};
use wirelens_web::protocol::{
    FileData, FollowLine, FollowMode, FollowSave, FollowSlice, StreamRef,
};

/// Captured bytes of a stream's packets the page follows at most.
const MAX_BYTES: u64 = 256 << 20;
/// Lines one request may ask for.
const MAX_LINES: u32 = 5_000;
/// Matches a search reports at most.
const MAX_FOUND: usize = 100_000;

/// A followed stream: core's records, their bytes side by side.
struct Stream {
    proto: L4,
    stream: u32,
    node0: (IpAddr, u16),
    node1: (IpAddr, u16),
    /// Every record's bytes, one after another.
    bytes: Vec<u8>,
    records: Vec<Rec>,
    /// Bytes each side's records hold so far (client, server).
    sent: [u64; 2],
}

/// A record of a followed stream ([`Record`] without its bytes).
struct Rec {
    /// Where its bytes end in [`Stream::bytes`].
    end: usize,
    /// Bytes its side sent before it (hex dumps count offsets per side).
    before: u64,
    packet: u64,
    from_server: bool,
    missing: Option<u64>,
}

impl Stream {
    fn new(proto: L4, stream: u32) -> Self {
        let none = (IpAddr::from([0, 0, 0, 0]), 0);
        Stream {
            proto,
            stream,
            node0: none,
            node1: none,
            bytes: Vec::new(),
            records: Vec::new(),
            sent: [0; 2],
        }
    }

    fn add(&mut self, records: Vec<Record>) {
        for r in records {
            let side = usize::from(r.from_server);
            self.bytes.extend_from_slice(&r.bytes);
            self.records.push(Rec {
                end: self.bytes.len(),
                before: self.sent[side],
                packet: r.packet,
                from_server: r.from_server,
                missing: r.missing,
            });
            if r.missing.is_none() {
                self.sent[side] += r.bytes.len() as u64;
            }
        }
    }

    /// Record `i` and its bytes.
    fn record(&self, i: usize) -> (&Rec, &[u8]) {
        let r = &self.records[i];
        let start = i.checked_sub(1).map_or(0, |p| self.records[p].end);
        (r, &self.bytes[start..r.end])
    }

    /// Core's form of the stream (for tshark's text), made for the asking.
    fn followed(&self) -> Followed {
        Followed {
            proto: self.proto,
            stream: self.stream,
            node0: self.node0,
            node1: self.node1,
            records: (0..self.records.len())
                .map(|i| {
                    let (r, bytes) = self.record(i);
                    Record {
                        from_server: r.from_server,
                        packet: r.packet,
                        bytes: bytes.to_vec(),
                        missing: r.missing,
                    }
                })
                .collect(),
        }
    }
}

/// Where a line starts: its record and the offset in the record's bytes.
#[derive(Clone, Copy)]
struct Line {
    rec: u32,
    at: u32,
}

/// A followed stream and where its lines start in the modes asked so far.
struct Kept {
    generation: u32,
    stream: StreamRef,
    followed: Rc<Stream>,
    lines: Vec<(FollowMode, Rc<Vec<Line>>)>,
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
async fn followed(s: &Session, stream: StreamRef) -> Result<Rc<Stream>, String> {
    let hit = KEPT.with_borrow(|k| {
        k.as_ref()
            .filter(|k| k.generation == s.generation && k.stream == stream)
            .map(|k| k.followed.clone())
    });
    if let Some(f) = hit {
        return Ok(f);
    }
    // Let the stream followed before go first.
    KEPT.set(None);
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
    let mut follower = Follower::new(capture, proto, stream.stream).ok_or_else(|| {
        format!(
            "there is no {} stream {}",
            proto.name().to_uppercase(),
            stream.stream
        )
    })?;
    let mut kept = Stream::new(proto, stream.stream);
    // The payload is less than the packets: room for it at once, where a buffer grown
    // by doubling held the old and the new one together (wasm memory keeps that peak).
    kept.bytes.reserve_exact(size as usize);
    // The packets of no conversation just read: IP fragments a packet of the stream may
    // complete (core looks back FRAGMENT_LOOKBACK packets for them).
    let mut recent: VecDeque<(u64, Vec<u8>)> = VecDeque::new();
    reading::run(s, &needed, |i, bytes| {
        if capture.packets.get(i).is_some_and(|p| p.flow == NO_FLOW) {
            if recent.len() == FRAGMENT_LOOKBACK {
                recent.pop_front();
            }
            recent.push_back((i as u64, bytes.to_vec()));
            return;
        }
        follower.packet(
            i as u64,
            bytes,
            &mut |j, buf| match recent.iter().find(|(k, _)| *k == j) {
                Some((_, b)) => {
                    buf.extend_from_slice(b);
                    true
                }
                None => false,
            },
        );
        kept.add(follower.take());
    })
    .await?;
    let f = follower.finish();
    kept.add(f.records);
    kept.node0 = f.node0;
    kept.node1 = f.node1;
    kept.records.shrink_to_fit();
    let f = Rc::new(kept);
    KEPT.set(Some(Kept {
        generation: s.generation,
        stream,
        followed: f.clone(),
        lines: Vec::new(),
    }));
    Ok(f)
}

/// Where the stream's lines start in `mode`.
async fn lines(
    s: &Session,
    stream: StreamRef,
    mode: FollowMode,
) -> Result<(Rc<Stream>, Rc<Vec<Line>>), String> {
    let f = followed(s, stream).await?;
    let hit = KEPT.with_borrow(|k| {
        k.as_ref()
            .and_then(|k| k.lines.iter().find(|(m, _)| *m == mode))
            .map(|(_, l)| l.clone())
    });
    if let Some(l) = hit {
        return Ok((f, l));
    }
    let l = Rc::new(line_starts(&f, mode));
    KEPT.with_borrow_mut(|k| {
        if let Some(k) = k.as_mut() {
            k.lines.push((mode, l.clone()));
        }
    });
    Ok((f, l))
}

/// Where the lines of a followed stream start as tshark's follow modes print its
/// records: ASCII splits a record at its line ends, hex dumps 16 bytes a line, raw gives
/// a record a line (as does a gap, in every mode).
fn line_starts(f: &Stream, mode: FollowMode) -> Vec<Line> {
    let mut out = Vec::new();
    for i in 0..f.records.len() {
        let (r, bytes) = f.record(i);
        let rec = i as u32;
        let line = |at: usize| Line { rec, at: at as u32 };
        if r.missing.is_some() {
            out.push(line(0));
            continue;
        }
        match mode {
            // tshark ends every record with a line end of its own.
            FollowMode::Ascii => {
                out.push(line(0));
                out.extend(
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, &b)| b == b'\n')
                        .map(|(at, _)| line(at + 1)),
                );
            }
            FollowMode::Raw => out.push(line(0)),
            FollowMode::Hex => out.extend((0..bytes.len()).step_by(16).map(line)),
        }
    }
    out.shrink_to_fit();
    out
}

/// Line `l`'s text in `mode`.
fn line_text(f: &Stream, l: Line, mode: FollowMode) -> FollowLine {
    let (r, bytes) = f.record(l.rec as usize);
    let at = l.at as usize;
    let text = if r.missing.is_some() {
        // tshark's text for the gap, without its C string's NUL.
        String::from_utf8_lossy(bytes)
            .trim_end_matches('\0')
            .to_owned()
    } else {
        match mode {
            FollowMode::Ascii => {
                let rest = &bytes[at.min(bytes.len())..];
                let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let text: String = rest[..end]
                    .iter()
                    .map(|&b| match b {
                        0x20..=0x7e => b as char,
                        b'\r' => '\r',
                        _ => '.',
                    })
                    .collect();
                text.trim_end_matches('\r').to_owned()
            }
            FollowMode::Raw => {
                let mut hex = String::with_capacity(bytes.len() * 2);
                for b in bytes {
                    let _ = write!(hex, "{b:02x}");
                }
                hex
            }
            FollowMode::Hex => {
                let chunk = &bytes[at.min(bytes.len())..(at + 16).min(bytes.len())];
                follow::hex_line(r.before + at as u64, chunk)
            }
        }
    };
    FollowLine {
        server: r.from_server,
        gap: r.missing.is_some(),
        text,
        frame: r.packet + 1,
    }
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
        (0..f.records.len())
            .map(|i| f.record(i))
            .filter(|(r, _)| r.from_server == server && r.missing.is_none())
            .map(|(_, b)| b.len() as u64)
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
        lines: lines[first..end]
            .iter()
            .map(|&l| line_text(&f, l, mode))
            .collect(),
    })
}

/// The lines that contain `text`, case-insensitively.
pub async fn search(
    s: &Session,
    stream: StreamRef,
    mode: FollowMode,
    text: &str,
) -> Result<Vec<u64>, String> {
    let (f, lines) = lines(s, stream, mode).await?;
    let needle = text.to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    Ok(lines
        .iter()
        .enumerate()
        .filter(|(_, &l)| line_text(&f, l, mode).text.to_lowercase().contains(&needle))
        .map(|(i, _)| i as u64)
        .take(MAX_FOUND)
        .collect())
}

/// The stream as a file: tshark's text, or the payload bytes of one side or both.
pub async fn save(s: &Session, stream: StreamRef, what: FollowSave) -> Result<FileData, String> {
    let f = followed(s, stream).await?;
    let proto = l4(stream).name();
    match what {
        FollowSave::Text(mode) => {
            let mode = match mode {
                FollowMode::Ascii => Mode::Ascii,
                FollowMode::Hex => Mode::Hex,
                FollowMode::Raw => Mode::Raw,
            };
            crate::files::file(
                format!("{proto}-stream-{}-{}.txt", stream.stream, mode.name()),
                "text/plain",
                follow::render(&f.followed(), mode).as_bytes(),
            )
        }
        FollowSave::Bytes(side) => {
            let which = match side {
                None => "both",
                Some(false) => "client",
                Some(true) => "server",
            };
            // Written a record at a time, not gathered first.
            let mut w = crate::files::BlobWriter::new();
            for i in 0..f.records.len() {
                let (r, bytes) = f.record(i);
                if r.missing.is_none() && side.is_none_or(|srv| r.from_server == srv) {
                    w.write_all(bytes).map_err(|e| e.to_string())?;
                }
            }
            w.finish(
                format!("{proto}-stream-{}-{which}.bin", stream.stream),
                "application/octet-stream",
            )
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn rec(from_server: bool, packet: u64, bytes: &[u8], missing: Option<u64>) -> Record {
        Record {
            from_server,
            packet,
            bytes: bytes.to_vec(),
            missing,
        }
    }

    /// A request, a gap on the server's side, 18 server bytes, an empty datagram.
    fn stream() -> Stream {
        let mut s = Stream::new(L4::Tcp, 7);
        s.add(vec![
            rec(false, 0, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", None),
            rec(true, 1, b"[5 bytes missing in capture file]\0", Some(5)),
        ]);
        s.add(vec![
            rec(true, 2, b"0123456789abcdef\x01Y", None),
            rec(false, 3, b"", None),
        ]);
        s
    }

    fn texts(s: &Stream, mode: FollowMode) -> Vec<(bool, bool, String, u64)> {
        line_starts(s, mode)
            .into_iter()
            .map(|l| {
                let l = line_text(s, l, mode);
                (l.server, l.gap, l.text, l.frame)
            })
            .collect()
    }

    #[test]
    fn lines_as_the_modes_print_them() {
        let s = stream();
        let gap = (
            true,
            true,
            "[5 bytes missing in capture file]".to_owned(),
            2,
        );
        let line = |server, text: &str, frame| (server, false, text.to_owned(), frame);
        assert_eq!(
            texts(&s, FollowMode::Ascii),
            [
                line(false, "GET / HTTP/1.1", 1),
                line(false, "Host: a", 1),
                line(false, "", 1),
                line(false, "", 1),
                gap.clone(),
                line(true, "0123456789abcdef.Y", 3),
                line(false, "", 4),
            ]
        );
        assert_eq!(
            texts(&s, FollowMode::Raw),
            [
                line(
                    false,
                    "474554202f20485454502f312e310d0a486f73743a20610d0a0d0a",
                    1
                ),
                gap.clone(),
                line(true, "303132333435363738396162636465660159", 3),
                line(false, "", 4),
            ]
        );
        // Offsets count each side's bytes, the gap's text not among them.
        let req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(
            texts(&s, FollowMode::Hex),
            [
                line(false, &follow::hex_line(0, &req[..16]), 1),
                line(false, &follow::hex_line(16, &req[16..]), 1),
                gap,
                line(true, &follow::hex_line(0, b"0123456789abcdef"), 3),
                line(true, &follow::hex_line(16, b"\x01Y"), 3),
            ]
        );
    }

    #[test]
    fn core_form_gives_the_records_back() {
        let f = stream().followed();
        let bytes: Vec<&[u8]> = f.records.iter().map(|r| r.bytes.as_slice()).collect();
        assert_eq!(
            bytes,
            [
                &b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"[..],
                b"[5 bytes missing in capture file]\0",
                b"0123456789abcdef\x01Y",
                b"",
            ]
        );
        assert_eq!(f.records[1].missing, Some(5));
        assert_eq!(f.records[3].packet, 3);
    }
}
