//! `wirelens tls`: the server name (SNI), ALPN and version of each TLS conversation.

use crate::apps::{exit_code, read, Common};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::tls::version_name;
use wirelens_core::query::transactions::tls;

/// TLS conversations by name: the ClientHello's server name (SNI), the protocols offered
/// (ALPN), the versions offered and chosen, the cipher suite.
///
/// One row per handshake, QUIC connections' included (their ClientHello is read from
/// the Initial packets, as tshark reads it). TLS is found on its usual ports and by
/// content (a handshake record) on any port; `-d` overrides. With `-o
/// tls.keylog_file:PATH` the records of the sessions the key log has are decrypted:
/// the protocol they carried is named (its transactions are in `wirelens http`,
/// `memcache`, …).
///
/// JSON: an array of objects with the keys stream, transport (tcp, or udp for QUIC),
/// client, server, client_hello_frame, server_hello_frame, sni, alpn, client_version,
/// server_version, server_alpn, cipher_suite, version (the negotiated version's name,
/// else the client's best) and inner (the protocol decrypted records carried).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let rows = tls::rows(&capture, &capture.transactions);
    let mut out = std::io::stdout().lock();
    if args.common.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:>6} {:<4} {:<45} {:<9} {:<10} {:<12} {:<9} sni",
            "stream", "l4", "client -> server", "version", "alpn", "offered", "decrypted"
        )?;
        for r in &rows {
            writeln!(
                out,
                "{:>6} {:<4} {:<45} {:<9} {:<10} {:<12} {:<9} {}",
                r.stream,
                if r.transport == "udp" { "quic" } else { "tcp" },
                format!("{} -> {}", r.client, r.server),
                r.tls.server_version.map_or("-".to_string(), version_name),
                r.tls.server_alpn.as_deref().unwrap_or("-"),
                r.tls.client_version.map_or("-".to_string(), version_name),
                r.inner.map_or("-", |p| p.name()),
                r.tls.sni.as_deref().unwrap_or("-"),
            )?;
        }
    }
    Ok(exit_code(errors))
}
