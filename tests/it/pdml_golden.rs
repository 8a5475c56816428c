//! Packet detail against tshark: for every capture of tests/golden/pdml/CAPTURES,
//! `wirelens list -T pdml` must give every field it emits the name, `show`, `showname`,
//! `pos` and `size` that tshark 4.0.17's PDML gives it (tests/scripts/make-pdml-golden.py
//! keeps those of tshark's fields whose names tests/golden/pdml/FIELDS lists).
//!
//! Fields are paired by name and occurrence within the packet (the third `tcp.option_kind`
//! of frame 7 with tshark's third). A field tshark has and we do not emit is not a
//! failure (it is counted, as not emitted); a field we emit must be there in tshark's
//! PDML and agree. Differences with a known cause are listed in
//! tests/golden/pdml/KNOWN_DIFFERENCES, in the golden harness's format
//! (tests/harness.rs), which also requires the corpus and reports stale entries.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use wirelens_core::capture::file::Compression;
use wirelens_core::ingest::decompress::Decoder;
use wirelens_tests::{bin, repo_root, Golden};

/// One field or protocol of one packet.
#[derive(Clone, Debug, PartialEq)]
struct Field {
    frame: u64,
    name: String,
    pos: String,
    size: String,
    show: String,
    showname: String,
}

/// Values longer than this are compared by length and digest (as the goldens keep them).
const LONG: usize = 96;

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// A value as the goldens store it.
fn stored(s: &str) -> String {
    if s.chars().count() > LONG {
        return format!("~{}:{:016x}", s.chars().count(), fnv(s));
    }
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\t' => o.push_str("\\t"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            c => o.push(c),
        }
    }
    o
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    let mut d = Decoder::new(Compression::Gzip);
    d.feed(bytes, &mut |b: &[u8]| out.extend_from_slice(b))
        .expect("gzip golden");
    d.finish(&mut |b: &[u8]| out.extend_from_slice(b))
        .expect("gzip golden");
    String::from_utf8(out).expect("UTF-8 golden")
}

fn golden(text: &str) -> Vec<Field> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 6, "golden line {l:?}");
            Field {
                frame: c[0].parse().expect("frame number"),
                name: c[1].into(),
                pos: c[2].into(),
                size: c[3].into(),
                show: c[4].into(),
                showname: c[5].into(),
            }
        })
        .collect()
}

