//! PostgreSQL's frontend/backend protocol, version 3 (PostgreSQL's documentation,
//! "Frontend/Backend Protocol": §55.2 message flow, §55.7 message formats).
//!
//! One transaction per query cycle: the login (StartupMessage to the first ReadyForQuery),
//! a simple Query, or the extended protocol's messages (Parse, Bind, Describe, Execute,
//! Close …) up to a Sync, each answered up to its ReadyForQuery; with rows
//! (DataRows), CommandComplete tags, and errors (SQLSTATE and message). Statements
//! prepared by name are remembered per connection, so an Execute of one names its SQL.
//! Pipelined cycles (several Syncs before the answers) are paired in order.
//!
//! An SSLRequest answered `S` turns the connection into TLS: its records go to a TLS
//! parser, which (with the session's secrets) hands the plaintext to a PostgreSQL parser
//! again.
//!
//! Bounded: of each message at most [`MAX_HELD`] bytes are held (a longer DataRow or
//! CopyData is counted, not kept); at most [`MAX_PENDING`] cycles wait for answers; at
//! most [`MAX_STATEMENTS`] prepared statements are remembered.

pub mod message;

use super::tls::SharedKeys;
use super::{report, StreamParser};
use crate::capture::app::pdu::{password, Pdu, PduKind};
use crate::capture::app::pgsql::{Pgsql, MAX_QUERY};
use crate::capture::app::{AppProto, At, Detail, Span, Transaction};
use message::{Message, Reader};
use std::collections::{HashMap, VecDeque};

/// Bytes held of one message.
pub const MAX_HELD: usize = MAX_QUERY + 1024;

/// Query cycles waiting for their answers.
pub const MAX_PENDING: usize = 1024;

/// Prepared statements remembered per connection.
pub const MAX_STATEMENTS: usize = 4096;

/// One side of a transaction as it is read.
#[derive(Clone, Copy, Default)]
struct Half {
    first: Option<At>,
    last: Option<At>,
    bytes: u64,
}

impl Half {
    fn add(&mut self, at: At, bytes: u64) {
        self.first.get_or_insert(at);
        self.last = Some(at);
        self.bytes += bytes;
    }
    fn span(&self) -> Option<Span> {
        Some(Span {
            first: self.first?,
            last: self.last?,
            bytes: self.bytes,
        })
    }
}

/// A cycle being read.
#[derive(Default)]
struct Cycle {
    pg: Pgsql,
    request: Half,
    response: Half,
    executes: u32,
    parse_only: bool,
}

/// The PostgreSQL parser of one connection.
pub struct Parser {
    readers: [Reader; 2],
    /// The client's cycle being written.
    building: Option<Cycle>,
    /// Cycles sent, waiting for their ReadyForQuery.
    pending: VecDeque<Cycle>,
    /// Prepared statements by name: their SQL.
    statements: HashMap<String, (String, bool)>,
    /// The login is in progress (from the StartupMessage to the first ReadyForQuery).
    login: bool,
    /// After SSLRequest: TLS, read by this parser.
    tls: Option<Box<super::tls::StartTls>>,
    keys: SharedKeys,
    server_port: u16,
    /// An SSLRequest or GSSENCRequest waits for its one-byte answer.
    awaiting_byte: bool,
    stopped: [bool; 2],
    /// Messages read since the dispatcher last took them.
    pdus: Vec<Pdu>,
    /// What the server's last authentication request asked for (names the client's
    /// next password message, [`password`]).
    password: u8,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser at the start of a connection, with no TLS secrets.
    pub fn new() -> Self {
        Self::with_keys(SharedKeys::default(), 5432)
    }

    /// A parser whose connection may switch to TLS (decrypted with `keys`).
    pub fn with_keys(keys: SharedKeys, server_port: u16) -> Self {
        Parser {
            readers: [Reader::new(true, MAX_HELD), Reader::new(false, MAX_HELD)],
            building: None,
            pending: VecDeque::new(),
            statements: HashMap::new(),
            login: false,
            tls: None,
            keys,
            server_port,
            awaiting_byte: false,
            stopped: [false; 2],
            pdus: Vec::new(),
            password: password::PASSWORD,
        }
    }

    /// Bytes held: the messages being read, and cycles waiting.
    pub fn buffered(&self) -> usize {
        self.readers.iter().map(Reader::buffered).sum::<usize>()
            + self.pending.len() * std::mem::size_of::<Cycle>()
    }

