//! Cuts (`wirelens split`, `extract`, `bisect`, `intensify`) against tshark:
//! - every session file holds the packets `tshark -Y "tcp.stream == N" -w` writes (bytes,
//!   lengths, timestamps, link types, comments), on the test servers' captures and real
//!   ones of the corpus; over the whole corpus, every frame goes to the session files of
//!   the streams tshark gives it;
//! - extracts (a filter, a time range) and bisected halves equal `tshark -Y`;
//! - an intensified file read back by tshark has N× the sessions, each copy with its
//!   original's packets (flags, relative sequence numbers, lengths, expert items), valid
//!   checksums; replayed by tcpreplay across a veth pair between two network namespaces,
//!   a capture on the far side holds every packet and the same conversations.
//!
//! Differences explained in tests/golden/cuts/KNOWN_DIFFERENCES.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::ingest_bytes;
use wirelens_tests::harness::{can_capture, need_corpus, report, tshark};
use wirelens_tests::{bin, have, repo_root, Golden};

/// A scratch directory, removed first.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirelens-cuts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn wirelens(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(bin("wirelens"))
        .args(args)
        .output()
        .expect("run wirelens")
}

macro_rules! os {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new($a)),*] };
}

/// A line of `wirelens split`'s stdout: name, packets, bytes, filter.
#[derive(Debug)]
struct Line {
    name: String,
    packets: u64,
    bytes: u64,
    filter: String,
}

fn lines(out: &Output) -> Vec<Line> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(c.len(), 4, "{l:?}");
            Line {
                name: c[0].to_owned(),
                packets: c[1].parse().expect("packets"),
                bytes: c[2].parse().expect("bytes"),
                filter: c[3].to_owned(),
            }
        })
        .collect()
}

/// A packet as our core reads it: time, length on the wire, link type, bytes, comments.
type Packet = (i64, u32, u16, Vec<u8>, Vec<String>);

fn packets(path: &Path) -> Result<Vec<Packet>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cap = ingest_bytes(&path.display().to_string(), &bytes);
    if !cap.errors.is_empty() {
        return Err(format!("{}: {:?}", path.display(), cap.errors));
    }
    Ok(cap
        .packets
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let data = &bytes[p.offset as usize..p.offset as usize + p.caplen as usize];
            let comments = cap
                .comments
                .iter()
                .filter(|(at, _)| *at == i as u64)
                .map(|(_, c)| c.clone())
                .collect();
            (p.ts_ns, p.len, cap.linktype_of(&p), data.to_vec(), comments)
        })
        .collect())
}

/// `tshark -r CAPTURE -Y FILTER -F FORMAT -w OUT`.
fn tshark_w(capture: &Path, filter: &str, format: &str, out: &Path) -> Result<(), String> {
    let o = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(capture)
        .args(["-Y", filter, "-F", format, "-w"])
        .arg(out)
        .output()
        .expect("run tshark");
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "tshark -Y {filter:?} -w: {}",
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// Runs `f` over `items` on two threads (the machine has two cores).
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().expect("lock");
                    *n += 1;
                    *n - 1
                };
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().expect("lock").push((i, r));
            });
        }
    });
    let mut r = results.into_inner().expect("lock");
    r.sort_by_key(|(i, _)| *i);
    r.into_iter().map(|(_, r)| r).collect()
}

/// Compares two files packet by packet: a description of the first difference.
fn same_packets(want: &[Packet], got: &[Packet]) -> Result<(), String> {
    if want.len() != got.len() {
        return Err(format!(
            "tshark wrote {} packets, we {}",
            want.len(),
            got.len()
        ));
    }
    for (i, (w, o)) in want.iter().zip(got).enumerate() {
        if w != o {
            return Err(format!(
                "packet {}: tshark (ts, len, linktype, comments) {:?} {} bytes, ours {:?} {} bytes",
                i + 1,
                (w.0, w.1, w.2, &w.4),
                w.3.len(),
                (o.0, o.1, o.2, &o.4),
                o.3.len()
            ));
        }
    }
    Ok(())
}

