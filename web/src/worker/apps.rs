//! The protocol views: core's transaction tables (`query::transactions`) for HTTP,
//! memcached, MySQL, Redis, DNS and TLS, over the transactions that have a displayed
//! packet. Core's rows serialize as the CLI's `--json` prints them; each becomes a table
//! row with the same keys (nested objects flattened as `first_at.stream`), so the page
//! shows the CLI's content and links every row to its stream and packets.

use crate::tables::{Built, Key, Row};
use serde::Serialize;
use serde_json::{Map, Value};
use wirelens_core::capture::app::memcache::Memcache;
use wirelens_core::capture::app::mysql::Mysql;
use wirelens_core::capture::app::redis::Redis;
use wirelens_core::capture::app::{AppProto, Transaction};
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::query::filter::Filter;
use wirelens_core::query::transactions::{self as tx, dns, http, kv, mysql, tls};
use wirelens_web::protocol::{Column, StreamRef};

/// The tables of each protocol, in the order the page shows them.
pub const TABLES: [(AppProto, &[&str]); 6] = [
    (
        AppProto::Http,
        &["requests", "slowest", "by_status", "errors"],
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

/// The protocol of a transaction.
pub fn proto_of(t: &Transaction) -> AppProto {
    use wirelens_core::capture::app::Detail;
    match t.detail {
        Detail::Http(_) => AppProto::Http,
        Detail::Memcache(_) => AppProto::Memcache,
        Detail::Mysql(_) => AppProto::Mysql,
        Detail::Redis(_) => AppProto::Redis,
        Detail::Dns(_) => AppProto::Dns,
        Detail::Tls(_) => AppProto::Tls,
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
    let rows: Value = match (proto, table) {
        (AppProto::Http, "requests") => json(&http::rows(capture)),
        (AppProto::Http, "slowest") => json(&http::slowest(capture, all)),
        (AppProto::Http, "by_status") => json(&http::by_status(capture)),
        (AppProto::Http, "errors") => json(&http::errors(capture)),
        (AppProto::Memcache, "transactions") => json(&tx::rows::<Memcache>(capture, txs)),
        (AppProto::Memcache, t) => pick(json(&kv::tables::<Memcache>(capture)), t),
        (AppProto::Redis, "transactions") => json(&tx::rows::<
            wirelens_core::capture::app::redis::Redis,
        >(capture, txs)),
        (AppProto::Redis, t) => pick(json(&kv::tables::<Redis>(capture)), t),
        (AppProto::Mysql, "transactions") => json(&tx::rows::<Mysql>(capture, txs)),
        (AppProto::Mysql, t) => pick(json(&mysql::tables(capture)), t),
        (AppProto::Dns, "queries") => json(&dns::rows(capture)),
        (AppProto::Dns, "slowest") => json(&dns::slowest(capture, all)),
        (AppProto::Dns, "by_rcode") => json(&dns::by_rcode(capture)),
        (AppProto::Tls, "handshakes") => json(&tls::rows(capture)),
        _ => return Err(format!("{} has no table {table}", proto.name())),
    };
    let Value::Array(items) = rows else {
        return Ok(Built {
            columns: Vec::new(),
            sortable: true,
            rows: Vec::new(),
            notes: Vec::new(),
        });
    };
    Ok(to_table(capture, proto, table, items))
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
        Value::String(s) => (s.clone(), Key::Text(s.to_lowercase())),
        Value::Array(items) => {
            let text = items
                .iter()
                .map(|i| match i {
                    Value::Object(m) => object_text(m),
                    other => cell(other).0,
                })
                .collect::<Vec<_>>()
                .join(", ");
            let key = Key::Text(text.to_lowercase());
            (text, key)
        }
        Value::Object(m) => {
            let text = object_text(m);
            let key = Key::Text(text.to_lowercase());
            (text, key)
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

fn to_table(capture: &Capture, proto: AppProto, table: &str, items: Vec<Value>) -> Built {
    let flat: Vec<Vec<(String, Value)>> = items
        .iter()
        .map(|v| {
            let mut out = Vec::new();
            flatten("", v, &mut out);
            out
        })
        .collect();
    // Columns in order of first appearance.
    let mut keys: Vec<String> = Vec::new();
    let mut numeric: Vec<bool> = Vec::new();
    for row in &flat {
        for (k, v) in row {
            match keys.iter().position(|x| x == k) {
                Some(i) => numeric[i] &= v.is_number() || v.is_null(),
                None => {
                    keys.push(k.clone());
                    numeric.push(v.is_number() || v.is_null());
                }
            }
        }
    }
    let columns: Vec<Column> = keys
        .iter()
        .zip(&numeric)
        .map(|(k, &n)| Column {
            key: k.replace('.', "-"),
            title: title(k),
            numeric: n,
        })
        .collect();
    let rows = flat
        .iter()
        .map(|row| {
            let get = |k: &str| row.iter().find(|(x, _)| x == k).map(|(_, v)| v);
            let (cells, keys_): (Vec<String>, Vec<Key>) = keys
                .iter()
                .map(|k| get(k).map_or((String::new(), Key::None), cell))
                .unzip();
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
                .and_then(|s| stream_ref(capture, proto, s, udp));
            let filter = row_filter(proto, table, &get, follow);
            let error = get("error").and_then(Value::as_bool) == Some(true)
                || get("status")
                    .and_then(Value::as_u64)
                    .is_some_and(|s| s >= 400)
                || get("rcode").and_then(Value::as_u64).is_some_and(|r| r != 0)
                || get("error_code").is_some_and(|v| !v.is_null());
            let mark = if get("over_1mb").and_then(Value::as_bool) == Some(true) {
                "big"
            } else if error {
                "error"
            } else {
                ""
            };
            Row {
                cells,
                keys: keys_,
                filter,
                frame,
                depth: 0,
                mark,
                follow,
            }
        })
        .collect();
    let big = flat
        .iter()
        .filter(|r| {
            r.iter()
                .any(|(k, v)| k == "over_1mb" && v == &Value::Bool(true))
        })
        .count();
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
        rows,
        notes,
    }
}

/// The stream a row names: a conversation of the protocol with that stream number (TCP
/// unless the row says UDP, or only a UDP one has it).
fn stream_ref(capture: &Capture, proto: AppProto, stream: u32, udp: bool) -> Option<StreamRef> {
    let has = |l4: L4| {
        capture.conversations.iter().enumerate().any(|(i, c)| {
            c.proto == l4
                && c.stream == stream
                && capture.app_protos.get(i).copied().flatten() == Some(proto)
        })
    };
    let l4 = if udp || !has(L4::Tcp) && has(L4::Udp) {
        L4::Udp
    } else {
        L4::Tcp
    };
    Some(StreamRef {
        udp: l4 == L4::Udp,
        stream,
    })
}

/// The display filter that shows a row's packets: its key, status or command where a
/// field names it, else its stream. Only filters that compile are offered.
fn row_filter<'a>(
    proto: AppProto,
    table: &str,
    get: &dyn Fn(&str) -> Option<&'a Value>,
    follow: Option<StreamRef>,
) -> Option<String> {
    let quoted = |field: &str, k: &str| {
        get(k).and_then(Value::as_str).map(|s| {
            format!(
                "{field} == \"{}\"",
                s.replace('\\', "\\\\").replace('"', "\\\"")
            )
        })
    };
    let f = match (proto, table) {
        (AppProto::Http, "by_status") => get("status")
            .and_then(Value::as_u64)
            .map(|s| format!("http.response.code == {s}")),
        (AppProto::Dns, "by_rcode") => get("rcode")
            .and_then(Value::as_u64)
            .map(|r| format!("dns.flags.rcode == {r}")),
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
            format!(
                "{}.stream == {}",
                if s.udp { "udp" } else { "tcp" },
                s.stream
            )
        })
    })?;
    Filter::compile(&f).is_ok().then_some(f)
}
