//! What a packet-list row shows beside core's columns: the colouring rule it matches;
//! and the worker's memory.

use wirelens_core::capture::tcp::Kind;
use wirelens_core::capture::Capture;
use wirelens_core::ingest::wire::{self, tcp_flags, Transport};

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
    let s = wire::dissect(capture.linktype_of(&row), bytes);
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
