//! Link layers (Ethernet, 802.1Q, Linux cooked capture v1/v2, BSD loopback) and the
//! walk over a packet's layers: each layer's tree is read at the offsets the dissector
//! recorded.

use super::app::bytes_field;
use super::frame::Only;
use super::{bits_text, escape, expert, hex, l3, l4, mac, manuf, tunnel, Group, Node};
use crate::capture::packet::NO_FLOW;
use crate::capture::tcp::Severity;
use crate::ingest::wire::{linktype, LayerSpan, Layers, Proto};
use crate::query::fields::{Fid, FieldCtx, PacketSource, Value};

/// One layer of the packet, as the dissector recorded it.
pub(super) type At = LayerSpan;

/// Big-endian reads that give 0 past the end (the layers were checked for length by
/// the dissector).
pub(super) fn be16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |x| u16::from_be_bytes([x[0], x[1]]))
}

pub(super) fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
}

pub(super) fn slice(b: &[u8], at: usize, len: usize) -> &[u8] {
    let s = at.min(b.len());
    &b[s..(at + len).min(b.len())]
}

/// The values of a field the field extractor computes (relative sequence numbers,
/// stream indexes, times, the TCP analysis).
pub(super) fn values(ctx: &mut FieldCtx<'_>, src: &mut dyn PacketSource, f: Fid) -> Vec<Value> {
    let mut out = Vec::new();
    ctx.extract(f, 1, src, &mut out);
    out
}

pub(super) fn first_uint(v: &[Value]) -> Option<u64> {
    v.iter().find_map(|v| match v {
        Value::Uint(n) => Some(*n),
        _ => None,
    })
}

pub(super) fn first_rel(v: &[Value]) -> Option<i64> {
    v.iter().find_map(|v| match v {
        Value::Rel(n) => Some(*n),
        _ => None,
    })
}

/// EtherType names, as Wireshark's `etype_vals` spells them (`eth.type`'s value strings).
pub(super) fn ethertype_name(t: u16) -> &'static str {
    crate::query::fields::value_strings::string_of("eth.type", i64::from(t)).unwrap_or("Unknown")
}

