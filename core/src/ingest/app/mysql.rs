//! MySQL / MariaDB client-server protocol (MySQL's "Client/Server Protocol" reference,
//! MariaDB's "Clients & Connectors / Client/Server Protocol"), as transactions.
//!
//! - Packets: a 3-byte length and a sequence id; a payload of 0xFFFFFF bytes continues
//!   in the next packet (§ "MySQL Packets").
//! - Connection phase: the server's greeting (version, connection id, capabilities), the
//!   client's handshake response (user, schema) or SSL request — after which the
//!   conversation is TLS and parsing stops — and the authentication exchange up to the
//!   server's OK or ERR. This becomes one transaction, `login`.
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

use super::StreamParser;
use crate::capture::app::mysql::Mysql;
use crate::capture::app::{At, Detail, Span, Transaction};
use serde::Serialize;
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

impl Mysql {
    /// Notes the response code of a server packet, if it has one.
    fn note_code(&mut self, packet: u64, data: &[u8], len: u64) {
        let code = match data.first() {
            Some(&c @ (0x00 | 0xff)) => c,
            Some(&0xfe) if len < 9 => 0xfe,
            _ => return,
        };
        if self.response_codes.len() < MAX_RESPONSE_CODES {
            self.response_codes.push((packet, code));
        }
    }
}

/// A command's name by its byte (`COM_*`).
pub fn command_name(code: u8) -> &'static str {
    match code {
        0x00 => "sleep",
        0x01 => "quit",
        0x02 => "init_db",
        0x03 => "query",
        0x04 => "field_list",
        0x05 => "create_db",
        0x06 => "drop_db",
        0x07 => "refresh",
        0x08 => "shutdown",
        0x09 => "statistics",
        0x0a => "process_info",
        0x0b => "connect",
        0x0c => "process_kill",
        0x0d => "debug",
        0x0e => "ping",
        0x0f => "time",
        0x10 => "delayed_insert",
        0x11 => "change_user",
        0x12 => "binlog_dump",
        0x13 => "table_dump",
        0x14 => "connect_out",
        0x15 => "register_slave",
        0x16 => "stmt_prepare",
        0x17 => "stmt_execute",
        0x18 => "stmt_send_long_data",
        0x19 => "stmt_close",
        0x1a => "stmt_reset",
        0x1b => "set_option",
        0x1c => "stmt_fetch",
        0x1d => "daemon",
        0x1e => "binlog_dump_gtid",
        0x1f => "reset_connection",
        0xfa => "stmt_bulk_execute",
        _ => "unknown",
    }
}

/// One logical packet (continuations joined): its sequence id, the bytes kept, its
/// length, and where it was.
struct Packet {
    seq: u8,
    /// The sequence id of its last physical packet (continuations count).
    last_seq: u8,
    data: Vec<u8>,
    len: u64,
    span: Span,
    lost: bool,
}

/// Reads packets of one direction: a 4-byte header, then the payload, of which the
/// first `cap` bytes are kept.
struct Framer {
    cap: usize,
    head: [u8; 4],
    head_len: usize,
    /// Payload bytes of the current physical packet still to come.
    remaining: u32,
    in_packet: bool,
    /// The current physical packet is 0xFFFFFF long: the logical packet continues.
    more: bool,
    seq: u8,
    last_seq: u8,
    kept: Vec<u8>,
    len: u64,
    first: Option<At>,
    bytes: u64,
    lost: bool,
    /// At the start, and after a gap: wait for a chunk that starts with a plausible
    /// packet.
    hunting: bool,
}

impl Framer {
    fn new(cap: usize) -> Self {
        Framer {
            cap,
            head: [0; 4],
            head_len: 0,
            remaining: 0,
            in_packet: false,
            more: false,
            seq: 0,
            last_seq: 0,
            kept: Vec::new(),
            len: 0,
            first: None,
            bytes: 0,
            lost: false,
            hunting: true,
        }
    }

    /// Between packets.
    fn idle(&self) -> bool {
        !self.in_packet && self.head_len == 0 && !self.more
    }

    fn reset(&mut self) {
        self.head_len = 0;
        self.remaining = 0;
        self.in_packet = false;
        self.more = false;
        self.kept.clear();
        self.len = 0;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
    }

    /// Reads from `input` up to the end of the next logical packet: the bytes consumed
    /// and the packet, if one completed.
    fn next(&mut self, input: &[u8], at: At) -> (usize, Option<Packet>) {
        let mut used = 0;
        while used < input.len() {
            if self.first.is_none() {
                self.first = Some(at);
            }
            if !self.in_packet {
                let n = (4 - self.head_len).min(input.len() - used);
                self.head[self.head_len..self.head_len + n].copy_from_slice(&input[used..used + n]);
                self.head_len += n;
                self.bytes += n as u64;
                used += n;
                if self.head_len < 4 {
                    break;
                }
                self.head_len = 0;
                let len = u32::from_le_bytes([self.head[0], self.head[1], self.head[2], 0]);
                if !self.more {
                    self.seq = self.head[3];
                }
                self.last_seq = self.head[3];
                self.remaining = len;
                self.more = len == 0xff_ffff;
                self.in_packet = true;
            }
            let n = (self.remaining as usize).min(input.len() - used);
            let room = self.cap.saturating_sub(self.kept.len()).min(n);
            self.kept.extend_from_slice(&input[used..used + room]);
            self.remaining -= n as u32;
            self.len += n as u64;
            self.bytes += n as u64;
            used += n;
            if self.remaining == 0 {
                self.in_packet = false;
                if !self.more {
                    return (used, Some(self.take(at)));
                }
            }
        }
        (used, None)
    }

    fn take(&mut self, at: At) -> Packet {
        let span = Span {
            first: self.first.unwrap_or(at),
            last: at,
            bytes: self.bytes,
        };
        let p = Packet {
            seq: self.seq,
            last_seq: self.last_seq,
            data: std::mem::take(&mut self.kept),
            len: self.len,
            span,
            lost: self.lost,
        };
        self.len = 0;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
        p
    }

    /// Bytes that were not captured. Ok when the framing is still known (the gap fell
    /// inside a payload of known length), with the packet it completed; Err when lost.
    fn gap(&mut self, len: u64, at: At) -> Result<Option<Packet>, ()> {
        if self.in_packet && self.remaining as u64 >= len {
            self.remaining -= len as u32;
            self.len += len;
            self.bytes += len;
            self.lost = true;
            if self.remaining == 0 {
                self.in_packet = false;
                if !self.more {
                    return Ok(Some(self.take(at)));
                }
            }
            return Ok(None);
        }
        self.reset();
        self.hunting = true;
        Err(())
    }
}

/// Reads compressed frames of one direction (§ "Compression"): a 7-byte header
/// (compressed length, sequence id, uncompressed length, 0 when the payload is not
/// compressed), then the payload.
struct CompFramer {
    head: [u8; 7],
    head_len: usize,
    remaining: u32,
    /// The payload is stored as-is (uncompressed length 0): it carries plain packets.
    plain: bool,
    seq: u8,
    first: Option<At>,
    bytes: u64,
}

/// A compressed frame, as far as it concerns transactions.
enum Frame<'a> {
    /// A frame begins: its sequence id and whether it is compressed.
    Start { seq: u8, compressed: bool, at: At },
    /// Payload bytes of an uncompressed frame (plain packets).
    Plain(&'a [u8], At),
    /// A frame ended.
    End { span: Span },
}

impl CompFramer {
    fn new() -> Self {
        CompFramer {
            head: [0; 7],
            head_len: 0,
            remaining: 0,
            plain: false,
            seq: 0,
            first: None,
            bytes: 0,
        }
    }

