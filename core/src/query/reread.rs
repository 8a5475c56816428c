//! The re-read planner: packet bytes are not kept, so queries read them again by offset.
//! This turns "these packets" into byte ranges of the stored files to fetch, and the
//! fetched bytes back into packet bytes, served through [`PacketSource`]. No I/O: the
//! CLI reads the ranges from disk, the web worker with `File.slice()`.
//!
//! Packets are grouped per file into windows of nearby packets (at most [`MAX_SPAN`]
//! bytes of the file from the first packet's start to the last's end); each window is
//! one [`Fetch`]. In a compressed file, offsets are into the decompressed data, so a
//! window's fetch starts at the file's last restart point before it
//! ([`crate::capture::restart`]) and ends at the first after it, instead of at the
//! file's start: a row near the end of a 1 GB `.pcap.gz` costs a few MiB of decoding.
//! Consecutive windows of a compressed file continue with the same decoder when that is
//! cheaper than starting again.
//!
//! Two uses:
//! - [`Reread::packets`]: a set of packets (a page of rows, a followed stream). Every
//!   window is fetched, and the packets' bytes are kept.
//! - [`Reread::run`]: an ordered run of packets (a display filter over the capture), read
//!   as the run goes: a file's window is dropped when the run passes its next one, so
//!   memory stays at one window per file; the first packet of each TCP conversation each
//!   way is kept aside when asked (relative sequence numbers look back at it).

use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::restart::RestartPoint;
use crate::capture::Capture;
use crate::ingest::decompress::Decoder;
use crate::query::fields::PacketSource;
use std::collections::{HashMap, HashSet};

/// Largest span of a file (decompressed, for a compressed file) one window covers.
pub const MAX_SPAN: u64 = 16 << 20;
/// In an uncompressed file, packets at most this far apart share a window (one read
/// instead of two); farther apart, each gets its own.
pub const MAX_GAP: u64 = 256 << 10;

/// Bytes `[start, end)` of file `file` as stored (compressed, if it is) to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fetch {
    /// Index into `Capture::files`.
    pub file: usize,
    /// First byte.
    pub start: u64,
    /// One past the last byte (at most the file's size).
    pub end: u64,
}

/// How a window's bytes are decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    /// An uncompressed file: the fetch is the window.
    Plain,
    /// Decode from the file's start.
    Beginning,
    /// Decode from this restart point (index into the file's points).
    Restart(usize),
    /// Go on with the decoder of the file's previous window.
    Continue,
}

#[derive(Debug)]
struct Window {
    file: usize,
    /// Decompressed range of its packets.
    lo: u64,
    hi: u64,
    /// Its packets: positions in `Reread::order`.
    first: usize,
    last: usize,
    /// None: the bytes are already decoded (by the file's previous window).
    fetch: Option<Fetch>,
    start: Start,
    /// The fetch reaches the file's end: finish the decoder after it.
    to_end: bool,
}

/// One file's decoded bytes and the decoder that produced them.
#[derive(Default)]
struct FileBuf {
    /// Decompressed offset of `data[0]`.
    start: u64,
    data: Vec<u8>,
    decoder: Option<Decoder>,
    /// Decompressed offset of the decoder's next output byte.
    out_at: u64,
}

/// Planned re-reads and the bytes they gave: see the module documentation.
pub struct Reread<'c> {
    capture: &'c Capture,
    /// The packets, in the order they are wanted.
    order: Vec<u32>,
    windows: Vec<Window>,
    /// Windows loaded so far (they load in order).
    loaded: usize,
    files: Vec<FileBuf>,
    /// Packets kept by index (a set: all; a run: the firsts of TCP conversations).
    kept: HashMap<u32, Vec<u8>>,
    keep_all: bool,
    firsts: HashSet<u32>,
    error: Option<String>,
}

impl<'c> Reread<'c> {
    /// Plans the re-read of a set of packets (indices into `Capture::packets`; unknown
    /// ones are ignored). Fetch every [`Reread::next_fetch`], then read any of them.
    pub fn packets(capture: &'c Capture, packets: &[usize]) -> Self {
        let mut order: Vec<u32> = packets
            .iter()
            .filter(|&&i| i < capture.packets.len())
            .map(|&i| i as u32)
            .collect();
        order.sort_unstable();
        order.dedup();
        let mut r = Self::plan(capture, order);
        r.keep_all = true;
        r
    }

