//! PostgreSQL messages in the clear, as Wireshark 4.0's packet-pgsql.c shows them: each
//! message a layer with its type, length and direction, the SQL of a Query, the tag of
//! a CommandComplete, the parameters of a StartupMessage.

use crate::query::detail::{colon_hex, escape, shown_bytes, string_field, Node};

/// The SSLRequest (§55.7: length 8, code 80877103), after which the server's one byte
/// says whether TLS follows.
pub(super) const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// How long the message at the start of `buf` is: a type byte and a length that counts
/// itself; the client's untyped first messages (StartupMessage, SSLRequest …) start with
/// their length, whose first byte is 0.
pub(super) fn pdu_len(to_server: bool, buf: &[u8]) -> Option<usize> {
    if to_server && buf.first() == Some(&0) {
        return (buf.len() >= 4)
            .then(|| u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize);
    }
    (buf.len() >= 5).then(|| 1 + u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize)
}

/// A NUL-terminated string at `from` of `b`: its text and its length with the NUL.
fn cstr(b: &[u8], from: usize) -> Option<(String, usize)> {
    let rest = b.get(from..)?;
    let end = rest.iter().position(|&c| c == 0)?;
    Some((escape(&rest[..end]), end + 1))
}

/// The layer of one message at `at`; `name` is its `pgsql.type` (the ingest's name: a
/// password message is named by the authentication the server asked for).
pub(super) fn dissect(b: &[u8], at: usize, to_server: bool, name: &str) -> Vec<Node> {
    let mut p = Node::proto("pgsql", "PostgreSQL", at, b.len());
    let frontend = Node::field(
        "pgsql.frontend",
        format!("Frontend: {}", if to_server { "True" } else { "False" }),
        if to_server { "1" } else { "0" },
        at,
        0,
    )
    .hide();
    if to_server && b.first() == Some(&0) {
        if b.len() < 8 {
            return Vec::new();
        }
        p.push(Node::field(
            "pgsql.type",
            format!("Type: {name}"),
            name,
            at,
            0,
        ));
        let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        p.push(
            Node::field(
                "pgsql.length",
                format!("Length: {len}"),
                len.to_string(),
                at,
                4,
            )
            .hex(&b[..4]),
        );
        p.push(frontend);
        let (major, minor) = (
            u16::from_be_bytes([b[4], b[5]]),
            u16::from_be_bytes([b[6], b[7]]),
        );
        if major == 3 {
            p.push(
                Node::field(
                    "pgsql.version_major",
                    format!("Protocol major version: {major}"),
                    major.to_string(),
                    at + 4,
                    2,
                )
                .hex(&b[4..6]),
            );
            p.push(
                Node::field(
                    "pgsql.version_minor",
                    format!("Protocol minor version: {minor}"),
                    minor.to_string(),
                    at + 6,
                    2,
                )
                .hex(&b[6..8]),
            );
            let mut off = 8;
            while let Some((k, n)) = cstr(b, off).filter(|(k, _)| !k.is_empty()) {
                let Some((v, m)) = cstr(b, off + n) else {
                    break;
                };
                p.push(
                    string_field("pgsql.parameter_name", "Parameter name", k, at + off, n)
                        .hex(&b[off..off + n]),
                );
                p.push(
                    string_field(
                        "pgsql.parameter_value",
                        "Parameter value",
                        v,
                        at + off + n,
                        m,
                    )
                    .hex(&b[off + n..off + n + m]),
                );
                off += n + m;
            }
        }
        return vec![p];
    }
    if b.len() < 5 {
        return Vec::new();
    }
    p.push(Node::field("pgsql.type", format!("Type: {name}"), name, at, 1).hex(&b[..1]));
    let len = u32::from_be_bytes([b[1], b[2], b[3], b[4]]);
    p.push(
        Node::field(
            "pgsql.length",
            format!("Length: {len}"),
            len.to_string(),
            at + 1,
            4,
        )
        .hex(&b[1..5]),
    );
    p.push(frontend);
    // The strings of the message, as packet-pgsql.c adds them (§55.7).
    let mut strings = |fields: &[(&'static str, &str)], from: usize| {
        let mut off = from;
        for &(field, label) in fields {
            let Some((text, n)) = cstr(b, off) else {
                break;
            };
            p.push(string_field(field, label, text, at + off, n).hex(&b[off..off + n]));
            off += n;
        }
        off
    };
    match (to_server, b[0]) {
        (true, b'Q') => {
            strings(&[("pgsql.query", "Query")], 5);
        }
        (false, b'C') => {
            strings(&[("pgsql.tag", "Tag")], 5);
        }
        (true, b'P') => {
            let off = strings(
                &[("pgsql.statement", "Statement"), ("pgsql.query", "Query")],
                5,
            );
            // The parameters' type OIDs.
            let mut v = Values { b, at, off };
            for _ in 0..v.u16().unwrap_or(0) {
                v.uint(&mut p, "pgsql.oid.type", "Type OID", 4);
            }
        }
        (true, b'B') => {
            let off = strings(
                &[("pgsql.portal", "Portal"), ("pgsql.statement", "Statement")],
                5,
            );
            // Parameter format codes, values, result format codes.
            let mut v = Values { b, at, off };
            v.formats(&mut p);
            for _ in 0..v.u16().unwrap_or(0) {
                v.value(&mut p, 4);
            }
            v.formats(&mut p);
        }
        (false, b'T') => {
            let mut v = Values { b, at, off: 5 };
            for _ in 0..v.count(&mut p) {
                let Some((name, n)) = cstr(b, v.off) else {
                    break;
                };
                p.push(
                    string_field("pgsql.col.name", "Column name", name, at + v.off, n)
                        .hex(&b[v.off..v.off + n]),
                );
                v.off += n;
                v.uint(&mut p, "pgsql.oid.table", "Table OID", 4);
                v.uint(&mut p, "pgsql.col.index", "Column index", 2);
                v.uint(&mut p, "pgsql.oid.type", "Type OID", 4);
                v.int(&mut p, "pgsql.val.length", "Column length", 2);
                v.int(&mut p, "pgsql.col.typemod", "Type modifier", 4);
                v.format(&mut p);
            }
        }
        (false, b'D') => {
            let mut v = Values { b, at, off: 5 };
            for _ in 0..v.count(&mut p) {
                v.value(&mut p, 4);
            }
        }
        (true, b'D' | b'C') => {
            // `S` a statement, `P` a portal, then its name.
            let what = if b.get(5) == Some(&b'P') {
                ("pgsql.portal", "Portal")
            } else {
                ("pgsql.statement", "Statement")
            };
            strings(&[what], 6);
        }
        (true, b'E') => {
            let off = strings(&[("pgsql.portal", "Portal")], 5);
            if let Some(n) = be32(b, off) {
                let rows = if n == 0 {
                    "all rows".to_owned()
                } else {
                    format!("{n} rows")
                };
                p.push(
                    Node::field(
                        "pgsql.returns",
                        format!("Returns: {rows}"),
                        n.to_string(),
                        at + off,
                        4,
                    )
                    .hex(&b[off..off + 4]),
                );
            }
        }
        (false, b'S') => {
            strings(
                &[
                    ("pgsql.parameter_name", "Parameter name"),
                    ("pgsql.parameter_value", "Parameter value"),
                ],
                5,
            );
        }
        (true, b'p') if name == "SASLInitialResponse message" => {
            strings(&[("pgsql.auth.sasl.mech", MECHANISM)], 5);
        }
        (false, b'E' | b'N') => error_fields(b, at, &mut p),
        (false, b'R') => {
            if let Some(kind) = be32(b, 5) {
                let label = format!("Authentication type: {} ({kind})", auth_name(kind));
                p.push(
                    Node::field("pgsql.authtype", label, kind.to_string(), at + 5, 4).hex(&b[5..9]),
                );
                // AuthenticationSASL: the mechanisms, up to an empty name.
                if kind == 10 {
                    let mut off = 9;
                    while let Some((mech, n)) = cstr(b, off).filter(|(m, _)| !m.is_empty()) {
                        p.push(
                            string_field("pgsql.auth.sasl.mech", MECHANISM, mech, at + off, n)
                                .hex(&b[off..off + n]),
                        );
                        off += n;
                    }
                }
            }
        }
        (false, b'K') => {
            for (field, label, off) in [("pgsql.pid", "PID", 5), ("pgsql.key", "Key", 9)] {
                if let Some(v) = be32(b, off) {
                    p.push(
                        Node::field(field, format!("{label}: {v}"), v.to_string(), at + off, 4)
                            .hex(&b[off..off + 4]),
                    );
                }
            }
        }
        (false, b'Z') => {
            if let Some(&st) = b.get(5) {
                let what = match st {
                    b'I' => "Idle",
                    b'T' => "In a transaction",
                    b'E' => "In a failed transaction",
                    _ => "Unknown",
                };
                p.push(
                    Node::field(
                        "pgsql.status",
                        format!("Status: {what} ({st})"),
                        st.to_string(),
                        at + 5,
                        1,
                    )
                    .hex(&b[5..6]),
                );
            }
        }
        _ => {}
    }
    vec![p]
}

const MECHANISM: &str = "SASL authentication mechanism";

/// The fixed-size values of a message read in turn from `off` (`at`: where `b` is).
struct Values<'a> {
    b: &'a [u8],
    at: usize,
    off: usize,
}

