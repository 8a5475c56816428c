//! Packet detail: the tree of layers and fields of one packet, as Wireshark shows it.
//!
//! Every node carries Wireshark's field name (`ip.ttl`, `tcp.flags.syn`,
//! `http.request.method`), the text Wireshark shows for it (its "showname",
//! `Time to Live: 64`), its value as a filter would compare it (`show`) and where its
//! bytes are (`pos` and `size` in one of the packet's byte sources: the frame, or a PDU
//! reassembled from several segments). The page renders the tree collapsibly and
//! highlights the bytes of a node; the CLI prints it as `tshark -V`, `-x` and
//! `-T pdml` do ([`text`], [`pdml`]).
//!
//! The link, network and transport layers are read at the offsets `wire` found; the
//! application layers (HTTP/1.x, DNS, memcached, Redis RESP, MySQL, the TLS handshake)
//! are dissected from the packet's payload, or from the PDU it completes, by [`app`];
//! SSH ([`ssh`]) and the line-based protocols FTP, SMTP, POP, IMAP and Telnet
//! ([`lines`]), which tshark names by port and no parser of ours reads, from the
//! decisions the rows and filters share (`fields::ssh`, `fields::tcpapps`).

mod app;
mod capture_hdr;
pub(crate) use app::http2::headers_of as http2_headers;
pub(crate) use app::memcache::opcode_name as memcache_opcode;
pub(crate) use app::tls::{
    alert_desc as tls_alert_desc, alert_level as tls_alert_level, message_name as tls_message_name,
};
mod data;
mod echo;
mod frag;
mod frame;
mod icmpv4;
mod icmpv6;
mod index;
mod l2;
mod l3;
mod l4;
mod lines;
mod llc;
mod manuf;
pub mod pdml;
mod reads;
mod ssh;
pub mod text;
mod tunnel;
mod udpapp;
pub(crate) use udpapp::{NTP_MODES, NTP_VERSIONS, SYSLOG_FACILITIES};
mod values;

use crate::capture::tcp::Severity;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

pub use frame::FrameInfo;
pub use index::{Gather, Index};
pub use reads::{Noting, Reads};
pub use values::DetailValues;

/// What a node is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A protocol (a layer): `<proto>` in PDML.
    Proto,
    /// A named field.
    #[default]
    Field,
    /// A line of text with no field name (`GET / HTTP/1.1\r\n`, `[Timestamps]`).
    Text,
}

/// One node of the tree.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Node {
    /// Proto, field or text.
    pub kind: Kind,
    /// Wireshark's filter name (`ip.ttl`); empty for a text item. Borrowed where it is
    /// a constant, as nearly all are (a copy each was a tenth of a tree's allocations).
    pub name: Cow<'static, str>,
    /// The text shown in the tree (`Time to Live: 64`).
    pub showname: String,
    /// The value as a display filter compares it (`64`; PDML's `show`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub show: String,
    /// PDML's `value`: the field's bytes in hex, or for a field under a bit mask the
    /// masked value in hex (its bytes are then [`Node::unmasked`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// PDML's `value` is the hex of the node's own bytes, written from its source when
    /// asked for ([`Node::value_hex`]) rather than kept: a payload's hex is most of a
    /// tree's text, and filters and the page never read it.
    #[serde(skip)]
    pub value_of_bytes: bool,
    /// `show` is the colon hex of the node's own bytes (a payload's), written from its
    /// source when asked for ([`Node::show_text`]): the longest text of a TCP or UDP
    /// packet's tree, which filters (they read the bytes) never read.
    #[serde(skip)]
    pub show_of_bytes: bool,
    /// PDML's `unmaskedvalue`: the bytes of a bit-mask field in hex.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unmasked: String,
    /// `unmasked` is the hex of the node's own bytes, written when PDML asks
    /// ([`Node::unmasked_hex`]): the headers' flags are many, and nothing else reads it.
    #[serde(skip)]
    pub unmasked_of_bytes: bool,
    /// Offset of the first byte in its source.
    pub pos: u32,
    /// Bytes it covers (0 for values Wireshark computes).
    pub size: u32,
    /// Index into [`Detail::sources`].
    pub source: u8,
    /// A value Wireshark computed rather than read (shown in brackets).
    pub generated: bool,
    /// Hidden in the tree (still there for filters and PDML).
    pub hidden: bool,
    /// Sub-nodes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

/// Bytes a node can point into: the frame, or a PDU reassembled from several segments.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Source {
    /// As Wireshark names it: `Frame (74 bytes)`, `Reassembled TCP (300244 bytes)`.
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The detail of one packet.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Detail {
    /// Frame number (1-based).
    pub number: u64,
    /// Length on the wire.
    pub len: u32,
    /// Timestamp, ns since the epoch.
    pub ts_ns: i64,
    /// Byte sources; the first is the frame.
    pub sources: Vec<Source>,
    /// The layers, outermost first (the frame first).
    pub layers: Vec<Node>,
}

