//! Tunnels: VXLAN (RFC 7348) and VXLAN-GPE, Geneve (RFC 8926), GRE (RFC 2784, RFC 2890,
//! and PPTP's RFC 2637 version 1) with ERSPAN types I–III and Cisco MetaData, GTP-U
//! (3GPP TS 29.281), Teredo (RFC 4380), MPLS over UDP (RFC 7510) and NSH (RFC 8300).
//!
//! The inner packet is walked as any other, so its addresses, ports and transport layer
//! are the summary's and its flow is a conversation of its own, as in tshark (where the
//! inner TCP segment has the `tcp.stream`). What the tunnel leaves behind is in
//! [`Tunnel`] (`Dissector::tunnel`): the outer UDP flow (tshark numbers it too: `udp.stream` of the frame is
//! the outer datagram's first) and the outer Ethernet addresses. The UDP ports are
//! Wireshark's defaults; as `decode_udp_ports` in packet-udp.c, the lower port is tried
//! first.

use super::link::Span;
use super::{be16, Layer, Net, Proto, StopReason, Transport, Tunnel, TunnelKind, Walker};

/// UDP ports Wireshark registers for the tunnels by default.
pub(crate) mod port {
    pub const GTP_C: u16 = 2123;
    pub const GTP_U: u16 = 2152;
    pub const TEREDO: u16 = 3544;
    pub const VXLAN: u16 = 4789;
    pub const VXLAN_GPE: u16 = 4790;
    pub const GENEVE: u16 = 6081;
    pub const MPLS: u16 = 6635;
}

/// Tunnels nest no deeper than this (each level is another walk of a whole packet).
const MAX_TUNNELS: u8 = 4;

/// GRE flag bits (RFC 2784 §2.1, RFC 2890 §2, RFC 2637 §4.1).
mod gre {
    pub const CHECKSUM: u16 = 0x8000;
    pub const ROUTING: u16 = 0x4000;
    pub const KEY: u16 = 0x2000;
    pub const SEQUENCE: u16 = 0x1000;
    pub const ACK: u16 = 0x0080;
    pub const VERSION: u16 = 0x0007;
}

/// The tunnel a UDP port pair names: the lower port first, then the higher one unless
/// the lower is a well-known port (whose dissector Wireshark would try before).
pub(crate) fn udp_tunnel(src: u16, dst: u16) -> Option<u16> {
    let (lo, hi) = (src.min(dst), src.max(dst));
    let known = |p: u16| {
        matches!(
            p,
            port::GTP_C
                | port::GTP_U
                | port::TEREDO
                | port::VXLAN
                | port::VXLAN_GPE
                | port::GENEVE
                | port::MPLS
        )
    };
    if known(lo) {
        Some(lo)
    } else if known(hi) && lo >= 1024 {
        Some(hi)
    } else {
        None
    }
}