    fn cycle(&mut self) -> &mut Cycle {
        self.building.get_or_insert_with(Cycle::default)
    }

    /// The client's message.
    fn client(&mut self, m: &Message<'_>, at: At, out: &mut Vec<Transaction>) {
        let size = m.len as u64;
        match m.kind {
            message::STARTUP => {
                let c = self.cycle();
                c.pg.command = "login".into();
                c.request.add(at, size);
                for (k, v) in message::startup_params(m.body) {
                    match k.as_str() {
                        "user" => c.pg.user = Some(v),
                        "database" => c.pg.database = Some(v),
                        "application_name" => c.pg.application = Some(v),
                        _ => {}
                    }
                }
                self.login = true;
                self.send(out);
            }
            message::SSL_REQUEST | message::GSS_REQUEST => {
                let c = self.cycle();
                c.pg.command = if m.kind == message::SSL_REQUEST {
                    "ssl_request"
                } else {
                    "gss_request"
                }
                .into();
                c.request.add(at, size);
                self.awaiting_byte = true;
                self.send(out);
            }
            message::CANCEL => {
                let c = self.cycle();
                c.pg.command = "cancel".into();
                c.request.add(at, size);
                let c = self.building.take().unwrap_or_default();
                report(out, c.request.span(), None, Detail::Pgsql(Box::new(c.pg)));
            }
            b'p' => {
                // Password, SASL or GSS responses belong to the login. A
                // SASLInitialResponse names the mechanism the client chose of those the
                // server offered (SCRAM-SHA-256-PLUS is offered first over TLS).
                let chosen = (self.password == password::SASL_INITIAL)
                    .then(|| message::cstr(m.body).0)
                    .filter(|mech| !mech.is_empty());
                match self.pending.back_mut() {
                    Some(c) if self.login => {
                        c.request.add(at, size);
                        if let Some(mech) = chosen {
                            c.pg.auth = Some(format!("sasl {mech}"));
                        }
                    }
                    _ => self.cycle().request.add(at, size),
                }
            }
            b'Q' => {
                let c = self.cycle();
                c.request.add(at, size);
                c.pg.command = "query".into();
                let (q, cut) = message::cstr_kept(m.body, m.truncated);
                c.pg.query = Some(q);
                c.pg.query_truncated = cut;
                self.send(out);
            }
            b'P' => {
                let c = self.cycle();
                c.request.add(at, size);
                let (name, rest) = message::cstr(m.body);
                let (q, cut) = message::cstr_kept(rest, m.truncated);
                if c.pg.query.is_none() {
                    c.pg.query = Some(q.clone());
                    c.pg.query_truncated = cut;
                    c.pg.statement = Some(name.clone());
                    c.pg.parsed = true;
                }
                c.parse_only = c.executes == 0;
                if !name.is_empty() || self.statements.len() < MAX_STATEMENTS {
                    if self.statements.len() >= MAX_STATEMENTS {
                        self.statements.clear();
                    }
                    self.statements.insert(name, (q, cut));
                }
            }
            b'B' => {
                let (_portal, rest) = message::cstr(m.body);
                let (stmt, rest) = message::cstr(rest);
                // Parameter format codes, then the parameter count.
                let formats = rest
                    .get(..2)
                    .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
                let at_params = 2 + 2 * formats as usize;
                let params = rest
                    .get(at_params..at_params + 2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]));
                let known = self.statements.get(&stmt).cloned();
                let c = self.cycle();
                c.request.add(at, size);
                c.pg.params = params.or(c.pg.params);
                if c.pg.query.is_none() {
                    if let Some((q, cut)) = known {
                        c.pg.query = Some(q);
                        c.pg.query_truncated = cut;
                    }
                    c.pg.statement = Some(stmt);
                }
            }
            b'E' => {
                let c = self.cycle();
                c.request.add(at, size);
                c.executes += 1;
                c.parse_only = false;
            }
            b'F' => {
                let c = self.cycle();
                c.request.add(at, size);
                c.pg.command = "function_call".into();
                self.send(out);
            }
            b'S' => {
                let c = self.cycle();
                c.request.add(at, size);
                self.send(out);
            }
            b'X' => {
                let mut c = self.building.take().unwrap_or_default();
                c.request.add(at, size);
                c.pg.command = "terminate".into();
                report(out, c.request.span(), None, Detail::Pgsql(Box::new(c.pg)));
            }
            b'd' | b'c' | b'f' => {
                // COPY FROM STDIN: data for the query waiting for its answer.
                match self.pending.back_mut() {
                    Some(c) => c.request.add(at, size),
                    None => self.cycle().request.add(at, size),
                }
            }
            // Describe, Close, Flush, and unknown messages are part of the cycle.
            _ => self.cycle().request.add(at, size),
        }
    }

    /// The cycle being written is complete: it waits for its answer.
    fn send(&mut self, out: &mut Vec<Transaction>) {
        let Some(mut c) = self.building.take() else {
            return;
        };
        if c.pg.command.is_empty() {
            c.pg.command = if c.executes > 0 {
                "execute"
            } else if c.parse_only {
                "prepare"
            } else {
                "sync"
            }
            .into();
        }
        if c.executes > 1 {
            c.pg.statements = Some(c.executes);
        }
        if self.pending.len() >= MAX_PENDING {
            if let Some(mut old) = self.pending.pop_front() {
                old.pg.incomplete = true;
                emit(old, out);
            }
        }
        self.pending.push_back(c);
    }

    /// The server's message.
    fn server(&mut self, m: &Message<'_>, at: At, out: &mut Vec<Transaction>) {
        let size = m.len as u64;
        if m.kind == message::ANSWER_BYTE {
            // The answer to an SSLRequest or GSSENCRequest.
            let yes = m.body.first().is_some_and(|&b| b == b'S' || b == b'G');
            if let Some(mut c) = self.pending.pop_front() {
                c.response.add(at, size);
                c.pg.ssl = Some(yes);
                emit(c, out);
            }
            if yes && m.body.first() == Some(&b'S') {
                // The plaintext is this protocol from its start (the StartupMessage), as
                // packet-pgsql.c hands it back after ssl_starttls_ack: not sniffed.
                self.tls = Some(Box::new(super::tls::StartTls::new(
                    self.keys.clone(),
                    self.server_port,
                    AppProto::Pgsql,
                    Box::new(Parser::new()),
                    at.packet,
                )));
            }
            return;
        }
        let Some(c) = self.pending.front_mut() else {
            // Nothing asked (joined mid-conversation, or a notification).
            return;
        };
        c.response.add(at, size);
        match m.kind {
            b'R' => {
                if let Some(kind) = m.body.get(..4) {
                    let kind = u32::from_be_bytes([kind[0], kind[1], kind[2], kind[3]]);
                    let auth = match kind {
                        0 => None,
                        3 => Some("password".into()),
                        5 => Some("md5".into()),
                        7 | 8 => Some("gss".into()),
                        9 => Some("sspi".into()),
                        10 => {
                            let (mech, _) = message::cstr(&m.body[4..]);
                            Some(format!("sasl {mech}"))
                        }
                        11 | 12 => None,
                        k => Some(format!("auth {k}")),
                    };
                    if auth.is_some() && c.pg.auth.is_none() {
                        c.pg.auth = auth;
                    }
                    if kind == 0 && c.pg.auth.is_none() {
                        c.pg.auth = Some("trust".into());
                    }
                }
            }
            b'S' => {
                let (k, rest) = message::cstr(m.body);
                let (v, _) = message::cstr(rest);
                if k == "server_version" {
                    c.pg.server_version = Some(v);
                }
            }
            b'T' => {
                let n = m.body.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
                if c.pg.columns.is_none() {
                    c.pg.columns = n;
                }
            }
            b'D' => *c.pg.rows.get_or_insert(0) += 1,
            b'C' => {
                let (tag, _) = message::cstr(m.body);
                if let Some(n) = affected(&tag) {
                    *c.pg.affected_rows.get_or_insert(0) += n;
                }
                c.pg.tags.push(tag);
                if c.pg.command == "query" {
                    let n = c.pg.tags.len() as u32;
                    c.pg.statements = (n > 1).then_some(n);
                }
            }
            b'E' => {
                // The first error of the cycle is the one that stopped it.
                if c.pg.sql_state.is_none() {
                    for (code, value) in message::fields(m.body) {
                        match code {
                            b'S' => c.pg.error_severity = Some(value),
                            b'C' => c.pg.sql_state = Some(value),
                            b'M' => c.pg.error_message = Some(value),
                            _ => {}
                        }
                    }
                }
                // A FATAL error ends the connection without a ReadyForQuery.
                if c.pg.error_severity.as_deref() == Some("FATAL") {
                    if let Some(c) = self.pending.pop_front() {
                        emit(c, out);
                    }
                    self.login = false;
                }
            }
            b'Z' => {
                if let Some(c) = self.pending.pop_front() {
                    emit(c, out);
                }
                self.login = false;
            }
            _ => {}
        }
    }
}

