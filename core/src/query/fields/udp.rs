//! UDP's application protocols that tshark names by port and we do not parse (DHCP, NTP,
//! SNMP, SIP …; `ingest::app::udp_port_proto`): which one a datagram's payload goes to,
//! and whether that dissector adds its protocol's item, which a filter on the name finds.
//!
//! tshark's UDP dissector hands a payload that is not empty to the lower port's dissector
//! first, then to the higher one's when the first refuses it (`decode_udp_ports`).
//! Most of these take whatever comes; SSDP, SIP and SNMP look at the bytes first. What
//! no port takes goes to the heuristic dissectors, and SIP's finds its messages on any
//! port.
//! A dissector that reads a few bytes before it adds its item (DHCP's opcode and client
//! address, DNS's header for mDNS and LLMNR, RIP's command and version) adds none when
//! they are not there.

use super::Fid;
use crate::capture::{flow::L4, Capture};
use crate::ingest::app::{udp_ports, UdpPort};

/// The filter name of the protocol tshark dissects a UDP payload (captured bytes) as,
/// of those `udp_port_proto` names, by the datagram's ports.
pub(crate) fn dissector(ports: [u16; 2], payload: &[u8]) -> Option<&'static str> {
    if payload.is_empty() {
        // UDP hands an empty payload to no dissector.
        return None;
    }
    for p in udp_ports(ports) {
        match p {
            UdpPort::Ours => return None,
            UdpPort::Named(name) if accepts(name, payload) => return Some(name),
            UdpPort::Named(_) => {}
        }
    }
    // No port took it: the heuristic dissectors try it, SIP's among them (on by
    // default, `dissect_sip_heur`).
    sip_line(payload).then_some("sip")
}

/// Whether some UDP conversation of `capture` is on a port tshark hands to the
/// dissector of `name`.
pub(crate) fn may_carry(capture: &Capture, name: &str) -> bool {
    capture.conversations.iter().any(|c| {
        c.proto == L4::Udp
            && udp_ports([c.port_a, c.port_b]).any(|p| matches!(p, UdpPort::Named(n) if n == name))
    })
}

/// Whether no port of `ports` is one of a protocol tshark names ([`udp_ports`]) or of
/// ours: then only a heuristic (SIP's) can name the payload.
pub(crate) fn unclaimed_ports(ports: [u16; 2]) -> bool {
    udp_ports(ports).next().is_none()
}

/// Whether the dissector of `name` takes the payload rather than let the next port try.
fn accepts(name: &str, payload: &[u8]) -> bool {
    match name {
        // packet-ssdp.c is HTTP's parser: a request or status line.
        "ssdp" => ssdp_takes(payload),
        "sip" => sip_line(payload),
        "snmp" => snmp_header(payload),
        _ => true,
    }
}

/// Whether `name`'s dissector, given the payload, adds its protocol's item.
fn has_item(name: &str, payload: &[u8]) -> bool {
    match name {
        // packet-dhcp.c reads the opcode, hardware type and length, and for a request
        // the client's hardware address (at 28) for the Info column, first.
        "dhcp" => match payload {
            [1, _, hlen, ..] => payload.len() >= 28 + usize::from(*hlen),
            [_, _, _, ..] => true,
            _ => false,
        },
        // DNS's identification and flags.
        "mdns" | "llmnr" => payload.len() >= 4,
        // The command and version.
        "rip" => payload.len() >= 2,
        _ => true,
    }
}

/// The protocol field `field` names, among those of this module.
pub(crate) fn covers(field: Fid) -> Option<&'static str> {
    use Fid::*;
    Some(match field {
        Dhcp => "dhcp",
        Dhcpv6 => "dhcpv6",
        Tftp => "tftp",
        Ntp => "ntp",
        Nbdgm => "nbdgm",
        Browser => "browser",
        Snmp => "snmp",
        Syslog => "syslog",
        Rip => "rip",
        Ssdp => "ssdp",
        Sip => "sip",
        Mdns => "mdns",
        Llmnr => "llmnr",
        Nbns => "nbns",
        _ => return None,
    })
}

/// Whether a UDP payload on `ports` has the item of protocol `name` ([`covers`]).
pub(crate) fn present(name: &str, ports: [u16; 2], payload: &[u8]) -> bool {
    let Some(got) = dissector(ports, payload) else {
        return false;
    };
    if name == "browser" {
        return got == "nbdgm" && browser(payload).is_some();
    }
    got == name && has_item(name, payload)
}

