//! The native comparison: the release CLI on a large capture of real traffic, beside the
//! tools a user would compare it with, in the same run on the same (page-cached) file.
//!
//! Every command reads the capture and writes its answer to /dev/null. `tcpdump -r FILE
//! -w /dev/null` is the floor: about the cost of reading the records at all. tshark's
//! `-z conv,tcp` and capinfos are what Wirelens replaces. Each command runs `--runs`
//! times, interleaved with the others so that a burst of load on a shared machine hits
//! them alike; the table keeps the fastest wall and CPU time and the largest peak RSS.
//!
//! Bytes a packet: what a command's peak RSS grows by per packet, beyond its fixed part
//! (the binary, its libraries, read buffers): (peak RSS on the capture − peak RSS on the
//! capture's first 16 MiB) ÷ (packets in the capture − packets in those 16 MiB).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::rusage::{measure, Usage};
use crate::util::{cmd, note, run as run_cmd, step};

/// The wirelens commands measured by default.
const COMMANDS: &[&str] = &["info", "conv", "memcache", "http"];

/// The head of the capture whose peak RSS is taken as each command's fixed part.
const HEAD_BYTES: u64 = 16 << 20;

/// Options of the native section.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--capture FILE`.
    pub capture: Option<PathBuf>,
    /// `--runs N`: runs of each fast command (tshark and capinfos run once).
    pub runs: usize,
    /// `--baseline BIN`: another wirelens binary measured beside this one (before/after).
    pub baseline: Option<PathBuf>,
    /// `--commands info,conv,…`.
    pub commands: Vec<String>,
    /// `--no-tshark`: skip tshark and capinfos (they take tens of seconds a GB).
    pub no_tshark: bool,
}

impl Options {
    /// Takes the native section's options out of `args`.
    pub fn parse(args: &mut Vec<String>) -> Result<Self> {
        let mut o = Options {
            capture: None,
            runs: 3,
            baseline: None,
            commands: COMMANDS.iter().map(|s| s.to_string()).collect(),
            no_tshark: false,
        };
        let mut rest = Vec::new();
        let mut it = std::mem::take(args).into_iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
            match a.as_str() {
                "--capture" => o.capture = Some(value("--capture")?.into()),
                "--baseline" => o.baseline = Some(value("--baseline")?.into()),
                "--runs" => {
                    let v = value("--runs")?;
                    o.runs = v
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .with_context(|| format!("--runs {v}: expected a positive number"))?;
                }
                "--commands" => {
                    o.commands = value("--commands")?
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "--no-tshark" => o.no_tshark = true,
                _ => rest.push(a),
            }
        }
        *args = rest;
        Ok(o)
    }
}

/// One row of the table.
struct Row {
    label: String,
    argv: Vec<String>,
    /// The same command on the head of the capture.
    head: Vec<String>,
    /// Runs of it (the slow references run once).
    runs: usize,
    best: Option<Usage>,
    fixed_rss: Option<u64>,
    failed: Option<String>,
}

impl Row {
    fn new(
        label: String,
        program: &str,
        args: &[&str],
        capture: &Path,
        head: &Path,
        runs: usize,
    ) -> Self {
        let with = |file: &Path| {
            std::iter::once(program.to_owned())
                .chain(args.iter().map(|a| {
                    if *a == "FILE" {
                        file.display().to_string()
                    } else {
                        a.to_string()
                    }
                }))
                .collect()
        };
        Row {
            label,
            argv: with(capture),
            head: with(head),
            runs,
            best: None,
            fixed_rss: None,
            failed: None,
        }
    }

    fn command(argv: &[String]) -> Command {
        cmd(&argv[0], &argv[1..])
    }

    fn add(&mut self, u: Usage) {
        // wirelens exits 1 when a file has errors (the answer is still printed).
        if !matches!(u.code, Some(0) | Some(1)) {
            self.failed = Some(match u.code {
                Some(c) => format!("exit status {c}"),
                None => "killed by a signal".into(),
            });
        }
        self.best = Some(match self.best {
            None => u,
            Some(b) => Usage {
                wall: b.wall.min(u.wall),
                cpu: b.cpu.min(u.cpu),
                max_rss: b.max_rss.max(u.max_rss),
                code: b.code,
            },
        });
    }
}