impl Node {
    /// A protocol layer.
    pub fn proto(
        name: impl Into<Cow<'static, str>>,
        showname: impl Into<String>,
        pos: usize,
        size: usize,
    ) -> Node {
        Node {
            kind: Kind::Proto,
            name: name.into(),
            showname: label(showname.into()),
            pos: pos as u32,
            size: size as u32,
            // A layer has a dozen fields or more: room for them at once rather than
            // growing (and copying) 4, 8, 16.
            children: Vec::with_capacity(16),
            ..Node::default()
        }
    }

    /// A field with its shown text and value.
    pub fn field(
        name: impl Into<Cow<'static, str>>,
        showname: impl Into<String>,
        show: impl Into<String>,
        pos: usize,
        size: usize,
    ) -> Node {
        Node {
            kind: Kind::Field,
            name: name.into(),
            showname: label(showname.into()),
            show: show.into(),
            pos: pos as u32,
            size: size as u32,
            ..Node::default()
        }
    }

    /// A text item (a text too long for Wireshark's label is cut and marked
    /// ` [truncated]` in front).
    pub fn text(show: impl Into<String>, pos: usize, size: usize) -> Node {
        Node {
            kind: Kind::Text,
            showname: truncated(show.into()),
            pos: pos as u32,
            size: size as u32,
            ..Node::default()
        }
    }

    /// Marks it generated (computed, shown in brackets).
    pub fn gen(mut self) -> Node {
        self.generated = true;
        self
    }

    /// Marks it hidden.
    pub fn hide(mut self) -> Node {
        self.hidden = true;
        self
    }

    /// Places it in byte source `s`.
    pub fn src(mut self, s: u8) -> Node {
        self.source = s;
        self
    }

    /// Places it and its sub-nodes in byte source `s`.
    pub(crate) fn set_source(&mut self, s: u8) {
        self.source = s;
        for c in &mut self.children {
            c.set_source(s);
        }
    }

    /// Places it and its sub-nodes in byte source `s`, but those already placed in
    /// another (a TLS record's plaintext, a reassembled handshake message).
    pub(crate) fn fill_source(&mut self, s: u8) {
        if self.source == 0 {
            self.source = s;
        }
        for c in &mut self.children {
            c.fill_source(s);
        }
    }

    /// Adds a child.
    pub fn push(&mut self, n: Node) -> &mut Node {
        self.children.push(n);
        self.children.last_mut().expect("just pushed")
    }

    /// With these children.
    pub fn with(mut self, children: Vec<Node>) -> Node {
        self.children.extend(children);
        self
    }

    /// Sets `value` to the hex of `bytes`. Bytes as long as the node, which are its own,
    /// are not written out until PDML asks ([`Node::value_hex`]).
    pub fn hex(self, bytes: &[u8]) -> Node {
        self.hex_from(bytes, 17)
    }

    /// [`Node::hex`] for a field read where it lies in the frame (the link, network
    /// and transport headers): its bytes are its own at any length, so none is written
    /// out before PDML asks (the small fields of those headers are most of a tree's
    /// values). Not for a value read from other bytes than its source's (a decrypted
    /// record's).
    pub fn hex_own(self, bytes: &[u8]) -> Node {
        self.hex_from(bytes, 1)
    }

    /// Sets `value`, kept to be written when asked for from `min` bytes on.
    fn hex_from(mut self, bytes: &[u8], min: usize) -> Node {
        if bytes.len() >= min && bytes.len() == self.size as usize {
            self.value = None;
            self.value_of_bytes = true;
        } else {
            self.value = Some(hex(bytes));
        }
        self
    }

