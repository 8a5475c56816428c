//! Display filters in Wireshark 4's language.
//!
//! ```text
//! tcp.port == 11211 && frame.len > 1000000
//! ip.addr == 10.0.0.0/8 and not tcp.analysis.retransmission
//! eth.src[0:3] == 00:50:56 || tcp.port in {80, 443, 8000..8080}
//! frame matches "(?-i)^GET /api"      // matches is case-insensitive unless told
//! ```
//!
//! [`Filter::compile`] lexes, parses and type-checks a filter against the field registry
//! ([`crate::query::fields`]) and compiles it into a tree of tests; errors carry the byte range
//! to underline and a hint. An [`Evaluator`] runs a filter over the packets of a
//! [`Capture`](crate::capture::Capture): fields the packet index answers (frame numbers, times,
//! lengths, stream numbers, and addresses and ports of packets in a TCP or UDP
//! conversation) cost no read; the others ask a [`PacketSource`](crate::query::fields::PacketSource)
//! for the packet's bytes, once per packet, and only when the evaluation reaches them.
//!
//! Fields that occur more than once follow Wireshark 4: `==`, `>`, `contains`, `matches`
//! and `in` hold when some occurrence satisfies them; `!=` when every occurrence differs
//! (`ip.addr != X` excludes packets with X on either side); `===` when every occurrence
//! equals; `!==` (or `~=`) when some occurrence differs. A comparison with a field that
//! is absent is false. Absolute times in filters are read as UTC (tshark reads them in
//! the local time zone).

mod eval;
pub mod lexer;
pub mod parser;
pub mod semantic;

pub use eval::Evaluator;

use crate::capture::Capture;
use crate::query::fields::{Fid, PacketSource};
use serde::Serialize;
use std::fmt;

/// A filter that did not compile: what is wrong, where, and a hint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FilterError {
    /// What is wrong, as Wireshark would say it.
    pub message: String,
    /// First byte of the part of the filter to underline.
    pub start: usize,
    /// One past its last byte (equal to `start` at the end of the text).
    pub end: usize,
    /// A way to fix it ("did you mean ip.src?").
    pub hint: Option<String>,
}

