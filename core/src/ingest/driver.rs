//! The driver of an ingest, without I/O: it says which file and which byte range to read
//! next, takes the bytes (or the end of the file, or a read error), reports progress and
//! hands over the finished [`Capture`]. Front ends only read: the CLI from disk or stdin,
//! the web worker with `File.slice()`.
//!
//! ```
//! use wirelens_core::ingest::driver::{Driver, Options};
//! # let files: Vec<(&str, Vec<u8>)> = Vec::new();
//! let mut driver = Driver::new(&Options::default(), 1 << 20);
//! for (name, bytes) in &files {
//!     driver.add_file(name, Some(bytes.len() as u64));
//! }
//! while let Some(read) = driver.next_read() {
//!     let bytes = &files[read.file].1;
//!     let end = (read.offset + read.len).min(bytes.len() as u64);
//!     driver.supply(read.file, &bytes[read.offset as usize..end as usize]);
//! }
//! let capture = driver.finish();
//! ```
//!
//! Several files merge into one timeline ([`Ingest::wants`] picks the file whose next
//! packet the merge needs), so the reads go to whichever file is behind.

use super::{Ingest, Stages};
use crate::capture::app::AppProto;
use crate::capture::flow::L4;
use crate::capture::Capture;

/// A tshark-style decode-as rule (`-d tcp.port==8081,http`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeAs {
    /// TCP or UDP.
    pub l4: L4,
    /// The port (either side).
    pub port: u16,
    /// The protocol; None: no application protocol.
    pub proto: Option<AppProto>,
}

/// What an ingest runs and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// Decode-as rules, applied in order.
    pub decode_as: Vec<DecodeAs>,
    /// The stages of the pipeline that run (see [`Stages`]); all by default.
    pub stages: Stages,
    /// Decompressed bytes between the restart points recorded in compressed files.
    pub restart_spacing: u64,
    /// TLS key logs given with the capture (NSS `SSLKEYLOGFILE` text; tshark's
    /// `-o tls.keylog_file:PATH`), see [`Ingest::add_key_log`].
    pub key_logs: Vec<Vec<u8>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            decode_as: Vec::new(),
            stages: Stages::ALL,
            restart_spacing: super::decompress::RESTART_SPACING,
            key_logs: Vec::new(),
        }
    }
}

impl Options {
    /// Applies the options to an ingest that has not been fed yet.
    pub fn apply(&self, ingest: &mut Ingest) {
        for r in &self.decode_as {
            ingest.decode_as(r.l4, r.port, r.proto);
        }
        ingest.set_stages(self.stages);
        ingest.set_restart_spacing(self.restart_spacing);
        for text in &self.key_logs {
            ingest.add_key_log(text);
        }
    }
}

/// Bytes to read: `len` bytes (fewer at the end of the file) of `file` from `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read {
    /// Index of the file, as [`Driver::add_file`] returned it.
    pub file: usize,
    /// Offset in the file as stored.
    pub offset: u64,
    /// How many bytes at most.
    pub len: u64,
}

/// How far an ingest is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes read so far, over all files.
    pub bytes_done: u64,
    /// The sizes of the files, where the front end gave them.
    pub bytes_total: u64,
    /// Packets in the timeline so far.
    pub packets: u64,
}

struct Input {
    /// The file's size, when known (then the file ends there without a read that says so).
    size: Option<u64>,
    /// Bytes read so far.
    pos: u64,
}

/// Drives an [`Ingest`] over several files: see the module documentation.
pub struct Driver {
    ingest: Ingest,
    inputs: Vec<Input>,
    chunk: u64,
}

impl Driver {
    /// A driver that reads `chunk` bytes at a time (at least 1).
    pub fn new(options: &Options, chunk: u64) -> Self {
        let mut ingest = Ingest::new();
        options.apply(&mut ingest);
        Driver {
            ingest,
            inputs: Vec::new(),
            chunk: chunk.max(1),
        }
    }

    /// Adds a file (its size, if known); returns its index.
    pub fn add_file(&mut self, name: &str, size: Option<u64>) -> usize {
        self.inputs.push(Input { size, pos: 0 });
        self.ingest.add_file(name)
    }

    /// What to read next; None when every file has been read to its end.
    pub fn next_read(&mut self) -> Option<Read> {
        loop {
            let file = self.ingest.wants()?;
            let input = &self.inputs[file];
            match input.size {
                Some(size) if input.pos >= size => self.ingest.close_file(file),
                _ => return Some(self.read_at(file, input.pos)),
            }
        }
    }

