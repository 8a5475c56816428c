//! TLS handshakes (RFC 8446 §4.1, RFC 5246 §7.4): the ClientHello's server name (SNI,
//! RFC 6066 §3), ALPN (RFC 7301) and versions (RFC 8446 §4.2.1), and the ServerHello's
//! choice, so that an encrypted conversation gets a name.
//!
//! Handshake messages may span records and records may span segments; only handshake
//! records are collected, up to [`MAX_HANDSHAKE`] bytes per side, until both hellos are
//! read. Nothing after them is looked at.

use super::{lossy, report, StreamParser};
use crate::capture::app::tls::Tls;
use crate::capture::app::{At, Detail, Span, Transaction};

/// Handshake bytes held per side before giving up.
pub const MAX_HANDSHAKE: usize = 64 << 10;

/// GREASE values (RFC 8701 §2) are not real choices.
fn grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

#[derive(Default)]
struct Side {
    /// Bytes of the record being read (header included) until it is whole.
    record: Vec<u8>,
    /// Handshake-layer bytes (record payloads of type 22) not yet parsed.
    handshake: Vec<u8>,
    first: Option<At>,
    bytes: u64,
    /// Done with this side: its hello was read, or it is not TLS, or it was cut.
    done: bool,
    /// The hello was read.
    hello: Option<Span>,
}

/// The TLS parser of one connection.
#[derive(Default)]
pub struct Parser {
    client: Side,
    server: Side,
    tls: Tls,
    reported: bool,
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        let s = self.take(2)?;
        Some(u16::from_be_bytes([s[0], s[1]]))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()? as usize;
        self.take(n)
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()? as usize;
        self.take(n)
    }
}

/// Parses a ClientHello body into `tls`.
fn client_hello(body: &[u8], tls: &mut Tls) -> Option<()> {
    let mut r = Reader { b: body, at: 0 };
    let legacy = r.u16()?;
    tls.client_version = Some(legacy);
    r.take(32)?; // random
    r.vec8()?; // session id
    r.vec16()?; // cipher suites
    r.vec8()?; // compression methods
    let mut ext = Reader {
        b: r.vec16()?,
        at: 0,
    };
    while let (Some(kind), Some(data)) = (ext.u16(), ext.vec16()) {
        let mut e = Reader { b: data, at: 0 };
        match kind {
            0 => {
                // server_name: a list of (type, name); type 0 is host_name.
                let mut list = Reader {
                    b: e.vec16()?,
                    at: 0,
                };
                while let (Some(t), Some(name)) = (list.u8(), list.vec16()) {
                    if t == 0 && tls.sni.is_none() {
                        tls.sni = Some(lossy(name));
                    }
                }
            }
            16 => {
                let mut list = Reader {
                    b: e.vec16()?,
                    at: 0,
                };
                while let Some(p) = list.vec8() {
                    tls.alpn.push(lossy(p));
                }
            }
            43 => {
                let mut list = Reader {
                    b: e.vec8()?,
                    at: 0,
                };
                let mut best = None;
                while let Some(v) = list.u16() {
                    if !grease(v) {
                        best = best.max(Some(v));
                    }
                }
                if best.is_some() {
                    tls.client_version = best;
                }
            }
            _ => {}
        }
    }
    Some(())
}

/// The `random` of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Parses a ServerHello body into `tls`.
fn server_hello(body: &[u8], tls: &mut Tls) -> Option<()> {
    let mut r = Reader { b: body, at: 0 };
    tls.server_version = Some(r.u16()?);
    tls.hello_retry = r.take(32)? == HRR_RANDOM;
    r.vec8()?;
    tls.cipher_suite = Some(r.u16()?);
    r.u8()?;
    let Some(exts) = r.vec16() else {
        return Some(());
    };
    let mut ext = Reader { b: exts, at: 0 };
    while let (Some(kind), Some(data)) = (ext.u16(), ext.vec16()) {
        let mut e = Reader { b: data, at: 0 };
        match kind {
            16 => {
                let mut list = Reader {
                    b: e.vec16()?,
                    at: 0,
                };
                tls.server_alpn = list.vec8().map(lossy);
            }
            43 => tls.server_version = Some(e.u16()?),
            _ => {}
        }
    }
    Some(())
}

impl Parser {
    /// A parser at the start of a connection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held: the record being read and unparsed handshake bytes, both sides
    /// (at most 2 × (5 + 18432 + [`MAX_HANDSHAKE`])).
    pub fn buffered(&self) -> usize {
        self.client.record.len()
            + self.client.handshake.len()
            + self.server.record.len()
            + self.server.handshake.len()
    }

    fn report(&mut self, out: &mut Vec<Transaction>) {
        if self.reported || (self.client.hello.is_none() && self.server.hello.is_none()) {
            return;
        }
        self.reported = true;
        report(
            out,
            self.client.hello,
            self.server.hello,
            Detail::Tls(std::mem::take(&mut self.tls)),
        );
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, mut bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        // A HelloRetryRequest re-opens both sides: the rest of these bytes is read again.
        while self.read(from_client, &mut bytes, at, out) && !bytes.is_empty() {}
    }

