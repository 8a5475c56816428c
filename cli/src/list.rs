//! `wirelens list`: one line per packet, or chosen fields, as tshark prints them.
//!
//! The core indexes the capture(s), then runs the display filter over the packets in
//! timeline order (`query::scan`, as the web worker does) and they are printed as they
//! pass. The core's re-read planner names the byte ranges to read again: windows of up to
//! 16 MiB, in a compressed file from the restart point before them, so memory stays at
//! the index plus one window per file. Stdin is copied to a temporary file while it is
//! read (deleted at exit), then treated as a file.

use crate::input::{report_errors, Inputs};
use anyhow::bail;
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::Capture;
use wirelens_core::query::fields::{self, pdu, Fid, Value};
use wirelens_core::query::filter::Filter;
use wirelens_core::query::rows::{Row, Rows};
use wirelens_core::query::scan::{Scan, ScanOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng, compressed or not); `-` reads stdin. Several files
    /// are merged into one timeline by time.
    #[arg(required = true)]
    files: Vec<String>,
    /// Display filter (Wireshark's language), e.g. `tcp.port == 11211 && frame.len > 1000`.
    #[arg(short = 'Y', long = "display-filter", value_name = "FILTER")]
    filter: Option<String>,
    /// Read at most this many packets (as tshark's -c: counted before the filter).
    #[arg(short = 'c', value_name = "N")]
    count: Option<u64>,
    /// Output format: `text` (summary lines), `fields` (the -e fields) or `pdml` (the
    /// packet detail as tshark's PDML XML).
    #[arg(short = 'T', value_name = "FORMAT", default_value = "text", value_parser = ["text", "fields", "pdml"])]
    format: String,
    /// Print the packet detail tree of each packet (as tshark -V).
    #[arg(short = 'V')]
    verbose: bool,
    /// Print each packet's bytes in hex and ASCII (as tshark -x).
    #[arg(short = 'x')]
    hex: bool,
    /// A field to print with `-T fields` (repeat for more columns), e.g. `-e ip.src`.
    #[arg(short = 'e', value_name = "FIELD")]
    fields: Vec<String>,
    /// Decode a port as a protocol, as tshark's `-d`: `tcp.port==21211,memcache`,
    /// `udp.port==5300,dns` (http, http2, tls, dns, memcache, mysql, pgsql, resp, quic,
    /// none). Repeatable.
    #[arg(short = 'd', long = "decode-as", value_name = "tcp.port==PORT,PROTO")]
    decode_as: Vec<String>,
    /// A preference, as tshark's `-o`: `tls.keylog_file:PATH` decrypts TLS with an NSS
    /// key log. Repeatable.
    #[arg(short = 'o', value_name = "tls.keylog_file:PATH")]
    prefs: Vec<String>,
    /// Options of `-T fields`, as tshark: `separator=,|/t|/s|C`, `header=y|n`,
    /// `quote=d|s|n`, `occurrence=f|l|a`, `aggregator=,|/s|C`.
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    options: Vec<String>,
    /// Write the packets (those the filter keeps) to this capture file instead of
    /// printing them, as tshark's `-w`; `-` is stdout.
    #[arg(short = 'w', value_name = "FILE")]
    write: Option<String>,
    /// Format of the `-w` file, as tshark's `-F`: pcapng, pcap (microseconds) or
    /// nsecpcap (nanoseconds).
    #[arg(short = 'F', value_name = "FORMAT", default_value = "pcapng", value_parser = ["pcapng", "pcap", "nsecpcap"])]
    write_format: String,
}

impl Args {
    /// `list FILES [-Y FILTER] -w OUT -F FORMAT`: what `wirelens extract` runs.
    pub fn write_to(
        files: Vec<String>,
        filter: Option<String>,
        write: String,
        format: String,
    ) -> Args {
        Args {
            files,
            filter,
            count: None,
            format: "text".into(),
            verbose: false,
            hex: false,
            fields: Vec::new(),
            decode_as: Vec::new(),
            prefs: Vec::new(),
            options: Vec::new(),
            write: Some(write),
            write_format: format,
        }
    }
}

