//! Fuzz target `reassembly`: TCP stream reassembly must never panic, must stay within its
//! buffer bounds, must hand on each direction's bytes as one contiguous run of data and
//! gaps, and (when every copy of a byte agrees) must deliver the bytes that were sent.
//!
//! Input: 8 bytes of initial sequence numbers (side A, side B; near 2^32 they wrap), then
//! records of 7 bytes: flags (bit 0: from side B; bits 1–5: SYN, FIN, RST, ACK, PSH as
//! `tcp_flags` << 0..4 below; bit 6: this copy's bytes differ from the others'; bit 7:
//! a second conversation), sequence offset from the side's ISN (u16), payload length
//! (u8 × (1 + low 3 bits of the next byte × 64)), acknowledgement offset from the peer's
//! ISN (u16). Payload byte at sequence number s is a function of s, so copies agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use wirelens_core::capture::flow::Direction;
use wirelens_core::ingest::reassembly::{
    Reassembler, StreamEvent, MAX_STREAM_BUFFER, MAX_TOTAL_BUFFER,
};
use wirelens_core::ingest::wire::{tcp_flags, Tcp};

fn byte_at(seq: u32, side: usize) -> u8 {
    (seq.wrapping_mul(2_654_435_761) >> 24) as u8 ^ side as u8
}

fuzz_target!(|data: &[u8]| {
    let Some(isns) = data.get(..8) else { return };
    let isn = [
        u32::from_le_bytes(isns[..4].try_into().unwrap()),
        u32::from_le_bytes(isns[4..].try_into().unwrap()),
    ];
    let mut r = Reassembler::new();
    let mut corrupt = false;
    // Per (conv, dir): the next offset expected, and the stream's first sequence number.
    let mut next: HashMap<(u32, u8), u64> = HashMap::new();
    let mut base: HashMap<(u32, u8), u32> = HashMap::new();
    let mut segments: Vec<(u32, u8, u32, bool)> = Vec::new();
    let mut check = |e: StreamEvent<'_>,
                     segments: &[(u32, u8, u32, bool)],
                     base: &HashMap<(u32, u8), u32>,
                     corrupt: bool| match e {
        StreamEvent::Data {
            conv,
            dir,
            offset,
            bytes,
            packet,
        } => {
            let key = (conv, dir as u8);
            let n = next.entry(key).or_insert(0);
            assert_eq!(offset, *n, "data must continue the stream");
            assert!(!bytes.is_empty());
            *n += bytes.len() as u64;
            assert!((packet as usize) < segments.len());
            let b = *base
                .get(&key)
                .expect("a stream with data has a first sequence number");
            if !corrupt {
                for (i, &x) in bytes.iter().enumerate() {
                    let s = b.wrapping_add(offset as u32 + i as u32);
                    assert_eq!(
                        x,
                        byte_at(s, dir as usize),
                        "byte at offset {}",
                        offset + i as u64
                    );
                }
            }
        }
        StreamEvent::Gap {
            conv,
            dir,
            offset,
            len,
            ..
        } => {
            let n = next.entry((conv, dir as u8)).or_insert(0);
            assert_eq!(offset, *n, "a gap must continue the stream");
            assert!(len > 0);
            *n += len;
        }
        StreamEvent::End { .. } => {}
    };
    let mut payload = Vec::new();
    for (i, rec) in data[8..].chunks_exact(7).enumerate() {
        let side = (rec[0] & 1) as usize;
        let mut flags = 0;
        for (bit, f) in [
            tcp_flags::SYN,
            tcp_flags::FIN,
            tcp_flags::RST,
            tcp_flags::ACK,
            tcp_flags::PSH,
        ]
        .into_iter()
        .enumerate()
        {
            if rec[0] & (2 << bit) != 0 {
                flags |= f;
            }
        }
        let differ = rec[0] & 0x40 != 0;
        corrupt |= differ;
        let conv = u32::from(rec[0] >> 7);
        let seq = isn[side].wrapping_add(u16::from_le_bytes([rec[1], rec[2]]) as u32);
        let len = rec[3] as usize * (1 + (rec[4] & 7) as usize * 64);
        let ack = isn[1 - side].wrapping_add(u16::from_le_bytes([rec[5], rec[6]]) as u32);
        let syn = flags & tcp_flags::SYN != 0;
        payload.clear();
        let first = seq.wrapping_add(syn as u32);
        payload.extend(
            (0..len as u32)
                .map(|k| byte_at(first.wrapping_add(k), side) ^ if differ { 0xff } else { 0 }),
        );
        segments.push((conv, side as u8, seq, syn));
        // The stream starts after the SYN, or at the first segment with bytes or a FIN.
        if !base.contains_key(&(conv, side as u8))
            && (syn || len > 0 || flags & tcp_flags::FIN != 0)
        {
            base.insert((conv, side as u8), first);
        }
        let tcp = Tcp {
            seq,
            ack,
            flags,
            payload_len: len as u32,
            ..Tcp::default()
        };
        let dir = if side == 0 {
            Direction::AToB
        } else {
            Direction::BToA
        };
        let segs = segments.clone();
        r.segment(conv, dir, &tcp, &payload, i as u64, &mut |e| {
            check(e, &segs, &base, corrupt)
        });
        assert!(r.buffered() <= MAX_TOTAL_BUFFER && r.buffered() <= 2 * 2 * MAX_STREAM_BUFFER);
    }
    let segs = segments.clone();
    r.finish(&mut |e| check(e, &segs, &base, corrupt));
    assert_eq!(r.buffered(), 0, "everything is delivered at the end");
});
