//! `wirelens list FILE [-Y FILTER] -w OUT [-F FORMAT]` against `tshark -r FILE [-Y
//! FILTER] -w OUT [-F FORMAT]`, packet by packet: the same packets, with the same bytes,
//! lengths, timestamps, interfaces and comments, in pcapng, pcap and nsecpcap, from pcap,
//! pcapng (several interfaces and resolutions, big-endian, several sections) and
//! compressed captures. Both files are read back twice: by tshark (`-T fields`) and by our
//! core (the bytes). Differences explained in tests/golden/export/KNOWN_DIFFERENCES.

use std::path::Path;
use std::process::Command;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::ingest_bytes;
use wirelens_tests::harness::tshark;
use wirelens_tests::{bin, Golden};

/// (capture, display filter, -F).
const CASES: &[(&str, &str, &str)] = &[
    ("tests/data/servers/http.pcap", "http", "pcapng"),
    ("tests/data/servers/http.pcap", "http", "pcap"),
    ("tests/data/servers/memcached.pcap", "tcp.len > 0", "pcapng"),
    ("tests/data/nanosecs_big_endian.pcap", "", "pcapng"),
    ("tests/data/nanosecs_big_endian.pcap", "", "nsecpcap"),
    ("static/sample.pcapng", "tcp", "pcapng"),
    ("static/sample.pcapng", "", "pcap"),
    (
        "corpus:PcapPlusPlus/packet/IcmpPackets.pcap",
        "icmp",
        "pcapng",
    ),
    (
        "corpus:PcapPlusPlus/packet/dns_over_tcp.pcapng",
        "dns",
        "pcapng",
    ),
    ("corpus:zeek/pcapng-multi-interface.pcapng", "", "pcapng"),
    (
        "corpus:PcapPlusPlus/pcap/too_many_interfaces.pcapng",
        "",
        "pcapng",
    ),
    (
        "corpus:wiregasm/http2-16-ssl.pcapng",
        "tcp.len > 0",
        "pcapng",
    ),
    ("corpus:zeek/redis/start-with-server.pcapng", "", "pcapng"),
    (
        "corpus:pcapng-test-generator/be/test101.pcapng",
        "",
        "pcapng",
    ),
    (
        "corpus:zeek/http/1000-requests-one-dropped-response.pcap.gz",
        "tcp.flags.syn == 1",
        "pcapng",
    ),
    (
        "corpus:zeek/portmapper-many-unanswered-calls.pcapng.gz",
        "udp",
        "pcap",
    ),
];

/// What tshark reads of each frame of a file.
const FIELDS: [&str; 7] = [
    "frame.time_epoch",
    "frame.len",
    "frame.cap_len",
    "frame.interface_id",
    "frame.interface_name",
    "frame.comment",
    "frame.protocols",
];

