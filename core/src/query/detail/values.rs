//! Fields read from packets' detail trees: the [`DetailReader`] that gives the fields of
//! [`Status::Detail`](crate::query::fields::Status::Detail) their values, so that a
//! filter or a column can name any field the detail pane shows (`tls.handshake.ciphersuite`,
//! `dns.resp.ttl`, `http.referer`) with Wireshark's name and type.
//!
//! A packet's detail is built once however many of its fields are asked for, and the
//! application layers' state goes on in order: the packets whose detail is not asked for
//! are fed as the scan reads them ([`DetailReader::keep_up`]), those of the conversations
//! that can hold the fields asked for only ([`Scope`]).

use super::app::{is_expert, Apps, Scope};
use super::frame::Only;
use super::{frame, Detail, FrameInfo, Index, Node};
use crate::capture::Capture;
use crate::query::fields::{
    self, parse_abs_time, parse_seconds, DetailReader, Fid, FieldCtx, FieldType, PacketSource,
    Value, ValueSink,
};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

/// Builds the detail of the packets asked for and reads fields from it.
pub struct DetailValues<'c> {
    ctx: FieldCtx<'c>,
    apps: Apps,
    /// The detail built last, and its packet.
    last: Option<(usize, Detail)>,
    /// Some TLS conversation's records are opened ([`Scope::of_field`]).
    inner: bool,
    /// The packets of a conversation that cannot hold the field asked for get no
    /// values without their detail built (not in the tests' reader of every packet).
    narrow: bool,
    /// What the details are built for.
    info: FrameInfo,
    /// Each field asked for so far and its conversations ([`Scope::of_field`]), worked
    /// out once rather than for every packet.
    scopes: Vec<(Fid, Scope)>,
}

impl<'c> DetailValues<'c> {
    /// A reader of `fields` over `capture`; `index`, when the capture's detail index was
    /// gathered already (the page gathers it after the open), saves gathering it again.
    /// Only the conversations that can hold `fields` are fed; another field asked for
    /// feeds its own from then on.
    pub fn new(capture: &'c Capture, index: Option<Rc<Index>>, fields: &[Fid]) -> Self {
        let mut apps = index
            .map_or_else(Apps::new, Apps::with_index)
            .scoped(Scope::of_fields(capture, fields))
            .without_bodies();
        apps.bodies_for(fields);
        DetailValues {
            ctx: FieldCtx::new(capture),
            apps,
            last: None,
            inner: capture.app_inner.iter().any(Option::is_some),
            narrow: true,
            info: FrameInfo::default(),
            scopes: Vec::new(),
        }
    }

    /// A reader for `fields`, which builds of each packet's detail only what they need
    /// (`frame.protocols` alone needs the protocols, not the tree); None when none of
    /// them is read from the detail ([`fields::reads_detail`]).
    pub fn for_fields(
        capture: &'c Capture,
        index: Option<Rc<Index>>,
        fields: &[Fid],
    ) -> Option<Self> {
        if !fields::reads_detail(capture, fields) {
            return None;
        }
        let mut v = DetailValues::new(capture, index, fields);
        v.info.protocols_only = !fields::reads_whole_detail(capture, fields);
        if !v.info.protocols_only {
            // The fields the detail is read for; a field met later that needs more
            // layers has them built from then on (`values`).
            let read: Vec<Fid> = fields
                .iter()
                .copied()
                .filter(|f| f.def().status == fields::Status::Detail)
                .collect();
            if !read.is_empty() && read.iter().all(|&f| is_expert(f)) {
                v.info.experts_only = true;
            } else {
                v.info.only = Only::of(&read, v.inner);
            }
        }
        Some(v)
    }
}

#[cfg(test)]
impl<'c> DetailValues<'c> {
    /// A reader that feeds every conversation, as before the scope (the tests compare).
    fn unscoped(capture: &'c Capture) -> Self {
        DetailValues {
            apps: Apps::new().scoped(Scope::ALL),
            narrow: false,
            ..Self::new(capture, None, &[])
        }
    }
}

