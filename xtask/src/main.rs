//! Wirelens task runner: `cargo xtask <setup|serve|test|bench|dist>`.
//!
//! Installs everything a fresh Debian 12 machine (with rustup, node/npm, python3, gcc) needs,
//! then builds, serves or tests the project. Every step prints a `==> ...` line.

mod bench;
mod setup;
mod util;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};

use setup::{Needs, Setup, CHROMIUM};
use util::{cmd, note, run, secs, step, timed_step};

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  setup [--wasm-only] [--no-install]
        install everything the other tasks need (skips what is present):
        wasm32 target, Trunk, wasm-bindgen-cli, wasm-opt (npm binaryen in .tools/),
        Debian packages (libpcap-dev tshark tcpdump chromium chromium-driver; needs root),
        Python's duckdb and chdb (the lake's tests), npm packages of tests/e2e. --wasm-only: just what building the web app needs.
  serve [--no-install] [trunk serve args...]
        set up the wasm tools, then `trunk serve` (e.g. `cargo xtask serve --port 8081`)
  dist  [--no-install] [trunk build args...]
        set up the wasm tools, then `trunk build --release` into dist/
  test  [--no-e2e] [--no-install]
        set up everything, then: build the binaries, cargo test (all crates but the
        wasm-only web app),
        trunk build --release, and the browser tests tests/e2e/*.test.mjs (node --test).
        --no-e2e: skip the browser tests (and their Chromium/npm setup).
  bench [--native] [--criterion] [--page] [--capture FILE] [--runs N] [--baseline BIN]
        [--commands info,conv,...] [--no-tshark] [-- cargo bench args...]
        make the benchmark capture if it is missing (bench-data/bench.pcap, ~1 GB of
        nginx + memcached traffic; or --capture / $WIRELENS_BENCH_CAPTURE), then
        --native: the release `wirelens info|conv|memcache|http` beside tcpdump -w
        /dev/null, capinfos and tshark -z conv,tcp in the same run (wall time, MB/s,
        peak RSS, bytes a packet, ratios; --baseline adds another wirelens binary's rows);
        --criterion: cargo bench -p wirelens-core. Both when neither is named.
        --daemon [--daemon-runs N] [--daemon-seconds S] (root): wirelens-capture under
        wrk load beside tcpdump -w (drops, CPU), and the share of short connections of a
        client it names at 10, 1,000 and 10,000 a second (xtask/src/bench/daemon.rs).
        --page [--page-capture FILE[,FILE...]]... [--large-gb N] [--keep-large]: the page in headless
        Chromium (tests/e2e/bench.mjs on dist/): selection to full results, MB/s and CPU
        beside a bare worker reading the same files and the native CLI, peak wasm memory a
        packet, filters, scrolling, detail, follow. Default captures: the bench capture and
        one of at least 5 GB (or N GB) of the same real traffic, recorded for the run by
        tests/scripts/make-bench-capture.sh (deleted after unless --keep-large).
        --tls (root): ingest of ~1 GB of TLS with its key log beside the same traffic
        in clear (tests/scripts/make-tls-bench-capture.sh; xtask/src/bench/tls.rs).

  --no-install: never install anything; fail with the command to run by hand instead.";

fn main() -> ExitCode {
    match run_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("==> error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("    caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run_main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        println!("{USAGE}");
        bail!("no task given");
    }
    let task = args.remove(0);
    let no_install = take_flag(&mut args, "--no-install");
    let setup = Setup::new(repo_root(), !no_install);
    setup.init_path();

    match task.as_str() {
        "setup" => {
            let wasm_only = take_flag(&mut args, "--wasm-only");
            no_extra_args(&task, &args)?;
            setup.ensure(Needs {
                wasm: true,
                system: !wasm_only,
                browser: !wasm_only,
            })?;
            step("setup complete");
            Ok(())
        }
        "serve" => {
            setup.ensure(Needs {
                wasm: true,
                system: false,
                browser: false,
            })?;
            require_index_html(&setup.root)?;
            step("trunk serve");
            run(cmd("trunk", ["serve"]).args(&args).current_dir(&setup.root))
        }
        "dist" => {
            setup.ensure(Needs {
                wasm: true,
                system: false,
                browser: false,
            })?;
            require_index_html(&setup.root)?;
            step("trunk build --release");
            run(cmd("trunk", ["build", "--release"])
                .args(&args)
                .current_dir(&setup.root))?;
            step(format!(
                "web app built into {}",
                setup.root.join("dist").display()
            ));
            Ok(())
        }
        "test" => {
            let no_e2e = take_flag(&mut args, "--no-e2e");
            no_extra_args(&task, &args)?;
            test(&setup, no_e2e)
        }
        "bench" => bench::run(&setup, no_install, args),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            println!("{USAGE}");
            bail!("unknown task `{other}`")
        }
    }
}

fn test(setup: &Setup, no_e2e: bool) -> Result<()> {
    // Debian packages first: libpcap-dev is needed to build server-capture.
    setup.ensure(Needs {
        wasm: true,
        system: true,
        browser: !no_e2e,
    })?;

    let root = &setup.root;
    let mut timings: Vec<(String, Duration)> = Vec::new();
    let result = (|| -> Result<()> {
        // Integration tests run the CLI and the capture daemon, which cargo does not build
        // for another package's tests.
        timed_step(
            "[1/4] cargo build --workspace --exclude wirelens-web --bins",
            &mut timings,
            || {
                run(cmd(
                    "cargo",
                    [
                        "build",
                        "--workspace",
                        "--exclude",
                        "wirelens-web",
                        "--bins",
                    ],
                )
                .current_dir(root))
            },
        )?;
        timed_step(
            "[2/4] cargo test --workspace --exclude wirelens-web, and the page's own tests",
            &mut timings,
            || {
                run(cmd(
                    "cargo",
                    ["test", "--workspace", "--exclude", "wirelens-web"],
                )
                .current_dir(root))?;
                // The web crate builds natively too: its pure logic (the virtualized
                // list's scroll mapping) has unit tests in the page's binary.
                run(cmd(
                    "cargo",
                    [
                        "test",
                        "-p",
                        "wirelens-web",
                        "--features",
                        "page",
                        "--bin",
                        "wirelens-web",
                    ],
                )
                .current_dir(root))
            },
        )?;
        timed_step("[3/4] trunk build --release", &mut timings, || {
            require_index_html(root)?;
            run(cmd("trunk", ["build", "--release"]).current_dir(root))
        })?;
        timed_step(
            "[4/4] browser tests (node --test tests/e2e/*.test.mjs)",
            &mut timings,
            || {
                if no_e2e {
                    note("skipped (--no-e2e)");
                    return Ok(());
                }
                let files = e2e_test_files(root)?;
                if files.is_empty() {
                    note("no tests/e2e/*.test.mjs yet; skipping");
                    return Ok(());
                }
                let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
                // Explicit file list: works the same on every Node version (directory args differ).
                let mut node = cmd("node", ["--test", "--test-reporter=spec"]);
                node.args(&files)
                    .env("WIRELENS_DIST", root.join("dist"))
                    .env("CHROMIUM", chromium)
                    .current_dir(root);
                run(&mut node)
            },
        )?;
        Ok(())
    })();

    step("summary");
    for (label, took) in &timings {
        note(format!("{:>8}  {label}", secs(*took)));
    }
    match &result {
        Ok(()) => step("all tests passed"),
        Err(_) => step("tests FAILED (stopped at the first failing step)"),
    }
    result
}

/// tests/e2e/*.test.mjs, relative to the repo root, sorted.
fn e2e_test_files(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("tests/e2e");
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries {
            let name = entry?.file_name();
            if name.to_string_lossy().ends_with(".test.mjs") {
                files.push(Path::new("tests/e2e").join(name));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn require_index_html(root: &Path) -> Result<()> {
    if !root.join("index.html").is_file() {
        bail!(
            "{} not found: Trunk needs index.html (and Trunk.toml) at the repo root",
            root.join("index.html").display()
        );
    }
    Ok(())
}

/// The repo root: the parent of this crate's directory.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the repo")
        .to_path_buf()
}

/// Removes every occurrence of `flag` from `args`; true if there was one.
fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

fn no_extra_args(task: &str, args: &[String]) -> Result<()> {
    if !args.is_empty() {
        println!("{USAGE}");
        bail!("unexpected arguments for `{task}`: {}", args.join(" "));
    }
    Ok(())
}
