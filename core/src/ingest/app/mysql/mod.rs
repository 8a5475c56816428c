//! MySQL / MariaDB client-server protocol (MySQL's "Client/Server Protocol" reference,
//! MariaDB's "Clients & Connectors / Client/Server Protocol"), as transactions.
//!
//! - Packets: a 3-byte length and a sequence id; a payload of 0xFFFFFF bytes continues
//!   in the next packet (§ "MySQL Packets").
//! - Connection phase: the server's greeting (version, connection id, capabilities), the
//!   client's handshake response (user, schema) or SSL request, and the authentication
//!   exchange up to the server's OK or ERR. This becomes one transaction, `login`.
//! - After an SSL request the conversation is TLS: its records go to a TLS parser, which
//!   (with the session's secrets) hands the plaintext to a MySQL parser that continues
//!   the login (the handshake response sent again, sequence id 2) and the commands.
//! - Command phase: each command (sequence id 0) and its response: OK (affected rows,
//!   last insert id), ERR (code, SQL state, message), a result set (columns, rows, ended
//!   by EOF or, with CLIENT_DEPRECATE_EOF, by an OK with header 0xFE), prepared
//!   statements (COM_STMT_PREPARE's id and counts; COM_STMT_EXECUTE linked to its SQL;
//!   COM_STMT_CLOSE, which has no reply).
//! - The compressed protocol (CLIENT_COMPRESS on both sides, or compressed framing seen
//!   on a conversation joined mid-way) is detected and reported, not decompressed:
//!   commands sent in uncompressed frames are still read; others are `compressed`.
//!
//! Memory is bounded: of each packet only the first [`MAX_QUERY`] bytes (client) or
//! [`MAX_SERVER_PREFIX`] bytes (server) are kept, the rest counted; rows are counted,
//! never kept; at most [`MAX_STATEMENTS`] prepared statements are remembered.

mod command;
mod compressed;
mod framing;
mod login;
#[cfg(test)]
mod test;

pub use command::command_name;

use super::tls::SharedKeys;
use super::{lossy, report, StreamParser};
use crate::capture::app::mysql::Mysql;
use crate::capture::app::tls::TlsSwitch;
use crate::capture::app::{AppProto, At, Detail, Span, Transaction};
use command::plausible_command;
use compressed::CompFramer;
use framing::{Framer, Packet, Probe};
use std::collections::{HashMap, VecDeque};

/// Bytes of a client packet kept (the SQL text of a query is cut there).
pub const MAX_QUERY: usize = 64 * 1024;
/// Bytes of a server packet kept (enough for an ERR's message and a greeting).
pub const MAX_SERVER_PREFIX: usize = 2048;
/// Prepared statements remembered per conversation.
pub const MAX_STATEMENTS: usize = 4096;
/// Commands waiting for their responses.
pub const MAX_PENDING: usize = 1024;
/// Response codes kept per transaction (see [`Mysql::response_codes`]).
pub const MAX_RESPONSE_CODES: usize = 256;

/// Capability flags (MySQL `CLIENT_*`).
mod caps {
    pub const CONNECT_WITH_DB: u32 = 0x0000_0008;
    pub const COMPRESS: u32 = 0x0000_0020;
    pub const PROTOCOL_41: u32 = 0x0000_0200;
    pub const SSL: u32 = 0x0000_0800;
    pub const SECURE_CONNECTION: u32 = 0x0000_8000;
    pub const PLUGIN_AUTH: u32 = 0x0008_0000;
    pub const PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 0x0020_0000;
    pub const DEPRECATE_EOF: u32 = 0x0100_0000;
    pub const QUERY_ATTRIBUTES: u32 = 0x0800_0000;
}

/// Server status flags (`SERVER_*`).
mod status {
    pub const MORE_RESULTS_EXISTS: u16 = 0x0008;
    pub const CURSOR_EXISTS: u16 = 0x0040;
}

/// Where the connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Nothing seen yet (or a conversation joined mid-way): wait for a greeting or a
    /// command.
    Start,
    /// The server greeted; the client's handshake response comes next.
    Greeted,
    /// Authentication, up to the server's OK or ERR.
    Auth,
    /// Commands and responses.
    Command,
    /// Switched to TLS: the bytes go to the TLS parser.
    Tls,
}

