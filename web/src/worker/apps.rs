//! The protocol views: core's transaction tables (`query::transactions`) for HTTP (and
//! HTTP/2, gRPC), memcached, MySQL, PostgreSQL, Redis, DNS and TLS, over the transactions that have a displayed
//! packet. Core's rows serialize as the CLI's `--json` prints them; each becomes a table
//! row with the same keys (nested objects flattened as `first_at.stream`), so the page
//! shows the CLI's content and links every row to its stream and packets.

use crate::tables::{Built, Key, Row};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use wirelens_core::capture::app::memcache::Memcache;
use wirelens_core::capture::app::mysql::Mysql;
use wirelens_core::capture::app::pgsql::Pgsql;
use wirelens_core::capture::app::redis::Redis;
use wirelens_core::capture::app::{AppProto, Transaction};
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::query::filter::Filter;
use wirelens_core::query::transactions::{self as tx, dns, http, kv, mysql, pgsql, tls};
use wirelens_web::protocol::{Column, StreamRef};

/// The tables of each protocol, in the order the page shows them.
pub const TABLES: [(AppProto, &[&str]); 7] = [
    (
        AppProto::Http,
        &["requests", "slowest", "by_status", "errors", "grpc"],
    ),
    (
        AppProto::Memcache,
        &[
            "commands",
            "hot_keys",
            "largest_values",
            "misses",
            "transactions",
        ],
    ),
    (
        AppProto::Mysql,
        &["transactions", "slowest", "queries", "errors"],
    ),
    (
        AppProto::Redis,
        &[
            "commands",
            "hot_keys",
            "largest_values",
            "slowest",
            "errors",
            "transactions",
        ],
    ),
    (AppProto::Dns, &["queries", "slowest", "by_rcode"]),
    (AppProto::Tls, &["handshakes"]),
    (
        AppProto::Pgsql,
        &["transactions", "slowest", "queries", "errors"],
    ),
];

/// The protocol named `name` (`http`, `memcache`, `mysql`, `redis`, `dns`, `tls`).
pub fn proto_named(name: &str) -> Option<AppProto> {
    AppProto::ALL.into_iter().find(|p| p.name() == name)
}

