//! What a packet-list row shows beside core's columns: its time in the three formats the
//! page offers, and the colouring rule it matches.

use wirelens_core::capture::tcp::Kind;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::wire::{self, tcp_flags, Transport};
use wirelens_core::query::fields::civil_from_days;

/// Seconds with 6 decimals (µs), as Wireshark's Time column: `-0.000001`, `12.345678`.
pub fn seconds(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    format!(
        "{sign}{}.{:06}",
        abs / 1_000_000_000,
        abs % 1_000_000_000 / 1_000
    )
}

/// Date and time of day in UTC with µs, as `tshark -t ud`: `2026-12-05 06:49:07.123456`.
pub fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let us = ns.rem_euclid(1_000_000_000) / 1_000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{us:06}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The first of Wireshark's default colouring rules (its `colorfilters`) that packet
/// `index` matches, among those we can tell: Bad TCP, TCP RST, HTTP, TCP SYN/FIN, TCP,
/// UDP, ICMP errors, ICMP, ARP. `protocol` is the Protocol column.
pub fn colour(capture: &Capture, index: usize, bytes: &[u8], protocol: &str) -> &'static str {
    let Some(row) = capture.packets.get(index) else {
        return "";
    };
    // Bad TCP: tcp.analysis.flags && !tcp.analysis.window_update
    // && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack
    if let Ok(at) = capture
        .tcp_flags
        .binary_search_by_key(&(index as u64), |(i, _)| *i)
    {
        let harmless = [Kind::WindowUpdate, Kind::KeepAlive, Kind::KeepAliveAck];
        if capture.tcp_flags[at]
            .1
            .kinds()
            .any(|k| !harmless.contains(&k))
        {
            return "bad-tcp";
        }
    }
    let s = wire::dissect(capture.linktype_of(row), bytes);
    match s.transport {
        Transport::Tcp(t) if t.flags & tcp_flags::RST != 0 => "tcp-rst",
        Transport::Tcp(_) if protocol.starts_with("HTTP") => "http",
        Transport::Tcp(t) if t.flags & (tcp_flags::SYN | tcp_flags::FIN) != 0 => "tcp-synfin",
        Transport::Tcp(_) => "tcp",
        Transport::Udp { .. } => "udp",
        Transport::Icmp | Transport::Icmpv6 if s.icmp.is_some_and(|i| i.is_error()) => "icmp-error",
        Transport::Icmp | Transport::Icmpv6 => "icmp",
        _ if s.arp.is_some() => "arp",
        _ => "",
    }
}

/// The size of this worker's wasm memory, bytes.
pub fn wasm_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_or(0, |b| b.byte_length() as u64)
        })
}

#[cfg(test)]
mod test {
    #[test]
    fn times() {
        assert_eq!(super::seconds(0), "0.000000");
        assert_eq!(super::seconds(1_234_567_891), "1.234567");
        assert_eq!(super::seconds(-1_500), "-0.000001");
        assert_eq!(
            super::utc(1_764_917_347_123_456_789),
            "2025-12-05 06:49:07.123456"
        );
        assert_eq!(super::utc(-1_000), "1969-12-31 23:59:59.999999");
    }
}