impl Walker<'_> {
    /// Leaves the outer packet for a tunnel's payload: the network and transport layers
    /// found so far become the outer ones, the walk goes on with the inner packet.
    /// False when tunnels are already nested too deep.
    fn enter_tunnel(&mut self, kind: TunnelKind) -> bool {
        if self.tunnels >= MAX_TUNNELS {
            return false;
        }
        self.tunnels += 1;
        let outer = match self.s.net {
            Net::Ip { src, dst, .. } => Some((src, dst)),
            _ => None,
        };
        if self.tunnel.is_none() {
            let udp = match (outer, self.s.transport) {
                (
                    Some((src, dst)),
                    Transport::Udp {
                        src_port,
                        dst_port,
                        payload_len,
                    },
                ) => Some(super::OuterUdp {
                    src,
                    dst,
                    src_port,
                    dst_port,
                    payload_len,
                }),
                _ => None,
            };
            self.tunnel = Some(Tunnel {
                kind,
                eth: None,
                udp,
            });
        }
        if self.s.outer_ip.is_none() {
            self.s.outer_ip = outer;
        }
        self.s.net = Net::None;
        self.s.ip = None;
        self.s.transport = Transport::None;
        self.s.payload = None;
        true
    }

    /// The payload of a UDP datagram to one of the tunnel ports.
    pub(crate) fn udp_tunnel(&mut self, port: u16, p: Span<'_>) {
        match port {
            port::VXLAN => self.vxlan(p, false),
            port::VXLAN_GPE => self.vxlan(p, true),
            port::GENEVE => self.geneve(p),
            port::GTP_U => self.gtp_u(p),
            // GTPv1-C: named, not a tunnel (GTPv2-C is tshark's `gtpv2`).
            port::GTP_C if p.data.first().is_some_and(|b| b >> 5 == 1) => {
                self.push(Proto::Gtp, p, 8)
            }
            port::TEREDO => self.teredo(p),
            port::MPLS if self.enter_tunnel(TunnelKind::MplsUdp) => self.mpls(p),
            _ => {}
        }
    }

    /// VXLAN (RFC 7348 §5): 8 bytes, then an Ethernet frame. VXLAN-GPE
    /// (draft-ietf-nvo3-vxlan-gpe) names the next protocol in its fourth byte; Wireshark
    /// 4.0 leaves it out of `frame.protocols`.
    fn vxlan(&mut self, p: Span<'_>, gpe: bool) {
        const LEN: usize = 8;
        if !gpe {
            self.push(Proto::Vxlan, p, LEN);
        }
        if p.len() < LEN {
            return self.truncated(Layer::Vxlan, p.offset, LEN, p.len());
        }
        let rest = p.skip(LEN);
        let kind = if gpe {
            TunnelKind::VxlanGpe
        } else {
            TunnelKind::Vxlan
        };
        if !self.enter_tunnel(kind) {
            return self.data(rest);
        }
        if gpe {
            self.next_protocol(p.data[3], rest);
        } else {
            self.ethernet(rest);
        }
    }

    /// The next-protocol numbers of VXLAN-GPE and NSH (RFC 8300 §2.2).
    fn next_protocol(&mut self, next: u8, rest: Span<'_>) {
        match next {
            1 => self.ethertype_ipv4(rest),
            2 => self.ethertype_ipv6(rest),
            3 => self.ethernet(rest),
            4 => self.nsh(rest),
            5 => self.mpls(rest),
            _ => self.data(rest),
        }
    }

    /// NSH (RFC 8300 §2.2): its length in 4-byte words, then the next protocol.
    pub(crate) fn nsh(&mut self, p: Span<'_>) {
        const BASE: usize = 8;
        self.s.net = Net::Other(0x894f);
        self.push(Proto::Nsh, p, BASE);
        if p.len() < BASE {
            return self.truncated(Layer::Nsh, p.offset, BASE, p.len());
        }
        let len = (be16(p.data, 0) & 0x3f) as usize * 4;
        if len < BASE {
            return self.stop(
                Layer::Nsh,
                p.offset,
                StopReason::Bogus(&"NSH length below 8"),
            );
        }
        self.resize(Proto::Nsh, len, p.known_len());
        if p.len() < len {
            return self.truncated(Layer::Nsh, p.offset, len, p.len());
        }
        self.next_protocol(p.data[3], p.skip(len));
    }

    /// Geneve (RFC 8926 §3.4): 8 bytes and the options, then the protocol its EtherType
    /// field names (0x6558: an Ethernet frame).
    fn geneve(&mut self, p: Span<'_>) {
        const BASE: usize = 8;
        self.push(Proto::Geneve, p, BASE);
        if p.len() < BASE {
            return self.truncated(Layer::Geneve, p.offset, BASE, p.len());
        }
        let len = BASE + (p.data[0] & 0x3f) as usize * 4;
        self.resize(Proto::Geneve, len, p.known_len());
        if p.len() < len {
            return self.truncated(Layer::Geneve, p.offset, len, p.len());
        }
        let rest = p.skip(len);
        if !self.enter_tunnel(TunnelKind::Geneve) {
            return self.data(rest);
        }
        self.ethertype_payload(be16(p.data, 2), rest);
    }

    /// A payload named by an EtherType inside a tunnel (Geneve, GRE, Cisco MetaData):
    /// Transparent Ethernet Bridging is an Ethernet frame, another EtherType goes to the
    /// EtherType table without an `ethertype` name of its own.
    fn ethertype_payload(&mut self, t: u16, rest: Span<'_>) {
        const TEB: u16 = 0x6558;
        match t {
            TEB => self.ethernet(rest),
            0x8909 => self.cisco_metadata(rest, true),
            t if t >= 1536 => self.ether_chain(t, rest, false),
            _ => self.data(rest),
        }
    }

    /// GRE (RFC 2784, RFC 2890; version 1 is PPTP's, RFC 2637 §4.1), as packet-gre.c
    /// reads it: the optional fields the flags announce, the routing entries, then the
    /// protocol the type names.
    pub(crate) fn gre(&mut self, p: Span<'_>) {
        const BASE: usize = 4;
        self.push(Proto::Gre, p, BASE);
        self.s.transport = Transport::Other(47);
        if p.len() < BASE {
            return self.truncated(Layer::Gre, p.offset, BASE, p.len());
        }
        let flags = be16(p.data, 0);
        let ty = be16(p.data, 2);
        let pptp = flags & gre::VERSION == 1;
        let mut len = BASE;
        if flags & (gre::CHECKSUM | gre::ROUTING) != 0 {
            len += 4;
        }
        if flags & gre::KEY != 0 {
            len += 4;
        }
        if flags & gre::SEQUENCE != 0 {
            len += 4;
        }
        if pptp && flags & gre::ACK != 0 {
            len += 4;
        }
        if flags & gre::ROUTING != 0 {
            // Source route entries (RFC 1701 §2.1.5): address family, offset, length;
            // the one with family 0 and length 0 ends them.
            loop {
                if p.len() < len + 4 {
                    return self.truncated(Layer::Gre, p.offset, len + 4, p.len());
                }
                let family = be16(p.data, len);
                let sre_len = p.data[len + 3] as usize;
                len += 4 + sre_len;
                if family == 0 && sre_len == 0 {
                    break;
                }
            }
        }
        self.resize(Proto::Gre, len, p.known_len());
        if p.len() < len {
            return self.truncated(Layer::Gre, p.offset, len, p.len());
        }
        let rest = p.skip(len);
        const ERSPAN: u16 = 0x88be;
        const ERSPAN3: u16 = 0x22eb;
        const PPP: u16 = 0x880b;
        const CDP: u16 = 0x2000;
        let kind = match ty {
            ERSPAN | ERSPAN3 => TunnelKind::Erspan,
            _ => TunnelKind::Gre,
        };
        // The types in Wireshark's `gre.proto` table that we walk into; the rest is data.
        match ty {
            CDP => return self.push(Proto::Cdp, rest, 0),
            0x0800 | 0x86dd | 0x6558 | 0x8909 | ERSPAN | ERSPAN3 | PPP | 0x8847 | 0x8848
            | 0x8100 | 0x88a8 | 0x0806 => {}
            _ => return self.data(rest),
        }
        if !self.enter_tunnel(kind) {
            return self.data(rest);
        }
        match ty {
            ERSPAN | ERSPAN3 => self.erspan(rest, ty == ERSPAN3 || flags & gre::SEQUENCE != 0),
            PPP => self.ppp(rest),
            t => self.ethertype_payload(t, rest),
        }
    }

    /// ERSPAN (draft-foschiano-erspan): type I has no header (a GRE header without a
    /// sequence number), type II 8 bytes (version 1), type III 12 and, with the O flag,
    /// an 8-byte platform-specific subheader (version 2); then the mirrored frame.
    fn erspan(&mut self, p: Span<'_>, has_header: bool) {
        self.push(Proto::Erspan, p, 0);
        if !has_header {
            return self.ethernet(p);
        }
        if p.len() < 2 {
            return self.truncated(Layer::Erspan, p.offset, 8, p.len());
        }
        let len = match p.data[0] >> 4 {
            1 => 8,
            2 => {
                if p.len() < 12 {
                    return self.truncated(Layer::Erspan, p.offset, 12, p.len());
                }
                if p.data[11] & 1 != 0 {
                    20
                } else {
                    12
                }
            }
            _ => {
                return self.stop(
                    Layer::Erspan,
                    p.offset,
                    StopReason::Bogus(&"unknown ERSPAN version"),
                )
            }
        };
        self.resize(Proto::Erspan, len, p.known_len());
        if p.len() < len {
            return self.truncated(Layer::Erspan, p.offset, len, p.len());
        }
        self.ethernet(p.skip(len));
    }

    /// Cisco MetaData (EtherType 0x8909, packet-cisco-metadata.c): version, length,
    /// option type, SGT, then an EtherType; in GRE the EtherType comes first.
    pub(crate) fn cisco_metadata(&mut self, p: Span<'_>, in_gre: bool) {
        const LEN: usize = 8;
        self.s.net = Net::Other(0x8909);
        self.push(Proto::Cmd, p, LEN);
        if p.len() < LEN {
            return self.truncated(Layer::Cmd, p.offset, LEN, p.len());
        }
        let t = be16(p.data, if in_gre { 0 } else { 6 });
        self.ether_chain(t, p.skip(LEN), false);
    }

    /// GTP-U (3GPP TS 29.281 §5): version 1, the optional fields and extension headers
    /// the flags announce; a G-PDU (type 255) carries the user's IP packet, told by its
    /// first byte as packet-gtp.c does (0x45–0x4e IPv4, 0x6x IPv6).
    fn gtp_u(&mut self, p: Span<'_>) {
        const BASE: usize = 8;
        const G_PDU: u8 = 0xff;
        self.push(Proto::Gtp, p, BASE);
        if p.len() < BASE {
            return self.truncated(Layer::Gtp, p.offset, BASE, p.len());
        }
        let flags = p.data[0];
        if flags >> 5 != 1 {
            // GTP' and version 0 (another header) or 2 (control): not user data.
            return;
        }
        let mut len = BASE;
        if flags & 0x07 != 0 {
            // Sequence number, N-PDU number, next extension header type.
            len += 4;
            if p.len() < len {
                return self.truncated(Layer::Gtp, p.offset, len, p.len());
            }
            let mut next = p.data[len - 1];
            if flags & 0x04 != 0 {
                // Extension headers (§5.2): a length in 4-byte units, the next type last.
                while next != 0 {
                    let Some(&units) = p.data.get(len) else {
                        return self.truncated(Layer::Gtp, p.offset, len + 1, p.len());
                    };
                    if units == 0 {
                        return self.stop(
                            Layer::Gtp,
                            p.offset,
                            StopReason::Bogus(&"GTP extension header of length 0"),
                        );
                    }
                    len += units as usize * 4;
                    let Some(&n) = p.data.get(len - 1) else {
                        return self.truncated(Layer::Gtp, p.offset, len, p.len());
                    };
                    next = n;
                }
            }
        }
        self.resize(Proto::Gtp, len, p.known_len());
        if p.data[1] != G_PDU {
            return;
        }
        let rest = p.skip(len);
        match rest.data.first() {
            Some(0x45..=0x4e) => {
                if self.enter_tunnel(TunnelKind::GtpU) {
                    self.ethertype_ipv4(rest);
                } else {
                    self.data(rest);
                }
            }
            Some(b) if b >> 4 == 6 => {
                if self.enter_tunnel(TunnelKind::GtpU) {
                    self.ethertype_ipv6(rest);
                } else {
                    self.data(rest);
                }
            }
            None if !rest.whole() => self.truncated(Layer::Gtp, rest.offset, 1, 0),
            _ => self.data(rest),
        }
    }

    /// Teredo (RFC 4380 §5.1.1): an optional authentication indicator (type 1), an
    /// optional origin indication (type 0), then an IPv6 packet.
    fn teredo(&mut self, p: Span<'_>) {
        const ORIGIN_LEN: usize = 8;
        self.push(Proto::Teredo, p, 0);
        self.to_teredo_server = matches!(
            self.s.transport,
            Transport::Udp {
                dst_port: port::TEREDO,
                ..
            }
        );
        let mut at = 0;
        // The first two bytes of each part tell what it is.
        if p.len() < 2 && !p.whole() {
            return self.truncated(Layer::Teredo, p.offset, 2, p.len());
        }
        if p.len() >= 2 && be16(p.data, 0) == 1 {
            // Indicator, client id length, auth length, id, auth, nonce (8), confirmation.
            if p.len() < 4 {
                return self.truncated(Layer::Teredo, p.offset, 4, p.len());
            }
            at = 4 + p.data[2] as usize + p.data[3] as usize + 9;
        }
        if p.len() < at + 2 && !p.whole() {
            return self.truncated(Layer::Teredo, p.offset, at + 2, p.len());
        }
        if p.len() >= at + 2 && be16(p.data, at) == 0 {
            at += ORIGIN_LEN;
        }
        self.resize(Proto::Teredo, at, p.known_len());
        if p.len() < at {
            return self.truncated(Layer::Teredo, p.offset, at, p.len());
        }
        let rest = p.skip(at);
        if self.enter_tunnel(TunnelKind::Teredo) {
            self.ethertype_ipv6(rest);
        } else {
            self.data(rest);
        }
    }
}

