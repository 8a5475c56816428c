//! The protocol views: core's transaction tables (`query::transactions`) for HTTP (and
//! HTTP/2, gRPC), memcached, MySQL, PostgreSQL, Redis, DNS and TLS, over the transactions that have a displayed
//! packet. Core's rows serialize as the CLI's `--json` prints them; each becomes a table
//! row with the same keys (nested objects flattened as `first_at.stream`), so the page
//! shows the CLI's content and links every row to its stream and packets.

use crate::tables::{Built, Key, Remake, Row, Rows, Texts};
use serde::ser::{self, Serialize};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use wirelens_core::capture::app::dns::Dns;
use wirelens_core::capture::app::http::Http;
use wirelens_core::capture::app::memcache::Memcache;
use wirelens_core::capture::app::mysql::Mysql;
use wirelens_core::capture::app::pgsql::Pgsql;
use wirelens_core::capture::app::redis::Redis;
use wirelens_core::capture::app::{AppDetail, AppProto, Times, Transaction};
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::query::filter::Filter;
use wirelens_core::query::transactions::kv::KeyValue;
use wirelens_core::query::transactions::{self as tx, dns, http, kv, tls};
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
    if let Some(built) = remade(capture, shown, proto, table) {
        return Ok(built);
    }
    // Core makes these of the transactions given: those the view shows.
    let numbered = || {
        capture
            .transactions
            .iter()
            .enumerate()
            .filter(move |(_, t)| displayed(shown, t))
    };
    let visible = || numbered().map(|(_, t)| t);
    let no_table = || format!("{} has no table {table}", proto.name());
    let mut b = TableBuilder::new(capture, proto, table);
    match (proto, table) {
        (AppProto::Memcache, t) => {
            if !kv_table::<Memcache>(&mut b, capture, visible(), t) {
                return Err(no_table());
            }
        }
        (AppProto::Redis, t) => {
            if !kv_table::<Redis>(&mut b, capture, visible(), t) {
                return Err(no_table());
            }
        }
        (AppProto::Mysql, "queries") => b.rows(kv::commands::<Mysql>(capture, visible())),
        (AppProto::Pgsql, "queries") => b.rows(kv::commands::<Pgsql>(capture, visible())),
        (AppProto::Http, "by_status") => b.rows(http::by_status(numbered())),
        (AppProto::Http, "grpc") => b.rows(http::grpc(capture, visible())),
        (AppProto::Dns, "by_rcode") => b.rows(dns::by_rcode(numbered())),
        (AppProto::Tls, "handshakes") => b.rows(tls::rows(capture, visible())),
        _ => return Err(no_table()),
    }
    Ok(b.finish())
}

/// Table `table` of key-value protocol `T` over transactions `txs`: only that table
/// computed, not all of `kv::tables` (its largest values alone a row per value moved)
/// for one of them. False for a table it does not make.
fn kv_table<'a, T: KeyValue + Serialize + 'a>(
    b: &mut TableBuilder,
    capture: &Capture,
    txs: impl IntoIterator<Item = &'a Transaction>,
    table: &str,
) -> bool {
    match table {
        "commands" => b.rows(kv::commands::<T>(capture, txs)),
        "hot_keys" => b.rows(kv::hot_keys::<T>(capture, txs)),
        "misses" if T::COLUMNS.hits => b.rows(kv::misses(&kv::hot_keys::<T>(capture, txs))),
        "largest_values" => b.rows(kv::largest_values::<T>(capture, txs)),
        _ => return false,
    }
    true
}

/// Whether a transaction has a packet the view shows (`shown`: ascending; None: all).
fn displayed(shown: Option<&[u32]>, t: &Transaction) -> bool {
    let Some(shown) = shown else {
        return true;
    };
    let has = |p: u64| u32::try_from(p).is_ok_and(|p| shown.binary_search(&p).is_ok());
    [t.request, t.response]
        .into_iter()
        .flatten()
        .any(|s| has(s.first()) || has(s.last()))
}