    /// The node's bytes in `d`'s sources (None where they lie outside them).
    pub fn bytes_in<'d>(&self, d: &'d Detail) -> Option<&'d [u8]> {
        let (pos, size) = (self.pos as usize, self.size as usize);
        d.sources
            .get(self.source as usize)?
            .bytes
            .get(pos..pos + size)
    }

    /// PDML's `value`: the one set, or the hex of the node's bytes in `d`'s sources.
    pub fn value_hex(&self, d: &Detail) -> Option<String> {
        if self.value.is_some() || !self.value_of_bytes {
            return self.value.clone();
        }
        Some(hex(self.bytes_in(d)?))
    }

    /// Sets `show` to `bytes` as Wireshark shows an `FT_BYTES` value ([`colon_hex`]).
    /// Bytes as long as the node, which are its own, are not written out until asked
    /// for ([`Node::show_text`]), as [`Node::hex`] does for `value`.
    pub fn show_bytes(mut self, bytes: &[u8]) -> Node {
        if bytes.len() > 16 && bytes.len() == self.size as usize {
            self.show.clear();
            self.show_of_bytes = true;
        } else {
            self.show = colon_hex(bytes);
        }
        self
    }

    /// PDML's `show`: the one set, or the colon hex of the node's bytes in `d`'s sources.
    pub fn show_text(&self, d: &Detail) -> Cow<'_, str> {
        if self.show_of_bytes {
            if let Some(b) = self.bytes_in(d) {
                return colon_hex(b).into();
            }
        }
        self.show.as_str().into()
    }

    /// An `FT_NONE` field: empty show and value.
    pub fn none(mut self) -> Node {
        self.show.clear();
        self.value = Some(String::new());
        self
    }

    /// Sets a bit-mask field's value (masked, `%X`) and its bytes.
    pub fn masked(mut self, v: u64, bytes: &[u8]) -> Node {
        self.value = Some(format!("{v:X}"));
        self.unmasked = hex(bytes);
        self
    }

    /// [`Node::masked`] for a field read where it lies in the frame (as
    /// [`Node::hex_own`]): the bytes' hex is written when PDML asks.
    pub fn masked_own(mut self, v: u64, bytes: &[u8]) -> Node {
        if bytes.is_empty() || bytes.len() != self.size as usize {
            return self.masked(v, bytes);
        }
        self.value = Some(format!("{v:X}"));
        self.unmasked.clear();
        self.unmasked_of_bytes = true;
        self
    }

    /// PDML's `unmaskedvalue`: the one set, or the hex of the node's bytes; None when
    /// it has none.
    pub fn unmasked_hex(&self, d: &Detail) -> Option<Cow<'_, str>> {
        if self.unmasked_of_bytes {
            return Some(hex(self.bytes_in(d)?).into());
        }
        (!self.unmasked.is_empty()).then_some(self.unmasked.as_str().into())
    }

    /// The first node of this name, depth first.
    pub fn find(&self, name: &str) -> Option<&Node> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

impl Detail {
    /// The first node of this name, depth first.
    pub fn find(&self, name: &str) -> Option<&Node> {
        self.layers.iter().find_map(|l| l.find(name))
    }

    /// The node a byte belongs to (the hex pane's click): the path of child indexes from
    /// [`Detail::layers`] to the smallest node covering byte `offset` of source `source`
    /// (the deeper, then the first, of equal ones). None when no node covers it.
    pub fn path_at(&self, source: u8, offset: u32) -> Option<Vec<usize>> {
        fn walk(
            nodes: &[Node],
            source: u8,
            offset: u32,
            path: &mut Vec<usize>,
            best: &mut Option<(u32, usize, Vec<usize>)>,
        ) {
            for (i, n) in nodes.iter().enumerate() {
                path.push(i);
                let covers =
                    n.source == source && n.size > 0 && offset >= n.pos && offset - n.pos < n.size;
                if covers {
                    let better = match best {
                        None => true,
                        Some((size, depth, _)) => {
                            n.size < *size || (n.size == *size && path.len() > *depth)
                        }
                    };
                    if better {
                        *best = Some((n.size, path.len(), path.clone()));
                    }
                }
                walk(&n.children, source, offset, path, best);
                path.pop();
            }
        }
        let mut best = None;
        walk(&self.layers, source, offset, &mut Vec::new(), &mut best);
        best.map(|b| b.2)
    }

    /// The node at a path of child indexes (from [`Detail::path_at`]).
    pub fn node(&self, path: &[usize]) -> Option<&Node> {
        let (&first, rest) = path.split_first()?;
        let mut n = self.layers.get(first)?;
        for &i in rest {
            n = n.children.get(i)?;
        }
        Some(n)
    }
}

/// Wireshark keeps at most 239 bytes of an item's text (`ITEM_LABEL_LENGTH` less its
/// terminating NUL).
const LABEL_MAX: usize = 239;

/// Cuts `s` to at most `max` bytes, at a character's boundary.
fn cut(s: &mut String, max: usize) {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
}

/// A whole text too long for Wireshark's label: marked ` [truncated]` in front and cut
/// at 238 bytes.
fn truncated(mut s: String) -> String {
    if s.len() > LABEL_MAX {
        s = format!(" [truncated]{s}");
        cut(&mut s, LABEL_MAX - 1);
    }
    s
}

/// An item's text as Wireshark's label keeps it.
fn label(mut s: String) -> String {
    cut(&mut s, LABEL_MAX);
    s
}

/// A string field: what does not fit Wireshark's label buffer is marked `[truncated]`
/// and cut at 238 bytes.
pub fn string_field(
    name: impl Into<Cow<'static, str>>,
    label: &str,
    value: String,
    pos: usize,
    size: usize,
) -> Node {
    let mut text = format!("{label}: {value}");
    if text.len() > LABEL_MAX {
        text = format!("{label} [truncated]: {value}");
        cut(&mut text, LABEL_MAX - 1);
    }
    Node::field(name, text, value, pos, size)
}