/// Runs the comparison and prints the table.
pub fn run(root: &Path, capture: &Path, o: &Options) -> Result<()> {
    step("bench native: cargo build --release -p wirelens");
    run_cmd(cmd("cargo", ["build", "--release", "-p", "wirelens"]).current_dir(root))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_relative() { root.join(t) } else { t })
        .unwrap_or_else(|| root.join("target"));
    let wirelens = target.join("release/wirelens");
    if !wirelens.is_file() {
        bail!("{} was not built", wirelens.display());
    }

    step(format!("bench native: {}", capture.display()));
    let size = warm(capture)?;
    let packets = count_packets(&wirelens, capture)?;
    note(format!(
        "{:.2} GB, {packets} packets ({} bytes a packet on average); read once first, so every command reads it from the page cache",
        size as f64 / 1e9,
        size / packets.max(1)
    ));
    let dir = std::env::temp_dir().join(format!("wirelens-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let head_file = dir.join("head.pcap");
    let result = (|| {
        head(capture, &head_file, HEAD_BYTES)?;
        let head_packets = count_packets(&wirelens, &head_file)?;
        let more = packets.saturating_sub(head_packets);
        if more == 0 {
            bail!(
                "{} has no packets past its first {HEAD_BYTES} bytes",
                capture.display()
            );
        }
        note(format!(
            "fixed part of each peak RSS: its peak RSS on the first {head_packets} packets ({} MiB)",
            HEAD_BYTES >> 20
        ));
        measure_all(&wirelens, capture, &head_file, o, size, more)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Measures every command and prints the table.
fn measure_all(
    wirelens: &Path,
    capture: &Path,
    head_file: &Path,
    o: &Options,
    size: u64,
    more: u64,
) -> Result<()> {
    let mut rows = vec![Row::new(
        "tcpdump -r FILE -w /dev/null".into(),
        "tcpdump",
        &["-r", "FILE", "-w", "/dev/null"],
        capture,
        head_file,
        o.runs,
    )];
    let wl = wirelens.display().to_string();
    for c in &o.commands {
        rows.push(Row::new(
            format!("wirelens {c}"),
            &wl,
            &[c, "FILE"],
            capture,
            head_file,
            o.runs,
        ));
    }
    if let Some(base) = &o.baseline {
        let base = base.display().to_string();
        for c in &o.commands {
            rows.push(Row::new(
                format!("baseline {c}"),
                &base,
                &[c, "FILE"],
                capture,
                head_file,
                o.runs,
            ));
        }
    }
    if !o.no_tshark {
        rows.push(Row::new(
            "capinfos FILE".into(),
            "capinfos",
            &["FILE"],
            capture,
            head_file,
            1,
        ));
        rows.push(Row::new(
            "tshark -q -z conv,tcp -r FILE".into(),
            "tshark",
            &["-q", "-z", "conv,tcp", "-r", "FILE"],
            capture,
            head_file,
            1,
        ));
    }

    for row in &mut rows {
        let u = measure(&mut Row::command(&row.head))?;
        row.fixed_rss = Some(u.max_rss);
    }
    for pass in 0..o.runs {
        note(format!("pass {}/{}: {}", pass + 1, o.runs, load()));
        for row in rows.iter_mut().filter(|r| pass < r.runs) {
            let u = measure(&mut Row::command(&row.argv))?;
            row.add(u);
        }
    }
    print_table(&rows, size, more);
    for row in &rows {
        if let Some(why) = &row.failed {
            note(format!("{}: {why} (`{}`)", row.label, row.argv.join(" ")));
        }
    }
    Ok(())
}

/// Reads the file once (into the page cache); returns its size.
fn warm(path: &Path) -> Result<u64> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    std::io::copy(&mut f, &mut std::io::sink())
        .with_context(|| format!("cannot read {}", path.display()))
}

/// Packets in the capture, as `wirelens info --json` counts them.
fn count_packets(wirelens: &Path, capture: &Path) -> Result<u64> {
    let out = cmd(wirelens, ["info", "--json"])
        .arg(capture)
        .output()
        .with_context(|| format!("could not run {}", wirelens.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The file's own count comes first (its interfaces' counts follow).
    text.split("\"packets\":")
        .nth(1)
        .and_then(|rest| {
            let digits: String = rest
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .with_context(|| {
            format!(
                "no packet count in `wirelens info --json {}`",
                capture.display()
            )
        })
}

/// The load average, which says how far the times can be trusted on a shared machine.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            l.split_whitespace()
                .next()
                .map(|one| format!("load average {one}"))
        })
        .unwrap_or_default()
}

/// `more`: packets in the capture past its head.
fn print_table(rows: &[Row], size: u64, more: u64) {
    let secs = |d: Duration| d.as_secs_f64();
    let tcpdump = rows
        .iter()
        .find(|r| r.label.starts_with("tcpdump"))
        .and_then(|r| r.best);
    let floor = tcpdump.map(|u| secs(u.wall));
    let floor_cpu = tcpdump.map(|u| secs(u.cpu));
    let tshark = rows
        .iter()
        .find(|r| r.label.starts_with("tshark"))
        .and_then(|r| r.best)
        .map(|u| secs(u.wall));
    let width = rows.iter().map(|r| r.label.len()).max().unwrap_or(0).max(7);
    println!();
    println!(
        "{:<width$} {:>8} {:>8} {:>8} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "command",
        "wall s",
        "cpu s",
        "MB/s",
        "peak RSS",
        "B/packet",
        "×tcpdump",
        "cpu×tcpd",
        "tshark×"
    );
    for r in rows {
        let Some(u) = r.best else { continue };
        let wall = secs(u.wall);
        let per_packet = r
            .fixed_rss
            .map(|f| u.max_rss.saturating_sub(f) as f64 / more as f64);
        let ratio = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.2}"));
        println!(
            "{:<width$} {:>8.3} {:>8.3} {:>8.0} {:>7.1} MB {:>10} {:>9} {:>9} {:>9}",
            r.label,
            wall,
            secs(u.cpu),
            size as f64 / 1e6 / wall,
            u.max_rss as f64 / 1e6,
            per_packet.map_or("-".to_owned(), |b| format!("{b:.0}")),
            ratio(floor.map(|f| wall / f)),
            ratio(floor_cpu.map(|f| secs(u.cpu) / f)),
            ratio(tshark.map(|t| t / wall)),
        );
    }
    println!(
        "(wall and cpu: the fastest of the runs; peak RSS: the largest; B/packet: (peak RSS − \
         peak RSS on the head) ÷ packets past the head; ×tcpdump: wall ÷ tcpdump's; cpu×tcpd: \
         CPU time ÷ tcpdump's (steadier on a busy machine); tshark×: tshark's wall ÷ this)"
    );
}

/// Writes the whole records (pcap) or blocks (pcapng) of a capture that fit in its first
/// `limit` bytes to `out`. Streamed, headers read in place: this process stays small,
/// since a child's peak RSS as `wait4` reports it counts the parent it was spawned from.
fn head(capture: &Path, out: &Path, limit: u64) -> Result<()> {
    use std::io::Read;
    use std::os::unix::fs::FileExt;
    let mut src = std::fs::File::open(capture)
        .with_context(|| format!("cannot open {}", capture.display()))?
        .take(limit);
    let mut dst = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let len = std::io::copy(&mut src, &mut dst)?;
    let u32_at = |at: u64, be: bool| -> Option<u64> {
        let mut b = [0u8; 4];
        if at + 4 > len {
            return None;
        }
        dst.read_exact_at(&mut b, at).ok()?;
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        } as u64)
    };
    let magic = u32_at(0, false).context("the capture is shorter than 4 bytes")?;
    let mut at = 0u64;
    match magic {
        // pcap, either byte order, µs or ns; records are a 16-byte header and the data.
        0xa1b2_c3d4 | 0xa1b2_3c4d | 0xd4c3_b2a1 | 0x4d3c_b2a1 => {
            let be = matches!(magic, 0xd4c3_b2a1 | 0x4d3c_b2a1);
            at = 24;
            while let Some(caplen) = u32_at(at + 8, be) {
                if at + 16 + caplen > len {
                    break;
                }
                at += 16 + caplen;
            }
        }
        // pcapng: blocks carry their total length at offset 4 (byte order from the SHB).
        0x0a0d_0d0a => {
            let be = u32_at(8, true) == Some(0x1a2b_3c4d);
            while let Some(block) = u32_at(at + 4, be) {
                if block < 12 || at + block > len {
                    break;
                }
                at += block;
            }
        }
        _ => bail!(
            "{}: the bytes-a-packet column needs an uncompressed pcap or pcapng capture",
            capture.display()
        ),
    }
    dst.set_len(at)
        .with_context(|| format!("cannot write {}", out.display()))
}