    /// The read that follows `read` in its file if `read` gives all its bytes: start it
    /// early, so that the file is read while the last bytes are analysed.
    pub fn following(&self, read: &Read) -> Option<Read> {
        let offset = read.offset + read.len;
        let size = self.inputs.get(read.file)?.size;
        (size.is_none_or(|s| offset < s)).then(|| self.read_at(read.file, offset))
    }

    fn read_at(&self, file: usize, offset: u64) -> Read {
        let len = match self.inputs[file].size {
            Some(size) => self.chunk.min(size.saturating_sub(offset)),
            None => self.chunk,
        };
        Read { file, offset, len }
    }

    /// The next bytes of `file` (what [`Driver::next_read`] asked for, or fewer). No
    /// bytes: the file ends here.
    pub fn supply(&mut self, file: usize, bytes: &[u8]) {
        let Some(input) = self.inputs.get_mut(file) else {
            return;
        };
        if bytes.is_empty() {
            // Shorter than it said (a file that shrank): it ends where it ends now.
            input.size = Some(input.pos);
            self.ingest.close_file(file);
            return;
        }
        input.pos += bytes.len() as u64;
        self.ingest.feed_file(file, bytes);
        self.reserve();
    }

    /// With every file's size known and a thirty-second of the bytes read (enough to
    /// say how many packets and transactions a byte brings), lets the ingest make room
    /// for the rest at once rather than doubling as it goes.
    fn reserve(&mut self) {
        let Some(total) = self.inputs.iter().map(|i| i.size).sum::<Option<u64>>() else {
            return;
        };
        let done = self.ingest.bytes_fed();
        if done >= total / 32 {
            self.ingest.reserve_for(done, total);
        }
    }

    /// Reading `file` failed: it ends here, and the capture keeps the error (with the
    /// offset reached) beside every packet read before it.
    pub fn read_failed(&mut self, file: usize, message: &str) {
        let Some(input) = self.inputs.get_mut(file) else {
            return;
        };
        input.size = Some(input.pos);
        let offset = input.pos;
        self.ingest
            .fail_file(file, offset, format!("cannot read the file: {message}"));
    }

    /// Bytes read, total and packets so far.
    pub fn progress(&self) -> Progress {
        Progress {
            bytes_done: self.ingest.bytes_fed(),
            bytes_total: self.inputs.iter().filter_map(|i| i.size).sum(),
            packets: self.ingest.packets() as u64,
        }
    }

    /// Room in the packet index (for the tests of the room made).
    #[cfg(test)]
    pub(crate) fn ingest_capacity(&self) -> usize {
        self.ingest.analysis.capture.packets.capacity()
    }

    /// Ends every file and returns the capture.
    pub fn finish(self) -> Capture {
        self.ingest.finish()
    }
}

#[cfg(test)]
mod test {
    use super::*;

    const HTTP: &[u8] = include_bytes!("../../tests/data/compressed/one_tcp_stream.pcap");

    /// A pcap file whose packets carry the given timestamps (seconds) and a marker byte.
    fn pcap(ts: &[u32]) -> Vec<u8> {
        let mut v = vec![
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0,
            0,
        ];
        for &sec in ts {
            for f in [sec, 0, 1, 1] {
                v.extend_from_slice(&f.to_le_bytes());
            }
            v.push(sec as u8);
        }
        v
    }

    /// Runs a driver over in-memory files, as a front end does.
    fn drive(files: &[(&str, &[u8])], chunk: u64, sizes: bool) -> (Capture, Vec<Read>) {
        let mut d = Driver::new(&Options::default(), chunk);
        for (name, bytes) in files {
            d.add_file(name, sizes.then_some(bytes.len() as u64));
        }
        let mut reads = Vec::new();
        while let Some(r) = d.next_read() {
            reads.push(r);
            let bytes = files[r.file].1;
            let start = (r.offset as usize).min(bytes.len());
            let end = (r.offset + r.len).min(bytes.len() as u64) as usize;
            d.supply(r.file, &bytes[start..end]);
        }
        (d.finish(), reads)
    }

    #[test]
    fn several_files_merge_by_time_whatever_the_chunking() {
        let (a, b) = (pcap(&[1, 4, 5]), pcap(&[2, 3, 6, 7]));
        for chunk in [1, 3, 17, 1000] {
            for sizes in [false, true] {
                let (c, reads) = drive(&[("a", &a), ("b", &b)], chunk, sizes);
                let order: Vec<(i64, u16)> = c
                    .packets
                    .iter()
                    .map(|p| (p.ts_ns / 1_000_000_000, p.file))
                    .collect();
                assert_eq!(
                    order,
                    [(1, 0), (2, 1), (3, 1), (4, 0), (5, 0), (6, 1), (7, 1)],
                    "chunk {chunk}"
                );
                assert!(c.errors.is_empty());
                // Each file is read in order, never twice, never past its known size.
                for f in 0..2 {
                    let len = [a.len(), b.len()][f] as u64;
                    let mut pos = 0;
                    for r in reads.iter().filter(|r| r.file == f) {
                        assert_eq!(r.offset, pos, "chunk {chunk}");
                        assert!(r.len <= chunk && (!sizes || r.offset + r.len <= len));
                        pos += r.len.min(len - r.offset);
                    }
                    assert_eq!(pos, len, "chunk {chunk}");
                }
            }
        }
    }

