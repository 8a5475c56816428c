//! DHCP and BOOTP (RFC 2131, RFC 951) as packet-dhcp.c shows them: the fixed header,
//! the magic cookie and the options (RFC 2132), the common ones decoded.
//!
//! packet-dhcp.c reads the options twice: first without a tree, for the message type
//! its item's text names (a read past the bytes there throws before any field is
//! added), then to add them.

use super::{ipv4, plain_hex, string_node, Payload, Stop};
use crate::capture::tcp::Severity;
use crate::query::detail::secs_words;
use crate::query::detail::{bits, colon_hex, expert, mac, Group, Node};

/// RFC 2131 §3: the options start with it.
const MAGIC: [u8; 4] = [0x63, 0x82, 0x53, 0x63];

/// Where the options start: past the fixed header and the cookie.
const OPTIONS: usize = 240;

/// What packet-dhcp.c reads before it adds its item, when the item is not added: the
/// opcode, hardware type and length, and a request's client address (for the Info
/// column). The exception that read throws.
pub(super) fn first_reads(p: Payload<'_>) -> Stop {
    let read = || -> Result<(), Stop> {
        let op = p.u8(0)?;
        let hlen = p.u8(2)?;
        if op == 1 {
            p.need(28 + usize::from(hlen))?;
        }
        Ok(())
    };
    read().err().unwrap_or(Stop::Malformed)
}

/// What the first pass over the options finds.
#[derive(Default)]
struct Scan {
    /// The message type (option 53).
    kind: Option<u8>,
    /// Option 52's value: the server name (2) and file (1) fields hold options too.
    overload: u8,
}

/// The first pass: the options' codes and lengths, and the values of those the
/// dissector keeps (53, 52, 60).
fn scan(p: Payload<'_>) -> Result<Scan, Stop> {
    let mut s = Scan::default();
    if p.b.get(236..OPTIONS) != Some(&MAGIC[..]) {
        // No cookie: the options would start past a BOOTP vendor area, which a
        // datagram this short lacks.
        return Ok(s);
    }
    let mut at = OPTIONS;
    while at < p.reported {
        match p.u8(at)? {
            0 => at += 1,
            255 => break,
            code => {
                if at + 1 >= p.reported {
                    break;
                }
                let len = usize::from(p.u8(at + 1)?);
                match code {
                    53 if s.kind.is_none() => s.kind = Some(p.u8(at + 2)?),
                    52 => s.overload = p.u8(at + 2)?,
                    60 => {
                        p.get(at + 2, len)?;
                    }
                    _ => {}
                }
                at += 2 + len;
            }
        }
    }
    Ok(s)
}

/// Adds the `dhcp` layer of payload `p` to `out`; the exception that stopped it, if
/// one did.
pub(super) fn dissect(p: Payload<'_>, out: &mut Vec<Node>) -> Result<(), Stop> {
    let mut title = "Dynamic Host Configuration Protocol".to_string();
    let scanned = scan(p);
    if let Ok(Scan { kind: Some(k), .. }) = scanned {
        title = format!("{title} ({})", kind_text(k));
    }
    out.push(Node::proto("dhcp", title, p.at, p.b.len()));
    let n = out.last_mut().expect("just pushed");
    let s = scanned?;
    fields(p, &s, n)
}

/// The message type as the protocol's and option 53's texts name it.
fn kind_text(k: u8) -> String {
    match kind_name(k) {
        Some(name) => name.to_string(),
        None => format!("Unknown Message Type (0x{k:02x})"),
    }
}

/// RFC 2132 §9.6, RFC 4388, RFC 6926, RFC 7724.
fn kind_name(k: u8) -> Option<&'static str> {
    Some(match k {
        1 => "Discover",
        2 => "Offer",
        3 => "Request",
        4 => "Decline",
        5 => "ACK",
        6 => "NAK",
        7 => "Release",
        8 => "Inform",
        9 => "Force Renew",
        10 => "Lease query",
        11 => "Lease Unassigned",
        12 => "Lease Unknown",
        13 => "Lease Active",
        14 => "Bulk Lease Query",
        15 => "Lease Query Done",
        16 => "Active LeaseQuery",
        17 => "Lease Query Status",
        18 => "TLS",
        _ => return None,
    })
}

