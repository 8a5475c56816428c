//! Captures made in tests: TCP segments between two hosts, as a pcap.

/// TCP flags.
pub(crate) const ACK: u8 = 0x10;
/// TCP flags.
pub(crate) const PSH: u8 = 0x08;
/// TCP flags.
pub(crate) const SYN: u8 = 0x02;
/// TCP flags.
pub(crate) const FIN: u8 = 0x01;

/// A pcap of segments between 10.0.0.1:40000 (the client) and 10.0.0.2:`port`:
/// (from the client, flags, sequence number, payload), acknowledged as they come.
pub(crate) fn pcap(port: u16, segs: &[(bool, u8, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        if v == 0x0004_0002 {
            out.extend_from_slice(&2u16.to_le_bytes());
            out.extend_from_slice(&4u16.to_le_bytes());
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    // The next byte each side expects of the other (acknowledged).
    let mut next = [0u32; 2];
    for (k, &(up, flags, seq, data)) in segs.iter().enumerate() {
        let me = usize::from(!up);
        let syn_fin = u32::from(flags & (SYN | FIN) != 0);
        next[me] = next[me].max(seq.wrapping_add(data.len() as u32 + syn_fin));
        let (src, dst, sp, dp) = if up {
            ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, port)
        } else {
            ([10, 0, 0, 2], [10, 0, 0, 1], port, 40000u16)
        };
        let mut f = vec![0u8; 12];
        f[5] = if up { 1 } else { 2 };
        f[11] = if up { 2 } else { 1 };
        f.extend_from_slice(&[0x08, 0x00]);
        let total = (40 + data.len()) as u16;
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&total.to_be_bytes());
        ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        let mut sum = 0u32;
        for c in ip.chunks(2) {
            sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        ip[10..12].copy_from_slice(&(!(sum as u16)).to_be_bytes());
        f.extend_from_slice(&ip);
        f.extend_from_slice(&sp.to_be_bytes());
        f.extend_from_slice(&dp.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        let ack = if flags & ACK != 0 { next[1 - me] } else { 0 };
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        f.extend_from_slice(data);
        let ts = 1_700_000_000u32;
        out.extend_from_slice(&ts.to_le_bytes());
        out.extend_from_slice(&(k as u32 * 1000).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&f);
    }
    out
}