/// Lower-case hex of bytes (PDML's `value`). Payloads make most of a detail's text, so
/// this goes by table rather than through `fmt`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.extend_from_slice(&hex_pair(b));
    }
    String::from_utf8(s).unwrap_or_default()
}

/// Bytes as Wireshark's showname writes an `FT_BYTES` value: hex, the first 36 bytes
/// and `…` after.
pub fn shown_bytes(v: &[u8]) -> String {
    let mut s = hex(&v[..v.len().min(36)]);
    if v.len() > 36 {
        s.push('…');
    }
    s
}

/// Bytes as Wireshark shows an `FT_BYTES` value: hex pairs joined by `:`.
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = Vec::with_capacity(bytes.len() * 3);
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(b':');
        }
        s.extend_from_slice(&hex_pair(b));
    }
    String::from_utf8(s).unwrap_or_default()
}

/// The two lower-case hex digits of a byte.
fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]
}

/// Seconds as Wireshark's `unsigned_time_secs_to_str` words them: `1 day, 1 second`,
/// `52 minutes, 30 seconds`, `0 seconds`.
pub fn secs_words(s: u32) -> String {
    if s == 0 {
        return "0 seconds".into();
    }
    let parts = [
        (s / 86400, "day"),
        (s / 3600 % 24, "hour"),
        (s / 60 % 60, "minute"),
        (s % 60, "second"),
    ];
    let mut out = String::new();
    for (n, unit) in parts {
        if n == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{n} {unit}{}", if n == 1 { "" } else { "s" });
    }
    out
}

/// An expert item's group: the name Wireshark's tree shows and the value
/// `_ws.expert.group` compares (`PI_*` of epan/proto.h, names of expert.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// A checksum (`PI_CHECKSUM`).
    Checksum = 1,
    /// Sequence and acknowledgement numbers, a conversation's course (`PI_SEQUENCE`).
    Sequence,
    /// A response code (`PI_RESPONSE_CODE`).
    Response,
    /// A request code (`PI_REQUEST_CODE`).
    Request,
    /// Data not dissected (`PI_UNDECODED`).
    Undecoded,
    /// Reassembly (`PI_REASSEMBLE`).
    Reassemble,
    /// A malformed packet (`PI_MALFORMED`).
    Malformed,
    /// Dissector debugging (`PI_DEBUG`).
    Debug,
    /// A protocol's rules broken (`PI_PROTOCOL`).
    Protocol,
    /// Security (`PI_SECURITY`).
    Security,
    /// A packet comment (`PI_COMMENTS_GROUP`).
    Comment,
    /// Decryption (`PI_DECRYPTION`).
    Decryption,
    /// An assumption the dissector made (`PI_ASSUMPTION`).
    Assumption,
    /// A deprecated feature (`PI_DEPRECATED`).
    Deprecated,
}

impl Group {
    /// As the item's text names it (`Expert Info (Note/Sequence): …`).
    pub fn name(self) -> &'static str {
        match self {
            Group::Checksum => "Checksum",
            Group::Sequence => "Sequence",
            Group::Response => "Response",
            Group::Request => "Request",
            Group::Undecoded => "Undecoded",
            Group::Reassemble => "Reassemble",
            Group::Malformed => "Malformed",
            Group::Debug => "Debug",
            Group::Protocol => "Protocol",
            Group::Security => "Security",
            Group::Comment => "Comment",
            Group::Decryption => "Decryption",
            Group::Assumption => "Assumption",
            Group::Deprecated => "Deprecated",
        }
    }

    /// `_ws.expert.group`'s value (`PI_SEQUENCE` is 0x02000000).
    pub fn value(self) -> u32 {
        (self as u32) << 24
    }

    /// The group whose `_ws.expert.group` value is `v` (what an item's node keeps).
    pub fn of_value(v: u32) -> Option<Group> {
        const ALL: [Group; 14] = [
            Group::Checksum,
            Group::Sequence,
            Group::Response,
            Group::Request,
            Group::Undecoded,
            Group::Reassemble,
            Group::Malformed,
            Group::Debug,
            Group::Protocol,
            Group::Security,
            Group::Comment,
            Group::Decryption,
            Group::Assumption,
            Group::Deprecated,
        ];
        ALL.into_iter().find(|g| g.value() == v)
    }
}

/// `_ws.expert.severity`'s value of a severity (`PI_CHAT` is 0x00200000).
pub fn severity_value(s: Severity) -> u32 {
    match s {
        Severity::Chat => 0x0020_0000,
        Severity::Note => 0x0040_0000,
        Severity::Warning => 0x0060_0000,
        Severity::Error => 0x0080_0000,
    }
}

