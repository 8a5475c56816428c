//! Fuzz target `pdu_fields`: Wireshark's per-PDU fields (`app::pdu`, memcache and resp)
//! must never panic, and memcache must hold at most `MAX_PDU` bytes a side. Input: one
//! byte choosing the dissector (even: memcache, odd: resp), then the pieces of
//! fuzz/common/pieces.rs (flag byte: bit 0 client, bit 1 a gap of length + 1 bytes;
//! length byte; data; the chunk size unused), each piece one packet. Chunking is not compared: Wireshark's
//! fields depend on where segments end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::query::fields::pdu::{memcache, resp, PduFields, PduOut, PduValues};

#[path = "../common/pieces.rs"]
mod pieces;

use pieces::{decode, Format, Piece};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let mut mc = memcache::Dissector::new();
    let mut rs = resp::Dissector::new();
    let d: &mut dyn PduFields = if which % 2 == 0 { &mut mc } else { &mut rs };
    let mut values = PduValues::new();
    for (packet, p) in decode(rest, Format::Plain).into_iter().enumerate() {
        match p {
            Piece::Gap { client, len } => d.gap(client, len),
            Piece::Data { client, bytes, .. } => d.data(
                client,
                bytes,
                packet as u64,
                &mut PduOut::new(&mut values, None),
            ),
        }
    }
    assert!(mc.buffered() <= 2 * memcache::MAX_PDU);
});