/// ARP's hardware types (RFC 826, IANA), as packet-arp.c names them.
fn hw_type(t: u8) -> String {
    let name = match t {
        0 => "NET/ROM pseudo",
        1 => "Ethernet",
        2 => "Experimental Ethernet",
        3 => "AX.25",
        4 => "ProNET",
        5 => "Chaos",
        6 => "IEEE 802",
        7 => "ARCNET",
        8 => "Hyperchannel",
        9 => "Lanstar",
        10 => "Autonet Short Address",
        11 => "Localtalk",
        12 => "LocalNet",
        13 => "Ultra link",
        14 => "SMDS",
        15 => "Frame Relay DLCI",
        16 => "ATM",
        17 => "HDLC",
        18 => "Fibre Channel",
        19 => "ATM (RFC 2225)",
        20 => "Serial Line",
        21 => "ATM",
        22 => "MIL-STD-188-220",
        23 => "Metricom STRIP",
        24 => "IEEE 1394.1995",
        25 => "MAPOS",
        26 => "Twinaxial",
        27 => "EUI-64",
        28 => "HIPARP",
        29 => "IP and ARP over ISO 7816-3",
        30 => "ARPSec",
        31 => "IPsec tunnel",
        32 => "InfiniBand",
        33 => "TIA-102 Project 25 CAI",
        34 => "Wiegand Interface",
        35 => "Pure IP",
        36 => "Experimental 1",
        37 => "HFI",
        _ => return format!("Unknown (0x{t:02x})"),
    };
    format!("{name} (0x{t:02x})")
}

fn uint(name: &'static str, label: &str, v: u64, pos: usize, size: usize, b: &[u8]) -> Node {
    Node::field(name, format!("{label}: {v}"), v.to_string(), pos, size).hex(b)
}

fn ip_field(name: &'static str, label: &str, b: &[u8], pos: usize) -> Node {
    let a = ipv4(b);
    Node::field(name, format!("{label}: {a}"), a, pos, 4).hex(b)
}

/// A string field of the fixed header (`sname`, `file`): "not given" when it starts
/// with a NUL.
fn name_field(name: &'static str, label: &str, b: &[u8], pos: usize) -> Node {
    if b.first() == Some(&0) {
        return Node::field(name, format!("{label} not given"), "", pos, b.len()).hex(b);
    }
    string_node(name, label, b, pos, b.len())
}

