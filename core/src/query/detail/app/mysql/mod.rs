//! MySQL client/server protocol packets (MySQL's "Client/Server Protocol" pages): each
//! packet is a PDU (3-byte length, sequence number); what it is follows from the
//! conversation so far, as Wireshark's dissector tracks it.

mod names;

use std::borrow::Cow;

use crate::capture::tcp::Severity;
use crate::query::detail::udpapp::ascii;
use crate::query::detail::{
    bits_text, colon_hex, hex, set, shown_bytes, string_field, Group, Node,
};

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
    /// `code`: the request's 0xfe header is shown as an EOF's (packet-mysql.c takes any
    /// other first byte for a request's too).
    AuthSwitch {
        code: bool,
    },
    /// The client's answer to an authentication switch request.
    AuthSwitchResponse,
    /// The server's packet after that answer that is none of OK, ERR and EOF (a
    /// caching_sha2_password's fast-auth result): packet-mysql.c knows no state for it.
    UnknownResponse,
    /// An error instead of the greeting.
    GreetingErr,
    /// COM_STATISTICS's answer: a text.
    Message,
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

/// What the two sides said of themselves, as packet-mysql.c keeps it for the conversation:
/// it decides what later packets show.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Caps {
    /// The greeting's capabilities and extended capabilities.
    srv: u16,
    srv_ext: u16,
    /// The login request's.
    clnt: u16,
    clnt_ext: u16,
    /// A MariaDB server (its version's "5.5.5-" or no CLIENT_LONG_PASSWORD) and client
    /// (no CLIENT_LONG_PASSWORD): their packets carry MariaDB's fields.
    mariadb_server: bool,
    mariadb_client: bool,
}

/// A packet's kind and the capabilities in force when it came.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Packet {
    pub(crate) kind: Kind,
    caps: Caps,
}

const CAPS_LP: u16 = 0x0001;
const CAPS_CD: u16 = 0x0008;
const CAPS_CU: u16 = 0x0200;
const CAPS_SL: u16 = 0x0800;
const CAPS_SC: u16 = 0x8000;
const EXT_PA: u16 = 0x0008;
const EXT_CA: u16 = 0x0010;
const EXT_ST: u16 = 0x0080;
const STAT_SESSION_STATE_CHANGED: u16 = 0x4000;

