//! Per-frame dissection against tshark (tests/golden/dissect, made by
//! tests/scripts/make-dissect-golden.py): the protocol stack up to the transport layer,
//! addresses, IP and fragment fields, VLAN ids, ARP, TCP/UDP/ICMP fields and the
//! `tcp.stream` / `udp.stream` numbers, frame by frame, through a stateful
//! `wire::Dissector` (so reassembled datagrams are compared too).
//!
//! `WIRELENS_DISSECT_CORPUS=1 cargo test -p wirelens-tests dissect_corpus -- --ignored`
//! runs tshark live over every capture of the corpus with a link type we dissect and
//! prints the same agreement counts (it needs tshark; nothing is written).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::NO_FLOW;
use wirelens_core::ingest::ingest_bytes;
use wirelens_core::ingest::wire::{self, Frag, Net, Proto, Summary, Transport};
use wirelens_tests::{capture_path, have, repo_root};

/// Differences we understand, by capture, frame (1-based; 0 for every frame) and field
/// ("" for every field), with the reason. The test fails on any other.
const EXPLAINED: &[(&str, u64, &str, &str)] = &[
    (
        "corpus:libpcap/filter/AH-IPcomp-IPv6.pcap",
        0,
        "",
        "tshark inflates IPComp (RFC 3173) payloads and dissects the IPv6/TCP inside; we stop at ipcomp",
    ),
    (
        "corpus:libpcap/filter/ipv6_ext_headers.pcap",
        1,
        "frame.protocols",
        "a chain of 136 IPv6 extension headers: our stack keeps the first 32 names",
    ),
];

/// Our dissection of every frame: field name → value formatted as tshark prints it.
fn ours(path: &Path) -> Vec<HashMap<&'static str, String>> {
    let bytes = std::fs::read(path).expect("read capture");
    let cap = ingest_bytes(&path.display().to_string(), &bytes);
    let mut d = wire::Dissector::new();
    let mut frames = Vec::with_capacity(cap.packets.len());
    for row in &cap.packets {
        let lt = cap.linktype_of(row);
        let start = row.offset as usize;
        let data = &bytes[start..start + row.caplen as usize];
        let s = d.dissect_frame(lt, data, row.len as usize, row.ts_ns);
        let stream = (row.flow != NO_FLOW).then(|| {
            let c = &cap.conversations[row.flow as usize];
            (c.proto, c.stream)
        });
        frames.push(fields(&s, stream));
    }
    frames
}

fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn fields(s: &Summary, stream: Option<(L4, u32)>) -> HashMap<&'static str, String> {
    let mut m = HashMap::new();
    m.insert("frame.protocols", s.stack.to_string());
    // Which of tshark's IPv4 occurrences is the layer in `net`: after an IPv4 outer one.
    m.insert(
        "_v4_before_net",
        usize::from(s.outer_ip.is_some_and(|o| o.0.is_ipv4())).to_string(),
    );
    let mut layers: Vec<(IpAddr, IpAddr)> = Vec::new();
    layers.extend(s.outer_ip);
    if let Net::Ip { src, dst, .. } = s.net {
        layers.push((src, dst));
    }
    let quoted = s.icmp.and_then(|i| i.quoted);
    layers.extend(quoted.map(|q| (q.src, q.dst)));
    let (v4, v6): (Vec<(IpAddr, IpAddr)>, Vec<(IpAddr, IpAddr)>) =
        layers.iter().partition(|(a, _)| a.is_ipv4());
    m.insert("ip.src", join(v4.iter().map(|l| l.0)));
    m.insert("ip.dst", join(v4.iter().map(|l| l.1)));
    m.insert("ipv6.src", join(v6.iter().map(|l| l.0)));
    m.insert("ipv6.dst", join(v6.iter().map(|l| l.1)));
    if let Some(ip) = s.ip {
        if ip.version == 4 {
            m.insert("ip.id", format!("0x{:04x}", ip.id));
            m.insert("ip.ttl", ip.ttl.to_string());
            m.insert("ip.flags.mf", (ip.more_fragments as u8).to_string());
            m.insert("ip.frag_offset", (ip.frag_offset / 8).to_string());
        } else if s.stack.contains(Proto::Ipv6Fraghdr)
            && (ip.id != 0 || !s.stop.is_some_and(|st| st.layer == wire::Layer::Ipv6Ext))
        {
            m.insert("ipv6.fraghdr.ident", format!("0x{:08x}", ip.id));
        }
        if let Frag::Complete { len, .. } = ip.frag {
            let key = if ip.version == 4 {
                "ip.reassembled.length"
            } else {
                "ipv6.reassembled.length"
            };
            m.insert(key, len.to_string());
        }
    }
    let tags = s.vlan.tags();
    m.insert(
        "vlan.id",
        join(tags.iter().filter(|t| t.tpid != 0x88a8).map(|t| t.id)),
    );
    m.insert(
        "ieee8021ad.id",
        join(tags.iter().filter(|t| t.tpid == 0x88a8).map(|t| t.id)),
    );
    if let Some(a) = s.arp {
        m.insert("arp.opcode", a.opcode.to_string());
        if let (Some(snd), Some(tgt)) = (a.sender, a.target) {
            m.insert("arp.src.proto_ipv4", snd.1.to_string());
            m.insert("arp.dst.proto_ipv4", tgt.1.to_string());
        }
    }
    match s.transport {
        Transport::Tcp(t) => {
            m.insert("tcp.srcport", t.src_port.to_string());
            m.insert("tcp.dstport", t.dst_port.to_string());
            m.insert("tcp.seq_raw", t.seq.to_string());
            m.insert("tcp.flags", format!("0x{:04x}", t.flags));
            m.insert("tcp.len", t.payload_len.to_string());
            if let Some(v) = t.options.mss {
                m.insert("tcp.options.mss_val", v.to_string());
            }
            if let Some(v) = t.options.window_scale {
                m.insert("tcp.options.wscale.shift", v.to_string());
            }
            if let Some((v, _)) = t.options.timestamp {
                m.insert("tcp.options.timestamp.tsval", v.to_string());
            }
        }
        Transport::Udp {
            src_port,
            dst_port,
            payload_len,
        } => {
            m.insert("udp.srcport", src_port.to_string());
            m.insert("udp.dstport", dst_port.to_string());
            m.insert("udp.length", (payload_len + 8).to_string());
        }
        _ => {}
    }
    if let Some((proto, n)) = stream {
        m.insert(
            if proto == L4::Tcp {
                "tcp.stream"
            } else {
                "udp.stream"
            },
            n.to_string(),
        );
    }
    if let Some(i) = s.icmp {
        let (t, c) = if i.v6 {
            ("icmpv6.type", "icmpv6.code")
        } else {
            ("icmp.type", "icmp.code")
        };
        m.insert(t, i.ty.to_string());
        m.insert(c, i.code.to_string());
    }
    if let Some(q) = quoted {
        if let Some((sp, dp)) = q.ports {
            let p = if q.protocol == 6 { "tcp" } else { "udp" };
            m.insert(
                if p == "tcp" {
                    "tcp.srcport"
                } else {
                    "udp.srcport"
                },
                sp.to_string(),
            );
            m.insert(
                if p == "tcp" {
                    "tcp.dstport"
                } else {
                    "udp.dstport"
                },
                dp.to_string(),
            );
        }
    }
    m
}

/// tshark's `frame.protocols` cut after the first protocol our dissection ends at.
fn trim_protocols(p: &str) -> String {
    let mut out = Vec::new();
    for name in p.split(':') {
        out.push(name);
        if Proto::from_name(name).is_some_and(Proto::is_leaf) {
            break;
        }
    }
    out.join(":")
}