/// (capture, -F, compare every k-th session with `tshark -w`).
const SPLITS: &[(&str, &str, usize)] = &[
    ("tests/data/servers/http.pcap", "pcap", 1),
    ("tests/data/servers/dns.pcap", "pcap", 1),
    ("tests/data/servers/mariadb.pcap", "pcapng", 1),
    ("tests/data/servers/memcached.pcap", "pcap", 1),
    ("tests/data/servers/memcached-fields.pcap", "nsecpcap", 1),
    ("tests/data/servers/redis.pcap", "pcap", 1),
    ("tests/data/four_ipv6_http_streams.pcap", "pcap", 1),
    ("tests/data/sll2.pcap", "pcap", 1),
    ("tests/data/tcp-handshake-nano.pcap", "nsecpcap", 1),
    ("static/sample.pcapng", "pcapng", 1),
    ("corpus:PcapPlusPlus/pcap/DnsPackets.pcap", "pcap", 4),
    ("corpus:PcapPlusPlus/pcap/sll.pcap", "pcap", 1),
    ("corpus:PcapPlusPlus/pcap/raw_ip.pcap", "pcap", 1),
    ("corpus:tcpdump/resp_3_malicious.pcap", "pcap", 1),
    ("corpus:zeek/mysql/auth.pcap", "pcap", 1),
    ("corpus:zeek/tunnels/Teredo.pcap", "pcap", 1),
    ("corpus:zeek/ipv6-http-atomic-frag.pcap", "pcap", 1),
    ("corpus:zeek/http/cooper-grill-dvwa.pcapng", "pcapng", 1),
    ("corpus:zeek/pcapng-multi-interface.pcapng", "pcapng", 1),
    ("corpus:PcapPlusPlus/pcap/650HttpResponses.pcap", "pcap", 7),
    ("corpus:PcapPlusPlus/pcap/4KHttpRequests.pcap", "pcap", 5),
    ("corpus:PcapPlusPlus/pcap/example.pcap", "pcap", 9),
    (
        "corpus:pcap-parser/wireshark_samples-test.pcapng",
        "pcapng",
        40,
    ),
    (
        "corpus:zeek/http/1000-requests-one-dropped-response.pcap.gz",
        "pcapng",
        1,
    ),
];

