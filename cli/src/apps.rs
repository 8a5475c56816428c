//! What the application-layer commands (`http`, `dns`, `tls`, `memcache`, `redis`,
//! `mysql`, `follow`) share: the input files, `--json`, tshark-style decode-as rules
//! (`-d tcp.port==8081,http`), and how text is printed. Their rows and tables are
//! queries in core (`wirelens_core::query::transactions`).

use anyhow::{bail, Context as _};
use std::borrow::Cow;
use std::io::Read;
use wirelens_core::capture::app::AppProto;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::Ingest;

const CHUNK: usize = 1 << 20;

/// Options every application-layer command takes.
#[derive(clap::Args)]
pub struct Common {
    /// Capture files (pcap, pcapng, compressed); `-` reads stdin. Several files form one
    /// timeline.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Decode a port as a protocol, as tshark's `-d`: `tcp.port==8081,http`,
    /// `udp.port==5300,dns`. Protocols: http, tls, dns, memcache, mysql, resp (redis),
    /// none. May be repeated.
    #[arg(short = 'd', long = "decode-as", value_name = "tcp.port==PORT,PROTO")]
    pub decode_as: Vec<String>,
}

/// A parsed `-d` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeAs {
    pub l4: L4,
    pub port: u16,
    pub proto: Option<AppProto>,
}

/// Parses `tcp.port==21211,memcache` (also `udp.port==…`, and `none`/`data` for no
/// protocol).
pub fn parse_decode_as(rule: &str) -> anyhow::Result<DecodeAs> {
    let Some((sel, proto)) = rule.split_once(',') else {
        bail!("decode-as rule {rule:?}: expected tcp.port==PORT,PROTO");
    };
    let Some((field, port)) = sel.split_once("==") else {
        bail!("decode-as rule {rule:?}: expected tcp.port==PORT,PROTO");
    };
    let l4 = match field.trim() {
        "tcp.port" => L4::Tcp,
        "udp.port" => L4::Udp,
        f => bail!("decode-as rule {rule:?}: only tcp.port and udp.port are supported, not {f}"),
    };
    let port: u16 = port
        .trim()
        .parse()
        .with_context(|| format!("decode-as rule {rule:?}: bad port"))?;
    let proto = match proto.trim() {
        "none" | "data" => None,
        p => Some(AppProto::from_name(p).with_context(|| {
            format!("decode-as rule {rule:?}: unknown protocol {p:?} (http, tls, dns, memcache, mysql, resp, none)")
        })?),
    };
    Ok(DecodeAs { l4, port, proto })
}

/// Reads every file (`-` is stdin) into one capture, merged by time, with the decode-as
/// rules applied.
pub fn read(common: &Common) -> anyhow::Result<Capture> {
    let rules = common
        .decode_as
        .iter()
        .map(|r| parse_decode_as(r))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut ingest = Ingest::new();
    for r in &rules {
        ingest.decode_as(r.l4, r.port, r.proto);
    }
    let mut readers: Vec<Box<dyn Read>> = Vec::with_capacity(common.files.len());
    for path in &common.files {
        let reader: Box<dyn Read> = if path == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?)
        };
        readers.push(reader);
        ingest.add_file(if path == "-" { "<stdin>" } else { path });
    }
    let mut buf = vec![0u8; CHUNK];
    while let Some(file) = ingest.wants() {
        match readers[file].read(&mut buf) {
            Ok(0) => ingest.close_file(file),
            Ok(n) => ingest.feed_file(file, &buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", common.files[file])),
        }
    }
    Ok(ingest.finish())
}

/// Text as a terminal may show it: control characters and the like escaped.
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| !c.is_control()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .flat_map(|c| {
                    if c.is_control() {
                        c.escape_default().collect::<Vec<_>>()
                    } else {
                        vec![c]
                    }
                })
                .collect(),
        )
    }
}

/// Milliseconds, or `-`.
pub fn ms(ns: Option<i64>) -> String {
    ns.map_or("-".into(), |ns| format!("{:.3}", ns as f64 / 1e6))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn decode_as_rules() {
        assert_eq!(
            parse_decode_as("tcp.port==21211,memcache").unwrap(),
            DecodeAs {
                l4: L4::Tcp,
                port: 21211,
                proto: Some(AppProto::Memcache)
            }
        );
        assert_eq!(
            parse_decode_as("udp.port==5300,dns").unwrap().proto,
            Some(AppProto::Dns)
        );
        assert_eq!(
            parse_decode_as("tcp.port==26379,resp").unwrap().proto,
            Some(AppProto::Redis)
        );
        assert_eq!(parse_decode_as("tcp.port==80,none").unwrap().proto, None);
        assert!(parse_decode_as("tcp.port=80,http").is_err());
        assert!(parse_decode_as("sctp.port==80,http").is_err());
        assert!(parse_decode_as("tcp.port==80,gopher").is_err());
    }
}
