//! Link layers: Ethernet II / 802.3 (IEEE 802.3 §3.2.6), 802.1Q and 802.1ad tags,
//! Linux cooked captures v1 and v2, BSD loopback, raw IP; and the EtherType dispatch.

use super::{
    be16, linktype, mac_at, BadIpv4, Layer, Link, Net, Proto, StopReason, VlanTag, Walker,
};

/// A slice of the packet being dissected, with Wireshark's "reported length" (what the
/// layer holds on the wire, which a snap length may have cut from `data`) and where it
/// starts in the frame.
#[derive(Clone, Copy)]
pub(crate) struct Span<'a> {
    pub data: &'a [u8],
    pub reported: usize,
    pub offset: usize,
}

/// The reported length of a frame whose length on the wire was not given: length fields
/// in the headers are then believed, as when a snap length cut the frame.
pub(crate) const UNKNOWN: usize = usize::MAX;

impl<'a> Span<'a> {
    pub fn new(data: &'a [u8], reported: usize) -> Self {
        Span {
            data,
            reported: reported.max(data.len()),
            offset: 0,
        }
    }

    /// The reported length, or the captured one where no length said more.
    pub fn known_len(&self) -> usize {
        if self.reported > UNKNOWN / 2 {
            self.data.len()
        } else {
            self.reported
        }
    }

    /// The rest after `n` bytes.
    pub fn skip(self, n: usize) -> Self {
        Span {
            data: self.data.get(n..).unwrap_or(&[]),
            reported: self.reported.saturating_sub(n),
            offset: self.offset + n,
        }
    }

    /// The first `n` bytes (a length field that fits what was reported).
    pub fn limit(self, n: usize) -> Self {
        Span {
            data: &self.data[..n.min(self.data.len())],
            reported: n.min(self.reported),
            offset: self.offset,
        }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// True when every reported byte was captured.
    pub fn whole(&self) -> bool {
        self.data.len() >= self.reported
    }
}

mod eth {
    pub const DST: usize = 0;
    pub const SRC: usize = 6;
    pub const TYPE: usize = 12;
    pub const LEN: usize = 14;
}

mod vlan {
    pub const TCI: usize = 0;
    pub const TYPE: usize = 2;
    pub const LEN: usize = 4;
}

mod sll {
    pub const HATYPE: usize = 2;
    pub const PROTOCOL: usize = 14;
    pub const LEN: usize = 16;
}

mod sll2 {
    pub const PROTOCOL: usize = 0;
    pub const HATYPE: usize = 8;
    pub const LEN: usize = 20;
}

/// `ARPHRD_*` values the Linux cooked header dissector special-cases.
const ARPHRD_IPGRE: u16 = 778;
const ARPHRD_NETLINK: u16 = 824;

/// Cisco VN-Tag's EtherType.
const VNTAG: u16 = 0x8926;

/// The largest value of the Ethernet type field that is an 802.3 length.
const MAX_802_3_LEN: u16 = 1500;
/// The smallest EtherType (IEEE 802.3 §3.2.6).
const MIN_ETHERTYPE: u16 = 1536;

impl Walker<'_> {
    /// Dissects a frame of the given link type. `reported` is the frame's length on the
    /// wire (at least the captured length), or [`UNKNOWN`].
    pub(crate) fn link(&mut self, lt: u16, data: &[u8], reported: usize) {
        self.link_span(lt, Span::new(data, reported));
    }