/// Transactions of each protocol in the capture (for the tabs the page shows).
pub fn counts(capture: &Capture) -> Vec<(String, u64)> {
    AppProto::ALL
        .into_iter()
        .map(|p| {
            let n = capture
                .transactions
                .iter()
                .filter(|t| proto_of(t) == p)
                .count() as u64;
            (p.name().to_owned(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The view of a transaction: its protocol's, HTTP/2 streams in HTTP's.
pub fn proto_of(t: &Transaction) -> AppProto {
    match t.detail.proto() {
        AppProto::Http2 => AppProto::Http,
        p => p,
    }
}

/// Table `table` of protocol `proto`, over the transactions with a displayed packet
/// (`shown`: the displayed packets, ascending; None: all).
pub fn build(
    capture: &Capture,
    shown: Option<&[u32]>,
    proto: AppProto,
    table: &str,
) -> Result<Built, String> {
    // A capture of the transactions the view shows: core's tables read only the
    // transactions and the conversations.
    let view;
    let capture = match shown {
        None => capture,
        Some(shown) => {
            let displayed = |p: u64| {
                u32::try_from(p)
                    .ok()
                    .is_some_and(|p| shown.binary_search(&p).is_ok())
            };
            view = Capture {
                conversations: capture.conversations.clone(),
                app_protos: capture.app_protos.clone(),
                app_inner: capture.app_inner.clone(),
                transactions: capture
                    .transactions
                    .iter()
                    .filter(|t| {
                        [t.request, t.response]
                            .into_iter()
                            .flatten()
                            .any(|s| displayed(s.first.packet) || displayed(s.last.packet))
                    })
                    .cloned()
                    .collect(),
                ..Capture::default()
            };
            &view
        }
    };
    let all = usize::MAX;
    let txs = &capture.transactions;
    let mut b = TableBuilder::new(capture, proto, table);
    match (proto, table) {
        (AppProto::Http, "requests") => b.rows(http::rows(capture)),
        (AppProto::Http, "slowest") => b.rows(http::slowest(capture, all)),
        (AppProto::Http, "by_status") => b.rows(http::by_status(capture)),
        (AppProto::Http, "errors") => b.rows(http::errors(capture)),
        (AppProto::Http, "grpc") => b.rows(http::grpc(capture)),
        (AppProto::Memcache, "transactions") => b.rows(tx::rows::<Memcache>(capture, txs)),
        (AppProto::Memcache, t) => b.values(pick(json(&kv::tables::<Memcache>(capture)), t)),
        (AppProto::Redis, "transactions") => b.rows(tx::rows::<Redis>(capture, txs)),
        (AppProto::Redis, t) => b.values(pick(json(&kv::tables::<Redis>(capture)), t)),
        (AppProto::Mysql, "transactions") => b.rows(tx::rows::<Mysql>(capture, txs)),
        (AppProto::Mysql, t) => b.values(pick(json(&mysql::tables(capture)), t)),
        (AppProto::Pgsql, "transactions") => b.rows(tx::rows::<Pgsql>(capture, txs)),
        (AppProto::Pgsql, t) => b.values(pick(json(&pgsql::tables(capture)), t)),
        (AppProto::Dns, "queries") => b.rows(dns::rows(capture)),
        (AppProto::Dns, "slowest") => b.rows(dns::slowest(capture, all)),
        (AppProto::Dns, "by_rcode") => b.rows(dns::by_rcode(capture)),
        (AppProto::Tls, "handshakes") => b.rows(tls::rows(capture)),
        _ => return Err(format!("{} has no table {table}", proto.name())),
    }
    Ok(b.finish())
}

/// Core's rows as the CLI's `--json` prints them.
fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Member `table` of an object of tables (`hot_keys` of memcached's).
fn pick(v: Value, table: &str) -> Value {
    match v {
        Value::Object(mut m) => m.remove(table).unwrap_or(Value::Array(Vec::new())),
        _ => Value::Array(Vec::new()),
    }
}

/// Keys that only index the capture (conversation ids, packet indices, transaction
/// indices): the same places are given as streams and frame numbers.
fn internal(path: &str, v: &Value) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(last, "conv" | "first_packet" | "last_packet")
        || last == "transactions" && v.is_array()
}

/// Flattens an object: nested objects as `a.b`; arrays of scalars joined by commas;
/// arrays of objects as their values, one object after another.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if internal(&path, v) {
                    continue;
                }
                match v {
                    Value::Object(_) => flatten(&path, v, out),
                    _ => out.push((path, v.clone())),
                }
            }
        }
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

/// A cell's text and sort key.
fn cell(v: &Value) -> (String, Key) {
    match v {
        Value::Null => (String::new(), Key::None),
        Value::Bool(b) => (
            if *b { "yes" } else { "no" }.into(),
            Key::Num(f64::from(u8::from(*b))),
        ),
        Value::Number(n) => (n.to_string(), Key::Num(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => (s.clone(), Key::Text),
        Value::Array(items) => {
            let text = items
                .iter()
                .map(|i| match i {
                    Value::Object(m) => object_text(m),
                    other => cell(other).0,
                })
                .collect::<Vec<_>>()
                .join(", ");
            (text, Key::Text)
        }
        Value::Object(m) => {
            let text = object_text(m);
            (text, Key::Text)
        }
    }
}

/// An object in one cell: `key=value` pairs (a DNS answer, a memcached key).
fn object_text(m: &Map<String, Value>) -> String {
    m.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{k}={}", cell(v).0))
        .collect::<Vec<_>>()
        .join(" ")
}

fn title(key: &str) -> String {
    key.replace('_', " ")
}

/// A table made row by row: each of core's rows is turned into its JSON form, flattened
/// and made cells, then let go, so that building a table of a million transactions holds
/// the table and one row's JSON, not the JSON of them all.
struct TableBuilder<'c> {
    proto: AppProto,
    table: &'c str,
    /// The protocol of each (stream, UDP?) conversation that has one.
    streams: HashMap<(u32, bool), AppProto>,
    /// Column keys in order of first appearance, and whether each is numeric so far.
    keys: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Row>,
    /// Rows with a value over 1 MB.
    big: usize,
    /// Whether a filter on each field compiles.
    compiles: HashMap<&'static str, bool>,
}

impl<'c> TableBuilder<'c> {
    fn new(capture: &'c Capture, proto: AppProto, table: &'c str) -> Self {
        let streams = capture
            .conversations
            .iter()
            .zip(&capture.app_protos)
            .filter_map(|(c, p)| Some(((c.stream, c.proto == L4::Udp), (*p)?)))
            .collect();
        TableBuilder {
            proto,
            table,
            streams,
            keys: Vec::new(),
            numeric: Vec::new(),
            rows: Vec::new(),
            big: 0,
            compiles: HashMap::new(),
        }
    }

    /// Core's rows, one at a time.
    fn rows<T: Serialize>(&mut self, rows: impl IntoIterator<Item = T>) {
        for r in rows {
            self.push(&json(&r));
        }
    }

    /// Rows already in their JSON form (an array; anything else has none).
    fn values(&mut self, v: Value) {
        if let Value::Array(items) = v {
            for item in &items {
                self.push(item);
            }
        }
    }

    fn push(&mut self, v: &Value) {
        let mut row = Vec::new();
        flatten("", v, &mut row);
        let mut cells = vec![String::new(); self.keys.len()];
        let mut keys_ = vec![Key::None; self.keys.len()];
        for (k, v) in &row {
            let number = v.is_number() || v.is_null();
            let at = match self.keys.iter().position(|x| x == k) {
                Some(i) => {
                    self.numeric[i] &= number;
                    i
                }
                None => {
                    // Earlier rows have no value here: they are padded in `finish`.
                    self.keys.push(k.clone());
                    self.numeric.push(number);
                    cells.push(String::new());
                    keys_.push(Key::None);
                    self.keys.len() - 1
                }
            };
            (cells[at], keys_[at]) = cell(v);
        }
        let get = |k: &str| row.iter().find(|(x, _)| x == k).map(|(_, v)| v);
        let num = |k: &str| get(k).and_then(Value::as_u64);
        let stream = [
            "stream",
            "at.stream",
            "first_at.stream",
            "slowest_at.stream",
        ]
        .iter()
        .find_map(|k| num(k));
        let frame = [
            "request_frame",
            "query_frame",
            "response_frame",
            "frame",
            "at.first_frame",
            "first_at.first_frame",
            "slowest_at.first_frame",
        ]
        .iter()
        .find_map(|k| num(k));
        let udp = get("transport").and_then(Value::as_str) == Some("udp");
        let follow = stream
            .and_then(|s| u32::try_from(s).ok())
            .and_then(|s| self.stream_ref(s, udp));
        let filter = row_filter(self.proto, self.table, &get, follow).filter(|(field, f)| {
            // Compiling every row's filter cost most of a 48,083-row table's 2.5 s: the
            // values are quoted and escaped, so a field that compiles once compiles with
            // any value free of control characters.
            if f.chars().any(char::is_control) {
                return Filter::compile(f).is_ok();
            }
            *self
                .compiles
                .entry(field)
                .or_insert_with(|| Filter::compile(f).is_ok())
        });
        let filter = filter.map(|(_, f)| f);
        let error = get("error").and_then(Value::as_bool) == Some(true)
            || get("status")
                .and_then(Value::as_u64)
                .is_some_and(|s| s >= 400)
            || get("rcode").and_then(Value::as_u64).is_some_and(|r| r != 0)
            || get("error_code").is_some_and(|v| !v.is_null());
        let big = get("over_1mb").and_then(Value::as_bool) == Some(true);
        self.big += usize::from(big);
        let mark = if big {
            "big"
        } else if error {
            "error"
        } else {
            ""
        };
        self.rows.push(Row {
            cells,
            keys: keys_,
            filter,
            frame,
            depth: 0,
            mark,
            follow,
        });
    }

    /// The stream a row names: a conversation of the protocol with that stream number
    /// (TCP unless the row says UDP, or only a UDP one has it).
    fn stream_ref(&self, stream: u32, udp: bool) -> Option<StreamRef> {
        let has = |udp: bool| self.streams.get(&(stream, udp)) == Some(&self.proto);
        let udp = udp || !has(false) && has(true);
        Some(StreamRef { udp, stream })
    }

    fn finish(mut self) -> Built {
        let n = self.keys.len();
        for r in &mut self.rows {
            r.cells.resize(n, String::new());
            r.keys.resize(n, Key::None);
        }
        let columns: Vec<Column> = self
            .keys
            .iter()
            .zip(&self.numeric)
            .map(|(k, &n)| Column {
                key: k.replace('.', "-"),
                title: title(k),
                numeric: n,
            })
            .collect();
        let big = self.big;
        let notes = if big > 0 {
            vec![format!(
                "{big} value{} over 1 MB (marked)",
                if big == 1 { "" } else { "s" }
            )]
        } else {
            Vec::new()
        };
        Built {
            columns,
            sortable: true,
            rows: self.rows,
            notes,
        }
    }
}

/// The display filter that shows a row's packets, with the field it compares: its key,
/// status or command where a field names it, else its stream (the caller offers only
/// filters that compile).
fn row_filter<'a>(
    proto: AppProto,
    table: &str,
    get: &dyn Fn(&str) -> Option<&'a Value>,
    follow: Option<StreamRef>,
) -> Option<(&'static str, String)> {
    let quoted = |field: &'static str, k: &str| {
        get(k).and_then(Value::as_str).map(|s| {
            let s = s.replace('\\', "\\\\").replace('"', "\\\"");
            (field, format!("{field} == \"{s}\""))
        })
    };
    match (proto, table) {
        (AppProto::Http, "by_status") => get("status")
            .and_then(Value::as_u64)
            .map(|s| ("http.response.code", format!("http.response.code == {s}"))),
        (AppProto::Dns, "by_rcode") => get("rcode")
            .and_then(Value::as_u64)
            .map(|r| ("dns.flags.rcode", format!("dns.flags.rcode == {r}"))),
        (AppProto::Memcache, "hot_keys" | "misses" | "largest_values") => {
            quoted("memcache.key", "key")
        }
        (AppProto::Memcache, "commands") => quoted("memcache.command", "command"),
        (AppProto::Redis, "hot_keys" | "largest_values") => quoted("redis.key", "key"),
        (AppProto::Redis, "commands") => quoted("redis.command", "command"),
        _ => None,
    }
    .or_else(|| {
        follow.map(|s| {
            let field = if s.udp { "udp.stream" } else { "tcp.stream" };
            (field, format!("{field} == {}", s.stream))
        })
    })
}
