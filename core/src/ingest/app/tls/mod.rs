//! TLS: the handshake's names and, with the session's secrets, what the records carry.
//!
//! Every connection gets a transaction for its handshake: the ClientHello's server name
//! (SNI, RFC 6066 §3), ALPN (RFC 7301) and versions (RFC 8446 §4.2.1), and the server's
//! choice (ServerHello; in TLS 1.3 the ALPN of its EncryptedExtensions, once decrypted).
//!
//! With secrets from a key log ([`keylog`]: given with the capture or carried in it), the
//! records are decrypted ([`conn`]) and their application data goes to the parser of
//! the protocol inside, chosen by the ALPN the server chose, else by the first bytes, else
//! by the port (443 is HTTP, as in Wireshark): HTTP/1.x, HTTP/2, memcached, Redis, MySQL
//! and the others get their transactions from decrypted bytes, dated by the packets that
//! completed the records. Without secrets nothing past the hellos is read.

pub mod conn;
pub mod crypto;
pub mod keylog;

use super::sniff::{sniff, Sniff};
use super::{lossy, report, StreamParser};
use crate::capture::app::tls::{Tls, TlsSwitch};
use crate::capture::app::{AppProto, At, Detail, Span, Transaction};
use crate::capture::flow::L4;
use conn::{Conn, Event, Stop};
use keylog::KeyLog;
use std::cell::RefCell;
use std::rc::Rc;

pub use conn::{HRR_RANDOM, MAX_HANDSHAKE, MAX_RECORD};

/// The key log an ingest's TLS parsers share: secrets carried in the capture are added
/// as they are read (and apply from there on).
pub type SharedKeys = Rc<RefCell<KeyLog>>;

/// Plaintext held per side while the protocol inside is undecided.
const MAX_SNIFF: usize = 2048;

/// GREASE values (RFC 8701 §2) are not real choices.
fn grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

/// The protocol an ALPN protocol id names (RFC 7301 §6, IANA's registry).
pub fn proto_of_alpn(alpn: &str) -> Option<AppProto> {
    match alpn {
        "h2" => Some(AppProto::Http2),
        "http/1.1" | "http/1.0" | "http/0.9" => Some(AppProto::Http),
        "postgresql" => Some(AppProto::Pgsql),
        _ => None,
    }
}

/// The protocol the decrypted bytes of a TLS connection on this server port are when
/// nothing else tells (Wireshark's `tls.port` table).
pub fn proto_of_tls_port(port: u16) -> Option<AppProto> {
    match port {
        443 | 8443 => Some(AppProto::Http),
        _ => None,
    }
}

/// The protocol inside, and its parser.
enum Inner {
    /// No application data yet, or too little to tell: (from client, bytes, at).
    Undecided {
        held: Vec<(bool, Vec<u8>, At)>,
        bytes: usize,
    },
    Parsing {
        parser: Box<dyn StreamParser>,
    },
    /// Nothing we parse.
    Off,
}

/// What the parser keeps beside the connection.
struct State {
    keys: SharedKeys,
    /// The server's port (for the protocol inside when nothing else tells).
    server_port: u16,
    tls: Tls,
    client_hello: Option<Span>,
    server_hello: Option<Span>,
    /// Where each side's hello begins: its first packet, and the bytes before it.
    first: [Option<At>; 2],
    base: [u64; 2],
    /// Bytes fed per side.
    fed: [u64; 2],
    reported: bool,
    /// TLS 1.3 with secrets: the report waits for the server's EncryptedExtensions (its
    /// ALPN).
    wait_extensions: bool,
    inner: Inner,
    /// The protocol inside, once decided (kept after the parser ends).
    inner_proto: Option<AppProto>,
    /// The side that stopped without a hello.
    stopped: [bool; 2],
}

/// The TLS parser of one connection.
pub struct Parser {
    conn: Conn,
    st: State,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser with no secrets (only the handshake is read).
    pub fn new() -> Self {
        Self::with_keys(SharedKeys::default(), 0)
    }

