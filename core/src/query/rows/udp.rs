//! Protocol and Info of the UDP application protocols tshark names by port and we do not
//! parse (`query::fields::udp` says which one a datagram goes to): worded as tshark 4.0's
//! dissectors word them.

use super::app;
use crate::query::detail::{NTP_MODES, NTP_VERSIONS, SYSLOG_FACILITIES};
use crate::query::fields::udp;
use std::fmt::Write;

/// tshark's Protocol and Info of a UDP payload on `ports`, the `payload` captured of
/// `reported` bytes; None when no protocol of `fields::udp` takes it (or mDNS and LLMNR,
/// whose rows come from the DNS parser's transactions).
pub(super) fn row(ports: [u16; 2], payload: &[u8], reported: usize) -> Option<(String, String)> {
    let name = udp::dissector(ports, payload)?;
    let cut = payload.len() < reported;
    let (protocol, mut info) = match name {
        // Too short for its first reads: the exception leaves the Info empty.
        "dhcp" => dhcp(payload, cut).unwrap_or_else(|| ("BOOTP".into(), String::new())),
        "ntp" => ("NTP".into(), ntp(payload)),
        "rip" => rip(payload)?,
        "dhcpv6" => ("DHCPv6".into(), dhcpv6(payload)?),
        "syslog" => ("Syslog".into(), syslog(payload)),
        "tftp" => ("TFTP".into(), tftp(payload)?),
        "sip" => ("SIP".into(), sip(payload)?),
        "snmp" => ("SNMP".into(), snmp(payload)?),
        "ssdp" => ("SSDP".into(), app::ssdp(payload)?),
        "nbdgm" => ("BROWSER".into(), browser(udp::browser(payload)?)?),
        "nbns" => ("NBNS".into(), nbns(payload)?),
        _ => return None,
    };
    let short = match name {
        "dhcp" => reported < 240,
        "ntp" => reported < 48,
        _ => false,
    };
    if cut && name == "dhcp" {
        info.push_str("[Packet size limited during capture]");
    } else if short {
        info.push_str("[Malformed Packet]");
    }
    Some((protocol, info))
}

/// The row of a datagram in a conversation a TFTP request claimed (the server's
/// answers from its new port, the client's to it).
pub(super) fn tftp_row(payload: &[u8]) -> Option<(String, String)> {
    if payload.is_empty() {
        return None;
    }
    Some(("TFTP".into(), tftp(payload)?))
}

/// packet-dhcp.c: `DHCP <type> - Transaction ID 0x…` when the options (RFC 2132 §9.6)
/// name a message type, else BOOTP's request or reply (RFC 951). `cut`: the capture
/// has fewer bytes than the datagram.
fn dhcp(b: &[u8], cut: bool) -> Option<(String, String)> {
    let (&op, &htype, &hlen) = (b.first()?, b.get(1)?, b.get(2)?);
    let bootp = match op {
        1 => {
            let addr = b.get(28..28 + usize::from(hlen))?;
            let hex = hex_colons(addr);
            if matches!(htype, 1 | 6) && hlen == 6 {
                format!("Boot Request from {hex} ({hex})")
            } else {
                format!("Boot Request from {hex}")
            }
        }
        2 => "Boot Reply".into(),
        _ => format!("Unknown BOOTP message type ({op})"),
    };
    let xid = b
        .get(4..8)
        .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]));
    // The options after the magic cookie, up to their end; a message type only counts
    // when they are read whole (reading past the captured bytes throws before the
    // dissector names the type).
    let mut kind = None;
    if b.get(236..240) == Some(&[0x63, 0x82, 0x53, 0x63][..]) {
        let mut at = 240;
        loop {
            match b.get(at) {
                None => {
                    if cut {
                        kind = None;
                    }
                    break;
                }
                Some(255) => break,
                Some(0) => at += 1,
                Some(&code) => {
                    let Some(&len) = b.get(at + 1) else {
                        kind = None;
                        break;
                    };
                    let value = b.get(at + 2..at + 2 + usize::from(len));
                    if value.is_none() {
                        kind = None;
                        break;
                    }
                    if code == 53 && len >= 1 {
                        kind = value.and_then(|v| v.first().copied());
                    }
                    at += 2 + usize::from(len);
                }
            }
        }
    }
    let Some(kind) = kind else {
        return Some(("BOOTP".into(), bootp));
    };
    const KINDS: [&str; 19] = [
        "",
        "Discover",
        "Offer",
        "Request",
        "Decline",
        "ACK",
        "NAK",
        "Release",
        "Inform",
        "Force Renew",
        "Lease query",
        "Lease Unassigned",
        "Lease Unknown",
        "Lease Active",
        "Bulk Lease Query",
        "Lease Query Done",
        "Active LeaseQuery",
        "Lease Query Status",
        "TLS",
    ];
    let name = KINDS
        .get(usize::from(kind))
        .filter(|n| !n.is_empty())
        .map_or_else(
            || format!("Unknown Message Type (0x{kind:02x})"),
            |n| (*n).to_string(),
        );
    Some((
        "DHCP".into(),
        format!("DHCP {name:<8} - Transaction ID 0x{:x}", xid?),
    ))
}

