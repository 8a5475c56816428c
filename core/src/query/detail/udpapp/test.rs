//! The UDP protocols' layers against tshark 4.0.17's PDML of the same packets
//! (tests/data/udp-detail.pcap, tests/scripts/make-udp-detail-capture.py), and input
//! cut or changed anywhere.

use super::*;
use crate::query::detail::hostile::Mangled;
use crate::query::detail::{detail, pdml, secs_words, text, Apps, FrameInfo};
use crate::query::fields::{FieldCtx, MemorySource};

const CAPTURE: &[u8] = include_bytes!("../../../../../tests/data/udp-detail.pcap");

/// The detail of frame `n` (1-based) of udp-detail.pcap.
fn frame(n: usize) -> Detail {
    let capture = crate::ingest::ingest_bytes("udp-detail.pcap", CAPTURE);
    let mut src = MemorySource {
        files: vec![CAPTURE],
    };
    let mut ctx = FieldCtx::new(&capture);
    let mut apps = Apps::new();
    detail(&mut ctx, n - 1, &mut src, &mut apps, FrameInfo::default())
}

/// (name, show, pos, size) of every node named `name`.
fn all(d: &Detail, name: &str) -> Vec<(String, u32, u32)> {
    fn walk(n: &Node, name: &str, out: &mut Vec<(String, u32, u32)>) {
        if n.name == name {
            out.push((n.show.clone(), n.pos, n.size));
        }
        for c in &n.children {
            walk(c, name, out);
        }
    }
    let mut out = Vec::new();
    for l in &d.layers {
        walk(l, name, &mut out);
    }
    out
}

fn shown(d: &Detail, name: &str) -> String {
    d.find(name).map(|n| n.showname.clone()).unwrap_or_default()
}

#[test]
fn a_dhcp_offer_has_tsharks_fields() {
    let d = frame(10);
    assert_eq!(
        d.find("frame.protocols").unwrap().show,
        "eth:ethertype:ip:udp:dhcp"
    );
    assert_eq!(
        shown(&d, "dhcp"),
        "Dynamic Host Configuration Protocol (Offer)"
    );
    assert_eq!(shown(&d, "dhcp.type"), "Message type: Boot Reply (2)");
    assert_eq!(shown(&d, "dhcp.id"), "Transaction ID: 0x00000007");
    assert_eq!(
        shown(&d, "dhcp.flags"),
        "Bootp flags: 0x8000, Broadcast flag (Broadcast)"
    );
    assert_eq!(all(&d, "dhcp.option.dhcp"), [("2".to_string(), 284, 1)]);
    assert_eq!(
        shown(&d, "dhcp.option.ip_address_lease_time"),
        "IP Address Lease Time: (86400s) 1 day"
    );
    assert_eq!(
        shown(&d, "dhcp.option.rebinding_time_value"),
        "Rebinding Time Value: (3150s) 52 minutes, 30 seconds"
    );
    let dns: Vec<String> = all(&d, "dhcp.option.domain_name_server")
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert_eq!(dns, ["10.0.0.53", "10.0.0.54"]);
    // The End option's type shows 0, as packet-dhcp.c adds it.
    let types = all(&d, "dhcp.option.type");
    assert_eq!(types.last().unwrap().0, "0");
    assert_eq!(types[1].0, "54");
    assert_eq!(
        d.find("dhcp.option.dhcp_server_id").unwrap().show,
        "10.0.0.1"
    );
    // The Ethernet client identifier names the hardware type and address again.
    assert_eq!(all(&d, "dhcp.hw.mac_addr").len(), 2);
    assert_eq!(
        shown(&d, "dhcp.option.vendor_class_id"),
        "Vendor class identifier: MSFT 5.0"
    );
}

#[test]
fn a_dhcp_request_names_its_options() {
    let d = frame(11);
    assert_eq!(d.find("dhcp.option.hostname").unwrap().show, "laptop-7");
    let items: Vec<String> = all(&d, "dhcp.option.request_list_item")
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert_eq!(items, ["1", "3", "6", "15", "119", "252", "0", "255"]);
    assert_eq!(
        d.find("dhcp.option.type").unwrap().showname,
        "Option: (53) DHCP Message Type (Request)"
    );
    // Zero bytes after End are padding.
    assert_eq!(all(&d, "dhcp.option.padding").len(), 1);
}

