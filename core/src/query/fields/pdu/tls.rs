//! Per-PDU fields of a protocol carried in TLS: the conversation's records are decrypted
//! again with the capture's secrets (`Capture::secrets`, by the ingest's own record layer
//! and key schedule, [`Conn`]) and the plaintext goes to the protocol's dissector.
//!
//! Wireshark's TLS dissector hands each record's plaintext to the protocol inside and
//! gathers a PDU over several records when it asks for more (its TLS desegmentation),
//! as TCP does with segments; so a PDU's values go to the packet whose record completed
//! it, the packet that released the record's last bytes here.

use super::{PduFields, PduOut};
use crate::ingest::app::tls::conn::{Conn, Event};
use crate::ingest::app::tls::keylog::KeyLog;
use crate::query::fields::{AppValue, Fid};
use std::rc::Rc;

/// A dissector of one TLS conversation: the segments where its records are whole
/// (`tls`), its handshake messages (`tls.handshake.type`, those of decrypted records
/// too, as tshark with the key log) and, when it has the secrets, the plaintext of its
/// records for the protocol inside.
pub struct OverTls {
    conn: Conn,
    keys: Rc<KeyLog>,
    inner: Option<Box<dyn PduFields>>,
    /// A conversation that switched to TLS: its records start after this packet (the
    /// bytes up to it are the protocol in the clear).
    after: Option<u64>,
    /// Each side's records have started (a gap before is the clear text's).
    started: [bool; 2],
}

impl OverTls {
    /// `inner` dissects the plaintext of a conversation whose secrets `keys` has.
    pub fn new(keys: Rc<KeyLog>, inner: Option<Box<dyn PduFields>>) -> Self {
        OverTls {
            conn: Conn::new(),
            keys,
            inner,
            after: None,
            started: [false; 2],
        }
    }

    /// The records start after packet `packet` (`Capture::tls_switches`).
    pub fn after(mut self, packet: u64) -> Self {
        self.after = Some(packet);
        self
    }
}

impl PduFields for OverTls {
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>) {
        if self.after.is_some_and(|a| packet <= a) {
            return;
        }
        self.started[usize::from(!to_server)] = true;
        let OverTls {
            conn, keys, inner, ..
        } = self;
        let handshakes = out.wants(Fid::TlsHandshakeType);
        let mut records = 0;
        conn.data(to_server, bytes, keys, packet, &mut |ev| match ev {
            Event::Record { .. } => records += 1,
            Event::AppData { from_client, data } => {
                if let Some(inner) = inner {
                    inner.data(from_client, data, packet, out);
                }
            }
            // One item per message, in the frame whose record completed it.
            Event::Handshake { kind, .. } if handshakes => {
                out.add(packet, Fid::TlsHandshakeType, AppValue::Uint(kind.into()))
            }
            _ => {}
        });
        // packet-tls.c adds its item where a record is whole; a segment holding only
        // part of one is a "TCP segment of a reassembled PDU". Past a gap (the side
        // stopped) each segment is TLS "Continuation Data".
        if records > 0 || conn.stopped(to_server) {
            out.add(packet, Fid::Tls, AppValue::Present);
        }
    }

    fn gap(&mut self, to_server: bool, len: u64) {
        if !self.started[usize::from(!to_server)] {
            return;
        }
        // The record stream cannot be followed past a gap (the side stops); the
        // dissector inside drops what it was gathering.
        self.conn.gap(to_server, &mut |_| {});
        if let Some(inner) = &mut self.inner {
            inner.gap(to_server, len);
        }
    }

    fn end(&mut self, to_server: bool) {
        // The record it was gathering is of no more use.
        self.conn.stop(to_server);
        if let Some(inner) = &mut self.inner {
            inner.end(to_server);
        }
    }

    fn end_at(&mut self, to_server: bool, packet: Option<u64>, out: &mut PduOut<'_>) {
        self.conn.stop(to_server);
        if let Some(inner) = &mut self.inner {
            inner.end_at(to_server, packet, out);
        }
    }
}

