//! The protocol stack of a packet, named as tshark's `frame.protocols` names it.
//!
//! The names stop at the transport layer (or at the first protocol we do not look
//! inside); tshark goes on with application protocols. `data` appears where tshark puts
//! its data dissector: after a layer whose payload nobody dissects (an IP fragment, an
//! unknown EtherType or IP protocol). Names follow Wireshark 4.0's protocol filter names.

use serde::{Serialize, Serializer};

/// Declares [`Proto`] and [`Proto::ALL`] from one list, so they cannot drift apart.
macro_rules! protocols {
    ($($variant:ident),* $(,)?) => {
        /// One protocol of a packet's stack.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[allow(missing_docs)] // The variants are tshark's protocol names; see `Proto::name`.
        pub enum Proto {
            $($variant),*
        }

        impl Proto {
            /// Every protocol, in declaration order (`ALL[p as usize] == p`).
            pub const ALL: &'static [Proto] = &[$(Proto::$variant),*];
        }
    };
}

protocols! {
    Eth,
    Ethertype,
    Vlan,
    Ieee8021ad,
    Sll,
    Null,
    Raw,
    Llc,
    Ipx,
    Arp,
    Ip,
    Ipv6,
    Ipv6Hopopts,
    Ipv6Routing,
    Ipv6Fraghdr,
    Ipv6Dstopts,
    Ah,
    Esp,
    Mipv6,
    Shim6,
    Hip,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Igmp,
    Igrp,
    Dccp,
    Rsvp,
    Gre,
    Eigrp,
    Ospf,
    Etherip,
    Pim,
    Ipcomp,
    Vrrp,
    L2tp,
    Sctp,
    Udplite,
    Mpls,
    Osi,
    Macsec,
    Ptp,
    Slow,
    Eapol,
    Aarp,
    DecDna,
    Pppoed,
    Pppoes,
    Lldp,
    Loop,
    Vntag,
    Ieee8021ah,
    Trill,
    Nsh,
    Goose,
    PnRt,
    Ecatf,
    Fcoe,
    Fip,
    Ieee1905,
    PnMrp,
    Cfm,
    Ieee1722,
    Macc,
    Idp,
    Ppp,
    Lcp,
    Ipcp,
    Ipv6cp,
    Pap,
    Chap,
    Stp,
    Cdp,
    Dtp,
    Netbios,
    Data,
    Vxlan,
    Geneve,
    Erspan,
    Gtp,
    Teredo,
    Cmd,
    Chdlc,
    Slarp,
    Nflog,
    UserDlt,
    Pktap,
    PcapPktdata,
    Ipnet,
    Ipoib,
    Arcnet,
    Radiotap,
    WlanRadio,
    Wlan,
    Ppi,
    Fddi,
}

impl Proto {
    /// tshark's name (`frame.protocols`, `-z io,phs`).
    pub const fn name(self) -> &'static str {
        use Proto::*;
        match self {
            Eth => "eth",
            Ethertype => "ethertype",
            Vlan => "vlan",
            Ieee8021ad => "ieee8021ad",
            Sll => "sll",
            Null => "null",
            Raw => "raw",
            Llc => "llc",
            Ipx => "ipx",
            Arp => "arp",
            Ip => "ip",
            Ipv6 => "ipv6",
            Ipv6Hopopts => "ipv6.hopopts",
            Ipv6Routing => "ipv6.routing",
            Ipv6Fraghdr => "ipv6.fraghdr",
            Ipv6Dstopts => "ipv6.dstopts",
            Ah => "ah",
            Esp => "esp",
            Mipv6 => "mipv6",
            Shim6 => "shim6",
            Hip => "hip",
            Tcp => "tcp",
            Udp => "udp",
            Icmp => "icmp",
            Icmpv6 => "icmpv6",
            Igmp => "igmp",
            Igrp => "igrp",
            Dccp => "dccp",
            Rsvp => "rsvp",
            Gre => "gre",
            Eigrp => "eigrp",
            Ospf => "ospf",
            Etherip => "etherip",
            Pim => "pim",
            Ipcomp => "ipcomp",
            Vrrp => "vrrp",
            L2tp => "l2tp",
            Sctp => "sctp",
            Udplite => "udplite",
            Mpls => "mpls",
            Osi => "osi",
            Macsec => "macsec",
            Ptp => "ptp",
            Slow => "slow",
            Eapol => "eapol",
            Aarp => "aarp",
            DecDna => "dec_dna",
            Pppoed => "pppoed",
            Pppoes => "pppoes",
            Lldp => "lldp",
            Loop => "loop",
            Vntag => "vntag",
            Ieee8021ah => "ieee8021ah",
            Trill => "trill",
            Nsh => "nsh",
            Goose => "goose",
            PnRt => "pn_rt",
            Ecatf => "ecatf",
            Fcoe => "fcoe",
            Fip => "fip",
            Ieee1905 => "ieee1905",
            PnMrp => "pn_mrp",
            Cfm => "cfm",
            Ieee1722 => "ieee1722",
            Macc => "macc",
            Idp => "idp",
            Ppp => "ppp",
            Lcp => "lcp",
            Ipcp => "ipcp",
            Ipv6cp => "ipv6cp",
            Pap => "pap",
            Chap => "chap",
            Stp => "stp",
            Cdp => "cdp",
            Dtp => "dtp",
            Netbios => "netbios",
            Data => "data",
            Vxlan => "vxlan",
            Geneve => "geneve",
            Erspan => "erspan",
            Gtp => "gtp",
            Teredo => "teredo",
            Cmd => "cmd",
            Chdlc => "chdlc",
            Slarp => "slarp",
            Nflog => "nflog",
            UserDlt => "user_dlt",
            Pktap => "pktap",
            PcapPktdata => "pcap_pktdata",
            Ipnet => "ipnet",
            Ipoib => "ipoib",
            Arcnet => "arcnet",
            Radiotap => "radiotap",
            WlanRadio => "wlan_radio",
            Wlan => "wlan",
            Ppi => "ppi",
            Fddi => "fddi",
        }
    }

    /// True for the protocols where our dissection ends by design while tshark may go
    /// on (transport protocols and everything we do not look inside). A golden test
    /// cuts tshark's `frame.protocols` after the first of these.
    pub const fn is_leaf(self) -> bool {
        use Proto::*;
        !matches!(
            self,
            Eth | Ethertype
                | Vlan
                | Ieee8021ad
                | Sll
                | Null
                | Raw
                | Llc
                | Vntag
                | Ip
                | Ipv6
                | Ipv6Hopopts
                | Ipv6Routing
                | Ipv6Fraghdr
                | Ipv6Dstopts
                | Ah
                | Shim6
                | Pppoes
                | Ppp
                | Mpls
                | Gre
                | Vxlan
                | Geneve
                | Erspan
                | Gtp
                | Teredo
                | Nsh
                | Cmd
                | Chdlc
                | Nflog
                | UserDlt
                | Pktap
                | PcapPktdata
                | Ipnet
                | Ipoib
                | Arcnet
                | Radiotap
                | WlanRadio
                | Wlan
                | Ppi
                | Fddi
        )
    }

    /// True for the protocols a tunnel starts with after UDP: a UDP layer followed by one
    /// of these is not where the dissection ends.
    pub const fn is_udp_tunnel(self) -> bool {
        use Proto::*;
        matches!(self, Vxlan | Geneve | Gtp | Teredo | Mpls | Nsh)
    }

    /// The protocol of a tshark name, if we know it.
    pub fn from_name(name: &str) -> Option<Proto> {
        Proto::ALL.iter().copied().find(|p| p.name() == name)
    }
}

