//! IPv4 (RFC 791) and IPv6 (RFC 8200) with extension headers and fragments, following
//! Wireshark's packet-ip.c and packet-ipv6.c where their rules decide what the next
//! layer sees: the TSO zero length, bogus lengths, which fragments are reassembled and
//! which first fragments are dissected as they are.

use super::frag::{Added, FragKey};
use super::link::Span;
use super::{be16, be32, Frag, FragSkip, Ip, Layer, Net, Proto, StopReason, Transport, Walker};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(crate) mod v4 {
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const TOTAL_LEN: usize = 2;
    pub const ID: usize = 4;
    pub const FLAGS_FRAG: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
    pub const MIN_LEN: usize = 20;
    pub const DF: u16 = 0x4000;
    pub const MF: u16 = 0x2000;
    pub const OFFSET: u16 = 0x1fff;
}

pub(crate) mod v6 {
    pub const PAYLOAD_LEN: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: usize = 8;
    pub const DST: usize = 24;
    pub const LEN: usize = 40;
    /// Fragment header: next header, reserved, offset and M flag, identification.
    pub const FRAG_OFFLG: usize = 2;
    pub const FRAG_IDENT: usize = 4;
    pub const FRAG_LEN: usize = 8;
}

/// IP protocol numbers with a meaning here.
pub(crate) mod proto {
    pub const HOPOPTS: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const IPIP: u8 = 4;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const IPV6: u8 = 41;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const ICMPV6: u8 = 58;
    pub const NONE: u8 = 59;
    pub const DSTOPTS: u8 = 60;
    pub const SHIM6: u8 = 140;
}

/// IP in IP nests no deeper than this.
const MAX_IP_DEPTH: u8 = 4;
/// Datagrams reassembled within one packet (an outer and a tunnelled one).
const MAX_REASSEMBLIES: u8 = 2;

