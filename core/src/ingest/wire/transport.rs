//! TCP (RFC 9293 §3.1) and UDP (RFC 768) headers, with what Wireshark requires of them
//! before it gives the segment a stream: a TCP header's first 20 bytes (a bogus data
//! offset still makes a segment), a UDP header whose length is at least 8.

use super::link::Span;
use super::{be16, be32, Layer, Proto, StopReason, Tcp, TcpOptions, Transport, Walker};

mod tcp {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    pub const DATA_OFFSET: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: usize = 14;
    pub const MIN_LEN: usize = 20;
}

mod udp {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const LENGTH: usize = 4;
    pub const LEN: usize = 8;
}

/// Parses a TCP header from `b`, whose reported length (the IP payload, on the wire) is
/// `reported`. None when the first 20 bytes are not there; a bogus data offset comes
/// back as the reason beside the segment, whose length is then counted past it as
/// Wireshark counts it.
pub(crate) fn parse_tcp(b: &[u8], reported: usize) -> Option<(Tcp, Option<StopReason>)> {
    if b.len() < tcp::MIN_LEN {
        return None;
    }
    let hlen = (b[tcp::DATA_OFFSET] >> 4) as usize * 4;
    let mut t = Tcp {
        src_port: be16(b, tcp::SRC_PORT),
        dst_port: be16(b, tcp::DST_PORT),
        seq: be32(b, tcp::SEQ),
        ack: be32(b, tcp::ACK),
        flags: b[tcp::FLAGS],
        data_offset: b[tcp::DATA_OFFSET],
        window: be16(b, tcp::WINDOW),
        payload_len: reported.saturating_sub(hlen) as u32,
        options: TcpOptions::default(),
    };
    if hlen < tcp::MIN_LEN {
        return Some((t, Some(StopReason::Bogus(&"TCP header length below 20"))));
    }
    t.options = TcpOptions::parse(&b[tcp::MIN_LEN..hlen.min(b.len())]);
    Some((t, None))
}

/// Parses a UDP header; None when it is not all there or its length is below 8 (then
/// Wireshark gives the datagram no stream).
pub(crate) fn parse_udp(b: &[u8], reported: usize) -> Option<(Transport, Option<StopReason>)> {
    if b.len() < udp::LEN {
        return None;
    }
    let ulen = be16(b, udp::LENGTH) as usize;
    if ulen < udp::LEN {
        return None;
    }
    // A length past the IP payload: Wireshark reports the IP payload's ("Len=").
    let payload_len = ulen.min(reported.max(udp::LEN)) - udp::LEN;
    let t = Transport::Udp {
        src_port: be16(b, udp::SRC_PORT),
        dst_port: be16(b, udp::DST_PORT),
        payload_len: payload_len as u32,
    };
    Some((
        t,
        (ulen > reported).then_some(StopReason::Bogus(&"UDP length past the IP payload")),
    ))
}

impl TcpOptions {
    /// Walks the options (RFC 9293 §3.2); a malformed one ends the walk, what came
    /// before it stands. Options cut by the capture are simply absent.
    pub(crate) fn parse(opts: &[u8]) -> Self {
        const END: u8 = 0;
        const NOP: u8 = 1;
        const MSS: u8 = 2;
        const WINDOW_SCALE: u8 = 3;
        const SACK_PERMITTED: u8 = 4;
        const SACK: u8 = 5;
        const TIMESTAMP: u8 = 8;
        const ACCECN_0: u8 = 172;
        const ACCECN_1: u8 = 174;
        const EXPERIMENTAL: u8 = 254;
        let mut o = TcpOptions::default();
        let mut i = 0;
        while i < opts.len() {
            match opts[i] {
                END => break,
                NOP => i += 1,
                kind => {
                    let Some(&len) = opts.get(i + 1) else { break };
                    let len = len as usize;
                    if len < 2 || i + len > opts.len() {
                        break;
                    }
                    let v = &opts[i + 2..i + len];
                    match (kind, len) {
                        (MSS, 4) => o.mss = Some(be16(v, 0)),
                        (WINDOW_SCALE, 3) => o.window_scale = Some(v[0]),
                        (SACK_PERMITTED, 2) => o.sack_permitted = true,
                        (SACK, 10 | 18 | 26 | 34) => {
                            o.sack_count = 0;
                            for (n, block) in v.chunks_exact(8).enumerate() {
                                o.sack[n] = (be32(block, 0), be32(block, 4));
                                o.sack_count += 1;
                            }
                        }
                        (TIMESTAMP, 10) => o.timestamp = Some((be32(v, 0), be32(v, 4))),
                        // RFC 9768 §3.2.3, also in the experimental kind with its ExIDs.
                        (ACCECN_0 | ACCECN_1, _) => o.accecn = true,
                        (EXPERIMENTAL, 4..) if matches!(v[..2], [0xac, 0xc0 | 0xc1]) => {
                            o.accecn = true
                        }
                        _ => {}
                    }
                    i += len;
                }
            }
        }
        o
    }
}