impl std::fmt::Display for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Proto {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The protocols of one packet, outermost first, as a small `Copy` value.
///
/// Holds up to [`Stack::CAPACITY`] names; a deeper stack (a chain of dozens of IPv6
/// extension headers) keeps its first names and sets [`Stack::overflowed`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stack {
    protos: [Proto; Stack::CAPACITY],
    len: u8,
    overflowed: bool,
}

impl Default for Stack {
    fn default() -> Self {
        Stack {
            protos: [Proto::Data; Stack::CAPACITY],
            len: 0,
            overflowed: false,
        }
    }
}

impl Stack {
    /// How many protocols a stack holds.
    pub const CAPACITY: usize = 32;

    /// The protocols, outermost first.
    pub fn as_slice(&self) -> &[Proto] {
        &self.protos[..self.len as usize]
    }

    /// Number of protocols.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when nothing was recognised (an unknown link type).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when the packet had more layers than the stack holds.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The innermost protocol.
    pub fn last(&self) -> Option<Proto> {
        self.as_slice().last().copied()
    }

    /// True if the stack contains `p`.
    pub fn contains(&self, p: Proto) -> bool {
        self.as_slice().contains(&p)
    }

    /// tshark's names, outermost first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.as_slice().iter().map(|p| p.name())
    }

    /// Appends a protocol; past the capacity it only records the overflow.
    pub fn push(&mut self, p: Proto) {
        match self.protos.get_mut(self.len as usize) {
            Some(slot) => {
                *slot = p;
                self.len += 1;
            }
            None => self.overflowed = true,
        }
    }
}

/// `eth:ethertype:ip:tcp`, as tshark prints `frame.protocols` (without its leading
/// `frame:`).
impl std::fmt::Display for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.as_slice().iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            f.write_str(p.name())?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stack({self})")
    }
}

impl Serialize for Stack {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn names_round_trip_and_display_joins_them() {
        for (i, &p) in Proto::ALL.iter().enumerate() {
            assert_eq!(p as usize, i);
            assert_eq!(Proto::from_name(p.name()), Some(p));
        }
        let mut s = Stack::default();
        for p in [
            Proto::Eth,
            Proto::Ethertype,
            Proto::Ipv6,
            Proto::Ipv6Hopopts,
            Proto::Icmpv6,
        ] {
            s.push(p);
        }
        assert_eq!(s.to_string(), "eth:ethertype:ipv6:ipv6.hopopts:icmpv6");
        assert_eq!(
            s.names().collect::<Vec<_>>(),
            ["eth", "ethertype", "ipv6", "ipv6.hopopts", "icmpv6"]
        );
    }

    #[test]
    fn a_full_stack_records_the_overflow() {
        let mut s = Stack::default();
        for _ in 0..Stack::CAPACITY + 3 {
            s.push(Proto::Ipv6Dstopts);
        }
        assert_eq!(s.len(), Stack::CAPACITY);
        assert!(s.overflowed());
    }
}
