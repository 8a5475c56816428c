//! The frame layer (what the capture file says of the packet) and the driver that
//! builds one packet's whole tree.

use super::app::{Apps, Scope};
use super::{bits_text, comment_expert, l2, set, string_field, Detail, Kind, Node, Source};
use crate::capture::file::Interface;
use crate::capture::packet::PacketRow;
use crate::capture::tcp::bits;
use crate::capture::Capture;
use crate::ingest::wire::{self, linktype, Proto};
use crate::query::fields::{
    format_abs_time, format_rel_time, value_strings, Fid, FieldCtx, PacketSource,
};

/// What the frame layer shows beyond the packet's own row, and how much of the detail is built.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameInfo {
    /// Timestamp of the previous packet shown (`frame.time_delta_displayed`); None for
    /// the first.
    pub prev_displayed_ts: Option<i64>,
    /// Builds only what `frame.protocols` needs: the frame's layer holds that field alone
    /// and the layers below the application's are not shown (a filter on it reads the
    /// detail of every packet with a payload, and the lower layers' tree is most of the
    /// cost).
    pub protocols_only: bool,
    /// Builds only the layers that can hold the fields a reader asks for ([`Only`]);
    /// None builds them all.
    pub only: Option<Only>,
    /// Builds what expert items need: the frame's layer (which has none) holds only
    /// `frame.protocols`, and the links between an HTTP request and its response are not
    /// shown (a scan for the items builds the detail of every packet).
    pub experts_only: bool,
}

/// The layers below the application's whose fields are all in their own layer's node
/// (or in an ICMP error's quote, which is always built), but for Ethernet's trailer
/// fields, which packet-sll.c shows under a cooked capture's layer.
const PRUNED: [Proto; 5] = [Proto::Eth, Proto::Ip, Proto::Ipv6, Proto::Tcp, Proto::Udp];

/// The layers a detail built for the values of some fields of [`PRUNED`]'s protocols
/// needs: theirs, and those above the transport only when a field's conversations are
/// fed (TCP's reassembly items are the application layers', [`Scope`]). A filter on
/// `tcp.completeness` then builds neither the frame's, Ethernet's and IP's trees nor the
/// application's: most of the cost of a packet's detail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Only {
    /// A bit per protocol of [`PRUNED`] whose layers are built.
    lower: u8,
    /// What of the application layers (and those of the protocols named by port) is built.
    apps: AppLayers,
    /// A bit per part of TCP's layer ([`TcpPart`]) built beside its header's fields.
    tcp: u8,
    /// The stack's `data` layers are built (a fragment's payload, an unknown EtherType's):
    /// `data` is asked for, which no other layer below the application's holds but an
    /// echo's ICMP.
    data: bool,
}

/// How much of the application layers a detail built for some fields holds; a field
/// that needs more widens it (the greater wins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AppLayers {
    /// None: no field asked for is in them.
    #[default]
    None,
    /// TCP's reassembly items alone (`tcp.segments` and what is under it), of the
    /// conversations whose PDUs only the application's parser cuts: the PDUs' boundaries
    /// are found by feeding, and no PDU is dissected (a filter on `tcp.segment.count`
    /// spent most of its time building HTTP and memcached layers it never read).
    Segments,
    /// Every layer.
    All,
}

impl AppLayers {
    /// What the values of `field` need of the application layers.
    fn of(field: Fid, inner: bool) -> AppLayers {
        if Scope::of_field(field, inner) == Scope::NONE {
            AppLayers::None
        } else if matches!(
            field,
            Fid::D_tcp_segments
                | Fid::D_tcp_segment
                | Fid::D_tcp_segment_count
                | Fid::D_tcp_reassembled_length
        ) {
            AppLayers::Segments
        } else {
            AppLayers::All
        }
    }
}

