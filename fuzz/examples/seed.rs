//! Seeds for the application-parser fuzz targets: real conversations, followed and cut
//! into the targets' piece format (fuzz/common/pieces.rs). fuzz/seed.sh runs it:
//!
//! `cargo run --example seed -- REPO CORPUS_DIR`
//!
//! Each capture below that is present (the third-party corpus in `../shared/corpus` may
//! be absent) is read through the ingest, with its server port decoded as the target's
//! protocol; each conversation the protocol's parser took (the first 20) is followed as
//! tshark follows it, and its first pieces become one seed, client and server bytes told
//! apart as the parser told them, bytes missing in the capture as gaps. Seeds are named
//! after the capture's path and the stream (`zeek__redis__pubsub.pcap-tcp3`), so running
//! again rewrites them.

#[path = "../common/pieces.rs"]
mod pieces;

use pieces::{encode_data, encode_gap, Format};
use std::path::Path;
use std::process::ExitCode;
use wirelens_core::capture::app::AppProto;
use wirelens_core::capture::flow::{Direction, L4};
use wirelens_core::capture::Capture;
use wirelens_core::ingest::Ingest;
use wirelens_core::query::follow::follow;

/// A fuzz target's protocol and the piece format it reads.
fn target(name: &str) -> (AppProto, Format) {
    match name {
        "memcache" => (AppProto::Memcache, Format::Plain),
        "redis" => (AppProto::Redis, Format::Plain),
        "mysql" => (AppProto::Mysql, Format::Plain),
        "http" => (AppProto::Http, Format::Fin),
        "dns" => (AppProto::Dns, Format::Fin),
        "tls" | "tls_decrypt" => (AppProto::Tls, Format::Fin),
        "http2" => (AppProto::Http2, Format::Fin),
        "pgsql" => (AppProto::Pgsql, Format::Plain),
        other => panic!("no fuzz target {other}"),
    }
}

/// Captures (under the repository, or `corpus:` under ../shared/corpus) and the port the
/// target's server listens on, where no well-known port or signature says it.
const CAPTURES: [(&str, &str, Option<u16>); 33] = [
    ("memcache", "tests/data/servers/memcached.pcap", None),
    (
        "memcache",
        "corpus:deepflow/memcached/memcached.pcap",
        Some(11211),
    ),
    (
        "memcache",
        "corpus:deepflow/memcached/memcached-userdata.pcap",
        Some(11211),
    ),
    ("redis", "tests/data/servers/redis.pcap", None),
    ("redis", "corpus:zeek/redis/pubsub.pcap", Some(6379)),
    ("redis", "corpus:zeek/redis/attr.pcap", Some(6379)),
    ("redis", "corpus:tcpdump/resp_3_malicious.pcap", Some(6379)),
    (
        "redis",
        "corpus:zeek/redis/django-cloud.pcapng",
        Some(10625),
    ),
    ("mysql", "tests/data/servers/mariadb.pcap", None),
    (
        "mysql",
        "corpus:zeek/mysql/many-query-attrs.pcap",
        Some(3306),
    ),
    ("mysql", "corpus:zeek/mysql/auth.pcap", Some(3306)),
    (
        "mysql",
        "corpus:deepflow/mysql/mysql-statement.pcap",
        Some(30130),
    ),
    (
        "mysql",
        "corpus:deepflow/mysql/partial-packet-compressed.pcap",
        Some(30130),
    ),
    ("mysql", "corpus:zeek/mysql/encrypted.pcap", Some(3306)),
    ("http", "tests/data/servers/http.pcap", None),
    ("http", "corpus:zeek/http/pipelined-requests.pcap", None),
    ("http", "corpus:zeek/http/entity_gap.pcap", None),
    (
        "http",
        "corpus:PcapPlusPlus/pcap/three_http_streams.pcap",
        None,
    ),
    ("http", "corpus:zeek/http/connect-with-header.pcap", None),
    ("dns", "tests/data/servers/dns.pcap", None),
    ("dns", "corpus:deepflow/dns/dns-tcp-multi.pcap", None),
    ("dns", "corpus:zeek/dns/dns-corrupt.pcap", None),
    ("tls", "corpus:PcapPlusPlus/examples/tls.pcap", None),
    ("tls", "corpus:zeek/tls/tls13_wolfssl.pcap", None),
    // With the secrets the target has (tests/data/servers/*.keylog).
    ("tls_decrypt", "tests/data/servers/tls.pcap", Some(28443)),
    ("tls_decrypt", "tests/data/servers/tls-kv.pcap", None),
    ("tls_decrypt", "tests/data/servers/http2.pcap", Some(28443)),
    ("http2", "tests/data/servers/grpc.pcap", Some(25051)),
    ("http2", "tests/data/servers/http2.pcap", Some(28082)),
    ("http2", "corpus:deepflow/http/h2c_ascii.pcap", None),
    ("pgsql", "tests/data/servers/pgsql.pcap", Some(25432)),
    // With the secrets the target has (its key log).
    ("pgsql", "tests/data/servers/pgsql-tls.pcap", Some(25433)),
    ("pgsql", "corpus:PcapPlusPlus/packet/postgres.pcapng", None),
];