#[cfg(test)]
mod test {
    use super::super::test::SYN;
    use super::super::testutil::every_prefix;
    use super::super::*;

    /// An outer Ethernet + IPv4 header (192.0.2.1 → 192.0.2.2) for `protocol`, around
    /// `payload`.
    fn outer_ipv4(protocol: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        let total = (20 + payload.len()) as u16;
        f.extend([0x45, 0, 0, 0, 0, 1, 0, 0, 64, protocol, 0, 0]);
        f[16..18].copy_from_slice(&total.to_be_bytes());
        f.extend([192, 0, 2, 1, 192, 0, 2, 2]);
        f.extend_from_slice(payload);
        f
    }

    /// A UDP datagram from port 50000 to `port` around `payload`, in [`outer_ipv4`].
    fn outer_udp(port: u16, payload: &[u8]) -> Vec<u8> {
        let mut u = 50000u16.to_be_bytes().to_vec();
        u.extend(port.to_be_bytes());
        u.extend(((8 + payload.len()) as u16).to_be_bytes());
        u.extend([0, 0]);
        u.extend_from_slice(payload);
        outer_ipv4(17, &u)
    }

    fn tunnel_of(f: &[u8]) -> Option<Tunnel> {
        let mut d = Dissector::new();
        d.dissect(linktype::ETHERNET, f, 0);
        d.tunnel()
    }