/// Builds the link, network and transport layers of a packet into `out`, reading the
/// header bytes at the offsets the dissector recorded (`ls`). The layers of an IP
/// datagram the packet completed are read from `datagram` (its bytes, its source's
/// index and the tree naming its fragments, put at the end of the IP layer before them).
#[allow(clippy::too_many_arguments)]
pub(super) fn layers(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    frame: &[u8],
    lt: u16,
    ls: &Layers,
    only: Option<Only>,
    datagram: Option<(&[u8], u8, Node)>,
    out: &mut Vec<Node>,
) {
    let (reassembled, source, mut fragments) = match datagram {
        Some((bytes, source, tree)) => (bytes, source, Some(tree)),
        None => (&[][..], 0, None),
    };
    let all = ls.as_slice();
    let mut tcp_seen = 0;
    let mut udp_seen = 0;
    // The layers an ICMP error quotes go inside its node, as Wireshark shows them.
    let mut quote: Option<Node> = None;
    let mut ext: Option<Node> = None;
    let mut outer = std::mem::take(out);
    for (i, l) in all.iter().enumerate() {
        let out: &mut Vec<Node> = if l.quoted {
            match quote.as_mut() {
                Some(q) => &mut q.children,
                None => &mut outer,
            }
        } else {
            &mut outer
        };
        if l.reassembled && source == 0 {
            // A layer of an IP datagram whose bytes are not at hand.
            continue;
        }
        if l.reassembled {
            if let Some(tree) = fragments.take() {
                if let Some(ip) = out
                    .iter_mut()
                    .rev()
                    .find(|n| n.name == "ip" || n.name == "ipv6")
                {
                    ip.push(tree);
                }
            }
        }
        let b = if l.reassembled { reassembled } else { frame };
        let first = out.len();
        if !l.quoted && only.is_some_and(|o| !o.builds(l.proto)) {
            // No field asked for is in it (the counts of TCP and UDP layers below are
            // only theirs).
            continue;
        }
        // Where the payload the link layer hands on ends, when its dissector says
        // (tshark's ethertype: an IP datagram's length, an ARP message's).
        let claimed = all[i + 1..]
            .iter()
            .find(|n| n.proto != Proto::Ethertype)
            .filter(|_| !l.quoted && !l.reassembled)
            .and_then(claimed_end);
        // The frame's own link layers (Ethernet and its tags) end with the frame; a
        // tunnelled Ethernet frame (GRE, ERSPAN, VXLAN, Geneve) where its carrier's
        // payload does.
        let own = all[..i].iter().all(|x| {
            matches!(
                x.proto,
                Proto::Eth | Proto::Vlan | Proto::Ieee8021ad | Proto::Ethertype | Proto::Sll
            )
        });
        let row_len = ctx.row().len as usize;
        let wire = if own {
            row_len
        } else {
            all[..i]
                .iter()
                .rev()
                .find(|x| x.proto != Proto::Ethertype)
                .map_or(row_len, |c| (c.end() as usize).min(row_len))
        };
        match l.proto {
            Proto::Eth => {
                let mut n = ethernet(b, l);
                // A tunnel hands its Ethernet frame on without an FCS (packet-gre.c's
                // and packet-erspan.c's `eth_withoutfcs`).
                let fcs = if own { FCS_MAYBE } else { 0 };
                if n.children.iter().any(|c| c.name == "eth.type") {
                    trailer(&mut n, b, claimed, wire, "eth.trailer", fcs);
                } else if n.children.iter().any(|c| c.name == "eth.len") {
                    // IEEE 802.3: the length field says where the payload ends
                    // (packet-ieee8023.c's `dissect_802_3`, no further than the frame).
                    let end = l.offset as usize + 14 + usize::from(be16(b, l.offset as usize + 12));
                    trailer(&mut n, b, Some(end.min(wire)), wire, "eth.trailer", fcs);
                }
                out.push(n);
            }
            Proto::Vlan => {
                let mut n = vlan(b, l);
                if own {
                    // packet-vlan.c hands the trailer after its payload to the same
                    // routine, with no FCS, naming the rest `vlan.trailer`.
                    trailer(&mut n, b, claimed, wire, "vlan.trailer", 0);
                }
                out.push(n);
            }
            Proto::Ieee8021ad => out.push(ieee8021ad(b, l)),
            Proto::Sll if lt == linktype::LINUX_SLL2 => out.push(sll2(b, l)),
            Proto::Sll => {
                let mut n = sll(b, l);
                // packet-sll.c: a cooked capture has no FCS.
                trailer(&mut n, b, claimed, wire, "sll.trailer", 0);
                out.push(n);
            }
            Proto::Null => out.push(null(b, l, lt)),
            Proto::Nflog => out.push(super::capture_hdr::nflog(b, l)),
            Proto::UserDlt => out.push(super::capture_hdr::user_dlt(l)),
            Proto::Pktap => out.push(super::capture_hdr::pktap(b, l)),
            Proto::Ipnet => out.push(super::capture_hdr::ipnet(b, l)),
            Proto::Ipoib => out.push(super::capture_hdr::ipoib(b, l)),
            Proto::Arcnet => out.push(super::capture_hdr::arcnet(b, l)),
            Proto::Llc => out.push(super::llc::llc(b, l)),
            Proto::Raw => out.push(Node::proto("raw", "Raw packet data", 0, b.len())),
            Proto::Arp => out.push(l3::arp(b, l)),
            Proto::Ip => {
                let reported = (!l.quoted && !l.reassembled).then_some(wire);
                out.push(l3::ipv4(b, l, reported))
            }
            Proto::Ipv6 => {
                // Wireshark's ipv6 item holds the extension headers that follow it, the
                // fragment header only in the frame that completes the datagram (this
                // pass does not reassemble: the ingest's did, and gave that frame its
                // datagram's conversation).
                let completes = ctx.row().flow != NO_FLOW;
                let ext: u32 = all[i + 1..]
                    .iter()
                    .take_while(|e| {
                        e.quoted == l.quoted
                            && match e.proto {
                                Proto::Ipv6Hopopts | Proto::Ipv6Routing | Proto::Ipv6Dstopts => {
                                    true
                                }
                                Proto::Ipv6Fraghdr => completes,
                                _ => false,
                            }
                    })
                    .map(|e| e.header_len)
                    .sum();
                let mut n = l3::ipv6(b, l, ext as usize);
                // The fragment header is the ipv6 item's child in every fragment.
                for e in all[i + 1..].iter().take_while(|e| {
                    e.quoted == l.quoted
                        && matches!(
                            e.proto,
                            Proto::Ipv6Hopopts
                                | Proto::Ipv6Routing
                                | Proto::Ipv6Dstopts
                                | Proto::Ipv6Fraghdr
                        )
                }) {
                    let kind = match e.proto {
                        Proto::Ipv6Fraghdr => {
                            n.push(l3::fraghdr(b, e.offset as usize));
                            continue;
                        }
                        Proto::Ipv6Hopopts => l3::ExtKind::HopByHop,
                        Proto::Ipv6Dstopts => l3::ExtKind::Destination,
                        _ => l3::ExtKind::Routing,
                    };
                    let plen = be16(b, l.offset as usize + 4);
                    let (h, whole) = l3::exthdr(b, e.offset as usize, kind, plen);
                    n.push(h);
                    if !whole {
                        n.size = 40;
                        break;
                    }
                }
                out.push(n)
            }
            Proto::Tcp => {
                let in_flow = tcp_seen == 0 && !l.quoted;
                tcp_seen += 1;
                out.push(l4::tcp(ctx, src, b, l, in_flow, only));
            }
            Proto::Udp => {
                let in_flow = (!l.quoted).then_some(udp_seen);
                udp_seen += usize::from(!l.quoted);
                out.push(l4::udp(ctx, src, b, l, in_flow));
            }
            Proto::Vxlan => out.push(tunnel::vxlan(b, l)),
            Proto::Geneve => out.push(tunnel::geneve(b, l)),
            Proto::Gre => out.push(tunnel::gre(b, l)),
            Proto::Icmp | Proto::Icmpv6 => {
                // An ICMP message inside an ICMP error's quote.
                let quoted = l.quoted
                    || all[..i]
                        .iter()
                        .any(|x| matches!(x.proto, Proto::Icmp | Proto::Icmpv6));
                // ICMPv6's checksum covers its IPv6 header's addresses.
                let pseudo = all[..i]
                    .iter()
                    .rev()
                    .find(|x| x.quoted == l.quoted && matches!(x.proto, Proto::Ip | Proto::Ipv6))
                    .filter(|x| x.proto == Proto::Ipv6 && b.len() >= x.offset as usize + 40)
                    .map(|x| {
                        let io = x.offset as usize;
                        let len = (l.end() as usize).saturating_sub(l.offset as usize);
                        let routing = all[..i].iter().rev().find(|r| {
                            r.quoted == l.quoted
                                && r.proto == Proto::Ipv6Routing
                                && r.offset > x.offset
                        });
                        let dst = routing
                            .and_then(|r| super::icmpv6::final_destination(b, r.offset as usize))
                            .unwrap_or(&b[io + 24..io + 40]);
                        super::icmpv6::pseudo_sum(&b[io + 8..io + 24], dst, len)
                    });
                let mut n = l4::icmp(b, l, quoted, ctx.row().ts_ns, pseudo);
                if l.reassembled {
                    n.set_source(source);
                }
                if l.quoted {
                    out.push(n);
                } else {
                    if let Some(q) = quote.take() {
                        outer.push(finish_quote(q, ext.take()));
                    }
                    // RFC 4884's extensions follow the quote in the ICMP item.
                    let t = b.get(l.offset as usize).copied().unwrap_or(0);
                    ext = (l.proto == Proto::Icmp && !quoted && super::icmpv4::is_error(t))
                        .then(|| super::icmpv4::extension(b, l.offset as usize, l.end() as usize))
                        .flatten()
                        .map(|mut x| {
                            if l.reassembled {
                                x.set_source(source);
                            }
                            x
                        });
                    quote = Some(n);
                }
            }
            Proto::Data => {
                let start = (l.offset as usize).min(b.len());
                let end = (l.end() as usize).clamp(start, b.len());
                if end > start {
                    out.push(super::data::layer(&b[start..end], start));
                }
            }
            _ => {}
        }
        if l.reassembled && !matches!(l.proto, Proto::Icmp | Proto::Icmpv6) {
            let out = match quote.as_mut() {
                Some(q) if l.quoted => &mut q.children,
                _ => &mut outer,
            };
            for n in out.iter_mut().skip(first) {
                n.set_source(source);
            }
        }
    }
    outer.extend(quote.map(|q| finish_quote(q, ext)));
    *out = outer;
}

