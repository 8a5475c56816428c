//! Rewriting one side of a session in a packet's bytes: its address and port, the
//! sequence numbers both ways, and the checksums that cover them.
//!
//! Checksums are computed again over the whole segment when the packet holds all of
//! it (which also mends the checksums a capture on the sending host shows unfilled, left
//! to the network card); otherwise (a snap length cut it, or it is the first fragment of
//! a datagram) they are updated for the changed bytes alone, RFC 1624 eqn. 3, so a
//! checksum that was right stays right. Later fragments of a datagram have no transport
//! header: only their IP header changes.
//!
//! TCP: RFC 9293 §3.1 (header, pseudo-header), RFC 2018 (SACK blocks, which carry the
//! other side's sequence numbers). UDP: RFC 768; over IPv4 a checksum of 0 means none
//! and stays 0 (RFC 768), and a computed 0 is sent as 0xFFFF. IPv4 header checksum:
//! RFC 791 §3.1.

use crate::ingest::wire::{dissect_layers, Layers, Proto};
use std::net::IpAddr;

/// What to change in the packets of one copy of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrite {
    /// The client's new address (`None`: kept). Same IP version as the packet's.
    pub client_addr: Option<IpAddr>,
    /// The client's new port (`None`: kept).
    pub client_port: Option<u16>,
    /// Added to the sequence numbers of the client's segments (`[0]`) and the server's
    /// (`[1]`), and so to the acknowledgement numbers and SACK blocks the other side
    /// sends.
    pub seq_delta: [u32; 2],
}

/// What a rewrite could do to one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Rewritten; checksums computed over the whole segment.
    Full,
    /// Rewritten; the transport checksum updated for the changed bytes (the segment was
    /// not all captured).
    Updated,
    /// Only the IP header was rewritten: a later fragment of a datagram.
    IpOnly,
    /// Nothing changed: no IP header, or too little of it captured, or a version other
    /// than the new address's.
    Unchanged,
}

/// One's-complement sum of `bytes` (an odd last byte padded with zero) added to `sum`.
fn ones_sum(mut sum: u32, bytes: &[u8]) -> u32 {
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
    }
    if let [last] = chunks.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    sum
}

fn fold(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    sum as u16
}

/// The Internet checksum of `bytes`.
pub fn checksum(bytes: &[u8]) -> u16 {
    !fold(ones_sum(0, bytes))
}

fn get16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}
fn put16(d: &mut [u8], at: usize, v: u16) {
    d[at..at + 2].copy_from_slice(&v.to_be_bytes());
}
fn get32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}
fn put32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Where a packet's IP and transport headers are.
struct Found {
    ip: usize,
    v6: bool,
    /// Transport: offset, protocol (6 or 17), length on the wire (pseudo-header).
    l4: Option<(usize, u8, usize)>,
    /// The whole transport segment is in this packet (not a fragment of a datagram).
    whole: bool,
}

fn find(data: &[u8], layers: &Layers) -> Option<Found> {
    let real = |p: Proto| {
        layers
            .as_slice()
            .iter()
            .find(move |l| l.proto == p && !l.quoted && !l.reassembled)
    };
    let ip = layers
        .as_slice()
        .iter()
        .find(|l| matches!(l.proto, Proto::Ip | Proto::Ipv6) && !l.quoted && !l.reassembled)?;
    let at = ip.offset as usize;
    let v6 = ip.proto == Proto::Ipv6;
    let l4 = real(Proto::Tcp)
        .map(|l| (l, 6u8))
        .or_else(|| real(Proto::Udp).map(|l| (l, 17u8)))
        .filter(|(l, _)| l.offset as usize > at)
        .map(|(l, p)| (l.offset as usize, p, l.len as usize));
    if v6 {
        if data.len() < at + 40 {
            return None;
        }
        let frag = real(Proto::Ipv6Fraghdr);
        let fragment = frag.is_some();
        let l4 = l4.or_else(|| {
            // A first fragment: the transport header follows the fragment header, which
            // the dissector leaves unwalked until the datagram is whole.
            let f = frag?.offset as usize;
            let next = *data.get(f)?;
            let offset = get16(data.get(f..f + 4)?, 2) & !7;
            let end = at + 40 + usize::from(get16(data, at + 4));
            ((next == 6 || next == 17) && offset == 0).then_some((
                f + 8,
                next,
                end.saturating_sub(f + 8),
            ))
        });
        return Some(Found {
            ip: at,
            v6,
            l4,
            whole: !fragment,
        });
    }
    let ihl = usize::from(data.get(at)? & 0x0f) * 4;
    if ihl < 20 || data.len() < at + ihl {
        return None;
    }
    let flags = get16(data, at + 6);
    let (more, offset) = (flags & 0x2000 != 0, flags & 0x1fff);
    let proto = data[at + 9];
    let fragment = more || offset != 0;
    let l4 = if offset != 0 {
        None
    } else if fragment {
        let total = usize::from(get16(data, at + 2));
        (proto == 6 || proto == 17).then_some((at + ihl, proto, total.saturating_sub(ihl)))
    } else {
        l4
    };
    Some(Found {
        ip: at,
        v6,
        l4,
        whole: !fragment,
    })
}

