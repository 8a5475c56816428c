//! `wirelens list`: one line per packet, or chosen fields, as tshark prints them.
//!
//! Two passes: the core indexes the capture(s), then the packets are filtered and printed
//! in timeline order, their bytes re-read by offset only where a field or the summary
//! line needs them. Memory stays at the index (32 bytes a packet) plus one read window
//! per file:
//! - plain files are read again by offset, through a 1 MiB window (the pass goes forward,
//!   so each window serves many packets);
//! - compressed files are decompressed again, forward, keeping 32 MiB behind the packet
//!   read last (a read further back, which only the look-back of `tcp.seq`/`tcp.ack` at a
//!   conversation's first packets can ask for, starts the decompression over);
//! - stdin is copied to a temporary file while it is read (deleted at exit), then treated
//!   as a file.

use crate::input::{report_errors, Inputs};
use anyhow::{bail, Context as _};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write as _};
use std::process::ExitCode;
use wirelens_core::capture::file::Compression;
use wirelens_core::capture::packet::PacketRow;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::decompress::Decoder;

use wirelens_core::query::fields::{self, Fid, PacketSource, Value};
use wirelens_core::query::filter::{Evaluator, Filter};
use wirelens_core::query::rows::Rows;

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
    /// `udp.port==5300,dns` (http, tls, dns, memcache, mysql, resp, none). Repeatable.
    #[arg(short = 'd', long = "decode-as", value_name = "tcp.port==PORT,PROTO")]
    decode_as: Vec<String>,
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
    let capture = inputs.read(&crate::apps::options(&args.decode_as)?)?;
    let paths: Vec<String> = (0..args.files.len())
        .map(|i| {
            inputs
                .path(i)
                .map_or(String::new(), |p| p.to_string_lossy().into_owned())
        })
        .collect();
    let mut src = FileSource::new(&capture, &paths)?;
    let result = match &args.write {
        Some(path) => crate::export::write(
            &capture,
            &filter,
            args.count,
            path,
            &args.write_format,
            &mut src,
        ),
        None => print(&capture, &filter, &format, args, &mut src),
    };
    let had_errors = report_errors(&capture);
    if let Some(e) = src.error.take() {
        eprintln!("wirelens: {e}");
    }
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
    src: &mut FileSource,
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
    let mut ev = Evaluator::new(capture);
    // One pass collects the per-PDU fields (memcache, resp) of the filter and the columns.
    ev.prepare(filter, &format.fields, src);
    let mut rows = Rows::new(capture);
    let mut prev_ts = None;
    let mut detail = crate::detail::Printer::new(args.format == "pdml", args.verbose, args.hex);
    detail.start(&mut out, &args.files)?;
    let limit = args.count.map_or(capture.packets.len(), |c| {
        (c as usize).min(capture.packets.len())
    });
    let mut values: Vec<Value> = Vec::new();
    let mut line = String::new();
    let mut cell = String::new();
    for i in 0..limit {
        if !ev.matches(filter, i, src) {
            continue;
        }
        line.clear();
        if detail.active() {
            detail.packet(&mut out, &mut ev, i, src)?;
            continue;
        }
        if as_fields {
            for (n, f) in format.fields.iter().enumerate() {
                if n > 0 {
                    line.push_str(&format.separator);
                }
                values.clear();
                let ctx = ev.fields();
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
            let r = rows.row(ev.fields(), i, prev_ts, src);
            prev_ts = Some(r.ts_ns);
            use std::fmt::Write as _;
            let _ = write!(
                line,
                "{:>7} {:>11} {} → {} {} {} {}",
                r.number, r.time, r.src, r.dst, r.protocol, r.length, r.info
            );
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    detail.finish(&mut out)?;
    out.flush()?;
    Ok(())
}

fn quote(s: &str, q: Option<char>) -> String {
    match q {
        Some(q) => format!("{q}{s}{q}"),
        None => s.to_owned(),
    }
}

/// Bytes of packets, re-read from the capture files.
pub struct FileSource {
    files: Vec<Reader>,
    /// The first read error, reported once at the end (the packets concerned show empty
    /// fields).
    pub error: Option<String>,
}

/// Read windows of this size serve consecutive packets.
const WINDOW: usize = 1 << 20;
/// Decompressed bytes kept behind the packet read last (compressed files).
const KEEP_BEHIND: u64 = 32 << 20;

struct Reader {
    path: String,
    compression: Option<Compression>,
    file: Option<File>,
    decoder: Option<Decoder>,
    /// Bytes of the (decompressed) file from `start`.
    window: Vec<u8>,
    start: u64,
    /// End of the stored file reached (compressed files).
    eof: bool,
}

impl FileSource {
    /// Sources for the files of `capture`, at `paths` (in the order they were read).
    pub fn new(capture: &Capture, paths: &[String]) -> anyhow::Result<Self> {
        let files = paths
            .iter()
            .zip(&capture.files)
            .map(|(p, info)| Reader {
                path: p.clone(),
                compression: info.compression,
                file: None,
                decoder: None,
                window: Vec::new(),
                start: 0,
                eof: false,
            })
            .collect();
        Ok(FileSource { files, error: None })
    }
}

impl PacketSource for FileSource {
    fn read(&mut self, _index: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        let Some(r) = self.files.get_mut(row.file as usize) else {
            return false;
        };
        match r.read(row.offset, row.caplen as usize, buf) {
            Ok(true) => true,
            Ok(false) => false,
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(format!("cannot re-read packets of {}: {e:#}", r.path));
                }
                false
            }
        }
    }
}

