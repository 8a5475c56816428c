//! A display filter run over a capture, without I/O: the one entry point the CLI's
//! `list -Y` and the web worker's filter share.
//!
//! Two passes over the packets in timeline order, each read through a
//! [`Reread::run`]: first the packets of the conversations whose per-PDU fields
//! (memcache, resp) the filter or the columns use, to collect those fields whole
//! (reassembly hands on the bytes after a lost segment only when the peer acknowledges
//! past it, so a packet's values can come later than the packet); then every packet is
//! evaluated, its bytes read only if a field other than those needs them (or the caller
//! prints them).
//!
//! ```text
//! let mut scan = Scan::new(&capture, &filter, &columns, ScanOptions::default());
//! loop {
//!     match scan.step() {
//!         Step::Fetch(f) => { let bytes = read(f); scan.supply(&f, &bytes) }
//!         Step::Match(i) => { /* packet i passed; scan.packet() gives its fields */ }
//!         Step::Done => break,
//!     }
//! }
//! ```

use crate::capture::Capture;
use crate::query::fields::pdu::{self, Collector};
use crate::query::fields::{Fid, FieldCtx, NoBytes};
use crate::query::filter::{Evaluator, Filter};
use crate::query::reread::{Fetch, Reread};
use std::collections::HashSet;

/// How a scan runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScanOptions {
    /// The caller reads the bytes of the packets that pass (to print them): they are
    /// fetched even when the filter needs none.
    pub bytes: bool,
    /// Only the first this many packets (tshark's `-c`).
    pub limit: Option<usize>,
}

/// What a scan needs or found next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read these bytes and [`Scan::supply`] them.
    Fetch(Fetch),
    /// Packet `i` (0-based) passed the filter; [`Scan::packet`] reads its fields.
    Match(usize),
    /// Every packet was evaluated.
    Done,
}

enum Stage {
    Pdus,
    Filter,
    Done,
}

/// A display filter being run over a capture: see the module documentation.
pub struct Scan<'c> {
    capture: &'c Capture,
    filter: &'c Filter,
    ev: Evaluator<'c>,
    stage: Stage,
    rr: Reread<'c>,
    pos: usize,
    limit: usize,
    /// The filter pass reads packet bytes.
    reads: bool,
}

impl<'c> Scan<'c> {
    /// A scan of `filter` over `capture`; `columns` are the fields the caller will ask of
    /// the packets that pass (their per-PDU values are collected with the filter's).
    pub fn new(
        capture: &'c Capture,
        filter: &'c Filter,
        columns: &[Fid],
        options: ScanOptions,
    ) -> Self {
        let limit = options
            .limit
            .map_or(capture.packets.len(), |l| l.min(capture.packets.len()));
        let mut ev = Evaluator::new(capture);
        let wanted: Vec<Fid> = filter.fields().iter().chain(columns).copied().collect();
        ev.fields().want(&wanted);
        let pdu_fields: HashSet<Fid> = wanted
            .iter()
            .copied()
            .filter(|&f| pdu::collects(f))
            .collect();
        // Per-PDU fields come from the first pass: the filter pass reads no packet for
        // them (their values are collected whole by then). `tls` and `mysql` are
        // collected only in part (the records of TLS conversations), so they still read.
        let reads = options.bytes
            || filter.may_read_packets_besides(capture, |f| {
                pdu::proto_of(f).is_some() || f == Fid::TlsHandshakeType
            });
        let (stage, rr) = if pdu_fields.is_empty() || capture.packets.is_empty() {
            (Stage::Filter, Self::filter_run(capture, limit, reads))
        } else {
            // The packets the collector reads.
            let c = Collector::new(capture, pdu_fields);
            let order = (0..capture.packets.len() as u32)
                .zip(&capture.packets)
                .filter(|(_, r)| c.needs(r))
                .map(|(i, _)| i)
                .collect();
            (Stage::Pdus, Reread::run(capture, order, false))
        };
        Scan {
            capture,
            filter,
            ev,
            stage,
            rr,
            pos: 0,
            limit,
            reads,
        }
    }