/// packet-mysql.c's authentication states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Auth {
    #[default]
    Done,
    /// The login named a plugin (CLIENT_PLUGIN_AUTH): the server may ask to switch.
    Request,
    /// The server asked: the client's packets answer until the server's next packet.
    Response,
}

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Conv {
    caps: Caps,
    /// Where the authentication stands.
    auth: Auth,
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
    pub(crate) fn classify(&mut self, p: &[u8], to_server: bool) -> Packet {
        let kind = self.kind(p, to_server);
        Packet {
            kind,
            caps: self.caps,
        }
    }

    fn kind(&mut self, p: &[u8], to_server: bool) -> Kind {
        let seq = p.get(3).copied().unwrap_or(0);
        let body = p.get(4..).unwrap_or(&[]);
        let first = body.first().copied().unwrap_or(0);
        if to_server {
            if self.greeted && !self.logged_in && seq == 1 + u8::from(self.ssl) {
                let caps = le(body, 0, 4);
                self.caps.clnt = caps as u16;
                self.caps.mariadb_client |= self.caps.clnt & CAPS_LP == 0;
                if self.caps.clnt & CAPS_CU != 0 {
                    self.caps.clnt_ext = (caps >> 16) as u16;
                }
                if !self.ssl && self.caps.clnt & CAPS_SL != 0 && body.len() == 32 {
                    // The SSL request (§ "Protocol::SSLRequest"): the handshake response
                    // comes again inside TLS, with sequence id 2.
                    self.ssl = true;
                    return Kind::Login;
                }
                self.logged_in = true;
                if self.caps.clnt_ext & EXT_PA != 0 {
                    self.auth = Auth::Request;
                }
                self.deprecate_eof &= caps & 0x0100_0000 != 0;
                self.query_attrs &= caps & 0x0800_0000 != 0;
                return Kind::Login;
            }
            if self.auth == Auth::Response {
                return Kind::AuthSwitchResponse;
            }
            // Without a greeting seen, packet-mysql.c takes every client packet for a
            // command.
            if seq == 0 || !self.greeted {
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
        if !self.greeted && seq == 0 && first == 0xff {
            return Kind::GreetingErr;
        }
        if !self.greeted && seq == 0 && first == 0x0a {
            self.greeted = true;
            // Version, thread id, salt, then capabilities, language, status and the
            // extended capabilities.
            if let Some((_, vl)) = string_at(body, 1) {
                self.caps.mariadb_server |= vl > 6 && body[1..].starts_with(b"5.5.5-");
                if let Some((_, sl)) = string_at(body, 1 + vl + 4) {
                    let at = 1 + vl + 4 + sl;
                    if at < body.len() {
                        self.caps.srv = le(body, at, 2) as u16;
                        self.caps.mariadb_server |= self.caps.srv & CAPS_LP == 0;
                    }
                    self.caps.srv_ext = le(body, at + 5, 2) as u16;
                }
            }
            self.deprecate_eof = self.caps.srv_ext & 0x0100 != 0;
            self.query_attrs = self.caps.srv_ext & 0x0800 != 0;
            return Kind::Greeting;
        }
        if self.auth != Auth::Done {
            let asked = std::mem::take(&mut self.auth) == Auth::Request;
            match first {
                0x00 | 0xff => {}
                0xfe if body.len() <= 6 => {}
                0xfe if asked => {
                    self.auth = Auth::Response;
                    return Kind::AuthSwitch { code: true };
                }
                0xfe => return Kind::OkEof,
                _ if asked => {
                    self.auth = Auth::Response;
                    return Kind::AuthSwitch { code: false };
                }
                _ => return Kind::UnknownResponse,
            }
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
        if self.command == Some(0x04) && !matches!(first, 0xff | 0xfe) {
            return Kind::ShowField;
        }
        match first {
            0xff => {
                self.rows = false;
                Kind::Err
            }
            // packet-mysql.c tells an EOF from an OK with an EOF header by length alone.
            0xfe if body.len() <= 6 => {
                if self.pending_eof {
                    self.pending_eof = false;
                    self.rows = true;
                    return Kind::Eof { intermediate: true };
                }
                self.rows = false;
                Kind::Eof {
                    intermediate: false,
                }
            }
            0xfe => {
                self.rows = false;
                Kind::OkEof
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
            _ if self.command == Some(0x09) => {
                self.command = None;
                Kind::Message
            }
            // After a command packet-mysql.c does not know it expects nothing.
            _ if self.command.is_some_and(invalid_command) => Kind::UnknownResponse,
            _ => Kind::Unknown,
        }
    }
}

/// A command packet-mysql.c dissects no further (its payload an expert item's): those
/// not sent by clients, and codes it does not know.
fn invalid_command(c: u8) -> bool {
    matches!(c, 0x00 | 0x0b | 0x0f | 0x10 | 0x1d | 0x1f) || (0x20..=0xf9).contains(&c) || c > 0xfa
}

fn string_at(b: &[u8], at: usize) -> Option<(String, usize)> {
    let end = b.get(at..)?.iter().position(|&c| c == 0)? + at;
    Some((
        String::from_utf8_lossy(&b[at..end]).into_owned(),
        end + 1 - at,
    ))
}

/// A flag of a flags word: its field, mask and label.
type Flag = (&'static str, u32, &'static str);

/// Capabilities (`mysql.caps.server`, `mysql.caps.client`).
const CAPS: [Flag; 16] = [
    ("mysql.caps.lp", 0x0001, "Long Password"),
    ("mysql.caps.fr", 0x0002, "Found Rows"),
    ("mysql.caps.lf", 0x0004, "Long Column Flags"),
    ("mysql.caps.cd", 0x0008, "Connect With Database"),
    ("mysql.caps.ns", 0x0010, "Don't Allow database.table.column"),
    ("mysql.caps.cp", 0x0020, "Can use compression protocol"),
    ("mysql.caps.ob", 0x0040, "ODBC Client"),
    ("mysql.caps.li", 0x0080, "Can Use LOAD DATA LOCAL"),
    ("mysql.caps.is", 0x0100, "Ignore Spaces before '('"),
    ("mysql.caps.cu", 0x0200, "Speaks 4.1 protocol (new flag)"),
    ("mysql.caps.ia", 0x0400, "Interactive Client"),
    ("mysql.caps.sl", 0x0800, "Switch to SSL after handshake"),
    ("mysql.caps.ii", 0x1000, "Ignore sigpipes"),
    ("mysql.caps.ta", 0x2000, "Knows about transactions"),
    ("mysql.caps.rs", 0x4000, "Speaks 4.1 protocol (old flag)"),
    ("mysql.caps.sc", 0x8000, "Can do 4.1 authentication"),
];

/// Extended capabilities (`mysql.extcaps.server`, `mysql.extcaps.client`); packet-mysql.c
/// names two of them `mysql.caps.pm`, and its label's typo is kept.
const EXT_CAPS: [Flag; 15] = [
    ("mysql.caps.ms", 0x0001, "Multiple statements"),
    ("mysql.caps.mr", 0x0002, "Multiple results"),
    ("mysql.caps.pm", 0x0004, "PS Multiple results"),
    ("mysql.caps.pa", 0x0008, "Plugin Auth"),
    ("mysql.caps.ca", 0x0010, "Connect attrs"),
    ("mysql.caps.pm", 0x0020, "Plugin Auth LENENC Client Data"),
    (
        "mysql.caps.ep",
        0x0040,
        "Client can handle expired passwords",
    ),
    (
        "mysql.caps.session_track",
        0x0080,
        "Session variable tracking",
    ),
    ("mysql.caps.deprecate_eof", 0x0100, "Deprecate EOF"),
    (
        "mysql.caps.optional_metadata",
        0x0200,
        "Client can hanle optional resultset metadata",
    ),
    (
        "mysql.caps.compress_zsd",
        0x0400,
        "ZSTD Compression Algorithm",
    ),
    ("mysql.caps.query_attrs", 0x0800, "Query Attributes"),
    ("mysql.caps.mf_auth", 0x1000, "Multifactor Authentication"),
    ("mysql.caps.cap_ext", 0x2000, "Capability Extension"),
    ("mysql.caps.unused", 0xc000, "Unused"),
];

/// The server's status (`mysql.server_status`).
const STATUS: [Flag; 15] = [
    ("mysql.stat.it", 0x0001, "In transaction"),
    ("mysql.stat.ac", 0x0002, "AUTO_COMMIT"),
    ("mysql.stat.mu", 0x0004, "Multi query / Unused"),
    ("mysql.stat.mr", 0x0008, "More results"),
    ("mysql.stat.bi", 0x0010, "Bad index used"),
    ("mysql.stat.ni", 0x0020, "No index used"),
    ("mysql.stat.cr", 0x0040, "Cursor exists"),
    ("mysql.stat.lr", 0x0080, "Last row sent"),
    ("mysql.stat.dr", 0x0100, "Database dropped"),
    ("mysql.stat.bs", 0x0200, "No backslash escapes"),
    ("mysql.stat.mc", 0x0400, "Metadata changed"),
    ("mysql.stat.query_was_slow", 0x0800, "Query was slow"),
    ("mysql.stat.ps_out_params", 0x1000, "PS Out Params"),
    ("mysql.stat.trans_readonly", 0x2000, "In Trans Readonly"),
    (
        "mysql.stat.session_state_changed",
        0x4000,
        "Session state changed",
    ),
];

/// MariaDB's extended capabilities (`mariadb.extcaps.server`, `mariadb.extcaps.client`).
const MARIADB_CAPS: [Flag; 5] = [
    ("mariadb.caps.pr", 0x0001, "Progress indication"),
    ("mariadb.caps.cm", 0x0002, "Multi commands"),
    ("mariadb.caps.bo", 0x0004, "Bulk Operations"),
    ("mariadb.caps.em", 0x0008, "Extended metadata"),
    ("mariadb.caps.me", 0x0010, "Cache metadata"),
];

/// A column's flags (`mysql.field.flags`); packet-mysql.c shows no binary flag.
const FIELD_FLAGS: [Flag; 11] = [
    ("mysql.field.flags.not_null", 0x0001, "Not null"),
    ("mysql.field.flags.primary_key", 0x0002, "Primary key"),
    ("mysql.field.flags.unique_key", 0x0004, "Unique key"),
    ("mysql.field.flags.multiple_key", 0x0008, "Multiple key"),
    ("mysql.field.flags.blob", 0x0010, "Blob"),
    ("mysql.field.flags.unsigned", 0x0020, "Unsigned"),
    ("mysql.field.flags.zero_fill", 0x0040, "Zero fill"),
    ("mysql.field.flags.enum", 0x0100, "Enum"),
    ("mysql.field.flags.auto_increment", 0x0200, "Auto increment"),
    ("mysql.field.flags.timestamp", 0x0400, "Timestamp"),
    ("mysql.field.flags.set", 0x0800, "Set"),
];

/// A string's size from `at` as packet-mysql.c's `my_tvb_strsize` takes it: up to its
/// NUL (counted), or the rest of the packet.
fn strsize(b: &[u8], at: usize) -> usize {
    let rest = b.get(at..).unwrap_or(&[]);
    rest.iter()
        .position(|&c| c == 0)
        .map_or(rest.len(), |n| n + 1)
}

/// A NUL-terminated string's size from `at` (NUL counted), as `tvb_strsize` takes it:
/// none without its NUL.
fn strsize_z(b: &[u8], at: usize) -> Option<usize> {
    Some(b.get(at..)?.iter().position(|&c| c == 0)? + 1)
}

/// A packet's body and where it lies in its byte source: the items are placed from it.
struct Body<'a> {
    b: &'a [u8],
    base: usize,
}

impl<'a> Body<'a> {
    fn get(&self, at: usize, len: usize) -> Option<&'a [u8]> {
        self.b.get(at..at.checked_add(len)?)
    }

    /// A little-endian unsigned field, `Label: value`.
    fn uint(&self, name: &'static str, label: &str, at: usize, len: usize) -> Option<Node> {
        let v = self.get(at, len)?;
        Some(self.number(name, label, le(v, 0, len), at, v))
    }

    /// A number field over `bytes` at `at`.
    fn number(&self, name: &'static str, label: &str, v: u64, at: usize, bytes: &[u8]) -> Node {
        Node::field(
            name,
            format!("{label}: {v}"),
            v.to_string(),
            self.base + at,
            bytes.len(),
        )
        .hex(bytes)
    }

    /// An ASCII string field (`FT_STRING`, `FT_STRINGZ`) of `len` bytes.
    fn ascii(&self, name: &'static str, label: &str, at: usize, len: usize) -> Option<Node> {
        let v = self.get(at, len)?;
        let (text, show) = ascii(v);
        let f = Node::field(name, format!("{label}: {text}"), show, self.base + at, len);
        Some(if len > 0 { f.hex(v) } else { f })
    }

    /// A bytes field (`FT_BYTES`) of `len` bytes.
    fn bytes(&self, name: &'static str, label: &str, at: usize, len: usize) -> Option<Node> {
        let v = self.get(at, len)?;
        if v.is_empty() {
            // tshark's text for an empty FT_BYTES.
            let text = format!("{label}: <MISSING>");
            return Some(Node::field(name, text, "", self.base + at, 0));
        }
        let f = Node::field(
            name,
            format!("{label}: {}", shown_bytes(v)),
            colon_hex(v),
            self.base + at,
            len,
        );
        Some(f.hex(v))
    }

    /// A flags word of `width` bytes and its flags, as `proto_tree_add_bitmask` shows
    /// them: each flag's bit picture and Set / Not set (one of several bits, its value
    /// in hex). The word's value too.
    fn bitmask(
        &self,
        name: &'static str,
        label: &str,
        at: usize,
        width: usize,
        flags: &[Flag],
    ) -> Option<(Node, u32)> {
        let bytes = self.get(at, width)?;
        let v = le(bytes, 0, width) as u32;
        let digits = width * 2;
        let pos = self.base + at;
        let shown = format!("0x{v:0digits$x}");
        let mut f = Node::field(name, format!("{label}: {shown}"), shown, pos, width).hex(bytes);
        let bits = width as u32 * 8;
        for &(fname, mask, flabel) in flags {
            let x = (v & mask) >> mask.trailing_zeros();
            let (text, show) = if mask.count_ones() == 1 {
                (
                    bits_text(
                        v.into(),
                        mask.into(),
                        bits,
                        format_args!("{flabel}: {}", set(x != 0)),
                    ),
                    x.to_string(),
                )
            } else {
                (
                    bits_text(
                        v.into(),
                        mask.into(),
                        bits,
                        format_args!("{flabel}: 0x{x:x}"),
                    ),
                    format!("0x{x:04x}"),
                )
            };
            f.push(Node::field(fname, text, show, pos, width).masked(x.into(), bytes));
        }
        Some((f, v))
    }

    /// A length-encoded integer as packet-mysql.c's `tvb_get_fle` reads it, with the
    /// items it adds to `n` (`mariadb.prefix`, and `mariadb.length` but for a NULL):
    /// its value, its size and whether it is NULL.
    fn fle(&self, n: &mut Node, at: usize) -> Option<(u64, usize, bool)> {
        let prefix = *self.b.get(at)?;
        let (w, more) = match prefix {
            251 => {
                n.push(
                    Node::field(
                        "mariadb.prefix",
                        "Prefix: 251(NULL)",
                        "251",
                        self.base + at,
                        1,
                    )
                    .hex(&self.b[at..at + 1]),
                );
                return Some((0, 1, true));
            }
            252 => (2, " Length in following 2 bytes"),
            253 => (3, " Length in following 3 bytes"),
            254 => (8, " Length in following 8 bytes"),
            _ => (1, ""),
        };
        n.push(
            Node::field(
                "mariadb.prefix",
                format!("Prefix: {prefix}{more}"),
                prefix.to_string(),
                self.base + at,
                1,
            )
            .hex(&self.b[at..at + 1]),
        );
        let from = if w == 1 { at } else { at + 1 };
        let v = self.get(from, w)?;
        let len = le(v, 0, w);
        n.push(self.number("mariadb.length", "Length", len, from, v));
        Some((len, from + w - at, false))
    }

    /// A length-encoded string as packet-mysql.c's `mysql_field_add_lestring` shows it:
    /// a text item of the field's label over the length and the string. Where it ends.
    fn lestring(&self, n: &mut Node, at: usize, label: &str, name: &'static str) -> Option<usize> {
        let mut t = Node::text(label, self.base + at, 0);
        let (len, w, null) = self.fle(&mut t, at)?;
        let s = at + w;
        let end = if null {
            t.push(Node::field(
                name,
                format!("{label}: NULL"),
                "NULL",
                self.base + s,
                0,
            ));
            s
        } else {
            let len = usize::try_from(len).ok()?;
            let v = self.get(s, len)?;
            let text = String::from_utf8_lossy(v).into_owned();
            let f = Node::field(name, format!("{label}: {text}"), text, self.base + s, len);
            t.push(if len > 0 { f.hex(v) } else { f });
            s + len
        };
        t.size = (end - at) as u32;
        n.push(t.hex(&self.b[at..end]));
        Some(end)
    }

    /// A collation (or pre-4.1 character set) number and its name.
    fn collation(
        &self,
        name: &'static str,
        label: &str,
        at: usize,
        len: usize,
        mariadb: bool,
    ) -> Option<Node> {
        let bytes = self.get(at, len)?;
        let v = le(bytes, 0, len) as u16;
        let known = if mariadb {
            names::mariadb_collation(v)
        } else {
            names::collation(v)
        };
        Some(
            Node::field(
                name,
                format!("{label}: {} ({v})", known.unwrap_or("Unknown")),
                v.to_string(),
                self.base + at,
                len,
            )
            .hex(bytes),
        )
    }
}

/// The server greeting's items after the protocol, version and thread id.
fn greeting(w: &Body, caps: Caps, g: &mut Node, mut at: usize) -> Option<usize> {
    let b = w.b;
    let sl = strsize_z(b, at)?;
    g.push(w.ascii("mysql.salt", "Salt", at, sl)?);
    at += sl;
    if at >= b.len() {
        return Some(at);
    }
    g.push(
        w.bitmask("mysql.caps.server", "Server Capabilities", at, 2, &CAPS)?
            .0,
    );
    at += 2;
    if at >= b.len() {
        return Some(at);
    }
    let lang = if caps.mariadb_server {
        "mariadb.server_language"
    } else {
        "mysql.server_language"
    };
    g.push(w.collation(lang, "Server Language", at, 1, caps.mariadb_server)?);
    g.push(
        w.bitmask("mysql.server_status", "Server Status", at + 1, 2, &STATUS)?
            .0,
    );
    g.push(
        w.bitmask(
            "mysql.extcaps.server",
            "Extended Server Capabilities",
            at + 3,
            2,
            &EXT_CAPS,
        )?
        .0,
    );
    g.push(w.uint(
        "mysql.auth_plugin.length",
        "Authentication Plugin Length",
        at + 5,
        1,
    )?);
    at += 6;
    if caps.mariadb_server {
        // Of the 10 bytes MySQL leaves unused, MariaDB's capabilities take the last 4.
        g.push(w.bytes("mysql.unused", "Unused", at, 6)?);
        g.push(
            w.bitmask(
                "mariadb.extcaps.server",
                "MariaDB Extended Server Capabilities",
                at + 6,
                4,
                &MARIADB_CAPS,
            )?
            .0,
        );
    } else {
        g.push(w.bytes("mysql.unused", "Unused", at, 10)?);
    }
    at += 10;
    for (name, label) in [
        ("mysql.salt2", "Salt"),
        ("mysql.auth_plugin", "Authentication Plugin"),
    ] {
        if at < b.len() {
            let l = strsize_z(b, at)?;
            g.push(w.ascii(name, label, at, l)?);
            at += l;
        }
    }
    Some(at)
}

/// The login request's items (`mysql.login_request`); where they end.
fn login(w: &Body, caps: Caps, l: &mut Node) -> Option<usize> {
    let b = w.b;
    let (c, clnt) = w.bitmask("mysql.caps.client", "Client Capabilities", 0, 2, &CAPS)?;
    l.push(c);
    let clnt = clnt as u16;
    let mut at = if clnt & CAPS_CU != 0 {
        l.push(
            w.bitmask(
                "mysql.extcaps.client",
                "Extended Client Capabilities",
                2,
                2,
                &EXT_CAPS,
            )?
            .0,
        );
        l.push(w.uint("mysql.max_packet", "MAX Packet", 4, 4)?);
        let charset = if caps.mariadb_server {
            "mariadb.charset"
        } else {
            "mysql.charset"
        };
        l.push(w.collation(charset, "Charset", 8, 1, caps.mariadb_server)?);
        if caps.mariadb_client {
            l.push(w.bytes("mysql.unused", "Unused", 9, 19)?);
            l.push(
                w.bitmask(
                    "mariadb.extcaps.client",
                    "MariaDB Extended Client Capabilities",
                    28,
                    4,
                    &MARIADB_CAPS,
                )?
                .0,
            );
        } else {
            l.push(w.bytes("mysql.unused", "Unused", 9, 23)?);
        }
        32
    } else {
        l.push(w.uint("mysql.max_packet", "MAX Packet", 2, 3)?);
        5
    };
    let cstr = |at: usize, n: usize| {
        let v = &b[at..at + n];
        String::from_utf8_lossy(&v[..v.iter().position(|&c| c == 0).unwrap_or(n)]).into_owned()
    };
    if at > b.len() {
        return None;
    }
    let ul = strsize(b, at);
    let user = Node::field(
        "mysql.user",
        format!("Username: {}", cstr(at, ul)),
        cstr(at, ul),
        w.base + at,
        ul,
    );
    l.push(if ul > 0 {
        user.hex(&b[at..at + ul])
    } else {
        user
    });
    at += ul;
    if at >= b.len() {
        return Some(at);
    }
    // The auth response: a length byte (CLIENT_SECURE_CONNECTION) or a C string.
    let pl = if clnt & CAPS_SC != 0 {
        at += 1;
        b[at - 1] as usize
    } else {
        strsize(b, at)
    };
    if pl > 1 {
        let pw = w.get(at, pl)?;
        l.push(
            Node::field(
                "mysql.passwd",
                format!("Password: {}", hex(pw)),
                colon_hex(pw),
                w.base + at,
                pl,
            )
            .hex(pw),
        );
    }
    at += pl;
    for (on, name, label) in [
        (clnt & CAPS_CD != 0, "mysql.schema", "Schema"),
        (
            caps.clnt_ext & EXT_PA != 0,
            "mysql.client_auth_plugin",
            "Client Auth Plugin",
        ),
    ] {
        if on {
            if at > b.len() {
                return None;
            }
            let sl = strsize(b, at);
            let f = Node::field(
                name,
                format!("{label}: {}", cstr(at, sl)),
                cstr(at, sl),
                w.base + at,
                sl,
            );
            l.push(if sl > 0 { f.hex(&b[at..at + sl]) } else { f });
            at += sl;
        }
    }
    if caps.clnt_ext & EXT_CA != 0 && at < b.len() {
        at = connattrs(w, l, at)?;
    }
    Some(at)
}

/// The login request's connection attributes (`mysql.connattrs`); where they end.
fn connattrs(w: &Body, l: &mut Node, at: usize) -> Option<usize> {
    let (total, fw, _) = w.fle(l, at)?;
    let mut all = Node::field(
        "mysql.connattrs",
        "Connection Attributes",
        "",
        w.base + at,
        usize::try_from(total).ok()?,
    )
    .none();
    all.push(w.number(
        "mysql.connattrs.length",
        "Connection Attributes length",
        total,
        at,
        &w.b[at..at + fw],
    ));
    let mut pos = at + fw;
    let mut left = total;
    let end = loop {
        if left == 0 {
            break Some(pos);
        }
        let start = pos;
        let mut attr = Node::field("mysql.connattrs.attr", "", "", w.base + pos, 1).none();
        let mut texts = [String::new(), String::new()];
        let parts = [
            ("mysql.connattrs.name", "Connection Attribute Name"),
            ("mysql.connattrs.value", "Connection Attribute Value"),
        ];
        let mut whole = true;
        for (i, (name, label)) in parts.into_iter().enumerate() {
            let Some((len, lw, _)) = w.fle(&mut attr, pos) else {
                whole = false;
                break;
            };
            let len_name = if i == 0 {
                "mysql.connattrs.name.length"
            } else {
                "mysql.connattrs.value.length"
            };
            attr.push(w.number(
                len_name,
                &format!("{label} Length"),
                len,
                pos,
                &w.b[pos..pos + lw],
            ));
            pos += lw;
            let Some(s) = usize::try_from(len)
                .ok()
                .and_then(|len| w.ascii(name, label, pos, len))
            else {
                whole = false;
                break;
            };
            texts[i] = s.show.clone();
            attr.push(s);
            pos += len as usize;
        }
        attr.showname = format!("Connection Attribute - {}: {}", texts[0], texts[1]);
        attr.size = (pos - start) as u32;
        all.push(attr);
        if !whole {
            break None;
        }
        left = left.saturating_sub((pos - start) as u64);
    };
    l.push(all);
    end
}

/// An OK packet's items after its code (at 1); where they end.
fn ok(w: &Body, caps: Caps, n: &mut Node) -> Option<usize> {
    let b = w.b;
    let mut at = 1;
    let (rows, fw, _) = w.fle(n, at)?;
    n.push(w.number(
        "mysql.affected_rows",
        "Affected Rows",
        rows,
        at,
        &b[at..at + fw],
    ));
    at += fw;
    let (id, fw, _) = w.fle(n, at)?;
    if id != 0 {
        n.push(w.number("mysql.insert_id", "Last INSERT ID", id, at, &b[at..at + fw]));
    }
    at += fw;
    let mut status = 0;
    // packet-mysql.c reads the message's length from the warnings, big-endian.
    let mut msg_len = 0;
    if at < b.len() {
        let (s, v) = w.bitmask("mysql.server_status", "Server Status", at, 2, &STATUS)?;
        n.push(s);
        status = v as u16;
        at += 2;
        if caps.clnt & caps.srv & CAPS_CU != 0 {
            n.push(w.uint("mysql.warnings", "Warnings", at, 2)?);
            msg_len = w
                .get(at, 2)
                .map_or(0, |v| u64::from(v[0]) << 8 | u64::from(v[1]));
            at += 2;
        }
    }
    if caps.clnt_ext & EXT_ST != 0 {
        if at < b.len() {
            let (len, fw, _) = w.fle(n, at)?;
            at += fw;
            if len > 0 {
                let len = usize::try_from(len).ok()?;
                n.push(w.ascii("mysql.message", "Message", at, len)?);
                at += len;
            }
            if status & STAT_SESSION_STATE_CHANGED != 0 {
                at = session_track(w, n, at)?;
            }
        }
    } else if at < b.len() {
        let len = (msg_len as usize).min(b.len() - at);
        n.push(w.ascii("mysql.message", "Message", at, len)?);
        at += len;
    }
    Some(at)
}

/// An OK packet's session state changes (`mysql.session_track.data`); where they end.
fn session_track(w: &Body, n: &mut Node, at: usize) -> Option<usize> {
    let (total, fw, _) = w.fle(n, at)?;
    let mut data = Node::field(
        "mysql.session_track.data",
        "Session tracking data",
        "",
        w.base + at,
        w.b.len() - at,
    )
    .none();
    data.push(w.number(
        "mysql.session_track.data.length",
        "Session tracking data length",
        total,
        at,
        &w.b[at..at + fw],
    ));
    let mut pos = at + fw;
    let mut left = total;
    let mut whole = true;
    while left > 0 && whole {
        let start = pos;
        let mut t = Node::field("mysql.session_track", "Session Track", "", w.base + pos, 1).none();
        whole = tracker(w, &mut t, &mut pos).is_some();
        t.size = (pos - start) as u32;
        data.push(t);
        left = left.saturating_sub((pos - start) as u64);
    }
    n.push(data);
    whole.then_some(pos)
}

/// One session state change (`mysql.session_track`) from `*pos`, which it moves on.
fn tracker(w: &Body, t: &mut Node, pos: &mut usize) -> Option<()> {
    let ty = *w.b.get(*pos)?;
    t.push(
        Node::field(
            "mysql.session_track.type",
            format!(
                "Session tracking type: {} ({ty})",
                names::session_track_type(ty.into()).unwrap_or("Unknown")
            ),
            ty.to_string(),
            w.base + *pos,
            1,
        )
        .hex(&w.b[*pos..*pos + 1]),
    );
    *pos += 1;
    let (len, fw, _) = w.fle(t, *pos)?;
    t.push(w.number(
        "mysql.session_track.length",
        "Session tracking length",
        len,
        *pos,
        &w.b[*pos..*pos + fw],
    ));
    *pos += fw;
    // A length-encoded string: its length's field and label, its own.
    let string = |t: &mut Node, pos: &mut usize, lname, llabel: &str, name, label: &str| {
        let (len, fw, _) = w.fle(t, *pos)?;
        t.push(w.number(lname, llabel, len, *pos, &w.b[*pos..*pos + fw]));
        *pos += fw;
        let len = usize::try_from(len).ok()?;
        t.push(w.ascii(name, label, *pos, len)?);
        *pos += len;
        Some(())
    };
    match ty {
        0 => {
            for (name, label) in [
                (
                    "mysql.session_track.sysvar.name",
                    "System variable change Name",
                ),
                (
                    "mysql.session_track.sysvar.value",
                    "System variable change Value",
                ),
            ] {
                string(
                    t,
                    pos,
                    "mysql.session_track.sysvar.length",
                    "System variable change Length",
                    name,
                    label,
                )?;
            }
        }
        1 => string(
            t,
            pos,
            "mysql.session_track.schema.length",
            "Schema change length",
            "mysql.session_track.schema",
            "Schema change",
        )?,
        2 => {
            t.push(w.ascii("mysql.session_track.state_change", "State change", *pos, 1)?);
            *pos += 1;
        }
        3 => {
            t.push(w.uint(
                "mysql.session_track.gtids.encoding",
                "GTIDs encoding",
                *pos,
                1,
            )?);
            *pos += 1;
            string(
                t,
                pos,
                "mysql.session_track.gtids.length",
                "GTIDs length",
                "mysql.session_track.gtids",
                "GTIDs",
            )?;
        }
        4 => string(
            t,
            pos,
            "mysql.session_track.transaction_characteristics.length",
            "Transaction characteristics length",
            "mysql.session_track.transaction_characteristics",
            "Transaction characteristics",
        )?,
        5 => string(
            t,
            pos,
            "mysql.session_track.transaction_state.length",
            "Transaction state length",
            "mysql.session_track.transaction_state",
            "Transaction state",
        )?,
        _ => {
            let len = usize::try_from(len).ok()?;
            let mut p = w.bytes("mysql.payload", "Payload", *pos, len)?;
            p.push_expert(
                "mysql.dissector_incomplete",
                "FIXME: unrecognized session tracker data",
                Severity::Warning,
                Group::Undecoded,
            );
            t.push(p);
            *pos += len;
        }
    }
    Some(())
}

/// A query's attributes (CLIENT_QUERY_ATTRIBUTES on both sides: `mysql.query_attrs`),
/// after the command; where the query starts.
fn query_attrs(w: &Body, r: &mut Node) -> Option<usize> {
    let mut a = Node::field(
        "mysql.query_attrs",
        "Query Attributes",
        "",
        w.base + 1,
        w.b.len() - 1,
    )
    .none();
    let done = attr_items(w, &mut a);
    r.push(a);
    done
}

/// The items of [`query_attrs`]: a count, a parameter set count (not shown), then with
/// attributes a NULL bitmap, the send-types flag, each name's type and name, each value.
fn attr_items(w: &Body, a: &mut Node) -> Option<usize> {
    let n = *w.b.get(1)?;
    a.push(w.uint("mysql.query_attrs_count", "Count", 1, 1)?);
    let mut at = 3;
    if n == 0 {
        return Some(at);
    }
    let nulls = usize::from(n).div_ceil(8);
    a.push(w.bytes("mysql.unused", "Unused", at, nulls)?);
    at += nulls;
    let send = *w.b.get(at)?;
    a.push(
        Node::field(
            "mysql.query_attrs_send_types_to_server",
            format!(
                "Send types to server: {}",
                if send != 0 { "True" } else { "False" }
            ),
            u8::from(send != 0).to_string(),
            w.base + at,
            1,
        )
        .hex(&w.b[at..at + 1]),
    );
    at += 1;
    for _ in 0..n {
        let ty = w.get(at, 2)?;
        let v = u16::from_be_bytes([ty[0], ty[1]]);
        a.push(
            Node::field(
                "mysql.query_attr_name_type",
                format!("Attribute Name Type: 0x{v:04x}"),
                format!("0x{v:04x}"),
                w.base + at,
                2,
            )
            .hex(ty),
        );
        at = w.lestring(a, at + 2, "Attribute Name", "mysql.query_attr_name")?;
    }
    for _ in 0..n {
        at = w.lestring(a, at, "Attribute Value", "mysql.query_attr_value")?;
    }
    Some(at)
}

/// A field definition's items (`mysql.field.*`); where they end.
fn field(w: &Body, n: &mut Node) -> Option<usize> {
    let mut at = w.lestring(n, 0, "Catalog", "mysql.field.catalog")?;
    if at >= w.b.len() {
        return Some(at);
    }
    for (label, name) in [
        ("Database", "mysql.field.db"),
        ("Table", "mysql.field.table"),
        ("Original table", "mysql.field.org_table"),
        ("Name", "mysql.field.name"),
        ("Original name", "mysql.field.org_name"),
    ] {
        at = w.lestring(n, at, label, name)?;
    }
    // A filler byte, then charset, length, type, flags, decimals and two more.
    at += 1;
    n.push(w.collation("mysql.field.charsetnr", "Charset number", at, 2, false)?);
    n.push(w.uint("mysql.field.length", "Length", at + 2, 4)?);
    let ty = *w.b.get(at + 6)?;
    n.push(
        Node::field(
            "mysql.field.type",
            format!(
                "Type: {} ({ty})",
                names::field_type(ty.into()).unwrap_or("Unknown")
            ),
            ty.to_string(),
            w.base + at + 6,
            1,
        )
        .hex(&w.b[at + 6..at + 7]),
    );
    n.push(
        w.bitmask("mysql.field.flags", "Flags", at + 7, 2, &FIELD_FLAGS)?
            .0,
    );
    n.push(w.uint("mysql.field.decimals", "Decimals", at + 9, 1)?);
    at += 12;
    if at < w.b.len() {
        // A default value: only a SHOW FIELDS response has one.
        at = w.lestring(n, at, "Default", "mysql.field.default")?;
    }
    Some(at)
}

/// The `mysql` layer of one packet `p` (header included) at `at`.
pub(super) fn dissect(p: &[u8], at: usize, pkt: Packet) -> Vec<Node> {
    let (kind, caps) = (pkt.kind, pkt.caps);
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
        Kind::AuthSwitch { .. } => "MySQL Protocol - authentication switch request",
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
    let w = Body { b: body, base: b };
    let code = |n: &mut Node, text: &str, show: &str| {
        n.push(Node::field("mysql.response_code", text, show, b, 1).hex(&body[..1]));
    };
    let eof = |n: &mut Node| {
        code(n, "Response Code: EOF Packet (0xfe)", "0xfe");
        n.push(Node::field("mysql.eof", "EOF marker: 254", "254", b, 1).hex(&body[..1]));
    };
    // Where the items packet-mysql.c shows end, when it may leave bytes it does not
    // know (shown as a payload it has not dissected).
    let mut end = None;
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
                if let Some(t) = w.uint("mysql.thread_id", "Thread ID", 1 + vl, 4) {
                    g.push(t);
                    end = greeting(&w, caps, &mut g, 1 + vl + 4);
                }
            }
            n.push(g);
        }
        Kind::Login => {
            let mut l =
                Node::field("mysql.login_request", "Login Request", "", b, body.len()).none();
            end = login(&w, caps, &mut l);
            n.push(l);
        }
        Kind::Command { attrs } => {
            let c = body.first().copied().unwrap_or(0);
            let name = match names::command(c.into()) {
                Some(name) => Cow::Borrowed(name),
                None => Cow::Owned(format!("Unknown ({c})")),
            };
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
                    format!("Command: {} ({c})", command_name(c)),
                    c.to_string(),
                    b,
                    1,
                )
                .hex(&body[..1]),
            );
            let mut rest = &body[1..];
            let mut q0 = b + 1;
            if attrs && c == 0x03 {
                let q = query_attrs(&w, &mut r).unwrap_or(body.len());
                rest = body.get(q..).unwrap_or(&[]);
                q0 = b + q;
            }
            match c {
                0x03 | 0x16 => {
                    let q = String::from_utf8_lossy(rest).into_owned();
                    r.push(string_field("mysql.query", "Statement", q, q0, rest.len()).hex(rest));
                }
                0x04 => {
                    if let Some(t) = w.ascii("mysql.table_name", "Table Name", 1, strsize(body, 1))
                    {
                        r.push(t);
                    }
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
                c if invalid_command(c) => {
                    if let Some(mut f) = w.bytes("mysql.payload", "Payload", 1, rest.len()) {
                        f.push_expert(
                            "mysql.command.invalid",
                            "Unknown/invalid command code",
                            Severity::Warning,
                            Group::Protocol,
                        );
                        r.push(f);
                    }
                }
                _ => {}
            }
            n.push(r);
        }
        Kind::Ok | Kind::OkEof => {
            if kind == Kind::OkEof {
                eof(&mut n);
            } else {
                code(&mut n, "Response Code: OK Packet (0x00)", "0x00");
            }
            end = ok(&w, caps, &mut n);
        }
        Kind::Err | Kind::GreetingErr => {
            // A greeting's error has no response code (packet-mysql.c reads it as the
            // greeting's protocol).
            if kind == Kind::Err {
                code(&mut n, "Response Code: ERR Packet (0xff)", "0xff");
            }
            if body.len() >= 3 {
                n.push(w.number(
                    "mysql.error_code",
                    "Error Code",
                    le(body, 1, 2),
                    1,
                    &body[1..3],
                ));
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
            eof(&mut n);
            if body.len() >= 5 {
                n.push(w.number("mysql.warnings", "Warnings", le(body, 1, 2), 1, &body[1..3]));
                if let Some((s, _)) =
                    w.bitmask("mysql.server_status", "Server Status", 3, 2, &STATUS)
                {
                    n.push(s);
                }
            }
        }
        Kind::ColumnCount => {
            if let Some((v, fw, _)) = w.fle(&mut n, 0) {
                n.push(w.number("mysql.num_fields", "Number of fields", v, 0, &body[..fw]));
                if fw < body.len() {
                    if let Some((x, xw, _)) = w.fle(&mut n, fw) {
                        n.push(w.number("mysql.extra", "Extra data", x, fw, &body[fw..fw + xw]));
                    }
                }
            }
        }
        Kind::Field | Kind::PrepareParam | Kind::PrepareField | Kind::ShowField => {
            field(&w, &mut n);
        }
        Kind::Row => {
            let mut pos = Some(0);
            while let Some(at) = pos.filter(|&at| at < body.len()) {
                pos = w.lestring(&mut n, at, "text", "mysql.row.text");
            }
        }
        Kind::PrepareOk => {
            code(&mut n, "Response Code: OK Packet (0x00)", "0x00");
            if body.len() >= 12 {
                n.push(w.number(
                    "mysql.stmt_id",
                    "Statement ID",
                    le(body, 1, 4),
                    1,
                    &body[1..5],
                ));
                n.push(w.number(
                    "mysql.num_fields",
                    "Number of fields",
                    le(body, 5, 2),
                    5,
                    &body[5..7],
                ));
                n.push(w.number(
                    "mysql.num_params",
                    "Number of parameter",
                    le(body, 7, 2),
                    7,
                    &body[7..9],
                ));
                n.push(w.number(
                    "mysql.warnings",
                    "Warnings",
                    le(body, 10, 2),
                    10,
                    &body[10..12],
                ));
            }
        }
        Kind::BinaryRow => {
            // Wireshark names a binary row's 0x00 header as an OK packet's code.
            if body.first() == Some(&0) {
                code(&mut n, "Response Code: OK Packet (0x00)", "0x00");
            }
        }
        Kind::AuthSwitch { code } => {
            let at = usize::from(code);
            if code {
                eof(&mut n);
            }
            if caps.clnt_ext & EXT_PA != 0 {
                let nl = strsize(body, at);
                if let Some(f) =
                    w.ascii("mysql.auth_switch_request.name", "Auth Method Name", at, nl)
                {
                    n.push(f);
                }
                let dl = strsize(body, at + nl);
                if let Some(f) = w.bytes(
                    "mysql.auth_switch_request.data",
                    "Auth Method Data",
                    at + nl,
                    dl,
                ) {
                    n.push(f);
                }
            } else if let Some(s) = body.get(at) {
                n.push(
                    Node::field(
                        "mysql.auth_switch_request.status",
                        format!("Status: 0x{s:02x}"),
                        format!("0x{s:02x}"),
                        b + at,
                        1,
                    )
                    .hex(&body[at..at + 1]),
                );
            }
        }
        Kind::AuthSwitchResponse => {
            let dl = strsize(body, 0);
            if let Some(f) = w.bytes("mysql.auth_switch_response.data", "Auth Method Data", 0, dl) {
                n.push(f);
            }
        }
        Kind::UnknownResponse => {
            if let Some(mut f) = w.bytes("mysql.payload", "Payload", 0, body.len()) {
                f.push_expert(
                    "mysql.unknown_response",
                    "unknown/invalid response",
                    Severity::Warning,
                    Group::Undecoded,
                );
                n.push(f);
            }
        }
        Kind::Message => {
            if let Some(m) = w.ascii("mysql.message", "Message", 0, body.len()) {
                n.push(m);
            }
        }
        Kind::Unknown => {}
    }
    if let Some(e) = end.filter(|&e| e < body.len()) {
        if let Some(mut f) = w.bytes("mysql.payload", "Payload", e, body.len() - e) {
            f.push_expert(
                "mysql.dissector_incomplete",
                "FIXME - dissector is incomplete",
                Severity::Warning,
                Group::Undecoded,
            );
            n.push(f);
        }
    }
    vec![n]
}

