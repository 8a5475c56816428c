//! `wirelens export FILE|DIR... -o LAKE [--sensor NAME]`: each capture's sessions and
//! transactions as Parquet in a Hive-partitioned lake (crate `wirelens-lake`), for
//! DuckDB, ClickHouse and Spark; `wirelens pull` takes a query's answer back to the
//! packets.

use crate::input::read_captures;
use anyhow::{bail, Context as _};
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use wirelens_core::ingest::Stages;
use wirelens_core::query::lake::{
    self, capture_id, fingerprint_ranges, Origin, DEFAULT_MAX_PACKETS,
};
use wirelens_lake::dir::LakeDir;
use wirelens_lake::{capture_files, check_sensor, Codec};

const AFTER_HELP: &str = "\
THE LAKE:
  LAKE/sessions/date=YYYY-MM-DD/sensor=NAME/part-<capture id>.parquet
  LAKE/transactions/date=…/sensor=…/part-<capture id>.parquet
  LAKE/captures/date=…/sensor=…/part-<capture id>.parquet

  One file per table, capture and day (UTC) of the rows' start; zstd. A capture adds
  files and never rewrites one; a capture already in the lake (same id, from its size
  and its first and last MiB) is skipped, so exporting a directory again adds only the
  new files. Each capture is read on its own: frame numbers and tcp.stream / udp.stream
  are those tshark gives the file.

  sessions: one row per TCP connection and UDP flow, Zeek conn.log's names (ts, uid,
  id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, service, duration, orig_bytes,
  resp_bytes, orig_pkts, resp_pkts, conn_state…), community_id, handshake, initial_rtt,
  tcp_* analysis counts, pid/comm/user_name when the capture names them, and the way
  back: capture_id, file, first_frame, last_frame, first_offset, packets (offset, ts_ns,
  caplen, len, iface of each, at most --max-packets; packets_cut when more).
  transactions: one row per HTTP, memcached, MySQL, Redis, DNS and TLS transaction
  (method, uri, status_code; command, key, value_len, hit; sql, fingerprint, rows,
  error; query, qtype_name, rcode_name; server_name…), with the session's uid and
  community_id and its frames. captures: one row per capture file.
  Timestamps are TIMESTAMP(MICROS, UTC) with the exact ns in ts_ns beside.

EXAMPLES:
  wirelens export /srv/captures/web1 -o lake --sensor web1
  duckdb -c \"SELECT * FROM read_parquet('lake/sessions/*/*/*.parquet', hive_partitioning=true)
            WHERE id.resp_p = 3306 AND duration > 1\"
  wirelens pull lake --where \"id.resp_p = 3306 AND duration > 1\" -w slow.pcapng";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Capture files, or directories to search for them (recursively; files that are not
    /// captures are passed over).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// The lake's root directory (made if need be).
    #[arg(short = 'o', long = "output", value_name = "LAKE")]
    lake: PathBuf,
    /// The sensor the captures come from (the `sensor=` partition); default: this host's
    /// name.
    #[arg(long, value_name = "NAME")]
    sensor: Option<String>,
    /// Community ID seed.
    #[arg(long, default_value_t = 0)]
    seed: u16,
    /// Packet positions kept per session.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PACKETS)]
    max_packets: usize,
    /// Print what was done as JSON (stdout).
    #[arg(long)]
    json: bool,
}

/// One capture's outcome.
#[derive(Serialize)]
struct Done {
    file: String,
    capture_id: String,
    /// `exported`, `in-lake` (skipped) or `not-a-capture`.
    status: &'static str,
    bytes: u64,
    sessions: u64,
    transactions: u64,
    files_written: u64,
    lake_bytes: u64,
    errors: Vec<String>,
}