    fn filter_run(capture: &'c Capture, limit: usize, reads: bool) -> Reread<'c> {
        let order = if reads {
            (0..limit as u32).collect()
        } else {
            Vec::new()
        };
        // Relative sequence numbers and window scaling look back at the first packet of
        // the conversation each way.
        Reread::run(capture, order, true)
    }

    /// Runs until bytes are needed, a packet passes, or the end.
    pub fn step(&mut self) -> Step {
        loop {
            match self.stage {
                Stage::Pdus => {
                    let Some(&i) = self.rr.order().get(self.pos) else {
                        // Every packet fed: the collector ends its streams.
                        if let Some(last) = self.capture.packets.len().checked_sub(1) {
                            let ctx = self.ev.fields();
                            ctx.begin(last);
                            ctx.advance(&mut NoBytes);
                        }
                        self.stage = Stage::Filter;
                        self.pos = 0;
                        self.rr = Self::filter_run(self.capture, self.limit, self.reads);
                        continue;
                    };
                    if let Some(f) = self.rr.fetch_for(self.pos) {
                        return Step::Fetch(f);
                    }
                    let ctx = self.ev.fields();
                    ctx.begin(i as usize);
                    ctx.advance(&mut self.rr);
                    self.pos += 1;
                }
                Stage::Filter => {
                    if self.pos >= self.limit {
                        self.stage = Stage::Done;
                        return Step::Done;
                    }
                    if self.reads {
                        if let Some(f) = self.rr.fetch_for(self.pos) {
                            return Step::Fetch(f);
                        }
                    }
                    let i = self.pos;
                    self.pos += 1;
                    let pass = if self.reads {
                        self.ev.matches(self.filter, i, &mut self.rr)
                    } else {
                        self.ev.matches(self.filter, i, &mut NoBytes)
                    };
                    if pass {
                        return Step::Match(i);
                    }
                }
                Stage::Done => return Step::Done,
            }
        }
    }

    /// The bytes of the fetch [`Scan::step`] named last.
    pub fn supply(&mut self, fetch: &Fetch, bytes: &[u8]) {
        self.rr.supply(fetch, bytes);
    }

    /// The `len` bytes of the fetch named last, written by `fill` ([`Reread::supply_with`]).
    pub fn supply_with(&mut self, fetch: &Fetch, len: usize, fill: &mut dyn FnMut(&mut [u8])) {
        self.rr.supply_with(fetch, len, fill);
    }

    /// Reading the fetch named last failed: its packets are read as unavailable.
    pub fn fetch_failed(&mut self, fetch: &Fetch, message: &str) {
        self.rr.fetch_failed(fetch, message);
    }

    /// The fetches that come after the one named last, as far as they are planned: start
    /// them early.
    pub fn upcoming(&self) -> impl Iterator<Item = Fetch> + '_ {
        self.rr.upcoming()
    }

    /// The field context at the packet that passed last, and the source of its bytes.
    pub fn packet(&mut self) -> (&mut FieldCtx<'c>, &mut Reread<'c>) {
        (self.ev.fields(), &mut self.rr)
    }

    /// The first re-read error (a fetch that failed, damaged data), if any.
    pub fn error(&self) -> Option<&str> {
        self.rr.error()
    }

    /// The per-PDU values collected (None when no field needed them), for the pages of
    /// rows shown afterwards.
    pub fn finish(mut self) -> Option<Collector> {
        self.ev.fields().take_collector()
    }