    fn feed(&mut self, mut input: &[u8], at: At, on: &mut dyn FnMut(Frame<'_>)) {
        while !input.is_empty() {
            if self.first.is_none() {
                self.first = Some(at);
            }
            if self.head_len < 7 {
                let n = (7 - self.head_len).min(input.len());
                self.head[self.head_len..self.head_len + n].copy_from_slice(&input[..n]);
                self.head_len += n;
                self.bytes += n as u64;
                input = &input[n..];
                if self.head_len < 7 {
                    return;
                }
                let h = self.head;
                self.remaining = u32::from_le_bytes([h[0], h[1], h[2], 0]);
                self.seq = h[3];
                self.plain = u32::from_le_bytes([h[4], h[5], h[6], 0]) == 0;
                on(Frame::Start {
                    seq: self.seq,
                    compressed: !self.plain,
                    at: self.first.unwrap_or(at),
                });
            }
            let n = (self.remaining as usize).min(input.len());
            if self.plain && n > 0 {
                on(Frame::Plain(&input[..n], at));
            }
            self.remaining -= n as u32;
            self.bytes += n as u64;
            input = &input[n..];
            if self.remaining == 0 {
                self.head_len = 0;
                on(Frame::End {
                    span: Span {
                        first: self.first.unwrap_or(at),
                        last: at,
                        bytes: self.bytes,
                    },
                });
                self.first = None;
                self.bytes = 0;
            }
        }
    }

    fn gap(&mut self, len: u64) -> bool {
        if self.head_len == 7 && self.remaining as u64 >= len {
            self.remaining -= len as u32;
            self.bytes += len;
            return true;
        }
        *self = CompFramer::new();
        false
    }
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
    /// Switched to TLS: nothing more to read.
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
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser for a new conversation.
    pub fn new() -> Self {
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
        }
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
            Phase::Greeted if p.seq == 1 => self.handshake_response(&p, out),
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

    fn handshake_response(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let d = &p.data[..];
        let mut login = Mysql {
            command: "login".into(),
            ..self.greeting.clone()
        };
        login.incomplete |= p.lost;
        let client_caps = if d.len() >= 4 {
            u32::from_le_bytes([d[0], d[1], d[2], d[3]])
        } else {
            0
        };
        if client_caps & caps::PROTOCOL_41 != 0 {
            if client_caps & caps::SSL != 0 && p.len == 32 {
                // SSL request: what follows is a TLS handshake (§ "Protocol::SSLRequest").
                login.tls = true;
                login.response = Some("tls".into());
                self.phase = Phase::Tls;
                out.push(Transaction {
                    conv: 0,
                    request: Some(p.span),
                    response: None,
                    detail: Detail::Mysql(login),
                });
                return;
            }
            let mut r = Reader::new(d.get(32..).unwrap_or(&[]));
            login.user = r.nul_str();
            let auth_len = if client_caps & caps::PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
                r.lenenc()
            } else if client_caps & caps::SECURE_CONNECTION != 0 {
                r.u8().map(u64::from)
            } else {
                r.nul_str();
                Some(0)
            };
            r.skip(auth_len.unwrap_or(0) as usize);
            if client_caps & caps::CONNECT_WITH_DB != 0 {
                login.schema = r.nul_str().filter(|s| !s.is_empty());
            }
            if client_caps & caps::PLUGIN_AUTH != 0 {
                login.auth_plugin = r.nul_str().filter(|s| !s.is_empty()).or(login.auth_plugin);
            }
        } else {
            // HandshakeResponse320: 2-byte capabilities, 3-byte max packet, user, auth.
            let mut r = Reader::new(d.get(5..).unwrap_or(&[]));
            login.user = r.nul_str();
        }
        let server_caps = self.server_caps.unwrap_or(u32::MAX);
        let agreed = client_caps & server_caps;
        self.caps = Some(agreed);
        self.deprecate_eof = Some(agreed & caps::DEPRECATE_EOF != 0);
        if agreed & caps::COMPRESS != 0 {
            self.compress_after_login = true;
            login.compressed = true;
        }
        self.phase = Phase::Auth;
        self.login = Some(Pending {
            detail: login,
            request: p.span,
            resp: Resp::UntilOk,
            response: None,
            next_seq: p.last_seq.wrapping_add(1),
        });
    }

    /// What a command packet says, and whether a response will come.
    fn parse_command(&mut self, p: &Packet) -> Option<(Mysql, bool)> {
        let &code = p.data.first()?;
        let mut d = Mysql {
            command: command_name(code).into(),
            command_code: Some(code),
            compressed: self.compressed,
            incomplete: p.lost,
            ..Mysql::default()
        };
        let body = &p.data[1..];
        let truncated = p.len > p.data.len() as u64;
        let mut no_reply = false;
        match code {
            0x03 => {
                let sql = self.query_text(body);
                d.query = Some(lossy(sql));
                d.query_truncated = truncated;
            }
            0x16 => {
                d.query = Some(lossy(body));
                d.query_truncated = truncated;
            }
            0x17 | 0x18 | 0x19 | 0x1a | 0x1c | 0xfa => {
                if let Some(b) = body.get(..4) {
                    let id = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    d.stmt_id = Some(id);
                    d.query = if code == 0x19 {
                        self.statements.remove(&id)
                    } else {
                        self.statements.get(&id).cloned()
                    };
                }
                // COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA have no response.
                no_reply = code == 0x19 || code == 0x18;
            }
            0x02 => d.schema = Some(lossy(body)),
            0x11 => d.user = Reader::new(body).nul_str(),
            // COM_QUIT: the server closes the connection.
            0x01 => no_reply = true,
            _ => {}
        }
        Some((d, no_reply))
    }

    fn command(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let Some((d, no_reply)) = self.parse_command(p) else {
            return;
        };
        // A command sent while an earlier response might still end with an optional EOF
        // ends that response.
        self.settle_optional(out);
        if no_reply {
            out.push(Transaction {
                conv: 0,
                request: Some(p.span),
                response: None,
                detail: Detail::Mysql(d),
            });
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            if let Some(mut old) = self.pending.pop_front() {
                old.detail.incomplete = true;
                emit(old, out);
            }
        }
        let resp = match d.command_code {
            Some(0x1c) => Resp::Rows,
            Some(0x04) => Resp::FieldList,
            _ => Resp::First,
        };
        self.pending.push_back(Pending {
            detail: d,
            request: p.span,
            resp,
            response: None,
            next_seq: p.last_seq.wrapping_add(1),
        });
    }

