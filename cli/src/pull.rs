//! `wirelens pull LAKE --where "SQL" -w OUT.pcapng` (or `--from ANSWER`): the packets of
//! the sessions a query names, read from the original captures at the positions the lake
//! keeps (no scan of the captures), written as one capture through core's writer.

use crate::input::{read_captures, Inputs};
use crate::lake_sql;
use anyhow::{bail, Context as _};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wirelens_core::capture::file::{Compression, Interface};
use wirelens_core::capture::packet::{PacketRow, TcpHeader, NO_FLOW};
use wirelens_core::capture::{Capture, CaptureInterface, FileInfo};
use wirelens_core::ingest::Stages;
use wirelens_core::query::export::{Export, OutputFormat};
use wirelens_core::query::fields::PacketSource;
use wirelens_core::query::lake::PacketPos;
use wirelens_core::query::reread::Reread;
use wirelens_lake::dir::LakeDir;
use wirelens_lake::read::{self, PullCapture, PullSession};

const AFTER_HELP: &str = "\
WHICH SESSIONS:
  --where PREDICATE  a SQL condition on the sessions table (or --table transactions),
                     run by DuckDB over LAKE: the `duckdb` command when it is on PATH,
                     else Python's duckdb module (pip install duckdb). Columns as in
                     `wirelens export --help`; date and sensor come from the paths.
  --from ANSWER      a query's answer saved by any engine: Parquet, or CSV with a
                     header; its `uid` column names the sessions (a transactions row's
                     uid is its session's).

Each session's packets are read at the byte offsets the lake keeps, from the capture
file it names (or the file of the same name in --captures DIR). A session with more
packets than its row keeps (packets_cut) is found by reading its capture. The packets
are written in time order (a capture's own in its file order), as pcapng by default.

EXAMPLES:
  wirelens pull lake --where \"id.resp_p = 3306 AND duration > 1\" -w slow-mysql.pcapng
  wirelens pull lake --table transactions --where \"status_code >= 500\" -w 5xx.pcapng
  duckdb -c \"COPY (SELECT uid FROM read_parquet('lake/sessions/*/*/*.parquet')
            WHERE community_id = '1:LQU9qZlK+B5F3KDmev6m5PMibrg=') TO 'ids.csv'\"
  wirelens pull lake --from ids.csv -w flow.pcapng";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The lake's root directory.
    lake: PathBuf,
    /// SQL condition selecting the sessions (DuckDB's SQL).
    #[arg(
        long = "where",
        value_name = "PREDICATE",
        conflicts_with = "from",
        required_unless_present = "from"
    )]
    predicate: Option<String>,
    /// The table --where reads: sessions or transactions.
    #[arg(long, default_value = "sessions", value_parser = ["sessions", "transactions"])]
    table: String,
    /// A query's answer with a `uid` column (Parquet or CSV).
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// The capture to write (`-`: stdout).
    #[arg(short = 'w', value_name = "OUT")]
    out: String,
    /// Output format: pcapng, pcap or nsecpcap.
    #[arg(short = 'F', default_value = "pcapng")]
    format: String,
    /// Where the capture files are, when not at the paths the lake recorded (a file of
    /// the same name here is taken).
    #[arg(long, value_name = "DIR")]
    captures: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let lake = LakeDir::new(&args.lake);
    let uids = match (&args.predicate, &args.from) {
        (Some(pred), _) => query_uids(&args.lake, &args.table, pred)?,
        (None, Some(from)) => read::answer_uids(from).map_err(anyhow::Error::msg)?,
        (None, None) => bail!("--where or --from says which sessions"),
    };
    let (sessions, missing) = read::sessions(&lake, &uids).map_err(anyhow::Error::msg)?;
    for u in &missing {
        eprintln!("wirelens: {u}: no such session in {}", args.lake.display());
    }
    // The captures, in the order their sessions come.
    let mut order: Vec<String> = Vec::new();
    let mut by_capture: HashMap<String, Vec<&PullSession>> = HashMap::new();
    for s in &sessions {
        if !by_capture.contains_key(&s.capture_id) {
            order.push(s.capture_id.clone());
        }
        by_capture.entry(s.capture_id.clone()).or_default().push(s);
    }
    let mut captures: Vec<(PullCapture, PathBuf)> = Vec::new();
    for id in &order {
        let c = read::capture(&lake, id)
            .map_err(anyhow::Error::msg)?
            .with_context(|| format!("capture {id} is not in the lake's captures table"))?;
        let path = locate(&c.file, args.captures.as_deref())?;
        captures.push((c, path));
    }
    let mut packets: Vec<Vec<PacketPos>> = Vec::with_capacity(captures.len());
    for (id, (c, path)) in order.iter().zip(&captures) {
        packets.push(positions(&by_capture[id], c, path)?);
    }
    let capture = synthetic(&captures, &packets);
    let paths: Vec<String> = captures
        .iter()
        .map(|(_, p)| p.to_string_lossy().into_owned())
        .collect();
    let inputs = Inputs::new(&paths, true)?;
    let all: Vec<usize> = (0..capture.packets.len()).collect();
    let mut reread = Reread::packets(&capture, &all);
    reread.fill(usize::MAX, &mut |f| inputs.fetch(f.file, f.start, f.end));
    if let Some(e) = reread.error() {
        bail!("{e}");
    }
    write(&capture, &mut reread, &args.out, &args.format)?;
    eprintln!(
        "{} sessions, {} packets from {} captures written to {}",
        sessions.len(),
        capture.packets.len(),
        captures.len(),
        args.out
    );
    Ok(if missing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs `SELECT uid … WHERE pred` over the lake with DuckDB (its command, else Python's
/// module), in the order of the sessions' first packets.
fn query_uids(lake: &Path, table: &str, pred: &str) -> anyhow::Result<Vec<String>> {
    let out = std::env::temp_dir().join(format!("wirelens-pull-{}.csv", std::process::id()));
    let out_sql = out.to_string_lossy().replace('\'', "''");
    let sql = format!(
        "COPY (SELECT uid FROM {} WHERE {pred} GROUP BY uid ORDER BY min(ts_ns), uid) \
         TO '{out_sql}' (FORMAT csv, HEADER)",
        lake_sql::read_parquet(lake, table)
    );
    if let Err(e) = lake_sql::duckdb(&[], &sql, lake_sql::Format::Table) {
        let _ = std::fs::remove_file(&out);
        bail!("--where: {e}");
    }
    let uids = read::answer_uids(&out).map_err(anyhow::Error::msg);
    let _ = std::fs::remove_file(&out);
    uids
}

/// The capture file: where the lake says, else a file of the same name in `dir`.
fn locate(file: &str, dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let recorded = PathBuf::from(file);
    if let Some(dir) = dir {
        if let Some(name) = recorded.file_name() {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    if recorded.is_file() {
        return Ok(recorded);
    }
    bail!("{file}: the capture is not there (--captures DIR says where the captures are)")
}

/// The positions of the sessions' packets in one capture, in file order: the lake's,
/// or, for a session whose row holds only the first ones, its capture's.
fn positions(
    sessions: &[&PullSession],
    c: &PullCapture,
    path: &Path,
) -> anyhow::Result<Vec<PacketPos>> {
    let mut out: Vec<PacketPos> = Vec::new();
    let cut: Vec<&&PullSession> = sessions.iter().filter(|s| s.packets_cut).collect();
    for s in sessions.iter().filter(|s| !s.packets_cut) {
        out.extend_from_slice(&s.packets);
    }
    if !cut.is_empty() {
        let name = path.to_string_lossy().into_owned();
        let capture = read_captures(std::slice::from_ref(&name), Stages::FLOWS)?;
        if capture.interfaces.len() != c.interfaces.len() {
            bail!("{name} is not the capture the lake has: its interfaces differ");
        }
        let wanted: Vec<usize> = capture
            .conversations
            .iter()
            .enumerate()
            .filter(|(_, conv)| {
                cut.iter()
                    .any(|s| s.stream == conv.stream && s.proto == conv.proto.name())
            })
            .map(|(i, _)| i)
            .collect();
        for p in capture
            .packets
            .iter()
            .filter(|p| p.flow != NO_FLOW && wanted.contains(&(p.flow as usize)))
        {
            out.push(PacketPos::of(&p));
        }
    }
    // File order, once each (offsets grow through a file).
    out.sort_by_key(|p| p.offset);
    out.dedup_by_key(|p| p.offset);
    Ok(out)
}

/// A capture made of the packets to write: the files they are in, their interfaces, and
/// a row per packet, in time order across files (in file order within one).
fn synthetic(captures: &[(PullCapture, PathBuf)], packets: &[Vec<PacketPos>]) -> Capture {
    let mut capture = Capture::default();
    let mut iface_base = Vec::with_capacity(captures.len());
    for (f, (c, path)) in captures.iter().enumerate() {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        capture.files.push(FileInfo {
            name: path.to_string_lossy().into_owned(),
            compression: c.compression.as_deref().and_then(compression),
            bytes: size,
            ..FileInfo::default()
        });
        iface_base.push(capture.interfaces.len());
        for i in &c.interfaces {
            capture.interfaces.push(CaptureInterface {
                file: f as u16,
                interface: Interface {
                    linktype: i.linktype,
                    snaplen: i.snaplen,
                    name: i.name.clone(),
                    ts_per_sec: i.ts_per_sec,
                    ..Interface::default()
                },
                stats: None,
                packets: 0,
                section: 0,
            });
        }
    }
    // Merge the files by time; within a file keep its order.
    let mut cursors = vec![0usize; packets.len()];
    loop {
        let next = (0..packets.len())
            .filter(|&f| cursors[f] < packets[f].len())
            .min_by_key(|&f| (packets[f][cursors[f]].ts_ns, f));
        let Some(f) = next else { break };
        let p = packets[f][cursors[f]];
        cursors[f] += 1;
        capture.packets.push(PacketRow {
            ts_ns: p.ts_ns,
            offset: p.offset,
            caplen: p.caplen,
            len: p.len,
            flow: NO_FLOW,
            bytes_in_flight: 0,
            iface: (iface_base[f] + usize::from(p.iface)) as u16,
            file: f as u16,
            flags: 0,
            tcp: TcpHeader::Unknown,
            acks_back: 0,
        });
    }
    capture
}

fn compression(name: &str) -> Option<Compression> {
    Some(match name {
        "gzip" => Compression::Gzip,
        "zstd" => Compression::Zstd,
        "bzip2" => Compression::Bzip2,
        "xz" => Compression::Xz,
        _ => return None,
    })
}

fn write(capture: &Capture, src: &mut Reread<'_>, path: &str, format: &str) -> anyhow::Result<()> {
    let format = match format {
        "pcapng" => OutputFormat::PcapNg { big_endian: false },
        "pcap" => OutputFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        "nsecpcap" => OutputFormat::Pcap {
            big_endian: false,
            nanos: true,
        },
        other => bail!("-F {other}: the formats are pcapng, pcap and nsecpcap"),
    };
    let out: Box<dyn Write> = if path == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(path).with_context(|| format!("cannot create {path}"))?)
    };
    let mut export = Export::new(capture, format, BufWriter::with_capacity(1 << 16, out))
        .with_context(|| format!("cannot write {path}"))?;
    let mut buf = Vec::new();
    for (i, row) in capture.packets.iter().enumerate() {
        if !src.read(i, &row, &mut buf) {
            bail!(
                "{}: the packet at byte {} could not be read again; {path} is incomplete",
                capture.files[row.file as usize].name,
                row.offset
            );
        }
        export
            .packet(i, &buf)
            .with_context(|| format!("cannot write {path}"))?;
    }
    export
        .finish()
        .with_context(|| format!("cannot write {path}"))?;
    Ok(())
}
