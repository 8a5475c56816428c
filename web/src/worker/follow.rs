//! Follow stream (core's `query::follow`): one conversation's payload, both directions,
//! as lines the page shows a screen at a time, searches, and saves.
//!
//! The stream is followed once and kept while the page asks about it: where each record
//! ends and how many line ends it holds, in wasm memory (48 bytes a record), and its
//! payload in `Blob`s of [`PIECE`] bytes, out of wasm memory, so a stream of gigabytes
//! can be followed in a tab whose wasm memory holds the capture's index. The packets are
//! read one after another and let go. A screen of lines reads back the records it shows;
//! a search or a save reads them all, [`BATCH`] bytes at a time.

use crate::reading;
use crate::session::Session;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Write as _;
use std::rc::Rc;
use web_sys::Blob;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::NO_FLOW;
use wirelens_core::query::follow::{
    self, Followed, Follower, Mode, Record, Text, FRAGMENT_LOOKBACK,
};
use wirelens_web::protocol::{
    FileData, FollowLine, FollowMode, FollowSave, FollowSlice, StreamRef,
};

/// Packets of a stream the page follows at most: its records take 48 bytes each in wasm
/// memory (the payload is kept out of it), 400 MB at this many.
const MAX_PACKETS: usize = 8 << 20;
/// Payload bytes gathered in wasm memory before they go into a `Blob`.
const PIECE: usize = 1 << 20;
/// Payload bytes a search or a save reads back at once (whole records, at least one).
const BATCH: u64 = 4 << 20;
/// Lines one request may ask for.
const MAX_LINES: u32 = 5_000;
/// Matches a search reports at most.
const MAX_FOUND: usize = 100_000;

/// A stream's payload, every record's bytes one after another: the first bytes in
/// `Blob`s, the last (less than a piece) in wasm memory.
struct Payload {
    /// Each `Blob`'s offset in the payload, and the `Blob`.
    pieces: Vec<(u64, Blob)>,
    /// The bytes after the last piece.
    tail: Vec<u8>,
    /// Where `tail` starts in the payload.
    tail_start: u64,
    /// Bytes the tail holds before they become a piece.
    piece: usize,
}

impl Payload {
    fn new(piece: usize) -> Self {
        Payload {
            pieces: Vec::new(),
            tail: Vec::new(),
            tail_start: 0,
            piece,
        }
    }

    fn len(&self) -> u64 {
        self.tail_start + self.tail.len() as u64
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.tail.extend_from_slice(bytes);
        if self.tail.len() >= self.piece {
            let blob = crate::files::blob_of(&self.tail)?;
            self.pieces.push((self.tail_start, blob));
            self.tail_start += self.tail.len() as u64;
            self.tail.clear();
        }
        Ok(())
    }

    /// Bytes `[start, end)`.
    async fn read(&self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize);
        let first = self
            .pieces
            .partition_point(|p| p.0 <= start)
            .saturating_sub(1);
        for (i, (at, blob)) in self.pieces.iter().enumerate().skip(first) {
            let stop = self.pieces.get(i + 1).map_or(self.tail_start, |p| p.0);
            if *at >= end {
                break;
            }
            let (a, b) = (start.max(*at), end.min(stop));
            if a < b {
                let bytes = crate::blob::start(blob, a - at, b - at).bytes().await?;
                out.extend_from_slice(&bytes);
            }
        }
        if end > self.tail_start {
            let a = (start.max(self.tail_start) - self.tail_start) as usize;
            let b = (end - self.tail_start) as usize;
            out.extend_from_slice(&self.tail[a..b.min(self.tail.len())]);
        }
        Ok(out)
    }
}

/// A followed stream: core's records without their bytes, which are in the payload.
struct Stream {
    /// Protocol, stream number and nodes (its records are empty: see `records`).
    head: Followed,
    payload: Payload,
    records: Vec<Rec>,
    /// Bytes each side's records hold (client, server), gaps not counted.
    sent: [u64; 2],
    /// Bytes the capture missed.
    missing: u64,
}

/// A record of a followed stream ([`Record`] without its bytes).
struct Rec {
    /// Where its bytes end in the payload.
    end: u64,
    /// Bytes its side sent before it (hex dumps count offsets per side).
    before: u64,
    packet: u64,
    missing: Option<u64>,
    /// Line ends (`\n`) in its bytes.
    newlines: u32,
    from_server: bool,
}