#[test]
fn dhcp_strings_and_odd_values_show_as_tshark_shows_them() {
    let d = frame(12);
    let h = d.find("dhcp.option.hostname").unwrap();
    assert_eq!(h.showname, "Host Name: a\\005b\\nc\u{fffd}d");
    assert_eq!(h.show, "a\u{5}b\nc\u{fffd}d");
    assert_eq!(
        shown(&d, "dhcp.option.ip_address_lease_time"),
        "IP Address Lease Time: (4294967295s) infinity"
    );
    // A subnet mask of 2 bytes, a router of 3: no value items.
    assert!(d.find("dhcp.option.subnet_mask").is_none());
    assert!(d.find("dhcp.option.router").is_none());
    // Option 53 with no bytes throws: the End option after it is never shown.
    assert_eq!(d.layers.last().unwrap().name, "_ws.malformed");
    assert_eq!(d.layers.last().unwrap().pos, 14);
    // A little-endian seconds field.
    assert_eq!(frame(18).find("dhcp.secs").unwrap().show, "26");
    assert_eq!(frame(19).find("dhcp.secs").unwrap().show, "6657");
}

#[test]
fn cut_and_short_dhcp_stops_where_tshark_stops() {
    // Cut by the snap length inside the options: the first pass throws before any
    // field is added.
    let d = frame(14);
    let dhcp = d.find("dhcp").unwrap();
    assert!(dhcp.children.is_empty());
    assert_eq!(d.layers.last().unwrap().name, "_ws.short");
    // Cut inside the header: the fields up to the cut.
    let d = frame(15);
    assert!(d.find("dhcp.hw.addr_padding").is_some());
    assert!(d.find("dhcp.server").is_none());
    assert_eq!(d.layers.last().unwrap().name, "_ws.short");
    // An option running past the datagram: its type and length, then malformed.
    let d = frame(7);
    assert_eq!(all(&d, "dhcp.option.type").len(), 2);
    assert!(d.find("dhcp.option.hostname").is_none());
    assert_eq!(d.layers.last().unwrap().name, "_ws.malformed");
    // No End option: no exception either.
    let d = frame(8);
    assert_eq!(d.layers.last().unwrap().name, "dhcp");
}

#[test]
fn ntp_headers_have_tsharks_fields() {
    let d = frame(21);
    assert_eq!(
        shown(&d, "ntp"),
        "Network Time Protocol (NTP Version 4, server)"
    );
    assert_eq!(
        d.find("frame.protocols").unwrap().show,
        "eth:ethertype:ip:udp:ntp"
    );
    assert_eq!(d.find("ntp.stratum").unwrap().show, "1");
    assert_eq!(
        shown(&d, "ntp.refid"),
        "Reference ID: Global Position System"
    );
    assert_eq!(
        shown(&d, "ntp.ppoll"),
        "Peer Polling Interval: 10 (1024 seconds)"
    );
    assert_eq!(
        shown(&d, "ntp.precision"),
        "Peer Clock Precision: 0.000000 seconds"
    );
    assert_eq!(
        shown(&d, "ntp.rootdispersion"),
        "Root Dispersion: 1.000015 seconds"
    );
    assert_eq!(
        d.find("ntp.xmt").unwrap().show,
        "Nov  5, 2023 05:12:19.500000000 UTC"
    );
    assert_eq!(
        shown(&d, "ntp.flags.li"),
        "00.. .... = Leap Indicator: no warning (0)"
    );
    // An unknown primary source, a kiss code at stratum 0, an address above.
    assert_eq!(
        shown(&frame(22), "ntp.refid"),
        "Reference ID: Unidentified reference source 'XY\u{fffd}Z'"
    );
    assert_eq!(
        shown(&frame(23), "ntp.refid"),
        "Reference ID: Unidentified reference source 'RATE'"
    );
    let d = frame(24);
    assert_eq!(shown(&d, "ntp.refid"), "Reference ID: 192.168.7.1");
    // Era 1 (from 2036), and seconds of zero.
    assert_eq!(
        d.find("ntp.reftime").unwrap().show,
        "Feb  7, 2036 18:41:17.999999999 UTC"
    );
    assert_eq!(d.find("ntp.xmt").unwrap().show, "NULL");
}