/// The parts of TCP's layer a reader of some of its fields may go without, each the
/// subtree of the names it starts with (and the expert items under them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TcpPart {
    /// The flags (`tcp.flags.*`) and the connection's steps under them.
    Flags,
    /// The options.
    Options,
    /// `[Timestamps]`.
    Times,
    /// `tcp.analysis`.
    Analysis,
    /// The payload and a RST's cause.
    Payload,
}

impl TcpPart {
    const PREFIXES: [(&'static str, TcpPart); 8] = [
        ("tcp.flags", TcpPart::Flags),
        ("tcp.connection.", TcpPart::Flags),
        ("tcp.option", TcpPart::Options),
        ("tcp.nop", TcpPart::Options),
        ("tcp.time_", TcpPart::Times),
        ("tcp.analysis", TcpPart::Analysis),
        ("tcp.payload", TcpPart::Payload),
        ("tcp.reset_cause", TcpPart::Payload),
    ];

    /// The part a TCP field is in; None: the header's fields, always built.
    fn of(name: &str) -> Option<TcpPart> {
        TcpPart::PREFIXES
            .iter()
            .find(|(p, _)| name.starts_with(p))
            .map(|&(_, part)| part)
    }
}

impl Only {
    /// What the values of `fields` need, None when some field needs every layer;
    /// `inner` as [`Scope::of_field`] takes it.
    pub(crate) fn of(fields: &[Fid], inner: bool) -> Option<Only> {
        fields
            .iter()
            .try_fold(Only::default(), |o, &f| o.with(f, inner))
    }

    /// These layers and those `field` needs; None: every layer.
    pub(crate) fn with(self, field: Fid, inner: bool) -> Option<Only> {
        let name = field.name();
        let proto = name.split('.').next().unwrap_or(name);
        if proto == "data" {
            return Some(Only {
                apps: self.apps.max(AppLayers::of(field, inner)),
                data: true,
                ..self
            });
        }
        let i = PRUNED.iter().position(|p| p.name() == proto)?;
        let part = TcpPart::of(name).map_or(0, |p| 1 << p as u8);
        let apps = AppLayers::of(field, inner);
        // TCP's reassembly items are not in its layer: a layer of their own.
        let lower = match apps {
            AppLayers::Segments => self.lower,
            _ => self.lower | 1 << i,
        };
        Some(Only {
            lower,
            apps: self.apps.max(apps),
            tcp: self.tcp | part,
            ..self
        })
    }

    /// Whether `part` of TCP's layer is built (in a detail built for some fields only).
    pub(super) fn builds_tcp(only: Option<Only>, part: TcpPart) -> bool {
        only.is_none_or(|o| o.tcp & 1 << part as u8 != 0)
    }

