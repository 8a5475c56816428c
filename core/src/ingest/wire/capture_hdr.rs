//! The link layers capture mechanisms put before a packet: Linux's NFLOG (iptables'
//! `NFLOG` target, `tcpdump -i nflog`), Apple's PKTAP (the owning process of each
//! packet), Solaris IPNET, IP over InfiniBand and Linux ARCNET; dissected as
//! packet-nflog.c, packet-pktap.c, packet-ipnet.c, packet-ipoib.c and packet-arcnet.c
//! do, each handing its payload on as they do.

use super::link::Span;
use super::{be16, linktype, Layer, Link, Net, Proto, Walker};

/// NFLOG's attribute that carries the logged packet (`NFULA_PAYLOAD`).
const NFULA_PACKET_HDR: u16 = 1;
const NFULA_PAYLOAD: u16 = 9;
/// The PKTAP header's shortest length (packet-pktap.c's `MIN_PKTAP_HDR_LEN`).
pub(crate) const PKTAP_MIN: usize = 108;
/// Solaris' address families in an IPNET header.
const IPNET_AF_INET: u8 = 2;
const IPNET_AF_INET6: u8 = 26;
/// IPNET's header length.
pub(crate) const IPNET_LEN: usize = 24;
/// ARCNET protocol IDs (Wireshark's arcnet_pids.h) with no fragmentation fields after
/// them: RFC 1051 IP and ARP, diagnose, BACnet.
const ARCNET_UNSPLIT: [u8; 4] = [240, 241, 128, 205];
/// The length of IP over InfiniBand's GRH pseudo-header before the 4-byte header.
pub(crate) const IPOIB_GRH: usize = 40;

/// Little-endian 16 bits (NFLOG's TLV header is in the capturing host's order, little
/// endian on the captures Wireshark reads as such; PKTAP's fields are little endian).
fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Where NFLOG's TLVs start, after family, version and resource id.
pub(crate) const NFLOG_TLVS: usize = 4;

/// NFLOG's TLVs from `NFLOG_TLVS` on, as packet-nflog.c walks them: `(offset, length,
/// type)` each, aligned to 4 bytes, until fewer than 4 bytes are left or a TLV is
/// malformed (a length under 4, or past the reported end). Offsets are within `b`; a
/// TLV may run past the captured bytes.
pub(crate) fn nflog_tlvs(
    b: &[u8],
    reported: usize,
) -> impl Iterator<Item = (usize, usize, u16)> + '_ {
    let mut at = NFLOG_TLVS;
    std::iter::from_fn(move || {
        if reported.saturating_sub(at) < 4 || b.len() < at + 4 {
            return None;
        }
        let len = le16(b, at) as usize;
        // Under 4: packet-nflog.c stops; past the frame: its TLV item throws (tshark's
        // Malformed Packet).
        if len < 4 || at + len > reported {
            return None;
        }
        let t = le16(b, at + 2) & 0x7fff;
        let this = (at, len, t);
        at += (len + 3) & !3;
        Some(this)
    })
}

/// The process a PKTAP header names (`pktap.pid`, `pktap.cmdname`: as a pcapng Process
/// Information Block would), for a frame of link type PKTAP or USER2.
pub fn pktap_process(lt: u16, b: &[u8]) -> Option<(u32, String)> {
    const PID: usize = 52;
    const CMDNAME: usize = 56;
    const CMDNAME_LEN: usize = 20;
    if !matches!(lt, linktype::PKTAP | linktype::USER2) || b.len() < PKTAP_MIN {
        return None;
    }
    let pid = u32::from_le_bytes(b[PID..PID + 4].try_into().ok()?);
    let name = &b[CMDNAME..CMDNAME + CMDNAME_LEN];
    let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(CMDNAME_LEN)];
    Some((pid, String::from_utf8_lossy(name).into_owned()))
}