/// Rewrites a packet of a session in place. `from_client`: the client sent it.
/// `layers` is scratch space for the dissection.
pub fn rewrite(
    linktype: u16,
    data: &mut [u8],
    wire_len: usize,
    from_client: bool,
    rw: &Rewrite,
    layers: &mut Layers,
) -> Outcome {
    dissect_layers(linktype, data, wire_len, layers);
    let Some(f) = find(data, layers) else {
        return Outcome::Unchanged;
    };
    let ip = f.ip;
    // Addresses: (offset, length) of source and destination.
    let (src, dst, alen) = if f.v6 {
        (ip + 8, ip + 24, 16)
    } else {
        (ip + 12, ip + 16, 4)
    };
    let new_addr: Option<Vec<u8>> = match rw.client_addr {
        None => None,
        Some(IpAddr::V4(a)) if !f.v6 => Some(a.octets().to_vec()),
        Some(IpAddr::V6(a)) if f.v6 => Some(a.octets().to_vec()),
        Some(_) => return Outcome::Unchanged,
    };
    let pseudo = |d: &[u8]| ones_sum(ones_sum(0, &d[src..src + alen]), &d[dst..dst + alen]);
    let old_pseudo = pseudo(data);
    if let Some(a) = &new_addr {
        let at = if from_client { src } else { dst };
        data[at..at + alen].copy_from_slice(a);
    }
    if !f.v6 {
        let ihl = usize::from(data[ip] & 0x0f) * 4;
        put16(data, ip + 10, 0);
        let c = checksum(&data[ip..ip + ihl]);
        put16(data, ip + 10, c);
    }
    let Some((l4, proto, l4_len)) = f.l4 else {
        return Outcome::IpOnly;
    };
    let (hlen, ck_at) = if proto == 6 { (20, 16) } else { (8, 6) };
    if data.len() < l4 + hlen {
        // The transport header is cut: its checksum cannot follow the addresses.
        return Outcome::IpOnly;
    }
    // The header as it was, checksum field zeroed: for an update of the checksum.
    let header_end = if proto == 6 {
        (l4 + usize::from(data[l4 + 12] >> 4) * 4).clamp(l4 + 20, data.len())
    } else {
        l4 + 8
    };
    let mut old_header = data[l4..header_end].to_vec();
    put16(&mut old_header, ck_at, 0);
    let old_ck = get16(data, l4 + ck_at);
    if let Some(p) = rw.client_port {
        put16(data, l4 + if from_client { 0 } else { 2 }, p);
    }
    if proto == 6 {
        let (mine, theirs) = if from_client {
            (rw.seq_delta[0], rw.seq_delta[1])
        } else {
            (rw.seq_delta[1], rw.seq_delta[0])
        };
        put32(data, l4 + 4, get32(data, l4 + 4).wrapping_add(mine));
        let ack = data[l4 + 13] & 0x10 != 0;
        if ack {
            put32(data, l4 + 8, get32(data, l4 + 8).wrapping_add(theirs));
        }
        shift_sack(&mut data[l4 + 20..header_end], theirs);
    }
    let udp_none = proto == 17 && !f.v6 && old_ck == 0;
    if udp_none {
        return Outcome::Full;
    }
    let whole = f.whole && l4 + l4_len <= data.len() && l4_len >= hlen;
    let new = if whole {
        put16(data, l4 + ck_at, 0);
        let mut sum = pseudo(data);
        sum = sum
            .wrapping_add(u32::from(proto))
            .wrapping_add(l4_len as u32 & 0xFFFF);
        sum = sum.wrapping_add((l4_len >> 16) as u32);
        sum = ones_sum(sum, &data[l4..l4 + l4_len]);
        !fold(sum)
    } else {
        // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m and m' the sums of the old and new
        // bytes (the pseudo-header's addresses and the transport header).
        let mut new_header = data[l4..header_end].to_vec();
        put16(&mut new_header, ck_at, 0);
        let m = fold(ones_sum(old_pseudo, &old_header));
        let m2 = fold(ones_sum(pseudo(data), &new_header));
        let sum = u32::from(!old_ck) + u32::from(!m) + u32::from(m2);
        !fold(sum)
    };
    let new = if proto == 17 && new == 0 { 0xFFFF } else { new };
    put16(data, l4 + ck_at, new);
    if whole {
        Outcome::Full
    } else {
        Outcome::Updated
    }
}