/// The value of tshark's cell we compare with ours.
fn expected(
    field: &str,
    cell: &str,
    ours: &HashMap<&'static str, String>,
    v4_before_net: usize,
) -> Option<String> {
    let first = || cell.split(',').next().unwrap_or("").to_owned();
    Some(match field {
        "frame.protocols" => trim_protocols(cell),
        // One value per IPv4 layer: ours is the layer in `Summary::net`.
        "ip.id" | "ip.ttl" | "ip.flags.mf" | "ip.frag_offset" => {
            cell.split(',').nth(v4_before_net).unwrap_or("").to_owned()
        }
        // The quoted packet of an ICMP error has a stream in tshark; it is not this
        // frame's (the frame counts in no TCP/UDP conversation).
        "tcp.stream" | "udp.stream" if !ours.contains_key(field) && !cell.is_empty() => {
            return None
        }
        // Fields of a quoted TCP header other than its ports are not ours to give.
        "tcp.seq_raw" | "tcp.flags" | "tcp.len" | "udp.length"
            if !ours.contains_key(field) && !cell.is_empty() =>
        {
            return None
        }
        "ip.src" | "ip.dst" | "ipv6.src" | "ipv6.dst" | "vlan.id" | "ieee8021ad.id" => {
            cell.to_owned()
        }
        _ => first(),
    })
}

#[derive(Default)]
struct Tally {
    frames: u64,
    equal_frames: u64,
    cells: u64,
    equal_cells: u64,
    explained: u64,
    skipped_quoted_streams: u64,
    per_field: BTreeMap<String, u64>,
    per_reason: BTreeMap<&'static str, u64>,
    /// (capture, field) → (differences, the first one).
    per_capture: BTreeMap<(String, String), (u64, String)>,
    misaligned: Vec<String>,
    failures: Vec<String>,
}