    /// Dissects the bytes of `frame` as a frame of link type `lt` (a whole frame, or the
    /// packet after a PKTAP header).
    pub(super) fn link_span(&mut self, lt: u16, frame: Span<'_>) {
        match lt {
            linktype::ETHERNET => {
                self.s.link = Link::Ethernet;
                self.ethernet(frame);
            }
            linktype::LINUX_SLL | linktype::LINUX_SLL2 => {
                self.s.link = if lt == linktype::LINUX_SLL {
                    Link::Sll
                } else {
                    Link::Sll2
                };
                self.sll(frame, lt == linktype::LINUX_SLL2);
            }
            linktype::NULL | linktype::LOOP => {
                self.s.link = if lt == linktype::NULL {
                    Link::Null
                } else {
                    Link::Loop
                };
                self.null(frame, lt);
            }
            linktype::RAW | linktype::RAW_BSD | linktype::RAW_OPENBSD => {
                self.s.link = Link::Raw;
                self.push(Proto::Raw, frame, 0);
                match frame.data.first().map(|b| b >> 4) {
                    None => self.truncated(Layer::Ipv4, 0, 1, 0),
                    Some(4) => self.ethertype_ipv4(frame),
                    Some(6) => self.ethertype_ipv6(frame),
                    Some(_) => self.stop(Layer::Ipv4, 0, StopReason::Bogus(&"unknown IP version")),
                }
            }
            linktype::PPP | linktype::PPP_HDLC => {
                self.s.link = Link::Ppp;
                self.ppp(frame);
            }
            linktype::C_HDLC => {
                self.s.link = Link::Chdlc;
                self.chdlc(frame);
            }
            linktype::IPV4 => {
                self.s.link = Link::Ipv4;
                self.ethertype_ipv4(frame);
            }
            linktype::IPV6 => {
                self.s.link = Link::Ipv6;
                self.ethertype_ipv6(frame);
            }
            linktype::NFLOG => self.nflog(frame),
            linktype::PKTAP | linktype::USER2 => self.pktap(frame, lt == linktype::USER2),
            linktype::IPNET => self.ipnet(frame),
            linktype::IPOIB => self.ipoib(frame),
            linktype::ARCNET_LINUX => self.arcnet(frame),
            linktype::IEEE802_11 => {
                self.s.link = Link::Ieee80211;
                self.ieee80211(frame, false, false);
            }
            linktype::IEEE802_11_RADIOTAP => self.radiotap(frame),
            linktype::PPI => self.ppi(frame),
            linktype::FDDI => self.fddi(frame),
            other => self.s.link = Link::Other(other),
        }
    }

    pub(super) fn ethernet(&mut self, f: Span<'_>) {
        self.push(Proto::Eth, f, eth::LEN);
        if f.len() >= eth::TYPE {
            // A frame in a tunnel: the outer addresses stay in the tunnel's record.
            if let Some(t) = self.tunnel.as_mut().filter(|t| t.eth.is_none()) {
                t.eth = self.s.eth;
            }
            self.s.eth = Some((mac_at(f.data, eth::SRC), mac_at(f.data, eth::DST)));
        }
        if f.len() < eth::LEN {
            return self.truncated(Layer::Ethernet, 0, eth::LEN, f.len());
        }
        self.type_or_length(be16(f.data, eth::TYPE), f.skip(eth::LEN));
    }

    /// The field after the MAC addresses or a VLAN tag: an EtherType, or an 802.3
    /// length followed by LLC (or Novell's raw IPX, which starts with 0xffff).
    /// VLAN tags are walked in a loop, however many there are.
    fn type_or_length(&mut self, t: u16, rest: Span<'_>) {
        self.ether_chain(t, rest, true);
    }

    /// `named`: whether the first EtherType shows as `ethertype` (it does after Ethernet
    /// and Linux cooked headers, not after a loopback header, whose dissector goes to
    /// the EtherType table directly).
    pub(super) fn ether_chain(&mut self, mut t: u16, mut rest: Span<'_>, mut named: bool) {
        loop {
            if t <= MAX_802_3_LEN {
                self.s.net = Net::Other(t);
                let body = if t as usize <= rest.reported {
                    rest.limit(t as usize)
                } else {
                    rest
                };
                if body.data.starts_with(&[0xff, 0xff]) {
                    return self.push(Proto::Ipx, body, 0);
                }
                return self.llc(body);
            }
            if t < MIN_ETHERTYPE {
                self.s.net = Net::Other(t);
                return self.data(rest);
            }
            if t == VNTAG {
                // Cisco VN-Tag: 4 bytes of tag, then an EtherType.
                if named {
                    self.push(Proto::Ethertype, rest, 0);
                }
                named = true;
                self.push(Proto::Vntag, rest, vlan::LEN + 2);
                if rest.len() < vlan::LEN + 2 {
                    return self.truncated(Layer::Vlan, rest.offset, vlan::LEN + 2, rest.len());
                }
                t = be16(rest.data, vlan::LEN);
                rest = rest.skip(vlan::LEN + 2);
                continue;
            }
            if !matches!(t, 0x8100 | 0x88a8 | 0x9100) {
                return self.ethertype(t, rest, named);
            }
            if named {
                self.push(Proto::Ethertype, rest, 0);
            }
            named = true;
            let tag = if t == 0x88a8 {
                Proto::Ieee8021ad
            } else {
                Proto::Vlan
            };
            self.push(tag, rest, vlan::LEN);
            if rest.len() < vlan::LEN {
                return self.truncated(Layer::Vlan, rest.offset, vlan::LEN, rest.len());
            }
            let tci = be16(rest.data, vlan::TCI);
            let tag = VlanTag {
                tpid: t,
                id: tci & 0x0fff,
                pcp: (tci >> 13) as u8,
                dei: tci & 0x1000 != 0,
            };
            self.s.vlan.push(tag);
            if t != 0x88a8 {
                // packet-vlan.c sets pinfo->vlan_id, which IPv4 reassembly keys on.
                self.vlan_id = tag.id;
            }
            t = be16(rest.data, vlan::TYPE);
            rest = rest.skip(vlan::LEN);
        }
    }