/// Adds `delta` to both edges of every SACK block (RFC 2018 §3) in TCP options.
fn shift_sack(opts: &mut [u8], delta: u32) {
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => break,
            1 => i += 1,
            kind => {
                let Some(&len) = opts.get(i + 1) else { break };
                let len = usize::from(len);
                if len < 2 || i + len > opts.len() {
                    break;
                }
                if kind == 5 {
                    let mut at = i + 2;
                    while at + 8 <= i + len {
                        for edge in [at, at + 4] {
                            put32(opts, edge, get32(opts, edge).wrapping_add(delta));
                        }
                        at += 8;
                    }
                }
                i += len;
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use etherparse::{PacketBuilder, SlicedPacket, TransportSlice};
    use std::net::{Ipv4Addr, Ipv6Addr};

    const CLIENT: [u8; 4] = [10, 0, 0, 1];
    const SERVER: [u8; 4] = [10, 0, 0, 2];

    fn tcp_v4(from_client: bool, payload: &[u8], sack: bool) -> Vec<u8> {
        let (s, d, sp, dp) = if from_client {
            (CLIENT, SERVER, 40000, 80)
        } else {
            (SERVER, CLIENT, 80, 40000)
        };
        let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(s, d, 64)
            .tcp(sp, dp, 1000, 512)
            .ack(5000);
        if sack {
            b = b
                .options(&[
                    etherparse::TcpOptionElement::Noop,
                    etherparse::TcpOptionElement::Noop,
                    etherparse::TcpOptionElement::SelectiveAcknowledgement(
                        (6000, 6100),
                        [Some((6200, 6300)), None, None],
                    ),
                ])
                .unwrap();
        }
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    /// The TCP and IPv4 checksums of an Ethernet frame, as etherparse computes them.
    fn valid(frame: &[u8]) -> bool {
        let p = SlicedPacket::from_ethernet(frame).unwrap();
        let Some(etherparse::NetSlice::Ipv4(ip)) = &p.net else {
            panic!("ipv4")
        };
        let h = ip.header().to_header();
        let ip_ok = h.calc_header_checksum() == h.header_checksum;
        match &p.transport {
            Some(TransportSlice::Tcp(t)) => {
                let want = t.to_header().calc_checksum_ipv4(&h, t.payload()).unwrap();
                ip_ok && want == t.checksum()
            }
            Some(TransportSlice::Udp(u)) => {
                let want = u.to_header().calc_checksum_ipv4(&h, u.payload()).unwrap();
                ip_ok && want == u.checksum()
            }
            _ => panic!("transport"),
        }
    }

    fn rw() -> Rewrite {
        Rewrite {
            client_addr: Some(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 7))),
            client_port: Some(50001),
            seq_delta: [0x1000_0000, 0x2000_0000],
        }
    }

    #[test]
    fn a_whole_segment_gets_new_addresses_sequence_numbers_and_checksums() {
        let mut layers = Layers::default();
        let mut c = tcp_v4(true, b"GET / HTTP/1.1\r\n\r\n", true);
        // A capture on the sender shows the checksum the card would fill in.
        let n = c.len();
        c[14 + 20 + 16] ^= 0x55;
        assert!(!valid(&c));
        assert_eq!(
            rewrite(1, &mut c, n, true, &rw(), &mut layers),
            Outcome::Full
        );
        assert!(valid(&c));
        let p = SlicedPacket::from_ethernet(&c).unwrap();
        let Some(TransportSlice::Tcp(t)) = p.transport else {
            panic!()
        };
        assert_eq!((t.source_port(), t.destination_port()), (50001, 80));
        assert_eq!(t.sequence_number(), 1000 + 0x1000_0000);
        assert_eq!(t.acknowledgment_number(), 5000 + 0x2000_0000);
        let sack: Vec<_> = t.options_iterator().collect();
        assert!(
            format!("{sack:?}").contains(&format!(
                "({}, {})",
                6000 + 0x2000_0000,
                6100 + 0x2000_0000
            )),
            "{sack:?}"
        );
        assert_eq!(&c[26..30], &[198, 18, 0, 7]);

        let mut s = tcp_v4(false, b"HTTP/1.1 200 OK\r\n\r\n", false);
        let n = s.len();
        assert_eq!(
            rewrite(1, &mut s, n, false, &rw(), &mut layers),
            Outcome::Full
        );
        assert!(valid(&s));
        assert_eq!(&s[30..34], &[198, 18, 0, 7]);
        let p = SlicedPacket::from_ethernet(&s).unwrap();
        let Some(TransportSlice::Tcp(t)) = p.transport else {
            panic!()
        };
        assert_eq!((t.source_port(), t.destination_port()), (80, 50001));
        assert_eq!(t.sequence_number(), 1000 + 0x2000_0000);
        assert_eq!(t.acknowledgment_number(), 5000 + 0x1000_0000);
    }

    #[test]
    fn a_cut_segment_gets_its_checksum_updated() {
        let mut layers = Layers::default();
        let payload = vec![b'x'; 300];
        let whole = tcp_v4(true, &payload, true);
        let mut want = whole.clone();
        let n = want.len();
        assert_eq!(
            rewrite(1, &mut want, n, true, &rw(), &mut layers),
            Outcome::Full
        );
        // Cut by a snap length of 100 bytes: the update gives what a full recompute gives.
        let mut cut = whole[..100].to_vec();
        assert_eq!(
            rewrite(1, &mut cut, n, true, &rw(), &mut layers),
            Outcome::Updated
        );
        assert_eq!(&cut[..], &want[..100]);
    }

    #[test]
    fn udp_and_ipv6() {
        let mut layers = Layers::default();
        let mut out = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(CLIENT, SERVER, 64)
            .udp(5353, 53)
            .write(&mut out, b"query")
            .unwrap();
        let n = out.len();
        assert_eq!(
            rewrite(1, &mut out, n, true, &rw(), &mut layers),
            Outcome::Full
        );
        assert!(valid(&out));
        // No checksum over IPv4 stays none.
        let mut none = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(CLIENT, SERVER, 64)
            .udp(5353, 53)
            .write(&mut none, b"query")
            .unwrap();
        none[14 + 20 + 6..14 + 20 + 8].copy_from_slice(&[0, 0]);
        assert_eq!(
            rewrite(1, &mut none, n, true, &rw(), &mut layers),
            Outcome::Full
        );
        assert_eq!(&none[14 + 20 + 6..14 + 20 + 8], &[0, 0]);

        let c6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let s6: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let mut v6 = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv6(c6.octets(), s6.octets(), 64)
            .tcp(40000, 443, 7, 100)
            .write(&mut v6, b"hello")
            .unwrap();
        let n = v6.len();
        // An IPv4 address for an IPv6 packet: nothing changes.
        assert_eq!(
            rewrite(1, &mut v6, n, true, &rw(), &mut layers),
            Outcome::Unchanged
        );
        let to: Ipv6Addr = "2001:2::9".parse().unwrap();
        let r = Rewrite {
            client_addr: Some(IpAddr::V6(to)),
            ..rw()
        };
        assert_eq!(rewrite(1, &mut v6, n, true, &r, &mut layers), Outcome::Full);
        let p = SlicedPacket::from_ethernet(&v6).unwrap();
        let Some(etherparse::NetSlice::Ipv6(ip)) = &p.net else {
            panic!()
        };
        let h = ip.header().to_header();
        assert_eq!(h.source, to.octets());
        let Some(TransportSlice::Tcp(t)) = &p.transport else {
            panic!()
        };
        let want = t.to_header().calc_checksum_ipv6(&h, t.payload()).unwrap();
        assert_eq!(want, t.checksum());
    }

    proptest::proptest! {
        /// Any bytes, on any link type we dissect: no panic, and the length is kept.
        #[test]
        fn nothing_panics_on_any_bytes(
            linktype in proptest::sample::select(vec![0u16, 1, 12, 101, 113, 228, 229, 276]),
            mut data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            from_client: bool,
        ) {
            let mut layers = Layers::default();
            let n = data.len();
            rewrite(linktype, &mut data, n + 7, from_client, &rw(), &mut layers);
            proptest::prop_assert_eq!(data.len(), n);
        }

        /// A real frame with bytes changed and cut anywhere: no panic.
        #[test]
        fn nothing_panics_on_changed_frames(
            changes in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 1..8),
            cut in 0usize..200,
            sack: bool,
        ) {
            let mut layers = Layers::default();
            let mut f = tcp_v4(true, b"0123456789abcdef", sack);
            for (at, v) in changes {
                let n = f.len();
                f[at % n] = v;
            }
            let wire = f.len();
            f.truncate(cut.min(wire));
            rewrite(1, &mut f, wire, true, &rw(), &mut layers);
        }
    }

    #[test]
    fn nothing_panics_on_cut_packets() {
        let mut layers = Layers::default();
        let whole = tcp_v4(true, b"some payload", true);
        for n in 0..whole.len() {
            let mut cut = whole[..n].to_vec();
            rewrite(1, &mut cut, whole.len(), true, &rw(), &mut layers);
        }
    }
}