#[test]
fn ntp_key_ids_macs_and_modes() {
    assert_eq!(frame(26).find("ntp.keyid").unwrap().show, "00:00:00:08");
    assert!(frame(26).find("ntp.mac").is_none());
    assert_eq!(frame(27).find("ntp.mac").unwrap().size, 16);
    assert_eq!(frame(28).find("ntp.mac").unwrap().size, 20);
    // Extension fields are not dissected, nor a MAC after them.
    assert!(frame(29).find("ntp.keyid").is_none());
    // Control messages show their flags, private ones nothing.
    assert!(frame(30).find("ntp.flags").is_some());
    assert!(frame(30).find("ntp.stratum").is_none());
    assert!(frame(31).find("ntp").is_some());
    assert!(frame(31).find("ntp.flags").is_none());
    // Too short: malformed after what is whole; cut: short.
    let d = frame(34);
    assert!(d.find("ntp.reftime").is_some());
    assert!(d.find("ntp.org").is_none());
    assert_eq!(d.layers.last().unwrap().showname, "[Malformed Packet: NTP]");
    let d = frame(35);
    assert_eq!(
        d.layers.last().unwrap().showname,
        "[Packet size limited during capture: NTP truncated]"
    );
}

#[test]
fn syslog_messages_of_both_formats() {
    let d = frame(36);
    assert_eq!(
        d.find("frame.protocols").unwrap().show,
        "eth:ethertype:ip:udp:syslog"
    );
    assert_eq!(
        shown(&d, "syslog.facility"),
        "0000 1... = Facility: USER - random user-level messages (1)"
    );
    assert_eq!(d.find("syslog.level").unwrap().show, "6");
    assert!(d.find("syslog.msg").unwrap().show.ends_with("café"));
    // A leap second and an offset west of UTC.
    assert_eq!(
        d.find("syslog.timestamp").unwrap().show,
        "Dec  7, 2026 07:30:00.123456789 UTC"
    );
    assert_eq!(d.find("syslog.appname").unwrap().show, "app");
    assert_eq!(d.find("syslog.procid").unwrap().show, "4242");
    // The NIL timestamp is no time; a byte order mark makes the rest UTF-8.
    assert!(frame(37).find("syslog.timestamp").is_none());
    let d = frame(38);
    assert_eq!(d.find("syslog.msgid.bom").unwrap().show, "0xefbbbf");
    assert_eq!(
        shown(&d, "syslog"),
        "Syslog message: USER.INFO: 1 2026-12-06T01:02:03Z h a p \\uFEFFhello"
    );
    // RFC 3164: the tag's alphanumeric start.
    let d = frame(40);
    assert_eq!(
        d.find("syslog.timestamp_rfc3164").unwrap().show,
        "Dec  6 23:59:01"
    );
    assert_eq!(d.find("syslog.procid").unwrap().show, "dhclient");
    assert_eq!(
        d.find("syslog.msgid").unwrap().show,
        "[812]: bound to 10.0.0.7"
    );
    // A tag running to the end: read past the message.
    assert_eq!(frame(41).layers.last().unwrap().name, "_ws.malformed");
    assert!(frame(42).find("syslog.timestamp_rfc3164").is_none());
    // The priority's digits: at most three; none; no bracket; nothing after it.
    assert_eq!(frame(43).find("syslog.facility").unwrap().show, "124");
    assert_eq!(frame(44).find("syslog.facility").unwrap().show, "0");
    assert_eq!(frame(45).find("syslog.msg").unwrap().show, "hello");
    let d = frame(46);
    assert!(d.find("syslog").is_none());
    assert_eq!(
        d.layers.last().unwrap().showname,
        "[Malformed Packet: Syslog]"
    );
    assert_eq!(shown(&frame(47), "syslog.msg"), "Message: a\\001b\\tc\\177");
    assert_eq!(frame(48).layers.last().unwrap().name, "_ws.short");
}