/// The severity whose `_ws.expert.severity` value is `v` ([`severity_value`]'s inverse).
pub fn severity_of_value(v: u32) -> Option<Severity> {
    [
        Severity::Chat,
        Severity::Note,
        Severity::Warning,
        Severity::Error,
    ]
    .into_iter()
    .find(|&s| severity_value(s) == v)
}

/// The layers' protocols by tshark's short names (`tshark -G protocols`), as `-z expert`
/// and the exception items name them.
const SHORT_NAMES: [(&str, &str); 45] = [
    ("frame", "Frame"),
    ("eth", "Ethernet"),
    ("sll", "SLL"),
    ("vlan", "VLAN"),
    ("arp", "ARP/RARP"),
    ("ip", "IPv4"),
    ("ipv6", "IPv6"),
    ("ipv6.hopopts", "IPv6 Hop-by-Hop"),
    ("ipv6.routing", "IPv6 Routing"),
    ("ipv6.dstopts", "IPv6 Destination"),
    ("ipv6.fraghdr", "IPv6 Fragment"),
    ("icmp", "ICMP"),
    ("icmpv6", "ICMPv6"),
    ("gre", "GRE"),
    ("vxlan", "VXLAN"),
    ("geneve", "Geneve"),
    ("sctp", "SCTP"),
    ("tcp", "TCP"),
    ("udp", "UDP"),
    ("http", "HTTP"),
    ("http2", "HTTP2"),
    ("grpc", "GRPC"),
    ("dns", "DNS"),
    ("mdns", "mDNS"),
    ("llmnr", "LLMNR"),
    ("dhcp", "DHCP/BOOTP"),
    ("ntp", "NTP"),
    ("syslog", "Syslog"),
    ("ssdp", "SSDP"),
    ("tftp", "TFTP"),
    ("memcache", "MEMCACHE"),
    ("quic", "QUIC"),
    ("tls", "TLS"),
    ("mysql", "MySQL"),
    ("pgsql", "PGSQL"),
    ("resp", "RESP"),
    ("ssh", "SSH"),
    ("ftp", "FTP"),
    ("smtp", "SMTP"),
    ("pop", "POP"),
    ("imap", "IMAP"),
    ("telnet", "TELNET"),
    ("json", "JSON"),
    ("xml", "XML"),
    ("data", "Data"),
];

/// A layer's protocol as tshark names it (empty for one not in [`SHORT_NAMES`]).
pub(crate) fn short_name(layer: &str) -> &'static str {
    SHORT_NAMES
        .iter()
        .find(|(l, _)| *l == layer)
        .map_or("", |(_, s)| s)
}

/// The short name `name` is, as a constant.
pub(crate) fn short_named(name: &str) -> Option<&'static str> {
    SHORT_NAMES
        .iter()
        .find(|(_, s)| *s == name)
        .map(|(_, s)| *s)
}

/// An expert item as Wireshark adds one: `_ws.expert` with the expert's field, its
/// message (hidden), severity and group. Its position is 0 (Wireshark's expert items
/// lie at no bytes; PDML then prints the parent's).
/// The message is cut as Wireshark formats it (into a label's 240 bytes).
pub fn expert(field: impl Into<Cow<'static, str>>, msg: &str, sev: Severity, group: Group) -> Node {
    graded_expert(field, msg, &sev.to_string(), severity_value(sev), group)
}

/// A packet comment's expert item (packet-frame.c's `frame.comment.expert`): of severity
/// Comment (`PI_COMMENT`, below Chat), which [`Severity`] leaves out: a `_ws.expert`
/// filter finds it, the expert scan (`query::expert`) does not count it.
pub fn comment_expert(msg: &str) -> Node {
    graded_expert(
        "frame.comment.expert",
        msg,
        "Comment",
        0x0010_0000,
        Group::Comment,
    )
}

/// [`expert`] of a severity given by its name and `_ws.expert.severity` value.
fn graded_expert(
    field: impl Into<Cow<'static, str>>,
    msg: &str,
    sev: &str,
    sev_value: u32,
    group: Group,
) -> Node {
    let msg = label(msg.to_string());
    let mut e = Node::field("_ws.expert", "", "", 0, 0).gen();
    e.showname = truncated(format!("Expert Info ({sev}/{}): {msg}", group.name()));
    e.push(Node::field(field, msg.clone(), "", 0, 0).none().gen());
    e.push(
        string_field("_ws.expert.message", "Message", msg, 0, 0)
            .gen()
            .hide(),
    );
    e.push(
        Node::field(
            "_ws.expert.severity",
            format!("Severity level: {sev}"),
            sev_value.to_string(),
            0,
            0,
        )
        .gen(),
    );
    e.push(
        Node::field(
            "_ws.expert.group",
            format!("Group: {}", group.name()),
            group.value().to_string(),
            0,
            0,
        )
        .gen(),
    );
    e
}