impl DetailReader for DetailValues<'_> {
    fn values(
        &mut self,
        index: usize,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut ValueSink<'_>,
    ) {
        let need = match self.scopes.iter().find(|(f, _)| *f == field) {
            Some(&(_, s)) => s,
            None => {
                let s = Scope::of_field(field, self.inner);
                // Widened once: the scope only grows.
                self.apps.widen(s);
                self.scopes.push((field, s));
                if self.apps.bodies_for(&[field]) {
                    // Built without the body's items this field is in.
                    self.last = None;
                }
                if self.info.experts_only && !is_expert(field) {
                    self.info.experts_only = false;
                    // Built for its expert items alone.
                    self.last = None;
                }
                if let Some(only) = self.info.only {
                    let more = only.with(field, self.inner);
                    if more != Some(only) {
                        self.info.only = more;
                        // Built without the layers this field needs.
                        self.last = None;
                    }
                }
                s
            }
        };
        if self.last.as_ref().is_none_or(|(i, _)| *i != index) {
            if self.narrow && !need.may_hold(self.ctx.capture(), index) {
                // Its conversation is not fed: its detail would have no layer of the field.
                return;
            }
            let spare = self
                .last
                .take()
                .and_then(|(_, d)| d.sources.into_iter().next())
                .map(|s| s.bytes)
                .unwrap_or_default();
            let d =
                frame::detail_reusing(&mut self.ctx, index, src, &mut self.apps, self.info, spare);
            self.last = Some((index, d));
        }
        if let Some((_, d)) = &self.last {
            read(d, field, layer, out);
        }
    }

    fn keep_up(&mut self, index: usize, src: &mut dyn PacketSource) {
        let capture = self.ctx.capture();
        self.apps.feed_to(capture, src, index);
    }
}

/// Puts out the values of the nodes named as `field` in `d`, in the tree's order;
/// `layer` > 0 keeps those under the `layer`th layer of the field's protocol.
pub fn read(d: &Detail, field: Fid, layer: u8, out: &mut ValueSink<'_>) {
    let name = field.name();
    let proto = name.split('.').next().unwrap_or(name);
    let mut seen = 0;
    let mut stack: Vec<&Node> = Vec::new();
    for l in &d.layers {
        if layer > 0 {
            if l.name != proto {
                continue;
            }
            seen += 1;
            if seen != layer {
                continue;
            }
        }
        stack.push(l);
        while let Some(n) = stack.pop() {
            if n.name == name {
                push(d, field.ty(), n, out);
            }
            stack.extend(n.children.iter().rev());
        }
    }
}

