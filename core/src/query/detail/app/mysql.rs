//! MySQL client/server protocol packets (MySQL's "Client/Server Protocol" pages): each
//! packet is a PDU (3-byte length, sequence number); what it is follows from the
//! conversation so far, as Wireshark's dissector tracks it.

use crate::query::detail::{colon_hex, hex, string_field, Node};

/// What a packet is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    #[default]
    Unknown,
    Greeting,
    Login,
    /// A command; `attrs`: a query carries query attributes first.
    Command {
        attrs: bool,
    },
    AuthSwitch,
    ShowField,
    Ok,
    Err,
    Eof {
        intermediate: bool,
    },
    /// The OK packet with an EOF header that ends rows under DEPRECATE_EOF.
    OkEof,
    /// A row of the binary protocol (a prepared statement's result).
    BinaryRow,
    ColumnCount,
    Field,
    Row,
    PrepareOk,
    PrepareParam,
    PrepareField,
}

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Conv {
    greeted: bool,
    logged_in: bool,
    /// The command the server answers now.
    command: Option<u8>,
    /// Field packets still to come, then whether an EOF follows them.
    fields_left: u64,
    rows: bool,
    /// A prepare's response: parameters, then fields, still to come.
    params_left: u64,
    params_eof: bool,
    prep_fields_left: u64,
    fields_eof: bool,
    deprecate_eof: bool,
    /// Both sides speak CLIENT_QUERY_ATTRIBUTES.
    query_attrs: bool,
    /// An EOF packet ends the field definitions (no DEPRECATE_EOF).
    pending_eof: bool,
    /// The client's SSL request was seen: TLS follows, and inside it the login again.
    ssl: bool,
}

fn le(b: &[u8], at: usize, n: usize) -> u64 {
    let mut v = 0u64;
    for i in (0..n).rev() {
        v = v << 8 | *b.get(at + i).unwrap_or(&0) as u64;
    }
    v
}

/// A length-encoded integer at `at`: value and bytes taken.
fn lenenc(b: &[u8], at: usize) -> Option<(u64, usize)> {
    Some(match *b.get(at)? {
        x @ 0..=0xfa => (x as u64, 1),
        0xfc => (le(b, at + 1, 2), 3),
        0xfd => (le(b, at + 1, 3), 4),
        0xfe => (le(b, at + 1, 8), 9),
        _ => return None,
    })
}

impl Conv {
    /// The client asked for TLS: the conversation's bytes are TLS records from here on.
    pub(crate) fn tls(&self) -> bool {
        self.ssl
    }