    /// Dispatches on an EtherType (not a VLAN tag), as packet-ethertype.c does.
    fn ethertype(&mut self, t: u16, rest: Span<'_>, named: bool) {
        let name = |w: &mut Self| {
            if named {
                w.push(Proto::Ethertype, rest, 0);
            }
        };
        let leaf = match t {
            0x0800 => {
                name(self);
                return self.ethertype_ipv4(rest);
            }
            0x86dd => {
                name(self);
                return self.ethertype_ipv6(rest);
            }
            0x0806 | 0x8035 => {
                name(self);
                self.push(Proto::Arp, rest, 0);
                return self.arp(rest);
            }
            0x8847 | 0x8848 => {
                name(self);
                return self.mpls(rest);
            }
            0x8864 => {
                name(self);
                return self.pppoe_session(rest);
            }
            0x8909 => {
                name(self);
                return self.cisco_metadata(rest, false);
            }
            0x894f => {
                name(self);
                return self.nsh(rest);
            }
            0x88e5 => Proto::Macsec,
            0x88f7 => Proto::Ptp,
            0x8809 => Proto::Slow,
            0x888e => Proto::Eapol,
            0x80f3 => Proto::Aarp,
            0x6003 => Proto::DecDna,
            0x8863 => Proto::Pppoed,
            0x88cc => Proto::Lldp,
            0x9000 => Proto::Loop,
            0x88e7 => Proto::Ieee8021ah,
            0x22f3 => Proto::Trill,
            0x88b8 => Proto::Goose,
            0x8892 => Proto::PnRt,
            0x88a4 => Proto::Ecatf,
            0x8137 => Proto::Ipx,
            0x8906 => Proto::Fcoe,
            0x8914 => Proto::Fip,
            0x893a => Proto::Ieee1905,
            0x88e3 => Proto::PnMrp,
            0x8902 => Proto::Cfm,
            0x22f0 => Proto::Ieee1722,
            0x8808 => Proto::Macc,
            0x0600 => Proto::Idp,
            _ => {
                self.s.net = Net::Other(t);
                // With no payload, tshark names neither the EtherType nor data.
                if !rest.is_empty() {
                    name(self);
                    self.push(Proto::Data, rest, 0);
                }
                return;
            }
        };
        self.s.net = Net::Other(t);
        name(self);
        self.push(leaf, rest, 0);
    }

    /// IEEE 802.2 LLC, with SNAP (RFC 1042) carrying an EtherType.
    pub(super) fn llc(&mut self, p: Span<'_>) {
        const SNAP: u8 = 0xaa;
        const SNAP_LEN: usize = 8;
        if p.is_empty() {
            // tshark names nothing for an empty 802.3 payload.
            return self.truncated(Layer::Llc, p.offset, 3, 0);
        }
        self.push(Proto::Llc, p, 3);
        if p.len() < 3 {
            return self.truncated(Layer::Llc, p.offset, 3, p.len());
        }
        let (dsap, ssap, control) = (p.data[0], p.data[1], p.data[2]);
        // U-format control fields are one byte, I and S formats two.
        let header = if control & 3 == 3 { 3 } else { 4 };
        if dsap == SNAP && ssap == SNAP && header == 3 {
            self.resize(Proto::Llc, SNAP_LEN, p.known_len());
            if p.len() < SNAP_LEN {
                return self.truncated(Layer::Llc, p.offset, SNAP_LEN, p.len());
            }
            let oui = [p.data[3], p.data[4], p.data[5]];
            let pid = be16(p.data, 6);
            let rest = p.skip(SNAP_LEN);
            let leaf = match (oui, pid) {
                ([0, 0, 0] | [0, 0, 0xf8], _) => return self.ether_chain(pid, rest, false),
                ([0, 0, 0x0c], 0x2000) => Proto::Cdp,
                ([0, 0, 0x0c], 0x2004) => Proto::Dtp,
                ([0, 0, 0x0c], 0x010b) => Proto::Stp,
                _ => return self.data(rest),
            };
            return self.push(leaf, rest, 0);
        }
        self.resize(Proto::Llc, header, p.known_len());
        // Only information frames (I, or U with UI) carry a payload for the SAP.
        let rest = p.skip(header);
        if rest.is_empty() && !p.whole() {
            return self.truncated(Layer::Llc, p.offset, header + 1, p.len());
        }
        if !(control & 1 == 0 || control & 0xef == 0x03) || rest.is_empty() {
            return;
        }
        let leaf = match dsap {
            0x42 => Proto::Stp,
            0xe0 => Proto::Ipx,
            0xf0 => Proto::Netbios,
            0x06 => return self.ethertype_ipv4(rest),
            _ => return self.data(rest),
        };
        self.push(leaf, rest, 0);
    }