/// Whether a conversation on these UDP ports can hold any protocol of this module: if
/// not, the index answers that none is there.
pub(crate) fn named_ports(ports: [u16; 2]) -> bool {
    udp_ports(ports).any(|p| matches!(p, UdpPort::Named(_)))
}

/// Whether packet-http.c, as SSDP, takes a datagram (the first of its conversation; a
/// later one after a message is taken as a continuation, which this does not follow):
/// its first line is a request or status line, ended or not, or looks like a header
/// line (printable, with a colon: it shows it so, with no Protocol or Info of its own).
fn ssdp_takes(b: &[u8]) -> bool {
    let end = b
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .unwrap_or(b.len());
    let line = &b[..end];
    let mut ended = line.to_vec();
    ended.extend_from_slice(b"\r\n");
    let header = line.contains(&b':')
        && line
            .iter()
            .all(|&c| c == b'\t' || (b' '..=b'~').contains(&c));
    header || ssdp_line(&ended).is_some()
}

/// An SSDP datagram's start line, when it has one: a request line (`NOTIFY * HTTP/1.1`,
/// `M-SEARCH * HTTP/1.1`) or a status line, ended by a line break; packet-http.c leaves
/// other bytes to UDP.
pub(crate) fn ssdp_line(b: &[u8]) -> Option<&[u8]> {
    let end = b.iter().position(|&c| c == b'\r' || c == b'\n')?;
    if b[end] == b'\r' && end + 1 >= b.len() {
        return None;
    }
    let line = &b[..end];
    let request = || {
        let mut words = line.split(|&c| c == b' ');
        let method = words.next()?;
        let (_uri, version) = (words.next()?, words.next()?);
        let token = !method.is_empty()
            && method
                .iter()
                .all(|&c| c.is_ascii_uppercase() || c == b'-' || c == b'_');
        (token && version.starts_with(b"HTTP/")).then_some(())
    };
    (line.starts_with(b"HTTP/") || request().is_some()).then_some(line)
}

/// packet-sip.c's test of a datagram on its port (`dissect_sip_common`): the first line
/// is a request line (`METHOD URI SIP/2.0`) or a status line (`SIP/2.0 NNN …`).
fn sip_line(b: &[u8]) -> bool {
    let end = b.windows(2).position(|w| w == b"\r\n").unwrap_or(b.len());
    let line = &b[..end];
    if let Some(rest) = line.strip_prefix(b"SIP/2.0 ") {
        return rest.len() >= 3
            && rest[..3].iter().all(u8::is_ascii_digit)
            && rest.get(3).is_none_or(|&c| c == b' ');
    }
    let mut parts = line.split(|&c| c == b' ');
    let method = parts.next().unwrap_or(&[]);
    let uri = parts.next().unwrap_or(&[]);
    let version = parts.next().unwrap_or(&[]);
    !method.is_empty()
        && method.iter().all(|c| c.is_ascii_graphic())
        && !uri.is_empty()
        && version == b"SIP/2.0"
        && parts.next().is_none()
}

/// packet-snmp.c's test before it takes a datagram: a BER SEQUENCE whose first element
/// is an INTEGER (the version; RFC 3416 §3, RFC 3412 §6).
fn snmp_header(b: &[u8]) -> bool {
    let Some((&0x30, rest)) = b.split_first() else {
        return false;
    };
    let Some(&first) = rest.first() else {
        return false;
    };
    // The length: short form, or long form with its count of octets.
    let skip = if first & 0x80 == 0 {
        1
    } else {
        1 + usize::from(first & 0x7f)
    };
    rest.get(skip) == Some(&0x02)
}