    /// What the packet `p` (header included) is, and what the conversation expects next.
    pub(crate) fn classify(&mut self, p: &[u8], to_server: bool) -> Kind {
        let seq = p.get(3).copied().unwrap_or(0);
        let body = p.get(4..).unwrap_or(&[]);
        let first = body.first().copied().unwrap_or(0);
        if to_server {
            if self.greeted && !self.logged_in && seq == 1 + u8::from(self.ssl) {
                let caps = le(body, 0, 4);
                if !self.ssl && caps & 0x0800 != 0 && body.len() == 32 {
                    // The SSL request (§ "Protocol::SSLRequest"): the handshake response
                    // comes again inside TLS, with sequence id 2.
                    self.ssl = true;
                    return Kind::Login;
                }
                self.logged_in = true;
                self.deprecate_eof &= caps & 0x0100_0000 != 0;
                self.query_attrs &= caps & 0x0800_0000 != 0;
                return Kind::Login;
            }
            if seq == 0 {
                self.logged_in = true;
                self.command = Some(first);
                self.fields_left = 0;
                self.rows = false;
                return Kind::Command {
                    attrs: self.query_attrs,
                };
            }
            return Kind::Unknown;
        }
        if !self.greeted && seq == 0 && first == 0x0a {
            self.greeted = true;
            // Extended capabilities: after version, thread id, salt, filler, caps, …
            if let Some(v) = body.iter().position(|&c| c == 0) {
                let ext = le(body, v + 1 + 4 + 9 + 2 + 1 + 2, 2);
                self.deprecate_eof = ext & 0x0100 != 0;
                self.query_attrs = ext & 0x0800 != 0;
            }
            return Kind::Greeting;
        }
        if self.params_left > 0 {
            self.params_left -= 1;
            return Kind::PrepareParam;
        }
        if self.params_eof {
            self.params_eof = false;
            return Kind::Eof { intermediate: true };
        }
        if self.prep_fields_left > 0 {
            self.prep_fields_left -= 1;
            return Kind::PrepareField;
        }
        if self.fields_eof {
            self.fields_eof = false;
            return Kind::Eof {
                intermediate: false,
            };
        }
        if self.fields_left > 0 {
            self.fields_left -= 1;
            return Kind::Field;
        }
        if self.command.is_none() && self.logged_in && first == 0xfe && body.len() >= 9 {
            return Kind::AuthSwitch;
        }
        if self.command == Some(0x04) && !matches!(first, 0xff | 0xfe) {
            return Kind::ShowField;
        }
        match first {
            0xff => {
                self.rows = false;
                Kind::Err
            }
            0xfe if body.len() < 9 => {
                if self.pending_eof {
                    self.pending_eof = false;
                    self.rows = true;
                    return Kind::Eof { intermediate: true };
                }
                let ends_rows = self.rows;
                self.rows = false;
                if ends_rows && self.deprecate_eof && body.len() >= 7 {
                    return Kind::OkEof;
                }
                Kind::Eof {
                    intermediate: false,
                }
            }
            0x00 if self.command == Some(0x16) && !self.rows => {
                self.params_left = le(body, 7, 2);
                self.prep_fields_left = le(body, 5, 2);
                self.params_eof = self.params_left > 0 && !self.deprecate_eof;
                self.fields_eof = self.prep_fields_left > 0 && !self.deprecate_eof;
                self.command = None;
                Kind::PrepareOk
            }
            0x00 if !self.rows => Kind::Ok,
            0x00 if self.command == Some(0x17) => Kind::BinaryRow,
            _ if self.rows && self.command == Some(0x17) => Kind::BinaryRow,
            _ if self.rows => Kind::Row,
            _ if matches!(self.command, Some(0x03 | 0x17)) => {
                let n = lenenc(body, 0).map_or(0, |v| v.0);
                self.fields_left = n;
                // With DEPRECATE_EOF the rows follow the fields straight away.
                self.rows = self.deprecate_eof;
                self.pending_eof = !self.deprecate_eof;
                Kind::ColumnCount
            }
            _ => Kind::Unknown,
        }
    }
}

fn command_name(c: u8) -> &'static str {
    match c {
        0x00 => "Sleep",
        0x01 => "Quit",
        0x02 => "Use Database",
        0x03 => "Query",
        0x04 => "Show Fields",
        0x05 => "Create Database",
        0x06 => "Drop Database",
        0x07 => "Refresh",
        0x08 => "Shutdown",
        0x09 => "Statistics",
        0x0a => "Process List",
        0x0b => "Connect",
        0x0c => "Kill Server Thread",
        0x0d => "Dump Debug Info",
        0x0e => "Ping",
        0x11 => "Change User",
        0x16 => "Prepare Statement",
        0x17 => "Execute Statement",
        0x18 => "Send BLOB",
        0x19 => "Close Statement",
        0x1a => "Reset Statement",
        0x1b => "Set Option",
        0x1c => "Fetch Data",
        _ => "Unknown",
    }
}

fn string_at(b: &[u8], at: usize) -> Option<(String, usize)> {
    let end = b.get(at..)?.iter().position(|&c| c == 0)? + at;
    Some((
        String::from_utf8_lossy(&b[at..end]).into_owned(),
        end + 1 - at,
    ))
}