impl FilterError {
    /// An error over `start..end`.
    pub fn new(message: impl Into<String>, start: usize, end: usize) -> Self {
        FilterError {
            message: message.into(),
            start,
            end: end.max(start),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Keeps the range within `text` and on character boundaries.
    fn clamp_to(mut self, text: &str) -> Self {
        let floor = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            i = i.min(text.len());
            while !text.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        self.start = floor(self.start);
        self.end = ceil(self.end).max(self.start);
        self
    }

    /// The range in UTF-16 code units (what a browser's text field counts).
    pub fn utf16_range(&self, filter: &str) -> (usize, usize) {
        let at = |b: usize| {
            filter
                .get(..b.min(filter.len()))
                .map_or(b, |s| s.encode_utf16().count())
        };
        (at(self.start), at(self.end))
    }

    /// The message, the filter, and a caret line under the faulty part (as tshark shows).
    pub fn render(&self, filter: &str) -> String {
        let pad = filter
            .get(..self.start.min(filter.len()))
            .map_or(self.start, |s| s.chars().count());
        let width = filter
            .get(self.start.min(filter.len())..self.end.min(filter.len()))
            .map_or(1, |s| s.chars().count())
            .max(1);
        let mut s = format!(
            "{}\n    {filter}\n    {}^{}",
            self.message,
            " ".repeat(pad),
            "~".repeat(width - 1)
        );
        if let Some(h) = &self.hint {
            s.push_str(&format!("\n    hint: {h}"));
        }
        s
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {}..{})", self.message, self.start, self.end)?;
        if let Some(h) = &self.hint {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}

/// A compiled display filter.
#[derive(Clone, Debug)]
pub struct Filter {
    text: String,
    program: Option<semantic::Program>,
    consts: Vec<u8>,
    fields: Vec<Fid>,
    /// The fields only tested for existence (`tcp`, `!udp`), each with the highest layer
    /// asked: the index can answer those where it cannot give their values.
    tested: Vec<(Fid, u8)>,
}

impl Filter {
    /// Compiles a filter. The empty filter matches every packet.
    pub fn compile(text: &str) -> Result<Filter, FilterError> {
        let mut consts = Vec::new();
        let mut fields = Vec::new();
        let parsed = parser::parse(text).map_err(|e| e.clamp_to(text))?;
        let program = match parsed {
            Some(e) => Some(
                semantic::compile(&e, &mut consts, &mut fields).map_err(|e| e.clamp_to(text))?,
            ),
            None => None,
        };
        let tested = program
            .as_ref()
            .map_or_else(Vec::new, semantic::only_tested);
        Ok(Filter {
            text: text.to_owned(),
            program,
            consts,
            fields,
            tested,
        })
    }

    /// The text it was compiled from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True for the empty filter.
    pub fn is_empty(&self) -> bool {
        self.program.is_none()
    }

    /// The fields it names.
    pub fn fields(&self) -> &[Fid] {
        &self.fields
    }

    /// Names of the fields it uses that Wirelens does not extract yet (they match
    /// nothing): worth a warning.
    pub fn not_yet_extracted(&self) -> Vec<&'static str> {
        semantic::not_yet_extracted(&self.fields)
    }

    /// Whether evaluating it can need packet bytes for some packet of `capture` (false:
    /// the index answers it for every packet, no file needs reading).
    pub fn may_read_packets(&self, capture: &Capture) -> bool {
        self.may_read_packets_besides(capture, |_| false)
    }

    /// [`Filter::may_read_packets`], the fields `answered` says yes to known without
    /// packet bytes (per-PDU fields once collected).
    pub fn may_read_packets_besides(
        &self,
        capture: &Capture,
        answered: impl Fn(Fid) -> bool,
    ) -> bool {
        let mut any = false;
        self.needing_bytes(capture, capture.packets.len(), answered, |_| {
            any = true;
            false
        });
        any
    }

    /// The packets among the first `limit` of `capture` whose evaluation may need their
    /// bytes, in order: those for which a field the filter names is neither known
    /// without bytes by `answered` nor in the index. A filter on `tcp.len` reads only the
    /// packets whose TCP header the index does not know (tunnels, fragments, ICMP).
    pub fn packets_needing_bytes(
        &self,
        capture: &Capture,
        limit: usize,
        answered: impl Fn(Fid) -> bool,
    ) -> Vec<u32> {
        let mut read = Vec::new();
        self.needing_bytes(capture, limit, answered, |i| {
            read.push(i);
            true
        });
        read
    }

    /// Calls `each` with the packets (of the first `limit`) that need bytes, in order,
    /// until it returns false.
    fn needing_bytes(
        &self,
        capture: &Capture,
        limit: usize,
        answered: impl Fn(Fid) -> bool,
        mut each: impl FnMut(u32) -> bool,
    ) {
        use crate::query::detail::Scope;
        use crate::query::fields::{FieldCtx, Status, INDEX_KINDS};
        if self.fields.iter().all(|&f| answered(f)) {
            return;
        }
        let mut ctx = FieldCtx::new(capture);
        // A field of the packets' detail needs no bytes of the packets of a conversation
        // whose application layers cannot hold it (a DNS field, of a memcached
        // conversation's): they get no values of it unread ([`Scope::may_hold`]).
        let inner = capture.app_inner.iter().any(Option::is_some);
        let scopes: Vec<Option<Scope>> = self
            .fields
            .iter()
            .map(|&f| (f.def().status == Status::Detail).then(|| Scope::of_field(f, inner)))
            .collect();
        // Whether the index suffices depends on the packet's kind (a conversation, IP in
        // IP, its TCP header known): the first packet of each kind decides for its kind,
        // naming the fields that need bytes.
        let mut decided: [Option<Vec<usize>>; INDEX_KINDS] = std::array::from_fn(|_| None);
        for (i, p) in capture.packets.range(0..limit).enumerate() {
            let needing = decided[FieldCtx::index_kind(capture, &p)].get_or_insert_with(|| {
                ctx.begin(i);
                (0..self.fields.len())
                    .filter(|&k| {
                        let f = self.fields[k];
                        !answered(f)
                            && !match self.tested.iter().find(|t| t.0 == f) {
                                Some(&(f, layer)) => ctx.exists_from_index(f, layer),
                                None => ctx.from_index(f),
                            }
                    })
                    .collect()
            });
            let needs = needing
                .iter()
                .any(|&k| scopes[k].is_none_or(|s| s.may_hold_row(capture, &p)));
            if needs && !each(i as u32) {
                return;
            }
        }
    }
}

/// The 0-based indices of the packets of `capture` that pass `filter`.
pub fn filter_packets(filter: &Filter, capture: &Capture, src: &mut dyn PacketSource) -> Vec<u32> {
    let mut ev = Evaluator::new(capture);
    ev.prepare(filter, &[], src);
    (0..capture.packets.len())
        .filter(|&i| ev.matches(filter, i, src))
        .map(|i| i as u32)
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;

    fn err(f: &str) -> FilterError {
        Filter::compile(f).expect_err(f)
    }

    #[test]
    fn unknown_fields_get_a_suggestion() {
        let e = err("tcp.prot == 80");
        assert_eq!((e.start, e.end), (0, 8));
        assert_eq!(e.hint.as_deref(), Some("did you mean tcp.port?"));
        let e = err("ip.scr == 1.2.3.4 && tcp");
        assert_eq!(e.hint.as_deref(), Some("did you mean ip.src?"));
        let e = err("tcp && ipv6.dts");
        assert_eq!((e.start, e.end), (7, 15));
        assert_eq!(e.hint.as_deref(), Some("did you mean ipv6.dst?"));
        let e = err("frame.len > 5 and htp.request");
        assert!(e.message.contains("neither a field"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean http.request?"));
    }

    #[test]
    fn type_errors() {
        let e = err("tcp.port contains 80");
        assert_eq!((e.start, e.end), (0, 8));
        assert!(e.message.contains("cannot participate in contains"), "{e}");
        let e = err("ip.src == tcp.port");
        assert_eq!((e.start, e.end), (10, 18));
        assert!(e.message.contains("not of compatible types"), "{e}");
        let e = err("ip.src == \"foo\"");
        assert_eq!((e.start, e.end), (10, 15));
        let e = err("ip.src == 1.2.3.4/33");
        assert!(e.message.contains("<= 32"), "{e}");
        let e = err("ip.ttl == 300");
        assert!(e.message.contains("too large"), "{e}");
        let e = err("eth.src == 00:11:22");
        assert_eq!((e.start, e.end), (11, 19));
        assert_eq!(
            e.message,
            "\"00:11:22\" contains too few bytes to be a valid Ethernet address."
        );
        // `contains` takes part of an address, as tshark does, but not more than one.
        assert!(Filter::compile("eth.src contains 00:11:22").is_ok());
        assert!(Filter::compile("eth.addr contains 22").is_ok());
        let e = err("eth.src contains 00:11:22:33:44:55:66");
        assert!(e.message.contains("too many bytes"), "{e}");
        let e = err("eth.src contains \"ab\"");
        assert!(
            e.message.contains("cannot be converted from a string"),
            "{e}"
        );
        let e = err("tcp.analysis.retransmission == 1");
        assert!(e.message.contains("NONE"), "{e}");
        let e = err("frame matches \"(\"");
        assert!(e.message.contains("Invalid regular expression"), "{e}");
        let e = err("len(tcp.port) > 1");
        assert!(e.message.contains("len()"), "{e}");
        let e = err("foo(tcp.port)");
        assert!(e.message.contains("does not exist"), "{e}");
        let e = err("tcp.port[0:1] == 00");
        assert!(e.message.contains("cannot be sliced"), "{e}");
        let e = err("1 == 2");
        assert!(
            e.message.contains("constants") || e.message.contains("must be a field"),
            "{e}"
        );
        let e = err("frame.time > \"yesterday\"");
        assert!(e.hint.is_some(), "{e}");
    }

    #[test]
    fn error_ranges_stay_on_character_boundaries() {
        // Found by the fuzzer: a bad \u escape followed by multi-byte characters.
        let f = "frame matches \"HTTP/1\\u\u{fffd}\u{fffd}\"";
        let e = err(f);
        assert!(
            f.is_char_boundary(e.start) && f.is_char_boundary(e.end) && e.end <= f.len(),
            "{e:?}"
        );
        let _ = e.render(f);
    }

    #[test]
    fn the_deepest_filters_compile_and_run_in_a_small_stack() {
        // The page's worker has a 256 KiB stack: a thread of that size runs the deepest
        // filters the parser takes, and a 10,000-deep one gets the error (a debug build's
        // frames are many times larger: it gets eight times the room).
        let run = || {
            let bytes = include_bytes!("../../../../tests/data/three_http_streams.pcap");
            let capture = crate::ingest::ingest_bytes("three_http_streams.pcap", bytes);
            let mut src = crate::query::fields::MemorySource {
                files: vec![&bytes[..]],
            };
            let m = parser::MAX_NESTING;
            let mut frames = |f: &str| -> Vec<u32> {
                let filter = Filter::compile(f).unwrap_or_else(|e| panic!("{e}"));
                filter_packets(&filter, &capture, &mut src)
            };
            let deep = format!("{}tcp.stream == 1{}", "(".repeat(m), ")".repeat(m));
            let chain: Vec<String> = (0..5000).map(|i| format!("frame.number == {i}")).collect();
            let nots = format!("{}tcp", "not ".repeat(m));
            let sum = format!("frame.len{} > 0", " + 0".repeat(m - 1));
            let all: Vec<u32> = (0..28).collect();
            (
                frames(&deep) == frames("tcp.stream == 1"),
                frames(&chain.join(" or ")) == all,
                frames(&nots).len(),
                frames(&sum).len() == 28,
                Filter::compile(&"(".repeat(10_000)).map(|_| ()),
            )
        };
        let (deep, chain, nots, sum, too_deep) = std::thread::Builder::new()
            .stack_size(if cfg!(debug_assertions) {
                2 << 20
            } else {
                256 << 10
            })
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
        assert!(deep);
        assert!(chain);
        assert_eq!(nots, 28);
        assert!(sum);
        assert!(too_deep.unwrap_err().message.contains("nests more than"));
    }

    #[test]
    fn and_or_not_answer_as_boolean_logic() {
        // Random filters of `and`, `or`, `not` and `!` over a few tests: every packet's
        // answer equals the same logic worked out from each test's own matches.
        let bytes = include_bytes!("../../../../tests/data/three_http_streams.pcap");
        let capture = crate::ingest::ingest_bytes("three_http_streams.pcap", bytes);
        let mut src = crate::query::fields::MemorySource {
            files: vec![&bytes[..]],
        };
        let tests = [
            "tcp.stream == 1",
            "tcp.len > 0",
            "frame.number < 10",
            "tcp.flags.fin == 1",
            "http.request",
            "tcp.flags.syn == 1",
            "tcp.srcport not in {80}",
        ];
        let n = capture.packets.len();
        let answers: Vec<Vec<bool>> = tests
            .iter()
            .map(|t| {
                let m = filter_packets(&Filter::compile(t).unwrap(), &capture, &mut src);
                (0..n as u32).map(|i| m.contains(&i)).collect()
            })
            .collect();
        assert!(answers.iter().all(|a| a.contains(&true)));
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        fn make(
            next: &mut dyn FnMut() -> u64,
            depth: u32,
            tests: &[&str],
            answers: &[Vec<bool>],
        ) -> (String, Vec<bool>) {
            let r = next();
            if depth == 0 || r.is_multiple_of(5) {
                let i = (r >> 8) as usize % tests.len();
                return (tests[i].to_owned(), answers[i].clone());
            }
            if r % 5 == 1 {
                let (a, va) = make(next, depth - 1, tests, answers);
                let not = if r & 256 == 0 { "not " } else { "!" };
                return (format!("{not}({a})"), va.iter().map(|x| !x).collect());
            }
            // A chain of two to four terms, all `and` or all `or`.
            let and = r % 5 == 2 || r % 5 == 3;
            let mut text = String::new();
            let mut value = Vec::new();
            for k in 0..2 + (r >> 16) % 3 {
                let (t, v) = make(next, depth - 1, tests, answers);
                if k == 0 {
                    text = format!("({t})");
                    value = v;
                } else {
                    text += if and { " and " } else { " || " };
                    text += &format!("({t})");
                    for (x, y) in value.iter_mut().zip(v) {
                        *x = if and { *x && y } else { *x || y };
                    }
                }
            }
            (text, value)
        }
        for _ in 0..300 {
            let (text, want) = make(&mut next, 5, &tests, &answers);
            let got = filter_packets(&Filter::compile(&text).unwrap(), &capture, &mut src);
            let want: Vec<u32> = (0..n as u32).filter(|&i| want[i as usize]).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn index_only_filters_read_no_packet() {
        let bytes = include_bytes!("../../../../tests/data/three_http_streams.pcap");
        let capture = crate::ingest::ingest_bytes("three_http_streams.pcap", bytes);
        let run = |f: &str| {
            let filter = Filter::compile(f).unwrap();
            let mut src = crate::query::fields::MemorySource {
                files: vec![&bytes[..]],
            };
            let frames: Vec<u32> = filter_packets(&filter, &capture, &mut src)
                .iter()
                .map(|i| i + 1)
                .collect();
            (filter.may_read_packets(&capture), frames)
        };
        // Frame numbers as tshark shows them for the same filters.
        assert_eq!(run("frame.number in {2..4}"), (false, vec![2, 3, 4]));
        assert_eq!(
            run("tcp.srcport == 80 && tcp.stream == 1"),
            (false, vec![7, 22, 23, 25, 28])
        );
        // The TCP header's length and flags are in the index too.
        assert_eq!(
            run("ip.addr == 98.139.240.23 && tcp.flags.syn == 1"),
            (false, vec![3, 10])
        );
        assert_eq!(
            run("tcp.len > 0 && !(tcp.flags & 0x0e01) && tcp.hdr_len == 20"),
            (false, vec![12, 17])
        );
        // A protocol's presence is its conversation's; its value (`ip == …`) needs bytes.
        let all: Vec<u32> = (1..=28).collect();
        assert_eq!(run("tcp && !udp && ip && !ipv6"), (false, all.clone()));
        assert_eq!(
            run("ip.src == 98.138.19.88 || !tcp"),
            (false, vec![7, 22, 23, 25, 28])
        );
        assert!(run("tcp.len > 0 && tcp[0:2] == 00:50").0);
        assert_eq!(run("frame && eth && !udp"), (false, all.clone()));
        assert_eq!(run("ip#2"), (true, vec![]));
        assert_eq!(run("frame contains \"GET\""), (true, vec![6, 9, 12]));
        assert_eq!(
            run("tcp.seq == 1 && tcp.ack == 1 && tcp.len > 0"),
            (true, vec![6, 9, 12])
        );
    }

    #[test]
    fn render_underlines() {
        let f = "tcp.port == 80 && ip.scr";
        let e = err(f);
        let r = e.render(f);
        assert_eq!(
            r.lines().nth(2),
            Some("                      ^~~~~~"),
            "{r}"
        );
        assert_eq!(FilterError::new("x", 3, 5).utf16_range("é == 1"), (2, 4));
    }

    #[test]
    fn compiles_what_wireshark_accepts() {
        for f in [
            "",
            "tcp",
            "!tcp",
            "tcp.port == 80 || udp.port == 53",
            "ip.addr == 10.0.0.0/8 and not tcp.analysis.retransmission",
            "eth.src[0:3] == 00:50:56",
            "eth.addr == ff:ff:ff:ff:ff:ff",
            "tcp.port in {80, 443, 8000..8080}",
            "tcp.srcport not in {80}",
            "frame contains \"GET\"",
            "frame matches \"^GET\"",
            "frame ~ \"get\"",
            "tcp.flags & 0x12 == 0x12",
            "tcp.flags & 0x02",
            "len(tcp.payload) > 100",
            "count(ip.addr) == 2",
            "upper(http.request.method) == \"GET\"",
            "frame.time >= \"2013-02-26 22:02:36\"",
            "frame.time_relative in {0..0.5}",
            "ipv6.addr == fe80::/10",
            "tcp.srcport == 'P'",
            "{tcp.srcport + 1} == 81",
            "tcp.srcport - 1 == 79",
            "ip.addr#1 == 1.2.3.4",
            "memcache.key contains \"user\"",
            "mysql.query matches \"(?i)select.*from orders\"",
            "http.time > 0.5",
            "tcp.window_size_scalefactor == -1",
            "http.request.method == GET",
            "frame[-1] == 00",
            "tcp.payload[0:3] == \"GET\"",
            "string(frame.number) == \"3\"",
            "max(tcp.srcport, tcp.dstport) == 80",
            "abs(tcp.window_size_scalefactor) == 1",
            "ip.flags.df == 1 && ip.flags.mf == 0",
            "tcp.flags.syn == true",
            "all tcp.port > 1024",
            "any tcp.port != 80",
            "ip.proto == \"UDP\"",
            "ip.proto in {\"udp\", TCP}",
            "tcp.flags.syn == \"Not set\"",
        ] {
            if let Err(e) = Filter::compile(f) {
                panic!("{f}: {}", e.render(f));
            }
        }
    }

    #[test]
    fn value_strings_name_values_or_say_why_not() {
        let message = |f: &str| Filter::compile(f).err().map(|e| e.message);
        assert_eq!(
            message("ip.proto == \"FOO\""),
            Some("\"FOO\" cannot be found among the possible values for ip.proto.".into())
        );
        assert_eq!(
            message("ntp.stratum == \"primary reference\""),
            Some("\"ntp.stratum\" cannot accept [range] strings as values.".into())
        );
        assert_eq!(
            message("frame.len == \"abc\""),
            Some("\"abc\" is not a valid number.".into())
        );
        assert_eq!(
            message("all tcp.port"),
            Some("\"all\" needs a comparison after it.".into())
        );
    }
}