/// The rows a CommandComplete tag counts for a command that changes them.
fn affected(tag: &str) -> Option<u64> {
    let mut words = tag.split(' ');
    let cmd = words.next()?;
    if !matches!(cmd, "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY") {
        return None;
    }
    words.next_back()?.parse().ok()
}

fn emit(c: Cycle, out: &mut Vec<Transaction>) {
    let mut pg = c.pg;
    if c.response.first.is_none() {
        pg.incomplete = true;
    }
    report(
        out,
        c.request.span(),
        c.response.span(),
        Detail::Pgsql(Box::new(pg)),
    );
}

impl StreamParser for Parser {
    fn data(&mut self, from_client: bool, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.data(from_client, bytes, at, out);
            return;
        }
        let s = usize::from(!from_client);
        if self.stopped[s] {
            return;
        }
        if !from_client && self.awaiting_byte {
            self.readers[1].expect_answer_byte();
            self.awaiting_byte = false;
        }
        let mut reader = std::mem::replace(&mut self.readers[s], Reader::new(false, 0));
        let mut rest = 0;
        reader.feed(bytes, &mut |m, tail| {
            let mut pdu = Pdu::new(PduKind::Pgsql, at.packet, from_client);
            pdu.code = m.kind;
            // The length field counts itself, not the type byte.
            let typed = m.kind > message::ANSWER_BYTE;
            pdu.len = u32::try_from(m.len - usize::from(typed && m.len > 0)).unwrap_or(u32::MAX);
            match (from_client, m.kind) {
                (true, b'p') => pdu.flags = self.password,
                (false, b'R') => {
                    self.password = match m.body.get(..4) {
                        Some(&[0, 0, 0, 10]) => password::SASL_INITIAL,
                        Some(&[0, 0, 0, 11]) => password::SASL_RESPONSE,
                        Some(&[0, 0, 0, 7 | 8]) => password::GSS,
                        _ => password::PASSWORD,
                    }
                }
                _ => {}
            }
            self.pdus.push(pdu);
            if from_client {
                self.client(&m, at, out);
            } else {
                self.server(&m, at, out);
            }
            if self.tls.is_some() {
                // The TLS handshake follows in the same bytes.
                rest = tail.len();
                return false;
            }
            true
        });
        self.readers[s] = reader;
        if let (Some(tls), true) = (&mut self.tls, rest > 0) {
            tls.data(from_client, &bytes[bytes.len() - rest..], at, out);
        }
    }

    fn gap(&mut self, from_client: bool, len: u64, at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.gap(from_client, len, at, out);
            return;
        }
        // Message boundaries are lost on this side.
        let s = usize::from(!from_client);
        self.stopped[s] = true;
        for c in &mut self.pending {
            c.pg.incomplete = true;
        }
        if let Some(c) = &mut self.building {
            c.pg.incomplete = true;
        }
    }

    fn side_end(&mut self, from_client: bool, at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.side_end(from_client, at, out);
        }
    }

    fn end(&mut self, at: At, out: &mut Vec<Transaction>) {
        if let Some(tls) = &mut self.tls {
            tls.end(at, out);
        }
        if let Some(mut c) = self.building.take() {
            if !c.pg.command.is_empty() || c.request.first.is_some() {
                if c.pg.command.is_empty() {
                    c.pg.command = if c.executes > 0 { "execute" } else { "prepare" }.into();
                }
                c.pg.incomplete = true;
                self.pending.push_back(c);
            }
        }
        for c in std::mem::take(&mut self.pending) {
            emit(c, out);
        }
    }

    fn inner(&self) -> Option<AppProto> {
        self.tls.as_ref().map(|_| AppProto::Pgsql)
    }

    fn tls_switch(&self) -> Option<crate::capture::app::tls::TlsSwitch> {
        self.tls.as_ref()?.tls_switch()
    }

    fn take_pdus(&mut self, out: &mut Vec<Pdu>) {
        out.append(&mut self.pdus);
        if let Some(tls) = &mut self.tls {
            tls.take_pdus(out);
        }
    }
}

#[cfg(test)]
mod test;
