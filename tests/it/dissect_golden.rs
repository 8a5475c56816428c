//! Per-frame dissection against tshark (tests/golden/dissect, made by
//! tests/scripts/make-dissect-golden.py): the protocol stack up to the transport layer,
//! addresses, IP and fragment fields, VLAN ids, ARP, TCP/UDP/ICMP fields and the
//! `tcp.stream` / `udp.stream` numbers, frame by frame, through a stateful
//! `wire::Dissector` (so reassembled datagrams are compared too).
//!
//! `dissect_corpus_equals_tshark` compares the same way, fewer fields, every frame of
//! every capture of the corpus with a link type we dissect, against tshark run live
//! (once for this and the corpus tests, see [`crate::corpus::tshark_runs`]).
//!
//! Known differences: tests/golden/dissect/KNOWN_DIFFERENCES (the goldens) and
//! tests/golden/dissect/corpus/KNOWN_DIFFERENCES (the corpus), in the harness's format.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::NO_FLOW;
use wirelens_core::ingest::ingest_bytes;
use wirelens_core::ingest::wire::{self, Frag, Net, Proto, Summary, Transport};
use wirelens_tests::harness::{self, need_corpus};
use wirelens_tests::Golden;

/// Our dissection of every frame: field name → value formatted as tshark prints it.
fn ours(path: &Path) -> Vec<HashMap<&'static str, String>> {
    let bytes = std::fs::read(path).expect("read capture");
    let cap = ingest_bytes(&path.display().to_string(), &bytes);
    let mut d = wire::Dissector::new();
    let mut frames = Vec::with_capacity(cap.packets.len());
    for (i, row) in cap.packets.iter().enumerate() {
        let lt = cap.linktype_of(&row);
        let start = row.offset as usize;
        let data = &bytes[start..start + row.caplen as usize];
        let s = d.dissect_frame(lt, data, row.len as usize, row.ts_ns);
        // A tunnel's outer UDP datagram first, as tshark lists the streams.
        let streams: Vec<(L4, u32)> = cap
            .outer_flow(i)
            .into_iter()
            .chain((row.flow != NO_FLOW).then_some(row.flow))
            .map(|f| {
                let c = &cap.conversations[f as usize];
                (c.proto, c.stream)
            })
            .collect();
        frames.push(fields(&s, d.tunnel(), &streams));
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

fn fields(
    s: &Summary,
    tunnel: Option<wire::Tunnel>,
    streams: &[(L4, u32)],
) -> HashMap<&'static str, String> {
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
    let quoted = s.icmp.and_then(|i| i.quoted().copied());
    layers.extend(quoted.map(|q| (q.src, q.dst)));
    type Pairs = Vec<(IpAddr, IpAddr)>;
    let (v4, v6): (Pairs, Pairs) = layers.iter().partition(|(a, _)| a.is_ipv4());
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
    // The UDP datagram that carried a tunnel is tshark's first UDP layer.
    if let Some(u) = tunnel.and_then(|t| t.udp) {
        m.insert("udp.srcport", u.src_port.to_string());
        m.insert("udp.dstport", u.dst_port.to_string());
        m.insert("udp.length", (u.payload_len + 8).to_string());
    }
    for &(proto, n) in streams {
        m.entry(if proto == L4::Tcp {
            "tcp.stream"
        } else {
            "udp.stream"
        })
        .or_insert(n.to_string());
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
    let names: Vec<&str> = p.split(':').collect();
    for (i, &name) in names.iter().enumerate() {
        out.push(name);
        // UDP carrying a tunnel goes on into it.
        let tunnel = name == "udp"
            && names
                .get(i + 1)
                .and_then(|n| Proto::from_name(n))
                .is_some_and(Proto::is_udp_tunnel);
        if Proto::from_name(name).is_some_and(Proto::is_leaf) && !tunnel {
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
    skipped_quoted_streams: u64,
    /// Differences per field, known or not.
    per_field: BTreeMap<String, u64>,
}

fn compare(
    g: &mut Golden,
    entry: &str,
    header: &[&str],
    rows: &[Vec<String>],
    ours: &[HashMap<&'static str, String>],
    t: &mut Tally,
) {
    if rows.len() != ours.len() {
        // Frames would be compared out of line.
        g.differs(
            entry,
            "*",
            "frames",
            format!("tshark has {} frames, we have {}", rows.len(), ours.len()),
        );
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
            *t.per_field.entry(field.to_string()).or_default() += 1;
            g.differs(entry, frame, field, format!("tshark {want:?} ours {got:?}"));
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

/// Counts and notes of a whole comparison, into the harness's report.
fn report(g: &mut Golden, t: &Tally) {
    g.count("frames", t.frames);
    g.count("fields", t.cells);
    g.note(format!(
        "{} of {} frames identical to tshark in every compared field; {} of {} fields equal; \
         {} quoted-packet streams not compared",
        t.equal_frames, t.frames, t.equal_cells, t.cells, t.skipped_quoted_streams
    ));
    for (field, n) in &t.per_field {
        g.note(format!("{field}: {n} differences (known or not)"));
    }
}

#[test]
fn dissection_equals_tshark() {
    let mut g = Golden::new("dissect");
    let mut t = Tally::default();
    for golden in g.files("tsv") {
        let (entry, header, rows) =
            read_golden(&std::fs::read_to_string(&golden).expect("read golden"));
        let Some(path) = g.capture(&entry) else {
            continue;
        };
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        compare(&mut g, &entry, &header, &rows, &ours(&path), &mut t);
    }
    report(&mut g, &t);
    g.finish();
}

/// The fields compared over the whole corpus.
pub const CORPUS_FIELDS: [&str; 17] = [
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

/// Link types our dissector reads (wire::Linktype): null, Ethernet, raw IP (12, 101,
/// 228, 229), loopback, Linux SLL and SLL2, Linux ARCNET (129), PKTAP (258, and USER2:
/// 149), Solaris IPNET (226), NFLOG (239), IP over InfiniBand (242), FDDI (10), 802.11
/// (105), with radiotap (127) and PPI (192).
pub const DISSECTED: [&str; 19] = [
    "0", "1", "12", "101", "108", "113", "228", "229", "276", "129", "149", "226", "239", "242",
    "258", "10", "105", "127", "192",
];

/// Every corpus capture with a link type we dissect, against tshark live.
#[test]
fn dissect_corpus_equals_tshark() {
    let what = "dissect_corpus_equals_tshark";
    let Some(corpus) = need_corpus(what) else {
        return;
    };
    if !harness::tshark(what) {
        return;
    }
    let mut g = Golden::new("dissect/corpus");
    let mut t = Tally::default();
    let mut unreadable = Vec::new();
    for run in crate::corpus::tshark_runs() {
        let dissected = !run.linktypes.is_empty()
            && run
                .linktypes
                .split(';')
                .all(|l| DISSECTED.contains(&l.split(':').next().unwrap_or("")));
        let compressed = [".gz", ".zst", ".xz", ".bz2"]
            .iter()
            .any(|e| run.rel.ends_with(e));
        if !dissected || compressed {
            continue;
        }
        let entry = format!("corpus:{}", run.rel);
        if !run.success {
            // tshark stopped with an error: no frames to compare with.
            unreadable.push(entry);
            continue;
        }
        g.capture(&entry);
        let rows: Vec<Vec<String>> = run.rows.iter().map(|r| r[2..].to_vec()).collect();
        compare(
            &mut g,
            &entry,
            &CORPUS_FIELDS,
            &rows,
            &ours(&corpus.join(&run.rel)),
            &mut t,
        );
    }
    report(&mut g, &t);
    g.note(format!(
        "not compared, tshark failed on them: {}",
        unreadable.join(" ")
    ));
    g.finish();
}