    /// The SQL of a COM_QUERY, after its query attributes (CLIENT_QUERY_ATTRIBUTES,
    /// MySQL 8.0.23+): a parameter count, a parameter-set count, then the parameters.
    fn query_text<'a>(&self, body: &'a [u8]) -> &'a [u8] {
        let attributes = match self.caps {
            Some(c) => c & caps::QUERY_ATTRIBUTES != 0,
            // Joined mid-way: SQL does not start with a control byte.
            None => body.first().is_some_and(|&b| b < 0x09),
        };
        if !attributes {
            return body;
        }
        let mut r = Reader::new(body);
        let Some(count) = r.lenenc() else { return body };
        let Some(_sets) = r.lenenc() else { return body };
        if count > 0 && skip_parameters(&mut r, count).is_none() {
            return body;
        }
        &body[r.pos.min(body.len())..]
    }

    // ---- server packets ------------------------------------------------------------

    fn server_packet(&mut self, p: Packet, out: &mut Vec<Transaction>) {
        match self.phase {
            Phase::Tls => {}
            Phase::Start | Phase::Greeted if p.seq == 0 && p.data.first() == Some(&10) => {
                self.greeting(&p)
            }
            // An ERR instead of a greeting: the server refuses the connection (e.g. 1130,
            // host not allowed; 1040, too many connections).
            Phase::Start | Phase::Greeted if p.seq == 0 && p.data.first() == Some(&0xff) => {
                let mut login = Mysql {
                    command: "login".into(),
                    ..self.greeting.clone()
                };
                err_packet(&mut login, &p.data);
                login.note_code(p.span.last.packet, &p.data, p.len);
                self.phase = Phase::Command;
                out.push(Transaction {
                    conv: 0,
                    request: None,
                    response: Some(p.span),
                    detail: Detail::Mysql(login),
                });
            }
            Phase::Auth => self.auth_packet(&p, out),
            Phase::Command => self.response_packet(&p, out),
            _ => {}
        }
    }

    /// The server's greeting (Protocol::HandshakeV10).
    fn greeting(&mut self, p: &Packet) {
        let mut r = Reader::new(p.data.get(1..).unwrap_or(&[]));
        let mut g = Mysql {
            command: "login".into(),
            ..Mysql::default()
        };
        g.server_version = r.nul_str();
        g.connection_id = r.u32();
        r.skip(9);
        let lower = r.u16().unwrap_or(0) as u32;
        let _charset = r.u8();
        let _status = r.u16();
        let upper = r.u16().unwrap_or(0) as u32;
        let caps_all = lower | upper << 16;
        let auth_len = r.u8().unwrap_or(0) as usize;
        r.skip(10);
        if caps_all & caps::SECURE_CONNECTION != 0 {
            r.skip(auth_len.saturating_sub(8).max(13));
        }
        if caps_all & caps::PLUGIN_AUTH != 0 {
            g.auth_plugin = r.nul_str().filter(|s| !s.is_empty());
        }
        self.server_caps = Some(caps_all);
        self.greeting = g;
        self.phase = Phase::Greeted;
    }

    fn auth_packet(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let Some(login) = self.login.as_mut() else {
            return;
        };
        extend(&mut login.response, p.span);
        login.detail.incomplete |= p.lost;
        if matches!(p.data.first(), Some(0x00 | 0xff)) {
            login.detail.note_code(p.span.last.packet, &p.data, p.len);
        }
        match p.data.first() {
            Some(0x00) => {
                let mut login = self.login.take().expect("checked");
                login.detail.response = Some("ok".into());
                self.phase = Phase::Command;
                if self.compress_after_login {
                    self.start_compression();
                }
                emit(login, out);
            }
            Some(0xff) => {
                let mut login = self.login.take().expect("checked");
                err_packet(&mut login.detail, &p.data);
                self.phase = Phase::Command;
                emit(login, out);
            }
            // Auth switch (0xFE) and more data (0x01): the exchange goes on.
            _ => {}
        }
    }

    fn start_compression(&mut self) {
        self.compressed = true;
        self.comp_client = Some(CompFramer::new());
        self.comp_server = Some(CompFramer::new());
        self.client.reset();
        self.server.reset();
    }

    /// A response packet: it belongs to the first waiting command.
    fn response_packet(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let deprecate = self.deprecate_eof;
        let Some(head) = self.pending.front_mut() else {
            return;
        };
        let d = &p.data[..];
        let first = d.first().copied().unwrap_or(0);
        // A terminator: EOF (0xFE, under 9 bytes) or OK with header 0xFE.
        let eof = first == 0xfe && p.len < 0xff_ffff;
        let mut done = false;
        let mut learned: Option<bool> = None;
        // An optional EOF that did not come: the packet is the next response's.
        match head.resp {
            Resp::PrepareParamsEof(_) | Resp::PrepareColumnsEof
                if !(first == 0xfe && p.len < 9) =>
            {
                learned = Some(true);
                if let Resp::PrepareParamsEof(cols) = head.resp {
                    if cols > 0 {
                        head.resp = Resp::PrepareColumns(cols);
                    } else {
                        head.resp = Resp::PrepareColumnsEof;
                    }
                }
                if head.resp == Resp::PrepareColumnsEof {
                    let head = self.pending.pop_front().expect("front exists");
                    emit(head, out);
                    self.deprecate_eof = Some(true);
                    return self.response_packet(p, out);
                }
            }
            _ => {}
        }
        let head = self.pending.front_mut().expect("front exists");
        extend(&mut head.response, p.span);
        head.detail.incomplete |= p.lost;
        head.detail.note_code(p.span.last.packet, d, p.len);
        head.next_seq = p.last_seq.wrapping_add(1);
        match head.resp {
            Resp::First => match first {
                0x00 if head.detail.command_code == Some(0x16) && p.len >= 12 && d.len() >= 12 => {
                    // COM_STMT_PREPARE_OK: id, columns, parameters, then their definitions.
                    let id = u32::from_le_bytes([d[1], d[2], d[3], d[4]]);
                    let cols = u16::from_le_bytes([d[5], d[6]]) as u64;
                    let params = u16::from_le_bytes([d[7], d[8]]) as u64;
                    head.detail.stmt_id = Some(id);
                    head.detail.columns = Some(cols);
                    head.detail.params = Some(params as u16);
                    head.detail.warnings = Some(u16::from_le_bytes([d[10], d[11]]));
                    head.detail.response = Some("prepared".into());
                    if let Some(sql) = head.detail.query.clone() {
                        if self.statements.len() < MAX_STATEMENTS
                            || self.statements.contains_key(&id)
                        {
                            self.statements.insert(id, sql);
                        }
                    }
                    head.resp = if params > 0 {
                        Resp::PrepareParams(params, cols)
                    } else if cols > 0 {
                        Resp::PrepareColumns(cols)
                    } else {
                        done = true;
                        Resp::First
                    };
                }
                0x00 => {
                    let more = ok_packet(&mut head.detail, d, false);
                    done = !more;
                }
                0xff => {
                    err_packet(&mut head.detail, d);
                    done = true;
                }
                0xfb if head.detail.command_code == Some(0x03) => {
                    // LOCAL INFILE: the client sends the file, then the server's OK/ERR.
                    head.detail.response = Some("local_infile".into());
                    head.resp = Resp::UntilOk;
                }
                0xfe if head.detail.command_code == Some(0x11) => {
                    // change_user: authentication switch, then OK/ERR.
                    head.resp = Resp::UntilOk;
                }
                0xfe => {
                    let more = ok_packet(&mut head.detail, d, p.len < 9);
                    done = !more;
                }
                _ if head.detail.command_code == Some(0x09) => {
                    // COM_STATISTICS answers with a line of text.
                    head.detail.response = Some("text".into());
                    done = true;
                }
                _ => {
                    // A result set: the column count, then the column definitions.
                    let mut r = Reader::new(d);
                    let cols = r.lenenc().unwrap_or(0);
                    head.detail.response = Some("result_set".into());
                    if head.detail.columns.is_none() {
                        head.detail.columns = Some(cols);
                    }
                    head.detail.rows.get_or_insert(0);
                    // MariaDB's cache-metadata / MySQL's optional metadata: a 0 after the
                    // count says no column definitions follow.
                    let metadata = r.u8() != Some(0);
                    head.resp = if cols > 0 && metadata {
                        Resp::Columns(cols)
                    } else {
                        Resp::AfterColumns
                    };
                }
            },
            Resp::Columns(left) => {
                if first == 0xff {
                    err_packet(&mut head.detail, d);
                    done = true;
                } else if !is_column_definition(d) && left > 0 {
                    // No definitions after all: this is already a row (or the end).
                    head.resp = Resp::Rows;
                    done = rows_packet(head, p, eof);
                } else {
                    head.resp = if left > 1 {
                        Resp::Columns(left - 1)
                    } else {
                        Resp::AfterColumns
                    };
                    if left == 1 && deprecate == Some(true) {
                        head.resp = Resp::Rows;
                    }
                }
            }
            Resp::AfterColumns => {
                if first == 0xfe && p.len < 9 {
                    // The EOF after the columns; with a cursor, no rows follow here.
                    learned = Some(false);
                    let flags = if d.len() >= 5 {
                        u16::from_le_bytes([d[3], d[4]])
                    } else {
                        0
                    };
                    if flags & status::CURSOR_EXISTS != 0 && head.detail.command_code == Some(0x17)
                    {
                        done = true;
                    } else {
                        head.resp = Resp::Rows;
                    }
                } else {
                    if deprecate.is_none() && first != 0xfe && first != 0xff {
                        learned = Some(true);
                    }
                    head.resp = Resp::Rows;
                    done = rows_packet(head, p, eof);
                }
            }
            Resp::Rows => done = rows_packet(head, p, eof),
            Resp::PrepareParams(left, cols) => {
                head.resp = if left > 1 {
                    Resp::PrepareParams(left - 1, cols)
                } else if deprecate == Some(true) {
                    if cols > 0 {
                        Resp::PrepareColumns(cols)
                    } else {
                        done = true;
                        Resp::First
                    }
                } else {
                    Resp::PrepareParamsEof(cols)
                };
            }
            Resp::PrepareParamsEof(cols) => {
                // The EOF after the parameters (a non-EOF was handled above).
                learned = Some(false);
                head.resp = if cols > 0 {
                    Resp::PrepareColumns(cols)
                } else {
                    done = true;
                    Resp::First
                };
            }
            Resp::PrepareColumns(left) => {
                head.resp = if left > 1 {
                    Resp::PrepareColumns(left - 1)
                } else if deprecate == Some(true) {
                    done = true;
                    Resp::First
                } else {
                    Resp::PrepareColumnsEof
                };
            }
            Resp::PrepareColumnsEof => {
                learned = Some(false);
                done = true;
            }
            Resp::UntilOk => match first {
                0x00 => {
                    let more = ok_packet(&mut head.detail, d, false);
                    done = !more;
                    if more {
                        head.resp = Resp::First;
                    }
                }
                0xff => {
                    err_packet(&mut head.detail, d);
                    done = true;
                }
                _ => {}
            },
            Resp::FieldList => {
                if first == 0xff {
                    err_packet(&mut head.detail, d);
                    done = true;
                } else if eof {
                    head.detail.response = Some("eof".into());
                    done = true;
                } else {
                    *head.detail.columns.get_or_insert(0) += 1;
                }
            }
        }
        if let Some(l) = learned {
            if self.deprecate_eof.is_none() {
                self.deprecate_eof = Some(l);
            }
        }
        // Without CLIENT_DEPRECATE_EOF known, a prepare's definitions may end with an EOF
        // or not: if the handshake said there is none, the response is complete.
        if done {
            let head = self.pending.pop_front().expect("front exists");
            emit(head, out);
        }
    }

    /// Completes a response that may still have been waiting for an optional EOF.
    fn settle_optional(&mut self, out: &mut Vec<Transaction>) {
        if let Some(head) = self.pending.front() {
            if matches!(head.resp, Resp::PrepareColumnsEof)
                || matches!(head.resp, Resp::PrepareParamsEof(0))
            {
                let head = self.pending.pop_front().expect("front exists");
                if self.deprecate_eof.is_none() {
                    self.deprecate_eof = Some(true);
                }
                emit(head, out);
            }
        }
    }

    // ---- the compressed protocol ---------------------------------------------------

    fn comp_client_frame(&mut self, f: Frame<'_>, out: &mut Vec<Transaction>) {
        match f {
            Frame::Start { seq: 0, at, .. } => {
                // A new command: the previous one is complete.
                if let Some(prev) = self.comp_current.take() {
                    emit(prev, out);
                }
                self.client.reset();
                self.client.hunting = false;
                let d = Mysql {
                    command: "compressed".into(),
                    compressed: true,
                    ..Mysql::default()
                };
                self.comp_current = Some(Pending {
                    detail: d,
                    request: Span {
                        first: at,
                        last: at,
                        bytes: 0,
                    },
                    resp: Resp::First,
                    response: None,
                    next_seq: 1,
                });
            }
            Frame::Start { .. } => {}
            Frame::Plain(mut bytes, at) => {
                // The frame is stored as-is: read the command in it.
                while !bytes.is_empty() {
                    let (n, packet) = self.client.next(bytes, at);
                    bytes = &bytes[n..];
                    let Some(packet) = packet else { continue };
                    let fresh = self
                        .comp_current
                        .as_ref()
                        .is_some_and(|c| c.detail.command_code.is_none());
                    if packet.seq == 0 && fresh {
                        if let Some((d, _)) = self.parse_command(&packet) {
                            if let Some(cur) = self.comp_current.as_mut() {
                                cur.detail = Mysql {
                                    compressed: true,
                                    ..d
                                };
                            }
                        }
                    }
                }
            }
            Frame::End { span } => {
                if let Some(cur) = self.comp_current.as_mut() {
                    if cur.response.is_none() {
                        cur.request.last = span.last;
                        cur.request.bytes += span.bytes;
                    }
                }
            }
        }
    }

    fn comp_server_frame(&mut self, f: Frame<'_>, out: &mut Vec<Transaction>) {
        match f {
            Frame::Start { compressed, .. } => {
                if let Some(cur) = self.comp_current.as_mut() {
                    if cur.response.is_none() && compressed {
                        cur.detail
                            .response
                            .get_or_insert_with(|| "compressed".into());
                    }
                }
                self.server.reset();
            }
            Frame::Plain(mut bytes, at) => {
                while !bytes.is_empty() {
                    let (n, packet) = self.server.next(bytes, at);
                    bytes = &bytes[n..];
                    let Some(packet) = packet else { continue };
                    let Some(cur) = self.comp_current.as_mut() else {
                        continue;
                    };
                    if cur.detail.response.is_some() {
                        continue;
                    }
                    match packet.data.first() {
                        Some(0x00) => {
                            ok_packet(&mut cur.detail, &packet.data, false);
                        }
                        Some(0xff) => err_packet(&mut cur.detail, &packet.data),
                        Some(_) => {
                            cur.detail.response = Some("result_set".into());
                            cur.detail.columns = Reader::new(&packet.data).lenenc();
                        }
                        None => {}
                    }
                }
            }
            Frame::End { span } => {
                if let Some(cur) = self.comp_current.as_mut() {
                    extend(&mut cur.response, span);
                    // A lone OK or ERR completes the command at once.
                    if matches!(cur.detail.response.as_deref(), Some("ok" | "error")) {
                        let cur = self.comp_current.take().expect("checked");
                        emit(cur, out);
                    }
                }
            }
        }
    }

    /// A conversation joined mid-way whose first client bytes are compressed frames
    /// (the header's uncompressed length 0 then a packet, or a zlib stream).
    fn sniff_compressed(bytes: &[u8]) -> bool {
        if bytes.len() < 9 {
            return false;
        }
        let comp_len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]) as usize;
        let uncomp = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], 0]) as usize;
        if uncomp == 0 {
            // A plain packet inside: its length plus its header is the frame's.
            let inner =
                u32::from_le_bytes([bytes[7], bytes[8], bytes.get(9).copied().unwrap_or(0), 0])
                    as usize;
            bytes.len() >= 11 && inner + 4 == comp_len && bytes[10] == 0
        } else {
            // zlib: CMF 0x78, and (CMF*256 + FLG) divisible by 31 (RFC 1950 §2.2).
            bytes[7] == 0x78
                && (0x7800 + bytes[8] as u32).is_multiple_of(31)
                && uncomp >= comp_len / 2
        }
    }
}