impl Stream {
    fn new(proto: L4, stream: u32, piece: usize) -> Self {
        let none = (std::net::IpAddr::from([0, 0, 0, 0]), 0);
        Stream {
            head: Followed {
                proto,
                stream,
                node0: none,
                node1: none,
                records: Vec::new(),
            },
            payload: Payload::new(piece),
            records: Vec::new(),
            sent: [0; 2],
            missing: 0,
        }
    }

    fn add(&mut self, records: Vec<Record>) -> Result<(), String> {
        for r in records {
            let side = usize::from(r.from_server);
            self.payload.push(&r.bytes)?;
            self.records.push(Rec {
                end: self.payload.len(),
                before: self.sent[side],
                packet: r.packet,
                missing: r.missing,
                newlines: r.bytes.iter().filter(|&&b| b == b'\n').count() as u32,
                from_server: r.from_server,
            });
            match r.missing {
                Some(n) => self.missing += n,
                None => self.sent[side] += r.bytes.len() as u64,
            }
        }
        Ok(())
    }

    /// Where record `i`'s bytes start in the payload.
    fn start(&self, i: usize) -> u64 {
        i.checked_sub(1).map_or(0, |p| self.records[p].end)
    }

    /// The bytes of records `[a, b)`, read at once.
    async fn bytes(&self, a: usize, b: usize) -> Result<Held, String> {
        let start = self.start(a);
        let end = b
            .checked_sub(1)
            .map_or(start, |l| self.records[l].end.max(start));
        Ok(Held {
            start,
            bytes: self.payload.read(start, end).await?,
        })
    }

    /// Records `[0, len)` in runs of about [`BATCH`] bytes (at least a record each).
    fn batches(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let mut a = 0;
        std::iter::from_fn(move || {
            if a >= self.records.len() {
                return None;
            }
            let limit = self.start(a) + BATCH;
            let b = a + 1 + self.records[a + 1..].partition_point(|r| r.end <= limit);
            let run = (a, b);
            a = b;
            Some(run)
        })
    }
}

/// Bytes of consecutive records read back, from `start` in the payload.
struct Held {
    start: u64,
    bytes: Vec<u8>,
}

impl Held {
    /// Record `i`'s bytes.
    fn of(&self, f: &Stream, i: usize) -> &[u8] {
        let a = (f.start(i) - self.start) as usize;
        let b = (f.records[i].end - self.start) as usize;
        &self.bytes[a..b]
    }
}

/// A followed stream and, for the modes asked so far, the lines before each record.
struct Kept {
    generation: u32,
    stream: StreamRef,
    followed: Rc<Stream>,
    lines: Vec<(FollowMode, Rc<Vec<u64>>)>,
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
    if needed.len() > MAX_PACKETS {
        return Err(format!(
            "this stream has {} packets; the page follows streams of up to {} (export the stream as a capture to read it elsewhere)",
            needed.len(),
            MAX_PACKETS
        ));
    }
    let mut follower = Follower::new(capture, proto, stream.stream).ok_or_else(|| {
        format!(
            "there is no {} stream {}",
            proto.name().to_uppercase(),
            stream.stream
        )
    })?;
    let mut kept = Stream::new(proto, stream.stream, PIECE);
    // About a record a packet: room for them at once, where a vector grown by doubling
    // held the old and the new one together (wasm memory keeps that peak).
    kept.records.reserve_exact(needed.len());
    // The packets of no conversation just read: IP fragments a packet of the stream may
    // complete (core looks back FRAGMENT_LOOKBACK packets for them).
    let mut recent: VecDeque<(u64, Vec<u8>)> = VecDeque::new();
    let mut failed = Ok(());
    reading::run(s, &needed, |i, bytes| {
        if failed.is_err() {
            return;
        }
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
        failed = kept.add(follower.take());
    })
    .await?;
    failed?;
    let f = follower.finish();
    kept.add(f.records)?;
    kept.head.node0 = f.node0;
    kept.head.node1 = f.node1;
    kept.records.shrink_to_fit();
    kept.payload.tail.shrink_to_fit();
    let f = Rc::new(kept);
    KEPT.set(Some(Kept {
        generation: s.generation,
        stream,
        followed: f.clone(),
        lines: Vec::new(),
    }));
    Ok(f)
}

/// For each record, the lines before it in `mode` (and the total last).
async fn lines(
    s: &Session,
    stream: StreamRef,
    mode: FollowMode,
) -> Result<(Rc<Stream>, Rc<Vec<u64>>), String> {
    let f = followed(s, stream).await?;
    let hit = KEPT.with_borrow(|k| {
        k.as_ref()
            .and_then(|k| k.lines.iter().find(|(m, _)| *m == mode))
            .map(|(_, l)| l.clone())
    });
    if let Some(l) = hit {
        return Ok((f, l));
    }
    let l = Rc::new(lines_before(&f, mode));
    KEPT.with_borrow_mut(|k| {
        if let Some(k) = k.as_mut() {
            k.lines.push((mode, l.clone()));
        }
    });
    Ok((f, l))
}