fn hex_colons(b: &[u8]) -> String {
    let mut s = String::new();
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// packet-ntp.c: the version and the mode (RFC 5905 §7.3).
fn ntp(b: &[u8]) -> String {
    let flags = b.first().copied().unwrap_or(0);
    format!(
        "{}, {}",
        NTP_VERSIONS[usize::from(flags >> 3 & 7)],
        NTP_MODES[usize::from(flags & 7)]
    )
}

/// packet-rip.c: `RIPv1` or `RIPv2` and the command (RFC 2453 §4).
fn rip(b: &[u8]) -> Option<(String, String)> {
    let (&command, &version) = (b.first()?, b.get(1)?);
    let protocol = match version {
        1 | 2 => format!("RIPv{version}"),
        _ => "RIP".into(),
    };
    let info = match command {
        1 => "Request".into(),
        2 => "Response".into(),
        3 => "Traceon".into(),
        4 => "Traceoff".into(),
        5 => "Vendor specific (Sun)".into(),
        _ => format!("Unknown command ({command})"),
    };
    Some((protocol, info))
}

/// packet-dhcpv6.c: the message type, the transaction ID and the client's DUID
/// (RFC 8415 §8, §21.2).
fn dhcpv6(b: &[u8]) -> Option<String> {
    const KINDS: [&str; 14] = [
        "",
        "Solicit",
        "Advertise",
        "Request",
        "Confirm",
        "Renew",
        "Rebind",
        "Reply",
        "Release",
        "Decline",
        "Reconfigure",
        "Information-request",
        "Relay-forw",
        "Relay-reply",
    ];
    let kind = *b.first()?;
    // Relayed messages carry another message inside: left to the UDP row.
    let name = KINDS
        .get(usize::from(kind))
        .filter(|n| !n.is_empty() && kind < 12)?;
    let xid = b.get(1..4)?;
    let mut info = format!(
        "{name} XID: 0x{:x} ",
        u32::from_be_bytes([0, xid[0], xid[1], xid[2]])
    );
    let mut at = 4;
    while let Some(h) = b.get(at..at + 4) {
        let (code, len) = (
            u16::from_be_bytes([h[0], h[1]]),
            usize::from(u16::from_be_bytes([h[2], h[3]])),
        );
        let value = b.get(at + 4..at + 4 + len)?;
        if code == 1 {
            info.push_str("CID: ");
            for x in value {
                let _ = write!(info, "{x:02x}");
            }
            info.push(' ');
        }
        at += 4 + len;
    }
    Some(info)
}

/// packet-syslog.c: `FACILITY.LEVEL: message` when the message starts with a priority
/// (RFC 5424 §6.2.1), else the message.
fn syslog(b: &[u8]) -> String {
    const LEVELS: [&str; 8] = [
        "EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG",
    ];
    let priority = b.strip_prefix(b"<").and_then(|rest| {
        let end = rest.iter().take(4).position(|&c| c == b'>')?;
        let digits = &rest[..end];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        Some((n, &rest[end + 1..]))
    });
    match priority {
        Some((n, msg)) if n / 8 < SYSLOG_FACILITIES.len() => {
            format!(
                "{}.{}: {}",
                SYSLOG_FACILITIES[n / 8],
                LEVELS[n % 8],
                app::text(msg)
            )
        }
        _ => app::text(b),
    }
}

/// packet-tftp.c: the opcode and what it names (RFC 1350 §5).
fn tftp(b: &[u8]) -> Option<String> {
    let op = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let rest = &b[2..];
    let strings = |r: &[u8]| {
        let mut parts = r.split(|&c| c == 0);
        let a = app::text(parts.next().unwrap_or(&[]));
        let m = app::text(parts.next().unwrap_or(&[]));
        (a, m)
    };
    Some(match op {
        1 | 2 => {
            let (file, mode) = strings(rest);
            let what = if op == 1 { "Read" } else { "Write" };
            format!("{what} Request, File: {file}, Transfer type: {mode}")
        }
        3 => {
            let block = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
            let last = if rest.len() - 2 < 512 { " (last)" } else { "" };
            format!("Data Packet, Block: {block}{last}")
        }
        4 => {
            let block = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
            format!("Acknowledgement, Block: {block}")
        }
        _ => return None,
    })
}

/// packet-sip.c: the request line's method and URI, or the status line's code and
/// phrase, each followed by ` | `.
fn sip(b: &[u8]) -> Option<String> {
    let end = b.windows(2).position(|w| w == b"\r\n").unwrap_or(b.len());
    let line = app::text(&b[..end]);
    Some(match line.strip_prefix("SIP/2.0 ") {
        // A final response names its request's method (its CSeq, RFC 3261 §20.16).
        Some(status) if status.as_bytes().first().is_some_and(|&c| c >= b'2') => {
            match cseq_method(b) {
                Some(m) => format!("Status: {status} ({m}) | "),
                None => format!("Status: {status} | "),
            }
        }
        Some(status) => format!("Status: {status} | "),
        None => {
            let (request, _version) = line.rsplit_once(' ')?;
            format!("Request: {request} | ")
        }
    })
}

/// packet-nbns.c's Info of a request (RFC 1002 §4.2): the opcode, then each question's
/// type and name (`Name query NB WPAD<00>`). Responses are left to the UDP row.
fn nbns(b: &[u8]) -> Option<String> {
    let flags = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
    let questions = u16::from_be_bytes([*b.get(4)?, *b.get(5)?]);
    if flags & 0x8000 != 0 || questions == 0 {
        return None;
    }
    let op = match flags >> 11 & 0xf {
        0 => "Name query",
        5 => "Registration",
        6 => "Release",
        8 => "Refresh",
        9 => "Refresh (altcode)",
        15 => "Multi-homed registration",
        _ => return None,
    };
    let mut info = op.to_string();
    let mut at = 12;
    for _ in 0..questions {
        // A first-level encoded name (RFC 1001 §14.1): 32 letters for 16 bytes, the
        // last the suffix; no scope.
        let (&32, encoded) = (b.get(at)?, b.get(at + 1..at + 33)?) else {
            return None;
        };
        if *b.get(at + 33)? != 0 {
            return None;
        }
        let mut name = [0u8; 16];
        for (i, pair) in encoded.chunks(2).enumerate() {
            let (hi, lo) = (pair[0].wrapping_sub(b'A'), pair[1].wrapping_sub(b'A'));
            if hi > 15 || lo > 15 {
                return None;
            }
            name[i] = hi << 4 | lo;
        }
        let ty = match u16::from_be_bytes([*b.get(at + 34)?, *b.get(at + 35)?]) {
            0x20 => "NB",
            0x21 => "NBSTAT",
            _ => return None,
        };
        let text = app::text(name[..15].trim_ascii_end());
        let _ = write!(info, " {ty} {text}<{:02x}>", name[15]);
        at += 38;
    }
    Some(info)
}

/// The method of a SIP message's CSeq header (`CSeq: 1 INVITE`).
fn cseq_method(b: &[u8]) -> Option<String> {
    for line in b.split(|&c| c == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        if line[..colon].trim_ascii().eq_ignore_ascii_case(b"CSeq") {
            let value = line[colon + 1..].trim_ascii();
            let method = value
                .split(|&c| c == b' ')
                .filter(|w| !w.is_empty())
                .nth(1)?;
            return Some(app::text(method));
        }
    }
    None
}

/// A BER element's tag, its contents and what follows it.
fn ber(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first & 0x80 == 0 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = rest.get(..n)?;
        let len = bytes.iter().fold(0usize, |a, &x| a << 8 | usize::from(x));
        (len, &rest[n..])
    };
    let body = rest.get(..len)?;
    Some((tag, body, &rest[len..]))
}