impl Node {
    /// Adds an expert item under this node ([`expert`]) and, after one of group Malformed,
    /// the hidden `_ws.malformed` protocol that expert.c adds beside every such item:
    /// `_ws.malformed` finds each packet with one. Every Malformed item goes through here.
    pub fn push_expert(
        &mut self,
        field: impl Into<Cow<'static, str>>,
        msg: &str,
        sev: Severity,
        group: Group,
    ) {
        self.push(expert(field, msg, sev, group));
        if group == Group::Malformed {
            self.push(Node {
                kind: Kind::Proto,
                name: Cow::Borrowed("_ws.malformed"),
                showname: "Malformed Packet".into(),
                hidden: true,
                ..Node::default()
            });
        }
    }
}

/// A MAC address as Wireshark shows it without name resolution.
pub fn mac(b: &[u8]) -> String {
    colon_hex(b)
}

/// The bit picture Wireshark puts before a bit-mask field's text: `.... 0101 = ` for
/// `mask` 0x0f of an 8-bit field whose value is `v` (the value before masking).
pub fn bits(v: u64, mask: u64, width: u32) -> String {
    let mut s = String::with_capacity(width as usize * 5 / 4 + 3);
    push_bits(&mut s, v, mask, width);
    s
}

/// A bit-mask field's text: its bit picture ([`bits`]) and then `rest`, written into
/// one string.
pub fn bits_text(v: u64, mask: u64, width: u32, rest: std::fmt::Arguments<'_>) -> String {
    let mut s = String::with_capacity(width as usize * 5 / 4 + 64);
    push_bits(&mut s, v, mask, width);
    let _ = s.write_fmt(rest);
    s
}

/// Appends [`bits`]'s picture to `s`.
fn push_bits(s: &mut String, v: u64, mask: u64, width: u32) {
    for i in (0..width).rev() {
        let bit = 1u64 << i;
        s.push(if mask & bit == 0 {
            '.'
        } else if v & bit != 0 {
            '1'
        } else {
            '0'
        });
        if i > 0 && i % 4 == 0 {
            s.push(' ');
        }
    }
    s.push_str(" = ");
}

/// `Set` / `Not set`, as Wireshark shows a boolean flag.
pub fn set(b: bool) -> &'static str {
    if b {
        "Set"
    } else {
        "Not set"
    }
}

/// Text as Wireshark 4.0's `format_text` shows it in a text item (a line of text): C's
/// escapes for `\a \b \f \n \r \t \v`, other ASCII control characters in octal
/// (`\030`), and U+FFFD for each byte sequence that is no UTF-8 character (a lead byte
/// with the continuation bytes that follow it, as far as they go).
pub(crate) fn format_text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            match c {
                0x20..=0x7e => out.push(c as char),
                0x07 => out.push_str("\\a"),
                0x08 => out.push_str("\\b"),
                0x0c => out.push_str("\\f"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                0x0b => out.push_str("\\v"),
                _ => {
                    let _ = write!(out, "\\{c:03o}");
                }
            }
            i += 1;
            continue;
        }
        let need = match c {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            // The 5- and 6-byte forms of the first UTF-8 (RFC 2279), never valid now:
            // one bad sequence with their continuation bytes.
            0xf8..=0xfb => 5,
            0xfc..=0xfd => 6,
            _ => 1,
        };
        let mut n = 1;
        while n < need && b.get(i + n).is_some_and(|&d| d & 0xc0 == 0x80) {
            n += 1;
        }
        match std::str::from_utf8(&b[i..i + n]) {
            Ok(ch) if n == need => out.push_str(ch),
            _ => out.push('\u{fffd}'),
        }
        i += n;
    }
    out
}

/// Bytes as an ASCII string field holds them (`ENC_ASCII`): up to the first NUL, each
/// byte past 0x7f as U+FFFD.
pub(crate) fn ascii_text(data: &[u8]) -> String {
    let text = data.split(|&c| c == 0).next().unwrap_or(&[]);
    text.iter()
        .map(|&c| if c.is_ascii() { c as char } else { '\u{fffd}' })
        .collect()
}