impl Walker<'_> {
    pub(crate) fn ipv4(&mut self, f: Span<'_>) {
        self.ip_depth += 1;
        let b = f.data;
        if b.len() < v4::MIN_LEN {
            return self.truncated(Layer::Ipv4, f.offset, v4::MIN_LEN, b.len());
        }
        let hlen = (b[v4::VER_IHL] & 0x0f) as usize * 4;
        if hlen < v4::MIN_LEN {
            return self.stop(Layer::Ipv4, f.offset, StopReason::Bogus("IPv4 header length below 20"));
        }
        let mut total = be16(b, v4::TOTAL_LEN) as usize;
        if total < hlen {
            if total != 0 {
                return self.stop(Layer::Ipv4, f.offset, StopReason::Bogus("IPv4 total length below header length"));
            }
            // TSO: a zero length stands for the frame's.
            total = f.reported;
        }
        let src = Ipv4Addr::from(be32(b, v4::SRC));
        let header = &b[..hlen.min(b.len())];
        let dst = Ipv4Addr::from(be32(b, v4::DST + source_route_dst(header)));
        let flags = be16(b, v4::FLAGS_FRAG);
        let (more, offset) = (flags & v4::MF != 0, (flags & v4::OFFSET) * 8);
        let protocol = b[v4::PROTOCOL];
        let fragment = more || offset != 0;
        self.enter_ip(IpAddr::V4(src), IpAddr::V4(dst), fragment);
        self.s.ip = Some(Ip {
            version: 4,
            header_len: hlen as u16,
            total_len: total as u32,
            ttl: b[v4::TTL],
            tos: b[v4::TOS],
            flow_label: 0,
            id: be16(b, v4::ID) as u32,
            dont_fragment: flags & v4::DF != 0,
            more_fragments: more,
            frag_offset: offset,
            protocol,
            options: hlen > v4::MIN_LEN,
            ext_headers: 0,
            frag: Frag::None,
        });
        if b.len() < hlen {
            return self.truncated(Layer::Ipv4, f.offset, hlen, b.len());
        }
        // A length within what the frame reported trims the payload (Ethernet padding);
        // a longer one is believed only as far as the frame goes.
        let payload = if total <= f.reported { f.limit(total) } else { f }.skip(hlen);
        if !fragment {
            return self.ip_payload(protocol, payload);
        }
        let frag_len = total - hlen;
        if frag_len > 0 && payload.len() >= frag_len {
            let private = |a: Ipv4Addr| a.is_private() || a.is_link_local();
            let key = FragKey {
                src: IpAddr::V4(src),
                dst: IpAddr::V4(dst),
                id: be16(b, v4::ID) as u32,
                proto: protocol,
                vlan: if private(src) || private(dst) { self.vlan_id } else { 0 },
            };
            match self.reassemble(key, offset as u32, more, &payload.data[..frag_len]) {
                Some(datagram) => {
                    self.ip_payload(protocol, Span::new(&datagram, datagram.len()));
                    self.reassembled = Some(datagram);
                }
                None => self.data(payload.data),
            }
        } else if offset == 0 {
            // The first fragment, not all captured: Wireshark dissects what there is.
            self.set_frag(Frag::Skipped(FragSkip::Truncated));
            self.ip_payload(protocol, payload);
        } else {
            self.set_frag(Frag::Skipped(FragSkip::Truncated));
            self.data(payload.data);
        }
    }

    pub(crate) fn ipv6(&mut self, f: Span<'_>) {
        self.ip_depth += 1;
        let b = f.data;
        if b.len() < v6::LEN {
            return self.truncated(Layer::Ipv6, f.offset, v6::LEN, b.len());
        }
        let mut a = [0u8; 16];
        a.copy_from_slice(&b[v6::SRC..v6::SRC + 16]);
        let src = Ipv6Addr::from(a);
        a.copy_from_slice(&b[v6::DST..v6::DST + 16]);
        let dst = Ipv6Addr::from(a);
        let word = be32(b, 0);
        let plen = be16(b, v6::PAYLOAD_LEN) as usize;
        let next = b[v6::NEXT_HEADER];
        self.enter_ip(IpAddr::V6(src), IpAddr::V6(dst), false);
        self.s.ip = Some(Ip {
            version: 6,
            header_len: v6::LEN as u16,
            total_len: (v6::LEN + plen) as u32,
            ttl: b[v6::HOP_LIMIT],
            tos: (word >> 20) as u8,
            flow_label: word & 0x000f_ffff,
            id: 0,
            dont_fragment: false,
            more_fragments: false,
            frag_offset: 0,
            protocol: next,
            options: false,
            ext_headers: 0,
            frag: Frag::None,
        });
        let rest = f.skip(v6::LEN);
        // A zero length with a hop-by-hop header is a jumbogram (RFC 2675): its length is
        // in an option; take the frame's.
        let payload = if plen == 0 && next == proto::HOPOPTS || plen > rest.reported { rest } else { rest.limit(plen) };
        self.ip_payload(next, payload);
    }

    /// Records a new IP layer; an IP layer already there becomes the outer one.
    fn enter_ip(&mut self, src: IpAddr, dst: IpAddr, fragment: bool) {
        if let Net::Ip { src, dst, .. } = self.s.net {
            self.s.outer_ip = Some((src, dst));
        }
        self.s.net = Net::Ip { src, dst, fragment };
    }

    fn set_frag(&mut self, frag: Frag) {
        if let Some(ip) = self.s.ip.as_mut() {
            ip.frag = frag;
        }
    }

    /// Adds a whole fragment to the reassembly table; returns the datagram's payload if
    /// this fragment completed it.
    fn reassemble(&mut self, key: FragKey, offset: u32, more: bool, bytes: &[u8]) -> Option<Vec<u8>> {
        let Some((table, ts)) = self.frags.as_mut() else {
            self.set_frag(Frag::Skipped(FragSkip::Stateless));
            return None;
        };
        if self.reassemblies >= MAX_REASSEMBLIES {
            self.set_frag(Frag::Skipped(FragSkip::TooManyFragments));
            return None;
        }
        match table.add(key, offset, more, bytes, *ts) {
            Added::Pending => {
                self.set_frag(Frag::Pending);
                None
            }
            Added::Rejected(why) => {
                self.set_frag(Frag::Skipped(why));
                None
            }
            Added::Complete(datagram, fragments) => {
                self.reassemblies += 1;
                self.set_frag(Frag::Complete { len: datagram.len() as u32, fragments });
                Some(datagram)
            }
        }
    }

    /// The payload of an IP header: extension headers (for IPv4 too, as Wireshark walks
    /// them there), then the transport layer or what else the protocol number names.
    pub(crate) fn ip_payload(&mut self, mut next: u8, mut p: Span<'_>) {
        loop {
            let name = match next {
                proto::HOPOPTS => Proto::Ipv6Hopopts,
                proto::ROUTING => Proto::Ipv6Routing,
                proto::DSTOPTS => Proto::Ipv6Dstopts,
                proto::AH => Proto::Ah,
                proto::SHIM6 => Proto::Shim6,
                proto::FRAGMENT => match self.ipv6_fragment(p) {
                    Some((n, rest)) => {
                        (next, p) = (n, rest);
                        continue;
                    }
                    None => return,
                },
                proto::ESP => return self.leaf(Proto::Esp, next),
                proto::NONE => {
                    self.s.transport = Transport::None;
                    return self.data(p.data);
                }
                _ => break,
            };
            self.push(name);
            if p.len() < 2 {
                return self.truncated(Layer::Ipv6Ext, p.offset, 2, p.len());
            }
            // RFC 8200 §4.3: length in 8-octet units past the first 8; AH (RFC 4302 §2.2)
            // counts 4-octet units past the first 8.
            let len = if next == proto::AH { (p.data[1] as usize + 2) * 4 } else { (p.data[1] as usize + 1) * 8 };
            if p.len() < len {
                return self.truncated(Layer::Ipv6Ext, p.offset, len, p.len());
            }
            if matches!(name, Proto::Ipv6Hopopts | Proto::Ipv6Dstopts) && !options_fit(&p.data[2..len]) {
                // Wireshark stops at an option running past its header.
                return self.stop(Layer::Ipv6Ext, p.offset, StopReason::Bogus("IPv6 option past its header"));
            }
            next = p.data[0];
            p = p.skip(len);
            self.ext_header(next, len);
        }
        self.transport_for(next, p);
    }

    fn ext_header(&mut self, next: u8, len: usize) {
        if let Some(ip) = self.s.ip.as_mut() {
            ip.ext_headers = ip.ext_headers.saturating_add(1);
            ip.protocol = next;
            if ip.version == 6 && ip.frag == Frag::None {
                ip.header_len = ip.header_len.saturating_add(len as u16);
            }
        }
    }

    /// The IPv6 fragment header (RFC 8200 §4.5); reassembly as packet-ipv6.c: only a
    /// fragment captured whole is reassembled, and one that is not is data even when it
    /// is the first. Returns the next header and the rest for an atomic fragment, whose
    /// walk goes on.
    fn ipv6_fragment<'a>(&mut self, p: Span<'a>) -> Option<(u8, Span<'a>)> {
        self.push(Proto::Ipv6Fraghdr);
        if p.len() < v6::FRAG_LEN {
            self.truncated(Layer::Ipv6Ext, p.offset, v6::FRAG_LEN, p.len());
            return None;
        }
        let next = p.data[0];
        let offlg = be16(p.data, v6::FRAG_OFFLG);
        let (offset, more) = (offlg & 0xfff8, offlg & 1 != 0);
        let ident = be32(p.data, v6::FRAG_IDENT);
        let rest = p.skip(v6::FRAG_LEN);
        self.ext_header(next, v6::FRAG_LEN);
        let fragment = offset != 0 || more;
        if let Some(ip) = self.s.ip.as_mut() {
            // The first fragment header's, unless a later one is a real fragment's.
            if !self.seen_fraghdr || fragment {
                ip.id = ident;
            }
        }
        self.seen_fraghdr = true;
        if !fragment {
            // An atomic fragment (RFC 6946): a whole datagram.
            return Some((next, rest));
        }
        let Net::Ip { src, dst, .. } = self.s.net else { return None };
        self.s.net = Net::Ip { src, dst, fragment: true };
        if let Some(ip) = self.s.ip.as_mut() {
            (ip.more_fragments, ip.frag_offset) = (more, offset);
        }
        if !rest.whole() {
            self.set_frag(Frag::Skipped(FragSkip::Truncated));
            self.data(rest.data);
            return None;
        }
        let key = FragKey { src, dst, id: ident, proto: 0, vlan: 0 };
        match self.reassemble(key, offset as u32, more, rest.data) {
            Some(datagram) => {
                // Headers after the fragment header are in the reassembled payload.
                self.ip_payload(next, Span::new(&datagram, datagram.len()));
                self.reassembled = Some(datagram);
            }
            None => self.data(rest.data),
        }
        None
    }

    /// A protocol we name and do not look inside.
    fn leaf(&mut self, name: Proto, number: u8) {
        self.push(name);
        self.s.transport = Transport::Other(number);
    }

    fn transport_for(&mut self, next: u8, p: Span<'_>) {
        let leaf = match next {
            proto::TCP => return self.tcp(p),
            proto::UDP => return self.udp(p),
            proto::ICMP => return self.icmp(p, false),
            proto::ICMPV6 => return self.icmp(p, true),
            proto::IPIP | proto::IPV6 if self.ip_depth < MAX_IP_DEPTH => {
                self.s.transport = Transport::None;
                return if next == proto::IPIP { self.ethertype_ipv4(p) } else { self.ethertype_ipv6(p) };
            }
            2 => Proto::Igmp,
            9 => Proto::Igrp,
            33 => Proto::Dccp,
            46 => Proto::Rsvp,
            47 => Proto::Gre,
            88 => Proto::Eigrp,
            89 => Proto::Ospf,
            97 => Proto::Etherip,
            103 => Proto::Pim,
            108 => Proto::Ipcomp,
            112 => Proto::Vrrp,
            115 => Proto::L2tp,
            132 => Proto::Sctp,
            135 => Proto::Mipv6,
            136 => Proto::Udplite,
            137 => Proto::Mpls,
            139 => Proto::Hip,
            _ => {
                self.s.transport = Transport::Other(next);
                return self.data(p.data);
            }
        };
        self.leaf(leaf, next);
    }
}