impl Walker<'_> {
    pub(crate) fn tcp(&mut self, p: Span<'_>) {
        self.push(Proto::Tcp, p, tcp::MIN_LEN);
        match parse_tcp(p.data, p.known_len()) {
            None => self.truncated(Layer::Tcp, p.offset, tcp::MIN_LEN, p.len()),
            Some((t, bogus)) => {
                self.s.transport = Transport::Tcp(t);
                match bogus {
                    Some(why) => self.stop(Layer::Tcp, p.offset, why),
                    None => {
                        let header = (p.data[tcp::DATA_OFFSET] >> 4) as usize * 4;
                        self.resize(Proto::Tcp, header, p.known_len());
                        self.payload_at(&p, header, t.payload_len)
                    }
                }
            }
        }
    }

    pub(crate) fn udp(&mut self, p: Span<'_>) {
        self.push(Proto::Udp, p, udp::LEN);
        match parse_udp(p.data, p.known_len()) {
            None if p.len() < udp::LEN => self.truncated(Layer::Udp, p.offset, udp::LEN, p.len()),
            None => self.stop(
                Layer::Udp,
                p.offset,
                StopReason::Bogus(&"UDP length below 8"),
            ),
            Some((t, bogus)) => {
                self.s.transport = t;
                if let Transport::Udp {
                    src_port,
                    dst_port,
                    payload_len,
                } = t
                {
                    self.payload_at(&p, udp::LEN, payload_len);
                    if let Some(port) = super::tunnel::udp_tunnel(src_port, dst_port) {
                        if payload_len > 0 {
                            let body = p.skip(udp::LEN).limit(payload_len as usize);
                            self.udp_tunnel(port, body);
                        }
                    }
                }
                if let Some(why) = bogus {
                    self.stop(Layer::Udp, p.offset, why);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod test {
    use super::super::testutil::{every_prefix, hex};
    use super::super::*;

    /// A SYN carrying one SACK block (1–16): zeek's tcp/option-sack.pcap, frame 1.
    const SACK_SYN: [&str; 2] = [
        "ffffffffffff0000000000000800450000340001000040067cc17f0000017f0000010014005000000000000000008002",
        "20005c550000050a00000001000000100000",
    ];

    /// A DNS query: tcpdump's tests/dns_udp.pcap, frame 1.
    pub(crate) const DNS_QUERY: [&str; 3] = [
        "00112233446600112233445508004500005459cd0000401194aec0a8010bd157f912abbe003500407824593401200001",
        "000000000001037777770774637064756d70036f72670000010001000029100000000000000c000a000842f5d00996f9",
        "0b13",
    ];

    fn tcp(f: &[u8]) -> (Tcp, Option<Stop>) {
        let s = dissect(linktype::ETHERNET, f);
        match s.transport {
            Transport::Tcp(t) => (t, s.stop),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tcp_options_and_a_sack_block() {
        let f = hex(&SACK_SYN);
        let (t, stop) = tcp(&f);
        assert_eq!(
            (
                t.src_port,
                t.dst_port,
                t.flags,
                t.window,
                t.payload_len,
                stop
            ),
            (20, 80, tcp_flags::SYN, 8192, 0, None)
        );
        assert_eq!((t.options.sack_count, t.options.sack[0]), (1, (1, 16)));
        assert_eq!(
            dissect(linktype::ETHERNET, &f).payload,
            Some(Payload {
                offset: 66,
                len: 0,
                reassembled: false
            })
        );
        every_prefix(linktype::ETHERNET, &f, Some(34), Some(54));
        // Option bytes: MSS, NOP, window scale, SACK permitted, timestamps, then an
        // option whose length runs past the header, which ends the walk.
        let o = TcpOptions::parse(&[
            2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 1, 8, 10, 0,
        ]);
        assert_eq!(
            (o.mss, o.window_scale, o.sack_permitted, o.timestamp),
            (Some(1460), Some(7), true, Some((9, 1)))
        );
        // AccECN's kinds, and the experimental kind with its ExIDs (not TFO's).
        for (opts, accecn) in [
            (&[172u8, 2][..], true),
            (&[1, 174, 11, 0, 0, 1, 0, 0, 2, 0, 0, 3][..], true),
            (&[254, 13, 0xac, 0xc0, 0, 0, 1, 0, 0, 0, 0, 0, 0][..], true),
            (&[254, 4, 0xac, 0xc1][..], true),
            (&[254, 4, 0xf9, 0x89][..], false),
            (&[254, 3, 0xac][..], false),
        ] {
            assert_eq!(TcpOptions::parse(opts).accecn, accecn, "{opts:?}");
        }
        let mut four = vec![5, 34];
        for b in 1..=4u32 {
            four.extend_from_slice(&(b * 10).to_be_bytes());
            four.extend_from_slice(&(b * 10 + 5).to_be_bytes());
        }
        let o = TcpOptions::parse(&four);
        assert_eq!(
            (o.sack_count, o.sack),
            (4, [(10, 15), (20, 25), (30, 35), (40, 45)])
        );
        assert_eq!(
            TcpOptions::parse(&four[..33]).sack_count,
            0,
            "a cut SACK option is not read"
        );
    }

    #[test]
    fn a_bogus_data_offset_still_makes_a_segment() {
        let mut f = hex(&SACK_SYN);
        f[46] = 0x30; // 12 bytes of header: Wireshark still counts the segment
        let (t, stop) = tcp(&f);
        // tcp.len: the 32 bytes of IP payload past the 12 the header claims.
        assert_eq!(t.payload_len, 20);
        assert_eq!(t.options, TcpOptions::default());
        assert!(matches!(
            stop,
            Some(Stop {
                layer: Layer::Tcp,
                offset: 34,
                reason: StopReason::Bogus(_)
            })
        ));
        // Fewer than 20 bytes: no segment.
        let s = dissect(linktype::ETHERNET, &f[..34 + 19]);
        assert_eq!(
            (s.transport, s.stack.to_string().as_str()),
            (Transport::None, "eth:ethertype:ip:tcp")
        );
        assert_eq!(
            s.stop.map(|s| s.reason),
            Some(StopReason::Truncated {
                needed: 20,
                available: 19
            })
        );
    }

    #[test]
    fn udp_lengths() {
        let f = hex(&DNS_QUERY);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.transport,
            Transport::Udp {
                src_port: 43966,
                dst_port: 53,
                payload_len: 56
            }
        );
        assert_eq!(
            s.payload,
            Some(Payload {
                offset: 42,
                len: 56,
                reassembled: false
            })
        );
        assert_eq!(s.payload.unwrap().bytes(&f, &[]), &f[42..]);
        assert_eq!(
            dissect(linktype::ETHERNET, &f[..50]).payload,
            Some(Payload {
                offset: 42,
                len: 8,
                reassembled: false
            })
        );
        every_prefix(linktype::ETHERNET, &f, Some(34), Some(42));
        // A length past the IP payload: the IP payload's, as Wireshark's "Len=".
        let mut long = f.clone();
        long[38..40].copy_from_slice(&200u16.to_be_bytes());
        let s = dissect(linktype::ETHERNET, &long);
        assert_eq!(
            s.transport,
            Transport::Udp {
                src_port: 43966,
                dst_port: 53,
                payload_len: 56
            }
        );
        assert!(matches!(
            s.stop,
            Some(Stop {
                layer: Layer::Udp,
                reason: StopReason::Bogus(_),
                ..
            })
        ));
        // Below 8: no datagram (Wireshark gives it no stream).
        let mut short = f.clone();
        short[38..40].copy_from_slice(&4u16.to_be_bytes());
        let s = dissect(linktype::ETHERNET, &short);
        assert_eq!(
            (s.transport, s.stack.to_string().as_str()),
            (Transport::None, "eth:ethertype:ip:udp")
        );
    }
}