/// The value of node `n` as a field of type `ty`, read from what the tree shows (its
/// `show`, as tshark's PDML writes it) or, for bytes and protocols, from its bytes.
fn push(d: &Detail, ty: FieldType, n: &Node, out: &mut ValueSink<'_>) {
    let bytes = || n.bytes_in(d);
    let text = n.show_text(d);
    let show = text.as_ref();
    let v = match ty {
        FieldType::None => Some(Value::Present),
        FieldType::Protocol => {
            out.push_proto(bytes().unwrap_or(&[]));
            return;
        }
        FieldType::String => {
            out.push_str(show);
            return;
        }
        FieldType::Bytes => {
            match bytes().filter(|b| !b.is_empty()) {
                Some(b) => out.push_bytes(b),
                None => out.push_bytes(&colon_hex(show).unwrap_or_default()),
            }
            return;
        }
        FieldType::Boolean => match show {
            "1" | "True" | "true" => Some(Value::Bool(true)),
            "0" | "False" | "false" => Some(Value::Bool(false)),
            _ => None,
        },
        FieldType::Int32 | FieldType::Int64 => show.parse().ok().map(Value::Int),
        t if t.is_integer() => unsigned(show)
            .or_else(|| {
                n.value_hex(d)
                    .and_then(|v| u64::from_str_radix(&v, 16).ok())
            })
            .map(Value::Uint),
        FieldType::Double => show
            .split(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .map(Value::Float),
        FieldType::RelativeTime => show
            .split(' ')
            .next()
            .and_then(parse_seconds)
            .map(Value::Rel),
        FieldType::AbsoluteTime => parse_abs_time(show).map(Value::Time),
        FieldType::Ether => colon_hex(show)
            .and_then(|b| <[u8; 6]>::try_from(b).ok())
            .map(Value::Ether),
        FieldType::Ipv4 => show
            .parse::<Ipv4Addr>()
            .ok()
            .map(|a| Value::Ipv4(a.octets())),
        FieldType::Ipv6 => show
            .parse::<Ipv6Addr>()
            .ok()
            .map(|a| Value::Ipv6(a.octets())),
        _ => None,
    };
    if let Some(v) = v {
        out.push(v);
    }
}

/// A number as the tree shows it: decimal, or `0x` and hex digits.
fn unsigned(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Bytes written as hex pairs separated by colons (`00:1a:2b`), as the tree shows bytes
/// and MAC addresses.
fn colon_hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.split(':')
        .map(|p| {
            (p.len() == 2)
                .then(|| u8::from_str_radix(p, 16).ok())
                .flatten()
        })
        .collect()
}

#[cfg(test)]
mod test {
    use super::Detail;
    use crate::query::fields::{display, lookup, MemorySource, Value};
    use crate::query::filter::{filter_packets, Filter};
    use crate::query::made::{pcap, ACK, PSH};
    use crate::query::scan::{Scan, ScanOptions};

    /// HTTP over port 80: a request whose header is split over two segments (Referer in
    /// the second), its response, then many packets of another conversation, then a
    /// second request with no Referer.
    fn capture_bytes() -> Vec<u8> {
        let req1a: &[u8] = b"GET /a?x=1&y=2 HTTP/1.1\r\nHost: h\r\n";
        let req1b: &[u8] = b"Referer: http://r/\r\nAccept-Encoding: gzip\r\n\r\n";
        let resp: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: Sun, 06 Dec 2026 23:00:00 GMT\r\n\r\nok";
        let req2: &[u8] = b"GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
        let mut c = 1000u32;
        let mut segs = vec![(true, ACK | PSH, c, req1a)];
        c += req1a.len() as u32;
        segs.push((true, ACK | PSH, c, req1b));
        c += req1b.len() as u32;
        segs.push((false, ACK | PSH, 5000, resp));
        segs.push((true, ACK | PSH, c, req2));
        pcap(80, &segs)
    }

    fn frames(text: &str, bytes: &[u8]) -> (Vec<u32>, Vec<u32>) {
        let capture = crate::ingest::ingest_bytes("made.pcap", bytes);
        let filter = Filter::compile(text).unwrap();
        let evaluated = filter_packets(&filter, &capture, &mut MemorySource { files: vec![bytes] });
        let mut scan = Scan::new(&capture, &filter, &[], ScanOptions::default());
        let scanned = scan.run_all(&mut |f| Ok(bytes[f.start as usize..f.end as usize].to_vec()));
        (evaluated, scanned)
    }

    /// Filters on fields only the detail shows keep the packets whose detail has them,
    /// typed as tshark types them (strings, numbers in decimal and hex, booleans), through
    /// the evaluator and through the scan the CLI and the page run.
    #[test]
    fn filters_read_fields_from_the_detail() {
        let bytes = capture_bytes();
        for (text, want) in [
            ("http.referer == \"http://r/\"", vec![1]),
            ("http.accept_encoding contains \"gzip\"", vec![1]),
            ("http.request.uri.path == \"/a\"", vec![1]),
            // tshark shows the path only for a URI with a query.
            ("http.request.uri.path", vec![1]),
            ("http.request.uri.query.parameter == \"y=2\"", vec![1]),
            ("http.response.code.desc == \"OK\"", vec![2]),
            ("http.date matches \"GMT$\"", vec![2]),
            ("!http.referer && http.request", vec![3]),
            ("tcp.nxtseq > 79", vec![1, 2, 3]),
            ("tcp.nxtseq > 1080", vec![2]),
            ("tcp.segment.count == 2", vec![1]),
            (
                "tcp.port == 81 || http.content_length_header == \"2\"",
                vec![2],
            ),
        ] {
            let (evaluated, scanned) = frames(text, &bytes);
            assert_eq!(evaluated, want, "{text}");
            assert_eq!(scanned, want, "{text} (scan)");
        }
    }

    /// The packet list's custom columns show fields read from the detail, rows asked for
    /// in any order (the page asks for the screen it shows).
    #[test]
    fn custom_columns_show_fields_of_the_detail() {
        let bytes = capture_bytes();
        let capture = crate::ingest::ingest_bytes("made.pcap", &bytes);
        let columns = [
            lookup("http.referer").unwrap(),
            lookup("tcp.nxtseq").unwrap(),
        ];
        let mut rows = crate::query::rows::Rows::new(&capture).with_custom(&columns);
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let mut ctx = crate::query::fields::FieldCtx::new(&capture);
        let got: Vec<String> = [3, 1, 0, 2]
            .into_iter()
            .map(|i| rows.row(&mut ctx, i, None, &mut src).custom.join("|"))
            .collect();
        assert_eq!(got, ["|108", "http://r/|80", "|35", "|5078"]);
    }

    /// In a capture whose TLS records are opened (its secrets), packets fed before the
    /// first detail stay fed: the scan goes on in order rather than replaying each
    /// conversation from packets it no longer holds (on bench.pcap `http.date` missed
    /// the responses whose header an earlier segment began).
    #[test]
    fn packets_fed_before_the_first_detail_stay_fed() {
        use crate::query::detail::{detail, Apps, FrameInfo};
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers/tls-dsb.pcapng");
        let bytes = std::fs::read(path).expect("tests/data/servers is in the repository");
        let capture = crate::ingest::ingest_bytes("tls-dsb.pcapng", &bytes);
        assert!(capture.app_inner.iter().any(Option::is_some));
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let mut apps = Apps::new();
        apps.feed_to(&capture, &mut src, 11);
        let mut ctx = crate::query::fields::FieldCtx::new(&capture);
        let d = detail(&mut ctx, 11, &mut src, &mut apps, FrameInfo::default());
        assert!(d.layers.iter().any(|l| l.name == "http"));
        assert!(apps.in_order(12));
    }

    /// The detail built for `frame.protocols` alone names the protocols the whole
    /// detail names, packet by packet, on captures of every application layer.
    #[test]
    fn protocols_only_name_what_the_whole_detail_names() {
        use crate::query::detail::{detail, Apps, FrameInfo};
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
        let only = FrameInfo {
            protocols_only: true,
            ..FrameInfo::default()
        };
        let mut compared = 0;
        for name in [
            "servers/http.pcap",
            "servers/memcached.pcap",
            "servers/mariadb.pcap",
            "servers/tls-dsb.pcapng",
            "servers/quic.pcap",
            "tcpapps/lines.pcap",
            "udp-apps.pcap",
            "ssh/ssh-made.pcap",
        ] {
            let bytes = std::fs::read(dir.join(name)).expect("tests/data is in the repository");
            let capture = crate::ingest::ingest_bytes(name, &bytes);
            let mut src = MemorySource {
                files: vec![&bytes],
            };
            let (mut whole, mut protocols) = (Apps::new(), Apps::new());
            let mut ctx = crate::query::fields::FieldCtx::new(&capture);
            for i in 0..capture.packets.len() {
                let shown = |d: Detail| d.find("frame.protocols").map(|n| n.show.clone());
                let want = shown(detail(
                    &mut ctx,
                    i,
                    &mut src,
                    &mut whole,
                    FrameInfo::default(),
                ));
                let got = shown(detail(&mut ctx, i, &mut src, &mut protocols, only));
                assert!(want.is_some(), "{name}: frame {}", i + 1);
                assert_eq!(got, want, "{name}: frame {}", i + 1);
                compared += 1;
            }
        }
        assert!(compared > 500, "{compared}");
    }

    fn data(path: &str) -> Vec<u8> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// One pcap of the records of several (same link type and byte order): a capture
    /// mixing their conversations.
    fn joined(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for n in names {
            let b = data(&format!("../tests/data/servers/{n}"));
            if out.is_empty() {
                out.extend_from_slice(&b[..24]);
            }
            out.extend_from_slice(&b[24..]);
        }
        out
    }

    /// Fields of each kind of layer: the application protocols', TCP's reassembly items
    /// (every conversation's), TCP's analysis and the lower layers' (no conversation's).
    const FIELDS: [&str; 24] = [
        "dns.resp.ttl",
        "dns.count.labels",
        "tls.handshake.ciphersuite",
        "tls.app_data",
        "http.content_length_header",
        "http.prev_request_in",
        "http.referer",
        "http2.stream",
        "mysql.caps.client",
        "pgsql.col.name",
        "quic.ack.ack_delay",
        "tcp.segment.count",
        "tcp.segment",
        "tcp.segments",
        "tcp.reassembled.length",
        "tcp.completeness",
        "ip.src_host",
        "smtp.req.command",
        "tcp.analysis",
        "tcp.connection.rst",
        "ipv6.host",
        "eth.len",
        "data",
        "data.len",
    ];

    /// Each packet's values of `fields` as `wirelens list -T fields` prints them, through
    /// the scan the CLI runs: with the reader of the fields it plugs in, or `unscoped`,
    /// one that feeds every conversation.
    fn printed(
        capture: &crate::capture::Capture,
        bytes: &[u8],
        fields: &[crate::query::fields::Fid],
        unscoped: bool,
    ) -> Vec<String> {
        let filter = Filter::compile("").unwrap();
        let options = ScanOptions {
            bytes: true,
            limit: None,
        };
        let mut scan = Scan::new(capture, &filter, fields, options);
        if unscoped {
            let reader = super::DetailValues::unscoped(capture);
            scan.packet().0.set_detail(Box::new(reader));
        }
        let mut lines = Vec::new();
        let mut values = Vec::new();
        loop {
            match scan.step() {
                crate::query::scan::Step::Fetch(f) => {
                    scan.supply(&f, &bytes[f.start as usize..f.end as usize]);
                }
                crate::query::scan::Step::Match(_) => {
                    let (ctx, src) = scan.packet();
                    let mut line = String::new();
                    for &f in fields {
                        values.clear();
                        ctx.extract(f, 0, src, &mut values);
                        for v in &values {
                            let b = match v {
                                Value::Str(s) | Value::Bytes(s) | Value::Proto(s) => {
                                    ctx.span(*s, &[])
                                }
                                _ => &[],
                            };
                            display(f, v, b, &mut line);
                            line.push(',');
                        }
                        line.push('|');
                    }
                    lines.push(line);
                }
                crate::query::scan::Step::Done => break,
            }
        }
        lines
    }

    /// A reader of some fields feeds only the conversations that can hold them (and
    /// builds only the layers that can), and gives the values the reader that feeds
    /// every conversation and builds every layer gives: on each server
    /// capture, the bundled sample, the line protocols' (STARTTLS) and the tunnels'
    /// captures, and one mixing memcached, DNS over TCP and UDP, HTTP, MySQL, TLS and
    /// QUIC; each field alone, and all of them at once.
    #[test]
    fn scoped_reads_equal_the_unscoped_ones() {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for e in std::fs::read_dir(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/servers"),
        )
        .unwrap()
        {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                files.push((name, std::fs::read(&p).unwrap()));
            }
        }
        for p in [
            "../static/sample.pcapng",
            "../tests/data/tcpapps/lines.pcap",
            "../tests/data/tunnels/netns-vxlan.pcap",
            "../tests/data/tunnels/netns-gre.pcap",
            "../tests/data/tunnels/netns-geneve.pcap",
        ] {
            files.push((p.into(), data(p)));
        }
        files.push((
            "mixed".into(),
            joined(&[
                "memcached-fields.pcap",
                "dns.pcap",
                "http.pcap",
                "mariadb.pcap",
                "tls.pcap",
                "quic.pcap",
            ]),
        ));
        assert!(files.len() > 20);
        let all: Vec<_> = FIELDS.iter().map(|n| lookup(n).unwrap()).collect();
        for (name, bytes) in &files {
            let capture = crate::ingest::ingest_bytes(name, bytes);
            let mut asked: Vec<Vec<_>> = all.iter().map(|&f| vec![f]).collect();
            asked.push(all.clone());
            // The lower layers' fields only, whose detail is built of their layers alone
            // (`FrameInfo::only`), with and without TCP's reassembly items.
            let lower = |names: &[&str]| names.iter().map(|n| lookup(n).unwrap()).collect();
            asked.push(lower(&["tcp.completeness", "ip.src_host", "eth.len"]));
            asked.push(lower(&["tcp.segment.count", "ipv6.host", "tcp.analysis"]));
            asked.push(lower(&["data.len", "tcp.completeness"]));
            for fields in &asked {
                let scoped = printed(&capture, bytes, fields, false);
                let whole = printed(&capture, bytes, fields, true);
                assert_eq!(scoped, whole, "{name}: {fields:?}");
            }
        }
    }

    /// A reader of TCP's analysis builds of each packet its TCP layer alone (and a bare
    /// frame's); one of TCP's reassembly items the reassembled PDUs' segment lists alone
    /// (no TCP layer, nor the PDUs' layers); one of `data` the application layers and no
    /// tree of the lower ones; the layers built are those of the whole detail.
    #[test]
    fn lower_fields_build_their_layers_only() {
        use super::{Apps, FrameInfo, Only, Scope};
        use crate::query::detail::detail;
        let bytes = capture_bytes();
        let capture = crate::ingest::ingest_bytes("made.pcap", &bytes);
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        let mut ctx = crate::query::fields::FieldCtx::new(&capture);
        let names = |d: Detail| {
            d.layers
                .iter()
                .map(|l| l.name.to_string())
                .collect::<Vec<_>>()
        };
        for (field, scope, skipped, built) in [
            (
                "tcp.completeness",
                Scope::NONE,
                &["eth", "ip", "tcp.segments", "http"][..],
                "tcp",
            ),
            (
                "tcp.segment.count",
                Scope::ALL,
                &["eth", "ip", "tcp", "http"][..],
                "tcp.segments",
            ),
            // HTTP's layers, which may hold `data`, and no lower layer's tree.
            (
                "data",
                Scope::of_field(lookup("data").unwrap(), false),
                &["eth", "ip", "tcp"][..],
                "http",
            ),
        ] {
            let only = Only::of(&[lookup(field).unwrap()], false);
            assert!(only.is_some(), "{field}");
            let info = FrameInfo {
                only,
                ..FrameInfo::default()
            };
            let (mut whole, mut some) = (Apps::new(), Apps::new().scoped(scope));
            let mut with = 0;
            for i in 0..capture.packets.len() {
                let mut want = names(detail(
                    &mut ctx,
                    i,
                    &mut src,
                    &mut whole,
                    FrameInfo::default(),
                ));
                want.retain(|n| !skipped.contains(&n.as_str()));
                let got = names(detail(&mut ctx, i, &mut src, &mut some, info));
                assert_eq!(got, want, "{field}: frame {}", i + 1);
                with += usize::from(got.iter().any(|n| n == built));
            }
            assert!(with > 0, "{field}");
        }
        // A field of a layer above the transport's needs them all.
        assert_eq!(Only::of(&[lookup("http.referer").unwrap()], false), None);
    }

    /// A DNS field's reader feeds the conversations of DNS over TCP and no other (no
    /// memcached value or HTTP body is reassembled), and builds the detail of no packet
    /// of those; a field of TCP's reassembly feeds them all.
    #[test]
    fn a_dns_field_feeds_no_other_conversation() {
        use super::{Apps, Scope};
        use crate::capture::app::AppProto;
        use crate::query::detail::{detail, FrameInfo};
        let bytes = joined(&["memcached-fields.pcap", "dns.pcap", "http.pcap"]);
        let capture = crate::ingest::ingest_bytes("mixed.pcap", &bytes);
        let protos_of = |flows: &mut dyn Iterator<Item = u32>| {
            let mut p: Vec<_> = flows
                .filter_map(|f| capture.app_protos.get(f as usize).copied().flatten())
                .collect();
            p.sort();
            p.dedup();
            p
        };
        let n = capture.packets.len();
        let ttl = lookup("dns.resp.ttl").unwrap();
        let mut src = MemorySource {
            files: vec![&bytes],
        };
        // As a scan feeds it: every packet kept up with, the DNS ones' detail built.
        let mut apps = Apps::new().scoped(Scope::of_fields(&capture, &[ttl]));
        let mut ctx = crate::query::fields::FieldCtx::new(&capture);
        let mut built = 0;
        for i in 0..n {
            apps.feed_to(&capture, &mut src, i);
            if Scope::of_field(ttl, false).may_hold(&capture, i) {
                built += 1;
                detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
            }
        }
        assert_eq!(protos_of(&mut apps.fed()), [AppProto::Dns]);
        assert!(apps.fed().count() > 1);
        let other = (0..n)
            .filter(|&i| {
                let row = capture.packets.at(i);
                matches!(
                    capture.app_protos.get(row.flow as usize).copied().flatten(),
                    Some(AppProto::Memcache | AppProto::Http)
                )
            })
            .count();
        assert!(other > 100 && built + other <= n, "{built} {other} {n}");
        let mut apps = Apps::new().scoped(Scope::of_fields(
            &capture,
            &[lookup("tcp.segment.count").unwrap()],
        ));
        apps.feed_to(&capture, &mut src, n);
        assert_eq!(
            protos_of(&mut apps.fed()),
            [AppProto::Http, AppProto::Memcache, AppProto::Dns]
        );
        // Through the reader the filters plug in: the same values as feeding them all.
        let fields = [ttl];
        assert_eq!(
            printed(&capture, &bytes, &fields, false),
            printed(&capture, &bytes, &fields, true),
        );
    }

    /// A scan of a DNS field reads no packet of the memcached and HTTP conversations
    /// (their detail would have no DNS layer) and passes what the evaluator passes with
    /// every packet at hand, those packets too when the field is negated.
    #[test]
    fn a_dns_filter_reads_no_other_conversations_packets() {
        use crate::capture::app::AppProto;
        let bytes = joined(&["memcached-fields.pcap", "dns.pcap", "http.pcap"]);
        let capture = crate::ingest::ingest_bytes("mixed.pcap", &bytes);
        let n = capture.packets.len();
        let other = |i: u32| {
            let flow = capture.packets.at(i as usize).flow;
            matches!(
                capture.app_protos.get(flow as usize).copied().flatten(),
                Some(AppProto::Memcache | AppProto::Http)
            )
        };
        for (text, passing) in [
            ("dns.resp.ttl == 0", 1..20),
            ("!dns.count.labels", n / 2..n),
            ("dns.resp.ttl == 0 || http.content_length_header", 10..40),
        ] {
            let filter = Filter::compile(text).unwrap();
            let reads = filter.packets_needing_bytes(&capture, n, |_| false);
            let read_other = reads.iter().filter(|&&i| other(i)).count();
            if text.contains("http") {
                assert!(read_other > 0, "{text}");
            } else {
                assert!(!reads.is_empty() && read_other == 0, "{text}: {read_other}");
            }
            let (evaluated, scanned) = frames(text, &bytes);
            assert_eq!(scanned, evaluated, "{text}");
            assert!(
                passing.contains(&scanned.len()),
                "{text}: {}",
                scanned.len()
            );
        }
    }

    /// `-T fields` prints what the detail shows (tshark prints the same lines).
    #[test]
    fn fields_print_as_the_detail_shows_them() {
        let bytes = capture_bytes();
        let capture = crate::ingest::ingest_bytes("made.pcap", &bytes);
        let names = [
            "http.referer",
            "tcp.nxtseq",
            "http.request.uri.query.parameter",
        ];
        let fids: Vec<_> = names.iter().map(|n| lookup(n).unwrap()).collect();
        // Each value ends in `,`, each field in `|`.
        assert_eq!(
            printed(&capture, &bytes, &fids, false),
            ["|35,||", "http://r/,|80,|x=1,y=2,|", "|5078,||", "|108,||"]
        );
    }
}