/// A command's name as packet-mysql.c's `mysql_command_vals` gives it (the Request's
/// Info and its `mysql.command`).
pub(crate) fn command_name(c: u8) -> &'static str {
    names::command(c.into()).unwrap_or("Unknown")
}

#[cfg(test)]
mod test {
    use super::*;

    /// tvb_get_fle's items: the prefix byte, then the length in the bytes it names (a
    /// one-byte length is the prefix itself); a NULL has no length item.
    #[test]
    fn length_encoded_integers_show_prefix_and_length() {
        let w = Body {
            b: &[0xfc, 0x34, 0x12, 0x05, 0xfb],
            base: 100,
        };
        let mut n = Node::proto("mysql", "MySQL Protocol", 0, 5);
        assert_eq!(w.fle(&mut n, 0), Some((0x1234, 3, false)));
        assert_eq!(w.fle(&mut n, 3), Some((5, 1, false)));
        assert_eq!(w.fle(&mut n, 4), Some((0, 1, true)));
        let shown: Vec<_> = n
            .children
            .iter()
            .map(|c| (c.showname.as_str(), c.pos, c.size))
            .collect();
        assert_eq!(
            shown,
            [
                ("Prefix: 252 Length in following 2 bytes", 100, 1),
                ("Length: 4660", 101, 2),
                ("Prefix: 5", 103, 1),
                ("Length: 5", 103, 1),
                ("Prefix: 251(NULL)", 104, 1),
            ]
        );
        // A length past the end is no item.
        assert_eq!(w.fle(&mut n, 5), None);
        assert_eq!(
            Body {
                b: &[0xfd, 1],
                base: 0
            }
            .fle(&mut n, 0),
            None
        );
    }