    /// A parser that decrypts with the secrets of `keys`; `server_port` names the
    /// protocol inside when neither ALPN nor the bytes do.
    pub fn with_keys(keys: SharedKeys, server_port: u16) -> Self {
        Parser {
            conn: Conn::new(),
            st: State {
                keys,
                server_port,
                tls: Tls::default(),
                client_hello: None,
                server_hello: None,
                first: [None; 2],
                base: [0; 2],
                fed: [0; 2],
                reported: false,
                wait_extensions: false,
                inner: Inner::Undecided {
                    held: Vec::new(),
                    bytes: 0,
                },
                inner_proto: None,
                stopped: [false; 2],
            },
        }
    }

    /// A parser whose plaintext goes to `parser`, a protocol known beforehand: a
    /// connection its own protocol upgraded (MySQL's SSL request) continues inside.
    pub fn with_inner(
        keys: SharedKeys,
        server_port: u16,
        proto: AppProto,
        parser: Box<dyn StreamParser>,
    ) -> Self {
        let mut p = Self::with_keys(keys, server_port);
        p.st.inner = Inner::Parsing { parser };
        p.st.inner_proto = Some(proto);
        p
    }

    /// Bytes held: the records being gathered, handshake bytes and plaintext held while
    /// the protocol inside is undecided (at most 2 × ([`MAX_RECORD`] + [`MAX_HANDSHAKE`])
    /// + 2 × [`MAX_SNIFF`]; the inner parser keeps its own bounds).
    pub fn buffered(&self) -> usize {
        let held = match &self.st.inner {
            Inner::Undecided { bytes, .. } => *bytes,
            _ => 0,
        };
        self.conn.buffered() + held
    }

    /// The protocol found inside, once decided.
    pub fn inner_proto(&self) -> Option<AppProto> {
        self.st.inner_proto
    }
}

impl State {
    fn report(&mut self, out: &mut Vec<Transaction>) {
        if self.reported || (self.client_hello.is_none() && self.server_hello.is_none()) {
            return;
        }
        self.reported = true;
        self.wait_extensions = false;
        report(
            out,
            self.client_hello,
            self.server_hello,
            Detail::Tls(Box::new(self.tls.clone())),
        );
    }

    /// Reports the handshake once both hellos are in (or the client's side stopped
    /// without one), unless it waits for the server's extensions.
    fn settle(&mut self, out: &mut Vec<Transaction>) {
        if self.server_hello.is_some()
            && (self.client_hello.is_some() || self.stopped[0])
            && !self.wait_extensions
        {
            self.report(out);
        }
    }

    fn event(&mut self, ev: Event<'_>, at: At, out: &mut Vec<Transaction>) {
        match ev {
            Event::Handshake {
                from_client: true,
                kind: 1,
                body,
                decrypted: false,
                consumed,
            } => {
                if self.reported && self.tls.hello_retry {
                    // The ClientHello after a HelloRetryRequest: a new transaction.
                    self.tls = Tls::default();
                    self.client_hello = None;
                    self.server_hello = None;
                    self.reported = false;
                }
                if self.client_hello.is_some() {
                    return;
                }
                let _ = client_hello(body, &mut self.tls);
                self.client_hello = Some(Span {
                    first: self.first[0].unwrap_or(at),
                    last: at,
                    bytes: consumed - self.base[0],
                });
                self.settle(out);
            }
            Event::Handshake {
                from_client: false,
                kind: 2,
                body,
                decrypted: false,
                consumed,
            } => {
                if self.server_hello.is_some() {
                    return;
                }
                let _ = server_hello(body, &mut self.tls);
                self.server_hello = Some(Span {
                    first: self.first[1].unwrap_or(at),
                    last: at,
                    bytes: consumed - self.base[1],
                });
                if self.tls.hello_retry {
                    self.report(out);
                    if self.reported {
                        // The second ClientHello and the real ServerHello follow; what
                        // comes of each side from here belongs to them.
                        self.first = [None; 2];
                        self.base = [self.fed[0], consumed];
                    }
                    return;
                }
                let tls13 = self.tls.tls13();
                self.wait_extensions = tls13 && !self.keys.borrow().is_empty();
                self.settle(out);
            }
            Event::Handshake {
                from_client: false,
                kind: 8,
                body,
                decrypted: true,
                ..
            } => {
                let _ = encrypted_extensions(body, &mut self.tls);
                if self.wait_extensions {
                    self.wait_extensions = false;
                    self.settle(out);
                }
            }
            Event::AppData { from_client, data } => self.app_data(from_client, data, at, out),
            Event::Stopped { from_client, why } => {
                let hello = if from_client {
                    self.client_hello.is_some()
                } else {
                    self.server_hello.is_some()
                };
                if !hello {
                    self.stopped[usize::from(!from_client)] = true;
                }
                if !from_client && self.wait_extensions {
                    self.wait_extensions = false;
                }
                if why == Stop::Gap {
                    if let Inner::Parsing { parser, .. } = &mut self.inner {
                        parser.gap(from_client, 0, at, out);
                    }
                }
                self.settle(out);
            }
            _ => {}
        }
    }