/// packet-snmp.c: the PDU's type and its variable bindings' names (RFC 3416 §3), of an
/// SNMPv1 or v2c message.
fn snmp(b: &[u8]) -> Option<String> {
    let (0x30, msg, _) = ber(b)? else {
        return None;
    };
    let (0x02, _version, rest) = ber(msg)? else {
        return None;
    };
    let (0x04, _community, rest) = ber(rest)? else {
        return None;
    };
    let (tag, pdu, _) = ber(rest)?;
    const PDUS: [&str; 9] = [
        "get-request",
        "get-next-request",
        "get-response",
        "set-request",
        "trap",
        "getBulkRequest",
        "informRequest",
        "snmpV2-trap",
        "report",
    ];
    // A v1 trap has its own layout.
    let name = PDUS
        .get(usize::from(tag.checked_sub(0xa0)?))
        .filter(|_| tag != 0xa4)?;
    let (_, _, rest) = ber(pdu)?; // request-id
    let (_, _, rest) = ber(rest)?; // error-status
    let (_, _, rest) = ber(rest)?; // error-index
    let (0x30, mut binds, _) = ber(rest)? else {
        return None;
    };
    let mut info = (*name).to_string();
    while !binds.is_empty() {
        let (0x30, bind, next) = ber(binds)? else {
            return None;
        };
        let (0x06, oid, _) = ber(bind)? else {
            return None;
        };
        info.push(' ');
        info.push_str(&oid_text(oid)?);
        binds = next;
    }
    Some(info)
}