fn compare(
    entry: &str,
    header: &[&str],
    rows: &[Vec<String>],
    ours: &[HashMap<&'static str, String>],
    t: &mut Tally,
) {
    if rows.len() != ours.len() {
        // Frames would be compared out of line (tshark lists pcapng custom blocks as frames).
        t.failures.push(format!(
            "{entry}: tshark has {} frames, we have {}",
            rows.len(),
            ours.len()
        ));
        t.misaligned.push(entry.to_owned());
        return;
    }
    for (i, (row, m)) in rows.iter().zip(ours).enumerate() {
        let frame = i as u64 + 1;
        t.frames += 1;
        let mut all_equal = true;
        let v4_before_net = m
            .get("_v4_before_net")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for (field, cell) in header.iter().zip(row) {
            let Some(want) = expected(field, cell, m, v4_before_net) else {
                t.skipped_quoted_streams += u64::from(field.ends_with(".stream"));
                continue;
            };
            let got = m.get(field).cloned().unwrap_or_default();
            t.cells += 1;
            if want == got {
                t.equal_cells += 1;
                continue;
            }
            all_equal = false;
            if let Some(e) = EXPLAINED.iter().find(|e| {
                e.0 == entry && (e.1 == 0 || e.1 == frame) && (e.2.is_empty() || e.2 == *field)
            }) {
                t.explained += 1;
                *t.per_reason.entry(e.3).or_default() += 1;
                continue;
            }
            *t.per_field.entry(field.to_string()).or_default() += 1;
            let e = t
                .per_capture
                .entry((entry.to_owned(), field.to_string()))
                .or_insert((0, String::new()));
            if e.0 == 0 {
                e.1 = format!("frame {frame}: tshark {want:?} ours {got:?}");
            }
            e.0 += 1;
            if t.failures.len() < 200 {
                t.failures.push(format!(
                    "{entry} frame {frame} {field}: tshark {want:?} ours {got:?}"
                ));
            }
        }
        t.equal_frames += u64::from(all_equal);
    }
}

/// Reads a golden: the header, then one row per frame with `^` meaning "as above".
fn read_golden(text: &str) -> (String, Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let entry = lines
        .next()
        .and_then(|l| l.strip_prefix("# capture: "))
        .expect("golden names its capture")
        .to_owned();
    let header: Vec<String> = lines
        .next()
        .expect("golden has a header")
        .split('\t')
        .map(str::to_owned)
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for line in lines {
        let mut row: Vec<String> = line.split('\t').map(str::to_owned).collect();
        row.resize(header.len(), String::new());
        if let Some(above) = rows.last() {
            for (c, a) in row.iter_mut().zip(above) {
                if c == "^" {
                    c.clone_from(a);
                }
            }
        }
        rows.push(row);
    }
    (entry, header, rows)
}

fn report(what: &str, t: &Tally) {
    eprintln!(
        "{what}: {} frames, {} identical to tshark in every compared field; {} of {} fields equal, {} explained; \
         {} quoted-packet streams not compared",
        t.frames, t.equal_frames, t.equal_cells, t.cells, t.explained, t.skipped_quoted_streams
    );
    if !t.misaligned.is_empty() {
        eprintln!(
            "  not compared, frame counts differ: {}",
            t.misaligned.join(" ")
        );
    }
    for (why, n) in &t.per_reason {
        eprintln!("  explained ({n} fields): {why}");
    }
    for (field, n) in &t.per_field {
        eprintln!("  {field}: {n} differences");
    }
}

#[test]
fn dissection_equals_tshark() {
    let dir = repo_root().join("tests/golden/dissect");
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden/dissect exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    goldens.sort();
    assert!(!goldens.is_empty(), "no golden files in {}", dir.display());
    let (mut t, mut files, mut skipped) = (Tally::default(), 0, 0);
    for golden in &goldens {
        let (entry, header, rows) =
            read_golden(&std::fs::read_to_string(golden).expect("read golden"));
        let path = capture_path(&entry);
        if !path.exists() {
            skipped += 1;
            continue;
        }
        files += 1;
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        compare(&entry, &header, &rows, &ours(&path), &mut t);
    }
    if skipped > 0 {
        eprintln!("dissect golden: skipped {skipped} captures: ../shared/corpus is absent");
    }
    report(&format!("dissect golden over {files} captures"), &t);
    assert!(
        t.failures.is_empty(),
        "differences from tshark:\n  {}",
        t.failures.join("\n  ")
    );
}

/// Every corpus capture with a link type we dissect, against tshark live.
#[test]
#[ignore = "needs tshark and ../shared/corpus; set WIRELENS_DISSECT_CORPUS=1"]
fn dissect_corpus_equals_tshark() {
    let corpus = repo_root()
        .parent()
        .expect("repo has a parent")
        .join("shared/corpus");
    if std::env::var_os("WIRELENS_DISSECT_CORPUS").is_none() || !have("tshark") || !corpus.exists()
    {
        eprintln!(
            "skipped: set WIRELENS_DISSECT_CORPUS=1, with tshark and ../shared/corpus present"
        );
        return;
    }
    let header: Vec<&str> = vec![
        "frame.protocols",
        "ip.src",
        "ip.dst",
        "ipv6.src",
        "ipv6.dst",
        "ip.flags.mf",
        "ip.frag_offset",
        "tcp.srcport",
        "tcp.dstport",
        "tcp.len",
        "tcp.stream",
        "udp.srcport",
        "udp.dstport",
        "udp.stream",
        "icmp.type",
        "icmpv6.type",
        "vlan.id",
    ];
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut t = Tally::default();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(format), Some(lts)) = (cols.first(), cols.get(4), cols.get(5)) else {
            continue;
        };
        let dissected = ["0", "1", "12", "101", "108", "113", "228", "229", "276"];
        if !format.starts_with("pcap")
            || lts.is_empty()
            || !lts
                .split(';')
                .all(|l| dissected.contains(&l.split(':').next().unwrap_or("")))
        {
            continue;
        }
        if file.ends_with(".gz")
            || file.ends_with(".zst")
            || file.ends_with(".xz")
            || file.ends_with(".bz2")
        {
            continue;
        }
        let path = corpus.join(file);
        let mut cmd = std::process::Command::new("tshark");
        cmd.args(["-n", "-r"]).arg(&path).args([
            "-T",
            "fields",
            "-E",
            "separator=\t",
            "-E",
            "occurrence=a",
        ]);
        for f in &header {
            cmd.args(["-e", f]);
        }
        let Ok(out) = cmd.output() else { continue };
        if !out.status.success() {
            continue;
        }
        let rows: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let mut r: Vec<String> = l.split('\t').map(str::to_owned).collect();
                r.resize(header.len(), String::new());
                r
            })
            .collect();
        compare(
            &format!("corpus:{file}"),
            &header,
            &rows,
            &ours(&path),
            &mut t,
        );
    }
    report("dissect corpus (live tshark)", &t);
    for ((capture, field), (n, first)) in &t.per_capture {
        eprintln!("  {capture} {field}: {n} frames, first {first}");
    }
}
