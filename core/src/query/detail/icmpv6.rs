//! ICMPv6's neighbor discovery messages (RFC 4861 §4) and their options (§4.6), as
//! packet-icmpv6.c shows them.

use super::l2::{be16, be32, slice};
use super::{bits_text, colon_hex, hex, mac, set, Node};

/// The sum of the IPv6 pseudo-header (RFC 8200 §8.1) over a message of `len` bytes from
/// `src` to `dst`, for the Internet checksum.
pub(super) fn pseudo_sum(src: &[u8], dst: &[u8], len: usize) -> u32 {
    let words = src.chunks(2).chain(dst.chunks(2));
    let addrs: u32 = words
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    let len = len as u32;
    addrs + (len >> 16) + (len & 0xffff) + 58
}

/// The final destination a routing header at `at` names, when packets still have to go
/// through it (segments left): the last address of a type 0 header (RFC 2460 §4.4), a
/// type 2's home address (RFC 6275 §6.4); the pseudo-header carries it (RFC 8200 §8.1).
pub(super) fn final_destination(b: &[u8], at: usize) -> Option<&[u8]> {
    let (len, ty, left) = (*b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?);
    let end = at + 8 + 8 * usize::from(len);
    (matches!(ty, 0 | 2) && left > 0 && len >= 2)
        .then(|| b.get(end - 16..end))
        .flatten()
}

/// The fields after the checksum of neighbor discovery message type `t` at `o` in `b`
/// (up to `end`): its own, then its options.
pub(super) fn nd(b: &[u8], o: usize, end: usize, t: u8) -> Vec<Node> {
    let mut out = Vec::new();
    let opts = match t {
        // Router and Neighbor Solicitation: reserved, then (NS) the target.
        133 | 135 => {
            out.push(reserved(b, o + 4));
            if t == 135 {
                out.push(target(b, o + 8, "icmpv6.nd.ns.target_address"));
                o + 24
            } else {
                o + 8
            }
        }
        134 => {
            router_advertisement(b, o, &mut out);
            o + 16
        }
        136 => {
            let f = u64::from(be32(b, o + 4));
            let fb = slice(b, o + 4, 4);
            let mut text = format!("Flags: 0x{f:08x}");
            let mut flags = Node::field("icmpv6.nd.na.flag", "", format!("0x{f:08x}"), o + 4, 4);
            flag_bits(
                &mut flags,
                &mut text,
                (f, 32, o + 4, fb),
                &[
                    ("icmpv6.nd.na.flag.r", "Router", 0x8000_0000),
                    ("icmpv6.nd.na.flag.s", "Solicited", 0x4000_0000),
                    ("icmpv6.nd.na.flag.o", "Override", 0x2000_0000),
                ],
            );
            flags.push(reserved_bits(
                "icmpv6.nd.na.flag.rsv",
                0x1fff_ffff,
                (f, 32, o + 4, fb),
            ));
            flags.showname = text;
            out.push(flags.hex_own(fb));
            out.push(target(b, o + 8, "icmpv6.nd.na.target_address"));
            o + 24
        }
        _ => return out,
    };
    options(b, opts, end, &mut out);
    out
}