/// The fixed header (RFC 2131 §2), the cookie and the options.
fn fields(p: Payload<'_>, s: &Scan, n: &mut Node) -> Result<(), Stop> {
    let at = p.at;
    let op = p.u8(0)?;
    let op_name = match op {
        1 => "Boot Request",
        2 => "Boot Reply",
        _ => "Unknown",
    };
    n.push(
        Node::field(
            "dhcp.type",
            format!("Message type: {op_name} ({op})"),
            op.to_string(),
            at,
            1,
        )
        .hex(&[op]),
    );
    let htype = p.u8(1)?;
    n.push(
        Node::field(
            "dhcp.hw.type",
            format!("Hardware type: {}", hw_type(htype)),
            format!("0x{htype:02x}"),
            at + 1,
            1,
        )
        .hex(&[htype]),
    );
    let hlen = p.u8(2)?;
    n.push(uint(
        "dhcp.hw.len",
        "Hardware address length",
        hlen.into(),
        at + 2,
        1,
        &[hlen],
    ));
    let hops = p.u8(3)?;
    n.push(uint("dhcp.hops", "Hops", hops.into(), at + 3, 1, &[hops]));
    let xid = p.u32(4)?;
    n.push(
        Node::field(
            "dhcp.id",
            format!("Transaction ID: 0x{xid:08x}"),
            format!("0x{xid:08x}"),
            at + 4,
            4,
        )
        .hex(p.get(4, 4)?),
    );
    // A value whose low byte is zero was written little-endian, packet-dhcp.c decides
    // (some clients do), and shows it so.
    let raw = p.u16(8)?;
    let secs = if raw & 0xff == 0 { raw >> 8 } else { raw };
    let secs_node = n.push(uint(
        "dhcp.secs",
        "Seconds elapsed",
        secs.into(),
        at + 8,
        2,
        p.get(8, 2)?,
    ));
    if secs != raw {
        secs_node.push(expert(
            "dhcp.secs_le",
            "Seconds elapsed appears to be encoded as little-endian",
            Severity::Note,
            Group::Protocol,
        ));
    }
    let flags = p.u16(10)?;
    let fb = p.get(10, 2)?;
    let bc = flags & 0x8000 != 0;
    let cast = if bc { "Broadcast" } else { "Unicast" };
    let text = if bc {
        format!("Bootp flags: 0x{flags:04x}, Broadcast flag ({cast})")
    } else {
        format!("Bootp flags: 0x{flags:04x} ({cast})")
    };
    let f = n.push(Node::field("dhcp.flags", text, format!("0x{flags:04x}"), at + 10, 2).hex(fb));
    f.push(
        Node::field(
            "dhcp.flags.bc",
            format!("{}Broadcast flag: {cast}", bits(flags.into(), 0x8000, 16)),
            if bc { "1" } else { "0" },
            at + 10,
            2,
        )
        .masked(u64::from(bc), fb),
    );
    let reserved = flags & 0x7fff;
    f.push(
        Node::field(
            "dhcp.flags.reserved",
            format!(
                "{}Reserved flags: 0x{reserved:04x}",
                bits(flags.into(), 0x7fff, 16)
            ),
            format!("0x{reserved:04x}"),
            at + 10,
            2,
        )
        .masked(reserved.into(), fb),
    );
    for (off, name, label) in [
        (12, "dhcp.ip.client", "Client IP address"),
        (16, "dhcp.ip.your", "Your (client) IP address"),
        (20, "dhcp.ip.server", "Next server IP address"),
        (24, "dhcp.ip.relay", "Relay agent IP address"),
    ] {
        n.push(ip_field(name, label, p.get(off, 4)?, at + off));
    }
    // The client's hardware address: 16 bytes, of which `hlen` are the address.
    let hl = usize::from(hlen);
    if hl == 0 || hl > 16 {
        p.need(44)?;
        let msg = "Client address not given";
        n.push(
            Node::text(msg, at + 28, 16)
                .hex(p.get(28, 16)?)
                .with(vec![expert(
                    "dhcp.client_address_not_given",
                    msg,
                    Severity::Note,
                    Group::Protocol,
                )]),
        );
    } else {
        if hl == 6 && matches!(htype, 1 | 6) {
            let m = p.get(28, 6)?;
            let s = mac(m);
            n.push(
                Node::field(
                    "dhcp.hw.mac_addr",
                    format!("Client MAC address: {s}"),
                    s,
                    at + 28,
                    6,
                )
                .hex(m),
            );
        } else {
            let a = p.get(28, 16)?;
            n.push(
                Node::field(
                    "dhcp.hw.addr",
                    format!("Client hardware address: {}", plain_hex(&a[..hl])),
                    colon_hex(a),
                    at + 28,
                    16,
                )
                .hex(a),
            );
        }
        if hl < 16 {
            let pad = p.get(28 + hl, 16 - hl)?;
            n.push(
                Node::field(
                    "dhcp.hw.addr_padding",
                    format!("Client hardware address padding: {}", plain_hex(pad)),
                    colon_hex(pad),
                    at + 28 + hl,
                    16 - hl,
                )
                .hex(pad),
            );
        }
    }
    // The name fields may hold options (RFC 2132 §9.3), shown inside option 52's item.
    for (bit, what, note, field, label, from, len) in NAME_AREAS {
        let b = p.get(from, len)?;
        if s.overload & bit != 0 {
            let msg = format!("{what} option overloaded by DHCP");
            let mut t = Node::text(msg.clone(), at + from, len);
            t.push(expert(note, &msg, Severity::Note, Group::Protocol));
            n.push(t);
        } else {
            n.push(name_field(field, label, b, at + from));
        }
    }
    if s.kind.is_none() {
        n.push(Node::field("dhcp.bootp", "Frame is BOOTP: True", "1", at, 0).hide());
    }
    if p.b.get(236..OPTIONS) != Some(&MAGIC[..]) {
        // A BOOTP vendor area of 64 bytes (RFC 1497), not dissected here.
        return p.need(300);
    }
    n.push(
        Node::field(
            "dhcp.cookie",
            "Magic cookie: DHCP",
            "99.130.83.99",
            at + 236,
            4,
        )
        .hex(&MAGIC),
    );
    options(p, n)
}

/// The fixed header's name fields, which option 52 may give to options: (its bit, the
/// text and field of packet-dhcp.c's note when it does, the field and label of the name
/// when not, offset, length).
type NameArea = (
    u8,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
    usize,
);
const NAME_AREAS: [NameArea; 2] = [
    (
        2,
        "Server name",
        "dhcp.server_name_overloaded_by_dhcp",
        "dhcp.server",
        "Server host name",
        44,
        64,
    ),
    (
        1,
        "Boot file name",
        "dhcp.boot_filename_overloaded_by_dhcp",
        "dhcp.file",
        "Boot file name",
        108,
        128,
    ),
];

