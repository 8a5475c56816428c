//! Fuzz target `dissect`: packets of any link type through `wire::Dissector` (so IP
//! reassembly state is exercised, with small limits to reach eviction and timeouts),
//! `wire::dissect` and the packet-list columns (`query::rows::columns`) must never panic, and must agree with each other.
//!
//! Input: a first byte choosing the link type (one of those we dissect, or any other),
//! then packets, each as a 2-byte big-endian length, a byte of time step (seconds ×
//! 1/16) and the bytes. Checked for every packet:
//! - the stateful and the stateless dissection are the same where no IP fragment is
//!   involved (reassembly is the only state);
//! - a summary that completed a datagram comes with that many reassembled bytes, and its
//!   payload range lies within the bytes it names;
//! - the reassembly table stays within its limits;
//! - the stop offset lies within the bytes dissected, and the stack within its capacity;
//! - recording the layers changes nothing in the summary, and the layers outside an
//!   ICMP error's quote are the stack's protocols.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::ingest::wire::{
    self, linktype, Dissector, Frag, FragLimits, Layers, Net, Proto, Stack,
};

const LINKTYPES: [u16; 11] = [
    linktype::ETHERNET,
    linktype::NULL,
    linktype::LOOP,
    linktype::RAW,
    linktype::RAW_BSD,
    linktype::IPV4,
    linktype::IPV6,
    linktype::LINUX_SLL,
    linktype::LINUX_SLL2,
    linktype::ETHERNET,
    linktype::RAW,
];

const LIMITS: FragLimits = FragLimits {
    max_datagram: 131_072,
    max_bytes: 64 << 10,
    max_datagrams: 8,
    max_fragments: 16,
    timeout_ns: 4_000_000_000,
};

fn no_fragment(s: &wire::Summary) -> bool {
    s.outer_ip.is_none()
        && !matches!(s.net, Net::Ip { fragment: true, .. })
        && s.ip.is_none_or(|ip| ip.frag == Frag::None)
}

fn same_protocols(layers: &Layers, s: &wire::Summary) {
    if s.stack.overflowed() {
        return;
    }
    let own: Vec<Proto> = layers
        .as_slice()
        .iter()
        .filter(|l| !l.quoted)
        .map(|l| l.proto)
        .collect();
    assert_eq!(own, s.stack.as_slice(), "{layers:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let lt = match LINKTYPES.get(sel as usize % 16) {
        Some(&lt) => lt,
        None => sel as u16 * 3,
    };
    let mut small = Dissector::with_limits(LIMITS);
    let mut default = Dissector::new();
    let mut layered = Dissector::new();
    let mut layers = Layers::default();
    let mut ts = 0i64;
    while rest.len() >= 3 {
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        ts += rest[2] as i64 * 62_500_000;
        rest = &rest[3..];
        let (pkt, next) = rest.split_at(len.min(rest.len()));
        rest = next;

        let s = small.dissect(lt, pkt, ts);
        let wire_len = pkt.len() + (len & 0xff);
        let f = default.dissect_frame(lt, pkt, wire_len, ts);
        let alone = wire::dissect(lt, pkt);
        let with_layers = layered.dissect_frame_layers(lt, pkt, wire_len, ts, &mut layers);
        assert_eq!(with_layers, f, "recording layers changed the summary");
        same_protocols(&layers, &f);
        let alone_layers = wire::dissect_layers(lt, pkt, usize::MAX, &mut layers);
        assert_eq!(alone_layers, alone, "recording layers changed the summary");
        same_protocols(&layers, &alone);
        let _ = wirelens_core::query::rows::columns(lt, pkt);
        let _ = wirelens_core::query::rows::Columns::from_summary(&s);
        let _ = serde_json::to_string(&s).expect("a summary serializes");

        for (sum, d) in [(&s, &small), (&f, &default)] {
            assert!(sum.stack.len() <= Stack::CAPACITY);
            if let Some(stop) = sum.stop {
                let _ = stop.to_string();
            }
            if let Some(p) = sum.payload {
                assert_eq!(
                    p.bytes(pkt, d.reassembled()).len(),
                    p.len as usize,
                    "{sum:?}"
                );
            }
            if let Some(ip) = sum.ip {
                if let Frag::Complete { len, .. } = ip.frag {
                    assert_eq!(d.reassembled().len(), len as usize, "{sum:?}");
                }
            }
        }
        if let Some(stop) = alone.stop {
            assert!(
                stop.offset as usize <= pkt.len(),
                "{stop} in {} bytes",
                pkt.len()
            );
        }
        if no_fragment(&s) && no_fragment(&alone) {
            assert_eq!(s, alone, "stateful and stateless differ without fragments");
        }
        let st = small.frag_stats();
        assert!(st.buffered_bytes as usize <= LIMITS.max_bytes, "{st:?}");
        assert!(st.pending as usize <= LIMITS.max_datagrams, "{st:?}");
    }
});