/// True when the type-length-value options of a hop-by-hop or destination options
/// header (RFC 8200 §4.2) each end within it.
fn options_fit(mut opts: &[u8]) -> bool {
    const PAD1: u8 = 0;
    while let Some(&kind) = opts.first() {
        if kind == PAD1 {
            opts = &opts[1..];
            continue;
        }
        let Some(&len) = opts.get(1) else { return false };
        let Some(rest) = opts.get(2 + len as usize..) else { return false };
        opts = rest;
    }
    true
}

/// packet-ip.c `get_dst_offset`: with a loose or strict source route option whose
/// pointer is still inside it, the datagram's final destination is the option's last
/// address. Returns how far past the header's destination field that address is.
fn source_route_dst(header: &[u8]) -> usize {
    const EOOL: u8 = 0;
    const NOP: u8 = 1;
    const LSRR: u8 = 131;
    const SSRR: u8 = 137;
    let opts = header.get(v4::MIN_LEN..).unwrap_or(&[]);
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        match kind {
            EOOL => return 0,
            NOP => i += 1,
            _ => {
                let Some(&len) = opts.get(i + 1) else { return 0 };
                let len = len as usize;
                if len < 2 || i + len > opts.len() {
                    return 0;
                }
                if kind == LSRR || kind == SSRR {
                    let ptr = opts.get(i + 2).copied().unwrap_or(0) as usize;
                    if ptr < 4 || ptr & 3 != 0 || ptr > len {
                        return 0;
                    }
                    return i + len;
                }
                i += len;
            }
        }
    }
    0
}