/// A string as tshark 4.0 shows it in a field's text: `\r`, `\n` and `\t` in C's
/// notation, other control characters as `\xN`, Unicode's format characters (which
/// g_unichar_isprint() refuses, as a zero-width space) as `\uXXXX`, invalid UTF-8 as
/// U+FFFD.
pub fn escape(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:x}", c as u32);
            }
            c if format_char(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Unicode's general category Cf (format characters), as Unicode 14 lists them.
fn format_char(c: char) -> bool {
    matches!(c as u32,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x13438 | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f)
}

pub use app::Apps;
pub(crate) use app::{fed_as, mysql_command, HeadSays, MysqlKind, Pdu, Scope};
pub use frame::detail;
pub(crate) use frame::detail_reusing;
pub(crate) use lines::{shown as line_shown, Shown as LineShown};

#[cfg(test)]
mod test {
    use super::*;
    use crate::query::fields::{FieldCtx, MemorySource};

    /// Expected values are tshark 4.0.17's (`-T pdml`) on the same capture.
    /// As tshark 4.0.17 shows a line of tests/data/servers/http.pcap's binary text body
    /// (frame 25): `e0 95` is one bad sequence, not two.
    #[test]
    fn text_as_format_text_shows_it() {
        assert_eq!(
            format_text(b"a\x07\x18\\\x89\xf4\\\xe5\xe0\x955\t\r\n\x7f\xc3\xa9"),
            "a\\a\\030\\\u{fffd}\u{fffd}\\\u{fffd}\u{fffd}5\\t\\r\\n\\177\u{e9}"
        );
        // `fb 99` and `fd bb 84`: old 5- and 6-byte leads with their continuations.
        assert_eq!(
            format_text(b"\xad\xfb\x99\xc2\xbf|\xfd\xbb\x84T"),
            "\u{fffd}\u{fffd}\u{bf}|\u{fffd}T"
        );
    }

    #[test]
    fn a_request_and_a_reassembled_response_of_a_real_capture() {
        let bytes = include_bytes!("../../../../tests/data/three_http_streams.pcap");
        let capture = crate::ingest::ingest_bytes("three_http_streams.pcap", bytes);
        let mut src = MemorySource {
            files: vec![&bytes[..]],
        };
        let mut ctx = FieldCtx::new(&capture);
        let mut apps = Apps::new();
        let info = FrameInfo::default();
        let d = detail(&mut ctx, 5, &mut src, &mut apps, info);
        assert_eq!(d.number, 6);
        let names: Vec<&str> = d.layers.iter().map(|l| l.name.as_ref()).collect();
        assert_eq!(names, ["frame", "eth", "ip", "tcp", "http"]);
        let ttl = d.find("ip.ttl").unwrap();
        assert_eq!(
            (ttl.showname.as_str(), ttl.pos, ttl.size),
            ("Time to Live: 64", 22, 1)
        );
        assert_eq!(
            d.find("tcp").unwrap().showname,
            "Transmission Control Protocol, Src Port: 54615, Dst Port: 80, Seq: 1, Ack: 1, Len: 377"
        );
        let m = d.find("http.request.method").unwrap();
        assert_eq!(
            (m.show.as_str(), m.pos, m.size, m.source),
            ("GET", 66, 3, 0)
        );
        assert_eq!(
            d.find("frame.protocols").unwrap().show,
            "eth:ethertype:ip:tcp:http"
        );
        // Frame 18 completes a response whose bytes came in frame 17 (an HTTP/1.0 body
        // that runs to the end of the stream): it points into a reassembled source.
        let d = detail(&mut ctx, 17, &mut src, &mut apps, info);
        assert_eq!(d.sources.len(), 2);
        assert_eq!(d.sources[1].name, "Reassembled TCP (384 bytes)");
        let seg = d.find("tcp.segments").unwrap();
        assert_eq!(
            seg.showname,
            "2 Reassembled TCP Segments (384 bytes): #17(384), #18(0)"
        );
        let code = d.find("http.response.code").unwrap();
        assert_eq!(
            (code.show.as_str(), code.pos, code.size, code.source),
            ("200", 9, 3, 1)
        );
        // The hex pane: the byte of the status code selects it, in the reassembled
        // source; a byte of the TTL selects the TTL.
        let at = |d: &Detail, src: u8, off: u32| {
            d.node(&d.path_at(src, off).unwrap()).unwrap().name.clone()
        };
        assert_eq!(at(&d, 1, 10), "http.response.code");
        assert_eq!(at(&d, 0, 22), "ip.ttl");
        assert_eq!(at(&d, 0, 12), "eth.type");
        // Asking for an earlier packet again starts the streams over.
        let d = detail(&mut ctx, 5, &mut src, &mut apps, info);
        assert!(d.find("http.request.method").is_some());
    }

    /// The page asks for packets in any order: each gives the tree it has in order.
    #[test]
    fn packets_asked_for_out_of_order_give_the_same_trees() {
        let files: [&[u8]; 4] = [
            include_bytes!("../../../../tests/data/servers/quic.pcap"),
            include_bytes!("../../../../tests/data/servers/mariadb.pcap"),
            include_bytes!("../../../../tests/data/resp/resp-fields.pcap"),
            include_bytes!("../../../../tests/data/three_http_streams.pcap"),
        ];
        for bytes in files {
            let capture = crate::ingest::ingest_bytes("order.pcap", bytes);
            let mut src = MemorySource { files: vec![bytes] };
            let n = capture.packets.len();
            let mut run = |order: &mut dyn Iterator<Item = usize>| {
                let mut ctx = FieldCtx::new(&capture);
                let mut apps = Apps::new();
                let mut out = vec![String::new(); n];
                for i in order {
                    let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                    pdml::packet(&mut out[i], &d);
                }
                out
            };
            let forward = run(&mut (0..n));
            let backward = run(&mut (0..n).rev());
            let jumping = run(&mut (0..n).map(|i| (i * 7) % n));
            assert!(forward.iter().any(|p| p.contains("<proto name=\"mysql\"")
                || p.contains("<proto name=\"tls\"")
                || p.contains("<proto name=\"resp\"")
                || p.contains("<proto name=\"http\"")));
            for i in 0..n {
                assert_eq!(forward[i], backward[i], "packet {} backward", i + 1);
                if !n.is_multiple_of(7) {
                    assert_eq!(forward[i], jumping[i], "packet {} jumping", i + 1);
                }
            }
        }
    }

    #[test]
    fn bit_pictures_and_escapes_are_wiresharks() {
        assert_eq!(bits(0x45, 0xf0, 8), "0100 .... = ");
        assert_eq!(bits(0x4000, 0x1fff, 16), "...0 0000 0000 0000 = ");
        assert_eq!(
            escape(b"GET / HTTP/1.1\r\n\x07"),
            "GET / HTTP/1.1\\r\\n\\x7"
        );
        let long = "x".repeat(300);
        assert_eq!(Node::field("f", long.clone(), "", 0, 0).showname.len(), 239);
        let s = string_field("http.request.uri", "Request URI", long.clone(), 0, 300);
        assert!(s.showname.starts_with("Request URI [truncated]: xxx"));
        assert_eq!(s.showname.len(), 238);
        let t = Node::text(long, 0, 300);
        assert!(t.showname.starts_with(" [truncated]xxx"));
        assert_eq!(t.showname.len(), 238);
    }
}

#[cfg(test)]
mod hostile {
    //! No input panics: every packet of real captures, cut short at every length and
    //! with bytes changed, still gives a tree.
    use super::*;
    use crate::capture::packet::PacketRow;
    use crate::query::fields::{FieldCtx, PacketSource};

    /// Serves each packet's bytes cut at `cut`, with up to `rounds - 1` bytes after the
    /// first `keep` changed (chosen by `seed`).
    pub(super) struct Mangled<'a> {
        pub(super) file: &'a [u8],
        pub(super) cut: usize,
        pub(super) seed: u64,
        pub(super) keep: usize,
        pub(super) rounds: u64,
    }

    impl PacketSource for Mangled<'_> {
        fn read(&mut self, _: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
            let start = row.offset as usize;
            let Some(b) = self.file.get(start..start + row.caplen as usize) else {
                return false;
            };
            buf.clear();
            buf.extend_from_slice(&b[..self.cut.min(b.len())]);
            // A few bytes changed, chosen by a small LCG.
            let mut x = self.seed;
            for _ in 0..(self.seed % self.rounds) {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if buf.len() > self.keep {
                    let i = self.keep + (x >> 33) as usize % (buf.len() - self.keep);
                    buf[i] ^= (x >> 13) as u8 | 1;
                }
            }
            true
        }
    }

    #[test]
    fn cut_and_changed_packets_do_not_panic() {
        let files: [&[u8]; 8] = [
            include_bytes!("../../../../tests/data/servers/quic.pcap"),
            include_bytes!("../../../../tests/data/servers/quic-hello.pcap"),
            include_bytes!("../../../../tests/data/three_http_streams.pcap"),
            include_bytes!("../../../../tests/data/servers/dns.pcap"),
            include_bytes!("../../../../tests/data/servers/mariadb.pcap"),
            include_bytes!("../../../../tests/data/sll2.pcap"),
            include_bytes!("../../../../tests/data/resp/resp-fields.pcap"),
            include_bytes!("../../../../static/sample.pcapng"),
        ];
        for (k, bytes) in files.iter().enumerate() {
            let capture = crate::ingest::ingest_bytes("hostile.pcap", bytes);
            for i in 0..capture.packets.len() {
                let len = capture.packets.at(i).caplen as usize;
                for cut in (0..=len).step_by(1 + len / 12) {
                    for seed in 0..2u64 {
                        let mut src = Mangled {
                            file: bytes,
                            cut,
                            seed: seed * 7 + (k * 131 + i) as u64,
                            keep: 0,
                            rounds: 4,
                        };
                        let mut ctx = FieldCtx::new(&capture);
                        let mut apps = Apps::new();
                        let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                        let mut s = String::new();
                        pdml::packet(&mut s, &d);
                        text::tree(&mut s, &d);
                        text::hex_dump(&mut s, &d);
                    }
                }
            }
        }
    }
}