    /// An MPLS label stack (RFC 3032 §2.1), then IPv4 or IPv6 by the first nibble, as
    /// Wireshark guesses when the label does not say.
    pub(super) fn mpls(&mut self, mut rest: Span<'_>) {
        const ENTRY: usize = 4;
        self.s.net = Net::Other(0x8847);
        self.push(Proto::Mpls, rest, 0);
        let start = rest;
        loop {
            if rest.len() < ENTRY {
                return self.truncated(Layer::Mpls, rest.offset, ENTRY, rest.len());
            }
            let bottom = rest.data[2] & 1 != 0;
            rest = rest.skip(ENTRY);
            if bottom {
                break;
            }
        }
        self.resize(Proto::Mpls, rest.offset - start.offset, start.known_len());
        match rest.data.first().map(|b| b >> 4) {
            Some(4) => self.ethertype_ipv4(rest),
            Some(6) => self.ethertype_ipv6(rest),
            Some(_) => self.data(rest),
            None => self.truncated(Layer::Mpls, rest.offset, 1, 0),
        }
    }

    /// A PPPoE session (RFC 2516 §4) and the PPP protocol field (RFC 1661 §2) after it.
    fn pppoe_session(&mut self, rest: Span<'_>) {
        const HEADER: usize = 6;
        const LENGTH: usize = 4;
        self.s.net = Net::Other(0x8864);
        self.push(Proto::Pppoes, rest, HEADER);
        if rest.len() < HEADER {
            return self.truncated(Layer::Pppoe, rest.offset, HEADER, rest.len());
        }
        let len = be16(rest.data, LENGTH) as usize;
        let body = rest.skip(HEADER);
        let ppp = if len <= body.reported {
            body.limit(len)
        } else {
            body
        };
        self.push(Proto::Ppp, ppp, 2);
        self.ppp_protocol(ppp, 0);
    }

    /// PPP in HDLC-like framing (RFC 1662 §3.1), as link types PPP and PPP_HDLC and
    /// PPTP's GRE carry it: the address and control bytes when the frame starts with
    /// 0xff (they may be left out, RFC 1661 §6.6), then the protocol field.
    pub(super) fn ppp(&mut self, f: Span<'_>) {
        self.s.net = Net::Other(0x880b);
        self.push(Proto::Ppp, f, 2);
        let at = if f.data.first() == Some(&0xff) { 2 } else { 0 };
        if f.len() < at {
            return self.truncated(Layer::Ppp, f.offset, at + 2, f.len());
        }
        self.ppp_protocol(f, at);
    }

    /// The PPP protocol field `at` bytes into the PPP layer `ppp` (RFC 1661 §2), and
    /// what it names.
    fn ppp_protocol(&mut self, ppp: Span<'_>, at: usize) {
        let field = ppp.skip(at);
        // A protocol field with an odd first byte is compressed to that byte (§6.5).
        let (proto, skip) = match field.data {
            [b, ..] if b & 1 == 1 => (*b as u16, 1),
            [_, _, ..] => (be16(field.data, 0), 2),
            _ => return self.truncated(Layer::Ppp, field.offset, 2, field.len()),
        };
        self.resize(Proto::Ppp, at + skip, ppp.known_len());
        let payload = field.skip(skip);
        let leaf = match proto {
            0x0021 => return self.ethertype_ipv4(payload),
            0x0057 => return self.ethertype_ipv6(payload),
            0xc021 => Proto::Lcp,
            0x8021 => Proto::Ipcp,
            0x8057 => Proto::Ipv6cp,
            0xc023 => Proto::Pap,
            0xc223 => Proto::Chap,
            _ => return self.data(payload),
        };
        self.push(leaf, payload, 0);
    }