/// Options RFC 2132 gives one kind of value, decoded as packet-dhcp.c shows them:
/// (code, kind, field, label).
const DECODED: &[(u8, Value, &str, &str)] = &[
    (1, Value::Ip, "dhcp.option.subnet_mask", "Subnet Mask"),
    (3, Value::Ips, "dhcp.option.router", "Router"),
    (4, Value::Ips, "dhcp.option.time_server", "Time Server"),
    (5, Value::Ips, "dhcp.option.name_server", "Name Server"),
    (
        6,
        Value::Ips,
        "dhcp.option.domain_name_server",
        "Domain Name Server",
    ),
    (7, Value::Ips, "dhcp.option.log_server", "Log Server"),
    (8, Value::Ips, "dhcp.option.quotes_server", "Quotes Server"),
    (9, Value::Ips, "dhcp.option.lpr_server", "LPR Server"),
    (
        10,
        Value::Ips,
        "dhcp.option.impress_server",
        "Impress Server",
    ),
    (
        11,
        Value::Ips,
        "dhcp.option.resource_location_server",
        "Resource Location Server",
    ),
    (12, Value::Str, "dhcp.option.hostname", "Host Name"),
    (
        13,
        Value::U16,
        "dhcp.option.boot_file_size",
        "Boot File Size",
    ),
    (
        14,
        Value::Str,
        "dhcp.option.merit_dump_file",
        "Merit Dump File",
    ),
    (15, Value::Str, "dhcp.option.domain_name", "Domain Name"),
    (16, Value::Ip, "dhcp.option.swap_server", "Swap Server"),
    (17, Value::Str, "dhcp.option.root_path", "Root Path"),
    (
        18,
        Value::Str,
        "dhcp.option.extension_path",
        "Extensions Path",
    ),
    (
        22,
        Value::U16,
        "dhcp.option.max_datagram_reassembly_size",
        "Maximum Datagram Reassembly Size",
    ),
    (
        23,
        Value::U8,
        "dhcp.option.default_ip_ttl",
        "Default IP Time-to-Live",
    ),
    (
        24,
        Value::Time,
        "dhcp.option.path_mtu_aging_timeout",
        "Path MTU Aging Timeout",
    ),
    (26, Value::U16, "dhcp.option.interface_mtu", "Interface MTU"),
    (
        28,
        Value::Ip,
        "dhcp.option.broadcast_address",
        "Broadcast Address",
    ),
    (
        32,
        Value::Ip,
        "dhcp.option.router_solicitation_address",
        "Router Solicitation Address",
    ),
    (
        35,
        Value::Time,
        "dhcp.option.arp_cache_timeout",
        "ARP Cache Timeout",
    ),
    (
        37,
        Value::U8,
        "dhcp.option.tcp_default_ttl",
        "TCP Default TTL",
    ),
    (
        38,
        Value::Time,
        "dhcp.option.tcp_keepalive_interval",
        "TCP Keepalive Interval",
    ),
    (
        40,
        Value::Str,
        "dhcp.option.nis_domain",
        "Network Information Service Domain",
    ),
    (
        41,
        Value::Ips,
        "dhcp.option.nis_server",
        "Network Information Service Server",
    ),
    (
        42,
        Value::Ips,
        "dhcp.option.ntp_server",
        "Network Time Protocol Server",
    ),
    (
        44,
        Value::Ips,
        "dhcp.option.netbios_over_tcpip_name_server",
        "NetBIOS over TCP/IP Name Server",
    ),
    (
        45,
        Value::Ips,
        "dhcp.option.netbios_over_tcpip_dd_name_server",
        "NetBIOS over TCP/IP Datagram Distribution Name Server",
    ),
    (
        47,
        Value::Str,
        "dhcp.option.netbios_over_tcpip_scope",
        "NetBIOS over TCP/IP Scope",
    ),
    (
        48,
        Value::Ips,
        "dhcp.option.xwindows_system_font_server",
        "X Window System Font Server",
    ),
    (
        49,
        Value::Ips,
        "dhcp.option.xwindows_system_display_manager",
        "X Window System Display Manager",
    ),
    (
        50,
        Value::Ip,
        "dhcp.option.requested_ip_address",
        "Requested IP Address",
    ),
    (
        51,
        Value::Time,
        "dhcp.option.ip_address_lease_time",
        "IP Address Lease Time",
    ),
    (
        54,
        Value::Ip,
        "dhcp.option.dhcp_server_id",
        "DHCP Server Identifier",
    ),
    (56, Value::Str, "dhcp.option.message", "Message"),
    (
        57,
        Value::U16,
        "dhcp.option.dhcp_max_message_size",
        "Maximum DHCP Message Size",
    ),
    (
        58,
        Value::Time,
        "dhcp.option.renewal_time_value",
        "Renewal Time Value",
    ),
    (
        59,
        Value::Time,
        "dhcp.option.rebinding_time_value",
        "Rebinding Time Value",
    ),
    (
        60,
        Value::Str,
        "dhcp.option.vendor_class_id",
        "Vendor class identifier",
    ),
    (
        64,
        Value::Str,
        "dhcp.option.nis_plus_domain",
        "Network Information Service+ Domain",
    ),
    (
        65,
        Value::Ips,
        "dhcp.option.nis_plus_server",
        "Network Information Service+ Server",
    ),
    (
        66,
        Value::Str,
        "dhcp.option.tftp_server_name",
        "TFTP Server Name",
    ),
    (67, Value::Str, "dhcp.option.bootfile_name", "Bootfile name"),
    (
        68,
        Value::Ips,
        "dhcp.option.mobile_ip_home_agent",
        "Mobile IP Home Agent",
    ),
    (69, Value::Ips, "dhcp.option.smtp_server", "SMTP Server"),
    (70, Value::Ips, "dhcp.option.pop3_server", "POP3 Server"),
    (71, Value::Ips, "dhcp.option.nntp_server", "NNTP Server"),
    (
        72,
        Value::Ips,
        "dhcp.option.default_www_server",
        "Default WWW Server",
    ),
    (
        73,
        Value::Ips,
        "dhcp.option.default_finger_server",
        "Default Finger Server",
    ),
    (
        74,
        Value::Ips,
        "dhcp.option.default_irc_server",
        "Default IRC Server",
    ),
    (
        75,
        Value::Ips,
        "dhcp.option.streettalk_server",
        "StreetTalk Server",
    ),
    (
        76,
        Value::Ips,
        "dhcp.option.streettalk_da_server",
        "StreetTalk Directory Assistance Server",
    ),
    (
        118,
        Value::Ips,
        "dhcp.option.subnet_selection_option",
        "Subnet Selection Option",
    ),
    (
        150,
        Value::Ips,
        "dhcp.option.tftp_server_address",
        "TFTP Server Address",
    ),
    (
        252,
        Value::Str,
        "dhcp.option.private_proxy_autodiscovery",
        "Private/Proxy autodiscovery",
    ),
];