    fn inner_syn(s: &Summary) {
        let Transport::Tcp(t) = s.transport else {
            panic!("no inner TCP: {s:?}")
        };
        assert_eq!(
            (t.src_port, t.dst_port, t.flags),
            (40000, 80, tcp_flags::SYN)
        );
        assert_eq!(
            s.net,
            Net::Ip {
                src: "10.0.0.1".parse().unwrap(),
                dst: "10.0.0.2".parse().unwrap(),
                fragment: false
            }
        );
        assert_eq!(
            s.outer_ip,
            Some(("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()))
        );
    }

    #[test]
    fn vxlan_and_geneve_carry_an_ethernet_frame_in_udp() {
        let mut vxlan = vec![0x08, 0, 0, 0, 0, 0, 42, 0];
        vxlan.extend_from_slice(&SYN);
        // Geneve with one 8-byte option, protocol 0x6558 (Ethernet).
        let mut geneve = vec![0x02, 0, 0x65, 0x58, 0, 0, 43, 0];
        geneve.extend([0x01, 0x03, 0x80, 0x01, b'W', b'L', b'N', b'S']);
        geneve.extend_from_slice(&SYN);
        for (port, payload, name, kind) in [
            (4789, vxlan, "vxlan", TunnelKind::Vxlan),
            (6081, geneve, "geneve", TunnelKind::Geneve),
        ] {
            let f = outer_udp(port, &payload);
            let mut d = Dissector::new();
            let s = d.dissect(linktype::ETHERNET, &f, 0);
            assert_eq!(
                s.stack.to_string(),
                format!("eth:ethertype:ip:udp:{name}:eth:ethertype:ip:tcp")
            );
            inner_syn(&s);
            let t = d.tunnel().unwrap();
            assert_eq!(t.kind, kind);
            assert_eq!(t.eth, Some(([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])));
            assert_eq!(s.eth.unwrap().0, [0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]);
            let u = t.udp.unwrap();
            assert_eq!(
                (u.src_port, u.dst_port, u.payload_len),
                (50000, port, payload.len() as u32)
            );
            every_prefix(linktype::ETHERNET, &f, None, None);
        }
        // The lower port decides: a well-known source port is not a tunnel's.
        let mut f = outer_udp(4789, &[0; 16]);
        f[34..36].copy_from_slice(&53u16.to_be_bytes());
        let mut d = Dissector::new();
        d.dissect(linktype::ETHERNET, &f, 0);
        assert!(d.tunnel().is_none());
    }

    #[test]
    fn gre_with_optional_fields_and_erspan() {
        // Key and sequence number, IPv4 inside.
        let mut gre = vec![0x30, 0x00, 0x08, 0x00, 0, 0, 0, 44, 0, 0, 0, 7];
        gre.extend_from_slice(&SYN[14..]);
        let f = outer_ipv4(47, &gre);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:gre:ip:tcp");
        inner_syn(&s);
        assert_eq!(
            tunnel_of(&f).map(|t| (t.kind, t.udp)),
            Some((TunnelKind::Gre, None))
        );
        every_prefix(linktype::ETHERNET, &f, None, None);
        // ERSPAN type II (GRE with a sequence number, 8-byte header), then Ethernet.
        let mut erspan = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
        erspan.extend([0x10, 0x00, 0x00, 0x0c, 0, 0, 0, 0]);
        erspan.extend_from_slice(&SYN);
        let f = outer_ipv4(47, &erspan);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp"
        );
        inner_syn(&s);
        every_prefix(linktype::ETHERNET, &f, None, None);
        // A keepalive (protocol 0): GRE alone, nothing inside.
        let f = outer_ipv4(47, &[0, 0, 0, 0]);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(tunnel_of(&f), None);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:gre");
    }

    #[test]
    fn gtp_u_teredo_and_mpls_over_udp_carry_ip() {
        // GTP-U G-PDU with a sequence number (flags 0x32), TEID 1.
        let ip = &SYN[14..];
        let mut gtp = vec![0x32, 0xff, 0, (ip.len() + 4) as u8, 0, 0, 0, 1, 0, 9, 0, 0];
        gtp.extend_from_slice(ip);
        // MPLS: one label (16), bottom of stack.
        let mut mpls = vec![0x00, 0x01, 0x01, 0x40];
        mpls.extend_from_slice(ip);
        for (port, payload, names) in [(2152, gtp, "gtp:ip:tcp"), (6635, mpls, "mpls:ip:tcp")] {
            let f = outer_udp(port, &payload);
            let s = dissect(linktype::ETHERNET, &f);
            assert_eq!(s.stack.to_string(), format!("eth:ethertype:ip:udp:{names}"));
            inner_syn(&s);
            every_prefix(linktype::ETHERNET, &f, None, None);
        }
        // Teredo: an origin indication, then an IPv6 packet with no next header.
        let mut teredo = vec![0, 0, 0x12, 0x34, 1, 2, 3, 4];
        teredo.extend([0x60, 0, 0, 0, 0, 0, 59, 64]);
        teredo.extend([0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        teredo.extend([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        let f = outer_udp(3544, &teredo);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:udp:teredo:ipv6");
        assert!(matches!(
            s.net,
            Net::Ip {
                src: std::net::IpAddr::V6(_),
                ..
            }
        ));
        assert_eq!(tunnel_of(&f).unwrap().kind, TunnelKind::Teredo);
        every_prefix(linktype::ETHERNET, &f, None, None);
    }

    #[test]
    fn ppp_and_cisco_hdlc_links() {
        let ip = &SYN[14..];
        let mut hdlc = vec![0xff, 0x03, 0x00, 0x21];
        hdlc.extend_from_slice(ip);
        let s = dissect(linktype::PPP, &hdlc);
        assert_eq!(
            (s.stack.to_string().as_str(), s.link),
            ("ppp:ip:tcp", Link::Ppp)
        );
        every_prefix(linktype::PPP, &hdlc, Some(24), Some(44));
        // Address and control left out, the protocol compressed to one byte.
        let mut short = vec![0x21];
        short.extend_from_slice(ip);
        assert_eq!(
            dissect(linktype::PPP_HDLC, &short).stack.to_string(),
            "ppp:ip:tcp"
        );
        let mut chdlc = vec![0x0f, 0x00, 0x08, 0x00];
        chdlc.extend_from_slice(ip);
        let s = dissect(linktype::C_HDLC, &chdlc);
        assert_eq!(
            (s.stack.to_string().as_str(), s.link),
            ("chdlc:ip:tcp", Link::Chdlc)
        );
        inner_syn_plain(&s);
        every_prefix(linktype::C_HDLC, &chdlc, Some(24), Some(44));
        chdlc[2..4].copy_from_slice(&[0x80, 0x35]);
        assert_eq!(
            dissect(linktype::C_HDLC, &chdlc).stack.to_string(),
            "chdlc:slarp"
        );
    }

    fn inner_syn_plain(s: &Summary) {
        assert!(matches!(
            s.transport,
            Transport::Tcp(Tcp { dst_port: 80, .. })
        ));
        assert_eq!(s.outer_ip, None);
    }

    #[test]
    fn nested_tunnels_stop_at_the_limit() {
        // VXLAN in VXLAN in …: the walk ends, it does not recurse without bound.
        let mut f = SYN.to_vec();
        for _ in 0..10 {
            let mut v = vec![0x08, 0, 0, 0, 0, 0, 42, 0];
            v.extend_from_slice(&f);
            f = outer_udp(4789, &v);
        }
        let s = dissect(linktype::ETHERNET, &f);
        assert!(s.stack.len() <= Stack::CAPACITY);
        assert_eq!(tunnel_of(&f).map(|t| t.kind), Some(TunnelKind::Vxlan));
    }
}