    /// Whether a layer of `p` (not quoted by an ICMP error) is built.
    pub(super) fn builds(self, p: Proto) -> bool {
        let p = if p == Proto::Sll { Proto::Eth } else { p };
        matches!(p, Proto::Icmp | Proto::Icmpv6)
            || (p == Proto::Data && self.data)
            || PRUNED
                .iter()
                .position(|&q| q == p)
                .is_some_and(|i| self.lower & 1 << i != 0)
    }
}

/// Wireshark's encapsulation (`WTAP_ENCAP_*`) of a link type: number and name.
fn encap(lt: u16) -> (u32, &'static str) {
    match lt {
        linktype::ETHERNET => (1, "Ethernet"),
        linktype::PPP => (4, "PPP"),
        linktype::RAW | linktype::RAW_BSD | linktype::RAW_OPENBSD => (7, "Raw IP"),
        linktype::NULL => (15, "NULL/Loopback"),
        linktype::LINUX_SLL => (25, "Linux cooked-mode capture v1"),
        linktype::LOOP => (108, "OpenBSD loopback"),
        linktype::IPV4 => (129, "Raw IPv4"),
        linktype::IPV6 => (130, "Raw IPv6"),
        linktype::LINUX_SLL2 => (210, "Linux cooked-mode capture v2"),
        253 => (158, "Linux Netlink"),
        linktype::ARCNET_LINUX => (9, "Linux ARCNET"),
        linktype::USER2 => (47, "USER 2"),
        linktype::IPNET => (124, "Solaris IPNET"),
        linktype::NFLOG => (141, "NFLOG"),
        linktype::PKTAP => (171, "Apple PKTAP"),
        linktype::IPOIB => (180, "IP over IB"),
        // libpcap's FDDI, as wiretap reads it everywhere but Ultrix and Alpha.
        linktype::FDDI => (6, "FDDI with bit-swapped MAC addresses"),
        linktype::IEEE802_11 => (20, "IEEE 802.11 Wireless LAN"),
        linktype::IEEE802_11_RADIOTAP => (23, "IEEE 802.11 plus radiotap radio header"),
        linktype::PPI => (97, "Per-Packet Information header"),
        _ => (0, "Unknown"),
    }
}

fn bits_of(n: u64) -> String {
    format!("{n} bytes ({} bits)", n * 8)
}

/// The detail of packet `index`: its bytes are read through `ctx` from `src`; `apps`
/// holds the application-layer state of the packets before it (feed packets in order;
/// [`Apps::catch_up`] feeds the ones skipped).
pub fn detail(
    ctx: &mut FieldCtx<'_>,
    index: usize,
    src: &mut dyn PacketSource,
    apps: &mut Apps,
    info: FrameInfo,
) -> Detail {
    detail_reusing(ctx, index, src, apps, info, Vec::new())
}

/// [`detail`], with the frame's bytes copied into `spare`: the buffer of a detail let
/// go, so that a reader of every packet's fields does not allocate each frame anew.
pub fn detail_reusing(
    ctx: &mut FieldCtx<'_>,
    index: usize,
    src: &mut dyn PacketSource,
    apps: &mut Apps,
    info: FrameInfo,
    mut spare: Vec<u8>,
) -> Detail {
    let capture = ctx.capture();
    // The TCP fields need each conversation's first packets: those the detail gathered
    // for the capture, not a pass of the context's own.
    ctx.share_firsts(apps.index(capture).firsts());
    ctx.begin(index);
    // The context's reader decoded the row (a `Packets::at` decodes its block again).
    let row = *ctx.row();
    spare.clear();
    if ctx.load(src) {
        spare.extend_from_slice(ctx.packet_bytes().unwrap_or(&[]));
    }
    let bytes = spare;
    let lt = capture.linktype_of(&row);
    let mut d = Detail {
        number: index as u64 + 1,
        len: row.len,
        ts_ns: row.ts_ns,
        sources: vec![Source {
            name: format!("Frame ({} bytes)", bytes.len()),
            bytes: Vec::new(),
        }],
        layers: Vec::with_capacity(8),
    };
    let bare = info.protocols_only || info.experts_only || info.only.is_some();
    // No field a bare detail is built for is a comment's, but for a comment's expert
    // item (`_ws.expert`; the expert scan counts no Comment severity).
    let comments = if bare && !info.experts_only {
        None
    } else {
        comment_layer(capture, index)
    };
    let mut frame = if bare {
        // Bare: no room for the fields it goes without.
        Node {
            kind: Kind::Proto,
            name: "frame".into(),
            size: bytes.len() as u32,
            ..Node::default()
        }
    } else {
        let prev_ts = index
            .checked_sub(1)
            .and_then(|i| ctx.row_of(i))
            .map_or(row.ts_ns, |r| r.ts_ns);
        frame_layer(capture, index, &row, prev_ts, info, lt, bytes.len())
    };
    // One walk over the headers: the summary, and where each layer lies.
    let mut ls = wire::Layers::default();
    // The packet that completes a datagram is walked after its other fragments.
    let (summary, datagram) =
        match crate::query::fields::datagram::reassemble(capture, src, index, &bytes, &mut ls) {
            Some((s, g)) => {
                ctx.with_datagram(&bytes, &g.bytes, &ls);
                (s, Some(g))
            }
            None => (
                wire::dissect_layers(lt, &bytes, row.len as usize, &mut ls),
                None,
            ),
        };
    let mut protocols: Vec<&'static str> = summary.protocols().collect();
    // The datagram's bytes and the index of their source (the next one).
    let whole = datagram
        .as_ref()
        .map(|g| (&g.bytes[..], d.sources.len().min(u8::MAX as usize) as u8));
    if !info.protocols_only {
        let shown = datagram.as_ref().map(|g| {
            let v6 = ls
                .as_slice()
                .iter()
                .take_while(|l| !l.reassembled)
                .filter(|l| matches!(l.proto, Proto::Ip | Proto::Ipv6))
                .last()
                .is_some_and(|l| l.proto == Proto::Ipv6);
            let (source, tree) = super::frag::tree(g, v6, &mut d.sources);
            (&g.bytes[..], source, tree)
        });
        l2::layers(ctx, src, &bytes, lt, &ls, info.only, shown, &mut d.layers);
        if let Some(end) = capture.datagrams.reassembled_in(index as u64) {
            super::frag::reassembled_in(&ls, end + 1, &mut d.layers);
        }
        super::echo::reply(capture, index, &summary, &mut d.layers);
    }
    if let Some(only) = info.only {
        let done = match only.apps {
            // No layer above the transport's can hold the fields asked for.
            AppLayers::None => true,
            AppLayers::Segments => {
                apps.segments(capture, src, index, &row, &bytes, &summary, &mut d)
            }
            AppLayers::All => false,
        };
        if done {
            d.layers.insert(0, frame);
            d.sources[0].bytes = bytes;
            return d;
        }
    }
    let before = protocols.len();
    apps.packet(ctx, src, index, &bytes, &summary, &mut d, &mut protocols);
    // (No field a detail is built for alone is in the links.)
    if !info.protocols_only && !info.experts_only && info.only.is_none() {
        let shared = std::rc::Rc::clone(apps.index(capture));
        super::app::http::links::show(&shared, capture, index, &mut d.layers);
    }
    let app = capture
        .app_protos
        .get(row.flow as usize)
        .copied()
        .flatten()
        .is_some();
    // A retransmission in a conversation no parser of ours follows goes to no dissector
    // (ours hold its bytes themselves).
    let resent = !app && protocols.len() == before && {
        let r = retransmitted(capture, index, &summary);
        if let (Some(r), Some(tcp)) = (
            r.clone(),
            d.layers.iter_mut().rev().find(|n| n.name == "tcp"),
        ) {
            tcp.push(super::app::segment_data(&bytes, r, true));
        }
        r.is_some()
    };
    // SSH, FTP, SMTP, POP, IMAP and Telnet: protocols on their ports no parser of ours
    // reads.
    let lines = !resent
        && protocols.len() == before
        && (super::ssh::layers(ctx, src, index, &bytes, &summary, &mut d, &mut protocols)
            || super::lines::layers(ctx, src, index, &bytes, &summary, &mut d, &mut protocols));
    // A TCP or UDP payload no dissector here takes is Wireshark's `data`.
    let payload = !resent && summary.payload.is_some_and(|p| p.len > 0);
    if protocols.len() == before && !app {
        // The UDP protocols tshark names by port that no parser of ours reads. Without
        // a source: a TFTP transfer's packet does not name its request yet
        // (`tftp.request_frame` is not in the PDML golden's names).
        super::udpapp::layers(
            capture,
            index,
            &bytes,
            whole,
            &ls,
            None,
            &mut d,
            &mut protocols,
        );
    }
    if protocols.len() == before
        && !lines
        && !app
        && payload
        && matches!(protocols.last(), Some(&("tcp" | "udp")))
    {
        protocols.push("data");
        if !info.protocols_only {
            if let Some(p) = summary.payload {
                let (b, source) = match whole {
                    Some((b, s)) if p.reassembled => (b, s),
                    _ => (&bytes[..], 0),
                };
                let start = (p.offset as usize).min(b.len());
                let end = (start + p.len as usize).min(b.len());
                let mut n = super::data::layer(&b[start..end], start);
                n.set_source(source);
                d.layers.push(n);
            }
        }
    }
    // An echo's data, the last of the packet (the names here leave out the layers an
    // ICMP error quotes, and so the data of an echo it quotes).
    let ts_secs = row.ts_ns.div_euclid(1_000_000_000);
    if let Some(l) = ls
        .as_slice()
        .iter()
        .rev()
        .find(|l| matches!(l.proto, Proto::Icmp | Proto::Icmpv6))
        .filter(|l| !l.quoted)
    {
        let b = match whole {
            Some((b, _)) if l.reassembled => b,
            _ => &bytes[..],
        };
        if crate::query::fields::headers::echo_data(b, l, ts_secs).is_some() {
            protocols.push("data");
        }
    }
    if info.only.is_none() {
        let protos = protocols.join(":");
        frame.push(
            Node::field(
                "frame.protocols",
                format!("Protocols in frame: {protos}"),
                protos,
                0,
                0,
            )
            .gen(),
        );
    }
    d.layers.insert(0, frame);
    // packet-frame.c adds the comments' layer before the frame's.
    if let Some(c) = comments {
        d.layers.insert(0, c);
    }
    d.sources[0].bytes = bytes;
    d
}

/// The payload of TCP segment `index` (summary `summary`) when it is a retransmission
/// as packet-tcp.c's `desegment_tcp` finds it (`TCP_A_RETRANSMISSION`, not a fast or
/// spurious one): it shows the payload as "Retransmitted TCP segment data" and hands it
/// to no dissector. Only a payload captured whole (else TCP cannot desegment and its
/// `decode_tcp_ports` refuses a retransmission: nothing is shown), and not a reset's
/// (its bytes are the reset's cause).
fn retransmitted(
    capture: &Capture,
    index: usize,
    summary: &wire::Summary,
) -> Option<std::ops::Range<usize>> {
    let wire::Transport::Tcp(t) = summary.transport else {
        return None;
    };
    let p = summary.payload.filter(|p| !p.reassembled && p.len > 0)?;
    let flags = capture.tcp_flags_of(index)?.0;
    let whole = p.len == t.payload_len;
    (flags & bits::RETRANSMISSION != 0 && t.flags & wire::tcp_flags::RST == 0 && whole).then(|| {
        let start = p.offset as usize;
        start..start + p.len as usize
    })
}

/// The packet's comments (`pkt_comment`), each with its expert item; None without one.
fn comment_layer(capture: &Capture, index: usize) -> Option<Node> {
    let mut texts = capture.comments_of(index as u64).peekable();
    texts.peek()?;
    let mut layer = Node::proto("pkt_comment", "Packet comments", 0, 0);
    for text in texts {
        layer
            .push(Node::field("frame.comment", text, text, 0, 0))
            .push(comment_expert(text));
    }
    Some(layer)
}

fn frame_layer(
    capture: &Capture,
    index: usize,
    row: &PacketRow,
    prev_ts: i64,
    info: FrameInfo,
    lt: u16,
    caplen: usize,
) -> Node {
    let n = index as u64 + 1;
    let iface = capture.section_interface(row);
    let opts = capture.packet_options(index as u64);
    let mut showname = format!(
        "Frame {n}: {} on wire ({} bits), {} captured ({} bits)",
        bytes_word(row.len as u64),
        row.len as u64 * 8,
        bytes_word(caplen as u64),
        caplen as u64 * 8
    );
    let name = iface.map(|(_, _, i)| interface_name(i));
    if let (Some((_, id, _)), Some(name)) = (iface, &name) {
        showname.push_str(&format!(" on interface {name}, id {id}"));
    }
    match opts.flags.map(|f| f & 3) {
        Some(1) => showname.push_str(" (inbound)"),
        Some(2) => showname.push_str(" (outbound)"),
        _ => {}
    }
    let mut f = Node::proto("frame", showname, 0, caplen);
    if let (Some((section, id, i)), Some(name)) = (iface, name) {
        f.push(Node::field(
            "frame.section_number",
            format!("Section number: {}", section + 1),
            (section + 1).to_string(),
            0,
            0,
        ));
        let node = f.push(Node::field(
            "frame.interface_id",
            format!("Interface id: {id} ({name})"),
            id.to_string(),
            0,
            0,
        ));
        node.push(Node::field(
            "frame.interface_name",
            format!("Interface name: {name}"),
            name,
            0,
            0,
        ));
        if let Some(d) = &i.description {
            node.push(string_field(
                "frame.interface_description",
                "Interface description",
                d.clone(),
                0,
                0,
            ));
        }
    }
    if let Some(flags) = opts.flags {
        f.push(packet_flags(flags));
    }
    let (num, name) = encap(lt);
    f.push(Node::field(
        "frame.encap_type",
        format!("Encapsulation type: {name} ({num})"),
        num.to_string(),
        0,
        0,
    ));
    // packet-frame.c shows the times of a packet that has one only.
    if !opts.untimed {
        time_fields(&mut f, capture, row, prev_ts, info);
    }
    f.push(Node::field(
        "frame.number",
        format!("Frame Number: {n}"),
        n.to_string(),
        0,
        0,
    ));
    f.push(Node::field(
        "frame.len",
        format!("Frame Length: {}", bits_of(row.len as u64)),
        row.len.to_string(),
        0,
        0,
    ));
    f.push(Node::field(
        "frame.cap_len",
        format!("Capture Length: {}", bits_of(caplen as u64)),
        caplen.to_string(),
        0,
        0,
    ));
    if let Some(drops) = opts.drop_count {
        f.push(Node::field(
            "frame.drop_count",
            format!("Drop Count: {drops}"),
            drops.to_string(),
            0,
            0,
        ));
    }
    f.push(Node::field("frame.marked", "Frame is marked: False", "0", 0, 0).gen());
    f.push(Node::field("frame.ignored", "Frame is ignored: False", "0", 0, 0).gen());
    f
}

/// The frame's arrival time and the times counted from it.
fn time_fields(f: &mut Node, capture: &Capture, row: &PacketRow, prev_ts: i64, info: FrameInfo) {
    let mut t = String::new();
    format_abs_time(row.ts_ns, &mut t);
    f.push(Node::field(
        "frame.time",
        format!("Arrival Time: {t}"),
        t,
        0,
        0,
    ));
    f.push(
        Node::field(
            "frame.offset_shift",
            "Time shift for this packet: 0.000000000 seconds",
            "0.000000000",
            0,
            0,
        )
        .gen(),
    );
    let rel = |ns: i64| {
        let mut s = String::new();
        format_rel_time(ns, &mut s);
        s
    };
    let epoch = format!(
        "{}.{:09}",
        row.ts_ns.div_euclid(1_000_000_000),
        row.ts_ns.rem_euclid(1_000_000_000)
    );
    f.push(Node::field(
        "frame.time_epoch",
        format!("Epoch Time: {epoch} seconds"),
        epoch,
        0,
        0,
    ));
    let timed = |name: &'static str, label: &str, ns: i64| {
        let v = rel(ns);
        Node::field(name, format!("{label}: {v} seconds"), v, 0, 0).gen()
    };
    f.push(timed(
        "frame.time_delta",
        "Time delta from previous captured frame",
        row.ts_ns - prev_ts,
    ));
    f.push(timed(
        "frame.time_delta_displayed",
        "Time delta from previous displayed frame",
        row.ts_ns - info.prev_displayed_ts.unwrap_or(row.ts_ns),
    ));
    f.push(timed(
        "frame.time_relative",
        "Time since reference or first frame",
        row.ts_ns - capture.first_ts_ns(),
    ));
}