/// An ICMP item with the layers it quotes, and the extensions after them.
fn finish_quote(mut q: Node, ext: Option<Node>) -> Node {
    q.children.extend(ext);
    q
}

/// packet-eth.c's `fcs_len` when neither the capture nor a preference says (-1): an FCS
/// is assumed at the end of a trailer of a frame of 64 bytes or more.
const FCS_MAYBE: i32 = -1;

/// The end of the bytes a layer's dissector takes: an IP datagram's declared length, an
/// ARP message's; None for the others (they take the rest of the frame).
fn claimed_end(l: &At) -> Option<usize> {
    if l.reassembled || l.quoted || l.header_len == 0 {
        return None;
    }
    let len = match l.proto {
        Proto::Ip | Proto::Ipv6 => l.len,
        Proto::Arp => l.header_len,
        _ => return None,
    };
    Some(l.offset as usize + len as usize)
}

/// The bytes of a frame after the payload (`end` on, up to `wire` where the Ethernet
/// frame ends, all captured) as packet-eth.c's `add_ethernet_trailer` shows them under
/// the link layer `n`: zeros padding a short frame to 60 bytes (`eth.padding`; counted
/// from the frame's start, as tshark does for a tunnelled Ethernet frame too), an FCS
/// where `fcs_len` says or guesses one, and the rest as `trailer_id`, with a note when a
/// short frame's padding was not zeros.
fn trailer(
    n: &mut Node,
    b: &[u8],
    end: Option<usize>,
    wire: usize,
    trailer_id: &'static str,
    fcs_len: i32,
) {
    let Some(end) = end.filter(|&e| e < wire && wire <= b.len()) else {
        return;
    };
    let mut rest = wire - end;
    let maybe_padded = wire >= 60 && end < 60;
    let mut padding = if maybe_padded { 60 - end } else { 0 };
    if b[end..end + padding].iter().any(|&x| x != 0) {
        padding = 0;
    }
    if padding > 0 {
        n.push(bytes_field(
            "eth.padding",
            "Padding",
            &b[end..end + padding],
            end,
        ));
        rest -= padding;
    }
    let fcs = fcs_len == 4 || (fcs_len != 0 && wire >= 64 && rest >= 4);
    if fcs {
        rest -= 4;
    }
    let at = end + padding;
    if rest > 0 {
        let mut t = bytes_field(trailer_id, "Trailer", &b[at..at + rest], at);
        if maybe_padded && padding == 0 {
            t.push(expert(
                "eth.padding_bad",
                "Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros.",
                Severity::Note,
                Group::Protocol,
            ));
        }
        n.push(t);
    }
    if fcs {
        let at = at + rest;
        let v = be32(b, at);
        n.push(
            Node::field(
                "eth.fcs",
                format!("Frame check sequence: 0x{v:08x} [unverified]"),
                format!("0x{v:08x}"),
                at,
                4,
            )
            .hex_own(slice(b, at, 4)),
        );
        n.push(Node::field("eth.fcs.status", "FCS Status: Unverified", "2", at, 0).gen());
    }
}

