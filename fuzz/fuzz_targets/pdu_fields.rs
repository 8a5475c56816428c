//! Fuzz target `pdu_fields`: Wireshark's per-PDU fields (`app::pdu`, memcache and resp)
//! must never panic, and memcache must hold at most `MAX_PDU` bytes a side. Input: one
//! byte choosing the dissector (even: memcache, odd: resp), then the pieces of
//! fuzz/common/pieces.rs (flag byte: bit 0 client, bit 1 a gap of length + 1 bytes;
//! length byte; data), each piece one packet. Chunking is not compared: Wireshark's
//! fields depend on where segments end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::query::fields::pdu::{memcache, resp, PduFields, PduOut, PduValues};

fuzz_target!(|data: &[u8]| {
    let Some((&which, mut rest)) = data.split_first() else {
        return;
    };
    let mut mc = memcache::Dissector::new();
    let mut rs = resp::Dissector::new();
    let d: &mut dyn PduFields = if which % 2 == 0 { &mut mc } else { &mut rs };
    let mut values = PduValues::new();
    let mut packet = 0;
    while rest.len() >= 2 {
        let (flags, len) = (rest[0], rest[1] as usize);
        rest = &rest[2..];
        let client = flags & 1 != 0;
        if flags & 2 != 0 {
            d.gap(client, len as u64 + 1);
        } else {
            let (bytes, tail) = rest.split_at(len.min(rest.len()));
            d.data(client, bytes, packet, &mut PduOut::new(&mut values, None));
            rest = tail;
        }
        packet += 1;
    }
    assert!(mc.buffered() <= 2 * memcache::MAX_PDU);
});