/// A Router Advertisement's fields after its checksum (RFC 4861 §4.2, RFC 4191 §2.2's
/// preference, RFC 5175's flags).
fn router_advertisement(b: &[u8], o: usize, out: &mut Vec<Node>) {
    let hop = b.get(o + 4).copied().unwrap_or(0);
    out.push(
        Node::field(
            "icmpv6.nd.ra.cur_hop_limit",
            format!("Cur hop limit: {hop}"),
            hop.to_string(),
            o + 4,
            1,
        )
        .hex_own(slice(b, o + 4, 1)),
    );
    let f = u64::from(b.get(o + 5).copied().unwrap_or(0));
    let fb = slice(b, o + 5, 1);
    let prf = (f >> 3) & 3;
    let prf_name = ["Medium", "High", "Reserved", "Low"][prf as usize];
    let mut text = format!("Flags: 0x{f:02x}");
    let mut flags = Node::field("icmpv6.nd.ra.flag", "", format!("0x{f:02x}"), o + 5, 1);
    let at = (f, 8, o + 5, fb);
    flag_bits(
        &mut flags,
        &mut text,
        at,
        &[
            ("icmpv6.nd.ra.flag.m", "Managed address configuration", 0x80),
            ("icmpv6.nd.ra.flag.o", "Other configuration", 0x40),
            ("icmpv6.nd.ra.flag.h", "Home Agent", 0x20),
        ],
    );
    // An enumeration: proto_tree_add_bitmask names its value whatever it is.
    let label = "Prf (Default Router Preference)";
    flags.push(
        Node::field(
            "icmpv6.nd.ra.flag.prf",
            bits_text(f, 0x18, 8, format_args!("{label}: {prf_name} ({prf})")),
            prf.to_string(),
            o + 5,
            1,
        )
        .masked_own(prf, fb),
    );
    text.push_str(&format!(", {label}: {prf_name}"));
    flag_bits(
        &mut flags,
        &mut text,
        at,
        &[("icmpv6.nd.ra.flag.p", "Proxy", 0x04)],
    );
    flags.push(reserved_bits("icmpv6.nd.ra.flag.rsv", 0x03, at));
    flags.showname = text;
    out.push(flags.hex_own(fb));
    for (name, label, at, len) in [
        (
            "icmpv6.nd.ra.router_lifetime",
            "Router lifetime (s)",
            o + 6,
            2,
        ),
        (
            "icmpv6.nd.ra.reachable_time",
            "Reachable time (ms)",
            o + 8,
            4,
        ),
        (
            "icmpv6.nd.ra.retrans_timer",
            "Retrans timer (ms)",
            o + 12,
            4,
        ),
    ] {
        let v = if len == 2 {
            u32::from(be16(b, at))
        } else {
            be32(b, at)
        };
        out.push(
            Node::field(name, format!("{label}: {v}"), v.to_string(), at, len)
                .hex_own(slice(b, at, len)),
        );
    }
}

/// The options from `at` to `end` (RFC 4861 §4.6). packet-icmpv6.c stops at a length
/// of zero; here also at a type whose name this dissector does not know.
fn options(b: &[u8], mut at: usize, end: usize, out: &mut Vec<Node>) {
    while at + 2 <= end {
        let (t, units) = (b[at], b[at + 1]);
        let len = usize::from(units) * 8;
        let name = match t {
            1 => "Source link-layer address",
            2 => "Target link-layer address",
            3 => "Prefix information",
            5 => "MTU",
            _ => return,
        };
        if len == 0 || at + len > end {
            return;
        }
        let v = &b[at + 2..at + len];
        let mut title = format!("ICMPv6 Option ({name}");
        let mut opt = Node::field("icmpv6.opt", "", "", at, len).none();
        opt.push(
            Node::field(
                "icmpv6.opt.type",
                format!("Type: {name} ({t})"),
                t.to_string(),
                at,
                1,
            )
            .hex_own(&b[at..at + 1]),
        );
        opt.push(
            Node::field(
                "icmpv6.opt.length",
                format!("Length: {units} ({len} bytes)"),
                units.to_string(),
                at + 1,
                1,
            )
            .hex_own(&b[at + 1..at + 2]),
        );
        let q = at + 2;
        match t {
            1 | 2 => {
                let (hidden, label) = if t == 1 {
                    ("icmpv6.opt.src_linkaddr", "Source Link-layer address")
                } else {
                    ("icmpv6.opt.target_linkaddr", "Target Link-layer address")
                };
                // Six bytes are a MAC address; other lengths are shown as bytes.
                let (a, show, text) = if len == 8 {
                    let m = mac(&v[..6]);
                    title.push_str(&format!(" : {m}"));
                    (&v[..6], m.clone(), m)
                } else {
                    (v, colon_hex(v), hex(v))
                };
                opt.push(
                    Node::field(
                        "icmpv6.opt.linkaddr",
                        format!("Link-layer address: {text}"),
                        show.clone(),
                        q,
                        a.len(),
                    )
                    .hex_own(a),
                );
                opt.push(
                    Node::field(hidden, format!("{label}: {text}"), show, q, a.len())
                        .hex_own(a)
                        .hide(),
                );
            }
            3 if len >= 32 => prefix(b, q, &mut opt, &mut title),
            5 if len >= 8 => {
                opt.push(Node::field("icmpv6.opt.reserved", "Reserved", "", q, 2).none());
                let mtu = be32(b, q + 2);
                title.push_str(&format!(" : {mtu}"));
                opt.push(
                    Node::field(
                        "icmpv6.opt.mtu",
                        format!("MTU: {mtu}"),
                        mtu.to_string(),
                        q + 2,
                        4,
                    )
                    .hex_own(&b[q + 2..q + 6]),
                );
            }
            _ => {}
        }
        title.push(')');
        opt.showname = title;
        out.push(opt);
        at += len;
    }
}