/// The names of the hidden items tshark adds under a MAC address (proto.c
/// proto_tree_add_mac48_detail): the address as resolved, its OUI and the OUI's name.
struct Resolved {
    addr: &'static str,
    oui: &'static str,
    oui_name: &'static str,
}

const DST: Resolved = Resolved {
    addr: "eth.dst_resolved",
    oui: "eth.dst.oui",
    oui_name: "eth.dst.oui_resolved",
};
const SRC: Resolved = Resolved {
    addr: "eth.src_resolved",
    oui: "eth.src.oui",
    oui_name: "eth.src.oui_resolved",
};
const ADDR: Resolved = Resolved {
    addr: "eth.addr_resolved",
    oui: "eth.addr.oui",
    oui_name: "eth.addr.oui_resolved",
};

/// Adds `names`' hidden items for the address `m` (shown as `s`) at `at`: with `-n` the
/// resolved address is its text, and the OUI's name is the manuf file's, where it names it.
fn resolved(n: &mut Node, names: &Resolved, label: &str, s: &str, m: &[u8], at: usize) {
    n.push(
        Node::field(names.addr, format!("{label} (resolved): {s}"), s, at, 6)
            .hex_own(m)
            .gen()
            .hide(),
    );
    let three = slice(m, 0, 3);
    let oui = three.iter().fold(0u32, |v, &x| (v << 8) | u32::from(x));
    n.push(
        Node::field(
            names.oui,
            format!("{label} OUI: {}", manuf::oui_text(oui)),
            oui.to_string(),
            at,
            3,
        )
        .hex_own(three)
        .gen()
        .hide(),
    );
    if let Some(maker) = manuf::name(oui) {
        n.push(
            Node::field(
                names.oui_name,
                format!("{label} OUI (resolved): {}", escape(maker)),
                String::from_utf8_lossy(maker),
                at,
                6,
            )
            .hex_own(m)
            .gen()
            .hide(),
        );
    }
}