#[cfg(test)]
mod test {
    //! Real captures with their key logs (tests/data/servers, made by
    //! tests/scripts/make-modern-captures.sh).
    use super::super::Collector;
    use crate::capture::app::Detail;
    use crate::capture::Capture;
    use crate::ingest::app::testkit;
    use crate::query::fields::{Fid, MemorySource, ValueRef};
    use std::collections::HashSet;

    fn collect(c: &Capture, name: &str, fields: &[Fid]) -> Collector {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers")
            .join(name);
        let bytes = std::fs::read(path).expect("tests/data/servers is in the repository");
        let mut col = Collector::new(c, fields.iter().copied().collect::<HashSet<_>>());
        col.run(
            c,
            &mut MemorySource {
                files: vec![&bytes],
            },
        );
        col
    }

    fn texts(col: &Collector, index: usize, f: Fid) -> Vec<String> {
        col.values(index, f)
            .filter_map(|v| match v {
                ValueRef::Text(s) => Some(s.to_owned()),
                ValueRef::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn memcached_commands_inside_tls_are_in_the_frames_of_their_records() {
        let c = testkit::capture_with_keys("tls-kv.pcap");
        let col = collect(&c, "tls-kv.pcap", &[Fid::MemcacheCommand, Fid::MemcacheKey]);
        let got: Vec<(usize, Vec<String>)> = (0..c.packets.len())
            .map(|i| (i + 1, texts(&col, i, Fid::MemcacheCommand)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        // tshark -o tls.keylog_file:tls-kv.keylog (with its memcache association of port
        // 21212) -T fields -e frame.number -e memcache.command.
        let s = |f: usize, c: &str| (f, vec![c.to_owned()]);
        assert_eq!(
            got,
            [
                s(10, "set"),
                s(12, "get"),
                s(15, "get"),
                s(17, "get"),
                s(19, "get"),
                s(23, "set"),
                s(25, "get"),
                s(31, "delete")
            ]
        );
        assert_eq!(texts(&col, 18, Fid::MemcacheKey), ["user:1", "missing:1"]);
    }

    #[test]
    fn redis_commands_inside_tls_name_each_request() {
        // tshark 4.0 does not read RESP inside TLS; each Redis transaction's request must
        // show its command as the first bulk string of the frame that completed it.
        let c = testkit::capture_with_keys("tls-kv.pcap");
        let col = collect(&c, "tls-kv.pcap", &[Fid::RespBulkStringValue]);
        let mut n = 0;
        for t in &c.transactions {
            let Detail::Redis(r) = &t.detail else {
                continue;
            };
            let p = t.request.expect("a request").last() as usize;
            let first = texts(&col, p, Fid::RespBulkStringValue);
            assert!(
                first.iter().any(|v| v.eq_ignore_ascii_case(&r.command)),
                "frame {}: {:?} has no {}",
                p + 1,
                first,
                r.command
            );
            n += 1;
        }
        assert_eq!(n, 13);
    }

    /// The frames a filter keeps on a server capture (1-based), with its key log or not,
    /// packet by packet (no pass beforehand) and after a whole pass: the same.
    fn frames(name: &str, keys: bool, filter: &str) -> Vec<u32> {
        use crate::capture::flow::L4;
        use crate::query::filter::{filter_packets, Evaluator, Filter};
        let c = if keys {
            testkit::capture_with_keys(name)
        } else {
            testkit::capture(
                name,
                &[(L4::Tcp, 23307, Some(crate::capture::app::AppProto::Mysql))],
            )
        };
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers")
            .join(name);
        let bytes = std::fs::read(path).expect("tests/data/servers is in the repository");
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let f = Filter::compile(filter).expect("compiles");
        let whole: Vec<u32> = filter_packets(&f, &c, &mut src)
            .iter()
            .map(|i| i + 1)
            .collect();
        let mut ev = Evaluator::new(&c);
        let stepwise: Vec<u32> = (0..c.packets.len())
            .filter(|&i| ev.matches(&f, i, &mut src))
            .map(|i| i as u32 + 1)
            .collect();
        assert_eq!(stepwise, whole, "{filter}");
        whole
    }

    /// tshark 4.0 -d tcp.port==23307,mysql [-o tls.keylog_file:mysql-tls.keylog] -Y …
    #[test]
    fn mysql_switched_to_tls_is_mysql_then_tls_as_tshark_shows() {
        let range = |a: u32, b: u32| (a..=b).collect::<Vec<_>>();
        // Every segment after the SSL requests (frames 6 and 46) carries TLS records.
        let tls: Vec<u32> = [range(8, 8), range(10, 14), range(16, 29), vec![31, 32]]
            .concat()
            .into_iter()
            .chain(range(34, 37))
            .chain([48, 50, 51, 52, 53, 54])
            .collect();
        for keys in [false, true] {
            assert_eq!(frames("mysql-tls.pcap", keys, "tls"), tls, "keys {keys}");
        }
        // Without the key log only the greetings and SSL requests are MySQL.
        assert_eq!(frames("mysql-tls.pcap", false, "mysql"), [4, 6, 44, 46]);
        assert_eq!(
            frames("mysql-tls.pcap", false, "mysql.login_request"),
            [6, 46]
        );
        assert_eq!(
            frames("mysql-tls.pcap", false, "mysql.user == \"\""),
            [6, 46]
        );
        assert_eq!(
            frames("mysql-tls.pcap", false, "tls.handshake.type"),
            [8, 10, 48, 50, 51, 52]
        );
        // With it, the frames whose records complete MySQL packets too, and the
        // handshake messages of the encrypted records.
        let mysql: Vec<u32> = [vec![4, 6, 12], range(16, 29), vec![31, 32], range(34, 37)]
            .concat()
            .into_iter()
            .chain([44, 46, 53, 54])
            .collect();
        assert_eq!(frames("mysql-tls.pcap", true, "mysql"), mysql);
        assert_eq!(
            frames("mysql-tls.pcap", true, "mysql.user"),
            [6, 12, 46, 53]
        );
        assert_eq!(
            frames("mysql-tls.pcap", true, "mysql.login_request"),
            [6, 12, 46, 53]
        );
        assert_eq!(
            frames("mysql-tls.pcap", true, "tls.handshake.type"),
            [8, 10, 11, 13, 14, 48, 50, 51, 52]
        );
        assert_eq!(
            frames("mysql-tls.pcap", true, "tls.handshake.type == 20"),
            [10, 11, 51, 52]
        );
        assert!(frames("mysql-tls.pcap", false, "tls.handshake.type == 20").is_empty());
        assert_eq!(
            frames("mysql-tls.pcap", true, "count(tls.handshake.type) == 6"),
            [10]
        );
    }

    #[test]
    fn changed_records_do_not_panic() {
        use crate::capture::packet::PacketRow;
        use crate::query::fields::PacketSource;
        struct Changed<'a>(&'a [u8], u64);
        impl PacketSource for Changed<'_> {
            fn read(&mut self, i: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
                let start = row.offset as usize;
                let Some(b) = self.0.get(start..start + row.caplen as usize) else {
                    return false;
                };
                buf.clear();
                buf.extend_from_slice(b);
                let x = (self.1.wrapping_mul(2654435761) ^ i as u64) as usize;
                if buf.len() > 66 && x.is_multiple_of(2) {
                    let at = 66 + x % (buf.len() - 66);
                    buf[at] ^= 0xa5;
                }
                true
            }
        }
        let c = testkit::capture_with_keys("tls-kv.pcap");
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers/tls-kv.pcap");
        let bytes = std::fs::read(path).expect("tests/data/servers is in the repository");
        for seed in 0..4 {
            let wanted = [
                Fid::MemcacheKey,
                Fid::RespBulkStringValue,
                Fid::MemcacheValue,
            ];
            let mut col = Collector::new(&c, wanted.into_iter().collect::<HashSet<_>>());
            col.run(&c, &mut Changed(&bytes, seed));
        }
    }

    #[test]
    fn without_secrets_nothing_is_read_inside_tls() {
        let c = testkit::capture("tls-kv.pcap", &[]);
        let col = collect(&c, "tls-kv.pcap", &[Fid::MemcacheCommand, Fid::Resp]);
        assert!(
            (0..c.packets.len()).all(|i| col.values(i, Fid::MemcacheCommand).len() == 0
                && col.values(i, Fid::Resp).len() == 0)
        );
        assert!(col.keys.is_none());
    }
}