    #[test]
    fn progress_and_the_read_that_follows() {
        let a = pcap(&[1, 2, 3]);
        let mut d = Driver::new(&Options::default(), 20);
        d.add_file("a", Some(a.len() as u64));
        let first = d.next_read().unwrap();
        assert_eq!(
            first,
            Read {
                file: 0,
                offset: 0,
                len: 20
            }
        );
        let second = d.following(&first).unwrap();
        assert_eq!(
            second,
            Read {
                file: 0,
                offset: 20,
                len: 20
            }
        );
        let third = d.following(&second).unwrap();
        let last = d.following(&third).unwrap();
        assert_eq!((last.offset, last.len), (60, a.len() as u64 - 60));
        assert_eq!(d.following(&last), None);
        d.supply(0, &a[..20]);
        assert_eq!(d.next_read(), Some(second));
        assert_eq!(
            d.progress(),
            Progress {
                bytes_done: 20,
                bytes_total: a.len() as u64,
                packets: 0
            }
        );
    }

    #[test]
    fn a_read_error_ends_the_file_with_every_packet_before_it() {
        let a = pcap(&[1, 2, 3]);
        let mut d = Driver::new(&Options::default(), 30);
        d.add_file("a.pcap", Some(a.len() as u64));
        let r = d.next_read().unwrap();
        d.supply(0, &a[..r.len as usize]);
        let r = d.next_read().unwrap();
        assert_eq!(r.offset, 30);
        d.supply(0, &a[30..60]);
        let r = d.next_read().unwrap();
        d.read_failed(r.file, "the file is gone");
        assert_eq!(d.next_read(), None);
        let c = d.finish();
        // The third record ends at 24 + 3 * 17 = 75: two packets were complete.
        assert_eq!(c.packets.len(), 2);
        assert_eq!(
            c.errors,
            [IngestErrorView {
                file: "a.pcap",
                offset: 60,
                packet: 3,
                message: "cannot read the file: the file is gone"
            }]
        );
    }

    /// The error as plain parts, for comparison.
    #[derive(Debug)]
    struct IngestErrorView<'a> {
        file: &'a str,
        offset: u64,
        packet: u64,
        message: &'a str,
    }

    impl PartialEq<IngestErrorView<'_>> for crate::capture::IngestError {
        fn eq(&self, o: &IngestErrorView<'_>) -> bool {
            (
                self.file.as_str(),
                self.offset,
                self.packet,
                self.message.as_str(),
            ) == (o.file, o.offset, o.packet, o.message)
        }
    }

    #[test]
    fn a_file_shorter_than_it_said_ends_where_it_ends() {
        let a = pcap(&[1, 2]);
        let mut d = Driver::new(&Options::default(), 1000);
        d.add_file("a", Some(a.len() as u64 + 100));
        let r = d.next_read().unwrap();
        assert_eq!(r.len, a.len() as u64 + 100);
        d.supply(0, &a);
        let r = d.next_read().unwrap();
        assert_eq!(r.offset, a.len() as u64);
        d.supply(0, &[]);
        assert_eq!(d.next_read(), None);
        let c = d.finish();
        assert_eq!((c.packets.len(), c.errors.len()), (2, 0));
    }

    #[test]
    fn options_reach_the_ingest() {
        let (c, _) = drive(&[("http", HTTP)], 4096, true);
        assert_eq!(c.transactions.len(), 2, "two HTTP requests");
        let run = |options: &Options| {
            let mut d = Driver::new(options, 4096);
            d.add_file("http", None);
            while let Some(r) = d.next_read() {
                let end = (r.offset + r.len).min(HTTP.len() as u64) as usize;
                d.supply(0, &HTTP[(r.offset as usize).min(end)..end]);
            }
            d.finish()
        };
        let off = run(&Options {
            stages: Stages {
                apps: false,
                ..Stages::ALL
            },
            ..Options::default()
        });
        assert_eq!(
            (off.packets.len(), off.transactions.len()),
            (c.packets.len(), 0)
        );
        let none = run(&Options {
            decode_as: vec![DecodeAs {
                l4: L4::Tcp,
                port: 80,
                proto: None,
            }],
            ..Options::default()
        });
        assert_eq!(none.transactions.len(), 0);
    }
}
