//! Packet detail against tshark: for every capture of tests/golden/pdml/CAPTURES,
//! `wirelens list -T pdml` must give every field it emits the name, `show`, `showname`,
//! `pos` and `size` that tshark 4.0.17's PDML gives it (tests/scripts/make-pdml-golden.py
//! keeps those of tshark's fields whose names tests/golden/pdml/FIELDS lists).
//!
//! Fields are paired by name and occurrence within the packet (the third `tcp.option_kind`
//! of frame 7 with tshark's third). A field tshark has and we do not emit is not a
//! failure (it is counted, as not emitted); a field we emit must be there in tshark's
//! PDML and agree. Differences with a known cause are listed in
//! tests/golden/pdml/KNOWN_DIFFERENCES (`capture<TAB>frame or *<TAB>field<TAB>reason`);
//! a listed difference that no longer occurs is reported, so the list stays honest.
//!
//! The corpus in ../shared/corpus must be there: the test fails without it, unless
//! WIRELENS_NO_CORPUS=1 says the run has none (its captures are then skipped, and said).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Command;
use wirelens_core::capture::file::Compression;
use wirelens_core::ingest::decompress::Decoder;
use wirelens_tests::{bin, capture_path, repo_root};

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
    s.replace("&lt;", "<")
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
    for line in pdml.lines() {
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

struct Known {
    reason: String,
    used: bool,
}

fn known() -> BTreeMap<(String, String, String), Known> {
    let text = std::fs::read_to_string(repo_root().join("tests/golden/pdml/KNOWN_DIFFERENCES"))
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(c.len(), 4, "KNOWN_DIFFERENCES line {l:?}");
            (
                (c[0].to_owned(), c[1].to_owned(), c[2].to_owned()),
                Known {
                    reason: c[3].to_owned(),
                    used: false,
                },
            )
        })
        .collect()
}

fn list(name: &str) -> Vec<String> {
    std::fs::read_to_string(repo_root().join("tests/golden/pdml").join(name))
        .unwrap_or_else(|e| panic!("tests/golden/pdml/{name}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn golden_name(capture: &str) -> String {
    capture
        .trim_start_matches("corpus:")
        .trim_start_matches("tests/data/")
        .replace('/', "_")
}

#[test]
fn packet_detail_matches_tshark_pdml() {
    let no_corpus = std::env::var("WIRELENS_NO_CORPUS").is_ok_and(|v| v == "1");
    let names: BTreeSet<String> = list("FIELDS").into_iter().collect();
    let mut known = known();
    let (mut captures, mut compared, mut same, mut explained, mut not_emitted) = (0, 0, 0, 0, 0);
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for line in list("CAPTURES") {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "CAPTURES line {line:?}");
        let (capture, options, packets) = (cols[0], cols[1], cols[2]);
        let path = capture_path(capture);
        if !path.exists() {
            assert!(
                capture.starts_with("corpus:") && no_corpus,
                "{} is missing (set WIRELENS_NO_CORPUS=1 for a run without ../shared/corpus)",
                path.display()
            );
            skipped.push(capture.to_owned());
            continue;
        }
        captures += 1;
        let gz = std::fs::read(
            repo_root().join(format!("tests/golden/pdml/{}.tsv.gz", golden_name(capture))),
        )
        .expect("golden file (run tests/scripts/make-pdml-golden.py)");
        let want = golden(&gunzip(&gz));
        let out = Command::new(bin("wirelens"))
            .arg("list")
            .arg(&path)
            .args(options.split_whitespace())
            .args(["-c", packets, "-T", "pdml"])
            .output()
            .expect("run wirelens list -T pdml");
        let got = ours(&String::from_utf8_lossy(&out.stdout));
        assert!(!got.is_empty(), "{capture}: no PDML");
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
            assert!(
                names.contains(&f.name),
                "{capture}: we emit {} which tests/golden/pdml/FIELDS does not list (add it and regenerate the goldens)",
                f.name
            );
            let k = seen.entry((f.frame, f.name.clone())).or_default();
            let n = *k;
            *k += 1;
            compared += 1;
            let t = theirs
                .get(&(f.frame, f.name.as_str()))
                .and_then(|v| v.get(n));
            let diff = match t {
                Some(t) if *t == f => None,
                Some(t) => Some(format!(
                    "frame {} {} #{n}:\n  tshark:   pos={} size={} show={:?} showname={:?}\n  wirelens: pos={} size={} show={:?} showname={:?}",
                    f.frame, f.name, t.pos, t.size, t.show, t.showname, f.pos, f.size, f.show, f.showname
                )),
                None => Some(format!(
                    "frame {} {} #{n}: tshark has no such field (wirelens: pos={} size={} show={:?} showname={:?})",
                    f.frame, f.name, f.pos, f.size, f.show, f.showname
                )),
            };
            let Some(diff) = diff else {
                same += 1;
                continue;
            };
            let frame_key = (capture.to_owned(), f.frame.to_string(), f.name.clone());
            let any_key = (capture.to_owned(), "*".to_owned(), f.name.clone());
            let all_key = ("*".to_owned(), "*".to_owned(), f.name.clone());
            let key = [frame_key, any_key, all_key]
                .into_iter()
                .find(|k| known.contains_key(k));
            match key.and_then(|k| known.get_mut(&k)) {
                Some(k) => {
                    k.used = true;
                    explained += 1;
                }
                None => failures.push(format!("{capture}: {diff}")),
            }
        }
        for f in &want {
            if !seen.contains_key(&(f.frame, f.name.clone())) {
                not_emitted += 1;
            }
        }
    }
    eprintln!(
        "pdml: {captures} captures, {compared} fields compared, {same} identical, {explained} explained (tests/golden/pdml/KNOWN_DIFFERENCES), {not_emitted} of tshark's not emitted"
    );
    if !skipped.is_empty() {
        eprintln!(
            "pdml: WIRELENS_NO_CORPUS=1: skipped {} corpus captures",
            skipped.len()
        );
    }
    let stale: Vec<String> = known
        .iter()
        .filter(|(k, v)| !v.used && (skipped.is_empty() || !k.0.starts_with("corpus:")))
        .map(|(k, v)| format!("{k:?} ({}) no longer differs", v.reason))
        .collect();
    assert!(
        stale.is_empty(),
        "stale known differences:\n{}",
        stale.join("\n")
    );
    if let Ok(path) = std::env::var("WIRELENS_PDML_DIFFS") {
        // Every difference, for working through them.
        std::fs::write(path, failures.join("\n")).expect("write the differences");
    }
    assert!(
        failures.is_empty(),
        "{} fields differ:\n{}",
        failures.len(),
        failures[..failures.len().min(60)].join("\n")
    );
    assert!(
        captures >= 30 || no_corpus,
        "only {captures} captures compared"
    );
}
