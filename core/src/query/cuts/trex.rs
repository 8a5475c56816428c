//! A Cisco TRex traffic profile for sessions split one to a file: the traffic YAML of
//! TRex's stateful mode (`t-rex-64 -f PROFILE`), one `cap_info` template per session
//! file, each at the rate its session had in the capture.
//!
//! TRex replays each template pcap as a flow, with client and server addresses from its
//! `generator` ranges, `cps` new flows a second (times `-m`), the packets' own gaps
//! (`cap_ipg: true`). Its manual, "Traffic YAML (-f argument of stateful)": a template
//! pcap holds one flow; `ipg` and `rtt` (µs) are used when `cap_ipg` is false; `w` is
//! the burst of flows generated at once.
//!
//! A session happened once in the capture: its rate is one over the capture's span (of
//! the sessions split), times the multiplier.

use super::endpoints;
use super::split::Part;
use crate::capture::Capture;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

/// TRex's example ranges, used when the sessions have no IPv4 clients or servers.
const DEFAULT_CLIENTS: (Ipv4Addr, Ipv4Addr) =
    (Ipv4Addr::new(16, 0, 0, 1), Ipv4Addr::new(16, 0, 0, 255));
const DEFAULT_SERVERS: (Ipv4Addr, Ipv4Addr) =
    (Ipv4Addr::new(48, 0, 0, 1), Ipv4Addr::new(48, 0, 255, 255));

/// A rate or time as YAML reads it: plain decimals, no exponent.
fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "0" {
        "0.000001".into()
    } else {
        s.to_owned()
    }
}

/// A double-quoted YAML string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The profile for the session `parts` (one session each; others are skipped), their
/// files named `prefix` + part name, every rate times `multiplier`.
pub fn profile(capture: &Capture, parts: &[Part], prefix: &str, multiplier: f64) -> String {
    let sessions: Vec<&Part> = parts.iter().filter(|p| p.flows.len() == 1).collect();
    let first = sessions.iter().map(|p| p.first_ns).min().unwrap_or(0);
    let last = sessions.iter().map(|p| p.last_ns).max().unwrap_or(0);
    // At least a millisecond, so one session alone has a rate.
    let span_s = ((last - first) as f64 / 1e9).max(0.001);
    let (mut clients, mut servers) = (Vec::new(), Vec::new());
    for p in &sessions {
        if let Some(((IpAddr::V4(c), _), (IpAddr::V4(s), _))) = endpoints(capture, p.flows[0]) {
            clients.push(c);
            servers.push(s);
        }
    }
    let range =
        |v: &[Ipv4Addr], default: (Ipv4Addr, Ipv4Addr)| match (v.iter().min(), v.iter().max()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => default,
        };
    let (cs, ce) = range(&clients, DEFAULT_CLIENTS);
    let (ss, se) = range(&servers, DEFAULT_SERVERS);
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Cisco TRex stateful traffic profile (t-rex-64 -f THIS_FILE), written by Wirelens:\n\
         # one template per session file; cps is the session's rate in the capture (once in\n\
         # {} s){}. Template pcaps hold one flow each; cap_ipg replays their own gaps.",
        number(span_s),
        if multiplier == 1.0 {
            String::new()
        } else {
            format!(" times {}", number(multiplier))
        }
    );
    let _ = writeln!(y, "- duration : {}", number(span_s.max(1.0)));
    y.push_str("  generator :\n");
    y.push_str("          distribution : \"seq\"\n");
    let _ = writeln!(y, "          clients_start : \"{cs}\"");
    let _ = writeln!(y, "          clients_end   : \"{ce}\"");
    let _ = writeln!(y, "          servers_start : \"{ss}\"");
    let _ = writeln!(y, "          servers_end   : \"{se}\"");
    y.push_str("          clients_per_gb : 201\n");
    y.push_str("          min_clients    : 101\n");
    y.push_str("          dual_port_mask : \"1.0.0.0\"\n");
    y.push_str("          tcp_aging      : 0\n");
    y.push_str("          udp_aging      : 0\n");
    y.push_str("  cap_ipg    : true\n");
    y.push_str("  cap_info :\n");
    let cps = number(multiplier / span_s);
    for p in &sessions {
        let f = p.flows[0] as usize;
        // The handshake's RTT where there was one, else TRex's example 10 ms.
        let rtt_us = capture
            .tcp
            .get(f)
            .and_then(|t| t.initial_rtt_ns)
            .map_or(10_000, |ns| (ns / 1000).max(1));
        let _ = writeln!(y, "     - name: {}", quoted(&format!("{prefix}{}", p.name)));
        let _ = writeln!(y, "       cps : {cps}");
        let _ = writeln!(y, "       ipg : {rtt_us}");
        let _ = writeln!(y, "       rtt : {rtt_us}");
        y.push_str("       w   : 1\n");
    }
    y
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn numbers_and_strings() {
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(1e-9), "0.000001");
        assert_eq!(number(3.0), "3");
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