impl Values<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let v = self.b.get(self.off..self.off + n)?;
        self.off += n;
        Some(v)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|v| u16::from_be_bytes([v[0], v[1]]))
    }

    /// An unsigned value of `n` bytes (2 or 4), added to `p`.
    fn uint(&mut self, p: &mut Node, field: &'static str, label: &str, n: usize) -> Option<u64> {
        let pos = self.at + self.off;
        let v = self.take(n)?;
        let x = v.iter().fold(0u64, |a, &b| a << 8 | b as u64);
        p.push(Node::field(field, format!("{label}: {x}"), x.to_string(), pos, n).hex(v));
        Some(x)
    }

    /// A signed value of `n` bytes (2 or 4), added to `p`.
    fn int(&mut self, p: &mut Node, field: &'static str, label: &str, n: usize) -> Option<i64> {
        let pos = self.at + self.off;
        let v = self.take(n)?;
        let x = match *v {
            [a, b] => i16::from_be_bytes([a, b]) as i64,
            [a, b, c, d] => i32::from_be_bytes([a, b, c, d]) as i64,
            _ => 0,
        };
        p.push(Node::field(field, format!("{label}: {x}"), x.to_string(), pos, n).hex(v));
        Some(x)
    }

    /// A count of columns (`pgsql.field.count`).
    fn count(&mut self, p: &mut Node) -> u64 {
        self.uint(p, "pgsql.field.count", "Field count", 2)
            .unwrap_or(0)
    }

    /// A format code (0 text, 1 binary).
    fn format(&mut self, p: &mut Node) {
        let pos = self.at + self.off;
        if let Some(v) = self.take(2) {
            let f = u16::from_be_bytes([v[0], v[1]]);
            let name = match f {
                0 => "Text",
                1 => "Binary",
                _ => "Unknown",
            };
            p.push(
                Node::field(
                    "pgsql.format",
                    format!("Format: {name} ({f})"),
                    f.to_string(),
                    pos,
                    2,
                )
                .hex(v),
            );
        }
    }

    /// A count of format codes, then the codes.
    fn formats(&mut self, p: &mut Node) {
        for _ in 0..self.u16().unwrap_or(0) {
            if self.off + 2 > self.b.len() {
                return;
            }
            self.format(p);
        }
    }

    /// A value: its length (`len` bytes; -1 is NULL), then its bytes.
    fn value(&mut self, p: &mut Node, len: usize) {
        let Some(n) = self.int(p, "pgsql.val.length", "Column length", len) else {
            return;
        };
        let pos = self.at + self.off;
        if let Some(v) = usize::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .and_then(|n| self.take(n))
        {
            let text = format!("Data: {}", shown_bytes(v));
            p.push(Node::field("pgsql.val.data", text, colon_hex(v), pos, v.len()).hex(v));
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let v = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]]))
}