/// Where a response stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resp {
    /// Its first packet.
    First,
    /// Column definitions still to come.
    Columns(u64),
    /// The columns are read: an EOF may follow (without CLIENT_DEPRECATE_EOF), then rows.
    AfterColumns,
    /// Rows, up to an EOF, OK or ERR.
    Rows,
    /// Prepared: parameter definitions, then column definitions, each list perhaps
    /// followed by an EOF.
    PrepareParams(u64, u64),
    PrepareParamsEof(u64),
    PrepareColumns(u64),
    PrepareColumnsEof,
    /// Up to an OK or ERR (LOCAL INFILE, change_user's authentication).
    UntilOk,
    /// COM_FIELD_LIST: column definitions up to an EOF.
    FieldList,
}

/// A command waiting for (or reading) its response.
struct Pending {
    detail: Mysql,
    request: Span,
    resp: Resp,
    response: Option<Span>,
    /// The response's sequence ids follow the request's.
    next_seq: u8,
}

/// The MySQL parser of one conversation. The dispatcher's constructor: [`Parser::new`].
pub struct Parser {
    client: Framer,
    server: Framer,
    comp_client: Option<CompFramer>,
    comp_server: Option<CompFramer>,
    phase: Phase,
    /// Server capabilities, then those both sides agreed on.
    server_caps: Option<u32>,
    caps: Option<u32>,
    /// CLIENT_DEPRECATE_EOF, when the handshake said (or the responses showed).
    deprecate_eof: Option<bool>,
    compressed: bool,
    /// The compressed protocol starts after the server's OK to the login.
    compress_after_login: bool,
    login: Option<Pending>,
    greeting: Mysql,
    pending: VecDeque<Pending>,
    statements: HashMap<u32, String>,
    /// Compressed mode: the command in progress (its response is read frame by frame).
    comp_current: Option<Pending>,
    client_probe: Probe,
    server_probe: Probe,
    /// After the SSL request: TLS, read by this parser.
    tls: Option<Box<super::tls::StartTls>>,
    keys: SharedKeys,
    server_port: u16,
    /// Inside TLS: the handshake response comes again, after the SSL request.
    after_ssl: bool,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser for a new conversation, with no TLS secrets.
    pub fn new() -> Self {
        Self::with_keys(SharedKeys::default(), 3306)
    }

    /// A parser whose conversation may switch to TLS (decrypted with `keys`).
    pub fn with_keys(keys: SharedKeys, server_port: u16) -> Self {
        Parser {
            client: Framer::new(MAX_QUERY),
            server: Framer::new(MAX_SERVER_PREFIX),
            comp_client: None,
            comp_server: None,
            phase: Phase::Start,
            server_caps: None,
            caps: None,
            deprecate_eof: None,
            compressed: false,
            compress_after_login: false,
            login: None,
            greeting: Mysql::default(),
            pending: VecDeque::new(),
            statements: HashMap::new(),
            comp_current: None,
            client_probe: Probe::default(),
            server_probe: Probe::default(),
            tls: None,
            keys,
            server_port,
            after_ssl: false,
        }
    }

    /// After the SSL request (completed by `packet`): the TLS parser, whose plaintext goes
    /// to a parser that continues this login (the greeting read here, the handshake
    /// response again).
    fn start_tls(&mut self, packet: u64) {
        let mut inner = Parser::new();
        inner.phase = Phase::Greeted;
        inner.greeting = self.greeting.clone();
        inner.greeting.tls = true;
        inner.server_caps = self.server_caps;
        inner.after_ssl = true;
        // The plaintext starts at a packet's start on both sides.
        inner.client.hunting = false;
        inner.server.hunting = false;
        self.tls = Some(Box::new(super::tls::StartTls::new(
            self.keys.clone(),
            self.server_port,
            AppProto::Mysql,
            Box::new(inner),
            packet,
        )));
    }

    /// Bytes held for the packets in progress, the commands waiting for responses, and
    /// the prepared statements remembered: all bounded ([`MAX_QUERY`],
    /// [`MAX_SERVER_PREFIX`], [`MAX_PENDING`], [`MAX_STATEMENTS`]).
    pub fn buffered(&self) -> (usize, usize, usize) {
        let held = self.client.kept.len()
            + self.server.kept.len()
            + self.client_probe.bytes.len()
            + self.server_probe.bytes.len();
        (held, self.pending.len(), self.statements.len())
    }

    // ---- client packets ------------------------------------------------------------

    fn client_packet(&mut self, p: Packet, out: &mut Vec<Transaction>) {
        match self.phase {
            Phase::Tls => {}
            Phase::Greeted if p.seq == 1 + u8::from(self.after_ssl) => {
                self.handshake_response(&p, out)
            }
            Phase::Start | Phase::Command if p.seq == 0 => {
                if self.phase == Phase::Start && !plausible_command(&p.data, p.len) {
                    return;
                }
                self.phase = Phase::Command;
                self.command(&p, out);
            }
            // Authentication data, LOCAL INFILE contents, change_user's answers.
            _ => {}
        }
    }