/// The kind of an option's value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Value {
    /// One IPv4 address (4 bytes).
    Ip,
    /// IPv4 addresses (a multiple of 4 bytes).
    Ips,
    /// An ASCII string.
    Str,
    /// Seconds in 32 bits.
    Time,
    /// 16 bits.
    U16,
    /// 8 bits.
    U8,
}

/// Option names (IANA's BOOTP and DHCP parameters, as packet-dhcp.c words them).
const OPTION_NAMES: [&str; 256] = [
    "Padding",
    "Subnet Mask",
    "Time Offset",
    "Router",
    "Time Server",
    "Name Server",
    "Domain Name Server",
    "Log Server",
    "Quotes Server",
    "LPR Server",
    "Impress Server",
    "Resource Location Server",
    "Host Name",
    "Boot File Size",
    "Merit Dump File",
    "Domain Name",
    "Swap Server",
    "Root Path",
    "Extensions Path",
    "IP Forwarding",
    "Non-Local Source Routing",
    "Policy Filter",
    "Maximum Datagram Reassembly Size",
    "Default IP Time-to-Live",
    "Path MTU Aging Timeout",
    "Path MTU Plateau Table",
    "Interface MTU",
    "All Subnets are Local",
    "Broadcast Address",
    "Perform Mask Discovery",
    "Mask Supplier",
    "Perform Router Discover",
    "Router Solicitation Address",
    "Static Route",
    "Trailer Encapsulation",
    "ARP Cache Timeout",
    "Ethernet Encapsulation",
    "TCP Default TTL",
    "TCP Keepalive Interval",
    "TCP Keepalive Garbage",
    "Network Information Service Domain",
    "Network Information Service Servers",
    "Network Time Protocol Servers",
    "Vendor-Specific Information",
    "NetBIOS over TCP/IP Name Server",
    "NetBIOS over TCP/IP Datagram Distribution Name Server",
    "NetBIOS over TCP/IP Node Type",
    "NetBIOS over TCP/IP Scope",
    "X Window System Font Server",
    "X Window System Display Manager",
    "Requested IP Address",
    "IP Address Lease Time",
    "Option Overload",
    "DHCP Message Type",
    "DHCP Server Identifier",
    "Parameter Request List",
    "Message",
    "Maximum DHCP Message Size",
    "Renewal Time Value",
    "Rebinding Time Value",
    "Vendor class identifier",
    "Client identifier",
    "Novell/Netware IP domain",
    "Novell Options",
    "Network Information Service+ Domain",
    "Network Information Service+ Servers",
    "TFTP Server Name",
    "Bootfile name",
    "Mobile IP Home Agent",
    "SMTP Server",
    "POP3 Server",
    "NNTP Server",
    "Default WWW Server",
    "Default Finger Server",
    "Default IRC Server",
    "StreetTalk Server",
    "StreetTalk Directory Assistance Server",
    "User Class Information",
    "Directory Agent Information",
    "Service Location Agent Scope",
    "Rapid commit",
    "Client Fully Qualified Domain Name",
    "Agent Information Option",
    "iSNS",
    "Removed/Unassigned",
    "Novell Directory Services Servers",
    "Novell Directory Services Tree Name",
    "Novell Directory Services Context",
    "BCMCS Controller Domain Name [TODO:RFC4280]",
    "BCMCS Controller IPv4 address [TODO:RFC4280]",
    "Authentication",
    "Client last transaction time",
    "Associated IP option",
    "Client System Architecture",
    "Client Network Device Interface",
    "LDAP [TODO:RFC3679]",
    "Removed/Unassigned",
    "UUID/GUID-based Client Identifier",
    "Open Group's User Authentication [TODO:RFC2485]",
    "Civic Addresses Configuration",
    "PCode",
    "TCode",
    "Removed/unassigned",
    "Removed/unassigned",
    "Removed/unassigned",
    "Removed/unassigned",
    "Removed/unassigned",
    "Removed/unassigned",
    "IPv6-Only Preferred",
    "Unassigned",
    "Removed/Unassigned",
    "Unassigned",
    "NetInfo Parent Server Address",
    "NetInfo Parent Server Tag",
    "DHCP Captive-Portal",
    "Removed/Unassigned",
    "DHCP Auto-Configuration",
    "Name Service Search",
    "Subnet Selection Option",
    "Domain Search",
    "SIP Servers",
    "Classless Static Route",
    "CableLabs Client Configuration [TODO:RFC3495]",
    "Coordinate-based Location Configuration",
    "V-I Vendor Class",
    "V-I Vendor-specific Information",
    "Removed/Unassigned",
    "Removed/Unassigned",
    "DOCSIS full security server IP [TODO]",
    "PXE - undefined (vendor specific)",
    "PXE - undefined (vendor specific)",
    "PXE - undefined (vendor specific)",
    "PXE - undefined (vendor specific)",
    "PXE - undefined (vendor specific)",
    "PXE - undefined (vendor specific)",
    "PXE - undefined (vendor specific)",
    "PANA Authentication Agent",
    "LoST Server Domain Name",
    "CAPWAP Access Controllers",
    "IPv4 Address-MoS",
    "IPv4 FQDN-MoS",
    "SIP UA Configuration Domains",
    "IPv4 Address ANDSF",
    "Zerotouch Redirect [TODO: draft-ietf-netconf-zerotouch]",
    "Geospatial Location [TODO:RFC6225]",
    "Forcerenew Nonce Capable",
    "RDNSS Selection",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "TFTP Server Address",
    "Leasequery Status code",
    "Leasequery Base Time",
    "Leasequery Start Time of State",
    "Leasequery Query Start Time",
    "Leasequery Query End Time",
    "Leasequery Dhcp State",
    "Leasequery Data Source",
    "PCP Server",
    "Portparams",
    "Unassigned (ex DHCP Captive-Portal)",
    "Manufacturer Usage Description",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Etherboot",
    "IP Telephone",
    "Etherboot",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "PXELINUX Magic",
    "PXE Configuration file",
    "PXE Path Prefix",
    "Reboot Time",
    "6RD",
    "V4 Access Domain",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Unassigned",
    "Subnet Allocation",
    "Virtual Subnet Selection",
    "Unassigned",
    "Unassigned",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private/Avaya IP Telephone",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private",
    "Private/Classless Static Route (Microsoft)",
    "Private",
    "Private",
    "Private/Proxy autodiscovery",
    "Private",
    "Private",
    "End",
];
/// The options (RFC 2132 §2), from the cookie to the End option and the padding after
/// it.
fn options(p: Payload<'_>, n: &mut Node) -> Result<(), Stop> {
    let (at, end) = option_list(p, n, OPTIONS, p.reported)?;
    if !end {
        n.push(expert(
            "dhcp.end_option_missing",
            "End option missing",
            Severity::Error,
            Group::Protocol,
        ));
    }
    if end && at < p.reported {
        let pad = p.get(at, p.reported - at)?;
        n.push(
            Node::field(
                "dhcp.option.padding",
                format!("Padding: {}", plain_hex(pad)),
                colon_hex(pad),
                p.at + at,
                pad.len(),
            )
            .hex(pad),
        );
    }
    Ok(())
}