    /// Runs the whole scan with a synchronous reader; returns the packets that passed.
    pub fn run_all(&mut self, read: &mut dyn FnMut(&Fetch) -> Result<Vec<u8>, String>) -> Vec<u32> {
        let mut out = Vec::new();
        loop {
            match self.step() {
                Step::Fetch(f) => match read(&f) {
                    Ok(bytes) => self.supply(&f, &bytes),
                    Err(e) => self.fetch_failed(&f, &e),
                },
                Step::Match(i) => out.push(i as u32),
                Step::Done => return out,
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::MemorySource;
    use crate::query::filter::filter_packets;

    /// Filters on per-PDU fields pass the packets the evaluator passes with every value
    /// collected beforehand, and read the file once (the collecting pass), not twice.
    #[test]
    fn pdu_filters_read_their_conversations_once() {
        for name in ["memcached.pcap", "memcached-fields.pcap", "redis.pcap"] {
            let path = format!(
                "{}/../tests/data/servers/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let bytes = std::fs::read(&path).expect(name);
            let capture = crate::ingest::ingest_bytes(name, &bytes);
            for text in [
                "memcache.command == \"set\"",
                "memcache.key contains \"user\" || tcp.len > 100",
                "!memcache.response",
                "resp.bulk_string.value == \"GET\" && frame.number > 3",
            ] {
                let filter = Filter::compile(text).unwrap();
                let want = filter_packets(
                    &filter,
                    &capture,
                    &mut MemorySource {
                        files: vec![&bytes],
                    },
                );
                let mut read = 0;
                let mut scan = Scan::new(&capture, &filter, &[], ScanOptions::default());
                let got = scan.run_all(&mut |f| {
                    read += f.end - f.start;
                    Ok(bytes[f.start as usize..f.end as usize].to_vec())
                });
                assert_eq!(got, want, "{name}: {text}");
                // `tcp.len` needs bytes: a second pass.
                let passes = if text.contains("tcp.len") { 2 } else { 1 };
                assert!(
                    read <= passes * bytes.len() as u64,
                    "{name}: {text}: {read}"
                );
            }
        }
    }

    /// Filters on what TLS records carry (`tls`, `tls.handshake.type`, `mysql` inside
    /// TLS with the key log) pass the packets the evaluator passes with every value
    /// collected beforehand.
    #[test]
    fn filters_on_tls_records_equal_those_collected_beforehand() {
        use crate::ingest::app::testkit;
        let captures = [
            (
                "mysql-tls.pcap",
                testkit::capture_with_keys("mysql-tls.pcap"),
            ),
            ("mysql-tls.pcap", testkit::capture("mysql-tls.pcap", &[])),
            (
                "pgsql-tls.pcap",
                testkit::capture_with_keys("pgsql-tls.pcap"),
            ),
            ("tls.pcap", testkit::capture_with_keys("tls.pcap")),
        ];
        for (name, capture) in &captures {
            let path = format!(
                "{}/../tests/data/servers/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let bytes = std::fs::read(&path).expect(name);
            for text in [
                "tls",
                "mysql",
                "tls.handshake.type == 20",
                "mysql.login_request || (tls && !tls.handshake.type)",
                "pgsql && tls",
            ] {
                let filter = Filter::compile(text).unwrap();
                let want = filter_packets(
                    &filter,
                    capture,
                    &mut MemorySource {
                        files: vec![&bytes],
                    },
                );
                let mut scan = Scan::new(capture, &filter, &[], ScanOptions::default());
                let got =
                    scan.run_all(&mut |f| Ok(bytes[f.start as usize..f.end as usize].to_vec()));
                assert_eq!(got, want, "{name}: {text}");
                assert!(text != "tls" || !want.is_empty(), "{name}: {text}");
            }
        }
    }

    /// `memcache.command` from the ingest's table gives what dissecting every packet of
    /// the memcached conversations again gives, and reads fewer bytes: on the real
    /// servers' captures and the corpus's (deepflow's memcached captures, when there).
    #[test]
    fn memcache_commands_from_the_table_equal_those_dissected_again() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let mut paths = vec![
            format!("{dir}/../tests/data/servers/memcached.pcap"),
            format!("{dir}/../tests/data/servers/memcached-fields.pcap"),
        ];
        for corpus in ["memcached.pcap", "memcached-userdata.pcap"] {
            let p = format!("{dir}/../../shared/corpus/deepflow/memcached/{corpus}");
            if std::path::Path::new(&p).is_file() {
                paths.push(p);
            }
        }
        let mut covered = 0;
        for path in paths {
            let bytes = std::fs::read(&path).expect(&path);
            let mut capture = crate::ingest::ingest_bytes(&path, &bytes);
            covered += capture
                .memcache_commands
                .covered
                .iter()
                .filter(|&&c| c)
                .count();
            for text in [
                "memcache.command == \"set\"",
                "memcache.command",
                "memcache.command == \"get\" || memcache.command == \"STAT\"",
                "memcache.command == \"set\" && tcp.port == 11211",
                "memcache.command == \"get\" && memcache.key",
                "memcache",
                "memcache && !memcache.command",
            ] {
                let filter = Filter::compile(text).unwrap();
                let run = |capture: &Capture| {
                    let mut read = 0;
                    let mut scan = Scan::new(capture, &filter, &[], ScanOptions::default());
                    let got = scan.run_all(&mut |f| {
                        read += f.end - f.start;
                        Ok(bytes[f.start as usize..f.end as usize].to_vec())
                    });
                    (got, read)
                };
                let (with, read_with) = run(&capture);
                let table = std::mem::take(&mut capture.memcache_commands);
                let (without, read_without) = run(&capture);
                capture.memcache_commands = table;
                assert_eq!(with, without, "{path}: {text}");
                assert!(read_with <= read_without, "{path}: {text}");
            }
        }
        assert!(covered > 0);
    }
}
