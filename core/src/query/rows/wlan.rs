//! The columns of an 802.11 frame with nothing above it we name (management and control
//! frames, protected or empty data): Source and Destination from the MAC header as
//! packet-ieee80211.c sets them, Protocol "802.11", and its Info: the frame's kind,
//! sequence and fragment numbers, the flags, and a beacon's interval and SSID.

use crate::ingest::wire::wlan::{frame_type, header_len};
use crate::query::detail::{format_text, mac};
use std::fmt::Write as _;

/// Protocol column of a frame packet-ieee80211.c words.
pub const PROTOCOL: &str = "802.11";

/// tshark's names of the frame types and subtypes (`wlan.fc.type_subtype`'s value
/// strings, `frame_type_subtype_vals`): type << 4 | subtype.
fn kind_name(ts: u8) -> &'static str {
    match ts {
        0 => "Association Request",
        1 => "Association Response",
        2 => "Reassociation Request",
        3 => "Reassociation Response",
        4 => "Probe Request",
        5 => "Probe Response",
        6 => "Measurement Pilot",
        8 => "Beacon frame",
        9 => "ATIM",
        10 => "Disassociate",
        11 => "Authentication",
        12 => "Deauthentication",
        13 => "Action",
        14 => "Action No Ack",
        15 => "Aruba Management",
        18 => "Trigger",
        20 => "Beamforming Report Poll",
        21 => "VHT/HE NDP Announcement",
        23 => "Control Wrapper",
        24 => "802.11 Block Ack Req",
        25 => "802.11 Block Ack",
        26 => "Power-Save poll",
        27 => "Request-to-send",
        28 => "Clear-to-send",
        29 => "Acknowledgement",
        30 => "CF-End (Control-frame)",
        31 => "CF-End + CF-Ack (Control-frame)",
        32 => "Data",
        33 => "Data + CF-Ack",
        34 => "Data + CF-Poll",
        35 => "Data + CF-Ack + CF-Poll",
        36 => "Null function (No data)",
        37 => "Acknowledgement (No data)",
        38 => "CF-Poll (No data)",
        39 => "CF-Ack/Poll (No data)",
        40 => "QoS Data",
        41 => "QoS Data + CF-Acknowledgment",
        42 => "QoS Data + CF-Poll",
        43 => "QoS Data + CF-Ack + CF-Poll",
        44 => "QoS Null function (No data)",
        46 => "QoS CF-Poll (No Data)",
        47 => "QoS CF-Ack + CF-Poll (No data)",
        48 => "DMG Beacon",
        49 => "S1G Beacon",
        _ => "Unrecognized (Reserved frame)",
    }
}

/// The bytes of the fixed fields before a management frame's tagged parameters, by
/// subtype; None where they vary (Action) or there are no tags.
fn fixed_len(subtype: u8) -> Option<usize> {
    Some(match subtype {
        // Capabilities, listen interval.
        0 => 4,
        // Capabilities, status, association ID.
        1 | 3 => 6,
        // Capabilities, listen interval, current AP.
        2 => 10,
        4 => 0,
        // Timestamp, beacon interval, capabilities.
        5 | 8 => 12,
        // Algorithm, sequence, status.
        11 => 6,
        _ => return None,
    })
}

/// Source, Destination and Info of the 802.11 frame `f` (its MAC header and body, no
/// FCS); `fcs`: the capture says an FCS ends it (the flags' ninth character, `C`).
pub fn columns(f: &[u8], fcs: bool) -> (String, String, String) {
    let (Some(&fc), Some(&flags)) = (f.first(), f.get(1)) else {
        return Default::default();
    };
    let (kind, subtype) = ((fc >> 2) & 3, fc >> 4);
    let mut info = String::from(kind_name(kind << 4 | subtype));
    let addr = |at: usize| f.get(at..at + 6).map(mac);
    let (mut src, mut dst) = (String::new(), String::new());
    let flag_text = flag_str(flags, fcs);
    let seq = f.get(22..24).map(|b| u16::from_le_bytes([b[0], b[1]]));
    match kind {
        frame_type::MGMT | frame_type::DATA => {
            // Data frames' source and destination by the DS bits (IEEE 802.11-2020
            // Table 9-30); management frames' are addresses 2 and 1.
            let (s, d) = match (kind, flags & 3) {
                (frame_type::DATA, 1) => (10, 16),
                (frame_type::DATA, 2) => (16, 4),
                (frame_type::DATA, 3) => (24, 16),
                _ => (10, 4),
            };
            src = addr(s).unwrap_or_default();
            dst = addr(d).unwrap_or_default();
            if let Some(seq) = seq {
                let _ = write!(info, ", SN={}, FN={}", seq >> 4, seq & 0xf);
            }
            let _ = write!(info, ", Flags={flag_text}");
            if kind == frame_type::MGMT {
                mgmt_info(f, fc, flags, subtype, &mut info);
            }
        }
        frame_type::CONTROL => {
            // packet-ieee80211.c names the address of a control frame in the column.
            let (first, second) = match subtype {
                26 => ("BSSID", Some("TA")),
                12 | 13 => ("RA", None),
                14 | 15 => ("RA", Some("BSSID")),
                _ => ("RA", Some("TA")),
            };
            if let Some(a) = addr(4) {
                dst = format!("{a} ({first})");
            }
            if let Some(a) = second.and_then(|n| Some((n, addr(10)?))) {
                src = format!("{} ({})", a.1, a.0);
            }
            let _ = write!(info, ", Flags={flag_text}");
        }
        _ => {}
    }
    (src, dst, info)
}

/// The frame's flags as packet-ieee80211.c words them: `opmPRMFTC`, a dot for each
/// flag not set, the `C` only when the frame has an FCS.
fn flag_str(flags: u8, fcs: bool) -> String {
    let mut s: String = "opmPRMFT"
        .chars()
        .enumerate()
        .map(|(i, c)| if flags & (0x80 >> i) != 0 { c } else { '.' })
        .collect();
    if fcs {
        s.push('C');
    }
    s
}

/// A management frame's beacon interval (beacons and probe responses) and SSID, as the
/// fixed field and the SSID element append them to the Info.
fn mgmt_info(f: &[u8], fc: u8, flags: u8, subtype: u8, info: &mut String) {
    let Some(header) = header_len(fc, flags) else {
        return;
    };
    let Some(body) = f.get(header..) else { return };
    if matches!(subtype, 5 | 8) {
        if let Some(b) = body.get(8..10) {
            let _ = write!(info, ", BI={}", u16::from_le_bytes([b[0], b[1]]));
        }
    }
    let Some(mut tags) = fixed_len(subtype).and_then(|n| body.get(n..)) else {
        return;
    };
    while let [id, len, rest @ ..] = tags {
        let Some(value) = rest.get(..*len as usize) else {
            return;
        };
        if *id == 0 {
            if value.is_empty() {
                info.push_str(", SSID=Wildcard (Broadcast)");
            } else {
                let _ = write!(info, ", SSID=\"{}\"", format_text(value));
            }
            return;
        }
        tags = &rest[*len as usize..];
    }
}