    /// Plans the re-read of a run of packets, in the order given (each file's packets in
    /// file order, as in the timeline). Before reading packet `order[pos]`, fetch
    /// [`Reread::fetch_for`]`(pos)`. With `keep_firsts`, the first packet of each TCP or UDP
    /// conversation each way stays readable after its window has gone.
    pub fn run(capture: &'c Capture, order: Vec<u32>, keep_firsts: bool) -> Self {
        let mut r = Self::plan(capture, order);
        if keep_firsts {
            let mut seen = HashSet::new();
            let mut rows = capture.packets.reader();
            for &i in &r.order {
                let p = rows.at(i as usize);
                if p.flow != NO_FLOW && seen.insert((p.flow, p.flags & PacketRow::FLAG_B_TO_A)) {
                    r.firsts.insert(i);
                }
            }
        }
        r
    }

    /// A run over every packet of the capture.
    pub fn all(capture: &'c Capture, keep_firsts: bool) -> Self {
        Self::run(
            capture,
            (0..capture.packets.len() as u32).collect(),
            keep_firsts,
        )
    }

    /// The packets, in the order they are read.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    fn plan(capture: &'c Capture, order: Vec<u32>) -> Self {
        let nfiles = capture.files.len();
        // Per file: the window being filled, and (compressed files) where the decoder of
        // its last planned window stops: (stored end, decompressed end, window start).
        let mut open: Vec<Option<usize>> = vec![None; nfiles];
        let mut live: Vec<Option<(u64, u64, u64)>> = vec![None; nfiles];
        let mut windows: Vec<Window> = Vec::new();
        let mut rows = capture.packets.reader();
        for (pos, &i) in order.iter().enumerate() {
            let row = &rows.at(i as usize);
            let f = row.file as usize;
            let Some(info) = capture.files.get(f) else {
                continue;
            };
            let (lo, hi) = (row.offset, row.offset + u64::from(row.caplen));
            if let Some(w) = open[f].map(|w| &mut windows[w]) {
                let fits = lo >= w.lo && hi.max(w.hi) - w.lo <= MAX_SPAN;
                let near = match info.compression {
                    None => lo <= w.hi.saturating_add(MAX_GAP),
                    // The bytes between have to be decoded anyway, unless a restart point
                    // lies between: then a window of its own starts there.
                    Some(_) => info.restarts.after(w.hi + 1).is_none_or(|p| p.plain > lo),
                };
                if fits && near {
                    w.hi = w.hi.max(hi);
                    w.last = pos + 1;
                    continue;
                }
                let done = open[f].take().expect("open");
                Self::plan_fetch(capture, &mut windows[done], &mut live[f]);
            }
            open[f] = Some(windows.len());
            windows.push(Window {
                file: f,
                lo,
                hi,
                first: pos,
                last: pos + 1,
                fetch: None,
                start: Start::Plain,
                to_end: false,
            });
        }
        for (f, w) in open.iter().enumerate() {
            if let Some(w) = *w {
                Self::plan_fetch(capture, &mut windows[w], &mut live[f]);
            }
        }
        Reread {
            capture,
            order,
            windows,
            loaded: 0,
            files: (0..nfiles).map(|_| FileBuf::default()).collect(),
            kept: HashMap::new(),
            keep_all: false,
            firsts: HashSet::new(),
            error: None,
        }
    }

    /// Decides where a window's fetch starts and ends. Windows of a file are planned in
    /// file order, which is the order they load in.
    fn plan_fetch(capture: &Capture, w: &mut Window, live: &mut Option<(u64, u64, u64)>) {
        let info = &capture.files[w.file];
        if info.compression.is_none() {
            w.start = Start::Plain;
            w.fetch = Some(Fetch {
                file: w.file,
                start: w.lo,
                end: w.hi,
            });
            return;
        }
        let size = info.bytes;
        let points = &info.restarts.points;
        let restart = points.partition_point(|p| p.plain <= w.lo).checked_sub(1);
        let (from_stored, from_plain) =
            restart.map_or((0, 0), |i| (points[i].stored, points[i].plain));
        // Decoding up to the first point at or after the window's end gives all of it
        // (one byte more: a bzip2 block's last bits share a byte with the next block).
        let (end, end_plain, to_end) = match info.restarts.after(w.hi) {
            Some(p) => ((p.stored + 1).min(size), p.plain, p.stored + 1 >= size),
            None => (size, u64::MAX, true),
        };
        match *live {
            Some((stored, plain, kept_from)) if w.lo >= kept_from && from_plain <= plain => {
                w.start = Start::Continue;
                w.fetch = (w.hi > plain && end > stored).then_some(Fetch {
                    file: w.file,
                    start: stored,
                    end,
                });
            }
            _ => {
                w.start = restart.map_or(Start::Beginning, Start::Restart);
                w.fetch = Some(Fetch {
                    file: w.file,
                    start: from_stored,
                    end,
                });
            }
        }
        w.to_end = to_end && w.fetch.is_some();
        *live = match (w.fetch, *live) {
            (Some(f), _) => Some((f.end, if to_end { u64::MAX } else { end_plain }, w.lo)),
            (None, Some((stored, plain, _))) => Some((stored, plain, w.lo)),
            (None, None) => None,
        };
    }

    /// The next fetch, for as long as a set of packets ([`Reread::packets`]) needs one.
    pub fn next_fetch(&mut self) -> Option<Fetch> {
        self.fetch_for(usize::MAX)
    }

    /// The fetch needed before packet `order[pos]` of a run can be read (None: its bytes
    /// are at hand, or cannot be had). Supply its bytes, then ask again.
    pub fn fetch_for(&mut self, pos: usize) -> Option<Fetch> {
        while let Some(w) = self.windows.get(self.loaded) {
            if w.first > pos {
                return None;
            }
            match w.fetch {
                Some(f) => return Some(f),
                None => self.load(Some(&[])),
            }
        }
        None
    }

    /// The fetches after the one [`Reread::fetch_for`] names, in order: start them early.
    pub fn upcoming(&self) -> impl Iterator<Item = Fetch> + '_ {
        self.windows
            .iter()
            .skip(self.loaded + 1)
            .filter_map(|w| w.fetch)
    }

    /// The bytes of the fetch named last (fewer than asked: the file is shorter).
    pub fn supply(&mut self, fetch: &Fetch, bytes: &[u8]) {
        self.supply_with(fetch, bytes.len(), &mut |at, to| {
            to.copy_from_slice(&bytes[at..at + to.len()])
        });
    }

    /// As [`Reread::supply`], the fetch's `len` bytes written by `fill` (`fill(at, to)`
    /// writes those from `at` on, as many as `to` holds) where they are kept, so that
    /// the caller needs no buffer of its own (the page copies each slice of a `File` in
    /// from outside wasm memory; a second buffer would stay in its heap, which never
    /// shrinks): into the window for a run or a compressed file, and for a set of packets
    /// from an uncompressed file each packet alone, so that a window of 16 MiB around a
    /// page of packets is never in memory at all.
    pub fn supply_with(
        &mut self,
        fetch: &Fetch,
        len: usize,
        fill: &mut dyn FnMut(usize, &mut [u8]),
    ) {
        let Some(w) = self.windows.get(self.loaded) else {
            return;
        };
        if w.fetch != Some(*fetch) {
            return;
        }
        let short = (len as u64) < fetch.end - fetch.start;
        let plain = self.capture.files[w.file].compression.is_none();
        if self.keep_all && (w.start == Start::Plain || plain) {
            let (first, last) = (w.first, w.last);
            self.loaded += 1;
            let mut rows = self.capture.packets.reader();
            for &i in &self.order[first..last] {
                let row = rows.at(i as usize);
                let at = row.offset.checked_sub(fetch.start).map(|a| a as usize);
                let end = at.and_then(|a| a.checked_add(row.caplen as usize));
                if let (Some(at), Some(end)) = (at, end.filter(|&e| e <= len)) {
                    let mut bytes = vec![0; end - at];
                    fill(at, &mut bytes);
                    self.kept.insert(i, bytes);
                }
            }
        } else if w.start == Start::Plain || plain {
            let buf = &mut self.files[w.file];
            buf.data.clear();
            buf.data.reserve_exact(len);
            buf.data.resize(len, 0);
            fill(0, &mut buf.data);
            self.load(None);
        } else {
            let mut bytes = vec![0; len];
            fill(0, &mut bytes);
            self.load(Some(&bytes));
        }
        if short {
            self.fail(fetch.file, "the file is shorter than when it was opened");
        }
    }

    /// Reading the fetch named last failed: its packets are unavailable.
    pub fn fetch_failed(&mut self, fetch: &Fetch, message: &str) {
        if self.windows.get(self.loaded).and_then(|w| w.fetch) == Some(*fetch) {
            self.fail(fetch.file, message);
            let f = &mut self.files[fetch.file];
            f.decoder = None;
            f.data.clear();
            self.loaded += 1;
        }
    }

    /// Fetches and supplies everything needed before packet `order[pos]` (`usize::MAX`:
    /// the whole set) with a synchronous reader.
    pub fn fill(&mut self, pos: usize, read: &mut dyn FnMut(&Fetch) -> Result<Vec<u8>, String>) {
        while let Some(f) = self.fetch_for(pos) {
            match read(&f) {
                Ok(bytes) => self.supply(&f, &bytes),
                Err(e) => self.fetch_failed(&f, &e),
            }
        }
    }

    /// The first error met (a fetch that failed, damaged compressed data), with the file.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn fail(&mut self, file: usize, message: &str) {
        if self.error.is_none() {
            let name = self
                .capture
                .files
                .get(file)
                .map_or("?", |f| f.name.as_str());
            self.error = Some(format!("cannot re-read packets of {name}: {message}"));
        }
    }

    /// Loads window `loaded` from the bytes of its fetch.
    /// Takes in the bytes of the window named last: `bytes` to decode, or None when they
    /// are an uncompressed file's, already in its buffer.
    fn load(&mut self, bytes: Option<&[u8]>) {
        let Some(w) = self.windows.get(self.loaded) else {
            return;
        };
        let (f, lo, start, to_end) = (w.file, w.lo, w.start, w.to_end);
        let (first, last) = (w.first, w.last);
        self.loaded += 1;
        let info = &self.capture.files[f];
        let buf = &mut self.files[f];
        let mut failure = None;
        match (start, info.compression) {
            (Start::Plain, _) | (_, None) => buf.start = lo,
            // Damage stopped the decoder: what lies beyond cannot be had.
            (Start::Continue, Some(_)) if buf.decoder.is_none() => {}
            (start, Some(c)) => {
                if start != Start::Continue {
                    let point = match start {
                        Start::Restart(i) => info.restarts.points.get(i),
                        _ => None,
                    };
                    buf.decoder = Some(match point {
                        Some(p) => Decoder::resume(c, p),
                        None => Decoder::new(c),
                    });
                    buf.out_at = point.map_or(0, |p: &RestartPoint| p.plain);
                    buf.start = buf.out_at;
                    buf.data.clear();
                }
                // Keep from the window's start on.
                let drop = (lo.saturating_sub(buf.start) as usize).min(buf.data.len());
                buf.data.drain(..drop);
                buf.start += drop as u64;
                let FileBuf {
                    start,
                    data,
                    decoder,
                    out_at,
                } = buf;
                let mut sink = |plain: &[u8]| {
                    let at = *out_at;
                    *out_at += plain.len() as u64;
                    if *out_at > lo {
                        let skip = lo.saturating_sub(at) as usize;
                        if data.is_empty() {
                            *start = at + skip as u64;
                        }
                        data.extend_from_slice(&plain[skip..]);
                    }
                };
                if let Some(d) = decoder.as_mut() {
                    let mut r = d.feed(bytes.unwrap_or_default(), &mut sink);
                    if r.is_ok() {
                        r = if to_end {
                            d.finish(&mut sink)
                        } else {
                            d.flush(&mut sink)
                        };
                    }
                    if let Err(e) = r {
                        // Whatever came before the damage is there; the ingest reported
                        // the damage too, unless the file changed since.
                        failure = Some(e.to_string());
                        *decoder = None;
                    }
                }
            }
        }
        if let Some(e) = failure {
            self.fail(f, &e);
        }
        // Keep what must outlive the window.
        if self.keep_all || !self.firsts.is_empty() {
            let buf = &self.files[f];
            let mut rows = self.capture.packets.reader();
            for &i in &self.order[first..last] {
                if self.keep_all || self.firsts.contains(&i) {
                    let row = &rows.at(i as usize);
                    if let Some(b) = slice(buf, row) {
                        self.kept.insert(i, b.to_vec());
                    }
                }
            }
        }
    }
}