/// Core's rows as the CLI's `--json` prints them.
fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
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

/// A key of nanoseconds (`latency_total_ns`, core's sums): the page shows seconds, as the
/// rows' own latencies and Wireshark's `http.time`. Gives the key without its unit.
fn nanos(key: &str) -> Option<&str> {
    key.strip_suffix("_ns")
}

/// Nanoseconds as seconds to the nanosecond (`0.000150000`, as tshark prints times).
fn seconds_cell(ns: i64) -> (String, Key) {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    let text = format!("{sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000);
    (text, Key::Num(ns as f64 / 1e9))
}

fn title(key: &str) -> String {
    key.replace('_', " ")
}

/// A cell of a value the row gives up (its text moved, not copied).
fn into_cell(v: Value) -> (String, Key) {
    match v {
        Value::String(s) => (s, Key::Text),
        v => cell(&v),
    }
}

/// A value the direct path does not take (a map key that is not a string, a 128-bit
/// number): the row takes the JSON path, which gives such values as serde_json does.
#[derive(Debug)]
struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no JSON form")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Unsupported
    }
}

impl From<serde_json::Error> for Unsupported {
    fn from(_: serde_json::Error) -> Self {
        Unsupported
    }
}

/// Serializes one row into its columns as [`flatten`] makes them of the row's JSON:
/// nested objects as `a.b`, the keys [`internal`] names left out, every other value a
/// leaf. Leaves are the `Value`s serde_json makes of them (arrays whole), so their cells
/// and sort keys are those of the JSON path.
struct Flat<'b> {
    /// The table's columns so far; a new path is added.
    keys: &'b mut Vec<String>,
    /// The path of the value being serialized.
    path: &'b mut String,
    /// The row's leaves: column and value.
    leaves: &'b mut Vec<(usize, Value)>,
    /// The column the next leaf most likely has (rows of a table share their shape).
    next: usize,
}

impl Flat<'_> {
    fn leaf(&mut self, v: Value) -> Result<(), Unsupported> {
        if v.is_array() && last_segment(self.path) == "transactions" {
            return Ok(());
        }
        let at = if self.keys.get(self.next) == Some(&*self.path) {
            self.next
        } else if let Some(i) = self.keys.iter().position(|k| *k == *self.path) {
            i
        } else {
            self.keys.push(self.path.clone());
            self.keys.len() - 1
        };
        self.next = at + 1;
        self.leaves.push((at, v));
        Ok(())
    }

    /// Member `key` of the object at the current path.
    fn member<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> Result<(), Unsupported> {
        let len = self.enter(key);
        self.inside(len, v)
    }

    /// The value of the member whose key was just appended to the path; then the path
    /// back to `len`.
    fn inside<T: Serialize + ?Sized>(&mut self, len: usize, v: &T) -> Result<(), Unsupported> {
        let r = if skipped(self.path) {
            Ok(())
        } else {
            v.serialize(&mut *self)
        };
        self.path.truncate(len);
        r
    }

    /// Appends `key` to the path; gives the length to truncate it back to.
    fn enter(&mut self, key: &str) -> usize {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }
}

/// The last key of a path.
fn last_segment(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(_, last)| last)
}

/// Whether [`internal`] leaves out any value at `path` (the cheap test first: most paths
/// end otherwise).
fn skipped(path: &str) -> bool {
    let maybe = path.ends_with("conv") || path.ends_with("_packet");
    maybe && matches!(last_segment(path), "conv" | "first_packet" | "last_packet")
}

/// The serializer's methods for numbers: each a leaf of its JSON value.
macro_rules! numbers {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, v: $t) -> Result<(), Unsupported> {
            self.leaf(Value::from(v))
        })*
    };
}