    /// Cisco HDLC (packet-chdlc.c): address, control, then a protocol in EtherType
    /// values.
    fn chdlc(&mut self, f: Span<'_>) {
        const LEN: usize = 4;
        const SLARP: u16 = 0x8035;
        const CDP: u16 = 0x2000;
        self.push(Proto::Chdlc, f, LEN);
        if f.len() < LEN {
            return self.truncated(Layer::Chdlc, 0, LEN, f.len());
        }
        let t = be16(f.data, 2);
        let rest = f.skip(LEN);
        self.s.net = Net::Other(t);
        match t {
            SLARP => self.push(Proto::Slarp, rest, 0),
            CDP => self.push(Proto::Cdp, rest, 0),
            0x0800 => self.ethertype_ipv4(rest),
            0x86dd => self.ethertype_ipv6(rest),
            0x8847 | 0x8848 => self.mpls(rest),
            _ => self.data(rest),
        }
    }

    /// What the IPv4 dissector does with its bytes: it also takes an IPv6 packet (some
    /// captures label IPv6 as IPv4), and stops at any other version.
    pub(crate) fn ethertype_ipv4(&mut self, rest: Span<'_>) {
        let version = rest.data.first().map(|b| b >> 4);
        // The IPv4 dissector names itself also when it hands an IPv6 packet on, or
        // finds another version: no IPv4 header then.
        let header = if matches!(version, Some(4) | None) {
            20
        } else {
            0
        };
        self.push(Proto::Ip, rest, header);
        match version {
            None => self.truncated(Layer::Ipv4, rest.offset, 20, 0),
            Some(4) => self.ipv4(rest),
            Some(6) => {
                self.push(Proto::Ipv6, rest, 40);
                self.ipv6(rest);
            }
            Some(v) => self.stop(
                Layer::Ipv4,
                rest.offset,
                StopReason::BadIpv4(BadIpv4::Version(v)),
            ),
        }
    }

    /// What the IPv6 dissector does with its bytes: another version is data.
    pub(crate) fn ethertype_ipv6(&mut self, rest: Span<'_>) {
        match rest.data.first().map(|b| b >> 4) {
            None => {
                self.push(Proto::Ipv6, rest, 40);
                self.truncated(Layer::Ipv6, rest.offset, 40, 0);
            }
            Some(6) => {
                self.push(Proto::Ipv6, rest, 40);
                self.ipv6(rest);
            }
            Some(_) => self.push(Proto::Data, rest, 0),
        }
    }

    /// Linux cooked capture (v1: 16-byte header, v2: 20 bytes), as packet-sll.c.
    fn sll(&mut self, f: Span<'_>, v2: bool) {
        let (len, hatype_at, proto_at) = if v2 {
            (sll2::LEN, sll2::HATYPE, sll2::PROTOCOL)
        } else {
            (sll::LEN, sll::HATYPE, sll::PROTOCOL)
        };
        self.push(Proto::Sll, f, len);
        if f.len() < len {
            return self.truncated(Layer::Sll, 0, len, f.len());
        }
        let (hatype, proto) = (be16(f.data, hatype_at), be16(f.data, proto_at));
        let rest = f.skip(len);
        match hatype {
            ARPHRD_IPGRE => return self.push(Proto::Gre, rest, 0),
            ARPHRD_NETLINK => return,
            _ => {}
        }
        // "yes, 1536 - that's how Linux does it": up to it, a Linux SLL_P_* value.
        if proto <= MIN_ETHERTYPE {
            self.s.net = Net::Other(proto);
            match proto {
                0x0001 => self.push(Proto::Ipx, rest, 0),
                0x0003 => return self.ethernet(rest),
                0x0004 => self.llc(rest),
                _ => self.data(rest),
            }
            return;
        }
        self.type_or_length(proto, rest);
    }