/// packet-pgsql.c's names of the authentication requests (§55.7, Authentication*).
fn auth_name(kind: u32) -> &'static str {
    match kind {
        0 => "Success",
        2 => "Kerberos V5",
        3 => "Plaintext password",
        5 => "MD5 password",
        6 => "SCM credential",
        7 => "GSSAPI",
        8 => "GSSAPI/SSPI continue",
        9 => "SSPI",
        10 => "SASL",
        11 => "SASL continue",
        12 => "SASL complete",
        _ => "Unknown",
    }
}

/// The fields of an ErrorResponse or NoticeResponse (§55.8): each a code byte and a
/// string, the item covering both.
fn error_fields(b: &[u8], at: usize, p: &mut Node) {
    let mut off = 5;
    while let Some(&code) = b.get(off).filter(|&&c| c != 0) {
        let Some((text, n)) = cstr(b, off + 1) else {
            return;
        };
        let named = match code {
            b'S' => Some(("pgsql.severity", "Severity")),
            b'V' => Some(("pgsql.text", "Text")),
            b'C' => Some(("pgsql.code", "Code")),
            b'M' => Some(("pgsql.message", "Message")),
            b'P' => Some(("pgsql.position", "Position")),
            b'F' => Some(("pgsql.file", "File")),
            b'L' => Some(("pgsql.line", "Line")),
            b'R' => Some(("pgsql.routine", "Routine")),
            _ => None,
        };
        if let Some((field, label)) = named {
            p.push(string_field(field, label, text, at + off, 1 + n).hex(&b[off..off + 1 + n]));
        }
        off += 1 + n;
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// The items after a message's type, length and direction: name, position, size.
    fn placed(n: &[Node]) -> Vec<(&str, u32, u32)> {
        n[0].children[3..]
            .iter()
            .map(|c| (c.showname.as_str(), c.pos, c.size))
            .collect()
    }

    #[test]
    fn messages_and_their_prefixes() {
        let query = b"Q\x00\x00\x00\x0dSELECT 1\x00";
        let n = dissect(query, 66, true, "Simple query");
        let shown: Vec<&str> = n[0].children.iter().map(|c| c.showname.as_str()).collect();
        assert_eq!(
            shown,
            [
                "Type: Simple query",
                "Length: 13",
                "Frontend: True",
                "Query: SELECT 1"
            ]
        );
        assert_eq!((n[0].children[3].pos, n[0].children[3].size), (71, 9));
        let startup = b"\x00\x00\x00\x11\x00\x03\x00\x00user\x00wl\x00\x00";
        assert_eq!(pdu_len(true, startup), Some(17));
        let n = dissect(startup, 0, true, "Startup message");
        assert!(n[0]
            .children
            .iter()
            .any(|c| c.showname == "Parameter value: wl"));
        // A Parse of a named statement, and an ErrorResponse (each field's item starts at
        // its code byte), as tshark 4.0 shows them in pgsql-tls.pcap's frames 35 and 32.
        let parse = b"P\x00\x00\x00\x12by_id\x00SELECT 1\x00\x00\x00";
        let n = dissect(parse, 0, true, "Parse");
        assert_eq!(
            placed(&n),
            [("Statement: by_id", 5, 6), ("Query: SELECT 1", 11, 9)]
        );
        let error = b"E\x00\x00\x00\x1bSERROR\x00C42P01\x00Mno table\x00\x00";
        let n = dissect(error, 0, false, "Error");
        assert_eq!(
            placed(&n),
            [
                ("Severity: ERROR", 5, 7),
                ("Code: 42P01", 12, 7),
                ("Message: no table", 19, 10)
            ]
        );
        // AuthenticationSASL with its mechanisms, and ReadyForQuery (frames 16 and 20).
        let sasl = b"R\x00\x00\x00\x17\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00";
        let n = dissect(sasl, 0, false, "Authentication request");
        assert_eq!(
            placed(&n),
            [
                ("Authentication type: SASL (10)", 5, 4),
                ("SASL authentication mechanism: SCRAM-SHA-256", 9, 14)
            ]
        );
        let ready = b"Z\x00\x00\x00\x05I";
        let n = dissect(ready, 0, false, "Ready for query");
        assert_eq!(n[0].children[3].showname, "Status: Idle (73)");
        // A DataRow with a NULL and a value, and a Bind of one text parameter.
        let row = b"D\x00\x00\x00\x10\x00\x02\xff\xff\xff\xff\x00\x00\x00\x02c0";
        let n = dissect(row, 0, false, "Data row");
        assert_eq!(
            placed(&n).into_iter().map(|(s, ..)| s).collect::<Vec<_>>(),
            [
                "Field count: 2",
                "Column length: -1",
                "Column length: 2",
                "Data: 6330"
            ]
        );
        let bind = b"B\x00\x00\x00\x16\x00by_id\x00\x00\x00\x00\x01\x00\x00\x00\x011\x00\x00";
        let n = dissect(bind, 0, true, "Bind");
        assert_eq!(
            placed(&n).into_iter().map(|(s, ..)| s).collect::<Vec<_>>(),
            [
                "Portal: ",
                "Statement: by_id",
                "Column length: 1",
                "Data: 31"
            ]
        );
        assert_eq!(shown_bytes(&[0xab; 40]), format!("{}…", "ab".repeat(36)));
        for b in [
            &query[..],
            &startup[..],
            &parse[..],
            &error[..],
            &sasl[..],
            &ready[..],
            &row[..],
            &bind[..],
        ] {
            for end in 0..=b.len() {
                for side in [true, false] {
                    let _ = dissect(&b[..end], 0, side, "x");
                    let _ = pdu_len(side, &b[..end]);
                }
            }
        }
    }
}