    /// Decrypted application data: to the parser of the protocol inside, chosen first.
    fn app_data(&mut self, from_client: bool, data: &[u8], at: At, out: &mut Vec<Transaction>) {
        // The handshake is over (its extensions were in the records before).
        if self.wait_extensions {
            self.wait_extensions = false;
            self.settle(out);
        }
        if let Inner::Undecided { held, bytes } = &mut self.inner {
            held.push((from_client, data.to_vec(), at));
            *bytes += data.len();
            let proto = self.decide();
            let Inner::Undecided { held, .. } = std::mem::replace(&mut self.inner, Inner::Off)
            else {
                return;
            };
            match proto {
                Some(Some(proto)) => self.start_inner(proto, held, out),
                Some(None) => {}
                None => self.inner = Inner::Undecided { held, bytes: 0 },
            }
            if let Inner::Undecided { held, bytes } = &mut self.inner {
                *bytes = held.iter().map(|h| h.1.len()).sum();
            }
            return;
        }
        if let Inner::Parsing { parser, .. } = &mut self.inner {
            parser.data(from_client, data, at, out);
        }
    }

    /// Starts the parser of the protocol inside and gives it the bytes held so far.
    fn start_inner(
        &mut self,
        proto: AppProto,
        held: Vec<(bool, Vec<u8>, At)>,
        out: &mut Vec<Transaction>,
    ) {
        let mut parser = super::choose::make_parser(
            proto,
            &super::choose::ParserCtx {
                keys: &SharedKeys::default(),
                server_port: self.server_port,
            },
        );
        for (c, b, a) in held {
            parser.data(c, &b, a, out);
        }
        self.inner = Inner::Parsing { parser };
        self.inner_proto = Some(proto);
    }

    /// The protocol inside: Some(Some(p)), Some(None) for none we parse, None to wait.
    fn decide(&self) -> Option<Option<AppProto>> {
        let Inner::Undecided { held, bytes } = &self.inner else {
            return Some(None);
        };
        if let Some(p) = self.tls.server_alpn.as_deref().and_then(proto_of_alpn) {
            return Some(Some(p));
        }
        let mut waiting = false;
        for side in [true, false] {
            let b: Vec<u8> = held
                .iter()
                .filter(|h| h.0 == side)
                .flat_map(|h| h.1.iter().copied())
                .collect();
            match sniff(L4::Tcp, &b) {
                Sniff::Match { proto, .. } => return Some(Some(proto)),
                Sniff::NeedMore if !b.is_empty() => waiting = true,
                _ => {}
            }
        }
        if waiting && *bytes < MAX_SNIFF {
            return None;
        }
        Some(proto_of_tls_port(self.server_port))
    }