    /// A flags word's bits as proto_tree_add_bitmask shows them; a field of several bits
    /// in hex.
    #[test]
    fn flags_show_their_bits() {
        let w = Body {
            b: &[0xff, 0x81],
            base: 10,
        };
        let (f, v) = w
            .bitmask(
                "mysql.extcaps.server",
                "Extended Server Capabilities",
                0,
                2,
                &EXT_CAPS,
            )
            .unwrap();
        assert_eq!(v, 0x81ff);
        assert_eq!(f.showname, "Extended Server Capabilities: 0x81ff");
        let pm = &f.children[5];
        assert_eq!(pm.name, "mysql.caps.pm");
        assert_eq!(
            pm.showname,
            ".... .... ..1. .... = Plugin Auth LENENC Client Data: Set"
        );
        let unused = f.children.last().unwrap();
        assert_eq!(unused.showname, "10.. .... .... .... = Unused: 0x2");
        assert_eq!(unused.show, "0x0002");
    }

    /// The server's packet after a login that named a plugin: an auth switch (with or
    /// without its 0xfe header), then the client's answer, then a packet no state knows.
    #[test]
    fn authentication_switch_states() {
        let mut c = Conv::default();
        let mut greeting = vec![0, 0, 0, 0, 0x0a];
        greeting.extend_from_slice(b"8.0.32\0\x14\0\0\0salt1234\0\xff\xf7\xff\x02\x00\xff\xdf");
        assert_eq!(c.classify(&greeting, false).kind, Kind::Greeting);
        // Capabilities with CLIENT_PROTOCOL_41, CLIENT_PLUGIN_AUTH.
        let mut login = vec![0, 0, 0, 1, 0x0d, 0xa2, 0x0a, 0x00];
        login.extend_from_slice(&[0; 28]);
        login.extend_from_slice(b"root\0\0mysql_native_password\0");
        assert_eq!(c.classify(&login, true).kind, Kind::Login);
        let mut switch = vec![0, 0, 0, 2, 0xfe];
        switch.extend_from_slice(b"caching_sha2_password\0salt\0");
        assert_eq!(
            c.classify(&switch, false).kind,
            Kind::AuthSwitch { code: true }
        );
        assert_eq!(
            c.classify(&[0, 0, 0, 3, 1, 2], true).kind,
            Kind::AuthSwitchResponse
        );
        assert_eq!(
            c.classify(&[0, 0, 0, 4, 1, 3], false).kind,
            Kind::UnknownResponse
        );
        assert_eq!(
            c.classify(&[0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0], false).kind,
            Kind::Ok
        );
    }