impl<'s, 'b> ser::Serializer for &'s mut Flat<'b> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Items<'s, 'b>;
    type SerializeTuple = Items<'s, 'b>;
    type SerializeTupleStruct = Items<'s, 'b>;
    type SerializeTupleVariant = Items<'s, 'b>;
    type SerializeMap = Members<'s, 'b>;
    type SerializeStruct = Members<'s, 'b>;
    type SerializeStructVariant = Members<'s, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.leaf(Value::Bool(v))
    }
    numbers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64);
    fn serialize_i128(self, v: i128) -> Result<(), Unsupported> {
        self.leaf(serde_json::to_value(v)?)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unsupported> {
        self.leaf(serde_json::to_value(v)?)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.leaf(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.leaf(Value::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        self.leaf(Value::Array(v.iter().map(|b| Value::from(*b)).collect()))
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.leaf(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.leaf(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.leaf(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.leaf(Value::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        // `{"variant": v}`.
        self.member(variant, v)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items<'s, 'b>, Unsupported> {
        Ok(Items {
            flat: self,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'s, 'b>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Items<'s, 'b>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Items<'s, 'b>, Unsupported> {
        // `{"variant": [...]}`.
        Ok(Items {
            flat: self,
            items: Vec::with_capacity(len),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Members<'s, 'b>, Unsupported> {
        Ok(Members {
            flat: self,
            key: None,
            back: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Members<'s, 'b>, Unsupported> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Members<'s, 'b>, Unsupported> {
        // `{"variant": {...}}`: its members under `variant`, or none where the key is
        // one `internal` leaves out.
        let back = self.enter(variant);
        let skip = skipped(self.path);
        Ok(Members {
            flat: self,
            key: None,
            back: Some((back, skip)),
        })
    }
}

/// An array: its items' JSON, one leaf.
struct Items<'s, 'b> {
    flat: &'s mut Flat<'b>,
    items: Vec<Value>,
    variant: Option<&'static str>,
}

impl Items<'_, '_> {
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        self.items.push(serde_json::to_value(v)?);
        Ok(())
    }

    fn done(self) -> Result<(), Unsupported> {
        let array = Value::Array(self.items);
        match self.variant {
            None => self.flat.leaf(array),
            Some(variant) => self.flat.member(variant, &array),
        }
    }
}

/// Sequences and tuples of every kind: each element is an item.
macro_rules! items {
    ($($kind:ident::$element:ident),*) => {$(
        impl ser::$kind for Items<'_, '_> {
            type Ok = ();
            type Error = Unsupported;
            fn $element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
                self.item(v)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.done()
            }
        }
    )*};
}
items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// An object's members, each under its key. `key` is where the path was before a map's
/// key was appended, until its value comes; `back` is a struct variant's path to return
/// to, and whether its members are left out.
struct Members<'s, 'b> {
    flat: &'s mut Flat<'b>,
    key: Option<usize>,
    back: Option<(usize, bool)>,
}

impl Members<'_, '_> {
    fn skipped(&self) -> bool {
        matches!(self.back, Some((_, true)))
    }

    fn done(self) -> Result<(), Unsupported> {
        if let Some((len, _)) = self.back {
            self.flat.path.truncate(len);
        }
        Ok(())
    }
}

impl ser::SerializeMap for Members<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        // Keys go straight onto the path; those not strings (serde_json writes numbers'
        // and booleans' text) take the JSON path.
        let len = self.flat.enter("");
        key.serialize(KeyText(self.flat.path))?;
        self.key = Some(len);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        let len = self.key.take().ok_or(Unsupported)?;
        self.flat.inside(len, v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.done()
    }
}

impl ser::SerializeStruct for Members<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        self.flat.member(key, v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.done()
    }
}

impl ser::SerializeStructVariant for Members<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        if self.skipped() {
            return Ok(());
        }
        self.flat.member(key, v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.done()
    }
}

/// Serializer methods for the values a serializer does not take: they take the JSON
/// path ([`Unsupported`]).
macro_rules! unsupported {
    ($($f:ident($($t:ty),*);)*) => {
        $(fn $f(self, $(_: $t),*) -> Result<(), Unsupported> {
            Err(Unsupported)
        })*
    };
}

/// The scalars and the unit forms.
macro_rules! unsupported_scalars {
    () => {
        unsupported! {
            serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
            serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
            serialize_u64(u64); serialize_f32(f32); serialize_f64(f64);
            serialize_char(char); serialize_bytes(&[u8]); serialize_unit();
            serialize_unit_struct(&'static str);
            serialize_unit_variant(&'static str, u32, &'static str);
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<(), Unsupported> {
            Err(Unsupported)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Unsupported> {
            Err(Unsupported)
        }
    };
}

/// The compound forms a serializer does not take.
macro_rules! unsupported_compounds {
    ($($f:ident($($t:ty),*) -> $r:ident;)*) => {
        $(fn $f(self, $(_: $t),*) -> Result<Self::$r, Unsupported> {
            Err(Unsupported)
        })*
    };
}

/// A map key appended to the path: a string.
struct KeyText<'p>(&'p mut String);

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.0.push_str(v);
        Ok(())
    }
    unsupported_scalars!();
    unsupported! { serialize_none(); }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    unsupported_compounds! {
        serialize_seq(Option<usize>) -> SerializeSeq;
        serialize_tuple(usize) -> SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> SerializeTupleVariant;
        serialize_map(Option<usize>) -> SerializeMap;
        serialize_struct(&'static str, usize) -> SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> SerializeStructVariant;
    }
}

/// A row's values: each column's (by index into the table's keys), in the order
/// serialized (a key twice in one row: the last one counts, as in the JSON object).
type Leaves = Vec<(usize, Value)>;

/// A table made row by row: each of core's rows is serialized straight into its cells
/// ([`Flat`]), the same cells its JSON form flattened gives ([`TableBuilder::json_leaves`],
/// kept for the rows that path does not take), so that building a table of a million
/// transactions holds the table and one row, not the JSON of them all.
struct TableBuilder {
    proto: AppProto,
    table: String,
    /// The protocol of each (stream, UDP?) conversation that has one.
    streams: HashMap<(u32, bool), AppProto>,
    /// Column keys in order of first appearance, and whether each is numeric so far.
    keys: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Row>,
    /// Rows with a value over 1 MB.
    big: usize,
    /// Whether a filter on each field compiles.
    compiles: RefCell<HashMap<&'static str, bool>>,
    /// The path of the value being serialized (`first_at.stream`).
    path: String,
}

impl TableBuilder {
    fn new(capture: &Capture, proto: AppProto, table: &str) -> Self {
        let streams = capture
            .conversations
            .iter()
            .zip(&capture.app_protos)
            .filter_map(|(c, p)| Some(((c.stream, c.proto == L4::Udp), (*p)?)))
            .collect();
        TableBuilder {
            proto,
            table: table.to_owned(),
            streams,
            keys: Vec::new(),
            numeric: Vec::new(),
            rows: Vec::new(),
            big: 0,
            compiles: RefCell::new(HashMap::new()),
            path: String::new(),
        }
    }

    /// Core's rows, one at a time, kept.
    fn rows<T: Serialize>(&mut self, rows: impl IntoIterator<Item = T>) {
        for r in rows {
            let leaves = self.leaves(&r);
            self.keep(leaves);
        }
    }

    /// A row kept, counted.
    fn keep(&mut self, leaves: Leaves) {
        self.count(&leaves);
        let row = self.row(leaves);
        self.rows.push(row);
    }

    /// Counts what the notes say of a row (values over 1 MB).
    fn count(&mut self, leaves: &Leaves) {
        let big = self.get(leaves, "over_1mb").and_then(Value::as_bool) == Some(true);
        self.big += usize::from(big);
    }

    /// A row's values: core's row serialized into its columns, or its JSON form's where
    /// that path does not take it (what the CLI's `--json` prints of it).
    fn leaves<T: Serialize + ?Sized>(&mut self, r: &T) -> Leaves {
        match self.try_leaves(r) {
            Ok(leaves) => leaves,
            Err(Unsupported) => self.json_leaves(&json(&r)),
        }
    }

    /// A row's values straight from core's row, serialized one by one into their
    /// columns ([`Flat`]), as [`TableBuilder::json_leaves`] makes them of the row's JSON
    /// without building the JSON object (most of a 48,083-row table's time).
    fn try_leaves<T: Serialize + ?Sized>(&mut self, r: &T) -> Result<Leaves, Unsupported> {
        let known = self.keys.len();
        let mut leaves = Vec::with_capacity(known);
        let mut flat = Flat {
            keys: &mut self.keys,
            path: &mut self.path,
            leaves: &mut leaves,
            next: 0,
        };
        if let Err(e) = r.serialize(&mut flat) {
            self.path.clear();
            self.keys.truncate(known);
            return Err(e);
        }
        self.numeric.resize(self.keys.len(), true);
        for (i, v) in &leaves {
            self.numeric[*i] &= v.is_number() || v.is_null();
        }
        Ok(leaves)
    }

    /// A row's values from its JSON form.
    fn json_leaves(&mut self, v: &Value) -> Leaves {
        let mut row = Vec::new();
        flatten("", v, &mut row);
        row.into_iter()
            .map(|(k, v)| {
                let number = v.is_number() || v.is_null();
                let at = match self.keys.iter().position(|x| *x == k) {
                    Some(i) => {
                        self.numeric[i] &= number;
                        i
                    }
                    None => {
                        // Earlier rows have no value here: they are padded in `finish`.
                        self.keys.push(k);
                        self.numeric.push(number);
                        self.keys.len() - 1
                    }
                };
                (at, v)
            })
            .collect()
    }

    /// The value of column `key` among a row's.
    fn get<'v>(&self, leaves: &'v Leaves, key: &str) -> Option<&'v Value> {
        let i = self.keys.iter().position(|x| x == key)?;
        leaves.iter().rev().find(|(j, _)| *j == i).map(|(_, v)| v)
    }

    /// A row of its values: its cells and what it links to.
    fn row(&self, leaves: Leaves) -> Row {
        let (filter, frame, mark, follow) = self.links(&|k| self.get(&leaves, k));
        let (cells, keys) = self.cells(leaves);
        Row {
            cells,
            keys,
            filter,
            frame,
            depth: 0,
            mark,
            follow,
        }
    }

    /// A row's cells and sort keys, a cell per column known.
    fn cells(&self, leaves: Leaves) -> (Texts, Box<[Key]>) {
        let n = self.keys.len();
        let mut cells = vec![String::new(); n];
        let mut keys = vec![Key::None; n];
        for (i, v) in leaves {
            if i < n {
                (cells[i], keys[i]) = match (nanos(&self.keys[i]), v.as_i64()) {
                    (Some(_), Some(ns)) => seconds_cell(ns),
                    _ => into_cell(v),
                };
            }
        }
        (Texts::new(cells), keys.into_boxed_slice())
    }

    /// What a row links to and how it is marked, from its values by key (`get`): its
    /// filter, frame, mark and stream.
    fn links<'v>(
        &self,
        get: &dyn Fn(&str) -> Option<&'v Value>,
    ) -> (Option<String>, Option<u64>, &'static str, Option<StreamRef>) {
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
        let filter = row_filter(self.proto, &self.table, get, follow).filter(|(field, f)| {
            // Compiling every row's filter cost most of a 48,083-row table's 2.5 s: the
            // values are quoted and escaped, so a field that compiles once compiles with
            // any value free of control characters.
            if f.chars().any(char::is_control) {
                return Filter::compile(f).is_ok();
            }
            *self
                .compiles
                .borrow_mut()
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
        let mark = if big {
            "big"
        } else if error {
            "error"
        } else {
            ""
        };
        (filter, frame, mark, follow)
    }

    /// The stream a row names: a conversation of the protocol with that stream number
    /// (TCP unless the row says UDP, or only a UDP one has it).
    fn stream_ref(&self, stream: u32, udp: bool) -> Option<StreamRef> {
        let has = |udp: bool| self.streams.get(&(stream, udp)) == Some(&self.proto);
        let udp = udp || !has(false) && has(true);
        Some(StreamRef { udp, stream })
    }

    /// The table's columns, of every key seen.
    fn columns(&self) -> Vec<Column> {
        self.keys
            .iter()
            .zip(&self.numeric)
            .map(|(k, &n)| match nanos(k) {
                Some(k) => Column {
                    key: format!("{}_s", k.replace('.', "-")),
                    title: format!("{} (s)", title(k)),
                    numeric: n,
                },
                None => Column {
                    key: k.replace('.', "-"),
                    title: title(k),
                    numeric: n,
                },
            })
            .collect()
    }

    /// What the table's notes say.
    fn notes(&self) -> Vec<String> {
        let big = self.big;
        if big > 0 {
            vec![format!(
                "{big} value{} over 1 MB (marked)",
                if big == 1 { "" } else { "s" }
            )]
        } else {
            Vec::new()
        }
    }

    /// The table of the rows kept.
    fn finish(mut self) -> Built {
        let n = self.keys.len();
        for r in &mut self.rows {
            r.cells.pad(n);
            if r.keys.len() < n {
                let mut keys = std::mem::take(&mut r.keys).into_vec();
                keys.resize(n, Key::None);
                r.keys = keys.into_boxed_slice();
            }
        }
        Built {
            columns: self.columns(),
            sortable: true,
            notes: self.notes(),
            rows: Rows::Kept(std::mem::take(&mut self.rows)),
        }
    }
}

/// Makes the row of a transaction (None: not one of the table's protocol).
/// Makes a transaction's row, given the times of its packets (read by the caller: in a
/// run over every transaction, through one `Reader`).
type Make = fn(&Capture, &Transaction, Times, &mut TableBuilder) -> Option<Leaves>;

fn tx_row<T: AppDetail + Serialize>(
    c: &Capture,
    t: &Transaction,
    times: Times,
    b: &mut TableBuilder,
) -> Option<Leaves> {
    T::of(&t.detail).map(|d| b.leaves(&tx::Row::timed(c, t, d, times)))
}

fn http_row(c: &Capture, t: &Transaction, times: Times, b: &mut TableBuilder) -> Option<Leaves> {
    Http::of(&t.detail).map(|d| b.leaves(&http::Row::timed(c, t, d, times)))
}

fn dns_row(c: &Capture, t: &Transaction, times: Times, b: &mut TableBuilder) -> Option<Leaves> {
    Dns::of(&t.detail).map(|d| b.leaves(&dns::Row::timed(c, t, d, times)))
}

/// A table of a row per transaction, made again from the capture when asked for: the
/// transactions' indices (4 bytes a row) and the builder that knows the columns.
struct Remade {
    b: RefCell<TableBuilder>,
    txs: Vec<u32>,
    make: Make,
}

impl Remade {
    fn leaves(&self, capture: &Capture, i: usize) -> Leaves {
        let t = self
            .txs
            .get(i)
            .and_then(|&t| capture.transactions.get(t as usize));
        t.and_then(|t| {
            let times = t.times(&capture.packets);
            (self.make)(capture, t, times, &mut self.b.borrow_mut())
        })
        .unwrap_or_default()
    }
}

impl Remake for Remade {
    fn len(&self) -> usize {
        self.txs.len()
    }

    fn cells(&self, capture: &Capture, i: usize) -> (Texts, Box<[Key]>) {
        let leaves = self.leaves(capture, i);
        self.b.borrow().cells(leaves)
    }

    fn row(&self, capture: &Capture, i: usize) -> Row {
        let leaves = self.leaves(capture, i);
        self.b.borrow().row(leaves)
    }
}

/// The transactions of core's (transaction, detail) pairs.
fn txs_of<'a, T>(pairs: Vec<(&'a Transaction, &'a T)>) -> Vec<&'a Transaction> {
    pairs.into_iter().map(|(t, _)| t).collect()
}

/// Table `table` of protocol `proto` when it has a row per transaction: its rows made
/// on demand ([`Remade`]), the columns found by making each once now. None for the
/// other tables.
fn remade(capture: &Capture, shown: Option<&[u32]>, proto: AppProto, table: &str) -> Option<Built> {
    let make: Make = match (proto, table) {
        (AppProto::Http, "requests" | "slowest" | "errors") => http_row,
        (AppProto::Memcache, "transactions") => tx_row::<Memcache>,
        (AppProto::Redis, "transactions" | "slowest" | "errors") => tx_row::<Redis>,
        (AppProto::Mysql, "transactions" | "slowest" | "errors") => tx_row::<Mysql>,
        (AppProto::Pgsql, "transactions" | "slowest" | "errors") => tx_row::<Pgsql>,
        (AppProto::Dns, "queries" | "slowest") => dns_row,
        _ => return None,
    };
    let all = &capture.transactions;
    let visible = all.iter().filter(|t| displayed(shown, t));
    // In the order core's tables give them.
    let packets = &capture.packets;
    let order: Vec<&Transaction> = match (proto, table) {
        (AppProto::Http, "slowest") => txs_of(tx::slowest::<Http>(packets, visible)),
        (AppProto::Dns, "slowest") => txs_of(tx::slowest::<Dns>(packets, visible)),
        (AppProto::Redis, "slowest") => txs_of(tx::slowest::<Redis>(packets, visible)),
        (AppProto::Mysql, "slowest") => txs_of(tx::slowest::<Mysql>(packets, visible)),
        (AppProto::Pgsql, "slowest") => txs_of(tx::slowest::<Pgsql>(packets, visible)),
        (AppProto::Http, "errors") => visible
            .filter(|t| Http::of(&t.detail).is_some_and(Http::is_error))
            .collect(),
        (AppProto::Redis, "errors") => txs_of(kv::errors::<Redis>(visible)),
        (AppProto::Mysql, "errors") => txs_of(kv::errors::<Mysql>(visible)),
        (AppProto::Pgsql, "errors") => txs_of(kv::errors::<Pgsql>(visible)),
        _ => visible.collect(),
    };
    let mut b = TableBuilder::new(capture, proto, table);
    let mut txs = Vec::new();
    let places = all.locator();
    let mut reader = packets.reader();
    for t in order {
        if let Some(leaves) = make(capture, t, t.times_in(&mut reader), &mut b) {
            b.count(&leaves);
            // Every row is one of `all`'s transactions.
            txs.extend(places.index_of(t).map(|i| i as u32));
        }
    }
    txs.shrink_to_fit();
    Some(Built {
        columns: b.columns(),
        sortable: true,
        notes: b.notes(),
        rows: Rows::Made(Box::new(Remade {
            b: RefCell::new(b),
            txs,
            make,
        })),
    })
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

#[cfg(test)]
mod test {
    use super::*;
    use wirelens_core::ingest::ingest_bytes;

    fn cells(capture: &Capture, b: &Built) -> Vec<String> {
        (0..b.len())
            .map(|i| {
                let r = b.row(capture, i);
                (0..b.columns.len())
                    .map(|c| r.cells.get(c))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    /// A filter that keeps every packet leaves every table as it was: the tables made
    /// from a view of the displayed transactions time them as the whole capture does.
    #[test]
    fn every_packet_shown_every_table_unchanged() {
        let captures: [(&str, &[u8]); 7] = [
            (
                "grpc.pcap",
                include_bytes!("../../../tests/data/servers/grpc.pcap"),
            ),
            (
                "dns.pcap",
                include_bytes!("../../../tests/data/servers/dns.pcap"),
            ),
            (
                "memcached.pcap",
                include_bytes!("../../../tests/data/servers/memcached.pcap"),
            ),
            (
                "mariadb.pcap",
                include_bytes!("../../../tests/data/servers/mariadb.pcap"),
            ),
            (
                "redis.pcap",
                include_bytes!("../../../tests/data/servers/redis.pcap"),
            ),
            (
                "tls.pcap",
                include_bytes!("../../../tests/data/servers/tls.pcap"),
            ),
            (
                "pgsql.pcap",
                include_bytes!("../../../tests/data/servers/pgsql.pcap"),
            ),
        ];
        let mut compared = 0;
        for (name, bytes) in captures {
            let capture = ingest_bytes(name, bytes);
            let all: Vec<u32> = (0..capture.packets.len() as u32).collect();
            for (proto, tables) in TABLES {
                for table in tables {
                    let whole = build(&capture, None, proto, table).unwrap();
                    let shown = build(&capture, Some(&all), proto, table).unwrap();
                    assert_eq!(
                        cells(&capture, &whole),
                        cells(&capture, &shown),
                        "{name} {} {table}",
                        proto.name()
                    );
                    compared += whole.len();
                }
            }
        }
        assert!(compared > 100, "{compared} rows compared");
    }

    /// A filter narrows the tables core makes of the displayed transactions: with the
    /// packets of every other transaction shown, they count those transactions only.
    #[test]
    fn a_filter_narrows_the_grouped_tables() {
        let cases: [(&str, &[u8], AppProto, &str); 4] = [
            (
                "http.pcap",
                include_bytes!("../../../tests/data/servers/http.pcap"),
                AppProto::Http,
                "by_status",
            ),
            (
                "grpc.pcap",
                include_bytes!("../../../tests/data/servers/grpc.pcap"),
                AppProto::Http,
                "grpc",
            ),
            (
                "dns.pcap",
                include_bytes!("../../../tests/data/servers/dns.pcap"),
                AppProto::Dns,
                "by_rcode",
            ),
            (
                "tls.pcap",
                include_bytes!("../../../tests/data/servers/tls.pcap"),
                AppProto::Tls,
                "handshakes",
            ),
        ];
        for (name, bytes, proto, table) in cases {
            let capture = ingest_bytes(name, bytes);
            let kept = |t: &Transaction| {
                proto_of(t) == proto
                    && (table != "grpc" || Http::of(&t.detail).is_some_and(|h| h.grpc().is_some()))
            };
            let ours: Vec<&Transaction> = capture.transactions.iter().filter(|t| kept(t)).collect();
            let mut shown: Vec<u32> = ours
                .iter()
                .step_by(2)
                .flat_map(|t| [t.request, t.response])
                .flatten()
                .flat_map(|s| [s.first() as u32, s.last() as u32])
                .collect();
            shown.sort_unstable();
            shown.dedup();
            let expected = capture
                .transactions
                .iter()
                .filter(|t| kept(t) && displayed(Some(&shown), t))
                .count();
            assert!(
                expected > 0 && expected < ours.len(),
                "{name}: {expected} of {}",
                ours.len()
            );
            let b = build(&capture, Some(&shown), proto, table).unwrap();
            let counted: usize = match b.columns.iter().position(|c| c.key == "count") {
                Some(c) => (0..b.len())
                    .map(|i| b.row(&capture, i).cells.get(c).parse::<usize>().unwrap())
                    .sum(),
                None => b.len(),
            };
            assert_eq!(counted, expected, "{name} {table}");
        }
    }
}
