//! Which conversations' application layers a reader of some fields needs.
//!
//! A filter on `dns.resp.ttl` reads the detail of DNS packets only, but feeding every
//! conversation's application state in order (each memcached value and HTTP body
//! reassembled) cost it most of its time and memory: a conversation fed as a protocol
//! whose layers cannot hold the fields asked for is neither fed nor its packets' detail
//! built ([`Apps::scoped`](super::Apps::scoped)). The application layers come only from
//! [`Apps`](super::Apps), and each of them only from conversations fed as some
//! protocols, so leaving the others out changes no value of those fields.

use crate::capture::app::AppProto;
use crate::capture::packet::PacketRow;
use crate::capture::Capture;
use crate::query::fields::{registry, Fid, FieldType};

/// The conversations whose application layers are fed, by the protocol they are fed as
/// (`fed_as`: their application protocol, or TLS for a line protocol's after
/// STARTTLS): all of them, or those of some protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    all: bool,
    /// A bit per [`AppProto`] (its discriminant), when not `all`.
    protos: u16,
    /// The fields are also in the layers below the application's, which any
    /// conversation's packet may have (`data`: a fragment's or an unknown EtherType's
    /// bytes): the packets of a conversation not fed still hold them.
    below: bool,
}

impl Default for Scope {
    fn default() -> Self {
        Self::ALL
    }
}

impl Scope {
    /// Every conversation (the detail pane, the packet list).
    pub(crate) const ALL: Scope = Scope {
        all: true,
        protos: 0,
        below: true,
    };
    /// None: fields of the layers below the application's, which no state feeds.
    pub(crate) const NONE: Scope = Scope {
        all: false,
        protos: 0,
        below: true,
    };
    /// What a union starts from.
    const EMPTY: Scope = Scope {
        all: false,
        protos: 0,
        below: false,
    };

    fn of(protos: &[AppProto]) -> Scope {
        Scope {
            all: false,
            protos: protos.iter().fold(0, |b, &p| b | 1 << p as u16),
            below: false,
        }
    }

    /// Those fed as any of either.
    pub(crate) fn union(self, other: Scope) -> Scope {
        Scope {
            all: self.all || other.all,
            protos: self.protos | other.protos,
            below: self.below || other.below,
        }
    }

    /// Every conversation in `other` is in this one.
    pub(crate) fn covers(self, other: Scope) -> bool {
        self.all || (!other.all && other.protos & !self.protos == 0)
    }

    /// Whether the conversations fed as `proto` are in it.
    pub(crate) fn holds(self, proto: AppProto) -> bool {
        self.all || self.protos & 1 << proto as u16 != 0
    }

    /// Whether only some conversations are in it.
    pub(crate) fn is_narrow(self) -> bool {
        !self.all
    }

    /// Whether packet `index`'s conversation may hold a layer of a field whose
    /// conversations are these: false only when they are some protocols' (and not the
    /// layers below theirs too) and it is fed as another (one with no application layer
    /// of ours may hold SSDP's HTTP, a line protocol's layers, those below).
    pub(crate) fn may_hold(self, capture: &Capture, index: usize) -> bool {
        if self.all || self.below || self.protos == 0 {
            return true;
        }
        capture
            .packets
            .get(index)
            .is_some_and(|row| self.may_hold_row(capture, &row))
    }

    /// [`Scope::may_hold`] of the packet whose row is `row`.
    pub(crate) fn may_hold_row(self, capture: &Capture, row: &PacketRow) -> bool {
        self.all
            || self.protos == 0
            || self.below
            || super::fed_as(capture, row).is_none_or(|p| self.holds(p))
    }

    /// The conversations the detail values of `fields` need in `capture`.
    pub(crate) fn of_fields(capture: &Capture, fields: &[Fid]) -> Scope {
        let inner = capture.app_inner.iter().any(Option::is_some);
        fields
            .iter()
            .fold(Scope::EMPTY, |s, &f| s.union(Scope::of_field(f, inner)))
    }

    /// The conversations whose layers can hold `field`; `inner`: the capture's secrets
    /// open some TLS conversation, whose records may carry any protocol's layers (the
    /// detail opens them where the ingest did not always name what is inside).
    pub(crate) fn of_field(field: Fid, inner: bool) -> Scope {
        if field == Fid::FrameProtocols {
            // It names every layer of the packet's detail.
            return Scope::ALL;
        }
        if is_expert(field) {
            return Scope::of_experts(inner);
        }
        if matches!(field, Fid::D_data | Fid::D_data_data | Fid::D_data_len) {
            // Bytes no dissector takes: of the application layers, only HTTP's show them
            // (an untyped body, a continuation); the others' are the packet's alone (a
            // payload of no protocol of ours, a fragment's, an echo's), but where TLS's
            // take a line protocol's payload after its STARTTLS (or carry HTTP).
            return Scope {
                below: true,
                ..Scope::of(&[AppProto::Http, AppProto::Http2, AppProto::Tls])
            };
        }
        let own = [field];
        let layers: &[Fid] = if field.ty() == FieldType::Protocol {
            &own
        } else {
            registry::layers_of(field)
        };
        if layers.is_empty() {
            return Scope::ALL;
        }
        let s = layers
            .iter()
            .fold(Scope::EMPTY, |s, &l| s.union(Scope::of_layer(l, field)));
        if inner && s.protos != 0 {
            s.union(Scope::of(&[AppProto::Tls]))
        } else {
            s
        }
    }