/// The name tshark 4.0 gives an interface (`epan_get_interface_name`): `if_name`, else
/// `if_description`, else `unknown`.
fn interface_name(i: &Interface) -> String {
    i.name
        .as_deref()
        .or(i.description.as_deref())
        .unwrap_or("unknown")
        .to_owned()
}

/// `frame.packet_flags` and its bits: the pcapng block's `epb_flags` word as
/// packet-frame.c shows it (`proto_tree_add_bitmask_list_value`, at no bytes).
fn packet_flags(flags: u32) -> Node {
    /// The link-layer error bits, the top byte's, lowest first.
    const ERRORS: [(&str, &str); 8] = [
        ("frame.packet_flags_crc_error", "CRC error"),
        (
            "frame.packet_flags_packet_too_error",
            "Packet too long error",
        ),
        (
            "frame.packet_flags_packet_too_short_error",
            "Packet too short error",
        ),
        (
            "frame.packet_flags_wrong_inter_frame_gap_error",
            "Wrong interframe gap error",
        ),
        (
            "frame.packet_flags_unaligned_frame_error",
            "Unaligned frame error",
        ),
        (
            "frame.packet_flags_start_frame_delimiter_error",
            "Start frame delimiter error",
        ),
        ("frame.packet_flags_preamble_error", "Preamble error"),
        ("frame.packet_flags_symbol_error", "Symbol error"),
    ];
    // A field's value by tshark's name for it.
    let named = |field: &str, value: u32| {
        value_strings::string_of(field, i64::from(value)).unwrap_or("Unknown")
    };
    let v = u64::from(flags);
    let mut n = Node::field(
        "frame.packet_flags",
        format!("Packet flags: 0x{flags:08x}"),
        format!("0x{flags:08x}"),
        0,
        0,
    );
    let dir = flags & 3;
    n.push(Node::field(
        "frame.packet_flags_direction",
        bits_text(
            v,
            0x3,
            32,
            format_args!(
                "Direction: {} (0x{dir:x})",
                named("frame.packet_flags_direction", dir)
            ),
        ),
        format!("0x{dir:08x}"),
        0,
        0,
    ));
    let rx = (flags >> 2) & 7;
    n.push(Node::field(
        "frame.packet_flags_reception_type",
        bits_text(
            v,
            0x1c,
            32,
            format_args!(
                "Reception type: {} ({rx})",
                named("frame.packet_flags_reception_type", rx)
            ),
        ),
        rx.to_string(),
        0,
        0,
    ));
    let fcs = (flags >> 5) & 0xf;
    n.push(Node::field(
        "frame.packet_flags_fcs_length",
        bits_text(v, 0x1e0, 32, format_args!("FCS length: {fcs}")),
        fcs.to_string(),
        0,
        0,
    ));
    let reserved = (flags >> 9) & 0x7f;
    n.push(Node::field(
        "frame.packet_flags_reserved",
        bits_text(v, 0xfe00, 32, format_args!("Reserved: {reserved}")),
        reserved.to_string(),
        0,
        0,
    ));
    for (bit, (name, label)) in ERRORS.iter().enumerate() {
        let mask = 1u64 << (24 + bit);
        let on = v & mask != 0;
        n.push(Node::field(
            *name,
            bits_text(v, mask, 32, format_args!("{label}: {}", set(on))),
            u8::from(on).to_string(),
            0,
            0,
        ));
    }
    n
}

/// `74 bytes`, `1 byte`.
fn bytes_word(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}