/// Lines record `r` of `len` bytes makes as tshark's follow modes print records: ASCII
/// splits a record at its line ends, hex dumps 16 bytes a line, raw gives a record a line
/// (as does a gap, in every mode).
fn lines_of(r: &Rec, len: u64, mode: FollowMode) -> u64 {
    if r.missing.is_some() {
        return 1;
    }
    match mode {
        // tshark ends every record with a line end of its own.
        FollowMode::Ascii => 1 + u64::from(r.newlines),
        FollowMode::Raw => 1,
        FollowMode::Hex => len.div_ceil(16),
    }
}

/// The lines before each record in `mode`, and after the last the stream's lines.
fn lines_before(f: &Stream, mode: FollowMode) -> Vec<u64> {
    let mut total = 0;
    let mut out = Vec::with_capacity(f.records.len() + 1);
    for (i, r) in f.records.iter().enumerate() {
        out.push(total);
        total += lines_of(r, r.end - f.start(i), mode);
    }
    out.push(total);
    out
}

/// Where each line of record `r` (whose bytes are `bytes`) starts in them, in `mode`: as
/// many as [`lines_of`] counts.
fn starts(r: &Rec, bytes: &[u8], mode: FollowMode) -> Vec<usize> {
    if r.missing.is_some() {
        return vec![0];
    }
    match mode {
        FollowMode::Ascii => std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, &b)| b == b'\n')
                    .map(|(at, _)| at + 1),
            )
            .collect(),
        FollowMode::Raw => vec![0],
        FollowMode::Hex => (0..bytes.len()).step_by(16).collect(),
    }
}

