//! An echo reply's request: `icmp.resp_to` and `icmp.resptime` (`icmpv6.*` alike), as
//! packet-icmp.c and packet-icmpv6.c add them in tshark's single pass.
//!
//! The ingest noted every echo request ([`Capture::echo_requests`]), so a reply finds
//! its request without the packets before it, as the packet list's `(request in N)`
//! does. A request's `resp_in` (and `no_resp`) names a later packet: tshark adds it only
//! in a second pass (`-2`), which the goldens are not, so it is not shown.

use super::Node;
use crate::capture::Capture;
use crate::ingest::wire::{self, Net};

/// Adds the request an echo reply answers to the packet's ICMP or ICMPv6 layer among
/// `layers` (packet `index`, summary `s`).
pub(super) fn reply(capture: &Capture, index: usize, s: &wire::Summary, layers: &mut [Node]) {
    let (Some(m), Net::Ip { src, dst, .. }) = (&s.icmp, s.net) else {
        return;
    };
    let Some((id, seq)) = m.echo else {
        return;
    };
    // Without the flows stage the ingest noted no request.
    if m.ty != if m.v6 { 129 } else { 0 } || !capture.stages.flows {
        return;
    }
    let Some(req) = capture.echo_request(src, dst, id, seq, index as u64) else {
        return;
    };
    let name = if m.v6 { "icmpv6" } else { "icmp" };
    // The layer itself, not one an ICMP error quotes (those are inside its node).
    let Some(n) = layers.iter_mut().rev().find(|n| n.name == name) else {
        return;
    };
    let dt = capture.packets.at(index).ts_ns - capture.packets.at(req as usize).ts_ns;
    // nstime_to_msec: seconds and nanoseconds apart, in milliseconds.
    let ms = (dt.div_euclid(1_000_000_000) as f64) * 1000.0
        + (dt.rem_euclid(1_000_000_000) as f64) / 1_000_000.0;
    let (to, time) = if m.v6 {
        ("Response To", "Response Time")
    } else {
        ("Request frame", "Response time")
    };
    let at = n.pos as usize;
    // Before the timestamp in the echo data and the data, which packet-icmp.c adds
    // after them.
    let k = n
        .children
        .iter()
        .position(|c| c.name == "icmp.data_time" || c.name == "data")
        .unwrap_or(n.children.len());
    let items = [
        Node::field(
            format!("{name}.resp_to"),
            format!("{to}: {}", req + 1),
            (req + 1).to_string(),
            at,
            0,
        )
        .gen(),
        Node::field(
            format!("{name}.resptime"),
            format!("{time}: {ms:.3} ms"),
            g15(ms),
            at,
            0,
        )
        .gen(),
    ];
    n.children.splice(k..k, items);
}

/// A double as PDML's `show` writes it: C's `%.15g` (15 significant digits, no trailing
/// zeros; an exponent below 1e-4 or from 1e15).
fn g15(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { "0".into() } else { x.to_string() };
    }
    let e = format!("{x:.14e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..15).contains(&exp) {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = (14 - exp).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod test {
    use super::g15;
    use crate::query::detail::{detail, Apps, Detail, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};

    #[test]
    fn g15_writes_as_c_does() {
        for (x, s) in [
            (0.03, "0.03"),
            (492.204, "492.204"),
            (0.031, "0.031"),
            (1000.123, "1000.123"),
            (0.00001, "1e-05"),
            (0.0001234, "0.0001234"),
            (12.0, "12"),
            (0.0, "0"),
        ] {
            assert_eq!(g15(x), s, "{x}");
        }
    }

    fn details(path: &str) -> Vec<Detail> {
        let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(path);
        let b = std::fs::read(&file).expect("the capture is in the repository");
        let mut ingest = crate::ingest::Ingest::new();
        ingest.begin_file(path);
        ingest.feed(&b);
        let c = ingest.finish();
        let mut src = MemorySource { files: vec![&b] };
        let mut ctx = FieldCtx::new(&c);
        let mut apps = Apps::new();
        (0..c.packets.len())
            .map(|i| detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default()))
            .collect()
    }

    /// tshark 4.0.17 on the VXLAN capture: the reply in frame 6 answers frame 5's
    /// request, 31 µs later; requests name nothing (their reply comes later).
    #[test]
    fn a_reply_names_its_request_and_the_time_between() {
        let d = details("tests/data/tunnels/netns-vxlan.pcap");
        let to = d[5].find("icmp.resp_to").expect("frame 6 is a reply");
        assert_eq!((to.show.as_str(), to.pos, to.size), ("5", 84, 0));
        let t = d[5].find("icmp.resptime").unwrap();
        assert_eq!(
            (t.show.as_str(), t.showname.as_str()),
            ("0.031", "Response time: 0.031 ms")
        );
        assert!(d[4].find("icmp.resp_to").is_none());
    }
}
