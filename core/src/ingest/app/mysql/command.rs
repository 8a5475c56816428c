//! The command phase (§ "Command Phase"): each command (sequence id 0) and its response
//! — OK, ERR, a result set up to its EOF (or, with CLIENT_DEPRECATE_EOF, its OK), the
//! prepared statements' answers — as transactions.

use super::framing::Packet;
use super::{
    caps, emit, extend, lossy, report, status, Parser, Pending, Reader, Resp, MAX_PENDING,
    MAX_RESPONSE_CODES, MAX_STATEMENTS,
};
use crate::capture::app::mysql::Mysql;
use crate::capture::app::{Detail, Transaction};

impl Parser {
    /// What a command packet says, and whether a response will come.
    pub(super) fn parse_command(&mut self, p: &Packet) -> Option<(Mysql, bool)> {
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

    pub(super) fn command(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let Some((d, no_reply)) = self.parse_command(p) else {
            return;
        };
        // A command sent while an earlier response might still end with an optional EOF
        // ends that response.
        self.settle_optional(out);
        if no_reply {
            report(out, Some(p.span), None, Detail::Mysql(Box::new(d)));
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
    pub(super) fn query_text<'a>(&self, body: &'a [u8]) -> &'a [u8] {
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

    /// A response packet: it belongs to the first waiting command.
    pub(super) fn response_packet(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
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
    pub(super) fn settle_optional(&mut self, out: &mut Vec<Transaction>) {
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
}

impl Mysql {
    /// Notes the response code of a server packet, if it has one.
    pub(super) fn note_code(&mut self, packet: u64, data: &[u8], len: u64) {
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

/// A row or the end of the rows. Returns true when the response is complete.
pub(super) fn rows_packet(head: &mut Pending, p: &Packet, eof: bool) -> bool {
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
pub(super) fn ok_packet(d: &mut Mysql, data: &[u8], eof: bool) -> bool {
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
pub(super) fn err_packet(d: &mut Mysql, data: &[u8]) {
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
pub(super) fn is_column_definition(d: &[u8]) -> bool {
    d.starts_with(b"\x03def")
}

/// A first client packet that can be a command of a conversation joined mid-way.
pub(super) fn plausible_command(d: &[u8], len: u64) -> bool {
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
pub(super) fn skip_parameters(r: &mut Reader<'_>, count: u64) -> Option<()> {
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
