//! A display filter run over a capture, without I/O: the one entry point the CLI's
//! `list -Y` and the web worker's filter share.
//!
//! Two passes over the packets in timeline order, each read through a
//! [`Reread::run`]: first the packets of the conversations whose per-PDU fields
//! (memcache, resp) the filter or the columns use, to collect those fields whole
//! (reassembly hands on the bytes after a lost segment only when the peer acknowledges
//! past it, so a packet's values can come later than the packet); then every packet is
//! evaluated, its bytes read only if a field other than those needs them for a packet
//! of its kind (or the caller prints them): `tcp.len > 1000` reads no packet whose TCP
//! header the index knows, only the others ([`Filter::packets_needing_bytes`]).
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
use crate::query::detail::Index;
use crate::query::fields::pdu::{self, Collector};
use crate::query::fields::{registry, Fid, FieldCtx, NoBytes};
use crate::query::filter::{Evaluator, Filter};
use crate::query::reread::{Fetch, Reread};
use std::collections::HashSet;
use std::rc::Rc;

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
    /// The packets the filter pass reads (all of them when the caller prints them), until
    /// that pass takes them.
    reads: Vec<u32>,
    /// The filter pass's position in the packets it reads.
    read_pos: usize,
    /// The caller's columns: their values outlive the scan ([`Scan::finish`]).
    columns: HashSet<Fid>,
    /// The filter or a column names `ssh`: every packet read goes through the SSH
    /// replay ([`FieldCtx::ssh_shown`]) in order, so that one its test skips (`a &&
    /// ssh`) still feeds the dissector's state, as the window it was read in goes.
    ssh: bool,
    /// Likewise the length-framed protocols named ([`FieldCtx::tcpapp_item`]).
    framed: Vec<Fid>,
    /// The filter or a column names a field read from the packets' detail.
    detail: bool,
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
        let given: Vec<Fid> = filter.fields().iter().chain(columns).copied().collect();
        // Fields read from the packets' detail: the detail of a packet is built only when
        // it has the field's protocol, which is wanted too (TLS's is collected).
        let wanted = registry::with_protocols(&given);
        let detail = ev.read_detail(&given, None);
        ev.fields().want(&wanted);
        let pdu_fields: HashSet<Fid> = wanted
            .iter()
            .copied()
            .filter(|&f| pdu::collects(f))
            .collect();
        // Per-PDU fields come from the first pass: the filter pass reads no packet for
        // them (their values are collected whole by then). `tls` and `mysql` are
        // collected only in part (the records of TLS conversations), so they still read.
        let mut reads = if options.bytes {
            (0..limit as u32).collect()
        } else {
            // (After a STARTTLS, `tls.handshake.type` is read from the detail.)
            let starttls = crate::query::fields::may_starttls(capture);
            filter.packets_needing_bytes(capture, limit, |f| {
                pdu::proto_of(f).is_some() || (f == Fid::TlsHandshakeType && !starttls)
            })
        };
        let collector = ev.fields().collector().filter(|_| !pdu_fields.is_empty());
        let (stage, rr) = match collector {
            Some(c) if !capture.packets.is_empty() => {
                // The packets the collector reads (the field context's, made for the fields
                // wanted: making another would derive memcached's fields twice).
                let order = if c.reads() {
                    (0..capture.packets.len() as u32)
                        .zip(&capture.packets)
                        .filter(|(_, r)| c.needs(r))
                        .map(|(i, _)| i)
                        .collect()
                } else {
                    Vec::new()
                };
                (Stage::Pdus, Reread::run(capture, order, false))
            }
            _ => (
                Stage::Filter,
                Self::filter_run(capture, std::mem::take(&mut reads)),
            ),
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
            read_pos: 0,
            ssh: wanted.contains(&Fid::Ssh),
            framed: [
                Fid::Nbss,
                Fid::Smb,
                Fid::Ldap,
                Fid::Bgp,
                Fid::Kafka,
                Fid::Ftp,
                Fid::Pop,
                Fid::Smtp,
                Fid::Imap,
            ]
            .into_iter()
            .filter(|f| wanted.contains(f))
            .collect(),
            columns: columns.iter().copied().collect(),
            detail,
        }
    }

    /// Uses the capture's detail index gathered beforehand (the page gathers it after the
    /// open) rather than gathering what it needs of it again: each conversation's first
    /// packets (TCP's relative numbers) and, for fields read from the packets' detail,
    /// the rest.
    pub fn share_index(&mut self, index: &Rc<Index>) {
        self.ev.fields().share_firsts(index.firsts());
        if self.detail {
            let fields: Vec<Fid> = self
                .filter
                .fields()
                .iter()
                .chain(&self.columns)
                .copied()
                .collect();
            self.ev.read_detail(&fields, Some(Rc::clone(index)));
        }
    }

    fn filter_run(capture: &'c Capture, reads: Vec<u32>) -> Reread<'c> {
        // Relative sequence numbers and window scaling look back at the first packet of
        // the conversation each way (a filter on them reads every packet).
        Reread::run(capture, reads, true)
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
                        self.rr = Self::filter_run(self.capture, std::mem::take(&mut self.reads));
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
                    let i = self.pos;
                    let read = self.rr.order().get(self.read_pos) == Some(&(i as u32));
                    if read {
                        if let Some(f) = self.rr.fetch_for(self.read_pos) {
                            return Step::Fetch(f);
                        }
                        self.read_pos += 1;
                    }
                    self.pos += 1;
                    if read && self.ssh {
                        let ctx = self.ev.fields();
                        ctx.begin(i);
                        let _ = ctx.ssh_shown(&mut self.rr);
                    }
                    if read && !self.framed.is_empty() {
                        let ctx = self.ev.fields();
                        ctx.begin(i);
                        for f in &self.framed {
                            let _ = ctx.tcpapp_item(f.name(), &mut self.rr);
                        }
                    }
                    let pass = if read {
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
    pub fn supply_with(
        &mut self,
        fetch: &Fetch,
        len: usize,
        fill: &mut dyn FnMut(usize, &mut [u8]),
    ) {
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

    /// The per-PDU values of the columns' fields in the packets that passed (`shown`,
    /// ascending: those [`Step::Match`] named), for the pages of rows shown afterwards;
    /// None when there are none. The values only the filter looked at are let go.
    pub fn finish(mut self, shown: &[u32]) -> Option<Collector> {
        let mut c = self.ev.fields().take_collector()?;
        c.retain(&self.columns, |p| {
            u32::try_from(p).is_ok_and(|p| shown.binary_search(&p).is_ok())
        });
        (!c.is_empty()).then_some(c)
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

    /// The bytes of tests/data/servers' capture `name`, and its capture.
    fn server(name: &str) -> (Vec<u8>, Capture) {
        let path = crate::ingest::app::testkit::path(&format!("tests/data/servers/{name}"))
            .expect("tests/data is in the repository");
        let bytes = std::fs::read(path).expect(name);
        let capture = crate::ingest::ingest_bytes(name, &bytes);
        (bytes, capture)
    }

    /// The packets `filter` passes in `capture`, read from `bytes`: those the evaluator
    /// passes with every packet's bytes at hand.
    fn evaluated(capture: &Capture, filter: &Filter, bytes: &[u8]) -> Vec<u32> {
        filter_packets(filter, capture, &mut MemorySource { files: vec![bytes] })
    }

    /// Those a scan passes, and the bytes it read.
    fn scanned(capture: &Capture, filter: &Filter, bytes: &[u8]) -> (Vec<u32>, u64) {
        let mut read = 0;
        let mut scan = Scan::new(capture, filter, &[], ScanOptions::default());
        let got = scan.run_all(&mut |f| {
            read += f.end - f.start;
            Ok(bytes[f.start as usize..f.end as usize].to_vec())
        });
        (got, read)
    }

    /// `text` passes the same packets with the ingest's memcached table as without it
    /// (every memcached conversation dissected again), reading no more bytes.
    fn same_without_the_table(capture: &mut Capture, bytes: &[u8], path: &str, text: &str) {
        let filter = Filter::compile(text).unwrap();
        let (with, read_with) = scanned(capture, &filter, bytes);
        let table = std::mem::take(&mut capture.memcache_commands);
        let (without, read_without) = scanned(capture, &filter, bytes);
        capture.memcache_commands = table;
        assert_eq!(with, without, "{path}: {text}");
        assert!(read_with <= read_without, "{path}: {text}");
    }

    /// Filters on per-PDU fields pass the packets the evaluator passes with every value
    /// collected beforehand, and read the file once (the collecting pass), not twice.
    #[test]
    fn pdu_filters_read_their_conversations_once() {
        for name in ["memcached.pcap", "memcached-fields.pcap", "redis.pcap"] {
            let (bytes, capture) = server(name);
            for text in [
                "memcache.command == \"set\"",
                "memcache.key contains \"user\" || tcp.len > 100",
                "!memcache.response",
                "resp.bulk_string.value == \"GET\" && frame.number > 3",
            ] {
                let filter = Filter::compile(text).unwrap();
                let want = evaluated(&capture, &filter, &bytes);
                let (got, read) = scanned(&capture, &filter, &bytes);
                assert_eq!(got, want, "{name}: {text}");
                // `tcp.len` is in the index: no second pass.
                assert!(read <= bytes.len() as u64, "{name}: {text}: {read}");
            }
        }
    }

    /// What a scan hands over for the rows shown afterwards is its columns' values in the
    /// packets that passed, equal to a whole collection's there; nothing when no column
    /// is collected (the filter's own values are let go).
    #[test]
    fn a_scan_keeps_only_its_columns_values_in_the_packets_that_passed() {
        use crate::query::fields::pdu::Collector;
        for name in ["memcached.pcap", "memcached-fields.pcap", "redis.pcap"] {
            let (bytes, capture) = server(name);
            let run = |text: &str, columns: &[Fid]| {
                let filter = Filter::compile(text).unwrap();
                let mut scan = Scan::new(&capture, &filter, columns, ScanOptions::default());
                let shown =
                    scan.run_all(&mut |f| Ok(bytes[f.start as usize..f.end as usize].to_vec()));
                let kept = scan.finish(&shown);
                (shown, kept)
            };
            let (filter, column) = if name == "redis.pcap" {
                (
                    "resp.bulk_string.value == \"GET\"",
                    Fid::RespBulkStringLength,
                )
            } else {
                ("memcache.command == \"get\"", Fid::MemcacheKey)
            };
            let (shown, kept) = run(filter, &[]);
            assert!(!shown.is_empty(), "{name}");
            assert!(kept.is_none(), "{name}: values kept with no column");
            let (shown, kept) = run(filter, &[column]);
            let kept = kept.expect(name);
            let mut whole = Collector::new(&capture, [column].into_iter().collect());
            whole.run(
                &capture,
                &mut MemorySource {
                    files: vec![&bytes],
                },
            );
            let mut compared = 0;
            for i in 0..capture.packets.len() {
                let passed = shown.binary_search(&(i as u32)).is_ok();
                let want: Vec<_> = whole.values(i, column).filter(|_| passed).collect();
                let got: Vec<_> = kept.values(i, column).collect();
                assert_eq!(got, want, "{name}: frame {}", i + 1);
                compared += want.len();
                let filtered = if name == "redis.pcap" {
                    Fid::RespBulkStringValue
                } else {
                    Fid::MemcacheCommand
                };
                assert_eq!(kept.values(i, filtered).len(), 0, "{name}: frame {}", i + 1);
            }
            assert!(compared > 0, "{name}");
        }
    }

    /// Filters on the UDP protocols tshark names by port (`dhcp`, `ntp`, `sip` …) read
    /// no packet of a conversation whose ports name none of them (all of http.pcap), and
    /// of udp-apps.pcap only the conversations on their ports, keeping what the evaluator
    /// keeps with every packet's bytes at hand.
    #[test]
    fn udp_app_filters_read_only_the_conversations_on_their_ports() {
        let texts = [
            "dhcp",
            "ntp or sip",
            "!mdns && udp",
            "snmp || syslog || tftp",
        ];
        let dir = format!("{}/../tests/data", env!("CARGO_MANIFEST_DIR"));
        let path = format!("{dir}/servers/http.pcap");
        let bytes = std::fs::read(&path).unwrap();
        let capture = crate::ingest::ingest_bytes(&path, &bytes);
        for text in texts {
            let filter = Filter::compile(text).unwrap();
            let (got, read) = scanned(&capture, &filter, &bytes);
            assert_eq!(got, evaluated(&capture, &filter, &bytes), "{text}");
            assert_eq!(read, 0, "{text}");
        }
        let path = format!("{dir}/udp-apps.pcap");
        let bytes = std::fs::read(&path).unwrap();
        let capture = crate::ingest::ingest_bytes(&path, &bytes);
        let read_for = |sip: bool| -> Vec<u32> {
            (0..capture.packets.len() as u32)
                .filter(|&i| {
                    let flow = capture.packets.at(i as usize).flow;
                    let c = &capture.conversations[flow as usize];
                    let ports = [c.port_a, c.port_b];
                    crate::query::fields::udp::named_ports(ports)
                        || capture.tftp_from(flow).is_some()
                        || (sip && crate::query::fields::udp::unclaimed_ports(ports))
                })
                .collect()
        };
        // Not read: DNS (53), three conversations on unnamed ports (two datagrams of SIP
        // among them) and two datagrams outside the TFTP transfer; all but DNS are read
        // for SIP's heuristic.
        assert_eq!(read_for(false).len() + 6, capture.packets.len());
        assert_eq!(read_for(true).len() + 1, capture.packets.len());
        for text in texts {
            let filter = Filter::compile(text).unwrap();
            let (got, _) = scanned(&capture, &filter, &bytes);
            assert_eq!(got, evaluated(&capture, &filter, &bytes), "{text}");
            let needing = filter.packets_needing_bytes(&capture, capture.packets.len(), |_| false);
            assert_eq!(needing, read_for(text.contains("sip")), "{text}");
        }
        // Frames as tshark 4.0 keeps them (tests/golden/filter-proto).
        let kept = |text: &str| {
            let filter = Filter::compile(text).unwrap();
            scanned(&capture, &filter, &bytes).0
        };
        assert_eq!(kept("dhcp"), [13, 14, 15, 16, 17]);
        assert_eq!(kept("ntp"), [19, 20, 21, 22, 32]);
        assert_eq!(kept("syslog"), [0, 1, 2, 33]);
        // The read request, then its transfer from the server's new port.
        assert_eq!(kept("tftp"), [11, 12, 39, 40, 41, 42]);
        // SIP on its port, and found by its heuristic on two others.
        assert_eq!(kept("sip"), [7, 8, 48, 49]);
    }

    /// Filters on the protocols tshark finds on their TCP ports (`ssh`, `smb`, `ftp` …)
    /// read no packet of a conversation whose ports name none of them, and of
    /// ssh-made.pcap only the conversations on port 22, keeping what the evaluator keeps
    /// with every packet's bytes at hand.
    #[test]
    fn tcp_app_filters_read_only_the_conversations_on_their_ports() {
        let texts = [
            "ssh",
            "ldap or smb",
            "!ftp && tcp.len > 0",
            "telnet || imap",
        ];
        let dir = format!("{}/../tests/data", env!("CARGO_MANIFEST_DIR"));
        for (name, on_ports) in [("servers/http.pcap", false), ("ssh/ssh-made.pcap", true)] {
            let path = format!("{dir}/{name}");
            let bytes = std::fs::read(&path).unwrap();
            let capture = crate::ingest::ingest_bytes(&path, &bytes);
            let on_port_22 = (0..capture.packets.len() as u32)
                .filter(|&i| {
                    let c = &capture.conversations[capture.packets.at(i as usize).flow as usize];
                    c.port_a == 22 || c.port_b == 22
                })
                .count();
            assert_eq!(on_port_22 > 0, on_ports, "{name}");
            for text in texts {
                let filter = Filter::compile(text).unwrap();
                let (got, _) = scanned(&capture, &filter, &bytes);
                assert_eq!(got, evaluated(&capture, &filter, &bytes), "{name}: {text}");
                let needing =
                    filter.packets_needing_bytes(&capture, capture.packets.len(), |_| false);
                assert_eq!(needing.len(), on_port_22, "{name}: {text}");
            }
        }
    }

    /// Filters on the TCP header's length and flags read no packet whose header the index
    /// knows; the packets it does not know (here made so) are the only ones read, and the
    /// frames kept are those the evaluator keeps with every packet's bytes at hand.
    #[test]
    fn tcp_header_filters_read_only_the_packets_the_index_does_not_know() {
        use crate::capture::packet::{PacketRow, Packets, TcpHeader};
        let path = format!(
            "{}/../tests/data/servers/http.pcap",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap();
        let mut capture = crate::ingest::ingest_bytes(&path, &bytes);
        let texts = [
            "tcp.len > 100",
            "!(tcp.len > 5)",
            "tcp.flags.syn == 1 && tcp.port == 28080",
            "tcp.flags & 0x12 == 0x12 || tcp.flags.reset",
            "tcp.hdr_len > 20 && tcp.flags.fin == 0 && frame.len > 60",
        ];
        let run = |capture: &Capture, text: &str| {
            let filter = Filter::compile(text).unwrap();
            let want = evaluated(capture, &filter, &bytes);
            let (got, read) = scanned(capture, &filter, &bytes);
            assert_eq!(got, want, "{text}");
            assert!(!want.is_empty(), "{text}");
            let needing = filter.packets_needing_bytes(capture, capture.packets.len(), |_| false);
            (read, needing)
        };
        for text in texts {
            assert_eq!(run(&capture, text), (0, vec![]), "{text}");
        }
        // Packets 5 and 40 as a tunnel's or an ICMP error's would be: read, and only they.
        capture.packets = capture
            .packets
            .iter()
            .enumerate()
            .map(|(i, r)| match i {
                4 | 39 => PacketRow {
                    tcp: TcpHeader::Unknown,
                    ..r
                },
                _ => r,
            })
            .collect::<Packets>();
        for text in texts {
            let (read, needing) = run(&capture, text);
            assert!(read > 0, "{text}");
            assert_eq!(needing, vec![4, 39], "{text}");
        }
        // A field the index never has reads every packet.
        let (_, needing) = run(&capture, "tcp.len > 100 && tcp.window_size > 1000");
        assert_eq!(needing.len(), capture.packets.len());
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
                let want = evaluated(capture, &filter, &bytes);
                let (got, _) = scanned(capture, &filter, &bytes);
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
        use crate::capture::app::{AppProto, Detail};
        let dir = env!("CARGO_MANIFEST_DIR");
        let mut paths = vec![
            format!("{dir}/../tests/data/servers/memcached.pcap"),
            format!("{dir}/../tests/data/servers/memcached-fields.pcap"),
        ];
        for corpus in ["memcached.pcap", "memcached-userdata.pcap"] {
            let p = crate::ingest::app::testkit::corpus()
                .join("deepflow/memcached")
                .join(corpus);
            if p.is_file() {
                paths.push(p.to_string_lossy().into_owned());
            }
        }
        let (mut covered, mut binary) = (0, 0);
        for path in paths {
            let bytes = std::fs::read(&path).expect(&path);
            let mut capture = crate::ingest::ingest_bytes(&path, &bytes);
            // Every memcached conversation is covered: binary ones and `stats` replies too.
            let memcache: Vec<u32> = (0..capture.app_protos.len() as u32)
                .filter(|&i| capture.app_protos[i as usize] == Some(AppProto::Memcache))
                .collect();
            for &conv in &memcache {
                assert!(capture.memcache_commands.covers(conv), "{path}: {conv}");
            }
            covered += memcache.len();
            binary += capture
                .transactions
                .iter()
                .filter(|t| matches!(&t.detail, Detail::Memcache(m) if m.binary()))
                .count();
            for text in [
                "memcache.command == \"set\"",
                "memcache.command",
                "memcache.command == \"get\" || memcache.command == \"STAT\"",
                "memcache.command == \"set\" && tcp.port == 11211",
                "memcache.command == \"get\" && memcache.key",
                "memcache",
                "memcache && !memcache.command",
                "memcache.command == \"STAT\" && memcache",
                "memcache && tcp.len < 40",
                "count(memcache.command) > 2",
                "count(memcache) == 2",
            ] {
                same_without_the_table(&mut capture, &bytes, &path, text);
            }
        }
        assert!(covered >= 5 && binary > 20, "{covered} {binary}");
    }

    /// A pcap of one TCP conversation between 10.0.0.1:40000 and 10.0.0.2:11211, picked
    /// up mid-flight: each (from the client, payload) a segment.
    fn memcache_pcap(segs: &[(bool, &[u8])]) -> Vec<u8> {
        use crate::query::made::{pcap, ACK, PSH};
        let mut seq = [1000u32, 5000];
        let segs: Vec<_> = segs
            .iter()
            .map(|&(up, data)| {
                let next = &mut seq[usize::from(!up)];
                let at = *next;
                *next = next.wrapping_add(data.len() as u32);
                (up, ACK | PSH, at, data)
            })
            .collect();
        pcap(11211, &segs)
    }

    /// A request with no reply (`noreply`, `quit`) sent in the segment of one waiting for
    /// its reply is reported first, with the same first packet: the fields of the one
    /// Wireshark shows (the first sent) are still derived, and the filter reads no packet.
    /// (They were dissected again: the request of no reply was taken for the one shown.)
    #[test]
    fn memcache_fields_derived_when_a_request_of_no_reply_is_reported_first() {
        let segs: [(bool, &[u8]); 8] = [
            (true, b"get a\r\n"),
            (false, b"VALUE a 0 1\r\nx\r\nEND\r\n"),
            (true, b"set k 0 0 1\r\nv\r\ndelete z noreply\r\n"),
            (false, b"STORED\r\n"),
            (true, b"set j 0 0 2\r\nvw\r\nset q 0 0 1 noreply\r\nw\r\n"),
            (false, b"STORED\r\n"),
            (true, b"get k\r\nquit\r\n"),
            (false, b"VALUE k 0 1\r\nv\r\nEND\r\n"),
        ];
        let bytes = memcache_pcap(&segs);
        let mut capture = crate::ingest::ingest_bytes("made.pcap", &bytes);
        assert!(capture.memcache_commands.covers(0));
        for text in [
            "memcache.key == \"k\"",
            "memcache.key == \"j\" && memcache.value.length == 2",
            "memcache.key",
        ] {
            let filter = Filter::compile(text).unwrap();
            let (got, read) = scanned(&capture, &filter, &bytes);
            assert_eq!(read, 0, "{text}");
            assert!(!got.is_empty(), "{text}");
            same_without_the_table(&mut capture, &bytes, "made.pcap", text);
        }
    }

    /// Every capture with memcached traffic: tests/data's (the real servers', the sample's)
    /// and the corpus's (deepflow's).
    fn memcache_captures() -> Vec<std::path::PathBuf> {
        use crate::ingest::app::testkit;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut paths = vec![dir.join("static/sample.pcapng")];
        paths.extend(testkit::captures_under(&dir.join("tests/data")));
        paths.sort();
        for corpus in ["memcached.pcap", "memcached-userdata.pcap"] {
            paths.extend(testkit::path(&format!(
                "corpus:deepflow/memcached/{corpus}"
            )));
        }
        paths
    }

    /// `bytes`, the file of `capture`, without one in `n` of the segments with payload of
    /// its memcached conversations (the `r`th, counting from the start): segments lost
    /// on the way, at every kind of place in the streams (a command line, a data block,
    /// a reply), so that reassembly hands on gaps. A conversation's first packet stays, so
    /// conversations keep their numbers. Returns the file and the conversations that lost
    /// a segment.
    fn lossy(capture: &Capture, bytes: &[u8], n: usize, r: usize) -> (Vec<u8>, HashSet<u32>) {
        use crate::capture::app::AppProto;
        use crate::capture::packet::TcpHeader;
        use crate::query::export::{export, OutputFormat};
        let mut seen = HashSet::new();
        let mut lost = HashSet::new();
        let mut payload = 0;
        let mut keep = Vec::new();
        for (i, row) in capture.packets.iter().enumerate() {
            let memcache = capture.app_protos.get(row.flow as usize).copied().flatten()
                == Some(AppProto::Memcache);
            let first = seen.insert(row.flow);
            if memcache && !first && matches!(row.tcp, TcpHeader::One { len, .. } if len > 0) {
                payload += 1;
                if payload % n == r {
                    lost.insert(row.flow);
                    continue;
                }
            }
            keep.push(i);
        }
        let format = OutputFormat::PcapNg { big_endian: false };
        let mut src = MemorySource { files: vec![bytes] };
        let out = export(capture, keep, &mut src, format, Vec::new()).unwrap();
        (out, lost)
    }

    /// memcached's text fields derived from the ingest's table and the transactions
    /// (`pdu::derived`) are those the dissector collects reading every packet again, field
    /// by field and packet by packet, whichever of them are asked for; and a filter on
    /// them reads fewer bytes. Also where segments were lost: the table takes up a
    /// conversation again after a gap where the dissector does (some of those conversations
    /// must be given by the table, or the resumption is not tried).
    #[test]
    fn memcache_fields_derived_equal_those_dissected_again() {
        use crate::capture::app::AppProto;
        use crate::query::fields::pdu::Collector;
        let all = crate::query::fields::pdu::derived::FIELDS;
        let (mut given, mut dissected, mut compared) = (0, 0, 0);
        let mut given_after_gaps = 0;
        for path in memcache_captures() {
            let path = path.to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let whole = crate::ingest::ingest_bytes(&path, &bytes);
            if !whole.app_protos.contains(&Some(AppProto::Memcache)) {
                continue;
            }
            let mut variants = vec![(path.clone(), bytes.clone(), HashSet::new())];
            for (n, r) in [(40, 7), (9, 2), (4, 1)] {
                let (cut, lost) = lossy(&whole, &bytes, n, r);
                variants.push((format!("{path} less 1 in {n}"), cut, lost));
            }
            for (path, bytes, lost) in variants {
                let path = &path;
                let mut capture = crate::ingest::ingest_bytes(path, &bytes);
                assert_eq!(
                    capture.conversations.len(),
                    whole.conversations.len(),
                    "{path}"
                );
                let memcache: Vec<u32> = (0..capture.app_protos.len() as u32)
                    .filter(|&i| capture.app_protos[i as usize] == Some(AppProto::Memcache))
                    .collect();
                for wanted in [
                    &all[..],
                    &[Fid::MemcacheKey],
                    &[Fid::MemcacheValueLength, Fid::Memcache],
                    &[
                        Fid::MemcacheResponse,
                        Fid::MemcacheNoreply,
                        Fid::MemcacheFlags,
                    ],
                    &[Fid::MemcacheCommand],
                ] {
                    let collect = |capture: &Capture| {
                        let mut c = Collector::new(capture, wanted.iter().copied().collect());
                        c.run(
                            capture,
                            &mut MemorySource {
                                files: vec![&bytes],
                            },
                        );
                        c
                    };
                    let with = collect(&capture);
                    let table = std::mem::take(&mut capture.memcache_commands);
                    let without = collect(&capture);
                    capture.memcache_commands = table;
                    for i in 0..capture.packets.len() {
                        for &f in wanted {
                            let want: Vec<_> = without.values(i, f).collect();
                            let got: Vec<_> = with.values(i, f).collect();
                            assert_eq!(got, want, "{path}: frame {}: {f:?}", i + 1);
                            compared += want.len();
                        }
                    }
                    // The conversations the table gave were not read.
                    let read: HashSet<u32> = capture
                        .packets
                        .iter()
                        .filter(|r| with.needs(r))
                        .map(|r| r.flow)
                        .collect();
                    given += memcache.iter().filter(|c| !read.contains(c)).count();
                    dissected += memcache.iter().filter(|c| read.contains(c)).count();
                    given_after_gaps += lost.iter().filter(|c| !read.contains(c)).count();
                }
                for text in [
                    "memcache.key contains \"user\"",
                    "memcache.value.length > 1000",
                    "memcache.response == \"STORED\" || memcache.noreply",
                    "memcache.flags == 0 && memcache.expiration > 0",
                ] {
                    same_without_the_table(&mut capture, &bytes, path, text);
                }
            }
        }
        eprintln!(
            "{given} conversations given ({given_after_gaps} with lost segments), \
             {dissected} dissected, {compared} values"
        );
        assert!(given_after_gaps > 0, "{given_after_gaps}");
        assert!(given > 0 && compared > 1000, "{given} {compared}");
    }
}