fn unescape_xml(s: &str) -> String {
    // An XML parser's attribute-value normalisation (XML 1.0 §2.11, §3.3.3), as the
    // goldens' parser applied it to tshark's raw CR LF (http2.magic).
    s.replace("\r\n", "\n")
        .replace(['\r', '\n', '\t'], " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The attributes of an element that starts this line of our PDML (one element a line).
fn attributes(line: &str) -> Option<(String, HashMap<String, String>)> {
    let t = line.trim_start();
    let rest = t.strip_prefix('<')?;
    let tag: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut attrs = HashMap::new();
    let mut s = &rest[tag.len()..];
    loop {
        s = s.trim_start();
        let Some(eq) = s.find("=\"") else { break };
        let key = s[..eq].trim().to_owned();
        let after = &s[eq + 2..];
        let end = after.find('"').expect("closing quote");
        attrs.insert(key, unescape_xml(&after[..end]));
        s = &after[end + 1..];
    }
    Some((tag, attrs))
}

/// Our PDML, as the goldens keep tshark's.
fn ours(pdml: &str) -> Vec<Field> {
    let mut out = Vec::new();
    let mut frame = 0u64;
    // An attribute may hold line breaks (http2.magic's CR LF, as tshark writes them): an
    // element runs on until its quotes close.
    let mut element = String::new();
    for part in pdml.split('\n') {
        if !element.is_empty() {
            element.push('\n');
        }
        element.push_str(part);
        if element.matches('"').count() % 2 == 1 {
            continue;
        }
        let line = std::mem::take(&mut element);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let Some((tag, a)) = attributes(line) else {
            continue;
        };
        if tag != "proto" && tag != "field" {
            continue;
        }
        let name = a.get("name").cloned().unwrap_or_default();
        if tag == "field" && name == "num" {
            frame = a.get("show").and_then(|s| s.parse().ok()).unwrap_or(0);
            continue;
        }
        if name.is_empty()
            || name == "geninfo"
            || name == "fake-field-wrapper"
            || matches!(name.as_str(), "len" | "caplen" | "timestamp")
        {
            continue;
        }
        let get = |k: &str| a.get(k).map(|s| stored(s)).unwrap_or_default();
        out.push(Field {
            frame,
            name,
            pos: a.get("pos").cloned().unwrap_or_default(),
            size: a.get("size").cloned().unwrap_or_default(),
            show: get("show"),
            showname: get("showname"),
        });
    }
    out
}

fn list(name: &str) -> Vec<String> {
    std::fs::read_to_string(repo_root().join("tests/golden/pdml").join(name))
        .unwrap_or_else(|e| panic!("tests/golden/pdml/{name}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The options wirelens is given: tshark's own `-o 'uat:…'` preferences are left out.
fn ours_options(options: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for w in options.split_whitespace() {
        if w.trim_matches('\'').starts_with("uat:") {
            if out.last() == Some(&"-o") {
                out.pop();
            }
            continue;
        }
        out.push(w);
    }
    out
}

fn golden_name(capture: &str) -> String {
    capture
        .trim_start_matches("corpus:")
        .trim_start_matches("tests/data/")
        .replace('/', "_")
}

/// Every name the detail emits (FIELDS) is one a filter or a column can name: extracted,
/// or read from the detail (tests/scripts/make-detail-fields.py registers those), with
/// tshark's type.
#[test]
fn every_field_the_detail_shows_can_be_filtered_on() {
    use wirelens_core::query::fields::{lookup, Status};
    // Names tshark 4.0 lists in PDML but not in `tshark -G fields`, and the expert
    // items', an exception's and TCP's segment data, which the detail shows for some
    // layers only (make-detail-fields.py's LEFT_OUT).
    const UNLISTED: [&str; 10] = [
        "http.content_range",
        "http.if_modified_since",
        "http.if_none_match",
        "tcp.options.padding",
        "_ws.expert",
        "_ws.expert.message",
        "_ws.expert.severity",
        "_ws.expert.group",
        "_ws.malformed.expert",
        "tcp.segment_data",
    ];
    // tshark's FT_OID fields (an X.509 certificate's object identifiers): a filter
    // compares them as encoded OIDs, a type the registry does not have yet.
    const OIDS: [&str; 8] = [
        "x509af.algorithm.id",
        "x509af.extension.id",
        "x509if.oid",
        "pkcs1.namedCurve",
        "x509ce.KeyPurposeId",
        "x509ce.policyIdentifier",
        "x509ce.id",
        "pkix1implicit.accessMethod",
    ];
    let mut missing = Vec::new();
    let mut detail = 0;
    for name in list("FIELDS") {
        match lookup(&name) {
            Some(f) => detail += usize::from(f.def().status == Status::Detail),
            None if UNLISTED.contains(&name.as_str()) || OIDS.contains(&name.as_str()) => {}
            None => missing.push(name),
        }
    }
    println!("fields the detail shows: {detail} read from the detail");
    assert!(
        missing.is_empty(),
        "the detail shows fields no filter can name (run tests/scripts/make-detail-fields.py): {missing:?}"
    );
}

#[test]
fn packet_detail_matches_tshark_pdml() {
    let mut g = Golden::new("pdml");
    let names: BTreeSet<String> = list("FIELDS").into_iter().collect();
    let (mut same, mut not_emitted) = (0u64, 0u64);
    let mut diffs = Vec::new();
    let mut missing = Vec::new();
    for line in list("CAPTURES") {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "CAPTURES line {line:?}");
        let (capture, options, packets) = (cols[0], cols[1], cols[2]);
        let Some(path) = g.capture(capture) else {
            continue;
        };
        let gz = std::fs::read(g.dir().join(format!("{}.tsv.gz", golden_name(capture))))
            .expect("golden file (run tests/scripts/make-pdml-golden.py)");
        let want = golden(&gunzip(&gz));
        // From the repository's root, as make-pdml-golden.py runs tshark (key logs).
        let out = Command::new(bin("wirelens"))
            .current_dir(repo_root())
            .arg("list")
            .arg(&path)
            .args(ours_options(options))
            .args(["-c", packets, "-T", "pdml"])
            .output()
            .expect("run wirelens list -T pdml");
        if out.status.code() != Some(0) {
            g.fail(format!(
                "{capture}: wirelens list -T pdml exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let got = ours(&String::from_utf8_lossy(&out.stdout));
        if got.is_empty() {
            g.fail(format!("{capture}: no PDML"));
            continue;
        }
        // tshark's fields by (frame, name), in order.
        let mut theirs: HashMap<(u64, &str), Vec<&Field>> = HashMap::new();
        for f in &want {
            theirs
                .entry((f.frame, f.name.as_str()))
                .or_default()
                .push(f);
        }
        let mut seen: HashMap<(u64, String), usize> = HashMap::new();
        for f in &got {
            if !names.contains(&f.name) {
                g.fail(format!(
                    "{capture}: we emit {} which tests/golden/pdml/FIELDS does not list (add it and regenerate the goldens)",
                    f.name
                ));
                continue;
            }
            let k = seen.entry((f.frame, f.name.clone())).or_default();
            let n = *k;
            *k += 1;
            g.count("fields", 1);
            let t = theirs
                .get(&(f.frame, f.name.as_str()))
                .and_then(|v| v.get(n));
            let diff = match t {
                Some(t) if *t == f => {
                    same += 1;
                    continue;
                }
                Some(t) => format!(
                    "#{n}:\n  tshark:   pos={} size={} show={:?} showname={:?}\n  wirelens: pos={} size={} show={:?} showname={:?}",
                    t.pos, t.size, t.show, t.showname, f.pos, f.size, f.show, f.showname
                ),
                None => format!(
                    "#{n}: tshark has no such field (wirelens: pos={} size={} show={:?} showname={:?})",
                    f.pos, f.size, f.show, f.showname
                ),
            };
            if !g.differs(capture, f.frame, &f.name, &diff) {
                diffs.push(format!("{capture}\t{}\t{}\t{diff}", f.frame, f.name));
            }
        }
        for f in want
            .iter()
            .filter(|f| !seen.contains_key(&(f.frame, f.name.clone())))
        {
            not_emitted += 1;
            missing.push(format!("{capture}\t{}\t{}", f.frame, f.name));
        }
    }
    g.count("identical", same);
    g.note(format!(
        "{not_emitted} of tshark's fields of the listed names not emitted (not compared)"
    ));
    if let Ok(path) = std::env::var("WIRELENS_PDML_DIFFS") {
        // Every unexplained difference, for working through them.
        std::fs::write(path, diffs.join("\n")).expect("write the differences");
    }
    if let Ok(path) = std::env::var("WIRELENS_PDML_MISSING") {
        // Every field of tshark's we do not emit (capture, frame, name): what is left to do.
        std::fs::write(path, missing.join("\n")).expect("write the fields not emitted");
    }
    g.finish();
}

/// Captures whose `-V` and `-x` output is compared with tshark's, run here
/// (`capture`, options).
const TEXT_CAPTURES: &[(&str, &str)] = &[
    ("tests/data/three_http_streams.pcap", ""),
    ("tests/data/four_ipv6_http_streams.pcap", ""),
    ("tests/data/sll2.pcap", ""),
    (
        "tests/data/servers/http.pcap",
        "-d tcp.port==28080,http -d tcp.port==28081,http",
    ),
    (
        "tests/data/servers/dns.pcap",
        "-d udp.port==25353,dns -d tcp.port==25353,dns",
    ),
    (
        "tests/data/servers/mariadb.pcap",
        "-d tcp.port==23306,mysql",
    ),
    (
        "tests/data/servers/memcached-fields.pcap",
        "-d tcp.port==21211,memcache",
    ),
    ("tests/data/servers/redis.pcap", "-d tcp.port==26379,resp"),
    ("static/sample.pcapng", "-d tcp.port==21211,memcache"),
    ("corpus:zeek/tls/tls1.2.pcap", ""),
    ("corpus:PcapPlusPlus/packet/IcmpPackets.pcap", ""),
    ("tests/data/servers/quic.pcap", ""),
    ("tests/data/servers/quic-hello.pcap", ""),
    ("corpus:tcpdump/quic_handshake.pcap", ""),
    // Packet comments (a layer before the frame's: its lines end the previous packet's
    // block, in tshark's text and ours alike) and the pcapng block's flags word.
    ("corpus:pcapng-test-generator/le/test009.pcapng", ""),
    // Decrypted with their key logs (paths from the repository's root): the records'
    // `Decrypted TLS` and `Reassembled TLS` byte sources in -x.
    (
        "tests/data/servers/tls.pcap",
        "-o tls.keylog_file:tests/data/servers/tls.keylog",
    ),
    (
        "tests/data/servers/http2.pcap",
        "-o tls.keylog_file:tests/data/servers/http2.keylog -d tcp.port==28082,http2",
    ),
];

/// Output split into packets: blocks separated by blank lines (`-x` separates its byte
/// sources with none, `-V` its tree from the bytes with one).
fn blocks(text: &str, starts: impl Fn(&str) -> bool) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if starts(line) || out.is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().expect("a block").push(line.to_owned());
    }
    out
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `wirelens list -V` prints tshark's lines (each of ours is in tshark's tree of the same
/// packet, in the same order and at the same depth: we print fewer fields, never other
/// text), and `-x` prints exactly tshark's bytes.
#[test]
fn packet_text_matches_tshark() {
    let mut g = Golden::new("pdml/text");
    if !wirelens_tests::harness::tshark("the -V and -x comparison") {
        g.finish();
        return;
    }
    for &(capture, options) in TEXT_CAPTURES {
        let Some(path) = g.capture(capture) else {
            continue;
        };
        let opts: Vec<&str> = options.split_whitespace().collect();
        let tshark = |flag: &str| {
            run(Command::new("tshark")
                .current_dir(repo_root())
                .env("TZ", "UTC")
                .args(["-n", "-r"])
                .arg(&path)
                .args(&opts)
                .arg(flag))
        };
        let ours = |flag: &str| {
            run(Command::new(bin("wirelens"))
                .current_dir(repo_root())
                .arg("list")
                .arg(&path)
                .args(&opts)
                .arg(flag))
        };
        // -V: packets start with their frame line.
        let frame = |l: &str| l.starts_with("Frame ");
        let (want, got) = (blocks(&tshark("-V"), frame), blocks(&ours("-V"), frame));
        if want.len() != got.len() {
            g.fail(format!(
                "{capture}: -V: {} packets, tshark {}",
                got.len(),
                want.len()
            ));
        }
        for (i, (w, o)) in want.iter().zip(&got).enumerate() {
            let mut j = 0;
            for line in o {
                g.count("-V lines", 1);
                match w[j..].iter().position(|l| l == line) {
                    Some(k) => j += k + 1,
                    None => {
                        g.differs(
                            capture,
                            i + 1,
                            "-V",
                            format!("not in tshark's tree: {line:?}"),
                        );
                    }
                }
            }
        }
        // -x: packets start at offset 0 of their first byte source.
        let first = |l: &str| l.starts_with("0000  ") || l.starts_with("00000  ") || l == "Frame";
        let split = |text: &str| {
            let mut v: Vec<Vec<String>> = Vec::new();
            let mut prev_named = false;
            for line in text.lines().filter(|l| !l.is_empty()) {
                let named = line.ends_with("bytes):");
                let start = (named && line.starts_with("Frame ")) || (first(line) && !prev_named);
                if start || v.is_empty() {
                    v.push(Vec::new());
                }
                v.last_mut().expect("a packet").push(line.to_owned());
                prev_named = named;
            }
            v
        };
        let (want, got) = (split(&tshark("-x")), split(&ours("-x")));
        if want.len() != got.len() {
            g.fail(format!(
                "{capture}: -x: {} packets, tshark {}",
                got.len(),
                want.len()
            ));
        }
        for (i, (w, o)) in want.iter().zip(&got).enumerate() {
            g.count("-x packets", 1);
            if w != o {
                g.differs(capture, i + 1, "-x", "the hex dump differs");
            }
        }
    }
    g.finish();
}