    fn gap(&mut self, from_client: bool, _len: u64, _at: At, out: &mut Vec<Transaction>) {
        let side = if from_client {
            &mut self.client
        } else {
            &mut self.server
        };
        side.done = true;
        side.record = Vec::new();
        side.handshake = Vec::new();
        self.settle(out);
    }

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
        self.report(out);
    }
}

impl Parser {
    /// Reads records of one side until its hello (or until it is not TLS); returns true
    /// when a HelloRetryRequest re-opened the handshake, so the rest must be read again.
    fn read(
        &mut self,
        from_client: bool,
        bytes: &mut &[u8],
        at: At,
        out: &mut Vec<Transaction>,
    ) -> bool {
        let Parser {
            client,
            server,
            tls,
            ..
        } = self;
        let side = if from_client { client } else { server };
        while !bytes.is_empty() && !side.done {
            side.first.get_or_insert(at);
            // Collect one record: 5-byte header (type, version, length), then its payload.
            let need = if side.record.len() < 5 {
                5 - side.record.len()
            } else {
                5 + u16::from_be_bytes([side.record[3], side.record[4]]) as usize
                    - side.record.len()
            };
            let take = need.min(bytes.len());
            side.record.extend_from_slice(&bytes[..take]);
            side.bytes += take as u64;
            *bytes = &bytes[take..];
            if side.record.len() == 5 {
                // A record header must say TLS (RFC 8446 §5.1): else this is not TLS.
                let r = &side.record;
                if !(20..=24).contains(&r[0])
                    || r[1] != 3
                    || u16::from_be_bytes([r[3], r[4]]) > 18432
                {
                    side.done = true;
                    break;
                }
            }
            if side.record.len() < 5
                || side.record.len()
                    < 5 + u16::from_be_bytes([side.record[3], side.record[4]]) as usize
            {
                continue;
            }
            let record = std::mem::take(&mut side.record);
            if record[0] == 20 {
                // ChangeCipherSpec of TLS 1.3's middlebox compatibility mode (RFC 8446
                // Appendix D.4), around a HelloRetryRequest: skip it.
                side.record = record;
                side.record.clear();
                continue;
            }
            if record[0] != 22 {
                // ChangeCipherSpec, alert or application data before the hello: no hello.
                side.done = true;
                break;
            }
            if side.handshake.len() + record.len() - 5 > MAX_HANDSHAKE {
                side.done = true;
                break;
            }
            side.handshake.extend_from_slice(&record[5..]);
            side.record = record;
            side.record.clear();
            // A whole handshake message: type, 24-bit length, body.
            while side.handshake.len() >= 4 {
                let len = u32::from_be_bytes([
                    0,
                    side.handshake[1],
                    side.handshake[2],
                    side.handshake[3],
                ]) as usize;
                if side.handshake.len() < 4 + len {
                    break;
                }
                let kind = side.handshake[0];
                let body = &side.handshake[4..4 + len];
                let wanted = if from_client { 1 } else { 2 };
                if kind == wanted {
                    let _ = if from_client {
                        client_hello(body, tls)
                    } else {
                        server_hello(body, tls)
                    };
                    side.hello = Some(Span {
                        first: side.first.unwrap_or(at),
                        last: at,
                        bytes: side.bytes,
                    });
                    side.done = true;
                    side.handshake = Vec::new();
                    break;
                }
                // HelloRequest or anything else before the hello: skip it.
                side.handshake.drain(..4 + len);
            }
        }
        self.settle(out)
    }

