//! `wirelens sql LAKE "SELECT …"`: a query over the lake's tables, named `sessions`,
//! `transactions` and `captures`, run by DuckDB: the `duckdb` command when it is on PATH,
//! else Python's `duckdb` module. Wirelens has no query engine of its own (and links no
//! DuckDB: its bundled build takes the better part of an hour on two cores).

use anyhow::{bail, Context as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use wirelens_lake::dir::LakeDir;
use wirelens_lake::Table;

const AFTER_HELP: &str = "\
TABLES:
  sessions, transactions and captures are views over LAKE/<table>/*/*/*.parquet with
  the date and sensor partitions as columns (`wirelens export --help` lists the
  columns). A table without files has no view.

EXAMPLES:
  wirelens sql lake \"SELECT sensor, count(*) FROM sessions GROUP BY ALL\"
  wirelens sql lake --csv \"SELECT * FROM transactions WHERE service = 'http' AND status_code >= 500\"
  wirelens sql lake \"SELECT fingerprint, max(latency) FROM transactions
                      WHERE service = 'mysql' GROUP BY ALL ORDER BY 2 DESC LIMIT 10\"";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The lake's root directory.
    lake: PathBuf,
    /// The query (DuckDB's SQL).
    sql: String,
    /// Print CSV with a header.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print a JSON array of objects.
    #[arg(long)]
    json: bool,
}

/// How DuckDB prints a result.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// DuckDB's boxes.
    Table,
    /// CSV with a header.
    Csv,
    /// A JSON array of objects.
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let format = match (args.csv, args.json) {
        (true, _) => Format::Csv,
        (_, true) => Format::Json,
        _ => Format::Table,
    };
    let views = views(&args.lake)?;
    if views.is_empty() {
        bail!(
            "{}: no lake here (no Parquet files under sessions/, transactions/ or captures/)",
            args.lake.display()
        );
    }
    let out = duckdb(&views, &args.sql, format)?;
    std::io::stdout().lock().write_all(&out.stdout)?;
    Ok(ExitCode::SUCCESS)
}

/// `CREATE VIEW` of each table that has files.
fn views(lake: &Path) -> anyhow::Result<Vec<String>> {
    let dir = LakeDir::new(lake);
    let mut out = Vec::new();
    for table in [Table::Sessions, Table::Transactions, Table::Captures] {
        let parts = dir
            .parts(table)
            .with_context(|| format!("cannot read {}", lake.display()))?;
        if parts.is_empty() {
            continue;
        }
        out.push(format!(
            "CREATE VIEW {} AS SELECT * FROM {}",
            table.dir(),
            read_parquet(lake, table.dir())
        ));
    }
    Ok(out)
}

/// DuckDB's `read_parquet` of a table of the lake, partitions as columns.
pub fn read_parquet(lake: &Path, table: &str) -> String {
    let glob = lake.join(table).join("*/*/*.parquet");
    format!(
        "read_parquet('{}', hive_partitioning = true, union_by_name = true)",
        glob.to_string_lossy().replace('\'', "''")
    )
}

/// What Python runs: the statements of argv[2:], then argv[1]'s format of the last.
const PYTHON: &str = "\
import sys, json, csv, duckdb
con = duckdb.connect()
try:
    for stmt in sys.argv[2:-1]:
        con.execute(stmt)
    r = con.sql(sys.argv[-1])
except duckdb.Error as e:
    sys.exit(str(e))
if r is not None:
    if sys.argv[1] == 'csv':
        w = csv.writer(sys.stdout, lineterminator='\\n')
        w.writerow(r.columns)
        w.writerows(r.fetchall())
    elif sys.argv[1] == 'json':
        rows = [dict(zip(r.columns, row)) for row in r.fetchall()]
        print(json.dumps(rows, default=str, indent=1))
    else:
        r.show(max_rows=10000)
";

/// Runs `setup` then `sql` with DuckDB (its command, else Python's module) and returns
/// what it printed; an error with DuckDB's message when it fails.
pub fn duckdb(setup: &[String], sql: &str, format: Format) -> anyhow::Result<Output> {
    let ran = if on_path("duckdb") {
        let flag = match format {
            Format::Table => "-box",
            Format::Csv => "-csv",
            Format::Json => "-json",
        };
        let mut all = setup.join(";\n");
        if !all.is_empty() {
            all.push_str(";\n");
        }
        all.push_str(sql);
        Command::new("duckdb").arg(flag).arg("-c").arg(all).output()
    } else {
        let name = match format {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
        };
        Command::new("python3")
            .args(["-c", PYTHON, name])
            .args(setup)
            .arg(sql)
            .output()
    };
    let ran = ran.context(NO_DUCKDB)?;
    if !ran.status.success() {
        let msg = String::from_utf8_lossy(&ran.stderr);
        if msg.contains("No module named 'duckdb'") {
            bail!(NO_DUCKDB);
        }
        bail!("DuckDB: {}", msg.trim());
    }
    Ok(ran)
}

const NO_DUCKDB: &str =
    "this runs DuckDB: install the duckdb command or Python's duckdb module (pip install duckdb)";

/// True when a command is on PATH.
fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(cmd).is_file()))
}