fn mac_node(b: &[u8], at: usize, name: &'static str, label: &str) -> Node {
    let m = slice(b, at, 6);
    let s = mac(m);
    let mut n = Node::field(name, format!("{label}: {s}"), s.clone(), at, 6).hex_own(m);
    let specific = if name == "eth.dst" { &DST } else { &SRC };
    resolved(&mut n, specific, label, &s, m, at);
    n.push(Node::field("eth.addr", format!("Address: {s}"), s.clone(), at, 6).hex_own(m));
    resolved(&mut n, &ADDR, "Address", &s, m, at);
    let x = m.first().copied().unwrap_or(0) as u64;
    let three = slice(b, at, 3);
    let v = three.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)) << (8 * (3 - three.len()));
    let lg = x & 2 != 0;
    let ig = x & 1 != 0;
    let lg_text = if lg {
        "Locally administered address (this is NOT the factory default)"
    } else {
        "Globally unique address (factory default)"
    };
    let ig_text = if ig {
        "Group address (multicast/broadcast)"
    } else {
        "Individual address (unicast)"
    };
    let sub = if name == "eth.dst" { "dst" } else { "src" };
    let lgs = bits_text(v, 0x020000, 24, format_args!("LG bit: {lg_text}"));
    let igs = bits_text(v, 0x010000, 24, format_args!("IG bit: {ig_text}"));
    n.push(
        Node::field(
            format!("eth.{sub}.lg"),
            lgs.clone(),
            u8::from(lg).to_string(),
            at,
            3,
        )
        .masked_own(u64::from(lg), three),
    );
    n.push(
        Node::field("eth.lg", lgs, u8::from(lg).to_string(), at, 3)
            .masked_own(u64::from(lg), three)
            .hide(),
    );
    n.push(
        Node::field(
            format!("eth.{sub}.ig"),
            igs.clone(),
            u8::from(ig).to_string(),
            at,
            3,
        )
        .masked_own(u64::from(ig), three),
    );
    n.push(
        Node::field("eth.ig", igs, u8::from(ig).to_string(), at, 3)
            .masked_own(u64::from(ig), three)
            .hide(),
    );
    n
}

fn ethernet(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let (dst, src) = (mac(slice(b, o, 6)), mac(slice(b, o + 6, 6)));
    let t = be16(b, o + 12);
    if t <= 1500 {
        // IEEE 802.3: the field is a length (an LLC header follows).
        let mut n = Node::proto("eth", "IEEE 802.3 Ethernet ", o, 14);
        n.push(mac_node(b, o, "eth.dst", "Destination"));
        n.push(mac_node(b, o + 6, "eth.src", "Source"));
        n.push(
            Node::field("eth.len", format!("Length: {t}"), t.to_string(), o + 12, 2)
                .hex_own(slice(b, o + 12, 2)),
        );
        return n;
    }
    let mut n = Node::proto("eth", format!("Ethernet II, Src: {src}, Dst: {dst}"), o, 14);
    n.push(mac_node(b, o, "eth.dst", "Destination"));
    n.push(mac_node(b, o + 6, "eth.src", "Source"));
    n.push(etype_node("eth.type", "Type", t, b, o + 12));
    n
}