/// A length-encoded string of a field definition: the text item and its field.
fn lenenc_str(
    p: &[u8],
    at: usize,
    base: usize,
    label: &str,
    name: &'static str,
) -> Option<(Node, usize)> {
    let (len, w) = lenenc(p, at)?;
    let len = len as usize;
    let v = p.get(at + w..at + w + len)?;
    let s = String::from_utf8_lossy(v).into_owned();
    let mut t = Node::text(label, base + at, w + len).hex(&p[at..at + w + len]);
    let f = Node::field(name, format!("{label}: {s}"), s, base + at + w, len);
    t.push(if len > 0 { f.hex(v) } else { f });
    Some((t, w + len))
}

/// The `mysql` layer of one packet `p` (header included) at `at`.
pub(super) fn dissect(p: &[u8], at: usize, kind: Kind) -> Vec<Node> {
    let title = match kind {
        Kind::Ok | Kind::OkEof => "MySQL Protocol - response OK",
        Kind::Err => "MySQL Protocol - response ERROR",
        Kind::Eof { intermediate: true } => "MySQL Protocol - intermediate EOF",
        Kind::Eof { .. } => "MySQL Protocol - response EOF",
        Kind::ColumnCount => "MySQL Protocol - column count",
        Kind::Field => "MySQL Protocol - field packet",
        Kind::Row | Kind::BinaryRow => "MySQL Protocol - row packet",
        Kind::PrepareOk => "MySQL Protocol - response to PREPARE",
        Kind::PrepareParam => "MySQL Protocol - parameters in response to PREPARE",
        Kind::PrepareField => "MySQL Protocol - fields in response to PREPARE",
        Kind::AuthSwitch => "MySQL Protocol - authentication switch request",
        Kind::ShowField => "MySQL Protocol - response to SHOW FIELDS",
        _ => "MySQL Protocol",
    };
    let mut n = Node::proto("mysql", title, at, p.len());
    if p.len() < 4 {
        return vec![n];
    }
    let len = le(p, 0, 3);
    n.push(
        Node::field(
            "mysql.packet_length",
            format!("Packet Length: {len}"),
            len.to_string(),
            at,
            3,
        )
        .hex(&p[..3]),
    );
    n.push(
        Node::field(
            "mysql.packet_number",
            format!("Packet Number: {}", p[3]),
            p[3].to_string(),
            at + 3,
            1,
        )
        .hex(&p[3..4]),
    );
    let b = at + 4;
    let body = &p[4..];
    if body.is_empty() {
        return vec![n];
    }
    match kind {
        Kind::Greeting => {
            let mut g = Node::field(
                "mysql.server_greeting",
                "Server Greeting",
                "",
                b,
                body.len(),
            )
            .none();
            g.push(
                Node::field(
                    "mysql.protocol",
                    format!("Protocol: {}", body[0]),
                    body[0].to_string(),
                    b,
                    1,
                )
                .hex(&body[..1]),
            );
            if let Some((v, vl)) = string_at(body, 1) {
                g.push(
                    Node::field("mysql.version", format!("Version: {v}"), v, b + 1, vl)
                        .hex(&body[1..1 + vl]),
                );
                let t = le(body, 1 + vl, 4);
                g.push(
                    Node::field(
                        "mysql.thread_id",
                        format!("Thread ID: {t}"),
                        t.to_string(),
                        b + 1 + vl,
                        4,
                    )
                    .hex(&body[1 + vl..(5 + vl).min(body.len())]),
                );
            }
            n.push(g);
        }
        Kind::Login => {
            let mut l =
                Node::field("mysql.login_request", "Login Request", "", b, body.len()).none();
            let caps = le(body, 0, 2);
            l.push(
                Node::field(
                    "mysql.caps.client",
                    format!("Client Capabilities: 0x{caps:04x}"),
                    format!("0x{caps:04x}"),
                    b,
                    2,
                )
                .hex(&body[..2.min(body.len())]),
            );
            let ext = le(body, 2, 2);
            l.push(
                Node::field(
                    "mysql.extcaps.client",
                    format!("Extended Client Capabilities: 0x{ext:04x}"),
                    format!("0x{ext:04x}"),
                    b + 2,
                    2,
                )
                .hex(&body[2..4.min(body.len())]),
            );
            let max = le(body, 4, 4);
            l.push(
                Node::field(
                    "mysql.max_packet",
                    format!("MAX Packet: {max}"),
                    max.to_string(),
                    b + 4,
                    4,
                )
                .hex(&body[4..8.min(body.len())]),
            );
            if let Some((u, ul)) = string_at(body, 32) {
                l.push(
                    Node::field("mysql.user", format!("Username: {u}"), u, b + 32, ul)
                        .hex(&body[32..32 + ul]),
                );
                let mut at2 = 32 + ul;
                // The auth response: length-encoded (PLUGIN_AUTH_LENENC) or 1-byte length.
                let (plen, w) = if ext & 0x0020 != 0 {
                    lenenc(body, at2).unwrap_or((0, 1))
                } else {
                    (body.get(at2).copied().unwrap_or(0) as u64, 1)
                };
                let pw = body.get(at2 + w..at2 + w + plen as usize).unwrap_or(&[]);
                if !pw.is_empty() {
                    l.push(
                        Node::field(
                            "mysql.passwd",
                            format!("Password: {}", hex(pw)),
                            colon_hex(pw),
                            b + at2 + w,
                            pw.len(),
                        )
                        .hex(pw),
                    );
                }
                at2 += w + plen as usize;
                if caps & 0x0008 != 0 {
                    if let Some((s, sl)) = string_at(body, at2) {
                        l.push(
                            Node::field("mysql.schema", format!("Schema: {s}"), s, b + at2, sl)
                                .hex(&body[at2..at2 + sl]),
                        );
                        at2 += sl;
                    }
                }
                if ext & 0x0008 != 0 {
                    if let Some((s, sl)) = string_at(body, at2) {
                        l.push(
                            Node::field(
                                "mysql.client_auth_plugin",
                                format!("Client Auth Plugin: {s}"),
                                s,
                                b + at2,
                                sl,
                            )
                            .hex(&body[at2..at2 + sl]),
                        );
                    }
                }
            }
            n.push(l);
        }
        Kind::Command { attrs } => {
            let c = body.first().copied().unwrap_or(0);
            let name = command_name(c);
            let mut r = Node::field(
                "mysql.request",
                format!("Request Command {name}"),
                "",
                b,
                body.len(),
            )
            .none();
            r.push(
                Node::field(
                    "mysql.command",
                    format!("Command: {name} ({c})"),
                    c.to_string(),
                    b,
                    1,
                )
                .hex(&body[..1]),
            );
            let mut rest = &body[1..];
            let mut q0 = b + 1;
            if attrs && c == 0x03 {
                // Query attributes (CLIENT_QUERY_ATTRIBUTES): a count, a set count, then
                // the attributes when there are any.
                if let Some((0, w)) = lenenc(rest, 0) {
                    rest = rest.get(w + 1..).unwrap_or(&[]);
                    q0 += w + 1;
                }
            }
            match c {
                0x03 | 0x16 => {
                    let q = String::from_utf8_lossy(rest).into_owned();
                    r.push(string_field("mysql.query", "Statement", q, q0, rest.len()).hex(rest));
                }
                0x02 => {
                    let s = String::from_utf8_lossy(rest).into_owned();
                    r.push(
                        Node::field("mysql.schema", format!("Schema: {s}"), s, b + 1, rest.len())
                            .hex(rest),
                    );
                }
                0x17 | 0x19 | 0x1a | 0x1c | 0x18 if rest.len() >= 4 => {
                    let id = le(rest, 0, 4);
                    r.push(
                        Node::field(
                            "mysql.stmt_id",
                            format!("Statement ID: {id}"),
                            id.to_string(),
                            b + 1,
                            4,
                        )
                        .hex(&rest[..4]),
                    );
                }
                _ => {}
            }
            n.push(r);
        }
        Kind::Ok | Kind::OkEof => {
            if kind == Kind::OkEof {
                n.push(
                    Node::field(
                        "mysql.response_code",
                        "Response Code: EOF Packet (0xfe)",
                        "0xfe",
                        b,
                        1,
                    )
                    .hex(&body[..1]),
                );
                n.push(Node::field("mysql.eof", "EOF marker: 254", "254", b, 1).hex(&body[..1]));
            } else {
                n.push(
                    Node::field(
                        "mysql.response_code",
                        "Response Code: OK Packet (0x00)",
                        "0x00",
                        b,
                        1,
                    )
                    .hex(&body[..1]),
                );
            }
            if let Some((rows, w)) = lenenc(body, 1) {
                n.push(
                    Node::field(
                        "mysql.affected_rows",
                        format!("Affected Rows: {rows}"),
                        rows.to_string(),
                        b + 1,
                        w,
                    )
                    .hex(&body[1..1 + w]),
                );
                if let Some((_, w2)) = lenenc(body, 1 + w) {
                    let s = 1 + w + w2;
                    if body.len() >= s + 4 {
                        let st = le(body, s, 2);
                        n.push(
                            Node::field(
                                "mysql.server_status",
                                format!("Server Status: 0x{st:04x}"),
                                format!("0x{st:04x}"),
                                b + s,
                                2,
                            )
                            .hex(&body[s..s + 2]),
                        );
                        let wn = le(body, s + 2, 2);
                        n.push(
                            Node::field(
                                "mysql.warnings",
                                format!("Warnings: {wn}"),
                                wn.to_string(),
                                b + s + 2,
                                2,
                            )
                            .hex(&body[s + 2..s + 4]),
                        );
                    }
                }
            }
        }
        Kind::Err => {
            n.push(
                Node::field(
                    "mysql.response_code",
                    "Response Code: ERR Packet (0xff)",
                    "0xff",
                    b,
                    1,
                )
                .hex(&body[..1]),
            );
            if body.len() >= 3 {
                let code = le(body, 1, 2);
                n.push(
                    Node::field(
                        "mysql.error_code",
                        format!("Error Code: {code}"),
                        code.to_string(),
                        b + 1,
                        2,
                    )
                    .hex(&body[1..3]),
                );
                let mut m = 3;
                if body.get(3) == Some(&b'#') && body.len() >= 9 {
                    let s = String::from_utf8_lossy(&body[4..9]).into_owned();
                    n.push(
                        Node::field("mysql.sqlstate", format!("SQL state: {s}"), s, b + 4, 5)
                            .hex(&body[4..9]),
                    );
                    m = 9;
                }
                let msg = String::from_utf8_lossy(&body[m..]).into_owned();
                n.push(
                    string_field(
                        "mysql.error.message",
                        "Error message",
                        msg,
                        b + m,
                        body.len() - m,
                    )
                    .hex(&body[m..]),
                );
            }
        }
        Kind::Eof { .. } => {
            n.push(
                Node::field(
                    "mysql.response_code",
                    "Response Code: EOF Packet (0xfe)",
                    "0xfe",
                    b,
                    1,
                )
                .hex(&body[..1]),
            );
            n.push(Node::field("mysql.eof", "EOF marker: 254", "254", b, 1).hex(&body[..1]));
            if body.len() >= 5 {
                let wn = le(body, 1, 2);
                n.push(
                    Node::field(
                        "mysql.warnings",
                        format!("Warnings: {wn}"),
                        wn.to_string(),
                        b + 1,
                        2,
                    )
                    .hex(&body[1..3]),
                );
                let st = le(body, 3, 2);
                n.push(
                    Node::field(
                        "mysql.server_status",
                        format!("Server Status: 0x{st:04x}"),
                        format!("0x{st:04x}"),
                        b + 3,
                        2,
                    )
                    .hex(&body[3..5]),
                );
            }
        }
        Kind::ColumnCount => {
            if let Some((v, w)) = lenenc(body, 0) {
                n.push(
                    Node::field(
                        "mysql.num_fields",
                        format!("Number of fields: {v}"),
                        v.to_string(),
                        b,
                        w,
                    )
                    .hex(&body[..w]),
                );
            }
        }
        Kind::Field | Kind::PrepareParam | Kind::PrepareField | Kind::ShowField => {
            let mut pos = 0;
            for (label, name) in [
                ("Catalog", "mysql.field.catalog"),
                ("Database", "mysql.field.db"),
                ("Table", "mysql.field.table"),
                ("Original table", "mysql.field.org_table"),
                ("Name", "mysql.field.name"),
                ("Original name", "mysql.field.org_name"),
            ] {
                let Some((t, w)) = lenenc_str(body, pos, b, label, name) else {
                    return vec![n];
                };
                n.push(t);
                pos += w;
            }
            // A length (0x0c) byte, then charset, length, type, flags, decimals.
            let f = pos + 1;
            if body.len() >= f + 10 {
                let l = le(body, f + 2, 4);
                n.push(
                    Node::field(
                        "mysql.field.length",
                        format!("Length: {l}"),
                        l.to_string(),
                        b + f + 2,
                        4,
                    )
                    .hex(&body[f + 2..f + 6]),
                );
                let fl = le(body, f + 7, 2);
                n.push(
                    Node::field(
                        "mysql.field.flags",
                        format!("Flags: 0x{fl:04x}"),
                        format!("0x{fl:04x}"),
                        b + f + 7,
                        2,
                    )
                    .hex(&body[f + 7..f + 9]),
                );
                let d = body[f + 9];
                n.push(
                    Node::field(
                        "mysql.field.decimals",
                        format!("Decimals: {d}"),
                        d.to_string(),
                        b + f + 9,
                        1,
                    )
                    .hex(&body[f + 9..f + 10]),
                );
            }
        }
        Kind::Row => {
            let mut pos = 0;
            while pos < body.len() {
                if body[pos] == 0xfb {
                    // NULL.
                    pos += 1;
                    continue;
                }
                let Some((t, w)) = lenenc_str(body, pos, b, "text", "mysql.row.text") else {
                    break;
                };
                n.push(t);
                pos += w;
            }
        }
        Kind::PrepareOk => {
            n.push(
                Node::field(
                    "mysql.response_code",
                    "Response Code: OK Packet (0x00)",
                    "0x00",
                    b,
                    1,
                )
                .hex(&body[..1]),
            );
            if body.len() >= 12 {
                let id = le(body, 1, 4);
                n.push(
                    Node::field(
                        "mysql.stmt_id",
                        format!("Statement ID: {id}"),
                        id.to_string(),
                        b + 1,
                        4,
                    )
                    .hex(&body[1..5]),
                );
                let nf = le(body, 5, 2);
                n.push(
                    Node::field(
                        "mysql.num_fields",
                        format!("Number of fields: {nf}"),
                        nf.to_string(),
                        b + 5,
                        2,
                    )
                    .hex(&body[5..7]),
                );
                let np = le(body, 7, 2);
                n.push(
                    Node::field(
                        "mysql.num_params",
                        format!("Number of parameter: {np}"),
                        np.to_string(),
                        b + 7,
                        2,
                    )
                    .hex(&body[7..9]),
                );
                let wn = le(body, 10, 2);
                n.push(
                    Node::field(
                        "mysql.warnings",
                        format!("Warnings: {wn}"),
                        wn.to_string(),
                        b + 10,
                        2,
                    )
                    .hex(&body[10..12]),
                );
            }
        }
        Kind::BinaryRow => {
            // Wireshark names a binary row's 0x00 header as an OK packet's code.
            if body.first() == Some(&0) {
                n.push(
                    Node::field(
                        "mysql.response_code",
                        "Response Code: OK Packet (0x00)",
                        "0x00",
                        b,
                        1,
                    )
                    .hex(&body[..1]),
                );
            }
        }
        Kind::Unknown | Kind::AuthSwitch => {}
    }
    vec![n]
}
