//! `wirelens`: the analysis core on the command line.

mod apps;
mod conv;
mod cuts;
mod detail;
mod dns;
mod endpoints;
mod expert;
mod export;
mod export_lake;
mod fields;
mod follow;
mod http;
mod info;
mod input;
mod lake_sql;
mod list;
mod memcache;
mod mysql;
mod pgsql;
mod phs;
mod pull;
mod redis;
mod sessions;
mod tls;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Packet capture analysis: conversations, sessions, transactions.
#[derive(Parser)]
#[command(name = "wirelens", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Conv(conv::Args),
    /// DNS queries and responses over UDP and TCP, with dns.time and answers.
    Dns(dns::Args),
    /// One conversation's payload, both directions, as `tshark -z follow` prints it.
    Follow(follow::Args),
    /// HTTP/1.x and HTTP/2 transactions: method, URI, status, http.time, sizes; slowest, by status, errors, gRPC.
    Http(http::Args),
    /// TLS handshakes (QUIC's too): the server name (SNI), ALPN, versions, what decrypted records carried.
    Tls(tls::Args),
    /// Every expert item, grouped by severity as Wireshark's Expert Info (`tshark -z expert`).
    Expert(expert::Args),
    Endpoints(endpoints::Args),
    /// What capinfos tells: format, link types, packets, times, interfaces, drops, errors.
    Info(info::Args),
    Phs(phs::Args),
    /// One line per packet, or chosen fields (-T fields -e …), with a display filter (-Y),
    /// as tshark prints them.
    List(list::Args),
    /// memcached (text and binary): hot keys, largest values (over 1 MB marked), commands, misses.
    Memcache(memcache::Args),
    /// MySQL / MariaDB: queries with latency, errors, the slowest, queries by fingerprint.
    Mysql(mysql::Args),
    /// PostgreSQL: queries with latency, rows, errors (SQLSTATE), the slowest, by fingerprint.
    Pgsql(pgsql::Args),
    /// Redis (RESP2/RESP3): hot keys, largest values, commands, the slowest, errors.
    Redis(redis::Args),
    /// The fields display filters and -e can name: Wireshark's names, types, descriptions.
    Fields(fields::Args),
    /// TCP sessions with their process, bytes each way and lifespan, like bcc's tcplife.
    Sessions(sessions::Args),
    /// A file per session (TCP connection, UDP flow), host, host pair, server port or
    /// time window, into a directory or a zip; optionally a TRex profile for them.
    #[command(after_help = cuts::SPLIT_HELP)]
    Split(cuts::SplitArgs),
    /// The packets a display filter or a time range keeps, as one pcap or pcapng.
    #[command(after_help = cuts::EXTRACT_HELP)]
    Extract(cuts::ExtractArgs),
    /// The sessions cut into halves (or N parts) by start, to find which reproduce a bug.
    #[command(after_help = cuts::BISECT_HELP)]
    Bisect(cuts::BisectArgs),
    /// Chosen sessions N times at once with new client addresses or ports, gaps shortened,
    /// checksums valid: a file tcpreplay plays to load a server harder.
    #[command(after_help = cuts::INTENSIFY_HELP)]
    Intensify(cuts::IntensifyArgs),
    /// Sessions and transactions as Parquet in a lake partitioned by day and sensor, for
    /// DuckDB, ClickHouse and Spark.
    Export(export_lake::Args),
    /// The packets of the sessions a query over the lake names, from the original
    /// captures, into one capture file.
    Pull(pull::Args),
    /// A SQL query over the lake's sessions, transactions and captures, run by DuckDB.
    Sql(lake_sql::Args),
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        // `wirelens conv big.pcap | head` is normal use, not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wirelens: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Conv(args) => conv::run(&args),
        Command::Dns(args) => dns::run(&args),
        Command::Follow(args) => follow::run(&args),
        Command::Http(args) => http::run(&args),
        Command::Tls(args) => tls::run(&args),
        Command::Expert(args) => expert::run(&args),
        Command::Endpoints(args) => endpoints::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Phs(args) => phs::run(&args),
        Command::List(args) => list::run(&args),
        Command::Memcache(args) => memcache::run(&args),
        Command::Mysql(args) => mysql::run(&args),
        Command::Pgsql(args) => pgsql::run(&args),
        Command::Redis(args) => redis::run(&args),
        Command::Fields(args) => fields::run(&args),
        Command::Sessions(args) => sessions::run(&args),
        Command::Split(args) => cuts::split(&args),
        Command::Extract(args) => cuts::extract(&args),
        Command::Bisect(args) => cuts::bisect(&args),
        Command::Intensify(args) => cuts::intensify(&args),
        Command::Export(args) => export_lake::run(&args),
        Command::Pull(args) => pull::run(&args),
        Command::Sql(args) => lake_sql::run(&args),
    }
}
