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
use std::rc::Rc;

/// A dissector of the plaintext of one TLS conversation.
pub struct OverTls {
    conn: Conn,
    keys: Rc<KeyLog>,
    inner: Box<dyn PduFields>,
}

impl OverTls {
    /// `inner` dissects the plaintext of a conversation whose secrets `keys` has.
    pub fn new(keys: Rc<KeyLog>, inner: Box<dyn PduFields>) -> Self {
        OverTls {
            conn: Conn::new(),
            keys,
            inner,
        }
    }
}

impl PduFields for OverTls {
    fn data(&mut self, to_server: bool, bytes: &[u8], packet: u64, out: &mut PduOut<'_>) {
        let OverTls { conn, keys, inner } = self;
        conn.data(to_server, bytes, keys, packet, &mut |ev| {
            if let Event::AppData { from_client, data } = ev {
                inner.data(from_client, data, packet, out);
            }
        });
    }

    fn gap(&mut self, to_server: bool, len: u64) {
        // The record stream cannot be followed past a gap (the side stops); the
        // dissector inside drops what it was gathering.
        self.conn.gap(to_server, &mut |_| {});
        self.inner.gap(to_server, len);
    }

    fn end(&mut self, to_server: bool) {
        // The record it was gathering is of no more use.
        self.conn.stop(to_server);
        self.inner.end(to_server);
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
    use crate::query::fields::{AppValue, Fid, MemorySource};
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
            .iter()
            .filter_map(|v| match v {
                AppValue::Text(s) => Some(s.clone()),
                AppValue::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
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
            let p = t.request.expect("a request").last.packet as usize;
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
            (0..c.packets.len()).all(|i| col.values(i, Fid::MemcacheCommand).is_empty()
                && col.values(i, Fid::Resp).is_empty())
        );
        assert!(col.keys.is_none());
    }
}