/// The IP header an ICMP error quotes, read as packet-icmp.c hands it to the IP
/// dissector (marked as inside an error packet: never reassembled).
pub(crate) fn quoted(b: &[u8]) -> Option<super::Quoted> {
    let version = b.first()? >> 4;
    let (src, dst, mut next, payload) = match version {
        4 => {
            if b.len() < v4::MIN_LEN {
                return None;
            }
            let hlen = (b[0] & 0x0f) as usize * 4;
            let total = be16(b, v4::TOTAL_LEN) as usize;
            if hlen < v4::MIN_LEN || total != 0 && total < hlen {
                return None;
            }
            let src = IpAddr::V4(Ipv4Addr::from(be32(b, v4::SRC)));
            let dst = IpAddr::V4(Ipv4Addr::from(be32(b, v4::DST + source_route_dst(&b[..hlen.min(b.len())]))));
            let flags = be16(b, v4::FLAGS_FRAG);
            let payload = b.get(hlen..).unwrap_or(&[]);
            let whole = total > hlen && payload.len() >= total - hlen;
            // A fragment: the first one is dissected only when not all of it is quoted.
            if flags & v4::OFFSET != 0 || flags & v4::MF != 0 && whole {
                return Some(super::Quoted {
                    src,
                    dst,
                    protocol: b[v4::PROTOCOL],
                    ports: None,
                    transport: Transport::None,
                });
            }
            let payload = if total > hlen { &payload[..payload.len().min(total - hlen)] } else { payload };
            (src, dst, b[v4::PROTOCOL], payload)
        }
        6 => {
            if b.len() < v6::LEN {
                return None;
            }
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[v6::SRC..v6::SRC + 16]);
            let src = IpAddr::V6(Ipv6Addr::from(a));
            a.copy_from_slice(&b[v6::DST..v6::DST + 16]);
            (src, IpAddr::V6(Ipv6Addr::from(a)), b[v6::NEXT_HEADER], &b[v6::LEN..])
        }
        _ => return None,
    };
    let mut p = payload;
    loop {
        match next {
            proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS | proto::AH | proto::SHIM6 => {
                let len = match (p.get(1), next) {
                    (Some(&l), proto::AH) => (l as usize + 2) * 4,
                    (Some(&l), _) => (l as usize + 1) * 8,
                    (None, _) => break,
                };
                if p.len() < len {
                    break;
                }
                next = p[0];
                p = &p[len..];
            }
            proto::FRAGMENT => {
                if p.len() < v6::FRAG_LEN {
                    break;
                }
                if be16(p, v6::FRAG_OFFLG) & 0xfff9 != 0 {
                    return Some(super::Quoted { src, dst, protocol: p[0], ports: None, transport: Transport::None });
                }
                next = p[0];
                p = &p[v6::FRAG_LEN..];
            }
            _ => break,
        }
    }
    let transport = match next {
        proto::TCP => super::transport::parse_tcp(p, p.len()).map_or(Transport::None, |(t, _)| Transport::Tcp(t)),
        proto::UDP => super::transport::parse_udp(p, p.len()).map_or(Transport::None, |(u, _)| u),
        proto::ICMP => Transport::Icmp,
        proto::ICMPV6 => Transport::Icmpv6,
        n => Transport::Other(n),
    };
    let ports = match next {
        proto::TCP | proto::UDP if p.len() >= 4 => Some((be16(p, 0), be16(p, 2))),
        _ => None,
    };
    Some(super::Quoted { src, dst, protocol: next, ports, transport })
}