pub(super) fn etype_node(name: &'static str, label: &str, t: u16, b: &[u8], at: usize) -> Node {
    Node::field(
        name,
        format!("{label}: {} (0x{t:04x})", ethertype_name(t)),
        format!("0x{t:04x}"),
        at,
        2,
    )
    .hex_own(slice(b, at, 2))
}

/// An 802.1ad service tag (S-TAG) as packet-ieee8021ah.c shows it.
fn ieee8021ad(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let tci = be16(b, o) as u64;
    let (pri, dei, id) = (tci >> 13, (tci >> 12) & 1, tci & 0xfff);
    let mut n = Node::proto("ieee8021ad", format!("IEEE 802.1ad, ID: {id}"), o, 4);
    let first = slice(b, o, 1);
    n.push(
        Node::field(
            "ieee8021ad.priority",
            bits_text(tci, 0xe000, 16, format_args!("Priority: {pri}")),
            pri.to_string(),
            o,
            1,
        )
        .masked_own(pri, first),
    );
    n.push(
        Node::field(
            "ieee8021ad.dei",
            bits_text(tci, 0x1000, 16, format_args!("DEI: {dei}")),
            dei.to_string(),
            o,
            1,
        )
        .masked_own(dei, first),
    );
    n.push(
        Node::field(
            "ieee8021ad.id",
            bits_text(tci, 0x0fff, 16, format_args!("ID: {id}")),
            id.to_string(),
            o,
            2,
        )
        .masked_own(id, slice(b, o, 2)),
    );
    let t = be16(b, o + 2);
    n.push(etype_node("ieee8021ah.etype", "Type", t, b, o + 2));
    n
}

fn vlan(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let tci = be16(b, o) as u64;
    let (pri, dei, id) = (tci >> 13, (tci >> 12) & 1, tci & 0xfff);
    let pri_name = match pri {
        0 => "Best Effort (default)",
        1 => "Background",
        2 => "Excellent Effort",
        3 => "Critical Applications",
        4 => "Video, < 100ms latency and jitter",
        5 => "Voice, < 10ms latency and jitter",
        6 => "Internetwork Control",
        _ => "Network Control",
    };
    let tb = slice(b, o, 2);
    let mut n = Node::proto(
        "vlan",
        format!("802.1Q Virtual LAN, PRI: {pri}, DEI: {dei}, ID: {id}"),
        o,
        4,
    );
    n.push(
        Node::field(
            "vlan.priority",
            bits_text(
                tci,
                0xe000,
                16,
                format_args!("Priority: {pri_name} ({pri})"),
            ),
            pri.to_string(),
            o,
            2,
        )
        .masked_own(pri, tb),
    );
    n.push(
        Node::field(
            "vlan.dei",
            bits_text(
                tci,
                0x1000,
                16,
                format_args!("DEI: {}", if dei == 1 { "Eligible" } else { "Ineligible" }),
            ),
            dei.to_string(),
            o,
            2,
        )
        .masked_own(dei, tb),
    );
    n.push(
        Node::field(
            "vlan.id",
            bits_text(tci, 0x0fff, 16, format_args!("ID: {id}")),
            id.to_string(),
            o,
            2,
        )
        .masked_own(id, tb),
    );
    let t = be16(b, o + 2);
    if t <= 1500 {
        n.push(
            Node::field("vlan.len", format!("Length: {t}"), t.to_string(), o + 2, 2)
                .hex_own(slice(b, o + 2, 2)),
        );
    } else {
        n.push(etype_node("vlan.etype", "Type", t, b, o + 2));
    }
    n
}

fn pkttype_name(t: u16) -> &'static str {
    match t {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => "Unknown",
    }
}

fn hatype_name(t: u16) -> &'static str {
    match t {
        1 => "Ethernet",
        512 => "PPP",
        772 => "Loopback",
        776 => "IPv6-in-IPv4",
        778 => "IP GRE",
        65534 => "None",
        _ => "Unknown",
    }
}

