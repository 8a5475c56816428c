//! IPv4 (RFC 791) and IPv6 (RFC 8200) with extension headers and fragments, following
//! Wireshark's packet-ip.c and packet-ipv6.c where their rules decide what the next
//! layer sees: the TSO zero length, bogus lengths, which fragments are reassembled and
//! which first fragments are dissected as they are.

use super::frag::{Added, FragKey};
use super::link::Span;
use super::{
    be16, be32, BadIpv4, Frag, FragSkip, Ip, Layer, Net, Proto, StopReason, Transport, Walker,
};
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
            // A header Wireshark does not show: the layer has no header of its own.
            self.resize(Proto::Ip, 0, f.known_len());
            return self.stop(
                Layer::Ipv4,
                f.offset,
                StopReason::BadIpv4(BadIpv4::HeaderLen(hlen as u8)),
            );
        }
        let mut total = be16(b, v4::TOTAL_LEN) as usize;
        if total < hlen {
            if total != 0 {
                self.resize(Proto::Ip, 0, f.known_len());
                return self.stop(
                    Layer::Ipv4,
                    f.offset,
                    StopReason::BadIpv4(BadIpv4::TotalLen {
                        total: total as u16,
                        header: hlen as u8,
                    }),
                );
            }
            // TSO: a zero length stands for the frame's.
            total = f.known_len();
        }
        // A length within what the frame reported trims the payload (Ethernet padding);
        // a longer one is believed only as far as the frame goes.
        let packet = if total <= f.reported {
            f.limit(total)
        } else {
            f
        };
        self.resize(Proto::Ip, hlen, packet.known_len());
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
        let payload = packet.skip(hlen);
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
                vlan: if private(src) || private(dst) {
                    self.vlan_id
                } else {
                    0
                },
            };
            match self.reassemble(key, offset as u32, more, &payload.data[..frag_len]) {
                Some(datagram) => {
                    self.in_datagram = true;
                    self.ip_payload(protocol, Span::new(&datagram, datagram.len()));
                    self.reassembled = Some(datagram);
                }
                None => self.data(payload),
            }
        } else if offset == 0 {
            // The first fragment, not all captured: Wireshark dissects what there is.
            self.set_frag(Frag::Skipped(FragSkip::Truncated));
            self.ip_payload(protocol, payload);
        } else {
            self.set_frag(Frag::Skipped(FragSkip::Truncated));
            self.data(payload);
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
        let payload = if plen == 0 && next == proto::HOPOPTS || plen > rest.reported {
            rest
        } else {
            rest.limit(plen)
        };
        self.resize(Proto::Ipv6, v6::LEN, v6::LEN + payload.known_len());
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
    fn reassemble(
        &mut self,
        key: FragKey,
        offset: u32,
        more: bool,
        bytes: &[u8],
    ) -> Option<Vec<u8>> {
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
                self.set_frag(Frag::Complete {
                    len: datagram.len() as u32,
                    fragments,
                });
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
                proto::ESP => return self.leaf(Proto::Esp, next, p),
                proto::NONE => {
                    self.s.transport = Transport::None;
                    return self.data(p);
                }
                _ => break,
            };
            self.push(name, p, 0);
            if p.len() < 2 {
                return self.truncated(Layer::Ipv6Ext, p.offset, 2, p.len());
            }
            // RFC 8200 §4.3: length in 8-octet units past the first 8; AH (RFC 4302 §2.2)
            // counts 4-octet units past the first 8.
            let len = if next == proto::AH {
                (p.data[1] as usize + 2) * 4
            } else {
                (p.data[1] as usize + 1) * 8
            };
            self.resize(name, len, p.known_len());
            if p.len() < len {
                return self.truncated(Layer::Ipv6Ext, p.offset, len, p.len());
            }
            if matches!(name, Proto::Ipv6Hopopts | Proto::Ipv6Dstopts)
                && !options_fit(&p.data[2..len])
            {
                // Wireshark stops at an option running past its header.
                return self.stop(
                    Layer::Ipv6Ext,
                    p.offset,
                    StopReason::Bogus(&"IPv6 option past its header"),
                );
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
        self.push(Proto::Ipv6Fraghdr, p, v6::FRAG_LEN);
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
        let Net::Ip { src, dst, .. } = self.s.net else {
            return None;
        };
        self.s.net = Net::Ip {
            src,
            dst,
            fragment: true,
        };
        if let Some(ip) = self.s.ip.as_mut() {
            (ip.more_fragments, ip.frag_offset) = (more, offset);
        }
        if !rest.whole() {
            self.set_frag(Frag::Skipped(FragSkip::Truncated));
            self.data(rest);
            return None;
        }
        let key = FragKey {
            src,
            dst,
            id: ident,
            proto: 0,
            vlan: 0,
        };
        match self.reassemble(key, offset as u32, more, rest.data) {
            Some(datagram) => {
                // Headers after the fragment header are in the reassembled payload.
                self.in_datagram = true;
                self.ip_payload(next, Span::new(&datagram, datagram.len()));
                self.reassembled = Some(datagram);
            }
            None => self.data(rest),
        }
        None
    }

    /// A protocol we name and do not look inside.
    fn leaf(&mut self, name: Proto, number: u8, p: Span<'_>) {
        self.push(name, p, 0);
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
                return if next == proto::IPIP {
                    self.ethertype_ipv4(p)
                } else {
                    self.ethertype_ipv6(p)
                };
            }
            47 => return self.gre(p),
            2 => Proto::Igmp,
            9 => Proto::Igrp,
            33 => Proto::Dccp,
            46 => Proto::Rsvp,
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
                return self.data(p);
            }
        };
        self.leaf(leaf, next, p);
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
        let Some(&len) = opts.get(1) else {
            return false;
        };
        let Some(rest) = opts.get(2 + len as usize..) else {
            return false;
        };
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
                let Some(&len) = opts.get(i + 1) else {
                    return 0;
                };
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