/// The options from `from` to `to` (the vendor area, or a name field option 52 gives
/// them), into `n`: where they stopped, and whether at an End option.
fn option_list(
    p: Payload<'_>,
    n: &mut Node,
    from: usize,
    to: usize,
) -> Result<(usize, bool), Stop> {
    let base = p.at;
    let mut at = from;
    let mut end = false;
    while at < to && !end {
        let code = p.u8(at)?;
        match code {
            0 => {
                // A run of Pad options is one item.
                let run = p.b[at..]
                    .iter()
                    .take(to - at)
                    .take_while(|&&c| c == 0)
                    .count();
                let pad = &p.b[at..at + run];
                let t = n.push(
                    Node::field("dhcp.option.type", "Option: (0) Padding", "0", base + at, 1)
                        .hex(&[0]),
                );
                t.push(
                    Node::field(
                        "dhcp.option.padding",
                        format!("Padding: {}", plain_hex(pad)),
                        colon_hex(pad),
                        base + at,
                        run,
                    )
                    .hex(pad),
                );
                at += run;
            }
            255 => {
                // packet-dhcp.c shows the End option's type as 0.
                let t = n.push(
                    Node::field("dhcp.option.type", "Option: (255) End", "0", base + at, 1)
                        .hex(&[255]),
                );
                t.push(
                    Node::field("dhcp.option.end", "Option End: 255", "255", base + at, 1)
                        .hex(&[255]),
                );
                at += 1;
                end = true;
            }
            _ => {
                let len = usize::from(p.u8(at + 1)?);
                let whole = p.get(at + 2, len);
                let value = whole.unwrap_or(&[]);
                let name = OPTION_NAMES[usize::from(code)];
                let suffix = match (code, value) {
                    (53, [k, ..]) => format!(" ({})", kind_text(*k)),
                    (1 | 16 | 28 | 32 | 50 | 54, [_, _, _, _]) => format!(" ({})", ipv4(value)),
                    _ => String::new(),
                };
                let captured = &p.b[at..(at + 2 + len).min(p.b.len())];
                let t = n.push(
                    Node::field(
                        "dhcp.option.type",
                        format!("Option: ({code}) {name}{suffix}"),
                        code.to_string(),
                        base + at,
                        2 + len,
                    )
                    .hex(captured),
                );
                t.push(uint(
                    "dhcp.option.length",
                    "Length",
                    len as u64,
                    base + at + 1,
                    1,
                    &[len as u8],
                ));
                let v = whole?;
                if v.is_empty() {
                    t.push(
                        Node::field(
                            "dhcp.option.value",
                            "Value: <MISSING>",
                            "",
                            base + at + 2,
                            0,
                        )
                        .none(),
                    );
                } else {
                    t.push(
                        Node::field(
                            "dhcp.option.value",
                            format!("Value: {}", plain_hex(v)),
                            colon_hex(v),
                            base + at + 2,
                            len,
                        )
                        .hex(v)
                        .hide(),
                    );
                }
                if code == 53 && v.is_empty() {
                    // The message type is read from the option's own bytes.
                    return Err(Stop::Malformed);
                }
                decode(code, v, base + at + 2, t);
                if code == 52 && from == OPTIONS {
                    overloaded(p, v, t)?;
                }
                at += 2 + len;
            }
        }
    }
    Ok((at, end))
}