/// Bytes of a segment looked at before deciding that a packet starts there.
const PROBE: usize = 12;

/// While hunting: the first bytes of the segment being looked at.
#[derive(Default)]
struct Probe {
    packet: Option<u64>,
    bytes: Vec<u8>,
    /// The segment was judged not to start a packet: the rest of it is dropped.
    dropped: bool,
}

impl Parser {
    /// Hunting: gathers the first [`PROBE`] bytes of each segment (a segment is told by
    /// its packet, so any chunking gives the same answer) and decides whether a packet
    /// starts there. Returns the bytes to read on with, when it does.
    fn probe(&mut self, client: bool, bytes: &[u8], at: At) -> Option<Vec<u8>> {
        let probe = if client {
            &mut self.client_probe
        } else {
            &mut self.server_probe
        };
        if probe.packet != Some(at.packet) {
            *probe = Probe {
                packet: Some(at.packet),
                bytes: Vec::new(),
                dropped: false,
            };
        }
        if probe.dropped {
            return None;
        }
        // At most PROBE bytes are held; the rest of the chunk follows them if a packet
        // starts here.
        let take = PROBE.saturating_sub(probe.bytes.len()).min(bytes.len());
        probe.bytes.extend_from_slice(&bytes[..take]);
        let rest = &bytes[take..];
        let b = &probe.bytes;
        let len = b
            .get(..3)
            .map(|l| u32::from_le_bytes([l[0], l[1], l[2], 0]) as usize);
        // Enough to decide: PROBE bytes, or the whole of a shorter packet.
        // Joined mid-way, the client's first segment may be compressed framing: look at
        // all PROBE bytes. Decide on exactly `need` bytes, so chunking cannot change it.
        let sniff = client && self.phase == Phase::Start;
        let need = if sniff {
            PROBE
        } else {
            len.map_or(PROBE, |l| PROBE.min(4 + l.max(1)))
        };
        if b.len() < need {
            return None;
        }
        let b = &b[..need];
        let ok = if client {
            if sniff && Self::sniff_compressed(b) {
                self.compressed = true;
                self.comp_client = Some(CompFramer::new());
                self.comp_server = Some(CompFramer::new());
                self.phase = Phase::Command;
                true
            } else {
                match b[3] {
                    0 => plausible_command(&b[4..], len.unwrap_or(0) as u64),
                    1 => self.phase == Phase::Greeted,
                    _ => false,
                }
            }
        } else {
            // A greeting, or the response to the waiting command (its sequence id follows
            // the command's).
            let next = self.pending.front().map_or(1, |p| p.next_seq);
            match (b[3], b.get(4)) {
                (0, Some(10 | 0xff)) => true,
                (seq, _) => self.phase != Phase::Start && (seq == 1 || seq == next),
            }
        };
        let probe = if client {
            &mut self.client_probe
        } else {
            &mut self.server_probe
        };
        if !ok {
            probe.dropped = true;
            probe.bytes.clear();
            return None;
        }
        let mut bytes = std::mem::take(&mut probe.bytes);
        bytes.extend_from_slice(rest);
        probe.packet = None;
        if client {
            self.client.hunting = false;
        } else {
            self.server.hunting = false;
        }
        Some(bytes)
    }

    fn feed_client(&mut self, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if self.phase == Phase::Tls {
            return;
        }
        if self.client.hunting && self.comp_client.is_none() {
            if let Some(held) = self.probe(true, bytes, at) {
                self.read_client(&held, at, out);
            }
            return;
        }
        self.read_client(bytes, at, out);
    }

    fn read_client(&mut self, mut bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !bytes.is_empty() && self.phase != Phase::Tls {
            if let Some(mut comp) = self.comp_client.take() {
                comp.feed(bytes, at, &mut |f| self.comp_client_frame(f, out));
                self.comp_client = Some(comp);
                return;
            }
            if self.client.hunting {
                return self.feed_client(bytes, at, out);
            }
            let (n, packet) = self.client.next(bytes, at);
            bytes = &bytes[n..];
            if let Some(p) = packet {
                self.client_packet(p, out);
            }
        }
    }