/// A Prefix Information option's fields at `q` (after its type and length; RFC 4861
/// §4.6.2, RFC 6275 §7.2's R flag).
fn prefix(b: &[u8], q: usize, opt: &mut Node, title: &mut String) {
    let plen = b[q];
    opt.push(
        Node::field(
            "icmpv6.opt.prefix.length",
            format!("Prefix Length: {plen}"),
            plen.to_string(),
            q,
            1,
        )
        .hex_own(&b[q..q + 1]),
    );
    let f = u64::from(b[q + 1]);
    let fb = &b[q + 1..q + 2];
    let mut text = format!("Flag: 0x{f:02x}");
    let mut flags = Node::field("icmpv6.opt.prefix.flag", "", format!("0x{f:02x}"), q + 1, 1);
    let at = (f, 8, q + 1, fb);
    flag_bits(
        &mut flags,
        &mut text,
        at,
        &[
            ("icmpv6.opt.prefix.flag.l", "On-link flag(L)", 0x80),
            (
                "icmpv6.opt.prefix.flag.a",
                "Autonomous address-configuration flag(A)",
                0x40,
            ),
            ("icmpv6.opt.prefix.flag.r", "Router address flag(R)", 0x20),
        ],
    );
    flags.push(reserved_bits("icmpv6.opt.prefix.flag.reserved", 0x1f, at));
    flags.showname = text;
    opt.push(flags.hex_own(fb));
    for (name, label, at) in [
        ("icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", q + 2),
        (
            "icmpv6.opt.prefix.preferred_lifetime",
            "Preferred Lifetime",
            q + 6,
        ),
    ] {
        let v = be32(b, at);
        let text = if v == u32::MAX {
            format!("{label}: Infinity ({v})")
        } else {
            format!("{label}: {v}")
        };
        opt.push(Node::field(name, text, v.to_string(), at, 4).hex_own(&b[at..at + 4]));
    }
    opt.push(Node::field("icmpv6.opt.reserved", "Reserved", "", q + 10, 4).none());
    let p = address(&b[q + 14..q + 30]);
    title.push_str(&format!(" : {p}/{plen}"));
    opt.push(
        Node::field("icmpv6.opt.prefix", format!("Prefix: {p}"), p, q + 14, 16)
            .hex_own(&b[q + 14..q + 30]),
    );
}

/// `icmpv6.reserved`: four bytes shown as bytes.
fn reserved(b: &[u8], at: usize) -> Node {
    let r = slice(b, at, 4);
    Node::field(
        "icmpv6.reserved",
        format!("Reserved: {}", hex(r)),
        colon_hex(r),
        at,
        r.len(),
    )
    .hex_own(r)
}

/// A Target Address field at `at`.
fn target(b: &[u8], at: usize, name: &'static str) -> Node {
    let a = address(slice(b, at, 16));
    Node::field(name, format!("Target Address: {a}"), a, at, 16).hex_own(slice(b, at, 16))
}

/// An IPv6 address as text; `::` when the bytes run short.
fn address(v: &[u8]) -> String {
    let mut x = [0u8; 16];
    let n = v.len().min(16);
    x[..n].copy_from_slice(&v[..n]);
    std::net::Ipv6Addr::from(x).to_string()
}

/// A flags field's value `f`, its width in bits, where it is and its bytes.
type Flags<'b> = (u64, u32, usize, &'b [u8]);