    /// The connection ended: what waits is decided, the inner parser ends.
    fn end(&mut self, at: At, out: &mut Vec<Transaction>) {
        if let Inner::Undecided { held, .. } = &self.inner {
            if !held.is_empty() {
                let proto = self
                    .tls
                    .server_alpn
                    .as_deref()
                    .and_then(proto_of_alpn)
                    .or_else(|| {
                        held.iter().find_map(|h| match sniff(L4::Tcp, &h.1) {
                            Sniff::Match { proto, .. } => Some(proto),
                            _ => None,
                        })
                    })
                    .or_else(|| proto_of_tls_port(self.server_port));
                if let (Some(proto), Inner::Undecided { held, .. }) =
                    (proto, std::mem::replace(&mut self.inner, Inner::Off))
                {
                    self.start_inner(proto, held, out);
                }
            }
        }
        if let Inner::Parsing { parser, .. } = &mut self.inner {
            parser.end(at, out);
        }
        self.inner = Inner::Off;
        self.wait_extensions = false;
        self.report(out);
    }
}

/// A conversation of another protocol switched to TLS (MySQL's SSL request, PostgreSQL's
/// SSLRequest answered `S`): its records, whose plaintext goes to the protocol's parser,
/// and where it switched ([`TlsSwitch`]).
pub struct StartTls {
    tls: Parser,
    switch: TlsSwitch,
}

impl StartTls {
    /// Records from after packet `packet`, their plaintext read by `inner` (of `proto`).
    pub fn new(
        keys: SharedKeys,
        server_port: u16,
        proto: AppProto,
        inner: Box<dyn StreamParser>,
        packet: u64,
    ) -> Self {
        StartTls {
            tls: Parser::with_inner(keys, server_port, proto, inner),
            switch: TlsSwitch {
                conv: 0,
                packet: u32::try_from(packet).unwrap_or(u32::MAX),
                shared: false,
            },
        }
    }
}

impl StreamParser for StartTls {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        // TLS bytes in the packet that ended the clear text.
        self.switch.shared |= !bytes.is_empty() && at.packet == u64::from(self.switch.packet);
        self.tls.data(from_client, bytes, at, out);
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        self.tls.gap(from_client, len, at, out);
    }

    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        self.tls.side_end(from_client, at, out);
    }

    fn side_cut(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        self.tls.side_cut(from_client, at, out);
    }

    fn end(&mut self, at: At, out: &mut Vec<Transaction>) {
        self.tls.end(at, out);
    }

    fn tls_switch(&self) -> Option<TlsSwitch> {
        Some(self.switch)
    }

    fn take_pdus(&mut self, out: &mut Vec<crate::capture::app::pdu::Pdu>) {
        self.tls.take_pdus(out);
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        let Parser { conn, st } = self;
        let s = usize::from(!from_client);
        let keys = st.keys.clone();
        {
            let keys = keys.borrow();
            conn.data(from_client, bytes, &keys, at.packet, &mut |ev| {
                st.event(ev, at, out)
            });
        }
        st.fed[s] += bytes.len() as u64;
        if st.first[s].is_none() && st.fed[s] > st.base[s] {
            st.first[s] = Some(at);
        }
        // Without any secrets nothing past the hellos is read (as before decryption).
        if st.reported && !st.tls.hello_retry && keys.borrow().is_empty() {
            conn.stop(true);
            conn.stop(false);
        }
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        let Parser { conn, st } = self;
        conn.gap(from_client, &mut |ev| st.event(ev, at, out));
        if let Inner::Parsing { parser, .. } = &mut st.inner {
            parser.gap(from_client, len, at, out);
        }
    }

    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        if let Inner::Parsing { parser, .. } = &mut self.st.inner {
            parser.side_end(from_client, at, out);
        }
    }

    fn side_cut(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        if let Inner::Parsing { parser, .. } = &mut self.st.inner {
            parser.side_cut(from_client, at, out);
        }
    }

    fn end(&mut self, at: At, out: &mut Vec<Transaction>) {
        self.st.end(at, out);
    }

    fn inner(&self) -> Option<AppProto> {
        self.inner_proto()
    }

    fn take_pdus(&mut self, out: &mut Vec<crate::capture::app::pdu::Pdu>) {
        if let Inner::Parsing { parser, .. } = &mut self.st.inner {
            parser.take_pdus(out);
        }
    }
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

