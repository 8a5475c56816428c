//! `wirelens phs`: the protocol hierarchy.

use crate::input::{read_captures, report_errors};
use std::io::Write as _;
use std::process::ExitCode;
use wirelens_core::capture::stats::ProtocolNode;
use wirelens_core::ingest::Stages;

/// Protocol hierarchy down to the transport layer, as `tshark -q -z io,phs`.
///
/// Each node counts the frames (and their bytes on the wire) whose protocols, from the
/// outermost, begin with the path to it. Protocols carry tshark's names (eth, sll, vlan,
/// mpls, pppoes, ip, ipv6, tcp, udp, icmp, arp, gre, data, …).
///
/// tshark's tree goes on into application protocols (http, dns, tls, …), which Wirelens
/// does not dissect yet, and into tunnels. This tree is tshark's with every frame's path
/// cut after the first protocol Wirelens does not look inside: its transport protocol
/// (tcp, udp, icmp, icmpv6), or arp, gre, esp, igmp, …, or data where tshark does not
/// dissect the payload either (an IP fragment held for reassembly). The counts of every
/// node it shows are tshark's. Frames of link types Wirelens does not dissect are left
/// out.
///
/// JSON: an array of root nodes, each an object with the keys protocol, frames, bytes and
/// children (an array of nodes, in order of their first frame).
#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap, pcapng); `-` reads stdin. Several files form one timeline.
    #[arg(required = true)]
    files: Vec<String>,
    /// Print JSON instead of a tree.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // The protocol hierarchy is a statistic: flows, no TCP analysis, apps or index.
    let capture = read_captures(&args.files, Stages::FLOWS.without_index())?;
    let tree = &capture.stats.hierarchy;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, tree)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "Protocol Hierarchy Statistics ({} frames)",
            capture.packet_count()
        )?;
        print_tree(&mut out, tree, 0)?;
    }
    let had_errors = report_errors(&capture);
    Ok(if had_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_tree(
    out: &mut impl std::io::Write,
    nodes: &[ProtocolNode],
    depth: usize,
) -> std::io::Result<()> {
    for n in nodes {
        let name = format!("{:indent$}{}", "", n.protocol, indent = 2 * depth);
        writeln!(out, "{name:<40} frames:{} bytes:{}", n.frames, n.bytes)?;
        print_tree(out, &n.children, depth + 1)?;
    }
    Ok(())
}