/// The line of record `r` (whose bytes are `bytes`) that starts at `at`, in `mode`.
fn line_text(r: &Rec, bytes: &[u8], at: usize, mode: FollowMode) -> FollowLine {
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
                let at = at.min(bytes.len());
                let chunk = &bytes[at..(at + 16).min(bytes.len())];
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

/// Every line of records `[a, b)`, whose bytes are `held`, in order: its number, its
/// record and the record's bytes, and where it starts in them.
fn each_line<'a>(
    f: &'a Stream,
    lines: &'a [u64],
    held: &'a Held,
    (a, b): (usize, usize),
    mode: FollowMode,
) -> impl Iterator<Item = (u64, &'a Rec, &'a [u8], usize)> + 'a {
    (a..b).flat_map(move |i| {
        let (r, bytes) = (&f.records[i], held.of(f, i));
        (lines[i]..)
            .zip(starts(r, bytes, mode))
            .map(move |(n, at)| (n, r, bytes, at))
    })
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
    let total = lines.last().copied().unwrap_or(0);
    let first = start.min(total);
    let end = first.saturating_add(count.min(MAX_LINES).into()).min(total);
    // The records that hold those lines: the last whose first line is at or before each end.
    let rec_of = |line: u64| lines.partition_point(|&l| l <= line).saturating_sub(1);
    let (a, b) = if first < end {
        (rec_of(first), rec_of(end - 1) + 1)
    } else {
        (0, 0)
    };
    let held = f.bytes(a, b).await?;
    Ok(FollowSlice {
        node0: follow::node(f.head.node0),
        node1: follow::node(f.head.node1),
        client_bytes: f.sent[0],
        server_bytes: f.sent[1],
        gaps: f.missing,
        total,
        start: first,
        lines: each_line(&f, &lines, &held, (a, b), mode)
            .filter(|l| (first..end).contains(&l.0))
            .map(|(_, r, bytes, at)| line_text(r, bytes, at, mode))
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
    let mut found = Vec::new();
    if needle.is_empty() {
        return Ok(found);
    }
    for run in f.batches() {
        let held = f.bytes(run.0, run.1).await?;
        found.extend(
            each_line(&f, &lines, &held, run, mode)
                .filter(|&(_, r, bytes, at)| {
                    let text = line_text(r, bytes, at, mode).text;
                    text.to_lowercase().contains(&needle)
                })
                .map(|l| l.0),
        );
        if found.len() >= MAX_FOUND {
            found.truncate(MAX_FOUND);
            break;
        }
    }
    Ok(found)
}

/// The stream as a file: tshark's text, or the payload bytes of one side or both. Written
/// a run of records at a time, not gathered first.
pub async fn save(s: &Session, stream: StreamRef, what: FollowSave) -> Result<FileData, String> {
    let f = followed(s, stream).await?;
    let proto = l4(stream).name();
    let mut w = crate::files::BlobWriter::new();
    let write = |w: &mut crate::files::BlobWriter, bytes: &[u8]| {
        w.write_all(bytes).map_err(|e| e.to_string())
    };
    match what {
        FollowSave::Text(mode) => {
            let mode = match mode {
                FollowMode::Ascii => Mode::Ascii,
                FollowMode::Hex => Mode::Hex,
                FollowMode::Raw => Mode::Raw,
            };
            let mut out = String::new();
            let mut text = Text::head(&mut out, &f.head, mode);
            for run in f.batches() {
                let held = f.bytes(run.0, run.1).await?;
                for i in run.0..run.1 {
                    text.record(&mut out, f.records[i].from_server, held.of(&f, i));
                }
                write(&mut w, out.as_bytes())?;
                out.clear();
            }
            Text::end(&mut out);
            write(&mut w, out.as_bytes())?;
            w.finish(
                format!("{proto}-stream-{}-{}.txt", stream.stream, mode.name()),
                "text/plain",
            )
        }
        FollowSave::Bytes(side) => {
            let which = match side {
                None => "both",
                Some(false) => "client",
                Some(true) => "server",
            };
            for run in f.batches() {
                let held = f.bytes(run.0, run.1).await?;
                for i in run.0..run.1 {
                    let r = &f.records[i];
                    if r.missing.is_none() && side.is_none_or(|srv| r.from_server == srv) {
                        write(&mut w, held.of(&f, i))?;
                    }
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

    /// A request, a gap on the server's side, 18 server bytes, an empty datagram; its
    /// payload in wasm memory (a `Blob` needs a browser).
    fn stream() -> Stream {
        let mut s = Stream::new(L4::Tcp, 7, usize::MAX);
        s.add(vec![
            rec(false, 0, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", None),
            rec(true, 1, b"[5 bytes missing in capture file]\0", Some(5)),
        ])
        .unwrap();
        s.add(vec![
            rec(true, 2, b"0123456789abcdef\x01Y", None),
            rec(false, 3, b"", None),
        ])
        .unwrap();
        s
    }

    fn held(s: &Stream) -> Held {
        Held {
            start: 0,
            bytes: s.payload.tail.clone(),
        }
    }

    fn texts(s: &Stream, mode: FollowMode) -> Vec<(bool, bool, String, u64)> {
        let lines = lines_before(s, mode);
        let held = held(s);
        let all: Vec<_> = each_line(s, &lines, &held, (0, s.records.len()), mode).collect();
        // Numbered in order, as many as counted.
        assert!(all.iter().enumerate().all(|(i, l)| i as u64 == l.0));
        assert_eq!(all.len() as u64, *lines.last().unwrap());
        all.into_iter()
            .map(|(_, r, bytes, at)| {
                let l = line_text(r, bytes, at, mode);
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
        assert_eq!((s.sent, s.missing), ([27, 18], 5));
    }

    #[test]
    fn records_keep_their_bytes_apart() {
        let s = stream();
        let held = held(&s);
        let bytes: Vec<&[u8]> = (0..s.records.len()).map(|i| held.of(&s, i)).collect();
        assert_eq!(
            bytes,
            [
                &b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"[..],
                b"[5 bytes missing in capture file]\0",
                b"0123456789abcdef\x01Y",
                b"",
            ]
        );
        assert_eq!(s.records[1].missing, Some(5));
        assert_eq!(s.records[3].packet, 3);
    }

    #[test]
    fn batches_cover_every_record_once_in_runs_of_about_a_batch() {
        let mut s = Stream::new(L4::Tcp, 0, usize::MAX);
        let big = vec![b'x'; (BATCH / 3) as usize];
        s.add((0..10).map(|i| rec(i % 2 == 1, i, &big, None)).collect())
            .unwrap();
        // An empty record and one larger than a batch still make progress.
        s.add(vec![rec(false, 10, b"", None)]).unwrap();
        s.add(vec![rec(true, 11, &vec![b'y'; BATCH as usize * 2], None)])
            .unwrap();
        let runs: Vec<_> = s.batches().collect();
        assert_eq!(runs, [(0, 3), (3, 6), (6, 9), (9, 11), (11, 12)]);
        for &(a, b) in &runs {
            assert!(b - a == 1 || s.records[b - 1].end - s.start(a) <= BATCH);
        }
    }
}