impl Walker<'_> {
    /// The IP header an ICMP error quotes, read as packet-icmp.c hands it to the IP
    /// dissector (marked as inside an error packet: never reassembled). Its layers are
    /// recorded as quoted ones.
    pub(crate) fn quoted(&mut self, q: Span<'_>) -> Option<super::Quoted> {
        self.quoted_at(q, 0)
    }

    fn quoted_at(&mut self, q: Span<'_>, depth: u8) -> Option<super::Quoted> {
        let b = q.data;
        let version = b.first()? >> 4;
        // Where the quoted datagram ends, by its own length (the quote is usually cut).
        // `off`: where the payload `p` starts in the quote.
        let (src, dst, mut next, payload, end, mut off) = match version {
            4 => {
                if b.len() < v4::MIN_LEN {
                    return None;
                }
                let hlen = (b[0] & 0x0f) as usize * 4;
                let total = be16(b, v4::TOTAL_LEN) as usize;
                if hlen < v4::MIN_LEN || total != 0 && total < hlen {
                    return None;
                }
                let end = if total == 0 { b.len() } else { total };
                self.record(Proto::Ip, q.offset, hlen, end, true);
                let src = IpAddr::V4(Ipv4Addr::from(be32(b, v4::SRC)));
                let dst = IpAddr::V4(Ipv4Addr::from(be32(
                    b,
                    v4::DST + source_route_dst(&b[..hlen.min(b.len())]),
                )));
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
                let payload = if total > hlen {
                    &payload[..payload.len().min(total - hlen)]
                } else {
                    payload
                };
                (src, dst, b[v4::PROTOCOL], payload, end, hlen)
            }
            6 => {
                if b.len() < v6::LEN {
                    return None;
                }
                let plen = be16(b, v6::PAYLOAD_LEN) as usize;
                let end = if plen == 0 { b.len() } else { v6::LEN + plen };
                self.record(Proto::Ipv6, q.offset, v6::LEN, end, true);
                let mut a = [0u8; 16];
                a.copy_from_slice(&b[v6::SRC..v6::SRC + 16]);
                let src = IpAddr::V6(Ipv6Addr::from(a));
                a.copy_from_slice(&b[v6::DST..v6::DST + 16]);
                (
                    src,
                    IpAddr::V6(Ipv6Addr::from(a)),
                    b[v6::NEXT_HEADER],
                    &b[v6::LEN..],
                    end,
                    v6::LEN,
                )
            }
            _ => return None,
        };
        let mut p = payload;
        loop {
            let name = match next {
                proto::HOPOPTS => Proto::Ipv6Hopopts,
                proto::ROUTING => Proto::Ipv6Routing,
                proto::DSTOPTS => Proto::Ipv6Dstopts,
                proto::AH => Proto::Ah,
                proto::SHIM6 => Proto::Shim6,
                proto::FRAGMENT => {
                    if p.len() < v6::FRAG_LEN {
                        break;
                    }
                    self.record(
                        Proto::Ipv6Fraghdr,
                        q.offset + off,
                        v6::FRAG_LEN,
                        end.saturating_sub(off),
                        true,
                    );
                    if be16(p, v6::FRAG_OFFLG) & 0xfff9 != 0 {
                        return Some(super::Quoted {
                            src,
                            dst,
                            protocol: p[0],
                            ports: None,
                            transport: Transport::None,
                        });
                    }
                    next = p[0];
                    p = &p[v6::FRAG_LEN..];
                    off += v6::FRAG_LEN;
                    continue;
                }
                _ => break,
            };
            let len = match (p.get(1), next) {
                (Some(&l), proto::AH) => (l as usize + 2) * 4,
                (Some(&l), _) => (l as usize + 1) * 8,
                (None, _) => break,
            };
            if p.len() < len {
                break;
            }
            self.record(name, q.offset + off, len, end.saturating_sub(off), true);
            next = p[0];
            p = &p[len..];
            off += len;
        }
        let rest = end.saturating_sub(off);
        let transport = match next {
            proto::TCP => {
                // Ports and sequence number of a header cut by the quote are still shown.
                let hlen = p.get(12).map_or(20, |h| (h >> 4) as usize * 4);
                if p.len() >= 4 && (p.len() < 20 || hlen >= 20) {
                    self.record(Proto::Tcp, q.offset + off, hlen, rest, true);
                }
                super::transport::parse_tcp(p, p.len())
                    .map_or(Transport::None, |(t, _)| Transport::Tcp(t))
            }
            proto::UDP => {
                if p.len() >= 4 {
                    self.record(Proto::Udp, q.offset + off, 8, rest, true);
                }
                super::transport::parse_udp(p, p.len()).map_or(Transport::None, |(u, _)| u)
            }
            proto::ICMP | proto::ICMPV6 => {
                let (name, t) = if next == proto::ICMP {
                    (Proto::Icmp, Transport::Icmp)
                } else {
                    (Proto::Icmpv6, Transport::Icmpv6)
                };
                if p.len() >= 2 {
                    self.record(name, q.offset + off, 8, rest, true);
                }
                t
            }
            proto::IPIP | proto::IPV6 if depth + 1 < MAX_IP_DEPTH && self.layers.is_some() => {
                // Only the layers of a tunnelled quote: the quote is the outer packet's.
                let _ = self.quoted_at(q.skip(off), depth + 1);
                Transport::Other(next)
            }
            n => Transport::Other(n),
        };
        let ports = match next {
            proto::TCP | proto::UDP if p.len() >= 4 => Some((be16(p, 0), be16(p, 2))),
            _ => None,
        };
        Some(super::Quoted {
            src,
            dst,
            protocol: next,
            ports,
            transport,
        })
    }
}