    /// Every cut of packets of every kind is dissected as far as it goes, without a
    /// panic, whatever the capabilities.
    #[test]
    fn cut_packets_never_panic() {
        let packets: [&[u8]; 4] = [
            b"\x4a\0\0\0\x0a5.5.5-10.11\0\x05\0\0\0salt1234\0\xfe\xf7\x2d\x02\0\xff\x81\x15\0\0\0\0\0\0\x1d\0\0\0rest\0plugin\0",
            b"\x17\0\0\x05\0\0\0\x02\x40\0\0\0\x0e\x05\x09\x08________\x04\x01\0\xfc\xff\xff",
            b"\x30\0\0\x01\x03def\x04shop\x06orders\x06orders\x02id\x02id\x0c\x3f\0\x0b\0\0\0\x03\x03\x42\0\0\0\xfb\xfe\x01\0\0\0\0\0\0\0",
            b"\x20\0\0\0\x03\x02\x01\0\x01\xfe\x00\x02n1\xfd\xff\xff\xffselect\0\x10\x79\x04_pid\x06123456",
        ];
        let kinds = [
            Kind::Greeting,
            Kind::Login,
            Kind::Command { attrs: true },
            Kind::AuthSwitch { code: true },
            Kind::AuthSwitch { code: false },
            Kind::AuthSwitchResponse,
            Kind::UnknownResponse,
            Kind::GreetingErr,
            Kind::Message,
            Kind::Ok,
            Kind::OkEof,
            Kind::Err,
            Kind::Eof {
                intermediate: false,
            },
            Kind::ColumnCount,
            Kind::Field,
            Kind::ShowField,
            Kind::Row,
            Kind::PrepareOk,
            Kind::BinaryRow,
        ];
        let all = Caps {
            srv: 0xffff,
            srv_ext: 0xffff,
            clnt: 0xffff,
            clnt_ext: 0xffff,
            mariadb_server: true,
            mariadb_client: true,
        };
        for p in packets {
            for end in 0..=p.len() {
                for kind in kinds {
                    for caps in [Caps::default(), all] {
                        dissect(&p[..end], 0, Packet { kind, caps });
                    }
                }
            }
        }
    }
}
