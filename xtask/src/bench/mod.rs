//! `cargo xtask bench`: the benchmarks, each a section of its own.
//!
//! - `native` (native.rs): the release CLI on a large capture of real traffic beside
//!   tcpdump, tshark and capinfos in the same run: wall time, MB/s, peak RSS, bytes a
//!   packet, ratios.
//! - `criterion`: `cargo bench -p wirelens-core` (core/benches/*.rs).
//! - `daemon` (daemon.rs, only when asked for with `--daemon`; root): wirelens-capture
//!   under wrk load beside `tcpdump -w` (drops, CPU), and the share of a client's short
//!   connections it names, by socket events and by /proc.
//!
//! - `page` (page.rs, only when asked for with `--page`): the page in headless Chromium
//!   (tests/e2e/bench.mjs) on the bench capture and one of at least 5 GB, beside the
//!   native CLI and the read floor on the same files.
//!
//! - `tls` (tls.rs, only when asked for with `--tls`): ingest of a ~1 GB TLS capture
//!   with its key log beside the same traffic in clear (MB/s, CPU, peak RSS).
//!
//! A new section (compressed-file random access) is a file of its own here with a `run`
//! function, a flag in [`Sections`] and a line in [`run`].

mod daemon;
mod native;
mod page;
mod rusage;
mod tls;

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::setup::{Needs, Setup};
use crate::util::{cmd, run as run_cmd, step};

/// Which sections run: all of them unless some are named.
#[derive(Clone, Copy, Debug, Default)]
struct Sections {
    native: bool,
    criterion: bool,
    daemon: bool,
    page: bool,
    tls: bool,
}

/// Runs `cargo xtask bench [--native] [--criterion] [native options] [-- cargo bench args]`.
pub fn run(setup: &Setup, no_install: bool, args: Vec<String>) -> Result<()> {
    let (mut ours, cargo_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (args[..i].to_vec(), args[i + 1..].to_vec()),
        None => (args, Vec::new()),
    };
    let mut sections = Sections::default();
    ours.retain(|a| match a.as_str() {
        "--native" => {
            sections.native = true;
            false
        }
        "--criterion" => {
            sections.criterion = true;
            false
        }
        "--daemon" => {
            sections.daemon = true;
            false
        }
        "--page" => {
            sections.page = true;
            false
        }
        "--tls" => {
            sections.tls = true;
            false
        }
        _ => true,
    });
    if !sections.native
        && !sections.criterion
        && !sections.daemon
        && !sections.page
        && !sections.tls
    {
        sections = Sections {
            native: true,
            criterion: true,
            ..Sections::default()
        };
    }
    let daemon_options = daemon::Options::parse(&mut ours)?;
    let page_options = page::Options::parse(&mut ours)?;
    let options = native::Options::parse(&mut ours)?;
    if !ours.is_empty() {
        bail!(
            "unexpected arguments for `bench`: {} (cargo bench arguments go after --)",
            ours.join(" ")
        );
    }

    if sections.daemon {
        daemon::run(&setup.root, &daemon_options)?;
    }
    if sections.tls {
        tls::run(&setup.root)?;
    }
    if !sections.native && !sections.criterion && !sections.page {
        return Ok(());
    }
    // Both sections read the large capture of real traffic (core/benches/formats.rs too).
    let capture = options
        .capture
        .clone()
        .or_else(|| std::env::var_os("WIRELENS_BENCH_CAPTURE").map(PathBuf::from))
        .unwrap_or_else(|| setup.root.join("bench-data/bench.pcap"));
    ensure_capture(setup, no_install, &capture)?;

    if sections.native {
        // tcpdump, tshark and capinfos are the references.
        setup.ensure(Needs {
            wasm: false,
            system: true,
            browser: false,
        })?;
        native::run(&setup.root, &capture, &options)?;
    }
    if sections.page {
        // Trunk and the wasm tools, Chromium and the npm packages of tests/e2e, tcpdump.
        setup.ensure(Needs {
            wasm: true,
            system: true,
            browser: true,
        })?;
        page::run(&setup.root, no_install, &capture, &page_options)?;
    }
    if sections.criterion {
        step("cargo bench -p wirelens-core");
        run_cmd(
            cmd("cargo", ["bench", "-p", "wirelens-core"])
                .args(&cargo_args)
                .env("WIRELENS_BENCH_CAPTURE", &capture)
                .current_dir(&setup.root),
        )?;
    }
    Ok(())
}

/// Makes the benchmark capture when it is missing: about 1 GB, ten seconds of nginx and
/// memcached traffic on loopback (tests/scripts/make-bench-capture.sh).
fn ensure_capture(setup: &Setup, no_install: bool, capture: &Path) -> Result<()> {
    if capture.is_file() {
        return Ok(());
    }
    step(format!("make the benchmark capture {}", capture.display()));
    let script = setup.root.join("tests/scripts/make-bench-capture.sh");
    let mut make = cmd("bash", [script.as_os_str(), capture.as_os_str()]);
    if no_install {
        make.env("NO_INSTALL", "1");
    }
    run_cmd(make.current_dir(&setup.root))
}