impl Walker<'_> {
    /// Linux NFLOG: the header, its TLVs, and the packet of `NFULA_PAYLOAD` by the
    /// EtherType of `NFULA_PACKET_HDR` (with no EtherType, by the address family).
    pub(super) fn nflog(&mut self, f: Span<'_>) {
        self.s.link = Link::Nflog;
        self.push(Proto::Nflog, f, 0);
        if f.len() < NFLOG_TLVS {
            return self.truncated(Layer::LinkHeader, 0, NFLOG_TLVS, f.len());
        }
        let family = f.data[0];
        let mut hw_protocol = 0;
        let mut payload = None;
        for (at, len, t) in nflog_tlvs(f.data, f.known_len()) {
            if t == NFULA_PACKET_HDR && len == 8 && f.len() >= at + 6 {
                hw_protocol = be16(f.data, at + 4);
            }
            if t == NFULA_PAYLOAD {
                payload = Some(f.skip(at + 4).limit(len - 4));
            }
        }
        let Some(rest) = payload else { return };
        if hw_protocol != 0 {
            // The EtherType table directly: no `ethertype` layer.
            return self.ether_chain(hw_protocol, rest, false);
        }
        match family {
            2 => self.ethertype_ipv4(rest),
            10 => self.ethertype_ipv6(rest),
            _ => self.data(rest),
        }
    }

    /// Apple's PKTAP header, then the packet of the link type it names (pcap_pktdata).
    /// `user2`: the link type was USER2, which Mac OS X 10.9 wrote for PKTAP and
    /// Wireshark's DLT_USER table reads as PKTAP (a `user_dlt` layer first).
    pub(super) fn pktap(&mut self, f: Span<'_>, user2: bool) {
        if user2 {
            self.push(Proto::UserDlt, f, f.len());
        }
        self.push(Proto::Pktap, f, PKTAP_MIN);
        if f.len() < 12 {
            self.s.link = Link::Pktap;
            return self.truncated(Layer::LinkHeader, 0, PKTAP_MIN, f.len());
        }
        let hdrlen = u32::from_le_bytes([f.data[0], f.data[1], f.data[2], f.data[3]]) as usize;
        let rectype = u32::from_le_bytes([f.data[4], f.data[5], f.data[6], f.data[7]]);
        let dlt = u32::from_le_bytes([f.data[8], f.data[9], f.data[10], f.data[11]]);
        self.resize(Proto::Pktap, hdrlen.max(PKTAP_MIN), f.known_len());
        if hdrlen < PKTAP_MIN || rectype != 1 {
            self.s.link = Link::Pktap;
            return;
        }
        self.push(Proto::PcapPktdata, f.skip(hdrlen), 0);
        match u16::try_from(dlt) {
            // A PKTAP header inside another is not followed (its length bounds nothing).
            Ok(lt) if lt != linktype::PKTAP && lt != linktype::USER2 => {
                self.link_span(lt, f.skip(hdrlen))
            }
            _ => self.data(f.skip(hdrlen)),
        }
        self.s.link = Link::Pktap;
    }

    /// Solaris IPNET: a 24-byte header whose address family says IPv4 or IPv6.
    pub(super) fn ipnet(&mut self, f: Span<'_>) {
        self.s.link = Link::Ipnet;
        self.push(Proto::Ipnet, f, IPNET_LEN);
        if f.len() < IPNET_LEN {
            return self.truncated(Layer::LinkHeader, 0, IPNET_LEN, f.len());
        }
        let rest = f.skip(IPNET_LEN);
        match f.data[1] {
            IPNET_AF_INET => self.ethertype_ipv4(rest),
            IPNET_AF_INET6 => self.ethertype_ipv6(rest),
            _ => self.data(rest),
        }
    }

    /// IP over InfiniBand as libpcap's DLT_IPOIB: a 40-byte GRH pseudo-header, then the
    /// RFC 4391 header (an EtherType and 2 reserved bytes): IPv4, IPv6 or ARP.
    pub(super) fn ipoib(&mut self, f: Span<'_>) {
        const LEN: usize = IPOIB_GRH + 4;
        self.s.link = Link::Ipoib;
        self.push(Proto::Ipoib, f, LEN);
        if f.len() < LEN {
            return self.truncated(Layer::LinkHeader, 0, LEN, f.len());
        }
        let rest = f.skip(LEN);
        match be16(f.data, IPOIB_GRH) {
            0x0800 => self.ethertype_ipv4(rest),
            0x86dd => self.ethertype_ipv6(rest),
            0x0806 | 0x8035 => {
                self.push(Proto::Arp, rest, 0);
                self.arp(rest)
            }
            t => self.s.net = Net::Other(t),
        }
    }

    /// Linux ARCNET: source and destination IDs, the hardware offset, the protocol ID,
    /// and for RFC 1201's protocols a split flag and sequence number.
    pub(super) fn arcnet(&mut self, f: Span<'_>) {
        self.s.link = Link::Arcnet;
        self.push(Proto::Arcnet, f, 5);
        if f.len() < 5 {
            return self.truncated(Layer::LinkHeader, 0, 5, f.len());
        }
        self.s.arcnet = Some((f.data[0], f.data[1]));
        let id = f.data[4];
        let header = if ARCNET_UNSPLIT.contains(&id) { 5 } else { 8 };
        self.resize(Proto::Arcnet, header, f.known_len());
        if f.len() < header {
            return self.truncated(Layer::LinkHeader, 0, header, f.len());
        }
        let rest = f.skip(header);
        match id {
            240 | 212 => self.ethertype_ipv4(rest),
            196 => self.ethertype_ipv6(rest),
            241 | 213 | 214 => {
                self.push(Proto::Arp, rest, 0);
                self.arp(rest)
            }
            250 => self.push(Proto::Ipx, rest, 0),
            205 => self.llc(rest),
            _ => {
                self.s.net = Net::Other(u16::from(id));
                self.data(rest)
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::super::testutil::hex;
    use super::super::*;
    use super::pktap_process;

    /// A DNS response logged by NFLOG (TLVs, then the payload): tcpdump's
    /// tests/nflog.pcap, frame 1.
    const NFLOG_DNS: [&str; 4] = [
        "02000014080001000800012705000a00000000000800040000000002100008000006ffffb8a386b9c3d6000006000f00",
        "0001000006001100000e0000120010000811961c10c8b8a386b9c3d6080000001400030000000000522a1f9e00000000",
        "000960fc4d00090045000049000040003711c5144a522a2a0a0000140035a65900356ddf437181800001000100000000",
        "076578616d706c6503636f6d0000010001c00c0001000100002f9600045db8d877000000",
    ];

    /// A DNS query in Ethernet after a PKTAP header, as USER2: tcpdump's
    /// tests/LINKTYPE_USER2_PKTAP.pcap, frame 1.
    const USER2_PKTAP_DNS: [&str; 4] = [
        "6c0000000100000001000000656e3000000000000000000000000000000000000000000002000000020000000e000000",
        "000000000002000000000000000000000000000000000000000000000000000000000000ffffffff0000000000000000",
        "000000000000000000000000001e491ff2c47073cb0b262a08004500003c2e030000ff1111440a20041b0a20640ff832",
        "00350028481443010100000100000000000002696e016d057961686f6f03636f6d0000010001",
    ];

    /// An ARP reply over InfiniBand (20-byte hardware addresses) after a GRH:
    /// tcpdump's tests/ipoib.pcap, frame 7.
    const IPOIB_ARP: [&str; 3] = [
        "2072656365697665642062792066696c7465727000ffffffff10401b0000000000000000ffffffff0806000000200800",
        "1404000280000550fe800000000000000010e000664ab451c0a838188000004ffe800000000000000010e000014ad211",
        "c0a8380a",
    ];

    /// An ICMP echo request in Solaris IPNET: tcpdump's tests/e1000g.pcap, frame 1.
    const IPNET_ICMP: [&str; 3] = [
        "01020000000000540000000200000000ffffffff0000000045000054e58e0000f901fcd581926a370a05e975080032e2",
        "1af50000ed760d4bb9630b0008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b",
        "2c2d2e2f3031323334353637",
    ];

    /// An RFC 1201 ARP request on Linux ARCNET: libpcap's
    /// testprogs/BPF/arcnet-rfc1201-arp-icmp-http.pcap, frame 1.
    const ARCNET_ARP: [&str; 1] = ["be00ea08d50001650007080001040001be0a508301000a5083fe"];

    #[test]
    fn nflog_hands_its_payload_on_by_its_ethertype() {
        let f = hex(&NFLOG_DNS);
        let s = dissect(linktype::NFLOG, &f);
        assert_eq!(
            (s.stack.to_string().as_str(), s.link),
            ("nflog:ip:udp", Link::Nflog)
        );
        assert!(matches!(s.transport, Transport::Udp { src_port: 53, .. }));
        // A TLV whose length runs past the frame ends the walk: no payload.
        let mut bad = f.clone();
        bad[4..6].copy_from_slice(&0x0100u16.to_le_bytes());
        assert_eq!(dissect(linktype::NFLOG, &bad).stack.to_string(), "nflog");
        // A TLV length under 4 too.
        bad[4..6].copy_from_slice(&[2, 0]);
        assert_eq!(dissect(linktype::NFLOG, &bad).stack.to_string(), "nflog");
        for n in 0..f.len() {
            dissect(linktype::NFLOG, &f[..n]);
        }
    }

    #[test]
    fn pktap_names_its_process_and_walks_the_link_type_it_carries() {
        let f = hex(&USER2_PKTAP_DNS);
        let s = dissect(linktype::USER2, &f);
        assert_eq!(
            s.stack.to_string(),
            "user_dlt:pktap:pcap_pktdata:eth:ethertype:ip:udp"
        );
        assert_eq!(s.link, Link::Pktap);
        assert_eq!(
            dissect(linktype::PKTAP, &f).stack.to_string(),
            "pktap:pcap_pktdata:eth:ethertype:ip:udp"
        );
        assert_eq!(
            pktap_process(linktype::USER2, &f),
            Some((512, String::new()))
        );
        let mut named = f.clone();
        named[56..60].copy_from_slice(b"curl");
        assert_eq!(
            pktap_process(linktype::PKTAP, &named),
            Some((512, "curl".into()))
        );
        assert_eq!(pktap_process(linktype::ETHERNET, &named), None);
        // A PKTAP header naming PKTAP again is not followed.
        let mut nested = f.clone();
        nested[8..12].copy_from_slice(&258u32.to_le_bytes());
        assert_eq!(
            dissect(linktype::PKTAP, &nested).stack.to_string(),
            "pktap:pcap_pktdata:data"
        );
        for n in 0..f.len() {
            dissect(linktype::PKTAP, &f[..n]);
        }
    }

    #[test]
    fn ipoib_ipnet_and_arcnet() {
        let s = dissect(linktype::IPOIB, &hex(&IPOIB_ARP));
        assert_eq!(
            (s.stack.to_string().as_str(), s.net),
            ("ipoib:arp", Net::Arp)
        );
        let a = s.arp.expect("ARP");
        let (sha, spa) = a.sender.expect("sender");
        assert_eq!(sha.as_slice().len(), 20);
        assert_eq!(spa.to_string(), "192.168.56.24");

        let s = dissect(linktype::IPNET, &hex(&IPNET_ICMP));
        assert_eq!(
            (s.stack.to_string().as_str(), s.transport),
            ("ipnet:ip:icmp", Transport::Icmp)
        );

        let f = hex(&ARCNET_ARP);
        let s = dissect(linktype::ARCNET_LINUX, &f);
        assert_eq!(s.stack.to_string(), "arcnet:arp");
        assert_eq!(s.arcnet, Some((0xbe, 0x00)));
        let (sha, _) = s.arp.and_then(|a| a.sender).expect("sender");
        assert_eq!(sha.as_slice(), [0xbe]);
        for lt in [linktype::IPOIB, linktype::IPNET, linktype::ARCNET_LINUX] {
            for n in 0..f.len() {
                dissect(lt, &f[..n]);
            }
        }
    }
}