fn sll(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let mut n = Node::proto("sll", "Linux cooked capture v1", o, 16);
    let pt = be16(b, o);
    n.push(
        Node::field(
            "sll.pkttype",
            format!("Packet type: {} ({pt})", pkttype_name(pt)),
            pt.to_string(),
            o,
            2,
        )
        .hex_own(slice(b, o, 2)),
    );
    let ha = be16(b, o + 2);
    n.push(
        Node::field(
            "sll.hatype",
            format!("Link-layer address type: {} ({ha})", hatype_name(ha)),
            ha.to_string(),
            o + 2,
            2,
        )
        .hex_own(slice(b, o + 2, 2)),
    );
    let hl = be16(b, o + 4) as usize;
    n.push(
        Node::field(
            "sll.halen",
            format!("Link-layer address length: {hl}"),
            hl.to_string(),
            o + 4,
            2,
        )
        .hex_own(slice(b, o + 4, 2)),
    );
    addr_or_unused(&mut n, b, o + 6, 8, hl, ha);
    let t = be16(b, o + 14);
    n.push(etype_node("sll.etype", "Protocol", t, b, o + 14));
    n
}

/// The link-layer address of a cooked capture, then the unused bytes of its field.
fn addr_or_unused(n: &mut Node, b: &[u8], at: usize, room: usize, hl: usize, ha: u16) {
    let mut used = 0;
    if hl == 6 && matches!(ha, 1 | 772) {
        let m = slice(b, at, 6);
        let s = mac(m);
        n.push(Node::field("sll.src.eth", format!("Source: {s}"), s, at, 6).hex_own(m));
        used = 6;
    } else if hl > 0 && hl <= room {
        let v = slice(b, at, hl);
        n.push(
            Node::field(
                "sll.src.other",
                format!("Source: {}", hex(v)),
                super::colon_hex(v),
                at,
                hl,
            )
            .hex_own(v),
        );
        used = hl;
    }
    if used < room {
        let v = slice(b, at + used, room - used);
        n.push(
            Node::field(
                "sll.unused",
                format!("Unused: {}", hex(v)),
                super::colon_hex(v),
                at + used,
                room - used,
            )
            .hex_own(v),
        );
    }
}

fn sll2(b: &[u8], l: &At) -> Node {
    let o = l.offset as usize;
    let mut n = Node::proto("sll", "Linux cooked capture v2", o, 20);
    let t = be16(b, o);
    n.push(etype_node("sll.etype", "Protocol", t, b, o));
    let ifx = be32(b, o + 4);
    n.push(
        Node::field(
            "sll.ifindex",
            format!("Interface index: {ifx}"),
            ifx.to_string(),
            o + 4,
            4,
        )
        .hex_own(slice(b, o + 4, 4)),
    );
    let ha = be16(b, o + 8);
    n.push(
        Node::field(
            "sll.hatype",
            format!("Link-layer address type: {} ({ha})", hatype_name(ha)),
            ha.to_string(),
            o + 8,
            2,
        )
        .hex_own(slice(b, o + 8, 2)),
    );
    let pt = b.get(o + 10).copied().unwrap_or(0) as u16;
    n.push(
        Node::field(
            "sll.pkttype",
            format!("Packet type: {} ({pt})", pkttype_name(pt)),
            pt.to_string(),
            o + 10,
            1,
        )
        .hex_own(slice(b, o + 10, 1)),
    );
    let hl = b.get(o + 11).copied().unwrap_or(0) as usize;
    n.push(
        Node::field(
            "sll.halen",
            format!("Link-layer address length: {hl}"),
            hl.to_string(),
            o + 11,
            1,
        )
        .hex_own(slice(b, o + 11, 1)),
    );
    addr_or_unused(&mut n, b, o + 12, 8, hl, ha);
    n
}

fn null(b: &[u8], l: &At, lt: u16) -> Node {
    let o = l.offset as usize;
    let raw = slice(b, o, 4);
    let fam = if lt == linktype::LOOP {
        be32(b, o)
    } else {
        u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]])
    };
    let name = match fam {
        2 => "IP",
        24 | 28 | 30 => "IPv6",
        _ => "",
    };
    let mut n = Node::proto("null", "Null/Loopback", o, 4);
    // (A header in the other byte order, or an EtherType, Wireshark shows otherwise.)
    if name.is_empty() {
        return n;
    }
    n.push(
        Node::field(
            "null.family",
            format!("Family: {name} ({fam})"),
            fam.to_string(),
            o,
            4,
        )
        .hex_own(raw),
    );
    n
}