#[test]
fn ssdp_shows_https_items_under_its_own() {
    // A notification: unknown headers, no request lines, http.notification.
    let d = frame(49);
    assert_eq!(
        d.find("frame.protocols").unwrap().show,
        "eth:ethertype:ip:udp:ssdp"
    );
    assert_eq!(shown(&d, "ssdp"), "Simple Service Discovery Protocol");
    assert_eq!(d.find("http.request.method").unwrap().show, "NOTIFY");
    assert_eq!(
        d.find("http.location").unwrap().show,
        "http://10.0.0.1:49152/d.xml"
    );
    assert!(d.find("http.request.line").is_none());
    assert!(d.find("http.request").is_none());
    assert_eq!(d.find("http.notification").unwrap().show, "1");
    let unknown = all(&d, "http.unknown_header");
    assert_eq!(unknown[0].0, "NT: upnp:rootdevice\\r\\n");
    // A search is a request, its answer a response.
    let d = frame(50);
    assert_eq!(d.find("http.request.method").unwrap().show, "M-SEARCH");
    assert!(d.find("http.request.line").is_some());
    assert_eq!(frame(51).find("http.response.code").unwrap().show, "200");
    // A first line that is no HTTP line but looks like a header: read as packet-http.c
    // reads a Continuation's lines (tshark 4.0: a well-named header's value is its text).
    let d = frame(52);
    assert_eq!(
        d.find("frame.protocols").unwrap().show,
        "eth:ethertype:ip:udp:ssdp"
    );
    assert_eq!(
        (d.find("ssdp").unwrap().pos, d.find("ssdp").unwrap().size),
        (42, 8)
    );
    assert_eq!(d.find("http.unknown_header").unwrap().show, "x-y: z\\r\\n");
}

#[test]
fn words_and_strings() {
    assert_eq!(secs_words(0), "0 seconds");
    assert_eq!(secs_words(1), "1 second");
    assert_eq!(secs_words(86401), "1 day, 1 second");
    assert_eq!(secs_words(93784), "1 day, 2 hours, 3 minutes, 4 seconds");
    assert_eq!(secs_words(7776000), "90 days");
    assert_eq!(
        secs_words(167772161),
        "1941 days, 19 hours, 22 minutes, 41 seconds"
    );
    assert_eq!(ascii(b"ab\0cd"), ("ab".into(), "ab".into()));
    assert_eq!(ascii(b"\x7f\t"), ("\\177\\t".into(), "\u{7f}\t".into()));
    assert_eq!(plain_hex(&[0xab; 37]), format!("{}…", "ab".repeat(36)));
    assert_eq!(
        utf8_text("é\u{feff}\n".as_bytes()),
        ("é\\uFEFF\\n".into(), "é\u{feff}\n".into())
    );
    let p = Payload {
        b: &[1, 2, 3],
        reported: 5,
        at: 0,
    };
    assert_eq!(p.u16(1), Ok(0x0203));
    assert_eq!(p.u8(3), Err(Stop::Short));
    assert_eq!(p.get(4, 2), Err(Stop::Malformed));
}

#[test]
fn cut_and_changed_datagrams_do_not_panic() {
    for bytes in [
        CAPTURE,
        &include_bytes!("../../../../../tests/data/udp-apps.pcap")[..],
        &include_bytes!("../../../../../tests/data/udp-names.pcap")[..],
    ] {
        let capture = crate::ingest::ingest_bytes("udp.pcap", bytes);
        for i in 0..capture.packets.len() {
            let len = capture.packets.at(i).caplen as usize;
            for cut in (0..=len).step_by(1 + len / 40) {
                for seed in 0..3u64 {
                    // Bytes changed past the headers, in the datagram's payload.
                    let mut src = Mangled {
                        file: bytes,
                        cut,
                        seed: seed * 11 + i as u64,
                        keep: 42,
                        rounds: 5,
                    };
                    let mut ctx = FieldCtx::new(&capture);
                    let mut apps = Apps::new();
                    let d = detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default());
                    let mut s = String::new();
                    pdml::packet(&mut s, &d);
                    text::tree(&mut s, &d);
                }
            }
        }
    }
}
