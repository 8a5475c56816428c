//! `wirelens info`: what capinfos tells about each file.

use crate::input::read_captures;
use serde::Serialize;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::file::IfStats;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::wire::linktype;
use wirelens_core::ingest::Stages;

#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Each is described on its own.
    #[arg(required = true)]
    files: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct InterfaceInfo {
    linktype: u16,
    encapsulation: String,
    snaplen: u32,
    name: Option<String>,
    description: Option<String>,
    filter: Option<String>,
    os: Option<String>,
    timestamp_resolution: u64,
    packets: u64,
    stats: Option<IfStats>,
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    format: Option<String>,
    size: u64,
    packets: u64,
    /// Sum of captured lengths.
    data_size: u64,
    first_time: Option<String>,
    last_time: Option<String>,
    /// Seconds from the first packet to the last.
    duration: Option<f64>,
    strict_time_order: bool,
    hardware: Option<String>,
    os: Option<String>,
    application: Option<String>,
    comments: Vec<String>,
    packet_comments: usize,
    interfaces: Vec<InterfaceInfo>,
    blocks: std::collections::BTreeMap<&'static str, u64>,
    names: usize,
    decryption_secrets: usize,
    anomalies: Vec<String>,
    anomaly_count: u64,
    errors: Vec<String>,
}