    /// Reports the handshake once both hellos are in (or the client's side stopped);
    /// returns true when a HelloRetryRequest re-opened it.
    fn settle(&mut self, out: &mut Vec<Transaction>) -> bool {
        if (self.client.done || self.client.hello.is_some()) && self.server.hello.is_some() {
            let retry = self.tls.hello_retry;
            self.report(out);
            if retry {
                // A second ClientHello and the real ServerHello follow: read them as a new
                // transaction.
                // A side that stopped without a hello (not TLS, or cut) stays stopped; the
                // others start again at a record boundary.
                self.reported = false;
                for side in [&mut self.client, &mut self.server] {
                    if side.hello.take().is_some() {
                        side.done = false;
                    }
                    side.first = None;
                    side.bytes = 0;
                    side.record.clear();
                    side.handshake.clear();
                }
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod test {
    use super::super::testkit;
    use super::*;

    fn hex(s: &[&str]) -> Vec<u8> {
        let s: String = s.concat();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Real bytes: PcapPlusPlus examples/tls.pcap, frames 9 and 11 (a TLS 1.2 ClientHello
    /// to ssl.gstatic.com offering spdy/3.1, spdy/3, http/1.1, and the ServerHello).
    fn client_hello() -> Vec<u8> {
        hex(&[
            "16030100c2010000be030348b18265511817ffd356a62898b432c7cc673ed9358e469125b66c45a7ac0846000020c02b",
            "c02fc00ac009c013c014c007c011003300320039002f0035000a000500040100007500000014001200000f73736c2e67",
            "7374617469632e636f6dff01000100000a00080006001700180019000b0002010000230000337400000010001b001908",
            "737064792f332e3106737064792f3308687474702f312e31000500050100000000000d00120010040105010201040305",
            "03020304020202",
        ])
    }

    fn server_hello() -> Vec<u8> {
        hex(&[
            "16030300500200004c030354a7e93f5f4d7a7b6f4fc30f055ec43dc8239e7000a0a0be34b95278c88c546700c02b0000",
            "2400000000ff01000100000b000403000102002300000010000b000908737064792f332e31",
        ])
    }

    fn make() -> Box<dyn StreamParser> {
        Box::new(Parser::new())
    }

    /// Runs a conversation given as (from_client, bytes) pieces, one packet each, after
    /// checking that every split of every piece gives the same transactions.
    fn run(pieces: &[(bool, &[u8])]) -> Vec<Transaction> {
        testkit::run(&make, pieces)
    }

    fn tls(t: &Transaction) -> &Tls {
        match &t.detail {
            Detail::Tls(t) => t,
            d => panic!("{d:?}"),
        }
    }

    fn expected() -> Tls {
        Tls {
            sni: Some("ssl.gstatic.com".into()),
            alpn: vec!["spdy/3.1".into(), "spdy/3".into(), "http/1.1".into()],
            client_version: Some(0x0303),
            server_version: Some(0x0303),
            server_alpn: Some("spdy/3.1".into()),
            cipher_suite: Some(0xc02b),
            hello_retry: false,
        }
    }

    #[test]
    fn a_real_client_hello_and_server_hello() {
        let (ch, sh) = (client_hello(), server_hello());
        let t = run(&[
            (true, &ch),
            (false, &sh),
            (false, b"\x16\x03\x03\x00\x04more"),
        ]);
        assert_eq!(t.len(), 1);
        assert_eq!(*tls(&t[0]), expected());
        assert_eq!(
            (
                t[0].request.unwrap().last.packet,
                t[0].response.unwrap().last.packet
            ),
            (0, 1)
        );
        assert_eq!(tls(&t[0]).version().as_deref(), Some("TLS 1.2"));
    }

    #[test]
    fn every_split_point_gives_the_same_names() {
        // One byte at a time, and every two-piece cut of each side (the test kit's).
        let (ch, sh) = (client_hello(), server_hello());
        assert_eq!(*tls(&run(&[(true, &ch), (false, &sh)])[0]), expected());
    }

    #[test]
    fn a_hello_split_over_two_records() {
        let ch = client_hello();
        let msg = &ch[5..];
        let mut two = Vec::new();
        for part in [&msg[..50], &msg[50..]] {
            two.extend_from_slice(&[0x16, 0x03, 0x01]);
            two.extend_from_slice(&(part.len() as u16).to_be_bytes());
            two.extend_from_slice(part);
        }
        let t = run(&[(true, &two), (false, &server_hello())]);
        assert_eq!(*tls(&t[0]), expected());
    }

    #[test]
    fn a_hello_retry_request_starts_a_second_transaction() {
        let (ch, sh) = (client_hello(), server_hello());
        let mut hrr = sh.clone();
        hrr[11..43].copy_from_slice(&HRR_RANDOM);
        let ccs = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01];
        let t = run(&[
            (true, &ch),
            (false, &[&hrr[..], &ccs].concat()),
            (true, &[&ccs[..], &ch].concat()),
            (false, &sh),
        ]);
        assert_eq!(t.len(), 2);
        assert!(tls(&t[0]).hello_retry && !tls(&t[1]).hello_retry);
        assert_eq!(
            (
                t[1].request.unwrap().last.packet,
                t[1].response.unwrap().last.packet
            ),
            (2, 3)
        );
        assert_eq!(tls(&t[1]).sni.as_deref(), Some("ssl.gstatic.com"));
    }

    #[test]
    fn not_tls_and_cut_hellos_give_nothing_or_what_was_read() {
        assert!(run(&[
            (true, b"SSH-2.0-OpenSSH_9.6\r\n"),
            (false, b"SSH-2.0-x\r\n")
        ])
        .is_empty());
        let ch = client_hello();
        for cut in 0..ch.len() {
            assert!(run(&[(true, &ch[..cut])]).is_empty(), "cut {cut}");
        }
        // A hello without its answer is still reported at the end.
        let t = run(&[(true, &ch)]);
        assert_eq!(
            (tls(&t[0]).sni.as_deref(), t[0].response),
            (Some("ssl.gstatic.com"), None)
        );
    }

    #[test]
    fn grease_values() {
        assert!(grease(0x0a0a) && grease(0xfafa) && !grease(0x0304) && !grease(0x0a1a));
    }
}