    /// BSD loopback: a 4-byte address family (host order for `NULL`, network order for
    /// `LOOP`), or on some systems an EtherType.
    fn null(&mut self, f: Span<'_>, lt: u16) {
        self.push(Proto::Null, f, 4);
        if f.len() < 4 {
            return self.truncated(Layer::Null, 0, 4, f.len());
        }
        let rest = f.skip(4);
        match loopback_family(lt, [f.data[0], f.data[1], f.data[2], f.data[3]]) {
            LoopbackPayload::Ipv4 => self.ethertype_ipv4(rest),
            LoopbackPayload::Ipv6 => self.ethertype_ipv6(rest),
            LoopbackPayload::Osi => self.push(Proto::Osi, rest, 0),
            LoopbackPayload::EtherType(t) => self.ether_chain(t, rest, false),
            LoopbackPayload::Other => self.data(rest),
        }
    }
}

enum LoopbackPayload {
    Ipv4,
    Ipv6,
    Osi,
    EtherType(u16),
    Other,
}

/// Decodes the 4-byte header of BSD loopback captures. For `NULL` it is an address family
/// in the byte order of the capturing host, for `LOOP` in network order; some systems
/// put an EtherType there instead. This follows Wireshark's packet-null.c heuristics
/// (written for a little-endian reader), so both tools agree on odd captures.
fn loopback_family(lt: u16, bytes: [u8; 4]) -> LoopbackPayload {
    let mut h = if lt == linktype::LOOP {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    };
    if lt == linktype::NULL {
        if h & 0xffff_0000 != 0 {
            if h & 0xff00_0000 == 0 && h & 0x00ff_0000 < 0x0006_0000 {
                h >>= 16;
            } else {
                h = h.swap_bytes();
            }
        } else if h & 0xff == 0 && h & 0xff00 < 0x0600 {
            h = ((h & 0xffff) as u16).swap_bytes() as u32;
        }
    }
    match h {
        2 => LoopbackPayload::Ipv4,
        // AF_INET6 on the BSDs (24), FreeBSD (28) and Darwin (30).
        24 | 28 | 30 => LoopbackPayload::Ipv6,
        7 => LoopbackPayload::Osi,
        // Larger than any 802.3 length: an EtherType (Wireshark keeps the low 16 bits).
        h if h > MAX_802_3_LEN as u32 => LoopbackPayload::EtherType(h as u16),
        _ => LoopbackPayload::Other,
    }
}

#[cfg(test)]
pub(crate) mod test {
    use super::super::testutil::{every_prefix, hex};
    use super::super::*;

    /// ARP request in an 802.1ad S-tag (VLAN 200) and an 802.1Q C-tag (VLAN 2001):
    /// tcpdump's tests/802.1ad_QinQ.pcap, frame 1.
    pub(crate) const QINQ_ARP: [&str; 2] = [
        "ffffffffffff0020d25afb3f88a800c8810007d1080600010800060400010020d25afb3fac154f61000000000000ac15",
        "4f640000000000000000000000000000",
    ];

    /// TCP SYN under three 802.1Q tags (30, 20, 10): zeek's vlan-qinqinq.pcap, frame 1.
    pub(crate) const THREE_TAGS_SYN: [&str; 2] = [
        "0010db88d2efc8bcc896d2a08100001e810000148100000a080045000040df8e400040066dd38d8ee405c096bb2be9d0",
        "0050fe21323a00000000b002ffff3bc00000020405b4010303040101080a164add200000000004020000",
    ];

    /// ARP request in a Linux cooked capture: zeek's linuxsll-arp.pcap, frame 1.
    pub(crate) const SLL_ARP: [&str; 2] = [
        "000100010006cc2de0261999000008060001080006040001cc2de0261999c0a81601000000000000c0a816a000000000",
        "0000000000000000000000000000",
    ];

    /// TLS record over TCP in a Linux cooked capture v2: tests/data/sll2.pcap, frame 1.
    const SLL2_TCP: [&str; 2] = [
        "080000000000001400010006f03f958f8263000045000047872c40002c06716e743f426c07f9977201bbdfccaaceb5ca",
        "a7ab9fbf5018003fa1550000150303001a91c1b9659e9ff9c3c493ae82573966caff40dba0f6b6304c5c72",
    ];

    /// IPv6 TCP over BSD loopback (AF 30, Darwin), cut after the TCP header:
    /// PcapPlusPlus's null_loopback.pcap, frame 1.
    const NULL_IPV6_TCP: [&str; 2] = [
        "1e0000006000000001b306400000000000000000000000000000000100000000000000000000000000000001c2e00051",
        "585db686616be764801823d701bb00000101080aaf0a8dfeaf0a8dfe",
    ];