#[test]
fn split_sessions_equal_tshark_stream_filters() {
    if !tshark("split_sessions_equal_tshark_stream_filters") {
        return;
    }
    let mut g = Golden::new("cuts");
    let dir = scratch("split");
    // (entry, capture, -F, session file, its filter)
    let mut jobs: Vec<(String, PathBuf, &str, PathBuf, String)> = Vec::new();
    for (n, &(entry, format, every)) in SPLITS.iter().enumerate() {
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let out_dir = dir.join(n.to_string());
        let out = wirelens(os![
            "split",
            path.as_os_str(),
            "-o",
            out_dir.as_os_str(),
            "-F",
            format
        ]);
        if !out.status.success() {
            g.fail(format!(
                "{entry}: wirelens split exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let parts = lines(&out);
        if parts.is_empty() {
            g.fail(format!("{entry}: no session files"));
        }
        for (k, p) in parts.iter().enumerate() {
            let file = out_dir.join(&p.name);
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if size != p.bytes {
                g.fail(format!(
                    "{entry}: {} has {size} bytes, said {}",
                    p.name, p.bytes
                ));
            }
            if k % every == 0 {
                jobs.push((
                    entry.to_owned(),
                    path.clone(),
                    format,
                    file,
                    p.filter.clone(),
                ));
            }
        }
        g.count("session files", parts.len() as u64);
    }
    let results = parallel(&jobs, |(entry, capture, format, ours, filter)| {
        let theirs = ours.with_extension("tshark");
        let r = tshark_w(capture, filter, format, &theirs).and_then(|_| {
            let want = packets(&theirs)?;
            let got = packets(ours)?;
            same_packets(&want, &got).map(|_| want.len() as u64)
        });
        let _ = std::fs::remove_file(&theirs);
        (entry.clone(), filter.clone(), r)
    });
    for (entry, filter, r) in results {
        g.count("sessions compared with tshark -w", 1);
        match r {
            Ok(n) => g.count("packets", n),
            Err(e) => {
                g.differs(&entry, &filter, "packets", e);
            }
        }
    }
    // tshark reads what we write: one file of each capture.
    for (entry, _, _, ours, _) in jobs.iter().filter(|j| j.4.ends_with("== 0")) {
        let o = Command::new("tshark")
            .args(["-n", "-r"])
            .arg(ours)
            .output()
            .expect("tshark");
        let stderr = String::from_utf8_lossy(&o.stderr);
        if !o.status.success() || stderr.lines().any(|l| !l.starts_with("Running as user")) {
            g.fail(format!("{entry}: tshark -r {}: {stderr}", ours.display()));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

/// Over every capture of the corpus tshark reads: each frame goes to the session files
/// of the streams tshark gives it (`tcp.stream`, `udp.stream`), and to no other.
#[test]
fn split_streams_equal_tshark_over_the_corpus() {
    let what = "split_streams_equal_tshark_over_the_corpus";
    if need_corpus(what).is_none() {
        return;
    }
    if !tshark(what) {
        return;
    }
    use wirelens_core::query::cuts::split::{Split, SplitBy};
    use wirelens_core::query::export::OutputFormat;
    let mut g = Golden::new("cuts/corpus");
    let col = |name: &str| {
        2 + crate::dissect_golden::CORPUS_FIELDS
            .iter()
            .position(|f| *f == name)
            .expect("a corpus field")
    };
    let (tcp_col, udp_col) = (col("tcp.stream"), col("udp.stream"));
    let protocols = col("frame.protocols");
    for run in crate::corpus::tshark_runs() {
        // Link types our dissector reads (others have no sessions here).
        let dissected = !run.linktypes.is_empty()
            && run.linktypes.split(';').all(|l| {
                crate::dissect_golden::DISSECTED.contains(&l.split(':').next().unwrap_or(""))
            });
        if !dissected || !run.success || run.error.is_some() || run.rows.is_empty() {
            continue;
        }
        let entry = format!("corpus:{}", run.rel);
        let Some(path) = g.capture(&entry) else {
            continue;
        };
        let bytes = std::fs::read(&path).expect("read capture");
        let cap: Capture = ingest_bytes(&run.rel, &bytes);
        if cap.packets.len() != run.rows.len() {
            // packets_equal_tshark_on_every_readable_capture says why.
            continue;
        }
        let split = Split::new(
            &cap,
            SplitBy::Session,
            None,
            OutputFormat::PcapNg { big_endian: false },
        )
        .expect("plan a split");
        let streams_of = |cell: &str| -> Vec<u32> {
            cell.split(',')
                .filter(|s| !s.is_empty())
                .filter_map(|s| s.parse().ok())
                .collect()
        };
        for (i, row) in run.rows.iter().enumerate() {
            let mut want: BTreeSet<String> = BTreeSet::new();
            want.extend(
                streams_of(&row[tcp_col])
                    .iter()
                    .map(|n| format!("tcp.stream == {n}")),
            );
            want.extend(
                streams_of(&row[udp_col])
                    .iter()
                    .map(|n| format!("udp.stream == {n}")),
            );
            let got: BTreeSet<String> = split
                .parts_of(i)
                .filter_map(|p| split.parts()[p].filter.clone())
                .collect();
            g.count("frames", 1);
            if want != got {
                // tshark gives an ICMP error the stream of the packet it quotes.
                let icmp_error = got.is_empty()
                    && row[protocols]
                        .split(':')
                        .any(|p| p == "icmp" || p == "icmpv6");
                let field = if icmp_error {
                    "session file (ICMP error)"
                } else {
                    "session file"
                };
                g.differs(
                    &entry,
                    i + 1,
                    field,
                    format!("tshark {want:?}, ours {got:?}"),
                );
            }
        }
        g.count("session files", split.parts().len() as u64);
    }
    g.finish();
}

/// (capture, filter, --from, --to): the extract equals `tshark -Y` with the range as a
/// filter.
const EXTRACTS: &[(&str, &str, &str, &str)] = &[
    ("tests/data/servers/http.pcap", "http", "", ""),
    ("tests/data/servers/memcached.pcap", "", "0.05", "0.2"),
    ("tests/data/servers/dns.pcap", "udp", "0.001", ""),
    ("static/sample.pcapng", "tcp", "", "1.5"),
    (
        "corpus:PcapPlusPlus/pcap/650HttpResponses.pcap",
        "tcp.len > 1000",
        "10",
        "100",
    ),
];

#[test]
fn extracts_equal_tshark() {
    if !tshark("extracts_equal_tshark") {
        return;
    }
    let mut g = Golden::new("cuts");
    let dir = scratch("extract");
    for (n, &(entry, filter, from, to)) in EXTRACTS.iter().enumerate() {
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let ours = dir.join(format!("{n}.pcapng"));
        let theirs = dir.join(format!("{n}-tshark.pcapng"));
        let mut args: Vec<&std::ffi::OsStr> = vec!["extract".as_ref(), path.as_os_str()];
        let mut terms = Vec::new();
        if !filter.is_empty() {
            args.extend(os!["-Y", filter]);
            terms.push(format!("({filter})"));
        }
        if !from.is_empty() {
            args.extend(os!["--from", from]);
            terms.push(format!("frame.time_relative >= {from}"));
        }
        if !to.is_empty() {
            args.extend(os!["--to", to]);
            terms.push(format!("frame.time_relative < {to}"));
        }
        args.extend([std::ffi::OsStr::new("-w"), ours.as_os_str()]);
        let o = wirelens(&args);
        if !o.status.success() {
            g.fail(format!(
                "{entry}: extract: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
            continue;
        }
        let filter = terms.join(" && ");
        let r = tshark_w(&path, &filter, "pcapng", &theirs).and_then(|_| {
            let want = packets(&theirs)?;
            same_packets(&want, &packets(&ours)?).map(|_| want.len() as u64)
        });
        match r {
            Ok(0) => g.fail(format!(
                "{entry}: {filter}: no packets: a case that tests nothing"
            )),
            Ok(k) => g.count("packets", k),
            Err(e) => {
                g.differs(entry, &filter, "extract", e);
            }
        }
        g.count("extracts", 1);
    }
    // An absolute time: the same as the relative one it names.
    let path = repo_root().join("tests/data/servers/memcached.pcap");
    let cap = ingest_bytes("m", &std::fs::read(&path).expect("read"));
    let t0 = cap.first_ts_ns() + 50_000_000;
    let secs = t0.div_euclid(1_000_000_000);
    let (y, m, d) = wirelens_core::query::fields::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let abs = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        t0.rem_euclid(1_000_000_000)
    );
    let (a, b) = (dir.join("abs.pcapng"), dir.join("rel.pcapng"));
    let oa = wirelens(os![
        "extract",
        path.as_os_str(),
        "--from",
        &abs,
        "-w",
        a.as_os_str()
    ]);
    let ob = wirelens(os![
        "extract",
        path.as_os_str(),
        "--from",
        "0.05",
        "-w",
        b.as_os_str()
    ]);
    assert!(oa.status.success() && ob.status.success(), "{oa:?} {ob:?}");
    let (pa, pb) = (packets(&a).expect("read"), packets(&b).expect("read"));
    assert!(!pa.is_empty() && pa.len() < cap.packets.len());
    assert_eq!(pa, pb);
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

/// A split into a zip holds the same files as into a directory; splits by host, host
/// pair, port and time hold what their filters (or windows) keep; bisected parts are the
/// sessions in order and equal `tshark -Y` of their filters.
#[test]
fn split_by_host_port_time_zip_and_bisect() {
    if !tshark("split_by_host_port_time_zip_and_bisect") {
        return;
    }
    let mut g = Golden::new("cuts");
    let dir = scratch("by");
    for entry in [
        "tests/data/servers/dns.pcap",
        "corpus:PcapPlusPlus/pcap/example.pcap",
    ] {
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let cap = ingest_bytes("c", &std::fs::read(&path).expect("read"));
        let in_sessions: u64 = cap.conversations.iter().map(|c| c.frames()).sum();
        for by in ["session", "host", "hostpair", "port", "time"] {
            let d = dir.join(by);
            let zip = dir.join(format!("{by}.zip"));
            let mut args: Vec<&std::ffi::OsStr> = os!["split", "--by", by].to_vec();
            args.push(path.as_os_str());
            if by == "time" {
                args.extend(os!["--interval", "0.5"]);
            }
            let mut to_zip = args.clone();
            args.extend([std::ffi::OsStr::new("-o"), d.as_os_str()]);
            to_zip.extend([std::ffi::OsStr::new("-o"), zip.as_os_str()]);
            let (od, oz) = (wirelens(&args), wirelens(&to_zip));
            assert!(
                od.status.success(),
                "{}",
                String::from_utf8_lossy(&od.stderr)
            );
            assert!(
                oz.status.success(),
                "{}",
                String::from_utf8_lossy(&oz.stderr)
            );
            assert_eq!(od.stdout, oz.stdout);
            let parts = lines(&od);
            // The zip's entries, in order, are the directory's files.
            let listing = Command::new("python3")
                .args(["-c", "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist(): print(i.filename, i.file_size, i.CRC)"])
                .arg(&zip)
                .output()
                .expect("python3");
            assert!(
                listing.status.success(),
                "{}",
                String::from_utf8_lossy(&listing.stderr)
            );
            let listed: Vec<String> = String::from_utf8_lossy(&listing.stdout)
                .lines()
                .map(str::to_owned)
                .collect();
            let want: Vec<String> = parts
                .iter()
                .map(|p| {
                    let bytes = std::fs::read(d.join(&p.name)).expect("split file");
                    format!("{} {} {}", p.name, bytes.len(), crc32fast::hash(&bytes))
                })
                .collect();
            assert_eq!(listed, want, "{entry} --by {by}");
            let total: u64 = parts.iter().map(|p| p.packets).sum();
            match by {
                "session" | "hostpair" | "port" => assert_eq!(total, in_sessions, "{entry} {by}"),
                "host" => assert!(total >= in_sessions && total <= 2 * in_sessions),
                _ => assert_eq!(total, cap.packets.len() as u64),
            }
            // Filters: a host's, a pair's, a port's sessions' packets are what tshark keeps.
            for p in parts.iter().filter(|p| !p.filter.is_empty()).take(6) {
                let filter = if by == "host" || by == "hostpair" {
                    format!("({}) && (tcp || udp) && !icmp && !icmpv6", p.filter)
                } else {
                    p.filter.clone()
                };
                let theirs = dir.join("t.pcap");
                let r = tshark_w(&path, &filter, "pcap", &theirs)
                    .and_then(|_| same_packets(&packets(&theirs)?, &packets(&d.join(&p.name))?));
                g.count(&format!("--by {by} files compared with tshark -w"), 1);
                if let Err(e) = r {
                    g.differs(entry, &filter, by, e);
                }
            }
            g.count("zips compared", 1);
        }
        // Bisect: two parts, the first with half the sessions (rounded up), in order.
        let b = dir.join("bisect");
        let o = wirelens(os!["bisect", path.as_os_str(), "-o", b.as_os_str()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let halves = lines(&o);
        assert_eq!(halves.len(), 2.min(cap.conversations.len()), "{halves:?}");
        assert!(halves[0].name.contains("part-1-of-2") && halves[0].name < halves[1].name);
        assert_eq!(halves.iter().map(|h| h.packets).sum::<u64>(), in_sessions);
        for h in &halves {
            let theirs = dir.join("h.pcap");
            let r = tshark_w(&path, &h.filter, "pcap", &theirs)
                .and_then(|_| same_packets(&packets(&theirs)?, &packets(&b.join(&h.name))?));
            g.count("bisected parts compared with tshark -w", 1);
            if let Err(e) = r {
                g.differs(entry, &h.filter, "bisect", e);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch");
    }
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

/// What tshark says of each packet of a session, the same in every copy: direction,
/// TCP flags, relative sequence and acknowledgement numbers, lengths, expert items.
const SIGNATURE: [&str; 10] = [
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "udp.srcport",
    "tcp.flags",
    "tcp.seq",
    "tcp.ack",
    "tcp.len",
    "udp.length",
    "_ws.expert.message",
];

/// Sessions by stream: (tcp or udp, number) → each packet's signature, in order.
fn signatures(path: &Path, extra: &[&str]) -> BTreeMap<(bool, u32), Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(path).args(extra).args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-e",
        "tcp.stream",
        "-e",
        "udp.stream",
    ]);
    for f in SIGNATURE {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut by: BTreeMap<(bool, u32), Vec<Vec<String>>> = BTreeMap::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let c: Vec<String> = l.split('\t').map(str::to_owned).collect();
        let key = match (c[0].parse::<u32>(), c[1].parse::<u32>()) {
            (Ok(t), _) => (false, t),
            (_, Ok(u)) => (true, u),
            _ => continue,
        };
        by.entry(key).or_default().push(c[2..].to_vec());
    }
    by.into_iter()
        .map(|(k, rows)| {
            // Direction: whether the packet comes from the first packet's sender.
            let first = rows[0][..4].to_vec();
            let sig = rows
                .iter()
                .map(|r| format!("{}|{}", r[..4] == first[..], r[4..].join("|")))
                .collect();
            (k, sig)
        })
        .collect()
}

/// The checksums tshark finds bad, with validation on.
fn bad_checksums(path: &Path) -> usize {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args([
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-Y",
            "tcp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\"",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Checks an intensified file against its original: N copies of each session, each
/// with its original's signature, and no bad checksum. Returns the sessions compared.
fn check_copies(
    g: &mut Golden,
    entry: &str,
    original: &BTreeMap<(bool, u32), Vec<String>>,
    out: &Path,
    copies: usize,
    what: &str,
) -> u64 {
    let got = signatures(out, &[]);
    let mut want: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for sig in original.values() {
        *want.entry(sig.clone()).or_default() += copies;
    }
    let mut have: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for sig in got.values() {
        *have.entry(sig.clone()).or_default() += 1;
    }
    if got.len() != copies * original.len() {
        g.differs(
            entry,
            "*",
            what,
            format!("{} sessions, want {copies} × {}", got.len(), original.len()),
        );
    }
    for (sig, n) in &want {
        let h = have.get(sig).copied().unwrap_or(0);
        if h != *n {
            g.differs(
                entry,
                "*",
                what,
                format!(
                    "a session of {} packets (first {:?}) is there {h} times, want {n}",
                    sig.len(),
                    sig.first()
                ),
            );
        }
    }
    let bad = bad_checksums(out);
    if bad > 0 {
        g.differs(
            entry,
            "*",
            &format!("{what} checksums"),
            format!("{bad} packets with a bad checksum"),
        );
    }
    got.len() as u64
}

/// (capture, -n, --speedup, extra options).
const INTENSIFY: &[(&str, &str, &str, &[&str])] = &[
    ("tests/data/servers/http.pcap", "4", "3", &[]),
    (
        "tests/data/servers/memcached.pcap",
        "3",
        "1",
        &["--keep-addresses"],
    ),
    (
        "tests/data/servers/redis.pcap",
        "5",
        "10",
        &["--spread", "0.01"],
    ),
    ("tests/data/servers/mariadb.pcap", "2", "2", &[]),
    ("tests/data/servers/dns.pcap", "3", "2", &[]),
    ("tests/data/four_ipv6_http_streams.pcap", "3", "2", &[]),
    (
        "corpus:PcapPlusPlus/pcap/650HttpResponses.pcap",
        "3",
        "4",
        &[],
    ),
    (
        "corpus:zeek/http/1000-requests-one-dropped-response.pcap.gz",
        "2",
        "2",
        &[],
    ),
    (
        "corpus:tcpdump/resp_3_malicious.pcap",
        "2",
        "1",
        &["--keep-addresses"],
    ),
];

#[test]
fn intensified_files_hold_n_valid_copies_of_each_session() {
    if !tshark("intensified_files_hold_n_valid_copies_of_each_session") {
        return;
    }
    let mut g = Golden::new("cuts");
    let dir = scratch("intensify");
    for (n, &(entry, copies, speedup, extra)) in INTENSIFY.iter().enumerate() {
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let out = dir.join(format!("{n}.pcap"));
        let mut args: Vec<&std::ffi::OsStr> =
            os!["intensify", "-n", copies, "--speedup", speedup].to_vec();
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        args.extend([path.as_os_str(), "-w".as_ref(), out.as_os_str()]);
        let o = wirelens(&args);
        if !o.status.success() {
            g.fail(format!(
                "{entry}: intensify: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
            continue;
        }
        let original = signatures(&path, &[]);
        let k: usize = copies.parse().expect("copies");
        let sessions = check_copies(&mut g, entry, &original, &out, k, "copies");
        g.count("intensified sessions", sessions);
        g.count("original sessions", original.len() as u64);
    }
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

/// Two network namespaces joined by a veth pair; dropping it deletes them.
struct NetnsPair {
    names: [String; 2],
    ifs: [String; 2],
}

impl NetnsPair {
    fn create() -> Result<NetnsPair, String> {
        let id = std::process::id();
        let p = NetnsPair {
            names: [format!("wl-cut-a-{id}"), format!("wl-cut-b-{id}")],
            ifs: [
                format!("wlcuta{}", id % 100_000),
                format!("wlcutb{}", id % 100_000),
            ],
        };
        let ip = |args: &[&str]| -> Result<(), String> {
            let o = Command::new("ip")
                .args(args)
                .output()
                .map_err(|e| format!("ip: {e}"))?;
            if o.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "ip {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&o.stderr).trim()
                ))
            }
        };
        for n in &p.names {
            ip(&["netns", "add", n])?;
        }
        ip(&[
            "link",
            "add",
            &p.ifs[0],
            "netns",
            &p.names[0],
            "type",
            "veth",
            "peer",
            "name",
            &p.ifs[1],
            "netns",
            &p.names[1],
        ])?;
        for (n, i) in p.names.iter().zip(&p.ifs) {
            // Quiet links: no IPv6 (router solicitations, MLD) and no addresses (ARP), so
            // the far side sees the replayed frames alone; the largest MTU, for
            // loopback captures' 64 KiB frames.
            let sysctl = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    n,
                    "sysctl",
                    "-qw",
                    "net.ipv6.conf.all.disable_ipv6=1",
                ])
                .status()
                .map_err(|e| e.to_string())?;
            if !sysctl.success() {
                return Err(format!("sysctl in {n}"));
            }
            ip(&["-n", n, "link", "set", i, "mtu", "65535"])?;
            ip(&["-n", n, "link", "set", i, "up"])?;
        }
        Ok(p)
    }
}

impl Drop for NetnsPair {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = Command::new("ip")
                .args(["netns", "del", n])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// An intensified file replayed by tcpreplay from one namespace reaches the other whole:
/// every packet, and the same conversations (the copies' signatures).
#[test]
fn intensified_file_replays_across_a_veth_pair() {
    let what = "intensified_file_replays_across_a_veth_pair";
    if !can_capture(what) || !tshark(what) {
        return;
    }
    for cmd in ["tcpreplay", "tcpdump", "ip"] {
        assert!(
            have(cmd),
            "{what}: {cmd} is not installed (`cargo xtask setup` installs it)"
        );
    }
    let mut g = Golden::new("cuts");
    let dir = scratch("replay");
    let pair = NetnsPair::create()
        .unwrap_or_else(|e| panic!("cannot make the namespaces (root can): {e}"));
    for (n, entry) in [
        "tests/data/servers/http.pcap",
        "tests/data/servers/memcached.pcap",
        "corpus:PcapPlusPlus/pcap/650HttpResponses.pcap",
    ]
    .iter()
    .enumerate()
    {
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let out = dir.join(format!("{n}.pcap"));
        let o = wirelens(os![
            "intensify",
            path.as_os_str(),
            "-n",
            "3",
            "--speedup",
            "20",
            "-w",
            out.as_os_str()
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let sent = packets(&out).expect("read the intensified file");
        let received = dir.join(format!("{n}-received.pcap"));
        // The far side: tcpdump, until it has said it listens (a 64 MiB buffer: on a
        // loaded machine its default 2 MiB filled while tcpreplay sent, and the kernel
        // dropped frames).
        let mut dump = Command::new("ip")
            .args([
                "netns",
                "exec",
                &pair.names[1],
                "tcpdump",
                "-n",
                "-U",
                "-B",
                "65536",
                "-s",
                "0",
                "-i",
                &pair.ifs[1],
                "-w",
            ])
            .arg(&received)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tcpdump");
        let mut err = dump.stderr.take().expect("tcpdump stderr");
        let mut said = Vec::new();
        {
            use std::io::Read;
            let mut byte = [0u8; 1];
            while !String::from_utf8_lossy(&said).contains("listening on") {
                match err.read(&mut byte) {
                    Ok(1) => said.push(byte[0]),
                    _ => panic!("tcpdump stopped: {}", String::from_utf8_lossy(&said)),
                }
            }
        }
        let replay = Command::new("ip")
            .args([
                "netns",
                "exec",
                &pair.names[0],
                "tcpreplay",
                "-q",
                "-i",
                &pair.ifs[0],
            ])
            .arg(&out)
            .output()
            .expect("run tcpreplay");
        assert!(
            replay.status.success(),
            "tcpreplay: {}",
            String::from_utf8_lossy(&replay.stderr)
        );
        // Let the last frames arrive, then stop tcpdump (SIGINT: it writes out and exits).
        let want = sent.len();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if packets(&received).map(|p| p.len()).unwrap_or(0) >= want {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let _ = Command::new("kill")
            .args(["-INT", &dump.id().to_string()])
            .status();
        let status = dump.wait().expect("tcpdump");
        assert!(
            status.success() || status.code() == Some(0) || status.code().is_none(),
            "tcpdump: {status}"
        );
        let got = packets(&received).expect("read the far side's capture");
        g.count("packets replayed", want as u64);
        g.count("packets received", got.len() as u64);
        // Every frame, byte for byte, in order.
        let bytes = |p: &[Packet]| p.iter().map(|x| x.3.clone()).collect::<Vec<_>>();
        if bytes(&got) != bytes(&sent) {
            g.differs(
                entry,
                "*",
                "replay",
                format!("sent {} frames, received {}", sent.len(), got.len()),
            );
        }
        let original = signatures(&out, &[]);
        let sessions = check_copies(&mut g, entry, &original, &received, 1, "received");
        g.count("sessions received", sessions);
    }
    drop(pair);
    let _ = std::fs::remove_dir_all(&dir);
    report("cuts: replayed across a veth pair between two network namespaces");
    g.finish();
}

/// `split --trex`: a TRex stateful profile with a template per session file.
#[test]
fn split_writes_a_trex_profile_of_its_sessions() {
    let dir = scratch("trex");
    let path = repo_root().join("tests/data/servers/http.pcap");
    let d = dir.join("s");
    let profile = dir.join("profile.yaml");
    let o = wirelens(os![
        "split",
        path.as_os_str(),
        "-o",
        d.as_os_str(),
        "--trex",
        profile.as_os_str()
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let parts = lines(&o);
    let yaml = std::fs::read_to_string(&profile).expect("profile");
    assert!(
        yaml.contains("- duration : ") && yaml.contains("  cap_ipg    : true\n  cap_info :\n"),
        "{yaml}"
    );
    let names: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- name: "))
        .map(|n| n.trim_matches('"'))
        .collect();
    assert_eq!(names.len(), parts.len());
    for (n, p) in names.iter().zip(&parts) {
        assert!(n.ends_with(&p.name) && Path::new(n).exists(), "{n}");
    }
    let cps: Vec<f64> = yaml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("cps : "))
        .map(|c| c.parse().expect("cps"))
        .collect();
    assert!(
        cps.len() == parts.len() && cps.iter().all(|&c| c > 0.0),
        "{yaml}"
    );
    // Not for other splits, nor pcapng (TRex reads pcap).
    let o = wirelens(os![
        "split",
        path.as_os_str(),
        "--by",
        "host",
        "-o",
        d.as_os_str(),
        "--trex",
        profile.as_os_str()
    ]);
    assert!(!o.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