/// Conversations seeded per capture, pieces per seed, and bytes kept of each piece.
const CONVERSATIONS: usize = 20;
const PIECES: usize = 16;
const PIECE_BYTES: usize = 4096;
/// The chunk size (less one) of the targets' second run.
const CHUNK: u8 = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, repo, out] = &args[..] else {
        eprintln!("usage: seed REPO CORPUS_DIR");
        return ExitCode::from(2);
    };
    let (repo, out) = (Path::new(repo), Path::new(out));
    let mut absent = 0;
    for (name, file, port) in CAPTURES {
        let path = match file.strip_prefix("corpus:") {
            Some(rest) => repo.join("../shared/corpus").join(rest),
            None => repo.join(file),
        };
        let Ok(bytes) = std::fs::read(&path) else {
            absent += 1;
            continue;
        };
        let dir = out.join(name);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("{}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        let seeds = seeds(name, file, &bytes, port);
        for (seed_name, seed) in &seeds {
            if let Err(e) = std::fs::write(dir.join(seed_name), seed) {
                eprintln!("{}: {e}", dir.join(seed_name).display());
                return ExitCode::FAILURE;
            }
        }
        println!("{name}: {} seeds from {}", seeds.len(), path.display());
    }
    if absent > 0 {
        println!("{absent} captures absent (the corpus in ../shared/corpus?)");
    }
    ExitCode::SUCCESS
}

/// The seeds of one capture: (file name, input).
fn seeds(target: &str, file: &str, bytes: &[u8], port: Option<u16>) -> Vec<(String, Vec<u8>)> {
    let (proto, _) = self::target(target);
    let name = file
        .strip_prefix("corpus:")
        .unwrap_or(file)
        .replace('/', "__");
    let mut ingest = Ingest::new();
    if let Some(port) = port {
        ingest.decode_as(L4::Tcp, port, Some(proto));
    }
    ingest.begin_file(&name);
    ingest.feed(bytes);
    let capture = ingest.finish();
    let mut seeds = Vec::new();
    for (i, c) in capture.conversations.iter().enumerate() {
        if seeds.len() == CONVERSATIONS {
            break;
        }
        if capture.app_protos.get(i).copied().flatten() != Some(proto) {
            continue;
        }
        let Some(seed) = seed(target, &capture, bytes, i) else {
            continue;
        };
        seeds.push((format!("{name}-{}{}", c.proto.name(), c.stream), seed));
    }
    seeds
}

/// One conversation's seed: its first pieces, as the parser saw its sides.
fn seed(target: &str, capture: &Capture, bytes: &[u8], conv: usize) -> Option<Vec<u8>> {
    let (_, format) = self::target(target);
    let c = &capture.conversations[conv];
    let f = follow(capture, c.proto, c.stream, &mut |i, buf| {
        let row = &capture.packets.at(i as usize);
        let start = row.offset as usize;
        match bytes.get(start..start + row.caplen as usize) {
            Some(b) => {
                buf.extend_from_slice(b);
                true
            }
            None => false,
        }
    })?;
    // The follow's node 0 sent the first packet; the parser knows which side asks.
    let node0_is_a = f.node0 == (c.a, c.port_a);
    let client = capture.app_clients.get(conv).copied().flatten();
    let from_client = |from_server: bool| {
        let from_a = node0_is_a != from_server;
        match client {
            Some(Direction::AToB) => from_a,
            Some(Direction::BToA) => !from_a,
            None => !from_server,
        }
    };
    let mut seed = Vec::new();
    if target == "dns" {
        seed.push(u8::from(c.proto == L4::Tcp));
    }
    for r in f.records.iter().take(PIECES) {
        match r.missing {
            Some(len) => encode_gap(&mut seed, from_client(r.from_server), len),
            None => encode_data(
                &mut seed,
                format,
                from_client(r.from_server),
                &r.bytes[..r.bytes.len().min(PIECE_BYTES)],
                CHUNK,
                false,
            ),
        }
    }
    Some(seed)
}