impl Reader {
    fn open(&mut self) -> anyhow::Result<&mut File> {
        if self.file.is_none() {
            self.file =
                Some(File::open(&self.path).with_context(|| format!("cannot open {}", self.path))?);
        }
        Ok(self.file.as_mut().expect("just opened"))
    }

    fn read(&mut self, offset: u64, len: usize, buf: &mut Vec<u8>) -> anyhow::Result<bool> {
        let end = offset + len as u64;
        let have = offset >= self.start && end <= self.start + self.window.len() as u64;
        if !have {
            match self.compression {
                None => self.fill_plain(offset, len)?,
                Some(c) => self.fill_compressed(c, offset, end)?,
            }
        }
        let at = offset.checked_sub(self.start).map(|a| a as usize);
        match at.and_then(|a| self.window.get(a..a + len)) {
            Some(bytes) => {
                buf.clear();
                buf.extend_from_slice(bytes);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn fill_plain(&mut self, offset: u64, len: usize) -> anyhow::Result<()> {
        let want = len.max(WINDOW);
        let mut window = std::mem::take(&mut self.window);
        window.clear();
        let file = self.open()?;
        file.seek(SeekFrom::Start(offset))?;
        file.take(want as u64).read_to_end(&mut window)?;
        self.window = window;
        self.start = offset;
        Ok(())
    }

    fn fill_compressed(&mut self, c: Compression, offset: u64, end: u64) -> anyhow::Result<()> {
        if offset < self.start || self.decoder.is_none() {
            // Start over from the beginning of the file.
            self.file = None;
            self.open()?;
            self.decoder = Some(Decoder::new(c));
            self.window.clear();
            self.start = 0;
            self.eof = false;
        }
        let mut chunk = vec![0u8; 1 << 16];
        while self.start + (self.window.len() as u64) < end && !self.eof {
            // Keep KEEP_BEHIND bytes before the wanted packet (a look back at the first
            // packets of a TCP conversation, or a read just ahead of the pass, then needs
            // no restart); drop the rest: the pass goes forward.
            let keep_from = offset.saturating_sub(KEEP_BEHIND);
            let drop = (keep_from.saturating_sub(self.start) as usize).min(self.window.len());
            self.window.drain(..drop);
            self.start += drop as u64;
            let n = self.file.as_mut().expect("opened above").read(&mut chunk)?;
            let (decoder, window) = (self.decoder.as_mut().expect("made above"), &mut self.window);
            let mut sink = |plain: &[u8]| window.extend_from_slice(plain);
            if n == 0 {
                self.eof = true;
                decoder
                    .finish(&mut sink)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            } else {
                decoder
                    .feed(&chunk[..n], &mut sink)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        Ok(())
    }
}
