//! `wirelens fields`: the fields that display filters and `-e` columns can name.

use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::query::fields::{FieldDef, Origin, Status, FIELDS};

#[derive(clap::Args)]
pub struct Args {
    /// Only fields whose name starts with one of these (`tcp`, `ip.`, `memcache`).
    prefixes: Vec<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    def: &'a FieldDef,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let rows: Vec<&FieldDef> = FIELDS
        .iter()
        .filter(|f| {
            args.prefixes.is_empty()
                || args.prefixes.iter().any(|p| {
                    f.name == p || f.name.starts_with(&format!("{}.", p.trim_end_matches('.')))
                })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let rows: Vec<Row> = rows.into_iter().map(|def| Row { def }).collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = rows.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in rows {
        let mut notes = Vec::new();
        if f.status == Status::NotYetExtracted {
            notes.push("not yet extracted");
        }
        if f.origin == Origin::Wirelens {
            notes.push("Wirelens's own");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join("; "))
        };
        writeln!(
            out,
            "{:<width$}  {:<16}  {}{}",
            f.name,
            f.ty.wireshark_name(),
            f.description,
            notes
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