fn tshark_fields(path: &Path) -> Result<Vec<String>, String> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(path).args(["-T", "fields"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let complaints: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("Running as user"))
        .collect();
    if !out.status.success() || !complaints.is_empty() {
        return Err(format!("tshark -r {}: {stderr}", path.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// A packet as our core reads it: time, length on the wire, link type, bytes.
type Packet = (i64, u32, u16, Vec<u8>);

/// Each packet of a file as our core reads it.
fn packets(path: &Path) -> (Capture, Vec<Packet>) {
    let bytes = std::fs::read(path).expect("read the written file");
    let cap = ingest_bytes(&path.display().to_string(), &bytes);
    let rows = cap
        .packets
        .iter()
        .map(|p| {
            let data = &bytes[p.offset as usize..p.offset as usize + p.caplen as usize];
            (p.ts_ns, p.len, cap.linktype_of(&p), data.to_vec())
        })
        .collect();
    (cap, rows)
}

#[test]
fn list_w_writes_the_packets_tshark_writes() {
    if !tshark("list_w_writes_the_packets_tshark_writes") {
        return;
    }
    let mut g = Golden::new("export");
    let dir = std::env::temp_dir().join(format!("wirelens-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for (n, &(entry, filter, format)) in CASES.iter().enumerate() {
        let Some(path) = g.capture(entry) else {
            continue;
        };
        let case = format!("-Y {filter:?} -F {format}");
        let (theirs, ours) = (
            dir.join(format!("{n}-tshark.{format}")),
            dir.join(format!("{n}-wirelens.{format}")),
        );
        let mut t = Command::new("tshark");
        t.args(["-n", "-r"]).arg(&path);
        let mut w = Command::new(bin("wirelens"));
        w.arg("list").arg(&path);
        if !filter.is_empty() {
            t.args(["-Y", filter]);
            w.args(["-Y", filter]);
        }
        let t = t
            .args(["-F", format, "-w"])
            .arg(&theirs)
            .output()
            .expect("tshark");
        assert!(
            t.status.success(),
            "tshark -w: {}",
            String::from_utf8_lossy(&t.stderr)
        );
        let w = w
            .args(["-F", format, "-w"])
            .arg(&ours)
            .output()
            .expect("wirelens");
        if !w.status.success() || !w.stdout.is_empty() {
            g.fail(format!(
                "{entry} {case}: wirelens exited with {} and printed {:?}; stderr: {}",
                w.status,
                String::from_utf8_lossy(&w.stdout),
                String::from_utf8_lossy(&w.stderr)
            ));
            continue;
        }
        // tshark's reading of both files, frame by frame.
        let (want, got) = match (tshark_fields(&theirs), tshark_fields(&ours)) {
            (Ok(w), Ok(g)) => (w, g),
            (Err(e), _) | (_, Err(e)) => {
                g.fail(format!("{entry} {case}: {e}"));
                continue;
            }
        };
        g.count("packets", want.len() as u64);
        if want.len() != got.len() {
            g.differs(
                entry,
                "*",
                "packets",
                format!(
                    "{case}: tshark wrote {} packets, we {}",
                    want.len(),
                    got.len()
                ),
            );
        }
        for (i, (w, o)) in want.iter().zip(&got).enumerate() {
            g.count("fields", FIELDS.len() as u64);
            for (f, (a, b)) in FIELDS.iter().zip(w.split('\t').zip(o.split('\t'))) {
                if a != b {
                    g.differs(entry, i + 1, f, format!("{case}: tshark {a:?}, ours {b:?}"));
                }
            }
        }
        // Our reading of both files: the bytes too.
        let ((tcap, want), (ocap, got)) = (packets(&theirs), packets(&ours));
        if !(tcap.errors.is_empty() && ocap.errors.is_empty()) {
            g.fail(format!(
                "{entry} {case}: {:?} {:?}",
                tcap.errors, ocap.errors
            ));
        }
        for (i, (w, o)) in want.iter().zip(&got).enumerate() {
            g.count("packet bytes", w.3.len() as u64);
            if w != o {
                g.differs(
                    entry,
                    i + 1,
                    "bytes",
                    format!(
                        "{case}: tshark (ts, len, linktype) {:?} {} bytes, ours {:?} {} bytes",
                        (w.0, w.1, w.2),
                        w.3.len(),
                        (o.0, o.1, o.2),
                        o.3.len()
                    ),
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    g.finish();
}

/// A pcap file holds one link type: exporting packets of several is an error that says
/// so, and `-w -` writes to stdout.
#[test]
fn list_w_refuses_pcap_for_several_link_types_and_writes_stdout() {
    let Some(corpus) = wirelens_tests::harness::need_corpus(
        "list_w_refuses_pcap_for_several_link_types_and_writes_stdout",
    ) else {
        return;
    };
    let mixed = corpus.join("zeek/ldap/modify-request.pcapng");
    let out = Command::new(bin("wirelens"))
        .arg("list")
        .arg(&mixed)
        .args(["-F", "pcap", "-w", "-"])
        .output()
        .expect("run wirelens");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a pcap file holds one link type"), "{err}");

    let path = wirelens_tests::repo_root().join("tests/data/servers/http.pcap");
    let out = Command::new(bin("wirelens"))
        .arg("list")
        .arg(&path)
        .args(["-Y", "http.request", "-w", "-"])
        .output()
        .expect("run wirelens");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cap = ingest_bytes("stdout", &out.stdout);
    assert!(cap.errors.is_empty(), "{:?}", cap.errors);
    let all = ingest_bytes("http.pcap", &std::fs::read(&path).expect("read"));
    assert!(!cap.packets.is_empty() && cap.packets.len() < all.packets.len());
}