/// Option 52 of the vendor area: the options of the name fields it names, each field's
/// in a tree of its own, with an error where no End option closes them.
fn overloaded(p: Payload<'_>, v: &[u8], t: &mut Node) -> Result<(), Stop> {
    let Some(&bits) = v.first() else {
        return Ok(());
    };
    for (bit, title, short, from, len) in [
        (2, "Server host name", "sname", 44, 64),
        (1, "Boot file name", "file", 108, 128),
    ] {
        if bits & bit == 0 {
            continue;
        }
        let mut o = Node::text(format!("{title} option overload"), p.at + from, len);
        let (_, end) = option_list(p, &mut o, from, from + len)?;
        if !end {
            o.push(expert(
                format!("dhcp.option.option_overload.{short}_end_missing"),
                &format!("{short} overload end option missing"),
                Severity::Error,
                Group::Protocol,
            ));
        }
        t.push(o);
    }
    Ok(())
}

/// The decoded items of option `code`'s value `v` (at `pos` in the frame).
fn decode(code: u8, v: &[u8], pos: usize, t: &mut Node) {
    match code {
        53 => {
            if let Some(&k) = v.first() {
                let name = kind_name(k).unwrap_or("Unknown");
                t.push(uint_named(
                    "dhcp.option.dhcp",
                    "DHCP",
                    name,
                    k.into(),
                    pos,
                    &v[..1],
                ));
            }
        }
        52 => {
            if let Some(&k) = v.first() {
                let name = match k {
                    1 => "Boot file name holds options",
                    2 => "Server host name holds options",
                    3 => "Boot file and server host names hold options",
                    _ => "Unknown",
                };
                t.push(uint_named(
                    "dhcp.option.option_overload",
                    "Option Overload",
                    name,
                    k.into(),
                    pos,
                    &v[..1],
                ));
            }
        }
        55 => {
            for (i, &c) in v.iter().enumerate() {
                t.push(
                    Node::field(
                        "dhcp.option.request_list_item",
                        format!(
                            "Parameter Request List Item: ({c}) {}",
                            OPTION_NAMES[usize::from(c)]
                        ),
                        c.to_string(),
                        pos + i,
                        1,
                    )
                    .hex(&[c]),
                );
            }
        }
        61 => {
            // RFC 2132 §9.14: a hardware type and address; RFC 4361's other forms are
            // not decoded here.
            if let [1, m @ ..] = v {
                if m.len() == 6 {
                    t.push(
                        Node::field(
                            "dhcp.hw.type",
                            format!("Hardware type: {}", hw_type(1)),
                            "0x01",
                            pos,
                            1,
                        )
                        .hex(&[1]),
                    );
                    let s = mac(m);
                    t.push(
                        Node::field(
                            "dhcp.hw.mac_addr",
                            format!("Client MAC address: {s}"),
                            s,
                            pos + 1,
                            6,
                        )
                        .hex(m),
                    );
                }
            }
        }
        _ => {
            let Some(&(_, kind, name, label)) = DECODED.iter().find(|d| d.0 == code) else {
                return;
            };
            match kind {
                Value::Ip if v.len() == 4 => {
                    t.push(ip_field(name, label, v, pos));
                }
                Value::Ips if v.len().is_multiple_of(4) => {
                    for (i, a) in v.chunks(4).enumerate() {
                        t.push(ip_field(name, label, a, pos + 4 * i));
                    }
                }
                Value::Str => {
                    t.push(string_node(name, label, v, pos, v.len()));
                }
                Value::Time if v.len() == 4 => {
                    let s = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                    let words = if s == u32::MAX {
                        "infinity".to_string()
                    } else {
                        secs_words(s)
                    };
                    t.push(
                        Node::field(
                            name,
                            format!("{label}: ({s}s) {words}"),
                            s.to_string(),
                            pos,
                            4,
                        )
                        .hex(v),
                    );
                }
                Value::U16 if v.len() == 2 => {
                    let x = u16::from_be_bytes([v[0], v[1]]);
                    t.push(uint(name, label, x.into(), pos, 2, v));
                }
                Value::U8 if v.len() == 1 => {
                    t.push(uint(name, label, v[0].into(), pos, 1, v));
                }
                // A length the option does not allow: packet-dhcp.c adds an expert
                // item only (the lengths 2 and 1 of U16 and U8 were never seen wrong).
                Value::Ip | Value::Time => {
                    t.push(bad_length("length isn't 4"));
                }
                Value::Ips => {
                    t.push(bad_length("Option length isn't a multiple of 4"));
                }
                _ => {}
            }
        }
    }
}

/// packet-dhcp.c's `ei_dhcp_bad_length` under an option whose value has a length its
/// type does not allow.
fn bad_length(msg: &str) -> Node {
    expert("dhcp.bad_length", msg, Severity::Error, Group::Protocol)
}

fn uint_named(name: &'static str, label: &str, vname: &str, v: u64, pos: usize, b: &[u8]) -> Node {
    Node::field(
        name,
        format!("{label}: {vname} ({v})"),
        v.to_string(),
        pos,
        b.len(),
    )
    .hex(b)
}
