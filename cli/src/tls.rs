//! `wirelens tls`: the server name (SNI), ALPN and version of each TLS conversation.

use crate::apps::{frame, read, stream_of, Common};
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::tls::{version_name, Tls};
use wirelens_core::capture::app::Detail;

/// TLS conversations by name: the ClientHello's server name (SNI), the protocols offered
/// (ALPN), the versions offered and chosen, the cipher suite.
///
/// One row per handshake. TLS is found on its usual ports and by content (a handshake
/// record) on any port; `-d` overrides.
///
/// JSON: an array of objects with the keys stream, client, server, client_hello_frame,
/// server_hello_frame, sni, alpn, client_version, server_version, server_alpn,
/// cipher_suite, version (the negotiated version's name, else the client's best).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
}

#[derive(Serialize)]
struct Row<'a> {
    stream: u32,
    client: String,
    server: String,
    client_hello_frame: Option<u64>,
    server_hello_frame: Option<u64>,
    #[serde(flatten)]
    tls: &'a Tls,
    version: Option<String>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let mut rows = Vec::new();
    for t in &capture.transactions {
        let Detail::Tls(tls) = &t.detail else {
            continue;
        };
        let Some(c) = capture.conversations.get(t.conv as usize) else {
            continue;
        };
        // The client sent the ClientHello: side A unless the hello came from B.
        let hello_from_b = t
            .request
            .and_then(|s| capture.packets.get(s.first.packet as usize))
            .is_some_and(|p| p.flags & wirelens_core::capture::packet::PacketRow::FLAG_B_TO_A != 0);
        let (a, b) = (
            format!("{}:{}", fmt_ip(c.a), c.port_a),
            format!("{}:{}", fmt_ip(c.b), c.port_b),
        );
        let (client, server) = if hello_from_b { (b, a) } else { (a, b) };
        rows.push(Row {
            stream: stream_of(&capture, t.conv).1,
            client,
            server,
            client_hello_frame: t.request.map(|s| frame(s.last.packet)),
            server_hello_frame: t.response.map(|s| frame(s.last.packet)),
            tls,
            version: tls.version(),
        });
    }
    let mut out = std::io::stdout().lock();
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:>6} {:<45} {:<9} {:<10} {:<12} sni",
            "stream", "client -> server", "version", "alpn", "offered"
        )?;
        for r in &rows {
            writeln!(
                out,
                "{:>6} {:<45} {:<9} {:<10} {:<12} {}",
                r.stream,
                format!("{} -> {}", r.client, r.server),
                r.tls.server_version.map_or("-".to_string(), version_name),
                r.tls.server_alpn.as_deref().unwrap_or("-"),
                r.tls.client_version.map_or("-".to_string(), version_name),
                r.tls.sni.as_deref().unwrap_or("-"),
            )?;
        }
    }
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn fmt_ip(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    }
}