    /// IPv6 TCP SYN in raw IP: PcapPlusPlus's raw_ip.pcap, frame 1.
    pub(crate) const RAW_IPV6_SYN: [&str; 2] = [
        "60000000002806402001061804000000000000005199cc70200106180001800000000000000000058c9b00506ae70736",
        "00000000a0021630299c00000204058c0402080a00dd1a390000000001030302",
    ];

    /// TCP SYN in PPPoE in two 802.1Q tags: zeek's pppoe-over-qinq.pcap, frame 1.
    const PPPOE_SYN: [&str; 2] = [
        "00000000000100000000000081000e78810009aa886411000f070042002145000040000040003f0635b3010101010202",
        "02024faa01bbd7a8415500000000b002ffffeced0000020405a0010303060101080a012dd88c0000000004020000",
    ];

    /// TCP in MPLS in 802.1Q, cut after the TCP header: zeek's mpls-in-vlan.pcap, frame 2.
    const MPLS_TCP: [&str; 2] = [
        "0008e34141410008e341414181000000884703eea12c450005dc397040003006504441414141414141410050803c185c",
        "a49ea030c48f80100036368500000101080a2f8facbb1f106e24",
    ];

    /// NetBIOS over 802.2 LLC in an 802.3 frame: libpcap's filter/llc.pcap, frame 1.
    const LLC_NETBIOS: [&str; 2] = [
        "000c29310d01000c298e87a6002ff0f0032c00ffef0e0008000e0008005746575f484f53545f31202020202000574657",
        "5f484f53545f32202020202020",
    ];