struct FieldsFormat {
    fields: Vec<Fid>,
    separator: String,
    header: bool,
    quote: Option<char>,
    occurrence: Occurrence,
    aggregator: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Occurrence {
    First,
    Last,
    All,
}

fn unescape_sep(v: &str) -> String {
    match v {
        "/t" => "\t".into(),
        "/s" => " ".into(),
        v => v.into(),
    }
}

fn fields_format(args: &Args) -> anyhow::Result<FieldsFormat> {
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for name in &args.fields {
        match fields::lookup(name) {
            Some(f) => fields.push(f),
            None => bad.push(match fields::suggest(name) {
                Some(s) => format!("{name} (did you mean {s}?)"),
                None => name.clone(),
            }),
        }
    }
    if !bad.is_empty() {
        bail!(
            "Some fields aren't valid: {}\n(`wirelens fields` lists them)",
            bad.join(", ")
        );
    }
    if args.format == "fields" && fields.is_empty() {
        bail!("-T fields was given, but no fields were specified with -e");
    }
    let mut f = FieldsFormat {
        fields,
        separator: "\t".into(),
        header: false,
        quote: None,
        occurrence: Occurrence::All,
        aggregator: ",".into(),
    };
    for opt in &args.options {
        let Some((k, v)) = opt.split_once('=') else {
            bail!("-E {opt}: expected OPTION=VALUE")
        };
        match (k, v) {
            ("separator", v) => f.separator = unescape_sep(v),
            ("aggregator", v) => f.aggregator = unescape_sep(v),
            ("header", "y") => f.header = true,
            ("header", "n") => f.header = false,
            ("quote", "d") => f.quote = Some('"'),
            ("quote", "s") => f.quote = Some('\''),
            ("quote", "n") => f.quote = None,
            ("occurrence", "f") => f.occurrence = Occurrence::First,
            ("occurrence", "l") => f.occurrence = Occurrence::Last,
            ("occurrence", "a") => f.occurrence = Occurrence::All,
            _ => bail!("-E {opt}: unknown option or value (separator, aggregator, header=y|n, quote=d|s|n, occurrence=f|l|a)"),
        }
    }
    Ok(f)
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let format = fields_format(args)?;
    let filter = match &args.filter {
        Some(text) => Filter::compile(text)
            .map_err(|e| anyhow::anyhow!("invalid display filter: {}", e.render(text)))?,
        None => Filter::compile("").expect("the empty filter compiles"),
    };
    for name in filter.not_yet_extracted() {
        eprintln!("wirelens: note: {name} is not yet extracted; it matches no packet");
    }
    // Stdin can be read once only: keep a copy to re-read packets from.
    let inputs = Inputs::new(&args.files, true)?;
    let capture = inputs.read(&crate::apps::options(&args.decode_as, &args.prefs)?)?;
    let result = match &args.write {
        Some(path) => crate::export::write(
            &capture,
            &filter,
            args.count,
            path,
            &args.write_format,
            &inputs,
        ),
        None => print(&capture, &filter, &format, args, &inputs),
    };
    let had_errors = report_errors(&capture);
    drop(inputs);
    result?;
    Ok(if had_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print(
    capture: &Capture,
    filter: &Filter,
    format: &FieldsFormat,
    args: &Args,
    inputs: &Inputs,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let as_fields = args.format == "fields";
    if as_fields && format.header {
        let names: Vec<String> = format
            .fields
            .iter()
            .map(|f| quote(f.name(), format.quote))
            .collect();
        writeln!(out, "{}", names.join(&format.separator))?;
    }
    let mut rows = Rows::new(capture);
    let mut prev_ts = None;
    // The summary line needs every packet's bytes; fields only when one is not in the
    // index (whether one is depends on the packet's kind, which a filter of the fields
    // tells).
    let mut detail = crate::detail::Printer::new(args.format == "pdml", args.verbose, args.hex);
    detail.start(&mut out, &args.files)?;
    let columns = format.fields.iter().any(|&f| Row::is_column(f));
    let bytes = !as_fields || detail.active() || columns || {
        let names: Vec<&str> = format.fields.iter().map(|f| f.name()).collect();
        // Per-PDU fields are collected by the scan's first pass.
        Filter::compile(&names.join(" || ")).map_or(true, |f| {
            f.may_read_packets_besides(capture, |f| pdu::proto_of(f).is_some())
        })
    };
    let mut scan = Scan::new(
        capture,
        filter,
        &format.fields,
        ScanOptions {
            bytes,
            limit: args.count.map(|c| c as usize),
        },
    );
    let mut values: Vec<Value> = Vec::new();
    let mut line = String::new();
    let mut cell = String::new();
    while let Some(i) = inputs.next_match(&mut scan) {
        let (ctx, src) = scan.packet();
        line.clear();
        if detail.active() {
            detail.packet(&mut out, ctx, i, src)?;
            continue;
        }
        if as_fields {
            // The packet-list columns (`_ws.col.Info` …) come from the rows query.
            let row = columns.then(|| rows.row(ctx, i, prev_ts, src));
            if let Some(r) = &row {
                prev_ts = Some(r.ts_ns);
            }
            for (n, f) in format.fields.iter().enumerate() {
                if n > 0 {
                    line.push_str(&format.separator);
                }
                if let Some(text) = row.as_ref().and_then(|r| r.column(*f)) {
                    line.push_str(&quote(&text, format.quote));
                    continue;
                }
                values.clear();
                ctx.extract(*f, 0, src, &mut values);
                let chosen: &[Value] = match (format.occurrence, values.len()) {
                    (_, 0) => &[],
                    (Occurrence::First, _) => &values[..1],
                    (Occurrence::Last, n) => &values[n - 1..],
                    (Occurrence::All, _) => &values,
                };
                cell.clear();
                for (k, v) in chosen.iter().enumerate() {
                    if k > 0 {
                        cell.push_str(&format.aggregator);
                    }
                    let bytes = match v {
                        Value::Bytes(s) | Value::Str(s) | Value::Proto(s) => ctx.span(*s, &[]),
                        _ => &[],
                    };
                    fields::display(*f, v, bytes, &mut cell);
                }
                if !chosen.is_empty() {
                    line.push_str(&quote(&cell, format.quote));
                }
            }
        } else {
            let r = rows.row(ctx, i, prev_ts, src);
            prev_ts = Some(r.ts_ns);
            summary_line(&mut line, &r);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    detail.finish(&mut out)?;
    out.flush()?;
    if let Some(e) = scan.error() {
        eprintln!("wirelens: {e}");
    }
    Ok(())
}

/// A row as tshark prints its default columns: No. right-aligned in at least 5 bytes,
/// Time in at least 10, Source right-aligned and Destination left-aligned in at least 12
/// (tshark.c `print_columns`; widths in bytes, as its `strlen`), the others as they are.
fn summary_line(line: &mut String, r: &Row) {
    use std::fmt::Write as _;
    let pad = |line: &mut String, n: usize| line.extend(std::iter::repeat_n(' ', n));
    let right = |line: &mut String, s: &str, width: usize| {
        pad(line, width.saturating_sub(s.len()));
        line.push_str(s);
    };
    let _ = write!(line, "{:>5} ", r.number);
    right(line, &r.time, 10);
    line.push(' ');
    right(line, &r.src, 12);
    line.push_str(" → ");
    line.push_str(&r.dst);
    pad(line, 12usize.saturating_sub(r.dst.len()));
    let _ = write!(line, " {} {} {}", r.protocol, r.length, r.info);
}

fn quote(s: &str, q: Option<char>) -> String {
    match q {
        Some(q) => format!("{q}{s}{q}"),
        None => s.to_owned(),
    }
}