/// What `--json` prints.
#[derive(Serialize)]
struct Report {
    lake: String,
    sensor: String,
    captures: Vec<Done>,
    exported: u64,
    skipped: u64,
    capture_bytes: u64,
    lake_bytes: u64,
    seconds: f64,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let sensor = match &args.sensor {
        Some(s) => s.clone(),
        None => hostname(),
    };
    if let Err(e) = check_sensor(&sensor) {
        bail!("--sensor: {e}");
    }
    if args.max_packets == 0 {
        bail!("--max-packets must be at least 1");
    }
    let mut files = Vec::new();
    for input in &args.inputs {
        if input == "-" {
            // The lake points back into the file, for pull to read the packets again.
            bail!("export reads capture files, not stdin: the lake points into the file");
        }
        let p = Path::new(input);
        if p.is_dir() {
            walk(p, &mut files).with_context(|| format!("cannot list {input}"))?;
        } else {
            files.push((p.to_path_buf(), true));
        }
    }
    let lake = LakeDir::new(&args.lake);
    let mut known = lake
        .captures()
        .with_context(|| format!("cannot read the lake {}", args.lake.display()))?;
    let started = Instant::now();
    let mut report = Report {
        lake: args.lake.display().to_string(),
        sensor: sensor.clone(),
        captures: Vec::new(),
        exported: 0,
        skipped: 0,
        capture_bytes: 0,
        lake_bytes: 0,
        seconds: 0.0,
    };
    let mut failed = false;
    for (path, named) in files {
        let done = export_one(&path, &lake, &mut known, &sensor, args)?;
        match done.status {
            "exported" => {
                report.exported += 1;
                report.capture_bytes += done.bytes;
                report.lake_bytes += done.lake_bytes;
                eprintln!(
                    "{}: {} sessions, {} transactions{}",
                    done.file,
                    done.sessions,
                    done.transactions,
                    if done.errors.is_empty() {
                        ""
                    } else {
                        " (damaged: see its errors)"
                    }
                );
            }
            "in-lake" => {
                report.skipped += 1;
                eprintln!(
                    "{}: already in the lake ({}), skipped",
                    done.file, done.capture_id
                );
            }
            _ => {
                // A file found in a directory that is not a capture (a README) is passed
                // over; one named on the command line is an error.
                if named {
                    failed = true;
                    eprintln!(
                        "wirelens: {}: not a capture: {}",
                        done.file,
                        done.errors.join("; ")
                    );
                }
                report.captures.push(done);
                continue;
            }
        }
        for e in &done.errors {
            eprintln!("wirelens: {e}");
        }
        failed |= !done.errors.is_empty();
        report.captures.push(done);
    }
    report.seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "exported {} captures ({:.1} MB) in {:.1} s ({:.0} MB/s) to {}: {:.2} MB of Parquet ({:.2}% of the captures); {} already in the lake",
        report.exported,
        report.capture_bytes as f64 / 1e6,
        report.seconds,
        report.capture_bytes as f64 / 1e6 / report.seconds.max(1e-9),
        args.lake.display(),
        report.lake_bytes as f64 / 1e6,
        100.0 * report.lake_bytes as f64 / (report.capture_bytes.max(1)) as f64,
        report.skipped
    );
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn export_one(
    path: &Path,
    lake: &LakeDir,
    known: &mut std::collections::HashMap<String, PathBuf>,
    sensor: &str,
    args: &Args,
) -> anyhow::Result<Done> {
    let name = path.display().to_string();
    // `pull` opens the file from wherever it runs: keep the absolute path.
    let abs = std::fs::canonicalize(path).with_context(|| format!("cannot open {name}"))?;
    let abs = abs.to_string_lossy().into_owned();
    let (size, id) = fingerprint(path).with_context(|| format!("cannot read {name}"))?;
    let mut done = Done {
        file: name.clone(),
        capture_id: id.clone(),
        status: "in-lake",
        bytes: size,
        sessions: 0,
        transactions: 0,
        files_written: 0,
        lake_bytes: 0,
        errors: Vec::new(),
    };
    if known.contains_key(&id) {
        return Ok(done);
    }
    let capture = read_captures(std::slice::from_ref(&name), Stages::ALL)?;
    if capture.files.first().and_then(|f| f.format).is_none() {
        done.status = "not-a-capture";
        done.errors = capture.errors.iter().map(|e| e.message.clone()).collect();
        return Ok(done);
    }
    let origin = Origin {
        capture_id: &id,
        file: &abs,
        seed: args.seed,
        max_packets: args.max_packets,
    };
    let rows = lake::rows(&capture, &origin);
    let row = lake::capture_row(&capture, &origin, size, &rows);
    let files = capture_files(&rows, &row, sensor, args.seed, Codec::best())
        .with_context(|| format!("{name}: cannot write Parquet"))?;
    let added = lake.add(&files)?;
    if let Some((rel, _)) = files.last() {
        known.insert(id, lake.root().join(rel));
    }
    done.status = "exported";
    done.sessions = rows.sessions.len() as u64;
    done.transactions = rows.transactions.len() as u64;
    done.files_written = added.written;
    done.lake_bytes = added.bytes;
    done.errors = capture.errors.iter().map(|e| e.to_string()).collect();
    Ok(done)
}

/// The file's size and id (core's `capture_id` over its first and last MiB).
fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let size = f.metadata()?.len();
    let mut parts = Vec::new();
    for r in fingerprint_ranges(size) {
        let mut buf = Vec::with_capacity((r.end - r.start) as usize);
        f.seek(SeekFrom::Start(r.start))?;
        (&mut f).take(r.end - r.start).read_to_end(&mut buf)?;
        parts.push(buf);
    }
    Ok((size, capture_id(size, &parts[0], &parts[1])))
}

/// Regular files under `dir`, sorted, hidden ones left out; `false`: found, not named.
fn walk(dir: &Path, out: &mut Vec<(PathBuf, bool)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), out)?;
        } else if t.is_file() {
            out.push((e.path(), false));
        }
    }
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| check_sensor(h).is_ok())
        .unwrap_or_else(|| "unknown".to_owned())
}