    /// The conversations whose layers may hold expert items: those of the application
    /// layers that add some, and every packet besides (TCP's, IP's and the UDP
    /// protocols' items need no state).
    pub(crate) fn of_experts(inner: bool) -> Scope {
        const LAYERS: [Fid; 5] = [Fid::Http, Fid::Memcache, Fid::Quic, Fid::Dns, Fid::Mysql];
        LAYERS
            .iter()
            .fold(Scope::NONE, |s, &l| s.union(Scope::of_field(l, inner)))
    }

    /// The conversations that can hold a layer `layer` with `field` in it.
    fn of_layer(layer: Fid, field: Fid) -> Scope {
        use AppProto as A;
        match layer {
            // DNS's layer is also mDNS's and LLMNR's, on their ports (`app/dns.rs`).
            Fid::Dns | Fid::Mdns | Fid::Llmnr => Scope::of(&[A::Dns]),
            // An HTTP/1.1 conversation may go on as HTTP/2 (h2c's Upgrade).
            // So may an HTTP body's layers (`http::entity`).
            Fid::Http
            | Fid::Http2
            | Fid::Json
            | Fid::DataTextLines
            | Fid::Media
            | Fid::Xml
            | Fid::Png
            | Fid::ImageGif
            | Fid::ImageJfif => Scope::of(&[A::Http, A::Http2]),
            Fid::Mysql => Scope::of(&[A::Mysql]),
            Fid::Pgsql => Scope::of(&[A::Pgsql]),
            Fid::Memcache => Scope::of(&[A::Memcache]),
            Fid::Resp => Scope::of(&[A::Redis]),
            Fid::Quic => Scope::of(&[A::Quic]),
            // MySQL's and PostgreSQL's conversations switch to TLS records (their
            // SSL requests); QUIC's Initial packets carry TLS's handshake.
            Fid::Tls => Scope::of(&[A::Tls, A::Mysql, A::Pgsql, A::Quic]),
            // SSDP's HTTP and the UDP protocols tshark names by port (`udpapp/`) are
            // read from the datagram alone; the layers below need no state either.
            Fid::Ssdp
            | Fid::Dhcp
            | Fid::Ntp
            | Fid::Syslog
            | Fid::Tftp
            | Fid::Frame
            | Fid::Eth
            | Fid::Sll
            | Fid::Null
            | Fid::Nflog
            | Fid::UserDlt
            | Fid::Pktap
            | Fid::Ipnet
            | Fid::Ipoib
            | Fid::Arcnet
            | Fid::Llc
            | Fid::Vlan
            | Fid::Ip
            | Fid::Ipv6
            | Fid::Icmp
            | Fid::Icmpv6
            | Fid::Gre
            | Fid::Vxlan
            | Fid::Geneve => Scope::NONE,
            // TCP's analysis is the capture's; its reassembly items are the application
            // layers' (`tcp.segments` of a PDU cut from several segments).
            Fid::Tcp
                if matches!(
                    field,
                    Fid::D_tcp_analysis
                        | Fid::D_tcp_analysis_push_bytes_sent
                        | Fid::D_tcp_completeness
                ) =>
            {
                Scope::NONE
            }
            // The header's options (`tcp.options.*`, `tcp.option_*`, `tcp.nop`) are the
            // segment's own.
            Fid::Tcp if field.name().starts_with("tcp.option") || field == Fid::D_tcp_nop => {
                Scope::NONE
            }
            // The PDUs `tcp_dissect_pdus` cuts for the protocol's dissector (app/mod.rs
            // `cut_by_tcp`).
            Fid::Tcp if field == Fid::D_tcp_pdu_size => {
                Scope::of(&[A::Dns, A::Mysql, A::Pgsql, A::Http, A::Http2, A::Memcache])
            }
            // The line protocols and SSH show their layers only where no application
            // layer is shown, `_ws.*` may be any layer's: every conversation.
            _ => Scope::ALL,
        }
    }
}