fn report(capture: &Capture) -> FileReport {
    let file = &capture.files[0];
    let (first, last) = (file.first_ns, file.last_ns);
    let section = |f: fn(&wirelens_core::capture::file::Section) -> &Option<String>| {
        file.sections.iter().find_map(|s| f(s).clone())
    };
    FileReport {
        file: file.name.clone(),
        format: file.format.map(|f| f.to_string()),
        size: file.bytes,
        packets: file.packets,
        data_size: file.captured_bytes,
        first_time: first.map(utc),
        last_time: last.map(utc),
        duration: first.zip(last).map(|(a, b)| (b - a) as f64 / 1e9),
        strict_time_order: file.out_of_order == 0,
        hardware: section(|s| &s.hardware),
        os: section(|s| &s.os),
        application: section(|s| &s.application),
        comments: file
            .sections
            .iter()
            .flat_map(|s| s.comments.iter().cloned())
            .collect(),
        packet_comments: capture.comments.len(),
        interfaces: capture
            .interfaces
            .iter()
            .map(|i| InterfaceInfo {
                linktype: i.interface.linktype,
                encapsulation: linktype::name(i.interface.linktype).into_owned(),
                snaplen: i.interface.snaplen,
                name: i.interface.name.clone(),
                description: i.interface.description.clone(),
                filter: i.interface.filter.clone(),
                os: i.interface.os.clone(),
                timestamp_resolution: i.interface.ts_per_sec,
                packets: i.packets,
                stats: i.stats,
            })
            .collect(),
        blocks: file.blocks.clone(),
        names: capture.names.len(),
        decryption_secrets: capture.secrets.len(),
        anomalies: capture.anomalies.iter().map(|a| a.to_string()).collect(),
        anomaly_count: capture.anomaly_count,
        errors: capture.errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` in UTC (civil-from-days, H. Hinnant's algorithm).
fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{frac:09}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut reports = Vec::new();
    for path in &args.files {
        // What capinfos tells needs the records only: no dissection, and not even the
        // packet index (the per-file counts, times and sizes are kept without it).
        let stages = Stages::RECORDS.without_index();
        let capture = read_captures(std::slice::from_ref(path), stages)?;
        reports.push(report(&capture));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &reports)?;
        writeln!(out)?;
    } else {
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            print_report(&mut out, r)?;
        }
    }
    let failed = reports.iter().any(|r| !r.errors.is_empty());
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(out: &mut impl std::io::Write, r: &FileReport) -> std::io::Result<()> {
    let none = || "n/a".to_owned();
    writeln!(out, "File name:           {}", r.file)?;
    writeln!(
        out,
        "File type:           {}",
        r.format.clone().unwrap_or_else(none)
    )?;
    writeln!(out, "File size:           {} bytes", r.size)?;
    writeln!(out, "Number of packets:   {}", r.packets)?;
    writeln!(out, "Data size:           {} bytes", r.data_size)?;
    writeln!(
        out,
        "First packet time:   {}",
        r.first_time.clone().unwrap_or_else(none)
    )?;
    writeln!(
        out,
        "Last packet time:    {}",
        r.last_time.clone().unwrap_or_else(none)
    )?;
    match r.duration {
        Some(d) => writeln!(out, "Capture duration:    {d:.9} seconds")?,
        None => writeln!(out, "Capture duration:    n/a")?,
    }
    writeln!(
        out,
        "Strict time order:   {}",
        if r.strict_time_order { "True" } else { "False" }
    )?;
    for (label, v) in [
        ("Capture hardware:  ", &r.hardware),
        ("Capture oper-sys:  ", &r.os),
        ("Capture application:", &r.application),
    ] {
        if let Some(v) = v {
            writeln!(out, "{label} {v}")?;
        }
    }
    for c in &r.comments {
        writeln!(out, "Capture comment:     {c}")?;
    }
    if r.packet_comments > 0 {
        writeln!(out, "Packet comments:     {}", r.packet_comments)?;
    }
    if !r.blocks.is_empty() {
        let blocks: Vec<String> = r.blocks.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        writeln!(out, "pcapng blocks:       {}", blocks.join(", "))?;
    }
    if r.names > 0 {
        writeln!(out, "Resolved names:      {}", r.names)?;
    }
    if r.decryption_secrets > 0 {
        writeln!(
            out,
            "Decryption secrets:  {} block(s)",
            r.decryption_secrets
        )?;
    }
    writeln!(out, "Number of interfaces in file: {}", r.interfaces.len())?;
    for (n, i) in r.interfaces.iter().enumerate() {
        writeln!(out, "Interface #{n} info:")?;
        if let Some(name) = &i.name {
            writeln!(out, "                     Name = {name}")?;
        }
        if let Some(d) = &i.description {
            writeln!(out, "                     Description = {d}")?;
        }
        writeln!(
            out,
            "                     Encapsulation = {} ({})",
            i.encapsulation, i.linktype
        )?;
        writeln!(out, "                     Capture length = {}", i.snaplen)?;
        writeln!(
            out,
            "                     Time resolution = {} per second",
            i.timestamp_resolution
        )?;
        if let Some(f) = &i.filter {
            writeln!(out, "                     Capture filter = {f}")?;
        }
        if let Some(os) = &i.os {
            writeln!(out, "                     Operating system = {os}")?;
        }
        if let Some(s) = &i.stats {
            let show = |v: Option<u64>| v.map_or_else(|| "n/a".to_owned(), |v| v.to_string());
            writeln!(
                out,
                "                     Packets received = {}",
                show(s.received)
            )?;
            writeln!(
                out,
                "                     Packets dropped (interface) = {}",
                show(s.dropped)
            )?;
            writeln!(
                out,
                "                     Packets dropped (OS) = {}",
                show(s.os_dropped)
            )?;
            writeln!(
                out,
                "                     Packets accepted by filter = {}",
                show(s.filter_accepted)
            )?;
        }
        writeln!(
            out,
            "                     Number of packets = {}",
            i.packets
        )?;
    }
    if r.anomaly_count > 0 {
        writeln!(out, "Anomalies:           {}", r.anomaly_count)?;
        for a in &r.anomalies {
            writeln!(out, "  {a}")?;
        }
    }
    for e in &r.errors {
        writeln!(out, "Error:               {e}")?;
    }
    Ok(())
}

#[cfg(test)]
mod test {
    #[test]
    fn formats_utc_times() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00.000000000");
        assert_eq!(
            super::utc(1_700_000_000_123_456_789),
            "2023-11-14 22:13:20.123456789"
        );
        assert_eq!(super::utc(-1), "1969-12-31 23:59:59.999999999");
    }
}
