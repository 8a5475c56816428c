//! `wirelens tls`: the server name (SNI), ALPN and version of each TLS conversation.

use crate::apps::{read, Common};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::app::tls::version_name;
use wirelens_core::query::transactions::tls;

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

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let capture = read(&args.common)?;
    let errors = crate::input::report_errors(&capture);
    let rows = tls::rows(&capture);
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