/// Whether `field` is an expert item's (`_ws.expert` and what is under it) or the
/// `_ws.malformed` beside a Malformed one (`Node::push_expert`): a reader of these alone
/// needs a packet's detail built for its expert items only.
pub(crate) fn is_expert(field: Fid) -> bool {
    matches!(
        field,
        Fid::D__ws_expert
            | Fid::D__ws_expert_message
            | Fid::D__ws_expert_severity
            | Fid::D__ws_expert_group
            | Fid::D__ws_malformed
            | Fid::D__ws_malformed_expert
    )
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::lookup;

    fn of(name: &str, inner: bool) -> Scope {
        Scope::of_field(lookup(name).unwrap(), inner)
    }

    /// Each field's conversations, as the brief of each protocol's layers says.
    #[test]
    fn fields_name_the_conversations_that_can_hold_them() {
        use AppProto as A;
        let dns = of("dns.resp.ttl", false);
        assert!(dns.holds(A::Dns) && !dns.holds(A::Memcache));
        assert!(!dns.holds(A::Tls));
        // With secrets, a TLS conversation may carry it.
        assert!(of("dns.resp.ttl", true).holds(A::Tls));
        assert!(of("mdns", false).holds(A::Dns));
        // A capture header's fields need no conversation's state.
        assert_eq!(of("nflog.uid", false), Scope::NONE);
        assert_eq!(of("pktap.pid", false), Scope::NONE);
        assert_eq!(of("llc.oui", false), Scope::NONE);
        let tls = of("tls.handshake.ciphersuite", false);
        for p in [A::Tls, A::Mysql, A::Pgsql, A::Quic] {
            assert!(tls.holds(p), "{p:?}");
        }
        assert!(!tls.holds(A::Http) && !tls.holds(A::Memcache));
        assert_eq!(of("tls", false), tls);
        // A certificate's X.509 parts are TLS's.
        assert_eq!(of("x509sat.printableString", false), tls);
        assert_eq!(of("pkcs1.modulus", false), tls);
        let http = of("http.referer", false);
        assert!(http.holds(A::Http) && http.holds(A::Http2));
        assert!(!http.holds(A::Dns));
        for body in ["json.value.string", "data-text-lines", "media"] {
            assert!(!of(body, false).holds(A::Dns), "{body}");
            assert!(of(body, false).holds(A::Http), "{body}");
        }
        // MariaDB's items are in the mysql layer.
        let mysql = Scope::of(&[A::Mysql]);
        assert_eq!(of("mysql.caps.server", false), mysql);
        assert_eq!(of("mariadb.prefix", false), mysql);
        assert_eq!(of("ip.src_host", true), Scope::NONE);
        assert_eq!(of("tcp.completeness", false), Scope::NONE);
        assert_eq!(of("tcp.segment.count", false), Scope::ALL);
        // Bytes held for a later PDU: any conversation's (a retransmission's in one no
        // parser of ours follows); the header's options: none.
        assert_eq!(of("tcp.segment_data", false), Scope::ALL);
        assert_eq!(of("tcp.options.unknown.payload", false), Scope::NONE);
        assert_eq!(of("tcp.nop", false), Scope::NONE);
        // The PDUs tcp_dissect_pdus cuts: HTTP/2's (an HTTP/1.1 conversation may
        // become one), memcached's binary ones; in TLS only with secrets.
        let pdu = of("tcp.pdu.size", false);
        for p in [A::Dns, A::Mysql, A::Pgsql, A::Http, A::Http2, A::Memcache] {
            assert!(pdu.holds(p), "{p:?}");
        }
        assert!(!pdu.holds(A::Redis) && !pdu.holds(A::Tls));
        assert!(of("tcp.pdu.size", true).holds(A::Tls));
        assert_eq!(of("smtp.req.command", false), Scope::ALL);
        // Expert items: the application layers that add some, and every packet's
        // layers below them.
        for name in ["_ws.malformed", "_ws.expert.severity", "_ws.expert"] {
            let e = of(name, false);
            assert!(
                e.holds(A::Http) && e.holds(A::Memcache) && e.holds(A::Mysql),
                "{name}"
            );
            assert!(e.below && e.is_narrow() && !e.holds(A::Redis), "{name}");
            assert!(of(name, true).holds(A::Tls), "{name}");
        }
        assert_eq!(of("_ws.short", false), Scope::ALL);
        // `data` is HTTP's (and TLS's, which a line protocol switches to), or of any
        // packet's layers below the application's.
        let data = of("data.len", false);
        assert!(data.holds(A::Http) && data.holds(A::Tls) && !data.holds(A::Memcache));
        assert!(data.is_narrow() && data.below && !dns.below && Scope::NONE.below);
        assert!(dns.union(tls).covers(dns) && !dns.covers(tls));
        assert!(Scope::ALL.covers(tls) && !tls.covers(Scope::ALL));
        assert!(dns.covers(Scope::NONE) && Scope::NONE.covers(Scope::NONE));
    }
}