    fn feed_server(&mut self, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if self.phase == Phase::Tls {
            return;
        }
        if self.server.hunting && self.comp_server.is_none() {
            if let Some(held) = self.probe(false, bytes, at) {
                self.read_server(&held, at, out);
            }
            return;
        }
        self.read_server(bytes, at, out);
    }

    fn read_server(&mut self, mut bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !bytes.is_empty() && self.phase != Phase::Tls {
            if let Some(mut comp) = self.comp_server.take() {
                comp.feed(bytes, at, &mut |f| self.comp_server_frame(f, out));
                self.comp_server = Some(comp);
                return;
            }
            if self.server.hunting {
                return self.feed_server(bytes, at, out);
            }
            // Packet by packet: after the login's OK the framing may change.
            let (n, packet) = self.server.next(bytes, at);
            bytes = &bytes[n..];
            if let Some(p) = packet {
                self.server_packet(p, out);
            }
        }
    }
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if from_client {
            self.feed_client(bytes, at, out);
        } else {
            self.feed_server(bytes, at, out);
        }
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
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

    fn end(&mut self, _at: At, out: &mut Vec<Transaction>) {
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

/// A row or the end of the rows. Returns true when the response is complete.
fn rows_packet(head: &mut Pending, p: &Packet, eof: bool) -> bool {
    let d = &p.data[..];
    match d.first() {
        Some(0xff) => {
            err_packet(&mut head.detail, d);
            true
        }
        Some(0xfe) if eof => {
            let more = ok_packet(&mut head.detail, d, p.len < 9);
            head.detail.response = Some("result_set".into());
            if more {
                *head.detail.result_sets.get_or_insert(1) += 1;
                head.resp = Resp::First;
            }
            !more
        }
        _ => {
            *head.detail.rows.get_or_insert(0) += 1;
            false
        }
    }
}

/// Reads an OK packet (or an EOF, when `eof`) into the detail. Returns whether more
/// results follow (SERVER_MORE_RESULTS_EXISTS).
fn ok_packet(d: &mut Mysql, data: &[u8], eof: bool) -> bool {
    let mut r = Reader::new(data.get(1..).unwrap_or(&[]));
    let flags;
    if eof {
        d.warnings = r.u16();
        flags = r.u16().unwrap_or(0);
        if d.response.is_none() {
            d.response = Some("eof".into());
        }
    } else {
        let affected = r.lenenc();
        let insert_id = r.lenenc();
        flags = r.u16().unwrap_or(0);
        let warnings = r.u16();
        // The OK that ends a result set repeats no counts worth keeping.
        if d.response.as_deref() != Some("result_set") {
            d.response = Some("ok".into());
            d.affected_rows = Some(d.affected_rows.unwrap_or(0) + affected.unwrap_or(0));
            d.last_insert_id = insert_id.or(d.last_insert_id);
        }
        d.warnings = warnings;
    }
    flags & status::MORE_RESULTS_EXISTS != 0
}

/// Reads an ERR packet into the detail.
fn err_packet(d: &mut Mysql, data: &[u8]) {
    d.response = Some("error".into());
    if data.len() >= 3 {
        d.error_code = Some(u16::from_le_bytes([data[1], data[2]]));
    }
    let rest = data.get(3..).unwrap_or(&[]);
    match rest.first() {
        Some(b'#') if rest.len() >= 6 => {
            d.sql_state = Some(lossy(&rest[1..6]));
            d.error_message = Some(lossy(&rest[6..]));
        }
        _ => d.error_message = Some(lossy(rest)),
    }
}

/// A column definition (Protocol::ColumnDefinition41) starts with the catalog "def".
fn is_column_definition(d: &[u8]) -> bool {
    d.starts_with(b"\x03def")
}

/// A first client packet that can be a command of a conversation joined mid-way.
fn plausible_command(d: &[u8], len: u64) -> bool {
    let Some(&code) = d.first() else { return false };
    match code {
        0x01 | 0x0e | 0x09 | 0x1f => len == 1,
        0x03 | 0x16 => len >= 2 && d[1..].iter().take(64).all(|&b| b >= 0x09),
        0x02 => len >= 2,
        0x17 | 0x19 | 0x1a | 0x1c | 0x18 => len >= 5,
        0x04 | 0x0c | 0x0d | 0x11 | 0x1b | 0x12 | 0x1e | 0xfa => true,
        _ => false,
    }
}

/// Skips `count` query attributes (types and names, then values), as COM_QUERY carries
/// them with CLIENT_QUERY_ATTRIBUTES.
fn skip_parameters(r: &mut Reader<'_>, count: u64) -> Option<()> {
    if count > 4096 {
        return None;
    }
    let count = count as usize;
    r.skip(count.div_ceil(8)); // NULL bitmap
    let bind = r.u8()?;
    let mut types = Vec::new();
    if bind == 1 {
        for _ in 0..count {
            let t = r.u16()?;
            let name = r.lenenc()?;
            r.skip(name as usize);
            types.push(t);
        }
    }
    for t in types {
        let len = match t & 0xff {
            0x01 => 1,                                     // TINY
            0x02 | 0x0d => 2,                              // SHORT, YEAR
            0x03 | 0x09 | 0x04 => 4,                       // LONG, INT24, FLOAT
            0x08 | 0x05 => 8,                              // LONGLONG, DOUBLE
            0x06 => 0,                                     // NULL
            0x07 | 0x0a | 0x0b | 0x0c => r.u8()? as usize, // dates and times: length first
            _ => r.lenenc()? as usize,                     // strings, decimals, blobs
        };
        r.skip(len);
    }
    (r.pos <= r.data.len()).then_some(())
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
    out.push(Transaction {
        conv: 0,
        request: Some(p.request),
        response: p.response,
        detail: Detail::Mysql(p.detail),
    });
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---------------------------------------------------------------------------------------
// Tables: slowest queries, errors, queries by fingerprint.
// ---------------------------------------------------------------------------------------

pub use super::memcache::Place;

/// The MySQL transactions among `txs`.
pub fn transactions<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> impl Iterator<Item = (&'a Transaction, &'a Mysql)> {
    txs.into_iter().filter_map(|t| match &t.detail {
        Detail::Mysql(m) => Some((t, m)),
        _ => None,
    })
}

/// Transactions by latency, slowest first (ties in capture order); those without a
/// response are left out.
pub fn slowest<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<(&'a Transaction, &'a Mysql)> {
    let mut rows: Vec<_> = transactions(txs)
        .filter(|(t, _)| t.latency_ns().is_some())
        .collect();
    rows.sort_by_key(|(t, _)| {
        (
            std::cmp::Reverse(t.latency_ns()),
            t.request.map(|s| s.first.packet),
        )
    });
    rows
}

/// Transactions answered with ERR.
pub fn errors<'a>(
    txs: impl IntoIterator<Item = &'a Transaction>,
) -> Vec<(&'a Transaction, &'a Mysql)> {
    transactions(txs)
        .filter(|(_, m)| m.error_code.is_some())
        .collect()
}

/// SQL with its literals replaced by `?` and its blanks folded, so that statements that
/// differ only in their values group together (pt-query-digest's fingerprint, simply).
pub fn fingerprint(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len().min(1024));
    let mut chars = sql.chars().peekable();
    let mut last_space = true;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A quoted literal: up to the same quote, with \ escapes and doubled quotes.
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                out.push('?');
                last_space = false;
            }
            c if c.is_ascii_digit()
                && !out
                    .chars()
                    .last()
                    .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '`') =>
            {
                while chars.peek().is_some_and(|d| {
                    d.is_ascii_alphanumeric() || *d == '.' || *d == '-' || *d == '+'
                }) {
                    chars.next();
                }
                out.push('?');
                last_space = false;
            }
            c if c.is_whitespace() => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
        if out.len() >= 1024 {
            break;
        }
    }
    // `IN (?, ?, ?)` and `VALUES (?, ?), (?, ?)` of any length look alike.
    for (from, to) in [
        ("?, ?", "?"),
        ("?,?", "?"),
        ("(?), (?)", "(?)"),
        ("(?),(?)", "(?)"),
    ] {
        while let Some(i) = out.find(from) {
            out.replace_range(i..i + from.len(), to);
        }
    }
    out.trim_end().to_string()
}

/// One kind of query's totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueryStats {
    /// The command (`query`, `stmt_execute`, …).
    pub command: String,
    /// The SQL's [`fingerprint`] (empty for commands without SQL).
    pub fingerprint: String,
    /// Transactions.
    pub count: u64,
    /// ERR responses.
    pub errors: u64,
    /// Rows returned.
    pub rows: u64,
    /// Rows affected.
    pub affected_rows: u64,
    /// Latency of those with a response: total, in ns.
    pub latency_total_ns: i64,
    /// The largest latency, in ns.
    pub latency_max_ns: i64,
    /// Transactions with a latency.
    pub timed: u64,
    /// The slowest one.
    pub slowest: Place,
}