/// A packet's bytes in a file's decoded bytes, if they are all there.
fn slice<'a>(buf: &'a FileBuf, row: &PacketRow) -> Option<&'a [u8]> {
    let a = row.offset.checked_sub(buf.start)? as usize;
    buf.data.get(a..a.checked_add(row.caplen as usize)?)
}

impl PacketSource for Reread<'_> {
    fn read(&mut self, index: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        let bytes = self
            .kept
            .get(&(index as u32))
            .map(Vec::as_slice)
            .or_else(|| {
                self.files
                    .get(row.file as usize)
                    .and_then(|f| slice(f, row))
            });
        match bytes {
            Some(b) => {
                buf.clear();
                buf.extend_from_slice(b);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::driver::{Driver, Options};
    use crate::query::fields::MemorySource;

    const MC: &[u8] = include_bytes!("../../../tests/data/servers/memcached-fields.pcap");
    const COMPRESSED: [(&str, &[u8]); 7] = [
        (
            "gz",
            include_bytes!("../../tests/data/compressed/mc.pcap.gz"),
        ),
        (
            "members.gz",
            include_bytes!("../../tests/data/compressed/mc.members.pcap.gz"),
        ),
        (
            "streams.bz2",
            include_bytes!("../../tests/data/compressed/mc.streams.pcap.bz2"),
        ),
        (
            "frames.zst",
            include_bytes!("../../tests/data/compressed/mc.frames.pcap.zst"),
        ),
        (
            "blocks.xz",
            include_bytes!("../../tests/data/compressed/mc.blocks.pcap.xz"),
        ),
        (
            "st-blocks.xz",
            include_bytes!("../../tests/data/compressed/mc.st-blocks.pcap.xz"),
        ),
        (
            "xz",
            include_bytes!("../../tests/data/compressed/mc.pcap.xz"),
        ),
    ];

    /// Ingests files with restart points `spacing` apart.
    fn ingest(files: &[&[u8]], spacing: u64) -> Capture {
        let mut d = Driver::new(
            &Options {
                restart_spacing: spacing,
                ..Options::default()
            },
            1 << 16,
        );
        for (i, f) in files.iter().enumerate() {
            d.add_file(&format!("f{i}"), Some(f.len() as u64));
        }
        while let Some(r) = d.next_read() {
            let f = files[r.file];
            d.supply(r.file, &f[r.offset as usize..(r.offset + r.len) as usize]);
        }
        d.finish()
    }

    /// Serves fetches from memory, checking each is within its file; counts the bytes.
    fn reader<'a>(
        files: &'a [&'a [u8]],
        fetched: &'a mut u64,
    ) -> impl FnMut(&Fetch) -> Result<Vec<u8>, String> + 'a {
        move |f: &Fetch| {
            let file = files[f.file];
            assert!(f.start <= f.end && f.end <= file.len() as u64, "{f:?}");
            *fetched += f.end - f.start;
            Ok(file[f.start as usize..f.end as usize].to_vec())
        }
    }

    /// Every packet the source gives equals the plain file's.
    fn check(
        capture: &Capture,
        plain: &[&[u8]],
        src: &mut dyn PacketSource,
        packets: &[usize],
        what: &str,
    ) {
        let mut want = MemorySource {
            files: plain.to_vec(),
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for &i in packets {
            let row = &capture.packets.at(i);
            assert!(want.read(i, row, &mut a), "{what}: packet {i}");
            assert!(src.read(i, row, &mut b), "{what}: packet {i} unavailable");
            assert!(a == b, "{what}: packet {i} differs");
        }
    }

    #[test]
    fn a_set_of_packets_reads_the_same_from_every_format_and_restart_point() {
        let plain = ingest(&[MC], 64 << 10);
        let n = plain.packets.len();
        assert!(n > 100, "{n} packets");
        let sets: Vec<Vec<usize>> = vec![
            (n - 20..n).collect(),
            (0..n).step_by(7).collect(),
            vec![n / 2, 3, n - 1, n / 3, n / 3],
        ];
        for (name, file) in COMPRESSED {
            let c = ingest(&[file], 64 << 10);
            assert_eq!(c.packets, plain.packets, "{name}");
            for set in &sets {
                let mut r = Reread::packets(&c, set);
                let mut fetched = 0;
                r.fill(usize::MAX, &mut reader(&[file], &mut fetched));
                assert_eq!(r.error(), None, "{name}");
                check(&c, &[MC], &mut r, set, name);
            }
            // The last rows: decoded from the restart point before them, not the start.
            let last = &sets[0];
            let mut r = Reread::packets(&c, last);
            let mut fetched = 0;
            r.fill(usize::MAX, &mut reader(&[file], &mut fetched));
            if c.files[0].restarts.points.len() > 2 {
                assert!(
                    fetched < file.len() as u64 / 2,
                    "{name}: {fetched} of {} bytes",
                    file.len()
                );
            }
        }
    }

    #[test]
    fn a_run_reads_forward_with_one_window_per_file() {
        let plain = ingest(&[MC], 64 << 10);
        let n = plain.packets.len();
        for (name, file) in COMPRESSED {
            let c = ingest(&[file], 64 << 10);
            let mut r = Reread::all(&c, true);
            let mut fetched = 0;
            let files = [file];
            let mut read = reader(&files, &mut fetched);
            for pos in 0..n {
                r.fill(pos, &mut read);
                check(&c, &[MC], &mut r, &[pos], name);
            }
            drop(read);
            assert_eq!(r.error(), None, "{name}");
            // Forward: the file is read about once.
            assert!(
                fetched <= 2 * file.len() as u64,
                "{name}: {fetched} of {}",
                file.len()
            );
        }
    }

    /// A set of packets from an uncompressed file is copied packet by packet: no window
    /// buffer is made, and only the packets' own bytes are copied.
    #[test]
    fn a_set_from_a_plain_file_copies_only_its_packets() {
        let c = ingest(&[MC], 64 << 10);
        let n = c.packets.len();
        let set: Vec<usize> = (0..n).step_by(3).collect();
        let mut r = Reread::packets(&c, &set);
        let mut copied = 0;
        while let Some(f) = r.next_fetch() {
            let bytes = &MC[f.start as usize..f.end as usize];
            r.supply_with(&f, bytes.len(), &mut |at, to| {
                copied += to.len();
                to.copy_from_slice(&bytes[at..at + to.len()]);
            });
        }
        assert_eq!(r.error(), None);
        check(&c, &[MC], &mut r, &set, "plain set");
        let own: usize = set.iter().map(|&i| c.packets.at(i).caplen as usize).sum();
        assert_eq!(copied, own);
        assert!(r.files.iter().all(|f| f.data.capacity() == 0));
    }

    #[test]
    fn plain_files_are_read_by_offset_and_damage_is_reported() {
        let c = ingest(&[MC], 64 << 10);
        let n = c.packets.len();
        let set: Vec<usize> = vec![0, 1, n - 1];
        let mut r = Reread::packets(&c, &set);
        let mut fetches = Vec::new();
        r.fill(usize::MAX, &mut |f: &Fetch| {
            fetches.push(*f);
            Ok(MC[f.start as usize..f.end as usize].to_vec())
        });
        // The first two packets share a read; the last is far away.
        assert_eq!(fetches.len(), 2, "{fetches:?}");
        check(&c, &[MC], &mut r, &set, "plain");
        // A file that shrank: the packets beyond its end are unavailable, and said so.
        let mut r = Reread::packets(&c, &set);
        r.fill(usize::MAX, &mut |f: &Fetch| {
            Ok(MC[(f.start as usize).min(1000)..(f.end as usize).min(1000)].to_vec())
        });
        let mut buf = Vec::new();
        assert!(r.read(0, &c.packets.at(0), &mut buf));
        assert!(!r.read(n - 1, &c.packets.at(n - 1), &mut buf));
        assert!(r.error().unwrap().contains("shorter"), "{:?}", r.error());
    }
}