/// One-bit flags of a flags field, as `proto_tree_add_bitmask` shows them (bit picture,
/// Set / Not set), each set one's label appended to the field's `text`.
fn flag_bits(
    flags: &mut Node,
    text: &mut String,
    (f, width, at, fb): Flags<'_>,
    bits: &[(&'static str, &str, u64)],
) {
    for &(name, label, mask) in bits {
        let on = f & mask != 0;
        flags.push(
            Node::field(
                name,
                bits_text(f, mask, width, format_args!("{label}: {}", set(on))),
                u8::from(on).to_string(),
                at,
                fb.len(),
            )
            .masked_own(u64::from(on), fb),
        );
        if on {
            text.push_str(", ");
            text.push_str(label);
        }
    }
}

/// A flags field's reserved bits `mask`.
fn reserved_bits(name: &'static str, mask: u64, (f, width, at, fb): Flags<'_>) -> Node {
    let v = f & mask;
    Node::field(
        name,
        bits_text(f, mask, width, format_args!("Reserved: {v}")),
        v.to_string(),
        at,
        fb.len(),
    )
    .masked_own(v, fb)
}

#[cfg(test)]
mod test {
    use super::*;

    fn bytes(h: &str) -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A Router Advertisement with a prefix (zeek/tunnels/Teredo.pcap, frame 7), as
    /// tshark 4.0 shows it.
    #[test]
    fn a_router_advertisement_and_its_prefix() {
        let ra = bytes(
            "86001f570000000000000000000007d003044040ffffffffffffffff00000000\
             2001000041379e500000000000000000",
        );
        let src = bytes("fe800000000000008000f227bec861af");
        let dst = bytes("fe800000000000008000fffffffffffd");
        // The pseudo-header and the message sum to all ones: the checksum is right.
        let mut s = pseudo_sum(&src, &dst, ra.len());
        for w in ra.chunks(2) {
            s += u32::from(u16::from_be_bytes([w[0], w[1]]));
        }
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        assert_eq!(s, 0xffff);
        let n = nd(&ra, 0, ra.len(), 134);
        let names: Vec<&str> = n.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "icmpv6.nd.ra.cur_hop_limit",
                "icmpv6.nd.ra.flag",
                "icmpv6.nd.ra.router_lifetime",
                "icmpv6.nd.ra.reachable_time",
                "icmpv6.nd.ra.retrans_timer",
                "icmpv6.opt",
            ]
        );
        assert_eq!(
            n[1].showname,
            "Flags: 0x00, Prf (Default Router Preference): Medium"
        );
        assert_eq!(
            n[5].showname,
            "ICMPv6 Option (Prefix information : 2001:0:4137:9e50::/64)"
        );
        let flag = n[5].find("icmpv6.opt.prefix.flag").unwrap();
        assert_eq!(
            flag.showname,
            "Flag: 0x40, Autonomous address-configuration flag(A)"
        );
        let valid = n[5].find("icmpv6.opt.prefix.valid_lifetime").unwrap();
        assert_eq!(valid.showname, "Valid Lifetime: Infinity (4294967295)");
        // Cut anywhere: no panic, and no option past the bytes.
        for cut in 0..ra.len() {
            let n = nd(&ra[..cut], 0, cut, 134);
            assert_eq!(n.iter().any(|c| c.name == "icmpv6.opt"), cut == ra.len());
        }
    }

    #[test]
    fn options_stop_at_a_zero_length_or_an_unknown_type() {
        // Neighbor Solicitation: reserved, target, then a source link-layer address.
        let head = bytes(&format!("8700000000000000{}", "00".repeat(16)));
        let mut ns = head.clone();
        ns.extend(bytes("0100000000000000")); // length 0
        let n = nd(&ns, 0, ns.len(), 135);
        assert_eq!(n.len(), 2);
        assert!(n.iter().all(|c| c.name != "icmpv6.opt"));
        let mut ns = head;
        ns.extend(bytes("0101000000000004"));
        ns.extend(bytes("2201000000000000")); // a type not named here
        let n = nd(&ns, 0, ns.len(), 135);
        let opts: Vec<&str> = n
            .iter()
            .filter(|c| c.name == "icmpv6.opt")
            .map(|c| c.showname.as_str())
            .collect();
        assert_eq!(
            opts,
            ["ICMPv6 Option (Source link-layer address : 00:00:00:00:00:04)"]
        );
    }

    /// A type 0 routing header with an address left to visit: the pseudo-header's
    /// destination is that last address (tcpdump/ipv6-routing-header.pcap).
    #[test]
    fn the_final_destination_of_a_routing_header() {
        let mut rh = bytes("3a02000100000000");
        rh.extend(bytes("22000000000002100002000000000004"));
        assert_eq!(final_destination(&rh, 0), Some(&rh[8..24]));
        rh[3] = 0;
        assert_eq!(final_destination(&rh, 0), None);
        assert_eq!(final_destination(&rh[..20], 0), None);
    }
}