/// Totals per command and fingerprint, by total latency (most first).
pub fn queries<'a>(txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<QueryStats> {
    let mut by: std::collections::HashMap<(String, String), QueryStats> =
        std::collections::HashMap::new();
    for (t, m) in transactions(txs) {
        let fp = m.query.as_deref().map(fingerprint).unwrap_or_default();
        let q = by
            .entry((m.command.clone(), fp))
            .or_insert_with_key(|(c, f)| QueryStats {
                command: c.clone(),
                fingerprint: f.clone(),
                ..QueryStats::default()
            });
        q.count += 1;
        q.errors += u64::from(m.error_code.is_some());
        q.rows += m.rows.unwrap_or(0);
        q.affected_rows += m.affected_rows.unwrap_or(0);
        if let Some(ns) = t.latency_ns() {
            q.timed += 1;
            q.latency_total_ns += ns;
            if ns >= q.latency_max_ns {
                q.latency_max_ns = ns;
                q.slowest = Place::of(t);
            }
        }
    }
    let mut rows: Vec<QueryStats> = by.into_values().collect();
    rows.sort_by(|a, b| {
        b.latency_total_ns
            .cmp(&a.latency_total_ns)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    rows
}

#[cfg(test)]
mod test {
    use super::super::memcache::testkit::{self, Piece};
    use super::*;

    fn make() -> Box<dyn StreamParser> {
        Box::new(Parser::new())
    }

    fn details(txs: &[Transaction]) -> Vec<&Mysql> {
        txs.iter()
            .map(|t| match &t.detail {
                Detail::Mysql(m) => m,
                other => panic!("not mysql: {other:?}"),
            })
            .collect()
    }

    fn at(packet: u64) -> At {
        At {
            packet,
            ts_ns: packet as i64 * 1000,
        }
    }

    fn conv(f: &str, port: u16) -> Option<Vec<Transaction>> {
        let convs = testkit::conversations(f, port)?;
        Some(
            convs
                .iter()
                .flat_map(|c| testkit::replay(&make, c, &testkit::whole))
                .collect(),
        )
    }

    /// A packet: length, sequence id, payload.
    fn pkt(seq: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = (payload.len() as u32).to_le_bytes()[..3].to_vec();
        v.push(seq);
        v.extend_from_slice(payload);
        v
    }

    fn run(parts: &[(bool, Vec<u8>)]) -> Vec<Transaction> {
        let p: Vec<Piece> = parts
            .iter()
            .enumerate()
            .map(|(i, (c, b))| Piece::Data(*c, b.clone(), at(i as u64)))
            .collect();
        testkit::check_splits(&make, &p, usize::MAX);
        testkit::replay(&make, &p, &testkit::whole)
    }

    const OK: &[u8] = b"\x00\x00\x00\x02\x00\x00\x00";
    const EOF: &[u8] = b"\xfe\x00\x00\x02\x00";

    fn column() -> Vec<u8> {
        b"\x03def\x04shop\x01t\x01t\x01c\x01c\x0c\x21\x00\x10\x00\x00\x00\xfd\x00\x00\x00\x00\x00"
            .to_vec()
    }

    #[test]
    fn real_capture_of_mariadb() {
        let Some(txs) = conv("tests/data/servers/mariadb.pcap", 23306) else {
            return;
        };
        let d = details(&txs);
        assert_eq!(d.len(), 39);
        assert!(d.iter().all(|m| !m.incomplete));
        let login = d[0];
        assert_eq!(
            (
                login.command.as_str(),
                login.user.as_deref(),
                login.schema.as_deref(),
                login.connection_id,
                login.response.as_deref()
            ),
            ("login", Some("wl"), Some("shop"), Some(5), Some("ok"))
        );
        assert!(login
            .server_version
            .as_deref()
            .is_some_and(|v| v.contains("MariaDB")));
        let inserts: Vec<_> = d
            .iter()
            .filter(|m| m.query.as_deref().is_some_and(|q| q.starts_with("INSERT")))
            .collect();
        assert_eq!(inserts.len(), 25);
        assert!(inserts
            .iter()
            .enumerate()
            .all(|(i, m)| m.affected_rows == Some(1) && m.last_insert_id == Some(i as u64 + 1)));
        let select = d
            .iter()
            .find(|m| {
                m.query.as_deref() == Some("SELECT * FROM orders WHERE customer = 'customer1'")
            })
            .expect("select");
        assert_eq!((select.columns, select.rows), (Some(3), Some(5)));
        let slow = txs
            .iter()
            .zip(&d)
            .find(|(_, m)| m.query.as_deref().is_some_and(|q| q.contains("SLEEP")))
            .expect("slow");
        assert!(slow
            .0
            .time_to_first_byte_ns()
            .is_some_and(|ns| ns >= 400_000_000));
        let errors: Vec<_> = d
            .iter()
            .filter_map(|m| {
                m.error_code
                    .map(|c| (c, m.sql_state.as_deref().unwrap_or("")))
            })
            .collect();
        assert_eq!(errors, [(1146, "42S02"), (1064, "42000")]);
        let update = d
            .iter()
            .find(|m| m.query.as_deref().is_some_and(|q| q.starts_with("UPDATE")))
            .expect("update");
        assert_eq!(update.affected_rows, Some(4));
        let stmt: Vec<_> = d
            .iter()
            .filter(|m| m.stmt_id == Some(1))
            .map(|m| {
                (
                    m.command.as_str(),
                    m.query.as_deref(),
                    m.params,
                    m.columns,
                    m.rows,
                    txs.iter().any(|_| true),
                )
            })
            .collect();
        let sql = Some("SELECT id, customer FROM orders WHERE id = ?");
        assert_eq!(
            stmt,
            [
                ("stmt_prepare", sql, Some(1), Some(2), None, true),
                ("stmt_execute", sql, None, Some(2), Some(1), true),
                ("stmt_close", sql, None, None, None, true)
            ]
        );
        assert_eq!(d.last().map(|m| m.command.as_str()), Some("quit"));
        // mysql.response_code as Wireshark shows it: OK, ERR, EOF and binary rows.
        let codes = |m: &Mysql| m.response_codes.iter().map(|c| c.1).collect::<Vec<_>>();
        assert_eq!(codes(login), [0x00]);
        let by_command = |c: &str| d.iter().find(|m| m.command == c).map(|m| codes(m));
        assert_eq!(by_command("stmt_prepare"), Some(vec![0x00, 0xfe, 0xfe]));
        assert_eq!(by_command("stmt_execute"), Some(vec![0xfe, 0x00, 0xfe]));
        assert_eq!(codes(select), [0xfe, 0xfe]);
    }

    #[test]
    fn every_split_of_real_captures_gives_the_same_transactions() {
        for (f, port) in [
            ("tests/data/servers/mariadb.pcap", 23306),
            ("corpus:zeek/mysql/mysql.pcap", 3306),
            ("corpus:zeek/mysql/encrypted.pcap", 3306),
            ("corpus:zeek/mysql/many-query-attrs.pcap", 3306),
            (
                "corpus:zeek/mysql/caching_sha2_password-after-auth-switch.pcapng",
                3306,
            ),
            ("corpus:deepflow/mysql/mysql-statement.pcap", 30130),
            (
                "corpus:deepflow/mysql/mysql-compressed-response.pcap",
                30130,
            ),
            (
                "corpus:deepflow/mysql/partial-packet-compressed.pcap",
                30130,
            ),
            ("corpus:deepflow/mysql/large-response.pcap", 6033),
            ("corpus:deepflow/mysql/truncate-1024.pcap", 6033),
        ] {
            let Some(convs) = testkit::conversations(f, port) else {
                continue;
            };
            for c in &convs {
                testkit::check_splits(&make, c, 48);
            }
        }
    }

    #[test]
    fn corpus_captures() {
        if let Some(txs) = conv("corpus:zeek/mysql/encrypted.pcap", 3306) {
            // The SSL request: TLS from there on, nothing more is read.
            let d = details(&txs);
            assert_eq!(d.len(), 1);
            assert!(d[0].tls && d[0].command == "login");
        }
        if let Some(txs) = conv("corpus:zeek/mysql/tls-13-amazon-rds.pcap", 3306) {
            assert!(details(&txs).iter().all(|m| m.tls));
        }
        if let Some(txs) = conv(
            "corpus:deepflow/mysql/mysql-compressed-response.pcap",
            30130,
        ) {
            // Joined mid-way: the compressed framing is recognised, the query read from its
            // uncompressed frame, the compressed response reported as such.
            let d = details(&txs);
            assert_eq!(d.len(), 1);
            assert_eq!(
                (
                    d[0].query.as_deref(),
                    d[0].response.as_deref(),
                    d[0].compressed
                ),
                (
                    Some("SELECT * FROM `az_controller_connection`"),
                    Some("compressed"),
                    true
                )
            );
        }
        if let Some(txs) = conv(
            "corpus:deepflow/mysql/partial-packet-compressed.pcap",
            30130,
        ) {
            let d = details(&txs);
            assert_eq!(d.len(), 2);
            assert!(d.iter().all(|m| m.compressed && m.command == "query"));
            assert!(txs[0].response.is_some_and(|s| s.bytes > 100_000));
        }
        if let Some(txs) = conv("corpus:zeek/mysql/many-query-attrs.pcap", 3306) {
            // Query attributes (CLIENT_QUERY_ATTRIBUTES) before the SQL are passed over.
            let d = details(&txs);
            assert!(d.iter().any(|m| m.query.as_deref() == Some("SELECT mysql_query_attribute_string('n1'), mysql_query_attribute_string('n2')")));
            assert!(d.iter().all(|m| !m.incomplete));
        }
        if let Some(txs) = conv("corpus:zeek/mysql/auth.pcap", 3306) {
            // Three connections refused at once (1130, an ERR instead of a greeting), nine
            // logins denied (1045), one accepted.
            let d = details(&txs);
            let logins: Vec<_> = d
                .iter()
                .filter(|m| m.command == "login")
                .map(|m| m.error_code)
                .collect();
            assert_eq!(
                logins,
                [Some(1130); 3]
                    .into_iter()
                    .chain([Some(1045); 9])
                    .chain([None])
                    .collect::<Vec<_>>()
            );
            assert!(txs[0].request.is_none());
        }
        if let Some(txs) = conv("corpus:deepflow/mysql/mysql-login-error.pcap", 3306) {
            let d = details(&txs);
            assert_eq!(
                (d[0].error_code, d[0].error_message.as_deref()),
                (Some(1040), Some("Too many connections"))
            );
        }
        if let Some(txs) = conv("corpus:deepflow/mysql/large-response.pcap", 6033) {
            let d = details(&txs);
            assert_eq!(
                d.iter().map(|m| (m.columns, m.rows)).collect::<Vec<_>>(),
                [(Some(5), Some(3)), (Some(21), Some(3))]
            );
        }
        if let Some(txs) = conv("corpus:deepflow/mysql/truncate-1024.pcap", 6033) {
            let d = details(&txs);
            let got: Vec<_> = d.iter().map(|m| (m.command.as_str(), m.rows)).collect();
            assert_eq!(
                got,
                [
                    ("stmt_prepare", None),
                    ("stmt_execute", Some(3)),
                    ("stmt_close", None),
                    ("query", Some(3))
                ]
            );
        }
        if let Some(txs) = conv(
            "corpus:zeek/mysql/caching_sha2_password-after-auth-switch.pcapng",
            3306,
        ) {
            let d = details(&txs);
            assert_eq!(
                (
                    d[0].response.as_deref(),
                    d[4].command.as_str(),
                    d[4].response.as_deref()
                ),
                (Some("ok"), "statistics", Some("text"))
            );
        }
    }

    #[test]
    fn deprecate_eof_multiple_result_sets_and_local_infile() {
        // A greeting and a login with CLIENT_DEPRECATE_EOF and multi-results.
        let mut greeting = b"\x0a8.0.36\x00\x07\x00\x00\x00abcdefgh\x00\xff\xff\x21\x02\x00\xff\xdf\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00ijklmnopqrstu\x00caching_sha2_password\x00".to_vec();
        greeting[0] = 10;
        let caps: u32 =
            0x0100_0000 | 0x0002_0000 | 0x0000_8000 | 0x0000_0200 | 0x0000_0008 | 0x0008_0000;
        let mut response = caps.to_le_bytes().to_vec();
        response.extend_from_slice(&[0, 0, 0, 1, 0x21]);
        response.extend_from_slice(&[0; 23]);
        response.extend_from_slice(b"app\x00\x00db1\x00caching_sha2_password\x00");
        let mut server_rs = pkt(1, b"\x01");
        server_rs.extend(pkt(2, &column()));
        server_rs.extend(pkt(3, b"\x011"));
        server_rs.extend(pkt(4, b"\x012"));
        // The OK (0xFE) ending the first set says more results exist.
        server_rs.extend(pkt(5, b"\xfe\x00\x00\x0a\x00\x00\x00"));
        server_rs.extend(pkt(6, b"\x01"));
        server_rs.extend(pkt(7, &column()));
        server_rs.extend(pkt(8, b"\x013"));
        server_rs.extend(pkt(9, b"\xfe\x00\x00\x02\x00\x00\x00"));
        let txs = run(&[
            (false, pkt(0, &greeting)),
            (true, pkt(1, &response)),
            (false, pkt(2, b"\x01\x03")),
            (false, pkt(3, OK)),
            (true, pkt(0, b"\x03CALL p()")),
            (false, server_rs),
            (true, pkt(0, b"\x03LOAD DATA LOCAL INFILE 'f' INTO TABLE t")),
            (false, pkt(1, b"\xfbf")),
            (true, [pkt(2, b"a,b\n"), pkt(3, b"")].concat()),
            (false, pkt(4, b"\x00\x01\x00\x02\x00\x00\x00")),
            (true, pkt(0, b"\x0e")),
            (false, pkt(1, OK)),
            (true, pkt(0, b"\x02other")),
            (false, pkt(1, b"\xff\x19\x04#42000Unknown database 'other'")),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| {
                (
                    m.command.as_str(),
                    m.response.as_deref(),
                    m.rows,
                    m.result_sets,
                    m.affected_rows,
                    m.error_code,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("login", Some("ok"), None, None, None, None),
                ("query", Some("result_set"), Some(3), Some(2), None, None),
                ("query", Some("ok"), None, None, Some(1), None),
                ("ping", Some("ok"), None, None, Some(0), None),
                ("init_db", Some("error"), None, None, None, Some(1049)),
            ]
        );
        assert_eq!(
            (
                d[0].user.as_deref(),
                d[0].schema.as_deref(),
                d[0].server_version.as_deref(),
                d[0].connection_id
            ),
            (Some("app"), Some("db1"), Some("8.0.36"), Some(7))
        );
        assert_eq!(d[4].schema.as_deref(), Some("other"));
        // The login spans the client's response to the server's OK.
        assert_eq!(txs[0].request.map(|s| s.first.packet), Some(1));
        assert_eq!(
            txs[0].response.map(|s| (s.first.packet, s.last.packet)),
            Some((2, 3))
        );
    }

    #[test]
    fn compressed_protocol_after_login() {
        let greeting = b"\x0a5.7.44\x00\x09\x00\x00\x00abcdefgh\x00\xff\xff\x21\x02\x00\xff\xc1\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00ijklmnopqrstu\x00mysql_native_password\x00";
        let caps: u32 = 0x0000_0020 | 0x0000_8000 | 0x0000_0200 | 0x0008_0000;
        let mut response = caps.to_le_bytes().to_vec();
        response.extend_from_slice(&[0, 0, 0, 1, 0x21]);
        response.extend_from_slice(&[0; 23]);
        response.extend_from_slice(b"u\x00\x00mysql_native_password\x00");
        // Compressed frames: 3-byte length, sequence id, 3-byte uncompressed length.
        let frame = |seq: u8, uncompressed: u32, payload: &[u8]| {
            let mut v = (payload.len() as u32).to_le_bytes()[..3].to_vec();
            v.push(seq);
            v.extend_from_slice(&uncompressed.to_le_bytes()[..3]);
            v.extend_from_slice(payload);
            v
        };
        let txs = run(&[
            (false, pkt(0, greeting)),
            (true, pkt(1, &response)),
            (false, pkt(2, OK)),
            (true, frame(0, 0, &pkt(0, b"\x03SELECT 1"))),
            (false, frame(0, 0, &pkt(1, OK))),
            (true, frame(0, 0, &pkt(0, b"\x03SELECT * FROM big"))),
            (false, frame(1, 5000, b"\x78\x9c\x01\x02\x03\x04")),
            (false, frame(2, 5000, b"\x78\x9c\x05\x06")),
            (true, frame(0, 300, b"\x78\x9c\x07\x08")),
            (false, frame(1, 0, &pkt(1, OK))),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| {
                (
                    m.command.as_str(),
                    m.query.as_deref(),
                    m.response.as_deref(),
                    m.compressed,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("login", None, Some("ok"), true),
                ("query", Some("SELECT 1"), Some("ok"), true),
                ("query", Some("SELECT * FROM big"), Some("compressed"), true),
                ("compressed", None, Some("ok"), true),
            ]
        );
        assert_eq!(
            txs[2].response.map(|s| (s.first.packet, s.last.packet)),
            Some((6, 7))
        );
    }

    #[test]
    fn prepared_statements_without_the_handshake() {
        // Joined mid-way: whether EOFs follow definitions is learned from the packets.
        let prepare_ok = b"\x00\x05\x00\x00\x00\x01\x00\x02\x00\x00\x00\x00";
        let mut defs = pkt(1, prepare_ok);
        defs.extend(pkt(2, &column()));
        defs.extend(pkt(3, &column()));
        defs.extend(pkt(4, EOF));
        defs.extend(pkt(5, &column()));
        defs.extend(pkt(6, EOF));
        let mut rows = pkt(1, b"\x01");
        rows.extend(pkt(2, &column()));
        rows.extend(pkt(3, EOF));
        rows.extend(pkt(4, b"\x00\x00\x01\x00\x00\x00"));
        rows.extend(pkt(5, b"\xfe\x00\x00\x22\x00"));
        let txs = run(&[
            (true, pkt(0, b"\x16SELECT a FROM t WHERE b = ? AND c = ?")),
            (false, defs),
            (true, pkt(0, b"\x17\x05\x00\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x00\x03\x00\x01\x00\x00\x00\x02\x00\x00\x00")),
            (false, rows),
            (true, [pkt(0, b"\x19\x05\x00\x00\x00"), pkt(0, b"\x01")].concat()),
        ]);
        let d = details(&txs);
        let got: Vec<_> = d
            .iter()
            .map(|m| {
                (
                    m.command.as_str(),
                    m.stmt_id,
                    m.params,
                    m.columns,
                    m.rows,
                    m.query.is_some(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("stmt_prepare", Some(5), Some(2), Some(1), None, true),
                ("stmt_execute", Some(5), None, Some(1), Some(1), true),
                ("stmt_close", Some(5), None, None, None, true),
                ("quit", None, None, None, None, false),
            ]
        );
    }

    #[test]
    fn long_packets_are_counted_not_buffered() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        // A 20 MB query: a 0xFFFFFF packet and its continuation.
        let total = 20_000_000usize;
        let first = 0xff_ffffusize;
        let mut head = vec![0xff, 0xff, 0xff, 0, 0x03];
        head.extend_from_slice(b"INSERT INTO t VALUES ");
        p.data(true, &head, at(0), &mut out);
        let chunk = vec![b'7'; 65536];
        let mut sent = 1 + 21;
        while sent < first {
            let n = chunk.len().min(first - sent);
            p.data(true, &chunk[..n], at(1), &mut out);
            sent += n;
        }
        let rest = total - first;
        p.data(
            true,
            &[
                (rest & 0xff) as u8,
                (rest >> 8 & 0xff) as u8,
                (rest >> 16) as u8,
                1,
            ],
            at(2),
            &mut out,
        );
        let mut sent = 0;
        while sent < rest {
            let n = chunk.len().min(rest - sent);
            p.data(true, &chunk[..n], at(3), &mut out);
            sent += n;
        }
        assert!(p.client.kept.capacity() <= MAX_QUERY * 2);
        p.data(
            false,
            &pkt(2, b"\x00\x05\x00\x02\x00\x00\x00"),
            at(4),
            &mut out,
        );
        let d = details(&out);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].query_truncated
                && d[0]
                    .query
                    .as_ref()
                    .is_some_and(|q| q.len() == MAX_QUERY - 1 && q.starts_with("INSERT"))
        );
        assert_eq!(d[0].affected_rows, Some(5));
        assert_eq!(out[0].request.map(|s| s.bytes), Some(total as u64 + 8));
    }

    #[test]
    fn gaps() {
        // Inside a row: still in step.
        let mut rows = pkt(1, b"\x01");
        rows.extend(pkt(2, &column()));
        rows.extend(pkt(3, EOF));
        rows.extend(pkt(4, &[b"\x0a".as_slice(), &[b'x'; 10]].concat()));
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, pkt(0, b"\x03SELECT c FROM t"), at(0)),
                Piece::Data(false, rows[..rows.len() - 6].to_vec(), at(1)),
                Piece::Gap(false, 4, at(2)),
                Piece::Data(
                    false,
                    [&rows[rows.len() - 2..], &pkt(5, EOF)[..]].concat(),
                    at(3),
                ),
                Piece::Data(true, pkt(0, b"\x03SELECT 2"), at(4)),
                Piece::Data(false, pkt(1, OK), at(5)),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        assert_eq!(
            d.iter().map(|m| (m.rows, m.incomplete)).collect::<Vec<_>>(),
            [(Some(1), true), (None, false)]
        );
        // Across packets: the response is lost; the next command is found again.
        let txs = testkit::replay(
            &make,
            &[
                Piece::Data(true, pkt(0, b"\x03SELECT c FROM t"), at(0)),
                Piece::Data(false, pkt(1, b"\x01")[..3].to_vec(), at(1)),
                Piece::Gap(false, 400, at(2)),
                Piece::Data(false, b"garbage".to_vec(), at(3)),
                Piece::Gap(true, 10, at(4)),
                Piece::Data(true, b"more garbage".to_vec(), at(5)),
                Piece::Data(true, pkt(0, b"\x03SELECT 2"), at(6)),
                Piece::Data(false, pkt(1, OK), at(7)),
            ],
            &testkit::whole,
        );
        let d = details(&txs);
        assert_eq!(
            d.iter()
                .map(|m| (m.query.as_deref(), m.incomplete, m.response.as_deref()))
                .collect::<Vec<_>>(),
            [
                (Some("SELECT c FROM t"), true, None),
                (Some("SELECT 2"), false, Some("ok"))
            ]
        );
    }

    #[test]
    fn tables_of_the_real_capture() {
        let Some(txs) = conv("tests/data/servers/mariadb.pcap", 23306) else {
            return;
        };
        let slow = slowest(&txs);
        assert_eq!(
            slow[0].1.query.as_deref(),
            Some("SELECT SLEEP(0.4), 'slow'")
        );
        let errs: Vec<_> = errors(&txs).iter().map(|(_, m)| m.error_code).collect();
        assert_eq!(errs, [Some(1146), Some(1064)]);
        let q = queries(&txs);
        let inserts = q
            .iter()
            .find(|q| q.fingerprint.starts_with("INSERT"))
            .expect("inserts");
        assert_eq!(
            (
                inserts.fingerprint.as_str(),
                inserts.count,
                inserts.affected_rows
            ),
            ("INSERT INTO orders (customer, total) VALUES (?)", 25, 25)
        );
        assert_eq!(q[0].fingerprint, "SELECT SLEEP(?), ?");
    }

    #[test]
    fn fingerprints() {
        assert_eq!(
            fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3) AND name = 'o''k'"),
            "SELECT * FROM t WHERE id IN (?) AND name = ?"
        );
        assert_eq!(
            fingerprint("insert into t2 values (1,'a'),  (2, \"b\\\"c\")"),
            "insert into t2 values (?)"
        );
        assert_eq!(
            fingerprint("select col1, t2.x from t2 limit 10"),
            "select col1, t2.x from t2 limit ?"
        );
    }

    #[test]
    fn the_first_segment_is_judged_the_same_however_it_is_chunked() {
        // Found by the fuzz target: an 11-byte first segment read as a 4-byte plain packet
        // was judged on 8 bytes when fed byte by byte, and sniffed as compressed framing
        // when fed whole.
        let p = vec![
            Piece::Data(true, vec![4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], at(0)),
            Piece::Data(true, pkt(0, b"\x03SELECT 1"), at(1)),
            Piece::Data(false, pkt(1, OK), at(2)),
        ];
        testkit::check_splits(&make, &p, usize::MAX);
    }

    #[test]
    fn malformed_input_never_panics() {
        use proptest::prelude::*;
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 400,
            ..ProptestConfig::default()
        });
        let bytes = proptest::collection::vec(
            prop_oneof![
                any::<u8>(),
                Just(0u8),
                Just(1u8),
                Just(0xfeu8),
                Just(0xffu8),
                Just(3u8)
            ],
            0..64,
        );
        let packets = (0u8..4, proptest::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(seq, body)| pkt(seq, &body));
        let piece = (any::<bool>(), prop_oneof![bytes, packets], 0u8..8);
        runner
            .run(&proptest::collection::vec(piece, 0..40), |parts| {
                let mut p = Parser::new();
                let mut out = Vec::new();
                for (i, (client, bytes, gap)) in parts.iter().enumerate() {
                    if *gap == 0 {
                        p.gap(*client, bytes.len() as u64 + 1, at(i as u64), &mut out);
                    } else {
                        p.data(*client, bytes, at(i as u64), &mut out);
                    }
                }
                p.end(at(99), &mut out);
                Ok(())
            })
            .expect("no panic");
    }
}