/// An OID's dotted numbers (X.690 §8.19).
fn oid_text(b: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut n: u64 = 0;
    let mut first = true;
    for &x in b {
        n = n.checked_mul(128)? | u64::from(x & 0x7f);
        if x & 0x80 == 0 {
            if first {
                let (a, rest) = if n < 80 {
                    (n / 40, n % 40)
                } else {
                    (2, n - 80)
                };
                let _ = write!(out, "{a}.{rest}");
                first = false;
            } else {
                let _ = write!(out, ".{n}");
            }
            n = 0;
        }
    }
    (!first).then_some(out)
}

/// packet-smb-browse.c: the browser command, the name it announces and the server's
/// types (MS-BRWS §2.2).
fn browser(b: &[u8]) -> Option<String> {
    const COMMANDS: [&str; 16] = [
        "",
        "Host Announcement",
        "Request Announcement",
        "",
        "",
        "",
        "",
        "",
        "Browser Election Request",
        "Get Backup List Request",
        "Get Backup List Response",
        "Become Backup Browser",
        "Domain/Workgroup Announcement",
        "Master Announcement",
        "Reset Browser State Announcement",
        "Local Master Announcement",
    ];
    let command = *b.first()?;
    let name = COMMANDS
        .get(usize::from(command))
        .filter(|n| !n.is_empty())?;
    // The announcements: update count, periodicity, a 16-byte name, the OS version,
    // then the server type bits.
    if !matches!(command, 1 | 12 | 15) {
        return None;
    }
    let host = b.get(6..22)?;
    let host = &host[..host.iter().position(|&c| c == 0).unwrap_or(16)];
    let types = b.get(24..28)?;
    let types = u32::from_le_bytes([types[0], types[1], types[2], types[3]]);
    const TYPES: [(u32, &str); 25] = [
        (0, "Workstation"),
        (1, "Server"),
        (2, "SQL Server"),
        (3, "Domain Controller"),
        (4, "Backup Controller"),
        (5, "Time Source"),
        (6, "Apple Server"),
        (7, "Novell Server"),
        (8, "Domain Member Server"),
        (9, "Print Queue Server"),
        (10, "Dialin Server"),
        (11, "Xenix Server"),
        (12, "NT Workstation"),
        (13, "Windows for Workgroups"),
        (15, "NT Server"),
        (16, "Potential Browser"),
        (17, "Backup Browser"),
        (18, "Master Browser"),
        (19, "Domain Master Browser"),
        (20, "OSF"),
        (21, "VMS"),
        (22, "Windows 95 or above"),
        (23, "DFS server"),
        (30, "Local List Only"),
        (31, "Domain Enum"),
    ];
    let mut info = format!("{name} {}", app::text(host));
    for (bit, text) in TYPES {
        if types & 1 << bit != 0 {
            info.push_str(", ");
            info.push_str(text);
        }
    }
    Some(info)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn dhcp_names_its_message_type_or_stays_bootp() {
        let mut m = vec![1, 1, 6, 0, 0x12, 0x34, 0xab, 0xcd];
        m.resize(28, 0);
        m.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        m.resize(236, 0);
        let bootp = m.clone();
        m.extend_from_slice(&[0x63, 0x82, 0x53, 0x63, 53, 1, 2, 255]);
        assert_eq!(
            row([68, 67], &m, m.len()),
            Some((
                "DHCP".into(),
                "DHCP Offer    - Transaction ID 0x1234abcd".into()
            ))
        );
        assert_eq!(
            row([68, 67], &bootp, 300),
            Some((
                "BOOTP".into(),
                "Boot Request from 02:00:00:00:00:01 (02:00:00:00:00:01)[Packet size limited during capture]".into()
            ))
        );
    }

    #[test]
    fn the_others_as_tshark_words_them() {
        let ntp = [0x23u8; 48];
        assert_eq!(
            row([40000, 123], &ntp, 48).unwrap().1,
            "NTP Version 4, client"
        );
        assert_eq!(
            row([40000, 123], &[0x1b], 1).unwrap().1,
            "NTP Version 3, client[Malformed Packet]"
        );
        let log = b"<34>Oct 11 22:14:15 host su: failed";
        assert_eq!(
            row([40000, 514], log, log.len()).unwrap().1,
            "AUTH.CRIT: Oct 11 22:14:15 host su: failed"
        );
        let rrq = b"\x00\x01file.txt\x00octet\x00";
        assert_eq!(
            row([40000, 69], rrq, rrq.len()).unwrap().1,
            "Read Request, File: file.txt, Transfer type: octet"
        );
        let sip = b"INVITE sip:bob@example.com SIP/2.0\r\n\r\n";
        assert_eq!(
            row([5060, 5060], sip, sip.len()).unwrap().1,
            "Request: INVITE sip:bob@example.com | "
        );
        let get = b"\x30\x1e\x02\x01\x01\x04\x06public\xa0\x11\x02\x01\x01\x02\x01\x00\x02\x01\x00\x30\x06\x30\x04\x06\x02\x2b\x06";
        assert_eq!(
            row([40000, 161], get, get.len()).unwrap().1,
            "get-request 1.3.6"
        );
        // A NetBIOS name query for WPAD<00> (RFC 1002 §4.2.12).
        let mut query = vec![0x80, 0x0c, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 32];
        for c in b"WPAD           \0" {
            query.extend_from_slice(&[b'A' + (c >> 4), b'A' + (c & 15)]);
        }
        query.extend_from_slice(&[0, 0, 0x20, 0, 1]);
        assert_eq!(
            row([137, 137], &query, query.len()),
            Some(("NBNS".into(), "Name query NB WPAD<00>".into()))
        );
        // Ours on the lower port: no row of this module.
        assert_eq!(row([53, 123], &ntp, 48), None);
    }
}
