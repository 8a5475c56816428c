//! `mysql` inside TLS: the MySQL packets (§ "MySQL Packets": a 3-byte length and a
//! sequence id) of the plaintext of a conversation that switched to TLS after its SSL
//! request. packet-mysql.c desegments the plaintext into these packets, so a frame
//! whose records complete one is `mysql` (with the key log), one `mysql` item a packet.

use super::{PduFields, PduOut};
use crate::query::fields::{AppValue, Fid};

/// Where one side stands in its packets.
#[derive(Default)]
struct Side {
    /// The header read so far (4 bytes when whole).
    head: [u8; 4],
    have: usize,
    /// Bytes of the packet's payload still to come.
    left: usize,
    /// A gap: packet boundaries are lost on this side.
    stopped: bool,
}

/// Finds the MySQL packets of each side of the plaintext.
#[derive(Default)]
pub struct Framer {
    sides: [Side; 2],
}

impl PduFields for Framer {
    fn data(&mut self, to_server: bool, mut bytes: &[u8], packet: u64, out: &mut PduOut<'_>) {
        let s = &mut self.sides[usize::from(!to_server)];
        while !bytes.is_empty() && !s.stopped {
            if s.have < 4 {
                let n = (4 - s.have).min(bytes.len());
                s.head[s.have..s.have + n].copy_from_slice(&bytes[..n]);
                s.have += n;
                bytes = &bytes[n..];
                if s.have < 4 {
                    return;
                }
                s.left = u32::from_le_bytes([s.head[0], s.head[1], s.head[2], 0]) as usize;
            }
            let n = s.left.min(bytes.len());
            s.left -= n;
            bytes = &bytes[n..];
            if s.left == 0 {
                out.add(packet, Fid::Mysql, AppValue::Present);
                s.have = 0;
            }
        }
    }

    fn gap(&mut self, to_server: bool, _len: u64) {
        self.sides[usize::from(!to_server)].stopped = true;
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::pdu::PduValues;

    /// Packets at the frames that complete them, for every split of the bytes.
    #[test]
    fn packets_complete_where_their_last_byte_comes() {
        // A 3-byte query (COM_QUERY "ab"), an empty packet, and a 5-byte one.
        let bytes = b"\x03\x00\x00\x00\x03ab\x00\x00\x00\x01\x05\x00\x00\x02hello";
        let want = |v: &PduValues| {
            let mut k: Vec<u64> = v.iter().map(|(p, _, _)| p).collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        for cut in 0..=bytes.len() {
            let mut v = PduValues::default();
            let mut f = Framer::default();
            f.data(true, &bytes[..cut], 1, &mut PduOut::new(&mut v, None));
            f.data(true, &bytes[cut..], 2, &mut PduOut::new(&mut v, None));
            let at = |end: usize| if cut >= end { 1 } else { 2 };
            let mut expected = vec![at(7), at(11), at(20)];
            expected.dedup();
            assert_eq!(want(&v), expected, "cut at {cut}");
            let n = v.len();
            assert_eq!(n, 3, "cut at {cut}");
        }
        // After a gap nothing more on that side; the other goes on.
        let mut v = PduValues::default();
        let mut f = Framer::default();
        f.gap(true, 10);
        f.data(true, bytes, 1, &mut PduOut::new(&mut v, None));
        f.data(
            false,
            b"\x01\x00\x00\x01\x00",
            2,
            &mut PduOut::new(&mut v, None),
        );
        assert_eq!(want(&v), [2]);
    }
}