    // ---- server packets ------------------------------------------------------------

    fn server_packet(&mut self, p: Packet, out: &mut Vec<Transaction>) {
        match self.phase {
            Phase::Tls => {}
            Phase::Start | Phase::Greeted if p.seq == 0 && p.data.first() == Some(&10) => {
                self.greeting(&p)
            }
            // An ERR instead of a greeting: the server refuses the connection.
            Phase::Start | Phase::Greeted if p.seq == 0 && p.data.first() == Some(&0xff) => {
                self.refused(&p, out)
            }
            Phase::Auth => self.auth_packet(&p, out),
            Phase::Command => self.response_packet(&p, out),
            _ => {}
        }
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.data(from_client, bytes, at, out);
            return;
        }
        if from_client {
            self.feed_client(bytes, at, out);
        } else {
            self.feed_server(bytes, at, out);
        }
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.gap(from_client, len, at, out);
            return;
        }
        if len == 0 || self.phase == Phase::Tls {
            return;
        }
        let comp = if from_client {
            self.comp_client.as_mut()
        } else {
            self.comp_server.as_mut()
        };
        if let Some(comp) = comp {
            let in_step = comp.gap(len);
            if let Some(mut cur) = self.comp_current.take() {
                cur.detail.incomplete = true;
                if in_step {
                    self.comp_current = Some(cur);
                } else {
                    emit(cur, out);
                }
            }
            return;
        }
        let framer = if from_client {
            &mut self.client
        } else {
            &mut self.server
        };
        let started = !framer.idle();
        match framer.gap(len, at) {
            Ok(packet) => {
                if let Some(p) = packet {
                    if from_client {
                        self.client_packet(p, out);
                    } else {
                        self.server_packet(p, out);
                    }
                }
            }
            Err(()) => {
                if from_client {
                    return;
                }
                // The response in progress (or a whole one) is lost.
                if started || !self.pending.is_empty() {
                    if let Some(mut head) = self.pending.pop_front() {
                        head.detail.incomplete = true;
                        emit(head, out);
                    }
                }
                if let Some(mut login) = self.login.take() {
                    login.detail.incomplete = true;
                    self.phase = Phase::Command;
                    emit(login, out);
                }
            }
        }
    }

    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.side_end(from_client, at, out);
        }
    }

    fn inner(&self) -> Option<AppProto> {
        self.tls.as_ref().map(|_| AppProto::Mysql)
    }

    fn tls_switch(&self) -> Option<TlsSwitch> {
        self.tls.as_ref()?.tls_switch()
    }

    fn take_pdus(&mut self, out: &mut Vec<crate::capture::app::pdu::Pdu>) {
        if let Some(tls) = &mut self.tls {
            tls.take_pdus(out);
        }
    }

    fn end(&mut self, at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.end(at, out);
        }
        if let Some(mut login) = self.login.take() {
            login.detail.incomplete = true;
            emit(login, out);
        }
        if let Some(cur) = self.comp_current.take() {
            emit(cur, out);
        }
        while let Some(mut p) = self.pending.pop_front() {
            // A prepare waiting only for an optional EOF is complete.
            if !matches!(p.resp, Resp::PrepareColumnsEof | Resp::PrepareParamsEof(0)) {
                p.detail.incomplete = true;
            }
            emit(p, out);
        }
    }
}

/// A cursor over a packet's bytes; reads past the end give None.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(b)
    }

    fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A length-encoded integer (§ "Protocol::LengthEncodedInteger").
    fn lenenc(&mut self) -> Option<u64> {
        match self.u8()? {
            n @ 0..=0xfa => Some(n as u64),
            0xfc => self.u16().map(u64::from),
            0xfd => self
                .bytes(3)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], 0]) as u64),
            0xfe => self
                .bytes(8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))),
            _ => None,
        }
    }

    /// A NUL-terminated string (or the rest, when the NUL is missing).
    fn nul_str(&mut self) -> Option<String> {
        let rest = self.data.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        self.pos += end + 1;
        Some(lossy(&rest[..end]))
    }
}

fn extend(span: &mut Option<Span>, more: Span) {
    match span {
        Some(s) => {
            s.last = more.last;
            s.bytes += more.bytes;
        }
        None => *span = Some(more),
    }
}

fn emit(p: Pending, out: &mut Vec<Transaction>) {
    report(
        out,
        Some(p.request),
        p.response,
        Detail::Mysql(Box::new(p.detail)),
    );
}
