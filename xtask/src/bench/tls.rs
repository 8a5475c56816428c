//! `cargo xtask bench --tls` (only when asked for): ingest of a TLS capture with its key
//! log beside the same traffic in clear. tests/scripts/make-tls-bench-capture.sh makes
//! both (about 1 GB each: curl fetching the same files from nginx over TLS 1.3 and 1.2,
//! each AEAD suite in turn, and in clear) in bench-data/; the release CLI's `wirelens
//! http` runs on the clear capture, on the TLS capture without secrets (handshakes only)
//! and with its key log (`-o tls.keylog_file:PATH`: every record decrypted, HTTP parsed):
//! wall time, CPU time, MB/s of capture, peak RSS, and the transactions each found (the
//! decrypted run must find those of the clear one).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::rusage::{measure, Usage};
use crate::util::{cmd, note, run as run_cmd, step};

/// Runs of each command; the best is kept.
const RUNS: usize = 3;

pub fn run(root: &Path) -> Result<()> {
    let dir = root.join("bench-data");
    let (tls, keylog, clear) = (
        dir.join("tls-bench.pcap"),
        dir.join("tls-bench.keylog"),
        dir.join("clear-bench.pcap"),
    );
    if !(tls.is_file() && keylog.is_file() && clear.is_file()) {
        step("make the TLS benchmark captures (tests/scripts/make-tls-bench-capture.sh)");
        let script = root.join("tests/scripts/make-tls-bench-capture.sh");
        run_cmd(cmd("bash", [script.as_os_str(), dir.as_os_str()]).current_dir(root))?;
    }
    step("bench tls: cargo build --release -p wirelens");
    run_cmd(cmd("cargo", ["build", "--release", "-p", "wirelens"]).current_dir(root))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { root.join(t) } else { t })
        .unwrap_or_else(|| root.join("target"));
    let wirelens = target.join("release/wirelens");
    if !wirelens.is_file() {
        bail!("{} was not built", wirelens.display());
    }
    let pref = format!("tls.keylog_file:{}", keylog.display());
    let cases: [(&str, &Path, Vec<&str>); 3] = [
        ("clear (HTTP)", &clear, vec![]),
        ("TLS, no key log", &tls, vec![]),
        ("TLS + key log", &tls, vec!["-o", &pref]),
    ];
    println!(
        "{:<18} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8}",
        "capture", "GB", "wall s", "cpu s", "MB/s", "peak MiB", "http tx"
    );
    for (label, file, extra) in &cases {
        let size = std::fs::metadata(file)
            .with_context(|| format!("cannot read {}", file.display()))?
            .len();
        // Read once first: every run reads from the page cache.
        std::io::copy(&mut std::fs::File::open(file)?, &mut std::io::sink())?;
        let mut best: Option<Usage> = None;
        for _ in 0..RUNS {
            let u = measure(
                cmd(&wirelens, ["http", "--by-status"])
                    .args(extra)
                    .arg(file),
            )?;
            if !matches!(u.code, Some(0) | Some(1)) {
                bail!("wirelens http {} failed ({:?})", file.display(), u.code);
            }
            best = Some(match best {
                None => u,
                Some(b) if u.wall < b.wall => Usage {
                    max_rss: b.max_rss.max(u.max_rss),
                    ..u
                },
                Some(b) => Usage {
                    max_rss: b.max_rss.max(u.max_rss),
                    ..b
                },
            });
        }
        let u = best.expect("at least one run");
        let out = cmd(&wirelens, ["http", "--by-status", "--json"])
            .args(extra)
            .arg(file)
            .output()?;
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout)
            .with_context(|| format!("wirelens http --by-status --json {}", file.display()))?;
        let transactions: u64 = rows
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["count"].as_u64())
            .sum();
        println!(
            "{:<18} {:>9.2} {:>9.2} {:>9.2} {:>9.0} {:>10.0} {:>8}",
            label,
            size as f64 / 1e9,
            u.wall.as_secs_f64(),
            u.cpu.as_secs_f64(),
            size as f64 / 1e6 / u.wall.as_secs_f64(),
            u.max_rss as f64 / (1 << 20) as f64,
            transactions
        );
    }
    note(format!(
        "best of {RUNS} runs of `wirelens http --by-status`; MB/s is the capture's size over the wall time"
    ));
    Ok(())
}