    /// ARP in LLC/SNAP (IEEE 802 hardware type): zeek's snap-arp.pcapng, frame 1.
    pub(crate) const SNAP_ARP: [&str; 2] = [
        "ffffffffffffc23d196c00010024aaaa0300000008060006080006040001c23d196c00010a0000010000000000000a00",
        "000200000000000000000000",
    ];

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn qinq_tags_are_recorded_and_named_as_tshark() {
        let f = hex(&QINQ_ARP);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:arp"
        );
        assert_eq!(s.link, Link::Ethernet);
        let tags: Vec<(u16, u16)> = s.vlan.tags().iter().map(|t| (t.tpid, t.id)).collect();
        assert_eq!(tags, [(0x88a8, 200), (0x8100, 2001)]);
        assert_eq!(s.net, Net::Arp);
        assert_eq!(
            s.eth,
            Some(([0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f], [0xff; 6]))
        );
        assert_eq!(s.stop, None);
        every_prefix(linktype::ETHERNET, &f, Some(26), None);
    }

    #[test]
    fn three_vlan_tags_then_tcp() {
        let f = hex(&THREE_TAGS_SYN);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:vlan:ethertype:vlan:ethertype:vlan:ethertype:ip:tcp"
        );
        assert_eq!(s.vlan.ids().collect::<Vec<_>>(), [30, 20, 10]);
        assert_eq!(s.vlan.seen, 3);
        assert_eq!(
            s.net,
            Net::Ip {
                src: ip("141.142.228.5"),
                dst: ip("192.150.187.43"),
                fragment: false
            }
        );
        let Transport::Tcp(t) = s.transport else {
            panic!("{s:?}")
        };
        assert_eq!(
            (t.src_port, t.dst_port, t.flags, t.payload_len),
            (59856, 80, tcp_flags::SYN, 0)
        );
        assert_eq!(
            (
                t.options.mss,
                t.options.window_scale,
                t.options.sack_permitted
            ),
            (Some(1460), Some(4), true)
        );
        assert_eq!(t.options.timestamp, Some((374005024, 0)));
        every_prefix(linktype::ETHERNET, &f, Some(46), Some(66));
    }

    #[test]
    fn linux_cooked_captures() {
        let f = hex(&SLL_ARP);
        let s = dissect(linktype::LINUX_SLL, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.link, s.net),
            ("sll:ethertype:arp", Link::Sll, Net::Arp)
        );
        assert_eq!(s.eth, None);
        every_prefix(linktype::LINUX_SLL, &f, Some(16), None);

        let f = hex(&SLL2_TCP);
        let s = dissect(linktype::LINUX_SLL2, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.link),
            ("sll:ethertype:ip:tcp", Link::Sll2)
        );
        let Transport::Tcp(t) = s.transport else {
            panic!("{s:?}")
        };
        assert_eq!((t.src_port, t.dst_port, t.payload_len), (443, 57292, 31));
        every_prefix(linktype::LINUX_SLL2, &f, Some(40), Some(60));
    }

    #[test]
    fn loopback_and_raw_ip() {
        let f = hex(&NULL_IPV6_TCP);
        let s = dissect(linktype::NULL, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.link),
            ("null:ipv6:tcp", Link::Null)
        );
        let Transport::Tcp(t) = s.transport else {
            panic!("{s:?}")
        };
        // 435 bytes of IPv6 payload, 32 of them TCP header: the length the IP header
        // gives, although the capture (here, this test) holds only the headers.
        assert_eq!((t.src_port, t.dst_port, t.payload_len), (49888, 81, 403));
        every_prefix(linktype::NULL, &f, Some(44), Some(64));

        let f = hex(&RAW_IPV6_SYN);
        for lt in [linktype::RAW, linktype::IPV6] {
            let s = dissect(lt, &f);
            let want = if lt == linktype::RAW {
                "raw:ipv6:tcp"
            } else {
                "ipv6:tcp"
            };
            assert_eq!(s.stack.to_string(), want);
            assert!(
                matches!(
                    s.transport,
                    Transport::Tcp(Tcp {
                        src_port: 35995,
                        dst_port: 80,
                        ..
                    })
                ),
                "{s:?}"
            );
            every_prefix(lt, &f, Some(40), Some(60));
        }
        // The same IPv6 packet labelled as IPv4: tshark's IPv4 dissector hands it on.
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(&f);
        assert_eq!(
            dissect(linktype::NULL, &null).stack.to_string(),
            "null:ip:ipv6:tcp"
        );
        // An address family we do not know: data.
        let mut other = 7u32.to_le_bytes().to_vec();
        other.extend_from_slice(&f);
        assert_eq!(
            dissect(linktype::NULL, &other).stack.to_string(),
            "null:osi"
        );
        assert_eq!(dissect(147, &f).link, Link::Other(147));
        assert!(dissect(147, &f).stack.is_empty());
    }

    #[test]
    fn pppoe_mpls_and_llc() {
        let f = hex(&PPPOE_SYN);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:vlan:ethertype:vlan:ethertype:pppoes:ppp:ip:tcp"
        );
        assert_eq!(
            s.net,
            Net::Ip {
                src: ip("1.1.1.1"),
                dst: ip("2.2.2.2"),
                fragment: false
            }
        );
        every_prefix(linktype::ETHERNET, &f, Some(50), Some(70));

        let f = hex(&MPLS_TCP);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            s.stack.to_string(),
            "eth:ethertype:vlan:ethertype:mpls:ip:tcp"
        );
        assert!(matches!(
            s.transport,
            Transport::Tcp(Tcp {
                src_port: 80,
                dst_port: 32828,
                payload_len: 1448,
                ..
            })
        ));
        every_prefix(linktype::ETHERNET, &f, Some(42), Some(62));

        let f = hex(&LLC_NETBIOS);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.net),
            ("eth:llc:netbios", Net::Other(0x2f))
        );
        every_prefix(linktype::ETHERNET, &f, None, None);

        let f = hex(&SNAP_ARP);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.net),
            ("eth:llc:arp", Net::Arp)
        );
        every_prefix(linktype::ETHERNET, &f, None, None);
    }

    #[test]
    fn ethertypes_without_a_dissector() {
        let mut f = hex(&QINQ_ARP);
        f[12..14].copy_from_slice(&[0x88, 0xcc]);
        assert_eq!(
            dissect(linktype::ETHERNET, &f).stack.to_string(),
            "eth:ethertype:lldp"
        );
        f[12..14].copy_from_slice(&[0x12, 0x34]);
        let s = dissect(linktype::ETHERNET, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.net),
            ("eth:ethertype:data", Net::Other(0x1234))
        );
        // No payload: tshark names neither the EtherType nor data.
        assert_eq!(
            dissect(linktype::ETHERNET, &f[..14]).stack.to_string(),
            "eth"
        );
        // IPv6's EtherType over something else is data.
        f[12..14].copy_from_slice(&[0x86, 0xdd]);
        assert_eq!(
            dissect(linktype::ETHERNET, &f).stack.to_string(),
            "eth:ethertype:data"
        );
    }
}
