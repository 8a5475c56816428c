//! `wirelens sessions`: bcc's `tcplife` on a capture file, with its columns and flags.

use crate::input::{read_captures, report_errors};
use serde::Serialize;
use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use wirelens_core::ingest::Stages;
use wirelens_core::query::sessions::{self, End, LocalBy, Peer, Session};

const AFTER_HELP: &str = "\
COLUMNS (as tcplife's):
  TIME     -T: when the session started, HH:MM:SS in UTC
  TIME(s)  -t: seconds from the capture's first packet to the session's first packet
  PID      process id of the local side, when the capture carries it
  COMM     process name of the local side, when the capture carries it
  IP       4 or 6 (with -w or -s)
  LADDR    local address          LPORT  local port
  RADDR    remote address         RPORT  remote port
  TX_KB    TCP payload sent by the local side, in KiB (rounded down, as tcplife)
  RX_KB    TCP payload received by the local side, in KiB
  MS       lifespan: first to last packet of the session, in milliseconds

One row per TCP session (Wireshark's tcp.stream), in order of their first packet.
tcplife prints a session when it closes and its TIME is that moment; a capture knows
both ends, so here TIME is the start and --json has both (start_ns, end_ns).

Local is the side with an address of the capturing host when the capture names the
host's addresses (pcapng if_IPv4addr/if_IPv6addr, as wirelens-capture writes them);
otherwise the side that initiated: the sender of the SYN, else the receiver of the
SYN-ACK, else the sender of the first packet. PID and COMM come from packet comments
`pid=<pid> comm=<comm>` (wirelens-capture writes them) or Apple's process information
(tcpdump -k on macOS, or a PKTAP capture's headers: tcpdump -i pktap); they are empty
when the capture has none.

--json prints every row with exact values: tx_bytes, rx_bytes, start_ns, end_ns,
lifespan_ns, how local was chosen (local_by: host, syn, syn-ack, first-packet), how the
session stood at the end of the capture (end: open, half-closed, closed, reset; end_by:
local or remote) and the handshake's initial_rtt_ns.

EXAMPLES:
  wirelens sessions web-*.pcapng            all sessions of a rotated set
  wirelens sessions -stT -L 80,443 cap.pcap  CSV of sessions served on ports 80 and 443
  wirelens sessions -D 11211 --json cap.pcap sessions to memcached, as JSON";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Comma-separated values, with tcplife's header.
    #[arg(short = 's', long = "csv")]
    csv: bool,
    /// Include a TIME(s) column: seconds since the capture's first packet.
    #[arg(short = 't', long = "timestamp")]
    timestamp: bool,
    /// Include a TIME column: HH:MM:SS (UTC) of the session's start.
    #[arg(short = 'T', long = "time")]
    time: bool,
    /// Wide columns (fit IPv6 addresses), with an IP version column.
    #[arg(short = 'w', long = "wide")]
    wide: bool,
    /// Only sessions of this process id.
    #[arg(short = 'p', long = "pid", value_name = "PID")]
    pid: Option<u32>,
    /// Only sessions with one of these local ports (comma-separated).
    #[arg(
        short = 'L',
        long = "localport",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    local_ports: Vec<u16>,
    /// Only sessions with one of these remote ports (comma-separated).
    #[arg(
        short = 'D',
        long = "remoteport",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    remote_ports: Vec<u16>,
    /// Only IPv4 sessions.
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    ipv4: bool,
    /// Only IPv6 sessions.
    #[arg(short = '6', long = "ipv6")]
    ipv6: bool,
    /// Print a JSON array instead of a table.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
}

/// One row of `--json`, with the keys documented in the README.
#[derive(Serialize)]
struct Row {
    stream: u32,
    /// HH:MM:SS (UTC) of the first packet.
    time: String,
    /// Seconds from the capture's first packet to the session's first, in whole µs.
    time_s: f64,
    start_ns: i64,
    end_ns: i64,
    pid: Option<u32>,
    comm: Option<String>,
    ip: u8,
    laddr: IpAddr,
    lport: u16,
    raddr: IpAddr,
    rport: u16,
    tx_kb: u64,
    rx_kb: u64,
    ms: f64,
    tx_bytes: u64,
    rx_bytes: u64,
    lifespan_ns: i64,
    local_by: LocalBy,
    end: End,
    end_by: Option<Peer>,
    initial_rtt_ns: Option<i64>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Sessions need the TCP analysis (handshake, end), not the apps.
    let capture = read_captures(&args.files, Stages::TCP)?;
    let origin = capture.first_ts_ns();
    let sessions: Vec<Session> = sessions::sessions(&capture)
        .into_iter()
        .filter(|s| args.keeps(s))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let rows: Vec<Row> = sessions.iter().map(|s| row(s, origin)).collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        print_rows(&mut out, args, &sessions, origin)?;
    }
    out.flush()?;
    let had_errors = report_errors(&capture);
    Ok(if had_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

impl Args {
    fn keeps(&self, s: &Session) -> bool {
        (self.local_ports.is_empty() || self.local_ports.contains(&s.lport))
            && (self.remote_ports.is_empty() || self.remote_ports.contains(&s.rport))
            && self.pid.is_none_or(|p| s.pid == Some(p))
            && !(self.ipv4 && s.ip_version() != 4)
            && !(self.ipv6 && s.ip_version() != 6)
    }
}

fn row(s: &Session, origin: i64) -> Row {
    let rel_us = (s.start_ns - origin).div_euclid(1000);
    Row {
        stream: s.stream,
        time: hms(s.start_ns),
        time_s: rel_us as f64 / 1e6,
        start_ns: s.start_ns,
        end_ns: s.end_ns,
        pid: s.pid,
        comm: s.comm.clone(),
        ip: s.ip_version(),
        laddr: s.laddr,
        lport: s.lport,
        raddr: s.raddr,
        rport: s.rport,
        tx_kb: s.tx_kb(),
        rx_kb: s.rx_kb(),
        ms: s.ms(),
        tx_bytes: s.tx_bytes,
        rx_bytes: s.rx_bytes,
        lifespan_ns: s.lifespan_ns(),
        local_by: s.local_by,
        end: s.end,
        end_by: s.end_by,
        initial_rtt_ns: s.initial_rtt_ns,
    }
}

/// tcplife's output: the same header, column widths and number formats.
fn print_rows(
    out: &mut impl Write,
    args: &Args,
    sessions: &[Session],
    origin: i64,
) -> std::io::Result<()> {
    // The time columns come first, -T before -t (tcplife prints them in that order).
    if args.time {
        write!(
            out,
            "{}",
            if args.csv {
                "TIME,".to_owned()
            } else {
                format!("{:<8} ", "TIME")
            }
        )?;
    }
    if args.timestamp {
        write!(
            out,
            "{}",
            if args.csv {
                "TIME(s),".to_owned()
            } else {
                format!("{:<9} ", "TIME(s)")
            }
        )?;
    }
    let h = [
        "PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS",
    ];
    if args.csv {
        writeln!(out, "{}", h.join(","))?;
    } else if args.wide {
        writeln!(
            out,
            "{:<5} {:<16} {:<2} {:<26} {:<5} {:<26} {:<5} {:>6} {:>6} {}",
            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]
        )?;
    } else {
        writeln!(
            out,
            "{:<5} {:<10} {:<15} {:<5} {:<15} {:<5} {:>5} {:>5} {}",
            h[0], h[1], h[3], h[4], h[5], h[6], h[7], h[8], h[9]
        )?;
    }
    for s in sessions {
        if args.time {
            let t = hms(s.start_ns);
            write!(
                out,
                "{}",
                if args.csv {
                    format!("{t},")
                } else {
                    format!("{t:<8} ")
                }
            )?;
        }
        if args.timestamp {
            let t = seconds(s.start_ns - origin);
            write!(
                out,
                "{}",
                if args.csv {
                    format!("{t},")
                } else {
                    format!("{t:<9} ")
                }
            )?;
        }
        let pid = s.pid.map(|p| p.to_string()).unwrap_or_default();
        let comm = s.comm.as_deref().unwrap_or("");
        let ms = format!("{:.2}", s.ms());
        if args.csv {
            writeln!(
                out,
                "{pid},{},{},{},{},{},{},{},{},{ms}",
                csv_field(comm),
                s.ip_version(),
                s.laddr,
                s.lport,
                s.raddr,
                s.rport,
                s.tx_kb(),
                s.rx_kb()
            )?;
        } else if args.wide {
            writeln!(
                out,
                "{pid:<5} {:<16} {:<2} {:<26} {:<5} {:<26} {:<5} {:>6} {:>6} {ms}",
                truncate(comm, 16),
                s.ip_version(),
                s.laddr.to_string(),
                s.lport,
                s.raddr.to_string(),
                s.rport,
                s.tx_kb(),
                s.rx_kb()
            )?;
        } else {
            writeln!(
                out,
                "{pid:<5} {:<10} {:<15} {:<5} {:<15} {:<5} {:>5} {:>5} {ms}",
                truncate(comm, 10),
                s.laddr.to_string(),
                s.lport,
                s.raddr.to_string(),
                s.rport,
                s.tx_kb(),
                s.rx_kb()
            )?;
        }
    }
    Ok(())
}

/// printf's `%.Ns`: at most `n` characters.
fn truncate(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// A process name is the one free-text field; quote it when it would break the CSV.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Seconds with six decimals, from ns, cut to whole µs as tcplife's µs clock is.
fn seconds(ns: i64) -> String {
    let us = ns.div_euclid(1000);
    let sign = if us < 0 { "-" } else { "" };
    let us = us.unsigned_abs();
    format!("{sign}{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// `HH:MM:SS` in UTC.
fn hms(ns: i64) -> String {
    let sod = ns.div_euclid(1_000_000_000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(seconds(0), "0.000000");
        assert_eq!(seconds(1_234_567_999), "1.234567");
        assert_eq!(seconds(-1), "-0.000001");
        assert_eq!(hms(1_706_745_599_000_000_000), "23:59:59");
        assert_eq!(truncate("recordProgramSt", 10), "recordProg");
        assert_eq!(truncate("añb", 2), "añ");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