#[cfg(test)]
pub(crate) mod test {
    use super::super::link::test::RAW_IPV6_SYN;
    use super::super::testutil::{every_prefix, hex};
    use super::super::*;

    /// An HTTP request in 11 IPv4 fragments (10 of 144 bytes, then 40):
    /// PcapPlusPlus's frag_http_req.pcap. tshark reassembles it in frame 11.
    pub(crate) const FRAG_HTTP_REQ: [&[&str]; 11] = [
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20008006acd3ac108536d8892151fb9f0050888d248a39a869b45018",
            "40293e040000474554202f636f6e766572745f646174612e6a733f706172746e65725f69643d323920485454502f312e",
            "310d0a486f73743a206a732e62697a6f67726170686963732e636f6d0d0a557365722d4167656e743a204d6f7a696c6c",
            "612f352e30202857696e646f7773204e5420362e313b20574f5736343b2072763a31",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20128006acc1ac108536d8892151392e3029204765636b6f2f323031",
            "30303130312046697265666f782f31392e300d0a4163636570743a202a2f2a0d0a4163636570742d4c616e6775616765",
            "3a20656e2d55532c656e3b713d302e350d0a4163636570742d456e636f64696e673a20677a69702c206465666c617465",
            "0d0a526566657265723a20687474703a2f2f73777a2e73616c6172792e636f6d2f73",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20248006acafac108536d8892151616c61727977697a6172642f4c61",
            "796f7574536372697074732f53777a6c5f53656c6563744a6f622e617370783f6a6f626b6579776f72643d4d61726b65",
            "74696e672532304f7065726174696f6e73266c6f636174696f6e3d426f73746f6e2c2532304d412668646e6172726f77",
            "636f64653d0d0a436f6f6b69653a2042697a6f49443d35313562633562332d336535",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20368006ac9dac108536d8892151392d343532342d616233622d6565",
            "393562336365313534333b2042697a6f446174613d366442507038496c3663556f6877465332316d596b4e5162314d61",
            "51426a36573150636973616435346b5a635a7944356435585661756b56454f6d7171745a74696932666c56576d395769",
            "69474c6973416c444b43676d32767169694459537157343750486e62784c634b6c76",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20488006ac8bac108536d8892151726c52336e576f595367464b6874",
            "7146626969307836706375506a5466554258665867384a656d737656674a39525a6970676768586b4b4a5174324e614e",
            "486d7343774b4c476a67337658446a7049736150316970756b696933314c64674f307578733047724b6a4535636d4c61",
            "756d576b5832586970586b4a483971336f7747344c6e6374744e31796f7569696636",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f205a8006ac79ac108536d8892151545531716758597067746c514954",
            "43634757765443524874737642723050656a376973567533484348754e386f6b69696970395364396d79766278467977",
            "35783474677676454b55327336467054396970536c7a317a564231566c7766674c7473794f6449487065724747394367",
            "686b36624472546a366861666969594d704f3847304a374844657972416f3964634e",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f206c8006ac67ac108536d889215168576155373350686634755a664a",
            "3533447767704e6563704a3252697379536a4d66737030624b6d684852496970336471506c647936633177774e727446",
            "376f675950696955456a3369693971514769707945423372484978514d73626e755573434f4630766e537470704c3564",
            "687a6f6f43576a566234646b716970726f4b624e4b496c417279584b524179376633",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f207e8006ac55ac108536d8892151716479524f6a696966484367656a",
            "514f364769693139486f67414a69737451636831547453644369704e366d4b3343556969315038537159447566356c36",
            "6435317147456f42536f594947533653724e49794f496e31706d50624c756a7041396c69737555536970313762523977",
            "504a714b384774614a637938767a697057326339575264776b37464669734d447765",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20908006ac43ac108536d88921516f6e6e42397930344b346e394a74",
            "436a557349494d514a7a4247594a6e376f347348657a675749613231696955524a514e415369704866724c4c66644730",
            "4250454762484b7762647050457745594d34446b766a506a3268697075794d56374169653b2042697a6f557365724d61",
            "746368486973746f72793d33543469706b51495844764c3357534756454555723970",
        ],
        &[
            "00907f3e02d0d4bed94b24790800450000a4425f20a28006ac31ac108536d8892151516e635376524d705a46674d646d",
            "5a6a6d4b366a566245345268347561527567576e5649544c4c646f424f49574475674662374e5569650d0a436f6e6e65",
            "6374696f6e3a206b6565702d616c6976650d0a49662d4d6f6469666965642d53696e63653a205468752c203239205365",
            "7020323031312032333a35373a343120474d540d0a49662d4e6f6e652d4d61746368",
        ],
        &[
            "00907f3e02d0d4bed94b247908004500003c425f00b48006cc87ac108536d88921513a20223038616266366362663836",
            "623937373332383533393837323438313562313035220d0a0d0a",
        ],
    ];

    /// IPv4 in IPv4 (TCP SYN inside), in 802.1Q: deepflow's tunnels/ipip.pcap, frame 1.
    pub(crate) const IPIP_SYN: [&str; 3] = [
        "52540027e67dc4a4027dc643810080fd080045900054000000001a043ed20aa22a5d0aa221a445900040000040003306",
        "4f8c1b243771d215d2f1c061ea7ef34f80e300000000b002ffff70cf0000020405ac010303050101080acba2e3e20000",
        "000004020000",
    ];

    /// TCP SYN after a destination options header: zeek's ipv6-http-atomic-frag.pcap, frame 4.
    pub(crate) const DSTOPTS_SYN: [&str; 2] = [
        "aa0004000a0400101895316a86dd60000000001c3c4020010db800010000000000000000000220010db8000100000000",
        "000000000001060001040000000090570050e31ebd4e000000005002200003570000",
    ];

    /// TCP SYN after an atomic fragment header (RFC 6946): the same capture, frame 13.
    const ATOMIC_FRAG_SYN: [&str; 2] = [
        "aa0004000a0400101895316a86dd60000000001c2c4020010db800010000000000000000000220010db8000100000000",
        "0000000000010600000000000000e92e005069817905000000005002200068660000",
    ];

    /// An HTTP request after a hop-by-hop options header: the same capture, frame 26.
    const HOPOPTS_GET: [&str; 3] = [
        "aa0004000a0400101895316a86dd60000000002b004020010db800010000000000000000000220010db8000100000000",
        "00000000000106000104000000006b010050515fabe2f96068535018200024f00000474554202f6261642e68746d6c0d",
        "0a",
    ];

    /// ICMPv6 echo request after a type 0 routing header: tcpdump's ipv6-routing-header.pcap, frame 1.
    const ROUTING_ECHO: [&str; 2] = [
        "0013c4c784f000123fae22f786dd6000000000202b04220000000000024402123ffffeae22f722000000000002400002",
        "0000000000043a02000100000000220000000000021000020000000000048000d3ab00000000",
    ];

    /// A hop-by-hop option longer than its header (tcpdump's ipv6hdr-heapoverflow.pcap).
    const BAD_HOPOPTS: [&str; 1] =
        ["633030303030003030303030303030303030303030303030303030303030303030303030303030300000303030303030"];

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    fn frames() -> Vec<Vec<u8>> {
        FRAG_HTTP_REQ.iter().map(|f| hex(f)).collect()
    }

    fn tcp_of(s: &Summary) -> Tcp {
        match s.transport {
            Transport::Tcp(t) => t,
            other => panic!("not TCP: {other:?} in {}", s.stack),
        }
    }

    #[test]
    fn ipv4_fragments_reassemble_in_the_last_frame() {
        let mut d = Dissector::new();
        let frames = frames();
        for (i, f) in frames.iter().enumerate().take(10) {
            let s = d.dissect(linktype::ETHERNET, f, i as i64);
            assert_eq!(
                s.stack.to_string(),
                "eth:ethertype:ip:data",
                "frame {}",
                i + 1
            );
            assert_eq!(s.transport, Transport::None);
            assert_eq!(
                s.net,
                Net::Ip {
                    src: ip("172.16.133.54"),
                    dst: ip("216.137.33.81"),
                    fragment: true
                }
            );
            let ipd = s.ip.unwrap();
            assert_eq!(
                (ipd.frag, ipd.more_fragments, ipd.frag_offset, ipd.id),
                (Frag::Pending, true, 144 * i as u16, 0x425f)
            );
            assert!(d.reassembled().is_empty());
        }
        let mut d = Dissector::new();
        let mut last = Summary::default();
        for (i, f) in frames.iter().enumerate() {
            last = d.dissect_frame(linktype::ETHERNET, f, f.len(), i as i64);
        }
        assert_eq!(last.stack.to_string(), "eth:ethertype:ip:tcp");
        assert_eq!(
            last.ip.unwrap().frag,
            Frag::Complete {
                len: 1480,
                fragments: 11
            }
        );
        let t = tcp_of(&last);
        assert_eq!(
            (t.src_port, t.dst_port, t.seq, t.flags, t.payload_len),
            (64415, 80, 2290951306, 0x18, 1460)
        );
        assert_eq!(d.reassembled().len(), 1480);
        assert_eq!(
            last.payload,
            Some(Payload {
                offset: 20,
                len: 1460,
                reassembled: true
            })
        );
        assert!(last
            .payload
            .unwrap()
            .bytes(&frames[10], d.reassembled())
            .starts_with(b"GET /convert_data.js"));
        assert_eq!(&d.reassembled()[..144], &frames[0][34..]);
        assert!(
            d.reassembled()[20..].starts_with(b"GET /convert_data.js?partner_id=29 HTTP/1.1\r\n")
        );
        let st = d.frag_stats();
        assert_eq!(
            (st.fragments, st.reassembled, st.pending, st.buffered_bytes),
            (11, 1, 0, 0)
        );
        // On its own, the last fragment is only a fragment.
        let s = dissect(linktype::ETHERNET, &frames[10]);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:data");
        assert_eq!(s.ip.unwrap().frag, Frag::Skipped(FragSkip::Stateless));
    }

    #[test]
    fn out_of_order_duplicated_and_overlapping_fragments() {
        let frames = frames();
        // Backwards: the first fragment completes the datagram.
        let mut d = Dissector::new();
        let done: Vec<Summary> = frames
            .iter()
            .rev()
            .map(|f| d.dissect(linktype::ETHERNET, f, 0))
            .collect();
        assert!(done[..10].iter().all(|s| s.transport == Transport::None));
        assert_eq!(tcp_of(&done[10]).payload_len, 1460);
        // A duplicate of a fragment changes nothing.
        let mut d = Dissector::new();
        for f in [&frames[0], &frames[0], &frames[1]] {
            d.dissect(linktype::ETHERNET, f, 0);
        }
        let rest: Vec<Summary> = frames[2..]
            .iter()
            .map(|f| d.dissect(linktype::ETHERNET, f, 0))
            .collect();
        assert_eq!(
            rest[8].ip.unwrap().frag,
            Frag::Complete {
                len: 1480,
                fragments: 11
            }
        );
        // A fragment over bytes 72..216 of the datagram, with other bytes, sent first:
        // as in Wireshark's reassemble.c, bytes go to the fragment with the lowest offset
        // (0..144 stay the first fragment's), and it only adds bytes nobody before it
        // in offset order covered (144..216 are its own, before the second fragment's).
        let mut overlap = frames[1].clone();
        overlap[20] = 0x20; // more fragments, offset 9 × 8 = 72
        overlap[21] = 9;
        overlap[34..].fill(b'X');
        let mut d = Dissector::new();
        d.dissect(linktype::ETHERNET, &overlap, 0);
        for f in &frames {
            d.dissect(linktype::ETHERNET, f, 0);
        }
        let r = d.reassembled();
        assert_eq!(
            (&r[..144], &r[216..288]),
            (&frames[0][34..], &frames[1][34 + 72..])
        );
        assert!(r[144..216].iter().all(|&b| b == b'X'));
        assert_eq!(d.frag_stats().overlapping, 1);
    }

    #[test]
    fn fragments_older_than_the_timeout_are_dropped() {
        let frames = frames();
        let limits = FragLimits {
            timeout_ns: 1_000_000_000,
            ..FragLimits::default()
        };
        let mut d = Dissector::with_limits(limits);
        for f in &frames[..10] {
            d.dissect(linktype::ETHERNET, f, 0);
        }
        let s = d.dissect(linktype::ETHERNET, &frames[10], 2_000_000_000);
        assert_eq!(
            (s.transport, s.ip.unwrap().frag),
            (Transport::None, Frag::Pending)
        );
        let st = d.frag_stats();
        assert_eq!((st.timed_out, st.pending), (1, 1));
    }

    #[test]
    fn a_first_fragment_cut_by_the_snap_length_is_dissected_as_it_is() {
        let f = &frames()[0];
        let s = Dissector::new().dissect_frame(linktype::ETHERNET, &f[..80], f.len(), 0);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:tcp");
        assert_eq!(s.ip.unwrap().frag, Frag::Skipped(FragSkip::Truncated));
        // tcp.len from the fragment's own IP length: 164 - 20 - 20.
        assert_eq!(tcp_of(&s).payload_len, 124);
        // A later fragment, cut: data.
        let f = &frames()[3];
        let s = Dissector::new().dissect_frame(linktype::ETHERNET, &f[..80], f.len(), 0);
        assert_eq!(s.stack.to_string(), "eth:ethertype:ip:data");
    }

    /// Cuts the TCP segment of a real IPv6 packet into IPv6 fragments of `size` bytes.
    pub(crate) fn fragment_v6(packet: &[u8], size: usize, ident: u32) -> Vec<Vec<u8>> {
        let (header, payload) = packet.split_at(40);
        let chunks: Vec<&[u8]> = payload.chunks(size).collect();
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let mut f = header.to_vec();
                f[4..6].copy_from_slice(&((chunk.len() + 8) as u16).to_be_bytes());
                f[6] = 44;
                let offlg = (i * size) as u16 | u16::from(i + 1 < chunks.len());
                f.push(header[6]);
                f.push(0);
                f.extend_from_slice(&offlg.to_be_bytes());
                f.extend_from_slice(&ident.to_be_bytes());
                f.extend_from_slice(chunk);
                f
            })
            .collect()
    }

    #[test]
    fn ipv6_fragments_reassemble_in_the_frame_that_completes_them() {
        let packet = hex(&RAW_IPV6_SYN);
        let frags = fragment_v6(&packet, 16, 0xf88eb466);
        assert_eq!(frags.len(), 3);
        let mut d = Dissector::new();
        for (i, f) in frags.iter().enumerate() {
            let s = d.dissect(linktype::IPV6, f, 0);
            let ipd = s.ip.unwrap();
            assert_eq!(
                (ipd.id, ipd.frag_offset, ipd.protocol),
                (0xf88eb466, 16 * i as u16, 6)
            );
            if i < 2 {
                assert_eq!(s.stack.to_string(), "ipv6:ipv6.fraghdr:data");
                assert_eq!(ipd.frag, Frag::Pending);
            } else {
                assert_eq!(s.stack.to_string(), "ipv6:ipv6.fraghdr:tcp");
                assert_eq!(
                    ipd.frag,
                    Frag::Complete {
                        len: 40,
                        fragments: 3
                    }
                );
                assert!(matches!(
                    s.transport,
                    Transport::Tcp(Tcp {
                        src_port: 35995,
                        dst_port: 80,
                        ..
                    })
                ));
                assert_eq!(d.reassembled(), &packet[40..]);
            }
            every_prefix(linktype::IPV6, f, Some(48), None);
        }
        // Not all captured: data, even the first fragment.
        let s = Dissector::new().dissect_frame(linktype::IPV6, &frags[0][..60], frags[0].len(), 0);
        assert_eq!(
            (s.stack.to_string().as_str(), s.transport),
            ("ipv6:ipv6.fraghdr:data", Transport::None)
        );
    }

    #[test]
    fn ipv6_extension_headers() {
        let cases: [(&[&str], &str, u8, u16, usize); 4] = [
            (
                &DSTOPTS_SYN,
                "eth:ethertype:ipv6:ipv6.dstopts:tcp",
                6,
                48,
                20,
            ),
            (
                &ATOMIC_FRAG_SYN,
                "eth:ethertype:ipv6:ipv6.fraghdr:tcp",
                6,
                48,
                20,
            ),
            (
                &HOPOPTS_GET,
                "eth:ethertype:ipv6:ipv6.hopopts:tcp",
                6,
                48,
                20,
            ),
            (
                &ROUTING_ECHO,
                "eth:ethertype:ipv6:ipv6.routing:icmpv6",
                58,
                64,
                0,
            ),
        ];
        for (lines, stack, protocol, header_len, l4_len) in cases {
            let f = hex(lines);
            let s = dissect(linktype::ETHERNET, &f);
            assert_eq!(s.stack.to_string(), stack);
            let ipd = s.ip.unwrap();
            assert_eq!(
                (ipd.protocol, ipd.header_len, ipd.ext_headers, ipd.frag),
                (protocol, header_len, 1, Frag::None)
            );
            assert!(!matches!(s.net, Net::Ip { fragment: true, .. }));
            every_prefix(
                linktype::ETHERNET,
                &f,
                Some(54),
                Some(usize::from(header_len) + 14 + l4_len),
            );
        }
        let s = dissect(linktype::ETHERNET, &hex(&HOPOPTS_GET));
        assert_eq!(tcp_of(&s).payload_len, 15);
        let s = dissect(linktype::IPV6, &hex(&BAD_HOPOPTS));
        assert_eq!(s.stack.to_string(), "ipv6:ipv6.hopopts");
        assert!(matches!(
            s.stop,
            Some(Stop {
                layer: Layer::Ipv6Ext,
                reason: StopReason::Bogus(_),
                ..
            })
        ));
    }

    #[test]
    fn ip_in_ip_keeps_the_outer_addresses() {
        let f = hex(&IPIP_SYN);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:vlan:ethertype:ip:ip:tcp"
        );
        assert_eq!(s.outer_ip, Some((ip("10.162.42.93"), ip("10.162.33.164"))));
        assert_eq!(
            s.net,
            Net::Ip {
                src: ip("27.36.55.113"),
                dst: ip("210.21.210.241"),
                fragment: false
            }
        );
        assert_eq!(tcp_of(&s).dst_port, 60030);
        every_prefix(linktype::ETHERNET, &f, Some(58), Some(78));
    }

    #[test]
    fn ipv4_lengths_as_wireshark_reads_them() {
        let syn = hex(&IPIP_SYN)[38..].to_vec(); // the inner IPv4 packet
        assert_eq!(syn.len(), 64);
        // TSO: a total length of 0 stands for the frame's.
        let mut tso = syn.clone();
        tso[2..4].fill(0);
        let s = Dissector::new().dissect_frame(linktype::IPV4, &tso, 64, 0);
        assert_eq!((s.ip.unwrap().total_len, tcp_of(&s).payload_len), (64, 0));
        // A total length past the frame is believed as far as the frame goes…
        let mut long = syn.clone();
        long[2..4].copy_from_slice(&100u16.to_be_bytes());
        let s = Dissector::new().dissect_frame(linktype::IPV4, &long, 64, 0);
        assert_eq!(tcp_of(&s).payload_len, 0);
        // …unless the frame's length on the wire is not known (a snap length cut it).
        assert_eq!(tcp_of(&dissect(linktype::IPV4, &long)).payload_len, 36);
        // Shorter than the header: nothing above the IPv4 header is believed.
        let mut bogus = syn.clone();
        bogus[2..4].copy_from_slice(&10u16.to_be_bytes());
        let s = dissect(linktype::IPV4, &bogus);
        assert_eq!((s.stack.to_string().as_str(), s.net), ("ip", Net::None));
        assert!(matches!(
            s.stop,
            Some(Stop {
                layer: Layer::Ipv4,
                reason: StopReason::BadIpv4(_),
                ..
            })
        ));
        let mut short_header = syn.clone();
        short_header[0] = 0x44;
        assert!(dissect(linktype::IPV4, &short_header).stop.is_some());
        every_prefix(linktype::IPV4, &syn, Some(20), Some(40));
    }

    #[test]
    fn a_source_route_option_gives_the_final_destination() {
        // A UDP datagram with a loose source route via 1.1.1.1 to 9.9.9.9 (RFC 791 §3.1).
        let mut p = vec![
            0x48, 0, 0, 40, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 1, 1, 1, 1,
        ];
        p.extend_from_slice(&[1, 131, 11, 4, 1, 1, 1, 1, 9, 9, 9, 9]);
        p.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0]);
        let s = dissect(linktype::IPV4, &p);
        assert_eq!(
            s.net,
            Net::Ip {
                src: ip("10.0.0.1"),
                dst: ip("9.9.9.9"),
                fragment: false
            }
        );
        assert!(s.ip.unwrap().options);
        // The route is used up (pointer past the option): the header's destination.
        p[23] = 12;
        assert!(
            matches!(dissect(linktype::IPV4, &p).net, Net::Ip { dst, .. } if dst == ip("1.1.1.1"))
        );
    }
}