/// Parses a ClientHello body into `tls` (also QUIC's, from its CRYPTO frames).
pub fn client_hello(body: &[u8], tls: &mut Tls) -> Option<()> {
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

/// Parses a ServerHello body into `tls`.
pub fn server_hello(body: &[u8], tls: &mut Tls) -> Option<()> {
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

/// Parses the server's EncryptedExtensions (TLS 1.3, RFC 8446 §4.3.1): its ALPN.
fn encrypted_extensions(body: &[u8], tls: &mut Tls) -> Option<()> {
    let mut r = Reader { b: body, at: 0 };
    let mut ext = Reader {
        b: r.vec16()?,
        at: 0,
    };
    while let (Some(kind), Some(data)) = (ext.u16(), ext.vec16()) {
        if kind == 16 {
            let mut e = Reader { b: data, at: 0 };
            let mut list = Reader {
                b: e.vec16()?,
                at: 0,
            };
            tls.server_alpn = list.vec8().map(lossy);
        }
    }
    Some(())
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
            (t[0].request.unwrap().last(), t[0].response.unwrap().last()),
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
            (t[1].request.unwrap().last(), t[1].response.unwrap().last()),
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

#[cfg(test)]
mod decrypted {
    //! Real captures decrypted with their key logs (tests/scripts/make-modern-captures.sh).
    use crate::capture::app::http::Http;
    use crate::capture::app::{AppProto, Detail};
    use crate::capture::Capture;
    use crate::ingest::app::testkit;

    fn http(c: &Capture) -> Vec<(String, String, Option<u16>, u64)> {
        c.transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Http(h) => Some((
                    h.method().to_owned(),
                    h.uri().to_owned(),
                    h.status(),
                    t.response.map_or(0, |s| s.last() + 1),
                )),
                _ => None,
            })
            .collect()
    }

    fn https(c: &Capture) -> Vec<&Http> {
        c.transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Http(h) => Some(&**h),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn http_over_tls_12_and_13_with_every_aead() {
        let c = testkit::capture_with_keys("tls.pcap");
        let h = http(&c);
        // tshark -o tls.keylog_file:tls.keylog -Y http: 16 requests, each answered.
        assert_eq!(h.len(), 16, "{h:?}");
        assert_eq!(h[0], ("GET".into(), "/".into(), Some(200), 12));
        assert_eq!(h[1], ("GET".into(), "/missing".into(), Some(404), 14));
        assert_eq!(h[2], ("GET".into(), "/big.bin".into(), Some(200), 17));
        assert_eq!(h[15], ("POST".into(), "/form".into(), Some(404), 137));
        let bodies: Vec<u64> = https(&c)
            .iter()
            .filter(|h| h.uri() == "/big.bin")
            .map(|h| h.response_body())
            .collect();
        assert_eq!(bodies, [20000; 6]);
        let tls = c
            .transactions
            .iter()
            .filter(|t| matches!(t.detail, Detail::Tls(_)))
            .count();
        assert_eq!(tls, 7);
        assert!(c.app_inner.iter().flatten().all(|&p| p == AppProto::Http));
        assert_eq!(c.app_inner.iter().flatten().count(), 7);
    }

    #[test]
    fn without_keys_nothing_changes_and_a_dsb_is_a_key_log() {
        let c = testkit::capture("tls.pcap", &[]);
        assert!(http(&c).is_empty());
        assert_eq!(c.transactions.len(), 7);
        let dsb = testkit::capture("tls-dsb.pcapng", &[]);
        assert_eq!(dsb.secrets.len(), 1);
        assert_eq!(http(&dsb), http(&testkit::capture_with_keys("tls.pcap")));
    }

    #[test]
    fn tls13_server_alpn_comes_from_encrypted_extensions() {
        let c = testkit::capture_with_keys("http2.pcap");
        let alpn: Vec<Option<&str>> = c
            .transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Tls(t) => Some(t.server_alpn.as_deref()),
                _ => None,
            })
            .collect();
        assert_eq!(alpn, [Some("h2"); 3]);
    }

    #[test]
    fn http2_over_tls_and_in_the_clear() {
        let c = testkit::capture_with_keys("http2.pcap");
        let h = https(&c);
        let streams: Vec<(u32, &str, &str, Option<u16>)> = h
            .iter()
            .map(|h| {
                (
                    h.http2().unwrap().stream_id,
                    h.method(),
                    h.uri(),
                    h.status(),
                )
            })
            .collect();
        assert_eq!(
            streams,
            [
                (1, "GET", "/", Some(200)),
                (3, "GET", "/missing", Some(404)),
                (5, "GET", "/big.bin", Some(200)),
                (1, "GET", "/?a", Some(200)),
                (3, "GET", "/?b", Some(200)),
                (5, "GET", "/?c", Some(200)),
                (7, "GET", "/big.bin?d", Some(200)),
                (1, "POST", "/", Some(405)),
                (3, "POST", "/index.html", Some(405)),
                (1, "GET", "/", Some(200)),
                (1, "GET", "/missing", Some(404)),
            ]
        );
        assert!(h.iter().all(|h| !h.incomplete() && h.version() == "HTTP/2"));
        assert_eq!(h[2].response_body(), 20000);
        assert_eq!(h[0].host(), Some("www.wirelens.test:28443"));
        assert_eq!(h[9].host(), Some("127.0.0.1:28082"));
    }

    #[test]
    fn grpc_over_h2c() {
        let c = testkit::capture("grpc.pcap", &[]);
        let calls: Vec<(String, Option<u32>, u64, u64)> = https(&c)
            .iter()
            .map(|h| {
                let g = h.grpc().unwrap();
                (
                    format!("{}/{}", g.service, g.method),
                    g.status,
                    g.request_messages,
                    g.response_messages,
                )
            })
            .collect();
        let s = |m: &str| format!("wirelens.Shop/{m}");
        assert_eq!(
            calls,
            [
                (s("GetItem"), Some(0), 1, 1),
                (s("GetItem"), Some(0), 1, 1),
                (s("GetItem"), Some(5), 1, 0),
                (s("Slow"), Some(0), 1, 1),
                (s("ListItems"), Some(0), 1, 3),
                (s("NoSuchMethod"), Some(12), 1, 0),
            ]
        );
        let slow = c
            .transactions
            .iter()
            .find(|t| matches!(&t.detail, Detail::Http(h) if h.uri().ends_with("/Slow")))
            .unwrap();
        assert!(slow.latency_ns(&c.packets).unwrap() >= 200_000_000);
    }

    #[test]
    fn memcached_and_redis_over_tls() {
        let c = testkit::capture_with_keys("tls-kv.pcap");
        let mc: Vec<&str> = c
            .transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Memcache(m) => Some(m.command()),
                _ => None,
            })
            .collect();
        assert_eq!(
            mc,
            ["set", "get", "get", "get", "get", "set", "get", "delete"]
        );
        let redis: Vec<&str> = c
            .transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Redis(r) => Some(r.command.as_str()),
                _ => None,
            })
            .collect();
        // redis-py 8 says HELLO and CLIENT SETINFO first; its incr is INCRBY.
        assert_eq!(
            redis,
            [
                "HELLO",
                "CLIENT",
                "CLIENT",
                "CLIENT",
                "SET",
                "GET",
                "GET",
                "INCRBY",
                "INCRBY",
                "INCRBY",
                "INCRBY",
                "INCRBY",
                "NOSUCHCOMMAND"
            ]
        );
        assert_eq!(
            c.app_inner.iter().flatten().copied().collect::<Vec<_>>(),
            [AppProto::Memcache, AppProto::Redis]
        );
    }

    #[test]
    fn quic_initial_packets_name_the_server() {
        let c = testkit::capture("quic.pcap", &[]);
        let names: Vec<(Option<&str>, &[String])> = c
            .transactions
            .iter()
            .filter_map(|t| match &t.detail {
                Detail::Tls(t) => Some((t.sni.as_deref(), t.alpn.as_slice())),
                _ => None,
            })
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names
            .iter()
            .all(|(sni, alpn)| *sni == Some("quic.wirelens.test") && alpn == &["h3"]));
        assert_eq!(
            c.app_protos.iter().flatten().collect::<Vec<_>>(),
            [&AppProto::Quic; 2]
        );
    }
}