/// The browser protocol's command byte and the bytes from it, in a NetBIOS datagram
/// (RFC 1002 §4.4) that carries an SMB transaction to the `\MAILSLOT\BROWSE` or
/// `\MAILSLOT\LANMAN` mailslot (MS-BRWS §2.1).
pub(crate) fn browser(dgm: &[u8]) -> Option<&[u8]> {
    // Direct unique, direct group and broadcast datagrams carry user data.
    if !matches!(dgm.first(), Some(0x10..=0x12)) {
        return None;
    }
    // Header (14 bytes), then the source and destination names, each a length-prefixed
    // label list ending with a zero length.
    let mut at = 14;
    for _ in 0..2 {
        loop {
            let len = usize::from(*dgm.get(at)?);
            at += 1 + len;
            if len == 0 {
                break;
            }
            if len & 0xc0 != 0 {
                return None;
            }
        }
    }
    let smb = dgm.get(at..)?;
    // SMB header (MS-CIFS §2.2.3.1): the command at 4, the word count at 32; a
    // Transaction (0x25) request names its mailslot after its words and byte count.
    if smb.get(..4)? != b"\xffSMB" || *smb.get(4)? != 0x25 {
        return None;
    }
    let words = usize::from(*smb.get(32)?);
    // The data offset (from the SMB header) is word 12 of a Transaction request.
    let data_at = smb.get(33 + 24..33 + 26)?;
    let data_at = usize::from(u16::from_le_bytes([data_at[0], data_at[1]]));
    let name_at = 33 + 2 * words + 2;
    let name = smb.get(name_at..)?;
    let name = &name[..name.iter().position(|&c| c == 0)?];
    if !name.eq_ignore_ascii_case(b"\\MAILSLOT\\BROWSE")
        && !name.eq_ignore_ascii_case(b"\\MAILSLOT\\LANMAN")
    {
        return None;
    }
    smb.get(data_at..).filter(|d| !d.is_empty())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn lower_port_first_and_ours_win() {
        let ntp = [0x23u8; 48];
        assert_eq!(dissector([123, 40000], &ntp), Some("ntp"));
        assert_eq!(dissector([40000, 123], &[]), None);
        // DNS on 53 is lower: ours.
        assert_eq!(dissector([53, 123], &ntp), None);
        // 123 is lower than QUIC's 443.
        assert_eq!(dissector([443, 123], &ntp), Some("ntp"));
        // SSDP refuses what is no HTTP line, and SIP on the higher port is tried.
        let invite = b"INVITE bob SIP/2.0\r\nVia: x\r\n\r\n";
        assert_eq!(dissector([1900, 5060], invite), Some("sip"));
        // A URI's colon makes the line look like a header to SSDP, which takes it.
        let invite = b"INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n";
        assert_eq!(dissector([1900, 5060], invite), Some("ssdp"));
        assert_eq!(dissector([1900, 5060], b"hello\r\n"), None);
        // A first line that looks like a header is SSDP's, and so is a request line
        // with no line end; a line with neither is not.
        assert_eq!(dissector([1900, 40000], b"x y: z\r\n"), Some("ssdp"));
        assert_eq!(dissector([1900, 40000], b"NOTIFY * HTTP/1.1"), Some("ssdp"));
        assert_eq!(dissector([1900, 40000], b"\x01\x02:\r\n"), None);
        assert_eq!(
            dissector([1900, 40000], b"hello world\r\nfoo: bar\r\n"),
            None
        );
        assert_eq!(dissector([5060, 40000], b"SIP/2.0 200 OK\r\n"), Some("sip"));
        assert_eq!(dissector([5060, 40000], b"SIP/2.0 2x0 OK\r\n"), None);
        // SIP's heuristic on ports no dissector has, or whose dissector refused; not
        // past a port of ours.
        assert_eq!(
            dissector([40000, 40001], b"SIP/2.0 200 OK\r\n"),
            Some("sip")
        );
        assert_eq!(dissector([161, 40001], b"SIP/2.0 200 OK\r\n"), Some("sip"));
        assert_eq!(dissector([53, 40001], b"SIP/2.0 200 OK\r\n"), None);
        assert_eq!(dissector([40000, 40001], b"hello\r\n"), None);
        // SNMP: a SEQUENCE starting with the version.
        let get = b"\x30\x26\x02\x01\x01\x04\x06public";
        assert_eq!(dissector([161, 40000], get), Some("snmp"));
        assert_eq!(dissector([161, 40000], b"\x30\x26\x04\x01"), None);
        assert_eq!(
            dissector([162, 40000], b"\x30\x81\x90\x02\x01\x00"),
            Some("snmp")
        );
    }

    #[test]
    fn items_need_their_first_bytes() {
        let mut request = vec![1, 1, 6, 0];
        request.resize(33, 0);
        assert!(!present("dhcp", [67, 68], &request));
        request.push(0);
        assert!(present("dhcp", [67, 68], &request));
        assert!(present("dhcp", [67, 68], &[2, 1, 6]));
        assert!(!present("dhcp", [67, 68], &[2, 1]));
        assert!(present("ntp", [123, 123], &[1]));
        assert!(!present("mdns", [5353, 5353], &[0, 0, 0]));
        assert!(present("mdns", [5353, 5353], &[0, 0, 0, 0]));
        assert!(!present("dns", [5353, 5353], &[0, 0, 0, 0]));
        assert!(!present("rip", [520, 520], &[2]));
        assert!(present("rip", [520, 520], &[2, 2]));
    }
}
